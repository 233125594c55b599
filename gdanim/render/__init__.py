"""The render stage: a trace becomes MP4, GIF and PNG files (matplotlib stays in gdanim.frames).

    from gdanim.render import render_scenario, RenderResult
    result = render_scenario("scenarios/lr.yaml", formats=["mp4"], preset="thumb")

The module itself is callable as `gdanim.render(...)`, the same as `render_scenario`.
"""

from __future__ import annotations

import sys
import types

from gdanim.render.pipeline import RenderResult, RenderSettings, render_scenario, settings_for
from gdanim.render.show import show

render = render_scenario

__all__ = ["RenderResult", "RenderSettings", "render", "render_scenario", "settings_for", "show"]


class _CallableModule(types.ModuleType):
    def __call__(self, *args, **kwargs) -> RenderResult:
        return render_scenario(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
