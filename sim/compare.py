"""Scenario comparisons: several arms on the same seeds, paired effects with intervals.

An *arm* is a scenario file with overrides (:class:`sim.paired.Arm`): another
scenario (``taiwan_strait.toml`` against a variant), or one value of a field,
categorical or numeric, such as an alliance's kind
(``alliance.US-TWN.kind=defense_treaty``). :func:`compare` runs every arm over
the same seed and replication indices (common random numbers, :mod:`sim.rng`),
so replication ``r`` of every arm meets the same luck wherever the arms do the
same thing, and measures each outcome's effect of every arm against the first
(the reference) with the paired intervals of :mod:`sim.paired`: Newcombe's
score interval for the difference of two paired proportions (``war_onset``),
a paired t interval otherwise. Paired intervals are far narrower than those of
two independent batches.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from sim import paired
from sim.errors import check_once
from sim.experiments import ExperimentError, check_outcome, outcome_names
from sim.outputs import atomic_write
from sim.paired import Arm
from sim.summary import constant_outcomes

OUTCOMES = ("war_onset", "peak_rung", "crises", "stability_index")
"""Outcomes compared when none are named (defined in every replication)."""
FILES = ("compare.csv", "compare.md")
"""The table and its Markdown, as :func:`write_comparison` writes them."""


@dataclass(frozen=True)
class ArmComparison:
    """Every arm against the first, on each outcome.

    Attributes:
        arms: The arms, the reference first.
        table: One row per (arm, outcome) of every arm after the first:
            ``arm``, ``outcome``, ``reference`` (its estimate in the first arm),
            ``estimate`` (in this arm), ``effect`` (``estimate - reference``,
            or the relative change), ``lower``, ``upper``, ``method`` (``none``:
            no interval, see :mod:`sim.paired`), ``n``.
        replications: Replications per arm.
        seed: The seed every arm ran with.
        years: Years each replication covers.
        scale: ``difference`` or ``relative``.
        settings: Fields set alike in every arm (field path to value).
        constant: Outcomes that took one value in every replication of every
            arm, with that value: their interval is zero wide (a 0/1
            outcome's as wide as the number of runs leaves it) because these
            runs never differ on them, not because the effect is known.
    """

    arms: tuple[Arm, ...]
    table: pd.DataFrame
    replications: int
    seed: int
    years: float
    scale: str
    settings: Mapping[str, Any] = field(default_factory=dict)
    constant: Mapping[str, float] = field(default_factory=dict)

    def markdown(self) -> str:
        """The table as Markdown: one row per arm and outcome, then any constant."""
        relative = self.scale == "relative"

        def number(value: float) -> str:
            if not math.isfinite(value):  # a relative change from a reference of 0
                return "undefined"
            return f"{value:+.1%}" if relative else f"{value:+.3g}"

        lines = [
            f"| arm | outcome | reference: {self.arms[0].name} | this arm | "
            "effect [95% interval] |",
            "|---|---|---|---|---|",
        ]
        for row in self.table.itertuples():
            lines.append(
                f"| {row.arm} | {row.outcome} | {row.reference:.3g} | "
                f"{row.estimate:.3g} | {number(row.effect)} "
                f"[{number(row.lower)}, {number(row.upper)}] |"
            )
        if relative and (self.table["reference"] == 0).any():
            lines.append(
                "\nA relative change from a reference of 0 is undefined; compare "
                "the difference instead."
            )
        vanished = (self.table["estimate"] == 0) & (self.table["reference"] != 0)
        if relative and vanished.any():
            lines.append(
                "\nAn arm whose mean is 0 is -100% of its reference with no "
                "interval: the log of the ratio is unbounded; compare the "
                "difference instead."
            )
        agreed = self.table[self.table["method"] == paired.NONE]
        if not agreed.empty:
            pairs = "; ".join(
                f"{row.arm}: {row.outcome}" for row in agreed.itertuples()
            )
            lines.append(
                f"\nNo replication told these arms from the reference ({pairs}): "
                "each had the event in the same replications, so the relative "
                "interval is undefined; a zero-wide one would be no evidence the "
                "effect is zero. Compare the difference instead, whose interval "
                "keeps the width the number of runs leaves (docs/analysis.md)."
            )
        said = set(agreed["outcome"])  # a relative 0 said above, or just now
        constant = {
            k: v
            for k, v in self.constant.items()
            if k not in said and (not relative or v)
        }
        if constant:
            values = ", ".join(f"{k} = {v:g}" for k, v in constant.items())
            lines.append(
                f"\nOne value in every replication of every arm: {values}. These "
                "runs never differ on it, so its interval (zero wide, or for a 0/1 "
                "outcome as wide as its number of runs leaves it) is no evidence "
                "the effect is zero (docs/outcomes.md)."
            )
        return "\n".join(lines) + "\n"

    def caption(self) -> str:
        """What the comparison is: reference, replications, seed, horizon, method."""
        return (
            f"Effect of each arm against {self.arms[0].name} "
            f"({self.scale}), {self.replications} paired replications per arm, "
            f"seed {self.seed}, {self.years:g} years{self._alike()}: paired 95% "
            f"intervals ({self._methods()})"
        )

    def _methods(self) -> str:
        """The interval methods, as :func:`sim.paired.paired_effect` picks them.

        Newcombe's interval is for a difference of proportions; a relative
        change of any outcome gets the t interval of its log ratio.
        """
        if self.scale == "relative":
            return "t on the log of the ratio, for every outcome"
        return "Newcombe for 0/1 outcomes, t otherwise"

    def _alike(self) -> str:
        """``, every arm with PATH=VALUE, ...``, or nothing without settings."""
        if not self.settings:
            return ""
        fields = ", ".join(f"{path}={value}" for path, value in self.settings.items())
        return f", every arm with {fields}"


def field_arms(scenario: str | Path, path: str, values: Sequence[Any]) -> list[Arm]:
    """One arm per value of a field of one scenario (a categorical factor).

    Args:
        scenario: The scenario file.
        path: The field path, e.g. ``alliance.US-TWN.kind``.
        values: Its values, the reference first.

    Raises:
        ExperimentError: Fewer than two values.
    """
    if len(values) < 2:
        raise ExperimentError(
            f"vary {path}: give at least two values to compare", field="vary"
        )
    return [Arm(scenario, {path: value}, label=f"{path}={value}") for value in values]


def compare(
    arms: Sequence[Arm],
    *,
    replications: int,
    outcomes: Sequence[str] = OUTCOMES,
    steps: int | None = None,
    seed: int | None = None,
    scale: str = "difference",
    settings: Mapping[str, Any] | None = None,
) -> ArmComparison:
    """Run every arm on the same seeds; each arm's effect against the first.

    Args:
        arms: Two or more arms, the reference first.
        replications: Replications per arm (the same indices in every arm).
        outcomes: Outcomes to compare, named as in the outcomes table; each must
            be defined in every replication (for one that is not, such as
            ``deterrence_success_rate``, compare a ratio with :mod:`sim.paired`).
        steps: Steps per replication (each arm's scenario's if None).
        seed: The seed of every arm (the first arm's scenario seed if None).
        scale: ``difference`` (arm minus reference) or ``relative``.
        settings: Fields to set alike in every arm (``--set``), e.g. to compare
            two audience costs with misperception switched off; an arm may
            not override one of them as well.

    Raises:
        ExperimentError: Fewer than two arms, arms with the same name, a
            setting an arm also overrides, an outcome given twice or one an
            arm does not report (before anything runs), or one with NaN in
            some replications.
        ScenarioError: An arm's scenario or override is invalid.
    """
    if len(arms) < 2:
        raise ExperimentError(
            "compare needs at least two arms (the first is the reference)"
        )
    names = [arm.name for arm in arms]
    if len(set(names)) < len(names):
        raise ExperimentError(
            f"arms {', '.join(names)}: two have the same name; label them"
        )
    check_once(outcomes, "outcome", ExperimentError)
    settings = dict(settings or {})
    for arm in arms:
        clash = sorted(set(settings) & set(arm.overrides))
        if clash:
            raise ExperimentError(
                f"set {clash[0]}: arm {arm.name} sets it too; set it in one place",
                field="set",
            )
    alike = [replace(arm, overrides={**settings, **arm.overrides}) for arm in arms]
    for arm, run in zip(arms, alike, strict=True):
        _check_outcomes(run, outcomes, of="" if arm is arms[0] else f" of {arm.name}")
    first = paired.run_arm(alike[0], replications=replications, seed=seed, steps=steps)
    for outcome in outcomes:
        _check_defined(first, outcome, arms[0])
    rows, recorded = [], [first.outcomes]
    for arm, run in zip(arms[1:], alike[1:], strict=True):
        records = paired.run_arm(
            run, replications=replications, seed=first.seed, steps=steps
        )
        recorded.append(records.outcomes)
        pair = paired.Pair(arms[0], arm, first, records, first.seed)
        for outcome in outcomes:
            _check_defined(records, outcome, arm)
            found = pair.compare(outcome, scale=scale)
            rows.append(
                {
                    "arm": arm.name,
                    "outcome": outcome,
                    "reference": found.estimate_a,
                    "estimate": found.estimate_b,
                    "effect": found.effect,
                    "lower": found.low,
                    "upper": found.high,
                    "method": found.method,
                    "n": found.replications,
                }
            )
    return ArmComparison(
        tuple(arms),
        pd.DataFrame(rows),
        replications,
        first.seed,
        first.years,
        scale,
        settings,
        constant_outcomes(pd.concat(recorded), outcomes),
    )


def _check_outcomes(arm: Arm, outcomes: Sequence[str], of: str) -> None:
    """Refuse, before any replication runs, an outcome the arm does not report.

    Raises:
        ExperimentError: Naming the outcome and listing the arm's (``outcome``).
    """
    known = outcome_names(arm.scenario, arm.overrides)
    for name in outcomes:
        check_outcome(name, known, of=of)


def _check_defined(records: paired.Records, outcome: str, arm: Arm) -> None:
    """Refuse an outcome undefined (NaN) in some replication of the arm.

    A paired effect needs the outcome in every replication; the message names
    outcomes that always have one (those of the same place for ``OUTCOME.PLACE``).

    Raises:
        ExperimentError: Naming the outcome and what to compare instead.
    """
    undefined = int(records.outcomes[outcome].isna().sum())
    if not undefined:
        return
    place = outcome.partition(".")[2]
    instead = (
        f"clash_onset.{place} or war_onset.{place}" if place else ", ".join(OUTCOMES)
    )
    raise ExperimentError(
        f"outcome {outcome}: undefined in {undefined} of {len(records.outcomes)} "
        f"replications of {arm.name} (a rate or time of events that did not "
        f"happen in them), so it has no paired effect; compare {instead} "
        "instead, defined in every replication",
        field="outcome",
    )


def write_comparison(comparison: ArmComparison, out: Path) -> list[Path]:
    """Write ``compare.csv`` and ``compare.md`` (:data:`FILES`) into ``out``.

    Returns:
        The files written.
    """
    out.mkdir(parents=True, exist_ok=True)
    table, text = (out / name for name in FILES)
    files = {
        table: lambda tmp: comparison.table.to_csv(tmp, index=False),
        text: lambda tmp: tmp.write_text(
            f"{comparison.caption()}\n\n{comparison.markdown()}", encoding="utf-8"
        ),
    }
    for path, write in files.items():
        atomic_write(path, write)
    return list(files)
