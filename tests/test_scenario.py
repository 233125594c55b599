"""Loading scenarios: the examples, run expansion, and every kind of bad input."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from gdanim import parse_scenario
from gdanim.errors import ScenarioError
from gdanim.folder import RESERVED_NAMES
from gdanim.scenario import load_scenario, safe_name

EXAMPLES = sorted(Path("scenarios").glob("*.yaml"))
GOOD = """\
title: t
data:
  synthetic: {n: 20, seed: 1}
init: [-5.0, 10.0]
lr: 0.001
epochs: 5
"""


def problems(text: str, name: str = "s.yaml") -> list[str]:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, name)
    return [str(p) for p in info.value.problems]


def test_there_are_fourteen_example_scenarios_and_all_of_them_load():
    names = {p.stem for p in EXAMPLES}
    assert names == {
        "lr", "sse_vs_mse", "thermometer", "fahrenheit", "three_points", "gradients",
        "optimizers", "zero_grad", "multivariate", "minibatch", "lr_sweep", "schedules", "robust",
        "polynomial",
    }
    for path in EXAMPLES:
        scenario = load_scenario(path)
        assert scenario.runs, path


def test_every_example_carries_the_schema_comment_for_editors():
    for path in EXAMPLES:
        assert path.read_text().startswith("# yaml-language-server: $schema=gdanim.schema.json")


def test_lr_yaml_has_the_lectures_five_rates():
    scenario = load_scenario("scenarios/lr.yaml")
    assert [r.lr for r in scenario.runs] == [0.0001, 0.001, 0.0083, 0.0085, 0.01]
    assert [r.name for r in scenario.runs] == ["lr-0.0001", "lr-0.001", "lr-0.0083", "lr-0.0085", "lr-0.01"]
    assert all(r.loss == "sse" and r.epochs == 30 and r.init == [-5.0, 10.0] for r in scenario.runs)


def test_runs_override_only_the_keys_they_give():
    s = parse_scenario(GOOD + "loss: mse\nruns: [{lr: 0.1}, {optimizer: adam, epochs: 9}]")
    first, second = s.runs
    assert (first.lr, first.loss, first.epochs, first.optimizer) == (0.1, "mse", 5, "gd")
    assert (second.lr, second.loss, second.epochs, second.optimizer) == (0.001, "mse", 9, "adam")


def test_no_runs_means_one_run_and_init_defaults_to_zeros():
    s = parse_scenario("data: {points: {x: [0, 1, 2], y: [1, 2, 3]}}")
    assert len(s.runs) == 1
    assert s.runs[0].init == [0.0, 0.0]
    assert s.runs[0].name == "lr-0.001"


def test_run_names_are_derived_unique_and_file_name_safe():
    runs = "[{loss: mse, lr: 0.1}, {loss: sse, lr: 0.001}, {name: '../../etc'}, {name: '../../etc'}, {name: compare}]"
    s = parse_scenario(GOOD + f"runs: {runs}")
    names = [r.name for r in s.runs]
    assert names[:2] == ["mse-lr-0.1", "sse-lr-0.001"]
    assert names[2] == "etc" and names[3] == "etc-2"
    assert names[4] == "compare-run"  # would clash with the comparison grid's files
    assert all("/" not in n and not n.startswith(".") for n in names)


@pytest.mark.parametrize("raw", ["a/b", "..", "", "한국어 이름", "x" * 200, "CON:"])
def test_safe_names_never_leave_the_folder(raw):
    name = safe_name(raw)
    assert name and "/" not in name and "\\" not in name and name not in (".", "..")
    assert len(name) <= 84


def test_a_sweep_adds_one_run_per_value():
    s = parse_scenario(GOOD + "sweep: {lr: [0.1, 0.2, 0.3]}")
    assert [r.lr for r in s.runs] == [0.1, 0.2, 0.3]
    assert [r.name for r in s.runs] == ["lr-0.1", "lr-0.2", "lr-0.3"]


def test_numbers_written_like_1e_5_are_numbers():
    s = parse_scenario(GOOD.replace("lr: 0.001", "lr: 1e-5"))
    assert s.runs[0].lr == 1e-5


def test_the_old_key_true_is_read_as_a_key_not_a_boolean():
    s = parse_scenario("data: {synthetic: {true: [1.0, 2.0]}}")
    assert s.spec.data.synthetic.params == [1.0, 2.0]


# --- bad input: file, line, key, what was expected -----------------------------------


def test_yaml_syntax_errors_name_the_line():
    [msg] = problems("title: x\ndata: [unclosed\n")
    assert msg.startswith("s.yaml:") and "invalid YAML" in msg


def test_unknown_keys_suggest_the_close_match():
    [msg] = problems(GOOD + "epoch: 3\n")
    assert msg.startswith("s.yaml:7: epoch: unknown key; did you mean 'epochs'?")


def test_unknown_keys_in_nested_blocks_name_the_dotted_path_and_line():
    [msg] = problems(GOOD.replace("{n: 20, seed: 1}", "{n: 20, sed: 1}"))
    assert msg.startswith("s.yaml:3: data.synthetic.sed: unknown key; did you mean 'seed'?")


def test_every_problem_is_reported_at_once():
    msgs = problems(GOOD.replace("lr: 0.001", "lr: -1").replace("epochs: 5", "epochs: 0") + "colour: red\n")
    assert len(msgs) == 3
    assert any(":5: lr:" in m and "greater than 0" in m for m in msgs)
    assert any(":6: epochs:" in m for m in msgs)
    assert any(":7: colour: unknown key" in m for m in msgs)


@pytest.mark.parametrize(
    ("change", "key", "expected"),
    [
        (("lr: 0.001", "lr: .nan"), "lr", "finite"),
        (("lr: 0.001", "lr: .inf"), "lr", "finite"),
        (("lr: 0.001", "lr: fast"), "lr", "number"),
        (("lr: 0.001", "lr: 0"), "lr", "greater than 0"),
        (("epochs: 5", "epochs: 2.5"), "epochs", "integer"),
        (("epochs: 5", "epochs: 100000000000"), "epochs", "less than or equal"),
        (("epochs: 5", "epochs: -3"), "epochs", "greater than or equal to 1"),
        (("init: [-5.0, 10.0]", "init: [1, 2, 3]"), "init", "2 numbers"),
        (("init: [-5.0, 10.0]", "init: [1, .nan]"), "init.1", "finite"),
        (("lr: 0.001", "lr: 0.001\noptimizer: lbfgs"), "optimizer", "'gd'"),
        (("lr: 0.001", "lr: 0.001\nloss: l2"), "loss", "'sse'"),
        (("lr: 0.001", "lr: 0.001\nmomentum: 0.9"), "", "momentum does not apply to optimizer gd"),
    ],
)
def test_bad_training_values_are_explained(change, key, expected):
    msgs = problems(GOOD.replace(*change))
    assert any(f": {key}:" in m and expected in m for m in msgs) or any(expected in m for m in msgs), msgs
    assert all(m.startswith("s.yaml:") for m in msgs)


@pytest.mark.parametrize(
    ("data", "key", "expected"),
    [
        ("{points: {x: [1.0], y: [2.0]}}", "data.points.y", "at least 2 points"),
        ("{points: {x: [1, 2, 3], y: [1, 2]}}", "data.points.x", "as many x as y"),
        ("{points: {x: [1, .nan], y: [1, 2]}}", "data.points.x", "finite"),
        ("{points: {x: [1, abc], y: [1, 2]}}", "data.points.x", ""),
        ("{synthetic: {n: 1}}", "data.synthetic.n", "greater than or equal to 2"),
        ("{synthetic: {x: linspace}}", "data.synthetic", "range"),
        ("{synthetic: {params: [1, 2, 3]}}", "data.synthetic.params", "2 numbers"),
        ("{synthetic: {true: [1, 2, 3]}}", "data.synthetic.true", "2 numbers"),
        ("{synthetic: {true: [1, .nan]}}", "data.synthetic.true.1", "finite"),
        ("{synthetic: {true: [1, 2], params: [1, 2]}}", "data.synthetic", "give params only"),
        ("{}", "data", "exactly one of synthetic, points or csv"),
        ("{csv: {x: a}}", "data.csv.path", "a value is required"),
        ("{points: {x: [1, 2]}}", "data.points.y", "a value is required"),
        ("{synthetic: {}, points: {x: [1, 2], y: [1, 2]}}", "data", "exactly one"),
        ("{synthetic: {}, normalize: maybe}", "data.normalize", ""),
    ],
)
def test_bad_data_is_explained(data, key, expected):
    msgs = problems(f"data: {data}\n")
    assert any(f"s.yaml:1: {key}" in m and expected in m for m in msgs), msgs


def test_a_missing_csv_file_is_named(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("data:\n  csv: {path: nowhere.csv, x: a, y: b}\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert "s.yaml:2: data.csv.path: no such CSV file" in str(info.value)


def test_csv_data_is_read_relative_to_the_scenario(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "pts.csv").write_text("c,f\n0,32\n10,50\n20,68\n")
    (tmp_path / "s.yaml").write_text("data:\n  csv: {path: d/pts.csv, x: c, y: f}\n")
    from gdanim.dataset import make_dataset

    data = make_dataset(load_scenario(tmp_path / "s.yaml"))
    assert data.x[:, 0].tolist() == [0, 10, 20] and data.y.tolist() == [32, 50, 68]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("c,f\n0,32\n1,nan\n", "finite numbers"),
        ("c,f\n0,32\n1,hot\n", "numbers are expected"),
        ("c,f\n0,32\n", "at least 2 data rows"),
        ("c,g\n0,32\n1,33\n", "a column of"),
    ],
)
def test_bad_csv_content_is_explained(tmp_path, body, expected):
    (tmp_path / "pts.csv").write_text(body)
    (tmp_path / "s.yaml").write_text("data:\n  csv: {path: pts.csv, x: c, y: f}\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / "s.yaml")
    assert expected in str(info.value)


def test_constant_x_loads_and_the_analysis_says_not_unique():
    import gdanim

    trace = gdanim.record(parse_scenario("data: {points: {x: [1, 1, 1], y: [1, 2, 3]}}\nepochs: 3"))
    assert trace.analysis.ols is None and not trace.analysis.unique
    assert trace.runs[0].steps == 3


def test_run_level_problems_point_at_the_run():
    msgs = problems(GOOD + "runs:\n  - {lr: 0.1}\n  - {lr: -2}\n")
    assert msgs == ["s.yaml:9: runs.1.lr: input should be greater than 0, got -2"]
    msgs = problems(GOOD + "runs:\n  - {optimizer: adam, momentum: 0.9}\n  - {init: [1]}\n")
    assert any(m.startswith("s.yaml:8: runs.0:") and "momentum does not apply to optimizer adam" in m
               for m in msgs), msgs
    assert any(m.startswith("s.yaml:9: runs.1.init: 2 numbers") for m in msgs), msgs


def test_duplicate_keys_are_errors():
    msgs = problems(GOOD + "lr: 0.5\n")
    assert any("duplicate key" in m and ":7: lr" in m for m in msgs)


def test_normalize_belongs_to_the_data_block():
    msgs = problems(GOOD + "normalize: standardize\n")
    assert any(":7: normalize: normalize belongs under data" in m for m in msgs), msgs


@pytest.mark.parametrize("text", ["", "- 1\n- 2\n", "just text", "42"])
def test_documents_that_are_not_mappings_are_rejected(text):
    [msg] = problems(text)
    assert "a mapping of keys is expected" in msg


def test_unsafe_yaml_tags_are_refused():
    msgs = problems("!!python/object/apply:os.system ['echo hi']\n")
    assert "invalid YAML" in msgs[0]


# --- property: any YAML document gives a Scenario or gdanim's own error ----------------

KNOWN_KEYS = ["data", "lr", "epochs", "init", "runs", "synthetic", "points", "x", "y", "n", "loss",
              "optimizer", "sweep", "render", "stop", "csv", "model", "surface", "params", "true", "zz"]
# Keys that broke the loader once: type names and pydantic's own label characters.
ODD_KEYS = ["list", "float", "str", "int", "tuple", "literal", "Range", "(", "(x)", "[w]",
            "list[float]", "a.b", "", " ", "한글", "function-after[x]", "0", "null", "true"]
yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(
        st.sampled_from(KNOWN_KEYS) | st.sampled_from(ODD_KEYS) | st.text(max_size=6),
        children, max_size=5,
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True)
@example({"(": 1})
@example({"list": 1, "data": {"synthetic": {}}})
@example({"data": {"synthetic": {"[w]": None}}, "runs": [{"a.b": 1}]})
@example({"sweep": {"lr": {"from": -1, "Range": 2}}, "data": {"points": {"(x)": []}}})
@given(yaml_values)
def test_any_yaml_document_loads_or_raises_gdanims_own_error(value):
    text = yaml.safe_dump(value, allow_unicode=True)
    try:
        scenario = parse_scenario(text, "p.yaml")
    except ScenarioError as exc:
        assert exc.problems and all(str(p).startswith("p.yaml") for p in exc.problems)
    else:
        assert scenario.runs


@settings(max_examples=200, deadline=None, print_blob=True)
@example("(:")
@example("list: 1")
@example('"(x)": 1')
@example("data: {synthetic: {float: 1}}")
@given(st.text(max_size=200))
def test_any_text_loads_or_raises_gdanims_own_error(text):
    with contextlib.suppress(ScenarioError):
        parse_scenario(text, "p.yaml")


def test_absurdly_many_steps_are_refused_before_recording():
    sweep = "sweep: {lr: {from: 1.0e-5, to: 1.0e-2, num: 100}}"
    msgs = problems(GOOD.replace("epochs: 5", "epochs: 1000000") + sweep)
    assert any(":7: sweep: at most 2,000,000 steps" in m for m in msgs), msgs
    msgs = problems(GOOD.replace("epochs: 5", "epochs: 200000") + "batch_size: 1\n")
    assert any(": epochs: at most 2,000,000 steps" in m and "got 4,000,000" in m for m in msgs), msgs


# --- every key, whatever its text, at every level --------------------------------------

LEVELS = {  # level -> a scenario with the marker KEY at that level, and the dotted prefix
    "top": ("data: {synthetic: {}}\nKEY: 1\n", ""),
    "data": ("data:\n  synthetic: {}\n  KEY: 1\n", "data."),
    "data.synthetic": ("data:\n  synthetic:\n    n: 5\n    KEY: 1\n", "data.synthetic."),
    "data.points": ("data:\n  points:\n    x: [1, 2]\n    y: [1, 2]\n    KEY: 1\n", "data.points."),
    "runs.N": ("data: {synthetic: {}}\nruns:\n  - lr: 0.1\n  - lr: 0.2\n    KEY: 1\n", "runs.1."),
    "stop": ("data: {synthetic: {}}\nstop:\n  tol: 0.1\n  KEY: 1\n", "stop."),
    "sweep.lr": ("data: {synthetic: {}}\nsweep:\n  lr:\n    from: 0.1\n    to: 1\n    KEY: 1\n", "sweep.lr."),
    "render": ("data: {synthetic: {}}\nrender:\n  fps: 10\n  KEY: 1\n", "render."),
    "render.surface": ("data: {synthetic: {}}\nrender:\n  surface:\n    elev: 10\n    KEY: 1\n",
                       "render.surface."),
}


@pytest.mark.parametrize("key", ["list", "float", "(", "(x)", "[w]", "a.b", "", "한글", "Range", "true"])
@pytest.mark.parametrize("level", list(LEVELS))
def test_an_unknown_key_of_any_text_at_any_level_is_named_with_its_line(level, key):
    if level == "data.synthetic" and key == "true":
        pytest.skip("true is the old name of data.synthetic.params")
    template, prefix = LEVELS[level]
    text = template.replace("KEY", json.dumps(key, ensure_ascii=False))
    line = 1 + next(i for i, ln in enumerate(text.split("\n")) if json.dumps(key, ensure_ascii=False) in ln)
    msgs = problems(text)
    assert f"s.yaml:{line}: {prefix}{shown_key(key)}: unknown key" in "\n".join(msgs), msgs


@pytest.mark.parametrize("key", ["list", "(", "[w]", "a.b", "", "한글"])
def test_the_command_line_says_unknown_key_and_exits_2_without_a_traceback(tmp_path, key):
    path = tmp_path / "s.yaml"
    path.write_text(f"data: {{synthetic: {{}}}}\nrender:\n  {json.dumps(key, ensure_ascii=False)}: 1\n",
                    encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "gdanim", "validate", str(path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "s.yaml:3: render." in result.stderr and ": unknown key" in result.stderr


def test_a_union_branch_label_is_not_taken_for_a_key():
    msgs = problems("data: {synthetic: {}}\nsweep: {lr: {from: -1, to: 1}}\n")
    assert msgs == ["s.yaml:2: sweep.lr.from: input should be greater than 0, got -1"]


# --- data.synthetic.params, formerly true -------------------------------------------------

def string_keys_only(value) -> bool:
    if isinstance(value, dict):
        return all(isinstance(k, str) and string_keys_only(v) for k, v in value.items())
    if isinstance(value, list):
        return all(string_keys_only(v) for v in value)
    return True


def test_every_example_read_by_a_plain_yaml_loader_has_only_text_keys():
    for path in EXAMPLES:
        assert string_keys_only(yaml.safe_load(path.read_text(encoding="utf-8"))), path


def test_every_example_validates_against_the_published_schema_with_a_standard_validator():
    schema = Path("scenarios/gdanim.schema.json")
    result = subprocess.run([sys.executable, "-m", "check_jsonschema", "--schemafile", str(schema),
                             *map(str, EXAMPLES)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "validation done" in result.stdout


def test_the_published_schema_is_the_one_the_code_makes():
    from gdanim.jsonschema import schema_text

    assert Path("scenarios/gdanim.schema.json").read_text(encoding="utf-8") == schema_text()


def test_the_old_key_true_still_loads_with_a_deprecation_note(tmp_path):
    old = parse_scenario("version: 1\ndata:\n  synthetic: {n: 5, true: [1.0, 2.0]}\n", "old.yaml")
    new = parse_scenario("data:\n  synthetic: {n: 5, params: [1.0, 2.0]}\n", "new.yaml")
    assert old.spec.data.synthetic == new.spec.data.synthetic
    assert [str(n) for n in old.notes] == [
        "old.yaml:3: data.synthetic.true: deprecated, write params: (format version 2;"
        " other YAML tools read true as a boolean)"]
    assert new.notes == () and new.spec.version == 2
    path = tmp_path / "old.yaml"
    path.write_text(old.text, encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "gdanim", "validate", str(path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert "warning: " in result.stderr and "data.synthetic.true: deprecated" in result.stderr


# --- other user text with an assumed shape ------------------------------------------------

@settings(max_examples=300, deadline=None)
@example("compare")
@example("../../etc/passwd")
@example("")
@example("INDEX")
@given(st.text(max_size=120))
def test_any_run_name_becomes_a_safe_file_name(name):
    safe = safe_name(name)
    assert safe and len(safe) <= 84
    assert all(c.isalnum() or c in "._+-" for c in safe)
    assert not safe.startswith((".", "-")) and "/" not in safe and "\\" not in safe
    assert safe.lower() not in RESERVED_NAMES
    assert safe_name(safe) == safe


def shown_key(key: str) -> str:
    """A key as problems name it: plain words as they are, anything else JSON-quoted."""
    plain = key[:1].isalpha() and all(c.isalnum() or c in "_-" for c in key)
    return key if plain else json.dumps(key, ensure_ascii=False)


def read_back(shown: str) -> str:
    """The key a problem names: quoted keys are JSON strings, plain ones are as they are."""
    if shown.startswith('"'):
        return json.loads(shown)
    assert shown and "." not in shown and '"' not in shown and shown.strip() == shown, shown
    return shown


@settings(max_examples=150, deadline=None, print_blob=True)
@example(["a.b", "c"])
@example(["", "x"])
@given(st.lists(st.text(st.characters(blacklist_categories=("Cc", "Cs", "Cn")), max_size=6),
                min_size=1, max_size=3))
def test_any_nested_unknown_key_is_reported_at_its_own_path_and_line(keys):
    from gdanim.schema import Render

    assume(keys[0] not in Render.model_fields)  # render.frames: 1 is a known key with a bad value
    lines = ["data: {synthetic: {}}", "render:"]
    for depth, key in enumerate(keys):
        value = " 1" if depth == len(keys) - 1 else ""
        lines.append("  " * (depth + 1) + json.dumps(key, ensure_ascii=False) + ":" + value)
    [msg] = problems("\n".join(lines) + "\n")
    where, _, rest = msg.partition(": render.")
    shown, _, message = rest.rpartition(": unknown key")
    assert where == "s.yaml:3" and read_back(shown) == keys[0], msg
    assert message.startswith((" (known keys", "; did you mean")), msg


# --- exercises --------------------------------------------------------------------------

EXERCISE_BASE = GOOD + "runs: [{lr: 0.001}, {lr: 0.01, optimizer: adam}, {lr: 0.002, batch_size: 5}]\nexercises:\n"


@pytest.mark.parametrize(
    ("exercise", "expected"),
    [
        ("{run: lr-0.0011, ask: regime}", "s.yaml:9: exercises.0.run: the name of a run is expected;"
                                          " did you mean 'lr-0.001'?"),
        ("{run: lr-0.001, ask: regime, epoch: 6}", "s.yaml:9: exercises.0.epoch: an epoch from 0 to 5"),
        ("{run: lr-0.001, ask: next, epoch: 3, steps: 3}", "s.yaml:9: exercises.0.epoch: an epoch from 0 to 2"),
        ("{run: lr-0.001, ask: lr}", "s.yaml:9: exercises.0: ask: lr needs a target"),
        ("{run: lr-0.001, ask: regime, target: 2}", "s.yaml:9: exercises.0: target and epochs apply to ask: lr"),
        ("{run: adam-lr-0.01, ask: regime}", "s.yaml:9: exercises.0.ask: ask: regime needs a plain gd run"),
        ("{run: lr-0.002-batch_size-5, ask: next}", "s.yaml:9: exercises.0.run: a full-batch run is expected"),
        ("{run: lr-0.001, ask: guess}", "s.yaml:9: exercises.0.ask: input should be 'regime', 'next' or 'lr'"),
    ],
)
def test_an_exercise_that_cannot_be_asked_is_explained(exercise, expected):
    msgs = problems(EXERCISE_BASE + f"  - {exercise}\n")
    assert any(m.startswith(expected) for m in msgs), msgs


def test_exercises_of_the_examples_name_their_runs():
    asked = {p.stem: [(e.run, e.ask, e.epoch) for e in load_scenario(p).spec.exercises] for p in EXAMPLES}
    assert asked["lr"] == [("lr-0.0083", "regime", 10)]
    assert asked["thermometer"] == [("raw-lr-1e-2", "regime", 2)]
    assert asked["sse_vs_mse"] == [("mse-lr-0.1", "lr", 0)]
