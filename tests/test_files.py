"""Files appear whole or not at all, with the mode a plain open() gives them."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from gdanim.errors import MachineError
from gdanim.files import atomic_path, atomic_write_text, file_mode, make_folder, remove_leftovers


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.mark.parametrize("mask, expected", [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664)])
def test_a_written_file_gets_the_mode_the_umask_gives_a_plain_open(tmp_path, mask, expected):
    old = os.umask(mask)
    try:
        atomic_write_text(tmp_path / "a.txt", "x")
        assert file_mode() == expected
    finally:
        os.umask(old)
    assert mode(tmp_path / "a.txt") == expected


def test_every_file_of_a_render_is_readable_by_a_web_server(tmp_path):
    """The command in a fresh process with umask 022: no file at 0600, no folder at 0700."""
    sys.path.insert(0, str(Path(__file__).parent))
    from render_support import scenario_file

    source = scenario_file(tmp_path, epochs=2, lrs=(0.01,), formats="mp4, gif, png, frames", panels="fit")
    subprocess.run([sys.executable, "-m", "gdanim", "render", str(source), "-o", str(tmp_path / "out"),
                    "--jobs", "1", "--quiet"], check=True, preexec_fn=lambda: os.umask(0o022))
    paths = list((tmp_path / "out").rglob("*"))
    assert len(paths) > 8
    for path in paths:
        assert mode(path) == (0o755 if path.is_dir() else 0o644), path


def test_a_failed_block_leaves_the_old_file_and_no_temporary_one(tmp_path, umask_022):
    atomic_write_text(tmp_path / "a.txt", "old")
    with pytest.raises(RuntimeError), atomic_path(tmp_path / "a.txt") as tmp:
        tmp.write_text("half")
        raise RuntimeError
    assert (tmp_path / "a.txt").read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_a_file_in_the_way_is_a_machine_error_naming_it(tmp_path):
    (tmp_path / "f").write_text("")
    with pytest.raises(MachineError, match=f"{tmp_path / 'f'} is a file, not a folder"):
        atomic_write_text(tmp_path / "f" / "sub" / "a.txt", "x")
    with pytest.raises(MachineError, match="is a file, not a folder"):
        make_folder(tmp_path / "f")


def test_an_os_error_while_writing_names_the_file(tmp_path):
    with pytest.raises(MachineError, match=r"cannot write .*a\.txt: No space left on device"), \
            atomic_path(tmp_path / "a.txt"):
        raise OSError(28, "No space left on device")
    assert list(tmp_path.iterdir()) == []


def test_leftovers_are_only_the_temporary_names_of_the_files_asked_for(tmp_path):
    names = [".lr-0.01.abc.part.mp4", ".lr-0.01-frames.x1.part", ".trace.q.part.json",
             ".other.z.part.gif", "lr-0.01.mp4", ".gdanim-build.json", "notes.part.txt"]
    for name in names:
        (tmp_path / name).mkdir() if name.endswith(".part") else (tmp_path / name).write_text("")
    removed = remove_leftovers(tmp_path, ["lr-0.01", "trace"])
    assert sorted(p.name for p in removed) == [".lr-0.01-frames.x1.part", ".lr-0.01.abc.part.mp4",
                                               ".trace.q.part.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".gdanim-build.json", ".other.z.part.gif",
                                                          "lr-0.01.mp4", "notes.part.txt"]


def test_write_if_changed_writes_new_bytes_and_leaves_the_same_bytes_alone(tmp_path):
    from gdanim.files import write_if_changed

    path = tmp_path / "a.txt"
    assert write_if_changed(path, b"one") and path.read_bytes() == b"one"
    os.utime(path, (1, 1))
    assert not write_if_changed(path, b"one") and path.stat().st_mtime == 1  # untouched
    assert write_if_changed(path, b"two") and path.read_bytes() == b"two"
