"""Limits on what one command may ask of the machine, each raisable by the user.

A typo (``steps = 1000000000000``, a sweep of ``0:1:100000`` by ``0:1:100000``)
should get a message in a second, not exhaust a shared machine's memory after an
hour. Each limit is generous for every scenario and experiment in this
repository (a modelling choice of this tool, not a property of the model) and
can be raised for one command by an environment variable, which the message
names::

    WARGAME_MAX_STEPS=50000 wargame batch long_run.toml --replications 100

Limits whose only purpose is to keep the parsers safe (nesting depth, the length
of an ``extends`` chain) are fixed: no scenario needs more.

This module imports nothing heavy: the scenario reader and the CLI load it.
"""

import os
from dataclasses import dataclass

from sim.errors import InputError

NESTING = 32
"""Deepest nesting of arrays and tables in a scenario file (real ones use 3)."""
EXTENDS = 16
"""Longest chain of ``extends`` (real ones use 1 or 2)."""


class LimitError(InputError):
    """A request above one of the limits; the message says how to raise it."""


@dataclass(frozen=True)
class Limit:
    """One raisable limit.

    Attributes:
        what: What is limited, as a message names it.
        env: The environment variable that raises it.
        default: The limit when the variable is not set.
        unit: Unit of the value, as a message names it (may be empty).
    """

    what: str
    env: str
    default: int
    unit: str = ""

    @property
    def value(self) -> int:
        """The limit now: the environment variable's value, or the default.

        Raises:
            LimitError: The variable is set but not a positive whole number.
        """
        text = os.environ.get(self.env)
        if text is None:
            return self.default
        try:
            value = int(text)
        except ValueError:
            value = 0
        if value < 1:
            raise LimitError(f"{self.env}={text!r}: must be a whole number >= 1")
        return value

    def message(self, value: object) -> str:
        """Why ``value`` is refused and how to raise the limit."""
        unit = f" {self.unit}" if self.unit else ""
        return (
            f"{value}{unit} is above the limit of {self.value}{unit} for {self.what}; "
            f"raise it with the environment variable {self.env}=N if this is "
            "really meant and the machine can take it"
        )

    def check(self, value: int, field: str) -> None:
        """Raise :class:`LimitError`, naming ``field``, if ``value`` is above it."""
        if value > self.value:
            raise LimitError(f"{field} {self.message(value)}", field=field)


SCENARIO_BYTES = Limit(
    "a scenario file", "WARGAME_MAX_SCENARIO_BYTES", 1_000_000, "bytes"
)
STEPS = Limit("steps per replication", "WARGAME_MAX_STEPS", 10_000)
STATES = Limit("states in a scenario", "WARGAME_MAX_STATES", 100)
POINTS = Limit("a design", "WARGAME_MAX_POINTS", 100_000, "points")
REPLICATIONS = Limit("replications per point", "WARGAME_MAX_REPLICATIONS", 10_000_000)
CHUNK_MEGABYTES = Limit("memory of one chunk", "WARGAME_MAX_CHUNK_MB", 2_048, "MB")
