"""render_scenario: record, then every run and the compare grid in every format."""

from __future__ import annotations

import pytest
from PIL import Image
from render_support import probe, scenario_file

import gdanim
from gdanim.build import render_scenario
from gdanim.render import RenderResult, settings_for
from gdanim.render import pipeline as pipeline_module
from gdanim.scenario import load_scenario
from gdanim.scene.surface import RenderError
from gdanim.scene.timeline import compare_timeline, run_timeline


def test_every_run_and_the_compare_grid_are_written_in_every_format(tmp_path):
    path = scenario_file(tmp_path, epochs=3)
    result = render_scenario(path, tmp_path / "out", jobs=1, progress=False)
    assert isinstance(result, RenderResult) and result.ok
    folder = tmp_path / "out" / "tiny"
    assert result.folder == folder
    assert set(result.runs) == {"lr-0.01", "lr-0.03"}
    for files in [*result.runs.values(), result.compare]:
        assert set(files) == {"mp4", "gif", "png"}
        assert all(p.parent == folder and p.is_file() for p in files.values())
    info = probe(result.runs["lr-0.01"]["mp4"])
    line = run_timeline(result.trace, result.trace.run("lr-0.01"), settings_for(load_scenario(path).spec.render).pacing)
    assert (info.codec, info.pix_fmt, info.width, info.height, info.frames) == ("h264", "yuv420p", 640, 360, line.count)
    grid = compare_timeline(result.trace, result.trace.runs, settings_for(load_scenario(path).spec.render).pacing)
    with Image.open(result.compare["gif"]) as im:  # every 3rd frame of 30 a second
        assert (im.n_frames, im.info["loop"], im.info["duration"]) == (-(-grid.count // 3), 0, 100)
    assert (folder / "trace.json").is_file() and (folder / "lr-0.01.csv").is_file()
    leftovers = [p.name for p in folder.iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_the_hold_adds_copies_of_the_last_frame(tmp_path):
    counts = []
    for hold in (2.0, 3.0):
        path = scenario_file(tmp_path, epochs=3, lrs=(0.01,), formats="mp4", extra=f"  hold: {hold}\n")
        path.write_text(path.read_text().replace("  hold: 0\n", ""))
        result = render_scenario(path, tmp_path / str(hold), jobs=1, progress=False)
        counts.append(probe(result.runs["lr-0.01"]["mp4"]).frames)
    assert counts[1] - counts[0] == 30  # one second more at 30 frames a second
    assert result.compare == {}  # a single run has no grid


def test_runs_render_in_parallel_processes_with_the_same_files(tmp_path):
    path = scenario_file(tmp_path, epochs=2, formats="png, gif")
    result = render_scenario(path, tmp_path / "two", jobs=2, progress=False)
    alone = render_scenario(path, tmp_path / "one", jobs=1, progress=False)
    assert result.ok and set(result.runs) == {"lr-0.01", "lr-0.03"} and result.compare["png"].is_file()

    def files(folder):
        return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}

    assert sorted(files(result.folder)) == sorted(files(alone.folder)) == [
        "compare.gif", "compare.png", "lr-0.01.csv", "lr-0.01.gif", "lr-0.01.png", "lr-0.03.csv", "lr-0.03.gif",
        "lr-0.03.png", "trace.json"]
    assert files(result.folder) == files(alone.folder)


def test_the_same_scenario_gives_the_same_trace_json_byte_for_byte(tmp_path):
    path = scenario_file(tmp_path, epochs=3, formats="png")
    render_scenario(path, tmp_path / "a", jobs=1, progress=False)
    render_scenario(path, tmp_path / "b", jobs=1, progress=False)
    assert (tmp_path / "a/tiny/trace.json").read_bytes() == (tmp_path / "b/tiny/trace.json").read_bytes()


def test_a_failing_run_does_not_stop_the_others(tmp_path, monkeypatch):
    real = pipeline_module._animate

    def flaky(job, name, position):
        if name == "lr-0.03":
            raise ValueError("no pixels today")
        return real(job, name, position)

    monkeypatch.setattr(pipeline_module, "_animate", flaky)
    result = render_scenario(scenario_file(tmp_path, epochs=2, formats="png"), tmp_path,
                             jobs=1, progress=False)
    assert not result.ok
    assert result.failures == (("lr-0.03", "ValueError: no pixels today"),)
    assert set(result.runs) == {"lr-0.01"} and result.compare["png"].is_file()
    assert not (tmp_path / "tiny" / "lr-0.03.png").exists()


def test_arguments_override_the_scenario_only_when_given():
    spec = load_scenario_text("render: {preset: thumb, fps: 25, theme: dark, formats: [gif]}")
    kept = settings_for(spec.render)
    assert (kept.size, kept.fps, kept.theme, kept.formats) == ((640, 360), 25, "dark", ("gif",))
    over = settings_for(spec.render, formats=["png"], preset="hd", fps=60, theme="light")
    assert (over.size, over.fps, over.theme, over.formats) == ((1280, 720), 60, "light", ("png",))


@pytest.mark.parametrize("kwargs, match", [({"formats": ["avi"]}, "format"), ({"preset": "4k"}, "preset"),
                                           ({"fps": 10}, "fps"), ({"theme": "sepia"}, "theme")])
def test_unknown_settings_are_refused_with_gdanim_errors(kwargs, match):
    spec = load_scenario_text("")
    with pytest.raises(RenderError, match=match):
        settings_for(spec.render, **kwargs)


def test_surface_params_beyond_the_model_are_refused_before_recording(tmp_path):
    path = scenario_file(tmp_path, extra="  surface: {params: [0, 3]}\n")
    with pytest.raises(RenderError, match="surface.params"):
        render_scenario(path, tmp_path, jobs=1, progress=False)
    assert not (tmp_path / "tiny").exists()


def test_show_returns_an_html5_video(tmp_path):
    html = gdanim.show(scenario_file(tmp_path, epochs=2, lrs=(0.01,)))
    text = html if isinstance(html, str) else html.data
    assert text.startswith("<video") and "data:video/mp4;base64," in text


def load_scenario_text(extra: str):
    from gdanim.scenario import parse_scenario

    text = "data: {synthetic: {n: 10}}\n" + extra + "\n"
    return parse_scenario(text, "x.yaml").spec


def test_gdanim_render_is_render_scenario(tmp_path):
    import gdanim.render as render_module

    result = gdanim.render(scenario_file(tmp_path, epochs=1, lrs=(0.01,), formats="png"), tmp_path,
                           jobs=1, progress=False)
    assert isinstance(result, RenderResult) and result.runs["lr-0.01"]["png"].is_file()
    assert isinstance(render_module(scenario_file(tmp_path, "b", epochs=1, lrs=(0.01,), formats="png"),
                                    tmp_path, jobs=1, progress=False), RenderResult)


def test_a_run_name_that_would_leave_the_folder_fails_that_run_and_writes_nothing_outside(tmp_path):
    import dataclasses

    from gdanim.api import record

    trace = record(scenario_file(tmp_path, epochs=1, lrs=(0.01, 0.03)))
    evil = dataclasses.replace(trace.runs[1], settings=dataclasses.replace(
        trace.runs[1].settings, name="../escaped"))
    trace = dataclasses.replace(trace, runs=(trace.runs[0], evil))
    settings = settings_for(load_scenario_text("").render, formats=["png"], preset="thumb")
    folder = tmp_path / "out" / "tiny"
    result = pipeline_module.render_trace(trace, folder, settings, jobs=1, progress=False)
    assert [name for name, _ in result.failures] == ["../escaped"]
    assert "outside" in result.failures[0][1]
    assert not (tmp_path / "out" / "escaped.png").exists()
    assert (folder / "lr-0.01.png").is_file()


def test_a_render_asked_to_keep_nothing_digests_nothing_and_one_given_digests_keeps_what_matches(tmp_path):
    from gdanim.api import record

    trace = record(scenario_file(tmp_path, epochs=1, lrs=(0.01, 0.03)))
    settings = settings_for(load_scenario_text("").render, formats=["png"], preset="thumb")
    folder = tmp_path / "out" / "tiny"
    plain = pipeline_module.render_trace(trace, folder, settings, jobs=1, progress=False)
    assert plain.keys == {} and plain.kept == ()  # `gdanim render` pays no digest of a long trace
    keyed = pipeline_module.render_trace(trace, folder, settings, jobs=1, progress=False, keep={})
    assert set(keyed.keys) == {"lr-0.01", "lr-0.03", "compare"} and keyed.kept == ()
    again = pipeline_module.render_trace(trace, folder, settings, jobs=1, progress=False, keep=keyed.keys)
    assert sorted(again.kept) == ["compare", "lr-0.01", "lr-0.03"] and again.keys == keyed.keys


def test_an_error_found_while_recording_comes_back_whole_from_the_recording_process(tmp_path):
    from gdanim.errors import ScenarioError

    path = tmp_path / "nodata.yaml"
    path.write_text("data:\n  csv: {path: missing.csv, x: a, y: b}\n")
    with pytest.raises(ScenarioError) as caught:
        render_scenario(path, tmp_path, progress=False)
    (problem,) = caught.value.problems
    assert (problem.line, problem.key) == (2, "data.csv.path") and "no such CSV file" in problem.message


def test_the_recording_process_gives_the_same_trace_as_recording_here(tmp_path):
    from gdanim.api import record
    from gdanim.build.scenario import record_apart
    from gdanim.scenario import load_scenario
    from gdanim.trace import dumps

    scenario = load_scenario(scenario_file(tmp_path, epochs=3))
    trace, folder = record_apart(scenario, tmp_path / "out")
    assert folder == tmp_path / "out" / "tiny" and dumps(trace) == dumps(record(scenario))


def test_the_recording_child_started_ahead_records_the_next_scenario_and_ends(tmp_path):
    from gdanim.api import record
    from gdanim.build.recording import Recorder, record_ahead
    from gdanim.build.scenario import record_apart
    from gdanim.trace import dumps

    scenario = load_scenario(scenario_file(tmp_path, epochs=3))
    record_ahead()
    child = Recorder.waiting
    assert child is not None and child.process.is_alive()  # loading torch before it is asked
    trace, _ = record_apart(scenario, tmp_path / "out")
    assert dumps(trace) == dumps(record(scenario))
    assert Recorder.waiting is None and not child.process.is_alive()
    record_apart(scenario, tmp_path / "again")  # the next recording starts its own child
    assert (tmp_path / "again" / "tiny" / "trace.json").is_file()


def test_a_forked_process_does_not_take_the_recording_child_of_its_parent():
    import os

    from gdanim.build.recording import Recorder, record_ahead

    record_ahead()
    child = Recorder.waiting
    try:
        pid = os.fork()
        if pid == 0:  # a worker forked from the command: the child is its parent's
            os._exit(0 if Recorder.ahead() is None else 1)
        assert os.waitpid(pid, 0)[1] == 0
        assert Recorder.ahead() is child is not None
    finally:  # ended, not only forgotten: a child left waiting holds open every pipe it was forked with
        Recorder.waiting = None
        child.close()


def test_a_recording_child_that_died_is_reported_and_leaves_no_partial_file(tmp_path, monkeypatch):
    from gdanim.build.recording import Recorder
    from gdanim.build.scenario import record_apart
    from gdanim.errors import MachineError

    dead = Recorder()
    dead.process.kill()
    dead.process.join()
    monkeypatch.setattr(Recorder, "ahead", classmethod(lambda cls, take=True: dead))
    with pytest.raises(MachineError, match="recording stopped: its process ended unexpectedly"):
        record_apart(load_scenario(scenario_file(tmp_path, epochs=3)), tmp_path / "out")
    assert [p.name for p in (tmp_path / "out").rglob("*") if p.is_file()] == []


@pytest.mark.parametrize("jobs", [1, 2])
def test_meanwhile_runs_once_with_the_recorded_trace_before_the_animations_are_collected(tmp_path, jobs):
    seen = []

    def meanwhile(trace, folder):
        seen.append((trace, folder, (folder / "trace.json").is_file(),
                     sorted(p.name for p in folder.glob("*.png"))))

    result = render_scenario(scenario_file(tmp_path, formats="png"), tmp_path, jobs=jobs,
                             meanwhile=meanwhile)
    assert len(seen) == 1
    trace, folder, recorded, posters = seen[0]
    assert trace is result.trace and folder == result.folder and recorded
    if jobs == 1:  # in this process, before the first animation; with workers, at any point
        assert posters == []
    assert sorted(p.name for p in folder.glob("*.png")) == ["compare.png", "lr-0.01.png", "lr-0.03.png"]


def test_recording_runs_once_while_the_child_records_and_not_for_a_trace_recorded_already(tmp_path):
    from gdanim.build.scenario import record_and_render
    from gdanim.settings import settings_of

    scenario = load_scenario(scenario_file(tmp_path, formats="png"))
    settings = settings_of(scenario)
    seen = []
    first = record_and_render(scenario, tmp_path / "a", settings, jobs=1, progress=False,
                              recording=lambda: seen.append("recording"),
                              meanwhile=lambda trace, folder: seen.append("meanwhile"))
    assert seen == ["recording", "meanwhile"] and first.ok
    seen.clear()
    again = record_and_render(scenario, tmp_path / "b", settings, jobs=1, progress=False, recorded=first.trace,
                              recording=lambda: seen.append("recording"),
                              meanwhile=lambda trace, folder: seen.append("meanwhile"))
    assert seen == ["meanwhile"] and again.trace is first.trace


def _after(trace, folder):
    import os
    import sys

    if trace.title == "fails":
        raise OSError("no room")
    return os.getpid(), "matplotlib" in sys.modules, sorted(p.name for p in folder.glob("*.png"))


@pytest.mark.parametrize("jobs", [1, 2])
def test_after_runs_once_the_animations_are_written_and_returns_into_the_result(tmp_path, jobs):
    import os

    result = render_scenario(scenario_file(tmp_path, formats="png"), tmp_path, jobs=jobs, after=_after)
    pid, drawing_loaded, posters = result.after
    assert (pid == os.getpid()) == (jobs == 1) and drawing_loaded  # a worker, with matplotlib
    if jobs == 1:  # in this process, after every animation; with workers, after its own
        assert posters == ["compare.png", "lr-0.01.png", "lr-0.03.png"]


@pytest.mark.parametrize("jobs", [1, 2])
def test_an_after_that_raises_leaves_none_and_the_animations_stand(tmp_path, jobs):
    result = render_scenario(scenario_file(tmp_path, title="fails", formats="png"), tmp_path, jobs=jobs,
                             after=_after)
    assert result.after is None and result.ok and set(result.runs) == {"lr-0.01", "lr-0.03"}


class _Begins:
    """An `after` with a begin(): notes where and when each is called."""

    def begin(self, trace, folder):
        import os

        (folder / "begun").write_text(f"{os.getpid()} {sorted(p.name for p in folder.glob('*.png'))}")

    def __call__(self, trace, folder):
        import os

        begun = folder / "begun"
        return os.getpid(), begun.read_text() if begun.exists() else None


@pytest.mark.parametrize("scenario, workers", [({}, 1), ({"lrs": (0.01, 0.03)}, 2)])
def test_a_single_worker_begins_after_before_its_animations_and_then_calls_it(tmp_path, scenario, workers):
    import os

    path = scenario_file(tmp_path, formats="png", **({"lrs": (0.01,)} | scenario))
    result = render_scenario(path, tmp_path, jobs=2, progress=False, after=_Begins())
    pid, begun = result.after
    assert pid != os.getpid() and result.ok
    if workers == 1:  # begun in the same worker, before any poster was written
        assert begun == f"{pid} []"
    else:  # with more workers the call may land anywhere: nothing is begun
        assert begun is None


def test_an_exercise_gets_a_poster_of_its_run_at_the_epoch_it_asks_about(tmp_path):
    import numpy as np

    extra = ("exercises:\n  - {run: lr-0.01, epoch: 2, ask: regime}\n"
             "  - {run: lr-0.03, ask: lr, target: 1.0}\n")
    path = scenario_file(tmp_path, epochs=4, formats="png, frames", extra=extra)
    result = render_scenario(path, tmp_path, jobs=1, progress=False)
    still = result.runs["lr-0.01"]["epoch-2"]
    assert still == tmp_path / "tiny" / "exercises" / "lr-0.01-epoch-2.png"
    assert [p.name for p in still.parent.iterdir()] == [still.name]  # ask: lr stops no video

    def pixels(p):
        with Image.open(p) as im:
            return np.asarray(im.convert("RGB")).astype(int)

    frames = sorted((tmp_path / "tiny" / "lr-0.01-frames").glob("*.png"))  # every 3rd frame
    line = run_timeline(result.trace, result.trace.run("lr-0.01"), settings_for(load_scenario(path).spec.render).pacing)
    at = line.frame_of(2) // 3
    differing = [float((np.abs(pixels(f) - pixels(still)) > 8).mean()) for f in frames]
    assert len(frames) == -(-line.count // 3) and differing.index(min(differing)) == at
    others = [d for d, pos in zip(differing, line.pos[::3]) if pos != 2]
    assert differing[at] < 0.001 < min(others)


def test_the_frames_speak_the_scenarios_lang_unless_told_otherwise(tmp_path, monkeypatch):
    from gdanim.frames import animate

    spoken, real = [], animate.run_frames

    def run_frames(view, states, look, title, **kw):
        spoken.append(look.style.lang)
        return real(view, states, look, title, **kw)

    monkeypatch.setattr(animate, "run_frames", run_frames)
    path = scenario_file(tmp_path, epochs=2, lrs=(0.01,), formats="png", extra="lang: ko\n")
    render_scenario(path, tmp_path, jobs=1, progress=False)
    render_scenario(path, tmp_path, jobs=1, progress=False, lang="en")
    assert spoken == ["ko", "en"]


def test_a_progress_bar_starts_no_thread_so_its_worker_may_fork_to_draw_figures(capsys):
    import threading

    before = threading.active_count()
    bar = pipeline_module.progress_bar("lr-0.01", 3, 0, True)
    bar.update()
    bar.close()
    assert threading.active_count() == before


def _slow_record(scenario, output):
    """Record once both workers are warm, and half a second more (torch's import on a
    slow day), however fast this machine is."""
    import time

    from gdanim.build import recording

    limit = time.monotonic() + 60
    while _WARM["stamps"].read_text().count("warm") < 2 and time.monotonic() < limit:
        time.sleep(0.02)
    time.sleep(0.5)
    return recording.__dict__["_record_child_at_first"](scenario, output)


_WARM = {"stamps": None, "sleep": 0.0}
"""Where _noted_warm notes a worker's warm-up, how long it sleeps first and the warm-up
it wraps (set before the workers fork)."""


def _noted_warm(ahead=None):
    import time

    time.sleep(_WARM["sleep"])
    _WARM["warm"](ahead)
    with _WARM["stamps"].open("a") as f:  # a line a worker, once warm
        f.write("warm\n")


@pytest.mark.parametrize("slow", ["warm-up", "recording"])
def test_recording_waits_for_the_workers_warm_up_and_is_left_out_when_the_trace_is_in_first(
        tmp_path, monkeypatch, slow):
    from gdanim.build import recording
    from gdanim.build.scenario import record_and_render
    from gdanim.settings import settings_of

    stamps = tmp_path / "warm"
    stamps.write_text("")
    monkeypatch.setitem(_WARM, "warm", pipeline_module._warm)
    monkeypatch.setattr(pipeline_module, "_warm", _noted_warm)
    monkeypatch.setitem(_WARM, "stamps", stamps)
    monkeypatch.setitem(_WARM, "sleep", 3.0 if slow == "warm-up" else 0.0)
    if slow == "recording":
        monkeypatch.setitem(recording.__dict__, "_record_child_at_first", recording._record_child)
        monkeypatch.setattr(recording, "_record_child", _slow_record)
    scenario = load_scenario(scenario_file(tmp_path, formats="png"))
    seen = []
    result = record_and_render(scenario, tmp_path / "out", settings_of(scenario), jobs=2, progress=False,
                               recording=lambda: seen.append(stamps.read_text().count("warm")))
    assert result.ok
    # both workers warm before the page's modules load; none of it when the trace is in first
    assert seen == ([2] if slow == "recording" else [])


def test_a_recorder_runs_meanwhile_once_its_futures_are_done_unless_it_answers_first(tmp_path):
    import functools
    from concurrent.futures import Future

    from gdanim.build.recording import Recorder

    scenario = load_scenario(scenario_file(tmp_path, epochs=3))
    done, never = Future(), Future()
    done.set_result(None)
    for after, runs in (([done], 1), ([done, never], 0), ((), 1)):
        seen: list[int] = []
        child = Recorder()
        try:
            kind, (trace, folder) = child.record(scenario, tmp_path / "out", functools.partial(seen.append, 1), after)
        finally:
            child.close()
        assert kind == "ok" and trace.runs and len(seen) == runs
