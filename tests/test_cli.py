"""The ``wargame`` command: run, validate, list; bad input fails cleanly."""

import json
import subprocess
import sys

import pandas as pd
import pytest

from sim.cli import main
from sim.scenario import bundled_dir
from tests.conftest import contents, one_error_line, pair_toml, refused_untouched

BASELINE = bundled_dir() / "baseline_2024.toml"


def wargame(*args: str, cwd=None) -> subprocess.CompletedProcess:
    """Run the command line in a fresh interpreter, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "sim.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )


def test_run_writes_trajectories_outcomes_and_manifest(tmp_path, capsys):
    """A run writes model, per-state and outcome tables plus a manifest."""
    out = tmp_path / "run"
    assert (
        main(["run", str(BASELINE), "--steps", "4", "--seed", "2", "--out", str(out)])
        == 0
    )
    printed = capsys.readouterr().out
    assert "arms_growth_cagr" in printed
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 2 and manifest["steps"] == 4
    assert len(manifest["scenario_hash"]) == 64
    model = pd.read_csv(out / "model.csv")
    assert list(model["step"]) == [0, 1, 2, 3, 4]
    states = pd.read_csv(out / "states.csv")
    assert len(states) == 5 * 17
    assert len(pd.read_csv(out / "outcomes.csv")) == 1


def test_same_seed_writes_identical_tables(tmp_path):
    """Two runs with one seed write byte-identical tables."""
    for name in ("a", "b"):
        main(["run", str(BASELINE), "--steps", "3", "--out", str(tmp_path / name)])
    for table in ("model.csv", "states.csv", "outcomes.csv"):
        assert (tmp_path / "a" / table).read_bytes() == (
            tmp_path / "b" / table
        ).read_bytes()


def test_run_writes_parquet_when_asked(tmp_path):
    """--format parquet writes Parquet tables that read back the same."""
    out = tmp_path / "pq"
    main(
        ["run", str(BASELINE), "--steps", "2", "--format", "parquet", "--out", str(out)]
    )
    assert len(pd.read_parquet(out / "model.parquet")) == 3


def test_bad_scenario_exits_2_without_traceback_and_writes_nothing(
    write_scenario, tmp_path
):
    """A bad file: one line per problem on stderr, status 2, no output folder."""
    bad = write_scenario(
        pair_toml().replace("milex_usd_m = 100.0", "milex_usd_m = -1.0")
    )
    out = tmp_path / "never"
    result = wargame("run", str(bad), "--out", str(out))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "state[RED].milex_usd_m: -1.0 is below 0" in result.stderr
    assert not out.exists()


def test_validate_reports_each_file(write_scenario):
    """The validate command prints ok for good files and the problems of bad ones."""
    good = write_scenario(pair_toml(), "good.toml")
    bad = write_scenario(
        pair_toml().replace('theater = "border"', 'theater = "sea"'), "bad.toml"
    )
    result = wargame("validate", str(good), str(bad))
    assert result.returncode == 2
    assert "ok: " in result.stdout and "good.toml" in result.stdout
    assert "bad.toml: dispute[0].theater: 'sea' is not one of: border" in result.stderr


def test_validate_goes_on_past_a_step_of_zero_years(tmp_path, capsys):
    """``dt_years = 0`` in a file with dated events is one line; later files are read.

    The events' years are not then placed in steps (a division by the step).
    """
    zero = tmp_path / "zero.toml"
    zero.write_text(BASELINE.read_text().replace("dt_years = 0.25", "dt_years = 0"))
    assert main(["validate", str(zero), str(BASELINE)]) == 2
    printed = capsys.readouterr()
    assert printed.err == (
        "error: zero.toml: scenario.dt_years: 0 is below 1e-06; expected a value "
        ">= 1e-06\n"
    )
    assert f"ok: {BASELINE}" in printed.out


def test_list_shows_bundled_scenarios_with_descriptions(capsys):
    """The list command names every bundled scenario file with its description."""
    assert main(["list"]) == 0
    printed = capsys.readouterr().out
    assert "baseline_2024.toml" in printed
    assert "richardson_two_state.toml" in printed


def test_a_bundled_file_name_as_listed_runs_from_any_folder(tmp_path, monkeypatch):
    """``wargame run richardson_two_state.toml`` with no such file here: the bundled."""
    monkeypatch.chdir(tmp_path)
    assert main(["run", "richardson_two_state.toml", "--steps", "2", "--out", "r"]) == 0
    assert (tmp_path / "r" / "manifest.json").exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["run", str(BASELINE)],
        ["batch", str(BASELINE), "--replications", "2"],
        ["compare", str(BASELINE), "quad_aukus", "--replications", "2"],
    ],
)
@pytest.mark.parametrize("steps", ["0", "-1"])
def test_fewer_than_one_step_is_a_usage_error(argv, steps, tmp_path, capsys):
    """--steps 0 is refused as a scenario's steps = 0 is: no outcome over no time.

    A growth rate or a share of time over no time is undefined, not 0.
    """
    out = tmp_path / "out"
    assert main([*argv, "--steps", steps, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: --steps {steps}: must be ") and ">= 1" in err
    assert not out.exists()


def test_import_loads_no_heavy_library():
    """``import sim.cli`` (what --help and --version pay) loads no numerical stack."""
    heavy = ("matplotlib", "scipy", "pandas", "mesa", "dask", "optuna", "numpy")
    probe = (
        "import sys, sim.cli; "
        f"print(' '.join(m for m in {heavy!r} if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_help_lists_every_command():
    """``wargame --help`` names each command, in a fresh interpreter."""
    result = wargame("--help")
    assert result.returncode == 0
    for name in ("run", "batch", "sweep", "calibrate", "tune", "plot", "debrief"):
        assert f"    {name}" in result.stdout


def test_command_help_shows_its_options():
    """A command's own help lists its options, built only when asked for."""
    result = wargame("sweep", "--help")
    assert result.returncode == 0
    assert "--param PATH=LO:HI[:N]" in result.stdout


def test_unwritable_output_is_one_line_and_status_74(tmp_path):
    """An --out under a regular file: one line naming the path, status 74."""
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = wargame("run", str(BASELINE), "--steps", "1", "--out", str(blocker / "o"))
    assert result.returncode == 74
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        f"error: {blocker / 'o'}: cannot be created, {blocker} is a file"
    ]


def test_closed_pipe_is_quiet_with_status_141():
    """``wargame list | head -0``: no BrokenPipeError, status 141."""
    with subprocess.Popen(
        [sys.executable, "-m", "sim.cli", "list"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as process:
        process.stdout.close()  # the reader goes away before the command writes
        errors = process.stderr.read()
    assert process.returncode == 141
    assert errors == b""


def test_missing_extra_names_the_extra(tmp_path):
    """A command whose optional library is absent says which extra installs it."""
    probe = (
        "import sys; sys.modules['optuna'] = None; from sim.cli import main; "
        "sys.exit(main(sys.argv[1:]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, "tune", str(BASELINE), "--outcome",
         "peak_rung", "--param", "scenario.steps=1:2", "--out", str(tmp_path)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 3
    assert "pip install 'apwargame[analysis]'" in result.stderr
    assert "Traceback" not in result.stderr


def test_bundled_scenario_by_name_from_another_folder(tmp_path):
    """``wargame run baseline_2024`` finds the bundled file from any folder."""
    result = wargame("run", "baseline_2024", "--steps", "1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "results" / "baseline_2024" / "manifest.json").exists()


def test_every_option_of_every_command_has_help():
    """No command has an option without help text (argparse's -h aside)."""
    from sim.cli import COMMANDS, _parser

    for name in COMMANDS:
        parser = _parser(name)
        sub = parser._subparsers._group_actions[0].choices[name]
        bare = [
            a.option_strings or [a.dest]
            for a in sub._actions
            if not a.help and a.dest != "help"
        ]
        assert bare == [], f"wargame {name}: no help for {bare}"


def test_library_field_is_named_as_the_flag(tmp_path, capsys):
    """A library error about `ranges` reaches the user as one about --param.

    It names the range that carries the suffix.
    """
    args = ["sensitivity", str(BASELINE), "--outcome", "crises"]
    args += ["--param", "scenario.steps=1:2:3", "--out", str(tmp_path)]
    assert main(args) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: --param: scenario.steps=1:2:3: the :n suffix")


@pytest.mark.parametrize("command", ["batch", "compare"])
def test_a_bad_set_is_named_as_the_flag(command, tmp_path, capsys):
    """``--set war_cost`` (no value) is an error about --set, with nothing written."""
    out = tmp_path / "out"
    args = [command, str(BASELINE), "--set", "war_cost", "--out", str(out)]
    args += ["--replications", "2"]
    if command == "compare":
        args += ["--vary", "mechanisms.escalation.war_cost=0.6,0.3"]
    assert main(args) == 2
    assert capsys.readouterr().err == "error: --set 'war_cost': expected path=value\n"
    assert not out.exists()


def test_help_prints_a_percent_sign_once():
    """A command's help and ``wargame --help`` print 95%, never 95%%."""
    for argv in (["summary", "--help"], ["--help"]):
        result = wargame(*argv)
        assert result.returncode == 0
        assert "a 95% interval" in result.stdout
        assert "%%" not in result.stdout


@pytest.mark.parametrize("command", ["batch", "sweep"])
def test_run_refuses_a_batch_folder_and_keeps_the_batch(
    command, write_scenario, tmp_path, capsys
):
    """``run --out`` a batch's or sweep's folder: status 2, one line, batch intact."""
    from sim import batch

    scenario = str(write_scenario(pair_toml()))
    out = tmp_path / "b"
    argv = [command, scenario, "--replications", "2", "--steps", "2"]
    if command == "sweep":
        argv += ["--param", "mechanisms.escalation.war_cost=0.2:1.0:2"]
    assert main([*argv, "--out", str(out)]) == 0
    line = refused_untouched(
        ["run", scenario, "--steps", "1", "--out", str(out)], out, capsys
    )
    assert line.startswith(f"error: {out} holds the output of `wargame {command}`")
    assert "choose another output folder (--out), or delete the folder" in line
    assert batch.load(out).missing_chunks == 0
    assert main([*argv, "--out", str(out)]) == 0  # resumes: nothing to do


def test_run_refuses_a_different_run_and_rewrites_the_same(
    write_scenario, tmp_path, capsys
):
    """A run's folder takes the same run again, and refuses another, untouched."""
    scenario = str(write_scenario(pair_toml()))
    out = tmp_path / "r"
    first = ["run", scenario, "--steps", "2", "--seed", "1", "--out", str(out)]
    assert main(first) == 0
    before = contents(out)
    for flags, differs in (
        (["--seed", "2"], "seed = 1, this command 2"),
        (["--steps", "3"], "steps = 2, this command 3"),
        (["--replication", "4"], "replication = 0, this command 4"),
        (["--format", "parquet"], "files = *.csv, this command *.parquet"),
    ):
        capsys.readouterr()
        argv = [*first, *flags]
        assert main(argv) == 2, flags
        line = one_error_line(capsys)
        assert line == (
            f"error: {out} holds a different run: its manifest.json has {differs}; "
            "choose another output folder (--out), or delete the folder to start over"
        )
        assert contents(out) == before
    assert main(first) == 0  # the same run: the same files again
    written = json.loads((out / "manifest.json").read_text())
    other_code = {**written, "code": "0" * 64}  # a run rewrites every file
    (out / "manifest.json").write_text(json.dumps(other_code))
    assert main(first) == 0
    assert json.loads((out / "manifest.json").read_text())["code"] == written["code"]
    assert {k: v for k, v in contents(out).items() if k != "manifest.json"} == {
        k: v for k, v in before.items() if k != "manifest.json"
    }


def test_run_refuses_a_folder_of_other_files(write_scenario, tmp_path, capsys):
    """A folder without a manifest holding other files is not a run's: refused."""
    scenario = str(write_scenario(pair_toml()))
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert main(["run", scenario, "--steps", "1", "--out", str(out)]) == 2
    assert "does not hold a run (no manifest.json; it holds notes.txt)" in (
        one_error_line(capsys)
    )
    assert contents(out) == {"notes.txt": b"mine"}


def test_run_finishes_an_unfinished_run(write_scenario, tmp_path):
    """Tables without a manifest (a run stopped while writing) are rewritten."""
    scenario = str(write_scenario(pair_toml()))
    out = tmp_path / "r"
    argv = ["run", scenario, "--steps", "1", "--out", str(out)]
    assert main(argv) == 0
    (out / "manifest.json").unlink()
    (out / "outcomes.csv").unlink()
    assert main(argv) == 0
    assert (out / "manifest.json").exists() and (out / "outcomes.csv").exists()


def test_a_different_sweep_names_both_values(write_scenario, tmp_path, capsys):
    """A sweep into a folder of another grid shows the values that differ."""
    scenario = str(write_scenario(pair_toml()))
    out = tmp_path / "s"
    argv = ["sweep", scenario, "--replications", "1", "--steps", "1"]
    argv += ["--out", str(out), "--param"]
    assert main([*argv, "mechanisms.escalation.war_cost=0.2:1.0:2"]) == 0
    capsys.readouterr()
    assert main([*argv, "mechanisms.escalation.war_cost=0.2:1.0:3"]) == 2
    assert one_error_line(capsys) == (
        f"error: {out} holds a different batch: its manifest.json has "
        "design.ranges[0].n = 2, this command 3; choose another output folder, "
        "or delete the folder to start over"
    )


SWEEP = ["--param", "mechanisms.escalation.war_cost=0.2:1.0:2"]


@pytest.mark.parametrize("command", ["batch", "sweep"])
def test_a_figure_needing_state_series_gives_a_command_that_works(
    command, write_scenario, tmp_path, capsys
):
    """``plot --kind arms`` of a batch without --state-series names a command.

    It is the folder's own (batch or sweep), with --state-series and a new
    folder; run as given, it writes what the figure needs.
    """
    import shlex

    scenario = str(write_scenario(pair_toml()))
    out = tmp_path / "b"
    argv = [command, scenario, "--replications", "2", "--steps", "2"]
    argv += [*(SWEEP if command == "sweep" else []), "--set", "scenario.seed=3"]
    assert main([*argv, "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["plot", str(out), "--kind", "arms", "--point", "0"]) == 2
    line = one_error_line(capsys)
    advice = f"new folder: wargame {command} {scenario} "
    assert f"error: {out}: the {command} recorded no per-state series" in line
    assert advice in line and line.endswith(f"--state-series --out {out}-states")
    words = shlex.split(line.partition("new folder: ")[2])
    assert main(words[1:]) == 0
    manifest = json.loads((tmp_path / "b-states" / "manifest.json").read_text())
    assert manifest["state_series"] is True
    assert manifest["settings"] == {"scenario.seed": 3}
    assert main(["plot", f"{out}-states", "--kind", "arms", "--point", "0"]) == 0


def test_report_and_repair_of_a_sweep_name_sweep(write_scenario, tmp_path, capsys):
    """A sweep's folder is never sent to ``wargame batch``.

    The report's note and the repair of a missing chunk give the sweep's own
    command line, which works as given.
    """
    import shlex
    import shutil

    scenario = str(write_scenario(pair_toml()))
    out = tmp_path / "s"
    argv = ["sweep", scenario, "--replications", "2", "--steps", "2", *SWEEP]
    assert main([*argv, "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["report", str(out)]) == 0
    note = next(n for n in capsys.readouterr().err.splitlines() if "arms" in n)
    assert f"new folder: wargame sweep {scenario} " in note
    shutil.rmtree(next((out / "chunks").iterdir()))
    assert main(["summary", str(out)]) == 2
    line = one_error_line(capsys)
    assert f"rerun `wargame sweep {scenario} " in line
    words = shlex.split(line.partition("rerun `")[2].partition("`")[0])
    assert main(words[1:]) == 0
    assert "wrote 1 chunks, skipped 1" in capsys.readouterr().out


RANGE = "mechanisms.escalation.war_cost=0.2:1.0"
WAR_COST = "mechanisms.escalation.war_cost"
CALIBRATE = ["calibrate", "--data", "none.csv", "--window", "2000:2001"]
SMALL = {
    "batch": ["--steps", "1"],
    "sweep": ["--replications", "1", "--steps", "1"],
    "tune": ["--trials", "1", "--replications", "1", "--steps", "1"],
    "sensitivity": [
        *("--method", "morris", "--samples", "2"),
        *("--replications", "1", "--steps", "1"),
    ],
    "calibrate": [],
}


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (
            ["batch", "--replications", "2", "--processes", "0"],
            "--processes 0: must be at least 1",
        ),
        (
            ["tune", "--outcome", "crises", "--param", RANGE + ":3"],
            f"--param {RANGE}:3: the :N suffix sets the values of a grid (sweep); "
            "tune takes LO:HI only",
        ),
        (
            [*CALIBRATE, "--fit", RANGE + ":3"],
            f"--fit {RANGE}:3: the :N suffix sets the values of a grid (sweep); "
            "calibrate takes LO:HI only",
        ),
        (
            ["sweep", "--param", RANGE, "--samples", "4"],
            "--samples 4: applies to --design lhs or sobol only; a grid has N "
            "values per --param PATH=LO:HI:N",
        ),
        *(
            (
                [command, "--param", RANGE, "--set", f"{WAR_COST}=0.5", *more],
                f"--set {WAR_COST}: --param varies it too; set it or vary it, not both",
            )
            for command, more in (
                ("sweep", []),
                ("sweep", ["--design", "lhs"]),
                ("tune", ["--outcome", "crises"]),
                ("sensitivity", ["--outcome", "crises"]),
            )
        ),
        (
            [*CALIBRATE, "--fit", RANGE, "--set", f"{WAR_COST}=0.5"],
            f"--set {WAR_COST}: --fit varies it too; set it or vary it, not both",
        ),
        *(
            (
                [command, "--set", f"scenario.{option}=3", *more],
                f"--set scenario.{option}=3: --{option} "
                f"{1 if option == 'steps' else 2} says otherwise; give one",
            )
            for option in ("steps", "seed")
            for command, more in (
                ("batch", ["--replications", "1", "--seed", "2"]),
                ("sweep", ["--param", RANGE, "--seed", "2"]),
            )
        ),
        *(
            (
                ["sweep", "--param", f"scenario.{option}=2:4:2"],
                f"--param scenario.{option}: every point of a batch runs the "
                f"same {option}; run a batch for each value instead",
            )
            for option in ("steps", "seed")
        ),
    ],
)
def test_options_that_would_be_ignored_are_refused(argv, line, tmp_path, capsys):
    """An option another one would silently override or drop: one line, status 2."""
    out = tmp_path / "out"
    small = SMALL[argv[0]]  # should the refusal go, the command stays quick
    assert main([argv[0], str(BASELINE), *argv[1:], *small, "--out", str(out)]) == 2
    assert one_error_line(capsys) == f"error: {line}"
    assert not out.exists()


def test_processes_without_k_uses_every_core():
    """``--processes`` alone still means as many processes as cores."""
    import os

    from sim.cli import _parser
    from sim.cli.common import executor

    args = _parser("batch").parse_args(["batch", "x.toml", "--replications", "1"])
    assert executor(args) is None
    args = _parser("batch").parse_args(
        ["batch", "x.toml", "--replications", "1", "--processes"]
    )
    assert executor(args).workers == (os.cpu_count() or 1)


MILEX = str(bundled_dir() / "data" / "milex.csv")


@pytest.mark.parametrize(
    ("argv", "start"),
    [
        (
            [
                "batch",
                "--replications",
                "1",
                "--steps",
                "1",
                "--set",
                "state.USA.resolv=0.9",
            ],
            "--set state.USA.resolv=0.9: state[USA] has no field 'resolv'; known: "
            "a2ad, alliances,",
        ),
        (
            [
                "batch",
                "--replications",
                "1",
                "--steps",
                "1",
                "--set",
                "state.XXX.resolve=1",
            ],
            "--set state.XXX.resolve=1: no state 'XXX' (['USA', ",
        ),
        (
            ["batch", "--replications", "1", "--steps", "1", "--set", "state.USA=0.9"],
            "--set state.USA=0.9: names state 'USA', not one of its fields; give "
            "state.USA.FIELD",
        ),
        (
            [
                *("batch", "--replications", "1", "--steps", "1"),
                *("--set", "mechanisms.arms_race=1"),
            ],
            "--set mechanisms.arms_race=1: 1 is not a table",
        ),
        (
            ["sweep", *SMALL["sweep"], "--param", "state.USA.resolve=0:1.5:2"],
            "--param state.USA.resolve=0:1.5:2: 1.5 is above 1.0",
        ),
        (
            [
                *("compare", "--replications", "1", "--steps", "1"),
                *("--vary", "mechanisms.escalation.war_cst=0.5,1"),
            ],
            "--vary mechanisms.escalation.war_cst=0.5,1: mechanisms.escalation has "
            "no field 'war_cst'; known: audience_cost_per_rung,",
        ),
        (
            [
                *("sensitivity", "--outcome", "crises", *SMALL["sensitivity"]),
                *("--param", "state.USA.resolv=0:1"),
            ],
            "--param state.USA.resolv=0:1: state[USA] has no field 'resolv'",
        ),
        (
            [
                *("tune", "--outcome", "crises", "--param", RANGE, *SMALL["tune"]),
                *("--set", "mechanisms.escalaton.perception_noise=0"),
            ],
            "--set mechanisms.escalaton.perception_noise=0: mechanisms.escalaton: is "
            "not a mechanism; known: arms_race,",
        ),
        (
            [
                *("calibrate", "--data", MILEX, "--states", "USA"),
                *("--window", "2000:2001"),
                *("--fit", "mechanisms.arms_race.reaction_per_yar"),
            ],
            "--fit mechanisms.arms_race.reaction_per_yar: not a numeric field",
        ),
    ],
)
def test_a_bad_field_path_names_its_flag_and_the_words_given(
    argv, start, tmp_path, capsys
):
    """A field path given to --set/--param/--vary/--fit that the scenario refuses.

    The one line names the flag and the whole ``PATH=VALUE`` typed, not the
    library's ``override resolv`` (the tail after ``state.USA``) or the scenario
    file (for a mechanism the override made up).
    """
    out = tmp_path / "out"
    assert main([argv[0], str(BASELINE), *argv[1:], "--out", str(out)]) == 2
    assert one_error_line(capsys).startswith(f"error: {start}")
    assert not out.exists()


def test_a_problem_of_the_file_itself_is_not_put_down_to_a_flag(
    write_scenario, tmp_path, capsys
):
    """A misspelt mechanism in the file stays the file's, whatever --set adds to it."""
    bad = write_scenario(pair_toml(extra="[mechanisms.escalaton]\nwar_cost = 1.0"))
    out = tmp_path / "out"
    argv = ["batch", str(bad), "--replications", "1", "--steps", "1"]
    argv += ["--set", "mechanisms.escalaton.war_cost=0.5", "--out", str(out)]
    assert main(argv) == 2
    assert one_error_line(capsys).startswith(
        f"error: {bad.name}: mechanisms.escalaton: is not a mechanism"
    )


def test_an_unknown_outcome_of_a_sweep_figure_is_named_as_the_flag(
    write_scenario, tmp_path, capsys
):
    """``plot --kind sweep --outcome war_onst``: the flag and the outcomes there are.

    Not the chunk file that lacks the column; no figure is written. ``summary``
    says the same.
    """
    scenario = str(write_scenario(pair_toml()))
    out = tmp_path / "s"
    argv = ["sweep", scenario, "--replications", "2", "--steps", "2", *SWEEP]
    assert main([*argv, "--out", str(out)]) == 0
    capsys.readouterr()
    figure = tmp_path / "sweep.png"
    plot = ["plot", str(out), "--kind", "sweep", "--outcome", "war_onst"]
    assert main([*plot, "--out", str(figure)]) == 2
    line = one_error_line(capsys)
    assert line.startswith("error: --outcome war_onst: not an outcome (war_onset, ")
    assert "parquet" not in line and WAR_COST not in line
    assert not figure.exists()
    assert main(["summary", str(out), "--outcome", "war_onst"]) == 2
    assert one_error_line(capsys) == line


def test_an_option_is_not_read_as_a_longer_one_it_begins(tmp_path, capsys):
    """``batch --replication 4`` (``run``'s option) is refused, not --replications."""
    out = tmp_path / "b"
    argv = ["batch", str(BASELINE), "--replications", "1", "--steps", "1"]
    with pytest.raises(SystemExit) as exited:
        main([*argv, "--replication", "4", "--out", str(out)])
    assert exited.value.code == 2
    assert one_error_line(capsys) == (
        "error: wargame batch: unrecognized arguments: --replication 4 "
        "(see wargame batch --help)"
    )
    assert not out.exists()


def _help(command: str, capsys, monkeypatch) -> str:
    """``wargame COMMAND --help`` through main, its words on one line."""
    monkeypatch.setenv("COLUMNS", "100")
    with pytest.raises(SystemExit) as exited:
        main([command, "--help"])
    assert exited.value.code == 0
    return " ".join(capsys.readouterr().out.split())


@pytest.mark.parametrize(
    "command",
    [
        "run", "validate", "batch", "sweep", "calibrate", "backtest",
        "sensitivity", "tune", "compare", "play", "serve",
    ],
)  # fmt: skip
def test_scenario_help_says_a_bundled_name_works(command, capsys, monkeypatch):
    """Every scenario argument takes a bundled scenario's name, and says so."""
    text = _help(command, capsys, monkeypatch)
    if command in ("compare", "validate"):
        assert "scenario files (TOML) or bundled scenarios' names (wargame list)" in (
            text
        )
    else:
        assert "scenario file (TOML) or a bundled scenario's name (wargame list)" in (
            text
        )


def test_every_default_number_of_replications_is_in_the_help(capsys, monkeypatch):
    """``--replications``' help ends with its default wherever it has one (sweep).

    A batch's has none: it says it is required. Calibrate's is None when not
    given (a spending fit refuses it), and says the crisis fit's.
    """
    from sim.calibrate import CRISIS_REPLICATIONS
    from sim.cli import COMMANDS, _parser

    for name in COMMANDS:
        sub = _parser(name)._subparsers._group_actions[0].choices[name]
        found = [a for a in sub._actions if "--replications" in a.option_strings]
        if not found:
            continue
        text = _help(name, capsys, monkeypatch)
        said = text.rpartition("--replications REPLICATIONS ")[2].partition(" --")[0]
        shown = "required" if found[0].required else found[0].default
        if name == "calibrate":
            shown = CRISIS_REPLICATIONS
        assert said.endswith(f"({shown})"), f"wargame {name}: {said!r}"


def test_calibrate_help_says_steps_and_replications_are_for_crises(capsys, monkeypatch):
    """A crisis fit runs the window's years unless --steps; spending runs none."""
    text = _help("calibrate", capsys, monkeypatch)
    assert "--replications REPLICATIONS crises: replications per evaluation (100)" in (
        text
    )
    assert "--steps STEPS crises: steps to run (default: the window's years)" in text


def test_summary_report_and_figures_list_varied_fields_in_the_order_given(
    write_scenario, tmp_path, capsys
):
    """A sweep's fields, listed as its --param flags gave them, everywhere.

    The manifest stores each point's fields sorted (mechanisms... before
    state...); sweep's own summary, ``summary``, ``report`` and the sweep
    figure's refusal all follow the order of the flags instead.
    """
    scenario = str(write_scenario(pair_toml()))
    out = tmp_path / "s"
    resolve = "state.RED.resolve"
    argv = ["sweep", scenario, "--replications", "2", "--steps", "2"]
    argv += ["--param", f"{resolve}=0.3:0.9:2", *SWEEP, "--out", str(out)]
    assert main(argv) == 0
    header = capsys.readouterr().out.splitlines()[2].split()
    assert header[:3] == ["point", "RED.resolve", "escalation.war_cost"]
    both = f"{resolve}, {WAR_COST}"
    assert main(["summary", str(out), "--outcome", "crises"]) == 0
    assert f"| point | {resolve} | {WAR_COST} | n | crises |" in (
        capsys.readouterr().out
    )
    assert main(["summary", str(out), "--by", "x"]) == 2
    assert one_error_line(capsys).endswith(f"(swept: {both})")
    assert main(["plot", str(out), "--kind", "sweep", "--param", "x"]) == 2
    assert one_error_line(capsys).endswith(f"the sweep varied {both}")
    assert main(["report", str(out)]) == 0
    assert both in (out / "report.html").read_text()


def test_a_batch_of_other_code_is_not_resumed(write_scenario, tmp_path, capsys):
    """Chunks written by another version of the code never mix with this one's.

    A folder whose manifest has no ``code`` (written before it was recorded)
    or another is refused, untouched: the package's version number alone does
    not change with each change of the model.
    """
    scenario = str(write_scenario(pair_toml()))
    out = tmp_path / "b"
    argv = ["batch", scenario, "--replications", "2", "--steps", "1"]
    argv += ["--out", str(out)]
    assert main(argv) == 0
    path = out / "manifest.json"
    written = json.loads(path.read_text())
    for code in (None, "0" * 64):
        old = {k: v for k, v in written.items() if k != "code"}
        path.write_text(json.dumps(old if code is None else {**old, "code": code}))
        line = refused_untouched(argv, out, capsys)
        assert line.startswith(f"error: {out} holds a different batch: ")
        assert "code" in line and written["code"][:12] in line


def test_summary_refuses_an_outcome_or_field_given_twice(
    write_scenario, tmp_path, capsys
):
    """``--outcome X --outcome X`` or ``--by F --by F``: one line, nothing written.

    As a sweep refuses a --param given twice; a repeated outcome had written
    summary.csv and then failed on the table, a repeated field failed at once.
    """
    scenario = str(write_scenario(pair_toml()))
    out = tmp_path / "s"
    argv = ["sweep", scenario, "--replications", "2", "--steps", "2", *SWEEP]
    assert main([*argv, "--out", str(out)]) == 0
    summary = ["summary", str(out), "--out", str(tmp_path / "table")]
    twice = ["--outcome", "war_onset", "--outcome", "war_onset"]
    assert refused_untouched([*summary, *twice], tmp_path, capsys) == (
        "error: --outcome war_onset: given more than once"
    )
    twice = ["--by", WAR_COST, "--by", WAR_COST]
    assert refused_untouched([*summary, *twice], tmp_path, capsys) == (
        f"error: --by {WAR_COST}: given more than once"
    )
