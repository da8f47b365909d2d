"""Mechanism tests of fee subsidies, Harbin basic service (seeds/001) and the Xi'an staffing norm
with community resizing (seeds/003): each mechanism moves its direct target, waits for its
set-up, and does nothing where its precondition is absent (no station, no hours, no oversized or
micro community).
"""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path

import numpy as np
import pytest

from commsim import CommunityModel
from commsim.policies.fee_subsidy import FeeSubsidy
from commsim.policies.harbin_basic_service import BasicServiceStation, HarbinBasicService
from commsim.policies.xian_staffing import XianStaffing
from commsim.scenario import parse_scenario

DATA = Path(__file__).parent / "data"
START = 7  # small.toml: burn-in 6 months
SETUP = 3  # default setup_months
POOR = {"minimum": 0.2, "low": 0.3, "middle": 0.4, "high": 0.1}
BUSY = {"admin_hours_per_household": 50.0}  # administration eats every community-worker hour


@pytest.fixture(scope="module")
def small() -> dict:
    return tomllib.loads((DATA / "small.toml").read_text(encoding="utf-8"))


def run(data: dict, policies: dict, parameters: dict | None = None, months: int | None = None,
        seed: int = 1, edit=None, income: dict | None = None) -> CommunityModel:
    d = copy.deepcopy(data)
    d["policies"] = policies
    d["parameters"] = {**d.get("parameters", {}), **(parameters or {})}
    if income is not None:
        d["household_mix"] = {"income": income}
    if edit is not None:
        edit(d)
    model = CommunityModel(parse_scenario(d, "test"), seed)
    model.run(months)
    return model


def policy(model: CommunityModel, cls):
    return next(p for p in model.policies if isinstance(p, cls))


# --- fee subsidies ---------------------------------------------------------------------------
def test_households_are_enrolled_after_review_once_the_scheme_is_set_up(small):
    pol = {"fee_subsidy": {"scheme": "households"}}
    early = run(small, pol, months=START + SETUP - 1, income=POOR)
    assert policy(early, FeeSubsidy).enrolled.size == 0
    assert early.dataframe()["subsidies_yuan"].sum() == 0
    ready = run(small, pol, months=START + SETUP, income=POOR)
    sub = policy(ready, FeeSubsidy)
    assert sub.enrolled.size > 0 and set(sub.enrolled) <= set(sub.applicants)
    # the review's hours: enrol_hours_per_household per applicant, then the monthly reviews
    assert sub.total_hours == pytest.approx(1.0 * sub.applicants.size + 0.2 * sub.enrolled.size)


def test_no_enrolment_while_community_workers_lack_the_hours(small):
    model = run(small, {"fee_subsidy": {"scheme": "households"}}, BUSY, income=POOR)
    sub = policy(model, FeeSubsidy)
    assert sub.applicants.size > 0 and sub.enrolled.size == 0
    assert model.dataframe()["subsidies_yuan"].sum() == 0 and sub.total_cost_yuan == 0


def test_top_up_reaches_market_firms_only_when_the_scenario_says_so(small):
    """Harbin art. 18 tops up basic-service stations: by default market firms of old estates get
    nothing; with topup_applies_to = all they get the shortfall top-up."""
    default = run(small, {"fee_subsidy": {"scheme": "old_estates"}})
    assert default.dataframe()["grants_yuan"].sum() == 0
    firms = run(small, {"fee_subsidy": {"scheme": "old_estates", "topup_applies_to": "all"}})
    assert firms.dataframe()["grants_yuan"].sum() > 0


def test_top_up_reaches_a_station_beside_harbin(small):
    both = {"harbin_basic_service": {"topup_share": 0.0}, "fee_subsidy": {"scheme": "old_estates"}}
    model = run(small, both)
    stations = [e for e in range(model.estates.n) if isinstance(model.provider_of[e], BasicServiceStation)]
    assert stations
    df = model.dataframe()
    got = df[df["estate"].isin([model.estates.names[e] for e in stations])]["grants_yuan"].sum()
    assert got > 0 and got == pytest.approx(policy(model, FeeSubsidy).paid_topup_yuan)


# --- Harbin basic service -----------------------------------------------------------------------
def test_stations_wait_for_set_up_and_their_managers(small):
    early = run(small, {"harbin_basic_service": {}}, months=START + SETUP - 1)
    unmanaged = early.estates.names.index("B-unmanaged")
    assert early.provider_of[unmanaged] is None  # the station is being set up
    model = run(small, {"harbin_basic_service": {}}, months=START + SETUP + 12)
    station = model.provider_of[unmanaged]
    assert isinstance(station, BasicServiceStation)
    harbin = policy(model, HarbinBasicService)
    # the public-benefit post is paid only while filled (hired like any post)
    assert harbin.post_months <= harbin.station_months
    assert harbin.posts_cost_yuan == pytest.approx(harbin.post_months * 2000.0)


def test_a_station_without_its_manager_runs_at_its_floor(small):
    slow = {"worker_hiring_months": 60.0}  # nobody hired for years
    model = run(small, {"harbin_basic_service": {}}, slow, months=START + SETUP + 2)
    unmanaged = model.estates.names.index("B-unmanaged")
    station = model.provider_of[unmanaged]
    assert station.staff.headcount == 0
    assert station.effort <= model.p.firm_fixed_cost_share * station.quality_cap + 1e-12
    staffed = run(small, {"harbin_basic_service": {}}, {"worker_hiring_months": 1.0}, months=START + SETUP + 2)
    assert staffed.provider_of[unmanaged].effort > station.effort


def test_reviews_and_inspections_lapse_when_workers_lack_the_hours(small):
    fail_all = {"satisfaction_line": 1.0, "review_grace_months": 0}
    ok = policy(run(small, {"harbin_basic_service": fail_all}), HarbinBasicService)
    assert ok.fines > 0 and ok.inspection_hours > 0 and ok.reviews_lapsed == 0
    busy = policy(run(small, {"harbin_basic_service": fail_all}, BUSY), HarbinBasicService)
    assert busy.fines == 0 and busy.reviews_lapsed > 0 and busy.inspection_hours == 0
    # reviews that cost no hours are held; the inspections that follow still need hours
    free = {**fail_all, "review_hours_per_estate": 0.0}
    short = policy(run(small, {"harbin_basic_service": free}, BUSY), HarbinBasicService)
    assert short.fines > 0 and short.inspection_hours == 0 and short.inspections_lapsed > 0


def test_no_station_where_no_estate_is_unmanaged_and_old(small):
    def all_managed(d):
        for c in d["communities"]:
            for e in c["estates"]:
                e["management"] = "firm"
    model = run(small, {"harbin_basic_service": {}}, {"firm_exit_loss_months": 240}, edit=all_managed)
    harbin = policy(model, HarbinBasicService)
    assert harbin.installed == 0 and harbin.topups_yuan == 0.0 and harbin.posts_cost_yuan == 0.0
    assert np.isclose(model.dataframe()["grants_yuan"].sum(), 0.0)


# --- Xi'an: splitting oversized and merging micro communities ------------------------------------
def xian(model: CommunityModel) -> XianStaffing:
    return policy(model, XianStaffing)


def test_micro_communities_merge_after_the_plan_and_posts_are_cut(small):
    """The small street's communities (700 and 500 households) are both micro: merged, 1,200
    households x 2.62 x 18 / 10,000 = 5.7 -> 6 posts for the one committee, shared 4 : 2 by
    households, against 5 + 5 before."""
    months = START + 12  # resize_months
    before = run(small, {"xian_staffing": {}}, months=months - 1)
    assert [rc.posts for rc in before.residents_committees] == [5, 5]
    assert xian(before).total_hours == pytest.approx((months - START) * 2 * 20.0)  # planning hours
    after = run(small, {"xian_staffing": {}}, months=months + 2)
    assert [rc.posts for rc in after.residents_committees] == [4, 2]
    assert all(rc.workers <= rc.posts for rc in after.residents_committees)
    assert xian(after).month_hours == pytest.approx(2 * 8.0 / 2)  # coordination across the old boundary
    df = after.dataframe()
    assert df[(df["estate"] == "all") & (df["month"] == months + 2)]["policy_cost_yuan_xian_staffing"].iloc[0] < 0


def test_no_resizing_without_oversized_or_micro_communities(small):
    def mid_sized(d):
        for c in d["communities"]:
            for e in c["estates"]:
                e["households"] = e["households"] * 4  # 2,800 and 2,000 households
    model = run(small, {"xian_staffing": {}}, months=START + 14, edit=mid_sized)
    pol = xian(model)
    assert pol.parts == {} and pol.groups == [] and pol.total_hours == 0.0
    off = run(small, {"xian_staffing": {"resize_communities": False}}, months=START + 14)
    assert [rc.posts for rc in off.residents_committees] == [5, 5] and xian(off).total_hours == 0.0


def test_an_oversized_community_is_split_with_committees_of_its_own(small):
    def oversized(d):
        d["communities"][0]["estates"][0]["households"] = 5600  # community A: 5,900 households
    model = run(small, {"xian_staffing": {}}, months=START + 13, edit=oversized)
    pol = xian(model)
    assert pol.parts == {0: 2}
    rc = model.residents_committees[0]
    assert rc.committee_members == 2 * 7  # two committees of 7 (2,950 households each), not one of 9
    assert rc.posts == max(round(18 * 5900 * model.p.persons_per_household / 10_000), 14)
    assert pol.month_hours >= 8.0  # the two parts coordinate
