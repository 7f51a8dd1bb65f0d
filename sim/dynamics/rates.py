"""Continuous-time rates over one step of ``dt`` years.

A process that runs at a constant rate per year (events, decay, closing a gap)
is turned into what happens in one step here, once for every mechanism.
"""

import numpy as np


def hazard(rate_per_year: np.ndarray | float, dt_years: float) -> np.ndarray:
    """Chance of at least one event in a step, ``1 - exp(-rate * dt)``.

    For a Poisson process at ``rate``; it is also the share of a gap that a
    continuous rate closes in a step.
    """
    return -np.expm1(-np.asarray(rate_per_year) * dt_years)


def fade(
    stock: np.ndarray,
    rate_per_year: float,
    dt_years: float,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Exponential fading over one step: ``S exp(-rate dt)``, into ``out`` if given."""
    return np.multiply(stock, np.exp(-rate_per_year * dt_years), out=out)
