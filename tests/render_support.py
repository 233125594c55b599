"""Small scenarios and decoders shared by the render tests."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import imageio_ffmpeg

BASE = """\
title: {title}
data:
  synthetic: {{n: 20, seed: 1, x: randn, params: [2.5, 4.0], noise: 0.5}}
init: [-5.0, 10.0]
loss: sse
epochs: {epochs}
runs:
{runs}
render:
  preset: thumb
  hold: 0
  formats: [{formats}]
  panels: [{panels}]
{extra}"""


def scenario_file(folder: Path, name: str = "tiny", *, title: str = "tiny", epochs: int = 4,
                  lrs: tuple[float, ...] = (0.01, 0.03), formats: str = "mp4, gif, png",
                  panels: str = "fit, surface", extra: str = "") -> Path:
    """Write a small scenario file and return its path."""
    runs = "\n".join(f"  - {{lr: {lr}}}" for lr in lrs)
    path = folder / f"{name}.yaml"
    path.write_text(BASE.format(title=title, epochs=epochs, runs=runs, formats=formats,
                                panels=panels, extra=extra), encoding="utf-8")
    return path


@dataclass(frozen=True)
class VideoInfo:
    codec: str
    pix_fmt: str
    width: int
    height: int
    frames: int
    audio: bool


def probe(path: Path) -> VideoInfo:
    """Codec, pixel format, size and decoded frame count, from ffmpeg's own report."""
    out = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(path),
                          "-map", "0:v:0", "-f", "null", "-"], capture_output=True, text=True)
    video = re.search(r"Stream #0:0.*?Video: (\w+).*?, (\w+)(?:\(.*?\))?, (\d+)x(\d+)", out.stderr)
    frames = re.findall(r"frame=\s*(\d+)", out.stderr)
    assert video and frames, out.stderr
    return VideoInfo(video.group(1), video.group(2), int(video.group(3)), int(video.group(4)),
                     int(frames[-1]), "Audio:" in out.stderr)


def interrupt_while_writing(args: list[str], folder: Path) -> tuple[int, list[str]]:
    """Start `python -m gdanim ARGS` in its own process group, press Ctrl-C (SIGINT to
    the whole group, as a terminal does) once an animation is being written somewhere
    under `folder`; returns (exit code, the command lines of the group's processes still
    running once it has exited: workers, encoders or a recording left behind)."""
    proc = subprocess.Popen([sys.executable, "-m", "gdanim", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    wait_for(lambda: any(".part" in p.name for p in folder.rglob(".*")), "an animation being written")
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert b"Traceback" not in err and b"Exception" not in err, err.decode()
    return proc.returncode, [cmdline(pid) for pid in group(proc.pid)]


def wait_for(condition, what: str, limit: float = 60.0) -> None:
    """Return once condition() holds; fail the test when it never does (`limit` seconds
    only guard against a hang: the test checks the state, not the time)."""
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.02)


def _stat(pid_dir: Path) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (state, ppid, pgrp, ...)."""
    try:
        return (pid_dir / "stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def group(pgid: int) -> list[int]:
    """The live processes (not zombies) of process group pgid, from /proc."""
    out = []
    for pid_dir in Path("/proc").glob("[0-9]*"):
        fields = _stat(pid_dir)
        if fields and fields[0] != "Z" and int(fields[2]) == pgid:
            out.append(int(pid_dir.name))
    return out


def cmdline(pid: int) -> str:
    """A process's command line ("" once it is gone)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def children(pid: int) -> list[int]:
    """Every descendant process of pid (from /proc)."""
    parents: dict[int, list[int]] = {}
    for pid_dir in Path("/proc").glob("[0-9]*"):
        if fields := _stat(pid_dir):
            parents.setdefault(int(fields[1]), []).append(int(pid_dir.name))
    found, todo = [], [pid]
    while todo:
        kids = parents.get(todo.pop(), [])
        found += kids
        todo += kids
    return found


def writing_under(folder: Path) -> list[int]:
    """The live processes whose command line names a path under folder (encoders, say)."""
    mark = str(folder)
    return [int(d.name) for d in Path("/proc").glob("[0-9]*")
            if (fields := _stat(d)) and fields[0] != "Z" and mark in cmdline(int(d.name))]
