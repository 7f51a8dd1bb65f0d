"""Alliances: commitment, credibility of extended deterrence, entrapment, balancing.

Anchors: G. H. Snyder, "The Security Dilemma in Alliance Politics", *World
Politics* 36(4), 1984 (the alliance security dilemma: a state fears being
*abandoned* by its ally and being *entrapped* in the ally's conflicts), and
S. M. Walt, *The Origins of Alliances* (1987) (states balance against *threat*,
power weighted by proximity and hostile intentions, not against power alone).

Quantities, for a pair of states (i, j):

* commitment strength ``w_ij`` in [0, 1]: the strongest tie the pair shares, by
  kind (defense treaty > strategic partnership > consultation > dialogue forum >
  non-aggression), symmetric;
* credibility ``c_ij`` of j's commitment to i (extended deterrence), in [0, 1]:

      c_ij = clip(w_ij * exp(-d_ij / d_c) * (1 - A_ij) + e * X_ij, 0, 1)   if w_ij > 0

  falling with the patron's distance ``d_ij`` (km between capitals) and with i's
  doubts of abandonment ``A_ij``, rising with shared exercises ``X_ij``;
* allied power of i in theater t: ``sum_k c_ik * P_kt`` (P: projected power);
  the commitment ``w_ik`` enters once, through the credibility;
* entrapment: while i's crisis with j stands at rung ``r_ij``, each state m more
  committed to i than to j that is hostile to j (``H_mj > 0``) or bound to
  oppose it (m is i's patron, more capable than i and tied to it by a defense
  treaty, and j challenged i: extended deterrence, Huth 1988) is pulled into
  a crisis with j at the rate (per year)

      q_mj = sum_i epsilon * w_mi * u_mj * r_ij / K

  (K the top rung, major war), where ``u_mj`` is m's own stake in the quarrel:
  1 where a treaty binds it to oppose j, else its hostility ``H_mj``. An ally
  is entrapped in its partner's conflicts as far as it shares them or a treaty
  binds it (Snyder 1984), so a slight grievance of its own draws it into its
  partner's crises only slowly. In continuous time along the partner's crisis
  (:mod:`sim.conflict`): it opens a crisis with j at the rung the partner's
  crisis stands on when the pull comes, if m and j are at peace then (an ally
  already in a crisis with j plays its own). It joins on its partner's side:
  j's challenge to i is a challenge to m, and i's to j is m's too;
* balancing: when i's threat ``T_i = sum_j H_ij * K_j * exp(-d_ij / d_t) / K_i``
  (hostility x capability x proximity, Walt, over i's own capability: the
  hostile power near i against its means, so capabilities that all grow alike
  are no rising threat, while a rival that outgrows i or a hostility that
  deepens is) exceeds ``beta`` times its starting
  value, i tightens its ties with every state hostile to its main threat and
  not hostile to i, new ties included, each at rate ``g`` per year (it balances
  against the threat with those who share it, not with every partner). A rate
  per tie, so the ties a year builds do not depend on the step length (until
  2026-12-03 each step built one new tie, with the strongest such state not yet
  tied: more steps a year, more new ties).

Simplifications: ties are symmetric (Snyder's asymmetric dependence enters only
through distance and doubts); abandonment doubts rise only when the patron backs
down in a crisis of its own (a reputation for resolve) and relax at a fixed rate;
balancing never dissolves a tie, and bandwagoning is not modelled.
"""

from dataclasses import dataclass

import numpy as np

from sim.dynamics.indexing import (
    pair_columns,
    put_pair_columns,
    rival_pairs,
    sum_into_rows,
    where_true,
)
from sim.dynamics.parameters import param
from sim.dynamics.rates import toward


@dataclass(frozen=True)
class Params:
    """Parameters of alliance dynamics (all defaults are modelling choices).

    The strengths by kind are each kind's default: an ``[[alliance]]`` may set
    its own ``strength``.
    """

    enabled: bool = param(
        True, doc="Count allies in the local balance and run entrapment/balancing."
    )
    defense_treaty: float = param(
        1.0, lo=0.0, hi=1.0, doc="Commitment strength of a defense treaty, 0..1."
    )
    strategic_partnership: float = param(
        0.6, lo=0.0, hi=1.0, doc="Commitment strength of a strategic partnership."
    )
    consultation: float = param(
        0.3, lo=0.0, hi=1.0, doc="Commitment strength of a consultation pact."
    )
    dialogue_forum: float = param(
        0.15, lo=0.0, hi=1.0, doc="Commitment strength of a dialogue forum."
    )
    non_aggression: float = param(
        0.0, lo=0.0, hi=1.0, doc="Commitment strength of a non-aggression pact."
    )
    credibility_range_km: float = param(
        15000.0, lo=1.0, doc="Patron distance at which credibility falls to 1/e, km."
    )
    exercise_gain: float = param(
        0.3, lo=0.0, hi=1.0, doc="Credibility added by a full exercise level, 0..1."
    )
    initial_abandonment: float = param(
        0.1, lo=0.0, hi=1.0, doc="Clients' starting doubt of abandonment, 0..1."
    )
    reputation_loss: float = param(
        0.2, lo=0.0, hi=1.0, doc="Doubt added when the patron backs down in a crisis."
    )
    doubt_relax_per_year: float = param(
        0.5, lo=0.0, doc="Rate at which doubts relax to their starting level, 1/yr."
    )
    exercise_decay_per_year: float = param(
        1.0, lo=0.0, doc="Rate at which the exercise level fades, 1/yr."
    )
    entrapment_rate_per_year: float = param(
        0.458,
        lo=0.0,
        doc="Rate a full ally joins a partner's crisis at major war's rung, 1/yr "
        "(fitted: see sim.dynamics.escalation.Params).",
    )
    threat_range_km: float = param(
        5000.0, lo=1.0, doc="Distance at which a rival's threat falls to 1/e, km."
    )
    balancing_threshold: float = param(
        1.25, lo=1.0, doc="Threat over its starting value that triggers balancing."
    )
    balancing_rate_per_year: float = param(
        0.1, lo=0.0, doc="Commitment strength a balancing state adds per year."
    )


KIND_FIELDS = (
    "defense_treaty",
    "strategic_partnership",
    "consultation",
    "dialogue_forum",
    "non_aggression",
)


def strength(kind: str, own: float | None, params: Params) -> float:
    """An alliance's commitment strength: its own, else its kind's default."""
    return getattr(params, kind) if own is None else own


def tie_matrix(
    members: list[tuple[int, ...]], strengths: list[float], n: int
) -> np.ndarray:
    """Commitment strength ``w_ij``: the strongest tie each pair shares.

    Args:
        members: State indices of each alliance.
        strengths: Each alliance's strength in [0, 1] (see :func:`strength`).
        n: Number of states N.

    Returns:
        Symmetric (N, N) array in [0, 1] with a zero diagonal.
    """
    tie = np.zeros((n, n))
    for group, level in zip(members, strengths, strict=True):
        idx = np.array(group)
        block = np.ix_(idx, idx)
        tie[block] = np.maximum(tie[block], level)
    np.fill_diagonal(tie, 0.0)
    return tie


def bound_matrix(
    members: list[tuple[int, ...]], kinds: list[str], n: int
) -> np.ndarray:
    """Pairs bound to defend each other: they share a defense treaty, (N, N) bool."""
    bound = np.zeros((n, n), dtype=bool)
    for group, kind in zip(members, kinds, strict=True):
        if kind == "defense_treaty":
            bound[np.ix_(group, group)] = True
    np.fill_diagonal(bound, False)
    return bound


def credibility(
    tie: np.ndarray,
    patron_distance_km: np.ndarray,
    abandonment: np.ndarray,
    exercises: np.ndarray,
    params: Params,
) -> np.ndarray:
    """Credibility ``c_ij`` of j's commitment to i (see the module equation).

    Args:
        tie: Commitment strength ``w_ij``, shape (R, N, N).
        patron_distance_km: Distance between capitals, shape (N, N).
        abandonment: i's doubt that j will stand by it, ``A_ij``, (R, N, N).
        exercises: Shared exercise level ``X_ij`` in [0, 1], (R, N, N).
        params: Alliance parameters.

    Returns:
        Credibility in [0, 1], zero where there is no tie, shape (R, N, N): only
        the pairs tied in some replication are computed.
    """
    i, j = np.nonzero((tie != 0).any(axis=0))  # (P,)
    reach = np.exp(-patron_distance_km[i, j] / params.credibility_range_km)
    strength = pair_columns(tie, i, j)  # (R, P)
    value = strength * reach
    value *= 1.0 - pair_columns(abandonment, i, j)
    value += params.exercise_gain * pair_columns(exercises, i, j)
    np.clip(value, 0.0, 1.0, out=value)
    value *= strength > 0  # zero where this replication has no tie
    credibility = np.zeros(tie.shape, dtype=tie.dtype)
    put_pair_columns(credibility, i, j, value)
    return credibility


def allied_power(projected_there: np.ndarray, cred: np.ndarray) -> np.ndarray:
    """Power i's allies bring to a theater, ``sum_k c_ik P_kt``.

    The credibility ``c_ik`` already carries the commitment ``w_ik`` (see
    :func:`credibility`), so the commitment is counted once.

    Args:
        projected_there: ``P_kt`` of every state k in the theater, (..., N).
        cred: Credibility ``c_ik`` of each k's commitment to i, (..., N).

    Returns:
        Allied power, US$ m, shape (...): an elementwise product summed over the
        fixed state axis (never ``matmul``).
    """
    return (cred * projected_there).sum(axis=-1)


@dataclass(frozen=True)
class Pull:
    """Who each crisis may pull in: one entry per (crisis, ally).

    Attributes:
        crisis: Position of the pulling crisis in the list given, (Q,).
        m: The ally that may be pulled in, (Q,).
        toward: The opponent it is pulled toward, its partner's opponent, (Q,).
        challenges: Whether m would challenge (its partner is the crisis's
            challenger), else ``toward`` would, (Q,) bool.
        rate_per_rung: ``epsilon w_mi u_mj / K``, 1/yr: the pull is this times the
            partner's rung, (Q,).
    """

    crisis: np.ndarray
    m: np.ndarray
    toward: np.ndarray
    challenges: np.ndarray
    rate_per_rung: np.ndarray


def entrapment_pull(
    crises: tuple[np.ndarray, np.ndarray, np.ndarray],
    tie: np.ndarray,
    hostility: np.ndarray,
    bound: np.ndarray,
    capability: np.ndarray,
    top: int,
    params: Params,
) -> Pull:
    """Who each crisis pulls in, and how hard per rung (Snyder; module docstring).

    Partner i's crisis with j at rung ``r_ij`` pulls m at ``epsilon w_mi u_mj
    r_ij / top`` per year when m is more committed to i than to j and either
    hostile to j or i's patron (bound to i by a defense treaty and more
    capable) while j challenges i: ``u_mj`` is 1 where bound, else ``H_mj``.
    Each crisis pulls on both its sides' allies.

    Args:
        crises: ``(r, c, d)`` of each crisis, challenger c and defender d, (M,).
        tie: Commitment strength ``w_mi``, (R, N, N).
        hostility: ``H_mj``, how hostile m takes j to be, (R, N, N).
        bound: Pairs sharing a defense treaty, (N, N) bool.
        capability: Capability stocks ``K``, (R, N): the more capable side of
            a treaty is the patron bound to defend the other.
        top: The top rung K (major war).
        params: Alliance parameters.

    Returns:
        The candidate pulls, by crisis, then its challenger's allies before
        its defender's, then ally.
    """
    r, c, d = crises
    none = np.zeros(0, dtype=np.intp)
    if not params.enabled or params.entrapment_rate_per_year == 0 or len(r) == 0:
        return Pull(none, none, none, np.zeros(0, bool), np.zeros(0))
    sides = np.arange(2 * len(r)) // 2  # crisis of each side: challenger, defender
    rows = r[sides]
    i = np.stack([c, d], axis=1).ravel()  # partner
    j = np.stack([d, c], axis=1).ravel()  # its opponent
    partner_defends = np.tile([False, True], len(r))
    to_partner, to_opponent = tie[rows, :, i], tie[rows, :, j]  # (2M, N)
    patron = bound[:, i].T & (capability[rows] > capability[rows, i][:, None])
    stake = np.where(partner_defends[:, None] & patron, 1.0, hostility[rows, :, j])
    rate = params.entrapment_rate_per_year * to_partner * stake / top
    rate = np.where(to_partner > to_opponent, rate, 0.0)
    rate[np.arange(len(rows)), j] = 0.0  # j is not pulled against itself
    side, m = where_true(rate)
    return Pull(
        crisis=sides[side],
        m=m,
        toward=j[side],
        challenges=~partner_defends[side],
        rate_per_rung=rate[side, m],
    )


#: Capability (US$ m) a state with none counts as having in its threat ratio.
_TINY_CAPABILITY = 1e-9


def threat(
    capability: np.ndarray,
    hostility: np.ndarray,
    distance_km: np.ndarray,
    rng_km: float,
) -> np.ndarray:
    """Walt's threat ``T_i = sum_j H_ij K_j exp(-d_ij / d_t) / K_i``, shape (R, N).

    The hostile capability near i over i's own (Walt 1987: states balance
    against power that threatens them, weighed against their own means), so a
    region whose capabilities all grow at one rate holds its threats level.
    Summed over the hostile pairs in a fixed order (see
    :func:`~sim.dynamics.indexing.sum_into_rows`); a state with no capability
    counts as having ``_TINY_CAPABILITY``.
    """
    i, j = rival_pairs(hostility)
    proximity = np.exp(-distance_km[i, j] / rng_km)  # (P,)
    terms = pair_columns(hostility, i, j) * proximity * capability[:, j]  # (R, P)
    hostile_power = sum_into_rows(terms, i, capability.shape[1])
    return hostile_power / np.maximum(capability, _TINY_CAPABILITY)


def balance(
    tie: np.ndarray,
    capability: np.ndarray,
    hostility: np.ndarray,
    threat_now: np.ndarray,
    threat_start: np.ndarray,
    params: Params,
    dt_years: float,
) -> np.ndarray:
    """Ties after one step of balancing against threat (Walt).

    A state whose threat exceeds ``balancing_threshold`` times its starting
    value adds ``balancing_rate_per_year * dt`` to its tie with each state
    hostile to its main threat (the j with the largest ``H_ij K_j``) and not
    hostile to it, tied before or not. Ties are kept symmetric and at most 1.

    Args:
        tie: Commitment strength, shape (R, N, N).
        capability: Capability stocks, shape (R, N).
        hostility: Hostility ``H_ij``, shape (R, N, N).
        threat_now: Current threat, shape (R, N).
        threat_start: Threat at step 0, shape (N,).
        params: Alliance parameters.
        dt_years: Step length in years.

    Returns:
        New ties, shape (R, N, N).
    """
    if not params.enabled or params.balancing_rate_per_year == 0:
        return tie
    alarmed = threat_now > params.balancing_threshold * threat_start  # (R, N)
    worlds = np.flatnonzero(alarmed.any(axis=1))  # only these change
    if len(worlds) == 0:
        return tie
    rows = slice(None) if len(worlds) == len(tie) else worlds  # all: no gathers
    balanced = _balanced(
        tie[rows],
        capability[rows],
        hostility[rows],
        alarmed[rows],
        params.balancing_rate_per_year * dt_years,
    )
    if isinstance(rows, slice):
        return balanced
    out = tie.copy()
    out[worlds] = balanced
    return out


def _balanced(
    tie: np.ndarray,
    capability: np.ndarray,
    hostility: np.ndarray,
    alarmed: np.ndarray,
    step: float,
) -> np.ndarray:
    """Ties after one step of balancing in worlds where some state is alarmed."""
    r, n, _ = tie.shape
    main = np.argmax(hostility * capability[:, None, :], axis=2)  # (R, N)
    hostile = np.ascontiguousarray(np.swapaxes(hostility > 0, 1, 2))  # [r, s, k]
    shares_threat = hostile[np.arange(r)[:, None], main]  # [r, i, k]: H_k,main(i) > 0
    grow = shares_threat & (hostility == 0) & alarmed[:, :, None]
    grow[:, np.arange(n), np.arange(n)] = False
    grow |= np.swapaxes(grow, 1, 2).copy()
    out = tie.copy()
    at = np.flatnonzero(grow)  # few: update only those
    np.put(out, at, np.minimum(np.take(tie, at) + step, 1.0))
    return out


def relax_doubts(
    abandonment: np.ndarray,
    tie: np.ndarray,
    back_downs: np.ndarray,
    params: Params,
    dt_years: float,
) -> np.ndarray:
    """Doubts of abandonment after one step (Snyder's abandonment fear).

    Doubts relax toward ``initial_abandonment`` at ``doubt_relax_per_year``,
    exactly (``A0 + (A - A0) exp(-rate t)``), and rise by ``reputation_loss``
    for every crisis in which a client's patron backed down. The back-downs
    fall mid-step on average, so half the step's relaxation comes before
    them and half after: neither the count nor the doubts at the step's end
    depend on the step length (relaxed whole before them, a longer step's
    back-downs would stand unrelaxed at its end).

    Args:
        abandonment: ``A_ij``, i's doubt about j, shape (R, N, N).
        tie: Commitment strength, shape (R, N, N).
        back_downs: Crises in which j backed down this step, (R, N).
        params: Alliance parameters.
        dt_years: Step length in years.

    Returns:
        New doubts in [0, 1], shape (R, N, N).
    """

    def relax(doubts: np.ndarray) -> np.ndarray:
        return toward(
            doubts,
            params.initial_abandonment,
            params.doubt_relax_per_year,
            dt_years / 2,
        )

    relaxed = relax(abandonment)
    r, j = where_true(back_downs > 0)  # (M,): only their clients are shaken
    shaken = params.reputation_loss * back_downs[r, j][:, None]
    relaxed[r, :, j] += shaken * (tie[r, :, j] > 0)
    return np.clip(relax(relaxed), 0.0, 1.0)
