"""Scenario discovery with PRIM: the box that holds the outcome is found."""

import numpy as np
import pandas as pd
import pytest

from sim import batch, discovery
from sim.cli import main
from sim.design import Design, parse_range
from sim.experiments import ExperimentError
from tests.conftest import pair_toml


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


def test_cli_discovers_on_a_sweep_folder(write_scenario, tmp_path, capsys):
    """`wargame discover` reads a sweep folder; a plain batch is refused."""
    rare = "[mechanisms.escalation]\ndispute_rate_per_year = 0.2\n"  # incidents decide
    scenario = write_scenario(pair_toml(steps=12, extra=rare))
    design = Design(
        "lhs",
        (parse_range("mechanisms.escalation.incident_rate_per_year=0.0:4.0"),),
        samples=16,
    )
    sweep = batch.plan(scenario, replications=4, design=design)
    batch.run(sweep, tmp_path / "sweep", progress=False)
    out = tmp_path / "boxes"
    args = ["discover", str(tmp_path / "sweep"), "--condition", "crises >= 2"]
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
