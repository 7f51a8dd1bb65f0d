"""ICB's international crises beside COW's militarised disputes.

The International Crisis Behavior project (ICB v14; Brecher and Wilkenfeld, *A
Study of Crisis*, 2000) codes a crisis where a state's leaders perceive a threat
to basic values, finite time to respond and a heightened probability of military
hostilities. COW MID 5.0 codes a dispute at any threat, display or use of force
(Palmer et al. 2022). The model's crises are disputes in MID's sense: every
crisis that reaches a show of force counts as one
(:data:`sim.calibrate.DISPUTE_RUNG`), and the crisis defaults are fitted to the
MIDs. This module reads ICB's crises among a scenario's states, so the record's
crisis rate can be set beside the model's crises started, and finds the MIDs each
coincides with, so how those disputes ran can be set beside the rest: ICB's bar
is a matter of leaders' perceptions, which the model's crisis records do not
hold, and the disputes that meet it differ from the rest in how long they run
and whether they are answered more than in how far they climb.
"""

from pathlib import Path

import numpy as np
import pandas as pd

from sim.calibrate import (
    CalibrationError,
    Window,
    check_window,
    poisson_interval,
    read_text_table,
    whole_columns,
)
from sim.dispute_course import record_course

ICB = "ICB v14"
"""The ``dataset`` of ICB's own rows (some later rows come from MID or pages)."""
CRISIS_COLUMNS = ("name", "start_year", "end_year", "participants", "dataset")
"""Columns a ``crises.csv`` needs."""


def crises_among(path: str | Path, states: list[str], window: Window) -> pd.DataFrame:
    """ICB's crises with two or more of ``states`` taking part, starting in the window.

    Args:
        path: A ``crises.csv``: :data:`CRISIS_COLUMNS`, ``participants`` ISO3
            codes separated by ``;``, ``end_year`` blank where the crisis ended
            the year it began. Rows of another ``dataset`` than :data:`ICB` are
            left out.
        states: ISO3 codes of the states whose crises count.
        window: The years the crises start in.

    Returns:
        Those rows, ``start_year`` and ``end_year`` as integers and
        ``participants`` as lists of the states taking part.

    Raises:
        CalibrationError: A missing column, a year that is not a whole number
            (naming the line), no ICB row, or a window outside the ICB rows'
            years.
    """
    path = Path(path)
    raw = read_text_table(path, CRISIS_COLUMNS)
    raw = raw[raw["dataset"].str.strip() == ICB]
    if raw.empty:
        raise CalibrationError(f"{path.name}: no row of dataset {ICB!r}")
    ended = raw["end_year"].str.strip()
    raw = raw.assign(end_year=ended.where(ended != "", raw["start_year"]))
    years = whole_columns(raw, ("start_year", "end_year"), path.name)
    check_window(window, years["start_year"], f"{path.name}'s ICB crises")
    keep = set(states)
    taking_part = raw["participants"].map(
        lambda text: [s.strip() for s in text.split(";") if s.strip() in keep]
    )
    rows = raw.assign(**years, participants=taking_part)
    start = years["start_year"]
    counted = start.between(window.first, window.last) & (taking_part.map(len) >= 2)
    return rows[counted.to_numpy()]


def rate(crises: pd.DataFrame, years: int) -> tuple[float, float, float]:
    """Crises per year over ``years``, with the exact 95% Poisson interval."""
    lo, hi = poisson_interval(len(crises), years)
    return len(crises) / years, float(lo), float(hi)


def coinciding(crises: pd.DataFrame, disputes: pd.DataFrame) -> np.ndarray:
    """Which disputes coincide with a crisis, shape (len(disputes),).

    A dispute (:func:`sim.dispute_course.disputes_with_outcomes`'s rows)
    coincides with a crisis of :func:`crises_among` when their years overlap
    and the crisis has a participant on each of its sides.

    Raises:
        CalibrationError: Disputes without an ``end_year``.
    """
    if "end_year" not in disputes.columns:
        raise CalibrationError("the disputes have no column 'end_year'")
    start = disputes["start_year"].to_numpy(dtype=int)
    end = disputes["end_year"].to_numpy(dtype=int)
    sides = [
        (set(a), set(b))
        for a, b in zip(disputes["side_a"], disputes["side_b"], strict=True)
    ]
    hit = np.zeros(len(disputes), dtype=bool)
    for crisis in crises.itertuples():
        them = set(crisis.participants)
        across = np.array([bool(them & a and them & b) for a, b in sides])
        overlap = (start <= crisis.end_year) & (end >= crisis.start_year)
        hit |= across & overlap
    return hit


def beside_disputes(crises: pd.DataFrame, disputes: pd.DataFrame) -> pd.DataFrame:
    """How the disputes that coincide with a crisis ran, beside the rest.

    Args:
        crises: :func:`crises_among`'s rows.
        disputes: :func:`sim.dispute_course.disputes_with_outcomes`'s rows.

    Returns:
        Rows ``with a crisis`` and ``without``; columns ``disputes``, ``force``
        (the share reaching use of force), ``answered`` (the share whose target
        took a militarised action itself), ``conceded`` (of those with a known
        ending, the share ending with the target conceding), ``mean_years`` and
        ``median_years`` (MID ``maxdur``).
    """
    hit = coinciding(crises, disputes)
    rows = {}
    for name, part in (("with a crisis", disputes[hit]), ("without", disputes[~hit])):
        course = record_course(part)
        rows[name] = {
            "disputes": len(part),
            "force": course.answered_force.of / len(part) if len(part) else np.nan,
            "answered": course.answered.value,
            "conceded": course.conceded.value,
            "mean_years": course.mean_years()[0],
            "median_years": np.median(course.years) if len(part) else np.nan,
        }
    return pd.DataFrame.from_dict(rows, orient="index")
