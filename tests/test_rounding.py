"""gdanim.rounding: float32 paths judged against the run recorded on doubles, and the
recorder on doubles itself."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gdanim
from gdanim.rounding import EPS32, FACTOR, FLOOR, excess, reference_runs, run_excess

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
