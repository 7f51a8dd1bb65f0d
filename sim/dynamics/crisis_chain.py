"""A crisis in continuous time: one path of its Markov chain through a step.

Each crisis is a continuous-time Markov chain. Its transient states are
``(k, w)``: the rung ``k`` (1 .. K - 1) and the flags ``w`` of who took the
crisis to that rung (bit 0 the challenger, bit 1 the defender; every crisis
opens as its challenger's, :func:`sim.dynamics.escalation.open_crises`, an
entrapment pull's included). Its absorbing states are the endings: challenger
backed down, defender backed down, negotiated, and war. The sides meet at
decision opportunities, a Poisson process of rate ``lambda_d`` per year; at each
they play the stage game of :mod:`.crisis_decision` with the equilibrium
strategies ``sigma_c``, ``sigma_d`` of that moment: solved then, at the rung,
with the beliefs and audience costs the crisis has reached by then.
Independently a stand-off is negotiated away at rate ``q_s`` per year. At a
decision opportunity at ``(k, w)``:

    both back down               s_c(B) s_d(B)         -> negotiated
    challenger alone backs down  s_c(B) (1 - s_d(B))   -> challenger backed down
    defender alone backs down    s_d(B) (1 - s_c(B))   -> defender backed down
    challenger alone escalates   s_c(E) s_d(H)         -> (k + 1, 1)
    defender alone escalates     s_c(H) s_d(E)         -> (k + 1, 2)
    both escalate                s_c(E) s_d(E)         -> (k + 1, 3)
    both hold                    s_c(H) s_d(H)         -> stays at (k, w)

where a climb to ``K`` is war, and at ``(k, w)`` a side whose escalation is closed
(above its threshold and not in reply, :func:`escalation_open`) holds instead.
So every crisis transition is a rate per year: ``lambda_d`` times its chance at a
decision opportunity (plus ``q_s`` for a negotiated end).

The path is drawn exactly, event by event (Gillespie 1977): the next decision
opportunity or settlement comes after an exponential time of rate
``lambda_d + q_s``; it is a settlement with chance ``q_s / (lambda_d + q_s)``,
else the sides decide. Strategies change only at decision opportunities, and
are solved from the state of that moment, so nothing depends on the step
length: a long step may move a crisis several rungs (or end it), a short one
usually none. The time of each ending matters, not only the state at the step's
end: a crisis that ends within a step frees its dyad for the rest of the step,
where a new crisis may start (:mod:`sim.conflict`).
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

#: Endings of the chain, in the order of its transition axis; then war.
EXITS = ("challenger_backed_down", "defender_backed_down", "negotiated")
WAR_EXIT = len(EXITS)
#: Transient flag values: who took the crisis to its rung.
FLAGS = 4
#: Transitions from a transient state: the three endings, then the climbs that
#: leave the flags 1 (challenger alone), 2 (defender alone), 3 (both).
TRANSITIONS = len(EXITS) + 3


def escalation_open(
    rung: np.ndarray,
    threshold: np.ndarray,
    in_reply: np.ndarray,
    top: int,
    enabled: bool,
) -> np.ndarray:
    """Whether a side may escalate from ``rung``: first to its threshold, or in reply.

    Args:
        rung: Current rung ``k``.
        threshold: ``theta_i``.
        in_reply: Whether the opponent took the crisis to rung ``k``.
        top: Top rung ``K``.
        enabled: Whether crises may climb at all.
    """
    return ((rung + 1 <= threshold) | in_reply) & (rung < top) & enabled


def outcomes(
    strategy: np.ndarray,
    threshold: np.ndarray,
    rung: np.ndarray,
    flags: np.ndarray,
    *,
    top: int,
    enabled: bool,
) -> np.ndarray:
    """Chance of each transition at one decision opportunity (module table).

    Args:
        strategy: Strategies (back down, hold, escalate) at the crisis's rung,
            (M, 2, 3): challenger at 0 on axis 1, defender at 1.
        threshold: Each side's threshold, (M, 2).
        rung: Current rung, 1 .. top - 1, (M,).
        flags: Who took the crisis to its rung, 0 .. 3, (M,).
        top: Top rung ``K`` (war).
        enabled: Whether crises may climb at all.

    Returns:
        (M, :data:`TRANSITIONS`): the three endings, then the climbs; the rest
        of each row's unit is the chance that both hold.
    """
    back, hold, escalate = [], [], []
    for side, replied_bit in ((0, 2), (1, 1)):  # the opponent took it there
        s = strategy[:, side]
        is_open = escalation_open(
            rung, threshold[:, side], (flags & replied_bit) > 0, top, enabled
        )
        up = np.where(is_open, s[:, 2], 0.0)
        back.append(s[:, 0])
        hold.append(s[:, 1] + (s[:, 2] - up))
        escalate.append(up)
    return np.stack(
        [
            back[0] * (1.0 - back[1]),
            back[1] * (1.0 - back[0]),
            back[0] * back[1],
            escalate[0] * hold[1],
            hold[0] * escalate[1],
            escalate[0] * escalate[1],
        ],
        axis=1,
    )


@dataclass(frozen=True)
class Path:
    """Where each crisis's path through the rest of a step left it, arrays (M,).

    Attributes:
        rung: Rung at the step's end, or where it ended (``top`` for war).
        flags: Who took it to that rung (meaningful only while under way).
        exit: -1 while under way, else the index into :data:`EXITS`, or
            :data:`WAR_EXIT`.
        time: When it ended, years into the step (the step's length if not).
        climbed: Highest rung each side took it to itself, (M, 2).
        reached: When it reached each rung 0 .. K, years into the step, (M,
            K + 1): the start time for its rung at the start and those below,
            ``inf`` for the rungs it did not get to.
    """

    rung: np.ndarray
    flags: np.ndarray
    exit: np.ndarray
    time: np.ndarray
    climbed: np.ndarray
    reached: np.ndarray

    def time_at(self, rung: int) -> np.ndarray:
        """Years each crisis spent at ``rung`` within the step, (M,)."""
        right = np.minimum(self.reached[:, rung + 1], self.time)
        return np.maximum(right - self.reached[:, rung], 0.0)


#: ``uniform(event, lane, which)``: one uniform on [0, 1) for each crisis listed
#: in ``which`` (positions in the batch) for its ``event``-th transition; lane 0
#: times it, lane 1 picks it. It must depend only on the crisis, event and lane.
Uniforms = Callable[[int, int, np.ndarray], np.ndarray]

#: ``decide(which, rung, climbed, time)``: both sides' strategies, (W, 2, 3),
#: at a decision opportunity of each crisis listed in ``which`` (positions in
#: the batch), which stands at ``rung`` (W,) with the climbs ``climbed`` (W, 2)
#: at ``time`` (W,) years into the step. Called in order of time for each crisis.
Decide = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], np.ndarray]


def walk(
    decide: Decide,
    threshold: np.ndarray,
    rung: np.ndarray,
    flags: np.ndarray,
    climbed: np.ndarray,
    start: np.ndarray,
    uniform: Uniforms,
    *,
    dt_years: float,
    top: int,
    enabled: bool,
    decision_rate_per_year: float,
    settle_rate_per_year: float,
) -> Path:
    """Draw each crisis's path from ``start`` years into the step to its end.

    Every crisis draws its own numbers, event by event, so its path does not
    depend on the other crises of the batch.

    Args:
        decide: Where the strategies at each decision opportunity come from
            (:data:`Decide`).
        threshold: (M, 2).
        rung: Rung at ``start``, (M,).
        flags: Flags at ``start``, (M,).
        climbed: Highest rung each side took it to so far, (M, 2).
        start: Years into the step each crisis is at ``rung``, (M,).
        uniform: Where the uniforms come from (:data:`Uniforms`).
        dt_years: Step length ``dt``.
        top: Top rung ``K`` (war).
        enabled: Whether crises may climb at all.
        decision_rate_per_year: ``lambda_d``.
        settle_rate_per_year: ``q_s``.
    """
    rung, flags = rung.astype(np.intp), flags.astype(np.intp)
    climbed, time = climbed.copy(), start.astype(float)
    reached = np.where(np.arange(top + 1) <= rung[:, None], time[:, None], np.inf)
    exit_code = np.full(len(rung), -1)
    total = decision_rate_per_year + settle_rate_per_year
    active = np.flatnonzero(time < dt_years) if total > 0 else np.arange(0)
    event = 0
    while len(active):
        wait = -np.log1p(-uniform(event, 0, active)) / total
        time[active] = np.minimum(time[active] + wait, dt_years)
        active = active[time[active] < dt_years]
        pick = uniform(event, 1, active) * total
        settles = pick < settle_rate_per_year
        exit_code[active[settles]] = EXITS.index("negotiated")
        meet = active[~settles]
        chance = outcomes(
            decide(meet, rung[meet], climbed[meet], time[meet]),
            threshold[meet],
            rung[meet],
            flags[meet],
            top=top,
            enabled=enabled,
        )
        share = (pick[~settles] - settle_rate_per_year) / decision_rate_per_year
        chosen = (np.cumsum(chance, axis=1) <= share[:, None]).sum(axis=1)
        ends = chosen < len(EXITS)
        exit_code[meet[ends]] = chosen[ends]
        climbs = ~ends & (chosen < TRANSITIONS)  # else both held
        up = meet[climbs]
        new_flags = chosen[climbs] - len(EXITS) + 1
        rung[up] += 1
        reached[up, rung[up]] = time[up]
        flags[up] = new_flags
        for side, bit in ((0, 1), (1, 2)):
            pushed = (new_flags & bit) > 0
            climbed[up[pushed], side] = rung[up[pushed]]
        exit_code[up[rung[up] == top]] = WAR_EXIT
        active = active[exit_code[active] < 0]
        event += 1
    return Path(
        rung=rung,
        flags=flags,
        exit=exit_code,
        time=time,
        climbed=climbed,
        reached=reached,
    )
