"""Load and validate scenario files (TOML) into typed, immutable objects.

A scenario file is data, read with the standard library's ``tomllib`` and never
executed. It may ``extends = "other.toml"`` (a path relative to itself, else a
bundled scenario's name, as :func:`scenario_path` finds one) and override a few
fields: tables merge key by key; ``[[state]]`` and ``[[theater]]``
entries merge by ``id`` and ``[[alliance]]`` entries by ``id`` or ``name`` (a
child entry with a known key updates it, a new key is appended); other arrays of tables
(``[[dispute]]``, ``[[rivalry]]``, ``[[a2ad_site]]``, ``[[base]]``, ``[[inject]]``,
``[[signal]]``, ``[[cbm]]``) are appended; ``[[forum]]`` entries merge by ``name``.

Validation collects every problem before it fails. Each message names the file
that set the value, the field path and the bad value, and says what would be
right, e.g. ``taiwan.toml: state[USA].milex_usd_m: -5.0 is below 0.0``.
"""

import copy
import functools
import hashlib
import json
import math
import re
import stat
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from sim import limits, schedule
from sim.dynamics import MECHANISMS
from sim.dynamics.crisis_decision import ACTIONS
from sim.dynamics.escalation import RUNGS
from sim.dynamics.parameters import specs
from sim.dynamics.signaling import CBM_KINDS, SIGNAL_KINDS
from sim.errors import InputError

ALLIANCE_KINDS = (
    "defense_treaty",
    "strategic_partnership",
    "consultation",
    "non_aggression",
    "dialogue_forum",
)
INJECT_KINDS = ("crisis", "disaster", "exercise", "treaty_change", "budget_shock")
INJECT_MAGNITUDES = {
    "exercise": ("an exercise level (1: a full exercise)", 0.0, 1.0),
    "treaty_change": (
        "a tie level (0 ends the parties' tie, 1 makes it a full treaty)",
        0.0,
        1.0,
    ),
    "budget_shock": ("a spending factor for the step (0.9: a 10% cut)", 0.0, math.inf),
}
"""What an inject's ``magnitude`` is, by kind, and its range ``(meaning, lo,
hi)``; a crisis takes a rung instead and a disaster nothing. A magnitude out
of its range is refused (:func:`magnitude_problem`), a scenario file's and a
classroom's inject alike."""
IN_PLAY = "added in play"
"""The origin named for entries added during a game (``events``)."""
OUTPUT_FORMATS = ("csv", "parquet")
MAX_DT_YEARS = 10.0
"""Longest step, in years (a modelling choice: rates per year stay meaningful)."""
DURATION_YEARS = 0.25
"""How long a ``[[signal]]`` sending or a ``[[script]]`` holds, in years, unless it
says (a modelling choice: a quarter, the bundled scenarios' step, so that
schedules written when one held for its step keep their meaning)."""
MAX_USD_M = 1e9
"""Largest spending or GDP, US$ million (10x world GDP, so sums cannot overflow)."""
STATE_RANGES = {
    "milex_usd_m": (0.0, MAX_USD_M),
    "gdp_usd_m": (1e-9, MAX_USD_M),
    "posture": (0.0, 1.0),
    "resolve": (0.0, 1.0),
    "threshold": (0, len(RUNGS) - 1),
    "transparency": (0.0, 1.0),
}
"""The range of each number of a ``[[state]]``, inclusive (``state.ID.FIELD``)."""
MAX_MAGNITUDE = 1e15
"""Largest size of any number in a scenario (no real quantity comes near it)."""
YEAR_RANGE = 100_000
"""Years run from -YEAR_RANGE to YEAR_RANGE (keeps year arithmetic exact)."""
_SAFE_NAME = re.compile(r"[A-Za-z0-9_()\-][A-Za-z0-9 _.()\-]{0,99}")
"""A name or id usable in a path: no separator, no leading dot or space."""
_KEYED_ARRAYS = {
    "state": ("id",),
    "theater": ("id",),
    "alliance": ("id", "name"),
    "forum": ("name",),
}


class ScenarioError(InputError):
    """A scenario file, or a chain of them, failed to load or validate.

    Attributes:
        problems: One human-readable line per problem found.
    """

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        count = f"{len(problems)} problem" + ("s" if len(problems) > 1 else "")
        super().__init__(f"{count} in scenario:\n  " + "\n  ".join(problems))


@dataclass(frozen=True)
class Info:
    """The ``[scenario]`` table: what the scenario is and how long it runs."""

    name: str
    description: str
    start_year: int
    steps: int
    dt_years: float
    seed: int


@dataclass(frozen=True)
class State:
    """One ``[[state]]``: a regional state with its budget, place and doctrine."""

    id: str
    name: str
    milex_usd_m: float
    gdp_usd_m: float
    capital: tuple[float, float]
    posture: float
    resolve: float
    threshold: int
    transparency: float
    overrides: dict[str, dict[str, float]] = field(default_factory=dict)


@dataclass(frozen=True)
class Alliance:
    """One ``[[alliance]]``: a treaty, partnership or forum among states.

    Attributes:
        name: Full name, e.g. the treaty's title.
        members: State ids.
        kind: One of :data:`ALLIANCE_KINDS`.
        since: Year signed.
        id: Short key for overrides and sweeps (``alliance.US-JPN.strength``);
            the name when the file gives none.
        strength: Its own commitment strength in [0, 1], or None for its
            kind's default (``[mechanisms.alliances]``).
    """

    name: str
    members: tuple[str, ...]
    kind: str
    since: int
    id: str = ""
    strength: float | None = None


@dataclass(frozen=True)
class Theater:
    """One ``[[theater]]``: a place where power is projected and crises happen."""

    id: str
    name: str
    center: tuple[float, float]


@dataclass(frozen=True)
class Dispute:
    """One ``[[dispute]]``: a standing territorial dispute, challenger first."""

    parties: tuple[str, str]
    theater: str
    hostility: float


@dataclass(frozen=True)
class Rivalry:
    """One ``[[rivalry]]``: hostility without a territorial dispute."""

    parties: tuple[str, str]
    hostility: float


@dataclass(frozen=True)
class Site:
    """One ``[[a2ad_site]]``: a representative launch area of a state's A2/AD."""

    state: str
    name: str
    location: tuple[float, float]


@dataclass(frozen=True)
class Base:
    """One ``[[base]]``: where a state keeps forces away from its capital.

    Its power reaches a theater from the nearest of its capital and its bases
    (:func:`sim.engine.theater_distances`).
    """

    state: str
    name: str
    location: tuple[float, float]


@dataclass(frozen=True)
class Signal:
    """One ``[[signal]]``: a signal a state sends on a schedule.

    Attributes:
        kind: ``exercise`` (with named allies), ``patrol`` (in a theater) or
            ``declaration`` (a public pledge to named allies).
        state: The sender.
        partners: Allies exercised with or pledged to (empty for a patrol).
        theater: The patrolled theater (None unless a patrol).
        level: Intensity in [0, 1] while the signal runs.
        first_year: Calendar year it is first sent.
        every_years: Sent at first_year and every this many years.
        last_year: Latest year it may be sent, or None to run to the end.
        duration_years: How long each sending holds the signal at its level.

    Each sending holds from its year for ``duration_years``; a step holds the
    signal at its level times the share of the step it is in force
    (:meth:`sim.schedule.Repeating.share_held`), so a schedule means the same
    at any step length.
    """

    kind: str
    state: str
    partners: tuple[str, ...]
    theater: str | None
    level: float
    first_year: float
    every_years: float
    last_year: float | None
    duration_years: float


@dataclass(frozen=True)
class Cbm:
    """One ``[[cbm]]``: a confidence-building measure in force from ``year``."""

    kind: str
    parties: tuple[str, str]
    year: float


@dataclass(frozen=True)
class Forum:
    """One ``[[forum]]``: a dialogue forum meeting every ``every_years`` years.

    It first meets in ``first_year`` and then every ``every_years`` (at least
    one step: a forum meets at most once per step).
    """

    name: str
    members: tuple[str, ...]
    every_years: float
    first_year: float


def magnitude_help(kind: str) -> str:
    """What a kind's magnitude is and its range, e.g. for a refusal."""
    meaning, lo, hi = INJECT_MAGNITUDES[kind]
    span = f"{lo:g} or more" if hi == math.inf else f"from {lo:g} to {hi:g}"
    return f"{meaning}, {span}"


def _bounds(field: str) -> dict[str, float]:
    """A ``[[state]]`` number's ``lo`` and ``hi`` (:data:`STATE_RANGES`)."""
    lo, hi = STATE_RANGES[field]
    return {"lo": lo, "hi": hi}


def place_dyads(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Each unordered pair of ``pairs`` once, as first named (the outcomes' dyads)."""
    dyads: dict[frozenset, tuple[str, str]] = {}
    for pair in pairs:
        dyads.setdefault(frozenset(pair), tuple(pair))
    return list(dyads.values())


def place_name(pair: tuple[str, str]) -> str:
    """The name of a dyad's own outcome columns: ``CHN_TWN`` (``war_onset.CHN_TWN``)."""
    return "_".join(pair)


def magnitude_problem(kind: str, magnitude: float) -> str | None:
    """Why ``magnitude`` cannot be a ``kind`` inject's, or None.

    None too for a kind that reads no magnitude (:data:`INJECT_MAGNITUDES`).
    """
    if kind not in INJECT_MAGNITUDES:
        return None
    _, lo, hi = INJECT_MAGNITUDES[kind]
    if lo <= magnitude <= hi:
        return None
    return f"must be {magnitude_help(kind)}"


def unread_fields(kind: str) -> dict[str, str]:
    """Inject fields ``kind`` does not read, each with why (none for a bad kind).

    A magnitude is read by the kinds of :data:`INJECT_MAGNITUDES` alone, a
    theater by a crisis alone. Refused in a scenario file and as the classroom
    types them (:func:`unread_problem`); accepted from play (``events``), so a
    game logged before they were refused still replays.
    """
    if kind not in INJECT_KINDS:
        return {}
    unread = {}
    if kind not in INJECT_MAGNITUDES:
        takes = "a rung" if kind == "crisis" else "none"
        unread["magnitude"] = f"is not read by a {kind} inject, which takes {takes}"
    if kind != "crisis":
        unread["theater"] = "is not read: only a crisis inject takes a theater"
    return unread


def unread_problem(inject: Mapping[str, Any]) -> str | None:
    """The first field an inject's kind does not read, and why; or None.

    For the classroom's inputs, which refuse them as typed
    (:func:`unread_fields`), e.g. ``theater 'taiwan_strait' is not read:
    only a crisis inject takes a theater``.
    """
    for key, why in unread_fields(str(inject.get("kind"))).items():
        if key in inject:
            return f"{key} {inject[key]!r} {why}"
    return None


@dataclass(frozen=True)
class Inject:
    """One ``[[inject]]``: an event scheduled by the scenario or an instructor.

    A ``crisis`` inject starts a crisis between its two parties (challenger
    first) in its theater at its ``year``, at ``rung`` (1 to one below major war).
    A ``disaster`` strikes its parties; an ``exercise`` drills them together at
    level ``magnitude``; a ``treaty_change`` sets the tie among its parties to
    ``magnitude`` (0 ends a treaty, 1 is a full one); a ``budget_shock``
    multiplies its parties' spending that step by ``magnitude`` (0.9: a 10% cut).
    It happens in the step holding its calendar ``year`` (:mod:`sim.schedule`).
    """

    year: float
    kind: str
    parties: tuple[str, ...]
    theater: str | None
    magnitude: float
    note: str
    rung: int = 1


@dataclass(frozen=True)
class Script:
    """One ``[[script]]``: a state's scripted crisis actions for a stated time.

    Attributes:
        state: The acting state's id.
        year: Calendar year from which it acts.
        crisis: Action toward each opponent, e.g. ``{"KOR": "escalate"}``; one of
            ``back_down``, ``hold``, ``escalate``. Played at every one of the
            state's decision opportunities in a crisis with that opponent from
            ``year`` for ``duration_years``, so a script means the same at any
            step length.
        duration_years: How long the script holds.
    """

    state: str
    year: float
    crisis: dict[str, str]
    duration_years: float = DURATION_YEARS


@dataclass(frozen=True)
class Outputs:
    """The ``[outputs]`` table: what a run writes."""

    agent_level: bool
    format: str


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: everything a run needs, immutable.

    Attributes:
        path: The file it was loaded from.
        info: The ``[scenario]`` table.
        states: The states, in file order (this order is the state axis N).
        mechanisms: Parameters of each mechanism, by name.
        content_hash: SHA-256 of the merged, overridden content; two scenarios
            with the same hash run identically.
    """

    path: Path
    info: Info
    states: tuple[State, ...]
    alliances: tuple[Alliance, ...]
    theaters: tuple[Theater, ...]
    disputes: tuple[Dispute, ...]
    rivalries: tuple[Rivalry, ...]
    sites: tuple[Site, ...]
    injects: tuple[Inject, ...]
    mechanisms: dict[str, Any]
    outputs: Outputs
    content_hash: str
    scripts: tuple[Script, ...] = ()
    signals: tuple[Signal, ...] = ()
    cbms: tuple[Cbm, ...] = ()
    forums: tuple[Forum, ...] = ()
    bases: tuple[Base, ...] = ()

    @property
    def state_ids(self) -> tuple[str, ...]:
        """State ids in axis order."""
        return tuple(s.id for s in self.states)

    def state_index(self, state_id: str) -> int:
        """Position of a state on the state axis."""
        return self.state_ids.index(state_id)

    def step_of(self, year: float) -> int:
        """The step at which an event in calendar ``year`` happens (holding it)."""
        return schedule.step_of(year, self.info.start_year, self.info.dt_years)


@dataclass(frozen=True)
class Source:
    """A scenario file as read from disk, its ``extends`` chain merged, unvalidated.

    :func:`load_scenario` takes one in place of a path, so content read once can
    be validated again (e.g. with a classroom game's events added) whatever
    becomes of the file on disk.

    Attributes:
        path: The file, as :func:`scenario_path` finds it.
        data: The merged content.
        origin: The file that set each value, shaped like ``data``.
        added: Entries of keyed arrays (``state[USA]``) that a file appended
            because their id or name matched none of the files it extends.
    """

    path: Path
    data: dict
    origin: dict
    added: tuple[str, ...] = ()


def read_source(path: str | Path) -> Source:
    """Read a scenario file and the files it extends, merged but not validated.

    Raises:
        ScenarioError: A bare name that is neither a file nor a bundled
            scenario, or a file that cannot be read or parsed as a scenario.
    """
    path = scenario_path(path)
    return Source(path, *_read_chain(path, ()))


def load_scenario(
    path: str | Path | Source,
    *,
    overrides: dict[str, Any] | None = None,
    events: dict[str, list[dict]] | None = None,
) -> Scenario:
    """Read, merge (``extends``), override and validate a scenario file.

    Args:
        path: The TOML file, a bundled scenario's name (``baseline_2024``), or
            a :class:`Source` read already (not read again).
        overrides: Field paths to values applied after merging, e.g.
            ``{"mechanisms.arms_race.reaction_per_year": 0.2,
            "state.USA.resolve": 0.9, "scenario.steps": 8}``.
        events: Entries appended to arrays of tables after the overrides and
            validated like the file's own, e.g. an instructor's injects during
            a game, ``{"inject": [{"step": 3, "kind": "disaster", "parties":
            ["PHL"]}]}``; messages name their origin ``added in play``.

    Returns:
        The validated scenario.

    Raises:
        ScenarioError: Listing every problem, each naming file, field and value.
    """
    if isinstance(path, Source):  # reused: validation below changes what it gets
        source = path
        data, origin = copy.deepcopy((source.data, source.origin))
    else:  # read now, for this call alone
        source = read_source(path)
        data, origin = source.data, source.origin
    targets: dict[tuple[int, str], str] = {}
    for dotted, value in (overrides or {}).items():
        target = _apply_override(data, origin, dotted, value)
        if target in targets:  # an alliance by its id and by its name, say
            raise ScenarioError(
                [f"override {dotted}: the same field as {targets[target]}; give one"]
            )
        targets[target] = dotted
    for key, entries in (events or {}).items():
        data.setdefault(key, []).extend(copy.deepcopy(entries))
        origin.setdefault(key, []).extend(_origins(e, IN_PLAY) for e in entries)
    digest = hashlib.sha256(
        json.dumps(data, sort_keys=True, default=str).encode()
    ).hexdigest()
    return _Validator(source.path, data, origin, source.added).scenario(digest)


def _read_chain(
    path: Path, seen: tuple[Path, ...]
) -> tuple[dict, dict, tuple[str, ...]]:
    """One file and the files it extends, merged: data, origins, entries added."""
    if path in seen:
        chain = " -> ".join(p.name for p in (*seen, path))
        raise ScenarioError([f"{seen[-1].name}: extends: cycle {chain}"])
    if len(seen) >= limits.EXTENDS:
        raise ScenarioError(
            [f"{path.name}: extends: a chain of more than {limits.EXTENDS} files"]
        )
    where = f"{seen[-1].name}: extends: " if seen else ""
    text = _read_text(path, where)
    depth = _bracket_depth(text)
    if depth > limits.NESTING:
        raise ScenarioError(
            [
                f"{path.name}: arrays or tables nested {depth} deep; a scenario "
                f"nests at most {limits.NESTING} deep"
            ]
        )
    try:
        parsed = _parse_toml(text)
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError([f"{path.name}: not valid TOML: {err}"]) from err
    if _depth(parsed) > limits.NESTING:
        raise ScenarioError(
            [
                f"{path.name}: keys nested more than {limits.NESTING} deep (a long "
                "dotted key or table header); a scenario needs a few levels"
            ]
        )
    data = copy.deepcopy(parsed)
    origin = _origins(data, path.name)
    parent_ref = data.pop("extends", None)
    origin.pop("extends", None)
    if parent_ref is None:
        return data, origin, ()
    if not isinstance(parent_ref, str) or not parent_ref or "\0" in parent_ref:
        raise ScenarioError(
            [f"{path.name}: extends: {parent_ref!r} is not a file name (a string)"]
        )
    base, base_origin, added = _read_chain(_extended(path, parent_ref), (*seen, path))
    return base, base_origin, (*added, *_merge(base, base_origin, data, origin))


def _extended(path: Path, parent_ref: str) -> Path:
    """The file ``extends = parent_ref`` in the file ``path`` names.

    A path relative to the extending file first; else a bundled scenario's name,
    with or without ``.toml``, as a command's scenario argument
    (:func:`scenario_path`), so a copy of a bundled scenario extends it anywhere.

    Raises:
        ScenarioError: Neither; says where it looked and lists the bundled names.
    """
    where = f"{path.name}: extends: "
    try:
        parent = scenario_path(parent_ref, path.parent)
    except ScenarioError as err:
        raise ScenarioError([where + problem for problem in err.problems]) from err
    if not parent.exists():
        raise ScenarioError([where + _not_found(parent_ref, parent)])
    return parent


def _read_text(path: Path, where: str) -> str:
    """The text of a scenario file: a regular file, under the size limit, UTF-8.

    A device, a pipe or a folder is refused before reading, and at most one
    byte more than the limit is read, so no file can make this read forever.
    """
    cap = limits.SCENARIO_BYTES.value
    try:
        mode = path.stat().st_mode
        if stat.S_ISREG(mode):
            with path.open("rb") as file:
                raw = file.read(cap + 1)
    except OSError as err:
        raise ScenarioError([f"{where}cannot read {path}: {err.strerror}"]) from err
    except ValueError as err:  # e.g. a NUL byte in the path
        raise ScenarioError([f"{where}cannot read {path!s}: {err}"]) from err
    if not stat.S_ISREG(mode):
        kind = "a folder" if stat.S_ISDIR(mode) else "not a regular file"
        raise ScenarioError([f"{where}{path}: {kind}; give a scenario file"])
    if len(raw) > cap:
        raise ScenarioError(
            [f"{where}{path}: {limits.SCENARIO_BYTES.message(len(raw))}"]
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ScenarioError(
            [
                f"{where}{path}: not UTF-8 text (byte {raw[err.start]:#04x} at offset "
                f"{err.start}); save it as UTF-8"
            ]
        ) from err


def _bracket_depth(text: str) -> int:
    """Deepest nesting of ``[`` and ``{`` outside strings and comments.

    Counted before parsing, because the parser recurses once per level; a
    bracket inside a string or comment is skipped (quotes are tracked simply,
    enough to never under-count the nesting of real arrays and tables).
    """
    depth = deepest = 0
    quote = ""
    i = 0
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\" and quote in ('"', '"""'):
                i += 2
                continue
            if text.startswith(quote, i):
                i += len(quote)
                quote = ""
                continue
        elif c == "#":
            end = text.find("\n", i)
            i = len(text) if end < 0 else end
            continue
        elif c in "\"'":
            quote = c * 3 if text.startswith(c * 3, i) else c
            i += len(quote)
            continue
        elif c in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif c in "]}":
            depth = max(0, depth - 1)
        i += 1
    return deepest


def _depth(value: Any) -> int:
    """Nesting depth of parsed data, found without recursion."""
    deepest = 0
    stack = [(value, 0)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        children = item.values() if isinstance(item, dict) else item
        if isinstance(item, dict | list):
            stack.extend((child, level + 1) for child in children)
    return deepest


@functools.lru_cache(maxsize=32)
def _parse_toml(text: str) -> dict:
    """Parsed TOML, cached by content (callers copy it before mutating it).

    Calibrations and sweeps load one scenario thousands of times with different
    overrides; parsing is most of the cost.
    """
    return tomllib.loads(text)


def _origins(value: Any, file: str) -> Any:
    """A tree of the same shape as ``value`` whose leaves name ``file``."""
    if isinstance(value, dict):
        return {k: _origins(v, file) for k, v in value.items()}
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return [_origins(v, file) for v in value]
    return file


def _merge(base: dict, base_origin: dict, child: dict, child_origin: dict) -> list[str]:
    """Merge ``child`` into ``base`` in place (see the module docstring for rules).

    Returns:
        The labels of the keyed entries ``child`` added (:func:`_merge_entries`).
    """
    added = []
    for key, value in child.items():
        old = base.get(key)
        if isinstance(old, dict) and isinstance(value, dict):
            added += _merge(old, base_origin[key], value, child_origin[key])
        elif _is_table_array(old) and _is_table_array(value):
            added += _merge_entries(
                key, old, base_origin[key], value, child_origin[key]
            )
        else:
            base[key] = value
            base_origin[key] = child_origin[key]
    return added


def _is_table_array(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, dict) for v in value)


def _entry_keys(section: str, entry: dict) -> list[Any]:
    """The keys that name an entry of a keyed array (``[[alliance]]``: id, name)."""
    return [entry[f] for f in _KEYED_ARRAYS.get(section, ()) if f in entry]


def _entry_label(section: str, entry: dict, i: int) -> str:
    """An entry's label in messages: ``state[USA]``, or ``inject[0]`` by position."""
    name = next(iter(_entry_keys(section, entry)), None)
    return f"{section}[{name if isinstance(name, str) else i}]"


def _find_entry(section: str, entries: list, key: Any) -> int | None:
    """Position of the entry a key names, or None."""
    for i, entry in enumerate(entries):
        if key in _entry_keys(section, entry):
            return i
    return None


def _merge_entries(
    key: str, old: list, old_origin: list, new: list, new_origin: list
) -> list[str]:
    """Merge an array of tables: by id/name for keyed arrays, else append.

    Returns:
        The labels of the entries of a keyed array that matched none in ``old``.
    """
    added = []
    for entry, entry_origin in zip(new, new_origin, strict=True):
        i = next(
            (
                found
                for k in _entry_keys(key, entry)
                if (found := _find_entry(key, old, k)) is not None
            ),
            None,
        )
        if i is None:
            old.append(entry)
            old_origin.append(entry_origin)
            if key in _KEYED_ARRAYS:
                added.append(_entry_label(key, entry, len(old) - 1))
        else:
            _merge(old[i], old_origin[i], entry, entry_origin)
    return added


def _apply_override(
    data: dict, origin: dict, dotted: str, value: Any
) -> tuple[int, str]:
    """Set one ``a.b.c`` path; ``state.ID`` (or theater, alliance) picks an entry.

    Returns:
        The field set, as its table's identity and its key: two paths that
        name one entry differently (an alliance's id and its name) give the
        same.

    Raises:
        ScenarioError: A path with an empty name (``a..b``), one that stops at
            an entry (``state.USA``), or an entry that is not there.
    """
    parts = dotted.split(".")
    if "" in parts:
        raise ScenarioError([f"override {dotted}: a name in the path is empty"])
    node, node_origin = data, origin
    for i, part in enumerate(parts[:-1]):
        if part in _KEYED_ARRAYS and isinstance(node.get(part), list):
            key = parts[i + 1]
            j = _find_entry(part, node[part], key)
            if j is None:
                ids = [_entry_keys(part, e)[0] for e in node[part]]
                raise ScenarioError([f"override {dotted}: no {part} {key!r} ({ids})"])
            if i + 2 == len(parts):
                end = (
                    f"names {part} {key!r}, not one of its fields; give {dotted}.FIELD"
                )
                raise ScenarioError([f"override {dotted}: {end}"])
            node, node_origin = node[part][j], node_origin[part][j]
            rest = ".".join(parts[i + 2 :])
            return _apply_override(node, node_origin, rest, value)
        if not isinstance(node.get(part, {}), dict):
            raise ScenarioError([f"override {dotted}: {part} is not a table"])
        node = node.setdefault(part, {})
        node_origin = node_origin.setdefault(part, {})
    node[parts[-1]] = value
    node_origin[parts[-1]] = f"override {dotted}"
    return id(node), parts[-1]


class _Validator:
    """Turns merged TOML data into a :class:`Scenario`, collecting every problem."""

    def __init__(
        self, path: Path, data: dict, origin: dict, added: tuple[str, ...] = ()
    ) -> None:
        self.path = path
        self.added = added
        """Entries a variant added as new: their id or name matched nothing it
        extends (:attr:`Source.added`)."""
        self.problems: list[str] = []
        self.bad: set[str] = set()
        """Field paths found bad (``scenario.dt_years``): checks resting on them
        are not made, so one mistake is reported once, not again by each of them."""
        self.ids_sound = True
        """Whether every state has an id of its own; if not, the states named
        elsewhere are not looked up among them (a repeated id would make each
        reference to the state it replaced a problem)."""
        self.theaters_sound = True
        """Likewise for theater ids (the theaters that disputes, crisis injects
        and patrols name)."""
        self.alliances_sound = True
        """Whether every alliance's members were read; if not, signals are not
        checked against the allies they give."""
        self.data = data
        self.origin = origin

    def scenario(self, digest: str) -> Scenario:
        top = _Table(self, self.data, self.origin, "")
        info = self._info(top.table("scenario", required=True))
        state_tables = top.tables("state", required=True)
        states = tuple(self._state(t) for t in state_tables)
        ids = [s.id for s in states]
        self._unique(top, "state", ids)
        self.ids_sound = self._sound("state", state_tables, "id")
        if len(states) > limits.STATES.value:
            top.problem("state", "", limits.STATES.message(len(states)))
        theater_tables = top.tables("theater")
        theaters = tuple(self._theater(t) for t in theater_tables)
        self._unique(top, "theater", [t.id for t in theaters])
        self.theaters_sound = self._sound("theater", theater_tables, "id")
        alliance_tables = top.tables("alliance")
        alliances = tuple(self._alliance(t, ids) for t in alliance_tables)
        # an id or a name picks an alliance (overrides, extends): one each
        self._unique(top, "alliance", [k for a in alliances for k in {a.id, a.name}])
        self.alliances_sound = self._sound("alliance", alliance_tables, "members")
        theater_ids = [t.id for t in theaters]
        dispute_tables, rivalry_tables = top.tables("dispute"), top.tables("rivalry")
        disputes = tuple(self._dispute(t, ids, theater_ids) for t in dispute_tables)
        rivalries = tuple(self._rivalry(t, ids) for t in rivalry_tables)
        if all(  # else their own problems say what is wrong
            self._sound(section, tables, key)
            for section, tables, key in (
                ("dispute", dispute_tables, "parties"),
                ("dispute", dispute_tables, "theater"),
                ("rivalry", rivalry_tables, "parties"),
            )
        ):
            self._one_each(top, disputes, rivalries)
            self._distinct_places(top, (*disputes, *rivalries), theater_ids)
        sites = tuple(self._placed(t, ids, Site) for t in top.tables("a2ad_site"))
        bases = tuple(self._placed(t, ids, Base) for t in top.tables("base"))
        injects = tuple(
            self._inject(t, ids, theater_ids, info) for t in top.tables("inject")
        )
        scripts = tuple(self._script(t, ids, info) for t in top.tables("script"))
        signals = tuple(
            self._signal(t, ids, theater_ids, alliances, info)
            for t in top.tables("signal")
        )
        cbms = tuple(self._cbm(t, ids, info) for t in top.tables("cbm"))
        forums = tuple(self._forum(t, ids, info) for t in top.tables("forum"))
        self._unique(top, "forum", [f.name for f in forums])
        mechanisms = self._mechanisms(top.table("mechanisms"))
        for table, state in zip(state_tables, states, strict=True):
            self._state_overrides(table, state)
        self._check_steady_start(states, mechanisms)
        outputs = self._outputs(top.table("outputs"))
        top.finish()
        if self.problems:
            raise ScenarioError(self.problems)
        return Scenario(
            path=self.path,
            info=info,
            states=states,
            alliances=alliances,
            theaters=theaters,
            disputes=disputes,
            rivalries=rivalries,
            sites=sites,
            injects=injects,
            mechanisms=mechanisms,
            outputs=outputs,
            content_hash=digest,
            scripts=scripts,
            signals=signals,
            cbms=cbms,
            forums=forums,
            bases=bases,
        )

    def _sound(self, section: str, tables: list["_Table"], key: str) -> bool:
        """Whether ``section`` and every entry's ``key`` were read without a problem.

        References to the entries are looked up only then, so that one mistake
        is not reported again at every reference to what it broke.
        """
        paths = [section, *(f"{t.label}.{key}" for t in tables)]
        return not self.bad.intersection(paths)

    def _one_each(
        self,
        top: "_Table",
        disputes: tuple["Dispute", ...],
        rivalries: tuple["Rivalry", ...],
    ) -> None:
        """One dispute per pair and theater, one rivalry per pair.

        Each would add its own onset hazard (a variant's array of disputes
        appends to its parent's, so declaring one again doubles it).
        """
        for section, keys in (
            ("dispute", [(*sorted(d.parties), d.theater) for d in disputes]),
            ("rivalry", [tuple(sorted(r.parties)) for r in rivalries]),
        ):
            for key in sorted({k for k in keys if keys.count(k) > 1}):
                where = f" in {key[2]}" if section == "dispute" else ""
                top.problem(
                    section,
                    f"{key[0]}-{key[1]}{where}",
                    "is declared more than once (each adds its own crises; a "
                    "variant's entries add to its parent's)",
                )

    def _distinct_places(
        self,
        top: "_Table",
        pairs: tuple["Dispute | Rivalry", ...],
        theater_ids: list[str],
    ) -> None:
        """Each place reported on its own names its outcome columns alone.

        The columns are ``OUTCOME.PLACE`` for a pair (:func:`place_name`) and
        for a theater: two places of one name would write one column.
        """
        named: dict[str, list[str]] = {}
        for pair in place_dyads(p.parties for p in pairs):
            named.setdefault(place_name(pair), []).append(f"pair {'-'.join(pair)}")
        for theater in dict.fromkeys(theater_ids):
            named.setdefault(theater, []).append(f"theater {theater}")
        for name, places in named.items():
            if len(places) > 1:
                top.problem(
                    "theater" if places[-1].startswith("theater") else "state",
                    name,
                    f"names the outcomes (OUTCOME.{name}) of both the {places[0]} "
                    f"and the {places[1]}; rename one",
                )

    def _unique(self, top: "_Table", section: str, keys: list) -> None:
        for key in {k for k in keys if keys.count(k) > 1 and k is not None}:
            top.problem(section, key, "appears more than once; keys must be unique")

    def _info(self, t: "_Table") -> Info:
        info = Info(
            name=t.name("name"),
            description=t.text("description"),
            start_year=t.integer("start_year", lo=-YEAR_RANGE, hi=YEAR_RANGE),
            steps=t.integer("steps", lo=1, limit=limits.STEPS),
            dt_years=t.real("dt_years", default=0.25, lo=1e-6, hi=MAX_DT_YEARS),
            seed=t.integer("seed", default=0, lo=0, hi=2**63 - 1),
        )
        t.finish()
        return info

    def _state(self, t: "_Table") -> State:
        state = State(
            id=t.name("id"),
            name=t.text("name"),
            milex_usd_m=t.real("milex_usd_m", **_bounds("milex_usd_m")),
            gdp_usd_m=t.real("gdp_usd_m", **_bounds("gdp_usd_m")),
            capital=t.latlon("capital"),
            posture=t.real("posture", default=0.5, **_bounds("posture")),
            resolve=t.real("resolve", default=0.5, **_bounds("resolve")),
            threshold=t.integer("threshold", default=3, **_bounds("threshold")),
            transparency=t.real("transparency", default=0.5, **_bounds("transparency")),
        )
        return state

    def _state_overrides(self, t: "_Table", state: State) -> None:
        """Read ``[state.MECHANISM]`` tables: per-state values of mechanism params."""
        for name, params_type in MECHANISMS.items():
            sub = t.table(name)
            values = {}
            sub.expect(
                p for p, (_, spec) in specs(params_type).items() if spec.per_state
            )
            for pname, (f, spec) in specs(params_type).items():
                if pname in sub.data and not spec.per_state:
                    sub.problem(pname, sub.data.pop(pname), "is not settable per state")
                elif pname in sub.data:
                    values[pname] = sub.param_value(pname, f.default, spec.lo, spec.hi)
            sub.finish()
            if values:
                state.overrides[name] = values
        t.finish()

    def _alliance(self, t: "_Table", ids: list[str]) -> Alliance:
        name = t.text("name")
        own = t.real("strength", lo=0.0, hi=1.0) if "strength" in t.data else None
        alliance = Alliance(
            name=name,
            members=t.ids("members", ids, at_least=2),
            kind=t.choice("kind", ALLIANCE_KINDS),
            since=t.integer("since"),
            id=t.text("id", default=name),
            strength=own,
        )
        given = t.data.get("id")
        if isinstance(given, str) and (not given or "." in given):
            t.problem(
                "id",
                given,
                "must be a key for alliance.ID.strength in --set and --param: not "
                "empty, no dot",
            )
        t.finish()
        return alliance

    def _theater(self, t: "_Table") -> Theater:
        theater = Theater(
            id=t.name("id"), name=t.text("name"), center=t.latlon("center")
        )
        t.finish()
        return theater

    def _dispute(self, t: "_Table", ids: list[str], theaters: list[str]) -> Dispute:
        dispute = Dispute(
            parties=t.pair("parties", ids),
            theater=t.theater("theater", theaters),
            hostility=t.real("hostility", default=1.0, lo=0.0, hi=1.0),
        )
        t.finish()
        return dispute

    def _rivalry(self, t: "_Table", ids: list[str]) -> Rivalry:
        rivalry = Rivalry(
            parties=t.pair("parties", ids),
            hostility=t.real("hostility", default=1.0, lo=0.0, hi=1.0),
        )
        t.finish()
        return rivalry

    def _placed[P: (Site, Base)](self, t: "_Table", ids: list[str], kind: type[P]) -> P:
        """A ``[[a2ad_site]]`` or ``[[base]]``: a state's named point on the map."""
        placed = kind(
            state=t.state("state", ids),
            name=t.text("name"),
            location=t.latlon("location"),
        )
        t.finish()
        return placed

    def _inject(
        self, t: "_Table", ids: list[str], theaters: list[str], info: Info
    ) -> Inject:
        theater = t.theater("theater", theaters) if "theater" in t.data else None
        kind = t.choice("kind", INJECT_KINDS)
        if kind not in INJECT_KINDS:  # a bad kind: whether it takes a rung is unknown
            t.expect(["rung"])
        parties = t.ids("parties", ids, at_least=1)
        rung, magnitude = 1, t.real("magnitude", default=1.0)
        problem = magnitude_problem(kind, magnitude)
        if problem:
            t.problem("magnitude", magnitude, problem)
        if kind in ("treaty_change", "exercise") and len(parties) < 2:
            what = "a treaty change" if kind == "treaty_change" else "an exercise"
            t.problem("parties", list(parties), f"{what} names two states or more")
        for key, why in unread_fields(kind).items():
            if key in t.data and not t.in_play(key):
                t.problem(key, t.data[key], why)
        if kind == "crisis":
            rung = t.integer("rung", default=1, lo=1, hi=len(RUNGS) - 2)
            if len(parties) != 2:
                t.problem("parties", list(parties), "a crisis names two states")
            if theater is None:
                t.problem("theater", "", "missing: a crisis inject needs a theater")
        inject = Inject(
            year=t.year("year", info),
            kind=kind,
            parties=parties,
            theater=theater,
            magnitude=magnitude,
            note=t.text("note", default=""),
            rung=rung,
        )
        t.finish()
        return inject

    def _script(self, t: "_Table", ids: list[str], info: Info) -> Script:
        state = t.state("state", ids)
        year = t.year("year", info)
        crisis = t.table("crisis", required=True)
        if "crisis" in t.data and not crisis.data:
            t.problem("crisis", "", 'names no opponent; e.g. crisis = { CHN = "hold" }')
        actions = {}
        for opponent in crisis.data:
            if opponent == state or (opponent not in ids and self.ids_sound):
                crisis.problem(
                    opponent, "", "is not another state declared in [[state]]"
                )
            actions[opponent] = crisis.choice(opponent, tuple(ACTIONS))
        crisis.finish()
        duration = t.years("duration_years", default=DURATION_YEARS)
        t.finish()
        return Script(state=state, year=year, crisis=actions, duration_years=duration)

    def _signal(
        self,
        t: "_Table",
        ids: list[str],
        theaters: list[str],
        alliances: tuple[Alliance, ...],
        info: Info,
    ) -> Signal:
        kind = t.choice("kind", SIGNAL_KINDS)
        state = t.state("state", ids)
        partners, theater = (), None
        if kind == "patrol":
            theater = t.theater("theater", theaters)
        else:
            partners = t.ids("partners", ids, at_least=1)
            allies = {m for a in alliances if state in a.members for m in a.members}
            for partner in partners:
                if partner == state or (partner not in allies and self.alliances_sound):
                    t.problem(
                        "partners",
                        partner,
                        f"is not an ally of {state} (shares no [[alliance]] with it)",
                    )
        first = t.year("first_year", info, default=info.start_year, repeats=True)
        last = None
        if "last_year" in t.data:
            last = t.real("last_year", lo=first)
        signal = Signal(
            kind=kind,
            state=state,
            partners=partners,
            theater=theater,
            level=t.real("level", default=1.0, lo=0.0, hi=1.0),
            first_year=first,
            every_years=t.period("every_years", info, once_per_step=False),
            last_year=last,
            duration_years=t.years("duration_years", default=DURATION_YEARS),
        )
        t.finish()
        return signal

    def _cbm(self, t: "_Table", ids: list[str], info: Info) -> Cbm:
        cbm = Cbm(
            kind=t.choice("kind", CBM_KINDS),
            parties=t.pair("parties", ids),
            year=t.year("year", info, default=info.start_year),
        )
        t.finish()
        return cbm

    def _forum(self, t: "_Table", ids: list[str], info: Info) -> Forum:
        forum = Forum(
            name=t.text("name"),
            members=t.ids("members", ids, at_least=2),
            every_years=t.period("every_years", info),
            first_year=t.year(
                "first_year", info, default=info.start_year, repeats=True
            ),
        )
        t.finish()
        return forum

    def _mechanisms(self, t: "_Table") -> dict[str, Any]:
        result = {}
        for name in t.data:
            if name not in MECHANISMS:
                t.problem(
                    name, "", f"is not a mechanism; known: {', '.join(MECHANISMS)}"
                )
        for name, params_type in MECHANISMS.items():
            sub = t.table(name)
            sub.expect(specs(params_type))
            values = {}
            for pname, (f, spec) in specs(params_type).items():
                if pname not in sub.data:
                    continue
                if isinstance(f.default, bool):
                    values[pname] = sub.flag(pname)
                else:
                    values[pname] = sub.param_value(pname, f.default, spec.lo, spec.hi)
            sub.finish()
            result[name] = params_type(**values)
        return result

    def _check_steady_start(
        self, states: tuple[State, ...], mechanisms: dict[str, Any]
    ) -> None:
        """``steady_start`` computes every grievance, so none may also be given.

        The problem names the grievance given, in the file that gives it, and
        the file that sets ``steady_start`` (a variant's parent, say).
        """
        if not mechanisms["arms_race"].steady_start:
            return
        field = "grievance_usd_m_per_year"
        origin = self.origin.get("mechanisms", {}).get("arms_race", {})
        steady = origin.get("steady_start", self.path.name)
        given = [("mechanisms.arms_race", origin.get(field, self.path.name))]
        given = given if field in self.data["mechanisms"]["arms_race"] else []
        tables = self.origin.get("state", [])
        for k, s in enumerate(states):
            if field in s.overrides.get("arms_race", {}):
                mine = tables[k].get("arms_race", {}) if k < len(tables) else {}
                given.append((f"state[{s.id}].arms_race", mine.get(field, steady)))
        for where, file in given:
            self.problems.append(
                f"{file}: {where}.{field}: given, but mechanisms.arms_race."
                f"steady_start = true ({steady}) computes it from the starting "
                "spending; remove one"
            )

    def _outputs(self, t: "_Table") -> Outputs:
        outputs = Outputs(
            agent_level=t.flag("agent_level", default=True),
            format=t.choice("format", OUTPUT_FORMATS, default="csv"),
        )
        t.finish()
        return outputs


class _Table:
    """One TOML table under validation: typed getters that record problems."""

    def __init__(self, v: _Validator, data: Any, origin: Any, label: str) -> None:
        self.v = v
        self.data = data if isinstance(data, dict) else {}
        self.origin = origin if isinstance(origin, dict) else {}
        self.label = label
        self.used: set[str] = set()
        if not isinstance(data, dict):  # named by what set it: a file or override
            where = label or "(top level)"
            file = origin if isinstance(origin, str) else self._file(None)
            self.v.bad.add(label)
            self.v.problems.append(f"{file}: {where}: {data!r} is not a table")

    def _file(self, key: str | None) -> str:
        found = self.origin.get(key) if key is not None else None
        if isinstance(found, str):
            return found
        return self.v.path.name

    def _path(self, key: str) -> str:
        return f"{self.label}.{key}" if self.label else key

    def in_play(self, key: str) -> bool:
        """Whether ``key`` came from a game's ``events``, not a file or override."""
        return self._file(key) == IN_PLAY

    def problem(self, key: str, value: Any, message: str) -> None:
        """Record that ``key`` holds a bad ``value``."""
        shown = f"{value!r} " if value != "" else ""
        self.v.bad.add(self._path(key))
        self.v.problems.append(
            f"{self._file(key)}: {self._path(key)}: {shown}{message}"
        )

    def _get(self, key: str, default: Any) -> Any:
        self.used.add(key)
        if key in self.data:
            return self.data[key]
        if default is _REQUIRED:
            self.v.bad.add(self._path(key))
            if self.label not in self.v.bad and not self._replaced(key):
                self.v.problems.append(
                    f"{self._file(None)}: {self._path(key)}: missing (required)"
                    + self._why_new()
                )
        return default

    def _failed(self, key: str, known: int) -> bool:
        """Whether ``key`` is reported already: a problem since ``known``, or bad."""
        return len(self.v.problems) > known or self._path(key) in self.v.bad

    def _replaced(self, key: str) -> bool:
        """Whether an old step-counted field stands for ``key`` (it is reported)."""
        return any(
            old in self.data and new.split()[0] == key
            for old, new in _STEP_FIELDS.items()
        )

    def _why_new(self) -> str:
        """Why a variant's entry lacks fields: its key matched no entry it extends.

        Said once for the entry: its other missing fields are not listed.
        """
        if self.label not in self.v.added:
            return ""
        self.v.bad.add(self.label)
        section = self.label.partition("[")[0]
        keys = " or ".join(_KEYED_ARRAYS[section])
        return (
            f"; {self.label} matches no {section} of the files it extends (by "
            f"{keys}), so it is a new {section} and needs all its fields"
        )

    def table(self, key: str, *, required: bool = False) -> "_Table":
        """A sub-table (empty if absent and not required)."""
        value = self._get(key, _REQUIRED if required else {})
        origin = self.origin.get(key, {})
        value = {} if value is _REQUIRED else value
        return _Table(self.v, value, origin, self._path(key))

    def tables(self, key: str, *, required: bool = False) -> list["_Table"]:
        """An array of tables, each labelled ``key[i]``."""
        value = self._get(key, _REQUIRED if required else [])
        if value is _REQUIRED:
            return []
        if not _is_table_array(value):
            self.problem(key, value, f"must be an array of tables ([[{key}]])")
            return []
        origins = self.origin.get(key, [])
        tables = []
        for i, entry in enumerate(value):
            entry_origin = origins[i] if isinstance(origins, list) else {}
            label = _entry_label(key, entry, i)
            tables.append(_Table(self.v, entry, entry_origin, label))
        return tables

    def text(self, key: str, *, default: Any = None) -> str:
        """A string field (required unless a default is given)."""
        value = self._get(key, _REQUIRED if default is None else default)
        if value is _REQUIRED:
            return ""
        if not isinstance(value, str):
            self.problem(key, value, "must be a string")
            return ""
        return value

    def name(self, key: str, *, default: Any = None) -> str:
        """A name or id that may become part of a file or folder name.

        Safe by construction: not empty, no path separator, not ``.`` or ``..``,
        no leading dot and no control character, so ``results/NAME`` always
        stays inside ``results/``.
        """
        value = self.text(key, default=default)
        given = self.data.get(key)
        if isinstance(given, str) and not _SAFE_NAME.fullmatch(given):
            self.problem(
                key,
                value,
                "is not a usable name: use letters, digits, spaces and - _ . ( ) "
                "(not starting with a dot or a space, at most 100 characters)",
            )
        return value

    def flag(self, key: str, *, default: Any = None) -> bool:
        """A boolean field."""
        value = self._get(key, _REQUIRED if default is None else default)
        if value is _REQUIRED:
            return False
        if not isinstance(value, bool):
            self.problem(key, value, "must be true or false")
            return False
        return value

    def integer(
        self,
        key: str,
        *,
        default: Any = None,
        lo: int | None = None,
        hi: int | None = None,
        limit: limits.Limit | None = None,
    ) -> int:
        """An integer field within ``[lo, hi]`` and under ``limit``."""
        value = self._get(key, _REQUIRED if default is None else default)
        if value is _REQUIRED:
            return 0
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(key, value, "must be a whole number")
            return 0
        self._check_range(key, value, lo, hi)
        if limit is not None and value > limit.value:
            self.problem(key, "", limit.message(value))
        return value

    def real(
        self,
        key: str,
        *,
        default: Any = None,
        lo: float | None = None,
        hi: float | None = None,
    ) -> float:
        """A finite number within ``[lo, hi]``; ints are accepted."""
        value = self._get(key, _REQUIRED if default is None else default)
        if value is _REQUIRED:
            return 0.0
        return self._number(key, value, lo, hi)

    def year(
        self, key: str, info: Info, *, default: Any = None, repeats: bool = False
    ) -> float:
        """A calendar year within the run: its step is 0 to ``info.steps - 1``.

        A repeating event (``repeats``) may start after the run ends: a run
        shortened with ``scenario.steps`` just ends before it. Also refuses the
        step-counted fields that schedules used to take.
        """
        self._refuse_steps()
        known = len(self.v.problems)
        value = self.real(key, default=default)
        if self._failed(key, known) or self.v.bad.intersection(_TIMELINE):
            return value
        end = info.start_year + info.steps * info.dt_years
        step = schedule.step_of(value, info.start_year, info.dt_years)
        if step < 0:
            self.problem(
                key,
                value,
                f"is before the run starts (scenario.start_year = {info.start_year})",
            )
        elif step >= info.steps and not repeats:
            self.problem(
                key,
                value,
                f"is at or after the run's end ({end:g}: scenario.start_year = "
                f"{info.start_year} plus {info.steps} steps of {info.dt_years:g} "
                "years)",
            )
        return value

    def years(self, key: str, *, default: Any = None) -> float:
        """A positive number of years (a period or a duration)."""
        known = len(self.v.problems)
        value = self.real(key, default=default)
        if not self._failed(key, known) and value <= 0.0:
            self.problem(key, value, "must be a positive number of years")
        return value

    def period(
        self, key: str, info: Info, *, default: Any = None, once_per_step: bool = True
    ) -> float:
        """A repeating event's period in years: at least one step of the run.

        An event that lasts (``once_per_step`` False, a signal held for a
        while) may repeat more often than once a step.
        """
        known = len(self.v.problems)
        value = self.years(key, default=default)
        if self._failed(key, known) or not once_per_step:
            return value
        if value < info.dt_years * (1 - 1e-9) and "scenario.dt_years" not in self.v.bad:
            self.problem(
                key,
                value,
                f"is shorter than one step ({info.dt_years:g} years): a repeating "
                "event happens at most once per step, so give at least one step",
            )
        return value

    def _refuse_steps(self) -> None:
        """Report fields that schedule an event in steps, naming the new ones."""
        for old, new in _STEP_FIELDS.items():
            if old in self.data and old not in self.used:
                self.used.add(old)
                self.problem(
                    old,
                    self.data[old],
                    f"is no longer read: schedules are in calendar years; use {new}",
                )

    def param_value(
        self, key: str, default: Any, lo: float | None, hi: float | None
    ) -> float:
        """A mechanism parameter: a number if the default is a float, else an int."""
        if isinstance(default, int) and not isinstance(default, bool):
            return self.integer(key, lo=None if lo is None else int(lo), hi=hi)
        return self.real(key, lo=lo, hi=hi)

    def _number(
        self, key: str, value: Any, lo: float | None, hi: float | None
    ) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.problem(key, value, "must be a number")
            return 0.0
        if not math.isfinite(value):
            self.problem(key, value, "must be a finite number (not nan or inf)")
            return 0.0
        if abs(value) > MAX_MAGNITUDE:
            self.problem(
                key,
                value,
                f"is too large: numbers are within +-{MAX_MAGNITUDE:g}, so sums "
                "and products of them cannot overflow",
            )
            return 0.0
        self._check_range(key, value, lo, hi)
        return float(value)

    def _check_range(
        self, key: str, value: float, lo: float | None, hi: float | None
    ) -> None:
        if lo is not None and value < lo:
            self.problem(key, value, f"is below {lo}; expected a value >= {lo}")
        elif hi is not None and value > hi:
            self.problem(key, value, f"is above {hi}; expected a value <= {hi}")

    def choice(
        self, key: str, choices: tuple[str, ...] | list[str], *, default: Any = None
    ) -> str:
        """A string that must be one of ``choices``."""
        value = self.text(key, default=default)
        if value and value not in choices:
            self.problem(key, value, f"is not one of: {', '.join(choices)}")
        return value

    def latlon(self, key: str) -> tuple[float, float]:
        """A ``[lat, lon]`` pair in degrees."""
        value = self._get(key, _REQUIRED)
        if value is _REQUIRED:
            return (0.0, 0.0)
        if not (isinstance(value, list) and len(value) == 2):
            self.problem(key, value, "must be [latitude, longitude] in degrees")
            return (0.0, 0.0)
        lat = self._number(f"{key}[0]", value[0], -90.0, 90.0)
        lon = self._number(f"{key}[1]", value[1], -180.0, 180.0)
        return (lat, lon)

    def ids(self, key: str, known: list[str], *, at_least: int) -> tuple[str, ...]:
        """A list of distinct state ids, each declared in ``[[state]]``."""
        value = self._get(key, _REQUIRED)
        if value is _REQUIRED:
            return ()
        if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            self.problem(key, value, "must be a list of state ids")
            return ()
        if len(value) < at_least:
            self.problem(key, value, f"needs at least {at_least} state ids")
        if len(set(value)) != len(value):
            self.problem(key, value, "names a state more than once")
        for state_id in value:
            if state_id not in known and self.v.ids_sound:
                self.problem(key, state_id, "is not a state declared in [[state]]")
        return tuple(value)

    def state(self, key: str, known: list[str]) -> str:
        """One state id, one of ``known`` (when the states' ids are sound)."""
        return self.choice(key, known) if self.v.ids_sound else self.text(key)

    def theater(self, key: str, known: list[str]) -> str:
        """One theater id, one of ``known`` (when the theaters' ids are sound)."""
        return self.choice(key, known) if self.v.theaters_sound else self.text(key)

    def pair(self, key: str, known: list[str]) -> tuple[str, str]:
        """Exactly two distinct state ids."""
        value = self.ids(key, known, at_least=2)
        if len(value) > 2:
            self.problem(key, list(value), "must name exactly two states")
        return (*value, "", "")[:2]

    def expect(self, keys: Iterable[str]) -> None:
        """Count ``keys`` as known fields here, present or not (for :meth:`finish`)."""
        self.used.update(keys)

    def finish(self) -> None:
        """Report every key that no getter asked for (unknown fields).

        The keys the getters asked for are the known ones, and are listed.
        """
        known = ", ".join(sorted(self.used))
        for key in self.data:
            if key not in self.used:
                self.problem(key, "", f"is not a known field here; known: {known}")


_REQUIRED = object()


_TIMELINE = ("scenario.start_year", "scenario.steps", "scenario.dt_years")
"""The fields that place a calendar year in the run (a step of it)."""

_STEP_FIELDS = {
    "step": "year (e.g. year = 2026.0)",
    "start_step": "first_year (e.g. first_year = 2024.5)",
    "first_step": "first_year (e.g. first_year = 2024.5)",
    "every_steps": "every_years (e.g. every_years = 1.0)",
    "end_step": "last_year (the last year it happens, e.g. last_year = 2030.0)",
    "since_step": "year (the year it comes into force, e.g. year = 2025.0)",
}
"""Step-counted schedule fields of older scenario files, and what replaced them."""


def bundled_dir() -> Path:
    """The bundled scenarios and their data.

    An installed wheel carries them as the package data ``sim/scenarios``; a source
    tree (an editable install, or ``PYTHONPATH`` at a checkout) has them in the
    repository's top-level ``scenarios/`` folder, which the wheel is built from.
    """
    installed = resources.files("sim").joinpath("scenarios")
    if installed.is_dir():
        return Path(str(installed))
    return Path(__file__).resolve().parent.parent / "scenarios"


def bundled_names() -> list[str]:
    """The names of the bundled scenarios (file stems), sorted."""
    return sorted(path.stem for path in bundled_dir().glob("*.toml"))


def scenario_path(name_or_path: str | Path, folder: Path = Path()) -> Path:
    """The file a scenario argument means: a path, or a bundled scenario's name.

    A bare name without suffix or folder (``baseline_2024``) that is not a file
    in ``folder`` names a bundled scenario, so ``wargame run baseline_2024``
    works from any folder; so does a bundled file's name as ``wargame list``
    prints it (``baseline_2024.toml``) where no such file is in ``folder``.

    Args:
        name_or_path: The path or name given.
        folder: Where a relative path is looked for: the working folder, or
            the extending file's for an ``extends``.

    Raises:
        ScenarioError: A bare name that is neither a file nor a bundled scenario;
            the message says where it looked and lists the bundled names.
    """
    path = Path(name_or_path)
    here = folder / path
    listed = bundled_dir() / path.name
    if not here.exists() and len(path.parts) == 1 and path.suffix and listed.exists():
        return listed
    if here.exists() or path.suffix or len(path.parts) > 1:
        return here.resolve()
    bundled = bundled_dir() / f"{path.name}.toml"
    if not bundled.exists():
        raise ScenarioError([_not_found(name_or_path, here.resolve())])
    return bundled


def _not_found(name_or_path: str | Path, looked: Path) -> str:
    """That no file is at ``looked`` and no bundled scenario is ``name_or_path``."""
    return (
        f"{name_or_path}: no file {looked} and no bundled scenario of that name; "
        f"bundled: {', '.join(bundled_names())}"
    )
