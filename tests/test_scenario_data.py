"""Checks that scenario figures are the sourced figures they claim to be.

`scenarios/baseline_2024.toml` must copy its spending, GDP and capitals from
`scenarios/data/*.csv`, and those files must be the ones verified against their
source datasets (their SHA-256 recorded in `scenarios/data/SHA256SUMS` by
`tools/verify_data.py`, which re-checks them row by row against the sources).
`scenarios/richardson_two_state.toml` must state the analytic equilibrium of its own
coefficients.
"""

import csv
import hashlib
import math
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
DATA = SCENARIOS / "data"
BASELINE = SCENARIOS / "baseline_2024.toml"
RICHARDSON = SCENARIOS / "richardson_two_state.toml"

STATES = (
    "USA",
    "CHN",
    "JPN",
    "KOR",
    "PRK",
    "TWN",
    "AUS",
    "IND",
    "RUS",
    "PHL",
    "VNM",
    "IDN",
    "SGP",
    "MYS",
    "THA",
    "NZL",
    "PAK",
)

# Values in baseline_2024.toml that have no source at all and are commented
# "# modelling assumption" there instead: state id -> fields exempt from the CSV check.
MODELLING_ASSUMPTIONS = {"PRK": {"gdp_usd_m"}}


# Richardson's coefficients per state: k (or l), a (or b), g (or h).
COEFFICIENTS = ("reaction_per_year", "fatigue_per_year", "grievance_usd_m_per_year")


def _toml(path: Path) -> dict:
    with path.open("rb") as f:
        return tomllib.load(f)


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def baseline() -> dict:
    """Parse baseline_2024.toml."""
    return _toml(BASELINE)


@pytest.fixture(scope="module")
def richardson() -> dict:
    """Parse richardson_two_state.toml."""
    return _toml(RICHARDSON)


def _state_block(text: str, state_id: str) -> str:
    """Return the text of the [[state]] block whose id is state_id."""
    for block in text.split("[[state]]")[1:]:
        if re.search(rf'^id = "{state_id}"', block, flags=re.M):
            return block.split("\n[[", 1)[0]
    raise AssertionError(f"no [[state]] with id {state_id!r}")


def test_baseline_declares_the_seventeen_states(baseline):
    """Declare exactly the seventeen states of the shared data, each once."""
    ids = [s["id"] for s in baseline["state"]]
    assert sorted(ids) == sorted(STATES)
    assert sorted(r["iso3"] for r in _csv(DATA / "milex_2024.csv")) == sorted(STATES)


def test_baseline_spending_and_gdp_equal_milex_csv(baseline):
    """Copy milex_usd_m and gdp_usd_m from milex_2024.csv, bar listed assumptions."""
    rows = {r["iso3"]: r for r in _csv(DATA / "milex_2024.csv")}
    for state in baseline["state"]:
        row = rows[state["id"]]
        for field in ("milex_usd_m", "gdp_usd_m"):
            if field in MODELLING_ASSUMPTIONS.get(state["id"], set()):
                continue
            assert state[field] == float(row[field]), (state["id"], field)


def test_modelling_assumptions_are_labelled(baseline):
    """Label each exempt value '# modelling assumption' and keep it out of the CSV."""
    text = BASELINE.read_text()
    rows = {r["iso3"]: r for r in _csv(DATA / "milex_2024.csv")}
    for state_id, fields in MODELLING_ASSUMPTIONS.items():
        block = _state_block(text, state_id)
        for field in fields:
            line = re.search(rf"^{field} = .*$", block, flags=re.M)
            assert line is not None, (state_id, field)
            assert "# modelling assumption" in line.group(0), (state_id, field)
            assert rows[state_id][field] == "", (state_id, field)


def test_baseline_capitals_equal_capitals_csv(baseline):
    """Copy every capital [lat, lon] from capitals.csv."""
    rows = {r["iso3"]: r for r in _csv(DATA / "capitals.csv")}
    for state in baseline["state"]:
        row = rows[state["id"]]
        assert state["capital"] == [float(row["lat"]), float(row["lon"])], state["id"]


@pytest.mark.parametrize("path", [BASELINE, RICHARDSON], ids=lambda p: p.name)
def test_every_number_carries_a_comment(path):
    """Give every numeric setting a comment naming its source or 'modelling choice'."""
    number = re.compile(r"^\s*\w+\s*=\s*(\[\s*)?[-+]?\d")
    bare = [
        f"{path.name}:{i}: {line.strip()}"
        for i, line in enumerate(path.read_text().splitlines(), start=1)
        if number.match(line) and "#" not in line
    ]
    assert not bare


@pytest.mark.parametrize("path", [BASELINE, RICHARDSON], ids=lambda p: p.name)
def test_members_parties_and_theaters_are_declared(path):
    """Name only declared states as members and parties, and only declared theaters."""
    scenario = _toml(path)
    ids = {s["id"] for s in scenario["state"]}
    theaters = {t["id"] for t in scenario["theater"]}
    for alliance in scenario.get("alliance", []):
        assert len(alliance["members"]) >= 2, alliance["name"]
        assert set(alliance["members"]) <= ids, alliance["name"]
    for dispute in scenario.get("dispute", []):
        assert set(dispute["parties"]) <= ids, dispute["parties"]
        assert dispute["theater"] in theaters, dispute["theater"]
    for rivalry in scenario.get("rivalry", []):
        assert set(rivalry["parties"]) <= ids, rivalry["parties"]


def test_baseline_alliances_equal_alliances_csv(baseline):
    """Take each alliance's members, kind and year from its alliances_2024.csv row."""
    rows = {r["name"]: r for r in _csv(DATA / "alliances_2024.csv")}
    names = [a["name"] for a in baseline["alliance"]]
    assert len(names) == len(set(names))
    assert set(names) == set(rows)
    for alliance in baseline["alliance"]:
        row = rows[alliance["name"]]
        assert set(alliance["members"]) == set(row["members_in_scenario"].split(";"))
        assert alliance["kind"] == row["kind"], alliance["name"]
        assert alliance["since"] == int(row["signed_year"]), alliance["name"]
        assert row["ended_year"] == "", alliance["name"]


def test_disputes_and_rivalries_have_evidence(baseline):
    """Back each dispute and rivalry by rows of conflict_evidence_2024.csv, no more."""
    evidence = _csv(DATA / "conflict_evidence_2024.csv")
    cited = {(r["relation"], r["parties"], r["theater"]) for r in evidence}
    declared = {
        ("dispute", ";".join(d["parties"]), d["theater"]) for d in baseline["dispute"]
    }
    declared |= {("rivalry", ";".join(r["parties"]), "") for r in baseline["rivalry"]}
    assert cited == declared


def _entry_comments(text: str, table: str) -> list[str]:
    """The comment under each ``[[table]]`` header, in file order, as one line."""
    comments = []
    for block in text.split(f"\n[[{table}]]\n")[1:]:
        lines = []
        for line in block.splitlines():
            if not line.startswith("#"):
                break
            lines.append(line.lstrip("#").strip())
        comments.append(" ".join(lines))
    return comments


def _cited_mids(comment: str) -> set[str]:
    """Dispnums listed after 'MID dispnum(s)', asides in parentheses skipped."""
    plain = " ".join(re.sub(r"\([^()]*\)", "", comment).split())
    lists = re.findall(r"MID dispnums? (\d+(?:(?:,| and|, and) \d+)*)", plain)
    return {n for found in lists for n in re.findall(r"\d+", found)}


@pytest.mark.parametrize("table", ["dispute", "rivalry"])
def test_each_entry_comment_cites_its_evidence(baseline, table):
    """Name each evidence row's MID dispnum and ICB crisno in the entry's comment."""
    evidence = _csv(DATA / "conflict_evidence_2024.csv")
    entries = baseline[table]
    comments = _entry_comments(BASELINE.read_text(), table)
    assert len(comments) == len(entries)
    for entry, comment in zip(entries, comments, strict=True):
        parties = ";".join(entry["parties"])
        rows = [
            r
            for r in evidence
            if (r["relation"], r["parties"], r["theater"])
            == (table, parties, entry.get("theater", ""))
        ]
        mids = {r["dataset_id"] for r in rows if r["file"] == "mids.csv"}
        assert _cited_mids(comment) == mids, (parties, comment)
        for row in rows:
            if row["file"] == "crises.csv" and row["dataset_id"]:
                assert f"{row['dataset_id']} {row['key']}" in comment, (parties, row)


def _recorded_sums() -> dict[str, str]:
    """File name to SHA-256, as tools/verify_data.py recorded them."""
    lines = (DATA / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    return {name: digest for digest, name in (line.split("  ", 1) for line in lines)}


def test_data_files_are_the_verified_copies():
    """Each data file has the SHA-256 recorded when it was checked against sources."""
    recorded = _recorded_sums()
    for path in sorted(DATA.glob("*.csv")):
        assert path.name in recorded, f"{path.name}: run tools/verify_data.py"
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert digest == recorded[path.name], f"{path.name} changed since verified"


@pytest.mark.parametrize(
    ("copy", "source"),
    [
        ("milex.csv", "milex.csv"),
        ("mids.csv", "mids.csv"),
        ("capitals.csv", "capitals.csv"),
        ("crises.csv", "crises.csv"),
    ],
)
def test_verbatim_copies_have_their_source_checksum(copy, source):
    """Files copied whole have the checksum recorded for their source file."""
    recorded = _recorded_sums()
    assert recorded[copy] == recorded[f"source/{source}"]


def test_richardson_header_states_the_analytic_equilibrium(richardson):
    """State in the header the equilibrium x*, y* of the file's own coefficients."""
    red, blue = richardson["state"]
    k, a, g = (red["arms_race"][f] for f in COEFFICIENTS)
    l, b, h = (blue["arms_race"][f] for f in COEFFICIENTS)  # noqa: E741 (Richardson's l)
    assert a * b > k * l, "the file should be Richardson's stable case"
    x_star = (k * h + b * g) / (a * b - k * l)
    y_star = (l * g + a * h) / (a * b - k * l)
    header = RICHARDSON.read_text().split("\n[", 1)[0]
    stated = {
        name: float(value)
        for name, value in re.findall(
            r"^#\s*([xy])\* = .* = ([-\d.]+)\s*$", header, re.M
        )
    }
    assert stated.keys() == {"x", "y"}, (
        "header must state x* = ... = value and y* likewise"
    )
    assert math.isclose(stated["x"], x_star, rel_tol=1e-9), (stated["x"], x_star)
    assert math.isclose(stated["y"], y_star, rel_tol=1e-9), (stated["y"], y_star)


def test_richardson_settings_make_it_the_textbook_case(richardson):
    """Use fixed grievances, a cap that never binds, no alliances, and one dispute."""
    arms = richardson["mechanisms"]["arms_race"]
    assert arms["enabled"] is True and arms["steady_start"] is False
    assert richardson["scenario"]["dt_years"] == 0.25
    assert richardson["scenario"]["steps"] == 200
    assert not richardson.get("alliance") and not richardson.get("rivalry")
    (dispute,) = richardson["dispute"]
    assert dispute["hostility"] == 1.0
    red, blue = richardson["state"]
    k, a, g = (red["arms_race"][f] for f in COEFFICIENTS)
    l, b, h = (blue["arms_race"][f] for f in COEFFICIENTS)  # noqa: E741 (Richardson's l)
    x, y = red["milex_usd_m"], blue["milex_usd_m"]
    peak = max(x, y)
    for _ in range(
        richardson["scenario"]["steps"]
    ):  # the Euler path the header describes
        x, y = x + 0.25 * (k * y - a * x + g), y + 0.25 * (l * x - b * y + h)
        peak = max(peak, x, y)
    for state in (red, blue):
        assert state["arms_race"]["max_share_gdp"] * state["gdp_usd_m"] > 10 * peak
    det = a * b - k * l
    assert abs(x - (k * h + b * g) / det) < 1e-3
    assert abs(y - (l * g + a * h) / det) < 1e-3


@pytest.mark.parametrize("path", [BASELINE, RICHARDSON], ids=lambda p: p.name)
def test_scenario_loads_with_the_project_loader(path):
    """Load without a validation problem in the project's scenario loader."""
    loader = pytest.importorskip("sim.scenario")
    scenario = loader.load_scenario(path)
    assert scenario.info.name == path.stem


def test_baseline_growth_is_trailing_growth_of_gdp_csv(baseline):
    """Each growth_per_year is ln(GDP_last / GDP_last-10) / 10 from gdp.csv."""
    gdp = {
        (r["iso3"], int(r["year"])): float(r["gdp_usd_m"])
        for r in _csv(DATA / "gdp.csv")
    }
    for state in baseline["state"]:
        growth = state["economy"]["growth_per_year"]
        years = [y for (iso, y) in gdp if iso == state["id"]]
        if not years:
            assert growth == 0.0, state["id"]
            continue
        last = max(years)
        expected = (
            math.log(gdp[(state["id"], last)] / gdp[(state["id"], last - 10)]) / 10
        )
        assert growth == round(expected, 4), state["id"]
