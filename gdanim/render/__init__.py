"""The render stage: a trace becomes MP4, GIF and PNG files (matplotlib stays in gdanim.frames).

    from gdanim.render import render_scenario, RenderResult
    result = render_scenario("scenarios/lr.yaml", formats=["mp4"], preset="thumb")

The module itself is callable as `gdanim.render(...)`, the same as `render_scenario`.
Its names are loaded on first use, so a module of it (keyframes, handout) can be
imported without the encoders and the process pools.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

_LAZY = {"RenderResult": "pipeline", "RenderSettings": "pipeline", "render_scenario": "pipeline",
         "settings_for": "pipeline", "render": "pipeline"}

__all__ = ["RenderResult", "RenderSettings", "render", "render_scenario", "settings_for"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(f"{__name__}.{_LAZY[name]}")
        return module.render_scenario if name == "render" else getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _CallableModule(types.ModuleType):
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from gdanim.render.pipeline import render_scenario

        return render_scenario(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
