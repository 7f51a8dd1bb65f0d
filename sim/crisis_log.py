"""Crises as tables a reader can follow: one row per decision, one row per crisis.

The decision table says, for every side of every crisis at every step of a single
run (R = 1, the Mesa face), what it saw and valued and what it chose, so a user
can see why deterrence held or failed: what it believed about the opponent's
resolve, its equilibrium choice probabilities and the action drawn from them (or
chosen by a script or policy); see docs/crisis_game.md. The crisis table names
the states and theaters of :meth:`sim.metrics.OutcomeTracker.crisis_records`.
"""

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.dynamics.escalation import ACTION_NAMES, RUNGS
from sim.scenario import Scenario

if TYPE_CHECKING:
    from sim.world import Decisions, World

DECISION_COLUMNS = (
    "step",
    "state",
    "opponent",
    "theater",
    "rung",
    "role",
    "own_power_usd_m",
    "opponent_power_usd_m",
    "chance",
    "resolve",
    "belief",
    "stake",
    "audience_cost",
    "threshold",
    "u_back_down",
    "u_hold",
    "u_escalate",
    "p_back_down",
    "p_hold",
    "p_escalate",
    "action",
    "decided_by",
)


def decision_rows(
    world: "World",
    decisions: "Decisions",
    scenario: Scenario,
    decided_by: np.ndarray,
) -> list[dict]:
    """One row per side of each crisis under way in ``world`` (a one-replication run).

    Args:
        world: The world the decisions were taken in.
        decisions: The decisions as applied (after policies).
        scenario: The scenario, for names.
        decided_by: Who decided each action: ``doctrine``, ``script`` or
            ``policy``, shape (N, N).

    Returns:
        Rows with the columns of :data:`DECISION_COLUMNS`.
    """
    f = decisions.factors
    ids = scenario.state_ids
    crises = world.crises
    rows = []
    for k, (r, i, j) in enumerate(zip(*decisions.sides, strict=True)):
        rows.append(
            {
                "step": world.step,
                "state": ids[i],
                "opponent": ids[j],
                "theater": scenario.theaters[crises.theater[r, i, j]].id,
                "rung": RUNGS[world.rung[r, i, j]],
                "role": "challenger" if crises.challenger[r, i, j] else "defender",
                "own_power_usd_m": float(f.own_power[k]),
                "opponent_power_usd_m": float(f.opponent_power[k]),
                "chance": float(f.chance[k]),
                "resolve": float(f.resolve[k]),
                "belief": float(f.belief[k]),
                "stake": float(f.stake[k]),
                "audience_cost": float(f.audience_cost[k]),
                "threshold": RUNGS[int(f.threshold[k])],
                "u_back_down": float(f.utility[k, 0]),
                "u_hold": float(f.utility[k, 1]),
                "u_escalate": float(f.utility[k, 2]),
                "p_back_down": float(f.strategy[k, 0]),
                "p_hold": float(f.strategy[k, 1]),
                "p_escalate": float(f.strategy[k, 2]),
                "action": ACTION_NAMES[int(decisions.action[r, i, j])],
                "decided_by": str(decided_by[i, j]),
            }
        )
    return rows


def crisis_frame(records: dict[str, np.ndarray], scenario: Scenario) -> pd.DataFrame:
    """The crisis records with state, theater and rung names."""
    frame = pd.DataFrame(records)
    ids = np.array(scenario.state_ids)
    theaters = np.array([t.id for t in scenario.theaters] or [""])
    frame["challenger"] = ids[frame["challenger"].to_numpy(dtype=int)]
    frame["defender"] = ids[frame["defender"].to_numpy(dtype=int)]
    frame["theater"] = theaters[frame["theater"].to_numpy(dtype=int)]
    frame["peak"] = np.array(RUNGS)[frame["peak_rung"].to_numpy(dtype=int)]
    return frame
