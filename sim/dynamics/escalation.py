"""The escalation ladder: how crises start, climb and end, for every dyad at once.

Each pair of states stands on a rung of a ladder (Kahn, *On Escalation*, 1965, much
shortened): :data:`RUNGS`, from peace (0) to major war (``WAR``). A crisis is a
dyad above peace and below war; war is absorbing for the rest of the run.

Crises start, at rung 1 unless an inject says otherwise, from

* standing disputes: challenger c opens one against defender d in the dispute's
  theater t with probability ``1 - exp(-dt * q_d * H_cd * f_ct)`` per step, with
  the current hostility ``H_cd`` (:mod:`.hostility`) and c's presence ``f_ct``;
* incidents: forces in close contact in a theater (Jervis's spiral), with
  probability ``1 - exp(-dt * q_i * H_ij * contact_ij * (1 - trust_ij))``, with
  ``H_ij`` the pair's current hostility (the larger direction), where
  ``contact_ij = max_t f_it f_jt`` and the presence
  ``f_it = posture_i * P_it / K_i`` is the share of i's capability that reaches
  theater t, weighted by its forward posture; the side with more presence there
  is the challenger;
* injects scheduled in the scenario;
* entrapment, when a partner's crisis pulls an ally in (see :mod:`.alliances`).

Each step both sides choose (see :mod:`.crisis_decision`) and the crisis moves:

* both back down: negotiated; one backs down: it loses (challenger or defender
  backed down), and the rung returns to peace;
* otherwise, if either escalates the rung rises by one; reaching ``WAR`` ends the
  crisis in war;
* every step a crisis goes on, each side's audience cost (what backing down
  would now cost its leaders at home) grows by ``alpha`` times the rung, so
  commitments harden the longer and higher a crisis runs (Fearon 1994);
* if both hold, they settle (negotiated) with probability
  ``1 - exp(-dt * q_s)``.

Deterrence holds when the challenger backs down and fails when the ladder reaches
war (or the defender backs down). Simplifications: one rung per step at most; a
dyad has at most one crisis at a time; a settled dispute can flare up again.
"""

from dataclasses import dataclass

import numpy as np

from sim.dynamics.indexing import where_true
from sim.dynamics.parameters import param
from sim.dynamics.rates import hazard

#: Crisis action codes, in the order of the utility axis of the crisis decision.
BACK_DOWN, HOLD, ESCALATE = -1, 0, 1
ACTIONS: dict[str, int] = {"back_down": BACK_DOWN, "hold": HOLD, "escalate": ESCALATE}
ACTION_NAMES: dict[int, str] = {code: name for name, code in ACTIONS.items()}
#: Names of the escalation ladder's rungs; a threshold is an index into it.
RUNGS: tuple[str, ...] = (
    "peace",
    "diplomatic_protest",
    "show_of_force",
    "militarised_dispute",
    "limited_clash",
    "major_war",
)
WAR = len(RUNGS) - 1
#: How a crisis ended; code 0 means it did not end this step.
ENDINGS: tuple[str, ...] = (
    "",
    "challenger_backed_down",
    "defender_backed_down",
    "negotiated",
    "war",
)
CHALLENGER_BACKED_DOWN, DEFENDER_BACKED_DOWN, NEGOTIATED, WAR_ENDING = 1, 2, 3, 4
#: How a crisis started; code 0 means no crisis. An incident's challenger (the side
#: with more presence) is a convention, not a choice to challenge, so deterrence is
#: not counted for incidents.
ORIGINS: tuple[str, ...] = ("", "dispute", "incident", "inject", "entrapment")
DISPUTE, INCIDENT, INJECT, ENTRAPMENT = 1, 2, 3, 4


@dataclass(frozen=True)
class Params:
    """Parameters of crises and escalation (all defaults are modelling choices)."""

    enabled: bool = param(
        True, doc="Let crises climb; when off no crisis passes the first rung."
    )
    dispute_rate_per_year: float = param(
        0.2, lo=0.0, doc="Crises a dispute of hostility 1 opens per year, 1/yr."
    )
    incident_rate_per_year: float = param(
        0.5, lo=0.0, doc="Incidents per year at full contact and zero trust, 1/yr."
    )
    settle_rate_per_year: float = param(
        2.0, lo=0.0, doc="Rate at which a held stand-off is negotiated away, 1/yr."
    )
    decisiveness: float = param(
        1.0, lo=0.0, doc="Contest decisiveness m per rung (Tullock/Hirshleifer)."
    )
    war_cost: float = param(
        0.6, lo=0.0, doc="Cost of standing at major war, in units of the stake."
    )
    temperature: float = param(
        0.05, lo=0.0, doc="Logit choice noise 1/rationality; 0 is the best reply."
    )
    perception_noise: float = param(
        1.0, lo=0.0, doc="Misperception s.d. of the log power ratio at zero trust."
    )
    audience_cost_per_rung: float = param(
        0.02, lo=0.0, doc="Audience cost added per step and rung in crisis (stake)."
    )
    min_stake: float = param(
        0.2, lo=0.0, doc="Stake of a crisis between states with no hostility."
    )
    trust_allies: float = param(
        0.7, lo=0.0, hi=1.0, doc="Starting trust between tied states, 0..1."
    )
    trust_rivals: float = param(
        0.2, lo=0.0, hi=1.0, doc="Starting trust between hostile states, 0..1."
    )
    trust_others: float = param(
        0.5, lo=0.0, hi=1.0, doc="Starting trust between other states, 0..1."
    )


@dataclass(frozen=True)
class Crises:
    """Crisis bookkeeping of every dyad, each array (R, N, N).

    Attributes:
        theater: Theater index of the dyad's crisis, -1 if none; symmetric.
        challenger: ``[i, j]`` true if i is the challenger of crisis (i, j).
        start_step: Step at which the crisis started, -1 if none; symmetric.
        peak: Highest rung reached so far; symmetric.
        climbed: Highest rung i took the crisis to itself (directional).
        ending: How the crisis ended in the step just taken (:data:`ENDINGS`
            code, 0 for not ended); symmetric.
        origin: How the crisis started (:data:`ORIGINS` code, 0 for none);
            symmetric.
    """

    theater: np.ndarray
    challenger: np.ndarray
    start_step: np.ndarray
    peak: np.ndarray
    climbed: np.ndarray
    ending: np.ndarray
    origin: np.ndarray


def no_crises(r: int, n: int) -> Crises:
    """Bookkeeping of R worlds of N states at peace."""
    return Crises(
        theater=np.full((r, n, n), -1, dtype=np.int8),
        challenger=np.zeros((r, n, n), dtype=bool),
        start_step=np.full((r, n, n), -1, dtype=np.int32),
        peak=np.zeros((r, n, n), dtype=np.int8),
        climbed=np.zeros((r, n, n), dtype=np.int8),
        ending=np.zeros((r, n, n), dtype=np.int8),
        origin=np.zeros((r, n, n), dtype=np.int8),
    )


def under_way(rung: np.ndarray) -> np.ndarray:
    """Whether each dyad is in a crisis: above peace and below war (any shape)."""
    return (rung >= 1) & (rung < WAR)


def initial_trust(tie: np.ndarray, hostility: np.ndarray, params: Params) -> np.ndarray:
    """Starting trust by relation: rivals (H > 0), else allies (tie > 0), else others.

    Returns:
        (N, N) array with ones on the diagonal.
    """
    trust = np.where(
        hostility > 0,
        params.trust_rivals,
        np.where(tie > 0, params.trust_allies, params.trust_others),
    )
    np.fill_diagonal(trust, 1.0)
    return trust


def presence(
    projected: np.ndarray, capability: np.ndarray, posture: np.ndarray
) -> np.ndarray:
    """Forward presence ``f_it = posture_i * P_it / K_i`` in [0, 1], (R, N, T).

    The share of i's capability that reaches theater t, weighted by its forward
    posture (``posture`` (N,) or (R, N)); zero for a state without capability.
    """
    divisor = np.where(capability > 0, capability, np.inf)[:, :, None]
    share = projected / divisor  # zero where there is no capability
    return np.clip(np.asarray(posture)[..., None] * share, 0.0, 1.0)


def contact(
    presence_i: np.ndarray, presence_j: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Forces in close contact, ``contact_ij = max_t f_it f_jt``.

    Args:
        presence_i: Presence of one side of each pair in each theater, (M, T).
        presence_j: Presence of the other side, (M, T).

    Returns:
        ``(contact, theater, forward)``: contact in [0, 1] (M,), the theater
        where it is largest (M,), and whether i has at least j's presence there
        (M,), which makes i the challenger of an incident. With no theater
        there is no contact: zero, theater -1 and not forward.
    """
    both = presence_i * presence_j  # (M, T)
    if both.shape[1] == 0:
        return np.zeros(len(both)), np.full(len(both), -1), np.zeros(len(both), bool)
    theater = np.argmax(both, axis=1)
    rows = np.arange(len(theater))
    forward = presence_i[rows, theater] >= presence_j[rows, theater]
    return both[rows, theater], theater, forward


def incident_chance(
    contact_ij: np.ndarray, trust: np.ndarray, params: Params, dt_years: float
) -> np.ndarray:
    """Per-step chance of an incident in a hostile pair, given contact and trust."""
    return hazard(params.incident_rate_per_year * contact_ij * (1.0 - trust), dt_years)


def resolve(
    rung: np.ndarray,
    action: np.ndarray,
    crises: Crises,
    audience_cost: np.ndarray,
    sides: tuple[np.ndarray, np.ndarray, np.ndarray],
    settle_draw: np.ndarray,
    params: Params,
    dt_years: float,
) -> np.ndarray:
    """Move every active crisis one step given both sides' actions.

    Only the sides given are visited; every other dyad keeps its
    rung, bookkeeping and audience cost (and has no ending). ``crises`` and
    ``audience_cost`` change in place: they must be the step's own arrays, as
    :func:`clear_ended` gives them (no ending recorded yet).

    Args:
        rung: Current rungs, (R, N, N) int8, symmetric.
        action: ``action[i, j]``, i's action toward j, (R, N, N) int8.
        crises: Bookkeeping before the step; after it, ``crises.ending`` holds
            the code of every crisis that ended in it.
        audience_cost: Audience cost paid, (R, N, N), directional.
        sides: ``(r, i, j)`` of both sides of every crisis under way (above
            peace, below war), each (M,).
        settle_draw: The settlement uniform on [0, 1) of each side's crisis,
            (M,), the same for both sides.
        params: Escalation parameters.
        dt_years: Step length in years.

    Returns:
        The rungs after the step, a new array.
    """
    r, i, j = sides
    mine, theirs = action[r, i, j], action[r, j, i]  # (M,)
    mine_back, theirs_back = mine == BACK_DOWN, theirs == BACK_DOWN
    both_back = mine_back & theirs_back
    is_challenger = crises.challenger[r, i, j]
    challenger_back = np.where(is_challenger, mine_back, theirs_back)
    defender_back = np.where(is_challenger, theirs_back, mine_back)
    someone_back = mine_back | theirs_back
    climbs = ~someone_back & ((mine == ESCALATE) | (theirs == ESCALATE))
    climbs &= params.enabled
    settles = (
        (mine == HOLD)
        & (theirs == HOLD)
        & (settle_draw < hazard(params.settle_rate_per_year, dt_years))
    )
    k = rung[r, i, j]
    moved = np.where(climbs, k + 1, k).astype(np.int8)
    ending = np.select(
        [
            both_back,
            challenger_back & ~defender_back,
            defender_back & ~challenger_back,
            settles,
            climbs & (moved == WAR),
        ],
        [
            NEGOTIATED,
            CHALLENGER_BACKED_DOWN,
            DEFENDER_BACKED_DOWN,
            NEGOTIATED,
            WAR_ENDING,
        ],
        0,
    ).astype(np.int8)
    moved = np.where((ending > 0) & (ending != WAR_ENDING), 0, moved).astype(np.int8)
    pushed = climbs & (mine == ESCALATE)
    stays = ending == 0
    new_rung = rung.copy()
    new_rung[r, i, j] = moved
    crises.ending[r, i, j] = ending
    crises.climbed[r, i, j] = np.where(pushed, moved, crises.climbed[r, i, j])
    crises.peak[r, i, j] = np.maximum(crises.peak[r, i, j], moved)
    audience_cost[r, i, j] += params.audience_cost_per_rung * stays * moved
    return new_rung


def clear_ended(crises: Crises, audience_cost: np.ndarray) -> tuple[Crises, np.ndarray]:
    """Forget the bookkeeping of crises that ended last step (war stays recorded).

    Returns:
        ``(crises, audience_cost)``: new arrays, the step's own, which
        :func:`resolve` and :func:`open_crises` change in place.
    """
    gone = where_true((crises.ending > 0) & (crises.ending != WAR_ENDING))
    cleared = Crises(**{name: a.copy() for name, a in vars(crises).items()})
    cleared.ending[...] = 0
    cleared.theater[gone] = cleared.start_step[gone] = -1
    cleared.challenger[gone] = False
    cleared.peak[gone] = cleared.climbed[gone] = cleared.origin[gone] = 0
    audience_cost = audience_cost.copy()
    audience_cost[gone] = 0.0
    return cleared, audience_cost


def open_crises(
    rung: np.ndarray,
    crises: Crises,
    sides: tuple[np.ndarray, np.ndarray, np.ndarray],
    start_rung: np.ndarray | int,
    theater: np.ndarray | int,
    step: int,
    *,
    origin: int,
) -> None:
    """Start the listed crises whose dyad is at peace (and did not just settle).

    Changes ``rung`` and ``crises`` in place: they must be the step's own
    arrays (from :func:`clear_ended` and :func:`resolve`), never a world's.

    Args:
        rung: Current rungs, (R, N, N).
        crises: Current bookkeeping.
        sides: ``(r, c, d)``: replication row, challenger and defender of each
            crisis to start, each (M,); when a dyad is listed twice the first
            listing wins.
        start_rung: Rung each starts at, scalar or (M,).
        theater: Theater of each, scalar or (M,).
        step: Step number the new crises start at.
        origin: How they start, an :data:`ORIGINS` code.
    """
    r, c, d = sides
    n = rung.shape[1]
    start_rung, theater = np.broadcast_arrays(start_rung, theater, r)[:2]
    key = (r * n + np.minimum(c, d)) * n + np.maximum(c, d)
    first = np.sort(np.unique(key, return_index=True)[1])
    free = first[(rung[r[first], c[first], d[first]] == 0)]
    free = free[crises.ending[r[free], c[free], d[free]] == 0]
    r, c, d = r[free], c[free], d[free]
    level, where = start_rung[free], theater[free]
    for a, b in ((c, d), (d, c)):
        rung[r, a, b] = crises.peak[r, a, b] = level
        crises.theater[r, a, b] = where
        crises.start_step[r, a, b] = step
        crises.origin[r, a, b] = origin
    crises.challenger[r, c, d] = True
    crises.climbed[r, c, d] = level


def highest_start(params: Params) -> int:
    """Highest rung a crisis can start at or be pulled to: below war, or 1 if off.

    With the mechanism off the ladder is frozen at its first rung: crises still
    start (as diplomatic protests) but nobody can climb.
    """
    return WAR - 1 if params.enabled else 1


def raise_rungs(
    rung: np.ndarray,
    crises: Crises,
    pulled: tuple[np.ndarray, np.ndarray, np.ndarray],
    level: np.ndarray,
) -> None:
    """Lift crises already under way to a pulled rung (entrapment), in place.

    ``rung`` and ``crises`` must be the step's own arrays (see :func:`resolve`).

    Args:
        rung: Current rungs, (R, N, N), symmetric.
        crises: Current bookkeeping.
        pulled: ``(r, m, j)``: m is pulled toward j in world r, each (M,).
        level: Rung each pull reaches, (M,). A pull lifts the dyad both ways;
            the strongest pull on a dyad wins.
    """
    r, m, j = pulled
    r, a, b = np.concatenate([r, r]), np.concatenate([m, j]), np.concatenate([j, m])
    level = np.concatenate([level, level])
    order = np.argsort(level, kind="stable")  # the strongest is written last
    r, a, b, level = r[order], a[order], b[order], level[order]
    now = rung[r, a, b]
    lift = under_way(now) & (level > now) & (crises.ending[r, a, b] == 0)
    r, a, b, level = r[lift], a[lift], b[lift], level[lift]
    rung[r, a, b] = level
    crises.peak[r, a, b] = np.maximum(crises.peak[r, a, b], level)
