"""The theory suite's cases: comparative statics the model must get right.

Each :class:`Case` is a paired, common-seed comparison (:mod:`sim.paired`) of two
arms of a small purpose-built scenario in this folder, with one or more
:class:`Check`: a metric, the sign theory expects for the effect of arm b
against arm a, and its literature anchor. ``tests/theory/test_theory.py`` runs
them fast in CI; ``benchmarks/theory.py`` runs them at full size and prints the
table. :func:`dt_rates` measures the per-year rates of case (g), dt invariance.

Metrics read only the public records of a run: outcomes, and the crisis records
(``challenger``, ``defender``, ``peak_rung``, ``ending``). Expected signs:

* ``+`` / ``-``: the 95% interval lies wholly above / below zero;
* ``0``: the interval holds zero (no effect);
* ``<=0``: the interval's lower end is at most zero (not more).
"""

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sim import paired
from sim.dynamics.escalation import RUNGS
from sim.paired import Arm, Comparison, Ratio, Records

HERE = Path(__file__).parent
DYAD = HERE / "dyad.toml"
BASELINE = HERE.parent.parent / "scenarios" / "baseline_2024.toml"
TRIAD = HERE / "triad.toml"
FAST_REPLICATIONS = 1000
"""Replications per arm in CI, unless a case asks for more: a second or two a case."""
FULL_REPLICATIONS = 10_000
"""Replications per arm in ``benchmarks/theory.py``."""
SHOW_OF_FORCE = RUNGS.index("show_of_force")
LIMITED_CLASH = RUNGS.index("limited_clash")
WAR = RUNGS.index("major_war")
ESCALATION = "mechanisms.escalation."


@dataclass(frozen=True)
class Check:
    """One expected sign of one metric.

    Attributes:
        key: Short name, unique within its case (e.g. ``challenges``).
        claim: What theory says, in words.
        metric: The metric (see :meth:`sim.paired.Pair.compare`).
        expected: ``+``, ``-``, ``0`` or ``<=0`` (see the module docstring).
        scale: ``difference`` or ``relative``. Rates of rare events use the
            difference: their relative effect is undefined when either arm
            has none.
    """

    key: str
    claim: str
    metric: paired.Metric
    expected: str
    scale: paired.Scale = "difference"

    def holds(self, result: Comparison) -> bool:
        """Whether the measured interval agrees with the expected sign."""
        if self.expected == "+":
            return result.low > 0
        if self.expected == "-":
            return result.high < 0
        if self.expected == "0":
            return result.contains(0.0)
        return result.low <= 0  # "<=0": not more


@dataclass(frozen=True)
class Case:
    """A paired comparison of two arms with the checks theory expects of it.

    Attributes:
        key: The issue's letter, e.g. ``a``.
        title: What changes from arm a to arm b.
        anchor: The literature the expectation comes from.
        a: The reference arm.
        b: The treatment arm.
        checks: What must hold.
        replications: Replications per arm in CI: the dyad's crisis-game cases
            (c, d_crisis, f) run at full size, since their effects, a few
            thousandths, are below what 1,000 replications can tell from zero.
    """

    key: str
    title: str
    anchor: str
    a: Arm
    b: Arm
    checks: tuple[Check, ...] = field(default=())
    replications: int = FAST_REPLICATIONS

    def check(self, key: str) -> Check:
        """The check named ``key``."""
        return next(c for c in self.checks if c.key == key)


def between(records: Records, one: str, other: str) -> np.ndarray:
    """Mask of the crises between two states, in either role."""
    c = records.crises
    return ((c.challenger == one) & (c.defender == other)) | (
        (c.challenger == other) & (c.defender == one)
    )


def backed_down(records: Records, side: str) -> np.ndarray:
    """Mask of the crises that ``side`` lost by backing down."""
    c = records.crises
    return ((c.challenger == side) & (c.ending == "challenger_backed_down")) | (
        (c.defender == side) & (c.ending == "defender_backed_down")
    )


def concluded(records: Records) -> np.ndarray:
    """Mask of the crises that ended within the run."""
    return np.asarray(records.crises.ending != "ongoing")


def back_down_share(side: str, opponent: str) -> Callable[[Records], Ratio]:
    """Share of the concluded crises between two states that ``side`` lost."""

    def share(records: Records) -> Ratio:
        pair = between(records, side, opponent) & concluded(records)
        return Ratio(
            records.count(pair & backed_down(records, side)), records.count(pair)
        )

    share.__name__ = f"{side.lower()}_back_down_share_vs_{opponent.lower()}"
    return share


def crises_per_year(records: Records) -> np.ndarray:
    """Crises started per year."""
    return records.rate()


def peak_at_least(rung: int) -> Callable[[Records], np.ndarray]:
    """Crises per year whose peak reached ``rung`` or above."""

    def rate(records: Records) -> np.ndarray:
        return records.rate(records.crises.peak_rung >= rung)

    rate.__name__ = f"{RUNGS[rung]}_or_worse_per_year"
    return rate


def share_past(rung: int) -> Callable[[Records], Ratio]:
    """Share of disputes' crises, once started, whose peak went past ``rung``.

    A dispute's crisis opens at a protest and has to climb; an incident opens
    at a limited clash (``incident_rung``), past a show of force before anyone
    decides anything, so it is left out.
    """

    def share(records: Records) -> Ratio:
        c = records.crises
        climbs = c.origin == "dispute"
        return Ratio(
            records.count(climbs & (c.peak_rung > rung)), records.count(climbs)
        )

    share.__name__ = f"share_past_{RUNGS[rung]}"
    return share


def protege_challenged(records: Records) -> np.ndarray:
    """Crises RED opens against BLUE per year."""
    c = records.crises
    return records.rate((c.challenger == "RED") & (c.defender == "BLUE"))


def protege_losses(records: Records) -> np.ndarray:
    """Crises per year that BLUE loses to RED: it backs down, or they go to war."""
    c = records.crises
    lost = backed_down(records, "BLUE") | (c.ending == "war")
    return records.rate(between(records, "BLUE", "RED") & lost)


def challenger_back_downs(records: Records) -> Ratio:
    """Share of RED's concluded challenges of BLUE that end with RED backing down."""
    c = records.crises
    opened = (c.challenger == "RED") & (c.defender == "BLUE") & concluded(records)
    return Ratio(
        records.count(opened & backed_down(records, "RED")), records.count(opened)
    )


def final_credibility(records: Records) -> np.ndarray:
    """Mean credibility of the alliance commitments at the last step."""
    return records.final["mean_ally_credibility"].to_numpy()


def final_hostility(records: Records) -> np.ndarray:
    """Mean hostility among all pairs at the last step."""
    return records.final["mean_hostility"].to_numpy()


def zone_case(ally: str, other: str, expected: str, claim: str) -> Case:
    """Case (b) for GREEN's ally ``ally``: no A2/AD, then a growing stock.

    The other ally's alliance is switched off (strength 0), so the mean
    credibility of the run's commitments is that of GREEN and ``ally``.
    """
    scenario = HERE / "a2ad_zone.toml"
    only = {f"alliance.green_{other.lower()}.kind": "non_aggression"}
    where = "inside" if expected == "-" else "outside"
    return Case(
        key=f"b_{where}",
        title=f"RED builds A2/AD (20% of spending); ally {ally} {where} the zone",
        anchor="Krepinevich, Watts & Work 2003; Biddle & Oelrich 2016",
        a=Arm(scenario, only, label=f"{ally}, no A2/AD"),
        b=Arm(
            scenario,
            {**only, "mechanisms.a2ad.a2ad_share": 0.2},
            label=f"{ally}, A2/AD growing",
        ),
        checks=(Check("credibility", claim, final_credibility, expected),),
    )


ACCURATE = {ESCALATION + "perception_noise": 0.0}


def audience_cost_case(
    key: str,
    scenario: Path,
    cost: float,
    where: str,
    replications: int = FAST_REPLICATIONS,
) -> Case:
    """Case (d) for the audience cost of climbing: 0 -> ``cost`` a rung.

    Beliefs are accurate, so Fearon (1994) expects no more war.
    """

    def arm(value: float, label: str) -> Arm:
        return Arm(
            scenario, {**ACCURATE, ESCALATION + "audience_cost_per_rung": value}, label
        )

    return Case(
        key=key,
        title=f"crisis audience cost 0 -> {cost} per rung climbed{where}, "
        "accurate beliefs",
        anchor="Fearon 1994, Domestic Political Audiences",
        a=arm(0.0, "none"),
        b=arm(cost, f"{cost}"),
        checks=(
            Check("war", "no more war where beliefs are accurate", "war_onset", "<=0"),
        ),
        replications=replications,
    )


ARMS_RACE = {
    "mechanisms.arms_race.enabled": True,
    "mechanisms.arms_race.steady_start": False,
}

CASES: tuple[Case, ...] = (
    Case(
        key="a",
        title="a defence treaty instead of a consultation pact between GREEN and BLUE",
        anchor="Huth 1988, Extended Deterrence and the Prevention of War",
        a=Arm(TRIAD, {"alliance.green_blue.kind": "consultation"}, "consultation"),
        b=Arm(TRIAD, label="defence treaty"),
        checks=(
            Check(
                "challenges",
                "fewer challenges against the protégé",
                protege_challenged,
                "-",
                "relative",
            ),
            Check("losses", "fewer losses of the protégé", protege_losses, "-"),
            Check(
                "back_downs",
                "more back-downs by the challenger",
                challenger_back_downs,
                "+",
            ),
        ),
    ),
    zone_case("BLUE", "GOLD", "-", "the patron's credibility falls inside the zone"),
    zone_case("GOLD", "BLUE", "0", "it does not change outside the zone"),
    Case(
        key="c",
        title="a hotline and an exercise-notification agreement between RED and BLUE",
        anchor="Schelling & Halperin 1961; Jervis 1976 (crisis communication)",
        a=Arm(DYAD, label="no CBM"),
        b=Arm(HERE / "dyad_cbm.toml", label="hotline + notification"),
        checks=(
            Check(
                "past_show_of_force",
                "fewer disputes, once started, climb past a show of force",
                share_past(SHOW_OF_FORCE),
                "-",
            ),
        ),
        replications=FULL_REPLICATIONS,
    ),
    Case(
        key="d",
        title="GREEN's public pledges to BLUE build an audience cost (0 -> 1 stake/yr)",
        anchor="Fearon 1994, Domestic Political Audiences",
        a=Arm(
            HERE / "triad_pledge.toml",
            {"mechanisms.signaling.declaration_stake_per_year": 0.0},
            "pledges without audience cost",
        ),
        b=Arm(
            HERE / "triad_pledge.toml",
            {"mechanisms.signaling.declaration_stake_per_year": 1.0},
            "pledges with audience cost",
        ),
        checks=(
            Check(
                "bearer_backs_down",
                "the side that bears the audience cost backs down less",
                back_down_share("GREEN", "RED"),
                "-",
            ),
            Check(
                "opponent_backs_down",
                "its opponent backs down more",
                back_down_share("RED", "GREEN"),
                "+",
            ),
            Check(
                "war",
                "no more war where beliefs are accurate",
                "war_onset",
                "<=0",
            ),
        ),
    ),
    audience_cost_case("d_crisis", DYAD, 0.1, "", FULL_REPLICATIONS),
    audience_cost_case("d_region", BASELINE, 0.1, " in the baseline region"),
    audience_cost_case("d_region_high", BASELINE, 0.3, " in the baseline region"),
    Case(
        key="e",
        title="Richardson's reaction coefficient 0.1 -> 0.4 per year",
        anchor="Richardson 1960, Arms and Insecurity",
        a=Arm(
            DYAD, {**ARMS_RACE, "mechanisms.arms_race.reaction_per_year": 0.1}, "k 0.1"
        ),
        b=Arm(
            DYAD, {**ARMS_RACE, "mechanisms.arms_race.reaction_per_year": 0.4}, "k 0.4"
        ),
        checks=(
            Check("arms_growth", "faster arms growth", "arms_growth_cagr", "+"),
            Check("crises", "more crises", crises_per_year, "+", "relative"),
        ),
    ),
    Case(
        key="f",
        title="misperception noise 0.5 -> 2 (s.d. of the log belief about resolve)",
        anchor="Jervis 1976, Perception and Misperception; Fearon 1995",
        a=Arm(DYAD, {ESCALATION + "perception_noise": 0.5}, "noise 0.5"),
        b=Arm(DYAD, {ESCALATION + "perception_noise": 2.0}, "noise 2"),
        checks=(
            Check("war", "more runs with a war", "war_onset", "+"),
            Check(
                "clashes",
                "more limited clashes or worse",
                peak_at_least(LIMITED_CLASH),
                "+",
            ),
        ),
        replications=FULL_REPLICATIONS,
    ),
    Case(
        key="h",
        title="GREEN drills with BLUE twice a year (signals off -> on)",
        anchor="Fearon 1997, Tying Hands versus Sinking Costs; Jervis 1976",
        a=Arm(
            HERE / "triad_exercise.toml",
            {"mechanisms.signaling.enabled": False},
            "no exercises",
        ),
        b=Arm(HERE / "triad_exercise.toml", label="exercises"),
        checks=(
            Check(
                "credibility",
                "a costly signal raises the patron's credibility",
                final_credibility,
                "+",
            ),
            Check(
                "hostility",
                "the adversary reads it as a threat: more hostility",
                final_hostility,
                "+",
            ),
        ),
    ),
)
CASE = {case.key: case for case in CASES}


@functools.cache
def measure(key: str, replications: int) -> dict[str, Comparison]:
    """Run case ``key`` once and compare every check's metric (cached)."""
    case = CASE[key]
    pair = paired.run(case.a, case.b, replications=replications)
    return {
        check.key: pair.compare(check.metric, scale=check.scale, name=check.key)
        for check in case.checks
    }


DT_YEARS = (1 / 12, 1 / 4, 1 / 2)
"""Step lengths of case (g); the middle one, a quarter, is the reference."""
DT_HORIZON_YEARS = 10
DT_TOLERANCE = 0.10
"""Largest relative difference of a rate from the reference's that passes
outright; a larger one passes only if the 95% interval holds zero."""
DT_RATES = (
    ("crises", crises_per_year),
    ("show of force or worse", peak_at_least(SHOW_OF_FORCE)),
    ("limited clash or worse", peak_at_least(LIMITED_CLASH)),
    ("war", peak_at_least(WAR)),
)


def dt_arm(scenario: Path, dt: float) -> Arm:
    """The scenario at step length ``dt`` for :data:`DT_HORIZON_YEARS` years."""
    steps = round(DT_HORIZON_YEARS / dt)
    overrides = {"scenario.dt_years": dt, "scenario.steps": steps}
    return Arm(scenario, overrides, label=f"dt {dt:.4g}")


@dataclass(frozen=True)
class DtRow:
    """One rate at one step length, against the reference step length's.

    Attributes:
        dt: Step length, years.
        rate: Name of the rate.
        per_year: The rate, events per year.
        low: Lower end of its 95% interval.
        high: Upper end.
        relative: Relative difference from the reference rate (infinite if
            that is 0 and this is not).
        difference: Paired comparison with the reference, events per year.
    """

    dt: float
    rate: str
    per_year: float
    low: float
    high: float
    relative: float
    difference: Comparison

    @property
    def agrees(self) -> bool:
        """Within the tolerance of the reference, or not told apart from it."""
        return bool(abs(self.relative) <= DT_TOLERANCE or self.difference.contains())


def dt_rates(scenario: Path, replications: int) -> list[DtRow]:
    """Per-year rates at each dt of :data:`DT_YEARS`, compared with a quarter's.

    All arms run the same seed and replication indices, but a different dt
    draws different numbers, so the pairing narrows intervals only where it
    can; the paired t interval is valid either way.
    """
    reference = dt_arm(scenario, DT_YEARS[1])
    base = paired.run_arm(reference, replications=replications)
    rows = []
    for dt in DT_YEARS:
        arm = dt_arm(scenario, dt)
        other = paired.run_arm(arm, replications=replications, seed=base.seed)
        pair = paired.Pair(reference, arm, base, other, base.seed)
        for name, metric in DT_RATES:
            versus = pair.compare(metric, method="t", name=name)
            rate, low, high = paired.mean_interval(metric(other))
            rows.append(DtRow(dt, name, rate, low, high, _relative(versus), versus))
    return rows


def _relative(versus: Comparison) -> float:
    """``b / a - 1`` of a comparison: 0 when both are 0, infinite when only a is."""
    if versus.estimate_a:
        return versus.effect / versus.estimate_a
    return 0.0 if versus.effect == 0 else np.inf
