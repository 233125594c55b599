"""Keep the rooms clear: torch, matplotlib and jinja2 each live in one part of the package."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "gdanim"
ROOMS = {"torch": "recorder", "matplotlib": "frames", "jinja2": "report", "mpl_toolkits": "frames"}


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


def gdanim_imports(path: Path) -> set[str]:
    """The gdanim subpackages a module imports (gdanim.scene.views -> 'scene')."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    names += [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module and n.level == 0]
    return {name.split(".")[1] for name in names if name.startswith("gdanim.") and name.count(".") >= 1}


@pytest.mark.parametrize(("room", "above"), [("frames", {"render", "report", "recorder"}),
                                             ("scene", {"render", "frames", "report", "recorder"})])
def test_a_lower_room_does_not_reach_up(room, above):
    reaching = {str(p.relative_to(PACKAGE)): gdanim_imports(p) & above for p in (PACKAGE / room).rglob("*.py")}
    assert {k: v for k, v in reaching.items() if v} == {}
