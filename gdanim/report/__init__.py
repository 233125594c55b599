"""The HTML report: one page per scenario and a course site over many.

    from gdanim.report import build_site, write_report
    build_site(["scenarios"], "output/site", lang="ko")

Pages are Jinja2 templates (the built-in theme in `templates/`, installed as the
gdanim_templates package, or a user folder searched first). Everything a page needs
sits in the site's own folder: no CDN, no remote fonts, math as MathML.
"""

from __future__ import annotations

from gdanim.report.errors import ReportError
from gdanim.report.scenario_page import (
    Timing,
    page_ahead,
    write_report,
    write_scenario_figures,
    write_scenario_report,
)
from gdanim.report.site import Outcome, SiteResult, build_site
from gdanim.report.strings import LANGS

__all__ = ["LANGS", "Outcome", "ReportError", "SiteResult", "Timing", "build_site", "page_ahead", "write_report",
           "write_scenario_figures", "write_scenario_report"]
