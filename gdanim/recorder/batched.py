"""Many runs of gd / sgd / momentum / nesterov in one batched tensor loop.

All runs share the data, loss (and huber_delta), gradient method and batching; each has its own lr,
schedule, epochs, init, momentum and stop rules. A schedule is a column of rates per
epoch (gdanim.schedules computes them as torch's schedulers do), so scheduled runs
stay in the batch. The loop runs over steps, never over runs:
params are [R, p]. A stopped run's row is frozen and no longer recorded.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch

from gdanim.recorder.lossgrad import design, loss_and_grad, losses
from gdanim.schedules import epoch_rates
from gdanim.trace import Run, Settings

BATCHED_OPTIMIZERS = ("gd", "sgd", "momentum", "nesterov")


def _column(values: Sequence[float], dtype: torch.dtype) -> torch.Tensor:
    return torch.tensor(values, dtype=dtype)[:, None]  # [R, 1]


def batches(n: int, batch_size: int | None, seed: int, epochs: int):
    """(epoch, indices or None) for every step: full batch, or a seeded shuffle per epoch."""
    if batch_size is None or batch_size >= n:
        for epoch in range(epochs):
            yield epoch, None
        return
    gen = torch.Generator().manual_seed(seed)
    for epoch in range(epochs):
        perm = torch.randperm(n, generator=gen)
        for start in range(0, n, batch_size):
            yield epoch, perm[start : start + batch_size]


def steps_per_epoch(n: int, batch_size: int | None) -> int:
    """How many steps one epoch takes."""
    # Equivalent: >= or >: a batch of all n points is ceil(n / n) = 1 step as well.
    return 1 if batch_size is None or batch_size >= n else math.ceil(n / batch_size)  # pragma: no mutate (see above)


def record_batched(x: torch.Tensor, y: torch.Tensor, runs: Sequence[Settings]) -> list[Run]:
    """Record runs that share loss, gradient method and batching, all at once."""
    first = runs[0]
    X = design(x)  # [n, p]
    n, p = X.shape
    R, dt = len(runs), x.dtype  # float32, or float64 for a reference path
    per_epoch = steps_per_epoch(n, first.batch_size)
    last_step = torch.tensor([s.epochs * per_epoch for s in runs])  # [R]
    T = int(last_step.max())

    rates = np.stack([epoch_rates(s.schedule, s.lr, T // per_epoch) for s in runs])  # [R, E] float64
    lr_of_epoch = torch.from_numpy(np.ascontiguousarray(rates.T)).to(dt)[:, :, None]  # [E, R, 1], rounded once
    momentum = _column([_momentum(s) for s in runs], dt)
    damp = _column([s.options.get("dampening", 0.0) for s in runs], dt)
    # Equivalent: the column's dtype: 0.0 and 1.0 compare alike to 0 in float32 and float64.
    nesterov = _column([float(s.optimizer == "nesterov" or s.options.get("nesterov", False)) for s in runs],
                       dt,  # pragma: no mutate (see above)
                       ) > 0
    wd = _column([s.options.get("weight_decay", 0.0) for s in runs], dt)
    # Equivalent: without tol any negative bound never stops a run: |update| < -1 or < -2 is never true.
    tol = torch.tensor([s.tol if s.tol is not None else -1.0 for s in runs], dtype=dt)  # pragma: no mutate (above)
    max_loss = torch.tensor([s.max_loss if s.max_loss is not None else math.inf for s in runs], dtype=dt)
    has_momentum = momentum > 0
    any_momentum, has_wd = bool(has_momentum.any()), bool((wd > 0).any())

    W = torch.tensor([list(s.init) for s in runs], dtype=dt)  # [R, p]
    path = torch.empty(T + 1, R, p, dtype=dt)  # pragma: no mutate (a row more is never read: S <= T)
    loss_h, grad_h, upd_h = (torch.empty(T, R, dtype=dt), torch.empty(T, R, p, dtype=dt),
                             torch.empty(T, R, p, dtype=dt))
    epoch_h = torch.empty(T, dtype=torch.long)
    path[0] = W
    active = torch.ones(R, dtype=torch.bool)
    # Equivalent: float32 counts steps exactly up to 2**24, more than MAX_TOTAL_STEPS.
    steps = torch.zeros(R, dtype=torch.long)  # pragma: no mutate (see above)
    status = ["max_epochs"] * R
    # Equivalent: zeros of another float dtype, or of shape [p] broadcast over the runs: 0 + g is g.
    acc = torch.zeros(R, p, dtype=dt)  # pragma: no mutate (see above)
    buf: torch.Tensor | None = None

    with torch.no_grad():
        for t, (epoch, idx) in enumerate(batches(n, first.batch_size, first.seed, T // per_epoch)):
            Xb, yb = (X, y) if idx is None else (X[idx], y[idx])
            with torch.enable_grad():
                loss, g = loss_and_grad(W, Xb, yb, first.loss, first.gradient, first.delta, first.huber_delta)
            if not first.zero_grad:  # the forgotten optimizer.zero_grad(): gradients pile up
                acc = acc + g
                g = acc
            if has_wd:
                g = g + wd * W
            d = g
            if any_momentum:  # torch.optim.SGD's momentum buffer
                buf = g.clone() if buf is None else buf * momentum + (1 - damp) * g
                d = torch.where(has_momentum, torch.where(nesterov, g + momentum * buf, buf), g)
            upd = -(lr_of_epoch[epoch] * d)  # w - lr*g == w + (-(lr*g)) exactly
            W_new = torch.where(active[:, None], W + upd, W)
            loss_h[t], grad_h[t], upd_h[t], path[t + 1], epoch_h[t] = loss, g, upd, W_new, epoch

            steps += active.long()
            diverged = active & (~torch.isfinite(loss) | (loss > max_loss))
            converged = active & ~diverged & (upd.abs().amax(1) < tol)
            for i in torch.nonzero(diverged | converged).flatten().tolist():
                status[i] = "diverged" if diverged[i] else "converged"
            active &= ~(diverged | converged) & (steps < last_step)
            W = W_new
            if not bool(active.any()):
                break

        final = losses(W, X, y, first.loss, first.huber_delta)  # [R]: full-batch loss at the final params

    out = []
    for i, s in enumerate(runs):
        S = int(steps[i])
        out.append(Run(
            settings=s, status=status[i], regime=None, contraction=None,
            epoch=epoch_h[:S].numpy().copy(), path=path[: S + 1, i].numpy().copy(),
            loss=loss_h[:S, i].numpy().copy(), grad=grad_h[:S, i].numpy().copy(),
            update=upd_h[:S, i].numpy().copy(), final_loss=float(final[i]),
            lr=rates[i, epoch_h[:S].numpy()],
        ))
    return out


def _momentum(s: Settings) -> float:
    # Equivalent: gd takes no momentum option (schema.OPTIMIZER_OPTIONS), so the line below gives it 0.0 too.
    if s.optimizer == "gd":  # pragma: no mutate (see above)
        return 0.0
    return float(s.options.get("momentum", 0.9 if s.optimizer in ("momentum", "nesterov") else 0.0))

