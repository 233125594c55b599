"""The telling moments of a run, found in its trace: where a poster or a handout stops.

    moments(trace, run, grid)   # [Moment(0, 'start'), Moment(1, 'overshoot'), ..., Moment(30, 'end')]
    poster_frame("key", trace, run, schedule, grid)   # index into the run's frames

States are indices into `run.path` (S + 1 of them). Only numpy: the page computes the
same frames as the renderer without drawing anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from gdanim.scene.events import BLOWN, SETTLED, overshoot
from gdanim.scene.events import best as _best
from gdanim.scene.events import losses as _losses
from gdanim.scene.surface import LossGrid, plane_path
from gdanim.trace import Run, Trace

POSTERS = ("first", "last", "key")
KINDS = ("start", "overshoot", "leaves", "diverges", "converges", "end")
KEY_ORDER = ("leaves", "overshoot", "diverges", "converges")
"Which moment a `key` poster shows, the first found in this order."


@dataclass(frozen=True)
class Moment:
    """A state of a run worth stopping at, and what happens there."""

    state: int
    kind: str
    "start, overshoot (passes the minimum), leaves (last state in view), diverges, converges or end."


def moments(trace: Trace, run: Run, grid: LossGrid | None = None) -> list[Moment]:
    """The run's telling states in order, each once: start, first overshoot, the last
    state in view (with `grid`, the view the frames draw), divergence (the loss at
    BLOWN times its start, or the last finite state of a run stopped as diverged),
    convergence (SETTLED of the way from the start to the minimum), end."""
    loss = _losses(run)
    last = len(loss) - 1
    found: dict[str, int] = {"start": 0}
    hit = overshoot(trace, run)
    if hit is not None:
        found["overshoot"] = hit
    if grid is not None:
        exit_ = plane_path(run, grid).exit
        # the view holds the start: exit_ is never 0, and an exit at 1 leaves at the start, told as the start
        if exit_ is not None and exit_ > 0:  # pragma: no mutate (see above)
            found["leaves"] = exit_ - 1
    finite = np.flatnonzero(np.isfinite(np.asarray(run.path, np.float64)).all(axis=1))  # pragma: no mutate (dtype)
    # from an infinite start no loss is > inf: the guard and the empty array's dtype change nothing; > and >=
    # differ only at exactly BLOWN times the start (no mutate)
    blown = np.flatnonzero(loss > BLOWN * loss[0]) if np.isfinite(loss[0]) else np.array([], int)  # pragma: no mutate
    if blown.size:
        found["diverges"] = int(blown[0])
    elif run.status == "diverged" and finite.size:
        found["diverges"] = int(finite[-1])
    best = _best(trace, run)
    if "diverges" not in found and best is not None and loss[0] > best[1]:
        near = np.flatnonzero(loss - best[1] <= SETTLED * (loss[0] - best[1]))
        if near.size:
            found["converges"] = int(near[0])
    found["end"] = last
    ordered = sorted(found.items(), key=lambda kv: (kv[1], KINDS.index(kv[0])))
    out: list[Moment] = []
    for kind, state in ordered:
        if not out or out[-1].state != state:
            out.append(Moment(min(state, last), kind))
    return out


def key_state(trace: Trace, run: Run, grid: LossGrid | None = None) -> int:
    """The most telling state: the last one in view, else the first overshoot, the
    divergence or the convergence, else halfway; never the end when there is another."""
    last = len(run.path) - 1
    found = {m.kind: m.state for m in moments(trace, run, grid)}
    for kind in KEY_ORDER:
        # nothing but the start is told at state 0 (moments keeps one moment a state, the start first): 0 <= is the same
        if kind in found and 0 < found[kind] < last:  # pragma: no mutate (see above)
            return found[kind]
    return last // 2 if last > 1 else last


def frame_of(schedule: Sequence[int], state: int) -> int:
    """The index of the last frame showing `state` or an earlier one."""
    states = np.asarray(schedule)
    return max(int(np.searchsorted(states, state, side="right")) - 1, 0)


def poster_frame(choice: str, trace: Trace, run: Run, schedule: Sequence[int],
                 grid: LossGrid | None = None) -> int:
    """Which frame of the run's `schedule` its poster shows: first, last or key."""
    if choice == "first":
        return 0
    if choice == "last":
        return len(schedule) - 1
    return frame_of(schedule, key_state(trace, run, grid))


def compare_poster_frame(choice: str, trace: Trace, runs: Sequence[Run], times: np.ndarray,
                         states: np.ndarray, grids: dict[str, LossGrid] | None = None) -> int:
    """Which frame of a compare grid (its union `times` and [T, R] `states`) the poster
    shows: first, last, or key (the median of the runs' key times)."""
    if choice == "first":
        return 0
    if choice == "last" or len(times) < 2:
        return len(times) - 1
    keys = []
    for r, run in enumerate(runs):
        state = key_state(trace, run, (grids or {}).get(run.name))
        frame = int(np.searchsorted(states[:, r], state, side="right")) - 1
        # states[0] is 0 and a key is >= 0, so frame >= 0; a key of 0 (a run with no step) is shown to the last frame
        keys.append(max(frame, 0))  # pragma: no mutate (see above)
    return min(int(np.median(keys)), len(times) - 2)


def drawn_grids(trace: Trace, runs: Sequence[Run], panels: Sequence[str], params: tuple[int, int],
                ) -> dict[str, LossGrid]:
    """{run name: the loss grid its frames draw}: one per group of runs trained in the same
    units and loss (a single run is a group of its own); none without a surface or
    contour panel."""
    from gdanim.scene.surface import loss_grid, same_units

    if not {"surface", "contour"} & set(panels):
        return {}
    groups = same_units(trace, runs)
    out: dict[str, LossGrid] = {}
    for group in groups:
        grid = loss_grid(trace, group, params)
        out.update({r.name: grid for r in group})
    return out


def video_poster(choice: str, trace: Trace, run: Run, schedule: Sequence[int],
                 panels: Sequence[str], params: tuple[int, int] = (0, 1)) -> int:
    """`poster_frame` of a run's own video, with the view its frames draw."""
    # first and last read no grid: computing it anyway changes no frame (no mutate)
    grid = drawn_grids(trace, [run], panels, params).get(run.name) if choice == "key" else None  # pragma: no mutate
    return poster_frame(choice, trace, run, schedule, grid)


def compare_poster(choice: str, trace: Trace, times: np.ndarray, states: np.ndarray,
                   panels: Sequence[str], params: tuple[int, int] = (0, 1)) -> int:
    """`compare_poster_frame` of the grid of all runs, with the views it draws."""
    # first and last read no grid: computing them anyway changes no frame (no mutate)
    grids = drawn_grids(trace, trace.runs, panels, params) if choice == "key" else {}  # pragma: no mutate
    return compare_poster_frame(choice, trace, trace.runs, times, states, grids)

