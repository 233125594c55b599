"""What a page holds back until a student answers an exercise.

An exercise asks about a run at an epoch (`ask: regime` or `ask: next`): until it is
answered, nothing on the page may show that run beyond that epoch, nor say how it ends.
This module says which runs are held, where each is cut (the last recorded state shown),
and writes the held words: the run's story up to its cut, the captions cut there.

The page puts every full version (the verdict, the runs-table row, the full figures and
captions, the run's files) inside the exercise's closed <details>, and a held one where
the full one belongs; the page's script swaps them when the answer is given. A question
about the lab's rate (`ask: lr`) holds its run's row and the best rate, its answer.

    held = held_runs(exercises, trace)   # {"lr-0.0083": Held("lr-0.0083", 10, 1, 10)}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gdanim.report.analysis_text import rate_text
from gdanim.report.text import vec
from gdanim.scene.events import Event
from gdanim.trace import Trace

CUT = "-cut"
"Suffix of a figure's held rendering: assets/loss-cut.png beside assets/loss.png."


@dataclass(frozen=True)
class Held:
    """A run an exercise asks about at an epoch."""

    run: str
    state: int
    "The last recorded state the page shows before the answer."
    number: int
    "The exercise whose answer reveals the run (the last one that asks about it)."
    epoch: int
    "The epoch asked about (the earliest, when several exercises ask)."


def cuts_of(trace: Trace, stills: Sequence[tuple[str, int]]) -> dict[str, int]:
    """Run name -> the last state shown until the answer, from the (run, epoch) pairs the
    exercises ask at (RenderSettings.stills): the state the exercise's poster shows."""
    names = {r.name for r in trace.runs}
    out: dict[str, int] = {}
    for name, epoch in stills:
        if name in names:
            state = min(int(epoch), trace.run(name).steps)
            out[name] = min(out.get(name, state), state)
    return out


def held_runs(exercises: Sequence[Any], trace: Trace) -> dict[str, Held]:
    """The runs held back by the exercises (schema.Exercise) that ask at an epoch, by name."""
    names = {r.name for r in trace.runs}
    asked = [(n, ex) for n, ex in enumerate(exercises, start=1) if ex.ask != "lr" and ex.run in names]
    cuts = cuts_of(trace, [(ex.run, ex.epoch) for _, ex in asked])
    out: dict[str, Held] = {}
    for number, ex in asked:
        before = out.get(ex.run)
        epoch = min(ex.epoch, before.epoch) if before else ex.epoch
        out[ex.run] = Held(ex.run, cuts[ex.run], number, epoch)
    return out


def asked_runs(exercises: Sequence[Any], trace: Trace) -> dict[str, int]:
    """Every run an exercise asks about (ask: lr too) -> the exercise whose answer reveals
    its runs-table row (the last one asking)."""
    names = {r.name for r in trace.runs}
    return {ex.run: n for n, ex in enumerate(exercises, start=1) if ex.run in names}


def held_story(trace: Trace, held: Held, s: Mapping[str, str]) -> str:
    """The run's story as far as the page shows it: how it started, and where it stops."""
    run = trace.run(held.run)
    st = run.settings
    return s["held_story"].format(optimizer=st.optimizer, lr=rate_text(run), loss=st.loss.upper(),
                                  init=vec(st.init, 3), epoch=held.epoch, number=held.number)


VERDICTS = ("diverges", "converges", "end")
"Events whose words say how a run ends: never in a track cut before the answer."


def held_events(events: Sequence[Event], state: int) -> list[Event]:
    """The run's events a captions track cut at `state` says: those up to it, none that
    tells the ending, and a growing loss without the lr·λmax verdict."""
    return [Event(e.state, e.kind, None) for e in events if e.state <= state and e.kind not in VERDICTS]
