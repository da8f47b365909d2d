"""commsim decompose: each mechanism's share of a policy's effect, under common random numbers."""

from __future__ import annotations

import pytest

from commsim import load_scenario
from commsim.decompose import decompose, variants, write_figures
from commsim.errors import ParameterError
from commsim.policies import Policy, registry

from .helpers import SMALL


def _small_with(policy: str, **values):
    sc = load_scenario(SMALL)
    spec = sc.spec.model_copy(update={"policies": {policy: dict(values)},
                                      "scenario": sc.spec.scenario.model_copy(update={"name": f"small_{policy}"})})
    from commsim.scenario import Scenario

    return Scenario(spec, sc.source)


def test_variants_switch_each_mechanism_off_and_on_alone():
    sc = _small_with("fee_subsidy")
    runs = {v.label: v for v in variants("x", sc)}
    assert set(runs) == {"x", "x__without__fee_subsidy__household_subsidy", "x__only__fee_subsidy__household_subsidy",
                         "x__without__fee_subsidy__old_estate_topup", "x__only__fee_subsidy__old_estate_topup"}
    assert dict(runs["x__without__fee_subsidy__household_subsidy"].overrides) == {"fee_subsidy.scheme": "old_estates"}
    assert dict(runs["x__only__fee_subsidy__household_subsidy"].overrides) == {"fee_subsidy.scheme": "households"}


def test_each_mechanism_is_credited_with_its_own_money(tmp_path):
    """Only the household subsidy pays fee subsidies, only the top-up pays grants: the
    decomposition credits each outcome to the mechanism that produces it."""
    result = decompose(_small_with("fee_subsidy", topup_applies_to="all"), SMALL, reps=3, months=20, workers=1, out=tmp_path / "d",
                       outcomes=["total_subsidies_yuan", "total_grants_yuan"])
    t = result.table.set_index(["outcome", "mechanism", "measure"])["mean"]
    full_sub = t[("total_subsidies_yuan", "", "full")]
    full_grant = t[("total_grants_yuan", "", "full")]
    assert full_sub > 0 and full_grant > 0
    assert t[("total_subsidies_yuan", "household_subsidy", "alone")] == pytest.approx(full_sub, rel=0.05)
    assert t[("total_subsidies_yuan", "old_estate_topup", "alone")] == 0
    assert t[("total_grants_yuan", "household_subsidy", "alone")] == 0
    assert t[("total_grants_yuan", "old_estate_topup", "drop")] == pytest.approx(full_grant, rel=0.05)
    shares = result.table.set_index(["outcome", "mechanism", "measure"])["share_of_full"]
    assert shares[("total_subsidies_yuan", "household_subsidy", "alone")] == pytest.approx(1.0, abs=0.05)
    assert (tmp_path / "d" / "decomposition.csv").is_file() and result.manifest["status"] == "complete"
    assert write_figures(result, "en")


def test_a_scenario_without_declared_mechanisms_is_refused():
    if "no_mech_probe" not in registry.available():
        registry.register_policy(type("NoMech", (Policy,), {"name": "no_mech_probe", "title_en": "probe",
                                                            "title_zh": "probe", "source": "assumption"}))
    with pytest.raises(ParameterError, match="declares mechanisms"):
        variants("x", _small_with("no_mech_probe"))


def test_a_mechanism_must_name_the_policys_own_parameters():
    cls = type("BadMech", (Policy,), {"name": "bad_mech_probe", "mechanisms": {"m": {"no_such": 0}}})
    with pytest.raises(ValueError, match="no_such"):
        registry.register_policy(cls)
