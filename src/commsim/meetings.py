"""Meetings: people spending hours together, and what those hours can buy (a ``mesa.Agent``).

A :class:`Meeting` knows its community, the estates it concerns and its attendees: for each kind
of actor, how many people attend and for how many hours each. :meth:`Meeting.convene` books every
attendee's hours on whoever pays for them:

- ``community_worker``: the community's residents' committee (``ResidentsCommittee.book``), or
  the policy that holds the meeting (``Policy.spend``, so its hours show in the policy's column);
- ``owners_committee``: the estate's owners' committee (volunteer hours, taken from the hours it
  has for complaints this month);
- ``firm_staff``: the estate's provider (its complaint-desk hours this month, tier 0);
- ``street_staff``: the street office (its complaint hours this month);
- ``volunteer``: residents without an office (building heads, residents' group heads): counted in
  the month's volunteer hours;
- ``post``: a paid post the holding policy created (a community property manager): its hours are
  already the policy's (its pay is the policy's cost); the policy takes them out of what the
  post does otherwise, so they are counted, not booked again.

What a meeting supplies - complaint-handling capacity at a tier, supervision hours - is taken
from the hours it consumed and can never exceed them (:meth:`Meeting.supply_complaint_hours`,
:meth:`Meeting.supply_supervision` raise ``ValueError`` otherwise). A meeting lives for the month
it is convened in: the model removes last month's meetings when a month starts. Policies create
and schedule meetings; convening must happen before the complaints stage for the booked hours to
compete with complaints that month.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import mesa

from commsim.vocabulary import Tier

if TYPE_CHECKING:
    from commsim.model import CommunityModel
    from commsim.policies.base import Policy

KINDS = ("community_worker", "owners_committee", "firm_staff", "street_staff", "volunteer", "post")
_TOL = 1e-9


@dataclass(frozen=True)
class Attendance:
    """``people`` of one kind attend for ``hours_each``; ``estate`` says whose committee, firm or
    volunteers they are (not needed for community workers and street staff)."""

    kind: str
    people: int
    hours_each: float
    estate: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown attendee kind {self.kind!r} (one of {', '.join(KINDS)})")
        if self.people < 0 or self.hours_each < 0:
            raise ValueError("attendance needs non-negative people and hours")
        if self.kind in ("owners_committee", "firm_staff", "volunteer") and self.estate is None:
            raise ValueError(f"{self.kind} attendance needs the estate")

    @property
    def hours(self) -> float:
        """Hours the attendees spend in all: ``people x hours_each``."""
        return self.people * self.hours_each


def workers_short(model: CommunityModel, community: int, need: float) -> bool:
    """Whether community ``community``'s workers lack ``need`` hours this month: what they must
    still give (administration and work already booked) leaves less than ``need``."""
    if need <= 0:
        return False
    rc = model.residents_committees[int(community)]
    return rc.spare_hours < need


class Meeting(mesa.Agent):
    """A meeting of people from several actors about some estates of one community.

    Args:
        model: the model.
        community: the community whose workers attend (and whose estates it concerns).
        estates: the estates it concerns (what it supplies goes to them).
        attendees: who attends, for how long.
        purpose: a short label (``joint_meeting``, ``federation``), used when booking.
        policy: the policy that holds it: community workers' hours are booked through its
            ``spend`` (the policy's hours column); None books them on the residents' committee.
    """

    def __init__(self, model: CommunityModel, community: int, estates, attendees, purpose: str,
                 policy: Policy | None = None):
        super().__init__(model)
        self.community = int(community)
        self.estates = [int(e) for e in estates]
        self.attendees: list[Attendance] = list(attendees)
        self.purpose = purpose
        self.policy = policy
        self.consumed = 0.0
        self.supplied = 0.0
        self.convened = False
        self.lapsed = False

    @property
    def hours(self) -> float:
        """Hours all attendees spend (consumed once convened)."""
        return sum(a.hours for a in self.attendees)

    def workers_short(self) -> bool:
        """Whether the community workers this meeting needs lack the hours: what they must still
        give this month (administration and work already booked) leaves less than the meeting's
        community-worker hours. Such a meeting lapses (the policy's actors run short of hours)."""
        need = sum(a.hours for a in self.attendees if a.kind == "community_worker")
        return workers_short(self.model, self.community, need)

    def convene(self, lapse_when_short: bool = True) -> float:
        """Hold the meeting: book every attendee's hours on its payer; returns hours consumed.

        Firm staff and committee members attend only where the estate has a provider or a
        committee; their hours are skipped (not consumed) otherwise. With ``lapse_when_short``
        a meeting whose community workers lack the hours (:meth:`workers_short`) is not held:
        nothing is consumed or supplied, and the lapse is counted (``meetings_lapsed``).
        """
        if self.convened:
            raise RuntimeError("a meeting is convened once")
        model = self.model
        if lapse_when_short and self.workers_short():
            self.convened = True
            self.lapsed = True
            for e in self.estates:
                model.state.meetings_lapsed[e] += 1
            return 0.0
        label = f"meeting:{self.purpose}"
        for a in self.attendees:
            h = a.hours
            if h <= 0:
                continue
            if a.kind == "community_worker":
                if self.policy is not None:
                    self.policy.spend(hours=h, community=self.community, purpose=self.purpose)
                else:
                    model.residents_committees[self.community].book(label, h)
            elif a.kind == "owners_committee":
                committee = model.committee_of[a.estate]
                if committee is None:
                    continue
                committee.book(h)
                model.state.volunteer_hours[a.estate] += h
            elif a.kind == "firm_staff":
                if model.provider_of[a.estate] is None:
                    continue
                model.ladder.extra_hours[Tier.FIRM, a.estate] -= h
            elif a.kind == "street_staff":
                model.street.book(h)
            elif a.kind == "post":
                pass  # the policy's own paid post: its hours are already the policy's
            else:  # volunteer
                model.state.volunteer_hours[a.estate] += h
            self.consumed += h
        for e in self.estates:
            model.state.meeting_hours[e] += self.consumed / len(self.estates)
        self.convened = True
        return self.consumed

    @property
    def available(self) -> float:
        """Hours consumed and not yet supplied as something."""
        return self.consumed - self.supplied

    def _use(self, hours: float) -> None:
        if not self.convened:
            raise RuntimeError("convene the meeting before it supplies anything")
        if hours < 0:
            raise ValueError("a meeting supplies a non-negative number of hours")
        if self.supplied + hours > self.consumed + _TOL:
            raise ValueError(f"meeting {self.purpose}: supplying {self.supplied + hours:.3f} hours, "
                             f"more than the {self.consumed:.3f} its attendees spent")
        self.supplied += hours

    def supply_complaint_hours(self, tier: int, hours: float, estates=None) -> None:
        """Add ``hours`` of complaint handling at ``tier``, spread over ``estates`` (default: its
        estates) in proportion to their occupied units."""
        self._use(hours)
        idx = self.estates if estates is None else [int(e) for e in estates]
        if len(idx) == 1:  # one estate: the same arithmetic on floats (hours x o / o)
            o = float(self.model.estates.occupied_units[idx[0]])
            self.model.ladder.extra_hours[int(tier), idx[0]] += hours * o / o
            return
        occ = self.model.estates.occupied_units[idx].astype(float)
        self.model.ladder.extra_hours[int(tier), idx] += hours * occ / occ.sum()

    def supply_supervision(self, hours: float, estates=None) -> None:
        """Add ``hours`` of supervision, spread equally over ``estates`` (default: its estates)."""
        self._use(hours)
        idx = self.estates if estates is None else [int(e) for e in estates]
        if idx:
            self.model.supervision.supply(idx, hours / len(idx), f"meeting:{self.purpose}")
