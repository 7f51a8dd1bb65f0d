"""Writing results safely: every file appears whole or not at all.

Each writer writes to a temporary file in the target folder and renames it into
place (``os.replace`` is atomic on one file system), so an interrupted run never
leaves a half-written file that a later run or a reader could mistake for whole.
An output folder has one writer at a time (:func:`locked`), and a command checks
its output folder can be written before it computes anything
(:func:`check_writable`).
"""

import fcntl
import glob
import json
import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from sim.errors import InputError

FRAME_SUFFIXES = (".csv", ".parquet")


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` on a temporary path beside ``path``, then rename it.

    The file gets the mode a plain ``open(path, "w")`` gives (0666 less the
    umask, e.g. 0644), not the private 0600 of :func:`tempfile.mkstemp`, which
    the rename would keep.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with _named_as(path):
        tmp = _fresh(path, _new_file)
        try:
            write(tmp)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)


@contextmanager
def _named_as(path: Path) -> Iterator[None]:
    """Say ``path``, not its temporary stand-in, in an error writing it.

    An error of the file system (disk full, a read-only or special folder)
    names the path the user asked for, not ``.NAME.RANDOM`` beside it.
    """
    stand_in = f"{path.parent / ('.' + path.name)}."  # then RANDOM[/inside]
    try:
        yield
    except OSError as err:
        if isinstance(err.filename, str) and err.filename.startswith(stand_in):
            inside = err.filename[len(stand_in) :].partition(os.sep)[2]
            err.filename = str(path / inside) if inside else str(path)
        raise


def _fresh(path: Path, make: Callable[[Path], None]) -> Path:
    """A new hidden path beside ``path`` (``.NAME.RANDOM``), created by ``make``.

    ``make`` creates it with a mode the umask then masks (as ``open`` and
    ``mkdir`` do) and raises :class:`FileExistsError` if the name is taken.
    """
    for _ in range(100):
        candidate = path.parent / f".{path.name}.{secrets.token_hex(4)}"
        try:
            make(candidate)
        except FileExistsError:
            continue
        return candidate
    raise FileExistsError(f"{path.parent}: no free temporary name for {path.name}")


def _new_file(path: Path) -> None:
    """Create an empty file, failing if anything (a link included) is there."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    os.close(os.open(path, flags, 0o666))


def remove_partial(path: Path) -> None:
    """Remove temporary files of ``path`` left by killed :func:`atomic_write` calls.

    Call it while holding the folder's lock (:func:`locked`), so no write of
    ``path`` is under way.
    """
    for partial in path.parent.glob(f".{glob.escape(path.name)}.*"):
        partial.unlink(missing_ok=True)


def atomic_directory(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` on a temporary folder beside ``path``, then rename it.

    The folder appears with all its files or not at all; ``path`` must not exist.
    A folder left by an interrupted write is hidden (its name starts with a dot).
    It gets the mode a plain ``mkdir`` gives (0777 less the umask, e.g. 0755),
    not the private 0700 of :func:`tempfile.mkdtemp`.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with _named_as(path):
        tmp = _fresh(path, lambda candidate: os.mkdir(candidate, 0o777))
        try:
            write(tmp)
            os.rename(tmp, path)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def write_frame(frame: pd.DataFrame, path: Path) -> None:
    """Write a frame as CSV or Parquet, chosen by the file's suffix."""
    if path.suffix == ".csv":
        atomic_write(path, lambda tmp: frame.to_csv(tmp, index=False))
    elif path.suffix == ".parquet":
        atomic_write(path, lambda tmp: frame.to_parquet(tmp, index=False))
    else:
        raise ValueError(f"{path}: unknown table format; use one of {FRAME_SUFFIXES}")


def read_frame(path: Path) -> pd.DataFrame:
    """Read a frame written by :func:`write_frame`."""
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    return pd.read_csv(path)


def write_json(data: dict[str, Any], path: Path) -> None:
    """Write a JSON document (sorted keys, indented) atomically."""
    text = json.dumps(data, indent=2, sort_keys=True, default=str) + "\n"
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


class OutputError(InputError):
    """An output folder in use by another process."""


class UnwritableError(OSError):
    """An output folder or file that cannot be written (no error number)."""


def check_writable(path: Path, *, folder: bool = True) -> None:
    """Fail at once, before any computing, if ``path`` cannot be written.

    Args:
        path: The output folder (or file, if ``folder`` is False) to check.
        folder: Whether ``path`` is a folder (else a file in a folder).

    Raises:
        UnwritableError: ``path`` (or a parent) is a file where a folder is
            needed, or the nearest existing folder is not writable.
    """
    if folder and path.exists() and not path.is_dir():
        raise UnwritableError(f"{path}: is a file; give a folder")
    if not folder and path.is_dir():
        raise UnwritableError(f"{path}: is a folder; give a file name")
    probe = path if folder else path.parent
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        raise UnwritableError(f"{path}: cannot be created, {probe} is a file")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise UnwritableError(
            f"{path}: cannot write in {probe} (permission denied); choose another "
            "folder"
        )


LOCK = ".lock"
"""The lock file of an output folder being written."""


@contextmanager
def locked(folder: Path) -> Iterator[None]:
    """Hold the exclusive lock of an output folder while writing it.

    The lock is an ``flock`` on ``folder/.lock``, which also records the holder's
    process id and start time. The operating system releases it when the
    holder exits, however it dies, so a lock left by a killed process is simply
    taken over. The file is removed on release; a writer that opened it just
    before checks that the file it locked is still the one in the folder. The
    folder (and any parent) is created if missing, and removed again on release
    if nothing was written in it, so a command that fails before writing leaves
    nothing behind.

    The lock is not re-entrant: a process that holds it and asks again is
    refused like any other.

    Raises:
        OutputError: Another process holds the lock; says which and since when.
    """
    created = _first_missing(folder)
    path = folder / LOCK
    while True:
        folder.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except FileNotFoundError:
            continue  # removed empty by the holder that just finished: make it again
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 200).decode("utf-8", "replace").split()
            os.close(fd)
            pid, since = [*holder, "?", "?"][:2]
            raise OutputError(
                f"{folder}: in use by process {pid} since {since}; wait for it to "
                "finish (or stop it), or choose another output folder"
            ) from None
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)  # removed by the holder we waited for: lock the new file
    started = datetime.now(UTC).isoformat(timespec="seconds")
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()} {started}\n".encode())
    try:
        yield
    finally:
        path.unlink(missing_ok=True)
        os.close(fd)
        if created is not None:
            _remove_empty(folder, created)


def _first_missing(folder: Path) -> Path | None:
    """The outermost of ``folder`` and its parents that does not exist, if any."""
    missing = None
    for candidate in (folder, *folder.parents):
        if candidate.exists():
            break
        missing = candidate
    return missing


def _remove_empty(folder: Path, outermost: Path) -> None:
    """Remove ``folder`` and its parents up to ``outermost`` while they are empty."""
    for candidate in (folder, *folder.parents):
        try:
            candidate.rmdir()
        except OSError:  # not empty (someone wrote there), or already gone
            return
        if candidate == outermost:
            return
