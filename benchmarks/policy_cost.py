"""What the headline policies add to a run: old code against new, in one process, alternating.

    .venv/bin/python benchmarks/policy_cost.py --old /tmp/old/src --reps 8

Make the old package as ``ab.py`` says (``commsim_old``). For each headline scenario (9,150
households, 60 months) it times whole runs (simulate + summarize, CPU time) of the old and new
code in alternating order, and the CPU time spent inside the policies' hooks (the policy's own
work and the core functions its hooks call: meetings, votes, supervision). A policy's added
cost is its run's median less the baseline's median, in the same version. First it checks that
old and new give identical monthly tables (``check_exact``) for every headline scenario.
Prints one JSON object; writes ``benchmarks/results/policy_cost.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
HEADLINE = ("baseline", "suzhou_alliance", "liaocheng_four_in_one", "fee_subsidy")


def _timed_hooks(model_mod, clock: list[float]) -> None:
    """Wrap the model class's hook runner so that ``clock[0]`` accumulates its CPU time."""
    cls = model_mod.CommunityModel
    run_hooks = cls._run_hooks

    def timed(self, when: str, stage: str) -> None:
        t = time.process_time()
        run_hooks(self, when, stage)
        clock[0] += time.process_time() - t

    cls._run_hooks = timed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old", required=True, help="folder holding the commsim_old package")
    ap.add_argument("--reps", type=int, default=8, help="runs per scenario and version")
    ap.add_argument("--months", type=int, default=60)
    ap.add_argument("--out", type=Path, default=HERE / "results" / "policy_cost.json")
    args = ap.parse_args()
    sys.path.insert(0, args.old)
    import importlib

    pkgs = {}
    clocks = {}
    for name, pkg in (("old", "commsim_old"), ("new", "commsim")):
        mods = [importlib.import_module(f"{pkg}.{m}") for m in ("scenario", "model", "runner")]
        clocks[name] = [0.0]
        _timed_hooks(mods[1], clocks[name])
        pkgs[name] = mods
    out: dict = {"load_start": [round(x, 2) for x in os.getloadavg()]}
    for scenario in HEADLINE[1:]:
        frames = [runner.simulate(scen.load_scenario(str(ROOT / "scenarios" / f"{scenario}.toml")).with_months(30), 3)
                  for scen, _, runner in pkgs.values()]
        pd.testing.assert_frame_equal(frames[0], frames[1], check_exact=True)
    out["same_numbers"] = True
    scs = {(v, s): scen.load_scenario(str(ROOT / "scenarios" / f"{s}.toml")).with_months(args.months)
           for v, (scen, _, _) in pkgs.items() for s in HEADLINE}
    run_s = {key: [] for key in scs}
    hook_s = {key: [] for key in scs}
    for r in range(args.reps):
        for s in HEADLINE:
            for v in (("old", "new") if r % 2 == 0 else ("new", "old")):
                _, _, runner = pkgs[v]
                sc, seed = scs[(v, s)], runner.replicate_seed(11, r)
                clocks[v][0] = 0.0
                t = time.process_time()
                runner.summarize(runner.simulate(sc, seed), sc.burn_in_months)
                run_s[(v, s)].append(time.process_time() - t)
                hook_s[(v, s)].append(clocks[v][0])
    med = {key: statistics.median(x) for key, x in run_s.items()}
    for s in HEADLINE:
        row = {f"{v}_run_s": round(med[(v, s)], 4) for v in ("old", "new")}
        row["ratio_median_of_pairs"] = round(statistics.median(
            o / n for o, n in zip(run_s[("old", s)], run_s[("new", s)], strict=True)), 3)
        for v in ("old", "new"):
            row[f"{v}_hooks_s"] = round(statistics.median(hook_s[(v, s)]), 4)
            if s != "baseline":
                row[f"{v}_added_s"] = round(med[(v, s)] - med[(v, "baseline")], 4)
        out[s] = row
        print(s, json.dumps(row), flush=True)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from benchmarks.ab import finish

    finish(out, args.out)


if __name__ == "__main__":
    main()
