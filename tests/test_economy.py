"""The economy: projected GDP, joined observed series, growth from the data."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim import engine
from sim.dynamics import economy
from sim.scenario import load_scenario
from tests.conftest import pair_toml


@given(
    growth=st.floats(-0.2, 0.2),
    years=st.integers(1, 30),
    per_year=st.sampled_from([1, 2, 4, 12]),
)
def test_projection_at_whole_years_does_not_depend_on_the_step(growth, years, per_year):
    """GDP after t years is ``Y0 * exp(n t)`` whatever the step length."""
    params = economy.Params(growth_per_year=growth)
    start = np.array([100.0, 2.5e6])
    steps = [
        economy.project(start, params, k / per_year)
        for k in range(years * per_year + 1)
    ]
    np.testing.assert_allclose(steps[-1], start * np.exp(growth * years), rtol=1e-12)


def test_no_growth_or_economy_off_keeps_gdp_exactly():
    """Growth 0, or the economy off, returns the starting GDP bit for bit."""
    start = np.array([123.456, 7.89e5])
    assert np.array_equal(economy.project(start, economy.Params(), 7.25), start)
    off = economy.Params(enabled=False, growth_per_year=0.1)
    assert np.array_equal(economy.project(start, off, 3.0), start)


def test_interpolation_hits_every_year_and_grows_steadily_between():
    """Yearly rows are exact; within a year values grow at a constant rate."""
    yearly = np.array([[100.0, 10.0], [121.0, 10.0], [121.0, 40.0]])
    joined = economy.interpolate(yearly, 4)
    assert joined.shape == (9, 2)
    assert np.array_equal(joined[::4], yearly)
    ratios = joined[1:5, 0] / joined[:4, 0]
    np.testing.assert_allclose(ratios, np.full(4, 121.0 / 100.0) ** 0.25, rtol=1e-12)


def test_interpolation_keeps_missing_values_missing():
    """A NaN year leaves the spans next to it NaN (no value is invented)."""
    joined = economy.interpolate(np.array([[1.0], [np.nan], [4.0]]), 2)
    assert np.isnan(joined[1:4, 0]).all()
    assert joined[0, 0] == 1.0 and joined[4, 0] == 4.0


def test_trailing_growth_is_mean_log_growth():
    """From 100 to 200 over ten years is ln(2)/10 a year; bad spans are refused."""
    yearly = np.array([[50.0], *([[100.0]] * 5), *([[150.0]] * 5), [200.0]])
    np.testing.assert_allclose(economy.trailing_growth(yearly, 10), np.log(2) / 10)
    with pytest.raises(ValueError, match="need 1 <= years"):
        economy.trailing_growth(yearly, 12)


def test_engine_gdp_grows_and_steady_spending_keeps_its_burden(write_scenario):
    """With steady_start, a fixed threat and growth n, both grow as exp(n t)."""
    extra = """
[mechanisms.arms_race]
steady_start = true
[mechanisms.economy]
growth_per_year = 0.05
[mechanisms.hostility]
enabled = false
"""
    setup = engine.build_setup(
        load_scenario(write_scenario(pair_toml(steps=8, extra=extra)))
    )
    worlds = list(engine.simulate(setup, seed=0, replications=np.arange(1), steps=8))
    gdp = np.array([w.gdp[0] for w in worlds])
    milex = np.array([w.milex[0] for w in worlds])
    years = np.arange(9)[:, None] * 0.25
    np.testing.assert_allclose(gdp, 1e5 * np.exp(0.05 * years) * [1, 1], rtol=1e-12)
    np.testing.assert_allclose(
        milex / gdp, np.tile(milex[0] / gdp[0], (9, 1)), rtol=1e-10
    )


def test_faster_growth_means_more_spending(write_scenario):
    """Comparative static: a faster-growing economy ends with a larger budget."""

    def last_milex(growth: float) -> np.ndarray:
        extra = f"[mechanisms.economy]\ngrowth_per_year = {growth}\n"
        setup = engine.build_setup(
            load_scenario(write_scenario(pair_toml(steps=20, extra=extra)))
        )
        *_, world = engine.simulate(setup, seed=0, replications=np.arange(1), steps=20)
        return world.milex[0]

    assert (last_milex(0.06) > last_milex(0.02)).all()
