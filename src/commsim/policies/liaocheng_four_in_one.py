"""Liaocheng four-in-one estate management (四位一体): seeds/000 (Liaocheng 2014 measures).

"形成小区党支部、居民小组、业主委员会和物业服务企业'四位一体'的新型居民小区物业管理模式。鼓励居民小区党组织
成员、居民小组成员、业主委员会成员之间的交叉任职,并与小区物业服务企业建立联席会议工作机制 ... 定期牵头召开由
业主委员会、居民小组和物业服务企业等有关人员参加的联席会议", "对暂时不具备实行专业化物业管理的居民小区(楼),
应组织安排专职人员进行保洁、秩序维护和公共设施维修 ... 发生的费用由业主承担。对居住分散的住宅楼,应进行划片
整合管理" (seeds/000).

Every mechanism waits until the policy is established (``setup_months`` after its start: the
branch set up, the residents' group heads named); the ones that need community workers' hours
lapse in a month their community's workers lack them. Mechanisms, per estate:

1. **joint meeting** (联席会议) every ``meeting_interval_months``: a
   :class:`~commsim.meetings.Meeting` of the party branch (its secretary, a community worker:
   the meeting's ``meeting_hours`` plus ``coordination_hours_per_party`` to prepare and relay
   its decisions to each other party present; ``branch_party_members`` resident party members),
   the residents' group head (a volunteer), ``meeting_owner_attendees`` owners' committee
   members (where there is a committee) and the firm's manager (where there is a provider; its
   desk hours), each for ``meeting_hours``. Where the estate has a provider,
   ``meeting_review_share`` of the hours consumed review the firm's performance: supervision
   hours of the estate (``model.supervision``, the one supervision channel). The rest takes up
   the estate's open disputes at the estate tier (at most ``meeting_cases``,
   ``hours_per_complaint_committee`` each: complaint hours at tier 1), and what they leave also
   reviews the firm; with the firm at the table the estate tier settles disputes more often
   (``meeting_resolve_gain``, that estate only). No firm, no supervision and no gain; a lapsed
   meeting supplies nothing;
2. **cross-appointment** (交叉任职): where the estate has an owners' committee, a share
   ``cross_appointment_share`` of residents' group heads sit on it: that share of the head's
   separate attendance and of the branch's coordination with the committee is saved;
3. **help forming owners' committees**: the branch and residents' group count as
   ``formation_help_initiators`` organisers in each estate without a committee
   (``model.assemblies.add_organisers``: the same drive and owners' assembly vote), and while a
   drive is under way community workers canvass ``formation_help_hours`` a month for it;
4. **consolidation** (划片整合): an estate that no market firm serves and whose owners have no
   committee is put out to tender by the street as part of a managed area: firms serving other
   estates of the community bid at the cost of adding it to what they manage (their shared
   cost structure), at the collection rate they see elsewhere; the street takes the best bid if
   owners would prefer it to what they have (``Market.choose``). Each tender costs
   ``consolidation_street_hours`` of street staff; a consolidation costs
   ``consolidation_works_yuan_per_unit`` per dwelling of public works (gates, fencing, a duty
   room) to make the blocks manageable, once per estate and only for blocks never managed
   before (an estate a firm left was a managed area already). A failed tender is tried again after
   ``consolidation_retry_months``;
5. **dedicated staff** (专职人员): an option the policy offers the market
   (``model.market.offer("staff", ...)``) for estates without a provider that consolidation
   could not place: :class:`DedicatedStaff` charging owners its cost,
   ``staff_fee_yuan_per_m2_month``, with effort capped at ``staff_quality_cap``.
"""

from __future__ import annotations

import numpy as np

from commsim.agents import PropertyFirm, ServiceProvider
from commsim.market import Option
from commsim.meetings import Attendance, Meeting, workers_short
from commsim.params import SEED_HARBIN, SEED_LIAOCHENG, Param
from commsim.policies.base import Policy, policy_param, switch
from commsim.policies.registry import register_policy
from commsim.processes.market import award_option
from commsim.vocabulary import Tier

A = "assumption"
L = SEED_LIAOCHENG


PARAMETERS: tuple[Param, ...] = (
    policy_param("meeting_interval_months", 1, "months", (1, 3), f"assumption; 'regularly' (定期) ({L})",
       "Months between joint meetings of party branch, residents' group, owners' committee and firm.",
       kind="int", bounds=(1, 12)),
    policy_param("meeting_hours", 2.0, "hours/attendee/meeting", (1.0, 4.0), A,
       "Length of a joint meeting: hours each attendee spends at the table.", bounds=(0.0, 24.0)),
    policy_param("coordination_hours_per_party", 1.5, "worker-hours/party/meeting", (0.5, 3.0), A,
       "Community-worker hours the branch secretary spends per other party present (residents' group, owners' committee, firm) preparing a joint meeting and relaying its decisions.",
       bounds=(0.0, 100.0)),
    policy_param("branch_party_members", 1, "persons", (0, 3), f"{L} (党支部 of community staff and resident party members); number an assumption",
       "Resident party members of the estate's branch attending a joint meeting (volunteers).", kind="int", bounds=(0, 20)),
    policy_param("meeting_owner_attendees", 2, "persons", (1, 3), A,
       "Owners' committee members attending a joint meeting (where the estate has a committee).", kind="int", bounds=(0, 11)),
    policy_param("meeting_cases", 6.0, "disputes/meeting", (2.0, 12.0), A,
       "Open disputes at the estate tier a joint meeting can take up (each takes hours_per_complaint_committee of its hours).",
       bounds=(0.0, 1000.0)),
    policy_param("meeting_review_share", 0.4, "share of meeting hours", (0.2, 0.6), A,
       "Share of a joint meeting's hours that reviews the firm's performance where the estate has a provider (supervision hours); the rest takes up disputes, and what disputes leave over also reviews the firm.",
       bounds=(0.0, 1.0)),
    policy_param("meeting_resolve_gain", 0.15, "probability", (0.05, 0.3), f"assumption; the firm at the table ({L})",
       "Added chance that a dispute at the estate tier is settled in a month its joint meeting was held with the firm present.",
       bounds=(0.0, 1.0)),
    policy_param("cross_appointment_share", 0.5, "share", (0.0, 1.0), f"assumption; cross-appointment encouraged (鼓励 ... 交叉任职) ({L})",
       "Share of residents' group heads who sit on the estate's owners' committee (where there is one): their separate attendance and the branch's coordination with the committee are saved.",
       bounds=(0.0, 1.0)),
    policy_param("formation_help_initiators", 3.0, "organisers", (1.0, 6.0), A,
       "Organisers the party branch and residents' group add to each estate without an owners' committee (drive to form one).",
       bounds=(0.0, 1000.0)),
    policy_param("formation_help_hours", 4.0, "worker-hours/estate/month", (2.0, 8.0), A,
       "Community-worker hours a month canvassing owners in an estate whose committee drive is under way.",
       bounds=(0.0, 1000.0)),
    switch("consolidation", "Estates no market firm serves and without owners' committee are put out to tender as part of a managed area (划片整合).", L),
    policy_param("consolidation_works_yuan_per_unit", 150.0, "yuan/dwelling", (50.0, 400.0), A,
       "One-off public works to make scattered blocks a manageable area (gates, fencing, a duty room), per dwelling unit.",
       bounds=(0.0, 1e5)),
    policy_param("consolidation_street_hours", 40.0, "street hours/tender", (16.0, 80.0), A,
       "Street-office hours to prepare and run one consolidation tender.", bounds=(0.0, 1e4)),
    policy_param("street_hour_cost_yuan", 30.0, "yuan/hour", (20.0, 45.0),
       "assumption; a street staff hour (community workers: 3,500 yuan / 166 hours = 21)",
       "Public cost of an hour of street-office work.", bounds=(0.0, 1e4)),
    policy_param("consolidation_retry_months", 12, "months", (6, 24), A,
       "Months before a consolidation tender that found no taker is tried again.", kind="int", bounds=(1, 240)),
    switch("dedicated_staff", "Estates with no provider may get dedicated staff for cleaning, order and repairs, paid by owners (an option offered to the market).", L),
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


def consolidated_bid(model, firm: PropertyFirm, e: int) -> float | None:
    """The fee at which ``firm`` would add estate ``e`` to the area it manages: the extra cost of
    serving it with its other estates (shared project office and overhead), at the collection
    rate of those estates and its margin, capped; None if it cannot cover its fixed-cost share."""
    est, p = model.estates, model.p
    area = float(est.area_total[e])
    if area <= 0 or not firm.estates:
        return None
    cost = firm.cost_of([*firm.estates, e]) - firm.cost_of(list(firm.estates))
    collection = max(0.05, float(est.collection_rate[firm.estates].mean()))
    fee = min(cost / (area * collection * (1.0 - firm.margin)), model.institutions.fee_cap(e))
    if fee * area * collection < p.firm_fixed_cost_share * cost:
        return None
    return float(fee)


@register_policy
class LiaochengFourInOne(Policy):
    """Liaocheng four-in-one: joint meetings, cross-appointment, formation help, consolidation."""

    name = "liaocheng_four_in_one"
    title_en = "Liaocheng four-in-one estate management"
    title_zh = "聊城四位一体小区物业管理"
    source = SEED_LIAOCHENG
    parameters = PARAMETERS
    mechanisms = {
        "joint_meeting": {"meeting_hours": 0.0, "coordination_hours_per_party": 0.0, "meeting_cases": 0.0,
                          "meeting_resolve_gain": 0.0},
        "cross_appointment": {"cross_appointment_share": 0.0},
        "formation_help": {"formation_help_initiators": 0.0, "formation_help_hours": 0.0},
        "consolidation": {"consolidation": False},
        "dedicated_staff": {"dedicated_staff": False},
    }

    def initialize(self) -> None:
        """Set up per-estate state and offer dedicated staff to the market if switched on."""
        p, model = self.pars, self.model
        n = model.estates.n
        self.tried_until = np.full(n, -1, dtype=np.int64)  # consolidation: no new tender before this month
        self.works_done = np.zeros(n, dtype=bool)  # consolidation works are paid once per estate
        self.ever_managed = np.zeros(n, dtype=bool)  # had a provider at some month start: no works needed
        self.all_managed = False  # every estate has been managed: ever_managed is all True
        self.community_of = [int(c) for c in model.estates.community]
        self.meetings_held = 0
        self.meetings_lapsed = 0
        self.consolidated = 0
        self._attendees: dict[tuple[int, bool, bool], tuple[Attendance, ...]] = {}  # see attendees()
        if p.dedicated_staff:
            model.market.offer(
                "staff", eligible=self.staff_eligible,
                fee=lambda e: p.staff_fee_yuan_per_m2_month, effort=lambda e: p.staff_quality_cap,
                make=lambda e: DedicatedStaff(model, [e], p.staff_fee_yuan_per_m2_month, p.staff_quality_cap))

    def new_month(self) -> None:
        """Remember which estates have ever been managed (by anyone but dedicated staff): they
        are manageable areas already."""
        super().new_month()
        if not self.all_managed:
            self.ever_managed |= np.array([p is not None and not isinstance(p, DedicatedStaff)
                                           for p in self.model.provider_of])
            self.all_managed = bool(self.ever_managed.all())  # from then on nothing changes

    def staff_eligible(self, e: int) -> bool:
        """Dedicated staff wait for the policy's set-up and, where consolidation is on, for a
        consolidation tender to have failed."""
        if not (self.active() and self.established()) or self.model.provider_of[e] is not None:
            return False
        return not self.pars.consolidation or self.tried_until[e] >= 0

    def meeting_month(self) -> bool:
        """Whether a joint meeting falls due this month (every ``meeting_interval_months``)."""
        return (self.model.month - self.start_month) % int(self.pars.meeting_interval_months) == 0

    # --- joint meetings and formation help ---------------------------------------------------
    def attendees(self, e: int) -> list[Attendance]:
        """Who attends estate ``e``'s joint meeting and for how long (the list depends only on
        the estate, whether it has a committee and whether it has a provider: kept once made)."""
        model = self.model
        key = (e, model.committee_of[e] is not None, model.provider_of[e] is not None)
        out = self._attendees.get(key)
        if out is None:
            out = self._attendees[key] = self._make_attendees(*key)
        return list(out)

    def _make_attendees(self, e: int, has_oc: bool, has_firm: bool) -> tuple[Attendance, ...]:
        p = self.pars
        crossed = p.cross_appointment_share if has_oc else 0.0
        parties = 1.0 + has_oc + has_firm - crossed  # residents' group, committee, firm
        worker = p.meeting_hours + p.coordination_hours_per_party * parties
        return (
            Attendance("community_worker", 1, worker),  # the branch secretary
            Attendance("volunteer", int(p.branch_party_members), p.meeting_hours, e),
            Attendance("volunteer", 1, p.meeting_hours * (1.0 - crossed), e),  # residents' group head
            Attendance("owners_committee", int(p.meeting_owner_attendees), p.meeting_hours, e),
            Attendance("firm_staff", 1, p.meeting_hours, e),  # the firm's manager
        )

    def before_complaints(self, model) -> None:
        """Joint meetings (in meeting months) and the canvass hours of formation drives."""
        if not self.established():
            return
        p, est = self.pars, model.estates
        if self.meeting_month() and p.meeting_hours + p.coordination_hours_per_party > 0:
            tier = model.households.complaint_tier
            open_cases = np.bincount(model.households.estate[tier == Tier.COMMITTEE], minlength=est.n)
            for e, cases in enumerate(open_cases.tolist()):
                self.joint_meeting(model, e, float(cases))
        if p.formation_help_hours > 0:
            for e in sorted(model.assemblies.drives):
                c = int(est.community[e])
                if model.committee_of[e] is None and not workers_short(model, c, p.formation_help_hours):
                    self.spend(hours=p.formation_help_hours, community=c, purpose="formation")
                    model.assemblies.add_organisers([e], 0.0, p.formation_help_hours)

    def joint_meeting(self, model, e: int, open_cases: float) -> None:
        """Hold estate ``e``'s joint meeting: disputes taken up, the firm's performance reviewed."""
        p = self.pars
        meeting = Meeting(model, self.community_of[e], [e], self.attendees(e), "joint_meeting", policy=self)
        hours = meeting.convene()
        if meeting.lapsed:
            self.meetings_lapsed += 1
            return
        self.meetings_held += 1
        has_firm = model.provider_of[e] is not None  # (a meeting does not change who serves)
        review = p.meeting_review_share * hours if has_firm else 0.0
        cases = min(open_cases, p.meeting_cases, (hours - review) / model.p.hours_per_complaint_committee)
        if cases > 0:
            meeting.supply_complaint_hours(Tier.COMMITTEE, cases * model.p.hours_per_complaint_committee)
        if has_firm:
            model.ladder.resolve_bonus[Tier.COMMITTEE, e] += p.meeting_resolve_gain
            if meeting.available > 0:
                meeting.supply_supervision(meeting.available)

    def before_governance(self, model) -> None:
        """The branch and residents' group count as organisers where owners have no committee
        (their own hours are counted by the drive as organisers' volunteer hours)."""
        p = self.pars
        if not self.established() or p.formation_help_initiators <= 0:
            return
        free = [e for e, oc in enumerate(model.committee_of) if oc is None]
        if free:
            model.assemblies.add_organisers(free, p.formation_help_initiators)

    # --- consolidation ------------------------------------------------------------------------------
    def after_governance(self, model) -> None:
        """Consolidation tenders for estates no market firm serves (after the market's month)."""
        p = self.pars
        if not p.consolidation or not self.established():
            return
        for e in range(model.estates.n):
            current = model.provider_of[e]
            if isinstance(current, PropertyFirm) or model.committee_of[e] is not None:
                continue
            if current is not None and not isinstance(current, DedicatedStaff):
                continue
            if model.month < self.tried_until[e]:
                continue
            self.consolidate(model, e)

    def consolidate(self, model, e: int) -> bool:
        """One consolidation tender for estate ``e``; returns whether a firm took it."""
        p, market = self.pars, model.market
        hours = p.consolidation_street_hours
        model.street.book(hours)
        self.spend(hours * p.street_hour_cost_yuan, estate=e, purpose="consolidation_tender")
        self.tried_until[e] = model.month + int(p.consolidation_retry_months)
        infra = float(model.estates.infrastructure[e])
        bids = []
        for firm in market.local_firms(e):
            if market.is_blacklisted(firm):
                continue
            fee = consolidated_bid(model, firm, e)
            if fee is not None:
                bids.append(Option("firm", fee, market.reputation(firm) * infra, firm=firm, street_arranged=True))
        if not bids:
            return False
        best = market.choose(e, [*bids, market.incumbent(e)], "consolidation")
        if best is None or best.kind != "firm":
            return False
        current = model.provider_of[e]
        if current is not None:
            model.institutions.release(current, e)
        award_option(model, e, best)
        if not (self.works_done[e] or self.ever_managed[e]):
            self.works_done[e] = True
            works = p.consolidation_works_yuan_per_unit * float(model.estates.units[e])
            self.spend(works, estate=e, purpose="consolidation_works")
        self.consolidated += 1
        return True
