"""The result store at 100,000 runs: resuming and reading back, with and without compaction.

A synthetic store (no model runs): 100,000 runs of made-up summaries with as many columns as
a real compare summary, written the way commands write them, in chunks of 7 runs (a
100,000-run experiment writes about 14,000 chunks). Timed:

- writing the chunks without compaction (the store before compaction existed) and with it
  (``COMPACT_EVERY`` loose chunks merged as they accumulate, one file at the end);
- what a resumed command does first (``RunStore.open``: list, clean, read every key) and
  what the end of a command reads (``RunStore.runs``), on both stores;
- the one-off compaction of an uncompacted store (a folder written before this change).

    .venv/bin/python benchmarks/store.py            # 100,000 runs, about 5 minutes
    .venv/bin/python benchmarks/store.py --runs 10000

Writes ``benchmarks/results/store.json``. The machine is shared: load averages are recorded.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from commsim import store as store_mod
from commsim.ensemble import Plan
from commsim.scenario import load_scenario
from commsim.store import RunStore

HERE = Path(__file__).resolve().parent
COLUMNS = 60  # final_*, mean_*, total_* columns of a compare summary: about this many


def make_plan(runs: int) -> Plan:
    sc = load_scenario("baseline")
    plan = Plan("compare", {sc.name: sc}, keep_monthly=False)
    for r in range(runs):
        plan.add(sc.name, r, 1000 + r)
    return plan


def write_store(folder: Path, plan: Plan, chunk: int, compact_every: int) -> float:
    """Write every task of ``plan`` in chunks; return the seconds it took."""
    store_mod.COMPACT_EVERY = compact_every
    rng = np.random.default_rng(0)
    names = [f"mean_metric_{i}" for i in range(COLUMNS)]
    store = RunStore(folder, keep_monthly=False)
    store.open(plan.keys)
    store.plan = plan
    started = time.perf_counter()
    for i in range(0, len(plan.tasks), chunk):
        tasks = plan.tasks[i:i + chunk]
        values = rng.random((len(tasks), COLUMNS))
        store.write([(t, None, dict(zip(names, row.tolist(), strict=True))) for t, row in zip(tasks, values, strict=True)])
    if compact_every < 10**9:
        store.compact(everything=True)  # what run_plan does when every run is done
    return time.perf_counter() - started


def timed(fn) -> tuple[float, object]:
    started = time.perf_counter()
    out = fn()
    return time.perf_counter() - started, out


def resume_and_read(folder: Path, plan: Plan) -> dict[str, float]:
    """Seconds to open the store as a resumed command does, and to read every summary row."""
    opened, keys = timed(lambda: RunStore(folder, keep_monthly=False).open(plan.keys))
    read, runs = timed(lambda: RunStore(folder).runs())
    assert len(keys) == len(plan.tasks) and len(runs) == len(plan.tasks) and runs["key"].is_unique
    files = len(list((folder / "runs").glob("*.parquet")))
    return {"open_s": round(opened, 3), "read_s": round(read, 3), "files": files}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=100_000)
    ap.add_argument("--chunk", type=int, default=7)
    ap.add_argument("--out", type=Path, default=HERE / "results" / "store.json")
    args = ap.parse_args()
    load = [os.getloadavg()[0]]
    plan = make_plan(args.runs)
    result: dict = {"runs": args.runs, "chunk": args.chunk, "columns": COLUMNS + 7,
                    "compact_every": store_mod.COMPACT_EVERY}
    every = store_mod.COMPACT_EVERY
    with tempfile.TemporaryDirectory(prefix="commsim-store-") as tmp:
        old, new = Path(tmp) / "uncompacted", Path(tmp) / "compacted"
        result["write_uncompacted_s"] = round(write_store(old, plan, args.chunk, 10**9), 2)
        load.append(os.getloadavg()[0])
        result["write_compacted_s"] = round(write_store(new, plan, args.chunk, every), 2)
        load.append(os.getloadavg()[0])
        store_mod.COMPACT_EVERY = 10**9  # reading the old layout as the old code did
        result["uncompacted"] = resume_and_read(old, plan)
        load.append(os.getloadavg()[0])
        store_mod.COMPACT_EVERY = every
        result["compacted"] = resume_and_read(new, plan)
        copy = Path(tmp) / "migrated"
        shutil.copytree(old, copy)
        result["compact_existing_s"] = round(timed(lambda: RunStore(copy).compact(everything=True))[0], 2)
        result["migrated"] = resume_and_read(copy, plan)
        load.append(os.getloadavg()[0])
    result["load_average_1min"] = [round(x, 2) for x in load]
    u, c = result["uncompacted"], result["compacted"]
    result["speedup_open"] = round(u["open_s"] / c["open_s"], 1)
    result["speedup_read"] = round(u["read_s"] / c["read_s"], 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
