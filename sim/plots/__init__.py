"""Figures drawn with matplotlib, written atomically.

Figures are built as :class:`matplotlib.figure.Figure` objects without pyplot, so
drawing one never changes the caller's backend (a notebook keeps showing inline).
Every function takes tidy frames (or a scenario and a world) and an optional
``ax``, and returns the figure; :func:`draw` makes any kind from a results folder
(``wargame plot``). One colour-blind-safe palette throughout (:mod:`.style`).

Kinds:

* ``escalation``: share of replications at or above each rung over time, and a
  fan chart of the highest rung (:mod:`.escalation`);
* ``survival``: Kaplan-Meier curves of the time to each rung, or to one rung
  for each point of a sweep;
* ``arms``: each state's spending with bands, observed data overlaid
  (:mod:`.arms`);
* ``network``: the alliance network at a step, and ``a2ad``: A2/AD coverage
  circles over the theaters (:mod:`.geography`);
* ``sweep``: an outcome (war probability by default) against a swept parameter
  (:mod:`.sweep`);
* ``sensitivity``: sensitivity indices (:mod:`.sensitivity`).
"""

from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from sim.dynamics.escalation import WAR
from sim.observed import read_observed
from sim.outputs import atomic_write
from sim.plots.arms import arms_trajectories
from sim.plots.escalation import (
    escalation_curves,
    kaplan_meier,
    rung_fan,
    survival_curves,
)
from sim.plots.geography import a2ad_coverage, alliance_network
from sim.plots.sensitivity import sensitivity_bars
from sim.plots.sweep import sweep_outcomes
from sim.results import ResultsError, ResultsFolder

__all__ = [
    "PLOT_KINDS",
    "a2ad_coverage",
    "alliance_network",
    "arms_trajectories",
    "draw",
    "escalation_curves",
    "kaplan_meier",
    "read_observed",
    "rung_fan",
    "save",
    "sensitivity_bars",
    "survival_curves",
    "sweep_outcomes",
]

RESULT_KINDS = ("escalation", "survival", "arms", "network", "a2ad", "sweep")
"""Kinds drawn from the output of ``wargame run``/``batch``/``sweep``."""
PLOT_KINDS = (*RESULT_KINDS, "sensitivity")


def save(fig: Figure, path: Path) -> None:
    """Write a figure; the file's suffix sets the format (png, pdf, svg)."""
    atomic_write(path, lambda tmp: fig.savefig(tmp, format=path.suffix[1:], dpi=120))


def draw(
    results: ResultsFolder,
    kind: str,
    *,
    point: int = 0,
    step: int | None = None,
    outcome: str = "war_onset",
    param: str | None = None,
    rung: int | None = None,
    observed: pd.DataFrame | None = None,
    theater: str | None = None,
) -> Figure:
    """Draw one kind of figure from a results folder.

    Args:
        results: The folder (:func:`sim.results.open_results`).
        kind: One of :data:`RESULT_KINDS`.
        point: The sweep point shown by ``escalation``, ``arms``, ``network``
            and ``a2ad``.
        step: The step of ``network`` (the last if None).
        outcome: The outcome of ``sweep``.
        param: The swept field of ``sweep`` (the first varied if None).
        rung: ``survival`` to this rung only, one curve per sweep point (None:
            every rung, at ``point``).
        observed: Rows ``state``, ``year``, ``value`` to overlay on ``arms``.
        theater: ``escalation`` and ``survival`` of the crises in this theater
            only (None: the whole region).

    Raises:
        ResultsError: The folder lacks what the figure needs (says what to run).
    """
    if kind == "escalation":
        model = _at_point(_rungs(results, theater), point)
        fig = Figure(figsize=(9, 8), layout="constrained")
        top, bottom = fig.subplots(2, 1, sharex=True)
        escalation_curves(model, ax=top)
        rung_fan(model, label=theater or "region", ax=bottom)
        top.set_xlabel("")
        return _name_theater(fig, theater)
    if kind == "survival":
        model = _rungs(results, theater)
        if rung is None:
            return _name_theater(survival_curves(_at_point(model, point)), theater)
        if not 1 <= rung <= WAR:
            raise ResultsError(f"--rung {rung}: must be 1 to {WAR}")
        labels = _point_labels(results)
        fig = survival_curves(model, rungs=(rung,), labels=labels)
        return _name_theater(fig, theater)
    if kind == "arms":
        states = results.table("states", ["year", "milex_usd_m"])
        return arms_trajectories(_at_point(states, point), observed=observed)
    if kind == "network":
        step = int(results.manifest["steps"]) if step is None else step
        world = results.world_at(step, point=point)
        return alliance_network(results.scenario(point), world)
    if kind == "a2ad":
        try:
            return a2ad_coverage(results.scenario(point))
        except ValueError as err:
            raise ResultsError(str(err)) from err
    if kind == "sweep":
        return _sweep(results, outcome, param)
    raise ResultsError(f"--kind {kind}: not one of {', '.join(RESULT_KINDS)}")


def _rungs(results: ResultsFolder, theater: str | None) -> pd.DataFrame:
    """Rows (point, replication, step) with ``year`` and ``max_rung``.

    The region's highest rung, or one theater's (from the ``theaters`` table).
    """
    if theater is None:
        return results.table("model", ["year", "max_rung"])
    rows = results.table("theaters", ["year", "max_rung"])
    known = sorted(rows["theater"].unique())
    if theater not in known:
        raise ResultsError(f"--theater {theater}: not one of {', '.join(known)}")
    return rows[rows["theater"] == theater].drop(columns="theater")


def _name_theater(fig: Figure, theater: str | None) -> Figure:
    """Say in the first panel's title which theater a figure shows."""
    if theater is not None:
        ax = fig.axes[0]
        ax.set_title(f"{ax.get_title()}, {theater}")
    return fig


def _at_point(frame: pd.DataFrame, point: int) -> pd.DataFrame:
    """The rows of one point; refuses a point the folder does not have."""
    rows = frame[frame["point"] == point]
    if rows.empty:
        raise ResultsError(
            f"--point {point}: no rows; the results have points "
            f"{sorted(frame['point'].unique().tolist())}"
        )
    return rows


def _point_labels(results: ResultsFolder) -> dict[int, str]:
    """Legend name of each point: its varied fields' values."""
    points = results.points
    return {
        int(row["point"]): ", ".join(
            f"{name.rsplit('.', 1)[-1]}={row[name]:.3g}" for name in results.varied
        )
        or f"point {int(row['point'])}"
        for _, row in points.iterrows()
    }


def _sweep(results: ResultsFolder, outcome: str, param: str | None) -> Figure:
    varied = results.varied
    if not varied:
        raise ResultsError(
            f"{results.folder}: not a sweep (no varied parameter); run `wargame "
            "sweep SCENARIO --param PATH=LO:HI` first"
        )
    param = varied[0] if param is None else param
    if param not in varied:
        raise ResultsError(f"--param {param}: the sweep varied {', '.join(varied)}")
    outcomes = results.table("outcomes", [outcome])  # with the varied fields
    return sweep_outcomes(outcomes, param, outcome=outcome)
