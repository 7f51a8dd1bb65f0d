"""Figures: the artists and data they show, their statistics, and ``wargame plot``."""

import io

import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from matplotlib.collections import PolyCollection

from sim import plots
from sim.cli import main
from sim.dynamics.escalation import RUNGS, WAR
from sim.metrics import CLASH
from sim.plots.escalation import first_passage
from sim.plots.style import PALETTE
from sim.results import open_results
from sim.scenario import bundled_dir


@pytest.fixture
def ladder() -> pd.DataFrame:
    """Three replications over four steps, climbing at different times."""
    rungs = {0: [0, 1, 2, 2], 1: [0, 0, 1, 3], 2: [0, 0, 0, 0]}
    return pd.DataFrame(
        [
            {
                "point": 0,
                "replication": r,
                "step": t,
                "year": 2000 + t / 4,
                "max_rung": k,
                "reached_rung": max(ks[: t + 1]),
            }
            for r, ks in rungs.items()
            for t, k in enumerate(ks)
        ]
    )


def test_escalation_curves_show_share_at_or_above_each_rung(ladder):
    """One line per rung above peace; each is the share of replications there."""
    ax = plots.escalation_curves(ladder).axes[0]
    lines = ax.get_lines()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        f"{k} {RUNGS[k].replace('_', ' ')}" for k in range(1, WAR + 1)
    ]
    np.testing.assert_allclose(lines[0].get_ydata(), [0, 1 / 3, 2 / 3, 2 / 3])
    np.testing.assert_allclose(lines[2].get_ydata(), [0, 0, 0, 1 / 3])
    np.testing.assert_allclose(lines[0].get_xdata(), [2000, 2000.25, 2000.5, 2000.75])


def test_rung_fan_has_median_and_two_bands(ladder):
    """The fan is a median line over a 90% and a 50% band, all on whole rungs."""
    ax = plots.rung_fan(ladder, label="CHN").axes[0]
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(bands) == 2
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), [0, 0, 1, 2])
    for band in bands:
        assert np.all(np.mod(band.get_paths()[0].vertices[:, 1], 1) == 0)
    assert "CHN" in ax.get_title()


def test_first_passage_times_and_censoring(ladder):
    """Years to the first step at the rung; never reaching it is censored."""
    times = first_passage(ladder, 2)
    assert times["years"].tolist() == [0.5, 0.75, 0.75]
    assert times["reached"].tolist() == [True, True, False]


@pytest.mark.parametrize(("theater", "steps"), [(None, 3), ("taiwan_strait", 12)])
def test_first_passage_agrees_with_the_clash_onset_outcomes(tmp_path, theater, steps):
    """Crises that climb to a clash and end within one step count, as they do there.

    Half-year steps, so that many do: read from the rung standing at each
    step's end, 10 of these 60 runs disagreed in the region, 15 in the strait.
    """
    from sim import batch

    plan = batch.plan(
        bundled_dir() / "taiwan_strait.toml",
        replications=60,
        steps=steps,
        seed=11,
        settings={"scenario.dt_years": 0.5},
    )
    results = open_results(batch.run(plan, tmp_path / "b", progress=False).out)
    if theater is None:
        rows = results.table("model", ["year", "reached_rung"])
    else:
        rows = results.table("theaters", ["year", "reached_rung"])
        rows = rows[rows["theater"] == theater]
    times = first_passage(rows, CLASH)
    outcomes = results.table("outcomes")
    name = "clash_onset" if theater is None else f"clash_onset.{theater}"
    onset = outcomes[name].to_numpy()
    assert 0 < onset.mean() < 1  # the check can fail both ways
    np.testing.assert_array_equal(times["reached"].to_numpy(), onset == 1)
    if theater is None:
        reached = times["reached"].to_numpy()
        np.testing.assert_allclose(
            times["years"].to_numpy()[reached],
            outcomes["clash_onset_years"].to_numpy()[reached],
        )


def test_kaplan_meier_textbook_example():
    """S(t) steps down by d/n at each event, skipping censored times."""
    km = plots.kaplan_meier(
        np.array([1, 2, 2, 3, 4.0]), np.array([True, True, False, True, False])
    )
    assert km["years"].tolist() == [0, 1, 2, 3]
    np.testing.assert_allclose(km["survival"], [1, 0.8, 0.6, 0.3])


def test_kaplan_meier_without_censoring_is_one_minus_the_ecdf():
    """With every event observed, S(t) is the share still waiting."""
    years = np.array([3.0, 1, 2, 2, 5])
    km = plots.kaplan_meier(years, np.ones(5, dtype=bool))
    expected = [(years > t).mean() for t in km["years"]]
    np.testing.assert_allclose(km["survival"], expected)


@given(st.lists(st.tuples(st.integers(0, 20), st.booleans()), min_size=1, max_size=60))
def test_kaplan_meier_band_contains_estimate(rows):
    """The 95% band holds the estimate, within [0, 1], never rising in time."""
    years = np.array([r[0] for r in rows], dtype=float)
    reached = np.array([r[1] for r in rows])
    km = plots.kaplan_meier(years, reached)
    assert (km["lower"] <= km["survival"] + 1e-12).all()
    assert (km["survival"] <= km["upper"] + 1e-12).all()
    assert km[["lower", "upper"]].stack().between(0, 1).all()
    assert (np.diff(km["survival"]) <= 0).all()


def test_survival_curves_one_per_rung_or_per_point(ladder):
    """Every rung gets a curve, or with one rung every sweep point does."""
    ax = plots.survival_curves(ladder).axes[0]
    assert len(ax.get_lines()) == WAR
    sweep = pd.concat([ladder, ladder.assign(point=1)])
    ax = plots.survival_curves(sweep, rungs=(2,), labels={0: "low", 1: "high"}).axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["low", "high"]
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata()[:3], [1, 2 / 3, 1 / 3])


def test_survival_curves_of_more_points_than_colours_stay_apart(ladder):
    """Nine sweep points, eight colours: no two curves look the same."""
    sweep = pd.concat([ladder.assign(point=p) for p in range(9)])
    ax = plots.survival_curves(sweep, rungs=(1,)).axes[0]
    looks = [(line.get_color(), line.get_linestyle()) for line in ax.get_lines()]
    assert len(looks) == 9 and len(set(looks)) == 9


def test_arms_trajectories_overlay_observed():
    """A median line per state, on a log scale, with observed dots and a key."""
    states = pd.DataFrame(
        {
            "replication": np.repeat([0, 1], 4),
            "state": ["A", "A", "B", "B"] * 2,
            "year": [2000, 2001] * 4,
            "milex_usd_m": [10, 11, 100, 90, 12, 13, 100, 110.0],
        }
    )
    observed = pd.DataFrame({"state": ["A"], "year": [2000], "value": [9.0]})
    ax = plots.arms_trajectories(states, observed=observed).axes[0]
    medians = {line.get_label(): line.get_ydata() for line in ax.get_lines()}
    np.testing.assert_allclose(medians["A"], [11, 12])
    np.testing.assert_allclose(medians["B"], [100, 100])
    assert ax.get_yscale() == "log"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "B",  # the largest first
        "A",
        "observed",
    ]


def test_palette_is_okabe_ito():
    """Figures draw from the colour-blind-safe palette."""
    assert mpl.colors.to_hex(PALETTE[0]) == "#0072b2"
    assert len(set(PALETTE)) == 8


@pytest.mark.parametrize(
    ("folder", "kind", "suffix"),
    [
        ("run", "escalation", ".png"),
        ("batch", "escalation", ".svg"),
        ("batch", "survival", ".pdf"),
        ("batch", "arms", ".png"),
        ("run", "network", ".png"),
        ("batch", "a2ad", ".png"),
    ],
)
def test_plot_command_writes_each_kind(results_folders, tmp_path, folder, kind, suffix):
    """``wargame plot`` draws every kind from run and batch folders."""
    out = tmp_path / f"figure{suffix}"
    args = ["plot", str(results_folders / folder), "--kind", kind, "--out", str(out)]
    assert main(args) == 0
    assert out.stat().st_size > 1000


def test_plot_command_sweep(results_folders, tmp_path):
    """A sweep folder gives war probability against the varied parameter."""
    sweep = tmp_path / "sweep"
    args = [
        "sweep", str(results_folders / "triad.toml"), "--replications", "4",
        "--steps", "4", "--param", "mechanisms.escalation.war_cost=0.2:1.0:3",
        "--out", str(sweep),
    ]  # fmt: skip
    assert main(args) == 0
    out = tmp_path / "sweep.png"
    assert main(["plot", str(sweep), "--kind", "sweep", "--out", str(out)]) == 0
    assert main(["plot", str(sweep), "--kind", "survival", "--rung", "1"]) == 0
    assert (sweep / "survival.png").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kind", "sweep"], "not a sweep"),
        (["--kind", "network", "--step", "99"], "--step 99"),
        (["--kind", "escalation", "--point", "3"], "--point 3"),
        (["--kind", "arms", "--out", "x.gif"], "unknown image format"),
        (["--kind", "survival", "--rung", "0"], "--rung 0"),
        (["--kind", "escalation", "--theater", "sea"], "--theater sea: not one of"),
    ],
)
def test_plot_command_bad_input(results_folders, capsys, args, message):
    """Bad options exit 2 with a message naming the option."""
    assert main(["plot", str(results_folders / "run"), *args]) == 2
    assert message in capsys.readouterr().err


def test_plot_command_missing_folder(tmp_path, capsys):
    """A missing results folder is named, with what to run first."""
    assert main(["plot", str(tmp_path / "none"), "--kind", "escalation"]) == 2
    assert "wargame run" in capsys.readouterr().err


@pytest.mark.parametrize("folder", ["run", "batch"])
def test_theater_figures_show_that_theater(results_folders, folder):
    """--theater draws one theater's crises and names it in the title."""
    results = open_results(results_folders / folder)
    for kind in ("escalation", "survival"):
        fig = plots.draw(results, kind, theater="border")
        assert fig.axes[0].get_title().endswith(", border")


def test_arms_groups_the_small_states_and_names_both_units():
    """Past max_series the smallest states are summed; two units, two labels."""
    states = pd.DataFrame(
        {
            "replication": 0,
            "state": ["A", "B", "C", "D"] * 2,
            "year": np.repeat([2000, 2001], 4),
            "milex_usd_m": [40, 30, 2, 1, 50, 30, 3, 1.0],
        }
    )
    observed = pd.DataFrame({"state": ["A"], "year": [2000], "value": [9.0]})
    ax = plots.arms_trajectories(
        states,
        observed=observed,
        model_unit="US$ m at 2000 prices",
        observed_unit="US$ m at constant 2023 prices",
        max_series=3,
    ).axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == [
        "A",
        "B",
        "others (2)",
        "observed, in\nUS$ m at constant 2023 prices",
    ]
    others = next(line for line in ax.get_lines() if line.get_label() == "others (2)")
    np.testing.assert_allclose(others.get_ydata(), [3, 4])
    assert "model in US$ m at 2000 prices" in ax.get_ylabel()


def test_observed_unit_reads_the_unit_note():
    """The bundled SIPRI file names its unit; a file without a note has none."""
    unit = plots.observed_unit("scenarios/data/milex.csv")
    assert unit == "US$ m at constant 2023 prices and exchange rates"


def test_survival_title_of_a_sweep_stays_inside_the_figure(ladder):
    """The legend of long point names narrows the axes; the title is not cut off."""
    names = {p: f"USA resolve = 0.{p}, war cost (escalation) = 0.{p}" for p in range(9)}
    sweep = pd.concat([ladder.assign(point=p) for p in range(9)])
    fig = plots.survival_curves(sweep, rungs=(5,), labels=names)
    fig.savefig(io.BytesIO(), format="png", dpi=120)  # lays the figure out
    title = fig.axes[0].title.get_window_extent()
    assert title.x0 >= 0 and title.x1 <= fig.bbox.width
