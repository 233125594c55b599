"""The telling moments of a run and the frame a poster shows, as a lecturer would say them:
a run that crawls shows its halfway state; one that settles, where it is 99% there; one
past 1/λmax, its first overshoot; one that blows up, the last state still in view. A grid
of runs shows the median of its runs' key moments."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from gdanim import parse_scenario, record
from gdanim.render.keyframes import (
    Moment,
    compare_poster,
    compare_poster_frame,
    frame_of,
    key_state,
    moments,
    poster_frame,
    video_poster,
)
from gdanim.scene.schedule import compare_schedule
from gdanim.scene.surface import loss_grid

# the lecture's data: 0.0001 crawls, 0.001 settles, 0.0083 overshoots at once, 0.01 and 0.0102 blow up
LECTURE = """\
data:
  synthetic: {n: 100, seed: 43052, x: randn, params: [2.5, 4.0], noise: 0.5}
init: [-5.0, 10.0]
loss: sse
epochs: 30
runs: [{lr: 0.0001}, {lr: 0.001}, {lr: 0.0083}, {lr: 0.01}, {lr: 0.0102}]
"""


@pytest.fixture(scope="module")
def trace():
    return record(parse_scenario(LECTURE))


def loss_of(run):
    return np.append(run.loss.astype(np.float64), run.final_loss)


def minimum(trace):
    return trace.analysis.spectra["sse"].ols_loss


def in_view(run, grid):
    """The last state before the path first leaves the grid's view."""
    points = np.asarray(run.path, np.float64)[:, list(grid.params)]
    inside = np.all((points >= grid.lo) & (points <= grid.hi), axis=1)
    return int(np.flatnonzero(~inside)[0]) - 1


def shortened(run, steps):
    """The run stopped after `steps` steps."""
    return dataclasses.replace(run, path=run.path[:steps + 1], loss=run.loss[:steps], epoch=run.epoch[:steps],
                               grad=run.grad[:steps], update=run.update[:steps],
                               final_loss=float(loss_of(run)[steps]))


def told(trace, run, grid=None):
    return [(m.state, m.kind) for m in moments(trace, run, grid)]


def test_a_run_that_crawls_has_only_its_start_and_end_and_its_key_is_halfway(trace):
    crawl = trace.runs[0]
    assert told(trace, crawl) == [(0, "start"), (30, "end")]
    assert key_state(trace, crawl) == 15
    seven = key_state(trace, shortened(crawl, 7))
    assert seven == 3 and isinstance(seven, int)  # halfway, a whole state
    assert key_state(trace, shortened(crawl, 1)) == 1  # one step: its end
    assert key_state(trace, shortened(crawl, 2)) == 1


def test_a_run_that_settles_is_told_where_it_is_99_percent_there(trace):
    good = trace.runs[1]
    loss, ols = loss_of(good), minimum(trace)
    settled = int(np.flatnonzero(loss - ols <= 0.01 * (loss[0] - ols))[0])
    assert 0 < settled < 30
    assert told(trace, good) == [(0, "start"), (settled, "converges"), (30, "end")]
    assert key_state(trace, good) == settled


def test_a_run_past_one_over_lambda_max_overshoots_at_its_first_step_and_that_is_its_key(trace):
    past = trace.runs[2]
    assert told(trace, past) == [(0, "start"), (1, "overshoot"), (30, "end")]
    assert key_state(trace, past) == 1


def test_a_run_that_blows_up_is_told_where_it_leaves_the_view_and_where_its_loss_is_ten_times_its_start(trace):
    wild = trace.runs[3]
    grid = loss_grid(trace, [wild])
    loss = loss_of(wild)
    blown = int(np.flatnonzero(loss > 10 * loss[0])[0])
    leaves = in_view(wild, grid)
    assert 1 < leaves < blown < 30
    assert told(trace, wild) == [(0, "start"), (1, "overshoot"), (blown, "diverges"), (30, "end")]
    assert told(trace, wild, grid) == [(0, "start"), (1, "overshoot"), (leaves, "leaves"), (blown, "diverges"),
                                       (30, "end")]
    assert key_state(trace, wild, grid) == leaves  # the last state in view comes first
    assert key_state(trace, wild) == 1  # without a view: the overshoot before the divergence
    assert all(isinstance(m, Moment) for m in moments(trace, wild, grid))


def test_a_run_stopped_as_diverged_diverges_at_its_last_finite_state_and_never_settles(trace):
    good = trace.runs[1]
    path = good.path.copy()
    path[25:] = np.nan
    stopped = dataclasses.replace(good, status="diverged", path=path)
    assert told(trace, stopped) == [(0, "start"), (24, "diverges"), (30, "end")]
    assert key_state(trace, stopped) == 24
    at_end = dataclasses.replace(trace.runs[0], status="diverged")  # all finite: diverges at its end
    assert told(trace, at_end) == [(0, "start"), (30, "diverges")]
    assert key_state(trace, at_end) == 15  # never the end when there is another state


def test_the_frame_of_a_state_is_the_last_frame_showing_it_or_an_earlier_one():
    schedule = [0, 1, 2, 5, 10, 30]
    assert [frame_of(schedule, s) for s in (-1, 0, 1, 4, 5, 6, 30, 40)] == [0, 0, 1, 2, 3, 3, 5, 5]


def test_a_runs_poster_is_its_first_its_last_or_its_key_frame(trace):
    wild = trace.runs[3]
    grid = loss_grid(trace, [wild])
    schedule = [0, 1, 2, 3, 5, 8, 13, 21, 30]
    leaves = in_view(wild, grid)
    assert poster_frame("first", trace, wild, schedule, grid) == 0
    assert poster_frame("last", trace, wild, schedule, grid) == 8
    assert poster_frame("key", trace, wild, schedule, grid) == max(i for i, s in enumerate(schedule) if s <= leaves)
    assert poster_frame("key", trace, wild, schedule) == 1  # the overshoot, state 1


def test_a_videos_key_poster_looks_for_the_view_only_when_its_frames_draw_one(trace):
    wild = trace.runs[3]
    schedule = list(range(31))
    leaves = in_view(wild, loss_grid(trace, [wild]))
    assert video_poster("key", trace, wild, schedule, ["fit", "contour"]) == leaves
    assert video_poster("key", trace, wild, schedule, ["surface"]) == leaves
    assert video_poster("key", trace, wild, schedule, ["fit", "loss"]) == 1
    assert video_poster("first", trace, wild, schedule, ["contour"]) == 0
    assert video_poster("last", trace, wild, schedule, ["contour"]) == 30


def test_the_grids_key_poster_is_the_median_of_its_runs_key_moments(trace):
    runs = trace.runs[1:4]  # keys: settles at 12, overshoots at 1, leaves the view at 4 (its own view)
    times, states = compare_schedule(runs, 150)
    keys = [key_state(trace, runs[0]), 1, in_view(runs[2], loss_grid(trace, [runs[2]]))]
    grids = {runs[2].name: loss_grid(trace, [runs[2]])}
    assert times[compare_poster_frame("key", trace, runs, times, states, grids)] == sorted(keys)[1]
    assert times[compare_poster_frame("key", trace, runs, times, states)] == 1  # no view: 12, 1, 1
    assert compare_poster_frame("first", trace, runs, times, states) == 0
    assert compare_poster_frame("last", trace, runs, times, states) == len(times) - 1
    one = np.array([0.0])
    assert compare_poster_frame("key", trace, runs, one, np.zeros((1, 3), int)) == 0


def test_the_grids_key_poster_is_never_its_last_frame_when_there_is_another(trace):
    runs = [shortened(r, 1) for r in trace.runs[:2]]  # one step each: the key is the end, state 1
    times, states = compare_schedule(runs, 150)
    assert times.tolist() == [0, 1]
    assert compare_poster_frame("key", trace, runs, times, states) == 0


def test_a_grid_poster_looks_for_the_leaving_in_the_one_view_all_its_runs_share(trace):
    times, states = compare_schedule(trace.runs, 150)  # every run has every epoch: frame k is epoch k
    shared = loss_grid(trace, trace.runs)
    leaving = [in_view(r, shared) for r in trace.runs[3:]]
    assert leaving[0] > 1 and leaving[1] > 1  # in the shared view both leave after their overshoot
    keys = [15, key_state(trace, trace.runs[1]), 1] + leaving
    assert compare_poster("key", trace, times, states, ["fit", "contour"]) == int(np.median(keys))
    assert compare_poster("key", trace, times, states, ["fit"]) == int(np.median(keys[:3] + [1, 1]))
    assert compare_poster("first", trace, times, states, ["contour"]) == 0
    assert compare_poster("last", trace, times, states, ["contour"]) == 30


def test_a_loss_that_overflows_at_the_first_step_diverges_there_and_one_that_starts_overflowed_says_nothing(trace):
    good = trace.runs[1]
    loss = good.loss.copy()
    loss[1] = np.inf
    assert told(trace, dataclasses.replace(good, loss=loss)) == [(0, "start"), (1, "diverges"), (30, "end")]
    loss = good.loss.copy()
    loss[0] = np.inf  # no loss is ten times an infinite start, and every loss is 99% of the way from it
    assert told(trace, dataclasses.replace(good, loss=loss)) == [(0, "start"), (30, "end")]


BLOWING = LECTURE.replace("runs: [{lr: 0.0001}, {lr: 0.001}, {lr: 0.0083}, {lr: 0.01}, {lr: 0.0102}]",
                          "runs: [{lr: 0.01}, {lr: 0.0102}]")  # the two that blow up


def test_runs_that_share_a_view_are_keyed_where_they_leave_that_view_not_their_own():
    two = record(parse_scenario(BLOWING))
    shared = loss_grid(two, two.runs)
    leave = [in_view(r, shared) for r in two.runs]
    own = [in_view(r, loss_grid(two, [r])) for r in two.runs]
    assert leave[0] == leave[1] > 1 and own[1] <= 1  # alone, the faster run is out of its view at once
    times, states = compare_schedule(two.runs, 150)
    assert compare_poster("key", two, times, states, ["contour"]) == leave[0]


def test_a_run_settles_at_the_first_state_within_1_percent_of_its_way_down_to_the_minimum(trace):
    good = trace.runs[1]
    best = minimum(trace)
    assert best > 20  # the noise leaves a minimum well above 0
    above = np.array([100, 50, 10, 1.5, 0.5] + [0.2] * 25)  # the start is 100 above the minimum: 1% is 1
    crafted = dataclasses.replace(good, loss=(best + above).astype(np.float32), final_loss=best + 0.1)
    assert told(trace, crafted)[1] == (4, "converges")
