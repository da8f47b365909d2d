"""The fast paths of the vectorised model give what the plain numpy expressions give."""

from __future__ import annotations

import numpy as np
import pytest

from commsim import CommunityModel
from commsim.processes import payment


@pytest.fixture
def model(small_scenario):
    m = CommunityModel(small_scenario, seed=11)
    for _ in range(3):
        m.step()
    return m


def naive_tie_share(ties: np.ndarray, flag: np.ndarray) -> np.ndarray:
    valid = ties >= 0
    hits = np.where(valid, flag.astype(float)[np.where(valid, ties, 0)], 0.0).sum(axis=1)
    count = valid.sum(axis=1)
    return np.divide(hits, count, out=np.zeros(len(ties)), where=count > 0)


def test_tie_share_matches_the_plain_formula(model):
    hh = model.households
    rng = np.random.default_rng(0)
    flag = rng.random(hh.n) < 0.4
    assert hh.ties.flags.f_contiguous  # one contiguous column per tie slot
    np.testing.assert_allclose(hh.tie_share(flag), naive_tie_share(hh.ties, flag), rtol=1e-6)
    assert hh.tie_share(flag).dtype == np.float32
    # extra (partly filled) slots, as policies add them, and a C-ordered array set by hand
    hh.add_tie_slots(2)
    assert hh.ties.flags.f_contiguous
    hh.ties[::3, -1] = rng.integers(0, hh.n, size=len(hh.ties[::3]))
    hh.refresh_ties()
    np.testing.assert_allclose(hh.tie_share(flag), naive_tie_share(hh.ties, flag), rtol=1e-6)
    hh.ties = np.ascontiguousarray(hh.ties)
    np.testing.assert_allclose(hh.tie_share(flag), naive_tie_share(hh.ties, flag), rtol=1e-6)
    # a non-boolean flag gives the mean over ties
    weights = rng.random(hh.n).astype(np.float32)
    np.testing.assert_allclose(hh.tie_share(weights), naive_tie_share(hh.ties, weights), rtol=1e-5)


def test_estate_maps_match_gather_and_bincount(model):
    hh, est = model.households, model.estates
    values = np.arange(est.n, dtype=float) * 1.5 + 0.25
    np.testing.assert_array_equal(est.per_household(values), values[hh.estate])
    flags = hh.participated | hh.paid
    np.testing.assert_array_equal(est.sum_rows(flags), np.bincount(hh.estate, weights=flags, minlength=est.n))
    np.testing.assert_allclose(
        est.sum_rows(hh.satisfaction), np.bincount(hh.estate, weights=hh.satisfaction, minlength=est.n), rtol=1e-12
    )


def test_payment_decision_is_exact_near_the_boundary():
    rng = np.random.default_rng(5)
    logit = rng.normal(0.0, 3.0, 200_000)
    prob = payment.sigmoid(logit)
    # draws on the float32 grid right at, just under and just over each probability
    at = prob.astype(np.float32)
    draws = np.concatenate([at, np.nextafter(at, np.float32(0)), np.nextafter(at, np.float32(1)),
                            rng.random(200_000, dtype=np.float32)])
    logits = np.concatenate([logit, logit, logit, logit])
    np.testing.assert_array_equal(payment.pays(logits, draws), draws < payment.sigmoid(logits))


def test_payment_probability_keeps_its_meaning(model):
    """The public probability equals the docstring's formula evaluated plainly in float64."""
    p, hh = model.p, model.households
    fee = model.fee_charged()
    e = hh.estate
    norm = (1 - p.norm_estate_weight) * hh.tie_share(hh.paid) + p.norm_estate_weight * model.group_paying_share()[e]
    logit = (p.pay_intercept + p.pay_beta_satisfaction * (hh.satisfaction - 0.5) + p.pay_beta_trust * (hh.trust - 0.5)
             + p.pay_beta_norm * (norm - 0.5) + p.pay_beta_belonging * (hh.belonging - 0.5)
             - p.pay_beta_burden * fee[e] * hh.area_m2 * hh.fee_share_payable / hh.income_yuan
             - p.pay_beta_arrears * np.minimum(hh.arrears_months, p.pay_arrears_cap_months)
             + np.where(hh.owner, 0.0, p.pay_tenant_shift) + np.where(hh.occupied, 0.0, p.pay_absentee_shift)
             + model.pay_type_shift()[e])
    expected = np.where(fee[e] > 0, 1 / (1 + np.exp(-logit)), 0.0)
    np.testing.assert_allclose(payment.payment_probability(model, fee), expected, atol=1e-6)


def test_float32_thresholds_give_the_float64_comparison():
    from commsim.processes.service import threshold32

    rng = np.random.default_rng(9)
    prob = np.concatenate([rng.random(5000), [0.0, 1.0, 0.5, 0.1, 1e-9, 0.3 + 1e-12]])
    t = threshold32(prob)
    assert t.dtype == np.float32
    at = prob.astype(np.float32)
    draws = np.concatenate([at, np.nextafter(at, np.float32(0)), np.nextafter(at, np.float32(1))])
    for d in (draws.reshape(3, -1)):
        np.testing.assert_array_equal(d < t, d < prob)


def test_recorder_street_rows_add_up_and_rows_match_the_dataframe(small_run):
    model, df = small_run
    rows = model.recorder.rows
    assert len(rows) == df["month"].max() == 36
    np.testing.assert_array_equal(np.concatenate(rows), df[model.recorder.names].to_numpy())
    estates, street = df[df["estate"] != "all"], df[df["estate"] == "all"].set_index("month")
    for col in ("households", "fees_billed_yuan", "payments_yuan", "complaints_filed", "complaints_open",
                "firm_exits", "public_cost_yuan"):
        np.testing.assert_allclose(estates.groupby("month")[col].sum(), street[col], rtol=1e-12)
    # pooled rates: the street's collection rate is paid / billed over all estates
    paid = estates.groupby("month")["payments_yuan"].sum() + estates.groupby("month")["subsidies_yuan"].sum()
    billed = estates.groupby("month")["fees_billed_yuan"].sum()
    np.testing.assert_allclose(paid / billed, street["collection_rate"], rtol=1e-12)
