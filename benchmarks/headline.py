"""The headline command, timed: four scenarios at R replicates, 9,150 households, 60 months.

    .venv/bin/python benchmarks/headline.py --reps 1000                  # the issue's command
    .venv/bin/python benchmarks/headline.py --reps 50 --against /tmp/old/src --rounds 2

Runs ``commsim compare baseline suzhou_alliance liaocheng_four_in_one fee_subsidy --reps R
--months 60 --no-figures --noise-only`` (and, with ``--worlds N``, the default comparison
across N worlds instead of --noise-only) in a fresh output folder, in a subprocess, and
records the wall time with the load averages before and after. ``--against SRC`` runs the
same command with another source tree first on ``PYTHONPATH`` (the code before a change),
alternating old and new ``--rounds`` times, so the ratio is measured in one session.
Writes ``benchmarks/results/headline.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
COMMSIM = str(Path(sys.executable).with_name("commsim"))
SCENARIOS = ["baseline", "suzhou_alliance", "liaocheng_four_in_one", "fee_subsidy"]


def one(reps: int, worlds: int | None, src: str | None, workers: int | None) -> dict:
    env = dict(os.environ)
    if src:
        env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    with tempfile.TemporaryDirectory(prefix="commsim-headline-") as tmp:
        cmd = [COMMSIM, "compare", *SCENARIOS, "--reps", str(reps), "--months", "60", "--no-figures",
               "--out", str(Path(tmp) / "out"), "--yes"]
        cmd += ["--noise-only"] if worlds is None else ["--worlds", str(worlds), "--max-worlds", str(worlds)]
        if workers:
            cmd += ["--workers", str(workers)]
        load0 = os.getloadavg()
        started = time.perf_counter()
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - started
        load1 = os.getloadavg()
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr[-2000:]}")
        manifest = json.loads((Path(tmp) / "out" / "manifest.json").read_text())
    runs = manifest.get("runs", 0) + ((manifest.get("worlds") or {}).get("runs", 0) if worlds else 0)
    return {"code": src or "this tree", "reps": reps, "worlds": worlds, "wall_s": round(wall, 2),
            "runs": runs, "load_before": [round(x, 2) for x in load0], "load_after": [round(x, 2) for x in load1]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=1000)
    ap.add_argument("--worlds", type=int, default=None, help="compare across N worlds (default: --noise-only)")
    ap.add_argument("--against", default=None, metavar="SRC", help="another source tree to time in the same session")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--out", type=Path, default=HERE / "results" / "headline.json")
    args = ap.parse_args()
    rows = []
    for _ in range(args.rounds):
        for src in ([args.against] if args.against else []) + [None]:
            rows.append(one(args.reps, args.worlds, src, args.workers))
            print(json.dumps(rows[-1]), flush=True)
    result = {"command": f"compare {' '.join(SCENARIOS)} --reps {args.reps} --months 60 --no-figures "
                         + ("--noise-only" if args.worlds is None else f"--worlds {args.worlds} --max-worlds {args.worlds}"),
              "rows": rows}
    if args.against:
        old = statistics.median(r["wall_s"] for r in rows if r["code"] == args.against)
        new = statistics.median(r["wall_s"] for r in rows if r["code"] == "this tree")
        result["speedup_wall"] = round(old / new, 3)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "rows"}))


if __name__ == "__main__":
    main()
