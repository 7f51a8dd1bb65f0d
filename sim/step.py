"""How an engine step declares itself, in one place.

A :class:`Step` is one phase of a simulation step. It says, as data:

- ``params``: the ``[mechanisms.NAME]`` table it reads (its frozen ``Params``
  dataclass, registered in :data:`sim.dynamics.MECHANISMS`), reached in code as
  ``setup.params.NAME``;
- ``owns``: the :class:`~sim.world.World` fields it declares, each with its
  meaning, unit and shape, and ``initial``, their values at step 0; ``writes``:
  fields owned by an earlier step that it also updates;
- ``randoms``: the random streams it draws from and how their element indices
  are laid out (:class:`RandomUse`, see :mod:`sim.rng`);
- ``restrict``: how the scenario sections it reads shrink to a subset of states
  (used by :func:`sim.calibrate.restrict`);
- ``run``: its function of arrays, ``run(world, context) -> {field: array}``,
  which returns the new values of fields it owns or writes.

:data:`sim.engine.STEPS` lists the steps in the order they run; reading it is
reading the model's order of events. See ``docs/adding_a_mechanism.md``.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np

from sim.rng import Draws, Stream
from sim.scenario import Scenario
from sim.world import Decisions, Setup, World


@dataclass(frozen=True)
class Field:
    """A world field a step owns.

    Attributes:
        name: Attribute name on :class:`~sim.world.World`.
        doc: What it is, with its unit and shape, e.g. ``"Military spending,
            US$ m per year, (R, N)."``.
    """

    name: str
    doc: str


@dataclass(frozen=True)
class RandomUse:
    """One kind of random number a step draws, and where in its stream.

    Draws are counter-based (:class:`sim.rng.Draws`): a number is a pure function
    of ``(seed, replication, step, stream, index)``, and each distribution has
    its own words, so two uses collide only if they share a stream, a
    distribution and an index. No two steps share a ``(stream, distribution)``.

    Attributes:
        stream: The stream id.
        distribution: ``uniform``, ``normal`` or ``gumbel``.
        index: The element index layout, e.g. ``"i*N + j (i < j)"``.
        purpose: What the number decides.
    """

    stream: Stream
    distribution: Literal["uniform", "normal", "gumbel"]
    index: str
    purpose: str


class DeclaredDraws:
    """A step's view of the step's draws: only the streams it declared.

    The same methods, and the same numbers, as :class:`sim.rng.Draws`; drawing a
    stream and distribution the step did not declare in its ``randoms`` fails,
    so the declarations are the whole truth about who draws what.
    """

    def __init__(self, draws: Draws, step: "Step") -> None:
        """Wrap ``draws`` for ``step``."""
        self._draws = draws
        self._step = step.name
        self._declared = {(use.stream, use.distribution) for use in step.randoms}

    def _check(self, stream: Stream | int, distribution: str) -> None:
        if (Stream(stream), distribution) not in self._declared:
            raise RuntimeError(
                f"step {self._step} draws {distribution} numbers from stream "
                f"{Stream(stream).name} without declaring it; add a RandomUse to "
                "its randoms"
            )

    def uniform(
        self, stream: Stream | int, shape: tuple[int, ...], *, offset: int = 0
    ) -> np.ndarray:
        """As :meth:`sim.rng.Draws.uniform`, for a declared stream."""
        self._check(stream, "uniform")
        return self._draws.uniform(stream, shape, offset=offset)

    def normal(
        self, stream: Stream | int, shape: tuple[int, ...], *, offset: int = 0
    ) -> np.ndarray:
        """As :meth:`sim.rng.Draws.normal`, for a declared stream."""
        self._check(stream, "normal")
        return self._draws.normal(stream, shape, offset=offset)

    def gumbel(
        self, stream: Stream | int, shape: tuple[int, ...], *, offset: int = 0
    ) -> np.ndarray:
        """As :meth:`sim.rng.Draws.gumbel`, for a declared stream."""
        self._check(stream, "gumbel")
        return self._draws.gumbel(stream, shape, offset=offset)

    def uniform_at(
        self, stream: Stream | int, rows: np.ndarray, index: np.ndarray
    ) -> np.ndarray:
        """As :meth:`sim.rng.Draws.uniform_at`, for a declared stream."""
        self._check(stream, "uniform")
        return self._draws.uniform_at(stream, rows, index)

    def normal_at(
        self, stream: Stream | int, rows: np.ndarray, index: np.ndarray
    ) -> np.ndarray:
        """As :meth:`sim.rng.Draws.normal_at`, for a declared stream."""
        self._check(stream, "normal")
        return self._draws.normal_at(stream, rows, index)

    def gumbel_at(
        self, stream: Stream | int, rows: np.ndarray, index: np.ndarray
    ) -> np.ndarray:
        """As :meth:`sim.rng.Draws.gumbel_at`, for a declared stream."""
        self._check(stream, "gumbel")
        return self._draws.gumbel_at(stream, rows, index)


@dataclass(frozen=True)
class Context:
    """What a step's function sees besides the world it updates.

    Attributes:
        setup: What stays fixed during the run.
        draws: This step's random numbers, limited to its declared ``randoms``
            (:class:`DeclaredDraws`).
        decisions: What every state chose this step (doctrine and policies).
        start: The world as it was when the step began, before any phase ran
            (``world`` holds the fields written by the phases before this one).
    """

    setup: Setup
    draws: Draws | DeclaredDraws
    decisions: Decisions
    start: World


#: A step's function of arrays: the world so far this step -> changed fields.
Run = Callable[[World, Context], Mapping[str, Any]]
#: Values of a step's owned fields at step 0, given the fields of earlier steps.
Initial = Callable[[World, Setup], Mapping[str, Any]]
#: Replacements of scenario sections when only some states are kept.
Restrict = Callable[[Scenario, frozenset[str]], Mapping[str, Any]]


@dataclass(frozen=True)
class Step:
    """One declared phase of the engine's step (see the module docstring).

    Attributes:
        name: Short name, unique among the steps.
        run: Its function of arrays.
        params: Name of the ``[mechanisms.NAME]`` table it reads, or None.
        owns: The world fields it declares.
        initial: Values of ``owns`` at step 0 (required when it owns fields).
        writes: Fields owned by earlier steps that it also updates.
        randoms: The random numbers it draws.
        restrict: How its scenario sections keep only some states, or None.
    """

    name: str
    run: Run
    params: str | None = None
    owns: tuple[Field, ...] = ()
    initial: Initial | None = None
    writes: tuple[str, ...] = ()
    randoms: tuple[RandomUse, ...] = ()
    restrict: Restrict | None = None

    @property
    def fields(self) -> tuple[str, ...]:
        """Names of every field it may change: its own, then those it writes."""
        return (*(f.name for f in self.owns), *self.writes)


def among(entries: Iterable[Any], keep: frozenset[str]) -> tuple[Any, ...]:
    """The entries whose ``parties`` are all kept states (for a ``restrict``)."""
    return tuple(e for e in entries if keep.issuperset(e.parties))


def groups_among(groups: Iterable[Any], keep: frozenset[str]) -> tuple[Any, ...]:
    """Groups with only their kept ``members``, for a ``restrict``.

    A group left with fewer than two members is dropped.
    """
    return tuple(
        replace(g, members=tuple(m for m in g.members if m in keep))
        for g in groups
        if len(keep.intersection(g.members)) >= 2
    )
