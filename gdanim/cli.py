"""The `gdanim` command: a thin shell over the library.

Heavy modules are imported inside each command, so `gdanim --help` and `validate`
never import torch or matplotlib. gdanim's own errors become one clean message and
exit code 2; anything else is a bug and shows its traceback.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from gdanim import __version__

EXIT_BAD_INPUT = 2


def friendly_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn gdanim's own errors into a message on stderr and exit code 2."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from gdanim.errors import GdanimError

        try:
            return command(*args, **kwargs)
        except GdanimError as exc:
            click.echo(f"error: {exc}" if "\n" not in str(exc) else f"error:\n{exc}", err=True)
            sys.exit(EXIT_BAD_INPUT)

    return wrapper


def load_all(paths: tuple[Path, ...]) -> list:
    """Load every scenario, reporting all the problems of all files before stopping."""
    from gdanim.errors import ScenarioError
    from gdanim.scenario import load_scenario

    loaded, problems = [], []
    for path in paths:
        try:
            loaded.append(load_scenario(path))
        except ScenarioError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ScenarioError(problems)
    return loaded


scenario_args = click.argument(
    "scenarios", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False)
)
output_option = click.option(
    "-o", "--output", type=click.Path(path_type=Path, file_okay=False), default=Path("output"),
    show_default=True, help="Folder for the results; each scenario gets <output>/<file stem>/.",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gdanim")
def main() -> None:
    """Animate gradient descent on linear regression, from a YAML scenario."""


@main.command()
@scenario_args
@friendly_errors
def validate(scenarios: tuple[Path, ...]) -> None:
    """Check scenario files and list every problem (exit 2 if any)."""
    for scenario in load_all(scenarios):
        click.echo(f"{scenario.path.name}: ok ({len(scenario.runs)} run(s))")


@main.command()
@scenario_args
@output_option
@friendly_errors
def record(scenarios: tuple[Path, ...], output: Path) -> None:
    """Record every step of every run: trace.json and one CSV per run."""
    from gdanim.api import record_to

    for scenario in load_all(scenarios):
        trace, folder = record_to(scenario, output)
        statuses = ", ".join(f"{r.name} {r.status}" for r in trace.runs[:6])
        more = f", ... ({len(trace.runs)} runs)" if len(trace.runs) > 6 else ""
        click.echo(f"{folder}/trace.json: {statuses}{more}")


@main.command()
def schema() -> None:
    """Print the JSON Schema of the scenario format (for editors)."""
    from gdanim.jsonschema import schema_text

    click.echo(schema_text(), nl=False)


if __name__ == "__main__":  # pragma: no cover
    main()
