"""The files of a scenario folder and of a site, named in one place.

    output/<stem>/                  a scenario folder
      trace.json, <run>.csv         the recording (gdanim.trace writes them)
      <run>.mp4 .gif .png .pdf .vtt one run's animation, poster, handout, captions
      compare.*                     the grid of all runs (two runs or more)
      <name>-frames/                the frames format's PNGs
      exercises/<run>-epoch-<n>.png the posters an exercise stops at
      assets/                       the page's figures, scripts, styles and fonts
      index.html, scenario.yaml, data.csv   the page and the copies it offers
      lab.html                      the lab alone, for a slide's iframe
      manifest.json                 what was built, from what
    output/site/                    a site: the folders above, and
      index.html, exercises.html, .nojekyll, assets/, manifest.json,
      .gdanim-build.json (per folder), .gdanim-site.lock

Every writer, the site's pruner and `gdanim verify` take the names from here.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path, PurePosixPath

TRACE = "trace.json"
MANIFEST = "manifest.json"
PAGE = "index.html"
LAB_PAGE = "lab.html"
"The lab alone, to embed in a slide deck or another page (an iframe)."
SCENARIO_COPY = "scenario.yaml"
DATA_COPY = "data.csv"
"The scenario's CSV data, when it has some ('data' is never a run name)."
ASSETS = "assets"
"The page's figures, scripts, styles and fonts."
STILLS = "exercises"
"The posters of runs at the epochs exercises ask about."
COMPARE = "compare"
"The grid of all runs, named like a run."
MEDIA = (".mp4", ".gif", ".png", ".vtt", ".pdf")
"Suffixes of an animation's files: videos, poster, captions, handout."
MEDIA_FORMATS = ("mp4", "gif", "png", "pdf")
"The files of an animation the page links to (pdf: its handout)."
PRUNED = frozenset({".mp4", ".gif", ".png", ".csv", ".vtt"})
"Suffixes of the per-run files a re-render may leave behind for runs that are gone."
PAGE_FILES = (PAGE, LAB_PAGE, SCENARIO_COPY, DATA_COPY)
"The page, its lab alone and the downloads beside it."
OWN_FOLDERS = (ASSETS, STILLS)
"Folders whose every file gdanim wrote (the page's figures and scripts, exercise posters)."
RESERVED_NAMES = frozenset({PurePosixPath(n).stem for n in (COMPARE, PAGE, TRACE, SCENARIO_COPY, DATA_COPY)}
                           | {ASSETS})
"Names a run may not have: its files would take the place of the folder's own."

STAMP = ".gdanim-build.json"
"A scenario folder's build stamp in a site: what its media and page were built from."
LOCK = ".gdanim-site.lock"
"Held by the build in progress, so two builds never write the same site at once."
WORKSHEET = "exercises.html"
SITE_FILES = (PAGE, WORKSHEET, ".nojekyll")
"The site's own pages beside its scenario folders, with assets/."
RESERVED_STEMS = frozenset({ASSETS})
"Scenario file names a site cannot give a folder of their own."


def run_csv(run: str) -> str:
    """The file name of one run's steps as CSV."""
    return f"{run}.csv"


def frames_folder(name: str) -> str:
    """The folder of the frames format's PNGs of one animation."""
    return f"{name}-frames"


def still_file(run: str, epoch: int) -> str:
    """The file name of the poster of `run` at `epoch` for an exercise, in STILLS."""
    return f"{run}-epoch-{epoch}.png"


def still_name(run: str, epoch: int) -> str:
    """That poster's path relative to the scenario folder."""
    return f"{STILLS}/{still_file(run, epoch)}"


def output_files(folder: Path, run_names: Iterable[str]) -> list[Path]:
    """The files in folder that gdanim writes for these runs (never anything else)."""
    folder = Path(folder)
    names = list(run_names)
    media = [*names, COMPARE]
    wanted = {TRACE, *PAGE_FILES, *(run_csv(n) for n in names), *(f"{n}{ext}" for n in media for ext in MEDIA)}
    found = [folder / w for w in sorted(wanted) if (folder / w).is_file()]
    for sub in [*OWN_FOLDERS, *(frames_folder(n) for n in media)]:
        if (folder / sub).is_dir():
            found += sorted(p for p in (folder / sub).rglob("*") if p.is_file())
    return found


def site_output_files(site: Path) -> list[Path]:
    """The files at a site's top that gdanim writes: its index, worksheet and assets."""
    site = Path(site)
    found = [site / name for name in SITE_FILES if (site / name).is_file()]
    if (site / ASSETS).is_dir():
        found += sorted(p for p in (site / ASSETS).rglob("*") if p.is_file())
    return found


def stale_run_files(folder: Path, runs: Iterable[str]) -> list[Path]:
    """Per-run files (media, CSV) in folder of runs not among `runs` (the grid counts as
    one when there are two runs or more)."""
    names = list(runs)
    keep = set(names) | ({COMPARE} if len(names) > 1 else set())
    return [p for p in Path(folder).iterdir()
            if p.is_file() and p.suffix in PRUNED and p.stem not in keep and not p.name.startswith(".")]
