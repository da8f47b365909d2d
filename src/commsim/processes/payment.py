"""Fee payment: each charged household pays this month's fee or withholds it.

Under ``payment_model = "monthly"`` every charged household decides afresh each month by the
log-odds below. Under ``"stances"`` (``processes.stances``) the log-odds also fall with
organised refusal, households first update a lasting stance, and then regular payers pay bar a
lapse, occasional payers by the log-odds, refusers not at all. Before either, firms remind and
sue households in arrears (``processes.collection``); a sued household pays.

log-odds of paying = pay_intercept
    + pay_beta_satisfaction (satisfaction - 0.5) + pay_beta_trust (trust - 0.5)
    + pay_beta_norm (norm - 0.5) + pay_beta_belonging (belonging - 0.5)
    - pay_beta_burden * burden - pay_beta_arrears * min(arrears, cap)
    + pay_tenant_shift [tenant] + pay_absentee_shift [unoccupied] + pay_shift_<type> [estate type]

burden = fee x area x share payable / monthly income; norm = (1 - w) x share of ties who paid
last month + w x last month's paying share of the household's reference group (its estate, or
the group policies put it in). Payments go to the estate's provider; policies may pay fee
subsidies or grants (``model.institutions.pay_subsidy`` / ``pay_grant``) around this stage.

Numerics: the first three terms are summed in float32 (the household arrays' type), the rest
in float64, term by term in the order above, in place; the last three (fixed for a household)
are summed once per run and added together. A household pays when its float32
uniform draw is below ``sigmoid(log-odds)`` in float64; :func:`pays` decides this exactly
with a float32 sigmoid and re-checks in float64 the few draws that fall near the boundary.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from commsim.model import CommunityModel

f32 = np.float32
#: |float32 sigmoid - float64 sigmoid| is below 1e-6 (cast 1.4e-8, tanh a few ulp); draws
#: closer than this to the float32 probability are decided again in float64.
BOUNDARY = 1e-4


def sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic function, ``1 / (1 + exp(-x))``, computed through tanh."""
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _sigmoid_inplace(x: np.ndarray) -> np.ndarray:
    """``sigmoid(x)`` computed in ``x``'s own buffer (same operations, same rounding)."""
    x *= 0.5
    np.tanh(x, out=x)
    x += 1.0
    x *= 0.5
    return x


def payment_logit(model: CommunityModel, fee_charged: np.ndarray, ties_paid: np.ndarray | None = None) -> np.ndarray:
    """Log-odds of paying this month for every household (float64; meaningless where no fee).

    ``ties_paid``: the share of each household's ties who paid last month, if already computed
    (``Households.tie_share(paid)``; it is consumed).
    """
    p, hh, est = model.p, model.households, model.estates
    w = p.norm_estate_weight
    # float32 part: intercept + satisfaction + trust terms
    acc = hh.satisfaction - f32(0.5)
    acc *= f32(p.pay_beta_satisfaction)
    acc += f32(p.pay_intercept)
    t = hh.trust - f32(0.5)
    t *= f32(p.pay_beta_trust)
    acc += t
    # float64 from here on: norm term
    norm = hh.tie_share(hh.paid) if ties_paid is None else ties_paid
    norm *= f32(1.0 - w)
    logit = est.per_household(model.group_paying_share())  # (in place below: fewer temporaries)
    logit *= w
    logit += norm
    logit -= 0.5
    logit *= p.pay_beta_norm
    logit += acc  # (acc + norm term) == (norm term + acc) exactly
    t = hh.belonging - f32(0.5)
    t *= f32(p.pay_beta_belonging)
    logit += t
    burden = est.per_household(fee_charged)
    burden *= hh.area_m2
    burden *= hh.fee_share_payable
    burden /= hh.income_yuan
    burden *= p.pay_beta_burden
    logit -= burden
    arrears = np.minimum(hh.arrears_months, p.pay_arrears_cap_months)
    logit -= np.multiply(arrears, p.pay_beta_arrears, out=burden)  # (burden's buffer reused)
    del burden, arrears
    static = hh.pay_static  # tenant, absentee and estate-type shifts never change in a run
    if static is None:
        static = p.pay_tenant_shift * ~hh.owner  # 0 (or -0) where the flag is off
        static += p.pay_absentee_shift * ~hh.occupied
        static += est.per_household(model.pay_type_shift())
        hh.pay_static = static
    logit += static
    return logit


def payment_probability(model: CommunityModel, fee_charged: np.ndarray) -> np.ndarray:
    """Probability that each household pays this month (0 where no fee is charged)."""
    prob = _sigmoid_inplace(payment_logit(model, fee_charged))
    prob[model.estates.per_household(fee_charged) <= 0] = 0.0
    return prob


def pays(logit: np.ndarray, draw: np.ndarray) -> np.ndarray:
    """``draw < sigmoid(logit)`` (float64), decided with a float32 sigmoid plus exact re-checks."""
    prob32 = _sigmoid_inplace(logit.astype(np.float32))
    out = draw < prob32
    near = np.flatnonzero(np.abs(prob32 - draw) < f32(BOUNDARY))
    if near.size:
        out[near] = draw[near] < sigmoid(logit[near])
    return out


def step(model: CommunityModel) -> None:
    """Collection actions, stances (``payment_model = "stances"``), then who pays this month."""
    p, hh, est = model.p, model.households, model.estates
    fee_charged = model.fee_charged()
    fee_h = est.per_household(fee_charged)
    charged = fee_h > 0
    reminded, sued = collection.act(model, charged, fee_h)  # rows
    by_stance = p.payment_model == "stances"
    if by_stance:  # the ties' paying and refusing shares in one gather
        refusing = hh.stance == stances.REFUSER
        ties_paid, ties_refusing = hh.tie_shares(hh.paid, refusing)
        logit = payment_logit(model, fee_charged, ties_paid)
        stances.recruit(model, logit, refusing, ties_refusing)
        stances.transition(model, logit, charged, refusing)
    else:
        logit = payment_logit(model, fee_charged)
    draw = model.streams.uniform("payment", hh.n)
    if p.collection_reminder_effect and reminded.size:
        logit[reminded] += p.collection_reminder_effect
    if by_stance:  # regular payers pay bar a lapse, occasional payers as drawn, refusers never
        stance = hh.stance
        pay = stance == stances.REGULAR
        pay &= draw >= np.float32(p.pay_regular_lapse)
        occasional = np.flatnonzero(stance == stances.OCCASIONAL)
        pay[occasional] = pays(logit[occasional], draw[occasional])
    else:
        pay = pays(logit, draw)
    pay[sued] = True  # a suit ends with the household paying
    pay &= charged
    arrears = hh.arrears_months + np.int16(1)
    np.minimum(arrears, 32000, out=arrears)
    arrears[pay | ~charged] = 0
    hh.arrears_months = arrears
    hh.paid = pay
    due = fee_h * hh.area_m2
    st = model.state
    st.billed[:] = est.sum_rows(due)
    due *= hh.fee_share_payable
    due *= pay
    st.payments[:] = est.sum_rows(due)
    st.charged[:] = est.sum_rows(charged)
    st.paying[:] = est.sum_rows(pay)
    est.charged_last[:] = st.charged
    est.paying_last[:] = st.paying


from commsim.processes import collection, stances  # noqa: E402  (they use this module's sigmoid)
