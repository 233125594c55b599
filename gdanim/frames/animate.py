"""Frame sources: a run's panels side by side, or all runs in a grid.

The figure is built and fully drawn once (static layer); each frame restores the saved
background, burns in what has been passed since the last frame (earlier lines, the path
so far) and saves it again, then draws only the moving artists on top and hands the
RGBA pixels out. Frames are produced one at a time, never kept.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from gdanim.frames.glyphs import GlyphText
from gdanim.frames.panels import ContourPanel, FitPanel, LossPanel, Panel, SurfacePanel
from gdanim.frames.style import FONT_FAMILY, Style, make_style, new_figure, rc_params
from gdanim.render.views import RunView
from gdanim.schedules import label as schedule_label

MAX_COLUMNS = 6
MAX_CELLS = 24
NUMBERS_FONT = FONT_FAMILY[0]
"The per-frame texts hold only numbers and Latin words: one font, no fallback to lay out."


@dataclass(frozen=True)
class Look:
    """How frames look: panels, style and the 3-D view."""

    panels: tuple[str, ...]
    style: Style
    elev: float = 25.0
    azim: float = 30.0


@dataclass
class _Cell:
    view: RunView
    panels: list[Panel]
    states: np.ndarray
    "The scheduled states of this cell's run, one per frame."
    header: GlyphText | None = None
    prev: int | None = None


class FrameSource:
    """Frames of one figure: `poster()` is the last frame, iteration yields every frame."""

    def __init__(self, fig: Figure, cells: list[_Cell], title: GlyphText, heading: str,
                 compare: bool) -> None:
        self.fig, self.cells, self.title, self.compare = fig, cells, title, compare
        self.heading = heading
        self.count = len(cells[0].states)
        self.size = (int(fig.bbox.width), int(fig.bbox.height))
        for cell in cells:
            for panel in cell.panels:
                panel.set_frames(len(np.unique(cell.states)))
        canvas = fig.canvas
        canvas.draw()
        for cell in cells:
            for panel in cell.panels:
                panel.after_draw()
        self._static = canvas.copy_from_bbox(fig.bbox)
        self._renderer = canvas.get_renderer()

    def poster(self, state: int | None = None) -> np.ndarray:
        """[H, W, 4] uint8 RGBA (opaque): the last frame, drawn directly, a copy; with
        `state`, a run's figure as it stands at that state (one-run sources only)."""
        if state is not None:
            [cell] = self.cells
            scheduled = cell.states
            cell.states = np.append(scheduled[scheduled < state], state)  # the trail up to state
            try:
                return self.poster()
            finally:
                cell.states = scheduled
        self.fig.canvas.restore_region(self._static)
        last = len(self.cells[0].states) - 1
        for cell in self.cells:
            cur = int(cell.states[last])
            passed = [int(s) for s in np.unique(cell.states[:last]) if s != cur]
            self._advance(cell, None, cur, passed)
        return self._finish(last).copy()

    def __iter__(self) -> Iterator[np.ndarray]:
        """[H, W, 4] uint8 RGBA frames: views of the canvas, valid until the next frame."""
        canvas = self.fig.canvas
        self._background = self._static
        for cell in self.cells:
            cell.prev = None
        for k in range(self.count):
            canvas.restore_region(self._background)
            changed = False
            for cell in self.cells:
                cur = int(cell.states[k])
                if cell.prev != cur:
                    passed = [] if cell.prev is None else [cell.prev]
                    changed |= self._advance(cell, cell.prev, cur, passed)
                    cell.prev = cur
            if changed:
                self._background = canvas.copy_from_bbox(self.fig.bbox)
            yield self._finish(k)

    def _advance(self, cell: _Cell, prev: int | None, cur: int, passed: Sequence[int]) -> bool:
        drew = False
        for panel in cell.panels:
            for artist in panel.trail(prev, cur, passed):
                artist.draw(self._renderer)
                drew = True
        return drew

    def _finish(self, k: int) -> np.ndarray:
        for cell in self.cells:
            cur = int(cell.states[k])
            for panel in cell.panels:
                for artist in panel.moving(cur):
                    artist.draw(self._renderer)
        buffer = np.asarray(self.fig.canvas.buffer_rgba())
        for cell in self.cells:
            if cell.header is not None:
                cell.header.set_text(_cell_header(cell.view, int(cell.states[k])))
                cell.header.draw_into(buffer)
        self.title.set_text(self._title_text(k))
        self.title.draw_into(buffer)
        return buffer

    def _title_text(self, k: int) -> str:
        cell = self.cells[0]
        cur = int(cell.states[k])
        if self.compare:
            return f"epoch {cell.view.epoch_label(cur)}"
        v = cell.view
        info = f"epoch {v.epoch_label(cur)} · loss {v.loss[cur]:.4g}"
        if v.scheduled:  # the rate changes from epoch to epoch: show the current one
            info = f"epoch {v.epoch_label(cur)} · lr {v.lr_at(cur):.3g} · loss {v.loss[cur]:.4g}"
        if v.diverged_by(cur):
            info += f" · diverged at epoch {v.diverged_at:.0f}"
        return info


def warm_up() -> None:
    """Load what the first frame of any animation needs (fonts, 3-D axes) ahead of time."""
    style = make_style((128, 72))
    with matplotlib.rc_context(rc_params(style)):
        fig = new_figure(style)
        fig.add_subplot(projection="3d")
        fig.text(0.1, 0.5, "가 0.5e+1")
        fig.canvas.draw()


def _cell_header(view: RunView, state: int) -> str:
    tail = " · diverged" if view.diverged_by(state) else ""
    return f"loss {view.loss[state]:.4g}{tail}"


PANELS: dict[str, type[Panel]] = {"fit": FitPanel, "surface": SurfacePanel, "contour": ContourPanel,
                                   "loss": LossPanel}
"Every panel a scenario can ask for (a test checks it equals schema.PANELS)."


def _make_panel(kind: str, fig: Figure, spec, view: RunView, look: Look) -> Panel:
    if kind == "surface":
        ax = fig.add_subplot(spec, projection="3d", computed_zorder=False)
        return SurfacePanel(ax, view, look.style, look.elev, look.azim)
    return PANELS[kind](fig.add_subplot(spec), view, look.style)


def _title(fig: Figure, style: Style, heading: str, prefix: str = "") -> tuple[GlyphText, float]:
    """The heading and below it the info line: a static prefix ending at the centre, then
    the animated part starting there (so it never jitters, and few glyphs are drawn per
    frame). Returns the animated text and the figure fraction left below the title."""
    line = 1.3 * style.title * (100 / 72) / style.height
    fig.text(0.5, 1 - 0.3 * line, heading, ha="center", va="top", fontsize=style.title)
    if prefix:
        fig.text(0.5, 1 - 1.3 * line, prefix, ha="right", va="top", fontsize=style.title)
    text = GlyphText(fig, 0.5, 1 - 1.3 * line, size=style.title, color=style.theme.foreground,
                     family=NUMBERS_FONT, ha="left" if prefix else "center")
    return text, 1 - 2.2 * line


def _outer_labels_only(ax, row: int, col: int, rows: int, cols: int, cells: int) -> None:
    """Axis labels on the left column and the bottom cell of each column only."""
    if col > 0:
        ax.set_ylabel("")
    if (row + 1) * cols + col < cells:  # another cell below this one
        ax.set_xlabel("")


def run_frames(view: RunView, states: np.ndarray, look: Look, title: str) -> FrameSource:
    """The frames of one run, its panels side by side, one frame per scheduled state."""
    style = look.style
    with matplotlib.rc_context(rc_params(style)):
        fig = new_figure(style)
        prefix = f"{view.run.name} · lr = {view.run.settings.lr:g} · "
        if view.scheduled:
            prefix = f"{view.run.name} · {schedule_label(view.run.settings.schedule)} · "
        text, top = _title(fig, style, title, prefix)
        # tick marks, pads and label gap are fixed points (11), the texts scale
        bottom = (11 + 1.2 * style.tick + 1.3 * style.label) * (100 / 72) / style.height
        gs = fig.add_gridspec(1, len(look.panels), left=0.07, right=0.97, bottom=bottom,
                              top=top - 0.02, wspace=0.3)
        panels = [_make_panel(k, fig, gs[0, n], view, look) for n, k in enumerate(look.panels)]
        cell = _Cell(view, panels, np.asarray(states))
        return FrameSource(fig, [cell], text, title, compare=False)


def compare_frames(views: Sequence[RunView], states: np.ndarray, look: Look,
                   title: str) -> FrameSource:
    """All runs in one grid (states [T, R]), each cell titled with its run.

    Up to MAX_COLUMNS runs get a column each with every panel stacked; more runs get
    one cell each showing the first panel, at most MAX_CELLS of them, evenly picked."""
    style = look.style
    runs = len(views)
    note = ""
    if runs <= MAX_COLUMNS and runs * len(look.panels) <= 12:
        rows, cols, kinds, picked = len(look.panels), runs, list(look.panels), list(range(runs))
    else:
        picked = sorted({round(i) for i in np.linspace(0, runs - 1, min(runs, MAX_CELLS))})
        if len(picked) < runs:
            note = f" (showing {len(picked)} of {runs} runs)"
        cols = math.ceil(math.sqrt(len(picked) * style.width / style.height / 1.3))
        rows, kinds = math.ceil(len(picked) / cols), [look.panels[0]]
    small = Style(**{**style.__dict__, "label": style.label * 0.8, "tick": style.tick * 0.75,
                     "note": style.note * 0.75, "marker": style.marker * 0.7,
                     "line": style.line * 0.8})
    small_look = Look(look.panels, small, look.elev, look.azim)
    with matplotlib.rc_context(rc_params(small)):
        fig = new_figure(style)
        text, top = _title(fig, style, title + note)
        header = 2.4 * small.label * (100 / 72) / style.height
        stacked = len(kinds) > 1  # a column per run, headers only on the top row
        gs = fig.add_gridspec(rows, cols, left=0.05, right=0.98, bottom=0.07,
                              top=top - header - 0.01, wspace=0.3,
                              hspace=0.3 if stacked or rows == 1 else 0.75)
        cells = []
        for n, r in enumerate(picked):
            row0, col = (0, n) if stacked else divmod(n, cols)
            panels = [_make_panel(kind, fig, gs[row0 + m, col], views[r], small_look)
                      for m, kind in enumerate(kinds)]
            if not stacked:
                _outer_labels_only(panels[0].ax, row0, col, rows, cols, len(picked))
            for panel in panels if n > 0 else ():  # one legend is enough
                if panel.ax.get_legend() is not None:
                    panel.ax.get_legend().remove()
            box = gs[row0, col].get_position(fig)
            x, y = (box.x0 + box.x1) / 2, box.y1 + 0.005
            fig.text(x, y + header / 2, views[r].run.name, ha="center", va="bottom",
                     fontsize=small.label)
            head = GlyphText(fig, x, y, size=small.label, color=style.theme.foreground,
                             family=NUMBERS_FONT, ha="center", va="bottom")
            cells.append(_Cell(views[r], panels, np.asarray(states[:, r]), head))
        return FrameSource(fig, cells, text, title + note, compare=True)
