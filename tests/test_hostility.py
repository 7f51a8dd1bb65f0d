"""Hostility as a state: provocation, crises, arms growth, cooperation, time."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim import engine
from sim.dynamics import hostility
from sim.dynamics.hostility import Params, arms_growth, step_hostility
from sim.scenario import bundled_dir, load_scenario

START = np.array([[0.0, 0.5, 0.0], [0.5, 0.0, 0.0], [0.0, 0.0, 0.0]])
QUIET = np.zeros((1, 3, 3), dtype=np.int8)


def after(h, *, provocation=0.0, rung=QUIET, growth=None, met=None, dt=0.25):
    """Hostility after one step from ``h`` (1, 3, 3) with the default params."""
    growth = np.zeros((1, 3)) if growth is None else growth
    return step_hostility(h, START, provocation, rung, 5, growth, met, Params(), dt)


def held(dt: float) -> float:
    """A push of 1 per year over dt against relaxation: (1 - e^-rho dt) / rho."""
    rho = Params().relax_per_year
    return -np.expm1(-rho * dt) / rho


def test_hostility_relaxes_to_its_start_with_time():
    """With nothing happening, hostility returns to the scenario's."""
    h = np.full((1, 3, 3), 0.9) * (1 - np.eye(3))
    for _ in range(200):
        h = after(h)
    np.testing.assert_allclose(h[0], START, atol=1e-6)


def test_a_crisis_makes_even_friends_hostile_and_it_passes():
    """A crisis between non-rivals raises hostility; at peace it falls to exactly 0."""
    rung = QUIET.copy()
    rung[0, 0, 2] = rung[0, 2, 0] = 3
    h = after(START[None].copy(), rung=rung)
    assert h[0, 0, 2] == h[0, 2, 0] == pytest.approx(0.5 * 3 / 5 * held(0.25))
    for _ in range(40):
        h = after(h)
    assert h[0, 0, 2] == 0.0  # below the floor: none at all


def test_a_rivals_arms_growth_raises_hostility_of_its_rivals_only():
    """Jervis's spiral: j's growth alarms those already hostile to j."""
    growth = np.array([[0.0, 0.2, 0.0]])  # state 1 grows 20% a year
    h = after(START[None].copy(), growth=growth)
    assert h[0, 0, 1] == pytest.approx(0.5 + 0.2 * held(0.25))
    assert h[0, 2, 1] == 0.0  # 2 is no rival of 1
    assert h[0, 1, 0] == 0.5  # 0 did not grow


@pytest.mark.parametrize("events", [1, 2, 3])
def test_each_shared_event_softens_hostility(events):
    """Each relief or forum meeting a pair shares removes its share of hostility.

    The events fall mid-step, so what they remove relaxes back for half a step.
    """
    met = np.zeros((1, 3, 3), dtype=np.int32)
    met[0, 0, 1] = met[0, 1, 0] = events
    h = after(START[None].copy(), met=met)
    calm, rho = Params().cooperation_calm, Params().relax_per_year
    calmed = 0.5 * (1 - calm) ** events
    assert h[0, 0, 1] == pytest.approx(0.5 + (calmed - 0.5) * np.exp(-rho * 0.125))
    assert h[0, 0, 2] == after(START[None].copy())[0, 0, 2]  # they did not meet


def after_years(years: float, dt: float, events_a_step: int, calm: float) -> float:
    """Hostility 0.9 of a pair with ``H0`` 0.5 after ``years`` of shared events."""
    params = Params(cooperation_calm=calm, floor=0.0)
    start = np.array([[0.0, 0.5], [0.5, 0.0]])
    h = np.array([[[0.0, 0.9], [0.9, 0.0]]])
    met = np.full((1, 2, 2), events_a_step)
    for _ in range(round(years / dt)):
        h = step_hostility(
            h, start, 0.0, np.zeros((1, 2, 2)), 5, np.zeros((1, 2)), met, params, dt
        )
    return float(h[0, 0, 1])


@given(calm=st.floats(0.01, 0.2))
def test_events_a_quarter_calm_alike_at_quarterly_and_half_year_steps(calm):
    """A shared event mid-quarter: exact at quarterly steps, within 1.5% at half-year.

    Calmed at the step's end, the events' calm never relaxed back within the
    step, so longer steps calmed more (16% lower at half-year steps at 0.2).
    """
    rho = Params().relax_per_year
    h = 0.9
    for _ in range(8):  # two years of events at 0.125, 0.375, ... years
        h = 0.5 + (h - 0.5) * np.exp(-rho * 0.125)
        h = 0.5 + (h * (1 - calm) - 0.5) * np.exp(-rho * 0.125)
    quarterly = after_years(2.0, 0.25, 1, calm)
    assert quarterly == pytest.approx(h, rel=1e-9)
    assert after_years(2.0, 0.5, 2, calm) == pytest.approx(quarterly, rel=0.015)


@given(
    st.floats(0.0, 1.0),
    st.floats(0.0, 50.0),
    st.integers(0, 5),
    st.floats(0.0, 3.0),
    st.floats(0.01, 1.0),
)
def test_hostility_stays_in_bounds(h0, read, rung, growth, dt):
    """Whatever pushes it, hostility stays in [0, 1] with a zero diagonal."""
    h = np.full((1, 3, 3), h0) * (1 - np.eye(3))
    level = np.full((1, 3, 3), rung, dtype=np.int8) * (1 - np.eye(3, dtype=np.int8))
    out = after(
        h,
        provocation=np.full((1, 3, 3), read),
        rung=level,
        growth=np.full((1, 3), growth),
        dt=dt,
    )
    assert np.all((out >= 0) & (out <= 1))
    assert not np.diagonal(out, axis1=1, axis2=2).any()


def test_arms_growth_is_the_positive_log_growth_per_year():
    """Growth is ln(x'/x)/dt where spending rose, 0 where it fell or was 0."""
    got = arms_growth(
        np.array([[100.0, 100.0, 0.0]]), np.array([[110.0, 90.0, 5.0]]), 0.5
    )
    assert got[0].tolist() == pytest.approx([np.log(1.1) / 0.5, 0.0, 0.0])


def test_switched_off_hostility_stays_put():
    """With the mechanism off nothing moves it."""
    h = START[None] * 1.0
    rung = np.full((1, 3, 3), 4, dtype=np.int8)
    out = step_hostility(
        h, START, 1.0, rung, 5, np.ones((1, 3)), None, Params(enabled=False), 0.25
    )
    assert out is h


def test_baseline_hostility_and_spending_move():
    """In the baseline, crises move hostility and hostility moves spending."""
    setup = engine.build_setup(load_scenario(bundled_dir() / "baseline_2024.toml"))
    *_, world = engine.simulate(setup, seed=1, replications=np.arange(20), steps=20)
    assert not np.allclose(world.hostility, setup.hostility)
    start = np.array([s.milex_usd_m for s in setup.scenario.states])
    assert not np.allclose(world.milex, start)
    assert hostility.Params().enabled


@given(st.integers(1, 12), st.floats(0.0, 0.5), st.floats(0.0, 2.0))
def test_a_steady_push_gives_the_same_path_at_any_step_length(n, h0, rho):
    """N steps of dt/n under a constant crisis reach what one step of dt does."""
    start = np.array([[0.0, h0], [h0, 0.0]])
    rung = np.array([[[0, 2], [2, 0]]], dtype=np.int8)
    params = Params(relax_per_year=rho, floor=0.0)

    def run(steps, dt):
        h = start[None].copy()
        for _ in range(steps):
            h = step_hostility(
                h, start, 0.0, rung, 5, np.zeros((1, 2)), None, params, dt
            )
        return h

    np.testing.assert_allclose(run(n, 1.0 / n), run(1, 1.0), rtol=1e-9, atol=1e-12)


@given(
    st.floats(0.0, 1.0),
    st.floats(0.0, 1.0),
    st.floats(0.0, 2.0),
    st.integers(0, 4),
    st.floats(0.0, 0.5),
    st.floats(0.0, 0.5),
)
def test_a_crisis_moves_hostility_alike_in_one_stretch_or_two(h, h0, rho, rung, t1, t2):
    """The drift between decision opportunities composes: t1 then t2 is t1 + t2."""
    params = Params(relax_per_year=rho)
    once = hostility.drift(np.array(h), h0, rung, 5, t1 + t2, params)
    first = hostility.drift(np.array(h), h0, rung, 5, t1, params)
    twice = hostility.drift(first, h0, rung, 5, t2, params)
    assert twice == pytest.approx(once, rel=1e-9, abs=1e-12)


@given(st.floats(0.0, 0.5), st.floats(0.0, 2.0), st.integers(1, 4), st.floats(0.01, 1))
def test_a_crisis_held_through_a_step_drifts_where_the_step_takes_it(h0, rho, k, dt):
    """Within the step a crisis's hostility reaches what the step's end gives."""
    start = np.array([[0.0, h0], [h0, 0.0]])
    rung = np.array([[[0, k], [k, 0]]], dtype=np.int8)
    params = Params(relax_per_year=rho, floor=0.0)
    growth = np.zeros((1, 2))
    stepped = step_hostility(start[None], start, 0.0, rung, 5, growth, None, params, dt)
    drifted = hostility.drift(np.array(h0), h0, k, 5, dt, params)
    assert stepped[0, 0, 1] == pytest.approx(min(float(drifted), 1.0), rel=1e-9)


def test_switched_off_hostility_does_not_drift():
    """With the mechanism off a crisis leaves its hostility where it was."""
    h = np.array([0.3, 0.7])
    assert hostility.drift(h, 0.5, 4, 5, 1.0, Params(enabled=False)) is h
