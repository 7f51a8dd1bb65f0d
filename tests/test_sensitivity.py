"""Sensitivity analysis: null parameters score zero, dominant ones rank first."""

import io
import json

import pandas as pd
import pytest
from conftest import contents, refused_untouched
from matplotlib.text import Text

from sim import sensitivity
from sim.cli import main
from sim.design import parse_range
from sim.experiments import ExperimentError
from sim.scenario import ScenarioError, bundled_dir

RICHARDSON = bundled_dir() / "richardson_two_state.toml"
RANGES = [
    # Dominant: a standing grievance of up to 400 US$ m/yr moves spending a lot.
    "state.RED.arms_race.grievance_usd_m_per_year=0.0:400.0",
    # Small: reaction to a rival of about 30 US$ m.
    "state.RED.arms_race.reaction_per_year=0.0:0.3",
    # Null: depreciation moves capability, never spending or the burden.
    "mechanisms.arms_race.depreciation_per_year=0.05:0.5",
]


@pytest.mark.parametrize("method", sensitivity.METHODS)
def test_null_parameter_scores_zero_and_dominant_ranks_first(method):
    """Depreciation (no effect on burden) gets ~0; the grievance ranks first."""
    result = sensitivity.analyse(
        RICHARDSON,
        [parse_range(r) for r in RANGES],
        "arms_burden",
        method=method,
        samples=16,
        replications=1,
        steps=8,
    )
    table = result.indices.set_index("param")
    rank = result.ranking_column
    assert result.indices["param"].iloc[0].endswith("grievance_usd_m_per_year")
    null = table.loc["mechanisms.arms_race.depreciation_per_year", rank]
    assert abs(null) < 1e-9
    assert table[rank].max() > 0
    assert len(result.samples) == 16 * (5 if method == "sobol" else 4)


def test_same_seed_same_indices():
    """A seed fixes the sample, the runs and the bootstrap intervals."""
    runs = [
        sensitivity.analyse(
            RICHARDSON,
            [parse_range(r) for r in RANGES[:2]],
            "arms_burden",
            samples=8,
            replications=1,
            steps=4,
            seed=5,
        ).indices
        for _ in range(2)
    ]
    pd.testing.assert_frame_equal(*runs)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"output": "risk"}, ExperimentError, "output 'risk': not an outcome"),
        ({"method": "fast"}, ExperimentError, "method 'fast'"),
        ({"samples": 12}, ExperimentError, "power of two"),
        ({"ranges": ["mechanisms.arms_race.nope=0.0:1.0"]}, ScenarioError, "nope"),
        (
            {"ranges": [RANGES[0], RANGES[0]]},
            ExperimentError,
            r"^ranges state\.RED\.arms_race\.grievance_usd_m_per_year: given more",
        ),
    ],
)
def test_bad_arguments_are_named(kwargs, error, message):
    """Unknown outputs, methods, sample counts and paths fail clearly."""
    args = {"output": "arms_burden", "ranges": RANGES[:1], "samples": 8, **kwargs}
    ranges = [parse_range(r) for r in args.pop("ranges")]
    with pytest.raises(error, match=message):
        sensitivity.analyse(RICHARDSON, ranges, args.pop("output"), steps=2, **args)


@pytest.mark.parametrize("method", sensitivity.METHODS)
def test_an_output_no_parameter_moves_is_refused_with_its_value(method):
    """Depreciation alone never moves the burden: a clear error, not NaN indices."""
    message = r"output arms_burden: \S+ at every one of the \d+ points"
    with pytest.raises(ExperimentError, match=message):
        sensitivity.analyse(
            RICHARDSON,
            [parse_range(RANGES[2])],
            "arms_burden",
            method=method,
            samples=8 if method == "sobol" else 4,
            replications=1,
            steps=4,
        )


def test_cli_names_a_bound_the_field_cannot_take(tmp_path, capsys):
    """A bound outside the field's range is named as typed, before any sample."""
    out = tmp_path / "sens"
    args = ["sensitivity", str(RICHARDSON), "--outcome", "arms_burden"]
    args += ["--param", "state.RED.resolve=-1:1.0", "--out", str(out)]
    assert main(args) == 2
    assert capsys.readouterr().err == (
        "error: --param state.RED.resolve=-1:1.0: -1 is below 0.0; expected a value "
        ">= 0.0\n"
    )
    assert not out.exists()


def test_cli_writes_table_samples_and_chart(tmp_path, capsys):
    """`wargame sensitivity` writes its table and chart; `plot` redraws it."""
    out = tmp_path / "sens"
    args = ["sensitivity", str(RICHARDSON), "--outcome", "arms_burden"]
    args += ["--param", RANGES[0], "--param", RANGES[2], "--method", "morris"]
    args += ["--samples", "4", "--replications", "1", "--steps", "4"]
    assert main([*args, "--out", str(out)]) == 0
    assert "mu_star" in capsys.readouterr().out
    table = pd.read_csv(out / "sensitivity.csv")
    assert set(table["output"]) == {"arms_burden"}
    assert (out / "sensitivity.png").stat().st_size > 0
    assert (
        main(["plot", str(out), "--kind", "sensitivity", "--out", str(out / "b.svg")])
        == 0
    )
    assert (out / "b.svg").read_text().startswith("<?xml")
    assert main(["plot", str(tmp_path), "--kind", "sensitivity"]) == 2
    assert "no sensitivity.csv" in capsys.readouterr().err


def test_a_different_study_into_the_folder_is_refused_untouched(tmp_path, capsys):
    """Another scenario or outcome into a study's folder is refused; the same runs."""
    out = tmp_path / "sens"
    args = ["sensitivity", str(RICHARDSON), "--param", RANGES[0], "--method"]
    args += ["morris", "--samples", "2", "--replications", "1", "--steps", "2"]
    assert main([*args, "--outcome", "arms_burden", "--out", str(out)]) == 0
    written = json.loads((out / "manifest.json").read_text())
    assert written["kind"] == "sensitivity"
    assert written["definition"]["outcome"] == "arms_burden"
    assert written["files"] == ["samples.csv", "sensitivity.csv", "sensitivity.png"]
    before = contents(out)
    other = [args[0], str(bundled_dir() / "baseline_2024.toml"), *args[2:]]
    for argv, differs in (
        ([*args, "--outcome", "peak_rung"], "definition.outcome = arms_burden, "),
        ([*other, "--outcome", "peak_rung"], "scenario = richardson_two_state, "),
    ):
        line = refused_untouched([*argv, "--out", str(out)], out, capsys)
        assert line.startswith(f"error: {out} holds a different sensitivity: its ")
        assert differs in line
    assert main([*args, "--outcome", "arms_burden", "--out", str(out)]) == 0
    assert contents(out).keys() == before.keys()


def test_the_chart_says_what_the_indices_rest_on(tmp_path):
    """Scenario, horizon, method and sample: a 4-sample look is not a result."""
    from sim import plots
    from sim.manifest import read

    out = tmp_path / "sens"
    args = ["sensitivity", str(RICHARDSON), "--outcome", "arms_burden"]
    args += ["--param", RANGES[0], "--param", RANGES[2], "--method", "morris"]
    args += ["--samples", "4", "--replications", "2", "--steps", "4"]
    assert main([*args, "--out", str(out)]) == 0
    title = plots.sensitivity_title(read(out))
    assert title == (
        "richardson_two_state, 4 steps: Morris indices, 4 samples, "
        "2 replications per point"
    )
    indices = pd.read_csv(out / "sensitivity.csv")
    chart = plots.sensitivity_bars(indices, "arms_burden", title)
    chart.savefig(io.BytesIO(), format="png", dpi=120)  # lays the figure out
    assert chart.get_suptitle() == title
    (text,) = [t for t in chart.findobj(Text) if t.get_text() == title]
    extent = text.get_window_extent()
    assert extent.x0 >= 0 and extent.x1 <= chart.bbox.width
