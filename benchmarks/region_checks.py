"""The region's couplings at full size: the measurements of issue #13, printed.

Run from the repository root (under a minute on one core at 1,000)::

    nice -n 10 python benchmarks/region_checks.py [REPLICATIONS]

Prints, for the bundled baseline: whether spending moves and responds to
Richardson's reaction and fatigue; whether balancing changes anything; how
polarisation varies across replications; the share of crises between pairs
with no dispute or rivalry; how often the USA joins a rung-4 Chinese blockade
of Taiwan in ``taiwan_strait``; and the baseline's crisis rates beside COW MID
5.0 (1990-2014) among the 17 states, with the dyads that carry them. Figures
are measurements, printed, never asserted.
"""

import sys

import numpy as np
import pandas as pd
from scipy.stats import chi2, spearmanr

from sim import engine
from sim.calibrate import Window, read_mids
from sim.experiments import run_points
from sim.scenario import bundled_dir, load_scenario

BASE = "baseline_2024"
MIDS = bundled_dir() / "data" / "mids.csv"


def arms_and_balancing(r: int) -> None:
    """Spending growth at the baseline and under other reaction, fatigue, balancing."""
    settings = {
        "baseline": {},
        "reaction 0.05": {"mechanisms.arms_race.reaction_per_year": 0.05},
        "reaction 0.4": {"mechanisms.arms_race.reaction_per_year": 0.4},
        "fatigue 0.05": {"mechanisms.arms_race.fatigue_per_year": 0.05},
        "fatigue 0.5": {"mechanisms.arms_race.fatigue_per_year": 0.5},
        "no balancing": {"mechanisms.alliances.balancing_rate_per_year": 0.0},
    }
    outcomes = run_points(BASE, list(settings.values()), replications=r).outcomes
    print("| setting | arms growth (CAGR) | sd | polarisation | sd | distinct |")
    print("|---|---|---|---|---|---|")
    for k, name in enumerate(settings):
        o = outcomes[outcomes.point == k]
        print(
            f"| {name} | {o.arms_growth_cagr.mean():.4f} | "
            f"{o.arms_growth_cagr.std():.4f} | {o.polarisation.mean():.4f} | "
            f"{o.polarisation.std():.4f} | {o.polarisation.nunique()} |"
        )


def crisis_pairs(r: int) -> None:
    """Share of the baseline's crises between pairs with no dispute or rivalry."""
    scenario = load_scenario(BASE)
    crises = run_points(BASE, [{}], replications=r).crises
    hostile = {frozenset(p.parties) for p in (*scenario.disputes, *scenario.rivalries)}
    pairs = [frozenset(p) for p in zip(crises.challenger, crises.defender, strict=True)]
    strange = np.mean([p not in hostile for p in pairs]) if pairs else 0.0
    print(f"\ncrises between pairs with no dispute or rivalry: {strange:.1%}")
    print("crises by origin:", crises.origin.value_counts().to_dict())


def blockade(r: int) -> None:
    """Is the USA pulled into a rung-4 Chinese blockade of Taiwan?"""
    inject = {"year": 2024.0, "kind": "crisis", "parties": ["CHN", "TWN"]}
    inject |= {"theater": "taiwan_strait", "rung": 4}
    scenario = load_scenario("taiwan_strait", events={"inject": [inject]})
    usa, chn = scenario.state_index("USA"), scenario.state_index("CHN")
    setup = engine.build_setup(scenario)
    pulled = np.zeros(r, dtype=bool)
    worlds = engine.simulate(setup, seed=1, replications=np.arange(r), steps=4)
    for world in worlds:
        pulled |= world.rung[:, usa, chn] > 0
        if world.step == 1:
            first = (world.rung[:, usa, chn] > 0).mean()
    print(f"\nUSA-CHN crisis one quarter into a blockade: {first:.1%}; ", end="")
    print(f"within a year: {pulled.mean():.1%}")


def poisson_interval(count: int, years: int) -> tuple[float, float]:
    """Garwood's exact 95% interval of a Poisson rate per year."""
    lo = chi2.ppf(0.025, 2 * count) / 2 if count else 0.0
    return lo / years, chi2.ppf(0.975, 2 * (count + 1)) / 2 / years


def rates_against_the_record(r: int) -> None:
    """Baseline crises per year by peak rung beside MIDs by hostility level."""
    ids = list(load_scenario(BASE).state_ids)
    window = Window(1990, 2014)
    observed = read_mids(MIDS, ids, window)
    mids = pd.read_csv(MIDS, dtype=str, keep_default_na=False)
    mids = mids[mids.start_year.astype(int).between(window.first, window.last)]
    record: dict[frozenset, int] = {}
    wars = 0
    for row in mids.itertuples():
        a = set(row.side_a.split(";")) & set(ids)
        b = set(row.side_b.split(";")) & set(ids)
        wars += bool(a and b and row.hostlev == "5")
        for x in a:
            for y in b:
                record[frozenset((x, y))] = record.get(frozenset((x, y)), 0) + 1
    res = run_points(BASE, [{}], replications=r)
    crises, years = res.crises, res.years
    span = len(window.years)
    print(f"\n| level | model /yr | record /yr ({window}) | record 95% |")
    print("|---|---|---|---|")
    for name, rung, count in (
        ("crises started", 1, None),
        ("show of force or worse", 2, observed.disputes),
        ("limited clash or worse", 4, observed.force),
        ("major war", 5, wars),
    ):
        model = (crises.peak_rung >= rung).sum() / r / years
        if count is None:
            print(f"| {name} | {model:.3f} | | |")
            continue
        lo, hi = poisson_interval(count, span)
        print(f"| {name} | {model:.3f} | {count / span:.3f} | {lo:.3f}-{hi:.3f} |")
    shown = crises[crises.peak_rung >= 2]
    model_pairs: dict[frozenset, int] = {}
    for pair in zip(shown.challenger, shown.defender, strict=True):
        model_pairs[frozenset(pair)] = model_pairs.get(frozenset(pair), 0) + 1
    keys = list(set(record) | set(model_pairs))
    rho = spearmanr(
        [record.get(k, 0) for k in keys], [model_pairs.get(k, 0) for k in keys]
    )
    print(f"\nSpearman, MIDs vs model show-of-force crises over {len(keys)} dyads: ")
    print(f"{rho.statistic:.2f}")
    backed = pd.concat(
        [
            crises.challenger[crises.ending == "challenger_backed_down"],
            crises.defender[crises.ending == "defender_backed_down"],
        ]
    )
    print("states that never backed down:", sorted(set(ids) - set(backed)))


def main() -> None:
    """Print every measurement at REPLICATIONS (1,000 by default)."""
    r = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    arms_and_balancing(r)
    crisis_pairs(r)
    blockade(r)
    rates_against_the_record(r)


if __name__ == "__main__":
    main()
