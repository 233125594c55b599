"""Predict, then reveal: what the page shows of a scenario's exercises, and their answers.

Every exercise becomes one dict for the template: the question (the scenario's prompt
or a default one), the choices, the answer in words written from the trace, and the
numbers the page's script checks a student's answer against.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from gdanim.folder import still_name
from gdanim.report import analysis_text as at
from gdanim.report import text as tx
from gdanim.report.media import frame_indices
from gdanim.trace import Run, Trace

REGIMES = ("monotone", "oscillating", "divergent")


def exercise_views(exercises: Sequence[Any], trace: Trace, folder: Path, s: Mapping[str, str],
                   fps: float, max_frames: int, frames: Sequence[int] | None,
                   pair: tuple[int, int]) -> list[dict[str, Any]]:
    """One dict per exercise (schema.Exercise) for scenario.html, numbered from 1."""
    names = {r.name for r in trace.runs}
    out = []
    for number, ex in enumerate(exercises, start=1):
        if ex.run not in names:  # the scenario changed since the trace: nothing to ask
            continue
        run = trace.run(ex.run)
        view = {"number": number, "id": f"exercise-{number}", "run": run.name, "ask": ex.ask,
                "prompt": tx.markdown(ex.prompt) if ex.prompt else None, "markdown": ex.prompt,
                "question": _question(ex, run, s), "still": None, "stop": None}
        if ex.ask != "lr":
            still = still_name(run.name, ex.epoch)
            view["still"] = still if (Path(folder) / still).is_file() else None
            view["stop"] = _stop_time(run, ex.epoch, fps, max_frames, frames)
        view.update(_ANSWERS[ex.ask](ex, run, trace, s, pair))
        out.append(view)
    return out


def _question(ex: Any, run: Run, s: Mapping[str, str]) -> str:
    lr = f"{run.settings.lr:g}"
    if ex.ask == "regime":
        return s["ex_q_regime"].format(run=run.name, lr=lr, epoch=ex.epoch)
    if ex.ask == "next":
        return s["ex_q_next"].format(run=run.name, epoch=ex.epoch, steps=ex.steps)
    epochs = ex.epochs or run.settings.epochs
    return s["ex_q_lr"].format(loss=run.settings.loss.upper(), target=tx.num(ex.target), epochs=epochs)


def _stop_time(run: Run, epoch: int, fps: float, max_frames: int, frames: Sequence[int] | None) -> float:
    """Seconds into the run's video where its frame of `epoch` (or the last before it) shows."""
    indices = frame_indices(run, max_frames, frames)
    at_or_before = [k for k, state in enumerate(indices) if state <= epoch]
    k = at_or_before[-1] if at_or_before else 0
    return round((k + 0.5) / fps, 4)


def _regime(ex: Any, run: Run, trace: Trace, s: Mapping[str, str], pair) -> dict[str, Any]:
    spectrum = trace.analysis_of(run).spectra[run.settings.loss]
    ratio = run.settings.lr * at.lam_max(spectrum)
    fields = dict(ratio=tx.num(ratio, 3), contraction=tx.num(run.contraction or 0.0, 4),
                  run=run.name, critical=tx.num(spectrum.critical_lr or float("nan"), 3))
    answer = s[f"ex_a_{run.regime}"].format(**fields)
    if run.status == "diverged":
        answer += " " + s["ex_a_diverged_at"].format(epoch=int(run.epoch[-1]) + 1)
    return {"choices": [(r, s[f"ex_choice_{r}"]) for r in REGIMES], "key": run.regime,
            "answer": answer, "data": {"key": run.regime}}


def _next(ex: Any, run: Run, trace: Trace, s: Mapping[str, str], pair) -> dict[str, Any]:
    a, b = pair
    state = min(ex.epoch + ex.steps, run.steps)
    point = [float(run.path[state, a]), float(run.path[state, b])]
    start = [float(run.path[min(ex.epoch, run.steps), a]), float(run.path[min(ex.epoch, run.steps), b])]
    answer = s["ex_a_next"].format(steps=ex.steps, epoch=state, a=f"w{a}", b=f"w{b}",
                                   point=tx.vec(point))
    return {"choices": [], "key": None, "answer": answer,
            "data": {"point": point, "start": start, "pair": [a, b], "epoch": ex.epoch, "steps": ex.steps}}


def _lr(ex: Any, run: Run, trace: Trace, s: Mapping[str, str], pair) -> dict[str, Any]:
    spectrum = trace.analysis_of(run).spectra[run.settings.loss]
    epochs = ex.epochs or run.settings.epochs
    answer = s["ex_a_lr"].format(best=tx.num(spectrum.best_lr, 4), critical=tx.num(spectrum.critical_lr, 4),
                                 condition=tx.num(spectrum.condition_number or float("inf"), 3))
    return {"choices": [], "key": None, "answer": answer,
            "data": {"target": ex.target, "epochs": epochs, "loss": run.settings.loss,
                     "best": spectrum.best_lr, "critical": spectrum.critical_lr}}


_ANSWERS = {"regime": _regime, "next": _next, "lr": _lr}
