"""Quick checks of the crisis game on the bundled scenarios (issue #12, items 2-6).

Run from the repository root::

    python benchmarks/crisis_checks.py [REPLICATIONS]

It prints, for the baseline over ten years (default 2,000 replications, seed 1):

1. crises, shows of force or worse, limited clashes or worse, wars, and
   back-downs by challengers and defenders per year at dt = 1/12, 1/4 and 1/2,
   each with its 95% interval over replications;
2. the same at dt = 1/4 for ``perception_noise`` 0 and 4, and for
   ``audience_cost_per_rung`` 0 and 0.3 (with accurate beliefs too);
3. in the Taiwan Strait scenario, how China's crises against Taiwan end with a
   US-Taiwan tie of 0.6 and of 1.0.

``benchmarks/theory.py`` runs the paired comparisons of the theory suite on
purpose-built scenarios; this script reads the bundled ones as a user would.
"""

import sys

import numpy as np

from sim import engine
from sim.metrics import OutcomeTracker
from sim.scenario import bundled_dir, load_scenario

YEARS = 10
RATES = (
    ("crises", lambda rec: np.ones(len(rec["replication"]), bool)),
    ("show_of_force+", lambda rec: rec["peak_rung"] >= 2),
    ("clash+", lambda rec: rec["peak_rung"] >= 4),
    ("war", lambda rec: rec["ending"] == "war"),
    ("challenger_backed", lambda rec: rec["ending"] == "challenger_backed_down"),
    ("defender_backed", lambda rec: rec["ending"] == "defender_backed_down"),
)


def crisis_records(name: str, replications: int, overrides: dict) -> dict:
    """The crisis records of a bundled scenario run with ``overrides``."""
    scenario = load_scenario(bundled_dir() / f"{name}.toml", overrides=overrides)
    setup = engine.build_setup(scenario)
    worlds = engine.simulate(
        setup,
        seed=1,
        replications=np.arange(replications),
        steps=scenario.info.steps,
    )
    tracker = OutcomeTracker(next(worlds), scenario.info.dt_years)
    for world in worlds:
        tracker.update(world)
    return tracker.crisis_records(), scenario


def rates(replications: int, dt: float, **escalation: float) -> str:
    """Per-year rates of the baseline with their 95% intervals, as one line."""
    overrides = {"scenario.dt_years": dt, "scenario.steps": round(YEARS / dt)}
    overrides |= {f"mechanisms.escalation.{k}": v for k, v in escalation.items()}
    rec, _ = crisis_records("baseline_2024", replications, overrides)
    cells = []
    for name, which in RATES:
        per = np.bincount(rec["replication"][which(rec)], minlength=replications)
        per = per / YEARS
        half = 1.96 * per.std(ddof=1) / np.sqrt(replications)
        cells.append(f"{name} {per.mean():.4f} ± {half:.4f}")
    return "; ".join(cells)


def taiwan(replications: int, tie: float) -> str:
    """How China's crises against Taiwan end, shares with 95% intervals."""
    overrides = {"mechanisms.alliances.strategic_partnership": tie}
    rec, scenario = crisis_records("taiwan_strait", replications, overrides)
    chn, twn = scenario.state_index("CHN"), scenario.state_index("TWN")
    ending = rec["ending"][(rec["challenger"] == chn) & (rec["defender"] == twn)]
    n = len(ending)
    cells = [f"{n / replications:.3f} CHN-TWN crises per run"]
    for kind in ("challenger_backed_down", "defender_backed_down", "negotiated", "war"):
        share = (ending == kind).mean()
        half = 1.96 * np.sqrt(share * (1 - share) / n)
        cells.append(f"{kind} {share:.3f} ± {half:.3f}")
    return "; ".join(cells)


def main() -> None:
    """Print the three checks."""
    replications = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    print(f"baseline, {YEARS} years, {replications} replications, per year:")
    for dt in (1 / 12, 1 / 4, 1 / 2):
        print(f"  dt {dt:.4f}: {rates(replications, dt)}", flush=True)
    for name, values in (
        ("perception_noise", (0.0, 4.0)),
        ("audience_cost_per_rung", (0.0, 0.3)),
    ):
        for value in values:
            line = rates(replications, 0.25, **{name: value})
            print(f"  {name} {value}: {line}", flush=True)
    for value in (0.0, 0.3):
        line = rates(
            replications, 0.25, audience_cost_per_rung=value, perception_noise=0.0
        )
        print(f"  accurate beliefs, audience_cost_per_rung {value}: {line}")
    print("taiwan_strait:")
    for tie in (0.6, 1.0):
        print(f"  US-TWN tie {tie}: {taiwan(replications, tie)}", flush=True)


if __name__ == "__main__":
    main()
