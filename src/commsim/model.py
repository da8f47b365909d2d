"""CommunityModel: one street, month by month (a ``mesa.Model``)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

import mesa
import numpy as np

from commsim.agents import (
    OwnersCommittee,
    PropertyFirm,
    ResidentsCommittee,
    SelfManagement,
    ServiceProvider,
    StreetOffice,
)
from commsim.estates import EstateTable
from commsim.policies import Policy, registry
from commsim.population import build_population
from commsim.processes import RUN, STAGES, participation
from commsim.processes.governance import owner_participation
from commsim.scenario import Scenario, load_scenario
from commsim.streams import Streams
from commsim.vocabulary import ESTATE_TYPES, TIERS

if TYPE_CHECKING:
    import pandas as pd

INITIAL_COLLECTION = 0.75  # firms' revenue expectation on entry (assumption; burn-in removes it)


@dataclass
class LadderAdjustments:
    """What policies change on the complaint ladder this month (reset at month start).

    ``extra_hours[t, e]``: handling hours added at tier ``t`` for estate ``e``'s unit (summed to
    the community or street for the tiers served there); ``resolve_bonus[t, e]``: added to the
    chance that tier ``t`` resolves a complaint from estate ``e``.
    """

    extra_hours: np.ndarray
    resolve_bonus: np.ndarray

    @classmethod
    def zeros(cls, n_estates: int) -> LadderAdjustments:
        return cls(np.zeros((len(TIERS), n_estates)), np.zeros((len(TIERS), n_estates)))

    def reset(self) -> None:
        self.extra_hours[:] = 0.0
        self.resolve_bonus[:] = 0.0


class ProviderBook:
    """Who serves which estate: ``provider_of[e]`` and the rules for providers leaving.

    Shared by :class:`CommunityModel` and the per-agent reference model (benchmarks/reference).
    """

    provider_of: list[ServiceProvider | None]

    def remove_provider(self, provider: ServiceProvider) -> None:
        """``provider`` leaves every estate it serves and the model."""
        for e in provider.estates:
            self.provider_of[e] = None
        provider.estates = []
        provider.remove()

    def release_estate(self, provider: ServiceProvider, e: int) -> None:
        """``provider`` stops serving estate ``e`` (and leaves if it serves no other)."""
        if len(provider.estates) <= 1:
            self.remove_provider(provider)
        else:
            provider.estates = [x for x in provider.estates if x != e]
            self.provider_of[e] = None


class CommunityModel(ProviderBook, mesa.Model):
    """A street of communities and estates, simulated month by month.

    Households are arrays (``self.households``); property firms and other service providers,
    owners' committees, residents' committees and the street office are Mesa agents. Each
    ``step()`` is one month: the processes of ``commsim.processes.STAGES`` in order, each with
    the switched-on policies' ``before_``/``after_`` hooks around it, then recording.

    Parameters
    ----------
    scenario : a :class:`Scenario`, or a path / shipped scenario name
    seed : non-negative integer; every random decision has its own stream derived from it
    """

    def __init__(self, scenario: Scenario | str | os.PathLike[str], seed: int = 0):
        super().__init__(seed=int(seed))
        if not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario)
        scenario.load_plugins()
        self.scenario = scenario
        self.p = scenario.values
        self.seed_value = int(seed)
        self.month = 0
        self.streams = Streams(int(seed))
        self.estates = EstateTable.from_scenario(scenario)
        self.households = build_population(scenario, self.estates, self.streams)
        n_e = self.estates.n
        self.provider_of: list[ServiceProvider | None] = [None] * n_e
        self.oc_of: list[OwnersCommittee | None] = [None] * n_e
        self.supervision = np.zeros(n_e)
        self.vote_mobilisation = np.zeros(n_e)
        self.ladder = LadderAdjustments.zeros(n_e)
        self._zero_counters()
        for e, (_, _, estate) in enumerate(scenario.estates()):
            if estate.owners_committee:
                self.oc_of[e] = OwnersCommittee(self, e)
            if estate.management == "firm":
                self.install_provider(PropertyFirm(self, [e]))
            elif estate.management == "self":
                self.install_provider(SelfManagement(self, [e]))
        units_by_community = np.bincount(self.estates.community, weights=self.estates.units, minlength=self.estates.n_communities)
        self._units_by_community = units_by_community
        self.residents_committees = [
            ResidentsCommittee(self, c, int(units_by_community[c]), scenario.communities[c].workers)
            for c in range(self.estates.n_communities)
        ]
        self.street = StreetOffice(self, int(self.estates.units.sum()))
        participation.initialize(self)
        self.estates.participation_owner[:] = owner_participation(self)
        owners = np.bincount(self.households.estate, weights=self.households.owner, minlength=n_e)
        for oc in self.oc_of:
            if oc is not None:
                oc.update_activity(self.estates.participation_owner[-1, oc.estate] / owners[oc.estate])
        self.supervision[:] = [oc.activity if oc is not None else 0.0 for oc in self.oc_of]
        self.policies: list[Policy] = [
            registry.get(name)(self, values) for name, values in scenario.policies.items()
        ]
        self._hooks = {
            (when, stage): [getattr(pol, f"{when}_{stage}") for pol in self.policies if hasattr(pol, f"{when}_{stage}")]
            for when in ("before", "after")
            for stage in STAGES
        }
        for pol in self.policies:
            pol.initialize()
        from commsim.recorder import Recorder

        self.recorder = Recorder(self)

    # --- the month ----------------------------------------------------------------------
    def step(self) -> None:
        self.month += 1
        self._new_month()
        for stage in STAGES:
            self._run_hooks("before", stage)
            RUN[stage](self)
            self._run_hooks("after", stage)
        self.recorder.record()

    def _run_hooks(self, when: str, stage: str) -> None:
        for hook in self._hooks[(when, stage)]:
            if hook.__self__.active():
                hook(self)

    def run(self, months: int | None = None) -> pd.DataFrame:
        """Run ``months`` (default: the scenario's horizon) and return the monthly DataFrame."""
        for _ in range(self.scenario.months if months is None else months):
            self.step()
        return self.dataframe()

    def dataframe(self) -> pd.DataFrame:
        """Monthly series per estate and street-wide (estate ``"all"``), one row per month."""
        return self.recorder.dataframe()

    def _zero_counters(self) -> None:
        n_e = self.estates.n
        self.public_cost = np.zeros(n_e)
        self.month_profit = 0.0
        self.revenue_booked = 0.0  # revenue providers booked this month (incl. any that left)
        self.firm_exits = np.zeros(n_e, dtype=np.int64)
        self.firm_dismissals = np.zeros(n_e, dtype=np.int64)
        self.firm_entries = np.zeros(n_e, dtype=np.int64)
        self.votes = np.zeros(n_e, dtype=np.int64)
        self.oc_formed = np.zeros(n_e, dtype=np.int64)
        self.oc_lapsed = np.zeros(n_e, dtype=np.int64)
        self.payments = np.zeros(n_e)
        self.subsidies = np.zeros(n_e)

    def _new_month(self) -> None:
        self._zero_counters()
        self.ladder.reset()
        for rc in self.residents_committees:
            rc.new_month()
        for pol in self.policies:
            pol.new_month()
        # community workers' pay, spread over each community's estates by units (as
        # add_public_cost(..., community=c) does, for all communities at once)
        est = self.estates
        pay = np.array([rc.workers * self.p.worker_pay_yuan_month for rc in self.residents_committees])
        self.public_cost += pay[est.community] * est.units / self._units_by_community[est.community]

    # --- institutions -------------------------------------------------------------------
    def providers(self) -> list[ServiceProvider]:
        """Distinct providers serving at least one estate, in order of first estate."""
        seen: dict[int, ServiceProvider] = {}
        for provider in self.provider_of:
            if provider is not None and provider.unique_id not in seen:
                seen[provider.unique_id] = provider
        return list(seen.values())

    def install_provider(self, provider: ServiceProvider, expected_collection: float | None = None) -> None:
        """Make ``provider`` serve its estates (replacing nobody: estates must be free)."""
        for e in provider.estates:
            if self.provider_of[e] is not None and self.provider_of[e] is not provider:
                raise RuntimeError(f"estate {self.estates.names[e]} already has a provider")
            self.provider_of[e] = provider
        if expected_collection is None:
            rates = self.estates.collection_rate[provider.estates]
            expected_collection = float(rates.mean()) if self.month > 0 else INITIAL_COLLECTION
        provider.start(expected_collection)


    def dismiss(self, firm: ServiceProvider, e: int) -> None:
        """Owners dismissed ``firm`` in estate ``e``: a new firm is hired; trust starts afresh."""
        self.release_estate(firm, e)
        self.install_provider(PropertyFirm(self, [e]))
        hh = self.households
        rows = slice(int(self.estates.start[e]), int(self.estates.stop[e]))
        hh.trust[rows] = self.p.trust_new_firm

    # Per-estate views of the institutions. They are rebuilt on each call from ``provider_of``
    # and ``oc_of`` (tens to a thousand estates: microseconds), so whatever a policy changes
    # (a provider's fee share, an estate's fee, a committee) is always seen.
    def has_provider(self) -> np.ndarray:
        return np.fromiter((p is not None for p in self.provider_of), dtype=bool, count=self.estates.n)

    def fee_charged(self) -> np.ndarray:
        """Fee charged per estate this month (yuan/m2/month; 0 where nobody charges)."""
        return np.fromiter(
            (prov.charged_fee(e) if prov is not None else 0.0 for e, prov in enumerate(self.provider_of)),
            dtype=np.float64, count=self.estates.n,
        )

    def committee_activity(self) -> np.ndarray:
        """Owners' committee activity per estate; NaN where there is none."""
        return np.fromiter(
            (oc.activity if oc is not None else np.nan for oc in self.oc_of), dtype=np.float64, count=self.estates.n
        )

    def committee_hours(self) -> np.ndarray:
        return np.fromiter(
            (oc.complaint_hours() if oc is not None else 0.0 for oc in self.oc_of), dtype=np.float64, count=self.estates.n
        )

    def pay_type_shift(self) -> np.ndarray:
        """Payment log-odds shift per estate from its type (payment culture; a new array)."""
        shift = {"old": self.p.pay_shift_old, "resettlement": self.p.pay_shift_resettlement}
        by_type = np.array([shift.get(t, 0.0) for t in ESTATE_TYPES])
        return by_type[self.estates.type_code]

    def group_paying_share(self) -> np.ndarray:
        """Last month's paying share of each estate's payment reference group (``norm_group``)."""
        est = self.estates
        charged = getattr(self, "charged_households", None)
        if charged is None:
            return np.full(est.n, INITIAL_COLLECTION)
        groups = est.norm_group
        paying = np.bincount(groups, weights=self.paying_households, minlength=est.n)
        total = np.bincount(groups, weights=charged, minlength=est.n)
        share = np.divide(paying, total, out=np.full(est.n, INITIAL_COLLECTION), where=total > 0)
        return share[groups]

    # --- ledgers -------------------------------------------------------------------------
    def add_public_cost(self, yuan: float, *, estate: int | None = None, community: int | None = None) -> None:
        est = self.estates
        if estate is not None:
            self.public_cost[estate] += yuan
            return
        weights = est.units * (est.community == community) if community is not None else est.units
        self.public_cost += yuan * weights / weights.sum()

    def add_subsidy(self, estate: int, yuan: float) -> None:
        """Public money paid to estate ``estate``'s provider as fees (counted in its revenue)."""
        self.subsidies[estate] += yuan
        self.add_public_cost(yuan, estate=estate)

    def book_worker_hours(self, purpose: str, hours: float, *, community: int | None = None) -> None:
        if community is not None:
            self.residents_committees[community].book(purpose, hours)
            return
        total = sum(rc.households for rc in self.residents_committees)
        for rc in self.residents_committees:
            rc.book(purpose, hours * rc.households / total)

    def __repr__(self) -> str:
        return f"CommunityModel({self.scenario.name!r}, seed={self.seed_value}, month={self.month})"
