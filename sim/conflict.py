"""Alliances and crises wired into the engine: fixed arrays, doctrine and phases.

The pure mechanisms live in :mod:`sim.dynamics.alliances`,
:mod:`sim.dynamics.escalation` and :mod:`sim.dynamics.crisis_decision`; this
module turns a scenario into the arrays they need
(:class:`~sim.world.ConflictSetup`), computes the default doctrine's crisis
actions for every side of every crisis (:func:`crisis_actions`) and declares
three engine steps (:class:`sim.step.Step`): :data:`CRISES` moves the crises
under way and opens new ones from disputes, incidents, entrapment and injects,
all in continuous time within the step (:class:`Timeline`); :data:`ALLIANCES`
updates doubts, exercises and the ties treaties inject; :data:`BALANCING`,
once the arms race and hostility have moved, tightens ties against threat
(Walt) and derives their credibility. Everything is
vectorised over replications and dyads; loops run only over theaters, scenario
entries, states and the rounds of crises within a step.

Random numbers: each dyad (i, j) has its own counter in every stream, and only
the dyads that need a number draw it (:meth:`sim.rng.Draws.uniform_at`), which
gives exactly the number a dense draw of every dyad would give there; so nothing
depends on which other crises exist, and a policy that replaces an action never
shifts anyone's draws. The steps' ``randoms`` declare each stream's layout.
"""

from dataclasses import dataclass, replace

import numpy as np

from sim import schedule
from sim.diplomacy import cbms_in_force
from sim.dynamics import (
    a2ad,
    alliances,
    beliefs,
    crisis_chain,
    escalation,
    rates,
    signaling,
)
from sim.dynamics.crisis_chain import WAR_EXIT, escalation_open
from sim.dynamics.crisis_decision import ACTIONS, Factors, equilibrium
from sim.dynamics.escalation import WAR
from sim.dynamics.hostility import drift, relax_rate
from sim.dynamics.indexing import pair_columns, where_true
from sim.dynamics.rates import fade
from sim.rng import Draws, Stream
from sim.scenario import Scenario
from sim.step import Context, Field, RandomUse, Step, among, groups_among
from sim.world import ConflictSetup, Parameters, Setup, World


def build_conflict(
    scenario: Scenario,
    params: Parameters,
    hostility: np.ndarray,
    capability: np.ndarray,
) -> ConflictSetup:
    """Resolve a scenario's alliances, disputes, injects and scripts into arrays.

    Args:
        scenario: The validated scenario.
        params: Each mechanism's resolved parameters.
        hostility: Starting hostility, (N, N).
        capability: Starting capability, (N,), for the threat at step 0.
    """
    states = scenario.states
    n = len(states)
    index = scenario.state_index
    theater_index = {t.id: k for k, t in enumerate(scenario.theaters)}
    capitals = np.array([s.capital for s in states])
    distance = a2ad.great_circle_km(capitals[:, None, :], capitals[None, :, :])
    alli = params.alliances
    members = [tuple(index(m) for m in a.members) for a in scenario.alliances]
    tie = alliances.tie_matrix(
        members,
        [alliances.strength(a.kind, a.strength, alli) for a in scenario.alliances],
        n,
    )
    threat_start = alliances.threat(
        capability[None], hostility[None], distance, alli.threat_range_km
    )[0]
    disputes = np.array(
        [
            (index(d.parties[0]), index(d.parties[1]), theater_index[d.theater])
            for d in scenario.disputes
        ],
        dtype=np.intp,
    ).reshape(-1, 3)
    crisis_injects = [
        (
            scenario.step_of(j.year),
            index(j.parties[0]),
            index(j.parties[1]),
            theater_index[j.theater],
            j.rung,
        )
        for j in scenario.injects
        if j.kind == "crisis"
    ]
    exercise_injects, treaty_injects = (
        tuple(
            (
                scenario.step_of(j.year),
                np.array([index(p) for p in j.parties]),
                j.magnitude,
            )
            for j in scenario.injects
            if j.kind == kind
        )
        for kind in ("exercise", "treaty_change")
    )
    scripted = [
        (s, index(s.state), index(opponent), ACTIONS[action])
        for s in scenario.scripts
        for opponent, action in s.crisis.items()
    ]
    script_steps = [
        schedule.span_steps(
            s.year, s.duration_years, scenario.info.start_year, scenario.info.dt_years
        )
        for s, *_ in scripted
    ]
    return ConflictSetup(
        capital_distance_km=distance,
        tie=tie,
        trust=escalation.initial_trust(tie, hostility, params.escalation),
        threat_start=threat_start,
        posture=np.array([s.posture for s in states]),
        resolve=np.array([s.resolve for s in states]),
        threshold=np.array([s.threshold for s in states]),
        transparency=np.array([s.transparency for s in states]),
        disputes=disputes,
        crisis_injects=np.array(crisis_injects, dtype=np.intp).reshape(-1, 5),
        exercise_injects=exercise_injects,
        scripts=np.array([row[1:] for row in scripted], dtype=np.intp).reshape(-1, 3),
        script_steps=np.array(script_steps, dtype=float).reshape(-1, 2),
        bound=alliances.bound_matrix(members, [a.kind for a in scenario.alliances], n),
        meeting=escalation.meeting_theaters(disputes, n, len(theater_index)),
        treaty_injects=treaty_injects,
    )


def _crises_initial(world: World, setup: Setup) -> dict[str, object]:
    """No crisis anywhere at step 0."""
    r, n = len(world.replications), setup.n_states
    return {
        "rung": np.zeros((r, n, n), dtype=np.int8),
        "audience_cost": np.zeros((r, n, n)),
        "crises": escalation.no_crises(r, n),
        "ended": escalation.no_endings(r),
        "mean_rung": np.zeros((r, n, n)),
    }


def _alliances_initial(world: World, setup: Setup) -> dict[str, np.ndarray]:
    """Ties from ``[[alliance]]``, first doubts, no exercises, their credibility."""
    cs, alli = setup.conflict, setup.params.alliances
    r, n = len(world.replications), setup.n_states
    tie = np.tile(cs.tie, (r, 1, 1))
    abandonment = alli.initial_abandonment * (tie > 0)
    exercises = np.zeros((r, n, n))
    return {
        "tie": tie,
        "abandonment": abandonment,
        "exercises": exercises,
        "credibility": alliances.credibility(
            tie, cs.capital_distance_km, abandonment, exercises, alli
        ),
    }


def theater_power(world: World, setup: Setup, denied: np.ndarray) -> np.ndarray:
    """Power each state projects into each theater, ``P_it``, shape (R, N, T).

    Boulding's loss-of-strength gradient times ``1 - D_it``, where ``denied``
    is the denial ``D_it`` each state meets in each theater, (R, N, T) (see
    :mod:`sim.dynamics.a2ad` and :func:`sim.engine.denial_met`).
    """
    params = setup.params.a2ad
    return a2ad.projected_power(world.capability, setup.distance_km, denied, params)


def crisis_sides(rung: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(r, i, j)`` of every side of every crisis under way: i toward j in world r.

    Each crisis appears twice, once from each side.
    """
    return where_true(escalation.under_way(rung))


def opposite_side(sides: tuple[np.ndarray, ...], n: int) -> np.ndarray:
    """Where each side's opponent sits in ``sides``: the index of (r, j, i), (M,).

    ``sides`` lists both sides of every crisis in row-major order, as
    :func:`crisis_sides` gives them.
    """
    r, i, j = sides
    key = (r * n + i) * n + j  # sorted
    return np.searchsorted(key, (r * n + j) * n + i)


def side_power(
    world: World,
    projected: np.ndarray,
    sides: tuple[np.ndarray, np.ndarray, np.ndarray],
    theater: np.ndarray,
    alli: alliances.Params,
) -> np.ndarray:
    """``P_i`` toward j in their crisis theater, own plus allied, one per side.

    The opponent's contribution to i's allied power (if they share a tie) is
    taken out, so a state never counts its adversary as its ally.

    Args:
        world: The current world.
        projected: Projected power ``P_kt``, (R, N, T).
        sides: ``(r, i, j)`` index arrays, each (M,).
        theater: Theater of each side's crisis, (M,).
        alli: Alliance parameters.

    Returns:
        Power, US$ m, (M,).
    """
    r, i, j = sides
    own = projected[r, i, theater]
    if not alli.enabled:
        return own
    there = projected[r, :, theater]  # (M, N): every state's power in the theater
    cred = world.credibility[r, i]  # (M, N)
    allied = alliances.allied_power(there, cred)
    opponent = np.arange(len(r)), j
    return own + allied - cred[opponent] * there[opponent]


def crisis_pairs(
    crises: escalation.Crises, sides: tuple[np.ndarray, ...], n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Where each crisis's challenger and defender sit in ``sides``, each (P,).

    ``sides`` lists both sides of every crisis in row-major order, as
    :func:`crisis_sides` gives them; the crises come in the order of their
    challenger's side.
    """
    challenger = np.flatnonzero(crises.challenger[sides])
    return challenger, opposite_side(sides, n)[challenger]


@dataclass(frozen=True)
class Solved:
    """The stage game's equilibrium of crises listed as pairs, arrays (P, 2, ...).

    Side 0 on axis 1 is each crisis's challenger, side 1 its defender; each
    value as that side holds it (see :class:`~sim.dynamics.crisis_decision.Factors`).

    Attributes:
        own_power: ``P_i`` in the crisis theater, own plus allied, US$ m.
        resolve: ``rho_i``.
        belief: ``b_ij``.
        stake: ``S_ij``.
        audience: ``a_i``: audience cost of its climbs plus its public pledges.
        threshold: ``theta_i``.
        strategy: Equilibrium strategy at the crisis's rung, (P, 2, 3), or
            of the sides whose views were solved only (:func:`solve`).
        utility: Expected utility of each action there, as ``strategy``.
        chance: Chance to prevail there, (P, 2), as ``strategy``.
    """

    own_power: np.ndarray
    resolve: np.ndarray
    belief: np.ndarray
    stake: np.ndarray
    audience: np.ndarray
    threshold: np.ndarray
    strategy: np.ndarray
    utility: np.ndarray
    chance: np.ndarray


@dataclass(frozen=True)
class SideInputs:
    """What the sides of crises bring to their stage game, fixed through a step.

    Arrays (P, 2), challenger first, from the world as the step began and each
    crisis's theater: the same at every decision opportunity of the step, so
    they are gathered once per crisis (:func:`side_inputs`), not at each; but
    for the stake, which a :class:`Timeline` moves with the pair's hostility
    (:meth:`Timeline.stake`).

    Attributes:
        own_power: ``P_i`` in the crisis theater, own plus allied, US$ m.
        punishment: ``h_i`` from each side's whole coalition (:func:`punishment`).
        pledged: The audience cost of i's public pledges (its climbs add theirs).
        resolve: ``rho_i``.
        threshold: ``theta_i``.
        stake: ``S_ij``, at least the minimum stake (:func:`stake_of`).
    """

    own_power: np.ndarray
    punishment: np.ndarray
    pledged: np.ndarray
    resolve: np.ndarray
    threshold: np.ndarray
    stake: np.ndarray

    def __getitem__(self, which: np.ndarray) -> "SideInputs":
        """The crises ``which`` (positions along P) only."""
        return SideInputs(*(value[which] for value in vars(self).values()))


def side_inputs(
    world: World,
    setup: Setup,
    crises: escalation.Crises,
    pairs: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> SideInputs:
    """Each side's fixed inputs to the stage game of its crisis (:class:`SideInputs`).

    Args:
        world: The world as the step began (power, ties, hostility, pledges).
        setup: The run's setup.
        crises: Their bookkeeping (theater).
        pairs: ``(r, c, d)`` of each crisis, challenger c and defender d, (P,).
    """
    cs, esc, alli = setup.conflict, setup.params.escalation, setup.params.alliances
    n = len(cs.posture)
    r, c, d = pairs
    p = len(r)
    i, j = np.stack([c, d], axis=1).ravel(), np.stack([d, c], axis=1).ravel()
    sides = (np.repeat(r, 2), i, j)  # side s of crisis q at 2 q + s

    def by_pair(values: np.ndarray) -> np.ndarray:
        return values.reshape(p, 2)

    theater = crises.theater[sides].astype(np.intp)
    whole = side_power(world, world.capability[:, :, None], sides, 0 * theater, alli)
    return SideInputs(
        own_power=by_pair(side_power(world, world.projected, sides, theater, alli)),
        punishment=punishment(by_pair(whole)),
        pledged=by_pair(signaling.pledge_stake(world.pledge, world.hostility, sides)),
        resolve=by_pair(np.broadcast_to(cs.resolve, (n,))[i]),
        threshold=by_pair(cs.threshold[i]),
        stake=by_pair(stake_of(world.hostility[sides], esc)),
    )


def stake_of(hostility: np.ndarray, esc: escalation.Params) -> np.ndarray:
    """``S_ij``: i's hostility to j, in [0, 1], at least ``min_stake``, any shape."""
    return np.maximum(np.minimum(hostility, 1.0), esc.min_stake)


def solve(
    setup: Setup,
    crises: escalation.Crises,
    pairs: tuple[np.ndarray, np.ndarray, np.ndarray],
    rung: np.ndarray,
    climbed: np.ndarray,
    inputs: SideInputs,
    views: tuple[int, ...] = (0, 1),
) -> Solved:
    """Each side's part of the logit QRE of its crisis, as each sees it, now.

    The stage game (:func:`sim.dynamics.crisis_decision.equilibrium`) is solved
    at the crisis's rung, with the beliefs held in ``crises`` and the audience
    cost of each side's climbs: what the sides play at a decision opportunity.

    Args:
        setup: The run's setup.
        crises: Their bookkeeping (beliefs).
        pairs: ``(r, c, d)`` of each crisis, challenger c and defender d, (P,).
        rung: Where each crisis stands, (P,).
        climbed: Highest rung each side took it to itself, (P, 2), challenger
            first.
        inputs: What the sides bring to the game through the step
            (:func:`side_inputs` of the same pairs).
        views: The sides whose views to solve (both by default): the
            equilibrium fields of :class:`Solved` hold these sides only.
    """
    esc = setup.params.escalation
    _, c, d = pairs
    unchosen = escalation.by_side(crises.unchosen, pairs)
    audience = _audience(climbed, unchosen, c, d, esc) + inputs.pledged
    now = rung.astype(np.intp)[:, None]  # (P, 1)
    threshold = inputs.threshold
    in_reply = climbed[:, ::-1] == now  # the opponent took it to this rung
    # one rung up after a climb by the challenger alone, the defender alone, both
    up = (now + 1)[:, :, None]  # (P, 1, 1)
    climbed_up = np.where(_CLIMBED, up, climbed[:, None, :])  # (P, 3, 2)
    audience_up = (
        _audience(climbed_up, unchosen[:, None, :], c, d, esc)
        + inputs.pledged[:, None, :]
    )
    belief = escalation.by_side(crises.belief, pairs)
    strategy, utility, chance = equilibrium(
        own_power=inputs.own_power,
        opponent_power=inputs.own_power[:, ::-1],
        rung=now,
        top=WAR,
        stake=inputs.stake,
        resolve=inputs.resolve,
        belief=belief,
        audience_cost=audience,
        audience_up=audience_up[:, None],
        punishment=inputs.punishment,
        may_escalate=escalation_open(now, threshold, in_reply, WAR, esc.enabled)[
            :, None
        ],
        may_escalate_up=escalation_open(
            up, threshold[:, None, :], climbed_up[..., ::-1] == up, WAR, esc.enabled
        )[:, None],
        params=esc,
        views=views,
    )  # (P, 1, views, 3): pair, rung, side, action
    return Solved(
        own_power=inputs.own_power,
        resolve=inputs.resolve,
        belief=belief,
        stake=inputs.stake,
        audience=audience,
        threshold=threshold,
        strategy=strategy[:, 0],
        utility=utility[:, 0],
        chance=chance[:, 0],
    )


def crisis_actions(
    world: World, setup: Setup, draws: Draws, *, explain: bool = True
) -> tuple[np.ndarray, tuple[np.ndarray, ...], Factors | None]:
    """The default doctrine's strategy of every side of every crisis, and why.

    Each crisis's sides play their part of the logit QRE of the stage game as
    each sees it (:func:`solve`), with the audience cost each bears (its own
    climbs and its public pledges) and its belief about the other's resolve, as
    the step begins; the crisis's decision opportunities within the step solve
    it again as they come. The action shown for each side is one draw from its
    strategy (Gumbel at its dyad, so it does not depend on which other crises
    exist). Where a scripted action of the scenario (``[[script]]``) holds for
    some part of the step, it is the action shown, beside the doctrine's
    strategy, as a policy's order is; the side plays it at every decision
    opportunity the script covers (:func:`scripted_at`).

    Without ``explain`` nothing is solved or drawn: every side holds but for
    the scripts, and there are no factors.

    Returns:
        ``(action, sides, factors)``: actions (R, N, N) int8 (hold outside a
        crisis), the ``(r, i, j)`` of each side decided, and the
        :class:`~sim.dynamics.crisis_decision.Factors` of each side (None
        without ``explain``).
    """
    n = setup.n_states
    sides = crisis_sides(world.rung)
    r, i, j = sides
    scripted, code = scripted_actions(setup, world.step, sides)
    action = np.zeros(world.rung.shape, dtype=np.int8)
    if not explain:
        action[tuple(a[scripted] for a in sides)] = code[scripted]
        return action, sides, None
    challenger, defender = crisis_pairs(world.crises, sides, n)
    pairs = r[challenger], i[challenger], j[challenger]
    solved = solve(
        setup,
        world.crises,
        pairs,
        world.rung[pairs],
        escalation.by_side(world.crises.climbed, pairs),
        side_inputs(world, setup, world.crises, pairs),
    )
    by_side = np.empty(len(r), dtype=np.intp)
    by_side[np.stack([challenger, defender], axis=1).ravel()] = np.arange(len(r))

    def per_side(values: np.ndarray) -> np.ndarray:
        """(P, 2, ...) to (M, ...) in the order of ``sides``."""
        return values.reshape(len(r), *values.shape[2:])[by_side]

    strategy = per_side(solved.strategy)
    gumbel = draws.gumbel_at(
        Stream.ESCALATION, r[:, None], (i * n + j)[:, None] * 3 + np.arange(3)
    )
    with np.errstate(divide="ignore"):  # log 0 = -inf: never drawn
        drawn = (np.argmax(np.log(strategy) + gumbel, axis=-1) - 1).astype(np.int8)
    drawn[scripted] = code[scripted]
    action[sides] = drawn
    factors = Factors(
        own_power=per_side(solved.own_power),
        opponent_power=per_side(solved.own_power[:, ::-1]),
        chance=per_side(solved.chance),
        resolve=per_side(solved.resolve),
        belief=per_side(solved.belief),
        stake=per_side(solved.stake),
        audience_cost=per_side(solved.audience),
        threshold=per_side(solved.threshold),
        utility=per_side(solved.utility),
        strategy=strategy,
        action=drawn,
    )
    return action, sides, factors


def scripted_actions(
    setup: Setup, step: int, sides: tuple[np.ndarray, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """Which listed sides a ``[[script]]`` holds for in some part of ``step``.

    Returns:
        ``(scripted, code)``, each (M,) in the order of ``sides``: whether a
        script holds for the side in the step, and its action code where it
        does (the last declared, where several do).
    """
    start, end = setup.conflict.script_steps.T
    return _scripted(setup, sides, schedule.in_step(start, end, step)[:, None])


def scripted_at(
    setup: Setup, sides: tuple[np.ndarray, ...], steps: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Which listed sides a ``[[script]]`` holds for at the moments ``steps``.

    Args:
        setup: The run's setup (its scripts and when each holds).
        sides: ``(r, i, j)`` of M sides.
        steps: Each side's moment, in steps since the run's start, (M,).

    Returns:
        ``(scripted, code)`` as :func:`scripted_actions` has them.
    """
    start, end = setup.conflict.script_steps.T
    holds = (start[:, None] <= steps) & (steps < end[:, None])
    return _scripted(setup, sides, holds)


def _scripted(
    setup: Setup, sides: tuple[np.ndarray, ...], holds: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Sides a script holds for, given where each holds, (S, M) or (S, 1) bool."""
    _, i, j = sides
    scripted = np.zeros(len(i), dtype=bool)
    code = np.zeros(len(i), dtype=np.intp)
    for (a, b, action), held in zip(setup.conflict.scripts, holds, strict=True):
        here = (i == a) & (j == b) & held
        scripted |= here
        code[here] = action
    return scripted, code


def punishment(capability: np.ndarray) -> np.ndarray:
    """``h_i = 2 Q_j / (Q_i + Q_j)`` from each side's coalition capability, (..., 2).

    Deterrence by punishment (Snyder, *Deterrence and Defense*, 1961): what a
    contest costs i grows with the harm j's whole coalition can do, its
    capability wherever it stands (``Q``: own plus allied, weighted by
    commitment and credibility), while the chance to prevail is the local
    balance (deterrence by denial). 1 between equals, 0 .. 2.

    Args:
        capability: ``Q`` of each crisis's challenger (0) and defender (1) on
            the last axis.
    """
    total = capability[..., 0] + capability[..., 1]
    share = np.divide(
        capability[..., ::-1],
        total[..., None],
        out=np.full(capability.shape, 0.5),
        where=total[..., None] > 0,
    )
    return 2.0 * share


def fixed_strategy(action: np.ndarray, sides: tuple, ordered: np.ndarray) -> np.ndarray:
    """The strategy a policy orders for each side this step, (M, 3).

    In the order of ``sides``: where a policy ordered an action
    (``ordered``, :class:`~sim.world.Decisions`), that action, with certainty,
    at every decision opportunity of the step; NaN where it did not (a script
    or the doctrine's equilibrium decides at each decision opportunity).
    """
    return np.where(ordered[sides][:, None], pure_strategy(action[sides]), np.nan)


def pure_strategy(code: np.ndarray) -> np.ndarray:
    """The strategy that plays action ``code`` (-1, 0, 1) with certainty, (..., 3)."""
    return np.eye(3)[np.asarray(code, dtype=np.intp) + 1]


def back_downs(ended: escalation.Ended, n: int) -> np.ndarray:
    """In how many crises each state backed down alone this step, (R, N)."""
    r, e = ended.rows()
    code = ended.ending[r, e]
    who = np.where(
        code == escalation.CHALLENGER_BACKED_DOWN,
        ended.challenger[r, e],
        np.where(code == escalation.DEFENDER_BACKED_DOWN, ended.defender[r, e], -1),
    )
    counts = np.zeros((len(ended.ending), n), dtype=np.intp)
    np.add.at(counts, (r[who >= 0], who[who >= 0]), 1)
    return counts


@dataclass(frozen=True)
class Sources:
    """Where new crises come from: each dyad's onset rates, by source.

    Every dyad with a standing dispute or a hostile pair in contact is a
    candidate, listed once (``i < j``) in the order of ``i * N + j``; its
    sources (its disputes, in scenario order, then its incidents) fill the
    slots of its last axis. Arrays (R, U, G) unless said. Each source's rate
    is ``unit`` times the hostility it reads, which moves within the step
    (:meth:`Timeline.source_rates`): a dispute's challenger's toward its
    defender, an incident's ``max(H_ij, H_ji)``.

    Attributes:
        i: Lower state of each candidate dyad, (U,).
        j: Upper state, (U,).
        unit: Onset rate of each source per unit of hostility, 1/yr (0 in
            the slots a dyad does not fill).
        challenger: Challenger of a crisis from each source.
        defender: Its defender.
        theater: Its theater.
        origin: :data:`~sim.dynamics.escalation.ORIGINS` code, (U, G).
    """

    i: np.ndarray
    j: np.ndarray
    unit: np.ndarray
    challenger: np.ndarray
    defender: np.ndarray
    theater: np.ndarray
    origin: np.ndarray


def onset_sources(world: World, setup: Setup, patrol: np.ndarray) -> Sources:
    """The onset rates of disputes and incidents, per year of peace and of hostility.

    Disputes: challenger c opens one against d at ``q_d H_cd f_ct`` per year,
    its hostility times its presence in the dispute's theater (forward posture
    and patrols included, :func:`sim.dynamics.escalation.presence`).
    Incidents: a pair hostile in some replication as the step begins, in
    contact, at ``q_i max(H_ij, H_ji) contact_ij (1 - trust_ij)`` per year, a
    share defused by a hotline; the side with more presence in the theater of
    contact is the challenger. Presence, contact and trust are the step's;
    the hostility is each moment's (:class:`Sources`).
    """
    cs, esc = setup.conflict, setup.params.escalation
    n, r = setup.n_states, len(world.replications)
    projected = signaling.patrol_presence(
        world.projected, patrol, setup.params.signaling
    )
    presence = escalation.presence(projected, world.capability, world.posture)
    c, d, t = cs.disputes.T  # (D,)
    dispute_rate = esc.dispute_rate_per_year * presence[:, c, t]
    pair_i, pair_j, rate, first, second, theater = _incidents(world, setup, presence)
    key = np.concatenate([np.minimum(c, d) * n + np.maximum(c, d), pair_i * n + pair_j])
    rate = np.concatenate([dispute_rate, rate], axis=1)  # (R, S)
    challenger = np.concatenate([np.broadcast_to(c, (r, len(c))), first], axis=1)
    defender = np.concatenate([np.broadcast_to(d, (r, len(d))), second], axis=1)
    theater = np.concatenate([np.broadcast_to(t, (r, len(t))), theater], axis=1)
    origin = np.repeat([escalation.DISPUTE, escalation.INCIDENT], [len(c), len(pair_i)])
    order = np.argsort(key, kind="stable")
    key = key[order]
    dyads, first_of, size = np.unique(key, return_index=True, return_counts=True)
    u = np.repeat(np.arange(len(dyads)), size)
    slot = np.arange(len(key)) - first_of[u]
    width = int(size.max()) if len(size) else 1

    def grid(values: np.ndarray) -> np.ndarray:
        out = np.zeros((r, len(dyads), width), dtype=values.dtype)
        out[:, u, slot] = values[:, order]
        return out

    origins = np.zeros((len(dyads), width), dtype=np.int8)
    origins[u, slot] = origin[order]
    return Sources(
        i=dyads // n,
        j=dyads % n,
        unit=grid(rate),
        challenger=grid(challenger),
        defender=grid(defender),
        theater=grid(theater),
        origin=origins,
    )


def _incidents(
    world: World, setup: Setup, presence: np.ndarray
) -> tuple[np.ndarray, ...]:
    """Incident rates per unit of hostility of the pairs hostile in some replication.

    Returns:
        ``(i, j, rate, challenger, defender, theater)``: the pairs (P,) in the
        upper triangle, then arrays (R, P).
    """
    esc = setup.params.escalation
    hostility = world.hostility
    somewhere = (hostility > 0).any(axis=0)  # (N, N): H_ij > 0 in some world
    pair_i, pair_j = np.nonzero(np.triu(somewhere | somewhere.T, 1))  # (P,)
    r = len(world.replications)
    rows = (r * len(pair_i), presence.shape[2])  # (R * P, T), row r * P + p
    contact, theater, forward = escalation.contact(
        presence[:, pair_i].reshape(rows),
        presence[:, pair_j].reshape(rows),
        np.tile(setup.conflict.meeting[pair_i, pair_j], (r, 1)),
    )
    trust = np.minimum(
        pair_columns(world.trust, pair_i, pair_j),
        pair_columns(world.trust, pair_j, pair_i),
    )
    contact, theater, forward = (a.reshape(r, -1) for a in (contact, theater, forward))
    hotline, _ = cbms_in_force(setup, world.step)
    rate = signaling.defuse(
        escalation.incident_rate(contact, trust, esc),
        hotline[pair_i, pair_j],
        setup.params.signaling,
    )
    challenger = np.where(forward, pair_i, pair_j)
    defender = np.where(forward, pair_j, pair_i)
    return pair_i, pair_j, rate, challenger, defender, theater


def _crises_run(world: World, context: Context) -> dict[str, object]:
    """Every crisis, onset and entrapment of the step, in continuous time.

    The crises under way follow their chains' paths through the step, the
    sides deciding at each decision opportunity (the doctrine's equilibrium
    then, what a script holds it to then, or what a policy ordered for the
    step: :func:`fixed_strategy`); then a :class:`Timeline` opens the step's new
    crises one at a time in order of time, in every replication at once, each
    of which forms its beliefs and follows its path from its onset. ``ended``
    lists every crisis that ended within the step.
    """
    setup, decisions = context.setup, context.decisions
    n = setup.n_states
    timeline = Timeline(world, setup, context.draws, decisions.signals.patrol)
    r, i, j = decisions.sides
    challenger, defender = crisis_pairs(world.crises, decisions.sides, n)
    pairs = r[challenger], i[challenger], j[challenger]
    fixed = fixed_strategy(decisions.action, decisions.sides, decisions.ordered)
    fixed = np.stack([fixed[challenger], fixed[defender]], axis=1)
    inputs = side_inputs(world, setup, world.crises, pairs)
    timeline.follow(pairs, fixed, np.zeros(len(challenger)), inputs)
    for _ in range(MAX_OPENINGS - 1):  # ordinals stay below MAX_OPENINGS
        if not timeline.open_next():
            break
    else:
        raise RuntimeError(f"{MAX_OPENINGS - 1} crises or more opened in one step")
    timeline.inject(setup.conflict.crisis_injects)
    esc = setup.params.escalation
    return {
        "rung": timeline.rung,
        "crises": timeline.crises,
        "ended": timeline.ended_table(),
        "mean_rung": timeline.rung_years / setup.dt_years,
        "audience_cost": escalation.audience_costs(timeline.crises, timeline.rung, esc),
    }


#: The pulls of a step before any crisis pulls (see :meth:`Timeline._pulls`).
_NO_PULLS = {
    name: np.zeros((0, WAR + 1) if name == "reached" else 0, dtype=dtype)
    for name, dtype in (
        ("row", np.intp),
        ("key", np.intp),
        ("challenger", np.intp),
        ("defender", np.intp),
        ("theater", np.intp),
        ("reached", float),
        ("end", float),
        ("start", float),
        ("rate", float),
        ("index", np.intp),
    )
}
#: Most crises one replication may open in one step (a guard, far above any use).
MAX_OPENINGS = 1 << 12
#: Events one crisis path may take in one step (a guard for the index layout).
MAX_EVENTS = 1 << 24


class Timeline:
    """The new crises of one step, opened in order of time (:func:`_crises_run`).

    Every dyad of every replication (``i < j``, key ``i * N + j``) is busy
    until some time of the step (its crisis ends then; infinite if under way at
    the step's end or at war; 0 if at peace from the start) and has its next
    opening due at some time (infinite if none is due). An opening is due

    * from the dyad's own sources, disputes and incidents (:class:`Sources`):
      when it becomes free at ``x``, at the first event of their summed rate
      from ``x``, a rate that moves as the pair's hostility relaxes toward its
      start (:func:`sim.dynamics.rates.first_event` of the exponential draw
      ``INCIDENTS`` uniform ``3 (k N^2 + key)``, lane 0; the source is picked
      with chance its share of the rate then, lane 1), where ``k`` is the
      ordinal of the crisis whose end freed it (0 at the step's start); the
      challenger of a dispute then decides whether to open it
      (:meth:`_holds_back`), and an incident is a clash both sides fire in or
      not (:meth:`_both_fire`), each from lane 2 of the opening (:meth:`_choice`);
    * from entrapment: while a partner's crisis stands at rung ``r``, it pulls
      each ally at the rate ``r`` times ``epsilon w u / K``
      (:func:`sim.dynamics.alliances.entrapment_pull`); the first pull comes
      when the rung-time along the partner's path reaches an exponential draw
      (``ALLIANCES`` uniform ``(k N^2 + key) N + m`` for crisis ``k``, ``key``
      and ally ``m``) and opens a crisis at the partner's rung then, if the
      dyad is free then and nothing is due before it.

    :meth:`open_next` opens, in every replication, the earliest opening due
    before the step ends: its ``k``-th of the step. So a replication's crises
    do not depend on the others in the batch, and a dyad can have several
    crises in one step. A dyad keeps only its earliest due opening; the pulls
    into it are drawn again, from then on, whenever it becomes free. A crisis's
    path does not change when another opens (an ally already in a crisis with
    the opponent is not lifted to its partner's rung).
    """

    def __init__(
        self, world: World, setup: Setup, draws: Draws, patrol: np.ndarray
    ) -> None:
        """The step's start: crises under way busy, every other dyad free."""
        self.world, self.setup, self.draws = world, setup, draws
        self.rung, self.crises = world.rung.copy(), world.crises.copied()
        self.sources = onset_sources(world, setup, patrol)
        r, n = len(world.replications), setup.n_states
        self.n = n
        keys = np.arange(n * n)
        at_peace = self.rung.reshape(r, -1) == 0
        self.busy = np.where(at_peace & (keys // n < keys % n), 0.0, np.inf)
        self.due = np.full((r, n * n), np.inf)
        self.pulled = np.zeros((r, n * n), dtype=bool)
        self.pull_by = np.zeros((4, r, n * n), dtype=np.intp)
        self.freed_by = np.zeros((r, n * n), dtype=np.intp)
        self.dyad = np.full(n * n, -1)
        self.dyad[self.sources.i * n + self.sources.j] = np.arange(len(self.sources.i))
        self.ordinal = np.zeros(r, dtype=np.intp)
        self._ended: list[dict[str, np.ndarray]] = []
        self.rung_years = np.where(self.rung == WAR, WAR * setup.dt_years, 0.0)
        self.heat = world.hostility.copy()  # as of heat_time (see stake)
        self.heat_time = np.zeros((r, n * n))
        self._sources = _NO_PULLS
        rows, u = np.nonzero(at_peace[:, self.sources.i * n + self.sources.j])
        self._free(rows, self.sources.i[u] * n + self.sources.j[u], np.zeros(len(rows)))

    def follow(
        self,
        pairs: tuple[np.ndarray, np.ndarray, np.ndarray],
        fixed: np.ndarray,
        start: np.ndarray,
        inputs: SideInputs,
    ) -> None:
        """Move crises from ``start`` to the end of the step, and see what follows.

        At each decision opportunity both sides first learn from what the other
        did since the last (:meth:`_learn`), then play the stage game's
        equilibrium as it stands (:func:`solve`, with the crises' ``inputs``),
        or the action a script holds them to at that moment
        (:func:`scripted_at`), or the strategy ``fixed`` (P, 2, 3) a policy
        ordered for the step where it is not NaN.
        A crisis that ends short of war frees its dyad; its path pulls allies.
        """
        setup, n = self.setup, self.n
        r, c, d = pairs
        key = np.minimum(c, d) * n + np.maximum(c, d)
        ordinal = self.ordinal[r]
        theater = self.crises.theater[pairs].astype(np.intp)
        threshold = np.broadcast_to(setup.conflict.threshold, (n,))
        learned = start.astype(float)  # when each side last learned

        def decide(
            which: np.ndarray, rung: np.ndarray, climbed: np.ndarray, time: np.ndarray
        ) -> np.ndarray:
            """Learn since the last decision, then the game's equilibrium now."""
            listed = tuple(a[which] for a in pairs)
            self._learn(listed, rung, climbed, time - learned[which])
            learned[which] = time
            now = replace(inputs[which], stake=self.stake(listed, rung, time))
            solved = solve(setup, self.crises, listed, rung, climbed, now)
            mine = fixed[which]
            strategy = np.where(np.isnan(mine), solved.strategy, mine)
            if len(setup.conflict.scripts):
                moment = self.world.step + time / setup.dt_years
                rows, own, other = listed
                for side, sides in enumerate(((rows, own, other), (rows, other, own))):
                    scripted, code = scripted_at(setup, sides, moment)
                    scripted &= np.isnan(mine[:, side, 0])  # a policy overrules
                    strategy[scripted, side] = pure_strategy(code[scripted])
            return strategy

        path, ended = escalation.move(
            self.rung,
            self.crises,
            pairs,
            decide,
            np.stack([threshold[c], threshold[d]], axis=1),
            start,
            _path_uniforms(self.draws, r, ordinal * n * n + key),
            setup.params.escalation,
            setup.dt_years,
        )
        self._ended.append(ended)
        self._drift(r, key, path.rung, path.time)  # on to where each path left
        years = sum(k * path.time_at(k) for k in range(1, WAR))
        years += np.where(path.exit == WAR_EXIT, WAR * (setup.dt_years - path.time), 0)
        self.rung_years[r, c, d] += years  # one crisis per dyad at a time
        self.rung_years[r, d, c] += years
        on = path.exit < 0
        self._learn(
            tuple(a[on] for a in pairs),
            path.rung[on],
            path.climbed[on],
            path.time[on] - learned[on],
        )
        settled = (path.exit >= 0) & (path.exit < WAR_EXIT)
        self.busy[r, key] = np.where(settled, path.time, np.inf)
        self.freed_by[r[settled], key[settled]] = ordinal[settled]
        self._free(r[settled], key[settled], path.time[settled])
        self._pulls(pairs, path, start, theater, ordinal * n * n + key)

    def _learn(
        self,
        pairs: tuple[np.ndarray, np.ndarray, np.ndarray],
        rung: np.ndarray,
        climbed: np.ndarray,
        years: np.ndarray,
    ) -> None:
        """Each side learns from what the other did over ``years``, in place.

        The crises stood at ``rung`` with the climbs ``climbed`` for those years.
        The evidence about j is the cost of the rung, ``(k / K)^2``, plus j's
        audience cost, times the years (:func:`sim.dynamics.beliefs.learn`).
        """
        r, c, d = pairs
        unchosen = escalation.by_side(self.crises.unchosen, pairs)
        audience = _audience(climbed, unchosen, c, d, self.setup.params.escalation)
        cost = (rung / WAR) ** 2
        resolve = np.broadcast_to(self.setup.conflict.resolve, (self.n,))
        rate = self.setup.params.escalation.learning_rate_per_year
        for i, j, theirs in ((c, d, audience[:, 1]), (d, c, audience[:, 0])):
            self.crises.belief[r, i, j] = beliefs.learn(
                self.crises.belief[r, i, j], resolve[j], (cost + theirs) * years, rate
            )

    def stake(
        self,
        pairs: tuple[np.ndarray, np.ndarray, np.ndarray],
        rung: np.ndarray,
        time: np.ndarray,
    ) -> np.ndarray:
        """Each side's stake in its dyad at ``time`` years into the step, (P, 2).

        The pair's hostility, both ways, moves on from when it was last asked
        for (the step's start at first) with the dyad at ``rung`` all along
        (:func:`sim.dynamics.hostility.drift`): so a crisis raises its own
        stake as it goes, at any step length. Asked for in order of time for
        each dyad: at every opening and decision opportunity, and where a path
        leaves the step or ends.
        """
        r, c, d = pairs
        n = self.n
        self._drift(r, np.minimum(c, d) * n + np.maximum(c, d), rung, time)
        return self._stake_now(pairs)

    def _stake_now(self, pairs: tuple[np.ndarray, ...]) -> np.ndarray:
        """Each side's stake where its dyad's hostility was last moved to, (P, 2)."""
        heat = escalation.by_side(self.heat, pairs)
        return stake_of(heat, self.setup.params.escalation)

    def _drift(
        self, rows: np.ndarray, key: np.ndarray, rung: np.ndarray, time: np.ndarray
    ) -> None:
        """Move dyads' hostility, both ways, on to ``time`` with them at ``rung``.

        From when it was last moved (the step's start at first), by
        :func:`sim.dynamics.hostility.drift`; each dyad listed once.
        """
        setup, n = self.setup, self.n
        years = time - self.heat_time[rows, key]
        i, j = key // n, key % n
        for a, b in ((i, j), (j, i)):
            self.heat[rows, a, b] = drift(
                self.heat[rows, a, b],
                setup.hostility[a, b],
                rung,
                WAR,
                years,
                setup.params.hostility,
            )
        self.heat_time[rows, key] = time

    def source_rates(self, rows: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Each source's onset rate in candidate dyads ``u`` now, (M, G), 1/yr.

        Its rate per unit of hostility times the hostility it reads where the
        dyad's hostility was last moved to (:meth:`_drift`).
        """
        sources = self.sources
        mine, theirs = sources.challenger[rows, u], sources.defender[rows, u]
        directed = self.heat[rows[:, None], mine, theirs]
        either = np.maximum(directed, self.heat[rows[:, None], theirs, mine])
        read = np.where(sources.origin[u] == escalation.INCIDENT, either, directed)
        return sources.unit[rows, u] * read

    def open_next(self) -> bool:
        """Open each replication's earliest due crisis, if before the step's end.

        Returns:
            Whether any replication opened one.
        """
        setup = self.setup
        key = np.argmin(self.due, axis=1)
        rows = np.flatnonzero(self.due[np.arange(len(key)), key] < setup.dt_years)
        if len(rows) == 0:
            return False
        key = key[rows]
        when = self.due[rows, key]
        self.due[rows, key] = np.inf
        self.ordinal[rows] += 1
        at_peace = np.zeros(len(rows), dtype=np.intp)
        self._drift(rows, key, at_peace, when)  # sources and stakes read it then
        pulled = self.pulled[rows, key]
        picked = self._pick(rows[~pulled], key[~pulled])
        by_pull = [*self.pull_by[:, rows[pulled], key[pulled]], escalation.ENTRAPMENT]
        fields = []
        for pull_value, source_value in zip(by_pull, picked, strict=True):
            field = np.empty(len(rows), dtype=np.intp)
            field[pulled], field[~pulled] = pull_value, source_value
            fields.append(field)
        challenger, defender, theater, level, origin = fields
        pairs = escalation.open_crises(
            self.rung,
            self.crises,
            (rows, challenger, defender),
            level,
            theater,
            self.world.step + 1,
            origin=origin,
        )
        self._both_fire(pairs, origin, rows, key)
        _form_beliefs(
            self.world, setup, self.draws, self.crises, pairs, self.ordinal[rows]
        )
        inputs = side_inputs(self.world, setup, self.crises, pairs)
        inputs = replace(inputs, stake=self._stake_now(pairs))
        deterred = self._deterred(pairs, inputs, origin, rows, key)
        if deterred.any():
            escalation.forget(self.rung, self.crises, tuple(a[deterred] for a in pairs))
            rows, key, back = rows[deterred], key[deterred], when[deterred]
            self.busy[rows, key] = back
            self.freed_by[rows, key] = self.ordinal[rows]
            self._free(rows, key, back)
        go = ~deterred
        doctrine = np.full((int(go.sum()), 2, 3), np.nan)
        self.follow(tuple(a[go] for a in pairs), doctrine, when[go], inputs[go])
        return True

    def _deterred(
        self,
        pairs: tuple[np.ndarray, np.ndarray, np.ndarray],
        inputs: SideInputs,
        origin: np.ndarray,
        rows: np.ndarray,
        key: np.ndarray,
    ) -> np.ndarray:
        """Whether each crisis just opened is held back by its challenger, (M,).

        Only a dispute's challenger decides (:meth:`_holds_back`), on the game
        as it stands at the opening (:func:`solve` with the crises' ``inputs``);
        incidents, entrapment and injects are nobody's choice.
        """
        held = np.zeros(len(rows), dtype=bool)
        dispute = np.flatnonzero(origin == escalation.DISPUTE)
        if len(dispute):
            listed = tuple(a[dispute] for a in pairs)
            climbed = escalation.by_side(self.crises.climbed, listed)
            rung = self.rung[listed]
            solved = solve(
                self.setup,
                self.crises,
                listed,
                rung,
                climbed,
                inputs[dispute],
                views=(0,),  # the challenger's own view only
            )
            held[dispute] = self._holds_back(solved, rows[dispute], key[dispute])
        return held

    def _holds_back(
        self, solved: Solved, rows: np.ndarray, key: np.ndarray
    ) -> np.ndarray:
        """Whether each would-be challenger of a dispute holds back, (M,) bool.

        The challenger of a dispute decides whether to open it (Bueno de Mesquita
        & Lalman 1992, the first move of the international interaction game):
        it goes ahead with the logit chance ``1 / (1 + exp(-E_c / tau))`` of its
        expected payoff ``E_c`` in the crisis, measured from the status quo: its
        equilibrium strategy's expected utility at the opening rung, as it sees
        the game (its belief about the defender included). So a defender made
        stronger by a credible patron is challenged less (Huth 1988), and an
        optimistic misperception challenges more (Fearon 1995). Drawn from
        :meth:`_choice`.
        """
        mine, utility = solved.strategy[:, 0], solved.utility[:, 0]
        expected = (mine * np.where(mine > 0, utility, 0.0)).sum(axis=1)
        temperature = self.setup.params.escalation.temperature
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            go = 0.5 * (1.0 + np.tanh(0.5 * expected / temperature))
        go = np.where(np.isnan(go), 0.5, go)  # E_c = 0 at tau = 0: a coin
        return self._choice(rows, key) >= go

    def _both_fire(
        self,
        pairs: tuple[np.ndarray, np.ndarray, np.ndarray],
        origin: np.ndarray,
        rows: np.ndarray,
        key: np.ndarray,
    ) -> None:
        """Make each incident just opened a clash both sides fire in, by chance.

        With chance ``incident_clash_share``, drawn from :meth:`_choice`
        (:func:`sim.dynamics.escalation.both_fire`).
        """
        incident = np.flatnonzero(origin == escalation.INCIDENT)
        share = self.setup.params.escalation.incident_clash_share
        both = incident[self._choice(rows[incident], key[incident]) < share]
        escalation.both_fire(self.rung, self.crises, tuple(a[both] for a in pairs))

    def _choice(self, rows: np.ndarray, key: np.ndarray) -> np.ndarray:
        """The uniform of an opening's one chance event, (M,).

        ``INCIDENTS`` uniform ``3 (k N^2 + key) + 2`` for the step's ``k``-th
        opening: whether a dispute's challenger holds back, or whether an
        incident is a clash both sides fire in (an opening is one or the other).
        """
        n = self.n
        index = 3 * (self.ordinal[rows] * n * n + key) + 2
        return self.draws.uniform_at(Stream.INCIDENTS, rows, index)

    def ended_table(self) -> escalation.Ended:
        """Every crisis that ended in the step, as :class:`~.escalation.Ended`."""
        columns = {
            name: np.concatenate([e[name] for e in self._ended])
            for name in self._ended[0]
        }
        return escalation.ended_table(len(self.world.replications), **columns)

    def _free(self, rows: np.ndarray, key: np.ndarray, at: np.ndarray) -> None:
        """Dyads free from ``at``: their own next openings and pulls fall due.

        A dyad's own next opening falls due where it is a candidate of the
        batch (its sources may be nil in this replication); the pulls into any
        freed dyad come again, candidate or not, so a replication's crises do
        not depend on which dyads the others make candidates.
        """
        src = self._sources
        marked = np.zeros(self.busy.shape, dtype=bool)  # (R, N * N)
        marked[rows, key] = True
        freed = marked[src["row"], src["key"]]  # the pulls into the freed dyads
        u = self.dyad[key]
        has = u >= 0  # a candidate of the batch; its sources may be nil here
        rows, key, at, u = rows[has], key[has], at[has], u[has]
        setup, n = self.setup, self.n
        now = self.source_rates(rows, u).sum(axis=1)
        h0 = setup.hostility[key // n, key % n]  # where hostility relaxes to
        start = self.sources.unit[rows, u].sum(axis=1) * h0
        uniform = self.draws.uniform_at(Stream.INCIDENTS, rows, self._onset(rows, key))
        due = at + rates.first_event(
            -np.log1p(-uniform),
            now,
            start,
            relax_rate(setup.params.hostility),
            setup.dt_years - at,
        )  # inf without sources, or none before the step's end
        sooner = due < self.due[rows, key]
        self.due[rows[sooner], key[sooner]] = due[sooner]
        self.pulled[rows[sooner], key[sooner]] = False
        self._arrive(np.flatnonzero(freed))

    def _onset(self, rows: np.ndarray, key: np.ndarray) -> np.ndarray:
        """``INCIDENTS`` index of each dyad's next onset, lane 0 (class docstring)."""
        n = self.n
        return 3 * (self.freed_by[rows, key] * n * n + key)

    def _pick(self, rows: np.ndarray, key: np.ndarray) -> list[np.ndarray]:
        """Each own opening's source: challenger, defender, theater, rung, origin.

        Picked with chance its share of the rate as the dyad's hostility stands
        (moved on to the opening). A dispute opens at rung 1, an incident at
        ``incident_rung`` (at most :func:`~.escalation.highest_start`).
        """
        sources = self.sources
        esc = self.setup.params.escalation
        incident = min(esc.incident_rung, escalation.highest_start(esc))
        u = self.dyad[key]
        pick = self.draws.uniform_at(Stream.INCIDENTS, rows, self._onset(rows, key) + 1)
        cumulative = np.cumsum(self.source_rates(rows, u), axis=1)  # (M, G)
        below = (cumulative <= (pick * cumulative[:, -1])[:, None]).sum(axis=1)
        slot = np.minimum(below, cumulative.shape[1] - 1)
        return [
            sources.challenger[rows, u, slot],
            sources.defender[rows, u, slot],
            sources.theater[rows, u, slot],
            np.where(sources.origin[u, slot] == escalation.INCIDENT, incident, 1),
            sources.origin[u, slot],
        ]

    def _pulls(self, pairs, path, start, theater, slot) -> None:
        """Keep the pulls of the crises just followed, and when each comes next."""
        world, setup, n = self.world, self.setup, self.n
        pull = alliances.entrapment_pull(
            pairs,
            world.tie,
            world.hostility,
            setup.conflict.bound,
            world.capability,
            WAR,
            setup.params.alliances,
        )
        q = pull.crisis
        if len(q) == 0:
            return
        m, toward, mine = pull.m, pull.toward, pull.challenges
        new = {
            "row": pairs[0][q],
            "key": np.minimum(m, toward) * n + np.maximum(m, toward),
            "challenger": np.where(mine, m, toward),
            "defender": np.where(mine, toward, m),
            "theater": theater[q],
            "reached": path.reached[q],
            "end": path.time[q],
            "start": start[q],
            "rate": pull.rate_per_rung,
            "index": (slot[q] * n + m) * MAX_OPENINGS,
        }
        self._add(new)

    def inject(self, injects: np.ndarray) -> None:
        """Open this step's injected crises at its end, where the pair is at peace.

        So the states decide on them from the next step; beliefs are drawn with
        ``k = 0`` (:func:`_form_beliefs`).
        """
        r = len(self.world.replications)
        rows = np.arange(r)
        cap = escalation.highest_start(self.setup.params.escalation)
        for _, c, d, t, level in injects[injects[:, 0] == self.world.step]:
            pairs = escalation.open_crises(
                self.rung,
                self.crises,
                (rows, np.full(r, c), np.full(r, d)),
                min(level, cap),
                t,
                self.world.step + 1,
                origin=escalation.INJECT,
            )
            _form_beliefs(self.world, self.setup, self.draws, self.crises, pairs, 0)

    def _add(self, new: dict[str, np.ndarray]) -> None:
        """Keep new pulls, and see when each comes."""
        first = len(self._sources["row"])
        self._sources = {
            name: np.concatenate([self._sources[name], new[name]]) for name in new
        }
        self._arrive(np.arange(first, first + len(new["row"])))

    def _arrive(self, which: np.ndarray) -> None:
        """When each pull in ``which`` next comes, once its dyad is free.

        Its rung-time from then along its crisis's path must reach an
        exponential draw (``ALLIANCES`` uniform at its index plus the ordinal
        of the crisis whose end freed the dyad); the earliest pull that comes
        before anything else is due there becomes the dyad's next opening.
        """
        src = self._sources
        rows, key = src["row"][which], src["key"][which]
        since = np.maximum(self.busy[rows, key], src["start"][which])
        index = src["index"][which] + self.freed_by[rows, key]
        uniform = self.draws.uniform_at(Stream.ALLIANCES, rows, index)
        with np.errstate(divide="ignore", over="ignore"):
            need = -np.log1p(-uniform) / src["rate"][which]  # rung-years to a pull
        when, level = _first_pull(src["reached"][which], src["end"][which], since, need)
        soon = np.flatnonzero(when < self.due[rows, key])  # before anything else
        first = soon[np.lexsort((when[soon], key[soon], rows[soon]))]
        lead = np.ones(len(first), dtype=bool)  # the earliest into each dyad
        lead[1:] = (rows[first][1:] != rows[first][:-1]) | (
            key[first][1:] != key[first][:-1]
        )
        first = first[lead]
        rows, key, chosen = rows[first], key[first], which[first]
        cap = escalation.highest_start(self.setup.params.escalation)
        self.due[rows, key] = when[first]
        self.pulled[rows, key] = True
        self.pull_by[:, rows, key] = [
            src["challenger"][chosen],
            src["defender"][chosen],
            src["theater"][chosen],
            np.minimum(level[first], cap),
        ]


def _first_pull(
    reached: np.ndarray, end: np.ndarray, since: np.ndarray, need: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """When a crisis path's rung-time from ``since`` reaches ``need``, and the rung.

    Args:
        reached: When the path reached each rung, (Q, K + 1)
            (:class:`~sim.dynamics.crisis_chain.Path`).
        end: When it ended (or the step did), (Q,).
        since: From when to count, (Q,).
        need: Rung-years to reach, (Q,).

    Returns:
        ``(when, rung)``: infinite and 0 where it does not get there.
    """
    when, rung = np.full(len(end), np.inf), np.zeros(len(end), dtype=np.intp)
    spent = np.zeros(len(end))
    for k in range(1, WAR):
        left = np.maximum(reached[:, k], since)
        here = k * np.maximum(np.minimum(reached[:, k + 1], end) - left, 0.0)
        hit = np.isinf(when) & (spent + here >= need) & (here > 0)
        when = np.where(hit, left + (need - spent) / k, when)
        rung = np.where(hit, k, rung)
        spent += here
    return when, rung


#: Which side climbed, (3, 2), after an escalation by the challenger alone, the
#: defender alone, or both (:data:`sim.dynamics.crisis_decision.CLIMBERS`).
_CLIMBED = np.array([[True, False], [False, True], [True, True]])


def _audience(
    climbed: np.ndarray,
    unchosen: np.ndarray,
    c: np.ndarray,
    d: np.ndarray,
    esc: escalation.Params,
) -> np.ndarray:
    """The audience cost each side of each crisis bears, challenger ``c`` first.

    From its climbs ``climbed`` (P, ..., 2) above the rung it opened at unasked,
    ``unchosen`` (:func:`~.escalation.audience_borne`).
    """
    bearer = np.stack([c, d], axis=-1).reshape(len(c), *[1] * (climbed.ndim - 2), 2)
    return escalation.audience_borne(climbed, unchosen, bearer, esc)


def _path_uniforms(
    draws: Draws, rows: np.ndarray, slot: np.ndarray
) -> crisis_chain.Uniforms:
    """The ``ESCALATION`` uniforms of each crisis path: ``2 (slot * E + event) + lane``.

    ``slot`` is ``k N^2 + min(i, j) N + max(i, j)`` for the ``k``-th crisis
    opened in the step (0 for those under way at its start), and ``E`` is
    :data:`MAX_EVENTS`.
    """

    def uniform(event: int, lane: int, which: np.ndarray) -> np.ndarray:
        if event >= MAX_EVENTS:
            raise RuntimeError(f"a crisis path took more than {MAX_EVENTS} events")
        index = 2 * (slot[which] * MAX_EVENTS + event) + lane
        return draws.uniform_at(Stream.ESCALATION, rows[which], index)

    return uniform


def _alliances_run(world: World, context: Context) -> dict[str, np.ndarray]:
    """Doubts (seeing who backed down this step), exercises, injected treaties."""
    n = context.setup.n_states
    return _alliance_phase(world, context.setup, back_downs(world.ended, n))


def _form_beliefs(
    world: World,
    setup: Setup,
    draws: Draws,
    crises: escalation.Crises,
    pairs: tuple[np.ndarray, ...],
    ordinal: np.ndarray | int,
) -> None:
    """Draw both sides' beliefs of the crises just opened, in place.

    ``PERCEPTION`` normal ``(k N + i) N + j`` for i's belief about j in the
    ``k``-th crisis the step opened in its replication. Trust and transparency
    are those of ``world``.
    """
    esc = setup.params.escalation
    n = setup.n_states
    r, c, d = pairs
    if len(r) == 0:
        return
    k = np.broadcast_to(ordinal, r.shape)
    r, k = np.concatenate([r, r]), np.concatenate([k, k])
    i, j = np.concatenate([c, d]), np.concatenate([d, c])
    hotline, notification = cbms_in_force(setup, world.step)
    spread = beliefs.error_spread(
        esc.perception_noise,
        world.trust[r, i, j],
        world.transparency[r, j],
        hotline[i, j] | notification[i, j],
        esc.cbm_clarity,
    )
    resolve = np.broadcast_to(setup.conflict.resolve, (n,))[j]
    normal = draws.normal_at(Stream.PERCEPTION, r, (k * n + i) * n + j)
    crises.belief[r, i, j] = beliefs.onset_belief(resolve, spread, normal)


def _alliance_phase(
    world: World, setup: Setup, patron_back_downs: np.ndarray
) -> dict[str, np.ndarray]:
    """Exercises, doubts and injected treaty ties after one step.

    Balancing and the credibility of the ties come later in the step
    (:data:`BALANCING`).
    """
    alli = setup.params.alliances
    if not alli.enabled:
        return {"tie": world.tie}
    cs, dt = setup.conflict, setup.dt_years
    exercises = fade(world.exercises, alli.exercise_decay_per_year, dt)
    for step, members, level in cs.exercise_injects:
        if step == world.step:
            block = np.ix_(np.arange(len(exercises)), members, members)
            exercises[block] = np.maximum(exercises[block], level)
    n = exercises.shape[1]
    exercises[:, np.arange(n), np.arange(n)] = 0.0
    abandonment = alliances.relax_doubts(
        world.abandonment, world.tie, patron_back_downs, alli, dt
    )
    tie = world.tie
    for step, members, level in cs.treaty_injects:
        if step == world.step:
            tie = tie.copy()  # never the world's own array
            tie[np.ix_(np.arange(len(tie)), members, members)] = level
            tie[:, np.arange(n), np.arange(n)] = 0.0
    return {"exercises": exercises, "abandonment": abandonment, "tie": tie}


def _balancing_run(world: World, context: Context) -> dict[str, np.ndarray]:
    """Ties after the step's balancing (Walt), and the credibility they give.

    The trapezoid rule over the step: half its growth reads the alarm, the
    main threat and the partners as the step began, half as it ends (after the
    arms race and hostility moved), so balancing starts, on average, when the
    threat crosses its threshold, at any step length. All of it read as the
    step began, it started up to a step late (credibility 5% lower at year ten
    of the baseline at half-year steps than at quarterly ones).
    """
    setup = context.setup
    alli, cs = setup.params.alliances, setup.conflict
    if not alli.enabled:
        return {}
    tie = world.tie
    for moment in (context.start, world):
        threat = alliances.threat(
            moment.capability,
            moment.hostility,
            cs.capital_distance_km,
            alli.threat_range_km,
        )
        tie = alliances.balance(
            tie,
            moment.capability,
            moment.hostility,
            threat,
            cs.threat_start,
            alli,
            setup.dt_years / 2,
        )
    return {
        "tie": tie,
        "credibility": alliances.credibility(
            tie, cs.capital_distance_km, world.abandonment, world.exercises, alli
        ),
    }


CRISES = Step(
    name="crises",
    run=_crises_run,
    params="escalation",
    owns=(
        Field(
            "rung",
            "Escalation rung of each pair (index into ``RUNGS``), int8 (R, N, N), "
            "symmetric.",
        ),
        Field(
            "audience_cost",
            "Audience cost i bears in its crisis with j for its own climbs: alpha "
            "times the rung it climbed to in public, stake units, (R, N, N); its "
            "public pledges add theirs in decisions.csv's audience_cost.",
        ),
        Field(
            "crises",
            "Bookkeeping of each pair's crisis under way (theater, challenger, "
            "start, peak, climbs, origin, beliefs), arrays (R, N, N): "
            ":class:`~sim.dynamics.escalation.Crises`.",
        ),
        Field(
            "ended",
            "Every crisis that ended in the step just taken, arrays (R, E): "
            ":class:`~sim.dynamics.escalation.Ended`.",
        ),
        Field(
            "mean_rung",
            "Each pair's rung averaged over the time of the step just taken (war "
            "counts ``K``; 0 at peace), float (R, N, N), symmetric.",
        ),
    ),
    initial=_crises_initial,
    randoms=(
        RandomUse(
            Stream.ESCALATION,
            "gumbel",
            "3*(i*N + j) + option",
            "the action shown for each side, drawn from its equilibrium strategy",
        ),
        RandomUse(
            Stream.ESCALATION,
            "uniform",
            "2*((k*N*N + min(i, j)*N + max(i, j))*2**24 + event) + lane",
            "each event of a crisis's path (lane 0 its time, 1 which transition)",
        ),
        RandomUse(
            Stream.INCIDENTS,
            "uniform",
            "3*(k*N*N + i*N + j) + lane, i < j",
            "a dyad's next onset after opening k freed it (lane 0 its time, 1 "
            "which dispute or incident); lane 2: whether the challenger of the "
            "k-th opening goes ahead",
        ),
        RandomUse(
            Stream.PERCEPTION,
            "normal",
            "(k*N + i)*N + j",
            "i's belief about j's resolve at the onset of the k-th crisis opened "
            "within the step (k = 0: an inject at its end)",
        ),
        RandomUse(
            Stream.ALLIANCES,
            "uniform",
            "(k*N*N + min(i, j)*N + max(i, j))*N + m",
            "when crisis k of (i, j) pulls ally m in (entrapment)",
        ),
    ),
    restrict=lambda scenario, keep: {
        "scripts": tuple(
            s for s in scenario.scripts if keep.issuperset({s.state, *s.crisis})
        ),
        "disputes": among(scenario.disputes, keep),
    },
)

ALLIANCES = Step(
    name="alliances",
    run=_alliances_run,
    params="alliances",
    owns=(
        Field("tie", "Commitment strength of each pair, 0..1, (R, N, N), symmetric."),
        Field("abandonment", "i's doubt that j will stand by it, 0..1, (R, N, N)."),
        Field("exercises", "Shared exercise level of each pair, 0..1, (R, N, N)."),
        Field("credibility", "Credibility of j's commitment to i, 0..1, (R, N, N)."),
    ),
    initial=_alliances_initial,
    restrict=lambda scenario, keep: {
        "alliances": groups_among(scenario.alliances, keep)
    },
)

BALANCING = Step(
    name="balancing",
    run=_balancing_run,
    params="alliances",
    writes=("tie", "credibility"),
)
