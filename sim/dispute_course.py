"""How disputes run, in the record and in the model: answered, conceded, how long.

The crisis fit (:func:`sim.calibrate.fit_crisis_rates`) matches how often disputes
start and how far they climb. These three checks of how they run are never
fitted; each compares the record's disputes among the scenario's states (COW MID
5.0: ``mids.csv`` with ``mid_outcomes.csv``, the codebook's ``recip``,
``outcome`` and ``maxdur``) with the model's crises that reached a show of force
(:data:`sim.calibrate.DISPUTE_RUNG`), the crises the fit counts as disputes,
joiners included as there:

- **answered**: the share of disputes in which the target side took a
  militarised action itself (MID ``recip`` 1: a threat, display or use of
  force); in the model, a crisis whose defender climbed to a show of force or
  higher itself (``defender_climbed``). Also among uses of force (MID
  ``hostlev`` >= 4; the model's limited clash or worse).
- **conceded**: the share of disputes with a known outcome (MID ``outcome`` 1-7)
  that ended with the target giving the initiator its way (1, victory for side
  A, or 4, yield by side B); in the model, a concluded crisis that ended with
  the defender backing down, which concedes the stake. A challenger that backs
  down keeps the status quo, as a MID's stalemate does, and a war names no
  victor: neither counts.
- **years**: the mean duration in years (MID ``maxdur``, the longest possible,
  over 365.25); in the model, ``(end_step - start_step) * dt`` of concluded
  crises: its steps hold a crisis's start and end only to the step, and the
  difference of the two is unbiased for the duration where both fall anywhere
  in their steps alike.

The model's crises that are under way at the end of a run are left out: how
they end is not known yet.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.calibrate import (
    CONFIDENCE,
    DISPUTE_RUNG,
    FORCE_RUNG,
    USE_OF_FORCE_HOSTLEV,
    CalibrationError,
    Window,
    disputes_among,
    read_text_table,
    whole_columns,
)

COURSE_COLUMNS = ("dispnum", "outcome", "recip", "maxdur")
"""Columns a ``mid_outcomes.csv`` needs (MID 5.0 codebook names)."""
CONCEDED_OUTCOMES = (1, 4)
"""MID outcomes that end a dispute with side B conceding: A's victory, B's yield."""
KNOWN_OUTCOMES = (1, 2, 3, 4, 5, 6, 7)
"""MID outcomes that say how a dispute ended (8 unclear, 9 joins a war, -9 missing)."""
DAYS_A_YEAR = 365.25
LABELS = {
    "answered": "share answered with force by the target (MID recip)",
    "answered_force": "the same, uses of force",
    "conceded": "share ending with the target conceding (MID outcome 1 or 4 of 1-7)",
    "years": "mean duration, years (MID maxdur)",
}
"""What each row of :func:`compare` measures, for a table."""


@dataclass(frozen=True)
class Share:
    """``count`` of ``of`` cases, with an exact binomial interval."""

    count: int
    of: int

    @property
    def value(self) -> float:
        """The share, NaN of no cases."""
        return self.count / self.of if self.of else float("nan")

    def interval(self) -> tuple[float, float]:
        """Clopper and Pearson's (1934) exact 95% interval of the share."""
        from scipy.stats import beta  # slow to import; only this needs it

        tail = (1.0 - CONFIDENCE) / 2
        lo = beta.ppf(tail, self.count, self.of - self.count + 1) if self.count else 0.0
        hi = (
            beta.ppf(1 - tail, self.count + 1, self.of - self.count)
            if self.count < self.of
            else 1.0
        )
        return float(lo), float(hi)


@dataclass(frozen=True)
class Course:
    """How a set of disputes (or crises) ran.

    Attributes:
        answered: Those whose target side took a militarised action itself.
        answered_force: The same among those that reached use of force.
        conceded: Those with a known ending that ended with the target conceding.
        years: Each one's duration in years, (n,).
    """

    answered: Share
    answered_force: Share
    conceded: Share
    years: np.ndarray

    def mean_years(self) -> tuple[float, float, float]:
        """Mean duration with a 95% normal-approximation interval: (mean, lo, hi).

        NaN where there is no duration (and no interval from fewer than two).
        """
        n = len(self.years)
        if n == 0:
            return float("nan"), float("nan"), float("nan")
        mean = float(self.years.mean())
        half = 1.96 * float(self.years.std(ddof=1)) / np.sqrt(n) if n > 1 else np.nan
        return mean, mean - half, mean + half


def read_course(
    mids: str | Path, outcomes: str | Path, states: list[str], window: Window
) -> Course:
    """How the record's disputes among ``states`` starting in the window ran.

    The disputes are :func:`disputes_with_outcomes`'s, whose errors it raises.
    """
    return record_course(disputes_with_outcomes(mids, outcomes, states, window))


def disputes_with_outcomes(
    mids: str | Path, outcomes: str | Path, states: list[str], window: Window
) -> pd.DataFrame:
    """The record's disputes among ``states`` starting in the window, with their codes.

    Args:
        mids: A ``mids.csv`` with a ``dispnum`` column
            (:func:`sim.calibrate.disputes_among` picks the disputes).
        outcomes: A ``mid_outcomes.csv``: :data:`COURSE_COLUMNS` for every
            dispute picked.
        states: ISO3 codes of the states whose disputes count.
        window: The years the disputes start in.

    Returns:
        :func:`sim.calibrate.disputes_among`'s rows with ``outcome``, ``recip``
        and ``maxdur`` as integer columns, and ``end_year`` too where the file
        has it.

    Raises:
        CalibrationError: Either file's errors, naming the file and the line or
            the dispute.
    """
    disputes = disputes_among(mids, states, window)
    table = _read_outcomes(Path(outcomes))
    if "dispnum" not in disputes.columns:
        raise CalibrationError(f"{Path(mids).name}: no column 'dispnum'")
    number = disputes["dispnum"].str.strip()
    unknown = sorted(set(number) - set(table.index))
    if unknown:
        raise CalibrationError(
            f"{Path(outcomes).name}: no row for dispute {unknown[0]} of "
            f"{Path(mids).name}"
        )
    codes = table.loc[number.to_numpy()].set_index(disputes.index)
    disputes = disputes.assign(**{c: codes[c] for c in COURSE_COLUMNS[1:]})
    if "end_year" in disputes.columns:
        disputes = disputes.assign(
            **whole_columns(disputes, ("end_year",), Path(mids).name)
        )
    return disputes


def record_course(disputes: pd.DataFrame) -> Course:
    """How the disputes of :func:`disputes_with_outcomes` ran."""
    force = disputes["hostlev"].to_numpy() >= USE_OF_FORCE_HOSTLEV
    answered = disputes["recip"].to_numpy() == 1
    known = disputes["outcome"].isin(KNOWN_OUTCOMES).to_numpy()
    conceded = disputes["outcome"].isin(CONCEDED_OUTCOMES).to_numpy()
    return Course(
        answered=Share(int(answered.sum()), len(disputes)),
        answered_force=Share(int(answered[force].sum()), int(force.sum())),
        conceded=Share(int(conceded.sum()), int(known.sum())),
        years=disputes["maxdur"].to_numpy(dtype=float) / DAYS_A_YEAR,
    )


def _read_outcomes(path: Path) -> pd.DataFrame:
    """A ``mid_outcomes.csv`` indexed by dispute number, codes as integers."""
    raw = read_text_table(path, COURSE_COLUMNS)
    codes = whole_columns(raw, COURSE_COLUMNS[1:], path.name)
    number = raw["dispnum"].str.strip()
    twice = number[number.duplicated()]
    if len(twice):
        raise CalibrationError(
            f"{path.name}: line {twice.index[0] + 2}: dispute {twice.iloc[0]} "
            "is listed twice"
        )
    return pd.DataFrame(codes).set_index(number)


def model_course(
    crises: pd.DataFrame,
    dt_years: float,
    dispute_rung: int = DISPUTE_RUNG,
    force_rung: int = FORCE_RUNG,
) -> Course:
    """How the model's concluded crises that reached a show of force ran.

    Args:
        crises: Crisis records (``peak_rung``, ``defender_climbed``, ``ending``,
            ``start_step``, ``end_step``), e.g. :func:`sim.calibrate.crises_among`'s.
        dt_years: The run's step length in years.
        dispute_rung: Lowest peak rung counted as a dispute, and lowest climb
            counted as an answer (a show of force).
        force_rung: Lowest peak rung counted as use of force.
    """
    done = crises[
        (crises["ending"] != "ongoing") & (crises["peak_rung"] >= dispute_rung)
    ]
    answered = done["defender_climbed"].to_numpy() >= dispute_rung
    force = done["peak_rung"].to_numpy() >= force_rung
    conceded = (done["ending"] == "defender_backed_down").to_numpy()
    steps = (done["end_step"] - done["start_step"]).to_numpy(dtype=float)
    return Course(
        answered=Share(int(answered.sum()), len(done)),
        answered_force=Share(int(answered[force].sum()), int(force.sum())),
        conceded=Share(int(conceded.sum()), len(done)),
        years=steps * dt_years,
    )


def compare(record: Course, model: Course) -> pd.DataFrame:
    """The record beside the model, a row per measure.

    Columns: ``record``, ``lo``, ``hi`` (its 95% interval), ``cases`` (the
    record's disputes behind it), ``model`` and ``inside`` (whether the model's
    value falls in the record's interval).
    """
    rows = {}
    for name in ("answered", "answered_force", "conceded"):
        seen, ran = getattr(record, name), getattr(model, name)
        rows[name] = (seen.value, *seen.interval(), seen.of, ran.value)
    rows["years"] = (*record.mean_years(), len(record.years), model.mean_years()[0])
    table = pd.DataFrame.from_dict(
        rows, orient="index", columns=["record", "lo", "hi", "cases", "model"]
    )
    table["inside"] = table["model"].between(table["lo"], table["hi"])
    return table


def markdown(table: pd.DataFrame) -> str:
    """:func:`compare`'s table as Markdown, a model value outside marked so."""
    lines = [
        "| how disputes run | record (95%) | disputes | model |",
        "|---|---|---|---|",
    ]
    for name, row in table.iterrows():
        outside = "" if row.inside else " (outside)"
        lines.append(
            f"| {LABELS[name]} | {row.record:.3f} ({row.lo:.3f}-{row.hi:.3f}) | "
            f"{row.cases:.0f} | {row.model:.3f}{outside} |"
        )
    return "\n".join(lines)
