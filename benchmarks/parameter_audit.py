"""Does every parameter move some outcome, and does every outcome vary?

The project's standard: a parameter that cannot change any outcome, or an
outcome that takes one value in every replication, is a bug. Run from the
repository root (about ten minutes on one core at the defaults)::

    nice -n 10 python benchmarks/parameter_audit.py [REPLICATIONS] [STEPS]

For each parameter of every mechanism (``sim.dynamics.MECHANISMS``) it moves
the value away from the scenario's, up then down (:func:`moves`; a parameter
that may be set per state is moved for every state), and runs the bundled
scenarios, the baseline first, with common seeds, until a move gives outcomes
that differ from the unmoved run. A parameter that no such move changes
anywhere is then set to each finite end of its range (:func:`ends`), so that
"moved nothing" means nothing across the whole range, and one that matters
only there is named as such. It prints where each parameter first mattered,
and the parameters that moved nothing in any scenario (a scenario that
refuses a move, as ``steady_start`` refuses a grievance, is skipped).
Then, per scenario, it lists the outcomes that take one value in every
replication. Figures are measurements, printed, never asserted.
"""

import math
import sys
from collections.abc import Callable

import numpy as np
import pandas as pd

from sim.calibrate import field_value
from sim.dynamics import MECHANISMS
from sim.dynamics.parameters import Spec, specs
from sim.experiments import run_points
from sim.scenario import Scenario, ScenarioError, bundled_dir, load_scenario

FIRST = "baseline_2024"


def moves(value: float | bool, spec: Spec) -> list[float | bool]:
    """Values away from ``value`` inside the spec's range: half again, then half.

    A flag is flipped; zero goes to the middle of a bounded range, else to 1;
    a whole-number parameter (a rung) moves to whole numbers.
    """
    if isinstance(value, bool):
        return [not value]
    lo = -math.inf if spec.lo is None else spec.lo
    hi = math.inf if spec.hi is None else spec.hi
    if value == 0:
        return [0.5 * (lo + hi) if math.isfinite(lo + hi) else 1.0]
    away = [v for v in (1.5 * value, 0.5 * value) if lo <= v <= hi]
    if isinstance(value, int):
        return [round(v) for v in away if round(v) != value]
    return away


def ends(value: float | bool, spec: Spec) -> list[float | bool]:
    """The finite ends of the spec's range other than ``value`` (none for a flag).

    A whole-number parameter keeps whole numbers.
    """
    if isinstance(value, bool):
        return []
    found = [v for v in (spec.lo, spec.hi) if v is not None and v != value]
    return [round(v) for v in found] if isinstance(value, int) else found


Mover = Callable[[float | bool, Spec], list[float | bool]]


def settings(
    scenario: Scenario, mechanism: str, name: str, spec: Spec, mover: Mover = moves
) -> list[dict[str, float | bool]]:
    """The overrides of each move of one parameter in one scenario."""
    if not spec.per_state:
        path = f"mechanisms.{mechanism}.{name}"
        value = getattr(scenario.mechanisms[mechanism], name)
        return [{path: v} for v in mover(value, spec)]
    paths = [f"state.{s}.{mechanism}.{name}" for s in scenario.state_ids]
    each = [mover(field_value(scenario, p), spec) for p in paths]
    return [
        {p: m[k] for p, m in zip(paths, each, strict=True) if k < len(m)}
        for k in range(max(map(len, each)))
    ]


def scenario_names() -> list[str]:
    """The bundled scenarios, the baseline first."""
    names = sorted(p.stem for p in bundled_dir().glob("*.toml"))
    return [FIRST, *(n for n in names if n != FIRST)]


def differs(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    """Whether two runs' outcome tables differ anywhere (NaN equal to NaN)."""
    left, right = a.drop(columns="point").to_numpy(), b.drop(columns="point").to_numpy()
    return not np.array_equal(left, right, equal_nan=True)


def first_mattered(
    mechanism: str,
    name: str,
    spec: Spec,
    scenarios: dict,
    reps: int,
    steps: int,
    mover: Mover = moves,
) -> str | None:
    """The first scenario and move in which the parameter changes an outcome."""
    for scenario_name, scenario in scenarios.items():
        for change in settings(scenario, mechanism, name, spec, mover):
            try:
                run = run_points(
                    scenario_name, [{}, change], replications=reps, steps=steps
                ).outcomes
            except ScenarioError:  # the scenario sets it another way
                continue
            if differs(run[run.point == 0], run[run.point == 1]):
                path, value = next(iter(change.items()))
                value = value if isinstance(value, bool) else f"{value:g}"
                more = f" (and {len(change) - 1} more)" if len(change) > 1 else ""
                return f"{scenario_name} | {path}={value}{more}"
    return None


def audit_parameters(replications: int, steps: int) -> None:
    """Print where each parameter first moves an outcome, and those that never do."""
    scenarios = {n: load_scenario(n) for n in scenario_names()}
    never, at_ends = [], []
    for mechanism, params_type in MECHANISMS.items():
        for name, (_, spec) in specs(params_type).items():
            path = f"mechanisms.{mechanism}.{name}"
            args = (mechanism, name, spec, scenarios, replications, steps)
            where = first_mattered(*args)
            if where is None:
                where = first_mattered(*args, mover=ends)
                (never if where is None else at_ends).append(path)
                where = f"{where} (only at its range's end)" if where else None
            print(f"| {mechanism}.{name} | {where or '**none** |'} |", flush=True)
    print(f"\n{len(at_ends)} parameter(s) moved an outcome only at a range's end:")
    for path in at_ends:
        print(f"- {path}")
    print(f"\n{len(never)} parameter(s) moved no outcome in any bundled scenario:")
    for path in never:
        print(f"- {path}")


def audit_outcomes(replications: int, steps: int) -> None:
    """Print, per scenario, the outcomes with one value in every replication."""
    print("\n| scenario | outcomes with one value in every replication |")
    print("|---|---|")
    for scenario_name in scenario_names():
        outcomes = run_points(
            scenario_name, [{}], replications=replications, steps=steps
        ).outcomes.drop(columns=["point", "replication"])
        constant = [c for c in outcomes if outcomes[c].nunique(dropna=False) <= 1]
        print(f"| {scenario_name} | {', '.join(constant) or '(none)'} |", flush=True)


def main(replications: int = 40, steps: int = 40) -> None:
    """Both audits, at ``replications`` of ``steps`` steps each."""
    print(f"{replications} replications of {steps} steps, common seeds\n")
    print("| parameter | first mattered in | move |")
    print("|---|---|---|")
    audit_parameters(replications, steps)
    audit_outcomes(replications, steps)


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
