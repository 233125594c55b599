"""The report's own error type."""

from __future__ import annotations

from gdanim.errors import GdanimError


class ReportError(GdanimError):
    """A report or site that cannot be built as asked (bad option, unsafe path, missing file)."""
