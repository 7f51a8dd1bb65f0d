"""How disputes run: answered, conceded, how long, in the record and the model."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.calibrate import CalibrationError, Window
from sim.dispute_course import Course, Share, compare, model_course, read_course
from sim.scenario import bundled_dir, load_scenario

DATA = bundled_dir() / "data"
MIDS, OUTCOMES = DATA / "mids.csv", DATA / "mid_outcomes.csv"
RECORD = Window(1990, 2014)


def baseline_states() -> list[str]:
    return list(load_scenario(bundled_dir() / "baseline_2024.toml").state_ids)


def test_the_record_of_the_baseline_states():
    """157 disputes 1990-2014: 66 answered, 35 of 68 uses of force, 2 of 123 conceded.

    Counted by hand from MID 5.0 (``mids.csv`` and ``mid_outcomes.csv``).
    """
    record = read_course(MIDS, OUTCOMES, baseline_states(), RECORD)
    assert record.answered == Share(66, 157)
    assert record.answered_force == Share(35, 68)
    assert record.conceded == Share(2, 123)
    assert len(record.years) == 157
    assert record.years.min() == pytest.approx(1 / 365.25)


@given(st.integers(1, 400).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_share_interval_holds_the_share(case):
    count, of = case
    lo, hi = Share(count, of).interval()
    assert 0.0 <= lo <= count / of <= hi <= 1.0
    assert (lo == 0.0) == (count == 0) and (hi == 1.0) == (count == of)


@given(st.integers(1, 400))
def test_share_interval_of_none_is_the_rule_of_three_exactly(of):
    """0 of n: the exact upper bound solves (1 - p)^n = 0.025."""
    lo, hi = Share(0, of).interval()
    assert lo == 0.0 and hi == pytest.approx(1 - 0.025 ** (1 / of), rel=1e-9)


def crisis_table(rows: list[tuple[int, int, str, int, int]]) -> pd.DataFrame:
    """Crisis records from (peak_rung, defender_climbed, ending, start, end)."""
    columns = ["peak_rung", "defender_climbed", "ending", "start_step", "end_step"]
    return pd.DataFrame(rows, columns=columns)


def test_model_course_counts_concluded_crises_from_a_show_of_force():
    table = crisis_table(
        [
            (2, 0, "defender_backed_down", 0, 1),
            (2, 2, "negotiated", 0, 3),
            (4, 3, "challenger_backed_down", 2, 2),
            (4, 0, "war", 1, 5),
            (1, 0, "defender_backed_down", 0, 9),  # a protest: no dispute
            (4, 4, "ongoing", 0, 9),  # how it ends is not known yet
        ]
    )
    course = model_course(table, dt_years=0.25)
    assert course.answered == Share(2, 4)
    assert course.answered_force == Share(1, 2)
    assert course.conceded == Share(1, 4)  # the challenger's back-down keeps the
    # status quo and a war names no victor
    np.testing.assert_allclose(course.years, [0.25, 0.75, 0.0, 1.0])


def test_a_model_without_disputes_compares_as_nan():
    """No crisis reached a show of force: every model value NaN, none inside."""
    table = crisis_table([(1, 0, "defender_backed_down", 0, 1)])
    record = read_course(MIDS, OUTCOMES, baseline_states(), RECORD)
    compared = compare(record, model_course(table, dt_years=0.25))
    assert compared["model"].isna().all() and not compared["inside"].any()


def test_compare_marks_measures_outside_the_record():
    record = Course(Share(40, 100), Share(5, 10), Share(3, 100), np.array([0.5, 1.5]))
    model = Course(Share(41, 100), Share(1, 100), Share(50, 100), np.array([1.0, 1.0]))
    table = compare(record, model)
    assert table.loc["answered", "inside"] and table.loc["years", "inside"]
    assert not table.loc["answered_force", "inside"]
    assert not table.loc["conceded", "inside"]
    assert table.loc["conceded", "model"] == 0.5 and table.loc["years", "record"] == 1.0


def write_outcomes(path, lines: list[str]):
    path.write_text("\n".join(["dispnum,outcome,recip,maxdur", *lines]) + "\n")
    return path


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["4022,5,1"], "line 2, column 'maxdur'"),
        (["4022,5,x,3"], "line 2, column 'recip': 'x' is not a whole number"),
        (["4022,5,1,3", "4022,5,1,3"], "line 3: dispute 4022 is listed twice"),
        (["4022,5,1,3"], "no row for dispute"),
    ],
)
def test_a_bad_outcomes_file_is_named_with_its_line(tmp_path, lines, message):
    path = write_outcomes(tmp_path / "outcomes.csv", lines)
    with pytest.raises(CalibrationError, match=r"outcomes\.csv") as err:
        read_course(MIDS, path, baseline_states(), RECORD)
    assert message in str(err.value)


def test_an_outcomes_file_without_a_column_names_it(tmp_path):
    path = tmp_path / "outcomes.csv"
    path.write_text("dispnum,outcome,maxdur\n4022,5,3\n")
    with pytest.raises(CalibrationError, match=r"outcomes\.csv: no column 'recip'"):
        read_course(MIDS, path, baseline_states(), RECORD)


def test_a_mids_file_without_dispute_numbers_is_refused(tmp_path):
    mids = pd.read_csv(MIDS).drop(columns="dispnum")
    path = tmp_path / "mids.csv"
    mids.to_csv(path, index=False)
    with pytest.raises(CalibrationError, match=r"mids\.csv: no column 'dispnum'"):
        read_course(path, OUTCOMES, baseline_states(), RECORD)
