"""Belonging and ties drift with experience.

belonging += belonging_relaxation x (estate-type baseline - belonging)
           + belonging_participation_gain x [took part this month]
           + belonging_satisfaction_weight x (satisfaction - 0.5)

Ties: each month an occupied household redirects, with probability ``tie_rewire_prob``, one
of its estate ties (the first ``neighbour_ties`` slots): a household that took part to a
random other participant of its estate (participation builds ties among participants), any
other household to a random occupied neighbour (ties drift).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from commsim.model import CommunityModel


def step(model: CommunityModel) -> None:
    """The belonging stage: belonging drifts by the rule above, then ties rewire."""
    p, hh, est = model.p, model.households, model.estates
    f32 = np.float32
    b = hh.belonging
    pull = est.per_household(est.belonging_base.astype(np.float32))
    pull -= b
    pull *= f32(p.belonging_relaxation)
    b += pull
    b += f32(p.belonging_participation_gain) * hh.participated
    drift = hh.satisfaction - f32(0.5)
    drift *= f32(p.belonging_satisfaction_weight)
    b += drift
    np.clip(b, 0.0, 1.0, out=b)
    rewire_ties(model)


def rewire_ties(model: CommunityModel) -> None:
    """Rewire one estate tie of occupied households with chance ``tie_rewire_prob``."""
    p, hh, est = model.p, model.households, model.estates
    k = int(p.neighbour_ties)
    u = model.streams.uniform("rewire", hh.n)
    v = model.streams.uniform("rewire_target", hh.n)
    movers = np.flatnonzero(hh.occupied & (u < p.tie_rewire_prob))
    if movers.size == 0:
        return
    e = hh.estate[movers]
    joiners = hh.participated[movers]
    participants = np.flatnonzero(hh.participated)  # sorted, so grouped by estate
    offsets = np.searchsorted(participants, est.start)  # first participant of each estate
    counts = np.empty_like(offsets)  # participants per estate (np.diff with append, without its overhead)
    np.subtract(offsets[1:], offsets[:-1], out=counts[:-1])
    counts[-1] = participants.size - offsets[-1]
    target = np.empty(movers.size, dtype=np.int64)
    pick = offsets[e] + np.minimum((v[movers] * counts[e]).astype(np.int64), np.maximum(counts[e] - 1, 0))
    target[joiners] = participants[pick[joiners]] if participants.size else 0
    occ = est.occupied_units[e]
    anyone = est.start[e] + np.minimum((v[movers] * occ).astype(np.int64), occ - 1)
    target[~joiners] = anyone[~joiners]
    keep = (target != movers) & np.where(joiners, counts[e] > 1, occ > 1)
    movers, target = movers[keep], target[keep]
    slot = np.minimum((u[movers] / p.tie_rewire_prob * k).astype(np.int64), k - 1)
    hh.ties[movers, slot] = target
