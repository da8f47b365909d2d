"""Liaocheng four-in-one estate management (四位一体): seeds/000 (Liaocheng 2014 measures).

"形成小区党支部、居民小组、业主委员会和物业服务企业'四位一体'的新型居民小区物业管理模式 ... 定期牵头
召开由业主委员会、居民小组和物业服务企业等有关人员参加的联席会议" and "对暂时不具备实行专业化物业管理
的居民小区(楼), 应组织安排专职人员进行保洁、秩序维护和公共设施维修 ... 发生的费用由业主承担" (seeds/000).

Mechanisms, per estate:

1. joint meeting (联席会议) every ``meeting_interval_months``: a :class:`~commsim.meetings.Meeting`
   of the party branch (a community worker, ``meeting_worker_hours`` for preparing, attending
   and following up), ``meeting_owner_attendees`` owners' committee members (where there is a
   committee), the residents' group head (a volunteer) and the firm's manager (where there is a
   provider), each for ``meeting_hours``. Convening books every attendee's hours on whoever pays
   for them; of the hours consumed, ``meeting_complaint_share`` becomes complaint-handling
   capacity at the estate tier (tier 1) and the rest supervision of the estate's provider
   (``model.supervision``: the firm answers to the four parties). A meeting month also adds
   ``meeting_resolve_gain`` to the estate tier's chance to resolve a complaint;
2. help forming owners' committees: the branch and residents' group act as organisers of the
   first owners' assembly: ``formation_help_initiators`` organisers added to each estate without
   a committee (``model.assemblies.add_organisers``: same drive, same assembly vote), and the
   ``formation_help_hours`` community workers spend there a month canvass owners;
3. dedicated staff (专职人员): an option the policy offers the market
   (``model.market.offer("staff", ...)``): an estate without a provider may get a
   :class:`DedicatedStaff` provider charging owners its cost, ``staff_fee_yuan_per_m2_month``,
   with effort capped at ``staff_quality_cap``; the street may arrange it where owners have no
   committee; owners with a committee may later choose a market firm in a review.
"""

from __future__ import annotations

from commsim.agents import ServiceProvider
from commsim.meetings import Attendance, Meeting
from commsim.params import SEED_HARBIN, SEED_LIAOCHENG, Param
from commsim.policies.base import Policy, policy_param, switch
from commsim.policies.registry import register_policy
from commsim.vocabulary import Tier

A = "assumption"


PARAMETERS: tuple[Param, ...] = (
    policy_param("meeting_interval_months", 1, "months", (1, 3), f"assumption; 'regularly' (定期) ({SEED_LIAOCHENG})",
       "Months between joint meetings of party branch, residents' group, owners' committee and firm.",
       kind="int", bounds=(1, 12)),
    policy_param("meeting_worker_hours", 6.0, "worker-hours/estate/meeting", (3.0, 12.0), A,
       "Community-worker hours per estate and joint meeting (preparing, attending, following up).",
       bounds=(0.0, 1000.0)),
    policy_param("meeting_hours", 2.0, "hours/attendee/meeting", (1.0, 4.0), A,
       "Length of a joint meeting: hours each owners' committee member, the residents' group head and the firm's manager attend.",
       bounds=(0.0, 24.0)),
    policy_param("meeting_owner_attendees", 2, "persons", (1, 3), A,
       "Owners' committee members attending a joint meeting (where the estate has a committee).", kind="int", bounds=(0, 11)),
    policy_param("meeting_complaint_share", 0.6, "share of meeting hours", (0.4, 0.8), A,
       "Share of the hours a joint meeting consumes that handles complaints at the estate tier (all four parties at the table); the rest supervises the provider.",
       bounds=(0.0, 1.0)),
    policy_param("meeting_resolve_gain", 0.15, "probability", (0.05, 0.3), A,
       "Added chance that a complaint handled at the estate tier is resolved in a meeting month.", bounds=(0.0, 1.0)),
    policy_param("formation_help_initiators", 3.0, "organisers", (1.0, 6.0), A,
       "Organisers the party branch and residents' group add to each estate without an owners' committee (drive to form one).",
       bounds=(0.0, 1000.0)),
    policy_param("formation_help_hours", 4.0, "worker-hours/estate/month", (2.0, 8.0), A,
       "Community-worker hours a month per estate without an owners' committee, to prepare its first assembly (they canvass owners).",
       bounds=(0.0, 1000.0)),
    switch("dedicated_staff", "Estates with no provider may get dedicated staff for cleaning, order and repairs, paid by owners (an option offered to the market).",
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

    def offer_fee(self, e: int) -> float:
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
        "joint_meeting": {"meeting_hours": 0.0, "meeting_owner_attendees": 0, "meeting_resolve_gain": 0.0,
                          "meeting_worker_hours": 0.0},
        "formation_help": {"formation_help_initiators": 0.0, "formation_help_hours": 0.0},
        "dedicated_staff": {"dedicated_staff": False},
    }

    def initialize(self) -> None:
        p, model = self.pars, self.model
        if p.dedicated_staff:
            model.market.offer(
                "staff", eligible=lambda e: self.active() and model.provider_of[e] is None,
                fee=lambda e: p.staff_fee_yuan_per_m2_month, effort=lambda e: p.staff_quality_cap,
                make=lambda e: DedicatedStaff(model, [e], p.staff_fee_yuan_per_m2_month, p.staff_quality_cap))

    def meeting_month(self) -> bool:
        return (self.model.month - self.start_month) % int(self.pars.meeting_interval_months) == 0

    def before_service(self, model) -> None:
        p, est = self.pars, model.estates
        for e in range(est.n):
            if model.committee_of[e] is None and p.formation_help_hours > 0:
                self.spend(hours=p.formation_help_hours, community=int(est.community[e]), purpose="formation")

    def before_complaints(self, model) -> None:
        if not self.meeting_month():
            return
        p, est = self.pars, model.estates
        for e in range(est.n):
            attendees = [
                Attendance("community_worker", 1, p.meeting_worker_hours),
                Attendance("owners_committee", int(p.meeting_owner_attendees), p.meeting_hours, e),
                Attendance("volunteer", 1, p.meeting_hours, e),  # the residents' group head
                Attendance("firm_staff", 1, p.meeting_hours, e),  # the firm's manager
            ]
            meeting = Meeting(model, int(est.community[e]), [e], attendees, "joint_meeting", policy=self)
            hours = meeting.convene()
            meeting.supply_complaint_hours(Tier.COMMITTEE, p.meeting_complaint_share * hours)
            meeting.supply_supervision(meeting.available)
        model.ladder.resolve_bonus[Tier.COMMITTEE] += p.meeting_resolve_gain

    def before_governance(self, model) -> None:
        """The branch and residents' group count as organisers where owners have no committee."""
        p = self.pars
        free = [e for e, oc in enumerate(model.committee_of) if oc is None]
        if free:
            model.assemblies.add_organisers(free, p.formation_help_initiators, p.formation_help_hours)
