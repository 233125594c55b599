"""Static figures for the report: the data, loss curves, paths on contours, sweeps, SSE/MSE.

Each function builds a matplotlib `Figure` on an Agg canvas (never pyplot) from a
Trace and returns it; `save_png` writes it atomically. Words on the axes come from
the caller's `labels` (the report's string table), so a Korean page gets Korean axes.
"""

from __future__ import annotations

import functools
import io
import math
import os
import threading
from collections.abc import Callable, Mapping
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from gdanim import interrupt
from gdanim.analysis import data_loss, quadratic
from gdanim.files import atomic_write_bytes
from gdanim.frames.style import CYCLE, make_style, rc_params
from gdanim.trace import Run, Trace

WIDTH, HEIGHT, DPI = 7.2, 4.0, 110
MAX_LEGEND = 8


def _figure(width: float = WIDTH, height: float = HEIGHT) -> Figure:
    """A light-theme Figure of width x height inches with the shared look and fonts."""
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    fig.patch.set_facecolor("white")
    return fig


def _rc() -> dict:
    return {**rc_params(make_style((int(WIDTH * DPI), int(HEIGHT * DPI)), "light")),
            "lines.linewidth": 1.6, "font.size": 10, "axes.labelsize": 10, "legend.fontsize": 8.5,
            "xtick.labelsize": 9, "ytick.labelsize": 9}


def styled(build: Callable[..., Figure]) -> Callable[..., Figure]:
    """Build the figure inside the shared style (fonts with Hangul, theme colours)."""

    @functools.wraps(build)
    def wrapper(*args, **kwargs) -> Figure:
        with matplotlib.rc_context(_rc()):
            return build(*args, **kwargs)

    return wrapper


def save_png(fig: Figure, path: Path) -> Path:
    """Write the figure as PNG to path, whole or not at all; returns path."""
    return atomic_write_bytes(Path(path), _png(fig))


def save_pngs(figures: Mapping[Path, Callable[[], Figure]], *, split: bool = False) -> None:
    """Build and save each figure (path -> function returning it). With `split`, a copy of
    this process draws every other one meanwhile (`save_pngs_apart`), on the core the
    caller would leave idle: for a render worker, whose encoders are done then."""
    theirs = {path: figures[path] for path in list(figures)[1::2]} if split else {}
    done = save_pngs_apart(theirs) if theirs else None
    for path in (p for p in figures if p not in theirs):
        save_png(figures[path](), path)
    if done is not None:
        done()


def save_pngs_apart(figures: Mapping[Path, Callable[[], Figure]]) -> Callable[[], None]:
    """Start building and saving each figure (path -> function returning it) in a copy of
    this process (forked, so with everything loaded) and return at once; the function
    returned waits for the copy, and draws here what it failed to write, to meet its
    error. The copy stops on Ctrl-C, leaving no partial file, and is killed with this
    process (the next build sweeps what it was writing). Where this process may not
    fork, the figures are drawn when that function is called."""
    if not _may_fork():
        return functools.partial(save_pngs, figures)
    pid = os.fork()
    if pid == 0:  # the copy: draw, and leave without running any cleanup of this process
        code = 1
        try:
            interrupt.default_ctrl_c()  # a partial file is removed on the way out
            interrupt.end_with_parent()
            for path, draw in figures.items():
                save_png(draw(), path)
            code = 0
        finally:
            os._exit(code)

    def done() -> None:
        if os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) != 0:
            save_pngs(figures)

    return done


def _may_fork() -> bool:
    """Only a process with one thread forks (another thread may hold a lock the copy needs)."""
    return hasattr(os, "fork") and threading.active_count() == 1


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    with matplotlib.rc_context(_rc()):
        fig.savefig(buffer, format="png", dpi=DPI, facecolor=fig.get_facecolor())
    return buffer.getvalue()


def warm_up() -> None:
    """Load what the first figure takes (the fonts at the figures' sizes, the math-text
    parser of log axes, contours, the PNG encoder) ahead of time: in a render worker that
    draws the page's figures once its animation is written, say."""
    _png(_sample())


@styled
def _sample() -> Figure:
    fig = _figure(3.0, 2.0)
    left, right = fig.subplots(1, 2)
    z = np.add.outer(np.arange(4.0), np.arange(4.0))
    left.contourf(z, levels=3, cmap="Blues_r", alpha=0.55)
    left.contour(z, levels=3, colors="0.45", linewidths=0.5)
    left.plot([1.0], [1.0], "x", label="가")
    left.legend(fontsize="small")
    right.plot([1.0, 2.0], [1.0, 100.0], label="w0")
    right.set_yscale("log")
    right.set_xlabel("epoch")
    right.grid(alpha=0.3, which="both")
    right.legend(fontsize="small")
    return fig


def run_colors(count: int) -> list[tuple[float, float, float, float]]:
    """One colour per run: the animations' cycle for few runs, viridis for many."""
    from matplotlib import colormaps
    from matplotlib.colors import to_rgba

    if count <= len(CYCLE):
        return [to_rgba(c) for c in CYCLE[:count]]
    return [colormaps["viridis"](i / max(count - 1, 1)) for i in range(count)]


Cuts = Mapping[str, int]
"""Run name -> the last state a figure draws of that run: an exercise asks about the run
there, so a page shows the figure cut until the student answers (gdanim.report.held)."""


def shown_states(run: Run, cuts: Cuts | None) -> int:
    """How many of the run's per-step values (loss, rate, gradient) a figure draws: every
    one, or those of the states up to its cut (path[:n + 1] are the states drawn then)."""
    if not cuts or run.name not in cuts:
        return run.steps
    return min(run.steps, int(cuts[run.name]) + 1)


def shown_path(run: Run, cuts: Cuts | None) -> np.ndarray:
    """[m, p] the states a figure draws of the run: all, or those up to its cut."""
    if not cuts or run.name not in cuts:
        return run.path
    return run.path[: min(run.steps, int(cuts[run.name])) + 1]


def epochs_axis(run: Run) -> np.ndarray:
    """[S] the position of each step in epochs (fractions within an epoch for mini-batches)."""
    epoch = run.epoch.astype(np.float64)
    if run.steps == 0:
        return epoch
    counts = np.bincount(run.epoch, minlength=int(run.epoch.max()) + 1).astype(np.float64)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    within = np.arange(run.steps) - first[run.epoch]
    return epoch + within / counts[run.epoch]


@styled
def data_figure(trace: Trace, labels: Mapping[str, str]) -> Figure:
    """One feature: the points and the least-squares line. More: y against the OLS prediction."""
    d, w = trace.dataset, np.asarray(trace.analysis.minimizer)
    fig = _figure(6.0, 3.6)
    ax = fig.subplots()
    if d.degree > 1:  # a polynomial of one raw input: the points and the least-squares curve
        xr = d.x_raw[:, 0].astype(np.float64)
        ax.scatter(xr, d.y, s=14, color=CYCLE[0], alpha=0.75, label=labels["legend_data"])
        xs = np.linspace(float(xr.min()), float(xr.max()), 160)
        ax.plot(xs, d.predict(w, xs[:, None]), color="#d62728", lw=2, label=labels["legend_fit"])
        ax.set_xlabel(d.columns[0] if d.columns else "x", parse_math=False)
    elif d.features == 1:
        ax.scatter(d.x[:, 0], d.y, s=14, color=CYCLE[0], alpha=0.75, label=labels["legend_data"])
        out = d.is_outlier
        if out.any():  # data.outliers, marked apart
            ax.scatter(d.x[out, 0], d.y[out], s=60, marker="X", color="#d62728", label=labels["frame_outliers"])
        xs = np.linspace(float(d.x[:, 0].min()), float(d.x[:, 0].max()), 50)
        ax.plot(xs, w[0] + w[1] * xs, color="#d62728", lw=2, label=labels["legend_fit"])
        ax.set_xlabel(d.columns[0] if d.columns else "x", parse_math=False)
    else:
        predicted = d.design() @ w  # [n]
        ax.scatter(predicted, d.y, s=18, color=CYCLE[0], alpha=0.8, label=labels["legend_data"])
        ends = np.array([min(predicted.min(), d.y.min()), max(predicted.max(), d.y.max())])
        ax.plot(ends, ends, color="#d62728", lw=2, label=labels["legend_fit"])
        ax.set_xlabel("ŷ (OLS)")
    ax.set_ylabel("y")
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    return fig


@styled
def loss_figure(trace: Trace, labels: Mapping[str, str], cuts: Cuts | None = None) -> Figure:
    """Loss on a log axis against epoch, one line per run, with the OLS loss dashed; a run
    in `cuts` drawn only up to its cut."""
    fig = _figure()
    ax = fig.subplots()
    colors = run_colors(len(trace.runs))
    for run, color in zip(trace.runs, colors):
        k = shown_states(run, cuts)
        loss = run.loss[:k].astype(np.float64)
        ok = np.isfinite(loss) & (loss > 0)
        if ok.any():
            ax.plot(epochs_axis(run)[:k][ok], loss[ok], color=color, lw=1.6, label=run.name)
    _mark_unstable(ax, trace, cuts)
    losses = sorted({r.settings.loss for r in trace.runs})
    kinds = sorted({(r.settings.loss, r.settings.huber_delta if r.settings.loss == "huber" else 1.0)
                    for r in trace.runs})
    for (loss, delta), style in zip(kinds, ("--", ":", "-.", (0, (1, 3))), strict=False):
        best = trace.analysis.best(loss, delta)  # least squares, or a robust loss's own minimum
        value = best[1] if best is not None else math.nan
        if math.isfinite(value) and value > 0:
            name = labels["legend_ols"] if loss in trace.analysis.spectra else "min"
            name += f" ({loss.upper()})" if len(kinds) > 1 or loss not in trace.analysis.spectra else ""
            ax.axhline(value, color="0.3", ls=style, lw=1, label=name)
    ax.set_yscale("log")
    ax.set_xlabel(labels["axis_epoch"])
    ax.set_ylabel(f"{labels['axis_loss']} ({' / '.join(x.upper() for x in losses)}, log)")
    ax.grid(alpha=0.3, which="both")
    if len(trace.runs) <= MAX_LEGEND:
        ax.legend(fontsize="small", loc="best")
    _rates_axis(ax, trace, colors, labels, cuts)
    return fig


UNSTABLE = "#d62728"


def step_ratio(trace: Trace, run: Run) -> np.ndarray | None:
    """[S] lr_t * lambda_max per step for runs whose regime the spectrum decides (plain
    full-batch gd): 2 and above diverges. None for the others."""
    if run.regime is None:
        return None
    spectrum = trace.analysis_of(run).spectra[run.settings.loss]
    return run.step_lr * (max(spectrum.eigenvalues) + run.settings.options.get("weight_decay", 0.0))


def _mark_unstable(ax, trace: Trace, cuts: Cuts | None = None) -> None:
    """When a run has a schedule: under each plain-gd run's loss, a wide band on the steps
    whose rate is at or above the critical one, so the epoch a schedule makes the run
    stable shows (and a constant rate above it stays banded)."""
    if all(run.settings.schedule is None for run in trace.runs):
        return
    labelled = False
    for run in trace.runs:
        ratio = step_ratio(trace, run)
        if ratio is None:
            continue
        k = shown_states(run, cuts)
        loss, ratio = run.loss[:k].astype(np.float64), ratio[:k]
        shown = np.where((ratio >= 2.0) & np.isfinite(loss) & (loss > 0), loss, np.nan)
        if np.isfinite(shown).any():
            ax.plot(epochs_axis(run)[:k], shown, color=UNSTABLE, lw=6, alpha=0.25, solid_capstyle="round",
                    label=None if labelled else "lr·λmax ≥ 2")
            labelled = True


def _rates_axis(ax, trace: Trace, colors: list, labels: Mapping[str, str], cuts: Cuts | None = None) -> None:
    """When a run has a schedule: each run's learning rate per step on a second axis
    (dotted), and the critical rate 2/lambda_max there, which a decaying rate crosses."""
    if all(run.settings.schedule is None for run in trace.runs):
        return
    twin = ax.twinx()
    for run, color in zip(trace.runs, colors):
        k = shown_states(run, cuts)
        twin.plot(epochs_axis(run)[:k], run.step_lr[:k], color=color, ls=":", lw=1.4)
    spectrum = trace.analysis.spectra.get(trace.loss)
    critical = spectrum.critical_lr if spectrum is not None else None
    if critical:
        twin.axhline(critical, color=UNSTABLE, ls="-.", lw=1)
        twin.annotate(f"2/λmax {critical:.3g}", (1.0, critical), xycoords=("axes fraction", "data"),
                      ha="right", va="bottom", fontsize="small", color=UNSTABLE)
    rates = np.concatenate([run.step_lr for run in trace.runs])
    rates = rates[np.isfinite(rates) & (rates > 0)]
    if rates.size and rates.max() > 20 * rates.min():
        twin.set_yscale("log")
    twin.set_ylabel(f"{labels['axis_lr']} (···)")
    ax.set_zorder(twin.get_zorder() + 1)  # the losses and their legend above the rates
    ax.patch.set_visible(False)


def _window(trace: Trace, a: int, b: int) -> tuple[np.ndarray, np.ndarray]:
    """Axis limits around the minimum that hold every start with room to spare."""
    centre = np.asarray(trace.analysis.minimizer)[[a, b]]
    runs = [r for r in trace.runs if r.normalization is None] or list(trace.runs)
    starts = np.asarray([r.path[0, [a, b]] for r in runs], np.float64)
    spread = np.abs(starts - centre).max(axis=0) if len(starts) else np.ones(2)
    spread = np.maximum(spread * 1.5, 1e-3 + 0.1 * np.abs(centre))
    return centre - spread, centre + spread


def visible_path(path: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The path [m, 2] up to and including its first point outside the box lo..hi (finite only)."""
    path = path[np.isfinite(path).all(axis=1)]
    outside = np.flatnonzero(((path < lo) | (path > hi)).any(axis=1))
    return path[: outside[0] + 1] if outside.size else path


@styled
def contour_figure(trace: Trace, labels: Mapping[str, str], params: tuple[int, int] = (0, 1),
                   cuts: Cuts | None = None) -> Figure:
    """Loss contours over two parameters (the others at the minimum) with every run's path
    (a run in `cuts` up to its cut)."""
    a, b = params
    q = quadratic(trace.dataset.x, trace.dataset.y)
    if trace.loss not in trace.analysis.spectra:  # a robust main loss: its true level sets
        q = data_loss(trace.dataset.x, trace.dataset.y, next(
            (r.settings.huber_delta for r in trace.runs if r.settings.loss == trace.loss), 1.0))
    lo, hi = _window(trace, a, b)
    g0, g1 = np.meshgrid(np.linspace(lo[0], hi[0], 160), np.linspace(lo[1], hi[1], 160))
    grid = np.broadcast_to(np.asarray(trace.analysis.minimizer), (*g0.shape, trace.dataset.features + 1)).copy()
    grid[..., a], grid[..., b] = g0, g1  # [160, 160, p]
    z = q(grid, trace.loss)  # [160, 160]
    fig = _figure(6.4, 5.0)
    ax = fig.subplots()
    zmin = max(float(z.min()), 1e-12)
    levels = np.geomspace(zmin * 1.05, float(z.max()), 14) if z.max() > zmin * 1.05 else 10
    ax.contourf(g0, g1, z, levels=levels, cmap="Blues_r", alpha=0.55)
    ax.contour(g0, g1, z, levels=levels, colors="0.45", linewidths=0.5)
    for run, color in zip(trace.runs, run_colors(len(trace.runs)), strict=False):
        if run.normalization is not None:  # trained in other units: not on these contours
            continue
        path = visible_path(shown_path(run, cuts)[:, [a, b]].astype(np.float64), lo, hi)
        ax.plot(path[:, 0], path[:, 1], "-o", color=color, ms=2.5, lw=1.3, label=run.name)
        ax.plot(path[:1, 0], path[:1, 1], "s", color=color, ms=6)
    m = np.asarray(trace.analysis.minimizer)
    ax.plot(m[a], m[b], "x", color="#d62728", ms=11, mew=2.5, label=labels["legend_ols"])
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_xlabel(f"w{a}")
    ax.set_ylabel(f"w{b}")
    if len(trace.runs) <= MAX_LEGEND:
        ax.legend(fontsize="small", loc="best")
    return fig


def contour_cut_shows(trace: Trace, cuts: Cuts, params: tuple[int, int] = (0, 1)) -> bool:
    """True when cutting the runs in `cuts` changes the contour figure: a path that leaves
    the view before its cut is drawn the same either way."""
    a, b = params
    lo, hi = _window(trace, a, b)
    for run in trace.runs:
        if run.name in cuts and run.normalization is None:
            whole = visible_path(run.path[:, [a, b]].astype(np.float64), lo, hi)
            if len(visible_path(shown_path(run, cuts)[:, [a, b]].astype(np.float64), lo, hi)) < len(whole):
                return True
    return False


def sweep_runs(trace: Trace) -> list[Run]:
    """Runs that form a learning-rate sweep (same loss and optimizer, 4+ distinct rates), by lr."""
    runs = [r for r in trace.runs if r.settings.loss == trace.loss]
    kinds = {(r.settings.optimizer, r.settings.loss) for r in runs}
    if len(runs) < 4 or len(kinds) != 1 or len({r.settings.lr for r in runs}) < 4:
        return []
    return sorted(runs, key=lambda r: r.settings.lr)


@styled
def sweep_figure(trace: Trace, labels: Mapping[str, str], cuts: Cuts | None = None) -> Figure:
    """Final loss against lr on log axes; diverged runs as crosses on top; critical lr dashed.
    A run in `cuts` is left out: its final loss is what an exercise asks about."""
    runs = [r for r in sweep_runs(trace) if not cuts or r.name not in cuts]
    lrs = np.asarray([r.settings.lr for r in runs])
    final = np.asarray([r.final_loss for r in runs], np.float64)
    ok = np.isfinite(final) & (final > 0)
    fig = _figure()
    ax = fig.subplots()
    ax.plot(lrs[ok], final[ok], "o-", color="#1f77b4", ms=4, label=labels["axis_final_loss"])
    if (~ok).any():
        top = float(final[ok].max()) * 3 if ok.any() else 1.0
        ax.plot(lrs[~ok], np.full((~ok).sum(), top), "x", color="#d62728", ms=7, mew=2)
    critical = trace.analysis.spectra[trace.loss].critical_lr if trace.loss in trace.analysis.spectra else None
    if critical:
        ax.axvline(critical, color="#d62728", ls="--", lw=1.3,
                   label=f"{labels['legend_critical']} {critical:.3g}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(labels["axis_lr"])
    ax.set_ylabel(labels["axis_final_loss"])
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize="small", loc="best")
    return fig


@styled
def pair_figure(sse: Run, mse: Run, n: int, labels: Mapping[str, str], cuts: Cuts | None = None) -> Figure:
    """SSE and MSE paths drawn over each other, and the two gradient sizes per step (a run
    in `cuts` up to its cut)."""
    fig = _figure(WIDTH, 3.6)
    left, right = fig.subplots(1, 2)
    ks, km = shown_states(sse, cuts), shown_states(mse, cuts)
    ps, pm = shown_path(sse, cuts), shown_path(mse, cuts)
    left.plot(ps[:, 0], ps[:, 1], "-", color="#1f77b4", lw=3, alpha=0.6,
              label=f"SSE lr {sse.settings.lr:g}")
    left.plot(pm[:, 0], pm[:, 1], "o", color="#ff7f0e", ms=3,
              label=f"MSE lr {mse.settings.lr:g}")
    left.set_xlabel("w0")
    left.set_ylabel("w1")
    left.legend(fontsize="small")
    left.grid(alpha=0.3)
    steps = np.arange(min(sse.steps, mse.steps))
    for run, color, name, k in ((sse, "#1f77b4", "SSE", ks), (mse, "#ff7f0e", "MSE", km)):
        norm = np.full(steps.size, np.nan)
        norm[:k] = np.linalg.norm(run.grad[: min(k, steps.size)].astype(np.float64), axis=1)[:k]
        ok = np.isfinite(norm) & (norm > 0)
        right.plot(steps[ok], norm[ok], color=color, label=f"|∇L| {name}")
    right.set_yscale("log")
    right.set_xlabel(labels["axis_epoch"])
    right.set_title(f"n = {n}", fontsize="small")
    right.legend(fontsize="small")
    right.grid(alpha=0.3, which="both")
    return fig
