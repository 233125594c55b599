"""Ctrl-C in worker processes: noted by the signal handler, honoured where work can stop.

A worker's handler only takes note. Raising KeyboardInterrupt from the handler is not
reliable: the exception is lost when the signal lands in a garbage-collector callback,
and an idle worker would die between tasks and break its pool while the others clean
up. Instead the long loops call `check()` (between frames, before each task), which
raises KeyboardInterrupt in an ordinary place, so files being written are removed and
no queued task starts.

The command's own process raises KeyboardInterrupt at once, as Python does, and notes
it too (`noting`): whatever its work raises after the signal (a pool whose workers the
same Ctrl-C stopped, an encoder it ended) still ends the command as interrupted.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

_NOTED = False
_PRESSED = False


def note_ctrl_c() -> None:
    """Pool initializer: from now on Ctrl-C in this process only takes note."""
    signal.signal(signal.SIGINT, _note)


def default_ctrl_c() -> None:
    """Back to Python's own handler (a child that should stop at once, like the recorder)."""
    signal.signal(signal.SIGINT, signal.default_int_handler)


def check() -> None:
    """Raise KeyboardInterrupt if Ctrl-C has reached this process."""
    if _NOTED:
        raise KeyboardInterrupt


def _note(signum, frame) -> None:
    global _NOTED
    _NOTED = True


def worker_init() -> None:
    """Pool initializer: Ctrl-C only takes note, and the worker ends with its parent
    (Linux): a worker whose parent was killed would otherwise wait for work forever."""
    note_ctrl_c()
    end_with_parent()


def end_with_parent() -> None:
    """Have this process killed when its parent ends (Linux; elsewhere nothing)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


@contextlib.contextmanager
def noting() -> Iterator[None]:
    """In the main thread of the command's process: Ctrl-C raises KeyboardInterrupt as
    ever and is noted (`pressed`) until the block ends; the handler before is put back."""
    global _PRESSED
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, _raise)
    _PRESSED = False
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def pressed() -> bool:
    """True once Ctrl-C has reached the command's process (inside `noting`)."""
    return _PRESSED


def _raise(signum, frame) -> None:
    global _PRESSED
    _PRESSED = True
    raise KeyboardInterrupt
