"""The build: a scenario file to its finished folder, scenario files to a finished site.

    from gdanim.build import build_scenario, build_site
    built = build_scenario("scenarios/lr.yaml", "output", formats=["mp4"])
    site = build_site(["scenarios"], "output/site", lang="ko")
    package_site(site, "course.zip", pass_mark=70)   # a SCORM 1.2 package of it

This is the one room that orders the stages (load, record once, render, page,
manifest) and overlaps them for speed; it hands the Trace and one RenderSettings down
in memory. Its modules: `scenario` (one scenario's folder, and the recording in a
child process), `ahead` (the page's work done while the animations encode), `site`
(what a site rebuilds and when: stamps, the lock, the pool, pruning, the index), `package`
(a built site as a SCORM package for a learning management system), and
`show` (an animation inline in a notebook). The command line calls it and nothing more.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {"Built": "scenario", "build_again": "scenario", "build_scenario": "scenario", "record_apart": "scenario",
         "render_scenario": "scenario", "write_scenario_report": "scenario",
         "page_ahead": "ahead", "Outcome": "site", "SiteResult": "site", "build_site": "site",
         "package_site": "package", "show": "show"}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    """Names load with their module on first use: `gdanim render` starts recording before
    the report's modules load."""
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
