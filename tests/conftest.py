"""Shared helpers: small scenario files written into a temporary folder."""

from collections.abc import Callable
from pathlib import Path

import pytest


def pair_toml(
    *,
    steps: int = 8,
    milex: tuple[float, float] = (100.0, 50.0),
    red: str = "",
    blue: str = "",
    extra: str = "",
) -> str:
    """TOML of two fictional rivals; ``red``/``blue`` add lines to their tables."""
    return f"""
[scenario]
name = "pair"
description = "Two fictional rivals."
start_year = 2000
steps = {steps}
seed = 7

[[state]]
id = "RED"
name = "Red"
milex_usd_m = {milex[0]}
gdp_usd_m = 100000.0
capital = [0.0, 0.0]
{red}

[[state]]
id = "BLUE"
name = "Blue"
milex_usd_m = {milex[1]}
gdp_usd_m = 100000.0
capital = [0.0, 10.0]
{blue}

[[theater]]
id = "border"
name = "Border"
center = [0.0, 5.0]

[[dispute]]
parties = ["RED", "BLUE"]
theater = "border"
{extra}
"""


@pytest.fixture
def write_scenario(tmp_path: Path) -> Callable[..., Path]:
    """Write TOML text to a file in a temporary folder and return its path."""

    def write(text: str, name: str = "pair.toml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
