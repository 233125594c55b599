"""The `gdanim` command: a thin shell over the library (gdanim.build for render and site).

Heavy modules are imported inside each command, so `gdanim --help` and `validate`
never import torch or matplotlib. gdanim's own errors become one clean message and
exit code 2; anything else is a bug and shows its traceback.
"""

from __future__ import annotations

import functools
import gc
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from gdanim import __version__, interrupt
from gdanim.i18n import LANGUAGES

EXIT_BAD_INPUT = 2
EXIT_FAILED = 1
EXIT_INTERRUPTED = 130


def friendly_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn gdanim's own errors into a message on stderr and exit code 2 (1 when the
    machine failed: disk, permissions, a killed process), and Ctrl-C into "interrupted"
    and exit code 130, without a traceback: whatever fails after a Ctrl-C (a pool its
    workers left on the same signal) is the Ctrl-C's doing."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with interrupt.noting():
            try:
                return command(*args, **kwargs)
            except KeyboardInterrupt:
                told = ("interrupted", EXIT_INTERRUPTED)
            except Exception as exc:
                told = ("interrupted", EXIT_INTERRUPTED) if interrupt.pressed() else _told(exc)
                if told is None:
                    raise  # a bug: its traceback
        click.echo(told[0], err=True)
        sys.exit(told[1])

    return wrapper


def _told(exc: Exception) -> tuple[str, int] | None:
    """(the line that explains exc, the exit code), or None for an error that is a bug."""
    from concurrent.futures.process import BrokenProcessPool

    from gdanim.errors import GdanimError, MachineError, cannot_write

    if isinstance(exc, MachineError):
        return f"error: {exc}", EXIT_FAILED
    if isinstance(exc, GdanimError):
        return (f"error: {exc}" if "\n" not in str(exc) else f"error:\n{exc}"), EXIT_BAD_INPUT
    if isinstance(exc, OSError):  # the machine failed somewhere the library did not expect
        what = cannot_write(exc.filename, exc) if exc.filename else f"{exc.strerror or exc}"
        return f"error: {what}", EXIT_FAILED
    if isinstance(exc, BrokenProcessPool):
        return "error: a worker process ended unexpectedly (killed by the system, out of memory?)", EXIT_FAILED
    if isinstance(exc, (ImportError, MemoryError)):  # a library that cannot load: ulimit -v, say
        what = (f"cannot load {exc.name or 'a library'} ({str(exc)[:120]})" if isinstance(exc, ImportError)
                else "out of memory")
        return f"error: {what}; a memory limit (ulimit -v) or a machine short of memory?", EXIT_FAILED
    return None


def load_all(paths: tuple[Path, ...], data_root: Path | None = None) -> list:
    """Load every scenario, reporting all the problems of all files before stopping."""
    from gdanim.errors import ScenarioError
    from gdanim.scenario import load_scenario

    loaded, problems = [], []
    for path in paths:
        try:
            loaded.append(load_scenario(path, data_root))
        except ScenarioError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ScenarioError(problems)
    for note in (n for s in loaded for n in s.notes):
        click.echo(f"warning: {note}", err=True)
    return loaded


scenario_args = click.argument(
    "scenarios", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False)
)
data_root_option = click.option(
    "--data-root", type=click.Path(path_type=Path, file_okay=False, exists=True), default=None,
    help="Folder a scenario's data path may lead into [default: the scenario's own folder].")
output_option = click.option(
    "-o", "--output", type=click.Path(path_type=Path, file_okay=False), default=Path("output"),
    show_default=True, help="Folder for the results; each scenario gets <output>/<file stem>/.",
)


# the options `site` and `serve` share: both build a site
site_jobs_option = click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
                                help="Scenarios built at once (default: one per CPU).")
site_lang_option = click.option("--lang", type=click.Choice(LANGUAGES), default=None,
                                help="Language of every page (default: each scenario's lang).")
templates_option = click.option("--templates", type=click.Path(path_type=Path, file_okay=False, exists=True),
                                default=None, help="Folder of templates searched before the built-in theme.")
site_preset_option = click.option("--preset", type=click.Choice(["hd", "slides", "4x3", "square", "thumb"]),
                                  default=None, help="Frame size for every scenario (overrides the files).")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gdanim")
def main() -> None:
    """Animate gradient descent on linear regression, from a YAML scenario."""


@main.command()
@scenario_args
@data_root_option
@friendly_errors
def validate(scenarios: tuple[Path, ...], data_root: Path | None) -> None:
    """Check scenario files and list every problem (exit 2 if any)."""
    for scenario in load_all(scenarios, data_root):
        click.echo(f"{scenario.path.name}: ok ({len(scenario.runs)} run(s))")


@main.command()
@scenario_args
@output_option
@data_root_option
@friendly_errors
def record(scenarios: tuple[Path, ...], output: Path, data_root: Path | None) -> None:
    """Record every step of every run: trace.json and one CSV per run."""
    from gdanim.api import record_to
    from gdanim.files import writing
    from gdanim.manifest import write_manifest

    for scenario in load_all(scenarios, data_root):
        with writing(output, scenario.stem):  # one command at a time; a killed run's leftovers go
            trace, folder = record_to(scenario, output)
            write_manifest(folder, scenario, trace, command="record", options={"output": str(output)})
        statuses = ", ".join(f"{r.name} {r.status}" for r in trace.runs[:6])
        more = f", ... ({len(trace.runs)} runs)" if len(trace.runs) > 6 else ""
        click.echo(f"{folder}/trace.json: {statuses}{more}")


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path, file_okay=False),
              default=Path("output/site"), show_default=True, help="Folder of the site.")
@site_jobs_option
@click.option("--force", is_flag=True, help="Record and render every scenario again.")
@site_lang_option
@templates_option
@site_preset_option
@click.option("-q", "--quiet", is_flag=True, help="Print only problems and the summary.")
@data_root_option
@click.option("--scorm", type=click.Path(path_type=Path), default=None,
              help="Also pack the site as a SCORM 1.2 package (a .zip an LMS imports).")
@click.option("--pass-mark", type=click.FloatRange(0, 100), default=None, metavar="SCORE",
              help="With --scorm: the score (0-100) that passes; without it the LMS records 'completed'.")
@friendly_errors
def site(inputs: tuple[Path, ...], output: Path, jobs: int | None, force: bool, lang: str,
         templates: Path | None, preset: str | None, quiet: bool, data_root: Path | None,
         scorm: Path | None, pass_mark: float | None) -> None:
    """Build a course site from scenario files or folders: index.html and a page each.

    Scenarios whose files, data and settings are unchanged are not rendered again.
    A scenario that fails is reported and skipped; the exit code is then 1, and no
    package is written.
    """
    from gdanim.build import build_site
    from gdanim.build.package import check_target

    if pass_mark is not None and scorm is None:
        raise click.UsageError("--pass-mark sets the pass mark of a package: give --scorm too")
    if scorm is not None:
        check_target(scorm)  # before any build work

    def progress(outcome) -> None:
        if outcome.error:
            click.echo(f"error: {outcome.source}: {outcome.error}", err=True)
        elif not quiet:
            what = "rendered" if outcome.rendered else ("page" if outcome.paged else "up to date")
            click.echo(f"{outcome.stem}: {what} ({outcome.seconds:.1f} s)")
        for warning in outcome.warnings:
            click.echo(f"warning: {outcome.stem}: {warning}", err=True)

    options = {"preset": preset} if preset else {}
    result = build_site(inputs, output, jobs=jobs, force=force, lang=lang, templates=templates,
                        render_options=options, progress=progress, data_root=data_root)
    for stem in result.removed:
        click.echo(f"{stem}: removed (its scenario is no longer given)")
    built = len(result.outcomes) - len(result.failures)
    click.echo(f"{result.index}: {built} scenario(s), {len(result.rendered)} rendered, "
               f"{len(result.failures)} failed ({result.seconds:.1f} s)")
    if result.failures or result.incomplete:
        if scorm is not None:
            click.echo(f"{scorm}: not written, the site is incomplete", err=True)
        sys.exit(EXIT_FAILED)
    if scorm is not None:
        from gdanim.build import package_site

        click.echo(f"{package_site(result, scorm, pass_mark)}: SCORM 1.2 package of {built} scenario(s)")


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True))
@click.option("-o", "--output", type=click.Path(path_type=Path, file_okay=False),
              default=Path("output/serve"), show_default=True, help="Folder the site is built into.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (another than loopback opens the site to the network).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port to listen on.")
@click.option("--next-free-port", is_flag=True, help="When the port is in use, take the next free one.")
@click.option("--open", "open_browser", is_flag=True, help="Open the site in the browser.")
@site_lang_option
@templates_option
@site_preset_option
@site_jobs_option
@data_root_option
@friendly_errors
def serve(inputs: tuple[Path, ...], output: Path, host: str, port: int, next_free_port: bool,
          open_browser: bool, lang: str | None, templates: Path | None, preset: str | None,
          jobs: int | None, data_root: Path | None) -> None:
    """Build a site as `gdanim site` does, serve it, and on every saved change to a
    scenario, its data or the templates, build what changed and reload the open pages.
    Problems show in the terminal and over every open page. Ctrl-C stops."""
    from gdanim.serve import serve as serve_site

    serve_site(inputs, output, host=host, port=port, next_free=next_free_port, open_browser=open_browser,
               lang=lang, templates=templates, render_options={"preset": preset} if preset else {},
               data_root=data_root, jobs=jobs, echo=lambda line: click.echo(line, err=line.startswith(
                   ("error", "warning"))))


@main.command()
@scenario_args
@output_option
@click.option("--format", "formats", metavar="LIST", default=None,
              help="Comma-separated formats: mp4,gif,png,frames,handout [default: the scenario's].")
@click.option("--preset", default=None, help="hd, slides, 4x3, square or thumb [default: the scenario's].")
@click.option("--fps", type=int, default=None, help="24, 25, 30, 50 or 60 [default: the scenario's, 30].")
@click.option("--theme", default=None, help="light or dark [default: the scenario's].")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Runs rendered at once [default: the number of cores].")
@click.option("--lang", type=click.Choice(LANGUAGES), default=None,
              help="Language of the page and captions [default: the scenario's lang].")
@click.option("--quiet", is_flag=True, help="No progress bars and no summary.")
@data_root_option
@friendly_errors
def render(scenarios: tuple[Path, ...], output: Path, formats: str | None, preset: str | None,
           fps: int | None, theme: str | None, jobs: int | None, lang: str | None, quiet: bool,
           data_root: Path | None) -> None:
    """Record and animate every run: <run>.mp4/.gif/.png and compare.* per scenario."""
    from gdanim.build.recording import end_ahead, record_ahead

    record_ahead()  # torch loads in its process while the scenarios are read
    click.get_current_context().call_on_close(end_ahead)  # unused when a scenario is refused
    from gdanim.build.scenario import build_scenario
    from gdanim.files import writing

    wanted = [f.strip() for f in formats.split(",") if f.strip()] if formats is not None else None
    overrides = {"formats": wanted, "preset": preset, "fps": fps, "theme": theme}
    failed = False
    for scenario in load_all(scenarios, data_root):
        with writing(output, scenario.stem):  # one command at a time; a killed run's leftovers go
            built = build_scenario(scenario, output, **overrides, jobs=jobs, progress=False if quiet else None,
                                   lang=lang, options={**overrides, "output": str(output), "jobs": jobs, "lang": lang})
        result = built.render
        failed |= not result.ok
        for name, message in result.failures:
            click.echo(f"error: {result.folder.name}/{name}: {message}", err=True)
        if not quiet:
            made = len(result.runs) + (1 if result.compare else 0)
            click.echo(f"{result.folder}: {made} animation(s), {len(result.failures)} failed")
            click.echo(f"{built.page}: report")
    if failed:
        sys.exit(EXIT_FAILED)


@main.command()
@click.argument("folders", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--rerun", is_flag=True,
              help="Also build each scenario again and compare every output it lists byte for byte.")
@friendly_errors
def verify(folders: tuple[Path, ...], rerun: bool) -> None:
    """Check rendered folders or sites against their manifest.json: one line per finding
    (exit 1), nothing changed (exit 0; a rerun that differs within float32 rounding only
    is named and still exits 0), a folder missing or without a manifest (exit 2)."""
    from gdanim.build import build_again
    from gdanim.verify import verify_paths

    findings, checked = verify_paths(folders, rerun=rerun, build=build_again)
    for finding in findings:
        click.echo(f"error: {finding}" if finding.unusable else str(finding), err=finding.unusable)
    if any(f.unusable for f in findings):
        sys.exit(EXIT_BAD_INPUT)
    if any(not finding.note for finding in findings):
        sys.exit(EXIT_FAILED)
    same = " within float32 rounding" if findings else ""
    click.echo(f"{checked} folder(s) match their manifests" + (f" and build again the same{same}" if rerun else ""))


@main.command()
def schema() -> None:
    """Print the JSON Schema of the scenario format (for editors)."""
    from gdanim.jsonschema import schema_text

    click.echo(schema_text(), nl=False)


def run() -> None:
    """The `gdanim` program: main(), and a quick end to the process. Once a command is
    done, its modules' objects stay where they are for the system to take back: the
    interpreter's last collections over them would take a tenth of a second and free
    nothing. (Not in main itself: notebooks and tests call it in a process that goes on.)"""
    try:
        main()
    finally:
        gc.freeze()


if __name__ == "__main__":  # pragma: no cover
    run()
