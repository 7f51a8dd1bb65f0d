"""Outcomes across a sweep: how an outcome's mean moves with a parameter."""

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.plots.escalation import Z95
from sim.plots.style import PALETTE, figure_axes


def wilson_interval(
    successes: np.ndarray, trials: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson's 95% score interval of a proportion (Wilson 1927), each (P,).

    Unlike the normal approximation it stays inside [0, 1] and is not empty when
    no (or every) replication had the outcome.
    """
    p = successes / trials
    z2 = Z95**2
    centre = (p + z2 / (2 * trials)) / (1 + z2 / trials)
    half = (
        Z95 * np.sqrt(p * (1 - p) / trials + z2 / (4 * trials**2)) / (1 + z2 / trials)
    )
    return np.clip(centre - half, 0.0, p), np.clip(centre + half, p, 1.0)


def outcome_summary(outcomes: pd.DataFrame, param: str, outcome: str) -> pd.DataFrame:
    """Mean of an outcome per point with its 95% interval, ordered by ``param``.

    A 0/1 outcome (e.g. ``war_onset``) gets Wilson's interval; any other the
    normal interval of the mean, ``mean +- 1.96 sd / sqrt(n)``. NaN values
    (e.g. no crisis to judge deterrence by) are left out.

    Returns:
        Rows ``point``, ``param`` value, ``n``, ``mean``, ``lower``, ``upper``.
    """
    rows = outcomes.dropna(subset=[outcome])
    grouped = rows.groupby("point")
    table = pd.DataFrame(
        {
            param: grouped[param].first(),
            "n": grouped[outcome].size(),
            "mean": grouped[outcome].mean(),
            "sd": grouped[outcome].std(ddof=1).fillna(0.0),
        }
    )
    if rows[outcome].isin([0.0, 1.0]).all():
        lower, upper = wilson_interval(table["mean"] * table["n"], table["n"])
    else:
        half = Z95 * table["sd"] / np.sqrt(table["n"])
        lower, upper = table["mean"] - half, table["mean"] + half
    table = table.assign(lower=lower, upper=upper).drop(columns="sd")
    return table.sort_values(param).reset_index()


def sweep_outcomes(
    outcomes: pd.DataFrame,
    param: str,
    *,
    outcome: str = "war_onset",
    ax: Axes | None = None,
) -> Figure:
    """An outcome's mean against a swept parameter, with 95% intervals.

    Args:
        outcomes: One row per (point, replication) with the point's varied
            fields as columns (the outcomes of ``sim.batch.load``).
        param: The varied field on the x axis.
        outcome: The outcome; ``war_onset`` reads as the probability of war.
        ax: Axes to draw on (a new figure if None).
    """
    ax = figure_axes(ax)
    table = outcome_summary(outcomes, param, outcome)
    ax.errorbar(
        table[param],
        table["mean"],
        yerr=[table["mean"] - table["lower"], table["upper"] - table["mean"]],
        color=PALETTE[0],
        marker="o",
        capsize=3,
        label=f"mean, 95% interval ({_counts(table['n'])} per point)",
    )
    name = "probability of war" if outcome == "war_onset" else outcome
    ax.set_xlabel(param)
    ax.set_ylabel(name)
    ax.set_title(f"{name} across the sweep")
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    return ax.figure


def _counts(n: pd.Series) -> str:
    """Replications per point for the legend: one number, or the range."""
    low, high = int(n.min()), int(n.max())
    return f"n = {low}" if low == high else f"n = {low} to {high}"
