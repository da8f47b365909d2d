"""The few institutional agents: service providers, committees, the street office (Mesa agents).

Households are arrays (``households.py``); these agents are few (tens per street), so plain
Python per agent is cheap. Processes call their methods; agents never draw random numbers
themselves (the processes do, from named streams).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import mesa

from commsim.workforce import Workforce

if TYPE_CHECKING:
    from commsim.model import CommunityModel


class ServiceProvider(mesa.Agent):
    """Whoever turns fees into service for one or more estates.

    The fee households pay is the estate's **contract fee** (``estates.contract_fee``, set by
    ``model.institutions`` when the provider takes the estate and when owners agree to a change),
    not the scenario's guided fee (``estates.fee``, the service grade the estate's full-service
    cost is reckoned in). A provider offers ``fee_share`` x the guided fee when it takes an estate
    (:meth:`offer_fee`); ``cost_ratio`` is its full cost per m2 as a share of the guided fee;
    ``quality_cap`` the best effort it can deliver. Subclasses set these (market firm,
    self-management; policies add e.g. basic-service stations).
    """

    kind = "provider"
    can_exit = False
    keeps_margin = True
    fee_share = 1.0
    quality_cap = 1.0

    def __init__(self, model: CommunityModel, estates: list[int]):
        super().__init__(model)
        self.estates: list[int] = list(estates)
        self.cash = 0.0
        self.loss_months = 0
        self.expected_revenue = 0.0
        self.revenue = 0.0  # this month: payments + subsidies + top-ups
        self.spending = 0.0
        self.effort = 0.0
        self.entered_month = model.month
        self.cost_ratio = model.p.firm_cost_ratio
        self.margin = model.p.firm_target_margin  # share of expected revenue it aims to keep
        self.shirk = 0.0  # share of planned effort withheld where unsupervised (detection channel)

    # --- economics ---------------------------------------------------------------------
    def managed_area(self) -> float:
        """Floor area (m2) of the estates it serves."""
        if len(self.estates) == 1:
            return float(self.model.estates.area_total[self.estates[0]])
        return float(self.model.estates.area_total[self.estates].sum())

    def cost_of(self, estates: list[int]) -> float:
        """Monthly cost (yuan) of full-effort service for ``estates``: ``cost_ratio`` x guided
        fee x floor area (no scale economies)."""
        est = self.model.estates
        if len(estates) == 1:
            e = estates[0]
            return float(est.fee[e]) * float(est.area_total[e]) * self.cost_ratio
        return float((est.fee[estates] * est.area_total[estates]).sum()) * self.cost_ratio

    def full_cost(self) -> float:
        """Monthly cost (yuan) of full-effort service for all its estates."""
        return self.cost_of(self.estates)

    def offer_fee(self, e: int) -> float:
        """Fee (yuan/m2/month) it asks when it takes estate ``e``: ``fee_share`` x guided fee."""
        return float(self.model.estates.fee[e]) * self.fee_share

    def charged_fee(self, e: int) -> float:
        """The contract fee of estate ``e`` (yuan/m2/month). A provider charges what the contract
        says: ``CommunityModel.fee_charged`` reads the contract fees directly (do not override)."""
        return float(self.model.estates.contract_fee[e])

    def billed(self) -> float:
        """Fees billed per month (yuan) if every unit paid in full."""
        est = self.model.estates
        return sum(self.charged_fee(e) * est.area_total[e] for e in self.estates)

    def supervision(self) -> float:
        """Area-weighted supervision level (0-1) of its estates (``model.supervision``)."""
        return self.model.supervision.provider_level(self)

    def kept_margin(self) -> float:
        """Share of expected revenue kept back as margin: its target margin, less what the
        supervision channel makes it spend (``Supervision.margin_kept``); 0 for providers that
        keep no margin."""
        if not self.keeps_margin:
            return 0.0
        return self.model.supervision.margin_kept(self, self.margin)

    def funds(self) -> float:
        """Money (yuan/month) the provider expects to spend on service: expected revenue less
        the kept margin."""
        return self.expected_revenue * (1.0 - self.kept_margin())

    def effort_floor(self) -> float:
        """Effort spent whatever the revenue (fixed costs: staff contracts, utilities)."""
        return self.model.p.firm_fixed_cost_share

    def plan_effort(self) -> float:
        """Effort 0-1: the share of full-effort cost that :meth:`funds` cover, at least
        :meth:`effort_floor`, at most 1 and ``quality_cap``; sets ``effort`` and ``spending``
        (what delivering it costs; the service stage lowers both where a firm shirks)."""
        cost = self.full_cost()
        covered = self.funds() / cost if cost > 0 else 1.0
        effort = min(1.0, max(self.effort_floor(), covered))
        self.effort = min(effort, self.quality_cap)
        self.spending = self.effort * cost
        return self.effort

    def close_month(self) -> float:
        """Book the month: profit = revenue - spending; update cash, loss streak, expectations."""
        p = self.model.p
        profit = self.revenue - self.spending
        self.cash += profit
        self.loss_months = self.loss_months + 1 if profit < 0 else 0
        a = p.firm_revenue_smoothing
        self.expected_revenue = a * self.revenue + (1 - a) * self.expected_revenue
        return profit

    def wants_to_exit(self) -> bool:
        """Whether the provider leaves its estates: only a provider that can exit (a market firm)
        does, after ``firm_exit_loss_months`` loss-making months in a row with negative cash.
        """
        return self.can_exit and self.loss_months >= self.model.p.firm_exit_loss_months and self.cash < 0

    def start(self, expected_collection: float) -> None:
        """Initial cash and revenue expectation on entry."""
        self.expected_revenue = self.billed() * expected_collection
        self.cash = self.model.p.firm_initial_cash_months * self.full_cost()


class PropertyFirm(ServiceProvider):
    """A market property firm (物业服务企业): wins estates in tenders, can lose money and exit.

    Firms differ in ``efficiency`` (multiplier of variable cost per m2), ``orientation`` (quality
    orientation 0-1: a quality-oriented firm keeps a smaller margin and shirks less) and
    ``portfolio_m2`` (floor area it manages outside the street, over which its company overhead
    is shared). A firm that serves no estate of the street stays a Mesa agent: it is a potential
    entrant in later tenders (``model.market``). The defaults describe an average firm.
    """

    kind = "firm"
    can_exit = True

    def __init__(self, model: CommunityModel, estates: list[int], *, efficiency: float = 1.0,
                 orientation: float = 0.5, portfolio_m2: float | None = None):
        super().__init__(model, estates)
        p = model.p
        self.efficiency = float(efficiency)
        self.orientation = float(orientation)
        self.portfolio_m2 = float(p.firm_portfolio_median_m2 if portfolio_m2 is None else portfolio_m2)
        self.margin = p.firm_target_margin * (1.0 + p.firm_margin_spread * (1.0 - 2.0 * self.orientation))
        self.shirk = p.firm_shirk_share * (1.0 - self.orientation)
        # the cost structure's parameters, read once (cost_of runs for every firm every month)
        self._costs = (p.scale_economies == "none", p.firm_cost_ratio * self.efficiency,
                       p.firm_variable_cost_ratio * self.efficiency, p.firm_estate_fixed_cost_yuan_month,
                       p.firm_fixed_cost_yuan_month)

    def cost_of(self, estates: list[int]) -> float:
        """Monthly cost (yuan) of full-effort service for ``estates``.

        ``scale_economies = fixed_costs``: variable cost (``firm_variable_cost_ratio`` x
        efficiency x guided fee per m2) + a project office per estate
        (``firm_estate_fixed_cost_yuan_month``) + the company overhead
        (``firm_fixed_cost_yuan_month``) in proportion to the street's share of all the area it
        manages. Unit cost falls with estate and firm size but never below the variable cost.
        ``none``: ``firm_cost_ratio`` x efficiency x guided fee x area.
        """
        est = self.model.estates
        if not estates:
            return 0.0
        if len(estates) == 1:
            e = estates[0]
            area = float(est.area_total[e])
            fee_area = float(est.fee[e]) * area
        else:
            fee_area = float((est.fee[estates] * est.area_total[estates]).sum())
            area = float(est.area_total[estates].sum())
        flat, flat_ratio, variable, per_estate, company = self._costs
        if flat:
            return fee_area * flat_ratio
        overhead = company * area / (area + self.portfolio_m2) if area > 0 else 0.0
        return fee_area * variable + len(estates) * per_estate + overhead

    def unit_cost(self, estates: list[int] | None = None) -> float:
        """Full-service cost per m2 per month (yuan) of ``estates`` (default: its own)."""
        idx = self.estates if estates is None else estates
        area = float(self.model.estates.area_total[idx].sum())
        return self.cost_of(list(idx)) / area if area > 0 else 0.0


class SelfManagement(ServiceProvider):
    """Owners managing their estate themselves through their committee (业主自治): a lower fee
    (``self_management_fee_share`` of the guided fee), hired cleaners and repairs
    (``self_management_cost_ratio``) and committee members' volunteer hours
    (``self_management_volunteer_hours``); no project office or company overhead."""

    kind = "self"

    def __init__(self, model: CommunityModel, estates: list[int]):
        super().__init__(model, estates)
        self.fee_share = model.p.self_management_fee_share
        self.cost_ratio = model.p.self_management_cost_ratio
        self.quality_cap = model.p.self_management_quality_cap


class OwnersCommittee(mesa.Agent):
    """An estate's owners' committee (业委会): supervises, handles complaints, calls votes.

    Its members' volunteer hours at full activity are ``oc_hours_per_member_month`` for
    complaints and ``oc_supervision_hours_per_member_month`` for supervising the provider;
    hours booked for other work this month (meetings, running a self-managed estate) come out of
    the complaint hours. It serves a term (``term_end``): an assembly must then re-elect it.
    """

    def __init__(self, model: CommunityModel, estate: int, term_end: int | None = None):
        super().__init__(model)
        self.estate = estate
        self.members = int(model.p.oc_members)
        self.formed_month = model.month
        self.term_end = model.month + int(model.p.oc_term_months) if term_end is None else int(term_end)
        self.activity = 0.5
        self.months_dissatisfied = 0
        self.last_vote_month = -10**6
        self.booked = 0.0  # volunteer hours booked for other work this month

    def update_activity(self, participation: float) -> None:
        """Set the committee's activity 0-1 from the owners' participation share.

        Activity is ``participation / oc_activity_scale``, at most 1; it scales the members' hours.
        """
        self.activity = min(1.0, participation / self.model.p.oc_activity_scale)

    def new_month(self) -> None:
        """A new month: no hours booked yet."""
        self.booked = 0.0

    def book(self, hours: float) -> None:
        """Members spend ``hours`` of their volunteer time on other work this month."""
        self.booked += hours

    def complaint_hours(self) -> float:
        """Volunteer hours left for complaints this month."""
        return max(0.0, self.members * self.model.p.oc_hours_per_member_month * self.activity - self.booked)

    def supervision_hours(self) -> float:
        """Hours members spend supervising the provider this month."""
        return self.members * self.model.p.oc_supervision_hours_per_member_month * self.activity


def workers_by_norm(norm: str, households: int, persons_per_household: float) -> int:
    """Community-worker headcount for a community under a staffing norm.

    - liaocheng: 1 per 300 households, at least 5 (seeds/000);
    - xian: 18 per 10,000 residents (seeds/003);
    - cangzhou: 5 for the first 1,500 households, plus 1 per about 300 more (seeds/002).
    """
    if norm == "liaocheng":
        return max(5, math.ceil(households / 300))
    if norm == "xian":
        return max(1, round(18 * households * persons_per_household / 10_000))
    if norm == "cangzhou":
        return 5 + max(0, math.ceil((households - 1500) / 300))
    raise ValueError(f"unknown staffing norm {norm!r}")


class ResidentsCommittee(mesa.Agent):
    """A community's residents' committee and its community workers (居委会, 社区工作者).

    Its posts (the staffing norm's headcount, or the scenario's ``workers``) are filled by people
    who leave and are replaced with delays (``commsim.workforce``). Hours demanded each month are
    booked by purpose; administrative work is served first (the 'five too many', seeds/004),
    complaints get what is left.
    """

    def __init__(self, model: CommunityModel, community: int, households: int, workers: int | None = None):
        super().__init__(model)
        self.community = community
        self.households = households
        posts = workers if workers is not None else workers_by_norm(
            model.p.staffing_norm, households, model.p.persons_per_household
        )
        self.workforce = Workforce(posts, model.p, model.streams, community)
        self.demand: dict[str, float] = {}
        self.admin_transferred = 0.0

    @property
    def posts(self) -> int:
        """The establishment: posts the norm (or a policy) sets."""
        return self.workforce.posts

    @property
    def workers(self) -> int:
        """Community workers in post (paid)."""
        return self.workforce.headcount

    @property
    def hours_available(self) -> float:
        """Worker hours this month (recruits in training count in part)."""
        return self.workforce.effective() * self.model.p.worker_hours_month

    @property
    def spare_hours(self) -> float:
        """Worker hours still free this month: available less what is already demanded
        (administration and work booked so far); negative when the workers are overloaded."""
        return self.hours_available - self.hours_demanded

    def new_month(self) -> None:
        """Staff come and go (on last month's load), then administration is booked first."""
        if self.demand:
            available = self.hours_available
            load = sum(self.demand.values()) / available if available > 0 else math.inf  # self.load
        else:
            load = 1.0
        self.workforce.new_month(self.model.month, load)
        self.demand = {"admin": self.model.p.admin_hours_per_household * self.households}
        self.admin_transferred = 0.0

    def pushed_down_hours(self) -> float:
        """This month's administrative hours that are tasks departments push down
        (``admin_pushed_down_share`` of administration, less what was already transferred)."""
        p = self.model.p
        return max(0.0, p.admin_pushed_down_share * p.admin_hours_per_household * self.households
                   - self.admin_transferred)

    def transfer_admin(self, hours: float) -> float:
        """Hand up to ``hours`` of this month's pushed-down administration back to whoever pushed
        it (a work-item admission list); returns the hours actually transferred. The caller
        books who does them instead (the street, departments) or that they are dropped."""
        moved = min(max(0.0, hours), self.pushed_down_hours())
        self.demand["admin"] -= moved
        self.admin_transferred += moved
        return moved

    def book(self, purpose: str, hours: float) -> None:
        """Book ``hours`` of demand on the community workers for ``purpose``."""
        self.demand[purpose] = self.demand.get(purpose, 0.0) + hours

    def hours_for_complaints(self) -> float:
        """Hours left for complaints after everything already booked this month."""
        booked = sum(v for k, v in self.demand.items() if not k.startswith("complaints"))
        return max(0.0, self.hours_available - booked)

    @property
    def hours_demanded(self) -> float:
        """Hours demanded of the community workers this month (every purpose they work on)."""
        return sum(self.demand.values())

    @property
    def load(self) -> float:
        """Hours demanded over hours available this month (infinite when none are available)."""
        return self.hours_demanded / self.hours_available if self.hours_available > 0 else math.inf


class StreetOffice(mesa.Agent):
    """The street office (街道办事处): last tier of the complaint ladder below the city."""

    def __init__(self, model: CommunityModel, households: int):
        super().__init__(model)
        self.households = households
        self.booked = 0.0  # staff hours booked for other work this month (meetings)

    def new_month(self) -> None:
        """A new month: no staff hours booked yet."""
        self.booked = 0.0

    def book(self, hours: float) -> None:
        """Street staff spend ``hours`` on other work this month."""
        self.booked += hours

    def complaint_hours(self) -> float:
        """Street staff hours left for complaints this month.

        ``street_hours_per_1000_households`` per 1000 households of the street, less the hours
        booked for other work; never negative.
        """
        return max(0.0, self.model.p.street_hours_per_1000_households * self.households / 1000.0 - self.booked)
