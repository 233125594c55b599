"""The report's templates ship in the wheel and are found by editable installs from anywhere."""

from __future__ import annotations

import importlib.metadata
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import gdanim

ROOT = Path(__file__).resolve().parent.parent
THEME = ["gdanim_templates/__init__.py", "gdanim_templates/base.html",
         "gdanim_templates/scenario.html", "gdanim_templates/index.html",
         "gdanim_templates/snippets.html", "gdanim_templates/static/site.css",
         "gdanim_templates/static/site.js"]


def _setuptools_builds_wheels() -> bool:
    try:
        version = importlib.metadata.version("setuptools")
    except importlib.metadata.PackageNotFoundError:
        return False
    major, minor = (int(part) for part in version.split(".")[:2])
    return (major, minor) >= (70, 1)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    pytest.importorskip("build")
    out = tmp_path_factory.mktemp("wheel")
    source = out / "source"  # a clean copy: no stale build/ folder can leak into the wheel
    anywhere = shutil.ignore_patterns(".git", "*.egg-info", "__pycache__", "node_modules")

    def ignore(folder: str, names: list[str]) -> set[str]:  # build/ at the top, not gdanim/build/
        top = {"output", "build", "dist", "tests", "bench", ".venv"} if Path(folder) == ROOT else set()
        return set(anywhere(folder, names)) | (top & set(names))

    shutil.copytree(ROOT, source, ignore=ignore)
    # the installed setuptools builds wheels by itself from 70.1 on; an older one (a fresh
    # Python 3.11 venv) needs the isolated build, which fetches setuptools and wheel
    isolation = ["--no-isolation", "--skip-dependency-check"] if _setuptools_builds_wheels() else []
    result = subprocess.run([sys.executable, "-m", "build", "--wheel", *isolation,
                             "--outdir", str(out), str(source)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    (found,) = out.glob("gdanim-*.whl")
    return found


def test_the_wheel_holds_the_templates_and_static_assets(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert set(THEME) <= names


def test_the_wheel_holds_every_gdanim_subpackage_and_the_report_figures(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    packages = {str(p.relative_to(ROOT)) for p in (ROOT / "gdanim").rglob("__init__.py")}
    assert packages <= names
    assert {"gdanim/frames/figures.py", "gdanim/report/site.py", "gdanim/build/site.py",
            "gdanim/fonts/NanumGothic.ttf"} <= names


def test_a_page_renders_from_the_unpacked_wheel_alone(wheel, tmp_path):
    unpacked = tmp_path / "site-packages"
    zipfile.ZipFile(wheel).extractall(unpacked)
    code = ("import sys; sys.path.insert(0, sys.argv[1]);"
            "import gdanim, gdanim_templates;"
            "from gdanim.report.page import builtin_templates, render;"
            "print(gdanim.__file__); print(builtin_templates());"
            "print(render('base.html', {'lang': 'en', 'version': '0', 'assets': 'assets/',"
            " 's': {'site_title': 'T', 'skip_to_content': 'skip', 'generated_by': 'by {version}'}}))")
    result = subprocess.run([sys.executable, "-c", code, str(unpacked)], capture_output=True,
                            text=True, cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    module, templates, html = result.stdout.split("\n", 2)
    assert Path(module).is_relative_to(unpacked) and Path(templates).is_relative_to(unpacked)
    assert html.startswith("<!DOCTYPE html>") and '<link rel="stylesheet" href="assets/site.css">' in html


@pytest.mark.skipif(not Path(gdanim.__file__).resolve().is_relative_to(ROOT),
                    reason="gdanim is not installed in editable mode from this checkout")
def test_an_editable_install_finds_the_templates_from_another_folder(tmp_path):
    code = ("import importlib.util; from gdanim.report.page import builtin_templates;"
            "print(importlib.util.find_spec('gdanim_templates') is not None); print(builtin_templates())")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", str(ROOT / "templates")]
