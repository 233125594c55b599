"""What the page's live lab needs of a trace: the data, the spectra and the recorded runs.

The lab re-runs training (full batch or mini-batches) in the browser (templates/static/lab-core.js) in
float32, so the data ride in the page as the float32 values the recorder trained on,
written as the shortest decimal that reads back to the same float32. Everything here
is plain JSON for a `<script type="application/json">` block (see docs/lab.md).
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from gdanim.analysis import Analysis, Spectrum, robust_key
from gdanim.dataset import Normalization
from gdanim.folder import LAB_PAGE
from gdanim.report import text as tx
from gdanim.schema import OPTIMIZERS, QUADRATIC_LOSSES
from gdanim.trace import Run, Trace, norm_key

MAX_VALUES = 60_000
"A page carries the lab only while n * (k + 1) stays under this (the data ride in the page)."
MIN_EPOCHS_MAX = 2_000
"The epochs field goes at least this far (further when a recorded run did)."
SLIDER_STEPS = 240
"Positions of the log-scale learning-rate slider."
LOSS_LABELS = {"sse": "SSE", "mse": "MSE", "sae": "SAE", "mae": "MAE", "huber": "Huber"}
MAIN = "data"
"The key of the data's own units (runs that override `normalize` get their own)."


def f32(v: float) -> float:
    """The float32 nearest v, as the shortest decimal that reads back to it (non-finite: None)."""
    v32 = np.float32(v)
    return float(str(v32)) if math.isfinite(float(v32)) else None  # type: ignore[return-value]


def f32_list(a: np.ndarray) -> list:
    """An array of float32 values as nested lists of `f32` numbers."""
    a = np.asarray(a, np.float32)
    if a.ndim == 1:
        return [f32(v) for v in a]
    return [f32_list(row) for row in a]


def _f64(v: float | None) -> float | None:
    return float(v) if v is not None and math.isfinite(float(v)) else None


def lab_pair(trace: Trace, surface: Sequence[int]) -> tuple[int, int] | None:
    """The two parameters the lab's contour view spans, or None when they are not in the model."""
    p = trace.dataset.features + 1
    a, b = int(surface[0]), int(surface[1])
    return (a, b) if 0 <= a < p and 0 <= b < p and a != b else None


def has_lab(trace: Trace, surface: Sequence[int] = (0, 1)) -> bool:
    """True when the scenario's page gets a live lab.

    Features 1, or any k whose surface pair is in the model; the data must be small
    enough to ride in the page and the loss curved (λ_max > 0). Every run it can replay:
    lab-core.js computes every loss, optimizer, schedule and batching the scenario format
    has (tests/test_lab_core.py keeps it so)."""
    d = trace.dataset
    if lab_pair(trace, surface) is None or d.n * (d.features + 1) > MAX_VALUES:
        return False
    return any(s.critical_lr is not None for s in trace.analysis.spectra.values())


def _spectrum(s: Spectrum) -> dict[str, Any]:
    return {"eigenvalues": [_f64(v) for v in s.eigenvalues], "critical_lr": _f64(s.critical_lr),
            "best_lr": _f64(s.best_lr), "condition_number": _f64(s.condition_number),
            "ols_loss": _f64(s.ols_loss)}


def _units_key(run: Run) -> str:
    return MAIN if run.normalization is None else norm_key(run.normalization)


def _units_label(norm: Normalization, s: Mapping[str, str]) -> str:
    if norm.kind == "scale":
        return s["norm_scale"].format(scale=tx.num(norm.scale[0]))
    return s.get(f"norm_{norm.kind}", norm.kind)


def _window(centre: np.ndarray, starts: np.ndarray) -> tuple[list[float], list[float]]:
    """View limits around the minimum that hold every start with room to spare (as the
    contour figure draws them). centre [2], starts [m, 2]."""
    spread = np.abs(starts - centre).max(axis=0) if len(starts) else np.ones(2)
    spread = np.maximum(spread * 1.5, 1e-3 + 0.1 * np.abs(centre))
    return [float(v) for v in centre - spread], [float(v) for v in centre + spread]


def _units(trace: Trace, pair: tuple[int, int], s: Mapping[str, str]) -> tuple[list[dict], dict[str, int]]:
    """One entry per set of units the runs trained in: x there, OLS, spectra and view."""
    a, b = pair
    groups: dict[str, list[Run]] = {MAIN: []}
    for run in trace.runs:
        groups.setdefault(_units_key(run), []).append(run)
    out, index = [], {}
    for key, runs in groups.items():
        analysis: Analysis = trace.analysis if key == MAIN else trace.analysis_of(runs[0])
        norm = trace.dataset.normalization if key == MAIN else runs[0].normalization
        x = trace.dataset.x if key == MAIN else trace.inputs(runs[0])
        minimizer = np.asarray(analysis.minimizer, np.float64)
        starts = np.asarray([np.asarray(r.path[0], np.float64)[[a, b]] for r in runs], np.float64)
        lo, hi = _window(minimizer[[a, b]], starts.reshape(-1, 2))
        index[key] = len(out)
        out.append({
            "key": key, "label": _units_label(norm, s), "x": f32_list(x),
            "norm": {"shift": [float(v) for v in norm.shift], "scale": [float(v) for v in norm.scale]},
            "ols": [_f64(v) for v in analysis.ols] if analysis.ols is not None else None,
            "minimizer": [_f64(v) for v in minimizer],
            "spectra": {loss: _spectrum(analysis.spectra[loss]) for loss in QUADRATIC_LOSSES},
            "robust": {key: {"params": [_f64(v) for v in fit.params], "value": _f64(fit.value)}
                       for key, fit in analysis.robust.items()},
            "view": {"lo": lo, "hi": hi},
        })
    return out, index


def run_settings(run: Run) -> dict[str, Any]:
    """A run's settings as the lab's simulate options (lab-core.js `simulate(opts)`)."""
    st = run.settings
    opts: dict[str, Any] = {
        "lr": st.lr, "optimizer": st.optimizer, "loss": st.loss, "epochs": st.epochs,
        "init": f32_list(run.path[0]), "gradient": st.gradient, "delta": st.delta,
        "zero_grad": st.zero_grad, "stop": {"tol": st.tol, "max_loss": st.max_loss},
    }
    for k, v in st.options.items():
        opts[k] = list(v) if isinstance(v, tuple) else v
    if st.schedule is not None:
        opts["schedule"] = dict(st.schedule)
    if st.loss == "huber":
        opts["huber_delta"] = st.huber_delta
    if st.batch_size is not None:
        opts["batch_size"], opts["seed"] = st.batch_size, st.seed
    return opts


def _lr_range(trace: Trace, units: list[dict], loss: str) -> list[float]:
    """The slider's range for one loss: whole decades around the rates recorded with that
    loss and its critical rates (a robust loss has none), at least four decades wide."""
    rates = [r.settings.lr for r in trace.runs if r.settings.lr > 0 and r.settings.loss == loss]
    if loss in QUADRATIC_LOSSES:
        rates += [u["spectra"][loss]["critical_lr"] for u in units if u["spectra"][loss]["critical_lr"]]
    hi = math.ceil(math.log10(max(rates) * 2.5))
    lo = min(math.floor(math.log10(min(rates))) - 1, hi - 4)
    return [10.0 ** lo, 10.0 ** hi]


def _losses(trace: Trace) -> list[dict[str, Any]]:
    """The losses the lab offers: SSE and MSE, then each robust loss (with its Huber δ) the
    runs use, whose own minimizer the analysis has. key: the `robust_key`, label as shown."""
    out = [{"key": loss, "loss": loss, "label": LOSS_LABELS[loss]} for loss in QUADRATIC_LOSSES]
    for run in trace.runs:
        st = run.settings
        key = robust_key(st.loss, st.huber_delta)
        if st.loss in QUADRATIC_LOSSES or any(o["key"] == key for o in out):
            continue
        entry: dict[str, Any] = {"key": key, "loss": st.loss, "label": LOSS_LABELS[st.loss]}
        if st.loss == "huber":
            entry["huber_delta"] = st.huber_delta
            entry["label"] = f"Huber (δ = {tx.num(st.huber_delta)})"
        out.append(entry)
    return out


def _schedule_label(schedule: Mapping[str, Any], s: Mapping[str, str]) -> str:
    """A schedule in words short enough for the menu: "step: ×0.5 every 10 epochs"."""
    fields = {k: tx.num(v) if isinstance(v, float) else v for k, v in schedule.items() if k != "type"}
    template = s.get(f"lab_schedule_{schedule['type']}")
    return template.format(**fields) if template else schedule["type"]


def _schedules(runs: Sequence[Run], s: Mapping[str, str]) -> list[dict[str, Any]]:
    """Each distinct learning-rate schedule among the runs, with its label in words."""
    out: list[dict[str, Any]] = []
    for run in runs:
        schedule = run.settings.schedule
        if schedule is not None and all(o["schedule"] != schedule for o in out):
            out.append({"label": _schedule_label(schedule, s), "schedule": dict(schedule)})
    return out


def embed_snippets(title: str, s: Mapping[str, str]) -> dict[str, str]:
    """Copy-ready code to show the lab alone (lab.html) in a slide deck: Reveal.js loads
    the frame when its slide comes near (data-src) and unloads it after; Quarto and MyST
    take it as a frame of their own. A lab link's fragment ("#lab?...") after lab.html
    opens it with those settings."""
    name = html.escape(s["lab_frame_title"].format(title=title))
    size = "width:100%;height:80vh;border:0"
    return {
        "Reveal.js": f'<section>\n  <iframe data-src="{LAB_PAGE}" title="{name}" style="{size}"></iframe>\n</section>',
        "Quarto": f'```{{=html}}\n<iframe src="{LAB_PAGE}" title="{name}" loading="lazy" style="{size}"></iframe>\n```',
        "MyST": f":::{{iframe}} {LAB_PAGE}\n:width: 100%\n:::",
    }


def lab_context(trace: Trace, surface: Sequence[int], s: Mapping[str, str]) -> dict[str, Any] | None:
    """The lab's data block for the page, or None when the page gets no lab (see `has_lab`).

    Keys: n, k, pair, loss (the scenario's), y (float32), outliers (how many of the last
    points data.outliers added), units (x, ols, spectra, robust fits and view per set of
    units), losses (key, loss, label, huber_delta of each loss offered), runs (every run:
    name, units, settings as simulate options, status, steps, final params and
    final_loss: where a reset to it lands, as recorded), defaults (settings
    and units of the first run), schedules (label and schedule of each distinct one among
    the runs), lr_range (per loss key), slider_steps, epochs_max, optimizers, text (the
    readout's sentences)."""
    if not has_lab(trace, surface):
        return None
    pair = lab_pair(trace, surface) or (0, 1)
    units, index = _units(trace, pair, s)
    runs = [{"name": r.name, "units": index[_units_key(r)], "settings": run_settings(r),
             "status": r.status, "steps": r.steps, "final": [_f64(v) for v in np.asarray(r.final_params, np.float64)],
             "final_loss": _f64(r.final_loss)}
            for r in trace.runs]
    first = trace.runs[0]
    defaults = {"units": index[_units_key(first)], "settings": run_settings(first)}
    epochs = max([MIN_EPOCHS_MAX, *(r.settings.epochs for r in trace.runs)])
    losses = _losses(trace)
    return {
        "n": trace.dataset.n, "k": trace.dataset.features, "pair": list(pair), "loss": trace.loss,
        "y": f32_list(trace.dataset.y), "outliers": trace.dataset.outliers, "units": units,
        "degree": trace.dataset.degree,
        "x_raw": f32_list(trace.dataset.x_raw[:, 0]) if trace.dataset.degree > 1 else None,
        "losses": losses, "runs": runs, "defaults": defaults,
        "schedules": _schedules(trace.runs, s),
        "slider_steps": SLIDER_STEPS, "epochs_max": epochs, "optimizers": list(OPTIMIZERS),
        "lr_range": {o["key"]: _lr_range(trace, units, o["loss"]) for o in losses},
        "text": {k.removeprefix("lab_js_"): v for k, v in s.items() if k.startswith("lab_js_")},
    }
