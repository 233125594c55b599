"""Frame sources: what the panels show, frame after frame."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from render_support import scenario_file

from gdanim import schema
from gdanim.api import record
from gdanim.frames.animate import PANELS, Look, compare_frames, run_frames
from gdanim.frames.style import THEMES, make_style
from gdanim.scene.schedule import compare_schedule, run_schedule
from gdanim.scene.surface import loss_grid
from gdanim.scene.views import run_view

THUMB = (320, 180)
KOREAN = "학습률에 따른 경사하강법"


@pytest.fixture(scope="module")
def trace(tmp_path_factory):
    folder = tmp_path_factory.mktemp("frames")
    extra = "stop: {max_loss: 1.0e+7}\n"
    return record(scenario_file(folder, title=KOREAN, epochs=12, lrs=(0.005, 0.02, 0.2),
                                extra=extra))


def frames_of(trace, run_index=0, panels=("fit", "surface"), theme="light", size=THUMB):
    run = trace.runs[run_index]
    grid = loss_grid(trace, [run])
    look = Look(panels, make_style(size, theme))
    return run_frames(run_view(trace, run, grid), run_schedule(run, 150), look, trace.title)


def missing_glyph_warnings(draw) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        draw()
    return [str(w.message) for w in caught if "missing from font" in str(w.message)]


def test_the_missing_glyph_check_does_catch_hangul_in_a_latin_only_font():
    fig = Figure(figsize=(3, 1))
    FigureCanvasAgg(fig)
    fig.text(0.1, 0.5, KOREAN, family="DejaVu Sans")
    assert missing_glyph_warnings(fig.canvas.draw)


def test_a_korean_title_renders_without_missing_glyphs(trace):
    found = missing_glyph_warnings(lambda: [frames_of(trace).poster(), *frames_of(trace)])
    assert found == []


def test_a_frame_has_the_preset_size_in_opaque_rgba(trace):
    source = frames_of(trace, size=(640, 360))
    poster = source.poster()
    assert poster.shape == (360, 640, 4) and source.size == (640, 360)
    assert (poster[:, :, 3] == 255).all()


def test_there_is_one_frame_per_state_and_the_line_moves_in_the_fit_panel(trace):
    source = frames_of(trace)
    shown = [f.copy() for f in source]
    assert len(shown) == trace.runs[0].steps + 1
    fit = (slice(30, 170), slice(20, 150))  # inside the left (fit) panel
    assert np.abs(shown[0][fit].astype(int) - shown[3][fit]).sum() > 1000


def test_the_last_frame_streamed_equals_the_poster_drawn_directly(trace):
    source = frames_of(trace)
    *_, last = [f.copy() for f in source]
    assert np.abs(last.astype(int) - source.poster()).mean() < 1.0


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_theme_sets_the_background(trace, theme):
    corner = frames_of(trace, theme=theme).poster()[2, 2]
    expected = tuple(int(THEMES[theme].background[i:i + 2], 16) for i in (1, 3, 5))
    assert tuple(corner[:3]) == expected


@pytest.mark.parametrize("panels", [("fit",), ("contour", "loss"), ("fit", "surface", "contour", "loss")])
def test_every_panel_combination_draws(trace, panels):
    source = frames_of(trace, panels=panels)
    assert len(list(source)) == source.count and source.poster().std() > 5


def test_a_diverging_run_keeps_finite_axes_and_is_marked(trace):
    run = trace.runs[2]
    assert run.status == "diverged"
    source = frames_of(trace, run_index=2, panels=("fit", "surface", "contour", "loss"))
    list(source)
    for ax in source.fig.axes:
        limits = [*ax.get_xlim(), *ax.get_ylim()] + (list(ax.get_zlim()) if hasattr(ax, "get_zlim") else [])
        assert np.isfinite(limits).all()
    surface, view = source.cells[0].panels[1], source.cells[0].view
    note = surface.out_text.get_text().replace("\n", " ")
    if view.plane.exit is not None:  # the note names the epoch of the x it labels
        assert note == f"leaves the view at epoch {view.epoch_label(view.plane.exit)}"
    else:
        assert note.startswith("diverged at epoch")
    assert "diverged at epoch" in source.title.get_text()


def test_the_compare_grid_has_one_titled_cell_per_run(trace):
    grid = loss_grid(trace, trace.runs)
    views = [run_view(trace, r, grid) for r in trace.runs]
    _, states = compare_schedule(trace.runs, 150)
    source = compare_frames(views, states, Look(("fit", "surface"), make_style((640, 360), "light")),
                            trace.title)
    source.poster()
    assert [c.view.run.name for c in source.cells] == [r.name for r in trace.runs]
    texts = [t.get_text() for t in source.fig.texts]
    assert all(r.name in texts for r in trace.runs)
    assert all(c.header[0].get_text().startswith(("epoch ", "done ", "diverged ", "converged "))
               for c in source.cells)
    assert len(source.fig.axes) == 2 * len(trace.runs)


def test_a_compare_grid_of_many_runs_shows_at_most_24_cells_and_says_so(trace):
    runs = trace.runs * 10
    grid = loss_grid(trace, runs)
    views = [run_view(trace, r, grid) for r in runs]
    _, states = compare_schedule(runs, 5)
    source = compare_frames(views, states, Look(("loss",), make_style((640, 360), "dark")), trace.title)
    assert len(source.cells) == 24
    assert "24 of 30 runs" in source.heading


def test_per_frame_text_from_cached_glyphs_looks_like_matplotlibs_own():
    from gdanim.frames.glyphs import GlyphText

    def canvas():
        fig = Figure(figsize=(4, 0.6), dpi=100, facecolor="white")
        FigureCanvasAgg(fig)
        return fig

    words = "epoch 12 · loss 3.5e+04"
    ours, theirs = canvas(), canvas()
    theirs.text(0.05, 0.9, words, va="top", fontsize=17, family="DejaVu Sans")
    theirs.canvas.draw()
    ours.canvas.draw()
    glyphs = GlyphText(ours, 0.05, 0.9, size=17, color="black", family="DejaVu Sans")
    glyphs.set_text(words)
    buffer = np.asarray(ours.canvas.buffer_rgba())
    glyphs.draw_into(buffer)
    a, b = buffer[:, :, 0].astype(int), np.asarray(theirs.canvas.buffer_rgba())[:, :, 0].astype(int)
    assert (a < 128).sum() == pytest.approx((b < 128).sum(), rel=0.1)  # as much ink
    cols = lambda img: np.nonzero((img < 128).any(axis=0))[0]  # noqa: E731
    rows = lambda img: np.nonzero((img < 128).any(axis=1))[0]  # noqa: E731
    assert abs(cols(a)[0] - cols(b)[0]) <= 1 and abs(cols(a)[-1] - cols(b)[-1]) <= 3
    assert abs(rows(a)[0] - rows(b)[0]) <= 1 and abs(rows(a)[-1] - rows(b)[-1]) <= 1


def test_a_run_with_its_own_normalization_is_drawn_in_its_own_units(tmp_path):
    path = tmp_path / "units.yaml"
    path.write_text(
        "data: {points: {x: [30.0, 40.0, 50.0, 60.0], y: [1.0, 2.0, 3.0, 4.0]}}\n"
        "lr: 0.03\nepochs: 3000\nloss: mse\n"
        "runs:\n  - {name: raw, lr: 0.0001}\n  - {name: scaled, normalize: 0.1}\n")
    trace = record(path)
    scaled = trace.run("scaled")
    grid = loss_grid(trace, [scaled])
    source = run_frames(run_view(trace, scaled, grid), run_schedule(scaled, 150),
                        Look(("fit", "contour"), make_style(THUMB, "light")), "units")
    fit, contour = source.cells[0].panels
    # the scaled run converges: its last line passes through the data, in raw x units
    assert fit.lines[-1] == pytest.approx([1.0 + (fit.xs[0, 0] - 30) / 10, 1.0 + (fit.xs[1, 0] - 30) / 10],
                                          abs=0.05)
    minimum = np.asarray(trace.analysis_of(scaled).minimizer)
    assert np.all(grid.lo < minimum) and np.all(minimum < grid.hi)
    assert contour.view.plane.exit is None


@pytest.mark.parametrize("params", [(1, 2), (0, 3)])
def test_several_features_draw_every_panel_as_a_slice_and_say_so(tmp_path, params):
    path = tmp_path / "three.yaml"
    path.write_text(
        "data: {synthetic: {n: 30, params: [1.0, 2.0, -1.0, 0.5]}}\nmodel: {features: 3}\n"
        "lr: 0.005\nepochs: 6\n")
    trace = record(path)
    run = trace.runs[0]
    grid = loss_grid(trace, [run], params)
    source = run_frames(run_view(trace, run, grid), run_schedule(run, 150),
                        Look(("fit", "surface", "contour", "loss"), make_style(THUMB, "dark")), "3")
    frames = [f.copy() for f in source]
    assert len(frames) == 7 and np.abs(frames[0].astype(int) - frames[-1]).sum() > 0
    notes = [t.get_text() for ax in source.fig.axes for t in ax.texts]
    assert sum("slice" in n for n in notes) == 2 and any("3 features" in n for n in notes)
    assert [ax.get_xlabel() for ax in source.fig.axes[1:3]] == [f"w{params[0]}"] * 2


def test_every_panel_and_theme_a_scenario_may_name_can_be_drawn():
    assert set(PANELS) == set(schema.PANELS)
    assert set(THEMES) == set(schema.THEMES)


def test_a_scheduled_runs_heading_shows_the_current_rate_and_its_loss_panel_the_unstable_epochs():
    trace = record("scenarios/schedules.yaml")
    run = trace.run("step-decay")
    grid = loss_grid(trace, [run])
    source = run_frames(run_view(trace, run, grid), np.arange(run.steps + 1),
                        Look(("fit", "loss"), make_style(THUMB, "light")), "schedules")
    assert source._title_text(0) == "epoch 0 · lr 0.0085 · loss 8588"
    assert source._title_text(10) == "epoch 10 · lr 0.00425 · loss 963.9"
    loss_panel = source.cells[0].panels[1]
    assert loss_panel.view.unstable_spans() == [(0.0, 10.0)]  # lr * lambda_max >= 2 for epochs 0-9
    spans = [p for p in loss_panel.ax.patches if p.get_facecolor()[3] > 0]
    assert len(spans) == 1


def test_frames_speak_the_styles_language(trace):
    from gdanim.frames.animate import status_words

    run = trace.runs[-1]  # 0.2: diverges, and its path leaves the view
    view = run_view(trace, run, loss_grid(trace, [run]))
    look = Look(("fit", "contour", "loss"), make_style((640, 360), "light", "ko"))
    source = run_frames(view, run_schedule(run, 150), look, trace.title)
    korean = [source._title_text(k) for k in range(source.count)]
    assert korean[0].startswith("0 에폭 · 손실 ") and "에폭에서 발산" in korean[-1]
    missing = missing_glyph_warnings(lambda: [source.poster(), *source])
    assert missing == []  # the per-frame heading too: its glyphs come from the Hangul font
    drawn_apart = [a for cell in source.cells for p in cell.panels for a in p._animated if isinstance(a, Text)]
    texts = [t.get_text() for t in [*source.fig.findobj(Text), *drawn_apart]]
    assert "에폭" in texts and any(t.startswith("손실 (") for t in texts)
    assert any("에폭에 화면을 벗어남" in t for t in texts) and not any("epoch" in t for t in texts)
    english = Look(("fit", "contour"), make_style((640, 360), "light"))
    assert run_frames(view, run_schedule(run, 150), english, trace.title)._title_text(0).startswith("epoch 0 · loss ")
    assert status_words(view, 1, words=look.style.words)[0] == "1 에폭"
    assert status_words(view, 1)[0] == "epoch 1"


def test_what_a_grid_leaves_out_is_said_in_the_pages_language():
    from gdanim.frames.layout import grid_plan
    from gdanim.i18n import messages

    plan = grid_plan(60, ("fit", "surface", "loss"), (1280, 720))
    assert plan.note.startswith("24 of 60 runs")
    assert plan.describe(messages("ko")).startswith("실행 60개 중 24개")


def test_the_loss_panel_draws_the_curve_up_to_the_frames_epoch_with_a_dot_on_it(trace):
    from gdanim.scene.timeline import Pacing, run_timeline

    run = trace.runs[1]
    line = run_timeline(trace, run, Pacing(duration=2.0, hold=0.2))
    source = run_frames(run_view(trace, run, None), line.pos, Look(("loss",), make_style(THUMB)), trace.title)
    panel = source.cells[0].panels[0]
    static = [ln for ln in panel.ax.get_lines() if not ln.get_animated()]
    assert all(len(ln.get_xdata()) <= 2 for ln in static)  # nothing ahead of the frame is drawn
    loss = np.append(run.loss, run.final_loss).astype(np.float64)
    for k, _frame in enumerate(source):  # each frame drawn, then its dot read
        pos = float(line.pos[k])
        (t,), (y,) = panel.dot.get_data()
        assert t == pytest.approx(line.epochs[k])
        a = int(np.floor(pos + 1e-9))
        if pos == a:
            assert y == loss[a]  # on a state: its recorded loss
        else:  # between two: on the straight piece the log axis draws between them
            f = pos - a
            assert np.log(y) == pytest.approx((1 - f) * np.log(loss[a]) + f * np.log(loss[a + 1]))
        drawn_to = max(panel.solid.get_xdata()[-1], panel.reach.get_xdata()[-1])
        assert drawn_to == pytest.approx(t)  # the curve reaches the dot and stops there


@pytest.mark.parametrize("optimizer, kinds", [("gd", ["grad"]), ("momentum", ["grad", "velocity"]),
                                               ("adam", ["step"])])
def test_the_contour_draws_the_step_about_to_be_taken_from_the_current_point(tmp_path, optimizer, kinds):
    extra = f"optimizer: {optimizer}\n" + ("momentum: 0.9\n" if optimizer == "momentum" else "")
    trace = record(scenario_file(tmp_path, epochs=4, lrs=(0.01,), extra=extra))
    run = trace.runs[0]
    grid = loss_grid(trace, [run])
    for arrows in (True, False):
        look = Look(("contour",), make_style(THUMB), arrows=arrows)
        panel = run_frames(run_view(trace, run, grid), np.arange(run.steps + 1), look, trace.title).cells[0].panels[0]
        for state in range(run.steps):
            drawn = [a for a in panel.moving(float(state)) if a in panel.pointers.values()]
            if not arrows:
                assert drawn == []
                continue
            assert [k for k in kinds if panel.pointers[k] in drawn] == kinds
            start = run.path[state].astype(np.float64)
            for kind in kinds:
                (x0, y0), (x1, y1) = panel.pointers[kind]._posA_posB
                assert (x0, y0) == pytest.approx(start)
                taken = run.path[state + 1].astype(np.float64)  # the step the point then takes
                if kind == "grad":
                    assert (x1, y1) == pytest.approx(start - run.settings.lr * run.grad[state], rel=1e-5)
                if kind in ("velocity", "step") or optimizer == "gd":
                    assert (x1, y1) == pytest.approx(taken, rel=1e-4, abs=1e-5)


def test_the_residual_squares_add_up_to_the_loss_and_look_square(trace):
    run = trace.runs[0]
    look = Look(("fit",), make_style(THUMB), residuals="auto")
    panel = run_frames(run_view(trace, run, None), np.arange(run.steps + 1), look, trace.title).cells[0].panels[0]
    assert panel.residual_kind() == "squares"  # sse
    for state in (0, 3, run.steps):
        drawn = panel.moving(float(state))
        assert panel.boxes in drawn
        boxes = panel.boxes.get_path().vertices.reshape(-1, 5, 2)  # one square of 5 vertices per point
        assert len(boxes) == trace.dataset.n
        pixels = panel.ax.transData.transform(boxes[0, :4])
        assert abs(pixels[1, 0] - pixels[0, 0]) == pytest.approx(abs(pixels[2, 1] - pixels[1, 1]), rel=1e-6)
        heights = np.abs(boxes[:, 2, 1] - boxes[:, 1, 1])
        loss = run.loss[state] if state < run.steps else run.final_loss
        assert sum(h * h for h in heights) == pytest.approx(float(loss), rel=1e-4)  # the areas are the SSE


def test_residual_lines_add_up_to_the_absolute_error_and_none_draws_nothing(trace):
    run = trace.runs[0]
    for kind in ("lines", "none"):
        look = Look(("fit",), make_style(THUMB), residuals=kind)
        panel = run_frames(run_view(trace, run, None), np.arange(run.steps + 1), look, trace.title).cells[0].panels[0]
        drawn = panel.moving(2.0)
        if kind == "none":
            assert panel.sticks not in drawn and panel.boxes not in drawn
            continue
        lengths = [abs(seg[1][1] - seg[0][1]) for seg in panel.sticks.get_segments()]
        fitted = trace.dataset.predict(run.path[2][None].astype(np.float64), trace.dataset.x_raw,
                                       trace.normalization_of(run))[0]
        assert sum(lengths) == pytest.approx(float(np.abs(trace.dataset.y - fitted).sum()), rel=1e-6)


def test_an_oscillating_run_leaves_a_fading_trail_of_its_last_lines(trace):
    run = trace.runs[1]
    panel = run_frames(run_view(trace, run, None), np.arange(run.steps + 1), Look(("fit",), make_style(THUMB)),
                       trace.title).cells[0].panels[0]
    assert panel.recent in panel.moving(5.5)  # between states 5 and 6: 5, 4 and 3 trail behind
    alphas = [c[3] for c in panel.recent.get_colors()]
    assert len(alphas) == 3 and alphas == sorted(alphas, reverse=True)  # the newest darkest
    assert [list(seg[:, 1]) for seg in panel.recent.get_segments()] == [list(panel.lines[s]) for s in (5, 4, 3)]
    assert panel.recent_states(5.0) == [4, 3, 2] and panel.recent_states(0.0) == []
