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

The source is a CPPCC proposal; the civil-affairs bureau's reply (seeds/004, 2012-04-28) answers
it point by point but never adopts the alliance: the policy is a proposal, not a measure in force.

Mechanisms, each switchable (``setup_months`` after the start the alliance's actors are in place:
the federation organised, the first joint activity prepared, the first joining votes canvassed;
:meth:`Policy.established`):

- ``federation``: committees lend a share of their complaint hours to associated estates; a
  monthly federation meeting - a :class:`~commsim.meetings.Meeting` of a community worker and one
  member of each member committee - supplies the hours it consumes as supervision of the
  associated estates' providers (it lapses when the community workers lack the hours).
- ``common_firm``: the alliance's firm is the flagship's market firm (or a new one from the
  market's pool if the flagship has none). Every other member estate served by a market firm
  (and unmanaged ones if ``common_firm_includes_unmanaged``) joins it only after its **owners
  vote** to (``processes.assemblies``: turnout, quorum and consent under the vote rule in force;
  ``join`` replaces the estate's own firm, so the dissatisfied consent; ``join_unmanaged`` hires
  it). The owners' committee canvasses where there is one; community workers spend
  ``join_vote_worker_hours`` preparing each vote (the policy's hours; a vote is postponed while
  the workers lack them). An estate whose vote fails stays out and may vote again after
  ``join_retry_months``. Each estate that joins costs the street ``handover_cost_yuan`` (the
  handover inspection of common facilities and accounts, 交接查验). The firm's unit cost falls as
  its company overhead is shared over more area (``PropertyFirm.cost_of``: the core cost
  structure, no elasticity of the policy's own), and one effort level serves all its estates, so
  quality converges; the revenue of estates that pay more than their service costs then pays
  for service in the others: that **cross-subsidy** is measured each month
  (:meth:`SuzhouAlliance.cross_subsidy`; owners' money moved between estates, not public cost).
- ``common_convention``: the payment norm is measured over the alliance (``estates.norm_group``).
- ``joint_activities``: a drive to take part in activity months; attendees gain belonging and
  make cross-estate ties in extra tie slots. An activity whose organisers (community workers)
  lack the hours that month is not held.

Costs: community workers' hours (federation, activities, joining votes), the activity budget and
handover inspections in yuan (public); owners' volunteer hours (committees' canvassing and
federation meetings) in the month's volunteer hours.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from commsim.agents import PropertyFirm, SelfManagement, ServiceProvider
from commsim.meetings import Attendance, Meeting
from commsim.params import SEED_SUZHOU, Param
from commsim.policies.base import Policy, policy_param, switch
from commsim.policies.registry import register_policy
from commsim.processes.assemblies import committee_canvass, hold_vote

A = "assumption"
NEW_FIRM_KEY = 10**6  # keys the alliance's new firms' draws apart from the market's entrants


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
    policy_param("join_vote_worker_hours", 12.0, "worker-hours/vote", (6.0, 30.0),
       f"assumption; the legal share of owners is the obstacle ({SEED_SUZHOU})",
       "Community-worker hours to prepare one estate's owners' vote on joining the common firm (notices, ballots, canvassing).",
       bounds=(0.0, 1000.0)),
    policy_param("join_retry_months", 12, "months", (6, 24), A,
       "Months after a failed joining vote before the estate's owners vote again (0: never again).",
       kind="int", bounds=(0, 240)),
    policy_param("handover_cost_yuan", 5000.0, "yuan/estate", (2000.0, 15000.0),
       "assumption; a handover inspection of common facilities and accounts (交接查验) when a firm changes",
       "Public cost of handing one estate over to the common firm.", bounds=(0.0, 1e7)),
)


@dataclass
class Alliance:
    """One community's alliance: its member estates, flagship and (if any) common firm."""

    community: int
    members: np.ndarray  # estate indices, ascending
    flagship: int
    firm_scope: list[int] = field(default_factory=list)  # estates the common firm is meant to serve
    firm: ServiceProvider | None = None
    joined: list[int] = field(default_factory=list)  # estates whose owners voted to join (and the firm's own)
    next_vote: dict[int, int] = field(default_factory=dict)  # estate -> earliest month of its (next) vote
    households: float = 0.0  # dwelling units of the member estates (a joint activity's budget base)


def choose_flagship(quality: np.ndarray, activity: np.ndarray, units: np.ndarray, weight: float) -> int:
    """Index (into the arrays) of the flagship: best quality + weight x committee activity,
    ties to the larger estate. ``activity`` is NaN where there is no committee (counts as 0)."""
    score = quality + weight * np.nan_to_num(activity, nan=0.0)
    order = np.lexsort((-units, -score))
    return int(order[0])


@register_policy
class SuzhouAlliance(Policy):
    """Suzhou alliance: federation, common firm, common convention and joint activities."""

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
        self.held: list[bool] = []  # per alliance: a joint activity this month
        self.in_alliance = np.full(model.estates.n, -1)  # alliance of each estate, -1 none
        self.alliance_of_household = self.in_alliance[model.households.estate]  # set when formed
        self.household_in_alliance = self.alliance_of_household >= 0
        self.estates_by_alliance = np.arange(model.estates.n)  # estates ordered by alliance (stable)
        self.cross_slot0 = 0  # first of the alliance's tie slots
        self.votes_held = 0
        self.votes_passed = 0
        self.votes_postponed = 0
        self.handovers = 0
        self.activities_lapsed = 0
        self.cross_subsidy_month = 0.0  # owners' money moved between estates this month (yuan)
        self.cross_subsidy_yuan = 0.0  # ... over the run
        self.cross_received = np.zeros(model.estates.n)  # net yuan each estate received over the run

    # --- formation -----------------------------------------------------------------------
    def form(self, model) -> None:
        """Group estates, choose flagships, name each alliance's firm, set norms, add tie slots."""
        p, est = self.pars, model.estates
        activity = model.committee_activity()
        for c in range(est.n_communities):
            members = np.flatnonzero(est.community == c)
            if members.size < 2:
                continue
            flag = members[choose_flagship(est.quality[members], activity[members],
                                           est.units[members], p.flagship_committee_weight)]
            self.alliances.append(Alliance(c, members, int(flag), households=float(est.units[members].sum())))
        for i, a in enumerate(self.alliances):
            self.in_alliance[a.members] = i
        self.alliance_of_household = self.in_alliance[model.households.estate]
        self.household_in_alliance = self.alliance_of_household >= 0
        self.estates_by_alliance = np.argsort(self.in_alliance, kind="stable")
        for a in self.alliances:
            if p.common_convention:
                est.norm_group[a.members] = a.flagship
            if p.common_firm:
                a.firm_scope = [
                    int(e) for e in a.members
                    if isinstance(model.provider_of[e], PropertyFirm)
                    or (model.provider_of[e] is None and p.common_firm_includes_unmanaged)
                ]
                flag_firm = model.provider_of[a.flagship]
                if isinstance(flag_firm, PropertyFirm):
                    a.firm = flag_firm
                    a.joined = [int(e) for e in a.firm_scope if model.provider_of[e] is flag_firm]
                # else the alliance's firm is drawn from the market at the first passed vote
                first = self.start_month + int(p.setup_months)
                a.next_vote = {e: first for e in a.firm_scope if e not in a.joined}
        if p.joint_activities:
            self.cross_slot0 = model.households.ties.shape[1]
            model.households.add_tie_slots(int(p.cross_tie_slots))
        self.formed = True

    # --- the common firm: owners' votes, handover, keeping it --------------------------------
    def joining_votes(self, model, a: Alliance) -> None:
        """Estates due a vote vote on joining the alliance's firm (postponed while community
        workers lack the hours to prepare it); passed: the firm takes the estate over."""
        p, month = self.pars, model.month
        rc = model.residents_committees[a.community]
        for e in sorted(a.next_vote):
            if month < a.next_vote[e]:
                continue
            current = model.provider_of[e]
            if isinstance(current, SelfManagement) or (current is None and not p.common_firm_includes_unmanaged):
                del a.next_vote[e]  # the owners chose otherwise meanwhile: out of scope
                continue
            if current is not None and current is a.firm:
                del a.next_vote[e]
                a.joined.append(e)
                continue
            hours = float(p.join_vote_worker_hours)
            if hours > 0 and rc.spare_hours < hours:
                self.votes_postponed += 1
                continue
            self.spend(hours=hours, community=a.community, purpose="join_vote")
            canvass = hours + committee_canvass(model, e)
            self.votes_held += 1
            kind = "join_unmanaged" if current is None else "join"
            if hold_vote(model, e, kind, canvass).passed:
                self.votes_passed += 1
                del a.next_vote[e]
                self.hand_over(model, a, e)
            elif p.join_retry_months > 0:
                a.next_vote[e] = month + int(p.join_retry_months)
            else:
                del a.next_vote[e]

    def hand_over(self, model, a: Alliance, e: int) -> None:
        """Estate ``e`` passes to the alliance's firm (its current provider released), with the
        street's handover inspection."""
        inst, trust = model.institutions, model.p.trust_new_firm
        firm = a.firm
        if firm is None or not firm.estates or model.market.is_blacklisted(firm):
            firm = a.firm = model.market.new_firm([], model.month, a.flagship, NEW_FIRM_KEY)
        if firm.estates:
            inst.extend(firm, [e], trust=trust, entry=True)
        else:
            current = model.provider_of[e]
            if current is not None:
                inst.release(current, e)
            firm.estates = [e]
            inst.award(firm, trust=trust, entry=True)
        a.joined.append(e)
        self.handovers += 1
        if self.pars.handover_cost_yuan > 0:
            self.spend(yuan=self.pars.handover_cost_yuan, estate=e, purpose="handover")

    def keep_common_firm(self, model, a: Alliance) -> None:
        """Joined estates left without a provider (the firm exited) rejoin the firm, or a new one
        from the market if it left the street. Estates whose owners dismissed the firm, or that
        fell back to self-management, stay out."""
        a.joined = [e for e in a.joined if model.provider_of[e] is None or model.provider_of[e] is a.firm]
        free = [e for e in a.joined if model.provider_of[e] is None]
        if not free:
            return
        inst, trust = model.institutions, model.p.trust_new_firm
        if a.firm is not None and a.firm.estates and not model.market.is_blacklisted(a.firm):
            inst.extend(a.firm, free, trust=trust)
        else:
            a.firm = inst.award(model.market.new_firm(free, model.month, a.flagship, NEW_FIRM_KEY), trust=trust,
                                entry=True)

    def cross_subsidy(self, model, a: Alliance) -> float:
        """Owners' money moved between the firm's member estates this month (yuan): each estate's
        revenue funds its share of the firm's spending; an estate whose service (spending in
        proportion to its full cost, one effort level for all) costs more than its revenue funds
        is subsidised by the others. Returns the sum of what the subsidised estates receive."""
        firm = a.firm
        idx = [e for e in a.joined if model.provider_of[e] is firm]
        if firm is None or len(idx) < 2 or firm.spending <= 0:
            return 0.0
        revenue = model.state.revenue[firm.estates]
        total = float(revenue.sum())
        if total <= 0:
            return 0.0
        cost = np.array([firm.cost_of([e]) for e in firm.estates])
        served = firm.spending * cost / cost.sum()
        funded = firm.spending * revenue / total
        net = served - funded
        joined = set(idx)
        members = np.array([e in joined for e in firm.estates], dtype=bool)
        where, net = np.asarray(firm.estates)[members], net[members]
        received = np.clip(net, 0.0, None)
        self.cross_received[where] += net
        model.state.cross_subsidy_received[where] += received
        return float(received.sum())

    # --- monthly hooks -------------------------------------------------------------------
    def before_service(self, model) -> None:
        """Form alliances at the start; then joint activities, common firm and federation."""
        if not self.formed:
            self.form(model)
        p = self.pars
        ready = self.established()
        due = p.joint_activities and ready and self.activity_month()
        self.held = [False] * len(self.alliances)
        for i, a in enumerate(self.alliances):
            if due:
                rc = model.residents_committees[a.community]
                if rc.spare_hours < p.activity_organising_hours:
                    self.activities_lapsed += 1
                else:
                    self.held[i] = True
                    self.spend(yuan=p.activity_cost_yuan_per_household * a.households,
                               hours=p.activity_organising_hours, community=a.community, purpose="activities")
            if p.common_firm:
                self.keep_common_firm(model, a)
                if ready:
                    self.joining_votes(model, a)
            if p.federation and ready:
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
        if not self.pars.federation or not self.established():
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
        """Whether a joint activity falls due this month (``activities_per_year`` spread evenly)."""
        m0, n = self.model.month - self.start_month, int(self.pars.activities_per_year)
        return (m0 + 1) * n // 12 > m0 * n // 12

    def before_participation(self, model) -> None:
        """Raise members' participation opportunity where a joint activity is held."""
        for a, held in zip(self.alliances, self.held, strict=True):
            if held:
                model.estates.participation_opportunity[a.members] += self.pars.activity_participation_drive

    def before_governance(self, model) -> None:
        """Measure the month's cross-subsidy between the estates of each alliance's firm."""
        self.cross_subsidy_month = sum(self.cross_subsidy(model, a) for a in self.alliances) if self.pars.common_firm else 0.0
        self.cross_subsidy_yuan += self.cross_subsidy_month

    def after_participation(self, model) -> None:
        """Remove the activity's drive; attendees gain belonging and ties across estates.

        An attendee makes a tie with chance ``cross_tie_prob`` to an attendee drawn uniformly
        from the other estates of its alliance (all held alliances at once: each attendee's
        candidates are the block of its alliance's attendees without its own estate's).
        """
        if not any(self.held):
            return
        p, hh, est = self.pars, model.households, model.estates
        for a, held in zip(self.alliances, self.held, strict=True):
            if held:
                est.participation_opportunity[a.members] -= p.activity_participation_drive
        u = self.rng.random(hh.n)
        v = self.rng.random(hh.n)
        w = self.rng.random(hh.n)
        if all(self.held):
            in_held = self.household_in_alliance
        else:
            in_held = np.append(np.asarray(self.held, dtype=bool), False)[self.alliance_of_household]  # -1: none
        attendees = np.flatnonzero(hh.participated & in_held)  # sorted: grouped by estate
        hh.belonging[attendees] = np.minimum(1.0, hh.belonging[attendees] + np.float32(p.activity_belonging_gain))
        # attendees grouped by alliance (each block sorted, so grouped by estate within it)
        alliance = self.alliance_of_household[attendees]
        grouped = attendees[np.argsort(alliance, kind="stable")]
        per_alliance = np.bincount(alliance, minlength=len(self.alliances))
        block = np.cumsum(per_alliance) - per_alliance  # first position of each alliance's block
        size = np.searchsorted(attendees, est.stop) - np.searchsorted(attendees, est.start)  # per estate
        order = self.estates_by_alliance
        first = np.empty(est.n, dtype=np.int64)
        first[order] = np.cumsum(size[order]) - size[order]  # estate's first position in ``grouped``
        lo = first - block[self.in_alliance]  # ... within its alliance's block (estates in none: unused)
        makers = attendees[u[attendees] < p.cross_tie_prob]
        e = hh.estate[makers]
        i = self.in_alliance[e]
        candidates = per_alliance[i] - size[e]
        ok = candidates > 0
        makers, e, i, candidates = makers[ok], e[ok], i[ok], candidates[ok]
        r = np.minimum((v[makers] * candidates).astype(np.int64), candidates - 1)
        target = grouped[block[i] + r + size[e] * (r >= lo[e])]
        k = int(p.cross_tie_slots)
        slot = self.cross_slot0 + np.minimum((w[makers] * k).astype(np.int64), k - 1)
        filled = makers[hh.ties[makers, slot] < 0]  # an empty slot gets a tie: the count changes
        hh.ties[makers, slot] = target
        recount_ties(hh, filled)


def recount_ties(hh, rows: np.ndarray) -> None:
    """``hh.refresh_ties()`` for only the households ``rows`` whose empty slots were filled.

    The alliance's ties only ever fill slots (a tie is renewed, never removed), and no other
    mechanism fills an empty slot (estate ties are full for every occupied household from the
    start), so only these households' counts change; each gets the same value as a full refresh.
    """
    if hh.inv_tie_count is None:
        hh.refresh_ties()
    elif rows.size:
        count = (hh.ties[rows] >= 0).sum(axis=1)
        hh.inv_tie_count[rows] = (1.0 / count).astype(np.float32)
