"""`gdanim serve`: build a site, serve it on loopback, and on every saved change build
what changed and reload the open pages.

    serve(["scenarios"], "output/site", port=8000)

Three pieces, each from a maintained library:
- the server (Starlette on uvicorn, in a thread) serves the build folder and nothing
  else, read-only; each HTML page it serves gets `live.js`, which listens to the
  server's events (Server-Sent Events) and reloads the page, or shows the problems;
- the watcher (watchfiles) reports saved scenario files, their data files and the
  templates;
- the builder (this module's `Builder`, in the main thread, so Ctrl-C stops it as it
  stops `gdanim site`) writes a changed scenario's page first, from its new trace and
  without animations, then builds the site as `gdanim site` does, incrementally.

A scenario that no longer loads keeps its last good build; its problems, worded as
`gdanim validate` words them, are printed and shown over every open page until the file
is fixed.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import os
import queue
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gdanim import interrupt
from gdanim.errors import GdanimError, MachineError
from gdanim.folder import PAGE

if TYPE_CHECKING:
    from gdanim.settings import RenderSettings
    from gdanim.trace import Trace

PREFIX = "/__gdanim__/"
"Where the server's own files and events live (no site file starts with it)."
LIVE_JS = Path(__file__).with_name("live.js")
EVENTS = PREFIX + "events"


@dataclass
class Problems:
    """The problems of the last build, by scenario file: what the overlay shows."""

    by_source: dict[str, list[str]] = field(default_factory=dict)

    def lines(self) -> list[str]:
        return [line for source in sorted(self.by_source) for line in self.by_source[source]]


class Builder:
    """Builds the site, and on a change the changed scenarios' pages first.

    `notify(message)` is called with {"type": "reload"} when files changed and with
    {"type": "problems", "lines": [...]} when the problems changed; `echo(line)` prints."""

    def __init__(self, inputs: Sequence[str | Path], site: Path, *, lang: str | None = None,
                 templates: Path | None = None, render_options: dict[str, Any] | None = None,
                 data_root: Path | None = None, jobs: int | None = None,
                 notify: Callable[[dict[str, Any]], None] = lambda message: None,
                 echo: Callable[[str], None] = print) -> None:
        self.inputs = [Path(p) for p in inputs]
        self.site, self.lang, self.templates = Path(site), lang, templates
        self.render_options = dict(render_options or {})
        self.data_root, self.jobs = data_root, jobs
        self.notify, self.echo = notify, echo
        self.problems = Problems()
        self.data: dict[Path, Path] = {}
        "Scenario file -> its data file, as of the last look at what to watch."

    # what to watch
    def scenario_files(self) -> list[Path]:
        from gdanim.build.site import scenario_files

        return scenario_files(p for p in self.inputs if p.exists())

    def watched(self) -> list[Path]:
        """The folders and files to watch: the inputs, each scenario's data file, the
        templates. Called after each build, so that each scenario is loaded once a change."""
        paths = {p.resolve() for p in self.inputs}
        paths |= {p.resolve().parent for p in self.scenario_files()}  # editors save by renaming
        self.data = self._data_files()  # affected() maps the next change with it
        paths |= {d.parent for d in self.data.values()}
        if self.templates is not None:
            paths.add(self.templates.resolve())
        return sorted(p for p in paths if p.exists())

    def _data_files(self) -> dict[Path, Path]:
        """Scenario file -> its data file, for the scenarios that load."""
        from gdanim.scenario import load_scenario

        out = {}
        for path in self.scenario_files():
            try:
                data = load_scenario(path, self.data_root).data_path
            except GdanimError:
                continue
            if data is not None:
                out[path.resolve()] = data.resolve()
        return out

    def affected(self, changed: Iterable[str | Path]) -> tuple[list[Path], bool]:
        """(the scenario files a change touches, whether every page is touched: templates)."""
        changed = {Path(p).resolve() for p in changed}
        if self.templates is not None and any(self.templates.resolve() in p.parents for p in changed):
            return self.scenario_files(), True
        out = [p for p in self.scenario_files() if p.resolve() in changed or self.data.get(p.resolve()) in changed]
        return out, False

    # building
    def build(self, changed: Iterable[Path] = ()) -> None:
        """Pages of the changed scenarios first, then the site; the problems of both shown."""
        from gdanim.build import build_site

        recorded = {}  # each page's recording, handed to the site build: recorded once
        for path in changed:
            if (first := self._page_first(path)) is not None:
                recorded[str(path.resolve())] = first
                self.notify({"type": "reload", "folders": [path.stem]})
        problems: dict[str, list[str]] = {}
        built: list[str] = []  # the folders whose pages were written again: theirs reload

        def progress(outcome) -> None:
            if outcome.error:
                problems[outcome.source] = problem_lines(outcome.source, outcome.error)
            elif outcome.rendered or outcome.paged:
                built.append(outcome.stem)
                self.echo(f"{outcome.stem}: {'rendered' if outcome.rendered else 'page'} ({outcome.seconds:.1f} s)")
            for warning in outcome.warnings:
                self.echo(f"warning: {outcome.stem}: {warning}")

        started = time.perf_counter()
        try:
            build_site(self.inputs, self.site, jobs=self.jobs, lang=self.lang, templates=self.templates,
                       render_options=self.render_options, progress=progress, data_root=self.data_root,
                       recorded=recorded)
        except (GdanimError, OSError) as exc:  # the site as a whole (no scenarios, a lock, the disk)
            problems[""] = [f"error: {exc}"]
        self._set_problems(problems)
        self.notify({"type": "reload", "folders": built})
        self.echo(f"site built ({time.perf_counter() - started:.1f} s); watching for changes")

    def _page_first(self, path: Path) -> tuple[str, Trace] | None:
        """Write the scenario's page from its new trace, without animations; returns (the
        scenario's content hash, the trace) when written, for the site build to render.
        A scenario that does not load is left to the site build, which reports it."""
        from gdanim.api import record_to
        from gdanim.build.scenario import write_scenario_report
        from gdanim.build.site import built_by_gdanim, media_key, read_stamp, scenario_folder
        from gdanim.files import claim_folder
        from gdanim.scenario import load_scenario
        from gdanim.settings import settings_from

        try:
            scenario = load_scenario(path, self.data_root)
            folder = claim_folder(scenario_folder(self.site, scenario.stem), built_by_gdanim)
            if not (folder / PAGE).is_file():
                return None  # a first build: the site build writes it whole
            media = media_key(scenario.content_hash(), self.render_options, self.lang or scenario.spec.lang)
            stamp = read_stamp(folder)
            if stamp.get("media") == media:
                return None  # its animations stand: the site build writes the page with them at once
            self.notify({"type": "pending", "folder": scenario.stem})
            trace, folder = record_to(scenario, self.site)
            settings = settings_from(scenario, self.render_options, self.lang or scenario.spec.lang)
            write_scenario_report(scenario, folder, trace=trace, settings=settings, templates=self.templates,
                                  index_url="../index.html", media_pending=on_their_way(trace, folder, settings, stamp),
                                  figures={})  # the figures follow
        except (GdanimError, OSError):
            return None
        self.echo(f"{scenario.stem}: page (figures and animations on their way)")
        return scenario.content_hash(), trace

    def _set_problems(self, problems: dict[str, list[str]]) -> None:
        if problems != self.problems.by_source:
            self.problems = Problems(problems)
            for line in self.problems.lines():
                self.echo(line)
            if not problems:
                self.echo("no problems")
        self.notify({"type": "problems", "lines": self.problems.lines()})


def on_their_way(trace: Trace, folder: Path, settings: RenderSettings, stamp: dict) -> list[str] | bool:
    """The animations the site build will draw again for `trace` (those it keeps are in
    folder already, `render.pipeline.kept_animations`); True (all) without a renderer."""
    try:
        from gdanim.render.pipeline import animation_keys, kept_animations
    except ImportError:
        return True
    stored = stamp.get("animations") if isinstance(stamp.get("animations"), dict) else {}
    keys = animation_keys(trace, settings)
    kept = kept_animations(keys, folder, settings, stored)
    return [name for name in keys if name not in kept]


def problem_lines(source: str, error: str) -> list[str]:
    """A scenario's problems as `gdanim validate` prints them: file:line: key: what was
    expected; an error that names no place gets the file's name."""
    lines = [line for line in str(error).splitlines() if line.strip()]
    return [line if line.startswith(source) else f"{source}: {line}" for line in lines]


# the server
def app(site: Path, broadcaster: Broadcaster):
    """The Starlette application: the site's files, read-only, and the server's own."""
    from starlette.applications import Starlette
    from starlette.responses import HTMLResponse, Response, StreamingResponse
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    live = LIVE_JS.read_bytes()

    class SiteFiles(StaticFiles):
        """The build folder's files (never through a link that leaves it), every HTML page
        with live.js, and nothing cached: a reload shows what was just built."""

        def file_response(self, full_path, stat_result, scope, status_code=200):
            if str(full_path).endswith(".html"):
                text = Path(full_path).read_text(encoding="utf-8")
                return HTMLResponse(inject(text), status_code=status_code, headers=NO_CACHE)
            response = super().file_response(full_path, stat_result, scope, status_code)
            response.headers.update(NO_CACHE)
            return response

    async def live_js(request):
        return Response(live, media_type="text/javascript", headers=NO_CACHE)

    async def events(request):
        return StreamingResponse(broadcaster.stream(request), media_type="text/event-stream",
                                 headers={**NO_CACHE, "X-Accel-Buffering": "no"})

    return Starlette(routes=[Route(PREFIX + "live.js", live_js), Route(EVENTS, events),
                             Mount("/", SiteFiles(directory=site, html=True, follow_symlink=False))])


NO_CACHE = {"Cache-Control": "no-store"}
_POLICY = re.compile(r'(<meta http-equiv="Content-Security-Policy" content=")')


def inject(html: str) -> str:
    """The page as served: live.js before </body>, and the page's policy letting it open
    the event stream (connect-src 'self'; the built file itself allows no connection)."""
    html = _POLICY.sub(r"\1connect-src 'self'; ", html, count=1)
    tag = f'<script src="{PREFIX}live.js"></script>'
    at = html.rfind("</body>")
    return html[:at] + tag + html[at:] if at >= 0 else html + tag


class Broadcaster:
    """The server's events to every open page; `send` may be called from any thread."""

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.queues: set[asyncio.Queue] = set()
        self.last_problems: dict[str, Any] = {"type": "problems", "lines": []}
        self.media: dict[str, list[dict[str, Any]]] = {}
        "By folder: the files written since its page was written ahead of them."

    def send(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "problems":
            self.last_problems = message
        elif kind == "pending":  # a page is about to be written ahead of its animations
            self.media[message["folder"]] = []
        elif kind == "media":
            self.media.setdefault(message["folder"], []).append(message)
        if self.loop is not None:
            self.loop.call_soon_threadsafe(self._put, message)

    def _put(self, message: dict[str, Any]) -> None:
        for inbox in list(self.queues):
            inbox.put_nowait(message)

    async def stream(self, request):
        self.loop = asyncio.get_running_loop()
        inbox: asyncio.Queue = asyncio.Queue()
        self.queues.add(inbox)
        try:
            yield _event(self.last_problems)  # a page opened now sees the problems at once
            for written in [m for folder in list(self.media.values()) for m in folder]:
                yield _event(written)  # and the animations written while it loaded
            while not await request.is_disconnected():
                try:
                    message = await asyncio.wait_for(inbox.get(), timeout=1.0)
                except asyncio.TimeoutError:
                    yield ": still here\n\n"  # a comment: finds closed connections
                    continue
                yield _event(message)
        finally:
            self.queues.discard(inbox)


def _event(message: dict[str, Any]) -> str:
    return f"data: {json.dumps(message, ensure_ascii=False)}\n\n"


def bind(host: str, port: int, next_free: bool = False) -> socket.socket:
    """A listening socket on (host, port); with next_free, the first free port from port
    on. MachineError when the port is taken (or none of the next 50 is free)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for candidate in range(port, port + (50 if next_free else 1)):
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, candidate))
        except OSError as exc:
            sock.close()
            if exc.errno == errno.EADDRINUSE:
                continue
            raise MachineError(f"cannot listen on {host}:{candidate}: {exc.strerror}") from None
        sock.listen(64)
        return sock
    raise MachineError(f"port {port} on {host} is in use: stop what uses it, choose another with --port, "
                       "or add --next-free-port")


class Server:
    """uvicorn serving `app` on a socket, in a daemon thread."""

    def __init__(self, asgi, sock: socket.socket) -> None:
        import uvicorn

        self.sock = sock
        config = uvicorn.Config(asgi, log_level="warning", lifespan="off", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self._run, name="gdanim-serve", daemon=True)

    def _run(self) -> None:
        self.server.run(sockets=[self.sock])

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=3)


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://{f'[{host}]' if ':' in host else host}:{port}/"


def serve(inputs: Sequence[str | Path], site: str | Path, *, host: str = "127.0.0.1", port: int = 8000,
          next_free: bool = False, open_browser: bool = False, lang: str | None = None,
          templates: Path | None = None, render_options: dict[str, Any] | None = None,
          data_root: Path | None = None, jobs: int | None = None,
          echo: Callable[[str], None] = print, ready: Callable[[str], None] | None = None) -> None:
    """Build the site into `site`, serve it, and build again on every change until Ctrl-C
    (KeyboardInterrupt, raised here). `ready(url)` is called once the server listens."""
    from gdanim.files import make_folder

    sock = bind(host, port, next_free)  # a port in use fails before anything is written
    site = make_folder(Path(site).resolve())
    broadcaster = Broadcaster()
    builder = Builder(inputs, site, lang=lang, templates=templates, render_options=render_options,
                      data_root=data_root, jobs=jobs, notify=broadcaster.send, echo=echo)
    server = Server(app(site, broadcaster), sock)
    server.start()
    url = url_of(sock)
    echo(f"serving {site} at {url} (Ctrl-C stops)")
    if ready is not None:
        ready(url)
    watcher = Watcher(site)
    written = threading.Event()
    threading.Thread(target=announce_media, args=(site, broadcaster, written), daemon=True).start()
    with interrupt.noting():
        try:
            watcher.watch(builder.watched())  # from before the first build: no edit is missed
            builder.build()
            if open_browser:
                import webbrowser

                webbrowser.open(url)
            _warm_up(templates)
            while True:
                changes = watcher.next()
                changed, everything = builder.affected(changes)
                builder.build([] if everything else changed)
                watcher.watch(builder.watched())  # a new data file or folder is watched too
        except BaseException:
            if interrupt.pressed():  # the build's workers stopped too, and their pool may say so first
                raise KeyboardInterrupt from None
            raise
        finally:
            written.set()
            watcher.stop()
            server.stop()
            sock.close()


class Watcher:
    """watchfiles in a thread, its changes queued, so that edits made during a build
    are kept for the next one; `watch` changes the paths watched."""

    def __init__(self, site: Path) -> None:
        self.site = site
        self.changes: queue.Queue[set[str]] = queue.Queue()
        self.paths: list[Path] = []
        self.stop_event: threading.Event | None = None

    def watch(self, paths: list[Path]) -> None:
        if paths == self.paths and self.stop_event is not None:
            return
        self.stop()
        self.paths, self.stop_event = paths, threading.Event()
        ready = threading.Event()
        threading.Thread(target=self._run, args=(paths, self.stop_event, ready), daemon=True).start()
        ready.wait(5)

    def _run(self, paths: list[Path], stop: threading.Event, ready: threading.Event) -> None:
        import watchfiles

        ready.set()  # the watch is set up on the first step, a few milliseconds later
        for found in watchfiles.watch(*paths, step=50, debounce=400, stop_event=stop, raise_interrupt=False,
                                      watch_filter=_not_ours(self.site), yield_on_timeout=False):
            self.changes.put({path for _, path in found})

    def next(self) -> set[str]:
        """The paths changed since the last call (waits for one; Ctrl-C interrupts)."""
        found = set()
        while not found:
            with contextlib.suppress(queue.Empty):
                found |= self.changes.get(timeout=0.5)
        with contextlib.suppress(queue.Empty):
            while True:
                found |= self.changes.get_nowait()
        return found

    def stop(self) -> None:
        if self.stop_event is not None:
            self.stop_event.set()
            self.stop_event = None


MEDIA_SHOWN = (".png", ".mp4")
"The files a page written ahead of its animations shows as they come: posters, then videos."


def announce_media(site: Path, broadcaster: Broadcaster, stop: threading.Event) -> None:
    """Tell open pages of each animation file written into a scenario's folder, as
    {"type": "media", "folder": "lr", "file": "lr-0.01.mp4"}."""
    import watchfiles

    def media(change: Any, path: str) -> bool:
        rel = Path(path).relative_to(site) if path.startswith(str(site)) else None
        return (rel is not None and len(rel.parts) == 2 and rel.suffix in MEDIA_SHOWN
                and not rel.name.startswith(".") and change != watchfiles.Change.deleted)

    for found in watchfiles.watch(site, step=50, debounce=200, stop_event=stop, raise_interrupt=False,
                                  watch_filter=media, yield_on_timeout=False):
        for _, path in sorted(found, key=lambda c: c[1].endswith(".mp4")):  # posters first
            rel = Path(path).relative_to(site)
            broadcaster.send({"type": "media", "folder": rel.parts[0], "file": rel.name})


def _not_ours(site: Path) -> Callable[[Any, str], bool]:
    """The watcher's filter: not the build folder's own writes, not editors' swap files."""
    site_text = str(site) + os.sep

    def keep(change: Any, path: str) -> bool:
        name = os.path.basename(path)
        return not (path.startswith(site_text) or name.startswith((".", "#")) or name.endswith(("~", ".swp")))

    return keep


def _warm_up(templates: Path | None) -> None:
    """Load the recorder and the page's template and catalogs once, so the first edit's
    page waits for neither torch nor Jinja2."""
    import gdanim.recorder  # noqa: F401
    from gdanim.i18n import LANGUAGES
    from gdanim.report.page import prepare

    for lang in LANGUAGES:
        prepare("scenario.html", lang, templates)
