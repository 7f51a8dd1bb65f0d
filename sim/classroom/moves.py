"""A team's move: what a student may choose in a turn, and the rules it must obey.

A move is a plain, JSON-able dict (it is logged as given)::

    {"budget_change_pct": 5.0,            # change of spending, percent
     "posture": 0.7,                       # 0 restraint .. 1 forward
     "exercise": {"JPN": 1.0},             # signals, levels in [0, 1]
     "patrol": {"taiwan_strait": 0.5},
     "declaration": {"JPN": 1.0},
     "crisis": {"CHN": "hold"},            # back_down, hold or escalate
     "cbm": {"CHN": "hotline"}}            # offer a confidence-building measure

Every key is optional; what a move leaves out follows the default doctrine (the
advice shown to the team). States and theaters may be named in any case
(``{"crisis": {"chn": "hold"}}``), as in the terminal: :func:`canonical_move`
spells them as the scenario does, so the game log keeps its ids.
:func:`check_move` turns a move into the choice the policy hook applies
(:class:`sim.model.Policy`), or raises :class:`MoveError` with a message a
student can act on.

The rules, and where they come from:

- **Budget.** Spending may change in one turn only as much as the region's
  budgets changed in a year in the record, scaled to the turn:
  ``(1 + q_lo)**dt - 1 <= change <= (1 + q_hi)**dt - 1`` with ``q_lo`` and
  ``q_hi`` the 2.5% and 97.5% quantiles of the yearly real changes of SIPRI
  spending (constant US$) of the scenario's states, 1991-2024
  (``scenarios/data/milex.csv``; about -13% and +24% a year, so about -3% and
  +6% a quarter). It may never exceed ``max_share_gdp`` x GDP either.
- **Signals** (exercise, declaration) go only to partners in an alliance
  whose kind implies cooperation (:data:`COOPERATIVE_KINDS`): a non-aggression
  pact promises restraint, not joint drills or pledges (a modelling choice).
  The tie must stand now: a pair whose tie a treaty change ended (an
  instructor's ``treaty_change`` to 0) is no longer partners, though the
  scenario's ``[[alliance]]`` still names them (:func:`signal_partners`).
- **Crisis actions** only toward a state in a crisis under way with the team,
  and escalation only where the engine would play it
  (:func:`sim.dynamics.crisis_chain.escalation_open`): from rung ``k`` a state
  escalates when ``k + 1 <= threshold`` (the highest rung it climbs to first),
  or in reply when the opponent took the crisis to ``k``. Elsewhere the engine
  would turn the order into a hold, so the move is refused and says why
  (:func:`crisis_actions` lists the actions open). An order is played at every
  moment of decision of the turn; a turn may have none.

A move read back from a game log (``replay=True``) skips the three checks added
after logs were first written, the tie standing now, escalation past the
threshold and a CBM in force already, so an older log replays as it was
played: the engine then held instead of a closed escalation, applied signals
to any state sharing an ``[[alliance]]``, and counted a CBM from its first
agreement (the session adds no second entry for it).
"""

import functools
import math
from typing import Any

import numpy as np
import pandas as pd

from sim import choices
from sim.dynamics.arms_race import budget_cap
from sim.dynamics.crisis_chain import escalation_open
from sim.dynamics.crisis_decision import ACTIONS
from sim.dynamics.escalation import RUNGS, WAR
from sim.dynamics.signaling import CBM_KINDS, SIGNAL_KINDS
from sim.errors import InputError
from sim.model import RegionModel
from sim.scenario import bundled_dir

MOVE_KEYS = ("budget_change_pct", "posture", *SIGNAL_KINDS, "crisis", "cbm")
COOPERATIVE_KINDS = (
    "defense_treaty",
    "strategic_partnership",
    "consultation",
    "dialogue_forum",
)
"""Alliance kinds whose partners may exercise together or pledge to each other."""
_COOPERATIVE_WORDS = (
    "defense treaty, strategic partnership, consultation pact or dialogue forum "
    "(a non-aggression pact does not count)"
)
"""The alliance kinds a pair must share to exercise or pledge, as a student reads
them: :data:`COOPERATIVE_KINDS`, and the kind of :data:`sim.scenario.ALLIANCE_KINDS`
left out."""
BUDGET_RECORD = "data/milex.csv"
"""The spending record (under ``scenarios/``) that bounds a turn's budget change."""
NO_CLIMBING = (
    "in this game no crisis climbs above its first rung, a diplomatic protest "
    "(the scenario switches escalation off)"
)
"""What a student is told when the scenario's escalation is off (the engine
then holds every crisis at its first rung; ``enabled = false``)."""


class MoveError(InputError):
    """A move the rules forbid; the message says why and what is allowed."""


def check_move(
    model: RegionModel, state: str, move: Any, *, replay: bool = False
) -> dict[str, Any]:
    """Check a team's move against the rules and translate it for the policy hook.

    Args:
        model: The game's model at the turn being played.
        state: The team's state id.
        move: The move (see the module docstring).
        replay: The move is read back from a game log: skip the checks an
            older log's moves were not held to (see the module docstring).

    Returns:
        The policy's choice: any of ``milex_usd_m``, ``posture``, ``crisis``,
        ``exercise``, ``patrol``, ``declaration``.

    Raises:
        MoveError: For an unknown key, a budget change beyond the turn's
            bounds (:func:`budget_range`), a posture outside [0, 1], a crisis
            action toward a state with no crisis under way (or at war), an
            escalation closed by the state's threshold, a signal to a state
            that is no cooperative ally (or whose tie was ended) or to an
            unknown theater, a CBM with an unknown state or of unknown kind
            or already in force between the two (:func:`cbm_in_force`), or a
            state or theater named twice in one table
            (:func:`canonical_move`).
    """
    if not isinstance(move, dict):
        raise MoveError(f"{state}: a move is a table of choices, not {move!r}")
    move = canonical_move(model, state, move)
    unknown = sorted(set(move) - set(MOVE_KEYS))
    if unknown:
        raise MoveError(
            f"{state}: unknown choice(s) {', '.join(unknown)}; a move may set "
            f"{', '.join(MOVE_KEYS)}"
        )
    choice: dict[str, Any] = {}
    if "budget_change_pct" in move:
        choice["milex_usd_m"] = _budget(model, state, move["budget_change_pct"])
    if "posture" in move:
        posture = move["posture"]
        if not (_is_number(posture) and 0.0 <= posture <= 1.0):
            raise MoveError(
                f"{state}: posture {posture!r} is not allowed; choose a number "
                "from 0 (restraint) to 1 (forward)"
            )
        choice["posture"] = float(posture)
    if "crisis" in move:
        choice["crisis"] = _crisis(model, state, move["crisis"], replay=replay)
    signals = {k: move[k] for k in SIGNAL_KINDS if k in move}
    _cooperative_partners_only(model, state, signals, replay=replay)
    _levels_from_0_to_1(state, signals)
    if signals:
        i = model.spec.state_index(state)
        try:
            choices.check_choice(model.world, model.setup, i, signals, actor=state)
        except choices.ChoiceError as err:
            raise MoveError(str(err)) from err
        choice |= signals
    if "cbm" in move:
        for partner, kind in cbm_offers(model, state, move["cbm"]):
            since = None if replay else cbm_in_force(model, state, partner, kind)
            if since is not None:
                raise MoveError(
                    f"{state}: a {kind} between {state} and {partner} is in force "
                    f"already, since {_when(model, since)}; offer another measure "
                    "or another state"
                )
    return choice


def canonical_id(name: Any, names: list[str] | tuple[str, ...]) -> Any:
    """``name`` as the one id among ``names`` it is in any case, else as it is.

    An exact match wins; a name that matches none (or, in a scenario whose ids
    differ only in case, several) is returned unchanged for the check to refuse.
    """
    if not isinstance(name, str) or name in names:
        return name
    matches = [n for n in names if n.casefold() == name.casefold()]
    return matches[0] if len(matches) == 1 else name


def canonical_move(model: RegionModel, state: str, move: Any) -> Any:
    """``move`` with its states and theaters spelled as the scenario spells them.

    The partners of ``exercise``, ``declaration``, ``crisis`` and ``cbm`` and the
    theaters of ``patrol`` may be given in any case (:func:`canonical_id`); the
    rest of the move, and anything not a table, is returned as it is.

    Raises:
        MoveError: One table names a state or theater twice (``"CHN"`` and
            ``"chn"``).
    """
    if not isinstance(move, dict):
        return move
    states = model.spec.state_ids
    theaters = [t.id for t in model.spec.theaters]
    out = dict(move)
    for key in (*SIGNAL_KINDS, "crisis", "cbm"):
        table = move.get(key)
        if not isinstance(table, dict):
            continue
        spelled: dict[Any, Any] = {}
        given: dict[Any, Any] = {}
        for name, value in table.items():
            canon = canonical_id(name, theaters if key == "patrol" else states)
            if canon in spelled:
                raise MoveError(
                    f"{state}: {key} names {canon} twice ({given[canon]!r} and "
                    f"{name!r}); name each once"
                )
            spelled[canon], given[canon] = value, name
        out[key] = spelled
    return out


def cbm_offers(model: RegionModel, state: str, offers: Any) -> list[tuple[str, str]]:
    """The ``(partner, kind)`` CBM offers of a move, checked."""
    ids = model.spec.state_ids
    if not isinstance(offers, dict):
        raise MoveError(f'{state}: cbm is a table of state -> kind, e.g. {{"CHN": '
                        f'"hotline"}}, not {offers!r}')  # fmt: skip
    for partner, kind in offers.items():
        if partner not in ids or partner == state:
            raise MoveError(
                f"{state}: cannot offer a CBM to {partner!r}; choose another "
                f"state: {', '.join(i for i in ids if i != state)}"
            )
        if kind not in CBM_KINDS:
            raise MoveError(
                f"{state}: {kind!r} is not a confidence-building measure; choose "
                f"one of {', '.join(CBM_KINDS)}"
            )
    return list(offers.items())


def cbm_in_force(
    model: RegionModel, state: str, partner: str, kind: str
) -> float | None:
    """The year since which a ``kind`` CBM is in force between two states, or None.

    In force now: the scenario's ``[[cbm]]`` of that kind and pair (those agreed
    in play included) from a year whose step is the current one or earlier; the
    earliest such year, as the model counts it from the earliest.
    """
    spec, pair = model.spec, {state, partner}
    years = [
        c.year
        for c in spec.cbms
        if c.kind == kind
        and set(c.parties) == pair
        and spec.step_of(c.year) <= model.world.step
    ]
    return min(years, default=None)


def _when(model: RegionModel, year: float) -> str:
    """A year as a message names it, with its turn if it is one of the game's."""
    step = model.spec.step_of(year)
    return f"{year:g} (turn {step})" if step >= 0 else f"{year:g}, before the game"


def signal_partners(
    model: RegionModel, state: str, *, as_scenario: bool = False
) -> list[str]:
    """States ``state`` may exercise with or pledge to now.

    Those sharing an ``[[alliance]]`` of a cooperative kind
    (:data:`COOPERATIVE_KINDS`) whose tie stands now: a pair whose tie a
    treaty change ended (the world's tie 0 where the scenario's was above 0)
    is left out until a tie grows again. ``as_scenario``: every cooperative
    ally the scenario names, ended or not.
    """
    partners = {
        m
        for a in model.spec.alliances
        if a.kind in COOPERATIVE_KINDS and state in a.members
        for m in a.members
        if m != state and m in model.spec.state_ids
    }
    if not as_scenario:
        partners -= set(ended_ties(model, state))
    return [s for s in model.spec.state_ids if s in partners]


def ended_ties(model: RegionModel, state: str) -> list[str]:
    """States whose tie with ``state`` was ended in play: 0 now, above 0 at the start.

    Only a treaty change lowers a tie (balancing adds to ties), so these are
    the allies an instructor's ``treaty_change`` to 0 cut off.
    """
    i, ids = model.spec.state_index(state), model.spec.state_ids
    now, start = model.world.tie[0, i], model.setup.conflict.tie[i]
    return [ids[j] for j in np.flatnonzero((now <= 0) & (start > 0)) if j != i]


def _cooperative_partners_only(
    model: RegionModel, state: str, signals: dict[str, Any], *, replay: bool = False
) -> None:
    """Refuse an exercise or declaration with a state that is no cooperative ally."""
    partners = signal_partners(model, state, as_scenario=replay)
    ended = ended_ties(model, state)
    for kind in ("exercise", "declaration"):
        table = signals.get(kind)
        if not isinstance(table, dict):
            continue  # the engine's check names the bad shape
        for partner in table:
            if partner in partners:
                continue
            if partner in ended:
                raise MoveError(
                    f"{state}: no {SIGNAL_LABELS[kind]} {partner!r}: the tie of "
                    f"{state} and {partner} was ended by a treaty change (it is 0 "
                    "now), so they are no longer partners; choose one of "
                    f"{', '.join(partners) or 'none'}"
                )
            raise MoveError(
                f"{state}: no {SIGNAL_LABELS[kind]} {partner!r}: it is not a "
                f"partner of {state}, as they share no {_COOPERATIVE_WORDS}; "
                f"choose one of {', '.join(partners) or 'none'}"
            )


@functools.cache
def yearly_change_bounds() -> tuple[float, float]:
    """The 2.5% and 97.5% quantiles of yearly real spending changes (fractions).

    Over every state and year of ``scenarios/data/milex.csv`` from 1991 on
    (SIPRI, constant US$): the range within which 95% of the region's yearly
    budget changes fell.
    """
    record = pd.read_csv(bundled_dir() / BUDGET_RECORD)
    record = record[record["year"] >= 1990].sort_values(["iso3", "year"])
    spending = record.groupby("iso3")["milex_usd_constant_or_current"]
    change = spending.pct_change().dropna()
    lo, hi = change.quantile([0.025, 0.975])
    return float(lo), float(hi)


def budget_change_bounds_pct(dt_years: float) -> tuple[float, float]:
    """The least and most a budget may change in one turn of ``dt_years``, percent."""
    lo, hi = yearly_change_bounds()
    return 100 * ((1 + lo) ** dt_years - 1), 100 * ((1 + hi) ** dt_years - 1)


def shown_change_range(lo: float, hi: float) -> tuple[float, float]:
    """A range of budget changes, percent, rounded inward to the 0.1 shown.

    Both ends as shown are allowed: a most of +5.575% shows as +5.5%, not
    +5.6%, so a team that types the end it was shown is not refused.
    """
    return math.ceil(10 * lo) / 10, math.floor(10 * hi) / 10


def budget_range(model: RegionModel, state: str) -> tuple[float, float]:
    """The spending a team may choose this turn, US$ m per year: (least, most)."""
    agent = model.agent(state)
    lo, hi = budget_change_bounds_pct(model.setup.dt_years)
    cap = float(max_budget(model)[agent.index])
    return agent.milex * (1 + lo / 100), min(agent.milex * (1 + hi / 100), cap)


def _budget(model: RegionModel, state: str, change_pct: Any) -> float:
    """Next turn's spending, US$ m, for a change in percent; within the bounds."""
    if not (_is_number(change_pct) and math.isfinite(change_pct)):
        raise MoveError(f"{state}: budget change {change_pct!r} is not a number")
    agent = model.agent(state)
    milex = agent.milex * (1.0 + change_pct / 100.0)
    least, most = budget_range(model, state)
    if not least <= milex <= most:
        cap = float(max_budget(model)[agent.index])
        reason = (
            f"beyond {state}'s means (at most {budget_cap_words(model, state)})"
            if milex > cap
            else "more than budgets in the region change in a turn"
        )
        lo, hi = shown_change_range(
            *(100.0 * (x / agent.milex - 1.0) for x in (least, most))
        )
        raise MoveError(
            f"{state}: a budget change of {change_pct:+g}% is {reason}; choose "
            f"from {lo:+.1f}% to {hi:+.1f}% this turn (the 95% range of yearly "
            "changes in the SIPRI record, scaled to the turn)"
        )
    return float(milex)


def budget_cap_words(model: RegionModel, state: str) -> str:
    """A state's budget cap as a student reads it: its share of GDP, in US$ bn.

    E.g. ``10% of GDP, 2,747.3 US$ bn a year`` (the scenario's
    ``max_share_gdp`` times the state's GDP now).
    """
    i = model.agent(state).index
    cap = float(max_budget(model)[i])
    return f"{cap / model.world.gdp[0, i]:.0%} of GDP, {cap / 1000:,.1f} US$ bn a year"


def max_budget(model: RegionModel) -> np.ndarray:
    """Each state's budget cap, US$ m per year, (N,): ``max_share_gdp * gdp``."""
    share = model.setup.params.arms_race.max_share_gdp
    return np.broadcast_to(budget_cap(model.world.gdp[0], share), (len(model.states),))


def crisis_actions(model: RegionModel, state: str) -> dict[str, list[str]]:
    """The crisis actions open to ``state`` now, toward each opponent of a crisis.

    Every crisis under way with the state (rungs 1 to one below war), in the
    order of the scenario's states; back down and hold always, escalate where
    :func:`may_escalate`.
    """
    i, ids = model.spec.state_index(state), model.spec.state_ids
    rung = model.world.rung[0, i]
    return {
        ids[j]: [
            a for a in ACTIONS if a != "escalate" or may_escalate(model, state, ids[j])
        ]
        for j in np.flatnonzero((rung > 0) & (rung < WAR))
    }


def threshold(model: RegionModel, state: str) -> int:
    """The state's threshold: the highest rung it climbs to first."""
    n = len(model.spec.state_ids)
    thresholds = np.broadcast_to(model.setup.conflict.threshold, (n,))
    return int(thresholds[model.spec.state_index(state)])


def may_escalate(model: RegionModel, state: str, opponent: str) -> bool:
    """Whether ``state`` may escalate against ``opponent`` from their rung now.

    The engine's own rule (:func:`~sim.dynamics.crisis_chain.escalation_open`,
    docs/crisis_game.md "Thresholds"): from rung ``k``, when ``k + 1 <=
    threshold``, or in reply when the opponent took the crisis to ``k``
    (its highest climb is ``k``). Elsewhere an order to escalate is played as
    a hold.
    """
    ids = model.spec.state_ids
    i, j = ids.index(state), ids.index(opponent)
    rung = int(model.world.rung[0, i, j])
    in_reply = int(model.world.crises.climbed[0, j, i]) == rung
    return bool(
        escalation_open(
            np.asarray(rung),
            np.asarray(threshold(model, state)),
            np.asarray(in_reply),
            WAR,
            model.setup.params.escalation.enabled,
        )
    )


def _closed_escalation(model: RegionModel, state: str, opponent: str) -> str:
    """Why ``state`` may not escalate against ``opponent`` now, for a student."""
    ids = model.spec.state_ids
    rung = int(model.world.rung[0, ids.index(state), ids.index(opponent)])
    here = f"rung {rung} ({words(RUNGS[rung])})"
    if not model.setup.params.escalation.enabled:
        return (
            f"{state}: escalate toward {opponent} is not open: {NO_CLIMBING}; "
            "choose hold or back down"
        )
    theta = threshold(model, state)
    return (
        f"{state}: escalate toward {opponent} is not open at {here}: {state}'s "
        f"threshold is rung {theta} ({words(RUNGS[theta])}), the "
        f"highest rung it climbs to first; from rung k it may escalate only if "
        f"k + 1 <= {theta}, or in reply when {opponent} took the crisis to rung "
        f"k, and {opponent} did not take it to {words(RUNGS[rung])}. "
        "The order would be played as hold: choose hold or back down (holding "
        f"against an escalation climbs too; once {opponent} takes the crisis "
        f"higher, {state} may escalate in reply)"
    )


def _crisis(
    model: RegionModel, state: str, actions: Any, *, replay: bool = False
) -> dict[str, str]:
    """Crisis actions, each toward a state with a crisis under way, each open."""
    if not isinstance(actions, dict):
        raise MoveError(f'{state}: crisis is a table of opponent -> action, e.g. '
                        f'{{"CHN": "hold"}}, not {actions!r}')  # fmt: skip
    ids = model.spec.state_ids
    i = model.spec.state_index(state)
    for opponent, action in actions.items():
        if opponent not in ids or opponent == state:
            raise MoveError(f"{state}: {opponent!r} is not another state of the game")
        if not isinstance(action, str) or action not in ACTIONS:
            raise MoveError(
                f"{state}: {action!r} is not a crisis action; choose one of "
                f"{', '.join(ACTIONS)}"
            )
        rung = int(model.world.rung[0, i, ids.index(opponent)])
        if rung == 0:
            raise MoveError(
                f"{state}: {action!r} toward {opponent} is not allowed at rung 0 "
                f"({RUNGS[0]}): no crisis is under way between them; crisis "
                f"actions are for rungs 1 to {WAR - 1}"
            )
        if rung == WAR:
            raise MoveError(
                f"{state}: {action!r} toward {opponent} is not allowed at rung "
                f"{WAR} ({RUNGS[WAR]}): war has ended all crisis choice"
            )
        if action == "escalate" and not (
            replay or may_escalate(model, state, opponent)
        ):
            raise MoveError(_closed_escalation(model, state, opponent))
    return dict(actions)


def _levels_from_0_to_1(state: str, signals: dict[str, Any]) -> None:
    """Refuse a signal level outside 0..1, naming the signal as the team's form does.

    The engine's own check (:func:`sim.choices.check_choice`) names the choice's
    key (``declaration``), which the form calls a public pledge.
    """
    for kind in SIGNAL_KINDS:
        table = signals.get(kind)
        if not isinstance(table, dict):
            continue  # the engine's check names the bad shape
        for key, level in table.items():
            if not (_is_number(level) and 0.0 <= level <= 1.0):
                raise MoveError(
                    f"{state}: {SIGNAL_LABELS[kind]} {words(key)} at level "
                    f"{level!r} is not allowed; choose a level from 0 to 1"
                )


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def describe_odds(odds: dict[str, float]) -> str:
    """The doctrine's strategy in a crisis in words, likeliest first.

    E.g. ``hold 62%, escalate 30%, back down 8%`` from ``{"back_down": 0.08,
    "hold": 0.62, "escalate": 0.30}``.
    """
    ranked = sorted(odds.items(), key=lambda item: -item[1])
    return ", ".join(f"{words(action)} {p:.0%}" for action, p in ranked)


SIGNAL_LABELS = {
    "exercise": "exercise with",
    "patrol": "patrol in",
    "declaration": "public pledge to",
}
"""Each signal of a move as the team's form names it."""


def describe_move(move: dict[str, Any]) -> str:
    """A move in the words of the team's form, ids as words.

    E.g. ``budget +5%; patrol in taiwan strait (level 0.5); crisis with PHL:
    back down; hotline offered to CHN``.
    """
    parts = []
    if "budget_change_pct" in move:
        parts.append(f"budget {move['budget_change_pct']:+g}%")
    if "posture" in move:
        parts.append(f"posture {move['posture']:g}")
    for kind in SIGNAL_KINDS:
        parts += [
            f"{SIGNAL_LABELS[kind]} {words(k)} (level {v:g})"
            for k, v in move.get(kind, {}).items()
        ]
    parts += [f"crisis with {k}: {words(v)}" for k, v in move.get("crisis", {}).items()]
    parts += [f"{v} offered to {k}" for k, v in move.get("cbm", {}).items()]
    return "; ".join(parts)


def words(name: str) -> str:
    """An id as words: ``show_of_force`` -> ``show of force``."""
    return name.replace("_", " ")
