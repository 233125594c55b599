"""Web fonts that travel with the pages: the bundled Hangul and math fonts, cut down to the
characters a page uses, as WOFF2 files beside it.

Lab machines often have no Korean font and no math font; a page that names only system
fonts then shows Hangul as empty boxes and MathML in whatever font is at hand. Each
page gets its own subsets (a few kB), named by their content, so an unchanged page
reuses its files and no request leaves the site; a page whose formulas are gdanim's own
takes the math subset that ships cut (MATH_CORE).

    faces = font_faces(html, assets, "index")  # -> [FontFace(family, file, ...)]
"""

from __future__ import annotations

import base64
import hashlib
import html as html_module
import io
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from gdanim.files import atomic_write_bytes

FONTS = Path(__file__).resolve().parent.parent / "fonts"
HANGUL = FONTS / "NanumGothic.ttf"
MATH = FONTS / "STIXTwoMath-Regular.ttf"  # not WOFF2: that is decoded whole (0.7-1.4 s) for every subset
MATH_CORE = FONTS / "STIXTwoMath-core.woff2"
MATH_CORE_CHARS = (" ()+,-./0123456789;<=DHLX[]^acdefghilmnoprstuwxy{|\xa0·αλπℎ←∇∑−≤⊤⋯⌊⌋"
                   "𝐷𝐻𝐿𝑋𝑎𝑐𝑑𝑒𝑓𝑔𝑖𝑙𝑚𝑛𝑜𝑝𝑟𝑠𝑡𝑢𝑤𝑥𝑦𝛼𝜆𝜋")
"""Every character of gdanim's own formulas, whatever the scenario's numbers: MATH cut to
them ships as MATH_CORE (18 kB), and a page whose formulas need no other takes that file
as it is, with no font read or cut (cutting takes 0.1-0.3 s a page). A page with other
formulas gets its own cut. Made again with `write_math_core()`; the tests check both."""
LICENCES = {"OFL-NanumGothic.txt": FONTS / "OFL.txt", "OFL-STIXTwoMath.txt": FONTS / "OFL-STIXTwoMath.txt"}
_MATH_ELEMENT = re.compile(r"<math\b.*?</math>", re.S)
_TAG = re.compile(r"<[^>]*>")
# MathML shows a one-letter <mi> in mathematical italic: those code points are needed too.
_ITALIC = {**{c: 0x1D434 + i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZ")},
           **{c: 0x1D44E + i for i, c in enumerate("abcdefghijklmnopqrstuvwxyz")},
           "h": 0x210E,  # the italic h lives in the letterlike block
           **{c: 0x1D6FC + i for i, c in enumerate("αβγδεζηθικλμνξοπρςστυφχψω")}}


# Hangul jamo, compatibility jamo, syllables, and the CJK punctuation and full-width forms
# Korean text uses: the only code points the Hangul face serves (everything else keeps the
# system's font, so the face can stand first in the font list).
HANGUL_RANGES = ((0x1100, 0x11FF), (0x3000, 0x303F), (0x3130, 0x318F), (0xA960, 0xA97F),
                 (0xAC00, 0xD7AF), (0xD7B0, 0xD7FF), (0xFF00, 0xFFEF))
_HANGUL = re.compile("[" + "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in HANGUL_RANGES) + "]")


@dataclass(frozen=True)
class FontFace:
    """One @font-face rule of a page: its family name, the subset file beside the page, and
    the code points it serves (CSS unicode-range)."""

    family: str
    file: str
    "Relative to the page's assets folder."
    unicode_range: str = ""


def font_faces(html: str, assets: Path, page: str) -> list[FontFace]:
    """Write the font subsets `html` needs into `assets` (named by page and content) and
    return their faces; files of earlier versions of the same page are removed."""
    faces = []
    for family, kind, source, text in (("gdanim Hangul", "hangul", HANGUL, _hangul_text(html)),
                                       ("gdanim Math", "math", MATH, _math_text(html))):
        prefix = f"{page}-{kind}-"
        wanted = "".join(sorted(set(text)))  # named by what the page asks for: no font is read
        core = kind == "math" and wanted and set(wanted) <= set(MATH_CORE_CHARS)
        if core:
            wanted = MATH_CORE_CHARS
        name = prefix + hashlib.sha256(wanted.encode()).hexdigest()[:12] + ".woff2"  # when it exists
        if not (assets / name).is_file():
            chars = wanted if core else "".join(c for c in wanted if c in _cmap(source))
            name = name if chars else None
            if chars:
                atomic_write_bytes(assets / name, MATH_CORE.read_bytes() if core else subset(source, chars))
        for old in assets.glob(prefix + "*.woff2"):
            if old.name != name:
                old.unlink()
        if name is None:
            continue
        faces.append(FontFace(family, name, _unicode_range(HANGUL_RANGES) if kind == "hangul" else ""))
    if faces:
        for licence, origin in LICENCES.items():
            if not (assets / licence).is_file():
                atomic_write_bytes(assets / licence, origin.read_bytes())
    return faces


def subset(source: Path, chars: str) -> bytes:
    """The font at `source` cut down to `chars` (and what their layout needs), as WOFF2."""
    from fontTools import subset as ft

    logging.getLogger("fontTools").setLevel(logging.ERROR)  # tables it drops are hinting sources
    options = ft.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]  # keeps MATH's variants and assemblies, and Hangul jamo shaping
    options.name_IDs = ["*"]  # the licence and copyright stay in the file
    options.notdef_outline = True
    font = ft.load_font(str(source), options, lazy=True)
    try:
        sub = ft.Subsetter(options)
        sub.populate(unicodes=[ord(c) for c in chars])
        sub.subset(font)
        out = io.BytesIO()
        ft.save_font(font, out, options)
    finally:
        font.close()  # a lazily read font keeps its file open
    return out.getvalue()


def write_math_core() -> None:
    """Cut MATH_CORE from the bundled math font again (after MATH_CORE_CHARS changed)."""
    MATH_CORE.write_bytes(subset(MATH, MATH_CORE_CHARS))


_INLINE_VTT = re.compile(r"data:text/vtt;charset=utf-8;base64,([A-Za-z0-9+/=]+)")


def _hangul_text(html: str) -> str:
    """The Hangul of the page, its inline caption tracks' included (the video's overlay
    draws them in the page's fonts, ::cue)."""
    cues = "".join(base64.b64decode(m).decode("utf-8", "replace") for m in _INLINE_VTT.findall(html))
    return "".join(_HANGUL.findall(html + cues))


def _unicode_range(ranges) -> str:
    return ", ".join(f"U+{lo:04X}-{hi:04X}" for lo, hi in ranges)


def _math_text(html: str) -> str:
    inner = html_module.unescape("".join(_TAG.sub(" ", m) for m in _MATH_ELEMENT.findall(html)))
    return inner + "".join(chr(_ITALIC[c]) for c in set(inner) if c in _ITALIC)


@lru_cache(maxsize=4)
def _cmap(source: Path) -> frozenset[str]:
    from fontTools.ttLib import TTFont

    with TTFont(str(source), lazy=True) as font:
        return frozenset(chr(c) for c in font.getBestCmap())
