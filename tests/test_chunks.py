"""The store's chunk tables built from numpy blocks equal the pandas way's, metadata and all."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from commsim import chunks
from commsim.ensemble import Plan, result_frames, run_one
from commsim.io import annotated_table, write_table
from commsim.runner import replicate_seed
from commsim.scenario import load_scenario

SMALL = str(Path(__file__).parent / "data" / "small.toml")


def pandas_way(plan: Plan, results):
    monthly, summary = result_frames(plan, results)
    return (annotated_table(monthly) if monthly is not None else None), annotated_table(summary)


def assert_same(plan: Plan, results, fast: bool = True) -> None:
    chunks._SCHEMAS.clear()
    if fast:  # the numpy path itself, not its fallback
        assert chunks._monthly_table(plan, results) is not None or not plan.keep_monthly
        chunks._summary_table(plan, results)
    got, want = chunks.chunk_tables(plan, results), pandas_way(plan, results)
    for a, b in zip(got, want, strict=True):
        assert (a is None) == (b is None)
        if a is not None:
            assert a.schema.equals(b.schema, check_metadata=True), a.schema.to_string()
            assert a.equals(b, check_metadata=True)


def run_all(plan: Plan) -> list:
    return [(t, *run_one(plan.scenarios[t.scenario], dict(t.values), t.seed)) for t in plan.tasks]


def test_scenarios_with_different_policies_in_one_chunk():
    base = load_scenario("baseline").with_months(4)
    plan = Plan("compare", {"baseline": base, "suzhou_alliance": load_scenario("suzhou_alliance").with_months(4),
                            "fee_subsidy": load_scenario("fee_subsidy").with_months(4)},
                sampled=("satisfaction_initial_mean",), samples={0: {"satisfaction_initial_mean": 0.5}, 1: {"satisfaction_initial_mean": 0.7}})
    for r in range(2):
        for label in plan.scenarios:
            plan.add(label, r, replicate_seed(5, r))
    results = run_all(plan)
    assert_same(plan, results)
    assert_same(plan, results[2:5])  # a chunk without the baseline
    # a run's NaN stays NaN; a count column stays int64 (the pandas way makes NaN null)
    monthly, _ = chunks.chunk_tables(plan, results)
    assert monthly.schema.field("households").type == "int64"
    assert monthly.column("policy_cost_yuan_suzhou_alliance").null_count > 0


def test_sweep_points_and_their_fallbacks():
    sc = load_scenario(SMALL).with_months(3)
    plan = Plan("sweep", {sc.name: sc}, point_columns=("satisfaction_initial_mean",))
    for point, value in enumerate((0.5, 0.8)):
        plan.add(sc.name, 0, replicate_seed(1, 0), {"satisfaction_initial_mean": value}, point)
    results = run_all(plan)
    assert_same(plan, results)
    mixed = Plan("sweep", {sc.name: sc}, point_columns=("satisfaction_initial_mean",))
    for point, value in enumerate((1, 0.8)):  # an int and a float: pandas' own dtype rules
        mixed.add(sc.name, 0, replicate_seed(1, 0), {"satisfaction_initial_mean": value}, point)
    assert_same(mixed, [(t, m, s) for t, (_, m, s) in zip(mixed.tasks, results, strict=True)], fast=False)


def test_other_categories_or_missing_monthly_rows_go_the_pandas_way():
    sc = load_scenario(SMALL).with_months(3)
    plan = Plan("run", {sc.name: sc})
    for r in range(2):
        plan.add(sc.name, r, replicate_seed(2, r))
    results = run_all(plan)
    other = results[1][1].copy()
    other["estate"] = other["estate"].cat.reorder_categories(list(other["estate"].cat.categories)[::-1])
    with pytest.raises(chunks._Fallback):
        chunks._monthly_table(plan, [results[0], (results[1][0], other, results[1][2])])
    assert_same(plan, [results[0], (results[1][0], other, results[1][2])], fast=False)
    summary = dict(results[1][2], final_extra=None)  # a None in a summary row
    assert_same(plan, [results[0], (results[1][0], results[1][1], summary)], fast=False)
    plan.keep_monthly = False
    assert_same(plan, [(t, None, s) for t, _, s in results])


def test_written_chunk_reads_back_as_the_frames(tmp_path):
    sc = load_scenario(SMALL).with_months(3)
    plan = Plan("run", {sc.name: sc})
    plan.add(sc.name, 0, replicate_seed(2, 0))
    results = run_all(plan)
    monthly, _ = chunks.chunk_tables(plan, results)
    write_table(monthly, tmp_path / "m.parquet")
    back = pd.read_parquet(tmp_path / "m.parquet")
    pd.testing.assert_frame_equal(back, result_frames(plan, results)[0])
    assert pq.read_schema(tmp_path / "m.parquet").field("collection_rate").metadata[b"unit"] == b"0-1"
    assert np.isnan(back["collection_rate"]).sum() == np.isnan(result_frames(plan, results)[0]["collection_rate"]).sum()
