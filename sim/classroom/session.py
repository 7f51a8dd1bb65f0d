"""A classroom game: teams' moves, instructor injects, turns, rewind and resume.

A :class:`GameSession` wraps a :class:`~sim.model.RegionModel`. Each turn every
team submits a move (:mod:`sim.classroom.moves`), checked at once so a move the
rules forbid is refused with a message and the turn waits; the other states
follow the default doctrine. When every team has moved, :meth:`next_turn`
hands each move to its state's policy hook (the path a scripted doctrine takes)
and steps the model. The instructor may inject an event: it joins the scenario's
``[[inject]]`` table through :func:`~sim.scenario.load_scenario` (``events``),
validated like the file's own, and takes effect this turn. A confidence-building
measure comes into force when both parties offer it, or one offers it to a
state played by the doctrine, which accepts (a modelling choice).

Every accepted move, inject and played turn is appended to the game log
(:mod:`sim.classroom.log`) as it happens. The game is a pure function of its
log: :meth:`GameSession.resume` replays it, and :meth:`rewind` appends a
``rewind`` event and replays the log up to the chosen turn, bit for bit (random
numbers are counter-based, :mod:`sim.rng`). Each replayed turn must end as the
log recorded it; a log written by code that plays it otherwise is refused,
naming the versions, rather than shown as a different game. The settings of a
served game are logged too, so a resumed server keeps them: the turn timer's
length (:meth:`~GameSession.set_timer`), the seconds left on it when play was
paused, and the teams' join codes (:meth:`~GameSession.set_join_codes`). A
rewind keeps them: they belong to the room, not to a turn.
"""

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim import __version__
from sim.classroom import news
from sim.classroom.briefing_texts import read_texts
from sim.classroom.log import GameLog, GameLogError, Header, read_log
from sim.classroom.moves import (
    NO_CLIMBING,
    MoveError,
    budget_range,
    canonical_id,
    canonical_move,
    cbm_in_force,
    cbm_offers,
    check_move,
    crisis_actions,
    may_escalate,
    signal_partners,
    threshold,
)
from sim.dynamics.crisis_decision import ACTIONS
from sim.dynamics.escalation import RUNGS, WAR
from sim.errors import InputError
from sim.manifest import code_hash
from sim.model import RegionModel, StateAgent
from sim.scenario import (
    INJECT_MAGNITUDES,
    ScenarioError,
    Source,
    load_scenario,
    magnitude_help,
    magnitude_problem,
    read_source,
)

TIMER_MINUTES = 600
"""The longest turn timer, in minutes."""
MAX_SEED = 2**63 - 1
"""The largest seed or replication (the scenario's ``seed`` has the same bound)."""
JOIN_CODE = re.compile(r"[A-Z0-9]+")
"""A join code: capital letters and digits (team addresses are matched upper-case)."""


class GameError(InputError):
    """An instruction the game cannot follow now (the state is unchanged)."""


class ReplayMismatchError(GameError):
    """A replayed turn ended otherwise than its log recorded (other code wrote it)."""


@dataclass
class TeamPolicy:
    """A team's checked choice for this turn, handed to the policy hook."""

    choice: dict[str, Any]

    def decide(self, agent: StateAgent, doctrine: dict) -> dict:
        """The team's choice; what it leaves out keeps the doctrine's."""
        return self.choice


class GameSession:
    """One classroom game.

    Args:
        scenario: The scenario file, or a bundled scenario's name
            (``"classroom_crisis"``), as :func:`~sim.scenario.scenario_path`
            reads it (the command line's SCENARIO too); or its
            :class:`~sim.scenario.Source` read already. Read once, here: the
            game keeps to that content whatever becomes of the file.
        teams: The states played by teams (ISO3 ids).
        seed: Random seed (the scenario's if None).
        replication: Replication index of that seed.
        log: The game log to write (a new file), or None for no log.

    Raises:
        ScenarioError: The scenario is invalid, or a bare name that is neither
            a file nor a bundled scenario.
        BriefingError: The scenario's briefings file (``NAME.briefings.toml``)
            is invalid; read here, so a bad one is refused before any log is
            written and never mid-class.
        GameError: A team names a state the scenario lacks, or twice; or the
            seed or replication is not a whole number from 0 to 2**63 - 1
            (:data:`MAX_SEED`).
        GameLogError: The log file exists already.
    """

    def __init__(
        self,
        scenario: str | Path | Source,
        teams: list[str] | tuple[str, ...],
        *,
        seed: int | None = None,
        replication: int = 0,
        log: str | Path | None = None,
    ) -> None:
        for name, value in (("seed", seed), ("replication", replication)):
            if value is not None and not _is_key(value):
                raise GameError(
                    f"{name} {value!r}: must be a whole number from 0 to {MAX_SEED}",
                    field=name,
                )
        self.source = (
            scenario if isinstance(scenario, Source) else read_source(scenario)
        )
        self.path = self.source.path
        self.scenario = load_scenario(self.source)  # no events added
        ids = self.scenario.state_ids
        teams = [canonical_id(t, ids) for t in teams]  # usa -> USA
        unknown = [t for t in teams if t not in ids]
        if unknown or not teams or len(set(teams)) != len(teams):
            raise GameError(
                f"teams {','.join(teams)}: name each playable state once, from "
                f"{', '.join(ids)}"
                + (
                    f"; unknown: {', '.join(t or "'' (empty)" for t in unknown)}"
                    if unknown
                    else ""
                ),
                field="teams",
            )
        # The scenario's own briefing text by state, checked once, here.
        self.briefing_texts = read_texts(self.path, ids)
        self.header = Header(
            scenario=str(self.path),
            scenario_hash=self.scenario.content_hash,
            seed=self.scenario.info.seed if seed is None else int(seed),
            replication=int(replication),
            version=__version__,
            teams=tuple(teams),
            code=code_hash(),
        )
        self._start()
        self.log = None if log is None else GameLog.create(log, self.header)

    @classmethod
    def resume(cls, log: str | Path) -> "GameSession":
        """Continue the game recorded in ``log`` where it stopped.

        Raises:
            GameLogError: The log is corrupt (its line is named), not a game
                log, or its scenario changed since the game started.
        """
        header, events = read_log(log)
        game = cls.from_events(header, events, source=str(log))
        game.log = GameLog(Path(log))
        return game

    @classmethod
    def from_events(
        cls, header: Header, events: list[dict[str, Any]], *, source: str = "log"
    ) -> "GameSession":
        """The game a header and its events describe, replayed (and not logged).

        Raises:
            GameLogError: The scenario changed since the game started, or an
                event cannot be replayed (a foreign or edited log).
        """
        try:
            content = read_source(header.scenario)
            scenario = load_scenario(content)
        except ScenarioError as err:
            raise GameLogError(
                f"{source}: its scenario cannot be loaded: {err}"
            ) from err
        if scenario.content_hash != header.scenario_hash:
            raise GameLogError(
                f"{source}: the scenario {header.scenario} changed since this game "
                "started (content hash differs); restore it to resume"
            )
        try:
            game = cls(
                content,  # as checked, not read again
                header.teams,
                seed=header.seed,
                replication=header.replication,
            )
            game._replay(events)
        except ReplayMismatchError as err:
            raise GameLogError(f"{source}: {err}: {_why_otherwise(header)}") from err
        except (MoveError, GameError, ScenarioError, KeyError, TypeError) as err:
            raise GameLogError(f"{source}: cannot be replayed: {err}") from err
        return game

    # ----------------------------------------------------------------- state

    def _start(self) -> None:
        """The game at turn 0 with nothing added."""
        self.events: list[dict[str, Any]] = []
        self.added: dict[str, list[dict]] = {"inject": [], "cbm": []}
        self.model = RegionModel(
            self.scenario,
            rng=self.header.seed,
            replication=self.header.replication,
        )
        self.moves: dict[str, dict[str, Any]] = {}
        self.choices: dict[str, dict[str, Any]] = {}
        self.offers: set[tuple[str, str, str]] = set()
        self.paused = False
        self.ended = False
        self.timer_minutes: float | None = None  # no turn timer
        self.timer_left: float | None = None  # held while paused
        self.join_codes: dict[str, str] | None = None  # none given yet
        self.advised: dict[str, str] = {}  # team -> who played it the advice
        self.news: list[dict[str, Any]] = []
        self._advice = self.model.doctrine()

    @property
    def teams(self) -> tuple[str, ...]:
        """The states played by teams."""
        return self.header.teams

    @property
    def turn(self) -> int:
        """The turn being played (steps taken so far)."""
        return self.model.world.step

    @property
    def finished(self) -> bool:
        """Whether the game is over: ended by the instructor or out of turns."""
        return self.ended or not self.model.running

    @property
    def waiting_for(self) -> list[str]:
        """Teams that have not moved this turn (none once the game is over)."""
        if self.finished:
            return []
        return [t for t in self.teams if t not in self.moves]

    def advice(self, team: str) -> dict[str, Any]:
        """What the default doctrine would choose for a team this turn."""
        return self._advice[1][self._team(team)]

    # ------------------------------------------------------------- commands

    def submit(
        self,
        team: str,
        move: dict[str, Any],
        *,
        by: str | None = None,
        replay: bool = False,
    ) -> None:
        """Check and record a team's move for this turn (a later one replaces it).

        Args:
            team: The team's state.
            move: Its move (:mod:`sim.classroom.moves`), recorded as given
                but for its states and theaters, spelled as the scenario does
                (:func:`~sim.classroom.moves.canonical_move`): they may be
                given in any case, as may ``team``.
            by: Who played the doctrine's advice for a team that had not
                moved (:data:`sim.classroom.news.ADVISED`): ``"timer"`` (it ran out) or
                ``"instructor"``; None for the team's own move.
            replay: The move is read back from the game log: the rules an
                older log's moves were not held to are not enforced
                (:func:`~sim.classroom.moves.check_move`), so it replays as
                it was played.

        Raises:
            MoveError: The state is not played by a team, or the move breaks a
                rule; nothing is recorded.
            GameError: The game is paused or over, or ``by`` is not one of
                :data:`sim.classroom.news.ADVISED`.
        """
        self._check_open()
        if by is not None and by not in news.ADVISED:
            raise GameError(f"by {by!r}: one of {', '.join(news.ADVISED)}, or none")
        team = self._team(team)
        move = canonical_move(self.model, team, move)
        self.choices[team] = check_move(self.model, team, move, replay=replay)
        self.moves[team] = move
        event = {"event": "move", "turn": self.turn, "team": team, "move": move}
        self.advised.pop(team, None)
        if by is not None:
            self.advised[team] = by
            event["by"] = by
        self._record(event)

    def play_waiting(self, by: str = "instructor") -> None:
        """Play the turn now: the doctrine's advice for every team still waiting.

        Each such move is logged with ``by`` (so it replays the same) and the
        turn's news names the teams it was played for.

        Args:
            by: ``"instructor"`` (played the turn without waiting) or
                ``"timer"`` (it ran out).

        Raises:
            GameError: The game is paused or over.
        """
        self._check_open()
        for team in self.waiting_for:
            self.submit(team, {}, by=by)
        self.next_turn()

    def inject(self, inject: dict[str, Any], *, replay: bool = False) -> None:
        """Add an instructor's event to this turn (see :class:`sim.scenario.Inject`).

        ``inject`` holds ``kind``, ``parties`` and as the kind needs ``theater``,
        ``rung``, ``magnitude``, ``note``; its year is the current turn's.

        Args:
            inject: The event.
            replay: It is read back from the game log: the checks an older
                log's injects were not held to are skipped, and an exercise
                level out of 0 to 1 is read as the engine played it
                (:func:`_as_played`), so it replays as it was played; an
                exercise of one state, which drilled no pair, is left out
                (:func:`_drilled_alone`).

        Raises:
            ScenarioError: The inject is invalid (e.g. names an unknown state,
                or its magnitude is missing or out of its kind's range, or
                given to a disaster, :data:`~sim.scenario.INJECT_MAGNITUDES`,
                or a crisis's rung is above 1 where no crisis climbs); the
                game is unchanged.
            GameError: The game is paused or over, or a crisis inject names a
                pair in a crisis already or one due this turn (it would open
                none).
        """
        self._check_open()
        if replay:
            if _drilled_alone(inject):
                return  # it changed nothing, and a scenario now refuses it
            inject = _as_played(inject)
        else:
            _check_magnitude(inject)
        if inject.get("kind") == "crisis" and not replay:
            self._check_no_crisis(inject.get("parties"))
            self._check_rung(inject.get("rung", 1))
        entry = {**inject, "year": self.model.year}
        new = f"inject[{len(self.model.spec.injects)}]."  # where the entry will stand
        try:
            self._add("inject", entry)
        except ScenarioError as err:  # said of the inject, not its place in a list
            raise ScenarioError(
                [
                    re.sub(rf"^[^:]*: {re.escape(new)}", "the inject's ", p)
                    for p in err.problems
                ]
            ) from None
        self._record({"event": "inject", "turn": self.turn, "inject": entry})

    def next_turn(self) -> None:
        """Play the turn: every team's move through its policy, then one step.

        The turn's news (appended to :attr:`news`) is :func:`news.report`'s,
        plus ``"no_decision"``: the crises in which, for certain, no moment of
        decision came in the turn, so the teams' orders there were never
        played (see :meth:`_undecided`).

        Raises:
            GameError: A team has not moved, or the game is paused or over.
        """
        self._check_open()
        if self.waiting_for:
            waiting = ", ".join(self.waiting_for)
            raise GameError(
                f"turn {self.turn}: waiting for moves from {waiting} (or play "
                "the turn with the doctrine's advice for them)"
            )
        start = news.Before(
            turn=self.turn,
            year=self.model.year,
            crises=self.model.crisis_frame(),
            rungs=self.outcome()["crises"],
            cbms=len(self.added["cbm"]),
            injects=tuple(self.bulletin()),
            climbed=self.model.world.crises.climbed[0].copy(),
            started=self.model.world.crises.start_step[0].copy(),
        )
        self.agree_cbms()
        telling = self._telling_orders()
        for team in self.teams:
            self.model.agent(team).policy = TeamPolicy(self.choices[team])
        try:
            self.model.step()
        finally:
            for team in self.teams:
                self.model.agent(team).policy = None
        self._record(
            {"event": "turn", "turn": self.turn - 1, "outcome": self.outcome()}
        )
        self.news.append(
            news.report(
                start,
                self.model,
                teams=self.teams,
                rungs=self.outcome()["crises"],
                new_cbms=self.added["cbm"][start.cbms :],
                moves=self.moves,
                advised=self.advised,
                no_decision=self._undecided(telling),
            )
        )
        self.moves, self.choices, self.advised = {}, {}, {}
        self._advice = self.model.doctrine()

    def rewind(self, turn: int) -> None:
        """Go back to the start of ``turn``: replay the log up to it.

        Raises:
            GameError: ``turn`` is not between 0 and the current turn.
        """
        if not (isinstance(turn, int) and 0 <= turn <= self.turn):
            raise GameError(f"rewind {turn!r}: choose a turn from 0 to {self.turn}")
        events = [*self.events, {"event": "rewind", "to_turn": turn}]
        self._start()
        self._replay(events)
        self._write(events[-1])

    def pause(self, timer_left: float | None = None) -> None:
        """Stop accepting moves and turns until :meth:`resume_play`.

        Args:
            timer_left: Seconds left on the turn timer, held until play resumes
                (None: no countdown was running).

        Raises:
            GameError: ``timer_left`` is not a number of seconds >= 0.
        """
        if timer_left is not None and not _at_least_zero(timer_left):
            raise GameError(f"timer_left {timer_left!r}: must be seconds >= 0")
        self.paused = True
        self.timer_left = timer_left
        event: dict[str, Any] = {"event": "pause"}
        if timer_left is not None:
            event["timer_left"] = float(timer_left)
        self._record(event)

    def resume_play(self) -> None:
        """Accept moves and turns again after :meth:`pause`."""
        self.paused = False
        self.timer_left = None
        self._record({"event": "resume"})

    def set_timer(self, minutes: float) -> None:
        """Set the turn timer's length (0: no timer); logged, so a resume keeps it.

        The countdown itself runs in the server (:mod:`sim.classroom.web`).

        Raises:
            GameError: ``minutes`` is not a number from 0 to 600.
        """
        if not (_at_least_zero(minutes) and minutes <= TIMER_MINUTES):
            raise GameError(
                f"timer {minutes!r}: choose minutes from 0 to {TIMER_MINUTES}"
            )
        self.timer_minutes = float(minutes) or None
        self.timer_left = None
        self._record({"event": "timer", "minutes": float(minutes)})

    def set_join_codes(self, codes: dict[str, str]) -> None:
        """Set each team's join code; logged, so a resumed game keeps its links.

        Raises:
            GameError: Not one code per team, a code used twice, or a code that
                is not capital letters and digits.
        """
        if not isinstance(codes, dict) or sorted(codes) != sorted(self.teams):
            raise GameError(
                f"join codes {codes!r}: give one per team ({', '.join(self.teams)})"
            )
        bad = [c for c in codes.values() if not _is_join_code(c)]
        if bad or len(set(codes.values())) != len(codes):
            raise GameError(
                f"join codes {codes!r}: each one different, of capital letters "
                "and digits" + (f"; not so: {bad!r}" if bad else "")
            )
        self.join_codes = dict(codes)
        self._record({"event": "codes", "codes": self.join_codes})

    def end(self) -> None:
        """End the game (the debrief can be written from the log)."""
        self.ended = True
        self._record({"event": "end"})

    # ---------------------------------------------------------------- views

    def outcome(self) -> dict[str, Any]:
        """The public state of the region now (logged after every turn)."""
        world, ids = self.model.world, self.model.spec.state_ids
        return {
            "year": self.model.year,
            "max_rung": int(world.rung[0].max()),
            "crises": {
                f"{ids[i]}-{ids[j]}": RUNGS[world.rung[0, i, j]]
                for i, j in zip(*np.nonzero(np.triu(world.rung[0], 1)), strict=True)
            },
            "milex_usd_m": {s: float(world.milex[0, k]) for k, s in enumerate(ids)},
        }

    def bulletin(self) -> list[dict[str, Any]]:
        """This turn's injects so far: the scenario's schedule and the instructor's."""
        return [
            {
                "kind": j.kind,
                "parties": list(j.parties),
                "theater": j.theater,
                "rung": j.rung,
                "magnitude": j.magnitude,
                "note": j.note,
            }
            for j in self.model.spec.injects
            if self.model.spec.step_of(j.year) == self.turn
        ]

    def announcements(self) -> list[str]:
        """This turn's injects as the pages and the terminal announce them.

        A crisis inject between states in a crisis now says it opens none
        unless that one ends first (:func:`news.announce`).
        """
        theaters = self.model.spec.theaters
        return [
            news.announce(j, theaters, self._crisis_now(j)) for j in self.bulletin()
        ]

    def _crisis_now(self, inject: dict[str, Any]) -> str:
        """The rung of a crisis now between a crisis inject's parties ('' if none)."""
        if inject["kind"] != "crisis":
            return ""
        i, j = (self.model.spec.state_index(p) for p in inject["parties"])
        rung = int(self.model.world.rung[0, i, j])
        return RUNGS[rung] if rung else ""

    def public_table(self) -> list[dict[str, Any]]:
        """One row per state: spending, burden, posture, capability, highest rung."""
        world = self.model.world
        return [
            {
                "state": s,
                "team": "team" if s in self.teams else "doctrine",
                "milex_usd_m": float(world.milex[0, k]),
                "burden_pct": 100 * float(world.milex[0, k] / world.gdp[0, k]),
                "posture": float(world.posture[0, k]),
                "capability_usd_m": float(world.capability[0, k]),
                "max_rung": RUNGS[int(world.rung[0, k].max())],
            }
            for k, s in enumerate(self.model.spec.state_ids)
        ]

    def alliances(self) -> list[dict[str, Any]]:
        """Tied pairs now: commitment strength and mutual credibility."""
        world, ids = self.model.world, self.model.spec.state_ids
        tie, cred = world.tie[0], world.credibility[0]
        return [
            {
                "pair": f"{ids[i]}-{ids[j]}",
                "tie": float(tie[i, j]),
                "credibility": float((cred[i, j] + cred[j, i]) / 2),
            }
            for i, j in zip(*np.nonzero(np.triu(tie, 1)), strict=True)
        ]

    def situation(self, team: str) -> dict[str, Any]:
        """What one team sees: its own state and advice, not others' choices.

        Among its keys: ``crises`` (opponent -> rung name), ``crisis_actions``
        (opponent -> the actions the team may order there now: escalate only
        where its ``threshold`` or a reply allows,
        :func:`~sim.classroom.moves.crisis_actions`), ``allies`` (the states it
        may exercise with or pledge to, as the ties stand now).
        """
        team = self._team(team)
        agent = self.model.agent(team)
        least, most = budget_range(self.model, team)
        rung = self.model.world.rung[0, agent.index]
        ids = self.model.spec.state_ids
        return {
            "state": team,
            "turn": self.turn,
            "year": self.model.year,
            "milex_usd_m": agent.milex,
            "min_budget_usd_m": least,
            "max_budget_usd_m": most,
            "min_change_pct": _change_pct(agent.milex, least),
            "max_change_pct": _change_pct(agent.milex, most),
            "posture": agent.posture,
            "crises": agent.crises,
            "crisis_actions": crisis_actions(self.model, team),
            "threshold": threshold(self.model, team),
            "wars": [ids[j] for j in np.flatnonzero(rung == WAR)],
            "allies": signal_partners(self.model, team),
            "theaters": [t.id for t in self.model.spec.theaters],
            "advice": self.advice(team),
            "odds": self._crisis_odds(agent.index),
            "advised_change_pct": _change_pct(
                agent.milex, self.advice(team)["milex_usd_m"]
            ),
            "submitted": self.moves.get(team),
        }

    # ------------------------------------------------------------- internals

    def _crisis_odds(self, i: int) -> dict[str, dict[str, float]]:
        """The doctrine's strategy of state i toward each crisis opponent now.

        Its equilibrium chances of backing down, holding and escalating as the
        turn begins, of which the advice is one draw; left to the doctrine, the
        state plays the strategy solved anew at each moment of decision.
        """
        decisions = self._advice[0]
        r, me, them = decisions.sides
        ids = self.model.spec.state_ids
        return {
            ids[them[k]]: dict(
                zip(ACTIONS, map(float, decisions.factors.strategy[k]), strict=True)
            )
            for k in np.flatnonzero((r == 0) & (me == i))
        }

    def _telling_orders(self) -> list[tuple[int, int, dict[str, str], int, int]]:
        """The crises this turn whose orders move them at any moment of decision.

        A team's order to back down ends its crisis at the first moment of
        decision (alone or by negotiation); an order to escalate where it is
        open (:func:`~sim.classroom.moves.may_escalate`) climbs or ends it
        there, whatever the other side does. So if such a crisis is still
        under way at the same rung after the turn, no moment of decision came.
        One entry per pair ``i < j``: ``(i, j, orders, rung, start step)``,
        ``orders`` every team's order in that crisis.
        """
        spec, world = self.model.spec, self.model.world
        orders: dict[tuple[int, int], dict[str, str]] = {}
        for team in self.teams:
            for opponent, action in self.choices[team].get("crisis", {}).items():
                pair = sorted((spec.state_index(team), spec.state_index(opponent)))
                orders.setdefault((pair[0], pair[1]), {})[team] = action
        ids = spec.state_ids
        return [
            (i, j, by, int(world.rung[0, i, j]), int(world.crises.start_step[0, i, j]))
            for (i, j), by in sorted(orders.items())
            if any(
                action == "back_down"
                or (
                    action == "escalate"
                    and may_escalate(self.model, team, ids[j if team == ids[i] else i])
                )
                for team, action in by.items()
            )
        ]

    def _undecided(
        self, telling: list[tuple[int, int, dict[str, str], int, int]]
    ) -> list[dict[str, Any]]:
        """The crises of ``telling`` that had no moment of decision in the turn.

        Those still under way after the turn, the same crisis (same start step)
        at the same rung: a team's order there would have moved it at any
        moment of decision (:meth:`_telling_orders`). Each is ``{"pair":
        "CHN-JPN", "rung": "militarised_dispute", "orders": {"JPN":
        "back_down"}}``, the pair named as in :meth:`outcome`. A crisis whose
        orders are all hold (or left to the doctrine) is never listed: standing
        still, it may have had moments of decision where both sides held.
        """
        world, ids = self.model.world, self.model.spec.state_ids
        return [
            {"pair": f"{ids[i]}-{ids[j]}", "rung": RUNGS[rung], "orders": dict(by)}
            for i, j, by, rung, started in telling
            if int(world.rung[0, i, j]) == rung
            and int(world.crises.start_step[0, i, j]) == started
        ]

    def _check_rung(self, rung: Any) -> None:
        """Refuse a crisis inject above the first rung when no crisis climbs.

        With the scenario's escalation off the engine opens every crisis at
        the first rung, so the rung asked for (and announced) would not be
        the one played. A rung that is no whole number is left to the
        scenario's check, which names it.
        """
        whole = isinstance(rung, int) and not isinstance(rung, bool)
        if whole and rung > 1 and not self.model.setup.params.escalation.enabled:
            raise ScenarioError(
                [
                    f"the inject's rung: {rung}: {NO_CLIMBING}, so the crisis "
                    "would open there; give rung 1"
                ]
            )

    def _check_no_crisis(self, parties: Any) -> None:
        """Refuse a crisis inject between states in a crisis or due one this turn.

        An injected crisis opens at the turn's end only where the pair is at
        peace then; one under way, or another crisis inject of the pair this
        turn, would leave it without effect. Parties the scenario does not know
        are left to its own check.
        """
        spec = self.model.spec
        if not isinstance(parties, list | tuple) or len(parties) != 2:
            return
        pair = [canonical_id(str(p), spec.state_ids) for p in parties]
        if not set(pair) <= set(spec.state_ids) or pair[0] == pair[1]:
            return
        i, j = (spec.state_index(p) for p in pair)
        rung = int(self.model.world.rung[0, i, j])
        if rung:
            theater = spec.theaters[self.model.world.crises.theater[0, i, j]].name
            raise GameError(
                f"{pair[0]} and {pair[1]} are in a crisis already ("
                f"{news.words(RUNGS[rung])}, in {theater}): an inject "
                "opens a crisis only between states at peace; wait until it ends"
            )
        if any(
            j["kind"] == "crisis" and set(j["parties"]) == set(pair)
            for j in self.bulletin()
        ):
            raise GameError(
                f"a crisis between {pair[0]} and {pair[1]} is injected for this "
                "turn already: a second one would open none"
            )

    def _team(self, team: str) -> str:
        """A team's state as the scenario spells it (any case), or a MoveError."""
        state = canonical_id(team, self.teams)
        if state not in self.teams:
            raise MoveError(
                f"{team!r} is not played by a team in this game; teams: "
                f"{', '.join(self.teams)}"
            )
        return state

    def _check_open(self) -> None:
        if self.finished:
            raise GameError("the game is over; write the debrief from its log")
        if self.paused:
            raise GameError("the game is paused by the instructor")

    def _add(self, key: str, entry: dict[str, Any]) -> None:
        """Add an event to the scenario (validated) and continue under it."""
        added = {**self.added, key: [*self.added[key], entry]}
        scenario = load_scenario(self.source, events=added)
        self.model.reschedule(scenario)
        self.added = added
        self._advice = self.model.doctrine()

    def agree_cbms(self) -> None:
        """Bring into force the CBMs both parties (or a team and the doctrine) offer.

        A measure in force between the pair already is not added again (an
        offer of one is refused, :func:`~sim.classroom.moves.check_move`, but
        for a move replayed from an older log), and a pending offer of one is
        dropped.
        """
        for team in self.teams:
            for partner, kind in cbm_offers(
                self.model, team, self.moves[team].get("cbm", {})
            ):
                self.offers.add((team, partner, kind))
        for team, partner, kind in sorted(self.offers):
            mutual = partner not in self.teams or (partner, team, kind) in self.offers
            if (
                mutual
                and (partner not in self.teams or team < partner)
                and cbm_in_force(self.model, team, partner, kind) is None
            ):
                pair = [team, partner]
                self._add(
                    "cbm", {"kind": kind, "parties": pair, "year": self.model.year}
                )
        self.offers = {
            o
            for o in self.offers
            if o[1] in self.teams
            and (o[1], o[0], o[2]) not in self.offers
            and cbm_in_force(self.model, *o) is None
        }

    def _record(self, event: dict[str, Any]) -> None:
        self.events.append(event)
        self._write(event)

    def _write(self, event: dict[str, Any]) -> None:
        if self.log is not None:
            self.log.append(event)

    def _replay(self, events: list[dict[str, Any]]) -> None:
        """Apply logged events in order through the same commands, unlogged."""
        log, self.log = self.log, None
        try:
            for event in effective(events):
                kind = event["event"]
                if kind == "move":
                    self.submit(
                        event["team"], event["move"], by=event.get("by"), replay=True
                    )
                elif kind == "inject":
                    when = ("year", "step")  # step: logs written before years
                    inject = {k: v for k, v in event["inject"].items() if k not in when}
                    self.inject(inject, replay=True)
                elif kind == "turn":
                    self.next_turn()
                    self._check_outcome(event)
                elif kind == "pause":
                    self.pause(event.get("timer_left"))
                elif kind == "timer":
                    self.set_timer(event["minutes"])
                elif kind == "codes":
                    self.set_join_codes(event["codes"])
                elif kind == "resume":
                    self.resume_play()
                elif kind == "end":
                    self.end()
        finally:
            self.log = log

    def _check_outcome(self, event: dict[str, Any]) -> None:
        """Refuse a replayed turn that ends otherwise than its log recorded.

        The logged outcome (year, crises and their rungs, every state's
        spending) is the turn as the class saw it. Code that plays it otherwise
        (another version) would resume or debrief a different game, so the
        replay stops at the first such turn and the log is left as it is.

        Raises:
            ReplayMismatchError: The turn's outcome differs from the logged one.
        """
        played = json.loads(json.dumps(self.outcome(), sort_keys=True))
        if played != event.get("outcome"):
            raise ReplayMismatchError(
                f"turn {event['turn']} plays out otherwise than the log recorded"
            )


def _check_magnitude(inject: dict[str, Any]) -> None:
    """Refuse an instructor's inject whose magnitude would do nothing it meant.

    A kind that reads one (:data:`~sim.scenario.INJECT_MAGNITUDES`) needs it,
    within its range; a disaster reads none. A magnitude that is no number is
    left to the scenario's check, which names it.
    """
    kind, magnitude = inject.get("kind"), inject.get("magnitude")
    problem = None
    if kind in INJECT_MAGNITUDES and magnitude is None:
        problem = f"missing; an inject of kind {kind} needs {magnitude_help(kind)}"
    elif kind == "disaster" and magnitude is not None:
        problem = f"{magnitude!r}: a disaster takes none"
    elif isinstance(magnitude, int | float) and not isinstance(magnitude, bool):
        wrong = magnitude_problem(str(kind), magnitude)
        if wrong:
            problem = f"{float(magnitude)!r} {wrong}"
    if problem:
        raise ScenarioError([f"the inject's magnitude: {problem}"])


def _as_played(inject: dict[str, Any]) -> dict[str, Any]:
    """An older log's inject with its exercise level as the engine played it.

    Logs written before magnitudes were checked may hold an exercise level
    above 1 or below 0, which a scenario now refuses; the engine drilled such
    an exercise as a full one (1) or as none (0), so it is read as that and
    the game replays bit for bit.
    """
    magnitude = inject.get("magnitude")
    number = isinstance(magnitude, int | float) and not isinstance(magnitude, bool)
    if inject.get("kind") != "exercise" or not number:
        return inject
    return {**inject, "magnitude": min(max(magnitude, 0.0), 1.0)}


def _drilled_alone(inject: dict[str, Any]) -> bool:
    """Whether an older log's inject is an exercise of one state.

    Logs written before a scenario refused them may hold one; the engine drilled
    no pair, so it changed nothing and the game replays bit for bit without it.
    """
    parties = inject.get("parties")
    return (
        inject.get("kind") == "exercise"
        and isinstance(parties, list)
        and (len(parties) < 2)
    )


def _why_otherwise(header: Header) -> str:
    """Why a log's game replays otherwise, and what to do, for a message."""
    here = code_hash()
    if header.code == here:
        return "this same code wrote it, so it was edited since; restore it"
    written = f"code {header.code[:12]}" if header.code else "code not recorded"
    return (
        f"the log was written by apwargame {header.version} ({written}), this is "
        f"{__version__} (code {here[:12]}); install the code that wrote it to "
        "resume or debrief this game"
    )


def _at_least_zero(value: Any) -> bool:
    """Whether ``value`` is a finite number >= 0 (not a bool)."""
    number = isinstance(value, int | float) and not isinstance(value, bool)
    return number and math.isfinite(value) and value >= 0


def _is_key(value: Any) -> bool:
    """Whether ``value`` is a whole number from 0 to :data:`MAX_SEED` (not a bool)."""
    whole = isinstance(value, int | np.integer) and not isinstance(value, bool)
    return whole and 0 <= value <= MAX_SEED


def _is_join_code(value: Any) -> bool:
    return isinstance(value, str) and JOIN_CODE.fullmatch(value) is not None


def _change_pct(now: float, then: float) -> float:
    """Percent change from ``now`` to ``then`` (0 from nothing)."""
    return 100 * (then / now - 1) if now else 0.0


def effective(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The events still in force: a ``rewind`` to turn k drops those of turns >= k.

    Events of no turn (pause, resume, timer, codes) are kept, and end is
    dropped (a rewind reopens an ended game). A pause before the rewind no
    longer holds the time its timer had left: the rewound turn's countdown
    starts afresh, as the server starts it.
    """
    kept: list[dict[str, Any]] = []
    for event in events:
        if event["event"] == "rewind":
            k = event["to_turn"]
            kept = [
                {key: value for key, value in e.items() if key != "timer_left"}
                for e in kept
                if e.get("turn", -1) < k and e["event"] != "end"
            ]
        else:
            kept.append(event)
    return kept


__all__ = ["GameError", "GameLogError", "GameSession", "MoveError", "TeamPolicy"]
