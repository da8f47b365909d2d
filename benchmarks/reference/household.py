"""One household as a Mesa agent: the status-quo household rules, one method per rule.

This is the per-agent *specification* of the rules that ``commsim.processes`` applies to
arrays, issue 11's included: payment stances with hysteresis and organised refusal, firms'
reminders and suits, value-for-money satisfaction (the estate-level target is computed by the
model), each household's own complaint propensity. Every number comes from the parameter table (``self.p``); every random decision is a
scalar draw from the model's ``random.Random`` (``self.random``), the plain Mesa way. The
vectorised model must agree with these rules in distribution (tests/test_reference_oracle.py).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from benchmarks.reference.model import ReferenceModel

#: complaint ladder tiers (commsim.processes.complaints.TIERS)
FIRM, COMMITTEE, COMMUNITY, STREET, HOTLINE = range(5)
#: payment stances (commsim.vocabulary.Stance)
REGULAR, OCCASIONAL, REFUSER = range(3)
HOURS = ("hours_per_complaint_firm", "hours_per_complaint_committee",
         "hours_per_complaint_community", "hours_per_complaint_street", "hours_per_complaint_hotline")


def clip01(x: float) -> float:
    return 0.0 if x < 0.0 else 1.0 if x > 1.0 else x


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


class Household(mesa.Agent):
    """A dwelling unit and whoever deals with the estate for it (absent owners included)."""

    model: ReferenceModel

    def __init__(self, model: ReferenceModel, estate: int, *, occupied: bool, owner: bool,
                 area_m2: float, income_yuan: float, age_group: int, satisfaction: float,
                 trust: float, belonging: float, threshold: float, paid: bool, complaint_weight: float = 1.0):
        super().__init__(model)
        self.p = model.p
        self.estate = estate
        self.occupied, self.owner = occupied, owner
        self.area_m2, self.income_yuan, self.age_group = area_m2, income_yuan, age_group
        self.satisfaction, self.trust, self.belonging = satisfaction, trust, belonging
        self.threshold = threshold  # personal participation threshold (fixed)
        self.paid = paid  # paid last month's fee
        self.participated = False  # took part last month
        self.arrears_months = 0
        self.fee_share_payable = 1.0
        self.ties: list[Household] = []  # neighbours in the estate (may repeat)
        self.failure = False  # met a service failure this month
        self.complaint_tier: int | None = None  # tier of the open complaint
        self.complaint_wait = 0
        self.complaint_age = 0
        self._next_paid = paid
        self.stance = OCCASIONAL  # payment stance (set by the model's initialisation)
        self.complaint_weight = complaint_weight  # own complaint propensity multiplier (fixed)
        self.dispute_resolved = False  # a complaint of mine was resolved this month
        self._next_participated = False

    # --- neighbours -----------------------------------------------------------------------
    def share_of_ties(self, attribute: str) -> float:
        """Share of my ties for whom ``attribute`` (a last-month flag) is true; 0 without ties."""
        if not self.ties:
            return 0.0
        return sum(1 for t in self.ties if getattr(t, attribute)) / len(self.ties)

    # --- 1 service ------------------------------------------------------------------------
    def meet_service(self, failure_prob: float) -> None:
        """An occupied household meets a service failure with the estate's failure chance."""
        self.failure = self.occupied and self.random.random() < failure_prob

    # --- 2 complaints ---------------------------------------------------------------------
    def move_satisfaction(self, target: float) -> None:
        """Satisfaction and trust move toward the estate's target (value for money, or quality
        under the absolute model); a failure lowers both."""
        p = self.p
        sat = self.satisfaction + p.satisfaction_adjust_rate * (target - self.satisfaction)
        trust = self.trust + p.trust_adjust_rate * (target - self.trust)
        if self.failure:
            sat -= p.satisfaction_failure_drop
            trust -= p.trust_failure_drop
        self.satisfaction, self.trust = clip01(sat), clip01(trust)

    def maybe_file_complaint(self, estate_has_provider: bool) -> bool:
        """After a failure, with no complaint open, file one (more likely when dissatisfied)."""
        p = self.p
        if not self.failure or self.complaint_tier is not None:
            return False
        propensity = p.complaint_propensity * (1.0 + p.complaint_dissatisfaction_gain * (1.0 - self.satisfaction))
        propensity *= self.complaint_weight * (p.complaint_refuser_factor if self.stance == REFUSER else 1.0)
        if self.random.random() >= propensity:
            return False
        self.complaint_tier = FIRM if estate_has_provider else COMMITTEE
        self.complaint_wait = 0
        self.complaint_age = 0
        return True

    def complaint_hours(self) -> float:
        """Hours my open complaint demands at its current tier."""
        return getattr(self.p, HOURS[self.complaint_tier])

    def pursue_complaint(self, handle_prob: float, resolve_prob: float) -> str:
        """One month of my open complaint at its tier; returns what happened.

        Handled (chance = the unit's hours available / demanded): resolved with the tier's
        chance, else I escalate (``escalate_prob``) or give up. Not handled: I wait, and take it
        up a tier after ``max_wait_months``. At the top tier an unresolved complaint is given up.
        """
        p = self.p
        tier = self.complaint_tier
        from_firm = tier == FIRM
        if self.random.random() < handle_prob:
            if self.random.random() < resolve_prob:
                self.dispute_resolved = True
                self.satisfaction = clip01(self.satisfaction + p.satisfaction_resolve_gain)
                if from_firm:
                    self.trust = clip01(self.trust + p.trust_resolve_gain)
                self._close()
                return "resolved"
            if tier < HOTLINE and self.random.random() < p.escalate_prob:
                self._escalate(from_firm)
                return "escalated"
            self.satisfaction = clip01(self.satisfaction - p.satisfaction_abandon_drop)
            self.trust = clip01(self.trust - p.trust_abandon_drop)
            self._close()
            return "abandoned"
        self.satisfaction = clip01(self.satisfaction - p.satisfaction_wait_drop)
        self.complaint_wait += 1
        if self.complaint_wait >= p.max_wait_months and tier < HOTLINE:
            self._escalate(from_firm)
            return "escalated"
        self.complaint_age += 1
        return "waiting"

    def _escalate(self, from_firm: bool) -> None:
        if from_firm:
            self.trust = clip01(self.trust - self.p.trust_escalation_drop)
        self.complaint_tier += 1
        self.complaint_wait = 0
        self.complaint_age += 1

    def _close(self) -> None:
        self.complaint_tier = None
        self.complaint_wait = 0
        self.complaint_age = 0

    # --- 3 payment ------------------------------------------------------------------------
    def payment_log_odds(self, fee: float, group_paying_share: float, type_shift: float) -> float:
        """Log-odds of paying this month's fee (``fee`` in yuan/m2/month)."""
        p = self.p
        burden = fee * self.area_m2 * self.fee_share_payable / self.income_yuan
        w = p.norm_estate_weight
        norm = (1.0 - w) * self.share_of_ties("paid") + w * group_paying_share
        return (
            p.pay_intercept
            + p.pay_beta_satisfaction * (self.satisfaction - 0.5)
            + p.pay_beta_trust * (self.trust - 0.5)
            + p.pay_beta_norm * (norm - 0.5)
            + p.pay_beta_belonging * (self.belonging - 0.5)
            - p.pay_beta_burden * burden
            - p.pay_beta_arrears * min(self.arrears_months, p.pay_arrears_cap_months)
            + (0.0 if self.owner else p.pay_tenant_shift)
            + (0.0 if self.occupied else p.pay_absentee_shift)
            + type_shift
        )

    def refusal_pressure(self, campaign: float) -> float:
        """(1 - w) x share of my ties refusing + w x my estate's organised campaign."""
        w = self.p.refusal_campaign_weight
        refusing = sum(1 for t in self.ties if t.stance == REFUSER) / len(self.ties) if self.ties else 0.0
        return (1.0 - w) * refusing + w * campaign

    def stance_log_odds(self, fee: float, group_paying_share: float, type_shift: float, campaign: float) -> float:
        """Log-odds of paying, less organised refusal's pull on the dissatisfied (stance model)."""
        x = self.payment_log_odds(fee, group_paying_share, type_shift)
        if self.p.payment_model == "stances":
            x -= self.p.pay_beta_recruit * (1.0 - self.satisfaction) * self.refusal_pressure(campaign)
        return x

    def choose_stance(self, z: float, v: float) -> int:
        """Ordered logit: refuser, regular or occasional payer, from a uniform ``v``."""
        p = self.p
        if v < sigmoid(p.stance_refusal_cut - z):
            return REFUSER
        return REGULAR if v >= 1.0 - sigmoid(z - p.stance_regular_cut) else OCCASIONAL

    def reconsider_stance(self, z: float) -> None:
        """A charged household may change its stance: payers now and then, refusers rarely and
        only past the hysteresis margin, unless a resolved dispute makes them reconsider at once."""
        p = self.p
        if self.stance == REFUSER:
            if self.dispute_resolved:
                margin = 0.0
            elif self.random.random() < p.stance_refuser_review_rate:
                margin = p.stance_return_margin
            else:
                return
            if self.random.random() >= sigmoid(p.stance_refusal_cut + margin - z):
                self.stance = OCCASIONAL
        elif self.random.random() < p.stance_review_rate:
            self.stance = self.choose_stance(z, self.random.random())

    def face_collection(self, by_firm: bool, fee: float) -> tuple[bool, bool, float]:
        """A firm chases my arrears: (reminded, sued, back fees recovered in yuan)."""
        p = self.p
        if not by_firm or fee <= 0:
            return False, False, 0.0
        if self.arrears_months >= p.collection_legal_months and self.random.random() < p.collection_legal_prob:
            back = fee * self.area_m2 * self.fee_share_payable * min(self.arrears_months, p.collection_recovery_cap_months)
            self.satisfaction = max(0.0, self.satisfaction - p.collection_legal_satisfaction_drop)
            self.trust = max(0.0, self.trust - p.collection_legal_trust_drop)
            if self.stance == REFUSER and self.random.random() < p.collection_legal_return_prob:
                self.stance = OCCASIONAL
            return False, True, back
        if self.arrears_months >= p.collection_reminder_months:
            self.satisfaction = max(0.0, self.satisfaction - p.collection_reminder_satisfaction_drop)
            return True, False, 0.0
        return False, False, 0.0

    def decide_payment(self, fee: float, z: float, reminded: bool = False, sued: bool = False) -> None:
        """Pay or withhold (decided on last month's neighbours; applied by ``commit_payment``).

        ``z`` is this month's log-odds of paying (``stance_log_odds``); a reminder raises it
        this month; a sued household pays; under the stance model regular payers pay bar a
        lapse and refusers do not pay.
        """
        p = self.p
        if fee <= 0:
            self._next_paid = False
            return
        if sued:
            self._next_paid = True
            return
        if reminded:
            z += p.collection_reminder_effect
        if p.payment_model == "stances" and self.stance == REGULAR:
            self._next_paid = self.random.random() >= p.pay_regular_lapse
        elif p.payment_model == "stances" and self.stance == REFUSER:
            self._next_paid = False
        else:
            self._next_paid = self.random.random() < sigmoid(z)

    def commit_payment(self, fee: float) -> None:
        self.paid = self._next_paid
        self.arrears_months = 0 if (self.paid or fee <= 0) else min(self.arrears_months + 1, 32000)
        self.dispute_resolved = False

    # --- 4 participation ------------------------------------------------------------------
    def decide_participation(self, opportunity: float) -> None:
        """Granovetter threshold rule with individual drive and noise (occupied households)."""
        p = self.p
        signal = (
            p.participation_social_weight * self.share_of_ties("participated")
            + p.participation_belonging_weight * self.belonging
            + p.participation_grievance_weight * (1.0 - self.satisfaction)
            + opportunity
            + self.random.gauss(0.0, p.participation_noise_sd)
        )
        self._next_participated = self.occupied and signal >= self.threshold

    def commit_participation(self) -> None:
        self.participated = self._next_participated

    # --- 6 belonging and ties -------------------------------------------------------------
    def drift_belonging(self, baseline: float) -> None:
        p = self.p
        b = self.belonging + p.belonging_relaxation * (baseline - self.belonging)
        if self.participated:
            b += p.belonging_participation_gain
        b += p.belonging_satisfaction_weight * (self.satisfaction - 0.5)
        self.belonging = clip01(b)

    def maybe_rewire(self, participants: list[Household], occupied: list[Household]) -> None:
        """With ``tie_rewire_prob``, redirect one estate tie: to a participant if I took part,
        else to any occupied neighbour (never to myself)."""
        p = self.p
        k = int(p.neighbour_ties)
        if not self.occupied or self.random.random() >= p.tie_rewire_prob or len(self.ties) < k:
            return
        pool = participants if self.participated else occupied
        target = self.random.choice(pool) if pool else self
        if target is not self:
            self.ties[self.random.randrange(k)] = target

    # --- owners' assemblies and votes -------------------------------------------------------------
    def could_organise(self) -> bool:
        """An occupying owner who took part this month and feels they belong can organise."""
        return self.owner and self.occupied and self.participated and self.belonging >= self.p.organiser_belonging_min

    def takes_part_in_vote(self, reach: float, mobilisation: float) -> bool:
        """Turnout: age, dissatisfaction, absence, taking part, belonging, the organisers'
        canvass reaching a share ``reach`` of owners, and the estate's mobilisation."""
        p = self.p
        x = (p.vote_turnout_intercept
             + (p.vote_turnout_retired_shift if self.age_group == 2 else 0.0)
             + (p.vote_turnout_young_shift if self.age_group == 0 else 0.0)
             + p.vote_turnout_dissatisfaction * (1.0 - self.satisfaction)
             + (0.0 if self.occupied else p.vote_turnout_absentee_shift)
             + (p.vote_turnout_participation if self.participated else 0.0)
             + p.vote_turnout_belonging * (self.belonging - 0.5)
             + p.vote_turnout_canvass * reach
             + mobilisation)
        return self.random.random() < sigmoid(x)

    def consents_to(self, kind: str) -> bool:
        """Consent to what is voted on: electing the committee, replacing the firm (the
        dissatisfied), hiring a provider for an estate without one, a fee rise (the satisfied)."""
        p = self.p
        if kind in ("form", "reelect"):
            x = p.assembly_consent_logit
        elif kind == "replace":
            x = p.vote_consent_steepness * (p.dismissal_trigger_satisfaction - self.satisfaction)
        elif kind == "hire":
            x = p.hire_consent_logit
        elif kind == "fee":
            x = p.fee_consent_intercept + p.fee_consent_satisfaction * (self.satisfaction - 0.5)
        else:
            raise ValueError(f"unknown vote kind {kind!r}")
        return self.random.random() < sigmoid(x)
