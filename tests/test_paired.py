"""Paired comparisons on common random numbers: known answers and intervals."""

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import paired
from sim.experiments import ExperimentError
from sim.paired import Arm, Ratio, newcombe_interval, paired_effect
from sim.summary import wilson_interval
from tests.conftest import pair_toml

RATE = "mechanisms.escalation.dispute_rate_per_year"
RICHARDSON = Path(__file__).parent.parent / "scenarios" / "richardson_two_state.toml"


def ones(n: int) -> np.ndarray:
    """A denominator of ones: the arm's estimate is a plain mean."""
    return np.ones(n)


def test_identical_arms_differ_by_exactly_nothing(write_scenario):
    """Same scenario twice: every replication matches, the t interval is [0, 0]."""
    path = write_scenario(pair_toml(steps=12))
    pair = paired.run(Arm(path), Arm(path), replications=40)
    result = pair.compare("crises")
    assert result.estimate_a == result.estimate_b > 0
    assert (result.effect, result.low, result.high) == (0.0, 0.0, 0.0)
    assert result.contains(0) and result.sign == 0 and result.method == "t"


def test_a_planted_effect_is_found(write_scenario):
    """Ten times the dispute rate: more crises, an interval wholly above 0."""
    path = write_scenario(pair_toml(steps=12))
    pair = paired.run(Arm(path, {RATE: 0.2}), Arm(path, {RATE: 2.0}), replications=60)
    result = pair.compare("crises", scale="relative")
    assert result.sign == 1 and result.low > 1.0
    assert result.low <= result.effect <= result.high
    assert "crises:" in str(result) and "60 paired replications" in str(result)


def test_a_deterministic_model_gives_intervals_of_width_zero():
    """Richardson's race has no randomness: effect exact, interval of width 0."""
    reaction = "state.RED.arms_race.reaction_per_year"
    pair = paired.run(
        Arm(RICHARDSON), Arm(RICHARDSON, {reaction: 0.3}), replications=5, steps=20
    )
    same = pair.compare("arms_growth_cagr")
    assert same.effect > 0 and same.low == same.high == pytest.approx(same.effect)


def test_arms_share_arm_a_seed(write_scenario):
    """Arm b's own seed is not used: both arms run with arm a's."""
    path = write_scenario(pair_toml(steps=4))
    pair = paired.run(Arm(path), Arm(path, {"scenario.seed": 99}), replications=3)
    assert pair.seed == 7
    assert pair.compare("crises").effect == 0.0


def test_crisis_counts_and_ratios_come_from_the_records(write_scenario):
    """A Ratio of per-replication counts is a share of crises."""
    path = write_scenario(pair_toml(steps=12))
    pair = paired.run(Arm(path, {RATE: 0.5}), Arm(path, {RATE: 2.0}), replications=30)
    records = pair.records_a
    assert records.count().sum() == len(records.crises)
    assert records.count() @ np.ones(30) == pytest.approx(records.outcomes.crises.sum())

    def climbed(r: paired.Records) -> Ratio:
        return Ratio(r.count(r.crises["peak_rung"] >= 2), r.count())

    result = pair.compare(climbed)
    share = (pair.records_a.crises["peak_rung"] >= 2).mean()
    assert result.estimate_a == pytest.approx(share)
    assert result.metric == "climbed" and result.low <= result.effect <= result.high


def test_final_model_series_are_one_row_per_replication(write_scenario):
    """The last step's model series are there for metrics such as credibility."""
    path = write_scenario(pair_toml(steps=3))
    records = paired.run(Arm(path), Arm(path), replications=4).records_b
    assert records.final["replication"].tolist() == [0, 1, 2, 3]
    assert "mean_trust" in records.final
    assert records.years == pytest.approx(0.75)


def test_t_interval_is_the_textbook_paired_t():
    """For means, the interval is mean(d) +- t * sd(d) / sqrt(n)."""
    rng = np.random.default_rng(3)
    a = rng.normal(size=50)
    b = a + 0.3 + rng.normal(scale=0.5, size=50)
    result = paired_effect((a, ones(50)), (b, ones(50)))
    d = b - a
    half = 2.009575 * d.std(ddof=1) / np.sqrt(50)  # t(0.975, 49)
    assert result.low == pytest.approx(d.mean() - half, rel=1e-5)
    assert result.high == pytest.approx(d.mean() + half, rel=1e-5)


def test_relative_effects_of_a_scaled_arm_are_exact():
    """Arm b twice arm a, replication by replication: +100%, interval [1, 1]."""
    a = np.array([1.0, 2.0, 5.0, 3.0])
    result = paired_effect((a, ones(4)), (2 * a, ones(4)), scale="relative")
    assert result.effect == pytest.approx(1.0)
    assert (result.low, result.high) == pytest.approx((1.0, 1.0))
    assert "+100.0%" in str(result)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=200),
    st.sampled_from([0.8, 0.95, 0.99]),
)
def test_newcombe_holds_the_estimate_within_bounds(pairs, confidence):
    """Newcombe's interval holds p_b - p_a, lies in [-1, 1], mirrors on a swap."""
    a, b = (np.array(x, dtype=bool) for x in zip(*pairs, strict=True))
    low, high = newcombe_interval(a, b, confidence)
    d = b.mean() - a.mean()
    assert -1 - 1e-12 <= low <= d <= high <= 1 + 1e-12
    swapped = newcombe_interval(b, a, confidence)
    assert swapped == pytest.approx((-high, -low))


def test_newcombe_is_honest_when_neither_arm_has_an_event():
    """0 of 100 in both arms: the difference is 0 but not known to be exactly 0."""
    none = np.zeros(100, dtype=bool)
    low, high = newcombe_interval(none, none)
    upper = wilson_interval(0, 100)[1]
    assert (low, high) == pytest.approx((-upper, upper))
    assert 0.03 < upper < 0.04  # Wilson's 95% upper bound for 0/100 is 0.037


def test_auto_picks_newcombe_for_zero_one_outcomes():
    """A 0/1 outcome on the difference scale gets Newcombe's interval."""
    a = np.array([0, 0, 1, 0, 0, 0, 1, 0] * 10, dtype=float)
    b = np.array([0, 1, 1, 0, 1, 0, 1, 0] * 10, dtype=float)
    result = paired_effect((a, ones(80)), (b, ones(80)))
    assert result.method == "newcombe" and result.sign == 1
    assert paired_effect((a, ones(80)), (b, ones(80)), method="t").method == "t"


def test_bootstrap_is_reproducible_and_finds_a_planted_effect():
    """The paired bootstrap uses a fixed seed and covers the true ratio."""
    rng = np.random.default_rng(5)
    x = rng.poisson(3.0, size=300).astype(float)
    y_a = rng.binomial(x.astype(int), 0.2).astype(float)
    y_b = rng.binomial(x.astype(int), 0.5).astype(float)
    first = paired_effect((y_a, x), (y_b, x), method="bootstrap")
    again = paired_effect((y_a, x), (y_b, x), method="bootstrap")
    assert first == again and first.sign == 1
    t = paired_effect((y_a, x), (y_b, x), method="t")
    assert first.low == pytest.approx(t.low, abs=0.05)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"scale": "log"}, "scale 'log': expected one of difference, relative"),
        ({"method": "exact"}, "method 'exact': expected one of auto, t,"),
        ({"confidence": 95}, "confidence 95: must be in"),
        ({"method": "newcombe"}, "newcombe needs a 0/1 outcome"),
    ],
)
def test_bad_arguments_are_named(kwargs, message):
    """An unknown scale or method, or a misused one, fails saying what is allowed."""
    a = np.array([1.0, 2.0, 3.0])
    with pytest.raises(ExperimentError, match=message):
        paired_effect((a, ones(3)), (a, ones(3)), **kwargs)


def test_unpaired_or_empty_shares_are_refused():
    """Arms of different lengths, or a share of no events, fail clearly."""
    a = np.array([1.0, 2.0])
    with pytest.raises(ExperimentError, match="must be paired one to one"):
        paired_effect((a, ones(2)), (np.ones(3), ones(3)))
    with pytest.raises(ExperimentError, match="arm a has a zero denominator"):
        paired_effect((a * 0, a * 0), (a, ones(2)))


def test_bad_metrics_are_named(write_scenario):
    """An unknown outcome, NaN values or a wrong shape fail naming the metric."""
    path = write_scenario(pair_toml(steps=2))
    pair = paired.run(Arm(path), Arm(path), replications=3)
    with pytest.raises(ExperimentError, match="'risk': not an outcome; outcomes: "):
        pair.compare("risk")
    with pytest.raises(ExperimentError, match="has NaN in some replications"):
        pair.compare("war_onset_years")
    with pytest.raises(ExperimentError, match=r"expected one value per .*\(3,\)"):
        pair.compare(lambda r: np.zeros(2))


def test_a_relative_effect_from_nothing_is_undefined():
    """Arm a at 0: no relative effect (NaN), and no warning on the way."""
    result = paired_effect(
        (np.zeros(5), ones(5)), (np.ones(5), ones(5)), scale="relative"
    )
    assert np.isnan(result.effect) and np.isnan(result.low) and result.sign == 0


def test_records_of_other_replications_or_seeds_make_no_pair(write_scenario):
    """A pair is refused unless both arms ran the same seed and replications."""
    path = write_scenario(pair_toml(steps=2))
    three = paired.run_arm(Arm(path), replications=3)
    with pytest.raises(ExperimentError, match="ran different replications"):
        paired.Pair(
            Arm(path), Arm(path), three, paired.run_arm(Arm(path), replications=4), 7
        )
    other = paired.run_arm(Arm(path), replications=3, seed=8)
    with pytest.raises(ExperimentError, match="ran seeds 7 and 8"):
        paired.Pair(Arm(path), Arm(path), three, other, 7)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.floats(-1e3, 1e3), min_size=2, max_size=50),
    st.floats(-100, 100),
)
def test_a_constant_shift_is_measured_exactly(values, shift):
    """Arm b = arm a + c in every replication: effect c, an interval of width ~0."""
    a = np.array(values)
    result = paired_effect((a, ones(len(a))), (a + shift, ones(len(a))), method="t")
    assert result.effect == pytest.approx(shift, abs=1e-9)
    assert result.low == pytest.approx(shift, abs=1e-6)
    assert result.high == pytest.approx(shift, abs=1e-6)


def test_newcombe_without_correlation_is_the_square_and_add_interval():
    """With phi = 0 the paired interval is Newcombe's square-and-add of two Wilsons."""
    # both 2, only b 8, only a 4, neither 26: ad - bc = 20 <= n/2, so phi is 0
    a = np.array([1] * 2 + [0] * 8 + [1] * 4 + [0] * 26, dtype=bool)
    b = np.array([1] * 2 + [1] * 8 + [0] * 4 + [0] * 26, dtype=bool)
    (l_a, u_a), (l_b, u_b) = wilson_interval(6, 40), wilson_interval(10, 40)
    p_a, p_b = 6 / 40, 10 / 40
    low = p_b - p_a - np.hypot(p_b - l_b, u_a - p_a)
    high = p_b - p_a + np.hypot(p_a - l_a, u_b - p_b)
    assert newcombe_interval(a, b) == pytest.approx((low, high))


def test_a_0_1_outcome_the_arms_agree_on_has_no_relative_interval():
    """One war in 20, in the same replication of both arms: no relative interval.

    Every log-ratio term is 0, so t (or the bootstrap) would give [+0%, +0%] as
    if the effect were known; the difference scale's Newcombe interval keeps the
    width 20 replications leave.
    """
    war = np.zeros(20)
    war[3] = 1.0
    for method in ("auto", "t", "bootstrap"):
        result = paired_effect(
            (war, ones(20)), (war.copy(), ones(20)), scale="relative", method=method
        )
        assert result.effect == 0 and result.method == "none"
        assert np.isnan(result.low) and np.isnan(result.high)
        assert "no 95% CI (none, 20 paired" in str(result)
    difference = paired_effect((war, ones(20)), (war.copy(), ones(20)))
    assert difference.method == "newcombe"
    bounds = (difference.low, difference.high)
    assert bounds == pytest.approx((-0.1705, 0.1705), abs=1e-4)
