"""Every notebook under notebooks/ runs top to bottom without an error."""

from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))
TIMEOUT_S = 300
"""Longest a notebook cell may run (each notebook aims at under a minute in all)."""


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_executes(path, tmp_path, monkeypatch):
    """Execute the notebook in a fresh kernel in an empty working folder."""
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")  # silence a path notice
    monkeypatch.setenv("MPLBACKEND", "Agg")
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()
