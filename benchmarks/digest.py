"""SHA-256 digests of every world field and batch table: proof a change moved no bit.

Run from the repository root, before and after a change that must not move any
result (a speed-up, a refactor), and compare the output::

    python benchmarks/digest.py > before.txt
    # ... change the code ...
    python benchmarks/digest.py > after.txt
    diff before.txt after.txt

For each of several bundled scenarios and seeds it prints one line: the digest
of every field of the world (arrays of dataclass fields included, with their
dtype and shape) at every step of an ensemble of replications, and the digest
of every table a batch chunk of the same replications writes (states series
included), then of the world of one large ensemble. A last line digests all
the lines. Any changed bit of any field, at
any step, of any replication changes a line.
"""

import argparse
import dataclasses
import hashlib
from typing import Any

import numpy as np
import pyarrow as pa

from sim import batch, engine
from sim.scenario import bundled_dir, load_scenario

SCENARIOS = (
    "baseline_2024",
    "taiwan_strait",
    "korean_peninsula",
    "south_china_sea",
    "signaling",
    "richardson_two_state",
)
SEEDS = (1, 20261130)
REPLICATIONS = 24
STEPS = 60
LARGE = ("baseline_2024", 1000, 20)
"""One large ensemble too (scenario, replications, steps): its arrays are large
enough to cross the block edges of the sparse and blocked kernels."""


def feed(digest: Any, name: str, value: object) -> None:
    """Add a named field (an array, a dataclass of arrays, a scalar) to ``digest``."""
    if dataclasses.is_dataclass(value):
        for f in dataclasses.fields(value):
            feed(digest, f"{name}.{f.name}", getattr(value, f.name))
        return
    array = np.ascontiguousarray(value)
    digest.update(f"{name}:{array.dtype.str}:{array.shape}".encode())
    if array.dtype == object:
        digest.update(repr(array.tolist()).encode())
    else:
        digest.update(array.tobytes())


def world_digest(
    setup: engine.Setup, seed: int, replications: int = REPLICATIONS, steps: int = STEPS
) -> str:
    """Digest of every field of the world at every step."""
    digest = hashlib.sha256()
    rows = np.arange(replications, dtype=np.int64)
    for world in engine.simulate(setup, seed=seed, replications=rows, steps=steps):
        digest.update(f"step {world.step}".encode())
        for name, value in world.fields.items():
            feed(digest, name, value)
    return digest.hexdigest()


def table_digest(setup: engine.Setup, seed: int) -> str:
    """Digest of every table of one batch chunk (states series included)."""
    task = batch.Task(batch.Chunk(0, 0, REPLICATIONS), setup, seed, STEPS, True)
    _, tables = batch.run_chunk(task)
    digest = hashlib.sha256()
    for name in sorted(tables):
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, tables[name].schema) as writer:
            writer.write_table(tables[name])
        digest.update(name.encode())
        digest.update(sink.getvalue().to_pybytes())
    return digest.hexdigest()


def main() -> None:
    """Print one line per scenario and seed, then a digest of all of them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", nargs="*", default=SCENARIOS)
    args = parser.parse_args()
    total = hashlib.sha256()
    for name in args.scenarios:
        setup = engine.build_setup(load_scenario(bundled_dir() / f"{name}.toml"))
        for seed in SEEDS:
            line = (
                f"{name} seed {seed}: world {world_digest(setup, seed)[:16]} "
                f"tables {table_digest(setup, seed)[:16]}"
            )
            print(line, flush=True)
            total.update(line.encode())
    name, replications, steps = LARGE
    setup = engine.build_setup(load_scenario(bundled_dir() / f"{name}.toml"))
    line = (
        f"{name} seed {SEEDS[0]}, {replications} replications x {steps} steps: "
        f"world {world_digest(setup, SEEDS[0], replications, steps)[:16]}"
    )
    print(line, flush=True)
    total.update(line.encode())
    print(f"all: {total.hexdigest()}")


if __name__ == "__main__":
    main()
