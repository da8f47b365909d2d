"""Cangzhou six-in-one (六位一体) community property governance (Cangzhou 2020, seeds/002).

Source: seeds/002_b07cc5befbed7128.txt (§2(5) building heads, §3(1)-(4) street and community
property management committees, the community property manager, published firm ratings,
§3(6) and §4(1) the three-tier handling of disputes). Heads, committees and ratings wait until
the policy is established (``setup_months``: heads named, committees set up, rating standards
drawn up); managers are recruited from the start month. Four mechanisms:

1. **Building heads** (楼门长): ``ceil(units / households_per_head)`` posts per estate, a share
   ``head_coverage`` filled. A head spots a service failure in the building before it reaches
   the household with chance ``head_detection_prob`` and reports it to the provider, which
   fixes it early with a chance equal to its effort; each report costs the provider
   ``report_firm_hours`` of complaint-desk time (``model.ladder.extra_hours`` at tier 0, at most
   its desk hours). Heads mobilise: ``estates.participation_opportunity`` and
   ``model.vote_mobilisation`` rise with coverage. Stipends are public cost; liaison hours
   are booked on the community workers.
2. **Community property manager** (社区物业管理员), ``managers_per_community`` paid posts per
   community, vacant until recruitment fills them (a :class:`~commsim.workforce.Workforce` of
   the policy's own: hires after ``worker_hiring_months`` on average, departures, trainees).
   The post-holders' hours: ``manager_complaint_share`` settle complaints "on the spot" at the
   community tier (tier-2 hours, which also serve the residents' committee standing in at tier
   1), with a better chance of settling them (``manager_resolve_bonus`` x share of posts
   filled, tiers 1-2); ``manager_inspection_share`` inspect the firms of the community's
   estates (supervision hours, firms on warning weighted by ``warning_inspection_weight``); the
   rest run the committee (they attend its meetings). Pay of filled posts is public cost.
3. **Committees** (:class:`~commsim.meetings.Meeting`s). The community property management
   committee meets every ``community_meeting_interval_months``: community workers, the
   managers, police and legal staff (street staff hours, costed at ``public_hour_cost_yuan``),
   and from each estate a building head, an owners' committee member and the firm's manager
   (where there are). It takes up the community's open complaints at the community tier (at
   most ``community_meeting_cases``, ``hours_per_complaint_community`` each, out of the hours it
   consumed); the rest of its hours press the firms (supervision of the firm-served estates);
   with firms at the table the community tier settles more often
   (``community_meeting_resolve_bonus``). The street committee meets every
   ``street_meeting_interval_months`` and takes up each community's matters in turn (street
   staff, a community worker, owners' committees and firms): at most ``street_meeting_cases``
   of the community's open complaints at the street tier, the rest supervision. A meeting
   whose community workers lack the hours lapses (it supplies nothing).
4. **Published ratings** every ``rating_interval_months``: rating = w x satisfaction rate +
   (1 - w) x service quality (the community's evaluation). The rating round is the community
   workers' hours (``rating_worker_hours`` per estate; it lapses when they lack them), which
   are supervision of the rated firms; the published rating enters the firm's street record
   (``model.market.rate``): owners weigh the reputation when they choose among bids in every
   tender of the street; a firm rated under ``warning_line`` is on warning (more of the
   manager's inspections); one rated under the line ``blacklist_after_ratings`` times in a row
   is blacklisted (``model.market.blacklist``: it bids for no estate of the street again), its
   contract in that estate ends (``institutions.dismiss``) and the estate goes to the market at
   once (``processes.market.fill``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from commsim.agents import PropertyFirm
from commsim.errors import ParameterError
from commsim.meetings import Attendance, Meeting
from commsim.params import SEED_CANGZHOU
from commsim.policies.base import Policy, policy_param, switch
from commsim.policies.registry import register_policy
from commsim.processes.market import fill
from commsim.vocabulary import Tier
from commsim.workforce import Workforce

if TYPE_CHECKING:
    from commsim.model import CommunityModel

A = "assumption"
S = SEED_CANGZHOU
INF = float("inf")
FIRM, COMMITTEE, COMMUNITY, STREET = Tier.FIRM, Tier.COMMITTEE, Tier.COMMUNITY, Tier.STREET


PARAMETERS = (
    policy_param("setup_months", 3, "months", (1, 9), f"assumption; heads chosen by 自荐、推荐、组织考察, committees set up, rating standards drawn up ({S} §2(5), §3(1)-(4))", "Months from the start until building heads are named, the committees meet and the rating period starts (managers are recruited from the start).", kind="int", bounds=(0, 120)),
    # building heads ---------------------------------------------------------------------
    policy_param("households_per_head", 30.0, "households/head", (15.0, 60.0), f"{S} §2(5) (楼门(栋)长); size an assumption", "Dwelling units per building-head post (one per building or entrance).", bounds=(1.0, 10_000.0)),
    policy_param("head_coverage", 0.8, "share", (0.5, 1.0), A, "Share of building-head posts filled by an active volunteer.", bounds=(0.0, 1.0)),
    policy_param("head_stipend_yuan_month", 50.0, "yuan/head/month", (0.0, 200.0), f"{S} §2(5) (通讯费等补贴 where counties can); amount an assumption", "Public stipend per active building head.", bounds=(0.0, INF)),
    policy_param("head_detection_prob", 0.3, "probability", (0.1, 0.5), A, "Chance an active head spots a failure in the building before it reaches the household.", bounds=(0.0, INF)),
    policy_param("report_firm_hours", 0.5, "staff-hours/report", (0.2, 1.5), A, "Provider desk hours to take a head's report (taken from complaint handling).", bounds=(0.0, INF)),
    policy_param("head_participation_drive", 0.03, "threshold units", (0.0, 0.08), f"{S} §2(5) (动员引导本楼栋居民); size an assumption", "Drive to take part added at full coverage (estates.participation_opportunity).", bounds=(0.0, INF)),
    policy_param("head_vote_mobilisation", 0.3, "logit", (0.0, 0.8), A, "Owners'-vote turnout log-odds added at full coverage (model.vote_mobilisation).", bounds=(0.0, INF)),
    policy_param("worker_hours_per_head", 0.25, "hours/head/month", (0.0, 1.0), A, "Community-worker hours per active head per month (liaison, grid work).", bounds=(0.0, INF)),
    # community property manager -------------------------------------------------------
    policy_param("managers_per_community", 1, "posts", (1, 2), f"{S} §3(3) (社区物业管理员)", "Community property manager posts per community (recruited: vacant until hired, worker_hiring_months).", kind="int", bounds=(0, 10)),
    policy_param("manager_pay_yuan_month", 3500.0, "yuan/post/month", (2500.0, 4500.0), "targets: community worker pay 2,500-4,000 yuan/month", "Public cost of one filled manager post.", bounds=(0.0, INF)),
    policy_param("manager_complaint_share", 0.5, "share of hours", (0.3, 0.6), f"assumption (range kept so that with the inspection share it never exceeds the hours); the post also runs the committee, publicity, inspections and ratings ({S} §3(3))", "Share of the manager's working hours spent settling complaints at the community tier.", bounds=(0.0, 1.0)),
    policy_param("manager_inspection_share", 0.25, "share of hours", (0.1, 0.4), f"assumption; the post inspects and rates firms ({S} §3(3))", "Share of the manager's working hours spent inspecting the firms of the community's estates (supervision hours).", bounds=(0.0, 1.0)),
    policy_param("manager_resolve_bonus", 0.10, "probability", (0.0, 0.2), f"assumption; '能够自行解决的,及时就地解决' with the mediators ({S} §3(3), §3(6))", "Added chance that the residents'-committee and community tiers settle a complaint, times the share of the community's manager posts filled.", bounds=(0.0, 1.0)),
    # committees on the ladder ------------------------------------------------------------
    policy_param("community_meeting_interval_months", 1, "months", None, f"{S} §3(2) ('每月召开一次')", "Months between community property management committee meetings.", kind="int", bounds=(1, 24)),
    policy_param("community_meeting_hours", 2.0, "hours/attendee/meeting", (1.0, 4.0), A, "Length of a community committee meeting: hours each member attends (manager, a building head and an owners' committee member and the firm's manager of each estate, police and legal staff).", bounds=(0.0, 24.0)),
    policy_param("community_meeting_worker_hours", 8.0, "hours/community/meeting", (4.0, 16.0), A, "Community-worker hours per community committee meeting (the secretary chairing, preparation, follow-up).", bounds=(0.0, INF)),
    policy_param("community_meeting_outside_staff", 2, "persons", (1, 4), f"{S} §3(2) (辖区民警、法律顾问、人民调解员)", "Police, legal adviser and mediator attending a community committee meeting (public staff, hours costed).", kind="int", bounds=(0, 20)),
    policy_param("community_meeting_cases", 8.0, "complaints/meeting", (4.0, 20.0), A, "Open complaints at the community tier a community committee meeting can take up (three-party consultation; hours_per_complaint_community each).", bounds=(0.0, INF)),
    policy_param("community_meeting_resolve_bonus", 0.05, "probability", (0.0, 0.15), A, "Added chance the community tier settles a complaint in a month its committee met with the firms present.", bounds=(0.0, 1.0)),
    policy_param("street_meeting_interval_months", 3, "months", None, f"{S} §3(1) ('每季度召开一次')", "Months between street property management committee meetings.", kind="int", bounds=(1, 24)),
    policy_param("street_meeting_hours", 3.0, "hours/attendee/community", (1.0, 6.0), A, "Hours each attendee spends on one community's matters at a street committee meeting.", bounds=(0.0, 24.0)),
    policy_param("street_meeting_staff", 3, "persons", (2, 6), f"{S} §3(1) (街道党工委书记, departments, judicial office)", "Street and department staff at a street committee meeting (hours costed).", kind="int", bounds=(0, 50)),
    policy_param("street_meeting_cases", 4.0, "complaints/community/meeting", (2.0, 10.0), A, "Open complaints at the street tier from one community a street committee meeting can take up (hours_per_complaint_street each).", bounds=(0.0, INF)),
    policy_param("street_meeting_resolve_bonus", 0.10, "probability", (0.0, 0.25), A, "Added chance the street tier settles a complaint from a community whose matters the street committee took up that month.", bounds=(0.0, 1.0)),
    policy_param("street_meeting_worker_hours", 4.0, "hours/community/meeting", (2.0, 8.0), A, "Community-worker hours per community for a street committee meeting.", bounds=(0.0, INF)),
    policy_param("public_hour_cost_yuan", 30.0, "yuan/hour", (20.0, 45.0), "assumption; a street or department staff hour (community workers: 3,500 yuan / 166 hours = 21)", "Public cost of an hour of street, police or department staff at the committees.", bounds=(0.0, 1e4)),
    # published ratings --------------------------------------------------------------------
    policy_param("rating_interval_months", 6, "months", None, f"{S} §3(4) ('每半年向社会公布')", "Months between published ratings of firms.", kind="int", bounds=(1, 60)),
    policy_param("rating_satisfaction_weight", 0.5, "weight", (0.3, 0.8), f"assumption; owners' satisfaction and party-organisation evaluation both count ({S} §3(4))", "Weight of the satisfaction rate in a rating (the rest: service quality as the community sees it).", bounds=(0.0, 1.0)),
    policy_param("satisfied_cutoff", 0.5, "satisfaction 0-1", (0.4, 0.6), A, "Satisfaction at which a household counts as satisfied.", bounds=(0.0, 1.0)),
    policy_param("warning_line", 0.5, "rating 0-1", (0.4, 0.6), A, "Rating under which a firm is on warning.", bounds=(0.0, 1.0)),
    policy_param("warning_inspection_weight", 2.0, "weight", (1.0, 4.0), A, "Weight of an estate whose firm is on warning in the manager's inspection rounds (others weigh 1).", bounds=(0.0, 100.0)),
    switch("published_ratings", "Firms are rated and the ratings published every rating_interval_months (feeding their records, the manager's inspections and the blacklist).", f"{S} §3(4)"),
    policy_param("blacklist_after_ratings", 2, "ratings", (1, 4), f"{S} §3(4) (黑名单制度, '探索建立'); rule an assumption", "Consecutive ratings under the line after which a firm is blacklisted, its contract ends and the estate goes to the market (0 = never).", kind="int", bounds=(0, 100)),
    policy_param("rating_worker_hours", 4.0, "hours/estate/rating", (1.0, 10.0), A, "Community-worker hours to rate one estate's firm.", bounds=(0.0, INF)),
)


@register_policy
class CangzhouSixInOne(Policy):
    """Cangzhou six-in-one: building heads, a property manager, committees and ratings."""

    name = "cangzhou_six_in_one"
    title_en = "Cangzhou six-in-one: building heads, community property manager, committees, ratings"
    title_zh = "沧州“六位一体”社区物业管理"
    source = SEED_CANGZHOU
    parameters = PARAMETERS
    mechanisms = {
        "building_heads": {"head_coverage": 0.0},
        "property_manager": {"managers_per_community": 0},
        "committees": {"community_meeting_hours": 0.0, "community_meeting_worker_hours": 0.0, "community_meeting_cases": 0.0,
                       "community_meeting_resolve_bonus": 0.0, "street_meeting_hours": 0.0, "street_meeting_worker_hours": 0.0,
                       "street_meeting_cases": 0.0, "street_meeting_resolve_bonus": 0.0},
        "ratings": {"published_ratings": False},
    }

    @classmethod
    def check_values(cls, values, where: str) -> None:
        """Check that the manager's complaint and inspection shares add up to at most 1.

        Raises:
            ParameterError: they add up to more than 1.
        """
        share = values["manager_complaint_share"] + values["manager_inspection_share"]
        if share > 1.0 + 1e-12:
            raise ParameterError(f"{where}manager_complaint_share, manager_inspection_share: must add up to at most 1 (got {share:g})")

    def initialize(self) -> None:
        """Set up heads, managers' workforces and the per-estate counters and ratings."""
        p, model = self.pars, self.model
        est = model.estates
        posts = np.ceil(est.units / p.households_per_head)
        self.heads_named = np.round(posts * p.head_coverage)  # heads once named (after set-up)
        self.coverage_named = np.divide(self.heads_named, posts, out=np.zeros(est.n), where=posts > 0)
        self.members = [np.flatnonzero(est.community == c) for c in range(est.n_communities)]
        self.managers = [Workforce(int(p.managers_per_community), model.p, model.streams, c,
                                   stream=f"policy:{self.name}:posts", filled=False)
                         for c in range(est.n_communities)]
        self._opportunity = np.zeros(est.n)
        self._attending: dict[tuple, tuple[Attendance, ...]] = {}  # see _members_attending
        self._mobilisation = np.zeros(est.n)
        self.ratings = np.full(est.n, np.nan)
        self.below = np.zeros(est.n, dtype=np.int64)
        self._rated = [None] * est.n  # provider id at the last rating
        self.published = False
        self.early_fixes = 0
        self.blacklisted = 0
        self.meetings_held = 0
        self.meetings_lapsed = 0
        self.ratings_lapsed = 0

    @property
    def heads(self) -> np.ndarray:
        """Active building heads per estate (none before the policy is established)."""
        return self.heads_named if self.established() else np.zeros_like(self.heads_named)

    @property
    def coverage(self) -> np.ndarray:
        """Share of building-head posts filled per estate (0 before the policy is established)."""
        return self.coverage_named if self.established() else np.zeros_like(self.coverage_named)

    def _due(self, interval: int, end_of_period: bool = False) -> bool:
        """Whether a period of ``interval`` months, counted from when the policy is established,
        starts (or, ``end_of_period``, ends) this month."""
        since = self.model.month - self.start_month - int(self.pars.setup_months)
        return since >= 0 and (since + int(end_of_period)) % interval == 0

    # --- building heads --------------------------------------------------------------------
    def after_service(self, model: CommunityModel) -> None:
        """Heads spot failures early; the provider fixes them within its desk hours."""
        if not self.established():
            return
        p, hh, est = self.pars, model.households, model.estates
        u = self.rng.random(hh.n, dtype=np.float32)
        chance = p.head_detection_prob * self.coverage * est.effort  # effort 0 where unmanaged
        rows = np.flatnonzero(model.state.failure & (u < chance[hh.estate]))
        desk = model.p.firm_complaint_hours_per_household * est.occupied_units * est.effort
        limit = np.floor(desk / p.report_firm_hours).astype(np.int64)
        e = hh.estate[rows]  # rows of an estate are contiguous: rank within estate
        rank = np.arange(rows.size) - np.searchsorted(e, e)
        rows = rows[rank < limit[e]]
        model.state.fix_early(rows, hh.estate[rows])
        fixed = np.bincount(hh.estate[rows], minlength=est.n)
        model.ladder.extra_hours[FIRM] -= fixed * p.report_firm_hours
        self.early_fixes += int(rows.size)

    def before_participation(self, model: CommunityModel) -> None:
        """Keep the heads' mobilisation in the shared per-estate arrays (delta, composable)."""
        p = self.pars
        opportunity = p.head_participation_drive * self.coverage
        mobilisation = p.head_vote_mobilisation * self.coverage
        model.estates.participation_opportunity += opportunity - self._opportunity
        model.vote_mobilisation += mobilisation - self._mobilisation
        self._opportunity, self._mobilisation = opportunity, mobilisation

    # --- manager, committees, stipends ---------------------------------------------------------
    def manager_hours(self, c: int) -> float:
        """Working hours of community ``c``'s property managers in post this month."""
        return self.managers[c].effective() * self.model.p.worker_hours_month

    def before_complaints(self, model: CommunityModel) -> None:
        """Managers (hired, paid, at work), committee meetings and building heads' stipends."""
        p, lad = self.pars, model.ladder
        has_oc = model.has_committee()
        settled = self.established()
        community_meeting = settled and self._due(p.community_meeting_interval_months)
        street_meeting = settled and self._due(p.street_meeting_interval_months)
        tier = model.households.complaint_tier
        open_ = (tier >= 0) & (tier <= STREET)
        open_cases = np.bincount(tier[open_].astype(np.intp) * model.estates.n + model.households.estate[open_],
                                 minlength=(STREET + 1) * model.estates.n).reshape(STREET + 1, -1)
        for c, members in enumerate(self.members):
            wf = self.managers[c]
            if wf.posts:
                wf.new_month(model.month, 1.0)  # recruitment from the start; vacant posts cost nothing
            hours = self.manager_hours(c)
            if hours > 0:
                filled = wf.headcount / wf.posts
                lad.extra_hours[COMMUNITY, members[0]] += hours * p.manager_complaint_share  # pooled per community
                lad.resolve_bonus[COMMITTEE, members[~has_oc[members]]] += p.manager_resolve_bonus * filled
                lad.resolve_bonus[COMMUNITY, members] += p.manager_resolve_bonus * filled
                self.spend(wf.headcount * p.manager_pay_yuan_month, community=c, purpose="manager")
                self.inspect(model, members, hours * p.manager_inspection_share)
            if community_meeting:
                self.community_meeting(model, c, members, float(open_cases[COMMUNITY, members].sum()))
            if street_meeting:
                self.street_meeting(model, c, members, float(open_cases[STREET, members].sum()))
            heads = float(self.heads[members].sum())
            if heads > 0:
                self.spend(heads * p.head_stipend_yuan_month, heads * p.worker_hours_per_head,
                           community=c, purpose="building_heads")

    def _members_attending(self, members: np.ndarray, hours: float) -> list[Attendance]:
        """A building head, an owners' committee member and the firm's manager of each estate
        (committee and firm only where the estate has them: skipped otherwise). The list depends
        only on the estates, the hours and whether heads are named yet: kept once made."""
        key = (tuple(members.tolist()), hours, self.established())
        out = self._attending.get(key)
        if out is None:
            heads, out = self.heads, []
            for e in key[0]:
                if heads[e] > 0:
                    out.append(Attendance("volunteer", 1, hours, e))
                out.append(Attendance("owners_committee", 1, hours, e))
                out.append(Attendance("firm_staff", 1, hours, e))
            out = self._attending[key] = tuple(out)
        return list(out)

    def _hold(self, meeting: Meeting, public_staff_hours: float) -> bool:
        meeting.convene()
        if meeting.lapsed:
            self.meetings_lapsed += 1
            return False
        self.meetings_held += 1
        if public_staff_hours > 0:
            self.spend(public_staff_hours * self.pars.public_hour_cost_yuan, community=meeting.community,
                       purpose=f"{meeting.purpose}_staff")
        return True

    def community_meeting(self, model: CommunityModel, c: int, members: np.ndarray, open_cases: float) -> None:
        """The community property management committee: takes up open complaints at the community
        tier (three-party consultation); the rest of its hours press the firms (supervision)."""
        p = self.pars
        if p.community_meeting_hours + p.community_meeting_worker_hours <= 0:
            return
        manager = self.managers[c].headcount
        outside = int(p.community_meeting_outside_staff) * p.community_meeting_hours
        attendees = [Attendance("community_worker", 1, p.community_meeting_worker_hours),
                     Attendance("post", manager, p.community_meeting_hours),
                     Attendance("street_staff", int(p.community_meeting_outside_staff), p.community_meeting_hours),
                     *self._members_attending(members, p.community_meeting_hours)]
        meeting = Meeting(model, c, members, attendees, "community_meeting", policy=self)
        if self._hold(meeting, outside):
            self._take_up(meeting, COMMUNITY, open_cases, p.community_meeting_cases, p.community_meeting_resolve_bonus)

    def street_meeting(self, model: CommunityModel, c: int, members: np.ndarray, open_cases: float) -> None:
        """Community ``c``'s matters at the street property management committee: it takes up
        open complaints at the street tier from the community; the rest presses the firms."""
        p = self.pars
        if p.street_meeting_hours + p.street_meeting_worker_hours <= 0:
            return
        staff = int(p.street_meeting_staff) * p.street_meeting_hours
        attendees = [Attendance("community_worker", 1, p.street_meeting_worker_hours),
                     Attendance("street_staff", int(p.street_meeting_staff), p.street_meeting_hours),
                     *[a for a in self._members_attending(members, p.street_meeting_hours) if a.kind != "volunteer"]]
        meeting = Meeting(model, c, members, attendees, "street_meeting", policy=self)
        if self._hold(meeting, staff):
            self._take_up(meeting, STREET, open_cases, p.street_meeting_cases, p.street_meeting_resolve_bonus)

    def _take_up(self, meeting: Meeting, tier: int, open_cases: float, max_cases: float, bonus: float) -> None:
        """What a held committee meeting does with the hours it consumed: up to ``max_cases`` of
        the open complaints at ``tier`` (that tier's hours each); the rest presses the firms of
        its estates (supervision), and with firms at the table ``tier`` settles more often."""
        model = self.model
        per_case = float((model.p.hours_per_complaint_community, model.p.hours_per_complaint_street)[tier == STREET])
        cases = min(open_cases, max_cases, meeting.available / per_case)
        if cases > 0:
            meeting.supply_complaint_hours(tier, cases * per_case)
        firms = [e for e in meeting.estates if model.provider_of[e] is not None]
        if firms:
            model.ladder.resolve_bonus[tier, meeting.estates] += bonus
            if meeting.available > 0:
                meeting.supply_supervision(meeting.available, firms)

    # --- inspections and published ratings ----------------------------------------------------
    def inspect(self, model: CommunityModel, members: np.ndarray, hours: float) -> None:
        """The manager's inspection hours, spread over the community's firm-served estates
        (firms on warning weigh ``warning_inspection_weight``): supervision hours."""
        firm = np.array([isinstance(model.provider_of[e], PropertyFirm) for e in members])
        if hours <= 0 or not firm.any():
            return
        estates = members[firm]
        same = np.array([model.provider_of[e].unique_id == self._rated[e] for e in estates])
        warned = same & (self.ratings[estates] < self.pars.warning_line)  # NaN (not rated) compares False
        weight = np.where(warned, self.pars.warning_inspection_weight, 1.0)
        if weight.sum() > 0:
            model.supervision.supply(estates, hours * weight / weight.sum(), "inspection")

    def after_governance(self, model: CommunityModel) -> None:
        """Rate and publish the firms at the end of each rating period once the policy is
        established (if ratings are on)."""
        p = self.pars
        if p.published_ratings and self.established() and self._due(p.rating_interval_months, end_of_period=True):
            self.rate(model)

    def rating(self, model: CommunityModel) -> np.ndarray:
        """Rating per estate (0-1): satisfaction rate and service quality, weighted."""
        p, hh, est = self.pars, model.households, model.estates
        ok = hh.occupied & (hh.satisfaction >= p.satisfied_cutoff)
        rate = np.bincount(hh.estate, weights=ok, minlength=est.n) / est.occupied_units
        w = p.rating_satisfaction_weight
        return w * rate + (1.0 - w) * est.quality

    def rate(self, model: CommunityModel) -> None:
        """Rate every firm-served estate whose community's workers have the hours (a rating
        round is a meeting of the raters; it lapses otherwise), publish the ratings into the
        firms' street records and blacklist firms under the line too often."""
        p = self.pars
        rating = self.rating(model)
        self.ratings[:] = np.nan
        for c, members in enumerate(self.members):
            rated = [e for e in members.tolist() if isinstance(model.provider_of[e], PropertyFirm)]
            for e in members.tolist():
                if e not in rated:
                    self.below[e], self._rated[e] = 0, None
            if not rated:
                continue
            round_ = Meeting(model, c, rated, [Attendance("community_worker", 1, p.rating_worker_hours * len(rated))],
                             "rating", policy=self)
            round_.convene()
            if round_.lapsed:
                self.ratings_lapsed += 1
                continue
            if round_.available > 0:
                round_.supply_supervision(round_.available)  # the raters' visits: hours watching the firms
            for e in rated:
                self._publish(model, e, float(rating[e]))
        self.published = True

    def _publish(self, model: CommunityModel, e: int, rating: float) -> None:
        p = self.pars
        firm = model.provider_of[e]
        if self._rated[e] != firm.unique_id:  # a new firm starts with a clean record
            self.below[e] = 0
        self.ratings[e] = rating
        self.below[e] = self.below[e] + 1 if rating < p.warning_line else 0
        self._rated[e] = firm.unique_id
        model.market.rate(firm, rating)  # owners weigh it when they choose among bids
        if p.blacklist_after_ratings and self.below[e] >= p.blacklist_after_ratings:
            model.market.blacklist(firm)  # it bids for no estate of the street again
            model.institutions.dismiss(firm, e, counted=False)
            fill(model, e, exclude=firm)
            self.blacklisted += 1
            new = model.provider_of[e]
            self.ratings[e], self.below[e] = np.nan, 0
            self._rated[e] = new.unique_id if new is not None else None
