"""Writing results safely: every file appears whole or not at all.

Each writer writes to a temporary file in the target folder and renames it into
place (``os.replace`` is atomic on one file system), so an interrupted run never
leaves a half-written file that a later run or a reader could mistake for whole.
"""

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

FRAME_SUFFIXES = (".csv", ".parquet")


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` on a temporary path beside ``path``, then rename it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_directory(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` on a temporary folder beside ``path``, then rename it.

    The folder appears with all its files or not at all; ``path`` must not exist.
    A folder left by an interrupted write is hidden (its name starts with a dot).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
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
