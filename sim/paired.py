"""Paired comparisons of two arms on common random numbers, with 95% intervals.

An *arm* is a scenario file with a set of overrides. :func:`run` runs two arms
over the same seed and replication indices; because random numbers are
counter-based (:mod:`sim.rng`), replication ``r`` of both arms sees the same
draws wherever the arms do the same thing, so the arms differ by their
parameters, not by luck (common random numbers). The per-replication
differences are then independent draws of the effect, and their spread gives
an interval far narrower than two independent batches would.

:meth:`Pair.compare` measures a *metric* in both arms: the name of an outcome
(:class:`sim.metrics.OutcomeTracker`), or a function of an arm's
:class:`Records` returning one value per replication, or a :class:`Ratio` of
two per-replication sums (e.g. the share of crises that climb past a rung). It
returns a :class:`Comparison`: each arm's estimate, the effect of arm b
against arm a (``b - a``, or ``b / a - 1`` on the relative scale) and its
interval, by one of these methods:

``t``
    Paired t interval on the per-replication differences. For a ratio
    ``R = sum(y) / sum(x)`` the replication's contribution is linearised
    (delta method): ``z_r = (y_r - R x_r) / mean(x)``; a plain mean has
    ``x = 1`` and ``z_r = y_r - mean(y)``, so this is the textbook paired t.
    On the relative scale the interval is taken on ``ln(R_b / R_a)``, whose
    linearised term is ``z_r / R``, and mapped back, so it never crosses -100%.
``newcombe``
    For a 0/1 outcome (e.g. war onset) on the difference scale: Newcombe's
    hybrid score interval for paired proportions (Newcombe 1998, *Statistics
    in Medicine* 17, 2635-2650, method 10), built from the two arms' Wilson
    score intervals and their phi correlation. Unlike the t interval it stays
    honest for rare events, and it is not degenerate when neither arm has any.
``bootstrap``
    Paired percentile bootstrap over replications (the same resampled
    replication indices for both arms), for skewed metrics in small samples.
    Its resampling uses a fixed seed, so a comparison is reproducible.

``auto`` (the default) picks ``newcombe`` for a 0/1 mean on the difference
scale and ``t`` otherwise.

``none``
    No interval, whatever the method asked: a 0/1 outcome on the relative
    scale whose arms agreed in every replication (no replication where only
    one arm had the event). The t interval's log-ratio terms are then all 0
    and every bootstrap resample agrees too, so either would be zero wide, as
    if the effect were known exactly; but R replications without a
    disagreement bound how often the arms would disagree only as 0 events in
    R bound a rate: by a Wilson interval (up to 0.16 at R = 20), not by 0. So
    the relative interval is NaN, not defined from them; the difference
    scale's Newcombe interval keeps that width (+-0.17 at 20 replications with
    one war in each arm).

Example:
    >>> from sim import paired
    >>> pair = paired.run(
    ...     paired.Arm("scenarios/baseline_2024.toml"),
    ...     paired.Arm("scenarios/baseline_2024.toml",
    ...                {"mechanisms.arms_race.reaction_per_year": 0.4}),
    ...     replications=400, steps=40)                      # doctest: +SKIP
    >>> print(pair.compare("crises", scale="relative"))       # doctest: +SKIP
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from sim.experiments import ExperimentError, run_points
from sim.scenario import load_scenario
from sim.summary import wilson_interval

Scale = Literal["difference", "relative"]
Method = Literal["auto", "t", "newcombe", "bootstrap"]
METHODS = ("auto", "t", "newcombe", "bootstrap")
NONE = "none"
"""The method of a comparison with no interval (see the module docstring)."""
SCALES = ("difference", "relative")
BOOTSTRAP_RESAMPLES = 2000
"""Resamples of the paired bootstrap (a precision/speed choice)."""
BOOTSTRAP_SEED = 20240611
"""Seed of the bootstrap's resampling, fixed so comparisons are reproducible."""


@dataclass(frozen=True)
class Arm:
    """One arm of a comparison: a scenario file and overrides of its fields.

    Attributes:
        scenario: The scenario file.
        overrides: Field path to value, as :func:`sim.scenario.load_scenario`
            takes them, e.g. ``{"mechanisms.escalation.war_cost": 1.2}``.
        label: Name shown in results (the file name and overrides if empty).
    """

    scenario: str | Path
    overrides: Mapping[str, Any] = field(default_factory=dict)
    label: str = ""

    @property
    def name(self) -> str:
        """The label, or the file name followed by the overrides."""
        if self.label:
            return self.label
        settings = ", ".join(f"{k}={v}" for k, v in self.overrides.items())
        stem = Path(self.scenario).stem
        return f"{stem} ({settings})" if settings else stem


@dataclass(frozen=True)
class Records:
    """What the replications of one arm recorded, in order of replication.

    Attributes:
        outcomes: One row per replication: ``replication`` and every outcome
            of :class:`sim.metrics.OutcomeTracker`.
        crises: One row per crisis: ``replication``, ``challenger``,
            ``defender``, ``theater``, ``peak_rung``, ``ending``, ... (see
            :meth:`sim.metrics.OutcomeTracker.crisis_records`).
        final: One row per replication: the model-level series at the last
            step (:func:`sim.metrics.model_series`).
        years: Simulated years per replication.
        seed: The seed the replications ran with.
    """

    outcomes: pd.DataFrame
    crises: pd.DataFrame
    final: pd.DataFrame
    years: float
    seed: int

    @property
    def replications(self) -> np.ndarray:
        """Replication indices, shape (R,)."""
        return self.outcomes["replication"].to_numpy()

    def count(self, where: np.ndarray | pd.Series | None = None) -> np.ndarray:
        """Crises per replication, (R,): all of them, or those where ``where``.

        Args:
            where: A boolean mask over the rows of :attr:`crises`, e.g.
                ``records.crises["ending"] == "war"``.
        """
        crises = self.crises
        if crises.empty:
            return np.zeros(len(self.outcomes))
        if where is not None:
            crises = crises[np.asarray(where, dtype=bool)]
        counts = crises.groupby("replication").size()
        return counts.reindex(self.replications, fill_value=0).to_numpy(float)

    def rate(self, where: np.ndarray | pd.Series | None = None) -> np.ndarray:
        """Crises per year in each replication, (R,): :meth:`count` over years.

        A run lasts at least one step (:func:`sim.batch.plan`), so years > 0.
        """
        return self.count(where) / self.years


@dataclass(frozen=True)
class Ratio:
    """A ratio of per-replication sums, ``sum(numerator) / sum(denominator)``.

    Returned by a metric function when the quantity is a share of events
    rather than a mean over replications (e.g. crises that climbed past a
    show of force over all crises), so replications with more events weigh
    more and none is dropped for having none.
    """

    numerator: np.ndarray
    denominator: np.ndarray


Metric = str | Callable[[Records], "np.ndarray | Ratio"]
"""An outcome's name, or a function of an arm's records to (R,) values or a Ratio."""


@dataclass(frozen=True)
class Comparison:
    """The effect of arm b against arm a on one metric, with its interval.

    Attributes:
        metric: What was measured.
        a: Name of the reference arm.
        b: Name of the treatment arm.
        estimate_a: The metric in arm a (mean, or ratio of sums).
        estimate_b: The metric in arm b.
        effect: ``b - a`` on the difference scale, ``b / a - 1`` on the
            relative scale.
        low: Lower end of the interval for the effect.
        high: Upper end.
        scale: ``difference`` or ``relative``.
        method: How the interval was computed (see the module docstring;
            ``none``: no interval, ``low`` and ``high`` NaN).
        confidence: Coverage of the interval, e.g. 0.95.
        replications: Paired replications the effect rests on.
    """

    metric: str
    a: str
    b: str
    estimate_a: float
    estimate_b: float
    effect: float
    low: float
    high: float
    scale: str
    method: str
    confidence: float
    replications: int

    @property
    def sign(self) -> int:
        """+1 if the interval lies above 0, -1 if below, 0 if it holds 0."""
        if self.low > 0:
            return 1
        if self.high < 0:
            return -1
        return 0

    def contains(self, value: float = 0.0) -> bool:
        """Whether the interval holds ``value`` (ends included)."""
        return bool(self.low <= value <= self.high)

    def __str__(self) -> str:
        pct = self.scale == "relative"
        shown = "{:+.1%}" if pct else "{:+.4g}"
        level = f"{self.confidence:.0%}"
        interval = f"{level} CI {shown.format(self.low)} to {shown.format(self.high)}"
        if np.isnan(self.low):
            interval = f"no {level} CI"
        return (
            f"{self.metric}: {self.estimate_a:.4g} ({self.a}) -> "
            f"{self.estimate_b:.4g} ({self.b}); effect {shown.format(self.effect)}, "
            f"{interval} ({self.method}, {self.replications} paired replications)"
        )


@dataclass(frozen=True)
class Pair:
    """The records of two arms run on common random numbers (see :func:`run`).

    Attributes:
        a: The reference arm.
        b: The treatment arm.
        records_a: What arm a recorded.
        records_b: What arm b recorded, replication for replication.
        seed: The seed both arms ran with.
    """

    a: Arm
    b: Arm
    records_a: Records
    records_b: Records
    seed: int

    def __post_init__(self) -> None:
        """Refuse records that are not paired: other replications or seeds."""
        ra, rb = self.records_a, self.records_b
        if not np.array_equal(ra.replications, rb.replications):
            raise ExperimentError(
                f"arms {self.a.name} and {self.b.name} ran different replications; "
                "a pair needs the same indices in both"
            )
        if not ra.seed == rb.seed == self.seed:
            raise ExperimentError(
                f"arms {self.a.name} and {self.b.name} ran seeds {ra.seed} and "
                f"{rb.seed}; a pair needs one seed (here {self.seed})"
            )

    def compare(
        self,
        metric: Metric,
        *,
        scale: Scale = "difference",
        method: Method = "auto",
        confidence: float = 0.95,
        name: str | None = None,
    ) -> Comparison:
        """Measure ``metric`` in both arms: their estimates, the effect, its interval.

        Args:
            metric: An outcome's name (e.g. ``"war_onset"``), or a function of
                an arm's :class:`Records` returning (R,) values or a
                :class:`Ratio`.
            scale: ``difference`` (``b - a``) or ``relative`` (``b / a - 1``).
            method: ``auto``, ``t``, ``newcombe`` or ``bootstrap``.
            confidence: Coverage of the interval, in (0, 1).
            name: How to call the metric in the result (its name or the
                function's name if None).

        Returns:
            The comparison.

        Raises:
            ExperimentError: An unknown outcome, scale or method, a metric of
                the wrong shape, or ``newcombe`` for a metric that is not 0/1.
        """
        y_a, x_a = _values(self.records_a, metric)
        y_b, x_b = _values(self.records_b, metric)
        label = name or (metric if isinstance(metric, str) else metric.__name__)
        return paired_effect(
            (y_a, x_a),
            (y_b, x_b),
            scale=scale,
            method=method,
            confidence=confidence,
            metric=label,
            names=(self.a.name, self.b.name),
        )


def run(
    a: Arm,
    b: Arm,
    *,
    replications: int,
    seed: int | None = None,
    steps: int | None = None,
) -> Pair:
    """Run both arms over the same seed and replication indices 0..R-1.

    Args:
        a: The reference arm.
        b: The treatment arm.
        replications: Replications per arm.
        seed: Seed of both arms (arm a's scenario seed if None; arm b's own
            seed is never used, so the arms share their random numbers).
        steps: Steps per replication for both arms (each arm's scenario's if
            None, so arms with different step lengths can cover the same years
            through ``scenario.steps`` overrides).

    Returns:
        Both arms' records.

    Raises:
        ScenarioError: An arm's scenario or override is invalid.
        BatchError: A count or seed out of range.
    """
    first = run_arm(a, replications=replications, seed=seed, steps=steps)
    second = run_arm(b, replications=replications, seed=first.seed, steps=steps)
    return Pair(a, b, first, second, first.seed)


def run_arm(
    arm: Arm, *, replications: int, seed: int | None = None, steps: int | None = None
) -> Records:
    """Run replications 0..R-1 of one arm and keep its records.

    Reuses the batch engine's vectorised chunks in this process
    (:func:`sim.experiments.run_points`); nothing is written to disk. Two
    calls with the same seed and replications make a :class:`Pair`.

    Args:
        arm: The arm.
        replications: Replications to run.
        seed: Seed (the arm's scenario seed if None); an arm's own
            ``scenario.seed`` override is not used when one is given.
        steps: Steps per replication (the scenario's if None).
    """
    if seed is None:
        seed = load_scenario(arm.scenario, overrides=dict(arm.overrides)).info.seed
    # ``seed`` governs: a pair's arms share one, whatever seed an arm sets.
    overrides = {k: v for k, v in arm.overrides.items() if k != "scenario.seed"}
    result = run_points(
        arm.scenario,
        [overrides],
        replications=replications,
        steps=steps,
        seed=seed,
    )
    return Records(
        outcomes=result.outcomes.drop(columns="point"),
        crises=result.crises.drop(columns="point", errors="ignore"),
        final=result.final.drop(columns="point"),
        years=result.years,
        seed=seed,
    )


def _values(records: Records, metric: Metric) -> tuple[np.ndarray, np.ndarray]:
    """``(y, x)`` per replication: the metric is ``sum(y) / sum(x)``."""
    n = len(records.outcomes)
    if isinstance(metric, str):
        if metric not in records.outcomes or metric == "replication":
            known = [c for c in records.outcomes if c != "replication"]
            raise ExperimentError(
                f"metric {metric!r}: not an outcome; outcomes: {', '.join(known)}"
            )
        value = records.outcomes[metric].to_numpy(float)
    else:
        value = metric(records)
    if isinstance(value, Ratio):
        y = np.asarray(value.numerator, dtype=float)
        x = np.asarray(value.denominator, dtype=float)
    else:
        y = np.asarray(value, dtype=float)
        x = np.ones(n)
    if y.shape != (n,) or x.shape != (n,):
        raise ExperimentError(
            f"metric {getattr(metric, '__name__', metric)!r}: gave shape "
            f"{y.shape} (denominator {x.shape}); expected one value per "
            f"replication, ({n},)"
        )
    if np.isnan(y).any() or np.isnan(x).any():
        raise ExperimentError(
            f"metric {getattr(metric, '__name__', metric)!r}: has NaN in some "
            "replications; use a Ratio of sums for a quantity undefined in "
            "replications without events"
        )
    return y, x


def paired_effect(
    arm_a: tuple[np.ndarray, np.ndarray],
    arm_b: tuple[np.ndarray, np.ndarray],
    *,
    scale: Scale = "difference",
    method: Method = "auto",
    confidence: float = 0.95,
    metric: str = "metric",
    names: tuple[str, str] = ("a", "b"),
) -> Comparison:
    """The effect of arm b against arm a from paired per-replication values.

    Each arm is ``(y, x)``, arrays of shape (R,) with replication ``r`` of both
    arms on the same random numbers; the arm's estimate is
    ``sum(y) / sum(x)`` (a mean when ``x`` is all ones). See the module
    docstring for the methods.

    Raises:
        ExperimentError: An unknown scale or method, arms of different
            lengths, a zero denominator, or ``newcombe`` where it cannot apply.
    """
    if scale not in SCALES:
        raise ExperimentError(f"scale {scale!r}: expected one of {', '.join(SCALES)}")
    if method not in METHODS:
        raise ExperimentError(
            f"method {method!r}: expected one of {', '.join(METHODS)}"
        )
    if not 0 < confidence < 1:
        raise ExperimentError(f"confidence {confidence!r}: must be in (0, 1)")
    (y_a, x_a), (y_b, x_b) = arm_a, arm_b
    n = len(y_a)
    if len(y_b) != n or n == 0:
        raise ExperimentError(
            f"{metric}: arms have {n} and {len(y_b)} replications; they must be "
            "paired one to one (and not empty)"
        )
    for label, x in zip(names, (x_a, x_b), strict=True):
        if x.sum() <= 0:
            raise ExperimentError(
                f"{metric}: arm {label} has a zero denominator (no events to "
                "take a share of); run more replications or choose another metric"
            )
    binary = _is_binary(y_a, x_a) and _is_binary(y_b, x_b)
    if method == "auto":
        method = "newcombe" if binary and scale == "difference" else "t"
    if method == "newcombe" and not (binary and scale == "difference"):
        raise ExperimentError(
            f"{metric}: method newcombe needs a 0/1 outcome on the difference "
            "scale; use t or bootstrap"
        )
    est_a, est_b = y_a.sum() / x_a.sum(), y_b.sum() / x_b.sum()
    effect = _effect(np.array(est_a), np.array(est_b), scale)
    if binary and scale == "relative" and est_a > 0 and np.array_equal(y_a, y_b):
        method, low, high = NONE, np.nan, np.nan  # no replication told them apart
    elif method == "newcombe":
        low, high = newcombe_interval(y_a.astype(bool), y_b.astype(bool), confidence)
    elif method == "bootstrap":
        low, high = _bootstrap(arm_a, arm_b, scale, confidence)
    else:
        low, high = _t_interval(arm_a, arm_b, scale, confidence)
    return Comparison(
        metric=metric,
        a=names[0],
        b=names[1],
        estimate_a=float(est_a),
        estimate_b=float(est_b),
        effect=float(effect),
        low=float(low),
        high=float(high),
        scale=scale,
        method=method,
        confidence=confidence,
        replications=n,
    )


def _is_binary(y: np.ndarray, x: np.ndarray) -> bool:
    return bool(np.all(x == 1) and np.all((y == 0) | (y == 1)))


def _t_interval(
    arm_a: tuple[np.ndarray, np.ndarray],
    arm_b: tuple[np.ndarray, np.ndarray],
    scale: str,
    confidence: float,
) -> tuple[float, float]:
    """Paired t interval on linearised per-replication contributions."""
    (y_a, x_a), (y_b, x_b) = arm_a, arm_b
    n = len(y_a)
    est_a, est_b = y_a.sum() / x_a.sum(), y_b.sum() / x_b.sum()
    z_a = (y_a - est_a * x_a) / x_a.mean()  # (R,)
    z_b = (y_b - est_b * x_b) / x_b.mean()
    if scale == "relative":
        if est_a <= 0 or est_b <= 0:
            return np.nan, np.nan
        centre = np.log(est_b / est_a)
        diff = z_b / est_b - z_a / est_a
    else:
        centre = est_b - est_a
        diff = z_b - z_a
    if n < 2:
        return np.nan, np.nan
    half = stats.t.ppf(0.5 + confidence / 2, n - 1) * diff.std(ddof=1) / np.sqrt(n)
    low, high = centre - half, centre + half
    if scale == "relative":
        return np.expm1(low), np.expm1(high)
    return low, high


def mean_interval(
    values: np.ndarray, confidence: float = 0.95
) -> tuple[float, float, float]:
    """Mean of one arm's per-replication values and its t interval.

    Returns:
        ``(mean, low, high)``; the ends are NaN for fewer than 2 values.
    """
    values = np.asarray(values, dtype=float)
    mean = float(values.mean())
    if len(values) < 2:
        return mean, np.nan, np.nan
    t = stats.t.ppf(0.5 + confidence / 2, len(values) - 1)
    half = float(t * values.std(ddof=1) / np.sqrt(len(values)))
    return mean, mean - half, mean + half


def newcombe_interval(
    a: np.ndarray, b: np.ndarray, confidence: float = 0.95
) -> tuple[float, float]:
    """Interval for ``mean(b) - mean(a)`` of paired 0/1 outcomes (Newcombe 1998).

    Method 10 of Newcombe (1998): with ``p_b, p_a`` the two proportions,
    ``(l_b, u_b), (l_a, u_a)`` their Wilson intervals and ``phi`` the
    (continuity-corrected) phi coefficient of the paired 2x2 table,

        low  = D - sqrt((p_b-l_b)^2 - 2 phi (p_b-l_b)(u_a-p_a) + (u_a-p_a)^2)
        high = D + sqrt((p_a-l_a)^2 - 2 phi (p_a-l_a)(u_b-p_b) + (u_b-p_b)^2)

    where ``D = p_b - p_a``.

    Args:
        a: Outcome of each replication in arm a, bool (R,).
        b: Outcome of the same replications in arm b, bool (R,).
        confidence: Coverage, in (0, 1).
    """
    n = len(a)
    both, only_b = int(np.sum(a & b)), int(np.sum(b & ~a))
    only_a, neither = int(np.sum(a & ~b)), int(np.sum(~a & ~b))
    p_b, p_a = (both + only_b) / n, (both + only_a) / n
    l_b, u_b = wilson_interval(both + only_b, n, confidence)
    l_a, u_a = wilson_interval(both + only_a, n, confidence)
    b_margins = (both + only_b) * (only_a + neither)  # b's ones times b's zeros
    margins = b_margins * (both + only_a) * (only_b + neither)
    cross = both * neither - only_b * only_a
    if cross > n / 2:
        cross -= n / 2
    elif cross > 0:
        cross = 0
    phi = cross / np.sqrt(margins) if margins > 0 else 0.0
    d = p_b - p_a
    down = (p_b - l_b) ** 2 - 2 * phi * (p_b - l_b) * (u_a - p_a) + (u_a - p_a) ** 2
    up = (p_a - l_a) ** 2 - 2 * phi * (p_a - l_a) * (u_b - p_b) + (u_b - p_b) ** 2
    return d - np.sqrt(max(down, 0.0)), d + np.sqrt(max(up, 0.0))


def _bootstrap(
    arm_a: tuple[np.ndarray, np.ndarray],
    arm_b: tuple[np.ndarray, np.ndarray],
    scale: str,
    confidence: float,
) -> tuple[float, float]:
    """Paired percentile bootstrap: both arms resampled at the same replications."""
    stacked = np.stack([*arm_a, *arm_b])  # (4, R): y_a, x_a, y_b, x_b
    n = stacked.shape[1]
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    effects = []
    block = max(1, 2**22 // n)  # resamples at a time, bounding memory
    for start in range(0, BOOTSTRAP_RESAMPLES, block):
        size = min(block, BOOTSTRAP_RESAMPLES - start)
        weights = rng.multinomial(n, np.full(n, 1.0 / n), size=size)  # (B, R)
        y_a, x_a, y_b, x_b = (weights @ stacked.T).T  # each (B,)
        with np.errstate(divide="ignore", invalid="ignore"):  # an empty resample
            effects.append(_effect(y_a / x_a, y_b / x_b, scale))
    tail = (1 - confidence) / 2
    low, high = np.nanquantile(np.concatenate(effects), [tail, 1 - tail])
    return low, high


def _effect(est_a: np.ndarray, est_b: np.ndarray, scale: str) -> np.ndarray:
    """``b - a`` or ``b / a - 1`` elementwise (NaN where ``a`` is not positive)."""
    if scale == "difference":
        return est_b - est_a
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(est_a > 0, est_b / est_a - 1.0, np.nan)
