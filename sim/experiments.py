"""Outcomes of a scenario at given parameter points, from the batch engine.

Sensitivity analysis, tuning and crisis calibration all ask the same question
many times: what are the outcomes of R replications at this setting of the
parameters? :func:`run_points` answers it in this process with the batch
engine's vectorised chunks (:func:`sim.batch.plan`, :func:`sim.batch.run_chunk`)
and nothing written to disk. Every point runs the same replication indices with
the same seed (common random numbers), so differences between points come from
the parameters, not from different luck.
"""

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import batch
from sim.design import Range
from sim.errors import InputError, check_once
from sim.executors import Executor, InProcess


class ExperimentError(InputError):
    """Arguments or data that an experiment cannot use as given.

    Raised by calibration, sensitivity analysis, discovery and tuning; the
    message names the row, column or path at fault.
    """


@dataclass(frozen=True)
class PointResults:
    """What R replications at each point produced.

    Attributes:
        outcomes: One row per (point, replication): ``point``, ``replication``
            and every outcome of :class:`sim.metrics.OutcomeTracker`.
        crises: One row per crisis (``point``, ``replication``, ``peak_rung``,
            ...); empty if the engine records none.
        years: Simulated years per replication.
        final: One row per (point, replication): the model-level series
            (:func:`sim.metrics.model_series`) at the last step.
    """

    outcomes: pd.DataFrame
    crises: pd.DataFrame
    years: float
    final: pd.DataFrame

    def means(self, metric: str) -> pd.Series:
        """Mean of an outcome over replications, one value per point (in order)."""
        return self.outcomes.groupby("point", sort=True)[metric].mean()


def run_points(
    scenario: str | Path,
    points: list[dict[str, Any]],
    *,
    replications: int,
    steps: int | None = None,
    seed: int | None = None,
    settings: dict[str, Any] | None = None,
    executor: Executor | None = None,
    chunk_size: int | None = None,
) -> PointResults:
    """Run R replications of the scenario at each point (overrides) and collect.

    The chunks of every point go to the executor together, so a pool keeps busy
    across points; results are put back in (point, replication) order, so they
    are the same on any executor and with any chunk size.

    Args:
        scenario: The scenario file.
        points: Field path to value for each point, applied after ``settings``.
        replications: Replications per point.
        steps: Steps per replication (the scenario's if None).
        seed: Experiment seed (the scenario's if None).
        settings: Field path to value applied at every point.
        executor: An executor already opened as a context manager (so a search
            can reuse one pool for all its evaluations); this process if None.
        chunk_size: Replications per chunk (:func:`sim.batch.plan`'s default
            if None).

    Raises:
        ScenarioError: A point's override is invalid, naming the field.
        BatchError: A count or seed out of range.
    """
    tasks, years, last_step = [], 0.0, 0
    for index, overrides in enumerate(points):
        plan = batch.plan(
            scenario,
            replications=replications,
            steps=steps,
            seed=seed,
            settings={**(settings or {}), **overrides},
            chunk_size=chunk_size,
        )
        years = plan.steps * plan.scenario.info.dt_years
        last_step = plan.steps
        tasks.extend((index, task) for task in plan.tasks(plan.chunks()))
    outcomes, crises, final = [], [], []
    for index, tables in (executor or InProcess()).imap_unordered(_run_task, tasks):
        outcomes.append(tables["outcomes"].to_pandas().assign(point=index))
        model = tables["model"].to_pandas()
        last = model[model["step"] == last_step].drop(columns=["step", "year"])
        final.append(last.assign(point=index).reset_index(drop=True))
        if "crises" in tables:
            crises.append(tables["crises"].to_pandas().assign(point=index))
    return PointResults(
        outcomes=_in_order(outcomes),
        crises=_in_order(crises) if crises else pd.DataFrame(),
        years=years,
        final=_in_order(final),
    )


def _run_task(item: tuple[int, batch.Task]) -> tuple[int, dict]:
    """Run one chunk of a point; a top-level function, so processes can run it."""
    index, task = item
    return index, batch.run_chunk(task)[1]


def _in_order(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Chunks' rows in (point, replication) order, whatever order they finished."""
    rows = pd.concat(frames, ignore_index=True)
    keys = ["point", "replication"]
    return rows.sort_values(keys, kind="stable", ignore_index=True)


def outcome_names(
    scenario: str | Path, overrides: dict[str, Any] | None = None
) -> list[str]:
    """Names of the outcomes a run of the scenario reports (one cheap run)."""
    point = dict(overrides or {})
    columns = run_points(scenario, [point], replications=1, steps=1).outcomes.columns
    return [c for c in columns if c not in ("point", "replication")]


def check_outcome(
    name: str, known: list[str], field: str = "outcome", *, of: str = ""
) -> None:
    """Fail naming the known outcomes unless ``name`` is one of them.

    Args:
        name: The outcome asked for.
        known: The outcomes there are.
        field: The argument that named it, carried by the error (``field``).
        of: Whose outcomes they are, said after "not an outcome" (e.g. " of B").
    """
    if name not in known:
        raise ExperimentError(
            f"{field} {name!r}: not an outcome{of}; outcomes: {', '.join(known)}",
            field=field,
        )


def check_ranges(ranges: list[Range]) -> None:
    """Fail unless there is a range, each path once, and none with a grid's ``:n``.

    A search or sample of the ranges (tuning, sensitivity analysis) takes their
    bounds only, so an ``:n`` would otherwise be dropped without a word; a
    path ranged twice would sample one column twice (SALib then fails after
    every run) or keep one range in silence.
    """
    if not ranges:
        raise ExperimentError(
            "ranges: give at least one path=lo:hi range", field="ranges"
        )
    check_once([r.path for r in ranges], "ranges", ExperimentError)
    gridded = [f"{r.path}={r.lo}:{r.hi}:{r.n}" for r in ranges if r.n is not None]
    if gridded:
        raise ExperimentError(
            f"ranges: {', '.join(gridded)}: the :n suffix is for grids; use lo:hi",
            field="ranges",
        )


_OPERATORS = {
    ">=": np.greater_equal,
    "<=": np.less_equal,
    ">": np.greater,
    "<": np.less,
    "==": np.equal,
    "!=": np.not_equal,
}
_CONDITION = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*(>=|<=|==|!=|>|<)\s*(\S+)\s*$")


@dataclass(frozen=True)
class Condition:
    """A comparison of an output with a number, e.g. ``peak_rung >= 4``.

    Parsed, never evaluated as code (:func:`parse_condition`).
    """

    name: str
    operator: str
    value: float

    def holds(self, values: np.ndarray | pd.Series) -> np.ndarray:
        """Where the condition is true, elementwise (false where NaN)."""
        return _OPERATORS[self.operator](np.asarray(values, dtype=float), self.value)

    def excess(self, value: float) -> float:
        """How far ``value`` breaks an inequality; <= 0 where it holds."""
        if self.operator in ("<=", "<"):
            return value - self.value
        if self.operator in (">=", ">"):
            return self.value - value
        raise ExperimentError(f"{self}: a constraint must be an inequality")

    def __str__(self) -> str:
        return f"{self.name} {self.operator} {self.value:g}"


def parse_condition(text: str, field: str) -> Condition:
    """Parse ``NAME OP NUMBER`` with OP one of >=, <=, >, <, ==, !=.

    Args:
        text: The condition, e.g. ``peak_rung >= 4``.
        field: The argument that gave it, named by an error.
    """
    match = _CONDITION.match(text)
    number = None
    if match:
        try:
            number = float(match[3])
        except ValueError:
            number = None
    if number is None or not np.isfinite(number):
        raise ExperimentError(
            f"{field} {text!r}: expected NAME OP NUMBER, e.g. 'peak_rung >= 4', "
            f"with OP one of {', '.join(_OPERATORS)}",
            field=field,
        )
    return Condition(match[1], match[2], number)
