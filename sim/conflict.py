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
from sim.dynamics import a2ad, alliances, beliefs, escalation, signaling
from sim.dynamics.crisis_chain import escalation_open
from sim.dynamics.crisis_decision import ACTIONS, Factors, equilibrium
from sim.dynamics.escalation import WAR
from sim.dynamics.indexing import pair_columns, where_true
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
                min(j.magnitude, 1.0),
            )
            for j in scenario.injects
            if j.kind == kind
        )
        for kind in ("exercise", "treaty_change")
    )
    scripts = [
        (scenario.step_of(s.year), index(s.state), index(opponent), ACTIONS[action])
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


def crisis_actions(
    world: World, setup: Setup, projected: np.ndarray, draws: Draws
) -> tuple[np.ndarray, tuple[np.ndarray, ...], Factors]:
    """The default doctrine's strategy of every side of every crisis, and why.

    Each crisis's sides play their part of the logit QRE of the stage game as
    each sees it (:func:`sim.dynamics.crisis_decision.equilibrium`), with the
    audience cost each bears (its own climbs and its public pledges) and its
    belief about the other's resolve. The action shown for each side is one
    draw from its strategy (Gumbel at its dyad, so it does not depend on which
    other crises exist). Scripted actions of the scenario (``[[script]]``)
    replace the doctrine's where a crisis with the named opponent is under way
    at the named step: the side plays that action, with certainty, for the
    whole step (its strategy becomes the pure action).

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
    own_power = side_power(world, projected, sides, theater, alli)
    whole = side_power(world, world.capability[:, :, None], sides, 0 * theater, alli)
    audience = world.audience_cost[sides] + signaling.pledge_stake(
        world.pledge, world.hostility, sides
    )
    rung = world.rung[sides]
    resolve = np.broadcast_to(cs.resolve, (n,))[i]
    threshold = cs.threshold[i]
    belief = world.crises.belief[sides]
    stake = np.maximum(world.hostility[sides], esc.min_stake)
    in_reply = world.crises.climbed[r, j, i] == rung
    challenger, defender = crisis_pairs(world.crises, sides, n)
    pair = np.stack([challenger, defender], axis=1)  # (P, 2) positions in sides
    # the current rung and the next: the chain plays the next rung's strategies
    # at every rung above the current one within the step
    now = rung[challenger, None]  # (P, 1)
    ladder = np.minimum(now + np.arange(2), WAR - 1)  # (P, 2)
    here = (ladder == now)[:, :, None]  # (P, 2, 1)
    # above the current rung, i may reply where j could have climbed first
    could_reply = ladder[:, :, None] <= threshold[pair][:, None, ::-1]
    reply = np.where(here, in_reply[pair][:, None, :], could_reply)
    strategy, utility, chance = equilibrium(
        own_power=own_power[pair],
        opponent_power=own_power[pair[:, ::-1]],
        rung=ladder,
        top=WAR,
        stake=stake[pair],
        resolve=resolve[pair],
        belief=belief[pair],
        audience_cost=audience[pair],
        punishment=punishment(whole[pair]),
        may_escalate=escalation_open(
            ladder[:, :, None], threshold[pair][:, None, :], reply, WAR, esc.enabled
        ),
        params=esc,
    )  # (P, 2, 2, 3): pair, rung (now, next), side, action
    above = np.minimum(np.maximum(np.arange(1, WAR) - now, 0), 1)  # (P, K - 1)
    ladder_strategy = strategy[np.arange(len(pair))[:, None], above]
    by_side = np.empty(len(r), dtype=np.intp)
    by_side[pair.ravel()] = np.arange(pair.size)
    ladder_strategy = np.swapaxes(ladder_strategy, 1, 2).reshape(-1, WAR - 1, 3)
    ladder_strategy = ladder_strategy[by_side]  # (M, K - 1, 3)
    strategy = strategy[:, 0].reshape(-1, 3)[by_side]
    utility = utility[:, 0].reshape(-1, 3)[by_side]
    gumbel = draws.gumbel_at(
        Stream.ESCALATION, r[:, None], (i * n + j)[:, None] * 3 + np.arange(3)
    )
    with np.errstate(divide="ignore"):  # log 0 = -inf: never drawn
        drawn = (np.argmax(np.log(strategy) + gumbel, axis=-1) - 1).astype(np.int8)
    for _, a, b, code in cs.scripts[cs.scripts[:, 0] == world.step]:
        scripted = (i == a) & (j == b)
        drawn[scripted] = code
        strategy[scripted] = ladder_strategy[scripted] = np.eye(3)[code + 1]
    action = np.zeros(world.rung.shape, dtype=np.int8)
    action[sides] = drawn
    factors = Factors(
        own_power=own_power,
        opponent_power=own_power[opposite_side(sides, n)],
        chance=chance[:, 0].reshape(-1)[by_side],
        resolve=resolve,
        belief=belief,
        stake=stake,
        audience_cost=audience,
        threshold=threshold,
        utility=utility,
        strategy=strategy,
        ladder=ladder_strategy,
        action=drawn,
    )
    return action, sides, factors


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


def played_strategy(action: np.ndarray, sides: tuple, factors: Factors) -> np.ndarray:
    """The strategy each side plays at each rung this step, (M, K - 1, 3).

    In the order of ``sides``: the doctrine's equilibrium strategy at each
    rung, except where a policy or script set an action other than the
    doctrine's draw: that action, with certainty, at every rung.
    """
    chosen = action[sides]
    own = chosen != factors.action
    pure = np.eye(3)[chosen.astype(np.intp) + 1][:, None, :]
    return np.where(own[:, None, None], pure, factors.ladder)


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
    """Forget crises that ended last step, then move every crisis over the step.

    Each side first learns from the other's signals (:func:`_learned`); then
    each crisis moves by the exact law of its chain over ``dt`` given both
    sides' strategies (:func:`played_strategy`,
    :func:`sim.dynamics.escalation.resolve`). ``context.decisions.sides`` lists
    the sides of the crises under way, as :func:`crisis_sides` gives them; the
    rung and bookkeeping returned are this step's own arrays, which
    :data:`ONSET` then changes in place.
    """
    setup, decisions = context.setup, context.decisions
    n = world.capability.shape[1]
    crises = escalation.clear_ended(world.crises)
    crises.belief[...] = _learned(world, setup, crises)
    r, i, j = decisions.sides
    challenger, defender = crisis_pairs(world.crises, decisions.sides, n)
    pairs = r[challenger], i[challenger], j[challenger]
    strategy = played_strategy(decisions.action, decisions.sides, decisions.factors)
    threshold = np.broadcast_to(setup.conflict.threshold, (n,))
    lower, upper = np.minimum(pairs[1], pairs[2]), np.maximum(pairs[1], pairs[2])
    rung = escalation.resolve(
        world.rung,
        crises,
        pairs,
        np.stack([strategy[challenger], strategy[defender]], axis=2),
        np.stack([threshold[pairs[1]], threshold[pairs[2]]], axis=1),
        context.draws.uniform_at(Stream.ESCALATION, pairs[0], lower * n + upper),
        setup.params.escalation,
        setup.dt_years,
    )
    return {"rung": rung, "crises": crises}


def _learned(world: World, setup: Setup, crises: escalation.Crises) -> np.ndarray:
    """Every side's belief after a step of the opponent's signals, (R, N, N).

    The signal j sends is the cost of the rung it stands on and its audience
    cost, as at the step's start (:func:`sim.dynamics.beliefs.learn`).
    """
    esc = setup.params.escalation
    r, i, j = crisis_sides(world.rung)
    belief = crises.belief.copy()
    if len(r) == 0:
        return belief
    share = world.rung[r, i, j] / WAR
    signal = share * share + world.audience_cost[r, j, i]
    resolve = np.broadcast_to(setup.conflict.resolve, (world.rung.shape[1],))[j]
    belief[r, i, j] = beliefs.learn(
        crises.belief[r, i, j],
        resolve,
        signal,
        esc.learning_rate_per_year,
        setup.dt_years,
    )
    return belief


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
    exposure = exposure_years(context.start, setup.dt_years)
    _open_disputes(world, presence, rung, crises, cs, esc, draws, exposure)
    _open_incidents(world, setup, presence, draws, rung, crises, exposure)
    _form_beliefs(world, setup, draws, rung, crises)
    audience = escalation.audience_costs(crises, rung, esc)
    return {"rung": rung, "crises": crises, "audience_cost": audience}


def exposure_years(start: World, dt_years: float) -> np.ndarray:
    """Years of peace each dyad may open a crisis over this step, (R, N, N).

    ``start`` is the world as the step began: its endings are last step's.
    A step, plus half a step where a crisis ended in the last one: it ended
    somewhere within that step (half-way on average), and the rest of it was
    peace the dyad could not use then, since a dyad has one crisis a step.
    Without it, crises per year would fall as the step grows.
    """
    return np.where(start.crises.ending > 0, 1.5 * dt_years, dt_years)


def _form_beliefs(world: World, setup: Setup, draws: Draws, rung, crises) -> None:
    """Draw both sides' beliefs of every crisis started this step, in place.

    Trust and transparency are those of ``world``, as the step left them.
    """
    esc = setup.params.escalation
    n = rung.shape[1]
    started = escalation.under_way(rung) & (crises.start_step == world.step + 1)
    r, i, j = where_true(started)
    if len(r) == 0:
        return
    hotline, notification = cbms_in_force(setup, world.step)
    spread = beliefs.error_spread(
        esc.perception_noise,
        world.trust[r, i, j],
        world.transparency[r, j],
        hotline[i, j] | notification[i, j],
        esc.cbm_clarity,
    )
    resolve = np.broadcast_to(setup.conflict.resolve, (n,))[j]
    normal = draws.normal_at(Stream.PERCEPTION, r, i * n + j)
    crises.belief[r, i, j] = beliefs.onset_belief(resolve, spread, normal)


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


def _open_incidents(world, setup, presence, draws, rung, crises, exposure):
    """Start crises from incidents between hostile pairs in contact, in place.

    The chance scales with the pair's current hostility ``max(H_ij, H_ji)``, so
    only pairs hostile in some replication are visited (upper triangle); the
    others have none. Each uses the incident uniform of its dyad, so the
    outcome does not depend on the others. The side with more presence in the
    theater of contact is the challenger.
    """
    esc, n = setup.params.escalation, rung.shape[1]
    hostility = world.hostility
    somewhere = (hostility > 0).any(axis=0)  # (N, N): H_ij > 0 in some world
    pair_i, pair_j = np.nonzero(np.triu(somewhere | somewhere.T, 1))  # (P,)
    r = np.repeat(np.arange(rung.shape[0]), len(pair_i))  # every (r, pair)
    p = np.tile(np.arange(len(pair_i)), rung.shape[0])
    i, j = pair_i[p], pair_j[p]
    rows = (len(r), presence.shape[2])  # (R * P, T), row r * P + p
    contact, theater, forward = escalation.contact(
        presence[:, pair_i].reshape(rows), presence[:, pair_j].reshape(rows)
    )
    trust = np.minimum(
        pair_columns(world.trust, pair_i, pair_j),
        pair_columns(world.trust, pair_j, pair_i),
    )
    trust = trust.ravel()  # (R * P,), as r, p
    heat = np.maximum(
        pair_columns(hostility, pair_i, pair_j),
        pair_columns(hostility, pair_j, pair_i),
    )
    heat = heat.ravel()  # (R * P,): max(H_ij, H_ji)
    chance = escalation.incident_chance(heat * contact, trust, esc, exposure[r, i, j])
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


def _open_disputes(
    world, presence, rung, crises, cs: ConflictSetup, esc, draws, exposure
):
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
    fire = u < hazard(esc.dispute_rate_per_year * heat, exposure[:, c, d])
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
            "audience_cost",
            "Audience cost i bears in its crisis with j: alpha times the rung it "
            "climbed to in public, stake units, (R, N, N).",
        ),
        Field(
            "crises",
            "Bookkeeping of each pair's crisis (theater, challenger, start, peak, "
            "ending, origin, beliefs), arrays (R, N, N): "
            ":class:`~sim.dynamics.escalation.Crises`.",
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
            "min(i, j)*N + max(i, j)",
            "the crisis's move over the step, from the law of its chain",
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
    writes=("rung", "crises", "audience_cost"),
    randoms=(
        RandomUse(
            Stream.PERCEPTION,
            "normal",
            "i*N + j",
            "i's belief about j's resolve, drawn at the crisis's onset",
        ),
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
