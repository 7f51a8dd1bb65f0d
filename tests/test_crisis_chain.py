"""A crisis in continuous time: paths of its Markov chain through a step."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.linalg import expm

from sim.dynamics import crisis_chain
from sim.dynamics.escalation import WAR

RUNGS = WAR - 1
EXITS = len(crisis_chain.EXITS)


def uniforms(m: int, seed: int = 0, events: int = 200) -> crisis_chain.Uniforms:
    """Independent uniforms per (crisis, event, lane), from a seeded table."""
    table = np.random.default_rng(seed).random((m, events, 2))

    def uniform(event: int, lane: int, which: np.ndarray) -> np.ndarray:
        return table[which, event, lane]

    return uniform


def walk(strategy, m, *, rung=1, flags=1, threshold=(5, 5), dt=0.25, q=2.0, lam=4.0,
         start=0.0, seed=0, uniform=None):  # fmt: skip
    """Paths of ``m`` crises whose sides play fixed strategies at each rung.

    ``strategy`` is (2, 3) or (K - 1, 2, 3) for all, or (m, K - 1, 2, 3).
    """
    strategy = np.asarray(strategy, dtype=float)
    if strategy.ndim < 4:  # (2, 3) or (K - 1, 2, 3): the same for every crisis
        strategy = np.broadcast_to(strategy, (m, RUNGS, 2, 3))
    rung = np.broadcast_to(np.array(rung), (m,))
    flags = np.broadcast_to(np.array(flags), (m,))
    climbed = np.stack([np.where(flags & 1, rung, 0), np.where(flags & 2, rung, 0)], 1)

    def decide(which, rung_now, climbed_now, time):
        return strategy[which, rung_now - 1]

    return crisis_chain.walk(
        decide,
        np.broadcast_to(np.array(threshold), (m, 2)),
        rung,
        flags,
        climbed,
        np.full(m, start),
        uniform or uniforms(m, seed),
        dt_years=dt,
        top=WAR,
        enabled=True,
        decision_rate_per_year=lam,
        settle_rate_per_year=q,
    )


def rates(strategy, threshold, rung, flags, *, lam, q) -> np.ndarray:
    """Rate per year of each transition out of one state, (TRANSITIONS,)."""
    out = (
        lam
        * crisis_chain.outcomes(
            strategy[None],
            np.array([threshold]),
            np.array([rung]),
            np.array([flags]),
            top=WAR,
            enabled=True,
        )[0]
    )
    out[crisis_chain.EXITS.index("negotiated")] += q
    return out


def pure(mine: int, theirs: int) -> np.ndarray:
    """Both sides' pure strategies, (2, 3), codes -1, 0, 1."""
    strategy = np.zeros((2, 3))
    strategy[0, mine + 1] = strategy[1, theirs + 1] = 1.0
    return strategy


def category(path: crisis_chain.Path) -> np.ndarray:
    """Each path's end as an index: (rung, flags) under way, (exit, rung), or war."""
    transient = RUNGS * crisis_chain.FLAGS
    under_way = (path.rung - 1) * crisis_chain.FLAGS + path.flags
    ended = transient + path.exit * RUNGS + (path.rung - 1)
    war = transient + EXITS * RUNGS
    return np.where(
        path.exit < 0,
        under_way,
        np.where(path.exit == crisis_chain.WAR_EXIT, war, ended),
    )


def exact_law(strategy, *, rung, flags, threshold, dt, q=2.0, lam=4.0) -> np.ndarray:
    """The law of the end state by the matrix exponential of the chain's generator."""
    transient = RUNGS * crisis_chain.FLAGS
    size = transient + EXITS * RUNGS + 1
    generator = np.zeros((size, size))
    for k in range(1, WAR):
        for w in range(crisis_chain.FLAGS):
            state = (k - 1) * crisis_chain.FLAGS + w
            out = rates(strategy[k - 1], threshold, k, w, lam=lam, q=q)
            for e in range(EXITS):
                generator[state, transient + e * RUNGS + k - 1] += out[e]
            for new_flags in (1, 2, 3):
                rate = out[EXITS + new_flags - 1]
                target = (
                    size - 1 if k + 1 == WAR else k * crisis_chain.FLAGS + new_flags
                )
                generator[state, target] += rate
            generator[state, state] -= out.sum()
    start = np.zeros(size)
    start[(rung - 1) * crisis_chain.FLAGS + flags] = 1.0
    return start @ expm(generator * dt)


def assert_close_to_law(seen: np.ndarray, law: np.ndarray, m: int) -> None:
    """Frequencies within 4 standard errors (plus 0.001) of their probabilities."""
    tolerance = 4 * np.sqrt(law * (1 - law) / m) + 1e-3
    worst = np.argmax(np.abs(seen - law) - tolerance)
    assert (np.abs(seen - law) <= tolerance).all(), (worst, seen[worst], law[worst])


def test_climbing_at_a_constant_rate_is_poisson_killed_by_settlement():
    """Both escalating: rung 1 + n with chance exp(-q t) Poisson(n; lambda t)."""
    lam, q, dt, m = 4.0, 2.0, 0.3, 40_000
    path = walk(pure(1, 1), m, dt=dt, lam=lam, q=q)
    for n in range(3):
        expected = math.exp(-q * dt) * math.exp(-lam * dt) * (lam * dt) ** n
        expected /= math.factorial(n)
        seen = np.mean((path.exit < 0) & (path.rung == 1 + n))
        assert seen == pytest.approx(expected, abs=4 * math.sqrt(expected / m))


def test_a_crisis_ends_at_an_exponential_time():
    """Challenger backing down at rate lambda against settlement at rate q."""
    lam, q, dt, m = 4.0, 2.0, 10.0, 40_000
    path = walk(pure(-1, 0), m, dt=dt, lam=lam, q=q)
    assert (path.exit >= 0).all()
    assert path.time.mean() == pytest.approx(1 / (lam + q), rel=0.03)
    share = np.mean(path.exit == 0)  # challenger backed down
    assert share == pytest.approx(lam / (lam + q), abs=0.01)
    assert set(path.exit.tolist()) == {0, 2}  # or negotiated


@pytest.mark.parametrize(
    ("rung", "flags", "threshold", "dt"),
    [(1, 1, (5, 5), 0.5), (2, 0, (2, 3), 0.25), (3, 2, (1, 5), 1.0)],
)
def test_paths_follow_the_exact_law_of_the_chain(rung, flags, threshold, dt):
    """End states of many paths match the matrix exponential of the generator."""
    strategy = np.random.default_rng(rung).dirichlet(np.ones(3), size=(RUNGS, 2))
    m = 40_000
    path = walk(strategy, m, rung=rung, flags=flags, threshold=threshold, dt=dt)
    law = exact_law(strategy, rung=rung, flags=flags, threshold=threshold, dt=dt)
    seen = np.bincount(category(path), minlength=len(law)) / m
    assert_close_to_law(seen, law, m)


def test_a_path_continued_from_mid_step_is_a_path_of_the_whole_step():
    """Markov: walking to dt/2, then on to dt, has the law of one walk to dt."""
    strategy = np.random.default_rng(5).dirichlet(np.ones(3), size=(RUNGS, 2))
    m, dt = 40_000, 0.6
    half = walk(strategy, m, dt=dt / 2)
    on = half.exit < 0
    rest = walk(
        np.broadcast_to(strategy, (int(on.sum()), RUNGS, 2, 3)),
        int(on.sum()),
        rung=half.rung[on],
        flags=half.flags[on],
        dt=dt,
        start=dt / 2,
        seed=1,
    )
    ends = category(half)
    ends[on] = category(rest)
    law = exact_law(strategy, rung=1, flags=1, threshold=(5, 5), dt=dt)
    seen = np.bincount(ends, minlength=len(law)) / m
    assert_close_to_law(seen, law, m)


def test_a_threshold_stops_first_climbs_but_not_replies():
    """A side above its threshold holds instead of climbing first; it may reply."""
    closed = crisis_chain.outcomes(
        np.broadcast_to(pure(1, 0), (2, 2, 3)),
        np.array([[1, 5], [1, 5]]),
        np.array([1, 1]),
        np.array([1, 2]),  # challenger took it to 1 / defender did
        top=WAR,
        enabled=True,
    )
    assert closed[0].sum() == 0.0  # no first climb past rung 1: both hold
    assert closed[1, EXITS] == 1.0  # a reply to the defender's climb


@settings(max_examples=30, deadline=None)
@given(
    raw=st.lists(st.floats(0.0, 1.0), min_size=RUNGS * 6, max_size=RUNGS * 6),
    rung=st.integers(1, RUNGS),
    flags=st.integers(0, 3),
    threshold=st.tuples(st.integers(0, WAR), st.integers(0, WAR)),
    dt=st.floats(0.0, 3.0),
    start=st.floats(0.0, 1.0),
)
def test_a_path_stays_on_the_ladder_and_in_the_step(
    raw, rung, flags, threshold, dt, start
):
    """Rungs only rise, at most to war; ends fall within the step; time adds up."""
    strategy = np.array(raw).reshape(1, RUNGS, 2, 3) + 1e-3
    strategy /= strategy.sum(axis=-1, keepdims=True)
    path = walk(
        np.repeat(strategy, 50, axis=0),
        50,
        rung=rung,
        flags=flags,
        threshold=threshold,
        dt=dt,
        start=min(start, dt),
    )
    assert (path.rung >= rung).all() and (path.rung <= WAR).all()
    assert ((path.rung == WAR) == (path.exit == crisis_chain.WAR_EXIT)).all()
    assert (path.time >= min(start, dt)).all() and (path.time <= dt).all()
    spent = sum(path.time_at(k) for k in range(1, WAR))
    np.testing.assert_allclose(spent, path.time - min(start, dt), atol=1e-12)


def test_each_path_is_the_same_alone_or_in_any_batch():
    """A crisis draws its own numbers: its path does not depend on the others."""
    rng = np.random.default_rng(2)
    strategy = rng.dirichlet(np.ones(3), size=(9, RUNGS, 2))
    table = np.random.default_rng(3).random((9, 200, 2))

    def uniform_of(crises: np.ndarray) -> crisis_chain.Uniforms:
        return lambda event, lane, which: table[crises[which], event, lane]

    together = walk(strategy, 9, dt=2.0, uniform=uniform_of(np.arange(9)))
    for m in (0, 4, 8):
        alone = walk(strategy[m : m + 1], 1, dt=2.0, uniform=uniform_of(np.array([m])))
        for name in ("rung", "flags", "exit", "time", "climbed", "reached"):
            assert np.array_equal(getattr(alone, name)[0], getattr(together, name)[m])
