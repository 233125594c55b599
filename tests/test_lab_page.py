"""The live lab's data block (gdanim/report/lab.py): exact numbers and when a page gets a lab."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import gdanim
from gdanim.api import record_to
from gdanim.build import write_scenario_report
from gdanim.report import lab as lb
from gdanim.report.strings import strings
from gdanim.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
EN = strings("en")
SCENARIO = """\
title: Lab
data:
  synthetic: {{n: {n}, seed: 3, x: randn, params: [1.0, 2.0], noise: 0.2}}
init: [0.5, -1.0]
loss: sse
optimizer: gd
epochs: 5
runs:
{runs}
"""


def write(tmp_path: Path, runs: str, n: int = 12, name: str = "lab") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(SCENARIO.format(n=n, runs=runs), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def lr_trace():
    return gdanim.record(ROOT / "scenarios" / "lr.yaml")


@pytest.fixture(scope="module")
def thermometer_trace():
    return gdanim.record(ROOT / "scenarios" / "thermometer.yaml")


@given(st.floats(width=32, allow_nan=False, allow_infinity=False))
def test_a_float32_written_for_the_page_reads_back_as_the_same_float32(v):
    text = json.dumps(lb.f32(v))
    assert np.float32(json.loads(text)) == np.float32(v)
    digits = re.sub(r"[-.]|e.*$", "", text).strip("0")
    assert len(digits) <= 9  # float32's shortest form, not float64's 17 digits


def test_non_finite_numbers_become_null_for_strict_json():
    assert lb.f32(float("inf")) is None and lb.f32(float("nan")) is None


def test_the_data_ride_as_the_float32_values_the_recorder_trained_on(lr_trace):
    lab = lb.lab_context(lr_trace, (0, 1), EN)
    x = np.asarray(lab["units"][0]["x"], np.float64).astype(np.float32)
    assert x.shape == (100, 1) and (x == lr_trace.dataset.x).all()
    assert (np.asarray(lab["y"]).astype(np.float32) == lr_trace.dataset.y).all()
    assert lab["n"] == 100 and lab["k"] == 1 and lab["pair"] == [0, 1]


def test_ols_and_the_spectrum_per_loss_are_the_analysis_figures(lr_trace):
    units = lb.lab_context(lr_trace, (0, 1), EN)["units"][0]
    spectra = lr_trace.analysis.spectra
    assert units["ols"] == list(lr_trace.analysis.ols)
    for loss in ("sse", "mse"):
        assert units["spectra"][loss]["critical_lr"] == spectra[loss].critical_lr
        assert units["spectra"][loss]["eigenvalues"] == list(spectra[loss].eigenvalues)
    assert units["spectra"]["sse"]["critical_lr"] == pytest.approx(0.008238, rel=1e-3)


def test_the_defaults_are_the_first_full_batch_run_and_every_run_can_be_reset_to(lr_trace):
    lab = lb.lab_context(lr_trace, (0, 1), EN)
    assert [r["name"] for r in lab["runs"]] == [r.name for r in lr_trace.runs]
    assert lab["defaults"]["settings"] == lab["runs"][0]["settings"]
    first = lab["runs"][0]["settings"]
    assert first["lr"] == 0.0001 and first["optimizer"] == "gd" and first["loss"] == "sse"
    assert first["epochs"] == 30 and first["init"] == [-5.0, 10.0]
    for run, carried in zip(lr_trace.runs, lab["runs"]):  # where a reset lands: the trace's own numbers
        assert (np.asarray(carried["final"], np.float64).astype(np.float32) == run.final_params).all()
        assert np.float32(carried["final_loss"]) == np.float32(run.final_loss)
        assert (carried["steps"], carried["status"]) == (run.steps, run.status)


def test_the_view_holds_every_start_and_the_minimum(lr_trace):
    view = lb.lab_context(lr_trace, (0, 1), EN)["units"][0]["view"]
    for point in ([-5.0, 10.0], lr_trace.analysis.minimizer):
        assert all(view["lo"][i] < point[i] < view["hi"][i] for i in range(2))


def test_the_slider_range_covers_every_recorded_rate_and_the_critical_rate(lr_trace):
    lab = lb.lab_context(lr_trace, (0, 1), EN)
    lo, hi = lab["lr_range"]["sse"]
    assert lo <= 0.0001 and hi >= 0.01 * 2 and lo < lr_trace.analysis.spectra["sse"].critical_lr < hi
    assert math.log10(hi / lo) >= 4
    lo, hi = lab["lr_range"]["mse"]
    assert lo < lr_trace.analysis.spectra["mse"].critical_lr < hi


def test_a_run_with_its_own_normalization_brings_its_own_inputs_and_analysis(thermometer_trace):
    lab = lb.lab_context(thermometer_trace, (0, 1), EN)
    assert [u["key"] for u in lab["units"]] == ["data", "scale:0.1"]
    scaled = thermometer_trace.run("scaled-lr-1e-2")
    x = np.asarray(lab["units"][1]["x"]).astype(np.float32)
    assert (x == thermometer_trace.inputs(scaled)).all()
    assert lab["units"][1]["ols"] == pytest.approx(thermometer_trace.analysis_of(scaled).ols)
    assert [r["units"] for r in lab["runs"]] == [0, 0, 1]
    assert lab["units"][1]["label"] == "x multiplied by 0.1"


def test_a_multivariate_scenario_gets_a_lab_over_its_surface_pair(tmp_path):
    trace = gdanim.record(ROOT / "scenarios" / "multivariate.yaml")
    lab = lb.lab_context(trace, (1, 2), EN)
    assert lab is not None and lab["k"] == 3 and lab["pair"] == [1, 2]
    assert len(lab["units"][0]["x"][0]) == 3 and len(lab["units"]) == 2
    assert lb.lab_context(trace, (1, 7), EN) is None


def test_mini_batch_runs_are_replayed_with_their_batch_size_and_seed(tmp_path):
    mixed = gdanim.record(write(tmp_path, "  - {name: full}\n  - {name: small, batch_size: 4, seed: 9}", name="a"))
    lab = lb.lab_context(mixed, (0, 1), EN)
    assert [r["name"] for r in lab["runs"]] == ["full", "small"]
    assert "batch_size" not in lab["runs"][0]["settings"]
    assert (lab["runs"][1]["settings"]["batch_size"], lab["runs"][1]["settings"]["seed"]) == (4, 9)
    only = gdanim.record(write(tmp_path, "  - {name: small, batch_size: 4, lr: 0.01}", name="b"))
    lab = lb.lab_context(only, (0, 1), EN)
    assert lab["defaults"]["settings"]["lr"] == 0.01 and lab["defaults"]["settings"]["batch_size"] == 4


def test_robust_runs_are_replayed_with_their_losses_fits_and_outliers(tmp_path):
    runs = ("  - {name: abs, loss: mae, lr: 0.5}\n  - {name: hub, loss: huber, huber_delta: 0.5, lr: 0.5}\n"
            "  - {name: hub2, loss: huber, huber_delta: 2.0, lr: 0.4}\n  - {name: abs2, loss: mae, lr: 0.05}")
    path = write(tmp_path, runs)
    text = path.read_text(encoding="utf-8").replace("data:\n", "data:\n  outliers: {x: [1.0], y: [40.0]}\n", 1)
    path.write_text(text, encoding="utf-8")
    trace = gdanim.record(path)
    lab = lb.lab_context(trace, (0, 1), EN)
    assert [r["name"] for r in lab["runs"]] == ["abs", "hub", "hub2", "abs2"]
    assert lab["runs"][1]["settings"]["huber_delta"] == 0.5 and "huber_delta" not in lab["runs"][0]["settings"]
    assert [(o["key"], o["label"]) for o in lab["losses"]] == [
        ("sse", "SSE"), ("mse", "MSE"), ("mae", "MAE"), ("huber:0.5", "Huber (δ = 0.5)"),
        ("huber:2.0", "Huber (δ = 2)")]
    assert lab["losses"][3]["huber_delta"] == 0.5 and lab["losses"][4]["huber_delta"] == 2.0
    fits = lab["units"][0]["robust"]
    assert set(fits) == {"mae", "huber:0.5", "huber:2.0"}
    for key, fit in trace.analysis.robust.items():
        assert fits[key] == {"params": list(fit.params), "value": fit.value}
    assert lab["outliers"] == 1 and lab["y"][-1] == 40.0 and lab["n"] == 13
    low, high = lab["lr_range"]["mae"]
    assert low <= 0.05 / 10 and high >= 0.5 * 2.5 and set(lab["lr_range"]) == {o["key"] for o in lab["losses"]}


def test_a_polynomial_brings_its_raw_x_and_the_units_that_map_it_onto_the_columns():
    trace = gdanim.record(ROOT / "scenarios" / "polynomial.yaml")
    lab = lb.lab_context(trace, (1, 3), EN)
    assert lab["degree"] == 3 and len(lab["x_raw"]) == lab["n"] == 60
    x = np.asarray(lab["x_raw"], np.float64)[:, None]
    assert [u["key"] for u in lab["units"]] == ["data", "standardize"]
    for u in lab["units"]:  # the fit view's curve: column j = (x**j - shift) * scale
        norm = u["norm"]
        columns = (x ** np.arange(1, 4) - np.asarray(norm["shift"])) * np.asarray(norm["scale"])
        assert np.allclose(columns, np.asarray(u["x"], np.float64), rtol=1e-5, atol=1e-5)
    assert lb.lab_context(gdanim.record(ROOT / "scenarios" / "lr.yaml"), (0, 1), EN)["x_raw"] is None


def test_a_scenario_without_robust_runs_offers_sse_and_mse_only(lr_trace):
    lab = lb.lab_context(lr_trace, (0, 1), EN)
    assert [o["key"] for o in lab["losses"]] == ["sse", "mse"] and lab["units"][0]["robust"] == {}
    assert lab["outliers"] == 0


def test_each_distinct_schedule_is_offered_once_with_a_label(tmp_path):
    runs = ("  - {name: a, lr: 0.01, schedule: {type: step, step_size: 2, gamma: 0.5}}\n"
            "  - {name: b, lr: 0.02, schedule: {type: step, step_size: 2, gamma: 0.5}}\n  - {name: c}")
    lab = lb.lab_context(gdanim.record(write(tmp_path, runs)), (0, 1), EN)
    assert [s["label"] for s in lab["schedules"]] == ["step: ×0.5 every 2 epochs"]
    assert lab["runs"][0]["settings"]["schedule"] == lab["schedules"][0]["schedule"]
    assert "schedule" not in lab["runs"][2]["settings"]


def test_data_too_large_to_ride_in_the_page_gets_no_lab(tmp_path, monkeypatch):
    trace = gdanim.record(write(tmp_path, "  - {lr: 0.001}", n=40))
    assert lb.has_lab(trace)
    monkeypatch.setattr(lb, "MAX_VALUES", 79)
    assert not lb.has_lab(trace) and lb.lab_context(trace, (0, 1), EN) is None


def test_the_page_carries_the_lab_hidden_until_its_script_runs(tmp_path):
    scenario = load_scenario(write(tmp_path, "  - {lr: 0.001}\n  - {lr: 0.002}"))
    _, folder = record_to(scenario, tmp_path / "out")
    html = write_scenario_report(scenario, folder).read_text(encoding="utf-8")
    assert re.search(r'<section id="lab" class="lab" hidden>', html)
    assert '<a href="#lab" data-lab-link hidden>' in html
    block = re.search(r'<script type="application/json" id="lab-data">(.*?)</script>', html, re.S)
    data = json.loads(block.group(1))
    assert data["text"]["diverged"] == "diverged at epoch {epoch}"
    assert html.index("lab-core.js") < html.index("lab.js")
    assert (folder / "assets" / "lab.js").is_file() and (folder / "assets" / "lab-core.js").is_file()
    for control in ("lab-lr-range", "lab-lr", "lab-optimizer", "lab-epochs", "lab-reset", "lab-epoch"):
        assert f'<label for="{control}">' in html


def test_a_page_without_a_lab_loads_no_lab_script(tmp_path, monkeypatch):
    monkeypatch.setattr(lb, "MAX_VALUES", 1)
    scenario = load_scenario(write(tmp_path, "  - {lr: 0.001}"))
    _, folder = record_to(scenario, tmp_path / "out")
    html = write_scenario_report(scenario, folder).read_text(encoding="utf-8")
    assert 'id="lab"' not in html and "lab.js" not in html and 'href="#lab"' not in html


def test_the_korean_page_labels_the_lab_in_korean(tmp_path):
    scenario = load_scenario(write(tmp_path, "  - {lr: 0.001}"))
    _, folder = record_to(scenario, tmp_path / "out")
    html = write_scenario_report(scenario, folder, lang="ko").read_text(encoding="utf-8")
    assert "<h2>직접 해 보기</h2>" in html and "학습률 (로그 눈금)" in html
    assert '"diverged":"에폭 {epoch}에서 발산"' in html


def test_quotes_and_tags_in_the_lab_words_stay_text(tmp_path, monkeypatch):
    monkeypatch.setitem(EN, "lab_contour_alt", 'the "bowl" <b>{a}</b> {b}')
    monkeypatch.setitem(EN, "lab_js_final", "</script><b>{loss}")
    scenario = load_scenario(write(tmp_path, "  - {lr: 0.001}"))
    _, folder = record_to(scenario, tmp_path / "out")
    html = write_scenario_report(scenario, folder).read_text(encoding="utf-8")
    assert 'aria-label="the &#34;bowl&#34; &lt;b&gt;w0&lt;/b&gt; w1"' in html
    block = re.search(r'id="lab-data">(.*?)</script>', html, re.S).group(1)
    assert "</script" not in block and "<b>" not in block
    assert json.loads(block)["text"]["final"] == "</script><b>{loss}"
