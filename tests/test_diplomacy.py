"""Signals, CBMs, cooperation and denial through the engine: properties over seeds."""

from pathlib import Path

import numpy as np
import pytest

from sim import diplomacy, engine
from sim.metrics import OutcomeTracker
from sim.model import RegionModel
from sim.scenario import bundled_dir, load_scenario
from tests.conftest import pair_toml, triad_toml

RIVAL_POSTURE = "posture = 1.0\ntransparency = 0.2"


def final_world(path, reps: int, **overrides) -> tuple[engine.World, OutcomeTracker]:
    """The last world of ``reps`` replications, and their outcomes."""
    scenario = load_scenario(path, overrides=overrides)
    setup = engine.build_setup(scenario)
    run = engine.simulate(
        setup, seed=3, replications=np.arange(reps), steps=scenario.info.steps
    )
    tracker = OutcomeTracker(next(run), setup.dt_years)
    for world in run:
        tracker.update(world)
    return world, tracker


def rivals(write_scenario, extra: str = "") -> Path:
    """Two forward-posted rivals with no dispute: only incidents start crises."""
    text = pair_toml(steps=40, red=RIVAL_POSTURE, blue=RIVAL_POSTURE, extra=extra)
    text = text.replace(
        '[[dispute]]\nparties = ["RED", "BLUE"]\ntheater = "border"',
        '[[rivalry]]\nparties = ["RED", "BLUE"]\nhostility = 0.5',
    )
    return write_scenario(text)


def test_cbms_lower_incident_driven_crises_over_many_seeds(write_scenario):
    """A hotline and exercise notification cut the crises incidents start."""
    cbm = '[[cbm]]\nkind = "hotline"\nparties = ["RED", "BLUE"]\n'
    cbm += '[[cbm]]\nkind = "notification"\nparties = ["RED", "BLUE"]\n'
    _, without = final_world(rivals(write_scenario), 400)
    _, with_cbm = final_world(rivals(write_scenario, cbm), 400)
    crises = without.result()["crises"].mean(), with_cbm.result()["crises"].mean()
    assert crises[0] > 1.0  # incidents do start crises here
    assert crises[1] < 0.8 * crises[0]


def test_exercise_raises_allied_credibility_and_rival_hostility(write_scenario):
    """A costly exercise raises allied credibility and the rival's hostility.

    No crisis opens, so what a crisis does to hostility cannot mask the signal's.
    """
    disputed = "hostility = 0.5\n"
    drill = (
        '[[signal]]\nkind = "exercise"\nstate = "GREEN"\npartners = ["BLUE"]\n'
        "every_years = 0.25\n"
    )
    calm = {
        "mechanisms.escalation.dispute_rate_per_year": 0.0,
        "mechanisms.escalation.incident_rate_per_year": 0.0,
    }
    quiet, _ = final_world(write_scenario(triad_toml(extra=disputed)), 4, **calm)
    loud, _ = final_world(write_scenario(triad_toml(extra=disputed + drill)), 4, **calm)
    red, blue, green = 0, 1, 2
    assert np.all(loud.credibility[:, blue, green] > quiet.credibility[:, blue, green])
    assert np.all(loud.hostility[:, red, blue] > quiet.hostility[:, red, blue])
    assert np.all(loud.capability[:, green] < quiet.capability[:, green])  # sunk cost


def test_zero_range_a2ad_changes_nothing_in_a_run():
    """The A2/AD scenario with both ranges at 0 km runs exactly as with A2/AD off."""
    path = bundled_dir() / "a2ad.toml"
    zero = {
        "mechanisms.a2ad.short_range_km": 0.0,
        "mechanisms.a2ad.long_range_km": 0.0,
        "scenario.steps": 12,
    }
    a, _ = final_world(path, 3, **zero)
    b, _ = final_world(
        path, 3, **{"mechanisms.a2ad.enabled": False, "scenario.steps": 12}
    )
    assert np.array_equal(a.credibility, b.credibility)
    assert np.array_equal(a.rung, b.rung)
    assert np.array_equal(a.milex, b.milex)


def test_allies_inside_the_denial_zone_doubt_their_patron():
    """US credibility with the Philippines falls as the zone grows; counters help."""
    path = bundled_dir() / "a2ad.toml"
    steps = {"scenario.steps": 20}
    off, _ = final_world(path, 2, **steps, **{"mechanisms.a2ad.enabled": False})
    zone, _ = final_world(path, 2, **steps)
    scenario = load_scenario(path)
    phl, usa = scenario.state_index("PHL"), scenario.state_index("USA")
    no_counter = {f"state.{s}.a2ad.counter_share": 0.0 for s in ("USA", "JPN", "AUS")}
    bare, _ = final_world(path, 2, **steps, **no_counter)
    view = [w.credibility[:, phl, usa] for w in (off, zone, bare)]
    assert np.all(view[0] > view[1]) and np.all(view[1] > view[2])


def test_more_disasters_build_more_trust(write_scenario):
    """Frequent disasters answered jointly leave rivals trusting each other more."""
    path = rivals(write_scenario)
    rare, _ = final_world(
        path, 200, **{"mechanisms.cooperation.disaster_rate_per_year": 0.0}
    )
    often, _ = final_world(
        path,
        200,
        **{
            "mechanisms.cooperation.disaster_rate_per_year": 2.0,
            "mechanisms.cooperation.relief_min_trust": 0.0,
        },
    )
    assert often.trust[:, 0, 1].mean() > rare.trust[:, 0, 1].mean()
    assert often.transparency.mean() > rare.transparency.mean()


def trust_after_forums(path: Path, dt: float) -> float:
    """GREEN's trust in BLUE after four years at step length ``dt``."""
    overrides = {
        "scenario.dt_years": dt,
        "mechanisms.cooperation.disaster_rate_per_year": 0.0,
    }
    setup = engine.build_setup(load_scenario(path, overrides=overrides))
    green, blue = (setup.scenario.state_index(s) for s in ("GREEN", "BLUE"))
    *_, world = engine.simulate(
        setup, seed=3, replications=np.arange(1), steps=round(4 / dt)
    )
    return float(world.trust[0, green, blue])


def test_two_forums_in_one_half_year_build_as_much_trust_as_in_two_quarters(
    write_scenario,
):
    """Time is rates per year: each meeting counts, however many share a step.

    GREEN and BLUE meet twice a year, in the third and the fourth quarter: two
    steps apart at quarterly steps, one step at half-year steps. Trust after
    four years agrees to a few parts in 10,000 (the meetings fall mid-step, so
    their fading shifts a little with the step); counted once a step, the
    half-year run would have gained half as much.
    """
    forums = "".join(
        f'[[forum]]\nname = "{name}"\nmembers = ["GREEN", "BLUE"]\n'
        f"every_years = 1.0\nfirst_year = {first}\n"
        for name, first in (("Summer", 2000.5), ("Autumn", 2000.75))
    )
    path = write_scenario(triad_toml(steps=16, extra=forums))
    quarterly, monthly, half = (
        trust_after_forums(path, dt) for dt in (1 / 4, 1 / 12, 1 / 2)
    )
    start = trust_after_forums(write_scenario(triad_toml(steps=16)), 1 / 4)
    assert quarterly - start > 0.03  # eight meetings raised it
    assert monthly == pytest.approx(quarterly, abs=5e-4)
    assert half == pytest.approx(quarterly, abs=5e-4)


@pytest.mark.parametrize("name", ["signaling.toml", "quad_aukus.toml", "a2ad.toml"])
def test_replication_does_not_depend_on_batch_size(name):
    """Replications 0-5 are bit-identical run together or in two chunks of three."""
    path = bundled_dir() / name
    whole, _ = final_world(path, 6, **{"scenario.steps": 10})
    scenario = load_scenario(path, overrides={"scenario.steps": 10})
    setup = engine.build_setup(scenario)
    parts = [
        list(engine.simulate(setup, seed=3, replications=reps, steps=10))[-1]
        for reps in (np.arange(3), np.arange(3, 6))
    ]
    for field in ("trust", "transparency", "hostility", "credibility", "signal_credit"):
        joined = np.concatenate([getattr(p, field) for p in parts])
        assert np.array_equal(getattr(whole, field), joined), field


@pytest.mark.parametrize("kind", ["exercise", "declaration"])
def test_a_yearly_signal_builds_the_same_credit_at_any_step_length(
    write_scenario, kind
):
    """Time is rates per year: one signal a year is worth the same at any dt.

    GREEN signals to BLUE once a year from the start, each sending held for a
    quarter; after one year (12 monthly, 4 quarterly or 8 eighth-year steps)
    the credit and the pledge it built, which nothing else moves, do not depend
    on the step length: the stocks are solved exactly over each step. (A step
    longer than a sending spreads it over the step, shifting it by up to half a
    step: see test_schedule for the time it holds.)
    """
    signal = (
        f'[[signal]]\nkind = "{kind}"\nstate = "GREEN"\npartners = ["BLUE"]\n'
        "every_years = 1.0\n"
    )
    path = write_scenario(triad_toml(extra=signal))
    built = []
    for dt in (1 / 12, 1 / 4, 1 / 8):
        setup = engine.build_setup(
            load_scenario(path, overrides={"scenario.dt_years": dt})
        )
        *_, world = engine.simulate(
            setup, seed=3, replications=np.arange(1), steps=round(1 / dt)
        )
        built.append((world.signal_credit.sum(), world.pledge.sum()))
    assert built[0][0] > 0
    assert (built[0][1] > 0) == (kind == "declaration")
    for other in built[1:]:
        assert other == pytest.approx(built[0], rel=1e-9)


def year_of_provocation(path, dt: float, memory: float) -> np.ndarray:
    """RED's hostility read from GREEN's pledges over a year, per replication."""
    overrides = {
        "scenario.dt_years": dt,
        "mechanisms.signaling.misreading_memory_years": memory,
    }
    setup = engine.build_setup(load_scenario(path, overrides=overrides))
    red, green = (setup.scenario.state_index(s) for s in ("RED", "GREEN"))
    worlds = engine.simulate(
        setup, seed=5, replications=np.arange(4000), steps=round(1 / dt)
    )
    return sum(w.provocation[:, red, green] * dt for w in list(worlds)[1:])


@pytest.mark.parametrize(("memory", "low", "high"), [(1.0, 0.85, 1.15), (0.0, 0, 0.5)])
def test_a_year_of_misreading_spreads_as_much_at_any_step_length(
    write_scenario, memory, low, high
):
    """A reader's error persists, so a year of it does not average out at short steps.

    GREEN pledges to BLUE all year and RED, BLUE's adversary and GREEN's
    rival, reads the pledge through noise. The spread across replications of
    what RED read in the year is the same at monthly and quarterly steps (an
    Ornstein-Uhlenbeck error with a year's memory: variances 0.74 and 0.75 of
    a fixed error's; measured ratio 0.99); read afresh every step (memory 0) it
    falls with the step, to a third (measured 0.34).
    """
    pledge = (
        '[[signal]]\nkind = "declaration"\nstate = "GREEN"\npartners = ["BLUE"]\n'
        "every_years = 1.0\nduration_years = 1.0\n"
        '[[rivalry]]\nparties = ["RED", "GREEN"]\nhostility = 0.5\n'
    )
    path = write_scenario(triad_toml(extra=pledge))
    monthly, quarterly = (
        year_of_provocation(path, dt, memory) for dt in (1 / 12, 1 / 4)
    )
    assert quarterly.std() > 0
    assert low < monthly.var() / quarterly.var() < high


def test_scheduled_signals_follow_their_rhythm():
    """A yearly exercise is sent at steps 0, 4, 8 (quarters) and not in between."""
    scenario = load_scenario(bundled_dir() / "quad_aukus.toml")
    setup = engine.build_setup(scenario)
    usa, ind = scenario.state_index("USA"), scenario.state_index("IND")
    levels = [
        diplomacy.scheduled_signals(setup, step).exercise[0, usa, ind]
        for step in range(13)
    ]
    assert levels[:9] == [0.3, 0, 0, 0, 0.3, 0, 0, 0, 0.3]
    assert levels[12] == 0.6


@pytest.mark.parametrize("dt", [1 / 12, 1 / 4, 1 / 2])
def test_two_exercises_one_after_the_other_count_alike_at_any_step(write_scenario, dt):
    """A full exercise held in January-March, a half one in April-June, each year.

    Their level-years per year are 0.25 + 0.125 whatever the step length; half-year
    steps, which hold both in one step, must not count only the higher.
    """
    drills = "".join(
        '[[signal]]\nkind = "exercise"\nstate = "GREEN"\npartners = ["BLUE"]\n'
        f"level = {level}\nfirst_year = {first}\nevery_years = 1.0\n"
        "duration_years = 0.25\n"
        for level, first in ((1.0, 2000.0), (0.5, 2000.25))
    )
    path = write_scenario(triad_toml(extra=drills))
    scenario = load_scenario(
        path, overrides={"scenario.dt_years": dt, "scenario.steps": round(3 / dt)}
    )
    setup = engine.build_setup(scenario)
    green, blue = scenario.state_index("GREEN"), scenario.state_index("BLUE")
    level_years = sum(
        diplomacy.scheduled_signals(setup, step).exercise[0, green, blue] * dt
        for step in range(scenario.info.steps)
    )
    assert level_years / 3 == pytest.approx(0.375)


class Drill:
    """A policy that exercises with the given partners at full level."""

    def __init__(self, *partners: str) -> None:
        self.partners = partners

    def decide(self, agent, doctrine: dict) -> dict:
        """Keep the doctrine, but exercise with every partner."""
        return {"exercise": dict.fromkeys(self.partners, 1.0)}


def test_policy_exercise_with_a_non_ally_names_it(write_scenario):
    """A policy that exercises with a state that is not an ally fails, naming it."""
    model = RegionModel(write_scenario(triad_toml()), rng=1)
    model.agent("GREEN").policy = Drill("RED")
    with pytest.raises(ValueError, match="exercise with 'RED', which is not an ally"):
        model.step()


def test_policy_exercise_raises_credibility_like_the_schedule(write_scenario):
    """A team's chosen exercise raises its ally's view of it, as a scheduled one."""
    path = write_scenario(triad_toml(steps=8))
    quiet = RegionModel(path, rng=1)
    drilled = RegionModel(path, rng=1)
    drilled.agent("GREEN").policy = Drill("BLUE")
    quiet.run_for(4)
    drilled.run_for(4)
    blue, green = 1, 2
    assert (
        drilled.world.credibility[0, blue, green]
        > quiet.world.credibility[0, blue, green]
    )


def test_disaster_inject_brings_relief_and_trust(write_scenario):
    """A disaster injected on BLUE brings its near ally GREEN to help: trust rises."""
    inject = '[[inject]]\nyear = 2000.0\nkind = "disaster"\nparties = ["BLUE"]\n'
    calm = {"mechanisms.cooperation.disaster_rate_per_year": 0.0, "scenario.steps": 1}
    quiet, _ = final_world(write_scenario(triad_toml()), 2, **calm)
    struck, _ = final_world(write_scenario(triad_toml(extra=inject)), 2, **calm)
    blue, green = 1, 2
    assert np.all(struck.trust[:, blue, green] > quiet.trust[:, blue, green])
    assert np.all(struck.transparency[:, blue] > quiet.transparency[:, blue])
