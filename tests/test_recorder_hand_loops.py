"""Every optimizer and option against torch.optim on hand-written loops, full batch and
mini-batch; what the trace records (update, steps) against what was applied."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import gdanim
from gdanim import parse_scenario
from gdanim.trace import read_trace, write_trace

SEED, N = 7, 24
XS = [round(v, 3) for v in np.linspace(-1.5, 2.0, N).tolist()]
YS = [round(1.0 + 2.0 * x + 0.3 * math.sin(i), 3) for i, x in enumerate(XS)]
DATA = f"data: {{points: {{x: {XS}, y: {YS}}}}}\ninit: [-2.0, 3.0]\nloss: mse\n"

OPTIMIZERS = {
    "gd": (lambda p, lr: torch.optim.SGD(p, lr=lr), ""),
    "sgd": (lambda p, lr: torch.optim.SGD(p, lr=lr), ""),
    "momentum": (lambda p, lr: torch.optim.SGD(p, lr=lr, momentum=0.9), ""),
    "momentum-dampened": (lambda p, lr: torch.optim.SGD(p, lr=lr, momentum=0.9, dampening=0.5),
                          "momentum: 0.9\ndampening: 0.5\n"),
    "nesterov": (lambda p, lr: torch.optim.SGD(p, lr=lr, momentum=0.9, nesterov=True), ""),
    "adam": (lambda p, lr: torch.optim.Adam(p, lr=lr), ""),
    "adam-options": (lambda p, lr: torch.optim.Adam(p, lr=lr, betas=(0.7, 0.95), eps=1e-6),
                     "betas: [0.7, 0.95]\neps: 1.0e-6\n"),
    "rmsprop": (lambda p, lr: torch.optim.RMSprop(p, lr=lr), ""),
    "rmsprop-alpha": (lambda p, lr: torch.optim.RMSprop(p, lr=lr, alpha=0.9), "alpha: 0.9\n"),
    "adagrad": (lambda p, lr: torch.optim.Adagrad(p, lr=lr), ""),
}


def data() -> tuple[torch.Tensor, torch.Tensor]:
    scenario = parse_scenario(DATA + "epochs: 1", "d.yaml")
    trace = gdanim.record(scenario)
    x = torch.from_numpy(trace.dataset.x[:, 0].copy())
    return torch.stack([torch.ones(N), x], axis=1), torch.from_numpy(trace.dataset.y.copy())


def hand_loop(make, lr: float, epochs: int, batch_size: int | None = None) -> np.ndarray:
    """zero_grad, backward, step over a seeded shuffle per epoch, as the notes teach."""
    X, y = data()
    W = torch.tensor([-2.0, 3.0], requires_grad=True)
    opt = make([W], lr)
    gen = torch.Generator().manual_seed(SEED)
    path = [W.data.clone()]
    for _ in range(epochs):
        if batch_size is None:
            batches = [torch.arange(N)]
        else:
            perm = torch.randperm(N, generator=gen)
            batches = [perm[s:s + batch_size] for s in range(0, N, batch_size)]
        for idx in batches:
            opt.zero_grad()
            torch.nn.functional.mse_loss(X[idx] @ W, y[idx]).backward()
            opt.step()
            path.append(W.data.clone())
    return torch.stack(path).numpy()


def optimizer_of(key: str) -> str:
    return key.split("-")[0]


def recorded(key: str, lr: float, epochs: int, batch_size: int | None = None) -> gdanim.Trace:
    options = OPTIMIZERS[key][1]
    batching = f"batch_size: {batch_size}\nseed: {SEED}\n" if batch_size else ""
    text = DATA + f"optimizer: {optimizer_of(key)}\nlr: {lr}\nepochs: {epochs}\n{options}{batching}"
    return gdanim.record(parse_scenario(text, "t.yaml"))


@pytest.mark.parametrize("batch_size", [None, 5], ids=["full-batch", "mini-batch"])
@pytest.mark.parametrize("key", sorted(OPTIMIZERS))
def test_every_optimizer_and_option_follows_its_torch_optim_class(key, batch_size):
    run = recorded(key, 0.05, 12, batch_size).runs[0]
    ref = hand_loop(OPTIMIZERS[key][0], 0.05, 12, batch_size)
    assert run.path.shape == ref.shape
    np.testing.assert_allclose(run.path, ref, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("batch_size", [None, 5], ids=["full-batch", "mini-batch"])
@pytest.mark.parametrize("key", sorted(OPTIMIZERS))
def test_the_recorded_update_is_params_after_minus_params_before(key, batch_size, tmp_path):
    trace = recorded(key, 0.05, 6, batch_size)
    write_trace(trace, tmp_path)
    for run in (trace.runs[0], read_trace(tmp_path / "trace.json").runs[0]):
        change = run.path[1:] - run.path[:-1]
        assert np.all(np.abs(run.update) > 0)
        np.testing.assert_allclose(run.update, change, rtol=1e-5, atol=1e-7)
        assert np.array_equal(np.sign(run.update), np.sign(change))


def test_dampening_changes_momentum_as_torch_does():
    plain = recorded("momentum", 0.05, 12).runs[0]
    damped = recorded("momentum-dampened", 0.05, 12).runs[0]
    assert not np.allclose(plain.path, damped.path)
    assert damped.settings.options.get("dampening") == 0.5


@pytest.mark.parametrize("batch_size", [None, 5], ids=["full-batch", "mini-batch"])
def test_runs_of_different_lengths_in_one_batch_each_take_their_own_steps(batch_size):
    per_epoch = 1 if batch_size is None else -(-N // batch_size)
    batching = f"batch_size: {batch_size}\nseed: {SEED}\n" if batch_size else ""
    text = DATA + ("optimizer: momentum\nlr: 0.05\n" + batching +
                   "runs: [{epochs: 2}, {epochs: 5}, {epochs: 3, lr: 0.02}]\n")
    together = gdanim.record(parse_scenario(text, "t.yaml")).runs
    for run, epochs in zip(together, (2, 5, 3)):
        assert run.steps == epochs * per_epoch
        assert run.path.shape[0] == run.steps + 1 and run.epoch.max() == epochs - 1
        ref = hand_loop(lambda p, lr: torch.optim.SGD(p, lr=lr, momentum=0.9),
                        run.settings.lr, epochs, batch_size)
        np.testing.assert_allclose(run.path, ref, rtol=1e-5, atol=1e-6)
