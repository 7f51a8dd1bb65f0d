"""Alliances: commitment, credibility, allied power, entrapment, balancing."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim import engine
from sim.dynamics import alliances
from sim.dynamics.alliances import Params
from sim.scenario import bundled_dir, load_scenario
from tests.conftest import triad_toml

unit = st.floats(0.0, 1.0)


def test_ties_take_the_strongest_shared_kind():
    """A treaty outweighs a forum among the same pair; a non-aggression pact is 0."""
    scenario = load_scenario(bundled_dir() / "baseline_2024.toml")
    tie = engine.build_setup(scenario).conflict.tie
    i = scenario.state_index
    assert tie[i("USA"), i("JPN")] == Params().defense_treaty
    assert tie[i("JPN"), i("IND")] == Params().dialogue_forum
    assert tie[i("CHN"), i("JPN")] == Params().non_aggression == 0.0
    assert (tie == tie.T).all()
    assert (np.diag(tie) == 0).all()


@given(d1=st.floats(0, 20000), d2=st.floats(0, 20000), a=unit, b=unit, x=unit, y=unit)
def test_credibility_falls_with_distance_and_doubt_and_rises_with_exercises(
    d1, d2, a, b, x, y
):
    """Extended deterrence is less credible farther away and with more doubt."""
    tie = np.full((1, 1, 1), 1.0)

    def cred(distance, doubt, exercise):
        return alliances.credibility(
            tie,
            np.array([[distance]]),
            np.full((1, 1, 1), doubt),
            np.full((1, 1, 1), exercise),
            Params(),
        )[0, 0, 0]

    near, far = sorted((d1, d2))
    low, high = sorted((a, b))
    assert cred(near, low, x) >= cred(far, low, x)
    assert cred(near, low, x) >= cred(near, high, x)
    assert cred(near, low, max(x, y)) >= cred(near, low, min(x, y))
    assert 0.0 <= cred(far, high, x) <= 1.0


def test_no_tie_means_no_credibility_whatever_the_exercises():
    """Exercises alone do not make a commitment where there is no tie."""
    cred = alliances.credibility(
        np.zeros((1, 2, 2)),
        np.zeros((2, 2)),
        np.zeros((1, 2, 2)),
        np.ones((1, 2, 2)),
        Params(),
    )
    assert (cred == 0).all()


def test_allied_power_is_the_weighted_sum_of_partners_projection():
    """sum_k w_ik c_ik P_kt, checked against a plain loop."""
    rng = np.random.default_rng(1)
    there, tie, cred = rng.uniform(0, 1, (3, 5, 4))
    got = alliances.allied_power(there, tie, cred)
    for m in range(5):
        want = sum(tie[m, k] * cred[m, k] * there[m, k] for k in range(4))
        assert got[m] == pytest.approx(want)


def test_entrapment_pulls_the_more_committed_ally_to_a_share_of_the_rung():
    """Partner 1 fights 0 at rung 4: ally 2 is pulled to floor(0.6 * 1 * 4) = 2."""
    rung = np.zeros((1, 3, 3), dtype=np.int8)
    rung[0, 0, 1] = rung[0, 1, 0] = 4
    theater = np.full((1, 3, 3), -1, dtype=np.int8)
    theater[0, 0, 1] = theater[0, 1, 0] = 0
    tie = np.zeros((1, 3, 3))
    tie[0, 1, 2] = tie[0, 2, 1] = 1.0
    pull, where = alliances.entrapment_pull(rung, theater, tie, Params(entrapment=0.6))
    assert pull[0, 2, 0] == 2 and where[0, 2, 0] == 0
    assert pull[0, 2, 1] == 0  # never pulled against the partner itself
    tie[0, 2, 0] = tie[0, 0, 2] = 1.0  # equally tied to the opponent: stays out
    pull, _ = alliances.entrapment_pull(rung, theater, tie, Params(entrapment=0.6))
    assert pull[0, 2, 0] == 0


def triad_runs(write_scenario, *, kind="defense_treaty", extra="", reps=600):
    """The last world of ``reps`` runs of the triad, and all worlds' GREEN rungs."""
    setup = engine.build_setup(
        load_scenario(write_scenario(triad_toml(kind=kind, extra=extra)))
    )
    green_rung = []
    for world in engine.simulate(setup, seed=5, replications=np.arange(reps), steps=40):
        green_rung.append(world.rung[:, 2, 0])
    return world, np.array(green_rung)


def test_entrapment_raises_the_allys_escalation(write_scenario):
    """With entrapment on, the patron climbs the ladder against its client's foe."""
    _, off = triad_runs(
        write_scenario, extra="[mechanisms.alliances]\nentrapment = 0.0"
    )
    _, on = triad_runs(write_scenario, extra="[mechanisms.alliances]\nentrapment = 0.6")
    assert off.max() == 0  # GREEN and RED have no quarrel of their own
    assert on.mean() > 0.05


def test_a_stronger_more_credible_alliance_lowers_war_frequency(write_scenario):
    """Deterrence: a defense treaty deters the challenger more than a forum does."""
    extra = "[mechanisms.escalation]\nwar_cost = 0.3"
    wars = {}
    for kind in ("dialogue_forum", "defense_treaty"):
        world, _ = triad_runs(write_scenario, kind=kind, extra=extra, reps=1500)
        wars[kind] = (world.rung == 5).any(axis=(1, 2)).mean()
    assert wars["dialogue_forum"] > 0.05
    assert wars["defense_treaty"] < 0.8 * wars["dialogue_forum"]


def test_a_state_under_rising_threat_seeks_its_threats_enemy():
    """Walt: A, threatened by B, ties itself to C, B's other enemy, and not to B."""
    hostility = np.zeros((1, 3, 3))
    hostility[0, 0, 1] = hostility[0, 1, 0] = hostility[0, 2, 1] = hostility[
        0, 1, 2
    ] = 1
    capability = np.array([[10.0, 100.0, 50.0]])
    distance = np.full((3, 3), 1000.0)
    start = alliances.threat(capability * [1, 0.5, 1], hostility, distance, 5000.0)[0]
    now = alliances.threat(capability, hostility, distance, 5000.0)
    tie = alliances.balance(
        np.zeros((1, 3, 3)), capability, hostility, now, start, Params(), 0.25
    )
    step = Params().balancing_rate_per_year * 0.25
    assert tie[0, 0, 2] == tie[0, 2, 0] == pytest.approx(step)
    assert tie[0, 0, 1] == 0


def test_doubts_rise_when_the_patron_backs_down_and_relax_after():
    """Snyder's abandonment fear: a patron that backs down loses credibility."""
    tie = np.zeros((1, 2, 2))
    tie[0, 0, 1] = tie[0, 1, 0] = 1.0
    params = Params()
    doubt = np.full((1, 2, 2), params.initial_abandonment) * tie
    shaken = alliances.relax_doubts(doubt, tie, np.array([[False, True]]), params, 0.25)
    assert shaken[0, 0, 1] == pytest.approx(
        params.initial_abandonment + params.reputation_loss
    )
    calmer = alliances.relax_doubts(
        shaken, tie, np.array([[False, False]]), params, 0.25
    )
    assert params.initial_abandonment < calmer[0, 0, 1] < shaken[0, 0, 1]
