"""CPU time per run: the worlds part of ``commsim compare`` against its noise-only part.

    .venv/bin/python benchmarks/worlds_cost.py --reps 10 --worlds 10

Runs the headline comparison in this process (``--workers 1``) and times every run as the
store receives it (``commsim.ensemble.run_chunk`` per chunk of one run, ``--chunk 1``): runs
with sampled values (the worlds) against runs without (the replicates under the default
assumptions). Prints the medians and their ratio, with the load averages (issue 17, item 4:
at most 10% more per run).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time

from commsim import ensemble
from commsim.cli import cli

SCENARIOS = ["baseline", "suzhou_alliance", "liaocheng_four_in_one", "fee_subsidy"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--worlds", type=int, default=10)
    args = ap.parse_args()
    times: dict[str, list[float]] = {"noise": [], "worlds": []}
    original = ensemble.run_chunk

    def timed_chunk(payloads, items, keep_monthly=True):
        started = time.process_time()
        out = original(payloads, items, keep_monthly)
        kind = "worlds" if any(values for _, _, _, values in items) else "noise"
        times[kind].append((time.process_time() - started) / len(items))
        return out

    ensemble.run_chunk = timed_chunk
    load0 = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="commsim-worlds-") as tmp:
        cli.main(["compare", *SCENARIOS, "--reps", str(args.reps), "--months", "60", "--no-figures",
                  "--worlds", str(args.worlds), "--max-worlds", str(args.worlds), "--workers", "1",
                  "--chunk", "1", "--out", f"{tmp}/out"], standalone_mode=False)
    noise, worlds = statistics.median(times["noise"]), statistics.median(times["worlds"])
    print(json.dumps({"runs_noise": len(times["noise"]), "runs_worlds": len(times["worlds"]),
                      "cpu_per_run_noise_s": round(noise, 4), "cpu_per_run_worlds_s": round(worlds, 4),
                      "worlds_over_noise": round(worlds / noise, 3),
                      "mean_ratio": round(statistics.mean(times["worlds"]) / statistics.mean(times["noise"]), 3),
                      "load_before": [round(x, 2) for x in load0], "load_after": [round(x, 2) for x in os.getloadavg()]}))


if __name__ == "__main__":
    main()
