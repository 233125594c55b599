"""What each animation of a trace shows, worked out once for whoever needs it: its
timeline (the epoch of every frame, for the manifest) and the frame its poster shows
(where the page's sliders start), from the same timelines the renderer draws.

    lines = frame_times(trace, settings)      # {"lr-0.001": Timeline, "compare": Timeline}
    posters = Posters(trace, settings)        # posters("lr-0.001") -> frame index
"""

from __future__ import annotations

from functools import cache

from gdanim.folder import COMPARE
from gdanim.render.keyframes import compare_poster, video_poster
from gdanim.scene.timeline import Timeline, compare_timeline, knot_states, run_timeline
from gdanim.settings import RenderSettings
from gdanim.trace import Trace


def animation_names(trace: Trace) -> list[str]:
    """The animations of a trace: each run's, then the grid's when there are two runs or more."""
    return [r.name for r in trace.runs] + ([COMPARE] if len(trace.runs) > 1 else [])


def frame_times(trace: Trace, settings: RenderSettings) -> dict[str, Timeline]:
    """{name: Timeline}: frame i of each animation shows timeline.epochs[i] epochs."""
    out = {r.name: run_timeline(trace, r, settings.pacing, settings.params) for r in trace.runs}
    if len(trace.runs) > 1:
        out[COMPARE] = compare_timeline(trace, trace.runs, settings.pacing, settings.params)
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
            line = compare_timeline(trace, trace.runs, s.pacing, s.params)
            return int(line.first[compare_poster(s.poster, trace, line.knots, knot_states(line), s.panels,
                                                 s.params)])
        run = trace.run(name)
        line = run_timeline(trace, run, s.pacing, s.params)
        return int(line.first[video_poster(s.poster, trace, run, line.knots, s.panels, s.params)])
