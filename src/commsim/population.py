"""Build the households of a scenario: attributes per row and the neighbour-tie network.

Everything is drawn estate by estate from the ``population`` and ``ties`` streams, in file
order (households' own complaint propensity from ``complaint_weight``), so a scenario and seed
give the same street whatever policies are switched on. Payment stances are set once providers
exist (``processes.stances.initialize``).
"""

from __future__ import annotations

import numpy as np

from commsim.estates import EstateTable
from commsim.households import NO_COMPLAINT, Households
from commsim.params import Values
from commsim.scenario import Estate, HouseholdMix, Scenario
from commsim.streams import Streams
from commsim.vocabulary import AGE_GROUPS, INCOME_CLASSES, Stance


def _counts(shares: list[float], n: int) -> np.ndarray:
    """Largest-remainder split of ``n`` by ``shares`` (exact totals, no sampling noise)."""
    raw = np.asarray(shares) * n
    base = np.floor(raw).astype(np.int64)
    rest = n - base.sum()
    order = np.argsort(-(raw - base), kind="stable")
    base[order[:rest]] += 1
    return base


def _categorical(rng: np.random.Generator, shares: list[float], n: int) -> np.ndarray:
    codes = np.repeat(np.arange(len(shares), dtype=np.int8), _counts(shares, n))
    return rng.permutation(codes)


def _floor_area(rng: np.random.Generator, estate: Estate, n: int) -> np.ndarray:
    fa = estate.floor_area
    if fa.sd == 0:
        area = np.full(n, fa.mean)
    else:
        sigma2 = np.log1p((fa.sd / fa.mean) ** 2)
        area = rng.lognormal(np.log(fa.mean) - sigma2 / 2, np.sqrt(sigma2), n)
    return np.clip(area, fa.min, fa.max).astype(np.float32)


def _beta(rng: np.random.Generator, mean: np.ndarray, concentration: float) -> np.ndarray:
    mean = np.clip(mean, 1e-3, 1 - 1e-3)
    return rng.beta(mean * concentration, (1 - mean) * concentration).astype(np.float32)


def build_population(scenario: Scenario, estates: EstateTable, streams: Streams) -> Households:
    """Households of every estate, rows contiguous per estate with occupied units first."""
    p: Values = scenario.values
    rng = streams["population"]
    incomes = np.array([p[f"income_{c}_yuan_month"] for c in INCOME_CLASSES])
    thresholds = np.array([p[f"participation_threshold_{a}"] for a in AGE_GROUPS])
    parts: dict[str, list[np.ndarray]] = {k: [] for k in (
        "occupied", "owner", "area_m2", "income_class", "income_yuan", "age_group", "threshold",
    )}
    for e, (_, community, estate) in enumerate(scenario.estates()):
        mix: HouseholdMix = estate.household_mix or community.household_mix or scenario.spec.household_mix
        n = int(estates.units[e])
        occ = int(estates.occupied_units[e])
        occupied = np.zeros(n, dtype=bool)
        occupied[:occ] = True
        # Absent owners own the unoccupied units; tenants live only in occupied ones.
        tenant_share = mix.tenure.tenant
        owner = np.ones(n, dtype=bool)
        n_tenant = min(occ, int(round(tenant_share * occ)))
        owner[rng.permutation(occ)[:n_tenant]] = False
        income_class = _categorical(rng, list(mix.income.model_dump().values()), n)
        income = incomes[income_class] * rng.lognormal(-p.income_sd_log**2 / 2, p.income_sd_log, n)
        age = _categorical(rng, list(mix.age.model_dump().values()), n)
        area = _floor_area(rng, estate, n)
        estates.area_total[e] = float(area.sum(dtype=np.float64))
        parts["occupied"].append(occupied)
        parts["owner"].append(owner)
        parts["area_m2"].append(area)
        parts["income_class"].append(income_class)
        parts["income_yuan"].append(income.astype(np.float32))
        parts["age_group"].append(age)
        parts["threshold"].append(_beta(rng, thresholds[age], p.participation_threshold_concentration))
    cols = {k: np.concatenate(v) for k, v in parts.items()}
    n_total = cols["occupied"].shape[0]
    estate_of = np.repeat(np.arange(estates.n, dtype=np.int32), estates.units)

    def around(mean: np.ndarray | float, sd: float) -> np.ndarray:
        return np.clip(mean + rng.normal(0.0, sd, n_total), 0.0, 1.0).astype(np.float32)

    belonging = around(estates.belonging_base[estate_of], 0.1)
    hh = Households(
        estate=estate_of,
        occupied=cols["occupied"],
        owner=cols["owner"],
        area_m2=cols["area_m2"],
        income_class=cols["income_class"],
        income_yuan=cols["income_yuan"],
        age_group=cols["age_group"],
        satisfaction=around(p.satisfaction_initial_mean, 0.12),
        trust=around(p.trust_initial_mean, 0.15),
        belonging=belonging,
        threshold=cols["threshold"],
        arrears_months=np.zeros(n_total, dtype=np.int16),
        paid=rng.random(n_total) < 0.75,
        participated=np.zeros(n_total, dtype=bool),
        fee_share_payable=np.ones(n_total, dtype=np.float32),
        complaint_tier=np.full(n_total, NO_COMPLAINT, dtype=np.int8),
        complaint_wait=np.zeros(n_total, dtype=np.int16),
        complaint_age=np.zeros(n_total, dtype=np.int16),
        ties=build_ties(estates, int(p.neighbour_ties), streams["ties"]),
        stance=np.full(n_total, Stance.OCCASIONAL, dtype=np.int8),  # set by payment.initialize
        complaint_weight=complaint_weights(p.complaint_propensity_cv, n_total, streams["complaint_weight"]),
    )
    hh.refresh_ties()
    return hh


def complaint_weights(cv: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """Each household's own complaint propensity multiplier: gamma with mean 1 and coefficient of
    variation ``cv`` (all 1 when ``cv`` is 0, or so small its square underflows), so a minority
    complains often."""
    if cv * cv < 1e-12:
        return np.ones(n, dtype=np.float32)
    shape = 1.0 / cv**2
    return rng.gamma(shape, 1.0 / shape, n).astype(np.float32)


def build_ties(estates: EstateTable, k: int, rng: np.random.Generator) -> np.ndarray:
    """``k`` ties per occupied household to other occupied households of its estate.

    Targets are drawn uniformly (no self-ties); absent owners have no ties (-1).
    """
    n_total = int(estates.units.sum())
    ties = np.full((n_total, k), -1, dtype=np.int32, order="F")
    for e in range(estates.n):
        start, occ = int(estates.start[e]), int(estates.occupied_units[e])
        if occ < 2:
            continue
        local = np.arange(occ)[:, None]
        offset = rng.integers(1, occ, size=(occ, k))
        ties[start : start + occ] = start + (local + offset) % occ
    return ties
