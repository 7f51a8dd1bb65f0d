"""The classroom's figures: the region's map and the escalation curve of a game.

Built on :func:`sim.plots.geography.draw_map` (the alliance network over A2/AD
coverage on a map whose frame holds every state, the United States included),
with the crises under way marked on their theaters, so the projector and the
debrief show the same pictures. The escalation curve counts turns on its axis
with their years below.
"""

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.classroom.news import dated, words
from sim.dynamics.escalation import RUNGS, WAR, under_way
from sim.engine import World
from sim.plots.geography import draw_map, scenario_projection
from sim.scenario import Scenario


def region_map(
    scenario: Scenario, world: World, title: str, *, size=(9.0, 5.2)
) -> Figure:
    """Alliance ties (width: credibility) over A2/AD coverage, crises marked.

    Each crisis under way is a red diamond on its theater labelled with its
    parties and rung.
    """
    fig = Figure(figsize=size, layout="constrained")
    ax = fig.subplots()
    ax.set_title(title)
    draw_map(ax, scenario, world, legend=False)
    mark_crises(ax, scenario, world)
    return fig


def mark_crises(ax: Axes, scenario: Scenario, world: World) -> None:
    """A red diamond and a label per crisis under way (or war) at its theater."""
    rung, theater = world.rung[0], world.crises.theater[0]  # (N, N) each
    ids = scenario.state_ids
    at_odds = np.triu(under_way(rung) | (rung == WAR), 1)
    labels: dict[int, list[str]] = {}
    for i, j in zip(*np.nonzero(at_odds), strict=True):
        t = int(theater[i, j])
        if t >= 0:
            name = words(RUNGS[rung[i, j]])
            labels.setdefault(t, []).append(f"{ids[i]}-{ids[j]}: {name}")
    project = scenario_projection(scenario)
    for t, lines in labels.items():
        x, y = project(*scenario.theaters[t].center)
        ax.plot(x, y, "D", color="tab:red", markersize=11, zorder=5)
        ax.annotate(
            "\n".join(lines),
            (x, y),
            xytext=(8, -8),
            textcoords="offset points",
            va="top",
            color="darkred",
            fontweight="bold",
            fontsize="small",
            bbox={"boxstyle": "round", "fc": "white", "ec": "tab:red", "alpha": 0.9},
            zorder=6,
        )


def rung_axis(ax: Axes) -> None:
    """Label an escalation curve's axis with the ladder's rungs."""
    ax.set_ylim(-0.2, WAR + 0.2)
    ax.set_yticks(range(WAR + 1), [words(r) for r in RUNGS])
    ax.set_title("Escalation: highest rung of any pair")
    legend = ax.get_legend()
    if legend is not None:
        legend.remove()


def escalation_curve(
    rung: np.ndarray,
    *,
    start_year: float,
    dt_years: float,
    turns: int,
    size=(7.0, 3.2),
) -> Figure:
    """The highest rung of any pair after each turn of one game.

    Args:
        rung: Highest rung at each step so far, (T,).
        start_year: Calendar year of turn 0.
        dt_years: Length of a turn, years.
        turns: Turns in the game (the axis runs from 0 to it).
        size: Figure size, inches.
    """
    fig = Figure(figsize=size, layout="constrained")
    ax = fig.subplots()
    steps = np.arange(len(rung))
    ax.step(steps, rung, where="post", color="tab:red", linewidth=2.5)
    ax.plot(steps, rung, "o", color="tab:red")
    ticks = range(max(turns, 1) + 1)
    ax.set_xlim(-0.2, ticks[-1] + 0.2)
    dates = [dated(start_year + k * dt_years, dt_years) for k in ticks]
    ax.set_xticks(ticks, [f"{k}\n{date}" for k, date in zip(ticks, dates, strict=True)])
    ax.set_xlabel("turn (date)")
    ax.grid(alpha=0.3)
    rung_axis(ax)
    return fig
