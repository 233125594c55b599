"""What a handout page says: which frames, their captions, and the analysis in two lines.

    spec = run_handout(trace, run, schedule, grid)      # 4-6 shots of one run
    spec = compare_handout(trace, times, states, grids)  # 4-6 shots of the grid of all runs

Only numbers and words (numpy): `gdanim.frames.handout` draws the page from a spec and
the frames the renderer draws at the shots' states.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from gdanim.render.keyframes import Moment, key_state, moments
from gdanim.render.schedule import state_times
from gdanim.render.surface import LossGrid
from gdanim.trace import Run, Trace

MIN_SHOTS, MAX_SHOTS = 4, 6
HAPPENS = {
    "start": "the start",
    "overshoot": "passes the minimum: the step is too long along the steepest direction",
    "leaves": "the last step in view: the next one leaves the plot",
    "diverges": "the loss has grown to ten times its start: diverging",
    "converges": "within 1% of the least-squares loss: converged",
    "between": "on the way",
}
ENDS = {"converged": "the end: the change fell below the tolerance", "diverged": "the end: stopped as diverged",
        "max_epochs": "the end: the last epoch"}


@dataclass(frozen=True)
class Shot:
    """One frame of a handout: the state (or grid frame) it shows and its caption."""

    at: int
    "A state of the run, or a frame of the compare grid."
    caption: str
    "Epoch and loss."
    happens: str
    "What happens there, in words."


@dataclass(frozen=True)
class HandoutSpec:
    """A handout page: a heading, 4-6 shots and the analysis in two lines."""

    title: str
    subtitle: str
    shots: tuple[Shot, ...]
    analysis: tuple[str, str]


def _loss_at(run: Run, state: int) -> float:
    return float(run.loss[state]) if state < run.steps else float(run.final_loss)


def _label(t: float) -> str:
    return f"{t:.0f}" if t == int(t) else f"{t:.2f}"


def _fill(chosen: list[Moment], schedule: Sequence[int]) -> list[Moment]:
    """At least MIN_SHOTS moments: add frames of the schedule halfway across the widest gaps."""
    chosen = sorted(chosen, key=lambda m: m.state)
    frames = sorted(set(int(s) for s in schedule))
    while len(chosen) < MIN_SHOTS:
        taken = {m.state for m in chosen}
        free = [s for s in frames if s not in taken]
        if not free:
            break
        gaps = [(b.state - a.state, a.state, b.state) for a, b in zip(chosen, chosen[1:])]
        _, lo, hi = max(gaps)
        middle = min(free, key=lambda s: abs(s - (lo + hi) / 2))
        chosen = sorted([*chosen, Moment(middle, "between")], key=lambda m: m.state)
    return chosen


def _thin(chosen: list[Moment]) -> list[Moment]:
    """At most MAX_SHOTS: keep the start and the end, drop what repeats a kind."""
    while len(chosen) > MAX_SHOTS:
        drop = next((i for i in range(1, len(chosen) - 1) if chosen[i].kind == "between"), 1)
        chosen = chosen[:drop] + chosen[drop + 1:]
    return chosen


def run_handout(trace: Trace, run: Run, schedule: Sequence[int], grid: LossGrid | None = None) -> HandoutSpec:
    """The handout of one run: its telling moments (at least four, at most six)."""
    times = state_times(run)
    chosen = _thin(_fill(moments(trace, run, grid), schedule))
    shots = []
    for m in chosen:
        loss = _loss_at(run, m.state)
        caption = f"epoch {_label(times[m.state])} · loss {loss:.4g}" if np.isfinite(loss) else \
            f"epoch {_label(times[m.state])} · loss not finite"
        happens = ENDS.get(run.status, "the end") if m.kind == "end" else HAPPENS[m.kind]
        if m.kind == "start":
            happens = "start at w = [" + ", ".join(f"{v:.4g}" for v in run.path[0]) + "]"
        shots.append(Shot(m.state, caption, happens))
    s = run.settings
    subtitle = f"{run.name} · {s.optimizer} · lr = {s.lr:g} · {s.loss.upper()} · {s.epochs} epochs"
    return HandoutSpec(trace.title, subtitle, tuple(shots), run_analysis(trace, run))


def run_analysis(trace: Trace, run: Run) -> tuple[str, str]:
    """Two lines: what the spectrum says of this rate, then how the run ended."""
    s = run.settings
    spectrum = trace.analysis_of(run).spectra.get(s.loss)
    if spectrum is not None and spectrum.critical_lr and s.optimizer == "gd":
        lam = max(spectrum.eigenvalues)
        first = (f"λmax = {lam:.4g}: gradient descent is stable below 2/λmax = "
                 f"{spectrum.critical_lr:.4g}; here lr·λmax = {s.lr * lam:.3g}")
        if run.regime:
            first += f", {run.regime}"
            if run.contraction is not None:
                first += f" (error ×{run.contraction:.3g} per step)"
    else:
        first = f"{s.optimizer} with lr = {s.lr:g} on the {s.loss.upper()} loss"
    final = float(run.final_loss)
    ended = {"converged": "converged", "diverged": "stopped as diverged", "max_epochs": "ran all"}.get(
        run.status, run.status)
    second = f"It {ended} after {len(run.path) - 1} steps; final loss " + (
        f"{final:.4g}" if np.isfinite(final) else "not finite")
    if spectrum is not None and np.isfinite(spectrum.ols_loss):
        second += f", least squares {spectrum.ols_loss:.4g}"
    return first + ".", second + "."


def compare_handout(trace: Trace, times: np.ndarray, states: np.ndarray,
                    grids: dict[str, LossGrid] | None = None, picked: Sequence[int] | None = None,
                    ) -> HandoutSpec:
    """The handout of the grid of all runs: the start, the frames where a run shows its
    key moment, and the end (four to six frames)."""
    runs = [trace.runs[r] for r in (picked if picked is not None else range(len(trace.runs)))]
    index = [trace.runs.index(r) for r in runs]
    last = len(times) - 1
    marks: dict[int, list[str]] = {0: ["the start"], last: ["the end"]}
    for run, r in zip(runs, index):
        state = key_state(trace, run, (grids or {}).get(run.name))
        frame = max(int(np.searchsorted(states[:, r], state, side="right")) - 1, 0)
        kind = next((m.kind for m in moments(trace, run, (grids or {}).get(run.name)) if m.state == state),
                    "between")
        words = HAPPENS.get(kind, "the end").split(":")[0]
        marks.setdefault(frame, []).append(f"{run.name}: {words}")
    frames = sorted(marks)
    if len(frames) > MAX_SHOTS:  # keep the start, the end and evenly picked key frames
        inner = frames[1:-1]
        keep = {inner[round(i)] for i in np.linspace(0, len(inner) - 1, MAX_SHOTS - 2)}
        frames = [0, *sorted(keep), last]
    while len(frames) < min(MIN_SHOTS, last + 1):
        gaps = [(b - a, a, b) for a, b in zip(frames, frames[1:])]
        _, lo, hi = max(gaps)
        frames = sorted({*frames, (lo + hi) // 2})
    shots = []
    for k in frames:
        happens = "; ".join(marks.get(k, ["on the way"]))
        shots.append(Shot(k, f"up to epoch {_label(float(times[k]))}", happens))
    kinds = sorted({r.settings.loss for r in runs})
    crit = [trace.analysis.spectra[k].critical_lr for k in kinds if k in trace.analysis.spectra]
    first = (f"{len(trace.runs)} runs; plain gradient descent is stable below 2/λmax = "
             + ", ".join(f"{c:.4g}" for c in crit if c) + f" ({', '.join(k.upper() for k in kinds)})"
             ) if any(crit) else f"{len(trace.runs)} runs"
    ended = {}
    for r in trace.runs:
        ended.setdefault(r.status, []).append(r.name)
    words = {"converged": "converged", "diverged": "diverged", "max_epochs": "ran all their epochs"}
    second = "; ".join(f"{words.get(k, k)}: {', '.join(v[:6])}{' …' if len(v) > 6 else ''}"
                       for k, v in ended.items())
    return HandoutSpec(trace.title, "all runs side by side", tuple(shots), (first + ".", second + "."))
