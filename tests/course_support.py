"""A small course for the package and embed tests: the lecture's scenario with three
exercises (two regimes, one learning rate to find), an example without exercises, and a
Korean page, built once with posters only and packed as a SCORM 1.2 zip."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

from browser_support import ROOT, tiny_copy

from gdanim.build import build_site, package_site

THREE = """  - {run: lr-0.0083, epoch: 10, ask: regime}
  - {run: lr-0.01, epoch: 3, ask: regime}
  - {run: lr-0.001, ask: lr, target: 30, epochs: 30}
"""
"course.yaml's exercises: lr.yaml's data and runs, asked about three times."
PASS_MARK = 50
RIGHT = {"exercise-1": "divergent", "exercise-2": "divergent"}
"The regime exercises' answers (the lr exercise's right answer is any rate that gets there)."
GOOD_LR, BAD_LR = 0.005, 0.0001
"A rate that brings course.yaml's SSE under 30 within 30 epochs, and one that does not."
SCORM_AGAIN = ROOT / "node_modules" / "scorm-again" / "dist" / "scorm12.js"
REVEAL = ROOT / "node_modules" / "reveal.js" / "dist"
NPM_CI = "npm ci (installs scorm-again and reveal.js from package-lock.json)"


def build_course(root: Path) -> tuple[Path, Path]:
    """The course's site in root/site and its package root/course.zip."""
    chosen = root / "chosen"
    chosen.mkdir()
    lecture = (ROOT / "scenarios" / "lr.yaml").read_text(encoding="utf-8")
    (chosen / "course.yaml").write_text(lecture.split("exercises:\n")[0] + "exercises:\n" + THREE, encoding="utf-8")
    for name in ("fahrenheit", "thermometer"):
        shutil.copy(ROOT / "scenarios" / f"{name}.yaml", chosen)
    scenarios = tiny_copy(chosen, root / "scenarios")
    result = build_site([scenarios], root / "site", jobs=2, render_options={"formats": ["png"]})
    assert result.failures == []
    return root / "site", package_site(result, root / "course.zip", pass_mark=PASS_MARK)


def unzip(package: Path, folder: Path) -> Path:
    with zipfile.ZipFile(package) as zf:
        zf.extractall(folder)
    return folder
