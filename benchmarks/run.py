"""commsim benchmarks: throughput, the per-agent reference, ensembles, memory, a big street.

Run ``make bench`` (or ``.venv/bin/python benchmarks/run.py``; ``--quick`` for a smoke run).
Writes ``benchmarks/results/latest.json`` (figures + machine info) and prints a Markdown
summary against the targets of issue 6. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import statistics
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "latest.json"
TARGETS = {  # issue 17 (issue 6's were 5e6, 50x and 300 bytes)
    "household_steps_per_s_at_30000": 8e6,
    "ratio_to_reference_at_3000": 40.0,
    "ratio_to_reference_at_300000": 60.0,
    "parallel_efficiency_2_workers": 0.85,
    "bytes_per_household_at_300000": 150.0,
}


def machine() -> dict:
    import mesa
    import numpy

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True, check=False).stdout.strip()
    except OSError:
        commit = ""
    return {
        "cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem / 2**30, 1),
        "python": platform.python_version(), "numpy": numpy.__version__, "mesa": mesa.__version__,
        "platform": platform.platform(), "commit": commit,
        "load_average_at_start": os.getloadavg(),
    }


def isolated(fn, *args):
    """Run ``fn(*args)`` in a fresh spawned process (clean memory figures)."""
    with ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("spawn")) as pool:
        return pool.submit(fn, *args).result()


def ensemble(runs: int, scenario: str, rounds: int = 4) -> dict:
    """``runs`` replicates on 1 and on 2 spawned worker processes kept alive (warmed first).

    The runs go in ``rounds`` alternating batches (1 worker, then 2 workers, ...), so that a
    burst of load from other sessions falls on both alike; seeds differ between batches.
    """
    from benchmarks import workloads

    ctx = mp.get_context("spawn")
    per_round = runs // rounds
    out = {w: {"workers": w, "runs": per_round * rounds, "scenario": scenario, "batches": []} for w in (1, 2)}
    pools = {}
    try:
        for w in (1, 2):
            w0 = time.perf_counter()
            pools[w] = ProcessPoolExecutor(max_workers=w, mp_context=ctx)
            pids = set(pools[w].map(workloads.warm_worker, [scenario] * w * 2))
            out[w]["pool_startup_seconds"] = time.perf_counter() - w0
            out[w]["warmed_processes"] = len(pids)
        for r in range(rounds):
            for w in (1, 2):
                seeds = range((2 * r + w) * per_round, (2 * r + w + 1) * per_round)
                w0 = time.perf_counter()
                done = list(pools[w].map(workloads.one_run, seeds))
                out[w]["batches"].append({"wall_seconds": time.perf_counter() - w0,
                                          "cpu_seconds": [d[2] for d in done], "load_average": os.getloadavg()[0]})
    finally:
        for pool in pools.values():
            pool.shutdown()
    for o in out.values():
        wall = sum(b["wall_seconds"] for b in o["batches"])
        cpu = [c for b in o["batches"] for c in b.pop("cpu_seconds")]
        o |= {"wall_seconds": wall, "runs_per_s": o["runs"] / wall, "run_cpu_seconds_median": statistics.median(cpu),
              "load_average": max(b["load_average"] for b in o["batches"])}
    return out


def ensemble_runner(runs: int, scenario: str, rounds: int = 2) -> dict:
    """``runs`` replicates through commsim's own runner (``commsim.ensemble.run_plan``, local
    backend, no output folder) on 1 and on 2 workers, in alternating batches. Unlike
    :func:`ensemble`, each batch includes starting the worker pool, as a user's command does."""
    from commsim import load_scenario
    from commsim.ensemble import Plan, run_plan
    from commsim.runner import replicate_seed

    sc = load_scenario(scenario)
    per_round = runs // rounds
    out = {w: {"workers": w, "runs": per_round * rounds, "scenario": scenario, "batches": []} for w in (1, 2)}
    for r in range(rounds):
        for w in (1, 2):
            plan = Plan("run", {sc.name: sc}, keep_monthly=False)
            for i in range((2 * r + w) * per_round, (2 * r + w + 1) * per_round):
                plan.add(sc.name, i, replicate_seed(1, i))
            w0 = time.perf_counter()
            run_plan(plan, None, "local", w, progress=False)
            out[w]["batches"].append({"wall_seconds": time.perf_counter() - w0, "load_average": os.getloadavg()[0]})
    for o in out.values():
        wall = sum(b["wall_seconds"] for b in o["batches"])
        o |= {"wall_seconds": wall, "runs_per_s": o["runs"] / wall, "load_average": max(b["load_average"] for b in o["batches"])}
    return out


def _ensembles(out: dict, q: bool, log) -> None:
    log("ensemble throughput (spawned process pool, workers kept alive)")
    runs = 200 if not q else 8
    both = ensemble(runs, "baseline", rounds=4 if not q else 2)
    out["ensemble"] = [both[1], both[2]]
    log("ensemble throughput through commsim.ensemble.run_plan (pool start included)")
    runner = ensemble_runner(runs, "baseline", rounds=2 if not q else 1)
    out["ensemble_runner"] = [runner[1], runner[2]]
    r1, r2 = out["ensemble_runner"]
    out["ensemble_runner_efficiency"] = r1["wall_seconds"] / (2 * r2["wall_seconds"])
    log(f"    commsim runner: {r1['runs_per_s']:.2f} runs/s on 1 worker, {r2['runs_per_s']:.2f} on 2: "
        f"efficiency {out['ensemble_runner_efficiency']:.0%}")
    one, two = out["ensemble"]
    out["parallel_efficiency_2_workers"] = one["wall_seconds"] / (2 * two["wall_seconds"])
    out["parallel_efficiency_2_workers_by_batch"] = [
        a["wall_seconds"] / (2 * b["wall_seconds"]) for a, b in zip(one["batches"], two["batches"], strict=True)
    ]
    out["parallel_efficiency_2_workers_cpu"] = one["run_cpu_seconds_median"] / two["run_cpu_seconds_median"]
    log(f"  {one['runs_per_s']:.2f} runs/s on 1 worker, {two['runs_per_s']:.2f} on 2: "
        f"efficiency {out['parallel_efficiency_2_workers']:.0%}")


def main(argv: list[str] | None = None) -> dict:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from benchmarks import workloads

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, a smoke run (not for figures)")
    ap.add_argument("--skip-million", action="store_true", help="skip the 1,000,000-household run")
    ap.add_argument("--skip-ensemble", action="store_true", help="skip the process-pool ensembles")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    q = args.quick
    out: dict = {"machine": machine(), "quick": q, "started": time.strftime("%Y-%m-%d %H:%M:%S")}

    def log(msg: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)

    log("throughput of the vectorised model")
    # 300 households in 10 estates: almost only the per-month fixed cost (institutions, calls)
    sizes = [(300, 200, 5), (3_000, 60, 5), (10_000, 36, 5), (30_000, 24, 5), (100_000, 8, 5), (300_000, 4, 3)]
    if q:
        sizes = [(300, 20, 2), (3_000, 12, 2), (30_000, 4, 2)]
    out["throughput"] = [workloads.throughput(n, months, reps) for n, months, reps in sizes]
    for t in out["throughput"]:
        log(f"  {t['households']:>9,} households: {t['household_steps_per_s_median'] / 1e6:.2f} M household-steps/s")

    log("vectorised vs per-agent reference (alternating blocks)")
    out["reference"] = [workloads.versus_reference(3_000, 60, 3 if not q else 1, 5 if not q else 2)]
    if not q:
        out["reference"].append(workloads.versus_reference(30_000, 24, 1, 3))
        out["reference"].append(workloads.versus_reference(300_000, 4, 1, 2))
    for r in out["reference"]:
        log(f"  {r['households']:,} households: {r['ratio_median']:.1f}x (reference "
            f"{r['reference']['household_steps_per_s_median']:,.0f} household-steps/s)")

    log("population build time")
    out["build"] = [workloads.population_build(n) for n in ((3_000, 30_000, 300_000) if not q else (3_000,))]

    log("memory (fresh process)")
    out["memory"] = isolated(workloads.memory, 300_000 if not q else 30_000)
    log(f"  {out['memory']['traced_peak_bytes_per_household']:.0f} bytes/household (traced peak)")

    if not args.skip_ensemble:
        _ensembles(out, q, log)

    if not args.skip_million:
        n, months = (1_000_000, 120) if not q else (100_000, 6)
        log(f"a street of {n:,} households for {months} months (fresh process)")
        out["million"] = isolated(workloads.long_run, n, months)
        m = out["million"]
        log(f"  built in {m['build_seconds']:.1f} s, ran in {m['run_seconds']:.1f} s, "
            f"peak RSS {m['peak_rss_bytes'] / 2**20:,.0f} MiB")

    out["machine"]["load_average_at_end"] = os.getloadavg()
    out["finished"] = time.strftime("%Y-%m-%d %H:%M:%S")
    out["targets"] = targets(out)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text(json.dumps(out, indent=2))
    os.replace(tmp, args.out)
    text = markdown(out)
    args.out.with_suffix(".md").write_text(text + "\n")
    print(text)
    log(f"wrote {args.out} and {args.out.with_suffix('.md')}")
    return out


def targets(out: dict) -> list[dict]:
    at = {t["households"]: t for t in out["throughput"]}
    ref = {r["households"]: r for r in out["reference"]}
    rows = []
    if 30_000 in at:
        rows.append(("household-steps/s at 30,000, one core (wall time)", at[30_000]["household_steps_per_s_median"],
                     TARGETS["household_steps_per_s_at_30000"], ">="))
        rows.append(("household-steps/s at 30,000, one core (CPU time)", at[30_000]["household_steps_per_s_cpu_median"],
                     TARGETS["household_steps_per_s_at_30000"], ">="))
    if 3_000 in ref:
        rows.append(("ratio to the reference at 3,000 (wall time)", ref[3_000]["ratio_median"],
                     TARGETS["ratio_to_reference_at_3000"], ">="))
        rows.append(("ratio to the reference at 3,000 (CPU time)", ref[3_000]["ratio_cpu_median"],
                     TARGETS["ratio_to_reference_at_3000"], ">="))
    if 300_000 in ref:
        rows.append(("ratio to the reference at 300,000 (CPU time)", ref[300_000]["ratio_cpu_median"],
                     TARGETS["ratio_to_reference_at_300000"], ">="))
    if "parallel_efficiency_2_workers" in out:
        rows.append(("parallel efficiency, 2 workers, 200 runs (wall time)", out["parallel_efficiency_2_workers"],
                     TARGETS["parallel_efficiency_2_workers"], ">="))
    if "ensemble_runner_efficiency" in out:
        rows.append(("parallel efficiency through commsim's runner, pool start included", out["ensemble_runner_efficiency"],
                     TARGETS["parallel_efficiency_2_workers"], ">="))
    if out["memory"]["households"] == 300_000:
        rows.append(("bytes per household at 300,000 (traced peak)", out["memory"]["traced_peak_bytes_per_household"],
                     TARGETS["bytes_per_household_at_300000"], "<="))
    result = [{"target": name, "measured": value, "goal": goal,
               "met": value >= goal if op == ">=" else value <= goal} for name, value, goal, op in rows]
    if "million" in out and out["million"]["households"] == 1_000_000:
        result.append({"target": "1,000,000 households for 120 months runs", "measured": out["million"]["run_seconds"],
                       "goal": None, "met": out["million"]["months"] == 120})
    return result


def _ensemble_markdown(out: dict, lines: list[str]) -> None:
    lines += ["| workers | runs | runs/s | wall (s) | CPU s per run (median) | pool start (s) | highest load average |",
              "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for e in out["ensemble"]:
        lines.append(f"| {e['workers']} | {e['runs']} | {e['runs_per_s']:.2f} | {e['wall_seconds']:.1f} "
                     f"| {e['run_cpu_seconds_median']:.3f} | {e['pool_startup_seconds']:.1f} | {e['load_average']:.1f} |")
    batches = ", ".join(f"{x:.0%}" for x in out["parallel_efficiency_2_workers_by_batch"])
    lines.append(f"\nParallel efficiency on 2 workers: {out['parallel_efficiency_2_workers']:.0%} (wall time; "
                 f"alternating batches of {out['ensemble'][0]['runs'] // len(out['ensemble'][0]['batches'])} runs: "
                 f"{batches}); CPU time per run on 2 workers vs 1: {out['parallel_efficiency_2_workers_cpu']:.0%}.")
    if "ensemble_runner" in out:
        r1, r2 = out["ensemble_runner"]
        lines.append(f"\nThrough commsim's own runner (`commsim.ensemble.run_plan`, local backend, each batch starting its "
                     f"pool as a command does): {r1['runs_per_s']:.2f} runs/s on 1 worker, {r2['runs_per_s']:.2f} on 2; "
                     f"parallel efficiency {out['ensemble_runner_efficiency']:.0%}.")


def markdown(out: dict) -> str:
    """The figures as Markdown tables (pasted into benchmarks/README.md)."""
    mach = out["machine"]
    lines = [
        f"Machine: {mach['cpu']}, {mach['cores']} cores, {mach['memory_gib']} GiB; Python {mach['python']}, "
        f"numpy {mach['numpy']}, Mesa {mach['mesa']}; commit {mach['commit']}; {out['started']}. Load average "
        f"(1 min) {mach['load_average_at_start'][0]:.1f} at start, {mach['load_average_at_end'][0]:.1f} at end.",
        "",
        "| households | estates | household-steps/s (wall, median) | (wall, best) | (CPU time, median) |",
        "| ---: | ---: | ---: | ---: | ---: |",
    ]
    for t in out["throughput"]:
        lines.append(f"| {t['households']:,} | {t['estates']} | {t['household_steps_per_s_median'] / 1e6:.2f} M "
                     f"| {t['household_steps_per_s_best'] / 1e6:.2f} M | {t['household_steps_per_s_cpu_median'] / 1e6:.2f} M |")
    lines += ["", "| households | vectorised (wall) | reference (wall) | ratio (wall) | ratio (CPU time) |",
              "| ---: | ---: | ---: | ---: | ---: |"]
    for r in out["reference"]:
        lines.append(f"| {r['households']:,} | {r['vectorised']['household_steps_per_s_median'] / 1e6:.2f} M "
                     f"| {r['reference']['household_steps_per_s_median'] / 1e3:.0f} k | {r['ratio_median']:.1f}x "
                     f"| {r['ratio_cpu_median']:.1f}x |")
    lines += ["", "| households | build population (s) | build model (s) |", "| ---: | ---: | ---: |"]
    for b in out["build"]:
        lines.append(f"| {b['households']:,} | {b['population_seconds_median']:.3f} | {b['model_seconds_median']:.3f} |")
    mem = out["memory"]
    lines += ["", f"Memory at {mem['households']:,} households (model construction + one month, fresh process): "
              f"traced peak {mem['traced_peak_bytes_per_household']:.0f} bytes/household, retained "
              f"{mem['traced_retained_bytes_per_household']:.0f}, household arrays {mem['household_arrays_bytes_per_household']:.0f}, "
              f"RSS growth {mem['rss_growth_bytes_per_household']:.0f}.", "",
              ]
    if "ensemble" in out:
        _ensemble_markdown(out, lines)
    if "million" in out:
        m = out["million"]
        lines.append(f"\n{m['households']:,} households ({m['estates']} estates) for {m['months']} months: built in "
                     f"{m['build_seconds']:.1f} s, ran in {m['run_seconds']:.1f} s ({m['run_cpu_seconds']:.1f} s CPU, "
                     f"{m['household_steps_per_s'] / 1e6:.2f} M household-steps/s), DataFrame in {m['dataframe_seconds']:.1f} s, "
                     f"peak RSS {m['peak_rss_bytes'] / 2**20:,.0f} MiB.")
    lines += ["", "| target | measured | goal | met |", "| --- | --- | --- | --- |"]
    for t in out["targets"]:
        goal = "-" if t["goal"] is None else f"{t['goal']:,.3g}"
        lines.append(f"| {t['target']} | {t['measured']:,.3g} | {goal} | {'yes' if t['met'] else 'no'} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
