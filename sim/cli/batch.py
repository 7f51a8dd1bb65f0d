"""``wargame batch`` and ``sweep``: many replications, chunked, on any executor."""

import argparse
from pathlib import Path

from sim.cli.common import (
    SCENARIO_HELP,
    Command,
    Output,
    UsageError,
    executor,
    executor_options,
    set_option,
    settings,
)


def _batch_options(parser: argparse.ArgumentParser, replications: int | None) -> None:
    """Options shared by ``batch`` and ``sweep``."""
    parser.add_argument("scenario", type=Path, help=SCENARIO_HELP)
    parser.add_argument(
        "--replications",
        type=int,
        required=replications is None,
        default=replications,
        help="replications (required)"
        if replications is None  # a batch; a sweep's default is shown, as elsewhere
        else f"replications per point ({replications})",
    )
    parser.add_argument("--steps", type=int, help="steps to run (default: scenario's)")
    parser.add_argument("--seed", type=int, help="random seed (default: scenario's)")
    parser.add_argument("--out", type=Path, help="output folder (default results/...)")
    set_option(parser)
    parser.add_argument(
        "--state-series", action="store_true", help="also record per-state series"
    )
    executor_options(parser)


def _one_point_options(parser: argparse.ArgumentParser) -> None:
    _batch_options(parser, replications=None)


def _sweep_options(parser: argparse.ArgumentParser) -> None:
    from sim.design import DEFAULT_SAMPLES

    _batch_options(parser, replications=10)
    parser.add_argument(
        "--param",
        action="append",
        required=True,
        metavar="PATH=LO:HI[:N]",
        help="vary a field from LO to HI (N grid values, default 5); repeatable",
    )
    parser.add_argument(
        "--design", choices=("grid", "lhs", "sobol"), default="grid",
        help="grid (every combination), lhs (Latin hypercube) or sobol (default grid)",
    )  # fmt: skip
    parser.add_argument(
        "--samples",
        type=int,
        help=f"points of an lhs/sobol design (default {DEFAULT_SAMPLES})",
    )


def cmd_batch(args: argparse.Namespace) -> int:
    """Run replications of one scenario as chunked ensembles into a folder."""
    from sim.design import Design

    return _run_batch(args, Design())


def cmd_sweep(args: argparse.Namespace) -> int:
    """Run replications at every point of a design over parameter ranges."""
    from sim.design import DEFAULT_SAMPLES, Design, parse_range
    from sim.scenario import load_scenario

    if args.samples is not None and args.design == "grid":
        raise UsageError(
            f"--samples {args.samples}: applies to --design lhs or sobol only; a "
            "grid has N values per --param PATH=LO:HI:N"
        )
    ranges = tuple(parse_range(text) for text in args.param)
    seed = load_scenario(args.scenario).info.seed if args.seed is None else args.seed
    samples = DEFAULT_SAMPLES if args.samples is None else args.samples
    design = Design(args.design, ranges, samples=samples, seed=seed)
    return _run_batch(args, design)


def _batch_out(args: argparse.Namespace) -> Path:
    """``results/NAME-batch`` or ``results/NAME-sweep-DESIGN``, NAME the scenario's."""
    from sim.scenario import load_scenario

    name = load_scenario(args.scenario, overrides=settings(args)).info.name
    label = f"sweep-{args.design}" if args.command == "sweep" else "batch"
    return Path("results") / f"{name}-{label}"


def _run_batch(args: argparse.Namespace, design) -> int:
    """Plan, check and run a batch, then say where it went."""
    from sim import batch
    from sim.results import open_results
    from sim.summary import short_summary

    plan = batch.plan(
        args.scenario,
        replications=args.replications,
        steps=args.steps,
        seed=args.seed,
        settings=settings(args, design.paths),
        design=design,
        chunk_size=args.chunk_size,
        state_series=args.state_series,
    )
    out = args.out
    summary = batch.run(plan, out, executor=executor(args))
    print(
        f"{plan.scenario.info.name}: {len(plan.points)} point(s) x "
        f"{plan.replications} replications, {plan.steps} steps, seed {plan.seed}"
    )
    redone = (
        f", set aside {summary.discarded} damaged or stray" if summary.discarded else ""
    )
    print(
        f"wrote {summary.written} chunks, skipped {summary.skipped} already "
        f"finished{redone}, to {out}/ (read with sim.results.open_results)"
    )
    results = open_results(out)
    groups = ["point", *results.varied]
    print(short_summary(results.table("outcomes"), by=groups))
    return 0


COMMANDS = {
    "batch": Command(
        "run many replications of a scenario",
        _one_point_options,
        cmd_batch,
        Output(_batch_out, locks_itself=True),
    ),
    "sweep": Command(
        "run replications over parameter ranges",
        _sweep_options,
        cmd_sweep,
        Output(_batch_out, locks_itself=True),
    ),
}
