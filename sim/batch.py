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
        chunk.json        the batch's identity and a SHA-256 of each table
        model.parquet     one row per (replication, step): model-level series
        states.parquet    one row per (replication, step, state), on request
        theaters.parquet  one row per (replication, step, theater): highest rung
        crises.parquet    one row per crisis, when the engine records crises
        outcomes.parquet  one row per replication: stability outcomes

Each chunk folder appears whole or not at all, named by its point and
replication range, so a batch stopped by Ctrl-C or a kill resumes by running the
same command again: finished chunks are skipped, never duplicated. A folder
whose manifest records a different batch is refused untouched.

Results check themselves. The manifest carries the batch's identity (a hash of
everything that defines it) and every chunk's ``chunk.json`` repeats it, with a
checksum of each table. A chunk counts as finished only if its record names this
batch and this chunk, and every table it should have is there with its checksum
(:func:`inventory`); any other chunk folder (a table missing or damaged, a stray
folder, a chunk copied from another batch) is missing. A resume recomputes
exactly the missing chunks (bit-identical, as the random numbers depend only on
seed and replication) after setting the damaged ones aside, and every reader
(:func:`load`, :func:`sim.results.open_results`) refuses a damaged folder with
one line naming the chunk and the command that repairs it. One process writes a
folder at a time (:func:`sim.outputs.locked`). :func:`load` reads a folder back
as tidy pandas frames.
"""

import hashlib
import json
import os
import shlex
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

from sim import engine, limits, manifest
from sim.crisis_log import crisis_frame
from sim.design import Design, check_bounds
from sim.errors import InputError
from sim.executors import Executor, InProcess
from sim.manifest import ResultsError
from sim.metrics import (
    OutcomeTracker,
    Places,
    model_series,
    state_series,
    theater_series,
)
from sim.outputs import atomic_directory, check_writable, locked
from sim.scenario import Scenario, load_scenario

MANIFEST = manifest.FILE
CHUNKS = "chunks"
TABLES = ("model", "states", "theaters", "crises", "outcomes")
RECORD = "chunk.json"
"""A chunk's record: its batch, its range and a SHA-256 of each of its tables."""
FORMAT_VERSION = manifest.FORMAT
CHUNK_HOSTILITY_BYTES = 64 * 2**20
"""Memory the (R, N, N) dyad arrays of one chunk may take: sets the default chunk
size (a speed/memory choice: big enough to amortise per-step overhead)."""
CHUNK_LIMITS = (64, 1024)
"""Smallest and largest default chunk size, in replications. The largest keeps a
batch in many chunks, so every worker stays busy to the end (10,000 replications
make 10 chunks, shared evenly by 2 workers); one process runs as fast with 256
as with 4,096 replications a chunk (measured with benchmarks/bench_batch.py)."""
CHUNK_COLUMNS = {"model": 64, "theater": 4, "state": 32, "dyad": 24}
"""Upper estimates of the float columns a chunk holds per step (model-level,
per theater, per state) and of the (N, N) arrays of its world, for
:func:`chunk_bytes` (counted on the baseline scenario, then rounded up)."""
MAX_SEED = 2**63
"""Seeds are 63-bit keys of the counter-based random numbers (:mod:`sim.rng`)."""
PER_BATCH = {"scenario.steps": "steps", "scenario.seed": "seed"}
"""Scenario fields a batch takes once for all its points (its ``steps`` and
``seed``), so a design may not vary them."""
_RECORD_ONLY = ("created", "scenario_path", "chunks", "batch")
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
    """Everything a worker needs to compute one chunk (picklable).

    ``code`` is the planner's :func:`sim.manifest.code_hash`: a worker running
    other code (another install on a Dask cluster) refuses the chunk rather
    than mix its results into the batch.
    """

    chunk: Chunk
    setup: engine.Setup
    seed: int
    steps: int
    state_series: bool
    code: str = ""


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
            yield Task(
                chunk, setup, self.seed, self.steps, self.state_series,
                manifest.code_hash(),
            )  # fmt: skip

    def manifest(self) -> dict[str, Any]:
        """The manifest (:mod:`sim.manifest`): what defines this batch.

        Its ``batch`` field is the batch's identity: a hash of every field that
        defines the batch, repeated in each chunk's record.
        """
        described = {
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
        return {**described, "batch": identity(described)}


def identity(described: dict[str, Any]) -> str:
    """The hash identifying a batch: of its defining fields, as they read back."""
    defining = {k: v for k, v in described.items() if k not in _RECORD_ONLY}
    text = json.dumps(defining, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Summary:
    """What a call of :func:`run` did.

    Attributes:
        out: The output folder.
        chunks: Chunks in the batch.
        skipped: Chunks already finished by an earlier run.
        written: Chunks written by this run.
        discarded: Damaged or stray chunk folders set aside and recomputed.
    """

    out: Path
    chunks: int
    skipped: int
    written: int
    discarded: int = 0


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


def default_chunk_size(n_states: int, per_replication: int = 0) -> int:
    """Replications per chunk so the (R, N, N) arrays stay near a fixed budget.

    Args:
        n_states: States in the scenario.
        per_replication: Estimated bytes of one replication (:func:`chunk_bytes`);
            the size is cut so a chunk stays under :data:`sim.limits.CHUNK_MEGABYTES`.
    """
    size = int(
        np.clip(CHUNK_HOSTILITY_BYTES // (8 * n_states * n_states), *CHUNK_LIMITS)
    )
    if per_replication:
        size = min(size, limits.CHUNK_MEGABYTES.value * 2**20 // per_replication)
    return max(1, size)


def chunk_bytes(scenario: Scenario, steps: int, state_series: bool) -> int:
    """Estimated memory of one replication in a chunk, in bytes (an upper estimate).

    The recorded series grow with the steps; the world's dyad arrays with the
    square of the states (:data:`CHUNK_COLUMNS`).
    """
    n, theaters = len(scenario.states), len(scenario.theaters)
    per_step = CHUNK_COLUMNS["model"] + CHUNK_COLUMNS["theater"] * theaters
    if state_series:
        per_step += CHUNK_COLUMNS["state"] * n
    return 8 * ((steps + 1) * per_step + CHUNK_COLUMNS["dyad"] * n * n)


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
        steps: Steps per replication, at least 1, as a scenario's (the
            scenario's if None): outcomes over no time are undefined.
        seed: Experiment seed (the scenario's if None).
        settings: Field path to value applied to every run, e.g.
            ``{"mechanisms.arms_race.reaction_per_year": 0.2}``.
        design: The points to run (a single point if None).
        chunk_size: Replications per chunk (:func:`default_chunk_size` if None).
        state_series: Record per-state series as well as model-level ones.

    Returns:
        The plan.

    Raises:
        BatchError: A count or seed out of range, a field both set and varied,
            or a setting of ``scenario.steps`` or ``scenario.seed`` that
            ``steps`` or ``seed`` contradicts.
        ScenarioError: The scenario, a setting or a point's override is invalid.
    """
    settings = dict(settings or {})
    design = design or Design()
    varied = [path for path in design.paths if path in settings]
    if varied:
        raise BatchError(
            f"settings {varied[0]}: the design varies it too; set it or vary it, "
            "not both",
            field="settings",
        )
    shared = [path for path in design.paths if path in PER_BATCH]
    if shared:
        raise BatchError(
            f"ranges {shared[0]}: every point of a batch runs the same "
            f"{PER_BATCH[shared[0]]}; run a batch for each value instead",
            field="ranges",
        )
    given = {"steps": steps, "seed": seed}
    for path, argument in PER_BATCH.items():
        if path in settings and given[argument] not in (None, settings[path]):
            raise BatchError(
                f"settings {path}={settings[path]} and {argument}="
                f"{given[argument]}: give one",
                field="settings",
            )
    base = load_scenario(scenario, overrides=settings)
    check_bounds(scenario, design.ranges, settings)
    steps = base.info.steps if steps is None else steps
    seed = base.info.seed if seed is None else seed
    _check_at_least("replications", replications, 1)
    limits.REPLICATIONS.check(replications, "replications")
    _check_at_least("steps", steps, 1)
    limits.STEPS.check(steps, "steps")
    _check_at_least("seed", seed, 0)
    if seed >= MAX_SEED:
        raise BatchError(f"seed {seed}: must be below 2**63", field="seed")
    per_replication = chunk_bytes(base, steps, state_series)
    if chunk_size is None:
        chunk_size = default_chunk_size(len(base.states), per_replication)
    _check_at_least("chunk_size", chunk_size, 1)
    megabytes = -(-chunk_size * per_replication // 2**20)
    if megabytes > limits.CHUNK_MEGABYTES.value:
        too_big = limits.CHUNK_MEGABYTES.message(megabytes)
        raise limits.LimitError(
            f"chunk_size {chunk_size}: about {too_big}; or give a smaller one",
            field="chunk_size",
        )
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

    Before computing anything: ``out`` is checked writable and, if it holds a
    batch, the same batch; the executor is started (a scheduler that cannot be
    reached fails here, with nothing written); then the folder is locked for
    this process alone, the manifest written or checked again under the lock,
    and damaged chunks set aside to be recomputed.

    Args:
        plan: What to run (see :func:`plan`).
        out: Output folder: new, empty, or holding this same batch (resumed).
        executor: Where chunks run (:class:`sim.executors.InProcess` if None),
            used as a context manager for the duration of the run.
        progress: Show a progress bar; if None, only on a terminal outside CI.

    Returns:
        What was skipped, written and discarded.

    Raises:
        BatchError: ``out`` holds something else; nothing is written.
        OutputError: ``out`` cannot be written, or another process writes it.
        BatchInterrupted: Ctrl-C; finished chunks are kept.
    """
    out = Path(out)
    described = plan.manifest()
    check_writable(out)
    _check_folder(out, described)
    chunks = plan.chunks()
    written = done = 0
    try:
        with executor or InProcess() as pool, locked(out):
            _prepare(out, described)
            found = inventory(out, described)
            _set_aside(out, found.damaged)
            done = len(found.finished)
            todo = [c for c in chunks if c.id not in found.finished]
            with tqdm(
                total=plan.replications * len(plan.points),
                initial=sum(c.size for c in chunks if c.id in found.finished),
                unit="rep",
                desc=plan.scenario.info.name,
                disable=not (_interactive() if progress is None else progress),
            ) as bar:
                tasks = plan.tasks(todo)
                for chunk, tables in pool.imap_unordered(run_chunk, tasks):
                    write_chunk(out, chunk, tables, described["batch"])
                    written += 1
                    bar.update(chunk.size)
    except KeyboardInterrupt:
        raise BatchInterrupted(
            f"stopped with {done + written} of {len(chunks)} chunks finished in "
            f"{out}; run the same command again to resume"
        ) from None
    return Summary(out, len(chunks), done, written, len(found.damaged))


def _interactive() -> bool:
    """Whether a progress bar is wanted: a terminal, and not in CI."""
    return sys.stderr.isatty() and not os.environ.get("CI")


def _check_folder(out: Path, described: dict[str, Any]) -> None:
    """Refuse, writing nothing, a folder that holds something other than this batch.

    The folder is listed before the manifest is looked for: a batch writes its
    manifest before anything else visible and never removes it, so a writer
    that starts meanwhile in another process is seen as a batch, not as a
    stranger's folder.
    """
    visible = out.exists() and any(not p.name.startswith(".") for p in out.iterdir())
    if (out / MANIFEST).exists():
        _check_same_batch(out, read_manifest(out), described)
    elif visible:
        raise BatchError(
            f"{out}: exists and is not a batch folder (no {MANIFEST}); "
            "choose a new or empty output folder"
        )


def _prepare(out: Path, described: dict[str, Any]) -> None:
    """Under the folder's lock: check it again, and write the manifest if new.

    Also removes hidden chunk folders left by an interrupted write.
    """
    _check_folder(out, described)
    if not (out / MANIFEST).exists():
        manifest.write(out, described)
    chunks = out / CHUNKS
    for stale in chunks.glob(".*") if chunks.exists() else ():
        shutil.rmtree(stale)


def _set_aside(out: Path, damaged: dict[str, str]) -> None:
    """Remove damaged or stray chunk folders (hidden first, so never half-removed)."""
    for chunk_id in damaged:
        hidden = out / CHUNKS / f".discarded-{chunk_id}"
        os.rename(out / CHUNKS / chunk_id, hidden)
        shutil.rmtree(hidden)


def read_manifest(out: Path) -> dict[str, Any]:
    """The manifest of a batch folder, checked (:func:`sim.manifest.read`)."""
    found = manifest.read(out)
    if found["kind"] != manifest.BATCH:
        raise BatchError(
            f"{out}: not a batch folder (it holds the output of `wargame "
            f"{manifest.command(found)}`)"
        )
    for key, kind in _MANIFEST_TYPES.items():
        value = found.get(key)
        if not isinstance(value, kind) or isinstance(value, bool) != (kind is bool):
            raise ResultsError(
                f"{out / MANIFEST}: {key} is {found.get(key)!r}, not a "
                f"{kind.__name__}; the file is damaged: rerun the command into a "
                "new output folder"
            )
    for i, point in enumerate(found["points"]):
        if not (
            isinstance(point, dict)
            and point.get("point") == i
            and isinstance(point.get("overrides"), dict)
            and isinstance(point.get("scenario_hash"), str)
        ):
            raise ResultsError(
                f"{out / MANIFEST}: points[{i}] is not a point of a batch; the file "
                "is damaged: rerun the command into a new output folder"
            )
    return found


_MANIFEST_TYPES = {
    "batch": str,
    "points": list,
    "replications": int,
    "chunk_size": int,
    "chunks": int,
    "state_series": bool,
}
"""Types of the manifest fields a batch reader relies on."""


def _check_same_batch(out: Path, old: dict[str, Any], new: dict[str, Any]) -> None:
    """Refuse a folder whose manifest defines a different batch."""
    new = json.loads(json.dumps(new, default=str))  # as it would read back
    found = manifest.difference(old, new, skip=_RECORD_ONLY)
    if found:
        raise BatchError(
            f"{out} holds a different batch: its {MANIFEST} has {found}; choose "
            "another output folder, or delete the folder to start over"
        )


@dataclass(frozen=True)
class Inventory:
    """The chunk folders of a batch folder, checked against its manifest.

    Attributes:
        planned: Every chunk id of the batch, in order.
        finished: Chunks whose record and every table check out.
        damaged: Other chunk folders (id to what is wrong): a table missing or
            changed, no record, a chunk of another batch, or a stray folder.
    """

    planned: tuple[str, ...]
    finished: frozenset[str]
    damaged: dict[str, str]

    @property
    def missing(self) -> int:
        """Chunks not finished (never negative)."""
        return len(self.planned) - len(self.finished)


def planned_chunks(described: dict[str, Any]) -> tuple[str, ...]:
    """Every chunk id a batch's manifest defines, in order."""
    size, replications = described["chunk_size"], described["replications"]
    return tuple(
        Chunk(p, start, min(start + size, replications)).id
        for p in range(len(described["points"]))
        for start in range(0, replications, max(1, size))
    )


def inventory(out: Path, described: dict[str, Any]) -> Inventory:
    """Check every chunk folder of ``out`` against the batch ``described``."""
    planned = planned_chunks(described)
    folder = out / CHUNKS
    present = (
        sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
        if folder.is_dir()
        else []
    )
    wanted = set(planned)
    tables = _tables(bool(described["state_series"]))
    damaged = {}
    for chunk_id in present:
        problem = (
            _chunk_problem(folder / chunk_id, chunk_id, described["batch"], tables)
            if chunk_id in wanted
            else "not a chunk of this batch (a stray folder)"
        )
        if problem:
            damaged[chunk_id] = problem
    finished = frozenset(c for c in present if c in wanted and c not in damaged)
    return Inventory(planned, finished, damaged)


def _tables(state_series: bool) -> tuple[str, ...]:
    """The tables every chunk of a batch has."""
    return tuple(t for t in TABLES if state_series or t != "states")


def _chunk_problem(
    folder: Path, chunk_id: str, batch_id: str, tables: tuple[str, ...]
) -> str | None:
    """What is wrong with one chunk folder, or None if it is whole and this batch's."""
    try:
        record = json.loads((folder / RECORD).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return f"no {RECORD} (not written by this version, or damaged)"
    except (OSError, ValueError) as err:
        return f"{RECORD} cannot be read ({err})"
    if not isinstance(record, dict) or not isinstance(record.get("tables"), dict):
        return f"{RECORD} is damaged"
    if record.get("batch") != batch_id:
        return "a chunk of another batch"
    if record.get("chunk") != chunk_id:
        return f"{RECORD} names chunk {record.get('chunk')!r}"
    for name in tables:
        expected = record["tables"].get(name)
        try:
            digest = _sha256(folder / f"{name}.parquet")
        except FileNotFoundError:
            return f"{name}.parquet is missing"
        except OSError as err:
            return f"{name}.parquet cannot be read ({err.strerror})"
        if digest != expected:
            return f"{name}.parquet is damaged (its checksum differs)"
    return None


def _sha256(path: Path) -> str:
    """SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(2**20), b""):
            digest.update(block)
    return digest.hexdigest()


def finished_chunks(out: Path) -> set[str]:
    """Ids of the chunks of ``out`` that check out (none before its manifest)."""
    if not (out / MANIFEST).exists():
        return set()
    return set(inventory(out, read_manifest(out)).finished)


def check_complete(out: Path, described: dict[str, Any]) -> None:
    """Refuse a batch folder with a damaged or missing chunk, naming the repair.

    Raises:
        ResultsError: One line: the first bad chunk, what is wrong, and the
            command that recomputes exactly what is missing.
    """
    found = inventory(out, described)
    repair = (
        f"rerun `{command_line(described, out, resume=True)}`: it recomputes only "
        "the missing chunks"
    )
    if found.damaged:
        chunk_id, problem = next(iter(found.damaged.items()))
        more = f" (and {len(found.damaged) - 1} more)" if len(found.damaged) > 1 else ""
        raise ResultsError(f"{out / CHUNKS / chunk_id}: {problem}{more}; {repair}")
    if found.missing:
        first = next(c for c in found.planned if c not in found.finished)
        raise ResultsError(
            f"{out}: {found.missing} of {len(found.planned)} chunks missing (first "
            f"{first}), so the batch is unfinished or damaged; {repair}"
        )


def command_line(
    described: dict[str, Any],
    out: str | Path,
    *,
    state_series: bool | None = None,
    resume: bool = False,
) -> str:
    """The ``wargame batch``/``sweep`` command line that writes a batch into ``out``.

    Args:
        described: The batch's manifest (:meth:`Plan.manifest`, or as read back).
        out: The output folder the command line names.
        state_series: Record per-state series (as the batch did if None).
        resume: Name the chunk size too, as resuming the batch in its own
            folder needs (a new folder gives the same numbers with any).

    Returns:
        One line, quoted for a POSIX shell.
    """
    design = described.get("design") or {}
    words = ["wargame", manifest.command(described), str(described["scenario_path"])]
    words += ["--replications", str(described["replications"])]
    words += ["--steps", str(described["steps"]), "--seed", str(described["seed"])]
    for path, value in (described.get("settings") or {}).items():
        words += ["--set", f"{path}={_toml(value)}"]
    for r in design.get("ranges") or ():
        n = "" if r.get("n") is None else f":{r['n']}"
        words += ["--param", f"{r['path']}={_toml(r['lo'])}:{_toml(r['hi'])}{n}"]
    if design.get("kind") in ("lhs", "sobol"):
        words += ["--design", design["kind"], "--samples", str(design["samples"])]
    if resume:
        words += ["--chunk-size", str(described["chunk_size"])]
    if described.get("state_series") if state_series is None else state_series:
        words.append("--state-series")
    return shlex.join([*words, "--out", str(out)])


def _toml(value: Any) -> str:
    """A setting's value as TOML, as ``--set`` reads it."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(value)


def write_chunk(
    out: Path, chunk: Chunk, tables: dict[str, pa.Table], batch_id: str
) -> None:
    """Write one chunk's tables and record in a folder that appears at once."""

    def write(folder: Path) -> None:
        sums = {}
        for name, table in tables.items():
            pq.write_table(table, folder / f"{name}.parquet")
            sums[name] = _sha256(folder / f"{name}.parquet")
        record = {
            "batch": batch_id,
            "chunk": chunk.id,
            "point": chunk.point,
            "replications": [chunk.start, chunk.stop],
            "tables": sums,
        }
        (folder / RECORD).write_text(json.dumps(record, indent=2), encoding="utf-8")

    atomic_directory(out / CHUNKS / chunk.id, write)


def run_chunk(task: Task) -> tuple[Chunk, dict[str, pa.Table]]:
    """Run one chunk as a vectorised ensemble and tabulate what it recorded.

    Returns:
        The chunk and its tables: ``model``, ``outcomes``, and ``states`` and
        ``crises`` when recorded.
    """
    if task.code and task.code != manifest.code_hash():
        raise BatchError(
            f"chunk {task.chunk.id}: this worker runs other code "
            f"({manifest.code_hash()[:12]}) than the batch ({task.code[:12]}); "
            "install the same version of wargame on every worker"
        )
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
        region, per_theater = tracker.reached()
        _append(model, {**model_series(world), **region})
        _append(theaters, {**theater_series(world, len(theater_ids)), **per_theater})
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
        The frames, rows ordered by point, replication, step (and state), with
        ``missing_chunks`` the chunks not yet written.

    Raises:
        BatchError: ``out`` is not a batch folder.
        ResultsError: A chunk is damaged (names it and the command that repairs it).
    """
    out = Path(out)
    if not (out / MANIFEST).exists():
        raise BatchError(f"{out}: not a batch folder (no {MANIFEST})")
    recorded = read_manifest(out)
    found = inventory(out, recorded)
    if found.damaged:
        check_complete(out, recorded)
    done = sorted(found.finished)
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
        missing_chunks=found.missing,
        **frames,
    )


def _read_table(
    out: Path, chunk_ids: list[str], name: str, columns: list[str] | None = None
) -> pd.DataFrame:
    """One table of every finished chunk (only ``columns`` if given), in order."""
    files = [out / CHUNKS / c / f"{name}.parquet" for c in chunk_ids]
    try:
        tables = [pq.read_table(f, columns=columns) for f in files if f.exists()]
    except (OSError, pa.ArrowException) as err:
        raise ResultsError(f"{out}: {name} table cannot be read: {err}") from err
    if not tables:
        return pd.DataFrame()
    return pa.concat_tables(tables).to_pandas()
