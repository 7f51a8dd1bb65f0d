"""One self-contained HTML page of a results folder, for sharing (``wargame report``).

The page holds the scenario summary from the manifest, the outcome table (the
run's outcomes, or each point's mean over its replications) and every figure the
folder can give, embedded as base64 PNG so the file travels alone. A figure the
folder cannot give (e.g. arms trajectories without per-state series) is left
out with the reason on the page.
"""

from pathlib import Path

import pandas as pd

from sim import page, plots
from sim.results import RUN, ResultsError, ResultsFolder
from sim.summary import caption, layout, summarise_results

FIGURES = {
    "escalation": "Escalation: share of replications at or above each rung, and "
    "the highest rung's median with 50% and 90% bands.",
    "survival": "Time until the region first reaches each rung (Kaplan-Meier, "
    "95% bands); censored at the end of the run.",
    "arms": "Military spending by state: median with 50% and 90% bands.",
    "network": "Alliance ties at the last step on a map of the region: great-circle "
    "arcs styled by alliance kind, as wide as their credibility; capital area by "
    "capability; discs: crises per replication in each theater.",
    "a2ad": "A2/AD coverage of the states investing in it, over the theaters.",
    "places": "Probability of war per dyad and per theater, with Wilson 95% intervals.",
    "sweep": "Probability of war across the sweep, with Wilson 95% intervals.",
}


def summary(results: ResultsFolder) -> dict[str, str]:
    """What was run, as label to text, from the manifest."""
    m = results.manifest
    rows = {
        "scenario": results.scenario_name,
        "scenario file": m["scenario_path"],
        "scenario hash": str(m["scenario_hash"])[:16],
        "kind": "single run" if results.kind == RUN else "batch",
        "seed": m["seed"],
        "steps": m["steps"],
        "written by": f"wargame {m.get('version', '?')} on {m.get('created', '?')}",
    }
    if results.kind == RUN:
        rows["replication"] = m["replication"]
    else:
        rows["replications per point"] = m["replications"]
        rows["points"] = len(m["points"])
        if results.varied:
            rows["varied"] = ", ".join(results.varied)
        if m.get("settings"):
            rows["settings"] = ", ".join(f"{k}={v}" for k, v in m["settings"].items())
    return {k: str(v) for k, v in rows.items()}


def outcome_table(results: ResultsFolder) -> pd.DataFrame:
    """The run's outcomes, or each point's means with 95% intervals.

    A batch's table has one column per point and one row per outcome, each cell
    ``mean [lower, upper]`` (:mod:`sim.summary`), a row ``n`` of replications
    and, for a sweep, a row per swept field with the point's value, so that a
    reader can tell the points apart.
    """
    if results.kind == RUN:
        outcomes = results.table("outcomes")
        return outcomes.drop(columns=["point", "replication"]).T.set_axis(
            ["value"], axis=1
        )
    table, groups = summarise_results(results)
    return layout(table, groups).set_index("point").T


def figure_caption(results: ResultsFolder, kind: str) -> str:
    """The caption of a figure; of a sweep's one-point figure, which point it is.

    The page draws such figures of the first point only, which the caption
    must say beside the sweep's table of every point.
    """
    points = len(results.points)
    if kind == "sweep" or points < 2:
        return FIGURES[kind]
    return (
        f"{FIGURES[kind]} Point 0 of the sweep's {points} (its values in the "
        "title); `wargame plot --point K` draws another."
    )


def render(results: ResultsFolder) -> tuple[str, dict[str, str]]:
    """The page's HTML, and the figures left out with the reason for each."""
    kinds = [k for k in FIGURES if k != "sweep" or results.varied]
    figures, skipped = [], {}
    for kind in kinds:
        try:
            fig = plots.draw(results, kind, point=None if kind == "sweep" else 0)
        except ResultsError as err:
            skipped[kind] = str(err)
            continue
        figures.append(page.figure(fig, figure_caption(results, kind), alt=kind))
    notes = [] if results.kind == RUN else [page.paragraph(caption(results), note=True)]
    parts = [
        page.heading("Scenario"),
        page.key_values(summary(results)),
        page.heading("Outcomes"),
        *notes,
        page.table(outcome_table(results)),
        page.heading("Figures"),
        *figures,
        *(page.paragraph(f"No {k} figure: {v}", note=True) for k, v in skipped.items()),
    ]
    return page.render(f"wargame report: {results.scenario_name}", parts), skipped


def write_report(results: ResultsFolder, out: Path) -> dict[str, str]:
    """Write the page to ``out`` atomically; return the figures left out."""
    text, skipped = render(results)
    page.write(out, text)
    return skipped
