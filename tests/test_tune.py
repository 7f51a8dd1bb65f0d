"""Parameter search: reproducible with a seed, resumable, constraints respected."""

import os

import pandas as pd
import pytest

from sim import tune
from sim.cli import main
from sim.design import parse_range
from sim.experiments import ExperimentError, parse_condition
from sim.outputs import OutputError, locked
from tests.conftest import contents, one_error_line, pair_toml

RANGES = [
    parse_range("mechanisms.escalation.incident_rate_per_year=0.0:4.0"),
    parse_range("state.RED.threshold=1:4"),
]


def search(path, out, trials, **kwargs):
    return tune.tune(
        path,
        RANGES,
        "crisis_time_share",
        out,
        trials=trials,
        replications=3,
        **{"seed": 11, **kwargs},
    )


def test_resumed_search_equals_an_uninterrupted_one(write_scenario, tmp_path):
    """3 trials then 3 more propose exactly what 6 in one go propose."""
    path = write_scenario(pair_toml(steps=8))
    search(path, tmp_path / "a", 3)
    resumed = search(path, tmp_path / "a", 6).trials
    straight = search(path, tmp_path / "b", 6).trials
    pd.testing.assert_frame_equal(resumed, straight)
    assert len(straight) == 6
    assert pd.api.types.is_integer_dtype(straight["state.RED.threshold"])


def test_a_seed_the_runs_take_works_for_every_trial(write_scenario, tmp_path):
    """A seed near 2**32 or above (the runs take any below 2**63) seeds each trial.

    The sampler takes seeds below 2**32 only: trial k's is ``seed + k`` modulo that.
    """
    path = write_scenario(pair_toml(steps=4))
    assert len(search(path, tmp_path / "a", 2, seed=2**32 - 1).trials) == 2
    assert len(search(path, tmp_path / "b", 1, seed=2**40).trials) == 1


def test_best_trial_is_the_lowest_feasible_one(write_scenario, tmp_path):
    """The reported best meets the constraint and is the lowest that does."""
    path = write_scenario(pair_toml(steps=8))
    constraint = parse_condition("crises >= 1", "--constraint")
    result = search(path, tmp_path / "c", 8, constraints=[constraint])
    trials = result.trials
    assert result.best is not None and result.best["crises"] >= 1
    assert result.best["value"] == trials[trials["feasible"]]["value"].min()
    assert (trials["feasible"] == (trials["crises"] >= 1)).all()


def test_a_folder_with_another_search_is_refused(write_scenario, tmp_path):
    """Resuming with other arguments fails instead of mixing searches."""
    path = write_scenario(pair_toml(steps=4))
    search(path, tmp_path / "d", 1)
    with pytest.raises(ExperimentError, match="holds a different search"):
        tune.tune(path, RANGES[:1], "crisis_time_share", tmp_path / "d", trials=2)


def test_a_grid_count_on_a_range_is_refused(write_scenario, tmp_path):
    """A range's :n suffix is refused as in sensitivity analysis, not dropped."""
    path = write_scenario(pair_toml(steps=4))
    grid = parse_range("mechanisms.escalation.incident_rate_per_year=0.0:4.0:5")
    with pytest.raises(ExperimentError) as caught:
        tune.tune(path, [grid], "crises", tmp_path / "i", trials=1)
    assert str(caught.value) == (
        "ranges: mechanisms.escalation.incident_rate_per_year=0.0:4.0:5: "
        "the :n suffix is for grids; use lo:hi"
    )
    assert caught.value.field == "ranges"
    assert not (tmp_path / "i").exists()


RATE = "mechanisms.escalation.incident_rate_per_year"


def test_a_path_ranged_twice_is_refused(write_scenario, tmp_path):
    """The second range was kept in silence, the first never searched."""
    path = write_scenario(pair_toml(steps=4))
    ranges = [parse_range(f"{RATE}=0.0:2.0"), parse_range(f"{RATE}=0.5:1.0")]
    with pytest.raises(ExperimentError) as caught:
        tune.tune(path, ranges, "crises", tmp_path / "i", trials=1)
    assert str(caught.value) == f"ranges {RATE}: given more than once"
    assert not (tmp_path / "i").exists()


THRESHOLD = ["--outcome", "crises", "--param", "state.RED.threshold=1:4"]


def test_bad_arguments_write_nothing(write_scenario, tmp_path, capsys):
    """Unknown outputs and paths, or a bad seed or count, fail clearly, no study."""
    path = write_scenario(pair_toml(steps=4))
    base = ["tune", str(path), "--trials", "1", "--out", str(tmp_path / "e")]
    for extra, message in [
        (["--outcome", "risk", "--param", "state.RED.threshold=1:4"], "'risk'"),
        (["--outcome", "crises", "--param", "state.RED.nope=0.0:1.0"], "nope"),
        (
            ["--outcome", "crises", "--param", "state.RED.resolve=0.5:1.5"],
            "error: --param state.RED.resolve=0.5:1.5: 1.5 is above 1.0;",
        ),
        (  # refused before the study is made, not by the first trial's runs
            [*THRESHOLD, "--seed", "-1"],
            "error: --seed -1: must be a whole number >= 0",
        ),
        (
            [*THRESHOLD, "--steps", "0"],
            "error: --steps 0: must be a whole number >= 1",
        ),
    ]:
        assert main([*base, *extra]) == 2
        assert message in capsys.readouterr().err
    assert not (tmp_path / "e").exists()


def test_cli_tune_prints_the_best_and_writes_trials(write_scenario, tmp_path, capsys):
    """`wargame tune` prints the best feasible setting and writes trials.csv."""
    path = write_scenario(pair_toml(steps=4))
    out = tmp_path / "f"
    args = ["tune", str(path), "--outcome", "peak_rung", "--trials", "2"]
    args += ["--param", "state.RED.threshold=1:4", "--replications", "2"]
    assert main([*args, "--constraint", "crises <= 100", "--out", str(out)]) == 0
    assert "best feasible" in capsys.readouterr().out
    assert len(pd.read_csv(out / "trials.csv")) == 2


def test_the_search_writes_its_finished_trials_itself(write_scenario, tmp_path):
    """trials.csv is the search's table, written by the search, not its caller.

    A temporary file a killed write left beside it is removed on resume.
    """
    path = write_scenario(pair_toml(steps=4))
    out = tmp_path / "g"
    first = search(path, out, 2).trials
    pd.testing.assert_frame_equal(pd.read_csv(out / tune.TRIALS), first)
    (out / f".{tune.TRIALS}.x1y2z3").write_text("trial,va")  # a killed write's
    resumed = search(path, out, 3).trials
    pd.testing.assert_frame_equal(pd.read_csv(out / tune.TRIALS), resumed)
    assert len(resumed) == 3
    assert sorted(p.name for p in out.iterdir()) == [tune.STORAGE, tune.TRIALS]


def test_a_second_search_of_the_folder_at_once_is_refused(write_scenario, tmp_path):
    """While a search holds the folder, another is refused and changes nothing."""
    path = write_scenario(pair_toml(steps=4))
    out = tmp_path / "h"
    search(path, out, 1)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with locked(out), pytest.raises(OutputError, match=f"process {os.getpid()}"):
        search(path, out, 2)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_a_folder_of_another_command_is_refused_untouched(
    write_scenario, tmp_path, capsys
):
    """A run's folder, or files of no command, take no study; the search's own do."""
    path = write_scenario(pair_toml(steps=4))
    ran = tmp_path / "run"
    assert main(["run", str(path), "--steps", "2", "--out", str(ran)]) == 0
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    kept = {folder: contents(folder) for folder in (ran, mine)}
    args = ["tune", str(path), "--outcome", "peak_rung", "--trials", "1"]
    args += ["--param", "state.RED.threshold=1:4", "--replications", "1"]
    capsys.readouterr()
    for folder, said in (
        (ran, f"{ran} holds the output of `wargame run`; a search there would "),
        (mine, f"{mine}: exists and does not hold a search (it holds notes.txt);"),
    ):
        assert main([*args, "--out", str(folder)]) == 2
        assert said in one_error_line(capsys)
        assert contents(folder) == kept[folder]
    out = tmp_path / "search"
    assert main([*args, "--out", str(out)]) == 0
    assert main([*args[:5], "2", *args[6:], "--out", str(out)]) == 0  # resumes
    assert len(pd.read_csv(out / tune.TRIALS)) == 2
