"""Hand-set defaults against calibration/targets.toml: evaluate a parameter set, or search near one.

    .venv/bin/python calibration/hand_fit.py                      # the shipped defaults, 8 seeds
    .venv/bin/python calibration/hand_fit.py pay_intercept=2.4    # defaults with overrides
    .venv/bin/python calibration/hand_fit.py --search 200 --seeds 2 --out /tmp/search.csv
    .venv/bin/python calibration/hand_fit.py --search 24 --seeds 4 --box joint --workers 1 --out /tmp/joint.csv

Each set runs the targets file's scenario (the baseline street) on ``--seeds`` replicate seeds
(base seed 2027, different from tests/test_validation.py's 2026) and reports every target's
replicate-mean statistic, whether it is inside its range, and the drift of the street series
after burn-in (change over months 24-60 of a least-squares line: satisfaction, trust, collection,
old estates' trust), which a stationary status quo keeps small. ``--search`` draws sets
uniformly in the SEARCH box below and ranks them by the summed deviation from the fitted ranges,
then by closeness to the central values and the drift. This is how the issue-11 defaults were
set by hand (short runs). ``--box joint`` searches the box of the joint recalibration after
issues 11 and 12 (JOINT below: firms' costs and margin, collection effort, complaint propensity,
unmanaged quality, the payment intercept and the old-estate shift); each set's mean share of
estates unmanaged (months 13-60) and firm exits per run are reported beside the targets.
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from commsim import load_scenario
from commsim.calibration import load_targets, statistic
from commsim.params import PARAMETERS
from commsim.runner import replicate_seed, simulate

TARGETS = Path(__file__).parent / "targets.toml"
#: drift is measured on months DRIFT_FROM..DRIFT_TO (after the burn-in has settled)
DRIFT_FROM, DRIFT_TO = 24, 60
#: the box searched by --search (a neighbourhood of plausible values, inside each parameter's range)
SEARCH = {
    "expectation_reference_quality": (0.6, 0.85), "satisfaction_vfm_sensitivity": (0.8, 2.0),
    "satisfaction_neutral": (0.55, 0.68), "expectation_fee_elasticity": (0.2, 0.6),
    "stance_refusal_cut": (-2.5, -1.0), "stance_regular_cut": (0.5, 2.0), "stance_return_margin": (0.5, 2.5),
    "pay_beta_recruit": (1.0, 4.0), "pay_intercept": (1.5, 2.6), "pay_shift_old": (-1.5, -0.3),
    "pay_absentee_shift": (-1.6, -0.5), "complaint_propensity": (0.08, 0.3),
    "oc_formation_hazard": (0.005, 0.015), "oc_dissolution_hazard": (0.005, 0.03),
    "expectation_shift_old": (-0.1, 0.1), "trust_adjust_rate": (0.05, 0.1), "trust_initial_mean": (0.4, 0.7),
}
#: the box of the joint recalibration after issues 11 and 12 (docs/validation.md)
JOINT = {
    "collection_reminder_hours": (0.2, 0.5), "firm_fixed_cost_share": (0.4, 0.55), "firm_target_margin": (0.06, 0.14),
    "complaint_propensity": (0.15, 0.3), "street_hours_per_1000_households": (8.0, 16.0),
    "unmanaged_quality": (0.15, 0.3), "pay_shift_old": (-1.3, -0.7), "pay_intercept": (1.9, 2.4),
    "satisfaction_neutral": (0.52, 0.62),
}
BOXES = {"households": SEARCH, "joint": JOINT}


def drift(df: pd.DataFrame) -> dict[str, float]:
    """Change over DRIFT_FROM..DRIFT_TO of a least-squares line through each street series."""
    months = np.arange(DRIFT_FROM, DRIFT_TO + 1)
    street = df[df.estate == "all"].set_index("month")
    old = df[df.estate_type == "old"].groupby("month")["trust"].mean()
    series = {"satisfaction": street["satisfaction"], "trust": street["trust"],
              "collection_rate": street["collection_rate"], "old_trust": old}
    out = {}
    for name, s in series.items():
        y = s.reindex(months).to_numpy(float)
        ok = np.isfinite(y)
        out[f"drift_{name}"] = float(np.polyfit(months[ok], y[ok], 1)[0] * (DRIFT_TO - DRIFT_FROM)) if ok.sum() > 2 else np.nan
    return out


def evaluate(overrides: dict, seeds: int) -> dict[str, float]:
    """Replicate means of every target statistic and drift for one parameter set."""
    spec = load_targets(TARGETS)
    scenario = load_scenario(spec.scenario)
    scenario = scenario.with_overrides(overrides) if overrides else scenario
    rows = []
    for r in range(seeds):
        df = simulate(scenario, replicate_seed(2027, r))
        after = df[(df.month > scenario.burn_in_months) & (df.estate == "all")]
        rows.append({**{t.name: statistic(t, df, scenario.burn_in_months) for t in spec.targets}, **drift(df),
                     "unmanaged_share": float(after.unmanaged_share.mean()),
                     "firm_exits": float(df.loc[df.estate != "all", "firm_exits"].sum())})
    return {**overrides, **pd.DataFrame(rows).mean().to_dict()}


def score(row: pd.Series) -> tuple[float, float]:
    spec = load_targets(TARGETS)
    fitted = [t for t in spec.targets if t.fitted]
    miss = sum(t.deviation(row[t.name]) for t in fitted)
    centre = sum(t.centrality(row[t.name]) for t in fitted) / len(fitted)
    drifts = abs(row["drift_satisfaction"]) / 2 + abs(row["drift_trust"]) / 0.03 + abs(row["drift_collection_rate"]) / 0.03
    return miss, centre + drifts


def parse(pairs: list[str]) -> dict:
    out = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        try:
            out[name] = PARAMETERS.lookup(name).coerce(value)
        except Exception as exc:  # one clear line, no traceback
            sys.exit(f"error: {pair}: {exc}")
    return out


def report(row: dict) -> None:
    spec = load_targets(TARGETS)
    print(f"{'target':40s} {'value':>9s} {'range':>17s} {'central':>8s}  ok")
    for t in spec.targets:
        v = row[t.name]
        flag = "yes" if t.deviation(v) == 0 else "NO"
        central = f"{t.central:g}" if t.central is not None else "-"
        print(f"{t.name:40s} {v:9.3f} {f'{t.low:g}-{t.high:g}':>17s} {central:>8s}  {flag}{'' if t.fitted else ' (check)'}")
    for k in ("drift_satisfaction", "drift_trust", "drift_collection_rate", "drift_old_trust"):
        print(f"{k:40s} {row[k]:9.3f}   (change over months {DRIFT_FROM}-{DRIFT_TO})")
    print(f"{'unmanaged_share':40s} {row['unmanaged_share']:9.3f}   (share of estates, after burn-in)")
    print(f"{'firm_exits':40s} {row['firm_exits']:9.3f}   (per run, months 1-{DRIFT_TO})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("overrides", nargs="*", help="NAME=VALUE")
    ap.add_argument("--seeds", type=int, default=8)
    ap.add_argument("--search", type=int, default=0, help="number of random sets to try")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--box", choices=sorted(BOXES), default="households", help="the box --search draws from")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    base = parse(args.overrides)
    if not args.search:
        row = evaluate(base, args.seeds)
        report(row)
        if args.out:
            pd.DataFrame([row]).to_csv(args.out, index=False)
        return
    rng = np.random.default_rng(11)
    box = BOXES[args.box]
    sets = [{**base, **{k: float(rng.uniform(lo, hi)) for k, (lo, hi) in box.items()}} for _ in range(args.search)]
    with ProcessPoolExecutor(args.workers) as pool:
        rows = list(pool.map(evaluate, sets, [args.seeds] * len(sets)))
    df = pd.DataFrame(rows)
    df[["miss", "closeness"]] = df.apply(lambda r: pd.Series(score(r)), axis=1)
    df = df.sort_values(["miss", "closeness"])
    if args.out:
        df.to_csv(args.out, index=False)
    print(df.head(10).T.to_string())


if __name__ == "__main__":
    main()
