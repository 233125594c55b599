"""Robust losses (SAE, MAE, Huber) against torch.nn.functional.l1_loss / huber_loss on
hand-written loops; the three gradients and the subgradient at zero; the robust
minimizers; outliers added to the data; the true level sets on the contour grid."""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from loop_support import OPTIMIZERS as LOOP_OPTIMIZERS
from loop_support import hand_loop as loop

import gdanim
from gdanim import parse_scenario
from gdanim.analysis import design, loss_values, robust_fit
from gdanim.errors import ScenarioError
from gdanim.scene.surface import loss_grid
from gdanim.trace import read_trace, write_trace

SEED, N = 7, 24
XS = [round(v, 3) for v in np.linspace(-1.5, 2.0, N).tolist()]
YS = [round(1.0 + 2.0 * x + 0.3 * math.sin(i), 3) for i, x in enumerate(XS)]
OUT = "outliers: {x: [1.8, -1.2], y: [-6.0, 7.0]}"
POINTS = f"data: {{points: {{x: {XS}, y: {YS}}}, {OUT}}}\ninit: [-2.0, 3.0]\n"
LOSSES = {  # name in the scenario -> (extra keys, the torch loss a student writes)
    "sae": ("", lambda yhat, y: F.l1_loss(yhat, y, reduction="sum")),
    "mae": ("", lambda yhat, y: F.l1_loss(yhat, y)),
    "huber": ("", lambda yhat, y: F.huber_loss(yhat, y)),
    "huber-0.3": ("huber_delta: 0.3\n", lambda yhat, y: F.huber_loss(yhat, y, delta=0.3)),
    "huber-2.5": ("huber_delta: 2.5\n", lambda yhat, y: F.huber_loss(yhat, y, delta=2.5)),
}
OPTIMIZERS = {k: LOOP_OPTIMIZERS[k] for k in ("gd", "momentum", "adam")}


def record(text: str) -> gdanim.Trace:
    return gdanim.record(parse_scenario(text, "t.yaml"))


def data() -> tuple[torch.Tensor, torch.Tensor]:
    trace = record(POINTS + "epochs: 1")
    x = torch.from_numpy(trace.dataset.x[:, 0].copy())
    return torch.stack([torch.ones(len(x)), x], axis=1), torch.from_numpy(trace.dataset.y.copy())


def hand_loop(loss_fn, make, lr: float, epochs: int, batch_size: int | None = None) -> np.ndarray:
    X, y = data()
    return loop(X, y, [-2.0, 3.0], make, lr, epochs, loss_fn=loss_fn, batch_size=batch_size, seed=SEED)[0]


def loss_of(key: str) -> str:
    return key.split("-")[0]


@pytest.mark.parametrize("batch_size", [None, 5], ids=["full-batch", "mini-batch"])
@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
@pytest.mark.parametrize("key", sorted(LOSSES))
def test_every_robust_loss_follows_torchs_functional_loss(key, optimizer, batch_size):
    extra, loss_fn = LOSSES[key]
    lr = 0.02 if key == "sae" else 0.2
    batching = f"batch_size: {batch_size}\nseed: {SEED}\n" if batch_size else ""
    run = record(POINTS + f"loss: {loss_of(key)}\n{extra}optimizer: {optimizer}\nlr: {lr}\nepochs: 15\n"
                 + batching).runs[0]
    ref = hand_loop(loss_fn, OPTIMIZERS[optimizer], lr, 15, batch_size)
    assert run.path.shape == ref.shape
    np.testing.assert_allclose(run.path, ref, rtol=1e-5, atol=1e-5)
    assert run.regime is None and run.contraction is None


@pytest.mark.parametrize("key", sorted(LOSSES))
def test_the_recorded_loss_is_torchs(key):
    extra, loss_fn = LOSSES[key]
    run = record(POINTS + f"loss: {loss_of(key)}\n{extra}lr: 0.01\nepochs: 3\n").runs[0]
    X, y = data()
    for w, loss in zip(run.path[:-1], run.loss):
        assert loss == pytest.approx(float(loss_fn(X @ torch.from_numpy(w.copy()), y)), rel=1e-6)


@pytest.mark.parametrize("key", sorted(LOSSES))
def test_autograd_analytic_and_numerical_gradients_agree(key):
    extra = LOSSES[key][0]
    runs = "[{gradient: autograd}, {gradient: analytic}, {gradient: numerical, delta: 0.001}]"
    auto, analytic, numerical = record(POINTS + f"loss: {loss_of(key)}\n{extra}lr: 0.01\nepochs: 20\n"
                                       f"runs: {runs}").runs
    np.testing.assert_allclose(analytic.grad, auto.grad, rtol=1e-5, atol=1e-5)
    # float32 central differences, and a step that straddles a kink where an error changes
    # sign, miss by more now and then: most steps agree
    close = np.isclose(numerical.grad, auto.grad, rtol=2e-2, atol=2e-2).all(axis=1)
    assert close.mean() >= 0.75
    np.testing.assert_allclose(analytic.path, auto.path, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("loss", ["sae", "mae"])
def test_at_a_zero_error_the_subgradient_is_torchs_zero(loss):
    # the line y = 1 + 2x through the start passes exactly through (0, 1) and (1, 3)
    text = ("data: {points: {x: [0.0, 1.0, 2.0, 3.0], y: [1.0, 3.0, 4.0, 9.0]}}\ninit: [1.0, 2.0]\n"
            f"loss: {loss}\nlr: 0.1\nepochs: 1\nruns: [{{gradient: autograd}}, {{gradient: analytic}}]")
    auto, analytic = record(text).runs
    W = torch.tensor([1.0, 2.0], requires_grad=True)
    X = torch.tensor([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0], [1.0, 3.0]])
    F.l1_loss(X @ W, torch.tensor([1.0, 3.0, 4.0, 9.0]), reduction="sum" if loss == "sae" else "mean").backward()
    assert auto.grad[0].tolist() == W.grad.tolist()
    assert analytic.grad[0].tolist() == W.grad.tolist()
    # errors 0, 0, +1, -2: signs 0, 0, 1, -1 sum to 0 for w0 and to 2 - 3 = -1 for w1
    assert W.grad.tolist() == ([0.0, -1.0] if loss == "sae" else [0.0, -0.25])


def test_the_huber_delta_changes_the_loss_as_torchs_does():
    runs = record(POINTS + "loss: huber\nlr: 0.2\nepochs: 10\nruns: [{huber_delta: 0.3}, {huber_delta: 2.5}]").runs
    assert not np.allclose(runs[0].path, runs[1].path)
    assert [r.settings.huber_delta for r in runs] == [0.3, 2.5]


# --- the robust minimizers -------------------------------------------------------------


def lecture_with_outliers() -> gdanim.Trace:
    return gdanim.record("scenarios/robust.yaml")


def test_least_absolute_deviations_is_the_best_line_through_two_points():
    t = lecture_with_outliers()
    X, y = design(t.dataset.x), t.dataset.y.astype(np.float64)
    fit = t.analysis.robust["mae"]
    best = min(np.abs(X @ np.linalg.solve(X[[i, j]], y[[i, j]]) - y).mean()
               for i, j in itertools.combinations(range(len(y)), 2) if X[i, 1] != X[j, 1])
    assert fit.value == pytest.approx(best, rel=1e-12)
    assert fit.value == pytest.approx(float(loss_values(X, y, np.asarray(fit.params), "mae")), rel=1e-12)


@pytest.mark.parametrize("delta", [0.3, 1.0, 2.5])
def test_the_huber_fit_is_where_the_huber_gradient_vanishes(delta):
    t = lecture_with_outliers()
    fit = robust_fit(t.dataset.x, t.dataset.y, "huber", delta)
    X, y = design(t.dataset.x), t.dataset.y.astype(np.float64)
    w = np.asarray(fit.params)
    assert np.abs(X.T @ np.clip(X @ w - y, -delta, delta) / len(y)).max() < 1e-12
    around = w + 1e-3 * np.array([[1, 0], [-1, 0], [0, 1], [0, -1]])
    assert (loss_values(X, y, around, "huber", delta) > fit.value).all()


def test_numpy_losses_equal_torchs_in_float64():
    t = lecture_with_outliers()
    X, y = design(t.dataset.x), t.dataset.y.astype(np.float64)
    w = np.array([[1.0, 2.0], [-5.0, 10.0]])
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    for loss, fn in [("sae", lambda a: F.l1_loss(a, yt, reduction="sum")), ("mae", lambda a: F.l1_loss(a, yt)),
                     ("huber", lambda a: F.huber_loss(a, yt, delta=0.7))]:
        ref = [float(fn(Xt @ torch.from_numpy(row))) for row in w]
        np.testing.assert_allclose(loss_values(X, y, w, loss, 0.7), ref, rtol=1e-12)


def test_the_contour_grid_of_a_robust_run_is_the_true_loss_not_a_quadratic():
    t = lecture_with_outliers()
    mae = t.run("mae")
    grid = loss_grid(t, [mae])
    assert grid.hessian is None
    assert grid.base.tolist() == list(t.analysis.robust["mae"].params)
    X, y = design(t.dataset.x), t.dataset.y.astype(np.float64)
    probe = np.array([grid.a[5], grid.b[7]])
    full = grid.base.copy()
    full[list(grid.params)] = probe
    assert grid.loss[7, 5] == pytest.approx(float(loss_values(X, y, full, "mae")), rel=1e-12)


# --- outliers in the data and the trace -------------------------------------------------


def test_outliers_are_added_after_any_source_and_marked(tmp_path):
    trace = record(POINTS + "loss: mae\nlr: 0.1\nepochs: 2\n")
    d = trace.dataset
    assert d.n == N + 2 and d.outliers == 2
    assert d.is_outlier.tolist() == [False] * N + [True, True]
    assert d.x_raw[-2:, 0].tolist() == pytest.approx([1.8, -1.2]) and d.y[-2:].tolist() == [-6.0, 7.0]
    write_trace(trace, tmp_path)
    doc = json.loads((tmp_path / "trace.json").read_text())
    assert doc["data"]["outliers"] == 2
    assert doc["analysis"]["robust"]["mae"]["params"] == pytest.approx(list(trace.analysis.robust["mae"].params))
    assert doc["runs"][0]["critical_lr"] is None and doc["runs"][0]["regime"] is None
    assert doc["runs"][0]["best"]["loss"] == pytest.approx(trace.analysis.robust["mae"].value)
    back = read_trace(tmp_path / "trace.json")
    assert back.dataset.outliers == 2 and back.analysis.robust == trace.analysis.robust


def test_standardizing_is_fitted_to_the_data_with_its_outliers():
    trace = record(f"data: {{points: {{x: {XS}, y: {YS}}}, {OUT}, normalize: standardize}}\nepochs: 1\n")
    assert abs(float(trace.dataset.x.mean())) < 1e-6 and trace.dataset.n == N + 2


def problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, "s.yaml")
    return [str(p) for p in info.value.problems]


@pytest.mark.parametrize(("text", "expected"), [
    ("data: {synthetic: {n: 5}, outliers: {x: [1.0, 2.0], y: [1.0]}}", "s.yaml:1: data.outliers.x: as many x as y"),
    ("data: {synthetic: {n: 5}, outliers: {x: [.nan], y: [1.0]}}", "s.yaml:1: data.outliers.x"),
    ("data: {synthetic: {n: 5}, outliers: {x: [1.0], y: [.inf]}}", "s.yaml:1: data.outliers.y.0: a finite number"),
    ("data: {synthetic: {n: 5}, outliers: {x: [[1.0, 2.0]], y: [1.0]}}", "s.yaml:1: data.outliers.x.0: 1 number(s)"),
    ("data: {synthetic: {n: 5}, outliers: {x: [], y: []}}",
     "s.yaml:1: data.outliers.y: at least one point is expected"),
    ("data: {synthetic: {n: 5}}\nloss: huber\nhuber_delta: 0", "s.yaml:3: huber_delta: input should be greater than 0"),
    ("data: {synthetic: {n: 5}}\nruns: [{loss: huber, huber_delta: -1}]",
     "s.yaml:2: runs.0.huber_delta: input should be greater than 0"),
    ("data: {synthetic: {n: 5}}\nloss: l1", "s.yaml:2: loss: input should be 'sse', 'mse', 'sae', 'mae' or 'huber'"),
])
def test_bad_robust_input_names_its_line_and_key(text, expected):
    assert any(m.startswith(expected) for m in problems(text)), problems(text)


def test_an_exercise_on_a_robust_run_is_refused():
    msgs = problems("data: {synthetic: {n: 9}}\nloss: mae\nlr: 0.1\nexercises: [{run: lr-0.1, ask: regime}]")
    assert any("exercises.0.run: a run on SSE or MSE is expected" in m for m in msgs), msgs


def test_robust_runs_batched_together_equal_each_run_recorded_alone():
    runs = ["{lr: 0.1}", "{lr: 0.3}", "{lr: 0.3, optimizer: momentum}", "{lr: 0.2, epochs: 5}"]
    together = record(POINTS + f"loss: mae\nepochs: 12\nruns: [{', '.join(runs)}]").runs
    for text, run in zip(runs, together):
        alone = record(POINTS + f"loss: mae\nepochs: 12\nruns: [{text}]").runs[0]
        np.testing.assert_allclose(run.path, alone.path, rtol=1e-6, atol=1e-6)
    assert together[3].steps == 5


def test_a_robust_loss_with_a_schedule_and_mini_batches_follows_torch():
    run = record(POINTS + "loss: huber\nhuber_delta: 0.5\noptimizer: momentum\nlr: 0.3\nepochs: 9\n"
                 f"batch_size: 6\nseed: {SEED}\nschedule: {{type: cosine, t_max: 9}}").runs[0]
    X, y = data()
    W = torch.tensor([-2.0, 3.0], requires_grad=True)
    opt = torch.optim.SGD([W], lr=0.3, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(opt, 9)
    gen = torch.Generator().manual_seed(SEED)
    path = [W.data.clone()]
    for _ in range(9):
        perm = torch.randperm(len(y), generator=gen)
        for start in range(0, len(y), 6):
            idx = perm[start:start + 6]
            opt.zero_grad()
            F.huber_loss(X[idx] @ W, y[idx], delta=0.5).backward()
            opt.step()
            path.append(W.data.clone())
        scheduler.step()
    np.testing.assert_allclose(run.path, torch.stack(path).numpy(), rtol=1e-5, atol=1e-5)
