"""The ``wargame`` command line: run, validate and list scenarios.

Every command reports bad input as one clear message per problem on standard
error and exits with status 2, without a traceback and without writing anything.
"""

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from sim import __version__
from sim.model import RegionModel
from sim.outputs import write_frame, write_json
from sim.scenario import ScenarioError, bundled_dir, load_scenario

EXIT_BAD_INPUT = 2


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``wargame`` command; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        return args.func(args)
    except ScenarioError as err:
        for problem in err.problems:
            print(f"error: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except UsageError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT


class UsageError(Exception):
    """A command-line argument that cannot be used as given."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wargame",
        description="Asia-Pacific alliance wargame: a Mesa agent-based simulation.",
    )
    parser.add_argument("--version", action="version", version=__version__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run one replication of a scenario")
    run.add_argument("scenario", type=Path, help="scenario file (TOML)")
    run.add_argument("--steps", type=int, help="steps to run (default: scenario's)")
    run.add_argument("--seed", type=int, help="random seed (default: scenario's)")
    run.add_argument(
        "--replication", type=int, default=0, help="replication index (default 0)"
    )
    run.add_argument("--out", type=Path, help="output folder (default results/NAME)")
    run.add_argument(
        "--format", choices=("csv", "parquet"), help="table format (default: scenario)"
    )
    run.set_defaults(func=cmd_run)

    validate = commands.add_parser("validate", help="check scenario files")
    validate.add_argument("files", type=Path, nargs="+", help="scenario files")
    validate.set_defaults(func=cmd_validate)

    listing = commands.add_parser("list", help="list bundled scenarios")
    listing.add_argument(
        "--dir", type=Path, default=bundled_dir(), help="folder of scenarios"
    )
    listing.set_defaults(func=cmd_list)
    return parser


def cmd_run(args: argparse.Namespace) -> int:
    """Run one replication, print the outcomes, write trajectories and a manifest."""
    for name in ("steps", "seed", "replication"):
        value = getattr(args, name)
        if value is not None and value < 0:
            raise UsageError(f"--{name} {value}: must be >= 0")
    scenario = load_scenario(args.scenario)
    model = RegionModel(
        scenario, rng=args.seed, replication=args.replication, steps=args.steps
    )
    model.run_for(model.horizon)
    out = args.out or Path("results") / scenario.info.name
    suffix = "." + (args.format or scenario.outputs.format)
    frames = {"model": model.model_frame()}
    if scenario.outputs.agent_level:
        frames["states"] = model.state_frame()
    outcomes = model.outcomes()
    for name, frame in frames.items():
        write_frame(frame, out / f"{name}{suffix}")
    write_frame(pd.DataFrame([outcomes]), out / f"outcomes{suffix}")
    write_json(
        {
            "scenario": str(scenario.path),
            "scenario_name": scenario.info.name,
            "scenario_hash": scenario.content_hash,
            "seed": model.seed,
            "replication": model.replication,
            "steps": model.world.step,
            "version": __version__,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "files": sorted(f"{name}{suffix}" for name in [*frames, "outcomes"]),
        },
        out / "manifest.json",
    )
    print(f"{scenario.info.name}: seed {model.seed}, replication {model.replication}")
    print(f"{model.world.step} steps of {scenario.info.dt_years} years")
    print(_outcome_table(outcomes))
    print(f"wrote {out}/")
    return 0


def _outcome_table(outcomes: dict[str, float]) -> str:
    width = max(len(k) for k in outcomes)
    return "\n".join(f"  {k:<{width}}  {v:12.4f}" for k, v in outcomes.items())


def cmd_validate(args: argparse.Namespace) -> int:
    """Check each file; print OK or every problem; fail if any file is bad."""
    failed = False
    for path in args.files:
        try:
            scenario = load_scenario(path)
        except ScenarioError as err:
            failed = True
            for problem in err.problems:
                print(f"error: {problem}", file=sys.stderr)
        else:
            print(f"ok: {path} ({scenario.info.name})")
    return EXIT_BAD_INPUT if failed else 0


def cmd_list(args: argparse.Namespace) -> int:
    """Print each bundled scenario with its description."""
    paths = sorted(args.dir.glob("*.toml"))
    if not paths:
        raise UsageError(f"no scenario files (*.toml) in {args.dir}")
    for path in paths:
        try:
            description = load_scenario(path).info.description
        except ScenarioError as err:
            description = f"(invalid: {err.problems[0]})"
        print(f"{path.name:<28} {description}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
