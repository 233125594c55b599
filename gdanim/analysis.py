"""What the spectrum of the quadratic loss says about gradient descent (float64 numpy).

For yhat = X w the loss is quadratic: SSE has Hessian H = 2 X'X, MSE has 2 X'X / n
(X with the intercept column, in the units the runs train in). Plain gradient descent
multiplies the error along each eigenvector by (1 - lr * lambda) per step, so it
converges monotonically for lr <= 1/lambda_max, oscillates but converges below
2/lambda_max, and diverges at or above it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_RANK_TOL = 1e-10


@dataclass(frozen=True)
class Spectrum:
    """The Hessian's spectrum for one loss and what follows from it."""

    loss: str
    eigenvalues: tuple[float, ...]
    "Ascending."
    critical_lr: float | None
    "2 / lambda_max: plain gd diverges at or above it."
    best_lr: float | None
    "2 / (lambda_min + lambda_max): the fastest constant rate."
    condition_number: float | None
    "lambda_max / lambda_min; None when lambda_min is 0 (the minimum is not unique)."
    ols_loss: float
    "The smallest loss reachable."

    def regime(self, lr: float, weight_decay: float = 0.0) -> tuple[str, float]:
        """monotone / oscillating / divergent, and the contraction factor max|1 - lr*lambda|."""
        lams = np.asarray(self.eigenvalues) + weight_decay
        contraction = float(np.max(np.abs(1.0 - lr * lams)))
        lam_max = float(lams.max())
        if lr * lam_max >= 2.0:
            return "divergent", contraction
        if lr * lam_max <= 1.0:
            return "monotone", contraction
        return "oscillating", contraction


@dataclass(frozen=True)
class Analysis:
    """The closed-form view of a scenario's data."""

    ols: tuple[float, ...] | None
    "The least-squares parameters; None when X'X is singular (not unique)."
    rank: int
    "Rank of the design matrix; below k + 1 the minimum is a whole line or plane."
    minimizer: tuple[float, ...]
    "A least-squares solution (the minimum-norm one when not unique)."
    spectra: dict[str, Spectrum]
    "Per loss ('sse', 'mse')."

    @property
    def unique(self) -> bool:
        """True when the least-squares solution is unique."""
        return self.ols is not None


def analyze(x: np.ndarray, y: np.ndarray) -> Analysis:
    """OLS and Hessian spectra for the design [1, x]. x [n, k], y [n]."""
    n = x.shape[0]
    X = np.hstack([np.ones((n, 1)), np.asarray(x, np.float64)])  # [n, k+1]
    y64 = np.asarray(y, np.float64)
    w, _, rank, _ = np.linalg.lstsq(X, y64, rcond=None)  # [k+1]
    sse_min = float(np.sum((y64 - X @ w) ** 2))
    gram = X.T @ X  # [k+1, k+1]
    lams = np.clip(np.linalg.eigvalsh(gram), 0.0, None)
    unique = rank == X.shape[1] and lams[0] > _RANK_TOL * max(lams[-1], 1.0)
    spectra = {
        "sse": _spectrum("sse", 2.0 * lams, sse_min, unique),
        "mse": _spectrum("mse", 2.0 * lams / n, sse_min / n, unique),
    }
    return Analysis(tuple(map(float, w)) if unique else None, int(rank), tuple(map(float, w)), spectra)


def _spectrum(loss: str, lams: np.ndarray, ols_loss: float, unique: bool) -> Spectrum:
    lo, hi = float(lams[0]), float(lams[-1])
    if not unique:
        lo = 0.0
    return Spectrum(
        loss=loss,
        eigenvalues=tuple(float(v) for v in lams),
        critical_lr=2.0 / hi if hi > 0 else None,
        best_lr=2.0 / (lo + hi) if hi > 0 else None,
        condition_number=hi / lo if lo > 0 else None,
        ols_loss=ols_loss,
    )


@dataclass(frozen=True, eq=False)
class Quadratic:
    """The loss as a quadratic form, cheap to evaluate on a grid whatever n is."""

    gram: np.ndarray
    "X'X [k+1, k+1]."
    xty: np.ndarray
    "X'y [k+1]."
    yty: float
    n: int

    def __call__(self, params: np.ndarray, loss: str = "sse") -> np.ndarray:
        """SSE or MSE at each row of params, in float64. params [..., k+1] -> [...]"""
        w = np.asarray(params, np.float64)
        sse = self.yty - 2.0 * (w @ self.xty) + np.einsum("...i,ij,...j->...", w, self.gram, w)
        sse = np.maximum(sse, 0.0)
        return sse if loss == "sse" else sse / self.n


def quadratic(x: np.ndarray, y: np.ndarray) -> Quadratic:
    """The quadratic form of the loss for the design [1, x]. x [n, k], y [n]"""
    X = np.hstack([np.ones((x.shape[0], 1)), np.asarray(x, np.float64)])  # [n, k+1]
    y64 = np.asarray(y, np.float64)
    return Quadratic(X.T @ X, X.T @ y64, float(y64 @ y64), x.shape[0])
