"""Looks shared by every figure gdanim draws: sizes, themes, palette and fonts.

The small public API, also used by the report's static figures:

    style = make_style((1280, 720), "dark")     # sizes scaled to the frame, theme colours
    fig = new_figure(style)                      # a Figure on an Agg canvas, no pyplot
    with matplotlib.rc_context(rc_params(style)):
        ...build axes and draw once...

`register_fonts()` adds the bundled Hangul font (NanumGothic, OFL-1.1) to matplotlib's
font manager once; `FONT_FAMILY` lists DejaVu Sans first and falls back to it for glyphs
DejaVu lacks, so Korean titles render with real glyphs on any machine.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from cycler import cycler
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from gdanim.i18n import messages

FONTS_DIR = Path(__file__).resolve().parent.parent / "fonts"
HANGUL_FONT = "NanumGothic"
FONT_FAMILY = ("DejaVu Sans", HANGUL_FONT)
DPI = 100

# Okabe & Ito's colour-blind-safe palette.
PALETTE = {
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "black": "#000000",
}
CYCLE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442")


@dataclass(frozen=True)
class Theme:
    """Colours of one theme; every colour is a matplotlib colour string."""

    name: str
    background: str
    foreground: str
    muted: str
    "Secondary text, reference lines."
    grid: str
    data: str
    "Data points."
    line: str
    "The current fit and the path."
    start: str
    minimum: str
    "The least-squares minimum and the OLS line."
    true: str
    "The true line of synthetic data."
    warning: str
    "Divergence markers."
    cmap: str
    "Colour map of loss surfaces and contours."
    surface_alpha: float


THEMES = {
    "light": Theme("light", "#FFFFFF", "#1A1A1A", "#666666", "#DDDDDD", PALETTE["blue"],
                   PALETTE["vermillion"], PALETTE["blue"], PALETTE["green"], "#444444",
                   PALETTE["purple"], "viridis", 0.35),
    "dark": Theme("dark", "#161A1F", "#F2F2F2", "#A8A8A8", "#3A3F46", PALETTE["sky"],
                  PALETTE["orange"], PALETTE["sky"], PALETTE["green"], "#CCCCCC",
                  PALETTE["purple"], "viridis", 0.5),
}


@dataclass(frozen=True)
class Style:
    """A frame size, its theme, and font sizes and line widths that read on a projector."""

    width: int
    height: int
    theme: Theme
    title: float
    "Font size of figure titles, in points."
    label: float
    tick: float
    note: float
    "Small annotations on panels."
    line: float
    "Width of the main lines, in points."
    marker: float
    "Size of the current-position marker, in points."
    grid: bool = False
    "A cell of a compare grid: panels leave out what does not read at that size."
    lang: str = "en"
    "The language of the frame's words."

    @property
    def words(self) -> dict[str, str]:
        """The frame's words in its language (gdanim.i18n's messages)."""
        return messages(self.lang)

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in pixels."""
        return self.width, self.height

    @property
    def scale(self) -> float:
        """How large the texts are against a 1280x720 frame's (make_style's k)."""
        return self.label / 13


def make_style(size: tuple[int, int], theme: str = "light", lang: str = "en") -> Style:
    """The Style for a frame of `size` pixels in the named theme (light or dark), its words
    in `lang`."""
    width, height = size
    k = max(min(width / 1280, height / 720), 0.45)
    return Style(width, height, THEMES[theme], title=17 * k, label=13 * k, tick=11 * k,
                 note=11 * k, line=2.6 * k, marker=9 * k, lang=lang)


@functools.cache
def register_fonts() -> tuple[str, ...]:
    """Add the bundled fonts to matplotlib's font manager (once); returns the family list."""
    for path in sorted(FONTS_DIR.glob("*.ttf")):
        font_manager.fontManager.addfont(str(path))
    return FONT_FAMILY


def rc_params(style: Style) -> dict:
    """rcParams for building figures in `style` (use with matplotlib.rc_context)."""
    t = style.theme
    return {
        "font.family": list(register_fonts()),
        "font.size": style.label,
        "axes.titlesize": style.label,
        "axes.labelsize": style.label,
        "xtick.labelsize": style.tick,
        "ytick.labelsize": style.tick,
        "legend.fontsize": style.note,
        "axes.facecolor": t.background,
        "figure.facecolor": t.background,
        "savefig.facecolor": t.background,
        "axes.edgecolor": t.muted,
        "axes.labelcolor": t.foreground,
        "axes.titlecolor": t.foreground,
        "text.color": t.foreground,
        "xtick.color": t.muted,
        "ytick.color": t.muted,
        "xtick.labelcolor": t.foreground,
        "ytick.labelcolor": t.foreground,
        "grid.color": t.grid,
        "grid.linewidth": 0.8,
        "axes.grid": True,
        "axes.axisbelow": True,
        "axes.prop_cycle": cycler(color=list(CYCLE)),
        "lines.linewidth": style.line,
        "axes.unicode_minus": True,
        "path.simplify": True,
    }


def new_figure(style: Style) -> Figure:
    """A Figure of exactly style.width x style.height pixels on an Agg canvas."""
    register_fonts()
    fig = Figure(figsize=(style.width / DPI, style.height / DPI), dpi=DPI,
                 facecolor=style.theme.background)
    FigureCanvasAgg(fig)
    return fig
