"""``wargame run``, ``validate`` and ``list``: one scenario, one replication."""

import argparse
import sys
from pathlib import Path

from sim.cli.common import (
    EXIT_BAD_INPUT,
    SCENARIO_HELP,
    SCENARIOS_HELP,
    Command,
    Output,
    UsageError,
)


def _run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario", type=Path, help=SCENARIO_HELP)
    parser.add_argument("--steps", type=int, help="steps to run (default: scenario's)")
    parser.add_argument("--seed", type=int, help="random seed (default: scenario's)")
    parser.add_argument(
        "--replication", type=int, default=0, help="replication index (default 0)"
    )
    parser.add_argument("--out", type=Path, help="output folder (default results/NAME)")
    parser.add_argument(
        "--format", choices=("csv", "parquet"), help="table format (default: scenario)"
    )


def cmd_run(args: argparse.Namespace) -> int:
    """Run one replication, print the outcomes, write trajectories and a manifest."""
    from sim import limits
    from sim.model import RegionModel
    from sim.results import write_run
    from sim.scenario import load_scenario

    for name, low in (("steps", 1), ("seed", 0), ("replication", 0)):
        value = getattr(args, name)
        if value is not None and value < low:
            raise UsageError(f"--{name} {value}: must be >= {low}")
    if args.steps is not None:
        limits.STEPS.check(args.steps, "steps")
    for name, high in (("seed", 2**63 - 1), ("replication", 2**62)):
        if getattr(args, name) is not None and getattr(args, name) > high:
            raise UsageError(f"--{name} {getattr(args, name)}: must be <= {high}")
    scenario = load_scenario(args.scenario)
    model = RegionModel(
        scenario, rng=args.seed, replication=args.replication, steps=args.steps
    )
    _check_folder(args.out, model, args.format or scenario.outputs.format)
    model.run_for(model.horizon)
    outcomes = write_run(model, args.out, table_format=args.format)
    print(f"{scenario.info.name}: seed {model.seed}, replication {model.replication}")
    print(f"{model.world.step} steps of {scenario.info.dt_years} years")
    print(_outcome_table(outcomes))
    print(f"wrote {args.out}/")
    return 0


def _check_folder(out: Path, model, table_format: str) -> None:
    """Refuse, before running, a folder holding anything but this same run.

    A batch or sweep there would lose its manifest, a different run its
    results; the same run writes the same files again (docs/cli.md).
    """
    from sim import manifest

    described = manifest.describe(
        manifest.RUN, model.spec, seed=model.seed, steps=model.horizon
    )
    files = sorted(
        f"{name}.{table_format}"
        for name in manifest.RUN_TABLES
        if name != "states" or model.agent_level
    )
    manifest.check_folder(
        out, {**described, "replication": model.replication, "files": files}
    )


def _run_out(args: argparse.Namespace) -> Path:
    """``results/NAME``, NAME the scenario's name."""
    from sim.scenario import load_scenario

    return Path("results") / load_scenario(args.scenario).info.name


def _outcome_table(outcomes: dict[str, float]) -> str:
    width = max(len(k) for k in outcomes)
    return "\n".join(f"  {k:<{width}}  {v:12.4f}" for k, v in outcomes.items())


def _validate_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", type=Path, nargs="+", help=SCENARIOS_HELP)


def cmd_validate(args: argparse.Namespace) -> int:
    """Check each file as ``run`` would; print OK or every problem; fail if any is bad.

    Every check ``run`` makes before it starts is made here: the file's own
    fields, and the checks of the resolved setup (budgets within their caps,
    shares of one budget that add up).
    """
    from sim.engine import build_setup
    from sim.scenario import ScenarioError, load_scenario

    failed = False
    for path in args.files:
        try:
            scenario = load_scenario(path)
            build_setup(scenario)
        except ScenarioError as err:
            failed = True
            for problem in err.problems:
                print(f"error: {problem}", file=sys.stderr)
        else:
            print(f"ok: {path} ({scenario.info.name})")
    return EXIT_BAD_INPUT if failed else 0


def _list_options(parser: argparse.ArgumentParser) -> None:
    from sim.scenario import bundled_dir

    parser.add_argument(
        "--dir", type=Path, default=bundled_dir(), help="folder of scenarios"
    )


def cmd_list(args: argparse.Namespace) -> int:
    """Print each bundled scenario with its description."""
    from sim.scenario import ScenarioError, load_scenario

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


COMMANDS = {
    "run": Command(
        "run one replication of a scenario; its tables include every crisis "
        "decision (decisions.csv)",
        _run_options,
        cmd_run,
        Output(_run_out, locks_itself=True),
    ),
    "validate": Command("check scenario files", _validate_options, cmd_validate),
    "list": Command("list bundled scenarios", _list_options, cmd_list),
}
