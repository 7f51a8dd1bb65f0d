"""Batch throughput, Mesa comparison, peak memory and scaling with the state count.

Run from the repository root::

    python benchmarks/bench_batch.py

It prints, in one run on the baseline scenario (17 states):

1. the engine's throughput in state-steps per second for 10,000 replications x
   100 steps, end to end (``sim.batch.run``: chunks, outcomes and Parquet files
   included), once in process (one core) and once on all cores
   (:class:`sim.executors.Processes`, process start-up included), same plan;
2. the same for ``mesa.batch_run`` over ``RegionModel`` (fewer replications,
   explicit ``rng=[...]`` seeds, scaled per replication) and the ratio of each
   engine run to it;
3. peak memory (maximum resident set) of ``wargame batch`` with 100,000
   replications, measured on a child process; memory is bounded by the chunk,
   not the step count, so this run takes 20 steps to save time;
4. time per replication for 16, 32, 64 and 128 synthetic states (50
   replications x 100 steps each).

Each time is the best of ``REPEATS`` runs, the one least disturbed by other
work on a shared machine (as :mod:`timeit` advises). Figures are measurements
of this machine, printed, never asserted. Targets (a 2-core machine): engine
>= 100x ``mesa.batch_run`` per replication, >= 1,000,000 state-steps per
second, peak memory < 2 GiB at 100,000 replications.
"""

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import mesa
import numpy as np

from sim import batch
from sim.executors import Executor, Processes
from sim.limits import STATES
from sim.model import RegionModel
from sim.scenario import bundled_dir, load_scenario

BASELINE = bundled_dir() / "baseline_2024.toml"
STEPS = 100
ENGINE_REPLICATIONS = 10_000
MESA_REPLICATIONS = 20
MEMORY_REPLICATIONS = 100_000
MEMORY_STEPS = 20
SCALING_STATES = (16, 32, 64, 128)
SCALING_REPLICATIONS = 50
REPEATS = 3


def timed(fn) -> float:
    """Seconds taken by ``fn()`` (wall clock)."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def best_seconds(fn) -> float:
    """The shortest of ``REPEATS`` timings of ``fn()``."""
    return min(timed(fn) for _ in range(REPEATS))


def batch_seconds(
    scenario: Path, replications: int, executor: Executor | None = None
) -> float:
    """Seconds for a whole batch (in process by default) to a new temporary folder."""
    plan = batch.plan(scenario, replications=replications, steps=STEPS)

    def run_once() -> None:
        with tempfile.TemporaryDirectory() as out:
            batch.run(plan, Path(out), executor=executor, progress=False)

    return best_seconds(run_once)


def mesa_seconds(replications: int) -> float:
    """Seconds for ``mesa.batch_run`` over RegionModel with explicit seeds."""
    scenario = load_scenario(BASELINE)
    return best_seconds(
        lambda: mesa.batch_run(
            RegionModel,
            parameters={"scenario": scenario, "steps": STEPS},
            rng=list(range(replications)),
            max_steps=STEPS,
            number_processes=1,
            data_collection_period=-1,
            display_progress=False,
        )
    )


def peak_memory_gib(replications: int) -> tuple[float, float]:
    """Peak RSS (GiB) and seconds of ``wargame batch`` run as a child process."""
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-m", "sim.cli", "batch", str(BASELINE)]
        command += ["--replications", str(replications), "--steps", str(MEMORY_STEPS)]
        seconds = timed(
            lambda: subprocess.run(
                [*command, "--out", str(Path(out) / "b")],
                check=True,
                capture_output=True,
            )
        )
    kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # Linux: KiB
    return kib / 2**20, seconds


def synthetic_scenario(folder: Path, n_states: int) -> Path:
    """A fictional region of ``n`` states in a ring of disputes over 4 theaters.

    Every number is made up for timing: spending 1,000 US$ m on a GDP of
    100,000 US$ m, capitals spread along the equator, and each state disputing
    a theater with its neighbour in the ring.
    """
    states = "".join(
        f'[[state]]\nid = "S{i:03d}"\nname = "State {i}"\nmilex_usd_m = 1000.0\n'
        f"gdp_usd_m = 100000.0\ncapital = [0.0, {i * 360 / n_states - 180:.3f}]\n\n"
        for i in range(n_states)
    )
    theaters = "".join(
        f'[[theater]]\nid = "T{t}"\nname = "Theater {t}"\n'
        f"center = [0.0, {t * 90 - 135}.0]\n\n"
        for t in range(4)
    )
    disputes = "".join(
        f'[[dispute]]\nparties = ["S{i:03d}", "S{(i + 1) % n_states:03d}"]\n'
        f'theater = "T{i * 4 // n_states}"\nhostility = 0.5\n\n'
        for i in range(n_states)
    )
    text = (
        f'[scenario]\nname = "synthetic_{n_states}"\n'
        'description = "Synthetic states for timing."\n'
        "start_year = 2000\nsteps = 100\n\n"
        f"{states}{theaters}{disputes}"
    )
    path = folder / f"synthetic_{n_states}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def main() -> None:
    n = len(load_scenario(BASELINE).states)
    print(f"baseline_2024: {n} states, {STEPS} steps per replication\n")

    memory, memory_seconds = peak_memory_gib(MEMORY_REPLICATIONS)
    pool = Processes()
    engine_runs = {
        "in process (1 core)": batch_seconds(BASELINE, ENGINE_REPLICATIONS),
        f"Processes ({pool.workers} workers)": batch_seconds(
            BASELINE, ENGINE_REPLICATIONS, pool
        ),
    }
    mesa_time = mesa_seconds(MESA_REPLICATIONS)
    per_rep_mesa = mesa_time / MESA_REPLICATIONS

    print(
        f"mesa.batch_run over RegionModel, {MESA_REPLICATIONS} replications: "
        f"{mesa_time:.2f} s, {MESA_REPLICATIONS * STEPS * n / mesa_time:,.0f} "
        f"state-steps/s, {per_rep_mesa * 1e3:.1f} ms per replication"
    )
    for label, seconds in engine_runs.items():
        per_rep = seconds / ENGINE_REPLICATIONS
        print(
            f"engine {label}, {ENGINE_REPLICATIONS:,} replications to Parquet: "
            f"{seconds:.2f} s, {ENGINE_REPLICATIONS * STEPS * n / seconds:,.0f} "
            f"state-steps/s (target >= 1,000,000), {per_rep * 1e3:.3f} ms per "
            f"replication, {per_rep_mesa / per_rep:,.0f}x mesa.batch_run "
            "(target >= 100x)"
        )
    print(
        f"peak memory, wargame batch {MEMORY_REPLICATIONS:,} replications x "
        f"{MEMORY_STEPS} steps: {memory:.2f} GiB in {memory_seconds:.1f} s "
        "(target < 2 GiB)\n"
    )

    # the largest synthetic region is above the default limit on states: meant here
    os.environ[STATES.env] = str(max(SCALING_STATES))
    print(f"scaling, {SCALING_REPLICATIONS:,} replications x {STEPS} steps:")
    print("  states  ms/replication  state-steps/s")
    with tempfile.TemporaryDirectory() as folder:
        for states in SCALING_STATES:
            path = synthetic_scenario(Path(folder), states)
            seconds = batch_seconds(path, SCALING_REPLICATIONS)
            rate = SCALING_REPLICATIONS * STEPS * states / seconds
            per_rep = seconds / SCALING_REPLICATIONS * 1e3
            print(f"  {states:6d}  {per_rep:14.3f}  {rate:13,.0f}")
    print(f"\nnumpy {np.__version__}, mesa {mesa.__version__}")


if __name__ == "__main__":
    main()
