"""The Mesa face: RegionModel and StateAgent, the Mesa way."""

import mesa
import numpy as np
import pytest
from mesa.experimental.scenarios import Scenario as MesaScenario

from sim import engine
from sim.model import RegionModel, StateAgent
from sim.scenario import bundled_dir, load_scenario
from tests.conftest import pair_toml

BASELINE = bundled_dir() / "baseline_2024.toml"


class FixedBudget:
    """A policy that always asks for the same spending."""

    def __init__(self, milex: float) -> None:
        self.milex = milex

    def decide(self, agent: StateAgent, doctrine: dict) -> dict:
        """Spend ``self.milex`` whatever the doctrine says."""
        return {"milex_usd_m": self.milex}


def test_model_equals_the_engine_replication_bit_for_bit():
    """RegionModel(rng=S, replication=r) is replication r of seed S in a batch."""
    scenario = load_scenario(BASELINE)
    *_, batch = engine.simulate(
        engine.build_setup(scenario), seed=11, replications=np.arange(4), steps=6
    )
    for r in (0, 3):
        model = RegionModel(scenario=BASELINE, rng=11, replication=r)
        model.run_for(6)
        assert np.array_equal(model.world.milex[0], batch.milex[r])
        assert np.array_equal(model.world.capability[0], batch.capability[r])


def test_a_scenario_without_theaters_runs_with_an_empty_theater_frame(
    write_scenario,
):
    """No [[theater]]: the model runs and records no theater rows."""
    text = pair_toml(steps=4).split("[[theater]]")[0]
    text += '[[rivalry]]\nparties = ["RED", "BLUE"]\nhostility = 0.8\n'
    model = RegionModel(scenario=write_scenario(text), rng=1)
    model.run_for(4)
    assert model.theater_frame().empty and len(model.model_frame()) == 5


def test_mesa_keeps_its_own_scenario_attribute():
    """Mesa's model.scenario stays Mesa's; ours is model.spec."""
    model = RegionModel(scenario=BASELINE, rng=3)
    assert isinstance(model.scenario, MesaScenario)
    assert model.spec.info.name == "baseline_2024"


def test_agents_expose_their_row_of_the_world():
    """Each agent reads its own state's values; agents come from Mesa's AgentSet."""
    model = RegionModel(scenario=BASELINE, rng=3)
    agents = model.agents_by_type[StateAgent].to_list()
    assert [a.state_id for a in agents] == list(model.spec.state_ids)
    usa = model.agent("USA")
    assert usa.milex == model.spec.states[0].milex_usd_m
    assert usa.burden == pytest.approx(usa.milex / usa.gdp)


def test_run_until_stops_at_the_horizon():
    """run_until advances Mesa time; running turns False after the steps."""
    model = RegionModel(scenario=BASELINE, rng=3, steps=4)
    model.run_until(2)
    assert model.world.step == 2 and model.running
    model.run_for(2)
    assert model.world.step == 4 and not model.running


def test_datacollector_series_with_and_without_agent_level():
    """Model series every step; per-state series only when asked."""
    on = RegionModel(scenario=BASELINE, rng=3, agent_level=True)
    off = RegionModel(scenario=BASELINE, rng=3, agent_level=False)
    for model in (on, off):
        model.run_for(3)
    assert len(on.model_frame()) == 4
    assert len(on.state_frame()) == 4 * len(on.states)
    assert off.state_frame().empty


def test_batch_run_with_explicit_seeds():
    """mesa.batch_run drives RegionModel with rng=[...] seeds, reproducibly."""

    def run():
        return mesa.batch_run(
            RegionModel,
            parameters={"scenario": str(BASELINE), "agent_level": False},
            rng=[1, 2],
            max_steps=3,
            display_progress=False,
        )

    first, second = run(), run()
    assert len(first) == 2
    assert [r["total_milex_usd_m"] for r in first] == [
        r["total_milex_usd_m"] for r in second
    ]


def test_batch_run_returns_the_outcomes():
    """mesa.batch_run rows carry the run's outcomes, as the model reports them."""
    rows = mesa.batch_run(
        RegionModel,
        parameters={"scenario": str(BASELINE), "agent_level": False},
        rng=[4],
        max_steps=6,
        display_progress=False,
    )
    model = RegionModel(scenario=BASELINE, rng=4, agent_level=False)
    model.run_for(6)
    expected = model.outcomes()
    assert {k: rows[-1][k] for k in expected} == pytest.approx(expected, nan_ok=True)
    assert "war_onset" not in model.model_frame().columns


def test_policy_replaces_the_doctrine_for_its_state():
    """An agent with a policy spends what the policy says; others follow doctrine."""
    model = RegionModel(scenario=BASELINE, rng=3)
    doctrine = RegionModel(scenario=BASELINE, rng=3)
    model.agent("JPN").policy = FixedBudget(60000.0)
    model.step()
    doctrine.step()
    assert model.agent("JPN").milex == 60000.0
    assert model.agent("USA").milex == doctrine.agent("USA").milex


def test_policy_choice_is_still_capped_by_the_budget():
    """A policy cannot spend beyond max_share_gdp * GDP."""
    model = RegionModel(scenario=BASELINE, rng=3)
    jpn = model.agent("JPN")
    jpn.policy = FixedBudget(1e12)
    model.step()
    assert jpn.milex < 1e12
    assert jpn.burden <= 0.2


@pytest.mark.parametrize(
    ("choice", "message"),
    [
        ({"milex_usd_m": -1.0}, "expected a finite number >= 0"),
        ({"milex_usd_m": float("nan")}, "expected a finite number >= 0"),
        ({"budget": 1.0}, "unknown choices"),
    ],
)
def test_invalid_policy_choice_is_named(choice, message):
    """A policy returning a bad choice raises an error naming the state."""

    class Bad:
        def decide(self, agent, doctrine):
            return choice

    model = RegionModel(scenario=BASELINE, rng=3)
    model.agent("KOR").policy = Bad()
    with pytest.raises(ValueError, match=message) as info:
        model.step()
    assert "KOR" in str(info.value)


def test_rng_must_be_an_integer_seed():
    """The counter-based engine needs an integer seed, and says so."""
    with pytest.raises(TypeError, match="integer seed"):
        RegionModel(scenario=BASELINE, rng=np.random.default_rng(1))


def test_mesa_generators_refuse_to_draw():
    """model.random and model.rng raise a message pointing to sim.rng when used."""
    model = RegionModel(scenario=bundled_dir() / "richardson_two_state.toml", rng=1)
    with pytest.raises(RuntimeError, match=r"model\.random\.random: .*sim\.rng"):
        model.random.random()
    with pytest.raises(RuntimeError, match=r"model\.rng\.normal: .*sim\.rng"):
        model.rng.normal()
    with pytest.raises(RuntimeError, match=r"sim\.rng"):
        model.agents.shuffle_do("step")


def test_a_run_of_no_steps_warns_of_nothing(write_scenario):
    """A model of no steps is the world at the start; Mesa is not called."""
    import warnings

    scenario = write_scenario(pair_toml(steps=4))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = RegionModel(scenario=scenario, rng=1, steps=0)
        model.run_for(model.horizon)
    assert model.world.step == 0 and not model.running
    assert len(model.model_frame()) == 1
