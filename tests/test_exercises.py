"""Exercises: answers written from the trace, and the page asks before it shows (Chromium).

A small site of the three example scenarios with exercises (and one without) is built
once; every page is opened with and without JavaScript.
"""

from __future__ import annotations

import math
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from browser_support import Visit, needs_browser, tiny_copy
from markupsafe import escape

from gdanim.build import build_site
from gdanim.report import analysis_text as at
from gdanim.report.exercises import exercise_views
from gdanim.report.strings import strings
from gdanim.scenario import load_scenario
from gdanim.scene.timeline import Pacing, run_timeline
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
    korean = (chosen / "lr.yaml").read_text(encoding="utf-8")  # the lecture's exercise on a Korean page
    (chosen / "lr_ko.yaml").write_text(korean.replace("\ndata:", "\nlang: ko\ndata:", 1), encoding="utf-8")
    scenarios = tiny_copy(chosen, root / "scenarios")
    result = build_site([scenarios], root / "site", jobs=2)
    assert result.failures == []
    return root / "site"


def views(site: Path, stem: str) -> list[dict]:
    scenario = load_scenario(site.parent / "scenarios" / f"{stem}.yaml")
    trace = read_trace(site / stem / "trace.json")
    return exercise_views(scenario.spec.exercises, trace, site / stem, strings("en"),
                          Pacing(max_frames=4), (0, 1))


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
    assert index.count("1 exercise(s)") == 5 and 'href="exercises.html"' in index
    assert "lr-0.0083: looks settled, yet diverges." not in index  # the exercise asks exactly that
    card = index[index.index('href="lr/index.html"'):]
    card = card[: card.index("</li>")]  # its picture: the run where the question stops, not the grid's end
    assert 'src="lr/exercises/lr-0.0083-epoch-10.png"' in card and "divergent" not in card
    sheet = (site / "exercises.html").read_text(encoding="utf-8")
    assert sheet.count('<article class="exercise">') == 5
    assert sheet.count('<details class="answer">') == 5 and "<details class=\"answer\" open" not in sheet
    assert re.search(r'href="lr/index.html#exercise-1"', sheet)


def first_frame_time(page, run: str) -> float:
    return page.evaluate(f"document.querySelector('#run-{run} video').currentTime")


@needs_browser
def test_a_regime_answered_right_reveals_the_answer_the_row_and_the_analysis(browser, site):
    visit = Visit(browser, site, site / "lr" / "index.html")
    page = visit.page
    try:
        hidden = "s => document.querySelector(s).hidden"
        held = page.inner_text("#runs tr[data-run='lr-0.0083']")
        assert "with the answer to exercise 1" in held and "divergent" not in held
        assert not page.evaluate(hidden, "#analysis") and page.evaluate(hidden, "#compare")  # λmax stays
        assert page.evaluate(hidden, "#exercise-1 details.answer")
        assert not page.evaluate(hidden, "tr[data-run='lr-0.001']")
        assert page.is_visible("#run-lr-0\\.001 .scrub")  # the script shows what needs it
        video = page.query_selector("#run-lr-0\\.0083 video")
        assert video.get_attribute("poster") == "exercises/lr-0.0083-epoch-10.png"
        slider = page.query_selector("#run-lr-0\\.0083 input[data-video-slider]")
        trace = read_trace(site / "lr" / "trace.json")
        line = run_timeline(trace, trace.run("lr-0.0083"), Pacing(max_frames=4, hold=0))
        assert int(slider.get_attribute("max")) == line.frame_of(10) < line.first[-1]  # held where asked
        page.check("#exercise-1 input[value=divergent]")
        page.click("#exercise-1 button[type=submit]")
        assert page.inner_text("#exercise-1 .ex-feedback") == "Right."
        assert "divergent" in page.inner_text("#runs tr[data-run='lr-0.0083']")
        assert not page.evaluate(hidden, "#compare")
        assert page.evaluate("document.querySelector('#exercise-1 details.answer').open")
        assert int(slider.get_attribute("max")) == line.count - 1  # released: the whole video
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
        best = read_trace(site / "sse_vs_mse" / "trace.json").analysis.spectra["sse"].best_lr
        analysis = page.inner_text("#analysis")  # the best constant rate is this exercise's answer
        assert "Critical learning rate" in analysis and f"{best:.4g}" not in analysis
        assert "with the answer to exercise 1" in page.inner_text("#runs tr[data-run='mse-lr-0.1']")
        page.evaluate("gdanim.lab.set({loss: 'mse', optimizer: 'gd', lr: 0.001, epochs: 30})")
        page.click("#exercise-1 button[type=submit]")
        assert page.inner_text("#exercise-1 .ex-feedback").startswith("Not yet: with lr = 0.001")
        assert page.evaluate("document.querySelector('#exercise-1 details.answer').hidden")
        page.evaluate("gdanim.lab.set({lr: 0.4665})")
        page.click("#exercise-1 button[type=submit]")
        feedback = page.inner_text("#exercise-1 .ex-feedback")
        assert feedback.startswith("Yes: with lr = 0.4665") and "under 0.27" in feedback
        assert not page.evaluate("document.querySelector('#exercise-1 details.answer').hidden")
        assert f"{best:.4g}" in page.inner_text("#analysis")
        assert "max epochs" in page.inner_text("#runs tr[data-run='mse-lr-0.1']")
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
        assert page.is_visible("#runs tr[data-run='lr-0.0083']") and page.is_visible("#analysis")
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


# What an exercise must not tell before it is answered (gdanim.report.held).
HELD = {"lr": "lr-0.0083", "lr_ko": "lr-0.0083", "thermometer": "raw-lr-1e-2", "next": "lr-0.02-epochs-300"}
VERDICT_STEMS = {"en": ("diverg", "converg", "oscillat", "monoton", "explod", "λmax"),
                 "ko": ("발산", "수렴", "진동", "단조", "λmax")}
LANG = {"lr_ko": "ko"}
HELD_TEXT = """() => {
    const out = [];
    const outside = e => !e.closest('article.exercise');  // the questions, and the answers folded in them
    document.querySelectorAll('article.exercise').forEach(a => { a.dataset.display = a.style.display;
        a.style.display = 'none'; });
    out.push(...document.body.innerText.split('\\n'));
    document.querySelectorAll('article.exercise').forEach(a => { a.style.display = a.dataset.display; });
    document.querySelectorAll('[alt], [aria-label], [title]').forEach(e => { if (outside(e))
        out.push(...['alt', 'aria-label', 'title'].map(a => e.getAttribute(a) || '')); });
    return out;
}"""


def verdict_words(stem: str) -> tuple[str, ...]:
    lang = LANG.get(stem, "en")
    run = read_trace_cached(stem).run(HELD[stem])
    s = strings(lang)
    words = {s[f"status_{run.status}"], *VERDICT_STEMS[lang]}
    if run.regime:
        words.add(s[f"regime_{run.regime}"])
    return tuple(words)


_traces: dict = {}


def read_trace_cached(stem: str):
    return _traces.setdefault(stem, read_trace(SITE_ROOT[0] / stem / "trace.json"))


SITE_ROOT: list = []


def told(texts: list[str], stem: str) -> list[str]:
    """The pieces of text that say something about the held run: from each mention of it
    to the next mention of another run, holding a verdict word."""
    trace = read_trace_cached(stem)
    held, names = HELD[stem], sorted((r.name for r in trace.runs), key=len, reverse=True)
    mention = re.compile("|".join(re.escape(n) for n in names))
    words = verdict_words(stem)
    found = []
    for text in texts:
        hits = list(mention.finditer(text))
        for hit, after in zip(hits, [*hits[1:], None]):
            piece = text[hit.start(): after.start() if after else len(text)]
            if hit.group() == held and any(w in piece for w in words):
                found.append(piece)
    return found


def track_text(page, selector: str) -> str:
    import base64

    src = page.evaluate(f"document.querySelector({selector!r}).querySelector('track').getAttribute('src')")
    assert src.startswith("data:text/vtt")
    return base64.b64decode(src.split(",", 1)[1]).decode("utf-8")


def cue_starts(vtt: str) -> list[float]:
    def seconds(stamp: str) -> float:
        h, m, s = stamp.split(":")
        return int(h) * 3600 + int(m) * 60 + float(s)
    return [seconds(line.split(" --> ")[0]) for line in vtt.splitlines() if " --> " in line]


def png_pixels(path: Path):
    from matplotlib import image

    return image.imread(str(path))


@needs_browser
@pytest.mark.parametrize("stem", sorted(HELD))
def test_nothing_before_the_answer_tells_what_the_asked_run_does_next(browser, site, stem):
    SITE_ROOT[:] = [site]
    run = HELD[stem]
    trace = read_trace_cached(stem)
    s = strings(LANG.get(stem, "en"))
    visit = Visit(browser, site, site / stem / "index.html")
    page = visit.page
    try:
        assert told(page.evaluate(HELD_TEXT), stem) == []
        row = page.inner_text(f"#runs tr[data-run='{run}']")
        assert not any(w in row for w in verdict_words(stem)) and s["held_cell"].format(number=1) in row
        assert page.evaluate("[...document.querySelectorAll('#lab-reset option')].map(o => o.textContent)").count(
            run) == 0
        links = page.evaluate("[...document.querySelectorAll('a[href]')].filter(a => !a.closest('article'))"
                              ".map(a => a.getAttribute('href'))")
        assert not {f"{run}.csv", f"{run}.mp4", f"{run}.gif", "trace.json"} & set(links)
        from gdanim.report.analysis_text import verdicts

        shown = page.evaluate("[...document.querySelectorAll('#analysis > p')].map(p => p.innerText)")
        assert verdicts(trace, s) not in shown  # the general analysis stays, the verdict waits
        video = f"[id='run-{run}'] video"
        stop = float(page.get_attribute("#exercise-1", "data-stop"))
        held_vtt = track_text(page, video)
        assert not any(w in held_vtt for w in verdict_words(stem)) and max(cue_starts(held_vtt)) <= stop
        figures = page.evaluate("[...document.querySelectorAll('#figures img')].map(i => i.getAttribute('src'))")
        cut = [src for src in figures if src.endswith("-cut.png")]
        assert "assets/loss-cut.png" in cut
        for src in cut:  # a second rendering, not the full figure
            full = site / stem / src.replace("-cut.png", ".png")
            mine, theirs = png_pixels(site / stem / src), png_pixels(full)
            assert mine.shape == theirs.shape and not np.array_equal(mine, theirs), src
        assert visit.errors == [] and visit.outside == []
        if stem == "next":
            return
        page.check("#exercise-1 input[value=divergent]")
        page.click("#exercise-1 button[type=submit]")
        assert told(page.evaluate(HELD_TEXT), stem) != []  # now it tells
        full_vtt = track_text(page, video)
        assert full_vtt.startswith("WEBVTT") and len(cue_starts(full_vtt)) > len(cue_starts(held_vtt))
        assert (site / stem / f"{run}.vtt").read_text(encoding="utf-8") == full_vtt
        figures = page.evaluate("[...document.querySelectorAll('#figures img')].map(i => i.getAttribute('src'))")
        assert not any(src.endswith("-cut.png") for src in figures) and "assets/loss.png" in figures
        assert run in page.evaluate("[...document.querySelectorAll('#lab-reset option')].map(o => o.textContent)")
        assert verdicts(trace, s) in page.evaluate("[...document.querySelectorAll('#analysis > p')]"
                                                   ".map(p => p.innerText)")
        assert visit.errors == []
    finally:
        visit.close()


@needs_browser
@pytest.mark.parametrize("stem", ["lr", "lr_ko", "thermometer"])
def test_without_javascript_every_verdict_on_the_asked_run_is_inside_the_closed_answer(browser, site, stem):
    SITE_ROOT[:] = [site]
    run = HELD[stem]
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto((site / stem / "index.html").as_uri())
        assert told(page.evaluate(HELD_TEXT), stem) == []
        inside = page.evaluate("[...document.querySelectorAll('#exercise-1 details.answer *')].map(e => "
                               "[e.textContent, e.getAttribute('alt'), e.getAttribute('aria-label')].join(' '))")
        assert told(inside, stem) != []  # the answer holds the verdict, the row and the warning
        html = (site / stem / "index.html").read_text(encoding="utf-8")
        outside = re.sub(r'<details class="answer">.*?</details>', "", html, flags=re.S)
        row = at.run_row(read_trace_cached(stem).run(run), read_trace_cached(stem), strings(LANG.get(stem, "en")))
        said = [str(escape(x)) for x in (row.story, row.warning) if x]
        assert [x for x in said if x in outside] == [] and all(x in html for x in said)  # in the answer only
        video = f"[id='run-{run}'] video"
        assert not page.is_visible(video)  # its still instead: the video would play on
        assert page.evaluate(f"document.querySelector({video!r}).getAttribute('poster')").startswith("exercises/")
        assert not any(w in track_text(page, video) for w in verdict_words(stem))
        assert not page.evaluate("document.querySelector('#exercise-1 details.answer').open")
    finally:
        context.close()


@needs_browser
def test_an_answer_is_kept_across_a_reload_counted_on_the_index_and_the_worksheet_and_cleared(browser, site):
    visit = Visit(browser, site, site / "lr" / "index.html")
    page = visit.page
    try:
        page.check("#exercise-1 input[value=oscillating]")
        page.focus("#exercise-1 button[type=submit]")
        page.keyboard.press("Enter")
        assert page.inner_text("#exercise-1 .ex-feedback") == "Not quite."
        page.reload()
        assert page.inner_text("#exercise-1 .ex-feedback") == "Not quite."
        assert page.evaluate("document.querySelector('#exercise-1 details.answer').open")
        assert page.is_checked("#exercise-1 input[value=oscillating]")
        assert "divergent" in page.inner_text("#runs tr[data-run='lr-0.0083']")
        assert page.get_attribute("#figures img", "src") == "assets/loss.png"
        assert page.inner_text("[data-ex-progress] [data-progress-text]") == "1 of 1 answered, 0 right"
        for where in ("index.html", "exercises.html"):
            page.goto((site / where).as_uri())
            assert page.inner_text("[data-progress='lr']") == "1 of 1 answered, 0 right"
            assert page.inner_text("[data-progress='thermometer']") == "0 of 1 answered, 0 right"
        page.goto((site / "lr" / "index.html").as_uri())
        page.click("[data-clear-answers]")
        page.wait_for_load_state("load")
        assert "with the answer to exercise 1" in page.inner_text("#runs tr[data-run='lr-0.0083']")
        assert page.evaluate("document.querySelector('#exercise-1 details.answer').hidden")
        page.goto((site / "index.html").as_uri())
        assert page.inner_text("[data-progress='lr']") == "0 of 1 answered, 0 right"
        assert visit.errors == []
    finally:
        visit.close()


DENY_STORAGE = """Object.defineProperty(window, 'localStorage', {configurable: true,
    get() { throw new DOMException('The operation is insecure.', 'SecurityError'); }});"""


@needs_browser
def test_a_page_works_the_same_where_storage_is_refused(browser, site):
    visit = Visit(browser, site, site / "lr" / "index.html")
    page = visit.page
    try:
        visit.context.add_init_script(DENY_STORAGE)
        page.reload()
        assert page.evaluate("(() => { try { return !!window.localStorage; } catch (e) { return 'refused'; } })()") \
            == "refused"
        assert "with the answer to exercise 1" in page.inner_text("#runs tr[data-run='lr-0.0083']")
        page.check("#exercise-1 input[value=divergent]")
        page.click("#exercise-1 button[type=submit]")
        assert page.inner_text("#exercise-1 .ex-feedback") == "Right."
        assert "divergent" in page.inner_text("#runs tr[data-run='lr-0.0083']")
        page.reload()  # nothing kept: asked again
        assert "with the answer to exercise 1" in page.inner_text("#runs tr[data-run='lr-0.0083']")
        page.goto((site / "index.html").as_uri())
        assert page.inner_text("[data-progress='lr']") == "0 of 1 answered, 0 right"
        assert visit.errors == []
    finally:
        visit.close()


REGIME_STEMS = {"divergent": ("diverg", "explod", "blow"), "monotone": ("monoton",), "oscillating": ("oscillat",)}


def test_the_examples_descriptions_do_not_tell_the_asked_runs_regime(site):
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        scenario = load_scenario(path)
        for ex in scenario.spec.exercises:
            if ex.ask != "regime":
                continue
            trace = read_trace(site / path.stem / "trace.json")
            said = [w for w in REGIME_STEMS[trace.run(ex.run).regime] if w in scenario.spec.description.lower()]
            assert said == [], f"{path.name}: its description says {said} of {ex.run}"


def test_a_track_cut_for_an_exercise_keeps_the_events_up_to_it_without_the_verdict():
    from gdanim.report.held import held_events
    from gdanim.scene.events import Event

    events = [Event(0, "start"), Event(3, "overshoot"), Event(7, "grows", 2.01), Event(12, "diverges"),
              Event(30, "end")]
    assert held_events(events, 10) == [Event(0, "start"), Event(3, "overshoot"), Event(7, "grows", None)]


def test_the_asked_runs_video_calls_out_no_verdict_before_the_epoch_asked():
    from gdanim.render.pipeline import asked_events
    from gdanim.scene.events import Event

    class Run:
        name, steps = "lr-0.0083", 30

    events = [Event(0, "start"), Event(7, "grows", 2.01), Event(12, "diverges"), Event(30, "end")]
    assert asked_events(Run(), events, [("lr-0.0083", 10)])[1] == Event(7, "grows", None)
    assert asked_events(Run(), events, [("lr-0.0083", 5)])[1] == Event(7, "grows", 2.01)  # after: the full words
    assert asked_events(Run(), events, [("other", 10)]) == events
