"""Suzhou alliance of neighbourhoods (小区联盟): seeds/004 (CPPCC proposal no. 007, 2012).

"一个社区内建立一个小区联盟 ... 由旗舰小区、协力小区和联合小区构成, 内部建立联合互动机制, 如建立业主
委员会联合会、聘请同一家物业服务企业、制定共同的业主公约、开展小区居民联谊活动等" (seeds/004).

Each community with two or more estates forms one alliance when the policy starts. Roles (the
source names them but gives no rule; the rule is commsim's):

- flagship (旗舰小区): the estate with the highest ``service quality + flagship_committee_weight
  x owners'-committee activity`` (0 without a committee) in the month before the start; ties go
  to the larger estate. Its firm becomes the alliance's firm; its index names the convention group.
- cooperating estates (协力小区): other members with an owners' committee of their own;
- associated estates (联合小区): members without one. Both roles are re-read each month, as
  committees form and lapse.

Mechanisms, each switchable: ``federation`` (committees lend a share of their complaint hours to
associated estates; a monthly federation meeting - a :class:`~commsim.meetings.Meeting` of a
community worker and one member of each member committee - supplies the hours it consumes as
supervision of the associated estates' providers), ``common_firm`` (one property firm serves the
member estates that had a market firm, and unmanaged ones if ``common_firm_includes_unmanaged``:
its unit cost falls as its fixed costs are shared (``PropertyFirm.cost_of``), and one effort
level serves all, so quality converges),
``common_convention`` (payment norm measured over the alliance: ``estates.norm_group``),
``joint_activities`` (a drive to take part in activity months; attendees gain belonging and make
cross-estate ties in extra tie slots). Costs: coordination hours of community workers, and the
activity budget in yuan.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from commsim.agents import PropertyFirm, ServiceProvider
from commsim.meetings import Attendance, Meeting
from commsim.params import SEED_SUZHOU, Param
from commsim.policies.base import Policy, policy_param, switch
from commsim.policies.registry import register_policy

A = "assumption"


PARAMETERS: tuple[Param, ...] = (
    switch("federation", "Owners'-committee federation (业主委员会联合会) of the alliance.", SEED_SUZHOU),
    switch("common_firm", "The alliance hires one property firm (聘请同一家物业服务企业).", SEED_SUZHOU),
    switch("common_convention", "A common owners' convention (共同的业主公约): the payment norm is the alliance's.", SEED_SUZHOU),
    switch("joint_activities", "Joint social activities of the estates' residents (小区居民联谊活动).", SEED_SUZHOU),
    switch("common_firm_includes_unmanaged", "Unmanaged member estates join the common firm (and start paying fees).", A),
    policy_param("flagship_committee_weight", 0.5, "quality points per unit of activity", (0.0, 1.0), A,
       "Weight of owners'-committee activity (0-1) next to service quality (0-1) when choosing the flagship.", bounds=(0.0, 10.0)),
    policy_param("federation_hours_share", 0.25, "share of committee hours", (0.1, 0.5), A,
       "Share of each member committee's complaint hours lent to associated estates (no committee of their own).", bounds=(0.0, 1.0)),
    policy_param("federation_owner_hours", 3.0, "hours/member committee/month", (1.0, 6.0), A,
       "Hours one member of each member committee spends a month at the federation meeting (supervising associated estates' firms).", bounds=(0.0, 100.0)),
    policy_param("federation_meeting_hours", 8.0, "worker-hours/alliance/month", (4.0, 16.0), A,
       "Community-worker hours to convene and serve the federation each month.", bounds=(0.0, 1000.0)),
    policy_param("activities_per_year", 12, "activities/year", (4, 12), A,
       "Joint activities a year, spread evenly over the months.", kind="int", bounds=(1, 12)),
    policy_param("activity_cost_yuan_per_household", 1.0, "yuan/household/activity", (0.5, 2.0),
       f"assumption; cf. community work funds >= 20 yuan/resident/year ({SEED_SUZHOU})",
       "Public budget of one joint activity per household of the alliance.", bounds=(0.0, 100.0)),
    policy_param("activity_organising_hours", 16.0, "worker-hours/activity", (8.0, 32.0), A,
       "Community-worker hours to organise one joint activity.", bounds=(0.0, 1000.0)),
    policy_param("activity_participation_drive", 0.06, "0-1 drive", (0.02, 0.12),
       f"assumption; participation is mostly recreation ({SEED_SUZHOU})",
       "Drive to take part added in an activity month for every household of the alliance.", bounds=(0.0, 1.0)),
    policy_param("activity_belonging_gain", 0.01, "0-1 per activity", (0.0, 0.02), A,
       "Belonging an attendee gains at a joint activity (identity with the community, not only the estate).", bounds=(0.0, 1.0)),
    policy_param("cross_tie_slots", 2, "ties/household", (1, 4), A,
       "Extra tie slots per household for ties to residents of other estates.", kind="int", bounds=(1, 16)),
    policy_param("cross_tie_prob", 0.3, "probability/attendee/activity", (0.1, 0.6), A,
       "Chance an attendee makes (or renews) a tie to an attendee from another estate of the alliance.", bounds=(0.0, 1.0)),
)


@dataclass
class Alliance:
    """One community's alliance: its member estates, flagship and (if any) common firm."""

    community: int
    members: np.ndarray  # estate indices, ascending
    flagship: int
    firm_scope: list[int] = field(default_factory=list)  # estates the common firm is meant to serve
    firm: ServiceProvider | None = None


def choose_flagship(quality: np.ndarray, activity: np.ndarray, units: np.ndarray, weight: float) -> int:
    """Index (into the arrays) of the flagship: best quality + weight x committee activity,
    ties to the larger estate. ``activity`` is NaN where there is no committee (counts as 0)."""
    score = quality + weight * np.nan_to_num(activity, nan=0.0)
    order = np.lexsort((-units, -score))
    return int(order[0])


@register_policy
class SuzhouAlliance(Policy):
    name = "suzhou_alliance"
    title_en = "Suzhou alliance of neighbourhoods"
    title_zh = "苏州小区联盟"
    source = SEED_SUZHOU
    parameters = PARAMETERS
    mechanisms = {
        "federation": {"federation": False},
        "common_firm": {"common_firm": False},
        "common_convention": {"common_convention": False},
        "joint_activities": {"joint_activities": False},
    }

    def __init__(self, model, values):
        super().__init__(model, values)
        self.alliances: list[Alliance] = []
        self.formed = False
        self.held = False  # a joint activity this month
        self.in_alliance = np.full(model.estates.n, -1)  # alliance of each estate, -1 none
        self.cross_slot0 = 0  # first of the alliance's tie slots

    # --- formation -----------------------------------------------------------------------
    def form(self, model) -> None:
        """Group estates, choose flagships, hire common firms, set norms, add tie slots."""
        p, est = self.pars, model.estates
        activity = model.committee_activity()
        for c in range(est.n_communities):
            members = np.flatnonzero(est.community == c)
            if members.size < 2:
                continue
            flag = members[choose_flagship(est.quality[members], activity[members],
                                           est.units[members], p.flagship_committee_weight)]
            self.alliances.append(Alliance(c, members, int(flag)))
        for i, a in enumerate(self.alliances):
            self.in_alliance[a.members] = i
            if p.common_convention:
                est.norm_group[a.members] = a.flagship
            if p.common_firm:
                a.firm_scope = [
                    int(e) for e in a.members
                    if isinstance(model.provider_of[e], PropertyFirm)
                    or (model.provider_of[e] is None and p.common_firm_includes_unmanaged)
                ]
                self.hire_common_firm(model, a)
        if p.joint_activities:
            self.cross_slot0 = model.households.ties.shape[1]
            model.households.add_tie_slots(int(p.cross_tie_slots))
        self.formed = True

    def hire_common_firm(self, model, a: Alliance) -> None:
        """The flagship's market firm takes over the scope's estates (a new firm if it has none)."""
        if len(a.firm_scope) < 2:
            return
        flag_firm = model.provider_of[a.flagship]
        if isinstance(flag_firm, PropertyFirm):
            a.firm = flag_firm
            self.extend(model, flag_firm, [e for e in a.firm_scope if e != a.flagship])
        else:
            inst = model.institutions
            for e in a.firm_scope:
                if model.provider_of[e] is not None:
                    inst.release(model.provider_of[e], e)
            a.firm = inst.award(model.market.new_firm(a.firm_scope, model.month, a.flagship), trust=model.p.trust_new_firm,
                                entry=True)

    def extend(self, model, firm: ServiceProvider, estates: list[int]) -> None:
        """``firm`` takes over ``estates``: revenue expectation and cash grow with the contract."""
        model.institutions.extend(firm, estates, trust=model.p.trust_new_firm)

    def keep_common_firm(self, model, a: Alliance) -> None:
        """Estates of the scope left without a provider (the firm exited) rejoin or rehire it.
        Estates whose owners dismissed the firm, or that fell back to self-management, stay out."""
        free = [e for e in a.firm_scope if model.provider_of[e] is None]
        if not free:
            return
        if a.firm is not None and a.firm.estates:
            self.extend(model, a.firm, free)
        else:
            a.firm = model.institutions.award(model.market.new_firm(free, model.month, a.flagship),
                                              trust=model.p.trust_new_firm, entry=True)

    # --- monthly hooks -------------------------------------------------------------------
    def before_service(self, model) -> None:
        if not self.formed:
            self.form(model)
        p = self.pars
        self.held = p.joint_activities and self.activity_month()
        for a in self.alliances:
            if self.held:
                households = float(model.estates.units[a.members].sum())
                self.spend(yuan=p.activity_cost_yuan_per_household * households,
                           hours=p.activity_organising_hours, community=a.community, purpose="activities")
            if p.common_firm:
                self.keep_common_firm(model, a)
            if p.federation:
                self.convene_federation(model, a)

    def convene_federation(self, model, a: Alliance) -> None:
        """The federation meets: a community worker and one member of each member committee;
        the hours they spend supervise the associated estates' providers."""
        has = model.has_committee()[a.members]
        coop, assoc = a.members[has], a.members[~has]
        if coop.size == 0:
            return
        attendees = [Attendance("community_worker", 1, self.pars.federation_meeting_hours)]
        attendees += [Attendance("owners_committee", 1, self.pars.federation_owner_hours, int(e)) for e in coop]
        meeting = Meeting(model, a.community, a.members, attendees, "federation", policy=self)
        meeting.convene()
        served = [int(e) for e in assoc if model.provider_of[e] is not None]
        if served:
            meeting.supply_supervision(meeting.available, served)

    def before_complaints(self, model) -> None:
        """Federation: committees lend hours to the estate tier of associated estates."""
        if not self.pars.federation:
            return
        share = self.pars.federation_hours_share
        hours = model.committee_hours()
        has = model.has_committee()
        occupied = model.estates.occupied_units.astype(float)
        for a in self.alliances:
            coop = a.members[has[a.members]]
            assoc = a.members[~has[a.members]]
            if coop.size == 0 or assoc.size == 0:
                continue
            lent = share * hours[coop]
            model.ladder.extra_hours[1, coop] -= lent
            model.ladder.extra_hours[1, assoc] += lent.sum() * occupied[assoc] / occupied[assoc].sum()

    def activity_month(self) -> bool:
        m0, n = self.model.month - self.start_month, int(self.pars.activities_per_year)
        return (m0 + 1) * n // 12 > m0 * n // 12

    def before_participation(self, model) -> None:
        if not self.held:
            return
        for a in self.alliances:
            model.estates.participation_opportunity[a.members] += self.pars.activity_participation_drive

    def after_participation(self, model) -> None:
        if not self.held:
            return
        p, hh, est = self.pars, model.households, model.estates
        for a in self.alliances:
            est.participation_opportunity[a.members] -= p.activity_participation_drive
        u = self.rng.random(hh.n)
        v = self.rng.random(hh.n)
        w = self.rng.random(hh.n)
        alliance_of = self.in_alliance[hh.estate]
        attend = hh.participated & (alliance_of >= 0)
        hh.belonging[attend] = np.minimum(1.0, hh.belonging[attend] + np.float32(p.activity_belonging_gain))
        k = int(p.cross_tie_slots)
        for i in range(len(self.alliances)):
            att = np.flatnonzero(attend & (alliance_of == i))  # sorted: grouped by estate
            lo = np.searchsorted(att, est.start)
            size = np.searchsorted(att, est.stop) - lo
            makers = att[u[att] < p.cross_tie_prob]
            e = hh.estate[makers]
            candidates = att.size - size[e]
            makers, e, candidates = makers[candidates > 0], e[candidates > 0], candidates[candidates > 0]
            r = np.minimum((v[makers] * candidates).astype(np.int64), candidates - 1)
            target = att[r + size[e] * (r >= lo[e])]
            slot = self.cross_slot0 + np.minimum((w[makers] * k).astype(np.int64), k - 1)
            hh.ties[makers, slot] = target
        hh.refresh_ties()
