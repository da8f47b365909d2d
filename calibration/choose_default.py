"""Choose the shipped default parameter set from a calibration run.

The sets accepted on 2 replicates are re-evaluated on 8 fresh seeds (so the choice is not a
lucky draw); the set that keeps every fitted target inside its range with the widest worst-case
margin becomes the default. Writes results/robustness.csv.

    .venv/bin/commsim calibrate baseline --n 300 --reps 2 --out calibration/results
    .venv/bin/python calibration/choose_default.py calibration/results
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from commsim import load_scenario
from commsim.calibration import load_targets
from commsim.cli.calibrate import ensemble_evaluator
from commsim.params import PARAMETERS
from commsim.runner import replicate_seed

HERE = Path(__file__).parent
SPEC = load_targets(HERE / "targets.toml")
SEEDS = [replicate_seed(777, r) for r in range(8)]
SCENARIO = load_scenario(SPEC.scenario)


def typed(rec: dict) -> dict:
    return {k: int(v) if PARAMETERS[k].kind == "int" else float(v) for k, v in rec.items() if k in SPEC.parameters}


def main(folder: Path, top: int = 10) -> None:
    accepted = pd.read_csv(folder / "accepted.csv").head(top)
    records = accepted.to_dict("records")
    evaluate_many = ensemble_evaluator(SCENARIO, SPEC, folder / "robustness_runs", "local", None, None, False, None)
    results = evaluate_many([(typed(rec), SEEDS) for rec in records])
    rows = []
    fitted = [t for t in SPEC.targets if t.fitted]
    for rank, (rec, res) in enumerate(zip(records, results, strict=True)):
        margin = min(min(res[t.name] - t.low, t.high - res[t.name]) / (t.high - t.low) for t in fitted)
        rows.append({"rank_on_2_reps": rank, "worst_margin": margin,
                     "centrality": float(np.mean([t.centrality(res[t.name]) for t in fitted])),
                     **{f"stat_{k}": v for k, v in res.items()}, **typed(rec)})
    table = pd.DataFrame(rows).sort_values("worst_margin", ascending=False)
    table.to_csv(folder / "robustness.csv", index=False)
    print(table.head(3).T.to_string())


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "results")
