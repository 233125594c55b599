"""The library the command line and notebooks share: scenario -> dataset -> trace -> files.

    trace = gdanim.record("scenarios/lr.yaml")
    trace.runs[2].status, trace.runs[2].regime      # ('max_epochs', 'divergent')
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from gdanim import schema
from gdanim.analysis import ROBUST, Analysis, analyze
from gdanim.budget import check_memory, record_bytes
from gdanim.dataset import Dataset, Normalization, make_dataset, normalization
from gdanim.files import output_folder
from gdanim.scenario import Scenario, load_scenario
from gdanim.trace import Run, Settings, Trace, norm_key, write_trace

DEFAULT_OUTPUT = Path("output")


def as_scenario(scenario: Scenario | str | Path) -> Scenario:
    """A loaded scenario, loading it when given a path."""
    return scenario if isinstance(scenario, Scenario) else load_scenario(scenario)


def settings_of(run: schema.Training, data_normalize: str | float = "none") -> Settings:
    """The recorder's view of one expanded run."""
    return Settings(
        normalize=run.normalize if run.normalize is not None else data_normalize,
        name=run.name or "run", lr=run.lr, epochs=run.epochs, init=tuple(run.init or ()),
        loss=run.loss, optimizer=run.optimizer, options=run.optimizer_options(),
        gradient=run.gradient, delta=run.delta, batch_size=run.batch_size, seed=run.seed,
        zero_grad=run.zero_grad, tol=run.stop.tol, max_loss=run.stop.max_loss,
        schedule=run.schedule_json(), huber_delta=run.huber_delta,
    )


def with_regime(run: Run, analysis: Analysis, n: int) -> Run:
    """The run with its regime from the spectrum: plain full-batch gd only; with a schedule,
    the regime of the rate the last step used (where the schedule has brought it)."""
    s = run.settings
    plain = (  # and a quadratic loss: a robust loss's Hessian is not constant (no regime)
        s.optimizer == "gd" and s.zero_grad and (s.batch_size is None or s.batch_size >= n)
        and s.loss in analysis.spectra
    )
    if not plain:
        return run
    lr = s.lr if s.schedule is None or not run.steps else float(run.step_lr[-1])
    regime, contraction = analysis.spectra[s.loss].regime(lr, s.options.get("weight_decay", 0.0))
    return dataclasses.replace(run, regime=regime, contraction=contraction)


def dataset_of(scenario: Scenario | str | Path) -> Dataset:
    """The data a scenario (a path or a loaded Scenario) trains on: synthetic data is
    drawn here, by the recorder (torch), and handed to `make_dataset`."""
    scenario = as_scenario(scenario)
    synthetic = scenario.spec.data.synthetic
    if synthetic is None:
        return make_dataset(scenario)
    from gdanim.recorder import draw_synthetic  # torch is imported only to draw

    model = scenario.spec.model
    return make_dataset(scenario, draw_synthetic(synthetic, model.features, model.degree))


def record(scenario: Scenario | str | Path, dataset: Dataset | None = None) -> Trace:
    """Record every run of a scenario (a path or a loaded Scenario) into a Trace."""
    from gdanim.recorder import record_runs  # torch is imported only when recording

    scenario = as_scenario(scenario)
    dataset = dataset if dataset is not None else dataset_of(scenario)
    check_memory(record_bytes(dataset.n, dataset.features, [(r.epochs, r.batch_size) for r in scenario.runs]),
                 scenario.path.name)
    settings = [settings_of(r, scenario.spec.data.normalize) for r in scenario.runs]
    robust = [(s.loss, s.huber_delta) for s in settings if s.loss in ROBUST]  # their own minimizers
    analysis = analyze(dataset.x, dataset.y, robust)
    groups: dict[str, list[int]] = {}  # runs that share a normalization record together
    norms: dict[str, Normalization] = {}
    for i, s in enumerate(settings):
        norm = normalization(s.normalize, dataset.expand(dataset.x_raw))
        key = norm_key(norm)
        norms[key] = norm
        groups.setdefault(key, []).append(i)
    own = {k for k, norm in norms.items() if norm != dataset.normalization}
    raw_columns = dataset.expand(dataset.x_raw)  # [n, columns]: x, or its powers
    analyses = {k: analyze(norms[k].apply(raw_columns), dataset.y, robust) for k in own}
    runs: list[Run | None] = [None] * len(settings)
    for key, members in groups.items():
        x = norms[key].apply(raw_columns) if key in own else dataset.x
        recorded = record_runs(x, dataset.y, [settings[i] for i in members])
        for i, run in zip(members, recorded):
            if key in own:
                run = dataclasses.replace(run, normalization=norms[key])
            runs[i] = with_regime(run, analyses.get(key, analysis), dataset.n)
    return Trace(
        scenario=scenario.path.name, stem=scenario.stem, title=scenario.title,
        description=scenario.spec.description, dataset=dataset, analysis=analysis,
        loss=scenario.spec.loss, runs=tuple(runs), analyses=analyses or None,
    )


def record_to(scenario: Scenario | str | Path, output: str | Path = DEFAULT_OUTPUT) -> tuple[Trace, Path]:
    """Record a scenario and write trace.json and the CSVs to output/<stem>/."""
    scenario = as_scenario(scenario)
    folder = output_folder(Path(output), scenario.stem)  # a plain name, no link, inside output
    trace = record(scenario)
    write_trace(trace, folder)
    return trace, folder
