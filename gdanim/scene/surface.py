"""The loss over two parameters, on a grid covering what the paths need (numpy only).

The view covers the start(s), the least-squares minimum and the paths with a margin; a
path that runs far away (divergence) does not stretch it: points beyond `REACH` times
the start-to-minimum box are left out, and the path is cut where it leaves the view.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from gdanim.analysis import DataLoss, Quadratic, data_loss, quadratic
from gdanim.errors import GdanimError
from gdanim.trace import Run, Trace

MARGIN = 0.12
REACH = 3.0
GRID = 48


class RenderError(GdanimError):
    """A render setting that does not fit the scenario (e.g. a surface param out of range)."""


@dataclass(frozen=True, eq=False)
class LossGrid:
    """The loss on a grid over params (i, j), the others held at `base`."""

    params: tuple[int, int]
    base: np.ndarray
    "[p] the full parameter vector the slice goes through (the minimizer)."
    a: np.ndarray
    "[nx] values of param i."
    b: np.ndarray
    "[ny] values of param j."
    loss: np.ndarray
    "[ny, nx] loss at (a[x], b[y])."
    lo: np.ndarray
    "[2] lower corner of the view."
    hi: np.ndarray
    "[2] upper corner of the view."
    hessian: np.ndarray | None
    "[2, 2] the loss's Hessian in the (i, j) plane; None for a robust loss (not constant)."
    quad: Quadratic | DataLoss
    "The loss as a quadratic form (SSE, MSE) or on the data (robust), in the runs' units."
    kind: str
    "The loss: sse, mse, sae, mae or huber."

    def slice_loss(self, points: np.ndarray) -> np.ndarray:
        """The loss on the slice at plane points [m, 2] (the other params held at `base`,
        so the points lie on the drawn surface). -> [m]"""
        full = np.broadcast_to(self.base, (len(points), len(self.base))).copy()  # [m, p]
        full[:, list(self.params)] = points
        with np.errstate(over="ignore", invalid="ignore"):
            return self.quad(full, self.kind)

    @property
    def zmin(self) -> float:
        """The smallest loss on the grid."""
        return float(self.loss.min())

    @property
    def zmax(self) -> float:
        """The largest loss on the grid."""
        return float(self.loss.max())

    def inside(self, points: np.ndarray) -> np.ndarray:
        """[m] True where a finite plane point [m, 2] lies in the view."""
        with np.errstate(invalid="ignore"):  # pragma: no mutate (comparing nan raises no warning in numpy)
            return np.isfinite(points).all(axis=1) & (points >= self.lo).all(1) & (points <= self.hi).all(1)


@dataclass(frozen=True, eq=False)
class PlanePath:
    """A run's path in the (i, j) plane, cut where it leaves the view."""

    points: np.ndarray
    "[S+1, 2] the params (i, j) of every state."
    loss: np.ndarray
    "[S+1] the full-batch loss of every state (inf where not finite)."
    exit: int | None
    "First state outside the view (or not finite), if any."
    boundary: np.ndarray | None
    "[2] where the path crosses the view's edge on its way out, if it does."


def check_params(params: Sequence[int], p: int) -> tuple[int, int]:
    """The surface params as a pair, or RenderError when out of range for p params."""
    i, j = int(params[0]), int(params[1])
    if max(i, j) >= p:
        raise RenderError(f"render.surface.params: two indices below {p} are expected"
                          f" (the model has {p} parameters), got {[i, j]}")
    return i, j


def view_box(points: np.ndarray, anchors: np.ndarray, margin: float = MARGIN,
             reach: float = REACH) -> tuple[np.ndarray, np.ndarray]:
    """(lo, hi) corners covering anchors [a, 2] and the points [m, 2] within reach, with a
    margin; always finite and of positive size."""
    anchors = anchors[np.isfinite(anchors).all(axis=1)]
    lo, hi = anchors.min(axis=0), anchors.max(axis=0)
    half = (hi - lo) / 2
    floor = max(float(half.max()) * 0.25, 1e-6 * float(np.abs(anchors).max()), 1e-3)
    half = np.maximum(half, floor)
    centre = (lo + hi) / 2
    limit_lo, limit_hi = centre - reach * half, centre + reach * half
    with np.errstate(invalid="ignore"):  # pragma: no mutate (comparing nan raises no warning in numpy)
        near = np.isfinite(points).all(axis=1) & (points >= limit_lo).all(1) & (points <= limit_hi).all(1)
    if near.any():
        lo = np.minimum(lo, points[near].min(axis=0))
        hi = np.maximum(hi, points[near].max(axis=0))
    span = np.maximum(hi - lo, 2 * floor)
    centre = (lo + hi) / 2
    return centre - span * (0.5 + margin), centre + span * (0.5 + margin)


def same_units(trace: Trace, runs: Sequence[Run]) -> list[list[Run]]:
    """The runs grouped by the units they trained in and their loss (one grid each)."""
    groups: dict[tuple, list[Run]] = {}
    for run in runs:
        norm = trace.normalization_of(run)
        key = (norm.kind, norm.shift, norm.scale, run.settings.loss, run.settings.huber_delta)
        groups.setdefault(key, []).append(run)
    return list(groups.values())


def loss_grid(trace: Trace, runs: Sequence[Run], params: Sequence[int] = (0, 1),
              size: int = GRID) -> LossGrid:
    """The loss grid for showing `runs` (all in the same units and loss, see `same_units`)
    over params (i, j); the others are held at the loss's minimum (least squares for SSE
    and MSE, the robust fit for the others, whose true level sets are drawn)."""
    p = trace.dataset.features + 1
    i, j = check_params(params, p)
    first = runs[0]
    kind = first.settings.loss
    best = trace.analysis_of(first).best(kind, first.settings.huber_delta)
    # the minimum is a tuple of Python floats: float64 with or without the dtype
    base = np.asarray(best[0] if best is not None else trace.analysis_of(first).minimizer,  # pragma: no mutate
                      np.float64)  # [p]
    # astype(None) is astype(float64), here and in `points`
    starts = np.stack([r.path[0, [i, j]] for r in runs]).astype(np.float64)  # pragma: no mutate (see above)
    anchors = np.vstack([starts, base[[i, j]][None]])
    points = np.vstack([r.path[:, [i, j]] for r in runs]).astype(np.float64)  # pragma: no mutate (astype(None))
    lo, hi = view_box(points, anchors)
    a, b = np.linspace(lo[0], hi[0], size), np.linspace(lo[1], hi[1], size)
    grid = np.broadcast_to(base, (size, size, p)).copy()  # [ny, nx, p]
    grid[..., i] = a[None, :]
    grid[..., j] = b[:, None]
    if kind not in ("sse", "mse"):
        robust = data_loss(trace.inputs(first), trace.dataset.y, first.settings.huber_delta)
        return LossGrid((i, j), base, a, b, robust(grid, kind), lo, hi, None, robust, kind)
    q = quadratic(trace.inputs(first), trace.dataset.y)
    hessian = 2.0 * q.gram[np.ix_([i, j], [i, j])]
    if kind == "mse":
        hessian = hessian / q.n
    return LossGrid((i, j), base, a, b, q(grid, kind), lo, hi, hessian, q, kind)


def plane_path(run: Run, grid: LossGrid) -> PlanePath:
    """The run's path in the grid's plane, its loss and where it leaves the view."""
    path = np.asarray(run.path, np.float64)  # [S+1, p]
    points = path[:, list(grid.params)]  # [S+1, 2]
    finite = np.isfinite(path).all(axis=1)
    with np.errstate(over="ignore", invalid="ignore"):
        # the value put in the rows that are not finite is never read: the outer where puts inf there
        loss = np.where(finite, grid.quad(np.where(finite[:, None], path, 0.0), grid.kind), np.inf)  # pragma: no mutate
    out = ~grid.inside(points)
    exit_ = int(np.argmax(out)) if out.any() else None
    boundary = None
    if exit_ is not None and exit_ > 0 and np.isfinite(points[exit_]).all():
        boundary = _crossing(points[exit_ - 1], points[exit_], grid.lo, grid.hi)
    return PlanePath(points, loss, exit_, boundary)


def _crossing(inside: np.ndarray, outside: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The point where the segment inside -> outside meets the box edge."""
    d = outside - inside
    with np.errstate(divide="ignore", invalid="ignore"):
        t_hi = np.where(d > 0, (hi - inside) / d, np.inf)
        t_lo = np.where(d < 0, (lo - inside) / d, np.inf)
    # inside lies in the view and outside beyond one of its edges, so t is already in [0, 1]
    t = float(np.clip(np.min(np.minimum(t_hi, t_lo)), 0.0, 1.0))  # pragma: no mutate (see above)
    return inside + t * d
