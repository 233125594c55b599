"""Numbers are written one way everywhere a reader sees them: four significant digits,
plain between 1e-4 and a million, in scientific notation outside, never 'nan'."""

from __future__ import annotations

import pytest

from gdanim.numbers import num


@pytest.mark.parametrize("value, written", [
    (8587.6875, "8588"), (0.00824, "0.00824"), (2776.2, "2776"), (12.5, "12.5"), (1.0, "1"), (-0.5, "-0.5"),
    (999.95, "1000"), (0.0001, "0.0001"), (999999.0, "1e6"), (-32500.0, "-3.25e4"), (123456.0, "1.235e5"),
])
def test_four_significant_digits_and_plain_between_one_ten_thousandth_and_a_million(value, written):
    assert num(value) == written


@pytest.mark.parametrize("value, written", [
    (5.188e11, "5.188e11"), (1e6, "1e6"), (1.2e-5, "1.2e-5"), (-7.253e9, "-7.253e9"), (9.9999e-5, "1e-4"),
    (32500.0, "3.25e4"), (9999.6, "1e4"),
])
def test_large_and_small_numbers_in_scientific_notation_without_trailing_zeros(value, written):
    assert num(value) == written


def test_fewer_digits_when_asked():
    assert num(2.0149913, 3) == "2.01"
    assert num(8587.6875, 2) == "8.6e3"
    assert num(0.5, 1) == "0.5"


def test_an_overflow_is_infinity_never_nan_and_nothing_is_a_dash():
    assert num(float("nan")) == "∞"
    assert num(float("inf")) == "∞"
    assert num(float("-inf")) == "−∞"
    assert num(None) == "—"
    assert num(0) == num(0.0) == num(-0.0) == "0"


def test_a_million_and_above_is_scientific_even_with_digits_enough_to_write_it_plainly():
    assert num(1234567.0, 7) == "1.234567e6"
    assert num(1e6, 7) == "1e6"
    assert num(999999.0, 7) == "999999"


def test_a_number_just_below_ten_thousand_that_keeps_four_digits_stays_plain():
    assert num(9999.4) == "9999"
    assert num(-9999.4) == "-9999"
    assert num(99.994) == "99.99"
