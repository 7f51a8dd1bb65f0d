"""Continuous-time rates over one step of ``dt`` years.

A process that runs at a constant rate per year (events, decay, closing a gap)
is turned into what happens in one step here, once for every mechanism.
"""

import numpy as np


def hazard(
    rate_per_year: np.ndarray | float, dt_years: np.ndarray | float
) -> np.ndarray:
    """Chance of at least one event in a step, ``1 - exp(-rate * dt)``.

    For a Poisson process at ``rate``; it is also the share of a gap that a
    continuous rate closes in a step.
    """
    return -np.expm1(-np.asarray(rate_per_year) * dt_years)


def fade(
    stock: np.ndarray,
    rate_per_year: np.ndarray | float,
    dt_years: np.ndarray | float,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Exponential fading over one step: ``S exp(-rate dt)``, into ``out`` if given."""
    return np.multiply(stock, np.exp(-rate_per_year * dt_years), out=out)


def toward(
    value: np.ndarray,
    target: np.ndarray | float,
    rate_per_year: np.ndarray | float,
    dt_years: float,
) -> np.ndarray:
    """Relaxation toward ``target`` over a step, exactly: ``T + (V - T) exp(-r dt)``."""
    gap = value - target
    fade(gap, rate_per_year, dt_years, out=gap)
    gap += target
    return gap


def held(rate_per_year: float, years: np.ndarray | float) -> np.ndarray:
    """What a steady push of 1 per year adds over ``years`` against relaxation.

    ``(1 - exp(-rho t)) / rho``, which tends to ``t`` as ``rho`` goes to 0.
    """
    years = np.asarray(years, dtype=float)
    small = rate_per_year * years < 1e-12  # no relaxation to speak of
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(small, years, hazard(rate_per_year, years) / rate_per_year)


#: Newton steps of :func:`first_event`: over 400,000 random cases (rates 0 to
#: 20 a year, either of them 0 half the time, relaxation 0.5 to 100 a year,
#: windows up to a year) 16 reach the root within 2e-13 (relative); a rate
#: rising from 0 takes the most. 20 for margin.
NEWTON_STEPS = 20


def first_event(
    exposure: np.ndarray,
    rate_now: np.ndarray,
    rate_limit: np.ndarray,
    relax_per_year: float,
    within: np.ndarray,
) -> np.ndarray:
    """Wait to the first event of a Poisson process whose rate relaxes, years.

    The rate moves from ``r0`` (``rate_now``) toward ``r1`` (``rate_limit``)
    at ``rho`` (``relax_per_year``): ``r(u) = r1 + (r0 - r1) exp(-rho u)``. The
    first event comes when the integrated rate
    ``R(u) = r1 u + (r0 - r1) (1 - exp(-rho u)) / rho`` reaches an exponential
    ``exposure`` (``-ln(1 - U)``), by inversion (Cox and Lewis, *The Statistical
    Analysis of Series of Events*, 1966): exactly ``exposure / r0`` when the rate
    is steady, else Newton's method from ``exposure / max(r0, r1)``, which lies
    below the root and converges monotonically (``R`` is concave when the rate
    falls) or after one step past it (convex when it rises; the step is cut
    back to the window, beyond which no root matters). Elementwise, so each
    answer does not depend on the others.

    Args:
        exposure: Exponential draws, (M,).
        rate_now: ``r0`` >= 0 per year, (M,).
        rate_limit: ``r1`` >= 0 per year, (M,).
        relax_per_year: ``rho`` >= 0.
        within: Longest wait of interest, years, (M,).

    Returns:
        The waits, ``inf`` where none comes within ``within``.
    """
    exposure, rate_now, rate_limit, within = np.broadcast_arrays(
        *(np.asarray(a, dtype=float) for a in (exposure, rate_now, rate_limit, within))
    )
    rho = relax_per_year
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if rho < 1e-12:  # the rate does not move over any step (each alike)
            wait = exposure / rate_now
        else:
            gap = rate_now - rate_limit

            def integrated(u: np.ndarray, falloff: np.ndarray) -> np.ndarray:
                return rate_limit * u - gap * falloff / rho

            wait = exposure / np.maximum(rate_now, rate_limit)
            steady = gap == 0
            for _ in range(NEWTON_STEPS):
                falloff = np.expm1(-rho * wait)  # exp(-rho u) - 1
                rate = rate_limit + gap * (1.0 + falloff)
                step = (exposure - integrated(wait, falloff)) / rate
                moved = np.minimum(wait + step, within)  # only the window matters
                wait = np.where(steady | ~np.isfinite(step), wait, moved)
            whole = integrated(within, np.expm1(-rho * within))
            wait = np.where(whole >= exposure, wait, np.inf)
    return np.where(wait <= within, wait, np.inf)
