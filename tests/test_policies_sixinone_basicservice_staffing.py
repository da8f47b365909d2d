"""Mechanism tests for cangzhou_six_in_one, harbin_basic_service and xian_staffing.

Each policy is switched on alone and compared with the status quo under the same seeds
(common random numbers), mostly on the small test street (tests/data/small.toml).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from commsim import CommunityModel, ScenarioError, load_scenario
from commsim.cli import cli
from commsim.policies import available
from commsim.policies.harbin_basic_service import BasicServiceStation
from commsim.policies.xian_staffing import committee_size
from commsim.scenario import parse_scenario

SMALL = Path(__file__).parent / "data" / "small.toml"
POLICIES = ("cangzhou_six_in_one", "harbin_basic_service", "xian_staffing")
SEEDS = (0, 1, 2)


def scenario(path=SMALL, policy: str | None = None, parameters: dict | None = None, **pars):
    """A scenario file with ``policy`` switched on (policy parameters ``pars``)."""
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    if parameters:
        data.setdefault("parameters", {}).update(parameters)
    if policy:
        data["policies"] = {policy: pars}
    return parse_scenario(data, str(path))


def baseline_street(policy: str | None = None, months: int = 24, **pars):
    sc = scenario(load_scenario("baseline").source, policy, **pars)
    return sc.with_months(months)


def street(df: pd.DataFrame, after: int = 0) -> pd.DataFrame:
    return df[(df["estate"] == "all") & (df["month"] > after)].reset_index(drop=True)


def pair(sc_base, sc_pol, seed: int):
    """(baseline df, policy df, policy model) for one seed."""
    base = CommunityModel(sc_base, seed).run()
    model = CommunityModel(sc_pol, seed)
    return base, model.run(), model


# --- shared behaviour ------------------------------------------------------------------------
def test_registered_with_documented_parameters():
    from commsim.params import PARAMETERS

    for name in POLICIES:
        cls = available()[name]
        assert cls.title_en and cls.title_zh and cls.source.startswith("seeds/")
        params = [p for p in PARAMETERS if p.group == f"policy:{name}"]
        auto = 1 + (not any(p.name == "setup_months" for p in cls.parameters))  # start_month, setup_months
        assert len(params) == len(cls.parameters) + auto
        for p in params:
            assert p.unit and p.source and p.meaning, p.name
            if p.kind in ("float", "int") and p.range is not None:
                lo, hi = p.range
                assert lo <= p.default <= hi, p.name


@pytest.mark.parametrize("name", POLICIES)
def test_shipped_scenario_is_the_baseline_street_with_the_policy(name):
    base, sc = load_scenario("baseline"), load_scenario(name)
    assert set(sc.policies) == {name}
    assert sc.spec.communities == base.spec.communities
    assert sc.spec.scenario.title_en and sc.spec.scenario.title_zh
    assert sc.months == base.months and sc.burn_in_months == base.burn_in_months


@pytest.mark.parametrize("name", POLICIES)
def test_nothing_changes_before_the_start_month(name):
    start = 16
    base = baseline_street(months=20)
    pol = baseline_street(name, months=20, start_month=start)
    b, d, _ = pair(base, pol, seed=5)
    before_b = b[b["month"] < start].reset_index(drop=True)
    before_d = d[d["month"] < start][b.columns].reset_index(drop=True)
    pd.testing.assert_frame_equal(before_b, before_d)
    policy_cols = [c for c in d.columns if c.startswith("policy_")]
    assert (street(d).loc[street(d)["month"] < start, policy_cols] == 0).all().all()
    after_b = b[b["month"] >= start].reset_index(drop=True)
    after_d = d[d["month"] >= start][b.columns].reset_index(drop=True)
    assert not after_b.equals(after_d)  # and it does act once started


@pytest.mark.parametrize(("policy", "key", "value", "expect"), [
    ("xian_staffing", "workers_per_10000", -3, "policies.xian_staffing.workers_per_10000: must be between"),
    ("xian_staffing", "committee_large_from", 1500, "committee_large_from: must be above committee_medium_from"),
    ("xian_staffing", "resident_base", "everyone", "resident_base: must be one of units, occupied"),
    ("harbin_basic_service", "satisfaction_line", 1.5, "satisfaction_line: must be between 0 and 1"),
    ("harbin_basic_service", "review_interval_months", 2.5, "review_interval_months: must be a whole number"),
    ("cangzhou_six_in_one", "head_coverage", "most", "head_coverage: must be a number"),
    ("cangzhou_six_in_one", "building_heads", 1, "cangzhou_six_in_one.building_heads: unknown parameter"),
])
def test_bad_policy_parameters_get_a_clear_error(policy, key, value, expect):
    with pytest.raises(ScenarioError) as err:
        scenario(SMALL, policy, **{key: value})
    assert expect in str(err.value)
    assert str(SMALL) in str(err.value)


def test_bad_policy_parameter_on_the_command_line(tmp_path):
    text = SMALL.read_text(encoding="utf-8") + "\n[policies.xian_staffing]\ncommittee_small = 0\n"
    bad = tmp_path / "bad.toml"
    bad.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(bad)])
    assert result.exit_code == 2
    assert "error:" in result.output and "committee_small: must be between 1 and 50" in result.output
    assert "Traceback" not in result.output


# --- Cangzhou six-in-one: tests/test_policy_cangzhou.py -----------------------------------


# --- Harbin basic property management ---------------------------------------------------------
def test_harbin_station_serves_the_unmanaged_old_estate():
    pol = scenario(policy="harbin_basic_service", setup_months=0)
    start = pol.burn_in_months + 1
    for seed in SEEDS:
        b, d, model = pair(scenario(), pol, seed)
        assert (street(b, start - 1)["unmanaged_share"] == 0.25).all()
        assert (street(d, start - 1)["unmanaged_share"] == 0.0).all()
        q_b = b.loc[(b["estate"] == "B-unmanaged") & (b["month"] >= start), "service_quality"]
        q_d = d.loc[(d["estate"] == "B-unmanaged") & (d["month"] >= start), "service_quality"]
        assert (q_b == model.p.unmanaged_quality).all()
        assert q_d.mean() > q_b.mean() + 0.2  # unmanaged 0.22; the station about doubles it
        e = model.estates.names.index("B-unmanaged")
        station = model.provider_of[e]
        assert isinstance(station, BasicServiceStation)
        assert station.charged_fee(e) == pytest.approx(0.4)  # 0.15 + 0.15 + 0.10 yuan/m2/month
        assert station.standard_cost() == pytest.approx(0.4 * model.estates.area_total[e])


def test_harbin_public_cost_equals_top_ups_plus_posts():
    pol = scenario(policy="harbin_basic_service", setup_months=0)
    p = pol.policies["harbin_basic_service"]
    start = pol.burn_in_months + 1
    b, d, model = pair(scenario(), pol, seed=4)
    s_b, s_d = street(b), street(d)
    policy = model.policies[0]
    station_months = (d[(d["estate"] != "all")]["managed_by_other_share"]).sum()  # stations, month by month
    assert station_months >= int((s_d["month"] >= start).sum())  # B-unmanaged's station, at least
    posts = station_months * p["public_posts"] * p["public_post_pay_yuan_month"]
    assert s_d["grants_yuan"].sum() == pytest.approx(policy.topups_yuan)  # top-ups are grants, not fees
    assert s_d["subsidies_yuan"].sum() == 0 and policy.topups_yuan > 0
    post_pay = p["public_posts"] * p["public_post_pay_yuan_month"]
    paid_posts = s_d["policy_cost_yuan_harbin_basic_service"].sum() - policy.topups_yuan
    # a post is paid for every month it is filled in a serving station (posts are hired into)
    assert paid_posts == pytest.approx(round(paid_posts / post_pay) * post_pay)
    assert paid_posts == pytest.approx(policy.posts_cost_yuan)
    assert 0 < paid_posts <= posts + 1e-6
    np.testing.assert_allclose(s_d["public_cost_yuan"] - s_b["public_cost_yuan"],
                               s_d["policy_cost_yuan_harbin_basic_service"])
    subsidised = d[(d["estate"] != "all") & (d["grants_yuan"] > 0)]["estate"].unique()
    assert "B-unmanaged" in list(subsidised)
    assert set(subsidised) <= set(d[d["managed_by_other_share"] > 0]["estate"])  # only estates with a station


def test_harbin_top_up_never_exceeds_the_station_shortfall():
    pol = scenario(policy="harbin_basic_service", topup_share=0.5)
    model = CommunityModel(pol, seed=3)
    model.run(pol.burn_in_months + 4)
    e = model.estates.names.index("B-unmanaged")
    station = model.provider_of[e]
    fees = float(model.state.payments[e])
    expected = min(0.5 * max(0.0, station.standard_cost() - fees), max(0.0, station.spending - fees))
    assert model.state.grants[e] == pytest.approx(expected)
    assert station.effort <= station.quality_cap


def test_harbin_station_under_the_60_percent_line_is_replaced():
    review_month = 6 + 12  # burn-in 6: start month 7, first review at the end of month 18
    for line, replaced in ((1.0, True), (0.0, False)):
        pol = scenario(policy="harbin_basic_service", satisfaction_line=line, review_firms=False)
        model = CommunityModel(pol, seed=1)
        model.run(review_month - 1)
        e = model.estates.names.index("B-unmanaged")
        before = model.provider_of[e]
        model.step()
        after = model.provider_of[e]
        assert isinstance(after, BasicServiceStation)
        assert (after is not before) is replaced
        assert model.policies[0].replacements == int(replaced)
        assert model.policies[0].fines == 0


def test_harbin_review_fines_failing_firms_from_their_cash():
    # every firm fails: under the satisfaction line or above a complaint line of zero
    pol = scenario(policy="harbin_basic_service", satisfaction_line=1.0, complaint_rate_line=0.0, fine_fee_months=0.5)
    model = CommunityModel(pol, seed=1)
    model.run(10)
    policy = model.policies[0]
    firms = {e: f for e, f in enumerate(model.provider_of) if f is not None and f.kind == "firm"}
    cash = {e: f.cash for e, f in firms.items()}
    policy.review(model)
    for e, firm in firms.items():
        assert firm.cash == pytest.approx(cash[e] - 0.5 * model.state.billed[e])
    assert policy.fines == len(firms) and policy.penalised == {f.unique_id for f in firms.values()}
    assert all(model.market.record(f).strikes == 1 for f in firms.values())  # on their street records


def test_harbin_station_follows_a_firm_that_leaves_an_old_estate():
    pol = scenario(policy="harbin_basic_service", setup_months=0)
    model = CommunityModel(pol, seed=2)
    model.run(pol.burn_in_months + 2)
    e = model.estates.names.index("A-old")
    model.institutions.remove(model.provider_of[e])  # as if the firm had exited
    model.step()
    assert isinstance(model.provider_of[e], BasicServiceStation)
    assert model.policies[0].installed == 2
    r = model.estates.names.index("B-resettlement")  # not an old estate: not eligible for a station
    model.institutions.remove(model.provider_of[r])
    model.step()
    assert not isinstance(model.provider_of[r], BasicServiceStation)  # the market may find a firm
    assert model.policies[0].installed == 2


# --- Xi'an staffing norm ----------------------------------------------------------------------
def test_committee_size_by_households():
    sizes = [committee_size(h, 2000, 4000, 5, 7, 9) for h in (500, 1999, 2000, 4000, 4001)]
    assert sizes == [5, 5, 7, 7, 9]


def test_xian_posts_follow_the_norm_on_the_baseline_street():
    """Communities of 3,000 / 3,050 / 3,100 households x 2.62 persons = 7,860 / 7,991 / 8,122
    residents; x 18 / 10,000 = 14.15 / 14.38 / 14.62 -> 14, 14, 15 posts (committees of 7),
    against Liaocheng's ceil(h / 300) = 10, 11, 11. The new posts are filled by recruitment,
    so headcount rises over months, never above the posts."""
    base, pol = baseline_street(), baseline_street("xian_staffing")
    start = pol.burn_in_months + 1
    for seed in (0, 1):
        b, d, model = pair(base, pol, seed)
        assert [rc.posts for rc in model.residents_committees] == [14, 14, 15]
        assert [rc.committee_members for rc in model.residents_committees] == [7, 7, 7]
        s_b, s_d = street(b), street(d)
        after = s_d["month"] >= start
        assert (s_b["worker_posts"] == 32).all() and (s_d.loc[after, "worker_posts"] == 43).all()
        assert (s_d["community_workers"] <= s_d["worker_posts"]).all()
        workers = s_d.loc[after, "community_workers"]
        assert workers.iloc[0] < 40 and workers.iloc[-6:].mean() > 39  # a ramp through hiring, not a decree
        # the pay of workers in post beyond each community's former establishment (10, 11, 11)
        per_c = d[d["estate"] != "all"].groupby(["month", "community"], observed=True)["community_workers"].first()
        above = (per_c.unstack()[["Dongcheng", "Nanyuan", "Xinhe"]] - [10, 11, 11]).clip(lower=0).sum(axis=1)
        np.testing.assert_allclose(s_d["policy_cost_yuan_xian_staffing"],
                                   np.where(after, above.to_numpy() * model.p.worker_pay_yuan_month, 0.0))
        for c in ("Dongcheng", "Nanyuan", "Xinhe"):
            load_b = b[(b["community"] == c) & (b["month"] >= start + 6)].groupby("month")["worker_load"].first()
            load_d = d[(d["community"] == c) & (d["month"] >= start + 6)].groupby("month")["worker_load"].first()
            assert load_d.mean() < load_b.mean()
        assert s_d.loc[after, "worker_load"].iloc[6:].mean() < 0.8 * s_b.loc[after, "worker_load"].iloc[6:].mean()


def test_xian_committee_size_is_a_floor_in_small_communities():
    """Small street under the core Xi'an norm: 700 and 500 households x 2.62 x 18 / 10,000 =
    3.30 and 2.36 -> 3 and 2 posts by the ratio; the Xi'an committee of 5 lifts both to 5."""
    pol = scenario(policy="xian_staffing", parameters={"staffing_norm": "xian"})
    model = CommunityModel(pol, seed=0)
    assert [rc.posts for rc in model.residents_committees] == [3, 2]
    model.run(pol.burn_in_months + 2)
    assert [rc.posts for rc in model.residents_committees] == [5, 5]
    assert all(rc.workers <= 5 for rc in model.residents_committees)


def test_xian_keeps_higher_staffing_unless_told_otherwise():
    # 5 per 10,000 gives 4 workers, so the committee of 7 binds; Liaocheng staffs 10, 11, 11.
    keep = CommunityModel(baseline_street("xian_staffing", months=14, workers_per_10000=5.0), 0)
    keep.run()
    assert [rc.posts for rc in keep.residents_committees] == [10, 11, 11]
    cut = CommunityModel(baseline_street("xian_staffing", months=14, workers_per_10000=5.0,
                                         keep_higher_staffing=False), 0)
    df = cut.run()
    assert [rc.posts for rc in cut.residents_committees] == [7, 7, 7]
    assert all(rc.workers <= 7 for rc in cut.residents_committees)  # posts cut: the surplus leaves at once
    workers = sum(rc.workers for rc in cut.residents_committees)
    cost = street(df)["policy_cost_yuan_xian_staffing"].iloc[-1]
    assert cost == pytest.approx((workers - 32) * cut.p.worker_pay_yuan_month)  # pay saved


def test_the_three_combine_and_their_costs_add_up():
    with open(load_scenario("baseline").source, "rb") as fh:
        data = tomllib.load(fh)
    data["policies"] = {name: {} for name in POLICIES}
    combined = parse_scenario(data, "combined").with_months(20)
    b, d, model = pair(baseline_street(months=20), combined, seed=3)
    s_b, s_d = street(b), street(d)
    # beyond the payroll (whose difference includes the staffing norm and turnover that the
    # policies change), the public cost rises by exactly the other policies' costs
    pay = model.p.worker_pay_yuan_month
    others = s_d[[f"policy_cost_yuan_{name}" for name in POLICIES if name != "xian_staffing"]].sum(axis=1)
    np.testing.assert_allclose((s_d["public_cost_yuan"] - pay * s_d["community_workers"])
                               - (s_b["public_cost_yuan"] - pay * s_b["community_workers"]), others)
    assert (s_d[[f"policy_cost_yuan_{name}" for name in POLICIES]].iloc[-1] > 0).all()
    assert s_d["unmanaged_share"].iloc[-1] == 0.0 and s_d["worker_posts"].iloc[-1] == 43


def test_harbin_penalised_firms_work_harder_until_the_next_review():
    review_month = 6 + 12
    efforts = []
    for hours in (0.0, 8.0):
        pol = scenario(policy="harbin_basic_service", satisfaction_line=1.0, complaint_rate_line=0.0,
                       penalty_inspection_hours=hours)
        df = CommunityModel(pol, seed=2).run(review_month + 2)
        rows = df[(df["estate"] != "all") & (df["estate"] != "B-unmanaged")]
        efforts.append(rows.pivot(index="month", columns="estate", values="service_effort"))
    # inspected from the month after the review; supervision hours act the month after that
    pd.testing.assert_frame_equal(efforts[0].loc[:review_month + 1], efforts[1].loc[:review_month + 1])
    after = efforts[1].loc[review_month + 2] - efforts[0].loc[review_month + 2]
    assert (after >= -1e-12).all() and (after > 1e-6).any()
