"""Owners' assemblies: organisers, formation drives, votes, committees that lapse.

Every owners' decision is a vote of the estate's owners (absent owners included) under the rule
``vote_rule`` (``governance.owners_vote``: Civil Code 2021 art. 278, or Property Law 2007 art. 76).
An owner takes part with probability logistic(``vote_turnout_intercept`` + retired / young /
absentee shifts + ``vote_turnout_dissatisfaction`` (1 - s) + ``vote_turnout_participation``
[took part this month] + ``vote_turnout_belonging`` (belonging - 1/2) + ``vote_turnout_canvass`` x
reach + the estate's ``vote_mobilisation``), where *reach* = min(1, canvass hours /
(owners x ``canvass_hours_per_owner``)): organisers' door-to-door hours bring owners out. Consent
depends on what is decided (:func:`consent_logit`).

Each month (governance stage):

1. **Organisers** = occupying owners who took part this month with belonging >=
   ``organiser_belonging_min`` (3-month mean kept per estate); committee activity = share of
   owners taking part (3-month mean) / ``oc_activity_scale``, at most 1.
2. **Committees** lapse with ``oc_dissolution_hazard`` x (1 - min(1, organisers /
   ``oc_initiators_needed``)); at the end of a term (``oc_term_months``) an assembly must
   re-elect the committee (prepared like a first assembly: its members canvass for
   ``assembly_preparation_months``, community workers guide) or it lapses.
3. **Formation drives**: where occupancy passes ``oc_occupancy_threshold``, no committee, no drive
   and no cool-down, a drive starts with ``oc_formation_hazard`` x the type's factor x min(1,
   organisers (+ helpers a policy adds) / ``oc_initiators_needed``). For
   ``assembly_preparation_months`` up to ``oc_members`` organisers each spend
   ``organiser_hours_month`` (volunteer hours, which canvass owners) and community workers
   ``assembly_guidance_hours`` (booked on the residents' committee). A drive whose organisers fall
   under half the number needed is abandoned. At its end the first assembly votes; if it passes
   a committee forms, otherwise organisers wait ``assembly_cooldown_months``.

The household side of a vote (who takes part, who consents) is :func:`owner_ballots` here; the
per-agent reference model casts the same ballots agent by agent. Everything else is shared.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from commsim.processes.payment import sigmoid
from commsim.vocabulary import ESTATE_TYPES

if TYPE_CHECKING:
    from commsim.model import CommunityModel
    from commsim.processes.governance import VoteResult

#: what owners vote on; the code keys the vote's random stream
KINDS = {"form": 1, "reelect": 2, "replace": 3, "hire": 4, "fee": 5, "join": 6, "join_unmanaged": 7}


def turnout_logit(p, age, sat, occupied, participated, belonging, reach: float, mobilisation: float):
    """Log-odds that an owner takes part in a vote (arrays or scalars)."""
    return (p.vote_turnout_intercept
            + np.where(age == 2, p.vote_turnout_retired_shift, 0.0)
            + np.where(age == 0, p.vote_turnout_young_shift, 0.0)
            + p.vote_turnout_dissatisfaction * (1.0 - sat)
            + np.where(occupied, 0.0, p.vote_turnout_absentee_shift)
            + np.where(participated, p.vote_turnout_participation, 0.0)
            + p.vote_turnout_belonging * (belonging - 0.5)
            + p.vote_turnout_canvass * reach
            + mobilisation)


def consent_logit(p, kind: str, sat):
    """Log-odds that a voting owner consents: to elect the committee (``form``, ``reelect``), to
    replace the firm (``replace``: the dissatisfied), to hire the proposed provider for an estate
    without one (``hire``), to a fee rise (``fee``: the satisfied); to join a common firm (a policy's
    alliance of estates): ``join`` replaces the estate's own firm (as ``replace``: the dissatisfied
    consent), ``join_unmanaged`` hires it for an estate without a provider (as ``hire``)."""
    if kind in ("form", "reelect"):
        return p.assembly_consent_logit + 0.0 * sat
    if kind in ("replace", "join"):
        return p.vote_consent_steepness * (p.dismissal_trigger_satisfaction - sat)
    if kind in ("hire", "join_unmanaged"):
        return p.hire_consent_logit + 0.0 * sat
    if kind == "fee":
        return p.fee_consent_intercept + p.fee_consent_satisfaction * (sat - 0.5)
    raise ValueError(f"unknown vote kind {kind!r}")


def owner_ballots(model: CommunityModel, e: int, kind: str, reach: float) -> VoteResult:
    """Owners of estate ``e`` vote on ``kind`` (turnout and consent drawn per owner)."""
    from commsim.processes.governance import owners_vote

    p, hh, est = model.p, model.households, model.estates
    rows = np.arange(est.start[e], est.stop[e])
    rows = rows[hh.owner[rows]]
    rng = model.streams.keyed("vote", model.month, e, KINDS[kind])  # == once(...); drawn here
    sat = hh.satisfaction[rows].astype(np.float64)
    x = turnout_logit(p, hh.age_group[rows], sat, hh.occupied[rows], hh.participated[rows],
                      hh.belonging[rows].astype(np.float64), reach, float(model.vote_mobilisation[e]))
    takes_part = rng.random(rows.size) < sigmoid(x)
    consents = rng.random(rows.size) < sigmoid(consent_logit(p, kind, sat))
    return owners_vote(hh.area_m2[rows], takes_part, consents, p.vote_rule)


def organisers(model: CommunityModel) -> np.ndarray:
    """Per estate: occupying owners who took part this month with belonging >= the minimum."""
    hh, est = model.households, model.estates
    able = hh.owner & hh.occupied & hh.participated
    able &= hh.belonging >= np.float32(model.p.organiser_belonging_min)
    return est.sum_rows(able)


@dataclass
class Drive:
    """A drive to form an owners' committee: a preparatory group at work until ``ends``."""

    started: int
    ends: int
    canvass_hours: float = 0.0


class Assemblies:
    """Formation drives in progress, cool-downs and the help policies give (``model.assemblies``)."""

    def __init__(self, model: CommunityModel):
        self.model = model
        n = model.estates.n
        self.drives: dict[int, Drive] = {}
        self.cooldown_until = np.zeros(n, dtype=np.int64)
        self.helpers = np.zeros(n)  # organisers a policy adds this month (e.g. a party branch)
        self.help_hours = np.zeros(n)  # canvass hours a policy adds this month

    def new_month(self) -> None:
        """Clear the organisers and canvass hours policies added last month."""
        self.helpers[:] = 0.0
        self.help_hours[:] = 0.0

    def add_organisers(self, estates, people: float, hours: float = 0.0) -> None:
        """This month, ``people`` more organisers (and ``hours`` of their canvassing, booked by
        the caller) help each of ``estates`` form a committee."""
        idx = np.atleast_1d(np.asarray(estates, dtype=np.int64))
        self.helpers[idx] += people
        self.help_hours[idx] += hours


def reach_of(model: CommunityModel, e: int, hours: float) -> float:
    """Share of estate ``e``'s owners reached by ``hours`` of canvassing."""
    owners = float(model.owner_counts()[e])
    return min(1.0, hours / (owners * model.p.canvass_hours_per_owner)) if owners > 0 else 0.0


def hold_vote(model: CommunityModel, e: int, kind: str, canvass_hours: float) -> VoteResult:
    """An owners' vote in estate ``e`` after ``canvass_hours`` of canvassing; counted in the
    month's state (held, quorate)."""
    result = model.owner_ballots(e, kind, reach_of(model, e, canvass_hours))
    st = model.state
    st.owner_votes[e] += 1
    st.owner_votes_quorate[e] += int(result.quorum_met)
    return result


def committee_canvass(model: CommunityModel, e: int, months: int | None = None) -> float:
    """Hours an existing committee's members canvass before a vote it calls (volunteer hours):
    each member ``organiser_hours_month`` for ``months`` (default ``vote_canvass_months``)."""
    oc = model.committee_of[e]
    if oc is None:
        return 0.0
    p = model.p
    months = int(p.vote_canvass_months) if months is None else months
    hours = oc.members * p.organiser_hours_month * months
    model.state.volunteer_hours[e] += hours
    return hours


def street_canvass(model: CommunityModel, e: int) -> float:
    """Hours community workers canvass for a vote the residents' committee convenes for estate
    ``e`` (no owners' committee); booked on the residents' committee."""
    p = model.p
    hours = p.assembly_guidance_hours * p.vote_canvass_months
    model.residents_committees[int(model.estates.community[e])].book("assembly", hours)
    return hours


def formation_factor(model: CommunityModel) -> np.ndarray:
    """Per-estate multiplier of the formation hazard by estate type (commercial 1)."""
    p, est = model.p, model.estates
    by_type = {"commercial": 1.0, "old": p.oc_formation_factor_old,
               "resettlement": p.oc_formation_factor_resettlement, "work_unit": p.oc_formation_factor_work_unit}
    return np.array([by_type[t] for t in ESTATE_TYPES])[est.type_code]


def step(model: CommunityModel) -> None:
    """Organisers, committees (activity, lapse, re-election) and formation drives for the month."""
    p, est, inst = model.p, model.estates, model.institutions
    hist, org = est.participation_owner, est.organisers
    hist[:-1] = hist[1:]
    hist[-1] = model.owners_taking_part()
    org[:-1] = org[1:]
    org[-1] = model.organisers()
    owners = model.owner_counts()
    share = np.divide(hist.mean(axis=0), owners, out=np.zeros(est.n), where=owners > 0)
    asm = model.assemblies
    organisers_now = org.mean(axis=0) + asm.helpers
    strength = np.minimum(1.0, organisers_now / p.oc_initiators_needed)
    occupancy = est.occupied_units / est.units
    draw = model.streams.uniform("committee", est.n)
    starts = (occupancy >= p.oc_occupancy_threshold) & (draw < p.oc_formation_hazard * formation_factor(model) * strength)
    lapses = draw < p.oc_dissolution_hazard * (1.0 - strength)
    share_of, month = share.tolist(), model.month
    for e, oc in enumerate(model.committee_of):
        if oc is not None:
            oc.update_activity(share_of[e])
            if lapses[e]:
                inst.dissolve_committee(e)
            elif month >= oc.term_end:
                months = int(p.assembly_preparation_months)  # a re-election is prepared like a first assembly
                guidance = p.assembly_guidance_hours * months
                model.residents_committees[int(est.community[e])].book("assembly", guidance)
                if hold_vote(model, e, "reelect", committee_canvass(model, e, months) + guidance).passed:
                    inst.reelect_committee(e)
                else:
                    inst.dissolve_committee(e)
            continue
        drive = asm.drives.get(e)
        if drive is None:
            if starts[e] and month >= asm.cooldown_until[e]:
                asm.drives[e] = Drive(month, month + int(p.assembly_preparation_months))
                model.state.drives_started[e] += 1
            continue
        _work_on(model, e, drive, organisers_now[e], share_of[e])


def _work_on(model: CommunityModel, e: int, drive: Drive, organisers_now: float, share: float) -> None:
    """A month of a formation drive: organisers' and workers' hours; the assembly at its end."""
    p, asm = model.p, model.assemblies
    if organisers_now < 0.5 * p.oc_initiators_needed:
        del asm.drives[e]
        asm.cooldown_until[e] = model.month + int(p.assembly_cooldown_months)
        return
    hours = min(organisers_now, float(p.oc_members)) * p.organiser_hours_month
    model.state.volunteer_hours[e] += hours
    model.residents_committees[int(model.estates.community[e])].book("assembly", p.assembly_guidance_hours)
    drive.canvass_hours += hours + float(asm.help_hours[e])
    if model.month < drive.ends:
        return
    del asm.drives[e]
    if hold_vote(model, e, "form", drive.canvass_hours).passed:
        model.institutions.form_committee(e, share)
    else:
        asm.cooldown_until[e] = model.month + int(p.assembly_cooldown_months)
