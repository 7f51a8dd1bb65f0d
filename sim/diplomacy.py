"""Signals, CBMs, cooperation and denial of extended deterrence, wired into the engine.

The pure mechanisms live in :mod:`sim.dynamics.signaling`,
:mod:`sim.dynamics.cooperation` and :mod:`sim.dynamics.a2ad`; this module turns a
scenario into the arrays they need (:class:`DiplomacySetup`), computes the
default doctrine's signals (the scenario's ``[[signal]]`` schedule,
:func:`scheduled_signals`) and runs the signaling and cooperation phases of a
step (:func:`advance_diplomacy`). Loops run only over scenario entries, theaters
and states, never over replications or dyads.

Random numbers (each a fixed element of its stream, so a policy that changes a
signal never shifts anyone's draws): reading noise ``SIGNALING`` normal at dyad
``(k, i)`` of an (N, N) draw, taken only where k feels pressure from i;
disasters ``COOPERATION`` uniform (N,).
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.dynamics import a2ad, cooperation, signaling
from sim.dynamics.indexing import where_true
from sim.dynamics.rates import fade
from sim.rng import Draws, Stream
from sim.scenario import Scenario

if TYPE_CHECKING:
    from sim.engine import Setup, World

_NEVER = np.iinfo(np.int64).max


@dataclass(frozen=True)
class Signals:
    """The signals every state sends in one step (levels in [0, 1]).

    The leading axis is R, or 1 when every replication sends the same (the
    scenario's schedule): consumers broadcast it.

    Attributes:
        exercise: ``E_ij``, i exercises with ally j, (R, N, N).
        patrol: ``F_it``, i patrols theater t, (R, N, T).
        declaration: ``D_ij``, i publicly pledges to defend ally j, (R, N, N).
    """

    exercise: np.ndarray
    patrol: np.ndarray
    declaration: np.ndarray


@dataclass(frozen=True)
class DiplomacySetup:
    """What signaling and cooperation need that stays fixed during a run.

    Attributes:
        allies: Pairs that share an ``[[alliance]]`` (who may exercise with or
            pledge to whom), (N, N) bool.
        claim: ``claim_it``, i is a party to a dispute in theater t, (N, T).
        hotline_since: Step from which each pair has a hotline, (N, N) int.
        notification_since: Step from which each pair notifies exercises, (N, N).
        capital_cover: A2/AD coverage of each capital by each state's sites,
            ``[denier k, capital i]``, (N, N).
        forum_members: Membership of each ``[[forum]]``, (F, N) bool.
        forum_every: Meeting interval of each forum in steps, (F,).
        forum_first: Step of each forum's first meeting, (F,).
        disaster_injects: Step and stricken states (N,) bool of each disaster
            inject.
    """

    allies: np.ndarray
    claim: np.ndarray
    hotline_since: np.ndarray
    notification_since: np.ndarray
    capital_cover: np.ndarray
    forum_members: np.ndarray
    forum_every: np.ndarray
    forum_first: np.ndarray
    disaster_injects: tuple[tuple[int, np.ndarray], ...]


def build_diplomacy(scenario: Scenario, params: dict) -> DiplomacySetup:
    """Resolve a scenario's alliances, disputes, signals, CBMs, forums and sites."""
    n, index = len(scenario.states), scenario.state_index
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
        first = min(since[cbm.kind][i, j], cbm.since_step)
        since[cbm.kind][i, j] = since[cbm.kind][j, i] = first
    capitals = np.array([s.capital for s in scenario.states])
    sites = [
        np.array([s.location for s in scenario.sites if s.state == state]).reshape(
            -1, 2
        )
        for state in scenario.state_ids
    ]
    site_km = a2ad.nearest_site_km(capitals, sites, capitals)
    members = np.zeros((len(scenario.forums), n), dtype=bool)
    for f, forum in enumerate(scenario.forums):
        members[f, [index(m) for m in forum.members]] = True
    disaster_injects = tuple(
        (j.step, np.isin(np.arange(n), [index(p) for p in j.parties]))
        for j in scenario.injects
        if j.kind == "disaster"
    )
    return DiplomacySetup(
        allies=allies,
        claim=claim,
        hotline_since=since["hotline"],
        notification_since=since["notification"],
        capital_cover=a2ad.coverage(site_km, params["a2ad"]),
        forum_members=members,
        forum_every=np.array([f.every_steps for f in scenario.forums], dtype=int),
        forum_first=np.array([f.first_step for f in scenario.forums], dtype=int),
        disaster_injects=disaster_injects,
    )


def initial_fields(r: int, n: int) -> dict[str, np.ndarray]:
    """The signaling fields of the world at step 0: no credit, no pledges."""
    return {"signal_credit": np.zeros((r, n, n)), "pledge": np.zeros((r, n, n))}


def scheduled_signals(setup: "Setup", step: int) -> Signals:
    """The default doctrine's signals: the scenario's ``[[signal]]`` schedule.

    The schedule is the same in every replication, so the arrays have a leading
    axis of 1. An exercise is joint: every pair of its participants (sender and
    partners) drills together. Where several entries overlap the highest level
    counts. With signaling off, every level is 0.
    """
    scenario = setup.scenario
    n, n_theaters = len(scenario.states), len(scenario.theaters)
    enabled = setup.params["signaling"].enabled
    index = scenario.state_index
    theater = {t.id: k for k, t in enumerate(scenario.theaters)}
    exercise, patrol, declaration = (
        np.zeros((n, n)),
        np.zeros((n, n_theaters)),
        np.zeros((n, n)),
    )
    for s in scenario.signals if enabled else ():
        ended = s.end_step is not None and step >= s.end_step
        if step < s.start_step or ended or (step - s.start_step) % s.every_steps:
            continue
        i = index(s.state)
        partners = [index(p) for p in s.partners]
        if s.kind == "exercise":
            group = np.ix_([i, *partners], [i, *partners])
            exercise[group] = np.maximum(exercise[group], s.level)
        elif s.kind == "patrol":
            k = theater[s.theater]
            patrol[i, k] = max(patrol[i, k], s.level)
        else:
            declaration[i, partners] = np.maximum(declaration[i, partners], s.level)
    np.fill_diagonal(exercise, 0.0)
    return Signals(exercise[None], patrol[None], declaration[None])


def cbms_in_force(setup: "Setup", step: int) -> tuple[np.ndarray, np.ndarray]:
    """Pairs with a hotline and pairs notifying exercises at ``step``, (N, N) bool."""
    if not setup.params["signaling"].enabled:
        none = np.zeros_like(setup.diplomacy.allies)
        return none, none
    dip = setup.diplomacy
    return dip.hotline_since <= step, dip.notification_since <= step


def deterrence_credibility(
    credibility: np.ndarray, world: "World", setup: "Setup", denied: np.ndarray
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


def signal_cost_usd_m(world: "World", setup: "Setup", sent: Signals) -> np.ndarray:
    """What the signals sent cost each state, US$ m per year, (R, N): ``s_i x_i``."""
    sig = setup.params["signaling"]
    if not sig.enabled:
        return np.zeros_like(world.milex)
    return signaling.sunk_cost_share(sent.exercise, sent.patrol, sig) * world.milex


def advance_diplomacy(
    world: "World", setup: "Setup", draws: Draws, sent: Signals
) -> dict[str, np.ndarray]:
    """One step of signaling then cooperation; returns the world fields that change.

    Signaling: credit and pledges grow with what was sent and fade; rivals read
    the pressure through noise and grow more hostile; CBM parties trust each other
    more (the sunk costs are :func:`signal_cost_usd_m`). Cooperation: trust and
    transparency drift back toward their start, then disaster relief and forum
    meetings raise them among participants.
    """
    fields = {
        "hostility": world.hostility,
        "trust": world.trust,
        "transparency": world.transparency,
        "signal_credit": world.signal_credit,
        "pledge": world.pledge,
    }
    if setup.params["signaling"].enabled:
        fields |= _signal(world, setup, draws, sent)
    if setup.params["cooperation"].enabled:
        fields["trust"], fields["transparency"] = _cooperate(
            world, setup, draws, fields["trust"], fields["transparency"]
        )
    return fields


def _signal(
    world: "World", setup: "Setup", draws: Draws, sent: Signals
) -> dict[str, np.ndarray]:
    """The signaling phase; work on silence or on no CBM is skipped (it adds 0)."""
    sig, dip, dt = setup.params["signaling"], setup.diplomacy, setup.dt_years
    hotline, notified = cbms_in_force(setup, world.step)
    credit = fade(world.signal_credit, sig.credit_decay_per_year, dt)
    pledge = fade(world.pledge, sig.pledge_decay_per_year, dt)
    seen = 0.0  # pressure as read: none unless a signal was sent
    if sent.exercise.any() or sent.patrol.any() or sent.declaration.any():
        exercise, patrol, declaration = sent.exercise, sent.patrol, sent.declaration
        gained = signaling.reassurance(exercise, patrol, declaration, dip.claim, sig)
        credit = credit + dt * gained
        pledge = pledge + dt * sig.declaration_stake_per_year * declaration
        felt = signaling.pressure(
            exercise, patrol, declaration, dip.claim, world.hostility, notified, sig
        )
        sigma = signaling.misperception_scale(
            world.trust, world.transparency, notified, sig.perception_noise
        )
        seen = _read(felt, sigma, draws)
    agreed = hotline | notified
    trust = world.trust
    if agreed.any():
        trust = signaling.build_trust(trust, agreed, sig, dt)
    return {
        "hostility": signaling.provoke(world.hostility, setup.hostility, seen, sig, dt),
        "trust": trust,
        "signal_credit": credit,
        "pledge": pledge,
    }


def _read(felt: np.ndarray, sigma: np.ndarray, draws: Draws) -> np.ndarray:
    """Pressure as read, drawing noise only for the dyads that feel some."""
    r, k, i = where_true(felt)
    eps = draws.normal_at(Stream.SIGNALING, r, k * felt.shape[1] + i)
    seen = np.zeros_like(felt)
    seen[r, k, i] = signaling.read(felt[r, k, i], sigma[r, k, i], eps)
    return seen


def _cooperate(
    world: "World",
    setup: "Setup",
    draws: Draws,
    trust: np.ndarray,
    transparency: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Memory drift, then disaster relief and forum meetings."""
    coop, dip, dt = setup.params["cooperation"], setup.diplomacy, setup.dt_years
    u = draws.uniform(Stream.COOPERATION, (len(dip.allies),))
    trust = cooperation.remember(trust, setup.conflict.trust, coop, dt)
    transparency = cooperation.remember(
        transparency, setup.conflict.transparency, coop, dt
    )
    hit = cooperation.disasters(u, coop.disaster_rate_per_year, dt)
    for step, struck in dip.disaster_injects:
        if step == world.step:
            hit = hit | struck[None]
    trust, transparency = cooperation.cooperate(
        trust,
        transparency,
        cooperation.relief_teams(hit, setup.conflict.capital_distance_km, trust, coop),
        coop.relief_trust_gain,
        coop.relief_transparency_gain,
    )
    forums = cooperation.meeting(
        dip.forum_members, dip.forum_every, dip.forum_first, world.step
    )
    return cooperation.cooperate(
        trust,
        transparency,
        cooperation.in_every_world(forums[forums.any(axis=1)], len(trust)),
        coop.forum_trust_gain,
        coop.forum_transparency_gain,
    )


def signal_doctrine(setup: "Setup", sent: Signals, i: int) -> dict[str, dict]:
    """State i's signals this step as a policy sees them (replication 0).

    Returns:
        ``{"exercise": {ally: level}, "patrol": {theater: level},
        "declaration": {ally: level}}`` over all of i's allies and all theaters.
    """
    ids = setup.scenario.state_ids
    allies = [j for j in range(len(ids)) if setup.diplomacy.allies[i, j]]
    return {
        "exercise": {ids[j]: float(sent.exercise[0, i, j]) for j in allies},
        "patrol": {
            t.id: float(sent.patrol[0, i, k])
            for k, t in enumerate(setup.scenario.theaters)
        },
        "declaration": {ids[j]: float(sent.declaration[0, i, j]) for j in allies},
    }


def apply_signal_choice(
    setup: "Setup", sent: Signals, i: int, choice: dict[str, object]
) -> None:
    """Write a policy's signal choices for state i into ``sent`` (replication 0).

    An exercise is joint, so choosing one with an ally sets both directions.

    Args:
        setup: The run's setup.
        sent: This step's signals, changed in place.
        i: The choosing state's index.
        choice: Any of ``exercise``, ``patrol``, ``declaration``, each a table of
            ally (or theater) id to a level in [0, 1].

    Raises:
        ValueError: Naming the state, the choice and what would be right, for a
            partner that is not an ally, an unknown theater or a bad level.
    """
    scenario = setup.scenario
    ids, me = scenario.state_ids, scenario.state_ids[i]
    theaters = [t.id for t in scenario.theaters]
    for kind in signaling.SIGNAL_KINDS:
        table = choice.get(kind, {})
        if not isinstance(table, dict):
            raise ValueError(
                f"policy of {me} chose {kind}={table!r}; expected a table of "
                f"{'theater' if kind == 'patrol' else 'ally'} -> level in [0, 1]"
            )
        for key, level in table.items():
            if kind == "patrol" and key not in theaters:
                raise ValueError(
                    f"policy of {me} chose patrol in {key!r}, which is not a "
                    f"theater; theaters: {', '.join(theaters)}"
                )
            if kind != "patrol" and not (
                key in ids and setup.diplomacy.allies[i, ids.index(key)]
            ):
                raise ValueError(
                    f"policy of {me} chose {kind} with {key!r}, which is not an ally "
                    f"of {me} (shares no [[alliance]] with it)"
                )
            ok = isinstance(level, int | float) and not isinstance(level, bool)
            if not (ok and 0.0 <= level <= 1.0):
                raise ValueError(
                    f"policy of {me} chose {kind} level {level!r} for {key}; "
                    "expected a number in [0, 1]"
                )
            if kind == "patrol":
                sent.patrol[0, i, theaters.index(key)] = level
            elif kind == "exercise":
                j = ids.index(key)
                sent.exercise[0, i, j] = sent.exercise[0, j, i] = level
            else:
                sent.declaration[0, i, ids.index(key)] = level
