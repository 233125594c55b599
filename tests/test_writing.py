"""gdanim writes only inside its output folder, never through a link, never over files it
did not write, one command per folder at a time, and leaves no stale or partial file.

Every case is a real fault: a scenario named `...yaml`, a real symbolic link, a user's
own manifest.json and index.html, two real processes at once, a real kill -9 and a real
missing encoder; each ends in one line with a documented exit code and the user's files
byte for byte as they were.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote

import pytest
from render_support import scenario_file

from gdanim.files import LOCK
from gdanim.folder import STAMP

TIMEOUT = 300
ROOT = Path(__file__).resolve().parents[1]
"The tree under test, first on a child process's path."


def gdanim(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gdanim", *args], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}, timeout=TIMEOUT)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def errors(proc: subprocess.CompletedProcess, code: int) -> list[str]:
    """The error lines of a run that ended with `code` and no traceback."""
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    return [line for line in proc.stderr.splitlines() if line.startswith("error")]


def users_folder(folder: Path) -> dict[str, bytes]:
    """A folder of the user's own files; returns its snapshot."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "index.html").write_text("<p>my page</p>")
    (folder / "a.csv").write_text("mine,1\n")
    (folder / "site.css").write_text("body { color: red }")
    return snapshot(folder)


# --- names and links ----------------------------------------------------------------------


def test_a_scenario_whose_stem_is_dotdot_writes_nothing(tmp_path):
    www = tmp_path / "www"
    before = users_folder(www)
    source = scenario_file(tmp_path, epochs=2, formats="png", panels="fit")
    dots = source.rename(tmp_path / "...yaml")
    for command in ("render", "record"):
        (line,) = errors(gdanim(command, str(dots), "-o", str(www / "out")), 2)
        assert "'..': a scenario file name that can name a folder is expected" in line
    assert snapshot(www) == before


def test_a_linked_scenario_folder_is_refused_and_its_target_untouched(tmp_path):
    victim = tmp_path / "victim"
    before = users_folder(victim)
    out = tmp_path / "out"
    out.mkdir()
    (out / "tiny").symlink_to(victim)
    source = scenario_file(tmp_path, epochs=2, formats="png", panels="fit")
    for command in ("render", "record"):
        (line,) = errors(gdanim(command, str(source), "-o", str(out)), 2)
        assert "is a symbolic link" in line
    assert snapshot(victim) == before


def test_a_linked_assets_folder_is_never_written_through(tmp_path):
    victim = tmp_path / "victim"
    before = users_folder(victim)
    source = scenario_file(tmp_path, epochs=2, formats="png", panels="fit")
    out = tmp_path / "out"
    (out / "tiny").mkdir(parents=True)
    (out / "tiny" / "assets").symlink_to(victim)
    (line,) = errors(gdanim("render", str(source), "-o", str(out), "--jobs", "1", "--quiet"), 2)
    assert "assets is a symbolic link" in line
    site = tmp_path / "site"
    site.mkdir()
    (site / "assets").symlink_to(victim)
    proc = gdanim("site", str(source), "-o", str(site), "--jobs", "1", "--quiet")
    assert any("assets is a symbolic link" in line for line in errors(proc, 2))
    assert snapshot(victim) == before


# --- the site owns only its own -------------------------------------------------------------


def test_the_site_leaves_a_folder_with_a_manifest_of_the_users_own(tmp_path):
    site = tmp_path / "site"
    app = site / "myapp"
    app.mkdir(parents=True)
    (app / "manifest.json").write_text('{"name": "my web app", "start_url": "."}')
    before = snapshot(app)
    source = scenario_file(tmp_path, epochs=2, formats="png", panels="fit")
    proc = gdanim("site", str(source), "-o", str(site), "--jobs", "1")
    assert proc.returncode == 0, proc.stderr
    assert "removed" not in proc.stdout and snapshot(app) == before


def test_a_scenario_named_like_a_folder_of_the_users_own_stops_even_with_force(tmp_path):
    site = tmp_path / "site"
    before = users_folder(site / "tiny")
    source = scenario_file(tmp_path, epochs=2, formats="png", panels="fit")
    for force in ([], ["--force"]):
        proc = gdanim("site", str(source), "-o", str(site), "--jobs", "1", *force)
        (line,) = errors(proc, 1)
        assert "holds files gdanim did not write" in line and str(site / "tiny") in line
        assert snapshot(site / "tiny") == before


def test_site_links_are_url_encoded_and_case_collisions_all_named(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    odd = scenario_file(src, epochs=2, formats="png", panels="fit").rename(src / "a#b%c?d.yaml")
    for name in ("lr", "Lr", "LR"):
        shutil.copy(odd, src / f"{name}.yaml")
    site = tmp_path / "site"
    proc = gdanim("site", str(src), "-o", str(site), "--jobs", "1", "--quiet")
    lines = errors(proc, 1)
    assert len(lines) == 2 and all("letter case aside" in line for line in lines)
    assert {line.split(": ")[1] for line in lines} == {str(src / "Lr.yaml"), str(src / "lr.yaml")}
    assert "2 failed" in proc.stdout
    index = (site / "index.html").read_text(encoding="utf-8")
    assert 'href="a%23b%25c%3Fd/index.html"' in index
    assert (site / unquote("a%23b%25c%3Fd") / "index.html").is_file()


# --- one command per folder ------------------------------------------------------------------


def locked(path: Path) -> bool:
    """True when another process holds the lock file at `path`."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


def test_two_renders_into_one_folder_never_mix(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = scenario_file(tmp_path / "a", title="from a", epochs=300, formats="gif", panels="fit",
                      extra="  max_frames: 300\n")
    b = scenario_file(tmp_path / "b", title="from b", epochs=2, lrs=(0.02,), formats="png", panels="fit")
    out = tmp_path / "out"
    first = subprocess.Popen([sys.executable, "-m", "gdanim", "render", str(a), "-o", str(out), "--jobs", "1",
                              "--quiet"], env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while not locked(out / "tiny" / LOCK) and time.time() < deadline and first.poll() is None:
        time.sleep(0.01)
    second = gdanim("render", str(b), "-o", str(out), "--jobs", "1", "--quiet")
    still_running = first.poll() is None
    _, err = first.communicate(timeout=TIMEOUT)
    assert first.returncode == 0, err
    assert still_running, "the first render ended before the second started"
    (line,) = errors(second, 1)
    assert f"{out / 'tiny'} is being built by another gdanim render or record" in line
    assert json.loads((out / "tiny" / "trace.json").read_text())["title"] == "from a"
    assert "from a" in (out / "tiny" / "scenario.yaml").read_text()
    assert not (out / "tiny" / "lr-0.02.png").exists()
    assert gdanim("verify", str(out / "tiny")).returncode == 0


def test_a_build_killed_with_sigkill_leaves_part_files_that_the_next_build_removes(tmp_path):
    source = scenario_file(tmp_path, epochs=300, formats="gif", panels="fit", extra="  max_frames: 300\n")
    site = tmp_path / "site"
    proc = subprocess.Popen([sys.executable, "-m", "gdanim", "site", str(source), "-o", str(site), "--jobs", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    # A fast machine may finish a partial file between seeing it and the kill, so the build is
    # frozen first and killed only while a partial file is still there.
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        if any(".part" in p.name for p in site.rglob(".*")):
            os.killpg(proc.pid, signal.SIGSTOP)
            time.sleep(0.05)  # a rename already under way completes
            if any(".part" in p.name for p in site.rglob(".*")):
                break
            os.killpg(proc.pid, signal.SIGCONT)
        time.sleep(0.01)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == -signal.SIGKILL
    assert any(".part" in p.name for p in site.rglob(".*")), "the kill left no partial file to clean"
    again = gdanim("site", str(source), "-o", str(site), "--jobs", "1", "--quiet")
    assert again.returncode == 0, again.stderr
    assert [p for p in site.rglob("*") if ".part" in p.name] == []
    assert gdanim("verify", str(site)).returncode == 0


@pytest.mark.parametrize("command", ["render", "site"])
def test_what_a_killed_build_left_in_the_folder_and_its_assets_goes_with_the_next(tmp_path, command):
    source = scenario_file(tmp_path, epochs=2, lrs=(0.01,), formats="png", panels="fit")
    out = tmp_path / "out"
    left = [out / "tiny" / ".lr-0.01.x1.part.mp4", out / "tiny" / "assets" / ".contour.x2.part.png"]
    for path in left:  # an animation's, and a figure's drawn beside it
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"half")
    (out / "tiny" / STAMP).write_text("{}")  # the site's mark on a folder it began to build
    assert gdanim(command, str(source), "-o", str(out), "--jobs", "1", "--quiet").returncode == 0
    assert [p for p in left if p.exists()] == []


# --- no stale media ------------------------------------------------------------------------


def test_a_run_that_fails_on_a_rebuild_leaves_no_old_media_behind(tmp_path):
    source = scenario_file(tmp_path, epochs=2, lrs=(0.01, 0.03), formats="mp4, png", panels="fit")
    out = tmp_path / "out"
    assert gdanim("render", str(source), "-o", str(out), "--jobs", "1", "--quiet").returncode == 0
    folder = out / "tiny"
    assert (folder / "lr-0.01.mp4").is_file()
    time.sleep(0.05)
    source.write_text(source.read_text().replace("init: [-5.0, 10.0]", "init: [-4.0, 10.0]"))
    proc = gdanim("render", str(source), "-o", str(out), "--jobs", "1", "--quiet",
                  env={"IMAGEIO_FFMPEG_EXE": "/nonexistent/ffmpeg"})
    assert len(errors(proc, 1)) == 3  # lr-0.01, lr-0.03 and compare
    assert sorted(p.name for p in folder.glob("*.mp4")) == []
    assert (folder / "lr-0.01.png").is_file()  # the new poster needs no encoder and stays
    assert ".mp4" not in (folder / "index.html").read_text(encoding="utf-8")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert not [name for name in manifest["outputs"] if name.endswith(".mp4")]
    assert gdanim("verify", str(folder)).returncode == 0
