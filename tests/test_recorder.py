"""The recorder against plain, hand-written PyTorch loops, as a student would write them."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import gdanim
from gdanim import parse_scenario
from gdanim.rounding import excess

LECTURE = """
data: {synthetic: {n: 100, seed: 43052, x: randn, params: [2.5, 4.0], noise: 0.5}}
init: [-5.0, 10.0]
"""


def lecture_data() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The lecture's data, generated exactly as in the notes (x, eps, then y)."""
    torch.manual_seed(43052)
    x, _ = torch.randn(100).sort()
    eps = torch.randn(100) * 0.5
    X = torch.stack([torch.ones(100), x], axis=1)
    y = X @ torch.tensor([2.5, 4.0]) + eps
    return x, X, y


def record(text: str) -> gdanim.Trace:
    return gdanim.record(parse_scenario(text, "t.yaml"))


def lecture_loop(lr: float, epochs: int, mean: bool = False, dtype: torch.dtype = torch.float32):
    """The lecture's loop: What.data = What.data - alpha * What.grad (dtype float64: the
    same loop on doubles, from the same float32 data)."""
    _, X, y = (t.to(dtype) for t in lecture_data())
    What = torch.tensor([-5.0, 10.0], requires_grad=True, dtype=dtype)
    params, losses, grads = [], [], []
    for _ in range(epochs):
        yhat = X @ What
        loss = torch.mean((y - yhat) ** 2) if mean else torch.sum((y - yhat) ** 2)
        loss.backward()
        params.append(What.data.clone())
        losses.append(loss.item())
        grads.append(What.grad.clone())
        What.data = What.data - lr * What.grad
        What.grad = None
    params.append(What.data.clone())
    return torch.stack(params).numpy(), np.array(losses, What.numpy(force=True).dtype), torch.stack(grads).numpy()


def optim_loop(make_opt, epochs: int, mean: bool = True, zero_grad: bool = True):
    """The torch.optim pattern: zero_grad, backward, step."""
    _, X, y = lecture_data()
    What = torch.tensor([-5.0, 10.0], requires_grad=True)
    opt = make_opt([What])
    params = [What.data.clone()]
    for _ in range(epochs):
        if zero_grad:
            opt.zero_grad()
        loss = torch.nn.functional.mse_loss(X @ What, y) if mean else torch.sum((y - X @ What) ** 2)
        loss.backward()
        opt.step()
        params.append(What.data.clone())
    return torch.stack(params).numpy()


def test_the_lecture_data_is_drawn_exactly_as_in_the_notes():
    trace = record(LECTURE + "epochs: 1")
    x, _, y = lecture_data()
    assert np.array_equal(trace.dataset.x[:, 0], x.numpy())
    assert np.array_equal(trace.dataset.y, y.numpy())


def test_plain_gd_on_sse_equals_the_lecture_loop_within_float32_rounding():
    """The recorder multiplies the params of its runs at once (W @ X.T), the loop one run's
    (X @ w): MKL may order the two products' sums differently on one CPU and alike on
    another, so each is held to being as close to the loop on doubles as the other is."""
    trace = record(LECTURE + "loss: sse\nruns: [{lr: 0.001}, {lr: 0.0083}]\nepochs: 30")
    for run, lr in zip(trace.runs, (0.001, 0.0083)):
        loop, exact = lecture_loop(lr, 30), lecture_loop(lr, 30, dtype=torch.float64)
        for recorded, by_hand, on_doubles in zip((run.path, run.loss, run.grad), loop, exact):
            assert excess(recorded, by_hand, on_doubles, unit=1e-30) <= 1
            assert excess(by_hand, recorded, on_doubles, unit=1e-30) <= 1


def test_the_first_steps_reproduce_the_printed_numbers_of_the_lecture():
    run = record(LECTURE + "loss: sse\nlr: 0.001\nepochs: 30").runs[0]
    assert run.loss[0] == pytest.approx(8587.6875)
    assert run.grad[0] == pytest.approx([-1342.2524, 1188.9305], abs=1e-3)
    assert run.update[0] == pytest.approx([1.3423, -1.1889], abs=1e-4)
    assert run.path[1] == pytest.approx([-3.6577, 8.8111], abs=1e-4)
    assert run.path[-1] == pytest.approx([2.4290, 4.0144], abs=1e-4)
    assert run.loss[29] == pytest.approx(26.41, abs=0.005)


def test_the_update_is_the_applied_change_and_params_follow_it():
    run = record(LECTURE + "loss: sse\nlr: 0.001\nepochs: 10").runs[0]
    assert np.array_equal(run.path[:-1] + run.update, run.path[1:])
    assert np.array_equal(run.update, -(np.float32(0.001) * run.grad))


def test_mse_gd_equals_torch_optim_sgd():
    run = record(LECTURE + "loss: mse\nlr: 0.1\nepochs: 40").runs[0]
    ref = optim_loop(lambda p: torch.optim.SGD(p, lr=0.1), 40)
    np.testing.assert_allclose(run.path, ref, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("loss", ["sse", "mse"])
def test_momentum_equals_torch_optim_sgd_with_momentum(loss):
    lr = 0.0005 if loss == "sse" else 0.05
    run = record(LECTURE + f"loss: {loss}\noptimizer: momentum\nlr: {lr}\nepochs: 50").runs[0]
    ref = optim_loop(lambda p: torch.optim.SGD(p, lr=lr, momentum=0.9), 50, mean=loss == "mse")
    np.testing.assert_allclose(run.path, ref, rtol=1e-5, atol=1e-5)


def test_nesterov_equals_torch_optim_sgd_with_nesterov():
    run = record(LECTURE + "loss: mse\noptimizer: nesterov\nlr: 0.05\nmomentum: 0.8\nepochs: 50").runs[0]
    ref = optim_loop(lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.8, nesterov=True), 50)
    np.testing.assert_allclose(run.path, ref, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("adam", lambda p: torch.optim.Adam(p, lr=0.5)),
        ("rmsprop", lambda p: torch.optim.RMSprop(p, lr=0.5)),
        ("adagrad", lambda p: torch.optim.Adagrad(p, lr=0.5)),
    ],
)
def test_torch_optim_classes_follow_a_hand_written_loop(name, make):
    run = record(LECTURE + f"loss: mse\noptimizer: {name}\nlr: 0.5\nepochs: 40").runs[0]
    np.testing.assert_allclose(run.path, optim_loop(make, 40), rtol=1e-6, atol=1e-6)


def test_adam_passes_its_options_through():
    run = record(LECTURE + "loss: sse\noptimizer: adam\nlr: 0.3\nbetas: [0.8, 0.99]\nepochs: 20").runs[0]
    ref = optim_loop(lambda p: torch.optim.Adam(p, lr=0.3, betas=(0.8, 0.99)), 20, mean=False)
    np.testing.assert_allclose(run.path, ref, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("loss", ["sse", "mse"])
def test_autograd_analytic_and_numerical_gradients_agree(loss):
    lr = 0.001 if loss == "sse" else 0.1
    runs = "[{gradient: autograd}, {gradient: analytic}, {gradient: numerical, delta: 0.1}]"
    text = LECTURE + f"loss: {loss}\nlr: {lr}\nepochs: 30\nruns: {runs}"
    auto, analytic, numerical = record(text).runs
    np.testing.assert_allclose(analytic.grad, auto.grad, rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(numerical.grad, auto.grad, rtol=1e-3, atol=2e-2)
    np.testing.assert_allclose(numerical.path, auto.path, rtol=1e-4, atol=1e-4)


def test_the_analytic_gradient_is_the_chain_rule_by_hand():
    run = record(LECTURE + "loss: mse\nlr: 0.1\nepochs: 1\ngradient: analytic").runs[0]
    _, X, y = lecture_data()
    w = torch.tensor([-5.0, 10.0])
    by_hand = (-2 * X.T @ (y - X @ w) / 100).numpy()
    np.testing.assert_allclose(run.grad[0], by_hand, rtol=1e-5)
    assert run.grad[0] == pytest.approx([-13.4225, 11.8893], abs=1e-3)  # notes 004


def test_batched_runs_equal_each_run_recorded_alone():
    rates = [0.0001, 0.001, 0.005, 0.0083, 0.0085, 0.01]
    runs = ", ".join(f"{{lr: {lr}}}" for lr in rates)
    together = record(LECTURE + f"loss: sse\nepochs: 60\nruns: [{runs}]").runs
    for lr, run in zip(rates, together):
        alone = record(LECTURE + f"loss: sse\nepochs: 60\nlr: {lr}").runs[0]
        # Matrix products of different shapes may round differently in the last bit.
        np.testing.assert_allclose(run.path, alone.path, rtol=1e-5, atol=1e-5)
        assert run.status == alone.status


def test_a_sweep_records_one_run_per_value_in_one_batch():
    trace = record(LECTURE + "loss: sse\nepochs: 20\nsweep: {lr: {from: 1.0e-4, to: 1.0e-2, num: 7}}")
    assert [r.settings.lr for r in trace.runs] == pytest.approx(np.geomspace(1e-4, 1e-2, 7))
    params, _, _ = lecture_loop(trace.runs[3].settings.lr, 20)
    np.testing.assert_allclose(trace.runs[3].path, params, rtol=1e-5)


def test_a_run_diverges_at_the_first_non_finite_loss_and_keeps_that_step():
    trace = gdanim.record("scenarios/thermometer.yaml")
    raw = trace.run("raw-lr-1e-2")
    assert raw.status == "diverged"
    assert raw.steps == 11  # the notes print inf first at epoch 11
    assert np.isfinite(raw.loss[:-1]).all() and not np.isfinite(raw.loss[-1])


def test_max_loss_stops_a_run_early():
    run = record(LECTURE + "loss: sse\nlr: 0.01\nepochs: 100\nstop: {max_loss: 1.0e+6}").runs[0]
    assert run.status == "diverged"
    assert run.loss[-1] > 1e6 and (run.loss[:-1] <= 1e6).all()


def test_tol_stops_a_converged_run():
    run = record(LECTURE + "loss: mse\nlr: 0.1\nepochs: 5000\nstop: {tol: 1.0e-5}").runs[0]
    assert run.status == "converged"
    assert run.steps < 5000
    assert np.abs(run.update[-1]).max() < 1e-5 <= np.abs(run.update[-2]).max()


def test_the_thermometer_converges_to_the_books_numbers_after_scaling_x():
    trace = gdanim.record("scenarios/thermometer.yaml")
    scaled = trace.run("scaled-lr-1e-2")
    b, w = scaled.final_params
    assert (w, b) == pytest.approx((5.3671, -17.3012), abs=2e-4)
    crawl = trace.run("raw-lr-1e-4")
    assert crawl.final_params == pytest.approx([-0.0438, 0.2327], abs=1e-4)


def test_three_points_reach_w_1_5_and_b_0():
    trace = gdanim.record("scenarios/three_points.yaml")
    b, w = trace.run("fixed-3000-epochs").final_params
    assert (w, b) == pytest.approx((1.5, 0.0), abs=1e-3)
    assert trace.run("until-still").status == "converged"


def test_forgetting_zero_grad_accumulates_gradients_like_the_homework():
    trace = record(LECTURE + "loss: mse\noptimizer: sgd\nlr: 0.01\nepochs: 30\nzero_grad: false")
    ref = optim_loop(lambda p: torch.optim.SGD(p, lr=0.01), 30, zero_grad=False)
    np.testing.assert_allclose(trace.runs[0].path, ref, rtol=1e-5, atol=1e-5)


def test_forgetting_zero_grad_with_adam_matches_the_hand_loop():
    trace = record(LECTURE + "loss: mse\noptimizer: adam\nlr: 0.1\nepochs: 20\nzero_grad: false")
    ref = optim_loop(lambda p: torch.optim.Adam(p, lr=0.1), 20, zero_grad=False)
    np.testing.assert_allclose(trace.runs[0].path, ref, rtol=1e-5, atol=1e-5)


def test_mini_batches_follow_a_seeded_shuffle_per_epoch():
    trace = record(LECTURE + "loss: mse\noptimizer: sgd\nlr: 0.05\nepochs: 3\nbatch_size: 30\nseed: 5")
    run = trace.runs[0]
    assert run.steps == 3 * 4  # 100 points in batches of 30: 4 steps an epoch
    assert list(run.epoch) == [0] * 4 + [1] * 4 + [2] * 4
    _, X, y = lecture_data()
    W = torch.tensor([-5.0, 10.0], requires_grad=True)
    opt = torch.optim.SGD([W], lr=0.05)
    gen = torch.Generator().manual_seed(5)
    path = [W.data.clone()]
    for _ in range(3):
        perm = torch.randperm(100, generator=gen)
        for start in range(0, 100, 30):
            idx = perm[start : start + 30]
            opt.zero_grad()
            torch.nn.functional.mse_loss(X[idx] @ W, y[idx]).backward()
            opt.step()
            path.append(W.data.clone())
    np.testing.assert_allclose(run.path, torch.stack(path).numpy(), rtol=1e-5, atol=1e-6)


def test_nn_linear_with_mse_loss_gives_the_same_run():
    run = record(LECTURE + "loss: mse\noptimizer: sgd\nlr: 0.1\nepochs: 25").runs[0]
    x, _, y = lecture_data()
    net = torch.nn.Linear(1, 1)
    net.weight.data = torch.tensor([[10.0]])
    net.bias.data = torch.tensor([-5.0])
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    for _ in range(25):
        opt.zero_grad()
        torch.nn.MSELoss()(net(x.reshape(-1, 1)), y.reshape(-1, 1)).backward()
        opt.step()
    final = [net.bias.item(), net.weight.item()]
    np.testing.assert_allclose(run.final_params, final, rtol=1e-5)


def test_several_features_train_every_weight():
    trace = gdanim.record("scenarios/multivariate.yaml")
    std, raw = trace.run("standardized-lr-0.1"), trace.run("raw-lr-1e-5")
    assert std.path.shape == (1001, 4)
    assert np.abs(std.path[-1] - std.path[0]).min() > 0.1  # every weight moved
    best = trace.analysis_of(std).spectra["mse"].ols_loss
    assert std.final_loss == pytest.approx(best, rel=0.05)
    assert raw.final_loss > std.final_loss
    cond = {r.name: trace.analysis_of(r).spectra["mse"].condition_number for r in trace.runs}
    assert cond["raw-lr-1e-5"] > 1000 * cond["standardized-lr-0.1"]


def test_weight_decay_is_added_to_the_gradient_as_torch_does():
    run = record(LECTURE + "loss: mse\noptimizer: sgd\nlr: 0.1\nweight_decay: 0.5\nepochs: 20").runs[0]
    ref = optim_loop(lambda p: torch.optim.SGD(p, lr=0.1, weight_decay=0.5), 20)
    np.testing.assert_allclose(run.path, ref, rtol=1e-5, atol=1e-6)


def test_the_recorder_implements_exactly_the_optimizers_the_schema_names():
    from gdanim import schema
    from gdanim.recorder import OPTIMIZERS

    assert set(OPTIMIZERS) == set(schema.OPTIMIZERS)
    assert set(schema.OPTIMIZER_OPTIONS) == set(schema.OPTIMIZERS)
