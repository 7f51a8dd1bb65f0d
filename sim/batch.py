"""Batches and sweeps: many replications of many parameter settings, in chunks.

A :class:`Plan` fixes everything a batch computes: the scenario, the settings
applied to every run, the design's points (:mod:`sim.design`), the seed, steps,
replications per point and the chunk size. A *chunk* is a point and a range of
replication indices; it runs as one vectorised ensemble on the engine's
replication axis, so memory is bounded by the chunk size however many
replications there are. Replication ``r`` depends only on ``(seed, r)`` and the
point's scenario (counter-based random numbers, :mod:`sim.rng`), never on the
chunk it falls in or the executor that ran it.

:func:`run` writes an output folder::

    OUT/manifest.json                       what was run (written first)
    OUT/chunks/p000000-r000000000000-000000001024/
        model.parquet     one row per (replication, step): model-level series
        states.parquet    one row per (replication, step, state), on request
        theaters.parquet  one row per (replication, step, theater): highest rung
        crises.parquet    one row per crisis, when the engine records crises
        outcomes.parquet  one row per replication: stability outcomes

Each chunk folder appears whole or not at all, named by its point and
replication range, so a batch stopped by Ctrl-C or a kill resumes by running the
same command again: finished chunks are skipped, never duplicated. A folder
whose manifest records a different batch is refused untouched. :func:`load`
reads a folder back as tidy pandas frames.
"""

import json
import os
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from tqdm import tqdm

from sim import engine, manifest
from sim.crisis_log import crisis_frame
from sim.design import Design
from sim.errors import InputError
from sim.executors import Executor, InProcess
from sim.metrics import (
    OutcomeTracker,
    Places,
    model_series,
    state_series,
    theater_series,
)
from sim.outputs import atomic_directory
from sim.scenario import Scenario, load_scenario

MANIFEST = manifest.FILE
CHUNKS = "chunks"
TABLES = ("model", "states", "theaters", "crises", "outcomes")
FORMAT_VERSION = manifest.FORMAT
CHUNK_HOSTILITY_BYTES = 64 * 2**20
"""Memory the (R, N, N) dyad arrays of one chunk may take: sets the default chunk
size (a speed/memory choice: big enough to amortise per-step overhead)."""
CHUNK_LIMITS = (64, 1024)
"""Smallest and largest default chunk size, in replications. The largest keeps a
batch in many chunks, so every worker stays busy to the end (10,000 replications
make 10 chunks, shared evenly by 2 workers); one process runs as fast with 256
as with 4,096 replications a chunk (measured with benchmarks/bench_batch.py)."""
MAX_SEED = 2**63
"""Seeds are 63-bit keys of the counter-based random numbers (:mod:`sim.rng`)."""
_RECORD_ONLY = ("created", "scenario_path", "chunks")
"""Manifest keys that describe a run without defining it (not compared on resume)."""


class BatchError(InputError):
    """A batch that cannot run as asked (bad arguments or output folder)."""


class BatchInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped a batch; finished chunks are kept and a re-run resumes."""


@dataclass(frozen=True)
class Point:
    """One setting of the design: its overrides and the resolved scenario.

    Attributes:
        index: Position in the design, 0-based.
        overrides: Field path to value, as varied by the design.
        setup: The engine setup of the overridden scenario.
    """

    index: int
    overrides: dict[str, Any]
    setup: engine.Setup


@dataclass(frozen=True)
class Chunk:
    """Replications ``start`` (inclusive) to ``stop`` (exclusive) of one point."""

    point: int
    start: int
    stop: int

    @property
    def id(self) -> str:
        """Folder name: deterministic from point and range, sorting in run order."""
        return f"p{self.point:06d}-r{self.start:012d}-{self.stop:012d}"

    @property
    def size(self) -> int:
        """Number of replications."""
        return self.stop - self.start


@dataclass(frozen=True)
class Task:
    """Everything a worker needs to compute one chunk (picklable)."""

    chunk: Chunk
    setup: engine.Setup
    seed: int
    steps: int
    state_series: bool


@dataclass(frozen=True)
class Plan:
    """What a batch computes; build one with :func:`plan`.

    Attributes:
        scenario: The scenario with the settings applied (before the design).
        settings: Field path to value, applied to every run.
        design: How points were chosen.
        points: The design's points, each with its scenario resolved.
        seed: Experiment seed.
        steps: Steps per replication.
        replications: Replications per point.
        chunk_size: Replications per chunk.
        state_series: Whether per-state series are recorded.
    """

    scenario: Scenario
    settings: dict[str, Any]
    design: Design
    points: tuple[Point, ...]
    seed: int
    steps: int
    replications: int
    chunk_size: int
    state_series: bool

    def chunks(self) -> list[Chunk]:
        """All chunks, point by point, in order of replication."""
        return [
            Chunk(p.index, start, min(start + self.chunk_size, self.replications))
            for p in self.points
            for start in range(0, self.replications, self.chunk_size)
        ]

    def tasks(self, chunks: list[Chunk]) -> Iterator[Task]:
        """The tasks computing the given chunks."""
        for chunk in chunks:
            setup = self.points[chunk.point].setup
            yield Task(chunk, setup, self.seed, self.steps, self.state_series)

    def manifest(self) -> dict[str, Any]:
        """The manifest (:mod:`sim.manifest`): what defines this batch."""
        return {
            **manifest.describe(
                manifest.BATCH, self.scenario, seed=self.seed, steps=self.steps
            ),
            "settings": self.settings,
            "design": self.design.describe(),
            "points": [
                {
                    "point": p.index,
                    "overrides": p.overrides,
                    "scenario_hash": p.setup.scenario.content_hash,
                }
                for p in self.points
            ],
            "replications": self.replications,
            "chunk_size": self.chunk_size,
            "state_series": self.state_series,
            "chunks": len(self.chunks()),
        }


@dataclass(frozen=True)
class Summary:
    """What a call of :func:`run` did.

    Attributes:
        out: The output folder.
        chunks: Chunks in the batch.
        skipped: Chunks already finished by an earlier run.
        written: Chunks written by this run.
    """

    out: Path
    chunks: int
    skipped: int
    written: int


@dataclass(frozen=True)
class Results:
    """A batch folder read back as tidy frames (see :func:`load`).

    Attributes:
        manifest: The folder's manifest.
        points: One row per point: ``point`` and one column per varied field.
        model: One row per (point, replication, step).
        states: One row per (point, replication, step, state); empty unless
            per-state series were recorded.
        theaters: One row per (point, replication, step, theater).
        crises: One row per crisis; empty if the engine records none.
        outcomes: One row per (point, replication), with the point's varied
            fields as columns.
        missing_chunks: Chunks not (yet) written; 0 for a finished batch.
    """

    manifest: dict[str, Any]
    points: pd.DataFrame
    model: pd.DataFrame
    states: pd.DataFrame = field(repr=False)
    theaters: pd.DataFrame = field(repr=False)
    crises: pd.DataFrame = field(repr=False)
    outcomes: pd.DataFrame = field(repr=False)
    missing_chunks: int = 0


def default_chunk_size(n_states: int) -> int:
    """Replications per chunk so the (R, N, N) arrays stay near a fixed budget."""
    size = CHUNK_HOSTILITY_BYTES // (8 * n_states * n_states)
    return int(np.clip(size, *CHUNK_LIMITS))


def plan(
    scenario: str | Path,
    *,
    replications: int,
    steps: int | None = None,
    seed: int | None = None,
    settings: dict[str, Any] | None = None,
    design: Design | None = None,
    chunk_size: int | None = None,
    state_series: bool = False,
) -> Plan:
    """Validate a batch and resolve every point's scenario, before anything runs.

    Args:
        scenario: The scenario file.
        replications: Replications per point, at least 1.
        steps: Steps per replication (the scenario's if None).
        seed: Experiment seed (the scenario's if None).
        settings: Field path to value applied to every run, e.g.
            ``{"mechanisms.arms_race.reaction_per_year": 0.2}``.
        design: The points to run (a single point if None).
        chunk_size: Replications per chunk (:func:`default_chunk_size` if None).
        state_series: Record per-state series as well as model-level ones.

    Returns:
        The plan.

    Raises:
        BatchError: A count or seed out of range.
        ScenarioError: The scenario, a setting or a point's override is invalid.
    """
    settings = dict(settings or {})
    design = design or Design()
    base = load_scenario(scenario, overrides=settings)
    steps = base.info.steps if steps is None else steps
    seed = base.info.seed if seed is None else seed
    chunk_size = (
        default_chunk_size(len(base.states)) if chunk_size is None else chunk_size
    )
    _check_at_least("replications", replications, 1)
    _check_at_least("steps", steps, 0)
    _check_at_least("seed", seed, 0)
    if seed >= MAX_SEED:
        raise BatchError(f"seed {seed}: must be below 2**63", field="seed")
    _check_at_least("chunk_size", chunk_size, 1)
    points = tuple(
        Point(
            i,
            overrides,
            engine.build_setup(
                load_scenario(scenario, overrides={**settings, **overrides})
            ),
        )
        for i, overrides in enumerate(design.points())
    )
    return Plan(
        scenario=base,
        settings=settings,
        design=design,
        points=points,
        seed=seed,
        steps=steps,
        replications=replications,
        chunk_size=chunk_size,
        state_series=state_series,
    )


def _check_at_least(field: str, value: int, low: int) -> None:
    """Fail naming the argument unless ``value`` is a whole number >= ``low``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise BatchError(
            f"{field} {value!r}: must be a whole number >= {low}", field=field
        )


def run(
    plan: Plan,
    out: str | Path,
    *,
    executor: Executor | None = None,
    progress: bool | None = None,
) -> Summary:
    """Run a plan's unfinished chunks and write them to ``out``.

    Args:
        plan: What to run (see :func:`plan`).
        out: Output folder: new, empty, or holding this same batch (resumed).
        executor: Where chunks run (:class:`sim.executors.InProcess` if None),
            used as a context manager for the duration of the run.
        progress: Show a progress bar; if None, only on a terminal outside CI.

    Returns:
        What was skipped and written.

    Raises:
        BatchError: ``out`` holds something else; nothing is written.
        BatchInterrupted: Ctrl-C; finished chunks are kept.
    """
    out = Path(out)
    _prepare(out, plan.manifest())
    chunks = plan.chunks()
    done = finished_chunks(out)
    todo = [c for c in chunks if c.id not in done]
    written = 0
    bar = tqdm(
        total=plan.replications * len(plan.points),
        initial=sum(c.size for c in chunks if c.id in done),
        unit="rep",
        desc=plan.scenario.info.name,
        disable=not (_interactive() if progress is None else progress),
    )
    try:
        with bar, executor or InProcess() as pool:
            for chunk, tables in pool.imap_unordered(run_chunk, plan.tasks(todo)):
                write_chunk(out, chunk, tables)
                written += 1
                bar.update(chunk.size)
    except KeyboardInterrupt:
        finished = len(chunks) - len(todo) + written
        raise BatchInterrupted(
            f"stopped with {finished} of {len(chunks)} chunks finished in {out}; "
            "run the same command again to resume"
        ) from None
    return Summary(out, len(chunks), len(chunks) - len(todo), written)


def _interactive() -> bool:
    """Whether a progress bar is wanted: a terminal, and not in CI."""
    return sys.stderr.isatty() and not os.environ.get("CI")


def _prepare(out: Path, described: dict[str, Any]) -> None:
    """Write the manifest into a new folder, or check it matches an existing one.

    Also removes hidden chunk folders left by an interrupted write.
    """
    path = out / MANIFEST
    if path.exists():
        _check_same_batch(out, _read_manifest(out), described)
    elif out.exists() and any(out.iterdir()):
        raise BatchError(
            f"{out}: exists and is not a batch folder (no {MANIFEST}); "
            "choose a new or empty --out"
        )
    else:
        manifest.write(out, described)
    chunks = out / CHUNKS
    for stale in chunks.glob(".*") if chunks.exists() else ():
        shutil.rmtree(stale)


def _read_manifest(out: Path) -> dict[str, Any]:
    """The manifest of a batch folder, checked (:func:`sim.manifest.read`)."""
    found = manifest.read(out)
    if found["kind"] != manifest.BATCH:
        raise BatchError(f"{out}: not a batch folder (its {MANIFEST} is a run's)")
    return found


def _check_same_batch(out: Path, old: dict[str, Any], new: dict[str, Any]) -> None:
    """Refuse a folder whose manifest defines a different batch."""
    new = json.loads(json.dumps(new, default=str))  # as it would read back
    for key in [*new, *(k for k in old if k not in new)]:
        if key in _RECORD_ONLY or old.get(key) == new.get(key):
            continue
        shown = {
            side: value if len(json.dumps(value)) <= 80 else "(differs)"
            for side, value in (("old", old.get(key)), ("new", new.get(key)))
        }
        raise BatchError(
            f"{out} holds a different batch: its {MANIFEST} has {key} = "
            f"{shown['old']}, this command {shown['new']}; choose another --out, "
            "or delete the folder to start over"
        )


def finished_chunks(out: Path) -> set[str]:
    """Ids of the chunks written to ``out`` (each folder is whole, or absent)."""
    chunks = out / CHUNKS
    if not chunks.exists():
        return set()
    return {p.name for p in chunks.iterdir() if not p.name.startswith(".")}


def write_chunk(out: Path, chunk: Chunk, tables: dict[str, pa.Table]) -> None:
    """Write one chunk's tables as Parquet files in a folder that appears at once."""

    def write(folder: Path) -> None:
        for name, table in tables.items():
            pq.write_table(table, folder / f"{name}.parquet")

    atomic_directory(out / CHUNKS / chunk.id, write)


def run_chunk(task: Task) -> tuple[Chunk, dict[str, pa.Table]]:
    """Run one chunk as a vectorised ensemble and tabulate what it recorded.

    Returns:
        The chunk and its tables: ``model``, ``outcomes``, and ``states`` and
        ``crises`` when recorded.
    """
    chunk, setup = task.chunk, task.setup
    replications = np.arange(chunk.start, chunk.stop, dtype=np.int64)  # (R,)
    model: dict[str, list[np.ndarray]] = {}
    states: dict[str, list[np.ndarray]] = {}
    theaters: dict[str, list[np.ndarray]] = {}
    theater_ids = tuple(t.id for t in setup.scenario.theaters)
    tracker = None
    for world in engine.simulate(
        setup, seed=task.seed, replications=replications, steps=task.steps
    ):
        if tracker is None:
            tracker = OutcomeTracker(
                world, setup.dt_years, places=Places.of(setup.scenario)
            )
        else:
            tracker.update(world)
        _append(model, model_series(world))
        _append(theaters, theater_series(world, len(theater_ids)))
        if task.state_series:
            _append(states, state_series(world))
    point = chunk.point
    steps = np.arange(task.steps + 1)  # (T,)
    info = setup.scenario.info
    years = info.start_year + steps * info.dt_years
    tables = {
        "model": _model_table(point, replications, steps, years, model),
        "outcomes": _table(point, {"replication": replications, **tracker.result()}),
    }
    rows = (point, replications, steps)
    tables["theaters"] = _entity_table(*rows, "theater", theater_ids, theaters)
    if task.state_series:
        ids = setup.scenario.state_ids
        tables["states"] = _entity_table(*rows, "state", ids, states)
    tables["crises"] = _crisis_table(point, tracker.crisis_records(), setup.scenario)
    return chunk, tables


def _append(series: dict[str, list[np.ndarray]], values: dict[str, np.ndarray]) -> None:
    for name, value in values.items():
        series.setdefault(name, []).append(value)


def _table(point: int, columns: dict[str, np.ndarray]) -> pa.Table:
    """A table of equal-length 1-D columns, with a leading ``point`` column."""
    rows = len(next(iter(columns.values()))) if columns else 0
    point_column = np.full(rows, point, dtype=np.int32)
    return pa.table({"point": point_column, **columns})


def _crisis_table(
    point: int, records: dict[str, np.ndarray], scenario: Scenario
) -> pa.Table:
    """The crisis records, named as in a single run, grouped by replication.

    A stable sort by replication keeps each replication's rows in the order a
    single run lists them, so the table does not depend on the chunking. Text
    columns are typed ``string`` even in a chunk without crises (where pandas
    would leave their type unknown), so every chunk's file has one schema.
    """
    frame = crisis_frame(records, scenario)
    frame = frame.sort_values("replication", kind="stable", ignore_index=True)
    frame.insert(0, "point", np.int32(point))
    table = pa.Table.from_pandas(frame, preserve_index=False)
    schema = pa.schema(
        f.with_type(pa.string()) if _is_text(f.type) else f for f in table.schema
    )
    return table.cast(schema)


def _is_text(kind: pa.DataType) -> bool:
    """Whether a column holds text (or nothing yet, in an empty table)."""
    return pa.types.is_null(kind) or pa.types.is_large_string(kind)


def _model_table(
    point: int,
    replications: np.ndarray,
    steps: np.ndarray,
    years: np.ndarray,
    series: dict[str, list[np.ndarray]],
) -> pa.Table:
    """Rows (replication, step); each series' per-step (R,) values become a column."""
    r, t = len(replications), len(steps)
    columns = {
        "replication": np.repeat(replications, t),
        "step": np.tile(steps, r),
        "year": np.tile(years, r),
    }
    for name, values in series.items():
        columns[name] = np.stack(values, axis=1).ravel()  # (R, T) -> R*T
    return _table(point, columns)


def _entity_table(
    point: int,
    replications: np.ndarray,
    steps: np.ndarray,
    key: str,
    ids: tuple[str, ...],
    series: dict[str, list[np.ndarray]],
) -> pa.Table:
    """Rows (replication, step, ``key``) for states or theaters.

    Each series' per-step (R, N) values become a column, N = ``len(ids)``.
    """
    r, t, n = len(replications), len(steps), len(ids)
    codes = np.tile(np.arange(n, dtype=np.int32), r * t)
    columns = {
        "replication": np.repeat(replications, t * n),
        "step": np.tile(np.repeat(steps, n), r),
        key: pa.DictionaryArray.from_arrays(codes, pa.array(ids, pa.string())),
    }
    for name, values in series.items():
        columns[name] = np.stack(values, axis=1).ravel()  # (R, T, N) -> R*T*N
    return _table(point, columns)


def load(out: str | Path, *, columns: dict[str, list[str]] | None = None) -> Results:
    """Read a batch folder's finished chunks as tidy pandas frames.

    Args:
        out: A folder written by :func:`run` (finished or not).
        columns: Read only these tables, and of each only these columns (all
            of every table if None); the others come back empty. Bounds memory
            when a figure needs a few columns of a large batch.

    Returns:
        The frames, rows ordered by point, replication, step (and state).

    Raises:
        BatchError: ``out`` is not a batch folder.
    """
    out = Path(out)
    if not (out / MANIFEST).exists():
        raise BatchError(f"{out}: not a batch folder (no {MANIFEST})")
    recorded = _read_manifest(out)
    done = sorted(finished_chunks(out))
    points = pd.DataFrame(
        [{"point": p["point"], **p["overrides"]} for p in recorded["points"]]
    )
    wanted = dict.fromkeys(TABLES) if columns is None else columns
    frames = {
        name: _read_table(out, done, name, wanted[name])
        if name in wanted
        else pd.DataFrame()
        for name in TABLES
    }
    if "point" in frames["outcomes"]:
        frames["outcomes"] = points.merge(frames["outcomes"], on="point")
    return Results(
        manifest=recorded,
        points=points,
        missing_chunks=recorded["chunks"] - len(done),
        **frames,
    )


def _read_table(
    out: Path, chunk_ids: list[str], name: str, columns: list[str] | None = None
) -> pd.DataFrame:
    """One table of every finished chunk (only ``columns`` if given), in order."""
    files = [out / CHUNKS / c / f"{name}.parquet" for c in chunk_ids]
    tables = [pq.read_table(f, columns=columns) for f in files if f.exists()]
    if not tables:
        return pd.DataFrame()
    return pa.concat_tables(tables).to_pandas()
