"""The scenario page: escaping, Markdown, MathML, analysis sentences, warnings and languages."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from gdanim.api import record_to
from gdanim.build import write_scenario_report
from gdanim.report import ReportError, write_report
from gdanim.report.analysis_text import hidden_divergence, sse_mse_pairs
from gdanim.report.strings import TABLES, strings
from gdanim.report.text import markdown, num
from gdanim.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
TINY = """\
title: {title}
description: |
  {description}
data:
  synthetic: {{n: 20, seed: 1, x: randn, params: [1.0, 2.0], noise: 0.1}}
init: [0.0, 0.0]
loss: {loss}
epochs: 4
runs:
  - {{lr: {lr}}}
"""


def tiny(tmp_path: Path, name: str = "tiny", *, title: str = "Tiny", description: str = "Small.",
         loss: str = "mse", lr: float = 0.1) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(TINY.format(title=title, description=description, loss=loss, lr=lr),
                    encoding="utf-8")
    return path


def page_of(scenario_path: Path, out: Path, lang: str = "en") -> str:
    scenario = load_scenario(scenario_path)
    _, folder = record_to(scenario, out)
    return write_scenario_report(scenario, folder, lang=lang).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def lr_page(tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("lr")
    return page_of(ROOT / "scenarios" / "lr.yaml", out)


def test_a_title_with_a_script_tag_is_shown_as_text(tmp_path):
    html = page_of(tiny(tmp_path, title="'<script>alert(1)</script>'"), tmp_path / "out")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_raw_html_in_the_description_is_escaped_and_markdown_is_rendered(tmp_path):
    html = page_of(tiny(tmp_path, description='"**bold** <img src=x onerror=alert(1)>"'),
                   tmp_path / "out")
    assert "<strong>bold</strong>" in html
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_markdown_images_and_javascript_links_never_become_requests_or_scripts():
    html = str(markdown("![x](https://example.com/x.png) [a](javascript:alert(1))"))
    assert "<img" not in html
    assert 'href="javascript:' not in html


def test_the_page_writes_model_loss_and_update_as_mathml_without_a_math_script(lr_page):
    assert lr_page.count("<math") >= 5
    assert "mathjax" not in lr_page.lower() and "katex" not in lr_page.lower()
    sse = re.search(r"L\(w\)|<mi>L</mi>", lr_page)
    assert sse is not None
    assert "<mfrac><mrow><mn>1</mn></mrow><mrow><mi>n</mi>" not in lr_page  # SSE has no 1/n


def test_an_mse_scenario_shows_the_one_over_n_of_its_loss(tmp_path):
    html = page_of(tiny(tmp_path, loss="mse"), tmp_path / "out")
    assert "<mfrac><mrow><mn>1</mn></mrow><mrow><mi>n</mi>" in html


def test_the_lr_page_states_the_critical_rate_and_warns_about_0_0083(lr_page):
    assert "242.8" in lr_page
    assert "0.008238" in lr_page
    warnings = re.findall(r'<p class="warning" role="note"[^>]*><strong>([^<]+)</strong>', lr_page)
    assert warnings == ["lr-0.0083"]
    assert "diverges slowly" in lr_page


def test_only_a_run_that_ends_lower_yet_is_divergent_counts_as_hidden_divergence(tmp_path):
    trace, _ = record_to(load_scenario(ROOT / "scenarios" / "lr.yaml"), tmp_path)
    hidden = [r.name for r in trace.runs if hidden_divergence(r)]
    assert hidden == ["lr-0.0083"]


def test_sse_with_lr_a_and_mse_with_lr_n_a_are_paired_with_paths_equal(tmp_path):
    trace, _ = record_to(load_scenario(ROOT / "scenarios" / "sse_vs_mse.yaml"), tmp_path)
    pairs = sse_mse_pairs(trace)
    assert [(p.sse.settings.lr, p.mse.settings.lr) for p in pairs] == [(0.001, 0.1), (0.008, 0.8)]
    assert all(p.max_difference < 1e-3 for p in pairs)
    assert all(p.gradient_ratio == pytest.approx(100, rel=1e-3) for p in pairs)


def test_the_sse_mse_section_appears_with_its_figure(tmp_path):
    html = page_of(ROOT / "scenarios" / "sse_vs_mse.yaml", tmp_path)
    assert 'id="sse-mse"' in html
    assert (tmp_path / "sse_vs_mse" / "assets" / "sse-mse-0.png").is_file()
    assert "n·a = 0.1" in html


def test_korean_pages_use_the_korean_string_table(tmp_path):
    html = page_of(tiny(tmp_path), tmp_path / "out", lang="ko")
    assert '<html lang="ko">' in html
    assert strings("ko")["sec_analysis"] in html
    assert strings("en")["sec_analysis"] not in html


def test_every_language_has_the_same_keys_and_the_same_fields():
    en, ko = TABLES["en"], TABLES["ko"]
    assert set(en) == set(ko)
    fields = re.compile(r"{(\w+)}")
    for key in en:
        assert set(fields.findall(en[key])) == set(fields.findall(ko[key])), key


def test_an_unknown_language_is_a_report_error(tmp_path):
    with pytest.raises(ReportError, match="--lang"):
        strings("fr")


def test_every_image_has_alt_text_and_every_video_a_label(lr_page):
    for tag in re.findall(r"<img\b[^>]*>", lr_page):
        assert re.search(r'alt="[^"]{10,}"', tag), tag
    for tag in re.findall(r"<video\b[^>]*>", lr_page):
        assert re.search(r'aria-label="[^"]{10,}"', tag), tag


def test_the_page_needs_no_file_outside_its_folder_and_no_remote_url(lr_page):
    refs = re.findall(r'(?:src|href)="([^"]+)"', lr_page)
    assert refs
    for ref in refs:
        if ref == "data:,":  # the empty favicon, so browsers ask no host for /favicon.ico
            continue
        assert not re.match(r"^[a-z]+:", ref) and not ref.startswith("/"), ref
        assert ".." not in ref, ref


def test_csv_data_is_offered_for_download_beside_the_scenario(tmp_path):
    (tmp_path / "points.csv").write_text("x,y\n0,1\n1,3\n2,5\n", encoding="utf-8")
    path = tmp_path / "fromcsv.yaml"
    path.write_text("data: {csv: {path: points.csv, x: x, y: y}}\nloss: mse\nepochs: 2\n",
                    encoding="utf-8")
    html = page_of(path, tmp_path / "out")
    assert 'href="data.csv"' in html and 'href="scenario.yaml"' in html
    assert (tmp_path / "out" / "fromcsv" / "data.csv").read_text(encoding="utf-8").startswith("x,y")


def test_a_run_with_only_a_gif_shows_the_gif_as_its_picture(tmp_path):
    scenario = load_scenario(tiny(tmp_path))
    _, folder = record_to(scenario, tmp_path / "out")
    (folder / "lr-0.1.gif").write_bytes(b"GIF89a")
    html = write_scenario_report(scenario, folder).read_text(encoding="utf-8")
    assert '<img src="lr-0.1.gif" alt="Animation of lr-0.1:' in html
    assert "<video" not in html


def test_a_user_template_folder_overrides_the_built_in_theme(tmp_path):
    override = tmp_path / "theme"
    override.mkdir()
    (override / "base.html").write_text("<!DOCTYPE html><title>mine</title>{% block main %}"
                                        "{% endblock %}", encoding="utf-8")
    scenario = load_scenario(tiny(tmp_path))
    _, folder = record_to(scenario, tmp_path / "out")
    html = write_report(folder, templates=override, figures=False).read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html><title>mine</title>")
    assert "Runs" in html  # the built-in scenario.html still fills the blocks


def test_a_template_changed_after_the_page_was_prepared_shows_on_the_next_page(tmp_path):
    import os

    from gdanim.report.scenario_page import prepare_templates

    override = tmp_path / "theme"
    override.mkdir()
    base = override / "base.html"
    base.write_text("<!DOCTYPE html><title>first</title>{% block main %}{% endblock %}", encoding="utf-8")
    _, folder = record_to(load_scenario(tiny(tmp_path)), tmp_path / "out")
    prepare_templates("en", override)
    assert "<title>first</title>" in write_report(folder, templates=override, figures=False).read_text("utf-8")
    base.write_text("<!DOCTYPE html><title>second</title>{% block main %}{% endblock %}", encoding="utf-8")
    os.utime(base, (base.stat().st_atime, base.stat().st_mtime + 2))  # a later edit, whatever the clock's grain
    prepare_templates("en", override)  # loaded once a process: nothing is loaded again here
    assert "<title>second</title>" in write_report(folder, templates=override, figures=False).read_text("utf-8")


def test_a_missing_template_folder_is_a_report_error(tmp_path):
    with pytest.raises(ReportError, match="--templates"):
        write_report(tmp_path, templates=tmp_path / "nope")


@pytest.mark.parametrize(("value", "shown"), [(0.008238248, "0.008238"), (242.77, "242.8"),
                                              (518812762112.0, "5.188e11"), (1e-5, "1e-5"),
                                              (float("inf"), "∞"), (None, "—")])
def test_numbers_are_shown_in_four_significant_digits(value, shown):
    assert num(value) == shown


class _Tags(HTMLParser):
    """Every start tag and its attributes in a piece of HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


SAFE_TAGS = {"p", "em", "strong", "code", "pre", "a", "ul", "ol", "li", "blockquote", "h1", "h2", "h3",
             "h4", "h5", "h6", "hr", "br"}
markdownish = st.lists(st.sampled_from(list("<>&\"'`*_[]()!#-:/ \n=aj") + [
    "javascript:", "<script>", "onerror=", "data:", "](", "<img", "&#106;avascript:"]), max_size=30).map("".join)


@settings(max_examples=300, deadline=None, print_blob=True)
@example("<script>alert(1)</script>")
@example("[a](javascript:alert(1))")
@example('<img src=x onerror="alert(1)">')
@example("[a](<data:text/html,x>)")
@given(st.one_of(markdownish, st.text(max_size=80)))
def test_any_description_becomes_markup_without_scripts_images_or_script_links(text):
    parser = _Tags()
    parser.feed(str(markdown(text)))
    for tag, attrs in parser.tags:
        assert tag in SAFE_TAGS, tag
        assert not any(name.startswith("on") for name in attrs), attrs
        href = (attrs.get("href") or "").strip().lower()
        assert not href.startswith(("javascript:", "vbscript:", "data:")), href


def test_the_slider_of_a_scheduled_run_carries_each_frames_rate():
    from gdanim.api import record
    from gdanim.report.media import slider_frames

    trace = record(ROOT / "scenarios" / "schedules.yaml")
    step = slider_frames(trace.run("step-decay"), [0, 9, 10, 25, 60])
    assert [f[3] for f in step] == [0.0085, 0.0085, 0.00425, 0.002125, 0.000265625]
    assert [f[0] for f in step] == [0, 9, 10, 25, 60]
    assert all(len(f) == 3 for f in slider_frames(trace.run("constant"), [0, 60]))  # constant: no lr


def test_the_analysis_says_where_each_schedule_crosses_the_critical_rate():
    from gdanim.api import record
    from gdanim.report.analysis_text import run_row, verdicts

    trace = record(ROOT / "scenarios" / "schedules.yaml")
    text = verdicts(trace, strings("en"))
    assert "diverging, lr 0.0085;" in text  # the constant rate alone
    assert "step-decay (step-10-0.5) starts at lr·λmax = 2.06 and is stable from epoch 10 on (lr 0.00425)" in text
    assert "cosine (cosine-60) starts at lr·λmax = 2.06 and is stable from epoch 7 on" in text
    assert "exponential (exp-0.99) starts at lr·λmax = 2.06 and is stable from epoch 4 on" in text
    assert run_row(trace.run("step-decay"), trace, strings("en")).lr == "0.0085 → 0.000266 (step-10-0.5)"
    assert "에폭 10부터" in verdicts(trace, strings("ko"))


@pytest.mark.parametrize("lang, source, figures", [
    ("en", "sse_vs_mse", ["contour", "data", "loss", "sse-mse-0", "sse-mse-1"]),  # two workers
    ("ko", "sse_vs_mse", ["contour", "data", "loss", "sse-mse-0", "sse-mse-1"]),
    ("en", "tiny", ["contour", "data", "loss"]),  # one worker, warmed up for the figures
])
def test_figures_drawn_by_a_render_worker_are_the_ones_the_page_would_draw(tmp_path, lang, source, figures):
    from gdanim.build import page_ahead, render_scenario
    from gdanim.settings import settings_of

    path = tiny(tmp_path, loss="sse", lr=0.01) if source == "tiny" else ROOT / "scenarios" / f"{source}.yaml"
    scenario = load_scenario(path)
    result = render_scenario(scenario, tmp_path, formats=["png"], preset="thumb", jobs=2, progress=False,
                             **page_ahead(settings_of(scenario, lang=lang)))
    assert sorted(result.after) == figures
    page = write_scenario_report(scenario, result.folder, lang=lang, figures=result.after)
    drawn = {p.name: p.read_bytes() for p in (result.folder / "assets").glob("*.png")}
    html = page.read_bytes()
    for figure in (result.folder / "assets").glob("*.png"):
        figure.unlink()
    assert write_scenario_report(scenario, result.folder, lang=lang).read_bytes() == html
    assert {p.name: p.read_bytes() for p in (result.folder / "assets").glob("*.png")} == drawn
