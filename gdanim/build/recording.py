"""The recording's own child process, started early.

`gdanim render` records each scenario in a short-lived child process, so torch's few
hundred MB never add up with the renderers and the encoders (`scenario.record_apart`).
Importing torch is the longest part of a small recording (over a second against a
tenth for the steps themselves), so the command starts the child first thing
(`record_ahead`): torch loads there while this process still imports the scenario's
modules and reads and checks the file. A light module: nothing here loads torch,
pydantic or matplotlib in the command's process.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable, Collection
from pathlib import Path
from typing import TYPE_CHECKING

from gdanim import interrupt
from gdanim.errors import GdanimError, ScenarioError

if TYPE_CHECKING:
    from concurrent.futures import Future

    from gdanim.scenario import Scenario


def record_ahead() -> None:
    """Start the child process of this process's next recording now: it imports torch
    (a second or more) while this process still reads and checks the scenario.
    `gdanim render` calls it first thing; `record_apart` takes the child. A child
    left unused ends with this process."""
    if Recorder.ahead(take=False) is None:
        Recorder.waiting = Recorder()


def end_ahead() -> None:
    """End the child `record_ahead` started if no recording took it: a command that
    stopped early, run in a process that goes on (a notebook's, a test's)."""
    if (child := Recorder.ahead()) is not None:
        child.close()


class Recorder:
    """One child process that loads the recorder at once and records one scenario when
    sent it (through a pipe: no pool, so an unused child can be ended at any time)."""

    waiting: Recorder | None = None
    "The child `record_ahead` started."

    def __init__(self) -> None:
        import multiprocessing

        context = multiprocessing.get_context()
        self.owner = os.getpid()
        self.pipe, theirs = context.Pipe()
        self.process = context.Process(target=_recorder_main, args=(theirs, self.pipe), daemon=True,
                                       name="gdanim-record")
        self.process.start()
        theirs.close()

    @classmethod
    def ahead(cls, take: bool = True) -> Recorder | None:
        """The waiting child when this process started it (a forked worker sees its
        parent's, which is not its own), taken unless take=False."""
        child = cls.waiting
        if child is None or child.owner != os.getpid() or not child.process.is_alive():
            return None
        if take:
            cls.waiting = None
        return child

    def record(self, scenario: Scenario, output: Path, meanwhile: Callable[[], object] | None = None,
               after: Collection[Future] = ()) -> tuple[str, object]:
        """_record_child's (kind, value), `meanwhile()` run while the child records;
        EOFError when the child ended first. `meanwhile` waits for the futures `after`
        (other work on this machine's cores) and is left out when the child answers
        first: the child's import of torch is what the answer waits for, so it runs on
        a core of its own while it can."""
        self.pipe.send((scenario, output))
        if meanwhile is not None and self._before_answer(after):
            meanwhile()
        return self.pipe.recv()

    def _before_answer(self, futures: Collection[Future]) -> bool:
        """Wait until `futures` are done (True), or the child answers first (False)."""
        while not all(f.done() for f in futures):
            if self.pipe.poll(0.02):
                return False
        return True

    def close(self) -> None:
        """End the child: its answer is in, or it is not wanted any more (the files it
        wrote are whole, and torch need not tidy up)."""
        self.pipe.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join()


def _recorder_main(pipe, parents) -> None:
    parents.close()  # the parent's end: the parent's exit ends recv() here
    interrupt.default_ctrl_c()  # forked from a worker that only takes note: stop at once
    try:
        import gdanim.api  # noqa: F401 - the recorder and torch, before the scenario comes
        import gdanim.recorder  # noqa: F401

        scenario, output = pipe.recv()
        pipe.send(_record_child(scenario, output))
    except (KeyboardInterrupt, EOFError, BrokenPipeError):  # Ctrl-C, or the parent ended
        pass


def _record_child(scenario: Scenario, output: Path) -> tuple[str, object]:
    from gdanim.api import record_to

    try:
        return "ok", record_to(scenario, output)
    except ScenarioError as exc:  # its problems travel; the exception itself does not
        return "problems", exc.problems
    except GdanimError as exc:
        try:
            back = pickle.loads(pickle.dumps(exc))
        except Exception:
            back = None
        return "error", back if str(back) == str(exc) else str(exc)
