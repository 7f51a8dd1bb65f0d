"""Play in a terminal: each team types its move at a prompt, turn after turn.

A move is one line of ``;``-separated choices (an empty line follows the advice)::

    budget +5; posture 0.7; exercise JPN 1; patrol taiwan_strait 0.5;
    declare JPN 1; crisis PHL hold; cbm CHN hotline

After the teams, the control cell (the instructor) types ``next`` (or an empty
line), ``inject KIND PARTY[,PARTY] [THEATER] [RUNG|MAGNITUDE]``, ``rewind TURN``,
``end`` or ``quit`` (stop now, resume later with ``--resume``). Input comes from
standard input, so a game can be fed from a file.
"""

import shlex
from collections.abc import Callable
from typing import Any, TextIO

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sim.classroom.session import GameError, GameSession, MoveError
from sim.scenario import ScenarioError

_SIGNAL_WORDS = {"exercise": "exercise", "declare": "declaration", "patrol": "patrol"}


def parse_move(text: str) -> dict[str, Any]:
    """A move from one line of ``;``-separated choices (see the module docstring)."""
    move: dict[str, Any] = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        words = part.split()
        verb, args = words[0].lower(), words[1:]
        try:
            if verb == "budget" and len(args) == 1:
                move["budget_change_pct"] = float(args[0].rstrip("%"))
            elif verb == "posture" and len(args) == 1:
                move["posture"] = float(args[0])
            elif verb in _SIGNAL_WORDS and len(args) == 2:
                move.setdefault(_SIGNAL_WORDS[verb], {})[args[0]] = float(args[1])
            elif verb in ("crisis", "cbm") and len(args) == 2:
                move.setdefault(verb, {})[args[0]] = args[1]
            else:
                raise ValueError
        except ValueError:
            raise MoveError(
                f"cannot read {part!r}; write e.g. 'budget +5; posture 0.7; "
                "exercise JPN 1; patrol taiwan_strait 0.5; declare JPN 1; "
                "crisis PHL hold; cbm CHN hotline'"
            ) from None
    return move


def parse_inject(args: list[str]) -> dict[str, Any]:
    """An inject from ``KIND PARTY[,PARTY] [THEATER] [RUNG|MAGNITUDE] [NOTE...]``."""
    if len(args) < 2:
        raise GameError("inject KIND PARTIES [THEATER] [RUNG|MAGNITUDE] [NOTE]")
    inject: dict[str, Any] = {"kind": args[0], "parties": args[1].split(",")}
    rest = args[2:]
    if rest and not _is_number(rest[0]):
        inject["theater"] = rest.pop(0)
    if rest and _is_number(rest[0]):
        value = rest.pop(0)
        key = "rung" if inject["kind"] == "crisis" else "magnitude"
        inject[key] = int(value) if key == "rung" else float(value)
    if rest:
        inject["note"] = " ".join(rest)
    return inject


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def play(game: GameSession, stdin: TextIO, console: Console) -> None:
    """Run the game from ``stdin`` until it ends, input runs out, or ``quit``."""
    ask = _reader(stdin, console)
    while not game.finished:
        show_region(game, console)
        for team in game.teams:
            if not _team_turn(game, team, ask, console):
                return _saved(game, console)
        if not _control(game, ask, console):
            return _saved(game, console)
    show_region(game, console)
    console.print("[bold]The game is over.[/] Write the debrief with wargame debrief.")
    return None


def _reader(stdin: TextIO, console: Console) -> Callable[[str], str | None]:
    def ask(prompt: str) -> str | None:
        console.print(prompt, end="")
        line = stdin.readline()
        if not line:
            return None
        console.print(line.rstrip("\n"), markup=False, highlight=False)
        return line.strip()

    return ask


def _team_turn(game: GameSession, team: str, ask, console: Console) -> bool:
    """Prompt one team until its move is accepted; False when input ends."""
    if team in game.moves:
        return True
    show_situation(game, team, console)
    while True:
        line = ask(f"{team} move> ")
        if line is None or line == "quit":
            return False
        try:
            game.submit(team, parse_move(line))
            return True
        except (MoveError, GameError) as err:
            _refuse(console, str(err))


def _refuse(console: Console, reason: str) -> None:
    """Say why a move or command was refused; the reason is text, not markup.

    Messages quote scenario tables such as ``[[alliance]]``, which rich would
    otherwise take for style tags and drop.
    """
    console.print(f"[red]refused:[/] {escape(reason)}", highlight=False)


def _control(game: GameSession, ask, console: Console) -> bool:
    """The control cell's commands until the turn is played; False to stop."""
    while True:
        line = ask("control (next, inject ..., rewind N, end, quit)> ")
        if line is None or line == "quit":
            return False
        words = shlex.split(line) if line else ["next"]
        try:
            if words[0] == "next":
                game.next_turn()
                return True
            if words[0] == "inject":
                game.inject(parse_inject(words[1:]))
                console.print("inject accepted")
            elif words[0] == "rewind" and len(words) == 2 and words[1].isdigit():
                game.rewind(int(words[1]))
                return True
            elif words[0] == "end":
                game.end()
                return True
            else:
                shown = escape(repr(line))
                console.print(f"[red]unknown command[/] {shown}", highlight=False)
        except ScenarioError as err:
            _refuse(console, "; ".join(err.problems))
        except (MoveError, GameError) as err:
            _refuse(console, str(err))


def _saved(game: GameSession, console: Console) -> None:
    where = (
        f" in {game.log.path}; continue with --resume {game.log.path}"
        if game.log
        else ""
    )
    console.print(
        f"Stopped at turn {game.turn}; the game is saved{where}", markup=False
    )


def show_region(game: GameSession, console: Console) -> None:
    """The public situation: budgets, ladder levels, alliances."""
    model = game.model
    title = f"Turn {game.turn} of {model.horizon} - {model.year:.2f}"
    table = Table(title=title)
    for column in (
        "state",
        "played by",
        "spending US$ m",
        "burden %",
        "posture",
        "highest rung",
    ):
        table.add_column(column)
    for row in game.public_table():
        table.add_row(
            row["state"],
            row["team"],
            f"{row['milex_usd_m']:,.0f}",
            f"{row['burden_pct']:.2f}",
            f"{row['posture']:.2f}",
            row["max_rung"],
        )
    console.print(table)
    crises = game.outcome()["crises"]
    console.print(
        "Crises: " + (", ".join(f"{k} {v}" for k, v in crises.items()) or "none")
    )
    ties = Table(title="Alliances of the teams (tie strength, credibility)")
    ties.add_column("pair")
    ties.add_column("tie")
    ties.add_column("credibility")
    for row in game.alliances():
        if not set(row["pair"].split("-")) & set(game.teams):
            continue
        ties.add_row(row["pair"], f"{row['tie']:.2f}", f"{row['credibility']:.2f}")
    console.print(ties)


def show_situation(game: GameSession, team: str, console: Console) -> None:
    """One team's own situation and the doctrine's advice."""
    s = game.situation(team)
    advice = s["advice"]
    console.print(
        f"[bold]{team}[/]: spending {s['milex_usd_m']:,.0f} US$ m (at most "
        f"{s['max_budget_usd_m']:,.0f}, {s['max_change_pct']:+.0f}%), posture "
        f"{s['posture']:.2f}; crises: "
        + (", ".join(f"{k} at {v}" for k, v in s["crises"].items()) or "none"),
        highlight=False,
    )
    console.print(
        f"  advice: budget {s['advised_change_pct']:+.1f}%, "
        f"posture {advice['posture']:.2f}"
        + "".join(f"; crisis {k} {v}" for k, v in advice["crisis"].items())
        + f"; allies: {', '.join(s['allies']) or 'none'}",
        highlight=False,
    )
