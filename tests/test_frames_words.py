"""Every word drawn in Korean output is Korean: each panel, the grid, the handout frames
and page, the callouts; only symbols (w0, lr, λmax, SSE, MSE, MAE, Huber) stay Latin."""

from __future__ import annotations

import re

import numpy as np
import pytest
from matplotlib.text import Text
from render_support import scenario_file

import gdanim
from gdanim.frames.animate import Look, compare_frames, run_frames
from gdanim.frames.handout import frame_style, handout_figure
from gdanim.frames.style import make_style
from gdanim.i18n import messages
from gdanim.render.handout import compare_handout, run_handout
from gdanim.scene.events import run_events
from gdanim.scene.surface import loss_grid
from gdanim.scene.timeline import Pacing, compare_callouts, compare_timeline, knot_states, run_callouts, run_timeline
from gdanim.scene.views import run_view

SYMBOLS = {"lr", "SSE", "MSE", "MAE", "SAE", "HUBER", "Huber", "OLS",
           "gd", "sgd", "momentum", "nesterov", "adam", "rmsprop", "adagrad"}  # as the scenario spells them
PANELS = ("fit", "surface", "contour", "loss")


def english(text: str, names=()) -> list[str]:
    """The Latin words of two letters or more in `text` that are not symbols or names."""
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, " ")
    text = re.sub(r"\$[^$]*\$", " ", text)  # tick labels: 10^{3} in mathtext
    text = text.replace("λmax", " ").replace("λmin", " ")
    return [w for w in re.findall(r"[A-Za-z]{2,}", text) if w not in SYMBOLS]


def drawn(source) -> list[str]:
    """Every text a frame source draws: its figure's Texts, and per frame the title,
    the grids' status lines and the callouts."""
    texts = [t.get_text() for t in source.fig.findobj(Text)]
    for k in range(source.count):
        if source.title is not None:
            texts.append(source._title_text(k))
        for cell in source.cells:
            texts += cell.status(int(np.floor(cell.states[k] + 1e-9)))
    texts += [text for *_, text in source.callouts]
    return texts


@pytest.fixture(scope="module")
def traces(tmp_path_factory):
    root = tmp_path_factory.mktemp("words")
    extra = "lang: ko\n"
    one = scenario_file(root, "one", title="한 변수", epochs=6, lrs=(0.005, 0.03, 0.06), extra=extra)
    text = one.read_text().replace("  synthetic: {n: 20, seed: 1, x: randn, params: [2.5, 4.0], noise: 0.5}",
                                   "  synthetic: {n: 20, seed: 1, x: randn, params: [2.5, 4.0], noise: 0.5}\n"
                                   "  outliers: {x: [1.5], y: [-8.0]}")
    one.write_text(text)
    many = scenario_file(root, "many", title="여러 실행", epochs=3,
                         lrs=tuple(0.002 * (i + 1) for i in range(11)), extra=extra)
    wide = scenario_file(root, "wide", title="두 특성", epochs=4, lrs=(0.01,), extra=extra)
    wide.write_text(wide.read_text().replace("x: randn, params: [2.5, 4.0]", "x: randn, params: [2.5, 4.0, -1.0]")
                    .replace("init: [-5.0, 10.0]", "init: [-5.0, 10.0, 0.0]\nmodel: {features: 2}"))
    huber = scenario_file(root, "huber", title="후버", epochs=4, lrs=(0.01,), extra=extra)
    huber.write_text(huber.read_text().replace("loss: sse", "loss: huber"))
    return [gdanim.record(p) for p in (one, many, wide, huber)]


def test_every_panel_of_every_run_speaks_korean(traces):
    ko = messages("ko")
    found = {}
    for trace in traces:
        names = [r.name for r in trace.runs]
        for run in trace.runs:
            grid = loss_grid(trace, [run])
            events = run_events(trace, run)
            line = run_timeline(trace, run, Pacing(duration=1.0, hold=0.2), events=events)
            looks = [Look(PANELS, make_style((640, 360), "light", "ko")), Look(PANELS, frame_style("ko")),
                     Look(("fit", "surface"), make_style((1280, 720), "dark", "ko"))]  # room for the 3-D axis label
            for look in looks if run is trace.runs[0] else looks[:2]:
                source = run_frames(run_view(trace, run, grid), line.pos, look, trace.title,
                                    callouts=run_callouts(run, events, line, ko))
                if look.panels == ("fit", "surface"):
                    assert source.cells[0].panels[1].ax.get_zlabel()  # drawn, so it is checked
                for text in drawn(source):
                    if english(text, names):
                        found[text] = english(text, names)
    assert found == {}


def test_the_grid_and_the_handouts_speak_korean(traces):
    ko = messages("ko")
    found = {}
    for trace in traces:
        names = [r.name for r in trace.runs]
        grids = {r.name: loss_grid(trace, trace.runs) for r in trace.runs} if trace.dataset.features == 1 else {}
        views = [run_view(trace, r, grids.get(r.name) or loss_grid(trace, [r])) for r in trace.runs]
        events = [run_events(trace, r) for r in trace.runs]
        line = compare_timeline(trace, trace.runs, Pacing(duration=1.0, hold=0.2), events=events)
        for style in (make_style((1280, 720), "dark", "ko"), frame_style("ko")):
            source = compare_frames(views, line.pos, Look(PANELS, style), trace.title,
                                    callouts=compare_callouts(trace.runs, events, line, ko))
            texts = drawn(source)
            spec = compare_handout(trace, line.knots, knot_states(line), grids, source.plan.picked, "ko")
            image = np.zeros((9, 16, 4), np.uint8)
            texts += [t.get_text() for t in handout_figure(spec, [image] * len(spec.shots)).findobj(Text)]
            run = trace.runs[0]
            one = run_handout(trace, run, run_timeline(trace, run, Pacing()).knots, loss_grid(trace, [run]), "ko")
            texts += [t.get_text() for t in handout_figure(one, [image] * len(one.shots)).findobj(Text)]
            for text in texts:
                if english(text, names):
                    found[text] = english(text, names)
    assert found == {}
    assert any("실행 11개 중" in t or "패널 생략" in t for t in texts) or len(traces[1].runs) == 11


def test_the_finder_would_see_an_english_label():
    assert english("에폭 3 · loss 12.5") == ["loss"]
    assert english("lr-0.01: lr = 0.01 · λmax 2 · SSE · w0", ["lr-0.01"]) == []
