"""Cooperation: disaster relief and dialogue forums that build trust and openness.

Anchors: the "disaster diplomacy" literature (I. Kelman, *Disaster Diplomacy*,
2012: disasters can catalyse, though not create, cooperation between states) and
the ASEAN way of security dialogue (A. Acharya, *Constructing a Security Community
in Southeast Asia*, 3rd ed. 2014: regular, consensual meetings that build trust
and transparency without binding commitments).

Disasters strike each state (its own region) as a Poisson process with rate
``q_h`` per year, so a step brings one with chance ``1 - exp(-q_h dt)``; a
scenario may also inject one. States within ``relief_range_km`` of the stricken
state h whose trust in it is at least ``relief_min_trust`` answer with humanitarian
assistance and disaster relief (HADR). Every pair of participants (h and its
responders) closes a share ``g_T`` of its trust gap, and each participant a
share ``g_tau`` of its transparency gap:

    trust_ab' = trust_ab + g_T (1 - trust_ab),   tau_a' = tau_a + g_tau (1 - tau_a)

A dialogue forum meets every ``every_steps`` steps from its first meeting; each
meeting does the same for its members with gains ``f_T`` and ``f_tau``. Between
events trust and transparency drift back toward their starting values at
``memory_decay_per_year`` (goodwill fades unless renewed).
"""

from dataclasses import dataclass

import numpy as np

from sim.dynamics.indexing import where_true
from sim.dynamics.parameters import Value, param
from sim.dynamics.signaling import close_gap, toward_one


@dataclass(frozen=True)
class Params:
    """Parameters of cooperation (all defaults are modelling choices)."""

    enabled: bool = param(True, doc="Run disasters, relief and forum meetings.")
    disaster_rate_per_year: Value = param(
        0.1, lo=0.0, per_state=True, doc="Disasters calling for foreign relief, 1/yr."
    )
    relief_range_km: float = param(
        5000.0, lo=0.0, doc="Farthest capital distance from which a state helps, km."
    )
    relief_min_trust: float = param(
        0.3, lo=0.0, hi=1.0, doc="Least trust in the stricken state to help it."
    )
    relief_trust_gain: float = param(
        0.1, lo=0.0, hi=1.0, doc="Share of the trust gap one joint relief closes."
    )
    relief_transparency_gain: float = param(
        0.05, lo=0.0, hi=1.0, doc="Share of the openness gap one relief closes."
    )
    forum_trust_gain: float = param(
        0.02, lo=0.0, hi=1.0, doc="Share of the trust gap one forum meeting closes."
    )
    forum_transparency_gain: float = param(
        0.02, lo=0.0, hi=1.0, doc="Share of the openness gap one meeting closes."
    )
    memory_decay_per_year: float = param(
        0.1, lo=0.0, doc="Rate trust and openness return to their start, 1/yr."
    )


def disasters(uniform: np.ndarray, rate_per_year: Value, dt_years: float) -> np.ndarray:
    """Which states a disaster strikes this step, (R, N) bool.

    Args:
        uniform: Uniform draws on [0, 1), shape (R, N).
        rate_per_year: ``q_h``, scalar or (N,).
        dt_years: Step length in years.
    """
    return uniform < -np.expm1(-np.asarray(rate_per_year) * dt_years)


def relief_teams(
    hit: np.ndarray, distance_km: np.ndarray, trust: np.ndarray, params: Params
) -> np.ndarray:
    """Who takes part in the relief of each stricken state, (R, N, N) bool.

    Args:
        hit: States struck this step, (R, N).
        distance_km: Distance between capitals, (N, N).
        trust: ``trust_ah``, a's trust in h, (R, N, N).
        params: Cooperation parameters.

    Returns:
        ``team[r, h, a]``: a takes part in the relief of h (h itself included).
    """
    n = hit.shape[1]
    near = (distance_km <= params.relief_range_km)[None]  # (1, N=a, N=h)
    helps = near & (trust >= params.relief_min_trust)  # [r, a, h]
    team = np.swapaxes(helps, 1, 2) | np.eye(n, dtype=bool)[None]
    return team & hit[:, :, None]


def together(teams: np.ndarray) -> np.ndarray:
    """Pairs of distinct states that share a team, (R, N, N) bool.

    Args:
        teams: ``team[r, g, a]``: a is in group g (a relief or a forum), (R, G, N).
    """
    r, _, n = teams.shape
    pairs = np.zeros((r, n, n), dtype=bool)
    world, group = where_true(teams.any(axis=2))  # groups that met, (M,)
    members = teams[world, group]  # (M, N)
    k, a, b = where_true(members[:, :, None] & members[:, None, :])
    pairs[world[k], a, b] = True  # a pair in several groups is marked once
    pairs[:, np.arange(n), np.arange(n)] = False
    return pairs


def meeting(
    members: np.ndarray, every_steps: np.ndarray, first_step: np.ndarray, step: int
) -> np.ndarray:
    """Membership of the forums that meet at ``step``, (F, N) bool.

    Args:
        members: Forum membership, (F, N) bool.
        every_steps: Meeting interval of each forum, (F,) int >= 1.
        first_step: Step of each forum's first meeting, (F,) int.
        step: The current step.
    """
    meets = (step >= first_step) & ((step - first_step) % every_steps == 0)
    return members & meets[:, None]


def cooperate(
    trust: np.ndarray,
    transparency: np.ndarray,
    teams: np.ndarray,
    trust_gain: float,
    transparency_gain: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Trust and transparency after the participants of some events work together.

    Args:
        trust: ``trust_ab``, (R, N, N).
        transparency: ``tau_a``, (R, N).
        teams: ``team[r, g, a]``, participants of each event, (R, G, N) bool,
            or (1, G, N) when the same in every replication.
        trust_gain: Share of the trust gap each shared event closes.
        transparency_gain: Share of the openness gap taking part closes.

    Returns:
        ``(trust, transparency)`` after the events (one gain per step even when a
        pair shares several events).
    """
    if not teams.any():  # nobody took part: nothing changes
        return trust, transparency
    pairs = where_true(np.broadcast_to(together(teams), trust.shape))
    trust = trust.copy()
    trust[pairs] = close_gap(trust[pairs], trust_gain)  # only the pairs that met
    transparency = toward_one(transparency, teams.any(axis=1), transparency_gain)
    return trust, transparency


def remember(
    value: np.ndarray, start: np.ndarray, params: Params, dt_years: float
) -> np.ndarray:
    """Drift back toward the starting value: ``v0 + (v - v0) exp(-m dt)``."""
    drifted = value - start
    drifted *= np.exp(-params.memory_decay_per_year * dt_years)  # fade, in place
    drifted += start
    return drifted
