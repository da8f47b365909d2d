"""Scenario discovery: PRIM finds a planted failure condition; discovery.csv's columns and
sentences; the trivial cases (never, always, too rarely)."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from commsim.discovery import COLUMNS, cases, discover, prim_boxes, write_discovery


def planted(n: int = 400, seed: int = 3):
    """Worlds where the policy fails exactly when firm_fixed_cost_share > 0.6 and
    pay_beta_norm < 1.0 (plus 3% noise); other parameters are irrelevant."""
    rng = np.random.default_rng(seed)
    worlds = pd.DataFrame({
        "replicate": np.arange(n),
        "firm_fixed_cost_share": rng.uniform(0.4, 0.75, n),
        "pay_beta_norm": rng.uniform(0.4, 2.5, n),
        "firm_cost_ratio": rng.uniform(0.85, 1.15, n),
        "neighbour_ties": rng.integers(4, 11, n),
        "service_submodel": rng.choice(["effort", "contract"], n),
        "suzhou_alliance.cross_tie_prob": rng.uniform(0, 1, n),
    })
    fail = (worlds["firm_fixed_cost_share"] > 0.6) & (worlds["pay_beta_norm"] < 1.0)
    fail ^= rng.uniform(size=n) < 0.03
    base = 0.7 + rng.normal(0, 0.02, n)
    rows = []
    for r in range(n):
        rows.append({"scenario": "baseline", "replicate": r, "mean_collection_rate": base[r],
                     "mean_complaints_per_1000_households": 10.0})
        rows.append({"scenario": "suzhou_alliance", "replicate": r,
                     "mean_collection_rate": base[r] + (-0.01 if fail[r] else 0.03),
                     "mean_complaints_per_1000_households": 12.0})
    return pd.DataFrame(rows), worlds, fail.to_numpy()


def test_prim_finds_the_planted_condition():
    _, worlds, fail = planted()
    boxes = prim_boxes(worlds.drop(columns="replicate"), fail)
    assert boxes
    box = boxes[0]
    limits = {name: (lo, hi) for name, lo, hi, _ in box.limits}
    assert set(limits) == {"firm_fixed_cost_share", "pay_beta_norm"}
    assert math.isnan(limits["firm_fixed_cost_share"][1]) and limits["firm_fixed_cost_share"][0] == pytest.approx(0.6, abs=0.03)
    assert math.isnan(limits["pay_beta_norm"][0]) and limits["pay_beta_norm"][1] == pytest.approx(1.0, abs=0.1)
    assert box.coverage > 0.7 and box.density > 0.9  # 3% of worlds flipped at random
    region = (worlds["firm_fixed_cost_share"] > 0.6) & (worlds["pay_beta_norm"] < 1.0)
    inside = (worlds["firm_fixed_cost_share"] >= limits["firm_fixed_cost_share"][0]) & (
        worlds["pay_beta_norm"] <= limits["pay_beta_norm"][1])
    assert (inside & region).sum() / region.sum() > 0.9  # the box holds the planted region
    assert box.trajectory["coverage"].iloc[0] == 1.0  # the trajectory starts from every world


def test_discovery_csv_rows_and_sentences(tmp_path):
    summary, worlds, fail = planted()
    disc, traj = discover(summary, worlds, "baseline",
                          policies={"baseline": [], "suzhou_alliance": ["suzhou_alliance"]})
    write_discovery(disc, traj, tmp_path)
    back = pd.read_csv(tmp_path / "discovery.csv", keep_default_na=False, na_values=[""])
    assert list(back.columns) == list(COLUMNS)
    first = back[(back["outcome"] == "mean_collection_rate") & (back["box"] == 1)]
    assert set(first["parameter"]) == {"firm_fixed_cost_share", "pay_beta_norm"}
    assert (first["n_cases"] == int(fail.sum())).all() and first["text_en"].nunique() == 1
    text = first["text_en"].iloc[0]
    assert text.startswith("On the fee collection rate, the outcome is no better under Suzhou alliance of neighbourhoods "
                           "than under the status quo when")
    assert re.search(r"\(firm_fixed_cost_share\) is above 0\.(59|6)", text) and "(pay_beta_norm) is below" in text
    zh = first["text_zh"].iloc[0]
    assert "苏州小区联盟" in zh and "物业费收缴率" in zh and re.search(r"高于0\.(59|6)", zh)
    assert not (back["outcome"] == "mean_complaints_per_1000_households").any()  # ambiguous: no failure
    t = pd.read_csv(tmp_path / "discovery_trajectory.csv")
    assert t.groupby(["scenario", "outcome", "comparator", "box"])["selected"].sum().eq(1).all()


def test_no_box_when_a_policy_never_or_always_fails():
    summary, worlds, _ = planted(n=60)
    always = summary.copy()
    always.loc[always.scenario == "suzhou_alliance", "mean_collection_rate"] = 0.0
    disc, traj = discover(always, worlds, "baseline", outcomes=["mean_collection_rate"])
    assert len(disc) == 1 and disc["box"].iloc[0] == 0 and disc["parameter"].iloc[0] == ""
    assert "in any of the 60 worlds" in disc["text_en"].iloc[0] and traj.empty
    never = summary.copy()
    never.loc[never.scenario == "suzhou_alliance", "mean_collection_rate"] = 1.0
    disc, _ = discover(never, worlds, "baseline", outcomes=["mean_collection_rate"])
    assert disc["n_cases"].iloc[0] == 0 and "in all 60 worlds" in disc["text_en"].iloc[0]


def test_leader_against_runner_up():
    summary, worlds, _ = planted(n=50)
    third = summary[summary.scenario == "baseline"].copy()
    third["scenario"] = "fee_subsidy"
    third["mean_collection_rate"] += 0.01  # always a little better: best where the alliance fails
    got = [(s, m, c) for s, m, c, _ in cases(pd.concat([summary, third]), "baseline", ["mean_collection_rate"])]
    assert ("suzhou_alliance", "mean_collection_rate", "fee_subsidy") in got
    assert ("fee_subsidy", "mean_collection_rate", "baseline") in got


@pytest.mark.parametrize("lang", ["en", pytest.param("zh", marks=pytest.mark.skipif(
    not __import__("commsim.report.fonts", fromlist=["x"]).find_cjk_font(), reason="no CJK font"))])
def test_failure_box_figure_renders(tmp_path, lang):
    from commsim.report import plots_discovery, style

    summary, worlds, _ = planted()
    disc, traj = discover(summary, worlds, "baseline")
    with style.language(lang):
        fig = plots_discovery.failure_box(disc, traj, "suzhou_alliance", "mean_collection_rate", "baseline", lang)
        paths = style.save(fig, tmp_path / f"discovery_{lang}")
    assert paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="no box 3"):
        plots_discovery.failure_box(disc, traj, "suzhou_alliance", "mean_collection_rate", "baseline", lang, box=3)


def test_many_irrelevant_parameters_do_not_hide_the_planted_condition():
    """A world samples a hundred parameters or more: PRIM is offered the few that matter most
    (extra-trees feature scores), so a planted condition is still found, and nothing else."""
    _, worlds, fail = planted()
    rng = np.random.default_rng(11)
    noise = pd.DataFrame(rng.uniform(size=(len(worlds), 100)), columns=[f"noise_{i}" for i in range(100)])
    x = pd.concat([worlds.drop(columns="replicate"), noise], axis=1)
    boxes = prim_boxes(x, fail)
    assert boxes
    assert {name for name, *_ in boxes[0].limits} == {"firm_fixed_cost_share", "pay_beta_norm"}
    assert boxes[0].density > 0.9 and boxes[0].coverage > 0.7
    again = prim_boxes(x, fail)  # the feature scores use a fixed random state
    assert [b.limits for b in again] == [b.limits for b in boxes]
