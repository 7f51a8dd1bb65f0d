"""Words on figures: readable parameter names, outcome labels with the horizon.

A figure read away from the command that drew it must say what it shows: the
scenario, the horizon (``probability of war within 10 years``, not ``war_onset``)
and, for one point of a sweep, which point.
"""

from collections.abc import Mapping
from typing import Any

UNITS = {
    "_per_year": "per year",
    "_usd_m": "US$ m",
    "_km": "km",
    "_years": "years",
}
"""Name suffixes that carry a unit, and the unit they carry."""
HORIZON = ("war_onset", "clash_onset", "clashes", "peak_rung", "crises")
"""Outcomes whose value grows with the horizon (its label says the horizon)."""
ENTRIES = ("state", "theater", "alliance", "forum")
"""Arrays of a scenario whose entries a path names (``alliance.US-JPN.strength``;
:mod:`sim.scenario`): the name is kept, as two entries share their fields."""


def readable(path: str) -> str:
    """A field path as words: ``state.USA.resolve`` -> ``USA resolve``.

    An entry keeps the id or name the path gives it
    (``alliance.US-JPN.strength`` -> ``US-JPN strength``);
    ``mechanisms.escalation.war_cost`` -> ``war cost (escalation)``; a unit
    suffix becomes a unit in parentheses (``incident rate (per year)``).
    """
    parts = path.split(".")
    name = parts[-1]
    unit = ""
    for suffix, words in UNITS.items():
        if name.endswith(suffix):
            name, unit = name.removesuffix(suffix), words
            break
    words = name.replace("_", " ")
    if len(parts) >= 3 and parts[0] in ENTRIES:
        words = f"{parts[1]} {words}"
    elif len(parts) == 3 and parts[0] == "mechanisms":
        unit = f"{parts[1].replace('_', ' ')}{', ' + unit if unit else ''}"
    return f"{words} ({unit})" if unit else words


def outcome_label(outcome: str, years: float | None) -> str:
    """The y-axis label of an outcome's mean, with the horizon where it matters.

    A per-place outcome ``OUTCOME.PLACE`` names its place:
    ``war_onset.CHN_TWN`` -> ``probability of war (CHN_TWN) within 5 years``.
    """
    base, _, place = outcome.partition(".")
    if place:
        label = outcome_label(base, None)
        within = f" within {years:g} years" if years and base in HORIZON else ""
        return f"{label} ({place}){within}"
    within = f" within {years:g} years" if years else ""
    labels = {
        "war_onset": f"probability of war{within}",
        "clash_onset": f"probability of a clash{within}",
        "peak_rung": f"mean peak rung{within}",
        "crises": f"mean number of crises{within}",
        "clashes": f"mean number of clashes{within}",
        "crisis_time_share": "mean share of time in a militarised crisis",
        "deterrence_success_rate": "mean deterrence success rate",
        "war_onset_years": "mean years to war (runs with war)",
        "clash_onset_years": "mean years to a clash (runs with one)",
        "stability_index": "mean stability index",
    }
    return labels.get(outcome, f"mean {outcome.replace('_', ' ')}")


def point_text(values: Mapping[str, Any]) -> str:
    """A sweep point's values: ``USA resolve = 0.7, CHN resolve = 0.5``."""
    return ", ".join(f"{readable(k)} = {_number(v)}" for k, v in values.items())


def _number(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)
