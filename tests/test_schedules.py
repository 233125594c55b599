"""Learning-rate schedules against torch.optim.lr_scheduler on hand-written loops that call
scheduler.step() once per epoch: the rates bit for bit, the paths of every optimizer,
full batch and mini-batch, batched runs against runs recorded alone, the trace."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest
import torch
from loop_support import OPTIMIZERS
from loop_support import hand_loop as loop

import gdanim
from gdanim import parse_scenario, schema
from gdanim.errors import ScenarioError
from gdanim.schedules import SCHEDULES, epoch_rates
from gdanim.trace import read_trace, write_trace

S = torch.optim.lr_scheduler
SEED, N = 7, 24
XS = [round(v, 3) for v in np.linspace(-1.5, 2.0, N).tolist()]
YS = [round(1.0 + 2.0 * x + 0.3 * math.sin(i), 3) for i, x in enumerate(XS)]
POINTS = f"data: {{points: {{x: {XS}, y: {YS}}}}}\ninit: [-2.0, 3.0]\nloss: mse\n"
LECTURE = ("data: {synthetic: {n: 100, seed: 43052, x: randn, params: [2.5, 4.0], noise: 0.5}}\n"
           "init: [-5.0, 10.0]\nloss: sse\n")

# (scenario's schedule, the torch scheduler it names)
SCHEDULE_CASES = {
    "step": ("{type: step, step_size: 4, gamma: 0.5}", lambda o: S.StepLR(o, 4, 0.5)),
    "exponential": ("{type: exponential, gamma: 0.9}", lambda o: S.ExponentialLR(o, 0.9)),
    "cosine": ("{type: cosine, t_max: 5, eta_min: 0.001}", lambda o: S.CosineAnnealingLR(o, 5, 0.001)),
    "linear": ("{type: linear, start_factor: 0.25, end_factor: 1.0, total_iters: 6}",
               lambda o: S.LinearLR(o, 0.25, 1.0, 6)),
}


def record(text: str) -> gdanim.Trace:
    return gdanim.record(parse_scenario(text, "t.yaml"))


def torch_rates(make, lr: float, epochs: int) -> list[float]:
    """The rate each epoch trains with: optimizer.step() per batch, scheduler.step() per epoch."""
    w = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([w], lr=lr)
    scheduler = make(opt)
    out = []
    for _ in range(epochs):
        out.append(scheduler.get_last_lr()[0])
        opt.step()
        scheduler.step()
    return out


def points() -> tuple[torch.Tensor, torch.Tensor]:
    trace = record(POINTS + "epochs: 1")
    x = torch.from_numpy(trace.dataset.x[:, 0].copy())
    return torch.stack([torch.ones(N), x], axis=1), torch.from_numpy(trace.dataset.y.copy())


def hand_loop(make_opt, make_scheduler, lr: float, epochs: int, batch_size: int | None = None):
    """zero_grad, backward, step per batch; scheduler.step() after each epoch. -> path, rates"""
    X, y = points()
    return loop(X, y, [-2.0, 3.0], make_opt, lr, epochs, batch_size=batch_size, seed=SEED,
                make_scheduler=make_scheduler)


# --- the rates ------------------------------------------------------------------------


@pytest.mark.parametrize("lr", [0.0085, 0.1, 3e-5])
@pytest.mark.parametrize(("schedule", "make"), [
    ({"type": "step", "step_size": 7, "gamma": 0.5}, lambda o: S.StepLR(o, 7, 0.5)),
    ({"type": "step", "step_size": 1, "gamma": 0.1}, lambda o: S.StepLR(o, 1)),
    ({"type": "exponential", "gamma": 0.93}, lambda o: S.ExponentialLR(o, 0.93)),
    ({"type": "exponential", "gamma": 1.05}, lambda o: S.ExponentialLR(o, 1.05)),
    ({"type": "cosine", "t_max": 13, "eta_min": 0.0}, lambda o: S.CosineAnnealingLR(o, 13)),
    ({"type": "cosine", "t_max": 9, "eta_min": 1e-4}, lambda o: S.CosineAnnealingLR(o, 9, 1e-4)),
    ({"type": "cosine", "t_max": 1, "eta_min": 0.0}, lambda o: S.CosineAnnealingLR(o, 1)),
    ({"type": "linear", "start_factor": 0.1, "end_factor": 1.0, "total_iters": 10},
     lambda o: S.LinearLR(o, 0.1, 1.0, 10)),
    ({"type": "linear", "start_factor": 1.0, "end_factor": 0.05, "total_iters": 17},
     lambda o: S.LinearLR(o, 1.0, 0.05, 17)),
    ({"type": "linear", "start_factor": 1 / 3, "end_factor": 1.0, "total_iters": 0},
     lambda o: S.LinearLR(o, 1 / 3, 1.0, 0)),
], ids=lambda v: v["type"] + "-" + "-".join(f"{x}" for x in list(v.values())[1:]) if isinstance(v, dict) else "")
def test_the_rates_are_torchs_schedulers_bit_for_bit(schedule, make, lr):
    rates = epoch_rates(schedule, lr, 60)  # cosine runs past t_max, through several cycles
    assert rates.tolist() == torch_rates(make, lr, 60)


def test_without_a_schedule_the_rate_is_constant():
    assert epoch_rates(None, 0.01, 5).tolist() == [0.01] * 5


def test_the_schedule_types_are_the_schemas():
    assert set(SCHEDULES) == set(schema.SCHEDULES)


# --- the recorder ---------------------------------------------------------------------


def lecture_loop(lr: float, make_scheduler, epochs: int):
    """The lecture's manual update What.data - alpha * What.grad, alpha from the scheduler."""
    torch.manual_seed(43052)
    x, _ = torch.randn(100).sort()
    eps = torch.randn(100) * 0.5
    X = torch.stack([torch.ones(100), x], axis=1)
    y = X @ torch.tensor([2.5, 4.0]) + eps
    What = torch.tensor([-5.0, 10.0], requires_grad=True)
    opt = torch.optim.SGD([What], lr=lr)  # holds the rate the scheduler sets
    scheduler = make_scheduler(opt)
    params, losses, grads, rates = [What.data.clone()], [], [], []
    for _ in range(epochs):
        loss = torch.sum((y - X @ What) ** 2)
        loss.backward()
        alpha = scheduler.get_last_lr()[0]
        losses.append(loss.item())
        grads.append(What.grad.clone())
        rates.append(alpha)
        What.data = What.data - alpha * What.grad
        What.grad = None
        params.append(What.data.clone())
        opt.step()  # no gradient: moves nothing, keeps the scheduler's order of calls
        scheduler.step()
    return torch.stack(params).numpy(), np.float32(losses), torch.stack(grads).numpy(), rates


@pytest.mark.parametrize("kind", sorted(SCHEDULE_CASES))
def test_plain_gd_with_a_schedule_equals_the_lecture_loop_bit_for_bit(kind):
    text, make = SCHEDULE_CASES[kind]
    run = record(LECTURE + f"lr: 0.0085\nepochs: 30\nschedule: {text}").runs[0]
    params, losses, grads, rates = lecture_loop(0.0085, make, 30)
    assert run.step_lr.tolist() == rates
    assert np.array_equal(run.path, params)
    assert np.array_equal(run.loss, losses)
    assert np.array_equal(run.grad, grads)


@pytest.mark.parametrize("batch_size", [None, 5], ids=["full-batch", "mini-batch"])
@pytest.mark.parametrize("kind", sorted(SCHEDULE_CASES))
@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_every_optimizer_with_every_schedule_follows_torch(optimizer, kind, batch_size):
    text, make = SCHEDULE_CASES[kind]
    lr = 0.3 if optimizer in ("adam", "rmsprop", "adagrad") else 0.1
    batching = f"batch_size: {batch_size}\nseed: {SEED}\n" if batch_size else ""
    run = record(POINTS + f"optimizer: {optimizer}\nlr: {lr}\nepochs: 12\nschedule: {text}\n{batching}").runs[0]
    path, rates = hand_loop(OPTIMIZERS[optimizer], make, lr, 12, batch_size)
    assert run.step_lr.tolist() == rates.tolist()  # the rate of every step, bit for bit
    assert run.path.shape == path.shape
    # torch.optim.SGD fuses w + (-lr) * g into one rounding; the lecture's w - lr * g rounds twice
    np.testing.assert_allclose(run.path, path, rtol=1e-5, atol=1e-6)


def test_the_schedule_steps_once_per_epoch_not_per_batch():
    run = record(POINTS + "optimizer: sgd\nlr: 0.1\nepochs: 3\nbatch_size: 5\nseed: 7\n"
                 "schedule: {type: exponential, gamma: 0.5}").runs[0]
    assert run.steps == 15
    assert run.step_lr.tolist() == [0.1] * 5 + [0.05] * 5 + [0.025] * 5


def test_scheduled_runs_batched_together_equal_each_run_recorded_alone():
    runs = ["{lr: 0.0085}", "{lr: 0.0085, schedule: {type: step, step_size: 5, gamma: 0.5}}",
            "{lr: 0.009, schedule: {type: cosine, t_max: 20}}", "{lr: 0.001, epochs: 10, "
            "schedule: {type: linear, start_factor: 0.5, total_iters: 4}}",
            "{lr: 0.0085, optimizer: momentum, schedule: {type: exponential, gamma: 0.8}}"]
    together = record(LECTURE + f"epochs: 25\nruns: [{', '.join(runs)}]").runs
    for text, run in zip(runs, together):
        alone = record(LECTURE + f"epochs: 25\nruns: [{text}]").runs[0]
        assert np.array_equal(run.step_lr, alone.step_lr)
        np.testing.assert_allclose(run.path, alone.path, rtol=1e-5, atol=1e-5)
        assert run.status == alone.status
    assert together[0].steps == 25 and together[3].steps == 10


def test_a_divergent_start_that_decays_ends_in_a_stable_regime():
    trace = record(LECTURE + "lr: 0.0085\nepochs: 40\nruns: [{name: constant}, "
                   "{name: step, schedule: {type: step, step_size: 5, gamma: 0.5}}]")
    lam = max(trace.analysis.spectra["sse"].eigenvalues)
    constant, step = trace.run("constant"), trace.run("step")
    assert constant.regime == "divergent" and constant.final_loss > constant.loss[0]
    ratio = step.step_lr * lam
    assert ratio[0] >= 2 > ratio[-1]  # starts divergent, becomes stable
    assert step.regime in ("monotone", "oscillating")
    assert step.final_loss < 1.01 * trace.analysis.spectra["sse"].ols_loss


# --- trace, CSV, names, validation ----------------------------------------------------


def test_the_trace_records_each_steps_rate_and_reads_back(tmp_path):
    trace = record(POINTS + "lr: 0.2\nepochs: 6\nschedule: {type: step, step_size: 2, gamma: 0.5}")
    write_trace(trace, tmp_path)
    doc = json.loads((tmp_path / "trace.json").read_text())
    assert doc["schema"] == "gdanim.trace/2"
    run = doc["runs"][0]
    assert run["settings"]["schedule"] == {"type": "step", "step_size": 2, "gamma": 0.5}
    assert [st["lr"] for st in run["steps"]] == [0.2, 0.2, 0.1, 0.1, 0.05, 0.05]
    back = read_trace(tmp_path / "trace.json").runs[0]
    assert back.settings == trace.runs[0].settings
    assert back.step_lr.tolist() == [0.2, 0.2, 0.1, 0.1, 0.05, 0.05]
    lines = (tmp_path / f"{back.name}.csv").read_text().splitlines()
    assert lines[0].split(",")[:2] == ["epoch", "lr"] and lines[3].split(",")[:2] == ["2", "0.1"]


def test_a_version_1_trace_still_reads_with_a_constant_rate(tmp_path):
    write_trace(record(POINTS + "lr: 0.2\nepochs: 3"), tmp_path)
    doc = json.loads((tmp_path / "trace.json").read_text())
    doc["schema"] = "gdanim.trace/1"
    for run in doc["runs"]:
        del run["settings"]["schedule"]
        for step in run["steps"]:
            del step["lr"]
    (tmp_path / "trace.json").write_text(json.dumps(doc))
    run = read_trace(tmp_path / "trace.json").runs[0]
    assert run.settings.schedule is None and run.step_lr.tolist() == [0.2] * 3


def test_a_trace_of_another_format_says_which_it_needs(tmp_path):
    (tmp_path / "trace.json").write_text('{"schema": "gdanim.trace/9"}')
    with pytest.raises(ValueError, match=r"gdanim.trace/1 or gdanim.trace/2 file is expected, got schema"):
        read_trace(tmp_path / "trace.json")


def test_runs_that_differ_in_schedule_are_named_after_it():
    trace = parse_scenario(LECTURE + "lr: 0.0085\nruns: [{}, {schedule: {type: step, step_size: 10}}, "
                           "{schedule: {type: cosine, t_max: 30}}]", "t.yaml")
    assert [r.name for r in trace.runs] == ["lr-0.0085", "step-10-0.1", "cosine-30"]


def problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(LECTURE + text, "s.yaml")
    return [str(p) for p in info.value.problems]


@pytest.mark.parametrize(("text", "expected"), [
    ("schedule: {type: steps, step_size: 3}", "s.yaml:4: schedule: type: one of 'step', 'exponential', "
     "'cosine', 'linear' is expected, got 'steps'"),
    ("schedule: {type: step}", "s.yaml:4: schedule.step_size: a value is required here"),
    ("schedule: {step_size: 3}", "s.yaml:4: schedule: type: one of 'step', 'exponential', 'cosine', 'linear' "
     "is expected, got none"),
    ("schedule: {type: step, step_size: 0}", "s.yaml:4: schedule.step_size: input should be greater than "
     "or equal to 1, got 0"),
    ("schedule: {type: exponential, gamma: 0}", "s.yaml:4: schedule.gamma: input should be greater than 0"),
    ("schedule: {type: cosine, t_max: 3, gamma: 2}", "s.yaml:4: schedule.gamma: unknown key (known keys: "
     "type, t_max, eta_min)"),
    ("runs: [{schedule: {type: linear, start_factor: 0}}]", "s.yaml:4: runs.0.schedule.start_factor: input "
     "should be greater than 0, got 0"),
    ("runs: [{schedule: {type: linear, end_factor: 1.5}}]", "s.yaml:4: runs.0.schedule.end_factor: input "
     "should be less than or equal to 1, got 1.5"),
])
def test_bad_schedules_name_their_line_and_key(text, expected):
    assert any(m.startswith(expected) for m in problems(text)), problems(text)


def test_an_exercise_on_a_scheduled_run_is_refused():
    msgs = problems("schedule: {type: exponential, gamma: 0.9}\nexercises: [{run: lr-0.001, ask: regime}]")
    assert any("exercises.0.run: a run with a constant learning rate is expected" in m for m in msgs), msgs


@pytest.mark.parametrize(("line", "key"), [
    ("schedule: {type: cyclic, step_size: 3}", "s.yaml:3: schedule: type: one of"),
    ("loss: huber\nhuber_delta: -0.5", "s.yaml:4: huber_delta: input should be greater than 0"),
    ("model: {degree: 12}", "s.yaml:3: model.degree: input should be less than or equal to 10"),
    ("data: {synthetic: {n: 9}, outliers: {x: [1.0, 2.0], y: [.nan, 1.0]}}",
     "s.yaml:3: data.outliers.y.0: a finite number is expected"),
])
def test_bad_new_keys_exit_2_on_the_command_line_and_write_nothing(tmp_path, line, key):
    prefix = "title: bad\nepochs: 2\n" if line.startswith("data:") else "title: bad\ndata: {synthetic: {n: 9}}\n"
    (tmp_path / "s.yaml").write_text(prefix + line + "\n")
    done = subprocess.run([sys.executable, "-m", "gdanim", "record", "s.yaml", "-o", "out"], cwd=tmp_path,
                          capture_output=True, text=True)
    assert done.returncode == 2, done.stderr
    assert key in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()
