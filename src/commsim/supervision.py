"""Supervision: hours that actors spend watching a provider, and the one channel they act through.

Supervision is work. Actors *supply* hours to an estate's supervision in a month (an owners'
committee's members, a joint meeting, an inspection, a published rating), booked on whoever
spends them by the caller (a :class:`~commsim.meetings.Meeting`, a policy's ``spend``, the
committee's own hours). The ledger only counts them:

- ``supply(estates, hours, actor)`` adds hours to this month's count of each estate;
- at the start of every month the count becomes last month's, and the **level** of an estate is
  ``1 - exp(-hours last month / supervision_hours_scale)``: diminishing returns, 0 without hours,
  never above 1.

The level acts through exactly one channel, chosen by ``supervision_channel`` (a submodel):

- ``margin``: a provider that keeps a margin keeps ``target margin x (1 - supervision_margin_capture
  x level)`` of its expected revenue; the rest is spent on service (owners checking accounts);
- ``detection``: a firm withholds ``firm_shirk_share x (1 - quality orientation)`` of the effort it
  planned, except where it is deterred; each month the level of an estate is the chance that its
  shirking is caught; a firm caught delivers its planned effort there for
  ``detection_deterrence_months`` and the finding is a strike on its street record.

There is no other route: supervision does not multiply quality, add hours or resolve complaints.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from commsim.agents import ServiceProvider
    from commsim.model import CommunityModel

CHANNELS = ("margin", "detection")


class Supervision:
    """Supervision hours per estate, this month and last, and the level they give.

    Args:
        model: the model (its parameters, estates and month state).
    """

    def __init__(self, model: CommunityModel):
        self.model = model
        n = model.estates.n
        self.hours = np.zeros(n)  # supplied this month
        self.last_hours = np.zeros(n)  # supplied last month: what the level uses
        self.by_actor: dict[str, np.ndarray] = {}  # this month's hours by actor kind
        self.deterred_until = np.zeros(n, dtype=np.int64)  # detection: a firm delivers in full while month < this
        self.detected = np.zeros(n, dtype=bool)  # detection: caught this month
        self.channel: str = model.p.supervision_channel
        self._levels = np.zeros(n)  # from last_hours, computed when a month starts

    # --- the ledger ---------------------------------------------------------------------------
    def supply(self, estates, hours, actor: str) -> None:
        """Count ``hours`` of supervision for each of ``estates`` this month.

        Args:
            estates: an estate index or a sequence of them.
            hours: hours each estate receives (a number, or one per estate); never negative.
            actor: who spent them (``owners_committee``, ``meeting:<purpose>``, ``inspection``, ...).
        """
        row = self.by_actor.get(actor)
        if row is None:
            row = self.by_actor[actor] = np.zeros_like(self.hours)
        if isinstance(estates, list | tuple) and len(estates) == 1:
            estates = estates[0]  # one estate in a list: the same single addition per array
        if isinstance(estates, int | np.integer) and isinstance(hours, int | float | np.floating):
            if hours < 0:
                raise ValueError(f"supervision hours must not be negative (from {actor})")
            self.hours[estates] += hours  # one estate, one number: the common case, without numpy
            row[estates] += hours
            self.model.state.supervision_hours[estates] += hours
            return
        idx = np.atleast_1d(np.asarray(estates, dtype=np.int64))
        h = np.broadcast_to(np.asarray(hours, dtype=np.float64), idx.shape)
        if (h < 0).any():
            raise ValueError(f"supervision hours must not be negative (from {actor})")
        np.add.at(self.hours, idx, h)
        np.add.at(row, idx, h)
        np.add.at(self.model.state.supervision_hours, idx, h)

    def new_month(self) -> None:
        """Last month's hours become what the level reads; this month starts at zero."""
        self.last_hours[:] = self.hours
        self.hours[:] = 0.0
        self.by_actor.clear()
        self.detected[:] = False
        self._levels = -np.expm1(-self.last_hours / self.model.p.supervision_hours_scale)

    def levels(self) -> np.ndarray:
        """Supervision level of every estate, 0-1, from last month's hours (diminishing returns;
        a new array)."""
        return self._levels.copy()

    def level(self, e: int) -> float:
        """Supervision level of estate ``e`` (0-1)."""
        return float(self._levels[e])

    def provider_level(self, provider: ServiceProvider) -> float:
        """Area-weighted supervision level over the estates a provider serves."""
        idx = provider.estates
        if len(idx) == 1:
            return self.level(idx[0])
        weights = self.model.estates.area_total[idx]
        return float((self._levels[idx] * weights).sum() / weights.sum()) if weights.sum() > 0 else 0.0

    # --- the channel ----------------------------------------------------------------------------
    def margin_kept(self, provider: ServiceProvider, target: float) -> float:
        """Share of expected revenue the provider keeps as margin under the current channel."""
        if self.channel != "margin":
            return target
        return target * (1.0 - self.model.p.supervision_margin_capture * self.provider_level(provider))

    def delivered_share(self, provider: ServiceProvider, shirk: float, draws: np.ndarray) -> np.ndarray:
        """Share of planned effort delivered in each of the provider's estates this month.

        Under ``detection`` a shirking firm delivers ``1 - shirk`` except where it is deterred or
        caught this month (``draws`` < level: one uniform per estate of the provider); a catch
        deters it for ``detection_deterrence_months`` and is a strike on its record. Under
        ``margin`` (or with ``shirk`` 0) everything planned is delivered.
        """
        idx = np.asarray(provider.estates, dtype=np.int64)
        out = np.ones(idx.size)
        if self.channel != "detection" or shirk <= 0:
            return out
        month = self.model.month
        deterred = month < self.deterred_until[idx]
        caught = ~deterred & (draws < self._levels[idx])
        out[~deterred & ~caught] = 1.0 - shirk
        if caught.any():
            hit = idx[caught]
            self.deterred_until[hit] = month + 1 + int(self.model.p.detection_deterrence_months)
            self.detected[hit] = True
            self.model.state.shirking_detected[hit] += 1
            for _ in range(int(caught.sum())):
                self.model.market.strike(provider, "finding")
        return out

    def end_deterrence(self, e: int) -> None:
        """A new provider in estate ``e`` starts without the previous one's deterrence."""
        self.deterred_until[e] = 0
