"""A course site as a SCORM 1.2 package: the one zip file a learning management system
(Moodle, Canvas, Blackboard, Brightspace) imports as an activity.

    course.zip
      imsmanifest.xml       one organization: an item per scenario page, and the worksheet
      index.html, exercises.html, assets/, manifest.json        the site's own pages
      <stem>/...            each scenario folder, as the site build wrote it

Each item is a SCO: its page finds the LMS's API and reports its exercises
(templates/static/scorm.js). Every file of the package is listed in a resource: a
scenario's files in its SCO's, the site's own in one shared asset resource that each SCO
depends on. The pass mark, when given, is each item's `adlcp:masteryscore`, which the
LMS hands the page as `cmi.student_data.mastery_score`.

The zip holds only the files gdanim wrote (each folder's manifest lists them), never a
build's stamps or locks, with fixed dates: the same site packs into the same bytes.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote
from xml.etree import ElementTree as ET

from gdanim.errors import GdanimError
from gdanim.files import atomic_path
from gdanim.folder import MANIFEST, PAGE, WORKSHEET, site_output_files
from gdanim.manifest import read_manifest

MANIFEST_XML = "imsmanifest.xml"
IMSCP = "http://www.imsproject.org/xsd/imscp_rootv1p1p2"
ADLCP = "http://www.adlnet.org/xsd/adlcp_rootv1p2"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = (f"{IMSCP} imscp_rootv1p1p2.xsd "
                   "http://www.imsglobal.org/xsd/imsmd_rootv1p2p1 imsmd_rootv1p2p1.xsd "
                   f"{ADLCP} adlcp_rootv1p2.xsd")
STORED = frozenset({".mp4", ".gif", ".png", ".woff2", ".pdf", ".zip"})
"Files already compressed: stored as they are."
DATE = (1980, 1, 1, 0, 0, 0)
"Every entry's date (the earliest a zip can hold): the bytes depend on the files alone."


class PackageError(GdanimError):
    """A package that cannot be made as asked (a bad target or pass mark)."""


@dataclass(frozen=True)
class Lesson:
    """One SCO of the package: a scenario's page (or the worksheet) and its title."""

    stem: str
    "The scenario's folder in the site; empty for the worksheet."
    title: str
    exercises: int = 0


def check_target(target: str | Path) -> Path:
    """The package's path, refused before any build work when it cannot be a zip file."""
    target = Path(target)
    if target.is_dir():
        raise PackageError(f"{target}: --scorm names a folder; give the zip file to write, "
                           f"for example {target / 'course.zip'}")
    if target.suffix.lower() != ".zip":
        raise PackageError(f"{target}: --scorm expects a .zip file name (an LMS imports a zip)")
    return target


def check_pass_mark(mark: float | None) -> float | None:
    """The pass mark, a score from 0 to 100 (None: the LMS records "completed")."""
    if mark is None:
        return None
    if not 0 <= mark <= 100 or mark != mark:
        raise PackageError(f"pass_mark: {mark:g} is not a score from 0 to 100")
    return mark


def package_site(result, target: str | Path, pass_mark: float | None = None) -> Path:
    """Pack the site a build made (gdanim.build.site.SiteResult) into the SCORM 1.2 zip
    `target`, its scenarios in the order given, titled in the index's language."""
    from gdanim.report.strings import strings

    s = strings(result.lang)
    lessons = [Lesson(c.stem, c.title, len(c.exercises)) for o in result.outcomes if (c := o.card) is not None]
    return write_package(result.index.parent, target, lessons, title=s["site_title"],
                         worksheet_title=s["worksheet_title"], pass_mark=pass_mark)


def write_package(site: str | Path, target: str | Path, lessons: Sequence[Lesson], *,
                  title: str, worksheet_title: str = "Exercises", pass_mark: float | None = None) -> Path:
    """Pack the built site into the SCORM 1.2 zip `target`, written whole or not at all;
    returns it. lessons: the scenario pages in the order the course lists them; the
    worksheet, when the site has one, comes last."""
    site, target = Path(site), check_target(target)
    pass_mark = check_pass_mark(pass_mark)
    shared = [p for p in site_output_files(site) if p.name != ".nojekyll"]
    shared += [site / MANIFEST] if (site / MANIFEST).is_file() else []
    units = [(lesson, _folder_files(site / lesson.stem)) for lesson in lessons]
    if (site / WORKSHEET).is_file():
        units.append((Lesson("", worksheet_title), [site / WORKSHEET]))
        shared.remove(site / WORKSHEET)
    xml = manifest_xml(site, units, shared, title, pass_mark)
    with atomic_path(target) as tmp, zipfile.ZipFile(tmp, "w") as zf:
        _add(zf, MANIFEST_XML, xml.encode("utf-8"))
        for path in sorted({p for _, files in units for p in files} | set(shared)):
            _add(zf, path.relative_to(site).as_posix(), path.read_bytes())
    return target


def _folder_files(folder: Path) -> list[Path]:
    """The files gdanim wrote into a scenario folder (its manifest lists them), with the manifest."""
    try:
        names = list(read_manifest(folder)["outputs"])
    except (OSError, ValueError, KeyError, TypeError):
        raise PackageError(f"{folder}: no build manifest; the site's build of it did not finish") from None
    files = [folder / n for n in names if (folder / n).is_file() and not (folder / n).is_symlink()]
    return [folder / PAGE, *sorted(set(files) - {folder / PAGE}), folder / MANIFEST]


def manifest_xml(site: Path, units: Sequence[tuple[Lesson, Sequence[Path]]], shared: Sequence[Path],
                 title: str, pass_mark: float | None) -> str:
    """imsmanifest.xml: an organization with an item per unit, a SCO resource per unit
    (its files), and the shared files as one asset resource every SCO depends on."""
    ET.register_namespace("", IMSCP)
    ET.register_namespace("adlcp", ADLCP)
    ET.register_namespace("xsi", XSI)
    root = ET.Element(f"{{{IMSCP}}}manifest", {"identifier": "gdanim-course", "version": "1.0",
                                                 f"{{{XSI}}}schemaLocation": SCHEMA_LOCATION})
    meta = ET.SubElement(root, f"{{{IMSCP}}}metadata")
    ET.SubElement(meta, f"{{{IMSCP}}}schema").text = "ADL SCORM"
    ET.SubElement(meta, f"{{{IMSCP}}}schemaversion").text = "1.2"
    orgs = ET.SubElement(root, f"{{{IMSCP}}}organizations", {"default": "course"})
    org = ET.SubElement(orgs, f"{{{IMSCP}}}organization", {"identifier": "course"})
    ET.SubElement(org, f"{{{IMSCP}}}title").text = title
    resources = ET.SubElement(root, f"{{{IMSCP}}}resources")
    for i, (lesson, files) in enumerate(units, start=1):
        item = ET.SubElement(org, f"{{{IMSCP}}}item", {"identifier": f"item-{i}", "identifierref": f"sco-{i}",
                                                        "isvisible": "true"})
        ET.SubElement(item, f"{{{IMSCP}}}title").text = lesson.title
        if pass_mark is not None and lesson.exercises:
            ET.SubElement(item, f"{{{ADLCP}}}masteryscore").text = f"{pass_mark:g}"
        sco = ET.SubElement(resources, f"{{{IMSCP}}}resource", {
            "identifier": f"sco-{i}", "type": "webcontent", f"{{{ADLCP}}}scormtype": "sco",
            "href": _href(site, files[0])})
        for path in files:
            ET.SubElement(sco, f"{{{IMSCP}}}file", {"href": _href(site, path)})
        ET.SubElement(sco, f"{{{IMSCP}}}dependency", {"identifierref": "shared"})
    common = ET.SubElement(resources, f"{{{IMSCP}}}resource", {"identifier": "shared", "type": "webcontent",
                                                               f"{{{ADLCP}}}scormtype": "asset"})
    for path in shared:
        ET.SubElement(common, f"{{{IMSCP}}}file", {"href": _href(site, path)})
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _href(site: Path, path: Path) -> str:
    """A file's address in the package: relative, each part percent-encoded."""
    return quote(path.relative_to(site).as_posix())


def _add(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, DATE)
    info.compress_type = zipfile.ZIP_STORED if Path(name).suffix.lower() in STORED else zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    zf.writestr(info, data)
