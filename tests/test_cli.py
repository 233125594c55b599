"""The command line: exit codes, clean messages, nothing half-written, light start-up."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from gdanim import __version__
from gdanim.cli import main


def gdanim(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gdanim", *args], capture_output=True, text=True, cwd=cwd)


def imported_modules(*args: str) -> set[str]:
    """Top-level packages imported by `python -m gdanim ARGS`, from -X importtime."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "gdanim", *args],
                          capture_output=True, text=True)
    return {line.split("|")[-1].strip().split(".")[0] for line in done.stderr.splitlines() if "|" in line}


def test_help_lists_the_commands():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("validate", "record", "schema"):
        assert command in result.output


def test_version_is_printed():
    assert __version__ in CliRunner().invoke(main, ["--version"]).output


def test_help_and_validate_import_neither_torch_nor_matplotlib():
    for args in (["--help"], ["validate", "scenarios/lr.yaml"]):
        mods = imported_modules(*args)
        assert "click" in mods
        assert not mods & {"torch", "matplotlib", "jinja2"}, (args, mods & {"torch", "matplotlib", "jinja2"})
    assert "pydantic" not in imported_modules("--help")


def test_validate_accepts_every_example():
    result = CliRunner().invoke(main, ["validate", *map(str, sorted(Path("scenarios").glob("*.yaml")))])
    assert result.exit_code == 0, result.output
    assert result.output.count(": ok") == 14


def test_a_bad_scenario_exits_2_with_file_line_key_and_no_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("data: {synthetic: {n: 10}}\nepochs: many\nlearning_rate: 0.1\n")
    done = gdanim("record", str(bad), "-o", str(tmp_path / "out"))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert f"{bad}:2: epochs: input should be a valid integer" in done.stderr
    assert f"{bad}:3: learning_rate: unknown key" in done.stderr
    assert not (tmp_path / "out").exists()  # nothing written for a scenario that fails


def test_one_bad_file_among_good_ones_writes_nothing(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("data: {points: {x: [1], y: [1]}}\n")
    result = CliRunner().invoke(main, ["record", "scenarios/gradients.yaml", str(bad), "-o", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "at least 2 points" in result.output
    assert not (tmp_path / "o").exists()


def test_a_missing_scenario_file_is_a_clean_error(tmp_path):
    done = gdanim("validate", str(tmp_path / "nope.yaml"))
    assert done.returncode == 2 and "no such scenario file" in done.stderr and "Traceback" not in done.stderr


def test_record_writes_the_trace_and_csvs_under_the_stem(tmp_path):
    result = CliRunner().invoke(main, ["record", "scenarios/gradients.yaml", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    folder = tmp_path / "gradients"
    assert sorted(p.name for p in folder.iterdir()) == [
        "analytic.csv", "autograd.csv", "manifest.json", "numerical-delta-0.1.csv", "trace.json"]
    assert not list(folder.glob(".*"))  # no temporary files left behind


def test_schema_prints_the_json_schema_kept_beside_the_examples():
    result = CliRunner().invoke(main, ["schema"])
    doc = json.loads(result.output)
    assert doc["title"].startswith("gdanim scenario")
    assert {"data", "runs", "lr", "epochs", "render", "sweep"} <= set(doc["properties"])
    kept = Path("scenarios/gdanim.schema.json").read_text()
    assert kept == result.output, "refresh it: gdanim schema > scenarios/gdanim.schema.json"


def test_python_dash_m_gdanim_works():
    done = gdanim("--version")
    assert done.returncode == 0 and __version__ in done.stdout


@pytest.mark.parametrize("args", [["record"], ["validate"]])
def test_commands_without_scenarios_are_usage_errors(args):
    assert CliRunner().invoke(main, args).exit_code == 2
