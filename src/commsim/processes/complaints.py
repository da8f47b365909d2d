"""Complaints: satisfaction and trust move; complaints are filed and climb a ladder of tiers.

Tiers (``TIERS``): 0 the estate's provider; 1 the estate's owners' committee, or the
residents' committee standing in where there is none (seeds/002, seeds/001 art. 9);
2 community coordination (community workers); 3 the street office; 4 the city hotline.

Each month:
1. satisfaction and trust move toward the estate's target (value for money, or quality:
   ``processes.expectations``); a failure lowers both;
2. a household with a failure and no open complaint files one with probability
   ``complaint_propensity * (1 + complaint_dissatisfaction_gain * (1 - satisfaction))`` times its
   own fixed multiplier (mean 1, ``complaint_propensity_cv``) and ``complaint_refuser_factor``
   if it refuses to pay; it enters at tier 0, or tier 1 where the estate has no provider;
3. every open complaint is handled with probability min(1, hours available / hours demanded)
   of its tier's unit (estate, community or street); a handled complaint is resolved with the
   tier's chance, else the household escalates it (``escalate_prob``) or gives up; an
   unhandled complaint waits and is escalated after ``max_wait_months``. At the top tier an
   unresolved complaint is abandoned.
Hours demanded at tiers 1 (stand-in) and 2 are booked on the community's residents'
committee, which serves them from what administrative work leaves (the staffing load).
Policies adjust the ladder through ``model.ladder`` (extra hours and resolution bonuses per
tier and estate, reset each month). Counts go to the month state (``model.state``):
filed = resolved + abandoned + change in open; arrivals at each tier (new filings and
escalations) in ``complaints_reaching``; a resolved complaint makes a refuser reconsider its
stance (``stance_review``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from commsim.households import NO_COMPLAINT
from commsim.processes import expectations
from commsim.state import MonthState
from commsim.vocabulary import TIERS, TOP_TIER, Stance, Tier

REFUSER = np.int8(Stance.REFUSER)  # an int8 scalar: comparing int8 arrays with an IntEnum casts them to int64

if TYPE_CHECKING:
    from commsim.model import CommunityModel

TOP = int(TOP_TIER)
COMMITTEE = int(Tier.COMMITTEE)  # a plain int: comparing an array with an IntEnum member is slow


def _clip01(x: np.ndarray) -> np.ndarray:
    """``np.clip(x, 0, 1, out=x)`` by two in-place ufuncs (the same values; no dispatch overhead)."""
    np.maximum(x, 0.0, out=x)
    return np.minimum(x, 1.0, out=x)


def move_satisfaction(model: CommunityModel) -> None:
    """Satisfaction and trust move toward the estate's target (its quality relative to what
    the fee leads households to expect, or the quality itself: ``satisfaction_model``)."""
    p, hh, est = model.p, model.households, model.estates
    q = est.per_household(expectations.satisfaction_target(model).astype(np.float32))
    fail = model.state.failure
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
        setattr(hh, name, _clip01(new))


def file_new(model: CommunityModel) -> np.ndarray:
    """File complaints from this month's failures; returns the rows that filed."""
    p, hh = model.p, model.households
    draw = model.streams.uniform("complaint", hh.n)
    can_file = np.flatnonzero(model.state.failure & (hh.complaint_tier == NO_COMPLAINT))
    sat = hh.satisfaction[can_file]
    propensity = p.complaint_propensity * (1.0 + p.complaint_dissatisfaction_gain * (1.0 - sat))
    propensity *= hh.complaint_weight[can_file]  # a minority complains often
    propensity[hh.stance[can_file] == REFUSER] *= p.complaint_refuser_factor
    rows = can_file[draw[can_file] < propensity]
    start_tier = np.where(model.has_provider(), 0, 1).astype(np.int8)
    tier = start_tier[hh.estate[rows]]
    hh.complaint_tier[rows] = tier
    hh.complaint_wait[rows] = 0
    hh.complaint_age[rows] = 0
    n_e = model.estates.n
    model.state.complaints_reaching += np.bincount(tier.astype(np.intp) * n_e + hh.estate[rows],
                                                   minlength=len(TIERS) * n_e).reshape(len(TIERS), n_e)
    return rows


def ladder(model: CommunityModel) -> None:
    """Process every open complaint once; counts what happened per estate in the month state.

    Units: firm tier per estate; committee tier per estate (OC) or per community (RC stand-in);
    community tier per community (RC); street tier one unit; hotline unlimited. Each open
    complaint looks up its unit, its hours and its chance of resolution in small per-(tier,
    estate) tables; hours demanded are summed per unit in complaint order.
    """
    p, hh, est = model.p, model.households, model.estates
    n_e, n_c = est.n, est.n_communities
    u_handle = model.streams.uniform("complaint_handle", hh.n)
    u_resolve = model.streams.uniform("complaint_resolve", hh.n)
    u_escalate = model.streams.uniform("complaint_escalate", hh.n)
    rows = np.flatnonzero(hh.complaint_tier != NO_COMPLAINT)
    tier = hh.complaint_tier[rows].astype(np.intp)
    e = hh.estate[rows]
    key = tier * n_e + e  # index into the flattened (tier, estate) tables
    oc_activity = model.committee_activity()  # per estate, NaN where no owners' committee
    has_oc = ~np.isnan(oc_activity)
    comm = est.community

    # unit of each (tier, estate): [firms 0..n_e | OCs n_e.. | RCs 2 n_e.. | street | hotline]
    rc_unit = 2 * n_e + comm
    street, hotline = 2 * n_e + n_c, 2 * n_e + n_c + 1
    unit_of = np.empty((len(TIERS), n_e), dtype=np.intp)
    unit_of[0] = np.arange(n_e)
    unit_of[1] = np.where(has_oc, n_e + unit_of[0], rc_unit)
    unit_of[2] = rc_unit
    unit_of[3] = street
    unit_of[4] = hotline
    unit = unit_of.ravel()[key]
    hours = np.array([p.hours_per_complaint_firm, p.hours_per_complaint_committee,
                      p.hours_per_complaint_community, p.hours_per_complaint_street,
                      p.hours_per_complaint_hotline])
    h = hours[tier]
    demand = np.bincount(unit, weights=h, minlength=hotline + 1)  # hours demanded per unit

    extra = model.ladder.extra_hours  # (tiers, estates), set by policies for this month
    cap = np.empty(hotline + 1)
    cap[:n_e] = p.firm_complaint_hours_per_household * est.occupied_units * est.effort + extra[0]
    cap[n_e : 2 * n_e] = model.committee_hours() + extra[1]
    rc_extra = np.bincount(comm, weights=np.where(has_oc, 0.0, extra[1]) + extra[2], minlength=n_c)
    cap[2 * n_e : street] = [rc.hours_for_complaints() for rc in model.residents_committees]
    cap[2 * n_e : street] += rc_extra
    cap[street] = model.street.complaint_hours() + extra[3].sum()
    cap[hotline] = np.inf
    handle_of = np.minimum(1.0, np.divide(cap, demand, out=np.ones(hotline + 1), where=demand > 0))
    handle_prob = handle_of[unit]

    # resolution chance per (tier, estate), plus the policies' bonus, clipped to [0, 1]
    resolve_of = np.empty((len(TIERS), n_e))
    resolve_of[0] = p.resolve_prob_firm * est.effort
    resolve_of[1] = np.where(has_oc, p.resolve_prob_owners_committee * oc_activity, p.resolve_prob_residents_committee)
    resolve_of[2:] = [[p.resolve_prob_community], [p.resolve_prob_street], [p.resolve_prob_hotline]]
    resolve_of += model.ladder.resolve_bonus
    _clip01(resolve_of)
    resolve_prob = resolve_of.ravel()[key]

    handled = u_handle[rows] < handle_prob
    resolved = u_resolve[rows] < resolve_prob
    resolved &= handled
    failed = handled & ~resolved
    waited = ~handled
    new_wait = hh.complaint_wait[rows] + np.int16(1)
    new_wait[handled] = 0
    escalate = u_escalate[rows] < p.escalate_prob
    escalate &= failed
    escalate |= waited & (new_wait >= p.max_wait_months)
    escalate &= tier < TOP
    abandoned = failed & ~escalate
    closed = resolved | abandoned

    # Hours: demanded (all open) per unit for load; used (handled) per kind of unit and estate.
    # kind of each (tier, estate): 0 firm, 1 OC, 2 RC, 3 street, 4 hotline
    kind_of = _KINDS.repeat(n_e).reshape(len(TIERS), n_e)
    kind_of[1] = np.where(has_oc, 1, 2)
    kind = kind_of.ravel()[key]
    used = np.bincount(kind * n_e + e, weights=h * handled, minlength=len(TIERS) * n_e)
    model.state.hours_used[:] = used.reshape(len(TIERS), n_e)
    for ci, rc in enumerate(model.residents_committees):
        rc.book("complaints", float(demand[2 * n_e + ci]))

    # Satisfaction and trust: each complaint is in at most one of waited / resolved / abandoned,
    # and trust moves for at most one of resolved-at-firm / abandoned / escalated-from-firm.
    f32 = np.float32
    at_firm = tier == 0
    d_sat = np.zeros(rows.size, dtype=np.float32)
    d_sat[waited] = -f32(p.satisfaction_wait_drop)
    d_sat[resolved] = f32(p.satisfaction_resolve_gain)
    d_sat[abandoned] = -f32(p.satisfaction_abandon_drop)
    d_trust = np.zeros(rows.size, dtype=np.float32)
    d_trust[resolved & at_firm] = f32(p.trust_resolve_gain)
    d_trust[abandoned] = -f32(p.trust_abandon_drop)
    d_trust[escalate & at_firm] = -f32(p.trust_escalation_drop)
    # (satisfaction and trust are within [0, 1] outside ``rows``: move_satisfaction clipped them)
    d_sat += hh.satisfaction[rows]
    hh.satisfaction[rows] = _clip01(d_sat)
    d_trust += hh.trust[rows]
    hh.trust[rows] = _clip01(d_trust)

    # Move complaints.
    age = hh.complaint_age[rows]
    new_tier = tier + escalate
    new_tier[closed] = NO_COMPLAINT
    hh.complaint_tier[rows] = new_tier
    new_wait[escalate] = 0
    hh.complaint_wait[rows] = new_wait
    new_age = age + np.int16(1)
    new_age[closed] = 0
    hh.complaint_age[rows] = new_age

    st = model.state
    up = escalate.nonzero()[0]  # arrivals at the next tier up
    st.complaints_reaching += np.bincount((tier[up] + 1) * n_e + e[up],
                                          minlength=len(TIERS) * n_e).reshape(len(TIERS), n_e)
    st.stance_review[rows[resolved]] = True  # a resolved dispute: a refuser reconsiders
    # Per-estate counts of every outcome in one pass: ``rows`` are in household order, so each
    # estate's complaints are one contiguous run; counts (and summed ages, whole months) are
    # differences of running sums at the runs' bounds.
    flags = np.empty((len(_OUTCOMES) + 1, rows.size + 1), dtype=np.int64)
    flags[:, 0] = 0
    out = flags[:, 1:]
    out[0] = resolved
    out[1] = abandoned
    np.multiply(age, closed, out=out[2])
    out[3] = escalate & (tier == COMMITTEE)
    out[4] = closed & (tier <= COMMITTEE)
    out[5] = escalate
    out[6] = handled & at_firm
    np.cumsum(out, axis=1, out=out)
    bounds = np.searchsorted(e, np.arange(n_e + 1))
    per_estate = flags[:, bounds[1:]] - flags[:, bounds[:-1]]
    st.complaint_age_closed[:] = per_estate[2]
    st.count_block[_OUTCOME_ROWS] = per_estate[_COUNTED]


#: per-estate outcome counts of the ladder (fields of the month state), in the order computed
_OUTCOMES = ("complaints_resolved", "complaints_abandoned", "complaint_age_closed", "complaints_beyond_estate",
             "complaints_settled_in_estate", "complaints_escalated", "complaints_handled_firm")
_COUNTED = np.array([i for i, name in enumerate(_OUTCOMES) if name != "complaint_age_closed"])
#: kind of unit serving each tier (tier 1: 1 an owners' committee, 2 the residents' committee)
_KINDS = np.arange(len(TIERS), dtype=np.intp)
#: rows of the month state's count block holding them
_OUTCOME_ROWS = np.array([MonthState.COUNTS.index(_OUTCOMES[i]) for i in _COUNTED])


def step(model: CommunityModel) -> None:
    """The complaints stage: satisfaction and trust move, complaints are filed and handled."""
    move_satisfaction(model)
    new_rows = file_new(model)
    ladder(model)
    model.state.complaints_filed[:] = np.bincount(model.households.estate[new_rows], minlength=model.estates.n)
