"""Private information in crises: each side's belief about the other's resolve.

Fearon ("Rationalist Explanations for War", *International Organization* 49(3),
1995): states at odds could strike a bargain both prefer to war, but each knows
its own resolve and not the other's, and has reason to bluff; war can come from
an opponent's resolve underrated. Here side i's belief ``b_ij`` about j's resolve
``rho_j`` is drawn once, at the crisis's onset, and persists through it:

    ln b_ij = ln rho_j + sigma_ij eps_ij,    eps_ij ~ N(0, 1),
    sigma_ij = s (1 - trust_ij) (1 - transparency_j) (1 - h [CBM_ij]),

so the error grows as trust and j's transparency fall (Jervis, *Perception and
Misperception*, 1976), and a hotline or an exercise-notification agreement
between the pair narrows it by the share ``h``. The error is multiplicative, so a
belief stays positive.

What j does in the crisis is evidence: standing at a rung costs j ``c(k)`` and
its public commitments its audience cost ``a_j``, which a bluffer would not pay
as readily (Fearon 1994, 1997: tying hands and sinking costs). The belief's log
error shrinks at a rate proportional to the cost of the signals j is sending,

    d/dt ln(b_ij / rho_j) = -kappa ((k / K)^2 + a_j) ln(b_ij / rho_j),

so a show of force or a public escalation teaches more than a protest (cheap
talk, ``(1/K)^2``). Over a stretch of the crisis the error is multiplied by
``exp(-kappa E)``, with the evidence ``E`` the integral of that cost over the
time, rung by rung along the crisis's path through the step (:mod:`sim.conflict`).
"""

import numpy as np


def error_spread(
    noise: float,
    trust: np.ndarray,
    transparency: np.ndarray,
    cbm: np.ndarray,
    clarity: float,
) -> np.ndarray:
    """``sigma_ij``, the s.d. of i's log error about j's resolve (any shape).

    Args:
        noise: ``s``, the spread at zero trust and transparency.
        trust: ``trust_ij``.
        transparency: ``transparency_j``.
        cbm: Whether a hotline or notification links i and j.
        clarity: ``h``, the share of the spread a CBM removes.
    """
    return noise * (1.0 - trust) * (1.0 - transparency) * (1.0 - clarity * cbm)


def onset_belief(
    resolve: np.ndarray, spread: np.ndarray, normal: np.ndarray
) -> np.ndarray:
    """``b_ij = rho_j exp(sigma_ij eps_ij)``: a belief drawn at a crisis's onset."""
    return resolve * np.exp(spread * normal)


def learn(
    belief: np.ndarray,
    resolve: np.ndarray,
    evidence: np.ndarray,
    rate_per_year: float,
) -> np.ndarray:
    """The belief after signals worth ``evidence`` (any shape).

    Args:
        belief: ``b_ij``, positive.
        resolve: ``rho_j``, the truth it learns about, positive.
        evidence: ``E``, the integral over time of ``(k / K)^2 + a_j``, the
            cost of what j did, in cost-years.
        rate_per_year: ``kappa``, per unit of signal cost.
    """
    shrink = np.exp(-rate_per_year * evidence)
    return resolve * (belief / resolve) ** shrink
