"""The engine: every state variable as an array, advanced one step at a time.

A :class:`World` holds arrays with a leading replication axis R: shape (R, N) for
per-state values and (R, N, N) for dyads; a single run is R = 1. A step has two
halves, so that any agent can replace the default doctrine's choice:

1. :func:`decide` computes the default doctrine's :class:`Decisions` for every
   state of every replication at once;
2. :func:`advance` applies (possibly edited) decisions and runs the enabled
   phases in a fixed order.

Replication r depends only on (seed, r): random draws are counter-based
(:mod:`sim.rng`) and all arithmetic is elementwise or sums over the state axis
or the hostile pairs (:func:`sim.dynamics.indexing.sum_into_rows`), never
``matmul``, so any batch size or chunking gives bit-identical results.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from sim import diplomacy
from sim.conflict import (
    ConflictSetup,
    advance_conflict,
    build_conflict,
    crisis_actions,
    initial_fields,
    theater_power,
)
from sim.dynamics import MECHANISMS, a2ad, arms_race, signaling
from sim.dynamics.crisis_decision import Factors
from sim.dynamics.escalation import Crises
from sim.dynamics.parameters import specs
from sim.rng import Draws
from sim.scenario import Scenario, ScenarioError


@dataclass(frozen=True)
class Setup:
    """What stays fixed during a run, derived once from a scenario.

    Attributes:
        scenario: The validated scenario.
        params: Each mechanism's parameters, per-state ones as (N,) arrays.
        hostility: Initial hostility weights ``H_ij`` from disputes and
            rivalries, shape (N, N), symmetric, zero diagonal.
        grievance: Richardson's g per state, US$ m per year per year, shape (N,).
        distance_km: Great-circle distance from each capital to each theater
            centre, shape (N, T).
        cover: A2/AD coverage of each theater by each state's sites (its
            capital where it declares none), shape (N, T).
        conflict: Fixed arrays of alliances, disputes, injects and scripts.
        diplomacy: Fixed arrays of signals, CBMs, forums and capital coverage.
        budget_shocks: Step and spending factor (N,) of each ``budget_shock``
            inject (the parties' factor is its magnitude, the others' 1).
    """

    scenario: Scenario
    params: dict[str, Any]
    hostility: np.ndarray
    grievance: np.ndarray
    distance_km: np.ndarray
    cover: np.ndarray
    conflict: ConflictSetup
    diplomacy: diplomacy.DiplomacySetup
    budget_shocks: tuple[tuple[int, np.ndarray], ...] = ()

    @property
    def n_states(self) -> int:
        """Number of states N."""
        return len(self.scenario.states)

    @property
    def dt_years(self) -> float:
        """Length of a step in years."""
        return self.scenario.info.dt_years


@dataclass
class World:
    """The state of R replications at one step (arrays are replaced, not mutated).

    Attributes:
        step: Steps taken so far.
        replications: Replication indices of the rows, shape (R,).
        milex: Military spending, US$ m per year, shape (R, N).
        capability: Capability stock, US$ m, shape (R, N).
        gdp: Gross domestic product, US$ m per year, shape (R, N).
        hostility: Perceived hostility ``H_ij`` of j as seen by i, (R, N, N).
        a2ad_stock: Investment in A2/AD, US$ m, shape (R, N).
        counter_stock: Investment in counter-A2/AD, US$ m, shape (R, N).
        trust: Trust of i in j, 0..1, (R, N, N).
        transparency: How readable each state is to others, 0..1, (R, N).
        tie: Commitment strength of each pair, 0..1, (R, N, N), symmetric.
        abandonment: i's doubt that j will stand by it, 0..1, (R, N, N).
        exercises: Shared exercise level of each pair, 0..1, (R, N, N).
        credibility: Credibility of j's commitment to i, 0..1, (R, N, N).
        rung: Escalation rung of each pair (index into ``RUNGS``), int8
            (R, N, N), symmetric.
        audience_cost: Audience cost i has paid in its crisis with j, (R, N, N).
        crises: Bookkeeping of each pair's crisis (theater, challenger, start,
            peak, ending), see :class:`~sim.dynamics.escalation.Crises`.
        signal_credit: Credibility credit of j's commitment to i earned by j's
            signals (:mod:`sim.dynamics.signaling`), (R, N, N).
        pledge: Audience cost i has staked by public pledges to j, stake units,
            (R, N, N).
        posture: Deterrence posture, 0 restraint .. 1 forward, (R, N): starts
            at the scenario's and changes only by a policy's choice.
        projected: Power each state projects into each theater, US$ m,
            (R, N, T): derived from the other fields at the end of each step
            (:func:`sim.conflict.theater_power`), so it is computed once a step
            (empty until :func:`initial_world` derives it).
    """

    step: int
    replications: np.ndarray
    milex: np.ndarray
    capability: np.ndarray
    gdp: np.ndarray
    hostility: np.ndarray
    a2ad_stock: np.ndarray
    counter_stock: np.ndarray
    trust: np.ndarray
    transparency: np.ndarray
    tie: np.ndarray
    abandonment: np.ndarray
    exercises: np.ndarray
    credibility: np.ndarray
    rung: np.ndarray
    audience_cost: np.ndarray
    crises: Crises
    signal_credit: np.ndarray
    pledge: np.ndarray
    posture: np.ndarray
    projected: np.ndarray = field(default_factory=lambda: np.empty((0, 0, 0)))


@dataclass
class Decisions:
    """What every state chooses this step; policies may overwrite their rows.

    Attributes:
        milex: Spending each state wants next step, before the budget cap,
            US$ m per year, shape (R, N).
        action: Crisis action of i toward j, -1 back down, 0 hold, 1 escalate,
            int8 (R, N, N); meaningful only where a crisis is under way.
        sides: ``(r, i, j)`` index arrays of the crisis sides the doctrine
            decided (i toward j in replication r), each (M,).
        factors: Why the doctrine chose each of those actions (for the record),
            arrays (M,) in the order of ``sides``.
        signals: Exercises, patrols and declarations each state sends.
        posture: Posture each state takes this step, (R, N).
    """

    milex: np.ndarray
    action: np.ndarray
    sides: tuple[np.ndarray, ...]
    factors: Factors
    signals: diplomacy.Signals
    posture: np.ndarray


def build_setup(scenario: Scenario) -> Setup:
    """Resolve a scenario into the fixed arrays and parameters of a run."""
    params = {name: resolve_params(scenario, name) for name in MECHANISMS}
    hostility = hostility_matrix(scenario)
    milex = np.array([s.milex_usd_m for s in scenario.states])
    arms = params["arms_race"]
    check_within_budget(scenario, milex, arms)
    if arms.steady_start:
        threat = arms_race.perceived_threat(milex[None, :], hostility[None])[0]
        grievance = arms_race.steady_grievance(
            milex, threat, arms.reaction_per_year, arms.fatigue_per_year
        )
    else:
        grievance = np.broadcast_to(arms.grievance_usd_m_per_year, milex.shape)
    distance_km, site_distance_km = theater_distances(scenario)
    capability = arms_race.initial_capability(milex, arms)
    return Setup(
        scenario,
        params,
        hostility,
        np.array(grievance, dtype=float),
        distance_km,
        a2ad.coverage(site_distance_km, params["a2ad"]),
        build_conflict(scenario, params, hostility, capability),
        diplomacy.build_diplomacy(scenario, params),
        budget_shocks=tuple(
            (j.step, np.where(np.isin(scenario.state_ids, j.parties), j.magnitude, 1.0))
            for j in scenario.injects
            if j.kind == "budget_shock"
        ),
    )


def theater_distances(scenario: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """Distances (N, T), km: capital to theater, and nearest A2/AD site to theater.

    A state that declares no ``[[a2ad_site]]`` launches from its capital.
    """
    centers = np.array([t.center for t in scenario.theaters]).reshape(-1, 2)
    capitals = np.array([s.capital for s in scenario.states])
    from_capital = a2ad.great_circle_km(capitals[:, None, :], centers[None, :, :])
    from_sites = from_capital.copy()
    for i, state_id in enumerate(scenario.state_ids):
        sites = [s.location for s in scenario.sites if s.state == state_id]
        if sites:
            d = a2ad.great_circle_km(np.array(sites)[:, None, :], centers[None, :, :])
            from_sites[i] = d.min(axis=0)
    return from_capital, from_sites


def check_within_budget(
    scenario: Scenario, milex: np.ndarray, arms: arms_race.Params
) -> None:
    """Fail if a state starts above its budget cap (the cap would cut it at once)."""
    gdp = np.array([s.gdp_usd_m for s in scenario.states])
    cap = np.broadcast_to(arms_race.budget_cap(gdp, arms.max_share_gdp), milex.shape)
    problems = [
        f"{scenario.path.name}: state[{s.id}].milex_usd_m: {s.milex_usd_m} is above "
        f"its budget cap max_share_gdp * gdp_usd_m = {cap[i]:.1f}; raise "
        "[state.arms_race] max_share_gdp or lower the spending"
        for i, s in enumerate(scenario.states)
        if milex[i] > cap[i]
    ]
    if problems:
        raise ScenarioError(problems)


def resolve_params(scenario: Scenario, name: str) -> Any:
    """A mechanism's parameters with per-state fields as (N,) arrays.

    A per-state field becomes an array when some state overrides it in its
    ``[state.NAME]`` table; otherwise it stays the scalar from ``[mechanisms.NAME]``.
    """
    base = scenario.mechanisms[name]
    per_state = {}
    for field_name, (_, spec) in specs(type(base)).items():
        values = [s.overrides.get(name, {}).get(field_name) for s in scenario.states]
        if spec.per_state and any(v is not None for v in values):
            default = getattr(base, field_name)
            per_state[field_name] = np.array(
                [default if v is None else v for v in values], dtype=float
            )
    return replace(base, **per_state)


def hostility_matrix(scenario: Scenario) -> np.ndarray:
    """Symmetric (N, N) hostility from disputes and rivalries (largest wins)."""
    n = len(scenario.states)
    hostility = np.zeros((n, n))
    for pair in (*scenario.disputes, *scenario.rivalries):
        i, j = (scenario.state_index(p) for p in pair.parties)
        value = max(hostility[i, j], pair.hostility)
        hostility[i, j] = hostility[j, i] = value
    return hostility


def initial_world(setup: Setup, replications: np.ndarray) -> World:
    """The world at step 0 for the given replication indices (shape (R,))."""
    replications = np.asarray(replications, dtype=np.int64)
    r = len(replications)
    states = setup.scenario.states
    milex = np.tile([s.milex_usd_m for s in states], (r, 1)).astype(float)
    gdp = np.tile([s.gdp_usd_m for s in states], (r, 1)).astype(float)
    arms = setup.params["arms_race"]
    capability = arms_race.initial_capability(milex, arms)
    hostility = np.tile(setup.hostility, (r, 1, 1))
    denial = setup.params["a2ad"]
    world = World(
        step=0,
        replications=replications,
        milex=milex,
        capability=capability,
        gdp=gdp,
        hostility=hostility,
        a2ad_stock=a2ad.initial_stock(capability, denial.a2ad_share, denial),
        counter_stock=a2ad.initial_stock(capability, denial.counter_share, denial),
        **initial_fields(setup, r),
        **diplomacy.initial_fields(r, setup.n_states),
    )
    in_theaters, at_capitals = denial_met(world, setup)
    credibility = diplomacy.deterrence_credibility(
        world.credibility, world, setup, at_capitals
    )
    world = replace(world, credibility=credibility)
    return replace(world, projected=theater_power(world, setup, in_theaters))


def denial_met(world: World, setup: Setup) -> tuple[np.ndarray, np.ndarray]:
    """Denial each state meets in each theater and at each capital.

    Theaters and capitals are points that each denier's sites cover; one
    contest of A2/AD against counter-A2/AD stocks (:func:`sim.dynamics.a2ad.denial`)
    serves both. A denier does not deny itself or its friends: states it is
    tied to and not hostile to.

    Returns:
        ``(in_theaters, at_capitals)``: ``D_it`` (R, N, T) and the denial at
        ``[r, patron j, capital i]`` (R, N, N).
    """
    r, n = world.a2ad_stock.shape
    n_theaters = setup.cover.shape[1]
    if not world.a2ad_stock.any():  # nobody has A2/AD: nobody is denied
        return np.zeros((r, n, n_theaters)), np.zeros((r, n, n))
    cover = np.concatenate([setup.cover, setup.diplomacy.capital_cover], axis=1)
    denied = a2ad.denial(
        cover,
        world.a2ad_stock,
        world.counter_stock,
        a2ad.exempt_from_denial(world.tie, world.hostility),
        setup.params["a2ad"],
    )  # (R, N, T + N)
    return denied[:, :, :n_theaters], denied[:, :, n_theaters:]


def decide(world: World, setup: Setup, draws: Draws) -> Decisions:
    """The default doctrine's choices for all states of all replications.

    With the arms race off, the doctrine holds spending where it is. In a crisis
    every side backs down, holds or escalates (:func:`sim.conflict.crisis_actions`).
    Signals follow the scenario's schedule (:func:`sim.diplomacy.scheduled_signals`).
    Posture stays where it is.
    """
    action, sides, factors = crisis_actions(world, setup, world.projected, draws)
    return Decisions(
        milex=spending_choice(world, setup),
        action=action,
        sides=sides,
        factors=factors,
        signals=diplomacy.scheduled_signals(setup, world.step),
        posture=world.posture.copy(),
    )


def spending_choice(world: World, setup: Setup) -> np.ndarray:
    """Spending the default doctrine wants next step, before the cap, (R, N).

    Richardson's target (:func:`sim.dynamics.arms_race.richardson_target`); with
    the arms race off, spending stays where it is.
    """
    arms = setup.params["arms_race"]
    if not arms.enabled:
        return world.milex.copy()
    threat = arms_race.perceived_threat(world.milex, world.hostility)
    return arms_race.richardson_target(
        world.milex, threat, setup.grievance, arms, setup.dt_years
    )


def advance(world: World, setup: Setup, draws: Draws, decisions: Decisions) -> World:
    """Apply the decisions and run the enabled phases, in order, for one step.

    The budget cap and capability accounting always run: they are rules of the
    world, not of a doctrine, so they bind human teams and scripts too. Order:
    spending and stocks (signals' sunk costs come out of capability); alliances
    and crises (patrols add presence in their theaters); signaling and
    cooperation; then credibility gets its signal credit and its discount inside
    denial zones. A ``budget_shock`` inject scales its parties' chosen spending
    before the cap; the posture chosen rules this step's incidents.
    """
    arms = setup.params["arms_race"]
    sent = decisions.signals
    world = replace(world, posture=decisions.posture)
    milex = arms_race.apply_budget(
        decisions.milex * budget_factor(setup, world.step), world.gdp, arms
    )
    capability = arms_race.step_capability(
        world.capability, world.milex, arms, setup.dt_years
    ) - setup.dt_years * diplomacy.signal_cost_usd_m(world, setup, sent)
    a2ad_stock, counter_stock = step_a2ad_stocks(world, setup)
    presence = signaling.patrol_presence(
        world.projected, sent.patrol, setup.params["signaling"]
    )
    conflict = advance_conflict(
        world, setup, presence, draws, decisions.action, decisions.sides
    )
    new = replace(
        world,
        step=world.step + 1,
        milex=milex,
        capability=np.maximum(capability, 0.0),
        a2ad_stock=a2ad_stock,
        counter_stock=counter_stock,
        **conflict,
        **diplomacy.advance_diplomacy(world, setup, draws, sent),
    )
    in_theaters, at_capitals = denial_met(new, setup)
    if "credibility" in conflict:  # recomputed from its base this step
        credibility = diplomacy.deterrence_credibility(
            new.credibility, new, setup, at_capitals
        )
        new = replace(new, credibility=credibility)
    return replace(new, projected=theater_power(new, setup, in_theaters))


def budget_factor(setup: Setup, step: int) -> np.ndarray:
    """Product of the spending factors of the budget shocks at ``step``, (N,)."""
    factor = np.ones(setup.n_states)
    for at, shock in setup.budget_shocks:
        if at == step:
            factor = factor * shock
    return factor


def step_a2ad_stocks(world: World, setup: Setup) -> tuple[np.ndarray, np.ndarray]:
    """Accumulate this step's A2/AD and counter-A2/AD investment."""
    denial = setup.params["a2ad"]
    delta = setup.params["arms_race"].depreciation_per_year
    return tuple(
        a2ad.step_stock(stock, world.milex, share, delta, setup.dt_years)
        for stock, share in (
            (world.a2ad_stock, denial.a2ad_share),
            (world.counter_stock, denial.counter_share),
        )
    )


def step(world: World, setup: Setup, seed: int) -> World:
    """One step with the default doctrine for every state."""
    draws = Draws(seed, world.replications, world.step)
    return advance(world, setup, draws, decide(world, setup, draws))


def simulate(
    setup: Setup, *, seed: int, replications: np.ndarray, steps: int
) -> Iterator[World]:
    """Yield the world at step 0, then after each of ``steps`` steps."""
    world = initial_world(setup, replications)
    yield world
    for _ in range(steps):
        world = step(world, setup, seed)
        yield world
