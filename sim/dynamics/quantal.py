"""Logit quantal response equilibria of 3 x 3 stage games, one compiled loop a game.

A logit QRE (McKelvey and Palfrey, *Games and Economic Behavior* 10, 1995) of a
two-player game is a pair of strategies in which each player's is the logit of
its expected payoffs against the other's:

    sigma_i(o) = exp(U_i(o) / tau) / sum_o'' exp(U_i(o'') / tau),
    U_i(o) = sum_o' sigma_j(o') u_i(o, o'),

over i's open actions (a closed action has probability 0). :func:`stage_qre`
finds it by a fixed number of damped logit-response iterations, following the
principal branch: the precision ``lambda = 1 / tau`` rises geometrically from
near 0 (where the centroid is the unique QRE) to its target, as a homotopy does
(Turocy, *Games and Economic Behavior* 51, 2005), then holds there:

    sigma_i <- (1 - D) sigma_i + D logit_lambda(U_i(sigma_j)),

both players at once from the previous iteration's strategies. As ``tau -> 0``
the answer tends to a Nash equilibrium; at ``tau = 0`` the logit is a best
response (ties shared).

Near some games' QRE that schedule circles rather than settles: wars of
attrition, whose stand-off goes on, have mixed equilibria that a damping of 0.7
steps past at each iteration. A game whose residual (the largest gap between a
strategy and the logit of its expected utilities) is still above ``1e-6`` after
the schedule goes on at a damping of 0.1, checked every 50 iterations, for at
most 2,000 more; a game that settled meets the check at once and keeps its
answer to the bit. In the baseline (200 runs x 20 steps, 160,318 games) the
schedule leaves 3.5% of the games above ``1e-6`` and 0.12% above 0.01 (at most
0.15); the rescue leaves 0.007% above ``1e-6`` and none above ``4e-4``, for
about 1% more time in the kernel (best of three over 243,064 games of the
baseline, 300 runs x 20 steps). A damped iteration cannot reach a QRE that is
unstable under it; random tables of unit spread at ``tau`` = 0.08 leave 12%
unsettled even so (tests/test_quantal.py).

The (hold, hold) cell may be a stand-off that goes on: with chance ``1 - c`` it
ends at the table's value ``W_i`` there, with chance ``c`` the same game is
played again. Each iteration then values it at the stationary fixed point of the
current strategies,

    H_i = ((1 - c) W_i + c A_i) / (1 - c q),

``A_i`` player i's expected payoff from the other eight cells and ``q`` the
chance of (hold, hold): the solution of ``H_i = (1 - c) W_i + c G_i`` with
``G_i = A_i + q H_i`` the game's value. ``c = 0`` is the one-shot game.

The iterations are a plain loop per game, compiled by Numba the first time a
game is solved on a machine (about 7 s on the 2-core development machine) and
kept in a folder of compiled code, from which later processes load it in about
0.3 s: Numba's own ``NUMBA_CACHE_DIR`` where the user sets it, else this
package's folder in the user's cache (``~/.cache/apwargame`` on Linux,
:func:`cache_folder`). Never beside the installed source, Numba's default, where
``pip uninstall`` leaves it behind as a bare ``sim/`` folder that hides any
later install of the package; where no cache folder can be written the kernel is
compiled in every process.

Every game is solved by the same operations in the same order whatever else is
in the batch (a few games take each iteration in turn only so that the CPU
overlaps their work), so its answer is bit-identical in any batch, and a batch
of a few dozen games costs no more per game than one of thousands (numpy's
whole-array operations paid a fixed cost per operation, and the crises of a step
come in many small batches).
"""

import math
import os
from collections.abc import Callable
from pathlib import Path

import numba
import numpy as np
import platformdirs

__all__ = [
    "ANNEAL_ITERATIONS",
    "DAMPING",
    "POLISH_ITERATIONS",
    "RESCUE_CHECK",
    "RESCUE_DAMPING",
    "RESCUE_ITERATIONS",
    "RESCUE_TOLERANCE",
    "START_PRECISION",
    "cache_folder",
    "stage_qre",
]


def cache_folder() -> Path | None:
    """Where the compiled kernel is kept; None where no folder can be written.

    ``NUMBA_CACHE_DIR`` if set, else ``apwargame`` in the user's cache folder
    (``platformdirs.user_cache_dir``), created if need be.
    """
    folder = Path(
        os.environ.get("NUMBA_CACHE_DIR") or platformdirs.user_cache_dir("apwargame")
    )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder if os.access(folder, os.W_OK | os.X_OK) else None


CACHE_FOLDER = cache_folder()


def _compiled(**options: bool | str) -> Callable[[Callable], Callable]:
    """``numba.njit`` whose compiled code is kept in :data:`CACHE_FOLDER` only.

    Numba picks a function's cache folder when caching is enabled, from its
    ``config.CACHE_DIR``; that is set to this package's folder for that moment
    only, so another package's Numba code in the same process keeps its own.
    """

    def compile_lazily(function: Callable) -> Callable:
        dispatcher = numba.njit(error_model="numpy", **options)(function)
        if CACHE_FOLDER is not None:
            users = numba.config.CACHE_DIR
            numba.config.CACHE_DIR = str(CACHE_FOLDER)
            try:
                dispatcher.enable_caching()
            finally:
                numba.config.CACHE_DIR = users
        return dispatcher

    return compile_lazily


#: Damped logit-response iterations: annealing the precision, then polishing.
ANNEAL_ITERATIONS = 12
POLISH_ITERATIONS = 36
#: Weight of the new logit response in each damped iteration, ``D``.
DAMPING = 0.7
#: Precision the annealing starts from, per unit of the game's payoff range.
START_PRECISION = 0.1
#: A game whose logit residual (largest gap between a strategy and the logit of
#: its utilities) is still above ``RESCUE_TOLERANCE`` after those iterations goes
#: on at ``RESCUE_DAMPING``, checked every ``RESCUE_CHECK``, for at most
#: ``RESCUE_ITERATIONS`` more.
RESCUE_TOLERANCE = 1e-6
RESCUE_DAMPING = 0.1
RESCUE_CHECK = 50
RESCUE_ITERATIONS = 2000
#: Games iterated side by side (a speed setting: any number gives the same answers).
INTERLEAVE = 4


def stage_qre(
    table: np.ndarray,
    can_escalate: np.ndarray,
    temperature: float,
    continuation: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Logit QRE of stage games, by annealed damped logit-response iterations.

    The precision rises geometrically from ``START_PRECISION`` per unit of the
    game's payoff range (both players' tables) to ``1 / tau`` over
    ``ANNEAL_ITERATIONS``, then ``POLISH_ITERATIONS`` more run at ``1 / tau``;
    each moves both strategies ``DAMPING`` of the way to their logit responses
    (module docstring). Each game starts from the centroid of its open actions.

    Args:
        table: Both players' payoff tables, own action first, S + (2, 3, 3):
            player 0 on axis -3, its opponent at 1; actions in the order back
            down, hold, escalate.
        can_escalate: Whether each player may escalate (its third action is
            open), S + (2,).
        temperature: ``tau`` >= 0, in payoff units.
        continuation: ``c`` in [0, 1]: the chance that a (hold, hold)
            stand-off is played again rather than ending at its cell's value.

    Returns:
        ``(strategy, hold)``: strategies (back down, hold, escalate),
        S + (2, 3), and each player's value of the stand-off ``H_i`` at them,
        S + (2,) (the table's (hold, hold) cell when ``c = 0``).
    """
    shape = table.shape[:-3]
    tables = np.ascontiguousarray(table, dtype=float).reshape(-1, 2, 3, 3)
    can = np.ascontiguousarray(can_escalate, dtype=bool).reshape(-1, 2)
    strategy = np.empty((len(tables), 2, 3))
    hold = np.empty((len(tables), 2))
    _solve(tables, can, float(temperature), float(continuation), strategy, hold)
    return strategy.reshape((*shape, 2, 3)), hold.reshape((*shape, 2))


@_compiled(nogil=True)
def _solve(
    table: np.ndarray,
    can: np.ndarray,
    temperature: float,
    continuation: float,
    strategy: np.ndarray,
    hold: np.ndarray,
) -> None:
    """:func:`stage_qre` of G games, (G, 2, 3, 3) and (G, 2), into (G, 2, 3), (G, 2).

    ``INTERLEAVE`` games at a time take each iteration in turn, so that the
    CPU overlaps their independent arithmetic; each game's own sequence of
    operations is the same whatever the others are.
    """
    target = 1.0 / max(temperature, 1e-300)  # at tau = 0, 1e300: the argmax
    games = table.shape[0]
    precision, growth = np.empty(games), np.empty(games)
    utility = np.empty((2, 3))
    for g in range(games):
        spread = max(_spread(table[g]), 1e-12)
        precision[g] = START_PRECISION / spread
        growth[g] = min(target / precision[g], 1e12) ** (1.0 / ANNEAL_ITERATIONS)
        for i in range(2):  # the centroid of the open actions
            open_share = 1.0 if can[g, i] else 0.0
            strategy[g, i, 2] = open_share / (2.0 + open_share)
            strategy[g, i, 0] = strategy[g, i, 1] = (1.0 - strategy[g, i, 2]) / 2.0
    for low in range(0, games, INTERLEAVE):
        for n in range(ANNEAL_ITERATIONS + POLISH_ITERATIONS):
            for g in range(low, min(low + INTERLEAVE, games)):
                if n < ANNEAL_ITERATIONS:
                    precision[g] *= growth[g]
                else:
                    precision[g] = target
                _iterate(
                    table[g],
                    can[g],
                    continuation,
                    strategy[g],
                    hold[g],
                    utility,
                    precision[g],
                    DAMPING,
                )
    if target < 1e12:  # a logit, not a best response: rescue games left circling
        for g in range(games):
            _rescue(table[g], can[g], continuation, strategy[g], hold[g], target)
    for g in range(games):  # the stand-off's values at the answer
        _utilities(table[g], can[g], continuation, strategy[g], hold[g], utility)


@_compiled()
def _rescue(
    game: np.ndarray,
    can: np.ndarray,
    continuation: float,
    sigma: np.ndarray,
    hold: np.ndarray,
    precision: float,
) -> None:
    """Slower damped iterations, in place, for a game left circling (module docstring).

    Every ``RESCUE_CHECK`` iterations the game stops once its residual is at
    most ``RESCUE_TOLERANCE``, which a game that settled meets at once.
    """
    utility = np.empty((2, 3))
    response = np.empty((2, 3))
    for _ in range(RESCUE_ITERATIONS // RESCUE_CHECK):
        for i in range(2):  # an undamped iteration gives the logit response
            for o in range(3):
                response[i, o] = sigma[i, o]
        _iterate(game, can, continuation, response, hold, utility, precision, 1.0)
        if _largest_gap(response, sigma) <= RESCUE_TOLERANCE:
            return
        for _ in range(RESCUE_CHECK):
            _iterate(
                game, can, continuation, sigma, hold, utility, precision, RESCUE_DAMPING
            )


@_compiled()
def _spread(game: np.ndarray) -> float:
    """The largest payoff of both players' tables, (2, 3, 3), less the smallest.

    Scalar loops, as in :func:`_largest_gap`: Numba compiles them in a fraction
    of the time its array methods take.
    """
    low = high = game[0, 0, 0]
    for i in range(2):
        for o in range(3):
            for p in range(3):
                low = min(low, game[i, o, p])
                high = max(high, game[i, o, p])
    return high - low


@_compiled()
def _largest_gap(a: np.ndarray, b: np.ndarray) -> float:
    """``max |a - b|`` over two (2, 3) strategy arrays, by scalar loops.

    Numba takes seconds to compile ``np.abs(a - b).max()`` and slice copies
    (``a[:] = b``), which made the first game of every process slow.
    """
    gap = 0.0
    for i in range(2):
        for o in range(3):
            gap = max(gap, abs(a[i, o] - b[i, o]))
    return gap


@_compiled(inline="always")
def _iterate(
    game: np.ndarray,
    can: np.ndarray,
    continuation: float,
    sigma: np.ndarray,
    hold: np.ndarray,
    utility: np.ndarray,
    precision: float,
    damping: float,
) -> None:
    """One damped logit-response iteration of one game, both players, in place.

    Args:
        game: Both players' tables, (2, 3, 3).
        can: Whether each may escalate, (2,).
        continuation: ``c``, the chance a stand-off is played again.
        sigma: Both strategies, (2, 3), overwritten with the next.
        hold: Both players' stand-off values, (2,): scratch.
        utility: Scratch, (2, 3).
        precision: ``lambda``.
        damping: ``D``, the weight of the new logit response.
    """
    _utilities(game, can, continuation, sigma, hold, utility)
    for i in range(2):  # sigma_i <- (1 - D) sigma_i + D logit(U_i)
        best = max(utility[i, 0], utility[i, 1], utility[i, 2])
        weight_0 = _logit_weight(utility[i, 0], best, precision)
        weight_1 = _logit_weight(utility[i, 1], best, precision)
        weight_2 = _logit_weight(utility[i, 2], best, precision)
        share = damping / (weight_0 + weight_1 + weight_2)
        sigma[i, 0] = (1.0 - damping) * sigma[i, 0] + share * weight_0
        sigma[i, 1] = (1.0 - damping) * sigma[i, 1] + share * weight_1
        sigma[i, 2] = (1.0 - damping) * sigma[i, 2] + share * weight_2


@_compiled(inline="always")
def _logit_weight(utility: float, best: float, precision: float) -> float:
    """``exp(lambda (U - U_best))``, the logit weight of an action against the best.

    Exactly 1 for the best action and 0 for a closed one (``U = -inf``), as
    ``exp`` would give, without calling it: a third of the weights are one of these.
    """
    if utility == best:
        return 1.0
    if utility == -np.inf:
        return 0.0
    return math.exp((utility - best) * precision)


@_compiled(inline="always")
def _utilities(
    game: np.ndarray,
    can: np.ndarray,
    continuation: float,
    sigma: np.ndarray,
    hold: np.ndarray,
    utility: np.ndarray,
) -> None:
    """Both players' expected utilities and stand-off values at ``sigma``, in place.

    ``U_i(o) = sum_o' sigma_j(o') u_i(o, o')`` into ``utility`` (``-inf`` for a
    closed escalation), with the (hold, hold) cell valued at ``H_i`` (module
    docstring), written into ``hold``. ``c = 1`` with a sure stand-off
    (possible only at ``tau = 0``) is worth what the other cells give, nothing.
    """
    both = sigma[0, 1] * sigma[1, 1]
    for i in range(2):
        j = 1 - i
        for o in range(3):  # with the table's own (hold, hold) cell
            utility[i, o] = (
                sigma[j, 0] * game[i, o, 0]
                + sigma[j, 1] * game[i, o, 1]
                + sigma[j, 2] * game[i, o, 2]
            )
        stand = game[i, 1, 1]
        rest = (
            sigma[i, 0] * utility[i, 0]
            + sigma[i, 1] * utility[i, 1]
            + sigma[i, 2] * utility[i, 2]
            - both * stand
        )
        hold[i] = ((1.0 - continuation) * stand + continuation * rest) / max(
            1.0 - continuation * both, 1e-12
        )
        utility[i, 1] += sigma[j, 1] * (hold[i] - stand)
        if not can[i]:
            utility[i, 2] = -np.inf
