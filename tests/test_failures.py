"""A broken machine, not bad input: real faults end in one clean message and exit code 1.

Every case runs the real command in its own process against a real fault (a full
tmpfs, a file size limit, a file in the way, a read-only mount, a missing ffmpeg, a
process killed mid-encode) and checks: exit code 1, no traceback, the file or the step
named, no temporary file left, and what an earlier run wrote still byte for byte there.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from render_support import children, cmdline, wait_for, writing_under
from render_support import scenario_file as _scenario_file

from gdanim import schema

TIMEOUT = 180


def gdanim(*args: str, env: dict | None = None, preexec=None) -> subprocess.CompletedProcess:
    """Run `python -m gdanim ARGS` in its own process; returns the finished process."""
    return subprocess.run([sys.executable, "-m", "gdanim", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, preexec_fn=preexec, timeout=TIMEOUT)


def scenario_file(folder: Path, **kwargs) -> Path:
    """render_support's scenario, in the current format (no deprecation notes)."""
    path = _scenario_file(folder, **kwargs)
    if "params" in schema.Synthetic.model_fields:
        path.write_text(path.read_text(encoding="utf-8").replace("true: [", "params: ["), encoding="utf-8")
    return path


def one_job(command: str) -> list[str]:
    return [] if command == "record" else ["--jobs", "1"]


def forced(command: str) -> list[str]:
    return ["--force"] if command == "site" else []


def sha256(manifest: bytes) -> str:
    """The sha256 a site's manifest lists for its index."""
    return json.loads(manifest)["outputs"]["index.html"]["sha256"]


def leftovers(folder: Path) -> list[str]:
    """Temporary files and folders (…part…) anywhere under folder."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if ".part" in p.name)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_clean_failure(proc: subprocess.CompletedProcess, *names: str) -> None:
    assert proc.returncode == 1, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr and "Exception" not in proc.stderr, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert errors, proc.stderr
    for name in names:
        assert name in proc.stderr, (name, proc.stderr)


def _mount(*args: str) -> bool:
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


@contextlib.contextmanager
def tmpfs(folder: Path, size: str):
    """A tmpfs of `size` mounted on folder, unmounted afterwards; skips where not permitted."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or not _mount("-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)):
        pytest.skip("mounting a small tmpfs needs root (or a container that allows mount)")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def fill(folder: Path) -> None:
    """Write a file into folder until its file system has no room left."""
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        with contextlib.suppress(OSError):
            while os.write(fd, b"\0" * 4096):
                pass
    finally:
        os.close(fd)


# --- disk full -------------------------------------------------------------------------


def test_render_into_a_disk_that_fills_up_midway_fails_cleanly(tmp_path):
    source = scenario_file(tmp_path, epochs=30)
    with tmpfs(tmp_path / "small", "600k") as out:
        proc = gdanim("render", str(source), "-o", str(out), "--jobs", "2")
        assert_clean_failure(proc, "No space left on device")
        assert leftovers(out) == []


@pytest.mark.parametrize("command", ["record", "render", "site"])
def test_a_full_disk_leaves_every_earlier_output_as_it_was(tmp_path, command):
    source = scenario_file(tmp_path, epochs=3, formats="mp4, png", panels="fit")
    with tmpfs(tmp_path / "disk", "4m") as out:
        assert gdanim(command, str(source), "-o", str(out), *one_job(command)).returncode == 0
        before = snapshot(out)
        scenario_file(tmp_path, epochs=4, title="changed", formats="mp4, png", panels="fit")
        fill(out)
        proc = gdanim(command, str(source), "-o", str(out), *one_job(command), *forced(command))
        assert_clean_failure(proc, "No space left on device", str(out))
        (out / "filler").unlink()
        after = snapshot(out)
        if command == "site":  # the index lists the failure beside the last good build's card
            assert 'href="tiny/index.html"' in after.pop("index.html").decode()
            assert "No space left on device" in (out / "index.html").read_text(encoding="utf-8")
            before.pop("index.html"), before.pop("tiny/.gdanim-build.json")  # stale now: built again next time
            before.pop("manifest.json")  # the site's own manifest follows its new index
            assert sha256(after.pop("manifest.json")) == hashlib.sha256((out / "index.html").read_bytes()).hexdigest()
        assert after == before
        assert leftovers(out) == []


def test_a_file_size_limit_is_a_clean_failure_without_root(tmp_path):
    """RLIMIT_FSIZE: a portable full disk. Python gets EFBIG; ffmpeg is killed by SIGXFSZ."""
    source = scenario_file(tmp_path, epochs=30, formats="mp4, gif, png")

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (40_000, 40_000))

    proc = gdanim("render", str(source), "-o", str(tmp_path / "out"), "--jobs", "1", preexec=limit)
    assert_clean_failure(proc, "tiny/")
    assert "File too large" in proc.stderr or "SIGXFSZ" in proc.stderr
    assert leftovers(tmp_path / "out") == []


# --- a file in the way, a read-only folder ----------------------------------------------


@pytest.mark.parametrize("command", ["record", "render", "site"])
def test_a_file_where_the_scenario_folder_should_be_is_named(tmp_path, command):
    source = scenario_file(tmp_path, epochs=2, formats="png", panels="fit")
    out = tmp_path / "out"
    out.mkdir()
    (out / "tiny").write_text("not a folder")
    proc = gdanim(command, str(source), "-o", str(out), *one_job(command))
    assert_clean_failure(proc, f"{out / 'tiny'} is a file, not a folder")
    assert (out / "tiny").read_text() == "not a folder"
    assert leftovers(out) == []


@pytest.mark.parametrize("command", ["record", "render", "site"])
def test_a_file_in_the_way_of_the_output_folder_is_named(tmp_path, command):
    source = scenario_file(tmp_path, epochs=2, formats="png", panels="fit")
    (tmp_path / "blocker").write_text("a file")
    proc = gdanim(command, str(source), "-o", str(tmp_path / "blocker" / "out"), *one_job(command))
    assert_clean_failure(proc, f"{tmp_path / 'blocker'} is a file, not a folder")


@pytest.mark.parametrize("command", ["record", "render", "site"])
def test_a_read_only_output_folder_is_named_and_left_alone(tmp_path, command):
    source = scenario_file(tmp_path, epochs=2, formats="mp4, png", panels="fit")
    with tmpfs(tmp_path / "ro", "4m") as out:
        assert gdanim(command, str(source), "-o", str(out), *one_job(command)).returncode == 0
        before = snapshot(out)
        # root ignores file modes: a read-only mount is the real thing
        assert _mount("-o", "remount,ro", str(out)), "remounting read-only failed"
        scenario_file(tmp_path, epochs=3, title="changed", formats="mp4, png", panels="fit")
        proc = gdanim(command, str(source), "-o", str(out), *one_job(command), *forced(command))
        assert_clean_failure(proc, "Read-only file system", str(out))
        assert snapshot(out) == before


# --- ffmpeg missing or killed, a worker killed -------------------------------------------


def test_a_missing_ffmpeg_is_named_for_each_animation_and_the_page_is_still_written(tmp_path):
    source = scenario_file(tmp_path, epochs=2, formats="mp4, gif, png", panels="fit")
    proc = gdanim("render", str(source), "-o", str(tmp_path / "out"), "--jobs", "1",
                  env={"IMAGEIO_FFMPEG_EXE": "/nonexistent/ffmpeg"})
    assert_clean_failure(proc, "ffmpeg cannot start: /nonexistent/ffmpeg", "tiny/lr-0.01", "tiny/compare")
    folder = tmp_path / "out" / "tiny"
    assert (folder / "index.html").is_file() and not (folder / "lr-0.01.mp4").exists()
    # the posters need no encoder: they are written whole all the same, and shown on the page
    assert (folder / "lr-0.01.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and (folder / "compare.png").is_file()
    assert '<img src="lr-0.01.png"' in (folder / "index.html").read_text(encoding="utf-8")
    assert leftovers(folder) == []


def kill_midway(args: list[str], folder: Path, pick) -> subprocess.CompletedProcess:
    """Start gdanim, wait until an animation is being written under folder, SIGKILL the
    process `pick(main pid)` returns; returns the finished process."""
    if not Path("/proc/self/stat").exists():
        pytest.skip("needs /proc to find the processes to kill")
    proc = subprocess.Popen([sys.executable, "-m", "gdanim", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)

    def kill() -> bool:
        if any(".part" in p.name for p in folder.rglob(".*")) and (victim := pick(proc.pid)):
            with contextlib.suppress(ProcessLookupError):  # gone meanwhile: pick another
                os.kill(victim, signal.SIGKILL)
                return True
        return False

    wait_for(kill, "a process to kill while an animation is written")
    out, err = proc.communicate(timeout=TIMEOUT)
    wait_for(lambda: not writing_under(folder), "the encoders of the killed worker gone")
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def an_encoder(pid: int) -> int | None:
    return next((p for p in children(pid) if "rawvideo" in cmdline(p)), None)


def a_worker_while_encoding(pid: int) -> int | None:
    encoders = [p for p in children(pid) if "rawvideo" in cmdline(p)]
    workers = [p for p in children(pid) if "ffmpeg" not in cmdline(p) and children(p)]
    return next((w for w in workers if set(children(w)) & set(encoders)), None)


LONG = dict(epochs=400, lrs=(0.001, 0.002, 0.003), formats="mp4, gif, png",
            extra="  max_frames: 400\n")


@pytest.mark.parametrize("victim, message", [
    (an_encoder, "ffmpeg stopped (killed by SIGKILL)"),
    (a_worker_while_encoding, "worker process ended unexpectedly"),
], ids=["encoder", "worker"])
def test_a_process_killed_midway_is_named_and_leaves_no_partial_file(tmp_path, victim, message):
    source = scenario_file(tmp_path, **LONG)
    out = tmp_path / "out"
    proc = kill_midway(["render", str(source), "-o", str(out), "--jobs", "2", "--preset", "hd"],
                       out, victim)
    assert_clean_failure(proc, message)
    assert leftovers(out) == []
    assert (out / "tiny" / "index.html").is_file()  # the page of what did render is written


def _one_dies_one_lingers(folder: Path, name: str) -> None:
    """A stand-in for building `name` in a worker: "dies" ends its worker at once; the
    other, told to stop, starts one more temporary file before it goes, as a worker
    between two writers does."""
    import time

    if name == "dies":
        time.sleep(0.3)  # the other is at work by then
        os._exit(1)

    def stopped(signum, frame):
        time.sleep(0.3)  # long after the pool has said it is broken
        (folder / f".{name}.x.part.mp4").write_bytes(b"half a video")
        (folder / "assets").mkdir(exist_ok=True)
        (folder / "assets" / ".data.x.part.png").write_bytes(b"half a figure")  # begun beside it
        os._exit(1)

    signal.signal(signal.SIGTERM, stopped)
    time.sleep(30)


def _render_one(job, name, position):  # in place of pipeline._render_one
    _one_dies_one_lingers(job.folder, name)


def _build_one(job):  # in place of site.build_one
    _one_dies_one_lingers(Path(job.site) / Path(job.path).stem, Path(job.path).stem)


@pytest.mark.parametrize("where", ["render", "site"])
def test_a_dying_worker_is_swept_up_after_the_others_have_stopped(tmp_path, monkeypatch, where):
    """Once a worker dies, the pool reports it before it stops the others; what they
    write meanwhile must be swept too."""
    from gdanim.build import site
    from gdanim.render import pipeline

    names = ["dies", "lingers"]
    if where == "render":
        monkeypatch.setattr(pipeline, "_render_one", _render_one)  # the workers are forked
        with pipeline.workers(2) as pool:
            outcomes, _ = pipeline._run_all(pipeline._Job(None, tmp_path, None, False), names, pool, None, None)
        assert [error for _, _, error in outcomes] == [pipeline.WORKER_DIED] * 2
    else:
        monkeypatch.setattr(site, "build_one", _build_one)
        monkeypatch.setattr(site, "_up_to_date", lambda job: False)
        for name in names:
            (tmp_path / name).mkdir()
        todo = [(i, site.Job(str(tmp_path / f"{name}.yaml"), str(tmp_path), None, None))
                for i, name in enumerate(names)]
        assert [o.error for _, o in site._run(todo, 2)] == [site.WORKER_DIED] * 2
    assert leftovers(tmp_path) == []


# --- two site builds at once -------------------------------------------------------------


def test_a_second_site_build_into_the_same_folder_refuses_while_the_first_runs(tmp_path):
    import fcntl

    from gdanim.folder import LOCK

    source = scenario_file(tmp_path, epochs=2, formats="png", panels="fit")
    site = tmp_path / "site"
    site.mkdir()
    with open(site / LOCK, "a") as held:  # what a build in progress holds
        fcntl.flock(held, fcntl.LOCK_EX)
        proc = gdanim("site", str(source), "-o", str(site), "--jobs", "1")
        assert_clean_failure(proc, f"{site} is being built by another gdanim site command")
        assert sorted(p.name for p in site.iterdir()) == [LOCK]
    proc = gdanim("site", str(source), "-o", str(site), "--jobs", "1")
    assert proc.returncode == 0, proc.stderr
    assert (site / "tiny" / "index.html").is_file()
