"""Observed yearly series: the one reader of ``country, iso3, year, value`` files.

Spending data (``scenarios/data/milex*.csv``) and any series a user brings to
overlay on a figure or to calibrate against share one layout: a row per state
and year, the state's ISO3 code in ``iso3``, the year in ``year``, and the value
in ``value`` or, as in the bundled ``milex_*.csv``, the column right after
``year``. A blank value is a missing observation (the row is dropped); anything
else that is not a finite number is an error naming the file line.
"""

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import InputError


class ObservedError(InputError):
    """An observed-data file that cannot be read as ``iso3, year, value``."""


def read_observed(
    path: str | Path,
    *,
    states: Iterable[str] | None = None,
    value_column: str | None = None,
) -> pd.DataFrame:
    """Read yearly values from a ``country, iso3, year, value`` CSV file.

    Args:
        path: The CSV file.
        states: ISO3 codes to keep (all if None); only their rows are checked.
        value_column: The column of values; ``value`` if the file has one, else
            the column right after ``year``.

    Returns:
        Rows ``state`` (ISO3), ``year`` (int), ``value`` (float), in file order,
        without blank values.

    Raises:
        ObservedError: The file is unreadable, lacks a column, names none of
            ``states``, or has a year or value that is not a number (the message
            gives the file line).
    """
    path = Path(path)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as err:
        raise ObservedError(f"{path}: cannot read it as CSV: {err}") from err
    column = _value_column(raw, path.name, value_column)
    if states is not None:
        wanted = list(states)
        rows = raw[raw["iso3"].isin(wanted)]
        absent = [s for s in wanted if s not in set(rows["iso3"])]
        if absent:
            known = ", ".join(sorted(set(raw["iso3"]) - {""}))
            raise ObservedError(
                f"{path.name}: no rows with iso3 {', '.join(absent)}; states in the "
                f"file: {known}",
                field="iso3",
            )
        raw = rows
    raw = raw[raw[column].str.strip() != ""]
    return pd.DataFrame(
        {
            "state": raw["iso3"].to_numpy(),
            "year": numbers(raw, "year", path.name, whole=True).astype(int),
            "value": numbers(raw, column, path.name, whole=False).to_numpy(),
        }
    )


def _value_column(raw: pd.DataFrame, name: str, value_column: str | None) -> str:
    """The value column: given, else ``value``, else the one after ``year``."""
    for needed in ("iso3", "year"):
        if needed not in raw.columns:
            raise ObservedError(
                f"{name}: no column {needed!r}; expected country, iso3, year, value",
                field=needed,
            )
    if value_column is None:
        columns = list(raw.columns)
        after_year = columns.index("year") + 1
        if "value" in columns:
            value_column = "value"
        elif after_year < len(columns):
            value_column = columns[after_year]
    if value_column not in raw.columns:
        raise ObservedError(
            f"{name}: no value column {value_column!r}; columns: "
            + ", ".join(raw.columns),
            field="value_column",
        )
    return value_column


def numbers(rows: pd.DataFrame, column: str, name: str, *, whole: bool) -> pd.Series:
    """Text column as numbers; fail naming the first row (file line) that is not one.

    Args:
        rows: A CSV file read as text (``dtype=str``), one row per line after the
            header, in file order.
        column: The column to convert.
        name: The file's name, for the message.
        whole: Whether the numbers must be whole (years, levels).

    Raises:
        ObservedError: A value that is not a finite (or whole) number, naming its
            line, its ``iso3`` where the file has one, and the column.
    """
    values = pd.to_numeric(rows[column].str.strip(), errors="coerce")
    bad = ~np.isfinite(values.to_numpy(dtype=float))
    if whole:
        bad |= ~bad & (values.fillna(0) % 1 != 0).to_numpy()
    if bad.any():
        label = rows.index[bad][0]
        text = rows.loc[label, column]
        kind = "a whole number" if whole else "a finite number"
        who = f" ({rows.loc[label, 'iso3']})" if "iso3" in rows.columns else ""
        raise ObservedError(
            f"{name}: line {label + 2}{who}, column {column!r}: {text!r} is not {kind}",
            field=column,
        )
    return values
