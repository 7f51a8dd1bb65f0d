"""The debrief: what happened in a game, why, and which choices mattered most.

:func:`write_debrief` replays a game log and writes one self-contained HTML file:
the timeline of moves and injects, the escalation curve, the arms trajectories,
the alliance map before and after, every crisis with the factors behind each
side's choice (:mod:`sim.crisis_log`), and the turning points.

A turning point is a team's move that changed the outcome most. For each move a
team made (an empty move follows the doctrine and is skipped), two ensembles of
``R`` replications start from the game's own world at that turn, each
replication with its own random numbers (:mod:`sim.rng`, replications
``0..R-1``): in one the team plays its move, in the other the doctrine chooses
for it; the other teams play their logged moves that turn, and from the next
turn on the doctrine plays every state to the scenario's last step. The outcome is
the peak rung of any pair; the table compares how likely a clash or war was
(peak at ``limited_clash`` or above) and the mean peak, with and without the
class's choice. The ensembles run on the engine's replication axis
(:func:`sim.engine.decide` and :func:`sim.engine.advance`), as a batch does.
"""

import base64
import html
import io
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim import choices, engine
from sim.classroom.figures import escalation_curve, region_map
from sim.classroom.log import read_log
from sim.classroom.moves import check_move, describe_move
from sim.classroom.session import GameSession, effective
from sim.dynamics.escalation import RUNGS, WAR
from sim.outputs import atomic_write
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
    text = _html(game, effective(events), points, replications)
    out = Path(out)
    atomic_write(out, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def turning_points(header, events: list[dict], *, replications: int) -> pd.DataFrame:
    """For every non-empty team move: the outcome with it and with the doctrine's.

    Returns:
        One row per move, largest effect first: ``turn``, ``team``, ``move``,
        ``p_clash_class``, ``p_clash_doctrine``, ``peak_class``,
        ``peak_doctrine`` and ``effect`` (difference of mean peak rungs).
    """
    kept = effective(events)
    final = GameSession.from_events(header, kept)
    rows = []
    for t in range(final.turn):
        before = [e for e in kept if e.get("turn", -1) < t or _pending(e, t)]
        game = GameSession.from_events(header, before)
        for team in game.teams:
            if not game.moves.get(team):
                continue
            outcome = {
                arm: _ensemble(game, team if arm == "doctrine" else None, replications)
                for arm in ("class", "doctrine")
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
                }
            )
    frame = pd.DataFrame(rows, columns=[*_COLUMNS])
    frame["effect"] = frame["peak_class"] - frame["peak_doctrine"]
    return frame.sort_values("effect", key=np.abs, ascending=False, kind="stable")


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


def _ensemble(game: GameSession, doctrine_for: str | None, r: int) -> np.ndarray:
    """Peak rung of each of ``r`` replications from the game's turn to the end.

    At the game's turn every team plays its move except ``doctrine_for``, whose
    state the doctrine plays; afterwards the doctrine plays everyone.
    """
    setup, seed = game.model.setup, game.header.seed
    world = game.model.world.tiled(r)
    draws = Draws(seed, world.replications, world.step)
    decisions = engine.decide(world, setup, draws)
    for team in game.teams:
        if team != doctrine_for:
            choice = check_move(game.model, team, game.moves[team])
            i = game.model.spec.state_index(team)
            choices.apply_choice(world, setup, decisions, i, choice, actor=team)
    world = engine.advance(world, setup, draws, decisions)
    peak = world.rung.max(axis=(1, 2))  # (R,)
    while world.step < game.model.horizon:
        world = engine.step(world, setup, seed)
        peak = np.maximum(peak, world.rung.max(axis=(1, 2)))
    return peak


def _timeline(game: GameSession, events: list[dict]) -> pd.DataFrame:
    """Moves and injects in the order they were made, one row each."""
    info = game.model.spec.info
    rows = []
    for e in events:
        if e["event"] not in ("move", "inject"):
            continue
        year = info.start_year + e["turn"] * info.dt_years
        if e["event"] == "move":
            what, who = describe_move(e["move"]) or "(followed the advice)", e["team"]
        else:
            j = e["inject"]
            who = "instructor"
            what = f"inject {j['kind']} {', '.join(j['parties'])}"
            what += f" in {j['theater']}" if j.get("theater") else ""
            what += f": {j['note']}" if j.get("note") else ""
        rows.append(
            {"turn": e["turn"], "year": f"{year:.2f}", "who": who, "what": what}
        )
    return pd.DataFrame(rows, columns=["turn", "year", "who", "what"])


def _png(fig: Figure) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    data = base64.b64encode(buffer.getvalue()).decode()
    return f'<img alt="figure" src="data:image/png;base64,{data}">'


def _html(game: GameSession, events: list[dict], points: pd.DataFrame, r: int) -> str:
    """The debrief page."""
    model, spec = game.model, game.model.spec
    frame = model.model_frame()
    states = model.state_frame()
    states["year"] = spec.info.start_year + states["step"] * spec.info.dt_years
    states["replication"] = 0
    first = engine.initial_world(model.setup, np.array([game.header.replication]))
    decisions = model.decision_frame().round(3)
    crises = model.crisis_frame()
    arms = arms_trajectories(states[states["state"].isin(game.teams)])
    arms.axes[0].ticklabel_format(axis="x", useOffset=False)
    sections = [
        f"<h1>Debrief: {html.escape(spec.info.name)}</h1>",
        f"<p>{html.escape(spec.info.description)}</p>",
        f"<p>Teams: {', '.join(game.teams)}; seed {game.header.seed}; "
        f"{game.turn} turns played of {model.horizon}.</p>",
        "<h2>Timeline of moves and injects</h2>",
        _table(_timeline(game, events)),
        "<h2>Escalation</h2>",
        _png(
            escalation_curve(
                frame["max_rung"].to_numpy(),
                start_year=spec.info.start_year,
                dt_years=spec.info.dt_years,
                turns=model.horizon,
            )
        ),
        "<h2>Arms trajectories of the teams</h2>",
        _png(arms),
        "<h2>Alliances before and after</h2>",
        _png(region_map(spec, first, "Alliances and A2/AD coverage at the start")),
        _png(region_map(spec, model.world, f"... and after turn {game.turn}")),
        "<h2>Crises and the factors behind each choice</h2>",
        "<p>Each crisis, then every side's decision at every step: the balance "
        "it saw (own and opponent power, seen chance of prevailing), its resolve, "
        "the stake, the audience cost of backing down, the doctrine's utility of "
        "each option, the action taken and who took it (a team's <i>policy</i> or "
        "the <i>doctrine</i>).</p>",
        _table(crises),
        _table(decisions),
        "<h2>Turning points</h2>",
        f"<p>For each team move: {r} replications from that turn with the move "
        "and with the doctrine's choice instead (doctrine for everyone "
        "afterwards). <i>p_clash</i>: share of replications whose peak rung "
        "reached limited clash or war; <i>peak</i>: mean peak rung (0 peace .. "
        f"{WAR} major war); <i>effect</i>: class minus doctrine. Largest first.</p>",
        _table(points.round(3)),
        _QUESTIONS,
    ]
    body = "\n".join(sections)
    head = f"<meta charset='utf-8'><title>Debrief</title>{_STYLE}"
    return f"<!doctype html><html><head>{head}</head><body>{body}</body></html>\n"


def _table(frame: pd.DataFrame) -> str:
    if frame.empty:
        return "<p><i>none</i></p>"
    return frame.to_html(
        index=False, border=0, classes="t", float_format="{:,.3f}".format
    )


_STYLE = """<style>
body { font-family: sans-serif; max-width: 1100px; margin: 2em auto; color: #222; }
table.t { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0 1.5em; }
table.t th, table.t td { padding: 2px 8px; border-bottom: 1px solid #ddd; }
img { max-width: 100%; }
</style>"""

_QUESTIONS = """<h2>Questions for the discussion</h2><ul>
<li>Deterrence: where did a threat hold, and was it the balance of power, resolve or
the audience cost that made it credible?</li>
<li>The security dilemma: did a budget rise meant as defence read as a threat?</li>
<li>Signaling: which exercises, patrols and declarations reassured allies, and
which provoked rivals?</li>
<li>A2/AD: how did denial zones change the credibility of distant allies?</li>
<li>Alliance dilemmas: who feared abandonment, and who was entrapped in a partner's
crisis?</li></ul>"""
