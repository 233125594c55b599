"""gdanim.rounding: float32 paths judged against the run recorded on doubles, and the
recorder on doubles itself."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gdanim
from gdanim.rounding import (
    EPS32,
    FACTOR,
    FLOOR,
    beyond_rounding,
    distances,
    excess,
    largest_difference,
    reference_runs,
    run_excess,
)
from gdanim.trace import dumps

SCENARIO = """\
title: rounding
data: {synthetic: {n: 40, seed: 3, x: randn, params: [1.0, 2.0], noise: 0.5}}
init: [-2.0, 3.0]
loss: mse
epochs: 60
runs:
  - {name: gd, optimizer: gd, lr: 0.3}
  - {name: adam, optimizer: adam, lr: 0.2}
  - {name: mini, optimizer: momentum, lr: 0.05, batch_size: 7, seed: 2}
  - {name: diverges, optimizer: gd, lr: 1.2}
"""


@pytest.fixture(scope="module")
def recorded():
    trace = gdanim.record(gdanim.parse_scenario(SCENARIO, "r.yaml"))
    return trace, reference_runs(trace)


def test_the_run_on_doubles_is_the_float32_run_up_to_rounding(recorded):
    trace, exact = recorded
    for run, ref in zip(trace.runs[:3], exact[:3]):
        assert ref.path.dtype == np.float64 and run.path.dtype == np.float32
        assert ref.steps == run.steps and ref.status == run.status
        scale = np.maximum(np.abs(ref.path).max(1), 1.0)
        err = np.abs(run.path - ref.path).max(1) / scale
        assert 0 < err.max() < 1e-4, run.name  # not the same numbers, yet close
    # a diverging run overflows float32 long before float64: the steps they share are compared
    assert exact[3].steps >= trace.runs[3].steps


def test_a_recording_is_within_rounding_of_itself_and_a_slip_is_not(recorded):
    trace, exact = recorded
    for run, ref in zip(trace.runs, exact):
        assert run_excess(run, run, ref) <= 1 / FACTOR + 1e-12, run.name
        slipped = run.path.astype(np.float64).copy()
        slipped[len(slipped) // 2:] *= 1 + 1e-3  # from half way on, 0.1 % off
        assert excess(slipped, run.path, ref.path) > 1, run.name


@settings(max_examples=50, deadline=None)
@given(st.integers(2, 40), st.floats(1e-3, 1e3), st.integers(0, 2**32 - 1))
def test_excess_is_the_distance_over_factor_times_the_trusted_running_largest(m, size, seed):
    rng = np.random.default_rng(seed)
    exact = rng.normal(0, size, (m, 2))
    trusted = exact * (1 + rng.uniform(-1, 1, (m, 1)) * 50 * EPS32)
    values = exact * (1 + rng.uniform(-1, 1, (m, 1)) * 200 * EPS32)
    dist = lambda a: np.abs(a - exact).max(1) / np.maximum(np.abs(exact).max(1), 1.0)  # noqa: E731
    want = (dist(values) / (FACTOR * np.maximum(np.maximum.accumulate(dist(trusted)), FLOOR))).max()
    assert excess(values, trusted, exact) == pytest.approx(want, rel=1e-12)
    values[-1] = np.nan  # rows where any is not finite are left out
    assert excess(values, trusted, exact) <= want * (1 + 1e-12)


def test_the_largest_difference_of_two_documents_is_named_by_its_place():
    old = {"title": "t", "runs": [{"lr": 0.1, "loss": [3.0, 2.0]}, {"lr": 0.2, "loss": [1.0]}]}
    new = {"title": "t", "runs": [{"lr": 0.1, "loss": [3.0, 2.5]}, {"lr": 0.2, "loss": [1.0]}]}
    assert largest_difference(old, new) == ("runs[0].loss[1]", 0.5)
    assert largest_difference(old, old)[1] == 0.0
    assert largest_difference({"a": 400.0}, {"a": 500.0}, relative=True) == ("a", pytest.approx(0.2))  # over the larger
    assert largest_difference({"a": 0.5}, {"a": 0.25}, relative=True) == ("a", 0.25)  # over 1 below 1
    assert largest_difference({"a": -500.0}, {"a": -400.0}, relative=True)[1] == pytest.approx(0.2)


def test_anything_but_a_number_that_differs_is_an_infinite_difference():
    inf = float("inf")
    assert largest_difference({"a": "x"}, {"a": "y"}) == ("a", inf)
    assert largest_difference({"a": None}, {"a": 0.0}) == ("a", inf)
    assert largest_difference({"a": False}, {"a": 0.5}) == ("a", inf)
    assert largest_difference({"a": 1}, {"b": 1}) == ("a", inf)
    assert largest_difference({"l": [1, 2]}, {"l": [1, 2, 3]}) == ("l (length 2 -> 3)", inf)
    assert largest_difference({"l": [1, 5]}, {"l": [1, 2, 3]}) == ("l (length 2 -> 3)", inf)
    assert largest_difference({}, {}, "top") == ("top", 0.0)
    assert largest_difference([], [], "top") == ("top", 0.0)


SMALL = """\
title: rounding
data: {points: {x: [0, 1, 2, 3], y: [1, 3, 5.5, 6.5]}}
init: [0, 0]
loss: mse
epochs: 12
runs: [{name: slow, lr: 0.05}, {name: fast, lr: 0.16}]
"""


@pytest.fixture(scope="module")
def small():
    return gdanim.record(gdanim.parse_scenario(SMALL, "s.yaml"))


def rewritten(tmp_path, trace, change):
    doc = json.loads(dumps(trace))
    change(doc)
    path = tmp_path / "trace.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_a_trace_recorded_again_is_within_rounding_of_itself(small, tmp_path):
    assert beyond_rounding(rewritten(tmp_path, small, lambda doc: None), small) is None


def test_a_number_outside_the_steps_that_moved_beyond_rounding_is_named_with_its_size(small, tmp_path):
    def shift(doc):
        doc["runs"][1]["best"]["loss"] += 0.01  # a loss below 1: relative to 1
    assert beyond_rounding(rewritten(tmp_path, small, shift), small) == "runs[1].best.loss differs by 0.01 relative"

    def nudge(doc):
        doc["runs"][1]["best"]["loss"] += 5e-5  # within NUMBERS_RTOL
    assert beyond_rounding(rewritten(tmp_path, small, nudge), small) is None

    def rename(doc):
        doc["title"] = "another"
    assert beyond_rounding(rewritten(tmp_path, small, rename), small) == "title differs"


def test_a_run_that_took_other_steps_or_strayed_from_its_float64_path_is_named(small, tmp_path):
    def shorter(doc):
        doc["runs"][0]["steps"] = doc["runs"][0]["steps"][:-1]
    assert beyond_rounding(rewritten(tmp_path, small, shorter), small) == (
        "runs[0] (slow) took 11 steps (max_epochs), now 12 (max_epochs)")

    def stray(doc):
        doc["runs"][1]["steps"][6]["params"] = [p * 1.001 for p in doc["runs"][1]["steps"][6]["params"]]
    found = beyond_rounding(rewritten(tmp_path, small, stray), small)
    assert found.startswith("runs[1] (fast) is ") and found.endswith(" x farther from its float64 path than float32 "
                                                                     "rounding goes")

    def unreadable(doc):
        del doc["runs"][0]["steps"][0]["grad"]
    assert beyond_rounding(rewritten(tmp_path, small, unreadable), small).startswith("its runs cannot be read (")


def test_the_final_loss_is_judged_with_the_steps_when_both_took_as_many(small, tmp_path):
    def final(doc):
        doc["runs"][0]["final"]["loss"] *= 1.001
    assert beyond_rounding(rewritten(tmp_path, small, final), small).startswith("runs[0] (slow) is ")


def test_a_path_that_stopped_earlier_is_judged_over_the_steps_all_three_took():
    rng = np.random.default_rng(4)
    exact = rng.normal(size=(10, 2))
    trusted = exact * (1 + 30 * EPS32)
    values = exact * (1 + 300 * EPS32)
    whole = excess(values[:6], trusted[:6], exact[:6])
    assert excess(values[:6], trusted, exact) == whole
    assert excess(values, trusted[:6], exact) == whole
    assert excess(values, trusted, exact[:6]) == whole


def test_a_row_that_is_not_finite_in_any_of_the_three_is_left_out_and_the_others_still_count():
    exact = np.ones((6, 2))
    trusted = exact * (1 + 30 * EPS32)
    values = exact.copy()
    values[4] *= 1 + 1e-3  # a slip
    for which in range(3):
        arrays = [values.copy(), trusted.copy(), exact.copy()]
        arrays[which][1] = np.nan
        assert excess(*arrays) > 1, which
    assert excess(np.full((3, 2), np.nan), trusted[:3], exact[:3]) == 0.0  # nothing left to judge


def test_losses_are_judged_relative_to_their_own_size_however_small():
    exact = np.full(4, 1e-3)
    assert excess(exact * (1 + 1e-4), exact * (1 + 1e-7), exact, unit=1e-30) > 1
    assert excess(exact * (1 + 1e-4), exact * (1 + 1e-7), exact) < 1  # against 1, 1e-7 is nothing
    assert list(distances(np.array([3.0, 0.5]), np.array([0.5, 0.25]))) == [2.5, 0.25]  # over max(|exact|, 1)


def test_a_document_against_a_number_or_a_list_against_a_number_is_an_infinite_difference():
    inf = float("inf")
    assert largest_difference({"a": {"b": 1}}, {"a": 5}) == ("a", inf)
    assert largest_difference({"a": 5}, {"a": {"b": 1}}) == ("a", inf)
    assert largest_difference({"a": [1, 2]}, {"a": 3}) == ("a", inf)
    assert largest_difference({"a": 3}, {"a": [1, 2]}) == ("a", inf)


def test_relative_differences_stay_relative_inside_lists_and_documents():
    assert largest_difference({"l": [400.0]}, {"l": [500.0]}, relative=True) == ("l[0]", pytest.approx(0.2))
    assert largest_difference({"d": {"e": 400.0}}, {"d": {"e": 500.0}}, relative=True) == ("d.e", pytest.approx(0.2))


def test_a_data_value_that_moved_within_1e4_of_its_size_is_within_rounding(small, tmp_path):
    def nudge(doc):
        doc["data"]["y"][3] += 3e-4  # 6.5: 4.6e-5 of its size
    assert beyond_rounding(rewritten(tmp_path, small, nudge), small) is None


def test_a_trace_without_its_runs_is_told_so(small, tmp_path):
    def drop(doc):
        del doc["runs"]
    assert beyond_rounding(rewritten(tmp_path, small, drop), small) == "runs (length 0 -> 2) differs"


def test_each_run_is_recorded_again_on_doubles_in_the_units_it_trained_in():
    trace = gdanim.record(gdanim.parse_scenario(SMALL.replace(
        "runs: [{name: slow, lr: 0.05}, {name: fast, lr: 0.16}]",
        "runs: [{name: raw, lr: 0.05}, {name: standard, lr: 0.3, normalize: standardize}, {name: half, lr: 0.1, "
        "normalize: 0.5}]"), "n.yaml"))
    exact = reference_runs(trace)
    assert [r.path.dtype for r in exact] == [np.float64] * 3
    for run, ref in zip(trace.runs, exact):
        assert np.abs(run.path - ref.path).max() < 1e-4, run.name


def test_a_loss_well_below_one_that_slipped_1e4_of_its_size_is_beyond_rounding(small):
    """Losses of about 0.12 off by 1e-4 of their size: twice what float32 rounding allows
    them, though only half of it measured against 1."""
    run = small.run("fast")
    exact = reference_runs(small)[1]
    loss = run.loss.astype(np.float64)
    loss[loss < 0.2] *= 1 + 1e-4
    assert (loss < 0.2).sum() >= 3 and run_excess(run, run, exact) <= 1
    assert run_excess(dataclasses.replace(run, loss=loss), run, exact) > 1


def test_a_run_cut_short_is_judged_on_the_steps_it_took(small):
    run = small.run("fast")
    exact = reference_runs(small)[1]
    short = dataclasses.replace(run, loss=run.loss[:6], epoch=run.epoch[:6], path=run.path[:7], grad=run.grad[:6],
                                update=run.update[:6], lr=run.step_lr[:6])
    assert short.steps == 6 and abs(short.final_loss - run.loss[6]) > 1e-3 * run.loss[6]
    assert run_excess(short, run, exact) <= 1
