"""Harbin basic property management (基本物业) (Harbin 2011, seeds/001_b6cbbcc861977cbe.txt).

Article 18: residential areas "暂不具备规范物业管理" get basic property management: a community
property service station (社区物业服务站) for cleaning, security and repairs of common
facilities, "不以营利为目的", in-home services "按成本收取服务费用", managers on public-benefit
posts (公益性岗位), and "资金确有不足的,市、区两级政府按相关规定给予适当补助". Firms that
"业主投诉率较高、评议考核不达标" are penalised; a credit deposit (物业信用保证金) is held.
Article 28: people with "群众满意率低于60%" at the annual review are adjusted or recalled.

Mechanisms (all through the model's machinery):

1. **Stations.** From the start month the policy offers the market a station
   (``model.market.offer("station", ...)``) for every estate with no provider (old estates only,
   by default): the street arranges one where owners have no committee, owners with a committee
   may choose it among their options; also when a firm exits later. A
   :class:`BasicServiceStation` charges the cost price of its basic package (cleaning + repairs
   + greening, yuan/m2/month),
   cannot exit, and delivers at most effort ``quality_cap`` (basic service; how much quality
   the package buys varies with the station's management, drawn per station). It plans effort
   from expected fees plus the top-up it expects. Stations are offered from ``setup_months``
   after the start (sites, staff and accounts set up). Its ``public_posts`` managers
   (公益性岗位) are people hired like community workers (``commsim.workforce``: posts vacant
   until filled, turnover); they are paid (public cost) only while in post, and while a
   station has none of its managers it runs only its fixed-cost share (nobody organises the
   package).
2. **Top-up.** After payments, the government pays the station ``topup_share`` of the gap
   between the cost of its package and the fees received, never more than
   its actual shortfall (a grant, ``Policy.grant``: revenue and public cost). Each station's public-benefit
   posts are paid as public cost.
3. **Annual review, 60% line.** Every ``review_interval_months`` the satisfaction rate (share
   of occupied households with satisfaction >= ``satisfied_cutoff``) of each provider that
   has served at least ``review_grace_months`` is measured. A station under the line is
   replaced by a new one (new management: a new draw of its quality cap, trust starts afresh).
   A market firm under the line, or whose complaint rate over the review period exceeds
   ``complaint_rate_line``, is fined ``fine_fee_months`` of its monthly billed fees (from its
   cash, as from the credit deposit; shown in firm profit), the penalty is a strike on its street
   record (``model.market``), and until the next review community workers inspect it
   ``penalty_inspection_hours`` a month (booked as the policy's hours, supplied to
   ``model.supervision``); a month's inspection lapses where the community's workers lack the
   hours. Each review costs ``review_hours_per_estate`` of community workers (a survey and
   the complaint records) and lapses for an estate where they lack the hours.

Not modelled (docs/policies.md says why): the one-off charge for in-home services (一事一议), the
star-rated harmonious communities (art. 33) and the credit deposit as an account of its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from commsim.agents import PropertyFirm, ServiceProvider
from commsim.params import SEED_HARBIN, Param
from commsim.policies.base import Policy
from commsim.policies.registry import register_policy
from commsim.workforce import Workforce

if TYPE_CHECKING:
    from commsim.model import CommunityModel

A = "assumption"
TARGET_04 = "targets: Harbin 2011 stations 0.4 yuan/m2/month = 0.15 cleaning + 0.15 repairs + 0.10 greening"
INF = float("inf")


class BasicServiceStation(ServiceProvider):
    """A non-profit community property service station (社区物业服务站, seeds/001 art. 18).

    It charges ``price`` yuan/m2/month, the cost price of its basic package: delivering the
    package (effort ``quality_cap``, its best) costs ``price x cost_ratio`` per m2, so a unit of
    effort costs ``price x cost_ratio / quality_cap`` per m2. It never exits; ``topup_share``
    of the gap between the package's cost and its fees is covered by the government.
    """

    kind = "station"
    can_exit = False
    keeps_margin = False

    def __init__(self, model: CommunityModel, estates: list[int], *, price: float,
                 cost_ratio: float, quality_cap: float, topup_share: float, staff: Workforce | None = None):
        super().__init__(model, estates)
        self.staff = staff  # its managers on public-benefit posts (None: not modelled as people)
        self.price = price
        self.cost_ratio = cost_ratio
        self.quality_cap = quality_cap
        self.topup_share = topup_share
        self.fee_share = 0.0  # unused: charged_fee is the station's own price

    def offer_fee(self, e: int) -> float:
        """The station's price, yuan/m2/month."""
        return self.price

    def standard_cost(self) -> float:
        """Monthly cost (yuan) of the basic package (effort = quality_cap)."""
        return self.price * self.cost_ratio * self.managed_area()

    def full_cost(self) -> float:
        """Monthly cost (yuan) of effort 1 at the station's unit costs."""
        return self.standard_cost() / self.quality_cap

    def funds(self) -> float:
        """Expected fees plus the expected top-up (no margin: the station is non-profit); nothing
        above the fixed-cost share while none of its managers is in post."""
        if self.staff is not None and self.staff.posts > 0 and self.staff.headcount == 0:
            return 0.0
        return self.expected_revenue + self.topup_share * max(0.0, self.standard_cost() - self.expected_revenue)

    def effort_floor(self) -> float:
        """The fixed share of the package (staff on contract)."""
        return self.model.p.firm_fixed_cost_share * self.quality_cap

    def topup(self, fees: float) -> float:
        """Government top-up (yuan) this month given the fees received."""
        gap = self.topup_share * max(0.0, self.standard_cost() - fees)
        return min(gap, max(0.0, self.spending - fees))


@register_policy
class HarbinBasicService(Policy):
    """Harbin basic property management: service stations, top-ups and annual reviews."""

    name = "harbin_basic_service"
    title_en = "Harbin basic property management: non-profit service stations for old estates"
    title_zh = "哈尔滨基本物业管理(社区物业服务站)"
    source = SEED_HARBIN
    mechanisms = {
        "stations": {"stations": False},
        "topup": {"topup_share": 0.0},
        "review": {"review_firms": False, "satisfaction_line": 0.0},
    }
    parameters = (
        Param("price_cleaning", 0.15, "yuan/m2/month", (0.10, 0.25), TARGET_04,
              "Station charge for cleaning (卫生保洁)."),
        Param("price_repairs", 0.15, "yuan/m2/month", (0.10, 0.25), TARGET_04,
              "Station charge for repairs of common facilities (公用设施维修)."),
        Param("price_greening", 0.10, "yuan/m2/month", (0.05, 0.15), TARGET_04,
              "Station charge for greening (绿化)."),
        Param("cost_ratio", 1.0, "share of price", (0.9, 1.3),
              f"{SEED_HARBIN} art. 18 (priced at cost); range an assumption",
              "Station's full cost per m2 as a share of its price.", bounds=(1e-6, 10.0)),
        Param("quality_cap", 0.7, "effort 0-1", (0.5, 0.85), A,
              "Mean effort of a station's basic package (short of full property management); quality = effort x the estate's infrastructure.",
              bounds=(0.05, 1.0)),
        Param("quality_cap_sd", 0.1, "effort 0-1", (0.0, 0.2), A,
              "Spread of the best effort between stations (quality of their management).",
              bounds=(0.0, 1.0)),
        Param("stations", True, "flag", None, f"{SEED_HARBIN} art. 18",
              "Non-profit service stations serve eligible estates without a provider.", kind="bool"),
        Param("old_estates_only", True, "flag", None, f"{SEED_HARBIN} art. 18",
              "Install stations only in unmanaged old estates (else in any estate without a provider).",
              kind="bool"),
        Param("topup_share", 1.0, "share", (0.5, 1.0), f"{SEED_HARBIN} art. 18 ('适当补助'); share an assumption",
              "Share of the gap between a station's standard cost and its fees the government pays.",
              bounds=(0.0, 1.0)),
        Param("public_posts", 1, "posts/station", (1, 2), f"{SEED_HARBIN} art. 18 (公益性岗位); number an assumption",
              "Station managers on public-benefit posts, paid by the government.", kind="int", bounds=(0, 20)),
        Param("public_post_pay_yuan_month", 2000.0, "yuan/post/month", (1500.0, 3000.0), A,
              "Public cost of one public-benefit post.", bounds=(0.0, 1e6)),
        Param("review_interval_months", 12, "months", None, f"{SEED_HARBIN} art. 28 (annual review)",
              "Months between satisfaction reviews.", kind="int", bounds=(1, 120)),
        Param("review_grace_months", 6, "months", (3, 12), A,
              "Months a provider must have served before it is reviewed.", kind="int", bounds=(0, 120)),
        Param("satisfaction_line", 0.60, "share satisfied", (0.5, 0.7), f"{SEED_HARBIN} art. 28 ('满意率低于60%')",
              "Satisfaction rate under which a provider fails the review.", bounds=(0.0, 1.0)),
        Param("satisfied_cutoff", 0.5, "satisfaction 0-1", (0.4, 0.6), A,
              "Satisfaction at which a household counts as satisfied in the review.", bounds=(0.0, 1.0)),
        Param("complaint_rate_line", 75.0, "complaints/1,000 households/month", (40.0, 120.0),
              f"{SEED_HARBIN} art. 18 ('业主投诉率较高'); level an assumption",
              "Mean complaint rate over the review period above which a firm is penalised.", bounds=(0.0, INF)),
        Param("fine_fee_months", 0.5, "months of billed fees", (0.0, 2.0),
              f"{SEED_HARBIN} art. 18 (penalty, credit deposit); size an assumption",
              "Fine on a failing firm, in months of its estate's billed fees.", bounds=(0.0, 24.0)),
        Param("penalty_inspection_hours", 8.0, "worker-hours/estate/month", (0.0, 16.0), A,
              "Community-worker hours a month inspecting a penalised firm's estate until the next review (supervision hours).",
              bounds=(0.0, 1000.0)),
        Param("review_firms", True, "flag", None, f"{SEED_HARBIN} art. 18",
              "Review and penalise market firms too (else stations only).", kind="bool"),
        Param("review_hours_per_estate", 8.0, "worker-hours/estate/review", (4.0, 16.0), A,
              "Community-worker hours to review one estate's provider (satisfaction survey, complaint records); "
              "a review lapses where the community's workers lack the hours.", bounds=(0.0, 1000.0)),
    )

    @property
    def price(self) -> float:
        """A station's charge (yuan/m2/month): cleaning + repairs + greening."""
        p = self.pars
        return p.price_cleaning + p.price_repairs + p.price_greening

    def initialize(self) -> None:
        """Set up counters and offer stations to the market for eligible estates."""
        n = self.model.estates.n
        self.filed = np.zeros(n)
        self.occupied_months = np.zeros(n)
        self.penalised: set[int] = set()  # ids of firms fined at the last review
        self.installed = 0
        self.replacements = 0
        self.fines = 0
        self.fines_yuan = 0.0
        self.topups_yuan = 0.0
        self.posts_cost_yuan = 0.0
        self.post_months = 0  # managers in post, summed over months
        self.station_months = 0  # public-benefit posts of serving stations, summed over months
        self.inspection_hours = 0.0
        self.inspections_lapsed = 0
        self.reviews_lapsed = 0
        self.model.market.offer("station", eligible=lambda e: self.active() and self.established() and self.eligible(e),
                                fee=lambda e: self.price, effort=lambda e: self.pars.quality_cap,
                                make=self.install)

    # --- stations ------------------------------------------------------------------------
    def eligible(self, e: int) -> bool:
        """Whether estate ``e`` gets a station now (stations on, no provider, old if required)."""
        model = self.model
        if not self.pars.stations or model.provider_of[e] is not None:
            return False
        return not self.pars.old_estates_only or model.estates.type_name(e) == "old"

    def new_station(self, e: int) -> BasicServiceStation:
        """A station for estate ``e``: its quality cap drawn, its public-benefit posts unfilled."""
        p, model = self.pars, self.model
        rng = model.streams.once(f"policy:{self.name}:station", model.month, e)
        cap = float(np.clip(p.quality_cap + p.quality_cap_sd * rng.standard_normal(), 0.05, 1.0))
        key = self.installed + self.replacements  # each station's posts draw from their own stream
        staff = Workforce(int(p.public_posts), model.p, model.streams, key, stream=f"policy:{self.name}:posts",
                          filled=False)
        return BasicServiceStation(model, [e], price=self.price, cost_ratio=p.cost_ratio,
                                   quality_cap=cap, topup_share=p.topup_share, staff=staff)

    def install(self, e: int) -> BasicServiceStation:
        """A new station for estate ``e`` (the market awards it when it is chosen)."""
        self.installed += 1
        return self.new_station(e)

    def stations(self) -> list[BasicServiceStation]:
        """The stations serving estates now."""
        return [s for s in self.model.providers() if isinstance(s, BasicServiceStation)]

    # --- hooks ---------------------------------------------------------------------------
    def before_service(self, model: CommunityModel) -> None:
        """Stations' managers come and go (hired into vacant posts); penalised firms inspected."""
        for station in self.stations():
            if station.staff is not None:
                station.staff.new_month(model.month, 1.0)
        hours = self.pars.penalty_inspection_hours
        for e, firm in enumerate(model.provider_of):
            if firm is not None and firm.unique_id in self.penalised and hours > 0:
                c = int(model.estates.community[e])
                rc = model.residents_committees[c]
                if rc.spare_hours < hours:
                    self.inspections_lapsed += 1
                    continue
                self.spend(hours=hours, community=c, purpose="inspection")
                model.supervision.supply(e, hours, "inspection")
                self.inspection_hours += hours

    def after_service(self, model: CommunityModel) -> None:
        """Pay of the public-benefit posts filled in every station serving this month (stations
        the street arranged at the start of the service stage included)."""
        for station in self.stations():
            in_post = station.staff.headcount if station.staff is not None else int(self.pars.public_posts)
            self.station_months += int(self.pars.public_posts)
            self.post_months += in_post
            pay = in_post * self.pars.public_post_pay_yuan_month
            if pay > 0:
                self.spend(pay, estate=station.estates[0], purpose="public_posts")
                self.posts_cost_yuan += pay

    def after_complaints(self, model: CommunityModel) -> None:
        """Add this month's filed complaints and occupied units to the review's counts."""
        self.filed += model.state.complaints_filed
        self.occupied_months += model.estates.occupied_units

    def after_payment(self, model: CommunityModel) -> None:
        """Grant each station its top-up on this month's fees, split across its estates by area."""
        for station in self.stations():
            fees = float(model.state.payments[station.estates].sum())
            yuan = station.topup(fees)
            if yuan <= 0:
                continue
            area = model.estates.area_total[station.estates]
            for e, share in zip(station.estates, area / area.sum(), strict=True):
                self.grant(e, yuan * share)  # paid to the station as revenue
            self.topups_yuan += yuan

    def after_governance(self, model: CommunityModel) -> None:
        """Hold the review every ``review_interval_months`` and reset its counts."""
        if (model.month - self.start_month + 1) % self.pars.review_interval_months:
            return
        self.review(model)
        self.filed[:] = 0.0
        self.occupied_months[:] = 0.0

    # --- the annual review ------------------------------------------------------------------
    def satisfied_rate(self) -> np.ndarray:
        """Share of occupied households per estate at least ``satisfied_cutoff`` satisfied."""
        hh, est = self.model.households, self.model.estates
        ok = hh.occupied & (hh.satisfaction >= self.pars.satisfied_cutoff)
        return np.bincount(hh.estate, weights=ok, minlength=est.n) / est.occupied_units

    def review(self, model: CommunityModel) -> None:
        """Review providers where workers have the hours: replace stations under the satisfaction
        line; fine firms under it or over the complaint-rate line (if ``review_firms``)."""
        p = self.pars
        rate = self.satisfied_rate()
        complaints = 1000.0 * np.divide(self.filed, self.occupied_months,
                                        out=np.zeros_like(self.filed), where=self.occupied_months > 0)
        self.penalised.clear()
        for e, provider in enumerate(list(model.provider_of)):
            if provider is None or model.month - provider.entered_month < p.review_grace_months:
                continue
            if not isinstance(provider, BasicServiceStation) and not (isinstance(provider, PropertyFirm) and p.review_firms):
                continue
            c = int(model.estates.community[e])
            rc = model.residents_committees[c]
            if p.review_hours_per_estate > 0:
                if rc.spare_hours < p.review_hours_per_estate:
                    self.reviews_lapsed += 1
                    continue
                self.spend(hours=p.review_hours_per_estate, community=c, purpose="review")
            if isinstance(provider, BasicServiceStation):
                if rate[e] < p.satisfaction_line:
                    model.institutions.dismiss(provider, e, self.new_station(e), counted=False)
                    self.replacements += 1
            elif isinstance(provider, PropertyFirm) and p.review_firms and (
                rate[e] < p.satisfaction_line or complaints[e] > p.complaint_rate_line
            ):
                fine = p.fine_fee_months * float(model.state.billed[e])
                model.institutions.fine(provider, fine, e)
                model.market.strike(provider, "penalised")
                self.penalised.add(provider.unique_id)
                self.fines += 1
                self.fines_yuan += fine
