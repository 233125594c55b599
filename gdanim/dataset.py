"""The data a scenario trains on: x and y as float32 arrays, with the normalization used."""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gdanim import schema
from gdanim.datafile import DataError, excerpt, read_text
from gdanim.errors import ScenarioError


@dataclass(frozen=True)
class Normalization:
    """x_model = (x_raw - shift) * scale, per feature."""

    kind: str
    "none, standardize or scale."
    shift: tuple[float, ...]
    scale: tuple[float, ...]

    def apply(self, x_raw: np.ndarray) -> np.ndarray:
        """x in the units the model trains in. [n, k] -> [n, k]"""
        return ((x_raw - np.asarray(self.shift, np.float32)) * np.asarray(self.scale, np.float32)).astype(
            np.float32
        )

    def to_json(self) -> dict:
        """The normalization as plain JSON values."""
        return {"kind": self.kind, "shift": list(self.shift), "scale": list(self.scale)}


@dataclass(frozen=True, eq=False)
class Dataset:
    """The points a scenario fits."""

    x: np.ndarray
    "[n, k] float32, in the units the model trains in (after normalization)."
    y: np.ndarray
    "[n] float32."
    x_raw: np.ndarray
    "[n, k] float32, as given or drawn."
    normalization: Normalization
    source: str
    "synthetic, points or csv."
    true_params: tuple[float, ...] | None = None
    "For synthetic data, the parameters it was drawn with (raw units)."
    columns: tuple[str, ...] = ()
    "Names of the x columns, for CSV data."
    outliers: int = 0
    "How many of the last points are the scenario's data.outliers (added after the source's)."
    degree: int = 1
    "model.degree: x holds the columns x, x^2, .., x^degree of the one raw input."

    def expand(self, x_raw: np.ndarray) -> np.ndarray:
        """Raw inputs [m, k] as the model's raw columns: themselves, or x .. x^degree. -> [m, columns]"""
        return poly_columns(x_raw, self.degree)

    def predict(self, params: np.ndarray, x_raw: np.ndarray, norm: Normalization | None = None) -> np.ndarray:
        """The model's predictions (float64) at raw inputs x_raw [m, k] for params
        [..., columns + 1] in the units of `norm` (by default the data's). -> [..., m]"""
        columns = (norm or self.normalization).apply(self.expand(np.asarray(x_raw, np.float32)))
        w = np.asarray(params, np.float64)  # pragma: no mutate (the float64 columns upcast float32 params anyway)
        with np.errstate(over="ignore", invalid="ignore"):
            return w[..., :1] + w[..., 1:] @ columns.astype(np.float64).T  # pragma: no mutate (astype(None) is float64)

    @property
    def is_outlier(self) -> np.ndarray:
        """[n] bool: True for the points data.outliers added."""
        mask = np.zeros(self.n, bool)
        if self.outliers:
            mask[-self.outliers:] = True
        return mask

    @property
    def n(self) -> int:
        """Number of points."""
        return int(self.y.shape[0])

    @property
    def features(self) -> int:
        """Number of input features k."""
        return int(self.x.shape[1])

    def design(self) -> np.ndarray:
        """The design matrix [1, x] in float64. [n, k+1]"""
        return np.hstack([np.ones((self.n, 1)), self.x.astype(np.float64)])  # pragma: no mutate (None is float64)


def poly_columns(x_raw: np.ndarray, degree: int) -> np.ndarray:
    """The columns x, x^2, .., x^degree of one raw input [m, 1], each power computed in
    float64 and rounded once to float32; degree 1 returns x_raw. -> [m, degree]"""
    if degree <= 1:
        return np.asarray(x_raw, np.float32)
    # float32 x (as every caller passes) ** the int64 powers is computed in float64 all the same
    x = np.asarray(x_raw, np.float64)[:, :1]  # [m, 1]  # pragma: no mutate (see above)
    return (x ** np.arange(1, degree + 1)).astype(np.float32)  # [m, degree]


def make_dataset(scenario, drawn: tuple[np.ndarray, np.ndarray] | None = None) -> Dataset:
    """The scenario's data, read or taken from the file, or for synthetic data `drawn`
    (x [n, k] and y [n], as gdanim.recorder.draw_synthetic draws them: `gdanim.api.dataset_of`
    does both), expanded into polynomial columns when model.degree > 1, then normalized
    per column."""
    data: schema.Data = scenario.spec.data
    model: schema.Model = scenario.spec.model
    true = None
    columns: tuple[str, ...] = ()
    if data.synthetic is not None:
        if drawn is None:
            raise TypeError("synthetic data is drawn by the recorder: pass drawn=, or call gdanim.api.dataset_of")
        x_raw, y = drawn
        true = tuple(data.synthetic.params)
    elif data.points is not None:
        x_raw = np.asarray([[v] if not isinstance(v, list) else v for v in data.points.x], np.float32)
        y = np.asarray(data.points.y, np.float32)
    else:
        columns = (data.csv.x,) if isinstance(data.csv.x, str) else tuple(data.csv.x)
        try:
            x_raw, y = read_csv(scenario.data_path, list(columns), data.csv.y)
        except DataError as exc:
            raise ScenarioError.single(scenario.path, str(exc), key=f"data.csv.{exc.key}") from None
    added = 0
    if data.outliers is not None:
        # the reshape to [m, k] makes wrapping each number in a list redundant; numpy takes any negative size as -1
        # pragma: no mutate start
        x_out = np.asarray([[v] if not isinstance(v, list) else v for v in data.outliers.x], np.float32)
        x_raw = np.vstack([x_raw, x_out.reshape(-1, x_raw.shape[1])])
        # pragma: no mutate end
        y = np.concatenate([y, np.asarray(data.outliers.y, np.float32)])
        added = len(data.outliers.y)
    raw_columns = poly_columns(x_raw, model.degree)  # [n, columns]
    norm = normalization(data.normalize, raw_columns)
    return Dataset(norm.apply(raw_columns), y, x_raw, norm, data.source, true, columns, added, model.degree)


def normalization(spec: str | float, x_raw: np.ndarray) -> Normalization:
    """The normalization `spec` asks for, fitted to x_raw (population std)."""
    k = x_raw.shape[1]
    if spec == "none":
        return Normalization("none", (0.0,) * k, (1.0,) * k)
    if spec == "standardize":
        x64 = x_raw.astype(np.float64)  # pragma: no mutate (astype(None) is float64)
        std = x64.std(axis=0)
        scale = tuple(1.0 / s if s > 0 else 1.0 for s in std)
        return Normalization("standardize", tuple(x64.mean(axis=0)), scale)
    return Normalization("scale", (0.0,) * k, (float(spec),) * k)


def read_csv(path: Path, x_columns: list[str], y_column: str) -> tuple[np.ndarray, np.ndarray]:
    """x [n, k] and y [n] as float32 from a CSV file with a header row (a confined path,
    see gdanim.datafile.confine); messages quote only short excerpts of the file."""
    header, rows = csv_rows(path)
    idx = column_indices(header, x_columns, y_column, path.name)
    values = []
    for lineno, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        try:
            picked = [float(row[i]) for i in idx]
        except (ValueError, IndexError):
            raise DataError(f"{excerpt(path.name)}:{lineno}: numbers are expected in "
                            f"{excerpt(', '.join(x_columns + [y_column]))}, got {excerpt(','.join(row))}") from None
        if not all(math.isfinite(v) for v in picked):
            raise DataError(f"{excerpt(path.name)}:{lineno}: finite numbers are expected, got {excerpt(','.join(row))}")
        values.append(picked)
    if len(values) < 2:
        raise DataError(f"at least 2 data rows are expected in {excerpt(path.name)}, got {len(values)}")
    arr = np.asarray(values, np.float32)
    if not np.isfinite(arr).all():
        raise DataError(f"{excerpt(path.name)}: a value is too large for float32")
    return arr[:, :-1], arr[:, -1]


def csv_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    """(the header's names, stripped; the other rows) of a confined CSV file."""
    try:
        rows = list(csv.reader(io.StringIO(read_text(path), newline="")))
    except csv.Error as exc:
        raise DataError(f"cannot read CSV file {excerpt(path.name)}: {excerpt(str(exc))}") from None
    if not rows:
        raise DataError(f"the CSV file {excerpt(path.name)} is empty")
    return [h.strip() for h in rows[0]], rows[1:]


def column_indices(header: list[str], x_columns: list[str], y_column: str, name: str) -> list[int]:
    """The indices of the x columns and then y in `header`; DataError when the header
    names a column twice, a column is wanted twice, or a wanted one is missing."""
    twice = next((h for i, h in enumerate(header) if h in header[:i]), None)
    if twice is not None:
        raise DataError(f"column names given once are expected in the header of {excerpt(name)}, "
                        f"got {excerpt(twice)} twice", "x")
    wanted = [*x_columns, y_column]
    again = next((c for i, c in enumerate(wanted) if c in wanted[:i]), None)
    if again is not None:
        raise DataError(f"each column once among x and y is expected, got {excerpt(again)} twice", "x")
    shown = ", ".join(excerpt(h, 20) for h in header[:8]) + (", ..." if len(header) > 8 else "")
    for key, column in [("x", c) for c in x_columns] + [("y", y_column)]:
        if column not in header:
            raise DataError(f"a column of {excerpt(name)} is expected ({shown}), got {excerpt(column)}", key)
    return [header.index(c) for c in wanted]
