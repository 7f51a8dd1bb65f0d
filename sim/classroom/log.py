"""The game log: JSON Lines, one event per line, appended and synced to disk.

The first line is a header naming the scenario (path and content hash), seed,
replication, package version, code (:func:`sim.manifest.code_hash`) and teams;
every later line is one event: ``move``, ``inject``, ``turn`` (a turn played,
with its outcome), ``rewind``, ``pause`` (with the seconds left on the turn
timer, if it ran), ``resume``, ``end``, or a setting of the served game:
``timer`` (the turn timer's minutes) and ``codes`` (each team's join code).
Each line is flushed and fsynced as it is written, so a crash or a closed laptop
loses at most the line being written. The log is data only (never pickle);
reading it checks every line and names the first bad one by its line number.
The one exception is a last line cut short, which is what a crash while writing
it leaves: reading leaves it out with a warning (:class:`GameLogWarning`)
naming it, and the next line appended to the log replaces it.
"""

import contextlib
import json
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.errors import InputError

FORMAT = "apwargame-game"
FORMAT_VERSION = 1
EVENTS = (
    "move",
    "inject",
    "turn",
    "rewind",
    "pause",
    "resume",
    "end",
    "timer",
    "codes",
)
UNTIMED = ("pause", "resume", "end", "timer", "codes")
"""Events that belong to no turn (a rewind keeps them)."""


class GameLogError(InputError):
    """A game log that cannot be read or does not belong to this game."""


class GameLogWarning(UserWarning):
    """A game log's last line was cut short (a crash while writing it); left out."""


@dataclass(frozen=True)
class Header:
    """What a game is: enough to start it again identically.

    Attributes:
        scenario: The scenario file's path.
        scenario_hash: Its content hash when the game started.
        seed: Random seed.
        replication: Replication index of that seed.
        version: Package version that wrote the log.
        teams: The states played by teams, in prompt order.
        code: :func:`sim.manifest.code_hash` of the code that wrote the log
            (empty in logs written before it was recorded).
    """

    scenario: str
    scenario_hash: str
    seed: int
    replication: int
    version: str
    teams: tuple[str, ...]
    code: str = ""

    def to_json(self) -> dict[str, Any]:
        """The header line's content."""
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "scenario": self.scenario,
            "scenario_hash": self.scenario_hash,
            "seed": self.seed,
            "replication": self.replication,
            "version": self.version,
            "teams": list(self.teams),
            "code": self.code,
        }


class GameLog:
    """An open game log that events are appended to.

    Args:
        path: The ``.jsonl`` file.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._mended = False  # a cut-short last line is replaced on first append

    @classmethod
    def create(cls, path: str | Path, header: Header) -> "GameLog":
        """Start a new log with its header; refuses to overwrite a file.

        Raises:
            GameLogError: The file exists already.
            OSError: The log cannot be written there (its ``filename`` is the
                path); no file is left behind.
        """
        path = Path(path)
        if path.exists():
            raise GameLogError(
                f"{path}: already exists; resume the game it holds, or name a new log"
            )
        log = cls(path)
        log._mended = True  # a new file: nothing to mend
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            log.append(header.to_json())
        except OSError as err:
            with contextlib.suppress(OSError):  # no header, or half of one: no log
                path.unlink(missing_ok=True)
            raise OSError(
                err.errno,
                f"cannot write the game log there ({err.strerror or err}); "
                "name a file in a folder you can write",
                str(path),
            ) from err
        return log

    def append(self, event: dict[str, Any]) -> None:
        """Write one event as a line, flushed and fsynced before returning.

        The first append to an existing log first cuts off a last line that was
        cut short (the line :func:`read_log` left out), so the new line follows
        the last whole one.
        """
        if not self._mended:
            self._mend()
        line = json.dumps(event, sort_keys=True, allow_nan=False) + "\n"
        with self.path.open("a", encoding="utf-8") as f:
            f.write(line)
            f.flush()
            os.fsync(f.fileno())

    def _mend(self) -> None:
        """End the log after its last whole line, before anything is appended.

        A cut-short last line is dropped (one truncation, synced); a whole last
        line without its newline gets one.
        """
        with self.path.open("r+b") as f:
            data = f.read()
            lines = data.splitlines(keepends=True)
            if len(lines) > 1 and not _is_json(lines[-1]):
                f.truncate(len(data) - len(lines[-1]))
            elif data and not data.endswith((b"\n", b"\r")):
                f.write(b"\n")
            f.flush()
            os.fsync(f.fileno())
        self._mended = True


def read_log(path: str | Path) -> tuple[Header, list[dict[str, Any]]]:
    """Read and check a game log: its header and its events, in order.

    A last line (after the header) that is not JSON is what a crash while it
    was written leaves: it is left out with a :class:`GameLogWarning` naming it.

    Raises:
        GameLogError: Naming the file and line of the first problem: not a
            game log (its first line is not this program's header, nor a JSON
            object cut short: a scenario file, say), a line before the last
            that is not JSON, a line that is not a JSON object, an unknown
            event or one missing its ``turn``.
    """
    path = Path(path)
    try:
        lines = path.read_bytes().splitlines()
    except OSError as err:
        raise GameLogError(f"{path}: cannot read the game log: {err}") from err
    records = []
    for number, line in enumerate(lines, start=1):
        try:
            record = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            if number == len(lines) > 1:
                warnings.warn(
                    f"{path}:{number}: the last line is cut short (the program "
                    "stopped while writing it?); left out, the game is read to "
                    f"line {number - 1}",
                    GameLogWarning,
                    stacklevel=2,
                )
                break
            if number == 1 and not line.lstrip().startswith(b"{"):  # no header
                raise GameLogError(_not_a_log(path)) from err
            reason = err.msg if isinstance(err, json.JSONDecodeError) else err
            raise GameLogError(
                f"{path}:{number}: corrupt line, not JSON ({reason}); the game "
                f"log is damaged at line {number}"
            ) from err
        if not isinstance(record, dict):
            raise GameLogError(f"{path}:{number}: corrupt line, not a JSON object")
        records.append(record)
    if not records or records[0].get("format") != FORMAT:
        raise GameLogError(_not_a_log(path))
    header = _header(path, records[0])
    for number, event in enumerate(records[1:], start=2):
        kind = event.get("event")
        if kind not in EVENTS:
            raise GameLogError(
                f"{path}:{number}: unknown event {kind!r}; expected one of "
                f"{', '.join(EVENTS)}"
            )
        key = "to_turn" if kind == "rewind" else "turn"
        if kind not in UNTIMED and not _is_int(event.get(key)):
            raise GameLogError(f"{path}:{number}: {kind} event without its {key}")
    return header, records[1:]


def _not_a_log(path: Path) -> str:
    """Why ``path`` is refused as a game log: it is none (a scenario, say)."""
    what = "a scenario file, " if path.suffix == ".toml" else ""
    return (
        f"{path}:1: {what}not a game log of this program (no {FORMAT!r} header); "
        "expected a .jsonl game log written by `wargame play` or `wargame serve`"
    )


def _header(path: Path, record: dict[str, Any]) -> Header:
    """The header line as a :class:`Header`, checked field by field."""
    if record.get("format_version") != FORMAT_VERSION:
        raise GameLogError(
            f"{path}:1: game log format version {record.get('format_version')!r}; "
            f"this program reads version {FORMAT_VERSION}"
        )
    try:
        header = Header(
            scenario=str(record["scenario"]),
            scenario_hash=str(record["scenario_hash"]),
            seed=int(record["seed"]),
            replication=int(record["replication"]),
            version=str(record["version"]),
            teams=tuple(str(t) for t in record["teams"]),
            code=str(record.get("code", "")),
        )
    except (KeyError, TypeError, ValueError) as err:
        raise GameLogError(f"{path}:1: header lacks or garbles {err}") from err
    return header


def _is_json(line: bytes) -> bool:
    """Whether one line of a log is JSON (UTF-8 text holding one JSON value)."""
    try:
        json.loads(line.decode("utf-8"))
    except ValueError:  # UnicodeDecodeError and JSONDecodeError
        return False
    return True


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
