"""Cooperation: disaster relief and dialogue forums that build trust and openness.

Anchors: the "disaster diplomacy" literature (I. Kelman, *Disaster Diplomacy*,
2012: disasters can catalyse, though not create, cooperation between states),
the ASEAN way of security dialogue (A. Acharya, *Constructing a Security Community
in Southeast Asia*, 3rd ed. 2014: regular, consensual meetings that build trust
and transparency without binding commitments), and trust as a belief about the
other's intent that its conduct updates (A. Kydd, *Trust and Mistrust in
International Relations*, 2005; R. Jervis, *Perception and Misperception in
International Politics*, 1976: crises read as hostile intent, the spiral).

Disasters strike each state (its own region) as a Poisson process with rate
``q_h`` per year, so a step brings it a Poisson number of mean ``q_h dt``; a
scenario may also inject one. States within ``relief_range_km`` of the stricken
state h whose trust in it is at least ``relief_min_trust`` answer with humanitarian
assistance and disaster relief (HADR). At the default 0.1, below the starting
trust of rivals (``trust_rivals`` 0.2 of :mod:`.escalation`), rivals take part
until their crises have worn their trust down below it; above 0.2 the threshold
keeps rivals out from the start, above 0.5 all but allies. Every pair of
participants (h and its responders) closes a share of its trust gap that
hostility ``H_ab`` discounts, so cooperation reaches rivals at a lower rate, and
each participant a share ``g_tau`` of its transparency gap:

    trust_ab' = trust_ab + g_T (1 - H_ab) (1 - trust_ab),
    tau_a' = tau_a + g_tau (1 - tau_a)

for each event in turn, so two in one step count as two, as in two steps
(a forum meeting and a relief in one half-year step, say; if they counted
once, trust would grow slower at longer steps).

(shared events also soften hostility itself, see :mod:`.hostility`).
A dialogue forum meets every ``every_years`` years from its first meeting; each
meeting does the same for its members with gains ``f_T`` and ``f_tau``. Between
events trust and transparency drift back toward their starting values at
``memory_decay_per_year`` (goodwill fades unless renewed), while a pair's
crisis wears its trust down (Kydd 2005; Jervis 1976):

    dT_ab/dt = m (T0_ab - T_ab) - kappa s_ab T_ab,

``s_ab = rung_ab / K`` the pair's rung on the ladder of K rungs averaged over
the step's time (as :mod:`.hostility` counts it), ``kappa``
(``crisis_distrust_per_year``, a modelling choice) the rate at war, solved
exactly over the step with ``s`` held, so a steady crisis gives the same path
at any step length. A pair that stays in crisis settles at ``m T0 / (m + kappa
s)``: rivals (0.2) standing at a show of force (s = 0.4) settle at 0.04, and
trust comes back at ``m`` once their crises stop. Lower trust in turn widens
the misperception of resolve (:mod:`.beliefs`) and raises the incident rate
(:mod:`.escalation`). With cooperation off (``enabled = false``) trust neither
drifts nor erodes: it stays where the scenario and CBMs set it.
"""

from dataclasses import dataclass

import numpy as np

from sim.dynamics.indexing import where_true
from sim.dynamics.parameters import Value, param
from sim.dynamics.rates import toward
from sim.dynamics.signaling import toward_one


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
        0.1, lo=0.0, hi=1.0, doc="Least trust in the stricken state to help it."
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
    crisis_distrust_per_year: float = param(
        1.0, lo=0.0, doc="Rate a pair's war erodes its trust (per rung/K), 1/yr."
    )


def disasters(uniform: np.ndarray, rate_per_year: Value, dt_years: float) -> np.ndarray:
    """How many disasters strike each state this step, (R, N) int.

    A Poisson number of mean ``q_h dt``, the inverse of its distribution at
    the uniform (summed term by term: only the few uniforms past ``P(0)`` go
    on, where ``scipy.stats.poisson.ppf`` would cost a tenth of a run), so two
    disasters in one long step are two, as in two short ones.

    Args:
        uniform: Uniform draws on [0, 1), shape (R, N).
        rate_per_year: ``q_h``, scalar or (N,).
        dt_years: Step length in years.
    """
    mean = np.broadcast_to(np.multiply(rate_per_year, dt_years), uniform.shape)
    count = np.zeros(uniform.shape, dtype=np.int64)
    term = np.exp(-mean)  # P(K = k), from k = 0
    below = term.copy()  # P(K <= k)
    more = uniform >= below
    k = 0
    while more.any():
        k += 1
        count += more
        term = term * mean / k
        below += term
        more &= (uniform >= below) & (term > 0)  # term 0: as far as floats go
    return count


def relief_teams(
    hit: np.ndarray, distance_km: np.ndarray, trust: np.ndarray, params: Params
) -> tuple[np.ndarray, np.ndarray]:
    """Who takes part in the relief of each disaster.

    Args:
        hit: Disasters that struck each state this step, (R, N) int.
        distance_km: Distance between capitals, (N, N).
        trust: ``trust_ah``, a's trust in h, (R, N, N).
        params: Cooperation parameters.

    Returns:
        ``(world, members)``: one relief per disaster, in C order of (world,
        state): the world it happens in, (M,), and who takes part, (M, N)
        bool, the stricken state itself included.
    """
    world, struck = where_true(hit > 0)
    times = hit[world, struck]
    world, struck = np.repeat(world, times), np.repeat(struck, times)  # (M,)
    distance = distance_km[struck]  # (M, N): from h to each a (symmetric)
    near = distance <= params.relief_range_km
    trusting = trust[world, :, struck] >= params.relief_min_trust  # a trusts h
    members = near & trusting
    members[np.arange(len(struck)), struck] = True
    return world, members


def in_every_world(members: np.ndarray, r: int) -> tuple[np.ndarray, np.ndarray]:
    """The same groups (G, N) in each of R worlds, as ``(world, members)``."""
    return np.repeat(np.arange(r), len(members)), np.tile(members, (r, 1))


def together(world: np.ndarray, members: np.ndarray, r: int) -> np.ndarray:
    """How many groups each pair of distinct states shares, (R, N, N) int.

    Args:
        world: World of each group, (G,), in increasing order.
        members: Members of each group, (G, N) bool.
        r: Number of worlds R.
    """
    n = members.shape[1]
    shared = np.zeros((r, n, n), dtype=np.int32)
    pair = members[:, :, None] & members[:, None, :]  # (G, N, N)
    rank = np.arange(len(world)) - np.searchsorted(world, world)  # within its world
    for k in range(rank.max(initial=-1) + 1):  # each pass: one group per world
        layer = rank == k
        shared[world[layer]] += pair[layer]
    shared[:, np.arange(n), np.arange(n)] = 0
    return shared


def cooperate(
    trust: np.ndarray,
    transparency: np.ndarray,
    groups: tuple[np.ndarray, np.ndarray],
    trust_gain: float,
    transparency_gain: float,
    hostility: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Trust and transparency after the members of some groups work together.

    Args:
        trust: ``trust_ab``, (R, N, N).
        transparency: ``tau_a``, (R, N).
        groups: ``(world, members)``: the world of each group (a relief or a
            forum meeting), (G,) in increasing order, and its members, (G, N)
            bool.
        trust_gain: Share of the trust gap each shared event closes between
            friends; hostility ``H_ab`` discounts it by ``1 - H_ab``.
        transparency_gain: Share of the openness gap taking part closes.
        hostility: ``H_ab``, (R, N, N).

    Returns:
        ``(trust, transparency, met)`` after the events, each shared event
        closing its share of the gap in turn (several in one step count as
        in several steps); ``met`` counts the events each pair shared,
        (R, N, N) int, or is None when nobody took part.
    """
    world, members = groups
    if not members.any():  # nobody took part: nothing changes
        return trust, transparency, None
    met = together(world, members, len(trust))
    # Dense: a third of all pairs meet (forums meet in every world), too many
    # to gather. Elsewhere met is 0 and trust is unchanged to the bit.
    share = np.subtract(1.0, hostility)  # g_T (1 - H_ab) per shared event
    share *= trust_gain
    trust = toward_one(trust, met, share)
    g, a = where_true(members)
    took_part = np.zeros(transparency.shape, dtype=np.int32)
    np.add.at(took_part, (world[g], a), 1)
    transparency = toward_one(transparency, took_part, transparency_gain)
    return trust, transparency, met


def remember_trust(
    trust: np.ndarray,
    start: np.ndarray,
    strain: np.ndarray,
    params: Params,
    dt_years: float,
) -> np.ndarray:
    """Trust after a step of memory drift and erosion by the pair's crisis.

    ``dT/dt = m (T0 - T) - kappa s T`` solved exactly with ``s`` held over the
    step: ``T' = T* + (T - T*) exp(-(m + kappa s) dt)``, ``T* = m T0 / (m +
    kappa s)`` (module docstring). Where ``s`` is 0 this is :func:`remember`
    to the bit.

    Args:
        trust: ``T_ab``, (R, N, N).
        start: ``T0_ab``, the scenario's trust, (N, N).
        strain: ``s_ab``, the pair's rung over the top rung, averaged over
            the step's time, (R, N, N).
        params: Cooperation parameters (``m``, ``kappa``).
        dt_years: Step length in years.
    """
    m = params.memory_decay_per_year
    rate = m + params.crisis_distrust_per_year * strain
    share = np.divide(m, rate, out=np.ones_like(rate), where=rate > 0)
    target = start * share  # T*: exactly T0 where there is no crisis
    return toward(trust, target, rate, dt_years)


def remember(
    value: np.ndarray, start: np.ndarray, params: Params, dt_years: float
) -> np.ndarray:
    """Drift back toward the starting value: ``v0 + (v - v0) exp(-m dt)``."""
    return toward(value, start, params.memory_decay_per_year, dt_years)
