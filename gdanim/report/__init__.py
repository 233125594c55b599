"""The HTML report: one page per scenario and a course site's index over many.

    from gdanim.report import write_report
    write_report("output/lr", trace, settings=settings)   # output/lr/index.html

Pages are Jinja2 templates (the built-in theme in `templates/`, installed as the
gdanim_templates package, or a user folder searched first). Everything a page needs
sits in the site's own folder: no CDN, no remote fonts, math as MathML. The report
turns what it is handed into pages; gdanim.build records, renders and orders the steps.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {"ReportError": "errors", "prepare_page": "scenario_page", "write_report": "scenario_page",
         "write_figures": "scenario_page", "Card": "site", "card_of": "site", "write_index": "site",
         "LANGS": "strings"}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    """Names load with their module on first use: Jinja2 and the catalogs load only
    when a page is due (while the animations encode, in `gdanim render`)."""
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
