"""Service: providers turn expected revenue into effort and quality; households meet failures.

Each provider plans its effort (``ServiceProvider.plan_effort``): what its expected revenue,
less the margin it keeps, covers of full-effort cost, never under its fixed-cost share; a
supervisor makes it spend part of its margin. Quality of an estate = min(1, effort x the
estate type's infrastructure factor x (1 + supervision_efficiency_gain x supervision)); an
estate with no provider has ``unmanaged_quality``. An occupied household meets a failure in a
month with probability ``failure_prob_min + (max - min) * (1 - quality) ** exponent``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from commsim.model import CommunityModel


def failure_probability(quality: np.ndarray, p) -> np.ndarray:
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


def step(model: CommunityModel) -> None:
    p, est, hh = model.p, model.estates, model.households
    est.effort[:] = 0.0
    est.quality[:] = p.unmanaged_quality
    for provider in model.providers():
        effort = provider.plan_effort()
        idx = provider.estates
        est.effort[idx] = effort
        gain = 1.0 + p.supervision_efficiency_gain * model.supervision[idx]
        est.quality[idx] = np.minimum(1.0, effort * est.infrastructure[idx] * gain)
    est.failure_prob[:] = failure_probability(est.quality, p)
    draw = model.streams.uniform("failure", hh.n)
    failure = model.state.failure
    np.less(draw, est.per_household(threshold32(est.failure_prob)), out=failure)
    failure &= hh.occupied
