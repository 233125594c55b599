"""Polynomial features: the columns x .. x^d of one raw input, normalized per column after
the expansion; the recorder against hand-written PyTorch loops on those columns; the
analysis of the expanded design; the fit panel's curve; the trace read back."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from loop_support import OPTIMIZERS as LOOP_OPTIMIZERS
from loop_support import hand_loop as loop

import gdanim
from gdanim import parse_scenario
from gdanim.dataset import poly_columns
from gdanim.errors import ScenarioError
from gdanim.trace import read_trace, write_trace

DATA = ("data:\n  synthetic: {n: 30, seed: 3, x: linspace, range: [-2.0, 2.0], params: [1.0, -2.0, 0.5, 0.3], "
        "noise: 0.5}\n  normalize: NORM\nmodel: {degree: 3}\ninit: [0.5, 0.0, 0.0, 0.0]\nloss: mse\n")
OPTIMIZERS = {k: LOOP_OPTIMIZERS[k] for k in ("gd", "momentum", "adam")}


def record(text: str) -> gdanim.Trace:
    return gdanim.record(parse_scenario(text, "t.yaml"))


def columns_by_hand(standardize: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """The data as a student builds it: x, its powers, each column standardized with numpy."""
    torch.manual_seed(3)
    x = torch.linspace(-2.0, 2.0, 30)
    eps = torch.randn(30) * 0.5
    powers = torch.from_numpy((x.double()[:, None] ** torch.arange(1, 4).double()).float().numpy())
    y = 1.0 + powers @ torch.tensor([-2.0, 0.5, 0.3]) + eps
    cols = powers.double().numpy()
    if standardize:
        cols = (cols - cols.mean(axis=0)) * (1.0 / cols.std(axis=0))
    X = torch.cat([torch.ones(30, 1), torch.from_numpy(cols.astype(np.float32))], dim=1)
    return X, y


def hand_loop(make, lr: float, epochs: int, standardize: bool, batch_size: int | None = None) -> np.ndarray:
    X, y = columns_by_hand(standardize)
    return loop(X, y, [0.5, 0.0, 0.0, 0.0], make, lr, epochs, batch_size=batch_size)[0]


def test_the_columns_are_the_powers_of_x_normalized_after_the_expansion():
    raw = record(DATA.replace("NORM", "none") + "epochs: 1").dataset
    std = record(DATA.replace("NORM", "standardize") + "epochs: 1").dataset
    assert raw.x_raw.shape == (30, 1) and raw.x.shape == (30, 3) and raw.degree == 3
    x64 = raw.x_raw[:, 0].astype(np.float64)
    assert raw.x.tolist() == np.stack([x64, x64**2, x64**3], 1).astype(np.float32).tolist()
    np.testing.assert_allclose(std.x.mean(axis=0), 0.0, atol=1e-6)
    np.testing.assert_allclose(std.x.std(axis=0), 1.0, rtol=1e-5)
    assert std.normalization.kind == "standardize" and len(std.normalization.shift) == 3


def test_synthetic_data_follow_the_cubic_with_the_lectures_draw():
    X, y = columns_by_hand(False)
    d = record(DATA.replace("NORM", "none") + "epochs: 1").dataset
    np.testing.assert_allclose(d.y, y.numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("batch_size", [None, 7], ids=["full-batch", "mini-batch"])
@pytest.mark.parametrize("standardize", [False, True], ids=["raw", "standardized"])
@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_the_recorder_follows_a_hand_loop_on_the_expanded_columns(optimizer, standardize, batch_size):
    lr = {"gd": 0.02, "momentum": 0.005, "adam": 0.05}[optimizer] * (5 if standardize else 1)
    batching = f"batch_size: {batch_size}\nseed: 0\n" if batch_size else ""
    norm = "standardize" if standardize else "none"
    run = record(DATA.replace("NORM", norm) + f"optimizer: {optimizer}\nlr: {lr}\nepochs: 20\n{batching}").runs[0]
    ref = hand_loop(OPTIMIZERS[optimizer], lr, 20, standardize, batch_size)
    assert run.path.shape == ref.shape == (ref.shape[0], 4)
    np.testing.assert_allclose(run.path, ref, rtol=1e-4, atol=1e-5)


def test_the_analysis_is_for_the_expanded_design():
    trace = record(DATA.replace("NORM", "none") + "epochs: 1")
    X = np.hstack([np.ones((30, 1)), poly_columns(trace.dataset.x_raw, 3).astype(np.float64)])
    lams = np.linalg.eigvalsh(2 * X.T @ X / 30)
    spectrum = trace.analysis.spectra["mse"]
    assert spectrum.condition_number == pytest.approx(lams[-1] / lams[0], rel=1e-9)
    assert spectrum.critical_lr == pytest.approx(2 / lams[-1], rel=1e-9)
    np.testing.assert_allclose(trace.analysis.ols, np.linalg.lstsq(X, trace.dataset.y.astype(np.float64),
                                                                   rcond=None)[0], rtol=1e-9)


def test_a_run_standardized_on_its_own_trains_on_standardized_columns():
    trace = record(DATA.replace("NORM", "none") + "epochs: 3\nruns: [{lr: 0.01}, {lr: 0.1, normalize: standardize}]")
    raw, std = trace.runs
    np.testing.assert_allclose(trace.inputs(std).mean(axis=0), 0.0, atol=1e-6)
    assert trace.inputs(raw).tolist() == trace.dataset.x.tolist()
    cond = [trace.analysis_of(r).spectra["mse"].condition_number for r in (raw, std)]
    assert cond[0] > 2 * cond[1]  # x in [-2, 2]: 61 against 23


def test_the_fit_panel_draws_the_curve_through_the_predictions(tmp_path):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from gdanim.frames.panels import FitPanel
    from gdanim.frames.style import make_style
    from gdanim.scene.views import predictions, run_view

    trace = record(DATA.replace("NORM", "standardize") + "lr: 0.1\nepochs: 5")
    run = trace.runs[0]
    fig = Figure()
    FigureCanvasAgg(fig)
    panel = FitPanel(fig.add_subplot(), run_view(trace, run, None), make_style((640, 360)))
    assert panel.single and panel.lines.shape == (run.steps + 1, 160)
    # at the data's own x the curve is the model's prediction X w
    at_data = predictions(trace, run, run.path[-1].astype(np.float64), trace.dataset.x_raw)
    X = trace.dataset.design()
    np.testing.assert_allclose(at_data, X @ run.path[-1].astype(np.float64), rtol=1e-5, atol=1e-6)


def test_the_trace_keeps_the_degree_and_reads_back(tmp_path):
    trace = record(DATA.replace("NORM", "standardize") + "lr: 0.1\nepochs: 3")
    write_trace(trace, tmp_path)
    back = read_trace(tmp_path / "trace.json")
    assert back.dataset.degree == 3 and back.dataset.x_raw.shape == (30, 1) and back.dataset.features == 3
    assert back.inputs(back.runs[0]).tolist() == trace.dataset.x.tolist()


def problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, "s.yaml")
    return [str(p) for p in info.value.problems]


@pytest.mark.parametrize(("text", "expected"), [
    ("data: {synthetic: {n: 9}}\nmodel: {degree: 11}",
     "s.yaml:2: model.degree: input should be less than or equal to 10"),
    ("data: {synthetic: {n: 9}}\nmodel: {degree: 0}",
     "s.yaml:2: model.degree: input should be greater than or equal to 1"),
    ("data: {synthetic: {n: 9, params: [1, 2, 3]}}\nmodel: {features: 2, degree: 2}",
     "s.yaml:2: model: degree applies to one feature"),
    ("data: {synthetic: {n: 9, params: [1.0, 2.0]}}\nmodel: {degree: 3}",
     "s.yaml:1: data.synthetic.params: 4 numbers [w0 .. w3] are expected for model.degree 3, got 2"),
    ("data: {synthetic: {n: 9, params: [1, 2, 3]}}\nmodel: {degree: 2}\ninit: [0.0, 0.0]",
     "s.yaml:3: init: 3 numbers [w0 .. w2] are expected, got 2"),
])
def test_bad_degrees_name_their_line_and_key(text, expected):
    assert any(m.startswith(expected) for m in problems(text)), problems(text)
