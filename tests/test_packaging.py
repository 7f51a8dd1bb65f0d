"""The wheel's contents: every package and the bundled scenarios are listed to ship."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


def test_every_package_under_sim_is_listed():
    """A new subpackage of sim/ missing from pyproject would be left out of wheels."""
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "sim").rglob("__init__.py")
    }
    assert found <= set(SETUPTOOLS["packages"])


def test_bundled_scenarios_and_data_ship_as_package_data():
    """Every scenario file and data file matches a package-data pattern."""
    mapped = ROOT / SETUPTOOLS["package-dir"]["sim.scenarios"]
    data = SETUPTOOLS["package-data"]
    shipped = {
        path
        for package, patterns in data.items()
        for pattern in patterns
        for path in (mapped / Path(*package.split(".")[2:])).glob(pattern)
    }
    assert set(mapped.rglob("*.*")) == shipped
