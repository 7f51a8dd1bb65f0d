"""Scheduled events in calendar years: the same schedule at any step length."""

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from sim import diplomacy, engine
from sim.scenario import ScenarioError, load_scenario
from sim.schedule import Repeating, step_of
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


def schedule_counts(dt: float) -> dict[str, list[int]]:
    """Forum meetings and signals sent in each calendar year of quad_aukus at ``dt``."""
    years = 10
    scenario = load_scenario(
        "quad_aukus",
        overrides={"scenario.dt_years": dt, "scenario.steps": round(years / dt)},
    )
    setup = engine.build_setup(scenario)
    counts = {
        name: [0] * years
        for name in [f.name for f in scenario.forums] + ["signals", "exercise days"]
    }
    usa, jpn = scenario.state_index("USA"), scenario.state_index("JPN")
    for step in range(scenario.info.steps):
        year = math.floor(step * dt + 1e-9)
        met = setup.diplomacy.forum_meetings.at(step)
        for forum, meets in zip(scenario.forums, met, strict=True):
            counts[forum.name][year] += int(meets)
        counts["signals"][year] += int(setup.diplomacy.signal_sendings.at(step).sum())
        sent = diplomacy.scheduled_signals(setup, step)
        counts["exercise days"][year] += int(sent.exercise[0, usa, jpn] > 0)
    return counts


def test_forums_and_signals_happen_as_often_per_year_at_any_step_length():
    """Monthly, quarterly and half-yearly runs hold the same events in each year."""
    monthly, quarterly, half_yearly = (schedule_counts(dt) for dt in STEP_LENGTHS)
    assert monthly == quarterly == half_yearly
    assert quarterly["ASEAN Regional Forum"] == [1] * 10  # yearly, as the file says
    assert quarterly["Quad Leaders' Summit"] == [1] * 10
    assert sum(quarterly["signals"]) == 3 + 6 + 8 + 5 + 10  # the five [[signal]]s


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


def test_a_period_shorter_than_a_step_is_refused():
    """At half-yearly steps a quarterly patrol would be merged: it is refused."""
    with pytest.raises(ScenarioError) as info:
        load_scenario("signaling", overrides={"scenario.dt_years": 0.5})
    assert any(
        "signal[3].every_years: 0.25 is shorter than one step (0.5 years)" in p
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
