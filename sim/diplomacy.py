"""Signals, CBMs, cooperation and denial of extended deterrence, wired into the engine.

The pure mechanisms live in :mod:`sim.dynamics.signaling`,
:mod:`sim.dynamics.cooperation` and :mod:`sim.dynamics.a2ad`; this module turns a
scenario into the arrays they need (:class:`~sim.world.DiplomacySetup`), computes
the default doctrine's signals (the scenario's ``[[signal]]`` schedule,
:func:`scheduled_signals`) and declares the engine steps :data:`SIGNALING` and
:data:`COOPERATION`. Loops run only over scenario entries, theaters and states,
never over replications or dyads.

Random numbers are each a fixed element of their stream (the steps' ``randoms``
give the layout), so a policy that changes a signal never shifts anyone's draws.
"""

from dataclasses import replace

import numpy as np

from sim.dynamics import a2ad, cooperation, signaling
from sim.dynamics.escalation import WAR
from sim.dynamics.indexing import where_true
from sim.dynamics.rates import fade, held
from sim.rng import Draws, Stream
from sim.scenario import Scenario, Signal
from sim.schedule import Repeating
from sim.step import Context, Field, RandomUse, Step, among, groups_among
from sim.world import DiplomacySetup, Parameters, Setup, Signals, World

_NEVER = np.iinfo(np.int64).max


def build_diplomacy(scenario: Scenario, params: Parameters) -> DiplomacySetup:
    """Resolve a scenario's alliances, disputes, signals, CBMs, forums and sites."""
    n, index = len(scenario.states), scenario.state_index
    clock = (scenario.info.start_year, scenario.info.dt_years)
    theater = {t.id: k for k, t in enumerate(scenario.theaters)}
    allies = np.zeros((n, n), dtype=bool)
    for alliance in scenario.alliances:
        members = [index(m) for m in alliance.members]
        allies[np.ix_(members, members)] = True
    np.fill_diagonal(allies, False)
    claim = np.zeros((n, len(scenario.theaters)))
    for dispute in scenario.disputes:
        for party in dispute.parties:
            claim[index(party), theater[dispute.theater]] = 1.0
    since = {kind: np.full((n, n), _NEVER) for kind in signaling.CBM_KINDS}
    for cbm in scenario.cbms:
        i, j = (index(p) for p in cbm.parties)
        first = min(since[cbm.kind][i, j], scenario.step_of(cbm.year))
        since[cbm.kind][i, j] = since[cbm.kind][j, i] = first
    capitals = np.array([s.capital for s in scenario.states])
    sites = a2ad.by_state(scenario.state_ids, scenario.sites)
    site_km = a2ad.nearest_site_km(capitals, sites, capitals)
    members = np.zeros((len(scenario.forums), n), dtype=bool)
    for f, forum in enumerate(scenario.forums):
        members[f, [index(m) for m in forum.members]] = True
    disaster_injects = tuple(
        (scenario.step_of(j.year), np.isin(np.arange(n), [index(p) for p in j.parties]))
        for j in scenario.injects
        if j.kind == "disaster"
    )
    return DiplomacySetup(
        allies=allies,
        claim=claim,
        hotline_since=since["hotline"],
        notification_since=since["notification"],
        capital_cover=a2ad.coverage(site_km, params.a2ad),
        forum_members=members,
        forum_meetings=Repeating.of(
            [(f.first_year, f.every_years, None) for f in scenario.forums], *clock
        ),
        signal_sendings=Repeating.of(
            [(s.first_year, s.every_years, s.last_year) for s in scenario.signals],
            *clock,
        ),
        signal_hold=np.array(
            [s.duration_years / scenario.info.dt_years for s in scenario.signals]
        ),
        disaster_injects=disaster_injects,
    )


def scheduled_signals(setup: Setup, step: int) -> Signals:
    """The default doctrine's signals: the scenario's ``[[signal]]`` schedule.

    The schedule is the same in every replication, so the arrays have a leading
    axis of 1. Each entry's level counts for the share of the step a sending
    holds it (a sending holds for its ``duration_years``), so the level of a
    step is the signal's mean over it. An exercise is joint: every pair of its
    participants (sender and partners) drills together. Where entries of one
    kind for the same pair or theater overlap in time the highest level counts,
    instant by instant (:meth:`sim.schedule.Repeating.mean_highest`), so two
    entries held one after the other in a long step count as in the shorter
    steps. With signaling off, every level is 0.
    """
    scenario = setup.scenario
    n, n_theaters = len(scenario.states), len(scenario.theaters)
    sent = {
        "exercise": np.zeros((n, n)),
        "patrol": np.zeros((n, n_theaters)),
        "declaration": np.zeros((n, n)),
    }
    dip = setup.diplomacy
    enabled = setup.params.signaling.enabled
    shares = dip.signal_sendings.share_held(step, dip.signal_hold) * enabled
    levels = np.array([s.level for s in scenario.signals])
    entries: dict[tuple[str, int, int], list[int]] = {}
    for e, share in enumerate(shares):
        if share > 0.0:
            for cell in _signal_cells(scenario, scenario.signals[e]):
                entries.setdefault(cell, []).append(e)
    for (kind, i, j), overlapping in entries.items():
        sent[kind][i, j] = (
            shares[overlapping[0]] * levels[overlapping[0]]
            if len(overlapping) == 1
            else dip.signal_sendings.mean_highest(
                step, dip.signal_hold, overlapping, levels
            )
        )
    return Signals(**{kind: levels_sent[None] for kind, levels_sent in sent.items()})


def _signal_cells(scenario: Scenario, signal: Signal) -> list[tuple[str, int, int]]:
    """The cells ``(kind, i, j)`` of :class:`Signals` a ``[[signal]]`` entry sets.

    An exercise sets every ordered pair of its participants, a patrol its
    sender's theater, a declaration the sender toward each partner.
    """
    i = scenario.state_index(signal.state)
    partners = [scenario.state_index(p) for p in signal.partners]
    if signal.kind == "exercise":
        group = dict.fromkeys([i, *partners])
        return [("exercise", a, b) for a in group for b in group if a != b]
    if signal.kind == "patrol":
        theater = [t.id for t in scenario.theaters].index(signal.theater)
        return [("patrol", i, theater)]
    return [("declaration", i, p) for p in dict.fromkeys(partners)]


def cbms_in_force(setup: Setup, step: int) -> tuple[np.ndarray, np.ndarray]:
    """Pairs with a hotline and pairs notifying exercises at ``step``, (N, N) bool."""
    if not setup.params.signaling.enabled:
        none = np.zeros_like(setup.diplomacy.allies)
        return none, none
    dip = setup.diplomacy
    return dip.hotline_since <= step, dip.notification_since <= step


def deterrence_credibility(
    credibility: np.ndarray, world: World, setup: Setup, denied: np.ndarray
) -> np.ndarray:
    """Alliance credibility with signal credit, discounted inside denial zones.

    ``denied`` is the denial each state meets at each capital, ``[r, patron j,
    capital i]`` (see :func:`sim.engine.denial_met`). Each step is skipped where
    it would change nothing (no credit, no denial).
    """
    if world.signal_credit.any():
        credibility = signaling.signal_credibility(
            credibility, world.signal_credit, world.tie
        )
    if denied.any():
        credibility = a2ad.credibility_under_denial(credibility, denied)
    return credibility


def signal_cost_usd_m(world: World, setup: Setup, sent: Signals) -> np.ndarray:
    """What the signals sent cost each state, US$ m per year, (R, N): ``s_i x_i``."""
    sig = setup.params.signaling
    if not sig.enabled:
        return np.zeros_like(world.milex)
    return signaling.sunk_cost_share(sent.exercise, sent.patrol, sig) * world.milex


def _signaling_initial(world: World, setup: Setup) -> dict[str, np.ndarray]:
    """Trust by relation; no credit, pledges or provocation."""
    r, n = len(world.replications), setup.n_states
    return {
        "provocation": np.zeros((r, n, n)),
        "signal_credit": np.zeros((r, n, n)),
        "pledge": np.zeros((r, n, n)),
        "trust": np.tile(setup.conflict.trust, (r, 1, 1)),
        "misreading": np.zeros((r, n, n)),
        "misread_step": np.full((r, n, n), -1),
    }


def _signaling_run(world: World, context: Context) -> dict[str, np.ndarray]:
    """The signaling phase of a step.

    Credit and pledges grow with what was sent and fade; rivals read the
    pressure through noise, a provocation the hostility step adds; CBM parties
    trust each other more (the sunk costs are :func:`signal_cost_usd_m`, paid in
    the arms race step).
    """
    setup = context.setup
    if not setup.params.signaling.enabled:
        return {"provocation": np.zeros_like(world.provocation)}
    return _signal(world, setup, context.draws, context.decisions.signals)


def _cooperation_initial(world: World, setup: Setup) -> dict[str, np.ndarray]:
    """Each state's transparency, from the scenario; nobody has met."""
    r, n = len(world.replications), setup.n_states
    return {
        "transparency": np.tile(setup.conflict.transparency, (r, 1)),
        "met": np.zeros((r, n, n), dtype=np.int32),
    }


def _cooperation_run(world: World, context: Context) -> dict[str, np.ndarray]:
    """The cooperation phase of a step.

    Trust and transparency drift back toward their start, then disaster relief
    and forum meetings raise them among participants; ``met`` marks who took
    part together (the hostility step softens their enmity).
    """
    setup = context.setup
    if not setup.params.cooperation.enabled:
        return {"met": np.zeros_like(world.met)}
    trust, transparency, met = _cooperate(
        world, setup, context.draws, world.trust, world.transparency
    )
    if met is None:
        met = np.zeros_like(world.met)
    return {"trust": trust, "transparency": transparency, "met": met}


def _signal(
    world: World, setup: Setup, draws: Draws, sent: Signals
) -> dict[str, np.ndarray]:
    """The signaling phase; work on silence or on no CBM is skipped (it adds 0).

    ``provocation`` is the hostility per year each state read from the others'
    signals, ``pi p^_ki`` (:mod:`sim.dynamics.hostility`).
    """
    sig, dip, dt = setup.params.signaling, setup.diplomacy, setup.dt_years
    hotline, notified = cbms_in_force(setup, world.step)
    credit = fade(world.signal_credit, sig.credit_decay_per_year, dt)
    pledge = fade(world.pledge, sig.pledge_decay_per_year, dt)
    seen = 0.0  # pressure as read: none unless a signal was sent
    misreading, misread_step = world.misreading, world.misread_step
    if sent.exercise.any() or sent.patrol.any() or sent.declaration.any():
        exercise, patrol, declaration = sent.exercise, sent.patrol, sent.declaration
        gained = signaling.reassurance(exercise, patrol, declaration, dip.claim, sig)
        credit = credit + held(sig.credit_decay_per_year, dt) * gained
        staked = sig.declaration_stake_per_year * declaration
        pledge = pledge + held(sig.pledge_decay_per_year, dt) * staked
        felt = signaling.pressure(
            exercise, patrol, declaration, dip.claim, world.hostility, notified, sig
        )
        sigma = signaling.misperception_scale(
            world.trust, world.transparency, notified, sig.perception_noise
        )
        seen, misreading, misread_step = _read(felt, sigma, world, setup, draws)
    agreed = hotline | notified
    trust = world.trust
    if agreed.any():
        trust = signaling.build_trust(trust, agreed, sig, dt)
    provocation = sig.provocation_per_year * seen
    return {
        "provocation": np.broadcast_to(provocation, world.hostility.shape).copy(),
        "trust": trust,
        "signal_credit": credit,
        "pledge": pledge,
        "misreading": misreading,
        "misread_step": misread_step,
    }


def _read(
    felt: np.ndarray, sigma: np.ndarray, world: World, setup: Setup, draws: Draws
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pressure as read, and the readers' errors, moved only where some is felt.

    Returns:
        The pressure as read, and ``misreading`` and ``misread_step`` updated.
    """
    r, k, i = where_true(felt)
    fresh = draws.normal_at(Stream.SIGNALING, r, k * felt.shape[1] + i)
    last = world.misread_step[r, k, i]
    years_since = np.where(last < 0, np.inf, (world.step - last) * setup.dt_years)
    misreading, misread_step = world.misreading.copy(), world.misread_step.copy()
    misreading[r, k, i] = signaling.misread(
        world.misreading[r, k, i],
        fresh,
        years_since,
        setup.params.signaling.misreading_memory_years,
    )
    misread_step[r, k, i] = world.step
    seen = np.zeros_like(felt)
    seen[r, k, i] = signaling.read(felt[r, k, i], sigma[r, k, i], misreading[r, k, i])
    return seen, misreading, misread_step


def _cooperate(
    world: World,
    setup: Setup,
    draws: Draws,
    trust: np.ndarray,
    transparency: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Half the step's memory drift, relief and forum meetings, the other half.

    The events fall mid-step on average, so half the drift (and erosion by
    crises) comes before them and half after: drift applied whole before them
    would leave the events of a longer step less faded at its end, and trust
    would then hang on the step length. Returns trust, transparency and who met.
    """
    coop, dip, dt = setup.params.cooperation, setup.diplomacy, setup.dt_years
    u = draws.uniform(Stream.COOPERATION, (len(dip.allies),))
    strain = world.mean_rung / WAR

    def drift(
        trust: np.ndarray, transparency: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        return (
            cooperation.remember_trust(
                trust, setup.conflict.trust, strain, coop, dt / 2
            ),
            cooperation.remember(
                transparency, setup.conflict.transparency, coop, dt / 2
            ),
        )

    trust, transparency = drift(trust, transparency)
    hit = cooperation.disasters(u, coop.disaster_rate_per_year, dt)
    for step, struck in dip.disaster_injects:
        if step == world.step:
            hit = hit + struck[None]
    trust, transparency, relief = cooperation.cooperate(
        trust,
        transparency,
        cooperation.relief_teams(hit, setup.conflict.capital_distance_km, trust, coop),
        coop.relief_trust_gain,
        coop.relief_transparency_gain,
        world.hostility,
    )
    forums = dip.forum_members & dip.forum_meetings.at(world.step)[:, None]
    trust, transparency, forum = cooperation.cooperate(
        trust,
        transparency,
        cooperation.in_every_world(forums[forums.any(axis=1)], len(trust)),
        coop.forum_trust_gain,
        coop.forum_transparency_gain,
        world.hostility,
    )
    met = forum if relief is None else relief if forum is None else relief + forum
    return *drift(trust, transparency), met


def _restrict_signaling(scenario: Scenario, keep: frozenset[str]) -> dict:
    """Signals of kept senders to kept partners, CBMs and rivalries among kept states.

    A signal keeps its partners among the kept states; an exercise or
    declaration left with none is dropped.
    """
    signals = tuple(
        replace(s, partners=tuple(p for p in s.partners if p in keep))
        for s in scenario.signals
        if s.state in keep and (s.kind == "patrol" or keep.intersection(s.partners))
    )
    return {
        "signals": signals,
        "cbms": among(scenario.cbms, keep),
        "rivalries": among(scenario.rivalries, keep),
    }


def _restrict_forums(scenario: Scenario, keep: frozenset[str]) -> dict:
    """Forums with their kept members; a forum left with fewer than two is dropped."""
    return {"forums": groups_among(scenario.forums, keep)}


SIGNALING = Step(
    name="signaling",
    run=_signaling_run,
    params="signaling",
    owns=(
        Field(
            "provocation",
            "Hostility per year i read from j's signals this step, (R, N, N).",
        ),
        Field(
            "signal_credit",
            "Credibility credit of j's commitment to i earned by j's signals "
            "(:mod:`sim.dynamics.signaling`), (R, N, N).",
        ),
        Field(
            "pledge",
            "Audience cost i has staked by public pledges to j, stake units, "
            "(R, N, N).",
        ),
        Field("trust", "Trust of i in j, 0..1, (R, N, N)."),
        Field(
            "misreading",
            "The standard normal error with which i last read j's signals; it "
            "persists (:func:`sim.dynamics.signaling.misread`), (R, N, N).",
        ),
        Field(
            "misread_step",
            "Step at which i last read j's signals, -1 if never, (R, N, N) int.",
        ),
    ),
    initial=_signaling_initial,
    randoms=(
        RandomUse(
            Stream.SIGNALING,
            "normal",
            "k*N + i, where k feels pressure from i",
            "the fresh part of k's error in reading i's signals",
        ),
    ),
    restrict=_restrict_signaling,
)

COOPERATION = Step(
    name="cooperation",
    run=_cooperation_run,
    params="cooperation",
    owns=(
        Field("transparency", "How readable each state is to others, 0..1, (R, N)."),
        Field(
            "met",
            "How many reliefs and forum meetings each pair took part in "
            "together this step, (R, N, N) int.",
        ),
    ),
    writes=("trust",),
    initial=_cooperation_initial,
    randoms=(
        RandomUse(Stream.COOPERATION, "uniform", "i", "a disaster strikes state i"),
    ),
    restrict=_restrict_forums,
)
