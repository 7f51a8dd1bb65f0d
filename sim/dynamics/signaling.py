"""Signals: joint exercises, patrols, public declarations and confidence-building.

Anchors: J. D. Fearon, "Signaling Foreign Policy Interests: Tying Hands versus
Sinking Costs", *Journal of Conflict Resolution* 41(1), 1997, and "Domestic
Political Audiences and the Escalation of International Disputes", *APSR* 88(3),
1994 (a signal is believed because it is costly: costs sunk up front, or audience
costs that make backing down later costly); R. Jervis, *Perception and
Misperception in International Politics* (1976) (signals are read through noise,
and a rival reads a defensive signal as a threat: the spiral model).

Signals a state sends in a step (its decisions; a policy may change them), each
a level in [0, 1], its mean over the step (a scheduled sending holds for a stated
time, so a step it covers in part holds it at that share of its level):

* exercise ``E_ij``: i drills with ally j;
* patrol ``F_it``: presence or freedom-of-navigation operations by i in theater t;
* declaration ``D_ij``: i publicly pledges to defend ally j.

Costs (Fearon's two kinds). Sunk, as a share of i's spending per year, paid out of
its capability stock: ``s_i = c_E sum_j E_ij + c_F sum_t F_it``. Audience, a pledge
``Q_ij`` (stake units) that accumulates ``a_D D_ij`` per year and fades at
``q``: backing down against an adversary of j costs i ``max_j Q_ij [H_jk > 0]``
on top of the crisis's own audience cost.

Credibility with friends rises with what the signal cost the sender, a credit
that fades at ``lambda``::

    dG_ij/dt = -lambda G_ij + k_s sunk_ji + k_a a_D D_ji
    sunk_ji = c_E E_ji + c_F sum_t F_jt claim_it

solved exactly over a step for the step's signals, as is the pledge's
``dQ_ij/dt = -q Q_ij + a_D D_ij``, so what a sending builds does not depend
on the step length.

(``claim_it``: i is a party to a dispute in t). Allied credibility is
``min(1, c_ij + G_ij)`` where the pair is tied.

Provocation to rivals (``H_ki > 0``): the pressure k sees from i,
``p_ki = sum_j E_ij + sum_t F_it claim_kt + sum_j D_ij [H_kj > 0]``, is read
through log-normal noise of scale ``sigma_ki = s (1 - trust_ki)(1 - tau_i)``
(``tau_i`` is i's transparency; a notification agreement makes the pair fully
transparent to each other and discounts the exercise part by ``nu``)::

    p^_ki = p_ki exp(sigma_ki eps_ki - sigma_ki^2 / 2)

adds ``pi p^_ki`` to k's hostility toward i per year (see :mod:`.hostility`).
The error ``eps_ki`` is k's reading of i, and it persists (Jervis: beliefs
about a rival outlast the evidence): a standard normal Ornstein-Uhlenbeck
process with memory ``m`` years, drawn exactly at each step k reads i (the
first time afresh). So how much k misreads i over a year does not depend on the
step length, as a fresh draw each step would (its errors would average out over
the short steps).

Confidence-building measures: a hotline defuses a share ``h`` of the incidents
between its parties before they become crises; any CBM raises the parties' trust
at ``r_cbm (1 - trust)`` per year.
"""

from dataclasses import dataclass

import numpy as np

from sim.dynamics.parameters import Value, param
from sim.dynamics.rates import fade, hazard

#: Kinds of signal a scenario schedules in ``[[signal]]``.
SIGNAL_KINDS = ("exercise", "patrol", "declaration")
#: Kinds of confidence-building measure in ``[[cbm]]``.
CBM_KINDS = ("hotline", "notification")


@dataclass(frozen=True)
class Params:
    """Parameters of signaling (all defaults are modelling choices)."""

    enabled: bool = param(True, doc="Send the scheduled signals and apply CBMs.")
    exercise_cost_share: Value = param(
        0.01,
        lo=0.0,
        hi=1.0,
        per_state=True,
        doc="Spending share a year of full exercise with one ally costs, 1/yr.",
    )
    patrol_cost_share: Value = param(
        0.005,
        lo=0.0,
        hi=1.0,
        per_state=True,
        doc="Spending share a year of full patrolling in one theater costs, 1/yr.",
    )
    declaration_stake_per_year: float = param(
        0.3, lo=0.0, doc="Audience cost (stake units) a full declaration stakes, 1/yr."
    )
    pledge_decay_per_year: float = param(
        0.2, lo=0.0, doc="Rate at which a public pledge is forgotten, 1/yr."
    )
    credibility_per_sunk_cost: float = param(
        20.0, lo=0.0, doc="Credibility credit per unit spending share sunk."
    )
    credibility_per_stake: float = param(
        0.5, lo=0.0, doc="Credibility credit per unit of audience cost staked."
    )
    credit_decay_per_year: float = param(
        1.0, lo=0.0, doc="Rate at which signal credit fades, 1/yr."
    )
    provocation_per_year: float = param(
        0.05, lo=0.0, doc="Hostility a rival adds per year per unit pressure read."
    )
    perception_noise: float = param(
        1.0, lo=0.0, doc="Log-scale s.d. of reading a signal at zero trust/openness."
    )
    misreading_memory_years: float = param(
        1.0,
        lo=0.0,
        doc="How long a misreading of a rival's signals persists, years (0: afresh).",
    )
    notification_discount: float = param(
        0.5, lo=0.0, hi=1.0, doc="Share of an exercise's provocation notice removes."
    )
    hotline_defuse: float = param(
        0.5, lo=0.0, hi=1.0, doc="Share of incidents a hotline defuses, 0..1."
    )
    cbm_trust_per_year: float = param(
        0.1, lo=0.0, doc="Rate at which a CBM raises its parties' trust, 1/yr."
    )
    patrol_presence: float = param(
        0.5, lo=0.0, doc="Extra presence in a theater a full patrol adds (contact)."
    )


def sunk_cost_share(
    exercise: np.ndarray, patrol: np.ndarray, params: Params
) -> np.ndarray:
    """Share of its spending each state sinks into signals per year, ``s_i``.

    Args:
        exercise: ``E_ij``, shape (R, N, N).
        patrol: ``F_it``, shape (R, N, T).
        params: Signaling parameters (costs may be per state).

    Returns:
        ``s_i``, shape (R, N).
    """
    c_e = np.reshape(params.exercise_cost_share, (1, -1))
    c_f = np.reshape(params.patrol_cost_share, (1, -1))
    return c_e * exercise.sum(axis=2) + c_f * patrol.sum(axis=2)


def reassurance(
    exercise: np.ndarray,
    patrol: np.ndarray,
    declaration: np.ndarray,
    claim: np.ndarray,
    params: Params,
) -> np.ndarray:
    """Credit rate each state gains in each partner's commitment, per year.

    Args:
        exercise: ``E_ij``, shape (R, N, N).
        patrol: ``F_it``, shape (R, N, T).
        declaration: ``D_ij``, shape (R, N, N).
        claim: ``claim_it``, i is a party to a dispute in t, shape (N, T).
        params: Signaling parameters.

    Returns:
        ``k_s sunk_ji + k_a a_D D_ji`` at ``[r, i, j]``, shape (R, N, N).
    """
    c_e = np.reshape(params.exercise_cost_share, (1, -1, 1))
    c_f = np.reshape(params.patrol_cost_share, (1, -1, 1))
    patrol_for = np.zeros_like(exercise)  # [r, j, i] = sum_t F_jt claim_it
    for t in np.flatnonzero(patrol.any(axis=(0, 1))):  # patrolled theaters
        patrol_for += patrol[:, :, t, None] * claim[None, None, :, t]
    sunk = c_e * exercise + c_f * patrol_for  # [r, j, i], sender j
    staked = params.declaration_stake_per_year * declaration
    rate = (
        params.credibility_per_sunk_cost * sunk + params.credibility_per_stake * staked
    )
    return np.swapaxes(rate, 1, 2)


def signal_credibility(
    credibility: np.ndarray, credit: np.ndarray, tie: np.ndarray
) -> np.ndarray:
    """Credibility with signal credit, ``min(1, c_ij + G_ij)`` where tied, else 0."""
    return np.where(tie > 0, np.minimum(credibility + credit, 1.0), 0.0)


def pledge_stake(
    pledge: np.ndarray,
    hostility: np.ndarray,
    sides: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> np.ndarray:
    """Audience cost i would pay to back down against k: ``max_j Q_ij [H_jk > 0]``.

    Args:
        pledge: ``Q_ij``, i's public pledge to j in stake units, (R, N, N).
        hostility: ``H_jk``, (R, N, N).
        sides: ``(r, i, k)`` index arrays of the sides asked about, each (M,).

    Returns:
        Stake of each side, shape (M,).
    """
    r, i, k = sides
    if not pledge.any():  # no pledges: nothing at stake (the usual case)
        return np.zeros(len(r))
    hostile = hostility[r, :, k] > 0  # (M, N): is j an adversary of k
    return (pledge[r, i, :] * hostile).max(axis=1, initial=0.0)


def pressure(
    exercise: np.ndarray,
    patrol: np.ndarray,
    declaration: np.ndarray,
    claim: np.ndarray,
    hostility: np.ndarray,
    notified: np.ndarray,
    params: Params,
) -> np.ndarray:
    """Pressure each state faces from each rival's signals, ``p_ki``, (R, N, N).

    Exercises press on every rival of the sender (less by ``nu`` where a
    notification agreement covers the pair), patrols on the claimants of their
    theater, declarations on the adversaries of the ally pledged to. Only rivals
    (``H_ki > 0``) feel pressure. The loops skip signals nobody sent (they would
    add exact zeros), so the result does not depend on the batch.

    Args:
        exercise: ``E_ij``, (R, N, N).
        patrol: ``F_it``, (R, N, T).
        declaration: ``D_ij``, (R, N, N).
        claim: ``claim_kt``, (N, T).
        hostility: ``H_ki``, (R, N, N).
        notified: Pairs with a notification agreement, (N, N) bool.
        params: Signaling parameters.
    """
    drills = exercise.sum(axis=2)[:, None, :]  # (R, 1, N): sender i
    drills = drills * (1.0 - params.notification_discount * notified)[None]
    patrols = np.zeros_like(exercise)  # [r, k, i] = sum_t F_it claim_kt
    for t in np.flatnonzero(patrol.any(axis=(0, 1))):  # patrolled theaters
        patrols += claim[None, :, None, t] * patrol[:, None, :, t]
    pledges = np.zeros_like(exercise)  # [r, k, i] = sum_j D_ij [H_kj > 0]
    for j in np.flatnonzero(declaration.any(axis=(0, 1))):  # allies pledged to
        pledges = pledges + (hostility[:, :, j, None] > 0) * declaration[:, None, :, j]
    return np.where(hostility > 0, drills + patrols + pledges, 0.0)


def misperception_scale(
    trust: np.ndarray,
    transparency: np.ndarray,
    notified: np.ndarray,
    noise: float,
) -> np.ndarray:
    """Noise ``sigma_ki = s (1 - trust_ki)(1 - tau_i)`` of k reading i, (R, N, N).

    Jervis: the less k trusts i and the less open i is, the more k misreads it.
    A notification agreement makes the pair transparent to each other (zero).

    Args:
        trust: ``trust_ki``, (R, N, N).
        transparency: ``tau_i``, (R, N).
        notified: Pairs with a notification agreement, (N, N) bool.
        noise: ``s``, the scale at zero trust and transparency.
    """
    sigma = noise * (1.0 - trust) * (1.0 - transparency[:, None, :])
    return np.where(notified[None], 0.0, sigma)


def read(intensity: np.ndarray, sigma: np.ndarray, eps: np.ndarray) -> np.ndarray:
    """A signal as read: ``p exp(sigma eps - sigma^2 / 2)``, unbiased in the mean.

    Args:
        intensity: True pressure ``p``, any shape.
        sigma: Noise scale, broadcastable.
        eps: Standard normal draws, same shape as ``intensity``.
    """
    return intensity * np.exp(sigma * eps - 0.5 * sigma**2)


def misread(
    previous: np.ndarray, fresh: np.ndarray, years_since: np.ndarray, memory: float
) -> np.ndarray:
    """A reading's error now: an Ornstein-Uhlenbeck step from the last one.

    ``eps' = rho eps + sqrt(1 - rho^2) xi``, ``rho = exp(-t / m)`` after ``t``
    years, the exact transition of a standard normal process with memory
    ``m``: a standard normal stays one.

    Args:
        previous: ``eps``, the error of the last reading, any shape.
        fresh: ``xi``, standard normal draws, the same shape.
        years_since: ``t``, years since the last reading (``inf``: never read).
        memory: ``m``, years; 0 reads afresh every time.
    """
    if memory == 0.0:
        return fresh
    kept = fade(previous, 1.0 / memory, years_since)  # rho eps
    return kept + np.sqrt(hazard(2.0 / memory, years_since)) * fresh


def toward_one(
    value: np.ndarray, times: np.ndarray, share: np.ndarray | float
) -> np.ndarray:
    """Close ``share`` of the gap to 1 ``n`` times: ``v + (1 - v) (1 - (1 - share)^n)``.

    Used for trust and transparency, which cooperation only ever raises toward
    1; ``n`` is ``times`` (0 or False leaves the value unchanged to the bit).
    """
    return value + (1.0 - value) * (1.0 - (1.0 - share) ** times)


def build_trust(
    trust: np.ndarray, agreed: np.ndarray, params: Params, dt_years: float
) -> np.ndarray:
    """Trust after a step of CBMs: the gap to 1 closes at ``r_cbm`` per year.

    Args:
        trust: ``trust_ij``, (R, N, N).
        agreed: Pairs covered by a CBM, (N, N) bool.
        params: Signaling parameters.
        dt_years: Step length in years.
    """
    return toward_one(trust, agreed[None], hazard(params.cbm_trust_per_year, dt_years))


def defuse(chance: np.ndarray, hotline: np.ndarray, params: Params) -> np.ndarray:
    """Incident chance after hotlines defuse a share of them, (R, N, N)."""
    return chance * (1.0 - params.hotline_defuse * hotline)


def patrol_presence(
    projected: np.ndarray, patrol: np.ndarray, params: Params
) -> np.ndarray:
    """Projected power as presence for contact: ``P_it (1 + g F_it)``, (R, N, T)."""
    return projected * (1.0 + params.patrol_presence * patrol)
