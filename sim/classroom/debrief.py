"""The debrief: what happened in a game, why, and which choices mattered most.

:func:`write_debrief` replays a game log and writes one self-contained HTML file
that reads as a story first (:mod:`sim.classroom.story`): what happened, the
turning points in sentences, the branches the class rewound beside the one it
kept, and discussion questions drawn from this game; then the evidence: the
escalation curve, the timeline of moves and injects, the arms trajectories,
the alliance map before and after, every crisis and the factors behind each
side's choice (:mod:`sim.crisis_log`). Tables scroll inside the page at 1280 px
and shrink in print.

A turning point is a team's move that changed the outcome most. For each move a
team made (an empty move follows the doctrine and is skipped), two ensembles of
``R`` replications start from the game's own world at that turn, each
replication with its own random numbers (:mod:`sim.rng`, replications
``0..R-1``): in one the team plays its move, in the other the doctrine chooses
for it; the other teams play their logged moves that turn, and from the next
turn on the doctrine plays every state to the scenario's last step. A move's
confidence-building measures count as its other choices do: the ensemble with
the move starts with the CBMs the turn's moves brought into force, as the game
did; the doctrine's offers none, so it starts with only those agreed without
the team's move. The outcome is
the peak rung of the class's crises, those with a team's state on either side
(crises between states the doctrine plays are the region's background: at the
region's calibrated rates one of them reaches a clash within two years in nine
futures of ten, whatever the class does); the table compares how likely a clash
or war was (peak at ``limited_clash`` or above) and the mean peak, with and
without the class's choice. The ensembles run on the engine's replication axis
(:func:`sim.engine.decide` and :func:`sim.engine.advance`), as a batch does.

Moves are ranked by their ``effect``: the total variation distance between the
two ensembles' distributions of the peak rung, half the sum over the rungs of
the difference of their shares. It is the least share of replications whose
peak would have to change to turn one distribution into the other: 0 when the
move led where the doctrine's choice would have, at least the change in the
share of clashes (a sum over the rungs from ``limited_clash`` up), and it also
counts moves that shift the peak below a clash or from a clash to war. Unlike
the change of the mean peak rung, changes in opposite directions do not cancel.
"""

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FormatStrFormatter

from sim import choices, engine, page
from sim.classroom import story
from sim.classroom.figures import escalation_curve, region_map
from sim.classroom.log import read_log
from sim.classroom.moves import check_move, describe_move, describe_odds
from sim.classroom.news import (
    NO_CRISIS,
    dated,
    describe_inject,
    ended_ties,
    opened_none,
    place,
    words,
)
from sim.classroom.session import GameSession, effective
from sim.dynamics.crisis_decision import ACTIONS
from sim.dynamics.escalation import RUNGS, WAR
from sim.plots.arms import arms_trajectories
from sim.rng import Draws

CLASH = RUNGS.index("limited_clash")
"""Peak rung counted as a clash in the turning points (``limited_clash``)."""


def write_debrief(log: str | Path, out: str | Path, *, replications: int = 100) -> None:
    """Replay a game log and write its debrief as one HTML file (atomically).

    Raises:
        GameLogError: The log is corrupt, foreign, or its scenario changed.
    """
    header, events = read_log(log)
    game = GameSession.from_events(header, events, source=str(log))
    points = turning_points(header, events, replications=replications)
    found = story.branches(header, events)
    page.write(out, _html(game, effective(events), points, replications, found))


def turning_points(header, events: list[dict], *, replications: int) -> pd.DataFrame:
    """For every non-empty team move: the outcome with it and with the doctrine's.

    Returns:
        One row per move, largest effect first: ``turn``, ``team``, ``move``,
        ``p_clash_class``, ``p_clash_doctrine``, ``peak_class``,
        ``peak_doctrine`` and ``effect`` (total variation distance of the two
        distributions of the peak rung, in [0, 1]: see the module docstring).
    """
    kept = effective(events)
    final = GameSession.from_events(header, kept)
    rows = []
    for t in range(final.turn):
        before = [e for e in kept if e.get("turn", -1) < t or _pending(e, t)]
        game = _playing(header, before)
        for team in game.teams:
            if not game.moves.get(team):
                continue
            outcome = {
                "class": _ensemble(game, None, replications),
                "doctrine": _ensemble(
                    _playing(header, _advised(before, t, team)), team, replications
                ),
            }
            rows.append(
                {
                    "turn": t,
                    "team": team,
                    "move": describe_move(game.moves[team]),
                    "p_clash_class": float((outcome["class"] >= CLASH).mean()),
                    "p_clash_doctrine": float((outcome["doctrine"] >= CLASH).mean()),
                    "peak_class": float(outcome["class"].mean()),
                    "peak_doctrine": float(outcome["doctrine"].mean()),
                    "effect": _distance(outcome["class"], outcome["doctrine"]),
                }
            )
    frame = pd.DataFrame(rows, columns=[*_COLUMNS, "effect"])
    return frame.sort_values("effect", ascending=False, kind="stable")


def _distance(a: np.ndarray, b: np.ndarray) -> float:
    """Total variation distance of two samples of peak rungs, in [0, 1]."""
    share = [np.bincount(x, minlength=WAR + 1) / len(x) for x in (a, b)]
    return float(np.abs(share[0] - share[1]).sum() / 2)


_COLUMNS = (
    "turn",
    "team",
    "move",
    "p_clash_class",
    "p_clash_doctrine",
    "peak_class",
    "peak_doctrine",
)


def _pending(event: dict, turn: int) -> bool:
    """A move or inject of ``turn`` itself (the turn is not yet played)."""
    return event.get("turn") == turn and event["event"] in ("move", "inject")


def _playing(header, events: list[dict]) -> GameSession:
    """The game as its last turn is played: the turn's moves in, their CBMs in force.

    ``events`` end with a turn's moves and injects (:func:`_pending`). Playing
    a turn, the game first brings into force the confidence-building measures
    the moves agreed (``GameSession.agree_cbms``), then steps; a CBM-only move
    changes the futures through them alone.
    """
    game = GameSession.from_events(header, events)
    game.agree_cbms()
    return game


def _advised(events: list[dict], turn: int, team: str) -> list[dict]:
    """``events`` with ``team``'s moves of ``turn`` left to the doctrine (``{}``).

    The doctrine offers no confidence-building measure, so the CBMs only the
    team's move brought into force are not in force in the doctrine's futures.
    """
    return [
        {**e, "move": {}}
        if e["event"] == "move" and e["turn"] == turn and e["team"] == team
        else e
        for e in events
    ]


def _ensemble(game: GameSession, doctrine_for: str | None, r: int) -> np.ndarray:
    """Peak rung of the class's crises in ``r`` replications, from the turn to the end.

    The class's crises are those with a team's state on either side. At the
    game's turn every team plays its move except ``doctrine_for``, whose state
    the doctrine plays; afterwards the doctrine plays everyone.
    """
    setup, seed = game.model.setup, game.header.seed
    teams = [game.model.spec.state_index(team) for team in game.teams]
    theirs = np.zeros((setup.n_states, setup.n_states), dtype=bool)
    theirs[teams, :] = theirs[:, teams] = True
    world = game.model.world.tiled(r)
    draws = Draws(seed, world.replications, world.step)
    decisions = engine.decide(world, setup, draws)
    for team, i in zip(game.teams, teams, strict=True):
        if team != doctrine_for:
            choice = check_move(game.model, team, game.moves[team], replay=True)
            choices.apply_choice(world, setup, decisions, i, choice, actor=team)
    world = engine.advance(world, setup, draws, decisions)
    peak = world.rung[:, theirs].max(axis=1)  # (R,)
    while world.step < game.model.horizon:
        world = engine.step(world, setup, seed)
        peak = np.maximum(peak, world.rung[:, theirs].max(axis=1))
    return peak


def _timeline(game: GameSession, events: list[dict]) -> pd.DataFrame:
    """Injects and moves of the turns played, one row each, turn by turn.

    A turn's injects come first, the scenario's then the instructor's
    (:func:`story.injects`), each with its size (a crisis inject that opened
    none said so, as the news did); then the moves the teams
    played, in the order they were made (:func:`story.played`), a crisis
    order never played (no moment of decision came) marked so, and signals
    toward a state whose tie a treaty change of the turn ended marked as
    backing no commitment.
    """
    spec = game.model.spec
    info = spec.info
    injected = story.injects(game)
    crises = game.model.crisis_frame()
    rows = [
        {
            "turn": turn,
            "who": by,
            "what": describe_inject(inject, spec.theaters)
            + _opened_none(inject, crises, turn),
        }
        for turn, by, inject in injected
    ]
    rows += [
        {
            "turn": e["turn"],
            "who": e["team"],
            "what": _move_told(e)
            + _not_played(story.unplayed(game, e["turn"], e["team"]))
            + _untied(
                e["move"],
                ended_ties([j for t, _, j in injected if t == e["turn"]], e["team"]),
            ),
        }
        for e in story.played(events)
        if e["event"] == "move"
    ]
    frame = pd.DataFrame(rows, columns=["turn", "year", "who", "what"])
    frame = frame.sort_values("turn", kind="stable")
    frame["year"] = [
        dated(info.start_year + t * info.dt_years, info.dt_years) for t in frame["turn"]
    ]
    return frame


def _opened_none(inject: dict, crises: pd.DataFrame, turn: int) -> str:
    """A note for a crisis inject of ``turn`` that opened none, as its news said."""
    if not opened_none(inject, crises, turn):
        return ""
    return f" The inject {NO_CRISIS.format(pair=' and '.join(inject['parties']))}."


ADVICE_BY = {
    "timer": "(the doctrine's advice: the timer ran out before the team moved)",
    "instructor": (
        "(the doctrine's advice: the instructor played the turn before the team moved)"
    ),
}
"""A timeline's move the timer or the instructor played for a team, by ``by``."""


def _move_told(event: dict) -> str:
    """A logged move in the timeline: its choices, or who played the advice."""
    if event.get("by") in ADVICE_BY:
        return ADVICE_BY[event["by"]]
    return describe_move(event["move"]) or "(followed the advice)"


def _not_played(toward: list[str]) -> str:
    """A note for a move whose crisis orders toward ``toward`` were never played."""
    if not toward:
        return ""
    return (
        f" (its crisis order toward {', '.join(toward)} was not played: no moment "
        "of decision came that turn)"
    )


def _untied(move: dict, ended: set[str]) -> str:
    """A note for a move's exercises and pledges toward states in ``ended``.

    A treaty change of the turn ended those ties before the signals were read
    (:func:`~sim.classroom.news.ended_ties`), so they back no commitment.
    """
    toward = ", ".join(
        sorted(
            {
                ally
                for kind in ("exercise", "declaration")
                for ally, level in move.get(kind, {}).items()
                if level > 0 and ally in ended
            }
        )
    )
    if not toward:
        return ""
    return (
        f" (a treaty change of this turn ended the tie with {toward} first: the "
        f"exercise or pledge toward {toward} backs no commitment)"
    )


def _branch_curves(found: list[story.Branch], spec) -> Figure:
    """The escalation curve of every line of play, the kept one in bold."""
    fig = escalation_curve(
        found[0].game.model.model_frame()["max_rung"].to_numpy(),
        start_year=spec.info.start_year,
        dt_years=spec.info.dt_years,
        turns=found[0].game.model.horizon,
    )
    ax = fig.axes[0]
    ax.lines[0].set_label("kept")
    for k, b in enumerate(found[1:], start=1):
        rung = b.game.model.model_frame()["max_rung"].to_numpy()
        ax.step(
            np.arange(len(rung)) + 0.05 * k,
            rung,
            where="post",
            linestyle="--",
            label=f"branch {k}",
        )
    ax.legend(loc="upper left", fontsize="small")
    ax.set_title("Escalation: the kept game and the rewound branches")
    return fig


def _end_of(turns: int) -> str:
    """When the end map is, after ``turns`` turns, numbered from 0 as elsewhere."""
    return f"after turn {turns - 1}" if turns else "at the start (no turn played)"


def _decisions(game: GameSession) -> pd.DataFrame:
    """Every crisis decision with the factors a class discusses, readable.

    A team's order that no moment of decision came for is marked as not
    played, in the timeline's words (:func:`_not_played`).
    """
    frame = game.model.decision_frame()
    if frame.empty:
        return frame
    return pd.DataFrame(
        {
            "turn": frame["step"],
            "side": frame["state"] + " toward " + frame["opponent"],
            "rung": frame["rung"].str.replace("_", " "),
            "power, own : opponent (US$ bn)": [
                f"{a / 1000:,.0f} : {b / 1000:,.0f}"
                for a, b in zip(
                    frame["own_power_usd_m"], frame["opponent_power_usd_m"], strict=True
                )
            ],
            "chance": frame["chance"].map("{:.0%}".format),
            "resolve": frame["resolve"].map("{:.2f}".format),
            "audience cost": frame["audience_cost"].map("{:.2f}".format),
            "played": [
                describe_odds(dict(zip(ACTIONS, odds, strict=True)))
                if by == "doctrine"
                else f"{words(action)} (ordered)"
                + _not_played(
                    [them] if them in story.unplayed(game, turn, state) else []
                )
                for by, action, odds, turn, state, them in zip(
                    frame["decided_by"],
                    frame["action"],
                    frame[["p_back_down", "p_hold", "p_escalate"]].to_numpy(),
                    frame["step"],
                    frame["state"],
                    frame["opponent"],
                    strict=True,
                )
            ],
            "decided by": frame["decided_by"].replace({"policy": "team"}),
        }
    )


def _crises(model) -> pd.DataFrame:
    """One row per crisis, in words, with the turns it opened and ended in.

    A crisis record counts steps of the world: a crisis that opens while turn
    ``t`` is played is first seen at step ``t + 1``, and one that ends in turn
    ``t`` ends at step ``t + 1`` (an open one's end is the current step, after
    the last turn played). The table gives turns, as the news, the timeline and
    the decision table do.
    """
    frame = model.crisis_frame()
    if frame.empty:
        return frame
    return pd.DataFrame(
        {
            "challenger": frame["challenger"],
            "defender": frame["defender"],
            "theater": [place(t, model.spec.theaters) for t in frame["theater"]],
            "turns": [
                f"{a - 1} to {b - 1}"
                for a, b in zip(frame["start_step"], frame["end_step"], strict=True)
            ],
            "peak": frame["peak"].str.replace("_", " "),
            "ending": frame["ending"].str.replace("_", " "),
        }
    )


def _html(
    game: GameSession,
    events: list[dict],
    points: pd.DataFrame,
    r: int,
    found: list[story.Branch],
) -> str:
    """The debrief page."""
    model, spec = game.model, game.model.spec
    states = model.state_frame()
    states["year"] = spec.info.start_year + states["step"] * spec.info.dt_years
    states["replication"] = 0
    first = engine.initial_world(model.setup, np.array([game.header.replication]))
    arms = arms_trajectories(states[states["state"].isin(game.teams)])
    years = np.unique(states["year"])
    arms.axes[0].set_xticks(years[:: max(1, len(years) // 8)])
    arms.axes[0].xaxis.set_major_formatter(FormatStrFormatter("%g"))
    shown = pd.DataFrame(
        {
            "turn": points["turn"],
            "team": points["team"],
            "move": points["move"],
            "clash, with the move": points["p_clash_class"].map("{:.0%}".format),
            "clash, doctrine's choice": points["p_clash_doctrine"].map("{:.0%}".format),
            "mean peak, with the move": points["peak_class"].round(2),
            "mean peak, doctrine's choice": points["peak_doctrine"].round(2),
            "effect": points["effect"].map("{:.0%}".format),
        }
    )
    parts = [
        page.paragraph(f"{spec.info.description} Seed {game.header.seed}.", note=True),
        page.heading("What happened"),
        page.paragraph(story.summary(game)),
        page.heading("Turning points"),
        page.items(story.turning_point_sentences(points, game)),
        page.paragraph(
            f"For each team move, {r} replications from that turn with the move and "
            "with the doctrine's choice instead (the doctrine plays everyone "
            "afterwards). Only the class's crises count, those with a team's state "
            "on either side. A clash: their peak rung reached limited clash or war. "
            f"Peak: mean peak rung (0 peace .. {WAR} major war). Effect: the least "
            "share of replications whose peak rung would have to change to turn the "
            "doctrine's futures into the class's (total variation distance; at "
            "least the change in the share of clashes). Largest effect first.",
            note=True,
        ),
        page.table(shown, index=False),
    ]
    if len(found) > 1:
        parts += [
            page.heading("The branches the class rewound"),
            page.figure(_branch_curves(found, spec), alt="escalation of each branch"),
            page.table(story.branch_table(found), index=False),
        ]
    parts += [
        page.heading("Questions for the discussion"),
        page.items(story.questions(game, points, found), numbered=True),
        page.heading("Escalation"),
        page.figure(
            escalation_curve(
                model.model_frame()["max_rung"].to_numpy(),
                start_year=spec.info.start_year,
                dt_years=spec.info.dt_years,
                turns=model.horizon,
            ),
            alt="escalation curve",
        ),
        page.heading("Timeline of moves and injects"),
        page.table(_timeline(game, events), index=False),
        page.heading("Arms trajectories of the teams"),
        page.figure(arms, alt="spending of the teams"),
        page.heading("Alliances before and after"),
        page.figure(
            region_map(spec, first, "Alliances and A2/AD coverage at the start"),
            alt="map at the start",
        ),
        page.figure(
            region_map(spec, model.world, f"... and {_end_of(game.turn)}"),
            alt=f"map {_end_of(game.turn)}",
        ),
        page.heading("Crises and the factors behind each choice"),
        page.table(_crises(model), index=False),
        page.paragraph(
            "Every side's decision at every turn: the balance it saw, its chance of "
            "prevailing as it saw it, its resolve, the audience cost it would pay for "
            "backing down, what it played and who decided: a team's or the "
            "scenario's script's order, played all turn (a team's order marked not "
            "played met no moment of decision that turn), or the doctrine's odds as "
            "the turn began (it weighs the crisis afresh at each moment of decision).",
            note=True,
        ),
        page.table(_decisions(game), index=False),
    ]
    return page.render(f"Debrief: {spec.info.name}", parts)
