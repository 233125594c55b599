"""The loss surface a lecturer draws under the paths: at every grid point the loss the
run minimizes (SSE, MSE, MAE, Huber with its own δ) in the units it trained in, the other
parameters held at that loss's minimum; a view that covers the starts, the minimum and
the paths with a margin, and that a diverging path never blows up; runs trained in other
units or with another loss never share a grid; where a path leaves the view."""

from __future__ import annotations

import dataclasses
import re
import warnings

import numpy as np
import pytest

import gdanim
from gdanim.dataset import Normalization
from gdanim.scene.surface import RenderError, check_params, loss_grid, plane_path, same_units, view_box

# Two features, so a pair of parameters leaves a third held; the last point is an outlier
# that pulls least squares away from the robust fits.
SCENARIO = """\
data: {points: {x: [[0, 1], [1, 0], [2, 3], [3, 1], [4, 2], [1, 4], [2, 2]], y: [1, 2, 6, 5, 8, 7, -3]}}
model: {features: 2}
init: [0, 0, 0]
epochs: 3
runs:
  - {name: sse, loss: sse, lr: 0.005}
  - {name: sse-b, loss: sse, lr: 0.01}
  - {name: mse, loss: mse, lr: 0.05}
  - {name: mae, loss: mae, lr: 0.1}
  - {name: huber-half, loss: huber, huber_delta: 0.5, lr: 0.1}
  - {name: huber-two, loss: huber, huber_delta: 2.0, lr: 0.1}
  - {name: std, loss: sse, lr: 0.005, normalize: standardize}
  - {name: scaled, loss: sse, lr: 0.005, normalize: 0.5}
  - {name: mae-std, loss: mae, lr: 0.1, normalize: standardize}
"""
LOSSES = ("sse", "mse", "mae", "huber-half", "huber-two", "std", "mae-std")


@pytest.fixture(scope="module")
def trace():
    return gdanim.record(gdanim.parse_scenario(SCENARIO))


def design(trace, run):
    """[n, 3] float64: the intercept column and x in the run's own units, by hand."""
    norm = trace.normalization_of(run)
    x = (trace.dataset.x_raw.astype(np.float64) - np.asarray(norm.shift)) * np.asarray(norm.scale)
    return np.hstack([np.ones((len(x), 1)), x])


def by_hand(trace, run, w):
    """The run's loss at params w [..., 3], plain numpy on the data."""
    err = np.asarray(w, np.float64) @ design(trace, run).T - trace.dataset.y.astype(np.float64)  # [..., n]
    kind, delta = run.settings.loss, run.settings.huber_delta
    if kind in ("sse", "mse"):
        each = err ** 2
    elif kind in ("sae", "mae"):
        each = np.abs(err)
    else:
        each = np.where(np.abs(err) <= delta, 0.5 * err ** 2, delta * (np.abs(err) - 0.5 * delta))
    return each.sum(-1) if kind in ("sse", "sae") else each.mean(-1)


def least_squares(trace, run):
    X = design(trace, run)
    return np.linalg.lstsq(X, trace.dataset.y.astype(np.float64), rcond=None)[0]


def with_path(run, path):
    return dataclasses.replace(run, path=np.asarray(path, np.float64))


def framed(grid, lo, hi):
    """The grid with its view set by hand."""
    return dataclasses.replace(grid, lo=np.asarray(lo, np.float64), hi=np.asarray(hi, np.float64))


# --- the loss on the grid ------------------------------------------------------------------


@pytest.mark.parametrize("name", LOSSES)
@pytest.mark.parametrize("pair", [(0, 1), (0, 2), (2, 1)])
def test_each_grid_point_holds_the_runs_loss_by_hand_with_the_third_param_at_the_minimum(trace, name, pair):
    run = trace.run(name)
    grid = loss_grid(trace, [run], pair)
    i, j = pair
    assert grid.params == pair and grid.kind == run.settings.loss
    w = np.broadcast_to(grid.base, (48, 48, 3)).copy()
    w[:, :, i] = grid.a[None, :]  # columns: param i
    w[:, :, j] = grid.b[:, None]  # rows: param j
    assert grid.loss.shape == (48, 48)
    assert grid.loss == pytest.approx(by_hand(trace, run, w), rel=1e-6, abs=1e-9)
    assert grid.zmin == pytest.approx(by_hand(trace, run, w).min(), rel=1e-6)
    assert grid.zmax == pytest.approx(by_hand(trace, run, w).max(), rel=1e-6)


def test_a_grid_is_48_points_a_side_from_corner_to_corner_of_the_view_evenly_unless_asked(trace):
    grid = loss_grid(trace, [trace.run("sse")])
    assert grid.params == (0, 1)
    assert len(grid.a) == 48 and len(grid.b) == 48
    corners = [grid.a[0], grid.a[-1], grid.b[0], grid.b[-1]]
    assert corners == pytest.approx([grid.lo[0], grid.hi[0], grid.lo[1], grid.hi[1]], rel=1e-12)
    assert np.diff(grid.a) == pytest.approx(np.full(47, (grid.hi[0] - grid.lo[0]) / 47), rel=1e-9)
    assert np.diff(grid.b) == pytest.approx(np.full(47, (grid.hi[1] - grid.lo[1]) / 47), rel=1e-9)
    small = loss_grid(trace, [trace.run("sse")], size=5)
    assert small.loss.shape == (5, 5) and len(small.a) == 5 and len(small.b) == 5


@pytest.mark.parametrize("name", ["sse", "mse", "std", "scaled"])
def test_least_squares_holds_the_other_param_at_the_least_squares_fit_in_the_runs_units(trace, name):
    run = trace.run(name)
    assert loss_grid(trace, [run], (0, 1)).base == pytest.approx(least_squares(trace, run), rel=1e-5, abs=1e-6)


@pytest.mark.parametrize("name", ["mae", "huber-half", "huber-two", "mae-std"])
def test_a_robust_loss_holds_the_other_param_at_its_own_minimum_not_at_least_squares(trace, name):
    run = trace.run(name)
    base = loss_grid(trace, [run], (0, 1)).base
    at = by_hand(trace, run, base)
    for k in range(3):
        for step in (1e-3, -1e-3):
            nudged = base.copy()
            nudged[k] += step
            assert by_hand(trace, run, nudged) >= at - 1e-12
    assert np.abs(base - least_squares(trace, run)).max() > 0.1  # the outlier pulls least squares only


def test_each_huber_delta_has_its_own_minimum(trace):
    half = loss_grid(trace, [trace.run("huber-half")]).base
    two = loss_grid(trace, [trace.run("huber-two")]).base
    assert np.abs(half - two).max() > 1e-3


def test_without_a_robust_fit_on_record_the_least_squares_minimum_is_held(trace):
    bare = dataclasses.replace(trace, analysis=dataclasses.replace(trace.analysis, robust={}))
    run = trace.run("mae")
    grid = loss_grid(bare, [run], (0, 2))
    assert grid.base == pytest.approx(least_squares(trace, run), rel=1e-6)
    assert grid.loss[7, 30] == pytest.approx(by_hand(trace, run, [grid.a[30], grid.base[1], grid.b[7]]), rel=1e-9)


@pytest.mark.parametrize("name", ["sse", "mse", "std"])
@pytest.mark.parametrize("pair", [(0, 1), (2, 0)])
def test_a_quadratic_loss_has_its_constant_hessian_in_the_plane(trace, name, pair):
    run = trace.run(name)
    X = design(trace, run)[:, list(pair)]
    hessian = 2 * X.T @ X / (len(X) if name == "mse" else 1)
    assert loss_grid(trace, [run], pair).hessian == pytest.approx(hessian, rel=1e-5, abs=1e-5)


@pytest.mark.parametrize("name", ["mae", "huber-half"])
def test_a_robust_loss_has_no_constant_hessian(trace, name):
    assert loss_grid(trace, [trace.run(name)]).hessian is None


@pytest.mark.parametrize("name", ["sse", "mse", "mae", "huber-two", "std"])
def test_the_slice_loss_at_plane_points_is_the_loss_with_the_third_param_held(trace, name):
    run = trace.run(name)
    grid = loss_grid(trace, [run], (2, 0))
    points = np.array([[0.5, -1.0], [3.0, 2.0], [-2.0, 0.25]])
    w = np.column_stack([points[:, 1], np.full(3, grid.base[1]), points[:, 0]])
    assert grid.slice_loss(points) == pytest.approx(by_hand(trace, run, w), rel=1e-6)


@pytest.mark.parametrize("name", ["sse", "mse"])
def test_far_off_or_infinite_plane_points_have_no_finite_loss_and_raise_no_warning(trace, name):
    grid = loss_grid(trace, [trace.run(name)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        far = grid.slice_loss(np.array([[1e200, 1e200], [np.inf, -np.inf], [1e307, 0.0]]))
    assert far[0] == np.inf and not np.isfinite(far[1]) and not np.isfinite(far[2])


# --- the view -------------------------------------------------------------------------------


def test_the_grid_covers_the_starts_the_minimum_and_every_path_with_twelve_percent_of_it_each_side(trace):
    runs = [trace.run("sse"), trace.run("sse-b")]
    far = with_path(runs[1], np.array([[3.0, -2.0, 1.0], [2.0, -1.0, 1.0], [1.5, 0.5, 1.0], [1.0, 1.0, 1.0]]))
    grid = loss_grid(trace, [runs[0], far], (0, 1))
    seen = np.vstack([runs[0].path[:, :2], far.path[:, :2], least_squares(trace, runs[0])[None, :2]])
    tight_lo, tight_hi = seen.min(axis=0), seen.max(axis=0)
    span = tight_hi - tight_lo
    assert grid.lo == pytest.approx(tight_lo - 0.12 * span, rel=1e-6)
    assert grid.hi == pytest.approx(tight_hi + 0.12 * span, rel=1e-6)


def test_a_start_far_from_where_its_first_step_lands_is_still_in_view(trace):
    run = trace.run("sse")
    best = least_squares(trace, run)
    path = np.vstack([best + [40.0, 40.0, 0.0], best + 0.01, best + 0.005, best])
    grid = loss_grid(trace, [with_path(run, path)], (0, 1))
    assert np.all(grid.lo < best[:2]) and np.all(grid.hi > path[0, :2])


def test_the_minimum_is_in_view_even_when_the_path_stays_far_from_it(trace):
    run = trace.run("sse")
    best = least_squares(trace, run)
    path = np.array([[10.0, 10.0, 0.0], [10.1, 10.0, 0.0], [10.2, 10.1, 0.0], [10.3, 10.1, 0.0]])
    grid = loss_grid(trace, [with_path(run, path)], (0, 1))
    assert np.all(grid.lo < best[:2]) and np.all(grid.hi > path[:, :2].max(axis=0))


def test_the_view_covers_the_start_the_minimum_and_the_path_with_a_margin():
    anchors = np.array([[-5.0, 10.0], [2.5, 4.0]])
    path = np.array([[-5.0, 10.0], [-1.0, 11.0], [2.0, 4.5]])
    lo, hi = view_box(path, anchors)
    assert np.all(lo < [-5.0, 4.0]) and np.all(hi > [2.5, 11.0])


def test_the_view_is_the_box_of_start_and_minimum_grown_by_twelve_percent_of_its_size_each_side():
    anchors = np.array([[0.0, 0.0], [4.0, 2.0]])
    lo, hi = view_box(np.array([[1.0, 1.0], [3.0, 0.5]]), anchors)
    assert lo == pytest.approx([-0.48, -0.24], rel=1e-12) and hi == pytest.approx([4.48, 2.24], rel=1e-12)
    lo, hi = view_box(np.array([[1.0, 1.0]]), anchors, margin=0.5)
    assert lo == pytest.approx([-2.0, -1.0], rel=1e-12) and hi == pytest.approx([6.0, 3.0], rel=1e-12)


def test_a_path_up_to_three_times_the_start_to_minimum_box_from_its_centre_widens_the_view():
    anchors = np.array([[0.0, 0.0], [4.0, 2.0]])  # centre (2, 1), half sizes (2, 1): reach -4..8 and -2..4
    lo, hi = view_box(np.array([[8.0, 4.0], [-4.0, -2.0]]), anchors)  # on the edge of reach: in
    assert lo == pytest.approx([-5.44, -2.72], rel=1e-12) and hi == pytest.approx([9.44, 4.72], rel=1e-12)
    lo, hi = view_box(np.array([[8.0, 1.0]]), anchors)
    assert lo == pytest.approx([-0.96, -0.24], rel=1e-12) and hi == pytest.approx([8.96, 2.24], rel=1e-12)
    lo, hi = view_box(np.array([[2.0, -2.0]]), anchors)
    assert lo == pytest.approx([-0.48, -2.48], rel=1e-12) and hi == pytest.approx([4.48, 2.48], rel=1e-12)
    lo, hi = view_box(np.array([[10.0, 1.0]]), anchors, reach=4.0)  # 4 half sizes: -6..10
    assert hi == pytest.approx([10 + 0.12 * 10, 2.24], rel=1e-12)


@pytest.mark.parametrize("beyond", [[8.001, 1.0], [-4.001, 1.0], [2.0, 4.001], [2.0, -2.001]])
def test_a_point_just_beyond_reach_does_not_widen_the_view(beyond):
    anchors = np.array([[0.0, 0.0], [4.0, 2.0]])
    lo, hi = view_box(np.array([beyond, [1.0, 1.0]]), anchors)
    assert lo == pytest.approx([-0.48, -0.24], rel=1e-12) and hi == pytest.approx([4.48, 2.24], rel=1e-12)


def test_a_thin_start_to_minimum_box_is_given_a_quarter_of_its_long_side_in_reach_and_half_of_it_in_size():
    anchors = np.array([[0.0, 0.0], [8.0, 0.2]])  # half sizes (4, 0.1): the short one counts as 1
    lo, hi = view_box(anchors, anchors)
    assert lo == pytest.approx([-0.96, 0.1 - 1.24], rel=1e-12) and hi == pytest.approx([8.96, 0.1 + 1.24], rel=1e-12)
    lo, hi = view_box(np.array([[4.0, 3.05]]), anchors)  # reach -2.9..3.1 in the short direction
    assert hi[1] == pytest.approx(3.05 + 0.12 * 3.05, rel=1e-12)
    lo, hi = view_box(np.array([[4.0, 3.15]]), anchors)
    assert hi[1] == pytest.approx(0.1 + 1.24, rel=1e-12)


def test_a_start_at_the_minimum_still_gets_a_view_of_positive_size():
    anchors = np.array([[1.0, 1.0], [1.0, 1.0]])
    lo, hi = view_box(anchors, anchors)
    assert np.all(hi > lo)
    assert lo == pytest.approx([1 - 0.00124] * 2, rel=1e-12) and hi == pytest.approx([1 + 0.00124] * 2, rel=1e-12)


def test_a_view_of_a_single_point_far_from_zero_is_a_millionth_of_its_size_each_way():
    anchors = np.array([[1e4, -2e4], [1e4, -2e4]])  # the largest |value| is 2e4: 0.02 each way, with margin
    lo, hi = view_box(anchors, anchors)
    assert lo == pytest.approx([1e4 - 0.0248, -2e4 - 0.0248], rel=1e-12)
    assert hi == pytest.approx([1e4 + 0.0248, -2e4 + 0.0248], rel=1e-12)


def test_a_start_that_is_not_finite_is_left_out_of_the_view():
    anchors = np.array([[0.0, 0.0], [np.nan, 1.0], [4.0, 2.0], [np.inf, 0.0]])
    lo, hi = view_box(np.array([[1.0, 1.0]]), anchors)
    assert lo == pytest.approx([-0.48, -0.24], rel=1e-12) and hi == pytest.approx([4.48, 2.24], rel=1e-12)


def test_the_steps_within_reach_of_a_path_that_leaves_for_good_still_widen_the_view():
    anchors = np.array([[0.0, 0.0], [4.0, 2.0]])  # reach -4..8 and -2..4
    widening = [8.0, 1.0]  # alone, it gives lo (-0.96, -0.24), hi (8.96, 2.24)
    for gone in ([np.nan, 1.0], [1.0, np.inf], [-50.0, 1.0], [1.0, -50.0], [50.0, 1.0], [1.0, 50.0]):
        lo, hi = view_box(np.array([widening, gone]), anchors)
        assert lo == pytest.approx([-0.96, -0.24], rel=1e-12) and hi == pytest.approx([8.96, 2.24], rel=1e-12)


def test_a_diverging_path_does_not_stretch_the_view_and_its_limits_stay_finite():
    anchors = np.array([[-5.0, 10.0], [2.5, 4.0]])
    path = np.array([[-5.0, 10.0], [30.0, -40.0], [-1e20, 1e20], [np.inf, np.nan]])
    lo, hi = view_box(path, anchors)
    assert np.isfinite(lo).all() and np.isfinite(hi).all()
    assert np.all(hi - lo < 100)


def test_the_view_tells_which_plane_points_it_holds_its_edges_included(trace):
    grid = framed(loss_grid(trace, [trace.run("sse")]), [-1.0, -2.0], [1.0, 2.0])
    points = np.array([[-1.0, -2.0], [1.0, 2.0], [0.0, 0.0], [1.0001, 0.0], [-1.0001, 0.0], [0.0, 2.0001],
                       [0.0, -2.0001], [np.nan, 0.0], [0.0, np.inf]])
    assert grid.inside(points).tolist() == [True, True, True, False, False, False, False, False, False]


# --- units and losses -------------------------------------------------------------------------


def names(groups):
    return [[r.name for r in g] for g in groups]


def test_runs_of_the_same_units_and_loss_share_one_grid_in_the_order_given(trace):
    runs = [trace.run(n) for n in ("sse", "mse", "sse-b")]
    assert names(same_units(trace, runs)) == [["sse", "sse-b"], ["mse"]]


def test_runs_with_other_losses_or_another_huber_delta_get_grids_of_their_own(trace):
    runs = [trace.run(n) for n in ("sse", "mse", "mae", "huber-half", "huber-two")]
    assert names(same_units(trace, runs)) == [["sse"], ["mse"], ["mae"], ["huber-half"], ["huber-two"]]
    halves = [trace.run("huber-half"), dataclasses.replace(trace.run("huber-half"))]
    assert len(same_units(trace, halves)) == 1


def test_runs_trained_in_other_units_get_grids_of_their_own(trace):
    runs = [trace.run(n) for n in ("sse", "std", "scaled", "sse-b")]
    assert names(same_units(trace, runs)) == [["sse", "sse-b"], ["std"], ["scaled"]]


@pytest.mark.parametrize("other", [Normalization("standardize", (1.5, 2.0), (0.5, 0.25)),
                                   Normalization("standardize", (1.0, 2.0), (0.5, 0.5)),
                                   Normalization("scale", (1.0, 2.0), (0.5, 0.25))])
def test_units_differing_in_shift_scale_or_kind_alone_are_not_mixed(trace, other):
    run = trace.run("sse")
    one = dataclasses.replace(run, normalization=Normalization("standardize", (1.0, 2.0), (0.5, 0.25)))
    same = dataclasses.replace(run, normalization=Normalization("standardize", (1.0, 2.0), (0.5, 0.25)))
    assert len(same_units(trace, [one, same])) == 1
    assert len(same_units(trace, [one, dataclasses.replace(run, normalization=other)])) == 2


# --- impossible requests ----------------------------------------------------------------------


def test_surface_params_beyond_the_model_are_refused():
    message = "render.surface.params: two indices below 2 are expected (the model has 2 parameters), got [0, 2]"
    with pytest.raises(RenderError, match=re.escape(message)):
        check_params((0, 2), 2)
    with pytest.raises(RenderError, match=re.escape("got [3, 1]")):
        check_params((3, 1), 3)
    assert check_params((np.int64(1), 0.0), 2) == (1, 0)
    assert check_params([2, 1], 3) == (2, 1)


def test_a_grid_over_a_param_the_model_does_not_have_is_refused(trace):
    with pytest.raises(RenderError, match=re.escape("below 3 are expected (the model has 3 parameters)")):
        loss_grid(trace, [trace.run("sse")], (0, 3))
    assert loss_grid(trace, [trace.run("sse")], (1, 2), size=3).params == (1, 2)


# --- the path in the plane --------------------------------------------------------------------


@pytest.mark.parametrize("name", ["sse", "mse", "huber-half", "mae-std"])
def test_a_path_in_view_is_its_params_in_the_plane_with_its_full_batch_loss_and_no_exit(trace, name):
    run = trace.run(name)
    plane = plane_path(run, loss_grid(trace, [run], (2, 0)))
    assert plane.points == pytest.approx(run.path[:, [2, 0]].astype(np.float64), rel=1e-12)
    assert plane.loss == pytest.approx(by_hand(trace, run, run.path.astype(np.float64)), rel=1e-6)
    assert plane.exit is None and plane.boundary is None


def test_a_state_that_is_not_finite_has_infinite_loss_and_is_where_the_path_leaves(trace):
    run = trace.run("sse")
    grid = framed(loss_grid(trace, [run]), [-1.0, -1.0], [1.0, 1.0])
    path = [[0.0, 0.0, 1.0], [0.5, 0.5, 1.0], [np.nan, 0.5, 1.0], [0.0, 0.0, np.inf]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plane = plane_path(with_path(run, path), grid)
    assert plane.loss[:2] == pytest.approx(by_hand(trace, run, np.array(path[:2])), rel=1e-9)
    assert plane.loss[2:].tolist() == [np.inf, np.inf]
    assert plane.exit == 2 and plane.boundary is None


def test_a_state_that_overflowed_has_no_finite_loss_and_raises_no_warning(trace):
    run = trace.run("sse")
    grid = framed(loss_grid(trace, [run]), [-1.0, -1.0], [1.0, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plane = plane_path(with_path(run, [[0.0, 0.0, 1.0], [1e200, 1e200, 1e200], [1e307, 0.0, 0.0]]), grid)
    assert plane.loss[1] == np.inf and not np.isfinite(plane.loss[2]) and plane.exit == 1
    assert plane.boundary == pytest.approx([1.0, 1.0], rel=1e-12)


@pytest.mark.parametrize(("outside", "boundary"), [
    ([0.5 + 1000, 0.5 + 10], [1.0, 0.5 + 10 * 0.5 / 1000]),        # right edge x = 1, at t = 0.5/1000
    ([0.5 - 1000, 0.5 - 10], [-1.0, 0.5 - 10 * 1.5 / 1000]),       # left edge x = -1, at t = 1.5/1000
    ([0.5 + 10, 0.5 + 1000], [0.5 + 10 * 1.5 / 1000, 2.0]),        # top edge y = 2, at t = 1.5/1000
    ([0.5 - 10, 0.5 - 1000], [0.5 - 10 * 2.5 / 1000, -2.0]),       # bottom edge y = -2, at t = 2.5/1000
    ([0.5 + 2.5, 0.5 + 5.5], [1.0, 0.5 + 5.5 * 0.5 / 2.5]),        # x = 1 at t = 0.2 before y = 2 at t = 3/11
    ([0.5 + 1.0, 0.5 + 10], [0.5 + 1.0 * 1.5 / 10, 2.0]),          # y = 2 at t = 0.15 before x = 1 at t = 0.5
    ([0.5 + 0.75, 0.5 + 0.25], [1.0, 0.5 + 0.25 * 0.5 / 0.75]),    # a short step out: x = 1 at t = 2/3
    ([0.5 - 1.75, 0.5 - 0.5], [-1.0, 0.5 - 0.5 * 1.5 / 1.75]),     # a short step out the left: t = 6/7
])
def test_a_path_that_leaves_the_view_crosses_its_edge_on_the_way_out(trace, outside, boundary):
    run = trace.run("sse")
    grid = framed(loss_grid(trace, [run]), [-1.0, -2.0], [1.0, 2.0])
    path = [[0.0, 0.0, 1.0], [0.5, 0.5, 1.0], [*outside, 1.0], [0.0, 0.0, 1.0]]
    plane = plane_path(with_path(run, path), grid)
    assert plane.exit == 2
    assert plane.boundary == pytest.approx(boundary, rel=1e-12)


def test_a_path_straight_across_or_along_the_views_edge_leaves_it_where_it_passes_the_side_quietly(trace):
    run = trace.run("sse")
    grid = framed(loss_grid(trace, [run]), [-1.0, -1.0], [1.0, 1.0])
    paths = {(1.0, 0.5): [[0.0, 0.5, 0.0], [0.5, 0.5, 0.0], [2.0, 0.5, 0.0]],  # straight to the right
             (0.25, -1.0): [[0.0, 0.5, 0.0], [0.25, 0.0, 0.0], [0.25, -3.0, 0.0]],  # straight down
             (1.0, 1.0): [[0.0, 1.0, 0.0], [0.5, 1.0, 0.0], [2.0, 1.0, 0.0]],  # along the top edge
             (-1.0, -1.0): [[0.0, -1.0, 0.0], [-0.5, -1.0, 0.0], [-2.0, -1.0, 0.0]]}  # along the bottom edge
    for boundary, path in paths.items():
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            plane = plane_path(with_path(run, path), grid)
        assert plane.exit == 2 and plane.boundary == pytest.approx(list(boundary), rel=1e-12)


def test_a_recorded_float32_path_is_crossed_on_the_segment_between_its_states(trace):
    run = trace.run("sse")
    grid = framed(loss_grid(trace, [run]), [-1.0, -1.0], [1.0, 1.0])
    path = np.array([[0.1, 0.123456, 0.0], [0.3, 0.2, 0.0], [1000.3, 500.777, 0.0]], np.float32)
    plane = plane_path(dataclasses.replace(run, path=path), grid)
    (x0, y0), (x1, y1) = path[1, :2].astype(np.float64), path[2, :2].astype(np.float64)
    assert plane.boundary == pytest.approx([1.0, y0 + (1.0 - x0) / (x1 - x0) * (y1 - y0)], rel=1e-12)


def test_a_path_that_starts_outside_the_view_or_jumps_out_partly_undefined_has_no_crossing(trace):
    run = trace.run("sse")
    grid = framed(loss_grid(trace, [run]), [-1.0, -1.0], [1.0, 1.0])
    plane = plane_path(with_path(run, [[5.0, 0.0, 0.0], [0.0, 0.0, 0.0]]), grid)
    assert plane.exit == 0 and plane.boundary is None
    plane = plane_path(with_path(run, [[0.0, 0.0, 0.0], [5.0, np.nan, 0.0]]), grid)
    assert plane.exit == 1 and plane.boundary is None
