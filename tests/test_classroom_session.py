"""The classroom game session: moves, injects, turns, rewind and resume."""

import json
import re
from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest

from sim.classroom.briefing import briefing
from sim.classroom.debrief import write_debrief
from sim.classroom.log import GameLogError
from sim.classroom.pages import team_form
from sim.classroom.session import GameError, GameSession, MoveError
from sim.cli import main
from sim.scenario import ScenarioError
from tests.conftest import pair_toml

SCENARIO = Path(__file__).parent.parent / "scenarios" / "classroom_crisis.toml"
TEAMS = ["USA", "CHN", "JPN"]
COLLISION = {
    "kind": "crisis",
    "parties": ["CHN", "JPN"],
    "theater": "east_china_sea",
    "rung": 2,
    "note": "collision at sea",
}


def play_turn(game: GameSession, **moves: dict) -> None:
    """Submit each team's move (empty unless given) and play the turn."""
    for team in game.teams:
        game.submit(team, moves.get(team, {}))
    game.next_turn()


def snapshot(game: GameSession) -> dict[str, np.ndarray]:
    """Every array of the game's world, copied."""
    world = game.model.world
    out = {name: np.copy(value) for name, value in world.fields.items()}
    out["step"] = np.array(world.step)
    for name in ("crises", "ended"):
        table = out.pop(name).item()
        out |= {
            f"{name}.{f.name}": np.copy(getattr(table, f.name)) for f in fields(table)
        }
    return out


def assert_same(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> None:
    assert a.keys() == b.keys()
    for name in a:
        assert np.array_equal(a[name], b[name]), name


def test_rewind_replays_to_the_same_state_bit_for_bit(tmp_path):
    """Rewinding to a turn gives the world of that turn exactly, and play goes on."""
    game = GameSession(SCENARIO, TEAMS, log=tmp_path / "g.jsonl")
    play_turn(game, USA={"budget_change_pct": 4, "exercise": {"JPN": 1.0}})
    at_turn_1 = snapshot(game)
    game.inject(COLLISION)
    play_turn(game, CHN={"posture": 0.9})
    play_turn(
        game, CHN={"crisis": {"JPN": "escalate"}}, JPN={"crisis": {"CHN": "hold"}}
    )
    after = snapshot(game)
    game.rewind(1)
    assert game.turn == 1
    assert_same(snapshot(game), at_turn_1)
    game.inject(COLLISION)
    play_turn(game, CHN={"posture": 0.9})
    play_turn(
        game, CHN={"crisis": {"JPN": "escalate"}}, JPN={"crisis": {"CHN": "hold"}}
    )
    assert_same(snapshot(game), after)


def test_resume_continues_where_the_log_stops(tmp_path):
    """A resumed game has the same world, the same pending moves, and plays on alike."""
    log = tmp_path / "g.jsonl"
    game = GameSession(SCENARIO, TEAMS, log=log)
    play_turn(game, JPN={"budget_change_pct": 5})
    game.inject(COLLISION)
    game.submit("USA", {"declaration": {"JPN": 1.0}})
    resumed = GameSession.resume(log)
    assert resumed.turn == 1
    assert resumed.moves == game.moves
    assert_same(snapshot(resumed), snapshot(game))
    for g in (game, resumed):
        g.submit("CHN", {})
        g.submit("JPN", {})
        g.next_turn()
    assert_same(snapshot(resumed), snapshot(game))


def test_a_rewound_game_resumes_at_the_rewound_turn(tmp_path):
    """The log records the rewind, so a resumed game is the rewound one."""
    log = tmp_path / "g.jsonl"
    game = GameSession(SCENARIO, TEAMS, log=log)
    play_turn(game)
    play_turn(game, CHN={"budget_change_pct": 4})
    game.rewind(1)
    play_turn(game, CHN={"budget_change_pct": -3})
    resumed = GameSession.resume(log)
    assert resumed.turn == 2
    assert_same(snapshot(resumed), snapshot(game))


@pytest.mark.parametrize(
    ("team", "move", "message"),
    [
        ("RUS", {}, "'RUS' is not played by a team"),
        ("USA", {"budget_change_pct": 500}, "beyond USA's means (at most 10% of GDP"),
        ("USA", {"budget_change_pct": -50}, "more than budgets in the region change"),
        ("USA", {"exercise": {"RUS": 1.0}}, "not a partner of USA, as they share"),
        ("JPN", {"declaration": {"CHN": 1.0}}, "no public pledge to 'CHN': it is"),
        ("JPN", {"crisis": {"CHN": "escalate"}}, "not allowed at rung 0"),
        ("USA", {"exercise": {"CHN": 1.0}}, "no exercise with 'CHN'"),
        ("USA", {"patrol": {"atlantis": 1.0}}, "not a theater"),
        ("USA", {"posture": 1.5}, "posture 1.5 is not allowed"),
        ("USA", {"nukes": 1}, "unknown choice(s) nukes"),
        ("USA", {"cbm": {"CHN": "treaty"}}, "not a confidence-building measure"),
    ],
)
def test_a_move_the_rules_forbid_is_refused_and_changes_nothing(
    tmp_path, team, move, message
):
    """A forbidden move raises a clear message; world, moves and log are unchanged."""
    log = tmp_path / "g.jsonl"
    game = GameSession(SCENARIO, TEAMS, log=log)
    before, text = snapshot(game), log.read_text()
    with pytest.raises(
        MoveError, match=message.replace("(", r"\(").replace(")", r"\)")
    ):
        game.submit(team, move)
    assert_same(snapshot(game), before)
    assert game.moves == {}
    assert log.read_text() == text


def test_states_theaters_and_teams_may_be_given_in_any_case(tmp_path):
    """Lower-case ids play as the scenario's and are logged in its spelling."""
    lower = {
        "jpn": {"crisis": {"chn": "hold"}, "cbm": {"rus": "notification"}},
        "usa": {"exercise": {"jpn": 1.0}, "patrol": {"Taiwan_Strait": 0.5}},
        "Chn": {"crisis": {"jPn": "escalate"}},
    }
    upper = {
        "JPN": {"crisis": {"CHN": "hold"}, "cbm": {"RUS": "notification"}},
        "USA": {"exercise": {"JPN": 1.0}, "patrol": {"taiwan_strait": 0.5}},
        "CHN": {"crisis": {"JPN": "escalate"}},
    }
    log = tmp_path / "g.jsonl"
    games = [GameSession(SCENARIO, TEAMS, log=log), GameSession(SCENARIO, TEAMS)]
    for game, moves in zip(games, (lower, upper), strict=True):
        game.inject(COLLISION)
        play_turn(game)
        for team, move in moves.items():
            game.submit(team, move)
        assert game.moves == upper
        game.next_turn()
    assert_same(snapshot(games[0]), snapshot(games[1]))
    assert games[0].added["cbm"][0]["parties"] == ["JPN", "RUS"]
    assert not re.search(r'"(jpn|chn|rus|usa|Chn|jPn|Taiwan_Strait)"', log.read_text())
    assert_same(snapshot(GameSession.resume(log)), snapshot(games[0]))


def test_the_teams_of_a_game_may_be_named_in_any_case():
    """``--teams usa,chn`` is the scenario's USA and CHN; an unknown team is named."""
    game = GameSession(SCENARIO, ["usa", "Chn"])
    assert game.teams == ("USA", "CHN") and game.header.teams == ("USA", "CHN")
    assert game.situation("usa")["threshold"] == game.situation("USA")["threshold"]
    assert game.advice("chn") == game.advice("CHN")
    for ask in (game.situation, game.advice):
        with pytest.raises(MoveError, match="'JPN' is not played by a team"):
            ask("JPN")


def test_a_state_named_twice_in_any_case_is_refused():
    """CHN and chn in one table are one state named twice, not two orders."""
    game = GameSession(SCENARIO, TEAMS)
    game.inject(COLLISION)
    with pytest.raises(MoveError, match="crisis names CHN twice"):
        game.submit("JPN", {"crisis": {"CHN": "hold", "chn": "back_down"}})
    assert game.moves == {}


def test_an_inject_naming_an_unknown_state_is_refused_and_changes_nothing(tmp_path):
    """The scenario's validator names the bad party; the game is untouched.

    It is said of the inject, not of its place among the scenario's
    (``added in play: inject[2].parties``).
    """
    log = tmp_path / "g.jsonl"
    game = GameSession(SCENARIO, TEAMS, log=log)
    text, spec = log.read_text(), game.model.spec
    with pytest.raises(ScenarioError) as refused:
        game.inject({**COLLISION, "parties": ["CHN", "ZZZ"]})
    assert refused.value.problems == [
        "the inject's parties: 'ZZZ' is not a state declared in [[state]]"
    ]
    assert game.model.spec is spec
    assert log.read_text() == text


def test_the_turn_waits_for_every_team():
    """Next turn is refused until every team has moved, and when paused."""
    game = GameSession(SCENARIO, TEAMS)
    game.submit("USA", {})
    with pytest.raises(GameError, match="waiting for moves from CHN, JPN"):
        game.next_turn()
    game.pause()
    with pytest.raises(GameError, match="paused"):
        game.submit("CHN", {})
    game.resume_play()
    play_turn(game)
    assert game.turn == 1


def test_team_choices_go_through_the_policy_hook():
    """A team's posture and crisis action are applied and recorded as policy."""
    game = GameSession(SCENARIO, TEAMS)
    game.inject(COLLISION)
    play_turn(game, CHN={"posture": 0.95})
    assert game.model.agent("CHN").posture == 0.95
    play_turn(game, CHN={"crisis": {"JPN": "escalate"}})
    decisions = game.model.decision_frame()
    chn = decisions[(decisions["state"] == "CHN") & (decisions["opponent"] == "JPN")]
    assert list(chn["decided_by"]) == ["policy"]
    assert list(chn["action"]) == ["escalate"]


def test_treaty_change_and_budget_shock_injects_take_effect():
    """A treaty change sets the pair's tie; a budget shock scales the spending."""
    plain, shocked = GameSession(SCENARIO, TEAMS), GameSession(SCENARIO, TEAMS)
    shocked.inject(
        {"kind": "treaty_change", "parties": ["USA", "PHL"], "magnitude": 0.0}
    )
    shocked.inject({"kind": "budget_shock", "parties": ["CHN"], "magnitude": 0.5})
    play_turn(plain)
    play_turn(shocked)
    usa, phl, chn = (shocked.model.spec.state_index(s) for s in ("USA", "PHL", "CHN"))
    assert plain.model.world.tie[0, usa, phl] > 0
    assert shocked.model.world.tie[0, usa, phl] == 0
    assert shocked.model.world.milex[0, chn] == 0.5 * plain.model.world.milex[0, chn]


def test_bad_treaty_and_budget_magnitudes_are_refused():
    """A tie outside [0, 1] or a negative spending factor names the field."""
    game = GameSession(SCENARIO, TEAMS)
    with pytest.raises(ScenarioError, match=r"magnitude: 2\.0 must be a tie level"):
        game.inject(
            {"kind": "treaty_change", "parties": ["USA", "PHL"], "magnitude": 2}
        )
    with pytest.raises(ScenarioError, match="must be a spending factor"):
        game.inject({"kind": "budget_shock", "parties": ["CHN"], "magnitude": -1})


@pytest.mark.parametrize(
    ("inject", "message"),
    [
        (
            {"kind": "treaty_change", "parties": ["USA", "JPN"]},
            "the inject's magnitude: missing; an inject of kind treaty_change needs a "
            "tie level (0 ends the parties' tie, 1 makes it a full treaty), from 0 "
            "to 1",
        ),
        (
            {"kind": "budget_shock", "parties": ["CHN"]},
            "missing; an inject of kind budget_shock needs a spending factor for the "
            "step (0.9: a 10% cut), 0 or more",
        ),
        (
            {"kind": "exercise", "parties": ["USA", "JPN"]},
            "missing; an inject of kind exercise needs an exercise level (1: a full "
            "exercise), from 0 to 1",
        ),
        (
            {"kind": "exercise", "parties": ["USA", "JPN"], "magnitude": 5},
            "the inject's magnitude: 5.0 must be an exercise level (1: a full "
            "exercise), from 0 to 1",
        ),
        (
            {"kind": "disaster", "parties": ["PHL"], "magnitude": 3.0},
            "the inject's magnitude: 3.0: a disaster takes none",
        ),
        (
            {"kind": "exercise", "parties": ["USA"], "magnitude": 1.0},
            "the inject's parties: ['USA'] an exercise names two states or more",
        ),
    ],
)
def test_an_inject_magnitude_that_would_do_nothing_meant_is_refused(
    tmp_path, inject, message
):
    """Missing, beyond what the engine plays, or for a kind that reads none."""
    log = tmp_path / "g.jsonl"
    game = GameSession(SCENARIO, TEAMS, log=log)
    written = log.read_text()
    with pytest.raises(ScenarioError, match=re.escape(message)):
        game.inject(inject)
    assert log.read_text() == written and game.added["inject"] == []


@pytest.mark.parametrize(("written", "played"), [(1.5, 1.0), (-0.5, 0.0)])
def test_an_older_logs_exercise_level_out_of_range_replays_as_played(
    tmp_path, written, played
):
    """An exercise level the rules now refuse, in an older log, replays bit for bit.

    The engine drilled one above 1 as a full exercise and one below 0 as none, so
    the game replays as one logged at 1 (or 0) does.
    """
    worlds = []
    for level in (written, played):
        log = tmp_path / f"{level}.jsonl"
        GameSession(SCENARIO, TEAMS, log=log)
        entry = {"kind": "exercise", "parties": ["USA", "JPN"], "magnitude": level}
        with log.open("a") as older:  # as an older version wrote it
            event = {"event": "inject", "turn": 0, "inject": {**entry, "year": 2024.0}}
            older.write(json.dumps(event) + "\n")
        game = GameSession.resume(log)
        assert game.bulletin()[-1]["magnitude"] == played
        play_turn(game)
        play_turn(game)
        worlds.append(snapshot(GameSession.resume(log)))
    assert_same(*worlds)


def test_an_older_logs_exercise_of_one_state_replays_as_played(tmp_path):
    """An exercise of one state, in an older log, drilled no pair: left out on replay.

    The game replays bit for bit as one without it, where the scenario's check
    would otherwise refuse the whole log.
    """
    worlds = []
    for parties in (["USA"], None):
        log = tmp_path / f"{parties}.jsonl"
        GameSession(SCENARIO, TEAMS, log=log)
        if parties:
            entry = {"kind": "exercise", "parties": parties, "magnitude": 1.0}
            with log.open("a") as older:  # as an older version wrote it
                event = {
                    "event": "inject",
                    "turn": 0,
                    "inject": {**entry, "year": 2024},
                }
                older.write(json.dumps(event) + "\n")
        game = GameSession.resume(log)
        assert game.added["inject"] == []
        play_turn(game)
        play_turn(game)
        worlds.append(snapshot(GameSession.resume(log)))
    assert_same(*worlds)


def test_a_cbm_between_teams_needs_both_offers():
    """One team's hotline offer to another team is not enough; both offers are."""
    game = GameSession(SCENARIO, TEAMS)
    play_turn(game, USA={"cbm": {"CHN": "hotline"}})
    assert game.added["cbm"] == []
    play_turn(game, CHN={"cbm": {"USA": "hotline"}})
    assert [c["parties"] for c in game.added["cbm"]] == [["CHN", "USA"]]
    play_turn(game, JPN={"cbm": {"RUS": "notification"}})  # RUS: the doctrine accepts
    assert game.added["cbm"][-1]["parties"] == ["JPN", "RUS"]


def test_a_cbm_in_force_is_not_offered_or_added_again(tmp_path):
    """A measure in force between a pair is refused if offered again, naming it."""
    log = tmp_path / "g.jsonl"
    game = GameSession(SCENARIO, TEAMS, log=log)
    play_turn(
        game,
        USA={"cbm": {"CHN": "hotline"}},
        CHN={"cbm": {"USA": "hotline"}},
        JPN={"cbm": {"RUS": "notification"}},
    )
    play_turn(game)
    agreed, text = list(game.added["cbm"]), log.read_text()
    for team, move, pair in [
        ("CHN", {"cbm": {"USA": "hotline"}}, "CHN and USA"),
        ("USA", {"cbm": {"chn": "hotline"}}, "USA and CHN"),
        ("JPN", {"cbm": {"RUS": "notification"}}, "JPN and RUS"),
    ]:
        since = rf"between {pair} is in force already, since 2024 \(turn 0\)"
        with pytest.raises(MoveError, match=since):
            game.submit(team, move)
    assert game.moves == {} and log.read_text() == text
    play_turn(
        game, USA={"cbm": {"CHN": "notification"}}, CHN={"cbm": {"USA": "notification"}}
    )
    assert game.added["cbm"][:2] == agreed and len(game.added["cbm"]) == 3


def test_an_older_logs_second_offer_of_a_cbm_adds_no_second_entry():
    """Replayed from a log the old rules let through, the offer changes nothing."""
    game = GameSession(SCENARIO, TEAMS)
    play_turn(game, USA={"cbm": {"CHN": "hotline"}}, CHN={"cbm": {"USA": "hotline"}})
    assert (
        "In force from now: a hotline between CHN and USA." in game.news[-1]["public"]
    )
    for team, partner in (("USA", "CHN"), ("CHN", "USA"), ("JPN", "USA")):
        game.submit(team, {"cbm": {partner: "hotline"}}, replay=True)
    game.next_turn()
    assert [c["parties"] for c in game.added["cbm"]] == [["CHN", "USA"]]
    assert not any("In force" in line for line in game.news[-1]["public"])
    assert game.offers == {("JPN", "USA", "hotline")}  # pending, as before


def test_teams_must_be_states_of_the_scenario():
    """An unknown or repeated team is refused with the states to choose from."""
    with pytest.raises(GameError, match="unknown: XXX"):
        GameSession(SCENARIO, ["USA", "XXX"])
    with pytest.raises(GameError, match="name each playable state once"):
        GameSession(SCENARIO, ["USA", "USA"])


def test_a_bundled_scenario_may_be_named(tmp_path, monkeypatch):
    """GameSession takes a bundled scenario's name, as wargame play does."""
    monkeypatch.chdir(tmp_path)  # no file of that name here
    game = GameSession("classroom_crisis", ["USA"], log=tmp_path / "g.jsonl")
    assert game.path == SCENARIO.resolve()
    play_turn(game)
    assert GameSession.resume(tmp_path / "g.jsonl").turn == 1
    with pytest.raises(ScenarioError, match="no bundled scenario of that name"):
        GameSession("classroom_crisys", ["USA"])


@pytest.mark.parametrize("change", ["rewrite", "delete"])
def test_a_game_keeps_the_scenario_it_loaded(tmp_path, change):
    """The file edited or deleted mid-class: the game plays on as it was loaded.

    Its turns, an inject, a measure agreed and a rewind all take the scenario
    as read at the start, as a twin game on an untouched copy does.
    """
    path, copy = tmp_path / "pair.toml", tmp_path / "copy.toml"
    for file in (path, copy):
        file.write_text(pair_toml(), encoding="utf-8")
    game, twin = (GameSession(file, ["RED", "BLUE"]) for file in (path, copy))
    if change == "rewrite":
        path.write_text(pair_toml(steps=2, milex=(400.0, 20.0)), encoding="utf-8")
    else:
        path.unlink()
    hotline = {"RED": {"cbm": {"BLUE": "hotline"}}, "BLUE": {"cbm": {"RED": "hotline"}}}
    seen = {game: [], twin: []}  # the world and the hash of the scenario run
    for each in (game, twin):
        play_turn(each)
        each.inject({"kind": "disaster", "parties": ["RED"], "note": "flood"})
        play_turn(each, **hotline)
        assert len(each.added["cbm"]) == 1
        seen[each].append((snapshot(each), each.model.spec.content_hash))
        each.rewind(1)
        play_turn(each)
        play_turn(each)
        seen[each].append((snapshot(each), each.model.spec.content_hash))
    assert game.turn == 3 and not game.finished
    for (world, spec), (twin_world, twin_spec) in zip(*seen.values(), strict=True):
        assert_same(world, twin_world)
        assert spec == twin_spec


@pytest.mark.parametrize(
    ("option", "value"),
    [("seed", -1), ("seed", 2**63), ("seed", 1.5), ("seed", True), ("replication", -1)],
)
def test_a_seed_or_replication_out_of_range_is_refused_by_name(tmp_path, option, value):
    """A seed numpy would refuse is refused first, naming it; no log is written."""
    log = tmp_path / "g.jsonl"
    with pytest.raises(
        GameError, match=rf"^{option} .*: must be a whole number from 0 "
    ) as err:
        GameSession(SCENARIO, TEAMS, log=log, **{option: value})
    assert err.value.field == option
    assert not log.exists()
    game = GameSession(SCENARIO, TEAMS, seed=np.int64(2**63 - 1), log=log)
    assert game.header.seed == 2**63 - 1 and type(game.header.seed) is int


def test_play_names_the_teams_flag(tmp_path, monkeypatch, capsys):
    """The library's error is about ``teams``; wargame play names --teams."""
    monkeypatch.chdir(tmp_path)
    assert main(["play", str(SCENARIO), "--teams", "USA,XXX"]) == 2
    assert capsys.readouterr().err.startswith("error: --teams USA,XXX: name each")
    assert not (tmp_path / "games").exists()


def test_resume_refuses_a_log_whose_scenario_changed(tmp_path):
    """A log written for another version of the scenario is refused."""
    scenario = tmp_path / "s.toml"
    scenario.write_text(
        SCENARIO.read_text().replace('"a2ad.toml"', f'"{SCENARIO.parent}/a2ad.toml"')
    )
    log = tmp_path / "g.jsonl"
    GameSession(scenario, TEAMS, log=log)
    scenario.write_text(scenario.read_text().replace("steps = 8", "steps = 9"))
    with pytest.raises(GameLogError, match="changed since this game started"):
        GameSession.resume(log)


def test_the_timer_plays_the_advice_for_teams_that_have_not_moved(tmp_path):
    """A time-out keeps the moves made, plays advice for the rest, and says so."""
    log = tmp_path / "g.jsonl"
    game = GameSession(SCENARIO, TEAMS, log=log)
    game.submit("USA", {"exercise": {"JPN": 1.0}})
    game.play_waiting("timer")
    assert game.turn == 1
    news = game.news[-1]
    assert "the doctrine's advice was played for CHN, JPN" in news["public"][-1]
    assert news["private"]["USA"] == ["You played: exercise with JPN (level 1)."]
    assert "timer ran out" in news["private"]["CHN"][0]
    resumed = GameSession.resume(log)
    assert resumed.news == game.news
    assert [e.get("by") for e in resumed.events if e["event"] == "move"] == [
        None, "timer", "timer",
    ]  # fmt: skip


def test_the_instructor_plays_the_turn_with_advice_for_absent_teams(tmp_path):
    """Without a timer an absent team need not block the game.

    The instructor plays the turn, the advice for the waiting teams, said so
    and logged so.
    """
    log = tmp_path / "g.jsonl"
    game = GameSession(SCENARIO, TEAMS, log=log)
    game.submit("USA", {"posture": 0.75})
    with pytest.raises(GameError, match="or play the turn with the doctrine's advice"):
        game.next_turn()
    game.play_waiting()
    assert game.turn == 1
    news = game.news[-1]
    assert (
        "The instructor played the turn without waiting: the doctrine's advice was "
        "played for CHN, JPN." in news["public"]
    )
    assert news["private"]["USA"] == ["You played: posture 0.75."]
    assert news["private"]["JPN"][0] == (
        "The instructor played the turn before you moved: the doctrine's advice "
        "was played."
    )
    resumed = GameSession.resume(log)  # replays to the logged outcome
    assert resumed.news == game.news
    assert [e.get("by") for e in resumed.events if e["event"] == "move"] == [
        None, "instructor", "instructor",
    ]  # fmt: skip


def test_a_crisis_inject_on_a_pair_in_a_crisis_is_refused_by_name(tmp_path):
    """It would open nothing, so it is refused, naming the crisis; nothing changes."""
    log = tmp_path / "g.jsonl"
    game = GameSession(SCENARIO, TEAMS, log=log)
    game.inject(COLLISION)
    with pytest.raises(GameError, match="JPN and CHN is injected for this turn"):
        game.inject({**COLLISION, "parties": ["JPN", "CHN"]})
    play_turn(game)
    written = log.read_text()
    with pytest.raises(
        GameError,
        match=r"JPN and CHN are in a crisis already \(show of force, in East China "
        r"Sea\): an inject opens a crisis only between states at peace",
    ):
        game.inject({**COLLISION, "parties": ["jpn", "chn"]})
    assert log.read_text() == written
    assert [j["parties"] for j in game.bulletin()] == [["CHN", "PHL"]]  # the scenario's


def test_the_scenarios_crisis_on_a_pair_in_a_crisis_is_announced_as_such():
    """Due between CHN and PHL at turn 1, it is not said to open while theirs runs."""
    game = GameSession(SCENARIO, TEAMS)
    game.inject({**COLLISION, "parties": ["CHN", "PHL"], "theater": "south_china_sea"})
    play_turn(game)
    rung = game.outcome()["crises"]["CHN-PHL"].replace("_", " ")
    assert [j["parties"] for j in game.bulletin()] == [["CHN", "PHL"]]  # the scenario's
    (announced,) = game.announcements()
    assert announced.endswith(
        f"CHN and PHL are in a crisis already ({rung}): this one opens at the end "
        "of this turn only if that one has ended by then."
    )
    assert "It opens at the end of this turn" not in announced


def test_the_news_says_an_inject_opened_no_crisis_when_one_began_in_the_turn():
    """The model opened CHN-VNM during the turn: the inject is said to open none."""
    game = GameSession(SCENARIO, TEAMS)
    game.inject({**COLLISION, "parties": ["CHN", "VNM"], "theater": "south_china_sea"})
    play_turn(game)
    public = game.news[-1]["public"]
    assert public[1] == (
        "The inject opened no crisis: one between CHN and VNM was under way at the "
        "turn's end (an injected crisis opens only between states at peace)."
    )
    assert "New crisis: CHN challenges VNM in South China Sea." in public
    assert game.outcome()["crises"]["CHN-VNM"] == "diplomatic_protest"


def test_news_tells_how_a_crisis_started_moved_and_ended():
    """An injected crisis is announced, its moves reported, its end told."""
    game = GameSession(SCENARIO, TEAMS)
    game.inject(COLLISION)
    play_turn(game)
    first = game.news[0]["public"]
    assert first[0].startswith("Crisis: CHN challenges JPN in East China Sea")
    assert "CHN-JPN: went from peace to show of force." in first
    while "CHN-JPN" in game.outcome()["crises"]:
        play_turn(game, JPN={"crisis": {"CHN": "back_down"}})
    last = " ".join(game.news[-1]["public"])
    assert "CHN-JPN: went from show of force to peace." in last
    assert "Crisis over: CHN against JPN in East China Sea ended" in last
    assert "chose" not in last  # orders and the doctrine's draws are not news


def test_news_tells_the_end_of_every_crisis_that_ended_in_the_turn():
    """Crises that open and end within one turn are told too."""
    game = GameSession(SCENARIO, TEAMS)
    told = recorded = 0
    for _ in range(6):
        play_turn(game)
        frame = game.model.crisis_frame()
        recorded = int((frame["ending"] != "ongoing").sum())
        told += sum(s.startswith("Crisis over:") for s in game.news[-1]["public"])
        assert told == recorded
    assert recorded > 0


def test_news_names_who_escalated_from_the_path_itself():
    """A side is said to escalate exactly when it took the crisis up itself.

    Both teams of a crisis order escalation, turn after turn: each line of news
    about the pair names a side as escalating only if the crisis's record shows
    that side climbed during the turn, and the rung the news gives is the
    world's.
    """
    game = GameSession(SCENARIO, TEAMS)
    game.inject(COLLISION)
    play_turn(game)
    said = 0
    while game.outcome()["crises"].get("CHN-JPN") not in (None, "major_war"):
        crises = game.model.world.crises
        chn, jpn = (game.model.spec.state_index(s) for s in ("CHN", "JPN"))
        before = crises.climbed[0, chn, jpn], crises.climbed[0, jpn, chn]
        play_turn(
            game,
            CHN={"crisis": {"JPN": "escalate"}},
            JPN={"crisis": {"CHN": "escalate"}},
        )
        crises = game.model.world.crises
        after = crises.climbed[0, chn, jpn], crises.climbed[0, jpn, chn]
        (line,) = [s for s in game.news[-1]["public"] if s.startswith("CHN-JPN:")]
        rung = game.outcome()["crises"].get("CHN-JPN", "peace").replace("_", " ")
        assert line.endswith(f"{rung}.")
        told = line.removeprefix("CHN-JPN: ").partition(" escalated; ")
        named = told[0].split(" and ") if told[1] else []
        for side, was, now in zip(("CHN", "JPN"), before, after, strict=True):
            assert (side in named) == (now > was), line
        said += len(named)
    assert said > 0


def test_news_keeps_each_teams_offers_private():
    """A CBM offer is told to its addressee only; the agreement to everyone."""
    game = GameSession(SCENARIO, TEAMS)
    play_turn(game, USA={"cbm": {"CHN": "hotline"}})
    assert any("USA offered you a hotline" in s for s in game.news[0]["private"]["CHN"])
    assert not any("offered" in s for s in game.news[0]["private"]["JPN"])
    assert not any("offered" in s for s in game.news[0]["public"])
    play_turn(game, CHN={"cbm": {"USA": "hotline"}})
    assert "In force from now: a hotline between CHN and USA." in game.news[1]["public"]


def test_a_team_at_war_is_told_so():
    """The situation lists wars apart from the crises still open to choice."""
    game = GameSession(SCENARIO, TEAMS)
    game.inject({**COLLISION, "rung": 4})
    while not game.situation("JPN")["wars"]:
        orders = {}
        for team, rival in (("CHN", "JPN"), ("JPN", "CHN")):
            open_ = game.situation(team)["crisis_actions"].get(rival, [])
            if open_:  # escalate where the threshold allows it, else hold
                orders[team] = {"crisis": {rival: open_[-1]}}
        play_turn(game, **orders)
    assert game.situation("JPN")["wars"] == ["CHN"]
    assert "CHN" not in game.situation("JPN")["crises"]
    assert any(s.startswith("WAR: CHN and JPN") for n in game.news for s in n["public"])


CODES = {"USA": "AAAAAA", "CHN": "BBBBBB", "JPN": "CCCCCC"}


def test_a_resumed_game_keeps_its_timer_and_join_codes(tmp_path):
    """The timer's length, the time it held at a pause and the codes are logged.

    A rewind keeps them too: they belong to the room, not to a turn.
    """
    log = tmp_path / "g.jsonl"
    game = GameSession(SCENARIO, TEAMS, log=log)
    game.set_join_codes(CODES)
    game.set_timer(4)
    play_turn(game)
    game.pause(timer_left=75.5)
    resumed = GameSession.resume(log)
    assert (resumed.join_codes, resumed.timer_minutes) == (CODES, 4.0)
    assert resumed.paused and resumed.timer_left == 75.5
    resumed.resume_play()
    resumed.rewind(0)
    again = GameSession.resume(log)
    assert (again.join_codes, again.timer_minutes) == (CODES, 4.0)
    assert not again.paused and again.timer_left is None and again.turn == 0
    game.set_timer(0)  # 0 stops the timer
    assert GameSession.resume(log).timer_minutes is None


def test_a_log_without_timer_or_codes_resumes_with_none(tmp_path):
    """A log of an older version (or of `wargame play`) has no timer and no codes."""
    log = tmp_path / "g.jsonl"
    play_turn(GameSession(SCENARIO, TEAMS, log=log))
    game = GameSession(SCENARIO, TEAMS, log=tmp_path / "paused.jsonl")
    game.pause()
    for resumed in (GameSession.resume(log), GameSession.resume(game.log.path)):
        assert resumed.timer_minutes is resumed.join_codes is resumed.timer_left is None


@pytest.mark.parametrize(
    ("call", "value", "message"),
    [
        ("set_timer", 601, "timer 601: choose minutes from 0 to 600"),
        ("set_timer", float("nan"), "timer nan"),
        ("set_timer", True, "timer True"),
        ("pause", -1.0, "timer_left -1.0: must be seconds >= 0"),
        ("set_join_codes", {"USA": "AAAAAA"}, "give one per team"),
        ("set_join_codes", {**CODES, "JPN": "AAAAAA"}, "each one different"),
        ("set_join_codes", {**CODES, "JPN": "ccc"}, "not so: \\['ccc'\\]"),
    ],
)
def test_bad_timer_and_codes_are_refused_and_not_logged(call, value, message, tmp_path):
    """A timer out of range or codes that could not be told apart: named, unlogged."""
    log = tmp_path / "g.jsonl"
    game = GameSession(SCENARIO, TEAMS, log=log)
    before = log.read_text()
    with pytest.raises(GameError, match=message):
        getattr(game, call)(value)
    assert log.read_text() == before
    assert not game.paused


def test_a_team_sees_the_doctrines_odds_behind_its_crisis_advice():
    """The advice in a crisis is one draw; the team also sees the odds it came from.

    They are the doctrine's equilibrium strategy toward that opponent as the
    turn begins, the same the decision log records, and the team page shows them.
    """
    game = GameSession(SCENARIO, TEAMS)
    game.inject(COLLISION)
    play_turn(game)
    odds = game.situation("JPN")["odds"]["CHN"]
    assert list(odds) == ["back_down", "hold", "escalate"]
    assert sum(odds.values()) == pytest.approx(1.0)
    assert odds[game.advice("JPN")["crisis"]["CHN"]] > 0
    page = team_form(game, "JPN")
    assert re.search(r"toward CHN \([a-z ]+; the doctrine: [a-z ]+ \d+%", page)
    play_turn(game)
    logged = game.model.decision_frame()
    mine = logged[(logged["step"] == 1) & (logged["state"] == "JPN")].iloc[0]
    assert [mine["p_back_down"], mine["p_hold"], mine["p_escalate"]] == [
        pytest.approx(p) for p in odds.values()
    ]


# ---------------------------------------------------------- thresholds


def test_an_escalation_past_the_threshold_is_refused_with_the_reason(tmp_path):
    """CHN (threshold 3) may not order escalate at militarised dispute, which it took.

    The engine would play the order as a hold, so the move is refused at once,
    naming the threshold and the reply; the game and its log are unchanged.
    JPN, which CHN took there, may escalate in reply.
    """
    log = tmp_path / "g.jsonl"
    game = GameSession(SCENARIO, TEAMS, log=log)
    game.inject({**COLLISION, "rung": 3})
    play_turn(game)
    assert game.outcome()["crises"]["CHN-JPN"] == "militarised_dispute"
    before, text = snapshot(game), log.read_text()
    with pytest.raises(MoveError) as refused:
        game.submit("CHN", {"crisis": {"JPN": "escalate"}})
    message = str(refused.value)
    assert "not open at rung 3 (militarised dispute)" in message
    assert "CHN's threshold is rung 3 (militarised dispute)" in message
    assert "in reply when JPN took the crisis to rung k" in message
    assert "choose hold or back down" in message
    assert_same(snapshot(game), before)
    assert game.moves == {} and log.read_text() == text
    assert game.situation("CHN")["crisis_actions"]["JPN"] == ["back_down", "hold"]
    assert game.situation("CHN")["threshold"] == 3
    form = team_form(game, "CHN")  # the page offers only the actions open
    toward_jpn = re.search(r"<select name='crisis.JPN'>.*?</select>", form).group()
    assert "value='hold'" in toward_jpn and "value='escalate'" not in toward_jpn
    game.submit("CHN", {"crisis": {"JPN": "hold"}})
    game.submit("JPN", {"crisis": {"CHN": "escalate"}})  # in reply: open
    assert "escalate" in game.situation("JPN")["crisis_actions"]["CHN"]


def test_with_escalation_off_a_student_is_told_so_in_the_games_words(tmp_path):
    """A scenario with escalation off refuses escalate saying no crisis climbs.

    An instructor's crisis above the first rung, which would open at it, is
    refused too. The refusals and the briefing speak of the game (no crisis
    climbs above a diplomatic protest), not of the scenario file's table and key.
    """
    variant = tmp_path / "frozen.toml"
    variant.write_text(
        f"extends = {json.dumps(str(SCENARIO))}\n"
        "[mechanisms.escalation]\nenabled = false\n",
        encoding="utf-8",
    )
    game = GameSession(variant, TEAMS)
    with pytest.raises(ScenarioError) as refused_inject:  # it would open at rung 1
        game.inject(COLLISION)
    assert refused_inject.value.problems == [
        "the inject's rung: 2: in this game no crisis climbs above its first rung, "
        "a diplomatic protest (the scenario switches escalation off), so the "
        "crisis would open there; give rung 1"
    ]
    assert game.added["inject"] == []
    game.inject({**COLLISION, "rung": 1})
    play_turn(game)
    assert game.outcome()["crises"]["CHN-JPN"] == "diplomatic_protest"
    with pytest.raises(MoveError) as refused:
        game.submit("CHN", {"crisis": {"JPN": "escalate"}})
    assert str(refused.value) == (
        "CHN: escalate toward JPN is not open: in this game no crisis climbs above "
        "its first rung, a diplomatic protest (the scenario switches escalation "
        "off); choose hold or back down"
    )
    rules = briefing(game, "CHN").red_lines
    assert (
        "In this game no crisis climbs above its first rung, a diplomatic protest "
        "(the scenario switches escalation off): an order to escalate is refused "
        "(hold or back down)." in rules
    )
    assert not any("threshold" in line for line in rules)


def test_the_actions_open_are_those_the_engines_doctrine_may_play():
    """Escalation is open to a team exactly where its doctrine's strategy may escalate.

    The engine removes a closed escalation from a side's game (probability 0);
    an open one keeps a positive logit chance. Over the crises of several
    turns, the session's rule and the engine's strategy agree, and a move is
    accepted exactly where the action is listed as open.
    """
    game = GameSession(SCENARIO, TEAMS)
    game.inject({**COLLISION, "rung": 3})
    seen = {True: 0, False: 0}
    for _ in range(5):
        for team in game.teams:
            s = game.situation(team)
            for rival, actions in s["crisis_actions"].items():
                may = "escalate" in actions
                assert may == (s["odds"][rival]["escalate"] > 0), (team, rival)
                move = {"crisis": {rival: "escalate"}}
                if may:
                    game.submit(team, move)
                else:
                    with pytest.raises(MoveError, match="threshold is rung"):
                        game.submit(team, move)
                seen[may] += 1
        play_turn(game)
    assert seen[True] and seen[False]


def test_the_briefing_states_the_threshold_and_the_moments_of_decision():
    """The red lines state the threshold rule and the chance of a turn undecided."""
    game = GameSession(SCENARIO, TEAMS)
    rules = " ".join(briefing(game, "CHN").red_lines)
    assert "Your threshold is militarised dispute (rung 3)" in rules
    assert "you may escalate only if k + 1 <= 3, or in reply" in rules
    assert "every moment of decision in the turn" in rules
    assert "has none about 37% of the time" in rules


# ------------------------------------------------------ moments of decision


def test_the_news_data_names_crises_that_had_no_moment_of_decision():
    """A back-down order ends a crisis at its first moment of decision.

    So a crisis that stands still after one had no moment of decision in the
    turn, and the session lists it in ``news[-1]["no_decision"]``. It is right:
    replaying that turn with another order (hold) gives the same world bit for
    bit, since no order was played; a crisis left to hold orders is never
    listed.
    """
    game = GameSession(SCENARIO, TEAMS, seed=2)
    game.inject(COLLISION)
    play_turn(game)
    rung = game.outcome()["crises"]["CHN-JPN"]
    play_turn(game, JPN={"crisis": {"CHN": "back_down"}})
    assert game.outcome()["crises"]["CHN-JPN"] == rung  # it stood still
    assert game.news[-1]["no_decision"] == [
        {"pair": "CHN-JPN", "rung": rung, "orders": {"JPN": "back_down"}}
    ]
    told = " ".join(game.news[-1]["private"]["JPN"])  # the team learns why
    assert "No moment of decision came in your crisis with CHN this turn" in told
    assert "your order (back down) was not played" in told
    assert "moment of decision" not in " ".join(game.news[-1]["private"]["CHN"])
    after = snapshot(game)
    game.rewind(1)
    play_turn(game, JPN={"crisis": {"CHN": "hold"}})
    assert_same(snapshot(game), after)
    assert game.news[-1]["no_decision"] == []  # hold: it cannot be told
    chn, jpn = (game.model.spec.state_index(s) for s in ("CHN", "JPN"))
    seen = {True: 0, False: 0}  # listed, or the back-down order was played
    while "CHN-JPN" in game.outcome()["crises"] and game.turn < 7:
        started = game.model.world.crises.start_step[0, chn, jpn]
        play_turn(game, JPN={"crisis": {"CHN": "back_down"}})
        still = game.model.world.crises.start_step[0, chn, jpn] == started
        listed = [e["pair"] for e in game.news[-1]["no_decision"]] == ["CHN-JPN"]
        assert listed == still  # the same crisis still under way: no decision
        seen[listed] += 1
    assert seen[False] > 0


# ------------------------------------------------------------ treaty change


def test_a_treaty_change_ends_the_teams_right_to_exercise_and_pledge():
    """After `inject treaty_change USA,PHL 0` is played, USA and PHL are no partners.

    The tie ends when the turn is played (the inject takes effect in its
    step): until then PHL is still USA's ally; after it, the allies list,
    the move check and the briefing all follow the tie as it stands.
    """
    game = GameSession(SCENARIO, ["USA", "CHN", "PHL"])
    assert "PHL" in game.situation("USA")["allies"]
    game.inject({"kind": "treaty_change", "parties": ["USA", "PHL"], "magnitude": 0})
    assert "PHL" in game.situation("USA")["allies"]
    play_turn(game)
    usa, phl = (game.model.spec.state_index(s) for s in ("USA", "PHL"))
    assert game.model.world.tie[0, usa, phl] == 0
    assert "PHL" not in game.situation("USA")["allies"]
    assert "USA" not in game.situation("PHL")["allies"]
    assert "JPN" in game.situation("USA")["allies"]
    for team, move in [
        ("USA", {"exercise": {"PHL": 1.0}}),
        ("USA", {"declaration": {"PHL": 1.0}}),
        ("PHL", {"exercise": {"USA": 1.0}}),
    ]:
        with pytest.raises(MoveError, match="was ended by a treaty change"):
            game.submit(team, move)
    assert game.moves == {}
    treaty = next(a for a in briefing(game, "USA").alliances if "PHL" in a)
    assert "ended by a treaty change (tie 0)" in treaty
    assert "PHL" not in briefing(game, "USA").moves[2]


def test_a_log_of_moves_the_new_rules_refuse_still_replays(tmp_path):
    """A log written before these rules replays as it was played.

    Its moves (an escalation past the threshold, which the engine held; an
    exercise with an ally whose tie was ended) are read back unchecked by
    those two rules, so a game of an older version resumes and plays on.
    """
    log = tmp_path / "g.jsonl"
    game = GameSession(SCENARIO, TEAMS, log=log)
    game.inject({**COLLISION, "rung": 3})
    game.inject({"kind": "treaty_change", "parties": ["USA", "JPN"], "magnitude": 0})
    play_turn(game)
    old = {
        "CHN": {"crisis": {"JPN": "escalate"}},
        "USA": {"exercise": {"JPN": 1.0}},
    }
    for team, move in old.items():  # as an older version logged them
        with pytest.raises(MoveError):
            game.submit(team, move)
        game.log.append({"event": "move", "turn": 1, "team": team, "move": move})
    resumed = GameSession.resume(log)
    assert resumed.turn == 1 and resumed.moves == old
    resumed.submit("JPN", {})
    resumed.next_turn()
    assert resumed.turn == 2
    write_debrief(log, tmp_path / "debrief.html", replications=4)  # replays them too
    assert (tmp_path / "debrief.html").stat().st_size > 0
