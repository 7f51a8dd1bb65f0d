"""Outcome summaries with confidence intervals, as tables for a paper.

:func:`summarise` turns the outcomes table (one row per replication) into one
row per group (a sweep point, or a value of a swept parameter) and outcome:
the number of replications where the outcome is defined, its mean, and a
confidence interval of the mean (95% by default). The interval follows what
the outcome is, declared in :data:`OUTCOME_KINDS` (definitions in
``docs/outcomes.md``; a per-place outcome ``war_onset.CHN_TWN`` is of its base
outcome's kind), never its name or its values:

* an *indicator*, 0 or 1 in each replication (``war_onset``), gets Wilson's
  score interval (Wilson 1927), ``(p + z^2/2n +- z sqrt(p(1-p)/n + z^2/4n^2))
  / (1 + z^2/n)``: inside [0, 1], and not empty when no replication (or every
  one) had the event;
* a *count* (``crises``, ``clashes``) gets Student's t interval,
  ``mean +- t_{n-1} s / sqrt(n)``, cut at 0; where every replication had the
  same count (no clash in any), the spread gives an interval of no width, so it
  gets the exact Poisson interval of the mean instead (Garwood 1936),
  ``[chi2_{a/2}(2S), chi2_{1-a/2}(2S + 2)] / 2n`` for the total S;
* a *share* in [0, 1] (``crisis_time_share``) and any other *continuous*
  outcome get Student's t interval cut to the outcome's range (a share's
  [0, 1], ``peak_rung``'s [0, 5], years' [0, inf)): the mean lies in the
  range, so cutting the interval to it loses no coverage (Mandelkern 2002).

The t interval rests on the spread between replications, so an outcome other
than an indicator gets none from fewer than :data:`MIN_REPLICATIONS` (two
replications give t_1 = 12.7 and intervals far outside the range): ``lower``
and ``upper`` are NaN, ``interval`` is ``none`` and a laid-out cell reads
``mean (n=2)``. An outcome not in the table (a column added by hand) is
continuous and unbounded.

NaN values (e.g. ``deterrence_success_rate`` with no crisis to judge) are left
out, and ``n`` says how many of the group's ``replications`` remained.
:func:`markdown_table` and :func:`latex_table` lay the summary out with one row
per group and one column per outcome, ``mean [lower, upper]``;
:func:`write_summary` writes CSV, Markdown and LaTeX (``wargame summary``), and
:func:`short_summary` is the few lines ``wargame batch`` and ``sweep`` print
when they finish.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from sim.dynamics.escalation import WAR
from sim.errors import check_once
from sim.outputs import atomic_write
from sim.results import RUN, ResultsError, ResultsFolder

KEYS = ("point", "replication")
HEADLINE = (
    "war_onset",
    "clash_onset",
    "clashes",
    "peak_rung",
    "crises",
    "deterrence_success_rate",
)
"""Outcomes of the short summary printed after a batch or sweep."""
WILSON, POISSON, STUDENT, NONE = "wilson", "poisson", "t", "none"
"""The ``interval`` column: how each row's interval was found (none: too few)."""
INDICATOR, COUNT, SHARE, CONTINUOUS = "indicator", "count", "share", "continuous"
MIN_REPLICATIONS = 3
"""Fewest replications for an interval that rests on their spread (not Wilson's)."""


@dataclass(frozen=True)
class Kind:
    """What an outcome is: which interval its mean gets, and its range.

    Attributes:
        kind: ``indicator`` (0 or 1), ``count`` (0, 1, 2, ...), ``share`` (in
            [0, 1]) or ``continuous``.
        low: Smallest value the outcome can take.
        high: Largest value the outcome can take.
    """

    kind: str
    low: float = -np.inf
    high: float = np.inf


OUTCOME_KINDS: dict[str, Kind] = {
    "war_onset": Kind(INDICATOR, 0.0, 1.0),
    "war_onset_years": Kind(CONTINUOUS, 0.0),
    "clash_onset": Kind(INDICATOR, 0.0, 1.0),
    "clash_onset_years": Kind(CONTINUOUS, 0.0),
    "clashes": Kind(COUNT, 0.0),
    "peak_rung": Kind(CONTINUOUS, 0.0, float(WAR)),
    "crisis_time_share": Kind(SHARE, 0.0, 1.0),
    "crises": Kind(COUNT, 0.0),
    "deterrence_success_rate": Kind(SHARE, 0.0, 1.0),
    "arms_growth_cagr": Kind(CONTINUOUS, -1.0),
    "arms_burden": Kind(SHARE, 0.0, 1.0),
    "polarisation": Kind(SHARE, 0.0, 1.0),
    "stability_index": Kind(SHARE, 0.0, 1.0),
}
"""The kind and range of every outcome of :meth:`sim.metrics.OutcomeTracker.result`
(``docs/outcomes.md``); an outcome ``NAME.PLACE`` is of NAME's kind."""
INTERVALS = (
    "Wilson for 0/1 outcomes, Student's t cut to each outcome's range otherwise, "
    "exact Poisson for a count that never varied; a cell written 'mean (n=K)' "
    "had too few replications (K) for an interval"
)
"""What the brackets of a laid-out summary are, for its caption."""
LABELS = {
    "war_onset": "P(war)",
    "clash_onset": "P(clash)",
    "war_onset_years": "years to war",
    "clash_onset_years": "years to clash",
    "clashes": "clashes",
    "peak_rung": "peak rung",
    "crisis_time_share": "time in crisis",
    "crises": "crises",
    "deterrence_success_rate": "deterrence success",
    "arms_growth_cagr": "arms growth (CAGR)",
    "arms_burden": "arms burden",
    "polarisation": "polarisation",
    "stability_index": "stability index",
}
"""Column headings of the laid-out tables (other outcomes keep their name)."""


def wilson_interval(
    successes: np.ndarray, trials: np.ndarray, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson's score interval of a proportion, each (P,) (see the module)."""
    successes = np.asarray(successes, dtype=float)
    trials = np.asarray(trials, dtype=float)
    z = stats.norm.ppf(0.5 + level / 2)
    p = successes / trials
    z2 = z**2
    centre = (p + z2 / (2 * trials)) / (1 + z2 / trials)
    half = z * np.sqrt(p * (1 - p) / trials + z2 / (4 * trials**2)) / (1 + z2 / trials)
    return np.clip(centre - half, 0.0, p), np.clip(centre + half, p, 1.0)


def t_interval(
    mean: np.ndarray, sd: np.ndarray, n: np.ndarray, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Student's t interval of a mean, each (P,); NaN where n < 2."""
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(n >= 2, stats.t.ppf(0.5 + level / 2, np.maximum(n - 1, 1)), np.nan)
        half = t * np.asarray(sd, dtype=float) / np.sqrt(n)
    return mean - half, mean + half


def poisson_interval(
    total: np.ndarray, n: np.ndarray, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood 1936) interval of the mean of n Poisson counts summing to total.

    ``[chi2_{a/2}(2 total), chi2_{1-a/2}(2 total + 2)] / 2n`` with a = 1 - level,
    the lower bound 0 when the total is 0; each (P,).
    """
    total = np.asarray(total, dtype=float)
    n = np.asarray(n, dtype=float)
    alpha = 1 - level
    with np.errstate(invalid="ignore", divide="ignore"):
        lower = np.where(
            total > 0, stats.chi2.ppf(alpha / 2, np.maximum(2 * total, 1e-300)), 0.0
        )
        upper = stats.chi2.ppf(1 - alpha / 2, 2 * total + 2)
    return lower / (2 * n), upper / (2 * n)


def outcome_kind(name: str) -> Kind:
    """The kind of an outcome (:data:`OUTCOME_KINDS`), by its name.

    ``NAME.PLACE`` (``war_onset.CHN_TWN``) is of NAME's kind; an outcome not
    declared is continuous and unbounded (Student's t, not cut).
    """
    if name in OUTCOME_KINDS:
        return OUTCOME_KINDS[name]
    return OUTCOME_KINDS.get(name.split(".", 1)[0], Kind(CONTINUOUS))


def mean_interval(
    kind: Kind,
    mean: np.ndarray,
    sd: np.ndarray,
    n: np.ndarray,
    level: float = 0.95,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The interval of each group's mean of an outcome of this kind (the module).

    Args:
        kind: What the outcome is.
        mean: Each group's mean, (P,).
        sd: Each group's standard deviation (ddof 1; NaN for one value), (P,).
        n: Each group's replications, (P,).
        level: Confidence level.

    Returns:
        Lower and upper bounds, inside the kind's range (NaN where there are
        too few replications), and how each was found (``wilson``,
        ``poisson``, ``t`` or ``none``), each (P,).
    """
    mean = np.asarray(mean, dtype=float)
    sd = np.asarray(sd, dtype=float)
    n = np.asarray(n, dtype=float)
    if kind.kind == INDICATOR:
        lower, upper = wilson_interval(mean * n, n, level)
        return lower, upper, np.full(len(mean), WILSON, dtype=object)
    lower, upper = t_interval(mean, sd, n, level)
    method = np.full(len(mean), STUDENT, dtype=object)
    if kind.kind == COUNT:
        flat = sd == 0  # every replication had the same count
        p_lower, p_upper = poisson_interval(mean * n, n, level)
        lower, upper = np.where(flat, p_lower, lower), np.where(flat, p_upper, upper)
        method[flat] = POISSON
    few = n < MIN_REPLICATIONS
    lower, upper = np.where(few, np.nan, lower), np.where(few, np.nan, upper)
    method[few] = NONE
    return (
        np.clip(lower, kind.low, kind.high),
        np.clip(upper, kind.low, kind.high),
        method,
    )


def outcome_columns(outcomes: pd.DataFrame, exclude: Sequence[str] = ()) -> list[str]:
    """The numeric outcome columns of an outcomes table (not keys, not inputs)."""
    return [
        c
        for c in outcomes.columns
        if c not in (*KEYS, *exclude) and pd.api.types.is_numeric_dtype(outcomes[c])
    ]


def group_stats(values: pd.DataFrame, by: list[str], name: str) -> pd.DataFrame:
    """Each group's ``n``, ``mean`` and ``sd`` of an outcome's defined values."""
    grouped = values.groupby(by, sort=True)[name]
    return pd.DataFrame(
        {"n": grouped.size(), "mean": grouped.mean(), "sd": grouped.std(ddof=1)}
    ).reset_index()


def pooled_stats(values: pd.DataFrame, by: list[str], name: str) -> pd.DataFrame:
    """:func:`group_stats` of pooled sweep points, the replication as the unit.

    Every point of a sweep runs the same replication indices on the same seed
    (common random numbers), so replication ``r`` of two pooled points shares
    its luck: they are not independent draws (where a field does not move an
    outcome they are one draw twice). The mean is still that of every defined
    value, ``sum(y) / sum(c)`` over replications with ``c_r`` values summing to
    ``y_r``; ``n`` counts replications, and ``sd`` is that of each one's
    linearised share, ``(y_r - mean c_r) / mean(c)`` (the delta method, as in
    :mod:`sim.paired`), which is the spread of the replications' own means
    when every one has the same number of values.
    """
    grouped = values.groupby([*by, "replication"], sort=True)[name]
    clusters = pd.DataFrame({"y": grouped.sum(), "c": grouped.size()}).reset_index()
    totals = clusters.groupby(by, sort=True)[["y", "c"]].transform("sum")
    share = clusters.groupby(by, sort=True)["c"].transform("mean")
    mean = totals["y"] / totals["c"]
    clusters["mean"] = mean
    clusters["z"] = (clusters["y"] - mean * clusters["c"]) / share
    grouped = clusters.groupby(by, sort=True)
    return pd.DataFrame(
        {"n": grouped.size(), "mean": grouped["mean"].first(), "sd": grouped["z"].std()}
    ).reset_index()


def group_replications(
    outcomes: pd.DataFrame, by: list[str], pooled: bool
) -> pd.DataFrame:
    """Each group's ``replications``, whatever its outcomes, sorted by group.

    The rows of a group, or (pooling sweep points) its replication indices: the
    count an outcome's ``n`` falls short of where some values are NaN.
    """
    grouped = outcomes.groupby(by, sort=True, dropna=False)
    count = grouped["replication"].nunique() if pooled else grouped.size()
    return count.rename("replications").reset_index()


def summarise(
    outcomes: pd.DataFrame,
    *,
    by: Sequence[str] = ("point",),
    names: Sequence[str] | None = None,
    inputs: Sequence[str] = (),
    level: float = 0.95,
) -> pd.DataFrame:
    """Mean and confidence interval of each outcome in each group.

    Args:
        outcomes: One row per replication (the outcomes table), with the
            columns named in ``by``.
        by: Columns whose values form the groups (a sweep's ``point``, or one
            or more swept fields, pooling the others).
        names: Outcomes to summarise (None: every numeric column not in
            ``by`` or ``inputs``, nor ``point`` or ``replication``).
        inputs: Columns that are inputs, not outcomes (a sweep's varied
            fields), left out when ``names`` is None.
        level: Confidence level of the intervals.

    Returns:
        One row per group and outcome: the ``by`` columns, ``outcome``,
        ``kind`` (:data:`OUTCOME_KINDS`), ``replications`` (the group's),
        ``n`` (those where the outcome is defined), ``mean``, ``lower``,
        ``upper`` and ``interval`` (``wilson``, ``poisson``, ``t``, or ``none`` from
        fewer than :data:`MIN_REPLICATIONS` replications).

    Raises:
        KeyError: A column of ``by`` or ``names`` is not in ``outcomes``.
    """
    by = list(by)
    missing = [c for c in [*by, *(names or [])] if c not in outcomes.columns]
    if missing:
        known = ", ".join(outcomes.columns)
        raise KeyError(f"no column {', '.join(missing)} in the outcomes ({known})")
    if not 0 < level < 1:
        raise ValueError(f"level {level}: must be between 0 and 1")
    names = list(names or outcome_columns(outcomes, exclude=[*by, *inputs]))
    pooled = "point" not in by and {"point", "replication"} <= set(outcomes.columns)
    groups = group_replications(outcomes, by, pooled)
    rows = []
    for name in names:
        keys = [*by, "replication"] if pooled else by
        values = outcomes[[*keys, name]].dropna(subset=[name])
        table = (pooled_stats if pooled else group_stats)(values, by, name)
        table = groups.merge(table, on=by, how="left")  # n 0 where none is defined
        table["n"] = table["n"].fillna(0).astype(int)
        kind = outcome_kind(name)
        with np.errstate(divide="ignore", invalid="ignore"):  # n 0: no interval
            lower, upper, method = mean_interval(
                kind, table["mean"], table["sd"], table["n"], level
            )
        rows.append(
            table.drop(columns="sd").assign(
                outcome=name, kind=kind.kind, lower=lower, upper=upper, interval=method
            )
        )
    columns = [*by, "outcome", "kind", "replications", "n"]
    columns += ["mean", "lower", "upper", "interval"]
    if not rows:
        return pd.DataFrame(columns=columns)
    return pd.concat(rows, ignore_index=True)[columns]


def _cell(row: pd.Series, digits: int) -> str:
    n = int(row["n"])
    if n == 0:
        return "n/a"
    if np.isnan(row["lower"]):
        return f"{row['mean']:.{digits}g} (n={n})"
    low, high = f"{row['lower']:.{digits}g}", f"{row['upper']:.{digits}g}"
    fewer = f" (n={n})" if n < row["replications"] else ""
    return f"{row['mean']:.{digits}g} [{low}, {high}]{fewer}"


def layout(summary: pd.DataFrame, by: Sequence[str], digits: int = 3) -> pd.DataFrame:
    """One row per group, one column per outcome holding ``mean [lower, upper]``.

    The ``n`` column is the group's replications, whatever the outcomes; a
    cell resting on fewer values says how many, and ``n/a`` marks an outcome
    defined in no replication of the group.
    """
    by = list(by)
    cells = summary.assign(cell=summary.apply(_cell, axis=1, digits=digits))
    wide = cells.pivot(index=by, columns="outcome", values="cell")
    order = list(dict.fromkeys(summary["outcome"]))
    wide = wide[order].rename(columns=lambda c: LABELS.get(c, c)).fillna("n/a")
    n = summary.groupby(by)["replications"].first().rename("n")
    table = pd.concat([n, wide], axis=1).reset_index()
    for column in by:
        if pd.api.types.is_float_dtype(table[column]):
            table[column] = table[column].map(lambda v: f"{v:.4g}")
    return table


def oriented(
    summary: pd.DataFrame, by: Sequence[str], digits: int = 3
) -> tuple[pd.DataFrame, int]:
    """The laid-out table, turned so that it is longer than it is wide.

    With more outcomes than groups (a batch of one point and its per-dyad
    outcomes) each outcome is a row and each group a column (``point 0``, or
    ``x=0.2, y=1`` for several group fields); otherwise :func:`layout`'s rows.
    All cells are text.

    Returns:
        The table, and how many of its first columns label the rows.
    """
    wide = layout(summary, by, digits).astype(str)
    outcomes = len(wide.columns) - len(by) - 1  # not the column n
    if len(wide) >= outcomes:
        return wide, len(by)
    names = [
        ", ".join(f"{k}={v}" for k, v in zip(by, row, strict=True))
        if len(by) > 1
        else f"{by[0]} {row[0]}"
        for row in wide[list(by)].to_numpy()
    ]
    turned = wide.drop(columns=list(by)).T.set_axis(names, axis=1)
    return turned.rename_axis("outcome").reset_index(), 1


def markdown_table(summary: pd.DataFrame, by: Sequence[str], digits: int = 3) -> str:
    """The summary as a Markdown (pipe) table (:func:`oriented`)."""
    wide, _ = oriented(summary, by, digits)
    lines = [
        "| " + " | ".join(wide.columns) + " |",
        "|" + "|".join("---" for _ in wide.columns) + "|",
        *("| " + " | ".join(row) + " |" for row in wide.to_numpy()),
    ]
    return "\n".join(lines) + "\n"


def latex_table(
    summary: pd.DataFrame, by: Sequence[str], *, caption: str = "", digits: int = 3
) -> str:
    """The summary as a LaTeX ``table``, booktabs rules (:func:`oriented`)."""
    wide, labels = oriented(summary, by, digits)

    def escape(text: str) -> str:
        for char in ("\\", "&", "%", "$", "#", "_", "{", "}"):
            text = text.replace(
                char, "\\" + char if char != "\\" else r"\textbackslash{}"
            )
        return text

    head = " & ".join(escape(c) for c in wide.columns) + r" \\"
    body = "\n".join(
        " & ".join(escape(v) for v in row) + r" \\" for row in wide.to_numpy()
    )
    return (
        "\\begin{table}\n\\centering\n"
        f"\\caption{{{escape(caption)}}}\n"
        f"\\begin{{tabular}}{{{'l' * labels + 'r' * (len(wide.columns) - labels)}}}\n"
        "\\toprule\n"
        f"{head}\n\\midrule\n{body}\n\\bottomrule\n"
        "\\end{tabular}\n\\end{table}\n"
    )


def write_summary(
    summary: pd.DataFrame, by: Sequence[str], out: Path, *, caption: str = ""
) -> list[Path]:
    """Write ``summary.csv`` (tidy), ``summary.md`` and ``summary.tex`` into ``out``.

    Returns:
        The files written.
    """
    out.mkdir(parents=True, exist_ok=True)
    files = {
        out / "summary.csv": lambda tmp: summary.to_csv(tmp, index=False),
        out / "summary.md": lambda tmp: tmp.write_text(
            markdown_table(summary, by), encoding="utf-8"
        ),
        out / "summary.tex": lambda tmp: tmp.write_text(
            latex_table(summary, by, caption=caption), encoding="utf-8"
        ),
    }
    for path, write in files.items():
        atomic_write(path, write)
    return list(files)


def horizon_years(results: ResultsFolder) -> float | None:
    """Years a results folder covers (steps times step length); None if unknown."""
    try:
        dt = results.scenario(0).info.dt_years
    except ResultsError:
        return None
    return int(results.manifest["steps"]) * dt


def summarise_results(
    results: ResultsFolder,
    *,
    by: Sequence[str] | None = None,
    names: Sequence[str] | None = None,
    level: float = 0.95,
) -> tuple[pd.DataFrame, list[str]]:
    """:func:`summarise` of a results folder's outcomes table.

    Args:
        results: The folder (:func:`sim.results.open_results`).
        by: Swept fields to group by, pooling the others (None: each point,
            with its values of every swept field).
        names: Outcomes (None: all).
        level: Confidence level.

    Returns:
        The summary and the columns it is grouped by.

    Raises:
        ResultsError: A field of ``by`` or an outcome is given twice, a field
            of ``by`` was not swept, or an outcome is unknown
            (:func:`check_outcomes`).
    """
    check_once(by or [], "by", ResultsError)
    check_once(names or [], "outcome", ResultsError)
    varied = results.varied
    unknown = [b for b in by or [] if b not in varied]
    if unknown:
        raise ResultsError(
            f"by {', '.join(unknown)}: not a swept field of {results.folder} "
            f"(swept: {', '.join(varied) or 'none'})",
            field="by",
        )
    groups = list(by) if by else ["point", *varied]
    check_outcomes(results, names or [])
    outcomes = results.table("outcomes")
    table = summarise(outcomes, by=groups, names=names, inputs=varied, level=level)
    return table, groups


def check_outcomes(results: ResultsFolder, names: Sequence[str]) -> None:
    """Refuse outcomes a results folder lacks, listing those it has.

    Reads the outcomes table's header only (``summary --outcome``, ``plot
    --kind sweep --outcome``).

    Raises:
        ResultsError: Naming the unknown outcomes (``outcome``).
    """
    varied = results.varied
    known = [c for c in results.columns("outcomes") if c not in (*KEYS, *varied)]
    missing = [n for n in names if n not in known]
    if missing:
        raise ResultsError(
            f"outcome {', '.join(missing)}: not an outcome ({', '.join(known)})",
            field="outcome",
        )


def settings_text(results: ResultsFolder) -> str:
    """``with PATH=VALUE, ...`` for the fields a batch set (``--set``), or ``""``.

    A table or figure of a batch run with settings is not one of the scenario
    as its file stands, and must say so.
    """
    settings = results.manifest.get("settings") or {}
    if not settings:
        return ""
    return "with " + ", ".join(f"{k}={v}" for k, v in settings.items())


def caption(results: ResultsFolder) -> str:
    """What a summary table shows: scenario, settings, horizon, replications, seed."""
    parts = [results.scenario_name]
    if settings := settings_text(results):
        parts.append(settings)
    years = horizon_years(results)
    horizon = f", {years:g} years" if years is not None else ""
    return (
        f"{' '.join(parts)}{horizon}, {_replications(results)}, "
        f"seed {results.manifest['seed']}: mean [95% interval]; {INTERVALS}"
    )


def _replications(results: ResultsFolder) -> str:
    """``N replications per point``, or a run's own ``replication R``.

    Runs of different replications differ; the caption must tell them apart.
    """
    if results.kind == RUN:
        return f"replication {results.manifest['replication']}"
    return f"{results.manifest['replications']} replications per point"


def short_summary(
    outcomes: pd.DataFrame,
    *,
    by: Sequence[str] = ("point",),
    names: Sequence[str] = HEADLINE,
    max_rows: int = 12,
) -> str:
    """A few lines for the terminal: headline outcomes with 95% intervals.

    Args:
        outcomes: The outcomes table.
        by: Group columns (``point`` and the swept fields).
        names: Outcomes shown (those the table lacks are skipped).
        max_rows: Groups shown; the rest are counted.
    """
    names = [n for n in names if n in outcomes.columns]
    summary = summarise(outcomes, by=by, names=names)
    wide = layout(summary, by).rename(columns=lambda c: _short_name(str(c)))
    text = wide.head(max_rows).to_string(index=False)
    if len(wide) > max_rows:
        text += f"\n... and {len(wide) - max_rows} more; see `wargame summary`"
    text += f"\n(mean [95% interval]; {INTERVALS})"
    flat = constant_outcomes(outcomes, names)
    if flat:
        values = ", ".join(f"{name} = {value:g}" for name, value in flat.items())
        text += (
            f"\nOne value in every replication: {values}. Such an outcome cannot "
            "tell these runs apart (docs/outcomes.md)."
        )
    return text


def constant_outcomes(outcomes: pd.DataFrame, names: Sequence[str]) -> dict[str, float]:
    """Outcomes of ``names`` that took one value in every replication, with it.

    Over the whole table (every group), leaving NaN out, and only where at
    least :data:`MIN_REPLICATIONS` replications have a value: a constant
    outcome measures nothing these runs differ in (at the baseline's rates
    ``clash_onset`` is 1 in every ten-year run, as some clash was in every
    ten years of the record).
    """
    flat = {}
    for name in names:
        values = outcomes[name].dropna().to_numpy()
        if len(values) >= MIN_REPLICATIONS and (values == values[0]).all():
            flat[name] = float(values[0])
    return flat


def _short_name(column: str) -> str:
    """A swept field path shortened to its last two parts for a narrow table."""
    parts = column.split(".")
    return ".".join(parts[-2:]) if len(parts) > 2 else column
