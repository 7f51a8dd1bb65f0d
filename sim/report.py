"""One self-contained HTML page of a results folder, for sharing (``wargame report``).

The page holds the scenario summary from the manifest, the outcome table (the
run's outcomes, or each point's mean over its replications) and every figure the
folder can give, embedded as base64 PNG so the file travels alone. A figure the
folder cannot give (e.g. arms trajectories without per-state series) is left
out with the reason on the page.
"""

import base64
import html
import io
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from sim import __version__, plots
from sim.outputs import atomic_write
from sim.results import RUN, ResultsError, ResultsFolder

FIGURES = {
    "escalation": "Escalation: share of replications at or above each rung, and "
    "the highest rung's median with 50% and 90% bands.",
    "survival": "Time until the region first reaches each rung (Kaplan-Meier, "
    "95% bands); censored at the end of the run.",
    "arms": "Military spending by state: median with 50% and 90% bands.",
    "network": "Alliance ties at the last step: line style by alliance kind, "
    "width by credibility; node area by capability.",
    "a2ad": "A2/AD coverage of the states investing in it, over the theaters.",
    "sweep": "Probability of war across the sweep, with Wilson 95% intervals.",
}
STYLE = """
body { font-family: system-ui, sans-serif; max-width: 960px; margin: 2em auto;
       color: #222; line-height: 1.45; }
table { border-collapse: collapse; font-size: 0.9em; }
td, th { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
th { background: #f3f3f3; }
figure { margin: 1.5em 0; } img { max-width: 100%; }
figcaption, .note { color: #555; font-size: 0.9em; }
"""


def summary(results: ResultsFolder) -> dict[str, str]:
    """What was run, as label to text, from the manifest."""
    m = results.manifest
    rows = {
        "scenario": results.scenario_name,
        "scenario file": m.get("scenario_path", m.get("scenario")),
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
    """The run's outcomes, or each point's mean outcomes and replication count."""
    outcomes = results.table("outcomes")
    if results.kind == RUN:
        return outcomes.drop(columns=["point", "replication"]).T.set_axis(
            ["value"], axis=1
        )
    names = [c for c in outcomes.columns if c not in ("point", "replication")]
    table = outcomes.groupby("point")[names].mean()
    return table.assign(replications=outcomes.groupby("point").size()).T


def _png(fig: Figure) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def render(results: ResultsFolder) -> tuple[str, dict[str, str]]:
    """The page's HTML, and the figures left out with the reason for each."""
    kinds = [k for k in FIGURES if k != "sweep" or results.varied]
    figures, skipped = [], {}
    for kind in kinds:
        try:
            fig = plots.draw(results, kind)
        except ResultsError as err:
            skipped[kind] = str(err)
            continue
        figures.append(
            f'<figure><img alt="{kind}" src="data:image/png;base64,{_png(fig)}">'
            f"<figcaption>{html.escape(FIGURES[kind])}</figcaption></figure>"
        )
    rows = "".join(
        f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
        for k, v in summary(results).items()
    )
    notes = "".join(
        f'<p class="note">No {k} figure: {html.escape(v)}</p>'
        for k, v in skipped.items()
    )
    table = outcome_table(results).to_html(float_format=lambda x: f"{x:.4g}")
    created = datetime.now(UTC).isoformat(timespec="seconds")
    title = html.escape(f"wargame report: {results.scenario_name}")
    page = (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{title}</title><style>{STYLE}</style></head><body>"
        f"<h1>{title}</h1><h2>Scenario</h2><table>{rows}</table>"
        f"<h2>Outcomes</h2>{table}<h2>Figures</h2>{''.join(figures)}{notes}"
        f'<p class="note">Made by wargame {__version__} on {created}.</p>'
        "</body></html>"
    )
    return page, skipped


def write_report(results: ResultsFolder, out: Path) -> dict[str, str]:
    """Write the page to ``out`` atomically; return the figures left out."""
    page, skipped = render(results)
    atomic_write(out, lambda tmp: tmp.write_text(page, encoding="utf-8"))
    return skipped
