"""Institutions: who serves each estate, its owners' committee, and public money to providers.

:class:`Institutions` is the only way to change these. Processes and policies *ask* it to award
an estate to a provider, release or dismiss one, form or dissolve an owners' committee, pay a
fee subsidy or a grant, or fine a provider; it keeps the invariants in one place:

- at most one provider per estate, and a provider's ``estates`` list agrees with ``provider_of``;
- households' trust starts afresh (``trust_new_firm``) when a new provider takes over, where
  the caller says the owners meet a newcomer (``trust=``);
- every entry, exit, dismissal, replacement, committee formation and lapse is counted in the
  month's state (``MonthState``), so the recorder sees them whoever caused them;
- public money (subsidies, grants) is provider revenue *and* public cost, booked together.

``provider_of`` and ``committee_of`` are read-only views: ``model.provider_of[e] = x`` raises.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Generic, TypeVar

from commsim.agents import OwnersCommittee, ServiceProvider

if TYPE_CHECKING:
    from commsim.model import CommunityModel

T = TypeVar("T")

#: firms' revenue expectation on entry before any month has been recorded (assumption;
#: the burn-in removes its trace)
INITIAL_COLLECTION = 0.75


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

    # --- providers -------------------------------------------------------------------
    def providers(self) -> list[ServiceProvider]:
        """Distinct providers serving at least one estate, in order of first estate."""
        seen: dict[int, ServiceProvider] = {}
        for provider in self._provider_of:
            if provider is not None and provider.unique_id not in seen:
                seen[provider.unique_id] = provider
        return list(seen.values())

    def award(self, provider: ServiceProvider, *, expected_collection: float | None = None,
              trust: float | None = None, entry: bool = False) -> ServiceProvider:
        """Make ``provider`` serve its estates, which must have no other provider.

        Args:
            provider: a new provider whose ``estates`` lists the estates awarded.
            expected_collection: the revenue share it expects on entry; default: the estates'
                last collection rate (0.75 before the first month).
            trust: if given, households of these estates start with this trust in it.
            entry: count the award as a firm entry in the month's state.

        Returns:
            ``provider``.
        """
        model = self.model
        for e in provider.estates:
            current = self._provider_of[e]
            if current is not None and current is not provider:
                raise RuntimeError(f"estate {model.estates.names[e]} already has a provider")
            self._provider_of[e] = provider
        if expected_collection is None:
            rates = model.estates.collection_rate[provider.estates]
            expected_collection = float(rates.mean()) if model.month > 0 else INITIAL_COLLECTION
        provider.start(expected_collection)
        if trust is not None:
            self.reset_trust(provider.estates, trust)
        if entry:
            model.state.firm_entries[provider.estates] += 1
        return provider

    def extend(self, provider: ServiceProvider, estates: Sequence[int], *, trust: float | None = None) -> None:
        """``provider`` takes over ``estates`` too (releasing their current providers).

        Its revenue expectation grows by the estates' fees at their last collection rate and
        its cash by its entry reserve on the added cost (``firm_initial_cash_months``).
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
            provider.expected_revenue += provider.charged_fee(e) * est.area_total[e] * est.collection_rate[e]
        provider.cash += model.p.firm_initial_cash_months * (provider.full_cost() - old_cost)
        if trust is not None:
            self.reset_trust(moved, trust)

    def remove(self, provider: ServiceProvider) -> None:
        """``provider`` leaves every estate it serves and the model."""
        for e in provider.estates:
            self._provider_of[e] = None
        provider.estates = []
        provider.remove()

    def release(self, provider: ServiceProvider, e: int) -> None:
        """``provider`` stops serving estate ``e`` (and leaves the model if it serves no other)."""
        if len(provider.estates) <= 1:
            self.remove(provider)
        else:
            provider.estates = [x for x in provider.estates if x != e]
            self._provider_of[e] = None

    def exit(self, provider: ServiceProvider) -> None:
        """A provider withdraws over losses: counted as an exit in each estate it served."""
        self.model.state.firm_exits[provider.estates] += 1
        self.remove(provider)

    def dismiss(self, firm: ServiceProvider, e: int, replacement: ServiceProvider, *,
                counted: bool = True) -> ServiceProvider:
        """Owners (``counted``: by their vote) or a regulator end ``firm``'s contract in estate ``e``.

        ``replacement`` (a new provider for estate ``e``) takes over at once, and households
        start with ``trust_new_firm`` in it. A dismissal by owners' vote is counted in
        ``firm_dismissals``; one by a regulator (e.g. a blacklist) in ``firm_replacements``.
        """
        state = self.model.state
        (state.firm_dismissals if counted else state.firm_replacements)[e] += 1
        self.release(firm, e)
        return self.award(replacement, trust=self.model.p.trust_new_firm)

    def reset_trust(self, estates: Sequence[int], trust: float) -> None:
        """Households of ``estates`` start with ``trust`` in a provider new to them."""
        est, hh = self.model.estates, self.model.households
        for e in estates:
            hh.trust[est.start[e]:est.stop[e]] = trust

    # --- owners' committees ----------------------------------------------------------------
    def form_committee(self, e: int, participation_share: float) -> OwnersCommittee:
        """An owners' committee forms in estate ``e``; its activity follows the owners'
        participation share (``OwnersCommittee.update_activity``)."""
        if self._committee_of[e] is not None:
            raise RuntimeError(f"estate {self.model.estates.names[e]} already has an owners' committee")
        committee = OwnersCommittee(self.model, e)
        committee.update_activity(participation_share)
        self._committee_of[e] = committee
        self.model.state.committees_formed[e] += 1
        return committee

    def dissolve_committee(self, e: int) -> None:
        """Estate ``e``'s owners' committee lapses."""
        committee = self._committee_of[e]
        if committee is None:
            raise RuntimeError(f"estate {self.model.estates.names[e]} has no owners' committee")
        self._committee_of[e] = None
        committee.remove()
        self.model.state.committees_lapsed[e] += 1

    def _seat_committee(self, e: int) -> OwnersCommittee:
        """A committee that exists when the run starts (not counted as a formation)."""
        committee = OwnersCommittee(self.model, e)
        self._committee_of[e] = committee
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
