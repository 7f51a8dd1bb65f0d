"""Sensitivity indices as a bar chart (``wargame sensitivity``)."""

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.plots.style import colours


def sensitivity_bars(indices: pd.DataFrame, output: str) -> Figure:
    """Bar chart of sensitivity indices with their 95% intervals.

    Args:
        indices: One row per parameter as written by ``wargame sensitivity``:
            ``param`` and either ``S1``/``ST`` (Sobol') or ``mu_star`` (Morris),
            each with a ``_conf`` half-width column.
        output: The outcome the indices are of (for the axis label).
    """
    bars = [b for b in ("S1", "ST", "mu_star") if b in indices.columns]
    y = np.arange(len(indices))  # (D,)
    height = 0.8 / len(bars)
    fig = Figure(figsize=(7, 1.2 + 0.5 * len(indices)), layout="tight")
    ax = fig.subplots()
    for k, (name, colour) in enumerate(zip(bars, colours(len(bars)), strict=True)):
        ax.barh(
            y + k * height,
            indices[name],
            height,
            xerr=indices[f"{name}_conf"],
            label=name,
            color=colour,
        )
    ax.set_yticks(y + height * (len(bars) - 1) / 2, indices["param"])
    ax.invert_yaxis()
    ax.set_xlabel(f"sensitivity of {output}")
    ax.legend(loc="lower right")
    return fig
