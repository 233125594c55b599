"""gdanim verify proves what it says: added, changed and missing files; manifests that
name paths outside their folder or have the wrong shape; several folders at once; and
--rerun, which builds again and finds a tampered file behind a rehashed manifest."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gdanim.manifest import sha256_of

SCENARIO = """\
title: verified
data:
  points: {x: [0, 1, 2, 3], y: [1, 3, 5.5, 6.5]}
lr: 0.02
epochs: 3
runs: [{lr: 0.02}, {lr: 0.05}]
render: {preset: thumb, max_frames: 3, hold: 0, formats: [png]}
"""


def gdanim(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1764400000", "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    return subprocess.run([sys.executable, "-m", "gdanim", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=600)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("verify")
    (root / "v.yaml").write_text(SCENARIO)
    proc = gdanim("render", "v.yaml", "-o", "out", "--jobs", "1", "--quiet", cwd=root)
    assert proc.returncode == 0, proc.stderr
    return root / "out" / "v"


@pytest.fixture
def folder(built, tmp_path) -> Path:
    """A private copy of the rendered folder (its scenario is gone: the copy beside the page stands in)."""
    return Path(shutil.copytree(built, tmp_path / "v"))


def rehash(folder: Path, **changes) -> None:
    """Rewrite the manifest so that it lists every output as it is now, as a forger would."""
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text())
    for name in manifest["outputs"]:
        manifest["outputs"][name] = {"bytes": (folder / name).stat().st_size, "sha256": sha256_of(folder / name)}
    manifest.update(changes)
    path.write_text(json.dumps(manifest))


def test_an_untouched_copy_passes_and_builds_again_byte_for_byte(folder):
    proc = gdanim("verify", str(folder), "--rerun")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip() == "1 folder(s) match their manifests and build again the same"


def test_added_files_are_named(folder):
    (folder / "evil.html").write_text("<script>alert(1)</script>")
    (folder / "assets" / "extra.js").write_text("alert(1)")
    proc = gdanim("verify", str(folder))
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [
        f"{folder}: file not in the manifest (added since the build): assets/extra.js",
        f"{folder}: file not in the manifest (added since the build): evil.html"]


def test_a_rehashed_manifest_hides_tampering_from_a_plain_check_but_not_from_a_rerun(folder):
    page = folder / "index.html"
    page.write_text(page.read_text(encoding="utf-8").replace("verified", "tampered"), encoding="utf-8")
    png = folder / "lr-0.02.png"
    png.write_bytes(png.read_bytes()[:-12] + b"tampered!!!!")
    with open(folder / "lr-0.05.csv", "a") as fh:
        fh.write("9,9,9\n")
    rehash(folder)
    assert gdanim("verify", str(folder)).returncode == 0  # the hashes agree: only a rebuild can tell
    proc = gdanim("verify", str(folder), "--rerun")
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.splitlines() == [f"{folder}: rerun: {name} differs from the build again"
                                        for name in ("index.html", "lr-0.02.png", "lr-0.05.csv")]


def test_a_rerun_finds_a_tampered_trace_by_its_largest_difference(folder):
    trace = json.loads((folder / "trace.json").read_text())
    trace["runs"][1]["steps"][2]["loss"] += 0.25
    (folder / "trace.json").write_text(json.dumps(trace))
    rehash(folder)
    proc = gdanim("verify", str(folder), "--rerun")
    lines = [line for line in proc.stdout.splitlines() if "trace.json" in line]
    assert proc.returncode == 1 and len(lines) == 1
    assert "largest difference 0.25 at runs[1].steps[2].loss; same versions" in lines[0]


def test_manifest_paths_outside_the_folder_are_refused_unread(folder, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("guess me")
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["outputs"]["../secret.txt"] = {"bytes": 8, "sha256": sha256_of(secret)}
    manifest["outputs"]["/etc/hostname"] = {"bytes": 1, "sha256": "0" * 64}
    (folder / "link.txt").symlink_to(secret)
    manifest["outputs"]["link.txt"] = {"bytes": 8, "sha256": sha256_of(secret)}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    proc = gdanim("verify", str(folder))
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [
        f"{folder}: the manifest names a path outside the folder, not read: '../secret.txt'",
        f"{folder}: the manifest names a path outside the folder, not read: '/etc/hostname'",
        f"{folder}: the manifest names a path outside the folder, not read: 'link.txt'"]


@pytest.mark.parametrize("outputs", [[], {"a.png": 5}, "x"])
def test_a_malformed_manifest_is_one_line_and_exit_1(folder, outputs):
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["outputs"] = outputs
    (folder / "manifest.json").write_text(json.dumps(manifest))
    proc = gdanim("verify", str(folder), "--rerun")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert len(proc.stdout.splitlines()) == 1 and "manifest.json cannot be read: outputs" in proc.stdout


def test_several_folders_are_all_reported_and_a_bad_scenario_stops_none(built, tmp_path):
    good, broken, changed = (Path(shutil.copytree(built, tmp_path / name)) for name in ("good", "broken", "changed"))
    (broken / "scenario.yaml").write_text("data: {points: {x: [1], y: [1]}}\nlr: true\n")
    rehash(broken)
    (changed / "lr-0.05.csv").unlink()
    proc = gdanim("verify", str(tmp_path / "nowhere"), str(broken), str(changed), str(good), "--rerun")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.splitlines() == [f"error: {tmp_path / 'nowhere'}: a rendered folder or a site is "
                                        "expected, got nothing"]
    lines = proc.stdout.splitlines()
    assert [line.split(": ")[0] for line in lines] == [str(broken), str(changed)]
    assert lines[0].startswith(f"{broken}: rerun: cannot build it again: ") and "lr" in lines[0]
    assert lines[1] == f"{changed}: output missing: lr-0.05.csv"


def test_a_rerun_of_a_hostile_copy_reads_nothing_outside_it(folder):
    (folder / "scenario.yaml").write_text("data:\n  csv: {path: /proc/self/environ, x: [a], y: b}\n")
    rehash(folder)
    proc = gdanim("verify", str(folder), "--rerun")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stdout.splitlines() == [f"{folder}: rerun: cannot build it again: {folder / 'v.yaml'}:2: "
                                        "data.csv.path: a path relative to the scenario's folder is expected "
                                        "(--data-root allows others), got the absolute path '/proc/self/environ'"]
