"""Stability outcomes of a run, computed from trajectories as they unfold.

An :class:`OutcomeTracker` is updated with the world after every step and keeps
only running summaries, so a batch of many replications never has to hold whole
trajectories. Every outcome is an array with one value per replication, shape (R,).
It also keeps one record per crisis (:meth:`OutcomeTracker.crisis_records`).

Outcomes (see :meth:`OutcomeTracker.result`): war onset and its time, peak
escalation, share of time in crisis, number of crises, deterrence success rate,
regional arms growth (CAGR) and burden, alliance polarisation, and the composite
:func:`stability_index`.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np

from sim.dynamics.escalation import (
    CHALLENGER_BACKED_DOWN,
    DEFENDER_BACKED_DOWN,
    ENDINGS,
    WAR,
    WAR_ENDING,
    under_way,
)
from sim.dynamics.indexing import where_true

if TYPE_CHECKING:
    from sim.world import World


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


def count_per_replication(mask: np.ndarray) -> np.ndarray:
    """Number of true dyads in each replication of a sparse (R, N, N) mask, (R,)."""
    return np.bincount(where_true(mask)[0], minlength=len(mask))


def polarisation(tie: np.ndarray) -> np.ndarray:
    """Bloc structure of the tie network: modularity of its best partition.

    Newman's weighted modularity of the communities found by greedy modularity
    maximisation (Clauset, Newman and Moore 2004, via networkx), with commitment
    strength as edge weight: 0 when ties do not fall into blocs (or there are
    none), towards 1 for separate, internally dense blocs. Computed once per
    distinct tie matrix, so replications whose ties never changed share one
    computation.

    Args:
        tie: Commitment strength, shape (R, N, N).

    Returns:
        Modularity per replication, shape (R,).
    """
    known: dict[bytes, float] = {}  # modularity by the tie matrix's bytes
    for ties in tie:
        key = ties.tobytes()
        if key not in known:
            known[key] = _modularity(ties)
    return np.array([known[ties.tobytes()] for ties in tie])


def _modularity(tie: np.ndarray) -> float:
    graph = nx.Graph()
    graph.add_nodes_from(range(len(tie)))
    i, j = np.nonzero(np.triu(tie, 1))
    graph.add_weighted_edges_from(
        zip(i.tolist(), j.tolist(), tie[i, j].tolist(), strict=True)
    )
    if graph.number_of_edges() == 0:
        return 0.0
    blocs = nx.community.greedy_modularity_communities(graph, weight="weight")
    return float(nx.community.modularity(graph, blocs, weight="weight"))


@dataclass(frozen=True)
class StabilityWeights:
    """Weights of the composite stability index (modelling choices, sum to 1).

    Attributes:
        war: Weight of war onset (0 or 1).
        peak: Weight of peak escalation, as a share of the ladder.
        crisis_time: Weight of the share of time in crisis.
        arms_growth: Weight of arms growth, CAGR over ``arms_growth_full``.
        polarisation: Weight of alliance polarisation (modularity).
        arms_growth_full: Regional CAGR that counts as fully destabilising.
    """

    war: float = 0.4
    peak: float = 0.2
    crisis_time: float = 0.2
    arms_growth: float = 0.1
    polarisation: float = 0.1
    arms_growth_full: float = 0.10


def stability_index(
    outcomes: dict[str, np.ndarray], weights: StabilityWeights = StabilityWeights()
) -> np.ndarray:
    """Composite stability in [0, 1]: 1 minus the weighted sum of instabilities.

    ``S = 1 - (w_war*war + w_peak*peak/K + w_crisis*crisis_share
    + w_arms*clip(cagr/g_full, 0, 1) + w_pol*polarisation)``, clipped to [0, 1],
    where K is the top rung (major war). Each term is in [0, 1].
    """
    arms = np.clip(
        np.nan_to_num(outcomes["arms_growth_cagr"]) / weights.arms_growth_full, 0, 1
    )
    loss = (
        weights.war * outcomes["war_onset"]
        + weights.peak * outcomes["peak_rung"] / WAR
        + weights.crisis_time * outcomes["crisis_time_share"]
        + weights.arms_growth * arms
        + weights.polarisation * np.clip(outcomes["polarisation"], 0, 1)
    )
    return np.clip(1.0 - loss, 0.0, 1.0)


def off_diagonal_mean(dyads: np.ndarray) -> np.ndarray:
    """Mean over all pairs i != j of an (R, N, N) array, shape (R,)."""
    n = dyads.shape[1]
    diagonal = np.trace(dyads, axis1=1, axis2=2)
    return (dyads.sum(axis=(1, 2)) - diagonal) / (n * (n - 1))


def ally_mean(credibility: np.ndarray, tie: np.ndarray) -> np.ndarray:
    """Mean credibility over tied pairs, (R,): NaN for a replication without ties.

    Credibility is zero wherever there is no tie, so its plain sum is the sum
    over tied pairs.
    """
    count = (tie > 0).sum(axis=(1, 2))
    total = credibility.sum(axis=(1, 2))
    return np.divide(total, count, out=np.full(len(count), np.nan), where=count > 0)


def model_series(world: "World") -> dict[str, np.ndarray]:
    """Model-level values recorded every step, each of shape (R,)."""
    return {
        "total_milex_usd_m": world.milex.sum(axis=1),
        "total_capability_usd_m": world.capability.sum(axis=1),
        "crises_active": count_per_replication(under_way(world.rung)) / 2.0,
        "mean_trust": off_diagonal_mean(world.trust),
        "mean_hostility": off_diagonal_mean(world.hostility),
        "mean_ally_credibility": ally_mean(world.credibility, world.tie),
        "max_rung": world.rung.max(axis=(1, 2)).astype(float),
    }


def state_series(world: "World") -> dict[str, np.ndarray]:
    """Per-state values recorded every step (when asked), each of shape (R, N)."""
    return {
        "milex_usd_m": world.milex,
        "capability_usd_m": world.capability,
        "burden": world.milex / world.gdp,
        "max_rung": world.rung.max(axis=2).astype(float),
    }


def theater_series(world: "World", n_theaters: int) -> dict[str, np.ndarray]:
    """Per-theater values recorded every step, each of shape (R, T).

    ``max_rung`` is the highest rung of any crisis under way in the theater
    (0, peace, where there is none).
    """
    theater = world.crises.theater
    r, i, j = where_true((world.rung > 0) & (theater >= 0))  # dyads above peace
    rungs = np.zeros((len(world.replications), n_theaters), dtype=world.rung.dtype)
    np.maximum.at(rungs, (r, theater[r, i, j]), world.rung[r, i, j])
    return {"max_rung": rungs.astype(float)}


class OutcomeTracker:
    """Running stability outcomes of R replications, and a record of each crisis.

    Args:
        world: The world at step 0.
        dt_years: Length of a step in years.
        weights: Weights of the composite stability index.
    """

    def __init__(
        self,
        world: "World",
        dt_years: float,
        weights: StabilityWeights = StabilityWeights(),
    ) -> None:
        self.dt_years = dt_years
        self.weights = weights
        self.start_milex = world.milex.sum(axis=1)
        self.world = world
        r = len(world.replications)
        self.war_step = np.full(r, -1)
        self.peak = world.rung.max(axis=(1, 2)).astype(int)
        self.crisis_steps = np.zeros(r, dtype=int)
        self.crises = np.zeros(r, dtype=int)
        self.endings = np.zeros((r, len(ENDINGS)), dtype=int)
        self._records: list[dict[str, np.ndarray]] = []

    def update(self, world: "World") -> None:
        """Take in the world after a step."""
        self.world = world
        crises = world.crises
        started = (crises.start_step == world.step) & crises.challenger
        self.crises += count_per_replication(started)
        top = world.rung.max(axis=(1, 2))  # (R,): war is the top rung
        self.peak = np.maximum(self.peak, top)
        self.crisis_steps += top >= 1
        at_war = top == WAR
        self.war_step = np.where(
            (self.war_step < 0) & at_war, world.step, self.war_step
        )
        ended = (crises.ending > 0) & crises.challenger
        if ended.any():
            r, i, j = where_true(ended)
            np.add.at(self.endings, (r, crises.ending[r, i, j]), 1)
            self._records.append(self._record(ended, crises.ending))

    def _record(self, which: np.ndarray, ending: np.ndarray) -> dict[str, np.ndarray]:
        """Rows for the crises marked in ``which`` (R, N, N), ending codes given."""
        r, i, j = where_true(which)
        crises = self.world.crises
        return {
            "replication": self.world.replications[r],
            "challenger": i,
            "defender": j,
            "theater": crises.theater[r, i, j].astype(int),
            "start_step": crises.start_step[r, i, j].astype(int),
            "end_step": np.full(len(r), self.world.step),
            "peak_rung": crises.peak[r, i, j].astype(int),
            "ending": np.array((*ENDINGS, "ongoing"))[ending[r, i, j]],
        }

    def crisis_records(self) -> dict[str, np.ndarray]:
        """One row per crisis so far, as equal-length arrays (no pandas).

        Columns: replication, challenger and defender (state indices), theater
        (theater index), start_step, end_step, peak_rung, and ending (one of
        ``challenger_backed_down``, ``defender_backed_down``, ``negotiated``,
        ``war``, or ``ongoing`` for a crisis still open, whose end_step is the
        current step). Rows are in order of end step, then replication.
        """
        crises = self.world.crises
        open_now = under_way(self.world.rung) & crises.challenger
        ongoing = np.full(self.world.rung.shape, len(ENDINGS), dtype=np.int8)
        parts = [*self._records, self._record(open_now, ongoing)]
        return {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}

    def result(self) -> dict[str, np.ndarray]:
        """Outcomes so far, each of shape (R,).

        ``war_onset`` is 1 if some dyad reached major war, ``war_onset_years``
        the time of the first (NaN if none); ``deterrence_success_rate`` is the
        share of concluded crises, other than negotiated ones, that ended with
        the challenger backing down (NaN if none).
        """
        years = self.world.step * self.dt_years
        steps = max(self.world.step, 1)
        held = self.endings[:, CHALLENGER_BACKED_DOWN]
        tested = held + self.endings[:, DEFENDER_BACKED_DOWN]
        tested = tested + self.endings[:, WAR_ENDING]
        with np.errstate(divide="ignore", invalid="ignore"):
            deterrence = np.where(tested > 0, held / tested, np.nan)
        outcomes = {
            "war_onset": (self.war_step >= 0).astype(float),
            "war_onset_years": np.where(
                self.war_step >= 0, self.war_step * self.dt_years, np.nan
            ),
            "peak_rung": self.peak.astype(float),
            "crisis_time_share": self.crisis_steps / steps,
            "crises": self.crises.astype(float),
            "deterrence_success_rate": deterrence,
            "arms_growth_cagr": cagr(
                self.start_milex, self.world.milex.sum(axis=1), years
            ),
            "arms_burden": regional_burden(self.world.milex, self.world.gdp),
            "polarisation": polarisation(self.world.tie),
        }
        outcomes["stability_index"] = stability_index(outcomes, self.weights)
        return outcomes
