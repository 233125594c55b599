"""The page's scripts get the care ruff gives the Python: ESLint (package.json, eslint.config.mjs)
over templates/static/*.js. Skipped, saying how to install it, where ESLint is missing."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "templates" / "static"
INSTALL = "npm ci (in the repository's root; .ci/run does it)"


def eslint() -> str | None:
    """The ESLint the repository installs, else one on PATH."""
    local = ROOT / "node_modules" / ".bin" / "eslint"
    return str(local) if local.is_file() else shutil.which("eslint")


def lint(*paths: Path) -> subprocess.CompletedProcess:
    return subprocess.run([eslint(), "--no-warn-ignored", *map(str, paths)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


needs_eslint = pytest.mark.skipif(eslint() is None, reason=f"no ESLint: {INSTALL}")


@needs_eslint
def test_every_page_script_is_clean():
    scripts = [*sorted(STATIC.glob("*.js")), ROOT / "gdanim" / "live.js"]
    assert len(scripts) >= 5
    done = lint(*scripts)
    assert done.returncode == 0, done.stdout + done.stderr


@needs_eslint
def test_the_linter_finds_a_global_leak_and_a_shadowed_name():
    probe = ('(function () {\n  "use strict";\n  var n = 1;\n  function f(n) { return n; }\n'
             "  leaked = f(n);\n})();\n")
    done = subprocess.run([eslint(), "--stdin", "--stdin-filename", str(STATIC / "probe.js")], cwd=ROOT,
                          input=probe, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "no-shadow" in done.stdout and "no-undef" in done.stdout
