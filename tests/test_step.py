"""Declared steps: their declarations agree, and a new mechanism is one tuple entry.

The toy mechanism here is the worked example of docs/adding_a_mechanism.md:
war weariness, a per-state stock that grows while a state is in crises, fades
at a rate per year and cuts the spending it chooses. It is an illustration,
not part of the model.
"""

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from sim import batch, engine
from sim.dynamics import MECHANISMS
from sim.dynamics.escalation import under_way
from sim.dynamics.parameters import Value, param
from sim.dynamics.rates import fade
from sim.model import RegionModel
from sim.rng import Stream
from sim.scenario import ScenarioError, load_scenario
from sim.step import Context, Field, Step
from sim.world import Setup, World
from tests.conftest import CRISIS_INJECT, pair_toml

# --- the toy mechanism, as docs/adding_a_mechanism.md writes it -----------------


@dataclass(frozen=True)
class WearinessParams:
    """Parameters of war weariness (illustrative values, not calibrated)."""

    enabled: bool = param(False, doc="Run war weariness.")
    growth_per_year: Value = param(
        0.5, lo=0.0, per_state=True, doc="Weariness gained per crisis-year."
    )
    decay_per_year: float = param(1.0, lo=0.0, doc="Rate at which weariness fades.")
    spending_cut: float = param(
        0.2, lo=0.0, hi=1.0, doc="Share of spending cut at a weariness of 1."
    )


def weary(
    weariness: np.ndarray, crises: np.ndarray, growth: Value, decay: float, dt: float
) -> np.ndarray:
    """``W' = W exp(-decay dt) + dt * growth * C``, C the crises under way, (R, N)."""
    return fade(weariness, decay, dt) + dt * growth * crises


def _weariness_initial(world: World, setup: Setup) -> dict[str, np.ndarray]:
    return {"weariness": np.zeros((len(world.replications), setup.n_states))}


def _weariness_run(world: World, context: Context) -> dict[str, np.ndarray]:
    p = context.setup.params.weariness
    if not p.enabled:
        return {}
    crises = under_way(world.rung).sum(axis=2)
    w = weary(
        world.weariness,
        crises,
        p.growth_per_year,
        p.decay_per_year,
        context.setup.dt_years,
    )
    return {
        "weariness": w,
        "milex": world.milex * (1.0 - p.spending_cut * np.minimum(w, 1.0)),
    }


WEARINESS = Step(
    name="weariness",
    run=_weariness_run,
    params="weariness",
    owns=(Field("weariness", "War weariness of each state, >= 0, (R, N)."),),
    writes=("milex",),
    initial=_weariness_initial,
)

TOY = f"""
{CRISIS_INJECT}
[mechanisms.weariness]
enabled = true
growth_per_year = 2.0
"""


@pytest.fixture
def with_weariness(monkeypatch):
    """Register the toy: its table and one entry at the end of the step tuple."""
    monkeypatch.setitem(MECHANISMS, "weariness", WearinessParams)
    monkeypatch.setattr(engine, "STEPS", (*engine.STEPS, WEARINESS))


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
    guide = (Path(__file__).parent.parent / "docs" / "adding_a_mechanism.md").read_text(
        encoding="utf-8"
    )
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
