"""Stability outcomes: polarisation, the stability index, crisis records."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim import engine
from sim.metrics import (
    OutcomeTracker,
    StabilityWeights,
    model_series,
    polarisation,
    stability_index,
    theater_series,
)
from sim.scenario import bundled_dir, load_scenario


def blocs(n_blocs: int, size: int = 3) -> np.ndarray:
    """Ties of ``n_blocs`` fully tied, mutually unconnected blocs, (1, N, N)."""
    n = n_blocs * size
    tie = np.zeros((1, n, n))
    for b in range(n_blocs):
        tie[0, b * size : (b + 1) * size, b * size : (b + 1) * size] = 1.0
    tie[0, np.arange(n), np.arange(n)] = 0.0
    return tie


def test_polarisation_is_zero_without_blocs_and_grows_with_them():
    """No ties or one bloc: 0; two separate blocs: 1/2; three: 2/3 (modularity)."""
    assert polarisation(np.zeros((1, 4, 4)))[0] == 0.0
    assert polarisation(blocs(1))[0] == pytest.approx(0.0)
    assert polarisation(blocs(2))[0] == pytest.approx(0.5)
    assert polarisation(blocs(3))[0] == pytest.approx(2 / 3)


def test_polarisation_is_computed_per_replication():
    """Replications with different tie networks get their own value."""
    ties = np.concatenate([blocs(2), np.zeros((1, 6, 6)), blocs(2)])
    assert polarisation(ties).tolist() == pytest.approx([0.5, 0.0, 0.5])


outcome = st.floats(0.0, 1.0)


@given(
    war=st.booleans(),
    peak=st.integers(0, 5),
    share=outcome,
    cagr=st.floats(-1, 1),
    pol=outcome,
)
def test_stability_index_is_in_bounds_and_war_lowers_it(war, peak, share, cagr, pol):
    """The index stays in [0, 1]; war onset costs exactly its weight (when > 0)."""
    outcomes = {
        "war_onset": np.array([float(war)]),
        "peak_rung": np.array([float(peak)]),
        "crisis_time_share": np.array([share]),
        "arms_growth_cagr": np.array([cagr]),
        "polarisation": np.array([pol]),
    }
    s = stability_index(outcomes)[0]
    assert 0.0 <= s <= 1.0
    peaceful = stability_index({**outcomes, "war_onset": np.array([0.0])})[0]
    assert peaceful >= s


def test_stability_weights_sum_to_one():
    """The documented default weights sum to 1, so a worst case scores 0."""
    w = StabilityWeights()
    total = w.war + w.peak + w.crisis_time + w.arms_growth + w.polarisation
    assert total == pytest.approx(1.0)


def tracked(scenario_name: str, reps: int = 30, steps: int = 20):
    """An OutcomeTracker run over a bundled scenario."""
    setup = engine.build_setup(load_scenario(bundled_dir() / scenario_name))
    worlds = engine.simulate(setup, seed=2, replications=np.arange(reps), steps=steps)
    tracker = OutcomeTracker(next(worlds), setup.dt_years)
    for world in worlds:
        tracker.update(world)
    return tracker


def test_crisis_records_agree_with_the_outcomes():
    """Every crisis started is recorded once, ended or ongoing, per replication."""
    tracker = tracked("south_china_sea.toml")
    records, result = tracker.crisis_records(), tracker.result()
    lengths = {len(v) for v in records.values()}
    assert len(lengths) == 1
    counts = np.bincount(records["replication"], minlength=30)
    assert counts.tolist() == result["crises"].astype(int).tolist()
    assert (records["start_step"] <= records["end_step"]).all()
    assert set(records["ending"]) <= {
        "challenger_backed_down",
        "defender_backed_down",
        "negotiated",
        "war",
        "ongoing",
    }
    assert (records["peak_rung"] >= 1).all()
    assert (result["peak_rung"] >= 1).all()


def test_deterrence_rate_agrees_with_the_crisis_records():
    """The rate counts the records' endings: challenger backed down over tested."""
    tracker = tracked("south_china_sea.toml")
    records, result = tracker.crisis_records(), tracker.result()
    for r in range(30):
        ending = records["ending"][records["replication"] == r]
        held = np.sum(ending == "challenger_backed_down")
        tested = held + np.sum(np.isin(ending, ["defender_backed_down", "war"]))
        expected = held / tested if tested else np.nan
        np.testing.assert_equal(result["deterrence_success_rate"][r], expected)


def test_model_series_means_are_over_the_right_pairs():
    """Mean trust is over pairs i != j; mean credibility over tied pairs only."""
    setup = engine.build_setup(load_scenario(bundled_dir() / "quad_aukus.toml"))
    *_, world = engine.simulate(setup, seed=2, replications=np.arange(4), steps=8)
    series = model_series(world)
    off_diagonal = ~np.eye(setup.n_states, dtype=bool)
    for r in range(4):
        trust, tie = world.trust[r], world.tie[r]
        assert series["mean_trust"][r] == pytest.approx(trust[off_diagonal].mean())
        assert series["mean_ally_credibility"][r] == pytest.approx(
            world.credibility[r][tie > 0].mean()
        )


def test_outcomes_have_one_value_per_replication():
    """Each outcome is an (R,) array; rates and shares stay within [0, 1]."""
    result = tracked("korean_peninsula.toml").result()
    for name, values in result.items():
        assert values.shape == (30,), name
    for name in ("crisis_time_share", "stability_index", "war_onset"):
        assert ((result[name] >= 0) & (result[name] <= 1)).all(), name
    rate = result["deterrence_success_rate"]
    assert ((rate[~np.isnan(rate)] >= 0) & (rate[~np.isnan(rate)] <= 1)).all()
    assert np.isnan(result["war_onset_years"][result["war_onset"] == 0]).all()


def test_theater_rungs_add_up_to_the_region():
    """Every crisis has a theater: the highest theater rung is the region's."""
    scenario = load_scenario(bundled_dir() / "taiwan_strait.toml")
    setup = engine.build_setup(scenario)
    worlds = engine.simulate(setup, seed=3, replications=np.arange(16), steps=12)
    for world in worlds:
        theaters = theater_series(world, len(scenario.theaters))["max_rung"]
        assert theaters.shape == (16, len(scenario.theaters))
        region = model_series(world)["max_rung"]
        np.testing.assert_array_equal(theaters.max(axis=1), region)
