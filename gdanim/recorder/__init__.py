"""The recorder: runs gradient descent with PyTorch and keeps every step.

This package is the only place gdanim imports torch. Tensors never leave it: it takes
numpy arrays and settings, and returns numpy arrays in `trace.Run` objects.

Runs of plain gd, sgd and momentum that share their loss and gradient method are
recorded together in one batched computation (params of shape [runs, k+1]); adam,
rmsprop and adagrad run one at a time through the torch.optim classes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from gdanim import schema
from gdanim.dataset import poly_columns
from gdanim.errors import MachineError
from gdanim.recorder.batched import BATCHED_OPTIMIZERS, record_batched
from gdanim.recorder.optim import OPTIM_CLASSES, record_with_optim
from gdanim.trace import Run, Settings

__all__ = ["OPTIMIZERS", "draw_synthetic", "record_runs"]

# Every optimizer name the recorder implements (a test checks it equals schema.OPTIMIZERS).
OPTIMIZERS = tuple(sorted(set(BATCHED_OPTIMIZERS) | set(OPTIM_CLASSES)))


def draw_synthetic(spec: schema.Synthetic, features: int, degree: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """x [n, k] and y [n] drawn exactly as the lecture does, in float32; with degree d > 1,
    y = params[0] + params[1] x + .. + params[d] x^d + noise * eps on one feature."""
    torch.manual_seed(spec.seed)
    if spec.x == "linspace":
        x = torch.linspace(spec.range[0], spec.range[1], spec.n).reshape(-1, 1)  # [n, 1]
    elif features == 1:
        x = torch.randn(spec.n).sort().values.reshape(-1, 1)  # [n, 1]
    else:
        x = torch.randn(spec.n, features)  # [n, k]
    eps = torch.randn(spec.n) * spec.noise  # [n]
    # Equivalent: dtype: spec.params are floats, which torch.tensor makes float32 anyway.
    true = torch.tensor(spec.params, dtype=torch.float32)  # pragma: no mutate (see above)
    # Equivalent: >= 1: for degree 1 poly_columns gives x itself in float32, and powers @ [w1] is w1 * x.
    if degree > 1:  # pragma: no mutate (see above)
        powers = torch.from_numpy(poly_columns(x.numpy(), degree))  # [n, d]
        return x.numpy().copy(), (true[0] + powers @ true[1:] + eps).numpy().copy()
    y = (true[0] + x @ true[1:] + eps
         # Equivalent: >= 1 or always: for one feature x @ [w1] is the one product w1 * x.
         if features > 1  # pragma: no mutate (see above)
         else true[0] + true[1] * x[:, 0] + eps)
    return x.numpy().copy(), y.numpy().copy()


def record_runs(x: np.ndarray, y: np.ndarray, runs: Sequence[Settings], precision: str = "float32") -> list[Run]:
    """Record every run on the data x [n, k], y [n]; results in the order given.

    precision "float64" runs the same code on doubles (x and y taken as given): not what a
    notebook computes, but a reference path far closer to the exact one than float32's,
    which the tests measure float32 replays against."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tensors here are tiny: extra threads only wait on each other
    try:
        return _record_runs(x, y, runs, np.dtype(precision))
    except (MemoryError, RuntimeError) as exc:  # torch's CPU allocator raises RuntimeError
        if isinstance(exc, RuntimeError) and "alloc" not in str(exc):
            raise
        raise MachineError(f"recording ran out of memory ({len(runs)} run(s) on {len(y)} points; "
                           "fewer runs, epochs or points)") from None
    finally:
        torch.set_num_threads(threads)


def _record_runs(x: np.ndarray, y: np.ndarray, runs: Sequence[Settings], dtype: np.dtype) -> list[Run]:
    xt = torch.from_numpy(np.ascontiguousarray(x, dtype))
    yt = torch.from_numpy(np.ascontiguousarray(y, dtype))
    out: dict[int, Run] = {}
    groups: dict[tuple, list[int]] = {}
    for i, s in enumerate(runs):
        if s.optimizer in BATCHED_OPTIMIZERS:
            key = (s.loss, s.huber_delta, s.gradient, s.delta, s.batch_size, s.seed, s.zero_grad)
            groups.setdefault(key, []).append(i)
        else:
            out[i] = record_with_optim(xt, yt, s)
    for members in groups.values():
        for i, run in zip(members, record_batched(xt, yt, [runs[i] for i in members])):
            out[i] = run
    return [out[i] for i in range(len(runs))]
