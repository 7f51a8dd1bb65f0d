"""The HTML report: summary, outcome table and embedded figures in one file."""

import re

import numpy as np
from conftest import one_error_line

from sim import batch
from sim.cli import main
from sim.design import Design, Range
from sim.report import outcome_table, summary
from sim.results import open_results


def test_report_of_a_batch_embeds_every_figure_it_can(results_folders, tmp_path):
    """A batch with per-state series gets all six figures, inline as PNG."""
    out = tmp_path / "report.html"
    assert main(["report", str(results_folders / "batch"), "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    images = re.findall(r'<img alt="(\w+)" src="data:image/png;base64,', page)
    assert images == ["escalation", "survival", "arms", "network", "a2ad", "places"]
    assert "<h1>wargame report: triad</h1>" in page
    assert "stability index" in page and "95% interval" in page
    assert 'src="http' not in page  # self-contained


def test_report_notes_a_figure_it_cannot_draw(results_folders, tmp_path, capsys):
    """A figure the folder lacks data for is left out with the reason."""
    run = tmp_path / "run"
    run.mkdir()
    for name in ("manifest.json", "model.csv", "outcomes.csv"):
        (run / name).write_bytes((results_folders / "run" / name).read_bytes())
    assert main(["report", str(run)]) == 0
    page = (run / "report.html").read_text(encoding="utf-8")
    assert "No arms figure" in page
    assert "no states.csv or states.parquet" in capsys.readouterr().err


def test_summary_and_outcome_table_of_a_batch(results_folders):
    """The summary says what ran; the table has each point's means, intervals, n."""
    results = open_results(results_folders / "batch")
    assert summary(results)["replications per point"] == "12"
    table = outcome_table(results)
    assert table.loc["n", 0] == 12
    outcomes = results.table("outcomes")
    mean = outcomes["peak_rung"].mean()
    sd = outcomes["peak_rung"].std()
    half = 2.200985 * sd / np.sqrt(12)  # t(11) 97.5% quantile
    assert table.loc["peak rung", 0] == (
        f"{mean:.3g} [{mean - half:.3g}, {mean + half:.3g}]"
    )


def test_outcome_table_of_a_run_is_one_column(results_folders):
    """A run's outcomes are listed one per row."""
    table = outcome_table(open_results(results_folders / "run"))
    assert list(table.columns) == ["value"]
    assert "peak_rung" in table.index


def test_report_of_an_analysis_says_what_the_folder_holds(
    results_folders, tmp_path, capsys
):
    """A comparison's folder is named as one, with its tables; nothing is written."""
    out = tmp_path / "cmp"
    triad = str(results_folders / "triad.toml")
    args = ["compare", triad, triad, "--replications", "2", "--steps", "2"]
    assert main([*args, "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["report", str(out)]) == 2
    assert one_error_line(capsys) == (
        f"error: {out} holds the output of `wargame compare` (triad, seed 11): "
        "compare.csv, compare.md, compare.png, read as they are; plot, summary "
        "and report read the output of `wargame run`, `batch` or `sweep`"
    )
    assert not (out / "report.html").exists()


def test_outcome_table_of_a_sweep_names_each_point_values(results_folders, tmp_path):
    """Each point's column carries its swept values, not only its number."""
    grid = Design("grid", (Range("state.RED.resolve", 0.2, 0.8, 2),))
    plan = batch.plan(results_folders / "triad.toml", replications=3, design=grid)
    batch.run(plan, tmp_path / "sweep", progress=False)
    table = outcome_table(open_results(tmp_path / "sweep"))
    assert [table.loc["state.RED.resolve", p] for p in (0, 1)] == ["0.2", "0.8"]


def test_a_sweep_report_says_which_point_its_one_point_figures_show(
    results_folders, tmp_path
):
    """The escalation figure of a sweep's page is point 0's, and its caption says so."""
    grid = Design("grid", (Range("state.RED.resolve", 0.2, 0.8, 2),))
    plan = batch.plan(results_folders / "triad.toml", replications=3, design=grid)
    batch.run(plan, tmp_path / "sweep", progress=False)
    out = tmp_path / "sweep.html"
    assert main(["report", str(tmp_path / "sweep"), "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    said = "Point 0 of the sweep&#x27;s 2 (its values in the title)"
    assert page.count(said) == len(re.findall(r'<img alt="(?!sweep)', page)) > 0
