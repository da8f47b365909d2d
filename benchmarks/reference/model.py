"""The per-agent reference model: the status-quo street with one ``mesa.Agent`` per household.

It shares commsim's institution-level code - the agents (``commsim.agents``: firms,
self-management, owners' and residents' committees, the street office), ``Institutions``, the
market (``commsim.market`` and ``processes/market.py``: tenders, choices, fee requests,
contract ends), owners' assemblies (``processes/assemblies.py``: drives, committees, the legal
vote rule), supervision (``commsim.supervision``), how providers plan effort and quality
(``processes.service.plan_quality``) and book the month (``processes.governance``) - and its
starting population (``build_population``: the initial state is not what is under test), while
every household rule runs per agent (``household.py``), including how each owner votes, and the
estate-level value-for-money target, refusal campaign and stance initialisation are written out
here (the warm start of satisfaction and trust is commsim's ``expectations.initial_spread``). The
shared code sees households only through the aggregates this model provides
(``owners_taking_part``, ``organisers``, ``owner_counts``, ``mean_satisfaction``,
``owner_ballots``). Stages and their order are those of ``commsim.processes.STAGES``; policies
are not supported (the status quo only).

Use: ``ReferenceModel(scenario, seed).run(months)`` -> DataFrame of street-wide metrics.
"""

from __future__ import annotations

from collections import defaultdict
from types import SimpleNamespace

import mesa
import numpy as np
import pandas as pd

from benchmarks.reference import household as rules
from benchmarks.reference.household import COMMITTEE, COMMUNITY, FIRM, HOTLINE, STREET, Household
from commsim.agents import ResidentsCommittee, StreetOffice
from commsim.estates import EstateTable
from commsim.institutions import (
    INITIAL_COLLECTION,
    Institutions,
    set_up_institutions,
    start_committees,
)
from commsim.market import Market
from commsim.model import LadderAdjustments
from commsim.population import build_population
from commsim.processes import assemblies, governance
from commsim.processes.expectations import initial_spread
from commsim.processes.governance import VoteResult, owners_vote
from commsim.processes.service import plan_quality
from commsim.scenario import Scenario
from commsim.state import MonthState
from commsim.streams import Streams
from commsim.supervision import Supervision
from commsim.vocabulary import ESTATE_TYPES, Stance

RECORDED = ("collection_rate", "paying_share", "complaints_per_1000_households", "participation_rate",
            "satisfaction", "trust", "belonging", "service_quality", "owners_committee_coverage",
            "complaints_open", "refuser_share")


class ReferenceModel(mesa.Model):
    """A street month by month, households as agents (see the module docstring)."""

    def __init__(self, scenario: Scenario, seed: int = 0, init_rounds: int = 6):
        super().__init__(seed=int(seed))
        # parameters as plain attributes (as a Mesa model would keep them): fast lookups
        self.p = p = SimpleNamespace(**scenario.values)
        self.month = 0
        self.estates = est = EstateTable.from_scenario(scenario)
        self.streams = Streams(int(seed))  # institutions' draws (market, committees, workforce), as commsim's
        arrays = build_population(scenario, est, self.streams)
        self.by_estate: list[list[Household]] = [[] for _ in range(est.n)]
        rows: list[Household] = []
        for i in range(arrays.n):
            h = Household(
                self, int(arrays.estate[i]), occupied=bool(arrays.occupied[i]), owner=bool(arrays.owner[i]),
                area_m2=float(arrays.area_m2[i]), income_yuan=float(arrays.income_yuan[i]),
                age_group=int(arrays.age_group[i]), satisfaction=float(arrays.satisfaction[i]),
                trust=float(arrays.trust[i]), belonging=float(arrays.belonging[i]),
                threshold=float(arrays.threshold[i]), paid=bool(arrays.paid[i]),
                complaint_weight=float(arrays.complaint_weight[i]),
            )
            rows.append(h)
            self.by_estate[h.estate].append(h)
        for i, h in enumerate(rows):
            h.ties = [rows[j] for j in arrays.ties[i] if j >= 0]
        self.households = self.agents_by_type[Household]
        self.type_shift = [{"old": p.pay_shift_old, "resettlement": p.pay_shift_resettlement}.get(t, 0.0)
                           for t in (ESTATE_TYPES[c] for c in est.type_code)]
        # institutions through commsim's own code, as commsim.model.CommunityModel sets them up
        self.state = MonthState(est.n, arrays.n)
        self.market = Market(self)
        self.supervision = Supervision(self)
        self.assemblies = assemblies.Assemblies(self)
        self.institutions = inst = Institutions(self)
        self.provider_of, self.committee_of = inst.provider_of, inst.committee_of
        self.oc_of = self.committee_of
        self.vote_mobilisation = np.zeros(est.n)
        self.ladder = LadderAdjustments.zeros(est.n)
        self.collection = [None] * est.n  # last month's (paying, charged) per estate
        set_up_institutions(self, scenario)
        units = np.bincount(est.community, weights=est.units, minlength=est.n_communities)
        self.rcs = [ResidentsCommittee(self, c, int(units[c])) for c in range(est.n_communities)]
        self.residents_committees = self.rcs
        self.street = StreetOffice(self, int(est.units.sum()))
        for _ in range(init_rounds):  # start near the participation rule's equilibrium
            self.households.do("decide_participation", 0.0)
            self.households.do("commit_participation")
        start_committees(self)
        self.adapted: list[float | None] = [None] * est.n  # quality each estate has got used to
        # estates' satisfaction and trust spread by their service (commsim's estate-level estimate)
        d_sat, d_trust = initial_spread(self, np.array([self.fee_of(e) for e in range(est.n)]))
        for e, hs in enumerate(self.by_estate):
            for h in hs:
                h.satisfaction = rules.clip01(h.satisfaction + float(d_sat[e]))
                h.trust = rules.clip01(h.trust + float(d_trust[e]))
        self.initialize_stances()
        self.records: list[dict[str, float]] = []

    # --- payment stances and value for money (issue 11) -------------------------------------------
    def fee_of(self, e: int) -> float:
        provider = self.provider_of[e]
        return provider.charged_fee(e) if provider is not None else 0.0

    def campaign(self, e: int) -> float:
        """The estate's organised refusal campaign: its refusers' share once enough occupied
        refusers act as a group, else 0."""
        hs = self.by_estate[e]
        organised = sum(1 for h in hs if h.stance == Stance.REFUSER and h.occupied) >= self.p.refusal_group_min
        return sum(1 for h in hs if h.stance == Stance.REFUSER) / len(hs) if organised else 0.0

    def log_odds(self, group_share: list[float]) -> dict[int, float]:
        """Every household's log-odds of paying this month (stance model: less refusal's pull)."""
        out = {}
        for e, hs in enumerate(self.by_estate):
            fee, campaign = self.fee_of(e), self.campaign(e)
            for h in hs:
                out[h.unique_id] = h.stance_log_odds(fee, group_share[e], self.type_shift[e], campaign)
        return out

    def initialize_stances(self, rounds: int = 4) -> None:
        """Draw stances from the stance chain's stationary distribution a few times; refusers
        start with 1..stance_initial_arrears_max_months unpaid months (as commsim does)."""
        p = self.p
        if p.payment_model != "stances":
            return
        share = [INITIAL_COLLECTION] * self.estates.n
        for _ in range(rounds):
            z = self.log_odds(share)
            for h in self.households:
                x = z[h.unique_id]
                enter = p.stance_review_rate * rules.sigmoid(p.stance_refusal_cut - x)
                x_refuser = x - p.pay_beta_arrears * p.pay_arrears_cap_months
                leave = p.stance_refuser_review_rate * (1.0 - rules.sigmoid(p.stance_refusal_cut + p.stance_return_margin - x_refuser))
                refuse = enter / (enter + leave) if enter + leave > 0 else 1.0
                regular = (1.0 - refuse) * rules.sigmoid(x - p.stance_regular_cut)
                v = self.random.random()
                h.stance = Stance.REFUSER if v < refuse else Stance.REGULAR if v >= 1.0 - regular else Stance.OCCASIONAL
        for e, hs in enumerate(self.by_estate):
            for h in hs:
                charged = self.fee_of(e) > 0
                h.arrears_months = self.random.randint(1, int(p.stance_initial_arrears_max_months)) if charged and h.stance == Stance.REFUSER else 0
        z = self.log_odds(share)
        for e, hs in enumerate(self.by_estate):
            for h in hs:
                paid = h.stance == Stance.REGULAR or (h.stance == Stance.OCCASIONAL and self.random.random() < rules.sigmoid(z[h.unique_id]))
                h.paid = paid and self.fee_of(e) > 0

    def satisfaction_target(self, e: int) -> float:
        """What satisfaction and trust move toward in estate ``e`` this month (updates its
        adapted quality): quality relative to the fee-based expectation, or quality itself."""
        p, q = self.p, float(self.estates.quality[e])
        if p.satisfaction_model == "absolute":
            return q
        if self.adapted[e] is None:
            self.adapted[e] = q
        by_fee = max(p.expectation_floor, p.expectation_reference_quality * (self.fee_of(e) / p.expectation_reference_fee) ** p.expectation_fee_elasticity)
        by_fee += {"old": p.expectation_shift_old, "resettlement": p.expectation_shift_resettlement}.get(ESTATE_TYPES[self.estates.type_code[e]], 0.0)
        w = p.expectation_experience_weight
        expected = (1.0 - w) * min(1.0, max(0.0, by_fee)) + w * self.adapted[e]
        self.adapted[e] += p.expectation_adapt_rate * (q - self.adapted[e])
        return min(1.0, max(0.0, p.satisfaction_neutral + p.satisfaction_vfm_sensitivity * (q - expected)))

    # --- institutions -----------------------------------------------------------------------
    def owners(self, e: int) -> int:
        return sum(1 for h in self.by_estate[e] if h.owner)

    # --- households as the shared institution-level code sees them -------------------------------
    def providers(self) -> list:
        return self.institutions.providers()

    def owner_counts(self) -> np.ndarray:
        return np.array([sum(1 for h in hs if h.owner) for hs in self.by_estate], dtype=float)

    def owners_taking_part(self) -> np.ndarray:
        return np.array([sum(1 for h in hs if h.owner and h.participated) for hs in self.by_estate], dtype=float)

    def organisers(self) -> np.ndarray:
        return np.array([sum(1 for h in hs if h.could_organise()) for hs in self.by_estate], dtype=float)

    def mean_satisfaction(self) -> np.ndarray:
        out = np.ones(self.estates.n)
        for e, hs in enumerate(self.by_estate):
            occupied = [h.satisfaction for h in hs if h.occupied]
            if occupied:
                out[e] = sum(occupied) / len(occupied)
        return out

    def set_trust(self, estates, trust: float) -> None:
        for e in estates:
            for h in self.by_estate[e]:
                h.trust = trust

    def owner_ballots(self, e: int, kind: str, reach: float) -> VoteResult:
        """Each owner of estate ``e`` decides whether to take part and whether to consent."""
        owners = [h for h in self.by_estate[e] if h.owner]
        mobilisation = float(self.vote_mobilisation[e])
        takes_part = np.array([h.takes_part_in_vote(reach, mobilisation) for h in owners], dtype=bool)
        consents = np.array([h.consents_to(kind) for h in owners], dtype=bool)
        return owners_vote(np.array([h.area_m2 for h in owners]), takes_part, consents, self.p.vote_rule)

    # --- the month ----------------------------------------------------------------------------
    def step(self) -> None:
        self.month += 1
        self.state.reset()
        self.ladder.reset()
        self.supervision.new_month()
        self.assemblies.new_month()
        for rc in self.rcs:
            rc.new_month()
        for oc in self.committee_of:
            if oc is not None:
                oc.new_month()
        self.street.new_month()
        self.service()
        self.complaints()
        self.payment()
        self.households.do("decide_participation", 0.0)
        self.households.do("commit_participation")
        self.governance()
        self.belonging()
        self.record()

    def run(self, months: int) -> pd.DataFrame:
        for _ in range(months):
            self.step()
        return pd.DataFrame(self.records)

    def service(self) -> None:
        p, est = self.p, self.estates
        plan_quality(self)  # providers' effort and quality: commsim's own institution-level code
        for e, hs in enumerate(self.by_estate):
            q = min(1.0, max(0.0, float(est.quality[e])))
            failure_prob = p.failure_prob_min + (p.failure_prob_max - p.failure_prob_min) * (1.0 - q) ** p.failure_quality_exponent
            for h in hs:
                h.meet_service(failure_prob)

    def complaints(self) -> None:
        p, est = self.p, self.estates
        self.filed = 0
        for e, hs in enumerate(self.by_estate):
            target = self.satisfaction_target(e)
            has_provider = self.provider_of[e] is not None
            for h in hs:
                h.move_satisfaction(target)
                self.filed += h.maybe_file_complaint(has_provider)
        # who handles each open complaint, and how many hours each unit is asked for
        def unit_of(h: Household) -> tuple:
            t = h.complaint_tier
            if t == FIRM:
                return ("firm", h.estate)
            if t == COMMITTEE and self.oc_of[h.estate] is not None:
                return ("oc", h.estate)
            if t in (COMMITTEE, COMMUNITY):
                return ("rc", int(est.community[h.estate]))
            return ("street",) if t == STREET else ("hotline",)

        open_ = [h for h in self.households if h.complaint_tier is not None]
        units = [unit_of(h) for h in open_]
        demand: dict[tuple, float] = defaultdict(float)
        for h, u in zip(open_, units, strict=True):
            demand[u] += h.complaint_hours()
        for c, rc in enumerate(self.rcs):
            rc.book("complaints", demand.get(("rc", c), 0.0))

        def capacity(u: tuple) -> float:
            if u[0] == "firm":
                return p.firm_complaint_hours_per_household * float(est.occupied_units[u[1]]) * float(est.effort[u[1]])
            if u[0] == "oc":
                return self.oc_of[u[1]].complaint_hours()
            if u[0] == "rc":
                return self.rcs[u[1]].hours_for_complaints()
            return self.street.complaint_hours() if u[0] == "street" else float("inf")

        handle = {u: min(1.0, capacity(u) / d) if d > 0 else 1.0 for u, d in demand.items()}
        for h, u in zip(open_, units, strict=True):
            t, e = h.complaint_tier, h.estate
            if t == FIRM:
                resolve = p.resolve_prob_firm * float(est.effort[e])
            elif t == COMMITTEE:
                oc = self.oc_of[e]
                resolve = p.resolve_prob_owners_committee * oc.activity if oc is not None else p.resolve_prob_residents_committee
            else:
                resolve = {COMMUNITY: p.resolve_prob_community, STREET: p.resolve_prob_street,
                           HOTLINE: p.resolve_prob_hotline}[t]
            h.pursue_complaint(handle[u], min(1.0, max(0.0, resolve)))

    def payment(self) -> None:
        p, st = self.p, self.state
        self.billed = self.payments = 0.0
        self.paying = self.charged = self.refusers = 0
        collection = []
        chased: dict[int, tuple[bool, bool]] = {}
        for e, hs in enumerate(self.by_estate):  # firms remind and sue first
            provider, fee = self.provider_of[e], self.fee_of(e)
            by_firm = provider is not None and provider.kind == "firm"
            reminders = suits = 0
            for h in hs:
                reminded, sued, back = h.face_collection(by_firm, fee)
                chased[h.unique_id] = (reminded, sued)
                reminders += reminded
                suits += sued
                st.arrears_recovered[e] += back  # revenue the shared bookkeeping counts
            hours = reminders * p.collection_reminder_hours + suits * p.collection_legal_hours
            cost = hours * p.firm_staff_cost_yuan_hour + suits * p.collection_legal_cost_yuan
            if cost > 0:
                self.institutions.charge_collection(e, cost)
        share = []  # last month's paying share: the estate is the payment reference group
        for last in self.collection:
            share.append(INITIAL_COLLECTION if last is None or last[1] == 0 else last[0] / last[1])
        z = self.log_odds(share)  # synchronous: every household on last month's stances
        if p.payment_model == "stances":
            for e, hs in enumerate(self.by_estate):
                if self.fee_of(e) > 0:
                    for h in hs:
                        h.reconsider_stance(z[h.unique_id])
        for e, hs in enumerate(self.by_estate):
            fee = self.fee_of(e)
            for h in hs:
                h.decide_payment(fee, z[h.unique_id], *chased[h.unique_id])
            for h in hs:  # decisions above read neighbours' last-month payments
                h.commit_payment(fee)
            billed = sum(fee * h.area_m2 for h in hs)
            paid = sum(fee * h.area_m2 * h.fee_share_payable for h in hs if h.paid)
            paying, charged = sum(1 for h in hs if h.paid), (len(hs) if fee > 0 else 0)
            collection.append((paying, charged))
            st.billed[e], st.payments[e], st.charged[e], st.paying[e] = billed, paid, charged, paying
            self.billed += billed
            self.payments += paid
            self.paying += paying
            self.charged += charged
            self.refusers += sum(1 for h in hs if h.stance == Stance.REFUSER) if fee > 0 else 0
        self.collection = collection

    def governance(self) -> None:
        """Providers book the month, assemblies, the market, supervision: commsim's own code."""
        governance.step(self)

    def belonging(self) -> None:
        est = self.estates
        for e, hs in enumerate(self.by_estate):
            participants = [h for h in hs if h.participated]
            occupied = [h for h in hs if h.occupied]
            for h in hs:
                h.drift_belonging(float(est.belonging_base[e]))
                h.maybe_rewire(participants, occupied)

    def record(self) -> None:
        est = self.estates
        occupied = [h for h in self.households if h.occupied]
        n_occ = len(occupied)
        weights = est.occupied_units.astype(float)
        self.records.append({
            "month": self.month,
            "collection_rate": self.payments / self.billed if self.billed > 0 else float("nan"),
            "paying_share": self.paying / self.charged if self.charged else float("nan"),
            "complaints_per_1000_households": 1000.0 * self.filed / n_occ,
            "participation_rate": sum(h.participated for h in occupied) / n_occ,
            "satisfaction": 100.0 * sum(h.satisfaction for h in occupied) / n_occ,
            "trust": sum(h.trust for h in occupied) / n_occ,
            "belonging": sum(h.belonging for h in occupied) / n_occ,
            "service_quality": float(np.average(est.quality, weights=weights)),
            "owners_committee_coverage": sum(oc is not None for oc in self.committee_of) / est.n,
            "complaints_open": sum(h.complaint_tier is not None for h in self.households),
            "refuser_share": self.refusers / self.charged if self.charged else float("nan"),
        })
