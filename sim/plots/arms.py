"""Arms-race trajectories: each state's spending across replications, and data."""

from pathlib import Path

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

MAX_SERIES = 8
"""Most states drawn one by one in a panel; the rest are summed into one series."""


def group_states(states: pd.DataFrame, value: str, keep: int) -> pd.DataFrame:
    """The ``keep`` largest states (by median final value), the rest summed.

    The others become one state named ``others (K)``: their sum in each
    replication and year, so its fan is the spread of the group's total.

    Returns:
        Rows ``replication``, ``year``, ``state``, ``value`` (the column kept),
        the largest states first, then the group.
    """
    last = states[states["year"] == states["year"].max()]
    order = last.groupby("state", observed=True)[value].median()
    order = order.sort_values(ascending=False, kind="stable").index.tolist()
    kept, rest = (
        (order, []) if len(order) <= keep else (order[: keep - 1], order[keep - 1 :])
    )
    columns = ["replication", "year", "state", value]
    parts = [states.loc[states["state"] == state, columns] for state in kept]
    if rest:
        others = (
            states[states["state"].isin(rest)]
            .groupby(["replication", "year"], as_index=False)[value]
            .sum()
            .assign(state=f"others ({len(rest)})")
        )
        parts.append(others[columns])
    return pd.concat(parts, ignore_index=True).astype({"state": str})


def arms_trajectories(
    states: pd.DataFrame,
    *,
    value: str = "milex_usd_m",
    observed: pd.DataFrame | None = None,
    model_unit: str = "US$ m",
    observed_unit: str | None = None,
    max_series: int = MAX_SERIES,
    ax: Axes | None = None,
) -> Figure:
    """Each state's spending over time: median, 50% and 90% bands, log scale.

    At most ``max_series`` series are drawn: the largest states one by one
    and the rest summed into one (:func:`group_states`), so the legend stays
    readable. Observed values are drawn as dots of the state's colour; when
    their unit differs from the model's, both units are named.

    Args:
        states: One ensemble's rows (replication, step, state) with ``year``
            and ``value`` (the states table).
        value: The series, e.g. ``milex_usd_m`` or ``capability_usd_m``.
        observed: Observed values to overlay as dots: rows ``state``, ``year``,
            ``value`` (see :func:`read_observed`).
        model_unit: The unit of the model's series, for the y label.
        observed_unit: The unit of the observed values (None: the model's).
        max_series: Most series drawn, the group of the others included.
        ax: Axes to draw on (a new figure if None).
    """
    ax = figure_axes(ax, size=(9, 5))
    grouped = group_states(states, value, max_series)
    groups = list(grouped.groupby("state", sort=False))
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
    name = value.removesuffix("_usd_m").replace("_", " ")
    same = observed_unit is None or observed_unit == model_unit
    ax.set_ylabel(
        f"{name} ({model_unit})" if same else f"{name}: model in {model_unit}"
    )
    fan_title(ax, f"Arms race: {name} by state")
    handles, labels = ax.get_legend_handles_labels()
    if observed is not None:
        handles.append(Line2D([], [], marker="o", ls="", mfc="none", color="0.3"))
        labels.append("observed" if same else f"observed, in\n{observed_unit}")
    legend_outside(ax, handles=handles, labels=labels)
    ax.grid(alpha=0.3, which="both")
    return ax.figure


def observed_unit(path: str | Path) -> str | None:
    """The unit of an observed-data file: its ``unit_note`` column's first value.

    The bundled ``milex*.csv`` files name their unit there (e.g. SIPRI's "US$ m
    at constant 2023 prices and exchange rates"); None when the file has no
    such column.
    """
    try:
        notes = pd.read_csv(path, usecols=["unit_note"])["unit_note"].dropna()
    except (ValueError, OSError):
        return None
    if notes.empty:
        return None
    note = str(notes.iloc[0]).split("|")[0].strip()
    return note.split(", ", 1)[-1] if note.startswith("SIPRI") else note
