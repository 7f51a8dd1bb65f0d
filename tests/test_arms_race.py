"""Richardson's arms race: analytic results, regimes, the cap and the stock."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim import engine
from sim.dynamics import arms_race
from sim.scenario import bundled_dir, load_scenario
from tests.conftest import pair_toml

DT = 0.25


def coefficients(k: float, a: float, g: float, x0: float, share: float = 1.0) -> str:
    """Lines that give one state Richardson's coefficients and starting spending."""
    return f"""
[state.arms_race]
reaction_per_year = {k}
fatigue_per_year = {a}
grievance_usd_m_per_year = {g}
max_share_gdp = {share}
""".replace("[state.arms_race]", f"milex_usd_m_start = {x0}\n[state.arms_race]")


def richardson(write_scenario, k, a, g, l, b, h, x0, y0, steps, share=1.0):
    """The two-state pair with Richardson's coefficients, loaded."""
    text = pair_toml(
        steps=steps,
        red=coefficients(k, a, g, x0, share),
        blue=coefficients(l, b, h, y0, share),
        extra="[mechanisms.hostility]\nenabled = false  # fixed H: Richardson's case",
    )
    text = text.replace("milex_usd_m = 100.0\n", "").replace("milex_usd_m = 50.0\n", "")
    return load_scenario(
        write_scenario(text.replace("milex_usd_m_start", "milex_usd_m"))
    )


def trajectory(scenario, steps: int) -> np.ndarray:
    """Spending of both states over ``steps`` engine steps, shape (steps+1, 2)."""
    setup = engine.build_setup(scenario)
    worlds = engine.simulate(setup, seed=0, replications=np.array([0]), steps=steps)
    return np.array([w.milex[0] for w in worlds])


def euler(k, a, g, l, b, h, x0, y0, steps):
    """Richardson's equations stepped by explicit Euler, written out by hand."""
    x, y = x0, y0
    out = [(x, y)]
    for _ in range(steps):
        x, y = x + DT * (k * y - a * x + g), y + DT * (l * x - b * y + h)
        out.append((x, y))
    return np.array(out)


def test_two_states_are_exactly_richardsons_euler_step(write_scenario):
    """With two states the engine reproduces Euler's recursion bit for bit."""
    c = dict(k=0.2, a=0.5, g=10.0, l=0.5, b=0.6, h=20.0, x0=20.0, y0=30.0)
    scenario = richardson(write_scenario, **c, steps=40)
    assert np.array_equal(trajectory(scenario, 40), euler(**c, steps=40))


def test_stable_regime_converges_to_the_analytic_equilibrium(write_scenario):
    """When a*b > k*l spending settles at x*=(kh+bg)/(ab-kl), y*=(lg+ah)/(ab-kl)."""
    k, a, g, l, b, h = 0.2, 0.5, 10.0, 0.5, 0.6, 20.0
    scenario = richardson(write_scenario, k, a, g, l, b, h, 20.0, 30.0, steps=400)
    x_star = (k * h + b * g) / (a * b - k * l)
    y_star = (l * g + a * h) / (a * b - k * l)
    np.testing.assert_allclose(
        trajectory(scenario, 400)[-1], [x_star, y_star], rtol=1e-9
    )


def test_runaway_regime_grows_until_the_budget_cap_binds(write_scenario):
    """When a*b < k*l spending grows without bound, so it ends at the cap."""
    scenario = richardson(
        write_scenario, 0.9, 0.1, 1.0, 0.8, 0.1, 1.0, 20.0, 30.0, steps=200, share=0.05
    )
    path = trajectory(scenario, 200)
    assert (np.diff(path, axis=0) >= 0).all()
    cap = 0.05 * 100000.0
    np.testing.assert_array_equal(path[-1], [cap, cap])
    assert (path[:5] < cap).all()


@given(
    x=st.floats(0, 1e6),
    y=st.floats(0, 1e6),
    k=st.floats(0, 2),
    a=st.floats(0, 2),
    g=st.floats(-1e3, 1e3),
)
def test_budget_target_is_the_euler_step_at_equal_constant_gdp(x, y, k, a, g):
    """For any coefficients the doctrine's target is ``x + dt*(k*y - a*x + g)``."""
    params = arms_race.Params(reaction_per_year=k, fatigue_per_year=a)
    milex = np.array([[x, y]])
    gdp = np.full((1, 2), 1e7)
    hostile = np.array([[[0.0, 1.0], [1.0, 0.0]]])
    threat = arms_race.perceived_threat(milex, gdp, hostile)
    target = arms_race.budget_target(
        milex, threat, np.array([g, g]), np.ones((1, 2)), params, DT
    )
    assert target[0, 0] == x + DT * (k * y - a * x + g)


@given(
    burden=st.floats(0.001, 0.2),
    rival=st.floats(0.001, 0.2),
    gdp=st.floats(1e3, 1e8),
    growth=st.floats(-0.1, 0.3),
    k=st.floats(0, 2),
    a=st.floats(0, 2),
)
def test_budget_target_is_the_euler_step_of_the_burden(
    burden, rival, gdp, growth, k, a
):
    """In burdens the step is ``b' = b + dt*(k*b_rival - a*b)``, times next GDP."""
    params = arms_race.Params(reaction_per_year=k, fatigue_per_year=a)
    gdps = np.array([[gdp, 3.0 * gdp]])
    milex = np.array([[burden, rival]]) * gdps
    hostile = np.array([[[0.0, 1.0], [1.0, 0.0]]])
    threat = arms_race.perceived_threat(milex, gdps, hostile)
    factor = np.exp(growth * DT)
    target = arms_race.budget_target(
        milex, threat, np.zeros((1, 2)), np.full((1, 2), factor), params, DT
    )
    expected = (burden + DT * (k * rival - a * burden)) * gdp * factor
    assert target[0, 0] == pytest.approx(expected, rel=1e-9, abs=1e-9)


@given(milex=st.lists(st.floats(0, 1e6), min_size=3, max_size=3))
def test_spending_stays_within_zero_and_the_cap(milex):
    """Applying a budget never leaves [0, share * GDP]."""
    params = arms_race.Params(max_share_gdp=0.1)
    target = np.array([milex]) - 5e5
    applied = arms_race.apply_budget(target, np.full((1, 3), 1e6), params)
    assert ((applied >= 0) & (applied <= 1e5)).all()


def test_capability_stock_is_steady_under_constant_spending():
    """Starting at x/delta, a constant spending keeps the stock where it is."""
    params = arms_race.Params(depreciation_per_year=0.1)
    milex = np.array([[100.0, 40.0]])
    stock = arms_race.initial_capability(milex, params)
    np.testing.assert_allclose(
        arms_race.step_capability(stock, milex, params, DT), stock, rtol=1e-12
    )


def test_steady_start_makes_the_starting_spending_a_fixed_point(write_scenario):
    """With steady_start the start is a fixed point: it moves once hostility does."""
    steady = "[mechanisms.arms_race]\nsteady_start = true\n"
    fixed = steady + "[mechanisms.hostility]\nenabled = false\n"
    path = trajectory(
        load_scenario(write_scenario(pair_toml(steps=20, extra=fixed))), 20
    )
    np.testing.assert_allclose(path, np.tile([100.0, 50.0], (21, 1)), rtol=1e-12)
    half = pair_toml(steps=20, extra=steady).replace(  # room for hostility to rise
        'theater = "border"\n', 'theater = "border"\nhostility = 0.5\n'
    )
    moving = trajectory(load_scenario(write_scenario(half)), 20)
    assert not np.allclose(moving, path)  # crises raised hostility, hence spending


def test_more_hostility_means_more_threat():
    """Perceived threat rises with hostility weights (the security dilemma)."""
    milex = np.array([[100.0, 80.0, 60.0]])
    low = np.full((1, 3, 3), 0.2) * (1 - np.eye(3))
    high = low * 2
    gdp = np.array([[1e4, 2e4, 3e4]])
    assert (
        arms_race.perceived_threat(milex, gdp, high)
        > arms_race.perceived_threat(milex, gdp, low)
    ).all()


def test_bundled_richardson_scenario_is_richardsons_euler_step():
    """scenarios/richardson_two_state.toml follows Euler's recursion bit for bit."""
    scenario = load_scenario(bundled_dir() / "richardson_two_state.toml")
    red, blue = (s.overrides["arms_race"] for s in scenario.states)
    x0, y0 = (s.milex_usd_m for s in scenario.states)
    steps = scenario.info.steps
    expected = euler(
        red["reaction_per_year"], red["fatigue_per_year"],
        red["grievance_usd_m_per_year"], blue["reaction_per_year"],
        blue["fatigue_per_year"], blue["grievance_usd_m_per_year"], x0, y0, steps,
    )  # fmt: skip
    assert np.array_equal(trajectory(scenario, steps), expected)
