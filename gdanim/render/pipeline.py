"""trace -> frames -> files: the render stage, one run per worker process.

    result = render_trace(trace, folder, settings)      # settings: gdanim.settings.RenderSettings
    result.runs["lr-0.001"]["mp4"], result.compare["png"], result.failures

It never records: gdanim.build records once and hands the trace down.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import gc
import hashlib
import json
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gdanim import interrupt
from gdanim.errors import MachineError
from gdanim.files import inside, remove_leftovers
from gdanim.folder import ASSETS, COMPARE, STILLS, still_file
from gdanim.i18n import messages
from gdanim.render.writers import WRITERS, ffmpeg_exe
from gdanim.scene.events import Event, run_events
from gdanim.scene.timeline import compare_callouts, compare_timeline, knot_states, run_callouts, run_timeline
from gdanim.scene.views import run_view
from gdanim.settings import RenderSettings
from gdanim.trace import Run, Trace, dumps

WORKER_DIED = "its worker process ended unexpectedly (killed by the system, out of memory?)"


@dataclass(frozen=True)
class RenderResult:
    """What `render_trace` wrote, and which runs failed and why."""

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
    keys: dict[str, str] = dataclasses.field(default_factory=dict)
    "{animation name: `animation_keys` digest} of each animation now in the folder (when `keep` was given)."
    kept: tuple[str, ...] = ()
    "The animations left as they were: their files were drawn from the same inputs."

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not self.failures


def render_trace(trace: Trace, folder: Path, settings: RenderSettings, *, jobs: int | None = None,
                 progress: bool | None = None, pool: concurrent.futures.Executor | None = None,
                 meanwhile: Callable[[], object] | None = None,
                 after: Callable[[Trace, Path], object] | None = None,
                 keep: Mapping[str, str] | None = None) -> RenderResult:
    """Write every run's animation and the compare grid of a recorded trace into folder
    (in `pool` when given, else in `jobs` processes); returns the RenderResult.
    `meanwhile()` runs in this process once the animations are handed to the workers;
    `after(trace, folder)` in the first worker free of them (here, without workers). A
    pool of one worker first calls after.begin(trace, folder) when `after` has one: it
    may start the work beside the animations, in a copy of the worker.
    `keep`: {name: digest} of the animations already in folder (RenderResult.keys of the
    build that wrote them); one whose `animation_keys` digest is the same and whose files
    are all there is left as it is. Without `keep` (None) nothing is kept and no digest is
    made (RenderResult.keys is empty): a long trace takes a second or more to digest."""
    if progress is None:
        progress = sys.stderr.isatty()
    names = [r.name for r in trace.runs] + ([COMPARE] if len(trace.runs) > 1 else [])
    names = names[-1:] + names[:-1] if len(names) > 1 else names  # the grid is the longest
    job = _Job(trace, Path(folder), settings, progress)
    keys = animation_keys(trace, settings) if keep is not None else {}
    kept = kept_animations(keys, job.folder, settings, keep) if keep else []
    todo = [name for name in names if name not in kept]
    with contextlib.ExitStack() as stack:
        if pool is None and todo:
            pool = stack.enter_context(workers(job_count(jobs, len(todo))))
        outcomes, extra = _run_all(job, todo, pool, meanwhile, after)
    done = {name: files for name, files, error in outcomes if error is None}
    done.update({name: outputs(job.folder, settings, name) for name in kept})
    failures = tuple((name, error) for name, _, error in outcomes if error is not None)
    runs = {r.name: done[r.name] for r in trace.runs if r.name in done}
    return RenderResult(trace, Path(folder), runs, done.get(COMPARE, {}), failures, extra,
                        keys={name: key for name, key in keys.items() if name in done}, kept=tuple(kept))


def animation_keys(trace: Trace, settings: RenderSettings) -> dict[str, str]:
    """{animation name: a digest of everything it is drawn from}: the gdanim version, the
    render settings, and the trace with only that run (all runs for the grid; the
    scenario's description and file name are drawn in none). A folder whose animation
    was written under the same digest holds the same drawing."""
    from gdanim import __version__

    head = json.dumps([__version__, dataclasses.asdict(settings)], sort_keys=True)
    drawn = dataclasses.replace(trace, description="", scenario="")

    def digest(runs: tuple[Run, ...]) -> str:
        text = dumps(dataclasses.replace(drawn, runs=runs))
        return hashlib.sha256(f"{head}\n{text}".encode()).hexdigest()

    keys = {run.name: digest((run,)) for run in trace.runs}
    if len(trace.runs) > 1:
        keys[COMPARE] = digest(trace.runs)
    return keys


def kept_animations(keys: Mapping[str, str], folder: Path, settings: RenderSettings,
                    keep: Mapping[str, str]) -> list[str]:
    """The animations `render_trace` leaves as they are in folder: those whose digest
    (`keys`, from `animation_keys`) is the one `keep` holds for them, with all of their
    files there."""
    return [name for name, key in keys.items() if keep.get(name) == key
            and all(path.exists() for path in outputs(folder, settings, name).values())]


def outputs(folder: Path, settings: RenderSettings, name: str) -> dict[str, Path]:
    """{format or still: path} of the files one animation writes into folder."""
    files = {f: inside(folder, name + WRITERS[f].suffix) for f in settings.formats}
    files.update({f"epoch-{epoch}": still_path(folder, name, epoch) for run, epoch in settings.stills if run == name})
    return files


def job_count(jobs: int | None, tasks: int) -> int:
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
def workers(count: int, after: Callable[[Trace, Path], object] | None = None,
             ) -> Iterator[concurrent.futures.ProcessPoolExecutor | None]:
    """`count` worker processes already importing the drawing code (a single one also
    warms up for `after`), or None for none."""
    if count < 1:
        yield None
        return
    pool = Workers(count)
    try:
        ahead = getattr(after, "warm_up", None) if count == 1 else None
        pool.warm = [pool.submit(_warm, ahead) for _ in range(count)]
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


class Workers(concurrent.futures.ProcessPoolExecutor):
    """Worker processes that end with this one and take note of Ctrl-C (see
    gdanim.interrupt); `count` of them. `warm`: the futures of their warm-up, once
    `workers` has started it."""

    def __init__(self, count: int) -> None:
        super().__init__(count, initializer=interrupt.worker_init)
        self.count = count
        self.warm: list[concurrent.futures.Future] = []


def _warm(ahead: Callable[[], object] | None = None) -> None:
    from gdanim.frames.animate import warm_up  # matplotlib, imported once per worker

    warm_up()
    with contextlib.suppress(MachineError):  # found once (it runs ffmpeg): not on the way to the first frame
        ffmpeg_exe()
    if ahead is not None:
        ahead()
    gc.freeze()  # matplotlib's objects are here for good: no collection need walk them again


def _run_all(job: _Job, names: list[str], pool, meanwhile: Callable[[], object] | None,
             after: Callable[[Trace, Path], object] | None,
             ) -> tuple[list[tuple[str, dict, str | None]], object]:
    """Every animation's (name, files, error), and what `after` returned."""
    if pool is None:
        if meanwhile is not None:
            meanwhile()
        outcomes = [_render_one(job, name, position) for position, name in enumerate(names)]
        return outcomes, _after(after, job.trace, job.folder) if after is not None else None
    if hasattr(after, "begin") and getattr(pool, "count", 0) == 1:  # `after` is then its next task
        pool.submit(_begin, after, job.trace, job.folder)
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
            # the pool says it is broken before it has stopped the other workers: sweep once
            # they are gone (their encoders die with them), or one may start a file after
            pool.shutdown(wait=True, cancel_futures=True)
            remove_leftovers(job.folder, names)
            remove_leftovers(job.folder / ASSETS)  # of figures begun beside the animations
            outcomes.append((name, {}, WORKER_DIED))
    try:
        return outcomes, later.result() if later is not None else None
    except concurrent.futures.process.BrokenProcessPool:
        interrupt.check()
        return outcomes, None


def _begin(after, trace: Trace, folder: Path) -> None:
    """after.begin(trace, folder), the worker's first task: a head start, so an error
    is left for after(trace, folder) to meet."""
    interrupt.check()
    with contextlib.suppress(Exception):
        after.begin(trace, folder)


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
    from gdanim.render.keyframes import compare_poster_frame, drawn_grids, poster_frame

    s, trace = job.settings, job.trace
    look = Look(s.panels, make_style(s.size, s.theme, s.lang), s.elev, s.azim)
    words = messages(s.lang)
    if name == COMPARE:
        grids = drawn_grids(trace, trace.runs, s.panels, s.params)  # one per group in the same units and loss
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
        grid = drawn_grids(trace, [run], s.panels, s.params).get(run.name)
        events = run_events(trace, run, s.params)
        line = run_timeline(trace, run, s.pacing, s.params, events)
        view = run_view(trace, run, grid)
        notes = run_callouts(run, asked_events(run, events, s.stills), line, words)

        def draw(look: Look, paper: bool = False):
            look = dataclasses.replace(look, arrows=s.arrows, residuals=s.residuals)
            return run_frames(view, line.knots if paper else line.pos, look, trace.title,
                              callouts=None if paper else notes)

        def spec(paper):
            return run_handout(trace, run, line.knots, grid, s.lang)

        poster = line.first[poster_frame(s.poster, trace, run, line.knots, grid)]
    source = draw(look)
    targets = {f: path for f, path in outputs(job.folder, s, name).items() if f in s.formats}
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


def asked_events(run: Run, events: Sequence[Event], stills: Sequence[tuple[str, int]]) -> Sequence[Event]:
    """The run's events as its video calls them out: before an epoch an exercise asks
    about (settings.stills), a growing loss without its lr·λmax verdict, which is the
    answer (the page's captions are cut there too; gdanim.report.held)."""
    asked = [min(epoch, run.steps) for name, epoch in stills if name == run.name]
    if not asked:
        return events
    return [Event(e.state, e.kind, None) if e.state <= max(asked) else e for e in events]


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
