"""What a run carries: the world's arrays, what stays fixed, and each step's decisions.

This module sits below every module that wires a mechanism into the engine
(:mod:`sim.conflict`, :mod:`sim.diplomacy`) and below :mod:`sim.engine`, so all of
them can name these types without an import cycle. It holds data only.

- :class:`World`: every state variable as an array with a leading replication
  axis R. Its fields are not listed here: each engine step declares the fields
  it owns (:class:`sim.step.Step`), and :func:`sim.engine.initial_world` builds
  the world from those declarations. Read a field as an attribute
  (``world.milex``); make a changed world with :meth:`World.replace`.
- :class:`Parameters`: every mechanism's parameters, as attributes named after
  their ``[mechanisms.NAME]`` table (``setup.params.arms_race``).
- :class:`Setup`: what stays fixed during a run, derived once from a scenario.
- :class:`Decisions`: what every state chooses in one step.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields, is_dataclass, replace
from types import MappingProxyType
from typing import Any

import numpy as np

from sim.dynamics.crisis_decision import Factors
from sim.scenario import Scenario
from sim.schedule import Repeating


class World:
    """The state of R replications at one step; arrays are replaced, not mutated.

    Per-state fields have shape (R, N), dyadic ones (R, N, N), per-theater ones
    (R, N, T); a field may also be a dataclass of such arrays
    (:class:`~sim.dynamics.escalation.Crises`). Which fields exist, and what
    each means, is declared by the engine's steps: see
    :func:`sim.engine.world_fields` for the table.

    Attributes:
        step: Steps taken so far.
        replications: Replication indices of the rows, shape (R,).
    """

    __slots__ = ("_fields", "replications", "step")

    def __init__(self, step: int, replications: np.ndarray, **fields: Any) -> None:
        """Make a world from its step, replication indices and named fields."""
        self.step = step
        self.replications = replications
        self._fields = fields

    def __getattr__(self, name: str) -> Any:
        """A declared field of the world (only called for names not set above)."""
        try:
            return self._fields[name]
        except KeyError:
            raise AttributeError(
                f"the world has no field {name!r}; fields: {', '.join(self._fields)}"
            ) from None

    def __repr__(self) -> str:
        """Step, replication count and field names."""
        return (
            f"World(step={self.step}, R={len(self.replications)}, "
            f"fields={list(self._fields)})"
        )

    def __getstate__(self) -> dict[str, Any]:
        """Pickle by fields (the class has slots and a ``__getattr__``)."""
        return {"step": self.step, "replications": self.replications, **self._fields}

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Restore a pickled world."""
        state = dict(state)
        self.step = state.pop("step")
        self.replications = state.pop("replications")
        self._fields = state

    @property
    def fields(self) -> Mapping[str, Any]:
        """The declared fields, by name (read-only view, in declaration order)."""
        return MappingProxyType(self._fields)

    def replace(self, *, step: int | None = None, **changes: Any) -> "World":
        """A world with some fields (and possibly the step) replaced.

        Raises:
            TypeError: For a name that is not a field of the world; a step's
                new state must be declared by the step that owns it.
        """
        unknown = [name for name in changes if name not in self._fields]
        if unknown:
            raise TypeError(
                f"not fields of the world: {', '.join(unknown)}; declare them in "
                "the owning step's `owns` (see docs/adding_a_mechanism.md)"
            )
        return World(
            self.step if step is None else step,
            self.replications,
            **{**self._fields, **changes},
        )

    def tiled(self, r: int) -> "World":
        """A one-replication world repeated as replications ``0..r-1``.

        Every array field, and every array of a dataclass field, is repeated
        along the replication axis (ensembles that start from one game's world).
        """

        def rows(value: Any) -> Any:
            if is_dataclass(value):
                return replace(
                    value,
                    **{f.name: rows(getattr(value, f.name)) for f in fields(value)},
                )
            return np.repeat(value, r, axis=0)

        arrays = {name: rows(value) for name, value in self._fields.items()}
        return World(self.step, np.arange(r), **arrays)


class Parameters:
    """Every mechanism's resolved parameters, as attributes named after its table.

    ``setup.params.arms_race`` is the :class:`sim.dynamics.arms_race.Params` of
    the run, per-state fields as (N,) arrays. The names are those of
    :data:`sim.dynamics.MECHANISMS`, so a new mechanism's table appears here
    without any change to this class.
    """

    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, Any]) -> None:
        """Hold ``values``: table name to that mechanism's ``Params``."""
        object.__setattr__(self, "_values", dict(values))

    def __getattr__(self, name: str) -> Any:
        """The ``Params`` of one mechanism."""
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(
                f"no mechanism {name!r}; mechanisms: {', '.join(self._values)}"
            ) from None

    def __setattr__(self, name: str, value: Any) -> None:
        """Parameters are fixed for a run."""
        raise AttributeError("Parameters are read-only")

    def __getstate__(self) -> dict[str, Any]:
        """Pickle by value (batches send setups to worker processes)."""
        return self._values

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Restore pickled parameters."""
        object.__setattr__(self, "_values", state)

    def replace(self, **changes: Any) -> "Parameters":
        """Parameters with some mechanisms' ``Params`` replaced, by table name.

        Raises:
            TypeError: For a name that is not a mechanism of these parameters.
        """
        unknown = [name for name in changes if name not in self._values]
        if unknown:
            raise TypeError(
                f"no mechanism {', '.join(unknown)}; mechanisms: "
                + ", ".join(self._values)
            )
        return Parameters({**self._values, **changes})

    def __iter__(self) -> Iterator[str]:
        """Mechanism names, in the order of :data:`sim.dynamics.MECHANISMS`."""
        return iter(self._values)

    def __repr__(self) -> str:
        """The mechanisms held."""
        return f"Parameters({', '.join(self._values)})"


@dataclass(frozen=True)
class Signals:
    """The signals every state sends in one step (levels in [0, 1]).

    The leading axis is R, or 1 when every replication sends the same (the
    scenario's schedule): consumers broadcast it.

    Attributes:
        exercise: ``E_ij``, i exercises with ally j, (R, N, N).
        patrol: ``F_it``, i patrols theater t, (R, N, T).
        declaration: ``D_ij``, i publicly pledges to defend ally j, (R, N, N).
    """

    exercise: np.ndarray
    patrol: np.ndarray
    declaration: np.ndarray


@dataclass(frozen=True)
class ConflictSetup:
    """What alliances and crises need that stays fixed during a run.

    Attributes:
        capital_distance_km: Great-circle distance between capitals, (N, N).
        tie: Starting commitment strength from ``[[alliance]]``, (N, N).
        bound: Pairs sharing a defense treaty, bound to defend each other,
            (N, N) bool.
        trust: Starting trust by relation, (N, N).
        threat_start: Walt threat at step 0, (N,).
        posture, resolve, threshold, transparency: Per-state doctrine, (N,).
        disputes: Challenger, defender and theater index of each dispute, (D, 3).
        crisis_injects: Step, challenger, defender, theater, rung, (K, 5).
        exercise_injects: ``(step, member indices, level)`` of exercise injects.
        treaty_injects: ``(step, member indices, tie)`` of treaty changes: the
            tie among the members becomes ``tie`` at that step.
        scripts: State, opponent and action code of scripted actions, (S, 3).
        script_steps: When each scripted action holds, ``[start, end)`` in
            steps since the run's start, (S, 2) float.
        meeting: Theaters where each pair's incidents may open, (N, N, T) bool
            (:func:`sim.dynamics.escalation.meeting_theaters`).
    """

    capital_distance_km: np.ndarray
    tie: np.ndarray
    trust: np.ndarray
    threat_start: np.ndarray
    posture: np.ndarray
    resolve: np.ndarray
    threshold: np.ndarray
    transparency: np.ndarray
    disputes: np.ndarray
    crisis_injects: np.ndarray
    exercise_injects: tuple[tuple[int, np.ndarray, float], ...]
    scripts: np.ndarray
    script_steps: np.ndarray
    bound: np.ndarray
    meeting: np.ndarray
    treaty_injects: tuple[tuple[int, np.ndarray, float], ...] = ()


@dataclass(frozen=True)
class DiplomacySetup:
    """What signaling and cooperation need that stays fixed during a run.

    Attributes:
        allies: Pairs that share an ``[[alliance]]`` (who may exercise with or
            pledge to whom), (N, N) bool.
        claim: ``claim_it``, i is a party to a dispute in theater t, (N, T).
        hotline_since: Step from which each pair has a hotline, (N, N) int.
        notification_since: Step from which each pair notifies exercises, (N, N).
        capital_cover: A2/AD coverage of each capital by each state's sites,
            ``[denier k, capital i]``, (N, N).
        forum_members: Membership of each ``[[forum]]``, (F, N) bool.
        forum_meetings: When each forum meets (:class:`sim.schedule.Repeating`).
        signal_sendings: When each ``[[signal]]`` is sent, in file order.
        signal_hold: How long each sending holds, in steps, (S,).
        disaster_injects: Step and stricken states (N,) bool of each disaster
            inject.
    """

    allies: np.ndarray
    claim: np.ndarray
    hotline_since: np.ndarray
    notification_since: np.ndarray
    capital_cover: np.ndarray
    forum_members: np.ndarray
    forum_meetings: Repeating
    signal_sendings: Repeating
    signal_hold: np.ndarray
    disaster_injects: tuple[tuple[int, np.ndarray], ...]


@dataclass(frozen=True)
class Setup:
    """What stays fixed during a run, derived once from a scenario.

    Attributes:
        scenario: The validated scenario.
        params: Each mechanism's parameters, per-state ones as (N,) arrays.
        hostility: Initial hostility weights ``H_ij`` from disputes and
            rivalries, shape (N, N), symmetric, zero diagonal.
        grievance: Richardson's g per state at the starting GDP, US$ m per year
            per year, shape (N,).
        distance_km: Great-circle distance from each capital to each theater
            centre, shape (N, T).
        cover: A2/AD coverage of each theater by each state's sites (its
            capital where it declares none), shape (N, T).
        conflict: Fixed arrays of alliances, disputes, injects and scripts.
        diplomacy: Fixed arrays of signals, CBMs, forums and capital coverage.
        budget_shocks: Step and spending factor (N,) of each ``budget_shock``
            inject (the parties' factor is its magnitude, the others' 1).
    """

    scenario: Scenario
    params: Parameters
    hostility: np.ndarray
    grievance: np.ndarray
    distance_km: np.ndarray
    cover: np.ndarray
    conflict: ConflictSetup
    diplomacy: DiplomacySetup
    budget_shocks: tuple[tuple[int, np.ndarray], ...] = ()

    @property
    def n_states(self) -> int:
        """Number of states N."""
        return len(self.scenario.states)

    @property
    def dt_years(self) -> float:
        """Length of a step in years."""
        return self.scenario.info.dt_years

    @property
    def gdp_start(self) -> np.ndarray:
        """GDP of each state at the start, US$ m per year, (N,)."""
        return np.array([s.gdp_usd_m for s in self.scenario.states], dtype=float)


@dataclass
class Decisions:
    """What every state chooses this step; policies may overwrite their rows.

    Attributes:
        milex: Spending each state wants next step, before the budget cap,
            US$ m per year, shape (R, N).
        action: Crisis action of i toward j, -1 back down, 0 hold, 1 escalate,
            int8 (R, N, N); meaningful only where a crisis is under way.
        sides: ``(r, i, j)`` index arrays of the crisis sides the doctrine
            decided (i toward j in replication r), each (M,).
        factors: Why the doctrine chose each of those actions (for the record),
            arrays (M,) in the order of ``sides``; None when the doctrine was
            not asked to explain (:func:`sim.engine.decide`).
        signals: Exercises, patrols and declarations each state sends.
        posture: Posture each state takes this step, (R, N).
        ordered: Where a policy set i's action toward j itself, bool (R, N, N):
            that action is played with certainty at every decision opportunity
            of the step, even where it is the doctrine's own draw; elsewhere
            the doctrine plays its equilibrium strategy, solved anew at each.
    """

    milex: np.ndarray
    action: np.ndarray
    sides: tuple[np.ndarray, ...]
    factors: Factors | None
    signals: Signals
    posture: np.ndarray
    ordered: np.ndarray
