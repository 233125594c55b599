"""Load a scenario file: parse, validate, expand runs, and report every problem at once.

The result is a frozen `Scenario` whose paths are resolved against the file. Nothing
here imports torch or matplotlib, so `gdanim validate` stays fast.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import reprlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from gdanim import schema
from gdanim.budget import MAX_RECORD_BYTES, record_bytes
from gdanim.errors import Problem, ScenarioError
from gdanim.folder import RESERVED_NAMES
from gdanim.yamlsource import Document, YamlSyntaxError, parse

_UNSAFE = re.compile(r"[^\w.+-]+")


@dataclass(frozen=True)
class Scenario:
    """A validated scenario, ready for `make_dataset` and `record`."""

    path: Path
    "The scenario file, resolved."
    text: str
    "The file's text, as read."
    spec: schema.ScenarioFile
    "The validated file."
    runs: tuple[schema.Training, ...]
    "One entry per run, with `name` and `init` filled in."
    notes: tuple[Problem, ...] = ()
    "Things that work but should change (a deprecated key), in the form of problems."
    data_root: Path | None = None
    "The folder a data path may lead into (--data-root); None: the scenario's own folder."

    @property
    def stem(self) -> str:
        """The file name without suffix: the scenario's output folder name."""
        return self.path.stem

    @property
    def title(self) -> str:
        """The title, or the file stem when the file has none."""
        return self.spec.title or self.stem

    @property
    def features(self) -> int:
        """Columns k of the model's design besides the intercept (the model has k + 1
        parameters): the input features, or the degree of a polynomial."""
        return self.spec.model.columns

    @property
    def data_path(self) -> Path | None:
        """The CSV file the data comes from, if any: resolved, and confined to the
        scenario's folder or data root (ScenarioError when it is not, or not a regular file)."""
        from gdanim.datafile import DataError, confine

        csv = self.spec.data.csv
        if csv is None:
            return None
        try:
            return confine(self.path.parent, csv.path, self.data_root)
        except DataError as exc:
            raise ScenarioError.single(self.path, str(exc), key=f"data.csv.{exc.key}") from None

    def published_data(self) -> bytes | None:
        """The data file as a page publishes it (data.csv): the columns used, every cell
        that a spreadsheet would run neutralized; None without CSV data."""
        from gdanim.datafile import published_csv
        from gdanim.dataset import csv_rows

        csv = self.spec.data.csv
        if csv is None:
            return None
        header, rows = csv_rows(self.data_path)
        return published_csv(header, rows, [*([csv.x] if isinstance(csv.x, str) else csv.x), csv.y])

    def content_hash(self) -> str:
        """A hash of the scenario text and its data file."""
        digest = hashlib.sha256(self.text.encode())
        if self.data_path is not None and self.data_path.is_file():
            digest.update(self.data_path.read_bytes())
        return digest.hexdigest()


def load_scenario(path: str | Path, data_root: str | Path | None = None) -> Scenario:
    """Read, validate and expand a scenario file; raises ScenarioError listing all problems.
    Its data file must lie in its folder, or in `data_root` when given."""
    path = Path(path)
    shown = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError.single(shown, "no such scenario file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError.single(shown, f"cannot read the file ({exc})") from None
    return parse_scenario(text, path, data_root)


def parse_scenario(text: str, path: str | Path = "<scenario>", data_root: str | Path | None = None) -> Scenario:
    """Validate scenario text as if read from `path`; raises ScenarioError."""
    path = Path(path)
    shown = str(path)
    try:
        doc = parse(text)
    except YamlSyntaxError as exc:
        raise ScenarioError.single(shown, str(exc), line=exc.line) from None
    problems = [
        Problem(shown, line, _dotted(p), "duplicate key (each key may appear once)")
        for p, line in doc.duplicates
    ]
    if not isinstance(doc.data, dict):
        kind = "an empty file" if doc.data is None else type(doc.data).__name__
        raise ScenarioError([*problems, Problem(shown, 1, "", f"a mapping of keys is expected, got {kind}")])
    try:
        spec = schema.ScenarioFile.model_validate(doc.data)
    except ValidationError as exc:
        raise ScenarioError([*problems, *_problems(exc, doc, shown, (), doc.data)]) from None
    root = Path(data_root).resolve() if data_root is not None else None
    problems += _check_shapes(spec, doc, shown, path, root)
    runs, run_problems = _expand_runs(spec, doc, shown)
    problems += run_problems
    problems += _check_budget(spec, runs, doc, shown)
    problems += _check_exercises(spec, runs, doc, shown)
    if problems:
        raise ScenarioError(problems)
    return Scenario(path=path.resolve(), text=text, spec=spec, runs=runs, notes=_notes(doc, shown),
                    data_root=root)


def _params_key(doc: Document) -> str:
    """The name the file gives data.synthetic's true parameters: params, or the old true."""
    synthetic = doc.data.get("data", {}).get("synthetic")
    return schema.DEPRECATED_TRUE if isinstance(synthetic, dict) and schema.DEPRECATED_TRUE in synthetic else "params"


def _notes(doc: Document, shown: str) -> tuple[Problem, ...]:
    if _params_key(doc) != schema.DEPRECATED_TRUE:
        return ()
    loc = ("data", "synthetic", schema.DEPRECATED_TRUE)
    return (Problem(shown, doc.line(loc), _dotted(loc),
                    "deprecated, write params: (format version 2; other YAML tools read true as a boolean)"),)


# --- problems -----------------------------------------------------------------------


_PLAIN_KEY = re.compile(r"[^\W\d][\w-]*")


def _dotted(path: Iterable[Any]) -> str:
    """A key path as people write it: data.synthetic.n, runs.0.lr; a key that is not a plain
    word is quoted, so `"a.b"` or `""` cannot be mistaken for a path."""
    return ".".join(
        str(p) if isinstance(p, int) or (len(p) <= 40 and _PLAIN_KEY.fullmatch(p))
        else json.dumps(_cut(p), ensure_ascii=False) for p in path
    )


def _cut(key: str, limit: int = 40) -> str:
    return key if len(key) <= limit else key[:limit] + "..."


def _problems(exc: ValidationError, doc: Document, shown: str, prefix: tuple, data: Any) -> list[Problem]:
    """One Problem per pydantic error, located in the document; `data` is what was validated."""
    located = [(_user_loc(err, data), err) for err in exc.errors(include_url=False)]
    deeper = {loc[:end] for loc, _ in located for end in range(len(loc))}
    out = []
    for loc, err in located:
        if loc in deeper and err["type"].endswith("_type"):
            continue  # a union branch of the wrong type, where another branch says more
        full = (*prefix, *loc)
        out.append(Problem(shown, doc.line(full), _dotted(full), _message(err, full)))
    return _dedupe(out)


def _user_loc(err: dict, data: Any) -> tuple:
    """The part of pydantic's error location that names the user's keys and list items.

    pydantic puts labels of union branches ('Range', 'list[constrained-float]', ...) among
    the keys; they are told apart by walking the validated data, not by their text: a part
    is the user's when the data has that key (or index) there. A missing key is the last
    part of a 'missing' error."""
    loc, node = [], data
    parts = err["loc"]
    for i, part in enumerate(parts):
        if isinstance(node, dict) and part == "params" and schema.DEPRECATED_TRUE in node:
            part = schema.DEPRECATED_TRUE  # the file uses the old name
        found = (isinstance(node, dict) and part in node) or (
            isinstance(node, (list, tuple)) and isinstance(part, int) and 0 <= part < len(node))
        if found:
            node = node[part]
        elif not (err["type"] == "missing" and i == len(parts) - 1):
            continue
        loc.append(part)
    return tuple(loc)


def _message(err: dict, loc: tuple) -> str:
    kind, got = err["type"], err.get("input")
    if kind in ("union_tag_invalid", "union_tag_not_found"):  # a schedule's type
        tags = ", ".join(f"'{t}'" for t in schema.SCHEDULES)
        tag = err.get("ctx", {}).get("tag") if kind == "union_tag_invalid" else None
        return f"type: one of {tags} is expected, got {_show(tag) if tag is not None else 'none'}"
    if kind == "extra_forbidden" and loc:
        parent = _model_at(tuple(err["loc"])[:-1])  # pydantic's own loc names a union's member
        known = list(parent.model_fields) if parent else []
        hint = difflib.get_close_matches(str(loc[-1]), known, n=1)
        tip = f"; did you mean '{hint[0]}'?" if hint else ""
        return f"unknown key{tip} (known keys: {', '.join(known)})" if known else f"unknown key{tip}"
    if kind == "missing":
        return "a value is required here"
    msg = err["msg"]
    msg = msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind in ("finite_number",):
        msg = "a finite number is expected"
    return f"{msg[0].lower()}{msg[1:]}, got {_show(got)}" if "got" not in msg else msg


_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxlist, _REPR.maxtuple, _REPR.maxdict = 2, 4, 4, 4
_REPR.maxstring = _REPR.maxother = _REPR.maxlong = 40


def _show(value: Any) -> str:
    """A short repr of a value the user gave, cut while it is formatted (an expanded alias
    bomb is never formatted whole), control characters shown as '?'."""
    text = _REPR.repr(value)[:60]
    return "".join(c if c.isprintable() else "?" for c in text)


def _model_at(loc: tuple) -> type[BaseModel] | None:
    """The schema class that holds keys at `loc` (for 'did you mean')."""
    model: Any = schema.ScenarioFile
    members: list[Any] = []  # the models a union field may hold, until a part picks one
    for part in loc:
        if isinstance(part, int):
            continue
        if members:
            named = [t for t in members if part in (t.__name__, _tag(t))]
            model, members = (named or members)[0], []
            if named:
                continue
        field = model.model_fields.get(part) if model else None
        if field is None:
            return None
        members = [t for t in _types(field.annotation) if isinstance(t, type) and issubclass(t, BaseModel)]
        model = None
    return members[0] if members else model


def _tag(model: type[BaseModel]) -> Any:
    """The value of a tagged union member's `type` literal (a schedule's type), else None."""
    field = model.model_fields.get("type")
    args = getattr(field.annotation, "__args__", None) if field else None
    return args[0] if args else None


def _types(annotation: Any) -> list[Any]:
    args = getattr(annotation, "__args__", None)
    if not args:
        return [annotation]
    return [t for a in args for t in _types(a)]


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen, out = set(), []
    for p in problems:
        if (p.key, p.message) not in seen:
            seen.add((p.key, p.message))
            out.append(p)
    return out


# --- cross-field checks -----------------------------------------------------------


def _check_shapes(spec: schema.ScenarioFile, doc: Document, shown: str, path: Path,
                  root: Path | None) -> list[Problem]:
    k, data = spec.model.features, spec.data
    out: list[Problem] = []

    def bad(loc: tuple, message: str) -> None:
        out.append(Problem(shown, doc.line(loc), _dotted(loc), message))

    c = spec.model.columns
    if data.synthetic is not None and len(data.synthetic.params) != c + 1:
        of = f"model.degree {c}" if spec.model.degree > 1 else f"model.features {k}"
        bad(("data", "synthetic", _params_key(doc)), f"{c + 1} numbers [w0 .. w{c}] are expected for "
            f"{of}, got {len(data.synthetic.params)}")
    if data.synthetic is not None and data.synthetic.x == "linspace" and k != 1:
        bad(("data", "synthetic", "x"), f"linspace draws one feature, got model.features {k}")
    if data.points is not None:
        out += _check_points(data.points, k, doc, shown)
    if data.outliers is not None:
        out += _check_points(data.outliers, k, doc, shown, ("data", "outliers"), least=1)
    if data.csv is not None:
        out += _check_csv(data.csv, k, path.parent, root, doc, shown)
    return out


def _check_points(points: schema.Points | schema.Outliers, k: int, doc: Document, shown: str,
                  loc: tuple = ("data", "points"), least: int = 2) -> list[Problem]:
    x = points.x
    rows = [[v] if not isinstance(v, list) else v for v in x]
    out = []
    if len(points.y) < least:
        out.append(Problem(shown, doc.line((*loc, "y")), _dotted((*loc, "y")),
                           (f"at least {least} points are expected" if least > 1 else "at least one point is expected")
                           + f", got {len(points.y)}"))
    if len(rows) != len(points.y):
        out.append(Problem(shown, doc.line((*loc, "x")), _dotted((*loc, "x")),
                           f"as many x as y are expected ({len(points.y)}), got {len(rows)}"))
    for i, row in enumerate(rows):
        if len(row) != k:
            out.append(Problem(shown, doc.line((*loc, "x", i)), _dotted((*loc, "x", i)),
                               f"{k} number(s) per point for model.features {k}, got {len(row)}"))
            break
    return out


def _check_csv(csv: schema.Csv, k: int, folder: Path, root: Path | None, doc: Document,
               shown: str) -> list[Problem]:
    from gdanim.datafile import DataError, confine
    from gdanim.dataset import read_csv

    loc = ("data", "csv")
    columns = [csv.x] if isinstance(csv.x, str) else csv.x
    if len(columns) != k:
        return [Problem(shown, doc.line((*loc, "x")), _dotted((*loc, "x")),
                        f"{k} column(s) for model.features {k}, got {len(columns)}")]
    try:
        read_csv(confine(folder, csv.path, root), columns, csv.y)
    except DataError as exc:
        return [Problem(shown, doc.line((*loc, exc.key)), _dotted((*loc, exc.key)), str(exc))]
    return []


# --- exercises ----------------------------------------------------------------------


def _check_exercises(spec: schema.ScenarioFile, runs: tuple, doc: Document, shown: str) -> list[Problem]:
    """Each exercise names a run it can be asked of, at an epoch the run reaches."""
    by_name = {r.name: r for r in runs}
    out: list[Problem] = []

    def bad(loc: tuple, message: str) -> None:
        out.append(Problem(shown, doc.line(loc), _dotted(loc), message))

    for i, ex in enumerate(spec.exercises):
        loc = ("exercises", i)
        run = by_name.get(ex.run)
        if run is None:
            close = difflib.get_close_matches(ex.run, list(by_name), n=1)
            tip = f"; did you mean '{close[0]}'?" if close else ""
            bad((*loc, "run"), f"the name of a run is expected{tip} (runs: {', '.join(list(by_name)[:12])}), "
                f"got {ex.run!r}")
            continue
        last = run.epochs - (ex.steps if ex.ask == "next" else 0)
        if ex.epoch > last:
            why = f"run {run.name} has {run.epochs} epochs" + (
                f" and the answer is {ex.steps} later" if ex.ask == "next" else "")
            bad((*loc, "epoch"), f"an epoch from 0 to {last} is expected ({why}), got {ex.epoch}")
        if run.schedule is not None:
            bad((*loc, "run"), f"a run with a constant learning rate is expected (the lab and the regime "
                f"are for constant rates), got {run.name} with schedule {run.schedule.type}")
        elif run.loss not in schema.QUADRATIC_LOSSES:
            bad((*loc, "run"), f"a run on SSE or MSE is expected (the lab and the regime need a quadratic "
                f"loss), got {run.name} with loss {run.loss}")
        elif run.batch_size is not None:
            bad((*loc, "run"), f"a full-batch run is expected (the lab and the analysis are full batch), "
                f"got {run.name} with batch_size {run.batch_size}")
        elif ex.ask == "regime" and run.optimizer != "gd":
            bad((*loc, "ask"), f"ask: regime needs a plain gd run (the spectrum decides its regime), "
                f"got {run.name} with optimizer {run.optimizer}")
    return out


# --- runs ---------------------------------------------------------------------------


def _points(spec: schema.ScenarioFile) -> int | None:
    data = spec.data
    if data.synthetic is not None:
        return data.synthetic.n
    return len(data.points.y) if data.points is not None else None


def _check_budget(spec: schema.ScenarioFile, runs: tuple, doc: Document, shown: str) -> list[Problem]:
    """Refuse scenarios whose steps would not fit in memory or in a readable trace."""
    n = _points(spec)
    total = 0
    for run in runs:
        per_epoch = 1 if run.batch_size is None or n is None else -(-n // run.batch_size)
        total += run.epochs * per_epoch
    key = "sweep" if spec.sweep is not None else ("runs" if spec.runs else "epochs")
    if total > schema.MAX_TOTAL_STEPS:
        return [Problem(shown, doc.line((key,)), key,
                        f"at most {schema.MAX_TOTAL_STEPS:,} steps over all runs are expected, got {total:,}"
                        " (fewer epochs, runs or mini-batches)")]
    needed = record_bytes(n or 2, spec.model.columns, [(r.epochs, r.batch_size) for r in runs])
    if needed > MAX_RECORD_BYTES:
        return [Problem(shown, doc.line((key,)), key,
                        f"at most {MAX_RECORD_BYTES >> 30} GiB to record is expected, got about "
                        f"{needed / (1 << 30):,.1f} GiB (points x runs x epochs; fewer of them)")]
    return []


def _expand_runs(spec: schema.ScenarioFile, doc: Document, shown: str):
    top = {k: getattr(spec, k) for k in schema.TRAINING_KEYS if k in spec.model_fields_set}
    overrides: list[tuple[tuple, dict]] = [
        (("runs", i), run.model_dump(exclude_unset=True)) for i, run in enumerate(spec.runs)
    ]
    if spec.sweep is not None:
        overrides += [(("sweep", "lr"), {"lr": v}) for v in spec.sweep.values()]
    if not overrides:
        overrides = [((), {})]
    runs, problems, taken = [], [], set()
    n_params = spec.model.columns + 1
    varying = _varying([o for _, o in overrides])
    for loc, override in overrides:
        merged = {**top, **override}
        try:
            run = schema.Training.model_validate(merged)
        except ValidationError as exc:
            problems += _problems(exc, doc, shown, loc, merged)
            continue
        init = run.init if run.init is not None else [0.0] * n_params
        if len(init) != n_params:
            where = (*loc, "init") if "init" in override else ("init",)
            problems.append(Problem(shown, doc.line(where), _dotted(where),
                                    f"{n_params} numbers [w0 .. w{n_params - 1}] are expected, got {len(init)}"))
            continue
        name = _unique(_run_name(run, override, varying), taken)
        runs.append(run.model_copy(update={"name": name, "init": list(init)}))
    return tuple(runs), _dedupe(problems)


_NAME_ORDER = ("loss", "optimizer", "gradient", "normalize", "lr", "schedule")
_WORDS = ("loss", "optimizer", "gradient")  # keys whose value alone names the run


def _run_name(run: schema.Training, override: dict, varying: set[str]) -> str:
    """The run's name: given, or built from the keys that tell the runs apart."""
    if run.name:
        return safe_name(run.name)
    keys = [k for k in _NAME_ORDER if k in varying] + sorted(varying - set(_NAME_ORDER))
    parts = [_name_part(k, override[k]) for k in keys if k in override]
    if not parts:
        parts = [run.optimizer] if run.optimizer != "gd" else []
        parts.append(f"lr-{run.lr:g}")
    return safe_name("-".join(parts))


def _name_part(key: str, value: Any) -> str:
    if key == "schedule":
        from gdanim.schedules import label

        return label(schema.Training.model_validate({"schedule": value}).schedule_json())
    if key in _WORDS:
        return str(value)
    if isinstance(value, bool):
        return f"{key}-{str(value).lower()}"
    if isinstance(value, float):
        return f"{key}-{value:g}"
    return f"{key}-{value}"


def _varying(overrides: list[dict]) -> set[str]:
    """Override keys whose values differ between runs (all of them for a single run)."""
    skip = {"name", "init", "stop"}
    keys = {k for o in overrides for k in o} - skip
    if len(overrides) == 1:
        return keys
    return {k for k in keys if len({repr(o.get(k)) for o in overrides}) > 1}


def safe_name(name: str) -> str:
    """A file-name safe form of a run name: letters, digits, '.', '+', '-' and '_'."""
    cleaned = _UNSAFE.sub("-", name).strip(".-")[:80] or "run"
    return f"{cleaned}-run" if cleaned.lower() in RESERVED_NAMES else cleaned


def _unique(name: str, taken: set[str]) -> str:
    candidate, i = name, 2
    while candidate.lower() in taken:
        candidate, i = f"{name}-{i}", i + 1
    taken.add(candidate.lower())
    return candidate
