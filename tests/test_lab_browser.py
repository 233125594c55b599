"""The live lab in headless Chromium: where it appears, keyboard and pointer, exact resets.

The examples are copied as in test_site_browser.py (thumb preset, few frames) and built
with posters only, plus one scenario too large to carry the lab. Screenshots of the lab
at 1280 and 375 px go to tests/artifacts/ (git-ignored).
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from browser_support import ARTIFACTS, ROOT, Visit, needs_browser, tiny_copy, used_fonts

from gdanim.build import build_site
from gdanim.report import lab as lab_module

BIG_N = lab_module.MAX_VALUES // 2 + 1  # n * (k + 1) just over the limit
BIG = f"""\
title: Too many points for the lab
data:
  synthetic: {{n: {BIG_N}, seed: 1, x: randn, params: [1.0, 2.0], noise: 0.1}}
loss: mse
lr: 0.1
epochs: 2
render: {{preset: thumb, max_frames: 2}}
"""
POSTERS = {"formats": ["png"]}


def lab_site(root: Path, stems: tuple[str, ...] | None = None, extra: dict[str, str] | None = None) -> Path:
    """The cut-down examples (only `stems`, when given, and the `extra` files) built with
    posters only into root/site; returns the site."""
    scenarios = tiny_copy(ROOT / "scenarios", root / "scenarios")
    for path in scenarios.glob("*.yaml"):
        if stems is not None and path.stem not in stems:
            path.unlink()
    for name, text in (extra or {}).items():
        (scenarios / name).write_text(text, encoding="utf-8")
    result = build_site([scenarios], root / "site", jobs=2, render_options=POSTERS)
    assert result.failures == []
    return root / "site"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return lab_site(tmp_path_factory.mktemp("lab"), extra={"big.yaml": BIG})


class Lab(Visit):
    """A scenario page with its lab, every request checked as in Visit."""

    def __init__(self, browser, site: Path, stem: str, width: int = 1280) -> None:
        super().__init__(browser, site, site / stem / "index.html", width)

    def js(self, script: str, arg=None):
        return self.page.evaluate(script, arg)

    def result(self) -> dict:
        return self.js("() => { const r = gdanim.lab.update(); return {final: r.final, status: r.status, "
                       "finalLoss: r.finalLoss, steps: r.steps, readout: r.readout, exit: r.exit, drawn: r.drawn, "
                       "divergedAt: r.divergedAt, perEpoch: r.perEpoch}; }")

    def state(self) -> dict:
        return self.js("() => JSON.parse(JSON.stringify(gdanim.lab.state))")

    def readout(self) -> str:
        self.settle()
        return self.page.inner_text("#lab-readout")

    def settle(self) -> None:
        """Draw now what the last input asked for (the page redraws in the next frame)."""
        self.js("() => { gdanim.lab.update(); }")

    def clean(self) -> list[str]:
        return [f"console: {e}" for e in self.errors] + [f"request: {u}" for u in self.outside]


@contextmanager
def opened(browser, site: Path, stem: str, width: int = 1280) -> Iterator[Lab]:
    visit = Lab(browser, site, stem, width)
    try:
        yield visit
    finally:
        visit.close()


def scenario_stems(site: Path) -> list[str]:
    return sorted(p.parent.name for p in site.glob("*/index.html"))


def same_float32(got: list, want: list) -> bool:
    """The same float32 numbers, a non-finite one (null in JSON) matching any non-finite one."""
    g = np.asarray([np.nan if v is None else v for v in got], np.float64).astype(np.float32)
    w = np.asarray([np.nan if v is None else v for v in want], np.float64).astype(np.float32)
    return g.shape == w.shape and bool(np.all((g == w) | (~np.isfinite(g) & ~np.isfinite(w))))


@needs_browser
def test_the_lab_appears_on_every_example_page_and_not_where_the_data_are_too_large(browser, site):
    seen, problems = [], []
    for stem in scenario_stems(site):
        with opened(browser, site, stem) as visit:
            shown = visit.page.is_visible("#lab")
            link = visit.page.is_visible("a[href='#lab']")
            if stem == "big":
                if shown or visit.page.query_selector("#lab") or visit.js("() => !!(window.gdanim && gdanim.lab)"):
                    problems.append("big: has a lab")
            elif not (shown and link):
                problems.append(f"{stem}: no lab shown (section {shown}, link {link})")
            elif not visit.readout():
                problems.append(f"{stem}: empty readout")
            else:
                seen.append(stem)
            problems += [f"{stem}: {p}" for p in visit.clean()]
    assert problems == []
    assert seen == sorted(p.stem for p in (ROOT / "scenarios").glob("*.yaml"))


@needs_browser
def test_the_index_page_has_no_lab(browser, site):
    visit = Visit(browser, site, site / "index.html")
    try:
        assert visit.page.query_selector("#lab") is None
        assert visit.page.evaluate("() => !!(window.gdanim && window.gdanim.lab)") is False
    finally:
        visit.close()


@needs_browser
def test_without_script_the_lab_stays_hidden_and_the_rest_of_the_page_is_whole(browser, site):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto((site / "lr" / "index.html").resolve().as_uri())
        assert not page.is_visible("#lab") and not page.is_visible("a[href='#lab']")
        assert page.is_visible("#runs") and page.is_visible("#figures")
    finally:
        context.close()


@needs_browser
def test_the_keyboard_alone_moves_the_learning_rate_and_the_path_and_readout_follow(browser, site):
    with opened(browser, site, "lr") as visit:
        page = visit.page
        before, readout = visit.result(), visit.readout()
        page.click(".lab-intro")  # sequential focus starts here; the slider is the next stop
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == "lab-lr-range"
        position = int(page.input_value("#lab-lr-range"))
        for _ in range(6):
            page.keyboard.press("ArrowRight")
        page.wait_for_function(f"document.getElementById('lab-lr-range').value == {position + 6}")
        after = visit.result()
        state = visit.state()
        assert state["lr"] == pytest.approx(visit.js(f"() => gdanim.lab.lrOfPosition({position + 6})"))
        assert state["lr"] > 0.0001 * 1.2
        assert page.input_value("#lab-lr") == str(visit.js("() => gdanim.lab.state.lr"))
        assert after["final"] != before["final"]
        assert visit.readout() != readout and "monotone" in visit.readout()
        page.keyboard.press("End")
        assert visit.state()["lr"] == pytest.approx(visit.js("() => gdanim.lab.lrOfPosition(240)"))
        assert "divergent" in visit.readout()
        assert visit.clean() == []


@needs_browser
def test_the_slider_maps_positions_to_rates_on_a_log_scale_with_the_critical_rate_marked(browser, site):
    with opened(browser, site, "lr") as visit:
        data = visit.js("() => JSON.parse(document.getElementById('lab-data').textContent)")
        lo, hi = data["lr_range"]["sse"]
        middle = visit.js("() => gdanim.lab.lrOfPosition(120)")
        assert middle == pytest.approx(math.sqrt(lo * hi), rel=5e-3)
        assert visit.js("() => gdanim.lab.lrOfPosition(0)") == pytest.approx(lo)
        critical = data["units"][0]["spectra"]["sse"]["critical_lr"]
        tick = visit.js("() => document.querySelector('#lab-lr-ticks option').value")
        assert int(tick) == round(math.log(critical / lo) / math.log(hi / lo) * 240)
        mark = visit.page.inner_text("#lab-critical-mark")
        assert mark == "2/λmax = 0.00824"
        assert visit.page.get_attribute("#lab-lr-range", "aria-describedby") == "lab-critical-mark"
        visit.page.fill("#lab-lr", "0.001")
        assert visit.page.get_attribute("#lab-lr-range", "aria-valuetext") is not None
        assert visit.js("() => { gdanim.lab.update(); return gdanim.lab.state.lr; }") == 0.001
        assert int(visit.page.input_value("#lab-lr-range")) == round(math.log(0.001 / lo) / math.log(hi / lo) * 240)


@needs_browser
def test_a_click_on_the_contours_sets_the_start_and_arrow_keys_move_it(browser, site):
    with opened(browser, site, "lr") as visit:
        page = visit.page
        drawn = visit.result()["drawn"]
        plot, box = drawn["plot"], drawn["box"]
        page.click("#lab-contour", position={"x": plot["L"] + 0.25 * plot["W"], "y": plot["T"] + 0.25 * plot["H"]})
        init = visit.state()["init"]
        span = [box["hi"][i] - box["lo"][i] for i in range(2)]
        assert init[0] == pytest.approx(box["lo"][0] + 0.25 * span[0], abs=0.01 * span[0])
        assert init[1] == pytest.approx(box["lo"][1] + 0.75 * span[1], abs=0.01 * span[1])
        assert visit.result()["final"] != [-5.0, 10.0]
        assert page.evaluate("document.activeElement.id") == "lab-contour"
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowUp")
        page.keyboard.press("ArrowUp")
        moved = visit.state()["init"]
        visit.settle()
        assert moved[0] == pytest.approx(init[0] + 0.02 * span[0], rel=1e-6)
        assert moved[1] == pytest.approx(init[1] + 0.04 * span[1], rel=1e-6)
        assert page.input_value("[data-lab-init='0']") == str(float(f"{moved[0]:.6g}")).removesuffix(".0")
        first = visit.js("() => gdanim.lab.result().params[0]")
        assert first == pytest.approx(moved, rel=1e-6)  # float32 of the start
        assert visit.clean() == []


@needs_browser
def test_resetting_to_each_recorded_run_reproduces_its_final_params(browser, site):
    problems, checked = [], 0
    for stem in scenario_stems(site):
        if stem == "big":
            continue
        runs = {r["name"]: r for r in json.loads((site / stem / "trace.json").read_text())["runs"]}
        with opened(browser, site, stem) as visit:
            for value, name in visit.js("() => [...document.querySelectorAll('#lab-reset option')]"
                                        ".filter(o => o.value).map(o => [o.value, o.textContent])"):
                visit.page.select_option("#lab-reset", value)
                got, want = visit.result(), runs[name]
                if got["status"] != want["status"] or got["steps"] != len(want["steps"]):
                    problems.append(f"{stem}/{name}: {got['status']} after {got['steps']} steps, "
                                    f"recorded {want['status']} after {len(want['steps'])}")
                if not same_float32(got["final"], want["final"]["params"]) or not same_float32(
                        [got["finalLoss"]], [want["final"]["loss"]]):
                    problems.append(f"{stem}/{name}: final {got['final']}, {got['finalLoss']} != "
                                    f"{want['final']['params']}, {want['final']['loss']}")
                if visit.page.input_value("#lab-reset") != value:
                    problems.append(f"{stem}/{name}: the select does not name the run")
                checked += 1
            problems += [f"{stem}: {p}" for p in visit.clean()]
    assert problems == []
    assert checked >= 25


@needs_browser
def test_a_reset_lands_on_the_final_state_the_page_carries_not_on_a_replay(browser, site):
    """The page's own copy of lr's lab data, each run's end moved off any replay's (final params
    + 0.5, final loss x 3, one step fewer): a reset shows those, a replay would not."""
    page_path = site / "lr" / "moved-ends.html"
    html = (site / "lr" / "index.html").read_text(encoding="utf-8")
    head, rest = html.split('<script type="application/json" id="lab-data">', 1)
    block, tail = rest.split("</script>", 1)
    data = json.loads(block)
    for run in data["runs"]:
        run["final"] = [v + 0.5 for v in run["final"]]
        run["final_loss"] *= 3
        run["steps"] -= 1
    page_path.write_text(head + '<script type="application/json" id="lab-data">' + json.dumps(data) + "</script>"
                         + tail, encoding="utf-8")
    visit = Lab(browser, site, "lr")
    try:
        visit.page.goto(page_path.resolve().as_uri(), wait_until="load")
        for i, run in enumerate(data["runs"]):
            got = visit.js("(i) => { const r = gdanim.lab.reset(i); return {final: r.final, finalLoss: r.finalLoss, "
                           "steps: r.steps, status: r.status, last: r.params[r.steps]}; }", i)
            assert same_float32(got["final"], run["final"]) and same_float32(got["last"], run["final"]), run["name"]
            assert same_float32([got["finalLoss"]], [run["final_loss"]]), run["name"]
            assert (got["steps"], got["status"]) == (run["steps"], run["status"]), run["name"]
        visit.page.fill("#lab-lr", str(data["runs"][0]["settings"]["lr"] * 1.5))  # a new rate: a replay again
        assert not same_float32(visit.result()["final"], data["runs"][0]["final"])
        assert visit.clean() == []
    finally:
        visit.close()
        page_path.unlink()


@needs_browser
def test_a_rate_past_the_critical_one_diverges_and_the_path_stays_in_view(browser, site):
    with opened(browser, site, "lr") as visit:
        page = visit.page
        view = visit.js("() => gdanim.lab.view()")
        page.fill("#lab-epochs", "1000")
        page.fill("#lab-lr", "0.02")
        got = visit.result()
        assert got["status"] == "diverged"
        assert f"diverged at epoch {got['divergedAt']}" in visit.readout()
        assert "divergent" in visit.readout() and "The path left the view at epoch 1" in visit.readout()
        assert visit.js("() => gdanim.lab.view()") == view
        drawn = got["drawn"]
        x, y = drawn["exit"]
        plot = drawn["plot"]
        assert plot["L"] - 1 <= x <= plot["L"] + plot["W"] + 1 and plot["T"] - 1 <= y <= plot["T"] + plot["H"] + 1
        assert drawn["box"] == {"lo": view["lo"], "hi": view["hi"]}
        page.fill("#lab-lr", "0.0085")  # diverges slowly: far away, yet finite, after 300 epochs
        page.fill("#lab-epochs", "300")
        got = visit.result()
        assert got["status"] == "max_epochs" and got["exit"]["epoch"] > 1
        assert f"The path left the view at epoch {got['exit']['epoch']}" in visit.readout()
        assert visit.js("() => gdanim.lab.view()") == view and got["drawn"]["box"] == drawn["box"]
        assert visit.clean() == []


@needs_browser
def test_every_optimizer_runs_from_the_select_and_shows_its_own_options(browser, site):
    with opened(browser, site, "optimizers") as visit:
        page = visit.page
        seen = {}
        for name in ("gd", "sgd", "momentum", "nesterov", "adam", "rmsprop", "adagrad"):
            page.select_option("#lab-optimizer", name)
            got = visit.result()
            seen[name] = (got["status"], page.is_visible("#lab-momentum"), page.is_visible("#lab-beta1"))
        assert seen["adam"][1:] == (False, True) and seen["momentum"][1:] == (True, False)
        assert seen["gd"][1:] == (False, False) and seen["rmsprop"][1:] == (True, False)
        assert all(status in ("converged", "diverged", "max_epochs") for status, _, _ in seen.values())
        page.select_option("#lab-optimizer", "adam")
        visit.settle()
        assert visit.state()["lr"] == 0.1  # the rate stays; the options are adam's from its run
        assert page.input_value("#lab-beta2") == "0.999"
        page.fill("#lab-beta1", "0.5")
        assert visit.state()["betas"] == [0.5, 0.999]
        assert visit.clean() == []


@needs_browser
def test_a_reset_brings_the_runs_schedule_and_constant_takes_it_away(browser, site):
    with opened(browser, site, "schedules") as visit:
        page = visit.page
        page.select_option("#lab-reset", label="cosine")
        visit.settle()
        assert page.input_value("#lab-schedule") != ""
        assert "cosine" in page.inner_text("#lab-schedule option:checked")
        assert "lr·λmax" not in visit.readout()  # no regime for a rate that changes
        page.select_option("#lab-schedule", "")
        visit.settle()
        assert visit.state()["train"].get("schedule") is None and "lr·λmax" in visit.readout()
        assert page.input_value("#lab-reset") == ""


@needs_browser
def test_other_units_switch_the_data_view_and_critical_rate(browser, site):
    with opened(browser, site, "thermometer") as visit:
        page = visit.page
        raw = page.inner_text("#lab-critical-mark")
        page.select_option("#lab-units", "1")
        visit.settle()
        assert visit.state()["units"] == 1 and visit.state()["init"] == [0.0, 1.0]
        assert page.inner_text("#lab-critical-mark") != raw
        assert visit.result()["status"] == "max_epochs"


@needs_browser
def test_the_page_api_sets_state_and_reports_changes_and_picks(browser, site):
    with opened(browser, site, "lr") as visit:
        out = visit.js("""() => {
            const seen = [];
            gdanim.lab.on('change', d => seen.push(d.status));
            gdanim.lab.set({lr: 0.0083, epochs: 200});
            gdanim.lab.update();
            const picks = [];
            const off = gdanim.lab.on('pick', d => { picks.push(d.params); return false; });
            const c = document.getElementById('lab-contour'), r = c.getBoundingClientRect();
            const at = {clientX: r.left + r.width / 2, clientY: r.top + r.height / 2, button: 0, pointerId: 1};
            c.dispatchEvent(new PointerEvent('pointerdown', at));
            off();
            return {seen, picks, init: gdanim.lab.state.init, runs: gdanim.lab.runs};
        }""")
        assert out["seen"] == ["max_epochs"]
        assert len(out["picks"]) == 1 and out["init"] == [-5.0, 10.0]  # a pick taken by a listener
        assert out["runs"] == ["lr-0.0001", "lr-0.001", "lr-0.0083", "lr-0.0085", "lr-0.01"]
        with pytest.raises(Exception, match="unknown property"):
            visit.js("() => gdanim.lab.set({learning_rate: 1})")


@needs_browser
def test_the_korean_page_labels_the_lab_in_korean(browser, tmp_path):
    scenarios = tiny_copy(ROOT / "scenarios", tmp_path / "scenarios")
    result = build_site([scenarios / "lr.yaml", scenarios / "robust.yaml"], tmp_path / "site", lang="ko",
                        render_options=POSTERS)
    assert result.failures == []
    with opened(browser, tmp_path / "site", "lr") as visit:
        labels = visit.js("() => [...document.querySelectorAll('#lab label, #lab legend, #lab h2')]"
                          ".map(e => e.textContent.trim())")
        assert "직접 해 보기" in labels and "학습률 (로그 눈금)" in labels and "옵티마이저" in labels
        assert visit.readout().startswith("최종 손실")
        # this machine has no Korean font: the epoch line and the canvases' words in Hangul
        # come from the page's own subset, not as empty boxes
        visit.js("() => document.fonts.ready.then(() => gdanim.lab.update())")
        assert visit.page.inner_text("#lab-epoch-out").startswith("에폭")
        assert ("NanumGothic", True) in used_fonts(visit.page, "#lab-epoch-out")
        fonts = visit.js("() => ['lab-fit', 'lab-loss'].map(id => document.getElementById(id)"
                         ".getContext('2d').font)")  # (the contour's words are drawn in its layer)
        assert all("gdanim Hangul" in f for f in fonts), fonts
        # the loss canvas's y label, drawn in its font and in the fallback alone, differs
        inked = visit.js("""(font) => [font, '11px monospace'].map((f) => {
          const c = document.createElement('canvas'), ctx = c.getContext('2d');
          c.width = 60; c.height = 20; ctx.font = f; ctx.fillText('손실', 2, 14);
          return Array.from(ctx.getImageData(0, 0, 60, 20).data).join(',');
        })""", fonts[1])
        assert inked[0] != inked[1]
        assert visit.clean() == []
    # the lab's sentences take the particle that agrees with each number and name filled in:
    # MAE is read 엠에이이, so 는 (not the both-ways 은(는) of the catalog)
    with opened(browser, tmp_path / "site", "robust") as visit:
        visit.js("() => gdanim.lab.set({loss: 'mae'})")
        said = visit.page.inner_text("#lab")
        assert "MAE는 이차식이 아니어서" in said
        assert not re.search(r"이\(가\)|은\(는\)|을\(를\)|과\(와\)|\(으\)로", said)
        assert visit.clean() == []


@needs_browser
def test_gdanim_render_writes_a_page_with_a_working_lab(browser, tmp_path):
    scenarios = tiny_copy(ROOT / "scenarios", tmp_path / "scenarios")
    done = subprocess.run([sys.executable, "-m", "gdanim", "render", str(scenarios / "sse_vs_mse.yaml"),
                           "-o", str(tmp_path / "out"), "--format", "png", "--quiet"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    with opened(browser, tmp_path / "out", "sse_vs_mse") as visit:
        assert visit.page.is_visible("#lab") and visit.result()["status"] == "max_epochs"
        assert visit.clean() == []


@needs_browser
def test_the_lab_fits_a_phone_and_screenshots_are_saved(browser, site):
    ARTIFACTS.mkdir(exist_ok=True)
    for width in (1280, 375):
        with opened(browser, site, "lr", width) as visit:
            overflow = visit.js("document.documentElement.scrollWidth") - width
            assert overflow <= 0, f"{overflow} px too wide at {width}"
            canvas = visit.js("() => { const c = document.getElementById('lab-contour'); "
                              "return [c.width, c.clientWidth, window.devicePixelRatio]; }")
            assert canvas[0] == round(canvas[1] * canvas[2])
            visit.page.locator("#lab").screenshot(path=str(ARTIFACTS / f"lab-lr-{width}.png"))
    assert (ARTIFACTS / "lab-lr-375.png").stat().st_size > 10_000


@needs_browser
def test_a_robust_loss_trains_on_its_own_level_sets_and_says_why_it_has_no_critical_rate(browser, site):
    with opened(browser, site, "robust") as visit:
        page = visit.page
        labels = visit.js("() => [...document.querySelectorAll('#lab input[name=lab-loss]')]"
                          ".map(r => r.parentNode.textContent.trim())")
        assert labels == ["SSE", "MSE", "MAE", "Huber (δ = 1)"]
        page.select_option("#lab-reset", label="mae")
        got = visit.result()
        text = visit.readout()
        assert "MAE is not quadratic" in text and "lr·λmax" not in text
        assert "distance to the MAE minimum" in text
        assert not page.is_visible("#lab-critical-mark")
        levels = got["drawn"]["levels"]
        assert levels["kind"] == "grid" and levels["segments"] > 100 and levels["nx"] >= 24
        assert got["drawn"]["fit"] == {"outliers": 3, "ols": True, "own": True, "kind": "line", "atPoints": None}
        assert page.is_checked("#lab input[value=mae]")
        page.check("#lab input[value='huber:1.0']")
        got = visit.result()
        assert visit.state()["loss"] == "huber" and visit.state()["train"]["huber_delta"] == 1.0
        assert "Huber is quadratic only for errors below δ = 1" in visit.readout()
        assert got["drawn"]["levels"]["kind"] == "grid"
        page.check("#lab input[value=sse]")
        got = visit.result()
        assert got["drawn"]["levels"]["kind"] == "ellipses" and got["drawn"]["fit"]["ols"] is False
        assert page.is_visible("#lab-critical-mark") and "lr·λmax" in visit.readout()
        assert visit.clean() == []


@needs_browser
def test_mini_batches_replay_the_recorded_shuffle_and_a_batch_size_can_be_typed(browser, site):
    trace = json.loads((site / "minibatch" / "trace.json").read_text())
    recorded = {r["name"]: r for r in trace["runs"]}
    with opened(browser, site, "minibatch") as visit:
        page = visit.page
        page.select_option("#lab-reset", label="batch-5")
        got = visit.result()
        want = recorded["batch-5"]
        n = len(trace["data"]["y"])
        assert got["perEpoch"] == math.ceil(n / 5) and got["steps"] == len(want["steps"])
        assert same_float32(got["final"], want["final"]["params"])
        assert page.input_value("#lab-batch") == "5" and page.input_value("#lab-seed") == str(want["settings"]["seed"])
        assert not page.is_disabled("#lab-seed")
        page.fill("#lab-epoch", "37")
        page.dispatch_event("#lab-epoch", "input")
        visit.settle()
        text = page.inner_text("#lab-epoch-out")
        assert text.startswith(f"step 37 of {got['steps']} (epoch {37 / got['perEpoch']:.3g})")
        assert "on its batch" in text
        # the loss plot's x axis is in epochs: its mark stands at step 37's share of the steps
        mark = visit.js("() => gdanim.lab.update().drawn.loss.mark")
        assert mark == pytest.approx(37 / got["steps"], abs=1 / 400)
        assert "lr·λmax" not in visit.readout()  # the regime is full batch's
        page.fill("#lab-seed", "8")  # another shuffle: another path, the same number of steps
        other = visit.result()
        assert other["steps"] == got["steps"] and other["final"] != got["final"]
        page.fill("#lab-batch", "")  # full batch: one step an epoch, and the regime again
        full = visit.result()
        assert full["perEpoch"] == 1 and full["steps"] == want["settings"]["epochs"]
        assert "lr·λmax" in visit.readout() and visit.state()["train"]["batch_size"] is None
        assert page.is_disabled("#lab-seed")  # full batch: nothing to shuffle
        page.fill("#lab-batch", str(n))  # n points in a batch is the full batch too
        assert visit.result()["perEpoch"] == 1
        assert visit.clean() == []


@needs_browser
def test_a_polynomial_is_drawn_as_its_curve_over_the_raw_x(browser, site):
    with opened(browser, site, "polynomial") as visit:
        data = visit.js("() => JSON.parse(document.getElementById('lab-data').textContent)")
        for run in ("standardized", "raw"):  # the curve at each point's x is the model's ŷ there
            visit.page.select_option("#lab-reset", label=run)
            visit.page.fill("#lab-epoch", "7")
            visit.page.dispatch_event("#lab-epoch", "input")
            got = visit.result()
            fit, w = got["drawn"]["fit"], np.asarray(visit.js("() => gdanim.lab.result().params[7]"))
            units = data["units"][visit.state()["units"]]
            yhat = w[0] + np.asarray(units["x"], np.float64) @ w[1:]
            assert fit["kind"] == "curve" and np.allclose(fit["atPoints"], yhat, rtol=1e-4, atol=1e-4), run
    with opened(browser, site, "multivariate") as visit:
        assert visit.result()["drawn"]["fit"]["kind"] == "y against ŷ"
    with opened(browser, site, "lr") as visit:
        assert visit.result()["drawn"]["fit"]["kind"] == "line"
