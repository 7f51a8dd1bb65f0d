"""The world, parameters and setup that a run carries."""

import pickle

import numpy as np
import pytest

from sim import engine
from sim.dynamics import MECHANISMS, escalation
from sim.scenario import bundled_dir, load_scenario

CLASSROOM = bundled_dir() / "classroom_crisis.toml"


@pytest.fixture(scope="module")
def setup() -> engine.Setup:
    """The classroom scenario, ready to run."""
    return engine.build_setup(load_scenario(CLASSROOM))


def test_world_fields_are_those_the_steps_declare(setup):
    """A new world holds exactly the fields the steps own, in their order."""
    world = engine.initial_world(setup, np.arange(2))
    assert list(world.fields) == list(engine.world_fields())
    assert world.step == 0
    assert world.milex is world.fields["milex"]


def test_replace_changes_only_declared_fields(setup):
    """``replace`` makes a new world; an undeclared name is refused, naming it."""
    world = engine.initial_world(setup, np.arange(2))
    new = world.replace(milex=world.milex * 2, step=3)
    assert new.step == 3 and world.step == 0
    np.testing.assert_array_equal(new.milex, 2 * world.milex)
    assert new.tie is world.tie
    with pytest.raises(TypeError, match="not fields of the world: undeclared"):
        world.replace(undeclared=np.zeros(2))
    with pytest.raises(AttributeError, match="no field 'undeclared'"):
        _ = world.undeclared


def test_tiled_repeats_one_world_as_replications(setup):
    """A tiled world's replication r starts exactly where the one world stood."""
    *_, world = engine.simulate(setup, seed=2, replications=np.array([7]), steps=3)
    tiled = world.tiled(3)
    assert list(tiled.replications) == [0, 1, 2]
    assert tiled.step == world.step
    for name, value in world.fields.items():
        if isinstance(value, escalation.Crises | escalation.Ended):
            copy = getattr(tiled, name)
            np.testing.assert_array_equal(copy.theater[2], value.theater[0])
        else:
            np.testing.assert_array_equal(getattr(tiled, name)[1], value[0])


def test_a_world_and_its_parameters_survive_pickling(setup):
    """Worker processes receive setups and may return worlds."""
    world = engine.initial_world(setup, np.arange(2))
    back = pickle.loads(pickle.dumps(world))
    assert list(back.fields) == list(world.fields)
    np.testing.assert_array_equal(back.trust, world.trust)
    params = pickle.loads(pickle.dumps(setup.params))
    assert params.escalation == setup.params.escalation


def test_parameters_are_attributes_named_after_the_tables(setup):
    """``setup.params.NAME`` for every mechanism; unknown names and writes fail."""
    for name, params_type in MECHANISMS.items():
        assert isinstance(getattr(setup.params, name), params_type)
    with pytest.raises(AttributeError, match="no mechanism 'weather'"):
        _ = setup.params.weather
    with pytest.raises(AttributeError, match="read-only"):
        setup.params.escalation = None
    calm = escalation.Params(enabled=False)
    changed = setup.params.replace(escalation=calm)
    assert changed.escalation is calm and setup.params.escalation is not calm
    with pytest.raises(TypeError, match="no mechanism weather"):
        setup.params.replace(weather=calm)
