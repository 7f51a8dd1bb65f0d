"""Hostility as a state: how threatening each state takes each other to be.

Anchors: R. Jervis, *Perception and Misperception in International Politics*
(1976) and "Cooperation under the Security Dilemma", *World Politics* 30(2), 1978
(the spiral: a rival's arms and shows of force read as hostile intent, and
hostility feeds the next round); P. F. Diehl and G. Goertz, *War and Peace in
International Rivalry* (2000) (rivalries deepen with each militarised crisis
and fade with time); I. Kelman, *Disaster Diplomacy* (2012) and A. Acharya,
*Constructing a Security Community in Southeast Asia* (2014) (shared relief and
regular dialogue soften enmity).

``H_ij`` in [0, 1] is how hostile i takes j to be, starting at the scenario's
disputes and rivalries ``H0``. Each step of ``dt`` years:

    dH_ij/dt = rho (H0_ij - H_ij) + u_ij,
    u_ij = pi p^_ij + kappa_c s_ij + kappa_a g_j [H_ij > 0]

solved exactly over each half of the step with the push ``u`` held constant,

    F(H) = H0_ij + (H - H0_ij) e + u_ij (1 - e) / rho,   e = exp(-rho dt / 2)

(``u dt / 2`` when ``rho`` is 0), so a steady push gives the same path at any
step length, and between the halves the ``n`` events (reliefs, forum meetings)
i and j shared this step each remove a share ``c``, as they fall mid-step on
average: ``H_ij' = clip(F(F(H_ij) (1 - c)^n), 0, 1)``. (Until 2026-12-03 the
events came after the whole step, so what they removed never relaxed back
within it, and longer steps calmed more: the baseline's hostility at year ten
was 0.5% lower at half-year steps than at quarterly ones.)

* ``rho`` (``relax_per_year``): hostility returns to its start with time;
* ``pi p^_ij`` (``provocation_per_year`` of signaling times the pressure i
  read from j's signals, :mod:`.signaling`): provocation;
* ``s_ij = rung_ij / K``: the pair's crisis (or war) on the ladder of K rungs,
  its rung averaged over the step's time (a crisis that starts and ends within
  the step counts for the time it lasted), so the push does not depend on the
  step length; ``kappa_c`` (``crisis_per_year``) is the hostility a war adds per
  year. Within the step, the hostility a crisis's stake and a pair's onset
  hazards read follows the same equation with only relaxation and the pair's
  own crisis (:func:`drift`), so a crisis raises its stake as it goes, and a
  pair's hazards fall as its hostility relaxes, not at the next step;
* ``g_j = max(0, ln(b_j' / b_j) / dt)``: growth per year of j's military
  burden ``b = x / GDP`` (spending that only keeps pace with the economy is
  no threat), read as hostile by j's rivals only, ``kappa_a``
  (``arms_growth_weight``);
* ``c`` (``cooperation_calm``): the share one shared relief or forum meeting
  removes.

Hostility below ``floor`` counts as none and is set to 0, so a pair that a
crisis made hostile becomes friendly again in finite time. Hostility drives
the perceived threat of the arms race (:mod:`.arms_race`), Walt's threat
and balancing (:mod:`.alliances`), the stake of a crisis, and the dispute and
incident hazards (:mod:`.escalation`).
"""

from dataclasses import dataclass

import numpy as np

from sim.dynamics.indexing import pair_columns, put_pair_columns
from sim.dynamics.parameters import param
from sim.dynamics.rates import hazard, held, toward


@dataclass(frozen=True)
class Params:
    """Parameters of hostility (all defaults are modelling choices)."""

    enabled: bool = param(
        True, doc="Let hostility move; when off it stays at the scenario's."
    )
    relax_per_year: float = param(
        0.5, lo=0.0, doc="Rate at which hostility returns to its start, 1/yr."
    )
    crisis_per_year: float = param(
        0.5, lo=0.0, doc="Hostility a pair at major war adds per year (per rung/K)."
    )
    arms_growth_weight: float = param(
        1.0, lo=0.0, doc="Hostility added per unit of a rival's arms growth rate."
    )
    cooperation_calm: float = param(
        0.01, lo=0.0, hi=1.0, doc="Share of hostility one shared event removes."
    )
    floor: float = param(
        0.01, lo=0.0, hi=1.0, doc="Hostility below this counts as none (set to 0)."
    )


def arms_growth(
    milex: np.ndarray, new_milex: np.ndarray, dt_years: float
) -> np.ndarray:
    """Each state's arms growth per year, ``max(0, ln(x' / x) / dt)``, (R, N).

    Zero where spending was zero (no growth rate is defined there).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.log(new_milex / milex) / dt_years
    return np.where((milex > 0) & (rate > 0), rate, 0.0)


def drift(
    hostility: np.ndarray,
    start: np.ndarray,
    rung: np.ndarray,
    top: int,
    years: np.ndarray,
    params: Params,
) -> np.ndarray:
    """Hostility of pairs after ``years`` of their own crisis at ``rung``, any shape.

    The module equation with only relaxation and the crisis's push, ``u =
    kappa_c rung / K``, solved exactly (unclipped): how a pair's hostility, and
    so the stake of its crisis and its onset hazards, moves within a step
    (:mod:`sim.conflict`), the rung standing still in between. The other
    pushes (signals, arms growth, cooperation) come at the step's end. No
    time elapsed (``years`` 0) leaves it exactly as it was.

    Args:
        hostility: ``H_ij`` at the start of the ``years``.
        start: The scenario's ``H0_ij``.
        rung: The pair's rung through the ``years`` (0 at peace).
        top: The top rung K (major war).
        years: Time elapsed.
        params: Hostility parameters (nothing moves when off).
    """
    if not params.enabled:
        return hostility
    rho = params.relax_per_year
    relaxed = hostility + (start - hostility) * hazard(rho, years)
    return relaxed + params.crisis_per_year * (rung / top) * held(rho, years)


def relax_rate(params: Params) -> float:
    """``rho``, the rate at which hostility returns to its start: 0 when off."""
    return params.relax_per_year if params.enabled else 0.0


def step_hostility(
    hostility: np.ndarray,
    start: np.ndarray,
    provocation: np.ndarray | float,
    rung: np.ndarray,
    top: int,
    growth: np.ndarray,
    met: np.ndarray | None,
    params: Params,
    dt_years: float,
) -> np.ndarray:
    """Hostility after one step (see the module equation).

    Args:
        hostility: ``H_ij``, (R, N, N).
        start: The scenario's ``H0``, (N, N).
        provocation: ``pi p^_ij``, hostility per year read from signals,
            (R, N, N), or 0.0 when nothing was read.
        rung: Each pair's rung averaged over the step's time (war counts
            ``top``), (R, N, N).
        top: The top rung K (major war).
        growth: Arms growth per year ``g_j``, (R, N).
        met: How many events each pair shared this step, (R, N, N) int, or None.
        params: Hostility parameters.
        dt_years: Step length in years.

    Returns:
        New hostility in [0, 1], (R, N, N), zero on the diagonal. Only the
        pairs with some hostility, start, crisis or provocation in some
        replication are computed: elsewhere it stays exactly 0.
    """
    if not params.enabled:
        return hostility
    provocation = np.broadcast_to(provocation, hostility.shape)
    live = (hostility != 0).any(axis=0) | (start != 0) | (rung != 0).any(axis=0)
    live |= (provocation != 0).any(axis=0)
    np.fill_diagonal(live, False)  # nobody is hostile to itself
    i, j = np.nonzero(live)  # (P,)
    now, h0 = pair_columns(hostility, i, j), start[i, j]  # (R, P), (P,)
    push = params.crisis_per_year * (pair_columns(rung, i, j) / top)
    push += pair_columns(provocation, i, j)
    push += params.arms_growth_weight * (now > 0) * growth[:, j]
    rho, half = params.relax_per_year, dt_years / 2

    def toward_start(h: np.ndarray) -> np.ndarray:
        """Half a step of relaxation toward ``H0`` under the push, exactly."""
        return toward(h, h0, rho, half) + push * held(rho, half)

    relaxed = toward_start(now)
    if met is not None:  # the events fall mid-step on average
        relaxed *= (1.0 - params.cooperation_calm) ** pair_columns(met, i, j)
    relaxed = toward_start(relaxed)
    np.clip(relaxed, 0.0, 1.0, out=relaxed)
    relaxed[relaxed < params.floor] = 0.0
    out = np.zeros(hostility.shape, dtype=hostility.dtype)
    put_pair_columns(out, i, j, relaxed)
    return out
