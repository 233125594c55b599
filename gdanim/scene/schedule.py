"""Which recorded states become frames.

A run of S steps has S + 1 states: the params before each step, then the final params
(`Run.path`). State i is shown at time `state_times(run)[i]`, in epochs.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from gdanim.trace import Run


def schedule(states: int, max_frames: int, frames: Sequence[int] | None = None) -> np.ndarray:
    """Sorted state indices to show out of `states`: all of them, an explicit list, or a
    geometric schedule (dense early, sparse late) of at most max_frames that keeps the
    first and the last state."""
    last = states - 1
    if frames is not None:
        picked = np.unique(np.clip(np.asarray(frames, np.int64), 0, last))  # pragma: no mutate (frames are ints)
        return picked
    if states <= max_frames:  # pragma: no mutate (at states == max_frames the geometric schedule is every state)
        return np.arange(states)
    return _geometric(last, max_frames)


def _geometric(last: int, count: int) -> np.ndarray:
    """At most `count` indices in [0, last], 0 and last included, spaced geometrically."""

    def picks(m: int) -> np.ndarray:
        return np.unique(np.rint(np.geomspace(1, last + 1, m)).astype(np.int64) - 1)

    lo, hi = count, count
    # how far the search looks and how fast it widens: the search below finds the same largest m
    while len(picks(hi)) < count and hi < 4 * last + 8:  # pragma: no mutate (see above)
        lo, hi = hi, hi * 2  # pragma: no mutate (see above)
    while lo < hi:  # the largest m whose unique picks still number <= count
        mid = (lo + hi + 1) // 2
        if len(picks(mid)) <= count:
            lo = mid
        else:
            hi = mid - 1
    return picks(lo)


def state_times(run: Run) -> np.ndarray:
    """[S+1] float: the epoch of each state, fractional within an epoch of mini-batches."""
    epoch = np.asarray(run.epoch, np.int64)  # pragma: no mutate (a run's epochs are int64)
    if epoch.size == 0:
        return np.zeros(1)
    _, first, counts = np.unique(epoch, return_index=True, return_counts=True)
    pos = np.searchsorted(epoch[first], epoch)  # which epoch block each step is in
    within = (np.arange(epoch.size) - first[pos]) / counts[pos]
    return np.append(epoch + within, epoch[-1] + 1.0)


def run_schedule(run: Run, max_frames: int, frames: Sequence[int] | None = None) -> np.ndarray:
    """The states of `run` to show (see `schedule`)."""
    return schedule(run.steps + 1, max_frames, frames)


def compare_schedule(runs: Sequence[Run], max_frames: int,
                     frames: Sequence[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The compare grid's times (union of the runs' scheduled times, thinned to at most
    max_frames unless frames are explicit) and [T, R] the state each run shows then (a run
    stays at its last state once it has ended)."""
    times = [state_times(r) for r in runs]
    union = np.unique(np.concatenate([t[run_schedule(r, max_frames, frames)]
                                      for r, t in zip(runs, times)]))
    if frames is None and len(union) > max_frames:  # pragma: no mutate (thinning max_frames times to max_frames)
        union = union[_geometric(len(union) - 1, max_frames)]
    # union's times are >= t[0] = 0 and searchsorted is <= len(t): the clip never acts (no mutate)
    states = np.stack([np.clip(np.searchsorted(t, union, side="right") - 1, 0, len(t) - 1)  # pragma: no mutate
                       for t in times], axis=1)  # [T, R]
    return union, states
