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

if TYPE_CHECKING:
    from commsim.model import CommunityModel


def act(model: CommunityModel, charged: np.ndarray, fee_h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Reminders and suits of this month; returns (reminded, sued) masks over households.

    One uniform per household a month (stream ``collection``): sued when below
    ``collection_legal_prob``; a sued refuser goes back to paying when (uniform /
    ``collection_legal_prob``), uniform given the suit, is below ``collection_legal_return_prob``.
    """
    p, hh, est, st = model.p, model.households, model.estates, model.state
    u = model.streams.uniform("collection", hh.n)
    f32 = np.float32
    by_firm = np.fromiter((prov is not None and prov.kind == "firm" for prov in model.provider_of),
                          dtype=bool, count=est.n)
    arrears = hh.arrears_months
    chased = est.per_household(by_firm)
    chased &= charged
    legal_prob = f32(p.collection_legal_prob)
    sued = u < legal_prob
    sued &= arrears >= p.collection_legal_months
    sued &= chased
    reminded = arrears >= p.collection_reminder_months
    reminded &= chased
    reminded &= ~sued
    n_reminded = np.add.reduceat(reminded.view(np.uint8), est.start, dtype=np.int32)
    n_sued = np.add.reduceat(sued.view(np.uint8), est.start, dtype=np.int32)
    if not (n_reminded.any() or n_sued.any()):
        return reminded, sued
    hours = n_reminded * p.collection_reminder_hours + n_sued * p.collection_legal_hours
    cost = hours * p.firm_staff_cost_yuan_hour + n_sued * p.collection_legal_cost_yuan
    st.reminders += n_reminded
    st.legal_actions += n_sued
    st.collection_hours += hours
    for e in np.flatnonzero(cost > 0).tolist():
        model.institutions.charge_collection(e, float(cost[e]))

    if p.collection_reminder_satisfaction_drop:
        sat = hh.satisfaction
        sat -= f32(p.collection_reminder_satisfaction_drop) * reminded  # 0 where not reminded
        np.maximum(sat, f32(0.0), out=sat)
    rows = np.flatnonzero(sued)
    if rows.size:
        months = np.minimum(arrears[rows], p.collection_recovery_cap_months).astype(np.float64)
        back = fee_h[rows] * hh.area_m2[rows] * hh.fee_share_payable[rows] * months
        st.arrears_recovered += np.bincount(hh.estate[rows], weights=back, minlength=est.n)
        hh.satisfaction[rows] = np.maximum(hh.satisfaction[rows] - f32(p.collection_legal_satisfaction_drop), f32(0.0))
        hh.trust[rows] = np.maximum(hh.trust[rows] - f32(p.collection_legal_trust_drop), f32(0.0))
        back_to_paying = (hh.stance[rows] == Stance.REFUSER) & (u[rows] / legal_prob < f32(p.collection_legal_return_prob))
        hh.stance[rows[back_to_paying]] = Stance.OCCASIONAL
    return reminded, sued
