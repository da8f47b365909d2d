"""Worlds: which parameters a world samples, the same world for every scenario, extension in
blocks, structural variants (with a fake submodel switch), and the stability rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from commsim.params import CALIBRATED, PARAMETERS, Param, ParameterTable
from commsim.runner import replicate_seed
from commsim.scenario import load_scenario
from commsim.worlds import (
    is_submodel_switch,
    run_worlds,
    sample_worlds,
    share_se,
    stability,
    world_parameters,
    worlds_needed,
)

from .helpers import DATA, SMALL


@pytest.fixture(scope="module")
def pair():
    return load_scenario(SMALL), load_scenario(DATA / "small_variant.toml")


def test_world_samples_assumptions_not_calibrated_nor_what_tells_scenarios_apart(pair):
    spec = world_parameters(pair)
    names = {v.name for v in spec.varies}
    assert "pay_intercept" not in names  # the variant sets it differently
    assert not names & CALIBRATED  # no posterior: calibrated parameters keep their defaults
    assert "firm_fixed_cost_share" in names and spec.kinds["firm_fixed_cost_share"] == "assumption"
    assert "satisfaction_initial_mean" not in names  # sourced from targets, not an assumption
    assert not any("." in n for n in names)  # no policy is switched on
    for v in spec.varies:
        p = PARAMETERS[v.name]
        if spec.kinds[v.name] == "structural":  # alternative submodels: every choice, equally likely
            assert p.group == "submodel" and set(v.values) == set(p.choices)
        else:
            assert "assumption" in p.source.lower() and p.range is not None


def test_policy_parameters_join_only_for_policies_switched_on():
    base, alliance = load_scenario("baseline"), load_scenario("suzhou_alliance")
    spec = world_parameters([base, alliance])
    pol = [v.name for v in spec.varies if spec.kinds[v.name] == "policy"]
    assert pol and all(n.startswith("suzhou_alliance.") for n in pol)
    assert "suzhou_alliance.start_month" not in pol  # no range
    worlds = sample_worlds(spec, 6, seed=3)
    r = 2
    assert set(worlds.for_scenario(r, alliance)) == set(worlds.overrides[r])
    assert not any("." in k for k in worlds.for_scenario(r, base))


def test_posterior_rows_are_used_evenly_and_jointly(pair):
    posterior = [{"pay_beta_satisfaction": float(i), "oc_formation_hazard": 0.01 + i / 1000} for i in range(4)]
    spec = world_parameters(pair, posterior)
    assert spec.kinds["pay_beta_satisfaction"] == "calibrated"
    w = sample_worlds(spec, 8, seed=1)
    assert sorted(np.bincount(list(w.posterior_rows.values()), minlength=4)) == [2, 2, 2, 2]
    for r, row in w.posterior_rows.items():  # the set is taken whole (correlations kept)
        assert w.overrides[r]["pay_beta_satisfaction"] == float(row)
        assert w.overrides[r]["oc_formation_hazard"] == pytest.approx(0.01 + row / 1000)
    assert list(w.table.columns[:3]) == ["replicate", "pay_beta_satisfaction", "oc_formation_hazard"]
    with pytest.raises(ValueError, match="pay_intercept"):
        world_parameters(pair, [{"pay_intercept": 2.0}])


def test_worlds_are_reproducible_stratified_and_extend_without_change(pair):
    spec = world_parameters(pair)
    a = sample_worlds(spec, 20, seed=5)
    pd.testing.assert_frame_equal(a.table, sample_worlds(spec, 20, seed=5).table)
    assert not a.table.equals(sample_worlds(spec, 20, seed=6).table)
    assert a.seeds[7] == replicate_seed(5, 7)
    v = next(v for v in spec.varies if v.name == "firm_fixed_cost_share")
    strata = ((a.table[v.name] - v.low) / (v.high - v.low) * 20).astype(int).clip(0, 19)
    assert strata.nunique() == 20  # Latin hypercube: one world per stratum
    more = sample_worlds(spec, 40, seed=5, block_size=20)
    pd.testing.assert_frame_equal(more.table.head(20), a.table)
    for v in spec.varies:
        if v.low is not None:
            assert more.table[v.name].between(v.low, v.high).all(), v.name


def test_structural_variants_from_a_submodel_switch():
    table = ParameterTable()
    table.add(Param("service_submodel", "effort", "rule", None, "assumption", "which service submodel",
                    kind="choice", bounds=None, choices=("effort", "contract", "queue"), group="submodel"))
    table.add(Param("x_assumed", 0.5, "0-1", (0.0, 1.0), "assumption", "an assumption", bounds=(0.0, 1.0)))
    table.add(Param("x_sourced", 0.5, "0-1", (0.0, 1.0), "seeds/004", "sourced", bounds=(0.0, 1.0)))
    table.add(Param("other_choice", "a", "rule", None, "assumption", "not a submodel", kind="choice",
                    bounds=None, choices=("a", "b")))
    assert is_submodel_switch(table["service_submodel"]) and not is_submodel_switch(table["other_choice"])
    spec = world_parameters([], table=table)
    assert spec.kinds == {"x_assumed": "assumption", "service_submodel": "structural"}
    w = sample_worlds(spec, 30, seed=2)
    assert list(w.table.columns) == ["replicate", "x_assumed", "service_submodel"]
    assert w.table["service_submodel"].value_counts().to_dict() == {"effort": 10, "contract": 10, "queue": 10}
    assert w.table["x_assumed"].between(0, 1).all()
    assert world_parameters([], structural=False, table=table).kinds == {"x_assumed": "assumption"}


def test_run_worlds_gives_every_scenario_the_same_world(pair):
    spec = world_parameters(pair)
    small = [v for v in spec.varies if v.name in ("firm_cost_ratio", "pay_beta_norm")]
    spec = type(spec)(tuple(small), {v.name: "assumption" for v in small})
    worlds = sample_worlds(spec, 3, seed=4)
    scs = {sc.name: sc.with_months(8) for sc in pair}
    summary = run_worlds(scs, worlds, workers=1)
    assert len(summary) == 6
    for r, rows in summary.groupby("replicate"):
        assert rows["firm_cost_ratio"].nunique() == 1 and rows["seed"].nunique() == 1
        assert rows["firm_cost_ratio"].iloc[0] == worlds.overrides[r]["firm_cost_ratio"]


def test_stability_rule():
    assert share_se(0.5, 400) == pytest.approx(0.025)
    assert worlds_needed(0.5, 400) == 400
    assert worlds_needed(0.0, 100) < 20  # near-certain shares need few worlds
    rows = lambda p, n: pd.DataFrame([{"scenario": "a", "outcome": "m", "comparator": "b",  # noqa: E731
                                       "n_worlds": n, "share_better": p, "prob_best": 1 - p}])
    unstable = stability(rows(0.5, 100))
    assert not unstable["stable"] and unstable["max_se"] == pytest.approx(0.05)
    assert unstable["worlds_needed"] == 400 and unstable["next_worlds"] == 400
    assert stability(rows(0.5, 400))["stable"]
    assert stability(rows(0.97, 100))["stable"]
    assert stability(rows(0.5, 50))["next_worlds"] == 200  # at most 4x per round


def test_worlds_of_every_shipped_policy_stay_within_valid_bounds():
    """A parameter table's documented range may reach past its valid bounds: worlds cut it, so no
    world is refused when it runs (every value passes the parameter's own check)."""
    from commsim.scenario_files import shipped_scenarios

    scs = [load_scenario(p) for p in shipped_scenarios() if not p.stem.startswith("street_")]
    spec = world_parameters(scs)
    assert {k for k in spec.kinds.values()} >= {"assumption", "policy"}
    worlds = sample_worlds(spec, 200, seed=1, block_size=50)
    for values in worlds.overrides.values():
        for name, value in values.items():
            assert PARAMETERS[name].coerce(value) == value, name


def test_every_combination_of_plausible_policy_values_passes_the_policies_own_checks():
    # worlds draw each policy parameter within its documented range independently, so the
    # constraints a policy checks between its parameters must hold over the whole box
    from commsim.policies.registry import available

    rng = np.random.default_rng(0)
    for name, cls in available().items():
        params = [p for p in PARAMETERS if p.group == f"policy:{name}"]
        defaults = {p.name.split(".", 1)[1]: p.default for p in params}
        ranged = [p for p in params if p.range is not None and p.kind in ("float", "int")]
        for _ in range(300):
            values = dict(defaults)
            for p in ranged:
                lo, hi = p.range
                v = lo if rng.random() < 0.25 else hi if rng.random() < 0.33 else rng.uniform(lo, hi)
                values[p.name.split(".", 1)[1]] = round(v) if p.kind == "int" else v
            cls.check_values(values, f"{name}: ")  # raises ParameterError on a violation
