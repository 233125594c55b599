"""Frame sources: a run's panels side by side, or all runs in a grid.

The figure is built and fully drawn once (static layer); each frame restores the saved
background, burns in what has been passed since the last frame (earlier lines, the path
so far) and saves it again, then draws only the moving artists on top and hands the
RGBA pixels out. Frames are produced one at a time, never kept.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from gdanim.frames import layout
from gdanim.frames.glyphs import GlyphText
from gdanim.frames.panels import ContourPanel, FitPanel, LossPanel, Panel, SurfacePanel, compact_ticks
from gdanim.frames.style import FONT_FAMILY, Style, make_style, new_figure, rc_params
from gdanim.i18n import messages
from gdanim.numbers import num
from gdanim.scene.timeline import base
from gdanim.scene.views import RunView
from gdanim.schedules import label as schedule_label

PT = 72 / 100
"Points per pixel of a figure at the styles' DPI."
NUMBERS_FONT = FONT_FAMILY
"The per-frame texts (numbers, and words in the scenario's language): Latin, then Hangul."


@dataclass(frozen=True)
class Look:
    """How frames look: panels, style and the 3-D view."""

    panels: tuple[str, ...]
    style: Style
    elev: float = 25.0
    azim: float = 30.0
    arrows: bool = False
    "Draw the step about to be taken on the surface and contour panels."
    residuals: str = "none"
    "The fit panel's residuals: none, lines, squares or auto (by the loss)."


@dataclass
class _Cell:
    view: RunView
    panels: list[Panel]
    states: np.ndarray
    "The position of this cell's run in each frame: a state, or between two while gliding."
    header: list[GlyphText] | None = None
    "The status lines above a compare cell (epoch or how the run ended, loss)."
    short: bool = False
    "Header words shortened to fit the cell."
    prev: int | None = None

    def status(self, state: int) -> list[str]:
        """The header's lines at `state`: one line, or two when the header has two."""
        words = status_words(self.view, state, self.short, self.panels[0].style.words if self.panels else None)
        if self.header is None or len(self.header) > 1 or len(words) == 1:
            return words
        return [" · ".join(words)]


class FrameSource:
    """Frames of one figure: `poster()` is the last frame, iteration yields every frame.

    `callouts` are (first frame, end frame, text): a note on the frames in [first, end)."""

    def __init__(self, fig: Figure, cells: list[_Cell], title: GlyphText | None, heading: str,
                 compare: bool, plan: layout.GridPlan | None = None,
                 callouts: Sequence[tuple[int, int, str]] = (), note=None) -> None:
        self.fig, self.cells, self.title, self.compare = fig, cells, title, compare
        self.heading, self.plan = heading, plan
        self.callouts, self.note = list(callouts), note
        self.count = len(cells[0].states)
        self.size = (int(fig.bbox.width), int(fig.bbox.height))
        for cell in cells:
            for panel in cell.panels:
                panel.set_frames(len(np.unique(np.floor(np.asarray(cell.states, np.float64) + 1e-9))))
        canvas = fig.canvas
        canvas.draw()
        for cell in cells:
            for panel in cell.panels:
                panel.after_draw()
        self._static = canvas.copy_from_bbox(fig.bbox)
        self._renderer = canvas.get_renderer()

    @property
    def words(self) -> dict[str, str]:
        """The frames' words, in the language of the first cell's style."""
        return self.cells[0].panels[0].style.words

    def poster(self, state: int | None = None, frame: int | None = None) -> np.ndarray:
        """[H, W, 4] uint8 RGBA (opaque): the last frame, drawn directly, a copy; with
        `frame`, that frame instead; with `state`, a run's figure as it stands at that
        state (one-run sources only)."""
        if frame is not None:
            scheduled = [cell.states for cell in self.cells]
            for cell in self.cells:
                cell.states = cell.states[:frame + 1]
            try:
                return self.poster()
            finally:
                for cell, states in zip(self.cells, scheduled):
                    cell.states = states
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
            cur = base(cell.states[last])
            passed = [base(s) for s in np.unique(cell.states[:last]) if base(s) != cur]
            self._advance(cell, None, cur, sorted(set(passed)))
        return self._finish(last).copy()

    def __iter__(self) -> Iterator[np.ndarray]:
        """[H, W, 4] uint8 RGBA frames: views of the canvas, valid until the next frame."""
        canvas = self.fig.canvas
        self._background = self._static
        for cell in self.cells:
            cell.prev = None
        buffer = None
        for k in range(self.count):
            if buffer is not None and self._same(k):
                yield buffer  # a pause: the canvas still holds this very frame
                continue
            canvas.restore_region(self._background)
            changed = False
            for cell in self.cells:
                cur = base(cell.states[k])
                if cell.prev != cur:
                    passed = [] if cell.prev is None else [cell.prev]
                    changed |= self._advance(cell, cell.prev, cur, passed)
                    cell.prev = cur
            if changed:
                self._background = canvas.copy_from_bbox(self.fig.bbox)
            buffer = self._finish(k)
            yield buffer

    def _same(self, k: int) -> bool:
        """True when frame k shows what frame k - 1 showed, callout and all."""
        return all(cell.states[k] == cell.states[k - 1] for cell in self.cells) and (
            self._callout(k) == self._callout(k - 1))

    def _callout(self, k: int) -> str:
        return next((text for a, b, text in self.callouts if a <= k < b), "")

    def _advance(self, cell: _Cell, prev: int | None, cur: int, passed: Sequence[int]) -> bool:
        drew = False
        for panel in cell.panels:
            for artist in panel.trail(prev, cur, passed):
                artist.draw(self._renderer)
                drew = True
        return drew

    def _finish(self, k: int) -> np.ndarray:
        for cell in self.cells:
            pos = float(cell.states[k])
            for panel in cell.panels:
                for artist in panel.moving(pos):
                    artist.draw(self._renderer)
        callout = self._callout(k)
        if callout and self.note is not None:
            self.note.set_text(callout)
            self.note.draw(self._renderer)
        buffer = np.asarray(self.fig.canvas.buffer_rgba())
        for cell in self.cells:
            if cell.header is not None:
                texts = cell.status(base(cell.states[k]))
                for i, line in enumerate(cell.header):
                    line.set_text(texts[i] if i < len(texts) else "")
                    line.draw_into(buffer)
        if self.title is not None:
            self.title.set_text(self._title_text(k))
            self.title.draw_into(buffer)
        return buffer

    def _title_text(self, k: int) -> str:
        cell = self.cells[0]
        cur = base(cell.states[k])
        v, w = cell.view, self.words
        parts = [w["frame_epoch"].format(epoch=v.epoch_label(cur))]
        if v.scheduled:  # the rate changes from epoch to epoch: show the current one
            parts.append(w["frame_lr"].format(lr=num(v.lr_at(cur), 3)))
        parts.append(w["frame_loss"].format(loss=num(v.loss[cur])))
        if v.diverged_by(cur):
            parts.append(w["frame_diverged_at"].format(epoch=f"{v.diverged_at:.0f}"))
        return " · ".join(parts)


def warm_up() -> None:
    """Load what the first frame of any animation needs (fonts, 3-D axes) ahead of time."""
    style = make_style((128, 72))
    with matplotlib.rc_context(rc_params(style)):
        fig = new_figure(style)
        fig.add_subplot(projection="3d")
        fig.text(0.1, 0.5, "가 0.5e+1")
        fig.canvas.draw()


def status_words(view: RunView, state: int, short: bool = False,
                 words: Mapping[str, str] | None = None) -> list[str]:
    """What a compare cell says of its run at `state`: the epoch it is at, or how it
    ended (diverged at k, converged at k, done at k), then its loss when finite; in the
    language of `words` (English when not given)."""
    w = words if words is not None else messages("en")
    form = "short" if short else "at"
    last = len(view.times) - 1
    if view.diverged_by(state):
        return [w[f"frame_diverged_{form}"].format(epoch=f"{view.diverged_at:.0f}")]
    if state >= last:
        ended = {"converged": "converged", "diverged": "diverged"}.get(view.run.status, "done")
        head = w[f"frame_{ended}_{form}"].format(epoch=view.epoch_label(last))
    else:
        head = w["frame_epoch"].format(epoch=view.epoch_label(state))
    loss = float(view.loss[state])
    return [head, w["frame_loss"].format(loss=num(loss))] if math.isfinite(loss) else [head]


PANELS: dict[str, type[Panel]] = {"fit": FitPanel, "surface": SurfacePanel, "contour": ContourPanel,
                                   "loss": LossPanel}
"Every panel a scenario can ask for (a test checks it equals schema.PANELS)."


def _make_panel(kind: str, fig: Figure, spec, view: RunView, look: Look) -> Panel:
    """A panel on a subplot spec, or on a rect [x0, y0, w, h] in figure fractions."""
    add = fig.add_axes if isinstance(spec, list) else fig.add_subplot
    if kind == "surface":
        ax = add(spec, projection="3d", computed_zorder=False)
        panel = SurfacePanel(ax, view, look.style, look.elev, look.azim)
    else:
        panel = PANELS[kind](add(spec), view, look.style)
    panel.arrows, panel.residuals = look.arrows, look.residuals
    return panel


def _title(fig: Figure, style: Style, heading: str, prefix: str = "") -> tuple[GlyphText, float]:
    """The heading and below it the info line: a static prefix ending at the centre, then
    the animated part starting there (so it never jitters, and few glyphs are drawn per
    frame). Returns the animated text and the figure fraction left below the title."""
    line = 1.3 * style.title * (100 / 72) / style.height
    fig.text(0.5, 1 - 0.3 * line, heading, ha="center", va="top", fontsize=style.title, parse_math=False)
    if prefix:
        fig.text(0.5, 1 - 1.3 * line, prefix, ha="right", va="top", fontsize=style.title, parse_math=False)
    text = GlyphText(fig, 0.5, 1 - 1.3 * line, size=style.title, color=style.theme.foreground,
                     family=NUMBERS_FONT, ha="left" if prefix else "center")
    return text, 1 - 2.2 * line


def _outer_labels_only(ax, row: int, col: int, rows: int, cols: int, cells: int) -> None:
    """Axis labels on the left column and the bottom cell of each column only."""
    if col > 0:
        ax.set_ylabel("")
    if (row + 1) * cols + col < cells:  # another cell below this one
        ax.set_xlabel("")


def _callout_note(fig: Figure, style: Style, y: float, va: str):
    """The callout's text box, drawn only on the frames of an event (animated)."""
    from gdanim.frames.panels import boxed

    return fig.text(0.5, y, "", ha="center", va=va, fontsize=style.title * 0.9, animated=True,
                    color=style.theme.foreground, multialignment="center",
                    bbox={**boxed(style.theme, style.theme.warning), "alpha": 0.94})


def _callout_strip(callouts: Sequence[tuple[int, int, str]], style: Style) -> float:
    """The height, as a fraction of the figure, of the strip the tallest callout needs."""
    lines = max((t.count("\n") + 1 for _, _, t in callouts), default=0)
    if not lines:
        return 0.0
    return (lines * 1.25 * style.title * 0.9 + 10) * (100 / 72) / style.height


def run_frames(view: RunView, states: np.ndarray, look: Look, title: str,
               callouts: Sequence[tuple[int, int, str]] | None = None) -> FrameSource:
    """The frames of one run, its panels side by side, one frame per position in `states`
    (a state, or between two); `callouts` (first frame, end frame, text) show on theirs."""
    style = look.style
    with matplotlib.rc_context(rc_params(style)):
        fig = new_figure(style)
        prefix = f"{view.run.name} · lr = {view.run.settings.lr:g} · "
        if view.scheduled:
            prefix = f"{view.run.name} · {schedule_label(view.run.settings.schedule)} · "
        text, top = _title(fig, style, title, prefix)
        # tick marks, pads and label gap are fixed points (11), the texts scale
        bottom = (11 + 1.2 * style.tick + 1.3 * style.label) * (100 / 72) / style.height
        left = max(0.07, (8 + 2.6 * style.tick + 1.3 * style.label) * (100 / 72) / style.width)
        callouts = [(a, b, _wrap(t, fig, style)) for a, b, t in callouts or ()]
        strip = _callout_strip(callouts, style)  # the callouts' own room: they never cover a panel
        gs = fig.add_gridspec(1, len(look.panels), left=left, right=0.97, bottom=bottom,
                              top=top - 0.02 - strip, wspace=0.3)
        panels = [_make_panel(k, fig, gs[0, n], view, look) for n, k in enumerate(look.panels)]
        cell = _Cell(view, panels, np.asarray(states))
        note = _callout_note(fig, style, top - 0.01, "top") if callouts else None
        return FrameSource(fig, [cell], text, title, compare=False, callouts=callouts, note=note)


def compare_frames(views: Sequence[RunView], states: np.ndarray, look: Look,
                   title: str, callouts: Sequence[tuple[int, int, str]] | None = None) -> FrameSource:
    """All runs in one grid (states [T, R]), each cell titled with its run and its status.

    The grid (rows, columns, panels per cell, which runs) is `layout.grid_plan`'s: every
    text at least layout.MIN_TEXT_PX at slide size; what it leaves out is said in the
    heading."""
    plan = layout.grid_plan(len(views), look.panels, look.style.size, look.style.scale)
    style, k = look.style, plan.scale
    small = Style(**{**style.__dict__, "label": layout.NAME_PX * k * PT,
                     "tick": layout.TICK_PX * k * PT, "note": layout.TICK_PX * k * PT,
                     "marker": style.marker * 0.75, "line": style.line * 0.8, "grid": True})
    small_look = Look(plan.kinds, small, look.elev, look.azim)
    note = plan.describe(style.words)
    heading = f"{title} ({note})" if note else title
    pads = {f"{a}tick.major.{w}": 3 * k for a in "xy" for w in ("pad", "size")}  # as the texts scale
    with matplotlib.rc_context({**rc_params(small), **pads, "axes.labelpad": 3 * k}):
        fig = new_figure(style)
        fig.text(0.5, 1 - 6 * k / style.height, heading, ha="center", va="top",
                 fontsize=layout.TITLE_PX * k * PT, parse_math=False)  # the user's words, drawn as written
        cells = [_compare_cell(fig, plan, n, views[r], states[:, r], small_look)
                 for n, r in enumerate(plan.picked)]
        shown = {views[r].run.name for r in plan.picked}
        callouts = [(a, b, "\n".join(line for line in t.split("\n") if line.split(":")[0] in shown))
                    for a, b, t in callouts or ()]
        callouts = [(a, b, _wrap(t, fig, small)) for a, b, t in callouts if t]
        note = _callout_note(fig, small, 0.02, "bottom") if callouts else None
        return FrameSource(fig, cells, None, heading, compare=True, plan=plan, callouts=callouts, note=note)


def _compare_cell(fig: Figure, plan: layout.GridPlan, n: int, view: RunView, states: np.ndarray,
                  look: Look) -> _Cell:
    """The n-th cell of a compare grid: its panels, its run's name and status lines."""
    width, height = look.style.size
    row, col = divmod(n, plan.cols)
    below = n + plan.cols < len(plan.picked)  # another cell under this one
    panels = []
    for m, kind in enumerate(plan.kinds):
        x0, y0, w, h = plan.panel_box(n, m)
        spec = [x0 / width, y0 / height, w / width, h / height]
        panel = _make_panel(kind, fig, spec, view, look)
        ax = panel.ax
        if kind != "surface":
            compact_ticks(ax, w / plan.scale, h / plan.scale)
            if col > 0:
                ax.set_ylabel("")
            if below and m == len(plan.kinds) - 1:  # the cell under it shows the same label
                ax.set_xlabel("")
        if n > 0 and ax.get_legend() is not None:  # one legend is enough
            ax.get_legend().remove()
        panels.append(panel)
    cx, top, room = plan.header_anchor(n)
    k = plan.scale
    name = fig.text(cx / width, top / height, view.run.name, ha="center", va="top",
                    fontsize=layout.NAME_PX * k * PT, parse_math=False)
    _fit_text(name, room)
    line = layout.HEAD_LINE * layout.NAME_PX * k
    header = [GlyphText(fig, cx / width, (top - line * (i + 1)) / height,
                        size=layout.HEAD_PX * k * PT, color=look.style.theme.foreground,
                        family=NUMBERS_FONT, ha="center", va="top")
              for i in range(plan.header_lines - 1)]
    cell = _Cell(view, panels, np.asarray(states), header)
    shown = np.unique(cell.states)
    if max(header[0].width(t) for s in shown for t in cell.status(int(s))) > room:
        cell.short = True
    return cell


def _fit_text(text, room: float) -> None:
    """Shorten a static text with an ellipsis until it is at most `room` pixels wide."""
    renderer = text.figure.canvas.get_renderer()
    words = text.get_text()
    while len(words) > 1 and text.get_window_extent(renderer).width > room:
        words = words[:-1]
        text.set_text(words + "…")


def _wrap(text: str, fig: Figure, style: Style) -> str:
    """The callout's lines, each broken at a colon or semicolon when it is wider than
    most of the figure."""
    room = 0.8 * style.width / (style.title * 0.9 * 100 / 72 * 0.55)  # characters that fit
    lines = []
    for line in text.split("\n"):
        while len(line) > room and any(m in line for m in (": ", "; ")):
            cut = max(line.rfind(m, 0, int(room)) for m in (": ", "; "))
            if cut <= 0:
                cut = min(i for i in (line.find(": "), line.find("; ")) if i > 0)
            lines.append(line[:cut + 1])
            line = line[cut + 2:]
        lines.append(line)
    return "\n".join(lines)
