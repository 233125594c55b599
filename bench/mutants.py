"""A small mutation check, run by hand: plant known bugs one at a time in a copy of the
repository and report the ones the tests let through.

    python bench/mutants.py            # every mutant
    python bench/mutants.py --only update-sign dampening

Each mutant replaces one exact piece of text in one file and runs the test files that
should catch it; "caught" means pytest failed. The copy lives in a temporary folder,
so the checkout is never touched.

The Python modules of setup.cfg's [mutmut] list are mutated by mutmut instead
(bench/mutation.py), and their hand mutants are retired once a module has a recorded
score in bench/README.md. What stays here is what mutmut cannot do: the page's
JavaScript and templates, and modules outside that list (scenario loading, files, the
build, the frames); plus, until their modules are scored, the recorder's, the dataset's,
the views', verify's and the manifest's.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Mutant:
    name: str
    file: str
    old: str
    new: str
    tests: tuple[str, ...]


LAB_BROWSER = "tests/test_lab_browser.py::"
ROBUST_LAB = LAB_BROWSER + "test_a_robust_loss_trains_on_its_own_level_sets_and_says_why_it_has_no_critical_rate"
KOREAN_LAB = LAB_BROWSER + "test_the_korean_page_labels_the_lab_in_korean"
SITE_MANIFEST = ("tests/test_manifest.py::"
                 "test_a_site_has_its_own_manifest_and_verify_checks_its_index_assets_and_folders")
LAB_REPLAYS = "tests/test_lab_core.py::test_every_run_is_replayed_as_close_to_the_exact_path_as_the_recording_is"
RESET_LANDS = LAB_BROWSER + "test_a_reset_lands_on_the_final_state_the_page_carries_not_on_a_replay"
RUN_REMOVED = "tests/test_site.py::test_a_run_removed_from_the_scenario_leaves_no_files_behind"

HOSTILE = "tests/test_hostile.py::"
WRITING = "tests/test_writing.py::"

MUTANTS = (
    Mutant("confine-after-open", "gdanim/scenario.py",
           "        read_csv(confine(folder, csv.path, root), columns, csv.y)",
           "        read_csv(folder / csv.path, columns, csv.y)\n        confine(folder, csv.path, root)",
           (HOSTILE + "test_an_absolute_data_path_is_refused_without_printing_the_file",)),
    Mutant("alias-budget-off", "gdanim/yamlsource.py", "                _check_budget(node)", "                pass",
           (HOSTILE + "test_an_alias_bomb_is_refused_quickly_in_one_line",)),
    Mutant("formula-kept", "gdanim/datafile.py", "        return \"'\" + cell", "        return cell",
           (HOSTILE + "test_formula_cells_are_neutralized_and_plain_numbers_kept",)),
    Mutant("title-as-math", "gdanim/frames/animate.py", "fontsize=style.title, parse_math=False)",
           "fontsize=style.title)", (HOSTILE + "test_titles_and_column_names_with_dollars_draw_literally",)),
    Mutant("lock-dropped", "gdanim/files.py",
           '    with folder_lock(folder, LOCK, "gdanim render or record", keep=False):',
           "    with contextlib.nullcontext(folder):", (WRITING + "test_two_renders_into_one_folder_never_mix",)),
    Mutant("link-followed", "gdanim/files.py", "    if Path(folder).is_symlink():\n        raise UnsafeOutput",
           "    if False:\n        raise UnsafeOutput",
           (WRITING + "test_a_linked_assets_folder_is_never_written_through",)),
    Mutant("stale-kept", "gdanim/build/scenario.py",
           "    remove_stale(result.folder, [name for name, _ in result.failures], MEDIA, started)",
           "    pass", (WRITING + "test_a_run_that_fails_on_a_rebuild_leaves_no_old_media_behind",)),
    Mutant("verify-skips-added", "gdanim/verify.py",
           "    found += [Finding(folder, m) for m in _added(folder, manifest)]\n", "",
           ("tests/test_verify.py::test_added_files_are_named",)),
    Mutant("rerun-trace-only", "gdanim/verify.py", "            differ.append(name)", "            pass",
           ("tests/test_verify.py::test_a_rehashed_manifest_hides_tampering_from_a_plain_check_but_not_from_a_rerun",)),
    Mutant("update-sign", "gdanim/recorder/optim.py", "upd_h.append(after - before)",
           "upd_h.append(before - after)", ("tests/test_recorder_hand_loops.py",)),
    Mutant("dampening", "gdanim/recorder/batched.py", "buf * momentum + (1 - damp) * g",
           "buf * momentum + g", ("tests/test_recorder_hand_loops.py",)),
    Mutant("one-step-too-many", "gdanim/recorder/batched.py", "(steps < last_step)",
           "(steps <= last_step)", ("tests/test_recorder_hand_loops.py",)),
    Mutant("safe-card-title", "templates/index.html", "{{ card.title }}",
           "{{ card.title|safe }}", ("tests/test_report_escaping.py",)),
    Mutant("mode-0600", "gdanim/files.py", "        os.chmod(tmp_path, file_mode())\n", "",
           ("tests/test_files.py",)),
    Mutant("poster-frames", "gdanim/render/pipeline.py", "                writer.write(frame)",
           "                writer.write(poster)", ("tests/test_render_pixels.py",)),
    Mutant("schedule-per-batch", "gdanim/recorder/batched.py", "upd = -(lr_of_epoch[epoch] * d)",
           "upd = -(lr_of_epoch[min(t, len(lr_of_epoch) - 1)] * d)", ("tests/test_schedules.py",)),
    Mutant("schedule-per-batch-optim", "gdanim/recorder/optim.py", "float(rates[epoch])",
           "float(rates[min(len(epoch_h), len(rates) - 1)])", ("tests/test_schedules.py",)),
    Mutant("schedule-ignored-in-optim", "gdanim/recorder/optim.py",
           '        opt.param_groups[0]["lr"] = float(rates[epoch])\n', "", ("tests/test_schedules.py",)),
    Mutant("subgradient-at-zero", "gdanim/recorder/lossgrad.py", "grad = torch.sign(err) @ X",
           "grad = torch.where(err >= 0, 1.0, -1.0) @ X", ("tests/test_robust.py",)),
    Mutant("huber-delta-ignored", "gdanim/recorder/lossgrad.py",
           'F.huber_loss(yhat, target, reduction="none", delta=huber_delta)',
           'F.huber_loss(yhat, target, reduction="none")', ("tests/test_robust.py",)),
    Mutant("huber-analytic-delta-1", "gdanim/recorder/lossgrad.py", "err.clamp(-huber_delta, huber_delta)",
           "err.clamp(-1.0, 1.0)", ("tests/test_robust.py",)),
    Mutant("mae-summed", "gdanim/recorder/lossgrad.py", 'return each.sum(1) if kind == "sae" else each.mean(1)',
           "return each.sum(1)", ("tests/test_robust.py",)),
    Mutant("powers-from-zero", "gdanim/dataset.py", "x ** np.arange(1, degree + 1)", "x ** np.arange(degree)",
           ("tests/test_polynomial.py",)),
    Mutant("normalize-before-expanding", "gdanim/dataset.py",
           "    norm = normalization(data.normalize, raw_columns)\n",
           "    norm = normalization(data.normalize, x_raw)\n", ("tests/test_polynomial.py",)),
    Mutant("lab-huber-grad-sign", "templates/static/lab-core.js", "e <= -hd ? -cd : e >= hd ? cd : f(e * c)",
           "e <= -hd ? cd : e >= hd ? -cd : f(e * c)", ("tests/test_lab_core.py",)),
    Mutant("lab-mae-grad-without-mean", "templates/static/lab-core.js", "var k = analytic ? 1 : c;", "var k = 1;",
           ("tests/test_lab_core.py",)),
    Mutant("lab-huber-half-delta", "templates/static/lab-core.js", "half: f(0.5 * f(delta))", "half: f(delta)",
           ("tests/test_lab_core.py",)),
    Mutant("lab-sae-as-mean", "templates/static/lab-core.js", 'mean: name !== "sse" && name !== "sae"',
           'mean: name !== "sse"', ("tests/test_lab_core.py",)),
    Mutant("lab-grid-others-dropped", "templates/static/lab-core.js", "else s += o.fixed[j] * x;", "",
           ("tests/test_lab_core.py",)),
    Mutant("lab-isolines-saddle", "templates/static/lab-core.js",
           "var joined = ((v[0] + v[1] + v[2] + v[3]) / 4 < level) === (v[0] < level);",
           "var joined = ((v[0] + v[1] + v[2] + v[3]) / 4 < level) !== (v[0] < level);", ("tests/test_lab_core.py",)),
    Mutant("lab-outliers-off-by-one", "templates/static/lab-draw.js",
           "var first = page.n - (page.outliers || 0), crosses",
           "var first = page.n - (page.outliers || 0) + 1, crosses", (ROBUST_LAB,)),
    Mutant("lab-robust-level-sets-as-ellipses", "templates/static/lab-draw.js",
           "if (quadratic()) ellipses(ctx, fr, box, u); else levelSets(ctx, fr, box, centre, entry);",
           "ellipses(ctx, fr, box, u);", (ROBUST_LAB,)),
    Mutant("lab-huber-delta-not-in-key", "gdanim/report/lab.py", "key = robust_key(st.loss, st.huber_delta)",
           "key = st.loss", ("tests/test_lab_page.py",)),
    Mutant("lab-canvas-system-font", "templates/static/lab-draw.js", "    ctx.font = FONT;",
           '    ctx.font = "11px system-ui, sans-serif";', (KOREAN_LAB,)),
    Mutant("lab-randperm-without-offset", "templates/static/lab-core.js", "var z = i + random() % (n - i), t = r[i];",
           "var z = random() % (n - i), t = r[i];", ("tests/test_lab_core.py",)),
    Mutant("lab-shuffle-once", "templates/static/lab-core.js", "if (b === 0) randperm(perm, random);",
           "if (S === 0) randperm(perm, random);", ("tests/test_lab_core.py",)),
    Mutant("lab-schedule-per-step", "templates/static/lab-core.js",
           "if (sched && e > 0 && b === 0) rate = nextRate(sched, o.lr, rate, e);",
           "if (sched && S > 0) rate = nextRate(sched, o.lr, rate, S);", ("tests/test_lab_core.py",)),
    Mutant("lab-poly-column-shifted", "templates/static/lab-draw.js", "(power - norm.shift[j - 1]) * norm.scale[j - 1]",
           "(power - norm.shift[j - 1]) * norm.scale[0]",
           (LAB_BROWSER + "test_a_polynomial_is_drawn_as_its_curve_over_the_raw_x",)),
    Mutant("write-if-changed-keeps-stale-bytes", "gdanim/files.py",
           "if final.is_file() and not final.is_symlink() and final.read_bytes() == data:",
           "if final.is_file() and not final.is_symlink():",
           ("tests/test_files.py", "tests/test_site.py")),
    Mutant("predictions-in-the-datas-units", "gdanim/scene/views.py",
           "return trace.dataset.predict(params, x_raw, trace.normalization_of(run))",
           "return trace.dataset.predict(params, x_raw)", ("tests/test_frames.py", "tests/test_polynomial.py")),
    Mutant("handout-own-number-style", "gdanim/render/handout.py", "loss=num(loss)", 'loss=f"{loss:.4g}"',
           ("tests/test_handout.py",)),
    Mutant("verify-site-as-one-folder", "gdanim/verify.py", "if (path / NAME).is_file() and not _is_site(path):",
           "if (path / NAME).is_file():", (SITE_MANIFEST,)),
    Mutant("site-manifest-without-assets", "gdanim/folder.py", "if (site / ASSETS).is_dir():",
           "if False:", (SITE_MANIFEST,)),
    Mutant("lab-adam-bias-correction-a-step-ahead", "templates/static/lab-core.js", "bc2 = 1 - Math.pow(b2, t);",
           "bc2 = 1 - Math.pow(b2, t + 1);", (LAB_REPLAYS,)),
    Mutant("lab-mini-batch-one-row-on", "templates/static/lab-core.js", "var k = perm[from + i];",
           "var k = perm[(from + i + 1) % perm.length];", (LAB_REPLAYS,)),
    Mutant("lab-reset-replays", "templates/static/lab-state.js", "      if (recorded) landOn(columns, recorded);\n", "",
           (RESET_LANDS,)),
    Mutant("prune-keeps-lone-grid", "gdanim/folder.py", "({COMPARE} if len(names) > 1 else set())",
           "({COMPARE} if len(names) > 0 else set())", (RUN_REMOVED,)),
    Mutant("manifest-no-hold", "gdanim/manifest.py", '"hold_frames": int(line.count - 1 - line.first[-1])',
           '"hold_frames": 0',
           ("tests/test_manifest.py::test_each_animation_maps_every_decoded_frame_to_an_epoch",)),
    Mutant("grid-slider-first-frame", "gdanim/render/plan.py",
           "return int(line.first[compare_poster(s.poster, trace,",
           'return int(line.first[compare_poster("first", trace,',
           ("tests/test_report_posters.py",)),
    Mutant("lang-override-lost", "gdanim/settings.py", "lang=lang or scenario.spec.lang)",
           "lang=scenario.spec.lang)",
           ("tests/test_site.py::test_render_writes_the_page_in_the_scenarios_lang_unless_told_otherwise",)),
    Mutant("site-no-prune", "gdanim/build/site.py", "            prune(folder, trace)\n", "", (RUN_REMOVED,)),
    Mutant("page-rereads-trace", "gdanim/build/scenario.py", "result.folder, trace=result.trace,",
           "result.folder, trace=None,", ("tests/test_build.py",)),
    Mutant("site-rereads-trace", "gdanim/build/site.py", "            trace, warnings, drawn = _render(",
           "            _, warnings, drawn = _render(", ("tests/test_build.py",)),
    Mutant("korean-z-label-in-english", "gdanim/frames/panels.py",
           'ax.set_zlabel(style.words["frame_axis_z"], labelpad=2)', 'ax.set_zlabel("loss", labelpad=2)',
           ("tests/test_frames_words.py",)),
    Mutant("particle-after-one", "gdanim/i18n.py", '"cLvcvvcLLv"', '"cvvcvvcLLv"', ("tests/test_i18n.py",)),
    Mutant("arrow-up-the-gradient", "gdanim/scene/views.py",
           "grad = -float(run.step_lr[state])", "grad = float(run.step_lr[state])", ("tests/test_frames.py",)),
    Mutant("squares-not-square", "gdanim/frames/panels.py", "w = np.abs(y - fitted) * ratio",
           "w = np.abs(y - fitted) / ratio", ("tests/test_frames.py",)),
)


def run(mutant: Mutant, root: Path) -> bool:
    """True when the tests catch the mutant (pytest fails)."""
    path = root / mutant.file
    text = path.read_text(encoding="utf-8")
    if mutant.old not in text:
        raise SystemExit(f"{mutant.name}: {mutant.file} no longer holds {mutant.old!r}")
    path.write_text(text.replace(mutant.old, mutant.new, 1), encoding="utf-8")
    try:
        proc = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
                               *mutant.tests], cwd=root, capture_output=True, text=True)
    finally:
        path.write_text(text, encoding="utf-8")
    return proc.returncode != 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="names of the mutants to run")
    args = parser.parse_args()
    chosen = [m for m in MUTANTS if not args.only or m.name in args.only]
    with tempfile.TemporaryDirectory(prefix="gdanim-mutants-") as tmp:
        root = Path(tmp) / "repo"
        shutil.copytree(REPO, root, ignore=shutil.ignore_patterns(".venv", ".git", "output", "__pycache__",
                                                                   "*.egg-info"))
        (root / "gdanim_templates").symlink_to("templates")  # found before the installed theme
        survivors = []
        for mutant in chosen:
            caught = run(mutant, root)
            print(f"{mutant.name:20} {'caught' if caught else 'SURVIVED'}", flush=True)
            survivors += [] if caught else [mutant.name]
    print(f"{len(chosen) - len(survivors)}/{len(chosen)} caught")
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
