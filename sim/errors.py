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


class InputError(ValueError):
    """Input that cannot be used as given; the message says what would be right.

    Attributes:
        field: The field, parameter or argument the error is about, or None when
            it is about a whole file or folder.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
