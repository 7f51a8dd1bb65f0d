"""One path for a policy's choice: the doctrine's view, its checks, and applying it."""

import copy

import numpy as np
import pytest

from sim import choices, engine
from sim.dynamics.escalation import ACTIONS
from sim.rng import Draws
from sim.scenario import load_scenario
from tests.conftest import CRISIS_INJECT, triad_toml

RED, BLUE, GREEN = 0, 1, 2


def situation(path, replications: int):
    """A triad one step into an injected RED-BLUE crisis, and the doctrine's turn."""
    setup = engine.build_setup(load_scenario(path))
    world = engine.step(engine.initial_world(setup, np.arange(1)), setup, seed=4)
    world = world.tiled(replications)
    decisions = engine.decide(world, setup, Draws(4, world.replications, world.step))
    return world, setup, decisions


@pytest.fixture
def turn(write_scenario):
    """One replication of the triad's crisis turn."""
    return situation(write_scenario(triad_toml(extra=CRISIS_INJECT)), 1)


@pytest.fixture
def turns(write_scenario):
    """Three replications of the triad's crisis turn."""
    return situation(write_scenario(triad_toml(extra=CRISIS_INJECT)), 3)


def arrays(decisions) -> list[np.ndarray]:
    """Every array a choice may change, copied."""
    sent = decisions.signals
    return [
        np.copy(a)
        for a in (
            decisions.milex,
            decisions.posture,
            decisions.action,
            sent.exercise,
            sent.patrol,
            sent.declaration,
        )
    ]


def test_the_doctrines_own_view_applied_changes_nothing(turn):
    """Applying the doctrine's view of a state as its choice leaves the decisions."""
    world, setup, decisions = turn
    before = arrays(decisions)
    for i in range(setup.n_states):
        view = choices.doctrine_view(world, setup, decisions, i)
        assert set(view) == set(choices.CHOICE_KEYS)
        choices.apply_choice(world, setup, decisions, i, view)
    for old, new in zip(before, arrays(decisions), strict=True):
        np.testing.assert_array_equal(old, new)


def test_a_choice_is_written_into_every_replication(turns):
    """Spending, posture, crisis action and a joint exercise reach every row."""
    world, setup, decisions = turns
    choices.apply_choice(
        world,
        setup,
        decisions,
        BLUE,
        {
            "milex_usd_m": 55.0,
            "posture": 0.9,
            "crisis": {"RED": "escalate"},
            "exercise": {"GREEN": 0.5},
            "patrol": {"border": 1.0},
        },
    )
    ordered = decisions.ordered[:, BLUE]  # the crisis order, toward RED only
    assert ordered[:, RED].all() and ordered.sum() == len(ordered)
    assert (decisions.milex[:, BLUE] == 55.0).all()
    assert (decisions.posture[:, BLUE] == 0.9).all()
    assert (decisions.action[:, BLUE, RED] == ACTIONS["escalate"]).all()
    sent = decisions.signals
    assert (sent.exercise[:, BLUE, GREEN] == 0.5).all()
    assert (sent.exercise[:, GREEN, BLUE] == 0.5).all()  # an exercise is joint
    assert (sent.patrol[:, BLUE, 0] == 1.0).all()


@pytest.mark.parametrize(
    ("choice", "message"),
    [
        (["hold"], "expected a table of choices"),
        ({"budget": 1.0}, "unknown choices"),
        ({"milex_usd_m": -1.0}, "expected a finite number >= 0"),
        ({"milex_usd_m": float("inf")}, "expected a finite number >= 0"),
        ({"posture": True}, "expected a number in"),
        ({"crisis": "hold"}, "expected a table of opponent"),
        ({"crisis": {"GREEN": "hold"}}, "no crisis under way with that state"),
        ({"crisis": {"RED": "surrender"}}, "expected one of back_down, hold"),
        ({"exercise": {"RED": 1.0}}, "which is not an ally of BLUE"),
        ({"patrol": {"atlantis": 1.0}}, "which is not a theater"),
        ({"declaration": {"GREEN": 2.0}}, "level 2.0 for GREEN"),
    ],
)
def test_a_bad_choice_is_named_and_writes_nothing(turn, choice, message):
    """Each bad choice raises naming the actor; the decisions stay as they were."""
    world, setup, decisions = turn
    before = arrays(decisions)
    with pytest.raises(choices.ChoiceError, match=message) as info:
        choices.apply_choice(
            world, setup, decisions, BLUE, copy.deepcopy(choice), actor="team BLUE"
        )
    assert str(info.value).startswith("team BLUE ")
    for old, new in zip(before, arrays(decisions), strict=True):
        np.testing.assert_array_equal(old, new)
