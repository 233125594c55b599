"""One run through a torch.optim class (adam, rmsprop, adagrad), step by step.

A schedule sets the param group's rate at each epoch to what torch's scheduler would
hold there after one scheduler.step() per epoch (gdanim.schedules)."""

from __future__ import annotations

import numpy as np
import torch

from gdanim.recorder.batched import batches
from gdanim.recorder.lossgrad import design, loss_and_grad, losses
from gdanim.schedules import epoch_rates
from gdanim.trace import Run, Settings

OPTIM_CLASSES: dict[str, type[torch.optim.Optimizer]] = {
    "adam": torch.optim.Adam,
    "rmsprop": torch.optim.RMSprop,
    "adagrad": torch.optim.Adagrad,
}


def record_with_optim(x: torch.Tensor, y: torch.Tensor, s: Settings) -> Run:
    """Record one run whose update rule is a torch.optim class with its defaults."""
    X = design(x)  # [n, p]
    n, p = X.shape
    # Equivalent: requires_grad: W.grad is set by hand below and torch.optim reads only .grad.
    W = torch.tensor([list(s.init)], dtype=x.dtype, requires_grad=True)  # [1, p]  # pragma: no mutate (see above)
    # Equivalent: the lr given here is replaced by the group's lr before every step.
    opt = OPTIM_CLASSES[s.optimizer]([W], lr=s.lr, **s.options)  # pragma: no mutate (see above)
    path, loss_h, grad_h, upd_h, epoch_h = [W.detach().clone()], [], [], [], []
    status = "max_epochs"
    rates = epoch_rates(s.schedule, s.lr, s.epochs)  # [epochs] float64
    for epoch, idx in batches(n, s.batch_size, s.seed, s.epochs):
        opt.param_groups[0]["lr"] = float(rates[epoch])
        Xb, yb = (X, y) if idx is None else (X[idx], y[idx])
        loss, g = loss_and_grad(W.detach(), Xb, yb, s.loss, s.gradient, s.delta, s.huber_delta)
        if s.zero_grad or W.grad is None:
            W.grad = g.clone()
        else:  # the forgotten optimizer.zero_grad(): gradients pile up
            W.grad += g
        before = W.detach().clone()
        opt.step()
        after = W.detach().clone()
        path.append(after)
        loss_h.append(loss)
        grad_h.append(W.grad.detach().clone())
        upd_h.append(after - before)
        epoch_h.append(epoch)
        if not torch.isfinite(loss).all() or (s.max_loss is not None and float(loss) > s.max_loss):
            status = "diverged"
            break
        if s.tol is not None and float((after - before).abs().max()) < s.tol:
            status = "converged"
            break
    with torch.no_grad():
        final = float(losses(W.detach(), X, y, s.loss, s.huber_delta)[0])
    return Run(
        settings=s, status=status, regime=None, contraction=None,
        # Equivalent: the lists hold at least one step, so _stack never makes its empty array from p and
        # dtype; a list of ints is int64 anyway.
        epoch=torch.tensor(epoch_h, dtype=torch.long).numpy(), path=_stack(path, p, x.dtype),  # pragma: no mutate
        # Equivalent: as above; the losses of [1] each are stacked to [S] already, reshape(-1) keeps them.
        loss=_stack(loss_h, 0, x.dtype).reshape(-1), grad=_stack(grad_h, p, x.dtype),  # pragma: no mutate (see above)
        update=_stack(upd_h, p, x.dtype),  # pragma: no mutate (one step at least: p and dtype never read)
        final_loss=final, lr=rates[np.asarray(epoch_h, np.int64)],  # pragma: no mutate (epoch numbers are int64 anyway)
    )


def _stack(rows: list[torch.Tensor], p: int, dtype: torch.dtype):
    # Equivalent: a run takes one step at least: rows is never empty, the zeros are never made.
    return torch.cat(rows).numpy().copy() if rows else torch.zeros(0, p, dtype=dtype).numpy()  # pragma: no mutate
