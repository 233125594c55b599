"""Decoded videos: the line glides between two recorded states in order, never back, and
every shown state lands on a frame exactly where its recorded parameters put the line."""

from __future__ import annotations

import imageio_ffmpeg
import matplotlib.colors
import numpy as np
import pytest
from render_support import scenario_file

import gdanim
from gdanim.frames.animate import Look, run_frames
from gdanim.frames.style import make_style
from gdanim.render.pipeline import write_frames
from gdanim.scene.timeline import Pacing, run_timeline
from gdanim.scene.views import predictions, run_view


def decode(path) -> list[np.ndarray]:
    frames = imageio_ffmpeg.read_frames(str(path))
    w, h = next(frames)["size"]
    return [np.frombuffer(f, np.uint8).reshape(h, w, 3) for f in frames]


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    """An oscillating run (lr close to the critical one) drawn with its fit panel alone,
    written as MP4; returns what the test needs to find the line in each frame."""
    root = tmp_path_factory.mktemp("motion")
    trace = gdanim.record(scenario_file(root, epochs=5, lrs=(0.03,), panels="fit"))
    run = trace.runs[0]
    line = run_timeline(trace, run, Pacing(duration=2.0, hold=0.2))
    style = make_style((640, 360), "light")
    source = run_frames(run_view(trace, run, None), line.pos, Look(("fit",), style), "t")
    ax = source.cells[0].panels[0].ax
    write_frames(source, {"mp4": root / "a.mp4"}, line.fps, 0, step=line.step)
    x0, x1 = ax.get_xlim()
    x = x0 + 0.8 * (x1 - x0)  # a column right of the middle
    column = int(round(ax.transData.transform((x, 0))[0]))
    colour = np.array(matplotlib.colors.to_rgb(style.theme.line)) * 255
    top, bottom = source.size[1] - ax.bbox.y1, source.size[1] - ax.bbox.y0
    return trace, run, line, decode(root / "a.mp4"), ax, x, column, colour, (int(top) + 2, int(bottom) - 2), source.size


def line_row(frame: np.ndarray, column: int, colour: np.ndarray, rows: tuple[int, int]) -> float | None:
    """The pixel row where the current line crosses `column` (the middle of its pixels),
    None where it crosses another line there and coding has blurred its colour."""
    strip = frame[rows[0]:rows[1], column - 1:column + 2].astype(float)
    # the line's colour, however H.264's halved chroma blurs it: its hue, well saturated
    near = (np.abs(strip - colour).sum(axis=2) < 150) & (strip[..., 0] - strip[..., 2] > 0.6 * (colour[0] - colour[2]))
    hit = np.flatnonzero(near.any(axis=1))
    return rows[0] + float(np.median(hit)) if hit.size else None


def expected_row(trace, run, state: int, ax, x: float, height: int) -> float:
    y = predictions(trace, run, run.path[state][None].astype(np.float64), np.array([[x]]))[0, 0]
    return height - ax.transData.transform((x, y))[1]


def test_every_shown_state_lands_on_a_frame_where_its_recorded_parameters_put_the_line(video):
    trace, run, line, frames, ax, x, column, colour, rows, size = video
    assert len(frames) == line.count
    for state, k in zip(line.knots, line.first):
        if rows[0] < expected_row(trace, run, state, ax, x, size[1]) < rows[1]:
            assert abs(line_row(frames[k], column, colour, rows) - expected_row(trace, run, state, ax, x, size[1])) <= 2


def test_between_two_states_the_line_moves_in_order_and_never_jumps_back(video):
    trace, run, line, frames, ax, x, column, colour, rows, size = video
    moved = 0
    for i in range(len(line.knots) - 1):
        a, b = (expected_row(trace, run, s, ax, x, size[1]) for s in line.knots[i:i + 2])
        if not (rows[0] < min(a, b) and max(a, b) < rows[1]):
            continue
        found = [line_row(frames[k], column, colour, rows) for k in range(line.first[i], line.first[i + 1] + 1)]
        seen = [r for r in found if r is not None]
        assert len(seen) >= 0.8 * len(found) and found[0] is not None and found[-1] is not None
        along = np.asarray(seen) * np.sign(b - a)
        assert np.all(np.diff(along) >= -1.5), (i, seen)  # in order, within a pixel of coding noise
        assert abs(seen[-1] - b) <= 2 and abs(seen[0] - a) <= 2
        moved += len(set(np.round(seen))) > 3  # several positions in between: a glide, not a jump
    assert moved >= 2
