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
from commsim.policies.base import Policy
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


@register_policy
class XianStaffing(Policy):
    name = "xian_staffing"
    title_en = "Xi'an staffing norm: 18 community workers per 10,000 residents"
    title_zh = "西安社区工作者配备标准(每万人18名)"
    source = SEED_XIAN
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
    )

    @classmethod
    def check_values(cls, values: Mapping[str, Any], where: str) -> None:
        if values["committee_large_from"] <= values["committee_medium_from"]:
            raise ParameterError(
                f"{where}committee_large_from: must be above committee_medium_from "
                f"({values['committee_large_from']} <= {values['committee_medium_from']})"
            )
        if not values["committee_small"] <= values["committee_medium"] <= values["committee_large"]:
            raise ParameterError(
                f"{where}committee_small, committee_medium, committee_large: must not decrease "
                f"(got {values['committee_small']}, {values['committee_medium']}, {values['committee_large']})"
            )

    def initialize(self) -> None:
        model = self.model
        rcs = model.residents_committees
        self.base_workers = np.array([rc.posts for rc in rcs], dtype=np.int64)
        self.norm_workers = self.target_workers()
        self.switched = False

    def community_households(self) -> np.ndarray:
        """Households per community that count for the norm (units or occupied units)."""
        est = self.model.estates
        if self.pars.resident_base == "occupied":
            counts = np.bincount(est.community, weights=est.occupied_units, minlength=est.n_communities)
            return counts.astype(np.int64)
        return np.array([rc.households for rc in self.model.residents_committees], dtype=np.int64)

    def committee_sizes(self) -> np.ndarray:
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
        # pay of the workers in post beyond the former establishment (or the pay saved where
        # posts were cut); already booked as public cost by the model's payroll: attribute it only
        now = np.array([rc.workers for rc in rcs], dtype=np.int64)
        extra = float(np.where(self.norm_workers >= self.base_workers,
                               np.maximum(now - self.base_workers, 0), now - self.base_workers).sum())
        self.record_cost(extra * self.model.p.worker_pay_yuan_month)
