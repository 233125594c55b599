"""manifest.json: where a scenario folder came from (`gdanim.manifest/1`, docs/manifest.md),
and a site's own one at its top (`kind: "site"`): its scenario folders and its index.

The scenario and data files by sha256, the seeds, the versions of everything that
shaped the numbers and the pixels, the command, every output file by size and sha256,
and for every animation the epoch each frame shows. It writes down what gdanim.build
hands it (the trace, the render settings, each animation's frame epochs) and the files
it finds; it recomputes none of them. Versions are read from package metadata, so
writing a manifest imports neither torch nor matplotlib.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from gdanim import __version__
from gdanim.files import atomic_write_text
from gdanim.folder import MANIFEST as NAME
from gdanim.folder import SCENARIO_COPY, frames_folder, output_files, site_output_files

SCHEMA = "gdanim.manifest/1"
PACKAGES = ("torch", "numpy", "matplotlib", "imageio-ffmpeg")


def sha256_of(path: Path) -> str:
    """The sha256 of a file's bytes, in hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        # no mutate, below: the block size is memory use only (read(None), 2 << 20, 1 << 21: the same hash);
        # a changed sentinel (None, b"XXXX") never ends the loop: every test hashing a file hangs (a timeout)
        for block in iter(lambda: fh.read(1 << 20), b""):  # pragma: no mutate
            digest.update(block)
    return digest.hexdigest()


def file_entry(path: Path) -> dict[str, Any]:
    """{bytes, sha256} of a file."""
    return {"bytes": Path(path).stat().st_size, "sha256": sha256_of(path)}


@lru_cache(maxsize=1)
def versions() -> dict[str, str | None]:
    """Versions of gdanim, Python, the libraries and the ffmpeg binary (None when absent)."""
    found: dict[str, str | None] = {"gdanim": __version__, "python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    found["ffmpeg"] = _ffmpeg_version()
    return found


def _ffmpeg_version() -> str | None:
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_version()
    except Exception:  # noqa: BLE001 - no ffmpeg is a fact to record, not an error here
        return None


def created() -> str:
    """The time of the build, UTC ISO 8601 to the second; SOURCE_DATE_EPOCH when set."""
    stamp = os.environ.get("SOURCE_DATE_EPOCH")
    seconds = int(stamp) if stamp and stamp.isdigit() else int(time.time())
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def animations(frames: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """{name: {fps, hold_frames, frames, frame_epochs}} of the animations, given their
    timelines (gdanim.scene.timeline.Timeline, which hold the fps): frame i shows the
    (possibly fractional) epoch frame_epochs[i]; hold_frames is the end's pause."""
    return {name: _animation(line) for name, line in frames.items()}


def _animation(line) -> dict[str, Any]:
    epochs = [round(float(t), 6) for t in line.epochs]
    return {"fps": line.fps, "hold_frames": int(line.count - 1 - line.first[-1]), "frames": line.count,
            "frame_epochs": epochs}


def seeds(scenario, trace) -> dict[str, Any]:
    """{data: the synthetic data's seed or None, shuffle: {run: seed} for mini-batch runs}."""
    synthetic = scenario.spec.data.synthetic
    return {"data": synthetic.seed if synthetic is not None else None,
            "shuffle": {r.name: r.settings.seed for r in trace.runs if r.settings.batch_size is not None}}


def build(folder: Path, scenario, trace, *, command: str, options: Mapping[str, Any] | None = None,
          settings=None, frames: Mapping[str, Sequence[float]] | None = None) -> dict[str, Any]:
    """The manifest of folder as a dict (see docs/manifest.md) for `trace`; with the
    render `settings` and each animation's frame epochs (`frames`) when it was rendered."""
    folder = Path(folder)
    data = [scenario.data_path] if scenario.data_path is not None else []
    outputs = {str(p.relative_to(folder)): file_entry(p)
               for p in output_files(folder, [r.name for r in trace.runs])}
    anim = {}
    if settings is not None and frames is not None:
        for name, entry in animations(frames).items():
            files = [n for n in (f"{name}{ext}" for ext in (".mp4", ".gif")) if n in outputs]
            files += [frames_folder(name)] if (folder / frames_folder(name)).is_dir() else []
            if files:
                anim[name] = {"files": files, **entry}
    return {
        "schema": SCHEMA,
        "created": created(),
        "scenario": {"path": relative(scenario.path), "name": Path(scenario.path).name,
                     **file_entry(scenario.path)},
        "data": [{"path": relative(p), "name": p.name, **file_entry(p)} for p in data if p.is_file()],
        "seeds": seeds(scenario, trace),
        "versions": versions(),
        "command": {"name": command, "argv": ["gdanim", *sys.argv[1:]],
                    "options": {k: v for k, v in sorted((options or {}).items()) if v is not None}},
        "outputs": outputs,
        "animations": anim,
    }


def relative(path: Path) -> str:
    """`path` relative to the command's folder (a published manifest names no home folder)."""
    # no mutate, below: relpath's default start is the current folder, whose path getcwd() gives resolved already
    return Path(os.path.relpath(Path(path).resolve(), Path.cwd().resolve())).as_posix()  # pragma: no mutate


def write_manifest(folder: Path, scenario, trace, *, command: str, options: Mapping[str, Any] | None = None,
                   settings=None, frames: Mapping[str, Sequence[float]] | None = None) -> Path:
    """Write folder/manifest.json for what is in folder now (see `build`); returns its path."""
    manifest = build(folder, scenario, trace, command=command, options=options, settings=settings, frames=frames)
    return atomic_write_text(Path(folder) / NAME, _text(manifest))


def write_site_manifest(site: Path, scenarios: Iterable[str], *,
                        options: Mapping[str, Any] | None = None) -> Path:
    """Write site/manifest.json (`kind: "site"`): the scenario folders of the site and its
    own files by size and sha256, so `gdanim verify` checks the index too. An unchanged
    site keeps the manifest it has (its `created` stays the first build's)."""
    site = Path(site)
    manifest = {
        "schema": SCHEMA,
        "kind": "site",
        "created": created(),
        "versions": versions(),
        "command": {"name": "site", "argv": ["gdanim", *sys.argv[1:]],
                    "options": {k: v for k, v in sorted((options or {}).items()) if v is not None}},
        "scenarios": sorted(scenarios),
        "outputs": {p.relative_to(site).as_posix(): file_entry(p) for p in site_output_files(site)},
    }
    try:
        old = read_manifest(site)
    except (OSError, ValueError):
        old = {}
    if all(old.get(k) == manifest[k] for k in ("kind", "versions", "scenarios", "outputs")):
        return site / NAME
    return atomic_write_text(site / NAME, _text(manifest))


def _text(manifest: dict[str, Any]) -> str:
    """A manifest as the file holds it: JSON, non-ASCII text as it is, one line at the end."""
    # no mutate, below: ensure_ascii=None is falsy as False is: json writes non-ASCII text as it is either way
    return json.dumps(manifest, ensure_ascii=False, indent=1, default=str) + "\n"  # pragma: no mutate


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest in folder; raises OSError or ValueError when missing or unreadable."""
    # no mutate, below: encoding None or "UTF-8" read the same file on a UTF-8 system
    manifest = json.loads((Path(folder) / NAME).read_text(encoding="utf-8"))  # pragma: no mutate
    if not isinstance(manifest, dict) or manifest.get("schema") != SCHEMA:
        raise ValueError(f"not a {SCHEMA} manifest")
    return manifest


def is_gdanim_folder(folder: Path) -> bool:
    """True when folder holds a scenario manifest gdanim wrote (its schema, no site kind):
    only such a folder is gdanim's to rebuild or remove."""
    try:
        manifest = read_manifest(folder)
    except (OSError, ValueError):
        return False
    return manifest.get("kind") != "site" and isinstance(manifest.get("outputs"), dict)


def provenance(folder: Path) -> dict[str, str]:
    """What a page's "how this was made" line shows: versions, the date and, for a
    scenario's page, the short sha256 of the scenario copy beside it and the manifest."""
    copy = Path(folder) / SCENARIO_COPY
    v = versions()
    shown = ", ".join(f"{k} {v[k]}" for k in ("gdanim", "python", "torch", "numpy", "matplotlib", "ffmpeg")
                      if v.get(k))
    return {"versions": shown, "date": created()[:10],
            "scenario_sha256": sha256_of(copy)[:12] if copy.is_file() else "",
            "manifest": NAME if copy.is_file() else ""}
