"""Alliances and crises wired into the engine: fixed arrays, doctrine and phases.

The pure mechanisms live in :mod:`sim.dynamics.alliances`,
:mod:`sim.dynamics.escalation` and :mod:`sim.dynamics.crisis_decision`; this
module turns a scenario into the arrays they need
(:class:`~sim.world.ConflictSetup`), computes the default doctrine's crisis
actions for every side of every crisis (:func:`crisis_actions`) and declares
three engine steps (:class:`sim.step.Step`): :data:`CRISES` moves the crises
under way, :data:`ALLIANCES` updates doubts, exercises, ties and credibility,
:data:`ONSET` starts new crises. Everything is vectorised over replications and
dyads; loops run only over theaters, scenario entries and states.

Random numbers: each dyad (i, j) has its own counter in every stream, and only
the dyads that need a number draw it (:meth:`sim.rng.Draws.uniform_at`), which
gives exactly the number a dense draw of every dyad would give there; so nothing
depends on which other crises exist, and a policy that replaces an action never
shifts anyone's draws. The steps' ``randoms`` declare each stream's layout.
"""

import numpy as np

from sim.diplomacy import cbms_in_force
from sim.dynamics import a2ad, alliances, escalation, signaling
from sim.dynamics.crisis_decision import ACTIONS, Factors, choose
from sim.dynamics.escalation import WAR
from sim.dynamics.indexing import where_true
from sim.dynamics.rates import fade, hazard
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
    disputes = [
        (index(d.parties[0]), index(d.parties[1]), theater_index[d.theater])
        for d in scenario.disputes
    ]
    crisis_injects = [
        (
            j.step,
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
            (j.step, np.array([index(p) for p in j.parties]), min(j.magnitude, 1.0))
            for j in scenario.injects
            if j.kind == kind
        )
        for kind in ("exercise", "treaty_change")
    )
    scripts = [
        (s.step, index(s.state), index(opponent), ACTIONS[action])
        for s in scenario.scripts
        for opponent, action in s.crisis.items()
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
        disputes=np.array(disputes, dtype=np.intp).reshape(-1, 3),
        crisis_injects=np.array(crisis_injects, dtype=np.intp).reshape(-1, 5),
        exercise_injects=exercise_injects,
        scripts=np.array(scripts, dtype=np.intp).reshape(-1, 4),
        bound=alliances.bound_matrix(members, [a.kind for a in scenario.alliances], n),
        treaty_injects=treaty_injects,
    )


def _crises_initial(world: World, setup: Setup) -> dict[str, object]:
    """No crisis anywhere at step 0."""
    r, n = len(world.replications), setup.n_states
    return {
        "rung": np.zeros((r, n, n), dtype=np.int8),
        "audience_cost": np.zeros((r, n, n)),
        "crises": escalation.no_crises(r, n),
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
    by_theater = np.ascontiguousarray(np.swapaxes(projected, 1, 2))  # (R, T, N)
    there = by_theater[r, theater]  # (M, N): every state's power in the theater
    cred = world.credibility[r, i]  # (M, N)
    allied = alliances.allied_power(there, cred)
    opponent = np.arange(len(r)), j
    return own + allied - cred[opponent] * there[opponent]


def crisis_actions(
    world: World, setup: Setup, projected: np.ndarray, draws: Draws
) -> tuple[np.ndarray, tuple[np.ndarray, ...], Factors]:
    """The default doctrine's action of every side of every crisis, and why.

    Only the sides of crises under way are computed; their random numbers are
    those of the dense draws at their dyad (:meth:`sim.rng.Draws.normal_at`), so
    they do not depend on which other crises exist. Scripted actions of the
    scenario (``[[script]]``) replace the doctrine's where a crisis with the
    named opponent is under way at the named step.

    Returns:
        ``(action, sides, factors)``: actions (R, N, N) int8 (hold outside a
        crisis), the ``(r, i, j)`` of each side decided, and the
        :class:`~sim.dynamics.crisis_decision.Factors` of each side.
    """
    cs = setup.conflict
    n = len(cs.posture)
    esc = setup.params.escalation
    sides = crisis_sides(world.rung)
    r, i, j = sides
    theater = world.crises.theater[sides].astype(np.intp)
    alli = setup.params.alliances
    dyad = i * n + j
    own_power = side_power(world, projected, sides, theater, alli)
    choice, factors = choose(
        own_power=own_power,
        opponent_power=own_power[opposite_side(sides, n)],
        rung=world.rung[sides],
        top=WAR,
        stake=np.maximum(world.hostility[sides], esc.min_stake),
        resolve=np.broadcast_to(cs.resolve, (n,))[i],
        threshold=cs.threshold[i],
        audience_cost=world.audience_cost[sides]
        + signaling.pledge_stake(world.pledge, world.hostility, sides),
        opponent_climbed=world.crises.climbed[r, j, i],
        trust=world.trust[sides],
        opponent_transparency=world.transparency[r, j],
        perception=draws.normal_at(Stream.PERCEPTION, r, dyad),
        gumbel=draws.gumbel_at(
            Stream.ESCALATION, r[:, None], dyad[:, None] * 3 + np.arange(3)
        ),
        params=esc,
    )
    action = np.zeros(world.rung.shape, dtype=np.int8)
    action[sides] = choice
    for _, a, b, code in cs.scripts[cs.scripts[:, 0] == world.step]:
        in_crisis = escalation.under_way(world.rung[:, a, b])
        action[:, a, b] = np.where(in_crisis, code, action[:, a, b])
    return action, sides, factors


def backed_down(crises: escalation.Crises) -> np.ndarray:
    """Whether each state backed down in some crisis this step, (R, N)."""
    ending = crises.ending
    sides = where_true(
        (ending == escalation.CHALLENGER_BACKED_DOWN)
        | (ending == escalation.DEFENDER_BACKED_DOWN)
    )  # both sides of each crisis that ended with someone backing down
    challenger_backed = ending[sides] == escalation.CHALLENGER_BACKED_DOWN
    mine = crises.challenger[sides] == challenger_backed  # this side backed down
    backed = np.zeros(ending.shape[:2], dtype=bool)
    backed[sides[0][mine], sides[1][mine]] = True
    return backed


def _crises_run(world: World, context: Context) -> dict[str, object]:
    """Forget crises that ended last step, then move every crisis given the actions.

    ``context.decisions.sides`` lists the sides of the crises under way, as
    :func:`crisis_sides` gives them; the rung, bookkeeping and audience costs
    returned are this step's own arrays, which :data:`ONSET` then changes in
    place.
    """
    setup, decisions = context.setup, context.decisions
    n = world.capability.shape[1]
    crises, audience = escalation.clear_ended(world.crises, world.audience_cost)
    r, i, j = decisions.sides
    lower, upper = np.minimum(i, j), np.maximum(i, j)  # one draw per crisis
    settle = context.draws.uniform_at(Stream.ESCALATION, r, lower * n + upper)
    rung = escalation.resolve(
        world.rung,
        decisions.action,
        crises,
        audience,
        decisions.sides,
        settle,
        setup.params.escalation,
        setup.dt_years,
    )
    return {"rung": rung, "crises": crises, "audience_cost": audience}


def _alliances_run(world: World, context: Context) -> dict[str, np.ndarray]:
    """Doubts (seeing who backed down this step), exercises, ties, credibility."""
    return _alliance_phase(world, context.setup, backed_down(world.crises))


def _onset_run(world: World, context: Context) -> dict[str, object]:
    """Start crises from injects, entrapment, disputes and incidents, in place.

    In that priority (a dyad already in crisis is not started again):
    entrapment is pulled by the crises under way, injected ones included, along
    this step's ties; patrols add presence in their theaters, which disputes
    and incidents need.
    """
    setup = context.setup
    cs, esc = setup.conflict, setup.params.escalation
    rung, crises, draws = world.rung, world.crises, context.draws
    cap = escalation.highest_start(esc)
    _open_injected(rung, crises, cs, world.step, cap, world.step + 1)
    _entrap(world, setup, world.tie, draws, rung, crises, cap)
    projected = signaling.patrol_presence(
        world.projected, context.decisions.signals.patrol, setup.params.signaling
    )
    presence = escalation.presence(projected, world.capability, world.posture)
    _open_disputes(world, presence, rung, crises, cs, esc, draws, setup.dt_years)
    _open_incidents(world, setup, presence, draws, rung, crises)
    return {"rung": rung, "crises": crises}


def _entrap(world, setup, tie, draws, rung, crises, cap):
    """Pull allies into their partners' crises (entrapment), in place.

    Every crisis under way pulls (:func:`sim.dynamics.alliances.entrapment_pull`);
    m joins its crisis with j with chance ``1 - exp(-q_mj dt)``, drawn from the
    ``ALLIANCES`` uniform at ``m*N + j``. A crisis of m with j already under way
    is lifted to the partner's rung; otherwise one opens at it (at most ``cap``),
    with the partner's role.
    """
    n = rung.shape[1]
    pull = alliances.entrapment_pull(
        np.where(escalation.under_way(rung), rung, 0),
        crises.theater,
        crises.challenger,
        tie,
        world.hostility,
        setup.conflict.bound,
        world.capability,
        WAR,
        setup.params.alliances,
    )
    chance = hazard(pull.rate, setup.dt_years)
    joins = draws.uniform_at(Stream.ALLIANCES, pull.r, pull.m * n + pull.j) < chance
    r, m, j = pull.r[joins], pull.m[joins], pull.j[joins]
    level = np.minimum(pull.rung[joins], cap).astype(np.int8)
    escalation.raise_rungs(rung, crises, (r, m, j), level)
    mine = pull.challenges[joins]
    sides = (r, np.where(mine, m, j), np.where(mine, j, m))
    escalation.open_crises(
        rung,
        crises,
        sides,
        level,
        pull.theater[joins],
        world.step + 1,
        origin=escalation.ENTRAPMENT,
    )


def _open_incidents(world, setup, presence, draws, rung, crises):
    """Start crises from incidents between hostile pairs in contact, in place.

    The chance scales with the pair's current hostility ``max(H_ij, H_ji)``, so
    only pairs hostile in some replication are visited (upper triangle); the
    others have none. Each uses the incident uniform of its dyad, so the
    outcome does not depend on the others. The side with more presence in the
    theater of contact is the challenger.
    """
    esc, n = setup.params.escalation, rung.shape[1]
    hostile = np.maximum(world.hostility, np.swapaxes(world.hostility, 1, 2))
    pair_i, pair_j = np.nonzero(np.triu((hostile > 0).any(axis=0), 1))  # (P,)
    r = np.repeat(np.arange(rung.shape[0]), len(pair_i))  # every (r, pair)
    p = np.tile(np.arange(len(pair_i)), rung.shape[0])
    i, j = pair_i[p], pair_j[p]
    rows = (len(r), presence.shape[2])  # (R * P, T), row r * P + p
    contact, theater, forward = escalation.contact(
        presence[:, pair_i].reshape(rows), presence[:, pair_j].reshape(rows)
    )
    trust = np.minimum(world.trust[:, pair_i, pair_j], world.trust[:, pair_j, pair_i])
    trust = trust.ravel()  # (R * P,), as r, p
    heat = hostile[:, pair_i, pair_j].ravel()  # (R * P,)
    chance = escalation.incident_chance(heat * contact, trust, esc, setup.dt_years)
    hotline, _ = cbms_in_force(setup, world.step)
    chance = signaling.defuse(chance, hotline[i, j], setup.params.signaling)
    fire = draws.uniform_at(Stream.INCIDENTS, r, i * n + j) < chance
    r, i, j, theater, forward = (a[fire] for a in (r, i, j, theater, forward))
    sides = (r, np.where(forward, i, j), np.where(forward, j, i))
    escalation.open_crises(
        rung, crises, sides, 1, theater, world.step + 1, origin=escalation.INCIDENT
    )


def _alliance_phase(
    world: World, setup: Setup, patron_backed_down: np.ndarray
) -> dict[str, np.ndarray]:
    """Exercises, doubts, ties and credibility after one step."""
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
        world.abandonment, world.tie, patron_backed_down, alli, dt
    )
    threat_now = alliances.threat(
        world.capability, world.hostility, cs.capital_distance_km, alli.threat_range_km
    )
    tie = alliances.balance(
        world.tie,
        world.capability,
        world.hostility,
        threat_now,
        cs.threat_start,
        alli,
        dt,
    )
    for step, members, level in cs.treaty_injects:
        if step == world.step:
            tie = tie.copy()  # balance may return the world's own array
            tie[np.ix_(np.arange(len(tie)), members, members)] = level
            tie[:, np.arange(n), np.arange(n)] = 0.0
    return {
        "exercises": exercises,
        "abandonment": abandonment,
        "tie": tie,
        "credibility": alliances.credibility(
            tie, cs.capital_distance_km, abandonment, exercises, alli
        ),
    }


def _open_injected(rung, crises, cs: ConflictSetup, now: int, cap: int, step: int):
    """Start this step's injected crises in every replication, in place."""
    rows = np.arange(rung.shape[0])
    for _, c, d, t, level in cs.crisis_injects[cs.crisis_injects[:, 0] == now]:
        sides = (rows, np.full_like(rows, c), np.full_like(rows, d))
        escalation.open_crises(
            rung, crises, sides, min(level, cap), t, step, origin=escalation.INJECT
        )


def _open_disputes(world, presence, rung, crises, cs: ConflictSetup, esc, draws, dt):
    """Start crises from standing disputes (one chance each per step), in place.

    Challenger c opens one against d at the rate ``q_d H_cd f_ct`` per year:
    its current hostility times its presence in the dispute's theater (forward
    posture included, :func:`sim.dynamics.escalation.presence`).
    """
    n = rung.shape[1]
    if len(cs.disputes) == 0:
        return
    c, d, t = cs.disputes.T  # (D,)
    u = draws.uniform(Stream.INCIDENTS, (len(cs.disputes),), offset=n * n)
    heat = world.hostility[:, c, d] * presence[:, c, t]  # (R, D)
    fire = u < hazard(esc.dispute_rate_per_year * heat, dt)
    r, k = where_true(fire)  # (R, D) -> fired (replication, dispute), in order
    c, d, t = cs.disputes[k].T
    escalation.open_crises(
        rung, crises, (r, c, d), 1, t, world.step + 1, origin=escalation.DISPUTE
    )


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
            "audience_cost", "Audience cost i has paid in its crisis with j, (R, N, N)."
        ),
        Field(
            "crises",
            "Bookkeeping of each pair's crisis (theater, challenger, start, peak, "
            "ending), arrays (R, N, N): :class:`~sim.dynamics.escalation.Crises`.",
        ),
    ),
    initial=_crises_initial,
    randoms=(
        RandomUse(
            Stream.PERCEPTION, "normal", "i*N + j", "the doctrine's perception noise"
        ),
        RandomUse(
            Stream.ESCALATION,
            "gumbel",
            "3*(i*N + j) + option",
            "the doctrine's choice noise (back down, hold, escalate)",
        ),
        RandomUse(
            Stream.ESCALATION,
            "uniform",
            "min(i, j)*N + max(i, j)",
            "settlement of a crisis where both sides hold",
        ),
    ),
    restrict=lambda scenario, keep: {
        "scripts": tuple(
            s for s in scenario.scripts if keep.issuperset({s.state, *s.crisis})
        )
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

ONSET = Step(
    name="onset",
    run=_onset_run,
    params="escalation",
    writes=("rung", "crises"),
    randoms=(
        RandomUse(
            Stream.INCIDENTS,
            "uniform",
            "i*N + j (i < j) for incidents, N*N + d for dispute d",
            "incidents between hostile pairs in contact; flare-ups of disputes",
        ),
        RandomUse(
            Stream.ALLIANCES,
            "uniform",
            "m*N + j",
            "ally m joins a partner's crisis against j (entrapment)",
        ),
    ),
    restrict=lambda scenario, keep: {"disputes": among(scenario.disputes, keep)},
)
