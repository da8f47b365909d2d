"""Mechanism tests of the Suzhou alliance, fee subsidies and Suzhou
classified management; start months, combinations, errors and user plugins.

Each policy runs alone against the status quo under the same seeds (common random numbers) on
the small test street; effects are pooled over several seeds where one would be noisy.
"""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from commsim import CommunityModel
from commsim.cli import cli
from commsim.params import PARAMETERS
from commsim.policies.fee_subsidy import FeeSubsidy
from commsim.policies.suzhou_alliance import SuzhouAlliance, choose_flagship
from commsim.policies.suzhou_classified import GuaranteedService, SuzhouClassified
from commsim.scenario import load_scenario, parse_scenario

DATA = Path(__file__).parent / "data"
SEEDS = (1, 2, 3)
START = 7  # small.toml: burn-in 6 months, so policies start in month 7


@pytest.fixture(scope="module")
def small_data() -> dict:
    return tomllib.loads((DATA / "small.toml").read_text(encoding="utf-8"))


def scenario(data: dict, policies: dict | None = None, parameters: dict | None = None,
             income: dict | None = None):
    d = copy.deepcopy(data)
    d["policies"] = policies or {}
    d["parameters"] = {**d.get("parameters", {}), **(parameters or {})}
    if income is not None:
        d["household_mix"] = {"income": income}
    return parse_scenario(d, "test")


def street(df: pd.DataFrame, after: int = START - 1) -> pd.DataFrame:
    return df[(df["estate"] == "all") & (df["month"] > after)]


def pair(data, policies, seed, months=None, **kw):
    """(baseline model, policy model) run for ``months`` with the same seed."""
    base = CommunityModel(scenario(data, None, **kw), seed)
    pol = CommunityModel(scenario(data, policies, **kw), seed)
    base.run(months)
    pol.run(months)
    return base, pol


# --- Suzhou alliance ------------------------------------------------------------------
def test_flagship_rule_prefers_quality_plus_committee_then_size():
    quality = np.array([0.6, 0.7, 0.5])
    activity = np.array([0.8, np.nan, 0.0])
    assert choose_flagship(quality, activity, np.array([100, 100, 100]), 0.5) == 0  # 1.0 > 0.7
    assert choose_flagship(quality, activity, np.array([100, 100, 100]), 0.0) == 1
    assert choose_flagship(np.array([0.5, 0.5]), np.array([np.nan, np.nan]), np.array([10, 20]), 0.5) == 1


def test_alliance_forms_at_start_with_common_norm_and_no_firm_by_fiat(small_data):
    model = CommunityModel(scenario(small_data, {"suzhou_alliance": {}}), seed=1)
    model.run(START - 1)
    assert model.households.ties.shape[1] == int(model.p.neighbour_ties)  # nothing yet
    before = list(model.provider_of)
    model.step()
    pol = next(p for p in model.policies if isinstance(p, SuzhouAlliance))
    assert len(pol.alliances) == 2
    est = model.estates
    for a in pol.alliances:
        assert set(est.norm_group[a.members]) == {a.flagship}
    assert list(model.provider_of) == before  # estates join the common firm only by their owners' vote
    assert pol.votes_held == 0  # the first votes wait for the set-up months
    assert model.households.ties.shape[1] == int(model.p.neighbour_ties) + 2


def test_alliance_raises_cross_ties_and_belonging_and_evens_quality(small_data):
    gains, spreads = [], []
    for seed in SEEDS:
        base, pol = pair(small_data, {"suzhou_alliance": {}}, seed)
        b, p = base.dataframe(), pol.dataframe()
        assert (street(b)["cross_estate_tie_share"] == 0).all()
        assert street(p)["cross_estate_tie_share"].iloc[-1] > 0.05
        gains.append(street(p)["belonging"].mean() - street(b)["belonging"].mean())

        def within_community_sd(df):
            rows = df[(df["estate"] != "all") & (df["month"] >= START)]
            return rows.groupby(["month", "community"])["service_quality"].std().mean()

        spreads.append(within_community_sd(p) - within_community_sd(b))
    assert min(gains) > 0, gains
    assert max(spreads) < 0, spreads


def test_alliance_costs_are_booked(small_data):
    model = CommunityModel(scenario(small_data, {"suzhou_alliance": {"handover_cost_yuan": 0.0}}), seed=2)
    df = street(model.run())
    households = 1200
    ready = df["month"] >= START + 3  # setup_months: the first activity is prepared
    # 12 activities a year, one each month, at 1 yuan per household: 1,200 yuan a month.
    assert df[ready]["policy_cost_yuan_suzhou_alliance"].to_numpy() == pytest.approx(households * 1.0)
    assert (df[ready]["policy_hours_suzhou_alliance"] >= 2 * 16.0).all()  # two alliances' activities
    assert (df[~ready]["policy_cost_yuan_suzhou_alliance"] == 0).all()


def test_alliance_mechanisms_can_be_switched_off(small_data):
    off = {k: False for k in ("federation", "common_firm", "common_convention", "joint_activities")}
    base, pol = pair(small_data, {"suzhou_alliance": off}, seed=1)
    pd.testing.assert_frame_equal(base.dataframe(), pol.dataframe().drop(
        columns=["policy_cost_yuan_suzhou_alliance", "policy_hours_suzhou_alliance"]))


# --- Liaocheng four-in-one: tests/test_policy_liaocheng.py ------------------------------


# --- fee subsidies ------------------------------------------------------------------------
POOR = {"minimum": 0.2, "low": 0.3, "middle": 0.4, "high": 0.1}


def test_fee_subsidy_raises_payment_of_enrolled_households(small_data):
    rates = {"base": [0, 0], "pol": [0, 0]}
    for seed in SEEDS:
        pol_sc = scenario(small_data, {"fee_subsidy": {"scheme": "households"}}, income=POOR)
        base = CommunityModel(scenario(small_data, income=POOR), seed)
        pol = CommunityModel(pol_sc, seed)
        for month in range(1, 25):
            base.step()
            pol.step()
            if month < START:
                continue
            rows = pol.policies[0].enrolled
            charged = pol.fee_charged()[pol.households.estate[rows]] > 0
            rates["pol"][0] += int(pol.households.paid[rows][charged].sum())
            rates["base"][0] += int(base.households.paid[rows][charged].sum())
            rates["pol"][1] += int(charged.sum())
            rates["base"][1] += int(charged.sum())
    share = {k: v[0] / v[1] for k, v in rates.items()}
    assert share["pol"] > share["base"] + 0.05, share


@pytest.mark.parametrize("scheme", ["households", "old_estates", "both"])
def test_fee_subsidy_public_cost_rises_by_exactly_the_subsidies(small_data, scheme):
    base, pol = pair(small_data, {"fee_subsidy": {"scheme": scheme, "topup_applies_to": "all"}}, seed=2, income=POOR)
    b, p = street(base.dataframe(), 0), street(pol.dataframe(), 0)
    extra = p["public_cost_yuan"].to_numpy() - b["public_cost_yuan"].to_numpy()
    paid = (p["subsidies_yuan"] + p["grants_yuan"]).to_numpy()  # fee subsidies and top-up grants
    np.testing.assert_allclose(extra, paid, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(extra, p["policy_cost_yuan_fee_subsidy"].to_numpy(), rtol=1e-9, atol=1e-6)
    assert (p["subsidies_yuan"].sum() > 0) == (scheme != "old_estates")
    assert (p["grants_yuan"].sum() > 0) == (scheme != "households")
    if scheme == "old_estates":
        per = pol.dataframe()
        assert per[(per["estate_type"] != "old") & (per["estate"] != "all")]["grants_yuan"].sum() == 0


def test_fee_subsidy_enrolment_and_budget_cap(small_data):
    budget = 1500.0
    sc = scenario(small_data, {"fee_subsidy": {"scheme": "households", "annual_budget_yuan": budget,
                                               "take_up": 0.5}}, income=POOR)
    model = CommunityModel(sc, seed=3)
    df = street(model.run(), 0)
    pol = next(p for p in model.policies if isinstance(p, FeeSubsidy))
    hh = model.households
    eligible = np.flatnonzero(hh.occupied & (hh.income_class == 0))
    assert set(pol.enrolled) <= set(eligible)
    assert 0.35 < pol.enrolled.size / eligible.size < 0.65
    df = df.assign(year=(df["month"] - START) // 12)
    yearly = df[df["month"] >= START].groupby("year")["subsidies_yuan"].sum()
    assert (yearly <= budget + 1e-6).all()
    assert yearly.iloc[0] == pytest.approx(budget)  # the cap binds in the first year


# --- Suzhou classified -----------------------------------------------------------------
def test_classified_guarantees_service_in_old_and_resettlement_estates(small_data):
    """Guaranteed service comes where owners (or the street, for an estate without a provider)
    choose it; where it serves, effort never falls under the standard and the deficit is paid."""
    agree = {"vote_turnout_intercept": 6.0, "vote_turnout_absentee_shift": 0.0, "contract_term_months": 6,
             "dismissal_trigger_satisfaction": 1.0, "vote_consent_steepness": 20.0}
    gains = []
    for seed in SEEDS:
        base, pol = pair(small_data, {"suzhou_classified": {}}, seed, parameters=agree)
        b, p = base.dataframe(), pol.dataframe()
        late = (p["estate_type"].isin(["old", "resettlement"])) & (p["month"] >= START + 12)
        assert (p[late]["service_effort"] >= 0.75 - 1e-12).all()  # all guaranteed by then
        gains.append(p[late]["service_quality"].mean() - b[late.to_numpy()]["service_quality"].mean())
        s_b, s_p = street(b, 0), street(p, 0)
        extra = s_p["public_cost_yuan"].to_numpy() - s_b["public_cost_yuan"].to_numpy()
        np.testing.assert_allclose(extra, s_p["policy_cost_yuan_suzhou_classified"].to_numpy(), atol=1e-6)
        assert s_p["grants_yuan"].sum() > 0  # deficit grants to guaranteed providers
        kinds = {type(pol.provider_of[e]) for e in range(pol.estates.n) if pol.estates.type_name(e) != "commercial"}
        assert kinds == {GuaranteedService}
    assert min(gains) > 0, gains


def test_classified_market_firms_reprice_toward_cost_cover_with_the_owners_consent(small_data):
    """At a review the firm proposes a fee toward cost cover (at most 10% per review); a cut
    applies, a rise needs the owners' vote (Civil Code art. 278)."""
    review = START + 12
    commercial = 0
    results = {}
    for label, pars in (("refuse", {"vote_turnout_intercept": -6.0}),
                        ("agree", {"vote_turnout_intercept": 6.0, "vote_turnout_absentee_shift": 0.0,
                                   "fee_consent_intercept": 20.0})):
        model = CommunityModel(scenario(small_data, {"suzhou_classified": {}}, parameters=pars), seed=1)
        pol = next(p for p in model.policies if isinstance(p, SuzhouClassified))
        model.run(review - 1)
        firm = model.provider_of[commercial]
        target = pol.target_ratio(model, firm)
        before = float(model.estates.contract_fee[commercial])
        model.step()
        after = float(model.estates.contract_fee[commercial])
        results[label] = (target, before, after)
        assert abs(after / before - 1.0) <= 0.1 + 1e-12
        assert model.fee_charged()[commercial] == pytest.approx(after)
    for target, before, after in results.values():
        if target < 1.0:
            assert after < before  # a cut needs no vote
    target, before, after = results["agree"]
    assert np.sign(after - before) == np.sign(target - 1.0)
    target, before, after = results["refuse"]
    assert after <= before  # no rise without the owners' consent


# --- all policies: start month, combination, errors ----------------------------------
@pytest.mark.parametrize("name", ["suzhou_alliance", "liaocheng_four_in_one", "fee_subsidy", "suzhou_classified"])
def test_nothing_changes_before_the_start_month(small_data, name):
    base, pol = pair(small_data, {name: {"start_month": 12, "setup_months": 0}}, seed=6, months=14, income=POOR)
    b, p = base.dataframe(), pol.dataframe()
    p_core = p.drop(columns=[c for c in p.columns if c.startswith("policy_")])
    pd.testing.assert_frame_equal(b[b["month"] < 12], p_core[p_core["month"] < 12])
    assert not b[b["month"] >= 12].reset_index(drop=True).equals(p_core[p_core["month"] >= 12].reset_index(drop=True))


def test_combined_policies_run_and_their_costs_add_up():
    sc = load_scenario("alliance_plus_subsidy").with_months(24)
    model = CommunityModel(sc, seed=1)
    s = street(model.run(), 0)
    workers = s["community_workers"] * model.p.worker_pay_yuan_month
    costs = s["policy_cost_yuan_suzhou_alliance"] + s["policy_cost_yuan_fee_subsidy"]
    np.testing.assert_allclose(s["public_cost_yuan"], workers + costs, rtol=1e-9)
    after = s[s["month"] > sc.burn_in_months + 3]  # the alliance's set-up months
    assert (after["policy_cost_yuan_suzhou_alliance"] > 0).all()
    assert after["policy_cost_yuan_fee_subsidy"].sum() > 0
    assert (after["cross_estate_tie_share"] > 0).all()


def test_shipped_policy_scenarios_are_the_baseline_street():
    base = load_scenario("baseline")
    for name in ("suzhou_alliance", "liaocheng_four_in_one", "fee_subsidy", "suzhou_classified",
                 "alliance_plus_subsidy"):
        sc = load_scenario(name)
        assert sc.spec.communities == base.spec.communities
        assert sc.spec.scenario.title_en and sc.spec.scenario.title_zh
        assert sc.policies
    assert set(load_scenario("alliance_plus_subsidy").policies) == {"suzhou_alliance", "fee_subsidy"}


def _check(tmp_path, small_data, policies_toml: str, *extra: str):
    text = (DATA / "small.toml").read_text(encoding="utf-8") + "\n" + policies_toml
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    return CliRunner().invoke(cli, ["check", str(path), *extra])


@pytest.mark.parametrize("table, words", [
    ("[policies.no_such_policy]\n", ["policies.no_such_policy", "unknown policy", "fee_subsidy"]),
    ("[policies.fee_subsidy]\nsubsidy_share = 1.5\n", ["fee_subsidy.subsidy_share", "between 0 and 1"]),
    ("[policies.fee_subsidy]\nscheme = \"everyone\"\n", ["fee_subsidy.scheme", "households"]),
    ("[policies.suzhou_alliance]\nfederation_hour_share = 0.2\n",
     ["suzhou_alliance.federation_hour_share", "unknown parameter", "federation_hours_share"]),
    ("[policies.liaocheng_four_in_one]\nmeeting_interval_months = 1.5\n",
     ["liaocheng_four_in_one.meeting_interval_months", "whole number"]),
    ("[policies.suzhou_classified]\ncover_unmanaged = \"perhaps\"\n",
     ["suzhou_classified.cover_unmanaged", "true or false"]),
])
def test_bad_policy_tables_give_one_clear_error(tmp_path, small_data, table, words):
    result = _check(tmp_path, small_data, table)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "error:" in result.output
    for word in words:
        assert word in result.output


def test_bad_policy_override_on_the_command_line(tmp_path, small_data):
    result = _check(tmp_path, small_data, "[policies.fee_subsidy]\n", "--set", "fee_subsidy.take_up=2")
    assert result.exit_code == 2 and "fee_subsidy.take_up" in result.output
    result = _check(tmp_path, small_data, "[policies.fee_subsidy]\n", "--set", "fee_subsidy.take_up=0.9")
    assert result.exit_code == 0, result.output


# --- a user's own policy, loaded as a plugin ---------------------------------------------
def test_user_policy_plugin_runs_and_moves_its_target():
    result = CliRunner().invoke(cli, ["check", str(DATA / "user_policy.toml")])
    assert result.exit_code == 0, result.output
    assert "mediation_desk" in result.output
    sc = load_scenario(DATA / "user_policy.toml")
    base = load_scenario(DATA / "small.toml")
    resolved = {"base": 0.0, "pol": 0.0}
    for seed in SEEDS:
        p = street(CommunityModel(sc, seed).run())
        b = street(CommunityModel(base, seed).run())
        # 2 communities x 40 hours x 25 yuan every month from the start
        assert p["policy_cost_yuan_mediation_desk"].to_numpy() == pytest.approx(2 * 40 * 25.0)
        resolved["pol"] += p["complaints_resolved"].sum()
        resolved["base"] += b["complaints_resolved"].sum()
    assert resolved["pol"] > resolved["base"], resolved


def test_policies_are_deterministic(small_data):
    sc = scenario(small_data, {"suzhou_alliance": {}, "liaocheng_four_in_one": {}, "fee_subsidy": {},
                               "suzhou_classified": {}}, income=POOR)
    a = CommunityModel(sc, seed=9).run(20)
    b = CommunityModel(sc, seed=9).run(20)
    pd.testing.assert_frame_equal(a, b)


def test_docs_show_the_tested_plugin_and_every_parameter():
    doc = (Path(__file__).parents[1] / "docs" / "policies.md").read_text(encoding="utf-8")
    assert (DATA / "mediation_desk.py").read_text(encoding="utf-8") in doc
    for name in ("suzhou_alliance", "liaocheng_four_in_one", "fee_subsidy", "suzhou_classified"):
        assert f"`{name}`" in doc
        for param in PARAMETERS:
            if param.group == f"policy:{name}":
                assert f"`{param.name.split('.', 1)[1]}`" in doc, param.name
