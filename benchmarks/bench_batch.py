"""Batch throughput, Mesa comparison, peak memory and scaling with the state count.

Run from the repository root::

    python benchmarks/bench_batch.py

It prints, in one run on the baseline scenario (17 states):

1. the engine's throughput in state-steps per second for 10,000 replications x
   100 steps, in process, end to end (``sim.batch.run``: chunks, outcomes and
   Parquet files included);
2. the same for ``mesa.batch_run`` over ``RegionModel`` (fewer replications,
   explicit ``rng=[...]`` seeds, scaled per replication) and the ratio;
3. peak memory (maximum resident set) of ``wargame batch`` with 100,000
   replications, measured on a child process; memory is bounded by the chunk,
   not the step count, so this run takes 20 steps to save time;
4. time per replication for 16, 32, 64 and 128 synthetic states (50
   replications x 100 steps each).

Figures are measurements of this machine, printed, never asserted. Targets (a
2-core machine): engine >= 50x ``mesa.batch_run`` per replication, >= 1,000,000
state-steps per second, peak memory < 2 GiB at 100,000 replications.
"""

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import mesa
import numpy as np

from sim import batch
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


def timed(fn) -> float:
    """Seconds taken by ``fn()`` (wall clock)."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def batch_seconds(scenario: Path, replications: int) -> float:
    """Seconds for a whole in-process batch, written to a temporary folder."""
    plan = batch.plan(scenario, replications=replications, steps=STEPS)
    with tempfile.TemporaryDirectory() as out:
        return timed(lambda: batch.run(plan, Path(out), progress=False))


def mesa_seconds(replications: int) -> float:
    """Seconds for ``mesa.batch_run`` over RegionModel with explicit seeds."""
    scenario = load_scenario(BASELINE)
    return timed(
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
    whole = batch_seconds(BASELINE, ENGINE_REPLICATIONS)
    engine_rate = ENGINE_REPLICATIONS * STEPS * n / whole
    mesa_time = mesa_seconds(MESA_REPLICATIONS)
    mesa_rate = MESA_REPLICATIONS * STEPS * n / mesa_time
    per_rep_engine = whole / ENGINE_REPLICATIONS
    per_rep_mesa = mesa_time / MESA_REPLICATIONS

    print(
        f"engine, batch of {ENGINE_REPLICATIONS:,} replications to Parquet: "
        f"{whole:.2f} s, {engine_rate:,.0f} state-steps/s"
    )
    print(
        f"mesa.batch_run over RegionModel, {MESA_REPLICATIONS} replications: "
        f"{mesa_time:.2f} s, {mesa_rate:,.0f} state-steps/s"
    )
    print(
        f"per replication: engine {per_rep_engine * 1e3:.3f} ms, "
        f"mesa.batch_run {per_rep_mesa * 1e3:.1f} ms, "
        f"ratio {per_rep_mesa / per_rep_engine:,.0f}x (target >= 50x)"
    )
    print(
        f"peak memory, wargame batch {MEMORY_REPLICATIONS:,} replications x "
        f"{MEMORY_STEPS} steps: {memory:.2f} GiB in {memory_seconds:.1f} s "
        "(target < 2 GiB)\n"
    )

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
