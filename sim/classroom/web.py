"""The classroom page, built with Solara on Mesa's visualisation stack.

``wargame serve`` starts it (:func:`serve`); one game is shared by every browser
that opens the page. The page shows the map (alliance ties and A2/AD coverage,
:mod:`sim.plots.geography`), the escalation curve so far (Mesa's
``PlotMatplotlib`` over the model's DataCollector), the public table of
budgets, postures and ladder rungs, a move form per team and the instructor's
controls (inject, next turn, pause, rewind, reset, end).

Why not Mesa's ``SolaraViz``: its controller steps the model on a timer and
resets it by calling the model class again, while a classroom turn must wait
for every team's checked move and go through :class:`GameSession` so that the
log records it; so the page is plain Solara components using Mesa's plotting
component and its ``update_counter`` refresh signal.
"""

import os
import threading
from collections.abc import Callable

import solara
from mesa.visualization.components.matplotlib_components import PlotMatplotlib
from mesa.visualization.utils import force_update, update_counter

from sim.classroom.figures import region_map, rung_axis
from sim.classroom.session import GameError, GameSession, MoveError
from sim.dynamics.crisis_decision import ACTIONS
from sim.dynamics.signaling import CBM_KINDS, SIGNAL_KINDS
from sim.scenario import INJECT_KINDS, ScenarioError

GAME: dict[str, GameSession] = {}
"""The game this server plays (set by :func:`serve`), under the key ``game``."""
LOCK = threading.Lock()
"""One command at a time, whichever browser sends it."""
ADVICE = "as advised"


def serve(game: GameSession, *, host: str, port: int) -> None:
    """Serve the page for ``game`` until interrupted (uvicorn in this process)."""
    import uvicorn

    GAME["game"] = game
    os.environ["SOLARA_APP"] = "sim.classroom.web"
    uvicorn.run(
        "solara.server.starlette:app", host=host, port=port, log_level="warning"
    )


def run_command(command: Callable[[], object], message: solara.Reactive[str]) -> None:
    """Run one game command; show its error, if any, and refresh every view."""
    with LOCK:
        try:
            command()
            message.value = ""
        except ScenarioError as err:
            message.value = "; ".join(err.problems)
        except (MoveError, GameError, ValueError) as err:
            message.value = str(err)
    force_update()


@solara.component
def MoveForm(  # noqa: N802 (Solara component)
    game: GameSession, team: str, message: solara.Reactive[str]
) -> None:
    """One team's situation and move form; others' choices are never shown."""
    update_counter.get()
    budget = solara.use_reactive(None)  # blank: as advised
    posture = solara.use_reactive(None)
    signal = solara.use_reactive("none")
    target = solara.use_reactive("")
    level = solara.use_reactive(1.0)
    cbm_partner = solara.use_reactive("none")
    cbm_kind = solara.use_reactive(CBM_KINDS[0])
    s = game.situation(team)
    crisis = solara.use_reactive({})  # opponent -> action chosen

    def submit() -> None:
        move = {
            key: reactive.value
            for key, reactive in (("budget_change_pct", budget), ("posture", posture))
            if reactive.value is not None
        }
        chosen = {
            k: v for k, v in crisis.value.items() if v != ADVICE and k in s["crises"]
        }
        if chosen:
            move["crisis"] = chosen
        if signal.value != "none":
            move[signal.value] = {target.value: level.value}
        if cbm_partner.value != "none":
            move["cbm"] = {cbm_partner.value: cbm_kind.value}
        run_command(lambda: game.submit(team, move), message)

    with solara.Card(f"{team}", margin=0, elevation=2):
        status = "move submitted" if s["submitted"] is not None else "waiting"
        solara.Markdown(
            f"Spending **{s['milex_usd_m']:,.0f}** US$ m (at most "
            f"{s['max_change_pct']:+.0f}%), posture {s['posture']:.2f}; crises: "
            + (", ".join(f"{k} at {v}" for k, v in s["crises"].items()) or "none")
            + f". Advice: budget {s['advised_change_pct']:+.1f}%, posture "
            f"{s['advice']['posture']:.2f}; a blank field follows it. *{status}*"
        )
        with solara.Row():
            solara.InputFloat(f"{team} budget change %", value=budget, optional=True)
            solara.InputFloat(f"{team} posture 0-1", value=posture, optional=True)
        for opponent in s["crises"]:
            solara.Select(
                f"{team} toward {opponent} (advice: {s['advice']['crisis'][opponent]})",
                values=[ADVICE, *ACTIONS],
                value=crisis.value.get(opponent, ADVICE),
                on_value=lambda v, o=opponent: crisis.set({**crisis.value, o: v}),
            )
        with solara.Row():
            solara.Select(
                f"{team} signal", values=["none", *SIGNAL_KINDS], value=signal
            )
            targets = s["theaters"] if signal.value == "patrol" else s["allies"]
            solara.Select(f"{team} with / in", values=targets, value=target)
            solara.InputFloat(f"{team} level", value=level)
        with solara.Row():
            others = [i for i in game.model.spec.state_ids if i != team]
            solara.Select(
                f"{team} CBM with", values=["none", *others], value=cbm_partner
            )
            solara.Select(f"{team} CBM", values=list(CBM_KINDS), value=cbm_kind)
        solara.Button(f"Submit {team} move", on_click=submit, color="primary")


@solara.component
def ControlPanel(  # noqa: N802 (Solara component)
    game: GameSession, message: solara.Reactive[str]
) -> None:
    """The instructor's controls: inject, next turn, pause, rewind, reset, end."""
    update_counter.get()
    kind = solara.use_reactive("crisis")
    parties = solara.use_reactive("")
    theater = solara.use_reactive(game.model.spec.theaters[0].id)
    amount = solara.use_reactive(1.0)
    note = solara.use_reactive("")
    to_turn = solara.use_reactive(0)

    def inject() -> None:
        entry = {
            "kind": kind.value,
            "parties": [p.strip() for p in parties.value.split(",") if p.strip()],
            "note": note.value,
        }
        if kind.value == "crisis":
            entry |= {"theater": theater.value, "rung": int(amount.value)}
        else:
            entry["magnitude"] = amount.value
        run_command(lambda: game.inject(entry), message)

    with solara.Card("Instructor (control cell)", margin=0, elevation=2):
        with solara.Row():
            solara.Select("inject kind", values=list(INJECT_KINDS), value=kind)
            solara.InputText("parties (e.g. CHN,JPN)", value=parties)
            solara.Select(
                "theater",
                values=[t.id for t in game.model.spec.theaters],
                value=theater,
            )
        with solara.Row():
            solara.InputFloat("rung (crisis) or magnitude", value=amount)
            solara.InputText("note (e.g. collision at sea)", value=note)
            solara.Button("Inject", on_click=inject)
        with solara.Row():
            solara.Button(
                "Next turn",
                color="primary",
                on_click=lambda: run_command(game.next_turn, message),
            )
            if game.paused:
                solara.Button(
                    "Resume", on_click=lambda: run_command(game.resume_play, message)
                )
            else:
                solara.Button(
                    "Pause", on_click=lambda: run_command(game.pause, message)
                )
            solara.InputInt("rewind to turn", value=to_turn)
            solara.Button(
                "Rewind",
                on_click=lambda: run_command(
                    lambda: game.rewind(to_turn.value), message
                ),
            )
            solara.Button(
                "Reset", on_click=lambda: run_command(lambda: game.rewind(0), message)
            )
            solara.Button(
                "End", color="error", on_click=lambda: run_command(game.end, message)
            )


@solara.component
def Page(  # noqa: N802 (Solara component)
) -> None:
    """The classroom page for the served game."""
    update_counter.get()
    game = GAME["game"]
    message = solara.use_reactive("")
    model = game.model
    solara.Title(f"Wargame: {model.spec.info.name}")
    state = "game over" if game.finished else ("paused" if game.paused else "in play")
    waiting = ", ".join(game.waiting_for) or "nobody"
    solara.Markdown(
        f"## {model.spec.info.name}: turn {game.turn} of {model.horizon}, "
        f"{model.year:.2f} ({state})\nWaiting for: {waiting}"
    )
    if message.value:
        solara.Error(message.value)
    with solara.Columns([3, 2]):
        with solara.Column():
            solara.FigureMatplotlib(
                region_map(
                    model.spec,
                    model.world,
                    f"Alliances and A2/AD coverage, turn {game.turn}",
                ),
                format="png",
            )
            PlotMatplotlib(model, {"max_rung": "tab:red"}, post_process=_curve)
            solara.DataFrame(_public_frame(game), items_per_page=20)
        with solara.Column():
            ControlPanel(game, message)
            for team in game.teams:
                MoveForm(game, team, message)
            solara.Button("Refresh", on_click=force_update, text=True)


def _public_frame(game: GameSession):
    import pandas as pd

    return pd.DataFrame(game.public_table()).round(2)


def _curve(ax) -> None:
    """The escalation curve's axis: rungs named, the figure short."""
    rung_axis(ax)
    ax.figure.set_size_inches(7, 3.4)
