"""Scenario discovery with PRIM: the box that holds the outcome is found."""

import json

import numpy as np
import pandas as pd
import pytest

from sim import batch, discovery
from sim.cli import main
from sim.design import Design, parse_range
from sim.experiments import ExperimentError
from tests.conftest import contents, one_error_line, pair_toml, refused_untouched


def synthetic_results(n: int = 600) -> batch.Results:
    """Runs over a, b, c in [0, 1] where the outcome is 1 iff a > 0.7 and b < 0.4."""
    rng = np.random.default_rng(0)
    x = pd.DataFrame(rng.uniform(0, 1, (n, 3)), columns=["a", "b", "c"])
    points = x.assign(point=np.arange(n))[["point", "a", "b", "c"]]
    hit = ((x["a"] > 0.7) & (x["b"] < 0.4)).astype(float)
    outcomes = points.assign(replication=0, peak_rung=np.where(hit > 0, 4.0, 1.0))
    return batch.Results(
        manifest={},
        points=points,
        model=pd.DataFrame(),
        states=pd.DataFrame(),
        theaters=pd.DataFrame(),
        crises=pd.DataFrame(),
        outcomes=outcomes,
    )


def test_prim_finds_the_box_that_holds_the_outcome():
    """The first box limits a from below near 0.7 and b from above near 0.4."""
    found = discovery.discover(synthetic_results(), "peak_rung >= 4", max_boxes=1)
    box = found.boxes.iloc[0]
    assert box["density"] > 0.95 and box["coverage"] > 0.8
    limits = found.limits.set_index("param")
    assert set(limits.index) == {"a", "b"}
    assert limits.loc["a", "min"] == pytest.approx(0.7, abs=0.05)
    assert limits.loc["b", "max"] == pytest.approx(0.4, abs=0.05)
    assert "coverage" in found.summary() and "density" in found.summary()


@pytest.mark.parametrize(
    ("outcome", "message"),
    [
        ("risk >= 4", "condition 'risk': not an outcome; outcomes: peak_rung"),
        ("peak_rung >= 9", "holds in 0 of 600 runs"),
        ("peak_rung >>= 4", "expected NAME OP NUMBER"),
    ],
)
def test_bad_outcomes_are_named(outcome, message):
    """An outcome naming no output column, never met, or malformed: clear error."""
    with pytest.raises(ExperimentError, match=message):
        discovery.discover(synthetic_results(), outcome)


@pytest.fixture
def scenario(write_scenario):
    """A pair whose crises come from incidents, whose rate a sweep varies."""
    rare = "[mechanisms.escalation]\ndispute_rate_per_year = 0.2\n"  # incidents decide
    return write_scenario(pair_toml(steps=12, extra=rare))


@pytest.fixture
def sweep(scenario, tmp_path):
    """The folder of a 16-point sweep of the incident rate, 4 replications each."""
    design = Design(
        "lhs",
        (parse_range("mechanisms.escalation.incident_rate_per_year=0.0:4.0"),),
        samples=16,
    )
    sweep = batch.plan(scenario, replications=4, design=design)
    batch.run(sweep, tmp_path / "sweep", progress=False)
    return tmp_path / "sweep"


def test_cli_discovers_on_a_sweep_folder(scenario, sweep, tmp_path, capsys):
    """`wargame discover` reads a sweep folder; a plain batch is refused."""
    out = tmp_path / "boxes"
    args = ["discover", str(sweep), "--condition", "crises >= 2"]
    assert main([*args, "--out", str(out)]) == 0
    assert "box 1: coverage" in capsys.readouterr().out
    assert list(pd.read_csv(out / "boxes.csv").columns)[:3] == [
        "box",
        "coverage",
        "density",
    ]
    plain = batch.plan(scenario, replications=2)
    batch.run(plain, tmp_path / "plain", progress=False)
    assert (
        main(["discover", str(tmp_path / "plain"), "--condition", "crises >= 1"]) == 2
    )
    assert "vary no parameter" in capsys.readouterr().err


def test_discover_claims_its_folder_and_refuses_any_other(sweep, tmp_path, capsys):
    """Boxes go to a folder with a manifest of the sweep read; not into the sweep.

    Another condition into that folder is refused untouched; report names it.
    """
    args = ["discover", str(sweep), "--condition", "crises >= 2"]
    assert refused_untouched([*args, "--out", str(sweep)], sweep, capsys).startswith(
        f"error: {sweep} holds the output of `wargame sweep`; a discover there "
        "would replace its manifest.json and lose the sweep: "
    )
    out = tmp_path / "boxes"
    assert main([*args, "--out", str(out)]) == 0
    written = json.loads((out / "manifest.json").read_text())
    read = json.loads((sweep / "manifest.json").read_text())
    assert written["kind"] == "discover" and written["files"] == [
        "boxes.csv",
        "limits.csv",
    ]
    assert [written[key] for key in ("scenario_hash", "seed", "steps")] == [
        read[key] for key in ("scenario_hash", "seed", "steps")
    ]
    assert written["replications"] == 4
    assert written["definition"]["condition"] == "crises >= 2"
    before = contents(out)
    capsys.readouterr()
    assert main([*args[:-1], "crises >= 3", "--out", str(out)]) == 2
    assert (
        f"error: {out} holds a different discover: its manifest.json has "
        "definition.condition = crises >= 2, this command crises >= 3;"
    ) in one_error_line(capsys)
    assert main(["report", str(out)]) == 2
    assert one_error_line(capsys).startswith(
        f"error: {out} holds the output of `wargame discover` (pair, seed "
    )
    assert contents(out) == before
    assert main([*args, "--out", str(out)]) == 0  # the same boxes again
