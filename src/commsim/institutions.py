"""Institutions: who serves each estate, its owners' committee, and public money to providers.

:class:`Institutions` is the only way to change these. Processes and policies *ask* it to award
an estate to a provider, release or dismiss one, form or dissolve an owners' committee, pay a
fee subsidy or a grant, or fine a provider; it keeps the invariants in one place:

- at most one provider per estate, and a provider's ``estates`` list agrees with ``provider_of``;
- households' trust starts afresh (``trust_new_firm``) when a new provider takes over, where
  the caller says the owners meet a newcomer (``trust=``);
- every entry, exit, dismissal, replacement, committee formation and lapse is counted in the
  month's state (``MonthState``), so the recorder sees them whoever caused them;
- public money (subsidies, grants) is provider revenue *and* public cost, booked together;
- contract fees (``estates.contract_fee``) change only here: when a provider takes an estate
  (at its offer or a tender's bid), when the owners agree to a change (:meth:`change_fee`); a fee
  cap (``fee_cap``) holds on every write; each contract runs ``contract_term_months``;
- a market firm that leaves every estate stays a Mesa agent: a potential entrant for later
  tenders (``model.market``); other providers leave the model.

``provider_of`` and ``committee_of`` are read-only views: ``model.provider_of[e] = x`` raises.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Generic, TypeVar

import numpy as np

from commsim.agents import OwnersCommittee, PropertyFirm, SelfManagement, ServiceProvider

if TYPE_CHECKING:
    from commsim.model import CommunityModel
    from commsim.scenario import Scenario

T = TypeVar("T")

#: firms' revenue expectation on entry before any month has been recorded (assumption;
#: the burn-in removes its trace)
INITIAL_COLLECTION = 0.75

#: fee caps by rule and estate type (yuan/m2/month); Chongqing 2024 (EMPIRICAL_TARGETS): with
#: lift 1.0-1.9, without lift 0.6-1.35. commsim has no lifts: commercial and resettlement estates
#: count as estates with lifts, old and work-unit estates as estates without (an assumption).
FEE_CAPS: dict[str, dict[str, float]] = {
    "none": {},
    "chongqing_2024": {"commercial": 1.9, "resettlement": 1.9, "old": 1.35, "work_unit": 1.35},
}


class ReadOnlyList(Sequence[T], Generic[T]):
    """A read-only view of a list owned by :class:`Institutions` (indexing, iteration, len)."""

    __slots__ = ("_items",)

    def __init__(self, items: list[T]):
        self._items = items

    def __getitem__(self, index):  # type: ignore[override]
        return self._items[index]

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[T]:
        return iter(self._items)

    def __repr__(self) -> str:
        return f"ReadOnlyList({self._items!r})"


class Institutions:
    """Owner of the estate -> provider and estate -> owners' committee assignments.

    Args:
        model: the model whose estates, households and month state it updates.
    """

    def __init__(self, model: CommunityModel):
        self.model = model
        n = model.estates.n
        self._provider_of: list[ServiceProvider | None] = [None] * n
        self._committee_of: list[OwnersCommittee | None] = [None] * n
        self.provider_of: ReadOnlyList[ServiceProvider | None] = ReadOnlyList(self._provider_of)
        self.committee_of: ReadOnlyList[OwnersCommittee | None] = ReadOnlyList(self._committee_of)
        #: counts every change of an estate's provider or committee (keys the cached views below)
        self.version = 0
        self._views: tuple[int, list, np.ndarray, np.ndarray] | None = None

    def _cached_views(self) -> tuple[int, list, np.ndarray, np.ndarray]:
        """(version, distinct providers, has provider, has committee), rebuilt after a change."""
        views = self._views
        if views is None or views[0] != self.version:
            seen: dict[int, ServiceProvider] = {}
            for provider in self._provider_of:
                if provider is not None and provider.unique_id not in seen:
                    seen[provider.unique_id] = provider
            n = len(self._provider_of)
            views = self._views = (
                self.version, list(seen.values()),
                np.fromiter((p is not None for p in self._provider_of), dtype=bool, count=n),
                np.fromiter((c is not None for c in self._committee_of), dtype=bool, count=n),
            )
        return views

    def has_provider(self) -> np.ndarray:
        """Per estate: whether a provider serves it (a new array)."""
        return self._cached_views()[2].copy()

    def has_committee(self) -> np.ndarray:
        """Per estate: whether it has an owners' committee (a new array)."""
        return self._cached_views()[3].copy()

    # --- providers -------------------------------------------------------------------
    def providers(self) -> list[ServiceProvider]:
        """Distinct providers serving at least one estate, in order of first estate (a new list)."""
        return list(self._cached_views()[1])

    def award(self, provider: ServiceProvider, *, expected_collection: float | None = None,
              trust: float | None = None, entry: bool = False, fee: float | None = None) -> ServiceProvider:
        """Make ``provider`` serve its estates, which must have no other provider.

        Args:
            provider: a new provider whose ``estates`` lists the estates awarded.
            expected_collection: the revenue share it expects on entry; default: the estates'
                last collection rate (0.75 before the first month).
            trust: if given, households of these estates start with this trust in it.
            entry: count the award as a firm entry in the month's state.
            fee: the contract fee (yuan/m2/month) agreed, e.g. a tender's bid; default: the
                provider's offer (:meth:`ServiceProvider.offer_fee`). The fee cap holds.

        Returns:
            ``provider``.
        """
        model = self.model
        est = model.estates
        for e in provider.estates:
            current = self._provider_of[e]
            if current is not None and current is not provider:
                raise RuntimeError(f"estate {est.names[e]} already has a provider")
            self._provider_of[e] = provider
            self.version += 1
            self._set_fee(e, provider.offer_fee(e) if fee is None else fee)
            est.contract_end[e] = model.month + int(model.p.contract_term_months)
            model.supervision.end_deterrence(e)
            model.market.vacancies.discard(e)
        if expected_collection is None:
            rates = est.collection_rate[provider.estates]
            expected_collection = float(rates.mean()) if model.month > 0 else INITIAL_COLLECTION
        provider.entered_month = model.month
        provider.start(expected_collection)
        if trust is not None:
            self.reset_trust(provider.estates, trust)
        if entry:
            model.state.firm_entries[provider.estates] += 1
        return provider

    def extend(self, provider: ServiceProvider, estates: Sequence[int], *, trust: float | None = None,
               fee: float | None = None, entry: bool = False) -> None:
        """``provider`` takes over ``estates`` too (releasing their current providers).

        Each estate gets ``fee`` if given (a tender's bid), else keeps its contract fee (or gets
        the provider's offer if it never had one), and starts a new term; ``entry`` counts a
        firm entry in each. The provider's revenue expectation grows by the estates' fees at
        their last collection rate and its cash by its entry reserve on the added cost
        (``firm_initial_cash_months``).
        """
        model = self.model
        est = model.estates
        old_cost = provider.full_cost()
        moved = [int(e) for e in estates if self._provider_of[e] is not provider]
        for e in moved:
            current = self._provider_of[e]
            if current is not None:
                self.release(current, e)
            provider.estates.append(e)
            self._provider_of[e] = provider
            self.version += 1
            if fee is not None:
                self._set_fee(e, fee)
            else:
                self._set_fee(e, est.contract_fee[e] if est.contract_fee[e] > 0 else provider.offer_fee(e))
            est.contract_end[e] = model.month + int(model.p.contract_term_months)
            model.supervision.end_deterrence(e)
            model.market.vacancies.discard(e)
            provider.expected_revenue += provider.charged_fee(e) * est.area_total[e] * est.collection_rate[e]
        provider.cash += model.p.firm_initial_cash_months * (provider.full_cost() - old_cost)
        if trust is not None:
            self.reset_trust(moved, trust)
        if entry:
            model.state.firm_entries[moved] += 1

    def remove(self, provider: ServiceProvider) -> None:
        """``provider`` leaves every estate it serves (a market firm stays a potential entrant;
        any other provider leaves the model). The estates are vacant until someone is awarded
        them (``model.market.vacancies``)."""
        for e in provider.estates:
            self._provider_of[e] = None
            self.version += 1
            self.model.market.vacancies.add(e)
        provider.estates = []
        self._retire(provider)

    def _retire(self, provider: ServiceProvider) -> None:
        if isinstance(provider, PropertyFirm):
            provider.expected_revenue = provider.revenue = provider.spending = provider.effort = 0.0
            provider.loss_months = 0
            return
        provider.remove()

    def release(self, provider: ServiceProvider, e: int) -> None:
        """``provider`` stops serving estate ``e`` (and leaves the street if it serves no other)."""
        if len(provider.estates) <= 1:
            self.remove(provider)
        else:
            provider.estates = [x for x in provider.estates if x != e]
            self._provider_of[e] = None
            self.version += 1
            self.model.market.vacancies.add(e)

    def exit(self, provider: ServiceProvider) -> None:
        """A provider withdraws over losses: counted as an exit in each estate it served (and a
        strike on a firm's street record); the estates are vacant for the market."""
        self.model.state.firm_exits[provider.estates] += 1
        if isinstance(provider, PropertyFirm):
            self.model.market.strike(provider, "exit")
        self.remove(provider)

    def dismiss(self, firm: ServiceProvider, e: int, replacement: ServiceProvider | None = None, *,
                counted: bool = True, fee: float | None = None) -> ServiceProvider | None:
        """Owners (``counted``: by their vote) or a regulator end ``firm``'s contract in estate ``e``.

        A dismissal by owners' vote is counted in ``firm_dismissals``; one by a regulator (e.g. a
        blacklist, a failed review) in ``firm_replacements``; either is a strike on a market
        firm's record. ``replacement`` (a new provider for estate ``e``, at ``fee`` if given)
        takes over at once, and households start with ``trust_new_firm`` in it; without one the
        estate is vacant until the market fills it (``model.market.fill``).
        """
        state = self.model.state
        (state.firm_dismissals if counted else state.firm_replacements)[e] += 1
        if isinstance(firm, PropertyFirm):
            self.model.market.strike(firm, "dismissed" if counted else "replaced")
        self.release(firm, e)
        if replacement is None:
            return None
        return self.award(replacement, trust=self.model.p.trust_new_firm, fee=fee)

    # --- contracts and fees ------------------------------------------------------------------
    def renew(self, e: int, months: int | None = None) -> None:
        """Estate ``e``'s contract runs another term (``contract_term_months``, or ``months``):
        renewed by owners, or continued without their decision (Civil Code art. 948)."""
        term = int(self.model.p.contract_term_months) if months is None else int(months)
        self.model.estates.contract_end[e] = self.model.month + term

    def fee_cap(self, e: int) -> float:
        """The highest contract fee allowed in estate ``e`` (inf without a cap)."""
        caps = FEE_CAPS[self.model.p.fee_cap]
        return caps.get(self.model.estates.type_name(e), float("inf"))

    def _set_fee(self, e: int, fee: float) -> bool:
        est = self.model.estates
        new = min(float(fee), self.fee_cap(e))
        if new < 0:
            raise ValueError("a contract fee cannot be negative")
        changed = est.contract_fee[e] > 0 and abs(new - est.contract_fee[e]) > 1e-12
        est.contract_fee[e] = new
        if changed:
            self.model.state.fee_changes[e] += 1
        return changed

    def change_fee(self, e: int, fee: float) -> float:
        """Set estate ``e``'s contract fee to ``fee`` (capped) after the owners agreed (a vote)
        or the fee falls; the provider's revenue expectation follows. Returns the new fee.

        Callers decide whether a change needs the owners' vote (a rise does: Civil Code art.
        278); this method only records it and keeps the cap.
        """
        est = self.model.estates
        old = float(est.contract_fee[e])
        self._set_fee(e, fee)
        provider = self._provider_of[e]
        if provider is not None and old > 0:
            provider.expected_revenue += (est.contract_fee[e] - old) * est.area_total[e] * est.collection_rate[e]
        return float(est.contract_fee[e])

    def reset_trust(self, estates: Sequence[int], trust: float) -> None:
        """Households of ``estates`` start with ``trust`` in a provider new to them (through the
        model's ``set_trust``: arrays here, agents in the reference model)."""
        self.model.set_trust(estates, trust)

    # --- owners' committees ----------------------------------------------------------------
    def form_committee(self, e: int, participation_share: float) -> OwnersCommittee:
        """An owners' committee forms in estate ``e`` (elected by an owners' assembly); its
        activity follows the owners' participation share (``OwnersCommittee.update_activity``)."""
        if self._committee_of[e] is not None:
            raise RuntimeError(f"estate {self.model.estates.names[e]} already has an owners' committee")
        committee = OwnersCommittee(self.model, e)
        committee.update_activity(participation_share)
        self._committee_of[e] = committee
        self.version += 1
        self.model.state.committees_formed[e] += 1
        return committee

    def dissolve_committee(self, e: int) -> None:
        """Estate ``e``'s owners' committee lapses."""
        committee = self._committee_of[e]
        if committee is None:
            raise RuntimeError(f"estate {self.model.estates.names[e]} has no owners' committee")
        self._committee_of[e] = None
        self.version += 1
        committee.remove()
        self.model.state.committees_lapsed[e] += 1

    def reelect_committee(self, e: int) -> None:
        """Estate ``e``'s owners re-elected their committee: a new term starts."""
        committee = self._committee_of[e]
        if committee is None:
            raise RuntimeError(f"estate {self.model.estates.names[e]} has no owners' committee")
        committee.term_end = self.model.month + int(self.model.p.oc_term_months)

    def _seat_committee(self, e: int, term_end: int | None = None) -> OwnersCommittee:
        """A committee that exists when the run starts (not counted as a formation)."""
        committee = OwnersCommittee(self.model, e, term_end=term_end)
        self._committee_of[e] = committee
        self.version += 1
        return committee

    # --- money -----------------------------------------------------------------------------
    def pay_subsidy(self, e: int, yuan: float) -> None:
        """Public money paid to estate ``e``'s provider as part of households' fees (a fee
        subsidy): provider revenue, fee collection and public cost."""
        self.model.state.subsidies[e] += yuan
        self.model.add_public_cost(yuan, estate=e)

    def pay_grant(self, e: int, yuan: float) -> None:
        """Public money paid to estate ``e``'s provider toward its costs (a top-up or deficit
        grant): provider revenue and public cost, but not fees collected."""
        self.model.state.grants[e] += yuan
        self.model.add_public_cost(yuan, estate=e)

    def fine(self, provider: ServiceProvider, yuan: float, e: int) -> None:
        """A regulator fines ``provider`` ``yuan`` (from its cash, as from a credit deposit),
        attributed to estate ``e``; it shows in the month's provider profit."""
        provider.cash -= yuan
        self.model.state.provider_profit[e] -= yuan

    # --- households v2 (issue 11): collection of arrears ------------------------------------
    def charge_collection(self, e: int, yuan: float) -> None:
        """Estate ``e``'s provider spends ``yuan`` collecting arrears (staff time, suits): part of
        its spending this month, so it shows in its profit; recorded as ``collection_cost``."""
        provider = self._provider_of[e]
        if provider is None:
            raise RuntimeError(f"estate {self.model.estates.names[e]} has no provider to collect arrears")
        provider.spending += yuan
        self.model.state.collection_cost[e] += yuan

# --- the start of a run (shared with the per-agent reference model) ------------------------------
def set_up_institutions(model: CommunityModel, scenario: Scenario) -> None:
    """Committees (as the scenario says, else drawn by estate type) and providers at the start.

    A committee's term and a firm's contract are part-way through when the run starts: the
    months left are drawn uniformly (streams ``committee_term`` and ``market:contract``). Firms'
    traits are drawn per estate (``Market.new_firm``). An estate with ``owners_committee``
    absent has a committee with chance ``oc_initial_share_<type>`` (stream ``committee_initial``).
    """
    p, inst, streams = model.p, model.institutions, model.streams
    for e, (_, _, estate) in enumerate(scenario.estates()):
        seat = estate.owners_committee
        if seat is None:
            share = p[f"oc_initial_share_{model.estates.type_name(e)}"]
            seat = estate.management == "self" or bool(streams.once("committee_initial", e).random() < share)
        if seat:
            left = int(streams.once("committee_term", e).integers(1, int(p.oc_term_months) + 1))
            inst._seat_committee(e, term_end=left)
        if estate.management == "firm":
            inst.award(model.market.new_firm([e], 0, e))
            inst.renew(e, int(streams.once("market:contract", e).integers(1, int(p.contract_term_months) + 1)))
        elif estate.management == "self":
            inst.award(SelfManagement(model, [e]))
    model.market.vacancies.clear()


def start_committees(model: CommunityModel) -> None:
    """Organisers, committee activity and supervision as the first month finds them (after
    participation has been initialised)."""
    est = model.estates
    est.participation_owner[:] = model.owners_taking_part()
    est.organisers[:] = model.organisers()
    owners = model.owner_counts()
    for committee in model.committee_of:
        if committee is not None:
            e = committee.estate
            committee.update_activity(est.participation_owner[-1, e] / owners[e] if owners[e] > 0 else 0.0)
            if model.provider_of[e] is not None:
                model.supervision.supply(e, committee.supervision_hours(), "owners_committee")
    model.supervision.new_month()
    model.state.reset()
