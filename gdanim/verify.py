"""`gdanim verify`: a rendered folder or a whole site checked against its manifests.

    findings, checked = verify_paths(["output/site"], rerun=True)

A finding is one line: a scenario or data file changed since the build; an output
changed, missing, or added beside the listed ones; a manifest that names a path outside
its folder or cannot be read; or (rerun) an output that a fresh build into a temporary
folder does not give byte for byte. A rerun whose trace differs only within float32
rounding (another CPU sums in another order; gdanim.rounding) is a note, named as such,
and so are the files made from it. Every folder given is checked, whatever the others
hold; a folder that cannot be checked at all is a finding marked `unusable` (exit 2).
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gdanim.datafile import excerpt
from gdanim.errors import GdanimError
from gdanim.files import LOCK as FOLDER_LOCK
from gdanim.files import listed as inside
from gdanim.folder import LOCK, SCENARIO_COPY, STAMP, TRACE
from gdanim.folder import MANIFEST as NAME
from gdanim.manifest import read_manifest, sha256_of, versions

BOOKKEEPING = frozenset({NAME, STAMP, LOCK, FOLDER_LOCK})
"Files gdanim keeps beside the outputs that no manifest lists (the manifest itself, stamps, locks)."


@dataclass(frozen=True)
class Finding:
    """One thing that no longer holds, in one scenario folder."""

    folder: Path
    message: str
    unusable: bool = False
    "The folder could not be checked at all (missing, no manifest)."
    note: bool = False
    "True for what is reported but holds: a rerun that differs within float32 rounding only."

    def __str__(self) -> str:
        return f"{self.folder}: {self.message}"


def manifest_folders(paths: Iterable[str | Path]) -> tuple[list[Path], list[Finding]]:
    """(the folders to check, the paths that hold nothing to check): each path holding a
    scenario's manifest.json; a site (its own manifest at the top, of kind "site") and its
    subfolders that hold one; else those subfolders alone (a site built before site manifests)."""
    found: list[Path] = []
    bad: list[Finding] = []
    for path in map(Path, paths):
        if not path.is_dir():
            bad.append(Finding(path, "a rendered folder or a site is expected, got "
                                     f"{'a file' if path.exists() else 'nothing'}", unusable=True))
            continue
        inner = sorted(p for p in path.iterdir() if p.is_dir() and not p.is_symlink() and (p / NAME).is_file())
        if (path / NAME).is_file() and not _is_site(path):
            found.append(path)
        elif not inner and not (path / NAME).is_file():
            bad.append(Finding(path, f"no {NAME} in it or in its folders (built before manifests? "
                                     "render it again)", unusable=True))
        else:
            found += ([path] if (path / NAME).is_file() else []) + inner
    return found, bad


def _is_site(folder: Path) -> bool:
    try:
        return read_manifest(folder).get("kind") == "site"
    except (OSError, ValueError):
        return False


Builder = Callable[[Any, dict, Path], tuple[Any, Path]]
"(scenario, manifest, folder) -> (Trace, the folder built): builds a scenario again as its manifest says."


def verify_paths(paths: Iterable[str | Path], *, rerun: bool = False,
                 build: Builder | None = None) -> tuple[list[Finding], int]:
    """(every finding of every path, how many folders were checked); never stops at the
    first. `build` makes a rerun's fresh folder (gdanim.build.build_again renders and pages
    as the manifest's command did); without it, a rerun records only."""
    folders, bad = manifest_folders(paths)
    findings = [f for folder in folders for f in verify_folder(folder, rerun=rerun, build=build)]
    return bad + findings, len(folders)


def verify_folder(folder: Path, *, rerun: bool = False, build: Builder | None = None) -> list[Finding]:
    """What no longer holds in one scenario folder (or a site's top); [] when all does."""
    folder = Path(folder)
    try:
        manifest = read_manifest(folder)
        check_shape(manifest)
    except (OSError, ValueError) as exc:
        return [Finding(folder, f"{NAME} cannot be read: {shown(str(exc))}")]
    if manifest.get("kind") == "site":  # the index and assets, and every scenario folder it lists
        found = [Finding(folder, m) for m in _outputs(folder, manifest)]
        found += [Finding(folder, m) for m in _added(folder, manifest, skip=_scenario_folders(folder))]
        return found + [Finding(folder, f"scenario folder missing: {name}") for name in manifest["scenarios"]
                        if not (folder / name / NAME).is_file()]
    found = [Finding(folder, m) for m in _sources(manifest)]
    found += [Finding(folder, m) for m in _outputs(folder, manifest)]
    found += [Finding(folder, m) for m in _added(folder, manifest)]
    if rerun:
        found += list(_rerun(folder, manifest, build or _record_again))
    return found


def check_shape(manifest: dict[str, Any]) -> None:
    """Raise ValueError unless the manifest has the shape verify reads (outputs a mapping
    of names to {bytes, sha256}, the scenario and data entries with a path and sha256)."""
    outputs = manifest.get("outputs")
    if not isinstance(outputs, dict):
        raise ValueError(f"outputs: a mapping of file names is expected, got {type(outputs).__name__}")
    for name, entry in outputs.items():
        if not (isinstance(entry, dict) and isinstance(entry.get("bytes"), int)
                and isinstance(entry.get("sha256"), str)):
            raise ValueError(f"outputs.{excerpt(name)}: {{bytes, sha256}} is expected")
    if manifest.get("kind") == "site":
        if not (isinstance(manifest.get("scenarios"), list) and all(isinstance(s, str) for s in manifest["scenarios"])):
            raise ValueError("scenarios: a list of folder names is expected")
        return
    entries = [manifest.get("scenario"), *(manifest.get("data") if isinstance(manifest.get("data"), list) else [None])]
    if not all(isinstance(e, dict) and isinstance(e.get("path"), str) and isinstance(e.get("sha256"), str)
               for e in entries):
        raise ValueError("scenario and data: {path, sha256} entries are expected")


def _sources(manifest: dict) -> Iterator[str]:
    """The scenario and data files, where they still are (a copied site has only the copies
    beside its pages, which are checked as outputs)."""
    for kind, entry in [("scenario", manifest["scenario"]), *(("data file", d) for d in manifest["data"])]:
        path = Path(entry["path"])
        if path.is_file() and sha256_of(path) != entry["sha256"]:
            yield f"{kind} changed since the build: {path}"


def _outputs(folder: Path, manifest: dict) -> Iterator[str]:
    for name, entry in sorted(manifest["outputs"].items()):
        path = inside(folder, name)
        if path is None:
            yield f"the manifest names a path outside the folder, not read: {excerpt(name)}"
        elif path.is_symlink() or (path.exists() and not path.is_file()):
            yield f"output is not a plain file: {name}"
        elif not path.is_file():
            yield f"output missing: {name}"
        elif path.stat().st_size != entry["bytes"] or sha256_of(path) != entry["sha256"]:
            yield f"output changed since the build: {name}"


def _added(folder: Path, manifest: dict, skip: Iterable[Path] = ()) -> Iterator[str]:
    """Files in folder (and its subfolders, links not followed) that the manifest does not
    list: added since the build. `skip`: subfolders checked on their own."""
    listed = set(manifest["outputs"]) | BOOKKEEPING
    skipped = {Path(p).resolve() for p in skip}
    added = []
    for root, dirs, names in os.walk(folder):
        links = [d for d in dirs if (Path(root) / d).is_symlink()]  # listed, never followed
        dirs[:] = [d for d in dirs if d not in links and (Path(root) / d).resolve() not in skipped]
        added += [rel for rel in ((Path(root) / n).relative_to(folder).as_posix() for n in [*names, *links])
                  if rel not in listed]
    for rel in sorted(added):
        yield f"file not in the manifest (added since the build): {shown(rel)}"


def shown(name: str) -> str:
    """A file name as a message shows it: as it is when short and printable, else a quoted excerpt."""
    return name if len(name) <= 120 and name.isprintable() else excerpt(name, 120)


def _scenario_folders(site: Path) -> list[Path]:
    return [p for p in site.iterdir() if p.is_dir() and not p.is_symlink() and (p / NAME).is_file()]


# --- --rerun -------------------------------------------------------------------------------


def _rerun(folder: Path, manifest: dict, build: Builder) -> Iterator[Finding]:
    """Build the scenario again into a temporary folder as the manifest's command did, and
    compare every output it lists byte for byte (trace.json up to float32 rounding)."""
    source = Path(manifest["scenario"]["path"])
    if not (source.is_file() and sha256_of(source) == manifest["scenario"]["sha256"]):
        source = folder / SCENARIO_COPY  # the copy beside the page; its data stays in this folder
    if not source.is_file():
        gone = excerpt(manifest["scenario"]["path"], 80)
        yield Finding(folder, f"rerun: the scenario is gone ({gone}) and no copy is beside the page")
        return
    with tempfile.TemporaryDirectory(prefix="gdanim-verify-") as tmp:
        try:
            trace, again = build(_load_as_built(source, manifest), manifest, Path(tmp))
        except GdanimError as exc:
            yield Finding(folder, f"rerun: cannot build it again: {str(exc).splitlines()[0][:300]}")
            return
        yield from compare_outputs(folder, again, trace, manifest)


def _load_as_built(source: Path, manifest: dict):
    """The scenario at `source` under the file name it was built from (the copy beside a
    page is scenario.yaml; the trace and the folder carry the original's name)."""
    from gdanim.scenario import parse_scenario

    name = Path(str(manifest["scenario"].get("name") or source.name)).name or source.name
    try:
        # no mutate, below: encoding None or "UTF-8" read the same file on a UTF-8 system
        text = source.read_text(encoding="utf-8")  # pragma: no mutate
    except (OSError, UnicodeDecodeError) as exc:
        raise GdanimError(f"cannot read {source}: {exc}") from None
    return parse_scenario(text, source.parent / name)


def _record_again(scenario, manifest: dict, tmp: Path):
    """Record the scenario into tmp/<stem>; returns (the Trace, the folder)."""
    from gdanim.api import record_to

    return record_to(scenario, tmp)


def compare_outputs(folder: Path, again: Path, trace, manifest: dict) -> Iterator[Finding]:
    """Every output the manifest lists against the fresh build's file of that name. When
    the trace differs within float32 rounding only, the files made from it may differ as
    well: one note names them all."""
    old_trace = inside(folder, TRACE)
    traced = None
    differ, missing = [], []
    if old_trace is not None and old_trace.is_file() and TRACE in manifest["outputs"]:
        if (again / TRACE).is_file():
            traced = compare_traces(old_trace, (again / TRACE).read_bytes(), trace, manifest)
        else:
            missing.append(TRACE)
    for name in sorted(set(manifest["outputs"]) - {TRACE}):
        path, fresh = inside(folder, name), again / name
        if path is None or not path.is_file():
            continue  # already reported
        if not fresh.is_file():
            missing.append(name)
        elif path.read_bytes() != fresh.read_bytes():
            differ.append(name)
    within = traced is not None and traced[1]
    if traced is not None:
        also = f"; {len(differ)} file(s) made from it differ as well: {', '.join(differ[:8])}" \
            if within and differ else ""
        yield Finding(folder, traced[0] + also, note=within)
    yield from (Finding(folder, f"rerun: {name} is not made by the build again") for name in missing)
    if not within:
        yield from (Finding(folder, f"rerun: {name} differs from the build again") for name in differ)


def compare_traces(old_path: Path, new: bytes, trace, manifest: dict) -> tuple[str, bool] | None:
    """The trace recorded again against the folder's: None when they agree, else (the line
    naming where they differ most and which versions changed since the manifest was
    written, whether that is within float32 rounding only)."""
    from gdanim.rounding import beyond_rounding, largest_difference

    old = old_path.read_bytes()
    if new == old:
        return None
    try:
        where, size = largest_difference(json.loads(old), json.loads(new))
        beyond = beyond_rounding(old_path, trace)
    except ValueError:
        where, size, beyond = "the top (not JSON)", math.inf, "it is not JSON"
    now = versions()
    recorded = manifest.get("versions") if isinstance(manifest.get("versions"), dict) else {}
    changed = [f"{k} {v} -> {now.get(k)}" for k, v in recorded.items() if now.get(k) != v]
    what = f"first difference at {where}" if math.isinf(size) else f"largest difference {size:.6g} at {where}"
    head = f"rerun: trace.json differs; beyond float32 rounding: {beyond}; " if beyond else \
        "rerun: trace.json differs within float32 rounding only (another CPU's kernels); "
    tail = f"versions differ: {', '.join(changed)}" if changed else "same versions"
    return f"{head}{what}; {tail}", beyond is None
