"""Rebuilding an unchanged course site: how long `gdanim site` takes when nothing changed.

    python bench/site_bench.py [--repeat 5]

Builds the example site once (cut down as the browser tests cut it: thumb preset, four
frames), then times `gdanim site` on it again, `--repeat` times, against the reference
measured in the same run: `python -m gdanim --version`, the cost of starting the
command at all. The figure is the rebuild's median over the reference's median.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def tiny_copy(source: Path, target: Path) -> Path:
    """The example scenarios with render settings cut down (as tests/test_site_browser.py)."""
    shutil.copytree(source, target)
    for path in sorted(target.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        doc.setdefault("render", {}).update(preset="thumb", max_frames=4, hold=0, fps=10)
        doc["render"].pop("frames", None)
        sweep = doc.get("sweep")
        if sweep and isinstance(sweep.get("lr"), dict):
            sweep["lr"]["num"] = 6
        path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


def seconds(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "gdanim", *args], check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        scenarios = tiny_copy(ROOT / "scenarios", Path(tmp) / "scenarios")
        site = Path(tmp) / "site"
        first = seconds(["site", str(scenarios), "-o", str(site), "-q"])
        rebuild = [seconds(["site", str(scenarios), "-o", str(site), "-q"]) for _ in range(options.repeat)]
        start = [seconds(["--version"]) for _ in range(options.repeat)]
    r, s = statistics.median(rebuild), statistics.median(start)
    print(f"{len(list((ROOT / 'scenarios').glob('*.yaml')))} scenarios; first build {first:.1f} s; "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"rebuild, nothing changed: median {r:.2f} s (min {min(rebuild):.2f}, max {max(rebuild):.2f})")
    print(f"reference, gdanim --version: median {s:.2f} s")
    print(f"rebuild / reference: {r / s:.1f}x")


if __name__ == "__main__":
    main()
