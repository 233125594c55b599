"""Which states become frames: all of them, a list, or dense early and sparse late."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gdanim.scene.schedule import compare_schedule, schedule, state_times


@given(states=st.integers(2, 200_000), max_frames=st.integers(2, 400))
def test_the_schedule_keeps_first_and_last_and_never_exceeds_max_frames(states, max_frames):
    picked = schedule(states, max_frames)
    assert picked[0] == 0 and picked[-1] == states - 1
    assert len(picked) == min(states, max_frames)  # a long run gets every frame it may have
    assert np.all(np.diff(picked) > 0)


def test_every_state_is_a_frame_while_they_fit():
    assert list(schedule(31, 150)) == list(range(31))


def test_a_long_run_is_shown_densely_early_and_sparsely_late():
    picked = schedule(5001, 150)
    gaps = np.diff(picked)
    assert len(picked) >= 140
    assert list(picked[:10]) == list(range(10))  # every early step
    assert gaps[-1] > 50 * gaps[0]
    assert np.all(np.diff(gaps) >= -1)  # gaps only widen (up to rounding)


def test_explicit_frames_are_used_as_given_clipped_to_the_run():
    assert list(schedule(31, 150, [0, 1, 2, 3, 10, 100, 1000])) == [0, 1, 2, 3, 10, 30]
    assert list(schedule(31, 150, [-5, 3])) == [0, 3]  # before the start is the start


class FakeRun:
    def __init__(self, epochs: int, batches: int = 1) -> None:
        self.epoch = np.repeat(np.arange(epochs), batches)
        self.steps = epochs * batches


def test_states_of_mini_batches_fall_within_their_epoch():
    assert list(state_times(FakeRun(2, batches=2))) == [0.0, 0.5, 1.0, 1.5, 2.0]


def test_an_epoch_of_three_batches_and_one_of_two_share_each_epoch_evenly():
    run = FakeRun(0)
    run.epoch, run.steps = np.array([0, 0, 0, 1, 1]), 5
    assert state_times(run) == pytest.approx([0, 1 / 3, 2 / 3, 1, 1.5, 2])


def test_a_run_that_took_no_step_is_its_start_at_time_zero():
    assert list(state_times(FakeRun(0))) == [0.0]


def test_the_compare_grid_freezes_a_run_at_its_last_state_once_it_ends():
    times, states = compare_schedule([FakeRun(5), FakeRun(2)], max_frames=150)
    assert list(times) == [0, 1, 2, 3, 4, 5]
    assert list(states[:, 0]) == [0, 1, 2, 3, 4, 5]
    assert list(states[:, 1]) == [0, 1, 2, 2, 2, 2]


def test_the_compare_grid_shows_explicit_frames_of_every_run_as_given():
    times, states = compare_schedule([FakeRun(5), FakeRun(2)], max_frames=2, frames=[0, 1, 4])
    assert list(times) == [0, 1, 2, 4]  # the second run's frame 4 is its last, 2
    assert states.tolist() == [[0, 0], [1, 1], [2, 2], [4, 2]]


def test_the_compare_grid_of_long_runs_stays_within_max_frames():
    times, states = compare_schedule([FakeRun(5000), FakeRun(3000)], max_frames=100)
    assert len(times) == 100 and states.shape == (100, 2)
    assert states[-1, 0] == 5000 and states[-1, 1] == 3000 and states[0].tolist() == [0, 0]
