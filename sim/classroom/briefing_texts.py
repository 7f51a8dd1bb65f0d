"""A scenario's own briefing texts, ``NAME.briefings.toml``: read and checked.

The file beside a scenario gives, per state, lists of sentences under
:data:`TEXT_KEYS` (see :mod:`sim.classroom.briefing`). It is data only, read
with :mod:`tomllib`, and checked whole when a game is created
(:class:`~sim.classroom.session.GameSession`), so a bad one is refused with the
file and key named before any log is written, never mid-class.
"""

import tomllib
from pathlib import Path

from sim.errors import InputError

TEXT_KEYS = ("objectives", "interests", "red_lines")
"""The lists of sentences a scenario's briefings file may give per state."""


class BriefingError(InputError):
    """A briefings file that cannot be read; the message names file and key."""


def briefings_file(scenario: str | Path) -> Path:
    """Where a scenario's own briefing text lives: ``NAME.briefings.toml``."""
    path = Path(scenario)
    return path.with_name(f"{path.stem}.briefings.toml")


def read_texts(scenario: str | Path, states: tuple[str, ...]) -> dict[str, dict]:
    """The briefing texts a scenario gives, by state (empty if it gives none).

    Raises:
        BriefingError: The file is not TOML, names a state the scenario lacks,
            a key other than :data:`TEXT_KEYS`, or a value that is not a list
            of sentences.
    """
    path = briefings_file(scenario)
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise BriefingError(f"{path}: cannot be read as TOML: {err}") from err
    for state, table in data.items():
        if state in states and not isinstance(table, dict):
            raise BriefingError(
                f"{path}: {state} = {table!r}; expected a table [{state}] of "
                f"{', '.join(TEXT_KEYS)}"
            )
        if state not in states:
            raise BriefingError(
                f"{path}: [{state}] is not a state of the scenario; states: "
                f"{', '.join(states)}"
            )
        for key, value in table.items():
            if key not in TEXT_KEYS:
                raise BriefingError(
                    f"{path}: {state}.{key} is not a briefing field; use "
                    f"{', '.join(TEXT_KEYS)}"
                )
            if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                raise BriefingError(
                    f"{path}: {state}.{key} = {value!r}; expected a list of "
                    'sentences, e.g. ["Keep the alliance credible."]'
                )
    return data
