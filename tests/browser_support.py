"""Headless Chromium for the browser tests: where it is, how it starts, and why a test skips."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest


def find_chromium() -> tuple[Path | None, str]:
    """(the browser, why it is missing): GDANIM_CHROMIUM, else chromium on PATH, else
    /usr/bin/chromium."""
    named = os.environ.get("GDANIM_CHROMIUM")
    if named:
        ok = Path(named).is_file()
        return (Path(named) if ok else None), f"GDANIM_CHROMIUM names {named}, which does not exist"
    for name in ("chromium", "chromium-browser"):
        if found := shutil.which(name):
            return Path(found), ""
    fallback = Path("/usr/bin/chromium")
    return (fallback if fallback.is_file() else None), (
        "no headless Chromium: set GDANIM_CHROMIUM, put chromium on PATH or apt-get install chromium")


CHROMIUM, NO_CHROMIUM = find_chromium()
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
needs_browser = pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM)
