"""The ``wargame`` command line: one module per command group.

- :mod:`sim.cli.run`: ``run``, ``validate``, ``list``
- :mod:`sim.cli.batch`: ``batch``, ``sweep``
- :mod:`sim.cli.analysis`: ``calibrate``, ``sensitivity``, ``discover``, ``tune``
- :mod:`sim.cli.figures`: ``plot``, ``report``
- :mod:`sim.cli.classroom`: ``play``, ``serve``, ``debrief``

A command's module imports the libraries it needs inside the function that runs
it, and only the parser of the command being run is built, so ``wargame --help``
and ``wargame --version`` start without numpy, pandas, matplotlib, scipy or Mesa.
To add a command, write its options and its function in the module of its group
and add one entry to that module's ``COMMANDS``.

Every command reports bad input as one clear message per problem on standard
error and exits with status 2, without a traceback and without writing anything.
"""

import argparse
import sys
from collections.abc import Sequence

from sim import __version__
from sim.cli import analysis, batch, classroom, figures, run
from sim.cli.common import EXIT_BAD_INPUT, EXIT_INTERRUPTED, Command
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
    """Entry point of the ``wargame`` command; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args = _parser(_command_named(argv)).parse_args(argv)
    try:
        return COMMANDS[args.command].run(args)
    except InputError as err:
        for problem in getattr(err, "problems", [err]):
            print(f"error: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt as err:
        print(f"interrupted: {err}", file=sys.stderr)
        return EXIT_INTERRUPTED


def _command_named(argv: Sequence[str]) -> str | None:
    """The command in ``argv``: its first word that is not an option."""
    return next((word for word in argv if not word.startswith("-")), None)


def _parser(command: str | None) -> argparse.ArgumentParser:
    """The parser of every command name, with the options of ``command`` only."""
    parser = argparse.ArgumentParser(
        prog="wargame",
        description="Asia-Pacific alliance wargame: a Mesa agent-based simulation.",
    )
    parser.add_argument("--version", action="version", version=__version__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND", dest="command")
    for name, entry in COMMANDS.items():
        sub = commands.add_parser(name, help=entry.help, description=entry.help)
        if name == command:
            entry.options(sub)
    return parser
