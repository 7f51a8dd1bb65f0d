"""Arms-race trajectories: each state's spending across replications, and data."""

from pathlib import Path

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim.errors import InputError
from sim.plots.style import (
    colours,
    fan,
    fan_title,
    figure_axes,
    legend_outside,
    line_style,
)


class ObservedError(InputError):
    """An observed-data file that cannot be overlaid."""


def read_observed(path: str | Path) -> pd.DataFrame:
    """Read observed yearly values from a ``country, iso3, year, value`` CSV.

    The value column is ``value`` if there is one, else the column right after
    ``year`` (as in the bundled ``milex_*.csv``).

    Returns:
        Rows ``state`` (ISO3), ``year``, ``value``; blank values dropped.

    Raises:
        ObservedError: The file is unreadable or lacks a column.
    """
    path = Path(path)
    try:
        raw = pd.read_csv(path)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as err:
        raise ObservedError(f"{path}: cannot read it as CSV: {err}") from err
    for column in ("iso3", "year"):
        if column not in raw.columns:
            raise ObservedError(f"{path}: no {column} column; need iso3, year, value")
    after = list(raw.columns).index("year") + 1
    if "value" not in raw.columns and after >= len(raw.columns):
        raise ObservedError(f"{path}: no value column after year")
    value = "value" if "value" in raw.columns else raw.columns[after]
    frame = pd.DataFrame(
        {
            "state": raw["iso3"],
            "year": raw["year"],
            "value": pd.to_numeric(raw[value], errors="coerce"),
        }
    )
    return frame.dropna()


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
