"""Library errors speak the library's words: a field, never a command-line flag."""

import ast
import re
from pathlib import Path

from sim.cli.common import flag_message
from sim.errors import InputError

SIM = Path(__file__).parent.parent / "sim"
FRONT_ENDS = {SIM / "cli", SIM / "classroom" / "terminal.py"}
"""The command line and the terminal game: these speak to a user at a prompt."""
FLAG = re.compile(r"(?<![\w-])--[a-z]")
RECIPE = re.compile(r"`[^`]*`")
"""A whole command quoted in backticks, e.g. `wargame batch SCENARIO --out X`."""


def raised_texts(path: Path) -> list[tuple[int, str]]:
    """The literal text of every ``raise`` in a module, with its line."""
    texts = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Raise) and node.exc is not None:
            parts = [
                n.value
                for n in ast.walk(node.exc)
                if isinstance(n, ast.Constant) and isinstance(n.value, str)
            ]
            texts.append((node.lineno, "".join(parts)))
    return texts


def test_no_library_error_names_a_flag():
    """Only the command line turns ``field`` into a flag; a recipe may quote one."""
    named = [
        f"{path.relative_to(SIM.parent)}:{line}: {text}"
        for path in sorted(SIM.rglob("*.py"))
        if not any(path.is_relative_to(front) for front in FRONT_ENDS)
        for line, text in raised_texts(path)
        if FLAG.search(RECIPE.sub("", text))
    ]
    assert named == [], "say it in the library's words, with field=:\n" + "\n".join(
        named
    )


def test_the_command_line_names_the_flag_of_a_field():
    """A message that starts with its field starts with the flag instead."""
    for field, flag in [("window", "--window"), ("params", "--fit"), ("by", "--by")]:
        err = InputError(f"{field} x: wrong", field=field)
        assert flag_message(err) == f"{flag} x: wrong"
    assert flag_message(InputError("file.csv: wrong", field="window")) == (
        "file.csv: wrong"
    )
    assert flag_message(InputError("dispute_rung 0: wrong", field="dispute_rung")) == (
        "--dispute-rung 0: wrong"
    )
