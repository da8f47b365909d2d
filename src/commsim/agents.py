"""The few institutional agents: service providers, committees, the street office (Mesa agents).

Households are arrays (``households.py``); these agents are few (tens per street), so plain
Python per agent is cheap. Processes call their methods; agents never draw random numbers
themselves (the processes do, from named streams).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import mesa
import numpy as np

from commsim.workforce import Workforce

if TYPE_CHECKING:
    from commsim.model import CommunityModel


class ServiceProvider(mesa.Agent):
    """Whoever turns fees into service for one or more estates.

    ``fee_share`` is the share of the scenario fee the provider charges; ``cost_ratio`` its full
    cost per m2 as a share of the scenario fee at reference scale; ``quality_cap`` the best
    quality it can deliver. Subclasses set these (market firm, self-management; policies add
    e.g. basic-service stations).
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

    # --- economics ---------------------------------------------------------------------
    # Single-estate providers (the common case) take Python-float fast paths below; they give
    # the same numbers as the numpy expressions used for several estates.
    def managed_area(self) -> float:
        if len(self.estates) == 1:
            return float(self.model.estates.area_total[self.estates[0]])
        return float(self.model.estates.area_total[self.estates].sum())

    def full_cost(self) -> float:
        """Monthly cost (yuan) of full-effort service for all its estates, with scale economies."""
        p = self.model.p
        est = self.model.estates
        area = self.managed_area()
        scale = (area / p.firm_scale_reference_area_m2) ** (-p.firm_scale_elasticity)
        if len(self.estates) == 1:
            e = self.estates[0]
            fee_area = float(est.fee[e]) * float(est.area_total[e])
        else:
            fee_area = float((est.fee[self.estates] * est.area_total[self.estates]).sum())
        return fee_area * self.cost_ratio * scale

    def charged_fee(self, e: int) -> float:
        return float(self.model.estates.fee[e]) * self.fee_share

    def billed(self) -> float:
        """Fees billed per month (yuan) if every unit paid in full."""
        est = self.model.estates
        return sum(self.charged_fee(e) * est.area_total[e] for e in self.estates)

    def supervision(self) -> float:
        """Area-weighted activity of the supervisors (owners' committees) of its estates, 0-1."""
        est = self.model.estates
        weights = est.area_total[self.estates]
        acts = np.array([self.model.supervision[e] for e in self.estates])
        return float((acts * weights).sum() / weights.sum()) if weights.sum() > 0 else 0.0

    def kept_margin(self) -> float:
        """Share of expected revenue kept back as margin: target margin x (1 -
        supervision_margin_capture x supervision); 0 for providers that keep no margin."""
        if not self.keeps_margin:
            return 0.0
        p = self.model.p
        return p.firm_target_margin * (1.0 - p.supervision_margin_capture * self.supervision())

    def funds(self) -> float:
        """Money (yuan/month) the provider expects to spend on service: expected revenue less
        the kept margin."""
        return self.expected_revenue * (1.0 - self.kept_margin())

    def effort_floor(self) -> float:
        """Effort spent whatever the revenue (fixed costs: staff contracts, utilities)."""
        return self.model.p.firm_fixed_cost_share

    def plan_effort(self) -> float:
        """Effort 0-1: the share of full-effort cost that :meth:`funds` cover, at least
        :meth:`effort_floor`, at most 1 and ``quality_cap``; sets ``effort`` and ``spending``.

        A supervisor (owners' committee) makes a firm spend part of its margin on service
        (:meth:`kept_margin`).
        """
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
        return self.can_exit and self.loss_months >= self.model.p.firm_exit_loss_months and self.cash < 0

    def start(self, expected_collection: float) -> None:
        """Initial cash and revenue expectation on entry."""
        self.expected_revenue = self.billed() * expected_collection
        self.cash = self.model.p.firm_initial_cash_months * self.full_cost()


class PropertyFirm(ServiceProvider):
    """A market property firm (物业服务企业): charges the full fee, can lose money and exit."""

    kind = "firm"
    can_exit = True


class SelfManagement(ServiceProvider):
    """Owners managing their estate themselves through their committee (业主自治)."""

    kind = "self"

    def __init__(self, model: CommunityModel, estates: list[int]):
        super().__init__(model, estates)
        self.fee_share = model.p.self_management_fee_share
        self.cost_ratio = model.p.self_management_cost_ratio
        self.quality_cap = model.p.self_management_quality_cap


class OwnersCommittee(mesa.Agent):
    """An estate's owners' committee (业委会): supervises, handles complaints, calls votes."""

    def __init__(self, model: CommunityModel, estate: int):
        super().__init__(model)
        self.estate = estate
        self.members = int(model.p.oc_members)
        self.formed_month = model.month
        self.activity = 0.5
        self.months_dissatisfied = 0
        self.last_vote_month = -10**6

    def update_activity(self, participation: float) -> None:
        self.activity = min(1.0, participation / self.model.p.oc_activity_scale)

    def complaint_hours(self) -> float:
        return self.members * self.model.p.oc_hours_per_member_month * self.activity


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

    def new_month(self) -> None:
        """Staff come and go (on last month's load), then administration is booked first."""
        load = self.load if self.demand else 1.0
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
        return self.hours_demanded / self.hours_available if self.hours_available > 0 else math.inf


class StreetOffice(mesa.Agent):
    """The street office (街道办事处): last tier of the complaint ladder below the city."""

    def __init__(self, model: CommunityModel, households: int):
        super().__init__(model)
        self.households = households

    def complaint_hours(self) -> float:
        return self.model.p.street_hours_per_1000_households * self.households / 1000.0
