"""The news of a turn, public and private, from games played with the session."""

from pathlib import Path

import pytest

from sim.classroom import debrief
from sim.classroom.news import place
from sim.classroom.pages import news_block, projector_live, team_live
from sim.classroom.session import GameSession, MoveError

SCENARIO = Path(__file__).parent.parent / "scenarios" / "classroom_crisis.toml"


def test_a_measure_in_force_is_not_asked_for_again():
    """Once a hotline is in force, no private line asks to offer it back."""
    game = GameSession(SCENARIO, ["USA", "CHN"])
    game.submit("USA", {"cbm": {"CHN": "hotline"}})
    game.submit("CHN", {"cbm": {"USA": "hotline", "JPN": "notification"}})
    game.next_turn()
    news = game.news[-1]
    assert "In force from now: a hotline between CHN and USA." in news["public"]
    assert "CHN offered you a hotline, in force between you." in news["private"]["USA"]
    assert not any("offer it back" in line for line in news["private"]["USA"])
    game.submit("USA", {})
    with pytest.raises(MoveError, match="in force already"):  # offered again
        game.submit("CHN", {"cbm": {"USA": "hotline"}})
    game.submit("CHN", {"cbm": {"USA": "hotline"}}, replay=True)  # an older log's
    game.next_turn()
    assert not any("offer it back" in line for line in game.news[-1]["private"]["USA"])


def test_an_offer_not_yet_in_force_asks_for_an_answer():
    """An offer the partner has not made back is told with what brings it in force."""
    game = GameSession(SCENARIO, ["USA", "CHN"])
    game.submit("USA", {})
    game.submit("CHN", {"cbm": {"USA": "notification"}})
    game.next_turn()
    assert game.news[-1]["private"]["USA"][1] == (
        "CHN offered you a notification: offer it back to bring it into force."
    )


def test_a_budget_shock_reads_as_a_sentence():
    """One state spends, two spend: the verb and the pronoun agree; the size is told."""
    game = GameSession(SCENARIO, ["USA", "CHN"])
    game.inject({"kind": "budget_shock", "parties": ["CHN"], "magnitude": 0.9})
    game.inject({"kind": "budget_shock", "parties": ["JPN", "KOR"], "magnitude": 1.2})
    for team in game.teams:
        game.submit(team, {})
    game.next_turn()
    public = game.news[-1]["public"]
    assert "Budget shock: CHN spends 0.9 times its budget this turn (a 10% cut)." in (
        public
    )
    assert (
        "Budget shock: JPN and KOR spend 1.2 times their budgets this turn "
        "(a 20% rise)." in public
    )


def test_a_crisis_inject_of_this_turn_is_told_as_opening_at_its_end():
    """The scenario's CHN-PHL crisis of turn 1 cannot be answered in turn 1."""
    game = GameSession(SCENARIO, ["USA", "CHN"])
    for team in game.teams:
        game.submit(team, {})
    game.next_turn()
    coming = (
        "Crisis: CHN challenges PHL in South China Sea at diplomatic protest "
        "(Coast guard water-cannon incident at a disputed shoal). It opens at the "
        "end of this turn: CHN and PHL can answer it from next turn."
    )
    assert f"<li>{coming}</li>" in team_live(game, "CHN", {})
    assert f"<li>{coming}</li>" in projector_live(game, {}, 0)
    with pytest.raises(MoveError, match="no crisis"):
        game.submit("CHN", {"crisis": {"PHL": "hold"}})


def test_signals_after_a_treaty_change_ended_the_tie_back_no_commitment():
    """The engine ends the tie before it reads the signals; the news says so, after.

    USA exercised with PHL and pledged to defend it, then the instructor ended
    their tie in the same turn: the headline comes first, and the exercise and
    pledge are told as backing no commitment. The timeline of the debrief
    marks the move so. A tie changed but not ended leaves the signals as they
    read.
    """
    game = GameSession(SCENARIO, ["USA", "CHN"])
    game.submit("USA", {"exercise": {"PHL": 0.8}, "declaration": {"PHL": 1}})
    game.inject({"kind": "treaty_change", "parties": ["USA", "PHL"], "magnitude": 0})
    game.play_waiting()
    public = game.news[-1]["public"]
    ended = public.index("Treaty change: the tie of USA and PHL is ended.")
    exercise = public.index(
        "USA held an exercise with PHL after the treaty change ended their tie: it "
        "backs no commitment (it still cost USA and pressed on its rivals)."
    )
    pledge = public.index(
        "USA pledged in public to defend PHL after the treaty change ended their "
        "tie: no commitment stands behind the pledge (USA's word is staked all the "
        "same)."
    )
    assert ended < exercise < pledge
    assert "PHL" not in game.situation("USA")["allies"]
    timeline = debrief._timeline(game, game.events)
    assert timeline[timeline["who"] == "USA"]["what"].item() == (
        "exercise with PHL (level 0.8); public pledge to PHL (level 1) (a treaty "
        "change of this turn ended the tie with PHL first: the exercise or pledge "
        "toward PHL backs no commitment)"
    )
    game.submit("USA", {"exercise": {"JPN": 1}})
    game.inject({"kind": "treaty_change", "parties": ["USA", "JPN"], "magnitude": 0.5})
    game.play_waiting()
    assert "USA held an exercise with JPN." in game.news[-1]["public"]


def test_theaters_are_named_as_the_scenario_names_them():
    """The scenario's own names, not title-cased ids ("Sea Of Japan")."""
    game = GameSession(SCENARIO, ["USA", "JPN"])
    game.submit("USA", {"patrol": {"sea_of_japan": 0.5}})
    game.inject(
        {"kind": "crisis", "parties": ["CHN", "IND"], "theater": "himalayan_border"}
    )
    game.play_waiting()
    public = game.news[-1]["public"]
    assert "USA patrolled Sea of Japan (East Sea)." in public
    assert (
        "Crisis: CHN challenges IND in Himalayan border (Line of Actual Control) at "
        "diplomatic protest." in public
    )
    assert (
        "Crisis: CHN challenges IND in Himalayan border (Line of Actual Control)"
        in (" ".join(debrief._timeline(game, game.events)["what"]))
    )
    assert place("sea_of_japan") == "Sea of Japan"  # a theater the scenario lacks


def test_every_page_announces_an_inject_in_the_scenarios_own_theater_name():
    """The team pages and the projector say a coming crisis's theater alike."""
    game = GameSession(SCENARIO, ["USA", "JPN"])
    game.inject(
        {"kind": "crisis", "parties": ["CHN", "IND"], "theater": "himalayan_border"}
    )
    named = "Himalayan border (Line of Actual Control)"
    assert named in news_block(game, "USA")
    assert named in projector_live(game, {"running": False}, 0)


def test_a_crisis_that_ended_and_gave_way_to_an_injected_one_is_told_so():
    """CHN backs down in the crisis injected at turn 0; the scenario's then opens.

    Both stand at diplomatic protest, but they are two crises: the news says
    the first ended and a new one opened, not that the pair stayed where it was.
    """
    game = GameSession(SCENARIO, ["CHN", "PHL"])
    shoal = {"kind": "crisis", "parties": ["CHN", "PHL"], "theater": "south_china_sea"}
    game.inject({**shoal, "rung": 1})
    game.submit("CHN", {})
    game.submit("PHL", {})
    game.next_turn()
    game.submit("CHN", {"crisis": {"PHL": "back_down"}})
    game.submit("PHL", {"crisis": {"CHN": "hold"}})
    game.next_turn()
    public = game.news[-1]["public"]
    assert (
        "Crisis over: CHN against PHL in South China Sea ended: CHN backed down: "
        "deterrence held." in public
    )
    assert not any("opened no crisis" in line for line in public)
    assert [line for line in public if line.startswith("CHN-PHL:")] == [
        "CHN-PHL: its crisis at diplomatic protest ended; a new one opened at "
        "diplomatic protest."
    ]
