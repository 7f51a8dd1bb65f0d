"""Results that check themselves, one writer per folder, kills, a dead scheduler.

Each damaged folder is refused by every reader with one line naming the chunk
and the repair; the repair (the same command again) gives the results of an
undisturbed run bit for bit.
"""

import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd
import pytest

from sim import batch, outputs
from sim.cli import main
from sim.cli.classroom import check_address
from sim.cli.common import UsageError
from sim.executors import Dask, ExecutorError
from sim.manifest import ResultsError
from sim.results import open_results
from tests.conftest import refused_untouched, restore_ctrl_c
from tests.test_hardening import GOOD

ARGS = ["--replications", "6", "--steps", "3", "--chunk-size", "2"]
"""A batch of 3 chunks of the small scenario."""


@pytest.fixture(scope="module")
def scenario(tmp_path_factory) -> Path:
    """The small scenario of tests/test_hardening.py."""
    path = tmp_path_factory.mktemp("scenario") / "tiny.toml"
    path.write_text(GOOD)
    return path


@pytest.fixture(scope="module")
def clean(scenario, tmp_path_factory) -> Path:
    """An undisturbed batch, the reference of every repair."""
    out = tmp_path_factory.mktemp("clean") / "batch"
    assert main(["batch", str(scenario), *ARGS, "--out", str(out)]) == 0
    return out


def assert_same(folder: Path, reference: Path) -> None:
    """Every table of two batch folders is equal bit for bit."""
    got, expected = batch.load(folder), batch.load(reference)
    assert got.missing_chunks == expected.missing_chunks == 0
    for table in batch.TABLES:
        pd.testing.assert_frame_equal(
            getattr(got, table), getattr(expected, table), check_exact=True
        )


def other_batch_chunk(scenario: Path, tmp_path: Path) -> Path:
    """The first chunk of a batch with another seed (same ids, other numbers)."""
    other = tmp_path / "other"
    assert (
        main(["batch", str(scenario), *ARGS, "--seed", "9", "--out", str(other)]) == 0
    )
    return sorted((other / batch.CHUNKS).iterdir())[0]


FIRST = "p000000-r000000000000-000000000002"


def damage(folder: Path, kind: str, scenario: Path, tmp_path: Path) -> None:
    """Damage the first chunk of a batch folder (or add a stray one)."""
    chunk = folder / batch.CHUNKS / FIRST
    model = chunk / "model.parquet"
    if kind == "table deleted":
        model.unlink()
    elif kind == "table truncated":
        model.write_bytes(model.read_bytes()[:100])
    elif kind == "table changed, same size":
        data = bytearray(model.read_bytes())
        data[len(data) // 2] ^= 0xFF
        model.write_bytes(bytes(data))
    elif kind == "record deleted":
        (chunk / batch.RECORD).unlink()
    elif kind == "record garbled":
        (chunk / batch.RECORD).write_text("{not json")
    elif kind == "from another batch":
        shutil.rmtree(chunk)
        shutil.copytree(other_batch_chunk(scenario, tmp_path), chunk)
    elif kind == "stray folder":
        shutil.copytree(chunk, folder / batch.CHUNKS / "p000099-r000000000000-2")
    elif kind == "chunk deleted":
        shutil.rmtree(chunk)
    else:
        raise AssertionError(kind)


DAMAGE = [
    "table deleted",
    "table truncated",
    "table changed, same size",
    "record deleted",
    "record garbled",
    "from another batch",
    "stray folder",
    "chunk deleted",
]


@pytest.mark.parametrize("kind", DAMAGE)
def test_damaged_chunk_is_refused_then_repaired(
    kind, scenario, clean, tmp_path, capsys
):
    """Readers refuse it naming the chunk and the repair; a resume redoes only it."""
    out = tmp_path / "batch"
    shutil.copytree(clean, out)
    damage(out, kind, scenario, tmp_path)
    found = batch.inventory(out, batch.read_manifest(out))
    stray = kind == "stray folder"
    assert (FIRST in found.finished) == stray and found.missing == (0 if stray else 1)
    with pytest.raises(ResultsError, match=r"rerun `wargame batch .* --out "):
        open_results(out)
    capsys.readouterr()
    for argv in (
        ["report", str(out)],
        ["summary", str(out)],
        ["plot", str(out), "--kind", "arms"],
    ):
        assert main(argv) == 2
        lines = capsys.readouterr().err.strip().splitlines()
        assert len(lines) == 1 and "--out " + str(out) in lines[0], lines
        assert (FIRST in lines[0]) or ("p000099" in lines[0]), lines
    assert main(["batch", str(scenario), *ARGS, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    expected = "wrote 0 chunks, skipped 3" if stray else "wrote 1 chunks, skipped 2"
    assert expected in printed, printed
    assert_same(out, clean)


def test_missing_chunks_is_never_negative(scenario, clean, tmp_path):
    """Extra folders (stray, foreign) never make more finished chunks than planned."""
    out = tmp_path / "batch"
    shutil.copytree(clean, out)
    for i in range(5):
        shutil.copytree(out / batch.CHUNKS / FIRST, out / batch.CHUNKS / f"p00009{i}-x")
    found = batch.inventory(out, batch.read_manifest(out))
    assert found.missing == 0 and len(found.damaged) == 5


def test_a_second_writer_is_refused_with_one_line(scenario, tmp_path, capsys):
    """While one process holds the folder, another gets status 2 and who holds it."""
    out = tmp_path / "batch"
    with outputs.locked(out):
        assert main(["batch", str(scenario), *ARGS, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"in use by process {os.getpid()} since" in err[0]
    assert not (out / batch.MANIFEST).exists()
    assert main(["batch", str(scenario), *ARGS, "--out", str(out)]) == 0


def test_a_stale_lock_of_a_dead_process_is_taken_over(scenario, clean, tmp_path):
    """A lock file left by a killed writer holds no lock: the next run proceeds."""
    out = tmp_path / "batch"
    out.mkdir()
    (out / outputs.LOCK).write_text("999999999 2026-01-01T00:00:00+00:00\n")
    assert main(["batch", str(scenario), *ARGS, "--out", str(out)]) == 0
    assert not (out / outputs.LOCK).exists()
    assert_same(out, clean)


def test_two_writers_at_once_never_both_write(scenario, clean, tmp_path):
    """Two batches into one folder at once: each finishes or is refused, whole."""
    out = tmp_path / "batch"
    plan = batch.plan(scenario, replications=6, steps=3, chunk_size=2)
    outcomes: list[str] = []

    def write() -> None:
        try:
            batch.run(plan, out, progress=False)
            outcomes.append("ran")
        except outputs.OutputError:
            outcomes.append("refused")

    writers = [threading.Thread(target=write) for _ in range(2)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    assert "ran" in outcomes and len(outcomes) == 2
    assert_same(out, clean)


def test_a_run_folder_in_use_is_refused(scenario, tmp_path, capsys):
    """``wargame run`` takes the same lock as a batch."""
    out = tmp_path / "run"
    with outputs.locked(out):
        assert main(["run", str(scenario), "--out", str(out)]) == 2
    assert "in use by process" in capsys.readouterr().err


def kill_during(argv: list[str], out: Path, seed: int) -> None:
    """Start ``wargame ARGV`` and SIGKILL it at a seeded moment after it writes.

    The moment is drawn from ``random.Random(seed)`` once the output folder
    exists, so each test kills at its own fixed (yet arbitrary) time. Fails if
    the command finished before the kill (then nothing was tested).
    """
    process = subprocess.Popen(
        [sys.executable, "-m", "sim.cli", *argv],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)},
    )
    deadline = time.monotonic() + 120
    while not out.exists() and process.poll() is None:
        assert time.monotonic() < deadline, "the command never started writing"
        time.sleep(0.01)
    time.sleep(random.Random(seed).uniform(0.0, 0.3))
    process.send_signal(signal.SIGKILL)
    _, err = process.communicate()
    assert process.returncode == -signal.SIGKILL, f"finished before the kill: {err}"


SWEEP = [
    "--replications", "4", "--steps", "20", "--chunk-size", "1",
    "--param", "state.RED.resolve=0.2:0.8:3",
]  # fmt: skip


@pytest.mark.parametrize(("command", "seed"), [("batch", 1), ("sweep", 2)])
def test_killed_at_a_random_moment_resumes_bit_for_bit(
    command, seed, scenario, tmp_path
):
    """SIGKILL at any moment, then the same command: equal to an undisturbed run."""
    args = (
        SWEEP
        if command == "sweep"
        else [*ARGS[:1], "16", "--steps", "20", *ARGS[4:5], "1"]
    )
    killed, reference = tmp_path / "killed", tmp_path / "reference"
    kill_during([command, str(scenario), *args, "--out", str(killed)], killed, seed)
    assert main([command, str(scenario), *args, "--out", str(killed)]) == 0
    assert main([command, str(scenario), *args, "--out", str(reference)]) == 0
    assert_same(killed, reference)


def test_killed_tune_resumes_to_the_same_trials(scenario, tmp_path):
    """A search killed part way and rerun lists the trials an undisturbed one does."""
    args = [
        "--param", "state.RED.resolve=0:1", "--outcome", "war_onset",
        "--trials", "8", "--replications", "2", "--steps", "10",
    ]  # fmt: skip
    killed, reference = tmp_path / "killed", tmp_path / "reference"
    kill_during(["tune", str(scenario), *args, "--out", str(killed)], killed, 3)
    assert main(["tune", str(scenario), *args, "--out", str(killed)]) == 0
    assert main(["tune", str(scenario), *args, "--out", str(reference)]) == 0
    pd.testing.assert_frame_equal(
        pd.read_csv(killed / "trials.csv"),
        pd.read_csv(reference / "trials.csv"),
        check_exact=True,
    )


def free_port() -> int:
    """A port on 127.0.0.1 with nothing listening."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_dead_scheduler_is_reported_before_anything_is_written(scenario, tmp_path):
    """No scheduler at the address: one error within the timeout, no folder."""
    out = tmp_path / "batch"
    plan = batch.plan(scenario, replications=2, steps=1)
    address = f"tcp://127.0.0.1:{free_port()}"
    with pytest.raises(ExecutorError, match="no Dask scheduler answered within 1 s"):
        batch.run(plan, out, executor=Dask(scheduler=address, timeout=1))
    assert not out.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("chunk_size", "2", "chunk_size is '2', not a int"),
        ("seed", 1.5, "seed is 1.5, not a whole number"),
        ("kind", ["batch"], "not a manifest of wargame"),
        ("points", [1], r"points\[0\] is not a point"),
        ("state_series", 0, "state_series is 0, not a bool"),
    ],
)
def test_a_manifest_with_wrong_types_is_refused(field, value, message, clean, tmp_path):
    """A hand-edited manifest is one error, not a traceback later."""
    out = tmp_path / "batch"
    shutil.copytree(clean, out)
    manifest = json.loads((out / batch.MANIFEST).read_text())
    (out / batch.MANIFEST).write_text(json.dumps({**manifest, field: value}))
    with pytest.raises(ResultsError, match=message):
        open_results(out)


def test_serve_binds_loopback_unless_asked():
    """A non-loopback host needs --allow-remote; loopback needs nothing."""
    port = free_port()
    check_address("127.0.0.1", port, allow_remote=False)
    with pytest.raises(UsageError, match="--allow-remote"):
        check_address("0.0.0.0", port, allow_remote=False)
    check_address("0.0.0.0", port, allow_remote=True)
    with (
        socket.create_server(("127.0.0.1", port)),
        pytest.raises(UsageError, match="cannot listen there"),
    ):
        check_address("127.0.0.1", port, allow_remote=False)


def test_a_local_dask_cluster_listens_on_loopback_only():
    """Scheduler, dashboard and workers of ``--workers`` bind 127.0.0.1 alone.

    Every socket this process and its children open to listen while the cluster
    runs is on the loopback interface, the dashboard's among them.
    """
    pytest.importorskip("distributed", reason="the dask extra is not installed")
    psutil = pytest.importorskip("psutil", reason="distributed's dependency missing")

    def listening(process) -> set[tuple[str, int]]:
        return {
            (c.laddr.ip, c.laddr.port)
            for c in process.net_connections(kind="tcp")
            if c.status == psutil.CONN_LISTEN
        }

    this = psutil.Process()
    before = listening(this)
    with Dask(workers=1) as pool:
        processes = [this, *this.children(recursive=True)]
        opened = set().union(*map(listening, processes)) - before
        dashboard = urlsplit(pool.client.dashboard_link)
    assert dashboard.hostname == "127.0.0.1"
    assert ("127.0.0.1", dashboard.port) in opened
    assert {host for host, _ in opened} == {"127.0.0.1"}, opened


ONCE_READY = """
import signal, sys
from pathlib import Path
from sim import batch
from sim.cli import main

out, ready, action, argv = Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
run_chunk, waiting = batch.run_chunk, [True]


def once_ready(task):
    if waiting and any(out.glob(ready)):
        waiting.clear()
        if action == "ctrl-c":
            signal.raise_signal(signal.SIGINT)  # what Ctrl-C sends; raises here
        print("ready", flush=True)
        sys.stdin.readline()  # hold the folder until told to go on
    return run_chunk(task)


batch.run_chunk = once_ready
sys.exit(main([*argv, "--out", str(out)]))
"""
"""``python -c`` this with OUT READY ACTION ARGV: ``wargame ARGV --out OUT`` that,
as it starts the first chunk after ``OUT/READY`` (a glob) exists, gets a real
SIGINT (ACTION ``ctrl-c``) or prints ``ready`` and waits for a line (``hold``)."""


def wargame_once_ready(out: Path, ready: str, action: str, argv: list[str]) -> list:
    """The command of :data:`ONCE_READY`, from this checkout."""
    return [sys.executable, "-c", ONCE_READY, str(out), ready, action, *argv]


ENV = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)}

MILEX = ["--param", "state.RED.milex_usd_m=50:150", "--outcome", "arms_burden"]
"""A parameter that moves an outcome even in the small scenario's few steps."""
CTRL_C = {
    "batch": (ARGS, "chunks/p*", "stopped with 1 of 3 chunks finished"),
    "tune": (
        [*MILEX, "--steps", "3", "--replications", "2", "--trials", "3"],
        "trials.csv",
        "stopped with 1 of 3 trials finished",
    ),
    "sensitivity": (
        [*MILEX, "--steps", "3", "--replications", "2", "--samples", "4"],
        ".lock",
        "",
    ),
}
"""Each command, the file whose appearance sets off the Ctrl-C (its first whole
piece of work on disk; the lock for a command that keeps nothing of a stopped
run) and what its line says after ``interrupted``."""


@pytest.mark.parametrize("command", CTRL_C)
def test_ctrl_c_part_way_is_one_line_130_and_resumable(
    command, scenario, clean, tmp_path
):
    """A real SIGINT once the first piece of work is on disk: 130 and one line.

    No traceback and nothing half-written; the same command again completes
    the folder bit for bit as an undisturbed run writes it (sensitivity keeps
    nothing of a stopped run, so its folder is gone and a rerun starts afresh).
    """
    args, ready, says = CTRL_C[command]
    argv = [command, str(scenario), *args]
    stopped = tmp_path / "stopped"
    process = subprocess.run(
        wargame_once_ready(stopped, ready, "ctrl-c", argv),
        capture_output=True,
        text=True,
        timeout=300,
        env=ENV,
        preexec_fn=restore_ctrl_c,
    )
    err = process.stderr
    assert process.returncode == 130, err
    assert err.strip().splitlines()[-1].startswith("interrupted"), err
    assert says in err and "Traceback" not in err, err
    assert not [*stopped.rglob(".*")], "an interrupted write was left behind"
    if command == "sensitivity":
        assert not stopped.exists()
    assert main([*argv, "--out", str(stopped)]) == 0
    if command == "batch":
        assert_same(stopped, clean)
    elif command == "tune":
        reference = tmp_path / "reference"
        assert main([*argv, "--out", str(reference)]) == 0
        pd.testing.assert_frame_equal(
            pd.read_csv(stopped / "trials.csv"),
            pd.read_csv(reference / "trials.csv"),
            check_exact=True,
        )


def test_a_second_search_while_one_runs_is_refused(scenario, tmp_path, capsys):
    """While a search holds its folder, a second one there is refused.

    The first search is held after its first trial; the second gets one line
    naming the first's process and changes nothing; the first then finishes as
    if alone.
    """
    out = tmp_path / "search"
    argv = ["tune", str(scenario), *CTRL_C["tune"][0]]
    command = wargame_once_ready(out, "trials.csv", "hold", argv)
    with subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=ENV
    ) as first:
        assert first.stdout.readline() == "ready\n"
        before = {p.name: p.read_bytes() for p in out.iterdir()}
        assert main([*argv, "--out", str(out)]) == 2
        line = capsys.readouterr().err.strip()
        assert line.startswith(f"error: {out}: in use by process {first.pid} since")
        assert {p.name: p.read_bytes() for p in out.iterdir()} == before
        first.communicate("go on\n", timeout=300)
    assert first.returncode == 0
    assert len(pd.read_csv(out / "trials.csv")) == 3


@pytest.mark.parametrize(
    "argv, folder, out",
    [
        (["report"], "batch", "manifest.json"),
        (["report"], "run", "outcomes.csv"),
        (["plot", "--kind", "escalation"], "batch", "chunks/escalation.png"),
        (["summary"], "batch", "chunks"),
    ],
)
def test_an_output_among_the_results_it_reads_is_refused(
    results_folders, tmp_path, capsys, argv, folder, out
):
    """A page, figure or table over a results folder's files or in its chunks.

    It would replace the manifest or a table, or stray among the chunks and make
    the batch count as damaged: refused, one line, the folder untouched.
    """
    results = shutil.copytree(results_folders / folder, tmp_path / folder)
    command = [argv[0], str(results), *argv[1:], "--out", str(results / out)]
    line = refused_untouched(command, results, capsys)
    assert line.startswith(f"error: --out {results / out}: inside the results")
    assert open_results(results).table("outcomes") is not None
