"""Do rates per year depend on the step length? The dt table of issue #12, item 2.

Run from the repository root::

    nice -n 10 python benchmarks/dt_invariance.py [SCENARIO] [REPLICATIONS]

It runs SCENARIO (scenarios/baseline_2024.toml by default) for ten years at
steps of 1/12, 1/4 and 1/2 year, REPLICATIONS times each (20,000 by default;
same seed and replication indices), and prints a Markdown table: for each dt
the crises, shows of force or worse, limited clashes or worse and wars per year,
each with its 95% interval; then, for each rate, the largest relative
difference from the quarterly step and whether every dt agrees with it (within
10%, or within the 95% interval of the paired difference where that is wider).
The fast guard in CI is ``tests/theory/test_theory.py`` (case g). Figures are
measurements, printed, never asserted.
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.theory

from sim.scenario import bundled_dir
from tests.theory.cases import DT_RATES, DT_TOLERANCE, DT_YEARS, dt_rates

REPLICATIONS = 20_000


def main() -> None:
    scenario = (
        Path(sys.argv[1]) if len(sys.argv) > 1 else bundled_dir() / "baseline_2024.toml"
    )
    replications = int(sys.argv[2]) if len(sys.argv) > 2 else REPLICATIONS
    start = time.perf_counter()
    rows = dt_rates(scenario, replications)
    print(f"{scenario.name}: 10 years, {replications:,} replications per dt\n")
    names = [name for name, _ in DT_RATES]
    print("| dt (years) | " + " | ".join(f"{n} /yr (95% CI)" for n in names) + " |")
    print("|---" * (len(names) + 1) + "|")
    for dt in DT_YEARS:
        cells = [
            f"{r.per_year:.4g} ({r.low:.4g} to {r.high:.4g})"
            for name in names
            for r in rows
            if r.rate == name and r.dt == dt
        ]
        print(f"| {dt:.4g} | " + " | ".join(cells) + " |")
    print(f"\nAgainst dt 0.25 (agrees: within {DT_TOLERANCE:.0%} or the 95% CI):\n")
    print("| rate | max relative difference | at dt | agrees at every dt? |")
    print("|---|---|---|---|")
    for name in names:
        mine = [r for r in rows if r.rate == name]
        worst = max(mine, key=lambda r: abs(r.relative))
        agrees = "yes" if all(r.agrees for r in mine) else "**no**"
        print(f"| {name} | {worst.relative:+.1%} | {worst.dt:.4g} | {agrees} |")
    print(f"\n{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
