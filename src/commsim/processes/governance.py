"""Governance: providers book the month; assemblies, committees and the market; supervision.

Order within the stage:
1. each provider books revenue (payments + subsidies + grants) against spending; a market firm
   with ``firm_exit_loss_months`` consecutive losses and negative cash exits (its estates are
   vacant); the market adds each firm's delivered effort to its street record;
2. owners' assemblies and committees (``processes/assemblies.py``): organisers, committee
   activity, lapses and re-elections, drives to form new committees;
3. the market (``processes/market.py``): fee requests, dismissals, contract ends, vacancies,
   reviews - every change of provider or fee that owners decide goes through their vote
   (:func:`owners_vote`, Civil Code art. 278 or Property Law 2007 art. 76);
4. supervision for next month: each owners' committee supplies its members' supervision hours
   (``OwnersCommittee.supervision_hours``) to ``model.supervision``.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np

from commsim.processes import assemblies, market

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
    """The outcome of an owners' vote: quorum and consent shares, quorum met, passed."""

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


def supervise(model: CommunityModel) -> None:
    """Owners' committees supply their members' supervision hours (volunteer hours) for the
    estate's provider; they count toward next month's supervision level."""
    for e, oc in enumerate(model.committee_of):
        if oc is None or model.provider_of[e] is None:
            continue
        hours = oc.supervision_hours()
        if hours > 0:
            model.supervision.supply(e, hours, "owners_committee")
            model.state.volunteer_hours[e] += hours


def step(model: CommunityModel) -> None:
    """The governance stage, in the order of the module docstring."""
    book_providers(model)
    model.market.observe()
    assemblies.step(model)
    market.step(model)
    supervise(model)
