"""Parameter search: the setting that minimises an outcome, under constraints.

Optuna's tree-structured Parzen estimator (Bergstra et al. 2011; Akiba et al.
2019) proposes parameter values within the given ranges; each trial runs R
replications with common seeds (:func:`sim.experiments.run_points`) and scores
the outcome's mean. Constraints such as ``arms_burden <= 0.03`` are passed to
the sampler (infeasible trials are steered away from) and the best trial
reported is the best *feasible* one, e.g. the lowest war risk for a given
regional arms burden.

The study lives in ``OUT/study.db`` (SQLite), so a stopped search resumes by
running the same command again. Every trial k is proposed by a sampler seeded
with ``seed + k`` (modulo 2**32, the sampler's range) from the trials before
it, so a resumed search proposes exactly what an uninterrupted one would:
same seed, same trials. It resumes only with the same code
(:func:`sim.manifest.code_hash`), so the trials of two versions of the model
never mix in one study. A folder holding anything else, another command's
output or files of none, is refused untouched.

The search holds the folder's lock (:func:`sim.outputs.locked`) for as long as
it writes there: a second search of the same folder at the same time is
refused. ``OUT/trials.csv`` lists the finished trials and is replaced whole
(:func:`sim.outputs.write_frame`) after each one, so a search stopped at any
moment leaves the study and a table of every trial it finished, nothing
half-written; a trial cut short is not counted, and is run again on resume.
"""

import json
import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import optuna
import pandas as pd

from sim import batch, manifest
from sim.design import Range, check_bounds
from sim.executors import Executor, InProcess
from sim.experiments import (
    Condition,
    ExperimentError,
    check_outcome,
    check_ranges,
    outcome_names,
    run_points,
)
from sim.outputs import locked, remove_partial, write_frame

STUDY = "tune"
STORAGE = "study.db"
TRIALS = "trials.csv"


@dataclass(frozen=True)
class Tuning:
    """What a search found.

    Attributes:
        minimise: The outcome minimised.
        constraints: The constraints, as text.
        trials: One row per finished trial: ``trial``, the parameter values,
            ``value`` (the outcome's mean), each constrained outcome's mean and
            ``feasible``.
        best: The best feasible trial's row, or None if no trial is feasible.
    """

    minimise: str
    constraints: tuple[str, ...]
    trials: pd.DataFrame
    best: pd.Series | None

    def summary(self) -> str:
        """The best feasible setting, as plain text."""
        ran = f"{len(self.trials)} trials"
        if self.best is None:
            return f"{ran}; none meets {' and '.join(self.constraints)}"
        lines = [
            f"{ran}; best feasible: trial {int(self.best['trial'])}, "
            f"{self.minimise} = {self.best['value']:.6g}"
        ]
        for name, value in self.best.items():
            if name not in ("trial", "value", "feasible"):
                lines.append(f"  {name} = {value:.6g}")
        return "\n".join(lines)


def tune(
    scenario: str | Path,
    ranges: list[Range],
    minimise: str,
    out: str | Path,
    *,
    constraints: list[Condition] | None = None,
    trials: int = 30,
    replications: int = 10,
    steps: int | None = None,
    seed: int = 0,
    settings: dict[str, Any] | None = None,
    executor: Executor | None = None,
    chunk_size: int | None = None,
) -> Tuning:
    """Search the ranges for the lowest mean of ``minimise`` (resumable).

    Args:
        scenario: The scenario file.
        ranges: Parameters and their ranges; whole-number bounds search whole
            numbers.
        minimise: The outcome whose mean over replications is minimised.
        out: Folder of the study and of ``trials.csv``; rerun with the same
            arguments to resume.
        constraints: Conditions the mean outcomes must meet (inequalities).
        trials: Trials in total, counting those of earlier runs.
        replications: Replications per trial.
        steps: Steps per replication (the scenario's if None).
        seed: Seed of the sampler and of the runs.
        settings: Field path to value applied in every trial.
        executor: Where the chunks of replications run, e.g.
            :class:`sim.executors.Processes`; in this process if None. Opened
            once for all evaluations; the results are the same on any executor.
        chunk_size: Replications per chunk (the batch default if None).

    Raises:
        ExperimentError: Unknown outcomes, no ranges or one with a grid's
            ``:n`` suffix, or a folder holding a different search or anything
            but a search (another command's output).
        ScenarioError: A parameter path that does not exist, named.
        BatchError: A count (replications, steps, chunk size) or seed out of
            range; nothing is written.
        OutputError: Another process is writing ``out`` (a search running
            there); nothing is written.
        KeyboardInterrupt: Ctrl-C; says how many trials finished (they are
            kept, in the study and in trials.csv).
    """
    constraints = list(constraints or [])
    check_ranges(ranges)
    if trials < 1:
        raise ExperimentError(f"trials {trials}: must be at least 1", field="trials")
    known = outcome_names(scenario)
    check_outcome(minimise, known, "minimise")
    for condition in constraints:
        check_outcome(condition.name, known, "constraints")
        condition.excess(0.0)  # fails unless an inequality
    definition = {
        "code": manifest.code_hash(),  # trials of two versions of the model never mix
        "scenario_hash": _checked_hash(
            scenario,
            ranges,
            settings,
            replications=replications,
            steps=steps,
            seed=seed,
            chunk_size=chunk_size,
        ),
        "settings": settings or {},
        "ranges": [[r.path, r.lo, r.hi] for r in ranges],
        "minimise": minimise,
        "constraints": [str(c) for c in constraints],
        "replications": replications,
        "steps": steps,
        "seed": seed,
    }

    def objective(trial: optuna.Trial) -> float:
        point = {
            r.path: trial.suggest_int(r.path, r.lo, r.hi)
            if r.whole
            else trial.suggest_float(r.path, float(r.lo), float(r.hi))
            for r in ranges
        }
        means = run_points(
            scenario,
            [point],
            replications=replications,
            steps=steps,
            seed=seed,
            settings=settings,
            executor=pool,
            chunk_size=chunk_size,
        ).outcomes.mean(numeric_only=True)
        for name in {minimise, *(c.name for c in constraints)}:
            if math.isnan(means[name]):
                raise ExperimentError(
                    f"{name}: its mean is undefined (NaN) at {point}; "
                    "choose an outcome defined in every run"
                )
        for c in constraints:
            trial.set_constraint(str(c), c.excess(float(means[c.name])))
            trial.set_user_attr(c.name, float(means[c.name]))
        return float(means[minimise])

    out, table = Path(out), pd.DataFrame()
    try:
        with locked(out), executor or InProcess() as pool:  # one writer
            _check_folder(out)
            study = _open_study(out, definition)
            remove_partial(out / TRIALS)
            table = _write_trials(study, constraints, out)  # as resumed: current
            for number in range(len(table), trials):
                sampler = optuna.samplers.TPESampler(seed=_sampler_seed(seed, number))
                study.sampler = sampler
                study.optimize(objective, n_trials=1)
                table = _write_trials(study, constraints, out)
    except KeyboardInterrupt:
        raise KeyboardInterrupt(
            f"stopped with {len(table)} of {trials} trials finished in {out}; run "
            "the same command again to resume"
        ) from None
    return _result(table, minimise, constraints)


def _checked_hash(
    scenario: str | Path,
    ranges: list[Range],
    settings: dict[str, Any] | None,
    **runs: Any,
) -> str:
    """The scenario's hash, after checking every range at its bounds and the runs.

    ``runs`` (replications, steps, seed, chunk size) are checked as every
    trial's batch will be (:func:`sim.batch.plan`), so bad ones are refused
    before the study is made, not after, leaving an empty study behind.
    """
    check_bounds(scenario, ranges, settings)
    return batch.plan(scenario, settings=settings, **runs).scenario.content_hash


def _sampler_seed(seed: int, trial: int) -> int:
    """The seed of the sampler proposing ``trial``: ``seed + trial``, below 2**32.

    The sampler takes seeds below 2**32 only, the runs any below 2**63.
    """
    return (seed + trial) % 2**32


def _check_folder(out: Path) -> None:
    """Refuse a folder holding anything but a search's own files.

    A search writes only its study (and SQLite's journal beside it) and
    :data:`TRIALS`; another command's output, or files of none, would be mixed
    with them.
    """
    entries = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    if manifest.FILE in entries:
        writer = manifest.command(manifest.read(out))
        raise ExperimentError(
            f"{out} holds the output of `wargame {writer}`; a search there would "
            f"mix its {STORAGE} and {TRIALS} with the {writer}: {manifest.START_OVER}"
        )
    stray = [
        name for name in entries if name != TRIALS and not name.startswith(STORAGE)
    ]
    if stray:
        raise ExperimentError(
            f"{out}: exists and does not hold a search (it holds "
            f"{manifest.listed(stray)}); {manifest.START_OVER}"
        )


def _open_study(out: Path, definition: dict[str, Any]) -> optuna.Study:
    """Create the study in ``out``, or reopen it if it defines the same search."""
    optuna.logging.set_verbosity(logging.ERROR)
    out.mkdir(parents=True, exist_ok=True)
    study = optuna.create_study(
        study_name=STUDY,
        storage=f"sqlite:///{out / STORAGE}",
        direction="minimize",
        load_if_exists=True,
    )
    text = json.dumps(definition, sort_keys=True, default=str)
    stored = study.user_attrs.get("definition")
    if stored is None:
        study.set_user_attr("definition", text)
    elif stored != text:
        raise ExperimentError(
            f"{out} holds a different search ({STORAGE} was made with other "
            "arguments); choose another output folder, or delete it to start over"
        )
    return study


def _write_trials(
    study: optuna.Study, constraints: list[Condition], out: Path
) -> pd.DataFrame:
    """Write the table of finished trials to ``out/trials.csv`` (whole); return it.

    Nothing is written while no trial has finished.
    """
    rows = []
    complete = study.get_trials(states=(optuna.trial.TrialState.COMPLETE,))
    for number, t in enumerate(complete):  # a killed trial leaves no gap
        rows.append(
            {
                "trial": number,
                **t.params,
                "value": t.value,
                **{c.name: t.user_attrs[c.name] for c in constraints},
                "feasible": all(
                    c.excess(t.user_attrs[c.name]) <= 0 for c in constraints
                ),
            }
        )
    table = pd.DataFrame(rows)
    if rows:
        write_frame(table, out / TRIALS)
    return table


def _result(table: pd.DataFrame, minimise: str, constraints: list[Condition]) -> Tuning:
    """The search's result from the table of its finished trials."""
    feasible = table[table["feasible"]]
    best = None if feasible.empty else feasible.loc[feasible["value"].idxmin()]
    return Tuning(minimise, tuple(str(c) for c in constraints), table, best)
