"""Same scenario, same seed: the same numbers as the stored summaries (tests/data/golden).

The stored file is regenerated (tests/data/golden/make_golden.py) only by a change meant to move
the model's numbers; a refactoring or an optimisation must leave it exact to 1e-9.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd

GOLDEN = Path(__file__).parent / "data" / "golden"


def test_summaries_match_the_stored_ones():
    spec = importlib.util.spec_from_file_location("make_golden", GOLDEN / "make_golden.py")
    make = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make)
    stored = pd.read_csv(GOLDEN / "street_summaries.csv").set_index("run")
    now = make.summaries().set_index("run")
    assert list(now.index) == list(stored.index)
    assert set(now.columns) == set(stored.columns), set(now.columns) ^ set(stored.columns)
    for col in stored.columns:
        np.testing.assert_allclose(now[col].to_numpy(float), stored[col].to_numpy(float), rtol=1e-9, atol=1e-9,
                                   err_msg=col, equal_nan=True)
