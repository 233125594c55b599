"""Plain sentences about the analysis and each run, in the page's language."""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass

import numpy as np

from gdanim.analysis import Spectrum, loss_values
from gdanim.report.text import num, vec
from gdanim.schedules import label as schedule_label
from gdanim.trace import Run, Trace

CONDITION_VALLEY = 10.0
MAX_RATES = 5


@dataclass(frozen=True)
class Fact:
    """One line of the analysis: a label, a value and what it means for this data."""

    label: str
    value: str
    meaning: str


@dataclass(frozen=True)
class RunRow:
    """One row of the runs table."""

    name: str
    optimizer: str
    loss: str
    lr: str
    epochs: int
    params: str
    final_loss: str
    distance: str
    status: str
    status_key: str
    regime: str
    regime_key: str
    warning: str | None
    "Set when a finite run looks converging but its regime says it diverges."
    story: str
    "What the run did, in one sentence (alt text of its images)."


def lam_max(spectrum: Spectrum) -> float:
    """The largest Hessian eigenvalue."""
    return float(max(spectrum.eigenvalues))


def facts(trace: Trace, s: Mapping[str, str]) -> list[Fact]:
    """The analysis lines for the scenario's main loss: OLS, its loss, spectrum, rates (for
    SSE when the main loss is robust), then each robust loss's own minimum beside OLS."""
    quadratic = trace.loss if trace.loss in trace.analysis.spectra else "sse"
    a, spec = trace.analysis, trace.analysis.spectra[quadratic]
    p = trace.dataset.features + 1
    out = []
    if a.ols is not None:
        out.append(Fact(s["an_ols"], vec(a.ols), s["an_ols_text"]))
    else:
        out.append(Fact(s["an_ols"], vec(a.minimizer),
                        s["an_ols_not_unique"].format(rank=a.rank, p=p, w=vec(a.minimizer))))
    out.append(Fact(s["an_ols_loss"], num(spec.ols_loss), s["an_ols_loss_text"].format(loss=quadratic.upper())))
    eig = ", ".join(num(v) for v in spec.eigenvalues[:8]) + (" …" if len(spec.eigenvalues) > 8 else "")
    out.append(Fact(s["an_eigen"], eig, s["an_eigen_text"]))
    if spec.critical_lr is not None:
        half = spec.critical_lr / 2
        out.append(Fact(s["an_critical"], num(spec.critical_lr),
                        s["an_critical_text"].format(critical=num(spec.critical_lr), half=num(half))))
    if spec.best_lr is not None:
        out.append(Fact(s["an_best"], num(spec.best_lr), s["an_best_text"].format(best=num(spec.best_lr))))
    cond = spec.condition_number
    meaning = s["cond_none"] if cond is None else (
        s["cond_valley"] if cond > CONDITION_VALLEY else s["cond_round"])
    out.append(Fact(s["an_condition"], num(cond), meaning))
    return out + robust_facts(trace, s)


def robust_facts(trace: Trace, s: Mapping[str, str]) -> list[Fact]:
    """Each robust loss's own minimizer and loss, the OLS line's loss under it, and why
    there is no regime."""
    a = trace.analysis
    if not a.robust:
        return []
    X, y = trace.dataset.design(), trace.dataset.y.astype(np.float64)
    out = []
    for fit in a.robust.values():
        name = fit.loss.upper() + (f" (δ = {fit.huber_delta:g})" if fit.loss == "huber" else "")
        ols_value = float(loss_values(X, y, np.asarray(a.minimizer), fit.loss, fit.huber_delta))
        out.append(Fact(s["an_robust"].format(loss=name), vec(fit.params), s["an_robust_text"].format(
            loss=name, value=num(fit.value), ols=vec(a.minimizer), ols_value=num(ols_value))))
    out.append(Fact(s["an_robust_regime"], "—", s["an_robust_regime_text"]))
    return out


def verdicts(trace: Trace, s: Mapping[str, str], skip: Collection[str] = ()) -> str | None:
    """One sentence saying which rates converge and which diverge, grouped by regime; a
    scheduled run says where its rate crosses the critical one. The runs named in `skip`
    are left out (an exercise asks how they end)."""
    groups: dict[str, list[float]] = {}
    runs = [run for run in trace.runs if run.name not in skip]
    for run in runs:
        if run.regime is not None and run.settings.schedule is None:
            groups.setdefault(run.regime, []).append(run.settings.lr)
    parts = [s[f"verdict_{regime}"].format(lrs=_rates(sorted(set(groups[regime]))))
             for regime in ("monotone", "oscillating", "divergent") if regime in groups]
    parts += [p for p in (_schedule_verdict(trace, run, s) for run in runs) if p]
    return s["an_runs_verdict"].format(verdicts="; ".join(parts)) if parts else None


def _schedule_verdict(trace: Trace, run: Run, s: Mapping[str, str]) -> str | None:
    """Where a scheduled plain-gd run's lr_t * lambda_max falls below 2, in words."""
    if run.regime is None or run.settings.schedule is None or not run.steps:
        return None
    spectrum = trace.analysis_of(run).spectra[run.settings.loss]
    ratio = run.step_lr * (lam_max(spectrum) + run.settings.options.get("weight_decay", 0.0))
    fields = dict(name=run.name, schedule=schedule_label(run.settings.schedule),
                  start=num(ratio[0], 3), end=num(ratio[-1], 3))
    if ratio[0] < 2:
        return s["verdict_schedule_below"].format(**fields)
    stable = np.flatnonzero(ratio < 2)
    if not stable.size or (ratio[stable[0]:] >= 2).any():
        return s["verdict_schedule_above"].format(**fields)
    first = int(stable[0])
    return s["verdict_schedule_crosses"].format(epoch=int(run.epoch[first]), lr=f"{run.step_lr[first]:.3g}",
                                                **fields)


def _rates(lrs: list[float]) -> str:
    if len(lrs) <= MAX_RATES:
        return ", ".join(f"{v:.3g}" for v in lrs)
    return f"{lrs[0]:.3g} … {lrs[-1]:.3g} ({len(lrs)})"


def mse_note(trace: Trace, s: Mapping[str, str]) -> str | None:
    """A note on the MSE spectrum when the scenario mostly speaks of SSE."""
    if trace.loss != "sse" or not any(r.settings.loss == "mse" for r in trace.runs):
        return None
    mse = trace.analysis.spectra["mse"]
    return s["an_mse_note"].format(n=trace.dataset.n, critical=num(mse.critical_lr))


def _first_loss(run: Run) -> float:
    return float(run.loss[0]) if run.steps else float(run.final_loss)


def hidden_divergence(run: Run) -> bool:
    """True when a finite run ended below where it started though its regime diverges."""
    last, first = float(run.final_loss), _first_loss(run)
    return (run.regime == "divergent" and run.status != "diverged"
            and math.isfinite(last) and math.isfinite(first) and last < first)


def rate_text(run: Run) -> str:
    """The run's learning rate as the page writes it: 0.001, or 0.0085 → 0.000266 (step-10-0.5)."""
    st = run.settings
    if st.schedule is None or not run.steps:
        return f"{st.lr:g}"
    return f"{st.lr:g} → {run.step_lr[-1]:.3g} ({schedule_label(st.schedule)})"


def story(run: Run, s: Mapping[str, str]) -> str:
    """What the run did, in one sentence: start, rate, loss before and after, status, regime."""
    st = run.settings
    fields = dict(
        optimizer=st.optimizer, lr=rate_text(run), loss=st.loss.upper(), init=vec(st.init, 3),
        epochs=int(run.epoch[-1]) + 1 if run.steps else 0,
        first=num(_first_loss(run)), last=num(run.final_loss),
        status=s[f"status_{run.status}"],
    )
    if run.regime is None:
        return s["story_no_regime"].format(**fields)
    return s["story"].format(regime=s[f"regime_{run.regime}"], **fields)


def run_row(run: Run, trace: Trace, s: Mapping[str, str]) -> RunRow:
    """The runs-table row of `run`, with its warning and story."""
    st = run.settings
    analysis = trace.analysis_of(run)  # in the units this run trained in
    target = np.asarray(analysis.ols if analysis.ols is not None else analysis.minimizer)
    final = run.final_params.astype(np.float64)
    distance = float(np.linalg.norm(final - target)) if np.isfinite(final).all() else math.inf
    warning = None
    if hidden_divergence(run):
        spectrum = analysis.spectra[st.loss]
        warning = s["warn_hidden_divergence"].format(
            first=num(_first_loss(run)), last=num(run.final_loss),
            ratio=num(float(run.step_lr[-1]) * lam_max(spectrum), 3), contraction=num(run.contraction, 4))
    options = ", ".join(f"{k} {v}" for k, v in st.options.items())
    if run.normalization is not None:
        options = ", ".join(filter(None, [options, f"x {run.normalization.kind}"]))
    return RunRow(
        name=run.name, optimizer=st.optimizer + (f" ({options})" if options else ""),
        loss=st.loss.upper(), lr=rate_text(run), epochs=int(run.epoch[-1]) + 1 if run.steps else 0,
        params=vec(run.final_params), final_loss=num(run.final_loss), distance=num(distance),
        status=s[f"status_{run.status}"], status_key=run.status,
        regime=s[f"regime_{run.regime}"] if run.regime else s["regime_na"],
        regime_key=run.regime or "na", warning=warning, story=story(run, s),
    )


@dataclass(frozen=True)
class Pair:
    """An SSE run and the MSE run with n times its rate, and how close their paths are."""

    sse: Run
    mse: Run
    max_difference: float
    gradient_ratio: float


def sse_mse_pairs(trace: Trace) -> list[Pair]:
    """Every SSE run with lr a matched to an MSE run with lr n*a, same start and optimizer."""
    n = trace.dataset.n
    pairs = []
    for sse in (r for r in trace.runs if r.settings.loss == "sse"):
        for mse in (r for r in trace.runs if r.settings.loss == "mse"):
            same = (sse.settings.optimizer == mse.settings.optimizer == "gd"
                    and trace.normalization_of(sse) == trace.normalization_of(mse)
                    and sse.settings.init == mse.settings.init
                    and math.isclose(mse.settings.lr, n * sse.settings.lr, rel_tol=1e-6))
            if not same:
                continue
            k = min(sse.path.shape[0], mse.path.shape[0])
            diff = np.abs(sse.path[:k].astype(np.float64) - mse.path[:k].astype(np.float64))
            g_sse = np.linalg.norm(sse.grad[:1].astype(np.float64))
            g_mse = np.linalg.norm(mse.grad[:1].astype(np.float64))
            pairs.append(Pair(sse, mse, float(np.nanmax(diff)) if diff.size else 0.0,
                              float(g_sse / g_mse) if g_mse > 0 else math.nan))
    return pairs
