"""How much memory recording a scenario takes, checked before anything is allocated.

The recorder keeps every step of every run: params, gradient and update ([steps, runs,
p] float32 each) plus the loss, and as many again once they become a Trace; each step
works on [n, runs] residuals. A sweep of 10,000 rates over 1,000 points, or 32 features
over a million points, must stop with a message, not a traceback half way.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from gdanim.errors import MachineError

MAX_RECORD_BYTES = 8 << 30
"The most memory a scenario may ask for whatever the machine (8 GiB): larger is bad input."


def record_bytes(n: int, columns: int, runs: Sequence[tuple[int, int | None]]) -> int:
    """Bytes recording takes, about: n points, `columns` design columns besides the
    intercept, and per run (epochs, batch_size)."""
    p = columns + 1
    steps = [epochs * (1 if batch is None or batch >= n else -(-n // batch)) for epochs, batch in runs]
    longest, count = max(steps, default=0), len(steps)
    history = 2 * 4 * (3 * p + 1) * longest * count  # recorded, then as numpy in the trace
    working = 4 * 4 * n * max(count, 1) + 8 * 4 * n * p  # residuals per step; the data's copies
    return history + working


def available_bytes() -> int | None:
    """Memory this process may still take: the smaller of the system's available memory
    and what an address-space limit (ulimit -v) leaves; None when neither is known."""
    found = []
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                found.append(int(line.split()[1]) * 1024)
    except (OSError, ValueError, IndexError):
        pass
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        if soft != resource.RLIM_INFINITY:
            found.append(max(0, soft - _address_space()))
    except (ImportError, OSError, ValueError):
        pass
    return min(found) if found else None


def _address_space() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    return 0


def check_memory(needed: int, what: str) -> None:
    """Raise MachineError when `needed` bytes will not fit in the memory available."""
    free = available_bytes()
    if free is not None and needed > free:
        raise MachineError(f"{what}: recording needs about {_mib(needed)} of memory, "
                           f"{_mib(free)} is available (fewer runs, epochs or points)")


def _mib(size: int) -> str:
    return f"{size / (1 << 20):,.0f} MiB"

