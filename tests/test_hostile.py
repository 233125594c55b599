"""Hostile and unlucky scenario files (tests/hostile/): each ends in one line and a
documented exit code, reads nothing outside the scenario's folder, writes nothing
outside the output folder and leaves the user's files as they were.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from gdanim.datafile import MAX_DATA_BYTES, neutralize, published_csv

HOSTILE = Path(__file__).resolve().parent / "hostile"
TESTED = {**os.environ, "PYTHONPATH": str(HOSTILE.parent.parent)}
"The tree under test comes first in a child process, whatever its folder."


def gdanim(*args: str, cwd: Path | None = None, limit: int | None = None,
           timeout: float = 120) -> subprocess.CompletedProcess:
    """The command in a fresh process, its address space limited to `limit` bytes if given."""
    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return subprocess.run([sys.executable, "-m", "gdanim", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=timeout, preexec_fn=cap if limit else None, env=TESTED)


def one_line(proc: subprocess.CompletedProcess, code: int) -> str:
    """The single error line of a run that exited with `code`."""
    assert proc.returncode == code, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


def hostile(tmp_path: Path, *names: str) -> Path:
    """The named corpus files copied into tmp_path/scenarios; returns that folder."""
    folder = tmp_path / "scenarios"
    folder.mkdir(exist_ok=True)
    for name in names:
        shutil.copy(HOSTILE / name, folder / name)
    return folder


def csv_scenario(folder: Path, path: str, name: str = "s.yaml") -> Path:
    scenario = folder / name
    scenario.write_text(f"data:\n  csv: {{path: '{path}', x: [x], y: y}}\nepochs: 2\n", encoding="utf-8")
    return scenario


# --- data paths ---------------------------------------------------------------------------


def test_an_absolute_data_path_is_refused_without_printing_the_file(tmp_path):
    folder = hostile(tmp_path, "environ.yaml")
    line = one_line(gdanim("validate", str(folder / "environ.yaml")), 2)
    assert "data.csv.path: a path relative to the scenario's folder is expected" in line
    assert os.environ["PATH"] not in line and "HOME=" not in line


def test_a_path_that_leaves_the_folder_is_refused_unless_a_data_root_allows_it(tmp_path):
    folder = hostile(tmp_path, "escape.yaml")
    private = tmp_path / "private"
    private.mkdir()
    (private / "grades.csv").write_text("hours,grade,student\n1,50,ann\n2,60,bob\n3,75,cy\n")
    line = one_line(gdanim("validate", str(folder / "escape.yaml")), 2)
    assert "which leaves it" in line and "ann" not in line
    proc = gdanim("validate", str(folder / "escape.yaml"), "--data-root", str(tmp_path))
    assert proc.returncode == 0, proc.stderr


def test_a_symlink_out_of_the_folder_is_refused_after_resolving_it(tmp_path):
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (tmp_path / "secret.csv").write_text("x,y\n0,1\n1,2\n")
    (folder / "data.csv").symlink_to(tmp_path / "secret.csv")
    line = one_line(gdanim("validate", str(csv_scenario(folder, "data.csv"))), 2)
    assert "a file inside the scenario's folder is expected" in line


def test_a_fifo_is_refused_at_once_rather_than_waited_on(tmp_path):
    folder = tmp_path / "scenarios"
    folder.mkdir()
    os.mkfifo(folder / "pipe.csv")
    line = one_line(gdanim("validate", str(csv_scenario(folder, "pipe.csv")), timeout=30), 2)
    assert "a regular file is expected, got a FIFO" in line


def test_dev_zero_is_refused_even_inside_a_data_root(tmp_path):
    folder = tmp_path / "scenarios"
    folder.mkdir()
    line = one_line(gdanim("validate", str(csv_scenario(folder, "/dev/zero")), "--data-root", "/",
                           timeout=30), 2)
    assert "a regular file is expected, got a device" in line


def test_a_data_file_past_the_size_bound_is_refused_unread(tmp_path):
    folder = tmp_path / "scenarios"
    folder.mkdir()
    with open(folder / "big.csv", "wb") as fh:
        fh.write(b"x,y\n")
        fh.truncate(MAX_DATA_BYTES + 1)  # sparse: nothing is really written
    line = one_line(gdanim("validate", str(csv_scenario(folder, "big.csv")), timeout=30), 2)
    assert "a data file of at most 64 MiB is expected" in line


def test_messages_quote_only_a_short_cleaned_excerpt_of_the_data(tmp_path):
    folder = tmp_path / "scenarios"
    folder.mkdir()
    secret = "TOKEN" + "s" * 200
    (folder / "d.csv").write_text(f"{secret},y\n1,2\n")
    line = one_line(gdanim("validate", str(csv_scenario(folder, "d.csv"))), 2)
    assert secret not in line and "TOKENsss" in line and len(line) < 300
    (folder / "d.csv").write_text(f"x,y\n1,2\n1,{secret}\x1b[2J\n")
    line = one_line(gdanim("validate", str(csv_scenario(folder, "d.csv"))), 2)
    assert secret not in line and "\x1b" not in line and "d.csv':3: numbers are expected" in line


def test_duplicate_columns_are_refused(tmp_path):
    folder = hostile(tmp_path, "duplicate_columns.yaml", "duplicate_columns.csv")
    line = one_line(gdanim("validate", str(folder / "duplicate_columns.yaml")), 2)
    assert "column names given once are expected" in line and "'x' twice" in line


# --- bounded work, strict numbers -----------------------------------------------------------


def test_an_alias_bomb_is_refused_quickly_in_one_line(tmp_path):
    folder = hostile(tmp_path, "alias_bomb.yaml")
    line = one_line(gdanim("validate", str(folder / "alias_bomb.yaml"), timeout=30), 2)
    assert "at most 200,000 values are expected once aliases are expanded" in line


def test_a_seed_outside_torchs_range_is_refused_with_the_range(tmp_path):
    folder = hostile(tmp_path, "seed_too_large.yaml")
    line = one_line(gdanim("validate", str(folder / "seed_too_large.yaml")), 2)
    assert "data.synthetic.seed: input should be less than or equal to 18446744073709551615" in line


def test_the_largest_seed_torch_takes_records(tmp_path):
    path = tmp_path / "seed.yaml"
    path.write_text((HOSTILE / "seed_too_large.yaml").read_text().replace("18446744073709551616",
                                                                         "18446744073709551615"))
    proc = gdanim("record", str(path), "-o", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr


def test_a_boolean_is_not_a_number(tmp_path):
    folder = hostile(tmp_path, "lr_true.yaml")
    line = one_line(gdanim("validate", str(folder / "lr_true.yaml")), 2)
    assert "lr: input should be a valid number, got True" in line


def test_a_sweep_too_large_for_memory_is_refused_before_anything_is_allocated(tmp_path):
    folder = hostile(tmp_path, "huge_sweep.yaml")
    line = one_line(gdanim("record", str(folder / "huge_sweep.yaml"), "-o", str(tmp_path / "out")), 2)
    assert "sweep: at most 8 GiB to record is expected, got about 149.1 GiB" in line
    assert not (tmp_path / "out").exists()


def test_recording_under_a_memory_limit_ends_in_one_line(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("data:\n  synthetic: {n: 20000}\nepochs: 300\nsweep: {lr: {from: 1.0e-6, to: 1.0e-3, "
                    "num: 6000}}\n")
    line = one_line(gdanim("record", str(path), "-o", str(tmp_path / "out"), limit=900 << 20, timeout=300), 1)
    assert line.startswith("error: ") and ("memory" in line or "cannot load" in line)


def test_a_real_allocation_failure_in_the_recorder_is_a_machine_error(tmp_path):
    script = textwrap.dedent("""
        import resource, numpy as np
        from gdanim.api import settings_of
        from gdanim import schema
        from gdanim.errors import MachineError
        from gdanim.recorder import record_runs
        size = int(open('/proc/self/status').read().split('VmSize:')[1].split()[0]) * 1024
        resource.setrlimit(resource.RLIMIT_AS, (size + (300 << 20), size + (300 << 20)))
        runs = [settings_of(schema.Training.model_validate({'lr': 1e-6 * (i + 1), 'epochs': 1_000_000,
                                                             'name': f'r{i}'})) for i in range(40)]
        try:
            record_runs(np.zeros((4, 1), np.float32), np.zeros(4, np.float32), runs)
        except MachineError as exc:
            print('machine error:', exc)
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert proc.stdout.startswith("machine error: recording ran out of memory (40 run(s) on 4 points"), \
        proc.stdout + proc.stderr


# --- what is drawn and published ----------------------------------------------------------


def test_formula_cells_are_neutralized_and_plain_numbers_kept():
    assert [neutralize(c) for c in ["=1+1", "+A1", "-2+3", "@SUM(A1)", "\tx", "\rx", "-3.5", "+2e-3", "7"]] == [
        "'=1+1", "'+A1", "'-2+3", "'@SUM(A1)", "'\tx", "'\rx", "-3.5", "+2e-3", "7"]
    assert published_csv(["a", "b", "c"], [["1", "=x", "2"], [" "], ["3", "y"]], ["c", "a"]) == b"c,a\n2,1\n,3\n"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    folder = hostile(root, "formulas.yaml", "formulas.csv")
    proc = gdanim("render", "scenarios/formulas.yaml", "-o", "out", "--jobs", "1", "--quiet", cwd=root,
                  timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert (folder / "formulas.csv").read_bytes() == (HOSTILE / "formulas.csv").read_bytes()
    return root / "out" / "formulas"


def test_titles_and_column_names_with_dollars_draw_literally(rendered):
    from matplotlib.image import imread

    pngs = sorted(rendered.glob("*.png"))
    assert [p.name for p in pngs] == ["compare.png", "lr-0.01.png", "lr-0.02.png"]
    assert imread(pngs[1]).shape[:2] == (360, 640)
    assert "Costs $5 and $10 today" in (rendered / "index.html").read_text(encoding="utf-8")


def test_the_published_data_has_only_the_columns_used_with_formulas_neutralized(rendered):
    assert (rendered / "data.csv").read_text() == "temp $\\frac{C$,'=1+y\n0,1\n1,3\n2,5.5\n-3,-4\n"


def test_the_manifest_names_the_scenario_relative_to_the_commands_folder(rendered):
    import json

    manifest = json.loads((rendered / "manifest.json").read_text())
    assert manifest["scenario"]["path"] == "scenarios/formulas.yaml"
    assert manifest["data"][0]["path"] == "scenarios/formulas.csv"
