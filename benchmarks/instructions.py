"""Old code against new by instructions executed (valgrind's callgrind), not by time.

    .venv/bin/python benchmarks/instructions.py --old /tmp/old/src            # months and runs
    .venv/bin/python benchmarks/instructions.py --old /tmp/old/src --sizes 300 --runs baseline

The machine is shared: CPU times of the same work vary by tens of percent with the neighbours'
load, while the instructions a piece of Python executes vary by well under 1%. Each workload
runs in its own process under ``valgrind --tool=callgrind``, counting only what happens inside
one ``functools.reduce`` call (``--toggle-collect=functools_reduce``): imports, scenario parsing
and warm-up are not counted. Workloads:

- ``month:N``: months of the status quo on a street of N households (``streets.py``), after
  three warm-up months, per month;
- ``run:NAME``: one whole run of shipped scenario NAME (60 months, 9,150 households for the
  headline ones): the model built, run, its monthly table and summary, per run.

The old package is made as for ``ab.py`` (a copy of ``src/commsim`` renamed ``commsim_old``).
Instructions are a proxy for time: a numpy call on a small array costs about the same
instructions whatever the load, a cache miss costs no instructions. Callgrind runs Python about
50x slower, so keep the workloads few. Writes ``benchmarks/results/instructions.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

DRIVER = r'''
import functools, sys
pkg, path, workload, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
sys.path.insert(0, {root!r})
if path:
    sys.path.insert(0, path)
import importlib
scenario = importlib.import_module(pkg + ".scenario")
model_mod = importlib.import_module(pkg + ".model")
runner = importlib.import_module(pkg + ".runner")
kind, _, arg = workload.partition(":")
if kind == "month":
    from benchmarks.streets import street_data
    data, source = street_data(int(arg))
    m = model_mod.CommunityModel(scenario.parse_scenario(data, source), seed=1)
    for _ in range(3):
        m.step()
    functools.reduce(lambda a, b: m.step(), range(count + 1))
else:
    sc = scenario.load_scenario(arg).with_months(60)
    runner.summarize(runner.simulate(sc, 2), sc.burn_in_months)  # warm
    def one(a, r):
        runner.summarize(runner.simulate(sc, runner.replicate_seed(7, r)), sc.burn_in_months)
    functools.reduce(one, range(count + 1))
'''


def count(pkg: str, path: str, workload: str, n: int) -> int:
    """Instructions executed by ``n`` repetitions of ``workload`` (callgrind)."""
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "driver.py"
        script.write_text(DRIVER.format(root=str(ROOT)), encoding="utf-8")
        out = Path(tmp) / "callgrind.out"
        proc = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", "--collect-atstart=no",
             "--toggle-collect=functools_reduce", sys.executable, str(script), pkg, path, workload, str(n)],
            capture_output=True, text=True, cwd=str(ROOT), check=False)
        found = re.search(r"Collected\s*:\s*(\d+)", proc.stderr)
        if proc.returncode != 0 or found is None:
            raise SystemExit(f"error: {workload} ({pkg}): callgrind failed: {proc.stderr.strip().splitlines()[-1:]}")
        return int(found.group(1))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old", required=True, help="folder holding the commsim_old package")
    ap.add_argument("--new", default="", help="folder holding the commsim package to count (default: the installed one)")
    ap.add_argument("--sizes", default="300,9150", help="streets for month:N workloads")
    ap.add_argument("--months", type=int, default=10)
    ap.add_argument("--runs", default="baseline", help="scenarios for run:NAME workloads (comma-separated; '' none)")
    ap.add_argument("--reps", type=int, default=2, help="runs per run:NAME workload")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--out", type=Path, default=HERE / "results" / "instructions.json")
    args = ap.parse_args(argv)
    workloads = [(f"month:{int(s)}", args.months) for s in args.sizes.split(",") if s]
    workloads += [(f"run:{name}", args.reps) for name in args.runs.split(",") if name]
    jobs = [(w, n, variant) for w, n in workloads for variant in ("old", "new")]
    variants = {"old": ("commsim_old", args.old), "new": ("commsim", args.new)}
    with ThreadPoolExecutor(args.jobs) as pool:
        counts = list(pool.map(lambda j: count(*variants[j[2]], j[0], j[1]), jobs))
    result: dict = {"load_end": os.getloadavg()}
    for (w, n, variant), c in zip(jobs, counts, strict=True):
        result.setdefault(w, {})[f"{variant}_instructions_each"] = c / n
    for w, _ in workloads:
        r = result[w]
        r["ratio_old_to_new"] = r["old_instructions_each"] / r["new_instructions_each"]
        print(w, json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in r.items()}), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
