"""The Beamer snippets compile as given: multimedia (a link to the MP4) and animate (the
frames format's PNGs inside the PDF)."""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
import zlib

import pytest
from render_support import scenario_file

from gdanim.build import render_scenario
from gdanim.report.media import Media, find_media, snippets

PDFLATEX = shutil.which("pdflatex")
needs_tex = pytest.mark.skipif(
    PDFLATEX is None, reason="no pdflatex: apt-get install texlive-latex-recommended texlive-latex-extra "
                             "(beamer, multimedia, animate)")


def packages(snippet: str) -> list[str]:
    """The packages a snippet's comment asks for in the preamble."""
    return re.findall(r"\\usepackage\{(\w+)\}", "\n".join(
        line for line in snippet.splitlines() if line.startswith("%")))


def inflated(pdf: bytes) -> bytes:
    """The PDF with every compressed stream (object streams included) inflated."""
    out = [pdf]
    for raw in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        with contextlib.suppress(zlib.error):  # an image stream, say
            out.append(zlib.decompressobj().decompress(raw))
    return b"\n".join(out)


def code(snippet: str) -> str:
    return "\n".join(line for line in snippet.splitlines() if not line.startswith("%"))


def test_the_movie_snippet_names_only_multimedia_and_says_where_it_plays():
    media = Media("lr-0.01", {"mp4": "lr-0.01.mp4", "png": "lr-0.01.png"})
    beamer = snippets(media, "alt")["Beamer"]
    assert packages(beamer) == ["multimedia"] and "hyperref" not in beamer
    assert "beside the PDF" in beamer and "poster alone" in beamer
    assert code(beamer) == ("\\movie[width=\\textwidth,poster]{\\includegraphics[width=\\textwidth]{lr-0.01.png}}"
                            "{lr-0.01.mp4}")
    animate = snippets(media, "alt")["Beamer (animate)"]
    assert packages(animate) == ["animate"] and "--format frames" in animate and code(animate) == ""


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    root = tmp_path_factory.mktemp("beamer")
    path = scenario_file(root, epochs=3, lrs=(0.01,), formats="mp4, png, frames", panels="fit")
    result = render_scenario(path, root, jobs=1, progress=False)
    assert result.ok, result.failures
    return result.folder


def test_with_the_frames_rendered_the_animate_snippet_is_their_exact_line(rendered):
    media = find_media(rendered, "lr-0.01")
    line = code(snippets(media, "alt")["Beamer (animate)"])
    assert line == "\\animategraphics[loop,controls,width=\\textwidth]{10}{lr-0.01-frames/frame-}{00000}{00003}"
    assert len(list((rendered / "lr-0.01-frames").glob("frame-*.png"))) == 4


@needs_tex
@pytest.mark.parametrize("route", ["Beamer", "Beamer (animate)"])
def test_each_beamer_snippet_compiles_with_the_packages_it_names(rendered, route):
    snippet = snippets(find_media(rendered, "lr-0.01"), "alt")[route]
    preamble = "".join(f"\\usepackage{{{p}}}\n" for p in packages(snippet))
    tex = rendered / f"slides-{route.split()[-1].strip('()')}.tex"
    tex.write_text("\\documentclass{beamer}\n" + preamble + "\\begin{document}\n\\begin{frame}{lr}\n"
                   + code(snippet) + "\n\\end{frame}\n\\end{document}\n", encoding="utf-8")
    run = subprocess.run([PDFLATEX, "-interaction=nonstopmode", "-halt-on-error", tex.name], cwd=rendered,
                         capture_output=True, text=True, timeout=240)
    log = tex.with_suffix(".log").read_text(encoding="utf-8", errors="replace")
    assert run.returncode == 0, log[-3000:]
    assert "Undefined control sequence" not in log and "Missing" not in log
    pdf = tex.with_suffix(".pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    if route == "Beamer":
        assert b"(lr-0.01.mp4)" in inflated(pdf)  # the movie links the file beside the PDF
    else:
        assert len(re.findall(rb"/Subtype\s*/Image", pdf)) >= 4  # every frame inside the PDF
