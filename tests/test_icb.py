"""ICB's crises among the scenario's states, and the MIDs they coincide with."""

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim import icb
from sim.calibrate import CalibrationError, Window
from sim.dispute_course import disputes_with_outcomes
from sim.scenario import bundled_dir, load_scenario

DATA = bundled_dir() / "data"
CRISES = DATA / "crises.csv"
RECORD = Window(1990, 2014)
HEADER = "name,start_year,end_year,participants,dataset\n"


def baseline_states() -> list[str]:
    return list(load_scenario(bundled_dir() / "baseline_2024.toml").state_ids)


def test_the_record_has_twenty_crises_a_year_rate_of_080():
    """ICB v14, 1990-2014: 20 crises with two of the 17 states (README's row).

    Counted by hand: 24 ICB crises start in those years in the file; four have
    one of the states only (Thailand with Myanmar twice, with Cambodia twice).
    """
    crises = icb.crises_among(CRISES, baseline_states(), RECORD)
    assert len(crises) == 20
    assert "SLEEPING DOG HILL" not in set(crises["name"])
    rate, lo, hi = icb.rate(crises, len(RECORD.years))
    assert (round(rate, 2), round(lo, 2), round(hi, 2)) == (0.80, 0.49, 1.24)


def test_rows_of_another_dataset_and_single_states_are_left_out(tmp_path):
    path = tmp_path / "crises.csv"
    path.write_text(
        HEADER + "a,2000,2001,CHN;JPN,ICB v14\n"
        "b,2000,,CHN;JPN,COW MID 5.0\n"
        "c,2000,,THA;MMR,ICB v14\n"
        "d,2014,,PRK;KOR,ICB v14\n"
    )
    crises = icb.crises_among(path, baseline_states(), Window(2000, 2005))
    assert list(crises["name"]) == ["a"]
    assert crises["participants"].iloc[0] == ["CHN", "JPN"]


def test_a_blank_end_year_is_the_start_year(tmp_path):
    path = tmp_path / "crises.csv"
    path.write_text(HEADER + "a,2003,,CHN;JPN,ICB v14\n")
    crises = icb.crises_among(path, ["CHN", "JPN"], Window(2003, 2003))
    assert crises["end_year"].iloc[0] == 2003


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name,start_year,participants,dataset\n", "crises.csv: no column 'end_year'"),
        (HEADER + "a,199x,,CHN;JPN,ICB v14\n", "line 2, column 'start_year'"),
        (HEADER + "a,2000,,CHN;JPN,web page\n", "no row of dataset 'ICB v14'"),
        (HEADER + "a,1995,,CHN;JPN,ICB v14\n", "window 1990:2014: outside the years"),
    ],
)
def test_a_bad_crises_file_is_named(tmp_path, text, message):
    path = tmp_path / "crises.csv"
    path.write_text(text)
    with pytest.raises(CalibrationError, match=r"crises\.csv") as err:
        icb.crises_among(path, ["CHN", "JPN"], RECORD)
    assert message in str(err.value)


def dispute(start: int, end: int, side_a: list[str], side_b: list[str]) -> dict:
    return {"start_year": start, "end_year": end, "side_a": side_a, "side_b": side_b}


def crisis(start: int, end: int, participants: list[str]) -> dict:
    return {"start_year": start, "end_year": end, "participants": participants}


@given(
    st.integers(1990, 2014),
    st.integers(0, 5),
    st.integers(1990, 2014),
    st.integers(0, 5),
)
def test_a_dispute_coincides_when_the_years_overlap(d_start, d_len, c_start, c_len):
    disputes = pd.DataFrame([dispute(d_start, d_start + d_len, ["PRK"], ["KOR"])])
    crises = pd.DataFrame([crisis(c_start, c_start + c_len, ["KOR", "USA", "PRK"])])
    overlap = d_start <= c_start + c_len and c_start <= d_start + d_len
    assert icb.coinciding(crises, disputes)[0] == overlap


def test_a_crisis_must_have_a_participant_on_each_side():
    disputes = pd.DataFrame(
        [
            dispute(2000, 2000, ["PRK"], ["KOR", "USA"]),
            dispute(2000, 2000, ["CHN"], ["JPN"]),
        ]
    )
    crises = pd.DataFrame([crisis(2000, 2000, ["KOR", "USA"])])
    assert not icb.coinciding(crises, disputes).any()
    crises = pd.DataFrame([crisis(2000, 2000, ["USA", "PRK"])])
    assert icb.coinciding(crises, disputes).tolist() == [True, False]


def test_the_record_s_disputes_that_meet_a_crisis_run_longer_and_are_answered():
    """18 of 157 MIDs (1990-2014) coincide with an ICB crisis; 13 of them answered."""
    states = baseline_states()
    disputes = disputes_with_outcomes(
        DATA / "mids.csv", DATA / "mid_outcomes.csv", states, RECORD
    )
    table = icb.beside_disputes(icb.crises_among(CRISES, states, RECORD), disputes)
    assert table["disputes"].tolist() == [18, 139]
    assert table.loc["with a crisis", "answered"] == pytest.approx(13 / 18)
    with_crisis, without = table["median_years"]
    assert with_crisis > 5 * without


def test_disputes_without_an_end_year_are_refused():
    disputes = pd.DataFrame([dispute(2000, 2000, ["PRK"], ["KOR"])]).drop(
        columns="end_year"
    )
    crises = pd.DataFrame([crisis(2000, 2000, ["KOR", "PRK"])])
    with pytest.raises(CalibrationError, match="no column 'end_year'"):
        icb.coinciding(crises, disputes)


def test_a_mids_file_with_a_bad_end_year_names_its_line(tmp_path):
    mids = pd.read_csv(DATA / "mids.csv", dtype=str)
    mids.loc[mids["dispnum"] == "4022", "end_year"] = "199x"
    path = tmp_path / "mids.csv"
    mids.to_csv(path, index=False)
    line = int(mids.index[mids["dispnum"] == "4022"][0]) + 2
    with pytest.raises(
        CalibrationError, match=rf"mids\.csv: line {line}, column 'end_year'"
    ):
        disputes_with_outcomes(
            path, DATA / "mid_outcomes.csv", baseline_states(), RECORD
        )
