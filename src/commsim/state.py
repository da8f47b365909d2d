"""The model's per-month working state, declared and reset in one place.

Each month starts with :meth:`MonthState.reset` (before any policy hook); the processes fill it
in stage order and the recorder reads it at the end of the month. State that must outlive the
month (last month's collection, for the payment norm) lives in the estate table instead.

Every array is per estate unless it says per household; counts are int64, money in yuan,
hours in staff-hours.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

from commsim.vocabulary import TIERS


@dataclass
class MonthState:
    """What happened this month, per estate (and per household for failures).

    Attributes:
        failure: per household, met a service failure this month (service stage; a policy may
            fix some early through :meth:`fix_early`).
        billed: fees billed if every charged unit paid in full (yuan).
        payments: fees paid by households (yuan).
        subsidies: fee subsidies paid on households' behalf (yuan; part of fees collected).
        grants: public top-ups and deficit grants to providers (yuan; revenue, not fees).
        charged: charged households. paying: households that paid.
        provider_profit: providers' revenue minus spending and fines, attributed to estates.
        revenue_booked: revenue a provider booked for the estate (equals ``revenue`` where a
            provider served it when the month was booked, also one that left that month).
        public_cost: public money spent (workers' pay, subsidies, grants, policies' costs).
        firm_entries, firm_exits, firm_dismissals, firm_replacements, votes,
        committees_formed, committees_lapsed: counts of institutional events.
        early_fixes: failures fixed before they reached the household.
        complaints_*: complaints filed, resolved, abandoned, escalated (any tier), taken beyond
            the estate (from tier 1 up), settled within the estate (resolved or abandoned at
            tiers 0-1), handled by the firm; complaint_age_closed: summed months from filing
            of the complaints closed this month.
        hours_used: (tiers, estates) hours spent handling complaints, by the tier's unit.

        Firms and governance (issue 12):
        tenders: tenders held for the estate (a vacancy, a contract end, a dismissal, a review).
        switches_to_self: the estate moved to self-management.
        fee_changes: the estate's contract fee changed (a vote, a tender, a cap).
        fee_votes: owners' votes on a firm's request to raise the fee.
        owner_votes, owner_votes_quorate: owners' votes of any kind held (electing a committee,
            dismissal, hiring, fee), and those that reached the rule's quorum.
        drives_started: drives to form an owners' committee started.
        shirking_detected: a firm caught shirking (supervision_channel = detection).
        volunteer_hours: residents' unpaid hours booked (committee members, organisers, meeting
            attendees without an office).
        supervision_hours: hours supplied to the supervision of the estate's provider.
        meeting_hours: hours consumed by meetings about the estate.
        meetings_lapsed: meetings about the estate not held because community workers lacked
            the hours.
        cross_subsidy_received: owners' fees of other estates that paid for this estate's
            service (yuan; a common firm spending one effort level across estates).
        Households v2 (issue 11):
        complaints_reaching: (tiers, estates) complaints arriving at each tier this month (new
            filings at their first tier and escalations into it).
        stance_review: per household, a refuser reconsiders at once this month (its dispute was
            resolved, a mediator or a collection action reached it); processes and policies set it.
        reminders, legal_actions: arrears reminders sent and suits filed by firms.
        collection_hours, collection_cost: firm staff-hours and yuan spent collecting arrears
            (the cost is part of the firm's spending, so it shows in its profit).
        arrears_recovered: back fees paid after a suit (yuan; provider revenue, not this
            month's fees).
    """

    n_estates: int
    n_households: int
    failure: np.ndarray = field(init=False)
    billed: np.ndarray = field(init=False)
    payments: np.ndarray = field(init=False)
    subsidies: np.ndarray = field(init=False)
    grants: np.ndarray = field(init=False)
    charged: np.ndarray = field(init=False)
    paying: np.ndarray = field(init=False)
    provider_profit: np.ndarray = field(init=False)
    revenue_booked: np.ndarray = field(init=False)
    public_cost: np.ndarray = field(init=False)
    firm_entries: np.ndarray = field(init=False)
    firm_exits: np.ndarray = field(init=False)
    firm_dismissals: np.ndarray = field(init=False)
    firm_replacements: np.ndarray = field(init=False)
    votes: np.ndarray = field(init=False)
    committees_formed: np.ndarray = field(init=False)
    committees_lapsed: np.ndarray = field(init=False)
    early_fixes: np.ndarray = field(init=False)
    complaints_filed: np.ndarray = field(init=False)
    complaints_resolved: np.ndarray = field(init=False)
    complaints_abandoned: np.ndarray = field(init=False)
    complaints_escalated: np.ndarray = field(init=False)
    complaints_beyond_estate: np.ndarray = field(init=False)
    complaints_settled_in_estate: np.ndarray = field(init=False)
    complaints_handled_firm: np.ndarray = field(init=False)
    complaint_age_closed: np.ndarray = field(init=False)
    hours_used: np.ndarray = field(init=False)
    # --- firms and governance (issue 12) ---------------------------------------------------
    tenders: np.ndarray = field(init=False)
    switches_to_self: np.ndarray = field(init=False)
    fee_changes: np.ndarray = field(init=False)
    fee_votes: np.ndarray = field(init=False)
    owner_votes: np.ndarray = field(init=False)
    owner_votes_quorate: np.ndarray = field(init=False)
    drives_started: np.ndarray = field(init=False)
    shirking_detected: np.ndarray = field(init=False)
    volunteer_hours: np.ndarray = field(init=False)
    supervision_hours: np.ndarray = field(init=False)
    meeting_hours: np.ndarray = field(init=False)
    meetings_lapsed: np.ndarray = field(init=False)
    cross_subsidy_received: np.ndarray = field(init=False)
    # --- households v2 (issue 11) ---
    complaints_reaching: np.ndarray = field(init=False)
    stance_review: np.ndarray = field(init=False)
    reminders: np.ndarray = field(init=False)
    legal_actions: np.ndarray = field(init=False)
    collection_hours: np.ndarray = field(init=False)
    collection_cost: np.ndarray = field(init=False)
    arrears_recovered: np.ndarray = field(init=False)

    #: the integer counters (everything else per estate is float64)
    COUNTS = ("charged", "paying", "firm_entries", "firm_exits", "firm_dismissals",
              "firm_replacements", "votes", "committees_formed", "committees_lapsed",
              "early_fixes", "complaints_filed", "complaints_resolved", "complaints_abandoned",
              "complaints_escalated", "complaints_beyond_estate",
              "complaints_settled_in_estate", "complaints_handled_firm",
              # firms and governance (issue 12)
              "tenders", "switches_to_self", "fee_changes", "fee_votes", "owner_votes",
              "owner_votes_quorate", "drives_started", "shirking_detected", "meetings_lapsed",
              # households v2 (issue 11)
              "reminders", "legal_actions")

    def __post_init__(self) -> None:
        # The per-estate arrays are rows of two blocks (float64 and int64 counters), so a new
        # month is a few fills and the recorder copies many of them in one gather.
        floats = [f.name for f in fields(self) if not f.init and f.name not in self.COUNTS
                  and f.name not in ("failure", "hours_used", "complaints_reaching", "stance_review")]
        self.float_rows = {name: i for i, name in enumerate(floats)}
        self.count_rows = {name: i for i, name in enumerate(self.COUNTS)}
        self.float_block = np.zeros((len(floats) + len(TIERS), self.n_estates))
        self.count_block = np.zeros((len(self.COUNTS) + len(TIERS), self.n_estates), dtype=np.int64)
        self._link_rows()
        self.failure = np.zeros(self.n_households, dtype=bool)
        self.stance_review = np.zeros(self.n_households, dtype=bool)
        object.__setattr__(self, "_sealed", True)

    def _link_rows(self) -> None:
        """Point every per-estate array at its row of the blocks."""
        for name, i in self.float_rows.items():
            object.__setattr__(self, name, self.float_block[i])
        for name, i in self.count_rows.items():
            object.__setattr__(self, name, self.count_block[i])
        object.__setattr__(self, "hours_used", self.float_block[len(self.float_rows):])
        object.__setattr__(self, "complaints_reaching", self.count_block[len(self.count_rows):])

    def __getstate__(self) -> dict:
        # a copy or pickle of a view would lose its block: keep the blocks, re-link on restore
        rows = {*self.float_rows, *self.count_rows, "hours_used", "complaints_reaching"}
        return {k: v for k, v in self.__dict__.items() if k not in rows}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._link_rows()

    def __setattr__(self, name: str, value) -> None:
        # The arrays are rows of the blocks that reset() zeroes and the recorder reads: write into
        # them (``st.x[:] = ...``, ``st.x += ...``); rebinding one would silently detach it.
        if getattr(self, "_sealed", False) and value is not getattr(self, name, value):
            raise AttributeError(f"MonthState.{name} is a fixed array: assign into it (state.{name}[:] = ...)")
        object.__setattr__(self, name, value)

    def reset(self) -> None:
        """Start a new month: every array back to zero (no failures)."""
        self.float_block.fill(0)
        self.count_block.fill(0)
        self.failure.fill(0)
        self.stance_review.fill(0)

    def fix_early(self, rows: np.ndarray, estates: np.ndarray) -> None:
        """Failures of households ``rows`` were fixed before they reached them (``estates``
        holds each row's estate): they no longer count as met failures."""
        self.failure[rows] = False
        self.early_fixes += np.bincount(estates, minlength=self.n_estates)

    @property
    def revenue(self) -> np.ndarray:
        """Providers' revenue per estate: payments, fee subsidies, grants and arrears recovered
        by suits (yuan)."""
        return self.payments + self.subsidies + self.grants + self.arrears_recovered

