"""The report's words: the gettext catalogs of gdanim.i18n, looked up by message id.

Every word a page, a caption or a figure shows lives in
gdanim/locale/<lang>/LC_MESSAGES/gdanim.po (add a message to every catalog; a test
checks that each has every message with the same {fields}). Templates read them as
`s.<id>` or `_("<id>")`; sentences fill `{name}` fields with str.format.
"""

from __future__ import annotations

from gdanim.i18n import LANGUAGES, UnknownLanguage, messages

LANGS = LANGUAGES


def strings(lang: str) -> dict[str, str]:
    """The messages of `lang` (one of LANGS): id -> text."""
    try:
        return messages(lang)
    except UnknownLanguage:
        from gdanim.report.errors import ReportError

        raise ReportError(f"--lang: one of {', '.join(LANGS)} is expected, got {lang!r}") from None


TABLES = {lang: strings(lang) for lang in LANGS}
"Every language's messages (for tests and tools)."
