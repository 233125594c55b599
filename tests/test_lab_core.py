"""lab-core.js, the lab's maths, in headless Chromium against the recorder's trace.json.

Every example scenario (and five more that set every optimizer option, schedule, robust
loss and batching) is recorded once per module; each run is then re-run by
gdanim.lab.simulate on the run's x in model units and compared step by step with the
recorded run and with the same run recorded on doubles (gdanim.rounding), and the
spectrum, regime and contour slices are compared with the Python analysis. Nothing here
assumes the float32 bits of one CPU: the recorder's sums follow torch's kernels for the
CPU it runs on, the replay's do not, so the replay is held to being as close to the exact
path as the recording is, and to the recorded step count and status.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from browser_support import needs_browser

from gdanim.analysis import analyze, design, loss_values
from gdanim.api import record_to
from gdanim.rounding import reference_runs, run_excess
from gdanim.schema import LOSSES, QUADRATIC_LOSSES, SCHEDULES
from gdanim.trace import norm_key, read_trace

ROOT = Path(__file__).resolve().parent.parent
LAB_CORE = ROOT / "templates" / "static" / "lab-core.js"
OPTIMIZERS = ("gd", "sgd", "momentum", "nesterov", "adam", "rmsprop", "adagrad")

# Every option of every optimizer, both stop rules and all three gradients.
OPTIONS_SCENARIO = """\
title: Optimizer options
description: Every option of every optimizer, for the lab's tests.
data:
  synthetic: {n: 60, seed: 5, x: randn, params: [1.5, -2.0], noise: 0.7}
init: [3.0, 2.0]
loss: mse
epochs: 200
runs:
  - {name: sgd-momentum-dampening, optimizer: sgd, lr: 0.05, momentum: 0.6, dampening: 0.3}
  - {name: sgd-nesterov-decay, optimizer: sgd, lr: 0.05, momentum: 0.8, nesterov: true, weight_decay: 0.01}
  - {name: momentum-dampening, optimizer: momentum, lr: 0.02, dampening: 0.5, loss: sse, epochs: 100}
  - {name: gd-decay, optimizer: gd, lr: 0.3, weight_decay: 0.05}
  - {name: gd-numerical-mse, optimizer: gd, lr: 0.2, gradient: numerical, delta: 0.01}
  - {name: gd-analytic-sse, optimizer: gd, lr: 0.004, gradient: analytic, loss: sse}
  - {name: sgd-no-zero-grad-decay, optimizer: sgd, lr: 0.02, zero_grad: false, weight_decay: 0.1}
  - {name: gd-converges, optimizer: gd, lr: 0.1, epochs: 5000, stop: {tol: 1.0e-5}}
  - {name: gd-diverges, optimizer: gd, lr: 1.5, stop: {max_loss: 1.0e+6}}
  - {name: momentum-diverges, optimizer: momentum, lr: 2.5, momentum: 0.5, stop: {max_loss: 1.0e+8}}
  - {name: adam-options, optimizer: adam, lr: 0.1, betas: [0.8, 0.99], eps: 1.0e-6, weight_decay: 0.01, epochs: 1000}
  - {name: adam-amsgrad, optimizer: adam, lr: 0.05, amsgrad: true, epochs: 1000}
  - {name: adam-no-zero-grad, optimizer: adam, lr: 0.05, zero_grad: false, loss: sse}
  - {name: adam-numerical, optimizer: adam, lr: 0.2, gradient: numerical, delta: 0.05, stop: {tol: 1.0e-4}}
  - {name: rmsprop-centered-momentum, optimizer: rmsprop, lr: 0.01, alpha: 0.9, centered: true, momentum: 0.5,
     weight_decay: 0.02}
  - {name: rmsprop-eps, optimizer: rmsprop, lr: 0.05, eps: 1.0e-3, gradient: analytic}
  - {name: adagrad-options, optimizer: adagrad, lr: 1.0, lr_decay: 0.01, initial_accumulator_value: 0.5, eps: 1.0e-6,
     weight_decay: 0.01}
  - {name: adagrad-sse, optimizer: adagrad, lr: 0.5, loss: sse, stop: {tol: 1.0e-6}, epochs: 3000}
"""
# Every learning-rate schedule on every kind of optimizer (while the recorder has them).
SCHEDULES_SCENARIO = """\
title: Schedules
description: Every learning-rate schedule, for the lab's tests.
data:
  synthetic: {n: 50, seed: 9, x: randn, params: [2.0, -1.0], noise: 0.5}
init: [-3.0, 3.0]
loss: mse
epochs: 120
runs:
  - {name: gd-step, optimizer: gd, lr: 0.5, schedule: {type: step, step_size: 30, gamma: 0.5}}
  - {name: momentum-exponential, optimizer: momentum, lr: 0.1, schedule: {type: exponential, gamma: 0.97}}
  - {name: adam-cosine, optimizer: adam, lr: 0.3, schedule: {type: cosine, t_max: 40, eta_min: 0.01}}
  - {name: rmsprop-linear, optimizer: rmsprop, lr: 0.05, schedule: {type: linear, start_factor: 0.25, total_iters: 20}}
  - {name: adagrad-step, optimizer: adagrad, lr: 1.0, lr_decay: 0.01, schedule: {type: step, step_size: 7}}
  - {name: gd-cosine-analytic, optimizer: gd, lr: 0.004, loss: sse, gradient: analytic,
     schedule: {type: cosine, t_max: 25}}
"""
HAS_SCHEDULES = importlib.util.find_spec("gdanim.schedules") is not None
# Every robust loss with every gradient method, most optimizers, a schedule, zero_grad
# off, both stop rules and a Huber delta that float32 does not hold exactly.
ROBUST_SCENARIO = """\
title: Robust losses
description: Every robust loss with every gradient method, for the lab's tests.
data:
  synthetic: {n: 70, seed: 11, x: randn, params: [1.0, -2.0], noise: 0.6}
  outliers: {x: [1.5, -2.0], y: [9.0, -7.5]}
init: [3.0, 2.0]
loss: mae
epochs: 150
runs:
  - {name: sae-gd, loss: sae, optimizer: gd, lr: 0.004}
  - {name: sae-analytic, loss: sae, optimizer: gd, lr: 0.004, gradient: analytic}
  - {name: mae-numerical, loss: mae, optimizer: gd, lr: 0.3, gradient: numerical, delta: 0.05}
  - {name: mae-momentum, loss: mae, optimizer: momentum, lr: 0.05, dampening: 0.2}
  - {name: mae-nesterov-decay, loss: mae, optimizer: nesterov, lr: 0.05, weight_decay: 0.01}
  - {name: mae-adam, loss: mae, optimizer: adam, lr: 0.1}
  - {name: mae-rmsprop, loss: mae, optimizer: rmsprop, lr: 0.02}
  - {name: mae-adagrad, loss: mae, optimizer: adagrad, lr: 0.5}
  - {name: huber-gd, loss: huber, huber_delta: 0.7, optimizer: gd, lr: 0.4}
  - {name: huber-analytic, loss: huber, huber_delta: 0.7, optimizer: gd, lr: 0.4, gradient: analytic}
  - {name: huber-numerical, loss: huber, huber_delta: 1.3, optimizer: gd, lr: 0.4, gradient: numerical, delta: 0.01}
  - {name: huber-adam-step, loss: huber, optimizer: adam, lr: 0.2, schedule: {type: step, step_size: 30, gamma: 0.5}}
  - {name: huber-sgd-no-zero, loss: huber, optimizer: sgd, lr: 0.01, zero_grad: false}
  - {name: mae-cosine, loss: mae, optimizer: gd, lr: 0.5, schedule: {type: cosine, t_max: 50}}
  - {name: huber-max-loss, loss: huber, optimizer: gd, lr: 40.0, stop: {max_loss: 9.0}}
  - {name: mae-converges, loss: mae, optimizer: adam, lr: 0.05, epochs: 2000, stop: {tol: 1.0e-4}}
"""
# Mini-batches: batch sizes that do and do not divide n, one point, n - 1, seeds past
# 2**32, every kind of optimizer, schedules, losses, gradients and stop rules.
MINIBATCH_SCENARIO = """\
title: Mini-batches
description: Mini-batches with every optimizer, schedules, stop rules and losses, for the lab's tests.
data:
  synthetic: {n: 53, seed: 17, x: randn, params: [1.0, 2.0], noise: 0.5}
init: [-2.0, 4.0]
loss: mse
optimizer: sgd
epochs: 40
batch_size: 8
seed: 3
runs:
  - {name: sgd-8, lr: 0.05}
  - {name: sgd-1, lr: 0.02, batch_size: 1, epochs: 5}
  - {name: sgd-52, lr: 0.1, batch_size: 52, seed: 99}
  - {name: momentum-8, optimizer: momentum, lr: 0.02, dampening: 0.1, seed: 5}
  - {name: nesterov-decay, optimizer: nesterov, lr: 0.02, weight_decay: 0.01, seed: 4294967301}
  - {name: adam-8, optimizer: adam, lr: 0.05}
  - {name: rmsprop-8, optimizer: rmsprop, lr: 0.01}
  - {name: adagrad-8, optimizer: adagrad, lr: 0.3}
  - {name: sgd-step, lr: 0.1, schedule: {type: step, step_size: 10, gamma: 0.5}}
  - {name: adam-cosine, optimizer: adam, lr: 0.1, schedule: {type: cosine, t_max: 20}}
  - {name: sgd-sse-analytic, lr: 0.004, loss: sse, gradient: analytic}
  - {name: sgd-numerical, lr: 0.05, gradient: numerical, delta: 0.05}
  - {name: sgd-no-zero, lr: 0.005, zero_grad: false}
  - {name: sgd-mae, lr: 0.1, loss: mae}
  - {name: adam-huber, optimizer: adam, lr: 0.1, loss: huber, huber_delta: 0.6}
  - {name: sgd-diverges, lr: 1.5, stop: {max_loss: 1.0e+5}}
  - {name: sgd-converges, lr: 0.05, epochs: 400, batch_size: 26, stop: {tol: 1.0e-4}}
"""
ROBUST_MULTI_SCENARIO = """\
title: Robust, two features
description: MAE, SAE and Huber with two features, for the lab's tests.
data:
  synthetic: {n: 45, seed: 3, x: randn, params: [0.5, 1.5, -1.0], noise: 0.4}
model: {features: 2}
init: [0.0, 0.0, 0.0]
epochs: 120
runs:
  - {name: mae, loss: mae, lr: 0.2}
  - {name: huber, loss: huber, huber_delta: 0.5, lr: 0.5}
  - {name: sae-momentum, loss: sae, optimizer: momentum, lr: 0.005}
  - {name: huber-adam, loss: huber, optimizer: adam, lr: 0.1}
"""

SIMULATE = """([data, runs]) => runs.map((s) => {
  const opts = Object.assign({}, s.options, {data, lr: s.lr, loss: s.loss, optimizer: s.optimizer,
    epochs: s.epochs, init: s.init, gradient: s.gradient, delta: s.delta, zero_grad: s.zero_grad,
    stop: s.stop, batch_size: s.batch_size, seed: s.seed, schedule: s.schedule, huber_delta: s.huber_delta,
    columns: true});
  const r = gdanim.lab.simulate(opts);
  return {params: Array.from(r.params), loss: Array.from(r.loss, (v) => isFinite(v) ? v : null),
          lr: Array.from(r.lr), status: r.status, steps: r.steps, divergedAt: r.divergedAt,
          finalLoss: isFinite(r.finalLoss) ? r.finalLoss : null};
})"""


class Recorded:
    """One recorded scenario: trace.json as parsed JSON and as a Trace, and its runs on doubles."""

    def __init__(self, folder: Path) -> None:
        self.doc = json.loads((folder / "trace.json").read_text(encoding="utf-8"))
        self.trace = read_trace(folder / "trace.json")
        self.exact = reference_runs(self.trace)
        self.scenario = folder.parent.parent / "scenarios" / f"{folder.name}.yaml"

    def data(self, run) -> dict:
        """The run's x in model units and y, as the float32 values the recorder used."""
        x = self.trace.inputs(run)
        return {"x": np.asarray(x, np.float32).astype(float).tolist(),
                "y": np.asarray(self.trace.dataset.y, np.float32).astype(float).tolist()}

    def runs(self) -> list:
        """Every run with its JSON and its run on doubles: the lab re-runs them all (the page offers them all)."""
        return list(zip(self.trace.runs, self.doc["runs"], self.exact))


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> dict[str, Recorded]:
    root = tmp_path_factory.mktemp("lab")
    scenarios = root / "scenarios"
    shutil.copytree(ROOT / "scenarios", scenarios)
    (scenarios / "options.yaml").write_text(OPTIONS_SCENARIO, encoding="utf-8")
    if HAS_SCHEDULES:
        (scenarios / "schedules.yaml").write_text(SCHEDULES_SCENARIO, encoding="utf-8")
    (scenarios / "robust_all.yaml").write_text(ROBUST_SCENARIO, encoding="utf-8")
    (scenarios / "robust_multi.yaml").write_text(ROBUST_MULTI_SCENARIO, encoding="utf-8")
    (scenarios / "minibatch_all.yaml").write_text(MINIBATCH_SCENARIO, encoding="utf-8")
    out = {}
    for path in sorted(scenarios.glob("*.yaml")):
        _, folder = record_to(path, root / "output")
        out[path.stem] = Recorded(folder)
    return out


@pytest.fixture(scope="module")
def page(browser):
    pg = browser.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.set_content("<!doctype html><title>lab-core</title>")
    pg.add_script_tag(path=str(LAB_CORE))
    yield pg
    pg.close()
    assert errors == []


@pytest.fixture(scope="module")
def simulated(recorded, page) -> list[tuple[str, object, dict, dict]]:
    """(scenario, Run, run JSON, the lab's result, the run on doubles) for every run."""
    out = []
    for stem, rec in recorded.items():
        by_units: dict[object, list] = {}
        for run, doc, exact in rec.runs():
            by_units.setdefault(run.normalization, []).append((run, doc, exact))
        for members in by_units.values():
            data = rec.data(members[0][0])
            results = page.evaluate(SIMULATE, [data, [doc["settings"] for _, doc, _ in members]])
            out += [(stem, run, doc, res, exact) for (run, doc, exact), res in zip(members, results)]
    return out


def replay(run, result) -> SimpleNamespace:
    """The lab's result shaped as a Run (path, loss, final_loss, steps), None as NaN."""
    def arr(values):
        return np.asarray([math.nan if v is None else v for v in values], np.float64)
    return SimpleNamespace(path=arr(result["params"]).reshape(-1, run.path.shape[1]), loss=arr(result["loss"]),
                           final_loss=math.nan if result["finalLoss"] is None else result["finalLoss"],
                           steps=result["steps"], status=result["status"])


def marginal_stop(run, js) -> bool:
    """True when the replay and the recording stopped at different steps only because the
    step where the first of them stopped was within rounding of its stop rule: its largest
    update against stop.tol, or its loss against stop.max_loss (1e-3 relative)."""
    s, k = run.settings, min(run.steps, js.steps) - 1
    if k < 0:
        return False
    near = [] if s.tol is None else [np.abs(np.diff(r.path[k:k + 2], axis=0)).max() / s.tol for r in (run, js)]
    near += [] if s.max_loss is None else [float(r.loss[k]) / s.max_loss for r in (run, js)]
    return any(abs(v - 1) < 1e-3 for v in near)


def agreement(run, result, exact) -> tuple[str | None, float]:
    """(what differs in steps or status, else None; gdanim.rounding's excess of the replay
    over the recording against the run on doubles: at most 1 is within float32 rounding)."""
    js = replay(run, result)
    if (js.steps, js.status) != (run.steps, run.status) and not marginal_stop(run, js):
        return f"{js.steps} steps, {js.status}; recorded {run.steps}, {run.status}", math.inf
    return None, run_excess(js, run, exact)


@needs_browser
def test_every_run_is_replayed_as_close_to_the_exact_path_as_the_recording_is(simulated):
    """Each replay takes the recorded steps and ends with the recorded status, and at every
    step its params and loss are no farther from the run on doubles than 32 times the
    largest distance the recording had up to that step (at least four float32 ulps), as
    gdanim.rounding measures it. Both are float32 paths of one run whose sums are ordered
    differently; their rounding errors start at a few ulps and grow as fast as the run
    makes them grow (a slow gd run adds them up, an oscillating adam or rmsprop run and a
    diverging one multiply them), which the recording's own distance shows step by step.
    A slip in the maths (Adam's bias correction, the batches' order) is far outside."""
    bad, figures = [], {}
    for stem, run, _, res, exact in simulated:
        what, ratio = agreement(run, res, exact)
        if what or ratio > 1.0:
            bad.append(f"{stem}/{run.name}: {what or f'{ratio:.3g} x the rounding bound'}")
        js = replay(run, res)
        assert (js.final_loss is not None and math.isfinite(js.final_loss)) == math.isfinite(run.final_loss), run.name
        assert (np.isfinite(js.loss) == np.isfinite(run.loss)).all() or what, run.name
        figures.setdefault(run.settings.optimizer, []).append((run, js, ratio))
    print_drift(figures, "this process's")
    assert bad == []
    assert len(simulated) >= 110
    robust = {(run.settings.loss, run.settings.gradient) for _, run, _, _, _ in simulated}
    assert robust >= {(loss, g) for loss in ("sae", "mae", "huber") for g in ("autograd", "analytic", "numerical")
                      if (loss, g) not in {("sae", "numerical"), ("mae", "analytic")}}
    assert set(figures) == set(OPTIMIZERS)


def print_drift(figures: dict, kernels: str) -> None:
    """Per optimizer, how far the replay is from the trace: the share of params rows that are
    the same float32 numbers, the largest difference relative to max(|w|, 1) and the same
    per step taken, and the largest ratio to the rounding bound (docs/lab.md, How exact)."""
    print(f"\nreplay against the trace recorded with {kernels} kernels:")
    for opt in OPTIMIZERS:
        rows = same = 0
        worst = per_step = ratio = 0.0
        for run, js, r in figures[opt]:
            m = min(len(js.path), len(run.path))
            a, b = js.path[:m], run.path[:m].astype(np.float64)
            rows += m
            same += int(np.all((a == b) | (np.isnan(a) & np.isnan(b)), axis=1).sum())
            ok = np.isfinite(a).all(1) & np.isfinite(b).all(1)
            d = (np.abs(a - b).max(1) / np.maximum(np.abs(b).max(1), 1.0))[ok]
            worst = max(worst, float(d.max(initial=0.0)))
            per_step = max(per_step, float((d / np.maximum(np.arange(m)[ok], 1)).max(initial=0.0)))
            ratio = max(ratio, r)
        print(f"  {opt:9} rows {rows:6}  same bits {same / rows:6.1%}  largest {worst:.2e}  "
              f"per step {per_step:.2e}  bound used {ratio:.3f}")


RATE_RTOL = 1e-14
"""How close the lab's rates are to the recorded ones: a cosine schedule's cosines are the C
library's on one side (which picks its code by CPU: with FMA or without) and the browser's
on the other, a few units in the last place apart; a wrong epoch or formula is ~1e-3 off."""


@needs_browser
@pytest.mark.skipif(not HAS_SCHEDULES, reason="the recorder has no learning-rate schedules")
def test_scheduled_runs_train_each_epoch_with_the_recorded_rate(simulated):
    scheduled = [(run, res) for _, run, _, res, _ in simulated if run.settings.schedule is not None]
    assert len(scheduled) >= 6
    # every schedule and loss the scenario format has is replayed (the page offers every run)
    assert {run.settings.schedule["type"] for run, _ in scheduled} == set(SCHEDULES)
    assert {run.settings.loss for _, run, _, _, _ in simulated} == set(LOSSES)
    for run, res in scheduled:
        assert np.allclose(res["lr"], run.step_lr, rtol=RATE_RTOL, atol=0), run.name
        assert len(set(res["lr"])) > 1, run.name


# The kernels another CPU would run: torch's own (ATEN_CPU_CAPABILITY lowers its pick) and
# MKL's products, square roots and powers (MKL_CBWR: its AVX2 code path, and the one for any x86-64).
KERNELS = {"default": {"ATEN_CPU_CAPABILITY": "default"}, "avx2": {"ATEN_CPU_CAPABILITY": "avx2"},
           "avx512": {"ATEN_CPU_CAPABILITY": "avx512"}, "mkl-avx2": {"MKL_CBWR": "AVX2"},
           "mkl-compatible": {"MKL_CBWR": "COMPATIBLE"}}
RECORD = """import sys, torch
from gdanim.api import record_to
for path in sys.argv[2:]:
    record_to(path, sys.argv[1])
print(torch.backends.cpu.get_cpu_capability().lower(), "mkl" if torch.backends.mkl.is_available() else "no-mkl")
"""


@needs_browser
@pytest.mark.parametrize("kernels", sorted(KERNELS))
def test_the_replays_hold_against_the_runs_recorded_with_each_kernel_choice(recorded, simulated, kernels, tmp_path):
    """torch picks its float32 kernels (and so the order of its sums) by the CPU, as MKL does
    for its products: recorded again in a process with each choice (ATEN_CPU_CAPABILITY can
    only lower torch's), this machine stands in for others. Every replay (the same on any
    machine) takes each recording's steps and status, and is within float32 rounding of the
    run on doubles as either recording measures it: for a chaotic run (adam hovering at its
    minimum) one float32 path may keep near the exact one far longer than another, so the
    rounding envelope is the wider of the two recordings', not whichever happens to be
    narrow. A choice this CPU lacks is skipped, saying so."""
    import torch

    env = {**os.environ, **KERNELS[kernels]}
    if env.get("MKL_CBWR") == os.environ.get("MKL_CBWR") and kernels == torch.backends.cpu.get_cpu_capability().lower():
        ran, mkl = kernels, "this process"  # the recording above is that one
        traces = {stem: rec.trace for stem, rec in recorded.items()}
    else:
        paths = [str(rec.scenario) for rec in recorded.values()]
        proc = subprocess.run([sys.executable, "-c", RECORD, str(tmp_path), *paths], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=1200)
        assert proc.returncode == 0, proc.stderr[-3000:]
        ran, mkl = proc.stdout.split()[-2:]
        if ran != KERNELS[kernels].get("ATEN_CPU_CAPABILITY", ran) or ("MKL_CBWR" in KERNELS[kernels] and mkl != "mkl"):
            pytest.skip(f"this machine cannot run {kernels} kernels: with {KERNELS[kernels]} torch ran {ran}, {mkl}")
        traces = {stem: read_trace(tmp_path / stem / "trace.json") for stem in recorded}
    bad, figures = [], {}
    for stem, run, _, res, exact in simulated:
        again = traces[stem].run(run.name)
        what, ratio = agreement(again, res, exact)
        if not what:
            ratio = min(ratio, run_excess(replay(run, res), run, exact))
        if what or ratio > 1.0:
            bad.append(f"{stem}/{run.name}: {what or f'{ratio:.3g} x the rounding bound'}")
        figures.setdefault(run.settings.optimizer, []).append((again, replay(again, res), ratio))
    print_drift(figures, f"{kernels} ({ran}, {mkl})")
    assert bad == []


@needs_browser
def test_a_diverged_run_names_the_epoch_it_diverged_at(simulated):
    diverged = [(run, res) for _, run, _, res, _ in simulated if run.status == "diverged"]
    assert len(diverged) >= 4
    assert all(res["divergedAt"] == run.steps - 1 for run, res in diverged)
    assert all(res["divergedAt"] is None for _, run, _, res, _ in simulated if run.status != "diverged")


@needs_browser
def test_the_nested_result_equals_the_columns_and_the_default_data_is_gdanim_lab_data(recorded, page):
    rec = recorded["lr"]
    page.evaluate("(data) => { gdanim.lab.data = data; }", rec.data(rec.trace.runs[0]))
    same = page.evaluate("""() => {
      const o = {lr: 0.0083, epochs: 30, init: [-5, 10]};
      const a = gdanim.lab.simulate(o), b = gdanim.lab.simulate(Object.assign({columns: true}, o));
      const flat = [].concat(...a.params);
      return a.params.length === 31 && a.loss.length === 30 && a.grad.length === 30 && a.update.length === 30 &&
        flat.every((v, i) => v === b.params[i]) && a.loss.every((v, i) => v === b.loss[i]) &&
        a.status === "max_epochs" && a.steps === 30 && a.divergedAt === null;
    }""")
    assert same
    js = page.evaluate("() => { const r = gdanim.lab.simulate({lr: 0.0083, epochs: 30, init: [-5, 10]});"
                       " return {params: [].concat(...r.params), loss: r.loss, finalLoss: r.finalLoss, steps: r.steps,"
                       " status: r.status}; }")
    i = [r.name for r in rec.trace.runs].index("lr-0.0083")
    what, ratio = agreement(rec.trace.runs[i], js, rec.exact[i])
    assert what is None and ratio <= 1.0


@needs_browser
def test_simulate_into_reuses_its_buffers_and_shrinks_its_views(recorded, page):
    rec = recorded["lr"]
    reused = page.evaluate("""(data) => {
      const out = gdanim.lab.simulateInto({data, lr: 0.001, epochs: 300, init: [-5, 10]});
      const buffer = out.params.buffer;
      gdanim.lab.simulateInto({data, lr: 0.001, epochs: 30, init: [-5, 10]}, out);
      return [out.params.buffer === buffer, out.params.length, out.loss.length, out.steps];
    }""", rec.data(rec.trace.runs[0]))
    assert reused == [True, 62, 30, 30]


@needs_browser
def test_unknown_settings_are_refused_with_a_clear_error(recorded, page):
    rec = recorded["minibatch"]
    messages = page.evaluate("""(data) => [{batch_size: 0}, {optimizer: "lbfgs"}, {lr: 0}, {epochs: 2.5},
                                           {schedule: {type: "cyclic"}}, {loss: "l2"}, {gradient: "adjoint"},
                                           {loss: "huber", huber_delta: 0}, {batch_size: 2.5}
                                          ].map((extra) => {
      try { gdanim.lab.simulate(Object.assign({data, lr: 0.1, epochs: 3}, extra)); return null; }
      catch (e) { return e.message; }
    })""", rec.data(rec.trace.runs[0]))
    assert "batch_size" in messages[0] and "got 0" in messages[0]
    assert "lbfgs" in messages[1]
    assert "lr" in messages[2]
    assert "epochs" in messages[3] and "2.5" in messages[3]
    assert "cyclic" in messages[4]
    assert "l2" in messages[5] and "adjoint" in messages[6]
    assert "huber_delta > 0" in messages[7]
    assert "batch_size" in messages[8] and "2.5" in messages[8]
    steps = page.evaluate("(data) => [100, null, 30, 1].map((b) => gdanim.lab.simulate({data, lr: 0.01, epochs: 3,"
                          " batch_size: b}).steps)", rec.data(rec.trace.runs[0]))
    n = rec.trace.dataset.n
    assert steps == [3, 3, 3 * math.ceil(n / 30), 3 * n]  # a batch of n or more is the full batch


@needs_browser
def test_mini_batch_runs_follow_the_recorded_shuffle_and_epochs(simulated):
    """Every mini-batch run takes the recorded steps within rounding of the recorded path and
    with each step's recorded rate, so the shuffle (torch's generator and randperm) and the
    epoch of each step are the recorder's."""
    mini = [(run, res, exact) for _, run, _, res, exact in simulated if run.steps and np.bincount(run.epoch).max() > 1]
    assert len(mini) >= 18
    for run, res, exact in mini:
        what, ratio = agreement(run, res, exact)
        assert what is None and ratio <= 1.0, (run.name, what, ratio)
        assert np.allclose(res["lr"], run.step_lr, rtol=RATE_RTOL, atol=0), run.name


def _rel(a, b) -> float:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float((np.abs(a - b) / np.maximum(np.abs(b), 1e-300)).max())


@needs_browser
def test_the_spectrum_equals_the_analysis_for_both_losses_in_every_units(recorded, page):
    checked = 0
    for rec in recorded.values():
        units = {None: ({"x": rec.doc["data"]["x"], "y": rec.doc["data"]["y"]}, rec.doc["analysis"])}
        for run in rec.trace.runs:
            if run.normalization is not None:
                key = norm_key(run.normalization)
                units[key] = (rec.data(run), rec.doc["analyses"][key])
        for data, analysis in units.values():
            for loss, want in analysis["by_loss"].items():
                got = page.evaluate("([d, l]) => gdanim.lab.spectrum(d, l)", [data, loss])
                top = max(want["hessian_eigenvalues"])
                assert np.allclose(got["eigenvalues"], want["hessian_eigenvalues"], rtol=0, atol=1e-9 * top)
                assert _rel(got["critical_lr"], want["critical_lr"]) < 1e-9
                assert _rel(got["best_lr"], want["best_lr"]) < 1e-9
                assert (got["ols"] is None) == (want["ols"] is None)
                if want["ols"] is not None:
                    scale = max(abs(v) for v in want["ols"])
                    assert np.allclose(got["ols"], want["ols"], rtol=1e-9, atol=1e-9 * scale)
                    assert _rel(got["ols_loss"], want["ols_loss"]) < 1e-9
                checked += 1
    assert checked >= 2 * len(recorded) + 4


@needs_browser
def test_the_critical_rate_of_every_run_is_the_recorded_one(recorded, page):
    for rec in recorded.values():
        for run, doc in zip(rec.trace.runs, rec.doc["runs"]):
            if run.settings.loss not in QUADRATIC_LOSSES:  # a robust loss has no spectrum (critical_lr null)
                assert doc["critical_lr"] is None, run.name
                continue
            got = page.evaluate("([d, l]) => gdanim.lab.spectrum(d, l).critical_lr", [rec.data(run), run.settings.loss])
            assert _rel(got, doc["critical_lr"]) < 1e-9, run.name


@needs_browser
def test_the_regime_of_every_gd_run_is_the_recorded_one(recorded, page):
    checked = 0
    for rec in recorded.values():
        for run, doc in zip(rec.trace.runs, rec.doc["runs"]):
            if doc["regime"] is None:
                continue
            # with a schedule, the regime of the rate the last step used
            lr = run.settings.lr if getattr(run.settings, "schedule", None) is None else float(run.step_lr[-1])
            got = page.evaluate("([d, s, lr]) => gdanim.lab.regime(lr, gdanim.lab.spectrum(d, s.loss),"
                                " s.options.weight_decay)", [rec.data(run), doc["settings"], lr])
            assert got["regime"] == doc["regime"], run.name
            assert _rel(got["contraction"], doc["contraction"]) < 1e-9, run.name
            checked += 1
    assert checked >= 80


@needs_browser
def test_the_quadratic_gives_the_loss_a_direct_sum_gives(recorded, page):
    rec = recorded["multivariate"]
    run = rec.trace.runs[1]
    data, w = rec.data(run), [150.0, 3.0, -2.0, 8.0]
    X = np.hstack([np.ones((len(data["y"]), 1)), np.asarray(data["x"])])
    sse = float(np.sum((np.asarray(data["y"]) - X @ w) ** 2))
    got = page.evaluate("([d, w]) => [gdanim.lab.lossAt(gdanim.lab.quadratic(d, 'sse'), w),"
                        " gdanim.lab.lossAt(gdanim.lab.quadratic(d, 'mse'), w)]", [data, w])
    assert _rel(got, [sse, sse / len(X)]) < 1e-12


@needs_browser
@pytest.mark.parametrize("stem,pair", [("lr", (0, 1)), ("multivariate", (1, 2)), ("multivariate", (0, 3)),
                                       ("thermometer", (1, 0))])
def test_points_on_a_slice_ellipse_have_the_contour_level_by_direct_evaluation(recorded, page, stem, pair):
    rec = recorded[stem]
    run = rec.trace.runs[-1]
    data = rec.data(run)
    p = len(data["x"][0]) + 1
    fixed = [0.5 * (i + 1) for i in range(p)]
    X = np.hstack([np.ones((len(data["y"]), 1)), np.asarray(data["x"])])
    y = np.asarray(data["y"])
    for loss in ("sse", "mse"):
        got = page.evaluate("""([d, loss, pair, fixed]) => {
          const q = gdanim.lab.quadratic(d, loss), s = gdanim.lab.slice(q, pair, fixed);
          const level = 1.5 * s.min + 1, e = gdanim.lab.ellipse(s, level);
          return {s, e, level, below: gdanim.lab.ellipse(s, s.min / 2 - 1)};
        }""", [data, loss, list(pair), fixed])
        s, e, level = got["s"], got["e"], got["level"]
        assert got["below"] is None

        def direct(u, loss=loss):
            w = np.array(fixed, np.float64)
            w[list(pair)] = u
            sse = float(np.sum((y - X @ w) ** 2))
            return sse if loss == "sse" else sse / len(y)

        assert _rel(direct(s["center"]), s["min"]) < 1e-9
        for a in (0.0, 0.7, 2.0, 4.4):
            c, sn = math.cos(e["angle"]), math.sin(e["angle"])
            u = (e["cx"] + e["rx"] * math.cos(a) * c - e["ry"] * math.sin(a) * sn,
                 e["cy"] + e["rx"] * math.cos(a) * sn + e["ry"] * math.sin(a) * c)
            assert abs(direct(u) - level) <= 1e-8 * level
        # the slice is the minimum over the pair: a nudge from the center raises the loss
        assert direct(np.add(s["center"], [1e-3, -1e-3])) > s["min"]


@needs_browser
def test_data_without_a_unique_minimum_have_no_ols_and_a_slice_without_center(page):
    x, y = [[2.0], [2.0], [2.0]], [1.0, 2.0, 4.0]  # constant x: X'X is singular
    want = analyze(np.asarray(x, np.float32), np.asarray(y, np.float32)).spectra["mse"]
    got = page.evaluate("""([x, y]) => {
      const d = {x, y}, s = gdanim.lab.spectrum(d, "mse"), q = gdanim.lab.quadratic(d, "mse");
      const sl = gdanim.lab.slice(q, [0, 1], [0, 0]);
      return {s, center: sl.center, min: sl.min, ellipse: gdanim.lab.ellipse(sl, 10)};
    }""", [x, y])
    assert got["s"]["ols"] is None and got["s"]["condition_number"] is None and want.condition_number is None
    assert _rel(got["s"]["critical_lr"], want.critical_lr) < 1e-9
    assert _rel(got["s"]["best_lr"], want.best_lr) < 1e-9
    assert got["center"] is None and got["min"] is None and got["ellipse"] is None


LEVEL_SETS = """([d, o, levels]) => {
  const v = gdanim.lab.grid(d, o);
  return {values: Array.from(v), lines: levels.map((l) => gdanim.lab.isolines(v, o.nx, o.ny, l)),
          at: gdanim.lab.lossOn(d, o.fixed, o.loss, o.huber_delta)};
}"""


@needs_browser
@pytest.mark.parametrize("stem,loss,delta,pair", [("robust", "mae", 1.0, (0, 1)), ("robust", "huber", 1.0, (1, 0)),
                                                  ("robust_all", "sae", 1.0, (0, 1)),
                                                  ("robust_all", "huber", 0.7, (0, 1)),
                                                  ("robust_multi", "mae", 1.0, (1, 2)),
                                                  ("robust_multi", "huber", 0.5, (0, 2)), ("lr", "sse", 1.0, (0, 1))])
def test_the_level_sets_of_any_loss_lie_where_the_loss_has_their_level(recorded, page, stem, loss, delta, pair):
    """lab.grid is the loss on the data at each node (float64, as the analysis evaluates
    it); lab.isolines' points have their level, up to the curvature inside one cell."""
    rec = recorded[stem]
    data = rec.data(rec.trace.runs[0])
    X, y = design(np.asarray(data["x"], np.float64)), np.asarray(data["y"], np.float64)
    p = X.shape[1]
    fixed = [0.3 * (i + 1) for i in range(p)]
    lo, hi, nx, ny = [-4.0, -3.0], [6.0, 7.5], 61, 47
    def at(u):  # the loss with the pair at u [m, 2], the others fixed
        w = np.tile(np.asarray(fixed, np.float64), (len(u), 1))
        w[:, list(pair)] = u
        return loss_values(X, y, w, loss, delta)
    opts = {"loss": loss, "huber_delta": delta, "pair": list(pair), "fixed": fixed,
            "lo": lo, "hi": hi, "nx": nx, "ny": ny}
    nodes = np.stack(np.meshgrid(np.linspace(lo[0], hi[0], nx), np.linspace(lo[1], hi[1], ny)), -1).reshape(-1, 2)
    want = at(nodes)
    levels = list(np.quantile(want, [0.05, 0.3, 0.6]))
    got = page.evaluate(LEVEL_SETS, [data, opts, levels])
    assert np.allclose(got["values"], want, rtol=1e-12, atol=0)
    assert _rel(got["at"], float(loss_values(X, y, np.asarray(fixed), loss, delta))) < 1e-12
    step = np.array([(hi[0] - lo[0]) / (nx - 1), (hi[1] - lo[1]) / (ny - 1)])
    for level, flat in zip(levels, got["lines"]):
        seg = np.asarray(flat, np.float64).reshape(-1, 2, 2)  # [segments, ends, (column, row)]
        assert len(seg) > 20
        ends = np.asarray(lo) + seg.reshape(-1, 2) * step
        err = np.abs(at(ends) - level) / level
        # each end lies on a cell edge between two nodes: exact where the loss is linear
        # there (SAE/MAE between kinks, Huber beyond delta), off by a small part of the
        # level where it curves (SSE everywhere)
        typical = 1e-2 if loss == "sse" else 1e-3
        assert np.median(err) < typical and err.max() < 0.05, (level, np.median(err), err.max())
        # the segments close up: each end is shared by another segment (inside the grid)
        inner = (seg > 0.01).all(-1) & (seg < np.array([nx - 1.01, ny - 1.01])).all(-1)
        keys = np.round(seg.reshape(-1, 2)[inner.reshape(-1)], 9)
        _, counts = np.unique(keys, axis=0, return_counts=True)
        assert (counts == 2).mean() > 0.99


@needs_browser
def test_a_saddle_cell_is_split_as_its_centre_says(page):
    """Corners 1 0 / 0 1 (high at (0, 0) and (1, 1)): the centre's 0.5 joins the high corners
    at level 0.4 (the lines cut off the low ones) and the low corners at 0.6."""
    values = [1.0, 0.0, 0.0, 1.0]  # row 0: (0,0) (1,0); row 1: (0,1) (1,1)
    low, high = page.evaluate("(v) => [0.4, 0.6].map((l) => gdanim.lab.isolines(v, 2, 2, l))", values)
    assert np.allclose(low, [0.6, 0, 1, 0.4, 0.4, 1, 0, 0.6])  # around (1, 0), then around (0, 1)
    assert np.allclose(high, [0, 0.4, 0.4, 0, 1, 0.6, 0.6, 1])  # around (0, 0), then around (1, 1)
    assert page.evaluate("(v) => gdanim.lab.isolines(v, 2, 2, 0.5).length", [1.0, 1.0, 1.0, float("nan")]) == 0


def test_lab_core_is_a_plain_script_without_page_access_or_dependencies():
    text = LAB_CORE.read_text(encoding="utf-8")
    code = re.sub(r"//.*|/\*[\s\S]*?\*/", "", text)
    for word in ("document", "fetch(", "XMLHttpRequest", "import ", "export ", "require(", "Math.random"):
        assert word not in code, word
    assert "gdanim.lab = gdanim.lab ||" in code
    publics = re.findall(r"^\s*lab\.(\w+) = function", text, re.M)
    assert set(publics) >= {"simulate", "simulateInto", "quadratic", "spectrum", "lossAt", "slice", "regime", "ellipse",
                            "lossOn", "grid", "isolines"}
    for name in publics:  # a JSDoc comment with a usage line right above each public function
        doc = re.search(r"/\*\*((?:(?!\*/)[\s\S])*)\*/\s*lab\." + name + " = function", text)
        assert doc and f"lab.{name}(" in doc.group(1), name
