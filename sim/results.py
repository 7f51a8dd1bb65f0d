"""Results folders: writing a run's, and reading back any run's, batch's or sweep's.

:func:`write_run` writes what one :class:`~sim.model.RegionModel` run produced;
:func:`sim.batch.run` writes a batch or sweep. One reader, :func:`open_results`,
opens all of them as a :class:`ResultsFolder`: a *run* folder (one replication;
``model``, ``states``, ``theaters``, ``crises``, ``decisions``, ``outcomes``
tables as CSV or Parquet beside a ``manifest.json``) and a *batch* folder
(Parquet chunks read with :func:`sim.batch.load`). Both carry one manifest
schema (:mod:`sim.manifest`). Tables are read on demand and only the columns a
figure needs, so memory stays bounded for a large batch. Every problem names the
file and says what to run first.

What neither output records is rebuilt from the scenario named in the manifest:
its geography (capitals, theaters, A2/AD sites and ranges), and the world at a
chosen step, by re-running the replication (counter-based random numbers make
this exact, :mod:`sim.rng`). The scenario file must be unchanged since the
results were written: its content hash is checked.
"""

from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim import __version__, batch, engine, manifest
from sim.manifest import BATCH, RUN, ResultsError
from sim.outputs import (
    FRAME_SUFFIXES,
    check_writable,
    locked,
    read_frame,
    write_frame,
)
from sim.scenario import Scenario, ScenarioError, load_scenario

if TYPE_CHECKING:
    from sim.model import RegionModel

__all__ = ["BATCH", "RUN", "ResultsError", "ResultsFolder", "open_results", "write_run"]
KEYS = {
    "model": ["step"],
    "states": ["step", "state"],
    "theaters": ["step", "theater"],
    "crises": [],
    "outcomes": [],
}
"""Columns each table needs besides those a figure asks for."""


@dataclass(frozen=True)
class ResultsFolder:
    """A results folder of ``wargame run`` or ``wargame batch``/``sweep``.

    Attributes:
        folder: The folder.
        kind: ``run`` or ``batch``.
        manifest: Its ``manifest.json``.
    """

    folder: Path
    kind: str
    manifest: dict[str, Any]

    @property
    def points(self) -> pd.DataFrame:
        """One row per point: ``point`` and one column per varied field."""
        if self.kind == RUN:
            return pd.DataFrame({"point": [0]})
        return pd.DataFrame(
            [{"point": p["point"], **p["overrides"]} for p in self.manifest["points"]]
        )

    @property
    def varied(self) -> list[str]:
        """The fields a sweep varied, in the order they were given (``--param``).

        Empty for a run or a plain batch. The manifest stores each point's
        overrides with its keys sorted; its design keeps the ranges in the order
        the user gave them, which summaries, reports and figures all follow (the
        first is a sweep figure's x axis). A field the design does not list (an
        older manifest) comes after those it does, in the points' order.
        """
        fields = [c for c in self.points.columns if c != "point"]
        ranges = (self.manifest.get("design") or {}).get("ranges") or []
        given = [r.get("path") for r in ranges if isinstance(r, dict)]
        return sorted(
            fields, key=lambda f: given.index(f) if f in given else len(given)
        )

    @property
    def scenario_name(self) -> str:
        """Name of the scenario the results come from."""
        return str(self.manifest["scenario"])

    def state_series_advice(self, needed_by: str | None = None) -> str:
        """That this batch recorded no per-state series, and the command that does.

        A batch folder holds one batch, so the advice is to run it again with
        --state-series into a new folder beside it (the same folder would refuse).

        Args:
            needed_by: What needs the series, e.g. ``the arms figure``; said if
                given.
        """
        folder = self.folder if self.folder.name else self.folder.resolve()
        new = folder.with_name(f"{folder.name}-states")
        needs = f", which {needed_by} needs" if needed_by else ""
        return (
            f"{self.folder}: the {manifest.command(self.manifest)} recorded no "
            f"per-state series{needs}; run it again with --state-series into a new "
            f"folder: {batch.command_line(self.manifest, new, state_series=True)}"
        )

    def table(self, name: str, columns: list[str] | None = None) -> pd.DataFrame:
        """A table (some of its columns), with ``point`` and ``replication``.

        Args:
            name: ``model``, ``states``, ``theaters``, ``crises`` or ``outcomes``.
            columns: Columns wanted besides the keys (None: all); asking for
                few keeps memory bounded for a large batch.

        Returns:
            The rows of every replication (and point); ``states`` and
            ``theaters`` rows carry the ``year`` of their step, from the model
            table.

        Raises:
            ResultsError: The table or a column is missing; says what to run.
        """
        wanted = None if columns is None else [*KEYS[name], *columns]
        if wanted is not None and name in ("states", "theaters"):
            wanted = [c for c in wanted if c != "year"]  # joined from the model
        if self.kind == RUN:
            frame = self._run_table(name, wanted)
        else:
            frame = self._batch_table(name, wanted)
        if name in ("states", "theaters") and (columns is None or "year" in columns):
            years = self.table("model", ["year"])
            frame = frame.merge(years, on=["point", "replication", "step"])
        return frame

    def _run_table(self, name: str, columns: list[str] | None) -> pd.DataFrame:
        files = [self.folder / f"{name}{s}" for s in FRAME_SUFFIXES]
        found = [f for f in files if f.exists()]
        if not found:
            hint = " with agent-level output" if name == "states" else ""
            raise ResultsError(
                f"{self.folder}: no {name}.csv or {name}.parquet; run `wargame run "
                f"SCENARIO --out {self.folder}`{hint} first"
            )
        try:
            frame = read_frame(found[0])
        except (OSError, ValueError, pa.ArrowException) as err:
            said = " ".join(str(err).split())  # pandas ends a parse error with \n
            raise ResultsError(
                f"{found[0]}: cannot be read ({said}); rerun `wargame run` into "
                f"{self.folder}"
            ) from err
        if columns is not None:
            self._check_columns(found[0], frame.columns, columns)
            frame = frame[[c for c in dict.fromkeys(columns) if c != "replication"]]
        keys = {"point": 0}
        if "replication" not in frame:
            keys = {"replication": self.manifest["replication"], **keys}
        # One new frame with the keys, not two inserts: pandas reads a CSV into
        # one block per column, and inserting into a wide table (the outcomes,
        # three columns per place) warns that it is fragmented.
        data = {c: frame[c] for c in frame.columns if c not in keys}
        return pd.DataFrame({**data, **keys}, index=frame.index)

    def columns(self, name: str) -> list[str]:
        """A table's columns, from one file's header (no rows of a batch are read).

        Raises:
            ResultsError: The table is missing; says what to run.
        """
        if self.kind == RUN:
            return list(self._run_table(name, None).columns)
        return pq.read_schema(self._batch_files(name)[0]).names

    def _batch_table(self, name: str, columns: list[str] | None) -> pd.DataFrame:
        wanted = None
        if columns is not None:
            wanted = list(dict.fromkeys(["point", "replication", *columns]))
        files = self._batch_files(name)
        if wanted is not None:
            self._check_columns(files[0], pq.read_schema(files[0]).names, wanted)
        return getattr(batch.load(self.folder, columns={name: wanted}), name)

    def _batch_files(self, name: str) -> list[Path]:
        """The chunk files of a batch's table; refuses a table no chunk holds."""
        chunks = batch.planned_chunks(self.manifest)  # all checked on opening
        files = [self.folder / batch.CHUNKS / c / f"{name}.parquet" for c in chunks]
        files = [f for f in files if f.exists()]
        if not files:
            if name == "states" and not self.manifest["state_series"]:
                raise ResultsError(self.state_series_advice())
            raise ResultsError(
                f"{self.folder}: no {name}.parquet in {batch.CHUNKS}/; run "
                f"`{batch.command_line(self.manifest, self.folder, resume=True)}` "
                "(or let it finish)"
            )
        return files

    def _check_columns(self, path: Path, have: Any, wanted: list[str]) -> None:
        missing = [c for c in wanted if c not in set(have)]
        if missing:
            raise ResultsError(
                f"{path}: no column {', '.join(missing)}; columns: "
                f"{', '.join(c for c in have if c not in ('point', 'replication'))} "
                f"(written by wargame {self.manifest['version']}, this is "
                f"{__version__})"
            )

    def scenario(self, point: int = 0) -> Scenario:
        """The scenario of a point, as it was run.

        Raises:
            ResultsError: The scenario file is gone or changed since the run.
        """
        path = Path(self.manifest["scenario_path"])
        if self.kind == RUN:
            overrides, expected = {}, self.manifest["scenario_hash"]
        else:
            spec = self._point(point)
            overrides = {**self.manifest["settings"], **spec["overrides"]}
            expected = spec["scenario_hash"]
        if not path.exists():
            raise ResultsError(
                f"{self.folder / batch.MANIFEST}: its scenario {path} no longer "
                "exists; restore it or rerun the command"
            )
        try:
            scenario = load_scenario(path, overrides=overrides)
        except ScenarioError as err:
            raise ResultsError(f"{path}: no longer loads: {err}") from err
        if scenario.content_hash != expected:
            raise ResultsError(
                f"{path}: changed since {self.folder} was written (content hash "
                f"{scenario.content_hash[:12]}, the manifest has {expected[:12]}); "
                "rerun the command to get results of the current scenario"
            )
        return scenario

    def _point(self, point: int) -> dict[str, Any]:
        points = self.manifest["points"]
        if not 0 <= point < len(points):
            raise ResultsError(
                f"point {point}: {self.folder} has points 0 to {len(points) - 1}",
                field="point",
            )
        return points[point]

    def world_at(
        self, step: int, *, point: int = 0, replication: int | None = None
    ) -> engine.World:
        """The world of one replication at a step, by running it again.

        Args:
            step: The step, 0 to the steps that were run.
            point: The point of a sweep.
            replication: Which replication (the run's, or 0 of a batch).

        Raises:
            ResultsError: The step is out of range, or the scenario changed.
        """
        steps = int(self.manifest["steps"])
        if not 0 <= step <= steps:
            raise ResultsError(
                f"step {step}: {self.folder} has steps 0 to {steps}", field="step"
            )
        if replication is None:
            replication = int(self.manifest.get("replication", 0))
        setup = engine.build_setup(self.scenario(point))
        worlds = engine.simulate(
            setup,
            seed=int(self.manifest["seed"]),
            replications=np.array([replication]),
            steps=step,
        )
        return deque(worlds, maxlen=1)[0]  # the last, keeping only one in memory


def open_results(folder: str | Path) -> ResultsFolder:
    """Open a folder written by ``wargame run``, ``batch`` or ``sweep``.

    A batch must be whole: every chunk present, of this batch and unchanged
    since it was written (:func:`sim.batch.check_complete`), so no figure or
    summary is ever drawn from part of a batch.

    Raises:
        ResultsError: No such folder, no manifest, a layout of another version,
            a damaged or unfinished batch (naming the chunk and the repair), or
            the tables of an analysis (:data:`sim.manifest.ANALYSES`), which
            no figure or summary of runs reads.
    """
    found = manifest.read(folder)
    if found["kind"] in manifest.ANALYSES:
        raise ResultsError(_analysis_advice(Path(folder), found))
    if found["kind"] == BATCH:
        found = batch.read_manifest(Path(folder))
        batch.check_complete(Path(folder), found)
    return ResultsFolder(Path(folder), found["kind"], found)


def _analysis_advice(folder: Path, found: dict[str, Any]) -> str:
    """What an analysis's folder holds, and that it is read as it is."""
    kind = found["kind"]
    files = found.get("files")
    tables = ", ".join(map(str, files)) if isinstance(files, list) else "its tables"
    chart = (
        f" (`wargame plot {folder} --kind sensitivity` draws its chart again)"
        if kind == manifest.SENSITIVITY
        else ""
    )
    return (
        f"{folder} holds the output of `wargame {kind}` ({found['scenario']}, seed "
        f"{found['seed']}): {tables}, read as they are{chart}; plot, summary and "
        "report read the output of `wargame run`, `batch` or `sweep`"
    )


def write_run(
    model: "RegionModel", out: str | Path, *, table_format: str | None = None
) -> dict[str, float]:
    """Write a finished run's tables and manifest into a folder.

    Tables: ``model``, ``states`` (when the model collects per-state series),
    ``theaters``, ``crises``, ``decisions`` and ``outcomes``, each written
    atomically; the manifest last, so a folder with a manifest is whole.

    Args:
        model: The model, run as far as wanted.
        out: The folder (created if missing).
        table_format: ``csv`` or ``parquet`` (the scenario's ``[outputs] format``
            if None).

    Returns:
        The run's outcomes.
    """
    out = Path(out)
    check_writable(out)
    suffix = "." + (table_format or model.spec.outputs.format)
    outcomes = model.outcomes()
    frames = {"model": model.model_frame()}
    if model.agent_level:
        frames["states"] = model.state_frame()
    frames["theaters"] = model.theater_frame()
    frames["crises"] = model.crisis_frame()
    frames["decisions"] = model.decision_frame()
    frames["outcomes"] = pd.DataFrame([outcomes])
    described = manifest.describe(
        RUN, model.spec, seed=model.seed, steps=model.world.step
    )
    files = sorted(f"{name}{suffix}" for name in frames)
    identity = {**described, "replication": model.replication, "files": files}
    manifest.check_folder(out, identity)  # before the lock: nothing to undo
    with locked(out):
        manifest.check_folder(out, identity)  # again, now no one else writes
        with manifest.rewriting(out, identity):
            for name, frame in frames.items():
                write_frame(frame, out / f"{name}{suffix}")
    return outcomes
