"""Governance: providers book the month and may exit; owners' committees form, lapse and vote.

Order within the stage:
1. each provider books revenue (payments + subsidies) against spending; a market
   firm with ``firm_exit_loss_months`` consecutive losses and negative cash exits;
2. an estate without a provider falls back to self-management if it has an owners'
   committee, else to no management; a self-managed estate hires a market firm with monthly
   probability ``firm_entry_hazard``;
3. owners' committees: activity = min(1, share of owners taking part (3-month mean) /
   ``oc_activity_scale``); where occupancy passes ``oc_occupancy_threshold`` one forms with
   monthly probability ``oc_formation_hazard`` x the estate type's factor x min(1, active
   owners / ``oc_initiators_needed``); one lapses with ``oc_dissolution_hazard`` x (1 - that
   ratio);
4. a committee whose estate's mean satisfaction has stayed under
   ``dismissal_trigger_satisfaction`` for ``dismissal_trigger_months`` calls a vote to dismiss
   the firm, decided under Civil Code art. 278 (:func:`owners_vote`), at most once per
   ``vote_cooldown_months``; a dismissed firm is replaced by a new one at once;
5. supervision for next month = the committee's activity (0 without a committee).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np

from commsim.agents import PropertyFirm, SelfManagement
from commsim.processes.payment import sigmoid
from commsim.vocabulary import ESTATE_TYPES

if TYPE_CHECKING:
    from commsim.model import CommunityModel

# (quorum share of area and of headcount, consent share, consent counted over)
VOTE_RULES = {
    # Civil Code 2021 art. 278: owners with >= 2/3 of area and >= 2/3 of headcount take part;
    # hiring or dismissing a firm needs > 1/2 of the participating area and participating owners.
    "civil_code_2021": (Fraction(2, 3), Fraction(1, 2), "participants"),
    # Property Law 2007 art. 76: > 1/2 of all owners' area and headcount.
    "property_law_2007": (Fraction(0), Fraction(1, 2), "all"),
}


@dataclass(frozen=True)
class VoteResult:
    quorum_area: float  # share of all owners' area taking part
    quorum_headcount: float
    consent_area: float  # share (of the base the rule counts over) consenting
    consent_headcount: float
    quorum_met: bool
    passed: bool


def owners_vote(area: np.ndarray, takes_part: np.ndarray, consents: np.ndarray, rule: str = "civil_code_2021") -> VoteResult:
    """Decide an owners' vote on hiring or dismissing the firm.

    ``area`` is each owner's floor area (m2), ``takes_part`` and ``consents`` booleans per owner
    (consent counts only for those who take part). Quorum needs at least the rule's share of
    both area and headcount; consent needs *more than* half of the area and of the headcount
    counted over participants (2021) or over all owners (2007).
    """
    quorum, consent_share, base = VOTE_RULES[rule]
    area = np.asarray(area, dtype=np.float64)
    part = np.asarray(takes_part, dtype=bool)
    yes = part & np.asarray(consents, dtype=bool)
    total_area, total_n = area.sum(), part.size
    if total_n == 0 or total_area <= 0:
        return VoteResult(0.0, 0.0, 0.0, 0.0, False, False)
    part_area, part_n = area[part].sum(), int(part.sum())
    q_area, q_n = part_area / total_area, part_n / total_n
    # Headcounts compare exactly as integers; areas with a tolerance of 1e-12 of the total.
    tol = 1e-12 * total_area
    quorum_met = bool(
        part_area + tol >= float(quorum) * total_area
        and part_n * quorum.denominator >= quorum.numerator * total_n
    )
    base_area, base_n = (part_area, part_n) if base == "participants" else (total_area, total_n)
    yes_area, yes_n = area[yes].sum(), int(yes.sum())
    c_area = yes_area / base_area if base_area > 0 else 0.0
    c_n = yes_n / base_n if base_n > 0 else 0.0
    passed = (
        quorum_met
        and yes_area > float(consent_share) * base_area + tol
        and yes_n * consent_share.denominator > consent_share.numerator * base_n
    )
    return VoteResult(q_area, q_n, c_area, c_n, quorum_met, bool(passed))


def book_providers(model: CommunityModel) -> None:
    """Every provider books the month (revenue against spending); one that wants to exit does.

    A provider's profit is attributed to its estates by their share of its revenue (by floor
    area when it received nothing).
    """
    st, est = model.state, model.estates
    revenue = st.revenue
    est.collection_rate = np.where(st.billed > 0, revenue / np.maximum(st.billed, 1e-9), est.collection_rate)
    for provider in model.providers():
        idx = provider.estates
        provider.revenue = float(revenue[idx[0]]) if len(idx) == 1 else float(revenue[idx].sum())
        st.revenue_booked[idx] = revenue[idx]
        profit = provider.close_month()
        if len(idx) == 1:
            st.provider_profit[idx[0]] += profit
        else:
            weights = revenue[idx] if provider.revenue > 0 else est.area_total[idx]
            st.provider_profit[idx] += profit * weights / weights.sum()
        if provider.wants_to_exit():
            model.institutions.exit(provider)


def fall_back_and_hire(model: CommunityModel) -> None:
    """Estates without a provider fall back to their owners' committee; self-managed estates
    hire a market firm with monthly chance ``firm_entry_hazard``."""
    est, inst = model.estates, model.institutions
    draw = model.streams.uniform("firm_entry", est.n)
    hire = draw < model.p.firm_entry_hazard  # float32 comparison, as per estate before
    for e, (provider, oc) in enumerate(zip(model.provider_of, model.committee_of, strict=True)):
        if provider is None and oc is not None:
            inst.award(SelfManagement(model, [e]))
        elif isinstance(provider, SelfManagement) and hire[e]:
            inst.remove(provider)
            inst.award(PropertyFirm(model, [e]), entry=True)


def owner_participation(model: CommunityModel) -> np.ndarray:
    """Owners taking part this month, per estate (count)."""
    hh, est = model.households, model.estates
    return est.sum_rows(hh.owner & hh.participated)


def formation_factor(model: CommunityModel) -> np.ndarray:
    """Per-estate multiplier of the committee formation hazard by estate type (commercial 1)."""
    p, est = model.p, model.estates
    by_type = {"commercial": 1.0, "old": p.oc_formation_factor_old,
               "resettlement": p.oc_formation_factor_resettlement, "work_unit": p.oc_formation_factor_work_unit}
    return np.array([by_type[t] for t in ESTATE_TYPES])[est.type_code]


def committees(model: CommunityModel) -> None:
    p, est = model.p, model.estates
    hist = est.participation_owner
    hist[:-1] = hist[1:]
    hist[-1] = owner_participation(model)
    active = hist.mean(axis=0)  # owners taking part, 3-month mean
    owners = est.sum_rows(model.households.owner)
    share = np.divide(active, owners, out=np.zeros(est.n), where=owners > 0)
    strength = np.minimum(1.0, active / p.oc_initiators_needed)
    occupancy = est.occupied_units / est.units
    draw = model.streams.uniform("committee", est.n)
    factor_of = formation_factor(model)
    # the per-estate decisions, vectorised (same float64 comparisons as estate by estate)
    forms = (occupancy >= p.oc_occupancy_threshold) & (draw < p.oc_formation_hazard * factor_of * strength)
    lapses = draw < p.oc_dissolution_hazard * (1.0 - strength)
    share_of = share.tolist()
    inst = model.institutions
    for e, oc in enumerate(model.committee_of):
        if oc is None:
            if forms[e]:
                inst.form_committee(e, share_of[e])
        else:
            oc.update_activity(share_of[e])
            if lapses[e]:
                inst.dissolve_committee(e)


def dismissal_votes(model: CommunityModel) -> None:
    p, hh, est = model.p, model.households, model.estates
    sat_sum = est.sum_rows(hh.satisfaction * hh.occupied)
    mean_sat = np.divide(sat_sum, est.occupied_units, out=np.ones(est.n), where=est.occupied_units > 0)
    dissatisfied = (mean_sat < p.dismissal_trigger_satisfaction).tolist()
    for e in range(est.n):
        oc, firm = model.committee_of[e], model.provider_of[e]
        if oc is None or not isinstance(firm, PropertyFirm):
            continue
        oc.months_dissatisfied = oc.months_dissatisfied + 1 if dissatisfied[e] else 0
        if oc.months_dissatisfied < p.dismissal_trigger_months or model.month - oc.last_vote_month < p.vote_cooldown_months:
            continue
        oc.last_vote_month = model.month
        model.state.votes[e] += 1
        result = estate_vote(model, e)
        if result.passed:
            model.institutions.dismiss(firm, e, PropertyFirm(model, [e]))
            oc.months_dissatisfied = 0


def estate_vote(model: CommunityModel, e: int) -> VoteResult:
    """Owners of estate ``e`` vote on dismissing its firm (turnout and consent drawn per owner)."""
    p, hh, est = model.p, model.households, model.estates
    rows = np.arange(est.start[e], est.stop[e])
    rows = rows[hh.owner[rows]]
    rng = model.streams.once("vote", model.month, e)
    age = hh.age_group[rows]
    sat = hh.satisfaction[rows]
    turnout = sigmoid(
        p.vote_turnout_intercept
        + np.where(age == 2, p.vote_turnout_retired_shift, 0.0)
        + np.where(age == 0, p.vote_turnout_young_shift, 0.0)
        + p.vote_turnout_dissatisfaction * (1.0 - sat)
        + np.where(hh.occupied[rows], 0.0, p.vote_turnout_absentee_shift)
        + model.vote_mobilisation[e]
    )
    takes_part = rng.random(rows.size) < turnout
    consents = rng.random(rows.size) < sigmoid(p.vote_consent_steepness * (p.dismissal_trigger_satisfaction - sat))
    return owners_vote(hh.area_m2[rows], takes_part, consents, p.vote_rule)


def update_supervision(model: CommunityModel) -> None:
    """Next month's supervision of each estate's provider: its committee's activity (0 if none)."""
    model.supervision[:] = [oc.activity if oc is not None else 0.0 for oc in model.committee_of]


def step(model: CommunityModel) -> None:
    """The governance stage, in the order of the module docstring."""
    book_providers(model)
    fall_back_and_hire(model)
    committees(model)
    dismissal_votes(model)
    update_supervision(model)
