"""The example site opened in headless Chromium: it plays, scrubs, decodes and stays local.

The examples are copied with a tiny render override (thumb preset, 4 frames, a 6-rate
sweep) so the whole site builds in well under a minute on two cores. Screenshots of
every page at phone and projector widths go to tests/artifacts/ (git-ignored).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

import numpy as np
import pytest
from browser_support import (
    ARTIFACTS,
    FPS,
    MAX_FRAMES,
    ROOT,
    Visit,
    needs_browser,
    needs_nu_checker,
    nu_check,
    tiny_copy,
)

from gdanim.build import build_site
from gdanim.numbers import num
from gdanim.render.keyframes import video_poster
from gdanim.scene.timeline import Pacing, run_timeline
from gdanim.trace import read_trace

WIDTHS = (375, 1280, 1920)
SHOWN_WIDE = ("index", "lr", "sse_vs_mse")  # pages also saved at projector widths

@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("example")
    scenarios = tiny_copy(ROOT / "scenarios", root / "scenarios")
    result = build_site([scenarios], root / "site", jobs=2)
    assert result.failures == []
    return root / "site"


def pages(site: Path) -> list[Path]:
    return [site / "index.html", *sorted(site.glob("*/index.html"))]


def visit_all(browser, site: Path, check) -> list[str]:
    problems = []
    for page_path in pages(site):
        visit = Visit(browser, site, page_path)
        try:
            problems += [f"{page_path.relative_to(site)}: {p}" for p in check(visit, page_path)]
        finally:
            visit.close()
    return problems


@needs_browser
def test_every_page_loads_without_console_errors_or_requests_outside_the_site(browser, site):
    def check(visit: Visit, _):
        visit.page.wait_for_timeout(200)
        return [f"console: {e}" for e in visit.errors] + [f"request: {u}" for u in visit.outside]

    assert visit_all(browser, site, check) == []


INJECT = """() => { const s = document.createElement('script'); s.textContent = 'window.injected = 1';
document.head.appendChild(s); return window.injected === 1; }"""
FONTS = ("() => Promise.all([...document.fonts].map(f => f.load().catch(() => f)))"
         ".then(() => [...document.fonts].map(f => f.status))")


@needs_browser
def test_every_page_carries_a_content_security_policy_that_blocks_inline_script_but_not_its_own_parts(
        browser, site):
    def check(visit: Visit, _):
        page = visit.page
        policy = page.get_attribute('meta[http-equiv="Content-Security-Policy"]', "content") or ""
        found = [] if "default-src 'none'" in policy and "script-src 'self';" in policy else [f"policy: {policy}"]
        found += ["an inline script ran"] if page.evaluate(INJECT) else []
        found += [f"font {status}" for status in page.evaluate(FONTS) if status != "loaded"]
        found += ["no JSON data read"] if page.evaluate(
            "() => [...document.querySelectorAll('script[type=\"application/json\"]')]"
            ".every(s => JSON.parse(s.textContent) !== undefined)") is not True else []
        return found + [f"console: {e}" for e in visit.errors if "Content Security Policy" in e
                        and "window.injected" not in e and "inline script" not in e]

    assert visit_all(browser, site, check) == []


def expected_frames(folder: Path) -> dict[str, int]:
    """The frames of each animation as its timeline has them (manifest.json says so)."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return {name: entry["frames"] for name, entry in manifest["animations"].items()}


@needs_browser
def test_every_video_plays_and_lasts_as_long_as_its_frames(browser, site):
    seen = []

    def check(visit: Visit, page_path: Path):
        out = []
        frames = expected_frames(page_path.parent) if page_path.parent != site else {}
        # an exercise keeps the comparison folded in its answer until it is answered: unfold it to play it
        visit.page.evaluate("document.querySelectorAll('[data-spoiler], details.answer').forEach(e => {"
                            " e.hidden = false; e.open = true; })")
        for video in visit.page.query_selector_all("video"):
            video.scroll_into_view_if_needed()
            visit.page.wait_for_function("v => v.readyState >= 2", arg=video, timeout=15_000)
            name = Path(video.get_attribute("src")).stem
            duration = video.evaluate("v => v.duration")
            want = frames[name] / FPS
            seen.append(name)
            if not math.isclose(duration, want, abs_tol=0.6 / FPS):
                out.append(f"{name}: {duration:.3f} s, expected {want:.3f} s")
        return out

    assert visit_all(browser, site, check) == []
    assert len(seen) >= 20


@needs_browser
def test_every_image_and_poster_decodes(browser, site):
    def check(visit: Visit, _):
        visit.page.wait_for_function("[...document.images].every(i => i.complete)", timeout=15_000)
        broken = visit.page.evaluate(
            "[...document.images].filter(i => !(i.naturalWidth > 0)).map(i => i.src)")
        posters = visit.page.evaluate("[...document.querySelectorAll('video')].map(v => v.poster)")
        missing = [p for p in posters if not Path(unquote(urlparse(p).path)).is_file()]
        return [f"image {b}" for b in broken] + [f"poster {m}" for m in missing]

    assert visit_all(browser, site, check) == []


def _page_text(target: Path, visit: Visit) -> str:
    """The HTML a link's fragment must name an id in: the page open, or the file linked."""
    here = Path(unquote(urlparse(visit.page.url).path)).resolve()
    return visit.page.content() if target == here else target.read_text(encoding="utf-8")


@needs_browser
def test_every_link_and_source_inside_the_site_resolves(browser, site):
    script = """() => [...document.querySelectorAll('[href],[src],[poster]')].flatMap(e =>
        ['href', 'src', 'poster'].filter(a => e.hasAttribute(a)).map(a =>
            [a, e.getAttribute(a), e[a] || e.getAttribute(a), !!e.closest('.description')]))"""

    def check(visit: Visit, _):
        out = []
        for attr, raw, absolute, in_description in visit.page.evaluate(script):
            parsed = urlparse(absolute)
            if raw == "data:," or raw.startswith("data:text/vtt;"):  # the empty favicon; captions inline
                continue
            if parsed.scheme != "file":
                if not in_description:
                    out.append(f"{attr}={raw} is not a relative link")
                continue
            target = Path(unquote(parsed.path)).resolve()
            if raw.startswith(("/", "file:")) or not target.is_relative_to(site.resolve()):
                out.append(f"{attr}={raw} leaves the site")
            elif not target.exists():
                out.append(f"{attr}={raw} does not exist")
            elif parsed.fragment and f'id="{parsed.fragment}"' not in _page_text(target, visit):
                out.append(f"{attr}={raw}: no element #{parsed.fragment}")
        return out

    assert visit_all(browser, site, check) == []


@needs_browser
def test_the_model_and_loss_are_laid_out_as_mathml(browser, site):
    visit = Visit(browser, site, site / "lr" / "index.html")
    try:
        boxes = visit.page.evaluate(
            "[...document.querySelectorAll('math')].map(m => m.getBoundingClientRect().width)")
        fractions = visit.page.evaluate("document.querySelectorAll('math mfrac').length")
    finally:
        visit.close()
    assert len(boxes) >= 5 and all(w > 10 for w in boxes)
    assert fractions >= 1


@needs_browser
def test_the_slider_moves_the_video_to_the_frame_it_names(browser, site):
    visit = Visit(browser, site, site / "lr" / "index.html")
    page = visit.page
    try:
        slider = page.query_selector("[id='run-lr-0.0001'] input[data-video-slider]")
        video = page.query_selector(f"video[data-frames='{slider.get_attribute('data-video-slider')}']")
        page.wait_for_function("v => v.readyState >= 2", arg=video, timeout=15_000)
        readout = page.query_selector("[id='run-lr-0.0001'] .readout")
        at_poster = (slider.input_value(), readout.inner_text())
        trace = read_trace(site / "lr" / "trace.json")
        run = trace.run("lr-0.0001")
        line = run_timeline(trace, run, Pacing(fps=FPS, hold=0, max_frames=MAX_FRAMES))
        target = int(line.first[2])  # the frame that first shows the third state shown
        slider.evaluate(f"s => {{ s.value = {target}; s.dispatchEvent(new Event('input')); }}")
        page.wait_for_function("v => !v.seeking && v.readyState >= 2", arg=video, timeout=5_000)
        time_at, moved = video.evaluate("v => v.currentTime"), readout.inner_text()
    finally:
        visit.close()
    second = int(line.knots[2])
    poster = int(line.first[video_poster("key", trace, run, line.knots, ("fit", "surface"))])  # the slider starts there
    assert at_poster[0] == str(poster) and 0 < poster < line.first[-1]
    shown = int(np.floor(line.pos[poster] + 1e-9))
    assert at_poster[1].startswith(f"epoch {shown} ·") and f"loss {num(float(run.loss[shown]))}" in at_poster[1]
    assert time_at == pytest.approx((target + 0.5) / FPS, abs=0.02)
    assert moved.startswith(f"epoch {second} ·")
    assert f"loss {num(float(run.loss[second]))}" in moved
    params = ", ".join(num(round(float(v), 6)) for v in run.path[second])
    assert f"w = [{params}]" in moved  # every parameter to 4 significant digits


@needs_browser
def test_pages_fit_a_phone_and_screenshots_are_saved(browser, site):
    ARTIFACTS.mkdir(exist_ok=True)
    problems = []
    for page_path in pages(site):
        name = "index" if page_path.parent == site else page_path.parent.name
        for width in WIDTHS:
            visit = Visit(browser, site, page_path, width)
            try:
                overflow = visit.page.evaluate("document.documentElement.scrollWidth") - width
                if overflow > 0:
                    problems.append(f"{name} at {width} px is {overflow} px too wide")
                if width == 375 or name in SHOWN_WIDE:
                    shot = ARTIFACTS / f"{name}-{width}.png"
                    visit.page.screenshot(path=str(shot), full_page=True)
            finally:
                visit.close()
    assert problems == []
    assert (ARTIFACTS / "lr-375.png").stat().st_size > 10_000


@needs_nu_checker
def test_every_page_and_stylesheet_is_valid(site):
    result = nu_check(site)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "error" not in (result.stdout + result.stderr).lower()


def test_the_index_card_leaves_a_settled_looking_divergence_to_its_exercise(site):
    html = (site / "index.html").read_text(encoding="utf-8")
    assert html.count('<p class="warning small">') == 0  # lr.yaml's exercise asks about lr-0.0083
    assert '<a href="lr/index.html#exercises">1 exercise(s)</a>' in html


def test_rebuilding_the_unchanged_example_site_renders_and_rewrites_nothing(site):
    scenarios = site.parent / "scenarios"
    folders = [p for p in site.iterdir() if p.is_dir() and p.name != "assets"]
    before = {p: p.stat().st_mtime_ns for f in folders for p in f.rglob("*") if p.is_file()}
    result = subprocess.run([sys.executable, "-m", "gdanim", "site", str(scenarios), "-o", str(site),
                             "-q"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    count = len(list((ROOT / "scenarios").glob("*.yaml")))
    assert f"{count} scenario(s), 0 rendered, 0 failed" in result.stdout
    assert {p: p.stat().st_mtime_ns for p in before} == before  # its speed: bench/site_bench.py
