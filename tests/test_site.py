"""The course site: cards on the index, incremental and forced rebuilds, failures, paths."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from gdanim.build import build_site
from gdanim.build.site import scenario_folder
from gdanim.cli import main
from gdanim.folder import STAMP
from gdanim.report import ReportError

SCENARIO = """\
title: {title}
description: A tiny scenario for the site tests.
data:
  synthetic: {{n: 12, seed: {seed}, x: randn, params: [1.0, 2.0], noise: 0.1}}
init: [0.0, 0.0]
loss: mse
epochs: 3
runs:
  - {{lr: 0.1}}
  - {{lr: 0.5}}
render: {{preset: thumb, max_frames: 3, hold: 0, formats: [mp4, png], panels: [fit]}}
"""


def write(folder: Path, name: str, title: str = "Tiny", seed: int = 1) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(SCENARIO.format(title=title, seed=seed), encoding="utf-8")
    return path


def mtimes(site: Path) -> dict[str, int]:
    return {str(p.relative_to(site)): p.stat().st_mtime_ns for p in site.rglob("*.mp4")}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    write(root / "src", "one", "First")
    write(root / "src", "two", "Second", seed=2)
    result = build_site([root / "src"], root / "site", jobs=2)
    return root, result


def test_the_index_lists_every_scenario_with_its_poster_title_and_summary(built):
    root, result = built
    site = root / "site"
    html = (site / "index.html").read_text(encoding="utf-8")
    assert result.failures == []
    assert html.count('<li class="card">') == 2
    for stem, title in (("one", "First"), ("two", "Second")):
        assert f'href="{stem}/index.html"' in html and title in html
        assert (site / stem / "compare.png").is_file()
        assert f'src="{stem}/compare.png"' in html
    assert "2 run(s), MSE, n = 12" in html
    assert (site / ".nojekyll").is_file()
    assert (site / "assets" / "site.css").is_file()


def test_each_scenario_folder_holds_its_page_media_downloads_and_stamp(built):
    root, _ = built
    folder = root / "site" / "one"
    for name in ("index.html", "trace.json", "lr-0.1.csv", "lr-0.1.mp4", "lr-0.1.png",
                 "scenario.yaml", "assets/loss.png", "assets/contour.png", "assets/site.js", STAMP):
        assert (folder / name).is_file(), name
    stamp = json.loads((folder / STAMP).read_text(encoding="utf-8"))
    assert set(stamp) == {"media", "figures", "page", "card", "animations"}
    assert set(stamp["animations"]) == {"lr-0.1", "lr-0.5", "compare"}


def test_a_second_build_renders_nothing_and_rewrites_no_video(built):
    root, _ = built
    before = mtimes(root / "site")
    again = build_site([root / "src"], root / "site", jobs=2)
    assert again.rendered == []
    assert not any(o.paged for o in again.outcomes)
    assert mtimes(root / "site") == before  # its speed: bench/site_bench.py


def test_changing_one_scenario_renders_only_that_one(tmp_path):
    write(tmp_path / "src", "one", "First")
    write(tmp_path / "src", "two", "Second", seed=2)
    build_site([tmp_path / "src"], tmp_path / "site", jobs=1)
    write(tmp_path / "src", "two", "Second, changed", seed=2)
    again = build_site([tmp_path / "src"], tmp_path / "site", jobs=1)
    assert again.rendered == ["two"]
    assert "Second, changed" in (tmp_path / "site" / "index.html").read_text(encoding="utf-8")


def test_a_scenario_recorded_already_is_rendered_from_that_recording_while_its_file_is_unchanged(
        tmp_path, monkeypatch):
    from gdanim.api import record_to
    from gdanim.build import scenario as building
    from gdanim.errors import GdanimError
    from gdanim.scenario import load_scenario

    path = write(tmp_path / "src", "one", "First")
    build_site([tmp_path / "src"], tmp_path / "site", jobs=1)
    write(tmp_path / "src", "one", "First, changed")
    scenario = load_scenario(path)
    trace, _ = record_to(scenario, tmp_path / "site")  # as `gdanim serve` records it for the page
    recorded = {str(path.resolve()): (scenario.content_hash(), trace)}

    def no_recording(*args, **kwargs):
        raise GdanimError("recorded again")

    monkeypatch.setattr(building, "record_apart", no_recording)
    again = build_site([tmp_path / "src"], tmp_path / "site", jobs=1, recorded=recorded)
    assert again.failures == [] and again.rendered == ["one"]
    assert "First, changed" in (tmp_path / "site" / "one" / "index.html").read_text(encoding="utf-8")
    write(tmp_path / "src", "one", "First, changed again")  # the recording is of an older file now
    stale = build_site([tmp_path / "src"], tmp_path / "site", jobs=1, recorded=recorded)
    assert "recorded again" in stale.failures[0].error


def edit_and_build(tmp_path: Path, old: str, new: str, start: tuple[str, str] = ("", "")):
    """Build scenario `one` (its text with `start` replaced), replace `old` by `new` in its
    file and build again; returns (the videos' mtimes before, after, the second build)."""
    path = write(tmp_path / "src", "one")
    path.write_text(path.read_text(encoding="utf-8").replace(*start), encoding="utf-8")
    build_site([tmp_path / "src"], tmp_path / "site", jobs=1)
    before = mtimes(tmp_path / "site")
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    again = build_site([tmp_path / "src"], tmp_path / "site", jobs=1)
    return before, mtimes(tmp_path / "site"), again


def test_adding_a_learning_rate_draws_that_run_and_the_grid_and_keeps_the_other_runs(tmp_path):
    from gdanim.build import build_again
    from gdanim.verify import verify_folder

    before, after, again = edit_and_build(tmp_path, "  - {lr: 0.5}\n", "  - {lr: 0.5}\n  - {lr: 0.3}\n")
    assert again.rendered == ["one"] and again.failures == []
    assert after["one/lr-0.1.mp4"] == before["one/lr-0.1.mp4"]
    assert after["one/lr-0.5.mp4"] == before["one/lr-0.5.mp4"]
    assert after["one/compare.mp4"] > before["one/compare.mp4"]  # the grid shows the new run too
    assert "one/lr-0.3.mp4" in after
    page = (tmp_path / "site" / "one" / "index.html").read_text(encoding="utf-8")
    assert all(f"lr-{rate}.mp4" in page for rate in ("0.1", "0.5", "0.3"))
    # every file, kept or drawn, is byte for byte what a fresh build of the new file writes
    assert verify_folder(tmp_path / "site" / "one", rerun=True, build=build_again) == []


@pytest.mark.parametrize("change", [("init: [0.0, 0.0]", "init: [0.5, 0.0]"), ("title: Tiny", "title: Tiny, renamed"),
                                    ("preset: thumb", "preset: thumb, theme: dark")])
def test_a_change_every_run_sees_draws_every_run_again(tmp_path, change):
    before, after, _ = edit_and_build(tmp_path, *change)
    assert after.keys() == before.keys() and all(after[k] > before[k] for k in after)


def test_a_change_to_one_run_draws_that_run_and_the_grid_again(tmp_path):
    before, after, _ = edit_and_build(tmp_path, "{lr: 0.5, name: fast}", "{lr: 0.4, name: fast}",
                                      start=("  - {lr: 0.5}", "  - {lr: 0.5, name: fast}"))
    assert after["one/lr-0.1.mp4"] == before["one/lr-0.1.mp4"]
    assert after["one/fast.mp4"] > before["one/fast.mp4"]
    assert after["one/compare.mp4"] > before["one/compare.mp4"]


def test_a_new_description_writes_the_page_again_and_draws_no_animation(tmp_path):
    before, after, _ = edit_and_build(tmp_path, "A tiny scenario", "A small scenario")
    assert after == before  # no frame shows the description
    assert "A small scenario" in (tmp_path / "site" / "one" / "index.html").read_text(encoding="utf-8")


def test_a_kept_animation_whose_file_went_missing_is_drawn_again(tmp_path):
    path = write(tmp_path / "src", "one")
    build_site([tmp_path / "src"], tmp_path / "site", jobs=1)
    (tmp_path / "site" / "one" / "lr-0.1.png").unlink()
    path.write_text(path.read_text(encoding="utf-8") + "# a comment changes the file, not the runs\n",
                    encoding="utf-8")
    before = mtimes(tmp_path / "site")
    build_site([tmp_path / "src"], tmp_path / "site", jobs=1)
    after = mtimes(tmp_path / "site")
    assert (tmp_path / "site" / "one" / "lr-0.1.png").is_file()
    assert after["one/lr-0.1.mp4"] > before["one/lr-0.1.mp4"]
    assert after["one/lr-0.5.mp4"] == before["one/lr-0.5.mp4"]


def test_a_run_removed_from_the_scenario_leaves_no_files_behind(tmp_path):
    path = write(tmp_path / "src", "one")
    build_site([tmp_path / "src"], tmp_path / "site", jobs=1)
    assert (tmp_path / "site" / "one" / "lr-0.5.mp4").is_file()
    path.write_text(path.read_text(encoding="utf-8").replace("  - {lr: 0.5}\n", ""), encoding="utf-8")
    build_site([tmp_path / "src"], tmp_path / "site", jobs=1)
    left = sorted(p.name for p in (tmp_path / "site" / "one").glob("lr-0.5*"))
    assert left == []
    assert not (tmp_path / "site" / "one" / "compare.mp4").exists()  # one run: no grid
    assert (tmp_path / "site" / "one" / "lr-0.1.mp4").is_file()


def test_force_renders_every_scenario_again(tmp_path):
    write(tmp_path / "src", "one")
    build_site([tmp_path / "src"], tmp_path / "site", jobs=1)
    before = mtimes(tmp_path / "site")
    forced = build_site([tmp_path / "src"], tmp_path / "site", jobs=1, force=True)
    assert forced.rendered == ["one"]
    after = mtimes(tmp_path / "site")
    assert after.keys() == before.keys() and all(after[k] > before[k] for k in after)
    # what was drawn is still known, so the next change keeps what it does not touch
    stamp = json.loads((tmp_path / "site" / "one" / STAMP).read_text(encoding="utf-8"))
    assert set(stamp["animations"]) == {"lr-0.1", "lr-0.5", "compare"}


def test_changing_the_language_renders_the_animations_again_since_their_words_change(tmp_path):
    write(tmp_path / "src", "one")
    build_site([tmp_path / "src"], tmp_path / "site", jobs=1)
    korean = build_site([tmp_path / "src"], tmp_path / "site", jobs=1, lang="ko")
    assert korean.rendered == ["one"]
    assert [o.paged for o in korean.outcomes] == [True]
    again = build_site([tmp_path / "src"], tmp_path / "site", jobs=1, lang="ko")
    assert again.rendered == [] and [o.paged for o in again.outcomes] == [False]
    assert '<html lang="ko">' in (tmp_path / "site" / "one" / "index.html").read_text(encoding="utf-8")
    assert "모든 시나리오" in (tmp_path / "site" / "one" / "index.html").read_text(encoding="utf-8")


def test_a_changed_template_rewrites_the_pages_but_keeps_the_figures(tmp_path):
    write(tmp_path / "src", "one")
    build_site([tmp_path / "src"], tmp_path / "site", jobs=1)
    figure = tmp_path / "site" / "one" / "assets" / "loss.png"
    before = figure.stat().st_mtime_ns
    theme = tmp_path / "theme"
    theme.mkdir()
    (theme / "scenario.html").write_text('{% extends "base.html" %}{% block main %}<p>mine</p>'
                                         "{% endblock %}", encoding="utf-8")
    again = build_site([tmp_path / "src"], tmp_path / "site", jobs=1, templates=theme)
    assert again.rendered == [] and [o.paged for o in again.outcomes] == [True]
    assert "<p>mine</p>" in (tmp_path / "site" / "one" / "index.html").read_text(encoding="utf-8")
    assert figure.stat().st_mtime_ns == before


def test_a_broken_scenario_is_reported_and_skipped_and_the_exit_code_is_1(tmp_path):
    write(tmp_path / "src", "good")
    (tmp_path / "src" / "broken.yaml").write_text("data: {synthetic: {n: 1}}\nepochs: -3\n",
                                                  encoding="utf-8")
    result = CliRunner().invoke(main, ["site", str(tmp_path / "src"), "-o", str(tmp_path / "site"),
                                       "--jobs", "1"])
    assert result.exit_code == 1
    assert "broken.yaml" in result.output and "epochs" in result.output
    html = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert 'href="good/index.html"' in html
    assert "broken.yaml" in html
    assert (tmp_path / "site" / "good" / "index.html").is_file()


def test_a_failed_animation_exits_1_and_is_tried_again_next_build(tmp_path, monkeypatch):
    from gdanim.api import record_to
    from gdanim.build import site as site_module

    calls = []

    def failing_render(scenario, site, settings, jobs, recorded=None, keep=None):
        calls.append(scenario.stem)
        trace, _ = record_to(scenario, site)
        return trace, ("lr-0.5: the encoder stopped",), True, {}

    monkeypatch.setattr(site_module, "_render", failing_render)
    write(tmp_path / "src", "one")
    args = ["site", str(tmp_path / "src"), "-o", str(tmp_path / "site"), "--jobs", "1"]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 1
    assert "warning: one: lr-0.5: the encoder stopped" in first.output
    assert json.loads((tmp_path / "site" / "one" / STAMP).read_text(encoding="utf-8"))["media"] is None
    CliRunner().invoke(main, args)
    assert calls == ["one", "one"]


def test_quiet_prints_only_the_summary(tmp_path):
    write(tmp_path / "src", "one")
    args = ["site", str(tmp_path / "src"), "-o", str(tmp_path / "site"), "-q", "--jobs", "1"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert result.output.count("\n") == 1 and "1 scenario(s), 1 rendered, 0 failed" in result.output


@pytest.mark.parametrize("stem", ["assets", "ASSETS"])
def test_a_scenario_named_like_the_sites_own_folder_is_refused(tmp_path, stem):
    with pytest.raises(ReportError, match="reserved"):
        scenario_folder(tmp_path, stem)


def test_a_scenario_file_named_dot_dot_cannot_write_outside_the_site(tmp_path):
    write(tmp_path / "src", "..")  # "...yaml": its stem is ".."
    result = build_site([tmp_path / "src" / "...yaml"], tmp_path / "site", jobs=1)
    assert len(result.failures) == 1 and "a scenario file name that can name a folder" in result.failures[0].error
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site", "src"]


def test_every_file_the_site_writes_is_inside_the_site(built):
    root, _ = built
    site = (root / "site").resolve()
    for path in site.rglob("*"):
        assert path.resolve().is_relative_to(site)
        assert not path.is_symlink()


def test_two_files_with_the_same_stem_are_reported_not_overwritten(tmp_path):
    a, b = write(tmp_path / "a", "same", "A"), write(tmp_path / "b", "same", "B")
    result = build_site([a, b], tmp_path / "site", jobs=1)
    assert [o.error is None for o in result.outcomes] == [True, False]
    assert "same file name" in result.outcomes[1].error


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_the_render_command_also_writes_the_scenario_page(tmp_path, jobs):
    path = write(tmp_path, "solo")
    result = CliRunner().invoke(main, ["render", str(path), "-o", str(tmp_path / "out"), "--quiet",
                                       "--jobs", jobs])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "out" / "solo" / "index.html").read_text(encoding="utf-8")
    assert 'src="lr-0.1.mp4"' in page and "../index.html" not in page
    for figure in ("data", "loss", "contour"):  # drawn while the animations encoded
        assert f'src="assets/{figure}.png"' in page
        assert (tmp_path / "out" / "solo" / "assets" / f"{figure}.png").stat().st_size > 1000


def test_the_site_needs_a_scenario_file(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ReportError, match="no scenario files"):
        build_site([tmp_path / "empty"], tmp_path / "site")


def test_stale_scenarios_build_in_worker_processes_when_jobs_allow(tmp_path):
    write(tmp_path / "src", "one")
    write(tmp_path / "src", "two", seed=2)
    result = build_site([tmp_path / "src"], tmp_path / "site", jobs=2)
    assert sorted(result.rendered) == ["one", "two"]
    assert os.getpid() not in {o.worker for o in result.outcomes}


def test_one_job_builds_in_this_process(tmp_path):
    write(tmp_path / "src", "one")
    result = build_site([tmp_path / "src"], tmp_path / "site", jobs=1)
    assert [o.worker for o in result.outcomes] == [os.getpid()]


def test_ctrl_c_stops_the_site_leaving_no_process_no_queued_scenario_and_no_partial_file(tmp_path):
    from render_support import interrupt_while_writing, scenario_file

    (tmp_path / "scenarios").mkdir()
    for stem in ("a", "b", "c"):  # two build at once, one waits in the queue
        scenario_file(tmp_path / "scenarios", stem, epochs=400, lrs=(0.001, 0.002),
                      formats="mp4, gif", extra="  max_frames: 400\n")
    site = tmp_path / "site"
    code, left = interrupt_while_writing(["site", str(tmp_path / "scenarios"), "-o", str(site),
                                          "--jobs", "2", "--preset", "hd"], site)
    assert code == 130
    assert left == []  # no worker, recording or encoder goes on after Ctrl-C
    assert not (site / "c").exists()  # the queued scenario was never started
    assert not list(site.rglob("*.mp4")) and not list(site.rglob("*.gif"))
    assert not list(site.rglob(".*.part*")) and not (site / "index.html").exists()


def test_each_page_speaks_its_scenarios_lang_and_the_index_the_most_spoken(tmp_path):
    write(tmp_path / "src", "one", title="하나")
    write(tmp_path / "src", "two", title="둘", seed=2)
    write(tmp_path / "src", "three", title="Three", seed=3)
    for name in ("one", "two"):
        path = tmp_path / "src" / f"{name}.yaml"
        path.write_text("lang: ko\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    build_site([tmp_path / "src"], tmp_path / "site", jobs=1, render_options={"formats": ["png"]})
    langs = {name: (tmp_path / "site" / name / "index.html").read_text(encoding="utf-8")
             for name in ("one", "two", "three", ".")}
    assert '<html lang="ko">' in langs["one"] and "실행 결과" in langs["one"]
    assert '<html lang="en">' in langs["three"] and "실행 결과" not in langs["three"]
    assert '<html lang="ko">' in langs["."]  # two of three scenarios speak Korean
    result = CliRunner().invoke(main, ["site", str(tmp_path / "src"), "-o", str(tmp_path / "site"), "-q",
                                       "--lang", "en", "--jobs", "1"])
    assert result.exit_code == 0, result.output
    assert '<html lang="en">' in (tmp_path / "site" / "one" / "index.html").read_text(encoding="utf-8")


def test_render_writes_the_page_in_the_scenarios_lang_unless_told_otherwise(tmp_path):
    path = write(tmp_path, "one", title="하나")
    path.write_text("lang: ko\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    args = ["render", str(path), "-o", str(tmp_path / "out"), "--format", "png", "--quiet"]
    assert CliRunner().invoke(main, args).exit_code == 0
    assert '<html lang="ko">' in (tmp_path / "out" / "one" / "index.html").read_text(encoding="utf-8")
    assert CliRunner().invoke(main, [*args, "--lang", "en"]).exit_code == 0
    assert '<html lang="en">' in (tmp_path / "out" / "one" / "index.html").read_text(encoding="utf-8")


def test_the_schemas_languages_are_the_ones_the_pages_speak():
    from gdanim.report.strings import LANGS
    from gdanim.schema import LANGUAGES

    assert tuple(LANGUAGES) == tuple(LANGS)


def test_a_cards_picture_is_described_by_what_its_runs_did(tmp_path):
    write(tmp_path / "src", "one")
    build_site([tmp_path / "src"], tmp_path / "site", jobs=1, render_options={"formats": ["png"]})
    html = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    alt = html.split('alt="', 1)[1].split('"', 1)[0]
    assert alt.startswith("All 2 runs side by side: lr-0.1: gd with lr 0.1 on MSE")
    assert "lr-0.5:" in alt and "the loss" in alt
