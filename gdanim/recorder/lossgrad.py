"""Loss and gradient of the linear model, for R parameter rows at once, three ways.

Each computes exactly what a student's notebook computes: yhat = X @ W, then
sum((y - yhat)**2) for SSE or its mean for MSE, and for the robust losses
torch.nn.functional.l1_loss (sum: SAE, mean: MAE) and huber_loss (mean, delta) taken
row by row; the gradient by autograd (loss.backward()), by the chain rule by hand
(analytic: for |e| the subgradient torch's backward uses, sign(e), 0 at e = 0; for
Huber e clamped to [-delta, delta]), or by central differences (numerical, step delta).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def design(x: torch.Tensor) -> torch.Tensor:
    """[1, x]: the design matrix with the intercept column. [n, k] -> [n, k+1]"""
    # Equivalent: the ones' dtype: torch.cat promotes to x's, and 1.0 is exact in both.
    return torch.cat([torch.ones(x.shape[0], 1, dtype=x.dtype), x], dim=1)  # pragma: no mutate (see above)


def losses(W: torch.Tensor, X: torch.Tensor, y: torch.Tensor, kind: str, huber_delta: float = 1.0) -> torch.Tensor:
    """The loss for each row of W. W [R, p], X [n, p], y [n] -> [R]"""
    if kind in ("sae", "mae", "huber"):
        yhat = W @ X.T  # [R, n]
        target = y.expand_as(yhat)
        if kind == "huber":
            each = F.huber_loss(yhat, target, reduction="none", delta=huber_delta)
        else:
            each = F.l1_loss(yhat, target, reduction="none")
        return each.sum(1) if kind == "sae" else each.mean(1)
    resid = y - W @ X.T  # [R, n]: rows contiguous, summed in the notebook's order
    sq = resid**2
    return sq.sum(1) if kind == "sse" else sq.mean(1)


def _analytic(W: torch.Tensor, X: torch.Tensor, y: torch.Tensor, kind: str, huber_delta: float) -> torch.Tensor:
    """The gradient by the chain rule. W [R, p], X [b, p], y [b] -> [R, p]"""
    b = X.shape[0]
    if kind in ("sse", "mse"):
        resid = y - W @ X.T  # [R, b]
        grad = -2.0 * (resid @ X)  # [R, p]: chain rule d/dW sum (y - XW)^2
        return grad if kind == "sse" else grad / b
    err = W @ X.T - y  # [R, b]: yhat - y, as l1_loss and huber_loss take it
    if kind == "huber":
        return err.clamp(-huber_delta, huber_delta) @ X / b  # d/de of Huber: e, or +-delta beyond it
    grad = torch.sign(err) @ X  # d|e|/de = sign(e), 0 at e = 0 as torch's backward
    return grad if kind == "sae" else grad / b


def loss_and_grad(
    W: torch.Tensor, X: torch.Tensor, y: torch.Tensor, kind: str, method: str, delta: float,
    huber_delta: float = 1.0,  # pragma: no mutate (every caller passes its run's huber_delta)
) -> tuple[torch.Tensor, torch.Tensor]:
    """Loss [R] and gradient [R, p] at W [R, p] on the batch X [b, p], y [b]."""
    if method == "autograd":
        Wg = W.detach().requires_grad_(True)  # pragma: no mutate (requires_grad_() takes True by default)
        loss = losses(Wg, X, y, kind, huber_delta)
        loss.sum().backward()  # rows are independent: each gets its own run's gradient
        return loss.detach(), Wg.grad
    with torch.no_grad():
        loss = losses(W, X, y, kind, huber_delta)
        if method == "analytic":
            return loss, _analytic(W, X, y, kind, huber_delta)
        grad = torch.empty_like(W)
        for i in range(W.shape[1]):  # central differences, one parameter at a time
            step = torch.zeros_like(W)
            step[:, i] = delta
            grad[:, i] = (losses(W + step, X, y, kind, huber_delta)
                          - losses(W - step, X, y, kind, huber_delta)) / (2.0 * delta)
        return loss, grad
