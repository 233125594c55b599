"""A handout page: an A4 landscape PDF of key frames, captioned, with the analysis.

    pdf = handout_pdf(spec, images)   # spec: gdanim.render.handout.HandoutSpec, images RGBA

Drawn with matplotlib's PDF backend (no pyplot); fonts are embedded as TrueType, so the
text stays text (searchable, sharp on paper) and Korean titles keep their glyphs.
"""

from __future__ import annotations

import dataclasses
import io
import logging
import textwrap
from collections.abc import Sequence

import matplotlib
import numpy as np
from matplotlib.backends.backend_pdf import FigureCanvasPdf
from matplotlib.figure import Figure

from gdanim.frames.style import Style, make_style, rc_params, register_fonts

A4_LANDSCAPE = (11.69, 8.27)
"Inches."
MARGIN = 0.45
GAP = 0.25
CAPTION = 0.62
"Inches below each frame for its two caption lines."
HEAD = 0.85
FOOT = 0.6
PRINT_DPI = 300
FRAME = (860, 484)
"Pixels of each frame drawn for a handout."


def frame_style(lang: str = "en") -> Style:
    """The style of a handout's frames: FRAME pixels, light, with a 1280x720 slide's font
    sizes (so the text of a frame printed a third of the page wide still reads), its
    words in `lang`."""
    return dataclasses.replace(make_style((1280, 720), "light", lang), width=FRAME[0], height=FRAME[1])


def _grid(count: int) -> tuple[int, int]:
    """(rows, cols) of the frames: 2x2 for four, 2x3 for five or six, one row below four."""
    if count <= 3:
        return 1, max(count, 1)
    return 2, 2 if count == 4 else 3


def handout_pdf(spec, images: Sequence[np.ndarray]) -> bytes:
    """The bytes of a one-page A4 landscape PDF: the spec's heading, its shots (one image
    each, [H, W, 4] uint8) with captions, and its two lines of analysis."""
    register_fonts()
    logging.getLogger("fontTools.subset").setLevel(logging.ERROR)  # tables it leaves out, by name
    with matplotlib.rc_context(_rc()):
        fig = handout_figure(spec, images)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="pdf", dpi=PRINT_DPI, facecolor="white",
                    metadata={"Title": f"{spec.title}: {spec.subtitle}", "Creator": "gdanim"})
    return buffer.getvalue()


def _rc() -> dict:
    return {**rc_params(make_style((1280, 720), "light")), "pdf.fonttype": 42, "axes.grid": False}


def handout_figure(spec, images: Sequence[np.ndarray]) -> Figure:
    """The handout page as a matplotlib Figure (on a PDF canvas), every text on it."""
    with matplotlib.rc_context(_rc()):
        fig = Figure(figsize=A4_LANDSCAPE, facecolor="white")
        FigureCanvasPdf(fig)
        _draw(fig, spec, images)
    return fig


def _draw(fig: Figure, spec, images: Sequence[np.ndarray]) -> None:
    width, height = A4_LANDSCAPE
    fig.text(MARGIN / width, 1 - MARGIN / height, spec.title, ha="left", va="top", fontsize=18,
             color="#111111", parse_math=False)
    fig.text(MARGIN / width, 1 - (MARGIN + 0.36) / height, spec.subtitle, ha="left", va="top",
             fontsize=11.5, color="#333333", parse_math=False)
    rows, cols = _grid(len(images))
    aspect = images[0].shape[1] / images[0].shape[0] if images else 16 / 9
    room_w = width - 2 * MARGIN
    room_h = height - 2 * MARGIN - HEAD - FOOT
    cell_w = min((room_w - (cols - 1) * GAP) / cols,
                 ((room_h - rows * CAPTION - (rows - 1) * GAP * 0.5) / rows) * aspect)
    cell_h = cell_w / aspect
    left = MARGIN + (room_w - cols * cell_w - (cols - 1) * GAP) / 2
    top = height - MARGIN - HEAD
    chars = int(cell_w * 72 / (9.5 * 0.55))  # characters of 9.5 pt text across a frame
    for n, (image, shot) in enumerate(zip(images, spec.shots)):
        row, col = divmod(n, cols)
        x = left + col * (cell_w + GAP)
        y = top - row * (cell_h + CAPTION + GAP * 0.5) - cell_h
        ax = fig.add_axes([x / width, y / height, cell_w / width, cell_h / height])
        ax.imshow(np.ascontiguousarray(image[:, :, :3]), interpolation="lanczos")
        ax.set_axis_off()
        ax.add_patch(matplotlib.patches.Rectangle((0, 0), 1, 1, transform=ax.transAxes, fill=False,
                                                  edgecolor="#999999", linewidth=0.6, clip_on=False))
        fig.text(x / width, (y - 0.06) / height, f"{n + 1}. {shot.caption}", ha="left", va="top",
                 fontsize=11, color="#000000")  # not bold: the Hangul font has no bold
        happens = textwrap.shorten(shot.happens, width=2 * chars, placeholder=" …")
        fig.text(x / width, (y - 0.26) / height, "\n".join(textwrap.wrap(happens, chars)[:2]),
                 ha="left", va="top", fontsize=9.5, color="#333333", linespacing=1.15)
    across = int((width - 2 * MARGIN) * 72 / (10.5 * 0.55))
    for i, line in enumerate(spec.analysis[:2]):
        fig.text(MARGIN / width, (MARGIN + FOOT - 0.12 - i * 0.24) / height,
                 textwrap.shorten(line, width=across, placeholder=" …"), ha="left", va="top",
                 fontsize=10.5, color="#111111")
