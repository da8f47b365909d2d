"""The statistics of paired comparisons, on synthetic summaries with known answers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from commsim.compare import COLUMNS, bca_mean, holm, paired_comparison, paired_difference, skewness
from commsim.metrics import KEY_METRICS, direction, higher_is_better, summary_metric_names


def summary_of(**scenarios: np.ndarray) -> pd.DataFrame:
    """Summary rows: scenario -> values of mean_collection_rate by replicate."""
    return pd.DataFrame([
        {"scenario": s, "replicate": r, "mean_collection_rate": float(v), "mean_worker_load": float(v)}
        for s, values in scenarios.items() for r, v in enumerate(values)
    ])


def test_holm_matches_the_step_down_rule():
    np.testing.assert_allclose(holm([0.01, 0.04, 0.03]), [0.03, 0.06, 0.06])
    np.testing.assert_allclose(holm([0.5, 0.6]), [1.0, 1.0])
    out = holm([np.nan, 0.02])
    assert math.isnan(out[0]) and out[1] == pytest.approx(0.02)


def test_paired_t_agrees_with_scipy():
    rng = np.random.default_rng(1)
    b = rng.normal(0.7, 0.05, 30)
    x = b + rng.normal(0.02, 0.01, 30)
    assert abs(skewness(x - b)) < 1
    mean, lo, hi, method, p = paired_difference(x - b)
    ref = stats.ttest_rel(x, b)
    assert method == "paired_t" and p == pytest.approx(ref.pvalue, rel=1e-9)
    ci = ref.confidence_interval(0.95)
    assert (lo, hi) == (pytest.approx(ci.low), pytest.approx(ci.high))
    assert mean == pytest.approx(np.mean(x - b))


def test_skewed_differences_use_a_bootstrap_interval():
    rng = np.random.default_rng(4)
    d = rng.lognormal(0.0, 1.2, 40)  # strongly right-skewed
    assert skewness(d) > 1
    mean, lo, hi, method, p = paired_difference(d, seed=7)
    assert method == "bootstrap" and lo < mean < hi and p < 0.01
    assert paired_difference(d, seed=7) == (mean, lo, hi, method, p)  # reproducible
    assert hi - mean > mean - lo  # the interval follows the skew


def test_bca_interval_matches_scipy_and_its_p_value_agrees_with_it():
    rng = np.random.default_rng(4)
    for i in range(40):
        d = rng.lognormal(0.0, 1.2, 30) - rng.uniform(0.5, 3.0)
        lo, hi, p = bca_mean(d, np.random.default_rng(i))
        assert (lo > 0 or hi < 0) == (p < 0.05)
        if i < 3:
            ref = stats.bootstrap((d,), np.mean, n_resamples=9999, method="BCa", rng=np.random.default_rng(i))
            assert (lo, hi) == (pytest.approx(ref.confidence_interval.low, abs=0.02), pytest.approx(ref.confidence_interval.high, abs=0.02))


def test_constant_differences_have_no_sampling_error():
    assert paired_difference(np.full(5, 2.0)) == (2.0, 2.0, 2.0, "paired_t", 0.0)
    assert paired_difference(np.zeros(5))[4] == 1.0


def test_comparison_table_columns_direction_and_crn_ratio():
    rng = np.random.default_rng(5)
    base = rng.normal(0.70, 0.05, 20)
    better = base + 0.03 + rng.normal(0, 0.005, 20)  # highly correlated with the baseline
    worse = base - 0.01 + rng.normal(0, 0.005, 20)
    table = paired_comparison(summary_of(base=base, better=better, worse=worse), "base")
    assert list(table.columns) == list(COLUMNS) and len(table) == 6
    rate = table[table["metric"] == "mean_collection_rate"].set_index("scenario")
    load = table[table["metric"] == "mean_worker_load"].set_index("scenario")
    assert rate.loc["better", "prob_better"] > 0.9 and rate.loc["worse", "prob_better"] < 0.2
    assert load.loc["worse", "prob_better"] > 0.8  # less worker load is better
    assert not load["higher_is_better"].any() and rate["higher_is_better"].all()
    d = better - base
    assert rate.loc["better", "crn_variance_ratio"] == pytest.approx(np.var(d, ddof=1) / (np.var(better, ddof=1) + np.var(base, ddof=1)))
    assert rate.loc["better", "effect_size"] == pytest.approx(d.mean() / d.std(ddof=1))
    assert rate.loc["better", "ci_low"] < better.mean() < rate.loc["better", "ci_high"]
    p = rate.loc[["better", "worse"], "p_value"].to_numpy()
    np.testing.assert_allclose(rate.loc[["better", "worse"], "p_adjusted"], holm(p))
    assert rate.loc["base", ["diff", "diff_ci_low", "diff_ci_high"]].eq(0).all()
    assert rate.loc["base", "n"] == 20 and math.isnan(rate.loc["base", "p_value"])


def test_pairs_match_on_replicate_and_skip_missing_values():
    s = summary_of(base=np.array([1.0, 2.0, 3.0, 4.0]), other=np.array([1.5, 2.5, np.nan, 4.5]))
    s = s[~((s["scenario"] == "other") & (s["replicate"] == 0))]  # replicate 0 missing in other
    row = paired_comparison(s, "base", metrics=["mean_collection_rate"]).iloc[1]
    assert row["n"] == 2 and row["diff"] == pytest.approx(0.5)


def test_key_metrics_are_summary_columns_with_a_direction():
    names = summary_metric_names()
    assert set(KEY_METRICS) <= names
    assert direction("mean_complaints_per_1000_households") == "ambiguous"
    assert higher_is_better("mean_complaints_per_1000_households")  # prob_better: share of higher values
    assert not higher_is_better("total_public_cost_yuan")
    assert not higher_is_better("total_policy_cost_yuan_fee_subsidy")
    assert higher_is_better("final_owners_committee_coverage")


def test_a_difference_shown_as_zero_is_not_better_in_any_run():
    """+0.02 percentage points in every paired run prints as +0.0: not "better in 100% of runs".
    The interval still shows the change is real (it excludes zero); prob_better says how often
    it is large enough to see."""
    rng = np.random.default_rng(8)
    base = rng.normal(0.80, 0.05, 30)
    table = paired_comparison(summary_of(base=base, tiny=base + 0.0002, real=base + 0.004), "base")
    rate = table[table["metric"] == "mean_collection_rate"].set_index("scenario")
    assert rate.loc["tiny", "prob_better"] == 0.0 and rate.loc["tiny", "diff_ci_low"] > 0
    assert rate.loc["real", "prob_better"] == 1.0
