"""A team's move checked against the rules and turned into a policy choice."""

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.classroom.moves import MoveError, check_move, max_budget
from sim.model import RegionModel

SCENARIO = Path(__file__).parent.parent / "scenarios" / "classroom_crisis.toml"


@pytest.fixture(scope="module")
def model() -> RegionModel:
    return RegionModel(SCENARIO)


@settings(max_examples=60, deadline=None)
@given(change_pct=st.floats(-300, 1000, allow_nan=False))
def test_a_budget_is_accepted_exactly_within_the_states_means(model, change_pct):
    """Any change is allowed iff the new spending lies in [0, max_share_gdp x GDP]."""
    usa = model.agent("USA")
    milex = usa.milex * (1 + change_pct / 100)
    allowed = 0 <= milex <= max_budget(model)[usa.index]
    try:
        choice = check_move(model, "USA", {"budget_change_pct": change_pct})
    except MoveError:
        assert not allowed
    else:
        assert allowed
        assert choice == {"milex_usd_m": milex}


def test_a_move_must_be_a_table(model):
    """A move that is not a dict is refused."""
    with pytest.raises(MoveError, match="a move is a table of choices"):
        check_move(model, "USA", ["escalate"])
