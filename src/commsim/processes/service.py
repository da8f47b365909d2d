"""Service: providers turn expected revenue into effort and quality; households meet failures.

First the street arranges, for estates without a provider, any option a policy offers through
it (``processes.market.street_offers``). Each provider plans its effort (``ServiceProvider.plan_effort``): what its expected revenue,
less the margin it keeps, covers of full-effort cost, never under its fixed-cost share, at most
its quality cap. Supervision acts through one channel (``commsim.supervision``): under
``margin`` it lowers the margin kept; under ``detection`` a firm delivers only part of what it
planned where it is not deterred, unless caught this month. The delivered effort of an estate
is its ``effort``; quality = min(1, effort x the estate type's infrastructure factor); an estate
with no provider has ``unmanaged_quality``. A self-managed estate takes
``self_management_volunteer_hours`` of its committee's time. An occupied household meets a
failure in a month with probability ``failure_prob_min + (max - min) * (1 - quality) **
exponent``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from commsim.agents import SelfManagement
from commsim.processes.market import street_offers

if TYPE_CHECKING:
    from commsim.model import CommunityModel


def failure_probability(quality: np.ndarray, p) -> np.ndarray:
    """Monthly failure probability for ``quality`` under the parameters ``p``."""
    q = np.clip(quality, 0.0, 1.0)
    return p.failure_prob_min + (p.failure_prob_max - p.failure_prob_min) * (1.0 - q) ** p.failure_quality_exponent


def threshold32(prob: np.ndarray) -> np.ndarray:
    """float32 thresholds ``t`` with ``(d < t) == (d < prob)`` for every float32 draw ``d``.

    ``prob`` rounded up to the next float32: comparing float32 draws with it gives exactly the
    float64 comparison, without converting a household-length array of draws to float64.
    """
    t = np.asarray(prob, dtype=np.float64).astype(np.float32)
    low = t < prob
    t[low] = np.nextafter(t[low], np.float32(np.inf))
    return t


def plan_quality(model: CommunityModel) -> None:
    """Effort and quality of every estate this month (institution level, shared with the
    per-agent reference model)."""
    p, est = model.p, model.estates
    est.effort[:] = 0.0
    est.quality[:] = p.unmanaged_quality
    draws = model.streams.uniform("detection", est.n)
    supervision = model.supervision
    detection = supervision.channel == "detection"
    for provider in model.providers():
        effort = provider.plan_effort()
        idx = provider.estates
        if detection and provider.shirk > 0:
            share = supervision.delivered_share(provider, provider.shirk, draws[idx])
            delivered = effort * share
            if (share < 1.0).any():
                weights = est.fee[idx] * est.area_total[idx]
                provider.spending *= float((share * weights).sum() / weights.sum()) if weights.sum() > 0 else 1.0
            est.effort[idx] = delivered
            est.quality[idx] = np.minimum(1.0, delivered * est.infrastructure[idx])
        elif len(idx) == 1:  # everything planned is delivered; one estate: plain floats
            e = idx[0]
            est.effort[e] = effort
            est.quality[e] = min(1.0, effort * float(est.infrastructure[e]))
        else:
            est.effort[idx] = effort
            est.quality[idx] = np.minimum(1.0, effort * est.infrastructure[idx])
        if isinstance(provider, SelfManagement):
            for e in idx:
                committee = model.committee_of[e]
                if committee is not None:
                    committee.book(p.self_management_volunteer_hours)
                    model.state.volunteer_hours[e] += p.self_management_volunteer_hours
    est.failure_prob[:] = failure_probability(est.quality, p)


def step(model: CommunityModel) -> None:
    """The service stage: street offers, effort and quality, then households meet failures."""
    street_offers(model)
    plan_quality(model)
    hh, est = model.households, model.estates
    draw = model.streams.uniform("failure", hh.n)
    failure = model.state.failure
    np.less(draw, est.per_household(threshold32(est.failure_prob)), out=failure)
    failure &= hh.occupied
