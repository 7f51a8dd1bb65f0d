"""Experiment designs: parsing settings and ranges, grid, LHS and Sobol' points."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.design import Design, DesignError, Range, parse_range, parse_setting

PATH = "mechanisms.arms_race.reaction_per_year"


def test_setting_values_are_read_as_toml():
    """Numbers, booleans and quoted strings keep their types; bare words are text."""
    assert parse_setting("a.b=0.2") == ("a.b", 0.2)
    assert parse_setting("a.b = 3") == ("a.b", 3)
    assert parse_setting("a.b=true") == ("a.b", True)
    assert parse_setting('a.b="x y"') == ("a.b", "x y")
    assert parse_setting("a.b=east") == ("a.b", "east")


@pytest.mark.parametrize("text", ["a.b", "=1", "a.b="])
def test_setting_without_path_or_value_is_refused(text):
    """A setting must be path=value."""
    with pytest.raises(DesignError, match="path=value"):
        parse_setting(text)


def test_range_parses_bounds_and_grid_count():
    """path=lo:hi[:n] gives the bounds and the optional grid count."""
    assert parse_range(f"{PATH}=0.1:0.3") == Range(PATH, 0.1, 0.3, None)
    assert parse_range(f"{PATH}=0.1:0.3:4") == Range(PATH, 0.1, 0.3, 4)
    assert parse_range(f"{PATH}=0.1:0.1:1") == Range(PATH, 0.1, 0.1, 1)


@pytest.mark.parametrize(
    ("bounds", "message"),
    [
        ("0.5:0.1", "lo 0.5 is above hi 0.1"),
        ("0.1", "expected path=lo:hi"),
        ("a:1", "'a' is not a number"),
        ("0:1:0", "n 0 must be a whole number"),
        ("0:1:2.5", "n 2.5 must be a whole number"),
        (
            "0.2:0.8:1",
            "n 1 must be a whole number >= 2, for a grid from lo 0.2 to hi 0.8",
        ),
        ("0:inf", "must be finite"),
    ],
)
def test_bad_range_is_refused_with_reason(bounds, message):
    """A range with lo > hi, a missing bound or a bad count names the problem."""
    with pytest.raises(DesignError, match=message):
        parse_range(f"{PATH}={bounds}")


def test_grid_is_the_full_factorial_in_order():
    """A grid has the product of the ranges' counts, the last range varying fastest."""
    design = Design("grid", (Range("a", 0.0, 1.0, 3), Range("b", 1, 2, 2)))
    assert design.points() == [
        {"a": 0.0, "b": 1},
        {"a": 0.0, "b": 2},
        {"a": 0.5, "b": 1},
        {"a": 0.5, "b": 2},
        {"a": 1.0, "b": 1},
        {"a": 1.0, "b": 2},
    ]


def test_whole_number_grid_has_distinct_whole_values():
    """Whole-number bounds give whole values without repeats."""
    assert Range("t", 1, 3, 7).grid() == [1, 2, 3]
    assert Range("t", 0, 10).grid() == [0, 2, 5, 8, 10]


@pytest.mark.parametrize("n", [None, 1, 3])
def test_a_grid_with_equal_bounds_has_one_point_not_n_copies(n):
    """``x=0.5:0.5:3`` runs 0.5 once: three points would be one point run thrice."""
    design = Design("grid", (Range("a", 0.5, 0.5, n), Range("b", 0.0, 1.0, 2)))
    assert design.points() == [{"a": 0.5, "b": 0.0}, {"a": 0.5, "b": 1.0}]


@given(
    n=st.integers(1, 40),
    lo=st.floats(-10, 10),
    width=st.floats(0.001, 10),
    seed=st.integers(0, 2**32),
)
def test_lhs_puts_one_point_in_each_stratum(n, lo, width, seed):
    """Latin hypercube: each of n equal strata of every range holds one point."""
    design = Design("lhs", (Range("a", lo, lo + width), Range("b", 0.0, 1.0)), n, seed)
    points = design.points()
    for path, low, span in (("a", lo, width), ("b", 0.0, 1.0)):
        values = np.array([p[path] for p in points])
        assert np.all((values >= low) & (values <= low + span))
        strata = np.minimum(((values - low) / span * n).astype(int), n - 1)
        assert sorted(strata) == list(range(n))


@pytest.mark.parametrize("kind", ["lhs", "sobol"])
def test_sampled_designs_depend_only_on_seed(kind):
    """The same seed gives the same points; another seed gives others."""
    ranges = (Range("a", 0.0, 1.0), Range("b", 0, 5))
    first = Design(kind, ranges, 8, seed=3).points()
    assert first == Design(kind, ranges, 8, seed=3).points()
    assert first != Design(kind, ranges, 8, seed=4).points()
    assert all(isinstance(p["b"], int) and 0 <= p["b"] <= 5 for p in first)


def test_sobol_needs_a_power_of_two():
    """Sobol' sequences lose their balance unless n is a power of two."""
    with pytest.raises(DesignError, match="power of two"):
        Design("sobol", (Range("a", 0.0, 1.0),), samples=10)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "grid"}, "at least one path=lo:hi"),
        (
            {"kind": "single", "ranges": (Range("a", 0, 1),)},
            "a single batch takes none",
        ),
        ({"kind": "box", "ranges": (Range("a", 0, 1),)}, "use one of"),
        ({"kind": "lhs", "ranges": (Range("a", 0, 1, 3),)}, "take a number of samples"),
        ({"kind": "grid", "ranges": (Range("a", 0, 1), Range("a", 0, 2))}, "more"),
    ],
)
def test_inconsistent_design_is_refused(kwargs, message):
    """Designs without ranges, with repeated ranges or misplaced counts fail."""
    with pytest.raises(DesignError, match=message):
        Design(**kwargs)


def test_grid_values_are_the_decimals_a_user_would_type():
    """0.2:1.0:5 is 0.2, 0.4, 0.6, 0.8, 1.0, so ``df[x == 0.6]`` finds its point.

    ``numpy.linspace`` gives 0.6000000000000001 and 0.15000000000000002 (0.1:0.2:3).
    """
    assert Range("x", 0.2, 1.0, 5).grid() == [0.2, 0.4, 0.6, 0.8, 1.0]
    assert Range("x", 0.1, 0.2, 3).grid() == [0.1, 0.15, 0.2]


def test_a_path_ranged_twice_is_refused():
    """Two ranges of one path would label points by one of them alone."""
    ranges = (parse_range("a.b=0:1:2"), parse_range("a.b=0:1:3"))
    with pytest.raises(DesignError) as refused:
        Design("grid", ranges)
    assert str(refused.value) == "ranges a.b: given more than once"
    assert refused.value.field == "ranges"
