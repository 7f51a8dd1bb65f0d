"""Backtests: splits, rival groups, the group table and the living baseline."""

import json
import re

import numpy as np
import pandas as pd
import pytest

from sim import backtest, calibrate
from sim.cli import main
from sim.scenario import bundled_dir
from tests.conftest import contents, one_error_line, refused_untouched
from tests.test_calibrate import RICHARDSON, richardson_years, write_milex

BASELINE = bundled_dir() / "baseline_2024.toml"
DATA = bundled_dir() / "data"
YEARS = np.arange(2000, 2015)


@pytest.fixture
def pair_data(tmp_path):
    """The Richardson pair's own path as spending, and constant GDP, 2000-2014."""
    milex = write_milex(
        tmp_path / "milex.csv", richardson_years((20.0, 30.0), 15), 2000
    )
    gdp = write_milex(tmp_path / "gdp.csv", np.full((15, 2), 1e6), 2000)
    return milex, gdp


def test_splits_parse_and_bad_ones_are_refused():
    """FIRST:LAST:END fits FIRST-LAST and forecasts LAST+1-END."""
    split = backtest.parse_split("1990:2012:2024")
    assert (split.window.first, split.window.last) == (1990, 2012)
    assert (split.holdout.first, split.holdout.last) == (2013, 2024)
    for text in ("1990:2012", "2012:1990:2024", "a:b:c"):
        with pytest.raises(calibrate.CalibrationError, match="split") as raised:
            backtest.parse_split(text)
        assert raised.value.field == "split"


def test_a_bad_split_names_the_flag(tmp_path, capsys):
    """The library's error is about ``split``; wargame backtest names --split."""
    out = tmp_path / "out"
    args = ["backtest", str(BASELINE), "--split", "1990:2012", "--out", str(out)]
    assert main(args) == 2
    assert capsys.readouterr().err.startswith("error: --split '1990:2012': expected")
    assert not out.exists()


def test_rival_groups_are_the_pairs_with_data():
    """Every dispute or rivalry pair with SIPRI data; none with PRK or VNM."""
    years = np.arange(1990, 2025)
    panels = [
        calibrate.read_panel(DATA / "milex.csv", years),
        calibrate.read_panel(DATA / "gdp.csv", years),
    ]
    groups = backtest.rival_groups(BASELINE, panels, years)
    assert ("PAK", "IND") in groups and ("USA", "CHN") in groups
    assert not any({"PRK", "VNM"} & set(g) for g in groups)
    assert ("USA", "RUS") not in groups  # SIPRI's Russia starts in 1992


def test_backtest_on_the_models_own_path_beats_the_baselines(pair_data):
    """Data the model made are forecast almost exactly, better than naive rules."""
    milex, gdp = (calibrate.read_panel(p, YEARS) for p in pair_data)
    table = backtest.backtest(
        RICHARDSON,
        milex,
        gdp,
        splits=(backtest.parse_split("2000:2009:2014"),),
        groups=[("RED", "BLUE")],
    )
    row = table.iloc[0]
    assert row["group"] == "RED,BLUE" and row["beats"]
    assert row["model"] < 1e-3 < row["last value"]


def test_bootstrap_refits_give_each_fitted_value_its_interval(pair_data):
    """``bootstrap`` was run and thrown away: the fitted column now carries it."""
    milex, gdp = (calibrate.read_panel(p, YEARS) for p in pair_data)
    split = (backtest.parse_split("2000:2009:2014"),)
    kwargs = {"splits": split, "groups": [("RED", "BLUE")]}
    plain = backtest.backtest(RICHARDSON, milex, gdp, **kwargs)["fitted"].iloc[0]
    assert " to " not in plain
    fitted = backtest.backtest(RICHARDSON, milex, gdp, bootstrap=4, seed=1, **kwargs)[
        "fitted"
    ].iloc[0]
    intervals = re.findall(r"=(-?[\d.]+)\*?\?? \((-?[\d.]+) to (-?[\d.]+)\)", fitted)
    assert len(intervals) == 4, fitted  # k and a of RED and BLUE
    for _, lo, hi in intervals:
        assert float(lo) <= float(hi)


def test_living_baseline_of_the_models_own_path_has_no_error(pair_data):
    """Started from its own data, the scenario retraces them: MAPE about 0."""
    milex, gdp = (calibrate.read_panel(p, YEARS) for p in pair_data)
    table = backtest.living_baseline(RICHARDSON, milex, gdp, start=2000, end=2014)
    assert list(table["state"]) == ["RED", "BLUE", "all"]
    np.testing.assert_allclose(table["mape_pct"], 0.0, atol=1e-9)
    assert (table["last_value_mape_pct"] > 1.0).all()


def test_cli_backtest_prints_the_table_and_writes_it(pair_data, tmp_path, capsys):
    """`wargame backtest` prints model vs last value vs trend and writes CSVs."""
    milex, gdp = pair_data
    out = tmp_path / "bt"
    args = ["backtest", str(RICHARDSON), "--data", str(milex), "--gdp", str(gdp)]
    args += ["--split", "2000:2009:2014", "--groups", "RED,BLUE"]
    args += ["--living-from", "2000", "--out", str(out)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "linear trend" in printed and "living baseline" in printed
    assert "beats both naive baselines in 1 of 1" in printed
    assert len(pd.read_csv(out / "backtest.csv")) == 1


def test_cli_backtest_refuses_a_bad_file_naming_line_and_column(
    pair_data, tmp_path, capsys
):
    """A value that is not a number is named by line and column; nothing written."""
    milex, gdp = pair_data
    text = gdp.read_text().splitlines()
    text[3] = re.sub(r",[^,]*$", ",lots", text[3])
    gdp.write_text("\n".join(text) + "\n")
    out = tmp_path / "bad"
    args = ["backtest", str(RICHARDSON), "--data", str(milex), "--gdp", str(gdp)]
    args += ["--split", "2000:2009:2014", "--groups", "RED,BLUE", "--out", str(out)]
    assert main(args) == 2
    assert "gdp.csv: line 4 (RED), column 'value': 'lots'" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize("year", ["2030", "2014", "1900"])
def test_cli_backtest_refuses_a_living_start_the_data_cannot_carry(
    year, pair_data, tmp_path, capsys
):
    """A start after the data, at their end or before them is refused at once.

    One line names --living-from and the years it may take; nothing is written.
    """
    milex, gdp = pair_data
    out = tmp_path / "bt"
    args = ["backtest", str(RICHARDSON), "--data", str(milex), "--gdp", str(gdp)]
    args += ["--split", "2000:2009:2014", "--groups", "RED,BLUE"]
    args += ["--living-from", year, "--out", str(out)]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.splitlines() == [
        f"error: --living-from {year}: the data allow 2000 to 2013 (a year before "
        "2014, the last year forecast, from which a state of the scenario has "
        "spending and GDP every year)"
    ]
    assert not out.exists()


def test_cli_backtest_names_the_split_that_runs_past_the_data(
    pair_data, tmp_path, capsys
):
    """A forecast to 2020 of data ending in 2014: --split named, not --living-from."""
    milex, gdp = pair_data
    out = tmp_path / "bt"
    args = ["backtest", str(RICHARDSON), "--data", str(milex), "--gdp", str(gdp)]
    args += ["--split", "2000:2009:2014", "--split", "2000:2009:2020"]
    assert main([*args, "--out", str(out)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "error: --split 2000:2009:2020: forecasts to 2020, but milex.csv ends in 2014"
    ]
    assert not out.exists()


@pytest.mark.parametrize(
    ("groups", "line"),
    [
        (
            "RED,BLUE;;",
            "error: --groups 'RED,BLUE;;': group 2 ('') is empty; groups are "
            "separated by ';' and the states of one by ',', e.g. 'IND,PAK;CHN,JPN,USA'",
        ),
        ("", "error: --groups '': group 1 ('') is empty; "),
        (
            "RED,,BLUE",
            "error: --groups 'RED,,BLUE': group 1 ('RED,,BLUE') has an empty state id",
        ),
        (
            "RED,GREEN",
            "error: --groups: group 1 (RED,GREEN): 'GREEN' is not a state of the "
            "scenario; its states: RED, BLUE",
        ),
        ("RED,RED", "error: --groups: group 1 (RED,RED): names RED twice"),
        (
            "RED,BLUE;BLUE,RED",
            "error: --groups: group 2 (BLUE,RED): repeats group 1 (RED,BLUE)",
        ),
    ],
)
def test_cli_backtest_refuses_a_bad_group_naming_it(
    groups, line, pair_data, tmp_path, capsys
):
    """An empty or malformed group, an unknown state or a repeat is one line, exit 2.

    Nothing typed is silently dropped or fitted twice, and nothing is written.
    """
    milex, gdp = pair_data
    out = tmp_path / "bt"
    args = ["backtest", str(RICHARDSON), "--data", str(milex), "--gdp", str(gdp)]
    args += ["--split", "2000:2009:2014", "--groups", groups]
    args += ["--living-from", "2000", "--out", str(out)]
    assert main(args) == 2
    assert one_error_line(capsys).startswith(line)
    assert not out.exists()


def test_library_backtest_refuses_no_group(pair_data):
    """An empty list of groups is refused as such, not as groups lacking data."""
    milex, gdp = (calibrate.read_panel(p, YEARS) for p in pair_data)
    with pytest.raises(calibrate.CalibrationError, match="groups: none given"):
        backtest.backtest(RICHARDSON, milex, gdp, groups=[])


def test_living_starts_need_a_state_with_data_to_the_end(pair_data):
    """A start needs one state observed every year from it to the end."""
    milex, gdp = (calibrate.read_panel(p, YEARS) for p in pair_data)
    assert backtest.living_starts(RICHARDSON, milex, gdp, end=2014) == list(
        range(2000, 2014)
    )
    milex.loc[2005, "RED"] = np.nan  # RED counts from 2006
    gdp.loc[2003, "BLUE"] = np.nan  # BLUE from 2004
    assert backtest.living_starts(RICHARDSON, milex, gdp, end=2014)[0] == 2004
    with pytest.raises(calibrate.CalibrationError, match="start 2003: the data allow"):
        backtest.living_baseline(RICHARDSON, milex, gdp, start=2003, end=2014)


def test_a_backtest_claims_its_folder_and_refuses_any_other(
    pair_data, tmp_path, capsys
):
    """A backtest's folder has a manifest; a run's or another backtest's is refused.

    plot, summary and report name a backtest's folder as they do other analyses'.
    """
    milex, gdp = pair_data
    ran = tmp_path / "run"
    assert main(["run", str(RICHARDSON), "--steps", "2", "--out", str(ran)]) == 0
    args = ["backtest", str(RICHARDSON), "--data", str(milex), "--gdp", str(gdp)]
    args += ["--split", "2000:2009:2014", "--groups", "RED,BLUE"]
    args += ["--living-from", "2000"]
    assert refused_untouched([*args, "--out", str(ran)], ran, capsys).startswith(
        f"error: {ran} holds the output of `wargame run`; a backtest there would "
        "replace its manifest.json and lose the run: "
    )
    out = tmp_path / "bt"
    assert main([*args, "--out", str(out)]) == 0
    written = json.loads((out / "manifest.json").read_text())
    assert written["kind"] == "backtest" and written["steps"] is None
    assert written["files"] == ["backtest.csv", "living_baseline.csv"]
    assert written["definition"]["split"] == ["2000:2009:2014"]
    before = contents(out)
    capsys.readouterr()
    assert main([*args, "--bootstrap", "2", "--out", str(out)]) == 2
    assert (
        f"error: {out} holds a different backtest: its manifest.json has "
        "definition.bootstrap = 0, this command 2;"
    ) in one_error_line(capsys)
    assert main(["summary", str(out)]) == 2
    assert one_error_line(capsys).startswith(
        f"error: {out} holds the output of `wargame backtest` (richardson_two_state"
    )
    assert contents(out) == before
    assert main([*args, "--out", str(out)]) == 0  # the same backtest again
