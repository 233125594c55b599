"""Keep the rooms clear: torch, matplotlib and jinja2 each live in one part of the
package, the report and the renderer keep to their lanes, nothing below the build
reaches up into it or the command line, and no module imports itself round a circle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "gdanim"
ROOMS = {"torch": "recorder", "matplotlib": "frames", "jinja2": "report", "mpl_toolkits": "frames"}
UPWARD = {"render/__init__.py": {"build"}}
"The one upward import, by request: `gdanim.render(...)` is the notebooks' shortcut to build.render_scenario."


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def room_of(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0].removesuffix(".py")


@pytest.mark.parametrize("library", sorted(ROOMS))
def test_each_heavy_library_is_imported_only_in_its_room(library):
    offenders = [
        str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
        if library in imports(p) and room_of(p) != ROOMS[library]
    ]
    assert offenders == []


def test_the_rooms_exist():
    assert (PACKAGE / "recorder").is_dir()
    assert any("torch" in imports(p) for p in (PACKAGE / "recorder").rglob("*.py"))


def imported_names(path: Path) -> set[str]:
    """Every module a file imports, at its top or inside a function (`from gdanim import x`
    counts as gdanim.x)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names |= {node.module, *(f"{node.module}.{a.name}" for a in node.names)}
    return names


def gdanim_imports(path: Path) -> set[str]:
    """The gdanim subpackages and modules a module imports (gdanim.scene.views -> 'scene')."""
    return {name.split(".")[1] for name in imported_names(path) if name.startswith("gdanim.")}


def reaching(room: str, above: set[str]) -> dict[str, set[str]]:
    """The modules of `room` (a folder, or a top-level module's name) that import any of `above`."""
    files = (PACKAGE / room).rglob("*.py") if (PACKAGE / room).is_dir() else [PACKAGE / f"{room}.py"]
    out = {}
    for p in files:
        rel = p.relative_to(PACKAGE).as_posix()
        found = gdanim_imports(p) & above - UPWARD.get(rel, set())
        if found:
            out[rel] = found
    return out


TOP = {"build", "serve", "cli", "__init__", "__main__"}
LOWER = sorted({p.relative_to(PACKAGE).parts[0].removesuffix(".py") for p in PACKAGE.iterdir()
                if (p.suffix == ".py" or (p / "__init__.py").is_file())} - TOP)
"The rooms below build; serve sits on build, as the command line does."


@pytest.mark.parametrize(("room", "above"), [
    ("frames", {"render", "report", "recorder", "api"}),
    ("scene", {"render", "frames", "report", "recorder", "api"}),
    ("report", {"render", "api", "recorder"}),
    ("render", {"report", "api", "recorder"}),
    ("recorder", {"render", "report", "frames", "scene", "api"}),
    ("dataset", {"recorder", "api"}),
    ("manifest", {"render", "report", "recorder", "api", "scene"}),
    *((room, {"build", "serve", "cli"}) for room in LOWER),
    ("build", {"serve", "cli"}),
])
def test_a_lower_room_does_not_reach_up(room, above):
    assert reaching(room, above) == {}


def module_name(path: Path, package: Path) -> str:
    parts = list(path.relative_to(package.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def cycles(package: Path = PACKAGE) -> list[list[str]]:
    """The circles of imports between a package's modules (each a list of modules), lazy ones included."""
    modules = {module_name(p, package): p for p in package.rglob("*.py")}
    graph = {m: {n for n in imported_names(p) if n in modules and n != m} for m, p in modules.items()}
    found, done = [], set()

    def walk(node: str, trail: list[str]) -> None:
        for nxt in sorted(graph[node]):
            if nxt in trail:
                found.append(trail[trail.index(nxt):])
            elif nxt not in done:
                walk(nxt, [*trail, nxt])
        done.add(node)

    for start in sorted(graph):
        if start not in done:
            walk(start, [start])
    return found


def test_no_module_imports_itself_round_a_circle():
    assert cycles() == []


def test_the_circle_check_finds_a_lazy_one(tmp_path):
    (tmp_path / "gdanim").mkdir()
    for name, body in [("__init__.py", ""), ("a.py", "def f():\n    from gdanim.b import g\n"),
                       ("b.py", "from gdanim.a import f\n"), ("c.py", "from gdanim import a\n")]:
        (tmp_path / "gdanim" / name).write_text(body)
    assert [sorted(c) for c in cycles(tmp_path / "gdanim")] == [["gdanim.a", "gdanim.b"]]


def test_the_folder_names_every_file_a_writer_writes():
    from gdanim.folder import MEDIA, frames_folder
    from gdanim.render.writers import WRITERS

    assert {w.suffix for w in WRITERS.values()} <= set(MEDIA) | {frames_folder("")}
