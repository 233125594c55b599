"""Message catalogs: every language has every message with the same fields, a third
language is one more catalog file, and templates can use gettext."""

from __future__ import annotations

import shutil
import string
import subprocess
import sys
from pathlib import Path

import pytest

from gdanim import i18n
from gdanim.i18n import LANGUAGES, SOURCE, UnknownLanguage, messages, read_catalog


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_the_catalogs_are_english_and_korean_and_english_has_every_message():
    assert LANGUAGES == ("en", "ko")
    assert len(messages(SOURCE)) > 200


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_catalog_has_every_message_with_the_same_fields(lang):
    own, source = read_catalog(lang), read_catalog(SOURCE)
    assert sorted(set(source) - set(own)) == []  # no message falls back to English
    assert sorted(set(own) - set(source)) == []  # and none is unknown to English
    assert {k: fields(v) for k, v in own.items() if fields(v) != fields(source[k])} == {}


def test_korean_messages_are_korean():
    ko, en = messages("ko"), messages("en")
    assert ko["sec_runs"] == "실행 결과" and en["sec_runs"] == "Runs"
    same = [k for k in ko if ko[k] == en[k] and any(c.isalpha() for c in en[k]) and k != "lang_name"]
    assert len(same) < len(ko) // 10, same  # formulas and names may stay as they are


def test_an_unknown_language_is_refused_with_the_known_ones():
    with pytest.raises(UnknownLanguage, match="one of en, ko is expected, got 'fr'"):
        messages("fr")


def test_a_third_language_is_one_catalog_file_and_no_code(tmp_path):
    locale = tmp_path / "gdanim" / "locale"
    shutil.copytree(i18n.LOCALE, locale)
    french = locale / "fr" / "LC_MESSAGES"
    french.mkdir(parents=True)
    text = (locale / "en" / "LC_MESSAGES" / "gdanim.po").read_text(encoding="utf-8")
    (french / "gdanim.po").write_text(text.replace('msgstr "Runs"', 'msgstr "Exécutions"')
                                      .replace("Language: en", "Language: fr"), encoding="utf-8")
    shutil.copytree(Path(i18n.__file__).parent, tmp_path / "gdanim", dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("locale", "__pycache__"))
    probe = ("import gdanim.i18n as i, gdanim.schema as s; print(i.LANGUAGES, i.messages('fr')['sec_runs'],"
             " s.ScenarioFile.model_fields['lang'].annotation)")
    out = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("('en', 'fr', 'ko') Exécutions") and "'fr'" in out.stdout


def test_templates_can_look_messages_up_with_gettext(tmp_path):
    from gdanim.report.page import render

    (tmp_path / "t.html").write_text('{{ _("sec_runs") }} / {% trans %}sec_data{% endtrans %}', encoding="utf-8")
    assert render("t.html", {"lang": "ko"}, tmp_path) == "실행 결과 / 데이터"
    assert render("t.html", {"lang": "en"}, tmp_path) == "Runs / The data"


@pytest.mark.parametrize("filled, said", [
    ("50.21", "50.21이"), ("2", "2가"), ("10", "10이"), ("0.25", "0.25가"), ("1e-5", "1e-5가"),
    ("8588", "8588이"), ("∞", "∞가"), ("7", "7이"), ("손실", "손실이"), ("lr-0.0083", "lr-0.0083이")])
def test_a_particle_after_a_number_agrees_with_how_the_number_is_read(filled, said):
    assert i18n.with_particles(f"{filled}이(가)") == said


def test_korean_directions_and_names_take_their_particles_too():
    w = messages("ko")
    assert w["fig_contour_alt"].format(a="w0", b="w1").startswith("w0과 w1에 대한")
    assert w["fig_contour_alt"].format(a="w1", b="w2").startswith("w1과 w2에 대한")
    assert i18n.with_particles("w2과(와) x(으)로 263(으)로 7(으)로") == "w2와 x로 263으로 7로"


def test_no_korean_message_glues_a_fixed_particle_to_a_field():
    """After a {field} the particle must be written both ways (이(가), (으)로): which one
    reads right depends on what is filled in."""
    import re

    glued = re.compile(r"\}(이|가|은|는|을|를|과|와|으로|로)(?![\w(])")
    bad = {k: v for k, v in read_catalog("ko").items() if glued.search(v.replace("}이므로", "").replace("}이며", ""))}
    assert bad == {}


def test_the_korean_catalog_says_parameter_as_it_is_spelled():
    assert not [k for k, v in read_catalog("ko").items() if "파라메터" in v]
    assert any("파라미터" in v for v in read_catalog("ko").values())
