"""One look for every figure: a colour-blind-safe palette and shared helpers.

The palette is Okabe and Ito's (*Color Universal Design*, 2008), readable with
every common colour-vision deficiency; every figure of :mod:`sim.plots` draws
from it in order.
"""

from itertools import cycle

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",  # black
)
BANDS = ((0.05, 0.95, 0.18), (0.25, 0.75, 0.35))
"""Quantile bands of a fan chart, outer first: (low, high, opacity)."""


LINE_STYLES = ("-", "--", ":")
"""Line styles telling apart series that share a colour (past the palette's 8)."""


def colours(count: int) -> list[str]:
    """``count`` colours of the palette, repeating it if need be."""
    return [c for c, _ in zip(cycle(PALETTE), range(count), strict=False)]


def line_style(index: int) -> str:
    """Line style of the ``index``-th series: a new one each time colours repeat."""
    return LINE_STYLES[(index // len(PALETTE)) % len(LINE_STYLES)]


def figure_axes(ax: Axes | None, size: tuple[float, float] = (7, 4.5)) -> Axes:
    """The given axes, or those of a new figure (built without pyplot)."""
    if ax is not None:
        return ax
    return Figure(figsize=size, layout="constrained").subplots()


def fan(
    ax: Axes,
    x: np.ndarray,
    values: np.ndarray,
    colour: str,
    label: str,
    linestyle: str = "-",
    method: str = "linear",
) -> None:
    """Median line with 50% and 90% bands of ``values`` (R, T) over ``x`` (T,).

    ``method`` is numpy's quantile method: ``inverted_cdf`` keeps the quantiles
    of whole-numbered values (rungs) whole.
    """
    for low, high, alpha in BANDS:
        ax.fill_between(
            x,
            np.quantile(values, low, axis=0, method=method),
            np.quantile(values, high, axis=0, method=method),
            color=colour,
            alpha=alpha,
            linewidth=0,
        )
    median = np.quantile(values, 0.5, axis=0, method=method)
    ax.plot(x, median, color=colour, ls=linestyle, label=label)


def fan_title(ax: Axes, title: str) -> None:
    """Title a fan chart, saying below the title what its line and bands are."""
    ax.set_title(f"{title}\n(line: median; bands: 50% and 90% of replications)")


def legend_outside(ax: Axes, **options) -> None:
    """A legend to the right of the axes, where it hides no data."""
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small", **options)


def interval_dots(
    ax: Axes, estimate: np.ndarray, lower: np.ndarray, upper: np.ndarray, y: np.ndarray
) -> None:
    """Estimates as dots at heights ``y`` with their intervals as horizontal bars."""
    estimate = np.asarray(estimate, dtype=float)
    ax.errorbar(
        estimate,
        y,
        xerr=[estimate - np.asarray(lower), np.asarray(upper) - estimate],
        fmt="o",
        color=PALETTE[0],
        capsize=3,
    )
