"""The map's geometry: Equal Earth, great circles, geodesic circles, the land."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from sim.dynamics.a2ad import EARTH_RADIUS_KM, great_circle_km
from sim.plots.projection import (
    Projection,
    central_meridian,
    circle,
    continuous_lon,
    equal_earth,
    great_circle,
    land,
)

latitudes = st.floats(-80, 80)
longitudes = st.floats(-180, 180)


def test_equal_earth_published_extremes():
    """The pole lies at y = 1.317363 R and the equator's end at x = 2.706667 R."""
    _, y = equal_earth(np.array(90.0), np.array(0.0))
    x, _ = equal_earth(np.array(0.0), np.array(180.0))
    assert y / EARTH_RADIUS_KM == pytest.approx(1.3173627591574, rel=1e-9)
    assert x / EARTH_RADIUS_KM == pytest.approx(2 * np.sqrt(3) * np.pi / (3 * 1.340264))


@given(st.floats(-75, 70))
def test_equal_earth_keeps_areas(south):
    """A 5x5 degree cell covers the same share of the map as of the sphere."""

    def area(lat0):
        lat = np.array([lat0, lat0, lat0 + 5, lat0 + 5])
        x, y = equal_earth(lat, np.array([0, 5, 5, 0.0]))
        return 0.5 * abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1)))

    sphere = np.sin(np.radians(south + 5)) - np.sin(np.radians(south))
    equator = np.sin(np.radians(5.0))
    # the cell's sides are curves, its corners' polygon is within 0.1%
    assert area(south) / area(0.0) == pytest.approx(sphere / equator, rel=1e-3)


def test_pacific_centre_keeps_washington_east_of_tokyo():
    """Centred on the Pacific, Moscow is west, Washington east, of Asia."""
    lons = np.array([37.6, 139.8, -77.0, 174.8])  # Moscow, Tokyo, Washington, NZ
    centre = central_meridian(lons)
    assert 150 < centre < 170
    x, _ = Projection(centre)(np.array([55.6, 35.7, 38.9, -41.3]), lons)
    assert x[0] < x[1] < x[2]


@given(latitudes, longitudes, latitudes, longitudes)
def test_great_circle_is_the_shortest_path(lat1, lon1, lat2, lon2):
    """The arc's pieces add up to the great-circle distance of its ends."""
    whole = great_circle_km(np.array([lat1, lon1]), np.array([lat2, lon2]))
    assume(whole < 0.99 * np.pi * EARTH_RADIUS_KM)  # antipodes: no one shortest arc
    lat, lon = great_circle((lat1, lon1), (lat2, lon2), points=50)
    path = np.c_[lat, lon]
    pieces = great_circle_km(path[:-1], path[1:]).sum()
    assert pieces == pytest.approx(whole, abs=1e-6)
    np.testing.assert_allclose(path[0], [lat1, lon1], atol=1e-9)


def test_circle_keeps_its_radius():
    """Every point of a coverage circle lies the radius from its centre."""
    lat, lon = circle((25.0, 120.0), 1500.0)
    distance = great_circle_km(np.c_[lat, lon], np.array([25.0, 120.0]))
    np.testing.assert_allclose(distance, 1500.0, rtol=1e-9)


def test_a_path_across_the_edge_does_not_jump():
    """A line over the antimeridian of the centre goes on past the map's edge."""
    rel = continuous_lon(np.array([-15.0, -25.0, -35.0]), central=160.0)
    assert np.all(np.abs(np.diff(rel)) == 10.0)


def test_land_is_natural_earth_countries():
    """The shipped land holds the region's countries, closed rings in degrees."""
    rings = land()
    codes = {code for code, _, _ in rings}
    assert {"USA", "CHN", "JPN", "TWN", "AUS", "RUS", "PHL", "IDN"} <= codes
    for _, lat, lon in rings:
        assert np.all(np.abs(lat) <= 90) and np.all(np.abs(lon) <= 180)
        np.testing.assert_allclose([lat[0], lon[0]], [lat[-1], lon[-1]])
    japan = np.concatenate([lat for code, lat, _ in rings if code == "JPN"])
    assert 24 < japan.min() < japan.max() < 46
