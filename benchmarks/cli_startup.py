"""How long ``wargame --help`` and ``--version`` take, beside ``import sim``.

Prints the best and median wall time of several fresh interpreters for each
command, so the cost of the command line itself (argument parsing, the command
table) can be read against the floor of starting Python and importing the package.
Target: under 0.5 s on a quiet machine.

Then the same for solving one crisis game in a fresh interpreter: once with an
empty cache folder, so the QRE kernel compiles (the first game on a machine),
and once with the folder it filled (every later process).

Run: ``python benchmarks/cli_startup.py [--repeats N]``.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

COMMANDS = {
    "python -c 'import sim'": [sys.executable, "-c", "import sim"],
    "wargame --version": [sys.executable, "-m", "sim.cli", "--version"],
    "wargame --help": [sys.executable, "-m", "sim.cli", "--help"],
    "wargame run --help": [sys.executable, "-m", "sim.cli", "run", "--help"],
}

SOLVE_ONE_GAME = [
    sys.executable,
    "-c",
    "import numpy as np; from sim.dynamics.quantal import stage_qre; "
    "stage_qre(np.zeros((1, 2, 3, 3)), np.ones((1, 2), bool), 0.1)",
]


def wall_times(
    command: list[str], repeats: int, cache: str | None = None
) -> list[float]:
    """Seconds each of ``repeats`` fresh runs of ``command`` took.

    ``cache``: the kernel's cache folder (``NUMBA_CACHE_DIR``); None for a new
    empty one each run.
    """
    times = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as empty:
            env = {**os.environ, "NUMBA_CACHE_DIR": cache or empty}
            start = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True, env=env)
            times.append(time.perf_counter() - start)
    return times


def main() -> None:
    """Time each command and print one row per command."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="runs per command (7)")
    repeats = parser.parse_args().repeats
    print(f"{'command':<28} {'best s':>8} {'median s':>9}  ({repeats} runs each)")
    for label, command in COMMANDS.items():
        times = wall_times(command, repeats)
        print(f"{label:<28} {min(times):8.3f} {statistics.median(times):9.3f}")
    with tempfile.TemporaryDirectory() as kept:
        compiling = wall_times(SOLVE_ONE_GAME, repeats)
        wall_times(SOLVE_ONE_GAME, 1, kept)  # fills it
        loading = wall_times(SOLVE_ONE_GAME, repeats, kept)
    for label, times in (
        ("one game, compiling", compiling),
        ("one game, cached", loading),
    ):
        print(f"{label:<28} {min(times):8.3f} {statistics.median(times):9.3f}")


if __name__ == "__main__":
    main()
