"""The render stage: a recorded trace becomes MP4, GIF and PNG files (matplotlib stays
in gdanim.frames). It never records: gdanim.build records once and hands the trace in.

    from gdanim.render import render_trace, RenderResult
    result = render_trace(trace, "output/lr", settings)   # settings: gdanim.settings.RenderSettings

For notebooks the module itself is callable: `gdanim.render("scenarios/lr.yaml", ...)`
is `gdanim.build.render_scenario` (record, then render). Its names are loaded on first
use, so a module of it (keyframes, handout) can be imported without the encoders and
the process pools.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

_LAZY = {"RenderResult": "gdanim.render.pipeline", "render_trace": "gdanim.render.pipeline",
         "RenderSettings": "gdanim.settings", "settings_for": "gdanim.settings"}

__all__ = ["RenderResult", "RenderSettings", "render_trace", "settings_for"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _CallableModule(types.ModuleType):
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """The notebooks' shortcut: record and render a scenario (gdanim.build.render_scenario)."""
        from gdanim.build.scenario import render_scenario  # the one upward call, by request of a notebook

        return render_scenario(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
