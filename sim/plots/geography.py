"""Maps of the region: land, alliance ties, A2/AD reach, theaters and crises.

:func:`draw_map` draws one scenario (and optionally a world at a step, and the
crises of a run) on a Pacific-centred Equal Earth map (:mod:`.projection`):
Natural Earth land, shipped with the package; alliance ties as great-circle
arcs between capitals; bases as small squares; A2/AD reach as geodesic circles
around launch areas; theaters marked, with the crises that broke out in each;
labels placed so that none overlaps another (:mod:`.labels`).
:func:`alliance_network` and :func:`a2ad_coverage` are the two views ``wargame
plot`` draws from it, and the classroom's projector view calls :func:`draw_map`
directly.
"""

import textwrap
from collections.abc import Mapping

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon
from matplotlib.patheffects import withStroke

from sim.engine import World, resolve_params
from sim.plots.labels import place_labels
from sim.plots.projection import (
    Projection,
    central_meridian,
    circle,
    equal_earth,
    great_circle,
    land,
    relative_lon,
)
from sim.plots.style import colours, figure_axes, legend_outside
from sim.scenario import ALLIANCE_KINDS, Scenario

EDGE_STYLES = dict(
    zip(ALLIANCE_KINDS, ("-", "--", "-.", ":", (0, (1, 3))), strict=True)
)
"""Line style of a tie by the kind of alliance behind it."""
EMERGENT = "emergent"
"""A tie no alliance in the scenario declares (formed during the run)."""
LAND, OWN_LAND, SEA = "0.88", "0.80", "#eef4f8"
"""Fill of other countries' land, of the scenario's states' land, and of the sea."""
CRISIS_COLOUR = "#D55E00"
MARGIN = 0.08
"""Share of the places' span left free around them on a map (a display choice)."""


def tie_kinds(scenario: Scenario) -> dict[tuple[int, int], str]:
    """Kind of the first declared alliance joining each pair ``(i, j)``, i < j."""
    kinds: dict[tuple[int, int], str] = {}
    for alliance in scenario.alliances:
        members = sorted(scenario.state_index(m) for m in alliance.members)
        for a, i in enumerate(members):
            for j in members[a + 1 :]:
                kinds.setdefault((i, j), alliance.kind)
    return kinds


def deniers(scenario: Scenario) -> list[tuple[int, float, float]]:
    """``(state index, short range km, long range km)`` of each A2/AD investor."""
    params = resolve_params(scenario, "a2ad")
    n = len(scenario.states)
    share = np.broadcast_to(params.a2ad_share, (n,))
    short = np.broadcast_to(params.short_range_km, (n,))
    long = np.broadcast_to(params.long_range_km, (n,))
    return [(i, float(short[i]), float(long[i])) for i in range(n) if share[i] > 0]


def scenario_projection(
    scenario: Scenario, central_lon: float | None = None
) -> Projection:
    """The projection :func:`draw_map` uses for a scenario.

    Call it on latitudes and longitudes to place more marks on a drawn map:
    ``x, y = scenario_projection(scenario)(lat, lon)``.

    Args:
        scenario: The scenario; the central meridian is the middle of its
            capitals and theaters (:func:`~sim.plots.projection.central_meridian`).
        central_lon: A central meridian to use instead, degrees east.
    """
    if central_lon is None:
        places = [*(s.capital for s in scenario.states)]
        places += [t.center for t in scenario.theaters]
        central_lon = central_meridian(np.array(places)[:, 1])
    return Projection(central_lon)


def draw_map(
    ax: Axes,
    scenario: Scenario,
    world: World | None = None,
    *,
    crises: Mapping[str, float] | None = None,
    ties: bool = True,
    a2ad: bool = True,
    extent: tuple[float, float, float, float] | None = None,
    central_lon: float | None = None,
    legend: bool = True,
) -> Axes:
    """Draw a scenario's region on ``ax``: land, ties, A2/AD, theaters, crises.

    Args:
        ax: The axes to draw on (their aspect is set equal, the frame hidden).
        scenario: The scenario (capitals, alliances, theaters, A2/AD sites).
        world: The world at a step (one replication, R = 1): ties are those of
            the world, as wide as their mean credibility, and capitals sized by
            capability. None: the declared alliances, capitals all one size.
        crises: Crises per theater id (a count or a share), drawn as discs on
            the theaters, area proportional to the value; None or empty: none.
        ties: Draw the alliance ties.
        a2ad: Draw each A2/AD investor's reach (filled: dense short range;
            dashed: sparse long range).
        extent: ``(west, east, south, north)`` in degrees to frame (east may
            exceed 180, e.g. ``(30, 290, -50, 70)``); None: every capital and
            theater with a margin.
        central_lon: The projection's central meridian, degrees east (None: the
            middle of the places, :func:`scenario_projection`).
        legend: Add a legend to the right of the map.

    Returns:
        The axes, for chaining.

    Raises:
        ValueError: A theater named in ``crises`` is not in the scenario.
    """
    capitals = np.array([s.capital for s in scenario.states])  # (N, 2)
    centres = np.array([t.center for t in scenario.theaters]).reshape(-1, 2)
    places = np.concatenate([capitals, centres])
    project = scenario_projection(scenario, central_lon)
    ax.set_facecolor(SEA)
    _draw_land(ax, project, set(scenario.state_ids))
    _draw_graticule(ax, project)
    handles: list[Line2D] = []
    if a2ad:
        handles += _draw_a2ad(ax, project, scenario)
    if ties:
        handles += _draw_ties(ax, project, scenario, world)
    capital_xy = np.c_[project(capitals[:, 0], capitals[:, 1])]
    theater_xy = np.c_[project(centres[:, 0], centres[:, 1])]
    sizes = np.full(len(capitals), 30.0)
    if world is not None:
        capability = world.capability[0]  # (N,)
        sizes = 400 * capability / capability.max()
    ax.scatter(
        *capital_xy.T, s=sizes, c=colours(len(capitals)), zorder=4, gid="capital"
    )
    if scenario.bases:
        handles += _draw_bases(ax, project, scenario)
    if len(theater_xy):
        ax.plot(*theater_xy.T, "x", color="black", ms=6, zorder=5, gid="theater")
        handles.append(
            Line2D([], [], marker="x", ls="", color="black", label="theater")
        )
    if crises:
        handles += _draw_crises(ax, scenario, theater_xy, crises)
    _frame(ax, project, places if extent is None else None, extent)
    if legend and handles:
        legend_outside(ax, handles=handles)
    place_labels(
        ax,
        np.concatenate([capital_xy, theater_xy]),
        [*scenario.state_ids, *(_short_name(t.name) for t in scenario.theaters)],
        fontsize="small",
        zorder=6,
        path_effects=[withStroke(linewidth=2.5, foreground="white")],
    )
    return ax


def _draw_land(ax: Axes, project: Projection, own: set[str]) -> None:
    """Fill every country, the scenario's states a shade darker."""
    rings = land()
    polygons = [np.c_[project(lat, lon, path=True)] for _, lat, lon in rings]
    fills = [OWN_LAND if code in own else LAND for code, _, _ in rings]
    ax.add_collection(
        PolyCollection(
            polygons, facecolors=fills, edgecolors="white", linewidths=0.3, zorder=0
        ),
        autolim=False,
    )


def _draw_graticule(ax: Axes, project: Projection, step: int = 30) -> None:
    """Meridians and parallels every ``step`` degrees, faint."""
    lat = np.linspace(-90, 90, 91)
    for lon in range(-180, 180, step):
        ax.plot(
            *project(lat, np.full_like(lat, lon)),
            color="white",
            lw=0.5,
            zorder=0.5,
            gid="graticule",
        )
    rel = np.linspace(-180, 180, 181) + project.central_lon
    for parallel in range(-60, 61, step):
        x, y = project(np.full_like(rel, parallel), rel, path=True)
        ax.plot(x, y, color="white", lw=0.5, zorder=0.5, gid="graticule")


def _draw_a2ad(ax: Axes, project: Projection, scenario: Scenario) -> list[Line2D]:
    """Each investor's reach from each launch area; one legend entry each."""
    found = deniers(scenario)
    handles = []
    for (i, short, long), colour in zip(found, colours(len(found)), strict=True):
        state = scenario.states[i]
        sites = [s.location for s in scenario.sites if s.state == state.id]
        for site in sites or [state.capital]:
            for radius, style, fill in ((short, "-", 0.22), (long, "--", 0.0)):
                xy = np.c_[project(*circle(site, radius), path=True)]
                ax.add_patch(
                    Polygon(
                        xy,
                        closed=True,
                        facecolor=colour if fill else "none",
                        alpha=fill or 1.0,
                        edgecolor=colour,
                        linestyle=style,
                        zorder=1,
                        gid="a2ad",
                    )
                )
            ax.plot(*project(*site), "^", color=colour, zorder=3)
        handles.append(
            Line2D(
                [],
                [],
                marker="^",
                color=colour,
                label=f"{state.id} A2/AD: {short:.0f} km dense, {long:.0f} km sparse",
            )
        )
    return handles


def _draw_bases(ax: Axes, project: Projection, scenario: Scenario) -> list[Line2D]:
    """Each ``[[base]]`` as a small square in its state's colour; one legend entry."""
    palette = colours(len(scenario.states))
    lat, lon = np.array([b.location for b in scenario.bases]).T
    ax.scatter(
        *project(lat, lon),
        marker="s",
        s=18,
        c=[palette[scenario.state_index(b.state)] for b in scenario.bases],
        edgecolors="black",
        linewidths=0.5,
        zorder=4,
        gid="base",
    )
    square = Line2D([], [], marker="s", ls="", color="white", markeredgecolor="black")
    square.set_label("base (in its state's colour)")
    return [square]


def _draw_ties(
    ax: Axes, project: Projection, scenario: Scenario, world: World | None
) -> list[Line2D]:
    """Great-circle arcs between tied capitals, styled by the alliance's kind."""
    declared = tie_kinds(scenario)
    if world is None:
        pairs = {pair: 0.3 for pair in declared}
    else:
        tie, credibility = world.tie[0], world.credibility[0]  # (N, N)
        pairs = {
            (int(i), int(j)): float((credibility[i, j] + credibility[j, i]) / 2)
            for i, j in zip(*np.nonzero(np.triu(tie, 1)), strict=True)
        }
    kinds = set()
    for (i, j), width in pairs.items():
        kind = declared.get((i, j), EMERGENT)
        kinds.add(kind)
        lat, lon = great_circle(scenario.states[i].capital, scenario.states[j].capital)
        ax.plot(
            *project(lat, lon, path=True),
            linestyle=EDGE_STYLES.get(kind, "-"),
            color="0.45" if kind == EMERGENT else "0.15",
            linewidth=0.5 + 4 * width,
            zorder=2,
            gid="tie",
        )
    title = "tie (width: credibility)" if world is not None else "declared tie"
    return [
        Line2D([], [], ls=EDGE_STYLES.get(k, "-"), color="0.15", label=f"{title}: {k}")
        for k in sorted(kinds)
    ]


def _draw_crises(
    ax: Axes, scenario: Scenario, theater_xy: np.ndarray, crises: Mapping[str, float]
) -> list[Line2D]:
    """A disc on each theater, area proportional to its crises."""
    known = [t.id for t in scenario.theaters]
    unknown = sorted(set(crises) - set(known))
    if unknown:
        raise ValueError(
            f"crises in {', '.join(unknown)}: not a theater of {scenario.info.name} "
            f"(its theaters: {', '.join(known)})"
        )
    values = np.array([float(crises.get(t, 0.0)) for t in known])
    top = values.max()
    if top <= 0:
        return []
    shown = values > 0
    ax.scatter(
        *theater_xy[shown].T,
        s=600 * values[shown] / top,
        color=CRISIS_COLOUR,
        alpha=0.45,
        edgecolors=CRISIS_COLOUR,
        zorder=4.5,
        gid="crises",
    )
    return [
        Line2D(
            [],
            [],
            marker="o",
            ls="",
            color=CRISIS_COLOUR,
            alpha=0.45,
            label=f"crises (disc area; largest {top:.3g})",
        )
    ]


def _frame(
    ax: Axes,
    project: Projection,
    places: np.ndarray | None,
    extent: tuple[float, float, float, float] | None,
) -> None:
    """Set equal aspect and the limits: the places with a margin, or an extent."""
    if extent is not None:
        west, east, south, north = extent
        rel_west = float(relative_lon(west, project.central_lon))
        rel = np.linspace(rel_west, rel_west + np.mod(east - west, 360.0), 60)
        lat = np.linspace(south, north, 60)
        x, y = equal_earth(
            np.concatenate([lat, lat, np.full(60, south), np.full(60, north)]),
            np.concatenate([np.full(60, rel[0]), np.full(60, rel[-1]), rel, rel]),
        )
        box = (x.min(), x.max(), y.min(), y.max())
    else:
        x, y = project(places[:, 0], places[:, 1])
        pad_x = MARGIN * (x.max() - x.min()) + 300
        pad_y = MARGIN * (y.max() - y.min()) + 300
        box = (x.min() - pad_x, x.max() + pad_x, y.min() - pad_y, y.max() + pad_y)
    ax.set_xlim(box[0], box[1])
    ax.set_ylim(box[2], box[3])
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])


def alliance_network(
    scenario: Scenario,
    world: World,
    *,
    crises: Mapping[str, float] | None = None,
    ax: Axes | None = None,
) -> Figure:
    """The tie network at a step on the map of the region.

    Ties (commitment > 0) are great-circle arcs between capitals, styled by the
    kind of alliance behind them and as wide as the mean credibility of the two
    commitments; capitals are sized by capability (area proportional to the
    stock). A2/AD reach is left to :func:`a2ad_coverage`.

    Args:
        scenario: The scenario (capitals, alliances).
        world: The world at the step, one replication (R = 1).
        crises: Crises per theater id to mark (e.g. the mean number per
            replication, :func:`sim.plots.crises_per_theater`).
        ax: Axes to draw on (a new figure if None).
    """
    ax = figure_axes(ax, size=(11, 6))
    ax.set_title(
        f"{scenario.info.name}: alliance network at step {world.step} "
        f"(year {scenario.info.start_year + world.step * scenario.info.dt_years:g}; "
        "capital area: capability)"
    )
    draw_map(ax, scenario, world, crises=crises, a2ad=False)
    return ax.figure


def a2ad_coverage(scenario: Scenario, *, ax: Axes | None = None) -> Figure:
    """A2/AD reach of each state that invests in it, over the theaters.

    For every launch area (declared sites, or the capital), a filled geodesic
    circle of the dense short-range class and a dashed one of the long-range
    class (:mod:`sim.dynamics.a2ad`); theaters are marked and named.

    Args:
        scenario: The scenario (sites, capitals, theaters, A2/AD parameters).
        ax: Axes to draw on (a new figure if None).

    Raises:
        ValueError: No state of the scenario invests in A2/AD.
    """
    if not deniers(scenario):
        raise ValueError(
            f"{scenario.path}: no state invests in A2/AD (a2ad_share is 0 for "
            "all); set [state.a2ad] a2ad_share, as in scenarios/a2ad.toml"
        )
    ax = figure_axes(ax, size=(11, 6))
    ax.set_title(
        f"{scenario.info.name}: A2/AD coverage "
        "(filled: dense short range; dashed: sparse long range)"
    )
    draw_map(ax, scenario, ties=False)
    return ax.figure


def _short_name(name: str) -> str:
    """A theater's name for a label: without its parenthesis, on short lines."""
    return textwrap.fill(name.split(" (")[0], 18)
