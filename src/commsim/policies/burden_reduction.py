"""Burden reduction for communities (社区减负) with a work-item admission list (工作事项准入制度).

Cangzhou 2020 (seeds/002 §4(6)): "持续推进社区减负,让社区工作者将更多的时间和精力用于服务居民的事务中来 ...
制定社区工作事项准入制度。应当由基层政府履行的法定职责,不得要求基层群众性自治组织承担;依法需要基层群众性
自治组织协助的事项,应当为其提供必要的经费和工作条件 ... 各职能部门不再单独组织考核评比活动". Suzhou 2012
(seeds/004): residents' committees suffer the "五多" — 牌子多、检查多、考评多、台账多、盖章多 — and the
bureau's reply promises "城乡社区公共服务事项准入制度,改进社区评比达标表彰工作,探索实行第三方评估机制".

Mechanism. A share ``admin_pushed_down_share`` (core parameter) of community workers'
administration is tasks departments push down. Once the admission list is in force
(``setup_months`` after the start: drawing it up, getting departments to sign), each month:

1. of the pushed-down tasks, ``admitted_share`` pass the list and stay with the committee
   (assistance the law requires, now with funding); the rest is handed back
   (``ResidentsCommittee.transfer_admin``), so those worker hours go to residents' complaints;
2. of the tasks handed back, ``abolished_share`` are dropped altogether (duplicate ledgers,
   evaluations no longer held, certificates no longer required: seeds/002); the rest is done by
   the street office or the departments at ``reassigned_hour_cost_yuan`` an hour — the cost
   moves, it does not vanish (the policy's public cost);
3. departments push tasks back: each month ``creep_back_monthly`` of the handed-back hours
   return to the committee, until the street's annual review (``review_hours_per_community``
   of street staff per community, booked on the street office, where they compete with
   escalated complaints, and costed like reassigned hours) restores the list.

What it leaves out: the reassigned hours are costed but not booked on the street office's
complaint hours (most are departments' work, and the street's complaint budget in the model is
only what it spends on escalated complaints).
"""

from __future__ import annotations

import numpy as np

from commsim.params import SEED_CANGZHOU, SEED_SUZHOU, Param
from commsim.policies.base import Policy, policy_param
from commsim.policies.registry import register_policy

A = "assumption"
INF = float("inf")

PARAMETERS: tuple[Param, ...] = (
    policy_param("admitted_share", 0.4, "share of pushed-down hours", (0.2, 0.7),
                 f"assumption; assistance the law requires stays, with funding ({SEED_CANGZHOU} §4(6))",
                 "Share of the tasks departments push down that pass the admission list and stay with the committee.",
                 bounds=(0.0, 1.0)),
    policy_param("abolished_share", 0.2, "share of handed-back hours", (0.0, 0.4),
                 f"assumption; separate evaluations and certificates stop ({SEED_CANGZHOU} §4(6))",
                 "Share of the handed-back tasks dropped altogether (the rest is done by the street or departments).",
                 bounds=(0.0, 1.0)),
    policy_param("reassigned_hour_cost_yuan", 30.0, "yuan/hour", (20.0, 45.0),
                 "assumption; a street or department staff hour (community workers: 3,500 yuan / 166 hours = 21)",
                 "Public cost of an hour of handed-back work done by the street office or departments.",
                 bounds=(0.0, 1e4)),
    policy_param("setup_months", 6, "months", (3, 12), A,
                 "Months from the start until the admission list is in force.", kind="int", bounds=(0, 120)),
    policy_param("creep_back_monthly", 0.03, "share/month", (0.0, 0.08),
                 f"assumption; tasks return without enforcement ({SEED_SUZHOU}: the 'five too many' persist)",
                 "Share of the handed-back hours that departments push down again each month until the next review.",
                 bounds=(0.0, 1.0)),
    policy_param("review_interval_months", 12, "months", (6, 24), A,
                 "Months between the street's reviews that restore the list.", kind="int", bounds=(1, 120)),
    policy_param("review_hours_per_community", 16.0, "street hours/community/review", (8.0, 40.0), A,
                 "Street-office hours to review one community's work items.", bounds=(0.0, 1e4)),
)


@register_policy
class BurdenReduction(Policy):
    """The admission list: pushed-down tasks handed back, their cost moved to the street."""

    name = "burden_reduction"
    title_en = "Burden reduction for communities: a work-item admission list"
    title_zh = "社区减负(社区工作事项准入制度)"
    source = f"{SEED_CANGZHOU}; {SEED_SUZHOU}"
    parameters = PARAMETERS
    mechanisms = {
        "hand_back": {"admitted_share": 1.0},
        "abolition": {"abolished_share": 0.0},
        "reviews": {"review_interval_months": 120},
    }

    def initialize(self) -> None:
        """Nothing handed back yet; no review held."""
        self.compliance = 0.0  # share of the intended hand-back in force (1 after a review)
        self.months_in_force = -1
        self.handed_back_hours = 0.0  # totals, for reports and tests
        self.reassigned_hours = 0.0

    def new_month(self) -> None:
        """Hand pushed-down tasks back (after the committees booked this month's administration)."""
        super().new_month()
        if not self.active():
            return
        p, model = self.pars, self.model
        if not self.established():
            return
        self.months_in_force += 1
        if self.months_in_force % int(p.review_interval_months) == 0:
            self.compliance = 1.0
            hours = p.review_hours_per_community * len(model.residents_committees)
            model.street.book(hours)  # the street's staff review the lists (less time for complaints)
            self.spend(hours * p.reassigned_hour_cost_yuan, purpose="review")
        else:
            self.compliance *= 1.0 - p.creep_back_monthly
        for rc in model.residents_committees:
            intended = (1.0 - p.admitted_share) * rc.pushed_down_hours() * self.compliance
            moved = rc.transfer_admin(intended)
            reassigned = moved * (1.0 - p.abolished_share)
            self.handed_back_hours += moved
            self.reassigned_hours += reassigned
            if reassigned > 0:
                self.spend(reassigned * p.reassigned_hour_cost_yuan, community=rc.community, purpose="reassigned")

    def handed_back_share(self) -> float:
        """Share of pushed-down hours handed back this month across the street (0-1)."""
        rcs = self.model.residents_committees
        total = sum(rc.pushed_down_hours() + rc.admin_transferred for rc in rcs)
        return float(np.divide(sum(rc.admin_transferred for rc in rcs), total)) if total > 0 else 0.0
