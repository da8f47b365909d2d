"""Community workers as people (posts, hires, departures, vacancies) and the burden-reduction
policy (a work-item admission list): each mechanism moves its target in isolation."""

from __future__ import annotations

import numpy as np
import pytest

from commsim import CommunityModel, load_scenario
from commsim.params import PARAMETERS, Values
from commsim.streams import Streams
from commsim.workforce import Workforce, monthly_hazard

P = Values(PARAMETERS.defaults())


def values(**over) -> Values:
    return Values({**P, **over})


def test_recruits_underpaid_and_overloaded_workers_leave_more():
    tenure = np.array([1, 60])
    base = monthly_hazard(P, tenure, load=1.0)
    assert base[0] == pytest.approx(base[1] * P.worker_recruit_turnover_multiplier)
    assert (monthly_hazard(P, tenure, load=2.0) > base).all()
    assert (monthly_hazard(values(worker_pay_yuan_month=2500.0), tenure, 1.0) > base).all()
    assert (monthly_hazard(values(worker_pay_yuan_month=5000.0), tenure, 1.0) < base).all()
    at_reference = values(worker_pay_yuan_month=P.worker_pay_reference_yuan_month)
    annual = 1 - (1 - monthly_hazard(at_reference, np.array([60]), 1.0)[0]) ** 12
    assert annual == pytest.approx(P.worker_turnover_annual)


def test_new_posts_are_filled_by_hiring_over_months_never_above_the_posts():
    wf = Workforce(10, values(worker_turnover_annual=0.0), Streams(3), community=0)
    assert wf.headcount == 10
    wf.set_posts(30)
    heads = []
    for month in range(1, 25):
        wf.new_month(month, load=1.0)
        heads.append(wf.headcount)
        assert wf.headcount <= wf.posts
    assert heads[0] < 20 < heads[-1] and heads[-1] >= 28  # months to fill, not a decree
    assert wf.effective() <= wf.headcount


def test_slow_hiring_leaves_posts_vacant_longer():
    vacant = {}
    for months in (2.0, 8.0):
        wf = Workforce(20, values(worker_hiring_months=months), Streams(1), community=0)
        total = 0
        for month in range(1, 121):
            wf.new_month(month, load=1.0)
            total += wf.vacancies
        vacant[months] = total
    assert vacant[8.0] > 2 * vacant[2.0]


def test_the_payroll_is_the_workers_in_post(small_scenario):
    model = CommunityModel(small_scenario, seed=4)
    df = model.run(24)
    street = df[df.estate == "all"]
    assert (street.community_workers <= street.worker_posts).all()
    assert street.worker_departures.sum() > 0 and street.worker_hires.sum() > 0


# --- burden reduction -------------------------------------------------------------------------
def _pair(months=36, **policy):
    base = load_scenario("baseline").with_months(months)
    pol = load_scenario("burden_reduction").with_months(months)
    if policy:
        pol = pol.with_overrides({f"burden_reduction.{k}": v for k, v in policy.items()})
    return CommunityModel(base, seed=2).run(), (model := CommunityModel(pol, seed=2)).run(), model


def test_handing_tasks_back_frees_worker_hours_and_moves_their_cost():
    b, d, model = _pair()
    sb, sd = b[b.estate == "all"], d[d.estate == "all"]
    pol = model.policies[0]
    in_force = sd.month >= pol.start_month + pol.pars.setup_months
    assert (sd.month[sd["policy_cost_yuan_burden_reduction"] > 0] >= pol.start_month + pol.pars.setup_months).all()
    assert sd.worker_load[in_force].mean() < 0.85 * sb.worker_load[in_force].mean()
    assert pol.handed_back_hours > 0
    # the moved work is paid for at the street's rate (the abolished share aside), plus reviews
    reviews = pol.pars.review_hours_per_community * 3 * pol.pars.reassigned_hour_cost_yuan
    n_reviews = 1 + (int(in_force.sum()) - 1) // pol.pars.review_interval_months
    assert sd["policy_cost_yuan_burden_reduction"].sum() == pytest.approx(
        pol.reassigned_hours * pol.pars.reassigned_hour_cost_yuan + n_reviews * reviews)
    assert pol.reassigned_hours == pytest.approx(pol.handed_back_hours * (1 - pol.pars.abolished_share))


def test_nothing_is_handed_back_when_every_task_is_admitted():
    # (reviews cost street hours, which move escalated complaints: none here)
    b, d, model = _pair(months=30, admitted_share=1.0, review_hours_per_community=0.0)
    assert model.policies[0].handed_back_hours == 0
    sb, sd = b[b.estate == "all"], d[d.estate == "all"]
    np.testing.assert_allclose(sd.worker_hours_demanded, sb.worker_hours_demanded)


def test_tasks_creep_back_between_reviews():
    _, _, model = _pair(months=12 + 6 + 11, creep_back_monthly=0.05)
    pol = model.policies[0]  # in force from month 19 (review), then ten months without one
    assert pol.compliance == pytest.approx(0.95 ** 10)


def test_reviews_take_street_hours_and_without_them_tasks_keep_creeping_back():
    months = 12 + 6 + 14
    _, _, model = _pair(months=months, creep_back_monthly=0.05)
    pol = model.policies[0]
    assert pol.compliance == pytest.approx(0.95 ** 1)  # reviewed again 12 months after the first
    off = CommunityModel(load_scenario("burden_reduction").with_months(months).with_overrides(
        {"burden_reduction.creep_back_monthly": 0.05, "burden_reduction.review_interval_months": 120}), seed=2)
    off.run()
    assert off.policies[0].compliance == pytest.approx(0.95 ** 13)
    # a review month: the street's staff spend the review hours (less time for escalated complaints)
    m = CommunityModel(load_scenario("burden_reduction").with_months(months), seed=2)
    m.run(12 + 6)  # in force from month 19: its first review
    m.step()
    assert m.street.booked >= pol.pars.review_hours_per_community * len(m.residents_committees)
