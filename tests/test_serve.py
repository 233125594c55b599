"""`gdanim serve` in a real process on a free loopback port: the site served, an edit
seen in the page and announced, problems shown and cleared, nothing outside the folder
served, a port in use, Ctrl-C; and in Chromium, a page that reloads itself and keeps
its place."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from browser_support import needs_browser

from gdanim.files import PART

SCENARIO = """\
title: {title}
data: {data}
init: [-4.0, 5.0]
loss: sse
epochs: 12
runs:
{runs}
render: {{preset: thumb, max_frames: 4, hold: 0, fps: 30, formats: [png]}}
"""
POINTS = "{points: {x: [-2.0, -1.0, 0.0, 1.0, 2.0, 3.0], y: [-3.1, -1.0, 1.1, 2.9, 5.2, 6.8]}}"
CSV = "{csv: {path: points.csv, x: [x], y: y}}"


def scenario(title: str, lrs=(0.01, 0.05), data: str = POINTS) -> str:
    return SCENARIO.format(title=title, data=data, runs="\n".join(f"  - {{lr: {lr}}}" for lr in lrs))


def write(path: Path, text: str) -> None:
    """Save as an editor does: the whole file at once."""
    tmp = path.with_name(path.name + ".new~")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


class Served:
    """`python -m gdanim serve` in its own process, its output collected line by line."""

    def __init__(self, folder: Path, out: Path, *args: str) -> None:
        self.lines: list[str] = []
        self.proc = subprocess.Popen([sys.executable, "-m", "gdanim", "serve", str(folder), "-o", str(out),
                                      "--port", "0", *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, start_new_session=True)
        threading.Thread(target=self._read, daemon=True).start()
        found = self.wait_for_line(r"at (http://\S+/)", 60)
        self.url = re.search(r"at (http://\S+/)", found).group(1)

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for_line(self, pattern: str, timeout: float = 90) -> str:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            hit = next((line for line in self.lines if re.search(pattern, line)), None)
            if hit is not None:
                return hit
            if self.proc.poll() is not None and end - time.monotonic() > 1:
                end = time.monotonic() + 1  # it has ended: its last lines are read, then no more waiting
            time.sleep(0.05)
        raise AssertionError(f"no line matching {pattern!r} in:\n" + "\n".join(self.lines))

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=10) as r:
                return r.status, r.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            return exc.code, ""

    def wait_for_page(self, path: str, needle: str, timeout: float = 90) -> str:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            status, text = self.get(path)
            if status == 200 and needle in text:
                return text
            time.sleep(0.1)
        raise AssertionError(f"{path} never showed {needle!r}:\n" + "\n".join(self.lines))

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


class Events:
    """The server's event stream, read in a thread: every message, in order."""

    def __init__(self, url: str) -> None:
        self.messages: list[dict] = []
        self.response = urllib.request.urlopen(url + "__gdanim__/events", timeout=120)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        try:
            for raw in self.response:
                line = raw.decode("utf-8").rstrip("\n")
                if line.startswith("data: "):
                    self.messages.append(json.loads(line[6:]))
        except (OSError, ValueError, AttributeError):  # closed by the test
            pass

    def wait_for(self, check, timeout: float = 90) -> dict:
        end = time.monotonic() + timeout
        seen = 0
        while time.monotonic() < end:
            for message in self.messages[seen:]:
                seen += 1
                if check(message):
                    return message
            time.sleep(0.05)
        raise AssertionError(f"no such event among {self.messages}")

    def close(self) -> None:
        self.response.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    root = tmp_path_factory.mktemp("serve")
    folder = root / "scenarios"
    folder.mkdir()
    (folder / "lr.yaml").write_text(scenario("edited"), encoding="utf-8")
    (folder / "broken.yaml").write_text(scenario("broken"), encoding="utf-8")
    (folder / "points.csv").write_text("x,y\n-2,-3.1\n-1,-1.0\n0,1.1\n1,2.9\n2,5.2\n3,6.8\n", encoding="utf-8")
    (folder / "fromcsv.yaml").write_text(scenario("from a file", data=CSV), encoding="utf-8")
    server = Served(folder, root / "site")
    server.folder, server.root = folder, root
    server.wait_for_page("", "from a file")
    server.wait_for_line(r"^site built")
    yield server
    server.stop()


def test_the_index_and_pages_are_served_with_the_live_script(served):
    status, index = served.get("")
    assert status == 200 and "edited" in index and "broken" in index
    status, page = served.get("lr/")
    assert status == 200 and "lr-0.05" in page
    assert page.count('<script src="/__gdanim__/live.js"></script>') == 1
    assert "connect-src 'self'" in page  # the served page may open the event stream
    built = (served.root / "site" / "lr" / "index.html").read_text(encoding="utf-8")
    assert "live.js" not in built and "connect-src" not in built  # the built site stays as `site` builds it
    status, script = served.get("__gdanim__/live.js")
    assert status == 200 and "EventSource" in script


def test_an_edit_shows_in_the_page_and_open_pages_are_told_to_reload(served):
    events = Events(served.url)
    try:
        started = time.monotonic()
        write(served.folder / "lr.yaml", scenario("edited", lrs=(0.01, 0.05, 0.07)))
        page = served.wait_for_page("lr/", "lr-0.07")
        seconds = time.monotonic() - started
        events.wait_for(lambda m: m["type"] == "reload")
        assert "data-media-pending" in page and 'data-media-wait="lr-0.07"' in page  # ahead of its pictures
        assert "lr-0.07.png" not in page and "assets/loss.png" not in page
        # the runs the build keeps as they are show at once; only the new run and the grid wait
        assert "lr-0.01.png" in page and 'data-media-wait="lr-0.01"' not in page
        assert 'data-media-wait="compare"' in page
        events.wait_for(lambda m: m == {"type": "media", "folder": "lr", "file": "lr-0.07.png"})
        done = served.wait_for_page("lr/", "lr-0.07.png")  # then the animations' files, and the page again
        assert "data-media-pending" not in done
        events.wait_for(lambda m: m["type"] == "reload")
    finally:
        events.close()
    assert seconds < 60  # the timing is measured in bench/serve_bench.py; here only that it comes


def test_a_change_to_a_scenario_data_file_builds_it_again(served):
    assert "6.8" in served.get("fromcsv/data.csv")[1] and "7.25" not in served.get("fromcsv/")[1]
    write(served.folder / "points.csv", "x,y\n-2,-3.1\n-1,-1.0\n0,1.1\n1,2.9\n2,5.2\n3,7.25\n")
    served.wait_for_line(r"^fromcsv: page \(")  # the page came first, as for an edit of the scenario
    served.wait_for_page("fromcsv/", "7.25")  # the page's data (the lab's points) is the file's
    served.wait_for_page("fromcsv/data.csv", "7.25")


def test_a_broken_scenario_shows_its_problem_keeps_its_last_page_and_clears_when_fixed(served):
    events = Events(served.url)
    try:
        write(served.folder / "broken.yaml", scenario("broken").replace("epochs: 12", "epochs: -3"))
        shown = events.wait_for(lambda m: m["type"] == "problems" and m["lines"])
        assert len(shown["lines"]) == 1
        assert re.fullmatch(r".*broken\.yaml:5: epochs: .*1.*got -3", shown["lines"][0]), shown
        served.wait_for_line(r"broken\.yaml:5: epochs:")  # the terminal prints the same line
        status, page = served.get("broken/")
        assert status == 200 and "lr-0.05" in page  # the last good build
        late = Events(served.url)  # a page opened now sees the problem at once
        try:
            assert late.wait_for(lambda m: m["type"] == "problems")["lines"] == shown["lines"]
        finally:
            late.close()
        write(served.folder / "broken.yaml", scenario("broken"))
        events.wait_for(lambda m: m["type"] == "problems" and m["lines"] == [])
    finally:
        events.close()


@pytest.mark.parametrize("path", ["../", "../../etc/passwd", "%2e%2e/%2e%2e/etc/passwd", "..%2f..%2fetc%2fpasswd",
                                  "lr/..%2f..%2f..%2fetc/passwd", "%2fetc%2fpasswd", "outside/secret.txt",
                                  "lr/%00"])
def test_nothing_outside_the_folder_is_served(served, path):
    private = served.root / "private"
    private.mkdir(exist_ok=True)
    (private / "secret.txt").write_text("secret", encoding="utf-8")
    link = served.root / "site" / "outside"
    if not link.exists():
        link.symlink_to(private, target_is_directory=True)
    with socket.create_connection(("127.0.0.1", int(served.url.rsplit(":", 1)[1].strip("/"))), 10) as sock:
        sock.sendall(f"GET /{path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.split()[1] in (b"404", b"400"), head
    assert b"secret" not in body and b"root:" not in body


def test_nothing_served_writes(served):
    request = urllib.request.Request(served.url + "lr/index.html", data=b"x", method="PUT")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)
    assert caught.value.code == 405
    assert "lr-0.05" in (served.root / "site" / "lr" / "index.html").read_text(encoding="utf-8")


def test_a_port_in_use_is_one_line_and_exit_1_or_the_next_free_one(tmp_path):
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "lr.yaml").write_text(scenario("port"), encoding="utf-8")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "gdanim", "serve", str(folder), "-o", str(tmp_path / "site"),
                               "--port", str(port)], capture_output=True, text=True, timeout=60)
        assert done.returncode == 1
        assert done.stderr.strip().count("\n") == 0 and f"port {port}" in done.stderr and "in use" in done.stderr
        assert "Traceback" not in done.stderr and not (tmp_path / "site" / "lr").exists()
        other = Served(folder, tmp_path / "site", "--port", str(port), "--next-free-port")
        try:
            assert int(other.url.rsplit(":", 1)[1].strip("/")) > port
        finally:
            other.stop()


def _children(pid: int) -> set[int]:
    """Every process below pid, now."""
    out: set[int] = set()
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    todo = [pid]
    while todo:
        parent = todo.pop()
        for child, p in parents.items():
            if p == parent and child not in out:
                out.add(child)
                todo.append(child)
    return out


def test_ctrl_c_stops_at_once_with_no_stray_process_and_no_half_written_file(tmp_path):
    folder = tmp_path / "scenarios"
    folder.mkdir()
    text = scenario("stop").replace("max_frames: 4, ", "").replace("formats: [png]", "formats: [mp4, gif]")
    (folder / "lr.yaml").write_text(text, encoding="utf-8")
    server = Served(folder, tmp_path / "site")
    try:
        seen: set[int] = set()
        end = time.monotonic() + 60
        while time.monotonic() < end and len(seen) < 2:  # the build's workers and encoders are running
            seen |= _children(server.proc.pid)
            time.sleep(0.05)
        assert seen, "the build started no process"
        started = time.monotonic()
        os.killpg(server.proc.pid, signal.SIGINT)  # Ctrl-C in its terminal: to the whole foreground group
        assert server.proc.wait(15) == 130, "\n".join(server.lines)
        assert time.monotonic() - started < 10
    finally:
        server.stop()  # a failed test leaves no server behind
    time.sleep(0.5)
    alive = [pid for pid in seen if Path(f"/proc/{pid}").exists()
             and "Z" not in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[:1]]
    assert alive == []
    assert [p for p in (tmp_path / "site").rglob("*") if PART in p.name] == []
    assert "interrupted" in "\n".join(server.lines)


SHOWN = """new MutationObserver(function () {
  document.querySelectorAll("[data-media-ready] img").forEach(function (img) {
    sessionStorage.setItem("shown:" + img.getAttribute("src"), "1");
  });
  var overlay = document.getElementById("gdanim-serve-problems");
  if (overlay) sessionStorage.setItem("overlay", "shown");
  else if (sessionStorage.getItem("overlay") === "shown" && document.readyState === "complete")
    sessionStorage.setItem("overlay", "cleared");
}).observe(document, {subtree: true, childList: true, attributes: true});"""
"""In every page the test opens: each picture shown in a page written ahead of it, and the
problems' overlay cleared in the page that showed it (the page built next may replace
that page before the test looks)."""


@needs_browser
def test_an_open_page_reloads_itself_after_an_edit_and_keeps_its_place(browser, served):
    context = browser.new_context(viewport={"width": 1280, "height": 700})
    context.add_init_script(SHOWN)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(served.url + "lr/", wait_until="load")
        page.wait_for_timeout(500)  # the event stream is open
        top = "() => document.getElementById('analysis').getBoundingClientRect().top"
        page.evaluate("document.getElementById('analysis').scrollIntoView()")  # reading the analysis
        page.evaluate("window.scrollBy(0, -40)")
        assert abs(page.evaluate(top) - 40) < 2
        page.fill("#lab-lr", "0.0123")  # the student's own rate in the lab
        page.press("#lab-lr", "Tab")
        page.evaluate("document.getElementById('analysis').scrollIntoView(); window.scrollBy(0, -40)")
        page.evaluate("window.__before_reload = true")
        runs = [0.01, 0.05, 0.07, 0.09]
        write(served.folder / "lr.yaml", scenario("edited", lrs=runs))
        page.wait_for_function("() => window.__before_reload === undefined && "
                               "document.body.textContent.includes('lr-0.09')", timeout=90_000)
        page.wait_for_load_state("load")
        assert abs(page.evaluate(top) - 40) < 5  # the same place, though the page above it changed
        assert "#lab?" in page.url and page.input_value("#lab-lr") == "0.0123"  # and the lab as it was
        assert not page.is_visible("#lab-link-notice")  # which the lab does not announce as a link opened
        page.wait_for_function("() => !document.querySelector('[data-media-pending]')", timeout=90_000)
        assert page.query_selector('img[src="lr-0.09.png"], video[poster="lr-0.09.png"]') is not None
        page.wait_for_load_state("load")
        assert abs(page.evaluate(top) - 40) < 5
        # a page written ahead of its pictures shows each as it is written (noted by SHOWN: the
        # page built after them may replace it before the test looks); videos make the build
        # long enough for the page to open while it runs
        slow = scenario("edited", lrs=[*runs, 0.11]).replace("max_frames: 4, ", "").replace("[png]", "[png, mp4]")
        write(served.folder / "lr.yaml", slow)
        served.wait_for_page("lr/", "data-media-pending")
        fresh = context.new_page()
        fresh.goto(served.url + "lr/", wait_until="load")
        fresh.wait_for_function("() => sessionStorage.getItem('shown:lr-0.11.png') === '1'", timeout=90_000)
        fresh.wait_for_function("() => document.querySelector('video[src=\"lr-0.11.mp4\"]')", timeout=90_000)
        fresh.close()
        # a problem shows over the page, as text, and goes when fixed
        write(served.folder / "lr.yaml", scenario("edited", lrs=runs).replace("loss: sse", "loss: <b>sse</b>"))
        overlay = page.wait_for_selector("#gdanim-serve-problems", timeout=90_000)
        assert "lr.yaml:4: loss:" in overlay.text_content()
        assert page.query_selector("#gdanim-serve-problems b") is None  # text, never markup
        write(served.folder / "lr.yaml", scenario("edited", lrs=runs))
        page.wait_for_function("() => sessionStorage.getItem('overlay') === 'cleared'", timeout=90_000)
        page.wait_for_selector("#gdanim-serve-problems", state="detached", timeout=90_000)
    finally:
        context.close()
    assert errors == []


@needs_browser
def test_an_edit_reloads_the_edited_scenarios_pages_and_the_index_and_leaves_the_others_alone(browser, served):
    context = browser.new_context()
    try:
        pages = {}
        for path in ("lr/", "lr/lab.html", "fromcsv/", ""):
            pages[path] = context.new_page()
            pages[path].goto(served.url + path, wait_until="load")
            pages[path].evaluate("window.__before_reload = true")
        pages[""].wait_for_timeout(500)  # their event streams are open
        events = Events(served.url)
        try:
            write(served.folder / "lr.yaml", scenario("edited", lrs=(0.01, 0.05, 0.06)))
            events.wait_for(lambda m: m["type"] == "reload" and m["folders"] == ["lr"])  # its page first
            events.wait_for(lambda m: m["type"] == "reload" and "lr" in m["folders"])  # then the site build
        finally:
            events.close()
        for path in ("lr/", "lr/lab.html", ""):
            pages[path].wait_for_function("() => window.__before_reload === undefined", timeout=30_000)
        assert pages["fromcsv/"].evaluate("window.__before_reload") is True  # not edited: not reloaded
    finally:
        context.close()
