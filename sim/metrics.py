"""Stability outcomes of a run, computed from trajectories as they unfold.

An :class:`OutcomeTracker` is updated with the world after every step and keeps
only running summaries, so a batch of many replications never has to hold whole
trajectories. Every outcome is an array with one value per replication, shape (R,).
It also keeps one record per crisis (:meth:`OutcomeTracker.crisis_records`).

Outcomes (see :meth:`OutcomeTracker.result`, defined in ``docs/outcomes.md``):
war and clash onset and the time of war, peak escalation, share of the time up
to war spent in a militarised crisis, number of crises, deterrence success rate
(crises with a defined challenger only), regional arms growth (CAGR) and burden,
polarisation of the signed network of ties and enmities into two camps, and the
composite :func:`stability_index`; and clash onset, war onset and deterrence per
dyad and per theater (:class:`Places`), named ``OUTCOME.PLACE``.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.dynamics.escalation import (
    CHALLENGER_BACKED_DOWN,
    DEFENDER_BACKED_DOWN,
    ENDINGS,
    INCIDENT,
    ORIGINS,
    RUNGS,
    WAR,
    WAR_ENDING,
    Ended,
    under_way,
)
from sim.dynamics.indexing import where_true
from sim.scenario import place_dyads, place_name

if TYPE_CHECKING:
    from sim.scenario import Scenario
    from sim.world import World

#: The rung from which a crisis counts as a use of force (limited clash or worse).
CLASH = RUNGS.index("limited_clash")
#: The rung from which a crisis counts as militarised (a show of force or worse:
#: a MID in the record's terms; ``sim.calibrate.DISPUTE_RUNG`` by default).
MILITARISED = RUNGS.index("show_of_force")
#: Outcomes reported per dyad and per theater, as ``OUTCOME.PLACE``.
PLACE_OUTCOMES = ("clash_onset", "war_onset", "deterrence_success_rate")


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


def polarisation(
    tie: np.ndarray, hostility: np.ndarray, *, iterations: int = 60
) -> np.ndarray:
    """How far the region splits into two camps: enemies across, no friends across.

    Structural balance (Heider 1946; Cartwright and Harary 1956) on the signed
    network with ties ``w_ij`` as friendship and mutual hostility
    ``h_ij = (H_ij + H_ji) / 2`` as enmity: for the split ``s`` of the states
    into two camps that maximises it, the share of all enmity that runs between
    the camps, net of the friendship that crosses them::

        P = max(0, max_s sum_{i<j, s_i != s_j} (h_ij - w_ij)) / sum_{i<j} h_ij

    0 without enmity, or when friendship crosses every line enmity draws; 1
    when two camps face each other with no enmity inside and no tie across.
    Enmity inside a camp or a tie across lowers it; a tie between two enemies
    of the same state (balancing) does not. The split is a signed max-cut,
    found from the sign of the leading eigenvector of ``h - w`` (power
    iteration from a fixed vector) and improved by moving one state at a time
    until no move helps, the heuristic used for the frustration index of
    signed graphs. Only elementwise work and sums over the state axis: a
    replication's value does not depend on the batch.

    Args:
        tie: Commitment strength, (R, N, N), symmetric.
        hostility: Hostility ``H_ij``, (R, N, N).
        iterations: Power iterations for the starting split.

    Returns:
        P per replication, in [0, 1], shape (R,).
    """
    enmity = (hostility + np.swapaxes(hostility, 1, 2)) / 2
    n = tie.shape[1]
    off = ~np.eye(n, dtype=bool)
    weight = np.where(off, enmity - tie, 0.0)  # (R, N, N): what a cut gains
    shift = np.abs(weight).sum(axis=2).max(axis=1)[:, None]  # (R, 1)
    vector = np.broadcast_to(np.linspace(-1.0, 1.0, n), (len(tie), n)).copy()
    for _ in range(iterations):  # leading eigenvector of shift*I - weight
        vector = shift * vector - (weight * vector[:, None, :]).sum(axis=2)
        vector /= np.maximum(np.abs(vector).max(axis=1, keepdims=True), 1e-300)
    side = np.where(vector >= 0, 1.0, -1.0)
    rows = np.arange(len(tie))
    for _ in range(n * n):
        pull = (weight * side[:, None, :]).sum(axis=2)  # sum_j weight_ij s_j
        gain = side * pull  # moving i alone gains this much cut weight
        best = np.argmax(gain, axis=1)
        moves = gain[rows, best] > 1e-12
        if not moves.any():
            break
        side[rows[moves], best[moves]] *= -1.0
    across = side[:, :, None] != side[:, None, :]
    cut = (weight * across).sum(axis=(1, 2)) / 2
    total = enmity.sum(axis=(1, 2), where=off) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(total > 0, np.maximum(cut, 0.0) / total, 0.0)
    return np.clip(share, 0.0, 1.0)


@dataclass(frozen=True)
class Places:
    """The dyads and theaters that get outcomes of their own.

    Attributes:
        dyads: State indices ``(i, j)`` of each dyad, in the order of the
            scenario's disputes then rivalries (each pair once).
        dyad_names: ``I_J`` for each dyad, from the state ids (``CHN_TWN``).
        theaters: Theater ids, in scenario order.
    """

    dyads: tuple[tuple[int, int], ...] = ()
    dyad_names: tuple[str, ...] = ()
    theaters: tuple[str, ...] = ()

    @classmethod
    def of(cls, scenario: "Scenario") -> "Places":
        """The scenario's disputes and rivalries, and its theaters."""
        dyads = place_dyads(
            p.parties for p in (*scenario.disputes, *scenario.rivalries)
        )
        return cls(
            dyads=tuple(tuple(map(scenario.state_index, p)) for p in dyads),
            dyad_names=tuple(map(place_name, dyads)),
            theaters=tuple(t.id for t in scenario.theaters),
        )


@dataclass(frozen=True)
class StabilityWeights:
    """Weights of the composite stability index (modelling choices, sum to 1).

    Attributes:
        war: Weight of war onset (0 or 1).
        peak: Weight of peak escalation, as a share of the ladder.
        crisis_time: Weight of the share of time in crisis.
        arms_growth: Weight of arms growth, CAGR over ``arms_growth_full``.
        polarisation: Weight of polarisation (two camps, :func:`polarisation`).
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
        places: Dyads and theaters reported on their own (none by default).
    """

    def __init__(
        self,
        world: "World",
        dt_years: float,
        weights: StabilityWeights = StabilityWeights(),
        places: Places = Places(),
    ) -> None:
        self.dt_years = dt_years
        self.weights = weights
        self.places = places
        self.start_milex = world.milex.sum(axis=1)
        self.world = world
        r, n = world.milex.shape
        self.war_step = np.full(r, -1)
        self.peak = world.rung.max(axis=(1, 2)).astype(int)
        self.crisis_steps = np.zeros(r, dtype=int)
        self.steps_to_war = np.zeros(r, dtype=int)
        self.crises = np.zeros(r, dtype=int)
        self.clashes = np.zeros(r, dtype=int)  # concluded crises that reached one
        self.clash_step = np.where(self.peak >= CLASH, 0, -1)
        self.endings = np.zeros((r, len(ENDINGS)), dtype=int)
        self.dyad = np.full((n, n), -1)  # (N, N): index of each place dyad
        pairs = np.array(places.dyads, dtype=int).reshape(-1, 2)
        self.dyad[pairs[:, 0], pairs[:, 1]] = self.dyad[pairs[:, 1], pairs[:, 0]] = (
            np.arange(len(pairs))
        )
        self.pairs = pairs
        self.dyad_peak = world.rung[:, pairs[:, 0], pairs[:, 1]].astype(int)  # (R, P)
        n_theaters = len(places.theaters)
        self.theater_peak = np.zeros((r, n_theaters), dtype=int)
        self.dyad_endings = np.zeros((r, len(pairs), len(ENDINGS)), dtype=int)
        self.theater_endings = np.zeros((r, n_theaters, len(ENDINGS)), dtype=int)
        self._records: list[dict[str, np.ndarray]] = []

    def update(self, world: "World") -> None:
        """Take in the world after a step, and the crises that ended within it."""
        self.world = world
        crises, ended = world.crises, world.ended
        r_end, e_end = ended.rows()
        peak_end = ended.peak[r_end, e_end].astype(int)
        started = (crises.start_step == world.step) & crises.challenger
        started_and_ended = ended.start_step[r_end, e_end] == world.step
        self.crises += count_per_replication(started & under_way(world.rung))
        self.crises += np.bincount(r_end[started_and_ended], minlength=len(self.crises))
        top = world.rung.max(axis=(1, 2))  # (R,): war is the top rung
        self.peak = np.maximum(self.peak, top)
        np.maximum.at(self.peak, r_end, peak_end)
        np.add.at(self.clashes, r_end[peak_end >= CLASH], 1)
        self.clash_step = np.where(
            (self.clash_step < 0) & (self.peak >= CLASH), world.step, self.clash_step
        )
        at_war = top == WAR
        self.war_step = np.where(
            (self.war_step < 0) & at_war, world.step, self.war_step
        )
        # the steps to the first war, its own included: the crisis that became
        # the war was under way in it (a war in the first step is not 0/0)
        war_began = self.war_step == world.step
        to_war = (self.war_step < 0) | war_began
        self.steps_to_war += to_war
        rung = world.rung
        in_crisis = ((rung >= MILITARISED) & under_way(rung)).any(axis=(1, 2))
        self.crisis_steps += (in_crisis | war_began) & to_war
        pairs = self.pairs
        self.dyad_peak = np.maximum(
            self.dyad_peak, world.rung[:, pairs[:, 0], pairs[:, 1]]
        )
        challenger = ended.challenger[r_end, e_end]
        defender = ended.defender[r_end, e_end]
        place = self.dyad[challenger, defender]
        mine = place >= 0
        np.maximum.at(self.dyad_peak, (r_end[mine], place[mine]), peak_end[mine])
        if self.places.theaters:
            rungs = theater_series(world, len(self.places.theaters))["max_rung"]
            self.theater_peak = np.maximum(self.theater_peak, rungs.astype(int))
            theater = ended.theater[r_end, e_end].astype(int)
            there = theater >= 0
            np.maximum.at(
                self.theater_peak, (r_end[there], theater[there]), peak_end[there]
            )
        if len(r_end):
            self._count_endings(ended, r_end, e_end)
            self._records.append(
                self._rows(
                    r_end,
                    challenger,
                    defender,
                    {
                        name: getattr(ended, name)[r_end, e_end]
                        for name in (*_RECORDED, "defender_climbed")
                    },
                    ended.ending[r_end, e_end],
                )
            )

    def _clashing_now(self) -> np.ndarray:
        """Crises under way that have reached a limited clash, per replication."""
        crises = self.world.crises
        now = under_way(self.world.rung) & crises.challenger & (crises.peak >= CLASH)
        return count_per_replication(now)

    def _count_endings(self, ended: Ended, r: np.ndarray, e: np.ndarray) -> None:
        """Count the endings of crises with a defined challenger (not incidents)."""
        tested = ended.origin[r, e] != INCIDENT
        r, e = r[tested], e[tested]
        ending = ended.ending[r, e]
        np.add.at(self.endings, (r, ending), 1)
        place = self.dyad[ended.challenger[r, e], ended.defender[r, e]]
        mine = place >= 0
        np.add.at(self.dyad_endings, (r[mine], place[mine], ending[mine]), 1)
        theater = ended.theater[r, e].astype(int)
        if self.places.theaters:
            there = theater >= 0
            np.add.at(
                self.theater_endings, (r[there], theater[there], ending[there]), 1
            )

    def _rows(
        self,
        r: np.ndarray,
        challenger: np.ndarray,
        defender: np.ndarray,
        recorded: dict[str, np.ndarray],
        ending: np.ndarray,
    ) -> dict[str, np.ndarray]:
        """Rows of a crisis record (see :meth:`crisis_records`)."""
        return {
            "replication": self.world.replications[r],
            "challenger": challenger,
            "defender": defender,
            "theater": recorded["theater"].astype(int),
            "start_step": recorded["start_step"].astype(int),
            "end_step": np.full(len(r), self.world.step),
            "peak_rung": recorded["peak"].astype(int),
            "ending": np.array((*ENDINGS, "ongoing"))[ending],
            "origin": np.array(ORIGINS)[recorded["origin"]],
            "defender_climbed": recorded["defender_climbed"].astype(int),
        }

    def crisis_records(self) -> dict[str, np.ndarray]:
        """One row per crisis so far, as equal-length arrays (no pandas).

        Columns: replication, challenger and defender (state indices), theater
        (theater index), start_step, end_step, peak_rung, ending (one of
        ``challenger_backed_down``, ``defender_backed_down``, ``negotiated``,
        ``war``, or ``ongoing`` for a crisis still open, whose end_step is the
        current step), origin (``dispute``, ``incident``, ``inject`` or
        ``entrapment``) and defender_climbed (the highest rung the defender
        took the crisis to itself, 0 if it never replied with a climb). Rows
        are in order of end step, then replication.
        """
        crises = self.world.crises
        r, i, j = where_true(under_way(self.world.rung) & crises.challenger)
        recorded = {name: getattr(crises, name)[r, i, j] for name in _RECORDED}
        recorded["defender_climbed"] = crises.climbed[r, j, i]
        ongoing = np.full(len(r), len(ENDINGS))
        parts = [*self._records, self._rows(r, i, j, recorded, ongoing)]
        return {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}

    def reached(self) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """The highest rung reached so far: the region's (R,), each theater's (R, T).

        Recorded every step as ``reached_rung`` beside ``max_rung``, the rung
        standing at the step's end: a crisis that climbs and ends within one
        step counts here, so the first step at which a replication has reached
        a rung is the onset the outcomes give (``clash_onset_years``), at any
        step length.
        """
        return (
            {"reached_rung": self.peak.astype(float)},
            {"reached_rung": self.theater_peak.astype(float)},
        )

    def result(self) -> dict[str, np.ndarray]:
        """Outcomes so far, each of shape (R,) (definitions in ``docs/outcomes.md``).

        ``war_onset`` is 1 if some dyad reached major war, ``war_onset_years``
        the time of the first (NaN if none), ``clash_onset`` 1 if some dyad
        reached a limited clash or worse, ``clash_onset_years`` the time of the
        first (NaN if none), ``clashes`` the crises, concluded or under way,
        that reached one (at the region's calibrated rates ``clash_onset`` is 1
        in nearly every replication of ten years; these two still vary);
        ``crisis_time_share`` is the share of
        the steps up to the first war with some militarised crisis (a show of
        force or worse) under way (the war's own step counts, its crisis under
        way in it; none after it);
        ``deterrence_success_rate`` is the share of concluded crises with a
        defined challenger (not incidents), other than negotiated ones, that
        ended with the challenger backing down (NaN if none). Then
        ``clash_onset``, ``war_onset`` and ``deterrence_success_rate`` of each
        place, named ``OUTCOME.PLACE``.
        """
        years = self.world.step * self.dt_years
        outcomes = {
            "war_onset": (self.war_step >= 0).astype(float),
            "war_onset_years": np.where(
                self.war_step >= 0, self.war_step * self.dt_years, np.nan
            ),
            "clash_onset": (self.peak >= CLASH).astype(float),
            "clash_onset_years": np.where(
                self.clash_step >= 0, self.clash_step * self.dt_years, np.nan
            ),
            "clashes": (self.clashes + self._clashing_now()).astype(float),
            "peak_rung": self.peak.astype(float),
            "crisis_time_share": self.crisis_steps / np.maximum(self.steps_to_war, 1),
            "crises": self.crises.astype(float),
            "deterrence_success_rate": deterrence_rate(self.endings),
            "arms_growth_cagr": cagr(
                self.start_milex, self.world.milex.sum(axis=1), years
            ),
            "arms_burden": regional_burden(self.world.milex, self.world.gdp),
            "polarisation": polarisation(self.world.tie, self.world.hostility),
        }
        outcomes["stability_index"] = stability_index(outcomes, self.weights)
        names = (*self.places.dyad_names, *self.places.theaters)
        peaks = np.concatenate([self.dyad_peak, self.theater_peak], axis=1)
        endings = np.concatenate([self.dyad_endings, self.theater_endings], axis=1)
        rates = deterrence_rate(endings)
        for k, place in enumerate(names):
            outcomes[f"clash_onset.{place}"] = (peaks[:, k] >= CLASH).astype(float)
            outcomes[f"war_onset.{place}"] = (peaks[:, k] == WAR).astype(float)
            outcomes[f"deterrence_success_rate.{place}"] = rates[:, k]
        return outcomes


#: Fields a crisis record takes from the bookkeeping.
_RECORDED = ("theater", "start_step", "peak", "origin")


def deterrence_rate(endings: np.ndarray) -> np.ndarray:
    """Challenger backed down over (that + defender backed down + war); NaN if 0.

    Args:
        endings: Counts of each ending code, (..., len(ENDINGS)).
    """
    held = endings[..., CHALLENGER_BACKED_DOWN]
    tested = held + endings[..., DEFENDER_BACKED_DOWN] + endings[..., WAR_ENDING]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(tested > 0, held / tested, np.nan)
