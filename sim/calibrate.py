"""Calibration: fit scenario parameters to observed spending and crisis rates.

**Spending** (:func:`fit_spending`). Given yearly military spending of a group of
states (a file shaped like ``scenarios/data/milex.csv``: ``country, iso3, year`` and
a value column, read by :func:`read_panel`), the whole scenario is started at the
window's first year from the observed spending and GDP and stepped in
``dt_years``; the fitted states' values at each later year's start are compared
with the observed ones, and SciPy's ``least_squares`` fits the named parameters
(on levels or on logs, the user's choice). Choices made here, each documented
where it is made:

- every state not fitted follows its observed spending, and every state's GDP
  its observed path (:class:`Drivers`): exogenous forcing series, so a fitted
  state still faces its real rivals (gaps hold the last observation, a state
  with none its scenario values);
- ``steady_start`` is as the scenario says: with it, the starting burdens are a
  fixed point and spending moves with GDP and the rivals' burdens;
- spending in this model moves with the economy and the arms race (crises and
  alliances move it only through hostility, held at its start here), so the fit
  steps the engine's economy, spending rule and budget cap by themselves
  (:func:`spending_path`), far faster than the whole engine; a test checks the
  two agree.

Uncertainty comes from a residual bootstrap (Efron and Tibshirani 1993, ch. 9):
whole years of residuals are resampled (keeping the states' errors together),
added to the fitted path and the fit is repeated, with a seeded NumPy generator.
The holdout forecast restarts the model at the window's last year from the
observed spending, like the naive baselines it is compared with (last value held
constant; a straight line fitted to the window), by mean absolute percentage
error (MAPE), given the observed drivers (conditional) and without them (ex
ante); see :data:`METHODS` and ``docs/calibration.md``.

**Crisis rates** (:func:`fit_crisis_rates`): see its docstring.
"""

import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import least_squares, minimize

from sim import engine
from sim.design import DesignError, check_bounds, parse_range
from sim.dynamics import MECHANISMS, arms_race, economy
from sim.dynamics.escalation import RUNGS, WAR
from sim.dynamics.parameters import specs
from sim.executors import Executor, InProcess
from sim.experiments import ExperimentError, run_points
from sim.metrics import CLASH, MILITARISED
from sim.observed import ObservedError, numbers, read_observed
from sim.scenario import STATE_RANGES, Scenario, load_scenario

SCALES = ("logs", "levels")
LOG_FLOOR_USD_M = 1e-6
"""Spending floor before taking logs, US$ m (the model may cut spending to 0)."""
CONFIDENCE = 0.95
"""Coverage of the reported bootstrap intervals (a reporting choice)."""


class CalibrationError(ExperimentError):
    """Data or arguments that a calibration cannot use as given."""


@dataclass(frozen=True)
class Window:
    """Inclusive range of calendar years, e.g. ``1990:2012``."""

    first: int
    last: int

    @property
    def years(self) -> np.ndarray:
        """The years, shape (Y,)."""
        return np.arange(self.first, self.last + 1)

    def __str__(self) -> str:
        return f"{self.first}:{self.last}"


def parse_window(text: str, field: str = "window") -> Window:
    """Parse ``FIRST:LAST`` (inclusive years), e.g. ``1990:2012``.

    Args:
        text: The years, ``FIRST:LAST``.
        field: The argument the years are for (``window`` or ``holdout``), named
            in the error.
    """
    first, sep, last = text.partition(":")
    if not (sep and first.strip().isdigit() and last.strip().isdigit()):
        raise CalibrationError(
            f"{field} {text!r}: expected FIRST:LAST years", field=field
        )
    window = Window(int(first), int(last))
    if window.last <= window.first:
        raise CalibrationError(
            f"{field} {text}: the last year must come after the first", field=field
        )
    return window


def read_panel(
    path: str | Path, years: np.ndarray, *, value_column: str | None = None
) -> pd.DataFrame:
    """Read every state's yearly values from a ``country, iso3, year, value`` file.

    Args:
        path: A CSV file with columns ``iso3``, ``year`` and a value column.
        years: The years wanted, shape (Y,).
        value_column: The column holding the values; ``value`` if the file has
            one, else the column right after ``year`` (as in ``milex.csv``).

    Returns:
        A frame indexed by ``years`` with one column per state in the file
        (in file order), NaN where the file has no row.

    Raises:
        CalibrationError: The file is not a CSV, lacks a column, holds a value
            or year that is not a number (naming its line and column), or has
            two rows for one state and year (naming their lines).
    """
    table = _read_long(path, value_column)
    wide = table.pivot(index="year", columns="iso3", values="value")
    return wide.reindex(index=years, columns=list(dict.fromkeys(table["iso3"])))


def read_series(
    path: str | Path,
    states: list[str],
    years: np.ndarray,
    *,
    value_column: str | None = None,
    asked: str = "a window",
) -> pd.DataFrame:
    """Read yearly values of some states, every one of ``years`` required.

    Args:
        path: A CSV file with columns ``iso3``, ``year`` and a value column.
        states: ISO3 codes of the states wanted.
        years: The years wanted, shape (Y,); each state needs every one.
        value_column: As for :func:`read_panel`.
        asked: What gave ``years``, named where they fall outside the data
            (``"--window and --holdout"``).

    Returns:
        A frame indexed by year with one column per state, in ``states`` order.

    Raises:
        CalibrationError: Naming the file, line, column or state at fault.
    """
    name = Path(path).name
    table = _read_long(path, value_column)
    problems = []
    for state in states:
        have = table.loc[table["iso3"] == state, "year"]
        if have.empty:
            problems.append(
                f"{name}: no rows with iso3 {state!r}; states in the file: "
                + ", ".join(sorted(set(table["iso3"]) - {""}))
            )
        elif years[0] < have.min() or years[-1] > have.max():
            problems.append(
                f"{name}: years {years[0]}-{years[-1]} are outside the data for "
                f"{state} ({have.min()}-{have.max()}); choose {asked} within it"
            )
        elif missing := sorted(set(years) - set(have)):
            problems.append(
                f"{name}: {state} has no row for year(s) "
                + ", ".join(map(str, missing))
                + f" (needed for {years[0]}-{years[-1]})"
            )
    if problems:
        raise CalibrationError("\n  ".join(problems))
    wide = table.pivot(index="year", columns="iso3", values="value")
    return wide.loc[years, states]


def _read_long(path: str | Path, value_column: str | None) -> pd.DataFrame:
    """The file as ``iso3, year, value`` rows (index: file row), checked.

    Read by :func:`sim.observed.read_observed` (blank values are missing);
    two rows for one state and year are refused, naming their lines, and so
    is a value of 0 or below: spending and GDP are positive, and the model's
    growth and error measures divide by them.
    """
    try:
        rows = read_observed(path, value_column=value_column)
    except ObservedError as err:
        raise CalibrationError(str(err), field=err.field) from err
    table = rows.rename(columns={"state": "iso3"})
    doubled = table[table.duplicated(["iso3", "year"], keep=False)]
    if len(doubled):
        first = doubled.iloc[0]
        raise CalibrationError(
            f"{Path(path).name}: lines "
            + ", ".join(str(i + 2) for i in doubled.index[:4])
            + f": more than one row for {first['iso3']} {first['year']}; keep one",
            field="year",
        )
    below = table[table["value"] <= 0]
    if len(below):
        line, first = below.index[0] + 2, below.iloc[0]
        raise CalibrationError(
            f"{Path(path).name}: line {line} ({first['iso3']} {first['year']}): "
            f"{first['value']:g} is not above 0; spending and GDP are positive",
            field="value",
        )
    return table


@dataclass(frozen=True)
class FitParam:
    """A scenario field to fit, with its bounds (inclusive)."""

    path: str
    lo: float
    hi: float


def parse_fit(text: str) -> FitParam:
    """Parse ``PATH`` or ``PATH=LO:HI``; without bounds, the declared range is used.

    A mechanism parameter's declared range (``lo``/``hi`` of its ``param``), or
    a state number's, is its bound (:func:`declared_range`); a field with none
    is unbounded.
    """
    if "=" in text:
        try:
            r = parse_range(text, field="fit")
        except DesignError as err:
            raise CalibrationError(str(err), field="fit") from err
        return FitParam(r.path, float(r.lo), float(r.hi))
    lo, hi = declared_range(text)
    return FitParam(text, lo, hi)


def declared_range(path: str) -> tuple[float, float]:
    """Bounds of a parameter, or of a state's own number.

    ``mechanisms.M.NAME`` and ``state.ID.M.NAME`` take their ``param``'s;
    ``state.ID.FIELD`` its :data:`sim.scenario.STATE_RANGES`. Returns
    ``(-inf, inf)`` for other fields and unbounded parameters.
    """
    parts = path.split(".")
    if parts[0] == "state" and len(parts) == 3 and parts[2] in STATE_RANGES:
        return STATE_RANGES[parts[2]]
    mechanism, name = (parts[1], parts[2]) if len(parts) == 3 else (None, None)
    if parts[0] == "state" and len(parts) == 4:
        mechanism, name = parts[2], parts[3]
    spec = specs(MECHANISMS[mechanism]).get(name) if mechanism in MECHANISMS else None
    if spec is None:
        return (-math.inf, math.inf)
    lo, hi = spec[1].lo, spec[1].hi
    return (-math.inf if lo is None else lo, math.inf if hi is None else hi)


def field_value(scenario: Scenario, path: str) -> float:
    """Current numeric value of a field path (as used in overrides).

    Handles ``mechanisms.M.NAME``, ``state.ID.M.NAME`` (falling back to the
    mechanism's value), ``state.ID.FIELD`` and ``scenario.FIELD``.

    Raises:
        CalibrationError: The path names no numeric field of the scenario.
    """
    parts = path.split(".")
    value: Any = None
    if parts[0] == "mechanisms" and len(parts) == 3 and parts[1] in MECHANISMS:
        value = getattr(scenario.mechanisms[parts[1]], parts[2], None)
    elif (
        parts[0] == "state" and len(parts) in (3, 4) and parts[1] in scenario.state_ids
    ):
        state = scenario.states[scenario.state_index(parts[1])]
        if len(parts) == 3:
            value = getattr(state, parts[2], None)
        elif parts[2] in MECHANISMS:
            default = getattr(scenario.mechanisms[parts[2]], parts[3], None)
            value = state.overrides.get(parts[2], {}).get(parts[3], default)
    elif parts[0] == "scenario" and len(parts) == 2:
        value = getattr(scenario.info, parts[1], None)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise CalibrationError(
            f"{path}: not a numeric field of {scenario.path.name}; use "
            "mechanisms.MECHANISM.NAME, state.ID.MECHANISM.NAME or state.ID.FIELD"
        )
    return float(value)


def restrict(scenario: Scenario, state_ids: list[str]) -> Scenario:
    """The scenario with only the given states (in that order).

    Each engine step drops or trims the entries of its own sections that
    involve another state (:func:`sim.engine.restrict`).
    """
    unknown = [s for s in state_ids if s not in scenario.state_ids]
    if unknown:
        raise CalibrationError(
            f"{scenario.path.name}: no state {', '.join(unknown)}; states: "
            + ", ".join(scenario.state_ids)
        )
    return engine.restrict(scenario, state_ids)


def spending_path(
    setup: engine.Setup,
    steps: int,
    *,
    gdp: np.ndarray | None = None,
    forced: np.ndarray | None = None,
) -> np.ndarray:
    """Spending of every state at steps 0..steps, US$ m per year, (steps + 1, N).

    The engine's economy, spending rule (:func:`sim.engine.spending_choice`) and
    budget cap alone, at the scenario's hostility: without drivers it equals
    the ``milex`` of :func:`sim.engine.simulate` at a fraction of its cost when
    hostility stays put (``[mechanisms.hostility] enabled = false``); with
    hostility moving (crises, signals) it is the path those events would leave
    undisturbed.

    Args:
        setup: The run's setup.
        steps: Steps to take.
        gdp: GDP at every step, (steps + 1, N), in place of the economy's
            projection (observed GDP); row 0 must be the scenario's.
        forced: Spending at every step, (steps + 1, N), for the states it gives
            (elsewhere NaN): observed spending of states not fitted, which the
            others perceive but which the model does not choose.
    """
    world = engine.initial_world(setup, np.arange(1))
    arms = setup.params.arms_race
    milex = world.milex
    path = []
    for step in range(steps + 1):
        if forced is not None:
            milex = np.where(np.isnan(forced[step]), milex, forced[step])
        path.append(milex[0])
        if step == steps:
            break
        world = world.replace(milex=milex)
        gdp_next = engine.next_gdp(world, setup) if gdp is None else gdp[None, step + 1]
        choice = engine.spending_choice(world, setup, gdp_next)
        milex = arms_race.apply_budget(choice, gdp_next, arms)
        world = world.replace(gdp=gdp_next, step=world.step + 1)
    return np.array(path)


@dataclass(frozen=True)
class Drivers:
    """Observed series that drive a spending fit from outside (exogenous).

    Attributes:
        gdp: GDP per year, US$ m (index years, columns ISO3), NaN where not
            observed; every state's GDP follows it in place of the economy's
            projection. None: the scenario's economy.
        milex: Spending per year, US$ m, of any states; a state not fitted
            follows it as a forcing series. None: states not fitted hold
            their scenario spending.

    A gap in a series holds the last observed value (before the first
    observation, the first); a state with no observation at all holds its
    scenario value. Both are modelling choices, for series such as Viet Nam's
    (no SIPRI figures 1995-2002, 2019-2024) or North Korea's (none).
    """

    gdp: pd.DataFrame | None = None
    milex: pd.DataFrame | None = None


@dataclass(frozen=True)
class RunInputs:
    """What one run of :class:`SpendingModel` starts from and is driven by.

    Attributes:
        start_milex: Spending at the start per scenario state, US$ m, (N,);
            NaN keeps the scenario's value.
        gdp: GDP at the start of each year, (Y, N), or None for the economy's
            projection.
        forced: Spending of forced states each year, (Y, N), NaN elsewhere.
    """

    start_milex: np.ndarray
    gdp: np.ndarray | None
    forced: np.ndarray


@dataclass(frozen=True)
class SpendingModel:
    """Simulates yearly spending of a scenario's states for parameter values.

    Attributes:
        scenario: The scenario file.
        states: The fitted states, in order.
        params: The fitted parameters, in order.
        settings: Field path to value applied to every run (``--set``).
        state_ids: Every state of the scenario, in its order.
    """

    scenario: Path
    states: tuple[str, ...]
    params: tuple[FitParam, ...]
    settings: dict[str, Any]
    state_ids: tuple[str, ...]
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def fitted(self) -> np.ndarray:
        """Positions of the fitted states on the scenario's state axis, (F,)."""
        return np.array([self.state_ids.index(s) for s in self.states], dtype=int)

    def yearly(self, theta: np.ndarray, start_year: int, run: RunInputs) -> np.ndarray:
        """Spending of every state at the start of each year, (Y, N).

        Args:
            theta: Values of the fitted parameters, shape (P,).
            start_year: Calendar year of the first row.
            run: Starting spending and drivers (:meth:`inputs`); its ``forced``
                has one row per year wanted.
        """
        key = (start_year, id(run))
        if key not in self._cache:
            self._cache[key] = (run, self._setup(start_year, run, {}))
        setup = self._cache[key][1]
        if all(_is_fast(p.path) for p in self.params):
            setup = _with_reactions(setup, self.params, theta)
        else:
            values = {p.path: float(v) for p, v in zip(self.params, theta, strict=True)}
            setup = self._setup(start_year, run, values)
        per_year = steps_per_year(setup.dt_years)
        gdp = None if run.gdp is None else economy.interpolate(run.gdp, per_year)
        forced = economy.interpolate(run.forced, per_year)
        steps = (len(run.forced) - 1) * per_year
        return spending_path(setup, steps, gdp=gdp, forced=forced)[::per_year]

    def _setup(
        self, start_year: int, run: RunInputs, values: dict[str, float]
    ) -> engine.Setup:
        """The run's setup: the scenario from ``run``'s start, with ``values``."""
        overrides = {**self.settings, "scenario.start_year": start_year}
        for i, state in enumerate(self.state_ids):
            if not np.isnan(run.start_milex[i]):
                overrides[f"state.{state}.milex_usd_m"] = float(run.start_milex[i])
            if run.gdp is not None:
                overrides[f"state.{state}.gdp_usd_m"] = float(run.gdp[0, i])
        overrides.update(values)
        return engine.build_setup(load_scenario(self.scenario, overrides=overrides))

    def inputs(
        self,
        observed: pd.DataFrame,
        drivers: Drivers,
        years: np.ndarray,
        *,
        projected_from: int | None = None,
    ) -> RunInputs:
        """Starting spending and drivers of a run over ``years``.

        Args:
            observed: Spending of the fitted states (index years).
            drivers: Observed GDP and the other states' spending.
            years: The run's years, shape (Y,).
            projected_from: None for drivers as observed (a conditional
                forecast). A year: drivers known only up to it (an ex ante
                forecast): GDP grows after it at its mean log growth of the
                :data:`TRAILING_YEARS` years before
                (:func:`sim.dynamics.economy.trailing_growth`), and forced states
                keep that year's burden.
        """
        n = len(self.state_ids)
        base = load_scenario(self.scenario, overrides=self.settings)
        gdp = None
        if drivers.gdp is not None:
            fallback = [s.gdp_usd_m for s in base.states]
            gdp = _filled(drivers.gdp, self.state_ids, years, fallback, projected_from)
        forced = np.full((len(years), n), np.nan)
        others = [i for i in range(n) if i not in set(self.fitted)]
        fallback = [s.milex_usd_m for s in base.states]
        if drivers.milex is not None:
            spend = _filled(drivers.milex, self.state_ids, years, fallback, None)
        else:
            spend = np.tile(fallback, (len(years), 1))
        forced[:, others] = spend[:, others]
        if projected_from is not None and gdp is not None:
            later = years > projected_from
            known = int(np.flatnonzero(~later)[-1])
            forced[later] = forced[known] * gdp[later] / gdp[known]
        start = forced[0].copy()
        start[self.fitted] = observed.loc[years[0], list(self.states)].to_numpy()
        return RunInputs(start, gdp, forced)


FAST_PARAMS = ("reaction_per_year", "fatigue_per_year")
"""Per-state arms-race parameters a fit sets without reloading the scenario."""


def _is_fast(path: str) -> bool:
    """Whether ``path`` is ``state.ID.arms_race.NAME`` with NAME in FAST_PARAMS."""
    parts = path.split(".")
    return (
        len(parts) == 4
        and parts[0] == "state"
        and parts[2] == "arms_race"
        and (parts[3] in FAST_PARAMS)
    )


def _with_reactions(
    setup: engine.Setup, params: tuple[FitParam, ...], theta: np.ndarray
) -> engine.Setup:
    """The setup with per-state reactions and fatigues set (as a reload would)."""
    arms = setup.params.arms_race
    n = setup.n_states
    ids = setup.scenario.state_ids
    values = {
        name: np.broadcast_to(getattr(arms, name), (n,)).astype(float)
        for name in FAST_PARAMS
    }
    for p, v in zip(params, theta, strict=True):
        _, state, _, name = p.path.split(".")
        values[name][ids.index(state)] = float(v)
    arms = replace(arms, **values)
    states = setup.scenario.states
    grievance = engine.starting_grievance(
        np.array([s.milex_usd_m for s in states]),
        setup.gdp_start,
        setup.hostility,
        arms,
    )
    return replace(
        setup, params=setup.params.replace(arms_race=arms), grievance=grievance
    )


TRAILING_YEARS = 10
"""Years of observed GDP whose mean log growth projects it in an ex ante
forecast (a modelling choice; the window's length less one if shorter)."""


def _filled(
    panel: pd.DataFrame,
    state_ids: tuple[str, ...],
    years: np.ndarray,
    fallback: list[float],
    projected_from: int | None,
) -> np.ndarray:
    """A driver series over ``years`` for every state, gaps filled, (Y, N).

    Gaps hold the last observation (the first before it starts); a state with
    none holds ``fallback``. With ``projected_from``, values after that year
    are projected at the trailing growth of the years before.
    """
    known = years if projected_from is None else years[years <= projected_from]
    history = np.arange(min(panel.index.min(), known[0]), known[-1] + 1)
    table = panel.reindex(index=history, columns=list(state_ids)).ffill().bfill()
    table = table.fillna(pd.Series(fallback, index=list(state_ids)))
    values = table.loc[known].to_numpy(dtype=float)
    if len(known) == len(years):
        return values
    span = min(TRAILING_YEARS, len(history) - 1)
    growth = economy.trailing_growth(table.to_numpy(dtype=float), span)
    ahead = (years[len(known) :] - known[-1])[:, None]
    return np.concatenate([values, values[-1] * np.exp(growth * ahead)])


def steps_per_year(dt_years: float) -> int:
    """Whole steps in a year; fails unless ``1 / dt_years`` is a whole number."""
    steps = round(1.0 / dt_years)
    if steps < 1 or abs(steps * dt_years - 1.0) > 1e-9:
        raise CalibrationError(
            f"dt_years {dt_years}: calibration compares yearly values, so a "
            "year must be a whole number of steps (e.g. 0.25, 0.5, 1)"
        )
    return steps


METHODS = {
    "model": "model",
    "model, ex ante": "model_ex_ante",
    "last value": "last_value",
    "linear trend": "linear_trend",
    "constant burden": "constant_burden",
}
"""Forecasts compared, by name and by column of :attr:`SpendingFit.series`."""
NAIVE = ("last value", "linear trend")
"""The naive baselines the model must beat (they use no data after the window)."""


@dataclass(frozen=True)
class SpendingFit:
    """What :func:`fit_spending` found.

    Attributes:
        params: Fitted parameters, one row each: ``path``, ``value``, ``start``
            (initial value), ``lo``/``hi`` (bounds), ``stderr`` and the
            bootstrap interval ``ci_lo``/``ci_hi``, ``on_bound`` and
            ``identified`` (False: the data cannot move it).
        errors: One row per method of :data:`METHODS`: ``window_mape_pct`` and
            ``holdout_mape_pct`` over all fitted states, then
            ``holdout_mape_pct_ID`` per state. ``model`` is the forecast given
            the observed drivers in the holdout (conditional, ex post);
            ``model, ex ante`` knows nothing after the window (GDP projected
            at its trailing growth, other states at their last burden);
            ``constant burden`` is the window's last burden times observed GDP.
        series: One row per (year, state), a column per method and
            ``observed``; ``part`` says ``window`` or ``holdout``.
        scale: ``logs`` or ``levels``.
        cost: Half the sum of squared residuals at the fit (in ``scale``).
        bootstrap: Bootstrap refits made.
    """

    params: pd.DataFrame
    errors: pd.DataFrame
    series: pd.DataFrame
    scale: str
    cost: float
    bootstrap: int

    def summary(self) -> str:
        """A plain-text report: fitted values with intervals, then the errors."""
        pct = int(CONFIDENCE * 100)
        lines = [f"fitted on {self.scale}, {self.bootstrap} bootstrap refits:"]
        width = max(len(p) for p in self.params["path"])
        for row in self.params.itertuples():
            flags = ("  on its bound" if row.on_bound else "") + (
                "" if row.identified else "  NOT IDENTIFIED: the fit cannot move it"
            )
            lines.append(
                f"  {row.path:<{width}}  {row.value:12.5g}  "
                f"(s.e. {row.stderr:.3g}; {pct}% {row.ci_lo:.4g} .. {row.ci_hi:.4g})"
                + flags
            )
        states = [c.removeprefix("holdout_mape_pct_") for c in self._per_state]
        heads = "  ".join(f"{s:>6}" for s in states)
        lines.append(f"MAPE %             window  holdout  {heads}")
        for row in self.errors.itertuples(index=False):
            each = "  ".join(f"{getattr(row, c):6.1f}" for c in self._per_state)
            lines.append(
                f"  {row.method:<16} {row.window_mape_pct:6.2f}  "
                f"{row.holdout_mape_pct:7.2f}  {each}"
            )
        if not np.isnan(self.errors["holdout_mape_pct"]).all():
            verdict = "beats" if self.beats_baselines() else "does not beat"
            lines.append(f"the model {verdict} both naive baselines on the holdout")
        return "\n".join(lines)

    @property
    def _per_state(self) -> list[str]:
        return [c for c in self.errors.columns if c.startswith("holdout_mape_pct_")]

    def beats_baselines(self) -> bool:
        """Whether the model's holdout MAPE is below both naive baselines'."""
        mape = self.errors.set_index("method")["holdout_mape_pct"]
        return bool(mape["model"] < mape[list(NAIVE)].min())


def fit_spending(
    scenario: str | Path,
    observed: pd.DataFrame,
    params: list[FitParam],
    window: Window,
    *,
    holdout: Window | None = None,
    drivers: Drivers | None = None,
    scale: str = "logs",
    bootstrap: int = 100,
    seed: int = 0,
    settings: dict[str, Any] | None = None,
) -> SpendingFit:
    """Fit parameters to observed yearly spending, with uncertainty and forecast.

    The whole scenario runs: the fitted states follow the model, every other
    state follows ``drivers.milex`` (a forcing series), and GDP follows
    ``drivers.gdp``, so fitting KOR and JPN sees the observed CHN and USA.

    Args:
        scenario: The scenario file; it must declare every observed state.
        observed: Yearly spending, index years, one column per fitted state
            (from :func:`read_series`), covering the window and the holdout.
        params: The parameters to fit.
        window: Years fitted.
        holdout: Years forecast from the window's last year, or None.
        drivers: Observed GDP and spending of the other states (None: the
            scenario's economy and spending).
        scale: ``logs`` fits log spending (relative errors, so large and small
            spenders weigh alike); ``levels`` fits US$ m (large spenders dominate).
        bootstrap: Residual-bootstrap refits for the uncertainty (0 for none).
        seed: Seed of the bootstrap's resampling.
        settings: Field path to value applied to every run.

    Returns:
        The fit, its uncertainty and its errors next to naive baselines.

    Raises:
        CalibrationError: Bad arguments (window, scale, paths).
        ScenarioError: The scenario, an override or a bound of a parameter is
            invalid (:func:`check_bounds`).
    """
    if scale not in SCALES:
        raise CalibrationError(
            f"scale {scale!r}: use one of {', '.join(SCALES)}", field="scale"
        )
    if bootstrap < 0:
        raise CalibrationError(
            f"bootstrap {bootstrap}: must be >= 0 refits", field="bootstrap"
        )
    if not params:
        raise CalibrationError(
            "params: name at least one parameter to fit", field="params"
        )
    if holdout is not None and holdout.first != window.last + 1:
        raise CalibrationError(
            f"holdout {holdout}: must start the year after the window ({window})",
            field="holdout",
        )
    states = tuple(observed.columns)
    base = load_scenario(scenario, overrides=settings)
    restrict(base, list(states))  # fails naming unknown states
    x0 = np.array([_start_value(base, p, states) for p in params])
    check_bounds(scenario, params, settings)
    model = SpendingModel(
        Path(scenario), states, tuple(params), dict(settings or {}), base.state_ids
    )
    drivers = drivers or Drivers()
    run = model.inputs(observed, drivers, window.years)
    obs = observed.loc[window.years].to_numpy(dtype=float)  # (Y, F)
    transform = _transform(scale)

    def path(theta: np.ndarray) -> np.ndarray:
        return model.yearly(theta, window.first, run)[:, model.fitted]

    def residuals(theta: np.ndarray, target: np.ndarray) -> np.ndarray:
        return (transform(path(theta)[1:]) - target).ravel()

    lo = np.array([p.lo for p in params])
    hi = np.array([p.hi for p in params])
    target = transform(obs[1:])  # (Y - 1, F)
    best = least_squares(residuals, x0, bounds=(lo, hi), args=(target,), x_scale="jac")
    fitted = transform(path(best.x)[1:])
    resid = target - fitted  # (Y - 1, F)
    draws = _bootstrap(residuals, best.x, (lo, hi), fitted, resid, bootstrap, seed)
    table = _param_table(params, best.x, x0, draws, np.linalg.norm(best.jac, axis=0))
    series = _compare(model, best.x, observed, drivers, window, holdout)
    errors = _errors(series, states)
    return SpendingFit(table, errors, series, scale, float(best.cost), bootstrap)


def _start_value(scenario: Scenario, param: FitParam, states: tuple[str, ...]) -> float:
    """The fit's initial value: the scenario's value, moved inside the bounds."""
    parts = param.path.split(".")
    if parts[0] == "state" and len(parts) > 1 and parts[1] not in states:
        raise CalibrationError(
            f"params {param.path}: state {parts[1]} is not among the calibrated "
            f"states ({', '.join(states)})",
            field="params",
        )
    if not param.lo < param.hi:
        raise CalibrationError(
            f"params {param.path}: lo {param.lo} is not below hi {param.hi}; a fit "
            "needs a range (to fix a value, set it)",
            field="params",
        )
    value = field_value(scenario, param.path)
    return float(np.clip(value, param.lo, param.hi))


def _transform(scale: str):
    if scale == "levels":
        return lambda x: x
    return lambda x: np.log(np.maximum(x, LOG_FLOOR_USD_M))


def _bootstrap(residuals, theta, bounds, fitted, resid, count, seed) -> np.ndarray:
    """Refit to ``fitted`` plus whole years of resampled residuals, (count, P)."""
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(count):
        rows = rng.integers(0, len(resid), size=len(resid))  # (Y - 1,)
        target = fitted + resid[rows]
        draws.append(
            least_squares(
                residuals, theta, bounds=bounds, args=(target,), x_scale="jac"
            ).x
        )
    return np.array(draws).reshape(count, len(theta))


IDENTIFIED_MIN = 1e-8
"""Smallest norm of a parameter's column of the residuals' Jacobian at the fit
for it to count as moving the fit; below, the data cannot identify it."""


def _param_table(params, values, starts, draws, sensitivity) -> pd.DataFrame:
    """One row per parameter: value, start, bounds, bootstrap spread and flags.

    ``on_bound`` marks a value at its bound; ``identified`` is False where the
    fitted path does not move with the parameter (its Jacobian column is
    about 0), e.g. a reaction to a rival whose spending is held constant.
    """
    tail = (1.0 - CONFIDENCE) / 2 * 100
    has = len(draws) > 1
    lo = np.array([p.lo for p in params])
    hi = np.array([p.hi for p in params])
    return pd.DataFrame(
        {
            "path": [p.path for p in params],
            "value": values,
            "start": starts,
            "lo": [p.lo for p in params],
            "hi": [p.hi for p in params],
            "stderr": draws.std(axis=0, ddof=1) if has else np.nan,
            "ci_lo": np.percentile(draws, tail, axis=0) if has else np.nan,
            "ci_hi": np.percentile(draws, 100 - tail, axis=0) if has else np.nan,
            "on_bound": np.isclose(values, lo) | np.isclose(values, hi),
            "identified": sensitivity > IDENTIFIED_MIN,
        }
    )


def mape_pct(forecast: np.ndarray, observed: np.ndarray) -> float:
    """Mean absolute percentage error, %: ``100 * mean(|f - o| / |o|)``.

    NaN when there is nothing to compare (no rows, or a method not made).
    """
    forecast = np.asarray(forecast, dtype=float)
    observed = np.asarray(observed, dtype=float)
    if not len(observed) or np.isnan(forecast).all():
        return math.nan
    return float(100.0 * np.mean(np.abs(forecast - observed) / np.abs(observed)))


def _compare(model, theta, observed, drivers, window, holdout) -> pd.DataFrame:
    """Model paths and baselines in the window and the holdout, one row per cell."""
    obs_w = observed.loc[window.years].to_numpy(dtype=float)  # (Y, F)
    run = model.inputs(observed, drivers, window.years)
    fit_w = model.yearly(theta, window.first, run)
    slope, intercept = np.polyfit(window.years, obs_w, 1)  # (F,), (F,)
    parts = [
        (
            "window",
            window.years,
            {
                "observed": obs_w,
                "model": fit_w[:, model.fitted],
                "linear_trend": intercept + slope * window.years[:, None],
            },
        )
    ]
    if holdout is not None:
        years = np.arange(window.last, holdout.last + 1)
        conditional = model.inputs(observed, drivers, years)
        columns = {
            "observed": observed.loc[holdout.years].to_numpy(dtype=float),
            "model": model.yearly(theta, window.last, conditional)[1:, model.fitted],
            "last_value": np.tile(obs_w[-1], (len(holdout.years), 1)),
            "linear_trend": intercept + slope * holdout.years[:, None],
        }
        if conditional.gdp is not None:
            ex_ante = model.inputs(observed, drivers, years, projected_from=window.last)
            run = model.yearly(theta, window.last, ex_ante)
            columns["model_ex_ante"] = run[1:, model.fitted]
            gdp = conditional.gdp[:, model.fitted]
            columns["constant_burden"] = obs_w[-1] * gdp[1:] / gdp[0]
        parts.append(("holdout", holdout.years, columns))
    rows = []
    for part, years, columns in parts:
        blank = np.full((len(years), len(observed.columns)), np.nan)
        for i, state in enumerate(observed.columns):
            frame = {"part": part, "year": years, "state": state}
            for column in ("observed", *METHODS.values()):
                frame[column] = columns.get(column, blank)[:, i]
            rows.append(pd.DataFrame(frame))
    return pd.concat(rows, ignore_index=True)


def _errors(series: pd.DataFrame, states: tuple[str, ...]) -> pd.DataFrame:
    """MAPE of each method in the window (after its first year) and the holdout."""
    window = series[
        (series["part"] == "window") & (series["year"] > series["year"].min())
    ]
    holdout = series[series["part"] == "holdout"]
    rows = []
    for method, column in METHODS.items():
        row: dict[str, Any] = {"method": method}
        row["window_mape_pct"] = mape_pct(window[column], window["observed"])
        row["holdout_mape_pct"] = mape_pct(holdout[column], holdout["observed"])
        for state in states:
            mine = holdout[holdout["state"] == state]
            row[f"holdout_mape_pct_{state}"] = mape_pct(mine[column], mine["observed"])
        rows.append(row)
    return pd.DataFrame(rows)


DISPUTE_RUNG = MILITARISED
"""Lowest peak rung of a simulated crisis counted as a militarised dispute: a
show of force. A MID needs at least a threat or display of force (COW hostility
level 2-3; 86 of the 89 such disputes among the baseline's states in 1990-2014
are displays); a diplomatic protest (rung 1) is not one. A modelling choice;
``--dispute-rung`` changes it."""
FORCE_RUNG = CLASH
"""Lowest peak rung counted as use of force: a limited clash (COW hostility
level 4: blockade, seizure, clash, raid). Rung 3 (militarised dispute: alerts,
mobilisation, shows of force that stop short of firing) stays a display (level
3). A modelling choice; ``--force-rung`` changes it."""
WAR_RUNG = 5
"""Peak rung counted as war: major war (COW hostility level 5)."""
CRISIS_REPLICATIONS = 100
"""Replications per evaluation of a crisis-rate fit when not given."""
MID_COLUMNS = ("start_year", "side_a", "side_b", "hostlev")
USE_OF_FORCE_HOSTLEV = 4
WAR_HOSTLEV = 5
LEVELS = ("disputes", "force", "war")
"""The three levels of the record, in this order."""
MOMENTS = (*LEVELS, "joined")
"""What a crisis fit matches: the three levels, then the pairs drawn in."""


@dataclass(frozen=True)
class CrisisRates:
    """Observed counts of militarised disputes, uses of force and wars.

    Attributes:
        disputes: Disputes starting in the window.
        force: Those reaching use of force (COW ``hostlev`` >= 4).
        years: Years in the window.
        war: Those reaching war (``hostlev`` 5).
        dyads: Disputes per unordered pair of the states (``"A-B"``, A < B); a
            dispute with several states a side counts for each pair across it.
        first_year: The window's first calendar year.
        yearly: Disputes, uses of force and wars starting in each year of the
            window, (years, 3) (empty where not known, as for counts given
            by hand).
        joined: Pairs drawn into a dispute another pair began: over the
            disputes, the pairs across each beyond its first (two states on
            one side and one on the other add one).
    """

    disputes: int
    force: int
    years: int
    war: int = 0
    dyads: dict[str, int] = field(default_factory=dict)
    first_year: int = 0
    yearly: np.ndarray = field(default_factory=lambda: np.zeros((0, 3), dtype=int))
    joined: int = 0

    def span(self, first: int, last: int) -> "CrisisRates":
        """The counts of years ``first`` to ``last`` of the window (0 its first)."""
        part = self.yearly[first : last + 1]
        disputes, force, war = (int(n) for n in part.sum(axis=0))
        return CrisisRates(
            disputes=disputes,
            force=force,
            years=len(part),
            war=war,
            first_year=self.first_year + first,
            yearly=part,
        )

    def counts(self) -> np.ndarray:
        """Disputes, uses of force and wars, shape (3,) (:data:`LEVELS`)."""
        return np.array([self.disputes, self.force, self.war], dtype=float)

    def rates(self) -> np.ndarray:
        """Disputes, uses of force and wars per year, shape (3,)."""
        return self.counts() / self.years

    def moment_counts(self) -> np.ndarray:
        """What a crisis fit matches, as counts, shape (4,) (:data:`MOMENTS`)."""
        return np.append(self.counts(), self.joined)

    def moments(self) -> np.ndarray:
        """What a crisis fit matches, per year, shape (4,) (:data:`MOMENTS`)."""
        return self.moment_counts() / self.years

    def intervals(self) -> np.ndarray:
        """Exact 95% Poisson intervals of the three rates, shape (3, 2), per year."""
        return poisson_interval(self.counts(), self.years)


def moment_sd(observed: CrisisRates) -> np.ndarray:
    """Poisson standard deviation of each rate a crisis fit matches, shape (4,).

    ``sqrt(count) / years`` per :data:`MOMENTS`, a count of none taken as one
    event, so that a rate the record never saw still has a finite weight.
    """
    return np.sqrt(np.maximum(observed.moment_counts(), 1.0)) / observed.years


def poisson_interval(counts, years: float) -> np.ndarray:
    """Exact 95% intervals of Poisson counts as rates per year, shape + (2,).

    Garwood's (1936) chi-squared interval of a Poisson count, over the years.
    """
    from scipy.stats import chi2  # slow to import; only this needs it

    counts = np.asarray(counts, dtype=float)
    tail = (1.0 - CONFIDENCE) / 2
    lo = np.where(counts > 0, chi2.ppf(tail, 2 * counts) / 2, 0.0)
    hi = chi2.ppf(1 - tail, 2 * (counts + 1)) / 2
    return np.stack([lo, hi], axis=-1) / years


def dyad_key(a: str, b: str) -> str:
    """The name of the unordered pair of states ``a`` and ``b``: ``"A-B"``, A < B."""
    return "-".join(sorted((a, b)))


def read_text_table(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    """A CSV file as text (no value read as missing), which must have ``columns``.

    Raises:
        CalibrationError: A file that cannot be read as CSV, or a missing
            column, naming the file.
    """
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as err:
        raise CalibrationError(f"{path}: cannot read it as CSV: {err}") from err
    missing = [c for c in columns if c not in raw.columns]
    if missing:
        raise CalibrationError(
            f"{path.name}: no column {missing[0]!r}; expected {', '.join(columns)}"
        )
    return raw


def whole_columns(raw: pd.DataFrame, columns, name: str) -> dict[str, pd.Series]:
    """Text columns of a record file as integers, by column.

    Raises:
        CalibrationError: A value that is not a whole number, naming the file
            (``name``), its line and the column.
    """
    try:
        return {c: numbers(raw, c, name, whole=True).astype(int) for c in columns}
    except ObservedError as err:
        raise CalibrationError(str(err), field=err.field) from err


def check_window(window: Window, start: pd.Series, what: str) -> None:
    """Refuse a window reaching outside the years ``start`` spans (of ``what``).

    Raises:
        CalibrationError: ``window A:B: outside the years of WHAT (FIRST-LAST)``.
    """
    first, last = int(start.min()), int(start.max())
    if window.first < first or window.last > last:
        raise CalibrationError(
            f"window {window}: outside the years of {what} ({first}-{last})",
            field="window",
        )


def disputes_among(path: str | Path, states: list[str], window: Window) -> pd.DataFrame:
    """The disputes of a ``mids.csv`` among ``states`` starting in the window.

    A dispute counts when some of the states is on each side (``side_a`` and
    ``side_b`` list ISO3 codes separated by ``;``).

    Returns:
        Those rows, in file order and with the file's row labels (line - 2),
        ``start_year`` and ``hostlev`` as integers and ``side_a`` and
        ``side_b`` as lists of the states on each side.

    Raises:
        CalibrationError: A missing column, a non-number (naming the line), or
            a window outside the file's years.
    """
    path = Path(path)
    raw = read_text_table(path, MID_COLUMNS)
    codes = whole_columns(raw, ("start_year", "hostlev"), path.name)
    check_window(window, codes["start_year"], path.name)
    keep = set(states)

    def ours(sides: str) -> list[str]:
        return [s for s in sides.split(";") if s in keep]

    rows = raw.assign(
        **codes,
        side_a=raw["side_a"].map(ours),
        side_b=raw["side_b"].map(ours),
    )
    counted = (
        rows["start_year"].between(window.first, window.last)
        & rows["side_a"].map(bool)
        & rows["side_b"].map(bool)
    )
    return rows[counted.to_numpy()]


def read_mids(path: str | Path, states: list[str], window: Window) -> CrisisRates:
    """Count the disputes of a ``mids.csv`` among ``states`` starting in the window.

    The disputes are :func:`disputes_among`'s, whose errors it raises.
    """
    rows = disputes_among(path, states, window)
    dyads: dict[str, int] = {}
    joined = 0
    for a_side, b_side in zip(rows["side_a"], rows["side_b"], strict=True):
        across = {dyad_key(a, b) for a in a_side for b in b_side if a != b}
        joined += max(len(across) - 1, 0)
        for key in across:
            dyads[key] = dyads.get(key, 0) + 1
    level = rows["hostlev"].to_numpy()
    reached = np.stack(  # each level a dispute reached: dispute, force, war
        [level >= 0, level >= USE_OF_FORCE_HOSTLEV, level >= WAR_HOSTLEV], axis=1
    )
    year = rows["start_year"].to_numpy() - window.first
    yearly = np.zeros((len(window.years), len(LEVELS)), dtype=int)
    np.add.at(yearly, year, reached.astype(int))
    disputes, force, war = (int(n) for n in yearly.sum(axis=0))
    return CrisisRates(
        disputes=disputes,
        force=force,
        years=len(window.years),
        war=war,
        dyads=dyads,
        first_year=window.first,
        yearly=yearly,
        joined=joined,
    )


@dataclass(frozen=True)
class CrisisFit:
    """What :func:`fit_crisis_rates` found.

    Attributes:
        params: One row per parameter: ``path``, ``start``, ``value``, its
            standard error ``se`` and 95% interval ``low``/``high`` (NaN where
            the rates do not move with it: ``identified`` false).
        rates: Rows :data:`MOMENTS`: ``observed`` per year with its 95%
            interval ``observed_lo``/``observed_hi``, ``simulated_start`` and
            ``simulated`` (at the fit) per year.
        dyads: Per pair of states (``"A-B"``): ``observed`` disputes and
            ``simulated`` crises reaching the dispute rung, per year, at the fit.
        back_downs: Per state, crises it backed down in alone at the fit
            (challenger or defender), over all replications.
        states: Per state, the ``dyads`` summed over its pairs, with the
            record's 95% interval and whether the fit falls in it
            (:func:`state_rates`).
        evaluations: Ensembles run by the search and the intervals.
        trend: Disputes and uses of force per year by window of years, model
            at the fit beside the record (:func:`trend`); empty where the
            record has no yearly counts.
        crises: The crisis records among the states at the fit, all
            replications (:func:`crises_among`), e.g. for
            :func:`sim.dispute_course.model_course`.
    """

    params: pd.DataFrame
    rates: pd.DataFrame
    dyads: pd.DataFrame
    back_downs: pd.Series
    states: pd.DataFrame
    evaluations: int
    trend: pd.DataFrame = field(default_factory=pd.DataFrame)
    crises: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def spearman(self) -> float:
        """Spearman's rank correlation of model and record over all pairs."""
        from scipy.stats import spearmanr

        return float(spearmanr(self.dyads["simulated"], self.dyads["observed"])[0])

    def summary(self) -> str:
        """Fitted values with intervals and the rates they give, as plain text."""
        lines = ["fitted (95% interval, method of simulated moments):"]
        for row in self.params.itertuples():
            spread = (
                f"s.e. {row.se:.3g}; 95% {row.low:.4g} .. {row.high:.4g}"
                if row.identified
                else "NOT IDENTIFIED: the rates do not move with it"
            )
            lines.append(
                f"  {row.path} = {row.value:.5g}  ({spread}; from {row.start:.5g})"
            )
        lines.append("per year       observed (95% interval)    simulated (at start)")
        for row in self.rates.itertuples():
            lines.append(
                f"  {row.Index:<10} {row.observed:8.3f} ({row.observed_lo:.3f}-"
                f"{row.observed_hi:.3f})  {row.simulated:8.3f} "
                f"({row.simulated_start:.3f})"
            )
        lines.append(
            f"dyads: Spearman {self.spearman:.2f} between simulated crises and "
            f"recorded disputes over {len(self.dyads)} pairs"
        )
        backed = ", ".join(f"{s} {n}" for s, n in self.back_downs.items())
        lines.append(f"backed down alone (crises, all replications): {backed}")
        outside = self.states[~self.states["inside"]]
        lines.append(
            "states outside the record's interval (disputes a year over their "
            "pairs, simulated vs observed): "
            + (
                ", ".join(
                    f"{state} {row.simulated:.3f} vs {row.observed:.3f} "
                    f"({row.observed_lo:.3f}-{row.observed_hi:.3f})"
                    for state, row in outside.iterrows()
                )
                or "none"
            )
        )
        if len(self.trend):
            lines.append("by window, per year: disputes / force, simulated")
            lines.append("  vs observed (95% interval); * outside it")
        for row in self.trend.itertuples():
            cells = [
                f"{getattr(row, f'{level}_simulated'):.2f}"
                f"{'' if getattr(row, f'{level}_inside') else '*'} vs "
                f"{getattr(row, level):.2f} ({getattr(row, f'{level}_lo'):.2f}-"
                f"{getattr(row, f'{level}_hi'):.2f})"
                for level in LEVELS[:2]
            ]
            lines.append(
                f"  years {row.model_years:<6} {row.record_years:<10} "
                + " / ".join(cells)
            )
        return "\n".join(lines)


def fit_crisis_rates(
    scenario: str | Path,
    observed: CrisisRates,
    params: list[FitParam],
    *,
    states: list[str] | None = None,
    replications: int = CRISIS_REPLICATIONS,
    seed: int = 0,
    settings: dict[str, Any] | None = None,
    dispute_rung: int = DISPUTE_RUNG,
    force_rung: int = FORCE_RUNG,
    war_rung: int = WAR_RUNG,
    steps: int | None = None,
    max_evaluations: int = 60,
    executor: Executor | None = None,
    chunk_size: int | None = None,
) -> CrisisFit:
    """Fit crisis parameters to the observed rates of disputes, force, war, joiners.

    The scenario runs ``replications`` times over the record's span (``steps``
    defaults to the window's years) with the batch engine at each trial value;
    a simulated rate is the number of crises (among ``states``) whose peak
    reached ``dispute_rung`` (resp. ``force_rung``, ``war_rung``) per
    replication and year, and the number of those opened by entrapment that
    reached ``dispute_rung``, matched with the record's pairs drawn into a
    dispute another pair began (:data:`MOMENTS`): a dispute of the record is
    counted once however many states join it, so the levels must not be met by
    allies pulled in. Nelder-Mead (within the bounds) minimises the summed
    squared errors of the four rates, each over its Poisson standard deviation
    (:func:`moment_sd`): inverse-variance weights, the efficient ones for
    independent moments (Hansen 1982), so an error of 10% in a rate counted
    from 157 disputes weighs 157 times as much as one in a rate counted from a
    single war. With as many parameters as rates the weights do not move the
    fit; with fewer (a rate left to the model, such as war with the war cost
    held) they keep a rate the record barely pins from pulling the others off
    theirs. Every evaluation uses the
    same seeds (common random numbers), so the objective is a deterministic,
    if stepwise, function of the parameters.

    The intervals are those of the method of simulated moments (McFadden 1989;
    Pakes and Pollard 1989): with ``J`` the Jacobian of the simulated rates at
    the fit (central differences over common seeds), ``W`` the weights of the
    loss and ``S`` the variance of observed minus simulated rates (Poisson:
    count / years^2 for the record, plus the same for the simulation over its
    replications), ``cov = (J'WJ)^-1 J'WSWJ (J'WJ)^-1``; each interval is the
    value +- 1.96 s.e., clipped to the bounds. A parameter whose column of
    ``J`` is 0 is reported as not identified.

    Args:
        scenario: The scenario file.
        observed: Observed counts (:func:`read_mids`).
        params: Parameters to fit, e.g.
            ``mechanisms.escalation.dispute_rate_per_year``.
        states: States whose crises count (all the scenario's if None).
        replications: Replications per evaluation.
        seed: Seed of the runs.
        settings: Field path to value applied in every run.
        dispute_rung: Lowest peak rung counted as a militarised dispute.
        force_rung: Lowest peak rung counted as use of force.
        war_rung: Lowest peak rung counted as war.
        steps: Steps per replication (if None, ``scenario.steps`` of
            ``settings``, else the window's years).
        max_evaluations: Most ensembles the search may run.
        executor: Where the chunks of replications run, e.g.
            :class:`sim.executors.Processes`; in this process if None. Opened
            once for all evaluations; the results are the same on any executor.
        chunk_size: Replications per chunk (the batch default if None).

    Raises:
        CalibrationError: Unknown states, bad rungs or paths.
        ScenarioError: The scenario, an override or a bound of a parameter is
            invalid (:func:`check_bounds`).
    """
    base = load_scenario(scenario, overrides=settings)
    states = list(states or base.state_ids)
    restrict(base, states)  # fails naming unknown states
    if not 1 <= dispute_rung <= force_rung:
        raise CalibrationError(
            f"dispute_rung {dispute_rung}: must be between 1 and the force rung "
            f"({force_rung})",
            field="dispute_rung",
        )
    if not force_rung <= war_rung <= WAR:
        raise CalibrationError(
            f"war_rung {war_rung}: must be at least the force rung ({force_rung}) "
            f"and at most the ladder's top, {WAR} ({RUNGS[WAR]})",
            field="war_rung",
        )
    if not params:
        raise CalibrationError(
            "params: name at least one parameter to fit", field="params"
        )
    if steps is None and "scenario.steps" in (settings or {}):
        steps = base.info.steps
    elif steps is None:
        steps = observed.years * steps_per_year(base.info.dt_years)
    rungs = np.array([dispute_rung, force_rung, war_rung])
    x0 = np.array([_start_value(base, p, tuple(base.state_ids)) for p in params])
    check_bounds(scenario, params, settings)
    target = observed.moments()  # (4,)
    scale = moment_sd(observed)
    evaluations = 0

    def crises(theta: np.ndarray) -> tuple[pd.DataFrame, float]:
        nonlocal evaluations
        evaluations += 1
        point = {p.path: float(v) for p, v in zip(params, theta, strict=True)}
        return crises_among(
            scenario, states, point, replications=replications, steps=steps,
            seed=seed, settings=settings, executor=pool, chunk_size=chunk_size,
        )  # fmt: skip

    def simulate(theta: np.ndarray) -> np.ndarray:
        return crisis_moments(*crises(theta), rungs)

    def loss(theta: np.ndarray) -> float:
        return float((((simulate(theta) - target) / scale) ** 2).sum())

    bounds = [(p.lo, p.hi) for p in params]
    with executor or InProcess() as pool:
        found = minimize(
            loss,
            x0,
            method="Nelder-Mead",
            bounds=bounds,
            options={
                "maxfev": max_evaluations,
                "xatol": 1e-3,
                "fatol": 1e-4,
                "initial_simplex": wide_simplex(x0, params),
            },
        )
        start_rates = simulate(x0)
        at_fit, exposure = crises(found.x)
        jacobian = _rate_jacobian(simulate, found.x, params)
    fitted = crisis_moments(at_fit, exposure, rungs)
    noise = observed.moment_counts() / observed.years**2 + fitted / exposure
    se = _moment_se(jacobian, 1.0 / scale**2, noise)
    lo_hi = poisson_interval(observed.moment_counts(), observed.years)
    rates = pd.DataFrame(
        {
            "observed": target,
            "observed_lo": lo_hi[:, 0],
            "observed_hi": lo_hi[:, 1],
            "simulated_start": start_rates,
            "simulated": fitted,
        },
        index=list(MOMENTS),
    )
    low = np.array([p.lo for p in params])
    high = np.array([p.hi for p in params])
    table = pd.DataFrame(
        {
            "path": [p.path for p in params],
            "start": x0,
            "value": found.x,
            "se": se,
            "low": np.clip(found.x - Z95 * se, low, high),
            "high": np.clip(found.x + Z95 * se, low, high),
            "identified": np.isfinite(se),
        }
    )
    try:
        per_year = steps_per_year(base.info.dt_years)
    except CalibrationError:  # steps given, but they do not divide a year: no trend
        windows = pd.DataFrame()
    else:
        years = steps // per_year
        windows = trend(at_fit, replications, per_year, observed, rungs, years)
    dyads = dyad_rates(at_fit, dispute_rung, exposure, observed, states)
    return CrisisFit(
        params=table,
        rates=rates,
        dyads=dyads,
        back_downs=back_downs(at_fit, states),
        states=state_rates(dyads, states, observed.years),
        evaluations=evaluations,
        trend=windows,
        crises=at_fit,
    )


Z95 = 1.959963984540054
"""The standard normal's 97.5% quantile: a 95% interval is +- Z95 s.e."""


def _rate_jacobian(simulate, theta: np.ndarray, params: list[FitParam]) -> np.ndarray:
    """Central differences of the simulated rates, (moments, P), over common seeds.

    Each step is 10% of the value (at least 0.01), kept inside the bounds.
    """
    columns = []
    for i, p in enumerate(params):
        step = max(0.1 * abs(theta[i]), 0.01)
        up, down = theta.copy(), theta.copy()
        up[i] = min(theta[i] + step, p.hi)
        down[i] = max(theta[i] - step, p.lo)
        columns.append((simulate(up) - simulate(down)) / (up[i] - down[i]))
    return np.stack(columns, axis=1)


def _moment_se(jacobian: np.ndarray, weight: np.ndarray, noise: np.ndarray):
    """Sandwich standard errors of a weighted simulated-moments fit, (P,).

    NaN for a parameter the rates do not move (a zero column of the Jacobian)
    or when the parameters move the rates only together (a singular bread).
    """
    se = np.full(jacobian.shape[1], np.nan)
    moves = np.abs(jacobian).sum(axis=0) > 0
    j = jacobian[:, moves]
    bread = j.T @ (weight[:, None] * j)
    if not moves.any() or np.linalg.matrix_rank(bread) < j.shape[1]:
        return se
    inverse = np.linalg.inv(bread)
    meat = j.T @ ((weight**2 * noise)[:, None] * j)
    se[moves] = np.sqrt(np.clip(np.diag(inverse @ meat @ inverse), 0.0, None))
    return se


def crises_among(
    scenario: str | Path,
    states: list[str],
    point: dict[str, Any] | None = None,
    *,
    replications: int,
    steps: int,
    seed: int | None = None,
    settings: dict[str, Any] | None = None,
    executor: Executor | None = None,
    chunk_size: int | None = None,
) -> tuple[pd.DataFrame, float]:
    """The crises between ``states`` of ``replications`` runs, and their years.

    Runs the scenario at ``point`` (overrides; none if None) for ``steps``
    steps with :func:`sim.experiments.run_points` and keeps the crises whose
    challenger and defender are both among ``states``: what the record of
    those states is compared with (:func:`level_rates`, :func:`dyad_rates`,
    :func:`back_downs`).

    Returns:
        ``(crises, exposure)``: the crisis table, and the replication-years
        it covers (``replications`` times the years of a run).
    """
    result = run_points(
        scenario, [point or {}], replications=replications, steps=steps, seed=seed,
        settings=settings, executor=executor, chunk_size=chunk_size,
    )  # fmt: skip
    table, exposure = result.crises, replications * result.years
    if table.empty:
        return table, exposure
    ours = table["challenger"].isin(states) & table["defender"].isin(states)
    return table[ours.to_numpy()], exposure


def crisis_moments(table: pd.DataFrame, exposure: float, rungs) -> np.ndarray:
    """The model's :data:`MOMENTS` per year, (4,).

    :func:`level_rates`, then :func:`joined_rate` at the dispute rung
    (``rungs[0]``).
    """
    return np.append(
        level_rates(table, exposure, rungs), joined_rate(table, exposure, rungs[0])
    )


def level_rates(table: pd.DataFrame, exposure: float, rungs) -> np.ndarray:
    """Crises of a crisis table whose peak reached each rung, per year, (3,).

    Args:
        table: Crisis records (``peak_rung`` column), all replications.
        exposure: Replications times years simulated.
        rungs: Dispute, force and war rungs.
    """
    if table.empty:
        return np.zeros(len(rungs))
    peak = table["peak_rung"].to_numpy()
    return (peak[:, None] >= np.asarray(rungs)).sum(axis=0) / exposure


def joined_rate(table: pd.DataFrame, exposure: float, rung: int) -> float:
    """Allies drawn into a partner's crisis whose crisis reached ``rung``, per year.

    The model's counterpart of :attr:`CrisisRates.joined`: a crisis opened by
    entrapment (:mod:`sim.dynamics.alliances`) is a state joining its
    partner's dispute, one more pair across it.
    """
    if table.empty:
        return 0.0
    drawn = (table["origin"] == "entrapment") & (table["peak_rung"] >= rung)
    return float(drawn.sum()) / exposure


TREND_YEARS = 5
"""Years per window of :func:`trend`."""


def trend_spans(years: int) -> list[tuple[int, int]]:
    """Windows of :data:`TREND_YEARS` over ``years``, then the first ten and the rest.

    The last window may be shorter; the split at ten years (the baseline's
    default run) is there only where there are more than ten.
    """
    width = TREND_YEARS
    spans = [(k, min(k + width, years) - 1) for k in range(0, years, width)]
    return spans + ([(0, 9), (10, years - 1)] if years > 10 else [])


def trend(
    table: pd.DataFrame,
    replications: int,
    steps_a_year: int,
    observed: CrisisRates,
    rungs,
    model_years: int,
) -> pd.DataFrame:
    """Disputes and uses of force per year, model beside record, by window.

    The model's year ``k`` (from its start) is compared with the record's year
    ``k`` of the window, over :func:`trend_spans` of the years both cover: a
    fit to the totals can hide a trend that differs from the record's.

    Args:
        table: Crisis records (``start_step``, ``peak_rung``), all replications.
        replications: Replications in the table.
        steps_a_year: Steps per simulated year.
        observed: The record, with its yearly counts (:func:`read_mids`).
        rungs: Dispute, force and war rungs.
        model_years: Whole years each replication ran.

    Returns:
        One row per window: ``model_years`` and ``record_years`` (``"0-4"``,
        ``"1990-1994"``), then for ``disputes`` and ``force`` the record's rate,
        its 95% interval (``_lo``, ``_hi``), the model's (``_simulated``) and
        whether that is inside the interval (``_inside``).
    """
    years = min(len(observed.yearly), model_years)
    start = np.zeros(0, dtype=int)
    if len(table):
        # a crisis of step k (from 1) began in year (k - 1) // steps_a_year
        start = (table["start_step"].to_numpy() - 1) // steps_a_year
    rows = []
    for first, last in trend_spans(years):
        record = observed.span(first, last)
        mine = table[(start >= first) & (start <= last)]
        model = level_rates(mine, replications * (last - first + 1.0), rungs)
        rates, (lo, hi) = record.rates(), record.intervals().T
        row: dict[str, Any] = {
            "model_years": f"{first}-{last}",
            "record_years": f"{record.first_year}-{record.first_year + last - first}",
        }
        for k, level in enumerate(LEVELS[:2]):  # war: too few in a window
            row |= {level: rates[k], f"{level}_lo": lo[k], f"{level}_hi": hi[k]}
            row[f"{level}_simulated"] = model[k]
            row[f"{level}_inside"] = bool(lo[k] <= model[k] <= hi[k])
        rows.append(row)
    return pd.DataFrame(rows)


def dyad_rates(
    table: pd.DataFrame,
    rung: int,
    exposure: float,
    observed: CrisisRates,
    states: list[str],
) -> pd.DataFrame:
    """Per pair of states, recorded disputes and simulated crises per year."""
    pairs = [dyad_key(a, b) for i, a in enumerate(states) for b in states[i + 1 :]]
    simulated = pd.Series(0.0, index=pairs)
    if not table.empty:
        shown = table[table["peak_rung"].to_numpy() >= rung]
        keys = [
            dyad_key(a, b)
            for a, b in zip(shown["challenger"], shown["defender"], strict=True)
        ]
        simulated = simulated.add(pd.Series(keys).value_counts(), fill_value=0.0)
    recorded = pd.Series(observed.dyads, dtype=float).reindex(pairs, fill_value=0.0)
    return pd.DataFrame(
        {
            "observed": recorded / observed.years,
            "simulated": simulated.reindex(pairs) / exposure,
        }
    ).rename_axis("dyad")


def state_rates(dyads: pd.DataFrame, states: list[str], years: float) -> pd.DataFrame:
    """Per state, recorded disputes and simulated crises per year, over its pairs.

    The sums of :func:`dyad_rates` over the pairs a state belongs to: a dispute
    against three opponents counts three times, as the model's crises, one per
    pair, do. ``observed_lo`` and ``observed_hi`` are the exact 95% interval of
    the recorded count (:func:`poisson_interval`), ``inside`` whether the
    simulated rate falls in it. A state the record and the model both leave
    without disputes is inside at 0. The interval takes the dyadic count as
    Poisson; the pairs of one multilateral dispute are not independent, so it
    is if anything too narrow.

    Args:
        dyads: :func:`dyad_rates`' table of ``states``, indexed ``"A-B"``.
        states: The states; the rows follow their order.
        years: Years of the record behind its rates.
    """
    rates = dyads[["observed", "simulated"]]
    table = pd.DataFrame(
        [
            rates.loc[[dyad_key(state, other) for other in states if other != state]]
            .sum()
            .to_numpy()
            for state in states
        ],
        index=states,
        columns=rates.columns,
    )
    counts = np.rint(table["observed"].to_numpy() * years)
    lo_hi = poisson_interval(counts, years)
    table.insert(1, "observed_lo", lo_hi[:, 0])
    table.insert(2, "observed_hi", lo_hi[:, 1])
    table["inside"] = table["simulated"].between(
        table["observed_lo"], table["observed_hi"]
    )
    return table.rename_axis("state")


def back_downs(table: pd.DataFrame, states: list[str]) -> pd.Series:
    """Crises each state (with any crisis) backed down in alone, over all runs."""
    if table.empty:
        return pd.Series(dtype=int, name="backed_down")
    involved = pd.concat([table["challenger"], table["defender"]]).unique()
    ended = table["ending"]
    backed = pd.concat(
        [
            table["challenger"][ended == "challenger_backed_down"],
            table["defender"][ended == "defender_backed_down"],
        ]
    ).value_counts()
    order = [s for s in states if s in set(involved)]
    return backed.reindex(order, fill_value=0).astype(int).rename("backed_down")


def wide_simplex(x0: np.ndarray, params: list[FitParam]) -> np.ndarray:
    """A Nelder-Mead start simplex spanning a quarter of each range, (P + 1, P).

    SciPy's default (5% steps) stalls on the plateaus of a stepwise objective
    such as a count of simulated events. An unbounded side steps by half the
    value (at least 0.1); a step that would leave the range goes the other way.
    """
    simplex = np.tile(x0, (len(x0) + 1, 1))
    for i, p in enumerate(params):
        finite = math.isfinite(p.lo) and math.isfinite(p.hi)
        step = 0.25 * (p.hi - p.lo) if finite else 0.5 * max(abs(x0[i]), 0.1)
        simplex[i + 1, i] = x0[i] + step if x0[i] + step <= p.hi else x0[i] - step
    return simplex
