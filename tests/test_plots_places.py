"""Per-dyad and per-theater figures: the means and intervals drawn per place."""

import numpy as np
import pandas as pd
import pytest

from sim import plots
from sim.plots.places import place_outcomes
from sim.summary import wilson_interval


@pytest.fixture
def outcomes() -> pd.DataFrame:
    """Ten replications: war in a dyad 3 times, in a theater 1 time."""
    return pd.DataFrame(
        {
            "point": 0,
            "replication": range(10),
            "war_onset": [1.0] * 3 + [0.0] * 7,
            "war_onset.RED_BLUE": [1.0] * 3 + [0.0] * 7,
            "war_onset.GREEN_BLUE": 0.0,
            "war_onset.border": [1.0] + [0.0] * 9,
            "clash_onset.border": 0.0,
        }
    )


def test_places_are_drawn_with_their_means_and_wilson_intervals(outcomes):
    """One panel of dyads, one of theaters; each point a mean with its interval."""
    fig = place_outcomes(outcomes, "war_onset", years=5)
    dyads, theaters = fig.axes
    container = dyads.containers[0]
    np.testing.assert_allclose(
        np.asarray(container.lines[0].get_xdata(), float), [0, 0.3]
    )
    assert [t.get_text() for t in dyads.get_yticklabels()] == ["GREEN-BLUE", "RED-BLUE"]
    low, high = wilson_interval(np.array([3.0]), np.array([10.0]))
    bar = container.lines[2][0].get_segments()[1]
    np.testing.assert_allclose(bar[:, 0], [low[0], high[0]])
    assert [t.get_text() for t in theaters.get_yticklabels()] == ["border"]
    assert "probability of war (war_onset" not in theaters.get_xlabel()
    assert theaters.get_xlabel().startswith("probability of war within 5 years")


def test_places_refuse_an_outcome_without_places(outcomes):
    """A regional outcome has no places, and the error lists those that do."""
    with pytest.raises(ValueError, match="no per-place columns"):
        place_outcomes(outcomes, "peak_rung")


def test_per_place_labels_name_the_place():
    """A per-place outcome's label says the place and the horizon."""
    from sim.plots.titles import outcome_label

    assert (
        outcome_label("war_onset.CHN_TWN", 5)
        == "probability of war (CHN_TWN) within 5 years"
    )
    assert plots.PLOT_KINDS.count("places") == 1


def test_places_without_values_take_no_slot_and_are_counted():
    """A place with no value is left out, not ranked first, and counted apart.

    23 dyads: 21 with values (means 0 to 1) and 2 where the outcome is never
    defined. The 20 largest defined means are drawn; the title counts the one
    smaller mean and the two places with no values.
    """
    rows = {"point": 0, "replication": range(10)}
    for k in range(21):
        rows[f"deterrence_success_rate.D{k:02d}_X"] = k / 20
    rows["deterrence_success_rate.EMPTY_A"] = np.nan
    rows["deterrence_success_rate.EMPTY_B"] = np.nan
    fig = place_outcomes(pd.DataFrame(rows), "deterrence_success_rate")
    (dyads,) = fig.axes
    names = [t.get_text() for t in dyads.get_yticklabels()]
    assert names == [f"D{k:02d}-X" for k in range(1, 21)]
    x = np.asarray(dyads.containers[0].lines[0].get_xdata(), float)
    np.testing.assert_allclose(x, np.arange(1, 21) / 20)
    assert dyads.get_title(loc="left") == (
        "per dyad (1 more with lower means, 2 with no values)"
    )


def test_places_too_thin_for_an_interval_say_their_n():
    """A mean from too few values for an interval is marked (n=K), as in summaries.

    One crisis to judge in the theater (one value of ten): a bare dot at its
    value, its name marked ``(n=1)`` and the axis saying what the mark means;
    the dyad with ten values keeps its interval and its plain name.
    """
    outcomes = pd.DataFrame(
        {
            "point": 0,
            "replication": range(10),
            "deterrence_success_rate.RED_BLUE": [0.5, 1.0] * 5,
            "deterrence_success_rate.border": [0.75] + [np.nan] * 9,
        }
    )
    dyads, theaters = place_outcomes(outcomes, "deterrence_success_rate").axes
    assert [t.get_text() for t in theaters.get_yticklabels()] == ["border (n=1)"]
    assert list(theaters.containers[0].lines[0].get_xdata()) == [0.75]
    assert [t.get_text() for t in dyads.get_yticklabels()] == ["RED-BLUE"]
    assert theaters.get_xlabel().endswith(
        "\nPLACE (n=K): too few values (K) for an interval"
    )
