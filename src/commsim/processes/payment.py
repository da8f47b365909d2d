"""Fee payment: each charged household pays this month's fee or withholds it.

log-odds of paying = pay_intercept
    + pay_beta_satisfaction (satisfaction - 0.5) + pay_beta_trust (trust - 0.5)
    + pay_beta_norm (norm - 0.5) + pay_beta_belonging (belonging - 0.5)
    - pay_beta_burden * burden - pay_beta_arrears * min(arrears, cap)
    + pay_tenant_shift [tenant] + pay_absentee_shift [unoccupied] + pay_shift_<type> [estate type]

burden = fee x area x share payable / monthly income; norm = (1 - w) x share of ties who paid
last month + w x last month's paying share of the household's reference group (its estate, or
the group policies put it in). Payments go to the estate's provider; policies may add
subsidies (``model.subsidies``) after this stage.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from commsim.model import CommunityModel


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def payment_probability(model: CommunityModel, fee_charged: np.ndarray) -> np.ndarray:
    """Probability that each household pays this month (0 where no fee is charged)."""
    p, hh, _est = model.p, model.households, model.estates
    e = hh.estate
    due = fee_charged[e] * hh.area_m2 * hh.fee_share_payable
    burden = due / hh.income_yuan
    w = p.norm_estate_weight
    group_rate = model.group_paying_share()
    norm = (1.0 - w) * hh.tie_share(hh.paid) + w * group_rate[e]
    logit = (
        p.pay_intercept
        + p.pay_beta_satisfaction * (hh.satisfaction - 0.5)
        + p.pay_beta_trust * (hh.trust - 0.5)
        + p.pay_beta_norm * (norm - 0.5)
        + p.pay_beta_belonging * (hh.belonging - 0.5)
        - p.pay_beta_burden * burden
        - p.pay_beta_arrears * np.minimum(hh.arrears_months, p.pay_arrears_cap_months)
        + np.where(hh.owner, 0.0, p.pay_tenant_shift)
        + np.where(hh.occupied, 0.0, p.pay_absentee_shift)
        + model.pay_type_shift()[e]
    )
    return np.where(fee_charged[e] > 0, sigmoid(logit), 0.0)


def step(model: CommunityModel) -> None:
    hh, est = model.households, model.estates
    fee_charged = model.fee_charged()
    prob = payment_probability(model, fee_charged)
    draw = model.streams.uniform("payment", hh.n)
    charged = fee_charged[hh.estate] > 0
    pay = charged & (draw < prob)
    hh.arrears_months = np.where(pay | ~charged, 0, np.minimum(hh.arrears_months + 1, 32000)).astype(np.int16)
    hh.paid = pay
    due = fee_charged[hh.estate] * hh.area_m2
    model.billed = np.bincount(hh.estate, weights=due, minlength=est.n)
    model.payments = np.bincount(hh.estate, weights=due * hh.fee_share_payable * pay, minlength=est.n)
    model.charged_households = np.bincount(hh.estate, weights=charged, minlength=est.n)
    model.paying_households = np.bincount(hh.estate, weights=pay, minlength=est.n)
    model.subsidies = np.zeros(est.n)
