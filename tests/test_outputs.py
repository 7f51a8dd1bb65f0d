"""Atomic writes: whole files with the permissions the user's umask gives."""

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from sim.outputs import atomic_directory, atomic_write, remove_partial


@pytest.fixture(params=[0o022, 0o027, 0o077], ids=["022", "027", "077"])
def umask(request) -> Iterator[int]:
    """Run the test under one umask, then restore the process's own."""
    before = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(before)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_an_atomic_file_gets_the_mode_of_a_plain_one(tmp_path, umask):
    """0644 under umask 022, as open() would give, not the temporary file's 0600."""
    plain = tmp_path / "plain.txt"
    plain.write_text("x")
    path = tmp_path / "page.html"
    atomic_write(path, lambda tmp: tmp.write_text("<p>whole</p>"))
    assert path.read_text() == "<p>whole</p>"
    assert mode(path) == mode(plain) == 0o666 & ~umask
    atomic_write(path, lambda tmp: tmp.write_text("again"))  # replacing one
    assert mode(path) == 0o666 & ~umask
    assert sorted(p.name for p in tmp_path.iterdir()) == ["page.html", "plain.txt"]


def test_an_atomic_folder_gets_the_mode_of_a_plain_one(tmp_path, umask):
    """0755 under umask 022, as mkdir would give, not the temporary folder's 0700."""
    (tmp_path / "plain").mkdir()
    path = tmp_path / "chunk"
    atomic_directory(path, lambda tmp: (tmp / "a.csv").write_text("a\n1\n"))
    assert mode(path) == mode(tmp_path / "plain") == 0o777 & ~umask
    assert (path / "a.csv").read_text() == "a\n1\n"


def test_an_error_of_the_file_system_names_the_file_asked_for(tmp_path):
    """Not the temporary file beside it (``.out.csv.RANDOM``), which is removed."""
    path = tmp_path / "out.csv"
    with pytest.raises(NotADirectoryError) as raised:  # as disk full or read-only
        atomic_write(path, lambda tmp: tmp.rmdir())
    assert raised.value.filename == str(path)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(FileNotFoundError) as raised:
        atomic_directory(path, lambda tmp: (tmp / "no" / "such").touch())
    assert raised.value.filename == str(path / "no" / "such")
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_leaves_nothing(tmp_path):
    """The temporary file is removed, the target untouched; partials are found."""
    path = tmp_path / "out.csv"
    path.write_text("old")

    def fail(tmp: Path) -> None:
        tmp.write_text("half")
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        atomic_write(path, fail)
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]
    (tmp_path / ".out.csv.abc123").write_text("left by a killed write")
    remove_partial(path)
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]
