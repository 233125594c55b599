"""What `gdanim verify` tells a lecturer checking a downloaded folder, on folders made by
hand or recorded here without rendering (in process, a few seconds in all): which output
changed, which is missing, which was added; that a manifest path like ../x or /etc/x is
refused without being read; that a manifest is malformed; that a site's index or asset
changed or a scenario folder of it is gone; and, with a rerun, what a fresh build does
not give again. And what manifest.json says of a folder: its files by size and sha256,
its sources, seeds, versions, command and animations. Expected hashes are computed here
with hashlib, never taken from the code under test."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from gdanim import __version__, verify
from gdanim import manifest as mf
from gdanim.errors import GdanimError
from gdanim.verify import Finding, verify_folder, verify_paths

SCHEMA = "gdanim.manifest/1"

SCENARIO = """\
title: verified
data:
  points: {x: [0, 1, 2, 3], y: [1, 3, 5.5, 6.5]}
lr: 0.02
epochs: 3
runs: [{lr: 0.02}, {lr: 0.05}]
"""

CSV_SCENARIO = """\
title: from a file
data: {csv: {path: points.csv, x: [x], y: y}}
lr: 0.05
epochs: 2
batch_size: 2
seed: 11
runs: [{lr: 0.05}, {lr: 0.1, batch_size: null}]
"""


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def entry(data: bytes) -> dict:
    return {"bytes": len(data), "sha256": digest(data)}


def hand_made(folder: Path, files: dict[str, bytes], **extra) -> Path:
    """A scenario folder written by hand: the files and a manifest listing each of them."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    manifest = {"schema": SCHEMA, "scenario": {"path": "gone/none.yaml", "sha256": "0" * 64}, "data": [],
                "outputs": {name: entry(data) for name, data in files.items()}, **extra}
    write(folder, manifest)
    return folder


def write(folder: Path, manifest) -> None:
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def read(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def messages(findings) -> list[str]:
    return [f.message for f in findings]


FILES = {"trace.json": b'{"runs": []}\n', "lr-0.02.csv": b"epoch,loss\n0,1.5\n", "assets/page.js": b"go()\n"}


@pytest.fixture
def folder(tmp_path) -> Path:
    return hand_made(tmp_path / "v", FILES)


# --- a plain check of one folder ---------------------------------------------------------


def test_an_untouched_hand_made_folder_passes(folder):
    assert verify_folder(folder) == []
    assert verify_paths([folder]) == ([], 1)


def test_a_changed_output_is_named(folder):
    (folder / "lr-0.02.csv").write_bytes(b"epoch,loss\n0,9.5\n")  # same size, other bytes
    assert messages(verify_folder(folder)) == ["output changed since the build: lr-0.02.csv"]


def test_an_output_whose_size_alone_disagrees_with_the_manifest_is_changed(folder):
    manifest = read(folder)
    manifest["outputs"]["trace.json"]["bytes"] += 1  # the sha256 still agrees
    write(folder, manifest)
    assert messages(verify_folder(folder)) == ["output changed since the build: trace.json"]


def test_a_missing_output_is_named_and_so_is_each_of_several(folder):
    (folder / "trace.json").unlink()
    (folder / "assets" / "page.js").unlink()
    found = verify_folder(folder)
    assert messages(found) == ["output missing: assets/page.js", "output missing: trace.json"]
    assert all(f.folder == folder and not f.unusable and not f.note for f in found)
    assert [str(f) for f in found] == [f"{folder}: output missing: assets/page.js",
                                       f"{folder}: output missing: trace.json"]


def test_an_output_replaced_by_a_link_or_a_folder_is_not_a_plain_file(folder):
    (folder / "assets" / "page.js").write_bytes(FILES["lr-0.02.csv"])
    manifest = read(folder)
    manifest["outputs"]["assets/page.js"] = entry(FILES["lr-0.02.csv"])
    write(folder, manifest)
    (folder / "lr-0.02.csv").unlink()
    (folder / "lr-0.02.csv").symlink_to("assets/page.js")  # the same bytes, through a link inside
    (folder / "trace.json").unlink()
    (folder / "trace.json").mkdir()
    assert messages(verify_folder(folder)) == ["output is not a plain file: lr-0.02.csv",
                                               "output is not a plain file: trace.json"]


def test_added_files_are_named_in_order_and_the_bookkeeping_files_are_not(folder):
    (folder / "evil.html").write_text("<script>")
    (folder / "assets" / "extra.js").write_text("x")
    (folder / "new").mkdir()
    (folder / "new" / "deep.txt").write_text("x")
    for name in (".gdanim-build.json", ".gdanim-site.lock", ".gdanim.lock"):
        (folder / name).write_text("{}")
    assert messages(verify_folder(folder)) == [
        "file not in the manifest (added since the build): assets/extra.js",
        "file not in the manifest (added since the build): evil.html",
        "file not in the manifest (added since the build): new/deep.txt"]


def test_an_added_link_to_a_folder_is_named_and_not_followed(folder, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("x")
    (folder / "linked").symlink_to(outside)
    assert messages(verify_folder(folder)) == ["file not in the manifest (added since the build): linked"]


def test_an_added_file_with_a_long_or_unprintable_name_is_shown_as_a_quoted_excerpt(folder):
    long = "a" * 121
    (folder / long).write_text("x")
    (folder / ("b" * 120)).write_text("x")
    (folder / "bell\x07.txt").write_text("x")
    assert messages(verify_folder(folder)) == [
        "file not in the manifest (added since the build): " + repr("a" * 120 + "..."),
        "file not in the manifest (added since the build): " + "b" * 120,
        "file not in the manifest (added since the build): 'bell?.txt'"]


@pytest.mark.parametrize("name", ["../x", "/etc/hostname", "assets/../../x", "", "a\0b"])
def test_a_manifest_path_leading_outside_the_folder_is_refused_unread(folder, tmp_path, monkeypatch, name):
    (tmp_path / "x").write_bytes(b"outside")
    manifest = read(folder)
    manifest["outputs"][name] = entry(b"outside")
    write(folder, manifest)
    hashed = []
    real = verify.sha256_of
    monkeypatch.setattr(verify, "sha256_of", lambda p: hashed.append(Path(p)) or real(p))
    shown = repr(name.replace("\0", "?"))
    assert messages(verify_folder(folder)) == [f"the manifest names a path outside the folder, not read: {shown}"]
    assert hashed and all(p.resolve().is_relative_to(folder.resolve()) for p in hashed)


def test_a_manifest_path_through_a_link_out_of_the_folder_is_refused(folder, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x").write_bytes(b"outside")
    (folder / "out").symlink_to(outside)
    manifest = read(folder)
    manifest["outputs"]["out/x"] = entry(b"outside")
    write(folder, manifest)
    assert messages(verify_folder(folder)) == ["the manifest names a path outside the folder, not read: 'out/x'",
                                               "file not in the manifest (added since the build): out"]


# --- malformed manifests ------------------------------------------------------------------

BAD_SHAPES = [
    ({"outputs": []}, "outputs: a mapping of file names is expected, got list"),
    ({"outputs": None}, "outputs: a mapping of file names is expected, got NoneType"),
    ({"outputs": {"a.png": 5}}, "outputs.'a.png': {bytes, sha256} is expected"),
    ({"outputs": {"a.png": {"bytes": "5", "sha256": "0"}}}, "outputs.'a.png': {bytes, sha256} is expected"),
    ({"outputs": {"a.png": {"bytes": 5, "sha256": 0}}}, "outputs.'a.png': {bytes, sha256} is expected"),
    ({"outputs": {"a.png": {"sha256": "0"}}}, "outputs.'a.png': {bytes, sha256} is expected"),
    ({"scenario": None}, "scenario and data: {path, sha256} entries are expected"),
    ({"scenario": {"path": 3, "sha256": "0"}}, "scenario and data: {path, sha256} entries are expected"),
    ({"scenario": {"path": "s.yaml"}}, "scenario and data: {path, sha256} entries are expected"),
    ({"data": None}, "scenario and data: {path, sha256} entries are expected"),
    ({"data": [{"path": "d.csv"}]}, "scenario and data: {path, sha256} entries are expected"),
    ({"data": [{"sha256": "0"}]}, "scenario and data: {path, sha256} entries are expected"),
    ({"kind": "site", "scenarios": "a"}, "scenarios: a list of folder names is expected"),
    ({"kind": "site", "scenarios": ["a", 3]}, "scenarios: a list of folder names is expected"),
]


@pytest.mark.parametrize(("change", "said"), BAD_SHAPES)
def test_a_malformed_manifest_is_one_finding_saying_what_is_wrong(folder, change, said):
    manifest = read(folder)
    manifest.update(change)
    write(folder, manifest)
    found = verify_folder(folder)
    assert messages(found) == [f"manifest.json cannot be read: {said}"] and found[0].folder == folder
    assert verify_paths([folder]) == (found, 1)


def test_a_well_formed_data_entry_and_a_site_with_folder_names_are_accepted(folder):
    manifest = read(folder)
    manifest["data"] = [{"path": "gone/d.csv", "sha256": "0" * 64}]
    write(folder, manifest)
    assert verify_folder(folder) == []
    write(folder, {**manifest, "kind": "site", "scenarios": []})
    assert verify_folder(folder) == []


@pytest.mark.parametrize(("text", "said"), [("{not json", "Expecting property name"),
                                            ("[]", f"not a {SCHEMA} manifest"),
                                            ('{"schema": "other/1"}', f"not a {SCHEMA} manifest")])
def test_a_manifest_that_is_not_a_gdanim_manifest_cannot_be_read(folder, text, said):
    (folder / "manifest.json").write_text(text)
    [found] = verify_folder(folder)
    assert found.message.startswith("manifest.json cannot be read: ") and said in found.message
    assert verify_paths([folder]) == ([found], 1)  # a broken manifest at the top is still a folder to check


def test_a_manifest_that_is_not_utf8_cannot_be_read(folder):
    (folder / "manifest.json").write_bytes(b'{"schema": "\xff"}')
    [found] = verify_folder(folder)
    assert found.message.startswith("manifest.json cannot be read: ") and "utf-8" in found.message


def test_a_long_output_name_in_an_error_is_cut_short(folder):
    manifest = read(folder)
    manifest["outputs"] = {"x" * 200: 1}
    write(folder, manifest)
    [found] = verify_folder(folder)
    assert found.message == "manifest.json cannot be read: outputs." + repr("x" * 40 + "...") + \
        ": {bytes, sha256} is expected"


def test_a_very_long_error_is_shown_as_a_quoted_excerpt(tmp_path):
    folder = tmp_path / ("v" * 130)
    (folder / "manifest.json").mkdir(parents=True)
    [found] = verify_folder(folder)
    error = f"[Errno 21] Is a directory: '{folder / 'manifest.json'}'"
    assert found.message == "manifest.json cannot be read: " + repr(error[:120] + "...")


# --- the scenario and data files ------------------------------------------------------------


def sourced(tmp_path: Path, monkeypatch) -> tuple[Path, Path, Path]:
    """A folder whose manifest names a scenario and a data file beside the command's folder."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "src").mkdir()
    scenario, data = tmp_path / "src" / "s.yaml", tmp_path / "src" / "d.csv"
    scenario.write_bytes(b"title: s\n")
    data.write_bytes(b"x,y\n0,1\n")
    folder = hand_made(tmp_path / "out" / "s", FILES)
    manifest = read(folder)
    manifest["scenario"] = {"path": "src/s.yaml", "sha256": digest(b"title: s\n")}
    manifest["data"] = [{"path": "src/d.csv", "sha256": digest(b"x,y\n0,1\n")}]
    write(folder, manifest)
    return folder, scenario, data


def test_a_changed_scenario_and_a_changed_data_file_are_named(tmp_path, monkeypatch):
    folder, scenario, data = sourced(tmp_path, monkeypatch)
    assert verify_folder(folder) == []
    scenario.write_bytes(b"title: t\n")
    data.write_bytes(b"x,y\n0,2\n")
    assert {f.folder for f in verify_folder(folder)} == {folder}
    assert messages(verify_folder(folder)) == [f"scenario changed since the build: {Path('src/s.yaml')}",
                                               f"data file changed since the build: {Path('src/d.csv')}"]


def test_sources_that_are_gone_are_not_findings_a_copied_folder_has_none(tmp_path, monkeypatch):
    folder, scenario, data = sourced(tmp_path, monkeypatch)
    scenario.unlink()
    data.unlink()
    assert verify_folder(folder) == []


# --- folders and sites given on the command line --------------------------------------------


def test_a_path_that_is_a_file_or_nothing_or_holds_no_manifest_is_unusable(tmp_path):
    (tmp_path / "file.txt").write_text("x")
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "sub").mkdir()
    found, checked = verify_paths([tmp_path / "file.txt", tmp_path / "nothing", tmp_path / "empty"])
    assert checked == 0
    assert [(f.folder, f.message, f.unusable) for f in found] == [
        (tmp_path / "file.txt", "a rendered folder or a site is expected, got a file", True),
        (tmp_path / "nothing", "a rendered folder or a site is expected, got nothing", True),
        (tmp_path / "empty", "no manifest.json in it or in its folders (built before manifests? render it again)",
         True)]


def test_every_folder_given_is_checked_whatever_the_others_hold(tmp_path):
    good = hand_made(tmp_path / "good", FILES)
    bad = hand_made(tmp_path / "bad", FILES)
    (bad / "trace.json").unlink()
    found, checked = verify_paths([str(tmp_path / "nothing"), str(bad), str(good)])
    assert checked == 2
    assert [str(f) for f in found] == [f"{tmp_path / 'nothing'}: a rendered folder or a site is expected, got nothing",
                                       f"{bad}: output missing: trace.json"]


def test_several_sites_and_folders_given_are_all_checked(tmp_path, folder):
    site = make_site(tmp_path)
    old = tmp_path / "old"
    hand_made(old / "c", FILES)
    assert verify.manifest_folders([folder, site, old]) == ([folder, site, site / "a", site / "b", old / "c"], [])


def test_a_scenario_folder_is_checked_alone_even_with_manifests_below_it(folder):
    hand_made(folder / "inner", {"a.txt": b"a"})
    assert verify.manifest_folders([folder]) == ([folder], [])


def test_an_old_site_without_its_own_manifest_checks_each_scenario_folder(tmp_path):
    site = tmp_path / "site"
    a = hand_made(site / "a", FILES)
    b = hand_made(site / "b", FILES)
    (site / "plain").mkdir()
    (site / "linked").symlink_to(a)
    (b / "lr-0.02.csv").write_bytes(b"changed")
    assert verify.manifest_folders([site]) == ([a, b], [])
    found, checked = verify_paths([site])
    assert checked == 2 and [str(f) for f in found] == [f"{b}: output changed since the build: lr-0.02.csv"]


SITE_FILES = {"index.html": b"<h1>site</h1>", "exercises.html": b"<p>do</p>", ".nojekyll": b"",
              "assets/site.css": b"body{}"}


def make_site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    hand_made(site / "a", FILES)
    hand_made(site / "b", FILES)
    for name, data in SITE_FILES.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_bytes(data)
    mf.write_site_manifest(site, ["b", "a"])
    return site


def test_a_site_is_checked_at_its_top_and_in_each_scenario_folder(tmp_path):
    site = make_site(tmp_path)
    assert verify.manifest_folders([site]) == ([site, site / "a", site / "b"], [])
    assert verify_paths([site]) == ([], 3)


def test_a_site_whose_index_changed_and_asset_went_is_told_so_at_its_top(tmp_path):
    site = make_site(tmp_path)
    (site / "index.html").write_bytes(b"<h1>tampered</h1>")
    (site / "assets" / "site.css").unlink()
    (site / "a" / "trace.json").unlink()
    found, checked = verify_paths([site])
    assert checked == 3
    assert [str(f) for f in found] == [f"{site}: output missing: assets/site.css",
                                       f"{site}: output changed since the build: index.html",
                                       f"{site / 'a'}: output missing: trace.json"]


def test_a_site_whose_scenario_folder_is_gone_says_which(tmp_path):
    site = make_site(tmp_path)
    (site / "b" / "manifest.json").unlink()
    found = verify_folder(site)
    assert messages(found) == [
        "file not in the manifest (added since the build): b/assets/page.js",
        "file not in the manifest (added since the build): b/lr-0.02.csv",
        "file not in the manifest (added since the build): b/trace.json",
        "scenario folder missing: b"]
    assert all(f.folder == site for f in found)


def test_a_file_added_at_a_sites_top_is_named_and_its_scenario_folders_are_left_to_their_own_check(tmp_path):
    site = make_site(tmp_path)
    (site / "extra.html").write_text("x")
    (site / "a" / "added.txt").write_text("x")
    assert [str(f) for f in verify_paths([site])[0]] == [
        f"{site}: file not in the manifest (added since the build): extra.html",
        f"{site / 'a'}: file not in the manifest (added since the build): added.txt"]


def test_a_site_manifest_is_not_a_scenarios_and_a_broken_one_is_checked_as_one_folder(tmp_path):
    site = make_site(tmp_path)
    assert verify._is_site(site) and not verify._is_site(site / "a") and not verify._is_site(tmp_path)
    (site / "manifest.json").write_text("{broken")
    assert verify.manifest_folders([site]) == ([site], [])


# --- --rerun with a build given ------------------------------------------------------------


def rerun_folder(tmp_path: Path, monkeypatch, files=None) -> Path:
    """A folder whose scenario is gone and whose copy sits beside the page."""
    monkeypatch.chdir(tmp_path)
    files = dict(files or {"trace.json": b'{"a": 1}', "lr-0.02.csv": b"1\n", "lr-0.05.csv": b"2\n",
                           "scenario.yaml": SCENARIO.encode()})
    return hand_made(tmp_path / "v", files, scenario={"path": "gone/orig.yaml", "name": "orig.yaml",
                                                      "sha256": digest(SCENARIO.encode())})


def builder(files: dict[str, bytes], seen: list | None = None, trace=None):
    """A build that writes `files` (and the trace as it is, unless given) into a fresh folder."""
    files = {"trace.json": b'{"a": 1}', **files}

    def build(scenario, manifest, tmp):
        if seen is not None:
            seen.append((scenario, manifest, tmp))
        out = tmp / "fresh"
        out.mkdir()
        for name, data in files.items():
            (out / name).write_bytes(data)
        return trace, out
    return build


def test_a_rerun_that_builds_the_same_bytes_finds_nothing_and_builds_the_copy_under_its_own_name(tmp_path, monkeypatch):
    folder = rerun_folder(tmp_path, monkeypatch)
    seen = []
    same = {n: (folder / n).read_bytes() for n in ("trace.json", "lr-0.02.csv", "lr-0.05.csv", "scenario.yaml")}
    assert verify_folder(folder, rerun=True, build=builder(same, seen)) == []
    [(scenario, manifest, tmp)] = seen
    assert scenario.path == folder / "orig.yaml" and scenario.title == "verified"
    assert manifest == read(folder) and not tmp.exists()  # the temporary folder is gone after
    assert tmp.name.startswith("gdanim-verify-")  # one a killed rerun leaves behind says what made it


def test_several_folders_are_all_built_again(tmp_path, monkeypatch):
    folder = rerun_folder(tmp_path, monkeypatch)
    other = hand_made(tmp_path / "w", {n: (folder / n).read_bytes() for n in ("trace.json", "scenario.yaml")},
                      scenario=read(folder)["scenario"])
    seen = []
    fresh = {"lr-0.02.csv": b"other\n", "scenario.yaml": SCENARIO.encode()}
    found, checked = verify_paths([folder, other], rerun=True, build=builder(fresh, seen))
    assert checked == 2 and len(seen) == 2
    assert [str(f) for f in found] == [f"{folder}: rerun: lr-0.05.csv is not made by the build again",
                                       f"{folder}: rerun: lr-0.02.csv differs from the build again"]
    assert verify_paths([folder], build=builder({}, seen)) == ([], 1) and len(seen) == 2


def test_a_plain_check_builds_nothing(tmp_path, monkeypatch):
    folder = rerun_folder(tmp_path, monkeypatch)
    seen = []
    assert verify_folder(folder, build=builder({}, seen)) == [] and seen == []


def test_a_rerun_uses_the_scenario_where_it_still_is_when_unchanged(tmp_path, monkeypatch):
    folder = rerun_folder(tmp_path, monkeypatch)
    (tmp_path / "gone").mkdir()
    (tmp_path / "gone" / "orig.yaml").write_text(SCENARIO)
    seen = []
    verify_folder(folder, rerun=True, build=builder({}, seen))
    assert seen[0][0].path == tmp_path / "gone" / "orig.yaml"
    (tmp_path / "gone" / "orig.yaml").write_text(SCENARIO.replace("verified", "edited"))  # changed: the copy
    verify_folder(folder, rerun=True, build=builder({}, seen))
    assert seen[1][0].path == folder / "orig.yaml" and seen[1][0].title == "verified"


def test_a_rerun_names_the_file_of_the_copy_when_the_manifest_names_none(tmp_path, monkeypatch):
    folder = rerun_folder(tmp_path, monkeypatch)
    manifest = read(folder)
    del manifest["scenario"]["name"]
    write(folder, manifest)
    seen = []
    verify_folder(folder, rerun=True, build=builder({}, seen))
    assert seen[0][0].path == folder / "scenario.yaml"


def test_a_rerun_names_outputs_that_differ_or_are_not_made_again(tmp_path, monkeypatch):
    folder = rerun_folder(tmp_path, monkeypatch)
    fresh = {"trace.json": b'{"a": 1}', "lr-0.02.csv": b"other\n", "scenario.yaml": SCENARIO.encode()}
    found = verify_folder(folder, rerun=True, build=builder(fresh))
    assert messages(found) == ["rerun: lr-0.05.csv is not made by the build again",
                               "rerun: lr-0.02.csv differs from the build again"]
    assert not any(f.note for f in found) and {f.folder for f in found} == {folder}


def test_a_rerun_that_writes_no_trace_says_so_and_compares_the_rest(tmp_path, monkeypatch):
    folder = rerun_folder(tmp_path, monkeypatch)
    build = builder({"lr-0.02.csv": (folder / "lr-0.02.csv").read_bytes(), "lr-0.05.csv": b"other\n",
                     "scenario.yaml": SCENARIO.encode()})

    def no_trace(scenario, manifest, tmp):
        trace, out = build(scenario, manifest, tmp)
        (out / "trace.json").unlink()
        return trace, out

    assert messages(verify_folder(folder, rerun=True, build=no_trace)) == [
        "rerun: trace.json is not made by the build again", "rerun: lr-0.05.csv differs from the build again"]


def test_a_rerun_skips_outputs_already_reported_missing_or_outside(tmp_path, monkeypatch):
    folder = rerun_folder(tmp_path, monkeypatch)
    (folder / "lr-0.05.csv").unlink()
    manifest = read(folder)
    manifest["outputs"]["../x"] = entry(b"x")
    write(folder, manifest)
    fresh = {"trace.json": (folder / "trace.json").read_bytes(), "scenario.yaml": b"other"}
    assert messages(verify_folder(folder, rerun=True, build=builder(fresh))) == [
        "the manifest names a path outside the folder, not read: '../x'", "output missing: lr-0.05.csv",
        "rerun: lr-0.02.csv is not made by the build again", "rerun: scenario.yaml differs from the build again"]


def test_a_rerun_without_the_scenario_or_its_copy_says_so(tmp_path, monkeypatch):
    folder = rerun_folder(tmp_path, monkeypatch)
    (folder / "scenario.yaml").unlink()
    seen = []
    found = verify_folder(folder, rerun=True, build=builder({}, seen))
    assert messages(found)[-1] == "rerun: the scenario is gone ('gone/orig.yaml') and no copy is beside the page"
    assert seen == [] and found[-1].folder == folder
    manifest = read(folder)
    manifest["scenario"]["path"] = "gone/" + "s" * 100
    write(folder, manifest)
    assert messages(verify_folder(folder, rerun=True, build=builder({})))[-1] == \
        f"rerun: the scenario is gone ({('gone/' + 's' * 75 + '...')!r}) and no copy is beside the page"


def test_a_rerun_whose_copy_cannot_be_read_says_it_cannot_build(tmp_path, monkeypatch):
    folder = rerun_folder(tmp_path, monkeypatch)
    (folder / "scenario.yaml").write_bytes(b"title: \xff\n")
    manifest = read(folder)
    manifest["outputs"]["scenario.yaml"] = entry(b"title: \xff\n")
    write(folder, manifest)
    [found] = verify_folder(folder, rerun=True, build=builder({}))
    assert found.message.startswith(f"rerun: cannot build it again: cannot read {folder / 'scenario.yaml'}: ")


def test_a_rerun_whose_build_fails_gives_the_first_line_of_the_error_cut_short(tmp_path, monkeypatch):
    folder = rerun_folder(tmp_path, monkeypatch)

    def failing(scenario, manifest, tmp):
        raise GdanimError("x" * 400 + "\nsecond line")
    [found] = verify_folder(folder, rerun=True, build=failing)
    assert found.message == "rerun: cannot build it again: " + "x" * 300 and not found.unusable
    assert found.folder == folder


# --- --rerun: the trace ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """A scenario recorded here (trace.json, CSVs) with its manifest, as `gdanim record` leaves it."""
    from gdanim.api import record_to
    from gdanim.scenario import load_scenario

    root = tmp_path_factory.mktemp("recorded")
    (root / "v.yaml").write_text(SCENARIO, encoding="utf-8")
    scenario = load_scenario(root / "v.yaml")
    trace, folder = record_to(scenario, root / "out")
    mf.write_manifest(folder, scenario, trace, command="record", options={"output": root / "out", "none": None})
    return root, folder, scenario, trace


def rehash(folder: Path) -> None:
    """The manifest rewritten to list every output as it is now, as a forger would."""
    manifest = read(folder)
    for name in manifest["outputs"]:
        manifest["outputs"][name] = entry((folder / name).read_bytes())
    write(folder, manifest)


@pytest.fixture
def copy(recorded, tmp_path):
    import shutil

    _, folder, _, _ = recorded  # its manifest names the scenario relative to where the tests run
    return Path(shutil.copytree(folder, tmp_path / "v"))


def test_a_recorded_folder_records_again_the_same(copy):
    assert verify_folder(copy, rerun=True) == []


def test_a_rerun_records_into_a_temporary_folder_and_leaves_the_working_folder_as_it_was(recorded, copy, tmp_path,
                                                                                        monkeypatch):
    root = recorded[0]
    manifest = read(copy)
    manifest["scenario"]["path"] = str(root / "v.yaml")
    write(copy, manifest)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    assert verify_folder(copy, rerun=True) == []
    assert list(work.iterdir()) == []


def test_a_tampered_trace_behind_a_rehashed_manifest_is_found_by_a_rerun_alone(copy):
    trace = json.loads((copy / "trace.json").read_text())
    trace["runs"][1]["steps"][2]["loss"] += 0.25
    (copy / "trace.json").write_text(json.dumps(trace))
    rehash(copy)
    assert verify_folder(copy) == []
    [found] = verify_folder(copy, rerun=True)
    assert found.message.startswith("rerun: trace.json differs; beyond float32 rounding: ")
    assert found.message.endswith("; largest difference 0.25 at runs[1].steps[2].loss; same versions")
    assert not found.note


def test_a_trace_that_differs_within_float32_rounding_is_a_note_naming_the_files_made_from_it(recorded, tmp_path):
    _, folder, _, trace = recorded
    old = json.loads((folder / "trace.json").read_text())
    step = old["runs"][0]["steps"][1]
    step["loss"] = float(np.nextafter(np.float32(step["loss"]), np.float32(np.inf)))  # one float32 step
    again = tmp_path / "again"
    again.mkdir()
    (again / "trace.json").write_text(json.dumps(old))
    for name in ("lr-0.02.csv", "lr-0.05.csv"):
        (again / name).write_bytes((folder / name).read_bytes() + b"#")
    manifest = read(folder)
    [found] = verify.compare_outputs(folder, again, trace, manifest)
    assert found.note and found.folder == folder
    assert found.message.startswith("rerun: trace.json differs within float32 rounding only (another CPU's kernels); "
                                    "largest difference ")
    assert found.message.endswith(" at runs[0].steps[1].loss; same versions; 2 file(s) made from it differ as well: "
                                  "lr-0.02.csv, lr-0.05.csv")
    (again / "lr-0.02.csv").unlink()  # one not made again is a finding of its own, the other still a note's
    found = list(verify.compare_outputs(folder, again, trace, manifest))
    assert [f.note for f in found] == [True, False]
    assert found[0].message.endswith("; 1 file(s) made from it differ as well: lr-0.05.csv")
    assert found[1].message == "rerun: lr-0.02.csv is not made by the build again"


def test_the_note_names_at_most_eight_files(recorded, tmp_path):
    _, folder, _, trace = recorded
    old = json.loads((folder / "trace.json").read_text())
    step = old["runs"][0]["steps"][1]
    step["loss"] = float(np.nextafter(np.float32(step["loss"]), np.float32(np.inf)))
    own, again = tmp_path / "own", tmp_path / "again"
    own.mkdir()
    again.mkdir()
    (own / "trace.json").write_bytes((folder / "trace.json").read_bytes())
    (again / "trace.json").write_text(json.dumps(old))
    names = [f"f{i}.csv" for i in range(10)]
    for name in names:
        (own / name).write_text("a")
        (again / name).write_text("b")
    manifest = {"outputs": {n: {} for n in ["trace.json", *names]}}
    [found] = verify.compare_outputs(own, again, trace, manifest)
    assert found.message.endswith("; 10 file(s) made from it differ as well: " + ", ".join(names[:8]))


def test_files_that_differ_beside_a_trace_changed_beyond_rounding_are_findings_of_their_own(recorded, tmp_path):
    _, folder, _, trace = recorded
    own, again = tmp_path / "own", tmp_path / "again"  # own: the folder checked, tampered; again: the rerun's
    own.mkdir()
    again.mkdir()
    old = json.loads((folder / "trace.json").read_text())
    old["runs"][1]["steps"][2]["loss"] += 0.25
    (own / "trace.json").write_text(json.dumps(old))
    for name in ("trace.json", "lr-0.02.csv", "lr-0.05.csv"):
        (again / name).write_bytes((folder / name).read_bytes())
        if name != "trace.json":
            (own / name).write_bytes((folder / name).read_bytes())
    (again / "lr-0.05.csv").write_bytes(b"other")
    found = list(verify.compare_outputs(own, again, trace, read(folder)))
    assert [f.note for f in found] == [False, False] and {f.folder for f in found} == {own}
    assert found[0].message.endswith("; largest difference 0.25 at runs[1].steps[2].loss; same versions")
    assert found[1].message == "rerun: lr-0.05.csv differs from the build again"


def test_files_that_differ_beside_the_same_trace_are_findings(recorded, tmp_path):
    _, folder, _, trace = recorded
    again = tmp_path / "again"
    again.mkdir()
    for name in ("trace.json", "lr-0.02.csv", "lr-0.05.csv"):
        (again / name).write_bytes((folder / name).read_bytes())
    (again / "lr-0.05.csv").write_bytes(b"other")
    assert messages(verify.compare_outputs(folder, again, trace, read(folder))) == [
        "rerun: lr-0.05.csv differs from the build again"]


def test_a_trace_not_listed_or_not_there_is_not_compared(recorded, tmp_path):
    _, folder, _, trace = recorded
    again = tmp_path / "again"
    again.mkdir()
    (again / "trace.json").write_text("{}")
    for name in ("lr-0.02.csv", "lr-0.05.csv"):
        (again / name).write_bytes((folder / name).read_bytes())
    manifest = read(folder)
    del manifest["outputs"]["trace.json"]
    assert list(verify.compare_outputs(folder, again, trace, manifest)) == []
    bare = tmp_path / "bare"
    bare.mkdir()
    assert list(verify.compare_outputs(bare, again, trace, read(folder))) == []


def test_a_trace_that_is_not_json_and_changed_versions_are_named(recorded, tmp_path, monkeypatch):
    _, folder, _, trace = recorded
    own = tmp_path / "trace.json"
    own.write_text("not json")
    manifest = {"versions": {"torch": "0.0-old", "numpy": mf.versions()["numpy"], "gone": "1"}}
    said, within = verify.compare_traces(own, (folder / "trace.json").read_bytes(), trace, manifest)
    assert not within
    assert said == ("rerun: trace.json differs; beyond float32 rounding: it is not JSON; first difference at "
                    f"the top (not JSON); versions differ: torch 0.0-old -> {mf.versions()['torch']}, gone 1 -> None")
    assert verify.compare_traces(own, b"not json", trace, manifest) is None
    said, _ = verify.compare_traces(own, b"{}", trace, {"versions": ["torch"]})
    assert said.endswith("; same versions")


def test_a_trace_with_another_shape_is_a_first_difference_not_a_size(recorded, tmp_path):
    _, folder, _, trace = recorded
    old = json.loads((folder / "trace.json").read_text())
    old["title"] = "other"
    own = tmp_path / "trace.json"
    own.write_text(json.dumps(old))
    said, within = verify.compare_traces(own, (folder / "trace.json").read_bytes(), trace, {})
    assert not within and "; first difference at title; same versions" in said


# --- manifest.json: what it says of a folder --------------------------------------------------


def test_sha256_of_a_file_larger_than_a_read_block_is_its_hash(tmp_path):
    data = os.urandom((1 << 20) * 2 + 17)
    (tmp_path / "big").write_bytes(data)
    (tmp_path / "empty").write_bytes(b"")
    assert mf.sha256_of(tmp_path / "big") == digest(data)
    assert mf.sha256_of(tmp_path / "empty") == digest(b"")
    assert mf.file_entry(str(tmp_path / "big")) == {"bytes": len(data), "sha256": digest(data)}


def test_a_recorded_folders_manifest_names_its_scenario_outputs_seeds_versions_and_command(recorded, tmp_path,
                                                                                            monkeypatch):
    import shutil

    root, recorded_folder, scenario, trace = recorded
    folder = Path(shutil.copytree(recorded_folder, tmp_path / "v"))
    (folder / "manifest.json").unlink()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "86400")
    monkeypatch.setattr(sys, "argv", ["/usr/bin/gdanim", "record", "v.yaml", "-o", "out"])
    path = mf.write_manifest(folder, scenario, trace, command="record",
                             options={"output": tmp_path / "out", "none": None, "title": "café"})
    assert path == folder / "manifest.json"
    m = read(folder)
    assert m["schema"] == SCHEMA and "kind" not in m and m["created"] == "1970-01-02T00:00:00Z"
    scenario_bytes = (root / "v.yaml").read_bytes()
    expected_path = Path(os.path.relpath(root / "v.yaml", Path.cwd())).as_posix()
    assert m["scenario"] == {"path": expected_path, "name": "v.yaml", "bytes": len(scenario_bytes),
                             "sha256": digest(scenario_bytes)}
    assert m["data"] == [] and m["seeds"] == {"data": None, "shuffle": {}}
    assert m["outputs"] == {n: entry((folder / n).read_bytes()) for n in ("lr-0.02.csv", "lr-0.05.csv", "trace.json")}
    assert m["command"] == {"name": "record", "argv": ["gdanim", "record", "v.yaml", "-o", "out"],
                            "options": {"output": str(tmp_path / "out"), "title": "café"}}
    assert m["animations"] == {}
    assert m["versions"]["gdanim"] == __version__ and m["versions"]["python"] == platform.python_version()
    assert m["versions"]["numpy"] == np.__version__
    assert set(m["versions"]) == {"gdanim", "python", "torch", "numpy", "matplotlib", "imageio-ffmpeg", "ffmpeg"}
    text = path.read_text(encoding="utf-8")
    assert text.endswith("}\n") and text.startswith('{\n "schema": ') and '"title": "café"' in text


def test_a_csv_scenario_names_its_data_file_and_its_shuffle_seeds(tmp_path, monkeypatch):
    from gdanim.api import record
    from gdanim.scenario import load_scenario

    monkeypatch.chdir(tmp_path)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "points.csv").write_text("x,y\n0,1\n1,3\n2,5\n3,6.5\n", encoding="utf-8")
    (tmp_path / "src" / "fit.yaml").write_text(CSV_SCENARIO, encoding="utf-8")
    scenario = load_scenario(tmp_path / "src" / "fit.yaml")
    trace = record(scenario)
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "café.txt").write_text("not gdanim's")  # not an output
    m = mf.build(folder, scenario, trace, command="render", options={"b": "é", "a": 1})
    points = (tmp_path / "src" / "points.csv").read_bytes()
    assert m["data"] == [{"path": "src/points.csv", "name": "points.csv", **entry(points)}]
    assert m["scenario"]["path"] == "src/fit.yaml" and m["outputs"] == {}
    assert m["seeds"] == {"data": None, "shuffle": {"lr-0.05": 11}}
    assert list(m["command"]["options"]) == ["a", "b"]
    path = mf.write_manifest(folder, scenario, trace, command="render", options={"b": "é"})
    assert path == folder / "manifest.json"
    assert '"b": "é"' in path.read_text(encoding="utf-8")  # written as it is, not escaped


def test_a_synthetic_scenario_names_its_data_seed():
    scenario = SimpleNamespace(spec=SimpleNamespace(data=SimpleNamespace(synthetic=SimpleNamespace(seed=7))))
    runs = [SimpleNamespace(name="full", settings=SimpleNamespace(seed=1, batch_size=None)),
            SimpleNamespace(name="mini", settings=SimpleNamespace(seed=3, batch_size=4))]
    assert mf.seeds(scenario, SimpleNamespace(runs=runs)) == {"data": 7, "shuffle": {"mini": 3}}


def timeline(epochs, first):
    return SimpleNamespace(fps=24, epochs=np.array(epochs), first=np.array(first), count=len(epochs))


def test_each_animation_maps_its_frames_to_epochs_and_names_its_files(recorded, tmp_path, monkeypatch):
    root, folder, scenario, trace = recorded
    monkeypatch.chdir(root)
    out = tmp_path / "v"
    out.mkdir()
    for name in ("trace.json", "lr-0.02.csv", "lr-0.05.csv"):
        (out / name).write_bytes((folder / name).read_bytes())
    (out / "lr-0.02.mp4").write_bytes(b"mp4")
    (out / "lr-0.02.gif").write_bytes(b"gif")
    (out / "lr-0.05-frames").mkdir()
    (out / "lr-0.05-frames" / "0.png").write_bytes(b"png")
    frames = {"lr-0.02": timeline([0, 0.3333333333, 1, 2, 2], [0, 2, 3]),
              "lr-0.05": timeline([0, 1.5, 3], [0, 2]),
              "compare": timeline([0, 1], [0, 1])}  # rendered, but no file of it is here
    m = mf.build(out, scenario, trace, command="render", settings=object(), frames=frames)
    assert m["animations"] == {
        "lr-0.02": {"files": ["lr-0.02.mp4", "lr-0.02.gif"], "fps": 24, "hold_frames": 1, "frames": 5,
                    "frame_epochs": [0.0, 0.333333, 1.0, 2.0, 2.0]},
        "lr-0.05": {"files": ["lr-0.05-frames"], "fps": 24, "hold_frames": 0, "frames": 3,
                    "frame_epochs": [0.0, 1.5, 3.0]}}
    assert "lr-0.05-frames/0.png" in m["outputs"] and "lr-0.02.mp4" in m["outputs"]
    path = mf.write_manifest(out, scenario, trace, command="render", settings=object(), frames=frames)
    assert read(out)["animations"] == m["animations"] and path == out / "manifest.json"
    assert mf.build(out, scenario, trace, command="render", frames=frames)["animations"] == {}
    assert mf.build(out, scenario, trace, command="render", settings=object())["animations"] == {}


def test_versions_name_a_package_that_is_absent_and_an_ffmpeg_that_fails_as_none(monkeypatch):
    import imageio_ffmpeg

    monkeypatch.setattr(mf, "PACKAGES", ("numpy", "no-such-package-gdanim"))
    monkeypatch.setattr(imageio_ffmpeg, "get_ffmpeg_version", lambda: "n1.2.3")
    found = mf.versions.__wrapped__()
    assert found == {"gdanim": __version__, "python": platform.python_version(), "numpy": np.__version__,
                     "no-such-package-gdanim": None, "ffmpeg": "n1.2.3"}

    def broken():
        raise RuntimeError("no ffmpeg")
    monkeypatch.setattr(imageio_ffmpeg, "get_ffmpeg_version", broken)
    assert mf._ffmpeg_version() is None


@pytest.mark.parametrize(("stamp", "expected"), [("0", "1970-01-01T00:00:00Z"), ("1764400000", None)])
def test_the_build_time_is_source_date_epoch_when_set(monkeypatch, stamp, expected):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", stamp)
    expected = expected or datetime.fromtimestamp(int(stamp), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert mf.created() == expected


@pytest.mark.parametrize("stamp", [None, "", "yesterday", "-5"])
def test_the_build_time_is_now_without_a_usable_source_date_epoch(monkeypatch, stamp):
    if stamp is None:
        monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    else:
        monkeypatch.setenv("SOURCE_DATE_EPOCH", stamp)
    before = int(time.time())
    shown = datetime.strptime(mf.created(), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp()
    assert before - 1 <= shown <= time.time() + 1


def test_relative_names_a_path_from_the_commands_folder(tmp_path, monkeypatch):
    (tmp_path / "a" / "b").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "a")
    assert mf.relative(tmp_path / "a" / "b" / "s.yaml") == "b/s.yaml"
    assert mf.relative(tmp_path / "s.yaml") == "../s.yaml"
    assert mf.relative(Path("b/s.yaml")) == "b/s.yaml"


def test_a_site_manifest_lists_its_scenarios_and_its_own_files(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    site = make_site(tmp_path)
    m = read(site)
    assert m["schema"] == SCHEMA and m["kind"] == "site" and m["scenarios"] == ["a", "b"]
    assert m["created"] == "1970-01-01T00:00:00Z" and m["versions"] == mf.versions()
    assert m["outputs"] == {name: entry(data) for name, data in SITE_FILES.items()}
    assert m["command"] == {"name": "site", "argv": ["gdanim", *sys.argv[1:]], "options": {}}
    assert (site / "manifest.json").read_text(encoding="utf-8").startswith('{\n "schema": ')


def test_an_unchanged_site_keeps_its_manifest_and_a_changed_one_is_written_again(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    site = make_site(tmp_path)
    before = (site / "manifest.json").read_bytes()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "86400")
    assert mf.write_site_manifest(site, ["a", "b"], options={"z": "é", "y": None}) == site / "manifest.json"
    assert (site / "manifest.json").read_bytes() == before  # the first build's date stays
    mf.write_site_manifest(site, ["a"], options={"z": "é", "y": None, "out": tmp_path / "out"})
    m = read(site)
    assert m["scenarios"] == ["a"] and m["created"] == "1970-01-02T00:00:00Z"
    assert m["command"]["options"] == {"out": str(tmp_path / "out"), "z": "é"}
    text = (site / "manifest.json").read_text("utf-8")
    assert '"z": "é"' in text and text.startswith('{\n "schema": ') and text.endswith("}\n")
    (site / "index.html").write_bytes(b"new")
    mf.write_site_manifest(site, ["a"])
    assert read(site)["outputs"]["index.html"] == entry(b"new")


@pytest.mark.parametrize("old", ["{broken", "[]"])
def test_a_site_with_an_unreadable_manifest_gets_a_new_one(tmp_path, old):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_bytes(b"i")
    (site / "manifest.json").write_text(old)
    mf.write_site_manifest(site, [])
    assert read(site)["outputs"] == {"index.html": entry(b"i")}


def test_a_site_manifest_is_written_again_when_only_the_versions_changed(tmp_path, monkeypatch):
    site = make_site(tmp_path)
    m = read(site)
    write(site, {**m, "versions": {**m["versions"], "torch": "0.0"}, "created": "old"})
    mf.write_site_manifest(site, ["a", "b"])
    assert read(site)["versions"] == mf.versions() and read(site)["created"] != "old"
    write(site, {**m, "kind": None, "created": "old"})
    mf.write_site_manifest(site, ["a", "b"])
    assert read(site)["kind"] == "site"


def test_read_manifest_refuses_what_is_not_a_gdanim_manifest(tmp_path):
    with pytest.raises(OSError):
        mf.read_manifest(tmp_path)
    for text in ("[1]", '{"schema": "gdanim.manifest/2"}', "{}"):
        (tmp_path / "manifest.json").write_text(text)
        with pytest.raises(ValueError, match="not a gdanim.manifest/1 manifest"):
            mf.read_manifest(tmp_path)
    (tmp_path / "manifest.json").write_text('{"schema": "gdanim.manifest/1", "é": 1}', encoding="utf-8")
    assert mf.read_manifest(str(tmp_path)) == {"schema": SCHEMA, "é": 1}


def test_only_a_folder_with_a_scenario_manifest_is_gdanims_to_rebuild(tmp_path, folder):
    site = make_site(tmp_path)
    assert mf.is_gdanim_folder(folder) and mf.is_gdanim_folder(site / "a")
    assert not mf.is_gdanim_folder(site) and not mf.is_gdanim_folder(tmp_path / "nothing")
    write(folder, {"schema": SCHEMA, "outputs": []})
    assert not mf.is_gdanim_folder(folder)
    (folder / "manifest.json").write_text("{broken")
    assert not mf.is_gdanim_folder(folder)


def test_a_page_shows_how_it_was_made(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "86400")
    v = mf.versions()
    shown = ", ".join(f"{k} {v[k]}" for k in ("gdanim", "python", "torch", "numpy", "matplotlib", "ffmpeg")
                      if v[k])
    assert mf.provenance(tmp_path) == {"versions": shown, "date": "1970-01-02", "scenario_sha256": "",
                                       "manifest": ""}
    (tmp_path / "scenario.yaml").write_bytes(b"title: t\n")
    assert mf.provenance(str(tmp_path)) == {"versions": shown, "date": "1970-01-02",
                                            "scenario_sha256": digest(b"title: t\n")[:12], "manifest": "manifest.json"}


def test_provenance_leaves_out_a_version_that_is_absent(tmp_path, monkeypatch):
    monkeypatch.setattr(mf, "versions", lambda: {"gdanim": "1", "python": "3", "torch": None, "numpy": "2",
                                                 "matplotlib": "", "ffmpeg": "n9", "imageio-ffmpeg": "0.8"})
    assert mf.provenance(tmp_path)["versions"] == "gdanim 1, python 3, numpy 2, ffmpeg n9"


def test_a_finding_reads_as_its_folder_and_message():
    assert str(Finding(Path("out/v"), "output missing: a")) == f"{Path('out/v')}: output missing: a"
    assert not Finding(Path("x"), "m").unusable and not Finding(Path("x"), "m").note
