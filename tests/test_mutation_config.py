"""The mutation run's configuration (setup.cfg's [mutmut], run by bench/mutation.py) names
modules and tests that exist: a module moved or a test file renamed would otherwise drop
out of the mutation run without a word."""

from __future__ import annotations

import configparser
import importlib.util
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# What the mutation run has to cover: the numeric core, the captions and their events,
# the scene, the numbers and rounding, verify and the manifest.
COVERED = {"gdanim/analysis.py", "gdanim/dataset.py", "gdanim/schedules.py", "gdanim/recorder",
           "gdanim/scene/events.py", "gdanim/report/captions.py", "gdanim/scene/schedule.py",
           "gdanim/scene/views.py", "gdanim/scene/timeline.py", "gdanim/scene/surface.py",
           "gdanim/rounding.py", "gdanim/numbers.py", "gdanim/verify.py", "gdanim/manifest.py"}


def _bench():
    spec = importlib.util.spec_from_file_location("mutation_bench", REPO / "bench" / "mutation.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TABLE = _bench().modules(REPO / "setup.cfg")


def test_every_module_the_run_must_cover_is_listed():
    assert not COVERED - set(TABLE), "missing from the mutation run"


@pytest.mark.parametrize("module", sorted(TABLE))
def test_each_listed_module_exists_and_holds_python(module):
    path = REPO / module
    assert path.is_file() and path.suffix == ".py" or path.is_dir() and any(path.glob("*.py")), module


@pytest.mark.parametrize("module", sorted(TABLE))
def test_each_module_names_test_files_and_tests_that_exist(module):
    args = TABLE[module]
    files = [a for a in args if not a.startswith("-")]
    assert files, f"{module} has no test file"
    for arg in files + [a.split("=", 1)[1] for a in args if a.startswith("--deselect=")]:
        file, _, test = arg.partition("::")
        assert (REPO / file).is_file(), f"{module}: {file} does not exist"
        if test:
            assert f"def {test.split('[')[0]}(" in (REPO / file).read_text(encoding="utf-8"), f"{module}: {arg}"


def test_the_tool_mutates_the_package_and_copies_what_the_tests_read():
    cfg = configparser.ConfigParser()
    cfg.read(REPO / "setup.cfg", encoding="utf-8")
    section = cfg["mutmut"]
    assert (REPO / section["source_paths"].strip()).is_dir()
    assert all((REPO / p).exists() for p in section["also_copy"].split())
    assert float(section["timeout_multiplier"]) > 0
