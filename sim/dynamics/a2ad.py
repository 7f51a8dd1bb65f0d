"""Power projection over distance, and anti-access/area-denial (A2/AD).

Anchors: K. Boulding, *Conflict and Defense* (1962): a state's strength falls with
distance from home, the *loss-of-strength gradient*; A2/AD as in Krepinevich,
Watts and Work, *Meeting the Anti-Access and Area-Denial Challenge* (CSBA 2003):
missile and sensor coverage that makes it costly for an outside power to operate
near a denier's shores.

Projected power of state i in theater t (Boulding, in a hyperbolic form that is 1
at home and halves at ``half_strength_km``):

    L(d) = 1 / (1 + d / d_half)
    P_it = K_i * L(d_it) * (1 - D_it)

``d_it`` is measured from the nearest of i's capital and its bases (Boulding's
gradient runs from each base where strength is kept; a modelling choice: a base
projects the whole capability, as the capital does).

Denial ``D_it`` that i meets in t is the strongest denier j's coverage of t, scaled
by how much j's A2/AD investment outweighs i's counter-A2/AD investment
(a contest between two stocks, with a half-saturation stock ``S`` so that a small
arsenal denies little) and capped by ``max_denial``:

    cover_jt = 1 if d(site_j, t) <= short_range_km
               long_range_weight if d(site_j, t) <= long_range_km, else 0
    D_it = max_{j denies i} max_denial * cover_jt * A_j / (A_j + C_i + S)

A denier does not deny itself or those it exempts (its allies). The A2/AD stock
``A`` and counter stock ``C`` (counter-A2/AD: long-range strike, electronic
warfare and missile defence) are bought from the budget: shares ``s_A`` and
``s_C`` of spending ``x`` go into them, and only the rest into the conventional
capability ``K`` that projects power. Each stock depreciates like capability:

    A' = A + dt (s_A x - delta A),   C' = C + dt (s_C x - delta C),
    K' = K + dt ((1 - s_A - s_C) x - delta K)

so a state that buys denial projects less. It starts with a share ``b``
(``initial_build``) of the stock its share would sustain, ``b s x / delta``, so
a zone can grow during a run. The half-denial stock ``S`` is positive by
default, so a small arsenal denies little. Ranges of 0 km, or no A2/AD
investment, leave projection untouched.

Denial also reaches extended deterrence: an ally i whose capital lies inside a
zone that denies its patron j sees j's commitment discounted by the denial j
meets there, ``c_ij' = c_ij * (1 - D_j,capital(i))``.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from sim.dynamics.parameters import Value, param

EARTH_RADIUS_KM = 6371.0088  # IUGG mean Earth radius


class Located(Protocol):
    """A scenario entry placed on the map for one state (a site, a base)."""

    state: str
    location: tuple[float, float]


@dataclass(frozen=True)
class Params:
    """Parameters of projection and denial (all defaults are modelling choices)."""

    enabled: bool = param(True, doc="Apply A2/AD denial; distance decay always runs.")
    half_strength_km: float = param(
        5000.0, lo=1.0, doc="Distance at which projected strength is halved, km."
    )
    short_range_km: Value = param(
        1500.0, lo=0.0, per_state=True, doc="Reach of the dense missile class, km."
    )
    long_range_km: Value = param(
        4000.0, lo=0.0, per_state=True, doc="Reach of the sparse missile class, km."
    )
    long_range_weight: float = param(
        0.5, lo=0.0, hi=1.0, doc="Coverage of the long class relative to the short."
    )
    max_denial: float = param(
        0.7, lo=0.0, hi=1.0, doc="Share of projected power full coverage removes."
    )
    a2ad_share: Value = param(
        0.0,
        lo=0.0,
        hi=1.0,
        per_state=True,
        doc="Share of spending put into A2/AD (out of conventional capability).",
    )
    counter_share: Value = param(
        0.0,
        lo=0.0,
        hi=1.0,
        per_state=True,
        doc="Share of spending into counter-A2/AD and missile defence.",
    )
    half_denial_stock_usd_m: float = param(
        100000.0,
        lo=0.0,
        doc="A2/AD stock denying half of max_denial unopposed, US$ m (a choice: "
        "about a third of China's 2024 spending).",
    )
    initial_build: Value = param(
        1.0,
        lo=0.0,
        hi=1.0,
        per_state=True,
        doc="Share of its steady A2/AD and counter stocks built at the start.",
    )


def great_circle_km(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Great-circle distance (haversine) between ``[lat, lon]`` points, in km.

    Args:
        a: Points in degrees, shape (..., 2).
        b: Points in degrees, broadcastable against ``a``, shape (..., 2).

    Returns:
        Distances, the broadcast shape without the last axis.
    """
    lat1, lon1 = np.radians(a[..., 0]), np.radians(a[..., 1])
    lat2, lon2 = np.radians(b[..., 0]), np.radians(b[..., 1])
    h = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def by_state(state_ids: Sequence[str], entries: Iterable[Located]) -> list[np.ndarray]:
    """The ``[lat, lon]`` of each state's entries (sites, bases), one per state.

    Returns:
        One (S_i, 2) array per state id, in the order of ``state_ids``.
    """
    entries = tuple(entries)
    return [
        np.array([e.location for e in entries if e.state == s]).reshape(-1, 2)
        for s in state_ids
    ]


def nearest_site_km(
    home: np.ndarray, sites: list[np.ndarray], points: np.ndarray
) -> np.ndarray:
    """Distance from each state's nearest launch site to each point, km.

    Args:
        home: Each state's capital ``[lat, lon]``, shape (N, 2); a state with
            no declared site launches from there.
        sites: Each state's declared sites, one (S_i, 2) array per state
            (S_i may be 0).
        points: Points to cover (theater centres, capitals), shape (P, 2).

    Returns:
        Distances, shape (N, P).
    """
    distance = np.empty((len(home), len(points)))
    for i, own in enumerate(sites):
        launch = own if len(own) else home[i : i + 1]
        distance[i] = great_circle_km(launch[:, None, :], points[None, :, :]).min(0)
    return distance


def loss_of_strength(distance_km: np.ndarray, half_strength_km: float) -> np.ndarray:
    """Boulding's gradient ``L(d) = 1 / (1 + d / d_half)``: 1 at home, falling."""
    return 1.0 / (1.0 + distance_km / half_strength_km)


def coverage(site_distance_km: np.ndarray, params: Params) -> np.ndarray:
    """How densely each state's missiles cover each theater, in [0, 1].

    Args:
        site_distance_km: Distance from each state's nearest A2/AD site to each
            theater, shape (N, T).
        params: A2/AD parameters (ranges may be per state).

    Returns:
        ``cover_jt``, shape (N, T).
    """
    short = np.reshape(params.short_range_km, (-1, 1))
    long = np.reshape(params.long_range_km, (-1, 1))
    within_long = site_distance_km <= long
    within_short = site_distance_km <= short
    return np.where(
        within_short, 1.0, np.where(within_long, params.long_range_weight, 0.0)
    )


def exempt_from_denial(tie: np.ndarray, hostility: np.ndarray) -> np.ndarray:
    """Whom each denier spares: itself and friends (tied, not hostile), (R, N, N).

    ``exempt[r, i, j]`` is true where denier j does not deny i.
    """
    n = tie.shape[1]
    return np.eye(n, dtype=bool) | ((tie > 0) & (hostility == 0))


def denial(
    cover: np.ndarray,
    a2ad_stock: np.ndarray,
    counter_stock: np.ndarray,
    exempt: np.ndarray,
    params: Params,
) -> np.ndarray:
    """Denial each state meets in each theater, ``D_it`` in [0, max_denial].

    Args:
        cover: Coverage ``cover_jt`` of each denier j, shape (N, T).
        a2ad_stock: A2/AD stocks ``A_j``, US$ m, shape (R, N).
        counter_stock: Counter-A2/AD stocks ``C_i``, US$ m, shape (R, N).
        exempt: ``exempt[i, j]`` true where denier j does not deny i (i == j or
            allies), shape (R, N, N).
        params: A2/AD parameters.

    Returns:
        ``D_it``, shape (R, N, T); zeros when the mechanism is off.

    Notes:
        The loop skips deniers with no stock in any replication; they deny
        nothing, so the result does not depend on which replications are batched.
    """
    r, n = a2ad_stock.shape
    strongest = np.zeros((r, n, cover.shape[1]))  # (R, N, T)
    deniers = np.flatnonzero(a2ad_stock.any(axis=0))  # with a stock somewhere
    if not params.enabled or len(deniers) == 0:
        return strongest
    a = a2ad_stock[:, None, :]  # (R, 1, N): denier j
    c = counter_stock[:, :, None]  # (R, N, 1): projecting state i
    total = a + c + params.half_denial_stock_usd_m
    contest = np.divide(a, total, out=np.zeros_like(total), where=total > 0)
    contest = np.where(exempt, 0.0, contest)  # (R, N, N)
    for j in deniers:
        strongest = np.maximum(strongest, contest[:, :, j, None] * cover[None, None, j])
    return params.max_denial * strongest


def projected_power(
    capability: np.ndarray,
    distance_km: np.ndarray,
    denial_met: np.ndarray,
    params: Params,
) -> np.ndarray:
    """Capability each state can bring to bear in each theater, ``P_it``.

    Args:
        capability: Capability stocks ``K_i``, shape (R, N).
        distance_km: Distance from each capital to each theater, shape (N, T).
        denial_met: Denial ``D_it`` from :func:`denial`, shape (R, N, T).
        params: A2/AD parameters.

    Returns:
        ``K_i * L(d_it) * (1 - D_it)``, shape (R, N, T).
    """
    gradient = loss_of_strength(distance_km, params.half_strength_km)  # (N, T)
    return capability[:, :, None] * gradient[None] * (1.0 - denial_met)


def conventional_share(params: Params) -> Value:
    """Share of spending left for conventional capability, ``1 - s_A - s_C``."""
    return 1.0 - params.a2ad_share - params.counter_share


def initial_stock(
    milex: np.ndarray, share: Value, depreciation_per_year: Value, params: Params
) -> np.ndarray:
    """Stock at the start: ``b * s * x / delta``, the built share of the steady stock.

    Args:
        milex: Spending ``x``, US$ m per year, shape (R, N).
        share: ``a2ad_share`` or ``counter_share``, scalar or (N,).
        depreciation_per_year: ``delta``, scalar or (N,).
        params: A2/AD parameters (``initial_build`` may be per state).
    """
    return params.initial_build * share * milex / depreciation_per_year


def step_stock(
    stock: np.ndarray,
    milex: np.ndarray,
    share: Value,
    depreciation_per_year: Value,
    dt_years: float,
) -> np.ndarray:
    """Accumulate a share of spending into a stock: ``S' = S + dt*(s*x - delta*S)``."""
    return stock + dt_years * (share * milex - depreciation_per_year * stock)


def credibility_under_denial(
    credibility: np.ndarray, denial_at_capitals: np.ndarray
) -> np.ndarray:
    """Extended deterrence discounted inside denial zones: ``c_ij (1 - D_j,i)``.

    Args:
        credibility: ``c_ij``, credibility of j's commitment to i, (R, N, N).
        denial_at_capitals: Denial each state j meets at each capital i, from
            :func:`denial` with capitals as the points, shape (R, N, N).

    Returns:
        Discounted credibility, shape (R, N, N).
    """
    return credibility * (1.0 - np.swapaxes(denial_at_capitals, 1, 2))
