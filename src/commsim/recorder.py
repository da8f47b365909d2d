"""Monthly metrics per estate and street-wide ("all"), gathered into a pandas DataFrame.

Rates are computed from sums, so the street-wide value is the pooled rate, not a mean of
estate rates. Satisfaction is reported on 0-100 (as in the published surveys); trust and
belonging on 0-1. Community-level quantities (worker load) are repeated on each estate row of
the community. ``METRICS`` lists every column with its meaning and unit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from commsim.households import NO_COMPLAINT
from commsim.vocabulary import AGE_GROUPS, ESTATE_TYPES

METRICS: dict[str, str] = {
    "households": "dwelling units (count)",
    "occupied_households": "occupied units (count)",
    "collection_rate": "fees received (payments + subsidies) / fees billed, this month (0-1)",
    "paying_share": "share of charged households paying this month (0-1)",
    "fees_billed_yuan": "fees billed this month (yuan)",
    "payments_yuan": "fees paid by households this month (yuan)",
    "subsidies_yuan": "fees paid by public subsidy this month (yuan)",
    "firm_revenue_yuan": "providers' revenue = payments + subsidies (yuan)",
    "firm_profit_yuan": "providers' revenue - spending, street-wide (yuan)",
    "arrears_months_mean": "mean consecutive unpaid months, charged households",
    "service_quality": "service quality (0-1), households-weighted",
    "service_effort": "providers' effort (0-1), households-weighted",
    "satisfaction": "mean satisfaction of occupied households (0-100)",
    "trust": "mean trust in the provider, occupied households (0-1)",
    "belonging": "mean belonging, occupied households (0-1)",
    "failures_per_1000_households": "service failures met this month per 1,000 occupied households",
    "complaints_filed": "complaints filed this month (count)",
    "complaints_resolved": "complaints resolved this month (count)",
    "complaints_abandoned": "complaints given up this month (count)",
    "complaints_open": "complaints open at month end (count)",
    "complaints_per_1000_households": "complaints filed this month per 1,000 occupied households",
    "complaints_resolved_share": "resolved / (resolved + abandoned) this month (0-1)",
    "mean_complaint_wait_months": "mean months from filing to closing, complaints closed this month",
    "complaints_escalated_beyond_estate_share": "complaints taken from the estate tier to the community or above / filed, this month",
    "participation_rate": "share of occupied households taking part this month (0-1)",
    **{f"participation_rate_{a}": f"participation rate of {a} households (0-1)" for a in AGE_GROUPS},
    "owners_committee_coverage": "share of estates with an owners' committee (0-1)",
    "managed_by_firm_share": "share of estates served by a market property firm (0-1)",
    "self_managed_share": "share of estates managed by their owners (0-1)",
    "managed_by_other_share": "share of estates served by another provider: a basic-service station, dedicated staff, a guaranteed provider (0-1)",
    "unmanaged_share": "share of estates with no service provider (0-1)",
    "firm_exits": "firms leaving over losses this month (count of estates)",
    "firm_dismissals": "firms dismissed by owners' vote this month (count of estates)",
    "firm_entries": "firms hired by self-managed estates this month (count)",
    "dismissal_votes": "owners' votes on dismissal held this month (count)",
    "community_workers": "community workers (headcount)",
    "worker_hours_available": "community-worker hours available this month",
    "worker_hours_demanded": "community-worker hours demanded: administration, complaints, policy work",
    "worker_load": "worker hours demanded / available (above 1 = overload)",
    "hours_firm": "hours spent on complaints by providers",
    "hours_owners_committee": "hours spent on complaints by owners' committees",
    "hours_community_workers": "community-worker hours spent on complaints",
    "hours_street": "street-office hours spent on complaints",
    "hours_hotline": "city hotline hours spent on complaints",
    "public_cost_yuan": "public money this month: community workers' pay, subsidies, policy costs (yuan)",
    "cross_estate_tie_share": "share of neighbour ties reaching another estate (0-1)",
    "service_quality_sd_across_estates": "sd of service quality across estates (street row only)",
}


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    return np.divide(num, den, out=np.full(np.shape(num), np.nan), where=den > 0)


_AGES = range(len(AGE_GROUPS))
#: per-estate quantities kept each month (sums, counts, states); metrics are derived from them
RAW: tuple[str, ...] = (
    "units", "occupied", "billed", "payments", "subsidies", "charged", "paying", "arrears",
    "quality", "effort", "sat", "trust", "belong", "failures", "filed", "resolved", "abandoned",
    "closed_age", "beyond", "open", "part", *(f"part_{a}" for a in _AGES), *(f"occ_{a}" for a in _AGES),
    "has_oc", "firm", "self", "other", "none", "exits", "dismissals", "entries", "votes", "cost", "cross", "valid",
)
#: street-level scalars kept each month
STREET: tuple[str, ...] = (
    "profit", "hours_firm", "hours_owners_committee", "hours_community_workers", "hours_street",
    "hours_hotline", "quality_sd", "extra_ties",
)


class Recorder:
    """Keeps each month's per-estate sums (``RAW``), per-community staffing and street scalars;
    derives every metric of ``METRICS`` for all months at once when asked (``dataframe()``,
    ``rows``). Recording is a few segmented sums per month; ratios are computed once, vectorised
    over months, with the same operations (so the same numbers) as month by month.
    """

    def __init__(self, model):
        self.model = model
        self.names = list(METRICS)
        self.raw: list[np.ndarray] = []  # per month: (len(RAW), estates)
        self.staffing: list[np.ndarray] = []  # per month: (3, communities) workers, available, demanded
        self.street: list[np.ndarray] = []  # per month: (len(STREET),)
        self.policy_rows: list[dict[str, float]] = []

    def _household_sums(self) -> dict[str, np.ndarray]:
        """Per-estate sums of household quantities (segmented sums over contiguous rows).

        Head counts are stacked as float32 rows (exact up to 2^24 per estate; an estate has at
        most 200,000 units) and summed in one call; float quantities accumulate in float64.
        """
        m = self.model
        hh, est = m.households, m.estates
        occ = hh.occupied
        n_age = len(AGE_GROUPS)
        counts = ["failures", "open", "part", *(f"part_{a}" for a in _AGES), *(f"occ_{a}" for a in _AGES)]
        stack = np.empty((len(counts), hh.n), dtype=np.float32)
        stack[0] = m.failure
        np.not_equal(hh.complaint_tier, NO_COMPLAINT, out=stack[1], casting="unsafe")
        stack[2] = hh.participated
        for a in _AGES:
            age = hh.age_group == a
            np.logical_and(hh.participated, age, out=stack[3 + a], casting="unsafe")
            np.logical_and(occ, age, out=stack[3 + n_age + a], casting="unsafe")
        out = dict(zip(counts, np.add.reduceat(stack, est.start, axis=1), strict=True))
        out["sat"] = est.sum_rows(hh.satisfaction * occ)
        out["trust"] = est.sum_rows(hh.trust * occ)
        out["belong"] = est.sum_rows(hh.belonging * occ)
        out["arrears"] = est.sum_rows(hh.arrears_months) * (m.fee_charged() > 0)  # charged only
        return out

    def record(self) -> None:
        m = self.model
        hh, est = m.households, m.estates
        hs = self._household_sums()
        cc = m.complaint_counts
        kinds = [prov.kind if prov is not None else "none" for prov in m.provider_of]
        extra_ties = hh.ties.shape[1] > int(m.p.neighbour_ties)
        if extra_ties:
            valid = hh.ties >= 0
            cross = valid & (hh.estate[np.where(valid, hh.ties, 0)] != hh.estate[:, None])
            cross_e, valid_e = est.sum_rows(cross.sum(axis=1)), est.sum_rows(valid.sum(axis=1))
        else:
            cross_e = valid_e = np.zeros(est.n)
        none = np.array([k == "none" for k in kinds], dtype=float)
        managed = none == 0
        values = {
            "units": est.units, "occupied": est.occupied_units, "billed": m.billed, "payments": m.payments,
            "subsidies": m.subsidies, "charged": m.charged_households, "paying": m.paying_households,
            "quality": est.quality, "effort": est.effort, "filed": cc["filed"], "resolved": cc["resolved"],
            "abandoned": cc["abandoned"], "closed_age": cc["closed_age_sum"], "beyond": cc["escalated_beyond_estate"],
            "has_oc": [oc is not None for oc in m.oc_of], "firm": [k == "firm" for k in kinds],
            "self": [k == "self" for k in kinds], "other": [k not in ("firm", "self", "none") for k in kinds],
            "none": none, "exits": m.firm_exits,
            "dismissals": m.firm_dismissals, "entries": m.firm_entries, "votes": m.votes, "cost": m.public_cost,
            "cross": cross_e, "valid": valid_e, **hs,
        }
        self.raw.append(np.array([values[k] for k in RAW], dtype=np.float64))
        rcs = m.residents_committees
        self.staffing.append(np.array([
            [rc.workers for rc in rcs], [rc.hours_available for rc in rcs], [rc.hours_demanded for rc in rcs],
        ], dtype=np.float64))
        hours = m.hours_used
        spread = float(np.std(est.quality[managed])) if managed.any() else 0.0
        self.street.append(np.array([
            m.month_profit, hours["firm"], hours["owners_committee"], hours["community_workers"],
            hours["street"], hours["hotline"], spread, float(extra_ties),
        ]))
        self.policy_rows.append({
            **{f"policy_cost_yuan_{p.name}": p.month_cost_yuan for p in m.policies},
            **{f"policy_hours_{p.name}": p.month_hours for p in m.policies},
        })

    def metrics(self) -> np.ndarray:
        """All months' metrics: array (months, estates + 1, len(METRICS)); last row = street."""
        est = self.model.estates
        n_e, months = est.n, len(self.raw)
        if months == 0:
            return np.empty((0, n_e + 1, len(self.names)))
        raw = np.stack(self.raw)  # (months, RAW, estates)
        raw = np.concatenate([raw, raw.sum(axis=2, keepdims=True)], axis=2)  # street total last
        r = {k: raw[:, i] for i, k in enumerate(RAW)}  # each (months, estates + 1)
        staff = np.stack(self.staffing)  # (months, 3, communities)
        street = np.stack(self.street)  # (months, STREET)
        s = {k: street[:, i] for i, k in enumerate(STREET)}
        w = est.occupied_units.astype(float)

        def with_average(x: np.ndarray) -> np.ndarray:  # np.average over estates, weighted by w
            x[:, -1] = np.multiply(x[:, :-1], w).sum(axis=1) / w.sum()
            return x

        def with_mean(x: np.ndarray) -> np.ndarray:
            x[:, -1] = x[:, :-1].mean(axis=1)
            return x

        def street_only(x: np.ndarray) -> np.ndarray:
            out = np.full((months, n_e + 1), np.nan)
            out[:, -1] = x
            return out

        def per_community(x: np.ndarray) -> np.ndarray:
            return np.concatenate([x[:, est.community], x.sum(axis=1)[:, None]], axis=1)

        workers, avail, demand = (staff[:, i] for i in range(3))
        load = np.concatenate([_ratio(demand, avail)[:, est.community],
                               _ratio(demand.sum(axis=1), avail.sum(axis=1))[:, None]], axis=1)
        occupied = r["occupied"]
        revenue = r["payments"] + r["subsidies"]
        closed = r["resolved"] + r["abandoned"]
        cross_share = np.where(s["extra_ties"][:, None] > 0, _ratio(r["cross"], r["valid"]), 0.0)
        cols = {
            "households": r["units"],
            "occupied_households": occupied,
            "collection_rate": _ratio(revenue, r["billed"]),
            "paying_share": _ratio(r["paying"], r["charged"]),
            "fees_billed_yuan": r["billed"],
            "payments_yuan": r["payments"],
            "subsidies_yuan": r["subsidies"],
            "firm_revenue_yuan": revenue,
            "firm_profit_yuan": street_only(s["profit"]),
            "arrears_months_mean": _ratio(r["arrears"], r["charged"]),
            "service_quality": with_average(r["quality"]),
            "service_effort": with_average(r["effort"]),
            "satisfaction": 100.0 * _ratio(r["sat"], occupied),
            "trust": _ratio(r["trust"], occupied),
            "belonging": _ratio(r["belong"], occupied),
            "failures_per_1000_households": 1000.0 * _ratio(r["failures"], occupied),
            "complaints_filed": r["filed"],
            "complaints_resolved": r["resolved"],
            "complaints_abandoned": r["abandoned"],
            "complaints_open": r["open"],
            "complaints_per_1000_households": 1000.0 * _ratio(r["filed"], occupied),
            "complaints_resolved_share": _ratio(r["resolved"], closed),
            "mean_complaint_wait_months": _ratio(r["closed_age"], closed),
            "complaints_escalated_beyond_estate_share": _ratio(r["beyond"], r["filed"]),
            "participation_rate": _ratio(r["part"], occupied),
            **{f"participation_rate_{a}": _ratio(r[f"part_{i}"], r[f"occ_{i}"]) for i, a in enumerate(AGE_GROUPS)},
            "owners_committee_coverage": with_mean(r["has_oc"]),
            "managed_by_firm_share": with_mean(r["firm"]),
            "self_managed_share": with_mean(r["self"]),
            "managed_by_other_share": with_mean(r["other"]),
            "unmanaged_share": with_mean(r["none"]),
            "firm_exits": r["exits"],
            "firm_dismissals": r["dismissals"],
            "firm_entries": r["entries"],
            "dismissal_votes": r["votes"],
            "community_workers": per_community(workers),
            "worker_hours_available": per_community(avail),
            "worker_hours_demanded": per_community(demand),
            "worker_load": load,
            **{k: street_only(s[k]) for k in STREET if k.startswith("hours_")},
            "public_cost_yuan": r["cost"],
            "cross_estate_tie_share": cross_share,
            "service_quality_sd_across_estates": street_only(s["quality_sd"]),
        }
        return np.stack([cols[k] for k in self.names], axis=-1)

    @property
    def rows(self) -> list[np.ndarray]:
        """One (estates + 1) x metrics array per month recorded so far."""
        return list(self.metrics())

    def dataframe(self) -> pd.DataFrame:
        m = self.model
        est = m.estates
        data = self.metrics()
        months, n_rows = data.shape[0], est.n + 1
        df = pd.DataFrame(data.reshape(months * n_rows, len(self.names)), columns=self.names)
        estate_names = [*est.names, "all"]
        types = [ESTATE_TYPES[t] for t in est.type_code] + ["all"]
        communities = [est.community_names[c] for c in est.community] + ["all"]
        meta = pd.DataFrame({
            "month": np.repeat(np.arange(1, months + 1), n_rows),
            "estate": np.tile(estate_names, months),
            "estate_type": np.tile(types, months),
            "community": np.tile(communities, months),
        })
        df = pd.concat([meta, df], axis=1)
        if self.policy_rows and self.policy_rows[0]:
            pol = pd.DataFrame(self.policy_rows)
            for col in pol.columns:
                vals = np.full((months, n_rows), np.nan)
                vals[:, -1] = pol[col].to_numpy()
                df[col] = vals.ravel()
        return df
