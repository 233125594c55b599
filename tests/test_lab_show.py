"""A lab that says what it shows, in headless Chromium: the rate slider never pins, the
readouts describe the run drawn (a robust loss's share of the way covered, a schedule's
epoch below 2/λmax with its rate drawn), the contours are at equal scale, a phone shows
each control before its result in the order of Tab, and the live region speaks once."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from browser_support import needs_browser
from test_lab_browser import lab_site, opened

from gdanim.numbers import num
from gdanim.schedules import epoch_rates

STEMS = ("lr", "robust", "schedules", "polynomial")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return lab_site(tmp_path_factory.mktemp("lab-show"), STEMS)


def page_data(visit) -> dict:
    return visit.js("() => JSON.parse(document.getElementById('lab-data').textContent)")


def thumb(visit) -> dict:
    """The slider as a student sees it: thumb position, its ends, the rate it stands for,
    the rate field and the rate announced; and the state's rate."""
    visit.settle()
    return visit.js("""() => {
      const r = document.getElementById('lab-lr-range'), v = Number(r.value);
      return {value: v, min: Number(r.min), max: Number(r.max), rate: gdanim.lab.lrOfPosition(v),
              field: document.getElementById('lab-lr').value, text: r.getAttribute('aria-valuetext'),
              lr: gdanim.lab.state.lr};
    }""")


def assert_not_pinned(t: dict, steps: int) -> None:
    assert t["min"] < t["value"] < t["max"], t
    assert t["rate"] == pytest.approx(t["lr"], rel=math.log(1e4) / steps), t  # within one position
    assert float(t["field"]) == t["lr"] and t["text"] == num(t["lr"]), t


@needs_browser
def test_the_slider_never_pins_when_the_loss_changes_at_an_extreme_rate(browser, site):
    with opened(browser, site, "lr") as visit:
        page, steps = visit.page, page_data(visit)["slider_steps"]
        ranges = page_data(visit)["lr_range"]
        page.check("#lab input[value=mse]")
        page.fill("#lab-lr", "0.5")
        assert_not_pinned(thumb(visit), steps)
        page.check("#lab input[value=sse]")  # 0.5 is far above SSE's decades
        t = thumb(visit)
        assert t["lr"] == 0.5 and ranges["sse"][1] < 0.5
        assert_not_pinned(t, steps)
        ends = visit.js(f"() => [gdanim.lab.lrOfPosition(0), gdanim.lab.lrOfPosition({steps})]")
        assert ends == pytest.approx([ranges["sse"][0], 1.0])  # SSE's decades, widened to hold 0.5
        page.fill("#lab-lr", "0.000000123")  # far below both
        page.check("#lab input[value=mse]")
        t = thumb(visit)
        assert t["lr"] == 1.23e-7 and t["lr"] < ranges["mse"][0]
        assert_not_pinned(t, steps)
        ends = visit.js(f"() => [gdanim.lab.lrOfPosition(0), gdanim.lab.lrOfPosition({steps})]")
        assert ends == pytest.approx([1e-7, ranges["mse"][1]])  # MSE's decades, widened down to the rate
        page.fill("#lab-lr", "1")  # a whole decade is inside too, not at an end
        assert_not_pinned(thumb(visit), steps)
        page.focus("#lab-lr-range")  # and the keyboard moves on from there
        before = visit.state()["lr"]
        page.keyboard.press("ArrowRight")
        assert visit.state()["lr"] > before
        assert_not_pinned(thumb(visit), steps)
        page.fill("#lab-lr", "0.05")  # back inside the loss's decades: the slider's own range again
        assert thumb(visit)["rate"] == pytest.approx(0.05, rel=math.log(1e4) / steps)
        assert visit.js("() => gdanim.lab.lrOfPosition(0)") == pytest.approx(ranges["mse"][0])
        assert visit.clean() == []


def distances(params: list, own: list) -> np.ndarray:
    return np.linalg.norm(np.asarray(params, np.float64) - np.asarray(own, np.float64), axis=1)


@needs_browser
def test_a_robust_readout_says_how_much_of_the_way_the_path_covered_and_hovers_only_when_it_does(browser, site):
    with opened(browser, site, "robust") as visit:
        page, data = visit.page, page_data(visit)
        own = data["units"][0]["robust"]["mae"]["params"]
        page.check("#lab input[value=mae]")
        page.fill("#lab-lr", "0.001")
        text = visit.readout()
        params = visit.js("() => gdanim.lab.update().params")
        d = distances(params, own)
        covered = 100 * (1 - d[-1] / d[0])
        assert covered < 2  # the path barely moves...
        assert f"MAE at lr 0.001: the path covers {num(covered, 3)}% of the way to the minimum in 60 epochs." in text
        assert "hovers" not in text  # ...so the readout does not say it hovers
        page.select_option("#lab-reset", label="mae")  # lr 0.5: it gets there and goes to and fro
        text = visit.readout()
        d = distances(visit.js("() => gdanim.lab.update().params"), own)
        assert 1 - d[-1] / d[0] > 0.9 and (np.diff(d[len(d) * 3 // 4 - 1:]) > 0).any()
        assert "hovers" in text and "the path covers" in text
        page.check("#lab input[value='huber:1.0']")
        page.fill("#lab-lr", "0.05")  # Huber near its minimum is quadratic: a small rate walks straight in
        text = visit.readout()
        d = distances(visit.js("() => gdanim.lab.update().params"), data["units"][0]["robust"]["huber:1.0"]["params"])
        assert (np.diff(d) <= 0).all() and "hovers" not in text and "Huber (δ = 1) at lr 0.05" in text
        assert visit.clean() == []


def critical_epoch(rates: np.ndarray, critical: float) -> int:
    above = np.nonzero(rates >= critical)[0]
    return 0 if len(above) == 0 else int(above[-1]) + 1


@needs_browser
def test_a_schedule_names_the_epoch_its_rate_falls_below_the_critical_one_and_draws_the_rate(browser, site):
    with opened(browser, site, "schedules") as visit:
        page, data = visit.page, page_data(visit)
        critical = data["units"][0]["spectra"]["sse"]["critical_lr"]
        assert not page.is_visible("#lab-rate-figure")  # a constant rate: nothing to draw
        seen = []
        for i, entry in enumerate(data["schedules"]):
            page.select_option("#lab-schedule", str(i))
            got = visit.result()
            rates = epoch_rates(entry["schedule"], 0.0085, 60)
            epoch = critical_epoch(rates, critical)
            assert f"The rate falls below 2/λmax = 0.00824 at epoch {epoch}." in visit.readout(), entry
            assert got["drawn"]["rate"]["below"] == epoch and page.is_visible("#lab-rate-figure")
            assert got["drawn"]["rate"]["first"] == rates[0] and got["drawn"]["rate"]["last"] == rates[-1]
            assert got["drawn"]["rate"]["critical"] == critical
            seen.append(epoch)
            inked = visit.js("""() => {  // the rate's line (blue) is on the canvas
              const c = document.getElementById('lab-rate');
              const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
              let n = 0;
              for (let i = 0; i < px.length; i += 4) if (px[i + 2] > 150 && px[i] < 80) n++;
              return n;
            }""")
            assert inked > 100, entry
        assert seen == [10, 7, 4]  # the scenario's own description
        page.fill("#lab-epoch", "15")  # epoch 15 of 60: a quarter of the way along both plots
        page.dispatch_event("#lab-epoch", "input")
        marks = visit.result()["drawn"]
        assert marks["rate"]["mark"] == pytest.approx(0.25, abs=1 / 400)
        assert marks["loss"]["mark"] == pytest.approx(0.25, abs=1 / 400)
        page.select_option("#lab-schedule", "")
        got = visit.result()
        assert not page.is_visible("#lab-rate-figure") and got["drawn"]["rate"] is None
        assert "falls below" not in visit.readout()
        assert visit.clean() == []


@needs_browser
@pytest.mark.parametrize("width", [1280, 375])
def test_the_schedule_menu_shows_each_label_whole(browser, site, width):
    with opened(browser, site, "schedules", width) as visit:
        fits = visit.js("""() => {
          const s = document.getElementById('lab-schedule'), ctx = document.createElement('canvas').getContext('2d');
          const style = getComputedStyle(s);
          ctx.font = style.font;
          // the room for text: the box less its padding and the arrow
          const room = s.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 20;
          return [...s.options].map((o) => [o.textContent, ctx.measureText(o.textContent).width <= room]);
        }""")
        assert all(ok for _, ok in fits), fits


def slice_elongation(units: dict, pair: list) -> float:
    """How long and thin the MSE's contours over the pair are at equal scale: sqrt(λmax / λmin)
    of the pair's block of X'X (X with its column of ones)."""
    x = np.asarray(units["x"], np.float64)
    xs = np.column_stack([np.ones(len(x)), x])
    block = (xs.T @ xs)[np.ix_(pair, pair)]
    low, high = np.linalg.eigvalsh(block)
    return math.sqrt(high / low)


@needs_browser
def test_contours_are_drawn_at_equal_scale_so_conditioning_is_the_valleys_shape(browser, site):
    with opened(browser, site, "polynomial") as visit:
        data = page_data(visit)
        shapes = {}
        for run in ("raw", "standardized"):
            visit.page.select_option("#lab-reset", label=run)
            drawn = visit.result()["drawn"]
            per_x, per_y = drawn["unitsPerPixel"]
            assert per_x == pytest.approx(per_y, rel=1e-9), run
            units = data["units"][visit.state()["units"]]
            lo, hi = drawn["box"]["lo"], drawn["box"]["hi"]
            for i in range(2):  # the recorded paths' window is inside what is drawn
                assert lo[i] <= units["view"]["lo"][i] and hi[i] >= units["view"]["hi"][i]
            shapes[run] = drawn["levels"]["elongation"]
            assert shapes[run] == pytest.approx(slice_elongation(units, data["pair"]), rel=1e-6), run
        assert shapes["raw"] > 4 * shapes["standardized"]  # a long thin valley against a round one
    with opened(browser, site, "lr") as visit:
        per_x, per_y = visit.result()["drawn"]["unitsPerPixel"]
        assert per_x == pytest.approx(per_y, rel=1e-9)


def tab_stops(visit) -> list[dict]:
    """Every stop of Tab through the lab's controls and views (not the embed snippets after
    them), from its intro on, with where it is on the page and where the field it belongs
    to is (a control's label and input are one field)."""
    page = visit.page
    page.click(".lab-intro")
    stops = []
    for _ in range(80):
        page.keyboard.press("Tab")
        where = visit.js("""() => {
          const a = document.activeElement;
          if (!a || !a.closest('#lab .lab-grid')) return null;
          const box = (e) => { const r = e.getBoundingClientRect();
            return {top: r.top + scrollY, bottom: r.bottom + scrollY, left: r.left}; };
          const field = a.closest('.lab-field') || a;
          return Object.assign(box(a), {id: a.id || a.name || a.getAttribute('data-lab-init'),
                                        field: [...document.querySelectorAll('.lab-field')].indexOf(field) + ':' + a.id,
                                        within: box(field)});
        }""")
        if where is None:
            break
        stops.append(where)
    return stops


def same_field(a: dict, b: dict) -> bool:
    """Two stops in one field (index among the lab's fields; -1: not in a field)."""
    return a["field"].split(":")[0] == b["field"].split(":")[0] != "-1"


def reading_order(a: dict, b: dict) -> bool:
    """b comes after a as the eye reads: on a later line, or on the same line further right."""
    same_line = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"]) > 0.5 * min(
        a["bottom"] - a["top"], b["bottom"] - b["top"])
    return b["left"] > a["left"] if same_line else b["top"] >= a["bottom"] - 1


@needs_browser
@pytest.mark.parametrize("width", [375, 800])
def test_on_narrow_screens_controls_come_before_their_results_in_the_order_of_tab(browser, site, width):
    with opened(browser, site, "lr", width) as visit:
        page = visit.page
        top = visit.js("""() => {  // where each part is laid out (the readout not yet stuck to the screen)
          const readout = document.getElementById('lab-readout'), out = {};
          readout.style.position = 'static';
          ['lab-controls', 'lab-readout', 'lab-contour', 'lab-epoch', 'lab-fit', 'lab-loss'].forEach((id) => {
            out[id] = document.getElementById(id).getBoundingClientRect().top + scrollY; });
          readout.style.position = '';
          return out;
        }""")
        assert top["lab-controls"] < top["lab-readout"] < min(top["lab-contour"], top["lab-fit"], top["lab-loss"]), top
        assert top["lab-contour"] < top["lab-epoch"], top  # controls, then what they change
        stops = tab_stops(visit)
        ids = [s["id"] for s in stops]
        assert ids[0] == "lab-lr-range" and ids[-1] == "lab-epoch" and "lab-contour" in ids, ids
        bad = [(a["id"], b["id"]) for a, b in zip(stops, stops[1:])
               if not (reading_order(a, b) if same_field(a, b) else reading_order(a["within"], b["within"]))]
        assert bad == [], (bad, stops)
        for field, value in (("#lab-lr", "0.005"), ("#lab-epochs", "45"), ("[data-lab-init='0']", "1.5")):
            page.click(field)  # a control, typed into: its result is on screen beside it
            page.fill(field, value)
            text = visit.readout()
            box = visit.js("""() => { const r = document.getElementById('lab-readout').getBoundingClientRect();
              return [r.top, r.bottom, innerHeight]; }""")
            assert box[0] >= 0 and box[1] <= box[2], (field, box)
            assert text == visit.result()["readout"]
        assert visit.clean() == []


@needs_browser
def test_the_live_region_speaks_once_after_a_burst_of_arrow_keys(browser, site):
    with opened(browser, site, "lr") as visit:
        page = visit.page
        assert page.get_attribute("#lab-readout", "aria-live") is None  # the visible readout changes silently
        assert page.get_attribute("#lab-announce", "aria-live") == "polite"
        assert page.inner_text("#lab-readout") == visit.js("() => document.getElementById('lab-announce').textContent")
        visit.js("""() => {
          window.spoken = [];
          new MutationObserver((records) => records.forEach(() => window.spoken.push(
            document.getElementById('lab-announce').textContent)))
            .observe(document.getElementById('lab-announce'), {childList: true, characterData: true, subtree: true});
        }""")
        page.focus("#lab-lr-range")
        for _ in range(12):
            page.keyboard.press("ArrowRight")
        readouts = visit.js("() => gdanim.lab.update().readout")
        assert visit.js("() => window.spoken") == []  # nothing said while the key is held
        page.wait_for_function("() => window.spoken.length > 0")
        assert visit.js("() => window.spoken") == [readouts]  # once, the settled run
        assert readouts == page.inner_text("#lab-readout")
        assert visit.clean() == []
