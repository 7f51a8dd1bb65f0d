"""Sensitivity indices as a bar chart (``wargame sensitivity``)."""

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.plots.style import colours

METHODS = {"sobol": "Sobol'", "morris": "Morris"}


def sensitivity_title(manifest: Mapping[str, Any]) -> str:
    """What a chart of indices rests on, from the study's manifest.

    The scenario, its horizon, the method and the sample: indices from 16
    samples are a quick look, from thousands a result, and the chart must say
    which it is.
    """
    definition = manifest["definition"]
    alike = f" with {', '.join(definition['set'])}" if definition.get("set") else ""
    steps = f", {manifest['steps']} steps" if manifest.get("steps") else ""
    return (
        f"{manifest['scenario']}{alike}{steps}: {METHODS[definition['method']]} "
        "indices, "
        f"{definition['samples']} samples, {manifest['replications']} "
        "replications per point"
    )


def sensitivity_bars(indices: pd.DataFrame, output: str, title: str = "") -> Figure:
    """Bar chart of sensitivity indices with their 95% intervals.

    Args:
        indices: One row per parameter as written by ``wargame sensitivity``:
            ``param`` and either ``S1``/``ST`` (Sobol') or ``mu_star`` (Morris),
            each with a ``_conf`` half-width column.
        output: The outcome the indices are of (for the axis label).
        title: What the indices rest on (:func:`sensitivity_title`).
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
    ax.set_xlabel(f"sensitivity of {output} (lines: 95% intervals)")
    fig.suptitle(title, fontsize="medium")  # over the figure: the labels narrow ax
    ax.legend(loc="lower right")
    return fig
