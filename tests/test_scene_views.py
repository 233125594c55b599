"""What the panels show of one run, as a lecturer would read it off the frames: the rate
of each step against 2/λmax, the arrows of the step about to be taken, where a run that
blew up is last drawn, and the epoch written in a title."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import gdanim
from gdanim.scene.surface import loss_grid
from gdanim.scene.views import predictions, run_view

# x = 0..3 under MSE: λmax = 8.405, so 2/λmax = 0.238.
SCENARIO = """\
data: {points: {x: [0, 1, 2, 3], y: [1, 3, 5.5, 6.5]}}
init: [0, 0]
loss: mse
epochs: 12
runs:
  - {name: gd, lr: 0.05}
  - {name: decay, lr: 0.2, weight_decay: 0.5}
  - {name: blows, lr: 0.6, epochs: 200}
  - {name: momentum, optimizer: momentum, lr: 0.05}
  - {name: adam, optimizer: adam, lr: 0.1}
  - {name: halved, lr: 0.3, schedule: {type: step, step_size: 4, gamma: 0.5}}
  - {name: mini, lr: 0.05, batch_size: 2, seed: 1}
  - {name: nesterov, optimizer: nesterov, lr: 0.05, momentum: 0.9}
  - {name: rmsprop, optimizer: rmsprop, lr: 0.05}
  - {name: adagrad, optimizer: adagrad, lr: 0.5}
  - {name: expo, lr: 0.1, schedule: {type: exponential, gamma: 0.5}}
  - {name: half, lr: 0.1, normalize: 0.5}
"""
LAM_MAX = 8.405124837953327


@pytest.fixture(scope="module")
def trace():
    return gdanim.record(gdanim.parse_scenario(SCENARIO))


def view(trace, name, run=None):
    return run_view(trace, run or trace.run(name), None)


def test_each_steps_rate_is_told_against_lambda_max_and_weight_decay_adds_to_it(trace):
    assert view(trace, "gd").rate_ratio() == pytest.approx(np.full(12, 0.05 * LAM_MAX))
    assert view(trace, "decay").rate_ratio() == pytest.approx(np.full(12, 0.2 * (LAM_MAX + 0.5)))
    assert view(trace, "halved").rate_ratio()[[0, 3, 4, 8]] == pytest.approx(
        [0.3 * LAM_MAX, 0.3 * LAM_MAX, 0.15 * LAM_MAX, 0.075 * LAM_MAX])


def test_only_plain_full_batch_gd_has_a_rate_ratio_or_unstable_epochs(trace):
    for name in ("momentum", "adam", "mini"):
        assert view(trace, name).rate_ratio() is None and view(trace, name).unstable_spans() == []


def test_the_epochs_at_or_beyond_two_over_lambda_max_are_shaded(trace):
    assert view(trace, "gd").unstable_spans() == []
    assert view(trace, "halved").unstable_spans() == [(0.0, 4.0)]  # 0.3 then 0.15: only the first four
    blows = view(trace, "blows")
    assert blows.unstable_spans() == [(0.0, float(blows.run.steps))]
    assert view(trace, "gd", dataclasses.replace(trace.run("gd"), lr=np.array([]))).unstable_spans() == []


def test_a_step_exactly_at_two_over_lambda_max_is_unstable(trace):
    run = trace.run("gd")
    lam = max(trace.analysis.spectra["mse"].eigenvalues)
    at_two = next(r for r in (2 / lam, np.nextafter(2 / lam, 1.0), np.nextafter(2 / lam, 0.0)) if r * lam == 2.0)
    rates = np.full(12, 0.05)
    rates[5:7] = at_two
    spans = view(trace, "gd", dataclasses.replace(run, lr=rates)).unstable_spans()
    assert spans == [(5.0, 7.0)]


def test_gd_shows_the_negative_gradient_step_momentum_also_its_velocity_and_adam_its_own_step(trace):
    gd = trace.run("gd")
    (kind, arrow), = view(trace, "gd").arrows(3)
    assert kind == "grad" and arrow == pytest.approx(-0.05 * gd.grad[3]) and arrow == pytest.approx(gd.update[3])
    mom = trace.run("momentum")
    assert [(k, list(v)) for k, v in view(trace, "momentum").arrows(3)] == [
        ("grad", pytest.approx(list(-0.05 * mom.grad[3].astype(np.float64)))),
        ("velocity", pytest.approx(list(mom.update[3].astype(np.float64))))]
    adam = trace.run("adam")
    (kind, arrow), = view(trace, "adam").arrows(2)
    assert kind == "step" and arrow == pytest.approx(adam.update[2])
    assert [k for k, _ in view(trace, "nesterov").arrows(2)] == ["grad", "velocity"]
    assert [k for k, _ in view(trace, "rmsprop").arrows(2)] == ["step"]
    assert [k for k, _ in view(trace, "adagrad").arrows(2)] == ["step"]


def test_no_arrow_past_the_last_step_nor_where_it_is_not_finite(trace):
    gd = trace.run("gd")
    v = view(trace, "gd")
    assert v.arrows(12) == [] and v.arrows(13) == [] and len(v.arrows(11)) == 1
    grad = gd.grad.copy()
    grad[4] = np.inf
    assert view(trace, "gd", dataclasses.replace(gd, grad=grad)).arrows(4) == []
    mom = trace.run("momentum")
    grad = mom.grad.copy()
    grad[4] = np.nan
    assert [k for k, _ in view(trace, "momentum", dataclasses.replace(mom, grad=grad)).arrows(4)] == ["velocity"]


def test_a_run_whose_params_overflow_is_drawn_at_its_last_finite_state_and_stopped_the_epoch_after(trace):
    blows = trace.run("blows")
    path = blows.path.astype(np.float64)
    path[6:] = np.inf
    path[8, 1] = 1.0  # finite in one coordinate only: still not drawn
    v = view(trace, "blows", dataclasses.replace(blows, path=path))
    assert list(v.shown[:9]) == [0, 1, 2, 3, 4, 5, 5, 5, 5] and v.last_finite == 5
    assert v.diverged_at == 6.0
    assert not v.diverged_by(5) and v.diverged_by(6) and v.diverged_by(7)


def test_a_run_that_blew_up_on_its_last_step_stops_at_its_end_and_one_that_did_not_never_does(trace):
    v = view(trace, "blows")
    assert v.run.status == "diverged" and v.last_finite == v.run.steps
    assert v.diverged_at == float(v.times[-1]) and v.diverged_by(v.run.steps) and not v.diverged_by(v.run.steps - 1)
    gd = view(trace, "gd")
    assert gd.diverged_at is None and not gd.diverged_by(12)


def test_the_rate_of_a_state_is_that_of_the_step_leaving_it_and_the_last_steps_at_the_end(trace):
    v = view(trace, "halved")
    assert [v.lr_at(s) for s in (0, 3, 4, 11, 12)] == pytest.approx([0.3, 0.3, 0.15, 0.075, 0.075])
    assert v.scheduled and not view(trace, "gd").scheduled
    none = view(trace, "gd", dataclasses.replace(trace.run("gd"), lr=np.array([])))
    assert none.lr_at(0) == 0.05
    assert view(trace, "expo").lr_at(12) == pytest.approx(0.1 * 0.5**11)  # the last step's, not the one before


def test_titles_write_whole_epochs_plainly_and_mini_batch_states_to_two_decimals(trace):
    assert view(trace, "gd").epoch_label(3) == "3"
    mini = view(trace, "mini")
    assert [mini.epoch_label(s) for s in (0, 1, 2, 3)] == ["0", "0.50", "1", "1.50"]
    assert mini.times[-1] == 12.0


def test_the_loss_of_each_state_ends_with_the_final_loss_and_an_overflow_is_infinite(trace):
    gd = trace.run("gd")
    loss = gd.loss.astype(np.float64)
    loss[2] = np.nan
    v = view(trace, "gd", dataclasses.replace(gd, loss=loss))
    assert len(v.loss) == 13 and v.loss[-1] == gd.final_loss and v.loss[2] == np.inf
    assert v.plane is None and v.grid is None


def test_predictions_are_in_the_units_the_run_trained_in(trace):
    x = np.array([[0.0], [2.0]])
    assert predictions(trace, trace.run("gd"), np.array([1.0, 2.0]), x) == pytest.approx([1.0, 5.0])
    # a run that overrides the data's normalization predicts in its own units
    assert predictions(trace, trace.run("half"), np.array([1.0, 2.0]), x) == pytest.approx([1.0, 3.0])
    scaled = gdanim.record(gdanim.parse_scenario(SCENARIO.replace("6.5]}", "6.5]}, normalize: 0.5")))
    assert predictions(scaled, scaled.run("gd"), np.array([1.0, 2.0]), x) == pytest.approx([1.0, 3.0])


def test_with_a_loss_grid_the_view_carries_the_path_in_the_grids_plane(trace):
    run = trace.run("gd")
    grid = loss_grid(trace, [run])
    v = run_view(trace, run, grid)
    assert v.grid is grid and v.plane is not None
    np.testing.assert_allclose(v.plane.points, run.path[:, [0, 1]])
