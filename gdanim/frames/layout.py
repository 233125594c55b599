"""Where the cells of a compare grid go, chosen so every text reads at slide size.

Pure arithmetic (no matplotlib), so the report can say what the grid leaves out:

    plan = grid_plan(runs=11, panels=("fit", "surface"), size=(1280, 720))
    plan.rows, plan.cols, plan.kinds, plan.note     # 3, 4, ('fit',), '3-D panel left out ...'

Sizes are worked out in slide pixels (a 1280x720 frame) and scaled by the frame's
scale `k` (`frame_scale`), so a thumb frame is an hd frame at half size. At that scale
the smallest text is MIN_TEXT_PX: tick labels, notes, the cells' headers. A grid whose
plots would come out smaller than MIN_2D / MIN_3D drops the 3-D panel, then panels from
the end of the list, then shows an evenly picked subset of the runs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from gdanim.i18n import messages

MIN_TEXT_PX = 14.0
"The smallest text in a compare frame, in pixels of a 1280x720 frame."
TICK_PX = 14.5
"Tick labels and notes on the plots."
HEAD_PX = 15.0
"The status lines of each cell (epoch, loss)."
NAME_PX = 16.0
"The run's name above its cell."
TITLE_PX = 23.6
LINE = 1.3
"Line height as a multiple of the font size."
HEAD_LINE = 1.22
"Line height of the cells' headers."
MAX_CELLS = 24
MIN_2D = (110.0, 64.0)
"Smallest plot area (width, height) of a 2-D panel, slide pixels."
MIN_3D = (190.0, 150.0)
"Smallest box of the 3-D panel, slide pixels."
GAP = 12.0
"Between cells, besides the tick labels."
PAD = 6.0
"Above each 2-D plot, inside its slot."
YTICKS = 4.4 * 0.62 * TICK_PX + 10
"Left of a 2-D plot: tick labels of up to four or five characters, ticks and pads."
XTICKS = LINE * TICK_PX + 8
"Below a 2-D plot: its tick labels."
AXIS_LABEL = LINE * NAME_PX + 4
"An axis label (x below the bottom cells, y left of the first column)."
EDGE = 8.0
WIDE_CELL = 330.0
"Cells at least this wide show epoch and loss on one line."


def frame_scale(size: tuple[int, int]) -> float:
    """How much larger than a 1280x720 frame `size` is (the styles' own scale)."""
    width, height = size
    return max(min(width / 1280, height / 720), 0.45)


def min_text_px(size: tuple[int, int]) -> float:
    """The smallest text a compare frame of `size` may hold, in its own pixels."""
    return MIN_TEXT_PX * frame_scale(size)


@dataclass(frozen=True)
class GridPlan:
    """The chosen grid: which runs and panels, in how many rows and columns.

    Boxes are (x0, y0, width, height) in pixels of the frame, y from the bottom."""

    size: tuple[int, int]
    runs: int
    "How many runs the scenario has."
    picked: tuple[int, ...]
    "Indices of the runs shown, in order."
    kinds: tuple[str, ...]
    "The panels stacked in each cell, top to bottom."
    dropped: tuple[str, ...]
    "Panels of the scenario that the grid leaves out."
    rows: int
    cols: int
    header_lines: int
    "Lines of text above each cell's plots: the name, then one or two status lines."
    text_scale: float | None = None
    "Pixels of this frame per slide pixel, when not the frame's own scale (larger texts)."

    @property
    def scale(self) -> float:
        """Pixels of this frame per slide pixel."""
        return self.text_scale or frame_scale(self.size)

    @property
    def note(self) -> str:
        """What the grid leaves out, in English (empty when it shows everything)."""
        return self.describe(messages("en"))

    def describe(self, words: Mapping[str, str]) -> str:
        """What the grid leaves out, in the language of `words` (gdanim.i18n's messages)."""
        parts = []
        if len(self.picked) < self.runs:
            parts.append(words["frame_runs_shown"].format(shown=len(self.picked), runs=self.runs))
        if self.dropped:
            names = ", ".join(words[f"frame_panel_{k}"] for k in self.dropped)
            many = "frame_panels_left_out" if len(self.dropped) > 1 else "frame_panel_left_out"
            parts.append(words[many].format(panels=names))
        return "; ".join(parts)

    def _geometry(self) -> tuple[float, float, float, float, float, float]:
        """(left, top, cell width, cell height, header height, slot height), slide pixels."""
        width, height = (v / self.scale for v in self.size)
        left, top = EDGE + AXIS_LABEL, LINE * TITLE_PX + 8
        cell_w = (width - left - EDGE) / self.cols
        cell_h = (height - top - AXIS_LABEL - EDGE) / self.rows
        header = self.header_lines * HEAD_LINE * NAME_PX + 4
        return left, top, cell_w, cell_h, header, (cell_h - header) / len(self.kinds)

    def cell_box(self, n: int) -> tuple[float, float, float, float]:
        """The whole cell of the n-th run shown: header, tick labels and plots."""
        left, top, cell_w, cell_h, _, _ = self._geometry()
        row, col = divmod(n, self.cols)
        k, height = self.scale, self.size[1] / self.scale
        return ((left + col * cell_w) * k, (height - top - (row + 1) * cell_h) * k,
                (cell_w - GAP) * k, cell_h * k)

    def header_anchor(self, n: int) -> tuple[float, float, float]:
        """(centre x, top y, width it may fill) of the n-th cell's header, in pixels."""
        x0, y0, w, h = self.cell_box(n)
        return x0 + w / 2, y0 + h - 3 * self.scale, w - 2 * self.scale

    def panel_box(self, n: int, m: int) -> tuple[float, float, float, float]:
        """The axes of panel m of the n-th run shown."""
        left, top, cell_w, cell_h, header, slot = self._geometry()
        row, col = divmod(n, self.cols)
        k, height = self.scale, self.size[1] / self.scale
        x0 = left + col * cell_w
        slot_top = height - top - row * cell_h - header - m * slot
        below = XTICKS + self._label_band(m)
        if self.kinds[m] == "surface":  # no tick labels: the slot's width; its axis labels below
            return x0 * k, (slot_top - slot + below) * k, (cell_w - GAP) * k, (slot - below) * k
        h = slot - PAD - below
        return (x0 + YTICKS) * k, (slot_top - PAD - h) * k, (cell_w - YTICKS - GAP) * k, h * k

    def _label_band(self, m: int) -> float:
        """Room for an x label under panel m inside its slot: all but a cell's last panel
        (whose label, when shown, falls below the grid or into an empty cell)."""
        return AXIS_LABEL if m < len(self.kinds) - 1 else 0.0

    def fits(self) -> bool:
        """True when every plot of the grid is at least its smallest size."""
        _, _, cell_w, cell_h, header, slot = self._geometry()
        for m, kind in enumerate(self.kinds):
            below = XTICKS + self._label_band(m)
            if kind == "surface":
                if cell_w - GAP < MIN_3D[0] or slot - below < MIN_3D[1]:
                    return False
            elif cell_w - YTICKS - GAP < MIN_2D[0] or slot - PAD - below < MIN_2D[1]:
                return False
        return True

    def score(self) -> float:
        """How roomy the plots are (larger is better): the smaller of height and width/1.5."""
        _, _, cell_w, _, _, slot = self._geometry()
        return min((cell_w - YTICKS - GAP) / 1.5, slot - PAD - XTICKS - self._label_band(0))


def _kind_choices(panels: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The panel sets to try, most first: all, then without 3-D, then fewer and fewer."""
    flat = tuple(k for k in panels if k != "surface") or panels
    choices = [panels, flat] + [flat[:n] for n in range(len(flat) - 1, 0, -1)]
    return list(dict.fromkeys(choices))


def _best(size: tuple[int, int], runs: int, picked: tuple[int, ...], kinds: tuple[str, ...],
          dropped: tuple[str, ...], scale: float | None) -> GridPlan | None:
    best = None
    count = len(picked)
    for cols in range(1, count + 1):
        rows = math.ceil(count / cols)
        if rows * cols - count >= cols:  # a whole empty row
            continue
        width = (size[0] / (scale or frame_scale(size)) - EDGE * 2 - AXIS_LABEL) / cols
        lines = 2 if width >= WIDE_CELL else 3
        plan = GridPlan(size, runs, picked, kinds, dropped, rows, cols, lines, scale)
        if plan.fits() and (best is None or plan.score() > best.score()):
            best = plan
    return best


def grid_plan(runs: int, panels: tuple[str, ...] | list[str], size: tuple[int, int],
              scale: float | None = None) -> GridPlan:
    """The grid of `runs` runs showing as many of `panels` as read at slide size in a
    frame of `size` pixels: all runs with all panels if they fit; else fewer panels (the
    3-D one first); else at most MAX_CELLS runs, evenly picked, as many as fit. `scale`
    makes the texts that much larger than a slide's (by default the frame's own scale)."""
    panels = tuple(panels)
    for count in range(min(runs, MAX_CELLS), 0, -1):
        picked = tuple(sorted({round(i) for i in _spread(runs, count)}))
        for kinds in _kind_choices(panels):
            dropped = tuple(k for k in panels if k not in kinds)
            plan = _best(size, runs, picked, kinds, dropped, scale)
            if plan is not None:
                return plan
    # nothing fits (a tiny frame): one panel per cell, one cell
    return GridPlan(size, runs, (0,), panels[:1], panels[1:], 1, 1, 3, scale)


def _spread(runs: int, count: int) -> list[float]:
    if count == 1:
        return [0.0]
    return [i * (runs - 1) / (count - 1) for i in range(count)]
