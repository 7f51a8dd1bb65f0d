"""The reader of observed ``iso3, year, value`` series: columns, blanks, errors."""

import pytest

from sim.observed import ObservedError, read_observed
from sim.scenario import bundled_dir


def test_takes_the_column_after_year_and_drops_blanks(tmp_path):
    """Without a value column, the one after year holds the values."""
    path = tmp_path / "milex.csv"
    path.write_text("iso3,country,year,milex_usd_m\nAAA,A,2000,5\nBBB,B,2000,\n")
    frame = read_observed(path)
    assert frame.to_dict("records") == [{"state": "AAA", "year": 2000, "value": 5.0}]


def test_a_value_column_wins_over_position(tmp_path):
    """A column named value is the values wherever it stands."""
    path = tmp_path / "s.csv"
    path.write_text("iso3,year,other,value\nAAA,2000,9,5\n")
    assert read_observed(path)["value"].tolist() == [5.0]


def test_bad_number_names_the_line_and_column(tmp_path):
    """A value that is not a number is reported with its file line."""
    path = tmp_path / "s.csv"
    path.write_text("iso3,year,value\nAAA,2000,5\nAAA,2001,five\n")
    with pytest.raises(ObservedError, match=r"line 3 \(AAA\), column 'value'") as err:
        read_observed(path)
    assert err.value.field == "value"


def test_unknown_state_lists_the_states_in_the_file(tmp_path):
    """Asking for a state the file lacks names the ones it has."""
    path = tmp_path / "s.csv"
    path.write_text("iso3,year,value\nAAA,2000,5\nBBB,2000,6\n")
    with pytest.raises(ObservedError, match=r"no rows with iso3 CCC; .*AAA, BBB"):
        read_observed(path, states=["AAA", "CCC"])


def test_missing_year_column_is_named(tmp_path):
    """A file without a year column says which column it needs."""
    path = tmp_path / "s.csv"
    path.write_text("iso3,value\nAAA,5\n")
    with pytest.raises(ObservedError, match="no column 'year'"):
        read_observed(path)


def test_bundled_spending_reads_whole():
    """The bundled spending file reads with whole years and finite values."""
    frame = read_observed(bundled_dir() / "data" / "milex.csv", states=["CHN"])
    assert len(frame) > 10
    assert frame["year"].is_monotonic_increasing
    assert (frame["value"] > 0).all()
