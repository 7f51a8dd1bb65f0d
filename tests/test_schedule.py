"""Scheduled events in calendar years: the same schedule at any step length."""

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from sim import diplomacy, engine
from sim.scenario import ScenarioError, load_scenario
from sim.schedule import Repeating, in_step, span_steps, step_of
from tests.conftest import triad_toml

STEP_LENGTHS = (1 / 12, 1 / 4, 1 / 2)
"""Monthly, quarterly and half-yearly steps."""


def test_a_year_happens_in_the_step_that_holds_it():
    """Step s covers [start + s dt, start + (s + 1) dt)."""
    assert step_of(2024.0, 2024, 0.25) == 0
    assert step_of(2024.2, 2024, 0.25) == 0
    assert step_of(2024.75, 2024, 0.25) == 3
    assert step_of(2024.75, 2024, 0.5) == 1
    assert step_of(2024.75, 2024, 1 / 12) == 9


@given(
    first=st.floats(0.0, 3.0),
    every=st.floats(1.0, 7.0),
    span=st.floats(0.0, 30.0),
    steps=st.integers(1, 60),
)
def test_a_repeating_event_happens_once_per_occurrence(first, every, span, steps):
    """Each occurrence before the end falls in exactly one step, at most one a step."""
    last = first + span
    assume(all(abs(first + k * every - last) > 1e-6 for k in range(100)))
    events = Repeating(np.array([first]), np.array([every]), np.array([last]))
    happened = sum(bool(events.at(s)[0]) for s in range(steps))
    occurrences = [first + k * every for k in range(100)]
    expected = sum(t <= last and t < steps - 1e-9 for t in occurrences)
    assert happened == expected


events = st.tuples(
    st.floats(0.0, 3.0),
    st.floats(0.05, 7.0),
    st.floats(0.0, 30.0),
    st.floats(0.01, 9.0),
)
"""An event that lasts: first occurrence, period, span to its last, hold (steps)."""


@given(event=events, steps=st.integers(1, 40))
def test_a_lasting_event_holds_for_each_occurrence(event, steps):
    """Over the steps, each occurrence holds ``min(hold, period)``, cut at the end."""
    first, every, span, hold = event
    last = first + span
    assume(all(abs(first + k * every - last) > 1e-6 for k in range(1000)))
    lasting = Repeating(np.array([first]), np.array([every]), np.array([last]))
    shares = [lasting.share_held(s, np.array([hold]))[0] for s in range(steps)]
    starts = [t for k in range(1000) if (t := first + k * every) <= last and t < steps]
    expected = sum(min(hold, every, steps - t) for t in starts)
    assert all(0.0 <= share <= 1.0 for share in shares)
    assert sum(shares) == pytest.approx(expected, rel=1e-9, abs=1e-9)


@given(event=events, split=st.integers(2, 12), step=st.integers(0, 30))
def test_shorter_steps_hold_a_lasting_event_as_long(event, split, step):
    """A step's time held is the sum over the ``split`` shorter steps it holds."""
    first, every, span, hold = (np.array([x]) for x in event)
    coarse = Repeating(first, every, first + span)
    fine = Repeating(first * split, every * split, (first + span) * split)
    shares = [fine.share_held(step * split + k, hold * split)[0] for k in range(split)]
    assert sum(shares) / split == pytest.approx(
        coarse.share_held(step, hold)[0], rel=1e-9, abs=1e-9
    )


@given(event=events, level=st.floats(0.0, 1.0), step=st.integers(0, 30))
def test_the_highest_of_one_event_is_its_share_held_at_its_level(event, level, step):
    """Alone, an event's mean level over a step is its share held times its level."""
    first, every, span, hold = (np.array([x]) for x in event)
    lasting = Repeating(first, every, first + span)
    assert lasting.mean_highest(step, hold, [0], np.array([level])) == pytest.approx(
        lasting.share_held(step, hold)[0] * level, rel=1e-9, abs=1e-9
    )


def test_the_highest_level_counts_instant_by_instant():
    """Levels 1.0 and 0.4, held a quarter of a step each, apart or together."""
    hold, levels = np.array([0.25, 0.25]), np.array([1.0, 0.4])
    apart = Repeating(np.array([0.0, 0.5]), np.array([1.0, 1.0]), np.array([9.0, 9.0]))
    together = Repeating(np.array([0.5, 0.5]), np.array([1.0, 1.0]), np.array([9, 9]))
    assert apart.mean_highest(3, hold, [0, 1], levels) == pytest.approx(0.35)
    assert together.mean_highest(3, hold, [0, 1], levels) == pytest.approx(0.25)


@given(
    one=events,
    other=events,
    levels=st.tuples(st.floats(0.0, 1.0), st.floats(0.0, 1.0)),
    split=st.integers(2, 12),
    step=st.integers(0, 20),
)
def test_shorter_steps_give_the_same_mean_of_the_highest(
    one, other, levels, split, step
):
    """Two events' highest level over a step is the mean over the shorter steps."""
    first, every, span, hold = (np.array(pair) for pair in zip(one, other, strict=True))
    coarse = Repeating(first, every, first + span)
    fine = Repeating(first * split, every * split, (first + span) * split)
    level = np.array(levels)
    means = [
        fine.mean_highest(step * split + k, hold * split, [0, 1], level)
        for k in range(split)
    ]
    assert sum(means) / split == pytest.approx(
        coarse.mean_highest(step, hold, [0, 1], level), rel=1e-9, abs=1e-9
    )


def schedule_counts(dt: float) -> dict[str, list[float]]:
    """Forum meetings and signals sent in each calendar year of quad_aukus at ``dt``.

    With the years of US-Japan exercise, at its level, in each year.
    """
    years = 10
    scenario = load_scenario(
        "quad_aukus",
        overrides={"scenario.dt_years": dt, "scenario.steps": round(years / dt)},
    )
    setup = engine.build_setup(scenario)
    counts = {
        name: [0] * years
        for name in [f.name for f in scenario.forums] + ["signals", "exercise years"]
    }
    usa, jpn = scenario.state_index("USA"), scenario.state_index("JPN")
    for step in range(scenario.info.steps):
        year = math.floor(step * dt + 1e-9)
        met = setup.diplomacy.forum_meetings.at(step)
        for forum, meets in zip(scenario.forums, met, strict=True):
            counts[forum.name][year] += int(meets)
        counts["signals"][year] += int(setup.diplomacy.signal_sendings.at(step).sum())
        sent = diplomacy.scheduled_signals(setup, step)
        counts["exercise years"][year] += float(sent.exercise[0, usa, jpn]) * dt
    counts["exercise years"] = [round(x, 9) for x in counts["exercise years"]]
    return counts


def test_forums_and_signals_happen_as_often_per_year_at_any_step_length():
    """Monthly, quarterly and half-yearly runs hold the same events in each year."""
    monthly, quarterly, half_yearly = (schedule_counts(dt) for dt in STEP_LENGTHS)
    assert monthly == quarterly == half_yearly
    assert quarterly["ASEAN Regional Forum"] == [1] * 10  # yearly, as the file says
    assert quarterly["Quad Leaders' Summit"] == [1] * 10
    assert sum(quarterly["signals"]) == 3 + 6 + 8 + 5 + 10  # the five [[signal]]s
    # each sending holds a quarter: at 0.3 once a year, 0.6 then 1.0 twice a year
    assert quarterly["exercise years"] == [0.075] * 3 + [0.3] * 3 + [0.5] * 4


def test_a_one_off_event_keeps_its_year_at_any_step_length():
    """A crisis inject and a script act in the step that holds their year."""
    for dt in STEP_LENGTHS:
        scenario = load_scenario(
            "korean_peninsula",
            overrides={"scenario.dt_years": dt, "scenario.steps": round(5 / dt)},
        )
        crisis = next(j for j in scenario.injects if j.kind == "crisis")
        step = scenario.step_of(crisis.year)
        assert step * dt <= crisis.year - scenario.info.start_year < (step + 1) * dt


def test_a_forum_meeting_more_often_than_a_step_is_refused(write_scenario):
    """At half-yearly steps quarterly meetings would be merged: they are refused."""
    talks = '[[forum]]\nname = "Talks"\nmembers = ["RED", "BLUE"]\nevery_years = 0.25\n'
    path = write_scenario(triad_toml(extra=talks))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, overrides={"scenario.dt_years": 0.5})
    assert any(
        "forum[Talks].every_years: 0.25 is shorter than one step (0.5 years)" in p
        for p in info.value.problems
    ), info.value


def test_a_quarterly_patrol_holds_throughout_at_half_year_steps():
    """A signal lasts, so it may repeat within a step: back to back, it holds."""
    scenario = load_scenario("signaling", overrides={"scenario.dt_years": 0.5})
    patrol = scenario.signals[3]
    assert (patrol.kind, patrol.every_years, patrol.duration_years) == (
        "patrol",
        0.25,
        0.25,
    )
    setup = engine.build_setup(scenario)
    usa = scenario.state_index(patrol.state)
    theater = [t.id for t in scenario.theaters].index(patrol.theater)
    for step in range(4):
        sent = diplomacy.scheduled_signals(setup, step)
        assert sent.patrol[0, usa, theater] == patrol.level


@pytest.mark.parametrize(("value", "shown"), [(0, "0.0"), (-0.25, "-0.25")])
def test_a_signal_must_last_some_time(write_scenario, value, shown):
    """A sending of no or negative length is refused, naming the field."""
    drill = (
        '[[signal]]\nkind = "exercise"\nstate = "GREEN"\npartners = ["BLUE"]\n'
        f"every_years = 1.0\nduration_years = {value}\n"
    )
    with pytest.raises(ScenarioError) as info:
        load_scenario(write_scenario(triad_toml(extra=drill)))
    assert any(
        f"signal[0].duration_years: {shown} must be a positive number of years" in p
        for p in info.value.problems
    ), info.value


def test_old_step_fields_are_refused_with_the_new_names(write_scenario):
    """A scenario written with step counts names every year field that replaced it."""
    old = """
[[forum]]
name = "Talks"
members = ["RED", "BLUE"]
every_steps = 4
first_step = 2

[[inject]]
step = 1
kind = "disaster"
parties = ["RED"]
"""
    with pytest.raises(ScenarioError) as info:
        load_scenario(write_scenario(triad_toml(extra=old)))
    text = str(info.value)
    for old_field, new_field in (
        ("forum[Talks].every_steps: 4", "use every_years"),
        ("forum[Talks].first_step: 2", "use first_year"),
        ("inject[0].step: 1", "use year"),
    ):
        assert f"{old_field} is no longer read" in text
        assert new_field in text


@pytest.mark.parametrize(
    ("dt", "expected"), [(1 / 12, (15.0, 18.0)), (0.25, (5.0, 6.0)), (0.5, (2.5, 3.0))]
)
def test_a_span_of_whole_steps_covers_exactly_them(dt, expected):
    """A quarter from 2025.25 is whole steps at monthly and quarterly steps.

    At half-year steps it is the second half of step 2; no span reaches into a
    step it only touches at an end.
    """
    start, end = span_steps(2025.25, 0.25, 2024.0, dt)
    assert (start, end) == expected
    steps = np.arange(round(3 / dt))
    reached = steps[in_step(np.array([start]), np.array([end]), steps)]
    assert reached.tolist() == list(range(math.floor(start), math.ceil(end)))


def test_a_span_a_hair_off_whole_steps_is_taken_as_them():
    """(2024.3 - 2024) / 0.1 is 2.9999999999995, and it is step 3 that it starts."""
    start, end = span_steps(2024.3, 0.3, 2024.0, 0.1)
    assert (start, end) == (3.0, 6.0)
    reached = in_step(np.array([start]), np.array([end]), np.arange(8))
    assert np.flatnonzero(reached).tolist() == [3, 4, 5]
