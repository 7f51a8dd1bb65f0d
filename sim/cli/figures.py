"""``wargame plot``, ``summary`` and ``report``: figures, tables, pages of results."""

import argparse
import sys
from pathlib import Path

from sim.cli.common import Command, Output, UsageError

IMAGE_SUFFIXES = (".png", ".svg", ".pdf")
OWN_SUFFIXES = (".json", ".csv", ".parquet")
"""Suffixes of a results folder's own files: its manifest and its tables."""
STATE_SERIES_KINDS = ("arms",)
"""Figures drawn from per-state series, which a batch records with --state-series."""


def _plot_options(parser: argparse.ArgumentParser) -> None:
    from sim import plots

    parser.add_argument("results", type=Path, help="folder written by a command")
    parser.add_argument(
        "--kind", choices=plots.PLOT_KINDS, required=True, help="the figure to draw"
    )
    parser.add_argument(
        "--out", type=Path, help="image file, .png/.svg/.pdf (default RESULTS/KIND.png)"
    )
    parser.add_argument(
        "--point", type=int, help="the sweep point shown (needed on a sweep)"
    )
    parser.add_argument("--step", type=int, help="network: the step (default: last)")
    parser.add_argument(
        "--rung", type=int, help="survival: this rung only, one curve per sweep point"
    )
    parser.add_argument(
        "--outcome", default="war_onset", help="sweep, places: the outcome (war_onset)"
    )
    parser.add_argument("--param", help="sweep: the x axis (default: first varied)")
    parser.add_argument(
        "--by", help="sweep: one line per value of this varied field (or heatmap rows)"
    )
    parser.add_argument(
        "--style", choices=("lines", "heatmap"), help="sweep: lines or heatmap"
    )
    parser.add_argument(
        "--theater", help="escalation, survival: one theater's crises (default: all)"
    )
    parser.add_argument(
        "--observed", type=Path, help="arms: CSV of iso3, year, value to overlay"
    )


def check_apart(results: Path, out: Path) -> None:
    """Refuse an ``--out`` that would write over or into the results it reads.

    A page over the folder's ``manifest.json`` or one of its tables, or a
    figure or table among its chunks (a stray there makes the batch count as
    damaged), would spoil the folder the command was asked only to read.

    Raises:
        UsageError: ``out`` is the folder's manifest, a table of it, or inside
            its ``chunks`` folder.
    """
    from sim.batch import CHUNKS

    folder, target = results.resolve(), out.resolve()
    chunks = folder / CHUNKS
    own = target.parent == folder and target.suffix in OWN_SUFFIXES and target.exists()
    if own or target == chunks or chunks in target.parents:
        raise UsageError(
            f"--out {out}: inside the results it reads ({results}), where it would "
            "replace or stray among their files; write it elsewhere"
        )


def cmd_plot(args: argparse.Namespace) -> int:
    """Draw a figure from a results folder, in the format of ``--out``'s suffix."""
    from sim import plots
    from sim.results import open_results
    from sim.summary import check_outcomes

    if args.out is not None and args.out.suffix not in IMAGE_SUFFIXES:
        raise UsageError(
            f"--out {args.out}: unknown image format; end it with one of "
            f"{', '.join(IMAGE_SUFFIXES)}"
        )
    check_apart(args.results, args.out)
    if args.kind == "sensitivity":
        return _plot_sensitivity(args)
    results = open_results(args.results)
    lacking = _lacking_state_series(results, args.kind)
    if lacking:
        raise UsageError(lacking)
    if args.kind == "sweep" and results.varied:
        check_outcomes(results, [args.outcome])  # not the chunk file lacking it
    observed = plots.read_observed(args.observed) if args.observed else None
    unit = plots.observed_unit(args.observed) if args.observed else None
    fig = plots.draw(
        results, args.kind, point=args.point, step=args.step, outcome=args.outcome,
        param=args.param, by=args.by, style=args.style, rung=args.rung,
        observed=observed, observed_unit=unit, theater=args.theater,
    )  # fmt: skip
    plots.save(fig, args.out)
    print(f"wrote {args.out}")
    return 0


def _lacking_state_series(results, kind: str) -> str | None:
    """Why a batch or sweep cannot draw ``kind``, and the command that can.

    None if it can (:meth:`sim.results.ResultsFolder.state_series_advice`).
    """
    from sim.manifest import BATCH

    if (
        kind not in STATE_SERIES_KINDS
        or results.kind != BATCH
        or results.manifest.get("state_series")
    ):
        return None
    return results.state_series_advice(f"the {kind} figure")


def _plot_sensitivity(args: argparse.Namespace) -> int:
    """``plot --kind sensitivity``: the bar chart of ``wargame sensitivity``."""
    from sim import plots
    from sim.manifest import read as read_manifest
    from sim.outputs import read_frame

    table = args.results / "sensitivity.csv"
    if not table.exists():
        raise UsageError(
            f"{args.results}: no sensitivity.csv; run wargame sensitivity first"
        )
    indices = read_frame(table)
    title = plots.sensitivity_title(read_manifest(args.results))
    chart = plots.sensitivity_bars(indices, indices["output"].iloc[0], title)
    plots.save(chart, args.out)
    print(f"wrote {args.out}")
    return 0


def _summary_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("results", type=Path, help="folder of wargame run/batch/sweep")
    parser.add_argument(
        "--by",
        action="append",
        metavar="PATH",
        help="group by this swept field, pooling the others (repeatable)",
    )
    parser.add_argument(
        "--outcome", action="append", metavar="NAME", help="only this outcome"
    )
    parser.add_argument(
        "--out", type=Path, help="folder for summary.csv/.md/.tex (RESULTS/summary)"
    )


def cmd_summary(args: argparse.Namespace) -> int:
    """Write each outcome's mean and 95% interval as CSV, Markdown and LaTeX."""
    from sim.results import open_results
    from sim.summary import caption, markdown_table, summarise_results, write_summary

    check_apart(args.results, args.out)
    results = open_results(args.results)
    table, groups = summarise_results(results, by=args.by, names=args.outcome)
    files = write_summary(table, groups, args.out, caption=caption(results))
    print(caption(results))
    print(markdown_table(table, groups), end="")
    print(f"wrote {', '.join(str(f) for f in files)}")
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

    check_apart(args.results, args.out)
    results = open_results(args.results)
    skipped = report.write_report(results, args.out)
    for kind, reason in skipped.items():
        reason = _lacking_state_series(results, kind) or reason
        print(f"note: no {kind} figure: {reason}", file=sys.stderr)
    print(f"wrote {args.out}")
    return 0


COMMANDS = {
    "plot": Command(
        "draw a figure from written results",
        _plot_options,
        cmd_plot,
        Output(lambda args: args.results / f"{args.kind}.png", file=True),
    ),
    "summary": Command(
        "each outcome's mean with a 95% interval, per point",
        _summary_options,
        cmd_summary,
        Output(lambda args: args.results / "summary"),
    ),
    "report": Command(
        "one HTML page of a results folder",
        _report_options,
        cmd_report,
        Output(lambda args: args.results / "report.html", file=True),
    ),
}
