"""Experiment designs: which parameter settings a batch or sweep runs.

A *setting* fixes one scenario field for every run (``--set path=value``); a
*range* varies one field between two bounds (``--param path=lo:hi[:n]``). A
:class:`Design` turns ranges into *points*, each a dict of field paths to values
that :func:`sim.scenario.load_scenario` applies as overrides:

- ``single``: one point with no overrides (a plain batch of replications);
- ``grid``: the full factorial of ``n`` evenly spaced values per range;
- ``lhs``: Latin hypercube sampling (McKay, Beckman and Conover 1979);
- ``sobol``: a scrambled Sobol' sequence (Sobol' 1967; Owen 1998 scrambling).

The samplers are SciPy's :mod:`scipy.stats.qmc`, seeded, so a design's points are
a pure function of its ranges, sample count and seed. A range whose bounds are
both whole numbers (``threshold=1:4``) takes whole-number values.
"""

import itertools
import math
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim import limits
from sim.errors import InputError, check_once
from sim.scenario import load_scenario

DESIGNS = ("single", "grid", "lhs", "sobol")
DEFAULT_GRID_POINTS = 5
"""Values per range in a grid when ``:n`` is not given (a usability choice)."""
DEFAULT_SAMPLES = 16
"""Points of an LHS or Sobol' design when not given (a power of two for Sobol')."""


class DesignError(InputError):
    """A setting, range or design that cannot be used as given."""


@dataclass(frozen=True)
class Range:
    """One scenario field varied between two bounds.

    Attributes:
        path: Dotted field path, e.g. ``mechanisms.arms_race.reaction_per_year``.
        lo: Lower bound (inclusive).
        hi: Upper bound (inclusive).
        n: Grid values for this range (grid designs only), or None.
    """

    path: str
    lo: float | int
    hi: float | int
    n: int | None = None

    @property
    def whole(self) -> bool:
        """Whether the range takes whole-number values (both bounds are ints)."""
        return isinstance(self.lo, int) and isinstance(self.hi, int)

    def scale(self, unit: np.ndarray) -> list[float | int]:
        """Map points of the unit interval, shape (P,), into this range.

        Whole-number ranges split [0, 1) into ``hi - lo + 1`` equal bins, so
        every whole value is equally likely under a uniform sample.
        """
        if self.whole:
            values = np.floor(self.lo + unit * (self.hi - self.lo + 1))
            return [int(v) for v in np.minimum(values, self.hi)]
        return [float(v) for v in self.lo + unit * (self.hi - self.lo)]

    def grid(self) -> list[float | int]:
        """The ``n`` evenly spaced grid values, each once, as typed decimals.

        Fewer than ``n`` where they coincide: whole numbers closer than 1
        apart, or equal bounds (one value, not ``n`` runs of the same point).
        """
        n = DEFAULT_GRID_POINTS if self.n is None else self.n
        values = np.linspace(self.lo, self.hi, n)
        if self.whole:
            return [int(v) for v in np.unique(np.rint(values))]
        # 15 significant digits: 0.6, not linspace's 0.6000000000000001
        return [float(f"{v:.15g}") for v in np.unique(values)]


@dataclass(frozen=True)
class Design:
    """How the points of a batch are chosen.

    Attributes:
        kind: One of :data:`DESIGNS`.
        ranges: The varied fields (none for ``single``).
        samples: Points of an ``lhs`` or ``sobol`` design.
        seed: Seed of the ``lhs`` and ``sobol`` samplers.
    """

    kind: str = "single"
    ranges: tuple[Range, ...] = ()
    samples: int = DEFAULT_SAMPLES
    seed: int = 0

    def __post_init__(self) -> None:
        """Check the design is complete and consistent; raise DesignError if not."""
        if self.kind not in DESIGNS:
            raise DesignError(
                f"design {self.kind!r}: use one of {', '.join(DESIGNS)}",
                field="design",
            )
        if self.kind == "single" and self.ranges:
            raise DesignError(
                "ranges: a single batch takes none; use a sweep", field="ranges"
            )
        if self.kind != "single" and not self.ranges:
            raise DesignError(
                "ranges: a sweep needs at least one path=lo:hi[:n]", field="ranges"
            )
        check_once(self.paths, "ranges", DesignError)
        if self.kind in ("lhs", "sobol"):
            self._check_sampled()
        if self.size > limits.POINTS.value:
            field = "samples" if self.kind in ("lhs", "sobol") else "ranges"
            raise DesignError(
                f"{field}: a {self.kind} design of {limits.POINTS.message(self.size)}",
                field=field,
            )

    @property
    def size(self) -> int:
        """How many points the design has (a grid's at most: :meth:`Range.grid`)."""
        if self.kind == "single":
            return 1
        if self.kind == "grid":
            return math.prod(
                DEFAULT_GRID_POINTS if r.n is None else r.n for r in self.ranges
            )
        return self.samples

    def _check_sampled(self) -> None:
        for r in self.ranges:
            if r.n is not None:
                raise DesignError(
                    f"ranges {r.path}: the :n suffix sets grid values; "
                    f"{self.kind} designs take a number of samples instead",
                    field="ranges",
                )
        if self.samples < 1:
            raise DesignError(
                f"samples {self.samples}: must be at least 1", field="samples"
            )
        if self.kind == "sobol" and self.samples & (self.samples - 1):
            raise DesignError(
                f"samples {self.samples}: a Sobol' design needs a power of two "
                "(e.g. 16, 64, 256) to keep its balance properties",
                field="samples",
            )

    def points(self) -> list[dict[str, Any]]:
        """The design's points, each a dict of field path to value, in a fixed order."""
        if self.kind == "single":
            return [{}]
        if self.kind == "grid":
            axes = [r.grid() for r in self.ranges]
            return [
                dict(zip(self.paths, values, strict=True))
                for values in itertools.product(*axes)
            ]
        unit = self._unit_sample()  # (P, D)
        columns = [r.scale(unit[:, d]) for d, r in enumerate(self.ranges)]
        return [
            dict(zip(self.paths, row, strict=True))
            for row in zip(*columns, strict=True)
        ]

    @property
    def paths(self) -> list[str]:
        """The varied field paths, in order."""
        return [r.path for r in self.ranges]

    def _unit_sample(self) -> np.ndarray:
        """A seeded sample of the unit hypercube, shape (samples, ranges)."""
        from scipy.stats import qmc  # slow to import; only sweeps need it

        rng = np.random.default_rng(self.seed)
        d = len(self.ranges)
        if self.kind == "lhs":
            return qmc.LatinHypercube(d, rng=rng).random(self.samples)
        m = self.samples.bit_length() - 1
        return qmc.Sobol(d, scramble=True, rng=rng).random_base2(m)

    def describe(self) -> dict[str, Any]:
        """A JSON-ready description, recorded in a batch's manifest."""
        return {
            "kind": self.kind,
            "ranges": [
                {"path": r.path, "lo": r.lo, "hi": r.hi, "n": r.n} for r in self.ranges
            ],
            "samples": self.samples if self.kind in ("lhs", "sobol") else None,
            "seed": self.seed if self.kind in ("lhs", "sobol") else None,
        }


def check_bounds(
    scenario: str | Path,
    ranges: Iterable[Range],
    settings: dict[str, Any] | None = None,
) -> None:
    """Load the scenario with each range at each of its finite bounds, before any point.

    A bound its field cannot take is then named as typed (``-1 is below 0.0``),
    not as a point sampled inside the range. ``ranges`` may be anything with a
    ``path``, ``lo`` and ``hi`` (a calibration's fitted parameters too, whose
    bounds may be infinite: no bound to check there).

    Raises:
        ScenarioError: A bound the field cannot take, or a path it has not.
    """
    for r in ranges:
        for bound in (r.lo, r.hi):
            if math.isfinite(bound):
                overrides = {**(settings or {}), r.path: bound}
                load_scenario(scenario, overrides=overrides)


def parse_setting(text: str, field: str = "settings") -> tuple[str, Any]:
    """Parse ``path=value``; the value is read as TOML (numbers, booleans, strings).

    A bare word that is not valid TOML (``name=east``) is taken as a string.
    ``field`` names the argument in an error (:class:`sim.errors.InputError`).
    """
    path, value_text = _split(text, field, "path=value")
    try:
        value = tomllib.loads(f"v = {value_text}")["v"]
    except tomllib.TOMLDecodeError:
        value = value_text
    return path, value


def parse_range(text: str, field: str = "ranges") -> Range:
    """Parse ``path=lo:hi`` or ``path=lo:hi:n`` into a :class:`Range`.

    A grid of ``n`` values has both bounds, so ``n`` is at least 2 unless
    ``lo == hi``. ``field`` names the argument in an error
    (:class:`sim.errors.InputError`).
    """
    path, bounds = _split(text, field, "path=lo:hi[:n]")
    parts = bounds.split(":")
    if len(parts) not in (2, 3):
        raise DesignError(
            f"{field} {text}: expected path=lo:hi or path=lo:hi:n", field=field
        )
    lo, hi = (_number(text, p, field) for p in parts[:2])
    if lo > hi:
        raise DesignError(
            f"{field} {text}: lo {lo} is above hi {hi}; swap them", field=field
        )
    n = None
    if len(parts) == 3:
        n = _number(text, parts[2], field)
        least = 1 if lo == hi else 2
        if not isinstance(n, int) or n < least:
            ends = "" if lo == hi else f", for a grid from lo {lo} to hi {hi}"
            raise DesignError(
                f"{field} {text}: n {parts[2]} must be a whole number >= {least}{ends}",
                field=field,
            )
    return Range(path, lo, hi, n)


def _split(text: str, field: str, form: str) -> tuple[str, str]:
    path, sep, value = text.partition("=")
    if not sep or not path.strip() or not value.strip():
        raise DesignError(f"{field} {text!r}: expected {form}", field=field)
    return path.strip(), value.strip()


def _number(text: str, part: str, field: str) -> float | int:
    try:
        value = tomllib.loads(f"v = {part.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DesignError(f"{field} {text}: {part!r} is not a number", field=field)
    if not np.isfinite(value):
        raise DesignError(f"{field} {text}: {part!r} must be finite", field=field)
    return value
