"""The live lab's benchmark, run by hand (not a test): drag the learning rate across the
slider's whole range for 1,000 epochs with each optimizer, in headless Chromium.

    python bench/lab_bench.py [--scenario scenarios/lr.yaml] [--epochs 1000] [--repeat 1]

Each slider position is one update, measured two ways:
work    performance.now() around the synchronous work of one update: the input event,
        then gdanim.lab.update() (simulate, contour copy, path, fit, loss, readout). The
        canvas rasterises later, off this thread, so this is the script's share of a frame.
frame   from the input event to the first animation frame after the one that drew it:
        the update's own frame has been painted by then (the rAF-scheduled redraw, as a
        drag triggers it, plus Chromium's paint and the wait for the frame clock).
The references, measured in the same run so that a busy machine slows both sides alike:
for work, one idle frame interval; for frame, the same two-frame wait with no update.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
OPTIMIZERS = ("gd", "sgd", "momentum", "nesterov", "adam", "rmsprop", "adagrad")

DRAG = """async ([optimizer, epochs, mode]) => {
  const lab = gdanim.lab, slider = document.getElementById('lab-lr-range');
  lab.set({optimizer, epochs, epoch: null});
  lab.update();
  const frame = () => new Promise(r => requestAnimationFrame(r));
  const out = [];
  for (let pos = 0; pos <= Number(slider.max); pos++) {
    await frame();  // start each update at the beginning of a frame, as a drag does
    const t0 = performance.now();
    slider.value = String(pos);
    slider.dispatchEvent(new Event('input', {bubbles: true}));
    if (mode === 'work') {
      lab.update();
      out.push(performance.now() - t0);
    } else {
      await frame();  // the redraw runs in this frame's callbacks ...
      await frame();  // ... and this one begins once that frame is painted
      out.push(performance.now() - t0);
    }
  }
  return out;
}"""

IDLE = """async (count) => {
  const frame = () => new Promise(r => requestAnimationFrame(r));
  await frame();
  const out = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await frame();
    await frame();
    out.push(performance.now() - t0);
  }
  return out;
}"""


def build(scenario: Path, folder: Path) -> Path:
    """Record the scenario and write its page (no figures, no animations); returns index.html."""
    from gdanim.api import record_to
    from gdanim.build import write_scenario_report
    from gdanim.scenario import load_scenario

    sc = load_scenario(scenario)
    _, out = record_to(sc, folder)
    return write_scenario_report(sc, out, figures=False)


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def sizes() -> list[tuple[str, int, int]]:
    out = []
    for name in ("lab.js", "lab-core.js"):
        data = (ROOT / "templates" / "static" / name).read_bytes()
        out.append((name, len(data), len(gzip.compress(data, 9))))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "lr.yaml")
    ap.add_argument("--epochs", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=1, help="drags per optimizer and mode")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        page_path = build(args.scenario, Path(tmp))
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(page_path.as_uri())
            page.locator("#lab").scroll_into_view_if_needed()
            idle = page.evaluate(IDLE, 120)  # two frame intervals each
            ref = statistics.median(idle) / 2
            rows, every = [], {"work": [], "frame": []}
            for optimizer in OPTIMIZERS:
                row = [optimizer]
                for mode in ("work", "frame"):
                    times = []
                    for _ in range(args.repeat):
                        times += page.evaluate(DRAG, [optimizer, args.epochs, mode])
                    every[mode] += times
                    row += [statistics.median(times), p95(times)]
                rows.append(row)
            steps = page.evaluate("() => gdanim.lab.result().steps")
            browser.close()
    print(f"{args.scenario.name}, {args.epochs} epochs (last run: {steps} steps), "
          f"{len(every['work']) // len(OPTIMIZERS)} slider positions per optimizer, load {os.getloadavg()[0]:.1f}")
    print(f"reference: idle frame interval median {ref:.2f} ms (p95 {p95(idle) / 2:.2f} ms); "
          f"two frames idle {statistics.median(idle):.2f} ms (p95 {p95(idle):.2f} ms)")
    print("optimizer  work median  work p95  frame median  frame p95   (ms)")
    for name, wm, w95, fm, f95 in rows:
        print(f"{name:<10} {wm:11.2f} {w95:9.2f} {fm:13.2f} {f95:10.2f}")
    med, top = statistics.median(every["work"]), p95(every["work"])
    print(f"all, work: median {med:.2f} ms ({med / ref:.2f} of a frame interval), "
          f"p95 {top:.2f} ms ({top / ref:.2f})")
    med, top, still = statistics.median(every["frame"]), p95(every["frame"]), statistics.median(idle)
    print(f"all, frame: median {med:.2f} ms ({med / still:.2f}x the idle wait), "
          f"p95 {top:.2f} ms ({top / still:.2f}x)")
    for name, raw, gz in sizes():
        print(f"{name}: {raw:,} bytes, {gz:,} gzipped")
    json.dump({"rows": rows, "reference_ms": ref}, sys.stderr)
    print(file=sys.stderr)


if __name__ == "__main__":
    main()
