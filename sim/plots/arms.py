"""Arms-race trajectories: each state's spending across replications, and data."""

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim.plots.style import (
    colours,
    fan,
    fan_title,
    figure_axes,
    legend_outside,
    line_style,
)


def arms_trajectories(
    states: pd.DataFrame,
    *,
    value: str = "milex_usd_m",
    observed: pd.DataFrame | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Each state's spending over time: median, 50% and 90% bands, log scale.

    Args:
        states: One ensemble's rows (replication, step, state) with ``year``
            and ``value`` (the states table).
        value: The series, e.g. ``milex_usd_m`` or ``capability_usd_m``.
        observed: Observed values to overlay as dots: rows ``state``, ``year``,
            ``value`` in the same unit (see :func:`read_observed`).
        ax: Axes to draw on (a new figure if None).
    """
    ax = figure_axes(ax, size=(8, 5))
    groups = list(states.groupby("state", observed=True, sort=False))
    for k, ((state, rows), colour) in enumerate(
        zip(groups, colours(len(groups)), strict=True)
    ):
        wide = rows.pivot_table(index="replication", columns="year", values=value)
        years = wide.columns.to_numpy(dtype=float)
        fan(ax, years, wide.to_numpy(), colour, state, line_style(k))
        if observed is not None:
            seen = observed[observed["state"] == state]
            ax.plot(seen["year"], seen["value"], "o", color=colour, ms=4, mfc="none")
    ax.set_yscale("log")
    ax.set_xlabel("year")
    unit = " (US$ m)" if value.endswith("usd_m") else ""
    ax.set_ylabel(value.removesuffix("_usd_m").replace("_", " ") + unit)
    fan_title(ax, f"Arms race: {value} by state")
    handles, labels = ax.get_legend_handles_labels()
    if observed is not None:
        handles.append(Line2D([], [], marker="o", ls="", mfc="none", color="0.3"))
        labels.append("observed")
    legend_outside(ax, handles=handles, labels=labels, ncols=1 + len(labels) // 12)
    ax.grid(alpha=0.3, which="both")
    return ax.figure
