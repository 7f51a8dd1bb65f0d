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
* ``places``: an outcome (war onset by default) per dyad and per theater, with
  intervals (:mod:`.places`);
* ``sweep``: an outcome (war probability by default) against a swept parameter,
  one line per value of a second, or a heatmap over two (:mod:`.sweep`);
* ``sensitivity``: sensitivity indices (:mod:`.sensitivity`).
"""

from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from sim.dynamics.escalation import WAR
from sim.observed import read_observed
from sim.outputs import atomic_write
from sim.plots.arms import arms_trajectories, observed_unit
from sim.plots.escalation import (
    escalation_curves,
    kaplan_meier,
    rung_fan,
    survival_curves,
)
from sim.plots.geography import a2ad_coverage, alliance_network
from sim.plots.places import place_outcomes
from sim.plots.sensitivity import sensitivity_bars, sensitivity_title
from sim.plots.sweep import MAX_LINES, sweep_heatmap, sweep_outcomes
from sim.plots.titles import point_text
from sim.results import ResultsError, ResultsFolder
from sim.summary import horizon_years, settings_text

__all__ = [
    "PLOT_KINDS",
    "a2ad_coverage",
    "alliance_network",
    "arms_trajectories",
    "crises_per_theater",
    "draw",
    "escalation_curves",
    "kaplan_meier",
    "observed_unit",
    "place_outcomes",
    "read_observed",
    "rung_fan",
    "save",
    "sensitivity_bars",
    "sensitivity_title",
    "survival_curves",
    "sweep_heatmap",
    "sweep_outcomes",
]

RESULT_KINDS = (
    "escalation",
    "survival",
    "arms",
    "network",
    "a2ad",
    "places",
    "sweep",
)
"""Kinds drawn from the output of ``wargame run``/``batch``/``sweep``."""
PLOT_KINDS = (*RESULT_KINDS, "sensitivity")
SWEEP_STYLES = ("lines", "heatmap")


def save(fig: Figure, path: Path) -> None:
    """Write a figure; the file's suffix sets the format (png, pdf, svg)."""
    atomic_write(path, lambda tmp: fig.savefig(tmp, format=path.suffix[1:], dpi=120))


def draw(
    results: ResultsFolder,
    kind: str,
    *,
    point: int | None = None,
    step: int | None = None,
    outcome: str = "war_onset",
    param: str | None = None,
    by: str | None = None,
    style: str | None = None,
    rung: int | None = None,
    observed: pd.DataFrame | None = None,
    observed_unit: str | None = None,
    theater: str | None = None,
) -> Figure:
    """Draw one kind of figure from a results folder.

    Every figure is titled with the scenario, its horizon and, for one point
    of a sweep, the point's values.

    Args:
        results: The folder (:func:`sim.results.open_results`).
        kind: One of :data:`RESULT_KINDS`.
        point: The sweep point shown by ``escalation``, ``survival`` (every
            rung), ``arms``, ``network``, ``a2ad`` and ``places``; required
            when the folder has more than one point.
        step: The step of ``network`` (the last if None).
        outcome: The outcome of ``sweep`` and ``places``.
        param: The swept field on the x axis of ``sweep`` (None: the first
            varied, in the order the sweep was given its ranges).
        by: ``sweep``: a second swept field, one line per value (or the y axis
            of a heatmap); None: the other varied field of a two-field grid.
        style: ``sweep``: ``lines`` or ``heatmap`` (None: lines when ``by``
            takes few values, else a heatmap).
        rung: ``survival`` to this rung only, one curve per sweep point (None:
            every rung, at ``point``).
        observed: Rows ``state``, ``year``, ``value`` to overlay on ``arms``.
        observed_unit: Their unit, when not the model's (``US$ m`` at the
            scenario's start-year prices); named on the figure.
        theater: ``escalation`` and ``survival`` of the crises in this theater
            only (None: the whole region).

    Raises:
        ResultsError: The folder lacks what the figure needs, or the figure
            would mislead (says what to ask for instead).
    """
    if kind == "sweep":
        return _sweep(results, outcome, param, by, style)
    if kind == "survival" and rung is not None:
        if not 1 <= rung <= WAR:
            raise ResultsError(f"rung {rung}: must be 1 to {WAR}", field="rung")
        labels = _point_labels(results)
        reached = _rungs(results, theater, "reached_rung")
        fig = survival_curves(reached, rungs=(rung,), labels=labels)
        return _context(_name_theater(fig, theater), results, None)
    if kind not in RESULT_KINDS:
        raise ResultsError(
            f"kind {kind}: not one of {', '.join(RESULT_KINDS)}", field="kind"
        )
    point = _one_point(results, kind, point)
    if kind == "places":
        rows = _at_point(results.table("outcomes"), point)
        try:
            fig = place_outcomes(rows, outcome, years=horizon_years(results))
        except ValueError as err:
            raise ResultsError(str(err), field="outcome") from err
        return _context(fig, results, point)
    fig = _at(results, kind, point, step, observed, observed_unit, theater)
    return _context(fig, results, point)


def _at(
    results: ResultsFolder,
    kind: str,
    point: int,
    step: int | None,
    observed: pd.DataFrame | None,
    observed_unit: str | None,
    theater: str | None,
) -> Figure:
    """A figure of one point: escalation, survival, arms, network or a2ad."""
    if kind == "escalation":
        model = _at_point(_rungs(results, theater), point)
        fig = Figure(figsize=(9, 8), layout="constrained")
        top, bottom = fig.subplots(2, 1, sharex=True)
        escalation_curves(model, ax=top)
        rung_fan(model, label=theater or "region", ax=bottom)
        top.set_xlabel("")
        return _name_theater(fig, theater)
    if kind == "survival":
        model = _at_point(_rungs(results, theater, "reached_rung"), point)
        return _name_theater(survival_curves(model), theater)
    if kind == "arms":
        states = results.table("states", ["year", "milex_usd_m"])
        start = results.scenario(point).info.start_year
        return arms_trajectories(
            _at_point(states, point),
            observed=observed,
            model_unit=f"US$ m at {start} prices",
            observed_unit=observed_unit,
        )
    if kind == "network":
        step = int(results.manifest["steps"]) if step is None else step
        world = results.world_at(step, point=point)
        crises = crises_per_theater(results, point)
        return alliance_network(results.scenario(point), world, crises=crises)
    try:
        return a2ad_coverage(results.scenario(point))
    except ValueError as err:
        raise ResultsError(str(err)) from err


def crises_per_theater(results: ResultsFolder, point: int) -> dict[str, float]:
    """Mean number of crises per replication in each theater, at one point.

    Empty when the folder recorded no crisis table (nothing to mark).
    """
    try:
        crises = results.table("crises", ["theater"])
    except ResultsError:
        return {}
    rows = crises[crises["point"] == point]
    replications = int(results.manifest.get("replications", 1))
    return (rows.groupby("theater").size() / replications).to_dict()


def _one_point(results: ResultsFolder, kind: str, point: int | None) -> int:
    """The point a one-point figure shows; refuses to guess on a sweep."""
    points = results.points
    if point is None:
        if len(points) > 1:
            raise ResultsError(
                f"point: {results.folder} is a sweep of {len(points)} points and "
                f"the {kind} figure shows one; name the point (0 to "
                f"{len(points) - 1}; the summary of the folder lists them), or "
                "draw the sweep figure",
                field="point",
            )
        return 0
    if point not in set(points["point"]):
        raise ResultsError(
            f"point {point}: {results.folder} has points 0 to {len(points) - 1}",
            field="point",
        )
    return point


def _context(fig: Figure, results: ResultsFolder, point: int | None) -> Figure:
    """Title the figure with the scenario, the horizon and the point shown."""
    years = horizon_years(results)
    parts = [results.scenario_name]
    if settings := settings_text(results):
        parts.append(settings)
    if years is not None:
        parts.append(f"{int(results.manifest['steps'])} steps, {years:g} years")
    if point is not None and results.varied:
        parts.append(f"point {point}: {point_text(_point_values(results)[point])}")
    fig.suptitle(" | ".join(parts), fontsize="medium")
    return fig


def _rungs(
    results: ResultsFolder, theater: str | None, rung: str = "max_rung"
) -> pd.DataFrame:
    """Rows (point, replication, step) with ``year`` and the column ``rung``.

    The region's highest rung, or one theater's (from the ``theaters`` table):
    ``max_rung`` standing at each step's end, or ``reached_rung`` so far.
    """
    if theater is None:
        return results.table("model", ["year", rung])
    rows = results.table("theaters", ["year", rung])
    known = sorted(rows["theater"].unique())
    if theater not in known:
        raise ResultsError(
            f"theater {theater}: not one of {', '.join(known)}", field="theater"
        )
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
            f"point {point}: no rows; the results have points "
            f"{sorted(frame['point'].unique().tolist())}",
            field="point",
        )
    return rows


def _point_labels(results: ResultsFolder) -> dict[int, str]:
    """Legend name of each point: its varied fields' values."""
    return {
        p: point_text(values) or f"point {p}"
        for p, values in _point_values(results).items()
    }


def _point_values(results: ResultsFolder) -> dict[int, dict[str, Any]]:
    """Each point's varied fields and values, in the order they were given."""
    points = results.points.set_index("point")[results.varied]
    return {int(p): row.to_dict() for p, row in points.iterrows()}


def _sweep(
    results: ResultsFolder,
    outcome: str,
    param: str | None,
    by: str | None,
    style: str | None,
) -> Figure:
    """An outcome across a sweep: lines, lines by a second field, or a heatmap."""
    varied = results.varied  # in the order of the sweep's --param flags
    if not varied:
        raise ResultsError(
            f"{results.folder}: not a sweep (no varied parameter); the sweep "
            "figure needs a folder written by a sweep"
        )
    param = varied[0] if param is None else param
    for field, name in (("param", param), ("by", by)):
        if name is not None and name not in varied:
            raise ResultsError(
                f"{field} {name}: the sweep varied {', '.join(varied)}", field=field
            )
    if by == param:
        raise ResultsError(
            f"by {by}: the same field as the x axis; name another", field="by"
        )
    if style not in (None, *SWEEP_STYLES):
        raise ResultsError(
            f"style {style}: not one of {', '.join(SWEEP_STYLES)}", field="style"
        )
    others = [v for v in varied if v != param]
    if by is None and style == "heatmap":
        if len(others) != 1:
            raise ResultsError(
                "by: a heatmap needs a field for the y axis (one of "
                f"{', '.join(others) or 'none: the sweep varied one field'})",
                field="by",
            )
        by = others[0]
    if by is None and style is None and len(varied) == 2 and _is_grid(results):
        by = others[0]
    outcomes = results.table("outcomes", [outcome])  # with the varied fields
    years = horizon_years(results)
    try:
        if by is not None and (
            style == "heatmap" or (style is None and outcomes[by].nunique() > MAX_LINES)
        ):
            fig = sweep_heatmap(
                outcomes, param, by, outcome=outcome, years=years, varied=varied
            )
        else:
            fig = sweep_outcomes(
                outcomes, param, by=by, outcome=outcome, years=years, varied=varied
            )
    except ValueError as err:
        raise ResultsError(str(err), field=getattr(err, "field", None)) from err
    return _context(fig, results, None)


def _is_grid(results: ResultsFolder) -> bool:
    """Whether the sweep's points are a full factorial design (a grid)."""
    return results.manifest.get("design", {}).get("kind") == "grid"
