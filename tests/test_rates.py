"""Continuous-time rates over one step: Poisson hazard and exponential fading."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.dynamics.rates import fade, first_event, hazard, toward


@given(st.floats(0.0, 20.0), st.floats(0.01, 1.0))
def test_hazard_is_the_poisson_chance_of_an_event(rate, dt):
    """``1 - exp(-rate dt)``: zero at rate 0, below 1, and rising with the rate."""
    chance = hazard(rate, dt)
    assert chance == pytest.approx(1.0 - np.exp(-rate * dt), abs=1e-12)
    assert 0.0 <= chance < 1.0
    assert hazard(rate + 1.0, dt) >= chance


def test_two_half_steps_compound_to_one_step():
    """The chance of no event over two half steps is that over one whole step."""
    rate = np.array([0.0, 0.4, 2.0])
    whole = 1.0 - hazard(rate, 0.5)
    halves = (1.0 - hazard(rate, 0.25)) ** 2
    np.testing.assert_allclose(halves, whole)


@given(
    st.floats(-5.0, 5.0),
    st.floats(-5.0, 5.0),
    st.floats(0.0, 10.0),
    st.floats(0.0, 2.0),
)
def test_toward_closes_the_gap_exactly_and_halves_compound(value, target, rate, dt):
    """``T + (V - T) exp(-r dt)``; two half-steps give one step; the value stays put."""
    v = np.array([value])
    whole = toward(v, target, rate, dt)
    assert whole[0] == pytest.approx(target + (value - target) * np.exp(-rate * dt))
    halves = toward(toward(v, target, rate, dt / 2), target, rate, dt / 2)
    assert halves[0] == pytest.approx(whole[0], abs=1e-12)
    assert v[0] == value


def test_fade_halves_a_stock_in_its_half_life_and_can_work_in_place():
    """After ``ln 2 / rate`` years a stock is half; ``out`` gives the same numbers."""
    stock = np.array([2.0, 8.0])
    half = fade(stock, 0.5, np.log(2) / 0.5)
    np.testing.assert_allclose(half, [1.0, 4.0])
    again = stock.copy()
    fade(again, 0.5, np.log(2) / 0.5, out=again)
    np.testing.assert_array_equal(again, half)


def integrated_rate(wait, rate_now, rate_limit, rho):
    """``r1 + (r0 - r1) e^(-rho u)`` integrated from 0 to ``wait``, by quadrature."""
    u = np.linspace(0.0, wait, 20001)
    rate = rate_limit + (rate_now - rate_limit) * np.exp(-rho * u)
    return np.trapezoid(rate, u)


@given(
    st.floats(0.001, 5.0),
    st.floats(0.0, 10.0),
    st.floats(0.0, 10.0),
    st.floats(0.0, 3.0),
)
def test_the_first_event_comes_when_the_integrated_rate_meets_the_draw(
    exposure, rate_now, rate_limit, rho
):
    """Inversion: the rate integrated up to the wait is the exponential draw."""
    window = 100.0
    wait = first_event(exposure, rate_now, rate_limit, rho, window)
    if np.isinf(wait):  # too little rate within the window
        whole = integrated_rate(window, rate_now, rate_limit, rho)
        assert whole <= exposure * (1 + 1e-6)
        return
    area = integrated_rate(float(wait), rate_now, rate_limit, rho)
    assert area == pytest.approx(exposure, rel=1e-6, abs=1e-9)


@given(st.floats(0.001, 5.0), st.floats(0.01, 10.0), st.floats(0.0, 3.0))
def test_a_steady_rate_waits_the_exponential_time(exposure, rate, rho):
    """Where the rate does not move, the wait is ``exposure / rate``, exactly."""
    wait = first_event(exposure, rate, rate, rho, 1e3)
    assert wait == exposure / rate


def test_no_event_beyond_the_window_and_none_at_rate_zero():
    """A wait longer than the window is infinite; so is one at no rate at all."""
    waits = first_event(
        np.array([1.0, 1.0, 1.0]),
        np.array([2.0, 0.0, 0.5]),
        np.array([2.0, 0.0, 4.0]),
        0.5,
        np.array([0.25, 10.0, 10.0]),
    )
    assert np.isinf(waits[:2]).all() and 0 < waits[2] < 1.0


def test_a_rate_that_rises_brings_the_event_sooner_than_one_that_falls():
    """From the same rate now, rising toward 4 beats falling toward 0."""
    rising, falling = first_event(np.ones(2), 1.0, np.array([4.0, 0.0]), 1.0, 10.0)
    assert rising < 1.0 < falling
