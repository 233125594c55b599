"""Where a gdanim command's time goes: its steps, in every process, from its start.

    python bench/timeline.py render scenarios/lr.yaml -o /tmp/out --format mp4 --quiet

Runs the command in this process, as `python -m gdanim` would, and prints when each
watched step began and ended (`>` and `<`), in which process (the command, the
recording's child, a render worker, a copy of it drawing figures), with the processes
forked and the programs started. Read by hand; the figures of bench/README.md's
"where the command's time goes" come from it.
"""

from __future__ import annotations

import functools
import importlib.abc
import importlib.util
import os
import runpy
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WATCH = {
    "gdanim.scenario": ["load_scenario"],
    "gdanim.build.scenario": ["record_apart", "write_scenario_report", "write_scenario_manifest"],
    "gdanim.render.pipeline": ["render_trace", "_animate", "write_frames"],
    "gdanim.frames.animate": ["warm_up", "run_frames"],
    "gdanim.frames.figures": ["save_pngs", "save_pngs_apart"],
    "gdanim.report.scenario_page": ["prepare_templates", "prepare_page", "write_figures", "write_report"],
    "gdanim.report.fonts": ["font_faces"],
}
"Module -> the functions whose start and end are noted."

START = time.perf_counter()
LOG = Path(tempfile.mkstemp(prefix="gdanim-timeline-", suffix=".txt")[1])


def note(what: str) -> None:
    with LOG.open("a") as f:  # one line per write: the processes share the file
        f.write(f"{time.perf_counter() - START:7.3f} {os.getpid():>7} {what}\n")


def watched(module, name: str) -> None:
    inner = getattr(module, name)
    short = f"{module.__name__.rsplit('.', 1)[-1]}.{name}"

    @functools.wraps(inner)
    def outer(*args, **kwargs):
        note(f"> {short}")
        try:
            return inner(*args, **kwargs)
        finally:
            note(f"< {short}")

    setattr(module, name, outer)


class Watcher(importlib.abc.MetaPathFinder):
    """Wraps the watched functions of a module as it is first imported (whichever process)."""

    def find_spec(self, fullname, path, target=None):
        if fullname not in WATCH:
            return None
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(fullname)
        finally:
            sys.meta_path.insert(0, self)
        run = spec.loader.exec_module

        def exec_module(module):
            run(module)
            for name in WATCH[fullname]:
                watched(module, name)

        spec.loader.exec_module = exec_module
        return spec


def main() -> None:
    sys.meta_path.insert(0, Watcher())
    os.register_at_fork(after_in_child=lambda: note("forked"))
    started = subprocess.Popen.__init__

    def popen(self, args, *rest, **kwargs):
        note(f"starts {Path(str(args[0])).name} {' '.join(map(str, args[1:3]))}")
        started(self, args, *rest, **kwargs)

    subprocess.Popen.__init__ = popen
    sys.argv = ["gdanim", *sys.argv[1:]]
    note("start")
    try:
        runpy.run_module("gdanim", run_name="__main__")
    finally:
        note("done")
        print(LOG.read_text(), end="", file=sys.stderr)
        LOG.unlink()


if __name__ == "__main__":
    main()
