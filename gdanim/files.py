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
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from gdanim.errors import GdanimError, MachineError, cannot_write
from gdanim.folder import ASSETS

PART = ".part"
"Marks the temporary names of files and folders still being written."
LOCK = ".gdanim.lock"
"Held in a scenario's output folder while a command writes it."


class UnsafeOutput(GdanimError):
    """An output that would leave the output folder, go through a symbolic link, or take
    over files gdanim did not write (exit code 2: rename, move or remove what is in the way)."""


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
    """Create `folder` and its parents if needed; returns it. UnsafeOutput when it is a
    symbolic link (nothing is written through one), MachineError when it cannot be made."""
    if Path(folder).is_symlink():
        raise UnsafeOutput(f"{folder} is a symbolic link; gdanim writes only into real folders "
                           "(remove the link)")
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise cannot_write(folder, exc) from None
    return Path(folder)


def output_folder(root: Path, stem: str) -> Path:
    """The folder root/stem a scenario's files go to, checked after resolving: `stem` a
    plain name (not '', '.', '..'), the folder neither a link nor outside the root."""
    if stem in ("", ".", "..") or any(c in stem for c in "/\\\0"):
        raise UnsafeOutput(f"{stem!r}: a scenario file name that can name a folder is expected "
                           "(rename the file)")
    root = make_folder(Path(root))
    folder = root / stem
    if folder.is_symlink() or folder.resolve().parent != root.resolve():
        raise UnsafeOutput(f"{folder} is a symbolic link or leads outside {root}; gdanim writes only "
                           "into real folders (remove the link)")
    return folder


def claim_folder(folder: Path, ours: Callable[[Path], bool]) -> Path:
    """`folder`, when gdanim may write it: missing, empty, or `ours` (its manifest says gdanim
    made it); UnsafeOutput otherwise, since its files are someone else's."""
    folder = Path(folder)
    if folder.is_dir() and not folder.is_symlink() and any(folder.iterdir()) and not ours(folder):
        raise UnsafeOutput(f"{folder} holds files gdanim did not write (no gdanim manifest.json there); "
                           "move them, or the scenario file to another name")
    return folder


@contextlib.contextmanager
def folder_lock(folder: Path, name: str = LOCK, what: str = "gdanim command",
                keep: bool = True) -> Iterator[Path]:
    """Hold an advisory lock on folder/name while the block writes the folder (created if
    needed); MachineError at once when another process holds it. Yields the folder. With
    keep=False the lock file is removed when the block ends (a process that opened it
    meanwhile finds it gone once it holds it, and stops as well)."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        yield make_folder(folder)
        return
    lock = make_folder(folder) / name
    try:
        fd = os.open(lock, os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0),
                     file_mode())
    except OSError as exc:
        raise cannot_write(lock, exc) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if os.fstat(fd).st_ino != os.stat(lock, follow_symlinks=False).st_ino:
                raise BlockingIOError  # removed by the holder that just finished: another may run
        except (BlockingIOError, FileNotFoundError):
            raise MachineError(f"{folder} is being built by another {what}; "
                               "run this one again once it has finished") from None
        try:
            yield Path(folder)
        finally:
            if not keep:
                with contextlib.suppress(OSError):
                    lock.unlink()
    finally:
        os.close(fd)


@contextlib.contextmanager
def writing(root: Path, stem: str) -> Iterator[Path]:
    """A scenario's output folder root/stem (see output_folder) while a command writes it:
    locked against any other, and cleared of the temporary files a killed run left."""
    folder = output_folder(root, stem)
    with folder_lock(folder, LOCK, "gdanim render or record", keep=False):
        remove_scenario_leftovers(folder)
        yield folder


def remove_stale(folder: Path, stems: Iterable[str], suffixes: Iterable[str], since: float) -> list[Path]:
    """Remove folder/<stem><suffix> files (and <stem>-frames/ folders) last written before
    `since` (a time.time()): what an earlier build left of animations that failed in this
    one. Returns what was removed."""
    folder, removed = Path(folder), []
    for stem in stems:
        for path in [*(folder / f"{stem}{suffix}" for suffix in suffixes), folder / f"{stem}-frames"]:
            if path.is_symlink() or not path.exists() or path.stat().st_mtime >= since:
                continue
            with contextlib.suppress(OSError):
                shutil.rmtree(path) if path.is_dir() else path.unlink()
                removed.append(path)
    return removed


def listed(folder: Path, name: str) -> Path | None:
    """folder/name for a name a manifest lists, when it stays inside the folder (no absolute
    path, no '..', no link leading out); None otherwise. Nothing is opened."""
    if not isinstance(name, str) or not name or os.path.isabs(name) or ".." in Path(name).parts or "\0" in name:
        return None
    path = Path(folder) / name
    return path if path.resolve().is_relative_to(Path(folder).resolve()) else None


def remove_files(folder: Path, names: Iterable[str]) -> list[Path]:
    """Remove the plain files folder/name (never through a link, never outside folder);
    returns those removed."""
    removed = []
    for name in names:
        path = Path(folder) / name
        if path.is_symlink() or not path.is_file() or path.resolve().parent != Path(folder).resolve():
            continue
        with contextlib.suppress(OSError):
            path.unlink()
            removed.append(path)
    return removed


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
    if final.is_file() and not final.is_symlink() and final.read_bytes() == data:
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


def remove_scenario_leftovers(folder: Path) -> list[Path]:
    """remove_leftovers of a scenario's folder and of its assets (its figures are drawn
    there beside its animations); returns what was removed."""
    return remove_leftovers(folder) + remove_leftovers(Path(folder) / ASSETS)


def inside(folder: Path, name: str) -> Path:
    """folder / name, refusing any name that would leave `folder`."""
    folder = Path(folder).resolve()
    target = (folder / name).resolve()
    if target.parent != folder:
        raise ValueError(f"{name!r} would be written outside {folder}")
    return target


__all__ = ["MachineError", "UnsafeOutput", "atomic_path", "atomic_write_bytes", "atomic_write_text",
           "claim_folder", "file_mode", "folder_lock", "folder_mode", "inside", "listed", "make_folder",
           "output_folder", "remove_files", "remove_leftovers", "remove_scenario_leftovers", "remove_stale", "umask",
           "writing"]
