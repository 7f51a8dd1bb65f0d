"""Shared helpers: small scenario files written into a temporary folder."""

import os
import signal
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import settings

# No timed assertions in tests (speed is measured in benchmarks/): Hypothesis's
# per-example deadline would fail a test whose first example imports a library
# on a busy machine.
settings.register_profile("project", deadline=None)
# CI (CI=true) explores the same examples every run, so a submission's result does
# not hang on the draw; a developer's runs keep exploring new ones.
settings.register_profile(
    "ci", parent=settings.get_profile("project"), derandomize=True
)
settings.load_profile("ci" if os.environ.get("CI") == "true" else "project")

SLOWEST_FILES = ("test_notebooks.py", "test_theory.py", "test_executors.py")
"""Files of several minutes each on one core (``pytest --durations``), run first."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Put the slowest files first, so the other workers share the rest meanwhile.

    xdist hands out whole files in collection order (``--dist loadfile
    --no-loadscope-reorder`` in pyproject.toml); left where the alphabet put
    them, the notebooks ran last on one worker while the other sat idle.
    """
    rank = {name: i for i, name in enumerate(SLOWEST_FILES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


def state_toml(
    state_id: str, name: str, milex: float, lon: float, extra: str = ""
) -> str:
    """One fictional ``[[state]]`` on the equator, with ``extra`` lines after it."""
    return f"""
[[state]]
id = "{state_id}"
name = "{name}"
milex_usd_m = {milex}
gdp_usd_m = 100000.0
capital = [0.0, {lon}]
{extra}
"""


CRISIS_INJECT = """
[[inject]]
year = 2000.0
kind = "crisis"
parties = ["RED", "BLUE"]
theater = "border"
rung = 2
"""
"""A crisis of RED against BLUE in the border theater in 2000.0 (step 0), at rung 2."""

BORDER = """
[[theater]]
id = "border"
name = "Border"
center = [0.0, 5.0]

[[dispute]]
parties = ["RED", "BLUE"]
theater = "border"
"""


def pair_toml(
    *,
    steps: int = 8,
    milex: tuple[float, float] = (100.0, 50.0),
    red: str = "",
    blue: str = "",
    extra: str = "",
) -> str:
    """TOML of two fictional rivals; ``red``/``blue`` add lines to their tables."""
    return f"""
[scenario]
name = "pair"
description = "Two fictional rivals."
start_year = 2000
steps = {steps}
seed = 7
{state_toml("RED", "Red", milex[0], 0.0, red)}
{state_toml("BLUE", "Blue", milex[1], 10.0, blue)}
{BORDER}
{extra}
"""


def triad_toml(
    *,
    kind: str = "defense_treaty",
    blue_milex: float = 90.0,
    steps: int = 40,
    extra: str = "",
) -> str:
    """TOML of a strong challenger RED, a weak defender BLUE and BLUE's patron GREEN.

    RED disputes the border with BLUE; GREEN, farther away, is tied to BLUE by an
    alliance of the given ``kind``.
    """
    red = state_toml("RED", "Red", 100.0, 0.0, "resolve = 0.8\nthreshold = 5")
    blue = state_toml("BLUE", "Blue", blue_milex, 10.0, "resolve = 0.8\nthreshold = 4")
    green = state_toml("GREEN", "Green", 300.0, 40.0, "threshold = 4")
    return f"""
[scenario]
name = "triad"
description = "A challenger, a defender and the defender's patron."
start_year = 2000
steps = {steps}
seed = 11
{red}{blue}{green}
[[alliance]]
name = "Green-Blue tie"
members = ["GREEN", "BLUE"]
kind = "{kind}"
since = 1990
{BORDER}
{extra}
"""


def contents(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder``, by relative path, with its bytes."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    """The one line a command printed on standard error (no traceback)."""
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def refused_untouched(
    argv: list[str], folder: Path, capsys: pytest.CaptureFixture[str]
) -> str:
    """``wargame ARGV`` exits 2 and leaves ``folder`` byte for byte; its one line."""
    from sim.cli import main

    before = contents(folder)
    capsys.readouterr()
    assert main(argv) == 2
    line = one_error_line(capsys)
    assert contents(folder) == before
    return line


@pytest.fixture
def write_scenario(tmp_path: Path) -> Callable[..., Path]:
    """Write TOML text to a file in a temporary folder and return its path."""

    def write(text: str, name: str = "pair.toml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="session")
def results_folders(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding ``triad.toml`` and its ``run`` and ``batch`` output folders.

    The triad's spending moves (no steady start) and every state invests in
    A2/AD, so every figure has something to show.
    """
    from sim import batch
    from sim.cli import main

    root = tmp_path_factory.mktemp("results")
    scenario = root / "triad.toml"
    extra = (
        "[mechanisms.arms_race]\nsteady_start = false\n"
        "[mechanisms.a2ad]\na2ad_share = 0.1\n"
    )
    scenario.write_text(triad_toml(steps=16, extra=extra), encoding="utf-8")
    assert main(["run", str(scenario), "--out", str(root / "run")]) == 0
    plan = batch.plan(scenario, replications=12, chunk_size=5, state_series=True)
    batch.run(plan, root / "batch", progress=False)
    return root


def restore_ctrl_c() -> None:
    """In a child process before it runs: Ctrl-C as a foreground job has it.

    A shell's background job ignores SIGINT and its children inherit that, so a
    test that sends Ctrl-C to a command it starts passes this as ``preexec_fn``.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)
