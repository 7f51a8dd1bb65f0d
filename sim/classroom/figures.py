"""The classroom's figures: the region's map and the escalation curve of a game.

Built on :mod:`sim.plots` (the alliance network and A2/AD coverage), framed on
the Asia-Pacific, so the web page and the debrief show the same pictures.
"""

import contextlib

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.dynamics.escalation import RUNGS, WAR
from sim.engine import World
from sim.plots.geography import a2ad_coverage, alliance_network
from sim.scenario import Scenario

MAP_LON = (60.0, 200.0)
MAP_LAT = (-50.0, 65.0)
"""The map's frame, degrees east and north: the Asia-Pacific (a display choice)."""


def region_map(scenario: Scenario, world: World, title: str) -> Figure:
    """Alliance ties (width: credibility) over A2/AD coverage, for one world."""
    fig = Figure(figsize=(7, 4.6), layout="tight")
    ax = fig.subplots()
    with contextlib.suppress(ValueError):  # no state invests in A2/AD: ties only
        a2ad_coverage(scenario, ax=ax)
    alliance_network(scenario, world, ax=ax)
    ax.set_xlim(*MAP_LON)
    ax.set_ylim(*MAP_LAT)
    ax.set_title(title)
    return fig


def rung_axis(ax: Axes) -> None:
    """Label an escalation curve's axis with the ladder's rungs."""
    ax.set_ylim(-0.2, WAR + 0.2)
    ax.set_yticks(range(WAR + 1), [r.replace("_", " ") for r in RUNGS])
    ax.set_title("Escalation: highest rung of any pair")
    legend = ax.get_legend()
    if legend is not None:
        legend.remove()


def escalation_curve(years: np.ndarray, rung: np.ndarray) -> Figure:
    """The highest rung of any pair at each step of one game, (T,) each."""
    fig = Figure(figsize=(7, 3.2), layout="tight")
    ax = fig.subplots()
    ax.step(years, rung, where="post", color="tab:red")
    ax.set_xlabel("year")
    ax.grid(alpha=0.3)
    rung_axis(ax)
    return fig
