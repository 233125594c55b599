"""Mutation testing with mutmut, run by hand: every small bug mutmut can plant in a module
(an operator, a constant, a comparison, a dropped argument...), each tried against the
test files named for that module in setup.cfg's [mutmut] section.

    python bench/mutation.py gdanim/analysis.py      # one module (or package) of the list
    python bench/mutation.py --all                   # every module, one after the other
    python bench/mutation.py --list                  # the modules and their tests

    python bench/mutation.py --again gdanim/analysis.py   # a quick look after new tests

Each module is run with one worker (a shared 2-core machine) and only its own tests,
from a fresh mutants/ folder; the folder is kept in .mutants/ (one per module, out of
git) for --again, which tries only the mutants that changed and those not killed last
time (after pragmas or other edits in the module, and for a score of record, run afresh:
--again once counted every mutant of an edited module killed). The score is killed /
all mutants: a mutant that survives, times out or that no test runs counts against it.
Lines marked `# pragma: no mutate` hold equivalent mutants (the comment, on the line or
above it, gives the reason); they are not mutated and are counted apart.
Survivors are printed with their diffs (`mutmut show NAME` while mutants/ is there).
"""

from __future__ import annotations

import argparse
import configparser
import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WORK = REPO / "mutants"
KEPT = REPO / ".mutants"
PRAGMA = re.compile(r"#\s*pragma:\s*no mutate")
TARGET = 90.0


def modules(setup_cfg: Path = REPO / "setup.cfg") -> dict[str, list[str]]:
    """setup.cfg's [mutmut] `modules`: a module or package path -> the pytest arguments
    that select its tests (test files, node ids, --deselect=...)."""
    parser = configparser.ConfigParser()
    parser.read(setup_cfg, encoding="utf-8")
    table = {}
    for entry in parser.get("mutmut", "modules").strip().splitlines():
        module, _, tests = entry.partition(":")
        table[module.strip()] = tests.split()
    return table


def sources(module: str) -> list[Path]:
    """The Python files of a module path: the file, or every file of the package."""
    path = REPO / module
    return sorted(path.rglob("*.py")) if path.is_dir() else [path]


def equivalents(module: str) -> int:
    """Lines marked as holding only equivalent mutants."""
    return sum(len(PRAGMA.findall(p.read_text(encoding="utf-8"))) for p in sources(module))


def _mutate(module: str, tests: list[str], names: list[str]) -> None:
    """mutmut on one module with its tests only, in this process (it forks per mutant):
    the mutants not tried yet, or those of `names`."""
    from mutmut import configuration
    from mutmut.__main__ import _run

    pattern = module + "/*" if (REPO / module).is_dir() else module
    configuration._config = dataclasses.replace(
        configuration._load_config(), only_mutate=[pattern], pytest_add_cli_args_test_selection=tests)
    _run(names, max_children=1)


def _in_child(module: str, tests: list[str], names: list[str]) -> None:
    """_mutate in a child process: mutmut keeps its state in globals and may exit()."""
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            _mutate(module, tests, names)
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 1
        finally:
            sys.stdout.flush()
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{module}: mutmut stopped (exit {os.waitstatus_to_exitcode(status)}), see above")


def score(module: str) -> dict:
    """One module's mutants counted by outcome, from mutmut's results in mutants/."""
    from mutmut.stats import status_by_exit_code

    counts: dict[str, int] = {}
    survivors = []
    for source in sources(module):
        meta = WORK / (str(source.relative_to(REPO)) + ".meta")
        if meta.is_file():
            for name, code in json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"].items():
                status = status_by_exit_code[code]
                counts[status] = counts.get(status, 0) + 1
                survivors += [] if status == "killed" else [(name, status)]
    total = sum(counts.values())
    killed = counts.get("killed", 0)
    return {"module": module, "killed": killed, "total": total, "counts": counts,
            "percent": round(100 * killed / total, 1) if total else 0.0,
            "equivalents": equivalents(module), "survivors": sorted(survivors)}


def run_module(module: str, tests: list[str], diffs: bool, again: bool = False) -> dict:
    """Mutate one module and print its score and survivors."""
    os.chdir(REPO)
    shutil.rmtree(WORK, ignore_errors=True)
    kept = KEPT / module.replace("/", ".")
    if again and kept.is_dir():
        kept.rename(WORK)
    else:
        shutil.rmtree(kept, ignore_errors=True)
    try:
        _in_child(module, tests, [])  # the mutants not tried yet: all of them on a first run
        if again and (tried := [name for name, _ in score(module)["survivors"]]):
            _in_child(module, tests, tried)
        s = score(module)
    finally:
        if WORK.is_dir():
            KEPT.mkdir(exist_ok=True)
            shutil.copytree(WORK, kept, symlinks=True, dirs_exist_ok=True)
    print(f"\n{row(s)}")
    for name, status in s["survivors"]:
        print(f"  {status}: {name}")
        if diffs:
            subprocess.run([str(Path(sys.executable).parent / "mutmut"), "show", name], cwd=REPO, check=False)
    return s


def row(s: dict) -> str:
    """A line of bench/README.md's table."""
    return (f"| `{s['module']}` | {s['killed']}/{s['total']} | {s['percent']}% | {s['equivalents']} | "
            f"{'met' if s['percent'] >= TARGET else 'not met'} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help="module paths of setup.cfg's [mutmut] modules")
    parser.add_argument("--all", action="store_true", help="every module of the list")
    parser.add_argument("--list", action="store_true", help="print the modules and their tests")
    parser.add_argument("--again", action="store_true",
                        help="from the module's last run: only changed mutants and those not killed")
    parser.add_argument("--no-diffs", action="store_true", help="name the survivors without their diffs")
    args = parser.parse_args()
    table = modules()
    if args.list:
        for module, tests in table.items():
            print(f"{module}: {' '.join(tests)}")
        return 0
    chosen = list(table) if args.all else args.modules
    unknown = [m for m in chosen if m not in table]
    if unknown or not chosen:
        parser.error(f"name modules of setup.cfg's [mutmut] list: {', '.join(table)}")
    scores = [run_module(m, table[m], diffs=not args.no_diffs, again=args.again) for m in chosen]
    print(f"\n`python bench/mutation.py`, {date.today()}\n")
    print(f"| module | killed | score | equivalents marked | >= {TARGET:g}% |\n|---|---|---|---|---|")
    for s in scores:
        print(row(s))
    return 0 if all(s["percent"] >= TARGET for s in scores) else 1


if __name__ == "__main__":
    sys.exit(main())
