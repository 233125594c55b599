"""gdanim's own exception types.

The library raises these for anything a user can get wrong; the command line turns
them into one clean message and exit code 2 (exit code 1 for a MachineError: the
disk, a process, not the input). Any other exception is a bug.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


class GdanimError(Exception):
    """Base class of every error caused by user input (scenario, data, options)."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario: where it is and what was expected."""

    file: str
    line: int | None
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


class ScenarioError(GdanimError):
    """A scenario file that cannot be used; carries every problem found at once."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def single(cls, file: str | Path, message: str, key: str = "", line: int | None = None):
        """An error with one problem."""
        return cls([Problem(str(file), line, key, message)])


class MachineError(GdanimError):
    """The machine failed, not the input: a file that cannot be written (disk full, a
    file in the way, no permission), an encoder or a worker process that died. The
    command line reports it in one line naming the file or the step, with exit code 1."""


def cannot_write(path: str | Path, exc: OSError) -> MachineError:
    """A MachineError for an OSError met while writing `path`, naming what is in the way."""
    import errno

    path = Path(path)
    reason = exc.strerror or str(exc)
    if exc.errno in (errno.ENOTDIR, errno.EEXIST):
        blocker = next((p for p in (path, *path.parents) if p.exists() and not p.is_dir()), None)
        if blocker is not None:
            reason = f"{blocker} is a file, not a folder"
    return MachineError(f"cannot write {path}: {reason}")
