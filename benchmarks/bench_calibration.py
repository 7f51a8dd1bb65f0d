"""Time of a spending fit: one group without bootstrap, then with bootstrap.

Run from the repository root::

    python benchmarks/bench_calibration.py [BOOTSTRAP]

It fits IND,PAK and CHN,JPN,USA (reaction and fatigue per state, within the
backtest's bounds) to SIPRI spending 1990-2012 with observed GDP and the other
states' spending as forcing series, forecasting 2013-2024, and prints the wall
and CPU time of each fit, then of the IND,PAK fit with BOOTSTRAP refits (default
50). Figures are measurements of this machine, printed, never asserted.
"""

import sys
import time

import numpy as np

from sim import backtest, calibrate
from sim.scenario import bundled_dir

DATA = bundled_dir() / "data"
SCENARIO = bundled_dir() / "baseline_2024.toml"
YEARS = np.arange(1990, 2025)


def timed_fit(group: tuple[str, ...], bootstrap: int) -> str:
    """Fit one group and say how long it took and how it forecast."""
    milex = calibrate.read_panel(DATA / "milex.csv", YEARS)
    drivers = calibrate.Drivers(
        gdp=calibrate.read_panel(DATA / "gdp.csv", YEARS), milex=milex
    )
    wall, cpu = time.perf_counter(), time.process_time()
    fit = calibrate.fit_spending(
        SCENARIO,
        milex[list(group)],
        backtest.fit_params(group),
        calibrate.Window(1990, 2012),
        holdout=calibrate.Window(2013, 2024),
        drivers=drivers,
        bootstrap=bootstrap,
    )
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    mape = fit.errors.set_index("method").loc["model", "holdout_mape_pct"]
    return (
        f"{','.join(group):<12} bootstrap {bootstrap:>3}: {wall:6.1f} s wall, "
        f"{cpu:6.1f} s CPU (holdout MAPE {mape:.1f}%)"
    )


def main() -> None:
    """Print the timings."""
    refits = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    print(timed_fit(("IND", "PAK"), 0))
    print(timed_fit(("CHN", "JPN", "USA"), 0))
    print(timed_fit(("IND", "PAK"), refits))


if __name__ == "__main__":
    main()
