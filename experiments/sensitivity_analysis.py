"""Which assumptions matter: Morris screening of every parameter, then Sobol on the leaders.

    .venv/bin/python experiments/sensitivity_analysis.py                      # the status quo
    .venv/bin/python experiments/sensitivity_analysis.py suzhou_alliance --against baseline

Stage 1 (Morris, ``--n-morris`` trajectories) screens every numeric parameter with a range in
the parameter table. Stage 2 (Sobol, ``--n-sobol`` base samples, a power of 2) estimates
first-order and total indices for the ``--top`` parameters with the largest Morris mu*
(averaged over outputs after scaling each output's mu* by its largest). With ``--against``
the outputs are paired differences scenario - baseline: which assumptions decide whether
the policy beats the status quo.

Writes to OUT (default results/experiments/sensitivity_<scenario>): morris/ and sobol/
(each with sensitivity.csv, samples.parquet, manifest.json; resumable) and
morris/figures/ and sobol/figures/ (the standard sensitivity figures).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from _common import add_run_options, draw, guarded

OUTPUTS = ["mean_collection_rate", "mean_satisfaction", "mean_complaints_resolved_share",
           "mean_participation_rate", "mean_worker_load", "final_owners_committee_coverage"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Morris screening, then Sobol indices for the leading parameters.")
    ap.add_argument("scenario", nargs="?", default="baseline")
    ap.add_argument("--against", default=None, help="analyse the difference from this baseline")
    ap.add_argument("--n-morris", type=int, default=10)
    ap.add_argument("--n-sobol", type=int, default=64)
    ap.add_argument("--top", type=int, default=6)
    ap.add_argument("--months", type=int, default=None)
    add_run_options(ap)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    args.out = args.out or Path("results/experiments") / f"sensitivity_{Path(args.scenario).stem}"
    return guarded(run, args)


def run(args: argparse.Namespace) -> int:
    from commsim.sensitivity import sensitivity

    common = dict(outputs=OUTPUTS, against=args.against, seed=args.seed, months=args.months, workers=args.workers,
                  backend=args.backend, scheduler=args.scheduler, progress=True, argv=sys.argv)
    morris = sensitivity(args.scenario, method="morris", n=args.n_morris, out=args.out / "morris", **common)
    m = morris.manifest
    if morris.indices.empty:
        print(f"error: no output varies over the design ({', '.join(m['skipped_outputs'])})", file=sys.stderr)
        return 1
    draw(args.out / "morris")
    scaled = morris.indices.assign(rel=morris.indices.groupby("output")["mu_star"].transform(lambda s: s / s.max()))
    leaders = scaled.groupby("parameter")["rel"].mean().nlargest(args.top).index.tolist()
    print(f"Morris ({m['runs']} runs, {m['seconds']:.0f} s): leading parameters {', '.join(leaders)}")
    sobol = sensitivity(args.scenario, method="sobol", n=args.n_sobol, params=leaders, out=args.out / "sobol", **common)
    s = sobol.manifest
    draw(args.out / "sobol")
    print(sobol.indices.round(3).to_string(index=False))
    print(f"Sobol ({s['runs']} runs, {s['seconds']:.0f} s); tables and figures in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
