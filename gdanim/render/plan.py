"""What each animation of a trace shows, worked out once for whoever needs it: the
epoch of every frame (for the manifest) and the frame its poster shows (where the
page's sliders start), from the same schedules the renderer draws.

    epochs = frame_times(trace, settings)     # {"lr-0.001": [0.0, 1.0, ...], "compare": [...]}
    posters = Posters(trace, settings)        # posters("lr-0.001") -> frame index
"""

from __future__ import annotations

from functools import cache

import numpy as np

from gdanim.folder import COMPARE
from gdanim.render.keyframes import compare_poster, video_poster
from gdanim.scene.schedule import compare_schedule, run_schedule, state_times
from gdanim.settings import RenderSettings
from gdanim.trace import Trace


def animation_names(trace: Trace) -> list[str]:
    """The animations of a trace: each run's, then the grid's when there are two runs or more."""
    return [r.name for r in trace.runs] + ([COMPARE] if len(trace.runs) > 1 else [])


def frame_times(trace: Trace, settings: RenderSettings) -> dict[str, np.ndarray]:
    """{name: [frames] epochs}: frame i of each animation shows the state at that many
    epochs (without the hold)."""
    out = {r.name: state_times(r)[run_schedule(r, settings.max_frames, settings.frames)] for r in trace.runs}
    if len(trace.runs) > 1:
        out[COMPARE], _ = compare_schedule(trace.runs, settings.max_frames, settings.frames)
    return out


class Posters:
    """The poster frame of each animation, worked out when first asked: posters(name)."""

    def __init__(self, trace: Trace, settings: RenderSettings) -> None:
        self.trace, self.settings = trace, settings
        self.find = cache(self._find)

    def __call__(self, name: str) -> int:
        """The index of the frame the poster of `name` (a run, or compare) shows."""
        return self.find(name)

    def _find(self, name: str) -> int:
        s, trace = self.settings, self.trace
        if name == COMPARE:
            times, states = compare_schedule(trace.runs, s.max_frames, s.frames)
            return compare_poster(s.poster, trace, times, states, s.panels, s.params)
        run = trace.run(name)
        indices = tuple(int(i) for i in run_schedule(run, s.max_frames, s.frames))
        return video_poster(s.poster, trace, run, indices, s.panels, s.params)
