"""WebVTT captions for the animations, written from the trace in the page's language.

A reader who cannot see the video hears what happens and when: where the run starts,
the first step that overshoots, the epoch the loss starts to grow, where the path
leaves the view, and how the run ends. Each cue starts on the frame that first shows
its epoch; cues closer than a second apart are merged, so there is at most about one
cue per second.

    vtt = run_captions(trace, run, frame_states, fps=10, hold=10, s=strings("en"))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from gdanim.report import analysis_text as at
from gdanim.report import text as tx
from gdanim.scene.schedule import state_times
from gdanim.scene.surface import loss_grid, plane_path
from gdanim.trace import Run, Trace

MIN_GAP = 1.0
"Seconds between cue starts; events closer than this share a cue."


def run_events(trace: Trace, run: Run, s: Mapping[str, str], pair: tuple[int, int]) -> list[tuple[int, str]]:
    """(state, sentence) for what happens in `run`, in order of state."""
    events = [(0, s["cap_start"].format(params=tx.vec(run.path[0]), loss=tx.num(_loss(run, 0))))]
    update = np.asarray(run.update, np.float64)
    if len(update) > 1:  # a step that reverses the previous one along some parameter
        flips = np.nonzero((np.sign(update[1:]) * np.sign(update[:-1]) < 0).any(axis=1))[0]
        if flips.size:
            events.append((int(flips[0]) + 1, s["cap_overshoot"]))
    loss = np.append(np.asarray(run.loss, np.float64), run.final_loss)
    with np.errstate(invalid="ignore"):
        grows = np.nonzero(~(loss[1:] <= loss[:-1]))[0]  # inf and nan count as growth
    if grows.size:
        state = int(grows[0]) + 1
        text = s["cap_grows"]
        spectrum = trace.analysis_of(run).spectra.get(run.settings.loss)
        rate = float(run.step_lr[min(state, run.steps) - 1]) if run.steps else run.settings.lr
        if spectrum is not None and run.settings.optimizer == "gd" and rate * at.lam_max(spectrum) >= 2:
            text += "; " + s["cap_divergent"].format(ratio=tx.num(rate * at.lam_max(spectrum), 3))
        events.append((state, text))
    if max(pair) <= trace.dataset.features:
        exit_ = plane_path(run, loss_grid(trace, [run], pair)).exit
        if exit_ is not None:
            events.append((exit_, s["cap_leaves"]))
    events.append((run.steps, _ending(run, s)))
    return sorted(events, key=lambda e: e[0])


def _loss(run: Run, state: int) -> float:
    return float(run.loss[state]) if state < run.steps else float(run.final_loss)


def _ending(run: Run, s: Mapping[str, str]) -> str:
    loss = tx.num(_loss(run, run.steps))
    return s[f"cap_end_{run.status}"].format(loss=loss, params=tx.vec(run.path[-1]))


def run_captions(trace: Trace, run: Run, frame_states: Sequence[int], fps: float, hold: int,
                 s: Mapping[str, str], pair: tuple[int, int] = (0, 1)) -> str:
    """The WebVTT text of the run's video: frame k shows state frame_states[k]; `hold`
    copies of the last frame follow."""
    times = state_times(run)
    states = np.asarray(frame_states)
    lines = []
    for state, text in run_events(trace, run, s, pair):
        frame = min(int(np.searchsorted(states, state)), len(states) - 1)  # first frame showing it
        lines.append((frame, s["cap_epoch"].format(epoch=_epoch(times[min(state, len(times) - 1)])) + ": " + text))
    return _cues(lines, fps, len(states) + hold)


def compare_captions(trace: Trace, runs: Sequence[Run], states: np.ndarray, fps: float, hold: int,
                     s: Mapping[str, str], pair: tuple[int, int] = (0, 1)) -> str:
    """The WebVTT text of the grid of `runs`: frame k shows run j at state states[k, j]
    ([T, R], as the grid's schedule has it); each run's events after its start, named."""
    lines = [(0, s["cap_compare_start"].format(count=len(runs)))]
    for j, run in enumerate(runs):
        times = state_times(run)
        for state, text in run_events(trace, run, s, pair)[1:]:
            frame = min(int(np.searchsorted(states[:, j], state)), len(states) - 1)
            epoch = s["cap_epoch"].format(epoch=_epoch(times[min(state, len(times) - 1)]))
            lines.append((frame, f"{run.name}, {epoch}: {text}"))
    return _cues(sorted(lines, key=lambda line: line[0]), fps, len(states) + hold)


def _cues(lines: Sequence[tuple[int, str]], fps: float, frames: int) -> str:
    """WebVTT of (first frame, text) lines in frame order: lines less than MIN_GAP apart
    share a cue; each cue lasts until the next, the last until the video ends."""
    cues: list[list] = []
    for frame, line in lines:
        start = frame / fps
        if cues and start - cues[-1][0] < MIN_GAP:
            cues[-1][1].append(line)
        else:
            cues.append([start, [line]])
    end = frames / fps
    return webvtt([(start, (cues[i + 1][0] if i + 1 < len(cues) else max(end, start + MIN_GAP)), "\n".join(text))
                   for i, (start, text) in enumerate(cues)])


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
