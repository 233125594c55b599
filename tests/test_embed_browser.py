"""The lab alone (lab.html) in a slide deck: the page's own Reveal.js snippet, pasted into a
Reveal.js deck (from npm) opened from disk, shows a lab the keyboard drives inside its
frame; the lab page takes its settings from a lab link's fragment and holds no answer."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pytest
from browser_support import Visit, needs_browser
from course_support import NPM_CI, REVEAL

pytestmark = needs_browser

DECK = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Lecture 3</title>
<link rel="stylesheet" href="reveal/reveal.css"><link rel="stylesheet" href="reveal/theme/white.css"></head>
<body><div class="reveal"><div class="slides">
<section><h2>Gradient descent</h2><p>What does the learning rate do?</p></section>
{snippet}
</div></div>
<script src="reveal/reveal.js"></script>
<script>Reveal.initialize({{hash: true, transition: "none"}});</script>
</body></html>
"""


def snippet(page_html: str, label: str) -> str:
    """The code the page offers under `label` in the lab's embed snippets."""
    block = page_html[page_html.index('id="lab"'):]
    found = re.search(rf"<span>{re.escape(label)}</span>.*?<code>(.*?)</code>", block, re.S)
    assert found, label
    return html.unescape(found[1])


@pytest.mark.skipif(not (REVEAL / "reveal.js").is_file(), reason=f"no Reveal.js: {NPM_CI}")
def test_the_reveal_snippet_shows_a_lab_the_keyboard_drives_inside_a_deck_from_disk(browser, course, tmp_path):
    site = shutil.copytree(course[0], tmp_path / "site")
    folder = site / "course"
    shutil.copytree(REVEAL, folder / "reveal")
    code = snippet((folder / "index.html").read_text(encoding="utf-8"), "Reveal.js")
    assert 'data-src="lab.html"' in code
    (folder / "deck.html").write_text(DECK.format(snippet=code), encoding="utf-8")
    visit = Visit(browser, site, folder / "deck.html")
    page = visit.page
    try:
        page.wait_for_function("window.Reveal && Reveal.isReady()")
        assert page.query_selector("iframe").get_attribute("src") is None  # lazy: not loaded on slide 1
        page.keyboard.press("ArrowRight")
        page.wait_for_function("Reveal.getIndices().h === 1")
        page.wait_for_function("document.querySelector('iframe').getAttribute('src') === 'lab.html'")
        frame = page.query_selector("iframe").content_frame()
        frame.wait_for_load_state("load")
        frame.wait_for_function("!document.getElementById('lab').hidden")
        before = frame.evaluate("gdanim.lab.state.lr")
        readout = frame.inner_text("#lab-readout")
        frame.focus("#lab-lr-range")
        for _ in range(5):
            page.keyboard.press("ArrowRight")
        frame.wait_for_function("t => document.getElementById('lab-readout').textContent !== t", arg=readout)
        assert frame.evaluate("gdanim.lab.state.lr") > before
        assert frame.evaluate("document.activeElement.id") == "lab-lr-range"  # the deck did not take the keys
        assert page.evaluate("Reveal.getIndices().h") == 1
        assert visit.errors == [] and visit.outside == []
    finally:
        visit.close()


def test_the_lab_page_is_the_lab_alone_without_the_asked_runs(course):
    text = (course[0] / "course" / "lab.html").read_text(encoding="utf-8")
    assert 'id="lab"' in text and 'id="exercises"' not in text
    assert "<header" not in text and "<footer" not in text and 'id="runs"' not in text
    # what a regime exercise asks about is no reset away (the page holds the same back until answered)
    assert 'data-run="lr-0.0083"' not in text and 'data-run="lr-0.01"' not in text
    assert 'data-run="lr-0.0001"' in text and 'data-run="lr-0.001"' in text
    for code in ("Quarto", "MyST"):
        assert "lab.html" in snippet((course[0] / "course" / "index.html").read_text(encoding="utf-8"), code)


def test_the_lab_page_opens_with_the_settings_of_a_lab_link(browser, course):
    site = course[0]
    visit = Visit(browser, site, site / "course" / "lab.html")
    try:
        page = visit.page
        page.goto((site / "course" / "lab.html").as_uri() + "#lab?lr=0.005&epochs=12")
        page.reload()
        assert page.evaluate("[gdanim.lab.state.lr, gdanim.lab.state.epochs]") == [0.005, 12]
        assert not page.is_visible("#lab-link-notice")  # a slide's lab says nothing of its link
        page.goto((site / "course" / "lab.html").as_uri() + "#lab?lr=banana")
        page.reload()
        assert page.is_visible("#lab-link-notice")  # but a link it could not read is news
        assert page.evaluate("gdanim.lab.link()").split("#")[0].endswith("/course/lab.html")
        assert visit.errors == [] and visit.outside == []
    finally:
        visit.close()


def test_a_scenario_without_a_lab_has_no_lab_page(course):
    site = course[0]
    for folder in (p for p in site.iterdir() if (p / "index.html").is_file() and p.name != "assets"):
        has_lab = 'id="lab"' in (folder / "index.html").read_text(encoding="utf-8")
        assert (folder / "lab.html").is_file() == has_lab, folder.name
    assert not Path(site / "lab.html").exists()
