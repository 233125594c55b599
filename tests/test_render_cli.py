"""gdanim render: exit codes, quiet, overrides, interruption."""

from __future__ import annotations

import os
import signal
import time

import pytest
from click.testing import CliRunner
from render_support import interrupt_while_writing, probe, scenario_file

from gdanim.cli import main
from gdanim.render import pipeline as pipeline_module


def run(*args: str):
    return CliRunner().invoke(main, ["render", *args], catch_exceptions=False)


def test_rendering_a_scenario_exits_0_and_says_what_it_wrote(tmp_path):
    result = run(str(scenario_file(tmp_path, epochs=2, formats="png")), "-o", str(tmp_path), "--jobs", "1")
    assert result.exit_code == 0
    assert "3 animation(s), 0 failed" in result.output
    assert (tmp_path / "tiny" / "compare.png").is_file()


def test_quiet_prints_nothing_on_success(tmp_path):
    result = run(str(scenario_file(tmp_path, epochs=2, formats="png")), "-o", str(tmp_path),
                 "--jobs", "1", "--quiet")
    assert result.exit_code == 0 and result.output == ""


def test_flags_override_the_scenario_and_only_when_given(tmp_path):
    path = scenario_file(tmp_path, epochs=2, lrs=(0.01,), formats="mp4")
    assert run(str(path), "-o", str(tmp_path / "a"), "--jobs", "1").exit_code == 0
    assert probe(tmp_path / "a/tiny/lr-0.01.mp4").width == 640  # the scenario's thumb preset
    assert not (tmp_path / "a/tiny/lr-0.01.png").exists()
    assert run(str(path), "-o", str(tmp_path / "b"), "--jobs", "1", "--preset", "4x3",
               "--format", "mp4,png").exit_code == 0
    assert probe(tmp_path / "b/tiny/lr-0.01.mp4").width == 1024
    assert (tmp_path / "b/tiny/lr-0.01.png").is_file()


def test_a_bad_scenario_or_flag_exits_2_with_one_clean_message(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("data: {synthetic: {n: 1}}\n")
    result = CliRunner().invoke(main, ["render", str(bad), "-o", str(tmp_path)])
    assert result.exit_code == 2 and "data.synthetic.n" in result.output
    result = CliRunner().invoke(main, ["render", str(scenario_file(tmp_path)), "-o", str(tmp_path),
                                       "--format", "avi"])
    assert result.exit_code == 2 and "error: format" in result.output and "Traceback" not in result.output


def test_a_failing_run_exits_1_and_names_it(tmp_path, monkeypatch):
    def broken(job, name, position):
        raise ValueError(f"cannot draw {name}")

    monkeypatch.setattr(pipeline_module, "_animate", broken)
    result = CliRunner().invoke(main, ["render", str(scenario_file(tmp_path, formats="png")), "-o",
                                       str(tmp_path), "--jobs", "1"])
    assert result.exit_code == 1
    assert "tiny/lr-0.03: ValueError: cannot draw lr-0.03" in result.output


@pytest.mark.parametrize("jobs", [["--jobs", "1"], []], ids=["in-process", "workers"])
def test_ctrl_c_exits_130_leaving_no_process_and_no_partial_file(tmp_path, jobs):
    path = scenario_file(tmp_path, epochs=400, lrs=(0.001, 0.002, 0.003), formats="mp4, gif",
                         extra="  max_frames: 400\n")
    folder = tmp_path / "tiny"
    code, left = interrupt_while_writing(["render", str(path), "-o", str(tmp_path), *jobs, "--quiet",
                                          "--preset", "hd"], folder)
    assert code == 130
    assert left == []  # no worker or encoder goes on with the queued runs after Ctrl-C
    assert not list(folder.glob("*.mp4")) and not list(folder.glob("*.gif"))
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == []


def test_progress_bars_go_to_stderr_only_when_asked_for(tmp_path, capsys):
    from gdanim.build import render_scenario

    path = scenario_file(tmp_path, epochs=2, formats="mp4")
    render_scenario(path, tmp_path, jobs=1, progress=True)
    bars = capsys.readouterr()
    assert "lr-0.01" in bars.err and "frame" in bars.err and bars.out == ""
    render_scenario(path, tmp_path, jobs=1, progress=None)  # stderr is not a terminal here
    assert capsys.readouterr().err == ""


def test_without_a_terminal_nothing_but_the_summary_is_printed(tmp_path):
    result = CliRunner().invoke(main, ["render", str(scenario_file(tmp_path, epochs=2, formats="png")),
                                       "-o", str(tmp_path), "--jobs", "1"])
    assert result.exit_code == 0 and result.stderr == ""


LEAN = """
import sys
from gdanim.build import scenario as building
from gdanim.cli import main

record_apart, seen = building.record_apart, []

def recording(*args, **kwargs):
    seen.append("jinja2" in sys.modules)
    return record_apart(*args, **kwargs)

building.record_apart = recording
try:
    main(sys.argv[1:])
except SystemExit as done:
    assert not done.code, done.code
print(seen, "matplotlib" in sys.modules)
"""


def test_the_command_records_before_the_page_loads_and_leaves_matplotlib_to_its_worker(tmp_path):
    import subprocess
    import sys

    path = scenario_file(tmp_path, epochs=2, lrs=(0.01,), formats="mp4")
    done = subprocess.run([sys.executable, "-c", LEAN, "render", str(path), "-o", str(tmp_path), "--quiet",
                           "--jobs", "2"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["[False]", "False"]  # no Jinja2 yet, and no matplotlib ever
    assert sorted(p.name for p in (tmp_path / "tiny" / "assets").glob("*.png")) == [
        "contour.png", "data.png", "loss.png"]


@pytest.mark.parametrize("setting, key", [("duration: 0", "render.duration"), ("duration: -2", "render.duration"),
                                          ("fps: 10", "render.fps"), ("motion: wiggle", "render.motion"),
                                          ("residuals: circles", "render.residuals")])
def test_a_bad_pace_exits_2_naming_the_file_line_and_key_and_writes_nothing(tmp_path, setting, key):
    import multiprocessing

    from gdanim.build.recording import Recorder

    path = scenario_file(tmp_path, extra=f"  {setting}\n")
    line = 1 + path.read_text().split("\n").index(f"  {setting}")
    result = CliRunner().invoke(main, ["render", str(path), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2 and f"{path}:{line}: {key}:" in result.output, result.output
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()
    # the recording child started ahead is ended with the command, in a process that goes on
    assert Recorder.waiting is None
    assert [p.name for p in multiprocessing.active_children() if p.name == "gdanim-record"] == []


def racing_command(press: bool):
    """A command whose pool breaks the way the workers break it on Ctrl-C, after a Ctrl-C or not."""
    from concurrent.futures.process import BrokenProcessPool

    import click

    from gdanim.cli import friendly_errors

    @click.command()
    @friendly_errors
    def racing() -> None:
        try:
            if press:
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(5)
        except KeyboardInterrupt:
            pass  # the pool saw its workers go first
        raise BrokenProcessPool("A process in the process pool was terminated abruptly")

    return racing


def test_whatever_fails_after_ctrl_c_ends_the_command_as_interrupted_and_the_handler_is_put_back():
    before = signal.getsignal(signal.SIGINT)
    result = CliRunner().invoke(racing_command(press=True))
    assert (result.exit_code, result.output.strip()) == (130, "interrupted")
    assert signal.getsignal(signal.SIGINT) is before
    result = CliRunner().invoke(racing_command(press=False))  # no Ctrl-C this time: a worker died
    assert result.exit_code == 1 and result.output.startswith("error: a worker process ended unexpectedly")


def test_a_render_refused_for_bad_input_ends_at_once_with_no_process_left(tmp_path):
    import os
    import subprocess
    import sys
    import time

    bad = tmp_path / "bad.yaml"
    bad.write_text("data:\n  synthetic: {n: 0}\nruns: [{lr: 0.1}]\n")
    proc = subprocess.Popen([sys.executable, "-m", "gdanim", "render", str(bad), "-o", str(tmp_path / "out")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2 and "Traceback" not in err, err
    # the recording's child, started while the file was read, ends with the command
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.02)
    else:
        raise AssertionError("a process of the refused render is still running")
    assert not (tmp_path / "out").exists()
