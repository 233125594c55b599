"""Fonts travel with the pages: Hangul and the formulas render from the subsets shipped
beside each page, on a machine with no Korean or math font of its own (Chromium)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from browser_support import needs_browser, needs_nu_checker, nu_check, used_fonts
from fontTools.ttLib import TTFont

from gdanim.api import record_to
from gdanim.report import write_report
from gdanim.report.fonts import HANGUL, MATH, font_faces, subset

ROOT = Path(__file__).resolve().parent.parent


def cmap(data: bytes) -> set[str]:
    return {chr(c) for c in TTFont(io.BytesIO(data)).getBestCmap()}


@pytest.fixture(scope="module")
def korean_page(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("fonts")
    text = (ROOT / "scenarios" / "lr.yaml").read_text(encoding="utf-8").replace("epochs: 30", "epochs: 3")
    text = text[: text.index("exercises:")]
    path = out / "lr.yaml"
    path.write_text(text, encoding="utf-8")
    _, folder = record_to(path, out)
    return write_report(folder, lang="ko")


def test_a_subset_holds_exactly_the_characters_asked_for_and_keeps_the_math_table():
    hangul = subset(HANGUL, "학습률")
    assert cmap(hangul) == set("학습률")
    assert hangul[:4] == b"wOF2"
    math = TTFont(io.BytesIO(subset(MATH, "∑=()x𝑥")))
    assert "MATH" in math and {chr(c) for c in math.getBestCmap()} == set("∑=()x𝑥")


def test_each_page_gets_its_own_subsets_named_by_content_and_old_ones_go(tmp_path):
    first = font_faces("<h1>학습률</h1><math><mi>w</mi><mo>&#x0003D;</mo></math>", tmp_path, "index")
    assert [f.family for f in first] == ["gdanim Hangul", "gdanim Math"]
    hangul = tmp_path / first[0].file
    assert cmap(hangul.read_bytes()) == set("학습률")
    assert {"=", "w", "𝑤"} <= cmap((tmp_path / first[1].file).read_bytes())  # entities, italic letters
    assert (tmp_path / "OFL-NanumGothic.txt").is_file() and (tmp_path / "OFL-STIXTwoMath.txt").is_file()
    stamp = hangul.stat().st_mtime_ns
    assert font_faces("<h1>학습률</h1><math><mi>w</mi><mo>&#x0003D;</mo></math>", tmp_path, "index") == first
    assert hangul.stat().st_mtime_ns == stamp  # the same text reuses the file
    second = font_faces("<h1>경사</h1>", tmp_path, "index")
    assert [f.family for f in second] == ["gdanim Hangul"]
    assert sorted(p.name for p in tmp_path.glob("index-*.woff2")) == [second[0].file]


def test_a_page_without_hangul_or_formulas_names_no_font(tmp_path):
    assert font_faces("<p>plain · text ≈ 1</p>", tmp_path, "index") == []
    assert list(tmp_path.glob("*.woff2")) == []


def test_the_korean_page_names_its_fonts_and_ships_them_with_their_licences(korean_page):
    html = korean_page.read_text(encoding="utf-8")
    assets = korean_page.parent / "assets"
    files = sorted(p.name for p in assets.glob("index-*.woff2"))  # the page's own (lab.html has its lab-*)
    assert len(files) == 2 and all(f'url("assets/{f}")' in html for f in files)
    lab = (korean_page.parent / "lab.html").read_text(encoding="utf-8")
    assert all((assets / name).is_file() for name in re.findall(r'url\("assets/([^"]+\.woff2)"\)', html + lab))
    assert "unicode-range: U+1100-11FF" in html
    shipped = cmap((assets / files[0]).read_bytes()) if "hangul" in files[0] else cmap((assets / files[1]).read_bytes())
    assert set("학습률에따른경사하강법") <= shipped


@needs_browser
def test_in_chromium_hangul_and_formulas_render_from_the_shipped_fonts(browser, korean_page):
    page = browser.new_page()
    try:
        page.goto(korean_page.as_uri())
        page.evaluate("document.fonts.ready.then(() => true)")
        heading = used_fonts(page, "h1")
        math = used_fonts(page, "math mi, math mo, math mn")
    finally:
        page.close()
    assert ("NanumGothic", True) in heading  # the title's Hangul, from the page's own subset
    assert all(custom or family.startswith("DejaVu Sans") for family, custom in heading)  # spaces only
    assert math and set(math) == {("STIX Two Math", True)}


@needs_nu_checker
def test_the_korean_page_is_valid_html(korean_page):
    result = nu_check(korean_page.parent)
    assert result.returncode == 0, result.stdout + result.stderr


@needs_browser
def test_the_korean_page_reads_without_javascript(browser, korean_page):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(korean_page.as_uri())
        assert page.inner_text("h2 >> nth=0") and "실행 결과" in page.inner_text("body")
        assert not page.is_visible("#lab") and page.is_visible("#analysis")
    finally:
        context.close()


def test_cutting_a_subset_leaves_no_font_file_open():
    import gc
    import warnings

    from gdanim.report.fonts import HANGUL, MATH, subset

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        subset(MATH, "xy=")
        subset(HANGUL, "경사")
        gc.collect()
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []


def every_formula() -> list[str]:
    """Each formula gdanim writes on a page, for every loss, schedule and model, with
    numbers of every shape (decimals, exponents, signs)."""
    from gdanim.report import text as tx

    out = [tx.UPDATE_LATEX, tx.CRITICAL_LATEX]
    for loss in ("sse", "mse", "sae", "mae", "huber"):
        for delta in (1.0, 1.35, 2e-05, 123456789.0):
            out += [tx.loss_latex(loss, delta), tx.gradient_latex(loss, delta), tx.hessian_latex(loss, delta)]
    out += [tx.model_latex(features, degree) for features in (1, 2, 3, 7) for degree in (1, 2, 3, 9, 12)]
    for gamma in (0.5, 1e-07, 0.987654):
        out += [tx.schedule_latex({"type": "step", "gamma": gamma, "step_size": 10}),
                tx.schedule_latex({"type": "exponential", "gamma": gamma})]
    for eta_min in (0, 0.001, 2.5e-06):
        out.append(tx.schedule_latex({"type": "cosine", "eta_min": eta_min, "t_max": 468}))
    out.append(tx.schedule_latex({"type": "linear", "start_factor": 1, "end_factor": 0.1, "total_iters": 30}))
    return [tx.mathml(latex, display=True) for latex in out]


def test_every_formula_gdanim_writes_is_served_by_the_shipped_math_core(tmp_path):
    from gdanim.report.fonts import MATH_CORE_CHARS, _math_text

    assert set(_math_text("".join(every_formula()))) <= set(MATH_CORE_CHARS)


def test_the_shipped_math_core_is_the_bundled_font_cut_to_its_characters():
    from gdanim.report.fonts import MATH_CORE, MATH_CORE_CHARS

    core = MATH_CORE.read_bytes()
    assert core == subset(MATH, MATH_CORE_CHARS)  # else: write_math_core()
    assert set(MATH_CORE_CHARS) <= cmap(core) and "MATH" in TTFont(io.BytesIO(core))


def test_a_page_of_gdanims_formulas_takes_the_core_without_reading_a_font_and_others_are_cut(tmp_path, monkeypatch):
    from gdanim.report import fonts

    def no_font(*args):
        raise AssertionError("a font was read")

    page = "<h1>fit</h1>" + "".join(every_formula()[:5])
    with monkeypatch.context() as m:
        m.setattr(fonts, "subset", no_font)
        m.setattr(fonts, "_cmap", no_font)
        [face] = font_faces(page, tmp_path, "index")
    assert (tmp_path / face.file).read_bytes() == fonts.MATH_CORE.read_bytes()
    [other] = font_faces(page + "<math><mi>Ω</mi></math>", tmp_path, "index")  # beyond gdanim's own
    assert "Ω" in cmap((tmp_path / other.file).read_bytes()) and "Ω" not in fonts.MATH_CORE_CHARS
    assert sorted(p.name for p in tmp_path.glob("index-math-*")) == [other.file]  # the core's copy went
