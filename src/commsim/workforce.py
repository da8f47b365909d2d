"""Community workers as people: posts, hires, departures and the months a post stays vacant.

A residents' committee has ``posts`` (its establishment, set by the staffing norm or the
scenario) filled by people, each with a tenure in months. Each month, before the month's pay is
booked (``Workforce.new_month``):

1. each worker leaves with monthly probability

       h = 1 - (1 - worker_turnover_annual) ** (1/12)
           x worker_recruit_turnover_multiplier        if tenure < worker_recruit_period_months
           x (worker_pay_reference_yuan_month / worker_pay_yuan_month) ** worker_pay_turnover_elasticity
           x (1 + worker_load_turnover_gain x max(0, last month's load - 1))

   (high turnover among young recruits, pay, long days: EMPIRICAL_TARGETS; seeds/002 and
   seeds/003 on pay and careers); h is capped at 1;
2. each vacant post is filled with monthly probability 1 / ``worker_hiring_months`` (public
   recruitment takes months), by a new recruit of tenure 0;
3. recruits in their first ``worker_training_months`` give ``worker_trainee_productivity`` of
   a worker's hours (training: Harbin sets 20 hours a year, seeds/001).

Posts above the filled headcount are vacancies: they cost no pay and give no hours. A norm that
raises posts (Xi'an) therefore acts through hires, month by month, not by decree. At the start
every post is filled, tenures drawn from the turnover rule's steady state. Random numbers come
from ``streams.once("workforce", month, community)``, so one community's staffing never shifts
another's draws.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from commsim.params import Values
    from commsim.streams import Streams


def monthly_hazard(p: Values, tenure: np.ndarray, load: float) -> np.ndarray:
    """Each worker's chance of leaving this month (see the module docstring)."""
    base = 1.0 - (1.0 - p.worker_turnover_annual) ** (1.0 / 12.0)
    pay = (p.worker_pay_reference_yuan_month / max(p.worker_pay_yuan_month, 1e-9)) ** p.worker_pay_turnover_elasticity
    strain = 1.0 + p.worker_load_turnover_gain * max(0.0, min(load, 10.0) - 1.0)
    recruit = np.where(tenure < p.worker_recruit_period_months, p.worker_recruit_turnover_multiplier, 1.0)
    return np.minimum(1.0, base * pay * strain * recruit)


class Workforce:
    """The people filling a residents' committee's posts (tenures in months).

    Args:
        posts: the establishment (headcount the norm or scenario sets).
        p: model parameter values.
        streams: the model's named streams.
        community: the community index (keys the random draws).
        stream: the draws' stream name (a policy's posts use their own, e.g. ``policy:<name>:posts``).
        filled: whether the posts are filled at the start (a community's) or vacant (new posts).
    """

    def __init__(self, posts: int, p: Values, streams: Streams, community: int, stream: str = "workforce",
                 filled: bool = True):
        self.p = p
        self.streams = streams
        self.community = community
        self.stream = stream
        self.posts = int(posts)
        rng = streams.once(f"{stream}_init", community)
        base = 1.0 - (1.0 - p.worker_turnover_annual) ** (1.0 / 12.0)
        # steady-state tenures of the base turnover (months served; the recruits' extra turnover
        # thins the short tenures out within the burn-in)
        self.tenure = rng.geometric(max(base, 1e-6), size=self.posts).astype(np.int64) - 1
        if not filled:  # new posts (a policy's): vacant until recruitment fills them
            self.tenure = self.tenure[:0]
        self.departures = 0
        self.hires = 0
        self._effective: tuple | None = None  # (the tenure array it was computed for, value)

    @property
    def headcount(self) -> int:
        """Workers in post."""
        return int(self.tenure.size)

    @property
    def vacancies(self) -> int:
        """Posts without a worker."""
        return max(0, self.posts - self.headcount)

    def effective(self) -> float:
        """Full-worker equivalents: trainees count ``worker_trainee_productivity``."""
        cached = self._effective
        if cached is not None and cached[0] is self.tenure:
            return cached[1]  # asked many times a month; tenures change only by reassignment
        trainee = self.tenure < self.p.worker_training_months
        value = float(self.headcount - trainee.sum() * (1.0 - self.p.worker_trainee_productivity))
        self._effective = (self.tenure, value)  # (the parameter values are read-only)
        return value

    def set_posts(self, posts: int) -> None:
        """Change the establishment; workers above it leave at once (posts cut), new posts are
        vacancies to fill by hiring."""
        self.posts = int(posts)
        if self.headcount > self.posts:
            self.departures += self.headcount - self.posts
            self.tenure = np.sort(self.tenure)[::-1][: self.posts].copy()  # the longest-serving stay

    def new_month(self, month: int, load: float) -> None:
        """A month passes (tenures grow), workers leave, vacant posts are filled by recruits
        whose first month this is (tenure 0)."""
        rng = self.streams.keyed(self.stream, month, self.community)  # == once(...), drawn at once
        self.tenure = self.tenure + 1
        leave = rng.random(self.headcount) < monthly_hazard(self.p, self.tenure, load)
        self.departures = int(leave.sum())
        self.tenure = self.tenure[~leave]
        filled = rng.random(self.vacancies) < 1.0 / max(self.p.worker_hiring_months, 1.0)
        self.hires = int(filled.sum())
        self.tenure = np.concatenate([self.tenure, np.zeros(self.hires, dtype=np.int64)])
