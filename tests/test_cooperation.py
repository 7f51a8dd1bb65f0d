"""Cooperation: disasters, relief teams, forum meetings, trust and transparency."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.dynamics import cooperation
from sim.rng import Draws, Stream

# Three states on a line: 0 and 1 are 1,000 km apart, 2 is 9,000 km from both.
DISTANCE = np.array([[0.0, 1000.0, 9000.0], [1000.0, 0.0, 9000.0], [9e3, 9e3, 0.0]])


def test_disasters_per_step_are_poisson_with_mean_rate_times_dt():
    """A state's disasters in a step: mean and variance ``q dt``, two or more too."""
    reps = np.arange(40000)
    u = Draws(2, reps, 0).uniform(Stream.COOPERATION, (3,))
    rate = np.array([0.0, 0.4, 2.0])
    hit = cooperation.disasters(u, rate, 0.5)
    assert not hit[:, 0].any()
    assert hit[:, 1:].mean(axis=0) == pytest.approx(rate[1:] * 0.5, rel=0.03)
    assert hit[:, 1:].var(axis=0) == pytest.approx(rate[1:] * 0.5, rel=0.05)
    assert (hit[:, 2] >= 2).mean() == pytest.approx(1 - 2 * np.exp(-1.0), abs=0.01)


@given(
    arrays(float, (4, 3), elements=st.floats(1e-12, 1.0 - 1e-9)),
    arrays(float, (3,), elements=st.floats(0.0, 20.0)),
    st.floats(0.01, 2.0),
)
def test_disasters_invert_the_poisson_distribution_as_scipy_does(u, rate, dt):
    """The count at each uniform is the Poisson quantile there (scipy's ``ppf``).

    Away from the ends of [0, 1), where the two sums of the tail round apart.
    """
    from scipy.stats import poisson

    expected = poisson.ppf(u, np.broadcast_to(rate * dt, u.shape))
    assert np.array_equal(cooperation.disasters(u, rate, dt), expected)


def test_a_state_struck_twice_gets_two_reliefs():
    """Each disaster brings its own relief, so helpers share two events, not one."""
    params = cooperation.Params(relief_range_km=5000.0)
    world, team = cooperation.relief_teams(
        np.array([[2, 0, 0]]), DISTANCE, np.full((1, 3, 3), 0.5), params
    )
    assert world.tolist() == [0, 0]
    assert team.tolist() == [[True, True, False]] * 2
    met = cooperation.together(world, team, 1)
    assert met[0].tolist() == [[0, 2, 0], [2, 0, 0], [0, 0, 0]]


@given(st.floats(0.0, 1.0), st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_two_events_in_one_step_count_as_two_steps_with_one(trust, gain, hostility):
    """Sharing two events at once raises trust and openness as one, then another."""
    start = np.full((1, 2, 2), trust)
    openness = np.full((1, 2), trust)
    h = np.full((1, 2, 2), hostility)
    pair = np.array([[True, True]])
    both = cooperation.cooperate(
        start, openness, (np.array([0, 0]), np.repeat(pair, 2, 0)), gain, gain, h
    )
    once = cooperation.cooperate(start, openness, (np.array([0]), pair), gain, gain, h)
    twice = cooperation.cooperate(*once[:2], (np.array([0]), pair), gain, gain, h)
    assert both[0] == pytest.approx(twice[0], abs=1e-12)
    assert both[1] == pytest.approx(twice[1], abs=1e-12)
    assert both[2][0, 0, 1] == 2


def test_relief_comes_from_near_trusting_states_only():
    """Helpers are within range and trust the stricken state; it is in its own team."""
    params = cooperation.Params(relief_range_km=5000.0, relief_min_trust=0.3)
    hit = np.array([[1, 0, 0]])
    trust = np.full((1, 3, 3), 0.5)
    world, team = cooperation.relief_teams(hit, DISTANCE, trust, params)
    assert world.tolist() == [0]  # one relief: nobody else was struck
    assert team.tolist() == [[True, True, False]]  # 2 is too far
    trust[0, 1, 0] = 0.1
    _, distrust = cooperation.relief_teams(hit, DISTANCE, trust, params)
    assert distrust.tolist() == [[True, False, False]]


def test_joint_relief_raises_trust_and_openness_of_participants_only():
    """Participants' mutual trust and their transparency rise; outsiders' do not."""
    trust = np.full((1, 3, 3), 0.4)
    transparency = np.full((1, 3), 0.5)
    groups = (np.array([0]), np.array([[True, True, False]]))
    friends = np.zeros((1, 3, 3))
    t2, tau2, met = cooperation.cooperate(
        trust, transparency, groups, 0.1, 0.2, friends
    )
    assert np.argwhere(met[0]).tolist() == [[0, 1], [1, 0]]
    assert t2[0, 0, 1] == pytest.approx(0.46)
    assert t2[0, 1, 0] == pytest.approx(0.46)
    assert t2[0, 0, 2] == 0.4
    assert t2[0, 0, 0] == 0.4  # the diagonal is not a pair
    assert tau2[0].tolist() == pytest.approx([0.6, 0.6, 0.5])


@given(st.floats(0.0, 1.0), st.floats(0.0, 1.0), st.integers(1, 50))
def test_cooperation_keeps_trust_within_bounds(start, gain, events):
    """However many events, trust stays in [start, 1]."""
    trust = np.full((1, 2, 2), start)
    transparency = np.full((1, 2), start)
    groups = cooperation.in_every_world(np.ones((1, 2), dtype=bool), 1)
    for _ in range(events):
        trust, transparency, _ = cooperation.cooperate(
            trust, transparency, groups, gain, gain, np.zeros((1, 2, 2))
        )
    assert np.all((trust >= start) & (trust <= 1.0))
    assert np.all((transparency >= start) & (transparency <= 1.0))


@given(st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_cooperation_reaches_rivals_at_a_lower_rate(h1, h2):
    """Trust gained in a shared event falls with the pair's hostility, never below 0."""
    groups = (np.array([0]), np.array([[True, True]]))

    def gained(h):
        trust, _, _ = cooperation.cooperate(
            np.full((1, 2, 2), 0.2),
            np.full((1, 2), 0.5),
            groups,
            0.1,
            0.0,
            np.full((1, 2, 2), h),
        )
        return trust[0, 0, 1] - 0.2

    calm, hostile = sorted((h1, h2))
    assert gained(calm) >= gained(hostile) >= 0.0
    assert gained(calm) == pytest.approx(0.1 * (1 - calm) * 0.8)


def test_rivals_at_their_starting_trust_join_a_relief():
    """The default least trust is below rivals' starting trust: rivals help too."""
    from sim.dynamics.escalation import Params as EscalationParams

    assert cooperation.Params().relief_min_trust < EscalationParams().trust_rivals


def test_no_event_means_nobody_met():
    """With no participant, trust is untouched and no pair met."""
    trust = np.full((1, 2, 2), 0.3)
    groups = (np.zeros(0, dtype=int), np.zeros((0, 2), dtype=bool))
    out, _, met = cooperation.cooperate(
        trust, np.ones((1, 2)), groups, 0.1, 0.1, np.zeros((1, 2, 2))
    )
    assert out is trust and met is None


def test_goodwill_fades_back_to_the_start():
    """Without renewed events trust drifts back to its starting value."""
    start = np.full((2, 2), 0.3)
    trust = np.full((1, 2, 2), 0.9)
    params = cooperation.Params(memory_decay_per_year=0.5)
    for _ in range(200):
        trust = cooperation.remember(trust, start, params, 0.25)
    assert np.allclose(trust, 0.3, atol=1e-6)


@given(
    arrays(float, (2, 3, 3), elements=st.floats(0.0, 1.0)),
    st.floats(0.0, 1.0),
    st.floats(0.01, 2.0),
)
def test_without_a_crisis_trust_only_remembers(trust, start, dt):
    """No strain: trust drifts exactly as goodwill fades, to the bit."""
    params = cooperation.Params(crisis_distrust_per_year=3.0)
    start = np.full((3, 3), start)
    eroded = cooperation.remember_trust(trust, start, np.zeros_like(trust), params, dt)
    assert np.array_equal(eroded, cooperation.remember(trust, start, params, dt))


@given(
    st.floats(0.0, 1.0),
    st.floats(0.0, 1.0),
    st.floats(0.0, 1.0),
    st.floats(0.0, 0.5),
    st.floats(0.0, 3.0),
    st.integers(2, 12),
)
def test_crises_wear_trust_down_alike_at_any_step_length(
    trust, start, strain, memory, kappa, parts
):
    """The exact solution: one step of a year equals ``parts`` shorter ones."""
    params = cooperation.Params(
        memory_decay_per_year=memory, crisis_distrust_per_year=kappa
    )
    start, s = np.full((1, 1), start), np.full((1, 1, 1), strain)
    whole = cooperation.remember_trust(np.full((1, 1, 1), trust), start, s, params, 1)
    steps = np.full((1, 1, 1), trust)
    for _ in range(parts):
        steps = cooperation.remember_trust(steps, start, s, params, 1 / parts)
    assert steps == pytest.approx(whole, abs=1e-12)
    assert 0.0 <= whole.item() <= max(trust, start.item())


def test_a_standing_crisis_settles_trust_at_its_steady_state():
    """At strain s trust goes to ``m T0 / (m + kappa s)``, below the start."""
    params = cooperation.Params(memory_decay_per_year=0.1, crisis_distrust_per_year=1)
    start, trust = np.full((1, 1), 0.2), np.full((1, 1, 1), 0.2)
    for _ in range(400):
        trust = cooperation.remember_trust(trust, start, trust * 0 + 0.4, params, 0.25)
    assert trust.item() == pytest.approx(0.1 * 0.2 / (0.1 + 0.4))


@pytest.mark.parametrize("kappa", [0.0, 1.0])
def test_the_baselines_crises_wear_trust_below_the_relief_threshold(kappa):
    """Crises wear rivals' trust below ``relief_min_trust``; nothing else lowers it."""
    from sim import engine
    from sim.scenario import bundled_dir, load_scenario

    path = bundled_dir() / "baseline_2024.toml"
    field = "mechanisms.cooperation.crisis_distrust_per_year"
    setup = engine.build_setup(load_scenario(path, overrides={field: kappa}))
    *_, world = engine.simulate(setup, seed=3, replications=np.arange(20), steps=40)
    fell = world.trust < setup.conflict.trust - 1e-12
    below = world.trust < cooperation.Params().relief_min_trust
    assert fell.any() == below.any() == (kappa > 0)


@given(st.integers(1, 3), st.data())
def test_a_pair_shares_as_many_events_as_groups_of_its_world_hold_both(r, data):
    """A distinct pair's count is the number of its world's groups holding both."""
    n = data.draw(st.integers(1, 5))
    world = np.array(sorted(data.draw(st.lists(st.integers(0, r - 1), max_size=6))))
    members = data.draw(arrays(bool, (len(world), n)))
    pairs = cooperation.together(world.astype(int), members, r)
    for w, a, b in np.ndindex(r, n, n):
        shared = sum(bool(g[a] and g[b]) for g in members[world == w])
        assert pairs[w, a, b] == (shared if a != b else 0)


def test_the_baseline_has_the_regions_forums_and_their_gain_matters():
    """ARF, EAS and the Shangri-La Dialogue meet; forum_trust_gain moves trust."""
    from sim import engine
    from sim.scenario import bundled_dir, load_scenario

    base = bundled_dir() / "baseline_2024.toml"
    names = {f.name for f in load_scenario(base).forums}
    assert {"ASEAN Regional Forum", "East Asia Summit", "Shangri-La Dialogue"} <= names
    trust = []
    for gain in (0.0, 0.1):
        setup = engine.build_setup(
            load_scenario(
                base, overrides={"mechanisms.cooperation.forum_trust_gain": gain}
            )
        )
        *_, world = engine.simulate(setup, seed=1, replications=np.arange(2), steps=8)
        trust.append(world.trust.mean())
    assert trust[1] > trust[0]
