"""The crisis decision: a stage game of back down / hold / escalate, played in QRE.

Each decision opportunity of a crisis (see :mod:`.crisis_chain`) is a simultaneous
3 x 3 game between its two sides, after the international interaction game of
Bueno de Mesquita and Lalman (*War and Reason*, 1992) cut to one move each: a side
can give in (back down), stand firm (hold) or raise the stakes (escalate). The pair
plays a logit quantal response equilibrium (McKelvey and Palfrey, *Games and
Economic Behavior* 10, 1995), as in Signorino's strategic choice models (APSR 93(2),
1999): each side's choice probabilities are the logit of its expected utilities,
which depend on the opponent's choice probabilities.

Payoffs are measured from the status quo. Side i is the challenger
(``delta_i = 0``) or the defender (``delta_i = 1``); ``V_i = rho_i S_i`` is the
value of the stake to i (resolve times i's stake, its hostility to j); ``a_i``
the audience cost i bears if it backs down (Fearon 1994); ``h_i`` how hard j's
whole coalition can hurt i (:func:`sim.conflict.punishment`: deterrence by
punishment, Snyder 1961). A stand-off at rung ``m`` is worth

    W_i(m) = (p_i(m) - delta_i) V_i - h_i c(m),    c(m) = C (m / K)^e,

the contest's expected outcome (the challenger gains the stake with chance
``p_i(m)``; the defender loses it with chance ``1 - p_i(m)``) less the cost of
standing at that rung; ``W_i(K)`` is the value of war. At rung ``k``:

    i vs j        back down               hold             escalate
    back down     (1/2 - delta_i) V_i     -delta_i V_i - a_i   (same)
    hold          (1 - delta_i) V_i       H_i(k)           U_i(k + 1; j)
    escalate      (1 - delta_i) V_i       U_i(k + 1; i)    U_i(k + 1; ij)

Both backing down is a negotiated compromise (the stake split); a challenger that
backs down alone keeps the status quo but pays its audience cost; a defender that
backs down alone concedes the stake and pays its audience cost; standing against
a side that backs down gets what it concedes.

Both holding is a stand-off that goes on. Before the next decision opportunity
(rate ``lambda_d``) it is negotiated away (rate ``q_s``) with chance
``1 - c``, ``c = lambda_d / (lambda_d + q_s)``, on terms that follow the balance
at that rung as far as ``s`` (``settlement_by_power``) says,

    S_i(k) = s (p_i(k) - delta_i) V_i - h_i c(k):

``s = 1`` (the default) the contest's expected outcome, ``S_i = W_i(k)``, as
bargaining in the shadow of power has it (Powell, *In the Shadow of Power*,
1999); ``s = 0`` the status quo, less the rung's cost, as the stalemate that
ends most militarised disputes (COW MID 5.0: 110 of the 123 with a known ending
among the baseline's states, 1990-2014). Otherwise the same game is played
again. So a stand-off is worth

    H_i(k) = (1 - c) S_i(k) + c G_i(k),

``G_i(k)`` the game's value to i in its equilibrium, which contains ``H_i(k)``
itself: a stationary (Markov) continuation value, found with the equilibrium by
:func:`stage_qre` (as the agent QRE of an extensive form values a subgame by its
equilibrium, McKelvey and Palfrey, *Experimental Economics* 1, 1998). Holding is
thus worth what waiting for the other to yield is worth, as in Fearon (1994)'s
war of attrition: a side that expects the other to concede later holds rather
than climbs to war, and a side locked in by its audience cost against a
stronger will knows that it will concede in the end, and concedes before it
has built that cost. (Valuing a stand-off as settled at once, ``W_i(k)``, made
audience costs add war with accurate beliefs, theory case d_crisis: sides locked
in at a clash found war barely worse than holding and drifted into it by logit
mistakes.)

Any escalation against a side that stands takes the crisis one rung up, which is
worth what the game there is worth to i in its equilibrium,

    U_i(k + 1; .) = sum_{o,o'} sigma_i(o | k+1) sigma_j(o' | k+1) u_i(o, o' | k+1),

the expected utility of what follows the move given both sides' quantal
responses to it (Signorino 1999's strategic choice; Bueno de Mesquita and Lalman
1992: escalating pays when the opponent then yields, not for the rung itself).
The game one rung up depends on who climbed (``; i``, ``; j``, ``; ij``): a
public climb raises the climber's own audience cost there (``a_i`` grows with
the highest rung i took the crisis to by choice,
:func:`~.escalation.audience_borne`), so a side weighs that its escalation ties
its own hands (Fearon 1994): it commits it, which makes the opponent more
likely to yield one rung up, and makes backing down there dearer. A side that
expects to concede higher up therefore does not climb on the way, and builds no
audience cost that would later lock it in.
That game one rung up values its own climb as a settled stand-off, ``S_i(k + 2)``
(``W_i(K)``, war, at the top): a one-rung horizon, a modelling choice kept for
its cost (full backward induction over the ladder keeps the small worlds'
cases and halves theory case d_region before a refit, but takes twice the time
a step; see docs/theory.md). So a side backs down when
``p_i(k) V_i + a_i < h_i c(k)`` (roughly: when standing costs more than it can
win), and climbs when the game one rung up is worth more to it than the
stand-off here: when it expects the opponent to concede there. Beliefs thus
count even where the rung cost is nearly nil: a side that underrates the
other's resolve expects it to yield one rung up and climbs toward it (Fearon
1995), and a side that sees the other's audience cost expects it to stand and
yields (Fearon 1994).

The chance to prevail is a contest success function (Tullock 1980; Hirshleifer
1989) of the local balance (deterrence by denial), whose decisiveness grows with
the rung:

    p_i(m) = P_i^(d m) / (P_i^(d m) + P_j^(d m)) = 1 / (1 + exp(-d m ln(P_i / P_j))).

War pays (``W_i(K) > 0``) only when ``p_i(K) V_i > h_i C``: with the default
``C`` = 1.6 (held, see :class:`~sim.dynamics.escalation.Params`), above any
stake's value in the baseline, only for a side with high resolve, stake and odds
facing a coalition that cannot hurt it much.

Private information (Fearon 1995): i knows its own resolve ``rho_i`` but sees j's
only through its belief ``b_ij`` (see :mod:`.beliefs`); what the issue is worth to
j, ``S_j``, is public, as is ``a_j``. Each side solves the game as it sees it, with
``V_j = b_ij S_j``, and plays its own strategy of that equilibrium. With accurate
beliefs the two views coincide, whatever the two stakes. (Until 2026-12-01 a side
valued the other's stake as its own, ``b_ij S_i``: where the two differed, as
between PRK (0.87) and the USA (0.76), the views did too, and even with accurate
beliefs and a near-zero temperature a side sure the other would yield climbed
into war.)

Thresholds: a state's threshold ``theta_i`` is the highest rung it climbs to
first. Escalation from rung ``k`` is open to i when ``k + 1 <= theta_i``, or in
reply when j took the crisis to rung ``k``; otherwise i's escalate is removed from
the game (probability 0). A side above its threshold can still be drawn into war:
a hold against an escalation climbs too.

Solver (:func:`stage_qre`): a fixed number of damped iterations of the logit
response over all games at once, following the principal branch by annealing the
logit precision ``lambda = 1 / tau`` up from near 0 (all actions equally likely,
the unique QRE there) to its target, as a homotopy does (Turocy, *Games and
Economic Behavior* 51, 2005). Everything is elementwise over the leading axes, so
each game's answer does not depend on the batch. As ``tau -> 0`` the QRE tends to
a Nash equilibrium. Each crisis's game is solved at each decision opportunity
(see :mod:`.crisis_chain`), at its rung then (:func:`equilibrium`), after the
game one rung above it, whose value its climb takes.
"""

from dataclasses import dataclass

import numpy as np

from sim.dynamics.escalation import ACTIONS, BACK_DOWN, ESCALATE, HOLD, Params
from sim.dynamics.quantal import stage_qre

__all__ = [
    "ACTIONS",
    "BACK_DOWN",
    "ESCALATE",
    "HOLD",
    "Factors",
    "equilibrium",
    "expected",
    "prevail_chance",
    "rung_cost",
    "stage_payoffs",
    "stage_qre",
]
_TINY_POWER = 1e-9
#: Who escalated, on the last axis of a climb's values (:func:`stage_payoffs`):
#: the side itself alone, its opponent alone, both.
OWN, THEIRS, BOTH = 0, 1, 2
#: Who escalated, on the climbers axis of :func:`equilibrium`'s ``audience_up``
#: and ``may_escalate_up``: the challenger alone, the defender alone, both.
CLIMBERS = ("challenger", "defender", "both")


@dataclass(frozen=True)
class Factors:
    """Why each side chose what it chose; one entry per side of a crisis.

    Attributes:
        own_power: ``P_i``, i's power in the crisis theater with allies, US$ m.
        opponent_power: ``P_j``, the same for the opponent, US$ m.
        chance: ``p_i(k)``, i's chance to prevail at the current rung.
        resolve: ``rho_i``.
        belief: ``b_ij``, i's belief about j's resolve.
        stake: ``S_i``, i's stake: its hostility to j, at least ``min_stake``.
        audience_cost: ``a_i``, what backing down would cost i at home.
        threshold: ``theta_i``.
        utility: i's expected utility of (back down, hold, escalate) against
            j's strategy in i's view, on a last axis of 3; ``-inf`` where
            escalation is closed.
        strategy: i's equilibrium choice probabilities of (back down, hold,
            escalate) at the current rung, on a last axis of 3.
        action: The action drawn from ``strategy`` (shown to policies).
    """

    own_power: np.ndarray
    opponent_power: np.ndarray
    chance: np.ndarray
    resolve: np.ndarray
    belief: np.ndarray
    stake: np.ndarray
    audience_cost: np.ndarray
    threshold: np.ndarray
    utility: np.ndarray
    strategy: np.ndarray
    action: np.ndarray


def rung_cost(
    rung: np.ndarray, top: int, war_cost: float, exponent: float
) -> np.ndarray:
    """Cost of standing at a rung, ``c(m) = C (m / K)^e``, in stake units."""
    return war_cost * (rung / top) ** exponent


def prevail_chance(log_ratio: np.ndarray, rung: np.ndarray, d: float) -> np.ndarray:
    """Contest success ``1 / (1 + exp(-d m lambda))``, computed stably with tanh."""
    return 0.5 * (1.0 + np.tanh(0.5 * d * rung * log_ratio))


def stage_payoffs(
    value: np.ndarray,
    audience_cost: np.ndarray,
    defender: np.ndarray,
    standoff: np.ndarray,
    climb: np.ndarray,
) -> np.ndarray:
    """One side's payoff table of the stage game (the module docstring's table).

    Every argument but ``climb`` broadcasts to one shape S. Each cell is
    computed at the arguments' own shapes and only then spread over S.

    Args:
        value: ``V_i``.
        audience_cost: ``a_i``.
        defender: ``delta_i``, 1 for the defender, 0 for the challenger.
        standoff: ``S_i(k)``, the stand-off's value should it settle now.
        climb: What a climb to the next rung is worth to i, S + (3,): after
            its own escalation against a hold, ``U_i(k + 1; i)``; after the
            opponent's against its hold, ``U_i(k + 1; j)``; after both
            escalate, ``U_i(k + 1; ij)`` (:func:`equilibrium`).

    Returns:
        Payoffs, shape S + (3, 3): own action by the opponent's, in the order
        back down, hold, escalate.
    """
    shape = np.broadcast_shapes(
        *(np.shape(a) for a in (value, audience_cost, defender, standoff)),
        np.shape(climb)[:-1],
    )
    climb = np.broadcast_to(climb, (*np.shape(climb)[:-1], 3))
    table = np.empty((*shape, 3, 3))
    table[..., 0, 0] = (0.5 - defender) * value
    table[..., 0, 1:] = (-defender * value - audience_cost)[..., None]
    table[..., 1:, 0] = ((1.0 - defender) * value)[..., None]
    table[..., 1, 1] = standoff
    table[..., 1, 2] = climb[..., THEIRS]
    table[..., 2, 1] = climb[..., OWN]
    table[..., 2, 2] = climb[..., BOTH]
    return table


def expected(payoff: np.ndarray, theirs: np.ndarray) -> np.ndarray:
    """Expected payoff of each own action against the opponent's strategy, S + (3,).

    Args:
        payoff: Payoff table, S + (3, 3), own action first.
        theirs: The opponent's strategy, S + (3,).
    """
    product = payoff * theirs[..., None, :]
    return product[..., 0] + product[..., 1] + product[..., 2]


def equilibrium(
    *,
    own_power: np.ndarray,
    opponent_power: np.ndarray,
    rung: np.ndarray,
    top: int,
    stake: np.ndarray,
    resolve: np.ndarray,
    belief: np.ndarray,
    audience_cost: np.ndarray,
    audience_up: np.ndarray,
    punishment: np.ndarray,
    may_escalate: np.ndarray,
    may_escalate_up: np.ndarray,
    params: Params,
    views: tuple[int, ...] = (0, 1),
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each side's strategy at some rungs: its part of the QRE as it sees it.

    Every argument but ``rung``, ``top``, ``audience_up``, the ``may_escalate``
    ones and ``params`` has shape (P, 2): crisis p's challenger at 0 on the
    last axis and its defender at 1, each value as that side holds it
    (``belief[p, 0]`` is the challenger's belief about the defender's
    resolve). ``rung`` (P, V) lists the rungs below war to solve each crisis's
    game at and ``may_escalate`` (P, V, 2) whether each side may escalate from
    each. ``audience_up`` and ``may_escalate_up``, (P, V, 3, 2), give each
    side's audience cost and right to escalate one rung up, should the crisis
    climb there after an escalation by the challenger alone, by the defender
    alone, or by both (:data:`CLIMBERS`). The stage games of the sides' views
    at all those rungs are solved at once by :func:`stage_qre`, after the
    three games one rung above them, whose equilibrium values ``U(k + 1; .)``
    a climb is worth. Each rung's answer depends only on its own inputs, not
    on the other rungs asked. ``views`` lists the sides whose views to solve
    (both by default); a caller that needs one side's play only (a challenger
    weighing an opening) solves half the games, and gets the same answer for
    that side as from both.

    Returns:
        ``(strategy, utility, chance)``: the strategy of each side in
        ``views`` at each rung asked (P, V, len(views), 3); its expected
        utility of each action there against the opponent's strategy in its
        own view (P, V, len(views), 3), ``-inf`` where escalation is closed;
        and its chance to prevail there (P, V, len(views)).
    """
    other = np.array([1, 0])  # the column of each side's opponent
    seer = np.array(views)  # [view]: the side whose view it is
    side_of = np.stack([seer, other[seer]], axis=1)  # [view, player]: 0 is seer
    # [party, who climbed counted from that party] -> who climbed, counted from
    # party 0: a view's seer is side 0 or 1, a player of a view 0 or 1
    climbers_of = np.array([[0, 1, 2], [1, 0, 2]])

    def seen(own: np.ndarray, theirs: np.ndarray) -> np.ndarray:
        """(P, view, 1, 1, player): own for player 0, theirs for player 1."""
        return np.stack([own[:, seer], theirs[:, seer]], axis=-1)[:, :, None, None, :]

    def seen_up(by_side: np.ndarray) -> np.ndarray:
        """(P, V, climbers, side) -> (P, view, V, climbers by player, player)."""
        by_player = climbers_of[seer][:, :, None]
        picked = by_side[:, :, by_player, side_of[:, None, :]]
        return np.moveaxis(picked, 2, 1)

    log_ratio = np.log(np.maximum(own_power, _TINY_POWER)) - np.log(
        np.maximum(opponent_power, _TINY_POWER)
    )
    value = seen(resolve * stake, belief * stake[:, other])
    hurt = seen(punishment, punishment[:, other])
    defender = side_of[None, :, None, None, :].astype(float)  # role of player
    lr = seen(log_ratio, log_ratio[:, other])
    k = rung[:, None, :, None, None].astype(float)  # (P, 1, V, 1, 1)
    meetings = params.decision_rate_per_year
    continuation = meetings / max(meetings + params.settle_rate_per_year, 1e-300)

    every = slice(None)  # all crises, as views

    def standing(
        m: np.ndarray, rows: np.ndarray | slice = every
    ) -> tuple[np.ndarray, np.ndarray]:
        """``S(m)`` (``W(m)`` at war) and the chance behind it of the crises ``rows``.

        Each (rows, view, V, climbers, player).
        """
        chance = prevail_chance(lr[rows], m, params.decisiveness)
        cost = rung_cost(m, top, params.war_cost, params.rung_cost_exponent)
        terms = np.where(m < top, params.settlement_by_power, 1.0)
        return terms * (chance - defender) * value[rows] - hurt[rows] * cost, chance

    def solve(
        m: np.ndarray,
        audience: np.ndarray,
        climb: np.ndarray,
        can: np.ndarray,
        rows: np.ndarray | slice = every,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The QRE of crises ``rows`` at rungs ``m`` whose climbs are worth ``climb``.

        Returns sigma, the payoff tables with the stand-off at its value, and p.
        """
        standoff, chance = standing(m, rows)
        tables = stage_payoffs(value[rows], audience, defender, standoff, climb)
        sigma, hold = stage_qre(tables, can, params.temperature, continuation)
        tables[..., 1, 1] = hold
        return sigma, tables, chance

    # The games one rung up, one for each side or pair that climbed there, their
    # own climbs valued as a stand-off; solved only for the crises and the
    # columns of rungs with a rung above below war (a climb from one rung
    # below war is war: about a tenth of the look-ahead games of the baseline).
    war = standing(np.asarray(float(top)))[0]  # (P, view, 1, 1, player)
    worth = np.repeat(np.repeat(war, rung.shape[1], axis=2), 3, axis=3)
    climbing = rung + 1 < top  # (P, V)
    rows = np.flatnonzero(climbing.any(axis=1))
    below = np.flatnonzero(climbing.any(axis=0))
    m = k[rows][:, :, below]
    sigma, tables, _ = solve(
        np.minimum(m + 1, top - 1),
        seen_up(audience_up[rows])[:, :, below],
        standing(m + 2, rows)[0][..., None],
        seen_up(may_escalate_up[rows])[:, :, below],
        rows,
    )
    utility = expected(tables, sigma[..., ::-1, :])
    block = np.ix_(rows, np.arange(worth.shape[1]), below)
    worth[block] = np.where(m + 1 >= top, war[rows], (sigma * utility).sum(axis=-1))
    # each player's climb values: after its own escalation, the other's, both
    climb = worth[:, :, :, climbers_of, np.array([[0], [1]])][:, :, :, None]
    can = np.moveaxis(may_escalate[:, :, side_of], 2, 1)[:, :, :, None]
    audience = seen(audience_cost, audience_cost[:, other])
    sigma, tables, chance = solve(k, audience, climb, can)
    # own view, own player (the only one given out): (P, side, V, 3)
    utility = expected(tables[:, :, :, 0, 0], sigma[:, :, :, 0, 1])
    utility[..., 2] = np.where(can[:, :, :, 0, 0], utility[..., 2], -np.inf)
    # (P, side, V, 3) -> (P, V, side, 3)
    return (
        np.swapaxes(sigma[:, :, :, 0, 0], 1, 2),
        np.swapaxes(utility, 1, 2),
        np.swapaxes(chance[:, :, :, 0, 0], 1, 2),
    )
