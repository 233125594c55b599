"""A packaged course inside a learning management system: the LMS side is a maintained
SCORM 1.2 run-time (scorm-again, from npm) on a test page that launches each SCO in an
iframe, as Moodle does, over HTTP. A student answers by keyboard; the test reads what the
run-time committed: the interactions, the score, the status."""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import pytest
from browser_support import Visit, needs_browser
from course_support import BAD_LR, GOOD_LR, NPM_CI, PASS_MARK, RIGHT, SCORM_AGAIN, unzip

pytestmark = [needs_browser, pytest.mark.skipif(not SCORM_AGAIN.is_file(), reason=f"no SCORM run-time: {NPM_CI}")]

LMS_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>LMS</title><script src="scorm12.js"></script></head>
<body><iframe id="sco" title="lesson" style="width:1280px;height:860px;border:0"></iframe>
<script>
// The LMS: one run-time per launch, loaded with what earlier launches committed, and the
// item's mastery score from the manifest; every commit's data is kept for the test.
window.lms = {commits: [], finished: 0, launch: function (src, stored, mastery) {
  var api = new Scorm12API({mastery_override: false, autocommit: false, logLevel: 5});
  var cmi = stored ? JSON.parse(JSON.stringify(stored)) : {};
  if (mastery !== null) cmi.student_data = {mastery_score: String(mastery)};
  api.loadFromJSON(cmi, "cmi");
  api.on("LMSCommit", function () { lms.commits.push(api.renderCMIToJSONObject().cmi); });
  api.on("LMSFinish", function () { lms.finished += 1; });
  window.API = api;
  document.getElementById("sco").src = src;
}};
</script></body></html>
"""
PLAYER_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Player</title></head>
<body><iframe id="inner" title="lesson" style="width:1260px;height:840px;border:0"></iframe>
<script>document.getElementById("inner").src = new URLSearchParams(location.search).get("sco");</script>
</body></html>
"""
"An LMS's player frame between its page (with the API) and the lesson, as Moodle has."
LATENCY = re.compile(r"^\d{2,4}:\d\d:\d\d(\.\d{1,2})?$")


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def lms(course, tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """(the LMS's address, its folder): the LMS page, the run-time and the unzipped package in pkg/."""
    root = tmp_path_factory.mktemp("lms")
    (root / "lms.html").write_text(LMS_PAGE, encoding="utf-8")
    (root / "player.html").write_text(PLAYER_PAGE, encoding="utf-8")
    shutil.copy(SCORM_AGAIN, root / "scorm12.js")
    unzip(course[1], root / "pkg")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", root
    server.shutdown()
    server.server_close()


class Launch:
    """The LMS page in a browser context of its own (a student's browser), its requests
    kept to the LMS's own address."""

    def __init__(self, browser, base: str) -> None:
        self.base, self.errors, self.outside = base, [], []
        self.context = browser.new_context(viewport={"width": 1400, "height": 950})
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(base + "lms.html")

    def _route(self, route) -> None:
        if route.request.url.startswith(self.base) or urlparse(route.request.url).scheme in ("data", "blob"):
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def launch(self, path: str, stored: dict | None = None, mastery: float | None = PASS_MARK,
               nested: bool = False) -> None:
        """Launch a SCO in the LMS's frame (nested: inside a player frame in it)."""
        src = f"player.html?sco=pkg/{path}" if nested else f"pkg/{path}"
        with self.page.expect_event("framenavigated"):
            self.page.evaluate("([src, stored, mastery]) => lms.launch(src, stored, mastery)", [src, stored, mastery])
        self.page.wait_for_function("lms.commits.length > 0")  # the lesson has started
        self.frame.wait_for_load_state("load")

    @property
    def frame(self):
        outer = self.page.query_selector("#sco").content_frame()
        inner = outer.query_selector("#inner")
        return inner.content_frame() if inner else outer

    def committed(self) -> dict:
        return self.page.evaluate("lms.commits[lms.commits.length - 1]")

    def core(self) -> dict:
        """cmi.core as last committed: score, lesson_status, exit, session_time."""
        return self.committed()["core"]

    def ids(self) -> list[str]:
        return [r["id"] for r in self.interactions()]

    def interactions(self) -> list[dict]:
        cmi = self.committed()["interactions"]
        rows = cmi.get("childArray", cmi) if isinstance(cmi, dict) else cmi
        return list(rows.values()) if isinstance(rows, dict) else list(rows)

    def choose(self, number: int, key: str) -> None:
        """Answer a regime exercise by keyboard: the option, then the button."""
        self.frame.focus(f"#exercise-{number} input[value={key}]")
        self.page.keyboard.press("Space")
        self.frame.focus(f"#exercise-{number} button[type=submit]")
        self.page.keyboard.press("Enter")

    def try_rate(self, number: int, lr: float) -> None:
        """Type a rate into the lab, then check it with the exercise's button."""
        self.frame.focus("#lab-lr")
        self.page.keyboard.press("Control+A")
        self.page.keyboard.type(str(lr))
        self.frame.focus(f"#exercise-{number} button[type=submit]")
        self.page.keyboard.press("Enter")

    def leave(self) -> None:
        """The student goes to the LMS's next item: the SCO's page is left."""
        with self.page.expect_event("framenavigated"):
            self.page.evaluate("document.getElementById('sco').src = 'about:blank'")
        self.page.wait_for_function("lms.finished > 0")

    def close(self) -> None:
        self.context.close()


@contextmanager
def student(browser, lms) -> Iterator[Launch]:
    visit = Launch(browser, lms[0])
    try:
        yield visit
        assert visit.errors == [] and visit.outside == []
    finally:
        visit.close()


def options(launch: Launch, number: int) -> list[str]:
    return launch.frame.eval_on_selector_all(f"#exercise-{number} input[type=radio]", "rs => rs.map(r => r.value)")


def letter(launch: Launch, number: int, key: str) -> str:
    return "abcdefghijklmnopqrstuvwxyz"[options(launch, number).index(key)]


def test_every_exercise_answered_right_is_reported_with_the_score_and_passed(browser, lms):
    with student(browser, lms) as s:
        s.launch("course/index.html")
        assert s.core()["lesson_status"] == "incomplete"
        for number, key in ((1, RIGHT["exercise-1"]), (2, RIGHT["exercise-2"])):
            s.choose(number, key)
            assert s.frame.inner_text(f"#exercise-{number} .ex-feedback") == "Right."
        s.try_rate(3, GOOD_LR)
        assert s.frame.inner_text("#exercise-3 .ex-feedback").startswith("Yes")
        rows = s.interactions()
        assert [r["id"] for r in rows] == ["exercise-1", "exercise-2", "exercise-3"]
        assert [r["type"] for r in rows] == ["choice", "choice", "numeric"]
        assert [r["result"] for r in rows] == ["correct"] * 3
        assert rows[0]["student_response"] == letter(s, 1, "divergent")
        assert float(rows[2]["student_response"]) == GOOD_LR
        assert all(LATENCY.match(r["latency"]) for r in rows), [r["latency"] for r in rows]
        core = s.core()
        assert (core["score"]["raw"], core["score"]["min"], core["score"]["max"]) == ("100", "0", "100")
        assert core["lesson_status"] == "passed"
        s.leave()
        assert s.core()["exit"] == ""


def test_every_exercise_answered_wrong_is_reported_wrong_and_fails(browser, lms):
    with student(browser, lms) as s:
        s.launch("course/index.html")
        wrong = [k for k in options(s, 1) if k != RIGHT["exercise-1"]][0]
        s.choose(1, wrong)
        s.choose(2, [k for k in options(s, 2) if k != RIGHT["exercise-2"]][-1])
        for _ in range(3):  # the lab's exercise gives its answer after three tries
            s.try_rate(3, BAD_LR)
        rows = s.interactions()
        assert [r["result"] for r in rows] == ["wrong"] * 3
        assert rows[0]["student_response"] == letter(s, 1, wrong)
        assert float(rows[2]["student_response"]) == BAD_LR
        core = s.core()
        assert core["score"]["raw"] == "0" and core["lesson_status"] == "failed"


def test_a_lesson_left_part_answered_is_incomplete_suspended_and_picked_up_at_the_next_launch(browser, lms):
    with student(browser, lms) as s:
        s.launch("course/index.html")
        s.choose(1, RIGHT["exercise-1"])
        assert (s.core()["score"]["raw"], s.core()["lesson_status"]) == ("33.33", "incomplete")
        s.leave()
        stored = s.committed()
        assert stored["core"]["exit"] == "suspend" and LATENCY.match(stored["core"]["session_time"])
    with student(browser, lms) as s:  # another day, another computer: nothing kept in this browser
        s.launch("course/index.html", stored)
        assert s.frame.inner_text("#exercise-1 .ex-feedback") != ""  # answered, as the LMS says
        assert s.frame.is_checked(f"#exercise-1 input[value={RIGHT['exercise-1']}]")
        s.choose(2, RIGHT["exercise-2"])
        s.try_rate(3, GOOD_LR)
        assert s.ids() == ["exercise-1", "exercise-2", "exercise-3"]  # none reported twice
        assert (s.core()["score"]["raw"], s.core()["lesson_status"]) == ("100", "passed")


def test_a_reload_of_the_lms_page_shows_the_answers_and_reports_nothing_twice(browser, lms):
    with student(browser, lms) as s:
        s.launch("course/index.html")
        s.choose(2, RIGHT["exercise-2"])
        stored = s.committed()
        s.page.reload()  # the LMS starts the lesson again with what it stored
        s.launch("course/index.html", stored)
        assert s.frame.inner_text("#exercise-2 .ex-feedback") == "Right."
        s.choose(1, RIGHT["exercise-1"])
        assert s.ids() == ["exercise-2", "exercise-1"]
        assert s.core()["score"]["raw"] == "66.67"


def test_answers_kept_in_the_browser_before_the_launch_are_reported_and_both_agree(browser, lms):
    with student(browser, lms) as s:
        page = s.context.new_page()  # the same page opened straight from the course's files: no LMS
        page.goto(lms[0] + "pkg/course/index.html")
        page.focus("#exercise-1 input[value=divergent]")
        page.keyboard.press("Space")
        page.click("#exercise-1 button[type=submit]")
        page.close()
        s.launch("course/index.html")
        [row] = s.interactions()
        assert row["id"] == "exercise-1" and row["result"] == "correct" and row["latency"] == ""
        kept = s.frame.evaluate("gdanim.answers.load('../', 'course')")
        import json

        reported = json.loads(s.committed()["suspend_data"])["answers"]
        assert {k: v["right"] for k, v in kept.items()} == {k: v["right"] for k, v in reported.items()}
        assert s.core()["lesson_status"] == "incomplete"


def test_without_a_pass_mark_a_lesson_answered_in_full_is_completed(browser, lms):
    with student(browser, lms) as s:
        s.launch("thermometer/index.html", mastery=None)
        s.choose(1, "divergent")
        core = s.core()
        assert core["lesson_status"] == "completed" and core["score"]["raw"] in ("0", "100")


@pytest.mark.parametrize("path", ["fahrenheit/index.html", "exercises.html"])
def test_a_page_without_exercises_of_its_own_is_completed_when_opened(browser, lms, path):
    with student(browser, lms) as s:
        s.launch(path)
        core = s.core()
        assert core["lesson_status"] == "completed" and core["score"]["raw"] == ""
        assert s.interactions() == []


def test_outside_an_lms_the_packaged_pages_work_from_disk_with_no_error(browser, lms):
    root = lms[1] / "pkg"
    for page in ("course/index.html", "exercises.html", "index.html", "course/lab.html"):
        visit = Visit(browser, root, root / page)
        try:
            if page == "course/index.html":
                visit.page.check("#exercise-1 input[value=divergent]")
                visit.page.click("#exercise-1 button[type=submit]")
                assert visit.page.inner_text("#exercise-1 .ex-feedback") == "Right."
            assert visit.errors == [] and visit.outside == [], page
        finally:
            visit.close()


def test_the_api_is_found_two_frames_up_as_in_an_lms_player(browser, lms):
    with student(browser, lms) as s:
        s.launch("course/index.html", nested=True)
        s.choose(1, RIGHT["exercise-1"])
        assert s.ids() == ["exercise-1"]


def test_the_api_is_found_through_the_opener_of_a_lesson_in_a_new_window(browser, lms):
    with student(browser, lms) as s:
        s.page.evaluate("lms.launch('about:blank', null, 50)")
        with s.context.expect_page() as opened:
            s.page.evaluate("window.open('pkg/course/index.html', 'lesson')")
        lesson = opened.value
        lesson.wait_for_load_state("load")
        s.page.wait_for_function("lms.commits.length > 0")
        lesson.focus("#exercise-1 input[value=divergent]")
        lesson.keyboard.press("Space")
        lesson.focus("#exercise-1 button[type=submit]")
        lesson.keyboard.press("Enter")
        assert [r["result"] for r in s.interactions()] == ["correct"]
        lesson.close()
        s.page.wait_for_function("lms.finished > 0")
