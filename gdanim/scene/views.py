"""What the panels show of one run, computed once with numpy before any drawing."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gdanim.scene.schedule import state_times
from gdanim.scene.surface import LossGrid, PlanePath, plane_path
from gdanim.trace import Run, Trace


@dataclass(frozen=True, eq=False)
class RunView:
    """One run prepared for drawing; arrays are indexed by state (S + 1 of them)."""

    trace: Trace
    run: Run
    times: np.ndarray
    "[S+1] epoch of each state."
    loss: np.ndarray
    "[S+1] recorded loss of each state (the final loss last); inf where not finite."
    shown: np.ndarray
    "[S+1] the state drawn for each state: itself, or the last finite one before it."
    grid: LossGrid | None
    plane: PlanePath | None

    @property
    def last_finite(self) -> int:
        """The last state whose params are all finite."""
        return int(self.shown[-1])

    @property
    def diverged_at(self) -> float | None:
        """The epoch at which the run was stopped as diverged, if it was."""
        if self.run.status != "diverged":
            return None
        return float(self.times[min(self.last_finite + 1, len(self.times) - 1)])

    def diverged_by(self, state: int) -> bool:
        """True once a run stopped as diverged has reached its last finite state."""
        return self.diverged_at is not None and state >= min(self.last_finite + 1, len(self.times) - 1)

    @property
    def scheduled(self) -> bool:
        """True when the run's learning rate follows a schedule."""
        return self.run.settings.schedule is not None

    def lr_at(self, state: int) -> float:
        """The learning rate of the step that leaves a state (the last step's at the end)."""
        rates = self.run.step_lr
        return float(rates[min(state, len(rates) - 1)]) if len(rates) else float(self.run.settings.lr)

    def rate_ratio(self) -> np.ndarray | None:
        """[S] lr_t * lambda_max of each step (2 and above diverges), for runs whose regime
        the spectrum decides (plain full-batch gd); None for the others."""
        if self.run.regime is None:
            return None
        spectrum = self.trace.analysis_of(self.run).spectra[self.run.settings.loss]
        lam = max(spectrum.eigenvalues) + self.run.settings.options.get("weight_decay", 0.0)
        return self.run.step_lr * lam

    def unstable_spans(self) -> list[tuple[float, float]]:
        """Epoch ranges [from, to) of the steps whose rate is at or above the critical one."""
        ratio = self.rate_ratio()
        if ratio is None or not len(ratio):
            return []
        edges = np.diff(np.concatenate([[0], (ratio >= 2.0).astype(np.int8), [0]]))  # pragma: no mutate (1.0 == 1)
        starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        return [(float(self.times[a]), float(self.times[b])) for a, b in zip(starts, stops)]

    def arrows(self, state: int) -> list[tuple[str, np.ndarray]]:
        """The step about to be taken from `state`, as (kind, [p] vector) arrows: "grad",
        -lr·∇L (the whole step of gd and sgd); with momentum and nesterov also "velocity",
        the step the optimizer takes; for adam, rmsprop and adagrad "step", the step as
        the optimizer scales it. None past the last step or where it is not finite."""
        run = self.run
        if state >= run.steps:
            return []
        optimizer = run.settings.optimizer
        # float32 arrows differ in digits no drawing shows (no mutate, below)
        grad = -float(run.step_lr[state]) * np.asarray(run.grad[state], np.float64)  # pragma: no mutate
        step = np.asarray(run.update[state], np.float64)  # pragma: no mutate (see above)
        if optimizer in ("momentum", "nesterov"):
            out = [("grad", grad), ("velocity", step)]
        elif optimizer in ("adam", "rmsprop", "adagrad"):
            out = [("step", step)]
        else:
            out = [("grad", grad)]
        return [(kind, v) for kind, v in out if np.isfinite(v).all()]

    def epoch_label(self, state: int) -> str:
        """The epoch of a state as shown in titles."""
        t = float(self.times[state])
        return f"{t:.0f}" if t == int(t) else f"{t:.2f}"


def run_view(trace: Trace, run: Run, grid: LossGrid | None) -> RunView:
    """The RunView of `run`; the plane path only when a loss grid is given."""
    loss = np.append(np.asarray(run.loss, np.float64), run.final_loss)  # pragma: no mutate (float64 either way)
    loss = np.where(np.isfinite(loss), loss, np.inf)
    finite = np.isfinite(run.path).all(axis=1)
    idx = np.where(finite, np.arange(len(finite)), 0)
    shown = np.maximum.accumulate(idx)
    plane = plane_path(run, grid) if grid is not None else None
    return RunView(trace, run, state_times(run), loss, shown, grid, plane)


def predictions(trace: Trace, run: Run, params: np.ndarray, x_raw: np.ndarray) -> np.ndarray:
    """Predictions at raw inputs x_raw [m, k] for params [..., k+1] in the units `run`
    trained in. -> [..., m]"""
    return trace.dataset.predict(params, x_raw, trace.normalization_of(run))
