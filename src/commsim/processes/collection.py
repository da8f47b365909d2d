"""Collection of arrears: market firms remind and sue households that do not pay.

At the start of the payment stage, in every estate served by a market firm (``kind ==
"firm"``; self-management and public providers do not chase neighbours):

- a charged household with at least ``collection_legal_months`` consecutive unpaid months is
  sued with probability ``collection_legal_prob`` a month (stream ``collection_legal``). Every
  suit ends with the household paying its arrears (at most ``collection_recovery_cap_months``,
  the limitation period) and this month's fee: the back fees are provider revenue
  (``arrears_recovered``), not this month's collection. A sued refuser goes back to paying
  occasionally with probability ``collection_legal_return_prob`` (the same draw, scaled); a
  sued household loses ``collection_legal_satisfaction_drop`` of
  satisfaction and ``collection_legal_trust_drop`` of trust. Cost: ``collection_legal_cost_yuan``
  plus ``collection_legal_hours`` of staff time;
- any other charged household with at least ``collection_reminder_months`` unpaid months is
  reminded: its log-odds of paying rise by ``collection_reminder_effect`` this month (it
  matters to occasional payers) and its satisfaction falls by
  ``collection_reminder_satisfaction_drop``. Cost: ``collection_reminder_hours`` of staff time.

Staff time costs ``firm_staff_cost_yuan_hour``; the firm books the whole cost as spending
(``Institutions.charge_collection``), so it lowers the firm's profit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from commsim.vocabulary import Stance

REFUSER, OCCASIONAL = np.int8(Stance.REFUSER), np.int8(Stance.OCCASIONAL)  # int8 scalars (no int64 casts)

if TYPE_CHECKING:
    from commsim.model import CommunityModel


def act(model: CommunityModel, charged: np.ndarray, fee_h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Reminders and suits of this month; returns the rows (household indices) reminded and sued.

    One uniform per household a month (stream ``collection``): sued when below
    ``collection_legal_prob``; a sued refuser goes back to paying when (uniform /
    ``collection_legal_prob``), uniform given the suit, is below ``collection_legal_return_prob``.
    """
    p, hh, est, st = model.p, model.households, model.estates, model.state
    u = model.streams.uniform("collection", hh.n)
    f32 = np.float32
    by_firm = np.fromiter((prov is not None and prov.kind == "firm" for prov in model.provider_of),
                          dtype=bool, count=est.n)
    none = np.empty(0, dtype=np.intp)
    if not by_firm.any():
        return none, none
    # households a firm chases: charged, served by a firm, behind by the shorter of the two delays
    behind = hh.arrears_months >= min(p.collection_reminder_months, p.collection_legal_months)
    behind &= charged
    behind &= est.per_household(by_firm)
    rows = np.flatnonzero(behind)
    if rows.size == 0:
        return none, none
    arrears = hh.arrears_months[rows]
    legal_prob = f32(p.collection_legal_prob)
    is_sued = (u[rows] < legal_prob) & (arrears >= p.collection_legal_months)
    sued = rows[is_sued]
    reminded = rows[~is_sued & (arrears >= p.collection_reminder_months)]
    estate_of = hh.estate
    n_reminded = np.bincount(estate_of[reminded], minlength=est.n)
    n_sued = np.bincount(estate_of[sued], minlength=est.n)
    hours = n_reminded * p.collection_reminder_hours + n_sued * p.collection_legal_hours
    cost = hours * p.firm_staff_cost_yuan_hour + n_sued * p.collection_legal_cost_yuan
    st.reminders += n_reminded
    st.legal_actions += n_sued
    st.collection_hours += hours
    for e in np.flatnonzero(cost > 0).tolist():
        model.institutions.charge_collection(e, float(cost[e]))

    if reminded.size and p.collection_reminder_satisfaction_drop:
        hh.satisfaction[reminded] = np.maximum(
            hh.satisfaction[reminded] - f32(p.collection_reminder_satisfaction_drop), f32(0.0))
    if sued.size:
        months = np.minimum(hh.arrears_months[sued], p.collection_recovery_cap_months).astype(np.float64)
        back = fee_h[sued] * hh.area_m2[sued] * hh.fee_share_payable[sued] * months
        st.arrears_recovered += np.bincount(estate_of[sued], weights=back, minlength=est.n)
        hh.satisfaction[sued] = np.maximum(hh.satisfaction[sued] - f32(p.collection_legal_satisfaction_drop), f32(0.0))
        hh.trust[sued] = np.maximum(hh.trust[sued] - f32(p.collection_legal_trust_drop), f32(0.0))
        back_to_paying = (hh.stance[sued] == REFUSER) & (u[sued] / legal_prob < f32(p.collection_legal_return_prob))
        hh.stance[sued[back_to_paying]] = OCCASIONAL
    return reminded, sued
