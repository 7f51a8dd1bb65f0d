"""The one base class of errors caused by input: files, fields, arguments.

Every library error about something a user gave (a scenario field, a parameter
range, a results folder, a game log) derives from :class:`InputError`, so a front
end (the command line, a notebook, the classroom page) can tell bad input from a
bug with one ``except`` and without importing the module that raised it. The
library names what it is about in ``field`` (a scenario path such as
``mechanisms.arms_race.reaction_per_year``, or an argument name such as
``replications``); only the command line turns that into a flag name.

This module imports nothing heavy: ``sim.cli`` loads it at start.
"""

from collections.abc import Sequence


class InputError(ValueError):
    """Input that cannot be used as given; the message says what would be right.

    Attributes:
        field: The field, parameter or argument the error is about, or None when
            it is about a whole file or folder.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def check_once(values: Sequence[str], field: str, error: type[InputError]) -> None:
    """Refuse a value given twice: an outcome, a grouping field, a ranged path.

    A repeated ``--outcome`` or ``--by`` would make two rows or columns of one
    name, which no table can lay out; a path ranged twice would be sampled
    twice, or one range kept in silence.

    Raises:
        error: ``FIELD VALUE: given more than once``, about ``field``.
    """
    values = list(values)
    twice = [value for value in dict.fromkeys(values) if values.count(value) > 1]
    if twice:
        raise error(f"{field} {twice[0]}: given more than once", field=field)
