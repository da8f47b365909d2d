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

    def _household_sums(self) -> dict[str, np.ndarray]:
        """Per-estate sums of household quantities, plus the street total as a last element.

        Segmented sums over each estate's contiguous rows (``EstateTable.sum_rows``) instead of
        one ``np.bincount`` per quantity: the head counts are stacked as float32 rows (exact up
        to 2^24 per estate; an estate has at most 200,000 units) and summed in one call; the
        float quantities are accumulated in float64.
        """
        m = self.model
        hh, est = m.households, m.estates
        occ = hh.occupied
        n_age = len(AGE_GROUPS)
        counts = ["failures", "open", "part"]
        counts += [f"part_{a}" for a in range(n_age)] + [f"occ_{a}" for a in range(n_age)]
        stack = np.empty((len(counts), hh.n), dtype=np.float32)
        stack[0] = m.failure
        np.not_equal(hh.complaint_tier, NO_COMPLAINT, out=stack[1], casting="unsafe")
        stack[2] = hh.participated
        for a in range(n_age):
            age = hh.age_group == a
            np.logical_and(hh.participated, age, out=stack[3 + a], casting="unsafe")
            np.logical_and(occ, age, out=stack[3 + n_age + a], casting="unsafe")
        per_estate = {name: row for name, row in zip(counts, np.add.reduceat(stack, est.start, axis=1), strict=True)}
        per_estate["sat"] = est.sum_rows(hh.satisfaction * occ)
        per_estate["trust"] = est.sum_rows(hh.trust * occ)
        per_estate["belong"] = est.sum_rows(hh.belonging * occ)
        per_estate["arrears"] = est.sum_rows(hh.arrears_months) * (m.fee_charged() > 0)  # charged only
        out = {}
        for name, values in per_estate.items():
            values = values.astype(np.float64)
            out[name] = np.append(values, values.sum())
        return out

    def record(self) -> None:
        m = self.model
        hh, est = m.households, m.estates
        n_e = est.n
        e = hh.estate
        hs = self._household_sums()
        cc = m.complaint_counts
        per_estate = np.vstack([
            est.units, est.occupied_units, m.billed, m.payments, m.subsidies, m.charged_households,
            m.paying_households, cc["filed"], cc["resolved"], cc["abandoned"], cc["closed_age_sum"],
            cc["escalated_beyond_estate"], m.firm_exits, m.firm_dismissals, m.firm_entries, m.votes,
            m.public_cost,
        ]).astype(float)
        (units, occupied, billed, payments, subsidies, charged, paying, filed, resolved, abandoned,
         closed_age, beyond, exits, dismissals, entries, votes, cost) = np.concatenate(
            [per_estate, per_estate.sum(axis=1)[:, None]], axis=1
        )
        occ_units_w = est.occupied_units.astype(float)
        quality = np.append(est.quality, np.average(est.quality, weights=occ_units_w))
        effort = np.append(est.effort, np.average(est.effort, weights=occ_units_w))
        by_age = [hs[f"part_{a}"] for a in range(len(AGE_GROUPS))]
        occ_age = [hs[f"occ_{a}"] for a in range(len(AGE_GROUPS))]
        has_oc = np.array([oc is not None for oc in m.oc_of], dtype=float)
        kinds = [prov.kind if prov is not None else "none" for prov in m.provider_of]
        firm = np.array([k == "firm" for k in kinds], dtype=float)
        selfm = np.array([k == "self" for k in kinds], dtype=float)
        none = np.array([k == "none" for k in kinds], dtype=float)

        def share_all(x):
            return np.append(x, x.mean())

        def street_only(value: float) -> np.ndarray:
            out = np.full(n_e + 1, np.nan)
            out[-1] = value
            return out

        rcs = m.residents_committees
        workers_c = np.array([rc.workers for rc in rcs], dtype=float)
        avail_c = np.array([rc.hours_available for rc in rcs])
        demand_c = np.array([rc.hours_demanded for rc in rcs])
        c = est.community
        load = np.append(_ratio(demand_c, avail_c)[c], _ratio(demand_c.sum(), avail_c.sum()))
        hours = m.hours_used
        if hh.ties.shape[1] > int(m.p.neighbour_ties):
            valid = hh.ties >= 0
            cross = valid & (e[np.where(valid, hh.ties, 0)] != e[:, None])
            cross_e, valid_e = est.sum_rows(cross.sum(axis=1)), est.sum_rows(valid.sum(axis=1))
            cross_share = _ratio(np.append(cross_e, cross_e.sum()), np.append(valid_e, valid_e.sum()))
        else:
            cross_share = np.zeros(n_e + 1)
        managed = none == 0
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
            "firm_profit_yuan": street_only(m.month_profit),
            "arrears_months_mean": _ratio(hs["arrears"], charged),
            "service_quality": quality,
            "service_effort": effort,
            "satisfaction": 100.0 * _ratio(hs["sat"], occupied),
            "trust": _ratio(hs["trust"], occupied),
            "belonging": _ratio(hs["belong"], occupied),
            "failures_per_1000_households": 1000.0 * _ratio(hs["failures"], occupied),
            "complaints_filed": filed,
            "complaints_resolved": resolved,
            "complaints_abandoned": abandoned,
            "complaints_open": hs["open"],
            "complaints_per_1000_households": 1000.0 * _ratio(filed, occupied),
            "complaints_resolved_share": _ratio(resolved, resolved + abandoned),
            "mean_complaint_wait_months": _ratio(closed_age, resolved + abandoned),
            "complaints_escalated_beyond_estate_share": _ratio(beyond, filed),
            "participation_rate": _ratio(hs["part"], occupied),
            **{f"participation_rate_{a}": _ratio(by_age[i], occ_age[i]) for i, a in enumerate(AGE_GROUPS)},
            "owners_committee_coverage": share_all(has_oc),
            "managed_by_firm_share": share_all(firm),
            "self_managed_share": share_all(selfm),
            "unmanaged_share": share_all(none),
            "firm_exits": exits,
            "firm_dismissals": dismissals,
            "firm_entries": entries,
            "dismissal_votes": votes,
            "community_workers": np.append(workers_c[c], workers_c.sum()),
            "worker_hours_available": np.append(avail_c[c], avail_c.sum()),
            "worker_hours_demanded": np.append(demand_c[c], demand_c.sum()),
            "worker_load": load,
            "hours_firm": street_only(hours["firm"]),
            "hours_owners_committee": street_only(hours["owners_committee"]),
            "hours_community_workers": street_only(hours["community_workers"]),
            "hours_street": street_only(hours["street"]),
            "hours_hotline": street_only(hours["hotline"]),
            "public_cost_yuan": cost,
            "cross_estate_tie_share": cross_share,
            "service_quality_sd_across_estates": street_only(spread),
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
