"""Firms and owners' governance (issue 12): the market, fees, supervision as hours, meetings,
scale economies from costs, assemblies that are hard to convene."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path

import numpy as np
import pytest

from commsim import CommunityModel, load_scenario
from commsim.agents import PropertyFirm, SelfManagement
from commsim.errors import ScenarioError
from commsim.meetings import Attendance, Meeting
from commsim.processes import assemblies
from commsim.processes.market import contract_ends, fill, request_fee_change
from commsim.scenario import parse_scenario
from commsim.vocabulary import Tier

DATA = Path(__file__).parent / "data"


def small(**overrides):
    sc = load_scenario(DATA / "small.toml")
    return sc.with_overrides(overrides) if overrides else sc


# --- the market --------------------------------------------------------------------------------
FORCE_DISMISSAL = {"dismissal_trigger_satisfaction": 0.99, "dismissal_trigger_months": 1,
                   "vote_turnout_intercept": 6.0, "vote_turnout_absentee_shift": 0.0, "owners_choice_noise": 0.0}


def _bad_incumbent(model: CommunityModel) -> PropertyFirm:
    firm = model.provider_of[0]  # A-commercial: the estate with an owners' committee
    firm.margin = 0.9  # keeps nearly all its revenue: effort falls to its fixed-cost floor
    return firm


def test_a_dismissal_leads_to_a_tender_and_a_new_firm():
    model = CommunityModel(small(**FORCE_DISMISSAL, reputation_prior=1.0), seed=2)
    old = _bad_incumbent(model)
    model.step()
    st = model.state
    assert st.votes[0] == 1 and st.firm_dismissals[0] == 1 and st.tenders[0] >= 1 and st.firm_entries[0] == 1
    new = model.provider_of[0]
    assert isinstance(new, PropertyFirm) and new is not old
    assert model.market.record(old).strikes == 1  # the dismissal is on its street record
    assert old.estates == [] and old.model is model  # a potential entrant again, not removed


def test_a_dismissal_can_lead_to_self_management_at_a_lower_fee():
    model = CommunityModel(small(**FORCE_DISMISSAL, reputation_prior=0.0, self_management_min_activity=0.0,
                                 self_management_reluctance=0.0), seed=2)
    _bad_incumbent(model)
    fee_before = float(model.estates.contract_fee[0])
    model.step()
    assert isinstance(model.provider_of[0], SelfManagement)
    assert model.state.switches_to_self[0] == 1 and model.state.firm_dismissals[0] == 1
    assert model.estates.contract_fee[0] == pytest.approx(fee_before * model.p.self_management_fee_share)


def test_a_vote_without_quorum_keeps_the_firm():
    model = CommunityModel(small(**{**FORCE_DISMISSAL, "vote_turnout_intercept": -6.0}, reputation_prior=1.0), seed=2)
    old = _bad_incumbent(model)
    model.step()
    assert model.state.votes[0] == 1 and model.state.owner_votes_quorate[0] == 0
    assert model.state.firm_dismissals[0] == 0 and model.provider_of[0] is old


def _star(model: CommunityModel) -> PropertyFirm:
    """An idle firm far cheaper and better rated than any other."""
    star = PropertyFirm(model, [], efficiency=0.3, orientation=1.0, portfolio_m2=1e8)
    model.market.rate(star, 1.0, weight_months=1000.0)
    return star


@pytest.mark.parametrize("blacklisted", [False, True])
def test_a_blacklisted_firm_is_not_chosen_again(blacklisted):
    model = CommunityModel(small(owners_choice_noise=0.0), seed=3)
    model.step()
    star = _star(model)
    if blacklisted:
        model.market.blacklist(star)
    e = model.estates.names.index("A-old")  # no committee: the residents' committee fills it
    model.institutions.exit(model.provider_of[e])
    fill(model, e)
    assert (model.provider_of[e] is star) is not blacklisted  # the power of the test: it wins unless blacklisted
    for _ in range(12):
        model.step()
        assert star.estates == [] or not blacklisted
    assert all(o.firm is not star for o in model.market.options(e)) or not blacklisted


@pytest.mark.parametrize("blacklisted", [False, True])
def test_a_blacklisted_firm_is_not_renewed_where_owners_have_no_committee(blacklisted):
    model = CommunityModel(small(owners_choice_noise=0.0), seed=3)
    model.step()
    e = model.estates.names.index("A-old")
    firm = model.provider_of[e]
    assert isinstance(firm, PropertyFirm) and model.committee_of[e] is None
    if blacklisted:
        model.market.blacklist(firm)
    model.estates.contract_end[e] = model.month  # the contract ends now
    contract_ends(model)
    assert (model.provider_of[e] is firm) is not blacklisted  # renewed (Civil Code art. 948) unless blacklisted


def test_the_street_cannot_raise_owners_fees_when_it_fills_a_vacancy():
    model = CommunityModel(small(owners_choice_noise=0.0), seed=3)
    model.step()
    e = model.estates.names.index("A-old")
    last = float(model.estates.contract_fee[e])
    model.institutions.exit(model.provider_of[e])
    fill(model, e)
    assert model.provider_of[e] is None or model.estates.contract_fee[e] <= last + 1e-12


def test_firms_differ_and_their_traits_follow_the_seed():
    a = CommunityModel(small(), seed=5)
    b = CommunityModel(small(), seed=5)
    traits = [(f.efficiency, f.orientation, f.portfolio_m2) for f in a.market.firms()]
    assert traits == [(f.efficiency, f.orientation, f.portfolio_m2) for f in b.market.firms()]
    assert len({t[0] for t in traits}) == len(traits) and len({t[1] for t in traits}) == len(traits)
    margins = [f.margin for f in a.market.firms()]
    assert max(margins) > min(margins)


# --- fees -------------------------------------------------------------------------------------------
def test_a_fee_rise_without_the_owners_consent_does_not_happen():
    model = CommunityModel(small(vote_turnout_intercept=-6.0), seed=1)
    model.step()
    e = 0
    before = float(model.estates.contract_fee[e])
    assert not request_fee_change(model, e, before * 1.1)
    assert model.estates.contract_fee[e] == before and model.state.fee_votes[e] == 1
    assert request_fee_change(model, e, before * 0.9)  # a cut needs no vote
    assert model.estates.contract_fee[e] == pytest.approx(before * 0.9)
    agree = CommunityModel(small(vote_turnout_intercept=6.0, vote_turnout_absentee_shift=0.0,
                                 fee_consent_intercept=6.0), seed=1)
    agree.step()
    assert request_fee_change(agree, e, before * 1.1)
    assert agree.estates.contract_fee[e] == pytest.approx(before * 1.1)


def test_losing_firms_ask_but_fees_only_rise_with_consent():
    for consent, rises in ((-20.0, False), (20.0, True)):
        sc = small(pay_intercept=-1.0, fee_rise_loss_months=3, vote_turnout_intercept=6.0,
                   vote_turnout_absentee_shift=0.0, fee_consent_intercept=consent, fee_consent_satisfaction=0.0)
        model = CommunityModel(sc, seed=4)
        start = model.estates.contract_fee.copy()
        df = model.run(8)
        street = df[df.estate == "all"]
        assert street.fee_rise_votes.sum() > 0
        rose = (model.estates.contract_fee > start + 1e-9) & model.has_provider()
        assert rose.any() == rises


def test_a_fee_cap_holds():
    sc = load_scenario("baseline").with_overrides({"fee_cap": "chongqing_2024", "vote_turnout_intercept": 6.0,
                                                    "fee_consent_intercept": 20.0, "pay_intercept": 0.0,
                                                    "fee_rise_loss_months": 3}).with_months(30)
    model = CommunityModel(sc, seed=1)
    cap = np.array([model.institutions.fee_cap(e) for e in range(model.estates.n)])
    assert model.estates.contract_fee[model.estates.names.index("Lakeside Court")] == pytest.approx(1.9)
    for _ in range(30):
        model.step()
        assert (model.estates.contract_fee <= cap + 1e-12).all()
    assert model.dataframe().fee_rise_votes.sum() > 0
    e = model.estates.names.index("Jinxiu Garden")
    model.institutions.change_fee(e, 5.0)
    assert model.estates.contract_fee[e] == pytest.approx(1.9)


# --- scale economies from costs ------------------------------------------------------------------
def test_scale_economies_are_bounded():
    model = CommunityModel(load_scenario("baseline"), seed=1)
    p, est = model.p, model.estates
    all_estates = list(range(est.n))
    variable = p.firm_variable_cost_ratio * float((est.fee * est.area_total).sum()) / float(est.area_total.sum())
    costs = []
    for portfolio in (0.0, 1e5, 1e6, 1e7, 1e12):
        firm = PropertyFirm(model, [], portfolio_m2=portfolio)
        costs.append(firm.unit_cost(all_estates))
    assert all(a > b for a, b in zip(costs, costs[1:], strict=False))  # bigger firms: cheaper per m2
    assert costs[-1] > variable  # never below the variable cost ...
    fixed = est.n * p.firm_estate_fixed_cost_yuan_month / float(est.area_total.sum())
    assert costs[-1] <= variable + fixed + 1e-6  # ... and the saving is at most the shared overhead
    firm = PropertyFirm(model, [])
    one = [firm.unit_cost([e]) - p.firm_variable_cost_ratio * est.fee[e] for e in all_estates]
    assert np.argmin(one) == np.argmax(est.area_total)  # bigger estates spread the project office
    flat = CommunityModel(load_scenario("baseline").with_overrides({"scale_economies": "none"}), seed=1)
    none = [PropertyFirm(flat, [], portfolio_m2=x).unit_cost(all_estates) for x in (0.0, 1e12)]
    assert none[0] == pytest.approx(none[1])


# --- supervision --------------------------------------------------------------------------------------
def test_supervision_without_hours_does_nothing():
    no_committee = {"owners_committee": False}
    data = tomllib.loads((DATA / "small.toml").read_text(encoding="utf-8"))
    data["communities"][0]["estates"][0].update(no_committee)
    efforts = []
    for capture, scale, channel in ((0.0, 15.0, "margin"), (1.0, 8.0, "margin"), (1.0, 8.0, "detection")):
        d = copy.deepcopy(data)
        d["parameters"] = {"supervision_margin_capture": capture, "supervision_hours_scale": scale,
                           "supervision_channel": channel, "firm_shirk_share": 0.0}
        model = CommunityModel(parse_scenario(d, "test"), seed=2)
        df = model.run(12)
        assert (df.supervision_hours == 0).all() and (df.supervision_level.fillna(0) == 0).all()
        efforts.append(df.service_effort.to_numpy())
    np.testing.assert_array_equal(efforts[0], efforts[1])
    np.testing.assert_array_equal(efforts[0], efforts[2])


def test_supervision_hours_have_diminishing_returns_and_act_next_month():
    model = CommunityModel(small(), seed=2)
    sup = model.supervision
    firm = model.provider_of[1]
    sup.new_month()
    assert sup.level(1) == 0.0 and firm.kept_margin() == pytest.approx(firm.margin)
    sup.supply(1, 10.0, "test")
    assert sup.level(1) == 0.0  # counted this month, acts next month
    sup.new_month()
    low = sup.level(1)
    sup.supply(1, 20.0, "test")
    sup.new_month()
    high = sup.level(1)
    assert 0 < low < high < 1 and high < 2 * low  # diminishing returns
    assert firm.kept_margin() < firm.margin
    with pytest.raises(ValueError):
        sup.supply(1, -1.0, "test")


def test_detection_catches_shirking_and_deters_it():
    sc = small(supervision_channel="detection", firm_shirk_share=0.3)
    model = CommunityModel(sc, seed=2)
    firm = model.provider_of[1]
    firm.shirk = 0.3
    sup = model.supervision
    share = sup.delivered_share(firm, firm.shirk, np.array([0.0]))
    assert share[0] == pytest.approx(0.7)  # no hours: never caught
    sup.supply(1, 1000.0, "inspection")
    sup.new_month()
    share = sup.delivered_share(firm, firm.shirk, np.array([0.5]))
    assert share[0] == 1.0 and model.state.shirking_detected[1] == 1
    assert model.market.record(firm).strikes == 1
    sup.new_month()
    sup.new_month()  # no hours any more, but deterred for detection_deterrence_months
    assert sup.delivered_share(firm, firm.shirk, np.array([0.99]))[0] == 1.0


# --- meetings -----------------------------------------------------------------------------------------
def test_a_meeting_that_supplies_hours_also_books_them():
    model = CommunityModel(small(), seed=1)
    model.step()
    e = 0  # A-commercial: a committee and a firm
    rc = model.residents_committees[0]
    oc = model.committee_of[e]
    demand, desk = rc.hours_demanded, model.ladder.extra_hours[Tier.FIRM, e]
    booked, volunteers = oc.booked, model.state.volunteer_hours[e]
    meeting = Meeting(model, 0, [e], [Attendance("community_worker", 1, 6.0), Attendance("owners_committee", 2, 2.0, e),
                                      Attendance("firm_staff", 1, 2.0, e), Attendance("volunteer", 1, 2.0, e)], "test")
    with pytest.raises(RuntimeError):
        meeting.supply_supervision(1.0)  # nothing before it is convened
    assert meeting.convene() == pytest.approx(14.0)
    assert rc.hours_demanded == pytest.approx(demand + 6.0)
    assert oc.booked == pytest.approx(booked + 4.0)
    assert model.ladder.extra_hours[Tier.FIRM, e] == pytest.approx(desk - 2.0)
    assert model.state.volunteer_hours[e] == pytest.approx(volunteers + 6.0)
    meeting.supply_complaint_hours(Tier.COMMITTEE, 8.0)
    meeting.supply_supervision(meeting.available)
    assert meeting.available == pytest.approx(0.0)
    with pytest.raises(ValueError, match="more than"):
        meeting.supply_supervision(0.5)
    empty = Meeting(model, 1, [2], [Attendance("owners_committee", 3, 2.0, 2)], "test")  # B has no committee
    assert empty.convene() == 0.0
    with pytest.raises(ValueError):
        empty.supply_complaint_hours(Tier.COMMITTEE, 1.0)


def test_meetings_of_a_run_never_supply_more_than_they_consume():
    model = CommunityModel(load_scenario("liaocheng_four_in_one").with_months(18), seed=1)
    df = model.run()
    rows = df[df.estate != "all"]
    from_meetings = rows.meeting_hours.sum()
    assert from_meetings > 0
    assert model.agents_by_type[Meeting]  # this month's meetings are Mesa agents
    assert len(model.agents_by_type[Meeting]) == model.estates.n  # last month's were removed


# --- owners' assemblies ------------------------------------------------------------------------------
def test_forming_a_committee_takes_months_costs_hours_and_needs_a_vote():
    pars = {"oc_formation_hazard": 1.0, "oc_initiators_needed": 1.0, "oc_formation_factor_old": 1.0,
            "oc_formation_factor_resettlement": 1.0, "assembly_preparation_months": 4}
    model = CommunityModel(small(**pars, vote_turnout_intercept=6.0, vote_turnout_absentee_shift=0.0), seed=2)
    model.step()
    started = model.state.drives_started.copy()
    assert started.sum() >= 1 and model.state.committees_formed.sum() == 0
    for _ in range(3):
        model.step()
        assert model.state.committees_formed.sum() == 0 and model.state.volunteer_hours.sum() > 0
    model.step()  # the first assembly, four months after the drive started
    assert model.state.committees_formed[started > 0].all()
    failing = CommunityModel(small(**pars, vote_turnout_intercept=-6.0), seed=2)
    for _ in range(5):
        failing.step()
    assert failing.state.committees_formed.sum() == 0
    cooled = failing.assemblies.cooldown_until[started > 0]
    assert (cooled >= failing.month + failing.p.assembly_cooldown_months - 1).all()


def test_dismissal_votes_fail_where_owners_are_absent_and_strangers():
    model = CommunityModel(load_scenario("baseline"), seed=3)
    model.run(13)
    hh = model.households
    hh.satisfaction[:] = 0.3  # everyone dissatisfied: consent is not the obstacle
    canvass = 7 * model.p.organiser_hours_month * model.p.vote_canvass_months
    result = {name: assemblies.owner_ballots(model, model.estates.names.index(name), "replace",
                                             assemblies.reach_of(model, model.estates.names.index(name), canvass))
              for name in ("Yuefu New Town", "Lakeside Court", "Nanyuan Old Quarter")}
    assert not result["Yuefu New Town"].quorum_met  # 62% occupied, young owners
    assert not result["Lakeside Court"].quorum_met
    assert result["Nanyuan Old Quarter"].quorum_met  # long-standing, retired neighbours
    old_rule = model.p.vote_rule
    assert old_rule == "civil_code_2021"


def test_starting_committees_follow_estate_types_where_the_scenario_does_not_say():
    data = tomllib.loads((DATA / "small.toml").read_text(encoding="utf-8"))
    estates = [{"name": f"E{i}", "type": "commercial" if i % 2 else "old", "households": 20,
                "fee_yuan_per_m2_month": 1.0} for i in range(400)]
    data["communities"] = [{"name": "C", "estates": estates}]
    model = CommunityModel(parse_scenario(data, "many"), seed=1)
    has = model.has_committee()
    commercial = np.array([model.estates.type_name(e) == "commercial" for e in range(model.estates.n)])
    assert has[commercial].mean() == pytest.approx(model.p.oc_initial_share_commercial, abs=0.08)
    assert has[~commercial].mean() == pytest.approx(model.p.oc_initial_share_old, abs=0.06)
    fixed = CommunityModel(small(), seed=1)
    assert list(fixed.has_committee()) == [True, False, False, False]  # as the file says
    data = tomllib.loads((DATA / "small.toml").read_text(encoding="utf-8"))
    data["communities"][1]["estates"][1].update({"management": "self", "owners_committee": False})
    with pytest.raises(ScenarioError, match="owners' committee"):
        parse_scenario(data, "bad")
