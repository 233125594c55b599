"""The page's work that `gdanim render` does while it records and animates a scenario.

A light module: the command imports it before it starts the recording, and the
report's modules (Jinja2, the catalogs, the captions) load later, in this process
while the animations encode and in the render worker while the trace is recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gdanim.trace import Trace


def page_ahead(scenario, *, fps: int | None = None, lang: str = "en",
               templates: Path | None = None) -> dict[str, Callable[[Trace, Path], object]]:
    """`render_scenario`'s meanwhile and after when the scenario's page follows the
    animations: the page's template and catalog load in this process while they encode,
    and its figures are drawn by the first worker free of its animations (matplotlib is
    loaded there, and its encoders are done): with workers this process never loads
    matplotlib. RenderResult.after is then `write_scenario_report`'s figures (None: draw them)."""

    def meanwhile(trace: Trace, folder: Path) -> None:
        from gdanim.report.scenario_page import prepare_page

        prepare_page(trace, lang, templates)

    return {"meanwhile": meanwhile, "after": FiguresLater(scenario, fps, lang)}


@dataclass(frozen=True)
class FiguresLater:
    """`write_scenario_figures` of a scenario, called with (trace, folder) in a render worker."""

    scenario: Any
    fps: int | None
    lang: str

    def __call__(self, trace: Trace, folder: Path) -> dict[str, str]:
        from gdanim.report.scenario_page import write_scenario_figures

        # half in a forked copy of the worker: its encoders are done, a core is free
        return write_scenario_figures(self.scenario, trace, folder, fps=self.fps, lang=self.lang, split=True)

    def warm_up(self) -> None:
        """Load the report's modules and warm up for the figures (see gdanim.frames.figures)."""
        import gdanim.report.scenario_page  # noqa: F401 - loaded now, not when the figures are due
        from gdanim.frames.figures import warm_up

        warm_up()
