"""Captions of the videos: written from the trace, timed to the frames, each at least
1.5 s, in the page's language, and shown by Chromium."""

from __future__ import annotations

import base64
import re

import numpy as np
import pytest
from browser_support import needs_browser
from render_support import scenario_file

import gdanim
from gdanim.build import render_scenario, write_scenario_report
from gdanim.report.captions import run_captions, webvtt
from gdanim.report.strings import strings
from gdanim.scenario import load_scenario
from gdanim.scene.events import event_text, run_events
from gdanim.scene.timeline import MIN_CUE, Pacing, compare_timeline, run_timeline

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


def texts(trace, run, lang="en"):
    return {e.state: event_text(run, e, strings(lang)) for e in run_events(trace, run)}


def test_a_settled_looking_divergence_is_told_when_its_loss_starts_to_grow(lr_trace):
    run = lr_trace.run("lr-0.0083")
    events = texts(lr_trace, run)
    grows = [state for state, text in events.items() if text.startswith("the loss starts to grow")]
    first_rise = next(t for t in range(1, run.steps) if run.loss[t] > run.loss[t - 1])
    assert grows == [first_rise]
    assert "lr·λmax = 2.01 ≥ 2: every step overshoots further." in events[first_rise]
    assert events[run.steps].startswith("last epoch: loss 694")


def test_a_run_that_leaves_the_view_says_when(lr_trace):
    from gdanim.scene.surface import loss_grid, plane_path

    run = lr_trace.run("lr-0.01")
    exit_ = plane_path(run, loss_grid(lr_trace, [run], (0, 1))).exit
    assert texts(lr_trace, run)[exit_] == "the path leaves the view"


def check_cues(found, line, epochs_of_frames, prefix=r"epoch (\d+(?:\.\d+)?)"):
    """Every cue starts within the first frame showing its epoch, stays >= 1.5 s, and
    names no epoch that frame has not reached."""
    starts = [start for start, _, _ in found]
    assert starts[0] == 0 and all(b - a >= MIN_CUE - 1e-9 for a, b in zip(starts, starts[1:]))
    assert found[-1][1] - found[-1][0] >= MIN_CUE - 1e-3 and found[-1][1] >= (line.count - 1) / line.fps
    for start, _, text in found:
        frame = int(np.floor(start * line.fps + 1e-6))
        assert frame / line.fps <= start < (frame + 1) / line.fps  # on that frame, not the one before
        for named in re.findall(prefix, text):
            epoch = float(named)
            assert epochs_of_frames(frame) >= epoch - 1e-9  # the picture is there
            assert frame == 0 or epochs_of_frames(frame - 1) < epoch or line.held(frame)


@pytest.mark.parametrize("name", ["lr-0.0001", "lr-0.0083", "lr-0.01"])
def test_cues_start_on_the_first_frame_that_shows_their_epoch_and_stay_a_second_and_a_half(lr_trace, name):
    run = lr_trace.run(name)
    line = run_timeline(lr_trace, run, Pacing(max_frames=12))  # sparse: 12 of 31 states shown
    found = cues(run_captions(lr_trace, run, line, strings("en")))
    check_cues(found, line, lambda k: line.epochs[k])
    for start, _, text in found:
        frame = int(np.floor(start * line.fps + 1e-6))
        epoch = float(re.match(r"epoch (\d+)", text).group(1))
        assert line.epochs[frame] == epoch and (frame == 0 or line.epochs[frame - 1] < epoch)


def test_captions_speak_the_pages_language(lr_trace):
    run = lr_trace.run("lr-0.0083")
    text = run_captions(lr_trace, run, run_timeline(lr_trace, run, Pacing()), strings("ko"))
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
        for state, text in texts(trace, run).items():
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


FILLED = ["50.21", "2", "10", "0.25", "1e-5", "8588", "∞", "7", "손실", "lr-0.0083", "w2", "x", "263", "물",
          "Adam", "momentum", "SSE (", "1,000", "", "w = [-5, 10]"]


@needs_browser
def test_the_pages_sentences_take_their_korean_particles_as_the_frames_and_captions_do(browser, page):
    import re

    from gdanim.i18n import read_catalog, with_particles

    field = re.compile(r"\{(\w+)\}")
    cases = []
    for k, template in enumerate(t for t in read_catalog("ko").values() if "(" in t and field.search(t)):
        if re.search(r"\{[^}]*[^\w}][^}]*\}", template):
            continue  # a format spec: the page's scripts fill plain {name} fields only
        names = field.findall(template)
        cases.append((template, {n: FILLED[(k + i) % len(FILLED)] for i, n in enumerate(names)}))
    assert len(cases) > 20
    cases.append(("{a}이(가) {b}(으)로 {c}과(와) {d}(으)로 {missing}은(는)",
                  {"a": "3", "b": "8", "c": "w1", "d": "물"}))
    tab = browser.new_page()
    try:
        tab.goto(page.as_uri())
        written = tab.evaluate("(cases) => cases.map(([t, f]) => gdanim.fill(t, f))", cases)
    finally:
        tab.close()
    expected = [with_particles(field.sub(lambda m, f=fields: f.get(m.group(1), m.group(0)), template))
                for template, fields in cases]
    assert written == expected
    assert written[-1] == "3이 8로 w1과 물로 {missing}은(는)"


def test_the_grids_captions_name_each_run_on_the_frame_that_shows_its_event(lr_trace):
    from gdanim.report.captions import compare_captions
    from gdanim.scene.schedule import state_times

    line = compare_timeline(lr_trace, lr_trace.runs, Pacing())
    found = cues(compare_captions(lr_trace, lr_trace.runs, line, strings("en")))
    assert found[0][0] == 0 and found[0][2].startswith("5 runs start together")
    for start, _, text in found[1:]:
        frame = int(np.floor(start * line.fps + 1e-6))
        for row in text.split("\n"):
            name, epoch = re.match(r"(lr-[\d.]+), epoch (\d+): ", row).groups()
            j = [r.name for r in lr_trace.runs].index(name)
            assert state_times(lr_trace.runs[j])[int(np.floor(line.pos[frame, j] + 1e-9))] == float(epoch)
            assert line.epochs[frame] == float(epoch) and line.epochs[frame - 1] < float(epoch)
    said = "\n".join(t for *_, t in found)
    for run in lr_trace.runs:
        for e in run_events(lr_trace, run)[1:]:
            assert f"{run.name}, epoch {e.state}: {event_text(run, e, strings('en'))}" in said


def test_the_grid_on_the_page_has_its_captions_too(tmp_path):
    path = scenario_file(tmp_path, epochs=6, lrs=(0.01, 0.05), formats="mp4, png")
    render_scenario(path, tmp_path, jobs=1, progress=False)
    html = write_scenario_report(load_scenario(path), tmp_path / "tiny").read_text(encoding="utf-8")
    vtt = (tmp_path / "tiny" / "compare.vtt").read_text(encoding="utf-8")
    assert cues(vtt)[0][2].startswith("2 runs start together")
    inline = "data:text/vtt;charset=utf-8;base64," + base64.b64encode(vtt.encode()).decode()
    assert html.count(f'<track kind="captions" src="{inline}"') == 1


def test_the_pages_hangul_font_holds_every_character_of_its_korean_cues_and_styles_them(page):
    from fontTools.ttLib import TTFont

    html = page.read_text(encoding="utf-8")
    face = re.search(r'src: url\("([^"]*hangul[^"]*\.woff2)"\)', html) or re.search(r'url\(([^)]*hangul[^)]*)\)', html)
    font = TTFont(str(page.parent / face.group(1).strip("'\"")))
    served = {chr(c) for c in font.getBestCmap()}
    said = {c for c in (page.parent / "lr-0.01.vtt").read_text(encoding="utf-8") if "\uac00" <= c <= "\ud7af"}
    assert said and said <= served, sorted(said - served)
    css = (page.parent / "assets" / "site.css").read_text(encoding="utf-8")
    assert re.search(r'::cue\s*\{[^}]*font-family:\s*"gdanim Hangul"', css)


def test_cue_times_are_written_in_hours_minutes_seconds_and_milliseconds():
    vtt = webvtt([(59.999, 60.0, "a"), (3599.5, 3600.0, "b"), (3660.0, 3661.25, "c")])
    assert [line for line in vtt.splitlines() if "-->" in line] == [
        "00:00:59.999 --> 00:01:00.000", "00:59:59.500 --> 01:00:00.000", "01:01:00.000 --> 01:01:01.250"]


def test_a_cue_starts_at_its_frames_start_rounded_up_to_the_millisecond():
    from gdanim.report.captions import cue_time

    assert [cue_time(f, 30.0) for f in (0, 1, 30, 45)] == [0.0, 0.034, 1.0, 1.5]


def test_the_events_given_are_the_ones_told_and_those_of_one_frame_share_a_cue(lr_trace):
    from gdanim.scene.events import Event

    run = lr_trace.run("lr-0.01")
    events = [Event(0, "start"), Event(3, "overshoot"), Event(3, "grows"), Event(run.steps, "end")]
    line = run_timeline(lr_trace, run, Pacing(), events=events)
    found = cues(run_captions(lr_trace, run, line, strings("en"), events=events))
    assert [text.count("\n") for *_, text in found] == [0, 1, 0]
    assert found[1][2].startswith("epoch 3: ") and "\nepoch 3: the loss starts to grow" in found[1][2]


def test_the_view_a_video_shows_decides_whether_leaving_it_is_told(lr_trace):
    run = lr_trace.run("lr-0.01")
    line = run_timeline(lr_trace, run, Pacing())
    leaves = strings("en")["cap_leaves"]
    assert leaves in run_captions(lr_trace, run, line, strings("en"))
    assert leaves not in run_captions(lr_trace, run, line, strings("en"), pair=(0, 2))  # no such view
    from gdanim.report.captions import compare_captions

    grid = compare_timeline(lr_trace, [run], Pacing())
    assert leaves in compare_captions(lr_trace, [run], grid, strings("en"))
    assert leaves not in compare_captions(lr_trace, [run], grid, strings("en"), pair=(0, 2))


def test_the_grids_lines_of_one_frame_come_in_the_order_of_its_runs(lr_trace):
    from gdanim.report.captions import compare_captions
    from gdanim.scene.events import Event

    runs = [lr_trace.run("lr-0.01"), lr_trace.run("lr-0.0083")]  # not in the order of their names
    events = [[Event(0, "start"), Event(2, "overshoot")]] * 2
    grid = compare_timeline(lr_trace, runs, Pacing(), events=events)
    found = cues(compare_captions(lr_trace, runs, grid, strings("en"), events=events))
    assert len(found) == 2  # the start, then the one state 2 of the events given
    assert [row.split(",")[0] for row in found[1][2].split("\n")] == ["lr-0.01", "lr-0.0083"]


def test_a_mini_batch_state_is_told_at_its_fractional_epoch():
    from gdanim.scene.events import Event

    trace = gdanim.record(gdanim.parse_scenario(
        "data: {points: {x: [0, 1, 2, 3], y: [1, 3, 5.5, 6.5]}}\ninit: [0, 0]\nepochs: 4\nlr: 0.05\nbatch_size: 2\n"
        "seed: 1\n"))
    run = trace.runs[0]
    events = [Event(0, "start"), Event(1, "overshoot"), Event(run.steps, "end")]
    line = run_timeline(trace, run, Pacing(), events=events)
    found = cues(run_captions(trace, run, line, strings("en"), events=events))
    assert found[1][2].startswith("epoch 0.50: ") and found[2][2].startswith("epoch 4: ")
