"""How high and how soon crises climb the ladder, across replications.

Each function takes a tidy frame with one row per (replication, step) as written
by ``wargame run`` or ``wargame batch`` (the ``model`` table; the ``states``
table for per-state figures), with columns ``replication``, ``year`` and a rung
column (``max_rung``: the highest rung any dyad, or any dyad of the state, stood
on at the step's end; ``reached_rung``: the highest the region has reached so
far, for first passages; rungs index :data:`sim.dynamics.escalation.RUNGS`).
"""

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.dynamics.escalation import RUNGS, WAR
from sim.plots.style import (
    colours,
    fan,
    fan_title,
    figure_axes,
    legend_outside,
    line_style,
)

Z95 = 1.959963984540054  # the standard normal's 97.5% quantile, norm.ppf(0.975)


def _label(rung: int) -> str:
    return f"{rung} {RUNGS[rung].replace('_', ' ')}"


def _wide(frame: pd.DataFrame, value: str) -> tuple[np.ndarray, np.ndarray]:
    """Years (T,) and values (R, T) of one ensemble's (replication, step) rows."""
    wide = frame.pivot_table(index="replication", columns="year", values=value)
    return wide.columns.to_numpy(dtype=float), wide.to_numpy(dtype=float)


def escalation_curves(model: pd.DataFrame, *, ax: Axes | None = None) -> Figure:
    """Share of replications at or above each rung, over time.

    Args:
        model: One ensemble's rows (replication, step): ``replication``,
            ``year``, ``max_rung``.
        ax: Axes to draw on (a new figure if None).

    Returns:
        The figure: one line per rung above peace, in ladder order.
    """
    ax = figure_axes(ax)
    years, rung = _wide(model, "max_rung")  # (T,), (R, T)
    for k, colour in zip(range(1, WAR + 1), colours(WAR), strict=True):
        ax.plot(years, (rung >= k).mean(axis=0), color=colour, label=_label(k))
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("year")
    ax.set_ylabel("share of replications at or above rung")
    ax.set_title(f"Escalation over time ({len(rung)} replications)")
    legend_outside(ax, title="rung")
    ax.grid(alpha=0.3)
    return ax.figure


def rung_fan(
    frame: pd.DataFrame, *, label: str = "region", ax: Axes | None = None
) -> Figure:
    """Fan chart of the highest rung over time: median, 50% and 90% bands.

    Quantiles are rungs reached by some replication (``inverted_cdf``), never
    in-between values. For several states, draw one small panel each.

    Args:
        frame: One ensemble's rows (replication, step) with ``year`` and
            ``max_rung``: the model table (the region), or one state's rows of
            the states table (the highest rung of any dyad of the state).
        label: Whose highest rung it is, for the title.
        ax: Axes to draw on (a new figure if None).
    """
    ax = figure_axes(ax)
    years, rung = _wide(frame, "max_rung")
    fan(ax, years, rung, colours(1)[0], label, method="inverted_cdf")
    ax.set_yticks(range(WAR + 1), [_label(k) for k in range(WAR + 1)])
    ax.set_ylim(-0.2, WAR + 0.2)
    ax.set_xlabel("year")
    ax.set_ylabel("highest rung")
    fan_title(ax, f"Highest rung across replications: {label}")
    ax.grid(alpha=0.3)
    return ax.figure


def first_passage(model: pd.DataFrame, rung: int) -> pd.DataFrame:
    """Years until each replication first reaches ``rung`` or above.

    Args:
        model: Rows (replication, step) with ``year`` and ``reached_rung``, the
            highest rung reached so far (a crisis that climbed and ended within
            a step included), and a ``point`` column for a sweep.
        rung: The rung reached.

    Returns:
        One row per (point, replication): ``years`` from the first step to the
        first step at or above ``rung`` (the run's length if never) and
        ``reached`` (False: censored at the end of the run).
    """
    keys = [k for k in ("point", "replication") if k in model.columns]
    start = model["year"].min()
    at = model.assign(hit=model["reached_rung"] >= rung)
    first = at[at["hit"]].groupby(keys)["year"].min()
    every = at.groupby(keys)["year"].max().rename("end")
    out = every.to_frame().join(first.rename("first"))
    return pd.DataFrame(
        {
            "years": out["first"].fillna(out["end"]) - start,
            "reached": out["first"].notna(),
        }
    ).reset_index()


def kaplan_meier(years: np.ndarray, reached: np.ndarray) -> pd.DataFrame:
    """Kaplan-Meier estimate of the share not yet at the rung, with 95% bands.

    ``S(t) = prod_{t_i <= t} (1 - d_i / n_i)`` over event times ``t_i`` with
    ``d_i`` events among ``n_i`` at risk (Kaplan and Meier 1958); the band is
    Greenwood's variance on the log(-log S) scale (Kalbfleisch and Prentice
    2002), as lifelines computes it.

    Args:
        years: Time to the event or to censoring, shape (R,).
        reached: Whether the event happened (False: censored), shape (R,).

    Returns:
        Rows ``years``, ``survival``, ``lower``, ``upper``, starting at (0, 1).
    """
    years = np.asarray(years, dtype=float)
    reached = np.asarray(reached, dtype=bool)
    times = np.unique(years[reached])  # (E,)
    at_risk = (years[None, :] >= times[:, None]).sum(axis=1)  # (E,)
    events = (years[reached][None, :] == times[:, None]).sum(axis=1)  # (E,)
    survival = np.cumprod(1.0 - events / at_risk)
    with np.errstate(divide="ignore", invalid="ignore"):
        greenwood = np.cumsum(events / (at_risk * (at_risk - events)))
        log_log = np.log(-np.log(survival))
        half = Z95 * np.sqrt(greenwood) / np.abs(np.log(survival))
        lower = np.exp(-np.exp(log_log + half))
        upper = np.exp(-np.exp(log_log - half))
    lower = np.where(survival > 0, np.nan_to_num(lower, nan=survival), 0.0)
    upper = np.where(survival > 0, np.nan_to_num(upper, nan=survival), 0.0)
    return pd.DataFrame(
        {
            "years": np.r_[0.0, times],
            "survival": np.r_[1.0, survival],
            "lower": np.r_[1.0, lower],
            "upper": np.r_[1.0, upper],
        }
    )


def survival_curves(
    model: pd.DataFrame,
    *,
    rungs: tuple[int, ...] = tuple(range(1, WAR + 1)),
    labels: dict[int, str] | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Kaplan-Meier curves of the time until the region first reaches a rung.

    With one rung and a model table of several sweep points, one curve per
    point (named by ``labels``); otherwise one curve per rung.

    Args:
        model: Rows (replication, step) with ``year`` and ``reached_rung``
            (:func:`first_passage`), and ``point`` for a sweep.
        rungs: The rungs, each 1 to major war.
        labels: Name of each point, for the legend of a sweep.
        ax: Axes to draw on (a new figure if None).
    """
    ax = figure_axes(ax)
    by_point = len(rungs) == 1 and model.get("point", pd.Series([0])).nunique() > 1
    if by_point:
        curves = [
            (labels.get(p, f"point {p}") if labels else f"point {p}", rows, rungs[0])
            for p, rows in model.groupby("point")
        ]
    else:
        curves = [(_label(k), model, k) for k in rungs]
    end = model["year"].max() - model["year"].min()
    for i, ((name, rows, rung), colour) in enumerate(
        zip(curves, colours(len(curves)), strict=True)
    ):
        times = first_passage(rows, rung)
        km = kaplan_meier(times["years"], times["reached"])
        km = pd.concat([km, km.tail(1).assign(years=end)], ignore_index=True)
        ax.step(
            km["years"], km["survival"], where="post", color=colour,
            linestyle=line_style(i), label=name,
        )  # fmt: skip
        ax.fill_between(
            km["years"], km["lower"], km["upper"], step="post", color=colour, alpha=0.2
        )
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlim(0, end * 1.02)  # a drop at the last step stands clear of the edge
    ax.set_xlabel("years since start")
    ax.set_ylabel("share not yet at rung")
    what = _label(rungs[0]) if by_point else "each rung"
    ax.set_title(f"Time to reach {what}\n(Kaplan-Meier, 95% bands)")
    legend_outside(ax, title="point" if by_point else "rung")
    ax.grid(alpha=0.3)
    return ax.figure
