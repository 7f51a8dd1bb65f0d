"""Team briefings: what each team must know before the first turn.

A seminar game starts with a read-ahead per player cell (the "player
handbook" of a RAND-style seminar game, the role cards of a matrix game, the
persona briefs of IQT Labs' Snow Globe). :func:`briefing` writes one per team
from the scenario and the model, so it is never out of step with the rules:

- **objectives** and **interests**: the scenario's text where it gives some
  (see below), else defaults from the scenario's disputes and rivalries;
- **alliances**: every ``[[alliance]]`` of the state, its kind and the
  commitment strength that kind carries in the model (how much of an ally's
  power counts in a crisis), and whether the team may exercise with or pledge
  to its members (:data:`sim.classroom.moves.COOPERATIVE_KINDS`) as the ties
  stand now (a tie ended by a treaty change is said so);
- **red lines**: the rung it climbs to first (its ``threshold``), when it may
  escalate (up to it, or in reply), and the rules of the turn (crises only
  where one is under way, orders played at each moment of decision of the
  turn, of which there may be none);
- **odds and costs**: for every rival in every theater where they are at odds,
  the local balance (each side's projected power plus its allies', as the
  crisis decision counts it, :mod:`sim.dynamics.crisis_decision`), the chance to
  prevail at a show of force and at major war by the contest success function,
  ``p = P_i^(m k) / (P_i^(m k) + P_j^(m k))``, and the cost of standing at each
  rung, ``c_k = C (k / K)^e`` in units of the stake.

The scenario may give its own text in a sidecar file beside it,
``NAME.briefings.toml`` (data only, read with :mod:`tomllib`)::

    [USA]
    objectives = ["Keep the US-Japan and US-Philippines alliances credible."]
    interests = ["Freedom of navigation in the South China Sea."]
    red_lines = ["No Chinese blockade of Taiwan."]

Every key is optional; a state the file leaves out gets the defaults. The file
is read and checked once, when the game is created
(:mod:`sim.classroom.briefing_texts`, from
:class:`~sim.classroom.session.GameSession`): a bad one is refused then, with
the file and key named, before any log is written.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from sim import conflict, engine
from sim.classroom.moves import (
    COOPERATIVE_KINDS,
    NO_CLIMBING,
    budget_cap_words,
    budget_change_bounds_pct,
    ended_ties,
    shown_change_range,
    signal_partners,
    threshold,
)
from sim.classroom.news import place, words
from sim.dynamics.crisis_decision import prevail_chance, rung_cost
from sim.dynamics.escalation import RUNGS, WAR

if TYPE_CHECKING:
    from sim.classroom.session import GameSession

SHOW_OF_FORCE = RUNGS.index("show_of_force")


@dataclass(frozen=True)
class Odds:
    """The local balance between a team and one rival in one theater.

    Attributes:
        rival: The rival's id.
        theater: The theater's id.
        own_power_usd_m: The team's power there with its allies, US$ m.
        rival_power_usd_m: The rival's, with its allies, US$ m.
        chance_show_of_force: Chance to prevail at a show of force.
        chance_war: Chance to prevail at major war.
    """

    rival: str
    theater: str
    own_power_usd_m: float
    rival_power_usd_m: float
    chance_show_of_force: float
    chance_war: float


@dataclass(frozen=True)
class Briefing:
    """One team's briefing (see the module docstring)."""

    state: str
    name: str
    objectives: tuple[str, ...]
    interests: tuple[str, ...]
    alliances: tuple[str, ...]
    red_lines: tuple[str, ...]
    odds: tuple[Odds, ...]
    costs: tuple[str, ...]
    moves: tuple[str, ...]


def briefing(game: "GameSession", team: str) -> Briefing:
    """The briefing of one team at the game's current turn."""
    spec = game.model.spec
    state = spec.states[spec.state_index(team)]
    text = game.briefing_texts.get(team, {})
    odds = tuple(crisis_odds(game, team))
    rivals = sorted({o.rival for o in odds})
    return Briefing(
        state=team,
        name=state.name,
        objectives=tuple(text.get("objectives", _default_objectives(team, rivals))),
        interests=tuple(text.get("interests", _default_interests(game, team))),
        alliances=tuple(_alliances(game, team)),
        red_lines=tuple(text.get("red_lines", ())) + tuple(_rules(game, team)),
        odds=odds,
        costs=tuple(_costs(game, team)),
        moves=tuple(_moves(game, team)),
    )


def crisis_odds(game: "GameSession", team: str) -> list[Odds]:
    """The local balance against each rival in each theater where they are at odds.

    A rival is the other party of a ``[[dispute]]`` (in its theater) or of a
    ``[[rivalry]]`` (in the theaters of either rival's disputes).
    """
    model, spec = game.model, game.model.spec
    theaters = [t.id for t in spec.theaters]
    disputed: dict[str, list[str]] = {}
    for d in spec.disputes:
        for party in d.parties:
            disputed.setdefault(party, []).append(d.theater)
    pairs = [
        (_other(d.parties, team), d.theater) for d in spec.disputes if team in d.parties
    ]
    for r in spec.rivalries:
        if team in r.parties:
            rival = _other(r.parties, team)
            where = disputed.get(team, []) + disputed.get(rival, [])
            pairs += [(rival, t) for t in where]
    pairs = list(dict.fromkeys(pairs))
    if not pairs:
        return []
    world, setup = model.world, model.setup
    projected = conflict.theater_power(world, setup, engine.denial_met(world, setup)[0])
    i = spec.state_index(team)
    rivals = np.array([spec.state_index(r) for r, _ in pairs])
    where = np.array([theaters.index(t) for _, t in pairs])
    zeros, mine = np.zeros(len(pairs), dtype=int), np.full(len(pairs), i)
    alli = setup.params.alliances
    own = conflict.side_power(world, projected, (zeros, mine, rivals), where, alli)
    theirs = conflict.side_power(world, projected, (zeros, rivals, mine), where, alli)
    m = setup.params.escalation.decisiveness
    ratio = np.log(np.maximum(own, 1e-9)) - np.log(np.maximum(theirs, 1e-9))
    return [
        Odds(
            rival=rival,
            theater=theater,
            own_power_usd_m=float(own[k]),
            rival_power_usd_m=float(theirs[k]),
            chance_show_of_force=float(prevail_chance(ratio[k], SHOW_OF_FORCE, m)),
            chance_war=float(prevail_chance(ratio[k], WAR, m)),
        )
        for k, (rival, theater) in enumerate(pairs)
    ]


def _other(parties: tuple[str, ...], team: str) -> str:
    return next(p for p in parties if p != team)


def _default_objectives(team: str, rivals: list[str]) -> list[str]:
    against = f" against {', '.join(rivals)}" if rivals else ""
    return [
        f"Keep {team} secure{against} without a war you cannot win.",
        "Keep your allies confident that you will stand by them, and keep "
        "your own burden of spending bearable.",
        "Settle every crisis on terms you can defend at home: backing down "
        "after a public pledge costs you dearly.",
    ]


def _default_interests(game: "GameSession", team: str) -> list[str]:
    spec = game.model.spec
    lines = [
        f"A claim in {place(d.theater, spec.theaters)} disputed with "
        f"{_other(d.parties, team)}."
        for d in spec.disputes
        if team in d.parties
    ]
    lines += [
        f"A standing rivalry with {_other(r.parties, team)}."
        for r in spec.rivalries
        if team in r.parties
    ]
    return lines or ["No territorial dispute: your interest is a stable region."]


def _alliances(game: "GameSession", team: str) -> list[str]:
    spec, alli = game.model.spec, game.model.setup.params.alliances
    ended = set(ended_ties(game.model, team))
    lines = []
    for a in spec.alliances:
        if team not in a.members:
            continue
        others = [m for m in a.members if m != team and m in spec.state_ids]
        if not others:
            continue
        weight = getattr(alli, a.kind)
        commits = (
            f"each counts {weight:.0%} of the other's power in a crisis (times "
            "its credibility)"
            if weight > 0
            else "no help in a crisis"
        )
        cut = [m for m in others if m in ended]
        if len(cut) == len(others):
            commits = "ended by a treaty change (tie 0): no help in a crisis"
            signals = "no exercises or pledges while it stays ended"
        elif a.kind not in COOPERATIVE_KINDS:
            signals = "no joint exercises or pledges: it promises restraint only"
        elif cut:
            signals = (
                "you may exercise with and pledge to its members but "
                f"{', '.join(cut)}, whose tie with you a treaty change ended"
            )
        else:
            signals = "you may exercise with and pledge to its members"
        lines.append(
            f"{a.name} ({words(a.kind)}, since {a.since}) with "
            f"{', '.join(others)}: {commits}; {signals}."
        )
    return lines or ["No alliance: you stand alone."]


def _rules(game: "GameSession", team: str) -> list[str]:
    theta = threshold(game.model, team)
    first = words(RUNGS[theta])
    setup = game.model.setup
    rate = setup.params.escalation.decision_rate_per_year
    none = float(np.exp(-rate * setup.dt_years))
    climbing = (
        f"Your threshold is {first} (rung {theta}): the highest rung you climb "
        f"to first. From rung k you may escalate only if k + 1 <= {theta}, or "
        "in reply when your opponent took the crisis to rung k; elsewhere an "
        "order to escalate is refused (hold or back down). Holding against an "
        "escalation climbs too."
        if setup.params.escalation.enabled
        else f"{NO_CLIMBING[0].upper()}{NO_CLIMBING[1:]}: an order to escalate "
        "is refused (hold or back down)."
    )
    return [
        climbing,
        "You may act in a crisis only while one is under way with that state.",
        "A crisis order is played at every moment of decision in the turn; "
        f"these come about {rate:g} times a year at random, so a turn of "
        f"{12 * setup.dt_years:g} months has none about {none:.0%} of the time, "
        "and then your order is not played: the crisis stays where it was "
        "(unless a negotiation settles it).",
    ]


def _costs(game: "GameSession", team: str) -> list[str]:
    esc = game.model.setup.params.escalation
    return [
        f"Standing at {words(RUNGS[k])} costs "
        f"{rung_cost(np.array(k), WAR, esc.war_cost, esc.rung_cost_exponent):.2f} "
        "of the stake."
        for k in range(1, WAR + 1)
    ] + [
        "Backing down concedes the stake and costs the audience cost you built "
        "by escalating or pledging in public."
    ]


def _moves(game: "GameSession", team: str) -> list[str]:
    lo, hi = shown_change_range(*budget_change_bounds_pct(game.model.setup.dt_years))
    partners = signal_partners(game.model, team)
    return [
        f"Budget: change spending by {lo:+.1f}% to {hi:+.1f}% a turn (the 95% "
        "range of yearly changes in the SIPRI record, scaled to a turn), never "
        f"beyond {budget_cap_words(game.model, team)}.",
        "Posture: 0 restraint .. 1 forward.",
        f"Exercises and public pledges with: {', '.join(partners) or 'nobody'}.",
        "Patrols in any theater; confidence-building measures (hotline, "
        "notification) with any state: in force once both sides offer it "
        "(a state no team plays accepts).",
    ]


def as_dict(b: Briefing) -> dict[str, Any]:
    """A briefing as plain data (for a page or a file)."""
    return {
        "state": b.state,
        "name": b.name,
        "objectives": list(b.objectives),
        "interests": list(b.interests),
        "alliances": list(b.alliances),
        "red_lines": list(b.red_lines),
        "odds": [vars(o) for o in b.odds],
        "costs": list(b.costs),
        "moves": list(b.moves),
    }
