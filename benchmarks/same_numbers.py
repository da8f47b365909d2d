"""Same scenario, same seed, two versions of commsim: are the monthly DataFrames the same?

    git archive <old-commit> src scenarios | tar -x -C /tmp/old
    .venv/bin/python benchmarks/same_numbers.py /tmp/old/src

Runs the small test street, the baseline and a 30,000-household street for three seeds each
with the old ``src`` and with this checkout's, each in its own process, and prints per run the
largest relative difference over all columns and months (and the first month above 1e-9, where
trajectories would part). The guard used when optimising (see benchmarks/README.md).
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
RUNS = (("tests/data/small.toml", 36), ("baseline", 60), ("street:30000", 24))
CHILD = """
import pickle, sys
sys.path.insert(0, sys.argv[1]); sys.path.insert(1, sys.argv[2])
from benchmarks.streets import street_of
from commsim import CommunityModel, load_scenario
out = {}
for ref, months in eval(sys.argv[3]):
    sc = street_of(int(ref.split(':')[1])) if ref.startswith('street:') else load_scenario(ref)
    for seed in (1, 2, 3):
        out[(ref, seed)] = CommunityModel(sc, seed=seed).run(months)
pickle.dump(out, open(sys.argv[4], 'wb'))
"""


def runs_with(src: Path, path: Path) -> dict:
    subprocess.run([sys.executable, "-c", CHILD, str(src), str(ROOT), repr(RUNS), str(path)], cwd=ROOT, check=True)
    with open(path, "rb") as f:
        return pickle.load(f)


def largest_difference(a: pd.DataFrame, b: pd.DataFrame) -> tuple[float, int | None]:
    worst, first = 0.0, None
    for col in a.columns:
        if not pd.api.types.is_numeric_dtype(a[col]):
            if not (a[col] == b[col]).all():
                return float("inf"), 1
            continue
        x, y = a[col].to_numpy(float), b[col].to_numpy(float)
        rel = np.abs(x - y) / np.maximum(np.abs(x), 1e-12)
        rel = np.where(np.isnan(x) & np.isnan(y), 0.0, np.nan_to_num(rel, nan=1.0))
        worst = max(worst, float(rel.max()))
        if (rel > 1e-9).any():
            month = int(a["month"].to_numpy()[np.argmax(rel > 1e-9)])
            first = month if first is None else min(first, month)
    return worst, first


def main() -> None:
    old_src = Path(sys.argv[1]).resolve()
    with tempfile.TemporaryDirectory() as tmp:
        old = runs_with(old_src, Path(tmp) / "old.pkl")
        new = runs_with(ROOT / "src", Path(tmp) / "new.pkl")
    for key, df in old.items():
        worst, first = largest_difference(df, new[key])
        print(f"{key[0]:>24} seed {key[1]}: largest relative difference {worst:.1e}; "
              f"first month above 1e-9: {first if first is not None else 'none'}")


if __name__ == "__main__":
    main()
