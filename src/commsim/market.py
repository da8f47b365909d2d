"""The market for managing estates: firms, their street records, bids and what owners choose from.

``model.market`` holds what outlives a month:

- **firms**: every :class:`~commsim.agents.PropertyFirm` is a Mesa agent
  (``model.agents_by_type[PropertyFirm]``); a firm serving no estate of the street is a potential
  entrant. Before a tender the pool of idle firms is topped up to ``market_entrants`` with new
  firms whose traits (cost efficiency, quality orientation, size) are drawn from the market's
  own streams (:meth:`Market.new_firm`);
- **records**: each firm's street record (:class:`Record`): the effort it delivered month by
  month, published ratings (``rate``), strikes (``strike``: dismissed, withdrew, caught shirking,
  penalised) and the blacklist (``blacklist``). Its **reputation** (expected effort 0-1) is the
  record's mean effort shrunk toward ``reputation_prior`` less ``reputation_strike_penalty`` per
  strike; a blacklisted firm never bids;
- **options a policy offers** (:meth:`Market.offer`): a policy registers an alternative to a
  firm (a basic-service station, dedicated staff) with its eligibility, fee, expected effort and
  a factory; the market puts it before owners (or the residents' committee) like any bid. A
  policy never installs by fiat what the owners choose.

:meth:`Market.options` lists, for an estate, the bids of the firms that serve estates of its
community and of the entrant pool (each if it can cover its cost at a fee within the cap), self-management (where an active committee can run it) and the policies'
options; :meth:`Market.choose` scores them, and keeping what the estate has (its provider, or no
management: :meth:`Market.incumbent`), as owners do: expected quality (expected effort x the
estate's infrastructure; this month's quality for the incumbent, ``unmanaged_quality`` for none)
- ``owners_price_weight`` x fee / guided fee (- ``self_management_reluctance`` for running the
estate themselves) + Gumbel noise of scale ``owners_choice_noise``. The monthly
procedure that uses these (vacancies, dismissals, contract ends, fee requests) is
``commsim.processes.market``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from commsim.agents import PropertyFirm, SelfManagement, ServiceProvider
from commsim.streams import name_key

if TYPE_CHECKING:
    from commsim.model import CommunityModel


@dataclass
class Record:
    """A firm's record in the street."""

    months: float = 0.0  # estate-months of observed service (ratings count as several)
    effort_sum: float = 0.0
    strikes: int = 0
    blacklisted: bool = False
    events: list[tuple[int, str]] = field(default_factory=list)  # (month, what)


@dataclass(frozen=True)
class Offered:
    """An option a policy offers the market (see :meth:`Market.offer`)."""

    name: str
    eligible: Callable[[int], bool]
    fee: Callable[[int], float]
    effort: Callable[[int], float]
    make: Callable[[int], ServiceProvider]
    street_arranged: bool = True


@dataclass
class Option:
    """One alternative for an estate: a firm's bid, self-management, a policy's option, or keeping
    the current provider (``incumbent``)."""

    kind: str  # "firm", "self", an offered option's name, or "incumbent"
    fee: float
    quality: float  # expected quality 0-1 (expected effort x infrastructure)
    make: Callable[[], ServiceProvider] | None = None
    firm: PropertyFirm | None = None
    street_arranged: bool = False
    score: float = 0.0


class Market:
    """Firms' records, the entrant pool and the options policies offer (``model.market``)."""

    def __init__(self, model: CommunityModel):
        self.model = model
        self.records: dict[int, Record] = {}
        self.offered: dict[str, Offered] = {}
        n = model.estates.n
        est = model.estates
        self.neighbours = [np.flatnonzero(est.community == c).tolist() for c in range(est.n_communities)]
        self.last_fee_vote = np.full(n, -10**6, dtype=np.int64)
        self.vacancies: set[int] = set()  # estates left without a provider, to be filled

    # --- firms and their records -----------------------------------------------------------
    def new_firm(self, estates: list[int], *key: int) -> PropertyFirm:
        """A new firm (not yet awarded anything) with traits drawn from stream ``market:firm``
        keyed by ``key`` (e.g. month and estate): cost efficiency, quality orientation, size."""
        p = self.model.p
        rng = self.model.streams.keyed("market:firm", *key)  # == once(...); drawn here
        efficiency = float(np.exp(p.firm_efficiency_sd * rng.standard_normal()))
        orientation = float(rng.random())
        portfolio = float(p.firm_portfolio_median_m2 * np.exp(p.firm_portfolio_sd_log * rng.standard_normal()))
        return PropertyFirm(self.model, list(estates), efficiency=efficiency, orientation=orientation,
                            portfolio_m2=portfolio)

    def record(self, firm: PropertyFirm) -> Record:
        """The street record of ``firm`` (created empty)."""
        return self.records.setdefault(firm.unique_id, Record())

    def reputation(self, firm: PropertyFirm) -> float:
        """Expected effort (0-1) owners attribute to ``firm`` from its record."""
        p = self.model.p
        r = self.record(firm)
        k = p.reputation_prior_months
        mean = (k * p.reputation_prior + r.effort_sum) / (k + r.months)
        return float(min(1.0, max(0.0, mean - p.reputation_strike_penalty * r.strikes)))

    def strike(self, firm: PropertyFirm, why: str) -> None:
        """A strike on ``firm``'s record (dismissed, exit, finding, penalised, ...)."""
        r = self.record(firm)
        r.strikes += 1
        r.events.append((self.model.month, why))

    def rate(self, firm: PropertyFirm, rating: float, weight_months: float = 6.0) -> None:
        """A published rating (0-1) of ``firm`` enters its record as ``weight_months`` of service
        at that level (e.g. Cangzhou's half-yearly ratings)."""
        r = self.record(firm)
        r.months += weight_months
        r.effort_sum += weight_months * float(rating)

    def blacklist(self, firm: PropertyFirm) -> None:
        """Put ``firm`` on the street's blacklist: it bids for no estate again."""
        r = self.record(firm)
        r.blacklisted = True
        r.events.append((self.model.month, "blacklisted"))

    def is_blacklisted(self, firm: PropertyFirm) -> bool:
        """Whether ``firm`` is on the street's blacklist."""
        r = self.records.get(firm.unique_id)
        return r is not None and r.blacklisted

    def observe(self) -> None:
        """Add this month's delivered effort of every firm, estate by estate, to its record."""
        effort = self.model.estates.effort
        for provider in self.model.providers():
            if isinstance(provider, PropertyFirm):
                r = self.record(provider)
                r.months += len(provider.estates)
                r.effort_sum += float(effort[provider.estates].sum())

    def firms(self) -> list[PropertyFirm]:
        """Every firm agent of the model (serving estates of the street or idle)."""
        return list(self.model.agents_by_type[PropertyFirm]) if PropertyFirm in self.model.agents_by_type else []

    def entrants(self, e: int) -> list[PropertyFirm]:
        """Idle firms that may bid for estate ``e``: the pool, topped up to ``market_entrants``
        non-blacklisted firms with new draws keyed by (month, estate); the pool is trimmed to
        twice that (oldest idle firms leave)."""
        want = int(self.model.p.market_entrants)
        idle = [f for f in self.firms() if not f.estates and not self.is_blacklisted(f)]
        k = 0
        while len(idle) < want:
            idle.append(self.new_firm([], self.model.month, e, k))
            k += 1
        for f in idle[: max(0, len(idle) - 2 * want)]:
            f.remove()
        return idle[max(0, len(idle) - 2 * want):]

    # --- options ------------------------------------------------------------------------------
    def offer(self, name: str, *, eligible: Callable[[int], bool], fee: Callable[[int], float],
              effort: Callable[[int], float], make: Callable[[int], ServiceProvider],
              street_arranged: bool = True) -> None:
        """Register an option a policy offers estates (a station, dedicated staff, ...).

        Args:
            name: the option's name (its ``kind`` in choices).
            eligible: whether estate ``e`` may have it now (e.g. the policy is active, old estate).
            fee: the fee (yuan/m2/month) owners would pay.
            effort: the effort (0-1) owners expect from it.
            make: builds the provider for estate ``e`` (not yet awarded).
            street_arranged: the residents' committee or street may arrange it where owners have
                no committee or could not decide (public basic service); otherwise only owners
                choose it.
        """
        self.offered[name] = Offered(name, eligible, fee, effort, make, street_arranged)

    def bid_fee(self, firm: PropertyFirm, e: int) -> float | None:
        """The fee at which ``firm`` would serve estate ``e`` (covering the extra full cost and its
        margin at the estate's last collection rate), capped; None if at the capped fee it could
        not even cover its fixed-cost share of that cost."""
        est, p = self.model.estates, self.model.p
        area = float(est.area_total[e])
        if area <= 0:
            return None
        cost = firm.cost_of([*firm.estates, e]) - firm.cost_of(list(firm.estates))
        collection = max(0.05, float(est.collection_rate[e]))
        needed = cost / (area * collection * (1.0 - firm.margin))
        fee = min(needed, self.model.institutions.fee_cap(e))
        if fee * area * collection < p.firm_fixed_cost_share * cost:
            return None
        return float(fee)

    def local_firms(self, e: int) -> list[PropertyFirm]:
        """Firms serving another estate of ``e``'s community (each once, in estate order)."""
        seen: dict[int, PropertyFirm] = {}
        for x in self.neighbours[int(self.model.estates.community[e])]:
            f = self.model.provider_of[x]
            if isinstance(f, PropertyFirm) and x != e and e not in f.estates:
                seen.setdefault(f.unique_id, f)
        return list(seen.values())

    def options(self, e: int, *, exclude: ServiceProvider | None = None, committee: bool = True) -> list[Option]:
        """Every alternative for estate ``e``: bids of the firms serving estates of its community
        and of the entrant pool (``exclude`` does not bid), self-management (owners with an
        active committee only), and the policies' options."""
        model, p, est = self.model, self.model.p, self.model.estates
        infra = float(est.infrastructure[e])
        out: list[Option] = []
        bidders = [f for f in self.local_firms(e) if f is not exclude]
        bidders += [f for f in self.entrants(e) if f is not exclude]
        for firm in bidders:
            if self.is_blacklisted(firm):
                continue
            fee = self.bid_fee(firm, e)
            if fee is not None:
                out.append(Option("firm", fee, self.reputation(firm) * infra, firm=firm))
        oc = model.committee_of[e]
        current = model.provider_of[e]
        if committee and oc is not None and oc.activity >= p.self_management_min_activity \
                and not isinstance(current, SelfManagement):
            fee = min(float(est.fee[e]) * p.self_management_fee_share, model.institutions.fee_cap(e))
            out.append(Option("self", fee, p.self_management_quality_cap * infra,
                              make=lambda: SelfManagement(model, [e])))
        for name, o in self.offered.items():
            if isinstance(current, ServiceProvider) and current.kind == name:
                continue
            if (committee or o.street_arranged) and o.eligible(e):
                out.append(Option(name, float(o.fee(e)), float(o.effort(e)) * infra,
                                  make=lambda o=o: o.make(e), street_arranged=o.street_arranged))
        return out

    def incumbent(self, e: int) -> Option:
        """Keeping what estate ``e`` has: its current provider as owners see it (this month's
        quality, its fee), or no management (``unmanaged_quality``, no fee)."""
        provider = self.model.provider_of[e]
        if provider is None:
            return Option("none", 0.0, float(self.model.p.unmanaged_quality))
        return Option("incumbent", float(self.model.estates.contract_fee[e]), float(self.model.estates.quality[e]),
                      firm=provider if isinstance(provider, PropertyFirm) else None)

    def choose(self, e: int, options: list[Option], purpose: str) -> Option | None:
        """The option owners score best for estate ``e`` (None if there is none)."""
        if not options:
            return None
        p, est = self.model.p, self.model.estates
        guided = float(est.fee[e]) if est.fee[e] > 0 else 1.0
        rng = self.model.streams.keyed("market:choice", self.model.month, e, name_key(purpose))  # == once(...)
        noise = rng.gumbel(0.0, 1.0, len(options)) * p.owners_choice_noise
        for o, eps in zip(options, noise, strict=True):
            reluctance = p.self_management_reluctance if o.kind == "self" else 0.0
            o.score = o.quality - p.owners_price_weight * o.fee / guided - reluctance + float(eps)
        return max(options, key=lambda o: o.score)

    def build(self, option: Option, e: int) -> ServiceProvider:
        """The provider an option stands for, for estate ``e`` (not yet awarded)."""
        if option.firm is not None and option.kind == "firm":
            if not option.firm.estates:
                option.firm.estates = [e]
            return option.firm
        assert option.make is not None
        return option.make()
