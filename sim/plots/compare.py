"""The figure of a scenario comparison: each arm's effect with its paired interval."""

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from sim.compare import ArmComparison
from sim.plots.style import interval_dots
from sim.plots.titles import outcome_label


def comparison_effects(comparison: ArmComparison) -> Figure:
    """One panel per outcome: each arm's effect against the reference, 95% interval.

    A dashed line marks no effect; an interval that does not cross it is an
    effect the replications resolve.
    """
    table = comparison.table
    outcomes = list(dict.fromkeys(table["outcome"]))
    arms = list(dict.fromkeys(table["arm"]))
    columns = min(2, len(outcomes))
    rows_of_panels = -(-len(outcomes) // columns)
    fig = Figure(
        figsize=(4.5 * columns + 1.5, rows_of_panels * (1.3 + 0.4 * len(arms))),
        layout="constrained",
    )
    grid = fig.subplots(rows_of_panels, columns, sharey=True, squeeze=False)
    axes = grid.ravel()
    for unused in axes[len(outcomes) :]:
        unused.set_visible(False)
    y = np.arange(len(arms))[::-1]  # the first arm on top
    relative = comparison.scale == "relative"
    for ax, outcome in zip(axes, outcomes, strict=False):
        rows = table[table["outcome"] == outcome].set_index("arm").loc[arms]
        interval_dots(ax, rows["effect"], rows["lower"], rows["upper"], y)
        ax.axvline(0.0, color="0.4", ls="--", lw=1)
        what = outcome_label(outcome, comparison.years)
        ax.set_title(what, fontsize="medium")
        ax.set_xlabel("relative change" if relative else "difference from reference")
        ax.grid(alpha=0.3, axis="x")
        ax.xaxis.set_major_locator(MaxNLocator(5))
    for row in grid:
        row[0].set_yticks(y, arms)
    fig.suptitle(
        f"Against {comparison.arms[0].name}: paired 95% intervals, "
        f"{comparison.replications} replications per arm, seed {comparison.seed}",
        fontsize="medium",
    )
    return fig
