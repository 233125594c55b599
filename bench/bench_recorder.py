"""Recorder benchmark: 1,000 learning rates x 1,000 epochs, batched against one run at a time.

Both sides record the same runs of plain gradient descent on the lecture's data (SSE,
autograd, start [-5, 10]). The reference is the lecture's plain loop, one run at a
time, keeping params, loss and gradient of every step in lists; gdanim's recorder
called once per run is shown too. All in the same process and the same run.

usage: python bench/bench_recorder.py [--runs 1000] [--epochs 1000] [--reference-runs 50]
The per-run reference is timed on --reference-runs runs and scaled to --runs.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from gdanim import parse_scenario
from gdanim.api import dataset_of, settings_of
from gdanim.recorder import record_runs

SCENARIO = """
data: {synthetic: {n: 100, seed: 43052}}
init: [-5.0, 10.0]
loss: sse
epochs: %d
sweep: {lr: {from: 1.0e-5, to: 8.0e-3, num: %d, log: true}}
"""


def plain_loop(x: torch.Tensor, y: torch.Tensor, lr: float, epochs: int) -> list:
    """The lecture's loop for one run, keeping every step."""
    X = torch.stack([torch.ones(len(x)), x], axis=1)
    What = torch.tensor([-5.0, 10.0], requires_grad=True)
    history = []
    for _ in range(epochs):
        loss = torch.sum((y - X @ What) ** 2)
        loss.backward()
        history.append((What.data.clone(), loss.item(), What.grad.clone()))
        What.data = What.data - lr * What.grad
        What.grad = None
    return history


def best_of(repeat: int, fn) -> float:
    """The fastest of `repeat` timings of fn(), in seconds."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--epochs", type=int, default=1000)
    ap.add_argument("--reference-runs", type=int, default=50)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()

    scenario = parse_scenario(SCENARIO % (a.epochs, a.runs), "bench.yaml")
    data = dataset_of(scenario)
    settings = [settings_of(r) for r in scenario.runs]
    record_runs(data.x, data.y, settings[:2])  # warm up torch

    batched = best_of(a.repeat, lambda: record_runs(data.x, data.y, settings))
    sample = settings[:: max(1, a.runs // a.reference_runs)][: a.reference_runs]
    one = best_of(1, lambda: [record_runs(data.x, data.y, [s]) for s in sample])
    one_at_a_time = one / len(sample) * a.runs
    xt, yt = torch.from_numpy(data.x[:, 0]), torch.from_numpy(data.y)
    plain = best_of(1, lambda: [plain_loop(xt, yt, s.lr, a.epochs) for s in sample])
    plain_all = plain / len(sample) * a.runs

    check = record_runs(data.x, data.y, sample[:3])
    alone = [record_runs(data.x, data.y, [s])[0] for s in sample[:3]]
    same = all(np.allclose(b.path, c.path, rtol=1e-5, atol=1e-6) for b, c in zip(check, alone))

    print(f"runs x epochs          {a.runs} x {a.epochs}")
    print(f"batched                {batched:.3f} s")
    print(f"plain loop, per run    {plain_all:.3f} s  (timed on {len(sample)} runs, scaled)")
    print(f"recorder, per run      {one_at_a_time:.3f} s  (timed on {len(sample)} runs, scaled)")
    print(f"speed-up vs plain loop {plain_all / batched:.1f}x")
    print(f"speed-up vs per run    {one_at_a_time / batched:.1f}x")
    print(f"same trajectories      {same}")


if __name__ == "__main__":
    main()
