"""manifest.json and `gdanim verify`: where a folder came from, the same bytes twice, and
every change since named in one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from render_support import probe

from gdanim.manifest import SCHEMA, sha256_of

CSV_SCENARIO = """\
title: from a file
data: {csv: {path: points.csv, x: [x], y: y}}
init: [0.0, 0.0]
loss: mse
optimizer: sgd
lr: 0.05
epochs: 3
batch_size: 2
seed: 11
runs: [{lr: 0.05}, {lr: 0.1, batch_size: null}]
render: {preset: thumb, hold: 0.2, fps: 30, formats: [mp4, gif, png], panels: [fit]}
"""


def gdanim(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1764400000"}
    return subprocess.run([sys.executable, "-m", "gdanim", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=300)


def csv_scenario(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "points.csv").write_text("x,y\n0,1\n1,3\n2,5\n3,6.5\n4,9.2\n", encoding="utf-8")
    path = folder / "fit.yaml"
    path.write_text(CSV_SCENARIO, encoding="utf-8")
    return path


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    root = tmp_path_factory.mktemp("manifest")
    source = csv_scenario(root / "src")
    for out in ("a", "b"):
        proc = gdanim("render", "src/fit.yaml", "-o", str(root / out), "--jobs", "1", "--quiet", cwd=root)
        assert proc.returncode == 0, proc.stderr
    return root, source


def test_the_manifest_names_the_sources_seeds_versions_and_command(rendered):
    root, source = rendered
    m = json.loads((root / "a/fit/manifest.json").read_text(encoding="utf-8"))
    assert m["schema"] == SCHEMA and m["created"] == "2025-11-29T07:06:40Z"
    assert m["scenario"]["sha256"] == sha256_of(source) and m["scenario"]["path"] == "src/fit.yaml"
    assert [(d["name"], d["path"]) for d in m["data"]] == [("points.csv", "src/points.csv")]
    assert m["data"][0]["sha256"] == sha256_of(source.parent / "points.csv")
    assert m["seeds"] == {"data": None, "shuffle": {"lr-0.05": 11}}
    assert {"gdanim", "python", "torch", "numpy", "matplotlib", "ffmpeg"} <= set(m["versions"])
    assert all(m["versions"][k] for k in ("gdanim", "python", "torch", "numpy", "matplotlib", "ffmpeg"))
    assert m["command"]["name"] == "render" and m["command"]["argv"][:2] == ["gdanim", "render"]


def test_every_file_written_is_listed_with_its_size_and_sha256(rendered):
    root, _ = rendered
    folder = root / "a/fit"
    m = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    on_disk = {k for k in files(folder) if k != "manifest.json"}
    assert set(m["outputs"]) == on_disk
    for name, entry in m["outputs"].items():
        assert entry == {"bytes": (folder / name).stat().st_size, "sha256": sha256_of(folder / name)}


def test_each_animation_maps_every_decoded_frame_to_an_epoch(rendered):
    root, _ = rendered
    folder = root / "a/fit"
    m = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert set(m["animations"]) == {"lr-0.05", "lr-0.1", "compare"}
    for name, anim in m["animations"].items():
        assert anim["files"] == [f"{name}.mp4", f"{name}.gif"]
        assert len(anim["frame_epochs"]) == anim["frames"] == probe(folder / f"{name}.mp4").frames
        hold = anim["hold_frames"]
        assert hold >= 1.5 * anim["fps"] - 1 and anim["frame_epochs"][-1] == anim["frame_epochs"][-1 - hold] == 3.0
        assert anim["frame_epochs"] == sorted(anim["frame_epochs"]) and anim["frame_epochs"][0] == 0.0
    minibatch = m["animations"]["lr-0.05"]["frame_epochs"]
    shown = [e for e in minibatch if e in (round(1 / 3, 6), round(2 / 3, 6), 1.0, 2.0)]
    assert sorted(set(shown)) == [round(1 / 3, 6), round(2 / 3, 6), 1.0, 2.0]  # 3 steps an epoch, each on a frame
    assert any(0 < e < 1 / 3 for e in minibatch)  # gliding between them


def test_the_same_scenario_twice_gives_the_same_bytes_in_every_file(rendered):
    """trace.json, CSVs, PNG (no time stamp), GIF, MP4 (no creation time, x264's thread
    count fixed) and the pages (the same SOURCE_DATE_EPOCH): all byte for byte."""
    root, _ = rendered
    a, b = files(root / "a/fit"), files(root / "b/fit")
    assert set(a) == set(b)
    differ = [name for name in a if a[name] != b[name] and name != "manifest.json"]
    assert differ == []
    ma, mb = (json.loads(x["manifest.json"]) for x in (a, b))
    assert ma["outputs"] == mb["outputs"] and ma["animations"] == mb["animations"]


def test_recording_twice_gives_the_same_trace_and_csv_bytes(tmp_path):
    source = csv_scenario(tmp_path / "src")
    for out in ("a", "b"):
        assert gdanim("record", str(source), "-o", str(tmp_path / out)).returncode == 0
    a, b = files(tmp_path / "a/fit"), files(tmp_path / "b/fit")
    assert {"trace.json", "lr-0.05.csv", "lr-0.1.csv"} <= set(a)
    assert all(a[k] == b[k] for k in a if k != "manifest.json")


# --- gdanim verify ----------------------------------------------------------------------


@pytest.fixture
def copy(rendered, tmp_path):
    """A private copy of a rendered folder and its sources (the manifest points at them)."""
    root, _ = rendered
    source = csv_scenario(tmp_path / "src")
    assert gdanim("record", str(source), "-o", str(tmp_path / "out")).returncode == 0
    return tmp_path / "out" / "fit", source


def test_verify_passes_an_untouched_folder_and_a_rerun(copy):
    folder, _ = copy
    proc = gdanim("verify", str(folder), "--rerun")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 folder(s) match their manifests and build again the same" in proc.stdout


def test_verify_names_a_changed_scenario_and_a_changed_data_file(copy):
    folder, source = copy
    source.write_text(source.read_text() + "# edited\n")
    (source.parent / "points.csv").write_text("x,y\n0,1\n1,3\n2,5\n3,6.5\n4,9.3\n")
    proc = gdanim("verify", str(folder), cwd=Path.cwd())  # the manifest's paths are relative to here
    assert proc.returncode == 1
    shown = Path(os.path.relpath(source, Path.cwd()))
    assert proc.stdout.splitlines() == [f"{folder}: scenario changed since the build: {shown}",
                                        f"{folder}: data file changed since the build: {shown.parent / 'points.csv'}"]


def test_verify_names_a_tampered_and_a_missing_output(copy):
    folder, _ = copy
    (folder / "lr-0.1.csv").unlink()
    with open(folder / "lr-0.05.csv", "a") as fh:
        fh.write("0,0,0,0,0,0,0\n")
    proc = gdanim("verify", str(folder.parent))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stdout.splitlines() == [f"{folder}: output changed since the build: lr-0.05.csv",
                                        f"{folder}: output missing: lr-0.1.csv"]


def test_verify_rerun_reports_the_largest_difference_of_a_trace_that_differs(copy):
    folder, _ = copy
    trace = json.loads((folder / "trace.json").read_text())
    trace["runs"][1]["steps"][2]["loss"] += 0.25
    trace["runs"][0]["steps"][0]["loss"] += 0.001
    (folder / "trace.json").write_text(json.dumps(trace))
    proc = gdanim("verify", str(folder), "--rerun")
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert f"{folder}: output changed since the build: trace.json" in lines
    rerun = [line for line in lines if "rerun:" in line]
    assert len(rerun) == 1 and "largest difference 0.25 at runs[1].steps[2].loss" in rerun[0]
    assert rerun[0].endswith("same versions")


def test_verify_exits_2_for_a_folder_that_is_not_there_or_has_no_manifest(tmp_path):
    proc = gdanim("verify", str(tmp_path / "nowhere"))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    proc = gdanim("verify", str(tmp_path))
    assert proc.returncode == 2 and "no manifest.json" in proc.stderr


# --- the site ---------------------------------------------------------------------------


def test_a_site_shows_how_it_was_made_and_drops_the_folders_of_removed_scenarios(tmp_path):
    src = tmp_path / "src"
    csv_scenario(src)
    (src / "other.yaml").write_text(CSV_SCENARIO.replace("formats: [mp4, gif, png]", "formats: [png]")
                                    .replace("title: from a file", "title: other"), encoding="utf-8")
    site = tmp_path / "site"
    proc = gdanim("site", str(src), "-o", str(site), "--jobs", "1", "--quiet")
    assert proc.returncode == 0, proc.stderr
    page = (site / "fit" / "index.html").read_text(encoding="utf-8")
    assert 'href="manifest.json"' in page and f"sha256 {sha256_of(src / 'fit.yaml')[:12]}" in page
    assert "Built 2025-11-29 with gdanim" in page and "torch" in page
    assert "Built 2025-11-29 with gdanim" in (site / "index.html").read_text(encoding="utf-8")
    assert gdanim("verify", str(site)).returncode == 0

    (site / "other" / "notes.txt").write_text("mine")  # a file gdanim did not write
    (site / "slides").mkdir()  # a folder gdanim did not make
    (site / "slides" / "deck.pdf").write_text("pdf")
    (src / "other.yaml").unlink()
    proc = gdanim("site", str(src), "-o", str(site), "--jobs", "1")
    assert proc.returncode == 0, proc.stderr
    assert "other: removed" in proc.stdout
    assert [p.name for p in (site / "other").rglob("*")] == ["notes.txt"]
    assert (site / "slides" / "deck.pdf").read_text() == "pdf"
    assert 'href="other/index.html"' not in (site / "index.html").read_text(encoding="utf-8")
    assert (site / "fit" / "manifest.json").is_file()
    proc = gdanim("verify", str(site))  # the user's files are there, and named as not built
    assert proc.returncode == 1 and proc.stdout.splitlines() == [
        f"{site}: file not in the manifest (added since the build): other/notes.txt",
        f"{site}: file not in the manifest (added since the build): slides/deck.pdf"]


def two_scenario_site(tmp_path: Path) -> tuple[Path, Path]:
    """A site of two scenarios with posters only, fit and more; returns (sources, site)."""
    src = tmp_path / "src"
    csv_scenario(src)
    (src / "fit.yaml").write_text(CSV_SCENARIO.replace("formats: [mp4, gif, png]", "formats: [png]"))
    (src / "more.yaml").write_text((src / "fit.yaml").read_text())
    site = tmp_path / "site"
    assert gdanim("site", str(src), "-o", str(site), "--jobs", "1", "--quiet").returncode == 0
    return src, site


def test_a_site_has_its_own_manifest_and_verify_checks_its_index_assets_and_folders(tmp_path):
    src, site = two_scenario_site(tmp_path)
    manifest = json.loads((site / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["schema"] == SCHEMA and manifest["kind"] == "site" and manifest["scenarios"] == ["fit", "more"]
    assert manifest["command"]["name"] == "site" and manifest["versions"]["torch"]
    on_disk = {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()
               and p.parent in (site, site / "assets")} - {"manifest.json", ".gdanim-site.lock"}
    assert set(manifest["outputs"]) == on_disk and {"index.html", "assets/site.css"} <= on_disk
    for name, entry in manifest["outputs"].items():
        assert entry == {"bytes": (site / name).stat().st_size, "sha256": sha256_of(site / name)}, name
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "Every page and file of the site is listed in <a href=\"manifest.json\">manifest.json</a>" in index
    proc = gdanim("verify", str(site))
    assert proc.returncode == 0 and "3 folder(s)" in proc.stdout, proc.stdout + proc.stderr

    before = (site / "manifest.json").read_bytes()
    assert gdanim("site", str(src), "-o", str(site), "--jobs", "1", "--quiet").returncode == 0
    assert (site / "manifest.json").read_bytes() == before  # an unchanged site keeps its manifest

    (site / "index.html").write_text(index.replace("more", "less"), encoding="utf-8")
    (site / "assets" / "site.js").unlink()
    (site / "more").rename(tmp_path / "more-moved")
    proc = gdanim("verify", str(site))
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [f"{site}: output missing: assets/site.js",
                                        f"{site}: output changed since the build: index.html",
                                        f"{site}: scenario folder missing: more"]


def test_a_removed_scenario_whose_folder_holds_nothing_else_leaves_no_folder(tmp_path):
    src, site = two_scenario_site(tmp_path)
    (src / "more.yaml").unlink()
    assert gdanim("site", str(src), "-o", str(site), "--jobs", "1", "--quiet").returncode == 0
    assert sorted(p.name for p in site.iterdir()) == [".gdanim-site.lock", ".nojekyll", "assets", "fit",
                                                      "index.html", "manifest.json"]
    assert json.loads((site / "manifest.json").read_text(encoding="utf-8"))["scenarios"] == ["fit"]


KERNELS_SCENARIO = """\
title: kernels
data: {synthetic: {n: 30, seed: 4, x: randn, params: [1.0, 2.0], noise: 0.5}}
init: [-2.0, 3.0]
loss: mse
epochs: 40
runs: [{name: gd, optimizer: gd, lr: 0.2}, {name: adam, optimizer: adam, lr: 0.1}]
"""
# torch's generic kernels and MKL's most compatible code path: the sums of another CPU
OTHER_KERNELS = {"ATEN_CPU_CAPABILITY": "default", "MKL_CBWR": "COMPATIBLE"}


def test_verify_rerun_on_other_kernels_names_a_rounding_difference_and_still_catches_a_change(tmp_path):
    source = tmp_path / "kernels.yaml"
    source.write_text(KERNELS_SCENARIO, encoding="utf-8")
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1764400000", **OTHER_KERNELS}
    recorded = subprocess.run([sys.executable, "-m", "gdanim", "record", str(source), "-o", str(tmp_path / "out")],
                              capture_output=True, text=True, env=env, timeout=300)
    assert recorded.returncode == 0, recorded.stderr
    folder = tmp_path / "out" / "kernels"
    proc = gdanim("verify", str(folder), "--rerun")
    rerun = [line for line in proc.stdout.splitlines() if "rerun:" in line]
    if not rerun:
        pytest.skip(f"this machine's kernels give the same bits with {OTHER_KERNELS} as without")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert len(rerun) == 1 and "differs within float32 rounding only" in rerun[0], rerun
    assert proc.stdout.splitlines()[-1] == "1 folder(s) match their manifests and build again the same within " \
                                          "float32 rounding"

    trace = json.loads((folder / "trace.json").read_text())  # a real change, where only a rerun can tell
    trace["runs"][1]["steps"][20]["params"][1] *= 1.001
    (folder / "trace.json").write_text(json.dumps(trace))
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["outputs"]["trace.json"].update(sha256=sha256_of(folder / "trace.json"),
                                             bytes=(folder / "trace.json").stat().st_size)
    (folder / "manifest.json").write_text(json.dumps(manifest))
    proc = gdanim("verify", str(folder), "--rerun")
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [line for line in proc.stdout.splitlines() if "rerun:" in line]
    assert "beyond float32 rounding: runs[1] (adam) is " in proc.stdout
