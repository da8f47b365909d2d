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
from commsim.scenario import AGE_GROUPS, ESTATE_TYPES

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


class Recorder:
    """Collects one (estates + 1) x metrics array per month; builds the DataFrame at the end."""

    def __init__(self, model):
        self.model = model
        self.names = list(METRICS)
        self.rows: list[np.ndarray] = []
        self.policy_rows: list[dict[str, float]] = []

    def _with_all(self, per_estate: np.ndarray, total: float) -> np.ndarray:
        return np.append(per_estate, total)

    def record(self) -> None:
        m = self.model
        hh, est = m.households, m.estates
        n_e = est.n
        e = hh.estate
        occ = hh.occupied

        def sums(weights) -> np.ndarray:
            s = np.bincount(e, weights=weights, minlength=n_e)
            return np.append(s, s.sum())

        units = np.append(est.units, est.units.sum()).astype(float)
        occupied = np.append(est.occupied_units, est.occupied_units.sum()).astype(float)
        billed = np.append(m.billed, m.billed.sum())
        payments = np.append(m.payments, m.payments.sum())
        subsidies = np.append(m.subsidies, m.subsidies.sum())
        charged = np.append(m.charged_households, m.charged_households.sum())
        paying = np.append(m.paying_households, m.paying_households.sum())
        fee = m.fee_charged()
        charged_rows = fee[e] > 0
        arrears = sums(np.where(charged_rows, hh.arrears_months, 0))
        occ_units_w = est.occupied_units.astype(float)
        quality = np.append(est.quality, np.average(est.quality, weights=occ_units_w))
        effort = np.append(est.effort, np.average(est.effort, weights=occ_units_w))
        sat = sums(np.where(occ, hh.satisfaction, 0.0))
        trust = sums(np.where(occ, hh.trust, 0.0))
        belong = sums(np.where(occ, hh.belonging, 0.0))
        failures = sums(m.failure)
        cc = m.complaint_counts
        filed = np.append(cc["filed"], cc["filed"].sum())
        resolved = np.append(cc["resolved"], cc["resolved"].sum())
        abandoned = np.append(cc["abandoned"], cc["abandoned"].sum())
        closed_age = np.append(cc["closed_age_sum"], cc["closed_age_sum"].sum())
        beyond = np.append(cc["escalated_beyond_estate"], cc["escalated_beyond_estate"].sum())
        open_ = sums(hh.complaint_tier != NO_COMPLAINT)
        part = sums(hh.participated)
        by_age = [sums(hh.participated & (hh.age_group == a)) for a in range(len(AGE_GROUPS))]
        occ_age = [sums(occ & (hh.age_group == a)) for a in range(len(AGE_GROUPS))]
        has_oc = np.array([oc is not None for oc in m.oc_of], dtype=float)
        kinds = [prov.kind if prov is not None else "none" for prov in m.provider_of]
        firm = np.array([k == "firm" for k in kinds], dtype=float)
        selfm = np.array([k == "self" for k in kinds], dtype=float)
        none = np.array([k == "none" for k in kinds], dtype=float)

        def share_all(x):
            return np.append(x, x.mean())

        rcs = m.residents_committees
        workers_c = np.array([rc.workers for rc in rcs], dtype=float)
        avail_c = np.array([rc.hours_available for rc in rcs])
        demand_c = np.array([rc.hours_demanded for rc in rcs])
        c = est.community
        load = np.append(_ratio(demand_c, avail_c)[c], _ratio(demand_c.sum(), avail_c.sum()))
        hours = m.hours_used
        nan_e = np.full(n_e, np.nan)
        cost = np.append(m.public_cost, m.public_cost.sum())
        if hh.ties.shape[1] > int(m.p.neighbour_ties):
            valid = hh.ties >= 0
            cross = valid & (e[np.where(valid, hh.ties, 0)] != e[:, None])
            cross_share = _ratio(sums(cross.sum(axis=1)), sums(valid.sum(axis=1)))
        else:
            cross_share = np.zeros(n_e + 1)
        managed = ~np.isnan(np.where(none > 0, np.nan, est.quality))
        spread = float(np.std(est.quality[managed])) if managed.any() else 0.0

        cols = {
            "households": units,
            "occupied_households": occupied,
            "collection_rate": _ratio(payments + subsidies, billed),
            "paying_share": _ratio(paying, charged),
            "fees_billed_yuan": billed,
            "payments_yuan": payments,
            "subsidies_yuan": subsidies,
            "firm_revenue_yuan": payments + subsidies,
            "firm_profit_yuan": np.append(nan_e, m.month_profit),
            "arrears_months_mean": _ratio(arrears, charged),
            "service_quality": quality,
            "service_effort": effort,
            "satisfaction": 100.0 * _ratio(sat, occupied),
            "trust": _ratio(trust, occupied),
            "belonging": _ratio(belong, occupied),
            "failures_per_1000_households": 1000.0 * _ratio(failures, occupied),
            "complaints_filed": filed,
            "complaints_resolved": resolved,
            "complaints_abandoned": abandoned,
            "complaints_open": open_,
            "complaints_per_1000_households": 1000.0 * _ratio(filed, occupied),
            "complaints_resolved_share": _ratio(resolved, resolved + abandoned),
            "mean_complaint_wait_months": _ratio(closed_age, resolved + abandoned),
            "complaints_escalated_beyond_estate_share": _ratio(beyond, filed),
            "participation_rate": _ratio(part, occupied),
            **{f"participation_rate_{a}": _ratio(by_age[i], occ_age[i]) for i, a in enumerate(AGE_GROUPS)},
            "owners_committee_coverage": share_all(has_oc),
            "managed_by_firm_share": share_all(firm),
            "self_managed_share": share_all(selfm),
            "unmanaged_share": share_all(none),
            "firm_exits": np.append(m.firm_exits, m.firm_exits.sum()).astype(float),
            "firm_dismissals": np.append(m.firm_dismissals, m.firm_dismissals.sum()).astype(float),
            "firm_entries": np.append(m.firm_entries, m.firm_entries.sum()).astype(float),
            "dismissal_votes": np.append(m.votes, m.votes.sum()).astype(float),
            "community_workers": np.append(workers_c[c], workers_c.sum()),
            "worker_hours_available": np.append(avail_c[c], avail_c.sum()),
            "worker_hours_demanded": np.append(demand_c[c], demand_c.sum()),
            "worker_load": load,
            "hours_firm": np.append(nan_e, hours["firm"]),
            "hours_owners_committee": np.append(nan_e, hours["owners_committee"]),
            "hours_community_workers": np.append(nan_e, hours["community_workers"]),
            "hours_street": np.append(nan_e, hours["street"]),
            "hours_hotline": np.append(nan_e, hours["hotline"]),
            "public_cost_yuan": cost,
            "cross_estate_tie_share": cross_share,
            "service_quality_sd_across_estates": np.append(nan_e, spread),
        }
        self.rows.append(np.column_stack([cols[k] for k in self.names]))
        self.policy_rows.append({
            **{f"policy_cost_yuan_{p.name}": p.month_cost_yuan for p in m.policies},
            **{f"policy_hours_{p.name}": p.month_hours for p in m.policies},
        })

    def dataframe(self) -> pd.DataFrame:
        m = self.model
        est = m.estates
        months = len(self.rows)
        n_rows = est.n + 1
        data = np.empty((0, len(self.names))) if months == 0 else np.concatenate(self.rows, axis=0)
        df = pd.DataFrame(data, columns=self.names)
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
