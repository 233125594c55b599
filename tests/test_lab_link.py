"""Links that carry the lab's state (gdanim.lab.link(), "#lab?key=value&..."), in headless
Chromium from file://: a link restores the same state and the same run bit for bit, and
a fragment that is not a valid state opens the defaults, says so and runs nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from browser_support import needs_browser
from test_lab_browser import Lab, lab_site

STEMS = ("lr", "optimizers", "robust", "schedules", "minibatch", "thermometer")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return lab_site(tmp_path_factory.mktemp("lab-link"), STEMS)


class LinkedLab(Lab):
    """A lab page opened at a URL (a link), with any dialog it opens recorded."""

    def __init__(self, browser, site: Path, stem: str, fragment: str = "", width: int = 1280) -> None:
        self.stem = stem
        super().__init__(browser, site, stem, width)
        self.dialogs: list[str] = []
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        if fragment:
            self.open(fragment)

    def open(self, url_or_fragment: str) -> None:
        url = url_or_fragment if url_or_fragment.startswith("file:") else (
            (self.site / self.stem / "index.html").as_uri() + "#" + url_or_fragment)
        self.page.goto("about:blank")  # a new document: the link is read as a page opens
        self.page.goto(url, wait_until="load")

    def snapshot(self) -> dict:
        """What the lab computes from (its state, with unset training fields dropped), and what it computed."""
        return self.js("""() => {
          const r = gdanim.lab.update(), s = JSON.parse(JSON.stringify(gdanim.lab.state));
          Object.keys(s.train).forEach((k) => { if (s.train[k] === null) delete s.train[k]; });
          if (s.loss !== 'huber') delete s.train.huber_delta;
          return {state: s, params: r.params, loss: r.loss, finalLoss: r.finalLoss, status: r.status,
                  readout: r.readout, link: gdanim.lab.link()};
        }""")

    def notice(self) -> str | None:
        return self.js("() => { const n = document.getElementById('lab-link-notice'); "
                       "return n.hidden ? null : n.textContent; }")


@pytest.fixture
def lab_at(browser, site):
    opened: list[LinkedLab] = []

    def visit(stem: str, fragment: str = "", width: int = 1280) -> LinkedLab:
        lab = LinkedLab(browser, site, stem, fragment, width)
        opened.append(lab)
        return lab

    yield visit
    for lab in opened:
        lab.close()


@pytest.fixture(scope="module")
def clean_lr(browser, site) -> tuple[dict, int]:
    """lr's lab opened without a link: its snapshot and how many scripts the page has."""
    visit = LinkedLab(browser, site, "lr")
    try:
        return visit.snapshot(), visit.js("() => document.scripts.length")
    finally:
        visit.close()


def change_by_hand(visit: LinkedLab) -> None:
    """The optimizers lab changed as a student would: keyboard on the slider, typed fields,
    a click on the contours, the scrubber."""
    page = visit.page
    page.select_option("#lab-optimizer", "adam")
    page.fill("#lab-beta1", "0.8")
    page.focus("#lab-lr-range")
    for _ in range(5):
        page.keyboard.press("ArrowLeft")
    page.fill("#lab-epochs", "77")
    page.fill("#lab-batch", "7")
    page.fill("#lab-seed", "5")
    drawn = visit.result()["drawn"]
    plot = drawn["plot"]
    page.click("#lab-contour", position={"x": plot["L"] + 0.3 * plot["W"], "y": plot["T"] + 0.6 * plot["H"]})
    page.keyboard.press("ArrowUp")
    page.fill("#lab-epoch", "12")
    page.dispatch_event("#lab-epoch", "input")
    visit.settle()


@needs_browser
def test_a_link_from_a_changed_lab_restores_the_same_state_and_the_same_run_bit_for_bit(lab_at):
    made = lab_at("optimizers")
    change_by_hand(made)
    before = made.snapshot()
    assert before["state"]["optimizer"] == "adam" and before["state"]["train"]["batch_size"] == 7
    assert before["state"]["epoch"] == 12 and before["state"]["lr"] != 0.1
    made.page.click("#lab-copy-link")  # the button shows the link it copies
    made.page.wait_for_function("() => document.getElementById('lab-link-status').textContent !== ''")
    assert made.page.input_value("#lab-link-out") == before["link"]
    assert before["link"].startswith((made.site / "optimizers" / "index.html").as_uri() + "#lab?")
    opened = lab_at("optimizers", before["link"].split("#", 1)[1])
    after = opened.snapshot()
    assert after["state"] == before["state"]
    assert after["params"] == before["params"] and after["loss"] == before["loss"]  # the same float32 numbers
    assert (after["finalLoss"], after["status"], after["readout"]) == (before["finalLoss"], before["status"],
                                                                     before["readout"])
    assert after["link"] == before["link"]
    assert opened.notice() == "The lab opened with the settings in the link."
    assert opened.page.input_value("#lab-epoch") == "12" and opened.page.input_value("#lab-beta1") == "0.8"
    assert made.clean() == [] and opened.clean() == [] and opened.dialogs == []


@pytest.mark.parametrize(("stem", "script"), [
    # a schedule, momentum and a typed rate
    ("schedules", "gdanim.lab.set({optimizer: 'momentum', momentum: 0.5, lr: 0.00123456789, train: "
                  "Object.assign({}, gdanim.lab.state.train, {schedule: {type: 'cosine', t_max: 60, eta_min: 0}})})"),
    # a robust loss with its δ and a start off the view
    ("robust", "document.querySelector('#lab input[value=\"huber:1.0\"]').click(); "
               "gdanim.lab.set({init: [12.345678901234567, -0.1], epochs: 33})"),
    # a recorded run: the link lands where the recording ended
    ("lr", "gdanim.lab.reset('lr-0.0083'); gdanim.lab.set({epoch: 4})"),
    # other inputs and the run's own gradient
    ("thermometer", "gdanim.lab.reset('scaled-lr-1e-2'); gdanim.lab.set({epochs: 40})"),
    # mini-batches of a recorded run, then a new seed
    ("minibatch", "gdanim.lab.reset('batch-5'); gdanim.lab.set({train: Object.assign({}, gdanim.lab.state.train, "
                  "{seed: 4294967297})})"),
])
@needs_browser
def test_every_kind_of_state_survives_its_link(lab_at, stem, script):
    made = lab_at(stem)
    made.js(f"() => {{ {script}; }}")
    before = made.snapshot()
    opened = lab_at(stem, before["link"].split("#", 1)[1])
    after = opened.snapshot()
    assert after["state"] == before["state"], before["link"]
    assert after["params"] == before["params"] and after["finalLoss"] == before["finalLoss"]
    assert after["readout"] == before["readout"] and after["link"] == before["link"]
    assert made.clean() == [] and opened.clean() == []


@needs_browser
def test_a_link_pasted_into_an_open_page_takes_effect(lab_at):
    visit = lab_at("lr")
    visit.js("() => { location.hash = 'lab?lr=0.005&optimizer=gd&loss=sse&epochs=40&start=1,2'; }")
    visit.page.wait_for_function("() => gdanim.lab.state.lr === 0.005")
    state = visit.state()
    assert state["epochs"] == 40 and state["init"] == [1, 2]
    assert visit.notice() == "The lab opened with the settings in the link."
    visit.js("() => { location.hash = 'runs'; }")  # the page's own anchors are not links to the lab
    visit.settle()
    assert visit.state()["lr"] == 0.005


HOSTILE = [
    "lab?<script>window.pwned=1</script>",
    "lab?lr=<img src=x onerror=window.pwned=1>",
    "lab?lr=javascript:window.pwned=1",
    "lab?lr=0.01&optimizer=gd&loss=sse&epochs=30&start=javascript:window.pwned=1",
    "lab?lr=1e999",
    "lab?lr=1e300",
    "lab?lr=NaN",
    "lab?lr=-0.1",
    "lab?lr=0x10",
    "lab?epochs=1e9",
    "lab?epochs=2.5",
    "lab?start=1e300,1",
    "lab?start=1,2,3",
    "lab?start=Infinity,1",
    "lab?optimizer=evil",
    "lab?optimizer=constructor",
    "lab?loss=toString",
    "lab?schedule=0",
    "lab?run=__proto__",
    "lab?__proto__=1",
    "lab?__proto__[lr]=1",
    "lab?constructor=1",
    "lab?hasOwnProperty=1",
    "lab?lr=0.01&lr=0.02",
    "lab?momentum=2",
    "lab?amsgrad=1",
    "lab?" + "9" * 5000,
]


@needs_browser
@pytest.mark.parametrize("fragment", HOSTILE)
def test_a_fragment_that_is_not_a_valid_state_opens_the_defaults_says_so_and_runs_nothing(lab_at, clean_lr, fragment):
    defaults, scripts = clean_lr
    visit = lab_at("lr", fragment)
    got = visit.snapshot()
    assert got["state"] == defaults["state"] and got["params"] == defaults["params"]
    assert got["readout"] == defaults["readout"]
    notice = visit.notice()
    assert notice is not None and notice.endswith("the lab opened at its defaults.")
    assert visit.js("() => document.getElementById('lab-link-notice').children.length") == 0
    assert visit.js("() => window.pwned") is None
    assert visit.js("() => document.scripts.length") == scripts
    injected = "#lab img, #lab script:not(#lab-data), #lab a, #lab iframe"
    assert visit.js(f"() => document.querySelectorAll('{injected}').length") == 0
    assert visit.js("() => ({}).lr") is None and visit.js("() => Object.prototype.lr") is None
    assert visit.dialogs == [] and visit.clean() == []


@needs_browser
def test_a_fragment_that_is_no_lab_link_is_left_to_the_page(lab_at):
    clean = lab_at("lr").snapshot()
    for fragment in ("lab", "runs", "<script>window.pwned=1</script>"):
        visit = lab_at("lr", fragment)
        assert visit.notice() is None and visit.snapshot()["state"] == clean["state"]
        assert visit.js("() => window.pwned") is None and visit.clean() == []


@needs_browser
def test_the_link_format_names_each_field_readably(lab_at):
    visit = lab_at("schedules")
    visit.page.select_option("#lab-schedule", label="step: ×0.5 every 10 epochs")
    link = visit.snapshot()["link"]
    query = link.split("#lab?", 1)[1]
    assert query == "lr=0.0085&optimizer=gd&loss=sse&epochs=60&start=-5,10&schedule=0"
    data = visit.js("() => JSON.parse(document.getElementById('lab-data').textContent)")
    assert data["schedules"][0]["schedule"] == {"type": "step", "step_size": 10, "gamma": 0.5}
    assert json.loads(json.dumps(visit.state()["train"]["schedule"])) == data["schedules"][0]["schedule"]
