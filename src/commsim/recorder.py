"""Recording: each month's per-estate quantities, and the declared metrics derived from them.

The recorder keeps, each month, the per-estate quantities of :data:`QUANTITIES` (sums, counts
and levels read from the month's state, the households and the institutions), each community's
staffing, and the street-level figures of :data:`STREET`. Every metric of
``commsim.metrics.METRICS`` is then derived for all months at once, by its declared rule, with
the street-wide row last ("all"). Recording is a few segmented sums per month; the metrics
are computed once, vectorised over months.
"""

from __future__ import annotations

import math
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
#: the head counts :meth:`Recorder._household_sums` stacks, as rows of the quantities
_COUNT_ROWS = np.array([_INDEX[name] for name in ("failures", "open", "participating",
                        *(f"participating_{a}" for a in AGE_GROUPS), *(f"occupied_{a}" for a in AGE_GROUPS))])
#: the occupied households' summed levels, in the order :meth:`Recorder._household_sums` stacks them
_LEVEL_ROWS = np.array([_INDEX["satisfaction"], _INDEX["trust"], _INDEX["belonging"]])
#: quantities copied as they are from a field of the month state (``commsim.state.MonthState``)
_FROM_STATE: dict[str, str] = {
    "billed": "billed", "payments": "payments", "subsidies": "subsidies", "grants": "grants",
    "charged": "charged", "paying": "paying", "filed": "complaints_filed", "resolved": "complaints_resolved",
    "abandoned": "complaints_abandoned", "closed_age": "complaint_age_closed", "beyond": "complaints_beyond_estate",
    "early_fixes": "early_fixes", "exits": "firm_exits", "dismissals": "firm_dismissals",
    "replacements": "firm_replacements", "entries": "firm_entries", "votes": "votes",
    "formed": "committees_formed", "lapsed": "committees_lapsed", "public_cost": "public_cost",
    "profit": "provider_profit", "tenders": "tenders", "switches_self": "switches_to_self",
    "fee_changes": "fee_changes", "fee_votes": "fee_votes", "owner_votes": "owner_votes",
    "owner_votes_quorate": "owner_votes_quorate", "drives": "drives_started", "shirking": "shirking_detected",
    "supervision_hours": "supervision_hours", "volunteer_hours": "volunteer_hours",
    "meeting_hours": "meeting_hours", "meetings_lapsed": "meetings_lapsed", "cross_subsidy": "cross_subsidy_received",
    "reminders": "reminders", "legal_actions": "legal_actions", "collection_cost": "collection_cost",
    "collection_hours": "collection_hours", "recovered": "arrears_recovered",
}
#: provider kinds as codes (``kind`` of a provider; any other kind is "other")
_NONE, _FIRM, _SELF, _OTHER = range(4)
_KIND_CODE = {"firm": _FIRM, "self": _SELF, "none": _NONE}
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
        self._rows: tuple[np.ndarray, ...] | None = None  # see _state_rows

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
        stack = np.empty((len(_COUNT_ROWS), hh.n), dtype=np.float32)
        stack[0] = m.state.failure
        np.not_equal(hh.complaint_tier, NO_COMPLAINT, out=stack[1], casting="unsafe")
        stack[2] = hh.participated
        for a in _AGES:
            age = hh.age_group == a
            np.logical_and(hh.participated, age, out=stack[3 + a], casting="unsafe")
            np.logical_and(occ, age, out=stack[3 + n_age + a], casting="unsafe")
        out[_COUNT_ROWS] = np.add.reduceat(stack, est.start, axis=1)
        level = stack[0]  # (reused) an occupied household's satisfaction, trust, belonging
        for row, values in zip(_LEVEL_ROWS, (hh.satisfaction, hh.trust, hh.belonging), strict=True):
            np.multiply(values, occ, out=level)
            out[row] = est.sum_rows(level)  # one row at a time: a 2-D sum would cast all three to float64 at once
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
        out[_INDEX["area"]] = est.area_total
        out[_INDEX["expected_quality"]] = est.expected_quality

    def _ties(self, out: np.ndarray) -> None:
        """Neighbour ties reaching another estate, and all ties (only where policies added
        tie slots beyond the estate's own; otherwise no tie crosses: 0 of 1).

        The estate's own slots (the first ``neighbour_ties``) never leave it: they are built and
        rewired within the estate (tests/test_policy_suzhou.py checks it), so only the added
        slots are looked up, one contiguous column at a time."""
        m = self.model
        hh, est = m.households, m.estates
        k = int(m.p.neighbour_ties)
        if hh.ties.shape[1] > k:
            valid = np.zeros(hh.n, dtype=np.int32)
            cross = np.zeros(hh.n, dtype=np.int32)
            for j in range(hh.ties.shape[1]):
                col = hh.ties[:, j]
                ok = col >= 0
                valid += ok
                if j >= k:
                    away = np.take(hh.estate, np.maximum(col, 0)) != hh.estate
                    away &= ok
                    cross += away
            out[_INDEX["cross_ties"]] = est.sum_rows(cross)
            out[_INDEX["ties"]] = est.sum_rows(valid)
        else:
            out[_INDEX["cross_ties"]] = 0.0
            out[_INDEX["ties"]] = 1.0

    def _state_rows(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(quantity rows, float-block rows, quantity rows, count-block rows): the quantities
        copied straight from the month state, gathered from its two blocks in one step each."""
        st = self.model.state
        floats, counts = st.float_rows, st.count_rows
        n_f, n_c = len(floats), len(counts)
        f_dst, f_src, c_dst, c_src = [], [], [], []
        for quantity, field in _FROM_STATE.items():
            if field in floats:
                f_dst.append(_INDEX[quantity])
                f_src.append(floats[field])
            else:
                c_dst.append(_INDEX[quantity])
                c_src.append(counts[field])
        for t, tier in enumerate(TIERS):  # hours_used and complaints_reaching follow each block's rows
            f_dst.append(_INDEX[f"hours_{tier}"])
            f_src.append(n_f + t)
            c_dst.append(_INDEX[f"reaching_{tier}"])
            c_src.append(n_c + t)
        return tuple(np.array(x, dtype=np.intp) for x in (f_dst, f_src, c_dst, c_src))

    def record(self) -> None:
        """Keep this month's quantities (called at the end of every month)."""
        m = self.model
        est, st = m.estates, m.state
        out = np.empty((len(QUANTITIES), est.n))
        self._household_sums(out)
        self._households_v2(out)
        self._ties(out)
        if self._rows is None:
            self._rows = self._state_rows()
        f_dst, f_src, c_dst, c_src = self._rows
        out[f_dst] = st.float_block[f_src]
        out[c_dst] = st.count_block[c_src]
        kind = np.array([_KIND_CODE.get(prov.kind, _OTHER) if prov is not None else _NONE
                         for prov in m.provider_of], dtype=np.int8)
        managed = kind != _NONE
        i = _INDEX
        out[i["units"]] = est.units
        out[i["occupied"]] = est.occupied_units
        out[i["quality"]] = est.quality
        out[i["effort"]] = est.effort
        out[i["closed"]] = st.complaints_resolved + st.complaints_abandoned
        out[i["left_estate"]] = st.complaints_beyond_estate + st.complaints_settled_in_estate
        out[i["has_committee"]] = m.has_committee()
        out[i["by_firm"]] = kind == _FIRM
        out[i["self_managed"]] = kind == _SELF
        out[i["by_other"]] = kind == _OTHER
        out[i["unmanaged"]] = ~managed
        out[i["fee_area"]] = est.contract_fee * est.area_total * managed
        out[i["managed_area"]] = est.area_total * managed
        out[i["supervision_level"]] = m.supervision.levels() * managed
        self.raw.append(out)
        rcs = m.residents_committees
        self.staffing.append(np.array([
            (rc.workers, rc.hours_available, rc.hours_demanded, rc.posts, rc.workforce.vacancies,
             rc.workforce.departures, rc.workforce.hires) for rc in rcs], dtype=np.float64).T)
        spread = _std(est.quality[managed]) if managed.any() else 0.0
        self.street.append(np.array([spread]))
        self.policy_rows.append({
            **{f"policy_cost_yuan_{p.name}": p.month_cost_yuan for p in m.policies},
            **{f"policy_hours_{p.name}": p.month_hours for p in m.policies},
        })

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
        # categoricals built from their codes (estate names are unique; community names may repeat)
        community_categories = list(dict.fromkeys([*est.community_names, "all"]))
        position = {name: i for i, name in enumerate(community_categories)}
        community_codes = [position[est.community_names[c]] for c in est.community] + [position["all"]]

        def categorical(codes, categories) -> pd.Categorical:
            tiled = np.tile(np.asarray(codes, dtype=np.int32), months)
            return pd.Categorical.from_codes(tiled, dtype=pd.CategoricalDtype(categories))

        meta = {
            "month": np.repeat(np.arange(1, months + 1), n_rows),
            "estate": categorical(range(n_rows), [*est.names, "all"]),
            "estate_type": categorical([*est.type_code, len(ESTATE_TYPES)], [*ESTATE_TYPES, "all"]),
            "community": categorical(community_codes, community_categories),
        }
        policy = {}
        keys = list(dict.fromkeys(k for row in self.policy_rows for k in row))
        if keys:
            street = np.array([[row.get(k, np.nan) for k in keys] for row in self.policy_rows], dtype=np.float64)
            for j, col in enumerate(keys):
                vals = np.full((months, n_rows), np.nan)
                vals[:, -1] = street[:, j]
                policy[col] = vals.ravel()
        return pd.DataFrame({**meta, **cols, **policy})


def _std(x: np.ndarray) -> float:
    """``float(np.std(x))`` of a 1-D float64 array by the same operations (sum / n, squared
    deviations, sum / n, square root), without ``np.std``'s dispatch (tens of microseconds)."""
    d = x - np.add.reduce(x) / x.size
    d *= d
    return math.sqrt(np.add.reduce(d) / x.size)


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
