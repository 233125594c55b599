"""gdanim: animate gradient descent on linear regression.

A YAML scenario describes the data and the training; `record` runs it with PyTorch and
keeps every step; `render` turns the trace into GIF/MP4 animations; `build_site` makes
an HTML report. Heavy libraries are imported only by the stage that needs them.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "load_scenario": "gdanim.scenario",
    "parse_scenario": "gdanim.scenario",
    "Scenario": "gdanim.scenario",
    "make_dataset": "gdanim.dataset",
    "dataset_of": "gdanim.api",
    "record": "gdanim.api",
    "record_to": "gdanim.api",
    "render": "gdanim.render",
    "build_scenario": "gdanim.build",
    "build_site": "gdanim.build",
    "show": "gdanim.build.show",
    "read_trace": "gdanim.trace",
    "Trace": "gdanim.trace",
    "GdanimError": "gdanim.errors",
    "ScenarioError": "gdanim.errors",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'gdanim' has no attribute {name!r}")
