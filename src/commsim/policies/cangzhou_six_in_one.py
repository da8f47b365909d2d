"""Cangzhou six-in-one (六位一体) community property governance (Cangzhou 2020, seeds/002).

Source: seeds/002_b07cc5befbed7128.txt (§2(5) building heads, §3(1)-(4) street and community
property management committees, the community property manager, published firm ratings,
§3(6) and §4(1) the three-tier handling of disputes). Four mechanisms:

1. **Building heads** (楼门长): ``ceil(units / households_per_head)`` posts per estate, a share
   ``head_coverage`` filled. A head spots a service failure in the building before it reaches
   the household with chance ``head_detection_prob`` and reports it to the provider, which
   fixes it early with a chance equal to its effort; each report costs the provider
   ``report_firm_hours`` of complaint-desk time (``model.ladder.extra_hours`` at tier 0, at most
   its desk hours). Heads mobilise: ``estates.participation_opportunity`` and
   ``model.vote_mobilisation`` rise with coverage. Stipends are public cost; liaison hours
   are booked on the community workers.
2. **Community property manager** (社区物业管理员), a paid post per community: a share of the
   post's hours handles complaints "on the spot" at the residents'-committee and community
   tiers (extra hours at tier 2, which feed the community pool that also serves the
   residents' committee standing in at tier 1) with a better chance of settling them
   (``model.ladder.resolve_bonus`` at tiers 1 and 2); another share
   (``manager_inspection_share``) inspects the firms of the community's estates, supplied as
   supervision hours (``model.supervision``), firms on warning weighted by
   ``warning_inspection_weight``. Pay is public cost.
3. **Three-tier ladder with committees.** In meeting months the community property
   management committee (monthly) settles up to ``community_meeting_cases`` more complaints at
   tier 2 by three-party consultation, and the street committee (quarterly) up to
   ``street_meeting_cases`` at tier 3, each with a resolution bonus. Meeting hours are booked
   on the community workers.
4. **Published ratings** every ``rating_interval_months``: rating = w x satisfaction rate +
   (1 - w) x service quality (the community's evaluation). The community workers' rating hours
   are supervision of the rated firm; the published rating enters the firm's street record
   (``model.market.rate``), which owners weigh when they choose a firm; a firm rated under
   ``warning_line`` is on warning (more of the manager's inspections); one rated under the line
   ``blacklist_after_ratings`` times in a row is blacklisted (``model.market.blacklist``: it bids
   for no estate again), its contract ends (``institutions.dismiss``) and the estate goes to the
   market at once (``processes.market.fill``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from commsim.agents import PropertyFirm
from commsim.errors import ParameterError
from commsim.params import SEED_CANGZHOU
from commsim.policies.base import Policy, policy_param, switch
from commsim.policies.registry import register_policy
from commsim.processes.market import fill
from commsim.vocabulary import Tier

if TYPE_CHECKING:
    from commsim.model import CommunityModel

A = "assumption"
S = SEED_CANGZHOU
INF = float("inf")
FIRM, COMMITTEE, COMMUNITY, STREET = Tier.FIRM, Tier.COMMITTEE, Tier.COMMUNITY, Tier.STREET


PARAMETERS = (
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
    policy_param("managers_per_community", 1, "posts", (1, 2), f"{S} §3(3) (社区物业管理员)", "Community property manager posts per community.", kind="int", bounds=(0, 10)),
    policy_param("manager_pay_yuan_month", 3500.0, "yuan/post/month", (2500.0, 4500.0), "targets: community worker pay 2,500-4,000 yuan/month", "Public cost of one manager post.", bounds=(0.0, INF)),
    policy_param("manager_complaint_share", 0.5, "share of hours", (0.3, 0.8), f"assumption; the post also runs the committee, publicity, inspections and ratings ({S} §3(3))", "Share of the manager's working hours spent settling complaints.", bounds=(0.0, 1.0)),
    policy_param("manager_inspection_share", 0.25, "share of hours", (0.1, 0.4), f"assumption; the post inspects and rates firms ({S} §3(3))", "Share of the manager's working hours spent inspecting the firms of the community's estates (supervision hours).", bounds=(0.0, 1.0)),
    policy_param("manager_resolve_bonus", 0.10, "probability", (0.0, 0.2), f"assumption; '能够自行解决的,及时就地解决' ({S} §3(6))", "Added chance that the residents'-committee and community tiers settle a complaint.", bounds=(0.0, 1.0)),
    # committees on the ladder ------------------------------------------------------------
    policy_param("community_meeting_interval_months", 1, "months", None, f"{S} §3(2) ('每月召开一次')", "Months between community property management committee meetings.", kind="int", bounds=(1, 24)),
    policy_param("community_meeting_cases", 8.0, "complaints/meeting", (4.0, 20.0), A, "Complaints a community committee meeting can take up (three-party consultation).", bounds=(0.0, INF)),
    policy_param("community_meeting_resolve_bonus", 0.05, "probability", (0.0, 0.15), A, "Added chance the community tier settles a complaint in a meeting month.", bounds=(0.0, 1.0)),
    policy_param("community_meeting_worker_hours", 8.0, "hours/community/meeting", (4.0, 16.0), A, "Community-worker hours per community committee meeting (attendance, preparation, follow-up).", bounds=(0.0, INF)),
    policy_param("street_meeting_interval_months", 3, "months", None, f"{S} §3(1) ('每季度召开一次')", "Months between street property management committee meetings.", kind="int", bounds=(1, 24)),
    policy_param("street_meeting_cases", 12.0, "complaints/meeting", (5.0, 30.0), A, "Complaints a street committee joint meeting can take up.", bounds=(0.0, INF)),
    policy_param("street_meeting_resolve_bonus", 0.10, "probability", (0.0, 0.25), A, "Added chance the street tier settles a complaint in a meeting month.", bounds=(0.0, 1.0)),
    policy_param("street_meeting_worker_hours", 4.0, "hours/community/meeting", (2.0, 8.0), A, "Community-worker hours per community for a street committee meeting.", bounds=(0.0, INF)),
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
    name = "cangzhou_six_in_one"
    title_en = "Cangzhou six-in-one: building heads, community property manager, committees, ratings"
    title_zh = "沧州“六位一体”社区物业管理"
    source = SEED_CANGZHOU
    parameters = PARAMETERS
    mechanisms = {
        "building_heads": {"head_coverage": 0.0},
        "property_manager": {"managers_per_community": 0},
        "committees": {"community_meeting_cases": 0.0, "street_meeting_cases": 0.0, "community_meeting_resolve_bonus": 0.0,
                       "street_meeting_resolve_bonus": 0.0, "community_meeting_worker_hours": 0.0,
                       "street_meeting_worker_hours": 0.0},
        "ratings": {"published_ratings": False},
    }

    @classmethod
    def check_values(cls, values, where: str) -> None:
        share = values["manager_complaint_share"] + values["manager_inspection_share"]
        if share > 1.0 + 1e-12:
            raise ParameterError(f"{where}manager_complaint_share, manager_inspection_share: must add up to at most 1 (got {share:g})")

    def initialize(self) -> None:
        p, est = self.pars, self.model.estates
        posts = np.ceil(est.units / p.households_per_head)
        self.heads = np.round(posts * p.head_coverage)  # active heads per estate
        self.coverage = np.divide(self.heads, posts, out=np.zeros(est.n), where=posts > 0)
        self.members = [np.flatnonzero(est.community == c) for c in range(est.n_communities)]
        self._opportunity = np.zeros(est.n)
        self._mobilisation = np.zeros(est.n)
        self.ratings = np.full(est.n, np.nan)
        self.below = np.zeros(est.n, dtype=np.int64)
        self._rated = [None] * est.n  # provider id at the last rating
        self.published = False
        self.early_fixes = 0
        self.blacklisted = 0

    def _due(self, interval: int, end_of_period: bool = False) -> bool:
        return (self.model.month - self.start_month + int(end_of_period)) % interval == 0

    # --- building heads --------------------------------------------------------------------
    def after_service(self, model: CommunityModel) -> None:
        """Heads spot failures early; the provider fixes them within its desk hours."""
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
    def before_complaints(self, model: CommunityModel) -> None:
        p, mp = self.pars, model.p
        lad = model.ladder
        has_oc = model.has_committee()
        community_meeting = self._due(p.community_meeting_interval_months)
        street_meeting = self._due(p.street_meeting_interval_months)
        for c, members in enumerate(self.members):
            first = members[0]  # tier-2 hours are pooled per community
            if p.managers_per_community:
                lad.extra_hours[COMMUNITY, first] += p.managers_per_community * mp.worker_hours_month * p.manager_complaint_share
                lad.resolve_bonus[COMMITTEE, members[~has_oc[members]]] += p.manager_resolve_bonus
                lad.resolve_bonus[COMMUNITY, members] += p.manager_resolve_bonus
                self.spend(p.managers_per_community * p.manager_pay_yuan_month, community=c, purpose="manager")
                self.inspect(model, members, p.managers_per_community * mp.worker_hours_month * p.manager_inspection_share)
            if community_meeting:
                lad.extra_hours[COMMUNITY, first] += p.community_meeting_cases * mp.hours_per_complaint_community
                lad.resolve_bonus[COMMUNITY, members] += p.community_meeting_resolve_bonus
                self.spend(hours=p.community_meeting_worker_hours, community=c, purpose="community_meeting")
            if street_meeting:
                self.spend(hours=p.street_meeting_worker_hours, community=c, purpose="street_meeting")
            heads = float(self.heads[members].sum())
            self.spend(heads * p.head_stipend_yuan_month, heads * p.worker_hours_per_head,
                       community=c, purpose="building_heads")
        if street_meeting:
            lad.extra_hours[STREET, 0] += p.street_meeting_cases * mp.hours_per_complaint_street
            lad.resolve_bonus[STREET] += p.street_meeting_resolve_bonus

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
        """Rate and publish the firms at the end of each rating period (if ratings are on)."""
        if self.pars.published_ratings and self._due(self.pars.rating_interval_months, end_of_period=True):
            self.rate(model)

    def rating(self, model: CommunityModel) -> np.ndarray:
        """Rating per estate (0-1): satisfaction rate and service quality, weighted."""
        p, hh, est = self.pars, model.households, model.estates
        ok = hh.occupied & (hh.satisfaction >= p.satisfied_cutoff)
        rate = np.bincount(hh.estate, weights=ok, minlength=est.n) / est.occupied_units
        w = p.rating_satisfaction_weight
        return w * rate + (1.0 - w) * est.quality

    def rate(self, model: CommunityModel) -> None:
        p = self.pars
        rating = self.rating(model)
        self.ratings[:] = np.nan
        for e, firm in enumerate(list(model.provider_of)):
            if not isinstance(firm, PropertyFirm):
                self.below[e], self._rated[e] = 0, None
                continue
            if self._rated[e] != firm.unique_id:  # a new firm starts with a clean record
                self.below[e] = 0
            self.ratings[e] = rating[e]
            self.below[e] = self.below[e] + 1 if rating[e] < p.warning_line else 0
            self._rated[e] = firm.unique_id
            self.spend(hours=p.rating_worker_hours, community=int(model.estates.community[e]), purpose="rating")
            model.supervision.supply(e, p.rating_worker_hours, "rating")
            model.market.rate(firm, float(rating[e]))
            if p.blacklist_after_ratings and self.below[e] >= p.blacklist_after_ratings:
                model.market.blacklist(firm)
                model.institutions.dismiss(firm, e, counted=False)
                fill(model, e, exclude=firm)
                self.blacklisted += 1
                new = model.provider_of[e]
                self.ratings[e], self.below[e] = np.nan, 0
                self._rated[e] = new.unique_id if new is not None else None
        self.published = True
