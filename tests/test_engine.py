"""The engine: reproducibility across batch sizes and chunking, and its setup."""

from dataclasses import fields, is_dataclass

import numpy as np
import pytest

from sim import engine
from sim.scenario import ScenarioError, bundled_dir, load_scenario
from tests.conftest import pair_toml

BASELINE = bundled_dir() / "baseline_2024.toml"


def final_world(setup: engine.Setup, replications, steps: int = 12) -> engine.World:
    """The world after ``steps`` steps of seed 5 for the given replications."""
    *_, world = engine.simulate(
        setup, seed=5, replications=np.asarray(replications), steps=steps
    )
    return world


def array_fields(world: engine.World) -> dict[str, np.ndarray]:
    """Every array of a world, by field name."""
    return {
        name: value
        for name, value in world.fields.items()
        if isinstance(value, np.ndarray)
    }


@pytest.fixture(scope="module")
def baseline_setup() -> engine.Setup:
    """The bundled baseline, ready to run."""
    return engine.build_setup(load_scenario(BASELINE))


def test_replication_is_identical_in_any_batch_or_chunk(baseline_setup):
    """Replication r gives the same bits alone, in a batch, or in another chunk."""
    whole = array_fields(final_world(baseline_setup, np.arange(16)))
    for chunk in (np.arange(5, 9), np.array([13, 2, 7]), np.array([11])):
        part = array_fields(final_world(baseline_setup, chunk))
        for name, values in part.items():
            assert np.array_equal(values, whole[name][chunk], equal_nan=True), name


def test_same_seed_same_world(baseline_setup):
    """Running twice with one seed gives bit-identical worlds."""
    first = array_fields(final_world(baseline_setup, np.arange(4)))
    second = array_fields(final_world(baseline_setup, np.arange(4)))
    for name, values in first.items():
        assert np.array_equal(values, second[name], equal_nan=True), name


def test_world_arrays_have_a_replication_axis(baseline_setup):
    """Per-state arrays are (R, N) and dyadic ones (R, N, N)."""
    world = final_world(baseline_setup, np.arange(3), steps=1)
    n = baseline_setup.n_states
    assert world.milex.shape == (3, n)
    assert world.hostility.shape == (3, n, n)


def test_hostility_appears_between_friends_only_through_a_crisis():
    """Signals provoke only rivals; other pairs turn hostile only after a crisis.

    A crisis counts if it stood in some step, even one that opened and closed
    within the step (``mean_rung`` > 0, the rung hostility reads).
    """
    setup = engine.build_setup(load_scenario(bundled_dir() / "signaling.toml"))
    rivals = setup.hostility > 0
    provoked = False
    fought = np.zeros((8, *rivals.shape), dtype=bool)
    for world in engine.simulate(setup, seed=4, replications=np.arange(8), steps=40):
        fought |= (world.rung > 0) | (world.mean_rung > 0)
        assert not (world.hostility > 0)[~(rivals | fought)].any()
        provoked |= bool((world.hostility > setup.hostility).any())
    assert provoked  # the signals did raise some rival's hostility


def test_hostility_is_symmetric_from_disputes_and_rivalries(write_scenario):
    """A dispute makes its parties mutually hostile; others stay at zero."""
    setup = engine.build_setup(load_scenario(write_scenario(pair_toml())))
    np.testing.assert_array_equal(setup.hostility, [[0.0, 1.0], [1.0, 0.0]])


def test_starting_above_the_budget_cap_is_refused(write_scenario):
    """A state that starts above max_share_gdp * GDP is named, with the fix."""
    text = pair_toml(red="[state.arms_race]\nmax_share_gdp = 0.0005\n")
    with pytest.raises(
        ScenarioError, match=r"state\[RED\].milex_usd_m: 100.0 is above"
    ):
        engine.build_setup(load_scenario(write_scenario(text)))


def test_per_state_parameters_become_arrays(write_scenario):
    """A parameter one state overrides becomes an (N,) array; others stay scalar."""
    text = pair_toml(blue="[state.arms_race]\nreaction_per_year = 0.7\n")
    params = engine.build_setup(load_scenario(write_scenario(text))).params
    np.testing.assert_array_equal(params.arms_race.reaction_per_year, [0.1, 0.7])
    assert params.arms_race.fatigue_per_year == 0.2


def test_power_reaches_a_theater_from_the_nearest_of_capital_and_bases(
    write_scenario,
):
    """A base nearer a theater than the capital shortens the way; a farther one not.

    RED's capital is 5 degrees from the border theater, BLUE's too; RED's base
    is half a degree from it, BLUE's 20 degrees away.
    """
    bases = "".join(
        f'[[base]]\nstate = "{state}"\nname = "b"\nlocation = [0.0, {lon}]\n'
        for state, lon in (("RED", 4.5), ("BLUE", 30.0))
    )
    plain = engine.theater_distances(load_scenario(write_scenario(pair_toml())))[0]
    based = engine.theater_distances(
        load_scenario(write_scenario(pair_toml(extra=bases), name="bases.toml"))
    )[0]
    assert based[0, 0] == pytest.approx(plain[0, 0] / 10)  # RED: 0.5 of 5 degrees
    assert based[1, 0] == plain[1, 0]  # BLUE: its capital is nearer


def names_in(value: object) -> set[str]:
    """Every string inside a scenario section (dataclasses, tuples, dicts)."""
    if isinstance(value, str):
        return {value}
    if is_dataclass(value):
        return set().union(*(names_in(getattr(value, f.name)) for f in fields(value)))
    if isinstance(value, dict):
        return set().union(*(names_in(k) | names_in(v) for k, v in value.items()))
    if isinstance(value, tuple | list):
        return set().union(*(names_in(v) for v in value))
    return set()


@pytest.mark.parametrize("path", sorted(bundled_dir().glob("*.toml")), ids=str)
def test_restrict_leaves_no_trace_of_dropped_states(path):
    """Every section of every scenario shrinks to the kept states, and still runs.

    The steps restrict the sections they read; a section no step restricts
    would keep naming a dropped state here.
    """
    scenario = load_scenario(path)
    for keep in (scenario.state_ids[:2], scenario.state_ids[-3:][::-1]):
        small = engine.restrict(scenario, list(keep))
        assert small.state_ids == tuple(keep)
        dropped = set(scenario.state_ids) - set(keep)
        sections = [f.name for f in fields(small) if f.name not in ("path", "states")]
        for name in sections:
            assert not names_in(getattr(small, name)) & dropped, name
        *_, last = engine.simulate(
            engine.build_setup(small), seed=1, replications=np.arange(2), steps=2
        )
        assert last.milex.shape == (2, len(keep))


def test_a_step_leaves_the_world_it_started_from_unchanged(baseline_setup):
    """No step changes an array of the previous world in place (they are shared)."""
    *_, world = engine.simulate(
        baseline_setup, seed=5, replications=np.arange(6), steps=6
    )
    before = {
        name: (
            {f.name: np.copy(getattr(value, f.name)) for f in fields(value)}
            if is_dataclass(value)
            else np.copy(value)
        )
        for name, value in world.fields.items()
    }
    engine.step(world, baseline_setup, seed=5)
    for name, value in world.fields.items():
        if is_dataclass(value):
            for sub, old in before[name].items():
                np.testing.assert_array_equal(getattr(value, sub), old, err_msg=name)
        else:
            np.testing.assert_array_equal(value, before[name], err_msg=name)
