"""The recorded result of a scenario: runs of steps, the data and the analysis.

A `Trace` is plain numpy and frozen dataclasses (no torch), written as strict JSON
(`gdanim.trace/2`, documented in docs/trace.md; `/1` files are still read) and one CSV per run, and read back
by the renderer and the report without recording again.
"""

from __future__ import annotations

import csv
import io
import json
import math
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from gdanim.analysis import Analysis, RobustFit, Spectrum
from gdanim.dataset import Dataset, Normalization
from gdanim.files import atomic_write_text, make_folder
from gdanim.folder import TRACE, run_csv

SCHEMA = "gdanim.trace/2"
READABLE = ("gdanim.trace/1", SCHEMA)
"Formats read_trace reads: /1 had no schedules (every step used settings.lr)."
STATUSES = ("converged", "diverged", "max_epochs")
REGIMES = ("monotone", "oscillating", "divergent")


@dataclass(frozen=True)
class Settings:
    """The training settings a run used."""

    name: str
    lr: float
    epochs: int
    init: tuple[float, ...]
    loss: str
    optimizer: str
    options: dict[str, Any]
    "Optimizer options besides lr (momentum, betas, ...)."
    gradient: str
    delta: float
    batch_size: int | None
    seed: int
    zero_grad: bool
    tol: float | None
    max_loss: float | None
    normalize: str | float = "none"
    "How x was normalized for this run (data.normalize unless the run overrides it)."
    schedule: dict[str, Any] | None = None
    "The learning-rate schedule ({type, ...} as in the scenario, defaults filled in), None: constant."
    huber_delta: float = 1.0
    "The Huber loss's delta (loss huber only)."

    def to_json(self) -> dict:
        """The settings as plain JSON values."""
        return {
            "lr": self.lr, "loss": self.loss, "optimizer": self.optimizer,
            "options": {k: list(v) if isinstance(v, tuple) else v for k, v in self.options.items()},
            "gradient": self.gradient, "delta": self.delta, "batch_size": self.batch_size,
            "seed": self.seed, "epochs": self.epochs, "init": list(self.init),
            "zero_grad": self.zero_grad, "stop": {"tol": self.tol, "max_loss": self.max_loss},
            "normalize": self.normalize, "schedule": self.schedule, "huber_delta": self.huber_delta,
        }


@dataclass(frozen=True, eq=False)
class Run:
    """One recorded run. S steps; p = k + 1 parameters."""

    settings: Settings
    status: str
    "converged, diverged or max_epochs."
    regime: str | None
    "monotone, oscillating or divergent from the spectrum (plain full-batch gd only)."
    contraction: float | None
    "max |1 - lr * lambda| (plain full-batch gd only)."
    epoch: np.ndarray
    "[S] int: the epoch each step belongs to (0-based)."
    path: np.ndarray
    "[S+1, p] float32: params before each step, then the final params."
    loss: np.ndarray
    "[S] float32: the loss at the params before each step, on the batch used."
    grad: np.ndarray
    "[S, p] float32: the gradient the step used."
    update: np.ndarray
    "[S, p] float32: the change applied (path[i+1] - path[i] up to rounding)."
    final_loss: float
    "Full-batch loss at the final params (may be inf or nan)."
    normalization: Normalization | None = None
    "The run's own normalization when it overrides the data's; None means the data's."
    lr: np.ndarray | None = None
    "[S] float64: the learning rate each step used; None means settings.lr throughout."

    @property
    def name(self) -> str:
        """The run's file-name safe name."""
        return self.settings.name

    @property
    def steps(self) -> int:
        """Number of recorded steps S."""
        return int(self.loss.shape[0])

    @property
    def step_lr(self) -> np.ndarray:
        """[S] float64: the learning rate each step used."""
        if self.lr is not None:
            return self.lr
        return np.full(self.steps, float(self.settings.lr))

    @property
    def final_params(self) -> np.ndarray:
        """[p] the params after the last step."""
        return self.path[-1]


@dataclass(frozen=True, eq=False)
class Trace:
    """Everything recorded for one scenario."""

    scenario: str
    "The scenario file's name."
    stem: str
    title: str
    description: str
    dataset: Dataset
    analysis: Analysis
    loss: str
    "The scenario's main loss (the one `analysis` in trace.json reports)."
    runs: tuple[Run, ...]

    analyses: dict[str, Analysis] | None = None
    "Analyses of runs with their own normalization, keyed by `norm_key`."

    def run(self, name: str) -> Run:
        """The run called `name`."""
        return next(r for r in self.runs if r.name == name)

    def normalization_of(self, run: Run) -> Normalization:
        """The normalization the run trained with."""
        return run.normalization or self.dataset.normalization

    def inputs(self, run: Run) -> np.ndarray:
        """x [n, k] in the units this run trained in."""
        if run.normalization is None:
            return self.dataset.x
        return run.normalization.apply(self.dataset.expand(self.dataset.x_raw))

    def analysis_of(self, run: Run) -> Analysis:
        """The analysis in the units this run trained in."""
        if run.normalization is None or not self.analyses:
            return self.analysis
        return self.analyses[norm_key(run.normalization)]


def norm_key(norm: Normalization) -> str:
    """A stable key naming a normalization."""
    return norm.kind if norm.kind != "scale" else f"scale:{norm.scale[0]!r}"


# --- JSON -----------------------------------------------------------------------------


def _num(v: float) -> float | None:
    v = float(v)
    return v if math.isfinite(v) else None


def _nums(a: np.ndarray) -> list:
    return [_num(v) for v in np.asarray(a).reshape(-1)]


def _nums2(a: np.ndarray) -> list:
    return [_nums(row) for row in a]


def _spectrum_json(s: Spectrum, analysis: Analysis) -> dict:
    return {
        "ols": list(analysis.ols) if analysis.ols is not None else None,
        "ols_unique": analysis.unique,
        "ols_loss": _num(s.ols_loss),
        "hessian_eigenvalues": [_num(v) for v in s.eigenvalues],
        "critical_lr": s.critical_lr,
        "best_lr": s.best_lr,
        "condition_number": s.condition_number,
    }


def _no_spectrum_json(analysis: Analysis) -> dict:
    """A robust main loss: the least-squares fields, no spectrum (its Hessian is not constant)."""
    return {"ols": list(analysis.ols) if analysis.ols is not None else None, "ols_unique": analysis.unique,
            "ols_loss": None, "hessian_eigenvalues": None, "critical_lr": None, "best_lr": None,
            "condition_number": None}


def _robust_json(fit: RobustFit) -> dict:
    return {"loss": fit.loss, "huber_delta": fit.huber_delta, "params": _nums(np.asarray(fit.params)),
            "value": _num(fit.value), "iterations": fit.iterations}


def _analysis_json(a: Analysis, loss: str) -> dict:
    main = a.spectra.get(loss)
    return {
        "loss": loss, "rank": a.rank, "minimizer": list(a.minimizer),
        **(_spectrum_json(main, a) if main is not None else _no_spectrum_json(a)),
        "by_loss": {k: _spectrum_json(s, a) for k, s in a.spectra.items()},
        "robust": {k: _robust_json(f) for k, f in a.robust.items()},
    }


def to_json(trace: Trace, *, steps_marker: str | None = None) -> dict:
    """The trace as a JSON-ready dict (non-finite numbers become null); with a
    steps_marker, run k's steps are the string "<marker>-k", which `dumps` replaces."""
    a, d = trace.analysis, trace.dataset
    return {
        "schema": SCHEMA,
        "scenario": trace.scenario,
        "title": trace.title,
        "description": trace.description,
        "data": {
            "n": d.n, "features": d.features, "source": d.source,
            "normalize": d.normalization.to_json(),
            "true": list(d.true_params) if d.true_params is not None else None,
            "columns": list(d.columns),
            "x": _nums2(d.x), "x_raw": _nums2(d.x_raw), "y": _nums(d.y), "outliers": d.outliers,
            "degree": d.degree,
        },
        "analysis": _analysis_json(a, trace.loss),
        "analyses": {k: _analysis_json(a, trace.loss) for k, a in (trace.analyses or {}).items()},
        "runs": [_run_json(r, trace.analysis_of(r), None if steps_marker is None else f"{steps_marker}-{k}")
                 for k, r in enumerate(trace.runs)],
    }


def _steps(run: Run) -> Iterator[dict]:
    for e, r, p, lo, g, u in zip(run.epoch, run.step_lr, run.path[:-1], run.loss, run.grad, run.update):
        yield {"epoch": int(e), "lr": _num(r), "params": _nums(p), "loss": _num(lo), "grad": _nums(g),
               "update": _nums(u)}


def _run_json(run: Run, analysis: Analysis, steps: object = None) -> dict:
    """The run as a JSON-ready dict; `steps` stands in for the list of steps when given."""
    spectrum, ols = analysis.spectra.get(run.settings.loss), analysis.ols
    best = analysis.best(run.settings.loss, run.settings.huber_delta)
    return {
        "name": run.name, "settings": run.settings.to_json(), "status": run.status,
        "regime": run.regime, "contraction": run.contraction,
        "normalize": run.normalization.to_json() if run.normalization is not None else None,
        "critical_lr": spectrum.critical_lr if spectrum is not None else None,
        "ols": list(ols) if ols is not None else None,
        "best": None if best is None else {"params": _nums(np.asarray(best[0])), "loss": _num(best[1])},
        "epochs_run": int(run.epoch[-1]) + 1 if run.steps else 0,
        "steps": list(_steps(run)) if steps is None else steps,
        "final": {"params": _nums(run.final_params), "loss": _num(run.final_loss)},
    }


def dumps(trace: Trace) -> str:
    """trace.json text: strict JSON, stable for the same scenario.

    The same text as json.dumps(to_json(trace)), but the steps are turned into text
    one at a time: a dict per step for 50,000 steps would hold some 50 MB at once."""
    options = {"ensure_ascii": False, "allow_nan": False, "separators": (",", ":")}
    nonce = secrets.token_hex(8)  # no scenario text can hold it
    text = json.dumps(to_json(trace, steps_marker=nonce), **options)
    parts, pos = [], 0
    for k, run in enumerate(trace.runs):
        marker = json.dumps(f"{nonce}-{k}")
        at = text.index(marker, pos)
        parts += [text[pos:at], "[", ",".join(json.dumps(step, **options) for step in _steps(run)), "]"]
        pos = at + len(marker)
    parts.append(text[pos:])
    return "".join(parts) + "\n"


def csv_text(run: Run) -> str:
    """The run as CSV: epoch, lr, w0.., loss, grad_w0.., update_w0.. (empty cells for non-finite)."""
    p = run.path.shape[1]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["epoch", "lr", *(f"w{i}" for i in range(p)), "loss",
                     *(f"grad_w{i}" for i in range(p)), *(f"update_w{i}" for i in range(p))])
    for e, w, lo, g, u, r in zip(run.epoch, run.path[:-1], run.loss, run.grad, run.update, run.step_lr):
        cells = [r, *w, lo, *g, *u]
        writer.writerow([int(e), *("" if not math.isfinite(float(c)) else repr(float(c)) for c in cells)])
    return out.getvalue()


def write_trace(trace: Trace, folder: Path) -> list[Path]:
    """Write trace.json and <run>.csv into folder (each file whole or not at all)."""
    make_folder(folder)
    written = [atomic_write_text(folder / TRACE, dumps(trace))]
    for run in trace.runs:
        written.append(atomic_write_text(folder / run_csv(run.name), csv_text(run)))
    return written


# --- reading back ------------------------------------------------------------------


def _arr(values: list, dtype=np.float32) -> np.ndarray:
    return np.asarray([np.nan if v is None else v for v in values], dtype)


def _arr2(rows: list, width: int) -> np.ndarray:
    if not rows:
        return np.zeros((0, width), np.float32)
    return np.asarray([[np.nan if v is None else v for v in r] for r in rows], np.float32)


def read_trace(path: Path) -> Trace:
    """A Trace read back from trace.json (as written by `write_trace`)."""
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    if doc.get("schema") not in READABLE:
        raise ValueError(f"{path}: a {' or '.join(READABLE)} file is expected, got schema "
                         f"{doc.get('schema')!r}")
    d, a = doc["data"], doc["analysis"]
    k = d["features"]
    norm = _read_norm(d["normalize"])
    degree = d.get("degree", 1)
    dataset = Dataset(_arr2(d["x"], k), _arr(d["y"]), _arr2(d["x_raw"], 1 if degree > 1 else k), norm,
                      d["source"], tuple(d["true"]) if d["true"] is not None else None, tuple(d["columns"]),
                      d.get("outliers", 0), degree)
    runs = tuple(_read_run(r, k + 1) for r in doc["runs"])
    stem = Path(doc["scenario"]).stem
    analyses = {key: _read_analysis(v) for key, v in doc.get("analyses", {}).items()}
    return Trace(doc["scenario"], stem, doc["title"], doc["description"], dataset,
                 _read_analysis(a), a["loss"], runs, analyses or None)


def _read_analysis(a: dict) -> Analysis:
    spectra = {
        loss: Spectrum(loss, tuple(np.nan if v is None else v for v in s["hessian_eigenvalues"]),
                       s["critical_lr"], s["best_lr"], s["condition_number"],
                       np.nan if s["ols_loss"] is None else s["ols_loss"])
        for loss, s in a["by_loss"].items()
    }
    robust = {key: RobustFit(f["loss"], f["huber_delta"], tuple(np.nan if v is None else v for v in f["params"]),
                             np.nan if f["value"] is None else f["value"], f["iterations"])
              for key, f in a.get("robust", {}).items()}
    return Analysis(tuple(a["ols"]) if a["ols"] is not None else None, a["rank"],
                    tuple(a["minimizer"]), spectra, robust)


def _read_norm(d: dict | None) -> Normalization | None:
    return Normalization(d["kind"], tuple(d["shift"]), tuple(d["scale"])) if d else None


def _read_run(r: dict, p: int) -> Run:
    s = r["settings"]
    settings = Settings(
        name=r["name"], lr=s["lr"], epochs=s["epochs"], init=tuple(s["init"]), loss=s["loss"],
        optimizer=s["optimizer"],
        options={k: tuple(v) if isinstance(v, list) else v for k, v in s["options"].items()},
        gradient=s["gradient"], delta=s["delta"], batch_size=s["batch_size"], seed=s["seed"],
        zero_grad=s["zero_grad"], tol=s["stop"]["tol"], max_loss=s["stop"]["max_loss"],
        normalize=s["normalize"], schedule=s.get("schedule"),  # /1 had no schedules
        huber_delta=s.get("huber_delta", 1.0),
    )
    steps = r["steps"]
    path = _arr2([st["params"] for st in steps] + [r["final"]["params"]], p)
    final_loss = r["final"]["loss"]
    return Run(
        settings, r["status"], r["regime"], r["contraction"],
        np.asarray([st["epoch"] for st in steps], np.int64), path,
        _arr([st["loss"] for st in steps]), _arr2([st["grad"] for st in steps], p),
        _arr2([st["update"] for st in steps], p), np.nan if final_loss is None else final_loss,
        _read_norm(r["normalize"]),
        _arr([st.get("lr", s["lr"]) for st in steps], np.float64),  # /1: settings.lr throughout
    )
