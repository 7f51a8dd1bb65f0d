"""``wargame calibrate``, ``sensitivity``, ``discover``, ``tune``, ``compare``."""

import argparse
from pathlib import Path

from sim.cli.common import (
    SCENARIO_HELP,
    SCENARIOS_HELP,
    Command,
    Output,
    UsageError,
    analysis_definition,
    claim_out,
    executor,
    experiment_arguments,
    experiment_options,
    lo_hi_ranges,
    param_option,
    seed,
    set_option,
    settings,
)
from sim.errors import check_once


def _calibrate_options(parser: argparse.ArgumentParser) -> None:
    from sim import calibrate

    parser.add_argument("scenario", type=Path, help=SCENARIO_HELP)
    parser.add_argument(
        "--target", choices=("spending", "crises"), default="spending",
        help="what to match: yearly spending (default) or crisis rates",
    )  # fmt: skip
    parser.add_argument(
        "--data", type=Path, required=True,
        help="spending: CSV of country, iso3, year, value; crises: a mids.csv",
    )  # fmt: skip
    parser.add_argument(
        "--states", help="comma-separated ISO3 codes, e.g. IND,PAK (crises: all)"
    )
    parser.add_argument(
        "--fit", action="extend", nargs="+", required=True, metavar="PATH[=LO:HI]",
        help="parameters to fit (bounds default to the declared range)",
    )  # fmt: skip
    parser.add_argument("--window", required=True, help="years fitted, FIRST:LAST")
    parser.add_argument("--holdout", help="spending: years forecast, FIRST:LAST")
    parser.add_argument(
        "--scale", choices=calibrate.SCALES,
        help="spending: least squares on logs (default) or levels",
    )  # fmt: skip
    parser.add_argument("--bootstrap", type=int, help="spending: bootstrap refits (50)")
    parser.add_argument("--value-column", help="spending: the data's value column")
    parser.add_argument(
        "--gdp", type=Path,
        help="spending: CSV of observed GDP (iso3, year, value) that drives the "
        "economy, e.g. scenarios/data/gdp.csv (default: the scenario's economy)",
    )  # fmt: skip
    parser.add_argument(
        "--dispute-rung", type=int, default=calibrate.DISPUTE_RUNG,
        help="crises: lowest peak rung counted as a militarised dispute",
    )  # fmt: skip
    parser.add_argument(
        "--force-rung", type=int, default=calibrate.FORCE_RUNG,
        help="crises: lowest peak rung counted as use of force",
    )  # fmt: skip
    parser.add_argument(
        "--war-rung", type=int, default=calibrate.WAR_RUNG,
        help="crises: lowest peak rung counted as war",
    )  # fmt: skip
    parser.add_argument(
        "--outcomes", type=Path,
        help="crises: a mid_outcomes.csv (dispnum, outcome, recip, maxdur) for the "
        "data's disputes, e.g. scenarios/data/mid_outcomes.csv: how the fitted "
        "model's disputes run beside the record's",
    )  # fmt: skip
    experiment_options(
        parser,
        replications=calibrate.CRISIS_REPLICATIONS,
        only="crises",
        steps="the window's years",
    )


def _scenario_out(args: argparse.Namespace) -> Path:
    """``results/STEM-COMMAND``, STEM the scenario file's name without suffix."""
    return Path("results") / f"{args.scenario.stem}-{args.command}"


def _states(text: str | None) -> list[str]:
    """The ISO3 codes of ``--states A,B``, in order (none if not given).

    Raises:
        UsageError: A code is empty (``A,,B``) or given twice: nothing typed
            is silently dropped, and no state is fitted twice.
    """
    if text is None:
        return []
    states = [s.strip() for s in text.split(",")]
    twice = [s for s in dict.fromkeys(states) if states.count(s) > 1]
    if not all(states) or twice:
        wrong = f"has {twice[0]} twice" if all(states) else "has an empty code"
        raise UsageError(
            f"--states {text!r}: {wrong}; give ISO3 codes once each, separated "
            "by ',', e.g. --states IND,PAK"
        )
    return states


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Fit parameters to observed spending or crisis rates, print and write."""
    import numpy as np

    from sim import calibrate
    from sim.design import check_bounds
    from sim.manifest import rewriting
    from sim.outputs import write_frame

    ranges = lo_hi_ranges([t for t in args.fit if "=" in t], "calibrate", "--fit")
    params = [calibrate.parse_fit(text) for text in args.fit]
    check_once([p.path for p in params], "fit", UsageError)
    fixed = settings(args, [p.path for p in params], flag="--fit")
    check_bounds(args.scenario, ranges, fixed)
    window = calibrate.parse_window(args.window)
    out = args.out
    spending = ("holdout", "scale", "bootstrap", "value_column", "gdp")
    given = [name for name in spending if getattr(args, name) is not None]
    if args.target == "crises" and given:
        raise UsageError(
            f"--{given[0].replace('_', '-')}: for the spending target; a crisis "
            "fit reads the record of disputes"
        )
    if args.target == "crises":
        return _calibrate_crises(args, fixed, params, window, out)
    args.scale = args.scale or "logs"
    args.bootstrap = 50 if args.bootstrap is None else args.bootstrap
    if args.outcomes is not None:
        raise UsageError("--outcomes: for --target crises")
    if args.steps is not None:
        raise UsageError("--steps: spending runs over the window; it is for crises")
    if args.replications is not None:
        raise UsageError(
            "--replications: a spending fit runs one replication per evaluation; "
            "it is for crises"
        )
    if executor(args) is not None or args.chunk_size is not None:
        raise UsageError(
            "--processes/--workers/--scheduler/--chunk-size: for --target crises; "
            "a spending fit runs one replication per evaluation"
        )
    states = _states(args.states)
    if not states:
        raise UsageError("--states: name the states to fit, e.g. --states IND,PAK")
    holdout = calibrate.parse_window(args.holdout, "holdout") if args.holdout else None
    last = holdout.last if holdout else window.last
    years = np.arange(window.first, last + 1)
    asked = "--window and --holdout" if holdout else "--window"
    observed = calibrate.read_series(
        args.data, states, years, value_column=args.value_column, asked=asked
    )
    drivers = calibrate.Drivers(
        gdp=calibrate.read_panel(args.gdp, years) if args.gdp else None,
        milex=calibrate.read_panel(args.data, years, value_column=args.value_column),
    )
    files = ("params", "errors", "series")
    claimed = claim_out(args, [args.scenario], [f"{name}.csv" for name in files])
    result = calibrate.fit_spending(
        args.scenario, observed, params, window, holdout=holdout, drivers=drivers,
        scale=args.scale, bootstrap=args.bootstrap, seed=seed(args),
        settings=fixed,
    )  # fmt: skip
    with rewriting(out, claimed):
        for name in files:
            write_frame(getattr(result, name), out / f"{name}.csv")
    print(f"{args.scenario.stem}: {', '.join(states)}, window {window}")
    gdp = f"observed ({args.gdp.name})" if args.gdp else "the scenario's economy"
    print(f"others' spending observed ({args.data.name}); GDP {gdp}")
    print(result.summary())
    print(f"wrote {out}/ (params.csv, errors.csv, series.csv)")
    return 0


def _calibrate_crises(args, fixed, params, window, out: Path) -> int:
    """``calibrate --target crises``: match observed dispute and force rates."""
    from sim import calibrate, dispute_course
    from sim.manifest import rewriting
    from sim.outputs import write_frame
    from sim.scenario import load_scenario

    if args.replications is None:
        args.replications = calibrate.CRISIS_REPLICATIONS
    scenario = load_scenario(args.scenario, overrides=fixed)
    states = _states(args.states) or list(scenario.state_ids)
    observed = calibrate.read_mids(args.data, states, window)
    record = (
        dispute_course.read_course(args.data, args.outcomes, states, window)
        if args.outcomes
        else None
    )
    files = ["params", "rates", "dyads", "states", "back_downs", "trend"]
    files += ["course"] if args.outcomes else []
    claimed = claim_out(args, [args.scenario], [f"{name}.csv" for name in files])
    result = calibrate.fit_crisis_rates(
        args.scenario, observed, params, states=states,
        dispute_rung=args.dispute_rung, force_rung=args.force_rung,
        war_rung=args.war_rung,
        **experiment_arguments(args, [p.path for p in params], flag="--fit"),
    )  # fmt: skip
    tables = {
        "params": result.params,
        "rates": result.rates.reset_index(names="rate"),
        "dyads": result.dyads.reset_index(),
        "states": result.states.reset_index(),
        "back_downs": result.back_downs.rename_axis("state").reset_index(),
        "trend": result.trend,
    }
    if record is not None:
        course = dispute_course.compare(
            record,
            dispute_course.model_course(
                result.crises, scenario.info.dt_years, args.dispute_rung,
                args.force_rung,
            ),
        )  # fmt: skip
        tables["course"] = course.reset_index(names="measure")
    with rewriting(out, claimed):
        for name, table in tables.items():
            write_frame(table, out / f"{name}.csv")
    print(
        f"{args.scenario.stem}: {observed.disputes} disputes, {observed.force} "
        f"with use of force, {observed.war} at war, {observed.joined} pairs drawn "
        f"into one, in {window} ({result.evaluations} ensembles of "
        f"{args.replications})"
    )
    print(result.summary())
    if record is not None:
        print(dispute_course.markdown(course))
    print(f"wrote {out}/ ({', '.join(f'{name}.csv' for name in tables)})")
    return 0


def _backtest_options(parser: argparse.ArgumentParser) -> None:
    from sim.scenario import bundled_dir

    data = bundled_dir() / "data"
    parser.add_argument("scenario", type=Path, help=SCENARIO_HELP)
    parser.add_argument(
        "--data", type=Path, default=data / "milex.csv",
        help="CSV of observed spending, iso3, year, value (SIPRI constant US$)",
    )  # fmt: skip
    parser.add_argument(
        "--gdp", type=Path, default=data / "gdp.csv",
        help="CSV of observed GDP on the same money basis",
    )  # fmt: skip
    parser.add_argument(
        "--split", action="append", metavar="FIRST:LAST:END",
        help="fit FIRST-LAST, forecast to END; repeatable "
        "(default 1990:2012:2024 and 1990:2007:2024)",
    )  # fmt: skip
    parser.add_argument(
        "--groups", help="groups fitted together, e.g. 'IND,PAK;CHN,JPN,USA' "
        "(default: every dispute and rivalry with data)",
    )  # fmt: skip
    parser.add_argument(
        "--bootstrap", type=int, default=0,
        help="bootstrap refits per fit, for 95%% intervals of k and a (0: none)",
    )  # fmt: skip
    parser.add_argument(
        "--seed", type=int, help="bootstrap seed (default: the scenario's)"
    )
    parser.add_argument(
        "--living-from", type=int, default=2015, metavar="YEAR",
        help="start the scenario from this year's data, run to the data's end (2015)",
    )  # fmt: skip
    parser.add_argument("--out", type=Path, help="output folder")


def cmd_backtest(args: argparse.Namespace) -> int:
    """Fit and forecast every rival group at every split; a living baseline."""
    import numpy as np
    import pandas as pd

    from sim import backtest, calibrate
    from sim.manifest import rewriting
    from sim.outputs import write_frame
    from sim.scenario import YEAR_RANGE

    splits = tuple(backtest.parse_split(t) for t in args.split or ()) or (
        backtest.SPLITS
    )
    groups = None
    if args.groups is not None:
        groups = backtest.parse_groups(args.groups)
    first = min(s.window.first for s in splits)
    end = max(s.holdout.last for s in splits)
    spans = {path: _year_span(path) for path in (args.data, args.gdp)}
    for path, (_, last) in spans.items():
        beyond = [s for s in splits if s.holdout.last > last]
        if beyond:
            split = beyond[0]
            raise UsageError(
                f"--split {split.window.first}:{split.window.last}:"
                f"{split.holdout.last}: forecasts to {split.holdout.last}, but "
                f"{path.name} ends in {last}"
            )
    # every year of the data, to check --living-from before any fitting
    firsts = [span[0] for span in spans.values()]
    span = np.arange(max(min(first, *firsts), -YEAR_RANGE), end + 1)
    milex, gdp = (
        calibrate.read_panel(args.data, span),
        calibrate.read_panel(args.gdp, span),
    )
    backtest.check_living_start(
        args.scenario, milex, gdp, start=args.living_from, end=end, field="living_from"
    )
    years = np.arange(min(first, args.living_from), end + 1)
    milex, gdp = milex.reindex(years), gdp.reindex(years)
    files = ("backtest.csv", "living_baseline.csv")
    claimed = claim_out(args, [args.scenario], files)
    table = backtest.backtest(
        args.scenario, milex, gdp, splits=splits, groups=groups,
        bootstrap=args.bootstrap, seed=seed(args),
    )  # fmt: skip
    living = backtest.living_baseline(
        args.scenario, milex, gdp, start=args.living_from, end=end
    )
    out = args.out
    with rewriting(out, claimed):
        write_frame(table, out / "backtest.csv")
        write_frame(living, out / "living_baseline.csv")
    with pd.option_context("display.width", 160, "display.precision", 1):
        print(f"{args.scenario.stem}: holdout MAPE % by group and split")
        print(table.to_string(index=False))
        beaten = int(table["beats"].sum())
        print(f"the model beats both naive baselines in {beaten} of {len(table)}")
        print(f"\nliving baseline: from {args.living_from} data to {end}, MAPE %")
        print(living.to_string(index=False))
    print(f"wrote {out}/ ({', '.join(files)})")
    return 0


def _year_span(path: Path) -> tuple[int, int]:
    """The first and last year of a ``country, iso3, year, value`` file.

    Raises:
        UsageError: The file has no rows.
    """
    from sim.observed import read_observed

    years = read_observed(path)["year"]
    if not len(years):
        raise UsageError(f"{path.name}: no rows of data")
    return int(years.min()), int(years.max())


def _sensitivity_options(parser: argparse.ArgumentParser) -> None:
    from sim import sensitivity

    parser.add_argument("scenario", type=Path, help=SCENARIO_HELP)
    param_option(parser)
    parser.add_argument(
        "--method", choices=sensitivity.METHODS, default="sobol",
        help="sobol (variance-based indices, default) or morris (elementary effects)",
    )  # fmt: skip
    parser.add_argument("--outcome", required=True, help="outcome, e.g. peak_rung")
    parser.add_argument(
        "--samples", type=int, default=64,
        help="base samples (power of two for sobol) or Morris trajectories",
    )  # fmt: skip
    experiment_options(parser, replications=10)


def cmd_sensitivity(args: argparse.Namespace) -> int:
    """Sensitivity indices of an output; write the table, samples and a chart."""
    from sim import plots, sensitivity
    from sim.design import parse_range
    from sim.manifest import rewriting
    from sim.outputs import write_frame

    ranges = [parse_range(text) for text in args.param]
    files = ["sensitivity.csv", "samples.csv", "sensitivity.png"]
    claimed = claim_out(args, [args.scenario], files)
    result = sensitivity.analyse(
        args.scenario,
        ranges,
        args.outcome,
        method=args.method,
        samples=args.samples,
        **experiment_arguments(args, [r.path for r in ranges]),
    )
    out = args.out
    with rewriting(out, claimed):
        indices = result.indices.assign(output=result.output)
        write_frame(indices, out / "sensitivity.csv")
        write_frame(result.samples, out / "samples.csv")
        title = plots.sensitivity_title(claimed)
        chart = plots.sensitivity_bars(result.indices, result.output, title)
        plots.save(chart, out / "sensitivity.png")
    print(result.summary())
    print(f"wrote {out}/ ({', '.join(files)})")
    return 0


def _discover_options(parser: argparse.ArgumentParser) -> None:
    from sim import discovery

    parser.add_argument("results", type=Path, help="a sweep's output folder")
    parser.add_argument(
        "--condition", required=True, metavar="'NAME OP NUMBER'",
        help="the runs of interest, e.g. 'peak_rung >= 4'",
    )  # fmt: skip
    parser.add_argument("--boxes", type=int, default=3, help="most boxes (3)")
    parser.add_argument(
        "--mass-min", type=float, default=discovery.MASS_MIN,
        help="smallest share of runs in a box (0.05)",
    )  # fmt: skip
    parser.add_argument("--out", type=Path, help="folder for boxes.csv, limits.csv")


def cmd_discover(args: argparse.Namespace) -> int:
    """PRIM boxes of a sweep where an outcome holds most often."""
    from sim import batch, discovery, manifest
    from sim.outputs import write_frame

    files = ["boxes.csv", "limits.csv"]
    if args.out:
        claimed = manifest.describe_reading(
            args.command,
            batch.read_manifest(args.results),
            definition=analysis_definition(args),
            files=files,
        )
        manifest.check_folder(args.out, claimed)
    found = discovery.discover(
        args.results, args.condition, max_boxes=args.boxes, mass_min=args.mass_min
    )
    print(found.summary())
    if args.out:
        with manifest.rewriting(args.out, claimed):
            write_frame(found.boxes, args.out / "boxes.csv")
            write_frame(found.limits, args.out / "limits.csv")
        print(f"wrote {args.out}/ ({', '.join(files)})")
    return 0


def _tune_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario", type=Path, help=SCENARIO_HELP)
    parser.add_argument("--outcome", required=True, help="outcome to minimise")
    param_option(parser)
    parser.add_argument(
        "--constraint", action="append", default=[], metavar="'NAME OP NUMBER'",
        help="e.g. 'arms_burden <= 0.03'; repeatable",
    )  # fmt: skip
    parser.add_argument("--trials", type=int, default=30, help="trials in all (30)")
    experiment_options(parser, replications=10)


def cmd_tune(args: argparse.Namespace) -> int:
    """Search parameters minimising an output, resumably; print the best."""
    from sim import tune
    from sim.experiments import parse_condition

    out = args.out
    ranges = lo_hi_ranges(args.param, "tune")
    result = tune.tune(
        args.scenario,
        ranges,
        args.outcome,
        out,
        constraints=[parse_condition(t, "constraints") for t in args.constraint],
        trials=args.trials,
        **experiment_arguments(args, [r.path for r in ranges]),
    )
    print(result.summary())
    print(f"wrote {out}/ ({tune.STORAGE}, {tune.TRIALS}); rerun to resume")
    return 0


def _compare_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "scenarios", type=Path, nargs="+",
        help=f"{SCENARIOS_HELP}, the reference first (one with --vary)",
    )  # fmt: skip
    parser.add_argument(
        "--vary", metavar="PATH=V1,V2,...",
        help="one arm per value of this field (TOML values), the first the reference",
    )  # fmt: skip
    parser.add_argument(
        "--outcome", action="append", metavar="NAME",
        help="an outcome to compare (repeatable; default war_onset, peak_rung, "
        "crises, stability_index)",
    )  # fmt: skip
    parser.add_argument(
        "--relative", action="store_true", help="relative change, not difference"
    )
    parser.add_argument(
        "--replications", type=int, default=200, help="replications per arm (200)"
    )
    parser.add_argument("--steps", type=int, help="steps to run (default: scenario's)")
    parser.add_argument(
        "--seed", type=int, help="seed of every arm (default: the first scenario's)"
    )
    set_option(parser)
    parser.add_argument(
        "--out", type=Path, help="output folder (default results/compare)"
    )


def _arms(args: argparse.Namespace) -> list:
    """The arms the options name: one per scenario, or per value of --vary.

    An arm is named by its file's stem (or ``PATH=VALUE``); when two would share
    a name (one scenario given twice, an A/A check; two files of one name in
    different folders; a value given twice), every arm is named by its position
    too: ``1:baseline_2024``, ``2:baseline_2024``.
    """
    from dataclasses import replace

    from sim.compare import field_arms
    from sim.design import parse_setting
    from sim.paired import Arm

    if args.vary is None:
        arms = [Arm(path, label=path.stem) for path in args.scenarios]
    elif len(args.scenarios) != 1:
        raise UsageError("--vary: give one scenario, whose field the arms vary")
    else:
        path, _, text = args.vary.partition("=")
        if not path.strip() or not text.strip():
            raise UsageError(f"--vary {args.vary!r}: expected PATH=V1,V2,...")
        values = [parse_setting(f"{path}={value}")[1] for value in text.split(",")]
        arms = field_arms(args.scenarios[0], path.strip(), values)
    if len({arm.name for arm in arms}) < len(arms):
        arms = [replace(arm, label=f"{i}:{arm.name}") for i, arm in enumerate(arms, 1)]
    return arms


def cmd_compare(args: argparse.Namespace) -> int:
    """Run arms on the same seeds; write each arm's paired effect and a figure."""
    from sim import plots
    from sim.compare import FILES, OUTCOMES, compare, write_comparison
    from sim.manifest import rewriting
    from sim.plots.compare import comparison_effects

    arms = _arms(args)
    claimed = claim_out(args, args.scenarios, [*FILES, "compare.png"])
    result = compare(
        arms,
        replications=args.replications,
        outcomes=args.outcome or OUTCOMES,
        steps=args.steps,
        seed=args.seed,
        scale="relative" if args.relative else "difference",
        settings=settings(args),
    )
    out = args.out
    with rewriting(out, claimed):
        files = write_comparison(result, out)
        plots.save(comparison_effects(result), out / "compare.png")
    print(result.caption())
    print(result.markdown(), end="")
    print(f"wrote {', '.join(str(f) for f in [*files, out / 'compare.png'])}")
    return 0


COMMANDS = {
    "calibrate": Command(
        "fit parameters to observed spending or crisis rates",
        _calibrate_options,
        cmd_calibrate,
        Output(_scenario_out),
    ),
    "backtest": Command(
        "forecast every rival group's spending out of sample; a past start",
        _backtest_options,
        cmd_backtest,
        Output(_scenario_out),
    ),
    "sensitivity": Command(
        "Sobol' or Morris sensitivity of an output (SALib)",
        _sensitivity_options,
        cmd_sensitivity,
        Output(_scenario_out),
    ),
    "discover": Command(
        "PRIM boxes where an outcome is most likely (a sweep)",
        _discover_options,
        cmd_discover,
        Output(),
    ),
    "tune": Command(
        "search parameters minimising an output (optuna; resumable)",
        _tune_options,
        cmd_tune,
        Output(_scenario_out, locks_itself=True),
    ),
    "compare": Command(
        "scenarios or a field's values on the same seeds: paired effects",
        _compare_options,
        cmd_compare,
        Output(lambda args: Path("results") / "compare"),
    ),
}
