"""Executors: local processes and Dask give the in-process numbers, and survive."""

import concurrent.futures as cf
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from distributed import Client, LocalCluster

from sim import batch
from sim.executors import PARENT_CHECK_SECONDS, Dask, InProcess, Processes
from sim.scenario import bundled_dir

BASELINE = bundled_dir() / "baseline_2024.toml"
SMALL = {"replications": 12, "steps": 4, "seed": 5, "chunk_size": 3}


def assert_same_results(left, right) -> None:
    """Two batch folders hold identical tables."""
    a, b = batch.load(left), batch.load(right)
    for table in ("model", "outcomes"):
        pd.testing.assert_frame_equal(
            getattr(a, table), getattr(b, table), check_exact=True
        )


@pytest.fixture
def reference(tmp_path):
    """The small batch run in this process."""
    out = tmp_path / "inline"
    batch.run(batch.plan(BASELINE, **SMALL), out, executor=InProcess(), progress=False)
    return out


@pytest.mark.parametrize(
    "executor", [lambda: Processes(2), lambda: Dask(workers=2)], ids=["procs", "dask"]
)
def test_executor_results_equal_in_process(tmp_path, reference, executor):
    """Local processes and a real Dask LocalCluster reproduce in-process results."""
    out = tmp_path / "other"
    summary = batch.run(
        batch.plan(BASELINE, **SMALL), out, executor=executor(), progress=False
    )
    assert summary.written == 4
    assert_same_results(reference, out)


def test_dask_batch_completes_when_a_worker_dies(tmp_path):
    """Killing a worker process mid-batch loses no chunk: Dask reruns its tasks."""
    plan = batch.plan(BASELINE, replications=40, steps=30, chunk_size=2)
    out = tmp_path / "dask"
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=":0",  # any free port: 8787 may be taken
        ) as cluster,
        Client(cluster) as client,
        cf.ThreadPoolExecutor(1) as thread,
    ):
        executor = Dask(scheduler=cluster.scheduler_address)
        running = thread.submit(batch.run, plan, out, executor=executor, progress=False)
        deadline = time.monotonic() + 60
        while not batch.finished_chunks(out):
            assert not running.done(), running.result()
            assert time.monotonic() < deadline, "no chunk written within 60 s"
            time.sleep(0.01)
        victim = next(iter(client.run(os.getpid).values()))
        os.kill(victim, signal.SIGKILL)
        summary = running.result(timeout=120)
    assert summary.written == 20
    assert batch.load(out).missing_chunks == 0
    clean = tmp_path / "clean"
    batch.run(batch.plan(BASELINE, replications=40, steps=30), clean, progress=False)
    assert_same_results(out, clean)


SLOW_TASK = """
import os, sys, time
from pathlib import Path

def slow(path):
    Path(path).write_text(str(os.getpid()))
    time.sleep(120)

if __name__ == "__main__":
    from sim.executors import Processes
    with Processes(1) as pool:
        list(pool.imap_unordered(slow, [sys.argv[1]]))
"""


def running(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie waiting to be reaped."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads /proc (Linux)")
def test_a_local_worker_exits_when_its_batch_is_killed_outright(tmp_path):
    """``kill -9`` of the batch leaves no worker running its chunk to the end."""
    script, marker = tmp_path / "slow.py", tmp_path / "worker.pid"
    script.write_text(SLOW_TASK)
    root = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), root])}
    parent = subprocess.Popen([sys.executable, str(script), str(marker)], env=env)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() or not marker.read_text():
            assert parent.poll() is None, "the batch ended before its worker started"
            assert time.monotonic() < deadline, "no worker started within 60 s"
            time.sleep(0.05)
        worker = int(marker.read_text())
        assert running(worker)
        parent.kill()
        parent.wait()
        deadline = time.monotonic() + 10 * PARENT_CHECK_SECONDS
        while running(worker) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not running(worker), "the worker outlived its batch"
    finally:
        parent.kill()
