"""Suzhou classified property management (分类管理): seeds/004 (proposal no. 007 and reply, 2012).

"可以实行小区分类物业管理机制, 对商品房等舒适型小区采用市场化的物业管理机制, 而对其他保障型、改善型小区
则实行政府保障型物业管理机制" (proposal); "继续推行和完善'市场归市场、保障归保障'的分类管理机制" (reply).

commsim's estate types stand in for the classes: commercial estates (商品房, 舒适型) are the market
class; old estates (改善型) and resettlement estates (安置房, a kind of 保障性住房) are the guaranteed
class by default (``guaranteed_types``). Mechanisms:

- market pricing: every ``price_review_months`` a market firm serving only market-class estates
  proposes a new contract fee for each of its estates, toward the price at which its expected
  revenue covers full-effort cost and its margin, moving at most ``price_step_max`` per review
  and staying within ``price_band`` of the guided price. A fee change is the owners' decision
  (Civil Code art. 278): a cut applies at once, a rise only if the owners consent by vote
  (``processes.market.request_fee_change``; the core fee cap holds). Cost does not follow the
  price (cost is set per m2 by the guided fee), so the price change reaches effort and, through
  the burden term, payment.
- government-guaranteed service: for guaranteed estates the street offers (``model.market.offer``,
  from ``setup_months`` after the start: the street has set up the guarantee, its budget and its
  provider) a :class:`GuaranteedService` provider (one per estate, no exit, not subject to
  dismissal votes) that charges ``guaranteed_fee_share`` of the guided fee and delivers at least
  ``standard_effort`` (more only as far as owners' payments cover it). Who decides is who decides
  on any provider: the street arranges it for an estate left without one (``cover_unmanaged``:
  also estates unmanaged at the start); owners with a committee weigh it in their tenders
  (vacancies, contract ends, dismissals, reviews) and need a passed vote; where a firm's
  contract ends in an estate without a committee, the residents' committee convenes the owners
  (``switch_vote_worker_hours`` of community workers) and a passed vote (Civil Code art. 278;
  ``replace``: the dissatisfied consent) ends the firm's contract - a firm under contract is
  never displaced by fiat. Each month the government pays ``deficit_coverage`` of the gap between
  the standard's cost and the provider's revenue (payments, fee subsidies and other grants) as a
  grant, and community workers spend ``oversight_hours`` per guaranteed estate checking the
  standard and the accounts (属地管理, seeds/004 reply). Self-managed estates keep their owners'
  choice.
"""

from __future__ import annotations

import numpy as np

from commsim.agents import PropertyFirm, ServiceProvider
from commsim.params import SEED_SUZHOU, Param
from commsim.policies.base import Policy, policy_param, switch
from commsim.policies.registry import register_policy
from commsim.processes.assemblies import hold_vote
from commsim.processes.market import award_option, request_fee_change

A = "assumption"
GUARANTEED = {
    "old_resettlement": ("old", "resettlement"),
    "old_resettlement_work_unit": ("old", "resettlement", "work_unit"),
    "old": ("old",),
    "none": (),
}


PARAMETERS: tuple[Param, ...] = (
    policy_param("guaranteed_types", "old_resettlement", "choice", None,
                 f"assumption; 保障型、改善型 mapped to estate types ({SEED_SUZHOU})",
                 "Estate types under government-guaranteed service ('none': market pricing only); other non-commercial types stay as they are.",
                 kind="choice", choices=tuple(GUARANTEED)),
    policy_param("standard_effort", 0.75, "0-1 effort", (0.6, 0.9), A,
       "Service effort the government guarantees in guaranteed estates (quality = effort x infrastructure).", bounds=(0.0, 1.0)),
    policy_param("deficit_coverage", 1.0, "share of deficit", (0.5, 1.0), f"assumption; 保障归保障 ({SEED_SUZHOU})",
       "Share of the monthly gap between the guaranteed standard's cost and a guaranteed provider's revenue the government pays.", bounds=(0.0, 1.0)),
    policy_param("guaranteed_fee_share", 1.0, "share of guided fee", (0.6, 1.0), A,
       "Fee charged in guaranteed estates, as a share of the scenario (guided) fee.", bounds=(0.0, 2.0)),
    switch("cover_unmanaged", "Guaranteed-type estates unmanaged at the start may get a guaranteed provider the street arranges (and start paying its fee).", A),
    policy_param("switch_vote_worker_hours", 12.0, "worker-hours/vote", (6.0, 30.0), A,
       "Community-worker hours to convene the owners of an estate without a committee to vote on guaranteed service at a firm's contract end.",
       bounds=(0.0, 1000.0)),
    policy_param("oversight_hours", 4.0, "worker-hours/guaranteed estate/month", (2.0, 10.0),
       f"assumption; the street and community guide and supervise (属地管理, {SEED_SUZHOU} reply)",
       "Community-worker hours a month checking a guaranteed provider's standard and accounts.", bounds=(0.0, 1000.0)),
    switch("market_pricing", "Market firms of commercial estates set their own price (市场化).", SEED_SUZHOU),
    policy_param("price_review_months", 12, "months", (6, 24), A, "Months between a market firm's price reviews.",
       kind="int", bounds=(1, 120)),
    policy_param("price_step_max", 0.1, "share of current price", (0.05, 0.2), A,
       "Largest price change at one review (owners' resistance, contract renewal).", bounds=(0.0, 1.0)),
    policy_param("price_band", 0.5, "share of guided price", (0.2, 0.9), A,
       "Market prices stay within guided price x (1 +/- band).", bounds=(0.0, 0.99)),
)


class GuaranteedService(ServiceProvider):
    """Property service the government guarantees (政府保障型): at least ``standard_effort``; effort
    above it only as far as the owners' own payments cover. No exit, no margin; the owners'
    committee's supervision does not raise its effort (there is no margin to draw on)."""

    kind = "guaranteed"
    keeps_margin = False

    def __init__(self, model, estates: list[int], fee_share: float, standard_effort: float):
        super().__init__(model, estates)
        self.fee_share = float(fee_share)
        self.standard_effort = float(standard_effort)
        self.expected_payments = 0.0

    def start(self, expected_collection: float) -> None:
        """Start the contract, expecting the owners' payments to equal the expected revenue."""
        super().start(expected_collection)
        self.expected_payments = self.expected_revenue

    def funds(self) -> float:
        """The owners' expected payments (the government covers the standard's deficit)."""
        return self.expected_payments

    def effort_floor(self) -> float:
        """The guaranteed standard (or the fixed-cost share, if higher)."""
        return max(self.standard_effort, self.model.p.firm_fixed_cost_share)

    def guaranteed_cost(self) -> float:
        """This month's cost of the guaranteed standard (yuan): what the deficit guarantee covers."""
        return min(self.spending, self.standard_effort * self.full_cost())

    def close_month(self) -> float:
        """Smooth the owners' expected payments with this month's, then close the month."""
        a = self.model.p.firm_revenue_smoothing
        paid = float(self.model.state.payments[self.estates].sum())
        self.expected_payments = a * paid + (1 - a) * self.expected_payments
        return super().close_month()


@register_policy
class SuzhouClassified(Policy):
    """Suzhou classified management: market pricing and guaranteed service by estate class."""

    name = "suzhou_classified"
    title_en = "Suzhou classified property management"
    title_zh = "苏州小区分类物业管理"
    source = SEED_SUZHOU
    parameters = PARAMETERS
    mechanisms = {
        "guaranteed_service": {"guaranteed_types": "none"},
        "market_pricing": {"market_pricing": False},
    }

    def __init__(self, model, values):
        super().__init__(model, values)
        types = GUARANTEED[self.pars.guaranteed_types]
        est = model.estates
        self.guaranteed = np.array([est.type_name(e) in types for e in range(est.n)])
        self.market = np.array([est.type_name(e) == "commercial" for e in range(est.n)])
        self.price_changes: list[tuple[int, int, float, float]] = []  # (month, firm id, old, new)
        self.served_at_start: np.ndarray | None = None
        self.switch_votes = 0
        self.switches = 0

    def initialize(self) -> None:
        """Offer guaranteed service to the market for guaranteed estates (street-arranged)."""
        if not self.guaranteed.any():
            return
        p, est = self.pars, self.model.estates
        self.model.market.offer(
            "guaranteed", eligible=self.eligible, fee=lambda e: float(est.fee[e]) * p.guaranteed_fee_share,
            effort=lambda e: p.standard_effort,
            make=lambda e: GuaranteedService(self.model, [e], p.guaranteed_fee_share, p.standard_effort))

    def eligible(self, e: int) -> bool:
        """Whether estate ``e`` may get guaranteed service now: a guaranteed class, the guarantee
        set up, and (unless ``cover_unmanaged``) a provider when the policy started."""
        if not (self.active() and self.established() and self.guaranteed[e]):
            return False
        return bool(self.pars.cover_unmanaged or self.served_at_start is None or self.served_at_start[e])

    def before_service(self, model) -> None:
        """Votes on guaranteed service where a firm's contract ends without an owners' committee;
        the street's oversight hours; market firms' price reviews."""
        p = self.pars
        if self.served_at_start is None:
            self.served_at_start = np.array([x is not None for x in model.provider_of])
        if self.established():
            for e in np.flatnonzero(self.guaranteed):
                self.contract_end_vote(model, int(e))
            for provider in model.providers():
                if isinstance(provider, GuaranteedService) and p.oversight_hours > 0:
                    e = provider.estates[0]
                    self.spend(hours=p.oversight_hours, community=int(model.estates.community[e]), purpose="oversight")
        if p.market_pricing and (model.month - self.start_month) % int(p.price_review_months) == 0 \
                and model.month > self.start_month:
            self.review_prices(model)

    def contract_end_vote(self, model, e: int) -> None:
        """A firm's contract in guaranteed estate ``e`` (no owners' committee) ends this month: if
        owners would prefer guaranteed service, the residents' committee convenes their vote."""
        firm = model.provider_of[e]
        if not isinstance(firm, PropertyFirm) or model.committee_of[e] is not None \
                or model.estates.contract_end[e] > model.month:
            return
        market = model.market
        offer = [o for o in market.options(e, committee=False) if o.kind == "guaranteed"]
        if not offer or market.choose(e, [*offer, market.incumbent(e)], "guaranteed").kind != "guaranteed":
            return
        hours = float(self.pars.switch_vote_worker_hours)
        self.spend(hours=hours, community=int(model.estates.community[e]), purpose="switch_vote")
        self.switch_votes += 1
        if hold_vote(model, e, "replace", hours).passed:
            model.institutions.release(firm, e)
            model.market.vacancies.discard(e)
            award_option(model, e, offer[0])
            self.switches += 1

    def target_ratio(self, model, firm: ServiceProvider) -> float:
        """Price change (new / current fee) at which expected revenue covers full cost and margin."""
        expected = firm.expected_revenue * (1.0 - model.p.firm_target_margin)
        return firm.full_cost() / expected if expected > 0 else 1.0

    def review_prices(self, model) -> None:
        """Let market firms propose fee changes toward cost recovery, within the price band."""
        p, est = self.pars, model.estates
        for firm in model.providers():
            if not isinstance(firm, PropertyFirm) or not self.market[firm.estates].all():
                continue
            step = float(np.clip(self.target_ratio(model, firm) - 1.0, -p.price_step_max, p.price_step_max))
            for e in list(firm.estates):
                old, guided = float(est.contract_fee[e]), float(est.fee[e])
                new = float(np.clip(old * (1.0 + step), guided * (1.0 - p.price_band), guided * (1.0 + p.price_band)))
                if request_fee_change(model, e, new):
                    self.price_changes.append((model.month, firm.unique_id, old, float(est.contract_fee[e])))

    def before_governance(self, model) -> None:
        """Pay guaranteed providers' deficits (after every policy's payment-stage subsidies)."""
        cover = self.pars.deficit_coverage
        for provider in model.providers():
            if not isinstance(provider, GuaranteedService):
                continue
            idx = provider.estates
            st = model.state
            received = float(st.payments[idx].sum() + st.subsidies[idx].sum() + st.grants[idx].sum())
            deficit = cover * max(0.0, provider.guaranteed_cost() - received)
            if deficit <= 0:
                continue
            billed = np.array([provider.charged_fee(e) * model.estates.area_total[e] for e in idx])
            weights = billed / billed.sum() if billed.sum() > 0 else np.full(len(idx), 1.0 / len(idx))
            for e, w in zip(idx, weights, strict=True):
                model.institutions.pay_grant(int(e), deficit * float(w))
            self.record_cost(deficit)
