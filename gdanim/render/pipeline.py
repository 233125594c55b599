"""scenario -> trace -> frames -> files: the render stage, one run per worker process.

    result = render_scenario("scenarios/lr.yaml", formats=["mp4", "png"])
    result.runs["lr-0.001"]["mp4"], result.compare["png"], result.failures
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import os
import pickle
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gdanim import interrupt, schema
from gdanim.errors import GdanimError, MachineError, ScenarioError
from gdanim.files import inside, remove_leftovers
from gdanim.i18n import messages
from gdanim.render.keyframes import STILLS, still_file
from gdanim.render.writers import WRITERS
from gdanim.scenario import Scenario
from gdanim.scene.events import run_events
from gdanim.scene.surface import RenderError, check_params, loss_grid, same_units
from gdanim.scene.timeline import (
    FPS,
    Pacing,
    compare_callouts,
    compare_timeline,
    knot_states,
    run_callouts,
    run_timeline,
)
from gdanim.scene.views import run_view
from gdanim.trace import Trace

COMPARE = "compare"
WORKER_DIED = "its worker process ended unexpectedly (killed by the system, out of memory?)"


@dataclass(frozen=True)
class RenderSettings:
    """The render block of a scenario with the command line's overrides applied."""

    panels: tuple[str, ...]
    size: tuple[int, int]
    theme: str
    fps: int
    max_frames: int
    frames: tuple[int, ...] | None
    hold: float
    formats: tuple[str, ...]
    params: tuple[int, int]
    elev: float
    azim: float
    stills: tuple[tuple[str, int], ...] = ()
    "(run, epoch): a poster of the run at that epoch, for an exercise asked there."
    poster: str = "key"
    "Which frame the PNG and the videos' posters show: first, last or key."
    lang: str = "en"
    "The language of the words in frames and handouts."
    duration: float | None = None
    "Seconds of motion (None: the timeline's default)."
    motion: str = "glide"
    arrows: bool = True
    "Draw the step about to be taken in a run's own video."
    residuals: str = "auto"
    "The fit panel's residuals in a run's own video."

    @property
    def pacing(self) -> Pacing:
        """How the videos spend their time (gdanim.scene.timeline)."""
        return Pacing(self.fps, self.duration, self.motion, self.hold, self.max_frames, self.frames)


@dataclass(frozen=True)
class RenderResult:
    """What `render_scenario` wrote, and which runs failed and why."""

    trace: Trace
    folder: Path
    "output/<stem>/"
    runs: dict[str, dict[str, Path]]
    "{run name: {format: file}} for the runs that rendered."
    compare: dict[str, Path]
    "{format: file} of the grid of all runs (empty with a single run)."
    failures: tuple[tuple[str, str], ...]
    "(run name or 'compare', message) for each animation that failed."
    after: object = None
    "What `after` returned; None when it was not given, raised or lost its worker."

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not self.failures


def settings_for(render: schema.Render, *, formats: Sequence[str] | None = None,
                 preset: str | None = None, fps: int | None = None,
                 theme: str | None = None) -> RenderSettings:
    """The scenario's render settings, each override applied only when given."""
    formats = tuple(formats) if formats is not None else tuple(render.formats)
    for name, value, allowed in (("format", formats, schema.FORMATS),
                                 ("preset", (preset,) if preset else (), tuple(schema.PRESETS)),
                                 ("theme", (theme,) if theme else (), schema.THEMES)):
        bad = [v for v in value if v not in allowed]
        if bad or (name == "format" and not value):
            raise RenderError(f"{name}: one of {', '.join(allowed)} is expected, got {', '.join(bad) or 'none'}")
    fps = fps if fps is not None else render.fps
    if fps not in FPS:
        raise RenderError(f"fps: one of {', '.join(map(str, FPS))} is expected, got {fps}")
    return RenderSettings(
        panels=tuple(render.panels), size=schema.PRESETS[preset or render.preset],
        theme=theme or render.theme, fps=fps, max_frames=render.max_frames,
        frames=tuple(render.frames) if render.frames is not None else None, hold=render.hold,
        formats=tuple(dict.fromkeys(formats)), params=tuple(render.surface.params),
        elev=render.surface.elev, azim=render.surface.azim, poster=render.poster,
        duration=render.duration, motion=render.motion, arrows=render.arrows,
        residuals=render.residuals)


def render_scenario(scenario_or_path: Scenario | str | Path, output: Path = Path("output"), *,
                    formats: Sequence[str] | None = None, preset: str | None = None,
                    fps: int | None = None, theme: str | None = None, jobs: int | None = None,
                    progress: bool | None = None,
                    meanwhile: Callable[[Trace, Path], object] | None = None,
                    after: Callable[[Trace, Path], object] | None = None,
                    lang: str | None = None) -> RenderResult:
    """Record the scenario (trace.json and CSVs) and write its animations into
    output/<stem>/; returns a RenderResult listing the files and any failures. The
    handouts speak `lang` (by default the scenario's).

    `meanwhile(trace, folder)`, when given, runs in this process once the trace is
    recorded, while the workers draw and encode. `after(trace, folder)` (a function that
    pickles, such as a functools.partial of a module's function) runs in a worker once it
    is free of its animations: a worker has matplotlib loaded already, and no encoder of
    its own is running then (the report's figures, say); RenderResult.after is what it
    returned. When it has a warm_up() method, a single worker calls it while the trace is
    recorded (with more workers, `after` runs beside the others' animations anyway)."""
    from gdanim.api import as_scenario

    scenario = as_scenario(scenario_or_path)
    settings = settings_for(scenario.spec.render, formats=formats, preset=preset, fps=fps,
                            theme=theme)
    check_params(settings.params, scenario.features + 1)
    stills = tuple(dict.fromkeys((ex.run, ex.epoch) for ex in scenario.spec.exercises if ex.ask != "lr"))
    settings = dataclasses.replace(settings, stills=stills,
                                   lang=lang or scenario.spec.lang)
    tasks = len(scenario.runs) + (1 if len(scenario.runs) > 1 else 0)
    with _workers(_job_count(jobs, tasks), after) as pool:  # they import matplotlib meanwhile
        trace, folder = record_apart(scenario, Path(output))
        interrupt.check()
        later = (lambda: meanwhile(trace, folder)) if meanwhile is not None else None
        return render_trace(trace, folder, settings, jobs=jobs, progress=progress, pool=pool,
                            meanwhile=later, after=after)


def record_apart(scenario: Scenario, output: Path) -> tuple[Trace, Path]:
    """`gdanim.api.record_to` in a short-lived child process; returns (trace, folder).

    Torch's few hundred MB leave with the child, so they never add up with the
    renderers and the encoders; errors are raised here as the recorder raised them."""
    folder = output / scenario.stem
    try:
        with concurrent.futures.ProcessPoolExecutor(1) as child:  # waits for the child to end
            kind, value = child.submit(_record_child, scenario, output).result()
    except BaseException as exc:  # Ctrl-C or a killed child may leave a half-written file
        remove_leftovers(folder, ["trace", *(r.name or "run" for r in scenario.runs)])
        if not isinstance(exc, concurrent.futures.process.BrokenProcessPool):
            raise
        interrupt.check()
        raise MachineError(f"{folder}: recording stopped: its process ended unexpectedly "
                           "(killed by the system, out of memory?)") from None
    if kind == "problems":
        raise ScenarioError(value)
    if kind == "error":
        raise value if isinstance(value, GdanimError) else GdanimError(value)
    return value


def _record_child(scenario: Scenario, output: Path) -> tuple[str, object]:
    from gdanim.api import record_to

    interrupt.default_ctrl_c()  # forked from a worker that only takes note: stop at once
    try:
        return "ok", record_to(scenario, output)
    except ScenarioError as exc:  # its problems travel; the exception itself does not
        return "problems", exc.problems
    except GdanimError as exc:
        try:
            back = pickle.loads(pickle.dumps(exc))
        except Exception:
            back = None
        return "error", back if str(back) == str(exc) else str(exc)


def render_trace(trace: Trace, folder: Path, settings: RenderSettings, *, jobs: int | None = None,
                 progress: bool | None = None, pool: concurrent.futures.Executor | None = None,
                 meanwhile: Callable[[], object] | None = None,
                 after: Callable[[Trace, Path], object] | None = None) -> RenderResult:
    """Write every run's animation and the compare grid of a recorded trace into folder
    (in `pool` when given, else in `jobs` processes); returns the RenderResult.
    `meanwhile()` runs in this process once the animations are handed to the workers;
    `after(trace, folder)` in the first worker free of them (here, without workers)."""
    if progress is None:
        progress = sys.stderr.isatty()
    names = [r.name for r in trace.runs] + ([COMPARE] if len(trace.runs) > 1 else [])
    names = names[-1:] + names[:-1] if len(names) > 1 else names  # the grid is the longest
    job = _Job(trace, Path(folder), settings, progress)
    with contextlib.ExitStack() as stack:
        if pool is None:
            pool = stack.enter_context(_workers(_job_count(jobs, len(names))))
        outcomes, extra = _run_all(job, names, pool, meanwhile, after)
    done = {name: files for name, files, error in outcomes if error is None}
    failures = tuple((name, error) for name, _, error in outcomes if error is not None)
    runs = {r.name: done[r.name] for r in trace.runs if r.name in done}
    return RenderResult(trace, Path(folder), runs, done.get(COMPARE, {}), failures, extra)


def _job_count(jobs: int | None, tasks: int) -> int:
    """Worker processes to start; 0 renders in this process (an explicit jobs=1).

    By default even a single animation goes to one worker: it imports the drawing code
    while this process is still recording."""
    if jobs == 1 or (jobs is None and (os.cpu_count() or 1) == 1):
        return 0
    return max(1, min(jobs or os.cpu_count() or 1, tasks))


@dataclass(frozen=True)
class _Job:
    trace: Trace
    folder: Path
    settings: RenderSettings
    progress: bool


@contextlib.contextmanager
def _workers(count: int, after: Callable[[Trace, Path], object] | None = None,
             ) -> Iterator[concurrent.futures.ProcessPoolExecutor | None]:
    """`count` worker processes already importing the drawing code (a single one also
    warms up for `after`), or None for none."""
    if count < 1:
        yield None
        return
    pool = concurrent.futures.ProcessPoolExecutor(count, initializer=interrupt.worker_init)
    try:
        ahead = getattr(after, "warm_up", None) if count == 1 else None
        for _ in range(count):
            pool.submit(_warm, ahead)
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _warm(ahead: Callable[[], object] | None = None) -> None:
    from gdanim.frames.animate import warm_up  # matplotlib, imported once per worker

    warm_up()
    if ahead is not None:
        ahead()


def _run_all(job: _Job, names: list[str], pool, meanwhile: Callable[[], object] | None,
             after: Callable[[Trace, Path], object] | None,
             ) -> tuple[list[tuple[str, dict, str | None]], object]:
    """Every animation's (name, files, error), and what `after` returned."""
    if pool is None:
        if meanwhile is not None:
            meanwhile()
        outcomes = [_render_one(job, name, position) for position, name in enumerate(names)]
        return outcomes, _after(after, job.trace, job.folder) if after is not None else None
    futures = [pool.submit(_render_one, job, name, n) for n, name in enumerate(names)]
    later = pool.submit(_after, after, job.trace, job.folder) if after is not None else None
    if meanwhile is not None:
        meanwhile()
    outcomes = []
    for name, future in zip(names, futures):
        try:
            outcomes.append(future.result())
        except concurrent.futures.process.BrokenProcessPool:
            interrupt.check()
            remove_leftovers(job.folder, names)
            outcomes.append((name, {}, WORKER_DIED))
    try:
        return outcomes, later.result() if later is not None else None
    except concurrent.futures.process.BrokenProcessPool:
        interrupt.check()
        return outcomes, None


def _after(after: Callable[[Trace, Path], object], trace: Trace, folder: Path) -> object:
    """after(trace, folder), or None when it raised: the caller may do the work itself
    and meet the error there, as it would have without workers."""
    interrupt.check()
    try:
        return after(trace, folder)
    except Exception:
        interrupt.check()
        return None


def _render_one(job: _Job, name: str, position: int) -> tuple[str, dict[str, Path], str | None]:
    """Render one run (or the grid) in this process; errors become a message."""
    interrupt.check()
    try:
        return name, _animate(job, name, position), None
    except Exception as exc:  # one failing run must not stop the others
        interrupt.check()  # ffmpeg got the Ctrl-C too: its broken pipe is no failure
        return name, {}, str(exc) if isinstance(exc, MachineError) else f"{type(exc).__name__}: {exc}"


def _animate(job: _Job, name: str, position: int) -> dict[str, Path]:
    from gdanim.frames.animate import Look, compare_frames, run_frames
    from gdanim.frames.style import make_style
    from gdanim.render.handout import compare_handout, run_handout
    from gdanim.render.keyframes import compare_poster_frame, poster_frame

    s, trace = job.settings, job.trace
    look = Look(s.panels, make_style(s.size, s.theme, s.lang), s.elev, s.azim)
    needs_grid = bool({"surface", "contour"} & set(s.panels))
    words = messages(s.lang)
    if name == COMPARE:
        grids = {}
        if needs_grid:  # one grid per group of runs trained in the same units and loss
            for group in same_units(trace, trace.runs):
                grid = loss_grid(trace, group, s.params)
                grids.update({r.name: grid for r in group})
        views = [run_view(trace, r, grids.get(r.name)) for r in trace.runs]
        events = [run_events(trace, r, s.params) for r in trace.runs]
        line = compare_timeline(trace, trace.runs, s.pacing, s.params, events)
        times, states = line.knots, knot_states(line)
        notes = compare_callouts(trace.runs, events, line, words)

        def draw(look: Look, paper: bool = False):
            return compare_frames(views, states if paper else line.pos, look, trace.title,
                                  callouts=None if paper else notes)

        def spec(paper):
            return compare_handout(trace, times, states, grids, paper.plan.picked, s.lang)

        poster = line.first[compare_poster_frame(s.poster, trace, trace.runs, times, states, grids)]
    else:
        run = trace.run(name)
        grid = loss_grid(trace, [run], s.params) if needs_grid else None
        events = run_events(trace, run, s.params)
        line = run_timeline(trace, run, s.pacing, s.params, events)
        view = run_view(trace, run, grid)
        notes = run_callouts(run, events, line, words)

        def draw(look: Look, paper: bool = False):
            look = dataclasses.replace(look, arrows=s.arrows, residuals=s.residuals)
            return run_frames(view, line.knots if paper else line.pos, look, trace.title,
                              callouts=None if paper else notes)

        def spec(paper):
            return run_handout(trace, run, line.knots, grid, s.lang)

        poster = line.first[poster_frame(s.poster, trace, run, line.knots, grid)]
    source = draw(look)
    targets = {f: inside(job.folder, name + WRITERS[f].suffix) for f in s.formats}
    handout = targets.pop("handout", None)
    files = write_frames(source, targets, s.fps, 0, progress_bar(name, source.count, position, job.progress),
                         poster=int(poster), step=line.step)
    if handout is not None:  # frames drawn again for paper: smaller, light, the slide's fonts
        from gdanim.frames.handout import frame_style

        paper = draw(Look(s.panels, frame_style(s.lang), s.elev, s.azim), paper=True)
        files["handout"] = write_handout(paper, spec(paper), handout, compare=name == COMPARE)
    for run_name, epoch in s.stills:
        if run_name == name:
            files[f"epoch-{epoch}"] = write_still(source, min(epoch, trace.run(name).steps),
                                                  still_path(job.folder, name, epoch))
    return files


def write_handout(source, spec, path: Path, compare: bool = False) -> Path:
    """Write the handout of `spec` (its shots drawn by `source`: grid frames when
    `compare`, else states of the run) as a one-page PDF; returns path."""
    from gdanim.frames.handout import handout_pdf

    images = [source.poster(frame=shot.at) if compare else source.poster(state=shot.at)
              for shot in spec.shots]
    with WRITERS["handout"](path, source.size, 1, images[0]) as writer:
        writer.document = handout_pdf(spec, images)
    return path


def still_path(folder: Path, run: str, epoch: int) -> Path:
    """Where the poster of `run` at `epoch` goes: folder/exercises/<run>-epoch-<epoch>.png."""
    return inside(folder / STILLS, still_file(run, epoch))


def write_still(source, state: int, path: Path) -> Path:
    """Write the figure of a one-run source at `state` as a PNG; returns path."""
    path.parent.mkdir(exist_ok=True)
    with WRITERS["png"](path, source.size, 1, source.poster(state)):
        pass
    return path


def write_frames(source, targets: dict[str, Path], fps: int, hold: int, bar=None,
                 poster: int | None = None, step: int = 1) -> dict[str, Path]:
    """Stream the frames of `source` (poster() and iteration) to one writer per format;
    returns {format: file}. Every file is complete, or none is left under its name.
    The poster is frame `poster` (by default the last). A sparse writer (GIF, PNG
    frames) gets every `step`-th frame, at fps / step."""
    poster = source.poster(frame=poster)
    for f, path in targets.items():  # posters first: they need no encoder, so they stay when one fails
        if WRITERS[f].poster_only:
            with WRITERS[f](path, source.size, fps, poster):
                pass
    streamed = {f: path for f, path in targets.items() if not WRITERS[f].poster_only}
    sparse_fps = fps // step if fps % step == 0 else fps / step
    with contextlib.ExitStack() as stack:
        writers = [(stack.enter_context(WRITERS[f](path, source.size, sparse_fps if WRITERS[f].sparse else fps,
                                                   poster)), WRITERS[f].sparse)
                   for f, path in streamed.items()]
        for k, frame in enumerate(_held(source, hold) if streamed else ()):
            interrupt.check()
            for writer, sparse in writers:
                if not sparse or k % step == 0:
                    writer.write(frame)
            if bar is not None:
                bar.update()
        interrupt.check()
    if bar is not None:
        bar.close()
    return dict(targets)


def _held(source, hold: int) -> Iterator[np.ndarray]:
    frame = None
    for frame in source:
        yield frame
    for _ in range(hold):
        yield frame


def progress_bar(name: str, total: int, position: int, enabled: bool):
    """A tqdm bar on stderr for one animation, or None when progress is off."""
    if not enabled:
        return None
    from tqdm import tqdm

    tqdm.monitor_interval = 0  # no monitor thread: a worker with one thread may fork (save_pngs)
    return tqdm(total=total, desc=name, position=position, leave=True, file=sys.stderr,
                unit="frame", dynamic_ncols=True)
