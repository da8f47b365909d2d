"""Each monthly process in isolation: its rule moves what it should, in the right direction."""

from __future__ import annotations

import numpy as np
import pytest

from commsim import CommunityModel
from commsim.agents import PropertyFirm, workers_by_norm
from commsim.processes import participation, payment, service


def run(scenario, months=12, seed=5, **overrides):
    model = CommunityModel(scenario.with_overrides(overrides) if overrides else scenario, seed=seed)
    return model, model.run(months)


def street(df):
    return df[df.estate == "all"].set_index("month")


# --- service -------------------------------------------------------------------------
def test_failure_probability_falls_with_quality(small_model):
    q = np.linspace(0, 1, 11)
    prob = service.failure_probability(q, small_model.p)
    assert np.all(np.diff(prob) < 0)
    assert prob[0] == pytest.approx(small_model.p.failure_prob_max)
    assert prob[-1] == pytest.approx(small_model.p.failure_prob_min)


def test_better_service_means_fewer_failures_and_complaints(small_scenario):
    _, poor = run(small_scenario, infrastructure_commercial=0.7, infrastructure_old=0.6, infrastructure_resettlement=0.6)
    _, good = run(small_scenario, infrastructure_commercial=1.0, infrastructure_old=0.95, infrastructure_resettlement=0.95)
    poor, good = street(poor), street(good)
    assert (good.service_quality > poor.service_quality).all()
    assert good.failures_per_1000_households.sum() < 0.8 * poor.failures_per_1000_households.sum()
    assert good.complaints_filed.sum() < 0.8 * poor.complaints_filed.sum()


def test_complaints_only_follow_failures(small_run):
    _, df = small_run
    rows = df[df.estate != "all"]
    assert (rows.complaints_per_1000_households <= rows.failures_per_1000_households + 1e-9).all()


# --- complaints ----------------------------------------------------------------------
def test_overloaded_workers_make_complaints_wait(small_scenario):
    _, free = run(small_scenario, months=18, admin_hours_per_household=0.1)
    _, swamped = run(small_scenario, months=18, admin_hours_per_household=2.0)
    free, swamped = street(free), street(swamped)
    assert swamped.worker_load.mean() > 1.5 > free.worker_load.mean()
    assert swamped.complaints_open.iloc[-1] > free.complaints_open.iloc[-1]
    assert swamped.complaint_wait_months.mean() > free.complaint_wait_months.mean()


def test_resolution_raises_satisfaction(small_scenario):
    _, low = run(small_scenario, months=18, resolve_prob_firm=0.1, resolve_prob_owners_committee=0.1,
                 resolve_prob_residents_committee=0.1)
    _, high = run(small_scenario, months=18, resolve_prob_firm=0.85, resolve_prob_owners_committee=0.75,
                  resolve_prob_residents_committee=0.6)
    low, high = street(low), street(high)
    assert high.complaints_resolved_share.mean() > low.complaints_resolved_share.mean() + 0.1
    assert high.satisfaction.iloc[-1] > low.satisfaction.iloc[-1]


# --- payment -------------------------------------------------------------------------
def test_higher_burden_lowers_payment_probability(small_model):
    small_model.step()
    fee = small_model.fee_charged()
    base = payment.payment_probability(small_model, fee)
    heavier = payment.payment_probability(small_model, fee * 2.0)
    charged = fee[small_model.households.estate] > 0
    assert np.all(heavier[charged] < base[charged])
    assert np.all(base[~charged] == 0) and np.all(heavier[~charged] == 0)


def test_satisfaction_trust_and_norm_raise_payment(small_model):
    small_model.step()
    hh = small_model.households
    fee = small_model.fee_charged()
    charged = fee[hh.estate] > 0
    base = payment.payment_probability(small_model, fee)
    hh.satisfaction = np.minimum(hh.satisfaction + 0.2, 1.0)
    assert np.all(payment.payment_probability(small_model, fee)[charged] >= base[charged])
    hh.paid = np.ones(hh.n, dtype=bool)  # every tie paid last month
    higher = payment.payment_probability(small_model, fee)
    assert higher[charged & hh.occupied].mean() > base[charged & hh.occupied].mean()


def test_higher_fee_lowers_collection_in_the_model(small_scenario):
    _, base = run(small_scenario, months=6)
    _, poor = run(small_scenario, months=6, income_low_yuan_month=1200, income_middle_yuan_month=2500)
    assert street(poor).paying_share.mean() < street(base).paying_share.mean()


# --- participation -------------------------------------------------------------------
def test_participation_is_highest_among_retirees(small_run):
    _, df = small_run
    s = street(df)
    assert s.participation_rate_retired.mean() > s.participation_rate_middle.mean() > s.participation_rate_young.mean()


def test_threshold_rule_responds_to_ties(small_model):
    hh = small_model.households
    noise = np.zeros(hh.n, dtype=np.float32)
    hh.participated = np.zeros(hh.n, dtype=bool)
    none_before = participation.decide(small_model, noise).sum()
    hh.participated = hh.occupied.copy()
    all_before = participation.decide(small_model, noise).sum()
    assert all_before > none_before
    assert not participation.decide(small_model, noise)[~hh.occupied].any()


# --- governance ----------------------------------------------------------------------
def test_owners_committees_form_only_above_occupancy_threshold(small_scenario):
    easy = dict(oc_formation_hazard=1.0, oc_initiators_needed=1.0, oc_formation_factor_old=1.0,
                oc_formation_factor_resettlement=1.0, vote_turnout_intercept=6.0, vote_turnout_absentee_shift=0.0)
    months = int(small_scenario.values.assembly_preparation_months) + 2  # a drive, then the first assembly
    _, formed = run(small_scenario, months=months, **easy)
    assert street(formed).owners_committee_coverage.iloc[-1] == 1.0
    _, blocked = run(small_scenario, months=months, **easy, oc_occupancy_threshold=0.99)
    # only the estate that started with a committee has one
    assert street(blocked).owners_committee_coverage.max() == pytest.approx(0.25)


def test_firms_exit_after_sustained_losses_and_estates_go_to_the_market(small_scenario):
    model, df = run(small_scenario, months=24, pay_intercept=-6.0, firm_exit_loss_months=6, firm_entry_hazard=0.0)
    s = street(df)
    exits = s.firm_exits
    assert exits.sum() >= 3  # every market firm of the small street leaves
    assert exits[exits > 0].index.min() >= 6  # not before six loss-making months
    first = exits[exits > 0].index.min()
    assert s.firm_tenders[first] >= exits[first]  # each vacancy goes to the market that month
    # nobody pays: no firm covers its cost, so no estate keeps a market firm
    assert not any(isinstance(p, PropertyFirm) for p in model.provider_of)


def _bad_firm(model):
    firm = model.provider_of[0]
    firm.margin = 0.9  # keeps its revenue: effort at its fixed-cost floor, owners dissatisfied
    return firm


def test_dismissal_vote_passes_and_replaces_the_firm(small_scenario):
    sc = small_scenario.with_overrides({"dismissal_trigger_satisfaction": 0.99, "dismissal_trigger_months": 1,
                                       "vote_turnout_intercept": 6.0, "vote_turnout_absentee_shift": 0.0,
                                       "reputation_prior": 1.0, "owners_choice_noise": 0.0})
    model = CommunityModel(sc, seed=2)
    firm = _bad_firm(model)
    model.step()
    assert model.state.votes[0] == 1 and model.state.firm_dismissals[0] == 1
    assert model.provider_of[0] is not firm and isinstance(model.provider_of[0], PropertyFirm)
    rows = slice(int(model.estates.start[0]), int(model.estates.stop[0]))
    assert np.allclose(model.households.trust[rows], sc.values.trust_new_firm)


def test_dismissal_vote_fails_without_quorum(small_scenario):
    sc = small_scenario.with_overrides({"dismissal_trigger_satisfaction": 0.99, "dismissal_trigger_months": 1,
                                       "vote_turnout_intercept": -6.0, "reputation_prior": 1.0,
                                       "owners_choice_noise": 0.0})
    model = CommunityModel(sc, seed=2)
    firm = _bad_firm(model)
    model.step()
    assert model.state.votes[0] == 1 and model.state.firm_dismissals[0] == 0
    assert model.provider_of[0] is firm


def test_staffing_norms_follow_the_documents():
    assert workers_by_norm("liaocheng", 3000, 2.62) == 10  # 1 per 300 households
    assert workers_by_norm("liaocheng", 900, 2.62) == 5  # at least 5
    assert workers_by_norm("xian", 3500, 2.857) == 18  # 18 per 10,000 residents
    assert workers_by_norm("cangzhou", 1500, 2.62) == 5  # 5 for 1,500 households
    assert workers_by_norm("cangzhou", 3000, 2.62) == 10  # + 1 per 300 more


# --- belonging -----------------------------------------------------------------------
def test_participation_builds_belonging(small_scenario):
    _, none = run(small_scenario, months=18, belonging_participation_gain=0.0)
    _, strong = run(small_scenario, months=18, belonging_participation_gain=0.04)
    assert street(strong).belonging.iloc[-1] > street(none).belonging.iloc[-1]


def test_rewiring_keeps_ties_inside_estates(small_scenario):
    model, _ = run(small_scenario, months=12, tie_rewire_prob=0.2)
    hh = model.households
    valid = hh.ties >= 0
    assert (hh.estate[hh.ties[valid]] == np.broadcast_to(hh.estate[:, None], hh.ties.shape)[valid]).all()
    assert (hh.ties[valid] != np.broadcast_to(np.arange(hh.n)[:, None], hh.ties.shape)[valid]).all()
    assert hh.occupied[hh.ties[valid]].all()
