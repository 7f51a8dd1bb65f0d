"""A2/AD geography: great-circle distances, Boulding's gradient, coverage, denial."""

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim import engine
from sim.dynamics import a2ad
from sim.scenario import ScenarioError, bundled_dir, load_scenario
from tests.conftest import pair_toml

# Published great-circle distances. AOJ "Distance Between Two Cities" (mirrored at
# https://www.openjudges.com/p/D4531) on a sphere of radius 6378.1 km, rounded to km:
# Tokyo (35.68, 139.77) - London (51.15, -0.18): 9609 km;
# Singapore (1.37, 103.92) - Chicago (41.78, -87.75): 15092 km;
# London (51.15, -0.18) - Buenos Aires (-34.58, -58.48): 11112 km.
AOJ_RADIUS_KM = 6378.1
AOJ_CASES = [
    ((35.68, 139.77), (51.15, -0.18), 9609),
    ((1.37, 103.92), (41.78, -87.75), 15092),
    ((51.15, -0.18), (-34.58, -58.48), 11112),
]


@pytest.mark.parametrize(("a", "b", "published_km"), AOJ_CASES)
def test_great_circle_matches_published_distances(a, b, published_km):
    """Haversine distances equal published ones once the sphere radius is matched."""
    ours = a2ad.great_circle_km(np.array(a), np.array(b))
    assert round(float(ours) * AOJ_RADIUS_KM / a2ad.EARTH_RADIUS_KM) == published_km


def test_great_circle_waterloo_cairo_to_the_metre():
    """Waterloo-Cairo: 9,293,521 m on a 6,371,009 m sphere (acmicpc.net 4167)."""
    ours_m = 1000 * a2ad.great_circle_km(
        np.array([43.466667, -80.516667]), np.array([30.058056, 31.228889])
    )
    assert abs(float(ours_m) * 6371009 / (1000 * a2ad.EARTH_RADIUS_KM) - 9293521) < 1


def test_great_circle_analytic_cases():
    """Pole to equator is a quarter circumference; antipodes half; a point zero."""
    quarter = np.pi / 2 * a2ad.EARTH_RADIUS_KM
    pts = np.array([[90.0, 0.0], [0.0, 0.0], [0.0, 180.0], [12.3, 45.6]])
    d = a2ad.great_circle_km(pts[:, None, :], pts[None, :, :])
    assert d[0, 1] == pytest.approx(quarter)
    assert d[1, 2] == pytest.approx(2 * quarter)
    assert np.allclose(np.diag(d), 0.0)
    assert np.allclose(d, d.T)


@given(
    st.floats(0.0, 30000.0),
    st.floats(0.0, 30000.0),
    st.floats(1.0, 20000.0),
)
def test_loss_of_strength_falls_monotonically(d1, d2, half):
    """Projected strength never rises with distance, is 1 at home and 1/2 at d_half."""
    near, far = sorted((d1, d2))
    assert a2ad.loss_of_strength(far, half) <= a2ad.loss_of_strength(near, half)
    assert a2ad.loss_of_strength(0.0, half) == 1.0
    assert a2ad.loss_of_strength(half, half) == pytest.approx(0.5)


def test_projected_power_falls_with_distance_theater_by_theater():
    """Farther theaters get less of the same capability, with or without denial."""
    distance = np.array([[0.0, 500.0, 2000.0, 9000.0]])  # (N=1, T=4)
    capability = np.array([[1000.0], [50.0]])  # (R=2, N=1)
    denied = np.full((2, 1, 4), 0.3)
    p = a2ad.projected_power(capability, distance, denied, a2ad.Params())
    assert np.all(np.diff(p, axis=2) < 0)
    assert p[0, 0, 0] == pytest.approx(1000.0 * 0.7)


def denier_and_outsider(params: a2ad.Params, counter: float = 0.0) -> np.ndarray:
    """Denial met by [denier, outsider, ally] in three theaters at 0/2000/5000 km."""
    site_km = np.array([[0.0, 2000.0, 5000.0], [9e9] * 3, [9e9] * 3])  # (N=3, T=3)
    cover = a2ad.coverage(site_km, params)
    exempt = np.eye(3, dtype=bool)[None] | np.array(
        [[False, False, True], [False, False, False], [True, False, False]]
    )
    a2ad_stock = np.array([[100.0, 0.0, 0.0]])
    counter_stock = np.array([[0.0, counter, 0.0]])
    return a2ad.denial(cover, a2ad_stock, counter_stock, exempt, params)


def test_denial_by_range_class_and_exemptions():
    """Short class denies fully, long class by its weight, beyond range nothing."""
    params = a2ad.Params(
        max_denial=0.6, long_range_weight=0.5, half_denial_stock_usd_m=0.0
    )
    d = denier_and_outsider(params)
    assert d[0, 1].tolist() == pytest.approx([0.6, 0.3, 0.0])
    assert d[0, 0].tolist() == [0.0, 0.0, 0.0]  # the denier itself
    assert d[0, 2].tolist() == [0.0, 0.0, 0.0]  # its exempt ally


@given(st.floats(0.0, 1.0), st.floats(0.0, 1.0), st.floats(0.0, 1e6))
def test_denial_is_bounded_by_max_denial(max_denial, weight, counter):
    """Denial stays within [0, max_denial] whatever the stocks and weights."""
    params = a2ad.Params(max_denial=max_denial, long_range_weight=weight)
    d = denier_and_outsider(params, counter)
    assert np.all(d >= 0.0)
    assert np.all(d <= max_denial + 1e-15)


def test_counter_investment_wins_back_projection():
    """More counter-A2/AD stock means strictly less denial in covered theaters."""
    params = a2ad.Params(half_denial_stock_usd_m=0.0)
    met = [denier_and_outsider(params, c)[0, 1, 0] for c in (0.0, 50.0, 100.0, 1e4)]
    assert all(a > b for a, b in itertools.pairwise(met))
    assert met[2] == pytest.approx(params.max_denial / 2)


def test_zero_range_changes_nothing():
    """With both ranges at 0 km no theater off the sites is denied: power untouched."""
    params = a2ad.Params(short_range_km=0.0, long_range_km=0.0)
    denied = denier_and_outsider(params)[:, :, 1:]  # theaters 2000 and 5000 km out
    capability = np.array([[10.0, 20.0, 30.0]])
    distance = np.full((3, 2), 1000.0)
    untouched = a2ad.projected_power(capability, distance, np.zeros((1, 3, 2)), params)
    assert np.array_equal(
        a2ad.projected_power(capability, distance, denied, params), untouched
    )


def test_disabled_mechanism_denies_nothing():
    """The ``enabled`` switch off gives zero denial everywhere."""
    assert not denier_and_outsider(a2ad.Params(enabled=False)).any()


def test_nearest_site_uses_sites_else_capital():
    """A state with sites launches from the nearest one; without, from its capital."""
    home = np.array([[0.0, 0.0], [0.0, 50.0]])
    sites = [np.array([[0.0, 9.0], [0.0, 20.0]]), np.zeros((0, 2))]
    points = np.array([[0.0, 10.0]])
    d = a2ad.nearest_site_km(home, sites, points)
    one_degree = a2ad.great_circle_km(np.array([0.0, 0.0]), np.array([0.0, 1.0]))
    assert d[0, 0] == pytest.approx(one_degree)
    assert d[1, 0] == pytest.approx(40 * one_degree)


def test_patron_credibility_falls_inside_a_denial_zone():
    """An ally discounts its patron by the denial the patron meets at its capital."""
    cred = np.full((1, 2, 2), 0.8)
    denial_at = np.array([[[0.0, 0.5], [0.0, 0.0]]])  # patron 0 denied at capital 1
    out = a2ad.credibility_under_denial(cred, denial_at)
    assert out[0, 1, 0] == pytest.approx(0.4)  # state 1's view of patron 0
    assert out[0, 0, 1] == pytest.approx(0.8)


def test_step_stock_reaches_share_over_depreciation():
    """The stock converges to ``share * milex / delta`` under steady spending."""
    stock = np.zeros((1, 1))
    for _ in range(400):
        stock = a2ad.step_stock(stock, np.array([[100.0]]), 0.2, 0.1, 0.25)
    assert stock[0, 0] == pytest.approx(200.0, rel=1e-3)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("short_range_km = -1.0", "mechanisms.a2ad.short_range_km: -1.0 is below 0"),
        ("max_denial = 1.5", "mechanisms.a2ad.max_denial: 1.5 is above 1.0"),
    ],
)
def test_bad_a2ad_parameter_is_named(write_scenario, line, expected):
    """A negative range or an impossible denial is reported with its field path."""
    text = pair_toml(extra=f"[mechanisms.a2ad]\n{line}\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(write_scenario(text))
    assert any(expected in p for p in info.value.problems)


def test_site_out_of_range_is_named(write_scenario):
    """A site's latitude beyond 90 degrees is reported with its field path."""
    text = pair_toml(
        extra='[[a2ad_site]]\nstate = "RED"\nname = "x"\nlocation = [91.0, 0.0]\n'
    )
    with pytest.raises(ScenarioError) as info:
        load_scenario(write_scenario(text))
    assert any(
        "a2ad_site[0].location[0]: 91.0 is above 90.0" in p for p in info.value.problems
    )


def test_denial_grows_with_the_deniers_stock_under_half_saturation():
    """With a half-saturation stock, a bigger arsenal denies more, half at S."""
    params = a2ad.Params(half_denial_stock_usd_m=100.0, max_denial=0.8)
    cover = np.array([[1.0], [0.0]])  # (N=2, T=1): state 0 covers the theater
    exempt = np.eye(2, dtype=bool)[None]
    met = [
        a2ad.denial(cover, np.array([[a, 0.0]]), np.zeros((1, 2)), exempt, params)
        for a in (0.0, 50.0, 100.0, 1000.0)
    ]
    values = [m[0, 1, 0] for m in met]
    assert all(a < b for a, b in itertools.pairwise(values))
    assert values[2] == pytest.approx(0.4)


def test_initial_stock_is_the_built_share_of_the_steady_stock():
    """``initial_build`` scales the starting stock; 1 is the steady ``s x / delta``."""
    milex = np.array([[100.0, 50.0]])
    params = a2ad.Params(initial_build=np.array([0.25, 1.0]))
    stock = a2ad.initial_stock(milex, 0.2, 0.1, params)
    assert stock[0].tolist() == pytest.approx([50.0, 100.0])
    steady = a2ad.step_stock(stock[:, 1:], milex[:, 1:], 0.2, 0.1, 0.25)
    assert steady[0, 0] == pytest.approx(100.0)


def test_a2ad_is_bought_out_of_conventional_capability():
    """China's capability falls as its A2/AD share rises; the total stock holds."""
    base = bundled_dir() / "baseline_2024.toml"
    worlds = []
    for share in (0.0, 0.3):
        scenario = load_scenario(base, overrides={"state.CHN.a2ad.a2ad_share": share})
        setup = engine.build_setup(scenario)
        *_, world = engine.simulate(setup, seed=1, replications=np.arange(2), steps=4)
        worlds.append((world, scenario.state_index("CHN")))
    (w0, c), (w3, _) = worlds
    assert w3.capability[0, c] < 0.75 * w0.capability[0, c]
    assert w3.a2ad_stock[0, c] > 0 == w0.a2ad_stock[0, c]


def test_shares_above_the_whole_budget_are_refused():
    """a2ad_share + counter_share above 1 names the state and both fields."""
    base = bundled_dir() / "baseline_2024.toml"
    shares = {"state.CHN.a2ad.a2ad_share": 0.7, "state.CHN.a2ad.counter_share": 0.5}
    with pytest.raises(
        ScenarioError, match=r"state\[CHN\].a2ad: a2ad_share \+ counter"
    ):
        engine.build_setup(load_scenario(base, overrides=shares))


def test_a_small_arsenal_denies_little_by_default():
    """With the default half-denial stock, a stock of 1% of it denies under 1%."""
    params = a2ad.Params()
    assert params.half_denial_stock_usd_m > 0
    small = np.array([[0.01 * params.half_denial_stock_usd_m, 0.0]])
    cover = np.ones((2, 1))
    met = a2ad.denial(
        cover, small, np.zeros((1, 2)), np.eye(2, dtype=bool)[None], params
    )
    assert met[0, 1, 0] < 0.01 * params.max_denial


def test_exempt_from_denial_spares_self_and_friends_not_tied_rivals():
    """A denier spares itself and tied friends, but not a tied state hostile to it."""
    tie = np.array([[[0, 1.0, 1.0], [1.0, 0, 0], [1.0, 0, 0]]])
    hostility = np.zeros((1, 3, 3))
    hostility[0, 0, 2] = hostility[0, 2, 0] = 0.5
    exempt = a2ad.exempt_from_denial(tie, hostility)
    assert exempt[0].tolist() == [
        [True, True, False],
        [True, True, False],
        [False, False, True],
    ]
