"""What the spectrum of the quadratic loss says about gradient descent (float64 numpy).

For yhat = X w the loss is quadratic: SSE has Hessian H = 2 X'X, MSE has 2 X'X / n
(X with the intercept column, in the units the runs train in). Plain gradient descent
multiplies the error along each eigenvector by (1 - lr * lambda) per step, so it
converges monotonically for lr <= 1/lambda_max, oscillates but converges below
2/lambda_max, and diverges at or above it.

The robust losses (SAE, MAE, Huber) are not quadratic: no spectrum, no regime. Their
own minimizers are computed here in float64 by iteratively reweighted least squares
(`robust_fit`), beside the least-squares line the outliers pull.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

_RANK_TOL = 1e-10
ROBUST = ("sae", "mae", "huber")
"Losses without a constant Hessian."


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
    robust: dict[str, RobustFit] = field(default_factory=dict)
    "The robust losses' own minimizers, keyed by `robust_key` (only the ones the runs use)."

    @property
    def unique(self) -> bool:
        """True when the least-squares solution is unique."""
        return self.ols is not None

    def best(self, loss: str, huber_delta: float = 1.0) -> tuple[tuple[float, ...], float] | None:
        """(minimizer, smallest loss) for any loss; None for a robust loss not fitted."""
        if loss in self.spectra:
            return self.minimizer, self.spectra[loss].ols_loss
        fit = self.robust.get(robust_key(loss, huber_delta))
        return None if fit is None else (fit.params, fit.value)


@dataclass(frozen=True)
class RobustFit:
    """A robust loss's own minimizer and the loss there (float64)."""

    loss: str
    huber_delta: float
    params: tuple[float, ...]
    value: float
    iterations: int
    "Reweighting rounds taken."


def robust_key(loss: str, huber_delta: float = 1.0) -> str:
    """The key of a robust fit: sae, mae, or huber:<delta>."""
    return f"huber:{huber_delta!r}" if loss == "huber" else loss


def design(x: np.ndarray) -> np.ndarray:
    """[1, x] in float64. [n, k] -> [n, k+1]"""
    return np.hstack([np.ones((x.shape[0], 1)), np.asarray(x, np.float64)])  # pragma: no mutate (float64 ones upcast)


def loss_values(X: np.ndarray, y: np.ndarray, params: np.ndarray, loss: str,
                huber_delta: float = 1.0) -> np.ndarray:
    """Any loss at each row of params, in float64 (evaluated on the data, not a quadratic
    form). X [n, p], y [n], params [..., p] -> [...]"""
    w = np.asarray(params, np.float64)  # pragma: no mutate (products with the float64 X are float64 anyway)
    flat = w.reshape(-1, w.shape[-1])  # [m, p]  # pragma: no mutate (numpy takes any negative size as -1)
    out = np.empty(flat.shape[0])
    step = max(1, 4_000_000 // max(len(y), 1))  # rows per chunk  # pragma: no mutate (chunks change memory, not values)
    for start in range(0, flat.shape[0], step):  # pragma: no mutate (a step of 1 only slows: same values)
        err = flat[start:start + step] @ X.T - y  # [rows, n]
        out[start:start + step] = _reduce(err, loss, huber_delta)
    return out.reshape(w.shape[:-1])


def _reduce(err: np.ndarray, loss: str, huber_delta: float) -> np.ndarray:
    """The loss of errors err [..., n] (yhat - y). -> [...]"""
    # invalid never arises: every piece is >= 0 (no inf - inf) and a nan from X @ w passes quietly
    with np.errstate(over="ignore", invalid="ignore"):  # pragma: no mutate (invalid: see above)
        if loss in ("sse", "mse"):
            each = err * err
        elif loss in ("sae", "mae"):
            each = np.abs(err)
        else:
            a = np.abs(err)
            # the two pieces meet at |e| = δ, both 0.5δ², and err is [rows, n]: axis 1 is the last one
            each = np.where(a < huber_delta, 0.5 * a * a, huber_delta * (a - 0.5 * huber_delta))  # pragma: no mutate
        return each.sum(-1) if loss in ("sse", "sae") else each.mean(-1)  # pragma: no mutate (see above)


def robust_fit(x: np.ndarray, y: np.ndarray, loss: str, huber_delta: float = 1.0,
               rounds: int = 200) -> RobustFit:
    """The minimizer of SAE/MAE (least absolute deviations) or the mean Huber loss, by
    iteratively reweighted least squares from the OLS line; for absolute errors the
    answer is then moved to the nearest corner of the loss (a line through p points),
    where its minimum lies. x [n, k], y [n]"""
    X, y64 = design(x), np.asarray(y, np.float64)  # pragma: no mutate (float64 design: lstsq works in float64)
    w = np.linalg.lstsq(X, y64, rcond=None)[0]  # pragma: no mutate (rcond=None is numpy 2's default)
    scale = max(float(np.abs(y64 - X @ w).max()), 1e-300)  # pragma: no mutate (a floor for tiny residuals)
    done = 0
    while done < rounds:
        done += 1
        r = np.abs(y64 - X @ w)
        if loss == "huber":
            weight = np.minimum(1.0, huber_delta / np.maximum(r, 1e-300))
        else:
            weight = 1.0 / np.maximum(r, 1e-12 * scale)  # pragma: no mutate (LAD: a start for the corner search)
        root = np.sqrt(weight)[:, None]
        new = np.linalg.lstsq(root * X, root[:, 0] * y64, rcond=None)[0]  # pragma: no mutate (the default rcond)
        moved = float(np.abs(new - w).max())
        w = new
        # LAD: the corner finishes; Huber: 1e-15 is float64's resolution, the tolerance only costs rounds
        if moved <= (1e-15 if loss == "huber" else 1e-10) * (1.0 + float(np.abs(w).max())):  # pragma: no mutate
            break
    if loss != "huber":
        w = _corner(X, y64, w)
    value = float(loss_values(X, y64, w, loss, huber_delta))
    return RobustFit(loss, float(huber_delta), tuple(map(float, w)), value, done)


def _corner(X: np.ndarray, y: np.ndarray, w: np.ndarray, budget: int = 2000) -> np.ndarray:  # pragma: no mutate (cost)
    """Least absolute deviations has its minimum where p residuals are zero (a corner):
    try every corner through p of the points nearest the line, move to the lowest, and
    repeat from there until no corner is lower."""
    p = X.shape[1]
    if len(y) < p:  # pragma: no mutate (with p points IRLS already interpolates them: the only corner)
        return w
    # corners tried per round (~2e7 products); the search's effort, not its answer:
    budget = max(p + 1, min(budget, 20_000_000 // len(y)))  # pragma: no mutate (effort)
    m = p
    while m < len(y) and math.comb(m + 1, p) <= budget:  # pragma: no mutate (effort: how many points are near)
        m += 1  # pragma: no mutate (effort)
    best, best_value = w, float(np.abs(X @ w - y).sum())  # pragma: no mutate (a corner beats w: the minimum is one)
    for _ in range(50):  # pragma: no mutate (effort: rounds end when no corner is lower)
        near = np.argsort(np.abs(X @ best - y), kind="stable")[:m]  # pragma: no mutate (ties: the same corners)
        picks = np.asarray(list(itertools.combinations(near, p)))  # [C, p]
        A = X[picks]  # [C, p, p]
        # the tolerance decides only which near-singular corners are tried, never the lowest one:
        ok = np.abs(np.linalg.det(A)) > 1e-12 * np.abs(A).max(axis=(1, 2)) ** p  # pragma: no mutate (tolerance)
        if not ok.any():
            break
        corners = np.linalg.solve(A[ok], y[picks[ok]][..., None])[..., 0]  # [C', p]
        values = loss_values(X, y, corners, "sae")  # [C'], in chunks: [C', n] may not fit
        k = int(np.argmin(values))
        if not values[k] < best_value * (1 - 1e-15):  # pragma: no mutate (the current corner is among them)
            break
        best, best_value = corners[k], float(values[k])
    return best


def analyze(x: np.ndarray, y: np.ndarray, robust: Iterable[tuple[str, float]] = ()) -> Analysis:
    """OLS and Hessian spectra for the design [1, x], and the own minimizer of each robust
    (loss, huber_delta) asked for. x [n, k], y [n]"""
    n = x.shape[0]
    X = np.hstack([np.ones((n, 1)), np.asarray(x, np.float64)])  # [n, k+1]  # pragma: no mutate (float64 ones upcast)
    y64 = np.asarray(y, np.float64)  # pragma: no mutate (float64 design: lstsq works in float64)
    w, _, rank, _ = np.linalg.lstsq(X, y64, rcond=None)  # [k+1]  # pragma: no mutate (rcond=None is the default)
    sse_min = float(np.sum((y64 - X @ w) ** 2))
    gram = X.T @ X  # [k+1, k+1]
    lams = np.clip(np.linalg.eigvalsh(gram), 0.0, None)
    # with full rank n >= k+1 >= 2, so lams[-1] >= n (the ones column): the floor 1.0 never acts; > and >=
    # differ only at exact equality
    unique = rank == X.shape[1] and lams[0] > _RANK_TOL * max(lams[-1], 1.0)  # pragma: no mutate (see above)
    spectra = {
        "sse": _spectrum("sse", 2.0 * lams, sse_min, unique),
        "mse": _spectrum("mse", 2.0 * lams / n, sse_min / n, unique),
    }
    fits = {}
    for loss, huber_delta in robust:
        key = robust_key(loss, huber_delta)
        if key not in fits:
            fits[key] = robust_fit(x, y, loss, huber_delta)
    return Analysis(tuple(map(float, w)) if unique else None, int(rank), tuple(map(float, w)), spectra, fits)


def _spectrum(loss: str, lams: np.ndarray, ols_loss: float, unique: bool) -> Spectrum:
    lo, hi = float(lams[0]), float(lams[-1])
    if not unique:
        lo = 0.0
    return Spectrum(
        loss=loss,
        eigenvalues=tuple(float(v) for v in lams),
        # the column of ones puts n (SSE: 2n, MSE: 2) on the Hessian's diagonal: hi >= 2, never 0
        critical_lr=2.0 / hi if hi > 0 else None,  # pragma: no mutate (hi >= 2: see above)
        best_lr=2.0 / (lo + hi) if hi > 0 else None,  # pragma: no mutate (hi >= 2: see above)
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
        w = np.asarray(params, np.float64)  # pragma: no mutate (products with the float64 gram are float64)
        quad = np.einsum("...i,ij,...j->...", w, self.gram, w)  # pragma: no mutate (the letters' case is free)
        sse = self.yty - 2.0 * (w @ self.xty) + quad
        # a sum of squares too large for a float is infinite, not inf - inf between its terms
        sse = np.where(np.isnan(sse) & ~np.isnan(w).any(axis=-1), np.inf, sse)
        sse = np.maximum(sse, 0.0)
        return sse if loss == "sse" else sse / self.n


@dataclass(frozen=True, eq=False)
class DataLoss:
    """A loss evaluated on the data itself (any loss, robust ones included), float64."""

    X: np.ndarray
    "[n, p] the design [1, x]."
    y: np.ndarray
    "[n]"
    huber_delta: float = 1.0

    def __call__(self, params: np.ndarray, loss: str = "sse") -> np.ndarray:
        """The loss at each row of params. params [..., p] -> [...]"""
        return loss_values(self.X, self.y, params, loss, self.huber_delta)


def data_loss(x: np.ndarray, y: np.ndarray, huber_delta: float = 1.0) -> DataLoss:
    """The loss on the data x [n, k], y [n], callable like a Quadratic."""
    y64 = np.asarray(y, np.float64)  # pragma: no mutate (errors against the float64 design are float64)
    return DataLoss(design(x), y64, float(huber_delta))


def quadratic(x: np.ndarray, y: np.ndarray) -> Quadratic:
    """The quadratic form of the loss for the design [1, x]. x [n, k], y [n]"""
    X = np.hstack([np.ones((x.shape[0], 1)), np.asarray(x, np.float64)])  # [n, k+1]  # pragma: no mutate (as above)
    y64 = np.asarray(y, np.float64)
    return Quadratic(X.T @ X, X.T @ y64, float(y64 @ y64), x.shape[0])
