"""What the command modules share: the command table entry, exit statuses and options.

Nothing here imports numpy, pandas or the model: a command's module imports what
it needs inside the function that runs it, so ``wargame --help`` starts at once.
"""

import argparse
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from sim.errors import InputError

EXIT_BAD_INPUT = 2
"""A file, field or argument that cannot be used as given (argparse's status too)."""
EXIT_MISSING_EXTRA = 3
"""The command needs an optional extra that is not installed."""
EXIT_OS_ERROR = 74
"""A file or folder could not be read or written (``EX_IOERR`` of sysexits.h)."""
EXIT_INTERRUPTED = 130
"""Ctrl-C (128 + SIGINT, as a shell reports it)."""
EXIT_TERMINATED = 143
"""Stopped by SIGTERM (128 + SIGTERM), as a shell reports it; stopped as by Ctrl-C."""
EXIT_BROKEN_PIPE = 141
"""The reader of standard output went away, as in ``wargame list | head -1``."""

EXTRAS = {
    "SALib": "analysis",
    "optuna": "analysis",
    "ema_workbench": "analysis",
    "dask": "dask",
    "distributed": "dask",
    "rich": "classroom",
    "starlette": "classroom",
    "uvicorn": "classroom",
}
"""The optional extra (``pip install 'apwargame[EXTRA]'``) that installs a module."""

FLAGS = {
    "ranges": "--param",
    "output": "--outcome",
    "minimise": "--outcome",
    "constraints": "--constraint",
    "max_boxes": "--boxes",
    "params": "--fit",
    "settings": "--set",
}
"""Library argument names whose flag is not ``--`` plus the name with dashes."""


def flag_message(err: InputError) -> str:
    """A library error's message, its leading field named as the flag a user typed.

    The library names the argument an error is about (``err.field``, e.g.
    ``ranges``); the command line alone knows it as a flag (``--param``).
    """
    message = str(err)
    field = err.field
    if field is None or not message.startswith(field):
        return message
    flag = FLAGS.get(field, "--" + field.replace("_", "-"))
    return flag + message[len(field) :]


FIELD_FLAGS = ("set", "param", "vary", "fit")
"""Options whose values start with a scenario field path (``PATH=...``), in the
order a command applies them (``--set`` first)."""

_UNKNOWN = "is not a known field here"


def given_fields(args: argparse.Namespace) -> list[tuple[str, str]]:
    """Each scenario field path the command line names, with the words that named it.

    Returns:
        ``(path, '--set state.USA.resolve=0.9')`` pairs, in :data:`FIELD_FLAGS`
        order and then the order given.
    """
    given = []
    for flag in FIELD_FLAGS:
        texts = getattr(args, flag, None)
        if not isinstance(texts, list):  # --vary is one string; plot's --param too
            texts = [texts] if flag == "vary" and isinstance(texts, str) else []
        for text in texts:
            path = str(text).partition("=")[0].strip()
            if path:
                given.append((path, f"--{flag} {text}"))
    return given


def _entry_path(label: str) -> str:
    """A validator's label as an override path (``state[USA].x``: ``state.USA.x``)."""
    return re.sub(r"\[([^\]]*)\]", r".\1", label)


def _said(label: str, message: str, path: str) -> str:
    """``LABEL: MESSAGE`` of a scenario problem, said of the field ``path`` given.

    The label is left out when it is the path itself; an unknown field is said
    as ``state[USA] has no field 'resolv'``.
    """
    if message.startswith(_UNKNOWN):
        parent, _, leaf = label.rpartition(".")
        owner = parent or "a scenario's top level"
        return f"{owner} has no field {leaf!r}{message[len(_UNKNOWN) :]}"
    return message if _entry_path(label) == path else f"{label}: {message}"


def field_message(problem: str, args: argparse.Namespace) -> str:
    """A problem about a field the command line set or varied, named by its flag.

    The library says where a bad value came from as ``override PATH`` (with
    only the tail of the path after ``state.ID``), or, for a table an override
    made up (a misspelt mechanism), as the scenario file; a few library errors
    start with the path alone. Only the command line knows the flag and the
    words typed: ``--set state.USA.resolv=0.9: state[USA] has no field
    'resolv'; known: ...``. Any other problem is returned as it is.
    """
    given = given_fields(args)
    if not given:
        return problem
    if problem.startswith("override "):
        dotted, _, rest = problem.removeprefix("override ").partition(": ")
        label, _, message = rest.partition(": ")
        exact = _entry_path(label) if message else None
        for path, typed in given:
            if path == exact:
                return f"{typed}: {_said(label, message, path)}"
        for path, typed in given:
            if path == dotted or path.endswith("." + dotted):
                return f"{typed}: {_said(label, message, path) if message else rest}"
        return problem
    origin, _, rest = problem.partition(": ")
    for path, typed in given:
        if origin == path:
            return f"{typed}: {rest}"
    label, _, message = rest.partition(": ")
    table = _entry_path(label)
    for path, typed in given:
        if (
            message
            and origin.endswith(".toml")
            and path.startswith(table + ".")
            and not _of_the_files(problem, args)
        ):
            return f"{typed}: {_said(label, message, path)}"
    return problem


def _of_the_files(problem: str, args: argparse.Namespace) -> bool:
    """Whether the command's scenario files, read without overrides, have ``problem``.

    True too when they cannot be read at all: the problem is not then put down
    to a flag.
    """
    from sim.scenario import ScenarioError, load_scenario

    paths = getattr(args, "scenarios", None) or [getattr(args, "scenario", None)]
    for path in paths:
        try:
            if path is not None:
                load_scenario(path)
        except ScenarioError as err:
            if problem in err.problems:
                return True
        except (InputError, OSError, RecursionError, UnicodeError):
            return True
    return False


def _nothing(args: argparse.Namespace) -> None:
    """No default: the command writes only where ``--out`` says."""


class Output(NamedTuple):
    """What a command writes, so the shell can check and lock it before it runs.

    The shell sets ``args.out`` to ``--out`` or, when it is not given, to
    ``default(args)``; the command writes there. Before the command computes
    anything the shell checks that path can be written, and then holds an
    output folder's lock (:func:`sim.outputs.locked`) for the whole command, so
    a second writer of the folder is refused at once, whichever way the folder
    was chosen.

    Attributes:
        default: The path written when ``--out`` is not given (None: nothing
            is written without ``--out``).
        file: The output is one file (a figure, a page), written atomically;
            it is checked but not locked.
        locks_itself: The library function the command calls takes the folder's
            lock itself (:func:`sim.batch.run`, :func:`sim.results.write_run`,
            :func:`sim.tune.tune`); the lock is not re-entrant, so the shell
            must not hold it too.
    """

    default: Callable[[argparse.Namespace], Path | None] = _nothing
    file: bool = False
    locks_itself: bool = False


class Command(NamedTuple):
    """One ``wargame`` command.

    Attributes:
        help: One line for ``wargame --help`` and the command's own help, as
            printed (a ``%`` is a percent sign, not a format).
        options: Adds the command's arguments to its parser; called only for the
            command being run, so it may import the constants its choices need.
        run: Runs the command on the parsed arguments; returns the exit status.
        output: What the command writes through ``--out`` (None: no ``--out``).
    """

    help: str
    options: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]
    output: Output | None = None


SCENARIO_HELP = "scenario file (TOML) or a bundled scenario's name (wargame list)"
"""Help of every SCENARIO argument: a bundled scenario's name works wherever a file
does (:func:`sim.scenario.scenario_path`)."""
SCENARIOS_HELP = "scenario files (TOML) or bundled scenarios' names (wargame list)"
"""Help of an argument of several scenarios."""


class UsageError(InputError):
    """A command-line argument that cannot be used as given."""


def set_option(parser: argparse.ArgumentParser) -> None:
    """``--set PATH=VALUE``, shared by every command that runs a scenario many times."""
    parser.add_argument(
        "--set", action="append", default=[], metavar="PATH=VALUE",
        help="set a scenario field for every run (value in TOML); repeatable",
    )  # fmt: skip


def param_option(parser: argparse.ArgumentParser) -> None:
    """``--param PATH=LO:HI``, the parameters an experiment varies."""
    parser.add_argument(
        "--param", action="append", required=True, metavar="PATH=LO:HI",
        help="a parameter and its range; repeatable",
    )  # fmt: skip


def lo_hi_ranges(texts: list[str], command: str, flag: str = "--param") -> list:
    """Parse ``PATH=LO:HI`` ranges, refusing the ``:N`` only a grid takes.

    Said of the range as typed: ``calibrate`` would otherwise drop N without a
    word; ``tune``, ``sensitivity`` and ``sweep --design lhs/sobol`` refuse it
    in the library too.
    """
    from sim.design import parse_range

    ranges = []
    for text in texts:
        found = parse_range(text, field=flag.removeprefix("--"))
        if found.n is not None:
            raise UsageError(
                f"{flag} {text}: the :N suffix sets the values of a grid (sweep); "
                f"{command} takes LO:HI only"
            )
        ranges.append(found)
    return ranges


def experiment_options(
    parser: argparse.ArgumentParser,
    replications: int,
    *,
    only: str = "",
    steps: str = "scenario's",
) -> None:
    """Options shared by calibrate, sensitivity and tune (executor options too).

    Args:
        parser: The command's parser.
        replications: The number of replications when ``--replications`` is
            not given.
        only: The one case that runs replications (``crises``), if not every
            one: the help of ``--replications`` and ``--steps`` names it, and
            ``--replications`` is None when not given, so another case can
            refuse it.
        steps: The number of steps when ``--steps`` is not given, in words.
    """
    case = f"{only}: " if only else ""
    parser.add_argument(
        "--replications", type=int, default=None if only else replications,
        help=f"{case}replications per evaluation ({replications})",
    )  # fmt: skip
    parser.add_argument(
        "--steps", type=int, help=f"{case}steps to run (default: {steps})"
    )
    parser.add_argument("--seed", type=int, help="random seed (default: scenario's)")
    set_option(parser)
    parser.add_argument("--out", type=Path, help="output folder")
    executor_options(parser)


def experiment_arguments(
    args: argparse.Namespace, varied: Sequence[str] = (), flag: str = "--param"
) -> dict[str, Any]:
    """What :func:`experiment_options` parsed, as a library experiment's keywords.

    ``replications``, ``steps``, ``seed``, ``settings``, ``executor`` and
    ``chunk_size``, read in that order: of several bad options, the first is said.

    Args:
        args: The parsed options.
        varied: Field paths the command varies, refused in ``--set``
            (:func:`settings`).
        flag: The option that varies them, named in the refusal.
    """
    return {
        "replications": args.replications,
        "steps": args.steps,
        "seed": seed(args),
        "settings": settings(args, varied, flag),
        "executor": executor(args),
        "chunk_size": args.chunk_size,
    }


def seed(args: argparse.Namespace) -> int:
    """``--seed``, or the scenario's seed when it is not given (every command)."""
    from sim.scenario import load_scenario

    return load_scenario(args.scenario).info.seed if args.seed is None else args.seed


def settings(
    args: argparse.Namespace, varied: Sequence[str] = (), flag: str = "--param"
) -> dict:
    """The ``--set`` options as field path to value.

    Args:
        args: The parsed options.
        varied: Field paths the command varies; setting one too is refused, as
            ``compare`` refuses it, rather than one silently winning.
        flag: The option that varies them, named in the refusal.
    """
    from sim.design import parse_setting

    fixed = dict(parse_setting(text) for text in args.set)
    both = [path for path in varied if path in fixed]
    if both:
        raise UsageError(
            f"--set {both[0]}: {flag} varies it too; set it or vary it, not both"
        )
    for option in ("steps", "seed"):
        path, given = f"scenario.{option}", getattr(args, option, None)
        if path in fixed and given is not None and fixed[path] != given:
            raise UsageError(
                f"--set {path}={fixed[path]}: --{option} {given} says otherwise; "
                "give one"
            )
    return fixed


NOT_DEFINING = (
    "command", "out", "seed", "steps", "replications",
    "processes", "workers", "scheduler", "chunk_size",
)  # fmt: skip
"""Options not in an analysis's ``definition``: its kind and folder, those its
manifest records on their own, and where it runs (which changes no number)."""


def analysis_definition(args: argparse.Namespace) -> dict[str, Any]:
    """An analysis's options, all but :data:`NOT_DEFINING`: its ``definition``."""
    return {
        key: _plain(value)
        for key, value in sorted(vars(args).items())
        if key not in NOT_DEFINING
    }


def claim_out(
    args: argparse.Namespace, scenarios: Sequence[Path], files: Sequence[str]
) -> dict[str, Any]:
    """The manifest an analysis writes to ``args.out``, once the folder may take it.

    Called by ``compare``, ``sensitivity``, ``calibrate`` and ``backtest`` before
    they compute anything, while the shell holds the folder's lock; write the
    files inside :func:`sim.manifest.rewriting` with what it returns.

    Args:
        args: The parsed options; the command is the manifest's kind, and every
            option but :data:`NOT_DEFINING` its ``definition`` (a command
            without ``--steps`` or ``--replications``, as ``backtest``, records
            None).
        scenarios: The scenario files the command runs, the first named as the
            scenario (and its seed the default ``--seed``).
        files: The files it writes into the folder.

    Raises:
        sim.manifest.ResultsError: The folder holds another command's output,
            or this command with other options (:func:`sim.manifest.check_folder`).
    """
    from sim import manifest
    from sim.scenario import load_scenario

    loaded = [load_scenario(path) for path in scenarios]
    described = manifest.describe_analysis(
        args.command,
        loaded,
        seed=loaded[0].info.seed if args.seed is None else args.seed,
        steps=getattr(args, "steps", None),
        replications=getattr(args, "replications", None),
        definition=analysis_definition(args),
        files=list(files),
    )
    manifest.check_folder(args.out, described)
    return described


def _plain(value: Any) -> Any:
    """An option's value as JSON reads it back: paths as text, lists as lists."""
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return str(value) if isinstance(value, Path) else value


ALL_CORES = object()
"""``--processes`` without K: as many processes as cores (not a number a user
can type, so ``--processes 0`` is refused like any K below 1)."""


def executor_options(parser: argparse.ArgumentParser) -> None:
    """Where chunks of replications run: this process, local processes or Dask."""
    parser.add_argument("--chunk-size", type=int, help="replications per chunk")
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--processes",
        type=int,
        nargs="?",
        const=ALL_CORES,
        metavar="K",
        help="run chunks in K local processes (all cores if K is omitted)",
    )
    where.add_argument(
        "--workers", type=int, metavar="K", help="start a local Dask cluster of K"
    )
    where.add_argument(
        "--scheduler", metavar="tcp://HOST:PORT", help="use a running Dask cluster"
    )


def executor(args: argparse.Namespace):
    """The executor the options ask for (None: in this process)."""
    from sim.executors import Dask, Processes

    for option in ("processes", "workers"):
        value = getattr(args, option)
        if value is not None and value is not ALL_CORES and value < 1:
            raise UsageError(f"--{option} {value}: must be at least 1")
    if args.scheduler:
        return Dask(scheduler=args.scheduler)
    if args.workers is not None:
        return Dask(workers=args.workers)
    if args.processes is ALL_CORES:
        return Processes()
    if args.processes is not None:
        return Processes(args.processes)
    return None
