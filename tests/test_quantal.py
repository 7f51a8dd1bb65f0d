"""The compiled logit QRE solver: known equilibria, a numpy reference, any batch."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.dynamics import quantal
from sim.dynamics.quantal import stage_qre


def random_games(rng: np.random.Generator, games: int) -> np.ndarray:
    """Random 3 x 3 tables for both players, every cell its own value, (G, 2, 3, 3)."""
    return rng.normal(0.0, 1.0, (games, 2, 3, 3))


def reference_hold(
    table: np.ndarray, sigma: np.ndarray, continuation: float
) -> np.ndarray:
    """Each player's value of a stand-off that goes on, (G, 2), in whole arrays.

    ``H = ((1 - c) W + c A) / (1 - c q)``: the module docstring's fixed point,
    with ``A`` the game's expected payoff outside the (hold, hold) cell and
    ``q`` the chance of that cell.
    """
    theirs = sigma[:, ::-1]
    cells = sigma[:, :, :, None] * theirs[:, :, None, :] * table  # (G, 2, 3, 3)
    both = sigma[:, 0, 1] * sigma[:, 1, 1]
    rest = cells.sum(axis=(2, 3)) - cells[:, :, 1, 1]
    stand = table[:, :, 1, 1]
    return ((1 - continuation) * stand + continuation * rest) / (
        1 - continuation * both[:, None]
    )


def logit_response(
    table: np.ndarray,
    can_escalate: np.ndarray,
    sigma: np.ndarray,
    precision: np.ndarray | float,
    continuation: float,
) -> np.ndarray:
    """Both players' logit responses to ``sigma``, the stand-off valued, (G, 2, 3)."""
    game = table.copy()
    game[:, :, 1, 1] = reference_hold(table, sigma, continuation)
    theirs = sigma[:, ::-1]
    utility = (game * theirs[:, :, None, :]).sum(axis=-1)  # (G, 2, 3)
    utility[..., 2] += np.where(can_escalate, 0.0, -np.inf)
    best = utility.max(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore"):
        weight = np.exp((utility - best) * np.reshape(precision, (-1, 1, 1)))
    return weight / weight.sum(axis=-1, keepdims=True)


def residual(
    table: np.ndarray,
    can_escalate: np.ndarray,
    sigma: np.ndarray,
    temperature: float,
    continuation: float,
) -> np.ndarray:
    """Each game's largest gap between a strategy and its logit response, (G,)."""
    logit = logit_response(table, can_escalate, sigma, 1 / temperature, continuation)
    return np.abs(logit - sigma).max(axis=(1, 2))


def reference_qre(
    table: np.ndarray,
    can_escalate: np.ndarray,
    temperature: float,
    continuation: float = 0.0,
    rescue: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """The module docstring's iterations in whole-array numpy: strategies, holds.

    With ``rescue`` a game still unsettled after the damped iterations goes on
    at the rescue's damping, checked every ``RESCUE_CHECK`` iterations.
    """
    games = len(table)
    open_share = can_escalate.astype(float)
    sigma = np.stack(
        [(1 - open_share / (2 + open_share)) / 2] * 2 + [open_share / (2 + open_share)],
        axis=-1,
    )  # (G, 2, 3): the centroid of the open actions
    spread = np.maximum(np.ptp(table.reshape(games, -1), axis=1), 1e-12)
    precision = quantal.START_PRECISION / spread
    target = 1.0 / max(temperature, 1e-300)
    growth = np.minimum(target / precision, 1e12) ** (1.0 / quantal.ANNEAL_ITERATIONS)
    for n in range(quantal.ANNEAL_ITERATIONS + quantal.POLISH_ITERATIONS):
        precision = precision * growth if n < quantal.ANNEAL_ITERATIONS else target
        logit = logit_response(table, can_escalate, sigma, precision, continuation)
        sigma = (1 - quantal.DAMPING) * sigma + quantal.DAMPING * logit
    active = np.full(games, rescue)
    for _ in range(quantal.RESCUE_ITERATIONS // quantal.RESCUE_CHECK):
        gap = residual(table, can_escalate, sigma, temperature, continuation)
        active &= gap > quantal.RESCUE_TOLERANCE
        if not active.any():
            break
        for _ in range(quantal.RESCUE_CHECK):
            logit = logit_response(
                table[active], can_escalate[active], sigma[active], target, continuation
            )
            sigma[active] = (1 - quantal.RESCUE_DAMPING) * sigma[
                active
            ] + quantal.RESCUE_DAMPING * logit
    return sigma, reference_hold(table, sigma, continuation)


@pytest.mark.parametrize("continuation", [0.0, 0.9])
@pytest.mark.parametrize("tau", [1.0, 0.3, 0.08, 0.02])
def test_the_kernel_equals_the_numpy_reference_on_random_games(tau, continuation):
    """Up to rounding, on 5,000 random games, strategies and stand-off values.

    The two use different ``exp`` routines (1 ulp apart now and then) and sum
    the stand-off's cells in different orders; games far from converged at
    high precision amplify that, to 1e-10 at tau = 0.02, and a stand-off that
    goes on (``c = 0.9``) by up to ``1 / (1 - c)``, to 2e-9. Compared where the
    kernel's game settled: one still circling after the rescue is at a point of
    its cycle that rounding moves.
    """
    rng = np.random.default_rng(7)
    tables = random_games(rng, 5000)
    can = rng.random((5000, 2)) < 0.7
    sigma, hold = stage_qre(tables, can, tau, continuation)
    expected_sigma, expected_hold = reference_qre(tables, can, tau, continuation)
    settled = residual(tables, can, sigma, tau, continuation) <= 1.5e-6
    assert settled.mean() > 0.75
    np.testing.assert_allclose(
        sigma[settled], expected_sigma[settled], rtol=0, atol=1e-8
    )
    np.testing.assert_allclose(hold[settled], expected_hold[settled], rtol=0, atol=1e-8)


def test_a_war_of_attrition_the_damped_iterations_circle_in_ends_at_its_qre():
    """A game whose damped iterations circle goes on, slower, to its QRE.

    A stand-off that goes on at the status quo (a crisis game with
    ``settlement_by_power`` 0, rounded): at a damping of 0.7 the strategies
    circle a mixed equilibrium, 0.48 from their logit responses after the
    schedule; at the rescue's 0.1 they settle on it.
    """
    attrition = np.array(
        [
            [[0.5, 0.0, 0.0], [1.0, -0.3718, 0.0008], [1.0, 0.0008, 0.0008]],
            [[-0.5, -1.0, -1.0], [0.0, -0.3718, -1.6988], [0.0, -1.6988, -1.6988]],
        ]
    )[None]
    can, tau, stay = np.ones((1, 2), bool), 0.08, 4 / 4.448
    circling, _ = reference_qre(attrition, can, tau, stay, rescue=False)
    assert residual(attrition, can, circling, tau, stay)[0] > 0.1
    sigma, _ = stage_qre(attrition, can, tau, stay)
    assert residual(attrition, can, sigma, tau, stay)[0] <= quantal.RESCUE_TOLERANCE
    np.testing.assert_allclose(
        sigma[0], [[0.0253, 0.9202, 0.0545], [0.1215, 0.8784, 0.0]], atol=1e-4
    )


@pytest.mark.parametrize(("tau", "most_left"), [(1.0, 0.0), (0.3, 0.01), (0.08, 0.6)])
def test_the_rescue_settles_games_the_schedule_leaves_circling(tau, most_left):
    """On random tables the rescue settles most of the games left unsettled.

    Tables of unit spread are far harsher than the crisis games (where the
    schedule settles 96.5% and the rescue all but 0.007%, docs/crisis_game.md).
    Here the schedule leaves 0.6% unsettled at tau = 1, 20% at 0.3 and 21% at
    0.08; the rescue none, 0.1% and 11.6%: at 0.08 its damping is still too
    strong for many.
    """
    rng = np.random.default_rng(3)
    tables = random_games(rng, 2000)
    can = rng.random((2000, 2)) < 0.7
    sigma, _ = stage_qre(tables, can, tau)
    schedule, _ = reference_qre(tables, can, tau, rescue=False)
    before = (residual(tables, can, schedule, tau, 0.0) > 1.5e-6).mean()
    left = (residual(tables, can, sigma, tau, 0.0) > 1.5e-6).mean()
    assert before > 0.005
    assert left <= most_left * before


@given(continuation=st.floats(0.0, 0.99), tau=st.floats(0.05, 2.0))
@settings(max_examples=30, deadline=None)
def test_a_stand_off_that_goes_on_is_worth_its_repeated_game(continuation, tau):
    """The hold value is the stationary repeated game's, summed round by round.

    Each round the sides play the equilibrium strategies; a (hold, hold) round
    settles at the table's stand-off value with chance ``1 - c`` and is played
    again with chance ``c``: the value of the game is the geometric series
    ``sum_n (c q)^n (A + q (1 - c) W)``, and a stand-off is worth
    ``(1 - c) W + c`` times that.
    """
    tables = random_games(np.random.default_rng(11), 40)
    sigma, hold = stage_qre(tables, np.ones((40, 2), bool), tau, continuation)
    theirs = sigma[:, ::-1]
    cells = sigma[:, :, :, None] * theirs[:, :, None, :] * tables
    q = (sigma[:, 0, 1] * sigma[:, 1, 1])[:, None]
    outside = cells.sum(axis=(2, 3)) - cells[:, :, 1, 1]
    stand = tables[:, :, 1, 1]
    rounds = sum((continuation * q) ** n for n in range(2000))
    game = rounds * (outside + q * (1 - continuation) * stand)
    np.testing.assert_allclose(
        hold, (1 - continuation) * stand + continuation * game, rtol=0, atol=1e-9
    )


def test_without_continuation_a_stand_off_is_worth_its_cell():
    """``c = 0``: the one-shot stage game, its (hold, hold) cell untouched."""
    tables = random_games(np.random.default_rng(12), 50)
    _, hold = stage_qre(tables, np.ones((50, 2), bool), 0.1)
    assert np.array_equal(hold, tables[:, :, 1, 1])


@given(
    payoff=st.lists(st.floats(-3.0, 3.0, allow_nan=False), min_size=6, max_size=6),
    tau=st.floats(0.05, 5.0),
)
@settings(max_examples=50, deadline=None)
def test_payoffs_that_ignore_the_opponent_give_their_softmax(payoff, tau):
    """Each side's QRE strategy is ``exp(u / tau)`` normalised when u is a constant row.

    With nothing depending on the opponent, the logit response is a fixed
    target and the damped iterations reach it to rounding.
    """
    rows = np.reshape(payoff, (2, 3))
    tables = np.repeat(rows[:, :, None], 3, axis=2)[None]  # u_i(o, o') = u_i(o)
    sigma = stage_qre(tables, np.ones((1, 2), bool), tau)[0][0]
    softmax = np.exp((rows - rows.max(axis=1, keepdims=True)) / tau)
    softmax /= softmax.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(sigma, softmax, rtol=0, atol=1e-12)


@pytest.mark.parametrize("tau", [0.0, 0.05, 2.0])
def test_matching_pennies_has_its_half_half_equilibrium(tau):
    """The unique (Q)RE of matching pennies is both sides at 1/2, whatever tau.

    Escalation is closed, so the game is the 2 x 2 of back down and hold.
    """
    pennies = np.array([[1.0, -1.0, 0.0], [-1.0, 1.0, 0.0], [0.0, 0.0, 0.0]])
    tables = np.stack([pennies, -pennies.T])[None]
    sigma = stage_qre(tables, np.zeros((1, 2), bool), tau)[0][0]
    np.testing.assert_allclose(sigma, [[0.5, 0.5, 0.0]] * 2, atol=1e-9)


def test_a_dominant_action_is_played_at_zero_temperature_and_closed_ones_never():
    """At tau = 0 the logit is a best response: a strictly dominant action has 1."""
    rng = np.random.default_rng(2)
    tables = random_games(rng, 200)
    tables[:, :, 1] += 10.0  # hold dominates for both
    can = rng.random((200, 2)) < 0.5
    sigma, _ = stage_qre(tables, can, 0.0)
    assert (sigma[..., 1] == 1.0).all()
    assert (sigma[..., 2][~can] == 0.0).all()


def test_each_game_is_bit_identical_alone_or_in_any_batch_and_shape():
    """One loop per game: a game's answer does not depend on the rest of the batch."""
    rng = np.random.default_rng(5)
    tables = random_games(rng, 60).reshape(5, 12, 2, 3, 3)
    can = rng.random((5, 12, 2)) < 0.6
    together, holds = stage_qre(tables, can, 0.1, 0.9)
    assert together.shape == (5, 12, 2, 3) and holds.shape == (5, 12, 2)
    for a, b in ((0, 0), (2, 7), (4, 11)):
        alone, hold = stage_qre(tables[a, b], can[a, b], 0.1, 0.9)
        assert np.array_equal(alone, together[a, b])
        assert np.array_equal(hold, holds[a, b])
    shuffled = rng.permutation(60)
    flat, _ = stage_qre(
        tables.reshape(60, 2, 3, 3)[shuffled], can.reshape(60, 2)[shuffled], 0.1, 0.9
    )
    assert np.array_equal(flat, together.reshape(60, 2, 3)[shuffled])


SOLVE_ONCE = (
    "import numpy as np; from sim.dynamics.quantal import stage_qre; "
    "stage_qre(np.zeros((1, 2, 3, 3)), np.ones((1, 2), bool), 0.1)"
)


def written_since(folder: Path, start: float) -> list[Path]:
    """Numba cache files under ``folder`` written at or after ``start``."""
    found = [*folder.rglob("*.nbi"), *folder.rglob("*.nbc")]
    return [p for p in found if p.stat().st_mtime >= start]


def test_the_kernel_is_kept_in_the_user_cache_not_in_the_package(tmp_path):
    """Compiled once into the user's cache folder, never beside the source.

    A cache in the package's folder outlives ``pip uninstall`` as a bare
    ``sim/`` folder, which then hides a later install of the package.
    """
    package = Path(quantal.__file__).parent
    start = tmp_path.stat().st_mtime - 1.0
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["XDG_CACHE_HOME"] = str(tmp_path)  # the user's cache folder on Linux
    subprocess.run([sys.executable, "-c", SOLVE_ONCE], env=env, check=True)
    assert written_since(tmp_path / "apwargame", start) != []
    assert written_since(package, start) == []


def test_the_cache_folder_is_numbas_own_if_set(tmp_path, monkeypatch):
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "mine"))
    assert quantal.cache_folder() == tmp_path / "mine"
    assert (tmp_path / "mine").is_dir()


@pytest.mark.skipif(sys.platform != "linux", reason="XDG_CACHE_HOME is Linux's")
def test_the_cache_folder_is_the_packages_in_the_users_cache(tmp_path, monkeypatch):
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert quantal.cache_folder() == tmp_path / "apwargame"


def test_no_cache_folder_where_none_can_be_made(tmp_path, monkeypatch):
    """Then the kernel compiles in every process, and writes nowhere."""
    blocked = tmp_path / "a_file"
    blocked.write_text("")
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(blocked / "numba"))
    assert quantal.cache_folder() is None
