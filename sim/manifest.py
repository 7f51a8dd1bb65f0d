"""The one manifest schema of a results folder: a run, a batch or sweep, an analysis.

Every folder a command writes holds a ``manifest.json`` written first (for a
batch) or last (for a run or an analysis), atomically. Its common fields, the
same for every kind, say what was run and by what:

- ``format``: the layout version, :data:`FORMAT`; a reader refuses others.
- ``kind``: ``run`` (one replication, tables beside the manifest), ``batch``
  (replications in Parquet chunks; a sweep is a batch over a design's points),
  or the analysis command that wrote its tables: ``compare``, ``sensitivity``,
  ``calibrate``, ``backtest`` or ``discover`` (:data:`ANALYSES`).
- ``scenario`` (its name), ``scenario_path`` (the file) and ``scenario_hash``
  (the SHA-256 of its merged content, to detect a file changed since).
- ``seed``, ``steps``, ``version`` (of the package), ``code`` (the SHA-256 of
  the package's Python source, :func:`code_hash`) and ``created`` (UTC).

Each kind adds its own fields: a run its ``replication`` and ``files``; a batch
its ``settings``, ``design``, ``points``, ``replications``, ``chunk_size``,
``state_series`` and ``chunks``; an analysis its ``replications``, ``files``,
``scenario_hashes`` (of every scenario it ran, the first the one named above)
and ``definition`` (its other options, :func:`describe_analysis`); its
``steps`` is None when each scenario ran its own. ``discover``, which runs
nothing, records the scenario, seed, steps and replications of the sweep it
read (:func:`describe_reading`). :func:`read` checks all of
this in one place, so every reader (:func:`sim.results.open_results`,
:func:`sim.batch.load`) gives one error, naming the file and what to do, for a
folder it cannot read. Checks
that every folder should get (checksums of the files a manifest lists, a lock
against two writers) live in :mod:`sim.batch` and :mod:`sim.outputs`.

A folder holds one thing. A batch resumes into a folder holding the same batch
and refuses any other (:mod:`sim.batch`); the same batch means the same code
too, so the chunks of two versions of the model never mix in one folder (the
package's version number alone does not change with every change of model); a
run or an analysis, which cannot resume, rewrites a folder holding the same
command with the same definition (it writes the same files) and refuses any
other (:func:`check_folder`, :func:`rewriting`). :func:`difference` names
what differs, with both values, for either refusal.
"""

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
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
COMPARE, SENSITIVITY, CALIBRATE = "compare", "sensitivity", "calibrate"
BACKTEST, DISCOVER = "backtest", "discover"
ANALYSES = (COMPARE, SENSITIVITY, CALIBRATE, BACKTEST, DISCOVER)
"""Kinds of the commands whose folder holds the tables of one analysis, which
the figures and summaries of runs and batches do not read."""
KINDS = (RUN, BATCH, *ANALYSES)
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


@cache
def code_hash() -> str:
    """SHA-256 of the package's Python source: its files' paths and bytes, in order.

    Any change to the code that runs a model (or to any other module of the
    package) changes it, so a results folder names the exact code that wrote it.
    """
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def describe(kind: str, scenario: "Scenario", *, seed: int, steps: int | None) -> dict:
    """The common fields of a manifest (all but ``created``, stamped on writing).

    Args:
        kind: One of :data:`KINDS`.
        scenario: The scenario that was run (before a sweep's overrides).
        seed: The seed of the counter-based random numbers.
        steps: Steps each replication ran (an analysis: None if each scenario
            ran its own).
    """
    return {
        **_written_by(kind),
        "scenario": scenario.info.name,
        "scenario_path": str(scenario.path),
        "scenario_hash": scenario.content_hash,
        "seed": int(seed),
        "steps": None if steps is None else int(steps),
    }


def _written_by(kind: str) -> dict[str, Any]:
    """The fields that name what wrote a folder: format, kind, version and code."""
    return {
        "format": FORMAT,
        "kind": kind,
        "version": __version__,
        "code": code_hash(),
    }


def describe_analysis(
    kind: str,
    scenarios: Sequence["Scenario"],
    *,
    seed: int,
    steps: int | None,
    replications: int | None,
    definition: dict[str, Any],
    files: list[str],
) -> dict:
    """The manifest of an analysis (:data:`ANALYSES`), all but ``created``.

    Args:
        kind: ``compare``, ``sensitivity``, ``calibrate`` or ``backtest``.
        scenarios: Every scenario file it ran, as given (the first is named by
            the common fields; each one's content hash is recorded).
        seed: The seed of its runs.
        steps: Steps per replication (None: each scenario's own).
        replications: Replications per evaluation (None: one, as a spending
            fit runs).
        definition: The rest of its options, as JSON values.
        files: The files it writes beside the manifest.
    """
    return {
        **describe(kind, scenarios[0], seed=seed, steps=steps),
        "scenario_hashes": [scenario.content_hash for scenario in scenarios],
        "replications": None if replications is None else int(replications),
        "definition": definition,
        "files": sorted(files),
    }


READ = ("scenario", "scenario_path", "scenario_hash", "seed", "steps", "replications")
"""Fields of a sweep's manifest that ``discover`` records as its own."""


def describe_reading(
    kind: str, source: dict[str, Any], *, definition: dict[str, Any], files: list[str]
) -> dict:
    """The manifest of an analysis of a folder (``discover``), all but ``created``.

    It runs nothing: its scenario (and content hash), seed, steps and
    replications are those the folder's manifest records (:data:`READ`), as
    that folder's command ran them, whatever the scenario file holds now.

    Args:
        kind: ``discover``.
        source: The manifest of the folder it reads.
        definition: Its options, as JSON values.
        files: The files it writes beside the manifest.
    """
    return {
        **_written_by(kind),
        **{key: source[key] for key in READ},
        "scenario_hashes": [source["scenario_hash"]],
        "definition": definition,
        "files": sorted(files),
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
        if key == "steps" and manifest[key] is None and manifest["kind"] in ANALYSES:
            continue  # each scenario ran its own steps
        if not isinstance(manifest[key], int) or isinstance(manifest[key], bool):
            raise ResultsError(
                f"{path}: {key} is {manifest[key]!r}, not a whole number; the file "
                "is damaged: rerun the command into a new output folder"
            )
    return manifest


RUN_TABLES = ("model", "states", "theaters", "crises", "decisions", "outcomes")
"""Tables a run may write beside its manifest (:func:`sim.results.write_run`)."""
RUN_DEFINING = ("scenario", "seed", "steps", "replication", "files", "version")
"""What makes two runs the same run (with the scenario's content hash, compared
last); of ``files`` only the table format counts (``*.csv`` or ``*.parquet``).
Not ``code``: a run rewrites every file and its manifest last, so nothing of
another code's run survives it, and a changed model reruns into its folder."""
ANALYSIS_RECORD_ONLY = ("created", "scenario_path", "code", "files")
"""Fields of an analysis's manifest that do not define it: the same command with
the same options rewrites its folder, whatever the code (as a run does)."""
START_OVER = "choose another output folder (--out), or delete the folder to start over"
"""How to go on from a folder that is refused."""
SHOWN = 60
"""Characters of a value a message shows before cutting it short."""
_NONE = object()
"""A field one of two manifests lacks."""


def check_folder(folder: str | Path, described: dict[str, Any]) -> None:
    """Refuse, before a run or an analysis computes anything, a folder it would spoil.

    A run or an analysis (commands that cannot resume) writes into a folder
    that is missing or empty, that holds an unfinished write of its own (its
    files but no manifest, which is written last), or that holds this same
    command with the same definition, so it writes the same files again. A run
    is the same with the same scenario and content, seed, steps, replication,
    table format and package version; an analysis with the same scenarios and
    contents, seed, steps, replications, options and package version.
    Anything else is refused, untouched: a batch or sweep (the write would
    replace its manifest and lose it), another command's output, a different
    run or analysis, or files of no command.

    Args:
        folder: The output folder.
        described: The manifest this command writes: :func:`describe` of kind
            ``run`` plus ``replication`` and ``files`` (the tables it writes),
            or :func:`describe_analysis` or :func:`describe_reading`.

    Raises:
        ResultsError: One line: what the folder holds, what differs (both
            values), and how to go on.
    """
    folder = Path(folder)
    entries = (
        sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
        if folder.is_dir()
        else []
    )
    how = START_OVER
    mine = command(described)
    if FILE not in entries:
        stray = [name for name in entries if name not in described["files"]]
        if stray:
            raise ResultsError(
                f"{folder}: exists and does not hold {_a(mine)} (no {FILE}; it "
                f"holds {listed(stray)}); {how}"
            )
        return  # empty, or an unfinished write of this command
    old = read(folder)
    writer = command(old)
    if writer != mine:
        raise ResultsError(
            f"{folder} holds the output of `wargame {writer}`; {_a(mine)} there "
            f"would replace its {FILE} and lose the {writer}: {how}"
        )
    new = json.loads(json.dumps(described, default=str))  # as it would read back
    found = difference(_identity(old), _identity(new))
    if found:
        raise ResultsError(
            f"{folder} holds a different {mine}: its {FILE} has {found}; {how}"
        )


@contextmanager
def rewriting(folder: Path, described: dict[str, Any]) -> Iterator[None]:
    """Rewrite a folder :func:`check_folder` let a run or an analysis take.

    The old manifest goes first, so a write stopped part way leaves files with
    no manifest (an unfinished write, which the same command takes again); the
    body writes the files, and the manifest is written last, once all are
    whole. Hold the folder's lock (:func:`sim.outputs.locked`) meanwhile.
    """
    (folder / FILE).unlink(missing_ok=True)
    yield
    write(folder, described)


def command(described: dict[str, Any]) -> str:
    """The command that writes the folder ``described``: its kind, or ``sweep``."""
    if described.get("kind") != BATCH:
        return str(described.get("kind"))
    design = described.get("design")
    single = not isinstance(design, dict) or design.get("kind") in (None, "single")
    return "batch" if single else "sweep"


def _a(name: str) -> str:
    """``a run``, ``an analysis``: a command's output named with its article."""
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"


def _identity(described: dict[str, Any]) -> dict[str, Any]:
    """The fields that make a run or an analysis the same, in the order compared."""
    if described.get("kind") != RUN:
        return {k: v for k, v in described.items() if k not in ANALYSIS_RECORD_ONLY}
    identity = {key: described.get(key, _NONE) for key in RUN_DEFINING}
    if isinstance(identity["files"], list):
        suffixes = {Path(str(f)).suffix for f in identity["files"]}
        identity["files"] = ", ".join(f"*{suffix}" for suffix in sorted(suffixes))
    return {**identity, "scenario_hash": described.get("scenario_hash", _NONE)}


def difference(
    old: dict[str, Any], new: dict[str, Any], *, skip: Iterable[str] = ()
) -> str | None:
    """Where two manifests first differ, as ``FIELD = OLD, this command NEW``.

    Nested fields are followed to the first value that differs
    (``design.ranges[0].n = 1, this command 2``); content hashes are compared
    after every other field, so a changed setting is named rather than the
    hash it changes. Long values are cut short (:data:`SHOWN`).

    Args:
        old: The manifest in the folder.
        new: What this command would write, as it would read back.
        skip: Top-level fields that do not define what was run.

    Returns:
        The difference, or None if the manifests agree on every field compared.
    """
    skipped = set(skip)
    found = _first_difference(
        {k: v for k, v in old.items() if k not in skipped},
        {k: v for k, v in new.items() if k not in skipped},
        "",
    )
    if found is None:
        return None
    name, before, after = found
    note = ""
    if "scenario_hash" in name:
        before, after = (v[:12] if isinstance(v, str) else v for v in (before, after))
        note = " (the scenario file changed since)"
    return f"{name} = {_shown(before)}, this command {_shown(after)}{note}"


def _first_difference(old: Any, new: Any, name: str) -> tuple[str, Any, Any] | None:
    """The dotted name and both values of the first place ``old`` and ``new`` differ."""
    if old == new:
        return None
    if isinstance(old, dict) and isinstance(new, dict):
        keys = [*new, *(k for k in old if k not in new)]
        keys.sort(key=lambda k: "hash" in str(k))  # hashes last (a stable sort)
        for key in keys:
            found = _first_difference(
                old.get(key, _NONE), new.get(key, _NONE), f"{name}.{key}".lstrip(".")
            )
            if found:
                return found
    if isinstance(old, list) and isinstance(new, list):
        for i in range(max(len(old), len(new))):
            found = _first_difference(
                old[i] if i < len(old) else _NONE,
                new[i] if i < len(new) else _NONE,
                f"{name}[{i}]",
            )
            if found:
                return found
    return name, old, new


def _shown(value: Any) -> str:
    """A value as a message shows it: JSON (strings bare), cut short if long."""
    if value is _NONE:
        return "(none)"
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= SHOWN else text[: SHOWN - 3] + "..."


def listed(names: list[str]) -> str:
    """The first few names of a listing, and how many more."""
    more = f" and {len(names) - 3} more" if len(names) > 3 else ""
    return ", ".join(names[:3]) + more
