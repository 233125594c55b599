"""The page starts each slider on its video's poster, the compare video has a slider too, and
the page prints with posters and without controls."""

from __future__ import annotations

import json
import re

import pytest
from render_support import scenario_file

from gdanim.build import render_scenario, write_scenario_report
from gdanim.render.keyframes import compare_poster, video_poster
from gdanim.scenario import load_scenario
from gdanim.scene.schedule import compare_schedule, run_schedule, state_times


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    folder = tmp_path_factory.mktemp("posters")
    path = scenario_file(folder, epochs=6, lrs=(0.01, 0.03, 0.06), formats="mp4, png",
                         panels="fit, surface")
    path.write_text(path.read_text().replace("{lr: 0.06}", "{lr: 0.06, epochs: 3}"))  # ends early
    result = render_scenario(path, folder, jobs=1, progress=False)
    assert result.ok, result.failures
    scenario = load_scenario(path)
    index = write_scenario_report(scenario, result.folder)
    return result.trace, index.read_text(encoding="utf-8")


def slider_data(html: str, key: str) -> tuple[dict, int]:
    data = json.loads(re.search(rf'<script type="application/json" id="{key}">(.*?)</script>', html,
                                re.S).group(1))
    value = int(re.search(rf'data-video-slider="{key}"', html) and
                re.search(rf'value="(\d+)" step="1" data-video-slider="{key}"', html).group(1))
    return data, value


def test_each_run_slider_starts_on_the_frame_its_poster_shows(page):
    trace, html = page
    for n, run in enumerate(trace.runs, start=1):
        data, value = slider_data(html, f"frames-{n}")
        schedule = run_schedule(run, 150)
        assert value == data["poster"] == video_poster("key", trace, run, schedule, ("fit", "surface"))
        assert 0 < value < len(schedule) - 1  # a key frame, not the end


def test_the_compare_video_has_a_slider_with_each_run_at_its_own_epoch(page):
    trace, html = page
    assert 'data-frames="frames-compare"' in html and 'id="slider-compare"' in html
    data, value = slider_data(html, "frames-compare")
    times, states = compare_schedule(trace.runs, 150)
    assert data["runs"] == [r.name for r in trace.runs] and len(data["frames"]) == len(times)
    assert value == data["poster"] == compare_poster("key", trace, times, states, ("fit", "surface"))
    for k, row in enumerate(data["frames"]):
        for r, (epoch, _loss) in enumerate(row):
            assert epoch == pytest.approx(state_times(trace.runs[r])[states[k, r]])
    assert [row[2][0] for row in data["frames"]] == [0, 1, 2, 3, 3, 3, 3]  # ended at 3, says 3
    assert [row[0][0] for row in data["frames"]] == [0, 1, 2, 3, 4, 5, 6]


def test_the_page_says_what_the_grid_leaves_out(tmp_path):
    path = scenario_file(tmp_path, epochs=2, lrs=tuple(0.001 * (i + 1) for i in range(11)),
                         formats="png", panels="fit, surface")
    result = render_scenario(path, tmp_path, jobs=2, progress=False)
    html = write_scenario_report(load_scenario(path), result.folder).read_text(encoding="utf-8")
    assert "3-D panel left out" in html and 'class="muted compare-note"' in html


def test_in_a_browser_the_compare_slider_names_each_runs_own_epoch(page, browser, tmp_path_factory):
    trace, html = page
    index = next(tmp_path_factory.getbasetemp().glob("posters*/tiny/index.html"))
    view = browser.new_page()
    try:
        view.goto(index.resolve().as_uri(), wait_until="load")
        readout = view.locator("#slider-compare + output")
        assert view.locator("#slider-compare").is_visible()
        view.locator("#slider-compare").fill("6")
        text = readout.text_content()
        assert text.startswith("lr-0.01: epoch 6 · loss ") and "lr-0.06-epochs-3: epoch 3 · loss " in text
    finally:
        view.close()


def test_printed_the_page_shows_posters_no_controls_and_no_dark_background(page, browser, tmp_path_factory,
                                                                          tmp_path):
    import shutil
    import subprocess

    import numpy as np
    from PIL import Image

    index = next(tmp_path_factory.getbasetemp().glob("posters*/tiny/index.html"))
    context = browser.new_context(color_scheme="dark")
    view = context.new_page()
    try:
        view.goto(index.resolve().as_uri(), wait_until="load")
        view.emulate_media(media="print", color_scheme="dark")
        shown = view.evaluate("""() => {
            const seen = el => el && getComputedStyle(el).display !== 'none' && el.getClientRects().length > 0;
            const all = sel => [...document.querySelectorAll(sel)];
            return {videos: all('video').filter(seen).length,
                    posters: all('img.print-only').filter(seen).length,
                    controls: all('input, button, .scrub, details.embed, select').filter(seen).length,
                    background: getComputedStyle(document.body).backgroundColor,
                    color: getComputedStyle(document.body).color};
        }""")
        assert shown["videos"] == 0 and shown["controls"] == 0
        assert shown["posters"] == len(page[0].runs) + 1  # every run and the grid
        assert shown["background"] == "rgb(255, 255, 255)" and shown["color"] == "rgb(0, 0, 0)"
        pdf = view.pdf(format="A4", print_background=True)
        assert pdf.startswith(b"%PDF-")
        if shutil.which("pdftoppm"):
            (tmp_path / "page.pdf").write_bytes(pdf)
            subprocess.run(["pdftoppm", "-r", "30", "-png", str(tmp_path / "page.pdf"), str(tmp_path / "p")],
                           check=True)
            for png in sorted(tmp_path.glob("p*.png")):
                with Image.open(png) as im:
                    gray = np.asarray(im.convert("L"), np.int16)
                assert (gray < 60).mean() < 0.05, png.name  # no dark page, only text and plots
    finally:
        context.close()
