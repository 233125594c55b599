"""Per-frame numbers drawn from cached glyph bitmaps.

Laying out and rasterising a line of text with matplotlib costs more than everything
else in a frame; the texts that change every frame (epoch, loss) use a handful of
characters, so each character is rasterised once by matplotlib itself and then blended
into the canvas at its advance. No kerning: fine for numbers and short words. A family
may be a list (Latin, then Hangul): each character comes from the first that has it.
"""

from __future__ import annotations

import functools

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties

_PAD = 8  # pixels around a glyph in its scratch canvas


@functools.lru_cache(maxsize=2048)
def _glyph(char: str, family: str | tuple[str, ...], size: float, dpi: float) -> tuple[np.ndarray, int, int]:
    """(coverage [h, w] float32 0..1, left, top) of one character; left/top are offsets of
    the bitmap from the pen position on the baseline, in pixels (top is downwards)."""
    px = int(size * dpi / 72)
    w, h = px * 2 + 2 * _PAD, px * 2 + 2 * _PAD
    fig = Figure(figsize=(w / dpi, h / dpi), dpi=dpi, facecolor="white")
    canvas = FigureCanvasAgg(fig)
    base = h - _PAD - px // 2  # baseline row from the top
    fig.text(_PAD / w, 1 - base / h, char, ha="left", va="baseline", color="black",
             fontsize=size, fontfamily=family)
    canvas.draw()
    cover = 1.0 - np.asarray(canvas.buffer_rgba())[:, :, 0].astype(np.float32) / 255.0
    rows, cols = np.nonzero(cover > 0.004)
    if rows.size == 0:
        return np.zeros((0, 0), np.float32), 0, 0
    r0, r1, c0, c1 = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
    return cover[r0:r1, c0:c1], int(c0 - _PAD), int(r0 - base)


@functools.lru_cache(maxsize=2048)
def _advance(char: str, family: str | tuple[str, ...], size: float, dpi: float) -> float:
    """How far the pen moves after `char`, as matplotlib lays text out (hinting included)."""
    renderer = _renderer(dpi)
    prop = FontProperties(family=family, size=size)

    def width(s: str) -> float:
        return renderer.get_text_width_height_descent(s, prop, ismath=False)[0]

    return (width("x" + char * 10 + "x") - width("xx")) / 10


@functools.lru_cache(maxsize=8)
def _renderer(dpi: float):
    fig = Figure(figsize=(1, 1), dpi=dpi)
    return FigureCanvasAgg(fig).get_renderer()


class GlyphText:
    """One line of text at a fixed place in a figure, drawn straight into the Agg buffer.

    (x, y) is in figure fractions; ha is left, center or right; va is top or bottom
    (of the line, as matplotlib places a line of text)."""

    def __init__(self, fig: Figure, x: float, y: float, *, size: float, color: str,
                 family: str | tuple[str, ...], ha: str = "left", va: str = "top") -> None:
        self.fig, self.size, self.family, self.ha = fig, size, family, ha
        self.color = np.asarray(to_rgb(color), np.float32) * 255
        self.text = ""
        width, height = fig.bbox.width, fig.bbox.height
        self.x = x * width
        renderer = fig.canvas.get_renderer()
        _, line, descent = renderer.get_text_width_height_descent(
            "lp", FontProperties(family=family, size=size), ismath=False)
        top = (1 - y) * height  # rows from the top
        self.baseline = top + (line - descent) if va == "top" else top - descent

    def set_text(self, text: str) -> None:
        """Set the string to draw."""
        self.text = text

    def get_text(self) -> str:
        """The string drawn."""
        return self.text

    def width(self, text: str | None = None) -> float:
        """How wide `text` (by default the current text) is drawn, in pixels."""
        key = (self.family, self.size, self.fig.dpi)
        return sum(_advance(c, *key) for c in (self.text if text is None else text))

    def extent(self) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1) of the current text's line box in display pixels (y up, as
        matplotlib's window extents): from the pen's start to its end, descent to ascent."""
        width = self.width()
        x0 = self.x - {"left": 0.0, "center": 0.5, "right": 1.0}[self.ha] * width
        renderer = self.fig.canvas.get_renderer()
        _, line, descent = renderer.get_text_width_height_descent(
            "lp", FontProperties(family=self.family, size=self.size), ismath=False)
        height = self.fig.bbox.height
        return x0, height - self.baseline - descent, x0 + width, height - self.baseline + line - descent

    def draw_into(self, buffer: np.ndarray) -> None:
        """Blend the text into an [H, W, 4] uint8 RGBA buffer."""
        key = (self.family, self.size, self.fig.dpi)
        advances = [_advance(c, *key) for c in self.text]
        pen = self.x - {"left": 0.0, "center": 0.5, "right": 1.0}[self.ha] * sum(advances)
        for char, advance in zip(self.text, advances):
            if not char.isspace():
                self._blend(buffer, _glyph(char, *key), round(pen), round(self.baseline))
            pen += advance

    def _blend(self, buffer: np.ndarray, glyph: tuple[np.ndarray, int, int], x: int, y: int) -> None:
        cover, left, top = glyph
        r0, c0 = y + top, x + left
        r1, c1 = r0 + cover.shape[0], c0 + cover.shape[1]
        h, w = buffer.shape[:2]
        if cover.size == 0 or r0 < 0 or c0 < 0 or r1 > h or c1 > w:
            return
        region = buffer[r0:r1, c0:c1, :3]
        a = cover[:, :, None]
        region[...] = (region * (1 - a) + self.color * a + 0.5).astype(np.uint8)
