"""The escalation ladder: how crises start, climb and end."""

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import engine
from sim.dynamics import escalation
from sim.dynamics.crisis_decision import BACK_DOWN, ESCALATE, HOLD
from sim.dynamics.escalation import WAR, Params
from sim.scenario import bundled_dir, load_scenario
from tests.conftest import pair_toml, triad_toml


def one_crisis(rung: int = 2, challenger_is_first: bool = True):
    """Rungs and bookkeeping of one crisis between states 0 and 1."""
    rungs = np.zeros((1, 2, 2), dtype=np.int8)
    rungs[0, 0, 1] = rungs[0, 1, 0] = rung
    crises = escalation.no_crises(1, 2)
    crises.challenger[
        0, 0 if challenger_is_first else 1, 1 if challenger_is_first else 0
    ] = True
    crises.theater[0, 0, 1] = crises.theater[0, 1, 0] = 0
    return rungs, crises


def step_crises(rungs, action, crises, audience, settle=1.0, params=None):
    """One ``resolve`` of every crisis under way, each drawing ``settle``."""
    sides = np.nonzero((rungs >= 1) & (rungs < WAR))
    draws = np.full(len(sides[0]), settle)
    return escalation.resolve(
        rungs, action, crises, audience, sides, draws, params or Params(), 0.25
    )


@pytest.mark.parametrize(
    ("mine", "theirs", "rung", "ending"),
    [
        (BACK_DOWN, BACK_DOWN, 0, "negotiated"),
        (BACK_DOWN, HOLD, 0, "challenger_backed_down"),
        (ESCALATE, BACK_DOWN, 0, "defender_backed_down"),
        (ESCALATE, HOLD, 3, ""),
        (HOLD, ESCALATE, 3, ""),
        (ESCALATE, ESCALATE, 3, ""),
    ],
)
def test_how_both_actions_move_the_crisis(mine, theirs, rung, ending):
    """Backing down ends a crisis; otherwise any escalation climbs one rung."""
    rungs, crises = one_crisis(rung=2)
    action = np.zeros((1, 2, 2), dtype=np.int8)
    action[0, 0, 1], action[0, 1, 0] = mine, theirs
    new = step_crises(rungs, action, crises, np.zeros((1, 2, 2)))
    assert new[0, 0, 1] == new[0, 1, 0] == rung
    assert escalation.ENDINGS[crises.ending[0, 0, 1]] == ending
    assert rungs[0, 0, 1] == 2  # the rungs given are left as they were


def test_climbing_from_limited_clash_is_war_and_war_stays():
    """The step past limited clash ends the crisis in war, and war is absorbing."""
    rungs, crises = one_crisis(rung=WAR - 1)
    action = np.full((1, 2, 2), ESCALATE, dtype=np.int8)
    rungs = step_crises(rungs, action, crises, np.zeros((1, 2, 2)), settle=0.0)
    assert rungs[0, 0, 1] == WAR
    assert escalation.ENDINGS[crises.ending[0, 0, 1]] == "war"
    crises, audience = escalation.clear_ended(crises, np.zeros((1, 2, 2)))
    back = np.full((1, 2, 2), BACK_DOWN, dtype=np.int8)
    rungs = step_crises(rungs, back, crises, audience, settle=0.0)
    assert rungs[0, 0, 1] == WAR and crises.ending[0, 0, 1] == 0


def test_audience_cost_grows_with_time_and_rung_in_crisis():
    """Each step a side stays in, its audience cost grows by alpha times the rung."""
    rungs, crises = one_crisis(rung=3)
    hold = np.zeros((1, 2, 2), dtype=np.int8)
    params = Params(audience_cost_per_rung=0.1)
    cost = np.zeros((1, 2, 2))
    step_crises(rungs, hold, crises, cost, params=params)
    assert cost[0, 0, 1] == cost[0, 1, 0] == pytest.approx(0.3)


def worlds(setup, steps, reps=50, seed=3):
    """All worlds of a run of ``reps`` replications."""
    return list(
        engine.simulate(setup, seed=seed, replications=np.arange(reps), steps=steps)
    )


def test_with_escalation_off_no_crisis_passes_the_first_rung():
    """Crises still start (injects, disputes, incidents) but nobody can climb."""
    path = bundled_dir() / "korean_peninsula.toml"
    scenario = load_scenario(path, overrides={"mechanisms.escalation.enabled": False})
    runs = worlds(engine.build_setup(scenario), steps=20)
    assert max(int(w.rung.max()) for w in runs) == 1
    assert sum(int((w.rung == 1).sum()) for w in runs) > 0


def test_a_crisis_inject_starts_its_crisis_at_its_step_and_rung():
    """The inject's challenger opens a crisis in its theater at the rung it names."""
    scenario = load_scenario(bundled_dir() / "korean_peninsula.toml")
    setup = engine.build_setup(scenario)
    prk, kor = scenario.state_index("PRK"), scenario.state_index("KOR")
    before, world = worlds(setup, steps=5, reps=40)[4:6]
    at_peace = before.rung[:, prk, kor] == 0  # else a crisis is already under way
    assert at_peace.sum() > 10
    assert (world.crises.start_step[at_peace, prk, kor] == 5).all()
    assert (world.rung[at_peace, prk, kor] == 2).all()
    assert world.crises.challenger[at_peace, prk, kor].all()
    theater = [t.id for t in scenario.theaters].index("korean_peninsula")
    assert (world.crises.theater[at_peace, prk, kor] == theater).all()


@given(trust=st.floats(0.0, 1.0), more=st.floats(0.0, 1.0), contact=st.floats(0, 1))
def test_incident_chance_falls_with_trust(trust, more, contact):
    """The incident hazard never rises when trust rises (forces in contact fixed)."""
    low, high = sorted((trust, more))
    p_low = escalation.incident_chance(np.array([contact]), low, Params(), 0.25)
    p_high = escalation.incident_chance(np.array([contact]), high, Params(), 0.25)
    assert (p_low >= p_high).all()
    assert ((p_low >= 0) & (p_low <= 1)).all()


def test_contact_is_largest_where_both_are_present():
    """Contact is the largest product of presences; the side with more leads."""
    mine = np.array([[0.9, 0.1, 0.5]])
    theirs = np.array([[0.1, 0.2, 0.6]])
    contact, theater, forward = escalation.contact(mine, theirs)
    assert contact[0] == pytest.approx(0.30) and theater[0] == 2 and not forward[0]


def test_without_theaters_there_is_no_contact():
    """With no theater, no pair is in contact anywhere."""
    contact, theater, forward = escalation.contact(np.zeros((3, 0)), np.zeros((3, 0)))
    assert (contact == 0).all() and (theater == -1).all() and not forward.any()


def test_a_scenario_without_theaters_runs_with_no_crises(write_scenario):
    """Rivals in contact-prone postures but no theater never start a crisis."""
    text = pair_toml(steps=12, red="posture = 1.0", blue="posture = 1.0")
    text = text.split("[[theater]]")[0] + (
        '[[rivalry]]\nparties = ["RED", "BLUE"]\nhostility = 0.8\n'
        "[mechanisms.escalation]\nincident_rate_per_year = 50.0\n"
    )
    setup = engine.build_setup(load_scenario(write_scenario(text)))
    run = worlds(setup, steps=12, reps=20)
    assert len(run) == 13 and all((w.rung == 0).all() for w in run)


def test_lower_trust_raises_the_incident_rate(write_scenario):
    """With disputes silent, rivals who trust each other less have more crises."""
    counts = []
    for trust in (0.1, 0.9):
        text = pair_toml(
            steps=40,
            red="posture = 1.0",
            blue="posture = 1.0",
            extra=f"""
[mechanisms.escalation]
dispute_rate_per_year = 0.0
incident_rate_per_year = 2.0
trust_rivals = {trust}
""",
        )
        setup = engine.build_setup(load_scenario(write_scenario(text)))
        started = [
            int(((w.crises.start_step == w.step) & w.crises.challenger).sum())
            for w in worlds(setup, steps=40, reps=200)[1:]
        ]
        counts.append(sum(started))
    assert counts[0] > 1.5 * counts[1] > 0


@settings(max_examples=25, deadline=None)
@given(
    war_cost=st.floats(0.0, 5.0),
    temperature=st.floats(0.0, 2.0),
    decisiveness=st.floats(0.0, 10.0),
    noise=st.floats(0.0, 5.0),
    audience=st.floats(0.0, 2.0),
    rates=st.floats(0.0, 50.0),
    threshold=st.integers(0, WAR),
)
def test_ladder_stays_within_bounds_whatever_the_parameters(
    tmp_path_factory,
    war_cost,
    temperature,
    decisiveness,
    noise,
    audience,
    rates,
    threshold,
):
    """Rungs stay on the ladder, symmetric, with peaks above rungs, for any params."""
    path = tmp_path_factory.mktemp("triad") / "triad.toml"
    path.write_text(
        triad_toml(steps=12).replace("threshold = 5", f"threshold = {threshold}"),
        encoding="utf-8",
    )
    setup = engine.build_setup(load_scenario(path))
    params = Params(
        war_cost=war_cost,
        temperature=temperature,
        decisiveness=decisiveness,
        perception_noise=noise,
        audience_cost_per_rung=audience,
        dispute_rate_per_year=rates,
        incident_rate_per_year=rates,
        settle_rate_per_year=rates,
    )
    setup = replace(setup, params=setup.params.replace(escalation=params))
    for world in worlds(setup, steps=12, reps=6):
        rung = world.rung
        assert ((rung >= 0) & (rung <= WAR)).all()
        assert (rung == np.swapaxes(rung, 1, 2)).all()
        assert (np.diagonal(rung, axis1=1, axis2=2) == 0).all()
        assert (world.crises.peak >= rung).all()
        assert ((world.crises.ending >= 0) & (world.crises.ending < 5)).all()


def test_presence_is_the_forward_share_of_capability_and_zero_without_any():
    """``f_it = posture_i P_it / K_i``, capped at 1; a state with no capability: 0."""
    projected = np.array([[[50.0, 300.0], [0.0, 0.0]]])  # (R=1, N=2, T=2)
    capability = np.array([[100.0, 0.0]])
    presence = escalation.presence(projected, capability, np.array([0.5, 1.0]))
    assert presence[0, 0].tolist() == [0.25, 1.0]
    assert presence[0, 1].tolist() == [0.0, 0.0]


def test_a_pull_lifts_a_crisis_both_ways_and_the_strongest_wins():
    """Entrapment lifts crises under way, never peace, ended crises or downwards."""
    rungs = np.zeros((1, 3, 3), dtype=np.int8)
    rungs[0, 0, 1] = rungs[0, 1, 0] = 2
    crises = escalation.no_crises(1, 3)
    crises.peak[0, 0, 1] = crises.peak[0, 1, 0] = 2
    pulled = (np.array([0, 0, 0, 0]), np.array([0, 1, 0, 2]), np.array([1, 0, 2, 1]))
    escalation.raise_rungs(rungs, crises, pulled, np.array([4, 3, 5, 1], np.int8))
    assert rungs[0, 0, 1] == rungs[0, 1, 0] == 4  # the stronger of 4 and 3
    assert crises.peak[0, 0, 1] == crises.peak[0, 1, 0] == 4
    assert rungs[0, 0, 2] == rungs[0, 2, 0] == 0  # at peace: not started here
    ended = escalation.no_crises(1, 3)
    ended.ending[0, 0, 1] = ended.ending[0, 1, 0] = escalation.NEGOTIATED
    kept = np.zeros((1, 3, 3), dtype=np.int8)
    kept[0, 0, 1] = kept[0, 1, 0] = 2
    escalation.raise_rungs(kept, ended, pulled, np.array([4, 3, 5, 1], np.int8))
    assert kept[0, 0, 1] == 2  # the crisis ended: nothing to lift
    high = np.zeros((1, 3, 3), dtype=np.int8)
    high[0, 0, 1] = high[0, 1, 0] = 3
    one = (np.array([0]), np.array([0]), np.array([1]))
    escalation.raise_rungs(
        high, escalation.no_crises(1, 3), one, np.array([2], np.int8)
    )
    assert high[0, 0, 1] == 3  # a weaker pull does not lower a crisis


def test_a_held_stand_off_settles_when_its_draw_falls_below_the_hazard():
    """Both sides holding: negotiated if the crisis's uniform is under the hazard."""
    for draw, ending in ((0.0, "negotiated"), (0.999, "")):
        rungs, crises = one_crisis(rung=2)
        hold = np.zeros((1, 2, 2), dtype=np.int8)
        new = step_crises(rungs, hold, crises, np.zeros((1, 2, 2)), settle=draw)
        assert escalation.ENDINGS[crises.ending[0, 0, 1]] == ending
        assert new[0, 0, 1] == (0 if ending else 2)


def test_a_crisis_is_under_way_above_peace_and_below_war():
    """Peace (0) and war (the top rung) are not crises under way; the rest are."""
    rungs = np.arange(WAR + 1, dtype=np.int8)
    assert escalation.under_way(rungs).tolist() == [False] + [True] * (WAR - 1) + [
        False
    ]
