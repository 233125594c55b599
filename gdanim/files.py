"""Files appear whole or not at all: written under a temporary name, then moved.

A failure of the machine while writing (disk full, a file in the way of a folder, no
permission) becomes a MachineError naming the file; the temporary file is removed
and whatever had the final name before is left as it was.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from gdanim.errors import MachineError, cannot_write

PART = ".part"
"Marks the temporary names of files and folders still being written."


def umask() -> int:
    """The process's umask (read from /proc where possible: setting it is not thread-safe)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def file_mode() -> int:
    """The mode a plain open() gives a new file: 0o666 less the umask (0o644 usually)."""
    return 0o666 & ~umask()


def folder_mode() -> int:
    """The mode a plain mkdir() gives a new folder: 0o777 less the umask (0o755 usually)."""
    return 0o777 & ~umask()


def make_folder(folder: Path) -> Path:
    """Create `folder` and its parents if needed; returns it. MachineError when it cannot be."""
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise cannot_write(folder, exc) from None
    return Path(folder)


@contextlib.contextmanager
def atomic_path(final: Path) -> Iterator[Path]:
    """A temporary path beside `final`; moved onto `final` only if the block succeeds.

    An OSError in the block or in the move becomes a MachineError naming `final`."""
    final = Path(final)
    make_folder(final.parent)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{final.stem}.", suffix=f"{PART}{final.suffix}",
                                   dir=final.parent)
        os.close(fd)
    except OSError as exc:
        raise cannot_write(final, exc) from None
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, file_mode())
        os.replace(tmp_path, final)
    except OSError as exc:
        raise cannot_write(final, exc) from None
    finally:
        with contextlib.suppress(OSError):
            tmp_path.unlink(missing_ok=True)


def atomic_write_bytes(final: Path, data: bytes) -> Path:
    """Write `data` to `final` atomically; returns `final`."""
    with atomic_path(final) as tmp:
        tmp.write_bytes(data)
    return Path(final)


def atomic_write_text(final: Path, text: str) -> Path:
    """Write UTF-8 `text` to `final` atomically; returns `final`."""
    return atomic_write_bytes(final, text.encode("utf-8"))


def write_if_changed(final: Path, data: bytes) -> bool:
    """Write `data` to `final` atomically unless it already holds exactly these bytes (an
    unchanged rebuild touches nothing); returns whether it wrote."""
    final = Path(final)
    if final.is_file() and final.read_bytes() == data:
        return False
    atomic_write_bytes(final, data)
    return True


def remove_leftovers(folder: Path, stems: Iterable[str] | None = None) -> list[Path]:
    """Remove the temporary files and folders that a process killed while writing
    the files of `stems` (a run name, "trace"; None for any) left in `folder`; returns
    what was removed."""
    prefixes = tuple(p for stem in stems for p in (f".{stem}.", f".{stem}-")) if stems is not None else (".",)
    removed = []
    with contextlib.suppress(OSError):
        for entry in Path(folder).iterdir():
            if not entry.name.startswith(".") or PART not in entry.name:
                continue
            if not entry.name.startswith(prefixes):
                continue
            with contextlib.suppress(OSError):
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry)
                else:
                    entry.unlink()
                removed.append(entry)
    return removed


def inside(folder: Path, name: str) -> Path:
    """folder / name, refusing any name that would leave `folder`."""
    folder = Path(folder).resolve()
    target = (folder / name).resolve()
    if target.parent != folder:
        raise ValueError(f"{name!r} would be written outside {folder}")
    return target


__all__ = ["MachineError", "atomic_path", "atomic_write_bytes", "atomic_write_text", "file_mode",
           "folder_mode", "inside", "make_folder", "remove_leftovers", "umask"]
