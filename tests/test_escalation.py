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


def one_crisis(rung: int = 2, climbed: tuple[int, int] = (2, 0)):
    """Rungs and bookkeeping of one crisis, challenger 0 against defender 1."""
    rungs = np.zeros((1, 2, 2), dtype=np.int8)
    rungs[0, 0, 1] = rungs[0, 1, 0] = rung
    crises = escalation.no_crises(1, 2)
    crises.challenger[0, 0, 1] = True
    crises.theater[0, 0, 1] = crises.theater[0, 1, 0] = 0
    crises.peak[0, 0, 1] = crises.peak[0, 1, 0] = rung
    crises.climbed[0, 0, 1], crises.climbed[0, 1, 0] = climbed
    return rungs, crises


def step_crises(rungs, crises, actions, *, threshold=(5, 5), u=0.5, dt=10.0, **kw):
    """Move the crisis (0, 1) over ``dt`` years, each side playing a pure action.

    Every uniform of its path is ``u``; returns the endings' columns.
    """
    strategy = np.zeros((2, 3))
    for side, code in enumerate(actions):
        strategy[side, code + 1] = 1.0
    pairs = (np.array([0]), np.array([0]), np.array([1]))
    params = Params(**{"settle_rate_per_year": 0.0, **kw})
    _, ended = escalation.move(
        rungs,
        crises,
        pairs,
        lambda which, rung, climbed, time: np.broadcast_to(
            strategy, (len(which), 2, 3)
        ),
        np.array([threshold]),
        np.zeros(1),
        lambda event, lane, which: np.full(len(which), u),
        params,
        dt,
    )
    return ended


def ending_of(ended) -> str:
    """The name of the one crisis's ending ('' while it is on)."""
    return escalation.ENDINGS[ended["ending"][0]] if len(ended["ending"]) else ""


@pytest.mark.parametrize(
    ("mine", "theirs", "rung", "ending"),
    [
        (BACK_DOWN, BACK_DOWN, 0, "negotiated"),
        (BACK_DOWN, HOLD, 0, "challenger_backed_down"),
        (ESCALATE, BACK_DOWN, 0, "defender_backed_down"),
        (ESCALATE, HOLD, WAR, "war"),
        (HOLD, ESCALATE, WAR, "war"),
        (ESCALATE, ESCALATE, WAR, "war"),
        (HOLD, HOLD, 2, ""),
    ],
)
def test_how_both_actions_move_the_crisis_over_a_long_step(mine, theirs, rung, ending):
    """Backing down ends a crisis; escalation climbs, over ten years all the way."""
    rungs, crises = one_crisis(rung=2)
    ended = step_crises(rungs, crises, (mine, theirs))
    assert rungs[0, 0, 1] == rungs[0, 1, 0] == rung
    assert ending_of(ended) == ending
    if ending:
        assert ended["peak"][0] == max(2, rung) and ended["challenger"][0] == 0
    settled = ending not in ("", "war")
    assert crises.theater[0, 0, 1] == (-1 if settled else 0)  # forgotten once over


def test_a_short_step_usually_moves_nothing_and_a_long_one_several_rungs():
    """Continuous time: the chance of a move grows with the step, up to many rungs."""
    moved = []
    for dt in (0.01, 0.5):
        climbs = []
        for u in np.linspace(0.005, 0.995, 100):
            rungs, crises = one_crisis(rung=1, climbed=(1, 0))
            step_crises(rungs, crises, (1, 0), dt=dt, u=u)
            climbs.append(int(rungs[0, 0, 1]) - 1)
        moved.append(climbs)
    assert np.mean(moved[0]) < 0.1  # 4 a year for 0.01 years: 4% move
    assert max(moved[1]) >= 3 and np.mean(moved[1]) > 1.5


def test_a_threshold_stops_first_climbs_but_not_replies():
    """Threshold 2: no first climb above a show of force, but a reply is allowed."""
    rungs, crises = one_crisis(rung=2, climbed=(2, 0))
    ended = step_crises(rungs, crises, (ESCALATE, HOLD), threshold=(2, 5))
    assert ending_of(ended) == "" and crises.peak[0, 0, 1] == 2
    rungs, crises = one_crisis(rung=2, climbed=(0, 2))  # the defender took it there
    step_crises(rungs, crises, (ESCALATE, HOLD), threshold=(2, 5))
    assert rungs[0, 0, 1] == 3 and crises.climbed[0, 0, 1] == 3  # one reply, then stop


def test_a_low_threshold_side_is_drawn_into_war_by_a_climbing_opponent():
    """Holding against an opponent that keeps escalating climbs to war."""
    rungs, crises = one_crisis(rung=2, climbed=(2, 0))
    step_crises(rungs, crises, (ESCALATE, HOLD), threshold=(5, 1))
    assert rungs[0, 0, 1] == WAR and crises.climbed[0, 1, 0] == 0


def test_war_is_absorbing():
    """After war the dyad stays at war, its crisis recorded, never under way again."""
    rungs, crises = one_crisis(rung=WAR - 1, climbed=(WAR - 1, 0))
    ended = step_crises(rungs, crises, (ESCALATE, ESCALATE))
    assert rungs[0, 0, 1] == WAR and ended["ending"][0] == escalation.WAR_ENDING
    assert crises.peak[0, 0, 1] == WAR and crises.theater[0, 0, 1] == 0
    assert not escalation.under_way(rungs).any()  # never moved again


def test_ended_table_pads_each_replication_in_its_order():
    """Endings of several replications, each row in the order given, zero-padded."""
    rows = np.array([2, 0, 2])
    column = np.array([5, 6, 7], dtype=np.int8)
    table = escalation.ended_table(
        3,
        rows=rows,
        **{name: column for name in escalation.Ended.__dataclass_fields__},
    )
    assert table.ending.tolist() == [[6, 0], [0, 0], [5, 7]]
    r, e = table.rows()
    assert r.tolist() == [0, 2, 2] and e.tolist() == [0, 0, 1]
    assert escalation.no_endings(4).ending.shape == (4, 0)


def test_audience_cost_is_alpha_times_the_rung_a_side_climbed_in_public():
    """Fearon (1994): only the side that climbed bears it, per state if asked."""
    rungs, crises = one_crisis(rung=3, climbed=(3, 1))
    cost = escalation.audience_costs(crises, rungs, Params(audience_cost_per_rung=0.1))
    assert cost[0, 0, 1] == pytest.approx(0.3) and cost[0, 1, 0] == pytest.approx(0.1)
    per_state = Params(audience_cost_per_rung=np.array([0.2, 0.0]))
    cost = escalation.audience_costs(crises, rungs, per_state)
    assert cost[0, 0, 1] == pytest.approx(0.6) and cost[0, 1, 0] == 0.0
    assert not escalation.audience_costs(crises, 0 * rungs, Params()).any()


@pytest.mark.parametrize(("unchosen", "cost"), [(3, 0.0), (2, 0.3), (0, 0.3)])
def test_a_rung_a_side_opened_at_unasked_costs_it_no_audience(unchosen, cost):
    """Fearon (1994): the cost is of climbing in public, not of being there.

    The challenger stands at rung 3; it bears its climbs' cost unless it opened
    there unasked (an incident, an entrapment pull) and has not climbed since.
    """
    rungs, crises = one_crisis(rung=3, climbed=(3, 1))
    crises.unchosen[0, 0, 1] = unchosen
    borne = escalation.audience_costs(crises, rungs, Params(audience_cost_per_rung=0.1))
    assert borne[0, 0, 1] == pytest.approx(cost) and borne[0, 1, 0] == pytest.approx(
        0.1
    )


def test_an_incidents_challenger_bears_no_audience_cost_and_may_be_answered(
    write_scenario,
):
    """Its forces clashed; its leaders chose no public climb (issue #12, item 5).

    Two forward-posted rivals with incidents only: every crisis at its opening
    limited clash has a challenger that bears no audience cost, yet counts as
    having taken the crisis there, so the defender may answer with a climb.
    """
    posture = "posture = 1.0\ntransparency = 0.2"
    extra = "[mechanisms.escalation]\ndispute_rate_per_year = 0.0"
    text = pair_toml(steps=40, red=posture, blue=posture, extra=extra)
    setup = engine.build_setup(load_scenario(write_scenario(text)))
    opened = 0
    for world in worlds(setup, steps=40):
        r, c, d = np.nonzero(world.crises.challenger & (world.rung == 4))
        assert (world.crises.origin[r, c, d] == escalation.INCIDENT).all()
        cost = escalation.audience_costs(
            world.crises, world.rung, setup.params.escalation
        )
        assert (cost[r, c, d] == 0).all()
        assert (world.crises.climbed[r, c, d] == 4).all()  # so the defender replies
        opened += len(r)
    assert opened > 20


@pytest.mark.parametrize("share", [0.0, 1.0])
def test_in_a_clash_both_fire_neither_side_bears_an_audience_cost(
    write_scenario, share
):
    """A clash both sides fire in (MID hiact 17): the defender took it there too.

    Two forward-posted rivals with incidents only: at a clash share of 1 every
    incident's defender counts as having taken the crisis to the limited clash
    (so it has answered, and either side may climb in reply), unchosen, so that
    it bears no audience cost for it; at a share of 0 no defender has.
    """
    posture = "posture = 1.0\ntransparency = 0.2"
    extra = (
        "[mechanisms.escalation]\ndispute_rate_per_year = 0.0\n"
        f"incident_clash_share = {share}"
    )
    text = pair_toml(steps=40, red=posture, blue=posture, extra=extra)
    setup = engine.build_setup(load_scenario(write_scenario(text)))
    opened = 0
    for world in worlds(setup, steps=40):
        r, c, d = np.nonzero(world.crises.challenger & (world.rung == 4))
        cost = escalation.audience_costs(
            world.crises, world.rung, setup.params.escalation
        )
        assert (cost[r, d, c] == 0).all()
        assert ((world.crises.climbed[r, d, c] == 4) == bool(share)).all()
        opened += len(r)
    assert opened > 20


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
    """The inject's challenger opens a crisis in its theater at the rung it names.

    The inject (year 2025.0) falls in step 4; it opens at that step's end, in
    every replication where the pair is at peace then.
    """
    scenario = load_scenario(bundled_dir() / "korean_peninsula.toml")
    setup = engine.build_setup(scenario)
    prk, kor = scenario.state_index("PRK"), scenario.state_index("KOR")
    world = worlds(setup, steps=5, reps=100)[5]
    opened = world.crises.origin[:, prk, kor] == escalation.INJECT
    assert opened.sum() > 10
    assert (world.rung[~opened, prk, kor] > 0).all()  # else a crisis was on then
    assert (world.crises.start_step[opened, prk, kor] == 5).all()
    assert (world.rung[opened, prk, kor] == 2).all()
    assert world.crises.challenger[opened, prk, kor].all()
    theater = [t.id for t in scenario.theaters].index("korean_peninsula")
    assert (world.crises.theater[opened, prk, kor] == theater).all()


@given(trust=st.floats(0.0, 1.0), more=st.floats(0.0, 1.0), contact=st.floats(0, 1))
def test_incident_rate_falls_with_trust(trust, more, contact):
    """The incident rate never rises when trust rises (forces in contact fixed)."""
    low, high = sorted((trust, more))
    q_low = escalation.incident_rate(np.array([contact]), low, Params())
    q_high = escalation.incident_rate(np.array([contact]), high, Params())
    assert (q_low >= q_high).all() and (q_low >= 0).all()


def test_contact_is_largest_where_both_are_present():
    """Contact is the largest product of presences; the side with more leads."""
    mine = np.array([[0.9, 0.1, 0.5]])
    theirs = np.array([[0.1, 0.2, 0.6]])
    everywhere = np.ones((1, 3), dtype=bool)
    contact, theater, forward = escalation.contact(mine, theirs, everywhere)
    assert contact[0] == pytest.approx(0.30) and theater[0] == 2 and not forward[0]


def test_contact_counts_only_where_the_pair_meets():
    """A larger product in a theater where the pair does not meet is passed over."""
    mine = np.array([[0.9, 0.1, 0.5]])
    theirs = np.array([[0.1, 0.2, 0.6]])
    where = np.array([[True, True, False]])
    contact, theater, forward = escalation.contact(mine, theirs, where)
    assert contact[0] == pytest.approx(0.09) and theater[0] == 0 and forward[0]


def test_contact_where_the_pair_meets_but_nobody_is_there_is_zero():
    """Presence only elsewhere gives no contact, in a theater where the pair meets."""
    where = np.array([[False, True]])
    contact, theater, _ = escalation.contact(np.ones((1, 2)), np.eye(2)[:1], where)
    assert contact[0] == 0 and theater[0] == 1


def test_without_theaters_there_is_no_contact():
    """With no theater, no pair is in contact anywhere."""
    none = np.zeros((3, 0))
    contact, theater, forward = escalation.contact(none, none, none.astype(bool))
    assert (contact == 0).all() and (theater == -1).all() and not forward.any()


@given(
    st.lists(
        st.tuples(st.integers(0, 4), st.integers(0, 4), st.integers(0, 3)).filter(
            lambda d: d[0] != d[1]
        ),
        max_size=6,
    )
)
def test_pairs_meet_where_they_or_either_side_dispute(disputes):
    """Own disputes' theaters first, then either side's, then anywhere."""
    n, t = 5, 4
    meets = escalation.meeting_theaters(
        np.array(disputes, np.intp).reshape(-1, 3), n, t
    )
    theaters = [set() for _ in range(n)]
    for c, d, k in disputes:
        theaters[c].add(k)
        theaters[d].add(k)
    for i in range(n):
        for j in range(n):
            own = {k for c, d, k in disputes if {c, d} == {i, j}}
            expected = own or theaters[i] | theaters[j] or set(range(t))
            assert set(np.flatnonzero(meets[i, j])) == expected


def test_the_baselines_incidents_open_where_the_pair_meets():
    """Disputing pairs meet in their disputes' theaters, rivals in one of either's."""
    scenario = load_scenario(bundled_dir() / "baseline_2024.toml")
    setup = engine.build_setup(scenario)
    theaters = [t.id for t in scenario.theaters]
    ids = scenario.state_ids
    disputed: dict[frozenset, set] = {}
    claims: dict[str, set] = {}
    for d in scenario.disputes:
        disputed.setdefault(frozenset(d.parties), set()).add(d.theater)
        for party in d.parties:
            claims.setdefault(party, set()).add(d.theater)
    opened: dict[frozenset, set] = {}
    for w in worlds(setup, steps=40, reps=30)[1:]:
        new = (
            (w.crises.start_step == w.step)
            & w.crises.challenger
            & (w.crises.origin == escalation.INCIDENT)
        )
        for r, i, j in zip(*np.nonzero(new), strict=True):
            pair = frozenset((ids[i], ids[j]))
            theater = theaters[w.crises.theater[r, i, j]]
            opened.setdefault(pair, set()).add(theater)
    rivals = frozenset(("RUS", "USA"))
    assert rivals in opened and rivals not in disputed, sorted(opened)
    for pair, where in opened.items():
        either = set().union(*(claims.get(state, set()) for state in pair))
        assert where <= disputed.get(pair, either), (sorted(pair), where)


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
        ended = world.ended
        assert ((ended.ending >= 0) & (ended.ending < 5)).all()
        assert (ended.peak[ended.ending > 0] >= 1).all()


def test_presence_is_the_forward_share_of_capability_and_zero_without_any():
    """``f_it = posture_i P_it / K_i``, capped at 1; a state with no capability: 0."""
    projected = np.array([[[50.0, 300.0], [0.0, 0.0]]])  # (R=1, N=2, T=2)
    capability = np.array([[100.0, 0.0]])
    presence = escalation.presence(projected, capability, np.array([0.5, 1.0]))
    assert presence[0, 0].tolist() == [0.25, 1.0]
    assert presence[0, 1].tolist() == [0.0, 0.0]


def test_a_stand_off_settles_at_its_rate():
    """With no decision opportunity: on with chance exp(-q dt), else negotiated."""
    on = np.exp(-2.0 * 0.25)  # the first event comes after dt iff u > 1 - on
    for u, ending in ((1 - on + 0.01, ""), (1 - on - 0.01, "negotiated")):
        rungs, crises = one_crisis(rung=2)
        ended = step_crises(
            rungs,
            crises,
            (ESCALATE, ESCALATE),
            dt=0.25,
            u=u,
            settle_rate_per_year=2.0,
            decision_rate_per_year=0.0,
        )
        assert ending_of(ended) == ending
        assert rungs[0, 0, 1] == (0 if ending else 2)


def test_a_crisis_is_under_way_above_peace_and_below_war():
    """Peace (0) and war (the top rung) are not crises under way; the rest are."""
    rungs = np.arange(WAR + 1, dtype=np.int8)
    assert escalation.under_way(rungs).tolist() == [False] + [True] * (WAR - 1) + [
        False
    ]
