"""Ensemble benchmarks: compare wall time, CRN variance reduction, 1-vs-2-worker throughput,
and the parent's memory as the number of runs grows.

    .venv/bin/python benchmarks/ensemble.py               # all, as reported in docs/experiments.md
    .venv/bin/python benchmarks/ensemble.py --only memory

The comparison is the shipped baseline against the same street under Xi'an's staffing norm
(18 community workers per 10,000 residents, seeds/003), a variant made on the fly so the
benchmark runs before the policy scenarios exist. Every command is the real CLI in a fresh
process, so times include start-up (importing commsim, starting the worker pool). Results
go to stdout and results/benchmarks/ensemble.json. The machine may be shared: the load
average is recorded with each figure.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
COMMSIM = str(Path(sys.executable).with_name("commsim"))
KEY = ["mean_collection_rate", "mean_satisfaction", "mean_complaints_per_1000_households",
       "mean_complaints_resolved_share", "mean_participation_rate", "mean_worker_load",
       "mean_service_quality", "mean_belonging"]


def variant(folder: Path) -> Path:
    text = (ROOT / "scenarios" / "baseline.toml").read_text(encoding="utf-8")
    text = text.replace('name = "baseline"', 'name = "baseline_xian_staffing"', 1)
    text = text.replace('staffing_norm = "liaocheng"', 'staffing_norm = "xian"', 1)
    path = folder / "baseline_xian_staffing.toml"
    path.write_text(text, encoding="utf-8")
    return path


def timed(cmd: list[str]) -> tuple[float, float]:
    load = os.getloadavg()[0]
    start = time.monotonic()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - start, load


def bench_compare(tmp: Path, reps: int) -> dict:
    out = tmp / "compare"
    wall, load = timed([COMMSIM, "compare", "baseline", str(variant(tmp)), "--reps", str(reps), "--workers", "2", "--out", str(out)])
    table = pd.read_csv(out / "comparison.csv")
    rows = table[(table["scenario"] != table["baseline"]) & table["metric"].isin(KEY)].set_index("metric")
    manifest = json.loads((out / "manifest.json").read_text())
    return {
        "command": f"commsim compare baseline baseline_xian_staffing --reps {reps} --workers 2",
        "runs": manifest["runs"], "wall_seconds": round(wall, 1), "load_average_at_start": load,
        "crn_variance_ratio": {m: round(float(rows.loc[m, "crn_variance_ratio"]), 4) for m in KEY if m in rows.index},
        "crn_variance_ratio_median": round(float(rows["crn_variance_ratio"].median()), 4),
    }


def bench_workers(tmp: Path, reps: int) -> dict:
    out = {}
    for workers in (1, 2):
        wall, load = timed([COMMSIM, "run", "baseline", "--reps", str(reps), "--workers", str(workers), "--out", str(tmp / f"run{workers}")])
        out[workers] = {"wall_seconds": round(wall, 1), "runs_per_second": round(reps / wall, 2), "load_average_at_start": load}
    same = pd.read_csv(tmp / "run1" / "summary.csv").equals(pd.read_csv(tmp / "run2" / "summary.csv"))
    return {"command": f"commsim run baseline --reps {reps} --workers K", "by_workers": out,
            "speed_up": round(out[1]["wall_seconds"] / out[2]["wall_seconds"], 2), "identical_results": same}


def bench_memory(tmp: Path, sizes: tuple[int, ...]) -> dict:
    """Peak RSS of the command's own process (workers excluded) for growing run counts."""
    code = (
        "import resource, sys\n"
        "from commsim.compare import compare\n"
        "n = int(sys.argv[1])\n"
        f"compare('{ROOT / 'tests/data/small.toml'}', ['{ROOT / 'tests/data/small_variant.toml'}'], reps=n // 2, months=12,"
        " workers=2, out=sys.argv[2])\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    out = {}
    for n in sizes:
        start = time.monotonic()
        res = subprocess.run([sys.executable, "-c", code, str(n), str(tmp / f"mem{n}")], check=True, capture_output=True, text=True)
        out[n] = {"peak_rss_mb": round(int(res.stdout.split()[-1]) / 1024, 1), "wall_seconds": round(time.monotonic() - start, 1)}
    return {"what": "small test street, 12 months, 2 workers, results to disk", "by_runs": out}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--only", choices=("compare", "workers", "memory"), default=None)
    args = ap.parse_args()
    results = {"cores": len(os.sched_getaffinity(0)), "python": sys.version.split()[0]}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if args.only in (None, "compare"):
            results["compare"] = bench_compare(tmp, args.reps)
        if args.only in (None, "workers"):
            results["workers"] = bench_workers(tmp, 40)
        if args.only in (None, "memory"):
            results["memory"] = bench_memory(tmp, (400, 4000))
    print(json.dumps(results, indent=2))
    dest = ROOT / "results" / "benchmarks" / f"ensemble{'_' + args.only if args.only else ''}.json"
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
