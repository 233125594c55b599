"""The authoring loop of `gdanim serve`, run by hand (not a test): from saving a scenario
with a new learning rate to the served page showing the new run, and to all its
animations written, each against `gdanim render` of the same file in the same run.

    python bench/serve_bench.py [--scenario scenarios/lr.yaml] [--repeat 3] [--verbose]

page    saving the file -> the served page's runs table and lab hold the new run
media   saving the file -> the page again, with every animation of the scenario
render  `gdanim render FILE` cold into a fresh folder, whole process (the reference)
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def gdanim(*args: str) -> list[str]:
    return [sys.executable, "-m", "gdanim", *args]


def fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.read().decode("utf-8", "replace")
    except OSError:
        return ""


def wait(check, timeout: float = 600, step: float = 0.02) -> float:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return time.monotonic()
        time.sleep(step)
    raise SystemExit("timed out")


def one_round(source: Path, work: Path, rate: float, verbose: bool = False) -> tuple[float, float, float]:
    folder = work / "scenarios"
    folder.mkdir(parents=True)
    path = folder / source.name
    shutil.copy(source, path)
    started = time.perf_counter()
    subprocess.run(gdanim("render", str(path), "-o", str(work / "render"), "--quiet"), check=True)
    render = time.perf_counter() - started

    lines: list[str] = []
    heard: list[tuple[float, str]] = []
    proc = subprocess.Popen(gdanim("serve", str(folder), "-o", str(work / "site"), "--port", "0"),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    def listen() -> None:
        for line in proc.stdout:
            heard.append((time.monotonic(), line))
            lines.append(line)

    threading.Thread(target=listen, daemon=True).start()
    try:
        wait(lambda: any("site built" in line for line in lines))
        url = re.search(r"at (http://\S+/)", "".join(lines)).group(1) + path.stem + "/"
        name = f"lr-{rate:g}"
        text = path.read_text(encoding="utf-8")
        edited = re.sub(r"(runs:\n)", rf"\1  - {{lr: {rate:g}}}\n", text, count=1)
        assert edited != text, "the scenario has no runs: list to add a rate to"
        built = len([line for line in lines if "site built" in line])
        saved = time.monotonic()
        tmp = path.with_name(path.name + ".new~")
        tmp.write_text(edited, encoding="utf-8")
        os.replace(tmp, path)
        page = wait(lambda: name in fetch(url) and "lab-data" in fetch(url)) - saved
        media = wait(lambda: len([line for line in lines if "site built" in line]) > built
                     and f"{name}.mp4" in fetch(url)) - saved
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(30)
    if verbose:  # what the server said after the save, and when
        for at, line in heard:
            if at >= saved:
                print(f"  +{at - saved:6.2f} s  {line.rstrip()}")
    return page, media, render


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "lr.yaml")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--verbose", action="store_true", help="print what the server said after each save, timed")
    args = parser.parse_args()
    for n in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            load = os.getloadavg()[0]
            page, media, render = one_round(args.scenario.resolve(), Path(tmp), 0.005 + 0.0001 * n,
                                            args.verbose)
            print(f"load {load:.1f} / {os.getloadavg()[0]:.1f}: page {page:.2f} s = {page / render:.3f} of render; "
                  f"media {media:.1f} s = {media / render:.2f} of render; render {render:.1f} s")


if __name__ == "__main__":
    main()
