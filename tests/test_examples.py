"""Every example scenario records, and shows what its description promises."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

import gdanim


@cache
def trace(stem: str) -> gdanim.Trace:
    return gdanim.record(f"scenarios/{stem}.yaml")


EXAMPLES = ["lr", "sse_vs_mse", "thermometer", "fahrenheit", "three_points", "gradients", "optimizers",
            "zero_grad", "multivariate", "minibatch", "lr_sweep", "schedules", "robust", "polynomial"]
"Every example, named: one left out of scenarios/ fails its tests."


@pytest.mark.parametrize("stem", EXAMPLES)
def test_every_example_records_every_run(stem):
    t = trace(stem)
    scenario = gdanim.load_scenario(f"scenarios/{stem}.yaml")
    assert [r.name for r in t.runs] == [r.name for r in scenario.runs]
    for run in t.runs:
        assert run.steps >= 1 and run.path.shape == (run.steps + 1, scenario.features + 1)
        assert np.isfinite(run.path[0]).all()


def test_sse_with_lr_a_and_mse_with_lr_n_a_follow_the_same_path():
    t = trace("sse_vs_mse")
    n = t.dataset.n
    sse, mse = t.run("sse-lr-0.001"), t.run("mse-lr-0.1")
    assert mse.settings.lr == pytest.approx(n * sse.settings.lr)
    np.testing.assert_allclose(mse.path, sse.path, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(sse.grad, n * mse.grad, rtol=1e-4, atol=1e-2)  # SSE's gradient is n times


def test_fahrenheit_stops_the_diverging_run():
    t = trace("fahrenheit")
    fast = t.run("lr-0.03-epochs-300")
    assert fast.status == "diverged" and fast.regime == "divergent" and fast.steps < 300
    slow = t.run("lr-0.001-epochs-5000")
    assert slow.final_params == pytest.approx(t.analysis.ols, abs=0.05)


def test_zero_grad_false_takes_a_different_path():
    t = trace("zero_grad")
    good, bad = t.run("with-zero-grad"), t.run("without-zero-grad")
    assert abs(good.final_loss - t.analysis.spectra["mse"].ols_loss) < 1e-3
    assert bad.final_loss > good.final_loss
    assert not np.allclose(bad.path[5], good.path[5])


def test_mini_batches_take_more_steps_per_epoch():
    t = trace("minibatch")
    assert [r.steps for r in t.runs] == [20, 20 * 5, 20 * 20]


def test_the_sweep_divides_at_the_critical_rate():
    t = trace("lr_sweep")
    critical = t.analysis.spectra["sse"].critical_lr
    assert len(t.runs) == 60
    for run in t.runs:
        expected = "divergent" if run.settings.lr >= critical else ("monotone", "oscillating")
        assert run.regime in expected if isinstance(expected, tuple) else run.regime == expected
        if run.settings.lr > critical * 1.1:
            assert run.status == "diverged"


def test_optimizers_all_move_toward_the_minimum():
    t = trace("optimizers")
    start = t.runs[0].loss[0]
    for run in t.runs:
        assert run.final_loss < start / 10, run.name


def test_a_rate_just_above_critical_diverges_constant_and_converges_with_a_schedule():
    t = trace("schedules")
    spectrum = t.analysis.spectra["sse"]
    lam = max(spectrum.eigenvalues)
    constant = t.run("constant")
    assert constant.settings.lr == 0.0085 > spectrum.critical_lr
    assert constant.regime == "divergent" and constant.final_loss > 400_000 > 40 * constant.loss[0]
    crossing = {}
    for name in ("step-decay", "cosine", "exponential"):
        run = t.run(name)
        ratio = run.step_lr * lam  # lr_t * lambda_max against 2, step by step
        assert ratio[0] > 2 and ratio[-1] < 2, name
        crossing[name] = int(np.argmax(ratio < 2))
        assert run.regime in ("monotone", "oscillating"), name
        assert run.final_loss == pytest.approx(spectrum.ols_loss, rel=1e-4), name
    assert crossing == {"step-decay": 10, "cosine": 7, "exponential": 4}  # as the description says


def test_outliers_pull_least_squares_while_mae_and_huber_stay_near_the_true_line():
    t = trace("robust")
    a = t.analysis
    assert t.dataset.outliers == 3 and t.dataset.n == 103
    assert a.minimizer[1] == pytest.approx(3.43, abs=0.005)  # the slopes the description gives
    assert a.robust["mae"].params[1] == pytest.approx(3.94, abs=0.005)
    assert a.robust["huber:1.0"].params[1] == pytest.approx(3.96, abs=0.005)
    for name in ("sse", "mae", "huber"):  # each run walks to its own loss's minimum
        run = t.run(name)
        params, value = a.best(run.settings.loss, run.settings.huber_delta)
        assert np.linalg.norm(run.final_params - np.asarray(params)) < 0.005, name
        assert run.final_loss == pytest.approx(value, rel=1e-4), name
    assert t.run("sse").regime == "monotone"
    assert t.run("mae").regime is None and t.run("huber").regime is None
    mae = t.run("mae")  # hovers: its steps stay far larger than its distance to the minimum
    gap = np.linalg.norm(mae.final_params - np.asarray(a.robust["mae"].params))
    assert np.abs(mae.update[-10:]).max() > 5 * gap
    assert np.abs(t.run("huber").update[-10:]).max() < 1e-5  # Huber settles


def test_a_cubic_on_raw_columns_crawls_and_on_standardized_columns_converges_in_dozens():
    t = trace("polynomial")
    raw, std = t.run("raw"), t.run("standardized")
    assert t.dataset.degree == 3 and raw.path.shape[1] == 4
    raw_spec, std_spec = (t.analysis_of(r).spectra["mse"] for r in (raw, std))
    assert 1000 < raw_spec.condition_number < 2000 and std_spec.condition_number < 30  # ~1,500 and 23
    assert raw_spec.critical_lr == pytest.approx(0.00154, abs=5e-6)
    assert raw.regime == "oscillating" and raw.settings.lr < raw_spec.critical_lr
    reached = np.flatnonzero(std.loss <= 1.01 * std_spec.ols_loss)
    assert reached.size and reached[0] < 60  # a few dozen epochs
    assert raw.final_loss > 2 * raw_spec.ols_loss  # still far after 300 epochs
    steps = np.diff(raw.path[:, 3].astype(np.float64))  # w3, the steep x^3 direction: zig-zags
    assert int((np.sign(steps[1:]) != np.sign(steps[:-1])).sum()) > 100


NOISY = {"robust": ["sse"], "optimizers": ["gd-lr-0.1", "adagrad-lr-2"], "polynomial": ["standardized"],
         "schedules": ["exponential"], "thermometer": ["scaled-lr-1e-2"]}
"Runs whose loss went up in its last float32 digit only, once told as growing."


@pytest.mark.parametrize("stem", EXAMPLES)
def test_every_example_tells_of_growth_only_where_the_loss_really_grows(stem):
    from gdanim.scene.events import NOISE, losses, run_events
    from gdanim.scene.views import run_view

    t = trace(stem)
    for run in t.runs:
        grows = [e for e in run_events(t, run) if e.kind == "grows"]
        ratio = run_view(t, run, None).rate_ratio()
        loss = losses(run)
        if ratio is not None and ratio.max() < 2:  # plain gd below the critical rate: the loss only falls
            assert grows == [], run.name
        for e in grows:
            g = e.state
            assert loss[g] > loss[g - 1] * (1 + NOISE), run.name  # beyond float32 noise
            if e.ratio is not None:
                assert e.ratio >= 2 and e.ratio == pytest.approx(ratio[g - 1]), run.name
            else:  # and it stays up: the next state is still above where it started
                assert g == len(loss) - 1 or loss[g + 1] > loss[g - 1] * (1 + NOISE), run.name
        if run.name in NOISY.get(stem, []):
            assert grows == [], run.name
    assert all(name in [r.name for r in t.runs] for name in NOISY.get(stem, []))


@pytest.mark.parametrize("stem", EXAMPLES)
def test_every_examples_captions_agree_with_its_frames(stem):
    """Each cue starts within the first frame that shows the epoch it names, stays 1.5 s
    at least, and names no epoch the picture has not reached (runs and the grid)."""
    import re

    from test_captions import cues

    from gdanim.report.captions import compare_captions, run_captions
    from gdanim.report.strings import strings
    from gdanim.scene.schedule import state_times
    from gdanim.scene.timeline import MIN_CUE, compare_timeline, run_timeline
    from gdanim.settings import settings_for

    t = trace(stem)
    scenario = gdanim.load_scenario(f"scenarios/{stem}.yaml")
    settings = settings_for(scenario.spec.render)
    pair = settings.params if max(settings.params) <= t.dataset.features else (0, 1)
    videos = [(run_timeline(t, r, settings.pacing, pair), r) for r in t.runs]
    if len(t.runs) > 1:
        videos.append((compare_timeline(t, t.runs, settings.pacing, pair), None))
    for line, run in videos:
        vtt = (run_captions(t, run, line, strings("en"), pair) if run is not None
               else compare_captions(t, t.runs, line, strings("en"), pair))
        found = cues(vtt)
        starts = [s for s, _, _ in found]
        assert starts[0] == 0 and all(b - a >= MIN_CUE - 1e-9 for a, b in zip(starts, starts[1:]))
        assert found[-1][1] * line.fps >= line.count - 1
        for start, _, text in found:
            k = int(np.floor(start * line.fps + 1e-6))
            assert k / line.fps <= start < (k + 1) / line.fps
            for row in text.split("\n"):
                named = re.search(r"(?:^|, )epoch (\d+(?:\.\d+)?):", row)
                if named is None:
                    continue
                epoch = float(named.group(1))
                if run is None:  # the grid: that run, in that frame, is at that epoch
                    j = [r.name for r in t.runs].index(row.split(", epoch")[0])
                    shown = state_times(t.runs[j])[int(np.floor(line.pos[k, j] + 1e-9))]
                    assert shown == pytest.approx(epoch, abs=0.006), (stem, row)
                else:
                    assert line.epochs[k] == pytest.approx(epoch, abs=0.006), (stem, row)
                assert k == 0 or line.epochs[k - 1] < line.epochs[k], (stem, row)  # its first frame
