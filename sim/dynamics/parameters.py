"""How a mechanism declares its parameters, so scenario files can be validated.

Each mechanism module defines a frozen dataclass ``Params`` whose fields are its
parameters, each made with :func:`param`. The field metadata carries the allowed
range, whether a state may override it in its ``[[state]]`` table, and a one-line
description. The scenario loader reads this metadata; nothing else does.
"""

from dataclasses import Field, dataclass, field, fields
from typing import Any

import numpy as np

#: A parameter after resolution: a scalar, or one value per state with shape (N,).
Value = float | np.ndarray


@dataclass(frozen=True)
class Spec:
    """What a parameter accepts."""

    lo: float | None
    hi: float | None
    per_state: bool
    doc: str


def param(
    default: float | bool | int,
    *,
    lo: float | None = None,
    hi: float | None = None,
    per_state: bool = False,
    doc: str = "",
) -> Any:
    """Declare a mechanism parameter with its default, range and description.

    Args:
        default: Value used when the scenario does not set it (a modelling choice).
        lo: Smallest allowed value, inclusive, or None for no bound.
        hi: Largest allowed value, inclusive, or None for no bound.
        per_state: Whether a ``[state.MECHANISM]`` table may override it per state.
        doc: One line saying what it is, with its unit.

    Returns:
        A dataclass field carrying a :class:`Spec` in its metadata.
    """
    return field(default=default, metadata={"spec": Spec(lo, hi, per_state, doc)})


def specs(params_type: type) -> dict[str, tuple[Field, Spec]]:
    """Map each parameter name of a ``Params`` dataclass to its field and spec."""
    return {f.name: (f, f.metadata["spec"]) for f in fields(params_type)}
