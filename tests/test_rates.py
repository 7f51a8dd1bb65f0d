"""Continuous-time rates over one step: Poisson hazard and exponential fading."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.dynamics.rates import fade, hazard


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


def test_fade_halves_a_stock_in_its_half_life_and_can_work_in_place():
    """After ``ln 2 / rate`` years a stock is half; ``out`` gives the same numbers."""
    stock = np.array([2.0, 8.0])
    half = fade(stock, 0.5, np.log(2) / 0.5)
    np.testing.assert_allclose(half, [1.0, 4.0])
    again = stock.copy()
    fade(again, 0.5, np.log(2) / 0.5, out=again)
    np.testing.assert_array_equal(again, half)
