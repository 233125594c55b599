"""The moments a video stops at, as a lecturer would tell them: below 1/λmax a run glides
down and settles; between 1/λmax and 2/λmax its first step overshoots the minimum yet it
settles; at 2/λmax and beyond the loss grows from the first step and the run blows up.
A rise the size of float32 noise, or one the next step takes back, is not growth."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest

import gdanim
from gdanim.analysis import quadratic
from gdanim.scene.events import Event, best, callout_events, event_text, growth, overshoot, run_events, vec

# Four points; MSE. λmax = 8.405, so 1/λmax = 0.119 and 2/λmax = 0.238.
SCENARIO = """\
data: {points: {x: [0, 1, 2, 3], y: [1, 3, 5.5, 6.5]}}
init: [0, 0]
loss: mse
epochs: 40
runs: [{lr: 0.05}, {lr: 0.16}, {lr: 0.25}, {lr: 0.6}]
"""
WORDS = {"cap_start": "start at {params}, loss {loss}", "cap_overshoot": "overshoots", "cap_grows": "grows",
         "cap_divergent": "lr·λmax = {ratio} ≥ 2", "cap_converges": "settles", "cap_diverges": "blows up",
         "cap_leaves": "leaves", "cap_end_converged": "done at {params}, loss {loss}",
         "cap_end_diverged": "diverged, loss {loss}", "cap_end_max_epochs": "stopped, loss {loss} at {params}"}


@pytest.fixture(scope="module")
def trace():
    return gdanim.record(gdanim.parse_scenario(SCENARIO))


def kinds(events):
    return [(e.state, e.kind) for e in events]


def lam_max(trace):
    return max(trace.analysis.spectra["mse"].eigenvalues)


def minimum(trace):
    return trace.analysis.spectra["mse"].ols_loss


def settled_at(run, best):
    """The first state that has come 99% of the way from the start to the minimum."""
    loss = np.append(run.loss.astype(np.float64), run.final_loss)
    return int(np.flatnonzero(loss - best <= 0.01 * (loss[0] - best))[0])


def test_the_rates_of_this_data_sit_where_the_lecture_says(trace):
    assert [r.regime for r in trace.runs] == ["monotone", "oscillating", "divergent", "divergent"]
    assert 2 / lam_max(trace) == pytest.approx(0.238, abs=1e-3)


def test_below_one_over_lambda_max_a_run_glides_down_and_settles_where_it_is_99_percent_there(trace):
    run = trace.runs[0]
    assert kinds(run_events(trace, run)) == [(0, "start"), (settled_at(run, minimum(trace)), "converges"),
                                             (40, "end")]


def test_between_one_and_two_over_lambda_max_the_first_step_overshoots_yet_the_run_settles(trace):
    run = trace.runs[1]
    events = kinds(run_events(trace, run))
    assert events == [(0, "start"), (1, "overshoot"), (settled_at(run, minimum(trace)), "converges"), (40, "end")]
    assert growth(trace, run) is None


def test_beyond_two_over_lambda_max_the_loss_grows_from_the_first_step_and_blows_up_at_ten_times_its_start(trace):
    run = trace.runs[2]
    events = run_events(trace, run)
    loss = np.append(run.loss.astype(np.float64), run.final_loss)
    blown = int(np.flatnonzero(loss > 10 * loss[0])[0])
    assert ("grows" in [e.kind for e in events]) and (blown, "diverges") in kinds(events)
    grows = next(e for e in events if e.kind == "grows")
    assert grows.state == 1 and grows.ratio == pytest.approx(0.25 * lam_max(trace), rel=1e-6)
    assert blown > 1 and loss[blown - 1] <= 10 * loss[0]


def test_a_run_that_overflows_diverges_on_its_first_step_and_is_told_so_at_its_end(trace):
    run = trace.runs[3]
    assert run.status == "diverged"
    events = run_events(trace, run)
    assert kinds(events)[:2] == [(0, "start"), (1, "overshoot")]
    assert (1, "diverges") in kinds(events) and events[-1] == Event(run.steps + 0, "end")
    assert event_text(run, events[-1], WORDS).startswith("diverged, loss ")


def test_events_at_the_same_state_come_in_the_order_of_the_story_and_a_frame_calls_out_the_first(trace):
    run = trace.runs[3]
    events = run_events(trace, run)
    at_one = [e.kind for e in events if e.state == 1]
    assert at_one == [k for k in ("overshoot", "grows", "leaves", "diverges") if k in at_one]
    assert [e.kind for e in callout_events(events)] == ["overshoot", "end"]
    assert callout_events([Event(0, "start"), Event(2, "grows"), Event(2, "leaves"), Event(5, "end")]) == [
        Event(2, "grows"), Event(5, "end")]


def with_loss(run, values):
    """The run with a loss of our own at each state (the last one is the final loss)."""
    values = np.asarray(values, np.float64)
    return dataclasses.replace(run, loss=values[:-1].astype(np.float32), final_loss=float(values[-1]),
                               epoch=np.arange(len(values) - 1), path=run.path[:len(values)],
                               grad=run.grad[:len(values) - 1], update=run.update[:len(values) - 1],
                               lr=run.step_lr[:len(values) - 1])


def test_a_rise_within_float32_noise_or_taken_back_by_the_next_step_is_not_growth(trace):
    stable = trace.runs[0]
    assert growth(trace, with_loss(stable, [10, 9, 9 * (1 + 5e-6), 8, 7])) is None  # float32's last digits
    assert growth(trace, with_loss(stable, [10, 9, 9.5, 8, 7])) is None  # a blip, taken back
    assert growth(trace, with_loss(stable, [10, 9, 9.5, 9.4, 9.3])) == (2, None)  # stays above where it rose from
    assert growth(trace, with_loss(stable, [10, 9, 9 * (1 + 3e-5), 9 * (1 + 3e-5), 8])) == (2, None)
    assert growth(trace, with_loss(stable, [10, 9, 9.5, 9.6, 9.7])) == (2, None)  # rises and stays up
    assert growth(trace, with_loss(stable, [10, 9, 8, 8.5])) == (3, None)  # the last step has no next one


def test_on_a_step_at_or_beyond_two_over_lambda_max_any_real_rise_is_growth_and_says_its_ratio(trace):
    unstable = trace.runs[2]
    state, ratio = growth(trace, with_loss(unstable, [10, 9, 9.5, 8, 7]))
    assert state == 2 and ratio == pytest.approx(0.25 * lam_max(trace), rel=1e-6)
    assert growth(trace, with_loss(unstable, [10, 9, 9 * (1 + 5e-6), 8, 7])) is None


def test_a_run_that_never_gets_below_its_start_neither_settles_nor_grows(trace):
    flat = with_loss(trace.runs[0], [5, 5, 5, 5])
    assert growth(trace, flat) is None
    assert "converges" not in [e.kind for e in run_events(trace, flat)]


def test_the_sentences_name_the_numbers_of_their_state(trace):
    run = trace.runs[1]
    assert event_text(run, Event(0, "start"), WORDS) == f"start at [0, 0], loss {float(run.loss[0]):.4g}"
    end = event_text(run, Event(run.steps, "end"), WORDS)
    assert end.startswith("stopped, loss ") and end.endswith(f"at [{run.path[-1][0]:.4g}, {run.path[-1][1]:.4g}]")
    assert event_text(run, Event(3, "grows", 2.0149913), WORDS) == "grows; lr·λmax = 2.01 ≥ 2"
    assert event_text(run, Event(3, "grows"), WORDS) == "grows"
    assert event_text(run, Event(3, "converges"), WORDS) == "settles"


def test_leaving_the_view_is_told_only_for_a_view_the_model_has(trace):
    run = trace.runs[2]
    assert "leaves" in [e.kind for e in run_events(trace, run)]
    assert "leaves" not in [e.kind for e in run_events(trace, run, (0, 2))]


def test_a_run_stopped_at_its_max_loss_diverges_at_its_last_state_though_its_loss_never_reached_ten_times_its_start():
    stopped = SCENARIO.replace("runs: [", "runs: [{lr: 0.25, stop: {max_loss: 30}}, ")
    trace = gdanim.record(gdanim.parse_scenario(stopped))
    run = trace.runs[0]
    loss = np.append(run.loss.astype(np.float64), run.final_loss)
    assert run.status == "diverged" and run.steps > 1 and loss.max() < 10 * loss[0]
    assert kinds(run_events(trace, run))[-2:] == [(run.steps, "diverges"), (run.steps, "end")]


def test_a_run_whose_loss_overflows_from_its_start_diverges_at_its_last_finite_state():
    trace = gdanim.record(gdanim.parse_scenario(SCENARIO.replace("init: [0, 0]", "init: [1e20, 1e20]")))
    run = trace.runs[0]  # lr 0.05: stable, but the first loss is already beyond float32
    assert run.status == "diverged" and not np.isfinite(run.loss[0])
    finite = np.flatnonzero(np.isfinite(run.path).all(axis=1))
    assert finite.size and kinds(run_events(trace, run)) == [(0, "start"), (int(finite[-1]), "diverges"),
                                                              (run.steps, "end")]


ROBUST = """\
data: {points: {x: [0, 1, 2, 3, 4, 5], y: [1, 3, 5.5, 6.5, 9, 0]}}
init: [0, 0]
epochs: 200
runs: [{loss: mae, lr: 0.05}, {loss: huber, lr: 0.1}, {loss: sae, lr: 0.01}]
"""


@pytest.fixture(scope="module")
def robust_trace():
    return gdanim.record(gdanim.parse_scenario(ROBUST))


@pytest.mark.parametrize("k", [0, 1, 2], ids=["mae", "huber", "sae"])
def test_a_robust_run_settles_where_it_has_come_99_percent_of_the_way_to_its_own_minimum_not_the_least_squares_one(
        robust_trace, k):
    run = robust_trace.runs[k]
    fit = robust_trace.analysis.best(run.settings.loss)[1]
    converges = [e.state for e in run_events(robust_trace, run) if e.kind == "converges"]
    assert converges == [settled_at(run, fit)]
    loss = np.append(run.loss.astype(np.float64), run.final_loss)
    assert loss.min() < fit + 0.01 * (loss[0] - fit) and fit > 0


def test_a_robust_run_overshoots_when_it_crosses_its_own_minimum():
    trace = gdanim.record(gdanim.parse_scenario(ROBUST.replace("runs: [", "runs: [{loss: mae, lr: 3}, ")))
    run = trace.runs[0]
    assert (1, "overshoot") in kinds(run_events(trace, run))
    assert (1, "overshoot") not in kinds(run_events(trace, trace.runs[1]))


def test_a_huber_run_settles_toward_the_minimum_of_its_own_delta():
    trace = gdanim.record(gdanim.parse_scenario(ROBUST.replace("runs: [", "runs: [{loss: huber, huber_delta: 0.5, "
                                                                          "lr: 0.1}, ")))
    run = trace.runs[0]
    fit = trace.analysis.best("huber", 0.5)[1]
    assert [e.state for e in run_events(trace, run) if e.kind == "converges"] == [settled_at(run, fit)]


def test_a_step_so_large_its_params_overflow_grows_and_diverges_on_that_step_without_overshooting():
    trace = gdanim.record(gdanim.parse_scenario(SCENARIO.replace("runs: [", "runs: [{lr: 1e38}, ")))
    run = trace.runs[0]
    assert run.status == "diverged" and not np.isfinite(run.path[1]).all()
    events = kinds(run_events(trace, run))
    assert (1, "grows") in events and (1, "diverges") in events and "overshoot" not in [k for _, k in events]


def test_a_single_step_across_the_minimum_is_an_overshoot():
    trace = gdanim.record(gdanim.parse_scenario(SCENARIO.replace("epochs: 40", "epochs: 1")))
    assert overshoot(trace, trace.runs[1]) == 1 and overshoot(trace, trace.runs[0]) is None


def along(trace, run, z):
    """The run moved onto a path of our own, given in the loss's principal directions
    from the minimum (rows: states)."""
    _, vecs = np.linalg.eigh(quadratic(trace.inputs(run), trace.dataset.y).gram)
    path = np.asarray(trace.analysis.minimizer) + np.asarray(z, np.float64) @ vecs.T
    return dataclasses.replace(run, path=path.astype(np.float32))


def test_a_wobble_within_one_percent_of_the_start_is_no_overshoot_and_a_real_crossing_after_it_is(trace):
    run = trace.runs[0]
    assert overshoot(trace, along(trace, run, [[3, 0.5], [0.02, 0.4], [-0.02, 0.3], [-0.01, 0.2]])) is None
    assert overshoot(trace, along(trace, run, [[3, 0.5], [0.01, 0.4], [-1, 0.3], [1, 0.2]])) == 3
    assert overshoot(trace, along(trace, run, [[0.5, 0.1], [0.2, 0.05], [-0.007, 0.03]])) == 2  # 1% of 0.5


def test_a_run_that_settles_on_its_first_step_or_only_at_its_end_says_so(trace):
    run, low = trace.runs[0], minimum(trace)
    assert (1, "converges") in kinds(run_events(trace, with_loss(run, [10, low + 0.01, low, low])))
    assert (2, "converges") in kinds(run_events(trace, with_loss(run, [10, 5, low])))


def test_a_rise_taken_back_to_exactly_the_noise_line_is_not_growth(trace):
    assert growth(trace, with_loss(trace.runs[0], [10, 9, 9.5, 9 * (1 + 1e-5)])) is None


def test_a_rise_on_a_step_exactly_at_two_over_lambda_max_is_growth(trace):
    run = trace.runs[0]
    lam = lam_max(trace)
    at_two = next(r for r in (2 / lam, np.nextafter(2 / lam, 1.0), np.nextafter(2 / lam, 0.0)) if r * lam == 2.0)
    blip = dataclasses.replace(with_loss(run, [10, 9, 9.5, 8, 7]), lr=np.full(4, at_two))
    assert growth(trace, blip) == (2, 2.0)


def test_a_run_stopped_at_its_last_epoch_ends_where_its_last_step_took_it(trace):
    run = trace.runs[2]  # grows, not yet overflowed: its last two states differ
    end = event_text(run, Event(run.steps, "end"), WORDS)
    assert end.endswith(f"at [{run.path[-1][0]:.4g}, {run.path[-1][1]:.4g}]") and run.status == "max_epochs"
    assert vec([1.23456, 2.0], 2) == "[1.2, 2]" and vec([1.23456]) == "[1.235]"


def test_a_robust_run_whose_minimum_was_not_fitted_is_told_without_overshoot_or_settling(robust_trace):
    unknown = dataclasses.replace(robust_trace, analysis=dataclasses.replace(robust_trace.analysis, robust={}))
    run = robust_trace.runs[0]
    told = [k for _, k in kinds(run_events(unknown, run))]
    assert told[0] == "start" and told[-1] == "end" and not {"overshoot", "converges"} & set(told)
    assert best(unknown, run) is None and overshoot(unknown, run) is None


def test_a_robust_run_nearing_its_own_minimum_from_either_side_without_crossing_it_does_not_overshoot(robust_trace):
    run = robust_trace.runs[0]
    fit = np.asarray(robust_trace.analysis.best("mae")[0])
    _, vecs = np.linalg.eigh(quadratic(robust_trace.inputs(run), robust_trace.dataset.y).gram)
    for side in (1, -1):
        z = np.array([[3, -3], [0.05, -0.05], [0.02, -0.02]]) * side
        near = dataclasses.replace(run, path=(fit + z @ vecs.T).astype(np.float32))
        assert overshoot(robust_trace, near) is None


def test_a_loss_recorded_a_hair_below_the_minimum_has_settled(trace):
    """float32 sums can put the loss at the minimum just under the float64 minimum."""
    low = minimum(trace)
    assert (1, "converges") in kinds(run_events(trace, with_loss(trace.runs[0], [10, low * (1 - 1e-6), low, low])))


def test_the_events_of_a_run_whose_params_overflow_come_without_a_warning():
    trace = gdanim.record(gdanim.parse_scenario(SCENARIO.replace("runs: [", "runs: [{lr: 1e38}, ")))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert kinds(run_events(trace, trace.runs[0]))[-1] == (trace.runs[0].steps, "end")


def test_leaving_the_view_depends_on_the_two_parameters_it_shows():
    two = gdanim.record(gdanim.parse_scenario(
        "data: {points: {x: [[0, 1], [1, 0], [2, 2], [3, 1], [1, 3]], y: [1, 3, 5.5, 6.5, 2]}}\n"
        "model: {features: 2}\ninit: [0, 0, 0]\nloss: mse\nepochs: 30\nlr: 0.05\n"))
    run = two.runs[0]
    assert "leaves" not in [e.kind for e in run_events(two, run, (0, 1))]
    assert (1, "leaves") in kinds(run_events(two, run, (0, 2)))
