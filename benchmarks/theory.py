"""The theory suite at full size: does each comparative static hold?

Run from the repository root (a few minutes on one core)::

    nice -n 10 python benchmarks/theory.py [REPLICATIONS] [DT_REPLICATIONS]

It runs every case of ``tests/theory/cases.py`` (the same arms, metrics and
expected signs as the fast suite in CI) with REPLICATIONS paired replications
per arm (10,000 by default), and case (g), dt invariance of the theory dyad,
with DT_REPLICATIONS (20,000 by default), and prints one Markdown table: case,
anchor, expected sign, measured effect, 95% interval, and whether it holds.
``benchmarks/dt_invariance.py`` prints the full dt table of any scenario.
Figures are measurements, printed, never asserted; docs/theory.md explains
each case.
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.theory

from tests.theory.cases import (
    CASES,
    DT_RATES,
    DYAD,
    FULL_REPLICATIONS,
    dt_rates,
    measure,
)

DT_REPLICATIONS = 20_000
SIGNS = {"+": "+", "-": "-", "0": "0", "<=0": "<= 0"}


def shown(value: float, scale: str) -> str:
    """An effect as a signed percentage (relative) or number (difference)."""
    return f"{value:+.1%}" if scale == "relative" else f"{value:+.4g}"


def main() -> None:
    replications = int(sys.argv[1]) if len(sys.argv) > 1 else FULL_REPLICATIONS
    dt_replications = int(sys.argv[2]) if len(sys.argv) > 2 else DT_REPLICATIONS
    start = time.perf_counter()
    print(f"Theory suite, {replications:,} paired replications per arm\n")
    for case in CASES:
        print(f"- {case.key}: {case.title}")
    print()
    print("| case | claim | anchor | expected | effect | 95% CI | holds? |")
    print("|---|---|---|---|---|---|---|")
    for case in CASES:
        results = measure(case.key, replications)
        for check in case.checks:
            r = results[check.key]
            interval = f"{shown(r.low, check.scale)} to {shown(r.high, check.scale)}"
            print(
                f"| {case.key} | {check.claim} | {case.anchor} | "
                f"{SIGNS[check.expected]} | {shown(r.effect, check.scale)} | "
                f"{interval} | {'yes' if check.holds(r) else '**no**'} |"
            )
    rows = dt_rates(DYAD, dt_replications)
    for name, _ in DT_RATES:
        mine = [row for row in rows if row.rate == name]
        worst = max(mine, key=lambda row: abs(row.relative))
        holds = all(row.agrees for row in mine)
        print(
            f"| g | {name} per year, dt 1/12 to 1/2 ({dt_replications:,} reps) | "
            f"issue #12 item 2 | same | {worst.relative:+.1%} at dt {worst.dt:.3g} | "
            f"{shown(worst.difference.low, 'difference')} to "
            f"{shown(worst.difference.high, 'difference')} /yr | "
            f"{'yes' if holds else '**no**'} |"
        )
    print(f"\n{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
