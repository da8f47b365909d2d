"""Scenario files that extend a base: ``[scenario] base = "..."``."""

from __future__ import annotations

import warnings

import pytest

from commsim.errors import ScenarioError, StreetWarning
from commsim.experiment import load_setup
from commsim.scenario import load_scenario, shipped_scenarios

from .helpers import SMALL


def test_shipped_policy_scenarios_extend_the_baseline_street():
    base = load_scenario("baseline")
    for path in shipped_scenarios():
        sc = load_scenario(path)
        if sc.name == "baseline" or sc.name.startswith("street_"):  # other streets: own status quo
            assert not sc.policies
            continue
        assert sc.spec.scenario.base == "baseline"
        assert sc.spec.communities == base.spec.communities and sc.policies


def test_a_file_extends_a_base_and_overrides_what_it_names(tmp_path):
    child = tmp_path / "child.toml"
    child.write_text(f'[scenario]\nname = "child"\nbase = "{SMALL}"\n\n[parameters]\npay_intercept = 2.0\n\n'
                     '[policies.fee_subsidy]\nsubsidy_share = 0.6\n', encoding="utf-8")
    sc = load_scenario(child)
    small = load_scenario(SMALL)
    assert sc.name == "child" and sc.spec.scenario.months == small.spec.scenario.months
    assert sc.spec.communities == small.spec.communities
    assert sc.values.pay_intercept == 2.0 and "fee_subsidy" in sc.policies


def test_base_relative_to_the_file_and_errors(tmp_path):
    (tmp_path / "street.toml").write_text(SMALL.read_text(encoding="utf-8"), encoding="utf-8")
    ok = tmp_path / "ok.toml"
    ok.write_text('[scenario]\nname = "ok"\nbase = "street.toml"\n', encoding="utf-8")
    assert load_scenario(ok).households == load_scenario(SMALL).households
    missing = tmp_path / "missing.toml"
    missing.write_text('[scenario]\nname = "m"\nbase = "nowhere"\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match="scenario.base: nowhere: no such file next to this one"):
        load_scenario(missing)
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    a.write_text('[scenario]\nname = "a"\nbase = "b.toml"\n', encoding="utf-8")
    b.write_text('[scenario]\nname = "b"\nbase = "a.toml"\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match="leads back to this file"):
        load_scenario(a)


def test_comparing_different_streets_warns(tmp_path):
    other = tmp_path / "other.toml"
    other.write_text(SMALL.read_text(encoding="utf-8").replace("households = 400", "households = 500")
                     .replace('name = "small"', 'name = "other"'), encoding="utf-8")
    with pytest.warns(StreetWarning, match="different street"):
        load_setup([str(SMALL), str(other)])
    with warnings.catch_warnings():
        warnings.simplefilter("error", StreetWarning)
        load_setup(["baseline", "fee_subsidy"])  # the same street: silent


def test_a_misspelt_estate_name_in_an_extending_file_says_which_it_meant(tmp_path):
    """A misspelt name adds a new estate (which then lacks every field): the error names the estate
    and the community, and the base's estate it probably meant."""
    mine = tmp_path / "mine.toml"
    mine.write_text('[scenario]\nname = "mine"\nbase = "baseline"\n\n[[communities]]\nname = "Dongcheng"\n'
                    '[[communities.estates]]\nname = "Jinxiu Gardens"\noccupancy = 0.9\n', encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(mine)
    text = str(info.value)
    assert text.startswith(f"{mine}: communities[0].estates[3].")
    assert 'required field is missing (estate "Jinxiu Gardens" of community "Dongcheng")' in text
    assert 'did you mean estate "Jinxiu Garden"?' in text
    fixed = mine.read_text(encoding="utf-8").replace("Jinxiu Gardens", "Jinxiu Garden")
    mine.write_text(fixed, encoding="utf-8")
    assert load_scenario(mine).households == load_scenario("baseline").households
    mine.write_text(fixed.replace('name = "Dongcheng"', 'name = "Dongchen"'), encoding="utf-8")  # the community
    with pytest.raises(ScenarioError, match='did you mean community "Dongcheng"'):
        load_scenario(mine)


def test_comparing_different_horizons_is_refused_unless_months_are_given(tmp_path):
    """Totals over 36 months against totals over 60 do not compare: one line naming both horizons."""
    short = tmp_path / "short.toml"
    short.write_text('[scenario]\nname = "short"\nbase = "baseline"\nmonths = 36\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"short.toml: scenario.months: runs 36 months \(burn-in 12\) where "
                                            r".*baseline.toml runs 60 \(burn-in 12\)"):
        load_setup(["baseline", str(short)])
    with warnings.catch_warnings():
        warnings.simplefilter("error", StreetWarning)
        setup = load_setup(["baseline", str(short)], months=24)  # --months puts both on one horizon
    assert {sc.months for sc in setup.scenarios.values()} == {24}
    short.write_text('[scenario]\nname = "short"\nbase = "baseline"\nburn_in_months = 6\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"short.toml: scenario.burn_in_months: .*give both files the same burn_in_months"):
        load_setup(["baseline", str(short)], months=24)  # --months cannot help: the burn-ins differ
