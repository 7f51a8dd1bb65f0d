"""Reading run and batch folders back: tables, scenario checks, re-run worlds."""

import json
import shlex
import shutil
from pathlib import Path

import numpy as np
import pytest

from sim import batch
from sim.cli import main
from sim.manifest import COMMON, FORMAT
from sim.results import BATCH, RUN, ResultsError, open_results
from tests.conftest import pair_toml, refused_untouched


def test_kinds_are_recognised(results_folders):
    """A run folder reads as a run, a batch folder as a batch."""
    assert open_results(results_folders / "run").kind == RUN
    assert open_results(results_folders / "batch").kind == BATCH


def test_run_and_batch_share_one_manifest_schema(results_folders):
    """Both manifests carry every common field: scenario name and path both."""
    run, batch_ = (open_results(results_folders / k) for k in ("run", "batch"))
    for results in (run, batch_):
        assert set(COMMON) <= set(results.manifest)
        assert results.manifest["format"] == FORMAT
        assert results.scenario_name == "triad"
        assert results.manifest["scenario_path"].endswith("triad.toml")


def test_table_reads_only_the_columns_asked(results_folders):
    """A table has the keys and the columns asked for, nothing else."""
    for name in ("run", "batch"):
        frame = open_results(results_folders / name).table("model", ["max_rung"])
        assert set(frame.columns) == {"point", "replication", "step", "max_rung"}


def test_batch_table_has_every_replication_and_step(results_folders):
    """All chunks are read: replications times steps rows."""
    frame = open_results(results_folders / "batch").table("model", ["year"])
    assert len(frame) == 12 * 17
    assert sorted(frame["replication"].unique()) == list(range(12))


def test_states_table_carries_years(results_folders):
    """States rows get the year of their step from the model table."""
    frame = open_results(results_folders / "batch").table(
        "states", ["year", "milex_usd_m"]
    )
    assert len(frame) == 12 * 17 * 3
    assert frame.loc[frame["step"] == 4, "year"].unique().tolist() == [2001.0]


@pytest.mark.parametrize("name", ["run", "batch"])
def test_world_at_reproduces_the_recorded_series(results_folders, name):
    """Running a replication again gives the world its tables recorded."""
    results = open_results(results_folders / name)
    model = results.table("model", ["total_milex_usd_m", "mean_trust", "max_rung"])
    replication = int(results.manifest.get("replication", 3))
    for step in (0, 9, 16):
        world = results.world_at(step, replication=replication)
        row = model[(model["step"] == step) & (model["replication"] == replication)]
        assert world.milex.sum() == pytest.approx(row["total_milex_usd_m"].item())
        assert world.rung.max() == row["max_rung"].item()


def test_missing_folder_says_what_to_run(tmp_path):
    """A missing folder is named, with the command that makes one."""
    with pytest.raises(ResultsError, match=r"no such folder; run `wargame run`"):
        open_results(tmp_path / "nowhere")


def test_folder_without_manifest_is_refused(tmp_path):
    """A folder without manifest.json is not taken for results."""
    with pytest.raises(ResultsError, match=r"no manifest\.json"):
        open_results(tmp_path)


def test_other_format_is_refused(results_folders, tmp_path):
    """A batch manifest of another layout version names both versions."""
    manifest = json.loads((results_folders / "batch" / "manifest.json").read_text())
    (tmp_path / "manifest.json").write_text(json.dumps({**manifest, "format": 99}))
    expected = rf"format 99.*reads format {batch.FORMAT_VERSION}"
    with pytest.raises(ResultsError, match=expected):
        open_results(tmp_path)


def test_missing_table_names_file_and_command(results_folders, tmp_path):
    """A run folder without a states table says which file and what to run."""
    (tmp_path / "manifest.json").write_bytes(
        (results_folders / "run" / "manifest.json").read_bytes()
    )
    with pytest.raises(ResultsError, match=r"no states.csv or states.parquet"):
        open_results(tmp_path).table("states", ["milex_usd_m"])


def test_a_batch_without_state_series_gives_the_command_that_records_them(
    write_scenario, tmp_path, monkeypatch
):
    """Its states table is refused with a command that writes one, run as given.

    The advice is the one ``wargame plot --kind arms`` gives; it holds for a
    folder named ``.`` too, whose new folder goes beside it.
    """
    scenario = write_scenario(pair_toml())
    out = tmp_path / "b"
    batch.run(batch.plan(scenario, replications=2, steps=2), out, progress=False)
    monkeypatch.chdir(out)
    for folder in (out, Path(".")):
        with pytest.raises(ResultsError) as refused:
            open_results(folder).table("states", ["milex_usd_m"])
        said = str(refused.value)
        assert said.startswith(f"{folder}: the batch recorded no per-state series; ")
        assert said.endswith(f" --state-series --out {tmp_path / 'b-states'}")
    words = shlex.split(said.partition("new folder: ")[2])
    assert main(words[1:]) == 0
    states = open_results(tmp_path / "b-states").table("states", ["milex_usd_m"])
    assert len(states) == 2 * 3 * 2  # replications x steps 0-2 x states


def test_missing_column_names_column_and_version(results_folders):
    """A column the folder lacks is named, with the version that wrote it."""
    with pytest.raises(ResultsError, match=r"model.csv: no column nonesuch"):
        open_results(results_folders / "run").table("model", ["nonesuch"])


def test_changed_scenario_is_refused(results_folders, tmp_path):
    """A scenario edited since the run is detected by its content hash."""
    text = (results_folders / "triad.toml").read_text(encoding="utf-8")
    scenario = tmp_path / "triad.toml"
    scenario.write_text(text, encoding="utf-8")
    out = tmp_path / "run"
    assert main(["run", str(scenario), "--steps", "2", "--out", str(out)]) == 0
    scenario.write_text(text.replace("milex_usd_m = 300.0", "milex_usd_m = 301.0"))
    with pytest.raises(ResultsError, match="changed since"):
        open_results(out).scenario()


def test_step_out_of_range_is_refused(results_folders):
    """A step past the run's end names the range there is."""
    with pytest.raises(ResultsError, match=r"step 99: .* steps 0 to 16"):
        open_results(results_folders / "run").world_at(99)
    assert np.isfinite(open_results(results_folders / "run").world_at(16).milex).all()


def test_a_wide_run_table_is_read_without_a_warning(results_folders, tmp_path):
    """A run's outcomes with a column per place (over 100) read without warnings.

    pandas reads a CSV into one block per column; inserting the keys into
    such a table warned (PerformanceWarning) on every `wargame summary`.
    """
    import warnings

    import pandas as pd

    (tmp_path / "manifest.json").write_bytes(
        (results_folders / "run" / "manifest.json").read_bytes()
    )
    outcomes = pd.read_csv(results_folders / "run" / "outcomes.csv")
    places = {f"war_onset.P{k}": [0.0] for k in range(120)}
    wide = pd.concat([outcomes, pd.DataFrame(places)], axis=1)
    wide.to_csv(tmp_path / "outcomes.csv", index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        frame = open_results(tmp_path).table("outcomes")
        frame.assign(extra=1)  # and the frame handed on is not fragmented
    assert list(frame.columns) == [*wide.columns, "replication", "point"]
    assert frame["point"].tolist() == [0] and len(frame) == 1


def test_a_run_table_that_does_not_parse_is_refused_in_one_line(
    results_folders, tmp_path, capsys
):
    """A CSV parse error (pandas ends it with a newline) is refused in one line."""
    run = shutil.copytree(results_folders / "run", tmp_path / "run")
    (run / "outcomes.csv").write_text("a\n1\n1,2\n", encoding="utf-8")
    line = refused_untouched(
        ["summary", str(run), "--out", str(tmp_path / "s")], run, capsys
    )
    assert line.startswith(f"error: {run / 'outcomes.csv'}: cannot be read (")
