"""Liaocheng four-in-one estate management (四位一体): seeds/000 (Liaocheng 2014 measures).

"形成小区党支部、居民小组、业主委员会和物业服务企业'四位一体'的新型居民小区物业管理模式 ... 定期牵头
召开由业主委员会、居民小组和物业服务企业等有关人员参加的联席会议" and "对暂时不具备实行专业化物业管理
的居民小区(楼), 应组织安排专职人员进行保洁、秩序维护和公共设施维修 ... 发生的费用由业主承担" (seeds/000).

Mechanisms, per estate:

1. joint meeting (联席会议) every ``meeting_interval_months``: the estate tier of the complaint
   ladder (tier 1) gets ``meeting_complaint_hours`` more handling capacity and
   ``meeting_resolve_gain`` on its chance to resolve, so fewer complaints go to the community,
   the street or the hotline; community workers (the party branch is staffed by them) spend
   ``meeting_worker_hours`` per estate and meeting;
2. supervision: the firm answers to the four parties, so ``meeting_supervision_gain`` is added to
   the estate's supervision each month (raising the firm's effort, ``plan_effort``);
3. help forming owners' committees: the branch and residents' group act as initiators of the
   first owners' assembly, ``formation_help_initiators`` owners-equivalents added to the active
   owners behind the formation hazard of ``processes.governance`` (same rule, same thresholds;
   only the extra chance is drawn here); workers spend ``formation_help_hours`` a month per
   estate without a committee;
4. dedicated staff (专职人员) for estates with no provider: a :class:`DedicatedStaff`
   provider charging owners its cost, ``staff_fee_yuan_per_m2_month``, with service quality
   capped at ``staff_quality_cap``; owners with a committee may later hire a market firm (at the
   core ``firm_entry_hazard``).
"""

from __future__ import annotations

import numpy as np

from commsim.agents import PropertyFirm, ServiceProvider
from commsim.params import SEED_HARBIN, SEED_LIAOCHENG, Param
from commsim.policies.base import Policy, policy_param, switch
from commsim.policies.registry import register_policy
from commsim.processes.governance import formation_factor
from commsim.vocabulary import Tier

A = "assumption"


PARAMETERS: tuple[Param, ...] = (
    policy_param("meeting_interval_months", 1, "months", (1, 3), f"assumption; 'regularly' (定期) ({SEED_LIAOCHENG})",
       "Months between joint meetings of party branch, residents' group, owners' committee and firm.",
       kind="int", bounds=(1, 12)),
    policy_param("meeting_worker_hours", 6.0, "worker-hours/estate/meeting", (3.0, 12.0), A,
       "Community-worker hours per estate and joint meeting (preparing, attending, following up).",
       bounds=(0.0, 1000.0)),
    policy_param("meeting_complaint_hours", 10.0, "hours/estate/meeting", (4.0, 20.0), A,
       "Complaint-handling capacity a joint meeting adds at the estate tier (all four parties at the table).",
       bounds=(0.0, 1000.0)),
    policy_param("meeting_resolve_gain", 0.15, "probability", (0.05, 0.3), A,
       "Added chance that a complaint handled at the estate tier is resolved in a meeting month.", bounds=(0.0, 1.0)),
    policy_param("meeting_supervision_gain", 0.25, "0-1 supervision", (0.1, 0.4),
       f"assumption; the firm must accept supervision and inspection ({SEED_LIAOCHENG})",
       "Supervision added to every estate's firm while joint meetings are held.", bounds=(0.0, 1.0)),
    policy_param("formation_help_initiators", 10.0, "owners", (5.0, 20.0), A,
       "Owners-equivalents the branch and residents' group add to the active owners behind committee formation.",
       bounds=(0.0, 1000.0)),
    policy_param("formation_help_hours", 4.0, "worker-hours/estate/month", (2.0, 8.0), A,
       "Community-worker hours a month per estate without an owners' committee, to prepare its first assembly.",
       bounds=(0.0, 1000.0)),
    switch("dedicated_staff", "Estates with no provider get dedicated staff for cleaning, order and repairs, paid by owners.",
           SEED_LIAOCHENG),
    policy_param("staff_fee_yuan_per_m2_month", 0.35, "yuan/m2/month", (0.2, 0.5),
       f"assumption; cost-priced basic service, cf. Harbin 0.4 yuan/m2/month ({SEED_HARBIN}; targets)",
       "Fee owners pay for dedicated staff (their cost; no margin).", bounds=(0.0, 50.0)),
    policy_param("staff_quality_cap", 0.55, "0-1", (0.4, 0.7), A,
       "Highest service quality dedicated staff reach (basic cleaning, order and repairs only).", bounds=(0.0, 1.0)),
)


class DedicatedStaff(ServiceProvider):
    """Staff the street arranges for an estate not ready for professional management (专职人员):
    paid by owners at cost, no margin, no exit, quality capped (seeds/000)."""

    kind = "staff"
    keeps_margin = False  # paid at cost: supervision raises quality only through the service stage

    def __init__(self, model, estates: list[int], fee: float, quality_cap: float):
        super().__init__(model, estates)
        self.fee = float(fee)
        self.quality_cap = float(quality_cap)

    def charged_fee(self, e: int) -> float:
        """The owners' fee for dedicated staff (their cost), yuan/m2/month."""
        return self.fee

    def full_cost(self) -> float:
        """Monthly cost (yuan) of full effort: the fee on the whole floor area."""
        return self.fee * self.managed_area()


@register_policy
class LiaochengFourInOne(Policy):
    name = "liaocheng_four_in_one"
    title_en = "Liaocheng four-in-one estate management"
    title_zh = "聊城四位一体小区物业管理"
    source = SEED_LIAOCHENG
    parameters = PARAMETERS
    mechanisms = {
        "joint_meeting": {"meeting_complaint_hours": 0.0, "meeting_resolve_gain": 0.0, "meeting_worker_hours": 0.0},
        "supervision": {"meeting_supervision_gain": 0.0},
        "formation_help": {"formation_help_initiators": 0.0, "formation_help_hours": 0.0},
        "dedicated_staff": {"dedicated_staff": False},
    }

    def meeting_month(self) -> bool:
        return (self.model.month - self.start_month) % int(self.pars.meeting_interval_months) == 0

    def before_service(self, model) -> None:
        p, est = self.pars, model.estates
        model.supervision[:] = np.minimum(1.0, model.supervision + p.meeting_supervision_gain)
        if p.dedicated_staff:
            for e in range(est.n):
                if model.provider_of[e] is None:
                    model.institutions.award(DedicatedStaff(model, [e], p.staff_fee_yuan_per_m2_month, p.staff_quality_cap))
        for e in range(est.n):
            if model.committee_of[e] is None and p.formation_help_hours > 0:
                self.spend(hours=p.formation_help_hours, community=int(est.community[e]), purpose="formation")

    def before_complaints(self, model) -> None:
        if not self.meeting_month():
            return
        p, est = self.pars, model.estates
        model.ladder.extra_hours[Tier.COMMITTEE] += p.meeting_complaint_hours
        model.ladder.resolve_bonus[Tier.COMMITTEE] += p.meeting_resolve_gain
        for c in range(est.n_communities):
            n_estates = int((est.community == c).sum())
            self.spend(hours=p.meeting_worker_hours * n_estates, community=c, purpose="joint_meeting")

    def after_governance(self, model) -> None:
        self.help_form_committees(model)
        if self.pars.dedicated_staff:
            self.staff_to_firm(model)

    def help_form_committees(self, model) -> None:
        """Extra chance of forming a committee: the core hazard recomputed with the helpers
        counted among the active owners; only the part the core did not already draw."""
        p, est, hh = model.p, model.estates, model.households
        draw = self.rng.random(est.n)
        active = est.participation_owner.mean(axis=0)
        owners = np.bincount(hh.estate, weights=hh.owner, minlength=est.n)
        base = p.oc_formation_hazard * formation_factor(model)
        core = base * np.minimum(1.0, active / p.oc_initiators_needed)
        helped = base * np.minimum(1.0, (active + self.pars.formation_help_initiators) / p.oc_initiators_needed)
        extra = np.divide(helped - core, 1.0 - core, out=np.zeros(est.n), where=core < 1.0)
        occupancy = est.occupied_units / est.units
        share = np.divide(active, owners, out=np.zeros(est.n), where=owners > 0)
        st = model.state
        for e in range(est.n):
            if (model.committee_of[e] is not None or st.committees_lapsed[e] or st.committees_formed[e]
                    or occupancy[e] < p.oc_occupancy_threshold or draw[e] >= extra[e]):
                continue
            oc = model.institutions.form_committee(e, share[e])
            model.supervision[e] = oc.activity

    def staff_to_firm(self, model) -> None:
        """Owners with a committee may replace dedicated staff by a market firm (firm_entry_hazard)."""
        draw = self.rng.random(model.estates.n)
        inst = model.institutions
        for e, provider in enumerate(model.provider_of):
            if isinstance(provider, DedicatedStaff) and model.committee_of[e] is not None and draw[e] < model.p.firm_entry_hazard:
                inst.release(provider, e)
                inst.award(PropertyFirm(model, [e]), entry=True)
