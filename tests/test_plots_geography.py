"""The map: land, ties as great-circle arcs, A2/AD circles, crises, labels."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from sim import plots
from sim.plots.geography import draw_map, scenario_projection, tie_kinds
from sim.results import open_results
from sim.scenario import load_scenario


def _drawn(ax, gid):
    return [a for a in ax.get_children() if a.get_gid() == gid]


@pytest.fixture(scope="module")
def baseline():
    """The bundled 2024 scenario: seventeen states from Moscow to Washington."""
    return load_scenario("scenarios/baseline_2024.toml")


def test_alliance_network_arcs_and_capitals(results_folders):
    """One arc per tied pair, from capital to capital; capitals sized by stock."""
    results = open_results(results_folders / "run")
    scenario, world = results.scenario(), results.world_at(4)
    ax = plots.alliance_network(scenario, world).axes[0]
    tied = list(zip(*np.nonzero(np.triu(world.tie[0], 1)), strict=True))
    arcs = _drawn(ax, "tie")
    assert len(tied) >= 1 and len(arcs) == len(tied)
    capitals = np.array([s.capital for s in scenario.states])
    project = scenario_projection(scenario)
    for (i, j), arc in zip(tied, arcs, strict=True):
        ends = np.c_[project(capitals[[i, j], 0], capitals[[i, j], 1])]
        np.testing.assert_allclose(arc.get_xydata()[[0, -1]], ends, atol=1e-6)
    capability = world.capability[0]
    sizes = _drawn(ax, "capital")[0].get_sizes()
    np.testing.assert_allclose(sizes, 400 * capability / capability.max())
    assert scenario.info.name in ax.get_title()


def test_a2ad_coverage_draws_two_circles_per_site(results_folders):
    """A filled short-range and a dashed long-range circle per launch area."""
    scenario = open_results(results_folders / "run").scenario()
    ax = plots.a2ad_coverage(scenario).axes[0]
    circles = _drawn(ax, "a2ad")
    assert len(circles) == 2 * len(scenario.states)  # capitals, no sites
    assert {c.get_linestyle() for c in circles} == {"-", "--"}


def test_the_map_marks_each_base_where_it_is(baseline):
    """One square per ``[[base]]``, at its projected location."""
    ax = draw_map(Figure().subplots(), baseline)
    (marks,) = _drawn(ax, "base")
    lat, lon = np.array([b.location for b in baseline.bases]).T
    expected = np.c_[scenario_projection(baseline)(lat, lon)]
    assert len(baseline.bases) >= 1
    np.testing.assert_allclose(marks.get_offsets(), expected)


def test_a2ad_coverage_refuses_a_scenario_without_a2ad(write_scenario):
    """With nothing invested in A2/AD there is nothing to draw, and it says so."""
    from conftest import pair_toml

    scenario = load_scenario(write_scenario(pair_toml()))
    with pytest.raises(ValueError, match="no state invests in A2/AD"):
        plots.a2ad_coverage(scenario)


def test_map_of_the_region_shows_every_capital_with_unmixed_labels(baseline):
    """Moscow, Washington and Wellington all fit; no two labels overlap."""
    fig = Figure(figsize=(11, 6), layout="constrained")
    ax = draw_map(fig.subplots(), baseline)
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    xy = _drawn(ax, "capital")[0].get_offsets()
    assert len(xy) == len(baseline.states)
    assert np.all((x0 < xy[:, 0]) & (xy[:, 0] < x1) & (y0 < xy[:, 1]) & (xy[:, 1] < y1))
    fig.draw_without_rendering()
    boxes = [t.get_window_extent() for t in ax.texts]
    assert len(boxes) == len(baseline.states) + len(baseline.theaters)
    for a in range(len(boxes)):
        for b in range(a + 1, len(boxes)):
            assert not boxes[a].overlaps(boxes[b]), (ax.texts[a], ax.texts[b])
    assert len(_drawn(ax, "tie")) == len(tie_kinds(baseline))


def test_crises_are_discs_on_their_theaters(baseline):
    """A disc per theater with crises, its area proportional to their number."""
    taiwan, sea = baseline.theaters[0].id, baseline.theaters[1].id
    fig = Figure()
    ax = draw_map(fig.subplots(), baseline, crises={taiwan: 6, sea: 2}, ties=False)
    discs = _drawn(ax, "crises")[0]
    np.testing.assert_allclose(sorted(discs.get_sizes()), [200, 600])
    theaters = _drawn(ax, "theater")[0].get_xydata()
    for xy in discs.get_offsets():
        assert np.min(np.hypot(*(theaters - xy).T)) < 1e-9


def test_crises_in_an_unknown_theater_are_refused(baseline):
    """A theater the scenario lacks is named in the error."""
    with pytest.raises(ValueError, match="atlantis: not a theater of baseline_2024"):
        draw_map(Figure().subplots(), baseline, crises={"atlantis": 1})


def test_network_of_a_batch_marks_its_crises(results_folders):
    """The network map marks each theater's mean crises per replication."""
    results = open_results(results_folders / "batch")
    per_theater = plots.crises_per_theater(results, 0)
    crises = results.table("crises", ["theater"])
    expected = crises.groupby("theater").size() / 12
    assert per_theater == pytest.approx(expected.to_dict())
    assert per_theater, "the triad's batch should have crises on its border"
    ax = plots.draw(results, "network").axes[0]
    discs = _drawn(ax, "crises")[0]
    np.testing.assert_allclose(discs.get_sizes(), [600.0])  # one theater: the top
