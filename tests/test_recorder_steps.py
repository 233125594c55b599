"""The recorder step by step on small data, against loops a student writes by hand:
how the lecture's data is drawn, what stops a run and at which step (a loss equal to
max_loss or an update equal to tol does not), what a diverging run records, the float64
reference path, one thread while recording, and running out of memory.

The data here is dyadic (small integers, rates powers of two): the first steps of gd are
then exact in float32, so their losses and updates are the same bits whatever order a
CPU kernel sums in, and a stop rule can be set to exactly the value a step reaches."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from gdanim import schema
from gdanim.errors import MachineError
from gdanim.recorder import draw_synthetic, record_runs
from gdanim.trace import Settings

X4 = np.array([[0.0], [1.0], [2.0], [3.0]], np.float32)  # x [n, 1]
Y4 = np.array([1.0, 2.0, 4.0, 5.0], np.float32)


def settings(**kw) -> Settings:
    base = dict(name="r", lr=0.0625, epochs=5, init=(0.0, 0.0), loss="mse", optimizer="gd", options={},
                gradient="autograd", delta=0.1, batch_size=None, seed=0, zero_grad=True, tol=None, max_loss=None)
    return Settings(**(base | kw))


def design_of(x: np.ndarray, dtype=torch.float32) -> tuple[torch.Tensor, torch.Tensor]:
    xt = torch.tensor(x, dtype=dtype)
    return torch.cat([torch.ones(len(xt), 1, dtype=dtype), xt], 1), xt


def gd_by_hand(lr: float, epochs: int, loss_fn=F.mse_loss, dtype=torch.float32, x=X4, y=Y4, init=(0.0, 0.0)):
    """w = w - lr * grad, the loss by autograd: params, losses, gradients and updates (-lr * grad)."""
    X, _ = design_of(x, dtype)
    yt = torch.tensor(y, dtype=dtype)
    w = torch.tensor(init, dtype=dtype, requires_grad=True)
    path, losses, grads, updates = [w.detach().clone()], [], [], []
    for _ in range(epochs):
        loss = loss_fn(X @ w, yt)
        loss.backward()
        with torch.no_grad():
            updates.append(-(lr * w.grad))  # what w - lr * grad adds to w
            w -= lr * w.grad
        losses.append(loss.item())
        grads.append(w.grad.clone())
        w.grad = None
        path.append(w.detach().clone())
    return (torch.stack(path).numpy(), np.array(losses), torch.stack(grads).numpy(),
            torch.stack(updates).numpy())


def optim_by_hand(make, epochs: int, dtype=torch.float32, loss_fn=F.mse_loss, x=X4, y=Y4, init=(0.0, 0.0)):
    """zero_grad, backward, step: params, losses and updates (after - before)."""
    X, _ = design_of(x, dtype)
    yt = torch.tensor(y, dtype=dtype)
    w = torch.tensor(init, dtype=dtype, requires_grad=True)
    opt = make([w])
    path, losses, updates = [w.detach().clone()], [], []
    for _ in range(epochs):
        opt.zero_grad()
        loss = loss_fn(X @ w, yt)
        loss.backward()
        opt.step()
        losses.append(loss.item())
        updates.append(w.detach() - path[-1])
        path.append(w.detach().clone())
    return torch.stack(path).numpy(), np.array(losses), torch.stack(updates).numpy()


def sse(yhat, y):
    return torch.sum((y - yhat) ** 2)


# --- drawing the lecture's data -------------------------------------------------------


def test_linspace_data_is_the_line_plus_seeded_noise():
    spec = schema.Synthetic(n=7, seed=11, x="linspace", range=(-1.0, 2.0), params=[0.5, -1.5], noise=0.25)
    x, y = draw_synthetic(spec, 1)
    torch.manual_seed(11)
    hx = torch.linspace(-1.0, 2.0, 7)
    eps = torch.randn(7) * 0.25
    assert x.shape == (7, 1) and x.dtype == np.float32 and y.dtype == np.float32
    np.testing.assert_allclose(x[:, 0], hx.numpy(), rtol=0, atol=1e-7)
    np.testing.assert_allclose(y, (0.5 - 1.5 * hx + eps).numpy(), rtol=1e-6, atol=1e-6)


def test_one_random_feature_is_drawn_sorted_then_the_noise():
    spec = schema.Synthetic(n=9, seed=3, params=[1.0, 2.0], noise=0.5)
    x, y = draw_synthetic(spec, 1)
    torch.manual_seed(3)
    hx, _ = torch.randn(9).sort()
    eps = torch.randn(9) * 0.5
    np.testing.assert_array_equal(x[:, 0], hx.numpy())
    np.testing.assert_allclose(y, (1.0 + 2.0 * hx + eps).numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("weights", [[2.0, -3.0], [2.0, -3.0, 0.5]], ids=["2-features", "3-features"])
def test_several_features_are_drawn_as_one_n_by_k_matrix(weights):
    k = len(weights)
    spec = schema.Synthetic(n=8, seed=5, params=[1.0, *weights], noise=0.1)
    x, y = draw_synthetic(spec, k)
    torch.manual_seed(5)
    hx = torch.randn(8, k)
    eps = torch.randn(8) * 0.1
    assert x.shape == (8, k) and x.dtype == np.float32
    np.testing.assert_array_equal(x, hx.numpy())
    np.testing.assert_allclose(y, (1.0 + hx @ torch.tensor(weights) + eps).numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("degree", [2, 3])
def test_a_polynomial_is_drawn_on_the_powers_of_one_feature(degree):
    params = [1.0, -2.0, 0.5, 0.25][: degree + 1]
    spec = schema.Synthetic(n=10, seed=8, params=params, noise=0.2)
    x, y = draw_synthetic(spec, 1, degree=degree)
    torch.manual_seed(8)
    hx, _ = torch.randn(10).sort()
    eps = torch.randn(10) * 0.2
    assert x.shape == (10, 1) and x.dtype == np.float32 and y.dtype == np.float32
    np.testing.assert_array_equal(x[:, 0], hx.numpy())
    by_hand = sum(w * hx**d for d, w in enumerate(params)) + eps
    np.testing.assert_allclose(y, by_hand.numpy(), rtol=1e-5, atol=1e-5)


# --- what stops a run, and when --------------------------------------------------------


def test_the_first_gd_steps_on_dyadic_data_are_exact():
    """The premise of the boundary tests below: float32 and float64 loops agree bit for bit."""
    for lr in (0.0625, 0.25):
        single, double = gd_by_hand(lr, 2), gd_by_hand(lr, 2, dtype=torch.float64)
        for a, b in zip(single, double):
            assert np.array_equal(a.astype(np.float64), b)


@pytest.mark.parametrize("optimizer", ["gd", "momentum"])
def test_a_loss_equal_to_max_loss_does_not_stop_the_run(optimizer):
    start = gd_by_hand(0.0625, 1)[1][0]  # the loss at init, exact
    run = record_runs(X4, Y4, [settings(optimizer=optimizer, max_loss=float(start))])[0]
    assert run.loss[0] == start
    assert run.status == "max_epochs" and run.steps == 5


def test_a_loss_equal_to_max_loss_does_not_stop_an_adagrad_run():
    start = gd_by_hand(0.0625, 1)[1][0]
    run = record_runs(X4, Y4, [settings(optimizer="adagrad", lr=0.5, max_loss=float(start))])[0]
    _, losses, _ = optim_by_hand(lambda p: torch.optim.Adagrad(p, lr=0.5), 5)
    assert (losses[1:] < start).all()
    assert run.status == "max_epochs" and run.steps == 5


@pytest.mark.parametrize("optimizer", ["gd", "adagrad"])
def test_the_first_loss_above_max_loss_stops_the_run_and_is_kept(optimizer):
    """lr 0.25 on this data diverges: the loss grows from the first step."""
    start = gd_by_hand(0.25, 1)[1][0]
    run = record_runs(X4, Y4, [settings(optimizer=optimizer, lr=0.25 if optimizer == "gd" else 8.0,
                                        max_loss=float(start))])[0]
    assert run.status == "diverged" and run.steps == 2
    assert run.loss[0] == start and run.loss[1] > start


def test_an_update_equal_to_tol_does_not_stop_a_gd_run():
    _, _, _, updates = gd_by_hand(0.0625, 6)
    biggest = np.abs(updates).max(1)
    tol = float(biggest[0])  # the first update's largest component, exact
    first_below = int(np.argmax(biggest < tol))
    assert first_below > 0 and biggest[first_below] < 0.99 * tol
    run = record_runs(X4, Y4, [settings(tol=tol, epochs=6)])[0]
    assert np.abs(run.update[0]).max() == tol
    assert run.status == "converged" and run.steps == first_below + 1


def test_an_update_equal_to_tol_does_not_stop_an_adagrad_run():
    """Adagrad's first update is the same bits in the recorder and by hand: same gradient
    (exact here), same torch.optim.Adagrad."""
    _, _, updates = optim_by_hand(lambda p: torch.optim.Adagrad(p, lr=0.5), 6)
    biggest = np.abs(updates).max(1)
    tol = float(biggest[0])
    first_below = int(np.argmax(biggest < tol))
    assert first_below > 0 and biggest[first_below] < 0.99 * tol
    run = record_runs(X4, Y4, [settings(optimizer="adagrad", lr=0.5, tol=tol, epochs=6)])[0]
    assert np.abs(run.update[0]).max() == tol
    assert run.status == "converged" and run.steps == first_below + 1


def test_runs_of_one_batch_stop_each_by_its_own_rule():
    """Three gd runs recorded together: one reaches tol, one passes max_loss, one runs out
    of epochs; each records what a loop of its own does up to where it stopped."""
    runs = [settings(lr=0.0625, epochs=200, tol=1e-2), settings(lr=0.25, epochs=200, max_loss=100.0),
            settings(lr=0.0625, epochs=7)]
    calm, wild, short = record_runs(X4, Y4, runs)
    path, _, _, updates = gd_by_hand(0.0625, 200)
    expected = int(np.argmax(np.abs(updates).max(1) < 1e-2)) + 1
    assert 7 < expected < 200
    assert calm.status == "converged" and calm.steps == expected
    np.testing.assert_allclose(calm.path, path[: expected + 1], rtol=1e-5, atol=1e-6)
    wpath, wloss, _, _ = gd_by_hand(0.25, 200)
    expected = int(np.argmax(wloss > 100.0)) + 1
    assert wild.status == "diverged" and wild.steps == expected
    np.testing.assert_allclose(wild.path, wpath[: expected + 1], rtol=1e-5)
    assert short.status == "max_epochs" and short.steps == 7
    np.testing.assert_allclose(short.path, path[:8], rtol=1e-5, atol=1e-6)
    assert list(short.epoch) == list(range(7))


def test_a_step_that_overflows_the_params_records_inf_then_stops():
    """lr 1e38: the first update overflows float32, the next loss is inf, its gradient inf
    (all x > 0), and the step after it inf - inf = nan; the run stops there, diverged."""
    x = np.array([[1.0], [2.0]], np.float32)
    y = np.array([1.0, 3.0], np.float32)
    run = record_runs(x, y, [settings(loss="sse", lr=1e38, epochs=5)])[0]
    path, losses, grads, updates = gd_by_hand(1e38, 2, loss_fn=sse, x=x, y=y)
    assert run.status == "diverged" and run.steps == 2
    assert np.isinf(run.path[1]).all() and np.isinf(run.grad[1]).all() and np.isnan(run.path[2]).all()
    np.testing.assert_array_equal(run.path, path)
    np.testing.assert_array_equal(run.loss, losses.astype(np.float32))
    np.testing.assert_array_equal(run.grad, grads)
    np.testing.assert_array_equal(run.update, updates)


def test_an_adagrad_run_that_overflows_stops_at_its_first_infinite_loss():
    x = np.array([[1.0], [2.0]], np.float32)
    y = np.array([1.0, 3.0], np.float32)
    run = record_runs(x, y, [settings(optimizer="adagrad", loss="sse", lr=3e38, epochs=5)])[0]
    path, losses, _ = optim_by_hand(lambda p: torch.optim.Adagrad(p, lr=3e38), 2, loss_fn=sse, x=x, y=y)
    assert run.status == "diverged" and run.steps == 2
    assert np.isfinite(run.loss[0]) and np.isinf(run.loss[1])
    np.testing.assert_array_equal(run.path, path)


# --- batching -----------------------------------------------------------------------------


@pytest.mark.parametrize("optimizer", ["gd", "adam"])
def test_a_batch_of_every_point_is_the_full_batch_unshuffled(optimizer):
    """batch_size n takes the points in their order, once an epoch, as no batch_size does."""
    x = np.linspace(-1.3, 2.9, 24, dtype=np.float32)[:, None] ** 3
    y = (1.0 + 0.37 * x[:, 0] + np.sin(np.arange(24))).astype(np.float32)
    full, whole = record_runs(x, y, [settings(optimizer=optimizer, lr=0.01, epochs=12),
                                     settings(optimizer=optimizer, lr=0.01, epochs=12, batch_size=24, seed=4)])
    assert whole.steps == 12
    assert np.array_equal(whole.path, full.path) and np.array_equal(whole.loss, full.loss)


# --- the float64 reference path --------------------------------------------------------


def test_the_float64_path_is_the_same_loops_on_doubles():
    x = np.array([[0.1], [0.7], [1.3], [2.2], [3.1]])
    y = np.array([0.3, 1.1, 2.9, 4.2, 6.7])
    gd, adam = record_runs(x, y, [settings(lr=0.05, epochs=8, init=(0.3, -0.2)),
                                  settings(optimizer="adam", lr=0.05, epochs=8, init=(0.3, -0.2))], "float64")
    path, losses, grads, updates = gd_by_hand(0.05, 8, dtype=torch.float64, x=x, y=y, init=(0.3, -0.2))
    assert gd.path.dtype == np.float64 and gd.loss.dtype == np.float64 and gd.grad.dtype == np.float64
    for recorded, by_hand in zip((gd.path, gd.loss, gd.grad, gd.update), (path, losses, grads, updates)):
        np.testing.assert_allclose(recorded, by_hand, rtol=1e-13, atol=1e-15)
    apath, alosses, aupdates = optim_by_hand(lambda p: torch.optim.Adam(p, lr=0.05), 8, dtype=torch.float64,
                                             x=x, y=y, init=(0.3, -0.2))
    assert adam.path.dtype == np.float64 and adam.loss.dtype == np.float64
    for recorded, by_hand in zip((adam.path, adam.loss, adam.update), (apath, alosses, aupdates)):
        np.testing.assert_allclose(recorded, by_hand, rtol=1e-13, atol=1e-15)
    final = float(torch.mean((torch.tensor(y) - design_of(x, torch.float64)[0] @ torch.tensor(path[-1])) ** 2))
    assert gd.final_loss == pytest.approx(final, rel=1e-13)
    opts = {"momentum": 0.8, "dampening": 0.3, "weight_decay": 0.1}  # none of them a float32
    momentum = record_runs(x, y, [settings(optimizer="momentum", options=opts, lr=0.05, epochs=8,
                                           init=(0.3, -0.2))], "float64")[0]
    mpath, _, mupdates = optim_by_hand(lambda p: torch.optim.SGD(p, lr=0.05, **opts), 8, dtype=torch.float64,
                                       x=x, y=y, init=(0.3, -0.2))
    np.testing.assert_allclose(momentum.path, mpath, rtol=1e-13, atol=1e-15)


def test_doubles_given_are_recorded_in_float32_by_default():
    x = np.array([[0.1], [0.7], [1.3], [2.2], [3.1]])
    y = np.array([0.3, 1.1, 2.9, 4.2, 6.7])
    gd, adam = record_runs(x, y, [settings(lr=0.05, epochs=4), settings(optimizer="adam", lr=0.05, epochs=4)])
    for run in (gd, adam):
        assert run.path.dtype == np.float32 and run.loss.dtype == np.float32 and run.update.dtype == np.float32
    path, losses, _, _ = gd_by_hand(0.05, 4, x=x.astype(np.float32), y=y.astype(np.float32))
    np.testing.assert_allclose(gd.path, path, rtol=1e-6, atol=1e-7)


# --- the final loss and the rate of each step ------------------------------------------


@pytest.mark.parametrize(("loss", "torch_loss"), [
    ("sse", sse),
    ("mae", F.l1_loss),
    ("huber", lambda yhat, y: F.huber_loss(yhat, y, delta=0.3)),
])
@pytest.mark.parametrize("optimizer", ["gd", "adam"])
def test_the_final_loss_is_the_full_batch_loss_at_the_last_params(loss, torch_loss, optimizer):
    """After mini-batches too: the loss of every point at the params the run ended on."""
    run = record_runs(X4, Y4, [settings(loss=loss, huber_delta=0.3, optimizer=optimizer, lr=0.03, epochs=3,
                                        batch_size=3, seed=2)])[0]
    X, _ = design_of(X4)
    expected = float(torch_loss(X @ torch.tensor(run.path[-1]), torch.tensor(Y4)))
    assert run.final_loss == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("optimizer", ["gd", "adagrad"])
def test_each_step_records_the_rate_it_took(optimizer):
    s = settings(optimizer=optimizer, lr=0.1, epochs=4, batch_size=2, seed=1,
                 schedule={"type": "exponential", "gamma": 0.5})
    run = record_runs(X4, Y4, [s])[0]
    assert run.lr.tolist() == [0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.0125, 0.0125]
    assert run.epoch.tolist() == [0, 0, 1, 1, 2, 2, 3, 3]


# --- recording on one thread, and running out of memory ----------------------------------


def test_recording_uses_one_thread_and_gives_the_count_back(monkeypatch):
    import gdanim.recorder as recorder

    seen = []
    real = recorder._record_runs
    monkeypatch.setattr(recorder, "_record_runs", lambda *a: seen.append(torch.get_num_threads()) or real(*a))
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        record_runs(X4, Y4, [settings()])
        assert seen == [1] and torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


@pytest.mark.parametrize("error", [MemoryError(), RuntimeError("DefaultCPUAllocator: can't allocate memory")])
def test_running_out_of_memory_is_a_machine_error_that_says_what_to_cut(monkeypatch, error):
    import gdanim.recorder as recorder

    def fail(*_):
        raise error

    monkeypatch.setattr(recorder, "_record_runs", fail)
    before = torch.get_num_threads()
    with pytest.raises(MachineError) as info:
        record_runs(X4, Y4, [settings(), settings()])
    assert str(info.value) == "recording ran out of memory (2 run(s) on 4 points; fewer runs, epochs or points)"
    assert info.value.__cause__ is None and info.value.__suppress_context__
    assert torch.get_num_threads() == before


def test_another_runtime_error_is_not_taken_for_memory(monkeypatch):
    import gdanim.recorder as recorder

    def fail(*_):
        raise RuntimeError("mat1 and mat2 shapes cannot be multiplied")

    monkeypatch.setattr(recorder, "_record_runs", fail)
    with pytest.raises(RuntimeError, match="shapes cannot be multiplied"):
        record_runs(X4, Y4, [settings()])


# --- torch.optim classes for every loss and gradient method ----------------------------

LOSSES = {
    "sse": (sse, lambda e, X: 2.0 * e @ X),
    "mae": (F.l1_loss, lambda e, X: torch.sign(e) @ X / len(e)),
    "huber": (lambda yhat, y: F.huber_loss(yhat, y, delta=0.3), lambda e, X: e.clamp(-0.3, 0.3) @ X / len(e)),
}


def gradient_by_hand(method: str, loss: str, w: torch.Tensor, X: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    loss_fn, chain_rule = LOSSES[loss]
    if method == "autograd":
        wg = w.detach().clone().requires_grad_(True)
        loss_fn(X @ wg, y).backward()
        return wg.grad
    if method == "analytic":
        return chain_rule(X @ w - y, X)  # e = yhat - y
    grad = torch.empty_like(w)
    for i in range(len(w)):  # central differences, step 0.25
        step = torch.zeros_like(w)
        step[i] = 0.25
        grad[i] = (loss_fn(X @ (w + step), y) - loss_fn(X @ (w - step), y)) / 0.5
    return grad


@pytest.mark.parametrize("method", ["autograd", "analytic", "numerical"])
@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_adam_follows_a_hand_loop_for_every_loss_and_gradient_method(loss, method):
    x = np.array([[0.1], [0.7], [1.3], [2.2], [3.1]], np.float32)
    y = np.array([0.3, 1.1, 2.9, 4.2, 6.7], np.float32)
    run = record_runs(x, y, [settings(optimizer="adam", loss=loss, huber_delta=0.3, gradient=method, delta=0.25,
                                      lr=0.1, epochs=6, init=(0.5, -0.25))])[0]
    X, _ = design_of(x)
    yt = torch.tensor(y)
    w = torch.tensor([0.5, -0.25], requires_grad=True)
    opt = torch.optim.Adam([w], lr=0.1)
    path, losses, grads = [w.detach().clone()], [], []
    for _ in range(6):
        with torch.no_grad():
            losses.append(float(LOSSES[loss][0](X @ w, yt)))
        w.grad = gradient_by_hand(method, loss, w.detach(), X, yt)
        grads.append(w.grad.clone())
        opt.step()
        path.append(w.detach().clone())
    assert run.status == "max_epochs" and run.steps == 6
    np.testing.assert_allclose(run.loss, losses, rtol=1e-5)
    np.testing.assert_allclose(run.grad, torch.stack(grads).numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(run.path, torch.stack(path).numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("optimizer", ["adagrad", "momentum"])
def test_a_schedule_sets_the_rate_of_each_epoch_as_torchs_scheduler(optimizer):
    make = {"adagrad": lambda p: torch.optim.Adagrad(p, lr=0.4),
            "momentum": lambda p: torch.optim.SGD(p, lr=0.04, momentum=0.9)}[optimizer]
    lr = 0.4 if optimizer == "adagrad" else 0.04
    run = record_runs(X4, Y4, [settings(optimizer=optimizer, lr=lr, epochs=6,
                                        schedule={"type": "exponential", "gamma": 0.5})])[0]
    X, _ = design_of(X4)
    w = torch.tensor([0.0, 0.0], requires_grad=True)
    opt = make([w])
    scheduler = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
    path = [w.detach().clone()]
    for _ in range(6):
        opt.zero_grad()
        F.mse_loss(X @ w, torch.tensor(Y4)).backward()
        opt.step()
        scheduler.step()
        path.append(w.detach().clone())
    np.testing.assert_allclose(run.path, torch.stack(path).numpy(), rtol=1e-5, atol=1e-6)


# --- sgd's options, and gradients piling up in a batch of runs ---------------------------


@pytest.mark.parametrize("options", [
    {"dampening": 0.5},  # without momentum torch.optim.SGD keeps no buffer: dampening does nothing
    {"momentum": 0.9, "nesterov": True},
    {"momentum": 0.5, "dampening": 0.25, "weight_decay": 0.125},
], ids=["dampening-alone", "nesterov", "all"])
def test_sgd_takes_its_options_as_torch_optim_sgd(options):
    run = record_runs(X4, Y4, [settings(optimizer="sgd", options=options, lr=0.05, epochs=8)])[0]
    path, _, _ = optim_by_hand(lambda p: torch.optim.SGD(p, lr=0.05, **options), 8)
    np.testing.assert_allclose(run.path, path, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("optimizer", ["momentum", "nesterov"])
def test_momentum_and_nesterov_default_to_a_momentum_of_0_9(optimizer):
    run = record_runs(X4, Y4, [settings(optimizer=optimizer, options={}, lr=0.05, epochs=8)])[0]
    nesterov = optimizer == "nesterov"
    path, _, _ = optim_by_hand(lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=nesterov), 8)
    np.testing.assert_allclose(run.path, path, rtol=1e-5, atol=1e-6)


def test_forgotten_zero_grad_piles_up_each_runs_own_gradients_in_a_batch():
    rates = (0.01, 0.02, 0.005)
    runs = record_runs(X4, Y4, [settings(lr=lr, epochs=6, zero_grad=False) for lr in rates])
    X, _ = design_of(X4)
    for run, lr in zip(runs, rates):
        w = torch.tensor([0.0, 0.0], requires_grad=True)
        opt = torch.optim.SGD([w], lr=lr)
        path = [w.detach().clone()]
        for _ in range(6):  # no opt.zero_grad(): backward adds to w.grad
            F.mse_loss(X @ w, torch.tensor(Y4)).backward()
            opt.step()
            path.append(w.detach().clone())
        np.testing.assert_allclose(run.path, torch.stack(path).numpy(), rtol=1e-5, atol=1e-6)


def test_max_loss_is_compared_in_float64_on_the_float64_path():
    """Four points y = 1 + 2**-26 from init 0: the first loss, 4 + 2**-23 + 2**-50, is exact
    in float64 and rounds down to 4 in float32. As max_loss it must not stop the run."""
    x = X4.astype(np.float64)
    y = np.full(4, 1.0 + 2.0**-26)
    start = 4.0 + 2.0**-23 + 2.0**-50
    assert float(np.float32(start)) < start
    gd, adagrad = record_runs(x, y, [settings(loss="sse", lr=0.01, max_loss=start),
                                     settings(optimizer="adagrad", loss="sse", lr=0.1, max_loss=start)], "float64")
    for run in (gd, adagrad):
        assert run.loss[0] == start
        assert run.status == "max_epochs" and run.steps == 5
