"""Declared steps: their declarations agree, and a new mechanism is one tuple entry.

The toy mechanism here is the worked example of docs/adding_a_mechanism.md, its
code run as the page gives it: war weariness, a per-state stock that grows while
a state is in crises, fades at a rate per year and cuts the spending it chooses.
It is an illustration, not part of the model.
"""

import re
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from sim import batch, engine
from sim.dynamics import MECHANISMS
from sim.model import RegionModel
from sim.rng import Stream
from sim.scenario import ScenarioError, load_scenario
from sim.step import Step
from tests.conftest import CRISIS_INJECT, pair_toml

# --- the toy mechanism: the code of docs/adding_a_mechanism.md, run as written ---

GUIDE = Path(__file__).parent.parent / "docs" / "adding_a_mechanism.md"


def guide_code(marker: str) -> str:
    """The guide's Python block that contains ``marker``."""
    blocks = re.findall(r"```python\n(.*?)```", GUIDE.read_text("utf-8"), re.DOTALL)
    [block] = [b for b in blocks if marker in b]
    return block


def guide_module(name: str, marker: str) -> types.ModuleType:
    """The guide's block containing ``marker``, run as the module ``name``."""
    module = types.ModuleType(name)
    exec(compile(guide_code(marker), f"{GUIDE.name} ({name})", "exec"), vars(module))
    return module


TOY = f"""
{CRISIS_INJECT}
[mechanisms.weariness]
enabled = true
growth_per_year = 2.0
"""


@pytest.fixture
def with_weariness(monkeypatch):
    """As the guide adds it: its module, its table, its step after arms_race."""
    pure = guide_module("sim.dynamics.weariness", '"""War weariness')
    monkeypatch.setitem(sys.modules, pure.__name__, pure)
    monkeypatch.setitem(MECHANISMS, "weariness", pure.Params)
    wiring = guide_module("weariness_step", "WEARINESS = Step(")
    at = engine.STEPS.index(engine.ARMS_RACE) + 1
    steps = (*engine.STEPS[:at], wiring.WEARINESS, *engine.STEPS[at:])
    monkeypatch.setattr(engine, "STEPS", steps)


def test_a_toy_mechanism_runs_through_loader_engine_model_and_outputs(
    with_weariness, write_scenario, tmp_path
):
    """Registered in one tuple entry and one table, the toy runs everywhere."""
    path = write_scenario(
        pair_toml(steps=8, blue="[state.weariness]\ngrowth_per_year = 0.0", extra=TOY)
    )
    setup = engine.build_setup(load_scenario(path))
    np.testing.assert_array_equal(setup.params.weariness.growth_per_year, [2.0, 0.0])
    *_, world = engine.simulate(setup, seed=1, replications=np.arange(3), steps=4)
    red, blue = world.weariness[:, 0], world.weariness[:, 1]
    assert (red > 0).all() and (blue == 0).all()

    model = RegionModel(path, rng=1, replication=2)
    for _ in range(4):
        model.step()
    np.testing.assert_array_equal(model.world.weariness[0], world.weariness[2])

    milex = {}
    for enabled in (True, False):
        settings = {"mechanisms.weariness.enabled": enabled}
        plan = batch.plan(path, replications=3, settings=settings)
        out = tmp_path / f"batch-{enabled}"
        batch.run(plan, out, progress=False)
        frame = batch.load(out).model
        milex[enabled] = frame.loc[frame["step"] == 8, "total_milex_usd_m"].to_numpy()
    assert (milex[True] < milex[False]).all()


def test_a_toy_mechanisms_table_is_validated_like_the_others(
    with_weariness, write_scenario
):
    """A bad value in the new table is named by file, field path and bound."""
    bad = TOY.replace("growth_per_year = 2.0", "decay_per_year = -1.0")
    with pytest.raises(ScenarioError, match=r"mechanisms\.weariness\.decay_per_year"):
        load_scenario(write_scenario(pair_toml(extra=bad)))


def test_a_step_that_returns_an_undeclared_field_is_refused(
    monkeypatch, write_scenario
):
    """A step may change only the fields it owns or declares it writes."""
    sloppy = Step(name="sloppy", run=lambda world, context: {"tie": world.tie})
    monkeypatch.setattr(engine, "STEPS", (*engine.STEPS, sloppy))
    setup = engine.build_setup(load_scenario(write_scenario(pair_toml())))
    world = engine.initial_world(setup, np.arange(1))
    with pytest.raises(TypeError, match="step sloppy returned tie"):
        engine.step(world, setup, seed=1)


def test_a_step_that_draws_an_undeclared_stream_is_refused(monkeypatch, write_scenario):
    """A step draws only the streams and distributions its ``randoms`` declare."""
    noisy = Step(
        name="noisy",
        run=lambda world, context: {
            "weariness": context.draws.normal(Stream.ARMS_RACE, (2,))
        },
    )
    monkeypatch.setattr(engine, "STEPS", (*engine.STEPS, noisy))
    setup = engine.build_setup(load_scenario(write_scenario(pair_toml())))
    world = engine.initial_world(setup, np.arange(1))
    with pytest.raises(RuntimeError, match="step noisy draws normal numbers from"):
        engine.step(world, setup, seed=1)


# --- the declarations of the engine's own steps ---------------------------------


def test_every_world_field_has_one_owner_and_a_description():
    """Owned fields are unique; each has a doc with its shape."""
    table = engine.world_fields()
    assert len(table) == sum(len(s.owns) for s in engine.STEPS)
    for name, doc in table.items():
        assert doc.rstrip().endswith((")", ".")) and "(R" in doc, name


def test_written_fields_are_owned_by_some_step():
    """A step writes only fields that a step declares."""
    owned = set(engine.world_fields())
    for declared in engine.STEPS:
        assert set(declared.writes) <= owned, declared.name


def test_every_mechanism_table_is_read_by_a_step_and_every_step_reads_a_table():
    """``params`` names a registered table, and no table goes unread."""
    read = {s.params for s in engine.STEPS if s.params is not None}
    assert read <= set(MECHANISMS)
    assert set(MECHANISMS) <= read


def test_no_two_steps_share_a_random_stream_and_distribution():
    """Each (stream, distribution) belongs to one step, so steps never collide."""
    owner: dict[tuple[Stream, str], str] = {}
    for declared in engine.STEPS:
        for use in declared.randoms:
            key = (use.stream, use.distribution)
            assert owner.setdefault(key, declared.name) == declared.name, key
            assert use.index and use.purpose


def test_step_names_are_unique():
    """Steps are named once each."""
    names = [s.name for s in engine.STEPS]
    assert len(set(names)) == len(names)


def test_the_guide_lists_the_steps_as_the_engine_declares_them():
    """The guide's table: every step in order, with its fields and its table."""
    guide = GUIDE.read_text(encoding="utf-8")
    rows = re.findall(
        r"^\| \d+ \| `(\w+)` \|([^|]*)\|([^|]*)\|([^|]*)\|$", guide, flags=re.MULTILINE
    )

    def names(cell: str) -> list[str]:
        return [n.strip() for n in cell.split(",") if n.strip()]

    listed = [(name, names(o), names(w), t.strip() or None) for name, o, w, t in rows]
    declared = [
        (s.name, [f.name for f in s.owns], list(s.writes), s.params)
        for s in engine.STEPS
    ]
    assert listed == declared
