"""Alliances and crises in the engine: scenario input, scripts, reproducibility."""

import numpy as np
import pandas as pd
import pytest

from sim import engine
from sim.cli import main
from sim.conflict import Solved, Timeline, back_downs, side_inputs
from sim.dynamics import escalation, hostility
from sim.experiments import run_points
from sim.model import RegionModel
from sim.rng import Draws
from sim.scenario import ScenarioError, bundled_dir, load_scenario
from tests.conftest import pair_toml, triad_toml

KOREA = bundled_dir() / "korean_peninsula.toml"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            '[[dispute]]\nparties = ["RED", "BLUE"]\ntheater = "moon"\n',
            "dispute[1].theater: 'moon' is not one of: border",
        ),
        (
            '[[dispute]]\nparties = ["RED", "GOLD"]\ntheater = "border"\n',
            "dispute[1].parties: 'GOLD' is not a state declared in [[state]]",
        ),
        (
            '[[inject]]\nyear = 2000.25\nkind = "crisis"\nparties = ["RED", "BLUE"]\n'
            'theater = "border"\nrung = 5\n',
            "inject[0].rung: 5 is above 4",
        ),
        (
            '[[inject]]\nyear = 2000.25\nkind = "crisis"\nparties = ["RED"]\n'
            'theater = "border"\n',
            "inject[0].parties: ['RED'] a crisis names two states",
        ),
        (
            '[[inject]]\nyear = 2000.25\nkind = "exercise"\nparties = ["RED"]\n',
            "inject[0].parties: ['RED'] an exercise names two states or more",
        ),
        (
            '[[inject]]\nyear = 2000.25\nkind = "treaty_change"\nparties = ["RED"]\n'
            "magnitude = 0.5\n",
            "inject[0].parties: ['RED'] a treaty change names two states or more",
        ),
        (
            '[[inject]]\nyear = 2000.25\nkind = "crisis"\nparties = ["RED", "BLUE"]\n',
            "inject[0].theater: missing: a crisis inject needs a theater",
        ),
        (
            '[[script]]\nstate = "RED"\nyear = 2000.25\ncrisis = { BLUE = "attack" }\n',
            "script[0].crisis.BLUE: 'attack' is not one of: back_down, hold, escalate",
        ),
        (
            '[[script]]\nstate = "RED"\nyear = 2000.25\ncrisis = { GOLD = "hold" }\n',
            "script[0].crisis.GOLD: is not another state declared in [[state]]",
        ),
        (
            '[[script]]\nstate = "RED"\nyear = 2024.75\ncrisis = { BLUE = "hold" }\n',
            "script[0].year: 2024.75 is at or after the run's end (2002: "
            "scenario.start_year = 2000 plus 8 steps",
        ),
        (
            '[[script]]\nstate = "RED"\nyear = 2000.25\nduration_years = 0\n'
            'crisis = { BLUE = "hold" }\n',
            "script[0].duration_years: 0.0 must be a positive number of years",
        ),
    ],
)
def test_bad_conflict_input_is_named(write_scenario, extra, message):
    """Unknown theaters or states, rungs off the ladder and bad scripts are named."""
    with pytest.raises(ScenarioError) as info:
        load_scenario(write_scenario(pair_toml(extra=extra)))
    assert any(message in problem for problem in info.value.problems), info.value


def test_a_threshold_outside_the_ladder_is_named(write_scenario):
    """A state's threshold must be a rung: 0 (peace) to 5 (major war)."""
    text = pair_toml(red="threshold = 6")
    with pytest.raises(ScenarioError, match=r"state\[RED\].threshold: 6 is above 5"):
        load_scenario(write_scenario(text))


def test_cli_rejects_a_bad_dispute_and_writes_nothing(write_scenario, tmp_path, capsys):
    """`wargame run` exits 2 naming the field, and leaves no output folder."""
    path = write_scenario(
        pair_toml(extra='[[dispute]]\nparties = ["RED", "BLUE"]\ntheater = "moon"\n')
    )
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out)]) == 2
    assert "theater: 'moon'" in capsys.readouterr().err
    assert not out.exists()


def test_cli_writes_crises_and_decisions(tmp_path, capsys):
    """`wargame run` prints the stability outcomes and writes crises and decisions.

    Disputes and incidents are off, so the inject finds the pair at peace (an
    inject opens a crisis only there).
    """
    quiet = tmp_path / "quiet.toml"
    quiet.write_text(
        f'extends = "{KOREA}"\n[mechanisms.escalation]\n'
        "dispute_rate_per_year = 0.0\nincident_rate_per_year = 0.0\n"
    )
    out = tmp_path / "out"
    assert main(["run", str(quiet), "--out", str(out), "--steps", "8"]) == 0
    printed = capsys.readouterr().out
    for name in ("war_onset", "deterrence_success_rate", "stability_index"):
        assert name in printed
    crises = (out / "crises.csv").read_text()
    assert crises.startswith("replication,challenger,defender,theater,start_step")
    assert "PRK,KOR,korean_peninsula,5" in crises  # the injected crisis
    decisions = (out / "decisions.csv").read_text()
    assert ",script" in decisions  # PRK's scripted escalation at step 5


def rungs_of(setup, replications, steps=12, seed=4):
    """Every step's rungs of the given replications, (steps + 1, R, N, N)."""
    worlds = engine.simulate(setup, seed=seed, replications=replications, steps=steps)
    return np.array([w.rung for w in worlds])


def test_a_replication_is_the_same_in_any_batch():
    """Replication 7's crises do not depend on which others run beside it."""
    setup = engine.build_setup(load_scenario(KOREA))
    alone = rungs_of(setup, np.array([7]))
    among = rungs_of(setup, np.arange(20))
    assert np.array_equal(alone[:, 0], among[:, 7])


def test_mean_rung_weighs_each_crisis_by_the_time_it_lasted(write_scenario):
    """A rung-2 stand-off that settles at rate q: mean rung 2 (1 - e^(-q dt)) / (q dt).

    Both sides hold (scripted) and nothing else opens a crisis (no disputes,
    incidents or entrapment), so the crisis
    injected at the end of step 0 lasts an exponential time of rate q = 2 into
    step 1 (dt 0.25): its pair's rung averaged over step 1 is 2 where it is
    still on, and 1.574 on average.
    """
    extra = (
        '[[inject]]\nyear = 2000.0\nkind = "crisis"\nparties = ["RED", "BLUE"]\n'
        'theater = "border"\nrung = 2\n'
        '[[script]]\nstate = "RED"\nyear = 2000.25\ncrisis = { BLUE = "hold" }\n'
        '[[script]]\nstate = "BLUE"\nyear = 2000.25\ncrisis = { RED = "hold" }\n'
        "[mechanisms.escalation]\ndispute_rate_per_year = 0.0\n"
        "incident_rate_per_year = 0.0\nsettle_rate_per_year = 2.0\n"
        "[mechanisms.alliances]\nenabled = false\n"
    )
    setup = engine.build_setup(load_scenario(write_scenario(triad_toml(extra=extra))))
    _, _, world = engine.simulate(setup, seed=3, replications=np.arange(4000), steps=2)
    mean = world.mean_rung[:, 0, 1]
    assert np.array_equal(mean, world.mean_rung[:, 1, 0])
    on = world.rung[:, 0, 1] == 2
    assert (mean[on] == 2.0).all() and ((mean[~on] > 0) & (mean[~on] < 2)).all()
    q, dt = 2.0, 0.25
    expected = 2 * (1 - np.exp(-q * dt)) / (q * dt)
    assert mean.mean() == pytest.approx(expected, abs=4 * mean.std() / np.sqrt(4000))


def test_a_baseline_replication_is_the_same_alone_and_among_forty():
    """Replication 12 of the baseline, alone or in a batch of 40, for 22 steps.

    Its crises once depended on the batch: a pull into a dyad that no dispute or
    incident of this replication makes a candidate, but another replication
    does, came again when the dyad was freed only in the batch.
    """
    setup = engine.build_setup(load_scenario(bundled_dir() / "baseline_2024.toml"))
    alone, among = (
        list(engine.simulate(setup, seed=1, replications=reps, steps=22))[-1]
        for reps in (np.array([12]), np.arange(40))
    )
    assert np.array_equal(alone.rung[0], among.rung[12])
    assert np.array_equal(alone.milex[0], among.milex[12])
    assert np.array_equal(alone.hostility[0], among.hostility[12])


def test_scripted_actions_override_the_doctrine_in_every_replication(write_scenario):
    """A script makes its state back down, for the step, wherever the crisis is on.

    At each decision opportunity (4 a year) RED backs down; the crisis can only
    end (RED backed down, or negotiated at the settlement rate) or stay where
    it is: with dt 0.25 it ends in 1 - exp(-1.5) = 78% of worlds.
    """
    inject = (
        '[[inject]]\nyear = 2000.0\nkind = "crisis"\nparties = ["RED", "BLUE"]\n'
        'theater = "border"\nrung = 2\n'
    )
    script = (
        '[[script]]\nstate = "RED"\nyear = 2000.25\ncrisis = { BLUE = "back_down" }\n'
    )
    setup = engine.build_setup(
        load_scenario(write_scenario(triad_toml(extra=inject + script)))
    )
    _, before, world = engine.simulate(
        setup, seed=1, replications=np.arange(200), steps=2
    )
    opened = before.crises.origin[:, 0, 1] == escalation.INJECT  # else one was on
    assert opened.sum() > 100
    ended = world.ended
    injected = (ended.start_step == 1) & (ended.challenger == 0) & (ended.defender == 1)
    assert (injected.sum(axis=1) <= 1).all()
    ending = (ended.ending * injected).sum(axis=1)[opened]  # 0 where it is still on
    assert set(ending.tolist()) <= {0, 1, 3}  # on, challenger backed down, negotiated
    assert (ending == 1).sum() > (ending == 3).sum() > 0
    on = opened.copy()
    on[opened] = ending == 0
    assert (world.rung[on, 0, 1] == 2).all()  # never climbs
    assert (world.crises.start_step[on, 0, 1] == 1).all()


@pytest.mark.parametrize(
    ("ending", "backed"),
    [
        ("CHALLENGER_BACKED_DOWN", [True, False, False]),
        ("DEFENDER_BACKED_DOWN", [False, True, False]),
        ("NEGOTIATED", [False, False, False]),
    ],
)
def test_backed_down_names_the_side_that_gave_way(ending, backed):
    """Of a crisis 0 (challenger) vs 1, only the side that backed down is marked."""
    code = getattr(escalation, ending)
    one = np.array([0, 1], dtype=np.int8)
    ended = escalation.ended_table(
        2,
        rows=np.array([1]),
        challenger=one[:1],
        defender=one[1:],
        theater=one[:1],
        start_step=one[1:],
        peak=one[1:],
        ending=np.array([code], dtype=np.int8),
        origin=np.array([escalation.DISPUTE], dtype=np.int8),
        defender_climbed=one[:1],
    )
    result = back_downs(ended, 3)
    assert result[1].tolist() == [int(b) for b in backed]
    assert not result[0].any()


def test_back_downs_count_every_crisis_a_state_gave_way_in():
    """Two crises lost in one step count twice (the step length does not merge them)."""
    ended = escalation.ended_table(
        1,
        rows=np.array([0, 0, 0]),
        challenger=np.array([0, 0, 2]),
        defender=np.array([1, 2, 1]),
        theater=np.zeros(3, dtype=np.int8),
        start_step=np.ones(3, dtype=np.int8),
        peak=np.ones(3, dtype=np.int8),
        ending=np.array(
            [
                escalation.DEFENDER_BACKED_DOWN,
                escalation.CHALLENGER_BACKED_DOWN,
                escalation.DEFENDER_BACKED_DOWN,
            ],
            dtype=np.int8,
        ),
        origin=np.full(3, escalation.DISPUTE, dtype=np.int8),
        defender_climbed=np.zeros(3, dtype=np.int8),
    )
    assert back_downs(ended, 3).tolist() == [[1, 2, 0]]


def korea_timeline(m: int) -> Timeline:
    """The step-0 timeline of ``m`` replications of the Korean peninsula."""
    setup = engine.build_setup(load_scenario(KOREA))
    world = engine.initial_world(setup, np.arange(m))
    draws = Draws(1, world.replications, 0)
    return Timeline(world, setup, draws, np.zeros(world.projected.shape))


def test_a_crisis_raises_its_own_stake_within_the_step():
    """The stake at a decision opportunity is the pair's hostility then.

    PRK-USA at a limited clash from the step's start: asked at 0.1 and then
    0.25 years, or at 0.25 at once, the stake is the same, above the step's
    start, and the hostility the pair drifts to with the clash (as the step's
    end would have it).
    """
    m, clash = 3, escalation.RUNGS.index("limited_clash")
    timeline = korea_timeline(m)
    setup = timeline.setup
    ids = [s.id for s in setup.scenario.states]
    prk, usa = ids.index("PRK"), ids.index("USA")
    pairs = (np.arange(m), np.full(m, prk), np.full(m, usa))
    rung = np.full(m, clash)
    before = side_inputs(timeline.world, setup, timeline.crises, pairs).stake
    assert np.array_equal(timeline.stake(pairs, rung, np.zeros(m)), before)
    timeline.stake(pairs, rung, np.full(m, 0.1))
    stepwise = timeline.stake(pairs, rung, np.full(m, 0.25))
    at_once = korea_timeline(m).stake(pairs, rung, np.full(m, 0.25))
    np.testing.assert_allclose(stepwise, at_once, rtol=1e-12)
    assert (at_once > before).all()
    h0 = setup.hostility[prk, usa]
    expected = hostility.drift(
        h0, h0, clash, escalation.WAR, 0.25, setup.params.hostility
    )
    np.testing.assert_allclose(at_once[:, 0], expected, rtol=1e-12)


def test_onsets_follow_hostility_as_it_relaxes_within_the_step(write_scenario):
    """A dispute's hazard moves with the hostility it reads, within the step.

    RED and BLUE start a half-year step twice as hostile as their dispute's 0.5,
    relaxing toward it at 4 a year: the chance of an onset within the step is
    ``1 - exp(-Lambda)``, ``Lambda`` the rate integrated as it falls (not the
    step-start rate times dt, which would give about 0.63 here).
    """
    extra = (
        "[mechanisms.escalation]\ndispute_rate_per_year = 4.0\n"
        "incident_rate_per_year = 0.0\n"
        "[mechanisms.hostility]\nrelax_per_year = 4.0\n"
    )
    text = pair_toml(extra=extra).replace("seed = 7", "seed = 7\ndt_years = 0.5")
    text = text.replace('theater = "border"\n', 'theater = "border"\nhostility = 0.5\n')
    setup = engine.build_setup(load_scenario(write_scenario(text)))
    m, rho, dt = 20_000, 4.0, 0.5
    world = engine.initial_world(setup, np.arange(m))
    world = world.replace(hostility=np.clip(2 * world.hostility, 0.0, 1.0))
    timeline = Timeline(world, setup, Draws(5, world.replications, 0), np.zeros(1))
    unit = timeline.sources.unit[:, 0].sum(axis=1)  # the dispute, per unit of H
    assert np.allclose(unit, unit[0]) and unit[0] > 0
    h0, h = setup.hostility[0, 1], 1.0
    assert h0 == 0.5
    integrated = unit[0] * (h0 * dt + (h - h0) * -np.expm1(-rho * dt) / rho)
    expected = -np.expm1(-integrated)
    share = (timeline.due < dt).any(axis=1).mean()
    assert share == pytest.approx(expected, abs=4 * np.sqrt(expected / m))
    assert abs(expected - -np.expm1(-unit[0] * h * dt)) > 0.05  # the stale rate


@pytest.mark.parametrize(
    ("utility", "held_back"),
    [(1.0, False), (-1.0, True)],  # expects to gain: goes ahead; to lose: not
)
def test_a_disputes_challenger_opens_it_only_if_it_expects_to_gain(utility, held_back):
    """Bueno de Mesquita & Lalman's first move: challenge iff E_c > 0 (logit).

    At the default temperature 0.08 a payoff of +-1 stake is decisive: the logit
    chance to go ahead is 1 / (1 + exp(-+12.5)).
    """
    m = 50
    hold = np.tile([0.0, 1.0, 0.0], (m, 2, 1))  # both hold
    solved = Solved(
        *(np.zeros((m, 2)) for _ in range(6)),
        strategy=hold,
        utility=np.where(hold > 0, utility, -0.5),
        chance=np.zeros((m, 2)),
    )
    deterred = korea_timeline(m)._holds_back(solved, np.arange(m), np.full(m, 3))
    assert (deterred == held_back).all()


@pytest.mark.parametrize(
    "origin", [escalation.INCIDENT, escalation.ENTRAPMENT, escalation.INJECT]
)
def test_only_a_disputes_challenger_decides_whether_to_open_it(origin):
    """An incident, a pull or an inject is nobody's choice: never held back."""
    m = 50
    pairs = (np.arange(m), np.zeros(m, dtype=np.intp), np.ones(m, dtype=np.intp))
    timeline = korea_timeline(m)
    inputs = side_inputs(timeline.world, timeline.setup, timeline.crises, pairs)
    deterred = timeline._deterred(
        pairs, inputs, np.full(m, origin), np.arange(m), np.full(m, 1)
    )
    assert not deterred.any()


@pytest.mark.parametrize(
    ("settings", "opening"),
    [
        ({}, escalation.RUNGS.index("limited_clash")),
        ({"mechanisms.escalation.incident_rung": 2}, 2),
        ({"mechanisms.escalation.enabled": False}, 1),
    ],
)
def test_an_incident_opens_at_its_rung_and_a_dispute_at_a_protest(
    write_scenario, settings, opening
):
    """Forces in contact that clash use force at once; a dispute starts talking.

    Two forward-posted rivals with a border dispute: each crisis peaks at its
    opening rung or above, incidents at ``incident_rung`` (a limited clash by
    default, a protest with the ladder frozen), disputes at a protest, and some
    of each stay where they opened.
    """
    posture = "posture = 1.0\ntransparency = 0.2"
    path = write_scenario(pair_toml(steps=40, red=posture, blue=posture))
    crises = run_points(path, [settings], replications=40, seed=2).crises
    for origin, rung in (("incident", opening), ("dispute", 1)):
        peaks = crises.loc[crises["origin"] == origin, "peak_rung"]
        assert len(peaks) > 0, origin
        assert peaks.min() == rung, origin


def test_about_the_clash_share_of_incidents_are_answered(write_scenario):
    """An incident is a clash both sides fire in with chance ``incident_clash_share``.

    Two forward-posted rivals with incidents only, the share at one half: the
    defender of an incident that did not end in war has answered (taken it to
    the limited clash itself) in about half of them, and never at a share of 0.
    """
    posture = "posture = 1.0\ntransparency = 0.2"
    extra = "[mechanisms.escalation]\ndispute_rate_per_year = 0.0"
    path = write_scenario(pair_toml(steps=40, red=posture, blue=posture, extra=extra))
    key = "mechanisms.escalation.incident_clash_share"
    crises = run_points(path, [{key: 0.5}, {key: 0.0}], replications=60, seed=5).crises
    clash = escalation.RUNGS.index("limited_clash")
    calm = crises[(crises["origin"] == "incident") & (crises["ending"] != "war")]
    answered = calm["defender_climbed"] == clash
    half, none = answered[calm["point"] == 0], answered[calm["point"] == 1]
    assert len(half) > 400 and len(none) > 400
    assert 0.42 < half.mean() < 0.58  # binomial s.d. at most 0.025
    assert not none.any()


def test_the_clash_share_leaves_a_world_without_incidents_to_the_bit(write_scenario):
    """Only an incident's opening draws it: disputes alone run the same at any share.

    A dispute's challenger deciding whether to open it reads the same uniform
    (lane 2 of the opening) as an incident's clash; an opening is one or the other.
    """
    extra = "[mechanisms.escalation]\nincident_rate_per_year = 0.0"
    path = write_scenario(pair_toml(steps=20, extra=extra))
    key = "mechanisms.escalation.incident_clash_share"
    run = run_points(path, [{key: 0.0}, {key: 1.0}], replications=30, seed=6)
    for table in (run.outcomes, run.crises):
        a, b = (table[table["point"] == p].drop(columns="point") for p in (0, 1))
        assert len(a) > 0
        pd.testing.assert_frame_equal(
            a.reset_index(drop=True), b.reset_index(drop=True)
        )


@pytest.mark.parametrize("dt", [1 / 12, 0.25, 0.5])
def test_a_script_holds_for_its_time_at_any_step_length(write_scenario, dt):
    """A back-down scripted for a quarter ends 1 - exp(-4 / 4) = 63% of crises.

    Both sides are scripted to hold an injected rung-2 crisis (nothing else opens
    or settles one) but for RED's back-down over [2000.5, 2000.75): at 4 decision
    opportunities a year RED backs down in that quarter with chance 1 - e^-1,
    whatever the step. Until 2026-12-03 a script held for the step holding its
    year: the same schedule (without durations) gave 0.11, 0.26 and 0 at steps
    of 1/12, 1/4 and 1/2 year.
    """
    scripts = (
        ("RED", 2000.0, 0.5, "hold"),
        ("RED", 2000.5, 0.25, "back_down"),
        ("RED", 2000.75, 1.0, "hold"),
        ("BLUE", 2000.0, 2.0, "hold"),
    )
    extra = (
        '[[inject]]\nyear = 2000.0\nkind = "crisis"\nparties = ["RED", "BLUE"]\n'
        'theater = "border"\nrung = 2\n'
        + "".join(
            f'[[script]]\nstate = "{state}"\nyear = {year}\nduration_years = '
            f"{years}\ncrisis = {{ {'BLUE' if state == 'RED' else 'RED'} = "
            f'"{action}" }}\n'
            for state, year, years, action in scripts
        )
        + "[mechanisms.escalation]\ndispute_rate_per_year = 0.0\n"
        "incident_rate_per_year = 0.0\nsettle_rate_per_year = 0.0\n"
        "[mechanisms.alliances]\nenabled = false\n"
    )
    scenario = load_scenario(
        write_scenario(triad_toml(extra=extra)),
        overrides={"scenario.dt_years": dt, "scenario.steps": round(1 / dt)},
    )
    setup = engine.build_setup(scenario)
    replications = 4000
    backed_down = np.zeros(replications, dtype=bool)
    for world in engine.simulate(
        setup, seed=5, replications=np.arange(replications), steps=round(1 / dt)
    ):
        ending = world.ended.ending
        backed_down |= (ending == escalation.CHALLENGER_BACKED_DOWN).any(axis=1)
    expected = 1 - np.exp(-1.0)
    spread = np.sqrt(expected * (1 - expected) / replications)
    assert backed_down.mean() == pytest.approx(expected, abs=4 * spread)
    assert (world.rung[~backed_down, 0, 1] == 2).all()  # the rest still stand


def test_a_scripted_climb_that_is_closed_is_logged_as_closed_and_held(write_scenario):
    """RED (threshold 1) is scripted to escalate a rung-2 crisis BLUE only holds.

    Escalation is closed to RED there (above its threshold, not in reply), so
    it holds: the crisis stays at rung 2, and decisions.csv shows the order
    beside the doctrine's strategy, ``p_escalate`` 0, not a pure escalation.
    """
    extra = (
        '[[inject]]\nyear = 2000.0\nkind = "crisis"\nparties = ["RED", "BLUE"]\n'
        'theater = "border"\nrung = 2\n'
        '[[script]]\nstate = "RED"\nyear = 2000.25\nduration_years = 1.0\n'
        'crisis = { BLUE = "escalate" }\n'
        '[[script]]\nstate = "BLUE"\nyear = 2000.0\nduration_years = 2.0\n'
        'crisis = { RED = "hold" }\n'
        "[mechanisms.escalation]\ndispute_rate_per_year = 0.0\n"
        "incident_rate_per_year = 0.0\nsettle_rate_per_year = 0.0\n"
        "[mechanisms.alliances]\nenabled = false\n"
    )
    path = write_scenario(triad_toml(extra=extra))
    scenario = load_scenario(path, overrides={"state.RED.threshold": 1})
    model = RegionModel(scenario=scenario, rng=3)
    model.run_for(4)
    rows = model.decision_frame()
    red = rows[(rows["state"] == "RED") & (rows["decided_by"] == "script")]
    assert len(red) == 3 and (red["action"] == "escalate").all()
    assert (red["p_escalate"] == 0).all()
    np.testing.assert_allclose(
        red[["p_back_down", "p_hold", "p_escalate"]].sum(axis=1), 1
    )
    assert model.world.rung[0, 0, 1] == 2
