"""The files a scenario folder holds, the slider's per-frame data, and embed snippets."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gdanim.folder import MEDIA_FORMATS, frames_folder
from gdanim.trace import Run


@dataclass(frozen=True)
class Media:
    """The animation files of one run (or of the comparison), as names relative to the page."""

    name: str
    files: dict[str, str] = field(default_factory=dict)
    "format -> file name, for the formats that exist."
    animate: str | None = None
    "The \\animategraphics line of the frames format's folder (<name>-frames/animate.tex), if rendered."

    @property
    def video(self) -> str | None:
        """The MP4 file name, if rendered."""
        return self.files.get("mp4")

    @property
    def poster(self) -> str | None:
        """The poster PNG file name, if rendered."""
        return self.files.get("png")

    @property
    def still(self) -> str | None:
        """What an <img> can show when there is no video: the poster, else the GIF."""
        return self.files.get("png") or self.files.get("gif")


def find_media(folder: Path, name: str) -> Media:
    """The <name>.mp4/.gif/.png/.pdf files present in folder (and the frames folder's
    \\animategraphics line)."""
    files = {f: f"{name}.{f}" for f in MEDIA_FORMATS if (folder / f"{name}.{f}").is_file()}
    snippet = folder / frames_folder(name) / "animate.tex"
    animate = None
    if snippet.is_file():
        animate = next((line for line in snippet.read_text(encoding="utf-8").splitlines()
                        if line.startswith("\\animategraphics")), None)
    return Media(name, files, animate)


def frame_indices(run: Run, max_frames: int, explicit: Sequence[int] | None = None) -> tuple[int, ...]:
    """The state indices the renderer shows as frames of `run`, in order (its own schedule)."""
    from gdanim.scene.schedule import run_schedule

    return tuple(int(i) for i in run_schedule(run, max_frames, explicit))


def _finite(v: float) -> float | None:
    v = float(v)
    return v if math.isfinite(v) else None


def slider_frames(run: Run, indices: Sequence[int]) -> list[list]:
    """Per frame [epoch, loss, [params]] for the slider: what the frame shows, from the trace;
    with a schedule, [epoch, loss, [params], lr] (the rate of the step leaving that state)."""
    from gdanim.scene.schedule import state_times

    times = state_times(run)
    out = []
    for i in indices:
        loss = run.loss[i] if i < run.steps else run.final_loss
        t = float(times[i])
        epoch = int(t) if t == int(t) else round(t, 2)
        params = [_finite(round(float(v), 6)) for v in run.path[min(i, run.path.shape[0] - 1)]]
        frame = [epoch, _finite(float(f"{float(loss):.6g}")), params]
        if run.settings.schedule is not None and run.steps:
            frame.append(_finite(float(f"{float(run.step_lr[min(i, run.steps - 1)]):.6g}")))
        out.append(frame)
    return out


def compare_slider(trace, fps: float, max_frames: int, explicit: Sequence[int] | None,
                   panels: Sequence[str], size: tuple[int, int], poster: int,
                   words: Mapping[str, str] | None = None) -> dict:
    """The compare video's slider: per frame, each run shown in the grid at its own epoch
    and loss ({fps, runs, frames: [[[epoch, loss] per run]], poster: the frame it starts
    at, note: what the grid leaves out, in the language of `words`})."""
    from gdanim.frames.layout import grid_plan  # arithmetic only: no drawing here
    from gdanim.scene.schedule import compare_schedule, state_times

    times, states = compare_schedule(trace.runs, max_frames, explicit)
    plan = grid_plan(len(trace.runs), tuple(panels), size)
    runs = [trace.runs[r] for r in plan.picked]
    epochs = [state_times(run) for run in runs]
    frames = []
    for k in range(len(times)):
        row = []
        for j, r in enumerate(plan.picked):
            i = int(states[k, r])
            run, t = runs[j], float(epochs[j][i])
            loss = run.loss[i] if i < run.steps else run.final_loss
            row.append([int(t) if t == int(t) else round(t, 2), _finite(float(f"{float(loss):.6g}"))])
        frames.append(row)
    note = plan.describe(words) if words is not None else plan.note
    return {"fps": fps, "runs": [r.name for r in runs], "frames": frames, "note": note,
            "poster": poster}


def snippets(media: Media, alt: str, captions: str | None = None, label: str = "") -> dict[str, str]:
    """Copy-ready code to show the animation in HTML, Marp, Reveal.js and Beamer (with its
    captions track where the format takes one)."""
    mp4, gif, png = media.video, media.files.get("gif"), media.poster
    out: dict[str, str] = {}
    if mp4:
        poster = f' poster="{png}"' if png else ""
        track = (f'<track kind="captions" src="{captions}" label="{html.escape(label)}" default>'
                 if captions else "")
        out["HTML"] = (f'<video src="{mp4}"{poster} controls loop muted playsinline '
                       f'aria-label="{html.escape(alt)}" style="max-width:100%">{track}</video>')
        out["Reveal.js"] = (
            f'<section>\n  <video data-autoplay loop muted playsinline src="{mp4}">{track}</video>\n</section>\n'
            f'<section data-background-video="{mp4}" data-background-video-loop '
            f'data-background-video-muted data-background-size="contain"></section>')
    if gif or png:
        image = gif or png
        out["Markdown (Marp)"] = f"![{_md_alt(media.name)} w:960]({image})"
    if mp4 or png:
        out["Beamer"] = _beamer_movie(media.name, mp4, png)
        out["Beamer (animate)"] = _beamer_animate(media)
    return out


def _beamer_movie(name: str, mp4: str | None, png: str | None) -> str:
    """The multimedia route (or the poster alone): the movie is a link to the MP4 file."""
    if not mp4:
        return f"% the poster (beamer loads graphicx)\n\\includegraphics[width=\\textwidth]{{{png}}}"
    lines = ["% \\usepackage{multimedia} in the preamble. The movie plays only where the viewer",
             f"% runs it (Adobe Reader, Okular) and only with {mp4} beside the PDF;",
             "% most viewers show the poster alone. To play inside the PDF itself, see Beamer (animate)."]
    if png:
        lines.append(f"\\movie[width=\\textwidth,poster]{{\\includegraphics[width=\\textwidth]{{{png}}}}}"
                     f"{{{mp4}}}")
    else:
        lines.append(f"\\movie[width=\\textwidth,height=0.5625\\textwidth]{{{name}}}{{{mp4}}}")
    return "\n".join(lines)


def _beamer_animate(media: Media) -> str:
    """The animate route: the frames format's PNGs played inside the PDF itself."""
    folder = frames_folder(media.name)
    lines = ["% \\usepackage{animate} in the preamble: the animation plays inside the PDF, in",
             "% viewers that run its JavaScript (Adobe Reader, PDF-XChange, Okular), from the",
             f"% frames format's PNGs, with the folder {folder} beside the .tex file."]
    if media.animate:
        return "\n".join([*lines, media.animate.replace("\\linewidth", "\\textwidth")])
    form = f"\\animategraphics[loop,controls,width=\\textwidth]{{FPS}}{{{folder}/frame-}}{{00000}}{{LAST}}"
    return "\n".join([*lines, "% Render it first: gdanim render SCENARIO --format frames; then use the",
                      f"% \\animategraphics line it writes to {folder}/animate.tex, of the form",
                      f"% {form}"])


def _md_alt(alt: str) -> str:
    return alt.replace("[", "(").replace("]", ")")


def media_by_run(folder: Path, runs: Sequence[Run]) -> Mapping[str, Media]:
    """Media of every run, by run name."""
    return {r.name: find_media(folder, r.name) for r in runs}
