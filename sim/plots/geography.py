"""Map-like figures: the alliance network and A2/AD coverage over theaters.

Places are drawn on a plain longitude-latitude grid centred on the Pacific
(longitudes 0 to 360 degrees east, so Washington sits east of Asia rather than
across the map), with the aspect ratio of the mean latitude: a sketch map, not a
projection to measure on.
"""

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon

from sim.dynamics.a2ad import EARTH_RADIUS_KM
from sim.engine import World, resolve_params
from sim.plots.style import colours, figure_axes, legend_outside
from sim.scenario import ALLIANCE_KINDS, Scenario

EDGE_STYLES = dict(
    zip(ALLIANCE_KINDS, ("-", "--", "-.", ":", (0, (1, 3))), strict=True)
)
"""Line style of a tie by the kind of alliance behind it."""
EMERGENT = "emergent"
"""A tie no alliance in the scenario declares (formed during the run)."""


def pacific_lon(lon: np.ndarray | float) -> np.ndarray:
    """Longitude in degrees east from 0 to 360 (the Pacific stays whole)."""
    return np.mod(lon, 360.0)


def _map_axes(ax: Axes, lat: np.ndarray, lon: np.ndarray) -> None:
    """Frame the points with a margin, at the aspect of their mean latitude."""
    ax.set_aspect(1.0 / np.cos(np.radians(np.mean(lat))))
    ax.set_xlim(lon.min() - 12, lon.max() + 12)
    ax.set_ylim(lat.min() - 10, lat.max() + 10)
    ax.set_xlabel("longitude (degrees east)")
    ax.set_ylabel("latitude (degrees north)")
    ax.grid(alpha=0.3)


def tie_kinds(scenario: Scenario) -> dict[tuple[int, int], str]:
    """Kind of the first declared alliance joining each pair ``(i, j)``, i < j."""
    kinds: dict[tuple[int, int], str] = {}
    for alliance in scenario.alliances:
        members = sorted(scenario.state_index(m) for m in alliance.members)
        for a, i in enumerate(members):
            for j in members[a + 1 :]:
                kinds.setdefault((i, j), alliance.kind)
    return kinds


def alliance_network(
    scenario: Scenario, world: World, *, ax: Axes | None = None
) -> Figure:
    """The tie network at a step, placed by the states' capitals.

    Edges join tied states (commitment > 0), styled by the kind of alliance
    behind the tie and as wide as the mean credibility of the two commitments;
    nodes are sized by capability (area proportional to the stock).

    Args:
        scenario: The scenario (capitals, alliances).
        world: The world at the step, one replication (R = 1).
        ax: Axes to draw on (a new figure if None).
    """
    ax = figure_axes(ax, size=(11, 5.5))
    capitals = np.array([s.capital for s in scenario.states])  # (N, 2)
    lat, lon = capitals[:, 0], pacific_lon(capitals[:, 1])
    tie, credibility = world.tie[0], world.credibility[0]  # (N, N)
    declared = tie_kinds(scenario)
    edges = [
        (i, j, declared.get((int(i), int(j)), EMERGENT))
        for i, j in zip(*np.nonzero(np.triu(tie, 1)), strict=True)
    ]
    for i, j, kind in edges:
        mean_credibility = (credibility[i, j] + credibility[j, i]) / 2
        ax.plot(
            lon[[i, j]],
            lat[[i, j]],
            linestyle=EDGE_STYLES.get(kind, "-"),
            color="0.45" if kind == EMERGENT else "0.15",
            linewidth=0.5 + 5 * mean_credibility,
            zorder=1,
        )
    capability = world.capability[0]  # (N,)
    sizes = 1500 * capability / capability.max()
    ax.scatter(lon, lat, s=sizes, c=colours(len(lat)), alpha=0.75, zorder=2)
    for k, state in enumerate(scenario.state_ids):
        ax.annotate(
            state,
            (lon[k], lat[k]),
            xytext=(0, 7),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize="small",
            zorder=3,
        )
    shown = sorted({kind for _, _, kind in edges})
    handles = [
        Line2D([], [], linestyle=EDGE_STYLES.get(k, "-"), color="0.15", label=k)
        for k in shown
    ]
    legend_outside(ax, handles=handles, title="tie (width: credibility)")
    _map_axes(ax, lat, lon)
    ax.set_title(f"Alliance network at step {world.step} (node area: capability)")
    return ax.figure


def circle(center: tuple[float, float], radius_km: float, points: int = 120):
    """Latitudes and longitudes (each (points,)) of a circle on the sphere."""
    lat1, lon1 = np.radians(center)
    bearing = np.linspace(0, 2 * np.pi, points)
    angle = radius_km / EARTH_RADIUS_KM
    lat2 = np.arcsin(
        np.sin(lat1) * np.cos(angle) + np.cos(lat1) * np.sin(angle) * np.cos(bearing)
    )
    lon2 = lon1 + np.arctan2(
        np.sin(bearing) * np.sin(angle) * np.cos(lat1),
        np.cos(angle) - np.sin(lat1) * np.sin(lat2),
    )
    return np.degrees(lat2), pacific_lon(np.degrees(lon2))


def a2ad_coverage(scenario: Scenario, *, ax: Axes | None = None) -> Figure:
    """A2/AD reach of each state that invests in it, over the theaters.

    For every launch area (declared sites, or the capital), a filled circle of
    the dense short-range class and a dashed circle of the long-range class
    (:mod:`sim.dynamics.a2ad`); theaters are marked and named.

    Args:
        scenario: The scenario (sites, capitals, theaters, A2/AD parameters).
        ax: Axes to draw on (a new figure if None).

    Raises:
        ValueError: No state of the scenario invests in A2/AD.
    """
    params = resolve_params(scenario, "a2ad")
    n = len(scenario.states)
    share = np.broadcast_to(params.a2ad_share, (n,))
    short = np.broadcast_to(params.short_range_km, (n,))
    long = np.broadcast_to(params.long_range_km, (n,))
    deniers = [i for i in range(n) if share[i] > 0]
    if not deniers:
        raise ValueError(
            f"{scenario.path}: no state invests in A2/AD (a2ad_share is 0 for "
            "all); set [state.a2ad] a2ad_share, as in scenarios/a2ad.toml"
        )
    ax = figure_axes(ax, size=(9, 6))
    lats, lons = [], []
    handles = []
    for i, colour in zip(deniers, colours(len(deniers)), strict=True):
        state = scenario.states[i]
        sites = [s.location for s in scenario.sites if s.state == state.id]
        for site in sites or [state.capital]:
            for radius, style, fill in ((short[i], "-", 0.25), (long[i], "--", 0.0)):
                lat, lon = circle(site, radius)
                ax.add_patch(
                    Polygon(
                        np.c_[lon, lat],
                        closed=True,
                        facecolor=colour if fill else "none",
                        alpha=fill or 1.0,
                        edgecolor=colour,
                        linestyle=style,
                    )
                )
                lats.append(lat)
                lons.append(lon)
            ax.plot(pacific_lon(site[1]), site[0], "^", color=colour)
        handles.append(
            Line2D(
                [],
                [],
                marker="^",
                color=colour,
                label=f"{state.id}: {short[i]:.0f} km dense, {long[i]:.0f} km sparse",
            )
        )
    for theater in scenario.theaters:
        lat, lon = theater.center[0], pacific_lon(theater.center[1])
        ax.plot(lon, lat, "x", color="black")
        ax.annotate(
            theater.name,
            (lon, lat),
            xytext=(4, 4),
            textcoords="offset points",
            fontsize="small",
        )
        lats.append(np.array([lat]))
        lons.append(np.array([lon]))
    handles.append(Line2D([], [], marker="x", ls="", color="black", label="theater"))
    ax.legend(handles=handles, fontsize="small", loc="lower left")
    _map_axes(ax, np.concatenate(lats), np.concatenate(lons))
    ax.set_title("A2/AD coverage (filled: dense short range; dashed: sparse long)")
    return ax.figure
