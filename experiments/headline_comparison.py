"""The headline comparison: the status quo against the seed documents' policies.

    .venv/bin/python experiments/headline_comparison.py            # the five shipped scenarios
    .venv/bin/python experiments/headline_comparison.py baseline my_variant.toml --reps 50

Default scenarios: baseline (status quo), suzhou_alliance (Suzhou's property-service
alliance), liaocheng_four_in_one (Liaocheng's four-in-one coordination), fee_subsidy and
alliance_plus_subsidy. All run with common random numbers (replicate r of every scenario
shares its seed), through ``commsim.compare`` (resumable: run again after an interruption).

Writes to OUT (default results/experiments/headline): comparison.csv, summary.parquet,
monthly/, manifest.json (the compare contract), key_differences.csv (the key metrics'
paired differences) and the standard figures in figures/ (as `commsim figures` draws them).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from _common import add_run_options, draw, guarded

DEFAULT = ["baseline", "suzhou_alliance", "liaocheng_four_in_one", "fee_subsidy", "alliance_plus_subsidy"]


def main(argv: list[str] | None = None) -> int:
    from commsim.errors import CommsimError
    from commsim.scenario import resolve_path

    ap = argparse.ArgumentParser(description="Status quo against the seed policies, with common random numbers.")
    ap.add_argument("scenarios", nargs="*", default=DEFAULT, help="baseline first, then the others (names or files)")
    ap.add_argument("--reps", type=int, default=200)
    add_run_options(ap)
    ap.add_argument("--out", type=Path, default=Path("results/experiments/headline"))
    args = ap.parse_args(argv)
    missing = []
    for ref in args.scenarios:
        try:
            resolve_path(ref)
        except CommsimError:
            missing.append(ref)
    if missing:
        print(f"error: scenarios not found: {', '.join(missing)} (the policy scenarios ship with the policy "
              "modules; pass other names or files as arguments)", file=sys.stderr)
        return 2
    return guarded(run, args)


def run(args: argparse.Namespace) -> int:
    from commsim.compare import compare
    from commsim.metrics import KEY_METRICS

    baseline, *others = args.scenarios
    res = compare(baseline, others, reps=args.reps, seed=args.seed, out=args.out, workers=args.workers,
                  backend=args.backend, scheduler=args.scheduler, progress=True, argv=sys.argv,
                  echo=lambda s: print(s, file=sys.stderr))
    table = res.comparison
    key = table[(table["scenario"] != table["baseline"]) & table["metric"].isin(KEY_METRICS)]
    key.to_csv(args.out / "key_differences.csv", index=False)
    m = res.manifest
    draw(args.out)
    print(key[["metric", "scenario", "diff", "diff_ci_low", "diff_ci_high", "p_adjusted", "prob_better"]].to_string(index=False))
    print(f"{m['runs']} runs in {m['seconds']:.0f} s; CRN variance ratio (median over key metrics) "
          f"{key['crn_variance_ratio'].median():.3g}; tables and figures in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
