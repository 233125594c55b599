"""When each frame of a video shows what: a timeline over the recorded states.

    line = run_timeline(trace, run, pacing, pair)
    line.pos[k]      # the state frame k shows: a whole number at a recorded state, between two while gliding
    line.first[i]    # the first frame showing line.knots[i], a recorded state, exactly
    line.epochs      # the epoch of each frame (manifest.json's frame_epochs)

The states shown (the knots: every state while they fit, else dense early and sparse
late, and every event's state) are joined by segments of whole frames. Gliding, the
frames of a segment move the position from one knot to the next with an easing that
maps [0, 1] onto [0, 1] with exact ends, so the frame at a segment's end is the state
itself. A time warp gives the first steps the most time (at least FIRST seconds each)
and later ones less; holds sit at events, never inside a step, long enough that the
caption of each event stays MIN_CUE seconds. Knots fall on every `step`-th frame, so a
GIF that keeps every `step`-th frame shows each of them too. Only numpy.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from gdanim.scene.events import Event, callout_events, event_text, run_events
from gdanim.scene.schedule import schedule, state_times
from gdanim.trace import Run, Trace

FPS = (24, 25, 30, 50, 60)
"The frame rates a video may have."
MOTIONS = ("glide", "steps")
GIF_STEP = {24: 3, 25: 2, 30: 3, 50: 4, 60: 6}
"A GIF keeps every n-th frame: 8, 12.5, 10, 12.5 and 10 frames a second."
FIRST = 0.4
"Seconds at least for each of the first FIRST_STEPS steps, when the duration allows."
FIRST_STEPS = 3
WARP = 5.0
"After the first steps, step i takes 1 / (1 + (i - FIRST_STEPS) / WARP) of their time."
AUTO_SECONDS = 9.0
"The default seconds of motion; a run of few steps takes at most PER_STEP a step."
PER_STEP = 1.0
HOLD = 1.0
"Seconds the video pauses at an event."
MIN_CUE = 1.5
"Seconds a caption stays at least."


@dataclass(frozen=True)
class Pacing:
    """How a video spends its time: frames a second, seconds of motion (None: the
    default), glide or steps, the end's hold, and which states may be shown."""

    fps: int = 30
    duration: float | None = None
    motion: str = "glide"
    hold: float = 1.5
    max_frames: int = 150
    frames: tuple[int, ...] | None = None

    @property
    def step(self) -> int:
        """Frames per GIF frame: knots fall on multiples of it."""
        return GIF_STEP.get(self.fps, 1)

    def units(self, seconds: float) -> int:
        """Whole GIF frames in `seconds`, rounded up."""
        return max(0, math.ceil(seconds * self.fps / self.step - 1e-9))


def base(position: float) -> int:
    """The recorded state a position has reached (the last one at or before it)."""
    return int(math.floor(float(position) + 1e-9))


def smooth(t: np.ndarray, inflection: float = 10.0) -> np.ndarray:
    """manim's `smooth`: a sigmoid normalized to map [0, 1] onto [0, 1], ends exact."""
    t = np.asarray(t, np.float64)  # pragma: no mutate (ints or floats: the arithmetic below is float64 anyway)
    error = 1 / (1 + math.exp(inflection / 2))
    s = (1 / (1 + np.exp(-inflection * (t - 0.5))) - error) / (1 - 2 * error)
    # belt and braces: the normalized sigmoid is already 0 at 0, 1 at 1 and in [0, 1] between (no mutate)
    return np.where(t <= 0, 0.0, np.where(t >= 1, 1.0, np.clip(s, 0.0, 1.0)))  # pragma: no mutate


def allot(count: int, units: int, first: int) -> np.ndarray:
    """[count] whole units per segment, summing to max(units, count): the first
    FIRST_STEPS equal, then fewer (the warp), never fewer later, at least 1 each;
    the first get at least `first` units when that fits."""
    if count <= 0:
        return np.zeros(0, np.int64)
    i = np.arange(count)
    # only the weights' ratios matter (the search below finds the scale): 2.0 / ... allots the same (no mutate)
    weight = 1.0 / (1.0 + np.maximum(i - FIRST_STEPS + 1, 0) / WARP)  # pragma: no mutate

    def share(c: float) -> np.ndarray:
        return np.maximum(1, np.floor(c * weight)).astype(np.int64)

    # every scale up to 1 shares out 1 each, and 60 halvings have converged: lo = 1.0 or 61 rounds allot the same
    lo, hi = 0.0, float(max(units, count))  # pragma: no mutate
    for _ in range(60):  # the largest scale whose shares fit  # pragma: no mutate
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if share(mid).sum() <= units else (lo, mid)
    out = share(lo)
    spare = max(units, count) - int(out.sum())
    out[:spare] += 1  # the earliest get the rest: still never more later
    head = min(FIRST_STEPS, count)
    # the first steps' floor; out[head - 1] is the least of them (the spare may lift only the earliest)
    if out[head - 1] < first and units >= first * head + (count - head):
        out = np.maximum(out, np.where(i < head, first, 1))
        # the floor fits (above): the sum reaches units before every later step is down to 1; >= 1 is the same
        while out.sum() > units and (out[head:] > 1).any():  # pragma: no mutate
            out[np.flatnonzero(out == out[head:].max())[-1]] -= 1
    return out


@dataclass(frozen=True)
class Timeline:
    """Frame by frame, where a video is: [F] (or [F, R] for a grid of runs) positions."""

    fps: int
    step: int
    pos: np.ndarray
    "[F] or [F, R] float: the state each frame shows, fractional between two states."
    epochs: np.ndarray
    "[F] the epoch each frame shows."
    knots: np.ndarray
    "[K] the knots (states for a run, epochs for a grid) shown exactly, in order."
    first: np.ndarray
    "[K] the first frame showing each knot."
    holds: np.ndarray
    "[K] frames the video pauses at each knot (beyond its own frame)."

    @property
    def count(self) -> int:
        """How many frames the video has."""
        return len(self.pos)

    def frame_of(self, knot: float) -> int:
        """The first frame showing `knot` (or the last knot before it)."""
        i = int(np.searchsorted(self.knots, knot, side="right")) - 1
        return int(self.first[max(i, 0)])

    def held(self, k: int) -> bool:
        """True when frame k is in a pause (it shows the same as the frame before)."""
        return k > 0 and bool(np.all(self.pos[k] == self.pos[k - 1]))


def seconds_of_motion(pacing: Pacing, segments: int) -> float:
    """The seconds the steps take: the duration, by default AUTO_SECONDS or PER_STEP a step."""
    if pacing.duration is not None:
        return float(pacing.duration)
    return min(AUTO_SECONDS, PER_STEP * max(segments, 1))


def knots_of(states: int, pacing: Pacing, extra: Sequence[int] = ()) -> np.ndarray:
    """The states shown exactly: all, the explicit frames, or as many as the frames
    allow (about two GIF frames a step), always with `extra` (the events)."""
    # a second a step gives each step 8 GIF frames or more, a knot needs 2: by default the count of steps
    # never limits the knots, and with a duration it is not read (no mutate)
    units = pacing.units(seconds_of_motion(pacing, states - 1))  # pragma: no mutate
    cap = max(2, min(pacing.max_frames, units // 2 + 1))
    picked = schedule(states, cap, pacing.frames)
    return np.unique(np.concatenate([picked, np.clip(np.asarray(extra, np.int64), 0, states - 1)]))


def build(knots: np.ndarray, stops: dict[int, float], pacing: Pacing) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(pos [F] in knot coordinates, first [K], holds [K]) for knots with pauses at
    `stops` {knot index: seconds}. Each knot's frames come first (its pause), then the
    segment to the next knot, eased when gliding."""
    k = len(knots)
    n = pacing.step
    span = np.diff(knots.astype(np.float64))  # pragma: no mutate (astype(None) is float64)
    units = pacing.units(seconds_of_motion(pacing, k - 1))
    seg = allot(k - 1, units, pacing.units(FIRST)) * n
    holds = _pauses(stops, seg, pacing) * n
    ease = smooth if pacing.motion == "glide" else (lambda t: np.zeros_like(t))
    parts, first, at = [], np.zeros(k, np.int64), 0
    for i in range(k):
        first[i] = at
        stay = holds[i] if i < k - 1 else max(holds[i], 1)
        parts.append(np.full(stay, float(knots[i])))
        at += stay
        if i < k - 1:
            u = np.arange(seg[i]) / seg[i]
            parts.append(knots[i] + ease(u) * span[i])
            at += seg[i]
    pos = np.concatenate(parts)
    return pos, first, holds


def _pauses(stops: dict[int, float], seg: np.ndarray, pacing: Pacing) -> np.ndarray:
    """[K] GIF frames of pause at each knot: `stops` seconds at events, stretched so an
    event's caption has MIN_CUE seconds before the next event's starts (the last: until
    the end of the video)."""
    k = len(seg) + 1
    out = np.zeros(k, np.int64)
    ordered = sorted(stops)
    per_second = pacing.fps / pacing.step
    for j, i in enumerate(ordered):
        nxt = ordered[j + 1] if j + 1 < len(ordered) else k - 1
        # segments are whole GIF frames (allot(...) * step): / divides exactly, like //
        motion = int(seg[i:nxt].sum()) // pacing.step  # pragma: no mutate
        out[i] = max(pacing.units(stops[i]), math.ceil(MIN_CUE * per_second - 1e-9) - motion)
    return out


def _stops(knots: np.ndarray, events: Sequence[float], pacing: Pacing) -> dict[int, float]:
    """{knot index: seconds} of the pauses at events: HOLD, at the last knot pacing.hold."""
    stops = {int(np.searchsorted(knots, e)): HOLD for e in events}
    stops[len(knots) - 1] = pacing.hold
    return stops


def run_timeline(trace: Trace, run: Run, pacing: Pacing, pair: tuple[int, int] = (0, 1),
                 events: Sequence[Event] | None = None) -> Timeline:
    """The timeline of a run's own video: every state shown exactly, pauses at its events."""
    events = run_events(trace, run, pair) if events is None else events
    states = run.steps + 1
    knots = knots_of(states, pacing, [e.state for e in events])
    pos, first, holds = build(knots, _stops(knots, [e.state for e in events], pacing), pacing)
    times = state_times(run)
    return Timeline(pacing.fps, pacing.step, pos, np.interp(pos, np.arange(states), times),
                    knots, first, holds)


def compare_timeline(trace: Trace, runs: Sequence[Run], pacing: Pacing, pair: tuple[int, int] = (0, 1),
                     events: Sequence[Sequence[Event]] | None = None) -> Timeline:
    """The timeline of a grid of runs over their common epochs: knots are the epochs of
    the states any run shows and of every run's events; pos is [F, R], each run at its
    own (fractional) state, a run that has ended at its last state."""
    events = [run_events(trace, r, pair) for r in runs] if events is None else events
    times = [state_times(r) for r in runs]
    union = np.unique(np.concatenate([t[knots_of(len(t), pacing)] for t in times]))
    if pacing.frames is None:
        union = union[knots_of(len(union), pacing)]
    at_events = sorted({float(t[e.state]) for t, evs in zip(times, events) for e in evs})
    knots = np.unique(np.concatenate([union, at_events]))
    pos, first, holds = build(knots, _stops(knots, at_events, pacing), pacing)
    per_run = [np.interp(pos, t, np.arange(len(t))) for t in times]  # a run past its end stays there
    if pacing.motion == "steps":
        per_run = [np.floor(p + 1e-9) for p in per_run]
    return Timeline(pacing.fps, pacing.step, np.stack(per_run, axis=1), pos, knots, first, holds)


def knot_states(line: Timeline) -> np.ndarray:
    """[K, R] the state each run of a grid's timeline shows at its knots (handouts, posters)."""
    return np.floor(line.pos[line.first] + 1e-9).astype(np.int64)


def _span(line: Timeline, i: int) -> tuple[int, int]:
    """Frames [from, to) of knot i's pause (its own frame when it has none)."""
    start = int(line.first[i])
    end = line.count if i == len(line.knots) - 1 else start + max(int(line.holds[i]), 1)
    return start, end


def run_callouts(run: Run, events: Sequence[Event], line: Timeline,
                 words: Mapping[str, str]) -> list[tuple[int, int, str]]:
    """(first frame, end frame, text) of each callout of a run's video: what happens at
    each event but the start, shown while the video pauses there, in the caption's words."""
    out = []
    for e in callout_events(list(events)):
        i = int(np.searchsorted(line.knots, e.state))
        out.append((*_span(line, i), event_text(run, e, words)))
    return out


def compare_callouts(runs: Sequence[Run], events: Sequence[Sequence[Event]], line: Timeline,
                     words: Mapping[str, str]) -> list[tuple[int, int, str]]:
    """The callouts of a grid's video: at each knot, every run's event there, named."""
    at: dict[int, list[str]] = {}
    for run, evs in zip(runs, events):
        times = state_times(run)
        for e in callout_events(list(evs)):
            i = int(np.searchsorted(line.knots, times[e.state]))
            at.setdefault(i, []).append(f"{run.name}: {event_text(run, e, words)}")
    return [(*_span(line, i), "\n".join(texts)) for i, texts in sorted(at.items())]
