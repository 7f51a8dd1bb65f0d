"""The news of a turn: what every page learns when a turn is played.

A seminar game lives on its turn reports (the "adjudication" of a matrix game,
the control cell's narrative in a RAND-style seminar game, the news feed of
IQT Labs' Snow Globe). :func:`report` compares the region before a turn
(:class:`Before`) and after it and says, in sentences, what happened:

- **public** (every page and the projector): injects (a crisis inject that
  opened none, a crisis of the pair being under way, said so), crises started, every
  side's action in each crisis and how its rung moved (or that it ended and a
  new crisis of the pair opened within the turn), crises ended and how
  (who backed down, a negotiated settlement, war), wars, confidence-building
  measures newly in force, the signals the teams sent (exercises, patrols and
  declarations are seen by all; one toward a state whose tie with the team a
  treaty change of the turn ended is told as backing no commitment: the engine
  applies the treaty change before the signals), and which teams the timer or
  the instructor left to the doctrine;
- **private** (one team's page only): the move it submitted, and the
  confidence-building measures other teams offered it (to offer back, unless
  the measure is in force between them, from this turn or before).

Budgets and postures are public through the region's table; a team's other
choices stay its own.
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.classroom.moves import describe_move, words
from sim.dynamics.escalation import RUNGS, WAR
from sim.model import RegionModel
from sim.scenario import Theater

ENDINGS = {
    "challenger_backed_down": "{challenger} backed down: deterrence held",
    "defender_backed_down": "{defender} backed down: {challenger} prevailed",
    "negotiated": "settled by negotiation",
    "war": "it became a major war",
}
"""How each ending of a crisis reads (keys: ``ending`` of the crisis records)."""
ADVISED = {
    "timer": "The turn timer ran out",
    "instructor": "The instructor played the turn without waiting",
}
"""Why teams that had not moved got the doctrine's advice, by who played it."""
NO_CRISIS = (
    "opened no crisis: one between {pair} was under way at the turn's end (an "
    "injected crisis opens only between states at peace)"
)
"""What a crisis inject that opened none did (:func:`opened_none`), for a sentence."""
SMALL_WORDS = frozenset({"a", "an", "and", "at", "in", "of", "on", "the", "to"})
"""Words a place name made from an id leaves in lower case (but first)."""


@dataclass(frozen=True)
class Before:
    """The region at the start of a turn, as the news compares it.

    Attributes:
        turn: The turn about to be played.
        year: Its calendar year.
        crises: Crisis records so far (:meth:`RegionModel.crisis_frame`).
        rungs: The rung of each pair at odds, ``"CHN-JPN"`` -> rung name.
        cbms: How many CBMs had been agreed in play.
        injects: This turn's injects (the scenario's and the instructor's).
        climbed: ``[i, j]`` the highest rung i took its crisis with j to
            itself, (N, N) (:class:`~sim.dynamics.escalation.Crises`).
        started: ``[i, j]`` the step that crisis started, -1 for none, (N, N).
    """

    turn: int
    year: float
    crises: pd.DataFrame
    rungs: dict[str, str]
    cbms: int
    injects: tuple[dict[str, Any], ...]
    climbed: np.ndarray
    started: np.ndarray


def report(
    start: Before,
    model: RegionModel,
    *,
    teams: tuple[str, ...],
    rungs: dict[str, str],
    new_cbms: list[dict[str, Any]],
    moves: dict[str, dict[str, Any]],
    advised: dict[str, str],
    no_decision: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """The news of the turn just played.

    Args:
        start: The region as the turn started.
        model: The model after the turn.
        teams: The states played by teams.
        rungs: The rung of each pair at odds now, ``"CHN-JPN"`` -> rung name.
        new_cbms: The CBMs agreed this turn.
        moves: Each team's move this turn, as submitted.
        advised: Teams left to the doctrine's advice, and by whom:
            ``"timer"`` (it ran out) or ``"instructor"`` (played the turn
            without waiting for them).
        no_decision: The crises in which no moment of decision came, so the
            teams' orders there were not played (``GameSession._undecided``):
            each ordering team is told so in its private news.

    Returns:
        ``{"turn", "year", "public": [sentence, ...], "private": {team:
        [sentence, ...]}, "no_decision": no_decision}``.
    """
    crises = model.crisis_frame()
    public = []
    for j in start.injects:
        public.append(describe_inject(j, model.spec.theaters))
        if opened_none(j, crises, start.turn):
            public.append(
                f"The inject {NO_CRISIS.format(pair=' and '.join(j['parties']))}."
            )
    public += _crisis_news(start, model, rungs)
    public += [
        f"In force from now: a {c['kind']} between {' and '.join(c['parties'])}."
        for c in new_cbms
    ]
    public += [
        line
        for team in teams
        for line in _signals_seen(
            team, moves[team], ended_ties(start.injects, team), model.spec.theaters
        )
    ]
    for by, why in ADVISED.items():
        left = [team for team in teams if advised.get(team) == by]
        if left:
            public.append(
                f"{why}: the doctrine's advice was played for {', '.join(left)}."
            )
    in_force = {
        (frozenset(c.parties), c.kind) for c in model.spec.cbms if c.year <= start.year
    }
    private = {
        team: [_own_move(moves[team], advised.get(team))]
        + [
            f"{other} offered you a {kind}, in force between you."
            if (frozenset((team, other)), kind) in in_force
            else f"{other} offered you a {kind}: offer it back to bring it into force."
            for other in teams
            for partner, kind in moves[other].get("cbm", {}).items()
            if partner == team and other != team
        ]
        for team in teams
    }
    for crisis in no_decision:
        for team, order in crisis["orders"].items():
            private[team].append(_unplayed(crisis, team, order))
    return {
        "turn": start.turn,
        "year": start.year,
        "public": public or ["A quiet quarter: no crisis moved."],
        "private": private,
        "no_decision": list(no_decision),
    }


def opened_none(inject: dict[str, Any], crises: pd.DataFrame, turn: int) -> bool:
    """Whether ``inject``, of ``turn``, is a crisis inject that opened no crisis.

    An injected crisis opens at the turn's end, at step ``turn + 1``, and only
    between states at peace then; ``crises`` (the crisis records,
    :meth:`~sim.model.RegionModel.crisis_frame`, of this turn or later) hold
    it if it opened.
    """
    if inject["kind"] != "crisis":
        return False
    return not any(
        row.origin == "inject"
        and (row.challenger, row.defender) == tuple(inject["parties"])
        and row.start_step == turn + 1
        for row in crises.itertuples()
    )


def _unplayed(crisis: dict[str, Any], team: str, order: str) -> str:
    """Why a team's crisis order did nothing: no moment of decision came."""
    other = next(s for s in crisis["pair"].split("-") if s != team)
    return (
        f"No moment of decision came in your crisis with {other} this turn, so "
        f"your order ({words(order)}) was not played; it stays at "
        f"{words(crisis['rung'])}."
    )


def describe_inject(inject: dict[str, Any], theaters: Sequence[Theater] = ()) -> str:
    """An inject as a headline, e.g. ``Crisis: CHN challenges JPN in ...``.

    ``theaters``: the scenario's, whose names the headline uses (:func:`place`).
    """
    parties = inject["parties"]
    note = f" ({inject['note']})" if inject.get("note") else ""
    kind = inject["kind"]
    if kind == "crisis":
        rung = words(RUNGS[inject.get("rung", 1)])
        return (
            f"Crisis: {parties[0]} challenges {parties[1]} in "
            f"{place(inject['theater'], theaters)} at "
            f"{rung}{note}."
        )
    if kind == "disaster":
        return f"Disaster strikes {', '.join(parties)}{note}."
    if kind == "exercise":
        level = inject.get("magnitude", 1.0)
        return f"Exercise of {', '.join(parties)} at level {level:g}{note}."
    if kind == "treaty_change":
        level = inject.get("magnitude", 1.0)
        what = "ended" if level == 0 else f"set to {level:g} of a full treaty"
        return f"Treaty change: the tie of {' and '.join(parties)} is {what}{note}."
    factor = inject.get("magnitude", 1.0)
    who = " and ".join(parties)
    spend = "spends" if len(parties) == 1 else "spend"
    budget = "its budget" if len(parties) == 1 else "their budgets"
    change = (
        "no change"
        if factor == 1
        else f"a {abs(factor - 1):.0%} {'rise' if factor > 1 else 'cut'}"
    )
    return (
        f"Budget shock: {who} {spend} {factor:g} times {budget} this turn "
        f"({change}){note}."
    )


def announce(
    inject: dict[str, Any], theaters: Sequence[Theater] = (), under_way: str = ""
) -> str:
    """An inject of the turn under way, as pages show it before the turn is played.

    A crisis inject opens only at the turn's end, so no one can answer it yet,
    and only between states at peace then: ``under_way`` (the rung of a crisis
    between its parties now, if any) says it may open none. ``theaters``: the
    scenario's, whose names it uses (:func:`place`).
    """
    text = describe_inject(inject, theaters)
    pair = " and ".join(inject["parties"])
    if inject["kind"] == "crisis" and under_way:
        text += (
            f" {pair} are in a crisis already ({words(under_way)}): this one opens "
            "at the end of this turn only if that one has ended by then."
        )
    elif inject["kind"] == "crisis":
        text += (
            f" It opens at the end of this turn: {pair} can answer it from next turn."
        )
    return text


def _crisis_news(start: Before, model: RegionModel, rungs: dict) -> list[str]:
    """Crises started, who escalated, rungs moved, crises ended, wars.

    What a side did is read from the crisis's path, not from the orders or the
    doctrine's draw at the turn's start: a side of a crisis under way when the
    turn began escalated if it took the crisis to a higher rung itself during
    the turn (its ``climbed``); a crisis new this turn is announced with the
    rung it reached; how a crisis ended is told by its record.
    """
    news = []
    now = model.crisis_frame()
    known = {_key(row) for row in start.crises.itertuples()}
    for row in now.itertuples():  # an injected one is told by its inject
        if _key(row) not in known and row.origin != "inject":
            news.append(
                f"New crisis: {row.challenger} challenges {row.defender} in "
                f"{place(row.theater, model.spec.theaters)}."
            )
    for pair in sorted(set(start.rungs) | set(rungs)):
        a, b = pair.split("-")
        escalated = [
            me for me, them in ((a, b), (b, a)) if _escalated(start, model, me, them)
        ]
        was, is_ = start.rungs.get(pair, RUNGS[0]), rungs.get(pair, RUNGS[0])
        who = f"{' and '.join(escalated)} escalated; it " if escalated else ""
        if _renewed(start, model, a, b):
            moved = (
                f"its crisis at {words(was)} ended; a new one opened at {words(is_)}"
            )
        elif was == is_:
            moved = f"stays at {words(is_)}"
        else:
            moved = f"went from {words(was)} to {words(is_)}"
        news.append(f"{pair}: {who}{moved}.")
        if is_ == RUNGS[WAR] and was != is_:
            news.append(f"WAR: {a} and {b} are at major war.")
    before_ended = start.crises[start.crises["ending"] != "ongoing"]
    # a multiset: one pair may open (and end) two crises within one step
    told = Counter(_key(row) for row in before_ended.itertuples())
    for row in now.itertuples():  # those of the turn too
        if row.ending == "ongoing":
            continue
        if told[_key(row)]:  # ended before the turn, told then
            told[_key(row)] -= 1
            continue
        how = ENDINGS[row.ending].format(
            challenger=row.challenger, defender=row.defender
        )
        news.append(
            f"Crisis over: {row.challenger} against {row.defender} in "
            f"{place(row.theater, model.spec.theaters)} ended: {how}."
        )
    return news


def _renewed(start: Before, model: RegionModel, a: str, b: str) -> bool:
    """Whether the pair's crisis of the turn's start ended and another opened.

    Its rungs before and after the turn are two crises' (the new one an
    inject's, say), not one crisis's move.
    """
    i, j = model.spec.state_index(a), model.spec.state_index(b)
    now = model.world.crises.start_step[0, i, j]
    return bool(start.started[i, j] >= 0 and now >= 0 and now != start.started[i, j])


def _escalated(start: Before, model: RegionModel, me: str, them: str) -> bool:
    """Whether ``me`` took its crisis with ``them`` up a rung itself this turn.

    Only a crisis under way when the turn began, and still the same one.
    """
    i, j = model.spec.state_index(me), model.spec.state_index(them)
    crises = model.world.crises
    if start.started[i, j] < 0 or crises.start_step[0, i, j] != start.started[i, j]:
        return False
    return bool(crises.climbed[0, i, j] > start.climbed[i, j])


def ended_ties(injects: Sequence[dict[str, Any]], team: str) -> set[str]:
    """The states whose tie with ``team`` this turn's treaty changes end.

    ``injects`` are the turn's, in the order the engine applies them (a later
    treaty change of the pair overrides an earlier one). The engine ends the
    tie before it reads the turn's signals, so an exercise or a public pledge
    toward such a state backs no commitment.
    """
    ended: set[str] = set()
    for inject in injects:
        if inject["kind"] == "treaty_change" and team in inject["parties"]:
            others = set(inject["parties"]) - {team}
            ended = ended | others if inject.get("magnitude") == 0 else ended - others
    return ended


def _signals_seen(
    team: str,
    move: dict[str, Any],
    untied: set[str],
    theaters: Sequence[Theater],
) -> list[str]:
    """The signals a team sent this turn, as the region saw them.

    ``untied``: the states whose tie with the team a treaty change ended this
    turn (:func:`ended_ties`), before the signals were read; ``theaters``: the
    scenario's, whose names are used.
    """
    seen = [
        f"{team} held an exercise with {ally}"
        + (
            " after the treaty change ended their tie: it backs no commitment "
            f"(it still cost {team} and pressed on its rivals)."
            if ally in untied
            else "."
        )
        for ally, level in move.get("exercise", {}).items()
        if level > 0
    ]
    seen += [
        f"{team} patrolled {place(theater, theaters)}."
        for theater, level in move.get("patrol", {}).items()
        if level > 0
    ]
    seen += [
        f"{team} pledged in public to defend {ally}"
        + (
            " after the treaty change ended their tie: no commitment stands "
            f"behind the pledge ({team}'s word is staked all the same)."
            if ally in untied
            else "."
        )
        for ally, level in move.get("declaration", {}).items()
        if level > 0
    ]
    return seen


def _own_move(move: dict[str, Any], advised: str | None) -> str:
    """What a team is told of its own move (``advised``: who played the advice)."""
    if advised == "timer":
        return "The timer ran out before you moved: the doctrine's advice was played."
    if advised == "instructor":
        return (
            "The instructor played the turn before you moved: the doctrine's "
            "advice was played."
        )
    played = describe_move(move) or "the doctrine's advice"
    return f"You played: {played}."


def place(theater: str, theaters: Sequence[Theater] = ()) -> str:
    """A theater's name: the scenario's own (``theaters``), else from its id.

    From the id, each word capitalised but the small ones: ``sea_of_japan`` ->
    ``Sea of Japan``.
    """
    named = {t.id: t.name for t in theaters if t.name}
    if theater in named:
        return named[theater]
    return " ".join(
        w if k and w in SMALL_WORDS else w[:1].upper() + w[1:]
        for k, w in enumerate(words(theater).split())
    )


def _key(row: Any) -> tuple[str, str, int]:
    return (row.challenger, row.defender, int(row.start_step))


def dated(year: float, dt_years: float) -> str:
    """A turn's date as the classroom shows it: ``2024 Q2`` when turns are quarters.

    Args:
        year: Calendar time of the turn, in years (``2024.25``).
        dt_years: Length of a turn, years; other lengths than a quarter give
            the year as it is (``2024.5``).
    """
    quarter = round((year % 1) * 4) + 1
    return f"{int(year)} Q{quarter}" if dt_years == 0.25 else f"{year:g}"
