"""``wargame play``, ``serve`` and ``debrief``: the classroom game."""

import argparse
import shlex
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sim.cli.common import SCENARIO_HELP, Command, Output, UsageError

if TYPE_CHECKING:
    from sim.classroom.session import GameSession

MAX_SEED = 2**63 - 1
"""The largest seed (the scenario's ``seed`` field has the same bound)."""
HOST, PORT = "127.0.0.1", 8765
"""Where ``wargame serve`` listens unless told otherwise."""


def _game_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario", type=Path, nargs="?", help=SCENARIO_HELP)
    parser.add_argument("--teams", help="states played by teams, e.g. USA,CHN,JPN")
    parser.add_argument("--seed", type=int, help="random seed (default: scenario's)")
    parser.add_argument("--log", type=Path, help="game log to write (.jsonl)")
    parser.add_argument("--resume", type=Path, metavar="LOG", help="continue a game")


def _serve_options(parser: argparse.ArgumentParser) -> None:
    _game_options(parser)
    parser.add_argument(
        "--host", default=HOST,
        help="address to listen on (127.0.0.1: this machine only); the control "
        "page answers this machine only (on this address too)",
    )  # fmt: skip
    parser.add_argument(
        "--allow-remote", action="store_true",
        help="allow a --host other than this machine's loopback: every machine "
        "that can reach it may open the team and projector pages",
    )  # fmt: skip
    parser.add_argument("--port", type=int, default=PORT, help=f"port ({PORT})")
    parser.add_argument(
        "--timer", type=float, metavar="MIN", help="turn timer in minutes (none)"
    )


def _debrief_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("log", type=Path, help="game log (.jsonl)")
    parser.add_argument(
        "--out", type=Path, default=Path("debrief.html"),
        help="HTML file to write (debrief.html)",
    )  # fmt: skip
    parser.add_argument(
        "--replications", type=int, default=100,
        help="replications per turning-point ensemble (100)",
    )  # fmt: skip


@contextmanager
def log_warnings() -> Iterator[None]:
    """Show each warning about a game log as one line on standard error.

    A log whose last line was cut short is read without it
    (:class:`sim.classroom.log.GameLogWarning`); the user is told which line.
    """
    from sim.classroom.log import GameLogWarning

    with warnings.catch_warnings():
        warnings.simplefilter("always", GameLogWarning)
        show = warnings.showwarning

        def one_line(message, category, *args, **kwargs) -> None:
            if issubclass(category, GameLogWarning):
                print(f"warning: {message}", file=sys.stderr, flush=True)
            else:
                show(message, category, *args, **kwargs)

        warnings.showwarning = one_line
        yield


def open_game(args: argparse.Namespace):
    """A new game, or the game of ``--resume LOG``.

    SCENARIO is a file or a bundled scenario's name, as for ``wargame run``.
    """
    from sim.classroom.session import GameError, GameSession
    from sim.outputs import check_writable
    from sim.scenario import scenario_path

    if args.resume:
        if args.teams or args.log or args.seed is not None:
            raise GameError(
                "--resume LOG continues a game as it was; drop --teams/--seed/--log"
            )
        with log_warnings():
            game = GameSession.resume(args.resume)
        if args.scenario and scenario_path(args.scenario).resolve() != game.path:
            raise GameError(
                f"{args.resume}: was played with {game.path}, not {args.scenario}"
            )
        return game
    if args.scenario is None or not args.teams:
        raise GameError("name a SCENARIO and --teams (or --resume LOG)")
    if args.seed is not None and not 0 <= args.seed <= MAX_SEED:
        raise UsageError(f"--seed {args.seed}: must be from 0 to {MAX_SEED}")
    scenario = scenario_path(args.scenario)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    log = args.log or Path("games") / f"{scenario.stem}-{stamp}.jsonl"
    teams = [t.strip() for t in args.teams.split(",")]  # an empty one is refused
    check_writable(log, folder=False)  # before the scenario is loaded
    return GameSession(scenario, teams, seed=args.seed, log=log)


def cmd_play(args: argparse.Namespace) -> int:
    """Play in the terminal, reading moves from standard input."""
    from rich.console import Console

    from sim.classroom.terminal import play

    game = open_game(args)
    console = Console(width=110, soft_wrap=True)
    console.print(f"Game log: {game.log.path}")
    if args.resume and not game.finished:  # play says a game over is over
        console.print(kept_moves(game), markup=False, highlight=False)
    if hasattr(sys.stdin, "reconfigure"):
        # A line that is not UTF-8 is refused at its prompt, not the whole game.
        sys.stdin.reconfigure(errors="surrogateescape")
    play(game, sys.stdin, console)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the classroom pages (team, control, projector) until interrupted."""
    check_address(args.host, args.port, allow_remote=args.allow_remote)
    from sim.classroom.session import TIMER_MINUTES
    from sim.classroom.web import Classroom, serve

    if args.timer is not None and not 0 <= args.timer <= TIMER_MINUTES:
        raise UsageError(
            f"--timer {args.timer}: choose minutes from 0 to {TIMER_MINUTES}"
        )
    game = open_game(args)
    if args.timer and not args.resume:
        game.pause()  # turn 0's countdown waits for Start on the control page
    kept_codes = game.join_codes is not None
    room = Classroom(game, timer_minutes=args.timer)
    base = f"http://{args.host}:{args.port}"
    print(f"Game log: {game.log.path}")
    if args.resume:
        print(kept_moves(game))
    if args.resume and not kept_codes:
        print(
            "This game log kept no join codes (an older version, or `wargame "
            "play`): the teams get the new links below, kept from now on"
        )
    if room.timer_seconds:
        held = " (paused: press Start / Resume on the control page)"
        print(
            f"Turn timer: {room.timer_seconds / 60:g} minutes"
            + (held if game.paused else "")
        )
    print(f"Control page (yours alone, never project it): {base}/control/{room.secret}")
    print(f"Projector: {base}/projector")
    for team, link in room.links().items():
        print(f"Team {team}: {base}{link}  (join code {room.codes[team]})")
    again = resume_command(game.log.path, args)
    print(f"Stop with Ctrl-C; resume later with: {again}", flush=True)
    try:
        serve(room, host=args.host, port=args.port)
    finally:  # Ctrl-C ends the server, which raises it again or returns
        print(
            f"Stopped at turn {game.turn}; the game is saved in {game.log.path}; "
            f"continue with: {again}",
            flush=True,
        )
    return 0


def resume_command(log: Path, args: argparse.Namespace) -> str:
    """The command that serves the game of ``log`` again, at the same address.

    The same ``--host`` and ``--port`` keep the teams' links working; the log
    keeps the timer and the join codes.
    """
    command = ["wargame", "serve", "--resume", str(log)]
    if args.host != HOST:
        command += ["--host", args.host]
    if args.allow_remote:
        command.append("--allow-remote")
    if args.port != PORT:
        command += ["--port", str(args.port)]
    return shlex.join(command)


def kept_moves(game: "GameSession") -> str:
    """Which teams' moves for the current turn a resumed game kept, in a line."""
    if game.finished:
        return (
            "The game is over: write its debrief with wargame debrief, or rewind "
            "it from the control page to play on."
        )
    kept = [team for team in game.teams if team in game.moves]
    waiting = ", ".join(game.waiting_for) or "nobody"
    if not kept:
        return f"Turn {game.turn}: no move kept yet; waiting for {waiting}."
    return f"Turn {game.turn}: moves kept for {', '.join(kept)}; waiting for {waiting}."


def check_address(host: str, port: int, *, allow_remote: bool) -> None:
    """Refuse, before a game log is written, an address the server cannot use.

    A host other than the loopback interface is refused unless the user asked
    for it (``--allow-remote``): it exposes the team pages, join codes entered
    there and the projector to every machine that can reach this one. A port
    in use or not this machine's is refused too.

    Raises:
        UsageError: The host is not loopback without ``--allow-remote``, or the
            address cannot be bound.
    """
    import ipaddress
    import socket

    if not 0 < port < 65536:
        raise UsageError(f"--port {port}: must be 1 to 65535")
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback and not allow_remote:
        raise UsageError(
            f"--host {host}: not this machine alone; it would expose the game's "
            "team pages and projector to every machine that can reach this one "
            "(the control page stays local); add --allow-remote to do so on a "
            "classroom network you trust"
        )
    try:
        with socket.create_server((host, port)):
            pass
    except OSError as err:
        raise UsageError(
            f"--host {host} --port {port}: cannot listen there "
            f"({err.strerror or err}); choose another --port"
        ) from None


def cmd_debrief(args: argparse.Namespace) -> int:
    """Write the debrief of a game log as one HTML file."""
    from sim.classroom.debrief import write_debrief
    from sim.classroom.session import GameError

    if args.replications < 2:
        raise GameError(f"--replications {args.replications}: must be at least 2")
    if args.out.exists() and args.log.exists() and args.out.samefile(args.log):
        raise UsageError(
            f"--out {args.out}: is the game log it reads, which the page would "
            "replace; write it elsewhere (e.g. debrief.html)"
        )
    with log_warnings():
        write_debrief(args.log, args.out, replications=args.replications)
    print(f"wrote {args.out}")
    return 0


COMMANDS = {
    "play": Command("play a classroom game in the terminal", _game_options, cmd_play),
    "serve": Command(
        "serve the classroom game: a page per team, control, projector",
        _serve_options,
        cmd_serve,
    ),
    "debrief": Command(
        "write the debrief of a game log",
        _debrief_options,
        cmd_debrief,
        Output(file=True),
    ),
}
