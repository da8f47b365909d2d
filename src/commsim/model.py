"""CommunityModel: one street, month by month (a ``mesa.Model``)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import mesa
import numpy as np

from commsim.agents import ResidentsCommittee, StreetOffice
from commsim.estates import EstateTable
from commsim.institutions import (
    INITIAL_COLLECTION,
    Institutions,
    set_up_institutions,
    start_committees,
)
from commsim.market import Market
from commsim.meetings import Meeting
from commsim.params import Values
from commsim.policies import Policy, registry
from commsim.population import build_population
from commsim.processes import STAGE_STEPS, STAGES, assemblies, expectations, participation, stances
from commsim.processes.governance import VoteResult
from commsim.recorder import Recorder, StreetCollector
from commsim.scenario import Scenario, load_scenario
from commsim.state import MonthState
from commsim.streams import Streams
from commsim.supervision import Supervision
from commsim.vocabulary import ESTATE_TYPES, TIERS

if TYPE_CHECKING:
    import pandas as pd


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
        """No adjustment at any tier."""
        return cls(np.zeros((len(TIERS), n_estates)), np.zeros((len(TIERS), n_estates)))

    def reset(self) -> None:
        """Back to no adjustment (each month starts afresh)."""
        self.extra_hours[:] = 0.0
        self.resolve_bonus[:] = 0.0


class _AttrValues(Values):
    """The run's parameter values, each also a plain instance attribute.

    The month reads ``model.p.<name>`` a few hundred times; a plain attribute is found at
    once, where :class:`~commsim.params.Values` first fails the ordinary lookup and then runs
    its ``__getattr__``. The same read-only values (``Values`` is immutable); names that are
    also ``Values`` methods (none today) keep the method.
    """

    def __init__(self, values: Values):
        super().__init__(values)
        self.__dict__.update({k: v for k, v in values.items() if k not in _VALUES_ATTRIBUTES})


_VALUES_ATTRIBUTES = frozenset(dir(Values))


def _seed_from(model: mesa.Model, seed: int | None, rng: Any) -> int:
    """The non-negative integer every named stream derives from (Mesa's ``seed``/``rng``).

    An integer ``seed`` (or an integer ``rng``) is used as it is; otherwise one is drawn from
    the Mesa generator (``rng``, or fresh entropy when both are None) and kept in
    ``model.seed_value``, so the run can be repeated.
    """
    if seed is not None:
        return int(seed)
    if isinstance(rng, int | np.integer) and rng >= 0:
        return int(rng)
    return int(model.rng.integers(0, 2**63 - 1))


def _parameter_overrides(params: Mapping[str, Any]) -> dict[str, Any]:
    """Keyword parameters as parameter-table names (``policy__param`` means ``policy.param``)."""
    return {name.replace("__", ".", 1) if "__" in name else name: value for name, value in params.items()}


class CommunityModel(mesa.Model):
    """A street of communities and estates, simulated month by month.

    Households are arrays (``self.households``); property firms and other service providers,
    owners' committees, residents' committees and the street office are Mesa agents. Each
    ``step()`` is one month: the processes of ``commsim.processes.STAGES`` in order, each with
    the switched-on policies' ``before_``/``after_`` hooks around it, then recording. Who
    serves an estate and its owners' committee change only through ``self.institutions``.

    Mesa's own tools accept it: parameters are keyword arguments (so ``mesa.batch_run`` and
    SolaraViz can rebuild it from a dict; the catch-all is called ``kwargs`` because SolaraViz
    accepts parameters it cannot see in the signature only under that name),
    ``self.datacollector`` gathers the street series each month, and ``running`` turns False
    at the scenario's horizon.

    Args:
        scenario: a :class:`Scenario`, or a path / shipped scenario name (default "baseline").
        seed: non-negative integer; every random decision has its own stream derived from it.
            With ``seed`` and ``rng`` both None one is drawn (``self.seed_value`` keeps it).
        rng: Mesa's alternative to ``seed`` (an integer is used as the seed).
        months: horizon (default: the scenario's); ``running`` is False once it is reached.
        **kwargs: parameter-table values for this run, e.g. ``pay_intercept=2.0``; a policy
            parameter as ``policy__param`` (or ``**{"policy.param": value}``).
    """

    def __init__(self, scenario: Scenario | str | os.PathLike[str] = "baseline", seed: int | None = None,
                 rng: Any = None, months: int | None = None, **kwargs: Any):
        super().__init__(seed=seed, rng=rng)
        self.seed_value = _seed_from(self, seed, rng)
        if self.seed_value < 0:
            raise ValueError(f"seed must be a non-negative integer (got {seed!r})")
        if not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario)
        if kwargs:
            scenario = scenario.with_overrides(_parameter_overrides(kwargs))
        scenario.load_plugins()
        self.scenario = scenario
        self.horizon = int(months) if months is not None else scenario.months
        self.p = _AttrValues(scenario.values)
        self.streams = Streams(self.seed_value)
        self.estates = EstateTable.from_scenario(scenario)
        self.households = build_population(scenario, self.estates, self.streams)
        self._owner_counts: np.ndarray | None = None
        n_e = self.estates.n
        self.state = MonthState(n_e, self.households.n)
        self.market = Market(self)
        self.supervision = Supervision(self)
        self.assemblies = assemblies.Assemblies(self)
        self.institutions = Institutions(self)
        self.vote_mobilisation = np.zeros(n_e)
        self.ladder = LadderAdjustments.zeros(n_e)
        set_up_institutions(self, scenario)
        units_by_community = np.bincount(self.estates.community, weights=self.estates.units,
                                         minlength=self.estates.n_communities)
        self._units_by_community = units_by_community
        self.residents_committees = [
            ResidentsCommittee(self, c, int(units_by_community[c]), scenario.communities[c].workers)
            for c in range(self.estates.n_communities)
        ]
        self.street = StreetOffice(self, int(self.estates.units.sum()))
        participation.initialize(self)
        start_committees(self)
        expectations.warm_start(self)  # estates' satisfaction and trust spread by their service
        stances.initialize(self)  # payment stances near their equilibrium (stance model only)
        self.policies: list[Policy] = [
            registry.get(name)(self, values) for name, values in scenario.policies.items()
        ]
        self._hooks = {
            (when, stage): [hook for pol in self.policies if (hook := pol.hooks().get((when, stage)))]
            for when in ("before", "after")
            for stage in STAGES
        }
        for pol in self.policies:
            pol.initialize()
        self.recorder = Recorder(self)
        self.datacollector = StreetCollector(self)
        self.datacollector.collect(self)
        self.running = self.horizon > 0

    # --- households as institutions see them (the reference model has its own) --------------
    def owner_counts(self) -> np.ndarray:
        """Owners (absent owners included) per estate (households' tenure never changes in a
        run: counted once)."""
        if self._owner_counts is None:
            self._owner_counts = self.estates.sum_rows(self.households.owner)
        return self._owner_counts.copy()

    def owners_taking_part(self) -> np.ndarray:
        """Owners taking part this month, per estate (count)."""
        hh = self.households
        return self.estates.sum_rows(hh.owner & hh.participated)

    def organisers(self) -> np.ndarray:
        """Owners who could organise an assembly this month, per estate (``assemblies.organisers``)."""
        return assemblies.organisers(self)

    def mean_satisfaction(self) -> np.ndarray:
        """Mean satisfaction of occupied households per estate (1 where nobody lives)."""
        hh, est = self.households, self.estates
        total = est.sum_rows(hh.satisfaction * hh.occupied)
        return np.divide(total, est.occupied_units, out=np.ones(est.n), where=est.occupied_units > 0)

    def set_trust(self, estates, trust: float) -> None:
        """Households of ``estates`` start with ``trust`` in a provider (``Institutions.reset_trust``)."""
        est, hh = self.estates, self.households
        for e in estates:
            hh.trust[est.start[e]:est.stop[e]] = trust

    def owner_ballots(self, e: int, kind: str, reach: float) -> VoteResult:
        """Owners of estate ``e`` vote on ``kind`` (``assemblies.owner_ballots``)."""
        return assemblies.owner_ballots(self, e, kind, reach)

    # --- the month ----------------------------------------------------------------------
    @property
    def month(self) -> int:
        """Months simulated so far (Mesa's ``steps``); month m is the m-th ``step()``."""
        return self.steps

    def step(self) -> None:
        """One month: reset the month's state, every stage with its hooks, record."""
        self._new_month()
        for stage in STAGES:
            self._run_hooks("before", stage)
            STAGE_STEPS[stage](self)
            self._run_hooks("after", stage)
        self.recorder.record()
        self.datacollector.collect(self)
        self.running = self.month < self.horizon

    def _run_hooks(self, when: str, stage: str) -> None:
        for hook in self._hooks[(when, stage)]:
            if hook.__self__.active():
                hook(self)

    def run(self, months: int | None = None) -> pd.DataFrame:
        """Run ``months`` (default: up to the horizon) and return the monthly DataFrame."""
        for _ in range(self.horizon - self.month if months is None else months):
            self.step()
        return self.dataframe()

    def dataframe(self) -> pd.DataFrame:
        """Monthly series per estate and street-wide (estate ``"all"``), one row per month."""
        return self.recorder.dataframe()

    def _new_month(self) -> None:
        self.state.reset()
        self.ladder.reset()
        self.supervision.new_month()
        self.assemblies.new_month()
        if Meeting in self.agents_by_type:
            for meeting in list(self.agents_by_type[Meeting]):
                meeting.remove()  # a meeting lives for the month it was convened in
        for rc in self.residents_committees:
            rc.new_month()
        for oc in self.committee_of:
            if oc is not None:
                oc.new_month()
        self.street.new_month()
        for pol in self.policies:
            pol.new_month()
        # community workers' pay, spread over each community's estates by units (as
        # add_public_cost(..., community=c) does, for all communities at once)
        est = self.estates
        pay = np.array([rc.workers * self.p.worker_pay_yuan_month for rc in self.residents_committees])
        self.state.public_cost += pay[est.community] * est.units / self._units_by_community[est.community]

    # --- institutions (read-only views; changes go through self.institutions) --------------
    @property
    def provider_of(self):
        """Read-only: the provider serving each estate (None where nobody does)."""
        return self.institutions.provider_of

    @property
    def committee_of(self):
        """Read-only: each estate's owners' committee (None where there is none)."""
        return self.institutions.committee_of

    def providers(self) -> list:
        """Distinct providers serving at least one estate, in order of first estate."""
        return self.institutions.providers()

    # Per-estate views of the institutions. Which estates have a provider or a committee is
    # rebuilt after every change the institutions make (``Institutions.version``); fees,
    # activity and hours are read afresh on each call, so whatever a policy changes is seen.
    def has_provider(self) -> np.ndarray:
        """Per estate: whether a provider serves it."""
        return self.institutions.has_provider()

    def fee_charged(self) -> np.ndarray:
        """Fee charged per estate this month (yuan/m2/month; 0 where nobody charges): the
        contract fee (``ServiceProvider.charged_fee``) where a provider serves the estate."""
        return np.where(self.institutions.has_provider(), self.estates.contract_fee, 0.0)

    def has_committee(self) -> np.ndarray:
        """Per estate: whether it has an owners' committee."""
        return self.institutions.has_committee()

    def committee_activity(self) -> np.ndarray:
        """Owners' committee activity per estate; NaN where there is none."""
        return np.fromiter(
            (c.activity if c is not None else np.nan for c in self.committee_of), dtype=np.float64, count=self.estates.n
        )

    def committee_hours(self) -> np.ndarray:
        """Complaint-handling hours each estate's owners' committee gives this month (0 if none)."""
        return np.fromiter(
            (c.complaint_hours() if c is not None else 0.0 for c in self.committee_of), dtype=np.float64, count=self.estates.n
        )

    def pay_type_shift(self) -> np.ndarray:
        """Payment log-odds shift per estate from its type (payment culture; a new array)."""
        shift = {"old": self.p.pay_shift_old, "resettlement": self.p.pay_shift_resettlement}
        by_type = np.array([shift.get(t, 0.0) for t in ESTATE_TYPES])
        return by_type[self.estates.type_code]

    def group_paying_share(self) -> np.ndarray:
        """Last month's paying share of each estate's payment reference group (``norm_group``);
        0.75 before the first month's payments."""
        est = self.estates
        groups = est.norm_group
        paying = np.bincount(groups, weights=est.paying_last, minlength=est.n)
        total = np.bincount(groups, weights=est.charged_last, minlength=est.n)
        share = np.divide(paying, total, out=np.full(est.n, INITIAL_COLLECTION), where=total > 0)
        return share[groups]

    # --- ledgers -------------------------------------------------------------------------
    def add_public_cost(self, yuan: float, *, estate: int | None = None, community: int | None = None) -> None:
        """Book public money: on ``estate``, else over ``community``'s estates, else over the
        street, by dwelling units."""
        est = self.estates
        if estate is not None:
            self.state.public_cost[estate] += yuan
            return
        weights = est.units * (est.community == community) if community is not None else est.units
        self.state.public_cost += yuan * weights / weights.sum()

    def book_worker_hours(self, purpose: str, hours: float, *, community: int | None = None) -> None:
        """Book community-worker hours for ``purpose`` on a community (or spread by households)."""
        if community is not None:
            self.residents_committees[community].book(purpose, hours)
            return
        total = sum(rc.households for rc in self.residents_committees)
        for rc in self.residents_committees:
            rc.book(purpose, hours * rc.households / total)

    def __repr__(self) -> str:
        return f"CommunityModel({self.scenario.name!r}, seed={self.seed_value}, month={self.month})"
