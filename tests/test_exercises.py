"""Exercises: answers written from the trace, and the page asks before it shows (Chromium).

A small site of the three example scenarios with exercises (and one without) is built
once; every page is opened with and without JavaScript.
"""

from __future__ import annotations

import math
import re
import shutil
from pathlib import Path

import pytest
from browser_support import Visit, needs_browser, tiny_copy

from gdanim.build import build_site
from gdanim.report.exercises import exercise_views
from gdanim.report.strings import strings
from gdanim.scenario import load_scenario
from gdanim.trace import read_trace

ROOT = Path(__file__).resolve().parent.parent
ASKING = ("lr", "thermometer", "sse_vs_mse")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("exercises")
    chosen = root / "chosen"
    chosen.mkdir()
    for name in (*ASKING, "fahrenheit"):
        shutil.copy(ROOT / "scenarios" / f"{name}.yaml", chosen)
    nexts = chosen / "next.yaml"  # ask: next, which no example asks
    nexts.write_text((chosen / "fahrenheit.yaml").read_text(encoding="utf-8")
                     + "exercises:\n  - {run: lr-0.02-epochs-300, epoch: 2, ask: next, steps: 3}\n", encoding="utf-8")
    scenarios = tiny_copy(chosen, root / "scenarios")
    result = build_site([scenarios], root / "site", jobs=2)
    assert result.failures == []
    return root / "site"


def views(site: Path, stem: str) -> list[dict]:
    scenario = load_scenario(site.parent / "scenarios" / f"{stem}.yaml")
    trace = read_trace(site / stem / "trace.json")
    return exercise_views(scenario.spec.exercises, trace, site / stem, strings("en"), 10.0, 4, None, (0, 1))


def test_the_regime_answer_is_the_runs_regime_with_lr_times_lambda_max(site):
    [ex] = views(site, "lr")
    trace = read_trace(site / "lr" / "trace.json")
    run = trace.run("lr-0.0083")
    lam = max(trace.analysis.spectra["sse"].eigenvalues)
    assert ex["key"] == run.regime == "divergent"
    assert f"lr·λmax = {run.settings.lr * lam:.3g} ≥ 2" in ex["answer"]
    assert [k for k, _ in ex["choices"]] == ["monotone", "oscillating", "divergent"]
    assert ex["still"] == "exercises/lr-0.0083-epoch-10.png" and (site / "lr" / ex["still"]).is_file()


def test_the_thermometer_answer_says_when_the_loss_becomes_infinite(site):
    [ex] = views(site, "thermometer")
    run = read_trace(site / "thermometer" / "trace.json").run("raw-lr-1e-2")
    assert ex["key"] == "divergent" and run.status == "diverged"
    assert f"Its loss is infinite at epoch {run.steps}." in ex["answer"]


def test_the_lr_answer_gives_the_best_constant_rate(site):
    [ex] = views(site, "sse_vs_mse")
    mse = read_trace(site / "sse_vs_mse" / "trace.json").analysis.spectra["mse"]
    assert ex["data"]["best"] == pytest.approx(2 / (min(mse.eigenvalues) + max(mse.eigenvalues)))
    assert f"2/(λmin + λmax) = {mse.best_lr:.4g}" in ex["answer"]
    assert ex["still"] is None and ex["stop"] is None  # a question about the lab stops no video


def test_the_index_counts_exercises_links_the_worksheet_and_does_not_answer_them(site):
    index = (site / "index.html").read_text(encoding="utf-8")
    assert index.count("1 exercise(s)") == 4 and 'href="exercises.html"' in index
    assert "lr-0.0083: looks settled, yet diverges." not in index  # the exercise asks exactly that
    sheet = (site / "exercises.html").read_text(encoding="utf-8")
    assert sheet.count('<article class="exercise">') == 4
    assert sheet.count('<details class="answer">') == 4 and "<details class=\"answer\" open" not in sheet
    assert re.search(r'href="lr/index.html#exercise-1"', sheet)


def first_frame_time(page, run: str) -> float:
    return page.evaluate(f"document.querySelector('#run-{run} video').currentTime")


@needs_browser
def test_a_regime_answered_right_reveals_the_answer_the_row_and_the_analysis(browser, site):
    visit = Visit(browser, site, site / "lr" / "index.html")
    page = visit.page
    try:
        hidden = "s => document.querySelector(s).hidden"
        assert page.evaluate(hidden, "tr[data-run='lr-0.0083']")
        assert page.evaluate(hidden, "#analysis") and page.evaluate(hidden, "#compare")
        assert page.evaluate(hidden, "#exercise-1 details.answer")
        assert not page.evaluate(hidden, "tr[data-run='lr-0.001']")
        assert page.is_visible("#run-lr-0\\.001 .scrub")  # the script shows what needs it
        video = page.query_selector("#run-lr-0\\.0083 video")
        assert video.get_attribute("poster") == "exercises/lr-0.0083-epoch-10.png"
        slider = page.query_selector("#run-lr-0\\.0083 input[data-video-slider]")
        assert int(slider.get_attribute("max")) < 3  # held at the frame asked about, not the last
        page.check("#exercise-1 input[value=divergent]")
        page.click("#exercise-1 button[type=submit]")
        assert page.inner_text("#exercise-1 .ex-feedback") == "Right."
        assert not page.evaluate(hidden, "tr[data-run='lr-0.0083']") and not page.evaluate(hidden, "#analysis")
        assert page.evaluate("document.querySelector('#exercise-1 details.answer').open")
        assert int(slider.get_attribute("max")) == 3
        assert visit.errors == [] and visit.outside == []
    finally:
        visit.close()


@needs_browser
def test_a_regime_answered_wrong_says_so_and_still_explains(browser, site):
    visit = Visit(browser, site, site / "thermometer" / "index.html")
    page = visit.page
    try:
        page.check("#exercise-1 input[value=monotone]")
        page.click("#exercise-1 button[type=submit]")
        assert page.inner_text("#exercise-1 .ex-feedback") == "Not quite."
        assert "lr·λmax" in page.inner_text("#exercise-1 details.answer")
        assert visit.errors == []
    finally:
        visit.close()


@needs_browser
def test_the_lr_exercise_checks_the_labs_rate(browser, site):
    visit = Visit(browser, site, site / "sse_vs_mse" / "index.html")
    page = visit.page
    try:
        page.evaluate("gdanim.lab.set({loss: 'mse', optimizer: 'gd', lr: 0.001, epochs: 30})")
        page.click("#exercise-1 button[type=submit]")
        assert page.inner_text("#exercise-1 .ex-feedback").startswith("Not yet: with lr = 0.001")
        assert page.evaluate("document.querySelector('#exercise-1 details.answer').hidden")
        page.evaluate("gdanim.lab.set({lr: 0.4665})")
        page.click("#exercise-1 button[type=submit]")
        feedback = page.inner_text("#exercise-1 .ex-feedback")
        assert feedback.startswith("Yes: with lr = 0.4665") and "under 0.27" in feedback
        assert not page.evaluate("document.querySelector('#exercise-1 details.answer').hidden")
        assert visit.errors == []
    finally:
        visit.close()


@needs_browser
def test_without_javascript_the_question_shows_with_its_answer_in_a_closed_details(browser, site):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto((site / "lr" / "index.html").as_uri())
        assert page.is_visible("#exercise-1 .question")
        assert not page.is_visible("#exercise-1 form")  # nothing inert-looking
        assert page.is_visible("#exercise-1 details.answer summary")
        assert not page.evaluate("document.querySelector('#exercise-1 details.answer').open")
        assert page.is_visible("tr[data-run='lr-0.0083']") and page.is_visible("#analysis")
        shown = "s => [...document.querySelectorAll(s)].filter(e => getComputedStyle(e).display !== 'none').length"
        assert page.evaluate(shown, ".scrub") == 0 and page.evaluate(shown, "button.copy") == 0
    finally:
        context.close()


def test_without_an_exercise_the_card_warns_where_a_run_looks_settled_but_diverges(site):
    from gdanim.report.site import card_of
    from gdanim.scenario import parse_scenario
    from gdanim.settings import settings_of
    from gdanim.trace import read_trace

    path = site.parent / "scenarios" / "lr.yaml"
    text = path.read_text(encoding="utf-8")
    bare = parse_scenario(text[: text.index("exercises:")], path)
    trace = read_trace(site / "lr" / "trace.json")

    def card(scenario):
        return card_of(trace, site / "lr", scenario, settings_of(scenario, lang="en"))

    assert card(bare).warning == "lr-0.0083: looks settled, yet diverges."
    assert card(load_scenario(path)).warning == ""


@needs_browser
def test_a_next_exercise_takes_the_click_on_the_contour_and_measures_the_guess(browser, site):
    [ex] = views(site, "next")
    visit = Visit(browser, site, site / "next" / "index.html")
    page = visit.page
    try:
        start = page.evaluate("gdanim.lab.state.init.slice()")
        page.click("#exercise-1 button[type=submit]")
        box = page.query_selector("#lab canvas").bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        feedback = page.inner_text("#exercise-1 .ex-feedback")
        assert page.evaluate("gdanim.lab.state.init.slice()") == start  # the guess moves no start
        assert not page.evaluate("document.querySelector('#exercise-1 details.answer').hidden")
        assert visit.errors == []
    finally:
        visit.close()
    found = re.match(r"Your guess \(([-\d.e]+), ([-\d.e]+)\) is ([\d.e-]+) from the true point\.", feedback)
    assert found, feedback
    guess, distance = [float(found[1]), float(found[2])], float(found[3])
    assert distance == pytest.approx(math.dist(guess, ex["data"]["point"]), rel=2e-3, abs=1e-3)
    run = read_trace(site / "next" / "trace.json").run("lr-0.02-epochs-300")
    assert ex["data"]["point"] == pytest.approx(list(run.path[5, :2]))  # epoch 2 + 3 steps
