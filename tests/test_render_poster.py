"""Posters: the first, the last or the key frame, found in the trace and drawn as the video shows it."""

from __future__ import annotations

import imageio_ffmpeg
import numpy as np
import pytest
from PIL import Image

from gdanim.api import record
from gdanim.build import render_scenario
from gdanim.render import settings_for
from gdanim.render.keyframes import compare_poster_frame, key_state, moments, poster_frame
from gdanim.scenario import load_scenario
from gdanim.scene.schedule import compare_schedule, run_schedule
from gdanim.scene.surface import loss_grid
from gdanim.scene.timeline import compare_timeline, knot_states, run_timeline


def mp4_frames(path) -> list[np.ndarray]:
    reader = imageio_ffmpeg.read_frames(str(path))
    w, h = next(reader)["size"]
    return [np.frombuffer(f, np.uint8).reshape(h, w, 3).astype(np.int16) for f in reader]


def png(path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"), np.int16)


def differ(a, b) -> float:
    return float((np.abs(a - b).max(axis=-1) > 48).mean())


# the lecture's data: 0.0083 is past 2/lambda_max (overshoots at once), 0.001 settles
LECTURE = """\
title: lecture
data:
  synthetic: {{n: 100, seed: 43052, x: randn, params: [2.5, 4.0], noise: 0.5}}
init: [-5.0, 10.0]
loss: sse
epochs: {epochs}
runs:
{runs}
render:
  preset: thumb
  hold: 0
  formats: [{formats}]
  panels: [fit, contour]
{extra}"""


def lecture(folder, lrs, epochs=30, formats="png", extra=""):
    runs = "\n".join(f"  - {{lr: {lr}}}" for lr in lrs)
    path = folder / "lecture.yaml"
    path.write_text(LECTURE.format(epochs=epochs, runs=runs, formats=formats, extra=extra))
    return path


@pytest.fixture(scope="module")
def trace(tmp_path_factory):
    return record(lecture(tmp_path_factory.mktemp("keys"), (0.0001, 0.001, 0.0083, 0.01)))


def test_the_moments_of_runs_are_found_in_the_trace(trace):
    slow, good, past, wild = trace.runs
    kinds = lambda run, grid=None: {m.kind: m.state for m in moments(trace, run, grid)}  # noqa: E731
    assert kinds(slow) == {"start": 0, "end": 30}  # crawls: nothing happens
    settled = kinds(good)["converges"]
    loss = np.append(good.loss, good.final_loss).astype(float)
    ols = trace.analysis.spectra["sse"].ols_loss
    assert loss[settled] - ols <= 0.01 * (loss[0] - ols) < loss[settled - 1] - ols
    assert kinds(past)["overshoot"] == 1 and "converges" not in kinds(past)
    grid = loss_grid(trace, [wild])
    wild_moments = kinds(wild, grid)
    from gdanim.scene.surface import plane_path

    exit_ = plane_path(wild, grid).exit
    assert wild_moments["leaves"] == exit_ - 1  # the last state still in view
    assert wild_moments["diverges"] > wild_moments["overshoot"] and wild_moments["end"] == 30


def test_a_key_poster_is_never_the_end_when_something_happens_before(trace):
    slow, good, past, wild = trace.runs
    assert key_state(trace, slow) == 15  # halfway
    assert key_state(trace, past) == 1
    grid = loss_grid(trace, [wild])
    assert key_state(trace, wild, grid) == moments(trace, wild, grid)[2].state  # leaves the view
    schedule = run_schedule(good, 150)
    assert poster_frame("first", trace, good, schedule) == 0
    assert poster_frame("last", trace, good, schedule) == len(schedule) - 1
    assert 0 < poster_frame("key", trace, good, schedule) < len(schedule) - 1


def test_the_compare_poster_is_the_median_of_the_runs_key_frames(trace):
    times, states = compare_schedule(trace.runs, 150)
    frame = compare_poster_frame("key", trace, trace.runs, times, states)
    keys = sorted(key_state(trace, r) for r in trace.runs)  # 1, 1 (wild overshoots too), 12, 15
    assert times[frame] == int(np.median(keys))  # every run has every epoch: frame k is epoch k
    assert compare_poster_frame("last", trace, trace.runs, times, states) == len(times) - 1


@pytest.mark.parametrize("choice", ["key", "first", "last"])
def test_the_png_shows_the_frame_the_setting_names(tmp_path, choice):
    path = lecture(tmp_path, (0.0083, 0.001), epochs=12, formats="mp4, png",
                   extra=f"  poster: {choice}\n")
    result = render_scenario(path, tmp_path, jobs=1, progress=False)
    assert result.ok, result.failures
    trace = result.trace
    for name in ("lr-0.0083", "compare"):
        frames = mp4_frames(result.compare["mp4"] if name == "compare" else result.runs[name]["mp4"])
        poster = png(result.compare["png"] if name == "compare" else result.runs[name]["png"])
        pacing = settings_for(load_scenario(path).spec.render).pacing
        if name == "compare":
            line = compare_timeline(trace, trace.runs, pacing)
            grid = loss_grid(trace, trace.runs)
            expected = line.first[compare_poster_frame(choice, trace, trace.runs, line.knots, knot_states(line),
                                                       {r.name: grid for r in trace.runs})]
        else:
            run = trace.run(name)
            line = run_timeline(trace, run, pacing)
            expected = line.first[poster_frame(choice, trace, run, line.knots, loss_grid(trace, [run]))]
        closest = int(np.argmin([differ(f, poster) for f in frames]))
        assert np.all(line.pos[closest] == line.pos[expected]) and differ(frames[expected], poster) < 0.01
        if choice == "key":
            assert 0 < expected < len(frames) - 1
