"""Play in a terminal: each team types its move at a prompt, turn after turn.

A move is one line of ``;``-separated choices (an empty line follows the advice)::

    budget +5; posture 0.7; exercise JPN 1; patrol taiwan_strait 0.5;
    declare JPN 1; crisis PHL hold; cbm CHN hotline

A crisis action is written as the pages show it or as its id (``crisis PHL
back down`` or ``back_down``); rungs and dates are shown as on the pages
(``show of force``, ``2024 Q2``).

After the teams, the control cell (the instructor) types ``next`` (or an empty
line), ``inject KIND PARTY[,PARTY] [THEATER] [RUNG|MAGNITUDE] [NOTE...]``,
``rewind TURN``, ``end``, ``quit`` (stop now, resume later with ``--resume``) or
``help`` (the commands, theaters and states); a team may type ``help`` too.
Once the game is over (its last turn played, or ended), the control prompt
stays for ``rewind TURN`` (play on from there), ``help`` and ``quit``; a
finished game resumed with ``--resume`` offers it too.
A word after the parties is a theater only if the scenario has one by that
name, so ``inject disaster PHL typhoon`` is a disaster with the note "typhoon".
Double quotes keep words together (``"3 dead"`` is a note, not a magnitude);
an apostrophe is text (``Luzon's typhoon``). A line that cannot be read (a
double quote left open, bytes that are not UTF-8) is refused and asked again.
Commands, state ids and theater ids are read in any case (``crisis chn hold``).
Input comes from standard input, so a game can be fed from a file; lines read
from a file are echoed after the prompt, lines typed at a terminal are not
(the terminal shows them already).
"""

import shlex
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sim.classroom.moves import canonical_id, describe_odds, shown_change_range
from sim.classroom.news import dated, words
from sim.classroom.session import GameError, GameSession, MoveError
from sim.dynamics.crisis_decision import ACTIONS
from sim.dynamics.escalation import RUNGS, WAR
from sim.dynamics.signaling import CBM_KINDS
from sim.scenario import (
    INJECT_KINDS,
    INJECT_MAGNITUDES,
    ScenarioError,
    magnitude_help,
    unread_problem,
)

CONTROL_ONLY = ("inject", "rewind", "end")
"""The control cell's commands that a team's prompt refuses, saying where they go."""
_SIGNAL_WORDS = {"exercise": "exercise", "declare": "declaration", "patrol": "patrol"}


def parse_move(text: str, names: Iterable[str] = ()) -> dict[str, Any]:
    """A move from one line of ``;``-separated choices (see the module docstring).

    Args:
        text: The line.
        names: The scenario's state and theater ids; a word that is one of them
            in another case (``chn``) is read as the id (``CHN``). Verbs,
            crisis actions and kinds of measure are read in any case.
    """
    canonical = _canonical(names)
    move: dict[str, Any] = {}
    said: dict[tuple[str, ...], str] = {}  # what each choice was set by, once
    for part in filter(None, (p.strip() for p in text.split(";"))):
        words = part.split()
        verb, args = words[0].lower(), [canonical(w) for w in words[1:]]
        choice = (verb, *args[:1]) if verb not in ("budget", "posture") else (verb,)
        if choice in said:
            raise MoveError(
                f"{said[choice]!r} and {part!r} both set {' '.join(choice)}; "
                "give each choice once"
            )
        said[choice] = part
        try:
            if verb == "budget" and len(args) == 1:
                move["budget_change_pct"] = float(args[0].rstrip("%"))
            elif verb == "posture" and len(args) == 1:
                move["posture"] = float(args[0])
            elif verb in _SIGNAL_WORDS and len(args) == 2:
                move.setdefault(_SIGNAL_WORDS[verb], {})[args[0]] = float(args[1])
            elif verb == "crisis" and len(args) >= 2:  # an action as words: back down
                move.setdefault(verb, {})[args[0]] = "_".join(args[1:]).lower()
            elif verb == "cbm" and len(args) == 2:
                move.setdefault(verb, {})[args[0]] = args[1].lower()
            else:
                raise ValueError
        except ValueError:
            raise MoveError(
                f"cannot read {part!r}; write e.g. 'budget +5; posture 0.7; "
                "exercise JPN 1; patrol taiwan_strait 0.5; declare JPN 1; "
                "crisis PHL hold; cbm CHN hotline'"
            ) from None
    return move


def _canonical(names: Iterable[str]) -> Callable[[str], str]:
    """A word as the id among ``names`` it is in any case, else as it is."""
    names = tuple(names)
    return lambda word: canonical_id(word, names)


INJECT_USAGE = "inject KIND PARTY[,PARTY] [THEATER] [RUNG|MAGNITUDE] [NOTE...]"


def parse_inject(
    args: list[str], theaters: list[str], states: Iterable[str] = ()
) -> dict[str, Any]:
    """An inject from ``KIND PARTY[,PARTY] [THEATER] [RUNG|MAGNITUDE] [NOTE...]``.

    The word after the parties is the theater if ``theaters`` names it; any
    other words are the note. The kind, a party among ``states`` and the
    theater are read in any case (``phl`` is ``PHL``).

    Raises:
        GameError: A crisis without a theater of ``theaters`` (the word
            given, a misspelt one, is named and the theaters listed), a
            kind that takes a magnitude followed by a word that is no number
            (``0,9``, ``abc``; the message says what it means), or a theater
            or magnitude the kind does not read (:func:`unread_problem`).
    """
    if len(args) < 2:
        raise GameError(f"write {INJECT_USAGE}")
    state, theater = _canonical(states), _canonical(theaters)
    parties = [state(party) for party in args[1].split(",")]
    inject: dict[str, Any] = {"kind": args[0].lower(), "parties": parties}
    rest = args[2:]
    if rest and theater(rest[0]) in theaters:
        inject["theater"] = theater(rest.pop(0))
    elif inject["kind"] == "crisis":
        given = f"{rest[0]!r} is no theater of this scenario" if rest else "no theater"
        raise GameError(f"inject crisis: {given}; theaters: {', '.join(theaters)}")
    if rest and _is_number(rest[0]):
        value = rest.pop(0)
        if inject["kind"] == "crisis":
            inject["rung"] = _rung(value)
        else:
            inject["magnitude"] = float(value)
    elif rest and inject["kind"] in INJECT_MAGNITUDES:
        raise GameError(
            f"inject {inject['kind']}: {rest[0]!r} is not a number; its magnitude "
            f"is {magnitude_help(inject['kind'])}"
        )
    if problem := unread_problem(inject):
        raise GameError(f"inject {inject['kind']}: {problem}")
    if rest:
        inject["note"] = " ".join(rest)
    return inject


def _rung(text: str) -> int:
    """A crisis's starting rung: a whole number (``2`` or ``2.0``, not ``2.5``)."""
    number = float(text)
    if not number.is_integer():
        raise GameError(
            f"rung {text}: write a whole number from 1 to {WAR - 1} ("
            + ", ".join(map(words, RUNGS[1:WAR]))
            + ")"
        )
    return int(number)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def play(game: GameSession, stdin: TextIO, console: Console) -> None:
    """Run the game from ``stdin`` until input runs out or ``quit``.

    A game that is over (its last turn played, or ended) asks the control cell
    what next (:func:`_over`): a rewind plays on from an earlier turn, as the
    control page allows. Ctrl-C (KeyboardInterrupt) says where the game is
    saved and how to continue, then propagates.
    """
    ask = _Prompt(stdin, console)
    try:
        while True:
            show_region(game, console)
            if game.finished:
                if not _over(game, ask, console):
                    return None
                continue
            turn = game.turn  # a team's prompt may play it (next)
            for team in game.teams:
                if game.turn == turn and not _team_turn(game, team, ask, console):
                    return _saved(game, console)
            if game.turn == turn and not _control(game, ask, console):
                return _saved(game, console)
    except KeyboardInterrupt:
        _interrupted(game, ask.running, console)
        raise


class _Prompt:
    """Asks for a line of ``stdin``; knows which line's command is running.

    Attributes:
        running: The line whose command is changing the game now (None: none
            is; every accepted command is in the game log).
    """

    def __init__(self, stdin: TextIO, console: Console) -> None:
        self.stdin = stdin
        self.console = console
        self.echo = not stdin.isatty()  # a terminal shows what is typed already
        self.running: str | None = None

    def __call__(self, prompt: str) -> str | None:
        """The next readable line, stripped (None at the end of input)."""
        while True:
            self.console.print(prompt, end="")
            line = self.stdin.readline()
            if not line:
                return None
            text = _is_text(line)
            if self.echo:
                shown = line if text else _readable(line)
                self.console.print(shown.rstrip("\n"), markup=False, highlight=False)
            if text:
                return line.strip()
            _refuse(
                self.console,
                "cannot read that line: it is not UTF-8 text; type it again",
            )

    @contextmanager
    def run(self, line: str) -> Iterator[None]:
        """Mark ``line``'s command as running while it changes the game.

        Ctrl-C while it runs leaves it marked: it may or may not be logged.
        """
        self.running = line
        try:
            yield
        except KeyboardInterrupt:
            raise
        except BaseException:
            self.running = None  # refused: the game is as it was
            raise
        self.running = None


def _is_text(line: str) -> bool:
    """Whether ``line`` is text: no undecodable bytes (kept as lone surrogates)."""
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _readable(line: str) -> str:
    """``line`` with each undecodable byte shown as the replacement character."""
    return line.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def split_command(line: str) -> list[str]:
    """The words of a control command; double quotes keep words together.

    An apostrophe is part of its word (``Luzon's``), and backslashes and ``#``
    are text.

    Raises:
        GameError: A double quote is left open.
    """
    lexer = shlex.shlex(line, posix=True)
    lexer.whitespace_split = True
    lexer.quotes = '"'
    lexer.escape = ""
    lexer.commenters = ""
    try:
        return list(lexer)
    except ValueError:
        raise GameError(
            f"cannot read {line!r}: a double quote is not closed; close it, or "
            "leave it out"
        ) from None


def _team_turn(game: GameSession, team: str, ask, console: Console) -> bool:
    """Prompt one team until its move is accepted; False when input ends.

    ``next`` there is the control cell's: play the turn now, with the
    doctrine's advice for this team and every other team still waiting.
    """
    if team in game.moves:
        return True
    show_situation(game, team, console)
    while True:
        line = ask(f"{team} move (help)> ")
        if line is None or line.lower() == "quit":
            return False
        if line.lower() == "help":
            console.print(move_help(game, team), markup=False, highlight=False)
            continue
        try:
            if line.lower() == "next":
                with ask.run(line):
                    game.play_waiting("instructor")
                return True
            command = line.split(maxsplit=1)[0].lower() if line.strip() else ""
            if command in CONTROL_ONLY:
                raise GameError(
                    f"{command!r} is the control cell's: type it at the control "
                    "prompt, which comes once every team has moved (an empty line "
                    f"follows the advice for {team}; next plays the turn now)"
                )
            spec = game.model.spec
            move = parse_move(line, [*spec.state_ids, *(t.id for t in spec.theaters)])
            with ask.run(line):
                game.submit(team, move)
            return True
        except (MoveError, GameError) as err:
            _refuse(console, str(err))


def _refuse(console: Console, reason: str) -> None:
    """Say why a move or command was refused; the reason is text, not markup.

    Messages quote what was typed (``[bold]``) and scenario tables such as
    ``[mechanisms.escalation]``, which rich would otherwise take for style tags
    and drop.
    """
    console.print(f"[red]refused:[/] {escape(reason)}", highlight=False)


def _control(game: GameSession, ask, console: Console) -> bool:
    """The control cell's commands until the turn is played; False to stop."""
    while True:
        line = ask("control (next, inject ..., rewind N, end, quit, help)> ")
        if line is None or line.lower() == "quit":
            return False
        try:
            words = (split_command(line) or [""]) if line else ["next"]
            words[0] = words[0].lower()  # commands in any case, like the ids
            if words[0] == "help":
                console.print(control_help(game), markup=False, highlight=False)
            elif words[0] == "next":
                with ask.run(line or "next"):
                    game.next_turn()
                return True
            elif words[0] == "inject":
                theaters = [t.id for t in game.model.spec.theaters]
                states = game.model.spec.state_ids
                inject = parse_inject(words[1:], theaters, states)
                with ask.run(line):
                    game.inject(inject)
                console.print("inject accepted")
            elif words[0] == "rewind":
                _rewind(game, words, line, ask)
                return True
            elif words[0] == "end":
                with ask.run(line):
                    game.end()
                return True
            else:
                shown = escape(repr(line))
                console.print(f"[red]unknown command[/] {shown}", highlight=False)
        except ScenarioError as err:
            _refuse(console, "; ".join(err.problems))
        except (MoveError, GameError) as err:
            _refuse(console, str(err))


def _rewind(game: GameSession, words: list[str], line: str, ask) -> None:
    """Rewind to the turn ``rewind TURN`` names (``words``: the command's).

    Raises:
        GameError: ``words`` are not ``rewind`` and one turn from 0 to now.
    """
    if len(words) != 2 or not words[1].isdecimal():
        raise GameError(f"write rewind TURN, a turn from 0 to {game.turn}")
    with ask.run(line):
        game.rewind(int(words[1]))


def _over(game: GameSession, ask, console: Console) -> bool:
    """The control cell's commands once the game is over; True once rewound.

    Only a rewind plays on (the session reopens an ended game); ``quit`` or
    the end of input stops (False), the game saved as it is.
    """
    console.print(
        "[bold]The game is over.[/] Write the debrief with wargame debrief, or "
        "rewind to an earlier turn to play on from there."
    )
    while True:
        line = ask(f"control, game over (rewind N from 0 to {game.turn}, quit, help)> ")
        if line is None:
            console.print()  # end the prompt's line
            return False
        words = line.split()
        command = words[0].lower() if words else ""
        if command == "quit":
            return False
        if command == "help":
            console.print(
                f"rewind TURN  go back to the start of TURN (0 to {game.turn}) and "
                "play on\nquit  stop; write the debrief with wargame debrief LOG",
                markup=False,
                highlight=False,
            )
        elif command == "rewind":
            try:
                _rewind(game, [command, *words[1:]], line, ask)
                return True
            except GameError as err:
                _refuse(console, str(err))
        else:
            _refuse(
                console,
                "the game is over: rewind TURN to play on from an earlier turn, "
                "or quit",
            )


def control_help(game: GameSession) -> str:
    """The control cell's commands, with the inject kinds, theaters and states."""
    spec = game.model.spec
    return "\n".join(
        [
            "next (or an empty line)  play the turn",
            f"{INJECT_USAGE}",
            "    e.g. inject crisis CHN,JPN east_china_sea 2 collision at sea",
            "         inject disaster PHL typhoon",
            "         inject treaty_change USA,PHL 0",
            "         inject budget_shock CHN 0.9",
            f"    kinds: {', '.join(INJECT_KINDS)}",
            *(
                f"    magnitude ({kind}): {magnitude_help(kind)}"
                for kind in INJECT_MAGNITUDES
            ),
            f"    theaters: {', '.join(t.id for t in spec.theaters)}",
            f"    states: {', '.join(spec.state_ids)}",
            f"    rung (crisis): 1 to {WAR - 1} ("
            + ", ".join(map(words, RUNGS[1:WAR]))
            + ")",
            "rewind TURN  go back to the start of TURN",
            "end  end the game;  quit  stop now and resume later with --resume",
        ]
    )


def move_help(game: GameSession, team: str) -> str:
    """How a team writes a move, with its own partners, theaters and crises."""
    s = game.situation(team)
    least, most = shown_change_range(s["min_change_pct"], s["max_change_pct"])
    return "\n".join(
        [
            "One line of choices separated by ';' (an empty line follows the advice):",
            f"  budget PCT     from {least:+.1f} to {most:+.1f} this turn",
            "  posture X      0 restraint .. 1 forward",
            f"  exercise ALLY LEVEL / declare ALLY LEVEL   allies: "
            f"{', '.join(s['allies']) or 'none'}; level 0..1",
            f"  patrol THEATER LEVEL   theaters: {', '.join(s['theaters'])}",
            f"  crisis STATE ACTION    actions: {', '.join(map(words, ACTIONS))}; "
            f"crises: "
            f"{', '.join(s['crises']) or 'none'}",
            f"  cbm STATE KIND         kinds: {', '.join(CBM_KINDS)}",
            "  e.g. budget +2; posture 0.6; exercise JPN 1; cbm CHN hotline",
            "next (the control cell) play the turn now: the doctrine's advice for "
            f"{team} and every team not yet moved, and the news says so",
        ]
    )


def _saved(game: GameSession, console: Console) -> None:
    where = (
        f" in {game.log.path}; continue with --resume {game.log.path}"
        if game.log
        else ""
    )
    console.print(
        f"Stopped at turn {game.turn}; the game is saved{where}", markup=False
    )


def _interrupted(game: GameSession, running: str | None, console: Console) -> None:
    """After Ctrl-C: what the game log holds and how to continue from it."""
    if game.log is None:
        return
    console.print()  # end the prompt's line
    if running is None:  # every accepted command was logged as it was accepted
        return _saved(game, console)
    path = game.log.path
    console.print(
        f"Interrupted while playing {running!r}: the game is saved in {path} up "
        "to the command before it (that one only if it was written; type it "
        f"again if it is missing); continue with --resume {path}",
        markup=False,
        highlight=False,
    )
    return None


def show_region(game: GameSession, console: Console) -> None:
    """The public situation: last turn's news, budgets, ladder levels, alliances."""
    model = game.model
    if game.news:
        console.print(f"[bold]News of turn {game.news[-1]['turn']}[/]")
        for line in game.news[-1]["public"]:
            console.print(f"  {line}", markup=False, highlight=False)
    for line in game.announcements():
        console.print(f"  This turn: {line}", markup=False)
    title = (
        f"Turn {game.turn} of {model.horizon} - "
        f"{dated(model.year, model.spec.info.dt_years)}"
    )
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
            words(row["max_rung"]),
        )
    console.print(table)
    crises = game.outcome()["crises"]
    console.print(
        "Crises: "
        + (", ".join(f"{k} at {words(v)}" for k, v in crises.items()) or "none")
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
    least, most = shown_change_range(s["min_change_pct"], s["max_change_pct"])
    advice = s["advice"]
    for line in game.news[-1]["private"][team] if game.news else ():
        console.print(f"  ({team} only) {line}", markup=False, highlight=False)
    wars = f"; AT WAR with {', '.join(s['wars'])}" if s["wars"] else ""
    console.print(
        f"[bold]{team}[/]: spending {s['milex_usd_m']:,.0f} US$ m (this turn "
        f"{least:+.1f}% to {most:+.1f}%), posture "
        f"{s['posture']:.2f}; crises: "
        + (", ".join(f"{k} at {words(v)}" for k, v in s["crises"].items()) or "none")
        + wars,
        highlight=False,
    )
    console.print(
        f"  advice: budget {s['advised_change_pct']:+.1f}%, "
        f"posture {advice['posture']:.2f}"
        + "".join(
            f"; crisis {k} {words(v)} ({describe_odds(s['odds'][k])})"
            for k, v in advice["crisis"].items()
        )
        + f"; allies: {', '.join(s['allies']) or 'none'}",
        highlight=False,
    )
