"""Batches and sweeps: reproducibility, resumable output, refusals, tidy loading.

The ``wargame batch`` and ``wargame sweep`` commands are tested here too, since
what they promise (resume, refuse, never duplicate) is the batch's behaviour.
"""

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import batch
from sim.cli import main
from sim.design import Design, Range
from sim.model import RegionModel
from sim.scenario import ScenarioError, bundled_dir
from tests.conftest import refused_untouched, restore_ctrl_c

BASELINE = bundled_dir() / "baseline_2024.toml"
REACTION = "mechanisms.arms_race.reaction_per_year"
TABLES = ("model", "crises", "outcomes")
MOVING = {"mechanisms.arms_race.steady_start": False}
"""Without a steady start the baseline's spending moves, so points differ."""


def rows(frame: pd.DataFrame, replication: int) -> pd.DataFrame:
    """One replication's rows, without the batch's bookkeeping columns."""
    mine = frame[frame["replication"] == replication]
    return mine.drop(columns=["point", "replication"]).reset_index(drop=True)


def run_batch(out, **kwargs) -> batch.Results:
    """Plan and run a batch of the baseline in this process, then load it."""
    batch.run(batch.plan(BASELINE, **kwargs), out, progress=False)
    return batch.load(out)


def wargame(*args: str) -> subprocess.Popen:
    """Start the command line in a fresh interpreter, as a user would.

    Ctrl-C is restored in it: a shell's background job ignores SIGINT, and its
    children would inherit that (running the tests as one must not change them).
    """
    return subprocess.Popen(
        [sys.executable, "-m", "sim.cli", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=restore_ctrl_c,
    )


def test_replication_is_identical_in_any_batch_size_and_chunking(tmp_path):
    """Replication r's rows do not depend on batch size or chunk size."""
    results = [
        run_batch(tmp_path / f"{n}-{c}", replications=n, steps=5, seed=3, chunk_size=c)
        for n, c in ((7, 7), (7, 3), (7, 1), (5, 2))
    ]
    for r in range(5):
        for other in results[1:]:
            for table in TABLES:
                pd.testing.assert_frame_equal(
                    rows(getattr(results[0], table), r),
                    rows(getattr(other, table), r),
                    check_exact=True,
                )


def test_batch_rows_equal_region_model_runs(tmp_path):
    """Each replication equals RegionModel(rng=S, replication=r) bit for bit."""
    result = run_batch(
        tmp_path / "b", replications=5, steps=6, seed=11, chunk_size=2,
        settings=MOVING, state_series=True,
    )  # fmt: skip
    scenario = batch.plan(BASELINE, replications=1, settings=MOVING).scenario
    for r in (0, 3, 4):
        model = RegionModel(scenario, rng=11, replication=r, steps=6)
        model.run_for(6)
        expected = model.model_frame()
        pd.testing.assert_frame_equal(
            rows(result.model, r)[list(expected)], expected, check_exact=True
        )
        states = rows(result.states, r).astype({"state": str})
        pd.testing.assert_frame_equal(states, model.state_frame(), check_exact=True)
        theaters = rows(result.theaters, r).astype({"theater": str})
        pd.testing.assert_frame_equal(theaters, model.theater_frame(), check_exact=True)
        crises = model.crisis_frame().drop(columns="replication")
        pd.testing.assert_frame_equal(rows(result.crises, r), crises, check_exact=True)
        outcomes = rows(result.outcomes, r).iloc[0].to_dict()
        expected = model.outcomes()  # NaN where undefined (no war: no onset time)
        assert outcomes == pytest.approx(expected, rel=0, abs=0, nan_ok=True)
    distinct = result.outcomes.drop(columns=["point", "replication"]).drop_duplicates()
    assert len(distinct) > 1, "replications should differ: are draws keyed by r?"


def test_batch_rows_equal_wargame_run_output(tmp_path):
    """Replication r of a batch equals `wargame run --seed S --replication r`."""
    result = run_batch(tmp_path / "b", replications=4, steps=5, seed=2, chunk_size=3)
    for r in (1, 3):
        out = tmp_path / f"run{r}"
        argv = ["run", str(BASELINE), "--steps", "5", "--seed", "2"]
        argv += ["--replication", str(r), "--format", "parquet", "--out", str(out)]
        assert main(argv) == 0
        for table in ("model", "outcomes"):
            expected = pd.read_parquet(out / f"{table}.parquet")
            got = rows(getattr(result, table), r)[list(expected)]
            pd.testing.assert_frame_equal(got, expected, check_exact=True)


def test_every_chunk_has_one_schema_with_or_without_crises():
    """A chunk without crises writes the same column types as one with crises."""
    quiet = {  # no crisis can start
        "mechanisms.escalation.dispute_rate_per_year": 0.0,
        "mechanisms.escalation.incident_rate_per_year": 0.0,
    }
    tables = []
    for settings in (quiet, {}):
        plan = batch.plan(BASELINE, replications=4, steps=12, settings=settings)
        _, chunk_tables = batch.run_chunk(next(plan.tasks(plan.chunks())))
        tables.append(chunk_tables["crises"])
    assert tables[0].num_rows == 0 < tables[1].num_rows
    assert tables[0].schema == tables[1].schema


def test_a_worker_running_other_code_refuses_the_chunk():
    """A task planned by other code (another install) is refused, not computed."""
    plan = batch.plan(BASELINE, replications=2, steps=1)
    task = next(plan.tasks(plan.chunks()))
    assert task.code == batch.manifest.code_hash()
    other = dataclasses.replace(task, code="f" * 64)
    with pytest.raises(batch.BatchError, match="this worker runs other code") as err:
        batch.run_chunk(other)
    assert "p000000-r000000000000-000000000002" in str(err.value)
    assert "(ffffffffffff)" in str(err.value)


def test_load_gives_tidy_frames_in_order(tmp_path):
    """One row per (replication, step[, state]), sorted, with the manifest."""
    result = run_batch(
        tmp_path / "b", replications=5, steps=3, chunk_size=2, state_series=True
    )
    n = 17
    assert len(result.model) == 5 * 4 and len(result.states) == 5 * 4 * n
    assert len(result.outcomes) == 5 and result.missing_chunks == 0
    keys = result.model[["replication", "step"]].to_numpy()
    assert (keys == np.array([(r, s) for r in range(5) for s in range(4)])).all()
    assert list(result.states["state"][:n]) == list(batch.plan(
        BASELINE, replications=1
    ).scenario.state_ids)  # fmt: skip
    assert result.manifest["chunks"] == 3 and result.manifest["steps"] == 3


def test_sweep_points_carry_their_values_and_match_single_batches(tmp_path):
    """A grid point's rows equal a plain batch with that value --set."""
    design = Design("grid", (Range(REACTION, 0.05, 0.25, 3),))
    plan = batch.plan(BASELINE, replications=2, steps=4, settings=MOVING, design=design)
    batch.run(plan, tmp_path / "sweep", progress=False)
    sweep = batch.load(tmp_path / "sweep")
    assert sorted(sweep.outcomes[REACTION].unique()) == pytest.approx(
        [0.05, 0.15, 0.25]
    )
    assert len({p["scenario_hash"] for p in sweep.manifest["points"]}) == 3
    single = run_batch(
        tmp_path / "one", replications=2, steps=4, settings={**MOVING, REACTION: 0.25}
    )
    last = sweep.model[sweep.model["point"] == 2].assign(point=np.int32(0))
    pd.testing.assert_frame_equal(
        last.reset_index(drop=True), single.model, check_exact=True
    )
    spending = sweep.model.groupby("point")["total_milex_usd_m"].last()
    assert spending.is_unique


def test_rerun_of_a_finished_batch_writes_nothing(tmp_path):
    """Running the same batch again skips every chunk and changes no file."""
    plan = batch.plan(BASELINE, replications=6, steps=2, chunk_size=4)
    first = batch.run(plan, tmp_path, progress=False)
    stamps = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*")}
    again = batch.run(plan, tmp_path, progress=False)
    assert (first.written, again.skipped, again.written) == (2, 2, 0)
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*")} == stamps


@pytest.mark.parametrize(
    ("change", "differs"),
    [
        ({"seed": 5}, "seed = 1, this command 5"),
        ({"replications": 7}, "replications = 6, this command 7"),
        ({"chunk_size": 3}, "chunk_size = 4, this command 3"),
        (
            {"settings": {REACTION: 0.3}},
            f"settings.{REACTION} = (none), this command 0.3",
        ),
        (
            {"design": Design("grid", (Range(REACTION, 0.1, 0.2, 2),))},
            "design.kind = single, this command grid",
        ),
    ],
)
def test_folder_of_another_batch_is_refused_untouched(tmp_path, change, differs):
    """Another seed, size, chunking, setting or design: refused, both values named."""
    base = {"replications": 6, "steps": 2, "chunk_size": 4}
    batch.run(batch.plan(BASELINE, **base), tmp_path, progress=False)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    with pytest.raises(batch.BatchError) as refused:
        batch.run(batch.plan(BASELINE, **{**base, **change}), tmp_path)
    assert f"its manifest.json has {differs}; choose another" in str(refused.value)
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


def test_folder_that_is_not_a_batch_is_refused(tmp_path):
    """A non-empty folder without a manifest is not written into."""
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(batch.BatchError, match="not a batch folder"):
        batch.run(batch.plan(BASELINE, replications=1, steps=1), tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"replications": 0}, "replications 0: must be a whole number >= 1"),
        ({"replications": 2, "steps": -1}, "steps -1"),
        ({"replications": 2, "steps": 0}, "steps 0: must be a whole number >= 1"),
        ({"replications": 2, "chunk_size": 0}, "chunk_size 0"),
        ({"replications": 2, "seed": 2**63}, "must be below 2"),
    ],
)
def test_bad_counts_are_refused(kwargs, message):
    """Zero replications, no steps or an empty chunk fail before running."""
    with pytest.raises(batch.BatchError, match=message):
        batch.plan(BASELINE, **kwargs)


def test_unknown_parameter_path_names_the_field():
    """A sweep over a field that does not exist fails naming it."""
    design = Design("grid", (Range("mechanisms.arms_race.speed", 0.0, 1.0),))
    with pytest.raises(ScenarioError, match=r"arms_race\.speed"):
        batch.plan(BASELINE, replications=1, design=design)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["batch", "--replications", "0"], "--replications 0"),
        (["sweep", "--param", f"{REACTION}=0.3:0.1"], "lo 0.3 is above hi 0.1"),
        (["sweep", "--param", "mechanisms.arms_race.speed=0:1"], "arms_race.speed"),
        (
            ["sweep", "--design", "lhs", "--param", "state.USA.resolve=0.5:1.5"],
            "error: --param state.USA.resolve=0.5:1.5: 1.5 is above 1.0;",
        ),
        (["batch", "--replications", "2", "--set", "state.XXX.resolve=1"], "XXX"),
    ],
)
def test_cli_bad_input_exits_2_and_writes_nothing(tmp_path, capsys, argv, message):
    """Bad batch or sweep arguments print one error, exit 2, create no folder."""
    out = tmp_path / "out"
    command, *rest = argv
    assert main([command, str(BASELINE), *rest, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and "Traceback" not in err
    assert not out.exists()


def test_cli_batch_and_sweep_write_folders(tmp_path, capsys):
    """`wargame batch` and `wargame sweep` run and say where the output went."""
    out = tmp_path / "b"
    argv = ["batch", str(BASELINE), "--replications", "3", "--steps", "2"]
    assert main([*argv, "--out", str(out)]) == 0
    assert "wrote 1 chunks, skipped 0" in capsys.readouterr().out
    assert batch.load(out).manifest["replications"] == 3
    sweep = tmp_path / "s"
    argv = ["sweep", str(BASELINE), "--param", f"{REACTION}=0.1:0.2"]
    argv += ["--design", "sobol", "--samples", "4", "--replications", "1"]
    assert main([*argv, "--steps", "1", "--out", str(sweep)]) == 0
    assert len(batch.load(sweep).outcomes) == 4


def wait_for_chunks(out, count: int, process: subprocess.Popen) -> int:
    """Wait until at least ``count`` chunks are written; return how many are."""
    deadline = time.monotonic() + 60
    while len(batch.finished_chunks(out)) < count:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "no chunk written within 60 s"
        time.sleep(0.01)
    return len(batch.finished_chunks(out))


RESUMABLE = ["--replications", "120", "--steps", "10", "--chunk-size", "2"]
"""A batch of 60 small chunks: slow enough to be stopped part way, even when the
test process that sends the signal waits for a core on a busy machine."""
CHUNKS = 60  # chunks of RESUMABLE


def test_killed_batch_resumes_without_losing_or_duplicating_rows(tmp_path):
    """After kill -9, the same command finishes the rest; rows equal a clean run."""
    out = tmp_path / "killed"
    process = wargame("batch", BASELINE, *RESUMABLE, "--out", out)
    wait_for_chunks(out, 3, process)
    process.kill()
    process.communicate()
    finished = len(batch.finished_chunks(out))
    assert finished < CHUNKS, "the batch finished before it could be killed"
    assert main(["batch", str(BASELINE), *RESUMABLE, "--out", str(out)]) == 0
    resumed = batch.load(out)
    clean = run_batch(tmp_path / "clean", replications=120, steps=10, chunk_size=120)
    for table in TABLES:
        pd.testing.assert_frame_equal(
            getattr(resumed, table), getattr(clean, table), check_exact=True
        )


def test_ctrl_c_stops_cleanly_and_says_how_to_resume(tmp_path):
    """SIGINT exits 130 with a resume hint and no traceback; a re-run completes."""
    out = tmp_path / "stopped"
    process = wargame("batch", BASELINE, *RESUMABLE, "--out", out)
    wait_for_chunks(out, 2, process)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "run the same command again to resume" in err and "Traceback" not in err
    stopped = len(batch.finished_chunks(out))
    assert 2 <= stopped < CHUNKS
    manifest = json.loads((out / "manifest.json").read_text())
    assert batch.load(out).missing_chunks == manifest["chunks"] - stopped
    assert main(["batch", str(BASELINE), *RESUMABLE, "--out", str(out)]) == 0
    assert batch.load(out).missing_chunks == 0


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (read from Linux's /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rpartition(")")[2].split()[1])
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
        if parent == pid:
            found.append(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    """Whether a process runs (exists and is not a zombie waiting to be reaped)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_sigterm_stops_the_workers_and_a_rerun_resumes(tmp_path):
    """``kill`` stops a sweep on processes as Ctrl-C does: exit 143, no process left."""
    argv = ["sweep", BASELINE, "--param", f"{REACTION}=0.1:0.3:2"]
    argv += ["--replications", "16", "--steps", "4", "--chunk-size", "1"]
    out = tmp_path / "stopped"
    process = wargame(*argv, "--processes", "2", "--out", out)
    wait_for_chunks(out, 1, process)
    started = children(process.pid)  # two workers and the resource tracker
    assert len(started) >= 2
    process.send_signal(signal.SIGTERM)
    try:
        assert process.wait(timeout=60) == 143  # not -15: it did not just die
        deadline = time.monotonic() + 10
        while any(alive(pid) for pid in started) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [pid for pid in started if alive(pid)]
    finally:  # workers left running would hold the pipes open: stop them
        for pid in filter(alive, started):
            os.kill(pid, signal.SIGKILL)
    _, err = process.communicate()
    assert err.startswith("terminated: stopped with ") and "Traceback" not in err
    assert "run the same command again to resume" in err
    assert not (out / ".lock").exists()
    assert len(batch.finished_chunks(out)) < 32, "finished before it was stopped"
    assert main([*map(str, argv), "--out", str(out)]) == 0
    assert main([*map(str, argv), "--out", str(tmp_path / "clean")]) == 0
    resumed, clean = batch.load(out), batch.load(tmp_path / "clean")
    for table in TABLES:
        pd.testing.assert_frame_equal(
            getattr(resumed, table), getattr(clean, table), check_exact=True
        )


def test_an_alliance_set_by_its_id_and_swept_by_its_name_is_refused(tmp_path, capsys):
    """The swept value would silently win over the set one, under the set label."""
    name = (
        "alliance.Treaty of Mutual Cooperation and Security between the United "
        "States and Japan (1960 revision).strength"
    )
    argv = ["sweep", str(BASELINE), "--replications", "2", "--steps", "2"]
    argv += ["--set", "alliance.US-JPN.strength=0.9", "--param", f"{name}=0:1:2"]
    line = refused_untouched([*argv, "--out", str(tmp_path / "out")], tmp_path, capsys)
    assert line == (
        f"error: --param {name}=0:1:2: the same field as alliance.US-JPN.strength; "
        "give one"
    )


def test_a_field_both_set_and_varied_is_refused():
    """A setting the design varies too would be silently overridden: refused."""
    design = Design("grid", (Range(REACTION, 0.1, 0.2, 2),))
    with pytest.raises(batch.BatchError, match=f"settings {REACTION}: the design") as e:
        batch.plan(BASELINE, replications=1, settings={REACTION: 0.3}, design=design)
    assert e.value.field == "settings"


@pytest.mark.parametrize(
    ("setting", "argument"),
    [("scenario.steps", {"steps": 10}), ("scenario.seed", {"seed": 7})],
)
def test_a_setting_the_batch_argument_contradicts_is_refused(setting, argument):
    """``scenario.steps=20`` set and ``steps=10`` given: one would win in silence."""
    with pytest.raises(batch.BatchError) as refused:
        batch.plan(BASELINE, replications=1, settings={setting: 20}, **argument)
    ((name, value),) = argument.items()
    assert str(refused.value) == f"settings {setting}=20 and {name}={value}: give one"
    assert refused.value.field == "settings"
    agreeing = batch.plan(
        BASELINE, replications=1, settings={setting: value}, **argument
    )
    assert getattr(agreeing, name) == value
