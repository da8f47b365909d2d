"""Xi'an staffing norm for community workers (Xi'an c. 2023, seeds/003_97816122a4bbec7a.txt).

The source sets "每万名城镇常住人口拥有社区工作者18人" (18 community workers per 10,000
urban residents), tops up communities short of staff ("对工作力量不足的社区,通过调配和公开
招聘的方式给予补充"), and sizes the residents' committee by households: "2000户以下的社区设5
人,2000~4000户的社区设7人,4000户以上的社区设9人".

Mechanism: from the start month each residents' committee's posts (its establishment) become

    workers = max(committee size, round(workers_per_10000 x residents / 10,000))

with residents = households x ``persons_per_household`` (households = dwelling units, as the
core's staffing norms count them, or occupied units only: ``resident_base``). Committee
members are community workers themselves, so the committee size is a floor. With
``keep_higher_staffing`` a community already staffed above that figure keeps its staff
(the source tops up, it does not cut). New posts are filled by recruitment (the community
workers' turnover and hiring delays of ``commsim.workforce``), so the policy reaches its full
headcount over months, and recruits work at reduced productivity while in training. More
workers mean more hours available: the worker load falls and complaints waiting at the
residents' committee tiers are handled sooner.

Resizing communities (``resize_communities``; "合理制定超大型社区拆分和微型社区整合工作计划 ...
逐步优化全市34个超大型社区、103个微型社区规模", communities "一般按照1000户~5000户 ... 以3500户或
10000人为宜", seeds/003). commsim keeps the scenario's community boundaries (estates stay on
their residents' committee's complaint ladder); a split or merger acts on the staffing:

- a community above ``oversized_from`` households is split into k = ceil(households /
  ``preferred_households``) communities: each part gets a committee of its own size, so its
  posts become max(the ratio, k x the parts' committee size);
- communities under ``micro_below`` households are merged, in order, into groups of at least
  ``micro_below`` households (a lone one joins the last group): the group has one committee and
  the ratio of its total households, shared between the former communities by households;
  the posts freed are cut (``keep_higher_staffing`` does not hold a merged committee's posts);
- the plan takes ``resize_months``: until then community workers of each community concerned
  spend ``resize_planning_hours`` a month on it (the policy's hours), and the posts change at its
  end (new posts filled by hiring, cut posts leave at once); afterwards workers spend
  ``coordination_hours`` a month per part split off or community merged in (a second office,
  residents' groups across the former boundary).

Cost: the core books every worker's pay (``worker_pay_yuan_month``) as public cost at the
start of each month; this policy switches headcounts in :meth:`new_month`, which the model
calls just before that booking, so the extra workers are paid from the start month on. The
policy's own cost column attributes that extra pay (extra workers x pay) to it without
booking it twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from commsim.errors import ParameterError
from commsim.params import SEED_LIAOCHENG, SEED_XIAN, Param
from commsim.policies.base import Policy, policy_param, switch
from commsim.policies.registry import register_policy

INF = float("inf")


def xian_workers(households: int, persons_per_household: float, per_10000: float) -> int:
    """Workers for a community under the per-resident ratio (at least 1)."""
    return max(1, round(per_10000 * households * persons_per_household / 10_000))


def committee_size(households: int, medium_from: int, large_from: int,
                   small: int, medium: int, large: int) -> int:
    """Residents'-committee members by households (Xi'an: 5 / 7 / 9, seeds/003)."""
    if households > large_from:
        return large
    if households >= medium_from:
        return medium
    return small


def share_out(total: int, weights: np.ndarray) -> np.ndarray:
    """``total`` whole posts shared in proportion to ``weights`` (largest remainders; at least
    one each)."""
    w = np.asarray(weights, dtype=float)
    exact = total * w / w.sum()
    out = np.floor(exact).astype(np.int64)
    for i in np.argsort(-(exact - out), kind="stable")[: total - int(out.sum())]:
        out[i] += 1
    return np.maximum(out, 1)


@register_policy
class XianStaffing(Policy):
    """Xi'an staffing norm: community workers per 10,000 residents, committee sizes."""

    name = "xian_staffing"
    title_en = "Xi'an staffing norm: 18 community workers per 10,000 residents"
    title_zh = "西安社区工作者配备标准(每万人18名)"
    source = SEED_XIAN
    mechanisms = {"resize_communities": {"resize_communities": False}}
    parameters = (
        Param("workers_per_10000", 18.0, "workers/10,000 residents", (15.0, 25.0),
              f"{SEED_XIAN}; range targets: 15 (2020 norm) to 25 (some cities)",
              "Community workers per 10,000 resident population.", bounds=(1.0, 200.0)),
        Param("resident_base", "units", "households counted", None, "assumption",
              "Households that count as residents: every dwelling unit (as the core's norms) or occupied units only (常住人口).",
              kind="choice", choices=("units", "occupied")),
        Param("committee_small", 5, "members", None, SEED_XIAN,
              "Residents'-committee members in a community below committee_medium_from households.",
              kind="int", bounds=(1, 50)),
        Param("committee_medium", 7, "members", None, SEED_XIAN,
              "Members for committee_medium_from to committee_large_from households.",
              kind="int", bounds=(1, 50)),
        Param("committee_large", 9, "members", None, SEED_XIAN,
              "Members above committee_large_from households.", kind="int", bounds=(1, 50)),
        Param("committee_medium_from", 2000, "households", None, SEED_XIAN,
              "Households from which a community gets the medium committee.",
              kind="int", bounds=(1, 10**6)),
        Param("committee_large_from", 4000, "households", None, SEED_XIAN,
              "Households above which a community gets the large committee.",
              kind="int", bounds=(1, 10**6)),
        Param("keep_higher_staffing", True, "flag", None,
              f"{SEED_XIAN} (tops up communities short of staff); compare {SEED_LIAOCHENG}",
              "A community staffed above the Xi'an figure under the current norm keeps its workers.",
              kind="bool"),
        switch("resize_communities", "Split oversized communities and merge micro ones (超大型社区拆分、微型社区整合).", SEED_XIAN),
        policy_param("oversized_from", 5000, "households", (4000, 6000), f"{SEED_XIAN} (1,000-5,000 households)",
                     "Households above which a community is oversized and split.", kind="int", bounds=(1, 10**6)),
        policy_param("micro_below", 1000, "households", (500, 1500), f"{SEED_XIAN} (1,000-5,000 households)",
                     "Households under which a community is micro and merged with others.", kind="int", bounds=(1, 10**6)),
        policy_param("preferred_households", 3500, "households", (3000, 4000), f"{SEED_XIAN} (以3500户或10000人为宜)",
                     "Households per community a split aims at.", kind="int", bounds=(1, 10**6)),
        policy_param("resize_months", 12, "months", (6, 24), f"assumption; 稳妥推进 ({SEED_XIAN})",
                     "Months from the start until a split or merger takes effect.", kind="int", bounds=(0, 240)),
        policy_param("resize_planning_hours", 20.0, "worker-hours/community/month", (10.0, 40.0), "assumption",
                     "Community-worker hours a month each community concerned spends on the split or merger until it takes effect.",
                     bounds=(0.0, 1e4)),
        policy_param("coordination_hours", 8.0, "worker-hours/part/month", (4.0, 20.0), "assumption",
                     "Community-worker hours a month per part split off or community merged in, coordinating across the former boundary.",
                     bounds=(0.0, 1e4)),
    )

    @classmethod
    def check_values(cls, values: Mapping[str, Any], where: str) -> None:
        """Check the committee thresholds, sizes and resizing limits are consistent.

        Raises:
            ParameterError: thresholds out of order or committee sizes decreasing.
        """
        if values["committee_large_from"] <= values["committee_medium_from"]:
            raise ParameterError(
                f"{where}committee_large_from: must be above committee_medium_from "
                f"({values['committee_large_from']} <= {values['committee_medium_from']})"
            )
        if values["micro_below"] >= values["oversized_from"]:
            raise ParameterError(
                f"{where}micro_below: must be under oversized_from ({values['micro_below']} >= {values['oversized_from']})"
            )
        if not values["committee_small"] <= values["committee_medium"] <= values["committee_large"]:
            raise ParameterError(
                f"{where}committee_small, committee_medium, committee_large: must not decrease "
                f"(got {values['committee_small']}, {values['committee_medium']}, {values['committee_large']})"
            )

    def initialize(self) -> None:
        """Record current posts, the norm's targets and any community resizing planned."""
        model = self.model
        rcs = model.residents_committees
        self.base_workers = np.array([rc.posts for rc in rcs], dtype=np.int64)
        self.norm_workers = self.target_workers()
        self.switched = False
        self.parts, self.groups = self.resizing()
        self.resized = False

    # --- splitting oversized and merging micro communities ------------------------------------
    def resizing(self) -> tuple[dict[int, int], list[list[int]]]:
        """Oversized communities -> the number of parts they are split into, and the groups of
        micro communities merged (each a list of community indices); empty without resizing."""
        p = self.pars
        if not p.resize_communities:
            return {}, []
        h = self.community_households()
        parts = {int(c): int(np.ceil(h[c] / p.preferred_households)) for c in np.flatnonzero(h > p.oversized_from)}
        groups: list[list[int]] = []
        current: list[int] = []
        for c in np.flatnonzero(h < p.micro_below):
            current.append(int(c))
            if h[current].sum() >= p.micro_below:
                groups.append(current)
                current = []
        if current:
            if groups:
                groups[-1].extend(current)
            elif len(current) > 1:
                groups.append(current)
        return {c: k for c, k in parts.items() if k > 1}, groups

    def resized_workers(self) -> tuple[np.ndarray, np.ndarray]:
        """Posts and committee members per community once the splits and mergers take effect."""
        p, pph = self.pars, self.model.p.persons_per_household
        h = self.community_households()
        posts, members = self.norm_workers.copy(), self.committee_sizes()
        sizes = (p.committee_medium_from, p.committee_large_from, p.committee_small, p.committee_medium, p.committee_large)
        for c, k in self.parts.items():
            part = committee_size(int(h[c] // k), *sizes)
            posts[c] = max(posts[c], k * part)
            members[c] = k * part
        for group in self.groups:
            total = int(h[group].sum())
            merged = max(xian_workers(total, pph, p.workers_per_10000), committee_size(total, *sizes))
            posts[group] = share_out(merged, h[group])
            members[group] = share_out(committee_size(total, *sizes), h[group])
        return posts, members

    def resize(self) -> None:
        """Book the plan's hours before it takes effect; at its end change the posts; then the
        coordination hours of every split or merged community."""
        p, model = self.pars, self.model
        affected = [*self.parts, *(c for g in self.groups for c in g)]
        if not affected:
            return
        if model.month < self.start_month + int(p.resize_months):
            for c in affected:
                self.spend(hours=p.resize_planning_hours, community=c, purpose="resize_planning")
            return
        if not self.resized:
            posts, members = self.resized_workers()
            rcs = model.residents_committees
            for c in affected:
                rcs[c].workforce.set_posts(int(posts[c]))
                rcs[c].committee_members = int(members[c])
            self.norm_workers = posts
            self.resized = True
        for c, k in self.parts.items():
            self.spend(hours=p.coordination_hours * (k - 1), community=c, purpose="coordination")
        for group in self.groups:
            for c in group:
                self.spend(hours=p.coordination_hours * (len(group) - 1) / len(group), community=c, purpose="coordination")

    def community_households(self) -> np.ndarray:
        """Households per community that count for the norm (units or occupied units)."""
        est = self.model.estates
        if self.pars.resident_base == "occupied":
            counts = np.bincount(est.community, weights=est.occupied_units, minlength=est.n_communities)
            return counts.astype(np.int64)
        return np.array([rc.households for rc in self.model.residents_committees], dtype=np.int64)

    def committee_sizes(self) -> np.ndarray:
        """Residents'-committee size per community by households (small, medium or large)."""
        p = self.pars
        return np.array([
            committee_size(int(h), p.committee_medium_from, p.committee_large_from,
                           p.committee_small, p.committee_medium, p.committee_large)
            for h in self.community_households()
        ], dtype=np.int64)

    def target_workers(self) -> np.ndarray:
        """Headcount per community under the Xi'an norm (committee size as a floor)."""
        pph = self.model.p.persons_per_household
        ratio = np.array([xian_workers(int(h), pph, self.pars.workers_per_10000)
                          for h in self.community_households()], dtype=np.int64)
        target = np.maximum(ratio, self.committee_sizes())
        if self.pars.keep_higher_staffing:
            target = np.maximum(target, self.base_workers)
        return target

    def new_month(self) -> None:
        """Set the posts from the start month (called before the month's pay is booked); the
        new posts are filled by recruitment over the following months (``commsim.workforce``)."""
        super().new_month()
        if not self.active():
            return
        rcs = self.model.residents_committees
        if not self.switched:
            sizes = self.committee_sizes()
            for rc, posts, members in zip(rcs, self.norm_workers, sizes, strict=True):
                rc.workforce.set_posts(int(posts))
                rc.committee_members = int(members)
            self.switched = True
        self.resize()
        # pay of the workers in post beyond the former establishment (or the pay saved where
        # posts were cut); already booked as public cost by the model's payroll: attribute it only
        now = np.array([rc.workers for rc in rcs], dtype=np.int64)
        extra = float(np.where(self.norm_workers >= self.base_workers,
                               np.maximum(now - self.base_workers, 0), now - self.base_workers).sum())
        self.record_cost(extra * self.model.p.worker_pay_yuan_month)
