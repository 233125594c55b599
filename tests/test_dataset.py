"""The data a scenario trains on, built in this process: CSV files as a lecturer writes
them (a header, quoted fields, blank lines, a spreadsheet's BOM), each way such a file
can be wrong and the file:line and scenario key its message names, inline points,
synthetic draws handed over, outliers, polynomial columns, and the normalization fitted
to all of them. Every expected value is worked out by hand from the few numbers written."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pytest

from gdanim import parse_scenario
from gdanim.datafile import DataError
from gdanim.dataset import (
    Dataset,
    Normalization,
    column_indices,
    csv_rows,
    make_dataset,
    normalization,
    poly_columns,
    read_csv,
)
from gdanim.errors import Problem, ScenarioError
from gdanim.scenario import load_scenario


def write(folder: Path, text: str, name: str = "temps.csv") -> Path:
    """A CSV file written byte for byte as given (no newline translation)."""
    path = folder / name
    path.write_bytes(text.encode("utf-8"))
    return path


def refused(path: Path, x: list[str] | None = None, y: str = "fahrenheit") -> DataError:
    """The DataError read_csv raises for the file."""
    with pytest.raises(DataError) as info:
        read_csv(path, x or ["celsius"], y)
    return info.value


def column_error(header: list[str], x: list[str], y: str) -> DataError:
    with pytest.raises(DataError) as info:
        column_indices(header, x, y, "temps.csv")
    return info.value


# --- reading a CSV file -------------------------------------------------------------------


def test_a_csv_with_a_header_gives_x_as_one_column_and_y_in_float32(tmp_path):
    x, y = read_csv(write(tmp_path, "celsius,fahrenheit\n0,32\n10,50\n-40,-40\n0.1,32.18\n"),
                    ["celsius"], "fahrenheit")
    assert x.dtype == np.float32 and y.dtype == np.float32
    assert x.shape == (4, 1) and y.shape == (4,)
    assert x[:, 0].tolist() == [0.0, 10.0, -40.0, float(np.float32(0.1))]
    assert y.tolist() == [32.0, 50.0, -40.0, float(np.float32(32.18))]


def test_x_columns_come_in_the_order_asked_and_other_columns_are_ignored(tmp_path):
    path = write(tmp_path, "name,price,rooms,area\nann,100,3,70\nbob,150,4,95\ncy,90,2,60\n")
    x, y = read_csv(path, ["area", "rooms"], "price")
    assert x.tolist() == [[70, 3], [95, 4], [60, 2]]
    assert y.tolist() == [100, 150, 90]
    # y need not be the last column: the first one works too
    x, y = read_csv(path, ["price"], "area")
    assert x.tolist() == [[100], [150], [90]] and y.tolist() == [70, 95, 60]


def test_quoted_fields_and_a_quoted_header_name_with_a_comma_are_read(tmp_path):
    path = write(tmp_path, '"temp, C","fahrenheit"\n"1.5","34.7"\n" 3 ",37.4\n')
    assert csv_rows(path) == (["temp, C", "fahrenheit"], [["1.5", "34.7"], [" 3 ", "37.4"]])
    x, y = read_csv(path, ["temp, C"], "fahrenheit")
    assert x.tolist() == [[1.5], [3.0]]
    assert y.tolist() == [float(np.float32(34.7)), float(np.float32(37.4))]


def test_header_names_lose_their_spaces_and_cells_are_kept_as_written(tmp_path):
    path = write(tmp_path, " celsius , fahrenheit \n 1 ,2\n3, 4 \n")
    assert csv_rows(path) == (["celsius", "fahrenheit"], [[" 1 ", "2"], ["3", " 4 "]])
    x, y = read_csv(path, ["celsius"], "fahrenheit")
    assert x.tolist() == [[1], [3]] and y.tolist() == [2, 4]


def test_a_spreadsheets_bom_is_not_part_of_the_first_column_name(tmp_path):
    path = write(tmp_path, "\ufeffcelsius,fahrenheit\r\n0,32\r\n100,212\r\n")
    assert csv_rows(path)[0] == ["celsius", "fahrenheit"]
    x, y = read_csv(path, ["celsius"], "fahrenheit")
    assert x.tolist() == [[0], [100]] and y.tolist() == [32, 212]


def test_a_file_with_classic_mac_line_endings_reads_like_any_other(tmp_path):
    # CR alone ends a line in files from old Mac spreadsheets ("CSV (Macintosh)")
    x, y = read_csv(write(tmp_path, "celsius,fahrenheit\r0,32\r10,50\r"), ["celsius"], "fahrenheit")
    assert x.tolist() == [[0], [10]] and y.tolist() == [32, 50]


def test_a_line_break_inside_quotes_is_kept_as_written(tmp_path):
    # a header cell wrapped onto two lines, with Windows line endings throughout
    path = write(tmp_path, '"temp\r\n(C)",fahrenheit\r\n0,32\r\n10,50\r\n')
    assert csv_rows(path) == (["temp\r\n(C)", "fahrenheit"], [["0", "32"], ["10", "50"]])
    x, _ = read_csv(path, ["temp\r\n(C)"], "fahrenheit")
    assert x.tolist() == [[0], [10]]


def test_blank_lines_and_lines_of_empty_cells_are_skipped_wherever_they_are(tmp_path):
    path = write(tmp_path, "celsius,fahrenheit\n\n0,32\n , \n10,50\n,\n\n20,68\n\n")
    x, y = read_csv(path, ["celsius"], "fahrenheit")
    assert x[:, 0].tolist() == [0, 10, 20] and y.tolist() == [32, 50, 68]


def test_skipped_blank_lines_still_count_in_the_line_number_of_an_error(tmp_path):
    # line 1 the header, 2 blank, 3 a row, 4 blank, 5 the bad one
    error = refused(write(tmp_path, "celsius,fahrenheit\n\n0,32\n\n1,hot\n"))
    assert str(error) == "'temps.csv':5: numbers are expected in 'celsius, fahrenheit', got '1,hot'"


def test_a_word_in_a_number_column_names_the_file_line_columns_and_row(tmp_path):
    error = refused(write(tmp_path, "celsius,fahrenheit\n0,32\n1,hot\n"))
    assert str(error) == "'temps.csv':3: numbers are expected in 'celsius, fahrenheit', got '1,hot'"
    assert error.key == "path"
    # the file is named by its name only, never by the folder it is in
    assert str(tmp_path) not in str(error)


def test_with_two_x_columns_the_message_names_all_three(tmp_path):
    path = write(tmp_path, "a,b,y\n1,2,3\n4,five,6\n")
    error = refused(path, ["a", "b"], "y")
    assert str(error) == "'temps.csv':3: numbers are expected in 'a, b, y', got '4,five,6'"


def test_an_empty_cell_is_not_a_number(tmp_path):
    error = refused(write(tmp_path, "celsius,fahrenheit\n1,\n2,35.6\n"))
    assert str(error) == "'temps.csv':2: numbers are expected in 'celsius, fahrenheit', got '1,'"


def test_a_row_shorter_than_the_header_is_not_a_crash(tmp_path):
    error = refused(write(tmp_path, "celsius,fahrenheit\n1,33.8\n3\n"))
    assert str(error) == "'temps.csv':3: numbers are expected in 'celsius, fahrenheit', got '3'"


def test_a_long_row_is_quoted_only_in_part(tmp_path):
    row = "1," + "9" * 100
    error = refused(write(tmp_path, f"celsius,fahrenheit\n0,32\n{row}x\n"))
    # excerpt keeps 40 characters of the row and marks the cut
    assert str(error).endswith(f"got '{row[:40]}...'")


@pytest.mark.parametrize("cell", ["nan", "NaN", "inf", "-inf", "Infinity"])
def test_nan_and_infinity_are_numbers_but_not_finite_ones(tmp_path, cell):
    error = refused(write(tmp_path, f"celsius,fahrenheit\n0,32\n1,{cell}\n"))
    assert str(error) == f"'temps.csv':3: finite numbers are expected, got '1,{cell}'"
    error = refused(write(tmp_path, f"celsius,fahrenheit\n0,32\n1,33.8\n{cell},2\n"))
    assert str(error) == f"'temps.csv':4: finite numbers are expected, got '{cell},2'"


@pytest.mark.parametrize("body", ["0,32\n1,1e39\n", "-1e39,32\n1,33.8\n"])
def test_a_number_float32_cannot_hold_is_refused(tmp_path, body):
    # 1e39 is a finite float64 but past float32's largest, about 3.4028e38
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy's "overflow encountered in cast"
        error = refused(write(tmp_path, "celsius,fahrenheit\n" + body))
    assert str(error) == "'temps.csv': a value is too large for float32"


def test_the_largest_values_float32_holds_are_read(tmp_path):
    x, y = read_csv(write(tmp_path, "celsius,fahrenheit\n3e38,1\n-3e38,2\n"), ["celsius"], "fahrenheit")
    assert x[:, 0].tolist() == [float(np.float32(3e38)), float(np.float32(-3e38))]
    assert np.isfinite(x).all()


@pytest.mark.parametrize(("body", "rows"), [("", 0), ("0,32\n", 1), ("0,32\n\n\n", 1), ("\n,\n5,41\n", 1)])
def test_fewer_than_two_data_rows_are_refused_with_the_count(tmp_path, body, rows):
    error = refused(write(tmp_path, "celsius,fahrenheit\n" + body))
    assert str(error) == f"at least 2 data rows are expected in 'temps.csv', got {rows}"
    assert error.key == "path"


def test_two_data_rows_are_enough(tmp_path):
    x, y = read_csv(write(tmp_path, "celsius,fahrenheit\n0,32\n100,212\n"), ["celsius"], "fahrenheit")
    assert x.tolist() == [[0], [100]] and y.tolist() == [32, 212]


def test_an_empty_file_is_said_to_be_empty(tmp_path):
    path = write(tmp_path, "")
    with pytest.raises(DataError) as info:
        csv_rows(path)
    assert str(info.value) == "the CSV file 'temps.csv' is empty" and info.value.key == "path"
    assert str(refused(path)) == "the CSV file 'temps.csv' is empty"


def test_a_header_alone_is_a_header_and_no_rows(tmp_path):
    assert csv_rows(write(tmp_path, "celsius,fahrenheit\n")) == (["celsius", "fahrenheit"], [])


def test_a_field_past_the_csv_readers_limit_is_a_data_error(tmp_path):
    # Python's csv module refuses a field longer than 131072 characters
    path = write(tmp_path, "celsius,fahrenheit\n" + "1" * 200_000 + ",2\n3,4\n")
    with pytest.raises(DataError) as info:
        csv_rows(path)
    assert str(info.value).startswith("cannot read CSV file 'temps.csv': 'field larger than field limit")
    assert info.value.key == "path"


# --- which columns ------------------------------------------------------------------------


def test_the_indices_are_those_of_the_x_columns_then_y():
    assert column_indices(["price", "rooms", "area"], ["area", "rooms"], "price", "h.csv") == [2, 1, 0]
    assert column_indices(["a", "b"], ["a"], "b", "h.csv") == [0, 1]


def test_a_header_naming_a_column_twice_is_refused_with_the_first_name_repeated():
    # 'b' is the first name seen a second time, though 'a' comes back too
    error = column_error(["a", "b", "b", "a"], ["a"], "b")
    assert str(error) == "column names given once are expected in the header of 'temps.csv', got 'b' twice"
    assert error.key == "x"


def test_a_repeated_header_name_is_refused_even_when_it_is_not_used():
    error = column_error(["celsius", "note", "fahrenheit", "note"], ["celsius"], "fahrenheit")
    assert "got 'note' twice" in str(error)


def test_a_column_asked_for_twice_among_x_and_y_is_refused():
    error = column_error(["a", "b", "c"], ["a", "b"], "b")
    assert str(error) == "each column once among x and y is expected, got 'b' twice"
    assert error.key == "x"
    assert str(column_error(["a", "b", "c"], ["c", "c"], "a")).endswith("got 'c' twice")


def test_a_missing_x_column_names_the_header_and_the_key_x():
    error = column_error(["celsius", "fahrenheit"], ["kelvin"], "fahrenheit")
    assert str(error) == "a column of 'temps.csv' is expected ('celsius', 'fahrenheit'), got 'kelvin'"
    assert error.key == "x"


def test_a_missing_y_column_has_the_key_y():
    error = column_error(["celsius", "fahrenheit"], ["celsius"], "kelvin")
    assert str(error) == "a column of 'temps.csv' is expected ('celsius', 'fahrenheit'), got 'kelvin'"
    assert error.key == "y"


def test_when_x_and_y_are_both_missing_x_is_named_first():
    error = column_error(["a", "b"], ["b", "p"], "q")
    assert error.key == "x" and str(error).endswith("got 'p'")


def test_the_header_shown_is_its_first_eight_names_each_cut_to_twenty_characters():
    eight = [f"h{i}" for i in range(8)]
    error = column_error(eight, ["z"], "h0")
    assert str(error) == f"a column of 'temps.csv' is expected ({', '.join(repr(h) for h in eight)}), got 'z'"
    nine = [*eight, "h8"]
    error = column_error(nine, ["z"], "h0")
    assert str(error) == f"a column of 'temps.csv' is expected ({', '.join(repr(h) for h in eight)}, ...), got 'z'"
    error = column_error(["t" * 25, "u" * 20], ["z"], "u" * 20)
    assert f"('{'t' * 20}...', '{'u' * 20}')" in str(error)


def test_read_csv_passes_on_the_key_of_the_column_at_fault(tmp_path):
    path = write(tmp_path, "celsius,fahrenheit\n0,32\n100,212\n")
    assert refused(path, ["kelvin"], "fahrenheit").key == "x"
    error = refused(path, ["celsius"], "kelvin")
    assert error.key == "y"
    assert str(error) == "a column of 'temps.csv' is expected ('celsius', 'fahrenheit'), got 'kelvin'"


# --- the dataset a scenario describes -------------------------------------------------------


def csv_scenario(folder: Path, csv: str, block: str = "{path: temps.csv, x: celsius, y: fahrenheit}",
                 more: str = ""):
    write(folder, csv)
    (folder / "s.yaml").write_text(f"data:\n  csv: {block}\n{more}", encoding="utf-8")
    return load_scenario(folder / "s.yaml")


def test_a_scenarios_csv_gives_its_column_names_and_raw_values(tmp_path):
    scenario = csv_scenario(tmp_path, "celsius,fahrenheit,kelvin\n0,32,273\n10,50,283\n20,68,293\n")
    d = make_dataset(scenario)
    assert d.source == "csv" and d.columns == ("celsius",)
    assert d.x_raw.tolist() == [[0], [10], [20]] and d.y.tolist() == [32, 50, 68]
    assert d.x.tolist() == [[0], [10], [20]] and d.x.dtype == np.float32
    assert d.normalization.kind == "none" and d.true_params is None
    assert d.outliers == 0 and d.degree == 1 and d.n == 3 and d.features == 1


def test_a_scenario_with_a_list_of_x_columns_keeps_their_order(tmp_path):
    scenario = csv_scenario(tmp_path, "celsius,fahrenheit,kelvin\n0,32,273\n10,50,283\n20,68,293\n",
                            "{path: temps.csv, x: [kelvin, celsius], y: fahrenheit}", "model: {features: 2}\n")
    d = make_dataset(scenario)
    assert d.columns == ("kelvin", "celsius")
    assert d.x_raw.tolist() == [[273, 0], [283, 10], [293, 20]] and d.features == 2


@pytest.mark.parametrize(("changed", "key", "message"), [
    ("celsius,kelvin\n0,273\n10,283\n", "data.csv.y",
     "a column of 'temps.csv' is expected ('celsius', 'kelvin'), got 'fahrenheit'"),
    ("kelvin,fahrenheit\n273,32\n283,50\n", "data.csv.x",
     "a column of 'temps.csv' is expected ('kelvin', 'fahrenheit'), got 'celsius'"),
    ("celsius,fahrenheit\n0,32\n10,warm\n", "data.csv.path",
     "'temps.csv':3: numbers are expected in 'celsius, fahrenheit', got '10,warm'"),
])
def test_a_csv_changed_after_loading_is_reported_against_the_scenario_and_its_key(tmp_path, changed, key,
                                                                                   message):
    scenario = csv_scenario(tmp_path, "celsius,fahrenheit\n0,32\n10,50\n")
    write(tmp_path, changed)
    with pytest.raises(ScenarioError) as info:
        make_dataset(scenario)
    assert info.value.problems == (Problem(str(scenario.path), None, key, message),)


def test_inline_points_of_one_feature_become_a_column():
    d = make_dataset(parse_scenario("data:\n  points: {x: [1, 2, 4], y: [3, 5, 9]}\n", "s.yaml"))
    assert d.x_raw.dtype == np.float32 and d.y.dtype == np.float32
    assert d.x_raw.tolist() == [[1], [2], [4]] and d.y.tolist() == [3, 5, 9]
    assert d.source == "points" and d.columns == () and d.true_params is None and d.outliers == 0


def test_inline_points_of_two_features_keep_their_rows():
    text = "model: {features: 2}\ndata:\n  points: {x: [[1, 2], [3, 4], [5, 7]], y: [1, 2, 3]}\n"
    d = make_dataset(parse_scenario(text, "s.yaml"))
    assert d.x_raw.tolist() == [[1, 2], [3, 4], [5, 7]] and d.features == 2


SYNTHETIC = "data:\n  synthetic: {n: 3, seed: 1, params: [1.5, -2.0]}\n"


def test_synthetic_data_must_be_handed_over_drawn():
    with pytest.raises(TypeError) as info:
        make_dataset(parse_scenario(SYNTHETIC, "s.yaml"))
    assert str(info.value) == ("synthetic data is drawn by the recorder: pass drawn=, or call "
                               "gdanim.api.dataset_of")


def test_synthetic_data_as_drawn_carry_the_parameters_they_were_drawn_with():
    x = np.array([[-1.0], [0.0], [2.0]], np.float32)
    y = np.array([3.5, 1.5, -2.5], np.float32)
    d = make_dataset(parse_scenario(SYNTHETIC, "s.yaml"), (x, y))
    assert d.x_raw.tolist() == x.tolist() and d.y.tolist() == y.tolist() and d.x.tolist() == x.tolist()
    assert d.true_params == (1.5, -2.0) and d.source == "synthetic" and d.columns == ()


def test_outliers_come_after_the_points_and_are_marked():
    text = "data:\n  points: {x: [1, 2, 3], y: [1, 2, 3]}\n  outliers: {x: [10], y: [-5]}\n"
    d = make_dataset(parse_scenario(text, "s.yaml"))
    assert d.x_raw.tolist() == [[1], [2], [3], [10]] and d.y.tolist() == [1, 2, 3, -5]
    assert d.x_raw.dtype == np.float32 and d.y.dtype == np.float32 and d.x.dtype == np.float32
    assert d.outliers == 1 and d.n == 4
    assert d.is_outlier.tolist() == [False, False, False, True]


def test_outliers_of_two_features_are_rows_too():
    text = ("model: {features: 2}\ndata:\n  points: {x: [[1, 2], [3, 4]], y: [0, 1]}\n"
            "  outliers: {x: [[5, 6], [7, 8]], y: [9, 9]}\n")
    d = make_dataset(parse_scenario(text, "s.yaml"))
    assert d.x_raw.tolist() == [[1, 2], [3, 4], [5, 6], [7, 8]] and d.y.tolist() == [0, 1, 9, 9]
    assert d.x_raw.dtype == np.float32 and d.y.dtype == np.float32
    assert d.outliers == 2 and d.is_outlier.tolist() == [False, False, True, True]


def test_outliers_are_added_to_csv_data(tmp_path):
    scenario = csv_scenario(tmp_path, "celsius,fahrenheit\n0,32\n10,50\n", more="  outliers: {x: [5], y: [0]}\n")
    d = make_dataset(scenario)
    assert d.x_raw.tolist() == [[0], [10], [5]] and d.y.tolist() == [32, 50, 0] and d.outliers == 1


def test_standardizing_is_fitted_to_the_outliers_too():
    text = ("data:\n  points: {x: [1, 2, 3], y: [1, 2, 3]}\n  outliers: {x: [10], y: [-5]}\n"
            "  normalize: standardize\n")
    d = make_dataset(parse_scenario(text, "s.yaml"))
    # x = 1, 2, 3, 10: mean 4, population variance (9 + 4 + 1 + 36) / 4 = 12.5
    assert d.normalization.shift == pytest.approx((4.0,))
    assert d.normalization.scale == pytest.approx((1 / math.sqrt(12.5),))
    np.testing.assert_allclose(d.x[:, 0], (np.array([1, 2, 3, 10]) - 4) / math.sqrt(12.5), rtol=1e-6)


def test_a_quadratic_model_trains_on_x_and_x_squared_each_standardized():
    text = "model: {degree: 2}\ndata:\n  points: {x: [1, 2, 3], y: [2, 5, 10]}\n  normalize: NORM\n"
    raw = make_dataset(parse_scenario(text.replace("NORM", "none"), "s.yaml"))
    assert raw.x_raw.tolist() == [[1], [2], [3]] and raw.x.tolist() == [[1, 1], [2, 4], [3, 9]]
    assert raw.degree == 2 and raw.features == 2
    std = make_dataset(parse_scenario(text.replace("NORM", "standardize"), "s.yaml"))
    # x: mean 2, variance 2/3; x^2 = 1, 4, 9: mean 14/3, variance (121 + 4 + 169) / 27
    assert std.normalization.shift == pytest.approx((2.0, 14 / 3))
    assert std.normalization.scale == pytest.approx((math.sqrt(3 / 2), math.sqrt(27 / 294)))
    assert std.x_raw.tolist() == [[1], [2], [3]]


def test_a_number_as_normalize_multiplies_x():
    d = make_dataset(parse_scenario("data:\n  points: {x: [10, 20, 40], y: [1, 2, 3]}\n  normalize: 0.5\n",
                                    "s.yaml"))
    assert d.normalization == Normalization("scale", (0.0,), (0.5,))
    assert d.x.tolist() == [[5], [10], [20]] and d.x_raw.tolist() == [[10], [20], [40]]


# --- normalization --------------------------------------------------------------------------


def test_none_keeps_every_feature_as_it_is():
    x = np.array([[1, 2, 3], [4, 5, 6]], np.float32)
    norm = normalization("none", x)
    assert norm == Normalization("none", (0.0, 0.0, 0.0), (1.0, 1.0, 1.0))
    assert norm.apply(x).tolist() == x.tolist()


def test_standardize_uses_the_population_std_and_leaves_a_constant_column_alone():
    x = np.array([[1, 5], [2, 5], [3, 5], [4, 5]], np.float32)
    norm = normalization("standardize", x)
    # column 0: mean 2.5, population variance (2.25 + 0.25 + 0.25 + 2.25) / 4 = 1.25
    assert norm.kind == "standardize"
    assert norm.shift == pytest.approx((2.5, 5.0))
    assert norm.scale == pytest.approx((1 / math.sqrt(1.25), 1.0))
    assert norm.scale[1] == 1.0
    np.testing.assert_allclose(norm.apply(x), [[-1.5 / math.sqrt(1.25), 0], [-0.5 / math.sqrt(1.25), 0],
                                               [0.5 / math.sqrt(1.25), 0], [1.5 / math.sqrt(1.25), 0]], rtol=1e-6)


def test_a_number_scales_every_feature_by_it():
    norm = normalization(2, np.zeros((3, 2), np.float32))
    assert norm == Normalization("scale", (0.0, 0.0), (2.0, 2.0))
    assert all(type(s) is float for s in norm.scale)


def test_apply_subtracts_the_shift_then_multiplies_by_the_scale_in_float32():
    norm = Normalization("standardize", (1.0, -2.0), (2.0, 0.5))
    out = norm.apply(np.array([[3.0, 2.0], [1.0, -2.0], [0.0, 0.0]]))
    assert out.dtype == np.float32
    assert out.tolist() == [[4.0, 2.0], [0.0, 0.0], [-2.0, 1.0]]


def test_the_shift_is_taken_in_float32_like_x_so_a_point_at_it_becomes_zero():
    # 0.1 is 0.100000001490116 in float32: x at the shift is 0 exactly, where a float64
    # shift of 0.1 would leave 1.49e-9
    norm = Normalization("standardize", (0.1,), (2.0,))
    out = norm.apply(np.array([[0.1], [1.1]], np.float32))
    assert out[0, 0] == 0.0
    assert out[1, 0] == np.float32(2 * (np.float32(1.1) - np.float32(0.1)))  # exact: a float32 difference doubled


def test_a_scale_multiplies_in_float32_as_x_times_it_does_on_a_float32_tensor():
    import torch

    # 0.3 in float32 is 10066330 / 2**25; three times that is 30198990 / 2**25 = 0.9000000357627869,
    # itself a float32: no rounding. In float64, 3 * 0.3 would round to 0.8999999761581421 in float32.
    out = make_dataset(parse_scenario("data:\n  points: {x: [3, 1], y: [1, 2]}\n  normalize: 0.3\n",
                                      "s.yaml")).x
    assert out[0, 0] == 0.9000000357627869 == 30198990 / 2**25
    assert out[:, 0].tolist() == (torch.tensor([3.0, 1.0]) * 0.3).tolist()


def test_a_normalization_as_json():
    assert Normalization("scale", (1.0, -2.0), (2.0, 0.5)).to_json() == {
        "kind": "scale", "shift": [1.0, -2.0], "scale": [2.0, 0.5]}


# --- the dataset's own helpers ----------------------------------------------------------------


def dataset(x_raw, y, norm: Normalization | None = None, outliers: int = 0, degree: int = 1) -> Dataset:
    x_raw = np.asarray(x_raw, np.float32)
    columns = poly_columns(x_raw, degree)
    norm = norm or Normalization("none", (0.0,) * columns.shape[1], (1.0,) * columns.shape[1])
    return Dataset(norm.apply(columns), np.asarray(y, np.float32), x_raw, norm, "points", outliers=outliers,
                   degree=degree)


def test_degree_one_keeps_every_feature_and_higher_degrees_take_powers_of_the_first():
    x = np.array([[2.0, 7.0], [-1.0, 5.0]], np.float32)
    assert poly_columns(x, 1).tolist() == x.tolist() and poly_columns(x, 1).dtype == np.float32
    # whatever the input's dtype, the columns are float32
    assert poly_columns(np.array([[2.0], [0.1]]), 1).dtype == np.float32
    assert poly_columns(np.array([[2.0], [0.1]]), 1).tolist() == [[2.0], [float(np.float32(0.1))]]
    cubes = poly_columns(np.array([[2.0], [-1.0], [0.5]]), 3)
    assert cubes.dtype == np.float32 and cubes.tolist() == [[2, 4, 8], [-1, 1, -1], [0.5, 0.25, 0.125]]
    assert dataset([[2.0], [3.0]], [0, 0], degree=2).expand(np.array([[4.0]])).tolist() == [[4, 16]]
    # the powers are those of the one raw input: a second column is not used
    assert poly_columns(x, 3).tolist() == [[2, 4, 8], [-1, 1, -1]]


def test_no_point_is_an_outlier_unless_the_scenario_added_some():
    assert dataset([[1], [2], [3]], [1, 2, 3]).is_outlier.tolist() == [False, False, False]
    assert dataset([[1], [2], [3], [4]], [1, 2, 3, 4], outliers=2).is_outlier.tolist() == [False, False, True, True]


def test_the_count_of_points_and_features_and_the_design_matrix():
    d = dataset([[1, 2], [3, 4], [5, 6]], [0, 1, 2])
    assert d.n == 3 and d.features == 2 and type(d.n) is int and type(d.features) is int
    design = d.design()
    assert design.dtype == np.float64 and design.tolist() == [[1, 1, 2], [1, 3, 4], [1, 5, 6]]


def test_predictions_are_w0_plus_w_times_the_normalized_inputs():
    norm = Normalization("standardize", (2.0,), (0.5,))
    d = dataset([[0.0], [2.0], [4.0]], [0, 0, 0], norm)
    # at x = 6: the model sees (6 - 2) * 0.5 = 2, so w = [1, 3] predicts 1 + 3 * 2 = 7
    out = d.predict(np.array([1.0, 3.0]), np.array([[6.0], [2.0]]))
    assert out.dtype == np.float64 and out.tolist() == [7.0, 1.0]
    # several parameter vectors at once: [..., columns + 1] -> [..., m]
    many = d.predict(np.array([[1.0, 3.0], [0.0, -1.0]]), np.array([[6.0], [2.0]]))
    assert many.tolist() == [[7.0, 1.0], [-2.0, 0.0]]


def test_predictions_in_another_normalizations_units():
    d = dataset([[0.0], [2.0], [4.0]], [0, 0, 0], Normalization("standardize", (2.0,), (0.5,)))
    raw = Normalization("none", (0.0,), (1.0,))
    assert d.predict(np.array([1.0, 3.0]), np.array([[6.0]]), raw).tolist() == [19.0]


def test_predictions_of_a_polynomial_use_every_power():
    d = dataset([[1.0], [2.0]], [0, 0], degree=3)
    # 1 + 2 x - x^2 + 0.5 x^3 at x = 2: 1 + 4 - 4 + 4 = 5
    assert d.predict(np.array([1.0, 2.0, -1.0, 0.5]), np.array([[2.0]])).tolist() == [5.0]


def test_predictions_at_a_float64_x_are_those_at_x_rounded_to_float32_as_the_data_are():
    d = dataset([[1.0], [2.0]], [0, 0], degree=2)
    x32 = float(np.float32(0.1))  # 0.10000000149011612
    square = float(np.float32(x32 * x32))  # x^2 of the float32 x, in float64, rounded once to float32
    assert square != float(np.float32(0.1 * 0.1))  # squaring 0.1 itself would give another float32
    assert d.predict(np.array([0.0, 0.0, 1.0]), np.array([[0.1]])).tolist() == [square]
    assert d.predict(np.array([0.0, 1.0, 0.0]), np.array([[0.1]])).tolist() == [x32]


def test_predictions_of_a_diverged_run_are_inf_or_nan_without_a_warning():
    d = dataset([[1.0], [2.0]], [0, 0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        overflow = d.predict(np.array([1e308, 1e308]), np.array([[1.0]]))
        invalid = d.predict(np.array([math.inf, -math.inf]), np.array([[1.0]]))
    assert overflow.tolist() == [math.inf]
    assert math.isnan(invalid[0])
