"""One path for a policy's choice: the doctrine as a state sees it, checked and applied.

A *choice* is what a policy (a script, a human team, another doctrine) decides for
one state in one step, a plain dict with any of these keys (what it leaves out
keeps the default doctrine's)::

    {"milex_usd_m": 1e5,                   # spending wanted, before the cap
     "posture": 0.7,                       # 0 restraint .. 1 forward
     "crisis": {"CHN": "hold"},            # an order: back_down, hold or escalate
     "exercise": {"JPN": 1.0},             # signals, levels in [0, 1]
     "patrol": {"taiwan_strait": 0.5},
     "declaration": {"JPN": 1.0}}

A crisis action is an order, played with certainty at every decision opportunity
of the step, even where it is the action the doctrine drew; left out, the doctrine
plays its equilibrium strategy there.

The Mesa model's policy hook (:class:`sim.model.Policy`), the classroom's moves
(:mod:`sim.classroom.moves`, which first apply the game's own rules) and the
debrief's ensembles all go through :func:`doctrine_view`, :func:`check_choice`
and :func:`apply_choice`, so a choice means the same in each.
"""

import math
from typing import Any

import numpy as np

from sim.dynamics.escalation import ACTION_NAMES, ACTIONS, under_way
from sim.dynamics.signaling import SIGNAL_KINDS
from sim.errors import InputError
from sim.world import Decisions, Setup, World

CHOICE_KEYS = ("milex_usd_m", "posture", "crisis", *SIGNAL_KINDS)


class ChoiceError(InputError):
    """A choice that cannot be applied; the message names the state and the fix."""


def opponents(world: World, i: int) -> list[int]:
    """States with which state i has a crisis under way in every replication."""
    return [int(j) for j in np.flatnonzero(under_way(world.rung[:, i]).all(axis=0))]


def doctrine_view(
    world: World, setup: Setup, decisions: Decisions, i: int
) -> dict[str, Any]:
    """State i's row of the decisions as a policy sees it (replication 0).

    Returns:
        Every key of a choice: spending, posture, the action toward each
        opponent in a crisis under way, and the signal level toward each ally
        and in each theater.
    """
    ids = setup.scenario.state_ids
    sent = decisions.signals
    allies = np.flatnonzero(setup.diplomacy.allies[i])
    return {
        "milex_usd_m": float(decisions.milex[0, i]),
        "posture": float(decisions.posture[0, i]),
        "crisis": {
            ids[j]: ACTION_NAMES[int(decisions.action[0, i, j])]
            for j in opponents(world, i)
        },
        "exercise": {ids[j]: float(sent.exercise[0, i, j]) for j in allies},
        "patrol": {
            t.id: float(sent.patrol[0, i, k])
            for k, t in enumerate(setup.scenario.theaters)
        },
        "declaration": {ids[j]: float(sent.declaration[0, i, j]) for j in allies},
    }


def check_choice(
    world: World, setup: Setup, i: int, choice: Any, *, actor: str | None = None
) -> None:
    """Fail unless ``choice`` is one state i may make now.

    Args:
        world: The world the choice is made in.
        setup: The run's setup.
        i: The choosing state's index.
        choice: The choice (see the module docstring).
        actor: Who chose, as messages name it (``policy of ID`` by default).

    Raises:
        ChoiceError: For a choice that is not a table, an unknown key, spending
            that is not a finite number >= 0, a posture outside [0, 1], a crisis
            action toward a state with no crisis under way or not one of
            ``back_down``, ``hold``, ``escalate``, a signal to a state that is
            not an ally or in a theater that does not exist, or a level outside
            [0, 1]. The message names the actor and what would be right.
    """
    ids = setup.scenario.state_ids
    who = actor or f"policy of {ids[i]}"
    if not isinstance(choice, dict):
        raise ChoiceError(f"{who} chose {choice!r}; expected a table of choices")
    unknown = sorted(set(choice) - set(CHOICE_KEYS))
    if unknown:
        raise ChoiceError(
            f"{who} returned unknown choices {unknown}; allowed: {sorted(CHOICE_KEYS)}"
        )
    milex = choice.get("milex_usd_m", 0.0)
    if not (_is_number(milex) and math.isfinite(milex) and milex >= 0):
        raise ChoiceError(
            f"{who} chose milex_usd_m={milex!r}; expected a finite number >= 0",
            field="milex_usd_m",
        )
    posture = choice.get("posture", 0.0)
    if not (_is_number(posture) and 0.0 <= posture <= 1.0):
        raise ChoiceError(
            f"{who} chose posture={posture!r}; expected a number in [0, 1] "
            "(0 restraint, 1 forward)",
            field="posture",
        )
    _check_crisis(world, ids, i, choice.get("crisis", {}), who)
    for kind in SIGNAL_KINDS:
        _check_signals(setup, i, kind, choice.get(kind, {}), who)


def _check_crisis(world: World, ids: tuple, i: int, crisis: Any, who: str) -> None:
    """Each crisis action is a known action toward a state in a crisis with i."""
    if not isinstance(crisis, dict):
        raise ChoiceError(
            f"{who} chose crisis={crisis!r}; expected a table of opponent -> "
            'action, e.g. {"CHN": "hold"}',
            field="crisis",
        )
    under = [ids[j] for j in opponents(world, i)]
    for opponent, action in crisis.items():
        if opponent not in under:
            raise ChoiceError(
                f"{who} chose {action!r} toward {opponent!r}, but it has no crisis "
                f"under way with that state; crises under way: "
                f"{sorted(under) or 'none'}",
                field="crisis",
            )
        if action not in ACTIONS:
            raise ChoiceError(
                f"{who} chose {action!r} toward {opponent}; expected one of "
                f"{', '.join(ACTIONS)}",
                field="crisis",
            )


def _check_signals(setup: Setup, i: int, kind: str, table: Any, who: str) -> None:
    """Each signal goes to an ally (a theater for a patrol) at a level in [0, 1]."""
    scenario = setup.scenario
    ids, me = scenario.state_ids, scenario.state_ids[i]
    theaters = [t.id for t in scenario.theaters]
    if not isinstance(table, dict):
        raise ChoiceError(
            f"{who} chose {kind}={table!r}; expected a table of "
            f"{'theater' if kind == 'patrol' else 'ally'} -> level in [0, 1]",
            field=kind,
        )
    for key, level in table.items():
        if kind == "patrol" and key not in theaters:
            raise ChoiceError(
                f"{who} chose patrol in {key!r}, which is not a theater; "
                f"theaters: {', '.join(theaters)}",
                field=kind,
            )
        if kind != "patrol" and not (
            key in ids and setup.diplomacy.allies[i, ids.index(key)]
        ):
            raise ChoiceError(
                f"{who} chose {kind} with {key!r}, which is not an ally of {me} "
                "(shares no [[alliance]] with it)",
                field=kind,
            )
        if not (_is_number(level) and 0.0 <= level <= 1.0):
            raise ChoiceError(
                f"{who} chose {kind} level {level!r} for {key}; expected a number "
                "in [0, 1]",
                field=kind,
            )


def apply_choice(
    world: World,
    setup: Setup,
    decisions: Decisions,
    i: int,
    choice: dict[str, Any],
    *,
    actor: str | None = None,
) -> None:
    """Check state i's choice and write it into every replication's decisions.

    An exercise is joint, so choosing one with an ally sets both directions.
    A crisis action is an order, marked in ``decisions.ordered``. The arrays
    of ``decisions`` change in place.

    Args:
        world: The world the choice is made in.
        setup: The run's setup.
        decisions: This step's decisions, changed in place.
        i: The choosing state's index.
        choice: The choice (see the module docstring).
        actor: Who chose, as error messages name it.

    Raises:
        ChoiceError: As :func:`check_choice`; nothing is written then.
    """
    check_choice(world, setup, i, choice, actor=actor)
    ids = setup.scenario.state_ids
    if "milex_usd_m" in choice:
        decisions.milex[:, i] = choice["milex_usd_m"]
    if "posture" in choice:
        decisions.posture[:, i] = choice["posture"]
    for opponent, action in choice.get("crisis", {}).items():
        j = ids.index(opponent)
        decisions.action[:, i, j] = ACTIONS[action]
        decisions.ordered[:, i, j] = True
    sent = decisions.signals
    theaters = [t.id for t in setup.scenario.theaters]
    for theater, level in choice.get("patrol", {}).items():
        sent.patrol[:, i, theaters.index(theater)] = level
    for ally, level in choice.get("exercise", {}).items():
        j = ids.index(ally)
        sent.exercise[:, i, j] = sent.exercise[:, j, i] = level
    for ally, level in choice.get("declaration", {}).items():
        sent.declaration[:, i, ids.index(ally)] = level


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
