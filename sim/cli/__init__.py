"""The ``wargame`` command line: one module per command group.

- :mod:`sim.cli.run`: ``run``, ``validate``, ``list``
- :mod:`sim.cli.batch`: ``batch``, ``sweep``
- :mod:`sim.cli.analysis`: ``calibrate``, ``sensitivity``, ``discover``, ``tune``
- :mod:`sim.cli.figures`: ``plot``, ``summary``, ``report``
- :mod:`sim.cli.classroom`: ``play``, ``serve``, ``debrief``

A command's module imports the libraries it needs inside the function that runs
it, and only the parser of the command being run is built, so ``wargame --help``
and ``wargame --version`` start without numpy, pandas, matplotlib, scipy or Mesa.
To add a command, write its options and its function in the module of its group
and add one entry to that module's ``COMMANDS``.

Every command reports a failure as one line per problem on standard error, never
a traceback, and exits with a documented status (docs/cli.md): 2 bad input, 3 a
missing optional extra, 74 a file that cannot be read or written, 130 Ctrl-C, 141
a closed pipe, 143 SIGTERM (which stops a command as Ctrl-C does). Status 1 with a
traceback is a bug.
"""

import argparse
import os
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import NoReturn

from sim import __version__
from sim.cli import analysis, batch, classroom, figures, run
from sim.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_BROKEN_PIPE,
    EXIT_INTERRUPTED,
    EXIT_MISSING_EXTRA,
    EXIT_OS_ERROR,
    EXIT_TERMINATED,
    EXTRAS,
    Command,
    field_message,
    flag_message,
)
from sim.errors import InputError

COMMANDS: dict[str, Command] = {
    **run.COMMANDS,
    **batch.COMMANDS,
    **analysis.COMMANDS,
    **figures.COMMANDS,
    **classroom.COMMANDS,
}
"""Every command, in the order ``wargame --help`` lists them."""


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``wargame`` command; returns the exit status.

    Ctrl-C at any moment, from parsing to the last line printed, exits 130
    with one line; SIGTERM (``kill``) stops the command the same way, its
    worker processes and cluster shut down and its folder's lock released,
    and exits 143. The path a command will write, given by ``--out`` or by
    default, is refused before the command computes anything if it cannot be
    written, and an output folder is locked for the whole command (one writer
    per folder).
    """
    with _terminate_as_ctrl_c() as terminated:
        try:
            return _main(sys.argv[1:] if argv is None else list(argv))
        except KeyboardInterrupt as err:
            said = "terminated" if terminated else "interrupted"
            print(f"{said}{f': {err}' if str(err) else ''}", file=sys.stderr)
            return EXIT_TERMINATED if terminated else EXIT_INTERRUPTED


@contextmanager
def _terminate_as_ctrl_c() -> Iterator[list[int]]:
    """While the command runs, SIGTERM raises KeyboardInterrupt, as Ctrl-C does.

    Left to its default, SIGTERM ends this process at once, and the worker
    processes of :class:`sim.executors.Processes` (and the resource tracker of
    multiprocessing) are left running; as Ctrl-C, it unwinds the command, which
    shuts them down, releases the folder's lock and says how to resume.

    Signal handlers can only change in the main thread; elsewhere SIGTERM
    keeps its handler.

    Yields:
        The SIGTERMs received (empty if none), which tell the exit status.
    """
    received: list[int] = []

    def stop(signum: int, frame: object) -> NoReturn:
        received.append(signum)
        raise KeyboardInterrupt

    if threading.current_thread() is not threading.main_thread():
        yield received
        return
    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield received
    finally:
        signal.signal(signal.SIGTERM, previous)


def _main(argv: list[str]) -> int:
    """Parse ``argv``, run its command, and turn every failure into one line."""
    args = _parser(_command_named(argv)).parse_args(argv)
    command = COMMANDS[args.command]
    try:
        with _writing(args, command):
            status = command.run(args)
        sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
    except InputError as err:
        for problem in getattr(err, "problems", [flag_message(err)]):
            _error(field_message(str(problem), args))
        return EXIT_BAD_INPUT
    except ModuleNotFoundError as err:
        extra = EXTRAS.get((err.name or "").partition(".")[0])
        if extra is None:
            raise
        _error(
            f"wargame {args.command} needs the {extra} extra ({err.name} is not "
            f"installed): pip install 'apwargame[{extra}]'"
        )
        return EXIT_MISSING_EXTRA
    except BrokenPipeError:
        # Point stdout at /dev/null so the interpreter's own flush at exit is quiet.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except OSError as err:
        where = f"{err.filename}: " if err.filename else ""
        _error(f"{where}{err.strerror or err}")
        return EXIT_OS_ERROR
    except RecursionError:
        _error("input nested too deeply to read (recursion limit)")
        return EXIT_BAD_INPUT
    except UnicodeError as err:
        _error(f"text that is not valid UTF-8 ({err})")
        return EXIT_BAD_INPUT
    return status


def _writing(args: argparse.Namespace, command: Command) -> AbstractContextManager:
    """Resolve, check and lock the path ``command`` writes, before it runs.

    Sets ``args.out`` to ``--out`` or the command's default; refuses a path that
    cannot be written; returns the lock of an output folder to hold while the
    command runs (nothing to hold for a file, or for a command whose library
    function locks the folder itself).

    Raises:
        sim.outputs.UnwritableError: The path cannot be written.
        sim.outputs.OutputError: Another process writes the folder.
    """
    output = command.output
    if output is None:
        return nullcontext()
    if args.out is None:
        args.out = output.default(args)
    if args.out is None:
        return nullcontext()
    from sim.outputs import check_writable, locked

    check_writable(args.out, folder=not output.file)
    if output.file or output.locks_itself:
        return nullcontext()
    return locked(args.out)


def _error(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)


def _command_named(argv: Sequence[str]) -> str | None:
    """The command in ``argv``: its first word that is not an option."""
    return next((word for word in argv if not word.startswith("-")), None)


def _parser(command: str | None) -> argparse.ArgumentParser:
    """The parser of every command name, with the options of ``command`` only.

    An option must be given whole: argparse would otherwise read a prefix as the
    option it begins (``batch --replication 4``, ``run``'s option, as
    ``--replications 4``).
    """
    parser = _OneLineParser(
        prog="wargame",
        description="Asia-Pacific alliance wargame: a Mesa agent-based simulation.",
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=__version__)
    parser.command = command if command in COMMANDS else None
    commands = parser.add_subparsers(required=True, metavar="COMMAND", dest="command")
    for name, entry in COMMANDS.items():
        # argparse expands % in a help string, never in a description
        help_text = entry.help.replace("%", "%%")
        sub = commands.add_parser(
            name, help=help_text, description=entry.help, allow_abbrev=False
        )
        if name == command:
            entry.options(sub)
    return parser


class _OneLineParser(argparse.ArgumentParser):
    """A parser whose usage errors are one line, like every other error."""

    #: The command whose options the top-level parser holds (:func:`_parser`):
    #: argparse reports a command's unknown options from the top level.
    command: str | None = None

    def error(self, message: str) -> NoReturn:
        """Print ``error: PROG: MESSAGE`` and where to find the usage; exit 2."""
        prog = self.prog
        if self.command and message.startswith("unrecognized arguments"):
            prog = f"{prog} {self.command}"
        self.exit(EXIT_BAD_INPUT, f"error: {prog}: {message} (see {prog} --help)\n")
