"""The spectrum analysis against closed forms and against what the runs actually do."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

import gdanim
from gdanim.analysis import Spectrum, analyze, data_loss, design, loss_values, quadratic, robust_fit, robust_key


def test_ols_matches_the_lectures_closed_form():
    trace = gdanim.record("scenarios/lr.yaml")
    assert trace.analysis.ols == pytest.approx((2.4459, 4.0043), abs=1e-4)
    X = trace.dataset.design()
    closed = np.linalg.inv(X.T @ X) @ X.T @ trace.dataset.y.astype(np.float64)
    assert trace.analysis.ols == pytest.approx(tuple(closed), rel=1e-9)


def test_the_critical_rate_of_the_lecture_is_2_over_242_8():
    a = gdanim.record("scenarios/lr.yaml").analysis.spectra["sse"]
    assert a.eigenvalues[-1] == pytest.approx(242.8, abs=0.05)
    assert a.critical_lr == pytest.approx(0.00824, abs=1e-5)
    assert a.best_lr == pytest.approx(2 / (a.eigenvalues[0] + a.eigenvalues[-1]))
    assert a.condition_number == pytest.approx(a.eigenvalues[-1] / a.eigenvalues[0])


def test_mse_eigenvalues_are_sse_ones_divided_by_n():
    a = gdanim.record("scenarios/lr.yaml").analysis
    np.testing.assert_allclose(np.array(a.spectra["mse"].eigenvalues) * 100, a.spectra["sse"].eigenvalues)
    assert a.spectra["mse"].critical_lr == pytest.approx(100 * a.spectra["sse"].critical_lr)


def test_regimes_of_the_five_lecture_rates():
    trace = gdanim.record("scenarios/lr.yaml")
    assert [r.regime for r in trace.runs] == ["monotone", "monotone", "divergent", "divergent", "divergent"]
    slow = trace.run("lr-0.0083")
    assert slow.contraction > 1  # diverges, slowly: about 1.5% growth per step
    assert slow.contraction == pytest.approx(abs(1 - 0.0083 * 242.77), abs=1e-3)


def test_0_0083_looks_settled_after_30_epochs_but_grows_later():
    """The question the lecture leaves open, settled by running longer."""
    text = Path("scenarios/lr.yaml").read_text().replace("epochs: 30", "epochs: 600")
    run = gdanim.record(gdanim.parse_scenario(text, "lr.yaml")).run("lr-0.0083")
    assert run.loss[29] < run.loss[0] / 5
    assert run.loss[-1] > run.loss[29] * 10


def test_an_oscillating_rate_overshoots_yet_converges():
    text = "data: {synthetic: {n: 100, seed: 43052}}\ninit: [-5, 10]\nloss: sse\nlr: 0.006\nepochs: 300"
    trace = gdanim.record(gdanim.parse_scenario(text))
    run = trace.runs[0]
    assert run.regime == "oscillating"
    w1 = run.path[:, 1] - trace.analysis.ols[1]
    assert (np.sign(w1[1:40]) != np.sign(w1[:39])).any()  # crosses the minimum
    assert run.final_loss == pytest.approx(trace.analysis.spectra["sse"].ols_loss, rel=1e-3)


def test_other_optimizers_and_mini_batches_have_no_regime():
    trace = gdanim.record("scenarios/optimizers.yaml")
    assert [r.regime is None for r in trace.runs] == [False, True, True, True, True, True]
    assert all(r.regime is None for r in gdanim.record("scenarios/minibatch.yaml").runs[1:])


def test_singular_design_is_not_unique_and_has_no_condition_number():
    a = analyze(np.ones((4, 1), np.float32), np.array([1, 2, 3, 4], np.float32))
    assert a.ols is None and a.rank == 1
    assert a.spectra["sse"].condition_number is None
    assert a.spectra["sse"].critical_lr == pytest.approx(2 / (2 * 8))


def test_the_quadratic_form_equals_the_direct_loss():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(50, 2)), rng.normal(size=50)
    q = quadratic(x, y)
    W = rng.normal(size=(7, 3))
    X = np.hstack([np.ones((50, 1)), x])
    direct = ((y - W @ X.T) ** 2).sum(1)
    np.testing.assert_allclose(q(W, "sse"), direct, rtol=1e-10)
    np.testing.assert_allclose(q(W, "mse"), direct / 50, rtol=1e-10)


def huber_by_hand(err, delta):
    a = np.abs(err)
    return np.where(a < delta, 0.5 * a * a, delta * (a - 0.5 * delta)).mean(-1)


@pytest.fixture(scope="module")
def outliers():
    """A line y = 1 + 2x with noise and three points far off it."""
    rng = np.random.default_rng(7)
    x = rng.uniform(0, 5, size=(30, 1))
    y = 1 + 2 * x[:, 0] + rng.normal(0, 0.3, 30)
    y[:3] += 15
    return x, y


def test_huber_has_a_delta_of_1_unless_told_and_each_delta_its_own_minimizer(outliers):
    x, y = outliers
    a = analyze(x, y, robust=[("huber", 1.0), ("huber", 3.0)])
    (one, v1), (three, v3) = a.best("huber"), a.best("huber", 3.0)
    assert one != pytest.approx(three, abs=1e-3)  # a wider delta lets the outliers pull more
    X = np.hstack([np.ones((30, 1)), x])
    assert v1 == pytest.approx(huber_by_hand(X @ one - y, 1.0))
    assert v3 == pytest.approx(huber_by_hand(X @ three - y, 3.0))
    assert a.best("huber", 2.0) is None  # no run asked for it
    assert a.best("sse") == (a.minimizer, a.spectra["sse"].ols_loss)

    W = np.array([[1.0, 2.0], [0.0, 0.0], [4.0, -1.0]])
    err = W @ X.T - y
    np.testing.assert_allclose(data_loss(x, y)(W, "huber"), huber_by_hand(err, 1.0), rtol=1e-12)
    np.testing.assert_allclose(data_loss(x, y, 3.0)(W, "huber"), huber_by_hand(err, 3.0), rtol=1e-12)
    np.testing.assert_allclose(loss_values(X, y, W, "huber"), huber_by_hand(err, 1.0), rtol=1e-12)


def test_a_loss_surface_is_the_sum_of_squares_unless_told(outliers):
    x, y = outliers
    W = np.array([[1.0, 2.0], [0.0, 0.0]])
    X = np.hstack([np.ones((30, 1)), x])
    sse = ((W @ X.T - y) ** 2).sum(1)
    np.testing.assert_allclose(quadratic(x, y)(W), sse, rtol=1e-10)
    np.testing.assert_allclose(data_loss(x, y)(W), sse, rtol=1e-10)


def test_a_sum_of_squares_too_large_for_a_float_is_infinite_never_nan(outliers):
    """A run that diverged far enough has parameters whose loss overflows: its loss is
    infinite (each residual is), not the NaN of inf - inf between the quadratic's terms."""
    x, y = outliers
    q = quadratic(x, y)
    W = np.array([[1e200, -1e200], [1e200, 1e200], [np.inf, 0.0], [np.nan, 0.0], [1.0, 2.0]])
    X = np.hstack([np.ones((30, 1)), x])
    with np.errstate(over="ignore", invalid="ignore"):
        for loss, by_hand in (("sse", ((W[4] @ X.T - y) ** 2).sum()), ("mse", ((W[4] @ X.T - y) ** 2).mean())):
            values = q(W, loss)
            assert values[:3].tolist() == [np.inf] * 3, loss
            assert np.isnan(values[3])  # no number at all: nothing to say of its loss
            assert values[4] == pytest.approx(by_hand, rel=1e-10)


def test_points_on_a_line_have_no_loss_at_that_line_and_some_everywhere_else():
    x = np.arange(6, dtype=np.float64)[:, None]
    y = 3 - 0.5 * x[:, 0]
    q = quadratic(x, y)
    assert q(np.array([3.0, -0.5])) == pytest.approx(0, abs=1e-9)
    assert q(np.array([3.0, -0.4])) == pytest.approx(((0.1 * x[:, 0]) ** 2).sum())
    assert analyze(x, y).spectra["sse"].ols_loss == pytest.approx(0, abs=1e-9)


def test_the_contours_lowest_point_is_the_least_squares_loss_for_float32_data_far_from_zero():
    """Readings of about 1000 stored as float32: the quadratic form must not lose the
    small loss at the minimum to the size of y'y."""
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 1, size=(200, 1)).astype(np.float32)
    y = (1000 + 3 * x[:, 0] + rng.normal(0, 0.05, 200)).astype(np.float32)
    a = analyze(x, y)
    assert quadratic(x, y)(np.array(a.minimizer)) == pytest.approx(a.spectra["sse"].ols_loss, rel=1e-3)


def test_with_every_x_the_same_the_least_absolute_line_passes_through_the_median():
    x = np.full((5, 1), 2.0)
    y = np.array([1.0, 2.0, 4.0, 8.0, 30.0])
    fit = analyze(x, y, robust=[("sae", 1.0)]).robust["sae"]
    assert fit.value == pytest.approx(np.abs(y - 4.0).sum(), rel=1e-6)
    assert fit.params[0] + 2.0 * fit.params[1] == pytest.approx(4.0, abs=1e-4)


@pytest.mark.parametrize("lr, regime", [(0.2, "monotone"), (0.25, "monotone"), (0.3, "oscillating"),
                                        (0.49, "oscillating"), (0.5, "divergent"), (0.6, "divergent")])
def test_a_rate_is_monotone_up_to_1_over_lambda_max_and_diverges_from_2_over_lambda_max_on(lr, regime):
    """At exactly 2/λmax the error along the steepest direction flips sign with the same
    size every step: it never settles, so it counts as divergent."""
    s = Spectrum("sse", (1.0, 4.0), 0.5, 0.4, 4.0, 0.0)
    assert s.regime(lr) == (regime, pytest.approx(max(abs(1 - lr * 1.0), abs(1 - lr * 4.0))))


def test_weight_decay_raises_every_eigenvalue_by_its_amount():
    s = Spectrum("sse", (1.0, 4.0), 0.5, 0.4, 4.0, 0.0)
    assert s.regime(0.4) == ("oscillating", pytest.approx(0.6))
    assert s.regime(0.4, weight_decay=1.0) == ("divergent", pytest.approx(1.0))
    assert s.regime(0.2, weight_decay=1.0) == ("monotone", pytest.approx(0.6))


def test_the_loss_of_a_blown_up_run_is_infinite_without_a_warning():
    X = np.hstack([np.ones((3, 1)), np.arange(3.0)[:, None]])
    y = np.array([1.0, 2.0, 3.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for loss in ("sse", "mse"):
            assert np.isinf(loss_values(X, y, np.array([[1e200, 1e200]]), loss)).all()


def test_two_features_that_are_almost_one_column_leave_no_unique_minimum():
    rng = np.random.default_rng(5)
    x1 = rng.normal(size=50)
    x = np.stack([x1, x1 + 1e-8 * rng.normal(size=50)], axis=1)
    a = analyze(x, 1 + x1 + rng.normal(0, 0.1, 50))
    assert a.ols is None and not a.unique
    assert a.spectra["sse"].condition_number is None
    assert a.spectra["sse"].eigenvalues[0] == pytest.approx(0, abs=1e-6)


def test_a_robust_fit_says_what_it_fitted_and_how_many_reweighting_rounds_it_took(outliers):
    x, y = outliers
    fit = robust_fit(x, y, "huber", 3.0)
    assert (fit.loss, fit.huber_delta) == ("huber", 3.0) and 1 < fit.iterations < 200
    assert robust_fit(x, y, "huber").params == pytest.approx(analyze(x, y, [("huber", 1.0)]).best("huber")[0])
    assert robust_fit(x, y, "huber", rounds=3).iterations == 3
    assert robust_fit(x, y, "sae").loss == "sae"


def test_each_spectrum_names_its_loss_and_the_smallest_mean_error_is_the_smallest_sum_over_n():
    x, y = np.array([[0.0], [1.0], [2.0], [3.0]]), np.array([1, 3, 5.5, 6.5])
    spectra = analyze(x, y).spectra
    assert [(key, s.loss) for key, s in spectra.items()] == [("sse", "sse"), ("mse", "mse")]
    assert spectra["mse"].ols_loss == pytest.approx(spectra["sse"].ols_loss / 4) and spectra["mse"].ols_loss > 0


def test_a_flattest_direction_gentler_than_one_still_has_a_condition_number_and_a_best_rate():
    """x = 0..3 under MSE: eigenvalues 0.595 and 8.405."""
    mse = analyze(np.array([[0.0], [1.0], [2.0], [3.0]]), np.array([1, 3, 5.5, 6.5])).spectra["mse"]
    lo, hi = mse.eigenvalues
    assert lo == pytest.approx(0.595, abs=1e-3) and hi == pytest.approx(8.405, abs=1e-3)
    assert mse.condition_number == pytest.approx(hi / lo)
    assert mse.best_lr == pytest.approx(2 / (lo + hi)) and mse.critical_lr == pytest.approx(2 / hi)


def test_with_two_features_the_critical_rate_is_two_over_the_largest_of_three_eigenvalues():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 2)) * [1.0, 3.0]
    sse = analyze(x, rng.normal(size=50)).spectra["sse"]
    lams = np.linalg.eigvalsh(2 * design(x).T @ design(x))
    assert sse.eigenvalues == pytest.approx(tuple(lams)) and lams[1] < 0.5 * lams[2]
    assert sse.critical_lr == pytest.approx(2 / lams[2])
    assert sse.best_lr == pytest.approx(2 / (lams[0] + lams[2]))
    assert sse.condition_number == pytest.approx(lams[2] / lams[0])


def test_a_minimum_is_unique_only_if_its_flattest_direction_is_within_1e10_of_the_steepest():
    """Two features of about 100 that differ by 3e-4: the flattest direction's curvature
    is 6e-12 of the steepest's (not unique), though 4e-8 of the middle one's."""
    x1 = np.linspace(-100, 100, 40)
    x = np.stack([x1, x1 + 3e-4 * np.random.default_rng(5).normal(size=40)], axis=1)
    a = analyze(x, 1 + 0.01 * x1)
    lams = a.spectra["sse"].eigenvalues
    assert lams[0] / lams[2] < 1e-11 and lams[0] / lams[1] > 1e-9 and a.rank == 3
    assert not a.unique and a.ols is None and a.spectra["sse"].condition_number is None


def test_a_flat_direction_has_no_negative_curvature():
    for x in (np.full((4, 1), 2.0), np.stack([np.arange(6.0), 3 * np.arange(6.0)], axis=1),
              np.stack([np.arange(7.0) / 3, np.arange(7.0) / 3 * 7], axis=1)):
        for s in analyze(x, np.arange(len(x), dtype=np.float64)).spectra.values():
            assert min(s.eigenvalues) >= 0.0


def test_points_on_a_line_are_their_own_huber_fit_after_one_round():
    x = np.arange(6, dtype=np.float64)[:, None]
    fit = robust_fit(x, 3 - 0.5 * x[:, 0], "huber")
    assert fit.iterations == 1 and fit.params == pytest.approx((3.0, -0.5)) and fit.value == pytest.approx(0)
    assert robust_key("huber") == robust_key("huber", 1.0) == "huber:1.0" and robust_key("mae", 3.0) == "mae"


def test_every_row_of_a_large_grid_on_many_points_gets_its_own_loss():
    """A contour grid of 250 parameter rows on 40,000 points is evaluated a slice at a time."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(40_000, 1))
    y = 1 + 2 * x[:, 0]
    W = np.stack([np.linspace(-3, 3, 250), np.full(250, 2.0)], axis=1)
    expected = ((W[:, :1] - 1) ** 2).ravel()  # the intercept's error at every point
    np.testing.assert_allclose(data_loss(x, y)(W, "mse"), expected, rtol=1e-9, atol=1e-12)


def test_a_slowly_settling_huber_fit_stops_after_200_rounds_already_where_it_settles():
    """Fifteen points, three far off, and a narrow delta of 0.1: each round still moves
    the line by about 1e-13 at round 200; it settles some twenty rounds later."""
    x = np.array([1.399, 0.293, 0.106, -0.044, 0.357, -1.156, -0.999, 1.305, 0.151, 0.85, -0.606, 1.377, 0.345,
                  0.481, 0.549])[:, None]
    y = np.array([4.226, 0.927, -2.537, 0.621, 1.843, 1.34, 7.036, 3.908, 1.063, 2.308, 0.509, 2.431, 1.863, 2.616,
                  2.695])
    fit, settled = robust_fit(x, y, "huber", 0.1), robust_fit(x, y, "huber", 0.1, rounds=1000)
    assert fit.iterations == 200 and settled.iterations > 200
    assert fit.params == pytest.approx(settled.params, rel=1e-9) and fit.value == pytest.approx(settled.value)
