"""The animations' decoded pixels: they move from the first frame to the last, and the
last frame is the poster (nothing replaces the frames by one picture)."""

from __future__ import annotations

import imageio_ffmpeg
import numpy as np
import pytest
from PIL import Image, ImageSequence
from render_support import scenario_file

from gdanim.build import render_scenario
from gdanim.render import settings_for
from gdanim.scenario import load_scenario
from gdanim.scene.timeline import run_timeline


def mp4_frames(path) -> list[np.ndarray]:
    reader = imageio_ffmpeg.read_frames(str(path))
    meta = next(reader)
    w, h = meta["size"]
    return [np.frombuffer(f, np.uint8).reshape(h, w, 3).astype(np.int16) for f in reader]


def gif_frames(path) -> list[np.ndarray]:
    with Image.open(path) as im:
        return [np.asarray(f.convert("RGB"), np.int16) for f in ImageSequence.Iterator(im)]


def differ(a: np.ndarray, b: np.ndarray) -> float:
    """The share of pixels whose colour differs clearly (by more than 48 in a channel):
    the curves and the text that move, not the encoders' noise."""
    return float((np.abs(a - b).max(axis=-1) > 48).mean())


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    root = tmp_path_factory.mktemp("pixels")
    path = scenario_file(root, epochs=8, lrs=(0.02,), formats="mp4, gif, png", panels="fit, loss",
                         extra="  poster: last\n")
    result = render_scenario(path, root, jobs=1)
    assert result.ok, result.failures
    line = run_timeline(result.trace, result.trace.runs[0], settings_for(load_scenario(path).spec.render).pacing)
    return {**result.runs["lr-0.02"], "line": line}


@pytest.mark.parametrize("fmt, decode", [("mp4", mp4_frames), ("gif", gif_frames)])
def test_the_pixels_move_from_the_first_frame_to_the_last(rendered, fmt, decode):
    frames, line = decode(rendered[fmt]), rendered["line"]
    step = 1 if fmt == "mp4" else line.step  # a GIF keeps every 3rd frame
    assert len(frames) == -(-line.count // step) and list(line.knots) == list(range(9))  # 8 steps: 9 states
    assert differ(frames[0], frames[-1]) > 0.005
    shown = [frames[k // step] for k in line.first]
    assert all(differ(a, b) > 0.0005 for a, b in zip(shown, shown[1:]))  # every step moves


@pytest.mark.parametrize("fmt, decode", [("mp4", mp4_frames), ("gif", gif_frames)])
def test_the_last_frame_is_the_poster_and_the_first_is_not(rendered, fmt, decode):
    poster = np.asarray(Image.open(rendered["png"]).convert("RGB"), np.int16)
    frames = decode(rendered[fmt])
    assert frames[-1].shape == poster.shape
    assert differ(frames[-1], poster) < 0.004  # lossy encoders: close, not equal
    assert differ(frames[0], poster) > 0.008


def test_the_mp4_and_the_gif_show_the_same_frames(rendered):
    mp4, gif = mp4_frames(rendered["mp4"]), gif_frames(rendered["gif"])
    assert len(gif) == len(mp4[::3])
    for a, b in zip(mp4[::3], gif):
        assert differ(a, b) < 0.006
