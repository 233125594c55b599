"""Writers: every format decodes to the frames it was given, and files appear whole or not at all."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from render_support import probe

from gdanim import schema
from gdanim.render.writers import WRITERS, GifWriter, Mp4Writer, WriterError

SIZE = (64, 48)


def frames(count: int) -> list[np.ndarray]:
    out = []
    for k in range(count):
        frame = np.full((SIZE[1], SIZE[0], 4), 255, np.uint8)
        frame[:, k * 4:(k + 1) * 4, :3] = (200, 60, 0)  # a bar that moves right
        out.append(frame)
    return out


def write(fmt: str, path, count: int = 5, fps: int = 10):
    shown = frames(count)
    with WRITERS[fmt](path, SIZE, fps, shown[-1]) as writer:
        for frame in shown:
            writer.write(frame)
    return shown


def test_the_registry_holds_exactly_the_formats_the_schema_names():
    assert set(WRITERS) == set(schema.FORMATS)


def test_an_mp4_is_h264_yuv420p_with_every_frame_and_no_audio(tmp_path):
    write("mp4", tmp_path / "a.mp4", count=7)
    info = probe(tmp_path / "a.mp4")
    assert (info.codec, info.pix_fmt, info.width, info.height, info.frames, info.audio) == (
        "h264", "yuv420p", 64, 48, 7, False)


def test_an_mp4_puts_its_index_first_for_streaming(tmp_path):
    write("mp4", tmp_path / "a.mp4")
    head = (tmp_path / "a.mp4").read_bytes()[:4096]
    assert head.find(b"moov") != -1 and head.find(b"moov") < max(head.find(b"mdat"), 4096)


def test_odd_sizes_are_rounded_down_to_even_for_h264(tmp_path):
    odd = np.zeros((47, 63, 4), np.uint8)
    with Mp4Writer(tmp_path / "odd.mp4", (63, 47), 10, odd) as writer:
        writer.write(odd)
    info = probe(tmp_path / "odd.mp4")
    assert (info.width, info.height) == (62, 46)


@pytest.mark.parametrize("fps, delay_ms", [(10, 100), (25, 40), (50, 20)])
def test_a_gif_loops_forever_with_every_frame_at_whole_hundredths(tmp_path, fps, delay_ms):
    write("gif", tmp_path / "a.gif", count=6, fps=fps)
    with Image.open(tmp_path / "a.gif") as im:
        assert im.info["loop"] == 0
        assert im.n_frames == 6
        assert im.info["duration"] == delay_ms
        assert im.size == SIZE


def test_a_gif_keeps_the_colours_of_its_frames(tmp_path):
    shown = write("gif", tmp_path / "a.gif", count=3)
    with Image.open(tmp_path / "a.gif") as im:
        im.seek(2)
        got = np.asarray(im.convert("RGB"), np.int32)
    assert np.abs(got - shown[2][:, :, :3]).max() < 40


def test_a_gif_refuses_a_frame_rate_that_is_not_whole_hundredths(tmp_path):
    with pytest.raises(WriterError, match="fps"), GifWriter(tmp_path / "a.gif", SIZE, 30, frames(1)[0]):
        pass
    assert not (tmp_path / "a.gif").exists()


def test_the_png_poster_is_the_last_frame(tmp_path):
    shown = write("png", tmp_path / "a.png")
    assert np.array_equal(np.asarray(Image.open(tmp_path / "a.png").convert("RGB")), shown[-1][:, :, :3])


def test_the_frames_format_writes_numbered_pngs_and_a_beamer_snippet(tmp_path):
    write("frames", tmp_path / "run-frames", count=4)
    folder = tmp_path / "run-frames"
    assert sorted(p.name for p in folder.glob("*.png")) == [f"frame-{k:05d}.png" for k in range(4)]
    snippet = (folder / "animate.tex").read_text()
    assert "\\animategraphics" in snippet and "{run-frames/frame-}{00000}{00003}" in snippet


def test_rewriting_the_frames_format_replaces_the_old_folder(tmp_path):
    write("frames", tmp_path / "run-frames", count=4)
    write("frames", tmp_path / "run-frames", count=2)
    assert len(list((tmp_path / "run-frames").glob("*.png"))) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["run-frames"]


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_a_frame_source_that_fails_midway_leaves_no_file_at_all(tmp_path, fmt):
    final = tmp_path / f"a{WRITERS[fmt].suffix}"

    def failing():
        yield from frames(3)
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"), WRITERS[fmt](final, SIZE, 10, frames(1)[0]) as w:
        for frame in failing():
            w.write(frame)
    assert list(tmp_path.iterdir()) == []


def test_an_interrupt_midway_leaves_no_file_and_keeps_the_old_one(tmp_path):
    final = tmp_path / "a.mp4"
    write("mp4", final, count=3)
    before = final.read_bytes()
    with pytest.raises(KeyboardInterrupt), Mp4Writer(final, SIZE, 10, frames(1)[0]) as w:
        w.write(frames(1)[0])
        raise KeyboardInterrupt
    assert final.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["a.mp4"]
