"""Participation: households take part in community affairs by a threshold rule.

Each household has a fixed personal threshold (beta-distributed around its age group's mean;
``population.py``). In a month an occupied household takes part when

    participation_social_weight x (share of its ties who took part last month)
    + participation_belonging_weight x belonging
    + participation_grievance_weight x (1 - satisfaction)
    + the estate's participation opportunity (activities that policies organise)
    + noise ~ Normal(0, participation_noise_sd)          >=  its threshold

(Granovetter's threshold model with individual drive and noise). Participation feeds
belonging (belonging stage) and the owners' committees (governance stage).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from commsim.model import CommunityModel


def decide(model: CommunityModel, noise: np.ndarray) -> np.ndarray:
    """Who takes part this month under the threshold rule.

    Args:
        model: the model whose households decide.
        noise: standard-normal draws, one per household (float32).

    Returns:
        A boolean array, True for each occupied household that takes part.
    """
    p, hh, est = model.p, model.households, model.estates
    f32 = np.float32
    # float32 throughout, summed term by term in the order of the docstring, in place
    signal = hh.tie_share(hh.participated)
    signal *= f32(p.participation_social_weight)
    signal += f32(p.participation_belonging_weight) * hh.belonging
    grievance = f32(1.0) - hh.satisfaction
    grievance *= f32(p.participation_grievance_weight)
    signal += grievance
    opportunity = est.participation_opportunity.astype(np.float32)
    if opportunity.any():
        signal += est.per_household(opportunity)
    noise = f32(p.participation_noise_sd) * noise
    signal += noise
    took_part = signal >= hh.threshold
    took_part &= hh.occupied
    return took_part


def initialize(model: CommunityModel, rounds: int = 6) -> None:
    """Start near the rule's equilibrium: apply it a few times before month 1."""
    rng = model.streams["participation_init"]
    for _ in range(rounds):
        noise = rng.standard_normal(model.households.n, dtype=np.float32)
        model.households.participated = decide(model, noise)


def step(model: CommunityModel) -> None:
    """The participation stage: every household decides anew with fresh noise."""
    noise = model.streams["participation"].standard_normal(model.households.n, dtype=np.float32)
    model.households.participated = decide(model, noise)
