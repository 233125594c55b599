"""Compare grids read at slide size: measured text sizes and extents, truthful headers."""

from __future__ import annotations

import functools
import re

import numpy as np
import pytest
from matplotlib.transforms import Bbox

from gdanim import schema
from gdanim.api import record
from gdanim.frames import layout
from gdanim.frames.animate import Look, compare_frames, run_frames
from gdanim.frames.style import make_style
from gdanim.i18n import messages
from gdanim.scene.events import run_events
from gdanim.scene.schedule import compare_schedule
from gdanim.scene.surface import loss_grid, same_units
from gdanim.scene.timeline import Pacing, run_callouts, run_timeline
from gdanim.scene.views import run_view

SWEEP = """\
title: sweep
data: {{points: {{x: [-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.5], y: [-3.0, -1.2, 0.1, 1.0, 2.2, 2.9, 4.1, 6.0]}}}}
init: [-4.0, 5.0]
loss: sse
epochs: 8
stop: {{max_loss: 1.0e+6}}
sweep: {{lr: {{from: 0.002, to: 0.2, num: {runs}, log: true}}}}
"""
RUN_COUNTS = (2, 5, 11, 24)


@functools.cache
def sweep_trace(runs: int, folder: str):
    path = f"{folder}/sweep-{runs}.yaml"
    with open(path, "w", encoding="utf-8") as f:
        f.write(SWEEP.format(runs=runs))
    return record(path)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return str(tmp_path_factory.mktemp("layout"))


def grid_source(trace, panels, size, theme="light"):
    grids = {}
    for group in same_units(trace, trace.runs):
        grid = loss_grid(trace, group)
        grids.update({r.name: grid for r in group})
    views = [run_view(trace, r, grids.get(r.name)) for r in trace.runs]
    _, states = compare_schedule(trace.runs, 150)
    return compare_frames(views, states, Look(tuple(panels), make_style(size, theme)), trace.title)


def shown_texts(ax, renderer):
    """Every visible text of an axes: tick labels, axis labels, legend, notes, the
    note the frames show once the path leaves the view."""
    if hasattr(ax, "zaxis"):  # 3-D axes draw their own tick labels, as the ticks say
        ticks = [t.label1 for axis in (ax.xaxis, ax.yaxis, ax.zaxis) for t in axis.get_major_ticks()
                 if min(axis.get_view_interval()) <= t.get_loc() <= max(axis.get_view_interval())]
        texts = [*ticks, ax.xaxis.label, ax.yaxis.label, ax.zaxis.label, *ax.texts]
    else:
        texts = [*ax.get_xticklabels(), *ax.get_yticklabels(), ax.xaxis.label, ax.yaxis.label, *ax.texts]
    if ax.get_legend() is not None:
        texts += ax.get_legend().get_texts()
    out = []
    for t in texts:
        if not t.get_visible() or not t.get_text().strip():
            continue
        box = t.get_window_extent(renderer)
        if t in ax.get_xticklabels() or t in ax.get_yticklabels():  # ticks outside the view are not drawn
            ax_box = ax.get_window_extent(renderer)
            centre = (box.x0 + box.x1) / 2 if t in ax.get_xticklabels() else (box.y0 + box.y1) / 2
            lo, hi = (ax_box.x0, ax_box.x1) if t in ax.get_xticklabels() else (ax_box.y0, ax_box.y1)
            if not lo - 1 <= centre <= hi + 1:
                continue
        out.append((t, box))
    return out


def cell_extents(source):
    """Per cell: [(what, font px, Bbox)] of every text it draws, over every frame."""
    fig = source.fig
    renderer = fig.canvas.get_renderer()
    fig.canvas.draw()
    px = fig.dpi / 72
    cells = []
    for cell in source.cells:
        found = []
        for panel in cell.panels:
            for t, box in shown_texts(panel.ax, renderer):
                found.append((t.get_text(), t.get_fontsize() * px, box))
            note = getattr(panel, "out_text", None)
            if note is not None and note.get_text():
                note.draw(renderer)  # places its box
                found.append((note.get_text(), note.get_fontsize() * px,
                              note.get_bbox_patch().get_window_extent(renderer)
                              if note.get_bbox_patch() is not None else note.get_window_extent(renderer)))
        for t in fig.texts:  # the run's name above the cell
            if t.get_text().rstrip("…") and cell.view.run.name.startswith(t.get_text().rstrip("…")) and \
                    _near(t.get_window_extent(renderer), cell.panels[0].ax.get_window_extent(renderer)):
                found.append((t.get_text(), t.get_fontsize() * px, t.get_window_extent(renderer)))
        for state in np.unique(cell.states):
            for line, text in zip(cell.header, cell.status(int(state))):
                line.set_text(text)
                found.append((text, line.size * px, Bbox.from_extents(*line.extent())))
        cells.append(found)
    return cells


def _near(text_box, ax_box) -> bool:
    return ax_box.x0 - 60 <= (text_box.x0 + text_box.x1) / 2 <= ax_box.x1 + 60 and \
        0 <= text_box.y0 - ax_box.y1 <= 120


def overlaps(a: Bbox, b: Bbox, slack: float = 0.5) -> bool:
    return a.x0 < b.x1 - slack and b.x0 < a.x1 - slack and a.y0 < b.y1 - slack and b.y0 < a.y1 - slack


def check_readable(source, size):
    """The 14 px rule and no text of a cell on another cell; returns the smallest text px."""
    cells = cell_extents(source)
    floor = layout.min_text_px(size)
    smallest = min(px for found in cells for _, px, _ in found)
    assert smallest >= floor - 1e-6, [(w, px) for found in cells for w, px, _ in found if px < floor]
    width, height = size
    for found in cells:
        for what, _, box in found:
            assert box.x0 >= -0.5 and box.x1 <= width + 0.5 and box.y0 >= -0.5 and box.y1 <= height + 0.5, what
    heading = source.fig.texts[0]  # the scenario's title and what the grid leaves out
    assert heading.get_text() == source.heading
    top = heading.get_window_extent(source.fig.canvas.get_renderer())
    assert heading.get_fontsize() * source.fig.dpi / 72 >= floor and top.x0 >= 0 and top.x1 <= width
    assert not [w for found in cells for w, _, box in found if overlaps(box, top)]
    for cell, found in zip(source.cells, cells):  # a note on a plot runs into no text of its cell
        said = {p.out_text.get_text() for p in cell.panels if getattr(p, "out_text", None) is not None}
        notes = [box for w, _, box in found if w in said and w]
        others = [(w, box) for w, _, box in found if w not in said]
        assert not [w for n in notes for w, box in others if overlaps(n, box)]
    for i, a in enumerate(cells):
        ink_a = [box for _, _, box in a] + [p.ax.get_window_extent() for p in source.cells[i].panels]
        for j, b in enumerate(cells):
            if i == j:
                continue
            for what, _, box in b:
                hit = [k for k, other in enumerate(ink_a) if overlaps(box, other)]
                assert not hit, f"{what!r} of cell {j} runs into cell {i}"
    return smallest


@pytest.mark.parametrize("preset", sorted(schema.PRESETS))
@pytest.mark.parametrize("runs", RUN_COUNTS)
def test_compare_texts_are_at_least_14_px_at_slide_scale_and_stay_in_their_cell(folder, runs, preset):
    size = schema.PRESETS[preset]
    source = grid_source(sweep_trace(runs, folder), ("fit", "surface"), size)
    assert len(source.cells) == len(source.plan.picked) == runs  # 24 runs fit without picking
    smallest = check_readable(source, size)
    assert smallest / layout.frame_scale(size) >= 14


@pytest.mark.parametrize("runs", RUN_COUNTS)
def test_every_panel_at_once_drops_what_does_not_fit_and_says_so(folder, runs):
    size = schema.PRESETS["hd"]
    source = grid_source(sweep_trace(runs, folder), ("fit", "surface", "contour", "loss"), size, "dark")
    check_readable(source, size)
    plan = source.plan
    if len(plan.kinds) < 4:
        assert plan.note and plan.note in source.heading
        assert any(plan.note in t.get_text() for t in source.fig.texts)
    assert "surface" not in plan.kinds or runs <= 5


def test_more_runs_than_cells_are_picked_evenly_with_the_first_and_the_last():
    plan = layout.grid_plan(60, ("contour", "loss"), (1280, 720))
    assert len(plan.picked) == layout.MAX_CELLS and plan.picked[0] == 0 and plan.picked[-1] == 59
    assert plan.note.startswith("24 of 60 runs")


def test_a_tiny_frame_still_gets_one_cell():
    plan = layout.grid_plan(5, ("surface",), (200, 100))
    assert plan.picked == (0,) and plan.rows == plan.cols == 1


THERMOMETER = """\
title: thermometer
data:
  points:
    x: [35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4]
    y: [0.5, 14.0, 15.0, 28.0, 11.0, 8.0, 3.0, -4.0, 6.0, 13.0, 21.0]
init: [0.0, 1.0]
loss: mse
runs:
  - {name: raw-lr-1e-2, lr: 1.0e-2, epochs: 100}
  - {name: raw-lr-1e-4, lr: 1.0e-4, epochs: 100}
  - {name: scaled-lr-1e-2, lr: 1.0e-2, epochs: 600, normalize: 0.1}
"""


@pytest.fixture(scope="module")
def thermometer(tmp_path_factory):
    path = tmp_path_factory.mktemp("thermo") / "t.yaml"
    path.write_text(THERMOMETER)
    trace = record(path)
    return trace, grid_source(trace, ("fit", "contour"), (640, 360))


def test_each_cell_says_its_own_epoch_or_how_its_run_ended_in_every_frame(thermometer):
    trace, source = thermometer
    assert trace.run("raw-lr-1e-2").status == "diverged"
    assert source.title is None  # no epoch for the whole grid: the runs are at different ones
    for k, _ in enumerate(source):  # what each frame draws
        for cell in source.cells:
            state, v = int(cell.states[k]), cell.view
            words = " · ".join(line.get_text() for line in cell.header if line.get_text())
            last = len(v.times) - 1
            if v.diverged_by(state):
                assert words == f"diverged at epoch {v.diverged_at:.0f}"
            elif state == last:
                ended = {"converged": "converged", "max_epochs": "done"}[v.run.status]
                assert words.startswith(f"{ended} at epoch {v.epoch_label(last)}")
            elif np.isfinite(v.loss[state]):
                assert re.fullmatch(rf"epoch {v.epoch_label(state)} · loss \S+", words), words
            else:
                assert words == f"epoch {v.epoch_label(state)}"
    ends = [" · ".join(c.status(int(c.states[-1]))) for c in source.cells]
    assert ends[0].startswith("diverged at epoch ") and ends[1].startswith("done at epoch 100")
    assert ends[2].startswith("done at epoch 600")


def test_the_x_where_the_path_leaves_the_view_and_its_note_name_the_same_epoch(thermometer):
    trace, source = thermometer
    cell = source.cells[0]
    contour = cell.panels[1]
    exit_ = cell.view.plane.exit
    assert exit_ is not None and exit_ < cell.view.last_finite
    number = re.search(r"epoch (\S+)", contour.out_text.get_text().replace("\n", " ")).group(1)
    assert number == cell.view.epoch_label(exit_)
    mark = cell.view.plane.boundary
    before, after = cell.view.plane.points[exit_ - 1], cell.view.plane.points[exit_]
    t = (mark - before) / (after - before)
    assert np.allclose(t, t[0]) and 0 <= t[0] <= 1  # the x sits on the step that leaves


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_notes_on_plots_sit_in_a_box_of_the_theme_background(folder, theme):
    source = grid_source(sweep_trace(5, folder), ("contour",), (1280, 720), theme)
    notes = [p.out_text for c in source.cells for p in c.panels if p.out_text.get_text()]
    assert notes
    background = make_style((1280, 720), theme).theme.background
    from matplotlib.colors import to_hex

    for note in notes:
        patch = note.get_bbox_patch()
        assert patch is not None and to_hex(patch.get_facecolor()) == background.lower()
        assert patch.get_alpha() >= 0.8


@pytest.mark.parametrize("size", [(1280, 720), (640, 360)])
def test_a_callout_covers_no_panel_and_no_legend(folder, size):
    """The callout has its own strip between the title and the panels: on every frame
    that shows one, its box overlaps no axes and no legend."""
    trace = sweep_trace(5, folder)
    run = trace.runs[-1]  # the largest rate: it overshoots, grows and leaves the view
    events = run_events(trace, run)
    line = run_timeline(trace, run, Pacing(duration=2.0, hold=0.2), events=events)
    callouts = run_callouts(run, events, line, messages("en"))
    assert callouts
    source = run_frames(run_view(trace, run, loss_grid(trace, [run])), line.pos,
                        Look(("fit", "surface", "loss"), make_style(size)), trace.title, callouts=callouts)
    renderer = source.fig.canvas.get_renderer()
    axes = [p.ax for p in source.cells[0].panels]
    covered = [ax.get_window_extent(renderer) for ax in axes]
    covered += [ax.get_legend().get_window_extent(renderer) for ax in axes if ax.get_legend() is not None]
    for first, _, _ in source.callouts:
        source.poster(frame=first)  # draws the frame, callout and all
        box = source.note.get_bbox_patch().get_window_extent(renderer)
        assert source.note.get_text()
        assert not any(box.overlaps(area) for area in covered), (source.note.get_text(), box, covered)
