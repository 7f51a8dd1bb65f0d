"""Outcome summaries: interval endpoints against known answers, and the tables."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.summary import (
    is_indicator,
    latex_table,
    markdown_table,
    short_summary,
    summarise,
    t_interval,
    wilson_interval,
    write_summary,
)

Z = 1.959963984540054


@pytest.fixture
def outcomes() -> pd.DataFrame:
    """Two points of five replications: a 0/1 outcome, a count, a gap."""
    return pd.DataFrame(
        {
            "point": np.repeat([0, 1], 5),
            "replication": np.tile(range(5), 2),
            "x": np.repeat([0.5, 0.9], 5),
            "war_onset": [0, 0, 0, 0, 0, 1, 1, 0, 1, 0.0],
            "crises": [1, 2, 3, 4, 5, 2, 2, 2, 2, 2.0],
            "deterrence_success_rate": [np.nan] * 5 + [1, 0.5, np.nan, 0, 1],
        }
    )


def test_wilson_interval_known_values():
    """0 of n has upper bound z^2 / (n + z^2); 5 of 10 is [0.2366, 0.7634]."""
    lower, upper = wilson_interval(np.array([0.0, 5.0]), np.array([10.0, 10.0]))
    assert lower[0] == 0
    assert upper[0] == pytest.approx(Z**2 / (10 + Z**2), rel=1e-12)
    np.testing.assert_allclose([lower[1], upper[1]], [0.236593, 0.763407], atol=1e-6)


@given(st.integers(1, 500), st.data())
def test_wilson_interval_holds_the_share_inside_zero_one(n, data):
    """Every interval contains the observed share and stays in [0, 1]."""
    k = data.draw(st.integers(0, n))
    lower, upper = wilson_interval(np.array([k]), np.array([n]))
    assert 0 <= lower[0] <= k / n <= upper[0] <= 1


def test_t_interval_known_values():
    """1..5: mean 3 +- t(4) sd / sqrt(5) = [1.0368, 4.9632]; n = 1 has none."""
    lower, upper = t_interval(
        np.array([3.0, 7.0]), np.array([np.sqrt(2.5), np.nan]), np.array([5, 1])
    )
    np.testing.assert_allclose([lower[0], upper[0]], [1.036757, 4.963243], atol=1e-6)
    assert np.isnan(lower[1]) and np.isnan(upper[1])


def test_summarise_per_point(outcomes):
    """Means, counts without NaN, and the right interval for each outcome."""
    table = summarise(outcomes, inputs=["x"]).set_index(["point", "outcome"])
    war = table.loc[(1, "war_onset")]
    assert (war["n"], war["mean"], war["interval"]) == (5, 0.6, "wilson")
    lower, upper = wilson_interval(np.array([3.0]), np.array([5.0]))
    assert (war["lower"], war["upper"]) == (lower[0], upper[0])
    crises = table.loc[(0, "crises")]
    assert crises["interval"] == "t"
    assert crises["lower"] == pytest.approx(1.036757, abs=1e-6)
    steady = table.loc[(1, "crises")]
    assert steady["lower"] == steady["upper"] == 2.0
    deterrence = table.loc[(1, "deterrence_success_rate")]
    assert deterrence["n"] == 4 and deterrence["mean"] == pytest.approx(0.625)
    assert (0, "deterrence_success_rate") not in table.index  # never defined
    assert "x" not in table.index.get_level_values("outcome")


def test_indicators_are_events_not_any_zero_column():
    """War that never happened is an indicator; growth that stayed 0 is not."""
    zeros = pd.Series([0.0, 0.0, 0.0])
    assert is_indicator("war_onset", zeros)
    assert not is_indicator("arms_growth_cagr", zeros)
    assert is_indicator("anything", pd.Series([0.0, 1.0]))
    assert not is_indicator("war_onset_years", pd.Series([0.5, 1.0]))


def test_summarise_by_a_swept_value_pools_points(outcomes):
    """Grouping by a field pools every point with that value."""
    pooled = summarise(outcomes.assign(x=0.5), by=["x"], names=["war_onset"])
    assert pooled["n"].tolist() == [10] and pooled["mean"].tolist() == [0.3]


def test_summarise_names_a_missing_column(outcomes):
    """An unknown group or outcome is named with the columns there are."""
    with pytest.raises(KeyError, match=r"no column state\.USA\.resolve"):
        summarise(outcomes, by=["state.USA.resolve"])


def test_tables_hold_the_numbers(outcomes, tmp_path):
    """Markdown and LaTeX hold each mean and interval; CSV round-trips."""
    table = summarise(outcomes, names=["war_onset", "crises"])
    markdown = markdown_table(table, ["point"])
    assert "| point | n | P(war) | crises |" in markdown
    assert "| 0 | 5 | 0 [0, 0.434] | 3 [1.04, 4.96] |" in markdown
    latex = latex_table(table, ["point"], caption="taiwan_strait, 5 years")
    assert r"\toprule" in latex and "0 [0, 0.434] & 3 [1.04, 4.96]" in latex
    assert r"\caption{taiwan\_strait, 5 years}" in latex
    files = write_summary(table, ["point"], tmp_path / "out")
    assert [f.name for f in files] == ["summary.csv", "summary.md", "summary.tex"]
    back = pd.read_csv(files[0])
    pd.testing.assert_frame_equal(back, table, check_dtype=False)


def test_short_summary_says_what_the_brackets_are(outcomes):
    """The terminal form: headline outcomes, intervals, and what they are."""
    text = short_summary(outcomes, by=["point", "x"])
    assert "0.6 [0.231, 0.882]" in text
    assert "95% interval" in text
    assert "P(war)" in text and "crises" in text


def test_a_table_with_more_outcomes_than_groups_is_turned(outcomes):
    """One point and three outcomes: one row per outcome, one column per point."""
    one = outcomes[outcomes["point"] == 1]
    table = summarise(one, names=["war_onset", "crises", "deterrence_success_rate"])
    markdown = markdown_table(table, ["point"])
    assert markdown.splitlines()[0] == "| outcome | point 1 |"
    assert "| P(war) | 0.6 [0.231, 0.882] |" in markdown
    assert "| n | 5 |" in markdown
    latex = latex_table(table, ["point"])
    assert r"\begin{tabular}{lr}" in latex
