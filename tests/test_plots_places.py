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
