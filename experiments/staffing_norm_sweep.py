"""Staffing norms compared: Liaocheng, Xi'an and Cangzhou rules for community-worker numbers.

    .venv/bin/python experiments/staffing_norm_sweep.py
    .venv/bin/python experiments/staffing_norm_sweep.py baseline --reps 100 --also admin_hours_per_household=0.3:0.6:4

The norms (``staffing_norm``, a choice parameter): Liaocheng 1 worker per 300 households, at
least 5 (seeds/000); Xi'an 18 per 10,000 residents (seeds/003); Cangzhou 5 plus 1 per 300
households above 1,500 (seeds/002). Replicate r uses the same seed under every norm (common
random numbers). ``--also`` adds a second swept parameter (NAME=LOW:HIGH:STEPS or a list).

Writes to OUT (default results/experiments/staffing_norm): sweep.csv, monthly/, manifest.json
(the sweep contract), norms_summary.csv (means with 95% CIs, and differences from the first
norm paired by replicate) and the standard sweep figures in figures/.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from _common import add_run_options, draw, guarded

METRICS = ["mean_worker_load", "mean_complaints_resolved_share", "mean_complaint_wait_months",
           "mean_satisfaction", "total_public_cost_yuan"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Sweep the community-worker staffing norm.")
    ap.add_argument("scenario", nargs="?", default="baseline")
    ap.add_argument("--norms", default="liaocheng,xian,cangzhou")
    ap.add_argument("--also", action="append", default=[], metavar="NAME=LOW:HIGH:STEPS")
    ap.add_argument("--reps", type=int, default=50)
    add_run_options(ap)
    ap.add_argument("--out", type=Path, default=Path("results/experiments/staffing_norm"))
    args = ap.parse_args(argv)
    return guarded(run, args)


def run(args: argparse.Namespace) -> int:
    from commsim.compare import paired_comparison
    from commsim.sweep import sweep

    res = sweep(args.scenario, [f"staffing_norm={args.norms}", *args.also], reps=args.reps, seed=args.seed,
                out=args.out, workers=args.workers, backend=args.backend, scheduler=args.scheduler,
                progress=True, argv=sys.argv)
    table = res.table
    first = table["staffing_norm"].iloc[0]
    if not args.also:  # paired differences between norms, replicate by replicate
        as_scenarios = table.rename(columns={"staffing_norm": "scenario"})
        summary = paired_comparison(as_scenarios, first, metrics=METRICS, seed=args.seed)
        summary.to_csv(args.out / "norms_summary.csv", index=False)
        print(summary[["metric", "scenario", "mean", "diff", "diff_ci_low", "diff_ci_high", "p_adjusted"]].to_string(index=False))
    m = res.manifest
    draw(args.out)
    print(f"{m['runs']} runs in {m['seconds']:.0f} s; tables and figures in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
