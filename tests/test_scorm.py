"""The SCORM 1.2 package (gdanim site --scorm): what an LMS reads of it (imsmanifest.xml,
the files it lists), and how a bad target, a bad pass mark and a full disk end. What a
packaged page reports to an LMS is in test_scorm_browser.py."""

from __future__ import annotations

import zipfile
from pathlib import Path
from urllib.parse import unquote
from xml.etree import ElementTree as ET

import pytest
from browser_support import ROOT, tiny_copy
from click.testing import CliRunner
from course_support import PASS_MARK
from test_failures import tmpfs

from gdanim.build.package import ADLCP, IMSCP, MANIFEST_XML, Lesson, PackageError, write_package
from gdanim.cli import main

NS = {"cp": IMSCP, "adlcp": ADLCP}


def manifest(package: Path) -> ET.Element:
    with zipfile.ZipFile(package) as zf:
        return ET.fromstring(zf.read(MANIFEST_XML))


def test_the_manifest_lists_every_file_of_the_zip_and_every_file_it_lists_is_there(course):
    _, package = course
    root = manifest(package)
    with zipfile.ZipFile(package) as zf:
        names = set(zf.namelist()) - {MANIFEST_XML}
        assert MANIFEST_XML in zf.namelist()  # at the zip's root
    listed = [unquote(f.get("href")) for f in root.iterfind("cp:resources/cp:resource/cp:file", NS)]
    assert sorted(listed) == sorted(set(listed)), "a file listed twice"
    assert set(listed) == names
    for resource in root.iterfind("cp:resources/cp:resource", NS):
        if resource.get(f"{{{ADLCP}}}scormtype") == "sco":
            assert unquote(resource.get("href")) in names


def test_each_scenario_page_and_the_worksheet_is_an_item_and_a_sco_of_one_organization(course):
    site, package = course
    root = manifest(package)
    assert root.findtext("cp:metadata/cp:schemaversion", namespaces=NS) == "1.2"
    [org] = root.findall("cp:organizations/cp:organization", NS)
    assert root.find("cp:organizations", NS).get("default") == org.get("identifier")
    resources = {r.get("identifier"): r for r in root.iterfind("cp:resources/cp:resource", NS)}
    launched = []
    for item in org.iterfind("cp:item", NS):
        sco = resources[item.get("identifierref")]
        assert sco.get(f"{{{ADLCP}}}scormtype") == "sco"
        launched.append(unquote(sco.get("href")))
        deps = [d.get("identifierref") for d in sco.iterfind("cp:dependency", NS)]
        assert all(resources[d].get(f"{{{ADLCP}}}scormtype") == "asset" for d in deps)
    assert launched == ["course/index.html", "fahrenheit/index.html", "thermometer/index.html", "exercises.html"]
    titles = [i.findtext("cp:title", namespaces=NS) for i in org.iterfind("cp:item", NS)]
    assert titles[0] == "학습률에 따른 경사하강법" and titles[-1] == "Exercises"
    lab = site / "course" / "lab.html"
    assert lab.is_file() and "course/lab.html" in {unquote(f.get("href")) for f in
                                                    root.iterfind("cp:resources/cp:resource/cp:file", NS)}


def test_the_pass_mark_is_the_mastery_score_of_the_items_that_ask_something(course):
    root = manifest(course[1])
    marks = {i.findtext("cp:title", namespaces=NS): i.findtext("adlcp:masteryscore", namespaces=NS)
             for i in root.iterfind("cp:organizations/cp:organization/cp:item", NS)}
    assert marks == {"학습률에 따른 경사하강법": str(PASS_MARK), "Fahrenheit from Celsius": None,
                     "Thermometer readings (t_u -> t_c)": str(PASS_MARK), "Exercises": None}


def test_no_build_stamp_lock_or_hidden_file_goes_into_the_package(course):
    with zipfile.ZipFile(course[1]) as zf:
        assert not [n for n in zf.namelist() if any(part.startswith(".") for part in n.split("/"))]


def test_every_address_in_the_packaged_pages_stays_inside_the_package(course, tmp_path):
    import re

    with zipfile.ZipFile(course[1]) as zf:
        names = set(zf.namelist())
        for name in (n for n in names if n.endswith(".html")):
            html = zf.read(name).decode("utf-8")
            for ref in re.findall(r'(?:src|href)="([^"#]+)', html):
                if ref.startswith("data:"):  # inline: no request
                    continue
                assert "://" not in ref and not ref.startswith("/"), f"{name}: {ref}"
                target = (Path(name).parent / unquote(ref)).as_posix()
                parts = []
                for part in target.split("/"):
                    if part == "..":
                        assert parts, f"{name}: {ref} leaves the package"
                        parts.pop()
                    elif part != ".":
                        parts.append(part)
                assert "/".join(parts) in names, f"{name}: {ref} is not in the package"


def test_the_same_site_packs_into_the_same_bytes(course, tmp_path):
    site, package = course
    lessons = [Lesson("course", "a"), Lesson("fahrenheit", "b"), Lesson("thermometer", "c")]
    one = write_package(site, tmp_path / "one.zip", lessons, title="t", pass_mark=50)
    two = write_package(site, tmp_path / "two.zip", lessons, title="t", pass_mark=50)
    assert one.read_bytes() == two.read_bytes()


@pytest.mark.parametrize("mark", [-1.0, 100.5, float("nan")])
def test_a_pass_mark_outside_0_to_100_is_refused(course, tmp_path, mark):
    with pytest.raises(PackageError, match="pass_mark"):
        write_package(course[0], tmp_path / "c.zip", [Lesson("course", "a")], title="t", pass_mark=mark)
    assert not (tmp_path / "c.zip").exists()


def test_the_command_refuses_a_bad_pass_mark_a_folder_and_a_pass_mark_alone_before_building(tmp_path):
    runner = CliRunner()
    scenario = Path(__file__).resolve().parent.parent / "scenarios" / "fahrenheit.yaml"
    site = tmp_path / "site"
    for args, words in ((["--scorm", str(tmp_path / "c.zip"), "--pass-mark", "120"], "--pass-mark"),
                        (["--scorm", str(tmp_path / "c.zip"), "--pass-mark", "half"], "--pass-mark"),
                        (["--scorm", str(tmp_path)], "names a folder"),
                        (["--scorm", str(tmp_path / "course")], ".zip"),
                        (["--pass-mark", "70"], "--scorm")):
        result = runner.invoke(main, ["site", str(scenario), "-o", str(site), *args])
        assert result.exit_code == 2, (args, result.output)
        assert words in result.output and "Traceback" not in result.output
        assert not site.exists()  # refused before any work


def test_a_full_disk_while_zipping_ends_in_one_line_and_leaves_no_zip(tmp_path):
    scenarios = tiny_copy(ROOT / "scenarios", tmp_path / "scenarios")
    for path in scenarios.glob("*.yaml"):
        if path.stem != "fahrenheit":
            path.unlink()
    scenario = scenarios / "fahrenheit.yaml"
    scenario.write_text(scenario.read_text(encoding="utf-8").replace("render:", "render:\n  formats: [png]", 1),
                        encoding="utf-8")
    with tmpfs(tmp_path / "small", "64k") as disk:
        result = CliRunner().invoke(main, ["site", str(scenarios), "-o", str(tmp_path / "site"), "-q",
                                           "--scorm", str(disk / "c.zip")])
        assert result.exit_code == 1, result.output
        errors = [line for line in result.output.splitlines() if line.startswith("error:")]
        assert len(errors) == 1 and result.output.rstrip().endswith(errors[0])
        assert "c.zip" in errors[0] and "No space left" in errors[0]
        assert "Traceback" not in result.output
        assert list(disk.iterdir()) == []  # neither the zip nor a part of it
    assert (tmp_path / "site" / "fahrenheit" / "index.html").is_file()  # the site itself is whole
