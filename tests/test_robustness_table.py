"""robustness.csv: its shares recomputed independently (plain loops) from the stored replicates."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from commsim.io import write_parquet
from commsim.metrics import direction
from commsim.robustness import COLUMNS, leader, robustness, write_robustness
from commsim.scenario import load_scenario
from commsim.worlds import run_worlds, sample_worlds, world_parameters

from .helpers import DATA, SMALL


def synthetic(seed: int = 0, n: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for r in range(n):
        world = rng.normal()
        base = {"mean_collection_rate": 0.7 + 0.05 * world, "mean_worker_load": 1.0 + 0.1 * world,
                "mean_complaints_per_1000_households": 20 + world}
        vals = {
            "baseline": base,
            "a": {"mean_collection_rate": base["mean_collection_rate"] + 0.02 * world,  # wins when world > 0
                  "mean_worker_load": base["mean_worker_load"],                       # always a tie
                  "mean_complaints_per_1000_households": base["mean_complaints_per_1000_households"] + rng.normal()},
            "b": {"mean_collection_rate": base["mean_collection_rate"] + rng.normal(0.01, 0.01),
                  "mean_worker_load": base["mean_worker_load"] - 0.05,                # always lighter: better
                  "mean_complaints_per_1000_households": base["mean_complaints_per_1000_households"] + 1.0},
        }
        for s, v in vals.items():
            rows.append({"scenario": s, "replicate": r, **v})
    return pd.DataFrame(rows)


#: half a unit of the last digit the reports print, per outcome (shares: 0.1 percentage point)
MARGINS = {"mean_collection_rate": 0.0005, "mean_worker_load": 0.005, "mean_complaints_per_1000_households": 0.05,
           "mean_participation_rate": 0.0005, "mean_satisfaction": 0.05, "total_public_cost_yuan": 0.5,
           "mean_service_quality": 0.0005, "mean_belonging": 0.0005, "final_owners_committee_coverage": 0.0005,
           "mean_complaints_resolved_share": 0.0005, "mean_service_quality_sd_across_estates": 0.0005}


def recompute(summary: pd.DataFrame, scenario: str, comparator: str, outcome: str, baseline: str) -> dict:
    """Independent recomputation with plain loops over replicates: a win is a difference beyond
    the outcome's margin; only a policy that wins against the baseline can be best, and a world
    where none does is the baseline's (not for an ambiguous outcome)."""
    way, by = direction(outcome), MARGINS[outcome]
    value = {(row["scenario"], row["replicate"]): row[outcome] for _, row in summary.iterrows()}
    reps = sorted({r for (_, r) in value})
    wins, diffs = 0, []
    for r in reps:
        a, b = value[(scenario, r)], value[(comparator, r)]
        diffs.append(a - b)
        if (way == "lower" and b - a > by) or (way != "lower" and a - b > by):
            wins += 1
    names = sorted({s for (s, _) in value})
    best = 0.0
    for r in reps:
        vals = {s: value[(s, r)] for s in names}
        top = (min if way == "lower" else max)(vals.values())
        if way == "ambiguous":
            tied = [s for s in names if abs(vals[s] - top) <= by]
        else:  # only a policy beating the baseline by more than the margin can be best
            sign = -1 if way == "lower" else 1
            beat = [s for s in names if s != baseline and sign * (vals[s] - vals[baseline]) > by]
            if beat:
                top = (min if way == "lower" else max)(vals[s] for s in beat)
                tied = [s for s in beat if abs(vals[s] - top) <= by]
            else:
                tied = [baseline]
        best += (1 / len(tied)) if scenario in tied else 0.0
    d = np.array(diffs)
    half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / math.sqrt(len(d))
    return {"n_worlds": len(reps), "share_better": wins / len(reps), "prob_best": best / len(reps),
            "median_diff": float(np.median(d)), "noise_diff": d.mean(), "noise_ci_low": d.mean() - half}


def check_against_recomputation(table: pd.DataFrame, summary: pd.DataFrame, baseline: str) -> None:
    for row in table.itertuples(index=False):
        ref = recompute(summary, row.scenario, row.comparator, row.outcome, baseline)
        for key, value in ref.items():
            assert getattr(row, key) == pytest.approx(value, rel=1e-9, abs=1e-12), (row.scenario, row.comparator, row.outcome, key)


def test_shares_match_an_independent_recomputation(tmp_path):
    summary = synthetic()
    write_parquet(summary, tmp_path / "summary.parquet")
    stored = pd.read_parquet(tmp_path / "summary.parquet")
    table = robustness(stored, "baseline")
    write_robustness(table, tmp_path / "robustness.csv")
    back = pd.read_csv(tmp_path / "robustness.csv")
    assert list(back.columns) == list(COLUMNS)
    assert set(back["outcome"]) == {"mean_collection_rate", "mean_worker_load", "mean_complaints_per_1000_households"}
    assert len(back) == 3 * 3 * 2  # outcomes x ordered pairs
    check_against_recomputation(back, stored, "baseline")
    row = lambda s, m, c="baseline": back[(back.scenario == s) & (back.outcome == m) & (back.comparator == c)].iloc[0]  # noqa: E731
    assert row("a", "mean_worker_load").share_better == 0  # ties are not wins
    assert row("b", "mean_worker_load").share_better == 1 and row("b", "mean_worker_load").prob_best == 1
    assert row("b", "mean_worker_load").direction == "lower"
    # a tie of three shares the best place equally
    load = back[(back.outcome == "mean_worker_load")].drop_duplicates("scenario").set_index("scenario")["prob_best"]
    assert load.to_dict() == {"baseline": 0.0, "a": 0.0, "b": 1.0}
    amb = row("b", "mean_complaints_per_1000_households")
    assert amb.direction == "ambiguous" and amb.share_better == 1  # higher value, no judgement
    a = row("a", "mean_collection_rate")
    assert 0.3 < a.share_better < 0.7 and a.diff_p05 < 0 < a.diff_p95
    assert a.noise_ci_low < a.noise_diff < a.noise_ci_high
    per_outcome = back.drop_duplicates(["scenario", "outcome"]).groupby("outcome")["prob_best"].sum()
    assert np.allclose(per_outcome, 1.0)
    assert leader(back, "mean_worker_load") == ("b", "a")


def test_bad_input():
    summary = synthetic(n=5)
    with pytest.raises(ValueError, match="baseline 'nope'"):
        robustness(summary, "nope")
    with pytest.raises(ValueError, match="columns must be"):
        write_robustness(pd.DataFrame({"x": [1]}), "/tmp/never.csv")


def test_robustness_of_a_real_world_ensemble(tmp_path):
    base, variant = load_scenario(SMALL).with_months(10), load_scenario(DATA / "small_variant.toml").with_months(10)
    spec = world_parameters([base, variant])
    keep = [v for v in spec.varies if v.name in ("pay_beta_burden", "firm_cost_ratio")]
    worlds = sample_worlds(type(spec)(tuple(keep), {v.name: "assumption" for v in keep}), 6, seed=2)
    summary = run_worlds({"small": base, "small_variant": variant}, worlds, out=tmp_path / "runs", workers=1)
    stored = pd.read_parquet(tmp_path / "runs" / "summary.parquet")
    pd.testing.assert_frame_equal(stored, summary)
    assert len(pd.read_csv(tmp_path / "runs" / "worlds.csv")) == 6
    table = robustness(stored, "small")
    assert set(table["n_worlds"]) == {6}
    check_against_recomputation(table, stored, "small")


@pytest.mark.parametrize("lang", ["en", pytest.param("zh", marks=pytest.mark.skipif(
    not __import__("commsim.report.fonts", fromlist=["x"]).find_cjk_font(), reason="no CJK font"))])
def test_ranking_figure_renders(tmp_path, lang):
    from commsim.report import plots_robustness, style

    table = robustness(synthetic(), "baseline")
    m = plots_robustness.best_matrix(table)
    assert list(m.index) == ["baseline", "a", "b"] and np.allclose(m.sum(axis=0), 1.0)
    with style.language(lang):
        fig = plots_robustness.ranking(table, lang, version="0.1.0", base_seed=1)
        paths = style.save(fig, tmp_path / f"ranking_{lang}")
    assert paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_difference_the_tables_show_as_zero_neither_wins_nor_makes_a_policy_best():
    """A policy that adds 0.02 percentage points to the collection rate in every world (printed as
    0.0) is not said to beat the status quo, nor to be the best option where a real policy loses:
    those worlds go to the status quo."""
    rng = np.random.default_rng(4)
    rows = []
    for r in range(200):
        base = 0.80 + 0.05 * rng.normal()
        effect = rng.normal(0.003, 0.01)  # a real policy: +0.3 points on average, often negative
        for s, v in (("baseline", base), ("tiny", base + 0.0002), ("real", base + effect)):
            rows.append({"scenario": s, "replicate": r, "mean_collection_rate": v})
    table = robustness(pd.DataFrame(rows), "baseline")
    first = table[table["comparator"] == "baseline"].set_index("scenario")
    assert first.loc["tiny", "share_better"] == 0.0  # was 1.0 when any difference was a win
    # a world where "tiny" is within the margin of a winner still is not its: it never beats doing nothing
    best = table.drop_duplicates("scenario").set_index("scenario")["prob_best"]
    assert best["tiny"] == 0.0 and best["baseline"] > 0.3 and best["real"] > 0.5
    assert (table["margin"] == 0.0005).all()
    assert best.sum() == pytest.approx(1.0)
    margins = {m: __import__("commsim.robustness", fromlist=["margin"]).margin(m) for m in MARGINS}
    assert margins == pytest.approx(MARGINS)


def test_a_policy_within_the_margin_of_the_winner_but_not_beating_the_status_quo_is_not_best():
    """Status quo 0.8000, A 0.8004 (within 0.0005 of it), B 0.8008 (beats it): B is best alone,
    though A is within the margin of B."""
    from commsim.robustness import prob_best

    values = pd.DataFrame({"baseline": [0.8000, 0.8000], "a": [0.8004, 0.8004], "b": [0.8008, 0.8003]})
    best = prob_best(values, "higher", 0.0005, "baseline")
    assert best.to_dict() == {"baseline": 0.5, "a": 0.0, "b": 0.5}  # second world: nobody beats it
    both = pd.DataFrame({"baseline": [0.80], "a": [0.8100], "b": [0.8104]})  # both beat it, within a margin
    assert prob_best(both, "higher", 0.0005, "baseline").to_dict() == {"baseline": 0.0, "a": 0.5, "b": 0.5}
    lower = pd.DataFrame({"baseline": [1.0], "a": [0.9], "b": [0.95]})
    assert prob_best(lower, "lower", 0.005, "baseline").to_dict() == {"baseline": 0.0, "a": 1.0, "b": 0.0}
