"""Captions of the videos: written from the trace, timed to the frames, one cue a second
at most, in the page's language, and shown by Chromium."""

from __future__ import annotations

import base64
import re

import pytest
from browser_support import needs_browser
from render_support import scenario_file

import gdanim
from gdanim.build import render_scenario, write_scenario_report
from gdanim.report.captions import run_captions, run_events, webvtt
from gdanim.report.strings import strings
from gdanim.scenario import load_scenario
from gdanim.scene.schedule import run_schedule

CUE = re.compile(r"(\d\d):(\d\d):(\d\d)\.(\d{3}) --> (\d\d):(\d\d):(\d\d)\.(\d{3})\n(.+?)(?:\n\n|\Z)", re.S)


def cues(vtt: str) -> list[tuple[float, float, str]]:
    assert vtt.startswith("WEBVTT\n\n")
    out = []
    for m in CUE.finditer(vtt):
        h, mi, se, ms, h2, mi2, se2, ms2 = map(int, m.groups()[:8])
        out.append((h * 3600 + mi * 60 + se + ms / 1000, h2 * 3600 + mi2 * 60 + se2 + ms2 / 1000, m.group(9).strip()))
    return out


@pytest.fixture(scope="module")
def lr_trace():
    return gdanim.record("scenarios/lr.yaml")


def test_a_settled_looking_divergence_is_told_when_its_loss_starts_to_grow(lr_trace):
    run = lr_trace.run("lr-0.0083")
    events = dict(run_events(lr_trace, run, strings("en"), (0, 1)))
    grows = [state for state, text in events.items() if text.startswith("the loss starts to grow")]
    first_rise = next(t for t in range(1, run.steps) if run.loss[t] > run.loss[t - 1])
    assert grows == [first_rise]
    assert "lr·λmax = 2.01 ≥ 2: every step overshoots further." in events[first_rise]
    assert events[run.steps].startswith("last epoch: loss 694")


def test_a_run_that_leaves_the_view_says_when(lr_trace):
    from gdanim.scene.surface import loss_grid, plane_path

    run = lr_trace.run("lr-0.01")
    exit_ = plane_path(run, loss_grid(lr_trace, [run], (0, 1))).exit
    assert (exit_, "the path leaves the view") in run_events(lr_trace, run, strings("en"), (0, 1))


def test_cues_start_on_the_frame_that_shows_their_epoch_and_at_most_one_a_second(lr_trace):
    run = lr_trace.run("lr-0.01")
    frames = run_schedule(run, 12)  # sparse: 12 frames for 31 states
    found = cues(run_captions(lr_trace, run, frames, 10, 5, strings("en")))
    starts = [start for start, _, _ in found]
    assert starts[0] == 0 and all(b - a >= 1.0 for a, b in zip(starts, starts[1:]))
    assert all(end > start for start, end, _ in found) and found[-1][1] >= (len(frames) + 5) / 10
    for start, _, text in found:
        epoch = int(re.match(r"epoch (\d+)", text).group(1))
        frame = round(start * 10)
        assert frames[frame] >= epoch and (frame == 0 or frames[frame - 1] < epoch)


def test_captions_speak_the_pages_language(lr_trace):
    text = run_captions(lr_trace, lr_trace.run("lr-0.0083"), run_schedule(lr_trace.run("lr-0.0083"), 150),
                        10, 10, strings("ko"))
    assert "0 에폭: w = [-5, 10]에서 시작" in text and "손실이 다시 커지기 시작합니다" in text


def test_a_cue_cannot_end_early_by_an_arrow_in_its_text():
    assert webvtt([(0.0, 1.5, "a --> b")]) == "WEBVTT\n\n00:00:00.000 --> 00:00:01.500\na -> b\n"


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    out = tmp_path_factory.mktemp("captions")
    path = scenario_file(out, epochs=12, lrs=(0.01,), formats="mp4, png")
    render_scenario(path, out, jobs=1, progress=False)
    return write_scenario_report(load_scenario(path), out / "tiny", lang="ko")


def test_the_page_links_a_captions_track_and_the_embed_snippet_carries_it(page):
    html = page.read_text(encoding="utf-8")
    vtt = (page.parent / "lr-0.01.vtt").read_bytes()
    inline = "data:text/vtt;charset=utf-8;base64," + base64.b64encode(vtt).decode()
    assert f'<track kind="captions" src="{inline}" srclang="ko" label="한국어" default>' in html
    assert vtt.startswith(b"WEBVTT")
    assert "&lt;track kind=&#34;captions&#34; src=&#34;lr-0.01.vtt&#34;" in html or \
        '&lt;track kind="captions" src="lr-0.01.vtt"' in html


@needs_browser
def test_chromium_reads_every_cue_of_the_track(browser, page):
    tab = browser.new_page()
    try:
        tab.goto(page.as_uri())
        tab.wait_for_function("() => { const t = document.querySelector('video').textTracks[0];"
                              " return t && t.cues && t.cues.length > 0; }", timeout=10_000)
        seen = tab.evaluate("[...document.querySelector('video').textTracks[0].cues]"
                            ".map(c => [c.startTime, c.text])")
    finally:
        tab.close()
    expected = cues((page.parent / "lr-0.01.vtt").read_text(encoding="utf-8"))
    assert [(round(s, 3), t) for s, t in seen] == [(round(s, 3), t) for s, _, t in expected]


def test_a_scheduled_run_is_told_the_rate_of_the_step_that_grows_the_loss():
    trace = gdanim.record("scenarios/schedules.yaml")
    lam = max(trace.analysis.spectra[trace.loss].eigenvalues)
    for run in trace.runs:
        for state, text in run_events(trace, run, strings("en"), (0, 1)):
            if text.startswith("the loss starts to grow"):
                rate = float(run.step_lr[state - 1])
                assert (f"lr·λmax = {rate * lam:.3g}" in text) == (rate * lam >= 2), (run.name, text)


NUMBERS = [8587.6875, 2776.2, 0.00824, 5.188e11, 32500.0, -32500.0, 1.2e-5, 999.95, 9999.6, 0.1, 1.0,
           12.5, 123456.0, 7.253e9, -0.5, 0.0]


@needs_browser
def test_the_page_writes_numbers_as_the_table_frames_and_captions_do(browser, page):
    from gdanim.numbers import num

    tab = browser.new_page()
    try:
        tab.goto(page.as_uri())
        written = tab.evaluate("(values) => values.map((v) => gdanim.num(v))", NUMBERS)
        infinite = tab.evaluate("[gdanim.num(null), gdanim.num(Infinity), gdanim.num(-Infinity)]")
    finally:
        tab.close()
    assert written == [num(v) for v in NUMBERS]
    assert infinite == [num(float("nan")), num(float("inf")), num(float("-inf"))] == ["∞", "∞", "−∞"]


def test_the_grids_captions_name_each_runs_events_on_the_frame_that_shows_them(lr_trace):
    from gdanim.report.captions import compare_captions
    from gdanim.scene.schedule import compare_schedule

    _, states = compare_schedule(lr_trace.runs, 150)
    found = cues(compare_captions(lr_trace, lr_trace.runs, states, 10, 10, strings("en")))
    assert found[0][0] == 0 and found[0][2].startswith("5 runs start together")
    text = "\n".join(t for _, _, t in found)
    for run in lr_trace.runs:
        for state, event in run_events(lr_trace, run, strings("en"), (0, 1))[1:]:
            frame = int(next(k for k in range(len(states)) if states[k, lr_trace.runs.index(run)] >= state))
            line = f"{run.name}, epoch {state}: {event}"
            assert line in text, line
            start = max(s for s, _, t in found if line in t.split("\n"))
            assert start <= frame / 10 < start + 1.0 + 1e-9  # in the cue of its second
    starts = [s for s, _, _ in found]
    assert all(b - a >= 1.0 for a, b in zip(starts, starts[1:]))


def test_the_grid_on_the_page_has_its_captions_too(tmp_path):
    path = scenario_file(tmp_path, epochs=6, lrs=(0.01, 0.05), formats="mp4, png")
    render_scenario(path, tmp_path, jobs=1, progress=False)
    html = write_scenario_report(load_scenario(path), tmp_path / "tiny").read_text(encoding="utf-8")
    vtt = (tmp_path / "tiny" / "compare.vtt").read_text(encoding="utf-8")
    assert cues(vtt)[0][2].startswith("2 runs start together")
    inline = "data:text/vtt;charset=utf-8;base64," + base64.b64encode(vtt.encode()).decode()
    assert html.count(f'<track kind="captions" src="{inline}"') == 1
