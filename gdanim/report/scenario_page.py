"""One scenario's page: figures and index.html written into the scenario's output folder.

It turns what it is handed (the trace, the render settings, where each slider starts)
into the page; gdanim.build decides when, and hands them over in memory.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import functools
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

from gdanim import __version__
from gdanim.files import write_if_changed
from gdanim.folder import ASSETS, COMPARE, DATA_COPY, LAB_PAGE, PAGE, SCENARIO_COPY, TRACE, run_csv, still_name
from gdanim.report import analysis_text as at
from gdanim.report import text as tx
from gdanim.report.captions import compare_captions, run_captions
from gdanim.report.errors import ReportError
from gdanim.report.exercises import exercise_views
from gdanim.report.held import CUT, Held, asked_runs, cuts_of, held_events, held_runs, held_story
from gdanim.report.lab import embed_snippets, lab_context
from gdanim.report.media import Media, compare_slider, find_media, slider_frames, snippets
from gdanim.report.page import copy_static, prepare, template_dirs, write_page
from gdanim.report.strings import strings
from gdanim.scene.events import run_events
from gdanim.scene.timeline import base, compare_timeline, run_timeline
from gdanim.schedules import label as schedule_label
from gdanim.settings import RenderSettings, settings_for
from gdanim.trace import Trace, read_trace

MAX_VIDEOS = 12
Posters = Callable[[str], int]
"The frame an animation's poster shows (gdanim.render.plan.Posters): where its slider starts."


def first_frames(name: str) -> int:
    """Posters for a page written without the renderer's plan: every slider starts at the start."""
    return 0


def default_settings(lang: str = "en") -> RenderSettings:
    """The render settings of a scenario that sets none, speaking `lang`."""
    from gdanim import schema

    return dataclasses.replace(settings_for(schema.Render()), lang=lang)


def write_figures(trace: Trace, folder: Path, s: Mapping[str, str], settings: RenderSettings,
                  split: bool = False) -> dict[str, str]:
    """Write the static figures that apply to this trace; returns name -> path relative to
    folder. A figure that draws a run an exercise asks about (settings.stills) is also
    drawn cut at the epoch asked, in the same pass, as <name>-cut (gdanim.report.held).
    With `split`, a forked copy of this process draws half of them (see
    gdanim.frames.figures.save_pngs)."""
    from gdanim.frames import figures as fg  # matplotlib stays in the frames room

    made = _figures(trace, s, settings)
    fg.save_pngs(_figure_paths(folder, made), split=split)
    return {name: _figure_file(name) for name in made}


def figures_apart(trace: Trace, folder: Path, s: Mapping[str, str], settings: RenderSettings,
                  ) -> Callable[[], dict[str, str]]:
    """`write_figures` begun in a forked copy of this process, returning at once (see
    gdanim.frames.figures.save_pngs_apart); the function returned waits for the copy
    and returns what `write_figures` would."""
    from gdanim.frames import figures as fg

    made = _figures(trace, s, settings)
    done = fg.save_pngs_apart(_figure_paths(folder, made))

    def drawn() -> dict[str, str]:
        done()
        return {name: _figure_file(name) for name in made}

    return drawn


def _figure_file(name: str) -> str:
    """Where figure `name` goes, relative to the scenario's folder."""
    return f"{ASSETS}/{name}.png"


def _figure_paths(folder: Path, made: Mapping[str, Callable[[], Any]]) -> dict[Path, Callable[[], Any]]:
    """Each figure's drawing function by the file it goes to in `folder`."""
    return {folder / _figure_file(name): draw for name, draw in made.items()}


def _figures(trace: Trace, s: Mapping[str, str], settings: RenderSettings) -> dict[str, Callable[[], Any]]:
    """The figures that apply to this trace: name -> the function that draws it."""
    from gdanim.frames import figures as fg

    p = trace.dataset.features + 1
    a, b = settings.params if max(settings.params) < p else (0, 1)
    cuts = cuts_of(trace, settings.stills)
    made: dict[str, Any] = {"data": lambda: fg.data_figure(trace, s), "loss": lambda: fg.loss_figure(trace, s),
                            "contour": lambda: fg.contour_figure(trace, s, (a, b))}
    if cuts:
        made["loss" + CUT] = lambda: fg.loss_figure(trace, s, cuts)
        if fg.contour_cut_shows(trace, cuts, (a, b)):
            made["contour" + CUT] = lambda: fg.contour_figure(trace, s, (a, b), cuts)
    if fg.sweep_runs(trace):
        made["sweep"] = lambda: fg.sweep_figure(trace, s)
        if any(r.name in cuts for r in fg.sweep_runs(trace)):
            made["sweep" + CUT] = lambda: fg.sweep_figure(trace, s, cuts)
    for i, pair in enumerate(at.sse_mse_pairs(trace)[:3]):
        made[f"sse-mse-{i}"] = functools.partial(fg.pair_figure, pair.sse, pair.mse, trace.dataset.n, s)
        if pair.sse.name in cuts or pair.mse.name in cuts:
            made[f"sse-mse-{i}{CUT}"] = functools.partial(fg.pair_figure, pair.sse, pair.mse, trace.dataset.n, s,
                                                          cuts)
    return made


def _data_rows(trace: Trace, s: Mapping[str, str]) -> list[tuple[str, str]]:
    d = trace.dataset
    norm = d.normalization
    norm_text = (s["norm_scale"].format(scale=tx.num(norm.scale[0])) if norm.kind == "scale"
                 else s.get(f"norm_{norm.kind}", norm.kind))
    rows = [(s["data_n"], str(d.n)), (s["data_features"], str(d.features)),
            (s["data_source"], s.get(f"source_{d.source}", d.source)),
            (s["data_normalization"], norm_text)]
    if d.true_params is not None:
        rows.append((s["true_params"], tx.vec(d.true_params)))
    if d.outliers:  # the points data.outliers added, as given
        out = d.is_outlier
        points = [f"({', '.join(tx.num(v) for v in x)}, {tx.num(y)})" for x, y in zip(d.x_raw[out], d.y[out])]
        rows.append((s["data_outliers"].format(count=d.outliers), "; ".join(points)))
    return rows


def _math(trace: Trace, s: Mapping[str, str]) -> dict[str, Any]:
    losses = sorted({r.settings.loss for r in trace.runs}, key=lambda v: v != trace.loss)
    delta = next((r.settings.huber_delta for r in trace.runs if r.settings.loss == "huber"), 1.0)
    others = sorted({r.settings.optimizer for r in trace.runs} - {"gd"})
    schedules = {schedule_label(r.settings.schedule): r.settings.schedule for r in trace.runs
                 if r.settings.schedule is not None}
    return {
        "model": tx.mathml(tx.model_latex(trace.dataset.features, trace.dataset.degree), display=True),
        "losses": [(s[f"loss_{lo}"], tx.mathml(tx.loss_latex(lo, delta), display=True),
                    tx.mathml(tx.gradient_latex(lo, delta), display=True),
                    tx.mathml(tx.hessian_latex(lo, delta), display=True)) for lo in losses],
        "schedules": [(name, tx.mathml(tx.schedule_latex(sched), display=True))
                      for name, sched in schedules.items()],
        "rule": tx.mathml(tx.UPDATE_LATEX, display=True),
        "stable": tx.mathml(tx.CRITICAL_LATEX, display=True),
        "others": s["update_other"].format(optimizers=", ".join(others)) if others else None,
    }


def _videos(trace: Trace, folder: Path, rows: Mapping[str, at.RunRow], s: Mapping[str, str],
            settings: RenderSettings, posters: Posters, held: Mapping[str, Held],
            look: Callable[[Path, str], Media] = find_media) -> list[dict[str, Any]]:
    out, fps = [], float(settings.fps)
    for run in trace.runs:
        media = look(folder, run.name)
        if not media.files or len(out) >= MAX_VIDEOS:
            continue
        alt = s["video_alt"].format(name=run.name, story=rows[run.name].story)
        hold = held.get(run.name)
        shown = None  # what the page shows of a run an exercise asks about, until the answer
        if hold is not None:
            still = still_name(run.name, hold.epoch)
            shown = {"number": hold.number, "still": still if (folder / still).is_file() else None,
                     "alt": s["video_alt"].format(name=run.name, story=held_story(trace, hold, s)),
                     "captions": None}
        slider, captions = None, None
        if media.video:
            events = run_events(trace, run, settings.params)
            line = run_timeline(trace, run, settings.pacing, settings.params, events)
            slider = {"fps": fps, "frames": slider_frames(run, [base(p) for p in line.pos]),
                      "poster": posters(run.name)}
            captions = _write_captions(folder, run.name, run_captions(trace, run, line, s, settings.params, events))
            if shown is not None:
                cut = run_captions(trace, run, line, s, settings.params, held_events(events, hold.state))
                shown["captions"] = vtt_url(cut)
        out.append({"name": run.name, "media": media, "alt": alt, "slider": slider, "captions": captions,
                    "row": rows[run.name], "held": shown,
                    "snippets": snippets(media, shown["alt"] if shown else alt, captions and captions["file"],
                                         s["captions_label"])})
    return out


def _compare_captions(trace: Trace, folder: Path, settings: RenderSettings, grid: Mapping[str, Any],
                      s: Mapping[str, str]) -> dict[str, str]:
    """Write compare.vtt for the runs the grid shows; returns what _write_captions does.
    (The grid waits for every answer, inside the last exercise's: its track is never cut.)"""
    line = compare_timeline(trace, trace.runs, settings.pacing, settings.params)
    index = {r.name: i for i, r in enumerate(trace.runs)}
    shown = [trace.runs[index[name]] for name in grid["runs"]]
    return _write_captions(folder, COMPARE, compare_captions(trace, shown, line, s, settings.params))


def _write_captions(folder: Path, name: str, vtt: str) -> dict[str, str]:
    """Write <name>.vtt beside the video, for slides (only when its text changed); returns
    its file name and a data: URL of it for the page's <track> (a page opened from disk may
    not load a file beside it as a track: file: URLs are unique origins to the browser)."""
    path = Path(folder) / f"{name}.vtt"
    write_if_changed(path, vtt.encode("utf-8"))
    return {"file": path.name, "url": vtt_url(vtt)}


def vtt_url(vtt: str) -> str:
    """A data: URL of WebVTT text, for a page's <track>."""
    return "data:text/vtt;charset=utf-8;base64," + base64.b64encode(vtt.encode("utf-8")).decode()


def _downloads(trace: Trace, folder: Path, s: Mapping[str, str]) -> list[tuple[str, str]]:
    out = [(TRACE, s["dl_trace"])] if (folder / TRACE).is_file() else []
    if (folder / SCENARIO_COPY).is_file():
        out.append((SCENARIO_COPY, s["dl_yaml"]))
    if (folder / DATA_COPY).is_file():
        out.append((DATA_COPY, s["dl_data"]))
    for run in trace.runs:
        if (folder / run_csv(run.name)).is_file():
            out.append((run_csv(run.name), s["dl_csv"].format(name=run.name)))
    return out


def _pairs(trace: Trace, figures: Mapping[str, str], s: Mapping[str, str], held: Mapping[str, Held],
           reveals: Mapping[int, dict[str, Any]], last: int | None) -> list[dict[str, Any]]:
    out = []
    n = trace.dataset.n
    for i, pair in enumerate(at.sse_mse_pairs(trace)[:3]):
        fields = dict(a=f"{pair.sse.settings.lr:g}", na=f"{pair.mse.settings.lr:g}", n=n,
                      diff=tx.num(pair.max_difference, 2), sse=pair.sse.name, mse=pair.mse.name)
        key, alt = f"sse-mse-{i}", s["fig_ssemse_alt"].format(**fields)
        view = {"text": s["ssemse_pair"].format(**fields),
                "scale": s["ssemse_scale"].format(ratio=tx.num(pair.gradient_ratio, 4)),
                "figure": figures.get(key), "alt": alt, "key": None}
        if held and figures.get(key + CUT) and last is not None:
            view.update(figure=figures[key + CUT], key=key)
            reveals[last]["figures"].append({"key": key, "src": figures[key], "caption": "", "alt": alt})
        out.append(view)
    return out


def summary(trace: Trace, s: Mapping[str, str]) -> str:
    """One line about the scenario: runs, loss, n and the critical rate."""
    spectrum = trace.analysis.spectra.get(trace.loss)  # none for a robust main loss
    critical = spectrum.critical_lr if spectrum is not None else None
    fields = dict(runs=len(trace.runs), loss=trace.loss.upper(), n=trace.dataset.n)
    if critical is None:
        return s["summary_no_critical"].format(**fields)
    return s["summary"].format(critical=tx.num(critical, 3), **fields)


def page_context(trace: Trace, folder: Path, figures: Mapping[str, str], settings: RenderSettings,
                 posters: Posters, index_url: str | None, exercises: Sequence[Any] = (),
                 media_pending: bool | Collection[str] = False) -> dict[str, Any]:
    """Everything scenario.html shows, in the language of `settings`, computed from the
    trace and the files in folder (and the scenario's exercises, schema.Exercise, when given).

    What an exercise holds back (gdanim.report.held) is shown held where it belongs, and
    in full under "reveals", by exercise number: the page puts that inside the exercise's
    closed answer. media_pending: the animations are still being rendered; the page shows
    none of the folder's (they are of an earlier build) and says they are on their way.
    A collection names the animations on their way: the folder's others are shown."""
    lang, pair = settings.lang, settings.params
    names = [r.name for r in trace.runs] + ([COMPARE] if len(trace.runs) > 1 else [])
    pending = frozenset(names if media_pending is True else media_pending or ())
    look = functools.partial(_pending_media, pending)
    s = strings(lang)
    rows = {r.name: at.run_row(r, trace, s) for r in trace.runs}
    views = exercise_views(exercises, trace, folder, s, settings.pacing, pair)
    held = held_runs(exercises, trace) if views else {}
    asked = asked_runs(exercises, trace) if views else {}
    last = views[-1]["number"] if views else None
    reveals: dict[int, dict[str, Any]] = {v["number"]: {"rows": [], "warnings": [], "videos": [], "downloads": [],
                                                        "figures": [], "facts": [], "verdicts": None,
                                                        "compare": False} for v in views}
    for name, number in asked.items():
        reveals[number]["rows"].append(rows[name])
        if rows[name].warning:
            reveals[number]["warnings"].append(rows[name])
    compare = look(folder, COMPARE)
    held_alt = {name: held_story(trace, h, s) for name, h in held.items()}

    def stories(shown: Mapping[str, str]) -> str:
        return " ".join(f"{r.name}: {shown.get(r.name, rows[r.name].story)}" for r in trace.runs[:6])

    compare_alt = s["compare_alt"].format(count=len(trace.runs), stories=stories(held_alt))
    compare_full_alt = s["compare_alt"].format(count=len(trace.runs), stories=stories({}))

    def loss_alt(cut: bool) -> str:
        summary_ = "; ".join(f"{r.name} " + (s["held_short"].format(epoch=held[r.name].epoch)
                                              if cut and r.name in held else r.status) for r in trace.runs[:8])
        return s["fig_loss_alt"].format(count=len(trace.runs), summary=summary_)

    figure_list = [("loss", s["fig_loss"], loss_alt(False)),
                   ("contour", s["fig_contour"], s["fig_contour_alt"].format(a=f"w{pair[0]}", b=f"w{pair[1]}"))]
    if "sweep" in figures:
        critical = trace.analysis.spectra[trace.loss].critical_lr if trace.loss in trace.analysis.spectra else None
        figure_list.append(("sweep", s["fig_sweep"], s["fig_sweep_alt"].format(
            count=len(trace.runs), critical=tx.num(critical, 3))))
    shown_figures = []
    for key, caption, alt in figure_list:
        if not figures.get(key):
            continue
        if held and figures.get(key + CUT):  # the cut rendering here; the full one with the answer
            cut_alt = loss_alt(True) if key == "loss" else alt
            note = s["held_figure"].format(runs=", ".join(held), number=last)
            shown_figures.append({"key": key, "src": figures[key + CUT], "caption": caption, "alt": cut_alt,
                                  "note": note})
            reveals[last]["figures"].append({"key": key, "src": figures[key], "caption": caption, "alt": alt})
        else:
            shown_figures.append({"key": None, "src": figures[key], "caption": caption, "alt": alt, "note": None})
    videos = _videos(trace, folder, rows, s, settings, posters, held, look)
    for v in videos:
        if v["held"]:
            reveals[v["held"]["number"]]["videos"].append(v)
    grid = (compare_slider(trace, settings.pacing, settings.panels, settings.size, posters(COMPARE), settings.params, s)
            if compare.files else None)
    grid_captions = _compare_captions(trace, folder, settings, grid, s) if grid and compare.video else None
    if held and compare.files:
        reveals[last]["compare"] = True
    verdicts = at.verdicts(trace, s)
    shown_verdicts = at.verdicts(trace, s, skip=set(held)) if held else verdicts
    if shown_verdicts != verdicts:
        reveals[last]["verdicts"] = verdicts
    facts = at.facts(trace, s)
    best_held = next((v["number"] for v in views if v["ask"] == "lr"), None)  # its answer is the best rate
    if best_held is not None:
        reveals[best_held]["facts"] = [f for f in facts if f.label == s["an_best"]]
    downloads, media = _downloads(trace, folder, s), [compare, *(look(folder, r.name) for r in trace.runs)]
    held_files = {TRACE: last} if held else {}
    held_files.update({run_csv(name): h.number for name, h in held.items()})
    for href, label in downloads:
        if href in held_files:
            reveals[held_files[href]]["downloads"].append((href, label, None))
    for m in media:
        number = held[m.name].number if m.name in held else (last if held and m.name == COMPARE else None)
        if m.files and number is not None:
            reveals[number]["downloads"].append((None, s["media_compare"] if m.name == COMPARE else m.name, m.files))
    lab = lab_context(trace, pair, s)
    return {
        "s": s, "lang": lang, "version": __version__, "title": trace.title,
        "description": tx.markdown(trace.description), "summary": summary(trace, s),
        "assets": f"{ASSETS}/", "index_url": index_url,
        "data_rows": _data_rows(trace, s), "data_figure": figures.get("data"),
        "data_alt": s["data_alt" if trace.dataset.features == 1 else "data_alt_multi"].format(
            n=trace.dataset.n),
        "math": _math(trace, s), "facts": facts, "verdicts": shown_verdicts,
        "mse_note": at.mse_note(trace, s), "rows": list(rows.values()),
        "warnings": [r for r in rows.values() if r.warning and r.name not in asked],
        "videos": videos, "hidden_videos": max(0, len(trace.runs) - len(videos)),
        "compare": compare if compare.files else None, "compare_alt": compare_alt,
        "compare_full_alt": compare_full_alt,
        "compare_snippets": snippets(compare, compare_alt, grid_captions and grid_captions["file"],
                                     s["captions_label"]) if compare.files else {},
        "compare_slider": grid, "compare_captions": grid_captions,
        "figures": shown_figures, "pairs": _pairs(trace, figures, s, held, reveals, last),
        "downloads": downloads, "exercises": views, "stem": folder.name,
        "lab": lab, "embed": False, "lab_snippets": embed_snippets(trace.title, s) if lab else {},
        "media_downloads": [(m.name, m.files) for m in media if m.files],
        "held": held, "asked": asked, "held_files": held_files, "best_held": best_held,
        "reveals": reveals, "last_exercise": last, "media_pending": bool(pending),
        "media_waiting": [name for name in names if name in pending and not (held and name in (*held, COMPARE))],
    }


def write_report(folder: Path, trace: Trace | None = None, *, settings: RenderSettings | None = None,
                 posters: Posters = first_frames, templates: Path | None = None,
                 index_url: str | None = None, scenario_text: str | None = None,
                 figures: bool | Mapping[str, str] = True, exercises: Sequence[Any] = (),
                 lang: str | None = None, media_pending: bool | Collection[str] = False) -> Path:
    """Write <folder>/index.html (and its figures and assets) for `trace` (by default the
    folder's trace.json) as `settings` rendered it, in their language (or `lang`); returns it.

    figures: True draws them; False keeps those in folder/assets; a mapping names the
    ones already drawn (as `write_figures` returns them). `posters` says where each
    slider starts (gdanim.render.plan.Posters; without it, at the first frame)."""
    from gdanim.files import atomic_write_text

    folder = Path(folder)
    settings = settings or default_settings()
    if lang is not None:
        settings = dataclasses.replace(settings, lang=lang)
    template_dirs(templates)  # a bad --templates fails before any work
    if trace is None:
        trace = _read_trace(folder)
    s = strings(settings.lang)
    if scenario_text is not None:
        atomic_write_text(folder / SCENARIO_COPY, scenario_text)
    if isinstance(figures, Mapping):
        made = dict(figures)
    else:
        made = write_figures(trace, folder, s, settings) if figures else _existing_figures(folder)
    copy_static(folder / ASSETS, templates)
    context = page_context(trace, folder, made, settings, posters, index_url, exercises, media_pending)
    page = write_page(folder / PAGE, "scenario.html", context, templates)
    if context["lab"]:  # the lab alone, for a slide's iframe: no page around it, no answer in it
        lab = context["lab"]
        lab = {**lab, "runs": [r for r in lab["runs"] if r["name"] not in context["held"]]}  # no reset to an answer
        write_page(folder / LAB_PAGE, "lab.html", {**context, "lab": lab, "embed": True}, templates)
    else:
        (folder / LAB_PAGE).unlink(missing_ok=True)
    return page


def _read_trace(folder: Path) -> Trace:
    try:
        return read_trace(folder / TRACE)
    except (OSError, ValueError) as exc:
        raise ReportError(f"{folder}: no readable {TRACE} to report on ({exc})") from None


def prepare_templates(lang: str = "en", templates: Path | None = None) -> None:
    """Load what the first scenario page takes whatever its trace (its templates, catalog,
    Markdown and MathML converters) ahead of it: while the trace is recorded, say. Any
    error is left for the page to meet and report."""
    with contextlib.suppress(Exception):  # a head start only
        for page in ("scenario.html", "lab.html"):
            prepare(page, lang, templates)
        tx.mathml(tx.UPDATE_LATEX, display=True)  # on every page: the converter loads
        tx.markdown("")  # the Markdown parser loads


def prepare_page(trace: Trace, lang: str = "en", templates: Path | None = None) -> None:
    """Make what the page of `trace` takes ahead of it (`prepare_templates`, then its
    formulas): while the animations encode, say. Any error is left for the page to meet
    and report. (Its math font is cut with the page: fontTools' 15 MB in this process
    would add up with the encoders at the memory's peak.)"""
    prepare_templates(lang, templates)  # loaded already when called while recording
    with contextlib.suppress(Exception):  # a head start only
        _math(trace, strings(lang))  # the converter keeps these formulas


def _existing_figures(folder: Path) -> dict[str, str]:
    assets = folder / ASSETS
    return {p.stem: f"{ASSETS}/{p.name}" for p in sorted(assets.glob("*.png"))} if assets.is_dir() else {}


def _pending_media(pending: frozenset[str], folder: Path, name: str) -> Media:
    """No files for an animation on its way (they are of an earlier build); the
    folder's files for one that stands."""
    return Media(name) if name in pending else find_media(folder, name)


def poster_of(folder: Path, trace_runs: list[str]) -> str | None:
    """The picture that stands for a scenario on the index: compare, a run's poster, or a figure."""
    for name in [COMPARE, *trace_runs]:
        media: Media = find_media(folder, name)
        if media.poster:
            return media.poster
    figure = folder / ASSETS / "loss.png"
    return f"{ASSETS}/loss.png" if figure.is_file() else None
