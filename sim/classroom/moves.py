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
advice shown to the team). :func:`check_move` turns a move into the choice the
policy hook applies (:class:`sim.model.Policy`), or raises :class:`MoveError`
with a message a student can act on.
"""

import math
from typing import Any

import numpy as np

from sim import choices
from sim.dynamics.arms_race import budget_cap
from sim.dynamics.crisis_decision import ACTIONS
from sim.dynamics.escalation import RUNGS, WAR
from sim.dynamics.signaling import CBM_KINDS, SIGNAL_KINDS
from sim.errors import InputError
from sim.model import RegionModel

MOVE_KEYS = ("budget_change_pct", "posture", *SIGNAL_KINDS, "crisis", "cbm")


class MoveError(InputError):
    """A move the rules forbid; the message says why and what is allowed."""


def check_move(model: RegionModel, state: str, move: Any) -> dict[str, Any]:
    """Check a team's move against the rules and translate it for the policy hook.

    Args:
        model: The game's model at the turn being played.
        state: The team's state id.
        move: The move (see the module docstring).

    Returns:
        The policy's choice: any of ``milex_usd_m``, ``posture``, ``crisis``,
        ``exercise``, ``patrol``, ``declaration``.

    Raises:
        MoveError: For an unknown key, a budget beyond the state's means or
            below zero, a posture outside [0, 1], a crisis action toward a state
            with no crisis under way (or at war), a signal to a non-ally or an
            unknown theater, or a CBM with an unknown state or of unknown kind.
    """
    if not isinstance(move, dict):
        raise MoveError(f"{state}: a move is a table of choices, not {move!r}")
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
        choice["crisis"] = _crisis(model, state, move["crisis"])
    signals = {k: move[k] for k in SIGNAL_KINDS if k in move}
    if signals:
        i = model.spec.state_index(state)
        try:
            choices.check_choice(model.world, model.setup, i, signals, actor=state)
        except choices.ChoiceError as err:
            raise MoveError(str(err)) from err
        choice |= signals
    if "cbm" in move:
        cbm_offers(model, state, move["cbm"])
    return choice


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


def _budget(model: RegionModel, state: str, change_pct: Any) -> float:
    """Next turn's spending, US$ m, for a change in percent; within the cap."""
    if not (_is_number(change_pct) and math.isfinite(change_pct)):
        raise MoveError(f"{state}: budget change {change_pct!r} is not a number")
    agent = model.agent(state)
    milex = agent.milex * (1.0 + change_pct / 100.0)
    limit = float(max_budget(model)[agent.index])
    if milex < 0:
        raise MoveError(
            f"{state}: a budget change of {change_pct:+g}% would spend less than "
            "nothing; the deepest cut is -100%"
        )
    if milex > limit:
        most = 100.0 * (limit / agent.milex - 1.0)
        raise MoveError(
            f"{state}: a budget of {milex:,.0f} US$ m ({change_pct:+g}%) is beyond "
            f"{state}'s means: at most {limit:,.0f} US$ m (max_share_gdp x GDP), "
            f"a change of at most {most:+.1f}%"
        )
    return float(milex)


def max_budget(model: RegionModel) -> np.ndarray:
    """Each state's budget cap, US$ m per year, (N,): ``max_share_gdp * gdp``."""
    share = model.setup.params.arms_race.max_share_gdp
    return np.broadcast_to(budget_cap(model.world.gdp[0], share), (len(model.states),))


def _crisis(model: RegionModel, state: str, actions: Any) -> dict[str, str]:
    """Crisis actions, each toward a state with a crisis under way."""
    if not isinstance(actions, dict):
        raise MoveError(f'{state}: crisis is a table of opponent -> action, e.g. '
                        f'{{"CHN": "hold"}}, not {actions!r}')  # fmt: skip
    ids = model.spec.state_ids
    i = model.spec.state_index(state)
    for opponent, action in actions.items():
        if opponent not in ids or opponent == state:
            raise MoveError(f"{state}: {opponent!r} is not another state of the game")
        if action not in ACTIONS:
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
    return dict(actions)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
