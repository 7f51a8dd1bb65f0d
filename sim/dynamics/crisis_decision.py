"""The crisis decision: back down, hold or escalate, for every side of every crisis.

One function of arrays, :func:`choose`, used by the default doctrine of every state
at once (elementwise over the sides of all crises of all replications); a policy
(script or human team) replaces its outcome, never its draws.

For side i of the crisis with j at rung ``k`` (top rung ``K``, major war):

* local balance: ``P_i`` and ``P_j``, projected power in the crisis theater plus
  allied power weighted by commitment x credibility (see :mod:`.alliances`);
* what i sees (Jervis, *Perception and Misperception*, 1976): the log power ratio
  blurred by noise whose scale falls with trust and j's transparency,

      lambda_ij = ln P_i - ln P_j + sigma_ij * eps_ij,
      sigma_ij = s * (1 - trust_ij) * (1 - transparency_j),  eps ~ N(0, 1);

* chance to prevail at rung k, a contest success function (Tullock 1980;
  Hirshleifer 1989) whose decisiveness grows with the rung, so that power
  decides more the closer the crisis is to war:

      p_ij(k) = P_i^(m k) / (P_i^(m k) + P_j^(m k)) = 1 / (1 + exp(-m k lambda_ij));

* utilities, with stake ``S_ij``, resolve ``rho_i``, cost of standing at rung k
  ``c_k = C (k / K)^2`` and audience cost already paid ``a_ij`` (Fearon,
  "Domestic Political Audiences and the Escalation of International Disputes",
  APSR 88(3), 1994):

      U_back = -a_ij
      U_hold = rho_i S_ij p_ij(k)     - c_k
      U_esc  = rho_i S_ij p_ij(k + 1) - c_(k+1)

  escalation is allowed only when ``k + 1 <= theta_i`` (i's threshold) or j has
  already climbed past ``theta_i`` itself, and never beyond ``K``;
* choice by logit quantal response (McKelvey and Palfrey, *Games and Economic
  Behavior* 10, 1995) with temperature ``tau``: ``argmax_o(U_o / tau + G_o)``,
  ``G`` standard Gumbel, computed as ``argmax_o(U_o + tau G_o)`` (the same choice,
  without overflow for tiny ``tau``); ``tau = 0`` is the deterministic best reply.
"""

from dataclasses import dataclass

import numpy as np

from sim.dynamics.escalation import ACTIONS, BACK_DOWN, ESCALATE, HOLD, Params

__all__ = [
    "ACTIONS",
    "BACK_DOWN",
    "ESCALATE",
    "HOLD",
    "Factors",
    "choose",
    "prevail_chance",
    "rung_cost",
]
_TINY_POWER = 1e-9


@dataclass(frozen=True)
class Factors:
    """Why each side chose what it chose; one entry per side of a crisis.

    Attributes:
        own_power: ``P_i``, i's power in the crisis theater with allies, US$ m.
        opponent_power: ``P_j``, the same for the opponent, US$ m.
        seen_chance: ``p_ij(k)``, i's chance to prevail at the current rung as
            i sees it (after misperception).
        resolve: ``rho_i``.
        stake: ``S_ij``.
        audience_cost: ``a_ij``, paid so far.
        threshold: ``theta_i``.
        utility: ``(U_back, U_hold, U_esc)`` on a last axis of 3; escalation is
            ``-inf`` where not allowed.
    """

    own_power: np.ndarray
    opponent_power: np.ndarray
    seen_chance: np.ndarray
    resolve: np.ndarray
    stake: np.ndarray
    audience_cost: np.ndarray
    threshold: np.ndarray
    utility: np.ndarray


def rung_cost(rung: np.ndarray, top: int, war_cost: float) -> np.ndarray:
    """Cost of standing at a rung, ``c_k = C (k / K)^2``, in stake units."""
    share = rung / top
    return war_cost * share * share


def prevail_chance(log_ratio: np.ndarray, rung: np.ndarray, m: float) -> np.ndarray:
    """Contest success ``1 / (1 + exp(-m k lambda))``, computed stably with tanh."""
    return 0.5 * (1.0 + np.tanh(0.5 * m * rung * log_ratio))


def choose(
    *,
    own_power: np.ndarray,
    opponent_power: np.ndarray,
    rung: np.ndarray,
    top: int,
    stake: np.ndarray,
    resolve: np.ndarray,
    threshold: np.ndarray,
    audience_cost: np.ndarray,
    opponent_climbed: np.ndarray,
    trust: np.ndarray,
    opponent_transparency: np.ndarray,
    perception: np.ndarray,
    gumbel: np.ndarray,
    params: Params,
) -> tuple[np.ndarray, Factors]:
    """Each side's action in its crisis (see the module docstring's equations).

    Every argument but ``top`` and ``params`` is an array of one shape S, one
    entry per side of a crisis (side i of the crisis with j): the engine passes
    the sides of every crisis under way in every replication at once, so the
    work is elementwise whatever the batch.

    Args:
        own_power: ``P_i`` in the crisis theater, own plus allied, US$ m.
        opponent_power: ``P_j``, likewise.
        rung: Current rung ``k``, between 1 and ``top - 1``.
        top: Top rung ``K`` (major war).
        stake: ``S_ij``.
        resolve: ``rho_i``.
        threshold: ``theta_i``, a rung index.
        audience_cost: ``a_ij`` paid so far.
        opponent_climbed: Highest rung j took the crisis to itself.
        trust: ``trust_ij``.
        opponent_transparency: ``transparency_j``.
        perception: Standard normal draws ``eps_ij``.
        gumbel: Standard Gumbel draws, shape S + (3,).
        params: Escalation parameters (``decisiveness``, ``war_cost``,
            ``temperature``, ``perception_noise``, and ``enabled``: when off,
            nobody may escalate).

    Returns:
        ``(action, factors)``: action codes in {-1, 0, 1} (int8, shape S) and
        the :class:`Factors` behind them.
    """
    sigma = params.perception_noise * (1.0 - trust) * (1.0 - opponent_transparency)
    log_ratio = (
        np.log(np.maximum(own_power, _TINY_POWER))
        - np.log(np.maximum(opponent_power, _TINY_POWER))
        + sigma * perception
    )
    k = np.asarray(rung, dtype=float)
    now = prevail_chance(log_ratio, k, params.decisiveness)
    up = prevail_chance(log_ratio, k + 1, params.decisiveness)
    may_climb = (rung + 1 <= threshold) | (opponent_climbed > threshold)
    may_climb &= (rung < top) & params.enabled
    value = resolve * stake
    utility = np.empty((*k.shape, 3))
    utility[..., 0] = 0.0 - audience_cost  # 0.0 - 0.0 is 0.0, never -0.0
    utility[..., 1] = value * now - rung_cost(k, top, params.war_cost)
    utility[..., 2] = np.where(
        may_climb, value * up - rung_cost(k + 1, top, params.war_cost), -np.inf
    )
    score = utility + params.temperature * gumbel  # argmax of U/tau + G, no overflow
    action = (np.argmax(score, axis=-1) - 1).astype(np.int8)
    factors = Factors(
        own_power=own_power,
        opponent_power=opponent_power,
        seen_chance=now,
        resolve=resolve,
        stake=stake,
        audience_cost=audience_cost,
        threshold=threshold,
        utility=utility,
    )
    return action, factors
