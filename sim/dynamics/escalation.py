"""The escalation ladder: how crises start, climb and end, for every dyad at once.

Each pair of states stands on a rung of a ladder (Kahn, *On Escalation*, 1965, much
shortened): :data:`RUNGS`, from peace (0) to major war (``WAR``). A crisis is a
dyad above peace and below war; war is absorbing for the rest of the run.

Crises start, at rung 1 unless said otherwise here, from

* standing disputes: challenger c opens one against defender d in the dispute's
  theater t at the rate ``q_d * H_cd * f_ct`` per year of peace, with the
  current hostility ``H_cd`` (:mod:`.hostility`) and c's presence ``f_ct``;
* incidents: forces in close contact in a theater (Jervis's spiral), at the rate
  ``q_i * H_ij * contact_ij * (1 - trust_ij)`` per year of peace, with ``H_ij``
  the pair's current hostility (the larger direction), where ``contact_ij = max_t
  f_it f_jt`` over the theaters where the pair's forces meet (its own disputes',
  else either side's, :func:`meeting_theaters`) and the presence ``f_it =
  posture_i * P_it / K_i`` is the share of i's capability that reaches theater t,
  weighted by its forward posture; the side with more presence there is the
  challenger. An incident opens at ``incident_rung``, a limited clash by default:
  forces in contact that seize a vessel, attack or exchange fire use force without
  climbing a ladder first, as the COW MID record codes its uses of force (Jones,
  Bremer and Singer 1996: seizure, attack, clash; 67 of the 68 uses of force among
  the baseline's states in 1990-2014); as with an inject, the challenger's forces
  took it there, so the defender may reply; unlike an inject's, the challenger
  bears no audience cost for that rung until it climbs itself: a leader's
  audience cost is what it takes on by escalating in public (Fearon 1994), and
  forces in contact that clash made no such choice (:attr:`Crises.unchosen`).
  With chance ``incident_clash_share`` an incident is a clash in which both
  sides fire (MID ``hiact`` 17, where a seizure or an attack is one side's act):
  the defender took the crisis to that rung too, unchosen, so it has answered
  and either side may climb in reply (:func:`both_fire`). The default is the
  record's share of clashes among the uses of force of the baseline's states,
  20 of 68 in 1990-2014 (COW MID 5.0, ``scenarios/data/mids.csv``), taken for
  the incidents: a modelling choice on a real figure, as the record's uses of
  force include disputes that climbed;
* injects scheduled in the scenario;
* entrapment, when a partner's crisis pulls an ally in (see :mod:`.alliances`),
  at that crisis's rung; as with an incident, that rung commits neither side of
  the new crisis to an audience.

Disputes and incidents are onsets in continuous time: a dyad at peace, at the
step's start or from the moment its crisis ended within the step, opens its next
crisis at the first event of the summed rate of its sources (one exponential
draw), a rate that moves with the pair's hostility as it relaxes within the
step, so a dyad may have several crises in one step and the crises per year do
not depend on the step length (:mod:`sim.conflict`). Entrapment pulls allies in along
a partner's crisis path; injects open at the end of their step.

A crisis moves in continuous time (:mod:`.crisis_chain`): at decision
opportunities (rate ``decision_rate_per_year``) both sides play the stage game of
:mod:`.crisis_decision` in quantal response equilibrium, with beliefs about each
other's resolve (:mod:`.beliefs`), and

* both back down: negotiated; one backs down: it concedes (challenger or defender
  backed down), and the rung returns to peace;
* otherwise, if either escalates the rung rises by one; reaching ``WAR`` ends the
  crisis in war;
* a stand-off is negotiated away at rate ``settle_rate_per_year``, on the
  contest's terms or at the status quo (``settlement_by_power``);
* a side bears an audience cost (what backing down would cost its leaders at
  home) of ``alpha`` per rung it took the crisis to itself, in public: it alone
  pays it if it backs down, and the opponent sees it (Fearon 1994).

Deterrence holds when the challenger backs down and fails when the ladder reaches
war (or the defender backs down). Simplifications: a dyad has at most one crisis at
a time; a settled dispute can flare up again; the world around a crisis (power,
alliances, stakes, pledges) is that of the step's start, while its rung, climbs
and beliefs are those of each decision opportunity.
"""

from dataclasses import dataclass

import numpy as np

from sim.dynamics import crisis_chain
from sim.dynamics.indexing import where_true
from sim.dynamics.parameters import param

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
    r"""Parameters of crises and escalation.

    Three defaults are fitted to the record (COW MID 5.0 among the baseline's
    17 states, 1990-2014: disputes, uses of force, and the pairs drawn into a
    dispute another pair began), with ``alliances.entrapment_rate_per_year``,
    the third; the record's fourth rate, war, is left to the model::

        wargame calibrate scenarios/baseline_2024.toml --target crises \\
          --data scenarios/data/mids.csv --window 1990:2014 --replications 100 \\
          --fit mechanisms.escalation.dispute_rate_per_year=0.5:15.0 \\
                mechanisms.escalation.incident_rate_per_year=0.0:10.0 \\
                mechanisms.alliances.entrapment_rate_per_year=0.02:2.0 \\
          --set mechanisms.escalation.settle_rate_per_year=0.448 \\
          --set mechanisms.escalation.war_cost=1.6

    ``dispute_rate_per_year`` 5.06 (95% interval 2.38-7.75),
    ``incident_rate_per_year`` 1.70 (1.23-2.17) and the entrapment rate 0.458
    (0.27-0.64), fitted on 2026-12-03 with incidents that may be clashes both
    sides fire in (docs/calibration.md, "Crises against
    the record"). ``war_cost`` is held at 1.6, a modelling choice bounded by
    theory: the record's one war in 25 years does not pin it (its rate's 95%
    interval, 0.001-0.223 a year, admits war costs from about 0.6 to 3 and
    more), and below 1.6, refitted, audience costs add war where beliefs are
    accurate (theory case d_region_high at full size: +0.0020, 95% +0.0008 to
    +0.0033, at 1.5; d_region, at the default audience cost, fails below
    1.0), which Fearon (1994) rules out. Fitted to the war too, it was 0.783.
    The settlement rate (0.448, 95% 0.2-2.68) and the rung-cost exponent
    (3.70, 3.18-4.22) come from earlier fits and are held. They are fitted
    modelling choices, valid with the other defaults and the baseline's
    disputes, resolves and thresholds; every other default is a modelling
    choice.
    """

    enabled: bool = param(
        True, doc="Let crises climb; when off no crisis passes the first rung."
    )
    dispute_rate_per_year: float = param(
        5.06,
        lo=0.0,
        doc="Crises a dispute of hostility 1 opens per year, 1/yr (fitted).",
    )
    incident_rate_per_year: float = param(
        1.70,
        lo=0.0,
        doc="Incidents per year at full contact and zero trust, 1/yr (fitted).",
    )
    incident_rung: int = param(
        4,
        lo=1,
        hi=WAR - 1,
        doc="Rung an incident opens at; 4, a limited clash (module docstring).",
    )
    incident_clash_share: float = param(
        20 / 68,
        lo=0.0,
        hi=1.0,
        doc="Share of incidents in which both sides fire (MID record; module "
        "docstring).",
    )
    decision_rate_per_year: float = param(
        4.0, lo=0.0, doc="Decision opportunities of a crisis per year, 1/yr."
    )
    settle_rate_per_year: float = param(
        0.448,
        lo=0.0,
        doc="Rate at which a stand-off is negotiated away, 1/yr (fitted).",
    )
    settlement_by_power: float = param(
        1.0,
        lo=0.0,
        hi=1.0,
        doc="How far a stand-off negotiated away shares the stake by the local "
        "balance: 1 the contest's odds (Powell 1999), 0 the status quo (MID "
        "stalemates); a modelling choice.",
    )
    decisiveness: float = param(
        0.5, lo=0.0, doc="Contest decisiveness d per rung (Tullock/Hirshleifer)."
    )
    war_cost: float = param(
        1.6,
        lo=0.0,
        doc="Cost C of major war, stake units: war pays if resolve x stake > C "
        "(held: the lowest at which audience costs add no war, d_region_high).",
    )
    rung_cost_exponent: float = param(
        3.70, lo=1.0, doc="Convexity e of the rung cost c(m) = C (m / K)^e (fitted)."
    )
    temperature: float = param(
        0.08, lo=0.0, doc="QRE temperature 1/lambda, stake units; 0 is Nash."
    )
    perception_noise: float = param(
        1.0, lo=0.0, doc="S.d. of the log belief about resolve at zero trust."
    )
    cbm_clarity: float = param(
        0.5, lo=0.0, hi=1.0, doc="Share of that s.d. a hotline or notification removes."
    )
    learning_rate_per_year: float = param(
        4.0, lo=0.0, doc="Belief learning per year per unit of signal cost, 1/yr."
    )
    audience_cost_per_rung: float = param(
        0.1,
        lo=0.0,
        per_state=True,
        doc="Audience cost per rung a side climbed in public (stake).",
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
        unchosen: The rung i's crisis opened at when i took it there without
            choosing to (an incident's or an entrapment pull's challenger, and
            both sides of a clash both fire in, :func:`both_fire`), else 0
            (directional): i bears no audience cost for climbs up to it
            (:func:`audience_borne`).
        origin: How the crisis started (:data:`ORIGINS` code, 0 for none);
            symmetric.
        belief: ``[i, j]`` i's belief about j's resolve (:mod:`.beliefs`), 0
            outside a crisis.
    """

    theater: np.ndarray
    challenger: np.ndarray
    start_step: np.ndarray
    peak: np.ndarray
    climbed: np.ndarray
    unchosen: np.ndarray
    origin: np.ndarray
    belief: np.ndarray

    def copied(self) -> "Crises":
        """New arrays with the same values: a step's own bookkeeping to change."""
        return Crises(**{name: a.copy() for name, a in vars(self).items()})


def no_crises(r: int, n: int) -> Crises:
    """Bookkeeping of R worlds of N states at peace."""
    return Crises(
        theater=np.full((r, n, n), -1, dtype=np.int8),
        challenger=np.zeros((r, n, n), dtype=bool),
        start_step=np.full((r, n, n), -1, dtype=np.int32),
        peak=np.zeros((r, n, n), dtype=np.int8),
        climbed=np.zeros((r, n, n), dtype=np.int8),
        unchosen=np.zeros((r, n, n), dtype=np.int8),
        origin=np.zeros((r, n, n), dtype=np.int8),
        belief=np.zeros((r, n, n)),
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


def meeting_theaters(disputes: np.ndarray, n: int, theaters: int) -> np.ndarray:
    """Where each pair's forces may meet in an incident, (N, N, T) bool.

    Forces meet where they are deployed for a dispute: a pair's incidents open
    in the theaters of its own disputes; a pair without one, in the theaters of
    either side's disputes; a pair where neither side has one, in any theater.
    A modelling choice: presence projected from capitals alone put half of the
    baseline's incidents of disputing pairs in another theater than their
    dispute's (docs/calibration.md, "Where incidents happen").

    Args:
        disputes: Challenger, defender and theater of each dispute, (D, 3).
        n: Number of states.
        theaters: Number of theaters.
    """
    own = np.zeros((n, n, theaters), dtype=bool)
    c, d, t = disputes.T
    own[c, d, t] = own[d, c, t] = True
    claim = own.any(axis=1)  # (N, T): a party to some dispute in theater t
    either = claim[:, None, :] | claim[None, :, :]
    return np.where(
        own.any(axis=2, keepdims=True),
        own,
        either | ~either.any(axis=2, keepdims=True),
    )


def contact(
    presence_i: np.ndarray, presence_j: np.ndarray, where: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Forces in close contact, ``contact_ij = max_t f_it f_jt`` over where they meet.

    Args:
        presence_i: Presence of one side of each pair in each theater, (M, T).
        presence_j: Presence of the other side, (M, T).
        where: The theaters where each pair may meet (:func:`meeting_theaters`),
            (M, T) bool, at least one in each row.

    Returns:
        ``(contact, theater, forward)``: contact in [0, 1] (M,), the theater
        among ``where`` where it is largest (M,), and whether i has at least j's
        presence there (M,), which makes i the challenger of an incident. With
        no theater there is no contact: zero, theater -1 and not forward.
    """
    both = presence_i * presence_j  # (M, T)
    if both.shape[1] == 0:
        return np.zeros(len(both)), np.full(len(both), -1), np.zeros(len(both), bool)
    theater = np.argmax(np.where(where, both, -1.0), axis=1)
    rows = np.arange(len(theater))
    forward = presence_i[rows, theater] >= presence_j[rows, theater]
    return both[rows, theater], theater, forward


def incident_rate(
    contact_ij: np.ndarray, trust: np.ndarray, params: Params
) -> np.ndarray:
    """Incidents per year of peace in a pair: ``q_i contact_ij (1 - trust_ij)``.

    ``contact_ij`` comes weighted by the pair's hostility.
    """
    return params.incident_rate_per_year * contact_ij * (1.0 - trust)


@dataclass(frozen=True)
class Ended:
    """The crises that ended in the step just taken, arrays (R, E).

    Row r lists replication r's endings (in a fixed order: round of the step,
    then dyad), padded to the longest row with ``ending`` 0. A dyad may appear
    more than once: several crises may start and end within one step.

    Attributes:
        challenger: Challenger of each crisis.
        defender: Defender of each crisis.
        theater: Theater index.
        start_step: Step the crisis started at.
        peak: Highest rung it reached.
        ending: :data:`ENDINGS` code, 0 for padding.
        origin: :data:`ORIGINS` code.
        defender_climbed: Highest rung the defender took the crisis to itself,
            0 if it never climbed (a reply to the challenger).
    """

    challenger: np.ndarray
    defender: np.ndarray
    theater: np.ndarray
    start_step: np.ndarray
    peak: np.ndarray
    ending: np.ndarray
    origin: np.ndarray
    defender_climbed: np.ndarray

    def rows(self) -> tuple[np.ndarray, np.ndarray]:
        """``(r, e)`` of every real ending, in row-major order."""
        return where_true(self.ending > 0)


def ended_table(r: int, rows: np.ndarray, **columns: np.ndarray) -> Ended:
    """Pad flat endings into an :class:`Ended` of ``r`` replications.

    Args:
        r: Replications.
        rows: Replication row of each ending, (E,), in the order to keep.
        columns: Each field of :class:`Ended`, (E,).
    """
    order = np.argsort(rows, kind="stable")
    rows = rows[order]
    counts = np.bincount(rows, minlength=r)
    width = int(counts.max()) if len(rows) else 0
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    slot = np.arange(len(rows)) - first[rows]
    table = {}
    for name in Ended.__dataclass_fields__:
        values = columns[name][order]
        padded = np.zeros((r, width), dtype=values.dtype)
        padded[rows, slot] = values
        table[name] = padded
    return Ended(**table)


def no_endings(r: int) -> Ended:
    """No crisis ended in any of ``r`` replications."""
    empty = np.zeros(0, dtype=np.int32)
    return ended_table(r, empty, **{name: empty for name in Ended.__dataclass_fields__})


def move(
    rung: np.ndarray,
    crises: Crises,
    pairs: tuple[np.ndarray, np.ndarray, np.ndarray],
    decide: crisis_chain.Decide,
    threshold: np.ndarray,
    start: np.ndarray,
    uniform: crisis_chain.Uniforms,
    params: Params,
    dt_years: float,
) -> tuple[crisis_chain.Path, dict[str, np.ndarray]]:
    """Move the listed crises from ``start`` years into the step to its end.

    Each crisis follows one path of its Markov chain
    (:func:`sim.dynamics.crisis_chain.walk`). ``rung`` and ``crises`` change in
    place (they must be the step's own): the rung where each path left its
    crisis (peace for an ending other than war), its peak and each side's
    climbs; the bookkeeping of a crisis that ended short of war is cleared
    (war stays recorded).

    Args:
        rung: Rungs, (R, N, N) int8, symmetric.
        crises: Bookkeeping.
        pairs: ``(r, c, d)`` of every crisis to move, challenger c and defender
            d, each (M,).
        decide: Both sides' strategies at each decision opportunity, challenger
            first (:data:`~sim.dynamics.crisis_chain.Decide`).
        threshold: Each side's threshold, (M, 2).
        start: Years into the step each crisis is where it stands, (M,).
        uniform: Each crisis's uniforms (:data:`~sim.dynamics.crisis_chain.Uniforms`).
        params: Escalation parameters.
        dt_years: Step length in years.

    Returns:
        ``(path, ended)``: the paths, and the columns of :class:`Ended` (plus
        ``rows``, the replication row) of the crises that ended, in the order
        given.
    """
    r, c, d = pairs
    k = rung[r, c, d].astype(np.intp)
    climbed = by_side(crises.climbed, pairs)
    path = crisis_chain.walk(
        decide,
        threshold,
        k,
        (climbed[:, 0] == k) * 1 + (climbed[:, 1] == k) * 2,
        climbed,
        start,
        uniform,
        dt_years=dt_years,
        top=WAR,
        enabled=params.enabled,
        decision_rate_per_year=params.decision_rate_per_year,
        settle_rate_per_year=params.settle_rate_per_year,
    )
    for a, b, side in ((c, d, 0), (d, c, 1)):
        rung[r, a, b] = np.where(path.exit == crisis_chain.WAR_EXIT, WAR, path.rung)
        crises.peak[r, a, b] = np.maximum(crises.peak[r, a, b], path.rung)
        crises.climbed[r, a, b] = path.climbed[:, side]
    done = path.exit >= 0
    codes = np.array(
        [CHALLENGER_BACKED_DOWN, DEFENDER_BACKED_DOWN, NEGOTIATED, WAR_ENDING],
        dtype=np.int8,
    )
    rows, c_end, d_end = r[done], c[done], d[done]
    ended = {
        "rows": rows,
        "challenger": c_end,
        "defender": d_end,
        "theater": crises.theater[rows, c_end, d_end],
        "start_step": crises.start_step[rows, c_end, d_end],
        "peak": crises.peak[rows, c_end, d_end],
        "ending": codes[path.exit[done]],
        "origin": crises.origin[rows, c_end, d_end],
        "defender_climbed": crises.climbed[rows, d_end, c_end],
    }
    settled = done & (path.exit != crisis_chain.WAR_EXIT)
    forget(rung, crises, (r[settled], c[settled], d[settled]))
    return path, ended


def by_side(directed: np.ndarray, pairs: tuple[np.ndarray, ...]) -> np.ndarray:
    """Each listed crisis's entries of a directed (R, N, N) array, (P, 2).

    ``pairs`` is ``(r, c, d)``; the challenger's entry ``[r, c, d]`` comes
    first, the defender's ``[r, d, c]`` second (e.g. ``Crises.climbed``: the
    highest rung each side took its crisis to).
    """
    r, c, d = pairs
    return np.stack([directed[r, c, d], directed[r, d, c]], axis=1)


def forget(rung: np.ndarray, crises: Crises, pairs: tuple[np.ndarray, ...]) -> None:
    """Return the listed dyads to peace with no bookkeeping, both ways, in place."""
    r, c, d = pairs
    for a, b in ((c, d), (d, c)):
        rung[r, a, b] = 0
        crises.theater[r, a, b] = crises.start_step[r, a, b] = -1
        crises.challenger[r, a, b] = False
        crises.peak[r, a, b] = crises.climbed[r, a, b] = crises.origin[r, a, b] = 0
        crises.unchosen[r, a, b] = 0
        crises.belief[r, a, b] = 0.0


def audience_costs(crises: Crises, rung: np.ndarray, params: Params) -> np.ndarray:
    """``a_ij = alpha * climbed_ij`` for every crisis under way, else 0, (R, N, N).

    The audience cost i bears in its crisis with j: what backing down would cost
    its leaders, for the rung it took the crisis to in public by its own choice.
    """
    bearer = np.arange(rung.shape[1])[None, :, None]
    borne = audience_borne(crises.climbed, crises.unchosen, bearer, params)
    return np.where(under_way(rung), borne, 0.0)


def audience_borne(
    climbed: np.ndarray, unchosen: np.ndarray, bearer: np.ndarray, params: Params
) -> np.ndarray:
    """``alpha_i`` times the rung i took its crisis to by choice, any shape.

    A leader's audience cost is what it takes on by escalating in public
    (Fearon 1994): a side that opened its crisis at a rung it did not choose
    (``unchosen``: an incident's forces clashed, a partner's crisis pulled an
    ally in) bears none until it climbs above it itself.

    Args:
        climbed: Highest rung each side took its crisis to itself.
        unchosen: Its crisis's opening rung where the side did not choose it,
            else 0 (:class:`Crises`), broadcastable to ``climbed``.
        bearer: The state ``i`` that bears each cost, broadcastable to
            ``climbed``: ``audience_cost_per_rung`` may be set per state.
        params: Escalation parameters.
    """
    alpha = np.asarray(params.audience_cost_per_rung)  # scalar or (N,), per i
    chosen = np.where(climbed > unchosen, climbed, 0)
    return chosen * (alpha[bearer] if alpha.ndim else alpha)


def open_crises(
    rung: np.ndarray,
    crises: Crises,
    sides: tuple[np.ndarray, np.ndarray, np.ndarray],
    start_rung: np.ndarray | int,
    theater: np.ndarray | int,
    step: int,
    *,
    origin: np.ndarray | int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Start the listed crises whose dyad is at peace.

    Changes ``rung`` and ``crises`` in place: they must be the step's own
    arrays (:meth:`Crises.copied`), never a world's.

    Args:
        rung: Current rungs, (R, N, N).
        crises: Current bookkeeping.
        sides: ``(r, c, d)``: replication row, challenger and defender of each
            crisis to start, each (M,); when a dyad is listed twice the first
            listing wins.
        start_rung: Rung each starts at, scalar or (M,).
        theater: Theater of each, scalar or (M,).
        step: Step number the new crises start at.
        origin: How they start, an :data:`ORIGINS` code, scalar or (M,).

    Returns:
        ``(r, c, d)`` of the crises started.
    """
    r, c, d = sides
    n = rung.shape[1]
    start_rung, theater, origin = np.broadcast_arrays(start_rung, theater, origin, r)[
        :3
    ]
    key = (r * n + np.minimum(c, d)) * n + np.maximum(c, d)
    first = np.sort(np.unique(key, return_index=True)[1])
    free = first[(rung[r[first], c[first], d[first]] == 0)]
    r, c, d = r[free], c[free], d[free]
    level, where, how = start_rung[free], theater[free], origin[free]
    for a, b in ((c, d), (d, c)):
        rung[r, a, b] = crises.peak[r, a, b] = level
        crises.theater[r, a, b] = where
        crises.start_step[r, a, b] = step
        crises.origin[r, a, b] = how
    crises.challenger[r, c, d] = True
    crises.climbed[r, c, d] = level
    crises.unchosen[r, c, d] = np.where(
        (how == INCIDENT) | (how == ENTRAPMENT), level, 0
    )
    return r, c, d


def both_fire(rung: np.ndarray, crises: Crises, pairs: tuple[np.ndarray, ...]) -> None:
    """Make the listed crises just opened clashes in which both sides fire.

    The defender took each to its opening rung too, without choosing to: it
    has answered (the crisis records' ``defender_climbed``), either side may
    climb in reply, and neither bears an audience cost for that rung. Changes
    ``crises`` in place (the step's own, as :func:`open_crises`).

    Args:
        rung: Current rungs, (R, N, N).
        crises: Current bookkeeping.
        pairs: ``(r, c, d)``: replication row, challenger and defender.
    """
    r, c, d = pairs
    crises.climbed[r, d, c] = crises.unchosen[r, d, c] = rung[r, c, d]


def highest_start(params: Params) -> int:
    """Highest rung a crisis can start at or be pulled to: below war, or 1 if off.

    With the mechanism off the ladder is frozen at its first rung: crises still
    start (as diplomatic protests) but nobody can climb.
    """
    return WAR - 1 if params.enabled else 1
