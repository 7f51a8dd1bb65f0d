"""Stability outcomes of a run, computed from trajectories as they unfold.

An :class:`OutcomeTracker` is updated with the world after every step and keeps
only running summaries, so a batch of many replications never has to hold whole
trajectories. Every outcome is an array with one value per replication, shape (R,).
"""

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.engine import World


def cagr(start: np.ndarray, end: np.ndarray, years: float) -> np.ndarray:
    """Compound annual growth rate ``(end / start) ** (1 / years) - 1``.

    Zero when no time has passed; NaN where ``start`` is zero.
    """
    if years <= 0:
        return np.zeros_like(start, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(start > 0, (end / start) ** (1.0 / years) - 1.0, np.nan)


def regional_burden(milex: np.ndarray, gdp: np.ndarray) -> np.ndarray:
    """Regional spending over regional GDP, shape (R,) from (R, N) arrays."""
    return milex.sum(axis=1) / gdp.sum(axis=1)


def model_series(world: "World") -> dict[str, np.ndarray]:
    """Model-level values recorded every step, each of shape (R,)."""
    return {
        "total_milex_usd_m": world.milex.sum(axis=1),
        "total_capability_usd_m": world.capability.sum(axis=1),
    }


def state_series(world: "World") -> dict[str, np.ndarray]:
    """Per-state values recorded every step (when asked), each of shape (R, N)."""
    return {
        "milex_usd_m": world.milex,
        "capability_usd_m": world.capability,
        "burden": world.milex / world.gdp,
    }


class OutcomeTracker:
    """Running stability outcomes of R replications.

    Args:
        world: The world at step 0.
        dt_years: Length of a step in years.
    """

    def __init__(self, world: "World", dt_years: float) -> None:
        self.dt_years = dt_years
        self.start_milex = world.milex.sum(axis=1)
        self.world = world

    def update(self, world: "World") -> None:
        """Take in the world after a step."""
        self.world = world

    def result(self) -> dict[str, np.ndarray]:
        """Outcomes so far, each of shape (R,)."""
        years = self.world.step * self.dt_years
        return {
            "arms_growth_cagr": cagr(
                self.start_milex, self.world.milex.sum(axis=1), years
            ),
            "arms_burden": regional_burden(self.world.milex, self.world.gdp),
        }
