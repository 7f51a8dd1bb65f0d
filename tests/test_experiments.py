"""Running a scenario at parameter points; parsing output conditions."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.experiments import (
    ExperimentError,
    check_outcome,
    outcome_names,
    parse_condition,
    run_points,
)
from sim.scenario import ScenarioError
from tests.conftest import pair_toml

RATE = "mechanisms.escalation.incident_rate_per_year"


def test_points_share_seeds_so_equal_points_give_equal_outcomes(write_scenario):
    """Two identical points run the same replications: identical outcomes."""
    path = write_scenario(pair_toml(steps=12))
    result = run_points(path, [{RATE: 2.0}, {RATE: 0.1}, {RATE: 2.0}], replications=6)
    frames = [
        result.outcomes[result.outcomes["point"] == p].drop(columns="point")
        for p in (0, 2)
    ]
    pd.testing.assert_frame_equal(*(f.reset_index(drop=True) for f in frames))
    assert len(result.means("crises")) == 3
    assert result.years == pytest.approx(3.0)


def test_a_bad_path_at_a_point_is_named(write_scenario):
    """An override path that does not exist fails naming it."""
    path = write_scenario(pair_toml())
    with pytest.raises(ScenarioError, match="nope"):
        run_points(path, [{"mechanisms.escalation.nope": 1.0}], replications=1)


def test_outcome_names_are_checked(write_scenario):
    """A name that is no output is refused with the list of outputs."""
    names = outcome_names(write_scenario(pair_toml()))
    assert "peak_rung" in names and "replication" not in names
    with pytest.raises(ExperimentError, match="outcome 'risk': not an outcome; "):
        check_outcome("risk", names)


def test_conditions_parse_and_hold_elementwise():
    """'peak_rung >= 4' compares elementwise; NaN never meets it."""
    condition = parse_condition("peak_rung >= 4", "condition")
    assert str(condition) == "peak_rung >= 4"
    held = condition.holds(np.array([3.0, 4.0, 5.0, np.nan]))
    assert held.tolist() == [False, True, True, False]
    assert condition.excess(3.0) == 1.0
    assert parse_condition("arms_burden<=0.03", "constraints").excess(0.01) < 0


@pytest.mark.parametrize("text", ["peak_rung", "peak_rung >= high", "a => 1", ">= 4"])
def test_malformed_conditions_are_refused(text):
    """Anything but NAME OP NUMBER is refused, never evaluated."""
    with pytest.raises(ExperimentError, match="expected NAME OP NUMBER"):
        parse_condition(text, "condition")


def test_equality_is_no_constraint():
    """A constraint must be an inequality."""
    with pytest.raises(ExperimentError, match="inequality"):
        parse_condition("crises == 2", "constraints").excess(1.0)


@given(
    operator=st.sampled_from(["<=", "<", ">=", ">"]),
    bound=st.floats(-1e6, 1e6, allow_nan=False),
    value=st.floats(-1e6, 1e6, allow_nan=False),
)
def test_an_inequality_holds_exactly_where_its_excess_allows(operator, bound, value):
    """holds(v) is excess(v) <= 0 (non-strict) or excess(v) < 0 (strict)."""
    condition = parse_condition(f"arms_burden {operator} {bound!r}", "constraints")
    excess = condition.excess(value)
    expected = excess <= 0 if operator in ("<=", ">=") else excess < 0
    assert bool(condition.holds(np.array([value]))[0]) == expected


def test_points_are_the_same_on_processes_and_in_process(write_scenario):
    """Two local processes and small chunks give the in-process numbers exactly."""
    from sim.executors import Processes

    path = write_scenario(pair_toml(steps=6))
    points = [{}, {"mechanisms.escalation.incident_rate_per_year": 3.0}]
    here = run_points(path, points, replications=5, seed=4)
    with Processes(2) as pool:
        there = run_points(
            path, points, replications=5, seed=4, executor=pool, chunk_size=2
        )
    pd.testing.assert_frame_equal(here.outcomes, there.outcomes)
    pd.testing.assert_frame_equal(here.crises, there.crises)
