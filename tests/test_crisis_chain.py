"""A crisis in continuous time: the exact law of its Markov chain over a step."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.dynamics import crisis_chain
from sim.dynamics.escalation import WAR

RUNGS = WAR - 1
STATES = RUNGS * crisis_chain.FLAGS


def law(strategy, *, rung=1, flags=1, threshold=(5, 5), dt=0.25, q=2.0, lam=4.0):
    """The law of one crisis (or several) after ``dt`` years."""
    strategy = np.asarray(strategy, dtype=float)
    if strategy.ndim == 2:  # (2, 3): the same at every rung
        strategy = np.broadcast_to(strategy, (1, RUNGS, 2, 3))
    m = len(strategy)
    return crisis_chain.step_law(
        strategy=strategy,
        threshold=np.broadcast_to(np.array(threshold), (m, 2)),
        rung=np.broadcast_to(np.array(rung), (m,)),
        flags=np.broadcast_to(np.array(flags), (m,)),
        top=WAR,
        enabled=True,
        decision_rate_per_year=lam,
        settle_rate_per_year=q,
        dt_years=dt,
    )


def pure(mine: int, theirs: int) -> np.ndarray:
    """Both sides' pure strategies, (2, 3), codes -1, 0, 1."""
    strategy = np.zeros((2, 3))
    strategy[0, mine + 1] = strategy[1, theirs + 1] = 1.0
    return strategy


def test_poisson_weights_cover_all_but_a_negligible_tail():
    """The uniformisation weights are Poisson's and sum to 1 within its tail."""
    weights = crisis_chain.poisson_weights(3.0)
    assert sum(weights) == pytest.approx(1.0, abs=1e-12)
    assert weights[2] == pytest.approx(math.exp(-3.0) * 9.0 / 2.0)


def test_climbing_at_a_constant_rate_is_poisson_killed_by_settlement():
    """Both escalating: rung 1 + n with chance exp(-q t) Poisson(n; lambda t)."""
    lam, q, dt = 4.0, 2.0, 0.3
    probabilities = law(pure(1, 1), dt=dt, lam=lam, q=q)[0]
    for n in range(RUNGS):
        at = n * crisis_chain.FLAGS + (1 if n == 0 else 3)
        poisson = math.exp(-lam * dt) * (lam * dt) ** n / math.factorial(n)
        assert probabilities[at] == pytest.approx(math.exp(-q * dt) * poisson)
    # war: RUNGS climbs before settlement and before dt (Erlang against exponential)
    rate = lam + q
    reached = 1.0 - sum(
        math.exp(-rate * dt) * (rate * dt) ** k / math.factorial(k)
        for k in range(RUNGS)
    )
    assert probabilities[-1] == pytest.approx((lam / rate) ** RUNGS * reached)


def test_backing_down_competes_with_settlement():
    """Challenger backing down at rate lambda against settlement at rate q."""
    lam, q, dt = 4.0, 2.0, 0.2
    probabilities = law(pure(-1, 0), dt=dt, lam=lam, q=q)[0]
    exits = probabilities[STATES:-1].reshape(len(crisis_chain.EXITS), RUNGS)
    ended = 1.0 - math.exp(-(lam + q) * dt)
    assert exits[0, 0] == pytest.approx(lam / (lam + q) * ended)  # challenger, rung 1
    assert exits[2, 0] == pytest.approx(q / (lam + q) * ended)  # negotiated
    assert probabilities[1] == pytest.approx(1.0 - ended)


@settings(max_examples=30, deadline=None)
@given(
    raw=st.lists(st.floats(0.0, 1.0), min_size=RUNGS * 6, max_size=RUNGS * 6),
    rung=st.integers(1, RUNGS),
    flags=st.integers(0, 3),
    threshold=st.tuples(st.integers(0, WAR), st.integers(0, WAR)),
    dt=st.floats(0.0, 3.0),
)
def test_the_law_is_a_distribution_and_composes_over_time(
    raw, rung, flags, threshold, dt
):
    """Rows sum to 1; two steps of dt/2 give the law of one step of dt."""
    strategy = np.array(raw).reshape(1, RUNGS, 2, 3) + 1e-3
    strategy /= strategy.sum(axis=-1, keepdims=True)
    whole = law(strategy, rung=rung, flags=flags, threshold=threshold, dt=dt)[0]
    assert (whole >= -1e-15).all() and whole.sum() == pytest.approx(1.0, abs=1e-9)
    half = law(strategy, rung=rung, flags=flags, threshold=threshold, dt=dt / 2)[0]
    composed = half.copy()
    composed[:STATES] = 0.0
    for state in np.flatnonzero(half[:STATES] > 0):
        k, w = divmod(state, crisis_chain.FLAGS)
        after = law(strategy, rung=k + 1, flags=w, threshold=threshold, dt=dt / 2)[0]
        composed += half[state] * after
    np.testing.assert_allclose(composed, whole, atol=1e-9)


def test_each_crisis_law_is_the_same_alone_or_in_any_batch():
    """Elementwise arithmetic: a crisis's law is bit-identical in any batch."""
    rng = np.random.default_rng(2)
    strategy = rng.dirichlet(np.ones(3), size=(9, RUNGS, 2))
    rung, flags = rng.integers(1, WAR, 9), rng.integers(0, 4, 9)
    together = law(strategy, rung=rung, flags=flags, threshold=(3, 2))
    for m in (0, 4, 8):
        alone = law(strategy[m : m + 1], rung=rung[m], flags=flags[m], threshold=(3, 2))
        assert np.array_equal(alone[0], together[m])


def test_sample_and_decode_name_every_category():
    """Inversion picks the category whose cumulative mass covers the uniform."""
    probabilities = np.zeros((3, STATES + len(crisis_chain.EXITS) * RUNGS + 1))
    probabilities[0, 2 * crisis_chain.FLAGS + 3] = 1.0  # rung 3, both climbed
    probabilities[1, STATES + 1 * RUNGS + 2] = 1.0  # defender backed down at rung 3
    probabilities[2, -1] = 1.0  # war
    rung, flags, exit_code = crisis_chain.decode(
        crisis_chain.sample(probabilities, np.full(3, 0.5)), WAR
    )
    assert rung.tolist() == [3, 3, WAR]
    assert flags[0] == 3 and exit_code.tolist() == [-1, 1, len(crisis_chain.EXITS)]
