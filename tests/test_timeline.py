"""The timeline of a video: eased segments between recorded states, every shown state on
a frame of its own, the first steps slow, pauses at events and nowhere else."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gdanim.scene.timeline import FIRST, FIRST_STEPS, FPS, GIF_STEP, MIN_CUE, Pacing, allot, build, knots_of, smooth


@given(st.lists(st.floats(0, 1), min_size=1, max_size=50))
def test_the_easing_maps_the_unit_interval_onto_itself_in_order_with_exact_ends(ts):
    u = np.sort(np.asarray(ts))
    eased = smooth(u)
    assert np.all((eased >= 0) & (eased <= 1)) and np.all(np.diff(eased) >= 0)
    assert smooth(np.array([0.0, 1.0])).tolist() == [0.0, 1.0]


@given(count=st.integers(1, 400), units=st.integers(1, 600), first=st.integers(1, 8))
def test_allotted_segments_fill_the_units_slow_first_and_never_slower_later(count, units, first):
    got = allot(count, units, first)
    assert len(got) == count and got.min() >= 1
    assert got.sum() == max(units, count)
    assert np.all(np.diff(got) <= 0)


@pytest.mark.parametrize("fps", FPS)
@pytest.mark.parametrize("epochs", [3, 25, 30, 40, 300, 5000])
def test_the_first_steps_take_at_least_the_first_seconds_and_the_motion_fits_the_duration(fps, epochs):
    pacing = Pacing(fps=fps)
    knots = knots_of(epochs + 1, pacing)
    pos, first, holds = build(knots, {len(knots) - 1: 1.5}, pacing)
    seconds = np.diff(first) / fps
    assert knots[0] == 0 and knots[-1] == epochs
    assert list(knots[:FIRST_STEPS + 1]) == list(range(FIRST_STEPS + 1))  # the first steps are shown
    assert np.all(seconds[:FIRST_STEPS] >= FIRST)
    assert np.all(np.diff(seconds) <= 1e-9)  # faster later, never slower
    assert seconds.sum() <= 9.0 + len(seconds) * GIF_STEP[fps] / fps  # fits (rounded up per segment)
    if 25 <= epochs <= 40:
        assert 9 <= seconds.sum() + holds.sum() / fps + 1.5 <= 15


@given(steps=st.integers(1, 300), glide=st.booleans(), fps=st.sampled_from(FPS),
       stops=st.lists(st.integers(0, 300), max_size=6))
def test_every_knot_lands_exactly_on_a_frame_and_the_frames_between_move_in_order(steps, glide, fps, stops):
    pacing = Pacing(fps=fps, motion="glide" if glide else "steps")
    knots = knots_of(steps + 1, pacing, [s for s in stops if s <= steps])
    pause = {int(np.searchsorted(knots, s)): 1.0 for s in stops if s <= steps}
    pos, first, holds = build(knots, pause, pacing)
    assert np.all(pos[first] == knots)  # the state itself, bit for bit
    assert np.all(first % GIF_STEP[fps] == 0)  # a GIF keeps it too
    assert np.all(np.diff(pos) >= 0)  # never back
    assert pos[-1] == knots[-1]
    for i in range(len(knots) - 1):  # within a segment: strictly between the two knots
        inside = pos[first[i] + holds[i] + 1:first[i + 1]]
        assert np.all((inside > knots[i]) & (inside < knots[i + 1])) if glide else np.all(inside == knots[i])
    moving = np.flatnonzero(np.diff(pos) == 0) + 1  # frames that repeat the one before
    paused = {int(first[i]) + j for i in range(len(knots)) for j in range(1, holds[i] + 1)}
    assert set(moving.tolist()) <= paused | set(range(first[-1], len(pos))) if glide else True


def test_pauses_at_events_are_long_enough_for_their_captions():
    pacing = Pacing()
    knots = knots_of(31, pacing, [1, 2, 7])
    pos, first, holds = build(knots, {0: 1.0, 1: 1.0, 2: 1.0, 7: 1.0, 30: 1.5}, pacing)
    starts = first[[0, 1, 2, 7, 30]] / pacing.fps
    assert np.all(np.diff(starts) >= MIN_CUE)
    assert (len(pos) - first[30]) / pacing.fps >= MIN_CUE
    assert holds[3:7].sum() == 0 and holds[8:30].sum() == 0  # no pause but at events
