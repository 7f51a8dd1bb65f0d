"""Richardson's arms race on the burden, with economic capacity and a budget cap.

Anchors: L. F. Richardson, *Arms and Insecurity* (1960), for the reaction; the
arms-race econometrics for what it acts on. Ostrom (1978, "A reactive linkage
model of the U.S. defense expenditure policymaking process", *APSR* 72) and
Rattinger (1975, "Armaments, detente, and bureaucracy", *JCR* 19) find budgets
mostly carried by their own momentum, with a modest reaction to the adversary on
top; the demand-for-military-expenditure literature (Smith 1980; Dunne and Smith
2007, *Handbook of Defense Economics* 2) finds income the first determinant. So
Richardson's equations act on the burden ``b_i = x_i / Y_i`` (spending as a share
of GDP, :mod:`sim.dynamics.economy`), with each rival's effort as the stimulus:

    db_i/dt = k_i * tau_i - a_i * b_i + gamma_i,   tau_i = sum_j H_ij * b_j

where ``H_ij`` in [0, 1] is how hostile i takes j to be (``world.hostility``: the
security dilemma, Jervis 1978, not raw spending). Fatigue ``a`` is the budget's
inertia toward its usual share, the reaction ``k`` Richardson's, and
``gamma_i = g_i / Y_i(0)`` the grievance as a share of the starting GDP. Spending
is ``x_i = b_i * Y_i``, so in spending units (what :func:`budget_target` computes)
one explicit Euler step of length ``dt`` (years) is

    x_i' = (x_i + dt * (k_i*T_i - a_i*x_i + g_i * Y_i/Y_i(0))) * Y_i'/Y_i,
    T_i = sum_j H_ij * x_j * Y_i/Y_j

then clipped to ``[0, s_i * Y_i']`` (the budget cap). ``T_i`` is the perceived
threat: each rival's spending scaled to i's economy. With two states,
``H = [[0, 1], [1, 0]]``, equal GDPs that do not grow and a cap that never binds,
every ratio is exactly 1 and the step is exactly the Euler discretisation of

    dx/dt = k*y - a*x + g,   dy/dt = l*x - b*y + h

(stable iff ``a*b > k*l``, equilibrium ``x* = (k*h + b*g)/(a*b - k*l)``,
``y* = (l*g + a*h)/(a*b - k*l)``). With constant but unequal GDPs it is Richardson's
system with reactions ``k*Y_x/Y_y`` and ``l*Y_y/Y_x``. With growing GDP and a
constant threat, spending grows with GDP at a steady burden. Capability is a stock
of spending that depreciates at rate ``delta``: ``K' = K + dt * (x - delta*K)``.

Symbols: x milex (US$ m per year), Y gdp (US$ m per year), k reaction_per_year,
a fatigue_per_year, g grievance_usd_m_per_year, s max_share_gdp, delta
depreciation_per_year.
"""

from dataclasses import dataclass

import numpy as np

from sim.dynamics.indexing import rival_pairs, sum_into_rows
from sim.dynamics.parameters import Value, param


@dataclass(frozen=True)
class Params:
    """Parameters of the arms race (all defaults are modelling choices)."""

    enabled: bool = param(
        True, doc="Run the arms race; when off spending holds its burden."
    )
    reaction_per_year: Value = param(
        0.1, lo=0.0, per_state=True, doc="Richardson's k: response to threat, 1/yr."
    )
    fatigue_per_year: Value = param(
        0.2,
        lo=0.0,
        per_state=True,
        doc="Richardson's a: inertia toward the usual burden, 1/yr.",
    )
    grievance_usd_m_per_year: Value = param(
        0.0,
        per_state=True,
        doc="Richardson's g at the starting GDP (grows with GDP), US$ m/yr per yr.",
    )
    depreciation_per_year: Value = param(
        0.1, lo=0.001, hi=1.0, per_state=True, doc="Capability stock decay, 1/yr."
    )
    max_share_gdp: Value = param(
        0.1, lo=0.0, hi=1.0, per_state=True, doc="Budget cap as a share of GDP."
    )
    steady_start: bool = param(
        False,
        doc="Set each g so the starting burden is a fixed point of the dynamics.",
    )


def perceived_threat(
    milex: np.ndarray, gdp: np.ndarray, hostility: np.ndarray
) -> np.ndarray:
    """Threat each state perceives: ``T_i = sum_j H_ij * x_j * Y_i / Y_j``.

    Each rival's spending scaled to i's economy, so ``T_i / Y_i`` is the
    hostility-weighted sum of the rivals' burdens.

    Args:
        milex: Spending, shape (R, N), US$ m per year.
        gdp: GDP, shape (R, N), US$ m per year.
        hostility: Hostility weights ``H_ij``, shape (R, N, N).

    Returns:
        Perceived threat, shape (R, N), US$ m per year.

    Notes:
        Summed over the hostile pairs in a fixed order, never ``matmul``, so a
        replication's value does not depend on how many are computed at once.
    """
    k, j = rival_pairs(hostility)
    scale = gdp[:, k] / gdp[:, j]
    return sum_into_rows(hostility[:, k, j] * milex[:, j] * scale, k, milex.shape[1])


def steady_grievance(
    milex: np.ndarray, threat: np.ndarray, reaction: Value, fatigue: Value
) -> np.ndarray:
    """The grievance ``g = a*x - k*T`` that makes the current burden a fixed point.

    With a constant threat, spending then grows with GDP at a steady burden.
    """
    return fatigue * milex - reaction * threat


def budget_cap(gdp: np.ndarray, max_share_gdp: Value) -> np.ndarray:
    """Highest spending a state can sustain, US$ m per year: ``s * GDP``."""
    return max_share_gdp * gdp


def budget_target(
    milex: np.ndarray,
    threat: np.ndarray,
    grievance: np.ndarray,
    growth: np.ndarray,
    params: Params,
    dt_years: float,
) -> np.ndarray:
    """Spending the Richardson doctrine chooses for the next step, before the cap.

    Args:
        milex: Spending now ``x``, US$ m per year, shape (R, N).
        threat: Perceived threat ``T`` (:func:`perceived_threat`), (R, N).
        grievance: Grievance now, ``g * Y / Y(0)``, US$ m per year per year.
        growth: GDP next step over GDP now, ``Y' / Y``, shape (R, N).
        params: The arms race's parameters.
        dt_years: Step length.

    Returns:
        ``(x + dt * (k*T - a*x + g)) * Y'/Y``, shape (R, N): the Euler step of the
        burden, in spending units.
    """
    drift = (
        params.reaction_per_year * threat - params.fatigue_per_year * milex + grievance
    )
    return (milex + dt_years * drift) * growth


def apply_budget(target: np.ndarray, gdp: np.ndarray, params: Params) -> np.ndarray:
    """Clip chosen spending to what a state can pay: ``[0, s * GDP]``.

    ``gdp`` is the GDP of the step the spending is for.
    """
    return np.clip(target, 0.0, budget_cap(gdp, params.max_share_gdp))


def initial_capability(milex: np.ndarray, params: Params) -> np.ndarray:
    """Starting capability: the steady state ``x / delta`` of constant spending."""
    return milex / params.depreciation_per_year


def step_capability(
    capability: np.ndarray, milex: np.ndarray, params: Params, dt_years: float
) -> np.ndarray:
    """Accumulate spending into capability: ``K' = K + dt * (x - delta * K)``."""
    return capability + dt_years * (milex - params.depreciation_per_year * capability)
