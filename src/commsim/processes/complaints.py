"""Complaints: satisfaction and trust move; complaints are filed and climb a ladder of tiers.

Tiers (``TIERS``): 0 the estate's provider; 1 the estate's owners' committee, or the
residents' committee standing in where there is none (seeds/002, seeds/001 art. 9);
2 community coordination (community workers); 3 the street office; 4 the city hotline.

Each month:
1. satisfaction and trust move toward the estate's quality; a failure lowers both;
2. a household with a failure and no open complaint files one with probability
   ``complaint_propensity * (1 + complaint_dissatisfaction_gain * (1 - satisfaction))``;
   it enters at tier 0, or tier 1 where the estate has no provider;
3. every open complaint is handled with probability min(1, hours available / hours demanded)
   of its tier's unit (estate, community or street); a handled complaint is resolved with the
   tier's chance, else the household escalates it (``escalate_prob``) or gives up; an
   unhandled complaint waits and is escalated after ``max_wait_months``. At the top tier an
   unresolved complaint is abandoned.
Hours demanded at tiers 1 (stand-in) and 2 are booked on the community's residents'
committee, which serves them from what administrative work leaves (the staffing load).
Policies adjust the ladder through ``model.ladder`` (extra hours and resolution bonuses per
tier and estate, reset each month). Counters keep: filed = resolved + abandoned + open.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from commsim.households import NO_COMPLAINT

if TYPE_CHECKING:
    from commsim.model import CommunityModel

TIERS = ("firm", "committee", "community", "street", "hotline")
TOP = len(TIERS) - 1


def move_satisfaction(model: CommunityModel) -> None:
    p, hh, est = model.p, model.households, model.estates
    q = est.per_household(est.quality.astype(np.float32))
    fail = model.failure
    f32 = np.float32
    for name, rate, drop in (
        ("satisfaction", p.satisfaction_adjust_rate, p.satisfaction_failure_drop),
        ("trust", p.trust_adjust_rate, p.trust_failure_drop),
    ):
        old = getattr(hh, name)
        new = q - old
        new *= f32(rate)
        new += old  # old + rate * (q - old)
        new -= f32(drop) * fail  # minus 0 where no failure
        setattr(hh, name, np.clip(new, 0.0, 1.0, out=new))


def file_new(model: CommunityModel) -> np.ndarray:
    """File complaints from this month's failures; returns the rows that filed."""
    p, hh = model.p, model.households
    draw = model.streams.uniform("complaint", hh.n)
    can_file = np.flatnonzero(model.failure & (hh.complaint_tier == NO_COMPLAINT))
    sat = hh.satisfaction[can_file]
    propensity = p.complaint_propensity * (1.0 + p.complaint_dissatisfaction_gain * (1.0 - sat))
    rows = can_file[draw[can_file] < propensity]
    start_tier = np.where(model.has_provider(), 0, 1).astype(np.int8)
    hh.complaint_tier[rows] = start_tier[hh.estate[rows]]
    hh.complaint_wait[rows] = 0
    hh.complaint_age[rows] = 0
    return rows


def _ratio(cap: np.ndarray, demand: np.ndarray) -> np.ndarray:
    """Share of demand a unit can handle: min(1, cap / demand), 1 where nothing is demanded."""
    return np.minimum(1.0, np.divide(cap, demand, out=np.ones_like(demand, dtype=float), where=demand > 0))


def ladder(model: CommunityModel) -> dict[str, np.ndarray]:
    """Process every open complaint once; returns per-estate counts of what happened."""
    p, hh, est = model.p, model.households, model.estates
    n_e, n_c = est.n, est.n_communities
    u_handle = model.streams.uniform("complaint_handle", hh.n)
    u_resolve = model.streams.uniform("complaint_resolve", hh.n)
    u_escalate = model.streams.uniform("complaint_escalate", hh.n)
    rows = np.flatnonzero(hh.complaint_tier != NO_COMPLAINT)
    tier = hh.complaint_tier[rows].astype(np.int64)
    e = hh.estate[rows].astype(np.int64)
    c = est.community[e].astype(np.int64)
    hours = np.array([p.hours_per_complaint_firm, p.hours_per_complaint_committee,
                      p.hours_per_complaint_community, p.hours_per_complaint_street,
                      p.hours_per_complaint_hotline])
    oc_activity = model.committee_activity()  # per estate, NaN where no owners' committee
    has_oc = ~np.isnan(oc_activity)
    h = hours[tier]

    # Units: firm tier per estate; committee tier per estate (OC) or per community (RC stand-in);
    # community tier per community (RC); street tier one unit; hotline unlimited. Each open
    # complaint gets the index of its unit in one list: [firms | OCs | RCs | street | hotline].
    stand_in = (tier == 1) & ~has_oc[e]
    at_rc = stand_in | (tier == 2)
    unit = np.choose(tier, (e, n_e + e, n_e + n_e + c, 2 * n_e + n_c, 2 * n_e + n_c + 1))
    unit[at_rc] = 2 * n_e + c[at_rc]
    n_units = 2 * n_e + n_c + 2
    demand = np.bincount(unit, weights=h, minlength=n_units)  # hours, in row order per unit
    at_street = tier == 3
    street_demand = h[at_street].sum()
    rc_demand = demand[2 * n_e : 2 * n_e + n_c]

    extra = model.ladder.extra_hours  # (tiers, estates), set by policies for this month
    firm_cap = p.firm_complaint_hours_per_household * est.occupied_units * est.effort + extra[0]
    oc_cap = model.committee_hours() + extra[1]
    rc_extra = np.bincount(est.community, weights=np.where(has_oc, 0.0, extra[1]) + extra[2], minlength=n_c)
    rc_cap = np.array([rc.hours_for_complaints() for rc in model.residents_committees]) + rc_extra
    street_cap = model.street.complaint_hours() + extra[3].sum()
    street_ratio = min(1.0, street_cap / street_demand) if street_demand > 0 else 1.0
    unit_handle = np.concatenate([
        _ratio(firm_cap, demand[:n_e]), _ratio(oc_cap, demand[n_e : 2 * n_e]), _ratio(rc_cap, rc_demand),
        [street_ratio, 1.0],
    ])
    handle_prob = unit_handle[unit]

    # Resolution chance per (tier, estate), plus the policies' bonus, clipped to [0, 1].
    base = np.empty((len(TIERS), n_e))
    base[0] = p.resolve_prob_firm * est.effort
    base[1] = np.where(has_oc, p.resolve_prob_owners_committee * oc_activity, p.resolve_prob_residents_committee)
    base[2] = p.resolve_prob_community
    base[3] = p.resolve_prob_street
    base[4] = p.resolve_prob_hotline
    resolve_table = np.clip(base + model.ladder.resolve_bonus, 0.0, 1.0)
    resolve_prob = resolve_table[tier, e]

    handled = u_handle[rows] < handle_prob
    resolved = handled & (u_resolve[rows] < resolve_prob)
    failed = handled & ~resolved
    waited = ~handled
    new_wait = hh.complaint_wait[rows] + np.int16(1)
    new_wait[handled] = 0
    escalate = ((failed & (u_escalate[rows] < p.escalate_prob)) | (waited & (new_wait >= p.max_wait_months))) & (tier < TOP)
    abandoned = failed & ~escalate
    closed = resolved | abandoned

    # Hours: demanded (all open) per unit for load; used (handled) for records.
    used = np.where(handled, h, 0.0)
    at_firm = tier == 0
    model.hours_used = {
        "firm": float(used[at_firm].sum()),
        "owners_committee": float(used[(tier == 1) & ~stand_in].sum()),
        "community_workers": float(used[at_rc].sum()),
        "street": float(used[at_street].sum()),
        "hotline": float(used[tier == 4].sum()),
    }
    for ci, rc in enumerate(model.residents_committees):
        rc.book("complaints", float(rc_demand[ci]))

    # Satisfaction and trust: each complaint is in at most one of waited / resolved / abandoned,
    # and trust moves for at most one of resolved-at-firm / abandoned / escalated-from-firm.
    f32 = np.float32
    from_firm = at_firm
    d_sat = np.zeros(rows.size, dtype=np.float32)
    d_sat[waited] = -f32(p.satisfaction_wait_drop)
    d_sat[resolved] = f32(p.satisfaction_resolve_gain)
    d_sat[abandoned] = -f32(p.satisfaction_abandon_drop)
    d_trust = np.zeros(rows.size, dtype=np.float32)
    d_trust[resolved & from_firm] = f32(p.trust_resolve_gain)
    d_trust[abandoned] = -f32(p.trust_abandon_drop)
    d_trust[escalate & from_firm] = -f32(p.trust_escalation_drop)
    # (satisfaction and trust are within [0, 1] outside ``rows``: move_satisfaction clipped them)
    hh.satisfaction[rows] = np.clip(hh.satisfaction[rows] + d_sat, 0.0, 1.0)
    hh.trust[rows] = np.clip(hh.trust[rows] + d_trust, 0.0, 1.0)

    # Move complaints.
    age = hh.complaint_age[rows]
    new_tier = tier + escalate
    new_tier[closed] = NO_COMPLAINT
    hh.complaint_tier[rows] = new_tier.astype(np.int8)
    new_wait[escalate] = 0
    hh.complaint_wait[rows] = new_wait
    new_age = age + np.int16(1)
    new_age[closed] = 0
    hh.complaint_age[rows] = new_age

    def per_estate(mask, weights=None):
        return np.bincount(e[mask], weights=None if weights is None else weights[mask], minlength=n_e)

    return {
        "resolved": per_estate(resolved),
        "abandoned": per_estate(abandoned),
        "closed_age_sum": per_estate(closed, age.astype(np.float64)),
        "escalated_beyond_estate": per_estate(escalate & (tier == 1)),
        "escalated": per_estate(escalate),
        "handled_firm": per_estate(handled & at_firm),
    }


def step(model: CommunityModel) -> None:
    move_satisfaction(model)
    new_rows = file_new(model)
    counts = ladder(model)
    counts["filed"] = np.bincount(model.households.estate[new_rows], minlength=model.estates.n)
    model.complaint_counts = counts
