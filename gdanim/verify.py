"""`gdanim verify`: a rendered folder or a whole site checked against its manifests.

    findings, checked = verify_paths(["output/site"], rerun=True)

A finding is one line: a scenario or data file changed since the build, an output
changed or missing, or (rerun) a trace recorded again that is not byte for byte the same.
A rerun that differs from the trace only within float32 rounding (another CPU sums in
another order; gdanim.rounding) is a note, named as such, not a finding that fails.
"""

from __future__ import annotations

import json
import math
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from gdanim.errors import GdanimError
from gdanim.folder import MANIFEST as NAME
from gdanim.folder import SCENARIO_COPY, TRACE
from gdanim.manifest import read_manifest, sha256_of, versions


class VerifyError(GdanimError):
    """Folders that cannot be verified as asked (missing, or no manifest in them)."""


@dataclass(frozen=True)
class Finding:
    """One thing that no longer holds, in one scenario folder."""

    folder: Path
    message: str
    note: bool = False
    "True for what is reported but holds: a rerun that differs within float32 rounding only."

    def __str__(self) -> str:
        return f"{self.folder}: {self.message}"


def manifest_folders(paths: Iterable[str | Path]) -> list[Path]:
    """The folders to check: each path holding a scenario's manifest.json; a site (its own
    manifest at the top, of kind "site") and its subfolders that hold one; else those
    subfolders alone (a site built before site manifests). VerifyError when a path has none."""
    found: list[Path] = []
    for path in map(Path, paths):
        if not path.is_dir():
            raise VerifyError(f"{path}: a rendered folder or a site is expected, got "
                              f"{'a file' if path.exists() else 'nothing'}")
        if (path / NAME).is_file() and not _is_site(path):
            found.append(path)
            continue
        inner = sorted(p for p in path.iterdir() if p.is_dir() and (p / NAME).is_file())
        if not inner and not (path / NAME).is_file():
            raise VerifyError(f"{path}: no {NAME} in it or in its folders (built before manifests? "
                              "render it again)")
        found += [path] if (path / NAME).is_file() else []
        found += inner
    return found


def _is_site(folder: Path) -> bool:
    try:
        return read_manifest(folder).get("kind") == "site"
    except (OSError, ValueError):
        return False


def verify_paths(paths: Iterable[str | Path], *, rerun: bool = False) -> tuple[list[Finding], int]:
    """(every finding, how many folders were checked)."""
    folders = manifest_folders(paths)
    findings = [f for folder in folders for f in verify_folder(folder, rerun=rerun)]
    return findings, len(folders)


def verify_folder(folder: Path, *, rerun: bool = False) -> list[Finding]:
    """What no longer holds in one scenario folder; [] when all does."""
    folder = Path(folder)
    try:
        manifest = read_manifest(folder)
    except (OSError, ValueError) as exc:
        return [Finding(folder, f"{NAME} cannot be read: {exc}")]
    if manifest.get("kind") == "site":  # the index and assets, and every scenario folder it lists
        found = [Finding(folder, m) for m in _outputs(folder, manifest)]
        return found + [Finding(folder, f"scenario folder missing: {name}") for name in manifest["scenarios"]
                        if not (folder / name / NAME).is_file()]
    found = [Finding(folder, m) for m in _sources(manifest)]
    found += [Finding(folder, m) for m in _outputs(folder, manifest)]
    if rerun:
        found += list(_rerun(folder, manifest))
    return found


def _sources(manifest: dict) -> Iterator[str]:
    """The scenario and data files, where they still are (a copied site has only the copies
    beside its pages, which are checked as outputs)."""
    for kind, entry in [("scenario", manifest["scenario"]), *(("data file", d) for d in manifest["data"])]:
        path = Path(entry["path"])
        if path.is_file() and sha256_of(path) != entry["sha256"]:
            yield f"{kind} changed since the build: {path}"


def _outputs(folder: Path, manifest: dict) -> Iterator[str]:
    for name, entry in sorted(manifest["outputs"].items()):
        path = folder / name
        if not path.is_file():
            yield f"output missing: {name}"
        elif path.stat().st_size != entry["bytes"] or sha256_of(path) != entry["sha256"]:
            yield f"output changed since the build: {name}"


def _rerun(folder: Path, manifest: dict) -> Iterator[Finding]:
    """Record the scenario again into a temporary folder and compare trace.json byte for byte."""
    from gdanim.api import record_to
    from gdanim.rounding import beyond_rounding, largest_difference
    from gdanim.scenario import load_scenario

    source = Path(manifest["scenario"]["path"])
    if not source.is_file():
        source = folder / SCENARIO_COPY
    if not source.is_file():
        yield Finding(folder, f"rerun: the scenario is gone ({manifest['scenario']['path']}) and no copy is beside "
                      "the page")
        return
    with tempfile.TemporaryDirectory(prefix="gdanim-verify-") as tmp:
        trace, again = record_to(load_scenario(source), Path(tmp))
        new = (again / TRACE).read_bytes()
    try:
        old = (folder / TRACE).read_bytes()
    except OSError:
        yield Finding(folder, "rerun: trace.json is missing")
        return
    if new == old:
        return
    where, size = largest_difference(json.loads(old), json.loads(new))
    now = versions()
    changed = [f"{k} {v} -> {now.get(k)}" for k, v in manifest["versions"].items() if now.get(k) != v]
    what = f"first difference at {where}" if math.isinf(size) else f"largest difference {size:.6g} at {where}"
    beyond = beyond_rounding(folder / TRACE, trace)
    head = f"rerun: trace.json differs; beyond float32 rounding: {beyond}; " if beyond else \
        "rerun: trace.json differs within float32 rounding only (another CPU's kernels); "
    tail = f"versions differ: {', '.join(changed)}" if changed else "same versions"
    yield Finding(folder, f"{head}{what}; {tail}", note=beyond is None)
