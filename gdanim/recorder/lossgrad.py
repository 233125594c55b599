"""Loss and gradient of the linear model, for R parameter rows at once, three ways.

Each computes exactly what a student's notebook computes: yhat = X @ W, then
sum((y - yhat)**2) for SSE or its mean for MSE; the gradient by autograd
(loss.backward()), by the chain rule by hand (analytic), or by central differences
(numerical, step delta).
"""

from __future__ import annotations

import torch


def design(x: torch.Tensor) -> torch.Tensor:
    """[1, x]: the design matrix with the intercept column. [n, k] -> [n, k+1]"""
    return torch.cat([torch.ones(x.shape[0], 1), x], dim=1)


def losses(W: torch.Tensor, X: torch.Tensor, y: torch.Tensor, kind: str) -> torch.Tensor:
    """SSE or MSE for each row of W. W [R, p], X [n, p], y [n] -> [R]"""
    resid = y - W @ X.T  # [R, n]: rows contiguous, summed in the notebook's order
    sq = resid**2
    return sq.sum(1) if kind == "sse" else sq.mean(1)


def loss_and_grad(
    W: torch.Tensor, X: torch.Tensor, y: torch.Tensor, kind: str, method: str, delta: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """Loss [R] and gradient [R, p] at W [R, p] on the batch X [b, p], y [b]."""
    if method == "autograd":
        Wg = W.detach().requires_grad_(True)
        loss = losses(Wg, X, y, kind)
        loss.sum().backward()  # rows are independent: each gets its own run's gradient
        return loss.detach(), Wg.grad
    with torch.no_grad():
        loss = losses(W, X, y, kind)
        if method == "analytic":
            resid = y - W @ X.T  # [R, b]
            grad = -2.0 * (resid @ X)  # [R, p]: chain rule d/dW sum (y - XW)^2
            return loss, grad if kind == "sse" else grad / X.shape[0]
        grad = torch.empty_like(W)
        for i in range(W.shape[1]):  # central differences, one parameter at a time
            step = torch.zeros_like(W)
            step[:, i] = delta
            grad[:, i] = (losses(W + step, X, y, kind) - losses(W - step, X, y, kind)) / (2.0 * delta)
        return loss, grad
