"""The training loop a student writes, shared by the recorder tests of the new keys:
zero_grad, backward, step per batch over a seeded shuffle, scheduler.step() per epoch."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

OPTIMIZERS: dict[str, Callable] = {
    "gd": lambda p, lr: torch.optim.SGD(p, lr=lr),
    "momentum": lambda p, lr: torch.optim.SGD(p, lr=lr, momentum=0.9),
    "nesterov": lambda p, lr: torch.optim.SGD(p, lr=lr, momentum=0.9, nesterov=True),
    "adam": lambda p, lr: torch.optim.Adam(p, lr=lr),
    "rmsprop": lambda p, lr: torch.optim.RMSprop(p, lr=lr),
    "adagrad": lambda p, lr: torch.optim.Adagrad(p, lr=lr),
}


def hand_loop(X: torch.Tensor, y: torch.Tensor, init: list[float], make_opt: Callable, lr: float,
              epochs: int, *, loss_fn: Callable = torch.nn.functional.mse_loss, batch_size: int | None = None,
              seed: int = 0, make_scheduler: Callable | None = None) -> tuple[np.ndarray, np.ndarray]:
    """-> params before each step and after the last [S+1, p], and the rate of each step [S]."""
    n = len(y)
    W = torch.tensor(init, requires_grad=True)
    opt = make_opt([W], lr)
    scheduler = make_scheduler(opt) if make_scheduler is not None else None
    gen = torch.Generator().manual_seed(seed)
    path, rates = [W.data.clone()], []
    for _ in range(epochs):
        perm = torch.randperm(n, generator=gen) if batch_size else torch.arange(n)
        for start in range(0, n, batch_size or n):
            idx = perm[start:start + (batch_size or n)]
            opt.zero_grad()
            loss_fn(X[idx] @ W, y[idx]).backward()
            rates.append(opt.param_groups[0]["lr"])
            opt.step()
            path.append(W.data.clone())
        if scheduler is not None:
            scheduler.step()
    return torch.stack(path).numpy(), np.asarray(rates)
