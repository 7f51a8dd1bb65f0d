"""When scheduled events happen: calendar years turned into engine steps.

A scenario gives every scheduled event in calendar years (``year = 2026.0`` for a
one-off; ``first_year``, ``every_years`` and an optional ``last_year`` for a
repeating one), so a schedule means the same whatever the step length
``dt_years``. The engine asks at each step which events happen: an event in year
``y`` happens in the step whose interval holds ``y``, step
``floor((y - start_year) / dt_years)`` (step s covers ``[start + s dt, start +
(s + 1) dt)``), so an event stays in its calendar year at any step length that
divides a year, and a yearly event happens once in every year. A repeating event
happens at most once per step, so its period may not be shorter than one step
(the scenario loader refuses it).
"""

import math
from dataclasses import dataclass

import numpy as np

_TOLERANCE = 1e-9
"""Slack, in steps, for years that are a whole number of steps up to rounding."""


def step_of(year: float, start_year: float, dt_years: float) -> int:
    """The step at which an event in ``year`` happens: the one holding it.

    Args:
        year: Calendar year of the event, e.g. 2026.5.
        start_year: The run's first year (step 0 begins then).
        dt_years: Step length in years.
    """
    return math.floor((year - start_year) / dt_years + _TOLERANCE)


@dataclass(frozen=True)
class Repeating:
    """Repeating events, each at ``first + k * every`` steps up to ``last``.

    Times are fractional steps since the start, ``(year - start_year) / dt``;
    ``last`` is ``inf`` for an event that runs to the end.

    Attributes:
        first: First occurrence of each event, (E,).
        every: Period of each event (at least 1 step), (E,).
        last: Latest allowed occurrence of each event, (E,).
    """

    first: np.ndarray
    every: np.ndarray
    last: np.ndarray

    @classmethod
    def of(
        cls,
        events: list[tuple[float, float, float | None]],
        start_year: float,
        dt_years: float,
    ) -> "Repeating":
        """Events given as ``(first_year, every_years, last_year or None)``."""
        rows = np.array(
            [(f, e, math.inf if end is None else end) for f, e, end in events],
            dtype=float,
        ).reshape(-1, 3)
        first, every, last = (rows[:, c] for c in range(3))
        return cls(
            (first - start_year) / dt_years,
            every / dt_years,
            (last - start_year) / dt_years,
        )

    def at(self, step: int) -> np.ndarray:
        """Which events happen at ``step``, (E,) bool.

        An event happens at ``step`` when one of its occurrences falls in
        ``[step, step + 1)``; with ``every >= 1`` at most one does.
        """
        low = step - _TOLERANCE
        k = np.maximum(np.ceil((low - self.first) / self.every), 0.0)
        occurrence = self.first + k * self.every
        return (occurrence < step + 1 - _TOLERANCE) & (
            occurrence <= self.last + _TOLERANCE
        )
