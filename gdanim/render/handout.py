"""What a handout page says: which frames, their captions, and the analysis in two lines.

    spec = run_handout(trace, run, schedule, grid)      # 4-6 shots of one run
    spec = compare_handout(trace, times, states, grids)  # 4-6 shots of the grid of all runs

Only numbers and words (numpy): `gdanim.frames.handout` draws the page from a spec and
the frames the renderer draws at the shots' states.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from gdanim.i18n import messages
from gdanim.numbers import num
from gdanim.render.keyframes import Moment, key_state, moments
from gdanim.scene.schedule import state_times
from gdanim.scene.surface import LossGrid
from gdanim.trace import Run, Trace

MIN_SHOTS, MAX_SHOTS = 4, 6
HAPPENS = {"start": "hand_the_start", "overshoot": "hand_overshoot", "leaves": "hand_leaves",
           "diverges": "hand_diverges", "converges": "hand_converges", "between": "hand_between",
           "end": "hand_the_end"}
"What happens at each kind of moment: message ids of gdanim.i18n's catalogs."


@dataclass(frozen=True)
class Shot:
    """One frame of a handout: the state (or grid frame) it shows and its caption."""

    at: int
    "A state of the run, or a frame of the compare grid."
    caption: str
    "Epoch and loss."
    happens: str
    "What happens there, in words."


@dataclass(frozen=True)
class HandoutSpec:
    """A handout page: a heading, 4-6 shots and the analysis in two lines."""

    title: str
    subtitle: str
    shots: tuple[Shot, ...]
    analysis: tuple[str, str]


def _loss_at(run: Run, state: int) -> float:
    return float(run.loss[state]) if state < run.steps else float(run.final_loss)


def _label(t: float) -> str:
    return f"{t:.0f}" if t == int(t) else f"{t:.2f}"


def _fill(chosen: list[Moment], schedule: Sequence[int]) -> list[Moment]:
    """At least MIN_SHOTS moments: add frames of the schedule halfway across the widest gaps."""
    chosen = sorted(chosen, key=lambda m: m.state)
    frames = sorted(set(int(s) for s in schedule))
    while len(chosen) < MIN_SHOTS:
        taken = {m.state for m in chosen}
        free = [s for s in frames if s not in taken]
        if not free:
            break
        gaps = [(b.state - a.state, a.state, b.state) for a, b in zip(chosen, chosen[1:])]
        _, lo, hi = max(gaps)
        middle = min(free, key=lambda s: abs(s - (lo + hi) / 2))
        chosen = sorted([*chosen, Moment(middle, "between")], key=lambda m: m.state)
    return chosen


def _thin(chosen: list[Moment]) -> list[Moment]:
    """At most MAX_SHOTS: keep the start and the end, drop what repeats a kind."""
    while len(chosen) > MAX_SHOTS:
        drop = next((i for i in range(1, len(chosen) - 1) if chosen[i].kind == "between"), 1)
        chosen = chosen[:drop] + chosen[drop + 1:]
    return chosen


def run_handout(trace: Trace, run: Run, schedule: Sequence[int], grid: LossGrid | None = None,
                lang: str = "en") -> HandoutSpec:
    """The handout of one run: its telling moments (at least four, at most six), in `lang`."""
    m_ = messages(lang)
    times = state_times(run)
    chosen = _thin(_fill(moments(trace, run, grid), schedule))
    shots = []
    for m in chosen:
        loss, epoch = _loss_at(run, m.state), _label(times[m.state])
        caption = (m_["hand_caption"].format(epoch=epoch, loss=num(loss)) if np.isfinite(loss)
                   else m_["hand_caption_inf"].format(epoch=epoch))
        if m.kind == "start":
            happens = m_["hand_start"].format(params="[" + ", ".join(num(v) for v in run.path[0]) + "]")
        elif m.kind == "end":
            happens = m_.get(f"hand_end_{run.status}", m_["hand_the_end"])
        else:
            happens = m_[HAPPENS[m.kind]]
        shots.append(Shot(m.state, caption, happens))
    s = run.settings
    subtitle = m_["hand_subtitle"].format(name=run.name, optimizer=s.optimizer, lr=f"{s.lr:g}",
                                          loss=s.loss.upper(), epochs=s.epochs)
    return HandoutSpec(trace.title, subtitle, tuple(shots), run_analysis(trace, run, lang))


def run_analysis(trace: Trace, run: Run, lang: str = "en") -> tuple[str, str]:
    """Two lines: what the spectrum says of this rate, then how the run ended."""
    m_ = messages(lang)
    s = run.settings
    spectrum = trace.analysis_of(run).spectra.get(s.loss)
    if spectrum is not None and spectrum.critical_lr and s.optimizer == "gd":
        lam = max(spectrum.eigenvalues)
        first = m_["hand_spectrum"].format(lam=num(lam), critical=num(spectrum.critical_lr),
                                           ratio=num(s.lr * lam, 3))
        if run.regime and run.contraction is not None:
            first += m_["hand_regime"].format(regime=m_.get(f"regime_{run.regime}", run.regime),
                                              contraction=num(run.contraction, 3))
        first += "."
    else:
        first = m_["hand_other"].format(optimizer=s.optimizer, lr=f"{s.lr:g}", loss=s.loss.upper())
    final = float(run.final_loss)
    second = m_.get(f"hand_ended_{run.status}", m_["hand_ended_max_epochs"]).format(
        steps=len(run.path) - 1, loss=num(final) if np.isfinite(final) else m_["hand_not_finite"])
    if spectrum is not None and np.isfinite(spectrum.ols_loss):
        second += m_["hand_least_squares"].format(loss=num(spectrum.ols_loss))
    else:
        second += "."
    return first, second


def compare_handout(trace: Trace, times: np.ndarray, states: np.ndarray,
                    grids: dict[str, LossGrid] | None = None, picked: Sequence[int] | None = None,
                    lang: str = "en") -> HandoutSpec:
    """The handout of the grid of all runs: the start, the frames where a run shows its
    key moment, and the end (four to six frames), in `lang`."""
    m_ = messages(lang)
    runs = [trace.runs[r] for r in (picked if picked is not None else range(len(trace.runs)))]
    index = [trace.runs.index(r) for r in runs]
    last = len(times) - 1
    marks: dict[int, list[str]] = {0: [m_["hand_the_start"]], last: [m_["hand_the_end"]]}
    for run, r in zip(runs, index):
        state = key_state(trace, run, (grids or {}).get(run.name))
        frame = max(int(np.searchsorted(states[:, r], state, side="right")) - 1, 0)
        kind = next((m.kind for m in moments(trace, run, (grids or {}).get(run.name)) if m.state == state),
                    "between")
        words = m_[HAPPENS[kind]].split(":")[0]
        marks.setdefault(frame, []).append(f"{run.name}: {words}")
    frames = sorted(marks)
    if len(frames) > MAX_SHOTS:  # keep the start, the end and evenly picked key frames
        inner = frames[1:-1]
        keep = {inner[round(i)] for i in np.linspace(0, len(inner) - 1, MAX_SHOTS - 2)}
        frames = [0, *sorted(keep), last]
    while len(frames) < min(MIN_SHOTS, last + 1):
        gaps = [(b - a, a, b) for a, b in zip(frames, frames[1:])]
        _, lo, hi = max(gaps)
        frames = sorted({*frames, (lo + hi) // 2})
    shots = []
    for k in frames:
        happens = "; ".join(marks.get(k, [m_["hand_between"]]))
        shots.append(Shot(k, m_["hand_up_to"].format(epoch=_label(float(times[k]))), happens))
    kinds = sorted({r.settings.loss for r in runs})
    crit = [c for c in (trace.analysis.spectra[k].critical_lr for k in kinds if k in trace.analysis.spectra) if c]
    first = (m_["hand_runs_critical"].format(count=len(trace.runs), critical=", ".join(num(c) for c in crit),
                                             losses=", ".join(k.upper() for k in kinds))
             if crit else m_["hand_runs"].format(count=len(trace.runs)))
    ended: dict[str, list[str]] = {}
    for r in trace.runs:
        ended.setdefault(r.status, []).append(r.name)
    second = "; ".join(m_.get(f"hand_group_{k}", m_["hand_group_max_epochs"]).format(
        runs=", ".join(v[:6]) + (" …" if len(v) > 6 else "")) for k, v in ended.items()) + "."
    return HandoutSpec(trace.title, m_["hand_all_runs"], tuple(shots), (first, second))
