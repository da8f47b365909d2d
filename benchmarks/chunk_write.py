"""CPU time the command's main process spends on each finished chunk, and a worker on each run
besides the model: the store's write of a chunk (monthly and summary rows to Parquet), the
compaction of the summary chunks, and ``runner.summarize``.

    .venv/bin/python benchmarks/chunk_write.py --runs 8 --chunks 40
    PYTHONPATH=/tmp/old/src .venv/bin/python benchmarks/chunk_write.py   # the code before

Runs ``--runs`` headline runs (the four scenarios in turn, 60 months) once, then writes them
``--chunks`` times as one chunk into a fresh store (``RunStore.write``, as ``commsim compare``
does), compacts, and times ``summarize`` on each run 20 times. Prints one JSON line: median CPU
milliseconds per chunk written, per compaction and per summary, and the load average.
Alternate the two trees in one session; the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time

from commsim.ensemble import Plan
from commsim.runner import replicate_seed, simulate, summarize
from commsim.scenario import load_scenario
from commsim.store import RunStore

SCENARIOS = ("baseline", "suzhou_alliance", "liaocheng_four_in_one", "fee_subsidy")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=8, help="runs in a chunk")
    ap.add_argument("--chunks", type=int, default=40)
    args = ap.parse_args()
    load0 = os.getloadavg()
    scenarios = {name: load_scenario(name).with_months(60) for name in SCENARIOS}
    plan = Plan("compare", scenarios)
    for c in range(args.chunks):
        for i in range(args.runs):
            plan.add(SCENARIOS[i % 4], c * args.runs + i, replicate_seed(1, i))
    runs = []
    for task in plan.tasks[: args.runs]:
        sc = scenarios[task.scenario]
        monthly = simulate(sc, task.seed)
        runs.append((monthly, summarize(monthly, sc.burn_in_months), sc.burn_in_months))
    summaries = []
    for monthly, _, burn_in in runs:
        for _ in range(20):
            t = time.process_time()
            summarize(monthly, burn_in)
            summaries.append(time.process_time() - t)
    writes = []
    with tempfile.TemporaryDirectory(prefix="commsim-chunks-") as tmp:
        store = RunStore(tmp)
        store.open(plan.keys)
        store.plan = plan
        for c in range(args.chunks):
            tasks = plan.tasks[c * args.runs:(c + 1) * args.runs]
            t = time.process_time()
            store.write([(task, monthly, summary) for task, (monthly, summary, _) in zip(tasks, runs, strict=True)])
            writes.append(time.process_time() - t)
        t = time.process_time()
        store.compact(everything=True)
        compact = time.process_time() - t
    print(json.dumps({
        "code": os.environ.get("PYTHONPATH") or "this tree", "runs_per_chunk": args.runs, "chunks": args.chunks,
        "write_chunk_ms_median": round(1000 * statistics.median(writes), 2),
        "write_chunk_ms_first": round(1000 * writes[0], 2),
        "compact_all_ms": round(1000 * compact, 2),
        "summarize_ms_median": round(1000 * statistics.median(summaries), 3),
        "load_before": [round(x, 2) for x in load0], "load_after": [round(x, 2) for x in os.getloadavg()],
    }))


if __name__ == "__main__":
    main()
