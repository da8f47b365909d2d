"""Recording: each month's per-estate quantities, and the declared metrics derived from them.

The recorder keeps, each month, the per-estate quantities of :data:`QUANTITIES` (sums, counts
and levels read from the month's state, the households and the institutions), each community's
staffing, and the street-level figures of :data:`STREET`. Every metric of
``commsim.metrics.METRICS`` is then derived for all months at once, by its declared rule, with
the street-wide row last ("all"). Recording is a few segmented sums per month; the metrics
are computed once, vectorised over months.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import mesa
import numpy as np
import pandas as pd

from commsim.households import NO_COMPLAINT
from commsim.metrics import METRICS, SUMMARY_METRICS, Metric
from commsim.vocabulary import AGE_GROUPS, ESTATE_TYPES, TIERS, Stance

REGULAR, REFUSER = np.int8(Stance.REGULAR), np.int8(Stance.REFUSER)  # int8 scalars (no int64 casts)

_AGES = range(len(AGE_GROUPS))

#: per-estate quantities kept each month; metrics are derived from them
QUANTITIES: tuple[str, ...] = (
    "units", "occupied", "billed", "payments", "subsidies", "grants", "charged", "paying", "arrears",
    "quality", "effort", "satisfaction", "trust", "belonging", "failures", "filed", "resolved",
    "abandoned", "closed", "closed_age", "beyond", "left_estate", "open", "early_fixes",
    "participating", *(f"participating_{a}" for a in AGE_GROUPS), *(f"occupied_{a}" for a in AGE_GROUPS),
    "has_committee", "by_firm", "self_managed", "by_other", "unmanaged", "exits", "dismissals",
    "replacements", "entries", "votes", "formed", "lapsed", "public_cost", "profit", "cross_ties", "ties",
    "hours_firm", "hours_committee", "hours_community", "hours_street", "hours_hotline",
    # firms, the market and owners' assemblies (issue 12)
    "fee_area", "managed_area", "tenders", "switches_self", "fee_changes", "fee_votes", "owner_votes",
    "owner_votes_quorate", "drives", "shirking", "supervision_level", "supervision_hours", "volunteer_hours",
    "meeting_hours", "meetings_lapsed", "cross_subsidy",
    # households v2 (issue 11)
    "regular", "occasional", "refusers", "nonpaying_12m", *(f"reaching_{t}" for t in TIERS), "area",
    "reminders", "legal_actions", "collection_cost", "collection_hours", "recovered", "expected_quality",
)
#: per-community quantities kept each month
COMMUNITY: tuple[str, ...] = ("workers", "hours_available", "hours_demanded", "posts", "vacancies", "departures",
                               "hires")
#: street-level figures kept each month
STREET: tuple[str, ...] = ("quality_sd",)
_INDEX = {name: i for i, name in enumerate(QUANTITIES)}
#: the window of ``nonpaying_12m_share``: paid nothing in this many months (a definition, not a parameter)
NONPAYING_WINDOW_MONTHS = 12


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    return np.divide(num, den, out=np.full(np.shape(num), np.nan), where=den > 0)


class Recorder:
    """Keeps each month's quantities and derives every declared metric when asked
    (:meth:`dataframe`, :meth:`metrics`, :meth:`latest`)."""

    def __init__(self, model):
        self.model = model
        self.names = list(METRICS)
        self.raw: list[np.ndarray] = []  # per month: (len(QUANTITIES), estates)
        self.staffing: list[np.ndarray] = []  # per month: (len(COMMUNITY), communities)
        self.street: list[np.ndarray] = []  # per month: (len(STREET),)
        self.policy_rows: list[dict[str, float]] = []
        self._latest: tuple[int, dict[str, float]] = (0, {})

    # --- each month --------------------------------------------------------------------------
    def _household_sums(self, out: np.ndarray) -> None:
        """Per-estate sums of household quantities (segmented sums over contiguous rows).

        Head counts are stacked as float32 rows (exact up to 2^24 per estate; an estate has at
        most 200,000 units) and summed in one call; float quantities accumulate in float64.
        """
        m = self.model
        hh, est = m.households, m.estates
        occ = hh.occupied
        n_age = len(AGE_GROUPS)
        counts = ["failures", "open", "participating", *(f"participating_{a}" for a in AGE_GROUPS),
                  *(f"occupied_{a}" for a in AGE_GROUPS)]
        stack = np.empty((len(counts), hh.n), dtype=np.float32)
        stack[0] = m.state.failure
        np.not_equal(hh.complaint_tier, NO_COMPLAINT, out=stack[1], casting="unsafe")
        stack[2] = hh.participated
        for a in _AGES:
            age = hh.age_group == a
            np.logical_and(hh.participated, age, out=stack[3 + a], casting="unsafe")
            np.logical_and(occ, age, out=stack[3 + n_age + a], casting="unsafe")
        for name, row in zip(counts, np.add.reduceat(stack, est.start, axis=1), strict=True):
            out[_INDEX[name]] = row
        out[_INDEX["satisfaction"]] = est.sum_rows(hh.satisfaction * occ)
        out[_INDEX["trust"]] = est.sum_rows(hh.trust * occ)
        out[_INDEX["belonging"]] = est.sum_rows(hh.belonging * occ)
        out[_INDEX["arrears"]] = est.sum_rows(hh.arrears_months) * (m.fee_charged() > 0)  # charged only

    def _households_v2(self, out: np.ndarray) -> None:
        """Charged households by payment stance, and those that paid nothing in 12 months
        (charged as in this month's payment stage, so the shares add up over ``charged``; an
        estate's households are all charged or none)."""
        m = self.model
        hh, est, st = m.households, m.estates, m.state
        charged = st.charged > 0

        def count(flag: np.ndarray) -> np.ndarray:
            return np.add.reduceat(flag.view(np.uint8), est.start, dtype=np.int32) * charged

        regular, refusers = count(hh.stance == REGULAR), count(hh.stance == REFUSER)
        out[_INDEX["regular"]] = regular
        out[_INDEX["refusers"]] = refusers
        out[_INDEX["occasional"]] = st.charged - regular - refusers
        out[_INDEX["nonpaying_12m"]] = count(hh.arrears_months >= NONPAYING_WINDOW_MONTHS)
        for t, arrivals in zip(TIERS, st.complaints_reaching, strict=True):
            out[_INDEX[f"reaching_{t}"]] = arrivals
        out[_INDEX["area"]] = est.area_total
        out[_INDEX["reminders"]] = st.reminders
        out[_INDEX["legal_actions"]] = st.legal_actions
        out[_INDEX["collection_cost"]] = st.collection_cost
        out[_INDEX["collection_hours"]] = st.collection_hours
        out[_INDEX["recovered"]] = st.arrears_recovered
        out[_INDEX["expected_quality"]] = est.expected_quality

    def _ties(self, out: np.ndarray) -> None:
        """Neighbour ties reaching another estate, and all ties (only where policies added
        tie slots beyond the estate's own; otherwise no tie crosses: 0 of 1)."""
        m = self.model
        hh, est = m.households, m.estates
        if hh.ties.shape[1] > int(m.p.neighbour_ties):
            valid = hh.ties >= 0
            cross = valid & (hh.estate[np.where(valid, hh.ties, 0)] != hh.estate[:, None])
            out[_INDEX["cross_ties"]] = est.sum_rows(cross.sum(axis=1))
            out[_INDEX["ties"]] = est.sum_rows(valid.sum(axis=1))
        else:
            out[_INDEX["cross_ties"]] = 0.0
            out[_INDEX["ties"]] = 1.0

    def record(self) -> None:
        """Keep this month's quantities (called at the end of every month)."""
        m = self.model
        est, st = m.estates, m.state
        out = np.empty((len(QUANTITIES), est.n))
        self._household_sums(out)
        self._households_v2(out)
        self._ties(out)
        kinds = [prov.kind if prov is not None else "none" for prov in m.provider_of]
        values = {
            "units": est.units, "occupied": est.occupied_units, "billed": st.billed, "payments": st.payments,
            "subsidies": st.subsidies, "grants": st.grants, "charged": st.charged, "paying": st.paying,
            "quality": est.quality, "effort": est.effort, "filed": st.complaints_filed,
            "resolved": st.complaints_resolved, "abandoned": st.complaints_abandoned,
            "closed": st.complaints_resolved + st.complaints_abandoned, "closed_age": st.complaint_age_closed,
            "beyond": st.complaints_beyond_estate,
            "left_estate": st.complaints_beyond_estate + st.complaints_settled_in_estate,
            "early_fixes": st.early_fixes, "has_committee": m.has_committee(),
            "by_firm": [k == "firm" for k in kinds], "self_managed": [k == "self" for k in kinds],
            "by_other": [k not in ("firm", "self", "none") for k in kinds],
            "unmanaged": [k == "none" for k in kinds], "exits": st.firm_exits, "dismissals": st.firm_dismissals,
            "replacements": st.firm_replacements, "entries": st.firm_entries, "votes": st.votes,
            "formed": st.committees_formed, "lapsed": st.committees_lapsed, "public_cost": st.public_cost,
            "profit": st.provider_profit,
            **dict(zip(("hours_firm", "hours_committee", "hours_community", "hours_street", "hours_hotline"),
                       st.hours_used, strict=True)),
            **self._firms_and_governance(kinds),
        }
        for name, value in values.items():
            out[_INDEX[name]] = value
        self.raw.append(out)
        rcs = m.residents_committees
        self.staffing.append(np.array([
            [rc.workers for rc in rcs], [rc.hours_available for rc in rcs], [rc.hours_demanded for rc in rcs],
            [rc.posts for rc in rcs], [rc.workforce.vacancies for rc in rcs], [rc.workforce.departures for rc in rcs],
            [rc.workforce.hires for rc in rcs],
        ], dtype=np.float64))
        managed = ~np.array([k == "none" for k in kinds])
        spread = float(np.std(est.quality[managed])) if managed.any() else 0.0
        self.street.append(np.array([spread]))
        self.policy_rows.append({
            **{f"policy_cost_yuan_{p.name}": p.month_cost_yuan for p in m.policies},
            **{f"policy_hours_{p.name}": p.month_hours for p in m.policies},
        })

    def _firms_and_governance(self, kinds: list[str]) -> dict[str, np.ndarray]:
        """This month's quantities of the market, assemblies and supervision (issue 12)."""
        m = self.model
        est, st = m.estates, m.state
        managed = np.array([k != "none" for k in kinds], dtype=float)
        return {
            "fee_area": est.contract_fee * est.area_total * managed, "managed_area": est.area_total * managed,
            "tenders": st.tenders, "switches_self": st.switches_to_self, "fee_changes": st.fee_changes,
            "fee_votes": st.fee_votes, "owner_votes": st.owner_votes, "owner_votes_quorate": st.owner_votes_quorate,
            "drives": st.drives_started, "shirking": st.shirking_detected,
            "supervision_level": m.supervision.levels() * managed, "supervision_hours": st.supervision_hours,
            "volunteer_hours": st.volunteer_hours, "meeting_hours": st.meeting_hours, "meetings_lapsed": st.meetings_lapsed,
            "cross_subsidy": st.cross_subsidy_received,
        }

    # --- metrics from the quantities ------------------------------------------------------------
    def metrics(self) -> np.ndarray:
        """All months' metrics: array (months, estates + 1, len(METRICS)); last row = street."""
        return self._derive(self.raw, self.staffing, self.street)

    def _derive(self, raw_months: list[np.ndarray], staffing: list[np.ndarray],
                street: list[np.ndarray]) -> np.ndarray:
        est = self.model.estates
        n_e, months = est.n, len(raw_months)
        if months == 0:
            return np.empty((0, n_e + 1, len(self.names)))
        raw = np.stack(raw_months)  # (months, QUANTITIES, estates)
        raw = np.concatenate([raw, raw.sum(axis=2, keepdims=True)], axis=2)  # street total last
        q = {k: raw[:, i] for i, k in enumerate(QUANTITIES)}  # each (months, estates + 1)
        staff = np.stack(staffing)  # (months, COMMUNITY, communities)
        c = {k: staff[:, i] for i, k in enumerate(COMMUNITY)}
        s = {k: v for k, v in zip(STREET, np.stack(street).T, strict=True)}
        weights = est.occupied_units.astype(float)

        def total(mt: Metric) -> np.ndarray:
            return sum(q[k] for k in mt.quantities)

        def community(mt: Metric) -> np.ndarray:
            if mt.quantities[0] == "load":
                demand, avail = c["hours_demanded"], c["hours_available"]
                return np.concatenate([_ratio(demand, avail)[:, est.community],
                                       _ratio(demand.sum(axis=1), avail.sum(axis=1))[:, None]], axis=1)
            x = c[mt.quantities[0]]
            return np.concatenate([x[:, est.community], x.sum(axis=1)[:, None]], axis=1)

        rules: dict[str, Callable[[Metric], np.ndarray]] = {
            "sum": total,
            "ratio": lambda mt: mt.scale * _ratio(total(mt), q[mt.denominator]),
            "weighted": lambda mt: _weighted(q[mt.quantities[0]].copy(), weights),
            "estate_share": lambda mt: _estate_mean(q[mt.quantities[0]].copy()),
            "community": community,
            "street": lambda mt: _street_only(s[mt.quantities[0]], n_e),
        }
        return np.stack([rules[METRICS[name].street](METRICS[name]) for name in self.names], axis=-1)

    def latest(self) -> dict[str, float]:
        """The street-wide value of every metric in the last month recorded (NaN before any);
        computed from that month alone, once per month."""
        if not self.raw:
            return dict.fromkeys(self.names, np.nan)
        if self._latest[0] != len(self.raw):
            last = self._derive(self.raw[-1:], self.staffing[-1:], self.street[-1:])[0, -1]
            self._latest = (len(self.raw), dict(zip(self.names, last.tolist(), strict=True)))
        return self._latest[1]

    @property
    def rows(self) -> list[np.ndarray]:
        """One (estates + 1) x metrics array per month recorded so far."""
        return list(self.metrics())

    def dataframe(self) -> pd.DataFrame:
        """Monthly table: one row per month and estate, plus the street row (estate ``all``).

        ``estate``, ``estate_type`` and ``community`` are categoricals; counts are int64;
        policy cost and hours columns are street-level (NaN on estate rows).
        """
        m = self.model
        est = m.estates
        data = self.metrics()
        months, n_rows = data.shape[0], est.n + 1
        flat = data.reshape(months * n_rows, len(self.names))
        cols = {
            name: (flat[:, i].astype(np.int64) if METRICS[name].count else flat[:, i])
            for i, name in enumerate(self.names)
        }
        estate_names = [*est.names, "all"]
        types = [ESTATE_TYPES[t] for t in est.type_code] + ["all"]
        communities = [est.community_names[c] for c in est.community] + ["all"]
        meta = {
            "month": np.repeat(np.arange(1, months + 1), n_rows),
            "estate": pd.Categorical(np.tile(estate_names, months), categories=estate_names),
            "estate_type": pd.Categorical(np.tile(types, months), categories=[*ESTATE_TYPES, "all"]),
            "community": pd.Categorical(np.tile(communities, months),
                                        categories=list(dict.fromkeys([*est.community_names, "all"]))),
        }
        df = pd.DataFrame({**meta, **cols})
        if self.policy_rows and self.policy_rows[0]:
            pol = pd.DataFrame(self.policy_rows)
            for col in pol.columns:
                vals = np.full((months, n_rows), np.nan)
                vals[:, -1] = pol[col].to_numpy()
                df[col] = vals.ravel()
        return df


def _weighted(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Street row = average of the estates weighted by ``w`` (as ``np.average``)."""
    x[:, -1] = np.multiply(x[:, :-1], w).sum(axis=1) / w.sum()
    return x


def _estate_mean(x: np.ndarray) -> np.ndarray:
    """Street row = mean over estates."""
    x[:, -1] = x[:, :-1].mean(axis=1)
    return x


def _street_only(x: np.ndarray, n_estates: int) -> np.ndarray:
    out = np.full((x.shape[0], n_estates + 1), np.nan)
    out[:, -1] = x
    return out


# --- Mesa's DataCollector ---------------------------------------------------------------------
def street_value(model, metric: str) -> float:
    """The street-wide value of ``metric`` in the model's last recorded month (NaN before)."""
    return float(model.recorder.latest()[metric])


class StreetCollector(mesa.DataCollector):
    """Mesa's ``DataCollector`` over the recorder, at no cost per month.

    Its model reporters are the summarised street metrics (picklable partials of
    :func:`street_value`); ``model_vars`` is read from the recorder when asked, one entry per
    ``collect`` call the model made (the first, at construction, is NaN: no month yet), so
    ``mesa.batch_run``, SolaraViz and ``get_model_vars_dataframe()`` see the street series.
    ``get_estate_vars_dataframe()`` gives the per-estate series.
    """

    def __init__(self, model):
        self._recorder = model.recorder
        self._collected = 0
        names = dict.fromkeys([*SUMMARY_METRICS, "public_cost_yuan"])
        super().__init__(model_reporters={n: partial(street_value, metric=n) for n in names})

    def collect(self, model) -> None:
        """Note one more collection point (the recorder already keeps every month)."""
        self._collected += 1

    @property
    def model_vars(self) -> dict[str, list[float]]:
        """Street series per reporter: NaN at construction, then one value per month."""
        rec = self._recorder
        if self._collected == 0:
            return {name: [] for name in self.model_reporters}
        street = rec.metrics()[:, -1, :] if rec.raw else np.empty((0, len(rec.names)))
        index = {name: i for i, name in enumerate(rec.names)}
        months = min(self._collected - 1, street.shape[0])
        return {name: [float("nan"), *street[:months, index[name]].tolist()] for name in self.model_reporters}

    @model_vars.setter
    def model_vars(self, value) -> None:  # Mesa's __init__ assigns {}; the recorder is the store
        pass

    def get_estate_vars_dataframe(self) -> pd.DataFrame:
        """Every metric per estate and month (``Recorder.dataframe``, street row ``all`` included)."""
        return self._recorder.dataframe()
