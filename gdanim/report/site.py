"""A course site's own pages: the index of its scenarios (one card each) and the
worksheet of all their exercises. gdanim.build decides what to rebuild and when.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from gdanim import __version__
from gdanim.files import atomic_write_text
from gdanim.folder import ASSETS, COMPARE, MANIFEST, PAGE, WORKSHEET
from gdanim.manifest import provenance
from gdanim.report.exercises import exercise_views
from gdanim.report.held import held_runs, held_story
from gdanim.report.page import copy_static, write_page
from gdanim.report.scenario_page import poster_of, summary
from gdanim.report.strings import strings
from gdanim.report.text import markdown, plain_first_sentence
from gdanim.settings import RenderSettings
from gdanim.trace import Trace


@dataclass(frozen=True)
class Card:
    """What the index shows of one scenario."""

    stem: str
    title: str
    summary: str
    teaser: str
    poster: str | None
    "Poster path relative to the scenario folder."
    warning: str = ""
    "Set when a run looks settled but its regime says it diverges (and no exercise asks about it)."
    exercises: tuple[dict[str, Any], ...] = ()
    "Each exercise: number, run, question, prompt (Markdown) and answer, for the worksheet."
    lang: str = "en"
    "The language of the scenario's page."
    alt: str = ""
    "What the poster shows, for readers who cannot see it."


def stored_card(data: Any) -> Card | None:
    """The card kept in a build stamp (its "card"), or None when it is missing or of another shape."""
    try:
        return Card(**data)
    except TypeError:
        return None


def card_of(trace: Trace, folder: Path, scenario, settings: RenderSettings) -> Card:
    """What the index shows of a scenario built into folder, in the language of `settings`."""
    from gdanim.report.analysis_text import hidden_divergence

    lang = settings.lang
    s = strings(lang)
    views = exercise_views(scenario.spec.exercises, trace, folder, s, settings.pacing, settings.params)
    asked = {v["run"] for v in views}  # an exercise asks about it: the card must not answer it
    hidden = [r.name for r in trace.runs if hidden_divergence(r) and r.name not in asked]
    warning = s["card_warning"].format(runs=", ".join(hidden[:4])) if hidden else ""
    exercises = tuple({k: v[k] for k in ("number", "id", "run", "question", "markdown", "answer")} for v in views)
    poster = poster_of(folder, [r.name for r in trace.runs])
    alt = _poster_alt(trace, poster, s)
    held = held_runs(scenario.spec.exercises, trace)
    if held:  # the grid or a poster would show the asked run's end: its exercise's still instead
        stills = [(v["still"], held[v["run"]]) for v in views if v["still"] and v["run"] in held]
        poster, alt = (stills[0][0], s["video_alt"].format(name=stills[0][1].run, story=held_story(
            trace, stills[0][1], s))) if stills else (None, "")
    return Card(scenario.stem, trace.title, summary(trace, s), plain_first_sentence(trace.description),
                poster, warning, exercises, lang, alt)


def _poster_alt(trace, poster: str | None, s: Mapping[str, str]) -> str:
    """What the card's picture shows: every run's story for the grid, the run's for its
    poster, the losses for the loss figure."""
    from gdanim.report.analysis_text import story

    if poster is None:
        return ""
    if poster.startswith(f"{COMPARE}."):
        stories = " ".join(f"{r.name}: {story(r, s)}" for r in trace.runs[:6])
        return s["compare_alt"].format(count=len(trace.runs), stories=stories)
    shown = next((r for r in trace.runs if poster.startswith(f"{r.name}.")), None)
    if shown is not None:
        return s["video_alt"].format(name=shown.name, story=story(shown, s))
    summary_ = "; ".join(f"{r.name} {r.status}" for r in trace.runs[:8])
    return s["fig_loss_alt"].format(count=len(trace.runs), summary=summary_)


def write_index(site: Path, cards: Sequence[Card], failures: Sequence[tuple[str, str]], lang: str,
                templates: Path | None) -> Path:
    """Write the site's index.html (a card per scenario built, then the (file, error) of
    each that failed), assets/ and .nojekyll; returns the index."""
    s = strings(lang)
    shown = []
    for c in cards:
        shown.append({"href": f"{quote(c.stem)}/index.html", "stem": c.stem, "title": c.title, "summary": c.summary,
                      "teaser": c.teaser, "poster": f"{quote(c.stem)}/{quote(c.poster)}" if c.poster else None,
                      "warning": c.warning, "exercises": len(c.exercises),
                      "alt": c.alt or s["poster_alt"].format(title=c.title, summary=c.summary)})
    copy_static(site / ASSETS, templates)
    if not (site / ".nojekyll").is_file():
        atomic_write_text(site / ".nojekyll", "")
    worksheet = write_worksheet(site, cards, lang, templates)
    context = {"s": s, "lang": lang, "version": __version__, "assets": f"{ASSETS}/", "made": _site_made(site),
               "cards": shown, "failures": list(failures), "worksheet": worksheet.name if worksheet else None}
    return write_page(site / PAGE, "index.html", context, templates)


def _site_made(site: Path) -> dict[str, str]:
    """The footer's "how this was made" line of the site's own pages, with the site's manifest."""
    return {**provenance(site), "manifest": MANIFEST}


def write_worksheet(site: Path, cards: Sequence[Card], lang: str, templates: Path | None) -> Path | None:
    """Write exercises.html, every exercise of the site in order (a printable worksheet);
    returns it, or None (and no file) when no scenario has exercises."""
    path = site / WORKSHEET
    groups = [{"title": c.title, "href": f"{quote(c.stem)}/index.html", "stem": c.stem,
               "exercises": [dict(e, prompt=markdown(e["markdown"]) if e["markdown"] else None)
                             for e in c.exercises]} for c in cards if c.exercises]
    if not groups:
        path.unlink(missing_ok=True)
        return None
    context = {"s": strings(lang), "lang": lang, "version": __version__, "assets": f"{ASSETS}/",
               "groups": groups, "made": _site_made(site)}
    return write_page(path, "exercises.html", context, templates)


