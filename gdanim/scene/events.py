"""The moments of a run a video stops at, and what is said there.

    run_events(trace, run, pair)   # [Event(0, 'start'), Event(3, 'overshoot'), ..., Event(30, 'end')]
    event_text(trace, run, event, words)   # 'a step overshoots: ...', in the words' language

The captions, the callouts on the frames and the timeline's holds all come from here, so
the picture, the pause and the sentence agree. Events are real: the loss "grows" only
when it rises beyond float32 noise and stays up, or when the analysis says the step is
unstable (lr·λmax >= 2). Only numpy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from gdanim.analysis import quadratic
from gdanim.numbers import num
from gdanim.scene.surface import loss_grid, plane_path
from gdanim.scene.views import run_view
from gdanim.trace import Run, Trace

KINDS = ("start", "overshoot", "grows", "leaves", "diverges", "converges", "end")
"Every event, in the order of events at the same state."
NOISE = 1e-5
"Relative rise of the loss that float32 sums can make up (their last digits differ)."
SETTLED = 0.01
"Converged: the loss has come this close (as a share of where it started) to its minimum."
BLOWN = 10.0
"Diverging: the loss has grown to this many times its start."


@dataclass(frozen=True)
class Event:
    """A state worth stopping at, and what happens there (one of KINDS)."""

    state: int
    kind: str
    ratio: float | None = None
    "grows: lr·λmax of the step, when the analysis decides the run's regime."


def losses(run: Run) -> np.ndarray:
    """[S+1] the loss at each state (the final loss last); inf where not finite."""
    loss = np.append(np.asarray(run.loss, np.float64), run.final_loss)  # pragma: no mutate (float64 either way)
    return np.where(np.isfinite(loss), loss, np.inf)


def best(trace: Trace, run: Run) -> tuple[np.ndarray, float] | None:
    """(params, loss) of the minimum of the run's loss, or None when unknown."""
    a = trace.analysis_of(run)
    loss = run.settings.loss
    if loss in a.spectra:
        return np.asarray(a.minimizer, np.float64), float(a.spectra[loss].ols_loss)  # pragma: no mutate (floats)
    found = a.best(loss, run.settings.huber_delta)  # a Huber run's own delta: each delta has its minimum
    return None if found is None else (np.asarray(found[0], np.float64), float(found[1]))  # pragma: no mutate (floats)


def overshoot(trace: Trace, run: Run) -> int | None:
    """The first state past the minimum along one of the loss's principal directions
    (the sign of that coordinate flips), ignoring wobbles within 1% of the start."""
    found = best(trace, run)
    path = np.asarray(run.path, np.float64)  # pragma: no mutate (minus the float64 minimum: float64 anyway)
    if found is None or len(path) < 2:
        return None
    _, vecs = np.linalg.eigh(quadratic(trace.inputs(run), trace.dataset.y).gram)
    # over never arises (float32-sized paths); invalid does (inf - inf in the product of an overflowed path)
    with np.errstate(over="ignore", invalid="ignore"):  # pragma: no mutate (over: see above)
        z = (path - found[0]) @ vecs  # [S+1, p] in the principal directions
    z = np.where(np.isfinite(z), z, 0.0)
    # > or >=, * or / and < 0 or <= 0 differ only at exact ties or for a start within ~1e-160 of the minimum
    big = np.abs(z) > 0.01 * np.abs(z[0]).max(initial=0.0)  # pragma: no mutate (see above)
    flips = (z[1:] * z[:-1] < 0) & big[1:] & big[:-1]  # [S, p]  # pragma: no mutate (see above)
    hit = np.flatnonzero(flips.any(axis=1))
    return int(hit[0]) + 1 if hit.size else None


def growth(trace: Trace, run: Run) -> tuple[int, float | None] | None:
    """(state, lr·λmax or None) where the loss starts to grow for real: a rise beyond
    NOISE that the next state keeps (or the last step's), or any rise beyond NOISE on a
    step the analysis calls unstable; None when the loss never grows."""
    loss = losses(run)
    # losses() holds no nan and float32 sizes: inf * (1 + NOISE) and inf <= inf raise nothing
    with np.errstate(invalid="ignore", over="ignore"):  # pragma: no mutate (see above)
        level = loss[:-1] * (1 + NOISE)
        up = ~(loss[1:] <= level)  # [S] step i raises the loss (inf counts)
        kept = np.append(~(loss[2:] <= level[:-1]), True)  # the state after stays up too
    ratio = run_view(trace, run, None).rate_ratio()
    unstable = ratio >= 2.0 if ratio is not None else np.zeros(len(up), bool)
    hit = np.flatnonzero(up & (kept | unstable))
    if not hit.size:
        return None
    i = int(hit[0])
    return i + 1, float(ratio[i]) if ratio is not None and unstable[i] else None


def run_events(trace: Trace, run: Run, pair: tuple[int, int] = (0, 1)) -> list[Event]:
    """The run's events in order of state (one of each kind at most): start, first
    overshoot, growth, the first state out of the view of parameters `pair`, divergence
    (the loss at BLOWN times its start, or the last finite state of a run stopped as
    diverged), convergence (SETTLED of the way to the minimum), end."""
    loss = losses(run)
    last = len(loss) - 1
    found = [Event(0, "start")]
    hit = overshoot(trace, run)
    if hit is not None:
        found.append(Event(hit, "overshoot"))
    grows = growth(trace, run)
    if grows is not None:
        found.append(Event(grows[0], "grows", grows[1]))
    if max(pair) <= trace.dataset.features:
        exit_ = plane_path(run, loss_grid(trace, [run], pair)).exit
        if exit_ is not None and exit_ > 0:  # pragma: no mutate (the view holds the start: exit_ is never 0)
            found.append(Event(exit_, "leaves"))
    found += _ending_events(trace, run, loss)
    found.append(Event(last, "end"))
    return sorted(found, key=lambda e: (e.state, KINDS.index(e.kind)))


def _ending_events(trace: Trace, run: Run, loss: np.ndarray) -> list[Event]:
    finite = np.flatnonzero(np.isfinite(np.asarray(run.path, np.float64)).all(axis=1))  # pragma: no mutate (dtype)
    # from an infinite start no loss is > inf: the guard and the empty array's dtype change nothing; > and >=
    # differ only at exactly BLOWN times the start (no mutate, below)
    blown = np.flatnonzero(loss > BLOWN * loss[0]) if np.isfinite(loss[0]) else np.array([], int)  # pragma: no mutate
    if blown.size:
        return [Event(int(blown[0]), "diverges")]
    if run.status == "diverged" and finite.size:
        return [Event(int(finite[-1]), "diverges")]
    found = best(trace, run)
    if found is not None and loss[0] > found[1]:  # pragma: no mutate (>=: a tie ends with near[0] == 0 below)
        # <= or < differ only at an exact tie; near[0] is 0 only when loss[0] <= found[1], excluded above
        near = np.flatnonzero(loss - found[1] <= SETTLED * (loss[0] - found[1]))  # pragma: no mutate (a tie)
        if near.size and near[0] > 0:  # pragma: no mutate (see above)
            return [Event(int(near[0]), "converges")]
    return []


def vec(values, digits: int = 4) -> str:
    """A parameter vector as '[a, b, ...]'."""
    return "[" + ", ".join(num(v, digits) for v in values) + "]"


def _loss(run: Run, state: int) -> float:
    return float(run.loss[state]) if state < run.steps else float(run.final_loss)


def event_text(run: Run, event: Event, w: Mapping[str, str]) -> str:
    """What happens at `event`, one sentence in the language of the catalog `w`."""
    if event.kind == "start":
        return w["cap_start"].format(params=vec(run.path[0]), loss=num(_loss(run, 0)))
    if event.kind == "end":
        return w[f"cap_end_{run.status}"].format(loss=num(_loss(run, run.steps)), params=vec(run.path[-1]))
    text = w[f"cap_{event.kind}"]
    if event.kind == "grows" and event.ratio is not None:
        text += "; " + w["cap_divergent"].format(ratio=num(event.ratio, 3))
    return text


def callout_events(events: list[Event]) -> list[Event]:
    """The events a frame calls out (all but the start), one per state: the first kind."""
    out: list[Event] = []
    for e in events:
        if e.kind != "start" and (not out or out[-1].state != e.state):
            out.append(e)
    return out
