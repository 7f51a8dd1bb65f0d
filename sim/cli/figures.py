"""``wargame plot`` and ``report``: figures and pages from a results folder."""

import argparse
import sys
from pathlib import Path

from sim.cli.common import Command, UsageError

IMAGE_SUFFIXES = (".png", ".svg", ".pdf")


def _plot_options(parser: argparse.ArgumentParser) -> None:
    from sim import plots

    parser.add_argument("results", type=Path, help="folder written by a command")
    parser.add_argument(
        "--kind", choices=plots.PLOT_KINDS, required=True, help="the figure to draw"
    )
    parser.add_argument(
        "--out", type=Path, help="image file, .png/.svg/.pdf (default RESULTS/KIND.png)"
    )
    parser.add_argument("--point", type=int, default=0, help="sweep point shown (0)")
    parser.add_argument("--step", type=int, help="network: the step (default: last)")
    parser.add_argument(
        "--rung", type=int, help="survival: this rung only, one curve per sweep point"
    )
    parser.add_argument(
        "--outcome", default="war_onset", help="sweep: the outcome (war_onset)"
    )
    parser.add_argument("--param", help="sweep: the x axis (default: first varied)")
    parser.add_argument(
        "--theater", help="escalation, survival: one theater's crises (default: all)"
    )
    parser.add_argument(
        "--observed", type=Path, help="arms: CSV of iso3, year, value to overlay"
    )


def cmd_plot(args: argparse.Namespace) -> int:
    """Draw a figure from a results folder, in the format of ``--out``'s suffix."""
    from sim import plots
    from sim.results import open_results

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


def _plot_sensitivity(args: argparse.Namespace) -> int:
    """``plot --kind sensitivity``: the bar chart of ``wargame sensitivity``."""
    from sim import plots
    from sim.outputs import read_frame

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


def _report_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("results", type=Path, help="folder of wargame run or batch")
    parser.add_argument(
        "--out", type=Path, help="HTML file (default RESULTS/report.html)"
    )


def cmd_report(args: argparse.Namespace) -> int:
    """Write one self-contained HTML page: summary, outcomes and figures."""
    from sim import report
    from sim.results import open_results

    results = open_results(args.results)
    out = args.out or args.results / "report.html"
    skipped = report.write_report(results, out)
    for kind, reason in skipped.items():
        print(f"note: no {kind} figure: {reason}", file=sys.stderr)
    print(f"wrote {out}")
    return 0


COMMANDS = {
    "plot": Command("draw a figure from written results", _plot_options, cmd_plot),
    "report": Command("one HTML page of a results folder", _report_options, cmd_report),
}
