"""Handouts: one A4 landscape page of 4-6 key frames per run and for the grid, captioned."""

from __future__ import annotations

import re
import shutil
import subprocess
import zlib

import numpy as np
import pytest
from render_support import scenario_file

from gdanim.build import render_scenario
from gdanim.numbers import num
from gdanim.render.handout import MAX_SHOTS, MIN_SHOTS
from gdanim.render.keyframes import moments
from gdanim.scene.schedule import run_schedule, state_times
from gdanim.scene.surface import loss_grid

A4 = (841.89, 595.28)  # points, landscape


def pdf_pages(data: bytes) -> list[tuple[float, float]]:
    """(width, height) in points of each page, read from the PDF's own objects."""
    pages = []
    for obj in re.findall(rb"<<(?:(?!>>).)*?/Type\s*/Page\b(?!s)(?:(?!endobj).)*", data, re.S):
        box = re.search(rb"/MediaBox\s*\[\s*([\d.\s-]+)\]", obj)
        x0, y0, x1, y1 = (float(v) for v in box.group(1).split())
        pages.append((x1 - x0, y1 - y0))
    return pages


def pdf_images(data: bytes) -> int:
    return len(re.findall(rb"/Subtype\s*/Image", data))


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    root = tmp_path_factory.mktemp("handout")
    path = scenario_file(root, epochs=12, lrs=(0.01, 0.03, 0.09), formats="handout, png",
                         panels="fit, contour", extra="  theme: dark\n")  # slides dark, paper light
    result = render_scenario(path, root, jobs=1, progress=False)
    assert result.ok, result.failures
    return result


def test_every_run_and_the_grid_get_a_one_page_a4_landscape_pdf(rendered):
    files = [files["handout"] for files in rendered.runs.values()] + [rendered.compare["handout"]]
    assert [p.suffix for p in files] == [".pdf"] * 4
    for path in files:
        data = path.read_bytes()
        assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
        [(w, h)] = pdf_pages(data)
        assert (w, h) == pytest.approx(A4, abs=1.0)
        assert MIN_SHOTS <= pdf_images(data) <= MAX_SHOTS


def test_the_shots_are_the_runs_moments_captioned_with_epoch_and_loss(rendered):
    from gdanim.render.handout import run_handout

    trace = rendered.trace
    for run in trace.runs:
        grid = loss_grid(trace, [run])
        spec = run_handout(trace, run, run_schedule(run, 150), grid)
        states = [s.at for s in spec.shots]
        assert MIN_SHOTS <= len(states) <= MAX_SHOTS and states == sorted(set(states))
        assert states[0] == 0 and states[-1] == len(run.path) - 1
        assert {m.state for m in moments(trace, run, grid)} <= set(states) or len(states) == MAX_SHOTS
        times = state_times(run)
        for shot in spec.shots:
            loss = run.loss[shot.at] if shot.at < run.steps else run.final_loss
            epoch = f"{times[shot.at]:.0f}"
            expected = f"epoch {epoch} · loss {num(loss)}" if np.isfinite(loss) else f"epoch {epoch} · loss not finite"
            assert shot.caption == expected and shot.happens
        assert len(spec.analysis) == 2 and all(line.endswith(".") for line in spec.analysis)
        if run.settings.lr == 0.09:  # past 2 / lambda_max: the page says so and shows it
            assert "divergent" in spec.analysis[0]
            assert any("passes the minimum" in s.happens for s in spec.shots)


def test_the_pdf_keeps_its_text_as_text(rendered):
    data = rendered.runs["lr-0.01"]["handout"].read_bytes()
    streams = [zlib.decompress(m) for m in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S)
               if m[:1] == b"x"]
    assert sum(s.count(b" Tj") + s.count(b"TJ") for s in streams) >= 10  # captions, analysis
    assert b"/FontFile2" in data  # TrueType embedded: prints as on screen


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="no pdftoppm (Debian: poppler-utils)")
def test_the_page_renders_with_frames_and_captions_on_white(rendered, tmp_path):
    from PIL import Image

    pdf = rendered.compare["handout"]
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True)
    [png] = sorted(tmp_path.glob("page*.png"))
    with Image.open(png) as im:
        pixels = np.asarray(im.convert("L"), np.int16)
    assert pixels.shape[1] > pixels.shape[0]  # landscape
    assert (pixels[:3] > 250).all() and (pixels[:, :3] > 250).all()  # white margins
    ink = (pixels < 200).mean()
    assert 0.03 < ink < 0.5 and (pixels < 60).mean() < 0.05  # frames on white, not the dark theme


def test_the_frames_for_paper_are_light_with_the_slides_font_sizes():
    from gdanim.frames.handout import FRAME, frame_style
    from gdanim.frames.style import make_style

    style, slide = frame_style(), make_style((1280, 720), "dark")
    assert style.size == FRAME and style.theme.name == "light"
    assert (style.tick, style.label, style.title) == (slide.tick, slide.label, slide.title)


def test_runs_of_a_single_epoch_get_a_page_of_the_states_they_have(tmp_path):
    path = scenario_file(tmp_path, epochs=1, lrs=(0.01, 0.03), formats="handout", panels="fit")
    result = render_scenario(path, tmp_path, jobs=1, progress=False)
    assert result.ok, result.failures
    for path in [*(files["handout"] for files in result.runs.values()), result.compare["handout"]]:
        data = path.read_bytes()
        assert len(pdf_pages(data)) == 1 and pdf_images(data) == 2  # the start and the end


def test_a_handout_speaks_the_language_asked_for(rendered):
    from gdanim.render.handout import compare_handout, run_handout

    trace = rendered.trace
    run = trace.runs[2]
    english, korean = (run_handout(trace, run, run_schedule(run, 150), loss_grid(trace, [run]), lang)
                       for lang in ("en", "ko"))
    assert [s.at for s in english.shots] == [s.at for s in korean.shots]
    assert all(s.caption.startswith("epoch ") for s in english.shots)
    assert all(s.caption.startswith("에폭 ") for s in korean.shots)
    assert "경사하강법" in korean.analysis[0] and "에폭" in korean.subtitle
    from gdanim.scene.schedule import compare_schedule

    times, states = compare_schedule(trace.runs, 150)
    grid = compare_handout(trace, times, states, lang="ko")
    assert grid.subtitle == "모든 실행 나란히 보기" and grid.shots[0].caption == "에폭 0까지"


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="no pdftotext (Debian: poppler-utils)")
def test_the_language_reaches_the_pdf_from_render_scenario(tmp_path):
    path = scenario_file(tmp_path, epochs=3, lrs=(0.01,), formats="handout", panels="fit")
    result = render_scenario(path, tmp_path, jobs=1, progress=False, lang="ko")
    text = subprocess.run(["pdftotext", str(result.runs["lr-0.01"]["handout"]), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "에폭 0 · 손실" in text and "epoch 0 · loss" not in text
