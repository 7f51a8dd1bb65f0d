"""The economy: each state's GDP, observed for past years and projected after them.

Anchor: the demand for military expenditure (Smith 1980, "The demand for military
expenditure", *Economic Journal* 90; Dunne and Smith 2007, "The econometrics of
military arms races", *Handbook of Defense Economics* 2, ch. 28): income is the
first determinant of a state's spending, ahead of rivals' spending. The
arms race (:mod:`sim.dynamics.arms_race`) therefore works on the burden, spending
as a share of GDP, and GDP carries spending with it.

A scenario's GDP path is exogenous. After its start it is projected at a constant
real growth rate per state, ``n_i`` (``growth_per_year``, a continuous rate):

    Y_i(t) = Y_i(0) * exp(n_i * t)        (t in years since the start)

so the path at whole years does not depend on the step length. Where GDP was
observed (backtests and calibration, :mod:`sim.calibrate`), the observed yearly
values are joined by steady growth within each year (log-linear interpolation,
:func:`interpolate`), and spending of the states not fitted is joined the same way.
"""

from dataclasses import dataclass

import numpy as np

from sim.dynamics.parameters import Value, param


@dataclass(frozen=True)
class Params:
    """Parameters of the economy (the default, no growth, is a modelling choice)."""

    enabled: bool = param(True, doc="Grow GDP at growth_per_year; when off it stays.")
    growth_per_year: Value = param(
        0.0,
        lo=-0.5,
        hi=0.5,
        per_state=True,
        doc="Real GDP growth n, a continuous rate per year (0.05: about 5.1%/yr).",
    )


def project(gdp_start: np.ndarray, params: Params, years: float) -> np.ndarray:
    """GDP ``years`` after the start: ``Y(0) * exp(n * t)``, shape of ``gdp_start``.

    With the economy off, or growth 0, it returns ``Y(0)`` exactly.
    """
    if not params.enabled:
        return np.array(gdp_start, dtype=float)
    return gdp_start * np.exp(params.growth_per_year * years)


def interpolate(yearly: np.ndarray, per_year: int) -> np.ndarray:
    """Join yearly values by steady growth within each year, (per_year*(Y-1)+1, N).

    Args:
        yearly: Positive values at the start of consecutive years, shape (Y, N);
            NaN where a state has no value (it stays NaN in that year's span).
        per_year: Steps per year.

    Returns:
        Values at every step: row ``per_year * y`` is ``yearly[y]`` exactly, and
        between two years ``v_y * (v_{y+1} / v_y) ** f`` at fraction ``f``.
    """
    yearly = np.asarray(yearly, dtype=float)
    fraction = np.arange(per_year)[:, None, None] / per_year  # (S, 1, 1)
    ratio = yearly[1:] / yearly[:-1]  # (Y - 1, N)
    steps = yearly[:-1][None] * ratio[None] ** fraction  # (S, Y - 1, N)
    joined = steps.transpose(1, 0, 2).reshape(-1, yearly.shape[1])
    return np.concatenate([joined, yearly[-1:]])


def trailing_growth(yearly: np.ndarray, years: int) -> np.ndarray:
    """Mean log growth per year over the last ``years`` years of (Y, N) values.

    ``(ln Y_last - ln Y_{last - years}) / years``, shape (N,): the rule this
    project uses to derive a projection's growth rate from the data.
    """
    yearly = np.asarray(yearly, dtype=float)
    if not 1 <= years < len(yearly):
        raise ValueError(f"years {years}: need 1 <= years < {len(yearly)} rows")
    return (np.log(yearly[-1]) - np.log(yearly[-1 - years])) / years
