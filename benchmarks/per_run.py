"""CPU time of one run of the headline scenarios (9,150 households, 60 months), this process.

    .venv/bin/python benchmarks/per_run.py --reps 5
    PYTHONPATH=/path/to/other/src .venv/bin/python benchmarks/per_run.py   # another version

Prints one JSON line: CPU seconds per run (simulate + summarize, median over replicates) for
each scenario, and the load average. Used to compare two versions of the code in one session
(alternate the two processes; the machine is shared).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

from commsim.runner import replicate_seed, simulate, summarize
from commsim.scenario import load_scenario

HEADLINE = ("baseline", "suzhou_alliance", "liaocheng_four_in_one", "fee_subsidy")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--months", type=int, default=60)
    ap.add_argument("--scenarios", default=",".join(HEADLINE))
    args = ap.parse_args()
    out = {"load_1min": round(os.getloadavg()[0], 2)}
    for name in args.scenarios.split(","):
        sc = load_scenario(name).with_months(args.months)
        simulate(sc, 1, 2)  # warm
        times = []
        for r in range(args.reps):
            t = time.process_time()
            summarize(simulate(sc, replicate_seed(7, r)), sc.burn_in_months)
            times.append(time.process_time() - t)
        out[name] = round(statistics.median(times), 4)
    out["load_1min_end"] = round(os.getloadavg()[0], 2)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
