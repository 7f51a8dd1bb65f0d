"""Stability outcomes: polarisation, the stability index, crisis records."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim import engine
from sim.metrics import (
    PLACE_OUTCOMES,
    OutcomeTracker,
    Places,
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


def calm(tie: np.ndarray) -> np.ndarray:
    """No hostility, shaped like ``tie``."""
    return np.zeros_like(tie)


def enemies(tie: np.ndarray, *pairs: tuple[int, int]) -> np.ndarray:
    """Hostility 1 between each of ``pairs``, shaped like ``tie``."""
    hostility = np.zeros_like(tie)
    for a, b in pairs:
        hostility[0, a, b] = hostility[0, b, a] = 1.0
    return hostility


def test_no_enmity_no_polarisation():
    """Ties alone, however bloc-like, split nobody: 0."""
    assert polarisation(np.zeros((1, 4, 4)), np.zeros((1, 4, 4)))[0] == 0.0
    assert polarisation(blocs(2), calm(blocs(2)))[0] == 0.0


def test_two_camps_facing_each_other_are_fully_polarised():
    """Friends within, enemies across, no tie across: 1; two lone enemies: 1."""
    tie = blocs(2)
    across = [(a, b) for a in range(3) for b in range(3, 6)]
    assert polarisation(tie, enemies(tie, *across))[0] == pytest.approx(1.0)
    pair = np.zeros((1, 2, 2))
    assert polarisation(pair, enemies(pair, (0, 1)))[0] == pytest.approx(1.0)


def test_balancing_against_a_common_enemy_does_not_lower_it():
    """Two states hostile to a third stay as polarised when they tie up."""
    apart = np.zeros((1, 3, 3))
    hostility = enemies(apart, (0, 1), (2, 1))
    tied = apart.copy()
    tied[0, 0, 2] = tied[0, 2, 0] = 1.0
    assert polarisation(tied, hostility)[0] == polarisation(apart, hostility)[0] == 1


def test_friendship_across_or_enmity_within_depolarises():
    """A tie across the camps, or a triangle of enmity, lowers polarisation."""
    tie = blocs(2)
    across = [(a, b) for a in range(3) for b in range(3, 6)]
    base = polarisation(tie, enemies(tie, *across))[0]
    crossed = tie.copy()
    crossed[0, 0, 3] = crossed[0, 3, 0] = 1.0
    assert polarisation(crossed, enemies(tie, *across))[0] < base
    triangle = np.zeros((1, 3, 3))
    frustrated = polarisation(triangle, enemies(triangle, (0, 1), (1, 2), (0, 2)))
    assert frustrated[0] == pytest.approx(2 / 3)  # one enmity must stay inside


@given(st.integers(0, 2**32 - 1))
def test_polarisation_is_in_bounds_and_the_same_in_any_batch(seed):
    """Q in [0, 1]; a replication's value does not depend on its batch."""
    rng = np.random.default_rng(seed)
    tie = rng.uniform(0, 1, (5, 6, 6)) * (rng.uniform(size=(5, 6, 6)) < 0.4)
    tie = np.triu(tie, 1) + np.swapaxes(np.triu(tie, 1), 1, 2)
    hostility = rng.uniform(0, 1, (5, 6, 6)) * (rng.uniform(size=(5, 6, 6)) < 0.3)
    hostility[:, np.arange(6), np.arange(6)] = 0.0
    together = polarisation(tie, hostility)
    assert np.all((together >= 0) & (together <= 1))
    for r in range(5):
        assert polarisation(tie[r : r + 1], hostility[r : r + 1])[0] == together[r]


def test_polarisation_is_computed_per_replication():
    """Replications with different networks get their own value."""
    tie = np.concatenate([blocs(2), blocs(2)])
    hostility = np.concatenate([enemies(blocs(2), (0, 3)), enemies(blocs(2), (0, 1))])
    assert polarisation(tie, hostility).tolist() == pytest.approx([1.0, 0.0])


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


def tracked(scenario_name: str, reps: int = 30, steps: int = 20, overrides=None):
    """An OutcomeTracker run over a bundled scenario, with its places."""
    scenario = load_scenario(bundled_dir() / scenario_name, overrides=overrides)
    setup = engine.build_setup(scenario)
    worlds = engine.simulate(setup, seed=2, replications=np.arange(reps), steps=steps)
    tracker = OutcomeTracker(next(worlds), setup.dt_years, places=Places.of(scenario))
    for world in worlds:
        tracker.update(world)
    return tracker


def rate_from_records(records, r: int, which) -> float:
    """Deterrence rate of replication r's defined-challenger crises in ``which``."""
    mine = which & (records["replication"] == r) & (records["origin"] != "incident")
    ending = records["ending"][mine]
    held = np.sum(ending == "challenger_backed_down")
    tested = held + np.sum(np.isin(ending, ["defender_backed_down", "war"]))
    return held / tested if tested else np.nan


WARLIKE = {
    "mechanisms.escalation.war_cost": 0.0,
    "mechanisms.escalation.temperature": 0.5,
}


def test_places_are_the_disputes_rivalries_and_theaters():
    """Each dispute or rivalry is a dyad (challenger first); each theater a place."""
    places = Places.of(load_scenario(bundled_dir() / "baseline_2024.toml"))
    assert places.dyad_names[0] == "CHN_TWN" and "USA_CHN" in places.dyad_names
    assert len(set(places.dyad_names)) == len(places.dyads) == 23
    assert "taiwan_strait" in places.theaters
    result = tracked("korean_peninsula.toml", reps=4, steps=2).result()
    for name in PLACE_OUTCOMES:
        assert f"{name}.PRK_KOR" in result and f"{name}.korean_peninsula" in result


def test_place_outcomes_add_up_to_the_region():
    """War (clash) somewhere in the region is war (clash) in some theater."""
    result = tracked(
        "baseline_2024.toml", reps=40, steps=40, overrides=WARLIKE
    ).result()
    theaters = [
        t.id for t in load_scenario(bundled_dir() / "baseline_2024.toml").theaters
    ]
    assert result["war_onset"].sum() > 0  # the setting makes wars
    for name in ("war_onset", "clash_onset"):
        anywhere = np.max([result[f"{name}.{t}"] for t in theaters], axis=0)
        np.testing.assert_array_equal(anywhere, result[name])
    assert (result["war_onset.CHN_TWN"] <= result["war_onset"]).all()
    assert (result["clash_onset"] >= result["war_onset"]).all()


def test_no_crisis_time_after_war():
    """The crisis share counts the steps up to the first war, none after it.

    A step is crisis time when some crisis stood at a show of force or worse
    (a MID, the record's militarised dispute) at its end. The war's own step
    is crisis time: the crisis that became the war was under way in it. So a
    run with a war never reads 0, even with its war in the first step (where
    steps before the war alone would give 0 of 0).
    """
    scenario = load_scenario(bundled_dir() / "baseline_2024.toml", overrides=WARLIKE)
    setup = engine.build_setup(scenario)
    worlds = list(engine.simulate(setup, seed=2, replications=np.arange(40), steps=40))
    tracker = OutcomeTracker(worlds[0], setup.dt_years)
    for world in worlds[1:]:
        tracker.update(world)
    result = tracker.result()
    rungs = np.array([w.rung for w in worlds[1:]])  # (T, R, N, N)
    war = (rungs == 5).any(axis=(2, 3))  # (T, R)
    to_war = np.cumsum(war, axis=0) - war == 0  # the first war's step included
    crisis = ((rungs >= 2) & (rungs < 5)).any(axis=(2, 3))
    want = ((crisis | war) & to_war).sum(axis=0) / to_war.sum(axis=0)
    np.testing.assert_allclose(result["crisis_time_share"], want)
    at_war = war.any(axis=0)
    assert at_war.any() and (result["crisis_time_share"][at_war] < 1).any()
    assert (result["crisis_time_share"][at_war] > 0).all()


def test_dyad_deterrence_agrees_with_the_crisis_records():
    """A dyad's rate counts its own crises with a defined challenger."""
    tracker = tracked("south_china_sea.toml", reps=30, steps=40)
    records, result = tracker.crisis_records(), tracker.result()
    ids = load_scenario(bundled_dir() / "south_china_sea.toml").state_ids
    c, p = ids.index("CHN"), ids.index("PHL")
    pair = ((records["challenger"] == c) & (records["defender"] == p)) | (
        (records["challenger"] == p) & (records["defender"] == c)
    )
    for r in range(30):
        expected = rate_from_records(records, r, pair)
        np.testing.assert_equal(result["deterrence_success_rate.CHN_PHL"][r], expected)


def test_baseline_outcomes_vary_across_replications():
    """No regional outcome of the baseline is one value in every replication.

    But ``clash_onset``: a use of force somewhere in ten years is all but
    certain at the record's rates (docs/outcomes.md); the count and time of
    clashes (``clashes``, ``clash_onset_years``) vary instead.
    """
    result = tracked("baseline_2024.toml", reps=30, steps=40).result()
    regional = [name for name in result if "." not in name]
    assert {"clashes", "clash_onset_years", "polarisation"} <= set(regional)
    for name in regional:
        if name != "clash_onset":
            assert np.unique(result[name]).size > 1, name


def test_clashes_agree_with_the_crisis_records():
    """Clashes count the crises that reached a limited clash; onset and time agree."""
    steps = 8  # two years: a war in most runs (22 of 30), not all
    tracker = tracked("south_china_sea.toml", reps=30, steps=steps, overrides=WARLIKE)
    records, result = tracker.crisis_records(), tracker.result()
    reached = records["peak_rung"] >= 4
    counts = np.bincount(records["replication"][reached], minlength=30)
    assert counts.tolist() == result["clashes"].astype(int).tolist()
    np.testing.assert_array_equal(result["clash_onset"], counts > 0)
    first = result["clash_onset_years"]
    np.testing.assert_array_equal(np.isfinite(first), counts > 0)
    for r in np.flatnonzero(counts):  # after the first such crisis began
        began = records["start_step"][reached & (records["replication"] == r)]
        assert began.min() * 0.25 <= first[r] <= steps * 0.25
    war = result["war_onset"] == 1  # a war is a clash too, at the latest then
    assert war.any() and not war.all()
    assert (first[war] <= result["war_onset_years"][war]).all()


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


def test_defender_climbed_records_replies_up_to_the_peak():
    """The defender's own climbs: none or some, never above the crisis's peak.

    An incident opens at a limited clash; its defender has replied only if it
    fired too (a clash both sides fire in) or took the crisis to war.
    """
    tracker = tracked("south_china_sea.toml", reps=30, steps=12, overrides=WARLIKE)
    records = tracker.crisis_records()
    replied = records["defender_climbed"]
    assert ((replied >= 0) & (replied <= records["peak_rung"])).all()
    assert (replied == 0).any() and (replied > 0).any()
    incident = (records["origin"] == "incident") & (replied > 0)
    assert set(replied[incident]) == {4, 5}


def test_deterrence_rate_agrees_with_the_crisis_records():
    """The rate counts the records' endings of crises with a defined challenger."""
    tracker = tracked("south_china_sea.toml")
    records, result = tracker.crisis_records(), tracker.result()
    assert "incident" in set(records["origin"])  # some crises are left out
    for r in range(30):
        expected = rate_from_records(records, r, True)
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
