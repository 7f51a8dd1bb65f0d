"""How long ``wargame --help`` and ``--version`` take, beside ``import sim``.

Prints the best and median wall time of several fresh interpreters for each
command, so the cost of the command line itself (argument parsing, the command
table) can be read against the floor of starting Python and importing the package.
Target: under 0.5 s on a quiet machine.

Run: ``python benchmarks/cli_startup.py [--repeats N]``.
"""

import argparse
import statistics
import subprocess
import sys
import time

COMMANDS = {
    "python -c 'import sim'": [sys.executable, "-c", "import sim"],
    "wargame --version": [sys.executable, "-m", "sim.cli", "--version"],
    "wargame --help": [sys.executable, "-m", "sim.cli", "--help"],
    "wargame run --help": [sys.executable, "-m", "sim.cli", "run", "--help"],
}


def wall_times(command: list[str], repeats: int) -> list[float]:
    """Seconds each of ``repeats`` fresh runs of ``command`` took."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
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


if __name__ == "__main__":
    main()
