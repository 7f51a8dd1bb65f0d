"""The story of a game, in prose: what happened, what mattered, what to discuss.

A seminar game's debrief ("hot wash") is a conversation, and tables do not start
one. This module turns a played game into sentences for the debrief
(:mod:`sim.classroom.debrief`):

- :func:`summary`: the game in a paragraph (crises, how they ended, the peak);
- :func:`turning_point_sentences`: each move that changed the outcome most,
  worded by which way it moved the odds, e.g. "CHN's escalation against JPN at
  turn 4 (2025) made a clash more likely: 100% of replications (near certain)
  against 11% (possible) with the doctrine's choice";
- :func:`branches`: every branch the class abandoned by rewinding, replayed
  from the log, to set beside the one it kept;
- :func:`questions`: discussion questions drawn from this game's events.
"""

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.classroom.log import Header
from sim.classroom.moves import describe_move
from sim.classroom.news import (
    ENDINGS,
    NO_CRISIS,
    dated,
    describe_inject,
    opened_none,
    place,
    words,
)
from sim.classroom.session import GameSession, effective
from sim.dynamics.escalation import RUNGS

CHANCE_WORDS = ((0.9, "near certain"), (0.6, "likely"), (0.4, "a coin toss"))
"""How a probability of a clash reads (below 0.4: possible; below 0.1: unlikely)."""
FORWARD = 0.7
"""A posture above this reads as forward in the questions (a wording choice)."""


@dataclass(frozen=True)
class Branch:
    """One line of play: the kept game or a branch abandoned by a rewind.

    Attributes:
        label: How the debrief names it.
        game: The branch replayed to where it stopped.
        from_turn: The turn where it parts from the kept game (for the kept
            game, the earliest turn where a branch parts from it).
    """

    label: str
    game: GameSession
    from_turn: int


def played(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The moves and injects of the turns played, in the order they were made.

    Of a team's moves at a turn only the one in force when the turn was played
    counts (a later submission replaces an earlier one); moves and injects of a
    turn never played (entered before the game ended, or dropped by a rewind)
    did not happen.
    """
    kept = effective(events)
    turns = {e["turn"] for e in kept if e["event"] == "turn"}
    final = {
        (e["turn"], e["team"]): k for k, e in enumerate(kept) if e["event"] == "move"
    }
    return [
        e
        for k, e in enumerate(kept)
        if e["event"] in ("move", "inject")
        and e["turn"] in turns
        and (e["event"] == "inject" or final[e["turn"], e["team"]] == k)
    ]


def injects(game: GameSession) -> list[tuple[int, str, dict[str, Any]]]:
    """Every inject of the turns played, by turn: ``(turn, by, inject)``.

    ``by`` is ``"scenario"`` for the scenario file's own ``[[inject]]`` schedule
    and ``"instructor"`` for one added in play (the scenario's first within a
    turn); ``inject`` holds what :func:`~sim.classroom.news.describe_inject`
    reads, its size (rung, magnitude) included.
    """
    base = game.scenario  # as loaded when the game began, nothing added in play
    found = [
        (base.step_of(j.year), "scenario", asdict(j))
        for j in base.injects
        if base.step_of(j.year) < game.turn
    ]
    found += [
        (e["turn"], "instructor", e["inject"])
        for e in played(game.events)
        if e["event"] == "inject"
    ]
    return sorted(found, key=lambda f: f[0])


def unplayed(game: GameSession, turn: int, team: str) -> list[str]:
    """The states toward which ``team``'s crisis order at ``turn`` was never played.

    No moment of decision came in that crisis that turn (the turn's news,
    ``no_decision``), so in this game the order changed nothing.
    """
    if turn >= len(game.news):
        return []
    return [
        next(s for s in c["pair"].split("-") if s != team)
        for c in game.news[turn]["no_decision"]
        if team in c["orders"]
    ]


def chance_words(p: float) -> str:
    """A probability of a clash in words."""
    for floor, phrase in CHANCE_WORDS:
        if p >= floor:
            return phrase
    return "possible" if p >= 0.1 else "unlikely"


def summary(game: GameSession) -> str:
    """The game in a paragraph."""
    model = game.model
    theaters = model.spec.theaters
    crises = model.crisis_frame()
    rungs = model.model_frame()["max_rung"].to_numpy()
    peak = int(rungs.max())
    turn = int(np.argmax(rungs))
    ended = crises[crises["ending"] != "ongoing"]
    told = [
        f"{c.challenger} against {c.defender} in {place(c.theater, theaters)}: "
        + ENDINGS[c.ending].format(challenger=c.challenger, defender=c.defender)
        for c in ended.itertuples()
    ]
    open_ = crises[crises["ending"] == "ongoing"]
    text = (
        f"The teams ({', '.join(game.teams)}) played {game.turn} of "
        f"{model.horizon} turns. "
        + _injects_told(game)
        + _moves_told(game)
        + f"The region saw {len(crises)} "
        f"{'crises' if len(crises) != 1 else 'crisis'}; the highest rung reached was "
        f"{words(RUNGS[peak])}"
        + (f", first after turn {turn - 1}" if peak else "")
        + ". "
    )
    if told:
        text += "Ended: " + "; ".join(told) + ". "
    if len(open_):
        pairs = ", ".join(f"{c.challenger}-{c.defender}" for c in open_.itertuples())
        text += f"Still open at the end: {pairs}."
    return text.strip()


def _injects_told(game: GameSession) -> str:
    """The injects of the game in a sentence, each with its turn and size.

    A crisis inject that opened none says so, as the turn's news did.
    """
    told = []
    crises = game.model.crisis_frame()
    for turn, by, inject in injects(game):
        headline = describe_inject(inject, game.model.spec.theaters).rstrip(".")
        if opened_none(inject, crises, turn):
            headline += ", which " + NO_CRISIS.format(
                pair=" and ".join(inject["parties"])
            )
        told.append(f"at turn {turn} (the {by}'s), {headline[0].lower()}{headline[1:]}")
    return f"Injects: {'; '.join(told)}. " if told else "No inject. "


def _moves_told(game: GameSession) -> str:
    """In which turns each team made its own move, and its crisis choices."""
    moves = [e for e in played(game.events) if e["event"] == "move"]
    own = []
    for k, team in enumerate(game.teams):
        turns = [str(e["turn"]) for e in moves if e["team"] == team and e["move"]]
        of = f" of {game.turn} turns" if k == 0 else ""
        own.append(
            f"{team} in {len(turns)}{of} ({', '.join(turns)})"
            if turns
            else f"{team} in none{of}"
        )
    text = (
        f"Own moves: {', '.join(own)}; in the other turns the doctrine's advice "
        "was played. "
    )
    crisis = [
        f"{e['team']}'s {_act(e['move'], unplayed(game, e['turn'], e['team']))} "
        f"at turn {e['turn']}"
        for e in moves
        if e["move"].get("crisis")
    ]
    if crisis:
        text += f"Crisis choices: {'; '.join(crisis)}. "
    return text


def _act(move: dict[str, Any], unplayed: list[str] | None = None) -> str:
    """The gist of a move: its crisis action if any, else its choices.

    A crisis order toward a state in ``unplayed`` is marked as never played.
    """
    verbs = {
        "escalate": "escalation against",
        "hold": "holding firm against",
        "back_down": "backing down to",
    }
    crisis = move.get("crisis", {})
    if crisis:
        return " and ".join(
            f"{verbs[a]} {s}" + (" (never played)" if s in (unplayed or []) else "")
            for s, a in crisis.items()
        )
    return f"move ({describe_move(move)})"


def turning_point_sentences(
    points: pd.DataFrame, game: GameSession, *, most: int = 3
) -> list[str]:
    """The moves that changed the outcome most, in sentences, largest first.

    Args:
        points: :func:`sim.classroom.debrief.turning_points`.
        game: The game (for years and moves).
        most: How many to tell.
    """
    info = game.model.spec.info
    sentences = []
    for row in points[points["effect"] != 0].head(most).itertuples():
        move = next(
            e["move"]
            for e in played(game.events)
            if e["event"] == "move" and e["turn"] == row.turn and e["team"] == row.team
        )
        year = dated(info.start_year + row.turn * info.dt_years, info.dt_years)
        unplayed_now = unplayed(game, row.turn, row.team)
        told = _told(row)
        if unplayed_now and set(unplayed_now) >= set(move.get("crisis", {})):
            told = (
                "was never played in this game (no moment of decision came that "
                f"turn); in the replications, it {told}"
            )
        sentences.append(
            f"{row.team}'s {_act(move, unplayed_now)} at turn {row.turn} ({year}) "
            f"{told}."
        )
    return sentences or [
        "No team's move changed the odds of a clash: every move the class "
        "made led where the doctrine's choice would have."
    ]


def _told(row: Any) -> str:
    """What a move did to the odds of a clash, worded by the sign of the change.

    ``row``: a row of :func:`sim.classroom.debrief.turning_points`.
    """
    shares = (
        f"{row.p_clash_class:.0%} of replications ({chance_words(row.p_clash_class)}) "
        f"against {row.p_clash_doctrine:.0%} "
        f"({chance_words(row.p_clash_doctrine)}) with the doctrine's choice"
    )
    if row.p_clash_class != row.p_clash_doctrine:
        more = "more" if row.p_clash_class > row.p_clash_doctrine else "less"
        return f"made a clash {more} likely: {shares}"
    peaks = f"{row.peak_class:.2f} against {row.peak_doctrine:.2f}"
    if row.peak_class == row.peak_doctrine:
        return (
            f"left the chance of a clash as it was ({shares}) and the mean peak "
            f"rung too ({peaks}), but changed how high crises went"
        )
    way = "raised" if row.peak_class > row.peak_doctrine else "lowered"
    return (
        f"left the chance of a clash as it was ({shares}) but {way} the mean "
        f"peak rung: {peaks}"
    )


def branches(header: Header, events: list[dict[str, Any]]) -> list[Branch]:
    """The kept game, then each branch a rewind abandoned, replayed from the log.

    The kept game's ``from_turn`` is the earliest turn a branch parts from it
    (0 if none does), so its row shows the moves set against the branches'.
    """
    found = []
    for k, event in enumerate(events):
        if event["event"] != "rewind":
            continue
        game = GameSession.from_events(header, effective(events[:k]))
        to = event["to_turn"]
        found.append(
            Branch(
                f"branch {len(found) + 1}: rewound from turn {game.turn} to turn {to}",
                game,
                to,
            )
        )
    kept = GameSession.from_events(header, effective(events))
    parted = min((b.from_turn for b in found), default=0)
    return [Branch("kept", kept, parted), *found]


def branch_table(found: list[Branch]) -> pd.DataFrame:
    """One row per branch: where it parted, how far it went, how it turned out."""
    rows = []
    for b in found:
        crises = b.game.model.crisis_frame()
        moves = [
            f"{e['team']} t{e['turn']}: {describe_move(e['move'])}"
            for e in played(b.game.events)
            if e["event"] == "move" and e["turn"] >= b.from_turn and e["move"]
        ]
        peak = int(b.game.model.model_frame()["max_rung"].max())
        rows.append(
            {
                "line of play": b.label,
                "turns played": b.game.turn,
                "peak rung": words(RUNGS[peak]),
                "crises": len(crises),
                "wars": int((crises["ending"] == "war").sum()),
                "its moves from the parting turn": "; ".join(moves) or "(advice)",
            }
        )
    return pd.DataFrame(rows)


def questions(
    game: GameSession, points: pd.DataFrame, found: list[Branch]
) -> list[str]:
    """Discussion questions drawn from what happened in this game."""
    asked = []
    top = [
        row
        for row in points[points["effect"] != 0].itertuples()
        if not unplayed(game, row.turn, row.team)
    ][:1]
    for row in top:
        odds = (
            f"a clash in {row.p_clash_class:.0%} of futures with it against "
            f"{row.p_clash_doctrine:.0%} with the doctrine's choice"
        )
        riskier = (row.p_clash_class, row.peak_class) > (
            row.p_clash_doctrine,
            row.peak_doctrine,
        )
        asked.append(
            f"At turn {row.turn}, {row.team} chose '{row.move}' ({odds}). What did "
            "the team expect the others to do, and what did the doctrine see that "
            "it did not?"
            if riskier
            else f"At turn {row.turn}, {row.team} chose '{row.move}' ({odds}). "
            "What did the team see that the doctrine did not?"
        )
    crises, theaters = game.model.crisis_frame(), game.model.spec.theaters
    for c in crises.itertuples():
        where = place(c.theater, theaters)
        if c.ending == "challenger_backed_down":
            asked.append(
                f"Deterrence held when {c.challenger} backed down against "
                f"{c.defender} in {where}: was it the balance of power, "
                "an ally's commitment, or the audience cost that made it credible?"
            )
        elif c.ending == "defender_backed_down":
            asked.append(
                f"{c.defender} backed down to {c.challenger} in {where}: "
                "what would it have taken to hold, and who paid for the retreat at "
                "home and with allies?"
            )
        elif c.ending == "war":
            asked.append(
                f"{c.challenger} and {c.defender} went to war in "
                f"{where}: at which rung could either side still have "
                "stopped, and why did it not?"
            )
    if game.added["cbm"]:
        pairs = ", ".join(
            dict.fromkeys(
                f"{' and '.join(c['parties'])}: {words(c['kind'])}"
                for c in game.added["cbm"]
            )
        )
        asked.append(
            f"Confidence-building measures came into force ({pairs}): did they "
            "change how the next crisis between them was read?"
        )
    moves = [e for e in played(game.events) if e["event"] == "move"]
    rises = [
        e
        for e in moves
        if e["move"].get("budget_change_pct", 0) > 0
        or e["move"].get("posture", 0) > FORWARD
    ]
    if rises:
        teams = sorted({e["team"] for e in rises})
        asked.append(
            f"{', '.join(teams)} raised spending or took a forward posture: did a "
            "neighbour read it as a threat and answer in kind (the security "
            "dilemma)?"
        )
    if any(e.get("by") == "timer" for e in moves):
        asked.append(
            "The timer decided for a team at least once: what does a deadline do "
            "to a crisis decision?"
        )
    if len(found) > 1:
        asked.append(
            "The class rewound and played again: compare the branches in the "
            "table above. Was the difference the choice, or chance?"
        )
    if not any(e["event"] == "move" and e["move"].get("crisis") for e in moves):
        asked.append(
            "No team chose in a crisis: which crisis would you have acted in, and how?"
        )
    return list(dict.fromkeys(asked))  # each question once
