"""Time of one engine step with alliances and crises, at 10,000 replications.

Run from the repository root::

    python benchmarks/bench_crisis_step.py [REPLICATIONS]

It warms the baseline (17 states) up for a few steps, so that crises are under
way, then prints the median time of the default doctrine's decisions
(``engine.decide``: spending and every crisis side), of applying them
(``engine.advance``: arms race, A2/AD stocks, alliances, escalation) and of a
whole step, and how many crisis sides were decided. Figures are measurements of
this machine, printed, never asserted.
"""

import sys
import time

import numpy as np

from sim import engine
from sim.rng import Draws
from sim.scenario import bundled_dir, load_scenario

WARM_UP_STEPS = 8
REPEATS = 5


def median_ms(call) -> float:
    """Median wall time of ``REPEATS`` calls, in milliseconds."""
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times))


def main() -> None:
    replications = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    setup = engine.build_setup(load_scenario(bundled_dir() / "baseline_2024.toml"))
    world = engine.initial_world(setup, np.arange(replications))
    for _ in range(WARM_UP_STEPS):
        world = engine.step(world, setup, seed=1)
    draws = Draws(1, world.replications, world.step)
    decisions = engine.decide(world, setup, draws)
    n = setup.n_states
    print(f"baseline_2024: {replications} replications x {n} states")
    print(f"crisis sides decided this step: {len(decisions.sides[0])}")
    decide = median_ms(lambda: engine.decide(world, setup, draws))
    advance = median_ms(lambda: engine.advance(world, setup, draws, decisions))
    whole = median_ms(lambda: engine.step(world, setup, seed=1))
    print(f"decide   {decide:8.1f} ms")
    print(f"advance  {advance:8.1f} ms")
    rate = replications * n / whole * 1000
    print(f"step     {whole:8.1f} ms  ({rate:,.0f} state-steps/s)")


if __name__ == "__main__":
    main()
