"""Richardson's arms race with a budget cap and a depreciating capability stock.

Anchor: L. F. Richardson, *Arms and Insecurity* (1960). For two states the model is

    dx/dt = k*y - a*x + g
    dy/dt = l*x - b*y + h

stable iff ``a*b > k*l``, with equilibrium ``x* = (k*h + b*g)/(a*b - k*l)`` and
``y* = (l*g + a*h)/(a*b - k*l)``. With N states the stimulus of state i is its
*perceived threat* (the security dilemma, Jervis 1978), not raw spending:

    T_i = sum_j H_ij * x_j

where ``H_ij`` in [0, 1] is how hostile i takes j to be (disputes and rivalries in
the scenario). One explicit Euler step of length ``dt`` (years) gives

    x_i' = clip(x_i + dt * (k_i*T_i - a_i*x_i + g_i), 0, cap_i),  cap_i = s_i * GDP_i

so with two states, ``H = [[0, 1], [1, 0]]`` and a cap that never binds, it is
exactly the Euler discretisation of Richardson's equations. Capability is a stock
of spending that depreciates at rate ``delta``: ``K' = K + dt * (x - delta*K)``.

Symbols: x milex (US$ m per year), k reaction_per_year, a fatigue_per_year,
g grievance_usd_m_per_year, s max_share_gdp, delta depreciation_per_year.
"""

from dataclasses import dataclass

import numpy as np

from sim.dynamics.indexing import rival_pairs, sum_into_rows
from sim.dynamics.parameters import Value, param


@dataclass(frozen=True)
class Params:
    """Parameters of the arms race (all defaults are modelling choices)."""

    enabled: bool = param(True, doc="Run the arms race; when off spending stays put.")
    reaction_per_year: Value = param(
        0.1, lo=0.0, per_state=True, doc="Richardson's k: response to threat, 1/yr."
    )
    fatigue_per_year: Value = param(
        0.2, lo=0.0, per_state=True, doc="Richardson's a: burden of own spending, 1/yr."
    )
    grievance_usd_m_per_year: Value = param(
        0.0, per_state=True, doc="Richardson's g: standing grievance, US$ m/yr per yr."
    )
    depreciation_per_year: Value = param(
        0.1, lo=0.001, hi=1.0, per_state=True, doc="Capability stock decay, 1/yr."
    )
    max_share_gdp: Value = param(
        0.1, lo=0.0, hi=1.0, per_state=True, doc="Budget cap as a share of GDP."
    )
    steady_start: bool = param(
        False,
        doc="Set each g so the starting spending is a fixed point of the dynamics.",
    )


def perceived_threat(milex: np.ndarray, hostility: np.ndarray) -> np.ndarray:
    """Threat each state perceives: ``T_i = sum_j H_ij * x_j``.

    Args:
        milex: Spending, shape (R, N), US$ m per year.
        hostility: Hostility weights ``H_ij``, shape (R, N, N).

    Returns:
        Perceived threat, shape (R, N), US$ m per year.

    Notes:
        Summed over the hostile pairs in a fixed order, never ``matmul``, so a
        replication's value does not depend on how many are computed at once.
    """
    k, j = rival_pairs(hostility)
    return sum_into_rows(hostility[:, k, j] * milex[:, j], k, milex.shape[1])


def steady_grievance(
    milex: np.ndarray, threat: np.ndarray, reaction: Value, fatigue: Value
) -> np.ndarray:
    """The grievance ``g = a*x - k*T`` that makes the current spending a fixed point."""
    return fatigue * milex - reaction * threat


def budget_cap(gdp: np.ndarray, max_share_gdp: Value) -> np.ndarray:
    """Highest spending a state can sustain, US$ m per year: ``s * GDP``."""
    return max_share_gdp * gdp


def richardson_target(
    milex: np.ndarray,
    threat: np.ndarray,
    grievance: np.ndarray,
    params: Params,
    dt_years: float,
) -> np.ndarray:
    """Spending the Richardson doctrine chooses for the next step, before the cap.

    Returns ``x + dt * (k*T - a*x + g)``, shape (R, N).
    """
    drift = (
        params.reaction_per_year * threat - params.fatigue_per_year * milex + grievance
    )
    return milex + dt_years * drift


def apply_budget(target: np.ndarray, gdp: np.ndarray, params: Params) -> np.ndarray:
    """Clip chosen spending to what a state can pay: ``[0, s * GDP]``."""
    return np.clip(target, 0.0, budget_cap(gdp, params.max_share_gdp))


def initial_capability(milex: np.ndarray, params: Params) -> np.ndarray:
    """Starting capability: the steady state ``x / delta`` of constant spending."""
    return milex / params.depreciation_per_year


def step_capability(
    capability: np.ndarray, milex: np.ndarray, params: Params, dt_years: float
) -> np.ndarray:
    """Accumulate spending into capability: ``K' = K + dt * (x - delta * K)``."""
    return capability + dt_years * (milex - params.depreciation_per_year * capability)
