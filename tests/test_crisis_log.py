"""Crisis decisions through the Mesa face: policies, the decision log, crisis table."""

import numpy as np
import pytest

from sim import engine
from sim.crisis_log import DECISION_COLUMNS
from sim.model import RegionModel, StateAgent
from sim.scenario import load_scenario
from tests.conftest import CRISIS_INJECT, triad_toml

INJECT = (
    CRISIS_INJECT
    + """
[mechanisms.alliances]
entrapment_rate_per_year = 0.0
"""
)


class Echo:
    """A policy that returns what the doctrine proposed but the crisis orders."""

    def decide(self, agent: StateAgent, doctrine: dict) -> dict:
        """Return the doctrine's choices, leaving crises to the doctrine."""
        return {key: value for key, value in doctrine.items() if key != "crisis"}


class Stand:
    """A policy that holds in every crisis, and leaves the rest to the doctrine."""

    def decide(self, agent: StateAgent, doctrine: dict) -> dict:
        """Hold toward every opponent in a crisis."""
        return {"crisis": dict.fromkeys(doctrine["crisis"], "hold")}


class Yield:
    """A policy that backs down in every crisis."""

    def decide(self, agent: StateAgent, doctrine: dict) -> dict:
        """Back down toward every opponent in a crisis."""
        return {"crisis": dict.fromkeys(doctrine["crisis"], "back_down")}


@pytest.fixture
def triad(write_scenario):
    """The triad, GREEN kept out, with a RED-BLUE crisis under way from step 1."""
    return load_scenario(write_scenario(triad_toml(steps=12, extra=INJECT)))


@pytest.mark.parametrize("seed", [9, 10, 11, 13])
def test_a_policy_echoing_the_doctrine_changes_nothing(triad, seed):
    """Same seed, same result, whether the doctrine or a policy decided.

    The policy leaves crises out, so the doctrine plays its equilibrium there
    (an order, even of the doctrine's own draw, would be played for certain).
    """
    plain, echoed = RegionModel(triad, rng=seed), RegionModel(triad, rng=seed)
    for agent in echoed.states:
        agent.policy = Echo()
    plain.run_for(12)
    echoed.run_for(12)
    assert np.array_equal(plain.world.rung, echoed.world.rung)
    assert plain.crisis_frame().equals(echoed.crisis_frame())
    assert plain.outcomes() == pytest.approx(echoed.outcomes(), nan_ok=True)


def test_a_policy_choice_is_what_the_engine_applies(triad):
    """A human team that backs down ends the crisis as challenger_backed_down."""
    model = RegionModel(triad, rng=9)
    model.agent("RED").policy = Yield()
    model.run_for(2)
    frame = model.crisis_frame()
    ended = frame[(frame["challenger"] == "RED") & (frame["end_step"] == 2)]
    assert ended["ending"].iloc[0] in ("challenger_backed_down", "negotiated")
    log = model.decision_frame()
    red = log[log["state"] == "RED"].iloc[0]
    assert (red["action"], red["decided_by"]) == ("back_down", "policy")


def test_a_policy_order_is_played_even_where_the_doctrine_drew_the_same(triad):
    """Both sides ordered to hold every step: no crisis under way climbs.

    The doctrine's own action toward the opponent is one draw from its strategy;
    a policy that orders that same action still plays it with certainty through
    the step, not the doctrine's mixed strategy. (A crisis that opens within a
    step is the doctrine's until the next, when the orders reach it.)
    """
    held = 0
    for seed in range(8):
        model = RegionModel(triad, rng=seed)
        for side in ("RED", "BLUE"):
            model.agent(side).policy = Stand()
        pair = (0, *(model.spec.state_index(s) for s in ("RED", "BLUE")))
        for _ in range(12):
            start, rung = model.world.crises.start_step[pair], model.world.rung[pair]
            model.step()
            if rung > 0 and model.world.crises.start_step[pair] == start:
                assert model.world.rung[pair] == rung, f"seed {seed}"
                held += 1
        log = model.decision_frame()
        assert set(log["action"]) == {"hold"} and set(log["decided_by"]) == {"policy"}
    assert held >= 20


def test_policy_draws_do_not_shift_other_replications_numbers(triad):
    """The model's replication equals the engine's, doctrine path, bit for bit."""
    model = RegionModel(triad, rng=9, replication=3)
    model.run_for(12)
    setup = engine.build_setup(triad)
    *_, world = engine.simulate(setup, seed=9, replications=np.arange(5), steps=12)
    assert np.array_equal(model.world.rung[0], world.rung[3])


@pytest.mark.parametrize(
    ("choice", "message"),
    [
        ({"crisis": {"GREEN": "hold"}}, "no crisis under way with that state"),
        ({"crisis": {"BLUE": "attack"}}, "expected one of back_down, hold, escalate"),
        ({"crisis": "hold"}, "expected a table of opponent -> action"),
    ],
)
def test_an_invalid_crisis_choice_is_named(triad, choice, message):
    """A policy's bad crisis action raises an error naming the state and choice."""

    class Bad:
        def decide(self, agent, doctrine):
            return choice

    model = RegionModel(triad, rng=9)
    model.step()
    model.agent("RED").policy = Bad()
    with pytest.raises(ValueError, match=message) as info:
        model.step()
    assert "RED" in str(info.value)


def test_every_decision_is_logged_with_its_factors(triad):
    """Both sides of the crisis appear at each step with the factors behind them."""
    model = RegionModel(triad, rng=9)
    model.run_for(2)
    log = model.decision_frame()
    assert list(log.columns) == list(DECISION_COLUMNS)
    first = log[log["step"] == 1]
    assert set(first["state"]) == {"RED", "BLUE"}
    red = first[first["state"] == "RED"].iloc[0]
    assert (red["role"], red["rung"], red["threshold"]) == (
        "challenger",
        "show_of_force",
        "major_war",
    )
    assert red["own_power_usd_m"] > 0 and 0 < red["chance"] < 1
    assert red["belief"] > 0 and red["audience_cost"] >= 0
    probabilities = red[["p_back_down", "p_hold", "p_escalate"]].to_numpy(float)
    assert probabilities.min() >= 0 and probabilities.sum() == pytest.approx(1.0)
