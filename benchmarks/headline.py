"""The headline command, timed: four scenarios at R replicates, 9,150 households, 60 months.

    .venv/bin/python benchmarks/headline.py --reps 1000                  # the issue's command
    .venv/bin/python benchmarks/headline.py --reps 50 --against /tmp/old/src --rounds 2

Runs ``commsim compare baseline suzhou_alliance liaocheng_four_in_one fee_subsidy --reps R
--months 60 --no-figures --noise-only`` (and, with ``--worlds N``, the default comparison
across N worlds instead of --noise-only) in a fresh output folder, in a subprocess, and
records the wall time with the load averages before and after, and the CPU time of the
command's main process and of all its processes (the pool's server and workers), read with
psutil ten times a second (so each process's last tenth of a second may be missed). ``--against SRC`` runs the
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
        with open(Path(tmp) / "stderr.txt", "w+") as err:
            proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=err, text=True)
            main_cpu, total_cpu = _watch(proc)
            wall = time.perf_counter() - started
            err.seek(0)
            stderr = err.read()
        load1 = os.getloadavg()
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed:\n{stderr[-2000:]}")
        manifest = json.loads((Path(tmp) / "out" / "manifest.json").read_text())
    runs = manifest.get("runs", 0) + ((manifest.get("worlds") or {}).get("runs", 0) if worlds else 0)
    return {"code": src or "this tree", "reps": reps, "worlds": worlds, "wall_s": round(wall, 2),
            "cpu_main_s": main_cpu, "cpu_all_s": total_cpu, "runs": runs,
            "runs_seconds": manifest.get("seconds"),
            "load_before": [round(x, 2) for x in load0], "load_after": [round(x, 2) for x in load1]}


def _watch(proc: subprocess.Popen) -> tuple[float | None, float | None]:
    """Wait for ``proc``; CPU seconds (user + system) of it and of it with every descendant,
    as last seen (psutil, every 0.1 s); None without psutil."""
    try:
        import psutil
    except ImportError:
        proc.wait()
        return None, None
    seen: dict[int, float] = {}
    try:
        root = psutil.Process(proc.pid)
    except psutil.NoSuchProcess:
        proc.wait()
        return None, None
    while proc.poll() is None:
        try:
            family = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            break
        for p in family:
            try:
                t = p.cpu_times()
                seen[p.pid] = t.user + t.system
            except psutil.NoSuchProcess:
                pass
        time.sleep(0.1)
    proc.wait()
    return round(seen.get(proc.pid, 0.0), 2), round(sum(seen.values()), 2)


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
        for what in ("wall_s", "cpu_main_s", "cpu_all_s"):
            old = [r[what] for r in rows if r["code"] == args.against and r[what] is not None]
            new = [r[what] for r in rows if r["code"] == "this tree" and r[what] is not None]
            if old and new:
                result[f"old_{what}"], result[f"new_{what}"] = statistics.median(old), statistics.median(new)
                result[f"ratio_{what}"] = round(statistics.median(old) / statistics.median(new), 3)
        result["speedup_wall"] = result.get("ratio_wall_s")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "rows"}))


if __name__ == "__main__":
    main()
