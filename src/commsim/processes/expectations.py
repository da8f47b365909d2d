"""Value for money: what households expect of their service, and the satisfaction it leads to.

Under ``satisfaction_model = "value_for_money"`` satisfaction and trust move toward

    target = clip(satisfaction_neutral + satisfaction_vfm_sensitivity x (quality - expected), 0, 1)

where the quality households expect in an estate is

    expected = (1 - w) x fee_based + w x adapted,
    fee_based = max(expectation_floor, expectation_reference_quality
                    x (fee charged / expectation_reference_fee)^expectation_fee_elasticity)
                + expectation_shift_<type>           (clipped to [0, 1]),

``w`` = ``expectation_experience_weight`` and ``adapted`` the quality the estate has got used to,
which moves toward the quality it gets at ``expectation_adapt_rate`` a month (it starts at the
first month's quality). The fee is what the provider charges this month (self-management
charges less; nothing charged gives the floor), so a fee rise raises expectations at once while
habituation to the service lags: a fee rise without better service lowers satisfaction, and the
same quality at a lower fee raises it. Under ``"absolute"`` the target is the quality itself
(the model before issue 11).

At the start (:func:`warm_start`) estates' satisfaction and trust are spread around the
street's initial means by the level their service will hold them at, so the status quo does not
spend years drifting from a uniform start.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from commsim.processes.service import failure_probability
from commsim.vocabulary import ESTATE_TYPES

if TYPE_CHECKING:
    from commsim.model import CommunityModel


def fee_based_expectation(model: CommunityModel, fee: np.ndarray) -> np.ndarray:
    """Quality the fee charged leads households to expect, per estate (0-1)."""
    p, est = model.p, model.estates
    ratio = np.maximum(np.asarray(fee, dtype=np.float64), 0.0) / p.expectation_reference_fee
    expected = np.maximum(p.expectation_floor, p.expectation_reference_quality * ratio ** p.expectation_fee_elasticity)
    shift = {"old": p.expectation_shift_old, "resettlement": p.expectation_shift_resettlement}
    expected += np.array([shift.get(t, 0.0) for t in ESTATE_TYPES])[est.type_code]
    return np.clip(expected, 0.0, 1.0)


def target_at(model: CommunityModel, quality: np.ndarray, fee: np.ndarray, adapted: np.ndarray,
              expected: np.ndarray | None = None) -> np.ndarray:
    """The value-for-money target per estate at ``quality``, ``fee`` and ``adapted`` quality
    (pure; under the absolute model the quality itself). ``expected``: the expected quality at
    that fee and adapted quality, if already computed."""
    p = model.p
    if p.satisfaction_model == "absolute":
        return np.asarray(quality, dtype=np.float64).copy()
    if expected is None:
        w = p.expectation_experience_weight
        expected = (1.0 - w) * fee_based_expectation(model, fee) + w * adapted
    return np.clip(p.satisfaction_neutral + p.satisfaction_vfm_sensitivity * (quality - expected), 0.0, 1.0)


def satisfaction_target(model: CommunityModel) -> np.ndarray:
    """This month's target of satisfaction and trust per estate; updates the estates'
    expected and adapted quality (call once a month, after the service stage)."""
    p, est = model.p, model.estates
    q = est.quality
    if p.satisfaction_model == "absolute":
        est.expected_quality[:] = np.nan
        return q.copy()
    adapted = est.adapted_quality
    first = np.isnan(adapted)
    adapted[first] = q[first]
    w = p.expectation_experience_weight
    fee = model.fee_charged()
    expected = (1.0 - w) * fee_based_expectation(model, fee) + w * adapted
    est.expected_quality[:] = expected
    target = target_at(model, q, fee, adapted, expected)
    adapted += p.expectation_adapt_rate * (q - adapted)
    return target


def initial_spread(model: CommunityModel, fee: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-estate shifts of households' initial satisfaction and trust (warm start).

    Each estate's level is estimated where its service will hold it: the target at the quality
    its provider plans on entry (``unmanaged_quality`` without one), less the failures' steady
    pull (drop x failure chance / adjustment rate). The shifts are these levels minus their mean
    over occupied households, so the street starts at ``satisfaction_initial_mean`` and
    ``trust_initial_mean`` and estates spread around it by their service (without this, estates
    drift for years toward their own levels: trust adjusts at a few percent a month).
    """
    p, est = model.p, model.estates
    quality = np.full(est.n, p.unmanaged_quality)
    for provider in model.institutions.providers():
        idx = provider.estates
        quality[idx] = np.minimum(1.0, provider.plan_effort() * est.infrastructure[idx])
    target = target_at(model, quality, fee, quality)
    fail = failure_probability(quality, p)
    sat = target - p.satisfaction_failure_drop * fail / max(p.satisfaction_adjust_rate, 1e-9)
    trust = target - p.trust_failure_drop * fail / max(p.trust_adjust_rate, 1e-9)
    weights = est.occupied_units.astype(np.float64)
    return sat - np.average(sat, weights=weights), trust - np.average(trust, weights=weights)


def warm_start(model: CommunityModel) -> None:
    """Spread households' initial satisfaction and trust across estates (:func:`initial_spread`)."""
    hh, est = model.households, model.estates
    d_sat, d_trust = initial_spread(model, model.fee_charged())
    for name, shift in (("satisfaction", d_sat), ("trust", d_trust)):
        values = getattr(hh, name) + est.per_household(shift.astype(np.float32))
        setattr(hh, name, np.clip(values, 0.0, 1.0).astype(np.float32))
