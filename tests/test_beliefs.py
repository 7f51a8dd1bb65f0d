"""Beliefs about the opponent's resolve: drawn at onset, learned from costly signals."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.dynamics import beliefs


def test_the_error_grows_as_trust_and_transparency_fall_and_a_cbm_narrows_it():
    """``sigma = s (1 - trust)(1 - transparency)(1 - h [CBM])``."""
    wide = beliefs.error_spread(2.0, 0.1, 0.2, False, 0.5)
    assert wide == pytest.approx(2.0 * 0.9 * 0.8)
    assert beliefs.error_spread(2.0, 0.6, 0.2, False, 0.5) < wide
    assert beliefs.error_spread(2.0, 0.1, 0.2, True, 0.5) == pytest.approx(wide / 2)


def test_an_onset_belief_is_the_truth_blurred_by_a_lognormal_error():
    """Its median is the true resolve; its log error has the given spread."""
    normal = np.random.default_rng(1).standard_normal(200_000)
    belief = beliefs.onset_belief(0.6, 0.5, normal)
    assert np.median(belief) == pytest.approx(0.6, rel=0.01)
    assert np.log(belief / 0.6).std() == pytest.approx(0.5, rel=0.01)
    assert (beliefs.onset_belief(0.6, 0.0, normal) == 0.6).all()


@given(
    belief=st.floats(0.01, 10.0),
    signal=st.floats(0.0, 2.0),
    dt=st.floats(0.0, 2.0),
)
def test_costly_signals_teach_the_truth_at_a_rate_per_year(belief, signal, dt):
    """The log error shrinks, more for costlier signals, the same in one step or two."""
    truth = 0.7
    after = beliefs.learn(belief, truth, signal * dt, 4.0)
    assert abs(np.log(after / truth)) <= abs(np.log(belief / truth)) + 1e-12
    dearer = beliefs.learn(belief, truth, (signal + 0.5) * dt, 4.0)
    assert abs(np.log(dearer / truth)) <= abs(np.log(after / truth)) + 1e-12
    half = signal * dt / 2
    twice = beliefs.learn(beliefs.learn(belief, truth, half, 4.0), truth, half, 4.0)
    assert twice == pytest.approx(after, rel=1e-9)
