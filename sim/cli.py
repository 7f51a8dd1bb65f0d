"""The ``wargame`` command line: run, batch, sweep, validate and list scenarios.

Every command reports bad input as one clear message per problem on standard
error and exits with status 2, without a traceback and without writing anything.
"""

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from sim import (
    __version__,
    batch,
    calibrate,
    discovery,
    plots,
    report,
    sensitivity,
    tune,
)
from sim.classroom import commands as classroom
from sim.classroom.log import GameLogError
from sim.classroom.session import GameError
from sim.design import (
    DEFAULT_SAMPLES,
    Design,
    DesignError,
    parse_range,
    parse_setting,
)
from sim.executors import Dask, Executor, Processes
from sim.experiments import ExperimentError, parse_condition
from sim.model import RegionModel
from sim.outputs import read_frame, write_frame, write_json
from sim.plots.arms import ObservedError
from sim.results import ResultsError, open_results
from sim.scenario import ScenarioError, bundled_dir, load_scenario

EXIT_BAD_INPUT = 2
IMAGE_SUFFIXES = (".png", ".svg", ".pdf")
EXIT_INTERRUPTED = 130


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``wargame`` command; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        return args.func(args)
    except ScenarioError as err:
        for problem in err.problems:
            print(f"error: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (
        UsageError,
        batch.BatchError,
        DesignError,
        ExperimentError,
        ResultsError,
        ObservedError,
        GameError,
        GameLogError,
    ) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except batch.BatchInterrupted as err:
        print(f"interrupted: {err}", file=sys.stderr)
        return EXIT_INTERRUPTED


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

    many = commands.add_parser("batch", help="run many replications of a scenario")
    _batch_options(many, replications=None)
    many.set_defaults(func=cmd_batch)

    sweep = commands.add_parser("sweep", help="run replications over parameter ranges")
    _batch_options(sweep, replications=10)
    sweep.add_argument(
        "--param",
        action="append",
        required=True,
        metavar="PATH=LO:HI[:N]",
        help="vary a field from LO to HI (N grid values, default 5); repeatable",
    )
    sweep.add_argument("--design", choices=("grid", "lhs", "sobol"), default="grid")
    sweep.add_argument(
        "--samples",
        type=int,
        default=DEFAULT_SAMPLES,
        help=f"points of an lhs/sobol design (default {DEFAULT_SAMPLES})",
    )
    sweep.set_defaults(func=cmd_sweep)

    validate = commands.add_parser("validate", help="check scenario files")
    validate.add_argument("files", type=Path, nargs="+", help="scenario files")
    validate.set_defaults(func=cmd_validate)

    _tuning_commands(commands)
    classroom.add_commands(commands)

    listing = commands.add_parser("list", help="list bundled scenarios")
    listing.add_argument(
        "--dir", type=Path, default=bundled_dir(), help="folder of scenarios"
    )
    listing.set_defaults(func=cmd_list)
    return parser


def _batch_options(parser: argparse.ArgumentParser, replications: int | None) -> None:
    """Options shared by ``batch`` and ``sweep``."""
    parser.add_argument("scenario", type=Path, help="scenario file (TOML)")
    parser.add_argument(
        "--replications",
        type=int,
        required=replications is None,
        default=replications,
        help="replications (per point of a sweep)",
    )
    parser.add_argument("--steps", type=int, help="steps to run (default: scenario's)")
    parser.add_argument("--seed", type=int, help="random seed (default: scenario's)")
    parser.add_argument("--out", type=Path, help="output folder (default results/...)")
    _set_option(parser)
    parser.add_argument(
        "--states", action="store_true", help="also record per-state series"
    )
    parser.add_argument("--chunk-size", type=int, help="replications per chunk")
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--processes",
        type=int,
        nargs="?",
        const=0,
        metavar="K",
        help="run chunks in K local processes (all cores if K is omitted)",
    )
    where.add_argument(
        "--workers", type=int, metavar="K", help="start a local Dask cluster of K"
    )
    where.add_argument(
        "--scheduler", metavar="tcp://HOST:PORT", help="use a running Dask cluster"
    )


def cmd_batch(args: argparse.Namespace) -> int:
    """Run replications of one scenario as chunked ensembles into a folder."""
    return _run_batch(args, Design(), "batch")


def cmd_sweep(args: argparse.Namespace) -> int:
    """Run replications at every point of a design over parameter ranges."""
    ranges = tuple(parse_range(text) for text in args.param)
    seed = load_scenario(args.scenario).info.seed if args.seed is None else args.seed
    design = Design(args.design, ranges, samples=args.samples, seed=seed)
    return _run_batch(args, design, f"sweep-{args.design}")


def _run_batch(args: argparse.Namespace, design: Design, label: str) -> int:
    """Plan, check and run a batch, then say where it went."""
    settings = dict(parse_setting(text) for text in args.set)
    plan = batch.plan(
        args.scenario,
        replications=args.replications,
        steps=args.steps,
        seed=args.seed,
        settings=settings,
        design=design,
        chunk_size=args.chunk_size,
        state_series=args.states,
    )
    out = args.out or Path("results") / f"{plan.scenario.info.name}-{label}"
    summary = batch.run(plan, out, executor=_executor(args))
    print(
        f"{plan.scenario.info.name}: {len(plan.points)} point(s) x "
        f"{plan.replications} replications, {plan.steps} steps, seed {plan.seed}"
    )
    print(
        f"wrote {summary.written} chunks, skipped {summary.skipped} already "
        f"finished, to {out}/ (read with sim.batch.load)"
    )
    return 0


def _executor(args: argparse.Namespace) -> Executor | None:
    """The executor the options ask for (None: in this process)."""
    for option in ("processes", "workers"):
        value = getattr(args, option)
        if value is not None and value < (0 if option == "processes" else 1):
            raise UsageError(f"--{option} {value}: must be at least 1")
    if args.scheduler:
        return Dask(scheduler=args.scheduler)
    if args.workers is not None:
        return Dask(workers=args.workers)
    if args.processes is not None:
        return Processes(args.processes or None)
    return None


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
    frames["theaters"] = model.theater_frame()
    frames["crises"] = model.crisis_frame()
    frames["decisions"] = model.decision_frame()
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


def _tuning_commands(commands: argparse._SubParsersAction) -> None:
    """Add calibrate, sensitivity, discover, tune and plot (``sim.calibrate`` etc.)."""
    fit = commands.add_parser(
        "calibrate", help="fit parameters to observed spending or crisis rates"
    )
    fit.add_argument("scenario", type=Path, help="scenario file (TOML)")
    fit.add_argument(
        "--target", choices=("spending", "crises"), default="spending",
        help="what to match: yearly spending (default) or crisis rates",
    )  # fmt: skip
    fit.add_argument(
        "--data", type=Path, required=True,
        help="spending: CSV of country, iso3, year, value; crises: a mids.csv",
    )  # fmt: skip
    fit.add_argument(
        "--states", help="comma-separated ISO3 codes, e.g. IND,PAK (crises: all)"
    )
    fit.add_argument(
        "--fit", action="extend", nargs="+", required=True, metavar="PATH[=LO:HI]",
        help="parameters to fit (bounds default to the declared range)",
    )  # fmt: skip
    fit.add_argument("--window", required=True, help="years fitted, FIRST:LAST")
    fit.add_argument("--holdout", help="spending: years forecast, FIRST:LAST")
    fit.add_argument(
        "--scale", choices=calibrate.SCALES, default="logs",
        help="spending: least squares on logs (default) or levels",
    )  # fmt: skip
    fit.add_argument(
        "--bootstrap", type=int, default=50, help="spending: bootstrap refits (50)"
    )
    fit.add_argument("--value-column", help="spending: the data's value column")
    fit.add_argument(
        "--dispute-rung", type=int, default=calibrate.DISPUTE_RUNG,
        help="crises: lowest peak rung counted as a militarised dispute",
    )  # fmt: skip
    fit.add_argument(
        "--force-rung", type=int, default=calibrate.FORCE_RUNG,
        help="crises: lowest peak rung counted as use of force",
    )  # fmt: skip
    _experiment_options(fit, replications=100)
    fit.set_defaults(func=cmd_calibrate)

    sens = commands.add_parser(
        "sensitivity", help="Sobol' or Morris sensitivity of an output (SALib)"
    )
    sens.add_argument("scenario", type=Path, help="scenario file (TOML)")
    _param_option(sens)
    sens.add_argument("--method", choices=sensitivity.METHODS, default="sobol")
    sens.add_argument("--output", required=True, help="outcome, e.g. peak_rung")
    sens.add_argument(
        "--samples", type=int, default=64,
        help="base samples (power of two for sobol) or Morris trajectories",
    )  # fmt: skip
    _experiment_options(sens, replications=10)
    sens.set_defaults(func=cmd_sensitivity)

    disc = commands.add_parser(
        "discover", help="PRIM boxes where an outcome is most likely (a sweep)"
    )
    disc.add_argument("results", type=Path, help="a sweep's output folder")
    disc.add_argument("--outcome", required=True, help="e.g. 'peak_rung >= 4'")
    disc.add_argument("--boxes", type=int, default=3, help="most boxes (3)")
    disc.add_argument(
        "--mass-min", type=float, default=discovery.MASS_MIN,
        help="smallest share of runs in a box (0.05)",
    )  # fmt: skip
    disc.add_argument("--out", type=Path, help="folder for boxes.csv, limits.csv")
    disc.set_defaults(func=cmd_discover)

    search = commands.add_parser(
        "tune", help="search parameters minimising an output (optuna; resumable)"
    )
    search.add_argument("scenario", type=Path, help="scenario file (TOML)")
    search.add_argument("--minimise", required=True, help="outcome to minimise")
    _param_option(search)
    search.add_argument(
        "--constraint", action="append", default=[], metavar="'NAME OP NUMBER'",
        help="e.g. 'arms_burden <= 0.03'; repeatable",
    )  # fmt: skip
    search.add_argument("--trials", type=int, default=30, help="trials in all (30)")
    _experiment_options(search, replications=10)
    search.set_defaults(func=cmd_tune)

    draw = commands.add_parser("plot", help="draw a figure from written results")
    draw.add_argument("results", type=Path, help="folder written by a command")
    draw.add_argument("--kind", choices=plots.PLOT_KINDS, required=True)
    draw.add_argument(
        "--out", type=Path, help="image file, .png/.svg/.pdf (default RESULTS/KIND.png)"
    )
    draw.add_argument("--point", type=int, default=0, help="sweep point shown (0)")
    draw.add_argument("--step", type=int, help="network: the step (default: last)")
    draw.add_argument(
        "--rung", type=int, help="survival: this rung only, one curve per sweep point"
    )
    draw.add_argument(
        "--outcome", default="war_onset", help="sweep: the outcome (war_onset)"
    )
    draw.add_argument("--param", help="sweep: the x axis (default: first varied)")
    draw.add_argument(
        "--theater", help="escalation, survival: one theater's crises (default: all)"
    )
    draw.add_argument(
        "--observed", type=Path, help="arms: CSV of iso3, year, value to overlay"
    )
    draw.set_defaults(func=cmd_plot)

    page = commands.add_parser("report", help="one HTML page of a results folder")
    page.add_argument("results", type=Path, help="folder of wargame run or batch")
    page.add_argument(
        "--out", type=Path, help="HTML file (default RESULTS/report.html)"
    )
    page.set_defaults(func=cmd_report)


def _param_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--param", action="append", required=True, metavar="PATH=LO:HI",
        help="a parameter and its range; repeatable",
    )  # fmt: skip


def _experiment_options(parser: argparse.ArgumentParser, replications: int) -> None:
    """Options shared by calibrate, sensitivity and tune."""
    parser.add_argument(
        "--replications", type=int, default=replications,
        help=f"replications per evaluation ({replications})",
    )  # fmt: skip
    parser.add_argument("--steps", type=int, help="steps to run (default: scenario's)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    _set_option(parser)
    parser.add_argument("--out", type=Path, help="output folder")


def _set_option(parser: argparse.ArgumentParser) -> None:
    """``--set PATH=VALUE``, shared by every command that runs a scenario many times."""
    parser.add_argument(
        "--set", action="append", default=[], metavar="PATH=VALUE",
        help="set a scenario field for every run (value in TOML); repeatable",
    )  # fmt: skip


def _states(text: str | None) -> list[str]:
    return [s.strip() for s in (text or "").split(",") if s.strip()]


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Fit parameters to observed spending or crisis rates, print and write."""
    settings = dict(parse_setting(text) for text in args.set)
    params = [calibrate.parse_fit(text) for text in args.fit]
    window = calibrate.parse_window(args.window)
    out = args.out or Path("results") / f"{args.scenario.stem}-calibrate"
    if args.target == "crises":
        return _calibrate_crises(args, settings, params, window, out)
    if args.steps is not None:
        raise UsageError("--steps: spending runs over the window; it is for crises")
    states = _states(args.states)
    if not states:
        raise UsageError("--states: name the states to fit, e.g. --states IND,PAK")
    holdout = (
        calibrate.parse_window(args.holdout, "--holdout") if args.holdout else None
    )
    last = holdout.last if holdout else window.last
    observed = calibrate.read_series(
        args.data, states, np.arange(window.first, last + 1),
        value_column=args.value_column,
    )  # fmt: skip
    result = calibrate.fit_spending(
        args.scenario, observed, params, window, holdout=holdout,
        scale=args.scale, bootstrap=args.bootstrap, seed=args.seed,
        settings=settings,
    )  # fmt: skip
    for name in ("params", "errors", "series"):
        write_frame(getattr(result, name), out / f"{name}.csv")
    print(f"{args.scenario.stem}: {', '.join(states)}, window {window}")
    print(result.summary())
    print(f"wrote {out}/ (params.csv, errors.csv, series.csv)")
    return 0


def _calibrate_crises(args, settings, params, window, out: Path) -> int:
    """``calibrate --target crises``: match observed dispute and force rates."""
    if args.steps is not None:
        settings = {**settings, "scenario.steps": args.steps}
    states = _states(args.states) or list(
        load_scenario(args.scenario, overrides=settings).state_ids
    )
    observed = calibrate.read_mids(args.data, states, window)
    result = calibrate.fit_crisis_rates(
        args.scenario, observed, params, states=states,
        replications=args.replications, seed=args.seed, settings=settings,
        dispute_rung=args.dispute_rung, force_rung=args.force_rung,
    )  # fmt: skip
    write_frame(result.params, out / "params.csv")
    write_frame(result.rates.reset_index(names="rate"), out / "rates.csv")
    print(
        f"{args.scenario.stem}: {observed.disputes} disputes, {observed.force} "
        f"with use of force, in {window} ({result.evaluations} ensembles of "
        f"{args.replications})"
    )
    print(result.summary())
    print(f"wrote {out}/ (params.csv, rates.csv)")
    return 0


def cmd_sensitivity(args: argparse.Namespace) -> int:
    """Sensitivity indices of an output; write the table, samples and a chart."""
    result = sensitivity.analyse(
        args.scenario,
        [parse_range(text) for text in args.param],
        args.output,
        method=args.method,
        samples=args.samples,
        replications=args.replications,
        steps=args.steps,
        seed=args.seed,
        settings=dict(parse_setting(text) for text in args.set),
    )
    out = args.out or Path("results") / f"{args.scenario.stem}-sensitivity"
    write_frame(result.indices.assign(output=result.output), out / "sensitivity.csv")
    write_frame(result.samples, out / "samples.csv")
    plots.save(
        plots.sensitivity_bars(result.indices, result.output), out / "sensitivity.png"
    )
    print(result.summary())
    print(f"wrote {out}/ (sensitivity.csv, samples.csv, sensitivity.png)")
    return 0


def cmd_discover(args: argparse.Namespace) -> int:
    """PRIM boxes of a sweep where an outcome holds most often."""
    found = discovery.discover(
        args.results, args.outcome, max_boxes=args.boxes, mass_min=args.mass_min
    )
    print(found.summary())
    if args.out:
        write_frame(found.boxes, args.out / "boxes.csv")
        write_frame(found.limits, args.out / "limits.csv")
        print(f"wrote {args.out}/ (boxes.csv, limits.csv)")
    return 0


def cmd_tune(args: argparse.Namespace) -> int:
    """Search parameters minimising an output, resumably; print the best."""
    out = args.out or Path("results") / f"{args.scenario.stem}-tune"
    result = tune.tune(
        args.scenario,
        [parse_range(text) for text in args.param],
        args.minimise,
        out,
        constraints=[parse_condition(t, "--constraint") for t in args.constraint],
        trials=args.trials,
        replications=args.replications,
        steps=args.steps,
        seed=args.seed,
        settings=dict(parse_setting(text) for text in args.set),
    )
    write_frame(result.trials, out / "trials.csv")
    print(result.summary())
    print(f"wrote {out}/ ({tune.STORAGE}, trials.csv); rerun to resume")
    return 0


def cmd_plot(args: argparse.Namespace) -> int:
    """Draw a figure from a results folder, in the format of ``--out``'s suffix."""
    if args.out is not None and args.out.suffix not in IMAGE_SUFFIXES:
        raise UsageError(
            f"--out {args.out}: unknown image format; end it with one of "
            f"{', '.join(IMAGE_SUFFIXES)}"
        )
    if args.kind == "sensitivity":
        return _plot_sensitivity(args)
    results = open_results(args.results)
    observed = plots.read_observed(args.observed) if args.observed else None
    fig = plots.draw(
        results, args.kind, point=args.point, step=args.step, outcome=args.outcome,
        param=args.param, rung=args.rung, observed=observed, theater=args.theater,
    )  # fmt: skip
    out = args.out or args.results / f"{args.kind}.png"
    plots.save(fig, out)
    print(f"wrote {out}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Write one self-contained HTML page: summary, outcomes and figures."""
    results = open_results(args.results)
    out = args.out or args.results / "report.html"
    skipped = report.write_report(results, out)
    for kind, reason in skipped.items():
        print(f"note: no {kind} figure: {reason}", file=sys.stderr)
    print(f"wrote {out}")
    return 0


def _plot_sensitivity(args: argparse.Namespace) -> int:
    """``plot --kind sensitivity``: the bar chart of ``wargame sensitivity``."""
    table = args.results / "sensitivity.csv"
    if not table.exists():
        raise UsageError(
            f"{args.results}: no sensitivity.csv; run wargame sensitivity first"
        )
    indices = read_frame(table)
    out = args.out or args.results / "sensitivity.png"
    plots.save(plots.sensitivity_bars(indices, indices["output"].iloc[0]), out)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
