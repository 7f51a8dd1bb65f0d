"""The crisis decision: best reply, thresholds, quantal response, factors."""

import numpy as np
import pytest

from sim.dynamics.crisis_decision import BACK_DOWN, ESCALATE, HOLD, choose
from sim.dynamics.escalation import WAR, Params


def dyad(
    *,
    power=(3.0, 1.0),
    rung=2,
    resolve=(0.8, 0.8),
    threshold=(4, 4),
    audience=(0.0, 0.0),
    climbed=(0, 0),
    temperature=0.0,
    gumbel=None,
    reps=1,
):
    """Run :func:`choose` on both sides of one crisis, ``reps`` times: (reps, 2)."""

    def sides(pair):
        return np.tile(np.array(pair, dtype=float), (reps, 1))

    params = Params(temperature=temperature, perception_noise=0.0, war_cost=0.3)
    return choose(
        own_power=sides(power),
        opponent_power=sides(power[::-1]),
        rung=np.full((reps, 2), rung),
        top=WAR,
        stake=np.ones((reps, 2)),
        resolve=sides(resolve),
        threshold=sides(threshold).astype(int),
        audience_cost=sides(audience),
        opponent_climbed=sides(climbed[::-1]).astype(int),
        trust=np.full((reps, 2), 0.5),
        opponent_transparency=np.full((reps, 2), 0.5),
        perception=np.zeros((reps, 2)),
        gumbel=np.zeros((reps, 2, 3)) if gumbel is None else gumbel,
        params=params,
    )


def test_best_reply_is_the_argmax_of_the_utilities():
    """At temperature 0 each side takes the option of highest utility."""
    action, factors = dyad(power=(1.5, 1.0), rung=1)
    best = np.argmax(factors.utility, axis=-1) - 1
    assert (action == best).all()


def test_the_stronger_side_presses_and_the_weaker_backs_down():
    """A modest edge is worth a rung; a hopeless side at a costly rung backs down."""
    action, _ = dyad(power=(1.5, 1.0), rung=1)
    assert action[0, 0] == ESCALATE
    action, _ = dyad(power=(20.0, 1.0), rung=4)
    assert action[0, 1] == BACK_DOWN


def test_audience_costs_keep_a_weak_side_in_the_crisis():
    """Fearon: once enough audience cost is paid, backing down is worse than holding."""
    free, _ = dyad(power=(20.0, 1.0), rung=4)
    bound, _ = dyad(power=(20.0, 1.0), rung=4, audience=(0.0, 1.0))
    assert free[0, 1] == BACK_DOWN
    assert bound[0, 1] == HOLD


def test_threshold_blocks_climbing_unless_the_opponent_passed_it():
    """A state at its threshold does not climb first, but may once the other did."""
    _, blocked = dyad(power=(1.5, 1.0), rung=2, threshold=(2, 4))
    assert blocked.utility[0, 0, 2] == -np.inf
    _, freed = dyad(power=(1.5, 1.0), rung=2, threshold=(2, 4), climbed=(0, 3))
    assert np.isfinite(freed.utility[0, 0, 2])


def test_nobody_climbs_past_major_war():
    """From the rung below war one may climb; from war itself, never."""
    _, below = dyad(rung=WAR - 1, threshold=(WAR, WAR))
    _, top = dyad(rung=WAR, threshold=(WAR, WAR))
    assert np.isfinite(below.utility[0, 0, 2])
    assert top.utility[0, 0, 2] == -np.inf


def test_choice_frequencies_follow_the_logit_rule():
    """With Gumbel noise, option o is chosen with probability softmax(U / tau)."""
    rng = np.random.default_rng(0)
    reps, tau = 40000, 0.1
    gumbel = rng.gumbel(size=(reps, 2, 3))
    action, factors = dyad(power=(1.5, 1.0), rung=1, temperature=tau, gumbel=gumbel)
    u = factors.utility[0, 0] / tau
    expected = np.exp(u - u.max()) / np.exp(u - u.max()).sum()
    observed = [np.mean(action[:, 0] == a) for a in (BACK_DOWN, HOLD, ESCALATE)]
    assert observed == pytest.approx(expected, abs=0.01)


def test_factors_record_what_each_side_saw():
    """The factors hold each side's balance, resolve, threshold and audience cost."""
    _, f = dyad(power=(3.0, 1.0), resolve=(0.9, 0.4), threshold=(3, 2))
    assert (f.own_power[0, 0], f.opponent_power[0, 0]) == (3.0, 1.0)
    assert f.seen_chance[0, 0] > 0.5 > f.seen_chance[0, 1]
    assert f.seen_chance[0, 0] + f.seen_chance[0, 1] == pytest.approx(1.0)
    assert (f.resolve[0, 0], f.resolve[0, 1]) == (0.9, 0.4)
    assert (f.threshold[0, 0], f.threshold[0, 1]) == (3, 2)
    assert f.utility.shape == (1, 2, 3)
