"""WebVTT captions for the animations, written from the trace in the page's language.

A reader who cannot see the video hears what happens and when: where the run starts,
the first step that overshoots, the epoch the loss starts to grow, where the path
leaves the view, and how the run ends (gdanim.scene.events: the same events the video
pauses at and calls out, in the same words). Each cue starts on the first frame that
shows its event's state (never before it: its start is rounded up to the millisecond)
and lasts until the next one; the timeline's pauses give each at least MIN_CUE seconds.

    vtt = run_captions(trace, run, line, s=strings("en"))
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from gdanim.scene.events import Event, event_text, run_events
from gdanim.scene.schedule import state_times
from gdanim.scene.timeline import Timeline
from gdanim.trace import Run, Trace

__all__ = ["compare_captions", "run_captions", "run_events", "webvtt"]


def _label(run: Run, event: Event, s: Mapping[str, str]) -> str:
    times = state_times(run)
    # no event is past the last state: the min never acts (no mutate, below)
    return s["cap_epoch"].format(epoch=_epoch(times[min(event.state, len(times) - 1)]))  # pragma: no mutate


def run_captions(trace: Trace, run: Run, line: Timeline, s: Mapping[str, str],
                 pair: tuple[int, int] = (0, 1), events: Sequence[Event] | None = None) -> str:
    """The WebVTT text of the run's video, paced by its timeline `line`."""
    events = run_events(trace, run, pair) if events is None else events
    lines = [(line.frame_of(e.state), f"{_label(run, e, s)}: {event_text(run, e, s)}") for e in events]
    return _cues(lines, line)


def compare_captions(trace: Trace, runs: Sequence[Run], line: Timeline, s: Mapping[str, str],
                     pair: tuple[int, int] = (0, 1), events: Sequence[Sequence[Event]] | None = None) -> str:
    """The WebVTT text of the grid of `runs` paced by `line`: each run's events after its
    start, each named with its run."""
    events = [run_events(trace, r, pair) for r in runs] if events is None else events
    lines = [(0, s["cap_compare_start"].format(count=len(runs)))]
    for run, evs in zip(runs, events):
        times = state_times(run)
        for e in evs[1:]:
            text = f"{run.name}, {_label(run, e, s)}: {event_text(run, e, s)}"
            lines.append((line.frame_of(float(times[e.state])), text))
    return _cues(sorted(lines, key=lambda x: x[0]), line)


def cue_time(frame: int, fps: float) -> float:
    """The time a cue starting on `frame` starts: the frame's own start, rounded up to the
    millisecond so that it never shows over the frame before."""
    return math.ceil(frame * 1000 / fps - 1e-6) / 1000


def _cues(lines: Sequence[tuple[int, str]], line: Timeline) -> str:
    """WebVTT of (first frame, text) lines in frame order: lines on the same frame share
    a cue; each cue lasts until the next, the last until the video ends."""
    cues: list[list] = []
    for frame, text in lines:
        if cues and cues[-1][0] == frame:
            cues[-1][1].append(text)
        else:
            cues.append([frame, [text]])
    ends = [c[0] for c in cues[1:]] + [line.count]
    return webvtt([(cue_time(frame, line.fps), cue_time(end, line.fps), "\n".join(text))
                   for (frame, text), end in zip(cues, ends)])


def _epoch(t: float) -> str:
    return f"{t:.0f}" if float(t) == int(t) else f"{t:.2f}"


def webvtt(cues: Sequence[tuple[float, float, str]]) -> str:
    """A WebVTT file of (start s, end s, text) cues."""
    out = ["WEBVTT", ""]
    for start, end, text in cues:
        out += [f"{_stamp(start)} --> {_stamp(end)}", text.replace("-->", "->"), ""]
    return "\n".join(out)


def _stamp(seconds: float) -> str:
    ms = round(seconds * 1000)
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"
