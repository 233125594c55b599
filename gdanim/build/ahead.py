"""The page's work that a scenario's build overlaps with the recording and the animations.

A light module: the build imports it before it starts the recording, and the
report's modules (Jinja2, the catalogs, the captions) load later, in this process and
in the render worker while the trace is recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gdanim.settings import RenderSettings
    from gdanim.trace import Trace


def page_ahead(settings: RenderSettings, templates: Path | None = None) -> dict[str, Callable[..., object]]:
    """`record_and_render`'s recording, meanwhile and after when the scenario's page
    follows the animations: the page's templates, catalog and converters load in this
    process while the trace is recorded, its formulas are made while the animations
    encode, and its figures are drawn in a render worker, where matplotlib
    is loaded: a single worker begins them in a copy of itself beside its animation,
    with more the first worker free of its animations draws them. With workers this
    process never loads matplotlib. RenderResult.after is then `write_figures`' figures
    (None: draw them)."""

    def recording() -> None:
        from gdanim.report.scenario_page import prepare_templates

        prepare_templates(settings.lang, templates)

    def meanwhile(trace: Trace, folder: Path) -> None:
        from gdanim.report.scenario_page import prepare_page

        prepare_page(trace, settings.lang, templates)

    return {"recording": recording, "meanwhile": meanwhile, "after": FiguresLater(settings)}


_BEGUN: dict[Path, Callable[[], dict[str, str]]] = {}
"What `FiguresLater.begin` started in this worker process, by folder."


@dataclass(frozen=True)
class FiguresLater:
    """The page's figures of a trace, drawn when called with (trace, folder) in a render worker."""

    settings: RenderSettings

    def begin(self, trace: Trace, folder: Path) -> None:
        """Start drawing the figures in a forked copy of this worker, beside its animation
        (a pool of one worker calls it first): the next call with `folder` here takes them."""
        from gdanim.report.scenario_page import figures_apart
        from gdanim.report.strings import strings

        _BEGUN[Path(folder)] = figures_apart(trace, Path(folder), strings(self.settings.lang), self.settings)

    def __call__(self, trace: Trace, folder: Path) -> dict[str, str]:
        from gdanim.report.scenario_page import write_figures
        from gdanim.report.strings import strings

        begun = _BEGUN.pop(Path(folder), None)
        if begun is not None:
            return begun()
        # half in a forked copy of the worker: its encoders are done, a core is free
        return write_figures(trace, Path(folder), strings(self.settings.lang), self.settings, split=True)

    def warm_up(self) -> None:
        """Load the report's modules and warm up for the figures (see gdanim.frames.figures)."""
        import gdanim.report.scenario_page  # noqa: F401 - loaded now, not when the figures are due
        from gdanim.frames.figures import warm_up

        warm_up()
