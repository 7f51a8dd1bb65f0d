"""A crisis in continuous time: a Markov chain on rungs and endings over one step.

Within a step each crisis is a continuous-time Markov chain. Its transient states
are ``(k, w)``: the rung ``k`` (1 .. K - 1) and the flags ``w`` of who took the
crisis to that rung (bit 0 the challenger, bit 1 the defender; 0 when nobody did,
as after an entrapment pull). Its absorbing states are the endings: challenger
backed down, defender backed down, negotiated (each with the rung it ended at)
and war. The sides meet at decision opportunities, a Poisson process of rate
``lambda_d`` per year; at each they play the stage game of
:mod:`.crisis_decision` with their equilibrium strategies ``sigma_c``,
``sigma_d``, frozen at the step's start. Independently a stand-off is negotiated
away at rate ``q_s`` per year. From ``(k, w)`` the rates are

    both back down               lambda_d s_c(B) s_d(B) + q_s  -> negotiated
    challenger alone backs down  lambda_d s_c(B) (1 - s_d(B))  -> challenger backed down
    defender alone backs down    lambda_d s_d(B) (1 - s_c(B))  -> defender backed down
    challenger alone escalates   lambda_d s_c(E) s_d(H)        -> (k + 1, 1)
    defender alone escalates     lambda_d s_c(H) s_d(E)        -> (k + 1, 2)
    both escalate                lambda_d s_c(E) s_d(E)        -> (k + 1, 3)

where a climb to ``K`` is war, and at ``(k, w)`` a side whose escalation is closed
(above its threshold and not in reply, :func:`escalation_open`)
holds instead. So every crisis transition is a rate per year.

Why a chain with strategies frozen for the step: it makes the step's outcome the
exact law of the process over ``dt``, whatever ``dt``: a long step may move a crisis
several rungs (or end it), a short one usually none, and the per-year rates of
crises, climbs and wars do not depend on the step length except through how
often the strategies and beliefs are refreshed. The transition law is computed by
uniformisation (Jensen 1953; Grassmann 1977): with ``Lambda = lambda_d + q_s``,
an upper bound of every state's total outflow,

    pi(dt) = sum_n Poisson(n; Lambda dt) pi_0 P^n,    P = I + Q / Lambda,

summed to the number of terms whose Poisson tail is below ``TAIL`` (the same for
every crisis of a step, since ``Lambda`` and ``dt`` are). Each term is a
vector-matrix product written elementwise over the crises, so one crisis's law does
not depend on the batch it is in.
"""

import math

import numpy as np

#: Poisson tail mass left out of the uniformisation sum.
TAIL = 1e-13
#: Absorbing endings of the chain, in the order of its exit axis.
EXITS = ("challenger_backed_down", "defender_backed_down", "negotiated")
#: Transient flag values: who took the crisis to its rung.
FLAGS = 4


def escalation_open(
    rung: np.ndarray,
    threshold: np.ndarray,
    in_reply: np.ndarray,
    top: int,
    enabled: bool,
) -> np.ndarray:
    """Whether a side may escalate from ``rung``: first to its threshold, or in reply.

    Args:
        rung: Current rung ``k``.
        threshold: ``theta_i``.
        in_reply: Whether the opponent took the crisis to rung ``k``.
        top: Top rung ``K``.
        enabled: Whether crises may climb at all.
    """
    return ((rung + 1 <= threshold) | in_reply) & (rung < top) & enabled


def poisson_weights(mean: float) -> list[float]:
    """``Poisson(n; mean)`` for n = 0, 1, ... until the tail is below ``TAIL``."""
    weight = math.exp(-mean)
    weights, total = [weight], weight
    n = 0
    while (1.0 - total > TAIL and weight > 0.0) or n < mean:
        n += 1
        weight *= mean / n
        weights.append(weight)
        total += weight
    return weights


def step_law(
    *,
    strategy: np.ndarray,
    threshold: np.ndarray,
    rung: np.ndarray,
    flags: np.ndarray,
    top: int,
    enabled: bool,
    decision_rate_per_year: float,
    settle_rate_per_year: float,
    dt_years: float,
) -> np.ndarray:
    """The law of each crisis's state after ``dt`` years (module docstring).

    Args:
        strategy: Equilibrium strategies (back down, hold, escalate) at each
            rung below war, (M, K - 1, 2, 3): challenger at 0 on axis 2,
            defender at 1.
        threshold: Each side's threshold, (M, 2).
        rung: Current rung, 1 .. top - 1, (M,).
        flags: Who took the crisis to its rung, 0 .. 3, (M,).
        top: Top rung ``K`` (war).
        enabled: Whether crises may climb at all.
        decision_rate_per_year: ``lambda_d``.
        settle_rate_per_year: ``q_s``.
        dt_years: Step length in years.

    Returns:
        Probabilities (M, C) over the categories of :func:`decode`.
    """
    m, rungs = len(rung), top - 1
    total = decision_rate_per_year + settle_rate_per_year
    if m == 0 or total == 0.0:
        law = np.zeros((m, rungs * FLAGS + len(EXITS) * rungs + 1))
        law[np.arange(m), (rung - 1) * FLAGS + flags] = 1.0
        return law
    meet, settle = decision_rate_per_year / total, settle_rate_per_year / total
    k = np.arange(1, top)[:, None]  # (K - 1, 1)
    w = np.arange(FLAGS)  # (4,)
    replied = ((w & 2) > 0, (w & 1) > 0)  # the opponent took it there
    back, hold, escalate = [], [], []
    for side in (0, 1):
        s = strategy[:, :, side, :, None]  # (M, K - 1, 3, 1)
        is_open = escalation_open(
            k, threshold[:, side, None, None], replied[side], top, enabled
        )  # (M, K - 1, 4)
        up = np.where(is_open, s[:, :, 2], 0.0)
        back.append(np.broadcast_to(s[:, :, 0], up.shape))
        hold.append(s[:, :, 1] + (s[:, :, 2] - up))
        escalate.append(up)
    exits = np.stack(
        [
            meet * back[0] * (1.0 - back[1]),
            meet * back[1] * (1.0 - back[0]),
            meet * back[0] * back[1] + settle,
        ],
        axis=-1,
    )  # (M, K - 1, 4, 3)
    climbs = np.stack(
        [
            meet * escalate[0] * hold[1],
            meet * hold[0] * escalate[1],
            meet * escalate[0] * escalate[1],
        ],
        axis=-1,
    )  # (M, K - 1, 4, 3): to flags 1, 2, 3
    stay = meet * hold[0] * hold[1]  # (M, K - 1, 4)

    state = np.zeros((m, rungs, FLAGS))
    state[np.arange(m), rung - 1, flags] = 1.0
    weights = poisson_weights(total * dt_years)
    # P(absorbed by dt) = sum_n tail_(n+1) * (mass at jump n) * (exit chance)
    tails = [*np.cumsum(weights[::-1])[::-1][1:], 0.0]  # P(N > n), n = 0, 1, ...
    law_state = weights[0] * state
    occupied = tails[0] * state
    by_flag = [np.ascontiguousarray(climbs[:, :, w]) for w in range(FLAGS)]
    for weight, tail in zip(weights[1:], tails[1:], strict=True):
        lifted = state[:, :, 0, None] * by_flag[0]  # (M, K - 1, 3): by new flags
        for w in range(1, FLAGS):  # in a fixed order
            lifted += state[:, :, w, None] * by_flag[w]
        state = state * stay
        state[:, 1:, 1:] += lifted[:, :-1]
        law_state += weight * state
        occupied += tail * state
    ended = _over_flags(occupied[..., None] * exits)  # (M, K - 1, 3)
    to_war = _over_flags(occupied[:, -1:, :, None] * climbs[:, -1:])[:, 0]  # (M, 3)
    war = to_war[:, 0] + to_war[:, 1] + to_war[:, 2]
    return np.concatenate(
        [
            law_state.reshape(m, -1),
            np.swapaxes(ended, 1, 2).reshape(m, -1),
            war[:, None],
        ],
        axis=1,
    )


def _over_flags(flows: np.ndarray) -> np.ndarray:
    """Sum over the flag axis 2 in a fixed order: (M, K-1, 4, X) to (M, K-1, X)."""
    return flows[:, :, 0] + flows[:, :, 1] + flows[:, :, 2] + flows[:, :, 3]


def sample(law: np.ndarray, uniform: np.ndarray) -> np.ndarray:
    """One category per crisis from its law, by inversion with its uniform, (M,)."""
    cumulative = np.cumsum(law, axis=1)
    return (cumulative < uniform[:, None] * cumulative[:, -1:]).sum(axis=1)


def decode(category: np.ndarray, top: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A category as ``(rung, flags, exit)``.

    ``exit`` is -1 for a crisis still under way, else the index into
    :data:`EXITS`, or ``len(EXITS)`` for war (rung ``top``); ``flags`` is
    meaningful only while under way.
    """
    rungs = top - 1
    transient = rungs * FLAGS
    ending = category - transient
    under_way = ending < 0
    rung = np.where(under_way, category // FLAGS + 1, ending % rungs + 1)
    rung = np.where(ending == len(EXITS) * rungs, top, rung)
    exit_code = np.where(under_way, -1, np.minimum(ending // rungs, len(EXITS)))
    flags = np.where(under_way, category % FLAGS, 0)
    return rung, flags, exit_code
