"""Outcomes across a sweep: how an outcome's mean moves with one or two parameters.

* :func:`sweep_outcomes`: the mean against one swept field with 95% intervals
  (:mod:`sim.summary`); with ``by``, one line per value of a second field. A
  field not drawn is pooled over, and the title says so.
* :func:`sweep_heatmap`: the mean over a grid of two swept fields, each cell
  labelled with its mean and interval.

What cannot be drawn honestly is refused with the reason: more lines than a
reader can tell apart, or a heatmap of points that do not form a grid (a Latin
hypercube's scattered points).
"""

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.errors import InputError
from sim.plots.style import colours, figure_axes, legend_outside, line_style
from sim.plots.titles import outcome_label, readable
from sim.summary import layout, summarise

MAX_LINES = 8
"""Most lines one panel of a sweep figure holds (one per palette colour)."""
MAX_CELL_LABELS = 49
"""Most heatmap cells that get their numbers written in."""


def _pooled(outcomes: pd.DataFrame, shown: list[str], varied: list[str]) -> str:
    """The title's note of the swept fields a figure averages over."""
    others = [readable(v) for v in varied if v not in shown]
    return f"\n(pooled over {', '.join(others)})" if others else ""


def sweep_outcomes(
    outcomes: pd.DataFrame,
    param: str,
    *,
    by: str | None = None,
    outcome: str = "war_onset",
    years: float | None = None,
    varied: list[str] | None = None,
    ax: Axes | None = None,
) -> Figure:
    """An outcome's mean against a swept parameter, with 95% intervals.

    Args:
        outcomes: One row per (point, replication) with the points' varied
            fields as columns (the outcomes table of a sweep).
        param: The varied field on the x axis.
        by: A second varied field: one line per value of it (None: one line).
        outcome: The outcome; ``war_onset`` reads as the probability of war.
        years: The horizon, for the y label (None: not said).
        varied: Every field the sweep varied (those not drawn are named in
            the title as pooled over).
        ax: Axes to draw on (a new figure if None).

    Raises:
        InputError: ``by`` takes more values than :data:`MAX_LINES`.
    """
    groups = [param] if by is None else [by, param]
    table = summarise(outcomes, by=groups, names=[outcome])
    if by is not None:
        values = table[by].unique()
        if len(values) > MAX_LINES:
            raise InputError(
                f"by {by}: {len(values)} values, more lines than a reader can "
                f"tell apart (at most {MAX_LINES}); draw a heatmap instead",
                field="by",
            )
    ax = figure_axes(ax, size=(8, 5) if by else (7, 4.5))
    scattered = _scattered(outcomes, groups, varied or [])
    lines = [(None, table)] if by is None else list(table.groupby(by, sort=True))
    for k, ((value, rows), colour) in enumerate(
        zip(lines, colours(len(lines)), strict=True)
    ):
        label = "mean, 95% interval" if value is None else f"{value:.3g}"
        ax.errorbar(
            rows[param],
            rows["mean"],
            yerr=[rows["mean"] - rows["lower"], rows["upper"] - rows["mean"]],
            color=colour,
            ls="none" if scattered else line_style(k),
            marker="o",
            capsize=3,
            label=label,
        )
    name = outcome_label(outcome, years)
    ax.set_xlabel(readable(param))
    ax.set_ylabel(name)
    if outcome == "war_onset":
        ax.set_ylim(bottom=0)
    shown = groups if by else [param]
    ax.set_title(
        f"{name} across {readable(param)}"
        + (f", by {readable(by)}" if by else "")
        + f"\n({_counts(table['n'])} per point)"
        + _pooled(outcomes, shown, varied or []).replace("\n", " ")
        + (
            "\n(dots not joined: each is one point, the other fields differ)"
            if scattered
            else ""
        )
    )
    if by is None:
        ax.legend(fontsize="small")
    else:
        legend_outside(ax, title=readable(by))
    ax.grid(alpha=0.3)
    return ax.figure


def sweep_heatmap(
    outcomes: pd.DataFrame,
    x: str,
    y: str,
    *,
    outcome: str = "war_onset",
    years: float | None = None,
    varied: list[str] | None = None,
    ax: Axes | None = None,
) -> Figure:
    """An outcome's mean over a grid of two swept fields.

    Each cell is one combination of the two fields' values, coloured by the
    mean and labelled ``mean [lower, upper]`` (95%) when the grid is small
    enough to read.

    Args:
        outcomes: One row per (point, replication) with the varied fields.
        x: The field along the x axis.
        y: The field along the y axis.
        outcome: The outcome.
        years: The horizon, for the colour bar's label.
        varied: Every field the sweep varied (others are noted as pooled).
        ax: Axes to draw on (a new figure if None).

    Raises:
        InputError: The points do not cover every combination of the two
            fields' values (not a grid).
    """
    table = summarise(outcomes, by=[y, x], names=[outcome])
    xs, ys = np.sort(table[x].unique()), np.sort(table[y].unique())
    if len(table) != len(xs) * len(ys) or len(xs) < 2 or len(ys) < 2:
        raise InputError(
            f"style heatmap: a heatmap of {x} and {y} needs every combination of "
            f"their values (a grid); the sweep has {len(table)} of {len(xs)} x "
            f"{len(ys)}: sweep them on a grid design, or draw lines",
            field="style",
        )
    grid = table.pivot(index=y, columns=x, values="mean").loc[ys, xs]  # (Y, X)
    ax = figure_axes(ax, size=(8, 6))
    mesh = ax.pcolormesh(
        np.arange(len(xs) + 1), np.arange(len(ys) + 1), grid.to_numpy(), cmap="viridis"
    )
    ax.set_xticks(np.arange(len(xs)) + 0.5, [f"{v:.3g}" for v in xs])
    ax.set_yticks(np.arange(len(ys)) + 0.5, [f"{v:.3g}" for v in ys])
    if len(table) <= MAX_CELL_LABELS:
        _label_cells(ax, table, x, y, grid)
    name = outcome_label(outcome, years)
    ax.figure.colorbar(mesh, ax=ax, label=name)
    ax.set_xlabel(readable(x))
    ax.set_ylabel(readable(y))
    ax.set_title(
        f"{name}\nover {readable(x)} and {readable(y)} "
        f"({_counts(table['n'])} per cell)"
        + _pooled(outcomes, [x, y], varied or []).replace("\n", " ")
    )
    return ax.figure


def _label_cells(
    ax: Axes, table: pd.DataFrame, x: str, y: str, grid: pd.DataFrame
) -> None:
    """Write in each cell of the grid (Y, X) its ``mean [lower, upper]``.

    The text is that of the summary tables (:func:`sim.summary.layout`: 3
    significant digits, ``(n=K)`` where the mean rests on fewer values than
    replications, ``n/a`` where on none), so a cell reads as its row of
    ``wargame summary``. Dark text on light cells, light on dark.
    """
    xs, ys = grid.columns.to_numpy(), grid.index.to_numpy()
    middle = np.nanmean(grid.to_numpy())
    texts = layout(table, [y, x]).iloc[:, -1]  # the outcome, rows in table's order
    cells = zip(
        np.searchsorted(xs, table[x]),
        np.searchsorted(ys, table[y]),
        table["mean"],
        texts,
        strict=True,
    )
    for i, j, mean, text in cells:
        ax.text(
            i + 0.5,
            j + 0.5,
            text.replace(" [", "\n[", 1),
            ha="center",
            va="center",
            fontsize="x-small",
            color="white" if mean <= middle else "black",
        )


def _scattered(outcomes: pd.DataFrame, shown: list[str], varied: list[str]) -> bool:
    """Whether the points are scattered (a Latin hypercube), not a pooled grid.

    True when other swept fields differ between points yet each drawn value
    holds one point only: a line through them would join points that differ in
    more than the drawn fields, so the dots are left unjoined.
    """
    if not [v for v in varied if v not in shown]:
        return False
    points = outcomes.groupby(shown)["point"].nunique()
    return bool((points == 1).all())


def _counts(n: pd.Series) -> str:
    """Replications per point for a title: one number, or the range."""
    low, high = int(n.min()), int(n.max())
    return f"n = {low}" if low == high else f"n = {low} to {high}"
