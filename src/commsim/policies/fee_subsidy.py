"""Property-fee subsidies (物业费补贴): seeds/002 (Cangzhou 2020) and seeds/001 (Harbin 2011).

(a) Households (``scheme`` "households" or "both"): "有条件的县(市、区)可探索建立低保户、特困人员物业费
补贴制度, 逐步解决困难群众物业费缴纳率低等问题" (seeds/002 §3.5). Occupied households of the eligible
income classes apply once, when the policy starts, with probability ``take_up`` (drawn from the
policy's own stream); community workers review the applications (``enrol_hours_per_household``
each) once the scheme is set up (``setup_months``): a community's applicants are enrolled in the
first month its workers have the hours, until then they wait. An enrolled household's own share of the fee (``fee_share_payable``) falls
by ``subsidy_share``, which lowers its burden in the payment decision; when it pays its part,
the subsidy pays the rest to the provider (``institutions.pay_subsidy``). Payments stop when the year's
``annual_budget_yuan`` is spent (the last month's payments are cut pro rata), and enrolled
households face the full fee again until the next budget year (12 months from the start).

(b) Old estates (``scheme`` "old_estates" or "both"): "基本物业开展后, 资金确有不足的, 市、区两级政府按
相关规定给予适当补助" (seeds/001 art. 18). Each month the government pays a provider of an old
estate ``topup_share`` of the gap between the cost of basic service (``topup_standard_effort`` of
the provider's full cost, attributed to the estate by fees billed) and the estate's revenue
(payments, fee subsidies and other grants), within ``topup_annual_budget_yuan``; it is a grant
(``institutions.pay_grant``): provider revenue, not fees collected. Art. 18 tops up basic-service
stations, which are non-profit: by default (``topup_applies_to`` = ``non_profit``) market firms
get nothing; a scenario may set ``all``. The top-up is paid after
every policy's payment-stage hooks (``before_governance``), so it sees the other subsidies.

Both parts are public cost; the policy's cost column is exactly the subsidies it paid. Community
workers spend ``admin_hours_per_household_month`` per enrolled household (eligibility reviews).
"""

from __future__ import annotations

import numpy as np

from commsim.agents import PropertyFirm
from commsim.params import SEED_CANGZHOU, SEED_HARBIN, Param
from commsim.policies.base import Policy, policy_param
from commsim.policies.registry import register_policy
from commsim.vocabulary import INCOME_CLASSES

A = "assumption"
ELIGIBLE = {"minimum": ("minimum",), "minimum_and_low": ("minimum", "low")}


PARAMETERS: tuple[Param, ...] = (
    policy_param("scheme", "both", "choice", None, f"{SEED_CANGZHOU}; {SEED_HARBIN}",
                 "Which subsidies run: to minimum-income households (Cangzhou), top-ups of old estates' service (Harbin), or both.",
                 kind="choice", choices=("both", "households", "old_estates")),
    policy_param("eligible", "minimum", "choice", None, f"{SEED_CANGZHOU} (低保户、特困人员)",
                 "Income classes eligible for the household subsidy: minimum-income only, or also low-income.",
                 kind="choice", choices=tuple(ELIGIBLE)),
    policy_param("subsidy_share", 0.5, "share of fee", (0.3, 1.0), f"assumption; counties set it ({SEED_CANGZHOU})",
       "Share of an enrolled household's fee the subsidy pays.", bounds=(0.0, 1.0)),
    policy_param("take_up", 0.7, "share of eligible households", (0.4, 0.95), A,
       "Chance an eligible household applies and is enrolled (drawn once, at the start).", bounds=(0.0, 1.0)),
    policy_param("annual_budget_yuan", 100_000.0, "yuan/year", (30_000.0, 300_000.0), A,
       "Yearly budget of the household subsidy for the street (cap).", bounds=(0.0, 1e12)),
    policy_param("admin_hours_per_household_month", 0.2, "worker-hours/enrolled household/month", (0.05, 0.5), A,
       "Community-worker hours to review eligibility and process one enrolled household.", bounds=(0.0, 100.0)),
    policy_param("topup_share", 0.5, "share of shortfall", (0.25, 1.0), f"assumption; 'appropriate subsidies' ({SEED_HARBIN} art. 18)",
       "Share of an old estate's revenue shortfall against basic-service cost the government pays.", bounds=(0.0, 1.0)),
    policy_param("topup_standard_effort", 0.7, "share of full cost", (0.55, 0.85), A,
       "Cost of basic service as a share of the provider's full-service cost: the revenue level the top-up fills toward.", bounds=(0.0, 1.0)),
    policy_param("topup_annual_budget_yuan", 300_000.0, "yuan/year", (100_000.0, 1_000_000.0), A,
       "Yearly budget of the old-estate top-up for the street (cap).", bounds=(0.0, 1e12)),
    policy_param("enrol_hours_per_household", 1.0, "worker-hours/applicant", (0.5, 3.0), A,
       "Community-worker hours to review one application (income check, household visit) before the household is enrolled.",
       bounds=(0.0, 100.0)),
    policy_param("topup_applies_to", "non_profit", "choice", None,
                 f"{SEED_HARBIN} art. 18 (basic-service stations, 不以营利为目的)",
                 "Old-estate providers topped up: only non-market ones (stations, dedicated staff: not a PropertyFirm), or all.",
                 kind="choice", choices=("all", "non_profit")),
)


@register_policy
class FeeSubsidy(Policy):
    """Fee subsidies for low-income households and top-up grants for old estates."""

    name = "fee_subsidy"
    title_en = "Property-fee subsidy"
    title_zh = "物业费补贴"
    source = f"{SEED_CANGZHOU}; {SEED_HARBIN}"
    parameters = PARAMETERS
    mechanisms = {
        "household_subsidy": {"scheme": "old_estates"},
        "old_estate_topup": {"scheme": "households"},
    }

    def __init__(self, model, values):
        super().__init__(model, values)
        self.applicants: np.ndarray | None = None  # household rows that applied
        self.enrolled = np.zeros(0, dtype=np.int64)  # household rows enrolled (reviewed)
        self._set_enrolled(self.enrolled)
        self.reviewed = np.zeros(model.estates.n_communities, dtype=bool)
        self.year = -1
        self.budget_left = 0.0
        self.topup_left = 0.0
        self.paid_households_yuan = 0.0  # totals, for reports
        self.paid_topup_yuan = 0.0

    @property
    def for_households(self) -> bool:
        """Whether the scheme pays part of eligible households' fees."""
        return self.pars.scheme in ("both", "households")

    @property
    def for_old_estates(self) -> bool:
        """Whether the scheme tops up old estates' providers."""
        return self.pars.scheme in ("both", "old_estates")

    def apply(self, model) -> None:
        """Eligible households apply (with chance ``take_up``), once, at the start."""
        hh = model.households
        codes = [INCOME_CLASSES.index(c) for c in ELIGIBLE[self.pars.eligible]]
        eligible = hh.occupied & np.isin(hh.income_class, codes)
        draw = self.rng.random(hh.n)
        self.applicants = np.flatnonzero(eligible & (draw < self.pars.take_up))

    def enrol(self, model) -> None:
        """Community workers review their community's applications in the first month they have
        the hours (``enrol_hours_per_household`` each); reviewed applicants are enrolled."""
        community = model.estates.community[model.households.estate[self.applicants]]
        for c in np.flatnonzero(~self.reviewed):
            rows = self.applicants[community == c]
            hours = self.pars.enrol_hours_per_household * rows.size
            rc = model.residents_committees[int(c)]
            if hours > 0 and rc.spare_hours < hours:
                continue  # the review waits for a month with hours to spare
            if hours > 0:
                self.spend(hours=hours, community=int(c), purpose="enrolment")
            self.reviewed[c] = True
            self._set_enrolled(np.sort(np.concatenate([self.enrolled, rows])))

    def _set_enrolled(self, rows: np.ndarray) -> None:
        """Enrol ``rows`` and keep what the monthly hooks read of them (it changes only here):
        their estates, floor areas and the review hours each community's workers spend a month."""
        model = self.model
        self.enrolled = rows
        self.enrolled_estate = model.households.estate[rows]
        self.enrolled_area = model.households.area_m2[rows]
        per_community = np.bincount(model.estates.community[self.enrolled_estate], minlength=model.estates.n_communities)
        hours = self.pars.admin_hours_per_household_month
        self.review_hours = [(int(c), hours * float(per_community[c])) for c in np.flatnonzero(per_community)]

    def before_service(self, model) -> None:
        """Applications at the start, yearly budgets, enrolment reviews and monthly admin hours."""
        if self.applicants is None:
            self.apply(model)
        year = (model.month - self.start_month) // 12
        if year != self.year:
            self.year = year
            self.budget_left = float(self.pars.annual_budget_yuan)
            self.topup_left = float(self.pars.topup_annual_budget_yuan)
        if not self.for_households or not self.established():
            return
        if not self.reviewed.all():
            self.enrol(model)
        if self.pars.admin_hours_per_household_month > 0:
            for c, hours in self.review_hours:
                self.spend(hours=hours, community=c, purpose="review")

    def before_payment(self, model) -> None:
        """Lower enrolled households' payable share while the year's budget lasts."""
        if not self.for_households:
            return
        share = self.pars.subsidy_share if self.budget_left > 0 else 0.0
        model.households.fee_share_payable[self.enrolled] = np.float32(1.0 - share)

    def after_payment(self, model) -> None:
        """Pay providers the subsidised part of what enrolled households paid, within the budget."""
        if not self.for_households or self.enrolled.size == 0:
            return
        hh = model.households
        rows, estate = self.enrolled, self.enrolled_estate
        fee = model.fee_charged()[estate]
        owed = fee * self.enrolled_area * (1.0 - hh.fee_share_payable[rows]) * hh.paid[rows]
        per_estate = np.bincount(estate, weights=owed, minlength=model.estates.n)
        total = float(per_estate.sum())
        if total <= 0:
            return
        scale = min(1.0, self.budget_left / total)
        for e in np.flatnonzero(per_estate):
            model.institutions.pay_subsidy(int(e), float(per_estate[e]) * scale)
        paid = total * scale
        self.budget_left -= paid
        self.paid_households_yuan += paid
        self.record_cost(paid)

    def before_governance(self, model) -> None:
        """Top up old estates' providers once the scheme is established."""
        if self.for_old_estates and self.established():
            self.top_up(model)

    def shortfalls(self, model) -> np.ndarray:
        """Per old estate: basic-service cost share minus revenue (payments + subsidies), >= 0."""
        est, st = model.estates, model.state
        gap = np.zeros(est.n)
        for provider in model.providers():
            if self.pars.topup_applies_to == "non_profit" and isinstance(provider, PropertyFirm):
                continue
            billed_total = provider.billed()
            if billed_total <= 0:
                continue
            cost = self.pars.topup_standard_effort * provider.full_cost()
            for e in provider.estates:
                if est.type_name(e) != "old":
                    continue
                weight = provider.charged_fee(e) * est.area_total[e] / billed_total
                gap[e] = max(0.0, cost * weight - st.payments[e] - st.subsidies[e] - st.grants[e])
        return gap

    def top_up(self, model) -> None:
        """Pay ``topup_share`` of old estates' shortfalls as grants, within the year's budget."""
        gap = self.pars.topup_share * self.shortfalls(model)
        total = float(gap.sum())
        if total <= 0 or self.topup_left <= 0:
            return
        scale = min(1.0, self.topup_left / total)
        for e in np.flatnonzero(gap):
            model.institutions.pay_grant(int(e), float(gap[e]) * scale)
        paid = total * scale
        self.topup_left -= paid
        self.paid_topup_yuan += paid
        self.record_cost(paid)
