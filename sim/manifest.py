"""The one manifest schema of a results folder: a run, a batch or a sweep.

Every folder a command writes holds a ``manifest.json`` written first (for a
batch) or last (for a run), atomically. Its common fields, the same for every
kind, say what was run and by what:

- ``format``: the layout version, :data:`FORMAT`; a reader refuses others.
- ``kind``: ``run`` (one replication, tables beside the manifest) or ``batch``
  (replications in Parquet chunks; a sweep is a batch over a design's points).
- ``scenario`` (its name), ``scenario_path`` (the file) and ``scenario_hash``
  (the SHA-256 of its merged content, to detect a file changed since).
- ``seed``, ``steps``, ``version`` (of the package) and ``created`` (UTC).

Each kind adds its own fields: a run its ``replication`` and ``files``; a batch
its ``settings``, ``design``, ``points``, ``replications``, ``chunk_size``,
``state_series`` and ``chunks``. :func:`read` checks all of this in one place,
so every reader (:func:`sim.results.open_results`, :func:`sim.batch.load`) gives
one error, naming the file and what to do, for a folder it cannot read. Checks
that every folder should get (checksums of the files a manifest lists, a lock
against two writers) live in :mod:`sim.batch` and :mod:`sim.outputs`.
"""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim import __version__
from sim.errors import InputError
from sim.outputs import write_json

if TYPE_CHECKING:
    from sim.scenario import Scenario

FILE = "manifest.json"
FORMAT = 4
"""Layout version of results folders (2: batches only; 3: one schema for all; 4:
a batch's identity in its manifest and each chunk's record, with checksums)."""
RUN, BATCH = "run", "batch"
KINDS = (RUN, BATCH)
COMMON = (
    "format",
    "kind",
    "version",
    "scenario",
    "scenario_path",
    "scenario_hash",
    "seed",
    "steps",
    "created",
)
"""Fields every manifest has, whatever its kind."""


class ResultsError(InputError):
    """A results folder that cannot give what was asked of it."""


def describe(kind: str, scenario: "Scenario", *, seed: int, steps: int) -> dict:
    """The common fields of a manifest (all but ``created``, stamped on writing).

    Args:
        kind: ``run`` or ``batch``.
        scenario: The scenario that was run (before a sweep's overrides).
        seed: The seed of the counter-based random numbers.
        steps: Steps each replication ran.
    """
    return {
        "format": FORMAT,
        "kind": kind,
        "version": __version__,
        "scenario": scenario.info.name,
        "scenario_path": str(scenario.path),
        "scenario_hash": scenario.content_hash,
        "seed": int(seed),
        "steps": int(steps),
    }


def write(folder: Path, manifest: dict[str, Any]) -> None:
    """Write ``folder/manifest.json`` atomically, stamped with the time now."""
    created = datetime.now(UTC).isoformat(timespec="seconds")
    write_json({**manifest, "created": created}, folder / FILE)


def read(folder: str | Path) -> dict[str, Any]:
    """Read and check a folder's manifest.

    Raises:
        ResultsError: No such folder, no manifest, unreadable JSON, another
            format, or a missing common field; the message names the file and
            what to run.
    """
    folder = Path(folder)
    path = folder / FILE
    if not folder.is_dir():
        raise ResultsError(
            f"{folder}: no such folder; run `wargame run` or `wargame batch` first"
        )
    if not path.exists():
        raise ResultsError(
            f"{folder}: no {FILE}, so not the output of `wargame run` or `wargame "
            "batch`; point at the folder the command wrote"
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise ResultsError(f"{path}: cannot read it: {err}") from err
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        found = manifest.get("format", "1") if isinstance(manifest, dict) else "?"
        written = manifest.get("version", "?") if isinstance(manifest, dict) else "?"
        raise ResultsError(
            f"{path}: format {found} (wargame {written}); this wargame "
            f"{__version__} reads format {FORMAT}: rerun the command into a new "
            "output folder"
        )
    missing = [key for key in COMMON if key not in manifest]
    if (
        missing
        or not isinstance(manifest["kind"], str)
        or manifest["kind"] not in KINDS
    ):
        raise ResultsError(
            f"{path}: not a manifest of wargame {__version__} (missing "
            f"{', '.join(missing) or 'a known kind'}); rerun the command into a "
            "new output folder"
        )
    for key in ("seed", "steps"):
        if not isinstance(manifest[key], int) or isinstance(manifest[key], bool):
            raise ResultsError(
                f"{path}: {key} is {manifest[key]!r}, not a whole number; the file "
                "is damaged: rerun the command into a new output folder"
            )
    return manifest
