"""The EMA Workbench adapter: a ready Model whose numbers are the engine's."""

import pickle
import warnings

import numpy as np
import pytest
from conftest import triad_toml

from sim.ema import workbench_model
from sim.experiments import ExperimentError, run_points
from sim.scenario import ScenarioError

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from ema_workbench import (
        CategoricalParameter,
        IntegerParameter,
        RealParameter,
        Sample,
        SequentialEvaluator,
        perform_experiments,
    )


@pytest.fixture
def triad(write_scenario):
    """The triad over twelve steps."""
    return write_scenario(triad_toml(steps=12), "triad.toml")


def test_model_names_inputs_by_path_and_outcomes_as_the_table(triad):
    """Ranges become Real or Integer parameters, lists categories; outcomes named."""
    model = workbench_model(
        triad,
        {"state.RED.resolve": (0.2, 0.9), "state.RED.threshold": (2, 5)},
        levers={"state.BLUE.posture": [0.2, 0.8]},
        outcomes=["war_onset", "peak_rung"],
        replications=4,
    )
    resolve, threshold = model.uncertainties
    assert isinstance(resolve, RealParameter) and resolve.name == "state_RED_resolve"
    assert isinstance(threshold, IntegerParameter)
    assert isinstance(model.levers["state_BLUE_posture"], CategoricalParameter)
    assert [o.name for o in model.outcomes] == ["war_onset", "peak_rung"]
    assert model.name == "triad"


def test_experiments_report_the_engine_means(triad):
    """Each experiment's outcomes are the means of run_points at its values."""
    model = workbench_model(
        triad,
        {"state.RED.resolve": (0.1, 0.9)},
        outcomes=["peak_rung", "crises", "deterrence_success_rate", "war_onset.border"],
        replications=6,
        seed=3,
    )
    values = [0.15, 0.85]
    scenarios = [Sample(f"s{k}", state_RED_resolve=v) for k, v in enumerate(values)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        experiments, outcomes = perform_experiments(
            model, scenarios=scenarios, evaluator=SequentialEvaluator(model)
        )
    expected = run_points(
        triad,
        [{"state.RED.resolve": v} for v in values],
        replications=6,
        seed=3,
    ).outcomes.groupby("point")
    np.testing.assert_allclose(experiments["state_RED_resolve"], values)
    np.testing.assert_allclose(outcomes["peak_rung"], expected["peak_rung"].mean())
    np.testing.assert_allclose(outcomes["crises"], expected["crises"].mean())
    np.testing.assert_allclose(
        outcomes["deterrence_success_rate"],
        expected["deterrence_success_rate"].mean(),  # NaN rows skipped
        equal_nan=True,
    )
    np.testing.assert_allclose(  # a per-place outcome, named as an identifier
        outcomes["war_onset_border"], expected["war_onset.border"].mean()
    )
    differ = [
        name
        for name in ("peak_rung", "crises")
        if outcomes[name][0] != outcomes[name][1]
    ]
    assert differ, (
        "both experiments gave the same outcomes: the values did not reach the engine"
    )


def test_model_function_pickles_for_the_multiprocessing_evaluator(triad):
    """The function travels to worker processes and gives the same numbers."""
    model = workbench_model(triad, {"state.RED.resolve": (0.2, 0.9)}, replications=2)
    copy = pickle.loads(pickle.dumps(model.function))
    values = {"state_RED_resolve": 0.5}
    assert copy(**values) == pytest.approx(model.function(**values), nan_ok=True)


def test_bad_inputs_fail_before_any_experiment(triad):
    """A path, an outcome, a range or a count that cannot work is named."""
    with pytest.raises(ScenarioError, match=r"state\.GREY"):
        workbench_model(triad, {"state.GREY.resolve": (0.1, 0.2)})
    with pytest.raises(ScenarioError, match="resolve"):
        workbench_model(triad, {"state.RED.resolve": (0.5, 1.5)})
    with pytest.raises(ExperimentError, match="outcomes 'wars': not an outcome"):
        workbench_model(triad, {"state.RED.resolve": (0.1, 0.2)}, outcomes=["wars"])
    with pytest.raises(ExperimentError, match="lo < hi"):
        workbench_model(triad, {"state.RED.resolve": (0.5, 0.1)})
    with pytest.raises(ExperimentError, match="not a range"):
        workbench_model(triad, {"state.RED.resolve": 0.5})
    with pytest.raises(ExperimentError, match="at least 1"):
        workbench_model(triad, {"state.RED.resolve": (0.1, 0.2)}, replications=0)
    with pytest.raises(ExperimentError) as both:  # the setting lost in silence
        workbench_model(
            triad, {"state.RED.resolve": (0.1, 0.2)}, settings={"state.RED.resolve": 1}
        )
    assert str(both.value) == (
        "settings state.RED.resolve: an uncertainty or lever varies it too; set it "
        "or vary it, not both"
    )
