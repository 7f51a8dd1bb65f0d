"""When scheduled events happen: calendar years turned into engine steps.

A scenario gives every scheduled event in calendar years (``year = 2026.0`` for a
one-off; ``first_year``, ``every_years`` and an optional ``last_year`` for a
repeating one), so a schedule means the same whatever the step length
``dt_years``. The engine asks at each step which events happen: an event in year
``y`` happens in the step whose interval holds ``y``, step
``floor((y - start_year) / dt_years)`` (step s covers ``[start + s dt, start +
(s + 1) dt)``), so an event stays in its calendar year at any step length that
divides a year, and a yearly event happens once in every year. An event of a
moment (a forum's meeting) happens at most once per step, so its period may not
be shorter than one step (the scenario loader refuses it).

An event that lasts, a signal held for ``duration_years`` after each sending,
is in force for a share of each step (:meth:`Repeating.share_held`): the same
time in force in each year whatever the step length, so a level held for a
step is that share of the event's level. Such an event may repeat more often
than once a step. A script held for ``duration_years`` acts at the moments of
each step it covers (:func:`span_steps`).
"""

import itertools
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
        every: Period of each event, (E,): at least 1 step for an event of a
            moment (:meth:`at`); an event that lasts may repeat more often.
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

    def share_held(self, step: int, hold: np.ndarray) -> np.ndarray:
        """Share of ``[step, step + 1)`` each event is in force, (E,) in [0, 1].

        Each occurrence holds for ``hold`` steps, (E,); one that would outlast
        the gap to the next runs into it, so the event holds throughout. Here
        the period may be shorter than a step.
        """
        return np.clip(
            self._time_held(step + 1.0, hold) - self._time_held(float(step), hold),
            0.0,
            1.0,
        )

    def mean_highest(
        self, step: int, hold: np.ndarray, events: list[int], levels: np.ndarray
    ) -> float:
        """Mean over ``[step, step + 1)`` of the highest level of ``events`` in force.

        Where the events overlap in time the highest level counts, and where
        none is in force nothing does, instant by instant: so a step holds the
        same time at each level as the shorter steps it spans, however the
        events fall in it. With one event it is :meth:`share_held` times its level.

        Args:
            step: The step.
            hold: Steps each occurrence holds, (E,).
            events: Indices of the events weighed together.
            levels: Each event's level, (E,).
        """
        spans = {e: self._spans(step, hold, e) for e in events}
        edges = sorted(
            {edge for held in spans.values() for span in held for edge in span}
        )
        total = 0.0
        for low, high in itertools.pairwise(edges):
            middle = (low + high) / 2.0
            levels_in_force = [
                levels[e]
                for e, held in spans.items()
                if any(a <= middle < b for a, b in held)
            ]
            total += (high - low) * max(levels_in_force, default=0.0)
        return total

    def _spans(
        self, step: int, hold: np.ndarray, event: int
    ) -> list[tuple[float, float]]:
        """The spans ``(start, end)`` of ``[step, step + 1)`` the event is in force.

        The same occurrences and holds as :meth:`_time_held` counts.
        """
        first, every = self.first[event], self.every[event]
        held = float(_whole(np.minimum(hold[event], every)))
        count = np.floor((self.last[event] - first) / every + _TOLERANCE) + 1.0
        lowest = max(math.floor((step - held - first) / every), 0)
        highest = min(math.ceil((step + 1.0 - first) / every), count - 1.0)
        spans = []
        for k in range(lowest, int(highest) + 1):
            start = float(_whole(first + k * every))
            low, high = max(start, float(step)), min(start + held, step + 1.0)
            if low < high:
                spans.append((low, high))
        return spans

    def _time_held(self, time: float, hold: np.ndarray) -> np.ndarray:
        """Steps each event has been in force before ``time``, (E,).

        With holds no longer than the period, every occurrence begun before
        ``time`` counts whole but the last, which counts up to ``time``.
        Occurrences and holds within the tolerance of a whole step are taken
        as that step, so whole steps come out exact.
        """
        hold = _whole(np.minimum(hold, self.every))
        count = np.floor((self.last - self.first) / self.every + _TOLERANCE) + 1.0
        begun = np.ceil((time - _TOLERANCE - self.first) / self.every)
        begun = np.clip(begun, 0.0, count)
        latest = _whole(self.first + np.maximum(begun - 1.0, 0.0) * self.every)
        held = (begun - 1.0) * hold + np.minimum(hold, time - latest)
        return np.where(begun > 0, held, 0.0)


def span_steps(
    year: float, duration_years: float, start_year: float, dt_years: float
) -> tuple[float, float]:
    """``[year, year + duration_years)`` in steps since the start, ``(start, end)``.

    Ends within the tolerance of a whole step are taken as that step, so a span
    of whole steps covers each of them exactly.
    """
    start = (year - start_year) / dt_years
    end = (year + duration_years - start_year) / dt_years
    return float(_whole(np.float64(start))), float(_whole(np.float64(end)))


def in_step(start: np.ndarray, end: np.ndarray, step: int) -> np.ndarray:
    """Which spans ``[start, end)`` (in steps since the start) reach into ``step``."""
    return (start < step + 1) & (end > step)


def _whole(steps: np.ndarray) -> np.ndarray:
    """``steps`` with values within the tolerance of a whole number made whole."""
    nearest = np.round(steps)
    return np.where(np.abs(steps - nearest) < _TOLERANCE, nearest, steps)
