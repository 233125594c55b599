"""Render benchmarks, run by hand (not a test): each figure is a ratio against a reference
measured in the same run, so a busy machine slows both sides alike.

    python bench/render_bench.py [all|floor|seed|memory|cold] [--repeat 3]

floor   a 30-epoch run's default video, 1280x720 fit+surface MP4 at 30 fps (gliding,
        paused at its events, arrows and residual squares drawn): frames per second,
        against the encode-only floor (the same frames, already drawn, piped to the same
        encoder settings).
seed    the whole `gdanim render` process, cold into a fresh folder, per frame, against
        the lecture-notebook way (../shared/bench/seed_baseline.py beside the repository,
        or --seed-baseline PATH) at 300 frames of the same size.
memory  peak memory of `gdanim render` (mp4, gif, png) for 500, 5000 and 50000 epochs:
        the largest single process (RSS) and the whole process tree (PSS, sampled).
cold    `gdanim render scenarios/lr.yaml`, whole process, all formats, against
        `gdanim record` of the same file.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT.parent / "shared" / "bench" / "seed_baseline.py"
"The lecture-notebook baseline, found from the repository layout unless --seed-baseline names it."
SCENARIO = """\
title: bench
data:
  synthetic: {{n: 100, seed: 43052, x: randn, params: [2.5, 4.0], noise: 0.5}}
init: [-5.0, 10.0]
loss: sse
lr: 0.001
epochs: {epochs}
render:
  preset: hd
  panels: [fit, surface]
  max_frames: {max_frames}
  hold: 0
  formats: [{formats}]
"""


def scenario(folder: Path, epochs: int, max_frames: int = 150, formats: str = "mp4") -> Path:
    path = folder / f"bench{epochs}.yaml"
    path.write_text(SCENARIO.format(epochs=epochs, max_frames=max_frames, formats=formats))
    return path


def gdanim(*args: str) -> list[str]:
    return [sys.executable, "-m", "gdanim", *args]


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def encode_only(frames, path: Path) -> None:
    """The floor: ready frames through the same pipe into the same encoder settings."""
    from gdanim.render.writers import MP4_ARGS, FfmpegPipe

    h, w = frames[0].shape[:2]
    pipe = FfmpegPipe((w, h), 30, [*MP4_ARGS, "-f", "mp4", str(path)])
    for frame in frames:
        pipe.write(frame)
    pipe.close()


def bench_floor(tmp: Path, repeat: int) -> None:
    from gdanim.api import record
    from gdanim.frames.animate import Look, run_frames
    from gdanim.frames.style import make_style
    from gdanim.i18n import messages
    from gdanim.render.pipeline import write_frames
    from gdanim.scene.events import run_events
    from gdanim.scene.surface import loss_grid
    from gdanim.scene.timeline import Pacing, run_callouts, run_timeline
    from gdanim.scene.views import run_view

    trace = record(ROOT / "scenarios" / "lr.yaml")
    run = trace.run("lr-0.0083")  # overshoots, then grows: three pauses and their callouts
    look = Look(("fit", "surface"), make_style((1280, 720), "light"), arrows=True, residuals="auto")
    line = run_timeline(trace, run, Pacing())

    def source():
        return run_frames(run_view(trace, run, loss_grid(trace, [run])), line.pos, look, trace.title,
                          callouts=run_callouts(run, run_events(trace, run), line, messages("en")))

    ready = [f.copy() for f in source()]
    best_render = best_floor = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        write_frames(source(), {"mp4": tmp / "render.mp4"}, 30, 0)
        best_render = min(best_render, time.perf_counter() - start)
        start = time.perf_counter()
        encode_only(ready, tmp / "floor.mp4")
        best_floor = min(best_floor, time.perf_counter() - start)
    n = len(ready)
    print(f"floor: {n} frames 1280x720 fit+surface mp4 ({len(line.knots)} states gliding), best of {repeat}")
    print(f"  render+encode {best_render:.2f} s = {n / best_render:.1f} fps")
    print(f"  encode only   {best_floor:.2f} s = {n / best_floor:.1f} fps")
    print(f"  ratio {best_floor / best_render:.0%} of the floor (goal >= 75%)")


def bench_seed(tmp: Path, repeat: int) -> None:
    import json

    path = scenario(tmp, 299, max_frames=300)
    cold = []
    for k in range(repeat):  # each into a fresh folder
        cold.append(timed(gdanim("render", str(path), "-o", str(tmp / f"out{k}"), "--format", "mp4", "--quiet")))
    manifest = json.loads((tmp / "out0" / path.stem / "manifest.json").read_text(encoding="utf-8"))
    frames = next(iter(manifest["animations"].values()))["frames"]  # one run: one animation
    stage = min(render_stage(path, tmp / f"stage{k}") for k in range(repeat))
    seed = timed([sys.executable, str(SEED), str(tmp / "seed.mp4"), "--epochs", "300",
                  "--size", "1280x720"])
    per_seed = seed / 300
    print(f"seed: 1280x720 fit+surface mp4, whole process cold; ours {frames} frames, the seed's 300")
    print(f"  gdanim render CLI, cold (also writes the HTML report): {', '.join(f'{t:.2f}' for t in cold)} s")
    print(f"  render stage alone (trace -> mp4, in process, best)   {stage:.2f} s")
    print(f"  seed_baseline.py                                      {seed:.2f} s = {per_seed * 1000:.0f} ms a frame")
    print(f"  per frame: CLI {per_seed / (min(cold) / frames):.1f}x (best), {per_seed / (max(cold) / frames):.1f}x"
          f" (worst); stage {per_seed / (stage / frames):.1f}x (goal >= 40x)")


def render_stage(path: Path, out: Path) -> float:
    """Seconds from a recorded trace to the finished MP4, in this process."""
    import gdanim.frames.animate  # noqa: F401 - imported before timing, as a worker has it
    from gdanim.api import record_to
    from gdanim.render import settings_for
    from gdanim.render.pipeline import render_trace
    from gdanim.scenario import load_scenario

    scenario = load_scenario(path)
    trace, folder = record_to(scenario, out)
    settings = settings_for(scenario.spec.render, formats=["mp4"])
    start = time.perf_counter()
    render_trace(trace, folder, settings, jobs=1, progress=False)
    return time.perf_counter() - start


def tree_rss_kb(root: int) -> int:
    """Proportional memory (PSS: shared pages split between their users, so forked
    workers are not counted twice) of a process and all its descendants, in KB."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            rollup = Path(f"/proc/{entry}/smaps_rollup").read_text()
        except OSError:
            continue
        parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
        rss[int(entry)] = next((int(line.split()[1]) for line in rollup.splitlines()
                                if line.startswith("Pss:")), 0)
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        kids = [p for p, pp in parents.items() if pp == pid and p not in tree]
        tree.update(kids)
        frontier.extend(kids)
    return sum(rss.get(p, 0) for p in tree)


def peak(cmd: list[str]) -> tuple[int, int, float]:
    """(largest single process KB, peak tree KB, seconds) of a command."""
    wrapped = ["/usr/bin/time", "-f", "%M", *cmd]
    start = time.perf_counter()
    proc = subprocess.Popen(wrapped, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    top = [0]

    def sample() -> None:
        while proc.poll() is None:
            top[0] = max(top[0], tree_rss_kb(proc.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    _, err = proc.communicate()
    sampler.join()
    return int(err.strip().splitlines()[-1]), top[0], time.perf_counter() - start


def bench_memory(tmp: Path, repeat: int) -> None:
    print("memory: gdanim render, one run, mp4+gif+png, 1280x720 fit+surface, max_frames 150")
    for epochs in (500, 5000, 50000):
        path = scenario(tmp, epochs, formats="mp4, gif, png")
        single, tree, secs = peak(gdanim("render", str(path), "-o", str(tmp / "out"), "--quiet"))
        print(f"  {epochs:>6} epochs: largest process {single / 1024:.0f} MB (RSS),"
              f" whole tree {tree / 1024:.0f} MB (PSS), {secs:.1f} s (goal < 400 MB, flat)")


def bench_cold(tmp: Path, repeat: int) -> None:
    lr = ROOT / "scenarios" / "lr.yaml"
    renders = [timed(gdanim("render", str(lr), "-o", str(tmp / f"cold{k}"), "--quiet"))
               for k in range(repeat)]
    record = min(timed(gdanim("record", str(lr), "-o", str(tmp / "rec"))) for _ in range(repeat))
    print(f"cold: gdanim render scenarios/lr.yaml (all formats, {os.cpu_count()} cores)")
    print(f"  runs: {', '.join(f'{t:.2f}' for t in renders)} s; best {min(renders):.2f} s (goal < 10 s)")
    print(f"  gdanim record alone (best): {record:.2f} s; render / record = {min(renders) / record:.1f}")
    gifs = {p.name: p.stat().st_size for p in (tmp / "cold0" / "lr").glob("lr-*.gif")}
    print(f"  single-run GIFs (hd): largest {max(gifs.values()) / 1e6:.2f} MB (goal < 8 MB): "
          + ", ".join(f"{k} {v / 1e6:.2f}" for k, v in sorted(gifs.items())))


BENCHES = {"floor": bench_floor, "seed": bench_seed, "memory": bench_memory, "cold": bench_cold}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("which", nargs="?", default="all", choices=["all", *BENCHES])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed-baseline", type=Path, default=SEED, metavar="PATH",
                    help=f"the baseline script of the seed benchmark (default: {SEED})")
    a = ap.parse_args()
    if a.which in ("all", "seed") and not a.seed_baseline.is_file():
        ap.error(f"no baseline script at {a.seed_baseline}; name it with --seed-baseline PATH")
    globals()["SEED"] = a.seed_baseline.resolve()
    print(f"load average before: {Path('/proc/loadavg').read_text().split()[:3]}")
    with tempfile.TemporaryDirectory() as tmp:
        for name, bench in BENCHES.items():
            if a.which in ("all", name):
                bench(Path(tmp), a.repeat)


if __name__ == "__main__":
    main()
