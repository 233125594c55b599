"""A scenario's data file, confined: read only from the scenario's folder (or an explicit
data root), only a regular file, only up to a size.

Scenarios are shared and built in CI from files others submit, so a data path is
untrusted: `/proc/self/environ`, `../../private/grades.csv`, a FIFO or `/dev/zero` must
be refused before anything is opened, and no message may quote more than a short,
cleaned excerpt of what was read.
"""

from __future__ import annotations

import csv
import io
import os
import re
import stat
from pathlib import Path

from gdanim.errors import GdanimError

MAX_DATA_BYTES = 64 * 1024 * 1024
"The largest data file read (64 MiB; a million rows of a few columns)."
EXCERPT = 40
"Characters of user input a message quotes at most."


class DataError(GdanimError):
    """Data that cannot be used; `key` names the field of the csv block at fault."""

    def __init__(self, message: str, key: str = "path") -> None:
        super().__init__(message)
        self.key = key


def excerpt(value: object, limit: int = EXCERPT) -> str:
    """A short, printable, quoted excerpt of `value` for a message: control characters
    shown as '?', at most `limit` characters of it (the text is cut before it is quoted)."""
    text = value if isinstance(value, str) else str(value)[: limit * 4]
    cut = text[:limit]
    cleaned = "".join(c if c.isprintable() else "?" for c in cut)
    return repr(cleaned + ("..." if len(text) > limit else ""))


def confine(folder: Path, name: str, root: Path | None = None) -> Path:
    """The data file `name` of a scenario in `folder`, resolved (links followed), when it
    lies inside `root` (default: `folder`) and is a regular file no larger than
    MAX_DATA_BYTES; raises DataError otherwise. Nothing is opened."""
    allowed = Path(root if root is not None else folder).resolve()
    if os.path.isabs(name) and root is None:
        raise DataError(f"a path relative to the scenario's folder is expected (--data-root allows "
                        f"others), got the absolute path {excerpt(name)}")
    if "\0" in name:
        raise DataError(f"a file name is expected, got {excerpt(name)}")
    target = (Path(folder) / name).resolve()
    if not target.is_relative_to(allowed):
        where = "the scenario's folder" if root is None else f"the data root {allowed}"
        raise DataError(f"a file inside {where} is expected (--data-root allows more), "
                        f"got {excerpt(name)}, which leaves it")
    try:
        info = target.stat()
    except FileNotFoundError:
        raise DataError(f"no such CSV file: {excerpt(name)}") from None
    except OSError as exc:
        raise DataError(f"cannot read CSV file {excerpt(name)}: {exc.strerror}") from None
    check_regular(info, name)
    return target


def check_regular(info: os.stat_result, name: str) -> None:
    """Raise DataError unless `info` is a regular file of at most MAX_DATA_BYTES."""
    if not stat.S_ISREG(info.st_mode):
        raise DataError(f"a regular file is expected, got {_kind(info.st_mode)} at {excerpt(name)}")
    if info.st_size > MAX_DATA_BYTES:
        raise DataError(f"a data file of at most {MAX_DATA_BYTES >> 20} MiB is expected, "
                        f"got {info.st_size / (1 << 20):.0f} MiB in {excerpt(name)}")


def _kind(mode: int) -> str:
    kinds = [(stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a device"),
             (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket")]
    return next((what for test, what in kinds if test(mode)), "not a file")


def read_text(path: Path) -> str:
    """The UTF-8 text (a BOM dropped) of a confined data file, opened without blocking (a
    FIFO swapped in after `confine` is refused, not waited on) and read up to the bound."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise DataError(f"no such CSV file: {excerpt(Path(path).name)}") from None
    except OSError as exc:
        raise DataError(f"cannot read CSV file {excerpt(Path(path).name)}: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as fh:
        check_regular(os.fstat(fd), Path(path).name)
        data = fh.read(MAX_DATA_BYTES + 1)
    if len(data) > MAX_DATA_BYTES:
        raise DataError(f"a data file of at most {MAX_DATA_BYTES >> 20} MiB is expected, "
                        f"got more in {excerpt(Path(path).name)}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"UTF-8 text is expected, got a byte {data[exc.start]:#04x} "
                        f"at offset {exc.start} of {excerpt(Path(path).name)}") from None


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def neutralize(cell: str) -> str:
    """A CSV cell a spreadsheet shows as text rather than runs as a formula: one starting
    with =, +, -, @, tab or CR gets a leading apostrophe (OWASP's CSV injection advice),
    unless it is a plain number such as -1.5."""
    if cell.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def published_csv(header: list[str], rows: list[list[str]], columns: list[str]) -> bytes:
    """The CSV to publish beside a page: only `columns` (header names), in that order,
    every cell neutralized; blank rows dropped."""
    idx = [header.index(c) for c in columns]
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([neutralize(c) for c in columns])
    for row in rows:
        if any(cell.strip() for cell in row):
            writer.writerow([neutralize(row[i]) if i < len(row) else "" for i in idx])
    return out.getvalue().encode("utf-8")
