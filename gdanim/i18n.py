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
    """The messages of `lang`: id -> text, English where its catalog has no text."""
    if lang not in LANGUAGES:
        raise UnknownLanguage(f"lang: one of {', '.join(LANGUAGES)} is expected, got {lang!r}")
    own = read_catalog(lang)
    return own if lang == SOURCE else {**read_catalog(SOURCE), **own}
