"""The crisis decision: the stage game, its logit QRE and its Nash limit."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import root

from sim.dynamics.crisis_chain import EXITS, escalation_open, outcomes
from sim.dynamics.crisis_decision import (
    equilibrium,
    expected,
    stage_payoffs,
    stage_qre,
)
from sim.dynamics.escalation import WAR, Params


def crisis(
    *,
    power=(3.0, 1.0),
    resolve=(0.8, 0.8),
    belief=None,
    audience=(0.0, 0.0),
    tying=0.0,
    punishment=(1.0, 1.0),
    stake=(1.0, 1.0),
    open_=True,
    temperature=0.05,
    views=(0, 1),
    **params,
):
    """Strategies of one crisis at every rung, (K - 1, 2, 3), challenger first.

    ``tying`` is the audience cost a side adds by its own climb; ``views`` the
    sides whose views are solved (their strategies only are returned).
    """
    pair = np.array([resolve], dtype=float)
    climbed = np.array([[1, 0], [0, 1], [1, 1]])  # challenger, defender, both
    audience_up = np.array(audience) + tying * climbed
    strategy, utility, chance = equilibrium(
        own_power=np.array([power], dtype=float),
        opponent_power=np.array([power[::-1]], dtype=float),
        rung=np.arange(1, WAR)[None],
        top=WAR,
        stake=np.array([stake], dtype=float),
        resolve=pair,
        belief=pair[:, ::-1] if belief is None else np.array([belief], dtype=float),
        audience_cost=np.array([audience], dtype=float),
        audience_up=np.broadcast_to(audience_up, (1, WAR - 1, 3, 2)),
        punishment=np.array([punishment], dtype=float),
        may_escalate=np.full((1, WAR - 1, 2), open_),
        may_escalate_up=np.full((1, WAR - 1, 3, 2), open_),
        params=Params(temperature=temperature, **params),
        views=views,
    )
    return strategy[0], utility[0], chance[0]


@settings(max_examples=40, deadline=None)
@given(
    power=st.tuples(*[st.floats(0.1, 10.0)] * 2),
    resolve=st.tuples(*[st.floats(0.1, 2.0)] * 2),
    belief=st.tuples(*[st.floats(0.1, 2.0)] * 2),
    audience=st.tuples(*[st.floats(0.0, 0.5)] * 2),
    tying=st.floats(0.0, 0.3),
)
def test_one_sides_view_solved_alone_is_that_side_of_both(
    power, resolve, belief, audience, tying
):
    """A challenger weighing an opening solves its own view only: same bits."""
    game = dict(
        power=power, resolve=resolve, belief=belief, audience=audience, tying=tying
    )
    both = crisis(**game)
    for side in (0, 1):
        alone = crisis(**game, views=(side,))
        for one, of_both in zip(alone, both, strict=True):
            assert np.array_equal(one[:, 0], of_both[:, side])


@settings(max_examples=40, deadline=None)
@given(
    power=st.tuples(*[st.floats(0.3, 3.0)] * 2),
    resolve=st.tuples(*[st.floats(0.2, 1.0)] * 2),
    audience=st.tuples(*[st.floats(0.0, 0.4)] * 2),
)
def test_each_side_plays_the_logit_of_the_utilities_it_reports(
    power, resolve, audience
):
    """The utilities given out (decisions.csv) are those the strategies answer.

    With accurate beliefs both views are one game, so each side's strategy is
    the logit of its reported expected utilities, the stand-off valued as going
    on, to the solver's residual: at most 1e-6 in 300 random crises (3e-11 at
    the median; 0.037 at most before games left circling were rescued);
    reporting the stand-off settled at once instead gives 0.38 at the median.
    """
    strategy, utility, _ = crisis(
        power=power, resolve=resolve, audience=audience, temperature=0.08
    )
    finite = np.where(np.isinf(utility), -1e9, utility)
    logit = np.exp((finite - finite.max(axis=-1, keepdims=True)) / 0.08)
    logit /= logit.sum(axis=-1, keepdims=True)
    assert np.abs(strategy - logit).max() < 1.5e-6


@settings(max_examples=40, deadline=None)
@given(
    power=st.tuples(*[st.floats(0.3, 3.0)] * 2),
    resolve=st.tuples(*[st.floats(0.2, 1.0)] * 2),
    stake=st.tuples(*[st.floats(0.2, 1.0)] * 2),
    audience=st.tuples(*[st.floats(0.0, 0.4)] * 2),
)
def test_with_accurate_beliefs_both_sides_see_one_game(power, resolve, stake, audience):
    """Each side expects the strategy the other plays, whatever the two stakes.

    A side knows what the issue is worth to the other (``S_j``) but not its
    resolve: with accurate beliefs its view of the other's strategy is that
    strategy. Checked on backing down, whose payoffs need no stand-off or climb
    values: ``u_i(B) = s_j(B) (1/2 - delta_i) V_i + (1 - s_j(B)) (-delta_i V_i -
    a_i)``. Valuing the other's stake as one's own made views differ where the
    two stakes do, and sides that were sure the other would yield climbed into
    war with accurate beliefs.
    """
    strategy, utility, _ = crisis(
        power=power, resolve=resolve, stake=stake, audience=audience, temperature=0.08
    )
    value = np.array(resolve) * np.array(stake)
    defender = np.array([0.0, 1.0])
    other_yields = strategy[:, ::-1, 0]  # (rung, side)
    back_down = other_yields * (0.5 - defender) * value + (1.0 - other_yields) * (
        -defender * value - np.array(audience)
    )
    assert np.allclose(utility[..., 0], back_down, atol=1e-9)


def random_stage(rng: np.random.Generator, games: int) -> np.ndarray:
    """Both players' stage-game tables of random crises, (games, 2, 3, 3)."""
    value = rng.uniform(0.1, 1.0, (games, 2))
    audience = rng.uniform(0.0, 0.5, (games, 2))
    defender = np.array([0.0, 1.0])
    standoff = rng.uniform(-1.0, 0.5, (games, 2)) - defender
    climb = (standoff + rng.uniform(-0.4, 0.2, (games, 2)))[..., None]
    climb = climb + rng.uniform(-0.1, 0.1, (games, 2, 3))  # by who climbed
    return stage_payoffs(value, audience, defender, standoff, climb)


@pytest.mark.parametrize("tau", [1.0, 0.3, 0.08])
def test_the_qre_is_a_fixed_point_of_the_logit_response(tau):
    """Each side's strategy is the logit of its expected utilities.

    The fixed iterations leave a residual below 1e-4 in 99% of random crisis
    games and below 1e-2 in all (the slowest are games near a saddle of the
    logit dynamics).
    """
    tables = random_stage(np.random.default_rng(3), 1000)
    sigma, _ = stage_qre(tables, np.ones((1000, 2), bool), tau)
    residual = np.zeros(1000)
    for me in (0, 1):
        utility = expected(tables[:, me], sigma[:, 1 - me])
        logit = np.exp((utility - utility.max(axis=1, keepdims=True)) / tau)
        logit /= logit.sum(axis=1, keepdims=True)
        residual = np.maximum(residual, np.abs(sigma[:, me] - logit).max(axis=1))
    assert np.quantile(residual, 0.99) < 1e-4 and residual.max() < 1e-2


def principal_branch(table: np.ndarray, lam: float, steps: int = 400) -> np.ndarray:
    """The logit QRE at ``lam`` on the branch that starts at the centroid, (2, 3).

    Path-following (McKelvey and Palfrey 1995; Turocy 2005): at lambda 0 the
    centroid is the only QRE; lambda rises in small steps, and at each a root
    finder (scipy's hybrid Newton method) corrects the previous answer onto the
    QRE equations. A different method from the kernel's damped iterations, so an
    independent reference where the branch does not fold back.
    """

    def gap(flat: np.ndarray, precision: float) -> np.ndarray:
        sigma = flat.reshape(2, 3)
        logit = np.empty((2, 3))
        for me in range(2):
            utility = table[me] @ sigma[1 - me]
            weight = np.exp(precision * (utility - utility.max()))
            logit[me] = weight / weight.sum()
        return (logit - sigma).ravel()

    sigma = np.full(6, 1.0 / 3.0)
    for precision in np.linspace(0.0, lam, steps + 1)[1:]:
        sigma = root(gap, sigma, args=(precision,), method="hybr", tol=1e-13).x
    assert np.abs(gap(sigma, lam)).max() < 1e-10
    return sigma.reshape(2, 3)


@pytest.mark.parametrize("lam", [1.0, 4.0, 12.0])
def test_the_qre_is_the_principal_branchs(lam):
    """The compiled solver finds the QRE that path-following from the centroid finds."""
    tables = random_stage(np.random.default_rng(int(lam)), 6)
    sigma, _ = stage_qre(tables, np.ones((6, 2), bool), 1.0 / lam)
    for table, mine in zip(tables, sigma, strict=True):
        np.testing.assert_allclose(mine, principal_branch(table, lam), atol=1e-6)


def test_the_qre_tends_to_the_nash_equilibrium_as_temperature_falls():
    """A hopeless defender facing a firm challenger: the unique Nash is (hold, back).

    The challenger wins a stand-off (W = 0.2 > 0) so holding dominates; the
    defender's stand-off (-1.3) is worse than conceding (-1). nashpy confirms
    the equilibrium of the 2 x 2 game left with escalation closed.
    """
    nashpy = pytest.importorskip("nashpy")
    tables = stage_payoffs(
        np.ones(2), np.zeros(2), np.array([0.0, 1.0]), np.array([0.2, -1.3]), -2.0
    )[None]
    (nash,) = list(
        nashpy.Game(tables[0, 0, :2, :2], tables[0, 1, :2, :2].T).support_enumeration()
    )
    for tau in (0.05, 1e-3, 0.0):
        sigma, _ = stage_qre(tables, np.zeros((1, 2), bool), tau)
        gap = np.abs(sigma[0, :, :2] - np.array(nash)).max()
        assert gap < (1e-6 if tau < 0.01 else 0.05)
    assert (sigma[0, :, 2] == 0.0).all()


def test_each_game_is_solved_the_same_alone_or_in_any_batch():
    """Elementwise arithmetic: one game's QRE is bit-identical in any batch."""
    rng = np.random.default_rng(5)
    tables = random_stage(rng, 37)
    can = rng.random((37, 2)) < 0.6
    together, _ = stage_qre(tables, can, 0.2)
    for m in (0, 17, 36):
        alone, _ = stage_qre(tables[m : m + 1], can[m : m + 1], 0.2)
        assert np.array_equal(alone[0], together[m])


def test_a_closed_action_is_never_played():
    """Escalation removed from the game gets probability exactly 0."""
    strategy, utility, _ = crisis(open_=False)
    assert (strategy[..., 2] == 0.0).all()
    assert np.isneginf(utility[..., 2]).all()
    np.testing.assert_allclose(strategy.sum(axis=-1), 1.0)


def test_the_weaker_side_backs_down_and_the_stronger_stands():
    """Facing a much stronger opponent, the defender concedes; the strong holds.

    With a linear rung cost it concedes at a show of force already, more often
    than it holds (it concedes in the end whatever it does, so conceding
    later, or after a climb, is worth about as much); at the fitted, steep
    cost (low rungs nearly free) it holds them longer, since it can still
    concede at the next rung, but concedes at a clash, before war. Where a
    stand-off lapses at the status quo (``settlement_by_power`` 0) it holds
    the low rungs outright, and concedes at a clash only if the strong side
    would fight: with a war worth less than the stake (cost 0.6 against a
    stake worth 0.8) it does; at a cost of 1.2, above the stake, the strong
    side's threat of war is not credible (Schelling 1960), so at a clash it
    backs down.
    """
    strategy, _, chance = crisis(power=(10.0, 1.0), rung_cost_exponent=1.0)
    assert (chance[:, 0] > 0.5).all()
    defender = strategy[1, 1]  # at a show of force
    assert defender[0] > 0.3 and defender[0] > defender[1]  # backs down
    assert strategy[1, 0, 0] < 0.05  # the challenger does not
    fitted, _, _ = crisis(power=(10.0, 1.0))
    assert (fitted[:, 1, 0] > fitted[:, 0, 0]).all()
    assert fitted[-1, 1, 0] > 0.9  # at a limited clash
    assert (fitted[:, 0, 0] < 0.05).all()
    lapsing, _, _ = crisis(power=(10.0, 1.0), settlement_by_power=0.0, war_cost=0.6)
    assert (lapsing[:2, 1, 0] < 0.01).all()  # holds a protest and a show of force
    assert lapsing[-1, 1, 0] > 0.9 and lapsing[-1, 0, 0] < 0.05
    bluff, _, _ = crisis(power=(10.0, 1.0), settlement_by_power=0.0, war_cost=1.2)
    assert bluff[-1, 1, 1] > 0.9 and bluff[-1, 0, 0] > 0.5


@settings(max_examples=30, deadline=None)
@given(
    ratio=st.floats(1.0, 30.0),
    resolve=st.floats(0.3, 1.0),
    temperature=st.floats(0.02, 0.3),
)
def test_a_stand_off_lapsing_at_the_status_quo_keeps_the_defender_in(
    ratio, resolve, temperature
):
    """A defender concedes less below a clash where a stand-off ends in stalemate.

    Settled on the contest's terms, a stand-off costs the weaker defender part
    of the stake anyway; lapsing at the status quo (COW MID's stalemate, the
    ending of most disputes) it costs only the rung's cost, so holding the low
    rungs beats conceding, and the challenger, which then gains only by a
    concession higher up, backs down more there.
    """
    kwargs = dict(power=(ratio, 1.0), resolve=(resolve, resolve))
    lapse, _, _ = crisis(temperature=temperature, settlement_by_power=0.0, **kwargs)
    terms, _, _ = crisis(temperature=temperature, settlement_by_power=1.0, **kwargs)
    assert (lapse[:2, 1, 0] < terms[:2, 1, 0]).all()
    assert (lapse[:2, 0, 0] >= terms[:2, 0, 0]).all()


def war_chance(strategy: np.ndarray) -> float:
    """Chance that a decision at the last rung before war leads to war.

    The chain's climbs from that rung (:func:`crisis_chain.outcomes`), both
    sides' escalation open.
    """
    chance = outcomes(
        strategy[None],
        np.full((1, 2), WAR),
        np.array([WAR - 1]),
        np.zeros(1, dtype=int),
        top=WAR,
        enabled=True,
    )
    return float(chance[0, len(EXITS) :].sum())


def test_war_does_not_pay_without_high_resolve_and_stakes():
    """At the top rung war is worse than backing down, save for a keen, safe side.

    Between equals of middling resolve a clash is left by a concession, not by
    war (a climb that meets a concession ends the crisis, not in war).
    """
    strategy, _, _ = crisis(power=(1.0, 1.0), resolve=(0.5, 0.5), temperature=0.01)
    assert war_chance(strategy[-1]) < 0.02
    assert strategy[-1, :, 0].max() > 0.5  # one of them concedes
    keen, keen_utility, _ = crisis(
        power=(30.0, 1.0), resolve=(1.0, 0.5), punishment=(0.1, 1.9), temperature=0.01
    )
    assert keen_utility[-1, 0, 2] > keen_utility[-1, 0, 0]
    assert keen[-1, 0, 0] < 0.01


def test_audience_costs_keep_their_bearer_in_and_push_its_opponent_out():
    """Fearon (1994): the side that bears it backs down less, its opponent more."""
    free, _, _ = crisis(power=(1.0, 1.0), temperature=0.1)
    tied, _, _ = crisis(power=(1.0, 1.0), audience=(0.5, 0.0), temperature=0.1)
    assert (tied[:, 0, 0] < free[:, 0, 0]).all()
    assert (tied[:, 1, 0] > free[:, 1, 0]).all()


def test_a_side_foresees_that_its_own_climb_ties_its_hands():
    """Fearon (1994): a public climb raises the climber's own audience cost.

    A climb is valued by who made it: a weaker defender that would concede
    higher up climbs less when its climbs tie its hands, and concedes sooner.
    Below the last rung before war, where the climb is to war itself. (The
    stronger challenger's climbing barely moves: it wins by waiting as well as
    by climbing, since a stand-off goes on until the defender concedes.)
    """
    free, _, _ = crisis(tying=0.0, temperature=0.1)
    tied, _, _ = crisis(tying=0.3, temperature=0.1)
    below = slice(0, WAR - 2)
    assert (tied[below, 1, 2] < free[below, 1, 2]).all()
    assert (tied[below, 1, 0] > free[below, 1, 0]).all()


def test_underrating_the_opponent_makes_a_side_press_harder():
    """Fearon (1995): believing the other less resolved, a side backs down less.

    It stands firm (holds or climbs) more, and climbs more, at every rung.
    (At the war cost of 0.783 once fitted to the record's one war, it held
    more and climbed less at a protest, expecting the other to concede while
    the stand-off went on.)
    """
    even = {"power": (1.0, 1.0), "temperature": 0.1}
    true, _, _ = crisis(**even)
    blind, _, _ = crisis(**even, belief=(0.2, 0.8))
    assert (blind[:, 0, 0] < true[:, 0, 0]).all()
    assert (blind[:, 0, 2] > true[:, 0, 2]).all()


def test_beliefs_count_on_the_nearly_free_low_rungs():
    """Fearon (1995): underrating the defender, the challenger climbs a show of force.

    At the fitted, steep rung cost a show of force costs almost nothing, so a
    climb is worth what follows it: the game one rung up, where a defender
    believed irresolute concedes. A climb valued as the next rung's stand-off
    alone would not depend on the belief (0.445 against 0.454 before). So the
    blind challenger climbs more, by a clear margin (the solver's residual is
    below 1e-4), below a clash, and backs down less at every rung.
    """
    even = {"power": (1.0, 1.0), "resolve": (0.35, 0.35)}
    true, _, _ = crisis(**even)
    blind, _, _ = crisis(**even, belief=(0.1, 0.35))
    assert (blind[:-1, 0, 2] > true[:-1, 0, 2] + 0.03).all()
    assert (blind[:, 0, 0] < true[:, 0, 0]).all()


def test_a_climb_is_worth_the_game_one_rung_up():
    """Signorino (1999): escalating pays for what follows, not for the rung.

    Facing a hopeless defender that concedes at a clash, the challenger at a
    militarised dispute prefers the climb, although a stand-off at a clash
    would be worth less to it than one where it stands.
    """
    strategy, utility, chance = crisis(power=(10.0, 1.0))
    clash, dispute = WAR - 1, WAR - 2
    assert strategy[clash - 1, 1, 0] > 0.9  # the defender concedes at a clash
    standoff = chance[clash - 1, 0] * 0.8 - Params().war_cost * (clash / WAR) ** (
        Params().rung_cost_exponent
    )
    assert standoff < utility[dispute - 1, 0, 1]  # a clash, as a stand-off
    assert utility[dispute - 1, 0, 2] > utility[dispute - 1, 0, 1]


def test_punishment_deters_the_side_that_would_bear_it():
    """A coalition that can hurt more makes the other side back down more."""
    even, _, _ = crisis(power=(1.5, 1.0), temperature=0.1)
    hurt, _, _ = crisis(power=(1.5, 1.0), punishment=(1.8, 0.2), temperature=0.1)
    assert (hurt[1:, 0, 0] > even[1:, 0, 0]).all()


def test_thresholds_open_escalation_first_up_to_them_then_only_in_reply():
    """Threshold 2: first climbs to rung 2 only; beyond, only answering a climb."""
    rungs = np.arange(0, WAR)
    first = escalation_open(rungs, 2, False, WAR, True)
    assert first.tolist() == [True, True, False, False, False]
    reply = escalation_open(rungs, 2, True, WAR, True)
    assert reply.tolist() == [True, True, True, True, True]
    assert not escalation_open(WAR, 5, True, WAR, True)
    assert not escalation_open(rungs, 5, True, WAR, False).any()


@settings(max_examples=25, deadline=None)
@given(
    power=st.tuples(st.floats(0.1, 100.0), st.floats(0.1, 100.0)),
    resolve=st.tuples(st.floats(0.05, 1.0), st.floats(0.05, 1.0)),
    belief=st.tuples(st.floats(0.01, 5.0), st.floats(0.01, 5.0)),
    audience=st.tuples(st.floats(0.0, 2.0), st.floats(0.0, 2.0)),
    temperature=st.floats(0.0, 2.0),
    war_cost=st.floats(0.0, 3.0),
)
def test_strategies_are_distributions_whatever_the_inputs(
    power, resolve, belief, audience, temperature, war_cost
):
    """Finite, non-negative, summing to 1, at every rung and for both sides."""
    strategy, _, chance = crisis(
        power=power,
        resolve=resolve,
        belief=belief,
        audience=audience,
        temperature=temperature,
        war_cost=war_cost,
    )
    assert np.isfinite(strategy).all() and (strategy >= 0).all()
    np.testing.assert_allclose(strategy.sum(axis=-1), 1.0)
    assert ((chance > 0) & (chance < 1)).all()
