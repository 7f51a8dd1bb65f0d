"""Global sensitivity analysis of an outcome to parameter ranges, with SALib.

Two methods, both from SALib (Herman and Usher 2017; Iwanaga, Usher and Herman
2022) on top of the batch engine (:func:`sim.experiments.run_points`):

- ``sobol``: variance-based first-order (S1) and total (ST) indices (Sobol'
  2001) from Saltelli's sampling scheme (Saltelli 2002; Saltelli et al. 2010),
  ``samples * (D + 2)`` points for D parameters;
- ``morris``: elementary effects screening (Morris 1991), with the mean absolute
  effect mu* (Campolongo, Cariboni and Saltelli 2007) and its spread sigma,
  ``samples * (D + 1)`` points.

The outcome at each point is its mean over R replications that share seeds
across points (common random numbers). Confidence intervals are SALib's
bootstrap ones at 95%. Sampling is done on the unit cube and mapped into each
range by :meth:`sim.design.Range.scale`, so whole-number ranges take whole
values exactly as in sweeps.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.design import Range, check_bounds
from sim.executors import Executor, InProcess
from sim.experiments import (
    ExperimentError,
    check_outcome,
    check_ranges,
    outcome_names,
    run_points,
)

METHODS = ("sobol", "morris")
MORRIS_LEVELS = 4
"""Grid levels of the Morris design (SALib's default; a design choice)."""
CONF_LEVEL = 0.95


@dataclass(frozen=True)
class Sensitivity:
    """Indices of one outcome to each parameter.

    Attributes:
        method: ``sobol`` or ``morris``.
        output: The outcome analysed.
        indices: One row per parameter, most influential first: ``param`` and,
            for Sobol', ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` (half-widths of
            95% intervals); for Morris, ``mu_star``, ``mu_star_conf``, ``sigma``.
        samples: One row per point evaluated: the parameter values and the
            outcome's mean over replications.
    """

    method: str
    output: str
    indices: pd.DataFrame
    samples: pd.DataFrame

    @property
    def ranking_column(self) -> str:
        """The column that ranks parameters: ST for Sobol', mu* for Morris."""
        return "ST" if self.method == "sobol" else "mu_star"

    def summary(self) -> str:
        """The indices as a plain-text table."""
        return (
            f"{self.method} indices of {self.output} "
            f"({len(self.samples)} points; conf = half-width of a 95% interval):\n"
            + self.indices.to_string(index=False, float_format=lambda v: f"{v:.4g}")
        )


def analyse(
    scenario: str | Path,
    ranges: list[Range],
    output: str,
    *,
    method: str = "sobol",
    samples: int = 64,
    replications: int = 10,
    steps: int | None = None,
    seed: int = 0,
    settings: dict[str, Any] | None = None,
    executor: Executor | None = None,
    chunk_size: int | None = None,
) -> Sensitivity:
    """Sensitivity indices of an outcome's mean to the given parameter ranges.

    Args:
        scenario: The scenario file.
        ranges: The parameters and their ranges (``--param path=lo:hi``).
        output: An outcome of :class:`sim.metrics.OutcomeTracker`.
        method: ``sobol`` or ``morris``.
        samples: Base samples N (a power of two for Sobol') or Morris
            trajectories.
        replications: Replications averaged at each point.
        steps: Steps per replication (the scenario's if None).
        seed: Seed of the sampler, the bootstrap and the runs.
        settings: Field path to value applied at every point.
        executor: Where the chunks of replications run, e.g.
            :class:`sim.executors.Processes`; in this process if None. Opened
            once for all evaluations; the results are the same on any executor.
        chunk_size: Replications per chunk (the batch default if None).

    Raises:
        ExperimentError: Unknown method or output, bad sample count or ranges.
        ScenarioError: A parameter path that does not exist, or a bound its
            field cannot take, named.
    """
    if method not in METHODS:
        raise ExperimentError(
            f"method {method!r}: use one of {', '.join(METHODS)}", field="method"
        )
    check_ranges(ranges)
    check_bounds(scenario, ranges, settings)
    if samples < 2 or (method == "sobol" and samples & (samples - 1)):
        raise ExperimentError(
            f"samples {samples}: must be >= 2"
            + (" and a power of two for sobol" if method == "sobol" else ""),
            field="samples",
        )
    check_outcome(output, outcome_names(scenario), "output")
    problem = {
        "num_vars": len(ranges),
        "names": [r.path for r in ranges],
        "bounds": [[0.0, 1.0]] * len(ranges),
    }
    unit = _sample(problem, method, samples, seed)  # (P, D)
    columns = [r.scale(unit[:, d]) for d, r in enumerate(ranges)]
    points = [
        dict(zip(problem["names"], row, strict=True))
        for row in zip(*columns, strict=True)
    ]
    with executor or InProcess() as pool:
        results = run_points(
            scenario,
            points,
            replications=replications,
            steps=steps,
            seed=seed,
            settings=settings,
            executor=pool,
            chunk_size=chunk_size,
        )
    y = results.means(output).to_numpy()  # (P,)
    if not np.isfinite(y).all():
        raise ExperimentError(
            f"output {output}: its mean is undefined (NaN) at some points, e.g. "
            "a rate of events that never happen; choose another outcome",
            field="output",
        )
    if np.ptp(y) == 0.0:
        raise ExperimentError(
            f"output {output}: {y[0]:g} at every one of the {len(y)} points, so no "
            "parameter in these ranges moves it and there is nothing to attribute; "
            "choose another outcome or wider ranges",
            field="output",
        )
    indices = _analyse(problem, method, unit, y, seed)
    table = pd.DataFrame(points).assign(**{output: y})
    return Sensitivity(method, output, indices, table)


def _sample(problem: dict, method: str, samples: int, seed: int) -> np.ndarray:
    from SALib.sample import morris as morris_sample  # SALib is slow to import
    from SALib.sample import sobol as sobol_sample

    if method == "sobol":
        return sobol_sample.sample(problem, samples, calc_second_order=False, seed=seed)
    return morris_sample.sample(problem, samples, num_levels=MORRIS_LEVELS, seed=seed)


def _analyse(
    problem: dict, method: str, unit: np.ndarray, y: np.ndarray, seed: int
) -> pd.DataFrame:
    """SALib's indices as one row per parameter, most influential first."""
    from SALib.analyze import morris as morris_analyze  # SALib is slow to import
    from SALib.analyze import sobol as sobol_analyze

    if method == "sobol":
        found = sobol_analyze.analyze(
            problem, y, calc_second_order=False, conf_level=CONF_LEVEL, seed=seed
        )
        keys, rank = ("S1", "S1_conf", "ST", "ST_conf"), "ST"
    else:
        found = morris_analyze.analyze(
            problem, unit, y, conf_level=CONF_LEVEL, num_levels=MORRIS_LEVELS,
            seed=seed,
        )  # fmt: skip
        keys, rank = ("mu_star", "mu_star_conf", "sigma"), "mu_star"
    table = pd.DataFrame({"param": problem["names"]})
    for key in keys:
        table[key] = np.asarray(found[key], dtype=float)
    return table.sort_values(rank, ascending=False, ignore_index=True)
