"""How far two float32 recordings of one run may differ by rounding alone.

A float32 path (the recorder's on one machine, the lab's replay in a browser, the
recorder's on another CPU) is the exact path plus rounding errors that each step makes
and the run's dynamics then shrink or grow: a contracting gd run keeps them at a few
ulps, a slow one lets them add up, an oscillating adam or rmsprop run or a diverging
one can grow them by orders of magnitude. No fixed tolerance is honest about all of
these, so a path is judged against a float64 recording of the same run (the recorder's
own code on doubles, `reference_runs`): a float32 path is "within rounding" of a trusted
float32 one when, at every step, its distance from the float64 path is at most FACTOR
times the largest distance the trusted path had up to that step (at least FLOOR, a few
float32 ulps). Distances are relative to max(|params|, 1) per step (the loss: to its size).

    ratio = excess(js.path, trace_run.path, reference.path)   # <= 1: within rounding
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from gdanim.trace import Run, Trace, dumps, norm_key, read_trace

EPS32 = float(np.finfo(np.float32).eps)
"2**-23: the spacing of float32 numbers at 1."
FLOOR = 4 * EPS32
"The smallest distance from the float64 path a float32 path is allowed at any step."
FACTOR = 32.0
"How much farther from the float64 path than the trusted float32 path another may be."


def distances(values: np.ndarray, exact: np.ndarray, *, unit: float = 1.0) -> np.ndarray:
    """Per row of values [m, q] (or [m]): the largest |values - exact| / max(|exact|, unit)."""
    # dtype: exact is float64 (the doubles' run), so v - x is too; numpy takes any negative size as -1
    v = np.asarray(values, np.float64).reshape(len(values), -1)  # pragma: no mutate (see above)
    x = np.asarray(exact, np.float64).reshape(len(exact), -1)  # pragma: no mutate (see above)
    return np.abs(v - x).max(axis=1) / np.maximum(np.abs(x).max(axis=1), unit)


def excess(values: np.ndarray, trusted: np.ndarray, exact: np.ndarray, *, unit: float = 1.0) -> float:
    """The largest ratio, over the first rows all three have where all are finite, of the
    distance of values from exact to FACTOR times max(FLOOR, the trusted rows' largest
    distance from exact so far). At most 1: values are within rounding. [m, q] each."""
    m = min(len(values), len(trusted), len(exact))
    # no mutate, below: as in distances (float64 exact; any negative size is -1)
    v, t, x = (np.asarray(a, np.float64)[:m].reshape(m, -1) for a in (values, trusted, exact))  # pragma: no mutate
    ok = np.isfinite(v).all(1) & np.isfinite(t).all(1) & np.isfinite(x).all(1)
    if not ok.any():
        return 0.0
    v, t, x = v[ok], t[ok], x[ok]
    bound = FACTOR * np.maximum(np.maximum.accumulate(distances(t, x, unit=unit)), FLOOR)
    return float((distances(v, x, unit=unit) / bound).max())


def run_excess(values: Run, trusted: Run, exact: Run) -> float:
    """`excess` over a run's params before each step and after the last, and over its
    losses (relative to their own size), the final loss after them when the three took
    the same number of steps. Any object with path, loss, final_loss and steps will do."""
    params = excess(values.path, trusted.path, exact.path)
    same = values.steps == trusted.steps == exact.steps
    losses = [np.append(r.loss, r.final_loss) if same else r.loss for r in (values, trusted, exact)]
    return max(params, excess(*losses, unit=1e-30))


def reference_runs(trace: Trace) -> list[Run]:
    """Every run of the trace recorded again on doubles, from the float32 data (in the run's
    units) and settings the trace holds; in the trace's order."""
    from gdanim.recorder import record_runs  # torch is imported only when recording

    groups: dict[str, list[int]] = {}
    for i, run in enumerate(trace.runs):
        groups.setdefault("" if run.normalization is None else norm_key(run.normalization), []).append(i)
    out: list[Run | None] = [None] * len(trace.runs)
    for members in groups.values():
        x = np.asarray(trace.inputs(trace.runs[members[0]]), np.float32).astype(np.float64)
        y = np.asarray(trace.dataset.y, np.float32).astype(np.float64)  # pragma: no mutate (float32 y, astype float64)
        settings: Sequence = [trace.runs[i].settings for i in members]
        for i, run in zip(members, record_runs(x, y, settings, "float64")):
            out[i] = run
    return out  # type: ignore[return-value]


NUMBERS_RTOL = 1e-4
"Beyond the runs' steps, numbers of two traces within rounding differ by at most this, relative to max(|a|, |b|, 1)."


def beyond_rounding(old_path: Path, new: Trace) -> str | None:
    """Where the trace.json at old_path differs from a new recording of its scenario by more
    than float32 rounding (its place, and how), or None when nothing does: the same text,
    shapes, step counts and statuses; data, analysis and every other number within
    NUMBERS_RTOL; every run's steps within `run_excess` of the new run against `reference_runs`."""
    # no mutate, below: encoding None or "UTF-8" read the same file on a UTF-8 system
    old_doc, new_doc = json.loads(old_path.read_text(encoding="utf-8")), json.loads(dumps(new))  # pragma: no mutate
    where, size = largest_difference(_without_steps(old_doc), _without_steps(new_doc), relative=True)
    if size > NUMBERS_RTOL:
        return f"{where} differs by {size:.3g} relative" if math.isfinite(size) else f"{where} differs"
    try:
        old = read_trace(old_path)
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        return f"its runs cannot be read ({exc})"
    for i, (a, b, exact) in enumerate(zip(old.runs, new.runs, reference_runs(new))):
        if (a.steps, a.status) != (b.steps, b.status):
            return f"runs[{i}] ({a.name}) took {a.steps} steps ({a.status}), now {b.steps} ({b.status})"
        if (ratio := run_excess(a, b, exact)) > 1.0:
            return f"runs[{i}] ({a.name}) is {ratio:.3g} x farther from its float64 path than float32 rounding goes"
    return None


def _without_steps(doc: dict) -> dict:
    runs = [{k: v for k, v in r.items() if k not in ("steps", "final")} for r in doc.get("runs", [])]
    return {**doc, "runs": runs}


def largest_difference(a: Any, b: Any, where: str = "", *, relative: bool = False) -> tuple[str, float]:
    """(the place, the size) of the largest difference between two JSON values: numbers
    by absolute difference (relative: over max(|a|, |b|, 1)), anything else that differs
    (shape, text, null) as infinite."""
    if isinstance(a, dict) and isinstance(b, dict):
        parts = [largest_difference(a.get(k), b.get(k), f"{where}.{k}" if where else k, relative=relative)
                 for k in sorted(set(a) | set(b))]
    elif isinstance(a, list) and isinstance(b, list):
        parts = [largest_difference(x, y, f"{where}[{i}]", relative=relative) for i, (x, y) in enumerate(zip(a, b))]
        if len(a) != len(b):
            parts.append((f"{where} (length {len(a)} -> {len(b)})", math.inf))
    elif _number(a) and _number(b):
        return where, abs(float(a) - float(b)) / (max(abs(float(a)), abs(float(b)), 1.0) if relative else 1.0)
    else:
        return where, 0.0 if a == b else math.inf
    return max(parts, key=lambda p: p[1], default=(where, 0.0))


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)
