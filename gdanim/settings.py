"""What a render needs, in one object: the scenario's render block with the command
line's overrides applied. The renderer, the page and the manifest read the same one.

    settings = settings_of(scenario, formats=["mp4"], fps=20, lang="ko")
    settings.fps, settings.size, settings.hold_frames, settings.stills
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from gdanim import schema
from gdanim.scene.surface import RenderError, check_params


@dataclass(frozen=True)
class RenderSettings:
    """The render block of a scenario with the command line's overrides applied."""

    panels: tuple[str, ...]
    size: tuple[int, int]
    theme: str
    fps: int
    max_frames: int
    frames: tuple[int, ...] | None
    hold: float
    "Seconds the last frame is held."
    formats: tuple[str, ...]
    params: tuple[int, int]
    "The pair of parameters the surface and contour panels show."
    elev: float
    azim: float
    stills: tuple[tuple[str, int], ...] = ()
    "(run, epoch): a poster of the run at that epoch, for an exercise asked there."
    poster: str = "key"
    "Which frame the PNG and the videos' posters show (first, last or key): where the sliders start."
    lang: str = "en"
    "The language of the words in frames, handouts, captions and the page."

    @property
    def hold_frames(self) -> int:
        """How many extra copies of the last frame make up the hold."""
        return round(self.hold * self.fps)


def settings_for(render: schema.Render, *, formats: Sequence[str] | None = None,
                 preset: str | None = None, fps: int | None = None,
                 theme: str | None = None) -> RenderSettings:
    """The scenario's render settings, each override applied only when given."""
    formats = tuple(formats) if formats is not None else tuple(render.formats)
    for name, value, allowed in (("format", formats, schema.FORMATS),
                                 ("preset", (preset,) if preset else (), tuple(schema.PRESETS)),
                                 ("theme", (theme,) if theme else (), schema.THEMES)):
        bad = [v for v in value if v not in allowed]
        if bad or (name == "format" and not value):
            raise RenderError(f"{name}: one of {', '.join(allowed)} is expected, got {', '.join(bad) or 'none'}")
    fps = fps if fps is not None else render.fps
    if fps not in (10, 20, 25, 50):
        raise RenderError(f"fps: 10, 20, 25 or 50 is expected (GIF delays are whole hundredths), got {fps}")
    return RenderSettings(
        panels=tuple(render.panels), size=schema.PRESETS[preset or render.preset],
        theme=theme or render.theme, fps=fps, max_frames=render.max_frames,
        frames=tuple(render.frames) if render.frames is not None else None, hold=render.hold,
        formats=tuple(dict.fromkeys(formats)), params=tuple(render.surface.params),
        elev=render.surface.elev, azim=render.surface.azim, poster=render.poster)


def settings_of(scenario, *, formats: Sequence[str] | None = None, preset: str | None = None,
                fps: int | None = None, theme: str | None = None, lang: str | None = None,
                ) -> RenderSettings:
    """A loaded scenario's render settings with the overrides given, its exercises'
    stills and the language (by default the scenario's); RenderError when they cannot
    be rendered (a surface pair the model does not have, say)."""
    settings = settings_for(scenario.spec.render, formats=formats, preset=preset, fps=fps, theme=theme)
    check_params(settings.params, scenario.features + 1)
    stills = tuple(dict.fromkeys((ex.run, ex.epoch) for ex in scenario.spec.exercises if ex.ask != "lr"))
    return dataclasses.replace(settings, stills=stills, lang=lang or scenario.spec.lang)


OVERRIDES = ("formats", "preset", "fps", "theme")
"The render options the command line may override."


def settings_from(scenario, options: dict | None = None, lang: str | None = None) -> RenderSettings:
    """`settings_of` with the overrides in a mapping of command-line options (None: not given)."""
    options = options or {}
    return settings_of(scenario, **{k: options.get(k) for k in OVERRIDES}, lang=lang)
