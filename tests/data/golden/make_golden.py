"""Regenerate the stored summaries that tests/test_same_numbers.py compares against.

    .venv/bin/python tests/data/golden/make_golden.py

Run it only when a change is meant to move the model's numbers, and say why in the commit: the
stored file is the guard that refactorings and optimisations leave every output as it was.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from commsim import CommunityModel, load_scenario
from commsim.runner import summarize

HERE = Path(__file__).parent
SMALL = str(HERE.parent / "small.toml")
#: (scenario, seed, months): the small street, the baseline and every shipped policy
RUNS: tuple[tuple[str, int, int], ...] = (
    (SMALL, 1, 36), (SMALL, 2, 36), ("baseline", 1, 30),
    *((name, 1, 24) for name in ("suzhou_alliance", "liaocheng_four_in_one", "fee_subsidy", "cangzhou_six_in_one",
                                 "harbin_basic_service", "xian_staffing", "suzhou_classified", "alliance_plus_subsidy")),
)


def summaries() -> pd.DataFrame:
    """One row per run: its summary columns (``runner.summarize``)."""
    rows = []
    for ref, seed, months in RUNS:
        sc = load_scenario(ref).with_months(months)
        label = "small" if ref == SMALL else ref
        rows.append({"run": f"{label}:{seed}:{months}", **summarize(CommunityModel(sc, seed=seed).run(), sc.burn_in_months)})
    return pd.DataFrame(rows)


if __name__ == "__main__":
    summaries().to_csv(HERE / "street_summaries.csv", index=False, float_format="%.17g")
