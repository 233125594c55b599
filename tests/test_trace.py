"""trace.json and the CSVs: strict, documented fields, stable bytes, and a faithful read-back."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np

import gdanim
from gdanim.api import record_to
from gdanim.trace import SCHEMA, dumps, read_trace


def strict_json(text: str):
    def refuse(token):
        raise ValueError(f"non-strict JSON token {token}")

    return json.loads(text, parse_constant=refuse)


def test_trace_json_has_the_documented_fields(tmp_path):
    _, folder = record_to("scenarios/lr.yaml", tmp_path)
    doc = strict_json((folder / "trace.json").read_text())
    assert doc["schema"] == SCHEMA == "gdanim.trace/2"
    assert doc["scenario"] == "lr.yaml" and doc["title"] == "학습률에 따른 경사하강법"
    assert doc["data"]["n"] == 100 and doc["data"]["features"] == 1
    assert doc["data"]["normalize"]["kind"] == "none"
    for key in ("ols", "ols_loss", "hessian_eigenvalues", "critical_lr", "best_lr", "condition_number"):
        assert key in doc["analysis"]
    run = doc["runs"][2]
    assert run["name"] == "lr-0.0083" and run["regime"] == "divergent"
    assert set(run["settings"]) >= {"lr", "loss", "optimizer", "gradient", "batch_size", "epochs", "init", "zero_grad"}
    assert run["status"] == "max_epochs" and len(run["steps"]) == 30
    assert set(run["steps"][0]) == {"epoch", "lr", "params", "loss", "grad", "update"}
    assert run["settings"]["schedule"] is None and run["steps"][0]["lr"] == 0.0083
    assert run["final"]["params"] and run["final"]["loss"] > 0


def test_non_finite_numbers_become_null(tmp_path):
    _, folder = record_to("scenarios/thermometer.yaml", tmp_path)
    text = (folder / "trace.json").read_text()
    doc = strict_json(text)
    raw = doc["runs"][0]
    assert raw["status"] == "diverged" and raw["steps"][-1]["loss"] is None


def test_the_same_scenario_gives_the_same_bytes(tmp_path):
    a = dumps(gdanim.record("scenarios/minibatch.yaml"))
    b = dumps(gdanim.record("scenarios/minibatch.yaml"))
    assert a == b


def test_one_csv_per_run_with_epoch_lr_params_loss_grad_update(tmp_path):
    trace, folder = record_to("scenarios/lr.yaml", tmp_path)
    assert sorted(p.name for p in folder.glob("*.csv")) == sorted(f"{r.name}.csv" for r in trace.runs)
    rows = list(csv.reader((folder / "lr-0.001.csv").open()))
    assert rows[0] == ["epoch", "lr", "w0", "w1", "loss", "grad_w0", "grad_w1", "update_w0", "update_w1"]
    assert {row[1] for row in rows[1:]} == {"0.001"}
    assert len(rows) == 31
    assert [float(v) for v in rows[1][2:5]] == [-5.0, 10.0, 8587.6875]


def test_reading_a_trace_back_gives_the_same_arrays(tmp_path):
    trace, folder = record_to("scenarios/thermometer.yaml", tmp_path)
    back = read_trace(folder / "trace.json")
    assert back.title == trace.title and back.loss == trace.loss
    np.testing.assert_array_equal(back.dataset.x_raw, trace.dataset.x_raw)
    for a, b in zip(trace.runs, back.runs):
        assert a.name == b.name and a.status == b.status and a.regime == b.regime
        np.testing.assert_array_equal(a.path[np.isfinite(a.path)], b.path[np.isfinite(b.path)])
        np.testing.assert_array_equal(a.epoch, b.epoch)
        assert a.settings == b.settings
    scaled = back.run("scaled-lr-1e-2")
    assert back.normalization_of(scaled).scale == (0.1,)
    np.testing.assert_allclose(back.inputs(scaled), trace.dataset.x_raw * np.float32(0.1))
    assert math.isclose(back.analysis_of(scaled).spectra["mse"].critical_lr,
                        trace.analysis_of(trace.run("scaled-lr-1e-2")).spectra["mse"].critical_lr)


def test_the_streamed_text_is_exactly_json_dumps_of_the_whole_dict():
    from gdanim.scenario import parse_scenario
    from gdanim.trace import to_json

    text = Path("scenarios/thermometer.yaml").read_text(encoding="utf-8")  # 3 runs, one diverges
    text = text.replace("title:", 'title: "NUL \\0 and \\" quotes" #', 1)
    trace = gdanim.record(parse_scenario(text, Path("scenarios/thermometer.yaml")))
    whole = json.dumps(to_json(trace), ensure_ascii=False, allow_nan=False, separators=(",", ":")) + "\n"
    assert dumps(trace) == whole
    assert len(trace.runs) == 3 and "\\u0000" in whole
