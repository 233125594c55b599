"""The timeline of a video: eased segments between recorded states, every shown state on
a frame of its own, the first steps slow, pauses at events and nowhere else."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gdanim.scene.events import Event
from gdanim.scene.timeline import (
    FIRST,
    FIRST_STEPS,
    FPS,
    GIF_STEP,
    MIN_CUE,
    Pacing,
    Timeline,
    allot,
    base,
    build,
    compare_callouts,
    compare_timeline,
    knot_states,
    knots_of,
    run_callouts,
    run_timeline,
    seconds_of_motion,
    smooth,
)


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


# ---- by hand: runs, events and videos as a lecturer would describe them ----------------------


WORDS = {"cap_overshoot": "overshoots", "cap_grows": "grows", "cap_leaves": "leaves", "cap_converges": "settles",
         "cap_diverges": "blows up", "cap_end_max_epochs": "stopped at {params}, loss {loss}",
         "cap_start": "start", "cap_divergent": "ratio {ratio}"}


class FakeRun:
    """A recorded run as the timeline sees it: `epochs` epochs of `batches` steps each."""

    def __init__(self, epochs: int, batches: int = 1, name: str = "run") -> None:
        self.epoch = np.repeat(np.arange(epochs), batches)
        self.steps = epochs * batches
        self.name = name
        self.status = "max_epochs"
        self.loss = np.linspace(2.0, 1.0, self.steps, dtype=np.float32)
        self.final_loss = 1.0
        self.path = np.zeros((self.steps + 1, 2), np.float32)


def ev(*pairs):
    return [Event(0, "start")] + [Event(s, k) for s, k in pairs]


def motion_frames(line: Timeline) -> int:
    """The frames in which the video moves (all but its pauses and its last frame)."""
    return line.count - int(line.holds[:-1].sum()) - max(int(line.holds[-1]), 1)


def test_a_gif_keeps_8_to_12_and_a_half_frames_a_second_and_knots_fall_on_them():
    assert {fps: fps / Pacing(fps=fps).step for fps in FPS} == {24: 8, 25: 12.5, 30: 10, 50: 12.5, 60: 10}
    assert Pacing(fps=12).step == 1  # any other rate keeps every frame
    pacing = Pacing(fps=30)
    assert [pacing.units(s) for s in (0, 0.1, 0.15, 1.0, 1.01, -2.0)] == [0, 1, 2, 10, 11, 0]
    assert Pacing(fps=25).units(1.0) == 13  # 12.5 GIF frames, rounded up


def test_a_position_has_reached_the_last_state_at_or_before_it():
    assert [base(p) for p in (0.0, 2.0, 2.5, 2.999, 3 - 1e-12, 1.999999)] == [0, 2, 2, 2, 3, 1]


def test_the_glide_starts_and_ends_slowly_and_is_halfway_at_the_middle():
    eased = smooth(np.array([-0.5, 0.0, 0.1, 0.5, 0.9, 1.0, 1.5]))
    assert eased[[0, 1]].tolist() == [0.0, 0.0] and eased[[5, 6]].tolist() == [1.0, 1.0]
    assert eased[3] == pytest.approx(0.5, abs=1e-12)
    # manim's smooth is the logistic curve of slope 10 normalized to [0, 1], i.e. tanh(5 (t - 1/2)) rescaled:
    # about 1% of the way after a tenth of the segment
    ts = np.array([0.1, 0.25, 0.9])
    assert np.allclose(smooth(ts), (np.tanh(5 * (ts - 0.5)) + np.tanh(2.5)) / (2 * np.tanh(2.5)), rtol=0, atol=1e-12)
    assert eased[2] == pytest.approx(0.0114, abs=1e-4) and eased[4] == pytest.approx(1 - 0.0114, abs=1e-4)


def test_no_segment_is_allotted_nothing_and_long_runs_share_out_the_time_by_the_warp():
    assert allot(0, 10, 1).tolist() == [] and allot(-1, 10, 1).tolist() == []
    assert allot(0, 10, 1).dtype.kind == "i"
    assert allot(4, 8, 1).tolist() == [2, 2, 2, 2]  # 8 GIF frames for 4 steps: two each, the warp rounds away
    assert allot(1, 7, 1).tolist() == [7]
    weights = np.array([1, 1, 1, 5 / 6, 5 / 7, 5 / 8, 5 / 9, 5 / 10])  # step 3 on: 1 / (1 + (i - 2) / 5)
    got = allot(8, 8000, 1)
    assert got.sum() == 8000 and np.all(np.abs(got - 8000 * weights / weights.sum()) <= 3)
    assert allot(5, 3, 1).tolist() == [1] * 5  # more steps than units: one each


def test_the_first_steps_get_their_floor_exactly_when_it_fits():
    assert allot(10, 19, 4).tolist() == [4, 4, 4] + [1] * 7  # 3 * 4 + 7 * 1 = 19: just fits
    short = allot(10, 18, 4)
    assert short.sum() == 18 and short[0] < 4  # one unit short: no floor
    assert allot(4, 10, 3).tolist() == [3, 3, 3, 1]  # the floor, and the fourth step gets what is left
    # the floor first (3 x 5), then the 14 units left over go to the later steps, earliest first, fewer later
    assert allot(10, 29, 5).tolist() == [5, 5, 5, 3, 2, 2, 2, 2, 2, 1]
    got = allot(6, 30, 8)
    assert got.sum() == 30 and got[:3].tolist() == [8, 8, 8] and np.all(np.diff(got) <= 0)


@given(count=st.integers(1, 60), units=st.integers(1, 300), first=st.integers(1, 8))
def test_the_first_steps_floor_holds_whenever_it_fits(count, units, first):
    got = allot(count, units, first)
    assert got.dtype.kind == "i"  # whole GIF frames
    head = min(FIRST_STEPS, count)
    if units >= first * head + (count - head):
        assert np.all(got[:head] >= first)
    assert got.sum() == max(units, count) and np.all(np.diff(got) <= 0)


def test_the_motion_lasts_the_duration_by_default_nine_seconds_or_a_second_a_step():
    assert seconds_of_motion(Pacing(duration=4), 100) == 4.0
    assert seconds_of_motion(Pacing(), 100) == 9.0
    assert [seconds_of_motion(Pacing(), s) for s in (0, 1, 3, 9, 10)] == [1.0, 1.0, 3.0, 9.0, 9.0]
    for fps in FPS:
        line = run_timeline(None, FakeRun(3), Pacing(fps=fps), events=ev((3, "end")))
        assert 3.0 <= motion_frames(line) / fps < 3.0 + GIF_STEP[fps] / fps  # a second a step


@pytest.mark.parametrize("fps", FPS)
def test_fps_and_duration_are_respected(fps):
    line = run_timeline(None, FakeRun(40), Pacing(fps=fps, duration=6.0), events=ev((40, "end")))
    assert line.fps == fps and line.step == GIF_STEP[fps]
    assert 6.0 <= motion_frames(line) / fps < 6.0 + GIF_STEP[fps] / fps  # 6 s, rounded up to a GIF frame
    assert motion_frames(line) % GIF_STEP[fps] == 0


def test_a_5000_epoch_run_shows_two_gif_frames_a_step_and_fits_in_nine_seconds():
    line = run_timeline(None, FakeRun(5000), Pacing(), events=ev((5000, "end")))
    assert len(line.knots) == 90 // 2 + 1  # 9 s at 10 GIF frames a second
    assert motion_frames(line) == 9 * 30
    assert line.knots.dtype.kind == "i" and line.knots[0] == 0 and line.knots[-1] == 5000
    assert 4321 not in line.knots.tolist()
    told = run_timeline(None, FakeRun(5000), Pacing(), events=ev((4321, "diverges"), (5000, "end")))
    i = int(np.searchsorted(told.knots, 4321))
    assert told.knots[i] == 4321 and told.holds[i] >= 30  # an event's state is shown, with its pause
    assert told.first[-1] - told.first[i] >= 45  # and its caption stays 1.5 s
    assert list(line.knots[:4]) == [0, 1, 2, 3]
    seconds = (np.diff(line.first[:5]) - line.holds[:4]) / 30  # the steps, without the pause at the start
    assert np.all(seconds[:3] >= FIRST) and seconds[0] == seconds[2] > seconds[3]


def test_the_states_shown_are_every_state_that_fits_the_explicit_frames_and_every_event():
    assert knots_of(31, Pacing()).tolist() == list(range(31))
    assert len(knots_of(5001, Pacing(max_frames=20))) == 20
    assert knots_of(101, Pacing(duration=0.1)).tolist() == [0, 100]  # never fewer than the ends
    assert knots_of(101, Pacing(frames=(0, 5, 10))).tolist() == [0, 5, 10]
    assert knots_of(101, Pacing(frames=(0, 5, 10)), [7, -3, 500]).tolist() == [0, 5, 7, 10, 100]
    assert 4321 in knots_of(5001, Pacing(), [4321]).tolist()
    assert knots_of(2, Pacing(), []).dtype.kind == "i"


def test_with_no_pause_at_the_end_the_last_state_still_has_its_own_frame():
    pacing = Pacing(duration=1.0)
    knots = np.arange(11)
    pos, first, holds = build(knots, {}, pacing)
    assert holds.tolist() == [0] * 11 and pos[-1] == 10 and len(pos) == first[-1] + 1


def test_an_events_caption_lasts_a_second_and_a_half_until_the_end_of_the_video():
    pacing = Pacing(duration=1.0)  # 10 GIF frames of motion for 10 steps: one each
    pos, first, holds = build(np.arange(11), {8: 1.0}, pacing)
    assert 45 <= len(pos) - first[8] < 45 + 3


def test_midway_through_a_segment_the_glide_is_halfway_between_its_states():
    pos, first, holds = build(np.array([0, 4]), {}, Pacing(duration=1.0))  # one segment of 30 frames
    assert first.tolist() == [0, 30] and pos[15] == pytest.approx(2.0, abs=1e-12)
    assert pos[0] == 0 and pos[30] == 4 and np.all(np.diff(pos) > 0)


def test_the_end_holds_its_seconds_but_never_less_than_a_caption_needs():
    for hold, frames in ((1.5, 45), (3.0, 90), (0.5, 45)):
        line = run_timeline(None, FakeRun(10), Pacing(hold=hold), events=ev((10, "end")))
        assert line.count - line.first[-1] == frames


def test_a_pause_of_one_second_at_each_event_longer_only_for_a_caption_to_be_read():
    run = FakeRun(40)
    events = ev((1, "overshoot"), (2, "grows"), (20, "leaves"), (40, "end"))
    line = run_timeline(None, run, Pacing(), events=events)
    i = {s: int(np.searchsorted(line.knots, s)) for s in (0, 1, 2, 20, 40)}
    assert line.holds[i[20]] == 30  # far from the next: one second, 30 frames
    assert line.holds[i[0]] == 30
    for a, b in ((1, 2), (2, 20)):  # a caption stays until the next event's: at least 1.5 s
        gap = line.first[i[b]] - line.first[i[a]]
        motion = line.first[i[b]] - line.first[i[a]] - line.holds[i[a]]
        assert gap == max(30 + motion, 45)
    held = {k for k in range(len(line.knots)) if line.holds[k] > 0}
    assert held == set(i.values())  # no pause but at events


def test_each_recorded_state_that_is_shown_lands_on_a_frame_with_its_epoch():
    run = FakeRun(10, batches=2)  # states 0, 0.5, 1, ... epochs
    line = run_timeline(None, run, Pacing(fps=25), events=ev((3, "overshoot"), (20, "end")))
    assert line.knots.tolist() == list(range(21))
    assert np.all(line.pos[line.first] == line.knots)
    assert np.allclose(line.epochs[line.first], np.arange(21) / 2)
    assert np.all(np.diff(line.epochs) >= 0) and line.epochs[-1] == 10.0


def test_in_steps_mode_each_state_shows_for_whole_frames():
    line = run_timeline(None, FakeRun(30), Pacing(motion="steps"), events=ev((30, "end")))
    assert np.all(line.pos == np.floor(line.pos)) and set(line.pos.tolist()) == set(range(31))
    assert np.all(np.diff(line.pos) >= 0) and np.all(np.diff(line.pos) <= 1)


def test_the_first_frame_of_a_state_or_of_the_last_one_before_it_and_pauses_are_held_frames():
    line = run_timeline(None, FakeRun(10), Pacing(), events=ev((4, "overshoot"), (10, "end")))
    assert line.count == len(line.pos)
    assert line.frame_of(3) == line.first[3] and line.frame_of(3.5) == line.first[3]
    assert line.frame_of(-1) == 0 and line.frame_of(10) == line.first[-1]
    assert not line.held(0)
    k = int(line.first[4])
    assert [line.held(k), line.held(k + 1), line.held(k + 30), line.held(k + 31)] == [False, True, True, False]
    still = run_timeline(None, FakeRun(0), Pacing(), events=[Event(0, "start"), Event(0, "end")])
    assert still.count == 45 and not still.held(0) and still.held(1)


def test_a_runs_callouts_show_while_the_video_pauses_at_each_event_the_end_until_the_last_frame():
    run = FakeRun(10)
    events = ev((4, "overshoot"), (4, "grows"), (10, "end"))
    line = run_timeline(None, run, Pacing(), events=events)
    got = run_callouts(run, events, line, WORDS)
    f4 = int(line.first[4])
    assert got == [(f4, f4 + 30, "overshoots"),
                   (int(line.first[10]), line.count, "stopped at [0, 0], loss 1")]
    bare = run_timeline(None, run, Pacing(), events=ev((10, "end")))  # no pause at 4: its own frame
    assert run_callouts(run, ev((4, "leaves")), bare, WORDS) == [(int(bare.first[4]), int(bare.first[4]) + 1,
                                                                   "leaves")]


def grid(pacing=None, events=None, runs=None):
    pacing = pacing or Pacing()
    runs = runs or [FakeRun(40, name="a"), FakeRun(10, name="b")]
    events = events or [ev((40, "end")), ev((10, "end"))]
    return runs, events, compare_timeline(None, runs, pacing, events=events)


def test_the_grids_timeline_shows_each_run_at_its_own_state_and_an_ended_run_at_its_last():
    runs, events, line = grid()
    assert line.knots.tolist() == list(range(41)) and line.pos.shape == (line.count, 2)
    assert (line.fps, line.step) == (30, 3)
    _, _, other = grid(Pacing(fps=50))
    assert (other.fps, other.step) == (50, 4)
    assert np.all(line.epochs[line.first] == line.knots)
    assert knot_states(line).tolist() == [[e, min(e, 10)] for e in range(41)]
    assert knot_states(line).dtype.kind == "i"
    assert np.all(np.diff(line.pos, axis=0) >= 0) and line.pos[-1].tolist() == [40, 10]


def test_the_grid_follows_mini_batch_runs_in_their_epochs():
    runs = [FakeRun(4, batches=4, name="sgd"), FakeRun(4, name="gd")]
    _, _, line = grid(runs=runs, events=[ev((16, "end")), ev((4, "end"))])
    assert line.knots.tolist() == [s / 4 for s in range(17)]
    assert knot_states(line).tolist() == [[s, s // 4] for s in range(17)]
    _, _, steps = grid(Pacing(motion="steps"), runs=runs, events=[ev((16, "end")), ev((4, "end"))])
    assert np.all(steps.pos == np.floor(steps.pos))
    assert np.all(steps.pos[steps.first] == knot_states(line))


def test_the_grids_timeline_holds_each_runs_events_even_when_long_runs_are_thinned():
    runs = [FakeRun(5000, name="a"), FakeRun(3000, name="b")]
    _, _, plain = grid(runs=runs, events=[[], []])
    assert len(plain.knots) == 46 and plain.knots[0] == 0 and plain.knots[-1] == 5000  # thinned like one run
    events = [ev((4321, "diverges"), (5000, "end")), ev((7, "overshoot"), (3000, "end"))]
    _, _, line = grid(runs=runs, events=events)
    for epoch in (7, 3000, 4321, 5000):
        i = int(np.searchsorted(line.knots, epoch))
        assert line.knots[i] == epoch and line.holds[i] >= 30  # shown, with its pause
    assert line.count < 30 * (9 + 4 * 1.5 + 2)


def test_the_grid_with_explicit_frames_shows_those_states_of_each_run():
    runs = [FakeRun(40, name="a"), FakeRun(20, batches=2, name="b")]
    _, _, line = grid(Pacing(frames=(0, 2, 4, 30)), runs=runs, events=[[], []])
    # run a's states 0, 2, 4, 30 are those epochs; run b's are half an epoch each: 0, 1, 2, 15
    assert line.knots.tolist() == [0, 1, 2, 4, 15, 30]


def test_the_grids_callouts_name_each_runs_event_at_its_epoch_together_when_they_coincide():
    runs = [FakeRun(40, name="a"), FakeRun(10, name="b")]
    events = [ev((3, "overshoot"), (10, "converges"), (40, "end")), ev((3, "grows"), (10, "end"))]
    _, _, line = grid(runs=runs, events=events)
    got = compare_callouts(runs, events, line, WORDS)
    f3, f10 = int(line.first[3]), int(line.first[10])
    assert got == [(f3, f3 + int(line.holds[3]), "a: overshoots\nb: grows"),
                   (f10, f10 + int(line.holds[10]), "a: settles\nb: stopped at [0, 0], loss 1"),
                   (int(line.first[40]), line.count, "a: stopped at [0, 0], loss 1")]
    assert line.holds[3] >= 30 and line.holds[10] >= 30


def test_a_short_video_still_gives_each_of_the_first_steps_its_0_4_seconds():
    # 10 epochs in 2.5 s at 24 fps: 20 GIF frames; 3 x 4 (0.4 s rounded up) + 7 x 1 fit. The share that
    # the warp gives is [4, 3, 3, 2, ...]: once, only the first step was lifted to 0.4 s.
    line = run_timeline(None, FakeRun(10), Pacing(fps=24, duration=2.5), events=ev((10, "end")))
    assert np.all(np.diff(line.first[:4]) / 24 >= FIRST)
    assert 2.5 <= motion_frames(line) / 24 < 2.5 + 3 / 24


def test_events_close_together_each_keep_their_caption_a_second_and_a_half():
    # 40 steps in 3 s: about one GIF frame (0.1 s) of motion a step, so the pauses stretch for the captions
    events = ev((1, "overshoot"), (2, "grows"), (3, "leaves"), (40, "end"))
    line = run_timeline(None, FakeRun(40), Pacing(duration=3.0), events=events)
    i = [int(np.searchsorted(line.knots, s)) for s in (1, 2, 3, 40)]
    assert line.knots[i].tolist() == [1, 2, 3, 40]
    assert np.all(np.diff(line.first[i[:3]]) == 45)  # the next caption starts exactly 1.5 s later, no later
    assert line.holds[i[2]] == 30  # the last before the end has its second: the end is far


def test_a_callout_just_before_the_end_lasts_its_pause_only():
    run = FakeRun(10)
    events = ev((9, "converges"), (10, "end"))
    line = run_timeline(None, run, Pacing(), events=events)
    f9 = int(line.first[9])
    assert run_callouts(run, events, line, WORDS)[0] == (f9, f9 + int(line.holds[9]), "settles")
    assert f9 + int(line.holds[9]) < line.first[10]


SCENARIO = """\
data: {points: {x: [0, 1, 2, 3], y: [1, 3, 5.5, 6.5]}}
init: [0, 0]
loss: mse
epochs: 20
runs: [{lr: 0.16}, {lr: 0.25}]
"""


@pytest.fixture(scope="module")
def recorded():
    import gdanim

    return gdanim.record(gdanim.parse_scenario(SCENARIO))


def test_without_events_given_a_video_pauses_at_the_runs_own_events(recorded):
    from gdanim.scene.events import run_events

    for run in recorded.runs:
        told = sorted({e.state for e in run_events(recorded, run)})
        line = run_timeline(recorded, run, Pacing(), (0, 1))
        held = [int(k) for k, h in zip(line.knots, line.holds) if h > 0]
        assert held == told and len(told) >= 3
    line = compare_timeline(recorded, recorded.runs, Pacing(), (0, 1))
    told = sorted({e.state for r in recorded.runs for e in run_events(recorded, r)})  # every epoch a state
    assert [int(k) for k, h in zip(line.knots, line.holds) if h > 0] == told
