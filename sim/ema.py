"""The model as an EMA Workbench model, ready for its samplers and analyses.

The Exploratory Modeling and Analysis Workbench (Kwakkel 2017, *Environmental
Modelling & Software* 96) separates the model (a function of named inputs to
named outcomes), the experiment design (samplers over uncertainties and levers)
and the analysis (PRIM, feature scoring, dimensional stacking, pairs plots).
:func:`workbench_model` gives the first: an ``ema_workbench.Model`` whose
uncertainties and levers are scenario field paths (the paths of ``--param`` and
``--set``, e.g. ``state.USA.resolve``) and whose outcomes are the columns of the
outcomes table (``war_onset``, ``peak_rung``, ...), so the Workbench's own
evaluators, samplers and analyses work on it unchanged. The Workbench (3.0 on)
wants names that are Python identifiers, so a dot becomes an underscore in a
parameter's name (``state.USA.resolve`` -> ``state_USA_resolve``) and in a
per-place outcome's (``war_onset.CHN_TWN`` -> ``war_onset_CHN_TWN``;
:func:`workbench_name`); the model keeps the way back.

One experiment runs ``replications`` replications of the scenario with the
experiment's values (the batch engine, vectorised, nothing written) and reports
each outcome's mean over them: ``war_onset`` becomes the probability of war
within the horizon. Every experiment runs the same replication indices with the
same seed (common random numbers), so differences between experiments come from
the inputs, not from different luck. An outcome undefined in some replications
(``deterrence_success_rate`` with no crisis) is averaged over those where it is
defined, and is NaN when it is defined in none.

The function the model calls is a picklable object, so the Workbench's
``MultiprocessingEvaluator`` works as well as its ``SequentialEvaluator``.
"""

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.experiments import ExperimentError, check_outcome, outcome_names, run_points
from sim.scenario import load_scenario

if TYPE_CHECKING:
    from ema_workbench import Model
    from ema_workbench.em_framework.parameters import Parameter

Inputs = Mapping[str, "tuple[float, float] | list[Any] | Parameter"]
"""Field path to a range ``(lo, hi)``, a list of categories, or a Parameter."""


@dataclass(frozen=True)
class ScenarioFunction:
    """Outcome means of a scenario at the values of one experiment.

    Called by the Workbench with one keyword argument per uncertainty, lever
    and constant, named by :func:`workbench_name`.

    Attributes:
        scenario: The scenario file.
        paths: Parameter name to the scenario field path it sets.
        outcomes: The outcomes to report, named as in the outcomes table (the
            result is keyed by :func:`workbench_name`).
        replications: Replications per experiment.
        steps: Steps per replication (the scenario's if None).
        seed: Seed of every experiment (the scenario's if None).
        settings: Field path to value fixed in every experiment.
    """

    scenario: str
    paths: dict[str, str]
    outcomes: tuple[str, ...]
    replications: int
    steps: int | None = None
    seed: int | None = None
    settings: dict[str, Any] = field(default_factory=dict)

    def __call__(self, **values: Any) -> dict[str, float]:
        """Run the replications at ``values``; each outcome's mean over them."""
        overrides = {
            self.paths.get(name, name): _plain(value) for name, value in values.items()
        }
        rows = run_points(
            self.scenario,
            [overrides],
            replications=self.replications,
            steps=self.steps,
            seed=self.seed,
            settings=self.settings,
        ).outcomes
        means = {}
        for name in self.outcomes:
            defined = rows[name].dropna()
            mean = float(defined.mean()) if len(defined) else float("nan")
            means[workbench_name(name)] = mean
        return means


def workbench_model(
    scenario: str | Path,
    uncertainties: Inputs,
    *,
    levers: Inputs | None = None,
    outcomes: Sequence[str] | None = None,
    replications: int = 100,
    steps: int | None = None,
    seed: int | None = None,
    settings: Mapping[str, Any] | None = None,
    name: str | None = None,
) -> "Model":
    """An ``ema_workbench.Model`` of a scenario, ready for the Workbench.

    Args:
        scenario: The scenario file.
        uncertainties: Field path to its range: ``(lo, hi)`` (a
            ``RealParameter``, or an ``IntegerParameter`` when both are ints),
            a list of values (a ``CategoricalParameter``), or a Workbench
            parameter named by its path.
        levers: The policy levers, in the same form.
        outcomes: Outcomes to report, named as in the outcomes table (None:
            every outcome); each becomes a ``ScalarOutcome``.
        replications: Replications per experiment (their mean is reported).
        steps: Steps per replication (the scenario's if None).
        seed: Seed of every experiment (the scenario's if None).
        settings: Field path to value fixed in every experiment.
        name: The model's name, a Python identifier (the scenario's if None).

    Returns:
        The model; run it with ``perform_experiments(model, scenarios=200)``
        or any of the Workbench's evaluators.

    Raises:
        ExperimentError: An empty or reversed range, an unknown outcome, a
            bad count, or a setting that an uncertainty or lever varies too.
        ScenarioError: A path the scenario does not have, or a value it refuses
            (checked at the range's ends before any experiment runs).
    """
    with warnings.catch_warnings():
        # The workbench warns on import about optional parallel back-ends.
        warnings.simplefilter("ignore")
        from ema_workbench import Model, ScalarOutcome

    if replications < 1:
        raise ExperimentError(f"replications {replications}: must be at least 1")
    path = str(Path(scenario).resolve())
    settings = dict(settings or {})
    inputs = [_parameter(p, spec, "uncertainty") for p, spec in uncertainties.items()]
    policy = [_parameter(p, spec, "lever") for p, spec in (levers or {}).items()]
    if not inputs:
        raise ExperimentError("uncertainties: give at least one field path and range")
    varied = [p for p in (*uncertainties, *(levers or {})) if p in settings]
    if varied:
        raise ExperimentError(
            f"settings {varied[0]}: an uncertainty or lever varies it too; set it or "
            "vary it, not both",
            field="settings",
        )
    named = list(
        zip([*inputs, *policy], [*uncertainties, *(levers or {})], strict=True)
    )
    _check_names(named)
    _check_paths(path, named, settings)
    known = outcome_names(path)
    chosen = list(known if outcomes is None else outcomes)
    for outcome in chosen:
        check_outcome(outcome, known, "outcomes")
    scenario_name = load_scenario(path, overrides=settings).info.name
    model = Model(
        name or _identifier(scenario_name),
        function=ScenarioFunction(
            path,
            {p.name: p_path for p, p_path in named},
            tuple(chosen),
            replications,
            steps,
            seed,
            settings,
        ),
    )
    model.uncertainties = inputs
    model.levers = policy
    model.outcomes = [ScalarOutcome(workbench_name(outcome)) for outcome in chosen]
    return model


def workbench_name(path: str) -> str:
    """The Workbench's name of a field path or outcome: dots become underscores.

    >>> workbench_name("state.USA.resolve")
    'state_USA_resolve'
    """
    return path.replace(".", "_")


def _parameter(path: str, spec: Any, role: str) -> "Parameter":
    """A Workbench parameter for a field path, named by :func:`workbench_name`."""
    from ema_workbench import CategoricalParameter, IntegerParameter, RealParameter
    from ema_workbench.em_framework.parameters import Parameter

    name = workbench_name(path)
    if isinstance(spec, Parameter):
        if spec.name != name:
            raise ExperimentError(
                f"{role} {path}: the parameter is named {spec.name!r}; name it "
                f"{name!r} (the path with underscores for dots)"
            )
        return spec
    if isinstance(spec, list):
        if len(spec) < 2:
            raise ExperimentError(f"{role} {path}: give at least two categories")
        return CategoricalParameter(name, spec)
    if isinstance(spec, tuple) and len(spec) == 2:
        lo, hi = spec
        if not lo < hi:
            raise ExperimentError(f"{role} {path}: range {spec} must have lo < hi")
        whole = all(isinstance(v, int) and not isinstance(v, bool) for v in spec)
        return (IntegerParameter if whole else RealParameter)(name, lo, hi)
    raise ExperimentError(
        f"{role} {path}: {spec!r} is not a range (lo, hi), a list of categories "
        "or a Workbench parameter"
    )


def _check_names(named: list) -> None:
    """Refuse two paths that would share one parameter name."""
    seen: dict[str, str] = {}
    for parameter, path in named:
        if parameter.name in seen:
            raise ExperimentError(
                f"{path} and {seen[parameter.name]}: both named {parameter.name!r} "
                "in the Workbench; vary only one of them"
            )
        seen[parameter.name] = path


def _check_paths(scenario: str, named: list, settings: dict[str, Any]) -> None:
    """Load the scenario at each parameter's ends, so a bad path fails now."""
    for parameter, path in named:
        for value in _ends(parameter):
            load_scenario(scenario, overrides={**settings, path: value})


def _ends(parameter: Any) -> list[Any]:
    categories = getattr(parameter, "categories", None)
    if categories is not None:
        return [_plain(c.value) for c in categories]
    return [_plain(parameter.lower_bound), _plain(parameter.upper_bound)]


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python number a scenario file would hold."""
    return value.item() if isinstance(value, np.generic) else value


def _identifier(text: str) -> str:
    """A Python identifier from a scenario name (the Workbench needs one)."""
    cleaned = "".join(c if c.isalnum() else "_" for c in text)
    return cleaned if cleaned.isidentifier() else f"scenario_{cleaned}"
