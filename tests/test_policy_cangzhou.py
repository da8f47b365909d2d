"""Mechanism tests of Cangzhou six-in-one (seeds/002): building heads, the community property
manager, the property-management committees and published ratings that feed the firm market.

Each mechanism runs alone (the others switched off) against the status quo under the same
seeds, mostly on the small test street, and does nothing where its preconditions are absent.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from commsim import CommunityModel
from commsim.agents import PropertyFirm
from commsim.meetings import Meeting
from commsim.params import PARAMETERS
from commsim.policies.cangzhou_six_in_one import CangzhouSixInOne
from commsim.scenario import parse_scenario

from .helpers import mechanism_alone

SMALL = Path(__file__).parent / "data" / "small.toml"
NAME = "cangzhou_six_in_one"
SEEDS = (0, 1, 2)
SETUP = int(PARAMETERS[f"{NAME}.setup_months"].default)


def only(mechanism: str | None, **pars) -> dict:
    """Policy values with every mechanism but ``mechanism`` switched off (None: all on)."""
    return mechanism_alone(CangzhouSixInOne, mechanism, **pars)


def scenario(policy: dict | None = None, parameters: dict | None = None):
    with open(SMALL, "rb") as fh:
        data = tomllib.load(fh)
    if parameters:
        data.setdefault("parameters", {}).update(parameters)
    if policy is not None:
        data["policies"] = {NAME: policy}
    return parse_scenario(data, str(SMALL))


def street(df: pd.DataFrame, after: int = 0) -> pd.DataFrame:
    return df[(df["estate"] == "all") & (df["month"] > after)].reset_index(drop=True)


START = scenario().burn_in_months + 1


def meetings(model: CommunityModel, purpose: str) -> list[Meeting]:
    found = model.agents_by_type.get(Meeting, [])
    return [m for m in found if m.purpose == purpose]


# --- building heads --------------------------------------------------------------------------
def test_building_heads_catch_failures_early_once_named():
    totals = np.zeros(2)
    for seed in SEEDS:
        base = CommunityModel(scenario(), seed).run()
        model = CommunityModel(scenario(only("building_heads")), seed)
        df = model.run()
        assert (street(df)["early_fixes"][street(df)["month"] < START + SETUP] == 0).all()
        after = START + SETUP - 1
        totals += [street(base, after)["failures_per_1000_households"].mean(),
                   street(df, after)["failures_per_1000_households"].mean()]
    assert totals[1] < 0.95 * totals[0]


def test_no_heads_no_early_fixes():
    model = CommunityModel(scenario(only("building_heads", head_coverage=0.0)), 1)
    model.run()
    assert model.policies[0].early_fixes == 0 and model.policies[0].total_cost_yuan == 0


# --- the community property manager ------------------------------------------------------------
def test_manager_posts_are_vacant_until_hired_and_paid_only_when_filled():
    model = CommunityModel(scenario(only("property_manager")), 3)
    pol = model.policies[0]
    pay = pol.pars.manager_pay_yuan_month
    hired_month = None
    for month in range(1, 25):
        model.step()
        heads = sum(wf.headcount for wf in pol.managers)
        assert pol.month_cost_yuan == pytest.approx(heads * pay)
        if month < START:
            assert heads == 0
        if heads and hired_month is None:
            hired_month = month
    assert hired_month is not None and hired_month > START - 1


def test_manager_raises_resolution_and_inspects_firms_only():
    shares = np.zeros(2)
    for seed in SEEDS:
        base = CommunityModel(scenario(), seed).run()
        model = CommunityModel(scenario(only("property_manager")), seed)
        df = model.run()
        for i, d in enumerate((base, df)):
            s = street(d, START + 6)
            shares[i] += s["complaints_resolved"].sum() / (s["complaints_resolved"].sum() + s["complaints_abandoned"].sum())
    assert shares[1] > shares[0]
    model = CommunityModel(scenario(only("property_manager")), 1)
    model.run(START + 12)
    inspected = model.supervision.by_actor.get("inspection", np.zeros(model.estates.n))
    firm = np.array([isinstance(p, PropertyFirm) for p in model.provider_of])
    assert (inspected[~firm] == 0).all()


# --- committees ------------------------------------------------------------------------------------
def test_committee_meetings_supply_no_more_than_they_consume_and_wait_for_setup():
    model = CommunityModel(scenario(only("committees")), 1)
    seen = {"community_meeting": 0, "street_meeting": 0}
    for month in range(1, START + SETUP + 7):
        model.step()
        for purpose in seen:
            found = meetings(model, purpose)
            if month < START + SETUP:
                assert not found
            for m in found:
                assert m.supplied <= m.consumed + 1e-9
                if not m.lapsed:
                    seen[purpose] += 1
                    kinds = {a.kind for a in m.attendees}
                    assert {"community_worker", "street_staff", "firm_staff"} <= kinds
    assert seen["community_meeting"] > 0 and seen["street_meeting"] > 0
    # the street committee meets quarterly: twice in the seven months since set-up, per community
    assert seen["street_meeting"] <= 3 * model.estates.n_communities


def test_committee_meetings_lapse_without_worker_hours():
    model = CommunityModel(scenario(only("committees"), {"admin_hours_per_household": 50.0}), 1)
    model.run(START + SETUP + 3)
    pol = model.policies[0]
    assert pol.meetings_held == 0 and pol.meetings_lapsed > 0
    assert pol.total_hours == 0 and pol.total_cost_yuan == 0


def test_committees_settle_more_complaints_at_the_community_tier():
    shares = np.zeros(2)
    for seed in SEEDS:
        base = CommunityModel(scenario(), seed).run()
        df = CommunityModel(scenario(only("committees")), seed).run()
        for i, d in enumerate((base, df)):
            s = street(d, START + SETUP)
            shares[i] += s["complaints_resolved"].sum() / (s["complaints_resolved"].sum() + s["complaints_abandoned"].sum())
    assert shares[1] > shares[0]


# --- published ratings -----------------------------------------------------------------------------
def test_ratings_enter_firm_records_and_change_nothing_before_the_first_publication():
    pol = scenario(only("ratings", blacklist_after_ratings=0))
    first = START + SETUP + 5  # end of the first six-month period after set-up
    for seed in SEEDS[:2]:
        base = CommunityModel(scenario(), seed)
        model = CommunityModel(pol, seed)
        b, d = base.run(first - 1), model.run(first - 1)
        cols = ["month", "estate", "service_effort", "satisfaction"]
        pd.testing.assert_frame_equal(b[cols], d[cols])
        months_before = {f.unique_id: model.market.record(f).months for f in model.market.firms()}
        model.step()
        rated = [p for p in model.provider_of if isinstance(p, PropertyFirm)]
        assert rated
        for f in rated:
            n = sum(1 for p in model.provider_of if p is f)
            assert model.market.record(f).months == pytest.approx(months_before[f.unique_id] + n * 7.0)
        rating = model.supervision.by_actor.get("meeting:rating", np.zeros(model.estates.n))
        firm = np.array([isinstance(p, PropertyFirm) for p in model.provider_of])
        assert (rating[firm] > 0).all() and (rating[~firm] == 0).all()


def test_a_low_rating_lowers_the_firms_reputation_in_every_tender():
    model = CommunityModel(scenario(only("ratings", blacklist_after_ratings=0, warning_line=0.0,
                                        rating_satisfaction_weight=1.0, satisfied_cutoff=1.0)), 2)
    base = CommunityModel(scenario(), 2)
    first = START + SETUP + 5
    model.run(first)
    base.run(first)
    for f in (p for p in model.provider_of if isinstance(p, PropertyFirm)):
        twin = next(g for g in base.market.firms() if g.unique_id == f.unique_id)
        assert model.market.reputation(f) < base.market.reputation(twin)  # rated 0 by nobody satisfied


def test_blacklist_sends_estates_to_the_market_and_never_rehires_the_firm():
    """Every rated firm under a line of 1.0 is blacklisted: its contract ends, the estate goes to
    the market at once, and no blacklisted firm serves again."""
    pol = scenario(only("ratings", warning_line=1.0, blacklist_after_ratings=1))
    model = CommunityModel(pol, seed=2)
    first = START + SETUP + 5
    model.run(first - 1)
    firms = {e: prov for e, prov in enumerate(model.provider_of) if isinstance(prov, PropertyFirm)}
    model.step()
    policy = model.policies[0]
    assert policy.blacklisted == len(firms)
    assert (model.state.firm_replacements[list(firms)] == 1).all() and (model.state.tenders[list(firms)] >= 1).all()
    banned = set(firms.values())
    assert all(model.market.is_blacklisted(f) for f in banned)
    for _ in range(6):
        assert not any(p in banned for p in model.provider_of)
        model.step()
    never = CommunityModel(scenario(only("ratings", warning_line=0.0)), seed=2)
    never.run(first)
    assert never.policies[0].blacklisted == 0


def test_ratings_lapse_without_worker_hours():
    model = CommunityModel(scenario(only("ratings"), {"admin_hours_per_household": 50.0}), 1)
    model.run(START + SETUP + 6)
    pol = model.policies[0]
    assert pol.ratings_lapsed > 0 and not np.isfinite(pol.ratings).any() and pol.blacklisted == 0


# --- together ----------------------------------------------------------------------------------------
def test_policy_cost_is_the_public_cost_it_adds():
    for seed in SEEDS[:1]:
        base = CommunityModel(scenario(), seed).run()
        df = CommunityModel(scenario(only(None)), seed).run()
        sb, sd = street(base), street(df)
        np.testing.assert_allclose(sd["public_cost_yuan"] - sb["public_cost_yuan"], sd[f"policy_cost_yuan_{NAME}"],
                                   rtol=1e-9, atol=1e-6)
        assert (sd.loc[sd.month < START, f"policy_cost_yuan_{NAME}"] == 0).all()
