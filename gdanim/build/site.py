"""A course site: every scenario recorded, rendered and reported, and an index over them.

Where a site build decides what to rebuild: `build_one` (the stamps), `_run` (which
scenarios go to worker processes), `prune` and `remove_gone` (what goes away).

A scenario is built again only when its stamp changes: a hash of the scenario text,
its data file, the render options and the gdanim version decides the media; that
hash plus the language and the templates decides the page. A scenario recorded again
keeps each animation whose own inputs did not change (`render.pipeline.animation_keys`):
adding a learning rate draws that run and the grid, not every run. Stale scenarios build in
parallel worker processes; a scenario that fails is reported and the others still build.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from gdanim import __version__, interrupt
from gdanim.build.scenario import read_built_trace, write_scenario_manifest, write_scenario_report
from gdanim.errors import GdanimError, cannot_write
from gdanim.files import LOCK as FOLDER_LOCK
from gdanim.files import (
    atomic_write_text,
    claim_folder,
    folder_lock,
    listed,
    make_folder,
    output_folder,
    remove_files,
    remove_leftovers,
    remove_scenario_leftovers,
    remove_stale,
    write_if_changed,
)
from gdanim.folder import ASSETS, LOCK, MANIFEST, MEDIA, PAGE, RESERVED_STEMS, STAMP, TRACE, stale_run_files
from gdanim.manifest import is_gdanim_folder, write_site_manifest
from gdanim.report.errors import ReportError
from gdanim.report.page import templates_digest
from gdanim.report.site import Card, card_of, stored_card, write_index
from gdanim.report.strings import strings
from gdanim.settings import RenderSettings, settings_from
from gdanim.trace import Trace

WORKER_DIED = "its worker process ended unexpectedly (killed by the system, out of memory?)"


@dataclass(frozen=True)
class Outcome:
    """What happened to one scenario in a build."""

    source: str
    stem: str | None = None
    card: Card | None = None
    rendered: bool = False
    "Recorded and rendered again (its media stamp changed)."
    paged: bool = False
    "Page and figures written again."
    seconds: float = 0.0
    error: str | None = None
    warnings: tuple[str, ...] = ()
    worker: int = 0
    "The id of the process that built it."


@dataclass(frozen=True)
class SiteResult:
    """The site's index and what happened to each scenario."""

    index: Path
    outcomes: tuple[Outcome, ...]
    seconds: float = 0.0
    removed: tuple[str, ...] = ()
    "Folders of scenarios no longer given, removed from the site."
    lang: str = "en"
    "The language of the site's index."

    @property
    def failures(self) -> list[Outcome]:
        """The scenarios that could not be built."""
        return [o for o in self.outcomes if o.error is not None]

    @property
    def incomplete(self) -> list[Outcome]:
        """The scenarios built with some animation missing (the renderer reported failures)."""
        return [o for o in self.outcomes if o.error is None and o.warnings]

    @property
    def rendered(self) -> list[str]:
        """Stems of the scenarios rendered again in this build."""
        return [o.stem for o in self.outcomes if o.rendered and o.stem]


@dataclass(frozen=True)
class Job:
    """One scenario to build, picklable for a worker process."""

    path: str
    site: str
    lang: str | None
    "The pages' language; None: each scenario's own."
    templates: str | None
    render_options: dict[str, Any] = field(default_factory=dict)
    force: bool = False
    render_jobs: int | None = None
    data_root: str | None = None
    "The folder data paths may lead into (--data-root); None: each scenario's own."
    recorded: tuple[str, Trace] | None = None
    "(the scenario's content hash, its trace) when recorded already: rendered as it is if the file still hashes so."


def scenario_files(inputs: Iterable[str | Path]) -> list[Path]:
    """The scenario files named, a folder standing for its *.yaml and *.yml files (sorted)."""
    out: list[Path] = []
    for item in map(Path, inputs):
        if item.is_dir():
            out += sorted(p for p in item.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
        else:
            out.append(item)
    return out


def media_key(content_hash: str, render_options: dict[str, Any], lang: str) -> str:
    """The stamp of a scenario's recorded and rendered files (the frames hold words: `lang`)."""
    blob = json.dumps({"scenario": content_hash, "render": {**render_options, "lang": lang},
                       "version": __version__}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def page_key(media: str, lang: str, templates: str) -> str:
    """The stamp of a scenario's page and figures."""
    return hashlib.sha256(f"{media}|{lang}|{templates}".encode()).hexdigest()


def read_stamp(folder: Path) -> dict[str, Any]:
    """The stamp stored by the last build of folder ({} when none or unreadable)."""
    try:
        return json.loads((folder / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _render(scenario, site: Path, settings: RenderSettings, jobs: int | None, recorded: Trace | None = None,
            keep: dict[str, str] | None = None,
            ) -> tuple[Trace, tuple[str, ...], dict[str, str] | bool, dict[str, str]]:
    """Record (unless `recorded`) and animate all but the animations `keep` finds in place;
    returns (the trace, failures, the page's figures drawn meanwhile, the animations'
    digests)."""
    try:
        from gdanim.build.scenario import record_and_render
        from gdanim.render import pipeline  # noqa: F401 - the renderer is there
    except ImportError:  # without the renderer: record only, the page shows no animations
        from gdanim.api import record_to

        trace = recorded if recorded is not None else record_to(scenario, site)[0]
        return trace, (), True, {}
    figures: dict[str, str] = {}

    def draw_figures(trace, folder) -> None:
        from gdanim.report.scenario_page import write_figures

        figures.update(write_figures(trace, folder, strings(settings.lang), settings))

    result = record_and_render(scenario, site, settings, jobs=jobs, progress=False, meanwhile=draw_figures,
                               recorded=recorded, keep=keep)
    return result.trace, tuple(f"{name}: {message}" for name, message in result.failures), figures, result.keys


def build_one(job: Job) -> Outcome:
    """Build one scenario's folder in the site if its stamps changed; returns what happened.

    The media stamp (scenario, data, render options, language, version) decides whether
    it is recorded and rendered again; the page stamp (that, the templates) whether its
    page and card are written again; a figures stamp whether the figures are redrawn."""
    from gdanim.scenario import load_scenario

    interrupt.check()
    start = time.perf_counter()
    stamp: dict[str, Any] = {}
    try:
        scenario = load_scenario(job.path, job.data_root)
        lang = job.lang or scenario.spec.lang
        site = Path(job.site)
        folder = claim_folder(scenario_folder(site, scenario.stem), built_by_gdanim)  # never a user's own
        remove_scenario_leftovers(folder)  # what a killed build left: the site's lock is held
        templates = Path(job.templates) if job.templates else None
        stamp = read_stamp(folder)
        media = media_key(scenario.content_hash(), job.render_options, lang)
        page = page_key(media, lang, templates_digest(templates))
        rendered = job.force or stamp.get("media") != media or not (folder / TRACE).is_file()
        settings = settings_from(scenario, job.render_options, lang)
        warnings: tuple[str, ...] = ()
        animations = stamp.get("animations") if isinstance(stamp.get("animations"), dict) else {}
        drawn: dict[str, str] | bool = False
        trace = None
        if rendered:
            (folder / STAMP).unlink(missing_ok=True)
            if not is_gdanim_folder(folder):  # a first build: an empty stamp marks the folder as gdanim's
                atomic_write_text(folder / STAMP, "{}")
            started = time.time()
            hashed, recorded = job.recorded or (None, None)
            recorded = recorded if hashed == scenario.content_hash() and (folder / TRACE).is_file() else None
            trace, warnings, drawn, animations = _render(scenario, site, settings, job.render_jobs, recorded,
                                                         keep={} if job.force else animations)
            remove_stale(folder, [w.split(": ")[0] for w in warnings], MEDIA, started)  # no old media left
            prune(folder, trace)
        figures = page_key(media, lang, "figures")
        paged = rendered or stamp.get("page") != page or not (folder / PAGE).is_file()
        card = stored_card(stamp.get("card")) if not paged else None
        if paged or card is None:
            trace = trace if trace is not None else read_built_trace(folder)
            write_scenario_report(scenario, folder, trace=trace, settings=settings, templates=templates,
                                  index_url="../index.html", figures=drawn or stamp.get("figures") != figures)
            card = card_of(trace, folder, scenario, settings)
            paged = True
        if paged or not (folder / MANIFEST).is_file():
            trace = trace if trace is not None else read_built_trace(folder)
            write_scenario_manifest(folder, scenario, trace, None if drawn is True else settings, command="site",
                                    options={**job.render_options, "lang": lang, "force": job.force})
        # an animation that failed is tried again next time: no media stamp is kept
        new_stamp = {"media": None if warnings else media, "figures": figures, "page": page,
                     "card": asdict(card), "animations": animations}
        write_if_changed(folder / STAMP, json.dumps(new_stamp, ensure_ascii=False, indent=1).encode("utf-8"))
        return Outcome(job.path, scenario.stem, card, rendered, paged, time.perf_counter() - start,
                       warnings=tuple(map(str, scenario.notes)) + warnings, worker=os.getpid())
    except (GdanimError, OSError) as exc:  # OSError: the machine failed unexpectedly
        message = str(cannot_write(exc.filename, exc)) if isinstance(exc, OSError) and exc.filename else str(exc)
        # the folder keeps the last good build (files are replaced whole or not at all):
        # its card stays on the index beside the failure
        return Outcome(job.path, stem=Path(job.path).stem if stamp else None, card=stored_card(stamp.get("card")),
                       error=message, seconds=time.perf_counter() - start, worker=os.getpid())


def built_by_gdanim(folder: Path) -> bool:
    """True when gdanim built folder: its manifest says so, or a build stamp (gdanim's own
    hidden file) is there, from a first build that was stopped before its manifest."""
    return is_gdanim_folder(folder) or (folder / STAMP).is_file()


def prune(folder: Path, trace: Trace) -> list[Path]:
    """Remove run files (media, CSV) of runs the scenario no longer has, among those the
    last build's manifest lists (a file of the user's own stays); returns them."""
    from gdanim.manifest import read_manifest

    try:
        listed = set(read_manifest(folder).get("outputs", {}))
    except (OSError, ValueError, AttributeError):
        listed = set()
    stale = [p.name for p in stale_run_files(folder, [r.name for r in trace.runs]) if p.name in listed]
    return remove_files(folder, stale)


def scenario_folder(site: Path, stem: str) -> Path:
    """The folder of scenario `stem` inside the site (a plain name, no link, not reserved)."""
    if stem.lower() in RESERVED_STEMS:
        raise ReportError(f"{stem}: this file name is reserved for the site's own folder; rename it")
    return output_folder(site, stem)


def build_site(inputs: Iterable[str | Path], output: str | Path, *, jobs: int | None = None,
               force: bool = False, lang: str | None = None, templates: str | Path | None = None,
               render_options: dict[str, Any] | None = None,
               progress: Callable[[Outcome], None] | None = None,
               data_root: str | Path | None = None,
               recorded: dict[str, tuple[str, Trace]] | None = None) -> SiteResult:
    """Build the site in `output` from scenario files or folders; returns what happened.

    lang: the language of every page; None gives each scenario's page its own `lang`, and
    the index the language most scenarios speak. One build at a time: a second one into
    the same folder is a MachineError, not a mix of both. recorded: by scenario file
    (resolved path), (content hash, trace) of scenarios recorded into the site already
    (`gdanim serve` does, for the page): each is rendered without recording again while
    its file still hashes so."""
    with folder_lock(Path(output).resolve(), LOCK, "gdanim site command"):
        return _build(inputs, output, jobs=jobs, force=force, lang=lang, templates=templates,
                      render_options=render_options, progress=progress, data_root=data_root,
                      recorded=recorded)


def _build(inputs: Iterable[str | Path], output: str | Path, *, jobs: int | None = None,
           force: bool = False, lang: str | None = None, templates: str | Path | None = None,
           render_options: dict[str, Any] | None = None,
           progress: Callable[[Outcome], None] | None = None,
           data_root: str | Path | None = None,
           recorded: dict[str, tuple[str, Trace]] | None = None) -> SiteResult:
    """build_site's work, with the site's lock held."""
    start = time.perf_counter()
    if lang is not None:
        strings(lang)  # an unknown language fails before any work
    site = make_folder(Path(output).resolve())
    files = scenario_files(inputs)
    if not files:
        raise ReportError("no scenario files (*.yaml, *.yml) were given")
    remove_leftovers(site)  # what a killed build left at the top; the lock is held
    remove_leftovers(site / ASSETS)
    stems: dict[str, str] = {}
    outcomes: dict[int, Outcome] = {}
    todo: list[tuple[int, Job]] = []
    for i, path in enumerate(files):
        stem = path.stem
        if stem.lower() in stems:  # lr.yaml and Lr.yaml would share a folder on many disks
            outcomes[i] = Outcome(str(path), error=f"same file name as {stems[stem.lower()]} (letter case aside); "
                                                   "each scenario needs its own name")
            if progress is not None:
                progress(outcomes[i])
            continue
        stems[stem.lower()] = str(path)
        todo.append((i, Job(str(path), str(site), lang, str(templates) if templates else None,
                            dict(render_options or {}), force,
                            data_root=str(data_root) if data_root is not None else None,
                            recorded=(recorded or {}).get(str(path.resolve())))))
    for i, outcome in _run(todo, jobs):
        outcomes[i] = outcome
        if progress is not None:
            progress(outcome)
    ordered = tuple(outcomes[i] for i in sorted(outcomes))
    removed = remove_gone(site, {p.stem.lower() for p in files})
    spoken = [o.card.lang for o in ordered if o.card is not None]
    index_lang = lang or (max(sorted(set(spoken)), key=spoken.count) if spoken else "en")
    failures = [(Path(o.source).name, o.error) for o in ordered if o.error]
    index = write_index(site, [o.card for o in ordered if o.card is not None], failures, index_lang,
                        Path(templates) if templates else None)
    write_site_manifest(site, [o.card.stem for o in ordered if o.card is not None],
                        options={"lang": lang, "jobs": jobs, "force": force or None, **(render_options or {})})
    return SiteResult(index, ordered, time.perf_counter() - start, tuple(removed), index_lang)


def remove_gone(site: Path, stems: set[str]) -> list[str]:
    """Remove the folders gdanim built for scenarios no longer given (known by their
    manifest or build stamp): only the files gdanim wrote, and a folder left empty;
    anything else stays. Returns the names of the folders cleaned."""
    gone = []
    for folder in sorted(p for p in site.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if folder.name.lower() in stems | RESERVED_STEMS or folder.is_symlink():
            continue
        if is_gdanim_folder(folder):  # a manifest.json of the user's own (a web app's) is not gdanim's
            _remove_own_files(folder)
            gone.append(folder.name)
    return gone


def _remove_own_files(folder: Path) -> None:
    """Remove the files folder's gdanim manifest lists (inside the folder, never through a
    link), the manifest, stamp and lock, then the folders left empty."""
    from gdanim.manifest import read_manifest

    try:
        own = [listed(folder, n) for n in read_manifest(folder)["outputs"]]
    except (OSError, ValueError, KeyError, TypeError):
        own = []
    for path in [*own, folder / MANIFEST, folder / STAMP, folder / FOLDER_LOCK]:
        if path is not None and not path.is_symlink() and path.is_file():
            path.unlink()
    for sub in sorted((p for p in folder.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
        with contextlib.suppress(OSError):
            sub.rmdir()  # only when empty
    with contextlib.suppress(OSError):
        folder.rmdir()


def _run(todo: list[tuple[int, Job]], jobs: int | None) -> Iterable[tuple[int, Outcome]]:
    """Build each job, in this process when up to date or jobs is 1, else in worker processes."""
    stale = []
    todo_jobs = dict(todo)
    for i, job in todo:
        if jobs == 1 or job.force or not _up_to_date(job):
            stale.append((i, job))
        else:
            yield i, build_one(job)
    if jobs == 1 or len(stale) <= 1:
        for i, job in stale:
            yield i, build_one(job)
        return
    workers = min(jobs or _cpus(), len(stale))
    share = max(1, _cpus() // workers)
    pool = ProcessPoolExecutor(max_workers=workers, initializer=interrupt.worker_init)
    try:
        futures = {pool.submit(build_one, dataclasses.replace(job, render_jobs=share)): i
                   for i, job in stale}
        for future in as_completed(futures):
            try:
                yield futures[future], future.result()
            except BrokenProcessPool:
                interrupt.check()
                pool.shutdown(wait=True, cancel_futures=True)  # the other workers gone first
                job = todo_jobs[futures[future]]
                remove_scenario_leftovers(Path(job.site) / Path(job.path).stem)
                yield futures[future], Outcome(job.path, error=WORKER_DIED)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _cpus() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def _up_to_date(job: Job) -> bool:
    """True when the scenario's media stamp matches (cheap: no rendering, no trace read)."""
    from gdanim.scenario import load_scenario

    try:
        scenario = load_scenario(job.path, job.data_root)
        folder = scenario_folder(Path(job.site), scenario.stem)
    except GdanimError:
        return True  # build_one reports the error quickly in this process
    lang = job.lang or scenario.spec.lang
    return read_stamp(folder).get("media") == media_key(scenario.content_hash(), job.render_options, lang)
