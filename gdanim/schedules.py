"""Learning-rate schedules: the rate of each epoch, as torch.optim.lr_scheduler sets it.

A training loop that calls `scheduler.step()` once at the end of every epoch trains
epoch e with the rate the scheduler holds after e steps. torch computes those rates
in Python floats with its recursive ("chainable") formulas, each from the previous
rate; `epoch_rates` repeats them operation for operation, so the rates are the same
float64 numbers torch's param group holds (a test checks them bit for bit against
the scheduler classes). Pure Python: no torch here, so the recorder can batch many
runs and the report can read schedules without it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

SCHEDULES = ("step", "exponential", "cosine", "linear")
"Every schedule type (a test checks it equals the scenario schema's)."


def epoch_rates(schedule: Mapping[str, Any] | None, lr: float, epochs: int) -> np.ndarray:
    """[epochs] float64: the rate epoch e trains with, from base rate lr; constant without a schedule."""
    if schedule is None:
        return np.full(epochs, float(lr))
    step = _NEXT[schedule["type"]]
    rates = [float(lr) * schedule["start_factor"] if schedule["type"] == "linear" else float(lr)]
    for e in range(1, epochs):  # e: scheduler.last_epoch after the e-th scheduler.step()
        rates.append(step(schedule, float(lr), rates[-1], e))
    return np.asarray(rates, np.float64)


def _step(s: Mapping[str, Any], base: float, lr: float, e: int) -> float:
    # StepLR.get_lr
    return lr if e % s["step_size"] != 0 else lr * s["gamma"]


def _exponential(s: Mapping[str, Any], base: float, lr: float, e: int) -> float:
    # ExponentialLR.get_lr
    return lr * s["gamma"]


def _cosine(s: Mapping[str, Any], base: float, lr: float, e: int) -> float:
    # CosineAnnealingLR.get_lr (the chainable form, not the closed one)
    t_max, eta_min = s["t_max"], s["eta_min"]
    if (e - 1 - t_max) % (2 * t_max) == 0:
        return lr + (base - eta_min) * (1 - math.cos(math.pi / t_max)) / 2
    return ((1 + math.cos(math.pi * e / t_max)) / (1 + math.cos(math.pi * (e - 1) / t_max))
            * (lr - eta_min) + eta_min)


def _linear(s: Mapping[str, Any], base: float, lr: float, e: int) -> float:
    # LinearLR.get_lr
    start, end, total = s["start_factor"], s["end_factor"], s["total_iters"]
    if e > total:
        return lr
    return lr * (1.0 + (end - start) / (total * start + (e - 1) * (end - start)))


_NEXT = {"step": _step, "exponential": _exponential, "cosine": _cosine, "linear": _linear}


def label(schedule: Mapping[str, Any] | None) -> str:
    """A short name of the schedule for run names and captions: step-10-0.5, cosine-30, ..."""
    if schedule is None:
        return "constant"
    kind = schedule["type"]
    if kind == "step":
        return f"step-{schedule['step_size']}-{schedule['gamma']:g}"
    if kind == "exponential":
        return f"exp-{schedule['gamma']:g}"
    if kind == "cosine":
        tail = f"-{schedule['eta_min']:g}" if schedule["eta_min"] else ""
        return f"cosine-{schedule['t_max']}{tail}"
    return f"linear-{schedule['start_factor']:g}-{schedule['end_factor']:g}-{schedule['total_iters']}"
