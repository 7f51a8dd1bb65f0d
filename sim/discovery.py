"""Scenario discovery: the parameter boxes where an outcome is most likely.

PRIM, the Patient Rule Induction Method (Friedman and Fisher 1999), as used for
scenario discovery by Bryant and Lempert (2010): starting from the whole sampled
space it peels off thin slices of the parameter box that hold few cases of
interest, until a small box with a high share of them remains, then looks for
the next box among the cases left. Each box is reported with its

- *coverage*: the share of all cases of interest that fall in the box;
- *density*: the share of runs in the box that are cases of interest;
- *mass*: the share of all runs in the box.

The implementation is the EMA Workbench's (Kwakkel 2017), which is
BSD-licensed and maintained; the standalone ``prim`` package is GPL and would
not fit this MIT project. Input is a sweep's output folder
(:func:`sim.batch.load`): one row per (point, replication), the varied
parameters as columns beside the outcomes.
"""

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim import batch
from sim.experiments import ExperimentError, check_outcome, parse_condition

PEEL_ALPHA = 0.05
"""Share of the cases peeled off per step (Friedman and Fisher's usual 0.05)."""
MASS_MIN = 0.05
"""Smallest share of the runs a box may hold (a choice against overfitting)."""


@dataclass(frozen=True)
class Discovery:
    """Boxes found by PRIM.

    Attributes:
        outcome: The condition defining cases of interest.
        cases: Cases of interest among all runs.
        runs: Runs analysed (points times replications).
        boxes: One row per box: ``box`` (1-based), ``coverage``, ``density``,
            ``mass`` and ``restricted`` (number of limited parameters).
        limits: One row per (box, restricted parameter): ``param``, ``min``,
            ``max``, next to the sampled range ``lo``/``hi``.
    """

    outcome: str
    cases: int
    runs: int
    boxes: pd.DataFrame
    limits: pd.DataFrame

    def summary(self) -> str:
        """Boxes with their coverage, density and limits, as plain text."""
        share = self.cases / self.runs if self.runs else float("nan")
        lines = [
            f"{self.outcome}: {self.cases} of {self.runs} runs ({share:.1%})",
        ]
        for box in self.boxes.itertuples():
            lines.append(
                f"box {box.box}: coverage {box.coverage:.1%}, density "
                f"{box.density:.1%}, mass {box.mass:.1%}"
            )
            mine = self.limits[self.limits["box"] == box.box]
            for lim in mine.itertuples():
                lines.append(
                    f"  {lim.param}: {lim.min:.4g} .. {lim.max:.4g} "
                    f"(sampled {lim.lo:.4g} .. {lim.hi:.4g})"
                )
        if self.boxes.empty:
            lines.append("no box found")
        return "\n".join(lines)


def discover(
    results: batch.Results | str | Path,
    outcome: str,
    *,
    max_boxes: int = 3,
    mass_min: float = MASS_MIN,
) -> Discovery:
    """Find up to ``max_boxes`` parameter boxes where ``outcome`` holds most often.

    Args:
        results: A sweep's results, or its output folder.
        outcome: A condition on an output column, e.g. ``"peak_rung >= 4"``.
        max_boxes: Most boxes to find.
        mass_min: Smallest share of runs a box may hold, 0..1.

    Raises:
        ExperimentError: The outcome names no output column; the results vary
            no parameter; no run (or every run) meets the outcome.
    """
    if not isinstance(results, batch.Results):
        folder = Path(results)
        batch.check_complete(folder, batch.read_manifest(folder))  # whole sweeps only
        results = batch.load(folder)
    condition = parse_condition(outcome, "condition")
    params = [c for c in results.points.columns if c != "point"]
    if not params:
        raise ExperimentError(
            "these results vary no parameter; run a sweep (a Latin hypercube "
            "design over the parameters) and discover on its folder"
        )
    outcomes = results.outcomes
    known = [c for c in outcomes.columns if c not in (*params, "point", "replication")]
    check_outcome(condition.name, known, "condition")
    if not 0 < mass_min < 1:
        raise ExperimentError(
            f"mass_min {mass_min}: must be in (0, 1)", field="mass_min"
        )
    if max_boxes < 1:
        raise ExperimentError(
            f"max_boxes {max_boxes}: must be at least 1", field="max_boxes"
        )
    x = outcomes[params].astype(float).reset_index(drop=True)  # (runs, D)
    y = condition.holds(outcomes[condition.name])  # (runs,)
    if not 0 < y.sum() < len(y):
        raise ExperimentError(
            f"condition {outcome!r}: holds in {int(y.sum())} of {len(y)} runs; "
            "PRIM needs some runs where it holds and some where it does not",
            field="condition",
        )
    boxes, limits = _prim(x, y, max_boxes, mass_min)
    return Discovery(str(condition), int(y.sum()), len(y), boxes, limits)


def _prim(
    x: pd.DataFrame, y: np.ndarray, max_boxes: int, mass_min: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run the EMA Workbench's PRIM; tabulate its boxes and their limits."""
    with warnings.catch_warnings():
        # The workbench warns on import about optional parallel back-ends and
        # uses pandas calls that pandas 3 deprecates: notices about its code,
        # not about these results.
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim

        finder = prim.Prim(x, y, peel_alpha=PEEL_ALPHA, mass_min=mass_min)
        found = []
        while len(found) < max_boxes and (box := finder.find_box()) is not None:
            found.append(box)
        stats = finder.stats_to_dataframe().head(len(found))
        lims = finder.boxes_to_dataframe().iloc[:, : 2 * len(found)]
    boxes = pd.DataFrame(
        {
            "box": np.arange(1, len(found) + 1),
            "coverage": stats["coverage"].to_numpy(dtype=float),
            "density": stats["density"].to_numpy(dtype=float),
            "mass": stats["mass"].to_numpy(dtype=float),
            "restricted": stats["res_dim"].to_numpy(dtype=int),
        }
    )
    rows = []
    for k in range(len(found)):
        for param in lims.index:
            low, high = lims.iloc[:, 2 * k][param], lims.iloc[:, 2 * k + 1][param]
            lo, hi = x[param].min(), x[param].max()
            if low > lo or high < hi:
                rows.append((k + 1, param, float(low), float(high), lo, hi))
    limits = pd.DataFrame(rows, columns=["box", "param", "min", "max", "lo", "hi"])
    return boxes, limits
