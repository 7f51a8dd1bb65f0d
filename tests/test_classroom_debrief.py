"""The debrief: the report of a game log, and its turning points."""

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from sim.classroom import debrief, story
from sim.classroom.debrief import turning_points, write_debrief
from sim.classroom.figures import escalation_curve
from sim.classroom.log import read_log
from sim.classroom.session import GameSession
from tests.conftest import CRISIS_INJECT, pair_toml, refused_untouched

SCENARIO = Path(__file__).parent.parent / "scenarios" / "classroom_crisis.toml"


def played(tmp_path: Path) -> Path:
    """A logged three-turn game with moves, an inject and a crisis choice."""
    log = tmp_path / "game.jsonl"
    game = GameSession(SCENARIO, ["USA", "CHN"], log=log)
    test = {"kind": "crisis", "parties": ["CHN", "USA"], "theater": "taiwan_strait"}
    game.inject({**test, "rung": 2, "note": "missile test"})
    game.submit("USA", {"budget_change_pct": 3})
    game.submit("CHN", {"posture": game.advice("CHN")["posture"]})  # as advised
    game.next_turn()
    game.submit("USA", {"crisis": {"CHN": "escalate"}})
    game.submit("CHN", {"crisis": {"USA": "escalate"}, "budget_change_pct": 5})
    game.next_turn()
    game.submit("USA", {})
    game.submit("CHN", {})
    game.next_turn()
    return log


def test_turning_points_compare_the_class_and_the_doctrine(tmp_path):
    """A row per move; shares in [0, 1]; the advised move changes nothing."""
    header, events = read_log(played(tmp_path))
    points = turning_points(header, events, replications=40)
    assert sorted(zip(points["turn"], points["team"], strict=True)) == [
        (0, "CHN"), (0, "USA"), (1, "CHN"), (1, "USA"),
    ]  # fmt: skip
    assert points[["p_clash_class", "p_clash_doctrine"]].stack().between(0, 1).all()
    advised = points[(points["turn"] == 0) & (points["team"] == "CHN")]
    assert advised["effect"].item() == 0.0
    assert np.all(np.diff(points["effect"].abs().to_numpy()) <= 0)  # largest first


def test_turning_points_count_only_the_class_s_crises(tmp_path):
    """Teams with no quarrel see no clash of theirs, whatever the region's crises."""
    log = tmp_path / "game.jsonl"
    game = GameSession(SCENARIO, ["AUS", "NZL"], log=log)
    game.submit("AUS", {"budget_change_pct": 3})
    game.submit("NZL", {"budget_change_pct": -2})
    game.next_turn()
    header, events = read_log(log)
    points = turning_points(header, events, replications=40)
    assert len(points) == 2
    assert (points[["p_clash_class", "p_clash_doctrine"]] == 0).all().all()


def test_turning_points_are_reproducible(tmp_path):
    """The same log gives the same table, bit for bit."""
    header, events = read_log(played(tmp_path))
    a = turning_points(header, events, replications=20)
    b = turning_points(header, events, replications=20)
    assert a.equals(b)


def test_debrief_command_writes_one_html_file(tmp_path):
    """``wargame debrief LOG --out FILE`` writes every section, figures inline."""
    log = played(tmp_path)
    out = tmp_path / "debrief.html"
    result = subprocess.run(
        [sys.executable, "-m", "sim.cli", "debrief", str(log), "--out", str(out),
         "--replications", "20"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    for section in (
        "What happened",
        "Turning points",
        "Questions for the discussion",
        "Timeline of moves and injects",
        "Escalation",
        "Arms trajectories",
        "Alliances before and after",
        "Crises and the factors behind each choice",
        "missile test",
    ):
        assert section in text
    assert "The branches the class rewound" not in text  # no rewind in this game
    assert text.count("data:image/png;base64,") == 4


def test_debrief_of_a_foreign_file_exits_2_and_writes_nothing(tmp_path):
    """A file that is not a game log is refused; no report appears."""
    path = tmp_path / "notes.jsonl"
    path.write_text('{"hello": 1}\n')
    out = tmp_path / "debrief.html"
    result = subprocess.run(
        [sys.executable, "-m", "sim.cli", "debrief", str(path), "--out", str(out)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2
    assert "not a game log" in result.stderr
    assert not out.exists()


def test_debrief_over_its_own_log_is_refused_and_the_log_kept(tmp_path, capsys):
    """``--out`` naming the log it reads (by any path) would lose the game."""
    log = played(tmp_path)
    for out in (log, tmp_path / "." / log.name):
        line = refused_untouched(
            ["debrief", str(log), "--out", str(out)], tmp_path, capsys
        )
        assert line == (
            f"error: --out {out}: is the game log it reads, which the page would "
            "replace; write it elsewhere (e.g. debrief.html)"
        )


def test_write_debrief_in_process(tmp_path):
    """The function behind the command writes the same kind of file."""
    out = tmp_path / "d.html"
    write_debrief(played(tmp_path), out, replications=5)
    assert out.read_text().lower().startswith("<!doctype html>")


def test_a_rewound_branch_is_shown_beside_the_kept_game(tmp_path):
    """Each rewind leaves a branch: replayed from the log, told in the debrief."""
    log = tmp_path / "game.jsonl"
    game = GameSession(SCENARIO, ["USA", "CHN"], log=log)
    for move in ({"budget_change_pct": 5}, {"budget_change_pct": 5}):
        game.submit("USA", {})
        game.submit("CHN", move)
        game.next_turn()
    game.rewind(1)
    game.submit("USA", {})
    game.submit("CHN", {"budget_change_pct": -3})
    game.next_turn()
    header, events = read_log(log)
    found = story.branches(header, events)
    assert [b.from_turn for b in found] == [1, 1]  # the kept game parts at turn 1
    assert found[1].game.turn == 2
    chn = found[1].game.model.agent("CHN").milex
    assert chn > game.model.agent("CHN").milex  # the branch spent more
    table = story.branch_table(found)
    moves = table["its moves from the parting turn"].tolist()
    assert moves == ["CHN t1: budget -3%", "CHN t1: budget +5%"]  # no turn 0
    out = tmp_path / "d.html"
    write_debrief(log, out, replications=4)
    text = out.read_text()
    assert "branch 1: rewound from turn 2 to turn 1" in text
    assert text.count("data:image/png;base64,") == 5
    assert 'alt="map after turn 1"' in text  # turns 0 and 1 were played


def test_turning_points_are_told_in_sentences(tmp_path):
    """The largest effect reads as a sentence with both shares."""
    header, events = read_log(played(tmp_path))
    game = GameSession.from_events(header, events)
    points = turning_points(header, events, replications=20)
    sentences = story.turning_point_sentences(points, game)
    top = points[points["effect"] != 0].iloc[0]
    assert sentences[0].startswith(f"{top['team']}'s ")
    assert f"at turn {top['turn']}" in sentences[0]
    assert f"{top['p_clash_class']:.0%} of replications (" in sentences[0]
    assert f"against {top['p_clash_doctrine']:.0%} (" in sentences[0]
    assert "with the doctrine's choice" in sentences[0]


def test_questions_come_from_what_happened(tmp_path):
    """A CBM agreed and a budget rise each raise their own question."""
    game = GameSession(SCENARIO, ["USA", "CHN"])
    game.submit("USA", {"cbm": {"CHN": "hotline"}, "budget_change_pct": 2})
    game.submit("CHN", {"cbm": {"USA": "hotline"}})
    game.next_turn()
    empty = pd.DataFrame(
        columns=["turn", "team", "move", "p_clash_class", "p_clash_doctrine", "effect"]
    )
    asked = " ".join(story.questions(game, empty, []))
    assert (
        "Confidence-building measures came into force (CHN and USA: hotline)" in asked
    )
    assert "USA raised spending" in asked
    assert "timer" not in asked


def test_the_decision_table_shows_orders_as_played_and_the_doctrines_odds(tmp_path):
    """An order is what the side played; a doctrine side's row gives its odds."""
    out = tmp_path / "d.html"
    write_debrief(played(tmp_path), out, replications=5)
    text = out.read_text()
    assert "<td>escalate (ordered)</td>" in text  # both teams' orders of turn 1
    assert "<td>team</td>" in text and "<td>policy</td>" not in text  # who ordered
    assert re.search(
        r"<td>(hold|escalate|back down) \d+%, [a-z ]+ \d+%, [a-z ]+ \d+%</td>", text
    )


def play_turns(game: GameSession, turns: int) -> None:
    """Play ``turns`` turns with every team following the advice."""
    for _ in range(turns):
        for team in game.teams:
            game.submit(team, {})
        game.next_turn()


def test_the_crisis_table_counts_turns_as_the_news_does():
    """Each crisis opens and ends in the turns whose news announces it."""
    game = GameSession(SCENARIO, ["USA", "CHN"])
    test = {"kind": "crisis", "parties": ["CHN", "USA"], "theater": "taiwan_strait"}
    game.inject({**test, "rung": 2})
    play_turns(game, 4)
    table = debrief._crises(game.model)
    assert len(table) > 3
    for row in table.itertuples():
        start, end = map(int, row.turns.split(" to "))
        opened = " ".join(game.news[start]["public"])
        told = f"{row.challenger} challenges {row.defender} in"
        assert f"Crisis: {told}" in opened or f"New crisis: {told}" in opened, row
        if row.ending == "ongoing":
            assert end == game.turn - 1
        else:
            over = f"Crisis over: {row.challenger} against {row.defender} in"
            assert over in " ".join(game.news[end]["public"]), row
    injected = table[(table["challenger"] == "CHN") & (table["defender"] == "USA")]
    assert injected["turns"].iloc[0].startswith("0 to ")


def test_only_the_moves_played_are_told(tmp_path):
    """A revised move is told once, as played; a move of a turn never played is not."""
    log = tmp_path / "game.jsonl"
    game = GameSession(SCENARIO, ["USA", "CHN"], log=log)
    for pct in range(5):  # five revisions of the turn-0 move: the last one stands
        game.submit("USA", {"budget_change_pct": pct})
    game.submit("CHN", {"budget_change_pct": 5})
    game.submit("CHN", {})  # withdrawn: CHN follows the advice
    game.next_turn()
    play_turns(game, 1)
    game.submit("USA", {"posture": 0.9})  # turn 2 is never played
    game.end()
    header, events = read_log(log)
    replayed = GameSession.from_events(header, events)
    timeline = debrief._timeline(replayed, replayed.events)
    moves = timeline[timeline["who"].isin(game.teams)]
    assert sorted(zip(moves["turn"], moves["who"], strict=True)) == [
        (0, "CHN"), (0, "USA"), (1, "CHN"), (1, "USA"),
    ]  # fmt: skip
    assert moves["what"].tolist()[:2] == ["budget +4%", "(followed the advice)"]
    table = story.branch_table(story.branches(header, events))
    assert table["its moves from the parting turn"].item() == "USA t0: budget +4%"
    empty = pd.DataFrame(columns=[*debrief._COLUMNS, "effect"])
    asked = " ".join(story.questions(replayed, empty, []))
    assert " USA raised spending" in asked  # not "CHN, USA raised"


def test_the_injects_told_are_the_game_s_own_if_its_file_changes(write_scenario):
    """The scenario's injects are those the game played, not the file's now.

    Rewriting the scenario file during a class (or deleting it) changes
    neither the game nor its story; the instructor's inject follows the
    scenario's at the same turn.
    """
    path = write_scenario(pair_toml(extra=CRISIS_INJECT))
    game = GameSession(path, ["RED"])
    game.inject({"kind": "disaster", "parties": ["BLUE"], "note": "flood"})
    play_turns(game, 1)
    path.write_text(pair_toml(), encoding="utf-8")  # its inject gone
    told = [(turn, by, inject["kind"]) for turn, by, inject in story.injects(game)]
    assert told == [(0, "scenario", "crisis"), (0, "instructor", "disaster")]
    path.unlink()
    assert "at turn 0 (the scenario's), crisis: RED challenges" in story.summary(game)


def test_every_inject_is_told_with_its_size():
    """The scenario's injects and the instructor's, sized, in timeline and summary."""
    game = GameSession(SCENARIO, ["USA", "CHN"])
    game.inject({"kind": "budget_shock", "parties": ["CHN"], "magnitude": 0.8})
    game.submit("USA", {"budget_change_pct": 2})
    game.submit("CHN", {})
    game.next_turn()
    play_turns(game, 1)
    game.inject({"kind": "treaty_change", "parties": ["USA", "JPN"], "magnitude": 0.5})
    game.inject({"kind": "exercise", "parties": ["USA", "JPN"], "magnitude": 0.7})
    play_turns(game, 2)
    game.inject({"kind": "disaster", "parties": ["JPN"], "note": "never played"})
    game.end()
    timeline = debrief._timeline(game, game.events)
    told = {(t, who, what) for t, who, what in timeline[["turn", "who", "what"]].values}
    scenario = {(t, what) for t, who, what in told if who == "scenario"}
    assert [t for t, _ in sorted(scenario)] == [1, 3]  # S's own: turns 1 and 3
    assert any("water-cannon" in what for _, what in scenario)
    assert any("Typhoon" in what for _, what in scenario)
    instructor = sorted((t, what) for t, who, what in told if who == "instructor")
    assert [t for t, _ in instructor] == [0, 2, 2]
    assert "0.8" in instructor[0][1]
    assert any("0.5 of a full treaty" in what for _, what in instructor)
    assert any("level 0.7" in what for _, what in instructor)
    assert not any("never played" in what for _, _, what in told)
    assert timeline["turn"].is_monotonic_increasing
    text = story.summary(game)
    for fact in ("water-cannon", "Typhoon", "0.8", "0.5 of a full treaty"):
        assert fact in text, fact
    assert "never played" not in text
    assert "USA in 1 of 4 turns (0), CHN in none" in text


def crisis_game(seed: int) -> GameSession:
    """Three turns of three teams, each choosing in every crisis it is in.

    Each picks in turn among the actions open to it there (escalation is not
    open above a team's threshold but in reply).
    """
    game = GameSession(SCENARIO, ["USA", "CHN", "JPN"], seed=seed)
    game.inject({**COLLISION, "rung": 2})
    for k in range(3):
        for i, team in enumerate(game.teams):
            open_now = game.situation(team)["crisis_actions"]
            crisis = {
                foe: actions[(seed + k + i + j) % len(actions)]
                for j, (foe, actions) in enumerate(open_now.items())
            }
            game.submit(team, {"crisis": crisis} if crisis else {})
        game.next_turn()
    return game


COLLISION = {"kind": "crisis", "parties": ["CHN", "JPN"], "theater": "east_china_sea"}


def test_turning_points_are_ranked_and_worded_by_what_the_move_did():
    """The effect bounds the change of the clash share; a sentence says which way."""
    game = crisis_game(seed=2)  # moves that raised and lowered the odds
    points = turning_points(game.header, game.events, replications=20)
    change = points["p_clash_class"] - points["p_clash_doctrine"]
    assert (points["effect"] >= change.abs() - 1e-12).all()
    assert (points["effect"] >= 0).all() and points["effect"].is_monotonic_decreasing
    assert (change < 0).any()  # a move that lowered the odds of a clash
    told = points[points["effect"] != 0].head(3)
    sentences = story.turning_point_sentences(points, game)
    assert len(sentences) == len(told) > 1
    for row, sentence in zip(told.itertuples(), sentences, strict=True):
        if row.p_clash_class > row.p_clash_doctrine:
            assert "made a clash more likely" in sentence, sentence
        elif row.p_clash_class < row.p_clash_doctrine:
            assert "made a clash less likely" in sentence, sentence
        else:
            assert "left the chance of a clash as it was" in sentence, sentence


def test_each_discussion_question_is_asked_once():
    """Two crises that end alike raise their question once."""
    game = GameSession(SCENARIO, ["USA", "CHN"])
    game.inject(
        {"kind": "crisis", "parties": ["CHN", "USA"], "theater": "taiwan_strait"}
    )
    play_turns(game, 7)
    crises = game.model.crisis_frame()
    twice = crises[crises.duplicated(["challenger", "defender", "theater", "ending"])]
    assert len(twice)  # the same crisis ended the same way twice in this game
    asked = story.questions(game, pd.DataFrame(columns=points_columns()), [])
    assert len(asked) == len(set(asked))


def points_columns() -> list[str]:
    return [*debrief._COLUMNS, "effect"]


def unplayed_order_game() -> GameSession:
    """JPN orders a back-down toward CHN at turn 1; no moment of decision comes."""
    game = GameSession(SCENARIO, ["USA", "CHN", "JPN"], seed=2)
    game.inject({**COLLISION, "rung": 2})
    play_turns(game, 1)
    for team in game.teams:
        game.submit(team, {"crisis": {"CHN": "back_down"}} if team == "JPN" else {})
    game.next_turn()
    assert [c["pair"] for c in game.news[1]["no_decision"]] == ["CHN-JPN"]
    return game


def test_a_crisis_order_never_played_is_told_as_such():
    """JPN's back-down order met no moment of decision, as its news says.

    The timeline, the summary and the turning points say it was not played,
    and no discussion question treats it as a choice that happened.
    """
    game = unplayed_order_game()
    timeline = debrief._timeline(game, game.events)
    assert timeline["what"].tolist()[-1] == (
        "crisis with CHN: back down (its crisis order toward CHN was not played: no "
        "moment of decision came that turn)"
    )
    assert "JPN's backing down to CHN (never played) at turn 1" in story.summary(game)
    points = pd.DataFrame(
        [[1, "JPN", "crisis with CHN: back down", 0.2, 0.5, 1.5, 2.0, 0.3]],
        columns=points_columns(),
    )
    assert story.turning_point_sentences(points, game) == [
        "JPN's backing down to CHN (never played) at turn 1 (2024 Q2) was never "
        "played in this game (no moment of decision came that turn); in the "
        "replications, it made a clash less likely: 20% of replications "
        "(possible) against 50% (a coin toss) with the doctrine's choice."
    ]
    assert not any("JPN chose" in q for q in story.questions(game, points, []))


def test_the_decision_table_marks_an_order_never_played_as_the_timeline_does():
    """JPN's row says its order was not played; an order that was says no more."""
    game = unplayed_order_game()
    table = debrief._decisions(game)
    played = table.set_index(["turn", "side"])["played"].to_dict()
    assert played[1, "JPN toward CHN"] == (
        "back down (ordered) (its crisis order toward CHN was not played: no "
        "moment of decision came that turn)"
    )
    assert not any(
        "not played" in text
        for (turn, side), text in played.items()
        if (turn, side) != (1, "JPN toward CHN")
    )


def test_the_timeline_says_who_played_the_advice():
    """A move the timer or the instructor played reads so, not as the team's own."""
    game = GameSession(SCENARIO, ["USA", "CHN"])
    game.submit("USA", {})
    game.play_waiting("timer")
    game.submit("CHN", {})
    game.play_waiting("instructor")
    timeline = debrief._timeline(game, game.events)
    moves = timeline[timeline["who"].isin(game.teams)]
    told = list(zip(moves["turn"], moves["who"], moves["what"], strict=True))
    assert told == [
        (0, "USA", "(followed the advice)"),
        (0, "CHN", "(the doctrine's advice: the timer ran out before the team moved)"),
        (1, "CHN", "(followed the advice)"),
        (
            1,
            "USA",
            "(the doctrine's advice: the instructor played the turn before the "
            "team moved)",
        ),
    ]


def test_debrief_of_a_scenario_file_says_it_is_not_a_game_log(tmp_path):
    """The scenario given instead of its log is named as such, not as damaged."""
    out = tmp_path / "debrief.html"
    result = subprocess.run(
        [sys.executable, "-m", "sim.cli", "debrief", str(SCENARIO), "--out", str(out)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2
    assert "classroom_crisis.toml:1: a scenario file, not a game log" in result.stderr
    assert "written by `wargame play` or `wargame serve`" in result.stderr
    assert "damaged" not in result.stderr
    assert not out.exists()


def test_the_debrief_dates_turns_as_the_pages_do():
    """The timeline and the escalation curve say ``2024 Q2``, not ``2024.25``."""
    game = GameSession(SCENARIO, ["USA"])
    play_turns(game, 2)
    timeline = debrief._timeline(game, game.events)
    assert dict(zip(timeline["turn"], timeline["year"], strict=True)) == {
        0: "2024 Q1",
        1: "2024 Q2",
    }
    curve = escalation_curve(np.zeros(3), start_year=2024, dt_years=0.25, turns=2)
    shown = [t.get_text() for t in curve.axes[0].get_xticklabels()]
    assert shown == ["0\n2024 Q1", "1\n2024 Q2", "2\n2024 Q3"]


def test_a_move_s_confidence_building_measure_counts_in_its_turning_point():
    """CHN's hotline with USA changes the odds; the doctrine's futures lack it.

    CHN offers the hotline and nothing else, and USA, played by the doctrine,
    accepts: the measure comes into force as the turn is played, so the futures
    with the move start with it. The doctrine's futures are those of the same
    turn without the offer; JPN's move (the advice) leaves the hotline in both.
    """
    hotline = GameSession(SCENARIO, ["CHN", "JPN"])
    without = GameSession(SCENARIO, ["CHN", "JPN"])
    advised = {"posture": hotline.advice("JPN")["posture"]}
    for game, offer in ((hotline, {"cbm": {"USA": "hotline"}}), (without, {})):
        game.submit("CHN", offer)
        game.submit("JPN", advised)
        game.next_turn()
    assert (
        "In force from now: a hotline between CHN and USA."
        in (hotline.news[-1]["public"])
    )
    points = {
        name: turning_points(game.header, game.events, replications=40).set_index(
            "team"
        )
        for name, game in (("hotline", hotline), ("without", without))
    }
    chn, jpn = points["hotline"].loc["CHN"], points["hotline"].loc["JPN"]
    assert chn["effect"] > 0
    no_hotline = points["without"].loc["JPN"]
    assert (chn["p_clash_doctrine"], chn["peak_doctrine"]) == (
        no_hotline["p_clash_class"],
        no_hotline["peak_class"],
    )
    assert jpn["effect"] == 0  # as advised, the hotline in force either way
    assert (jpn["p_clash_class"], jpn["peak_class"]) == (
        chn["p_clash_class"],
        chn["peak_class"],
    )


def test_a_crisis_inject_that_opened_none_is_told_so_as_the_news_did():
    """The scenario's CHN-PHL crisis of turn 1 met the one injected at turn 0.

    The news of turn 1 says it opened none; the paragraph and the timeline say
    so in its words, and the injected crisis that did open is told plainly.
    """
    game = GameSession(SCENARIO, ["CHN", "PHL"])
    game.inject({**SHOAL, "rung": 2, "note": "ramming"})
    play_turns(game, 1)
    game.submit("CHN", {"crisis": {"PHL": "hold"}})
    game.submit("PHL", {"crisis": {"CHN": "hold"}})
    game.next_turn()
    none = (
        "opened no crisis: one between CHN and PHL was under way at the turn's "
        "end (an injected crisis opens only between states at peace)"
    )
    assert f"The inject {none}." in game.news[1]["public"]
    assert (
        "at turn 1 (the scenario's), crisis: CHN challenges PHL in South China Sea "
        "at diplomatic protest (Coast guard water-cannon incident at a disputed "
        f"shoal), which {none}. Own moves:" in story.summary(game)
    )
    timeline = debrief._timeline(game, game.events)
    injects = timeline[timeline["who"].isin(["scenario", "instructor"])]
    assert injects["what"].tolist() == [
        "Crisis: CHN challenges PHL in South China Sea at show of force (ramming).",
        "Crisis: CHN challenges PHL in South China Sea at diplomatic protest (Coast "
        f"guard water-cannon incident at a disputed shoal). The inject {none}.",
    ]


SHOAL = {"kind": "crisis", "parties": ["CHN", "PHL"], "theater": "south_china_sea"}
