"""Re-check the bundled data against its source files, then record their checksums.

The CSV files in ``scenarios/data`` copy rows of published datasets (SIPRI,
Correlates of War, ICB, MID; see ``scenarios/data/SOURCES.md``). The tests cannot
see those datasets, so they check the next best thing, inside the repository: each
data file's SHA-256 equals the one recorded in ``scenarios/data/SHA256SUMS`` when
it was last verified here. After changing a data file, run this against a folder
holding the source files (the names in SOURCES.md) to verify the copies again and
rewrite the checksums::

    python tools/verify_data.py --source PATH/TO/SOURCE/DATA

It exits 1, listing the failed checks and writing nothing, if a copy differs.
"""

import argparse
import csv
import hashlib
import sys
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "scenarios" / "data"
SUMS = DATA / "SHA256SUMS"
STATES = (
    "USA", "CHN", "JPN", "KOR", "PRK", "TWN", "AUS", "IND", "RUS",
    "PHL", "VNM", "IDN", "SGP", "MYS", "THA", "NZL", "PAK",
)  # fmt: skip
NOT_IN_SHARED_ALLIANCES = {"Association of Southeast Asian Nations (ASEAN)"}
"""Rows of alliances_2024.csv taken from named pages, not from alliances.csv."""


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, in hex."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def checksum_lines(source: Path) -> list[str]:
    """``HASH  PATH`` lines: each bundled data file, then each source file read."""
    lines = [f"{sha256(p)}  {p.name}" for p in sorted(DATA.glob("*.csv"))]
    lines += [f"{sha256(p)}  source/{p.name}" for p in sorted(source.glob("*.csv"))]
    return lines


def check_milex_csv_equals_source(source: Path) -> None:
    """Copy milex_2024.csv from SIPRI's latest year and, for PRK, from COW NMC."""
    current = {
        (r["iso3"], r["year"]): r for r in _csv(source / "milex_current_usd.csv")
    }
    share = {(r["iso3"], r["year"]): r for r in _csv(source / "milex_share_gdp.csv")}
    cinc = _csv(source / "cinc.csv")
    for row in _csv(DATA / "milex_2024.csv"):
        iso = row["iso3"]
        if "COW NMC" in row["source"]:
            known = [r for r in cinc if r["iso3"] == iso and r["milex_thousands"] != ""]
            last = max(known, key=lambda r: int(r["year"]))
            assert not any(k[0] == iso for k in current), f"{iso} has SIPRI data"
            assert row["year"] == last["year"], iso
            assert float(row["milex_usd_m"]) == int(last["milex_thousands"]) / 1000, iso
            assert row["source"] == last["source"], iso
            assert row["country"] == last["country"], iso
            continue
        years = [int(y) for (i, y) in current if i == iso and (i, y) in share]
        assert int(row["year"]) == max(years), iso
        cur, shr = current[(iso, row["year"])], share[(iso, row["year"])]
        assert row["country"] == cur["country"], iso
        assert row["milex_usd_m"] == cur["milex_usd_constant_or_current"], iso
        assert row["share_gdp"] == shr["milex_share_of_gdp"], iso
        assert row["unit_note"] == cur["unit_note"], iso
        assert row["share_note"] == shr["unit_note"], iso
        gdp = float(cur["milex_usd_constant_or_current"]) / float(
            shr["milex_share_of_gdp"]
        )
        assert abs(float(row["gdp_usd_m"]) - gdp) <= 0.05 + 1e-6, iso


def check_capitals_csv_equals_source(source: Path) -> None:
    """Copy capitals.csv verbatim from the source folder."""
    assert _csv(DATA / "capitals.csv") == _csv(source / "capitals.csv")


def check_calibration_series_are_copies(source: Path) -> None:
    """The SIPRI, MID and ICB series shipped for calibration equal the source files."""
    for name in ("milex.csv", "mids.csv", "crises.csv"):
        assert (DATA / name).read_bytes() == (source / name).read_bytes(), name


def check_mid_outcomes_follow_mids(source: Path) -> None:
    """mid_outcomes.csv has one row per dispute of mids.csv, with MIDA's codes.

    Its fields (outcome, recip, maxdur) come from MIDA 5.0, which the source
    folder does not hold: where it does (``MIDA 5.0.csv``), they must equal it.
    """
    outcomes = _csv(DATA / "mid_outcomes.csv")
    mids = _csv(source / "mids.csv")
    assert [r["dispnum"] for r in outcomes] == [r["dispnum"] for r in mids]
    for row in outcomes:
        assert int(row["outcome"]) in (-9, *range(1, 10)), row
        assert row["recip"] in ("0", "1"), row
        assert int(row["maxdur"]) >= 1, row
        assert "MIDA 5.0" in row["source"], row
    if (source / "MIDA 5.0.csv").exists():
        mida = {r["dispnum"]: r for r in _csv(source / "MIDA 5.0.csv")}
        for row in outcomes:
            for column in ("outcome", "recip", "maxdur"):
                assert row[column] == mida[row["dispnum"]][column], row


def check_alliances_csv_equals_source(source: Path) -> None:
    """Copy alliance rows verbatim; derive members_in_scenario from member years."""
    by_name = {r["name"]: r for r in _csv(source / "alliances.csv")}
    members = _csv(source / "alliance_members.csv")
    for row in _csv(DATA / "alliances_2024.csv"):
        name = row["name"]
        if name in NOT_IN_SHARED_ALLIANCES:
            assert name not in by_name
            assert "http" in row["source"], name
            continue
        for column in ("members", "type", "signed_year", "ended_year", "source"):
            assert row[column] == by_name[name][column], (name, column)
        in_force = {
            m["iso3"]
            for m in members
            if m["alliance"] == name
            and int(m["entry_year"]) <= 2024
            and (m["exit_year"] == "" or int(m["exit_year"]) > 2024)
        }
        expected = {
            iso for iso in row["members"].split(";") if iso in STATES
        } & in_force
        assert set(row["members_in_scenario"].split(";")) == expected, name


def check_conflict_evidence_csv_equals_source(source: Path) -> None:
    """Copy each evidence row from crises.csv or mids.csv, both parties involved."""
    crises = {r["name"]: r for r in _csv(source / "crises.csv")}
    mids = {r["dispnum"]: r for r in _csv(source / "mids.csv")}
    for row in _csv(DATA / "conflict_evidence_2024.csv"):
        a, b = row["parties"].split(";")
        if row["file"] == "crises.csv":
            src = crises[row["key"]]
            assert row["dataset_id"] == src["dataset_id"], row["key"]
            assert row["sides_or_participants"] == src["participants"], row["key"]
            assert row["intensity_or_hostlev"] == src["intensity"], row["key"]
            assert {a, b} <= set(src["participants"].split(";")), row["key"]
        else:
            assert row["file"] == "mids.csv", row["file"]
            src = mids[row["key"]]
            side_a, side_b = src["side_a"].split(";"), src["side_b"].split(";")
            assert row["dataset_id"] == src["dispnum"], row["key"]
            assert row["sides_or_participants"] == f"{src['side_a']} v {src['side_b']}"
            assert row["intensity_or_hostlev"] == f"hostlev={src['hostlev']}", row[
                "key"
            ]
            assert (a in side_a and b in side_b) or (a in side_b and b in side_a), row[
                "key"
            ]
        assert (row["start_year"], row["end_year"]) == (
            src["start_year"],
            src["end_year"],
        )
        assert row["source"] == src["source"], row["key"]


def check_1960_files_copy_the_source(source: Path) -> None:
    """milex, alliance and evidence rows equal the source files' rows verbatim."""
    cinc = {
        (r["iso3"], r["year"]): r
        for r in _csv(source / "cinc.csv")
        if r["year"] == "1960"
    }
    for row in _csv(DATA / "milex_1960.csv"):
        shared = cinc[(row["iso3"], row["year"])]
        for column in ("country", "ccode", "milex_thousands", "source"):
            assert row[column] == shared[column]
    alliances = {r["name"]: r for r in _csv(source / "alliances.csv")}
    for row in _csv(DATA / "alliances_1960.csv"):
        shared = alliances[row["name"]]
        assert all(row[c] == shared[c] for c in shared)
    crises = {r["dataset_id"]: r for r in _csv(source / "crises.csv")}
    mids = {r["dispnum"]: r for r in _csv(source / "mids.csv")}
    for row in _csv(DATA / "conflict_evidence_1960.csv"):
        shared = (crises if row["file"] == "crises.csv" else mids)[row["dataset_id"]]
        assert row["source"] == shared["source"]
        assert row["start_year"] == shared["start_year"]


def check_gdp_csv_is_spending_over_share(source: Path) -> None:
    """gdp.csv is SIPRI constant-dollar spending / share of GDP, every row there."""
    milex = {(r["iso3"], r["year"]): r for r in _csv(source / "milex.csv")}
    share = {(r["iso3"], r["year"]): r for r in _csv(source / "milex_share_gdp.csv")}
    rows = _csv(DATA / "gdp.csv")
    assert {(r["iso3"], r["year"]) for r in rows} == set(milex) & set(share)
    for row in rows:
        key = (row["iso3"], row["year"])
        spend = float(milex[key]["milex_usd_constant_or_current"])
        gdp = spend / float(share[key]["milex_share_of_gdp"])
        assert abs(float(row["gdp_usd_m"]) - gdp) <= 0.05 + 1e-6, key
        assert row["country"] == milex[key]["country"], key


CHECKS = (
    check_milex_csv_equals_source,
    check_gdp_csv_is_spending_over_share,
    check_capitals_csv_equals_source,
    check_calibration_series_are_copies,
    check_mid_outcomes_follow_mids,
    check_alliances_csv_equals_source,
    check_conflict_evidence_csv_equals_source,
    check_1960_files_copy_the_source,
)


def main(argv: list[str] | None = None) -> int:
    """Run every check; on success rewrite SHA256SUMS; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--source", type=Path, required=True, help="folder of the source data files"
    )
    source = parser.parse_args(argv).source
    failed = []
    for check in CHECKS:
        try:
            check(source)
        except (AssertionError, KeyError, OSError) as err:
            failed.append(check.__name__)
            print(f"FAILED {check.__name__}: {err!r}", file=sys.stderr)
            traceback.print_exc()
        else:
            print(f"ok {check.__name__}")
    if failed:
        return 1
    SUMS.write_text("\n".join(checksum_lines(source)) + "\n", encoding="utf-8")
    print(f"wrote {SUMS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
