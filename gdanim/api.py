"""The library the command line and notebooks share: scenario -> dataset -> trace -> files.

    trace = gdanim.record("scenarios/lr.yaml")
    trace.runs[2].status, trace.runs[2].regime      # ('max_epochs', 'divergent')
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from gdanim import schema
from gdanim.analysis import Analysis, analyze
from gdanim.dataset import Dataset, make_dataset
from gdanim.scenario import Scenario, load_scenario
from gdanim.trace import Run, Settings, Trace, write_trace

DEFAULT_OUTPUT = Path("output")


def as_scenario(scenario: Scenario | str | Path) -> Scenario:
    """A loaded scenario, loading it when given a path."""
    return scenario if isinstance(scenario, Scenario) else load_scenario(scenario)


def settings_of(run: schema.Training) -> Settings:
    """The recorder's view of one expanded run."""
    return Settings(
        name=run.name or "run", lr=run.lr, epochs=run.epochs, init=tuple(run.init or ()),
        loss=run.loss, optimizer=run.optimizer, options=run.optimizer_options(),
        gradient=run.gradient, delta=run.delta, batch_size=run.batch_size, seed=run.seed,
        zero_grad=run.zero_grad, tol=run.stop.tol, max_loss=run.stop.max_loss,
    )


def with_regime(run: Run, analysis: Analysis, n: int) -> Run:
    """The run with its regime from the spectrum: plain full-batch gd only."""
    s = run.settings
    plain = (
        s.optimizer == "gd" and s.zero_grad and (s.batch_size is None or s.batch_size >= n)
    )
    if not plain:
        return run
    regime, contraction = analysis.spectra[s.loss].regime(s.lr, s.options.get("weight_decay", 0.0))
    return dataclasses.replace(run, regime=regime, contraction=contraction)


def record(scenario: Scenario | str | Path, dataset: Dataset | None = None) -> Trace:
    """Record every run of a scenario (a path or a loaded Scenario) into a Trace."""
    from gdanim.recorder import record_runs  # torch is imported only when recording

    scenario = as_scenario(scenario)
    dataset = dataset if dataset is not None else make_dataset(scenario)
    analysis = analyze(dataset.x, dataset.y)
    runs = record_runs(dataset.x, dataset.y, [settings_of(r) for r in scenario.runs])
    runs = [with_regime(r, analysis, dataset.n) for r in runs]
    return Trace(
        scenario=scenario.path.name, stem=scenario.stem, title=scenario.title,
        description=scenario.spec.description, dataset=dataset, analysis=analysis,
        loss=scenario.spec.loss, runs=tuple(runs),
    )


def record_to(scenario: Scenario | str | Path, output: str | Path = DEFAULT_OUTPUT) -> tuple[Trace, Path]:
    """Record a scenario and write trace.json and the CSVs to output/<stem>/."""
    scenario = as_scenario(scenario)
    trace = record(scenario)
    folder = Path(output) / scenario.stem
    write_trace(trace, folder)
    return trace, folder
