"""Checks that cold_war_1960.toml uses the sourced 1960 figures it claims to use.

Its spending must equal `scenarios/data/milex_1960.csv`, its capitals
`scenarios/data/capitals.csv`, its alliances rows of `alliances_1960.csv`, its GDP the
stated assumption (milex / 0.05). That the data files copy their sources is checked by
`tools/verify_data.py` and their recorded checksums (tests/test_scenario_data.py).
"""

import csv
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "scenarios" / "data"
ASSUMED_BURDEN = 0.05  # the header's modelling assumption for gdp_usd_m


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def scenario() -> dict:
    """Parse cold_war_1960.toml."""
    with (ROOT / "scenarios" / "cold_war_1960.toml").open("rb") as f:
        return tomllib.load(f)


def test_spending_capitals_and_assumed_gdp(scenario):
    """Spending and capitals are the CSV values; GDP is milex / 0.05 to 0.1 US$ m."""
    milex = {r["iso3"]: r for r in _csv(DATA / "milex_1960.csv")}
    capitals = {r["iso3"]: r for r in _csv(DATA / "capitals.csv")}
    assert {s["id"] for s in scenario["state"]} == set(milex)
    for state in scenario["state"]:
        row = milex[state["id"]]
        assert row["year"] == "1960"
        assert state["milex_usd_m"] == float(row["milex_usd_m"])
        assert float(row["milex_usd_m"]) == float(row["milex_thousands"]) / 1000
        assert abs(state["gdp_usd_m"] - state["milex_usd_m"] / ASSUMED_BURDEN) <= 0.05
        cap = capitals[state["id"]]
        assert state["capital"] == [float(cap["lat"]), float(cap["lon"])]


def test_alliances_are_rows_of_the_1960_file(scenario):
    """Each alliance's name, members, kind and year are those of alliances_1960.csv."""
    rows = {r["name"]: r for r in _csv(DATA / "alliances_1960.csv")}
    assert {a["name"] for a in scenario["alliance"]} == set(rows)
    for alliance in scenario["alliance"]:
        row = rows[alliance["name"]]
        assert alliance["members"] == row["members_in_scenario"].split(";")
        assert alliance["kind"] == row["kind"]
        assert alliance["since"] == int(row["signed_year"])
        assert not row["ended_year"] or int(row["ended_year"]) > 1960


def test_every_dispute_and_rivalry_has_evidence(scenario):
    """Each dispute and rivalry has at least one cited row in the evidence file."""
    cited = {
        (r["relation"], r["parties"]) for r in _csv(DATA / "conflict_evidence_1960.csv")
    }
    for relation in ("dispute", "rivalry"):
        for entry in scenario[relation]:
            assert (relation, ";".join(entry["parties"])) in cited
