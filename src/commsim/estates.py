"""Estates (小区) and communities (社区): small per-estate arrays and their static facts."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from commsim.scenario import Scenario
from commsim.vocabulary import ESTATE_TYPES


@dataclass
class EstateTable:
    """Static facts per estate, plus a few arrays of per-estate state the processes share."""

    names: list[str]
    community: np.ndarray  # int32, community index
    type_code: np.ndarray  # int8, index into ESTATE_TYPES
    start: np.ndarray  # int64, first household row
    stop: np.ndarray  # int64, one past the last row
    units: np.ndarray  # int64, dwelling units
    occupied_units: np.ndarray  # int64
    fee: np.ndarray  # float64, guided fee (指导价): the scenario's fee, the estate's service grade, yuan/m2/month
    area_total: np.ndarray  # float64, m2 of all units
    infrastructure: np.ndarray  # float64, quality per unit of effort
    belonging_base: np.ndarray  # float64, baseline belonging
    community_names: list[str] = field(default_factory=list)
    # --- state shared by processes (set each month) ----------------------------------
    quality: np.ndarray = field(default=None)  # service quality 0-1
    effort: np.ndarray = field(default=None)  # provider effort 0-1 (0 if unmanaged)
    failure_prob: np.ndarray = field(default=None)
    norm_group: np.ndarray = field(default=None)  # int, estates with one payment reference group
    collection_rate: np.ndarray = field(default=None)  # last month: providers' revenue / fees billed
    charged_last: np.ndarray = field(default=None)  # last month's charged households (0 before month 1)
    paying_last: np.ndarray = field(default=None)  # last month's paying households
    participation_owner: np.ndarray = field(default=None)  # (3, E) last 3 months, owners
    organisers: np.ndarray = field(default=None)  # (3, E) last 3 months, owners who could organise
    participation_opportunity: np.ndarray = field(default=None)  # drive added by activities
    # --- contracts (written only by commsim.institutions) ------------------------------------
    contract_fee: np.ndarray = field(default=None)  # fee of the current (or last) contract, yuan/m2/month; 0 never managed
    contract_end: np.ndarray = field(default=None)  # int, month the current contract's term ends
    # households v2 (issue 11): value for money
    adapted_quality: np.ndarray = field(default=None)  # quality households have got used to (NaN before month 1)
    expected_quality: np.ndarray = field(default=None)  # quality households expect this month

    def __post_init__(self) -> None:
        n = len(self.names)
        self.quality = np.zeros(n)
        self.effort = np.zeros(n)
        self.failure_prob = np.zeros(n)
        self.norm_group = np.arange(n)
        self.collection_rate = np.full(n, 0.75)
        self.charged_last = np.zeros(n)
        self.paying_last = np.zeros(n)
        self.participation_owner = np.zeros((3, n))
        self.organisers = np.zeros((3, n))
        self.participation_opportunity = np.zeros(n)
        self.contract_fee = np.zeros(n)
        self.contract_end = np.zeros(n, dtype=np.int64)
        self.adapted_quality = np.full(n, np.nan)
        self.expected_quality = np.zeros(n)

    @property
    def n(self) -> int:
        """Number of estates."""
        return len(self.names)

    @property
    def n_communities(self) -> int:
        """Number of communities."""
        return len(self.community_names)

    def type_name(self, e: int) -> str:
        """Estate type of estate ``e`` (a name in ``ESTATE_TYPES``)."""
        return ESTATE_TYPES[int(self.type_code[e])]

    # --- fast per-estate <-> per-household maps (rows of an estate are contiguous) ----------
    def per_household(self, values: np.ndarray) -> np.ndarray:
        """``values[household.estate]`` for every household row, built by ``np.repeat``.

        Same result as the gather, ten times faster: it relies on rows of an estate being
        contiguous and in estate order (``population.build_population`` makes them so).
        """
        return np.repeat(values, self.units)

    def sum_rows(self, values: np.ndarray, dtype: type = np.float64) -> np.ndarray:
        """Sum of ``values`` (one per household row) over each estate's rows.

        Equal to ``np.bincount(household.estate, weights=values, minlength=n)`` (counts exactly,
        float sums up to rounding order), ten times faster: a segmented sum over the contiguous
        rows of each estate (every estate has at least one row).
        """
        return np.add.reduceat(values, self.start, dtype=dtype)

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> EstateTable:
        """Build the table from a scenario's estates, in scenario order.

        Household rows are numbered estate by estate (``start``/``stop``); each estate's
        infrastructure and baseline belonging come from its type's parameters, and its occupied
        units are ``households x occupancy`` rounded, at least 1. ``area_total`` starts at zero (the
        population builder fills it in).
        """
        p = scenario.values
        rows = scenario.estates()
        units = np.array([e.households for _, _, e in rows], dtype=np.int64)
        occupied = np.maximum(1, np.round(units * [e.occupancy for _, _, e in rows])).astype(np.int64)
        stop = np.cumsum(units)
        type_code = np.array([ESTATE_TYPES.index(e.type) for _, _, e in rows], dtype=np.int8)
        infra = np.array([p[f"infrastructure_{t}"] for t in ESTATE_TYPES])
        belong = np.array([p[f"belonging_{t}"] for t in ESTATE_TYPES])
        return cls(
            names=[e.name for _, _, e in rows],
            community=np.array([ci for ci, _, _ in rows], dtype=np.int32),
            type_code=type_code,
            start=stop - units,
            stop=stop,
            units=units,
            occupied_units=occupied,
            fee=np.array([e.fee_yuan_per_m2_month for _, _, e in rows], dtype=np.float64),
            area_total=np.zeros(len(rows)),
            infrastructure=infra[type_code],
            belonging_base=belong[type_code],
            community_names=[c.name for c in scenario.communities],
        )
