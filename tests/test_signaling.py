"""Signals: costs, credibility credit, provocation, misperception and CBMs."""

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.dynamics import signaling
from sim.rng import Draws, Stream
from sim.scenario import ScenarioError, load_scenario
from tests.conftest import triad_toml

# Three states: 0 and 1 allies, 2 a rival of both; one theater claimed by 1 and 2.
CLAIM = np.array([[0.0], [1.0], [1.0]])  # (N, T)
HOSTILE = np.array([[[0, 0, 0.5], [0, 0, 0.5], [0.5, 0.5, 0]]])  # (R=1, N, N)
NONE = np.zeros((3, 3), dtype=bool)


def signals(exercise=0.0, patrol=0.0, declaration=0.0):
    """State 0 exercises with 1, patrols the theater and pledges to 1, at levels."""
    e = np.zeros((1, 3, 3))
    e[0, 0, 1] = e[0, 1, 0] = exercise
    f = np.full((1, 3, 1), 0.0)
    f[0, 0, 0] = patrol
    d = np.zeros((1, 3, 3))
    d[0, 0, 1] = declaration
    return e, f, d


def test_sunk_cost_share_adds_exercises_and_patrols():
    """Each full exercise partner and patrolled theater costs its share a year."""
    params = signaling.Params(exercise_cost_share=0.01, patrol_cost_share=0.005)
    share = signaling.sunk_cost_share(*signals(1.0, 1.0)[:2], params)
    assert share[0].tolist() == pytest.approx([0.015, 0.01, 0.0])


@given(st.floats(0.0, 0.1), st.floats(0.0, 0.1), st.floats(0.0, 1.0))
def test_costlier_signal_raises_credibility_more(cost_a, cost_b, level):
    """Fearon: the credit an ally gains grows with what the signal cost the sender."""
    low, high = sorted((cost_a, cost_b))
    e, f, d = signals(exercise=level)
    credit = [
        signaling.reassurance(e, f, d, CLAIM, signaling.Params(exercise_cost_share=c))
        for c in (low, high)
    ]
    assert credit[0][0, 1, 0] <= credit[1][0, 1, 0]
    assert credit[1][0, 2, 0] == 0.0  # the rival gains nothing


def test_each_signal_raises_the_credibility_it_is_meant_to_raise():
    """Exercise, patrol in its theater and declaration each raise 1's view of 0."""
    params = signaling.Params()
    tie = np.array([[[0, 1.0, 0], [1.0, 0, 0], [0, 0, 0]]])
    base = np.where(tie > 0, 0.5, 0.0)
    for kind in ({"exercise": 1.0}, {"patrol": 1.0}, {"declaration": 1.0}):
        rate = signaling.reassurance(*signals(**kind), CLAIM, params)
        cred = signaling.signal_credibility(base, 0.25 * rate, tie)
        assert cred[0, 1, 0] > base[0, 1, 0], kind
        assert cred[0, 2, 0] == 0.0  # no tie, no credibility
    silent = signaling.reassurance(*signals(), CLAIM, params)
    assert not silent.any()


def test_credibility_with_credit_stays_at_most_one():
    """Credit cannot lift credibility above certainty."""
    tie = np.ones((1, 2, 2))
    assert signaling.signal_credibility(tie * 0.9, tie * 5.0, tie).max() == 1.0


def test_pledge_stakes_audience_cost_against_the_allys_adversaries():
    """A pledge to 1 makes backing down against 1's adversary 2 costly, not others."""
    pledge = np.zeros((1, 3, 3))
    pledge[0, 0, 1] = 0.4
    r, i, k = (a.ravel() for a in np.indices((1, 3, 3)))
    stake = signaling.pledge_stake(pledge, HOSTILE, (r, i, k)).reshape(3, 3)
    assert stake[0].tolist() == pytest.approx([0.0, 0.0, 0.4])
    assert not stake[1:].any()


def test_pressure_falls_on_rivals_and_notification_softens_exercises():
    """Rival 2 feels 0's exercise, patrol and pledge; friend 1 feels nothing."""
    params = signaling.Params(notification_discount=0.5)
    e, f, d = signals(1.0, 1.0, 1.0)
    p = signaling.pressure(e, f, d, CLAIM, HOSTILE, NONE, params)
    assert p[0, 2, 0] == pytest.approx(3.0)
    assert p[0, 1, 0] == 0.0
    notified = NONE.copy()
    notified[2, 0] = notified[0, 2] = True
    q = signaling.pressure(e, f, d, CLAIM, HOSTILE, notified, params)
    assert q[0, 2, 0] == pytest.approx(2.5)


def test_more_transparency_means_less_misperception():
    """Jervis: the reading error of a signal shrinks as the sender grows more open."""
    reps = np.arange(4000)
    eps = Draws(3, reps, 0).normal(Stream.SIGNALING, (2, 2))
    trust = np.full((len(reps), 2, 2), 0.2)
    pressure = np.ones_like(trust)
    errors = []
    for tau in (0.0, 0.3, 0.6, 0.9, 1.0):
        transparency = np.full((len(reps), 2), tau)
        sigma = signaling.misperception_scale(trust, transparency, NONE[:2, :2], 1.0)
        seen = signaling.read(pressure, sigma, eps)
        errors.append(np.abs(np.log(seen[:, 0, 1])).mean())
    assert all(a > b for a, b in itertools.pairwise(errors))
    assert errors[-1] == 0.0


def test_reading_is_unbiased_and_exact_under_notification():
    """Noise does not shift the mean reading; a notified pair reads exactly."""
    reps = np.arange(20000)
    eps = Draws(5, reps, 0).normal(Stream.SIGNALING, (2, 2))
    sigma = np.full((len(reps), 2, 2), 0.5)
    assert signaling.read(np.ones_like(sigma), sigma, eps).mean() == pytest.approx(
        1.0, abs=0.02
    )
    notified = np.ones((2, 2), dtype=bool)
    zero = signaling.misperception_scale(
        np.zeros((1, 2, 2)), np.zeros((1, 2)), notified, 1.0
    )
    assert not zero.any()


def test_hotline_defuses_its_share_of_incidents():
    """A hotline removes ``hotline_defuse`` of the incident chance, only on its pair."""
    chance = np.full((1, 2, 2), 0.4)
    hotline = np.array([[False, True], [True, False]])
    out = signaling.defuse(chance, hotline, signaling.Params(hotline_defuse=0.5))
    assert np.allclose(out[0], [[0.4, 0.2], [0.2, 0.4]])


def test_cbm_builds_trust_toward_one_on_covered_pairs():
    """Trust of CBM parties rises toward 1 and never past it; others stay put."""
    trust = np.full((1, 2, 2), 0.2)
    agreed = np.array([[False, True], [True, False]])
    for _ in range(400):
        trust = signaling.build_trust(trust, agreed, signaling.Params(), 0.25)
    assert trust[0, 0, 1] == pytest.approx(1.0, abs=1e-3)
    assert trust[0, 0, 1] <= 1.0
    assert trust[0, 0, 0] == 0.2


def test_patrol_adds_presence_in_its_theater():
    """A full patrol raises presence by ``patrol_presence``; no patrol changes none."""
    projected = np.full((1, 3, 1), 10.0)
    _, f, _ = signals(patrol=1.0)
    out = signaling.patrol_presence(projected, f, signaling.Params(patrol_presence=0.5))
    assert out[0, :, 0].tolist() == [15.0, 10.0, 10.0]


def signal_problems(write_scenario, table: str) -> list[str]:
    """Problems the triad scenario (GREEN allied to BLUE) with one table raises."""
    with pytest.raises(ScenarioError) as info:
        load_scenario(write_scenario(triad_toml(extra=table)))
    return info.value.problems


def test_scheduled_signals_and_cbms_load(write_scenario):
    """Valid [[signal]], [[cbm]] and [[forum]] tables load with their defaults."""
    table = """
[[signal]]
kind = "exercise"
state = "GREEN"
partners = ["BLUE"]
every_years = 1.0

[[signal]]
kind = "patrol"
state = "RED"
theater = "border"
level = 0.5
every_years = 0.5
first_year = 2000.5
last_year = 2001.5

[[cbm]]
kind = "hotline"
parties = ["RED", "BLUE"]

[[forum]]
name = "Border talks"
members = ["RED", "BLUE", "GREEN"]
every_years = 1.0
"""
    scenario = load_scenario(write_scenario(triad_toml(extra=table)))
    exercise, patrol = scenario.signals
    assert (exercise.partners, exercise.first_year, exercise.last_year) == (
        ("BLUE",),
        2000.0,
        None,
    )
    assert (patrol.theater, patrol.partners, patrol.last_year) == ("border", (), 2001.5)
    assert scenario.cbms[0].year == 2000.0
    assert scenario.forums[0].first_year == 2000.0


def test_exercise_with_a_non_ally_is_named(write_scenario):
    """An exercise naming a state that is not the sender's ally is an error."""
    table = '[[signal]]\nkind = "exercise"\nstate = "GREEN"\npartners = ["RED"]\n'
    expected = "signal[0].partners: 'RED' is not an ally of GREEN"
    assert any(expected in p for p in signal_problems(write_scenario, table))


def test_declaration_to_itself_is_named(write_scenario):
    """A state cannot pledge to defend itself."""
    table = '[[signal]]\nkind = "declaration"\nstate = "RED"\npartners = ["RED"]\n'
    expected = "signal[0].partners: 'RED' is not an ally of RED"
    assert any(expected in p for p in signal_problems(write_scenario, table))


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        (
            '[[signal]]\nkind = "patrol"\nstate = "RED"\ntheater = "moon"\n',
            "signal[0].theater: 'moon' is not one of: border",
        ),
        (
            '[[signal]]\nkind = "patrol"\nstate = "RED"\ntheater = "border"\n'
            "level = 2.0\n",
            "signal[0].level: 2.0 is above 1.0",
        ),
        (
            '[[signal]]\nkind = "flyover"\nstate = "RED"\n',
            "signal[0].kind: 'flyover' is not one of: exercise, patrol, declaration",
        ),
        (
            '[[cbm]]\nkind = "hotline"\nparties = ["RED", "PINK"]\n',
            "cbm[0].parties: 'PINK' is not a state declared in [[state]]",
        ),
        (
            '[[forum]]\nname = "F"\nmembers = ["RED", "BLUE"]\nevery_years = 0\n',
            "forum[F].every_years: 0.0 must be a positive number of years",
        ),
        (
            '[[forum]]\nname = "F"\nmembers = ["RED", "BLUE"]\nevery_years = 0.1\n',
            "forum[F].every_years: 0.1 is shorter than one step (0.25 years)",
        ),
        (
            '[[forum]]\nname = "F"\nmembers = ["RED", "BLUE"]\nevery_years = 1\n'
            "first_year = 1999.5\n",
            "forum[F].first_year: 1999.5 is before the run starts "
            "(scenario.start_year = 2000)",
        ),
        (
            '[[cbm]]\nkind = "hotline"\nparties = ["RED", "BLUE"]\nyear = 2010.0\n',
            "cbm[0].year: 2010.0 is at or after the run's end (2010: "
            "scenario.start_year = 2000 plus 40 steps of 0.25 years)",
        ),
        (
            '[[signal]]\nkind = "patrol"\nstate = "RED"\ntheater = "border"\n'
            "every_years = 1\nfirst_year = 2002.0\nlast_year = 2001.0\n",
            "signal[0].last_year: 2001.0 is below 2002.0",
        ),
    ],
)
def test_bad_signal_tables_are_named(write_scenario, table, expected):
    """Unknown theaters, kinds, states and out-of-range values name their field."""
    assert any(expected in p for p in signal_problems(write_scenario, table))


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        (
            '[[forum]]\nname = "F"\nmembers = ["RED", "BLUE"]\nevery_steps = 4\n'
            "first_step = 2\n",
            "forum[F].first_step: 2 is no longer read: schedules are in calendar "
            "years; use first_year",
        ),
        (
            '[[forum]]\nname = "F"\nmembers = ["RED", "BLUE"]\nevery_steps = 4\n',
            "forum[F].every_steps: 4 is no longer read: schedules are in calendar "
            "years; use every_years",
        ),
        (
            '[[signal]]\nkind = "patrol"\nstate = "RED"\ntheater = "border"\n'
            "every_years = 1\nstart_step = 2\nend_step = 8\n",
            "signal[0].end_step: 8 is no longer read: schedules are in calendar "
            "years; use last_year",
        ),
        (
            '[[cbm]]\nkind = "hotline"\nparties = ["RED", "BLUE"]\nsince_step = 3\n',
            "cbm[0].since_step: 3 is no longer read: schedules are in calendar "
            "years; use year",
        ),
        (
            '[[inject]]\nstep = 1\nkind = "disaster"\nparties = ["RED"]\n',
            "inject[0].step: 1 is no longer read: schedules are in calendar years; "
            "use year",
        ),
        (
            '[[script]]\nstate = "RED"\nstep = 1\ncrisis = { BLUE = "hold" }\n',
            "script[0].step: 1 is no longer read: schedules are in calendar years; "
            "use year",
        ),
    ],
)
def test_schedules_in_steps_are_refused_naming_the_year_fields(
    write_scenario, table, expected
):
    """Step-counted schedule fields of older files are refused with their new name.

    One mistake, one line: the year field it replaces is not also called missing
    (nor checked as the 0 it was taken as).
    """
    problems = signal_problems(write_scenario, table)
    assert any(expected in p for p in problems)
    assert all("is no longer read" in p for p in problems), problems


@given(
    since=st.floats(0.0, 50.0),
    later=st.floats(0.0, 50.0),
    memory=st.floats(0.01, 10.0),
)
def test_a_misreading_is_a_standard_normal_that_persists(since, later, memory):
    """The exact Ornstein-Uhlenbeck step: variance kept, the mean fades as a whole.

    From an error of 1 with no fresh part the mean fades by ``exp(-t / m)``, and
    two steps fade as one of their total time; the fresh part fills the variance
    back to 1. No time keeps the error; never read, or no memory, is afresh.
    """
    kept = signaling.misread(np.array(1.0), np.array(0.0), since, memory)
    new = signaling.misread(np.array(0.0), np.array(1.0), since, memory)
    assert kept**2 + new**2 == pytest.approx(1.0)
    assert kept == pytest.approx(np.exp(-since / memory))
    twice = signaling.misread(kept, np.array(0.0), later, memory)
    once = signaling.misread(np.array(1.0), np.array(0.0), since + later, memory)
    assert twice == pytest.approx(once, rel=1e-9, abs=1e-300)
    assert signaling.misread(np.array(0.3), np.array(-2.0), 0.0, memory) == 0.3
    assert signaling.misread(np.array(0.3), np.array(-2.0), np.inf, memory) == -2.0
    assert signaling.misread(np.array(0.3), np.array(-2.0), since, 0.0) == -2.0
