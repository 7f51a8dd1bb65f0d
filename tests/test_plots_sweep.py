"""Sweep figures: the means and intervals drawn, and what they refuse to draw."""

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import QuadMesh

from sim import plots
from sim.cli import main
from sim.plots.titles import point_text
from sim.results import ResultsError, open_results
from sim.summary import summarise


@pytest.fixture
def grid() -> pd.DataFrame:
    """A 2 x 3 grid of points, 4 replications each, war in a known pattern."""
    rows = []
    for point, (b, a) in enumerate((b, a) for b in (0.1, 0.9) for a in (1.0, 2.0, 3.0)):
        wars = int(a) - (1 if b < 0.5 else 0)  # 0..3 wars of 4
        for r in range(4):
            rows.append(
                {
                    "point": point,
                    "replication": r,
                    "a": a,
                    "b": b,
                    "war_onset": float(r < wars),
                }
            )
    return pd.DataFrame(rows)


def _ys(line) -> list[float]:
    return np.asarray(line.get_ydata(), dtype=float).tolist()


def test_one_line_pools_the_other_field_and_says_so(grid):
    """Pooled over b, the line holds the mean at each a; the title names b."""
    ax = plots.sweep_outcomes(grid, "a", years=5, varied=["a", "b"]).axes[0]
    assert _ys(ax.get_lines()[0]) == [0.125, 0.375, 0.625]
    assert ax.get_ylabel() == "probability of war within 5 years"
    assert "pooled over b" in ax.get_title()


def test_one_line_per_value_of_the_second_field(grid):
    """With by, each line holds its group's means, with Wilson intervals."""
    ax = plots.sweep_outcomes(grid, "a", by="b", varied=["a", "b"]).axes[0]
    assert [c.get_label() for c in ax.containers] == ["0.1", "0.9"]
    lines = [container.lines[0] for container in ax.containers]
    assert [_ys(line) for line in lines] == [[0.0, 0.25, 0.5], [0.25, 0.5, 0.75]]
    expected = summarise(grid, by=["b", "a"], names=["war_onset"])
    bars = ax.containers[0].lines[2][0].get_segments()  # the first line's bars
    np.testing.assert_allclose(
        [segment[:, 1] for segment in bars],
        expected[expected["b"] == 0.1][["lower", "upper"]].to_numpy(),
    )
    assert "pooled" not in ax.get_title()


def test_too_many_lines_are_refused(grid):
    """More values of by than a reader can tell apart is an error naming by."""
    many = grid.assign(b=grid["replication"] + grid["point"] * 10.0)
    with pytest.raises(ValueError, match="by b: 24 values") as raised:
        plots.sweep_outcomes(many, "a", by="b")
    assert raised.value.field == "by"


def test_heatmap_cells_are_the_means(grid):
    """Each cell is colored by its mean, rows by b, columns by a."""
    ax = plots.sweep_heatmap(grid, "a", "b", years=5).axes[0]
    mesh = next(c for c in ax.collections if isinstance(c, QuadMesh))
    np.testing.assert_allclose(
        np.asarray(mesh.get_array()).reshape(2, 3),
        [[0.0, 0.25, 0.5], [0.25, 0.5, 0.75]],
    )
    assert "0.75\n[0.301, 0.954]" in [t.get_text() for t in ax.texts]


def test_heatmap_cells_read_as_the_summary_tables():
    """Cell labels carry 3 significant digits, as the summary tables do.

    Means 28.5 to 29.25 crises: at 2 digits they all read 28 or 29; the first
    cell's t interval is 28.5 +- 3.18 * 0.577 / 2 = [27.6, 29.4].
    """
    counts = {(1.0, 0.1): [28, 29, 28, 29], (2.0, 0.1): [28, 29, 29, 29]}
    counts |= {(1.0, 0.9): [29] * 4, (2.0, 0.9): [29, 29, 29, 30]}
    rows = [
        {"point": point, "replication": r, "a": a, "b": b, "crises": float(count)}
        for point, ((a, b), values) in enumerate(counts.items())
        for r, count in enumerate(values)
    ]
    ax = plots.sweep_heatmap(pd.DataFrame(rows), "a", "b", outcome="crises").axes[0]
    texts = [t.get_text() for t in ax.texts]
    assert [t.split("\n")[0] for t in texts] == ["28.5", "28.8", "29", "29.2"]
    assert texts[0] == "28.5\n[27.6, 29.4]"


def test_alliance_fields_are_named_by_their_alliance(grid):
    """``alliance.ID.FIELD`` reads ``ID FIELD`` on every sweep figure.

    Two alliances' strengths must not both read "strength".
    """
    fields = {"a": "alliance.US-TWN.strength", "b": "alliance.US-JPN.strength"}
    sweep = grid.rename(columns=fields)
    x, y = fields.values()
    heat = plots.sweep_heatmap(sweep, x, y).axes[0]
    assert (heat.get_xlabel(), heat.get_ylabel()) == (
        "US-TWN strength",
        "US-JPN strength",
    )
    assert "over US-TWN strength and US-JPN strength" in heat.get_title()
    lines = plots.sweep_outcomes(sweep, x, by=y).axes[0]
    assert lines.get_legend().get_title().get_text() == "US-JPN strength"
    assert point_text({x: 0.0, y: 1.0}) == "US-TWN strength = 0, US-JPN strength = 1"


def test_heatmap_of_scattered_points_is_refused(grid):
    """Points that are not a grid cannot make a heatmap, and it says why."""
    scattered = grid.assign(a=grid["point"] * 1.0)
    with pytest.raises(ValueError, match="needs every combination"):
        plots.sweep_heatmap(scattered, "a", "b")


@pytest.fixture(scope="module")
def two_field_sweep(results_folders, tmp_path_factory):
    """A 2 x 2 grid sweep of the triad."""
    out = tmp_path_factory.mktemp("sweep2") / "sweep"
    args = [
        "sweep", str(results_folders / "triad.toml"), "--replications", "6",
        "--steps", "8", "--param", "mechanisms.escalation.war_cost=0.2:1.0:2",
        "--param", "state.RED.resolve=0.3:0.9:2", "--out", str(out),
    ]  # fmt: skip
    assert main(args) == 0
    return open_results(out)


def test_one_point_figures_of_a_sweep_need_the_point(two_field_sweep):
    """Escalation on a sweep without --point is refused; with it, titled."""
    with pytest.raises(ResultsError, match="name the point"):
        plots.draw(two_field_sweep, "escalation")
    fig = plots.draw(two_field_sweep, "escalation", point=3)
    title = fig.get_suptitle()
    assert "triad | 8 steps, 2 years | point 3:" in title
    assert "war cost (escalation) = 1" in title and "RED resolve = 0.9" in title


def test_sweep_of_two_fields_draws_a_line_per_value(two_field_sweep):
    """On a two-field grid the default is one line per value of the other."""
    ax = plots.draw(two_field_sweep, "sweep").axes[0]
    assert ax.get_legend().get_title().get_text() == "RED resolve"
    assert "within 2 years" in ax.get_ylabel()
    heat = plots.draw(two_field_sweep, "sweep", style="heatmap").axes[0]
    assert heat.get_ylabel() == "RED resolve"
    with pytest.raises(ResultsError, match=r"by state\.BLUE\.resolve") as raised:
        plots.draw(two_field_sweep, "sweep", by="state.BLUE.resolve")
    assert raised.value.field == "by"


def test_the_first_field_given_is_the_x_axis(results_folders, tmp_path):
    """The default x is the first --param given, not the first in sorted order.

    The manifest stores each point's fields sorted (mechanisms... before
    state...); the figures follow the order of the flags, as the design keeps it.
    """
    out = tmp_path / "sweep"
    args = [
        "sweep", str(results_folders / "triad.toml"), "--replications", "2",
        "--steps", "2", "--param", "state.RED.resolve=0.3:0.9:2",
        "--param", "mechanisms.escalation.war_cost=0.2:1.0:2", "--out", str(out),
    ]  # fmt: skip
    assert main(args) == 0
    results = open_results(out)
    ax = plots.draw(results, "sweep").axes[0]
    assert ax.get_xlabel() == "RED resolve"
    assert ax.get_legend().get_title().get_text() == "war cost (escalation)"
    heat = plots.draw(results, "sweep", style="heatmap").axes[0]
    assert (heat.get_xlabel(), heat.get_ylabel()) == (
        "RED resolve",
        "war cost (escalation)",
    )
    title = plots.draw(results, "escalation", point=1).get_suptitle()
    assert title.endswith("point 1: RED resolve = 0.3, war cost (escalation) = 1")


def test_plot_errors_name_the_flag(two_field_sweep, tmp_path, capsys):
    """The library names the argument; wargame plot names its flag, status 2."""
    folder = str(two_field_sweep.folder)
    for args, start in [
        (
            ["--kind", "sweep", "--by", "state.BLUE.resolve"],
            "error: --by state.BLUE.resolve: the sweep",
        ),
        (["--kind", "escalation"], "error: --point: "),
        (["--kind", "escalation", "--point", "9"], "error: --point 9: "),
    ]:
        out = tmp_path / "figure.png"
        assert main(["plot", folder, *args, "--out", str(out)]) == 2
        assert capsys.readouterr().err.startswith(start)
        assert not out.exists()


def test_sweep_prints_and_summary_writes_intervals(two_field_sweep, tmp_path, capsys):
    """The sweep printed its summary; wargame summary writes the same numbers."""
    out = tmp_path / "summary"
    folder = str(two_field_sweep.folder)
    assert main(["summary", folder, "--outcome", "peak_rung", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    table = pd.read_csv(out / "summary.csv")
    outcomes = two_field_sweep.table("outcomes")
    means = outcomes.groupby("point")["peak_rung"].mean().to_numpy()
    np.testing.assert_allclose(table["mean"], means)
    assert f"{means[0]:.3g} [" in printed
    assert (out / "summary.tex").read_text().count(r"\\") >= 5


def test_points_of_a_latin_hypercube_are_not_joined(grid):
    """With the other field different at every point, dots stand alone."""
    scattered = grid.assign(a=grid["point"] * 1.0)  # one point per value of a
    ax = plots.sweep_outcomes(scattered, "a", varied=["a", "b"]).axes[0]
    assert ax.containers[0].lines[0].get_linestyle() == "None"
    assert "dots not joined" in ax.get_title()
    pooled = plots.sweep_outcomes(grid, "a", varied=["a", "b"]).axes[0]
    assert pooled.containers[0].lines[0].get_linestyle() == "-"
