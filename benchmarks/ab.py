"""Old code against new in one process: monthly steps and whole runs, in alternating blocks.

The machine is shared, so timings of two separate processes minutes apart do not compare.
This loads an older commsim as a second package, ``commsim_old``, and times both in
alternating blocks of the same work in this one process (CPU time, ``time.process_time``);
the ratio is the median of per-block ratios, and the minimum over blocks is reported too
(least disturbed by the neighbours). Make the old package once::

    mkdir -p /tmp/old && git archive <commit> src/commsim | tar -x -C /tmp/old
    mv /tmp/old/src/commsim /tmp/old/src/commsim_old
    ln -s "$PWD/scenarios" /tmp/old/scenarios    # where the old package finds shipped scenarios
    grep -rl commsim /tmp/old/src/commsim_old --include=*.py | xargs sed -i -E \\
        's/\\bfrom commsim([. ])/from commsim_old\\1/g; s/\\bimport commsim\\b/import commsim_old/g; s/"commsim\\./"commsim_old./g'
    .venv/bin/python benchmarks/ab.py --old /tmp/old/src

It first checks that both give the same monthly table (``check_exact``) for a short run.
Writes ``benchmarks/results/ab.json``.
"""

from __future__ import annotations

import argparse
import importlib
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


def _mods(pkg: str):
    return (importlib.import_module(f"{pkg}.scenario"), importlib.import_module(f"{pkg}.model"),
            importlib.import_module(f"{pkg}.runner"))


def finish(out: dict, path: Path) -> None:
    """Add the load at the end, write ``out`` as JSON to ``path``, print the loads."""
    out["load_end"] = [round(x, 2) for x in os.getloadavg()]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps({"load_start": out["load_start"], "load_end": out["load_end"]}))


def _cpu(fn) -> float:
    t = time.process_time()
    fn()
    return time.process_time() - t


def steps(pkgs: dict, n: int, months: int, blocks: int) -> dict:
    """CPU seconds per month on a street of ``n`` households, blocks alternating old/new."""
    from benchmarks.streets import street_data

    data, source = street_data(n)
    models = {}
    for name, (scen, model, _) in pkgs.items():
        models[name] = model.CommunityModel(scen.parse_scenario(data, source), seed=1)
        models[name].step()
    times: dict[str, list[float]] = {name: [] for name in pkgs}
    for _ in range(blocks):
        for name, m in models.items():
            times[name].append(_cpu(lambda m=m: [m.step() for _ in range(months)]) / months)
    return _summary(times, n)


def runs(pkgs: dict, scenario: str, reps: int, months: int) -> dict:
    """CPU seconds per whole run (simulate + summarize) of a shipped scenario, alternating."""
    times: dict[str, list[float]] = {name: [] for name in pkgs}
    scs = {name: scen.load_scenario(str(ROOT / "scenarios" / f"{scenario}.toml")).with_months(months)
           for name, (scen, _, _) in pkgs.items()}
    for r in range(reps):
        for name, (_, _, runner) in pkgs.items():
            sc = scs[name]
            seed = runner.replicate_seed(11, r)
            times[name].append(_cpu(lambda runner=runner, sc=sc, seed=seed:
                                    runner.summarize(runner.simulate(sc, seed), sc.burn_in_months)))
    return _summary(times, None)


def _summary(times: dict[str, list[float]], n: int | None) -> dict:
    old, new = times["old"], times["new"]
    out = {"old_median_s": statistics.median(old), "new_median_s": statistics.median(new),
           "old_min_s": min(old), "new_min_s": min(new),
           "ratio_median_of_blocks": statistics.median(o / w for o, w in zip(old, new, strict=True)),
           "ratio_of_minima": min(old) / min(new)}
    if n is not None:
        out["new_household_steps_per_cpu_s_median"] = n / out["new_median_s"]
        out["new_household_steps_per_cpu_s_best"] = n / out["new_min_s"]
    return {k: round(v, 6) if isinstance(v, float) else v for k, v in out.items()}


def same_numbers(pkgs: dict) -> bool:
    frames = []
    for scen, _, runner in pkgs.values():
        sc = scen.load_scenario(str(ROOT / "scenarios" / "fee_subsidy.toml")).with_months(24)
        frames.append(runner.simulate(sc, 5))
    pd.testing.assert_frame_equal(frames[0], frames[1], check_exact=True)
    return True


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old", required=True, help="folder holding the commsim_old package")
    ap.add_argument("--sizes", default="300,3000,9150,30000")
    ap.add_argument("--blocks", type=int, default=7)
    ap.add_argument("--reps", type=int, default=5, help="whole runs per headline scenario")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "ab.json")
    args = ap.parse_args()
    sys.path.insert(0, args.old)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    pkgs = {"old": _mods("commsim_old"), "new": _mods("commsim")}
    out: dict = {"load_start": [round(x, 2) for x in os.getloadavg()], "same_numbers": same_numbers(pkgs)}
    for n in [int(x) for x in args.sizes.split(",")]:
        months = max(3, min(40, 300_000 // n))
        out[f"steps_{n}"] = steps(pkgs, n, months, args.blocks)
        print(n, json.dumps(out[f"steps_{n}"]), flush=True)
    for name in HEADLINE:
        out[f"run_{name}"] = runs(pkgs, name, args.reps, 60)
        print(name, json.dumps(out[f"run_{name}"]), flush=True)
    finish(out, args.out)


if __name__ == "__main__":
    main()
