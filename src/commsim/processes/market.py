"""The market stage of governance: fee requests, dismissals, contract ends, vacancies, reviews.

Run each month in the governance stage after the providers have booked the month and the
owners' committees have been updated (``processes.governance.step``), in this order:

1. **Fee requests.** A firm that has lost money ``fee_rise_loss_months`` in a row asks the owners
   of each of its estates (at most once per ``fee_request_cooldown_months``) for the fee that
   covers its cost and margin, at most ``fee_rise_step`` more and within the cap. A fee change is
   an ordinary matter under Civil Code art. 278: the owners vote (their committee canvasses, or
   the residents' committee convenes them where there is none) and only a passed vote changes it.
2. **Dismissals.** A committee whose estate's mean satisfaction has stayed under
   ``dismissal_trigger_satisfaction`` for ``dismissal_trigger_months`` (at most once per
   ``vote_cooldown_months``) runs a tender; if an alternative scores better than the firm, the
   owners vote to replace it; a passed vote dismisses the firm and awards the alternative.
3. **Contract ends.** At the end of a term owners with a committee run a tender with the
   incumbent as one option; a better alternative is put to the vote. Without a committee, or if
   nothing changes, the contract continues for another term (Civil Code art. 948).
4. **Vacancies** (a firm withdrew, was dismissed without a replacement, or was blacklisted)
   are filled by :func:`fill`.
5. **Reviews.** An estate not served by a market firm reviews its options with monthly chance
   ``firm_entry_hazard`` (owners with a committee: any option; otherwise the residents'
   committee: options it may arrange).

Besides, at the start of each month's service stage (:func:`street_offers`), an estate without
a provider is offered any option a policy arranges through the street.

Who decides (:func:`settle`): where the estate has an owners' committee, the owners choose the
best-scoring option (``Market.choose``) and it needs a passed vote; where it has none, or the
vote fails on an estate left without a provider, the residents' committee stands in
(seeds/002; seeds/001 art. 9) and may only arrange options a policy offers through the street or
a firm's bid at no more than the estate's last contract fee - it cannot raise owners' fees.
Either way an option is taken only if it scores better than keeping what the estate has (its
provider, or no management).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from commsim.agents import PropertyFirm, SelfManagement
from commsim.market import Option
from commsim.processes.assemblies import committee_canvass, hold_vote, street_canvass

if TYPE_CHECKING:
    from commsim.model import CommunityModel

_EPS = 1e-9


def award_option(model: CommunityModel, e: int, option: Option) -> None:
    """Give estate ``e`` (which has no provider now) to what ``option`` stands for."""
    inst, trust = model.institutions, model.p.trust_new_firm
    if option.kind == "firm":
        firm = option.firm
        if firm.estates:
            inst.extend(firm, [e], trust=trust, fee=option.fee, entry=True)
        else:
            firm.estates = [e]
            inst.award(firm, trust=trust, fee=option.fee, entry=True)
        return
    provider = model.market.build(option, e)
    inst.award(provider, trust=trust, fee=option.fee)
    if isinstance(provider, SelfManagement):
        model.state.switches_to_self[e] += 1


def _street_options(model: CommunityModel, e: int, exclude=None) -> list[Option]:
    """What the residents' committee may arrange for estate ``e``: a policy's street-arranged
    options, and firms' bids at no more than the last contract fee."""
    last = float(model.estates.contract_fee[e])
    return [o for o in model.market.options(e, exclude=exclude, committee=False)
            if o.street_arranged or (o.kind == "firm" and o.fee <= last + _EPS)]


def street_route(model: CommunityModel, e: int, exclude=None) -> Option | None:
    """The residents' committee fills estate ``e`` (no provider) with the best option it may
    arrange, if it scores better than leaving the estate unmanaged."""
    market = model.market
    best = market.choose(e, [*_street_options(model, e, exclude), market.incumbent(e)], "street")
    if best is None or best.kind == "none":
        return None
    award_option(model, e, best)
    return best


def settle(model: CommunityModel, e: int, purpose: str, vote: str, *, exclude=None,
           dismissal: bool = False) -> Option | None:
    """A tender for estate ``e``: owners with a committee choose among the alternatives and the
    current provider (if any) and vote on a change; returns the option awarded (None: no change).

    Args:
        model: the model.
        e: the estate's index.
        purpose: why (``vacancy``, ``dismissal``, ``renewal``, ``review``); keys the choice's noise.
        vote: what owners vote on for a change (``hire`` or ``replace``).
        exclude: a provider that may not bid (the firm being dismissed).
        dismissal: a passed vote dismisses the current firm (counted as a dismissal); otherwise
            the current provider is released (contract not renewed, self-management ended).
    """
    market, inst = model.market, model.institutions
    model.state.tenders[e] += 1
    current = model.provider_of[e]
    if model.committee_of[e] is None:
        return street_route(model, e, exclude) if current is None else None
    best = market.choose(e, [*market.options(e, exclude=exclude), market.incumbent(e)], purpose)
    if best is None or best.kind in ("incumbent", "none"):
        return None
    if dismissal:
        model.state.votes[e] += 1
    if not hold_vote(model, e, vote, committee_canvass(model, e)).passed:
        return street_route(model, e, exclude) if current is None else None
    if current is not None:
        if dismissal:
            inst.dismiss(current, e, counted=True)
        else:
            inst.release(current, e)
    award_option(model, e, best)
    return best


def fill(model: CommunityModel, e: int, exclude=None) -> Option | None:
    """Fill estate ``e``, left without a provider, by :func:`settle` (a vacancy)."""
    model.market.vacancies.discard(e)
    if model.provider_of[e] is not None:
        return None
    return settle(model, e, "vacancy", "hire", exclude=exclude)


def request_fee_change(model: CommunityModel, e: int, fee: float) -> bool:
    """Change estate ``e``'s contract fee to ``fee`` (capped): a fall applies at once, a rise only
    if the owners consent by vote (their committee canvasses, or the residents' committee
    convenes them). Returns whether the fee changed."""
    old = float(model.estates.contract_fee[e])
    fee = min(float(fee), model.institutions.fee_cap(e))
    if abs(fee - old) <= _EPS:
        return False
    if fee > old:
        model.market.last_fee_vote[e] = model.month
        model.state.fee_votes[e] += 1
        canvass = committee_canvass(model, e) if model.committee_of[e] is not None else street_canvass(model, e)
        if not hold_vote(model, e, "fee", canvass).passed:
            return False
    model.institutions.change_fee(e, fee)
    return True


def fee_requests(model: CommunityModel) -> None:
    """Firms losing money ask the owners of their estates for a fee rise (a vote each)."""
    p, est, market, month = model.p, model.estates, model.market, model.month
    for firm in model.providers():
        if not isinstance(firm, PropertyFirm) or firm.loss_months < p.fee_rise_loss_months:
            continue
        funds = firm.expected_revenue * (1.0 - firm.margin)
        ratio = firm.full_cost() / funds if funds > 0 else 1.0 + p.fee_rise_step
        for e in list(firm.estates):
            if month - market.last_fee_vote[e] < p.fee_request_cooldown_months:
                continue
            fee = float(est.contract_fee[e])
            ask = min(fee * (1.0 + p.fee_rise_step), fee * ratio, model.institutions.fee_cap(e))
            if ask > fee + _EPS:
                request_fee_change(model, e, ask)


def dismissals(model: CommunityModel) -> None:
    """Committees of estates dissatisfied for long enough tender and vote on replacing the firm."""
    p, month = model.p, model.month
    dissatisfied = (model.mean_satisfaction() < p.dismissal_trigger_satisfaction).tolist()
    for e in range(model.estates.n):
        oc, firm = model.committee_of[e], model.provider_of[e]
        if oc is None or not isinstance(firm, PropertyFirm):
            continue
        oc.months_dissatisfied = oc.months_dissatisfied + 1 if dissatisfied[e] else 0
        if oc.months_dissatisfied < p.dismissal_trigger_months or month - oc.last_vote_month < p.vote_cooldown_months:
            continue
        oc.last_vote_month = month
        if settle(model, e, "dismissal", "replace", exclude=firm, dismissal=True) is not None:
            oc.months_dissatisfied = 0


def contract_ends(model: CommunityModel) -> None:
    """Contracts at the end of their term: owners with a committee review the market; a firm on
    the street's blacklist is not renewed anywhere (the estate goes to the market as a vacancy)."""
    est, month = model.estates, model.month
    for e in (est.contract_end <= month).nonzero()[0].tolist():
        firm = model.provider_of[e]
        if not isinstance(firm, PropertyFirm):
            continue
        if model.market.is_blacklisted(firm):
            model.institutions.release(firm, e)
            fill(model, e, exclude=firm)
            continue
        if model.committee_of[e] is not None:
            settle(model, e, "renewal", "replace", exclude=firm)
        if model.provider_of[e] is firm:
            model.institutions.renew(e)  # renewed, or continued (Civil Code art. 948)


def reviews(model: CommunityModel) -> None:
    """Estates not served by a market firm look at the market."""
    est = model.estates
    draw = model.streams.uniform("firm_entry", est.n)
    look = (draw < model.p.firm_entry_hazard).tolist()
    for e in range(est.n):
        provider = model.provider_of[e]
        if isinstance(provider, PropertyFirm):
            continue
        if look[e] and (provider is None or model.committee_of[e] is not None):
            settle(model, e, "review", "hire")


def street_offers(model: CommunityModel) -> None:
    """Before service each month: the street arranges, for an estate without a provider, an
    option a policy offers through it (a station, dedicated staff) if it scores better than
    leaving the estate unmanaged (run at the start of the service stage)."""
    market = model.market
    if not any(o.street_arranged for o in market.offered.values()):
        return
    for e in range(model.estates.n):
        if model.provider_of[e] is not None:
            continue
        offers = [o for o in market.options(e, committee=False) if o.street_arranged]
        if offers:
            best = market.choose(e, [*offers, market.incumbent(e)], "offer")
            if best.kind != "none":
                award_option(model, e, best)


def step(model: CommunityModel) -> None:
    """The market's month, in the order of the module docstring."""
    fee_requests(model)
    dismissals(model)
    contract_ends(model)
    for e in sorted(model.market.vacancies):
        fill(model, e)
    model.market.vacancies.clear()
    reviews(model)
