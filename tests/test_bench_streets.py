"""benchmarks/streets.py: streets of exactly N households scaled from the baseline's estates."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
streets = importlib.import_module("benchmarks.streets")


@pytest.mark.parametrize(("n", "estates"), [(300, 10), (3_000, 10), (30_000, 30), (1_000_000, 1090)])
def test_street_has_exactly_n_households(n, estates):
    scenario = streets.street_of(n, months=12)
    assert scenario.households == n
    assert len(scenario.estates()) == estates
    assert scenario.months == 12
    # estates keep the baseline's mix of types and their relative sizes
    types = {e.type for _, _, e in scenario.estates()}
    assert types == {"commercial", "old", "resettlement", "work_unit"}


def test_a_policy_scenario_scales_with_its_policy_and_estates_kept():
    """benchmarks/floor.py multiplies a headline scenario's households in the same estates."""
    base = streets.street_of(9_150, copies=1, scenario="suzhou_alliance")
    big = streets.street_of(3 * 9_150, copies=1, scenario="suzhou_alliance")
    assert big.households == 3 * base.households
    assert [e.name for _, _, e in big.estates()] == [e.name for _, _, e in base.estates()]
    assert [e.households for _, _, e in big.estates()] == [3 * e.households for _, _, e in base.estates()]
    assert list(big.policies) == ["suzhou_alliance"]
    assert not streets.street_of(9_150, copies=1).policies


def test_street_too_small_for_its_estates_is_refused():
    with pytest.raises(ValueError, match="cannot build a street of 5"):
        streets.street_of(5)


def test_a_large_street_needs_at_most_150_bytes_per_household():
    """Issue 17's memory goal, a deterministic count (not a timing): tracemalloc's peak while
    building a 300,000-household street and running one month, per household
    (``benchmarks/workloads.memory``; numpy registers its buffers with tracemalloc)."""
    workloads = importlib.import_module("benchmarks.workloads")
    measured = workloads.memory(300_000)
    assert measured["traced_peak_bytes_per_household"] <= 150, measured
