"""The Earth on a flat page: Equal Earth projection, great circles, coastlines.

Every map of :mod:`sim.plots.geography` is drawn in the Equal Earth projection
(Šavrič, Patterson and Jenny 2018, *Int. J. Geogr. Inf. Sci.* 33(3)), an
equal-area pseudocylindrical projection. With latitude ``phi``, longitude
``lambda`` from the central meridian and ``sin(theta) = sqrt(3)/2 sin(phi)``::

    x = R * 2 sqrt(3) lambda cos(theta) / (3 (9 A4 theta^8 + 7 A3 theta^6
                                              + 3 A2 theta^2 + A1))
    y = R * (A4 theta^9 + A3 theta^7 + A2 theta^3 + A1 theta)

with ``A1 = 1.340264``, ``A2 = -0.081106``, ``A3 = 0.000893``, ``A4 = 0.003796``.
Centred on the Pacific (the central meridian is chosen to hold every place of a
scenario, :func:`central_meridian`), Moscow, Washington and Wellington all fit
on one map with Asia in the middle.

Lines on the map follow the sphere the model measures distance on
(:func:`sim.dynamics.a2ad.great_circle_km`, radius ``EARTH_RADIUS_KM``):
alliance ties are great-circle arcs and A2/AD reach is a geodesic circle.

Land is Natural Earth's 1:110m Admin 0 countries (public domain), shipped in
``sim/plots/data/ne_110m_countries.npz`` (source in ``scenarios/data/SOURCES.md``):
nothing is downloaded when a map is drawn.
"""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from sim.dynamics.a2ad import EARTH_RADIUS_KM

A1, A2, A3, A4 = 1.340264, -0.081106, 0.000893, 0.003796
"""Equal Earth's polynomial coefficients (Šavrič et al. 2018, eq. 2)."""
LAND_FILE = Path(__file__).parent / "data" / "ne_110m_countries.npz"


def relative_lon(lon: np.ndarray | float, central: float) -> np.ndarray:
    """Longitude east of the central meridian, in degrees from -180 to 180."""
    return np.mod(np.asarray(lon, dtype=float) - central + 180.0, 360.0) - 180.0


def continuous_lon(lon: np.ndarray, central: float) -> np.ndarray:
    """Relative longitudes of a path without jumps of 360 degrees.

    A line or ring that crosses the map's edge (the antimeridian of the central
    meridian) keeps going past it instead of jumping across the map; the axes
    clip what lies outside. The path is shifted by whole turns so that its
    middle lies on the map.
    """
    rel = np.degrees(np.unwrap(np.radians(relative_lon(lon, central))))
    middle = (rel.min() + rel.max()) / 2
    return rel - 360.0 * np.round(middle / 360.0)


def equal_earth(lat: np.ndarray, rel_lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Equal Earth coordinates in km of points in degrees (see the module).

    Args:
        lat: Latitudes, degrees north.
        rel_lon: Longitudes east of the central meridian, degrees.

    Returns:
        ``x`` and ``y`` in km, the shape of the inputs broadcast.
    """
    theta = np.arcsin(np.sqrt(3.0) / 2.0 * np.sin(np.radians(lat)))
    t2 = theta * theta
    t6 = t2**3
    x = (
        2.0
        * np.sqrt(3.0)
        * np.radians(rel_lon)
        * np.cos(theta)
        / (3.0 * (9.0 * A4 * t6 * t2 + 7.0 * A3 * t6 + 3.0 * A2 * t2 + A1))
    )
    y = theta * (A1 + A2 * t2 + t6 * (A3 + A4 * t2))
    return EARTH_RADIUS_KM * x, EARTH_RADIUS_KM * y


@dataclass(frozen=True)
class Projection:
    """Equal Earth centred on a meridian; call it on latitudes and longitudes.

    Attributes:
        central_lon: The central meridian, degrees east.
    """

    central_lon: float

    def __call__(
        self, lat: np.ndarray | float, lon: np.ndarray | float, *, path: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """Map coordinates in km of points (``path``: of one connected line)."""
        lon = np.asarray(lon, dtype=float)
        if path:
            rel = continuous_lon(lon, self.central_lon)
        else:
            rel = relative_lon(lon, self.central_lon)
        return equal_earth(np.asarray(lat, dtype=float), rel)


def central_meridian(lons: np.ndarray) -> float:
    """The meridian in the middle of the shortest arc holding every longitude.

    The arc is the circle less its widest empty gap, so places spread over the
    Pacific (Moscow to Washington by way of Asia) are centred on the Pacific.
    """
    east = np.sort(np.mod(np.asarray(lons, dtype=float), 360.0))
    gaps = np.diff(np.append(east, east[0] + 360.0))
    widest = int(np.argmax(gaps))
    start = east[(widest + 1) % len(east)]
    span = 360.0 - gaps[widest]
    return float(np.mod(start + span / 2.0, 360.0))


def great_circle(
    a: tuple[float, float], b: tuple[float, float], points: int = 64
) -> tuple[np.ndarray, np.ndarray]:
    """Latitudes and longitudes (each (points,)) along the shortest arc a to b.

    Spherical linear interpolation between the unit vectors of ``[lat, lon]``
    points ``a`` and ``b``: ``p(t) = (sin((1-t) w) a + sin(t w) b) / sin(w)``
    with ``w`` the angle between them. Antipodal points have no one shortest
    arc: the result is then meaningless (capitals never are antipodes).
    """
    u, v = _unit(a), _unit(b)
    # atan2 of |u x v| and u . v keeps tiny angles that arccos(u . v) rounds to 0
    angle = np.arctan2(np.linalg.norm(np.cross(u, v)), u @ v)
    t = np.linspace(0.0, 1.0, points)[:, None]
    if angle < 1e-12:
        xyz = np.repeat(u[None, :], points, axis=0)
    else:
        xyz = (np.sin((1 - t) * angle) * u + np.sin(t * angle) * v) / np.sin(angle)
    lat = np.degrees(np.arcsin(np.clip(xyz[:, 2], -1.0, 1.0)))
    lon = np.degrees(np.arctan2(xyz[:, 1], xyz[:, 0]))
    return lat, lon


def _unit(point: tuple[float, float]) -> np.ndarray:
    lat, lon = np.radians(point)
    return np.array([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def circle(
    center: tuple[float, float], radius_km: float, points: int = 120
) -> tuple[np.ndarray, np.ndarray]:
    """Latitudes and longitudes (each (points,)) of a geodesic circle.

    Every point lies ``radius_km`` along the sphere from ``center`` (the
    destination-point formula for bearings 0 to 360 degrees).
    """
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
    return np.degrees(lat2), np.degrees(lon2)


@cache
def land() -> tuple[tuple[str, np.ndarray, np.ndarray], ...]:
    """Natural Earth 1:110m land: one ``(iso3, lat, lon)`` per polygon ring.

    Read once from the shipped file (coordinates stored to 0.01 degree);
    ``iso3`` is the country's ISO 3166-1 alpha-3 code (``-99`` where Natural
    Earth gives none).
    """
    with np.load(LAND_FILE, allow_pickle=False) as data:
        lonlat = data["lonlat_centideg"].astype(float) / 100.0
        lengths = data["ring_lengths"]
        codes = data["iso3"]
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    return tuple(
        (str(code), lonlat[s : s + n, 1], lonlat[s : s + n, 0])
        for code, s, n in zip(codes, starts, lengths, strict=True)
    )
