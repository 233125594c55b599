"""The HTML report: one page per scenario and a course site over many.

    from gdanim.report import build_site, write_report
    build_site(["scenarios"], "output/site", lang="ko")

Pages are Jinja2 templates (the built-in theme in `templates/`, installed as the
gdanim_templates package, or a user folder searched first). Everything a page needs
sits in the site's own folder: no CDN, no remote fonts, math as MathML.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {"ReportError": "errors", "Timing": "scenario_page", "page_ahead": "ahead",
         "prepare_page": "scenario_page", "write_report": "scenario_page",
         "write_scenario_figures": "scenario_page", "write_scenario_report": "scenario_page",
         "Outcome": "site", "SiteResult": "site", "build_site": "site", "LANGS": "strings"}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    """Names load with their module on first use: `gdanim render` imports page_ahead
    before it starts recording, and Jinja2 and the catalogs only while it animates."""
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
