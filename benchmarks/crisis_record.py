"""The baseline's crises against the historical record, at the shipped defaults.

Run from the repository root (about a minute on one core)::

    nice -n 10 python benchmarks/crisis_record.py [REPLICATIONS] [SCENARIO]

It runs SCENARIO (``scenarios/baseline_2024.toml`` by default) REPLICATIONS
times (1,000 by default) over the 25 years of the record, 1990-2014, and prints
Markdown tables: per year, crises started, show of force or worse, limited clash
or worse and major war, beside the COW MID 5.0 disputes among the scenario's
states (``scenarios/data/mids.csv``) with their exact 95% Poisson intervals,
and the allies drawn into a partner's crisis (entrapment) beside the record's
pairs drawn into a dispute (``calibrate.crisis_moments``); the
pairs carrying the crises, with Spearman's rank correlation of model and record
over all pairs, then summed per state over its pairs beside the record's, each
with the exact 95% interval of its count (``calibrate.state_rates``); shows of
force and uses of force by five-year window (the model's years 0-4, 5-9, ...
beside the record's 1990-94, 1995-99, ...), then
over the first ten years and the last fifteen, each record rate with its exact
95% Poisson interval (``calibrate.trend``, as ``wargame calibrate --target
crises`` prints it); the crises each state backed down in; and how the
crises ran beside how the record's disputes ran (``sim.dispute_course``: the
share answered by the target, the share ending with the target conceding, the
mean duration; ``scenarios/data/mid_outcomes.csv``). Crises started are set
beside ICB v14's crises among the same states (``scenarios/data/crises.csv``),
and the record's MIDs that coincide with an ICB crisis beside the rest
(``sim.icb``). The rungs counted are
``sim.calibrate``'s (show of force = MID, limited clash = use of force, major
war = war). Figures are measurements, printed, never asserted;
docs/calibration.md ("Crises against the record") discusses them.
"""

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sim import calibrate, dispute_course, icb
from sim.scenario import load_scenario

WINDOW = calibrate.Window(1990, 2014)
MIDS = Path("scenarios/data/mids.csv")
OUTCOMES = Path("scenarios/data/mid_outcomes.csv")
CRISES = Path("scenarios/data/crises.csv")
RUNGS = (calibrate.DISPUTE_RUNG, calibrate.FORCE_RUNG, calibrate.WAR_RUNG)


def main(replications: int, scenario: Path) -> None:
    """Run the scenario over the record's span and print model vs record."""
    base = load_scenario(scenario)
    states = list(base.state_ids)
    record = calibrate.read_mids(MIDS, states, WINDOW)
    steps = record.years * calibrate.steps_per_year(base.info.dt_years)
    began = time.perf_counter()
    table, exposure = calibrate.crises_among(
        scenario, states, replications=replications, steps=steps
    )
    model = calibrate.crisis_moments(table, exposure, RUNGS)
    low_high = calibrate.poisson_interval(record.moment_counts(), record.years)
    print(f"{scenario.name}: {replications} replications of {record.years} years")
    print("| level | model /yr | record /yr (95%) |")
    print("|---|---|---|")
    crises = icb.crises_among(CRISES, states, WINDOW)
    icb_rate, icb_lo, icb_hi = icb.rate(crises, record.years)
    print(
        f"| crises started vs ICB crises | {len(table) / exposure:.2f} | "
        f"{icb_rate:.2f} ({icb_lo:.2f}-{icb_hi:.2f}) |"
    )
    names = (
        "show of force or worse",
        "limited clash or worse",
        "major war",
        "pairs drawn into a partner's dispute",
    )
    for name, sim, obs, (lo, hi) in zip(
        names, model, record.moments(), low_high, strict=True
    ):
        print(f"| {name} | {sim:.3f} | {obs:.3f} ({lo:.3f}-{hi:.3f}) |")
    print_windows(table, replications, base.info.dt_years, record)
    dyads = calibrate.dyad_rates(table, RUNGS[0], exposure, record, states)
    from scipy.stats import spearmanr

    rho = spearmanr(dyads["simulated"], dyads["observed"])[0]
    print(f"\nSpearman over {len(dyads)} pairs: {rho:.2f}")
    busy = dyads[(dyads > 0).any(axis=1)].sort_values("observed", ascending=False)
    print("| pair | model /yr | record /yr |\n|---|---|---|")
    for pair, row in busy.iterrows():
        print(f"| {pair} | {row.simulated:.3f} | {row.observed:.2f} |")
    print("\n| state (over its pairs) | model /yr | record /yr (95%) |")
    print("|---|---|---|")
    per_state = calibrate.state_rates(dyads, states, record.years)
    for state, row in per_state.sort_values("observed", ascending=False).iterrows():
        outside = "" if row.inside else " (outside)"
        print(
            f"| {state} | {row.simulated:.3f}{outside} | {row.observed:.2f} "
            f"({row.observed_lo:.2f}-{row.observed_hi:.2f}) |"
        )
    backed = calibrate.back_downs(table, states)
    shares = backed / np.maximum(
        [((table.challenger == s) | (table.defender == s)).sum() for s in backed.index],
        1,
    )
    print("\n| state | backed down alone | share of its crises |\n|---|---|---|")
    for state, count in backed.items():
        print(f"| {state} | {count} | {shares[state]:.1%} |")
    disputes = dispute_course.disputes_with_outcomes(MIDS, OUTCOMES, states, WINDOW)
    print_course(table, disputes, base.info.dt_years)
    print_icb(crises, disputes)
    print(f"\n{time.perf_counter() - began:.0f} s")


def print_course(table: pd.DataFrame, disputes: pd.DataFrame, dt_years: float) -> None:
    """How the crises ran beside the record's disputes (``sim.dispute_course``)."""
    record = dispute_course.record_course(disputes)
    model = dispute_course.model_course(table, dt_years)
    print("\n" + dispute_course.markdown(dispute_course.compare(record, model)))


def print_icb(crises: pd.DataFrame, disputes: pd.DataFrame) -> None:
    """The record's MIDs that meet an ICB crisis beside the rest (``sim.icb``)."""
    print(f"\nICB crises in the record: {len(crises)}; the MIDs they coincide with:")
    print("| record's MIDs | MIDs | use of force | answered | conceded |", end="")
    print(" mean years | median years |\n|---|---|---|---|---|---|---|")
    for name, row in icb.beside_disputes(crises, disputes).iterrows():
        print(
            f"| {name} | {row.disputes:.0f} | {row.force:.2f} | {row.answered:.2f} | "
            f"{row.conceded:.3f} | {row.mean_years:.2f} | {row.median_years:.2f} |"
        )


def print_windows(
    table: pd.DataFrame, replications: int, dt_years: float, record
) -> None:
    """Disputes and uses of force per year by window (``calibrate.trend``)."""
    per_year = calibrate.steps_per_year(dt_years)
    windows = calibrate.trend(
        table, replications, per_year, record, RUNGS, record.years
    )
    print("\n| model years | record years | MIDs /yr, model | record (95%) |", end="")
    print(" uses of force /yr, model | record (95%) |")
    print("|---|---|---|---|---|---|")
    for row in windows.itertuples():
        cells = [
            f"{getattr(row, f'{level}_simulated'):.2f}"
            f"{'' if getattr(row, f'{level}_inside') else ' (outside)'} | "
            f"{getattr(row, level):.2f} ({getattr(row, f'{level}_lo'):.2f}-"
            f"{getattr(row, f'{level}_hi'):.2f})"
            for level in ("disputes", "force")
        ]
        print(f"| {row.model_years} | {row.record_years} | {' | '.join(cells)} |")


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 1000,
        Path(sys.argv[2] if len(sys.argv) > 2 else "scenarios/baseline_2024.toml"),
    )
