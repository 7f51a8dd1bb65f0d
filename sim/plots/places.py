"""Outcomes per dyad and per theater: where war, clashes and deterrence happen.

The outcomes table carries, besides the regional outcomes, one column per dyad
and per theater for some outcomes, named ``OUTCOME.PLACE`` (``war_onset.CHN_TWN``,
``clash_onset.taiwan_strait``; :mod:`sim.metrics`). :func:`place_outcomes` draws
one such outcome's mean for every place with its 95% interval (:mod:`sim.summary`),
largest first, dyads and theaters in separate panels; a place where the outcome
has no value is counted, not drawn.
"""

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.plots.style import interval_dots
from sim.plots.titles import outcome_label
from sim.summary import summarise

MAX_PLACES = 20
"""Most places drawn in one panel (the largest means); the rest are counted,
as are places with no value."""


def place_columns(columns: list[str], outcome: str) -> list[str]:
    """The columns ``OUTCOME.PLACE`` of one outcome."""
    return [c for c in columns if c.startswith(f"{outcome}.")]


def is_dyad(place: str) -> bool:
    """Whether a place is a dyad ``A_B`` of two state ids (upper case)."""
    return place.isupper() and "_" in place


def place_outcomes(
    outcomes: pd.DataFrame, outcome: str = "war_onset", *, years: float | None = None
) -> Figure:
    """Mean of an outcome in each dyad and theater, with 95% intervals.

    Args:
        outcomes: One point's rows (replication) with ``OUTCOME.PLACE`` columns.
        outcome: The outcome, e.g. ``war_onset``, ``clash_onset`` or
            ``deterrence_success_rate``.
        years: The horizon, for the axis label.

    Raises:
        ValueError: The table has no column ``OUTCOME.PLACE`` for the outcome.
    """
    columns = place_columns(list(outcomes.columns), outcome)
    if not columns:
        raise ValueError(
            f"outcome {outcome}: no per-place columns ({outcome}.PLACE) in the "
            "outcomes; per-place outcomes are war_onset, clash_onset and "
            "deterrence_success_rate"
        )
    table = summarise(outcomes.assign(point=0), names=columns)
    table["place"] = table["outcome"].str.removeprefix(f"{outcome}.")
    panels = [
        ("dyad", table[table["place"].map(is_dyad)]),
        ("theater", table[~table["place"].map(is_dyad)]),
    ]
    panels = [(kind, rows) for kind, rows in panels if len(rows)]
    heights = [max(1, min((rows["n"] > 0).sum(), MAX_PLACES)) for _, rows in panels]
    fig = Figure(figsize=(8, 1.5 + 0.3 * sum(heights)), layout="constrained")
    axes = fig.subplots(len(panels), 1, height_ratios=heights, squeeze=False)[:, 0]
    thin = [_draw_panel(ax, *panel) for ax, panel in zip(axes, panels, strict=True)]
    note = "\nPLACE (n=K): too few values (K) for an interval" if any(thin) else ""
    axes[-1].set_xlabel(f"{outcome_label(outcome, years)} (mean, 95% interval){note}")
    return fig


def _draw_panel(ax: Axes, kind: str, rows: pd.DataFrame) -> bool:
    """One panel: the largest means of places with values, the others counted.

    A place with no value (the outcome defined in no replication) takes no
    slot; one whose interval could not be found (too few values) says its
    ``(n=K)``, as a cell of the summary table does.

    Returns:
        Whether a place drawn has no interval.
    """
    defined = rows[rows["n"] > 0].sort_values("mean", kind="stable")
    shown = defined.tail(MAX_PLACES)
    y = np.arange(len(shown))
    interval_dots(ax, shown["mean"], shown["lower"], shown["upper"], y)
    names = shown["place"].str.replace("_", "-") if kind == "dyad" else shown["place"]
    thin = shown["lower"].isna()
    names = names.where(~thin, names + " (n=" + shown["n"].astype(str) + ")")
    ax.set_yticks(y, names)
    left_out = [
        (len(defined) - len(shown), "more with lower means"),
        (len(rows) - len(defined), "with no values"),
    ]
    notes = ", ".join(f"{count} {what}" for count, what in left_out if count)
    ax.set_title(
        f"per {kind}{f' ({notes})' if notes else ''}", fontsize="medium", loc="left"
    )
    ax.grid(alpha=0.3, axis="x")
    ax.set_xlim(left=0)
    return bool(thin.any())
