"""The words readers see, in their language: one gettext catalog per language.

gdanim/locale/<lang>/LC_MESSAGES/gdanim.po holds every message of the pages, the
captions and the animations. Message ids are symbolic names (`sec_runs`, `cap_start`)
and texts may hold str.format fields in braces (`{epoch}`). Adding a language is adding
one catalog: LANGUAGES lists the languages that have one, and a message missing from a
catalog falls back to English. Catalogs are read with Babel; nothing here imports torch,
matplotlib or jinja2, so every room may use it.

    messages("ko")["sec_runs"]  # '실행 결과'
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from gdanim.errors import GdanimError

LOCALE = Path(__file__).resolve().parent / "locale"
DOMAIN = "gdanim"
SOURCE = "en"
"The language every message exists in; the others fall back to it."
LANGUAGES: tuple[str, ...] = tuple(sorted(p.parents[1].name for p in LOCALE.glob(f"*/LC_MESSAGES/{DOMAIN}.po")))


class UnknownLanguage(GdanimError):
    """A language gdanim has no catalog for."""


def catalog_path(lang: str) -> Path:
    """The catalog file of `lang`."""
    return LOCALE / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def read_catalog(lang: str) -> dict[str, str]:
    """Every translated message of `lang`'s catalog alone: id -> text."""
    from babel.messages.pofile import read_po

    with catalog_path(lang).open("rb") as f:
        catalog = read_po(f, locale=lang, domain=DOMAIN)
    return {m.id: m.string for m in catalog if m.id and isinstance(m.id, str) and m.string}


@cache
def messages(lang: str) -> dict[str, str]:
    """The messages of `lang`: id -> text, English where its catalog has no text. A Korean
    message with a particle after a field (`{loss}이(가)`) is a `Particles` text: its
    format() picks the particle that agrees with what was filled in."""
    if lang not in LANGUAGES:
        raise UnknownLanguage(f"lang: one of {', '.join(LANGUAGES)} is expected, got {lang!r}")
    own = read_catalog(lang)
    if lang == "ko":
        own = {k: Particles(v) if _PARTICLE.search(v) else v for k, v in own.items()}
    return own if lang == SOURCE else {**read_catalog(SOURCE), **own}


_PARTICLE = re.compile(r"(이\(가\)|은\(는\)|을\(를\)|과\(와\)|\(으\)로)")
_CHOICES = {"이(가)": ("이", "가", "이"), "은(는)": ("은", "는", "은"), "을(를)": ("을", "를", "을"),
            "과(와)": ("과", "와", "과"), "(으)로": ("으로", "로", "로")}
"(after a closed syllable, after an open one, after ㄹ)."
_DIGIT_ENDS = dict(zip("0123456789", "cLvcvvcLLv"))  # 영 일 이 삼 사 오 육 칠 팔 구
_LETTER_ENDS = {c: "v" for c in "abcdefghijkopqrstuvwxyz"} | {"l": "L", "m": "c", "n": "c"}


def final_sound(text: str) -> str | None:
    """How `text` ends when read aloud in Korean: 'v' an open syllable, 'c' a closed one,
    'L' one closed by ㄹ; None when nothing readable ends it. Numbers are read as Korean
    reads them (10 십, 50.21 오십 점 이일), letters by their names (w 더블유, l 엘)."""
    t = text.rstrip(" )]\"'”’")
    if not t:
        return None
    last = t[-1]
    if "\uac00" <= last <= "\ud7a3":
        jong = (ord(last) - 0xAC00) % 28
        return "v" if jong == 0 else "L" if jong == 8 else "c"
    if last.isdigit():
        number = re.search(r"[\d.]+$", t).group(0)
        if "." not in number and len(number.lstrip("0")) > 1 and last == "0":
            return "c"  # 십, 백, 천, 만: all closed, none by ㄹ
        return _DIGIT_ENDS[last]
    if last.lower() in _LETTER_ENDS:
        return _LETTER_ENDS[last.lower()]
    if last == "∞":
        return "v"  # 무한대
    return None


def with_particles(text: str) -> str:
    """`text` with each `이(가)`-style particle replaced by the one that agrees with the
    word before it (left as written when that word cannot be read)."""

    def pick(m: re.Match) -> str:
        ends = final_sound(text[:m.start()])
        closed, open_, rieul = _CHOICES[m.group(0)]
        return m.group(0) if ends is None else {"c": closed, "v": open_, "L": rieul}[ends]

    return _PARTICLE.sub(pick, text)


class Particles(str):
    """A Korean message whose particles agree with the fields filled into it."""

    def format(self, *args, **kwargs) -> str:  # noqa: D102
        return with_particles(str.format(self, *args, **kwargs))
