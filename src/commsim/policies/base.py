"""The policy interface: a parameterised intervention hooked into the monthly stages.

A policy is a class with a registry ``name`` (its ``[policies.<name>]`` table in scenario
files), bilingual titles, a source, a tuple of :class:`~commsim.params.Param` (registered in
the parameter table as ``<name>.<param>``; ``start_month`` is added for every policy), and any
of the hooks ``before_<stage>(model)`` / ``after_<stage>(model)`` for the stages in
``commsim.processes.STAGES``. Hooks run only from ``start_month`` on, so a policy changes
nothing before it starts. Policies act through the model's mechanisms (providers, committees,
``model.ladder``, ``model.supervision``, ``estates.norm_group``, household arrays, ...), draw
random numbers only from their own stream (``self.rng``), and record their costs with
:meth:`Policy.spend`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from commsim.params import Param, Values

if TYPE_CHECKING:
    from commsim.model import CommunityModel

START_MONTH = Param(
    "start_month", 0, "month", None, "assumption",
    "First month the policy acts (months count from 1); 0 = the first month after burn-in.",
    kind="int", bounds=(0, 1200), group="policy",
)


class Policy:
    name: ClassVar[str] = ""
    title_en: ClassVar[str] = ""
    title_zh: ClassVar[str] = ""
    source: ClassVar[str] = ""
    parameters: ClassVar[tuple[Param, ...]] = ()

    def __init__(self, model: CommunityModel, values: Mapping[str, Any]):
        self.model = model
        self.pars = Values(values)
        start = int(values.get("start_month", 0))
        self.start_month = start if start > 0 else model.scenario.burn_in_months + 1
        self.month_cost_yuan = 0.0
        self.month_hours = 0.0
        self.total_cost_yuan = 0.0
        self.total_hours = 0.0

    # --- life cycle ------------------------------------------------------------------
    @classmethod
    def check_values(cls, values: Mapping[str, Any], where: str) -> None:
        """Check constraints *between* this policy's parameters when a scenario loads.

        Each value has already passed its own bounds; raise ``ParameterError`` whose message
        starts with ``where`` (file and ``policies.<name>.``) and names the parameter.
        """

    def initialize(self) -> None:
        """Called once when the model is built. Must not change model state or draw numbers."""

    def active(self) -> bool:
        return self.model.month >= self.start_month

    @property
    def rng(self) -> np.random.Generator:
        """The policy's own random stream (does not disturb the model's streams)."""
        return self.model.streams[f"policy:{self.name}"]

    # --- costs -------------------------------------------------------------------------
    def spend(self, yuan: float = 0.0, hours: float = 0.0, *, estate: int | None = None,
              community: int | None = None, purpose: str = "") -> None:
        """Record public money (yuan) and community-worker hours this policy uses this month.

        Money is attributed to ``estate``, else spread over ``community``'s estates, else over
        the street by dwelling units. Hours are booked on the community's residents' committee
        (purpose ``policy:<name>``), where they compete with complaints for worker time; without
        a community they are spread over all communities by households.
        """
        model = self.model
        if yuan:
            model.add_public_cost(yuan, estate=estate, community=community)
            self.month_cost_yuan += yuan
            self.total_cost_yuan += yuan
        if hours:
            label = f"policy:{self.name}" + (f":{purpose}" if purpose else "")
            model.book_worker_hours(label, hours, community=community)
            self.month_hours += hours
            self.total_hours += hours

    def new_month(self) -> None:
        self.month_cost_yuan = 0.0
        self.month_hours = 0.0

    def __repr__(self) -> str:
        return f"{type(self).__name__}(start_month={self.start_month})"
