"""The headline's floor: what its runs would cost if the per-month fixed cost were zero.

    .venv/bin/python benchmarks/floor.py --reps 3

For each headline scenario it times whole runs (build, 60 months, table and summary; CPU time) on
the scenario's own street with every estate's households multiplied by 1, 3 and 5. The
estates, communities and policies stay the same, so the per-month fixed cost (providers,
committees, workforces, the ladder's and the recorder's per-estate tables, the policies' hooks
per estate) stays; only the household arrays grow. Sizes alternate within each repeat; a
least-squares line through each size's median gives

- the cost per household-month (the slope): the household arrays' own work, and
- the fixed cost of a run (the intercept at zero households),

for each part of a run and for the whole. The monthly step's slope alone bounds item 3 of
issue 17 too: with no fixed cost at all, one core steps at most 1e9 / slope household-months
a second.

The floor of the headline command (``commsim compare baseline suzhou_alliance
liaocheng_four_in_one fee_subsidy --reps 1000 --months 60``, 9,150 households) is its
household work alone: 1,000 runs x 60 months x 9,150 households x slope, summed over the four
scenarios, spread over two cores with no loss. The command cannot run faster than that unless
the household arrays do less work per household, whatever happens to the fixed cost.

Caveat: five times the households in the same estates is not the same street (workers and
committees meet more cases), so the slope also holds what that changes; the fit's worst
residual is reported.

Prints one JSON object; writes ``benchmarks/results/floor.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
HEADLINE = ("baseline", "suzhou_alliance", "liaocheng_four_in_one", "fee_subsidy")
HOUSEHOLDS = 9150
MONTHS = 60
RUNS = 1000  # per scenario in the headline
CORES = 2


def measure(scenario: str, factors: list[int], reps: int) -> dict:
    """Median CPU seconds per run at each household factor (building the model, its months,
    the monthly table and the summary), and the fitted lines."""
    from benchmarks.streets import street_of
    from commsim import runner
    from commsim.model import CommunityModel

    scs = {f: street_of(HOUSEHOLDS * f, months=MONTHS, copies=1, scenario=scenario) for f in factors}
    parts = ("build", "months", "rest")
    times: dict[int, dict[str, list[float]]] = {f: {p: [] for p in parts} for f in factors}
    for r in range(reps):
        seed = runner.replicate_seed(11, r)
        for f in factors:
            sc = scs[f]
            t0 = time.process_time()
            model = CommunityModel(sc, seed=seed)
            t1 = time.process_time()
            for _ in range(sc.months):
                model.step()
            t2 = time.process_time()
            runner.summarize(model.dataframe(), sc.burn_in_months)
            t3 = time.process_time()
            for p, dt in zip(parts, (t1 - t0, t2 - t1, t3 - t2), strict=True):
                times[f][p].append(dt)
    hh_months = np.array([HOUSEHOLDS * f * MONTHS for f in factors], dtype=float)
    out: dict = {}
    total = np.zeros(len(factors))
    for p in parts:
        med = np.array([statistics.median(times[f][p]) for f in factors])
        total += med
        slope, intercept = np.polyfit(hh_months, med, 1)
        out[p] = {"run_s_median": [round(float(m), 4) for m in med],
                  "ns_per_household_month": round(float(slope) * 1e9, 1),
                  "fixed_s_per_run": round(float(intercept), 4),
                  "worst_residual_s": round(float(np.abs(med - intercept - slope * hh_months).max()), 4)}
    out["run_s_median"] = {str(HOUSEHOLDS * f): round(float(t), 4) for f, t in zip(factors, total, strict=True)}
    out["ns_per_household_month"] = round(sum(out[p]["ns_per_household_month"] for p in parts), 1)
    out["fixed_s_per_run"] = round(sum(out[p]["fixed_s_per_run"] for p in parts), 4)
    out["household_share_at_9150"] = round(out["ns_per_household_month"] * 1e-9 * HOUSEHOLDS * MONTHS / float(total[0]), 3)
    # the monthly step alone, with no fixed cost at all: household-steps a second, one core
    out["months_household_steps_per_s_ceiling"] = round(1e9 / out["months"]["ns_per_household_month"])
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=3, help="runs per scenario and size")
    ap.add_argument("--factors", default="1,3,5", help="household multipliers, same estates")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "floor.json")
    args = ap.parse_args()
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    factors = [int(x) for x in args.factors.split(",")]
    if factors[0] != 1 or sorted(set(factors)) != factors or len(factors) < 2:
        ap.error("--factors: increasing whole numbers starting at 1 (the headline's own street), e.g. 1,3,5")
    out: dict = {"load_start": [round(x, 2) for x in os.getloadavg()], "reps": args.reps, "factors": factors}
    household_cpu = fixed_cpu = today_cpu = 0.0
    for name in HEADLINE:
        out[name] = m = measure(name, factors, args.reps)
        print(name, json.dumps(m), flush=True)
        household_cpu += RUNS * m["ns_per_household_month"] * 1e-9 * HOUSEHOLDS * MONTHS
        fixed_cpu += RUNS * m["fixed_s_per_run"]
        today_cpu += RUNS * m["run_s_median"][str(HOUSEHOLDS)]
    out["headline"] = {
        "cpu_s_of_runs_today": round(today_cpu, 1),
        "cpu_s_household_part": round(household_cpu, 1),
        "cpu_s_fixed_part": round(fixed_cpu, 1),
        "floor_wall_s_two_cores": round(household_cpu / CORES, 1),
        "goal_wall_s": 180,
        "baseline_months_household_steps_per_s_ceiling": out["baseline"]["months_household_steps_per_s_ceiling"],
        "goal_household_steps_per_s": 8_000_000,
    }
    from benchmarks.ab import finish

    finish(out, args.out)
    print(json.dumps(out["headline"]))


if __name__ == "__main__":
    main()
