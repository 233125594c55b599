"""One scenario from its file to its finished folder: record once, render, page, manifest.

    built = build_scenario("scenarios/lr.yaml", "output", formats=["mp4"], lang="ko")
    built.folder, built.render.failures, built.page, built.manifest

The order, and what overlaps for speed, is all here:
0. `gdanim render` starts the recording's child process first thing: it imports torch
   while this process reads the scenario (`recording.record_ahead`);
1. the render workers start and import the drawing code (a single worker also loads
   the page's modules: `ahead.FiguresLater.warm_up`) while
2. that short-lived child process records the scenario (torch leaves with it) and
   writes trace.json and the CSVs;
   once the workers have warmed up, this process loads the page's templates, catalog
   and converters (`ahead.page_ahead`): torch's import, which the trace waits for,
   keeps a core to itself;
3. the workers draw and encode the animations; meanwhile this process makes the page's
   formulas, and the page's figures are drawn beside the animations
   (`ahead.FiguresLater`);
4. the page and the manifest are written from the Trace, the RenderSettings and the
   frame plan in memory: trace.json is not read back.
"""

from __future__ import annotations

import calendar
import contextlib
import os
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gdanim import interrupt
from gdanim.build.recording import Recorder
from gdanim.errors import GdanimError, MachineError, ScenarioError
from gdanim.files import atomic_write_bytes, output_folder, remove_leftovers, remove_stale
from gdanim.folder import DATA_COPY, MEDIA, TRACE
from gdanim.scenario import Scenario, load_scenario
from gdanim.settings import RenderSettings, settings_of
from gdanim.trace import Trace, read_trace

if TYPE_CHECKING:  # the renderer loads when the animations are due
    from concurrent.futures import Future

    from gdanim.render.pipeline import RenderResult


@dataclass(frozen=True)
class Built:
    """What `build_scenario` made of one scenario."""

    folder: Path
    trace: Trace
    settings: RenderSettings
    render: RenderResult
    "The animations written, and those that failed."
    page: Path
    "index.html"
    manifest: Path


def as_scenario(scenario: Scenario | str | Path) -> Scenario:
    """A loaded scenario, loading it when given a path."""
    return scenario if isinstance(scenario, Scenario) else load_scenario(scenario)


def build_scenario(scenario: Scenario | str | Path, output: str | Path = Path("output"), *,
                   formats: Sequence[str] | None = None, preset: str | None = None,
                   fps: int | None = None, theme: str | None = None, jobs: int | None = None,
                   progress: bool | None = None, lang: str | None = None,
                   templates: Path | None = None, index_url: str | None = None,
                   command: str = "render", options: Mapping[str, Any] | None = None) -> Built:
    """Record a scenario once and write its animations, page and manifest into
    output/<stem>/ (what `gdanim render` does for each file); returns what was built.
    `options` are the command's, recorded in the manifest."""
    scenario = as_scenario(scenario)
    settings = settings_of(scenario, formats=formats, preset=preset, fps=fps, theme=theme, lang=lang)
    from gdanim.build.ahead import page_ahead

    started = time.time()
    result = record_and_render(scenario, Path(output), settings, jobs=jobs, progress=progress,
                               **page_ahead(settings, templates))
    remove_stale(result.folder, [name for name, _ in result.failures], MEDIA, started)  # no old media left
    page = write_scenario_report(scenario, result.folder, trace=result.trace, settings=settings,
                                 templates=templates, index_url=index_url,
                                 figures=True if result.after is None else result.after)
    manifest = write_scenario_manifest(result.folder, scenario, result.trace, settings, command=command,
                                       options=options)
    return Built(result.folder, result.trace, settings, result, page, manifest)


def render_scenario(scenario_or_path: Scenario | str | Path, output: Path = Path("output"), *,
                    formats: Sequence[str] | None = None, preset: str | None = None,
                    fps: int | None = None, theme: str | None = None, jobs: int | None = None,
                    progress: bool | None = None,
                    recording: Callable[[], object] | None = None,
                    meanwhile: Callable[[Trace, Path], object] | None = None,
                    after: Callable[[Trace, Path], object] | None = None,
                    lang: str | None = None) -> RenderResult:
    """Record the scenario (trace.json and CSVs) and write its animations into
    output/<stem>/, without the page; returns a RenderResult listing the files and any
    failures. The frames and handouts speak `lang` (by default the scenario's).
    `recording`, `meanwhile` and `after` as for `record_and_render`."""
    scenario = as_scenario(scenario_or_path)
    settings = settings_of(scenario, formats=formats, preset=preset, fps=fps, theme=theme, lang=lang)
    return record_and_render(scenario, Path(output), settings, jobs=jobs, progress=progress,
                             recording=recording, meanwhile=meanwhile, after=after)


def record_and_render(scenario: Scenario, output: Path, settings: RenderSettings, *,
                      jobs: int | None = None, progress: bool | None = None,
                      recording: Callable[[], object] | None = None,
                      meanwhile: Callable[[Trace, Path], object] | None = None,
                      after: Callable[[Trace, Path], object] | None = None,
                      recorded: Trace | None = None, keep: Mapping[str, str] | None = None) -> RenderResult:
    """Record once in a child process while the render workers start, then render the
    trace; returns the RenderResult. `recorded`: the scenario's trace, already recorded
    and written to its folder (by `gdanim serve`, say): rendered without recording again.
    `keep`: the digests of the animations already in the folder (`render_trace`; None
    keeps none and makes no digest).

    `recording()`, when given, runs in this process while the child records, once the
    workers have warmed up (not at all when the trace is in first, or `recorded` is
    given). `meanwhile(trace, folder)`, when given, runs in this
    process once the trace is recorded, while the workers draw and encode.
    `after(trace, folder)` (a function that pickles, such as `ahead.FiguresLater`) runs in
    a worker once it is free of its animations: a worker has matplotlib loaded already,
    and no encoder of its own is running then (a single worker may begin it earlier:
    `render_trace`); RenderResult.after is what it returned. When it has a warm_up() method,
    a single worker calls it while the trace is recorded (with more workers, `after`
    runs beside the others' animations anyway)."""
    from gdanim.render.pipeline import job_count, render_trace, workers

    tasks = len(scenario.runs) + (1 if len(scenario.runs) > 1 else 0)
    with workers(job_count(jobs, tasks), after) as pool:  # they import matplotlib meanwhile
        if recorded is None:
            trace, folder = record_apart(scenario, Path(output), recording, after=getattr(pool, "warm", ()))
        else:
            trace, folder = recorded, output_folder(Path(output), scenario.stem)
        interrupt.check()
        later = (lambda: meanwhile(trace, folder)) if meanwhile is not None else None
        return render_trace(trace, folder, settings, jobs=jobs, progress=progress, pool=pool,
                            meanwhile=later, after=after, keep=keep)


def record_apart(scenario: Scenario, output: Path, meanwhile: Callable[[], object] | None = None,
                 after: Collection[Future] = ()) -> tuple[Trace, Path]:
    """`gdanim.api.record_to` in a short-lived child process; returns (trace, folder).
    `meanwhile()` runs in this process while the child records, once the futures
    `after` are done, and not at all when the child is done first (`Recorder.record`).

    Torch's few hundred MB leave with the child, so they never add up with the
    renderers and the encoders; errors are raised here as the recorder raised them.
    The child is the one `recording.record_ahead` started, when this process started one."""
    folder = output / scenario.stem
    child = Recorder.ahead() or Recorder()
    try:
        kind, value = child.record(scenario, output, meanwhile, after)
    except BaseException as exc:  # Ctrl-C or a killed child may leave a half-written file
        remove_leftovers(folder, [Path(TRACE).stem, *(r.name or "run" for r in scenario.runs)])
        if not isinstance(exc, (EOFError, OSError)):
            raise
        interrupt.check()
        raise MachineError(f"{folder}: recording stopped: its process ended unexpectedly "
                           "(killed by the system, out of memory?)") from None
    finally:
        child.close()
    if kind == "problems":
        raise ScenarioError(value)
    if kind == "error":
        raise value if isinstance(value, GdanimError) else GdanimError(value)
    return value


def write_scenario_report(scenario: Scenario, folder: Path, *, trace: Trace | None = None,
                          settings: RenderSettings | None = None, fps: int | None = None,
                          lang: str | None = None, templates: Path | None = None,
                          index_url: str | None = None, figures: bool | Mapping[str, str] = True,
                          media_pending: bool | Collection[str] = False) -> Path:
    """Write the page of a recorded (and rendered) scenario into folder, with the copies
    of its file and data beside it; returns index.html. `trace` and `settings` are
    what was recorded and rendered (by default folder/trace.json, and the scenario's
    settings with `fps` and `lang` when given).

    With figures=False the figures already in folder/assets are kept as they are; a
    mapping from `ahead.FiguresLater` names those already drawn. With media_pending the
    page is written ahead of its animations (`gdanim serve`): it shows none and says so;
    a collection names those on their way, and the page shows the folder's others."""
    from gdanim.render.plan import Posters
    from gdanim.report.scenario_page import write_report

    folder = Path(folder)
    settings = settings or settings_of(scenario, fps=fps, lang=lang)
    trace = trace if trace is not None else read_built_trace(folder)
    data = scenario.published_data()  # the columns used, formula cells neutralized
    if data is not None:
        atomic_write_bytes(folder / DATA_COPY, data)
    return write_report(folder, trace, settings=settings, posters=Posters(trace, settings),
                        templates=templates, index_url=index_url, scenario_text=scenario.text,
                        figures=figures, exercises=scenario.spec.exercises, media_pending=media_pending)


def read_built_trace(folder: Path) -> Trace:
    """The trace of a folder recorded earlier; ReportError when it cannot be read."""
    from gdanim.report.errors import ReportError

    try:
        return read_trace(Path(folder) / TRACE)
    except (OSError, ValueError) as exc:
        raise ReportError(f"{folder}: no readable {TRACE} to report on ({exc})") from None


def write_scenario_manifest(folder: Path, scenario: Scenario, trace: Trace, settings: RenderSettings | None,
                            *, command: str, options: Mapping[str, Any] | None = None) -> Path:
    """Write folder/manifest.json for what was built: with the frame plan of `settings`
    when the animations were rendered with them (None: recorded only); returns its path."""
    from gdanim.manifest import write_manifest

    frames = None
    if settings is not None:
        from gdanim.render.plan import frame_times

        frames = frame_times(trace, settings)
    return write_manifest(folder, scenario, trace, command=command, options=options, settings=settings,
                          frames=frames)


def build_again(scenario, manifest: dict, tmp: Path):
    """Record (and, for render and site manifests, render and page) the scenario into
    tmp/<stem> with the options the manifest records and its build date; returns (the
    Trace, the folder)."""
    from gdanim.api import record_to

    command = manifest.get("command", {})
    options = command.get("options", {}) if isinstance(command.get("options"), dict) else {}
    with _build_date(manifest.get("created")):
        if command.get("name") not in ("render", "site"):
            return record_to(scenario, tmp)
        keys = ("formats", "preset", "fps", "theme", "lang")
        settings = settings_of(scenario, **{k: options.get(k) for k in keys})
        result = record_and_render(scenario, tmp, settings, jobs=1, progress=False)
        write_scenario_report(scenario, result.folder, trace=result.trace, settings=settings,
                              index_url="../index.html" if command["name"] == "site" else None)
        return result.trace, result.folder  # no manifest: the one to compare with is the folder's


@contextlib.contextmanager
def _build_date(created: Any) -> Iterator[None]:
    """SOURCE_DATE_EPOCH set to the manifest's build time while the build runs again (the
    page's footer shows the date)."""
    old = os.environ.get("SOURCE_DATE_EPOCH")
    try:
        stamp = calendar.timegm(time.strptime(str(created), "%Y-%m-%dT%H:%M:%SZ"))
        os.environ["SOURCE_DATE_EPOCH"] = str(stamp)
    except ValueError:
        pass
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old
