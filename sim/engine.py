"""The engine: every state variable as an array, advanced one step at a time.

A :class:`~sim.world.World` holds arrays with a leading replication axis R:
shape (R, N) for per-state values and (R, N, N) for dyads; a single run is R = 1.
A step has two halves, so that any agent can replace the default doctrine's
choice:

1. :func:`decide` computes the default doctrine's :class:`~sim.world.Decisions`
   for every state of every replication at once;
2. :func:`advance` applies (possibly edited) decisions by running the declared
   steps of :data:`STEPS`, in order (:class:`sim.step.Step`).

Each step reads the world as the steps before it left it (and, through its
context, the world as it was when the step began) and returns the fields it
owns or writes. The world's fields are the union of the steps' declarations
(:func:`world_fields`).

Replication r depends only on (seed, r): random draws are counter-based
(:mod:`sim.rng`) and all arithmetic is elementwise or sums over the state axis
or the hostile pairs (:func:`sim.dynamics.indexing.sum_into_rows`), never
``matmul``, so any batch size or chunking gives bit-identical results.
"""

from collections.abc import Iterator
from dataclasses import replace

import numpy as np

from sim import conflict, diplomacy
from sim.dynamics import MECHANISMS, a2ad, arms_race, economy
from sim.dynamics.escalation import WAR
from sim.dynamics.hostility import arms_growth, step_hostility
from sim.dynamics.parameters import specs
from sim.rng import Draws
from sim.scenario import Scenario, ScenarioError
from sim.step import Context, DeclaredDraws, Field, Step, among
from sim.world import Decisions, Parameters, Setup, World


def build_setup(scenario: Scenario) -> Setup:
    """Resolve a scenario into the fixed arrays and parameters of a run."""
    params = Parameters({name: resolve_params(scenario, name) for name in MECHANISMS})
    hostility = hostility_matrix(scenario)
    milex = np.array([s.milex_usd_m for s in scenario.states])
    gdp = np.array([s.gdp_usd_m for s in scenario.states])
    arms = params.arms_race
    check_within_budget(scenario, milex, arms)
    grievance = starting_grievance(milex, gdp, hostility, arms)
    distance_km, site_distance_km = theater_distances(scenario)
    check_shares(scenario, params.a2ad)
    conventional = a2ad.conventional_share(params.a2ad)
    capability = arms_race.initial_capability(conventional * milex, arms)
    return Setup(
        scenario,
        params,
        hostility,
        grievance,
        distance_km,
        a2ad.coverage(site_distance_km, params.a2ad),
        conflict.build_conflict(scenario, params, hostility, capability),
        diplomacy.build_diplomacy(scenario, params),
        budget_shocks=tuple(
            (
                scenario.step_of(j.year),
                np.where(np.isin(scenario.state_ids, j.parties), j.magnitude, 1.0),
            )
            for j in scenario.injects
            if j.kind == "budget_shock"
        ),
    )


def starting_grievance(
    milex: np.ndarray, gdp: np.ndarray, hostility: np.ndarray, arms: arms_race.Params
) -> np.ndarray:
    """Richardson's g per state, (N,), the scenario's or a steady start's.

    With ``steady_start`` it is the g that makes the starting burden a fixed
    point (:func:`sim.dynamics.arms_race.steady_grievance`).

    Args:
        milex: Starting spending, (N,).
        gdp: Starting GDP, (N,).
        hostility: Starting hostility, (N, N).
        arms: The arms race's parameters.
    """
    if not arms.steady_start:
        given = np.broadcast_to(arms.grievance_usd_m_per_year, milex.shape)
        return given.astype(float)
    threat = arms_race.perceived_threat(milex[None, :], gdp[None, :], hostility[None])
    return arms_race.steady_grievance(
        milex, threat[0], arms.reaction_per_year, arms.fatigue_per_year
    )


def theater_distances(scenario: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """Distances (N, T), km: home to theater, and nearest A2/AD site to theater.

    A state's power reaches a theater from the nearest of its capital and its
    ``[[base]]``s (Boulding 1962: strength is greatest at a base and falls with
    distance from it). A state that declares no ``[[a2ad_site]]`` launches from
    its capital.
    """
    centers = np.array([t.center for t in scenario.theaters]).reshape(-1, 2)
    capitals = np.array([s.capital for s in scenario.states])
    homes = [
        np.vstack([capital, bases])
        for capital, bases in zip(
            capitals, a2ad.by_state(scenario.state_ids, scenario.bases), strict=True
        )
    ]
    sites = a2ad.by_state(scenario.state_ids, scenario.sites)
    return (
        a2ad.nearest_site_km(capitals, homes, centers),
        a2ad.nearest_site_km(capitals, sites, centers),
    )


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


def check_shares(scenario: Scenario, denial: a2ad.Params) -> None:
    """Fail if a state puts more than its whole budget into A2/AD and counter-A2/AD."""
    n = len(scenario.states)
    total = np.broadcast_to(denial.a2ad_share + denial.counter_share, (n,))
    problems = [
        f"{scenario.path.name}: state[{s.id}].a2ad: a2ad_share + counter_share = "
        f"{total[i]:g} is above 1 (they are shares of one budget); lower one"
        for i, s in enumerate(scenario.states)
        if total[i] > 1.0
    ]
    if problems:
        raise ScenarioError(problems)


def resolve_params(scenario: Scenario, name: str) -> object:
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


def restrict(scenario: Scenario, state_ids: list[str]) -> Scenario:
    """The scenario with only the given states, in that order.

    Injects that involve another state are dropped; every other section is
    restricted by the step that reads it (its ``restrict``): entries among the
    kept states stay, groups keep their kept members. Theaters all stay.

    Args:
        scenario: A validated scenario.
        state_ids: Ids of states of the scenario to keep.
    """
    keep = frozenset(state_ids)
    sections: dict[str, object] = {
        "states": tuple(scenario.states[scenario.state_index(s)] for s in state_ids),
        "injects": among(scenario.injects, keep),
        "content_hash": f"{scenario.content_hash}:{','.join(state_ids)}",
    }
    for declared in STEPS:
        if declared.restrict is not None:
            sections |= declared.restrict(scenario, keep)
    return replace(scenario, **sections)


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
    """The world at step 0 for the given replication indices (shape (R,)).

    Each step of :data:`STEPS`, in order, gives the values of the fields it
    owns (its ``initial``), seeing the fields of the steps before it.
    """
    replications = np.asarray(replications, dtype=np.int64)
    world = World(0, replications)
    for declared in STEPS:
        if declared.initial is None:
            continue
        values = dict(declared.initial(world, setup))
        _check_fields(declared, values)
        world = World(0, replications, **{**world.fields, **values})
    missing = [name for name in world_fields() if name not in world.fields]
    if missing:
        raise TypeError(f"no step gave an initial value of {', '.join(missing)}")
    return world


def world_fields() -> dict[str, str]:
    """Every world field, in order, with its description, from the steps' ``owns``.

    Raises:
        TypeError: If two steps own the same field.
    """
    table: dict[str, str] = {}
    for declared in STEPS:
        for owned in declared.owns:
            if owned.name in table:
                raise TypeError(f"step {declared.name} owns {owned.name} again")
            table[owned.name] = owned.doc
    return table


def _check_fields(declared: Step, values: dict) -> None:
    """Fail if a step returned a field it neither owns nor declares it writes."""
    stray = set(values).difference(declared.fields)
    if stray:
        raise TypeError(
            f"step {declared.name} returned {', '.join(sorted(stray))}, which it "
            "neither owns nor writes; declare them in its `owns` or `writes`"
        )


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
        setup.params.a2ad,
    )  # (R, N, T + N)
    return denied[:, :, :n_theaters], denied[:, :, n_theaters:]


def decide(
    world: World, setup: Setup, draws: Draws, *, explain: bool = True
) -> Decisions:
    """The default doctrine's choices for all states of all replications.

    Spending follows the budget model (:func:`spending_choice`). In a crisis
    every side backs down, holds or escalates (:func:`sim.conflict.crisis_actions`).
    Signals follow the scenario's schedule (:func:`sim.diplomacy.scheduled_signals`).
    Posture stays where it is. The crisis doctrine draws what the ``crises``
    step declares (its perception and choice noise).

    Args:
        world: The world as the step begins.
        setup: The run's setup.
        draws: The step's random numbers.
        explain: Whether to solve each crisis's game as the step begins, for
            the record and for policies (``decisions.csv``, the Mesa model, the
            classroom). Without it no side has factors and only scripts set
            actions; the ``crises`` step solves the game at each decision
            opportunity either way, so the results are the same (a batch,
            which keeps no record of decisions, skips it).
    """
    action, sides, factors = conflict.crisis_actions(
        world, setup, DeclaredDraws(draws, conflict.CRISES), explain=explain
    )
    return Decisions(
        milex=spending_choice(world, setup, next_gdp(world, setup)),
        action=action,
        sides=sides,
        factors=factors,
        signals=diplomacy.scheduled_signals(setup, world.step),
        posture=world.posture.copy(),
        ordered=np.zeros(action.shape, dtype=bool),
    )


def next_gdp(world: World, setup: Setup) -> np.ndarray:
    """GDP at the next step (:func:`sim.dynamics.economy.project`), (R, N)."""
    years = (world.step + 1) * setup.dt_years
    gdp = economy.project(setup.gdp_start, setup.params.economy, years)
    return np.broadcast_to(gdp, world.gdp.shape).copy()


def spending_choice(world: World, setup: Setup, gdp_next: np.ndarray) -> np.ndarray:
    """Spending the default doctrine wants next step, before the cap, (R, N).

    Richardson's step on the burden (:func:`sim.dynamics.arms_race.budget_target`),
    carried by GDP growth to ``gdp_next``; with the arms race off, spending
    holds its burden.
    """
    arms = setup.params.arms_race
    growth = gdp_next / world.gdp
    if not arms.enabled:
        return world.milex * growth
    threat = arms_race.perceived_threat(world.milex, world.gdp, world.hostility)
    grievance = setup.grievance * (world.gdp / setup.gdp_start)
    return arms_race.budget_target(
        world.milex, threat, grievance, growth, arms, setup.dt_years
    )


def advance(world: World, setup: Setup, draws: Draws, decisions: Decisions) -> World:
    """Apply the decisions by running every step of :data:`STEPS`, in order.

    Each step sees the world as the steps before it left it; the step counter
    moves on at the end.

    Raises:
        TypeError: If a step returns a field it neither owns nor writes.
        RuntimeError: If a step draws from a stream it did not declare.
    """
    new = world
    for declared in STEPS:
        context = Context(setup, DeclaredDraws(draws, declared), decisions, world)
        changed = declared.run(new, context)
        _check_fields(declared, changed)
        new = new.replace(**changed)
    return new.replace(step=world.step + 1)


def _posture_initial(world: World, setup: Setup) -> dict[str, np.ndarray]:
    return {"posture": np.tile(setup.conflict.posture, (len(world.replications), 1))}


def _posture_run(world: World, context: Context) -> dict[str, np.ndarray]:
    """The posture chosen this step rules it (its incidents, say)."""
    return {"posture": context.decisions.posture}


POSTURE = Step(
    name="posture",
    run=_posture_run,
    owns=(
        Field(
            "posture",
            "Deterrence posture, 0 restraint .. 1 forward, (R, N): starts at the "
            "scenario's and changes only by a policy's choice.",
        ),
    ),
    initial=_posture_initial,
)


def _economy_initial(world: World, setup: Setup) -> dict[str, np.ndarray]:
    return {"gdp": np.tile(setup.gdp_start, (len(world.replications), 1))}


def _economy_run(world: World, context: Context) -> dict[str, np.ndarray]:
    """GDP of the next step: observed paths are data, so this is a projection."""
    return {"gdp": next_gdp(world, context.setup)}


ECONOMY = Step(
    name="economy",
    run=_economy_run,
    params="economy",
    owns=(Field("gdp", "Gross domestic product, US$ m per year, (R, N)."),),
    initial=_economy_initial,
)


def _arms_initial(world: World, setup: Setup) -> dict[str, np.ndarray]:
    r = len(world.replications)
    states = setup.scenario.states
    milex = np.tile([s.milex_usd_m for s in states], (r, 1)).astype(float)
    conventional = a2ad.conventional_share(setup.params.a2ad) * milex
    return {
        "milex": milex,
        "capability": arms_race.initial_capability(
            conventional, setup.params.arms_race
        ),
    }


def _arms_run(world: World, context: Context) -> dict[str, np.ndarray]:
    """Spending chosen, scaled by budget shocks, within the cap; capability stock.

    The budget cap and capability accounting always run: they are rules of the
    world, not of a doctrine, so they bind human teams and scripts too. The cap
    is a share of the new step's GDP (the economy step ran just before). The
    A2/AD and counter-A2/AD shares of spending go into their stocks (the
    :data:`A2AD` step), the rest into capability; the sunk costs of the signals
    sent come out of capability.
    """
    setup, decisions = context.setup, context.decisions
    arms, dt = setup.params.arms_race, setup.dt_years
    milex = arms_race.apply_budget(
        decisions.milex * budget_factor(setup, world.step), world.gdp, arms
    )
    conventional = a2ad.conventional_share(setup.params.a2ad) * world.milex
    capability = arms_race.step_capability(
        world.capability, conventional, arms, dt
    ) - dt * diplomacy.signal_cost_usd_m(world, setup, decisions.signals)
    return {"milex": milex, "capability": np.maximum(capability, 0.0)}


ARMS_RACE = Step(
    name="arms_race",
    run=_arms_run,
    params="arms_race",
    owns=(
        Field("milex", "Military spending, US$ m per year, (R, N)."),
        Field("capability", "Capability stock, US$ m, (R, N)."),
    ),
    initial=_arms_initial,
)


def budget_factor(setup: Setup, step: int) -> np.ndarray:
    """Product of the spending factors of the budget shocks at ``step``, (N,)."""
    factor = np.ones(setup.n_states)
    for at, shock in setup.budget_shocks:
        if at == step:
            factor = factor * shock
    return factor


def _a2ad_initial(world: World, setup: Setup) -> dict[str, np.ndarray]:
    denial = setup.params.a2ad
    delta = setup.params.arms_race.depreciation_per_year
    return {
        name: a2ad.initial_stock(world.milex, share, delta, denial)
        for name, share in (
            ("a2ad_stock", denial.a2ad_share),
            ("counter_stock", denial.counter_share),
        )
    }


def _a2ad_run(world: World, context: Context) -> dict[str, np.ndarray]:
    """Accumulate this step's A2/AD and counter-A2/AD investment.

    The investment is a share of the spending during the step, the spending at
    its start (the arms race has already set next step's).
    """
    setup = context.setup
    denial = setup.params.a2ad
    delta = setup.params.arms_race.depreciation_per_year
    spent = context.start.milex
    return {
        name: a2ad.step_stock(getattr(world, name), spent, share, delta, setup.dt_years)
        for name, share in (
            ("a2ad_stock", denial.a2ad_share),
            ("counter_stock", denial.counter_share),
        )
    }


A2AD = Step(
    name="a2ad",
    run=_a2ad_run,
    params="a2ad",
    owns=(
        Field("a2ad_stock", "Investment in A2/AD, US$ m, (R, N)."),
        Field("counter_stock", "Investment in counter-A2/AD, US$ m, (R, N)."),
    ),
    initial=_a2ad_initial,
    restrict=lambda scenario, keep: {
        "sites": tuple(s for s in scenario.sites if s.state in keep),
        "bases": tuple(b for b in scenario.bases if b.state in keep),
    },
)


def _hostility_initial(world: World, setup: Setup) -> dict[str, np.ndarray]:
    """Hostility from disputes and rivalries."""
    return {"hostility": np.tile(setup.hostility, (len(world.replications), 1, 1))}


def _hostility_run(world: World, context: Context) -> dict[str, np.ndarray]:
    """Hostility after this step's provocation, crises, arms growth and cooperation.

    Arms growth is the growth of each state's burden (spending over GDP) from
    the start of the step to the spending the arms race set, so growth that
    only keeps pace with the economy reads as no threat.
    """
    setup, start = context.setup, context.start
    growth = arms_growth(
        start.milex / start.gdp, world.milex / world.gdp, setup.dt_years
    )
    return {
        "hostility": step_hostility(
            world.hostility,
            setup.hostility,
            world.provocation,
            world.mean_rung,
            WAR,
            growth,
            world.met,
            setup.params.hostility,
            setup.dt_years,
        )
    }


HOSTILITY = Step(
    name="hostility",
    run=_hostility_run,
    params="hostility",
    owns=(
        Field(
            "hostility",
            "Perceived hostility ``H_ij`` of j as seen by i, (R, N, N) "
            "(:mod:`sim.dynamics.hostility`).",
        ),
    ),
    initial=_hostility_initial,
)


def _projection(world: World, setup: Setup, *, discount: bool) -> dict:
    """Credibility under signals and denial (if ``discount``), and projected power."""
    in_theaters, at_capitals = denial_met(world, setup)
    fields = {}
    if discount:
        fields["credibility"] = diplomacy.deterrence_credibility(
            world.credibility, world, setup, at_capitals
        )
    fields["projected"] = conflict.theater_power(world, setup, in_theaters)
    return fields


def _projection_run(world: World, context: Context) -> dict[str, np.ndarray]:
    """Power projected after this step; credibility from its base, if recomputed.

    Credibility gets its signal credit and its discount inside denial zones
    where the alliance phase recomputed it from its base this step (alliances
    enabled).
    """
    setup = context.setup
    return _projection(world, setup, discount=setup.params.alliances.enabled)


PROJECTION = Step(
    name="projection",
    run=_projection_run,
    owns=(
        Field(
            "projected",
            "Power each state projects into each theater, US$ m, (R, N, T): "
            "derived from the other fields at the end of each step "
            "(:func:`sim.conflict.theater_power`), so it is computed once a step.",
        ),
    ),
    writes=("credibility",),
    initial=lambda world, setup: _projection(world, setup, discount=True),
)


STEPS: tuple[Step, ...] = (
    POSTURE,
    conflict.CRISES,
    conflict.ALLIANCES,
    diplomacy.SIGNALING,
    diplomacy.COOPERATION,
    ECONOMY,
    ARMS_RACE,
    HOSTILITY,
    conflict.BALANCING,
    A2AD,
    PROJECTION,
)
"""The steps of one simulation step, in the order they run.

Posture first (it rules this step's incidents); crises move given the actions;
alliances update doubts, exercises and injected treaties (seeing who backed
down); new crises start (entrapment along this step's ties, disputes, incidents
where patrols add presence); signaling then cooperation move trust and
transparency; the economy grows; spending (within a share of the new GDP) and
capability accumulate; hostility moves with the signals read, the crises,
rivals' arms growth and cooperation; states balance against the threat as it
stood at the step's start and stands now, and the ties' credibility follows;
the A2/AD stocks accumulate; last, power projected and credibility under denial
are derived from the new world.
"""


def step(world: World, setup: Setup, seed: int) -> World:
    """One step with the default doctrine for every state (no record of it)."""
    draws = Draws(seed, world.replications, world.step)
    return advance(world, setup, draws, decide(world, setup, draws, explain=False))


def simulate(
    setup: Setup, *, seed: int, replications: np.ndarray, steps: int
) -> Iterator[World]:
    """Yield the world at step 0, then after each of ``steps`` steps."""
    world = initial_world(setup, replications)
    yield world
    for _ in range(steps):
        world = step(world, setup, seed)
        yield world
