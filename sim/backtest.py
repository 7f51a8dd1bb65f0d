"""Backtests of the budget model: rival groups at several splits, a past start.

:func:`rival_groups` takes each dispute and rivalry of a scenario whose two
states have SIPRI spending and GDP in every year of a split. :func:`backtest`
fits each group's reactions and fatigues on the window (the other states'
spending and every GDP observed, as forcing series) and compares the forecast
of the holdout with the naive baselines (:func:`sim.calibrate.fit_spending`).
:func:`living_baseline` starts a scenario in a past year from that year's data
and runs its budget model, with no fitting, on the observed GDP up to the last
year of data; its error against what happened is the figure a forecaster would
judge it by.
"""

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim import calibrate, engine
from sim.calibrate import CalibrationError, Drivers, Window
from sim.scenario import load_scenario

FIT_BOUNDS = {"reaction_per_year": (0.0, 2.0), "fatigue_per_year": (0.0, 2.0)}
"""Bounds of the per-state parameters a backtest fits, 1/yr (a modelling choice:
a fatigue above 2 would pull the burden back within a few months, and with
quarterly steps ``a * dt`` above 0.5 the Euler step starts to overshoot)."""


LIVING_REPLICATIONS = 20
"""Replications of the living baseline whose median is compared (a choice)."""


@dataclass(frozen=True)
class Split:
    """A fitting window and the holdout after it, e.g. ``1990:2012:2024``."""

    window: Window
    holdout: Window

    def __str__(self) -> str:
        return f"{self.window.first}-{self.window.last} -> {self.holdout.last}"


SPLITS = (
    Split(Window(1990, 2012), Window(2013, 2024)),
    Split(Window(1990, 2007), Window(2008, 2024)),
)
"""The splits the backtest runs unless told otherwise."""


def parse_split(text: str) -> Split:
    """Parse ``FIRST:LAST:END``: fit FIRST-LAST, forecast LAST+1 to END."""
    parts = text.split(":")
    if len(parts) != 3 or not all(p.strip().isdigit() for p in parts):
        raise CalibrationError(
            f"split {text!r}: expected FIRST:LAST:END years", field="split"
        )
    first, last, end = (int(p) for p in parts)
    if not first < last < end:
        raise CalibrationError(f"split {text}: need FIRST < LAST < END", field="split")
    return Split(Window(first, last), Window(last + 1, end))


def parse_groups(text: str) -> list[tuple[str, ...]]:
    """Parse ``IND,PAK;CHN,JPN,USA``: groups split by ``;``, states by ``,``.

    Raises:
        CalibrationError: A group or a state id is empty (``IND;;``,
            ``IND,,PAK``), so no part of what was typed is silently dropped.
    """
    groups = []
    for k, part in enumerate(text.split(";"), start=1):
        states = tuple(s.strip() for s in part.split(","))
        what = "is empty" if not any(states) else "has an empty state id"
        if not all(states):
            raise CalibrationError(
                f"groups {text!r}: group {k} ({part.strip()!r}) {what}; groups are "
                "separated by ';' and the states of one by ',', e.g. "
                "'IND,PAK;CHN,JPN,USA'",
                field="groups",
            )
        groups.append(states)
    return groups


def check_groups(scenario: str | Path, groups: list[tuple[str, ...]]) -> None:
    """Refuse groups a backtest cannot fit as given.

    Raises:
        CalibrationError: No group, a group naming a state the scenario does
            not declare or one state twice, or a group that repeats another
            (the same states in any order).
    """
    if not groups:
        raise CalibrationError("groups: none given", field="groups")
    ids = load_scenario(scenario).state_ids
    seen: dict[frozenset[str], int] = {}
    for k, group in enumerate(groups, start=1):
        named = f"groups: group {k} ({','.join(group)})"
        unknown = [s for s in group if s not in ids]
        if unknown:
            raise CalibrationError(
                f"{named}: {unknown[0]!r} is not a state of the scenario; its "
                f"states: {', '.join(ids)}",
                field="groups",
            )
        twice = [s for s in dict.fromkeys(group) if group.count(s) > 1]
        if twice:
            raise CalibrationError(f"{named}: names {twice[0]} twice", field="groups")
        first = seen.setdefault(frozenset(group), k)
        if first != k:
            raise CalibrationError(
                f"{named}: repeats group {first} ({','.join(groups[first - 1])})",
                field="groups",
            )


def rival_groups(
    scenario: str | Path, panels: list[pd.DataFrame], years: np.ndarray
) -> list[tuple[str, ...]]:
    """Pairs of a dispute or rivalry whose states have data in every year.

    Args:
        scenario: The scenario file.
        panels: Yearly series (index years, columns ISO3), e.g. spending and GDP.
        years: The years every series must cover.

    Returns:
        The pairs, in the scenario's order, each as declared.
    """
    base = load_scenario(scenario)
    pairs = [tuple(p.parties) for p in (*base.disputes, *base.rivalries)]
    return [pair for pair in dict.fromkeys(pairs) if _covered(pair, panels, years)]


def _covered(states: tuple[str, ...], panels: list[pd.DataFrame], years) -> bool:
    """Whether every panel has a value for every state in every year."""
    return all(
        s in panel.columns and not panel.reindex(years)[s].isna().any()
        for panel in panels
        for s in states
    )


def backtest(
    scenario: str | Path,
    milex: pd.DataFrame,
    gdp: pd.DataFrame,
    *,
    splits: tuple[Split, ...] = SPLITS,
    groups: list[tuple[str, ...]] | None = None,
    bootstrap: int = 0,
    seed: int = 0,
) -> pd.DataFrame:
    """Fit and forecast every group at every split; one row each.

    Args:
        scenario: The scenario file.
        milex: Observed spending, US$ m (index years, columns ISO3).
        gdp: Observed GDP on the same money basis.
        splits: Windows and holdouts.
        groups: Groups of states fitted together (default: :func:`rival_groups`
            that have data at every split), as :func:`check_groups` takes them.
        bootstrap: Residual-bootstrap refits per fit, for the intervals of
            ``fitted`` (none if 0).
        seed: Seed of the bootstrap.

    Returns:
        Rows ``group``, ``split``, the holdout MAPE % of every method of
        :data:`sim.calibrate.METHODS`, ``beats`` (the model below both naive
        baselines), ``fitted`` (each state's ``k`` and ``a``; ``*`` marks a
        value on a bound, ``?`` one the data cannot move; with ``bootstrap``
        refits, each with its 95% interval) and ``seconds`` (time of the fit).

    Raises:
        CalibrationError: A group without data at a split, or no group at all,
            or groups :func:`check_groups` refuses.
    """
    if groups is not None:
        check_groups(scenario, groups)
    else:
        spans = [np.arange(s.window.first, s.holdout.last + 1) for s in splits]
        groups = [
            g
            for g in rival_groups(scenario, [milex, gdp], spans[0])
            if all(_covered(g, [milex, gdp], years) for years in spans)
        ]
    if not groups:
        raise CalibrationError("backtest: no group with data at every split")
    drivers = Drivers(gdp=gdp, milex=milex)
    rows = []
    for split in splits:
        years = np.arange(split.window.first, split.holdout.last + 1)
        for group in groups:
            if not _covered(group, [milex, gdp], years):
                raise CalibrationError(
                    f"backtest: {','.join(group)} lacks spending or GDP in "
                    f"{years[0]}-{years[-1]}"
                )
            started = time.perf_counter()
            fit = calibrate.fit_spending(
                scenario,
                milex.loc[years, list(group)],
                fit_params(group),
                split.window,
                holdout=split.holdout,
                drivers=drivers,
                bootstrap=bootstrap,
                seed=seed,
            )
            mape = fit.errors.set_index("method")["holdout_mape_pct"]
            rows.append(
                {
                    "group": ",".join(group),
                    "split": str(split),
                    **{method: mape[method] for method in calibrate.METHODS},
                    "beats": fit.beats_baselines(),
                    "fitted": _fitted(fit.params),
                    "seconds": time.perf_counter() - started,
                }
            )
    return pd.DataFrame(rows)


def _fitted(params: pd.DataFrame) -> str:
    """``IND k=0.39 a=2.00*; KOR k=0.10?``: ``*`` on a bound, ``?`` not identified.

    With bootstrap refits each value is followed by its 95% interval:
    ``IND k=VALUE (LOW to HIGH) a=...``.
    """
    short = {"reaction_per_year": "k", "fatigue_per_year": "a"}
    parts: dict[str, list[str]] = {}
    for row in params.itertuples():
        _, state, _, name = row.path.split(".")
        flag = ("*" if row.on_bound else "") + ("" if row.identified else "?")
        text = f"{short[name]}={row.value:.2f}{flag}"
        if pd.notna(row.ci_lo):
            text += f" ({row.ci_lo:.2f} to {row.ci_hi:.2f})"
        parts.setdefault(state, []).append(text)
    return "; ".join(f"{state} {' '.join(v)}" for state, v in parts.items())


def fit_params(group: tuple[str, ...]) -> list[calibrate.FitParam]:
    """Reaction and fatigue of each state of the group, within :data:`FIT_BOUNDS`."""
    return [
        calibrate.FitParam(f"state.{state}.arms_race.{name}", lo, hi)
        for state in group
        for name, (lo, hi) in FIT_BOUNDS.items()
    ]


def living_starts(
    scenario: str | Path, milex: pd.DataFrame, gdp: pd.DataFrame, *, end: int
) -> list[int]:
    """The years a living baseline to ``end`` can start from, in order.

    A start must come before ``end`` (the run needs a year to forecast) and,
    for the baseline to be compared with anything, some state of the scenario
    must have spending and GDP in every year from it to ``end``. The years form
    one span, as a later start needs less data.

    Args:
        scenario: The scenario file.
        milex: Observed spending (index years, columns ISO3).
        gdp: Observed GDP on the same money basis.
        end: The last year of the run.
    """
    states = load_scenario(scenario).state_ids
    years = sorted(int(y) for y in set(milex.index) & set(gdp.index) if y < end)
    return [
        year
        for year in years
        if any(_covered((s,), [milex, gdp], np.arange(year, end + 1)) for s in states)
    ]


def check_living_start(
    scenario: str | Path,
    milex: pd.DataFrame,
    gdp: pd.DataFrame,
    *,
    start: int,
    end: int,
    field: str = "start",
) -> None:
    """Refuse a start year the data cannot carry (:func:`living_starts`).

    Raises:
        CalibrationError: One line naming ``field`` and ``start``, and the span
            of years that can start the baseline.
    """
    starts = living_starts(scenario, milex, gdp, end=end)
    if start in starts:
        return
    if not starts:
        raise CalibrationError(
            f"{field} {start}: no state of the scenario has spending and GDP in "
            f"every year to {end}, so no year can start a living baseline",
            field=field,
        )
    raise CalibrationError(
        f"{field} {start}: the data allow {starts[0]} to {starts[-1]} (a year "
        f"before {end}, the last year forecast, from which a state of the "
        "scenario has spending and GDP every year)",
        field=field,
    )


def living_baseline(
    scenario: str | Path,
    milex: pd.DataFrame,
    gdp: pd.DataFrame,
    *,
    start: int,
    end: int,
    replications: int = LIVING_REPLICATIONS,
    seed: int | None = None,
) -> pd.DataFrame:
    """Run a scenario from ``start``'s data to ``end`` in the full engine; errors.

    Every state starts at its observed spending and GDP of ``start`` (a state
    without data keeps the scenario's values, as its file says) and follows
    the scenario's own parameters, with no fitting, through the whole engine:
    crises, signals and cooperation move hostility, and hostility moves
    budgets. GDP grows at each state's observed mean log growth from ``start``
    to ``end``, ``ln(Y_end / Y_start) / (end - start)`` (so it meets the
    observed GDP of both years; a state without both keeps the scenario's
    rate). The simulated spending of a year is the median over
    ``replications`` runs.

    Returns:
        One row per state with spending data in every year, then ``all``:
        ``mape_pct`` (years after ``start`` to ``end``), ``end_error_pct``
        (signed error in ``end``; for ``all``, the mean absolute one) and
        ``last_value_mape_pct`` (holding ``start``'s spending, for reference).

    Raises:
        CalibrationError: ``start`` is not one of :func:`living_starts`.
    """
    check_living_start(scenario, milex, gdp, start=start, end=end)
    years = np.arange(start, end + 1)
    base = load_scenario(scenario)
    overrides: dict[str, float] = {"scenario.start_year": start}
    for state in base.state_ids:
        if state in milex.columns and not np.isnan(milex.at[start, state]):
            overrides[f"state.{state}.milex_usd_m"] = float(milex.at[start, state])
        if state in gdp.columns and not gdp.loc[[start, end], state].isna().any():
            first, last = gdp.at[start, state], gdp.at[end, state]
            overrides[f"state.{state}.gdp_usd_m"] = float(first)
            overrides[f"state.{state}.economy.growth_per_year"] = float(
                np.log(last / first) / (end - start)
            )
    per_year = calibrate.steps_per_year(base.info.dt_years)
    overrides["scenario.steps"] = (end - start) * per_year
    setup = engine.build_setup(load_scenario(scenario, overrides=overrides))
    worlds = engine.simulate(
        setup,
        seed=base.info.seed if seed is None else seed,
        replications=np.arange(replications),
        steps=(end - start) * per_year,
    )
    path = np.median(
        [w.milex for w in worlds][::per_year], axis=1
    )  # (Y, N), median over replications
    kept = [s for s in base.state_ids if _covered((s,), [milex, gdp], years)]
    observed = milex.loc[years, kept].to_numpy()
    simulated = path[:, [base.state_ids.index(s) for s in kept]]
    rows = [
        {
            "state": state,
            "mape_pct": calibrate.mape_pct(simulated[1:, i], observed[1:, i]),
            "end_error_pct": 100 * (simulated[-1, i] / observed[-1, i] - 1),
            "last_value_mape_pct": calibrate.mape_pct(
                np.full(len(years) - 1, observed[0, i]), observed[1:, i]
            ),
        }
        for i, state in enumerate(kept)
    ]
    rows.append(
        {
            "state": "all",
            "mape_pct": calibrate.mape_pct(simulated[1:], observed[1:]),
            "end_error_pct": float(
                100 * np.mean(np.abs(simulated[-1] / observed[-1] - 1))
            ),
            "last_value_mape_pct": calibrate.mape_pct(
                np.broadcast_to(observed[0], observed[1:].shape), observed[1:]
            ),
        }
    )
    return pd.DataFrame(rows)
