"""The report's static figures: which apply, what they draw, and Korean labels with real glyphs."""

from __future__ import annotations

import contextlib
import warnings
from pathlib import Path

import numpy as np
import pytest
from render_support import wait_for

from gdanim.api import record
from gdanim.frames import figures as fg
from gdanim.report.strings import strings

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def lr_trace():
    return record(ROOT / "scenarios" / "lr.yaml")


def test_a_path_is_cut_just_after_it_leaves_the_view():
    path = np.array([[0.0, 0.0], [1.0, 1.0], [5.0, 0.0], [9.0, 9.0], [np.nan, 1.0]])
    cut = fg.visible_path(path, np.array([-2.0, -2.0]), np.array([2.0, 2.0]))
    assert cut.tolist() == [[0.0, 0.0], [1.0, 1.0], [5.0, 0.0]]


def test_a_path_inside_the_view_is_kept_whole_without_non_finite_points():
    path = np.array([[0.0, 0.0], [np.inf, 1.0], [1.0, 1.0]])
    cut = fg.visible_path(path, np.array([-2.0, -2.0]), np.array([2.0, 2.0]))
    assert cut.tolist() == [[0.0, 0.0], [1.0, 1.0]]


def test_five_rates_of_one_loss_make_a_sweep_sorted_by_rate(lr_trace):
    rates = [r.settings.lr for r in fg.sweep_runs(lr_trace)]
    assert rates == sorted(rates) and len(rates) == 5


def test_runs_of_different_optimizers_are_no_sweep():
    trace = record(ROOT / "scenarios" / "optimizers.yaml")
    assert fg.sweep_runs(trace) == []


def test_the_loss_figure_draws_one_line_per_run_and_the_ols_loss(lr_trace):
    fig = fg.loss_figure(lr_trace, strings("en"))
    ax = fig.axes[0]
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == [r.name for r in lr_trace.runs] + ["OLS"]
    assert ax.get_yscale() == "log"


def test_the_sweep_figure_marks_the_critical_rate(lr_trace):
    fig = fg.sweep_figure(lr_trace, strings("en"))
    ax = fig.axes[0]
    critical = [line for line in ax.get_lines() if line.get_label().startswith("critical lr")]
    assert len(critical) == 1
    assert critical[0].get_xdata()[0] == pytest.approx(0.008238, rel=1e-3)


def test_the_epoch_axis_spreads_mini_batch_steps_within_their_epoch():
    trace = record(ROOT / "scenarios" / "minibatch.yaml")
    run = next(r for r in trace.runs if len(set(r.epoch.tolist())) < r.steps)
    x = fg.epochs_axis(run)
    assert np.all(np.diff(x) > 0)
    assert np.all(np.floor(x) == run.epoch)


def test_korean_labels_render_with_real_glyphs(lr_trace, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)"
        fig = fg.loss_figure(lr_trace, strings("ko"))
        path = fg.save_png(fig, tmp_path / "loss.png")
    assert fig.axes[0].get_xlabel() == "에폭"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_data_figure_names_the_outliers_in_the_pages_language():
    trace = record(ROOT / "scenarios" / "robust.yaml")
    for lang in ("en", "ko"):
        labels = [t.get_text() for t in fg.data_figure(trace, strings(lang)).axes[0].get_legend().get_texts()]
        assert strings(lang)["frame_outliers"] in labels, (lang, labels)


def test_a_scheduled_scenarios_loss_figure_shows_the_rates_and_the_unstable_steps(lr_trace):
    trace = record(ROOT / "scenarios" / "schedules.yaml")
    lam = max(trace.analysis.spectra["sse"].eigenvalues)
    step = trace.run("step-decay")
    assert fg.step_ratio(trace, step).tolist() == (step.step_lr * lam).tolist()
    fig = fg.loss_figure(trace, strings("en"))
    main, rates = fig.axes
    assert [line.get_ydata().tolist() for line in rates.lines[:4]] == [r.step_lr.tolist() for r in trace.runs]
    assert rates.lines[4].get_ydata()[0] == pytest.approx(2 / lam)  # the critical rate
    bands = [line for line in main.lines if line.get_linewidth() == 6]
    band = np.asarray(bands[1].get_ydata(), np.float64)  # step decay: its first 10 epochs
    assert np.isfinite(band[:10]).all() and np.isnan(band[10:]).all()
    assert len(fg.loss_figure(lr_trace, strings("en")).axes) == 1  # no schedule: one axis, no bands


def test_a_polynomials_data_figure_draws_the_least_squares_curve_over_the_raw_x():
    trace = record(ROOT / "scenarios" / "polynomial.yaml")
    fig = fg.data_figure(trace, strings("en"))
    curve = fig.axes[0].lines[0]
    xs, ys = np.asarray(curve.get_xdata()), np.asarray(curve.get_ydata())
    w = np.asarray(trace.analysis.minimizer)
    assert xs[0] == pytest.approx(-4.0) and xs[-1] == pytest.approx(4.0)
    assert ys[-1] == pytest.approx(w[0] + w[1] * 4 + w[2] * 16 + w[3] * 64, rel=1e-5)  # raw columns: x, x², x³


def test_the_model_formula_of_a_polynomial_has_its_powers():
    from gdanim.report import text as tx

    assert tx.model_latex(3, 3) == r"\hat{y}_i = w_0 + w_1 x_i + w_2 x_i^2 + \cdots + w_{3} x_i^{3}"
    assert tx.model_latex(1) == r"\hat{y}_i = w_0 + w_1 x_i"


def test_figures_split_with_a_forked_copy_come_out_the_same_and_its_failure_is_met_here(lr_trace, tmp_path,
                                                                                       monkeypatch):
    import os
    import threading

    done = threading.Event()
    waiting = threading.Thread(target=done.wait)
    waiting.start()
    assert not fg._may_fork()  # a process with another thread draws everything itself
    done.set()
    waiting.join()
    monkeypatch.setattr(fg, "_may_fork", lambda: True)  # earlier tests may leave tqdm's monitor thread

    labels = strings("en")
    parent = os.getpid()

    def sweep(fail_in_copy: bool = False, fail: bool = False):
        if os.getpid() != parent:
            (tmp_path / "drawn-by-a-copy").touch()
        if fail or (fail_in_copy and os.getpid() != parent):
            raise ValueError("no sweep")
        return fg.sweep_figure(lr_trace, labels)

    def plan(folder: Path, **how) -> dict:
        return {folder / "loss.png": lambda: fg.loss_figure(lr_trace, labels),
                folder / "sweep.png": lambda: sweep(**how),  # the copy's
                folder / "data.png": lambda: fg.data_figure(lr_trace, labels)}

    fg.save_pngs(plan(tmp_path / "one"))
    assert not (tmp_path / "drawn-by-a-copy").exists()
    fg.save_pngs(plan(tmp_path / "two"), split=True)
    assert (tmp_path / "drawn-by-a-copy").exists()
    fg.save_pngs(plan(tmp_path / "three", fail_in_copy=True), split=True)  # drawn here instead
    for name in ("loss.png", "sweep.png", "data.png"):
        one = (tmp_path / "one" / name).read_bytes()
        assert (tmp_path / "two" / name).read_bytes() == one == (tmp_path / "three" / name).read_bytes()
    with pytest.raises(ValueError, match="no sweep"):
        fg.save_pngs(plan(tmp_path / "four", fail=True), split=True)


def _waits_for(go: Path, mark: Path):
    """A figure that is drawn once `go` exists; `mark` gets the drawing process's id."""
    import os
    import time

    from matplotlib.figure import Figure

    def draw():
        mark.write_text(str(os.getpid()))
        while not go.exists():
            time.sleep(0.01)
        return Figure(figsize=(1, 1))
    return draw


def test_figures_begun_apart_are_drawn_while_the_caller_goes_on_and_taken_when_asked(tmp_path, monkeypatch):
    import os

    monkeypatch.setattr(fg, "_may_fork", lambda: True)  # earlier tests may leave tqdm's monitor thread
    go, mark = tmp_path / "go", tmp_path / "drawing"
    done = fg.save_pngs_apart({tmp_path / "assets" / "a.png": _waits_for(go, mark)})
    wait_for(mark.exists, "the copy drawing")  # returned at once: the copy waits for `go`
    assert int(mark.read_text()) != os.getpid() and not (tmp_path / "assets" / "a.png").exists()
    go.touch()
    done()
    assert (tmp_path / "assets" / "a.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in (tmp_path / "assets").iterdir()] == ["a.png"]


@pytest.mark.parametrize("how", ["ctrl-c", "parent killed"])
def test_a_copy_drawing_figures_stops_on_ctrl_c_and_ends_with_its_parent(tmp_path, monkeypatch, how):
    import os
    import signal

    monkeypatch.setattr(fg, "_may_fork", lambda: True)
    go, mark = tmp_path / "go", tmp_path / "drawing"
    parent = os.fork()
    if parent == 0:  # the caller (a render worker): begins the figures, then waits to be killed
        code = 1
        try:
            from gdanim import interrupt

            interrupt.note_ctrl_c()  # as in a render worker: the copy must stop all the same
            done = fg.save_pngs_apart({tmp_path / "assets" / "a.png": _waits_for(go, mark)})
            if how == "ctrl-c":
                wait_for(mark.exists, "the copy drawing")
                os.kill(int(mark.read_text()), signal.SIGINT)
                done()  # the copy stopped: drawn here instead, `go` given below
            else:
                signal.pause()
            code = 0
        finally:
            os._exit(code)
    try:
        wait_for(mark.exists, "the copy drawing")
        copy = int(mark.read_text())
        if how == "ctrl-c":
            wait_for(lambda: mark.read_text() == str(parent), "the caller drawing what the copy did not", 10)
            go.touch()
            assert os.waitstatus_to_exitcode(os.waitpid(parent, 0)[1]) == 0
            assert (tmp_path / "assets" / "a.png").is_file()
        else:
            os.kill(parent, signal.SIGKILL)
            os.waitpid(parent, 0)
            wait_for(lambda: not alive(copy), "the copy gone with its parent", 10)
            assert not (tmp_path / "assets" / "a.png").exists()
    finally:
        go.touch()
        with contextlib.suppress(ProcessLookupError, ChildProcessError):
            os.kill(parent, signal.SIGKILL)
            os.waitpid(parent, 0)
    assert [p.name for p in (tmp_path / "assets").glob("*.part*")] == []


def alive(pid: int) -> bool:
    """True while process `pid` runs (not a zombie)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_figure_cut_for_an_exercise_draws_the_asked_run_only_up_to_its_epoch(lr_trace):
    cuts = {"lr-0.0083": 10}
    lines = {line.get_label(): line for line in fg.loss_figure(lr_trace, strings("en"), cuts).axes[0].get_lines()}
    assert list(lines["lr-0.0083"].get_xdata()) == list(range(11))  # epochs 0 .. 10
    assert len(lines["lr-0.0085"].get_xdata()) == lr_trace.run("lr-0.0085").steps  # the others whole
    contour = fg.contour_figure(lr_trace, strings("en"), cuts=cuts)
    paths = {line.get_label(): line for line in contour.axes[0].get_lines()}
    assert len(paths["lr-0.0083"].get_xdata()) <= 11 < len(paths["lr-0.001"].get_xdata())
    sweep = fg.sweep_figure(lr_trace, strings("en"), cuts).axes[0].get_lines()[0]
    assert 0.0083 not in list(sweep.get_xdata()) and len(sweep.get_xdata()) == 4  # left out, not cut
