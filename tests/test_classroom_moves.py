"""A team's move checked against the rules and turned into a policy choice."""

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.classroom.moves import (
    MoveError,
    budget_change_bounds_pct,
    check_move,
    describe_move,
    max_budget,
    signal_partners,
)
from sim.model import RegionModel

SCENARIO = Path(__file__).parent.parent / "scenarios" / "classroom_crisis.toml"


@pytest.fixture(scope="module")
def model() -> RegionModel:
    return RegionModel(SCENARIO)


@settings(max_examples=60, deadline=None)
@given(change_pct=st.floats(-300, 1000, allow_nan=False))
def test_a_budget_is_accepted_exactly_within_the_turns_bounds(model, change_pct):
    """A change is allowed iff within the record's yearly range and the GDP cap."""
    usa = model.agent("USA")
    milex = usa.milex * (1 + change_pct / 100)
    lo, hi = budget_change_bounds_pct(model.setup.dt_years)
    allowed = lo <= change_pct <= hi and milex <= max_budget(model)[usa.index]
    try:
        choice = check_move(model, "USA", {"budget_change_pct": change_pct})
    except MoveError:
        assert not allowed
    else:
        assert allowed
        assert choice == {"milex_usd_m": milex}


@pytest.mark.parametrize("state", ["USA", "CHN", "PRK", "TWN"])
def test_the_budget_range_a_refusal_names_holds_its_ends(model, state):
    """Both ends of the range named (to 0.1%, as the pages show it) are allowed."""
    with pytest.raises(MoveError) as refused:
        check_move(model, state, {"budget_change_pct": 50})
    named = re.search(r"from (\S+)% to (\S+)% this turn", str(refused.value))
    for end in named.groups():
        check_move(model, state, {"budget_change_pct": float(end)})


def test_a_move_is_described_in_the_words_of_the_teams_form():
    """No ids with underscores, no `cbm` or `declaration`: what the form says."""
    move = {
        "budget_change_pct": 5.0,
        "posture": 0.7,
        "exercise": {"JPN": 1.0},
        "patrol": {"taiwan_strait": 0.5},
        "declaration": {"JPN": 1.0},
        "crisis": {"PHL": "back_down"},
        "cbm": {"CHN": "hotline"},
    }
    assert describe_move(move) == (
        "budget +5%; posture 0.7; exercise with JPN (level 1); patrol in taiwan "
        "strait (level 0.5); public pledge to JPN (level 1); crisis with PHL: back "
        "down; hotline offered to CHN"
    )


def test_a_move_must_be_a_table(model):
    """A move that is not a dict is refused."""
    with pytest.raises(MoveError, match="a move is a table of choices"):
        check_move(model, "USA", ["escalate"])


@pytest.mark.parametrize("action", [["hold"], {"a": 1}, 3, None])
def test_a_crisis_action_that_is_not_text_is_refused_by_name(model, action):
    """A list or table where an action goes is a move error, not a TypeError."""
    with pytest.raises(MoveError, match="is not a crisis action"):
        check_move(model, "USA", {"crisis": {"CHN": action}})


def test_the_budget_bound_is_the_records_yearly_range_scaled_to_the_turn():
    """Four quarterly turns at the bound compound to one year at it."""
    lo_q, hi_q = budget_change_bounds_pct(0.25)
    lo_y, hi_y = budget_change_bounds_pct(1.0)
    assert lo_y < lo_q < 0 < hi_q < hi_y
    assert (1 + hi_q / 100) ** 4 == pytest.approx(1 + hi_y / 100)
    assert (1 + lo_q / 100) ** 4 == pytest.approx(1 + lo_y / 100)


def test_non_aggression_partners_are_no_signal_partners(model):
    """USA and RUS share only a non-aggression charter: no exercises between them."""
    assert "JPN" in signal_partners(model, "USA")
    assert "RUS" not in signal_partners(model, "USA")
    assert "CHN" not in signal_partners(model, "JPN")
    with pytest.raises(MoveError) as refused:
        check_move(model, "USA", {"exercise": {"RUS": 1.0}})
    assert str(refused.value).startswith(
        "USA: no exercise with 'RUS': it is not a partner of USA, as they share no "
        "defense treaty, strategic partnership, consultation pact or dialogue forum "
        "(a non-aggression pact does not count); choose one of JPN"
    )


def test_partners_and_theaters_are_read_in_any_case(model):
    """check_move spells ids as the scenario does; an unknown one is still refused."""
    move = {"exercise": {"jpn": 0.5}, "patrol": {"TAIWAN_STRAIT": 1.0}}
    choice = check_move(model, "USA", move)
    assert choice == {"exercise": {"JPN": 0.5}, "patrol": {"taiwan_strait": 1.0}}
    with pytest.raises(MoveError, match="not a partner of USA"):
        check_move(model, "USA", {"exercise": {"xyz": 1.0}})


@pytest.mark.parametrize(
    ("state", "move", "message"),
    [
        (
            "JPN",
            {"declaration": {"USA": 1.5}},
            "JPN: public pledge to USA at level 1.5 is not allowed; choose a level "
            "from 0 to 1",
        ),
        (
            "USA",
            {"patrol": {"taiwan_strait": -0.5}},
            "USA: patrol in taiwan strait at level -0.5 is not allowed; choose a "
            "level from 0 to 1",
        ),
    ],
)
def test_a_signal_level_out_of_range_is_named_as_the_form_names_it(
    model, state, move, message
):
    """A team is told of its 'public pledge', not of the engine's 'declaration'."""
    with pytest.raises(MoveError) as refused:
        check_move(model, state, move)
    assert str(refused.value) == message
