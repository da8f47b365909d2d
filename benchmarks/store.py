"""The result store at 100,000 runs: resuming and reading back, with and without compaction.

A synthetic store (no model runs): 100,000 runs of made-up summaries with as many columns as
a real compare summary, in chunks of 7 runs (a 100,000-run experiment writes about 14,000
chunks). The chunk files are the store's own (the rows of ``ensemble.result_frames`` with the
store's Parquet metadata) but written straight with pyarrow, which is quicker than the
store's per-chunk pandas conversion; the store's own writing path is timed on ``--write-runs``
runs (default 10,000), without compaction (the store before this change) and with it.

Timed on the 100,000-run store:

- what a resumed command does first (``RunStore.open``: list, clean, read every key) and
  what the end of a command reads (``RunStore.runs``): as the store did before this change
  (``before_change``: the same reads the old code made), with this change's reader on the
  uncompacted chunks, and on the compacted store (the speed-ups compare the first and last);
- the one-off compaction of an uncompacted store (a folder written before this change).

    .venv/bin/python benchmarks/store.py
    .venv/bin/python benchmarks/store.py --runs 10000 --write-runs 2000

Writes ``benchmarks/results/store.json``. The machine is shared: load averages are recorded.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
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


def fast_store(folder: Path, plan: Plan, chunk: int) -> None:
    """The files ``write_store(..., compact_every=10**9)`` would leave, written directly."""
    import pyarrow.parquet as pq

    from commsim.ensemble import result_frames
    from commsim.io import annotated_table

    rng = np.random.default_rng(0)
    names = [f"mean_metric_{i}" for i in range(COLUMNS)]
    values = rng.random((len(plan.tasks), COLUMNS))
    _, summary = result_frames(plan, [(t, None, dict(zip(names, row.tolist(), strict=True)))
                                      for t, row in zip(plan.tasks, values, strict=True)])
    table = annotated_table(summary)
    runs = folder / "runs"
    runs.mkdir(parents=True)
    for i in range(0, len(plan.tasks), chunk):
        part = table.slice(i, chunk)
        tag = hashlib.sha256("".join(sorted(t.key for t in plan.tasks[i:i + chunk])).encode()).hexdigest()[:10]
        pq.write_table(part, runs / f"part-{i:08d}-{tag}.parquet")


def timed(fn) -> tuple[float, object]:
    started = time.perf_counter()
    out = fn()
    return time.perf_counter() - started, out


def before_change(folder: Path, plan: Plan) -> dict[str, float]:
    """What the store did before compaction: read every chunk's keys, then every chunk."""
    import pandas as pd
    import pyarrow.parquet as pq

    parts = sorted((folder / "runs").glob("part-*.parquet"))
    keys: set[str] = set()
    opened, _ = timed(lambda: [keys.update(pq.read_table(p, columns=["key"]).column("key").to_pylist()) for p in parts])
    read, runs = timed(lambda: pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True))
    assert len(keys) == len(plan.tasks) and len(runs) == len(plan.tasks)
    return {"open_s": round(opened, 3), "read_s": round(read, 3), "files": len(parts)}


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
    ap.add_argument("--write-runs", type=int, default=10_000)
    ap.add_argument("--chunk", type=int, default=7)
    ap.add_argument("--out", type=Path, default=HERE / "results" / "store.json")
    args = ap.parse_args()
    load = [os.getloadavg()[0]]
    every = store_mod.COMPACT_EVERY
    result: dict = {"runs": args.runs, "chunk": args.chunk, "columns": COLUMNS + 7, "compact_every": every}
    with tempfile.TemporaryDirectory(prefix="commsim-store-") as tmp:
        small = make_plan(args.write_runs)
        result["write_runs"] = args.write_runs
        result["write_uncompacted_s"] = round(write_store(Path(tmp) / "w0", small, args.chunk, 10**9), 2)
        result["write_compacted_s"] = round(write_store(Path(tmp) / "w1", small, args.chunk, every), 2)
        result["write_overhead"] = round(result["write_compacted_s"] / result["write_uncompacted_s"] - 1, 3)
        load.append(os.getloadavg()[0])
        plan = make_plan(args.runs)
        old = Path(tmp) / "uncompacted"
        result["make_uncompacted_s"] = round(timed(lambda: fast_store(old, plan, args.chunk))[0], 1)
        load.append(os.getloadavg()[0])
        result["before_change"] = before_change(old, plan)
        load.append(os.getloadavg()[0])
        store_mod.COMPACT_EVERY = 10**9  # this change's reader on the old layout, not compacting it
        result["uncompacted"] = resume_and_read(old, plan)
        load.append(os.getloadavg()[0])
        store_mod.COMPACT_EVERY = every
        result["compact_existing_s"] = round(timed(lambda: RunStore(old).compact(everything=True))[0], 2)
        result["compacted"] = resume_and_read(old, plan)
        load.append(os.getloadavg()[0])
    result["load_average_1min"] = [round(x, 2) for x in load]
    u, c = result["before_change"], result["compacted"]
    result["speedup_open"] = round(u["open_s"] / c["open_s"], 1)
    result["speedup_read"] = round(u["read_s"] / c["read_s"], 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
