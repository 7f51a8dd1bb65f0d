"""Outcome summaries: interval endpoints against known answers, and the tables."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.summary import (
    latex_table,
    markdown_table,
    outcome_kind,
    poisson_interval,
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
    steady = table.loc[(1, "crises")]  # 2 crises in each: no spread
    assert steady["interval"] == "poisson"
    assert (steady["lower"], steady["upper"]) == poisson_interval(10.0, 5.0)
    assert steady["lower"] < 2 < steady["upper"]
    deterrence = table.loc[(1, "deterrence_success_rate")]
    assert deterrence["n"] == 4 and deterrence["mean"] == pytest.approx(0.625)
    never = table.loc[(0, "deterrence_success_rate")]  # a row, with no values
    assert never["n"] == 0 and np.isnan(never["mean"]) and never["interval"] == "none"
    assert "x" not in table.index.get_level_values("outcome")


def test_the_kind_of_an_outcome_is_what_it_is_not_its_name_or_values():
    """Declared kinds: per-place outcomes take their base's; unknown is plain t."""
    assert outcome_kind("war_onset").kind == "indicator"
    assert outcome_kind("clash_onset.taiwan_strait").kind == "indicator"
    assert outcome_kind("clashes").kind == "count"  # a count, though it has "clash"
    assert outcome_kind("clash_onset_years").kind == "continuous"
    share = outcome_kind("deterrence_success_rate.CHN_TWN")
    assert (share.kind, share.low, share.high) == ("share", 0, 1)
    assert outcome_kind("peak_rung").high == 5
    assert outcome_kind("my_column").kind == "continuous"
    assert np.isinf(outcome_kind("my_column").low)


def test_summarise_by_a_swept_value_pools_points(outcomes):
    """Grouping by a field pools every point with that value, per replication."""
    pooled = summarise(outcomes.assign(x=0.5), by=["x"], names=["war_onset"])
    assert pooled["n"].tolist() == [5] and pooled["mean"].tolist() == [0.3]


def test_pooled_copies_of_a_point_are_no_more_precise_than_the_point(outcomes):
    """Points share replication indices and seeds: a copy is the same draw twice.

    Two points that a field did not move pool to the interval of one, and a
    pooled mean with gaps is still the mean of every defined value.
    """
    one = outcomes[outcomes["point"] == 1]
    twice = pd.concat([one, one.assign(point=2)])
    names = ["war_onset", "crises", "deterrence_success_rate"]
    columns = ["n", "mean", "lower", "upper", "interval"]
    pooled = summarise(twice, by=["x"], names=names)[columns]
    alone = summarise(one, by=["point"], names=names)[columns]
    pd.testing.assert_frame_equal(pooled, alone)
    mixed = summarise(outcomes.assign(x=0.5), by=["x"], names=names[2:])
    assert mixed["mean"].item() == pytest.approx(2.5 / 4)
    assert mixed["n"].item() == 4  # replications with a defined value


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


def test_poisson_interval_known_values():
    """0 events in n: [0, -ln(0.025) / n]; 10 in 5 (Garwood's table) [0.959, 3.678]."""
    lower, upper = poisson_interval(np.array([0.0, 10.0]), np.array([10.0, 5.0]))
    assert lower[0] == 0 and upper[0] == pytest.approx(-np.log(0.025) / 10)
    np.testing.assert_allclose(
        [lower[1] * 5, upper[1] * 5], [4.795389, 18.390356], atol=1e-6
    )


RANGES = {
    "war_onset": (0, 1),
    "clash_onset.CHN_TWN": (0, 1),
    "clashes": (0, np.inf),
    "crises": (0, np.inf),
    "peak_rung": (0, 5),
    "crisis_time_share": (0, 1),
    "deterrence_success_rate.TWN_PHL": (0, 1),
    "polarisation": (0, 1),
    "stability_index": (0, 1),
    "arms_burden": (0, 1),
    "war_onset_years": (0, np.inf),
    "arms_growth_cagr": (-1, np.inf),
}
"""Each outcome's range, as docs/outcomes.md defines it."""


@st.composite
def samples(draw) -> tuple[str, list[float]]:
    """An outcome and the values of a few replications, inside its range."""
    name = draw(st.sampled_from(sorted(RANGES)))
    low, high = RANGES[name]
    n = draw(st.integers(1, 40))
    if high == 1 and name.split(".")[0] in ("war_onset", "clash_onset"):
        values = st.sampled_from([0.0, 1.0])
    elif name in ("clashes", "crises", "peak_rung"):
        values = st.integers(0, int(min(high, 30))).map(float)
    else:
        values = st.floats(low, min(high, low + 50))
    return name, draw(st.lists(values, min_size=n, max_size=n))


@given(samples())
def test_intervals_stay_inside_each_outcomes_range(sample):
    """Every interval holds its mean and stays in the outcome's range.

    Before, a share got t intervals beyond [0, 1] and a count below 0.
    """
    name, values = sample
    outcomes = pd.DataFrame({"point": 0, name: values})
    row = summarise(outcomes, names=[name]).iloc[0]
    low, high = RANGES[name]
    if row["interval"] == "none":  # too few replications to say
        assert len(values) < 3 and np.isnan(row["lower"]) and np.isnan(row["upper"])
        return
    assert low <= row["lower"] <= row["mean"] + 1e-12
    assert row["mean"] - 1e-12 <= row["upper"] <= high


def test_a_count_of_zeros_and_ones_is_a_count_not_an_indicator():
    """Clashes 0 or 1 in each replication: a count's interval, not Wilson's."""
    outcomes = pd.DataFrame(
        {"point": 0, "clashes": [0.0, 1, 0, 0, 1, 0], "war_onset": 0.0}
    )
    table = summarise(outcomes).set_index("outcome")
    assert table.loc["clashes", "interval"] == "t"
    assert table.loc["clashes", "lower"] == 0  # cut at 0, not below
    assert table.loc["war_onset", "interval"] == "wilson"
    assert table.loc["war_onset", "upper"] > 0  # no war, but not certainty


def test_too_few_replications_get_no_interval_and_say_so():
    """One or two replications: the mean and its n, no absurd t interval."""
    outcomes = pd.DataFrame(
        {
            "point": [0, 1, 1],
            "crises": [4.0, 2.0, 6.0],
            "crisis_time_share": [1.0, 0.9, 1.0],
            "war_onset": [0.0, 0.0, 1.0],
        }
    )
    table = summarise(outcomes)
    few = table[table["outcome"] != "war_onset"]
    assert (few["interval"] == "none").all() and few["lower"].isna().all()
    assert (table[table["outcome"] == "war_onset"]["interval"] == "wilson").all()
    markdown = markdown_table(table, ["point"])
    assert "| crises | 4 (n=1) | 4 (n=2) |" in markdown
    assert "| time in crisis | 1 (n=1) | 0.95 (n=2) |" in markdown
    assert "| P(war) | 0 [0, 0.793] | 0.5 [0.0945, 0.905] |" in markdown
    assert "too few replications" in short_summary(outcomes)


def test_a_real_batch_has_every_outcome_declared_and_in_range(results_folders):
    """A batch of 12: each outcome has a kind, each interval its range.

    An outcome defined in fewer than three replications (the years to a first
    clash, where only two runs had one) gets no interval; the first two
    replications alone get no interval but Wilson's, and say so.
    """
    from sim.results import open_results
    from sim.summary import OUTCOME_KINDS, outcome_columns, summarise_results

    results = open_results(results_folders / "batch")
    outcomes = results.table("outcomes")
    assert {c.split(".")[0] for c in outcome_columns(outcomes)} <= set(OUTCOME_KINDS)
    table, _ = summarise_results(results)
    assert (table["n"] <= 12).all()
    assert ((table["interval"] != "none") | (table["n"] < 3)).all()
    for row in table[table["interval"] != "none"].itertuples():
        kind = outcome_kind(row.outcome)
        assert kind.low <= row.lower <= row.mean <= row.upper <= kind.high, row
    clashes = table.set_index("outcome").loc["clashes"]
    assert clashes["kind"] == "count" and clashes["interval"] != "wilson"
    two = summarise(outcomes[outcomes["replication"] < 2])
    assert set(two["interval"]) <= {"wilson", "none"}
    assert "(n=2)" in short_summary(outcomes[outcomes["replication"] < 2])


def test_short_summary_names_an_outcome_that_never_varied():
    """One value in every replication of every group: said, with the value."""
    outcomes = pd.DataFrame(
        {
            "point": [0, 0, 0, 1, 1, 1],
            "clash_onset": 1.0,
            "war_onset": [0.0, 1, 0, 0, 0, 0],
            "deterrence_success_rate": [np.nan, 0.5, np.nan, 0.5, 0.5, np.nan],
        }
    )
    text = short_summary(outcomes)
    assert "One value in every replication: clash_onset = 1, " in text
    assert "deterrence_success_rate = 0.5." in text  # NaN left out
    assert "war_onset =" not in text
    assert "One value" not in short_summary(outcomes.iloc[:2])  # too few to say


def test_a_batch_with_settings_says_so_in_its_caption_and_figure_titles(
    results_folders, tmp_path
):
    """``--set`` changes the scenario: the table's caption and the title name it."""
    from sim import batch, plots
    from sim.results import open_results
    from sim.summary import caption

    plan = batch.plan(
        results_folders / "triad.toml",
        replications=3,
        settings={"mechanisms.escalation.war_cost": 0.3},
    )
    batch.run(plan, tmp_path / "set", progress=False)
    results = open_results(tmp_path / "set")
    said = "triad with mechanisms.escalation.war_cost=0.3,"
    assert caption(results).startswith(said)
    title = plots.draw(results, "escalation").get_suptitle()
    assert "with mechanisms.escalation.war_cost=0.3" in title
    assert "triad with" not in caption(open_results(results_folders / "batch"))


def test_the_caption_of_a_run_names_its_replication(results_folders):
    """A run is one replication: its table says which, not '1 replications'."""
    from sim.results import open_results
    from sim.summary import caption

    run = open_results(results_folders / "run")
    assert ", replication 0, seed " in caption(run)
    assert "replications per point" not in caption(run)
    batch = open_results(results_folders / "batch")
    assert "12 replications per point" in caption(batch)


def test_a_cell_on_fewer_values_than_its_group_says_how_many(outcomes):
    """Point 1 has 5 replications, its deterrence rate 4 values; point 0 none."""
    text = markdown_table(summarise(outcomes, inputs=["x"]), by=["point"])
    rows = {
        cells[0]: cells[1:]
        for line in text.splitlines()[2:]
        for cells in [[c.strip() for c in line.strip("|").split("|")]]
    }  # turned: one row per outcome, a column per point
    assert rows["n"] == ["5", "5"]
    assert rows["deterrence success"] == ["n/a", "0.625 [0, 1] (n=4)"]
    assert "(n=" not in rows["P(war)"][1]


def test_the_n_column_is_the_groups_replications_whatever_the_outcomes(outcomes):
    """Only an outcome with gaps shown: n is still each group's 5 replications.

    Not the most values of the outcomes shown (4, and 0 where none is defined),
    and the cell on 4 values says so; pooled points count replications.
    """
    table = summarise(outcomes, names=["deterrence_success_rate"])
    text = markdown_table(table, ["point"])
    assert "| 0 | 5 | n/a |" in text
    assert "| 1 | 5 | 0.625 [0, 1] (n=4) |" in text
    assert table["replications"].tolist() == [5, 5]
    pooled = summarise(outcomes.assign(x=0.5), by=["x"], names=["war_onset"])
    assert pooled["replications"].tolist() == [5]
    dry = outcomes.assign(x=0.5, war_onset=[np.nan] * 6 + [1.0] * 4)
    text = markdown_table(summarise(dry, by=["x"], names=["war_onset"]), ["x"])
    assert "| 0.5 | 5 | 1 [0.51, 1] (n=4) |" in text
