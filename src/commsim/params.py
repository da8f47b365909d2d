"""The parameter table: every model parameter with its default, unit, range and source.

One table serves defaults, validation of scenario files and ``--set`` overrides, Monte Carlo
sampling (``range``) and the generated ``docs/parameters.md``. Policies register their own
parameters here under the prefix ``<policy>.`` (see :func:`register`).

``range`` is the plausible interval for uncertainty analysis; ``bounds`` is what is valid at
all (values outside it are rejected). Sources are a seed document (``seeds/...``), a figure of
``EMPIRICAL_TARGETS.md`` (``targets: ...``), a law, or the word *assumption*.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from commsim.errors import ParameterError

SEED_LIAOCHENG = "seeds/000_94283c1782ad9056.txt"
SEED_HARBIN = "seeds/001_b6cbbcc861977cbe.txt"
SEED_CANGZHOU = "seeds/002_b07cc5befbed7128.txt"
SEED_XIAN = "seeds/003_97816122a4bbec7a.txt"
SEED_SUZHOU = "seeds/004_90539335684117e5.txt"


@dataclass(frozen=True)
class Param:
    """One model parameter.

    ``kind`` is ``float``, ``int``, ``bool`` or ``choice`` (then ``choices`` lists the values).
    """

    name: str
    default: Any
    unit: str
    range: tuple[float, float] | None
    source: str
    meaning: str
    kind: str = "float"
    bounds: tuple[float, float] | None = None
    choices: tuple[str, ...] = ()
    group: str = "core"

    def coerce(self, value: Any, where: str = "") -> Any:
        """Return ``value`` converted to this parameter's kind, or raise ParameterError."""
        label = f"{where}{self.name}"
        if self.kind == "choice":
            if not isinstance(value, str) or value not in self.choices:
                raise ParameterError(
                    f"{label}: must be one of {', '.join(self.choices)} (got {value!r})"
                )
            return value
        if self.kind == "bool":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in {"true", "false", "1", "0"}:
                return value.lower() in {"true", "1"}
            raise ParameterError(f"{label}: must be true or false (got {value!r})")
        if isinstance(value, bool):
            raise ParameterError(f"{label}: must be a number (got {value!r})")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ParameterError(f"{label}: must be a number (got {value!r})") from None
        if number != number:  # NaN
            raise ParameterError(f"{label}: must be a number (got NaN)")
        if self.kind == "int":
            if number != int(number):
                raise ParameterError(f"{label}: must be a whole number (got {value!r})")
            number = int(number)
        lo, hi = self.bounds if self.bounds is not None else (float("-inf"), float("inf"))
        if not lo <= number <= hi:
            raise ParameterError(
                f"{label}: must be between {lo:g} and {hi:g} {self.unit} (got {value!r})"
            )
        return number


_PROB = (0.0, 1.0)
_NONNEG = (0.0, float("inf"))
_POS = (1e-9, float("inf"))
_ANY = (float("-inf"), float("inf"))


def _p(name, default, unit, rng, source, meaning, kind="float", bounds=_NONNEG, **kw) -> Param:
    return Param(name, default, unit, rng, source, meaning, kind, bounds, **kw)


A = "assumption"
CORE: list[Param] = [
    # --- population -------------------------------------------------------------------
    _p("persons_per_household", 2.62, "persons", (2.3, 3.0), "assumption (2020 census national average, not in EMPIRICAL_TARGETS)", "Residents per household; converts per-resident staffing norms (Xi'an) to households.", bounds=_POS, group="population"),
    _p("income_minimum_yuan_month", 1500.0, "yuan/household/month", (1000.0, 2200.0), "targets: 低保 standard 684 yuan/person/month x ~2.2 persons (household size an assumption)", "Mean monthly income of a minimum-income (低保) household.", bounds=_POS, group="population"),
    _p("income_low_yuan_month", 4000.0, "yuan/household/month", (3000.0, 5500.0), A, "Mean monthly income of a low-income household.", bounds=_POS, group="population"),
    _p("income_middle_yuan_month", 9000.0, "yuan/household/month", (7000.0, 12000.0), A, "Mean monthly income of a middle-income household.", bounds=_POS, group="population"),
    _p("income_high_yuan_month", 20000.0, "yuan/household/month", (14000.0, 30000.0), A, "Mean monthly income of a high-income household.", bounds=_POS, group="population"),
    _p("income_sd_log", 0.3, "log-units", (0.15, 0.45), A, "Spread of income within a class (sd of log income).", group="population"),
    _p("neighbour_ties", 6, "ties/household", (4, 10), A, "Neighbour ties per household inside its estate (fixed network, rewired by participation).", kind="int", bounds=(1, 32), group="population"),
    _p("satisfaction_initial_mean", 0.62, "0-1", (0.55, 0.70), "targets: satisfaction 62.6/100 (China Consumers Association 2019)", "Mean satisfaction with service at the start.", bounds=_PROB, group="population"),
    _p("trust_initial_mean", 0.60, "0-1", (0.4, 0.7), A, "Mean trust in the property firm at the start.", bounds=_PROB, group="population"),
    _p("belonging_commercial", 0.40, "0-1", (0.3, 0.5), f"assumption; low belonging in new estates ({SEED_SUZHOU})", "Baseline belonging (社区认同感) in commercial estates.", bounds=_PROB, group="population"),
    _p("belonging_old", 0.60, "0-1", (0.5, 0.7), A, "Baseline belonging in old estates (long-standing neighbours).", bounds=_PROB, group="population"),
    _p("belonging_resettlement", 0.35, "0-1", (0.25, 0.45), f"assumption; low belonging in transitional communities ({SEED_SUZHOU})", "Baseline belonging in resettlement estates.", bounds=_PROB, group="population"),
    _p("belonging_work_unit", 0.65, "0-1", (0.55, 0.75), A, "Baseline belonging in work-unit estates.", bounds=_PROB, group="population"),
    # --- service ----------------------------------------------------------------------
    _p("firm_cost_ratio", 1.0, "share of guided fee", (0.85, 1.15), A, "Full-service cost per m2 as a share of the estate's guided fee, without scale economies: a market firm's cost under scale_economies = none (times its cost efficiency), and a guaranteed provider's cost.", bounds=_POS, group="service"),
    _p("firm_fixed_cost_share", 0.5, "share of full cost", (0.4, 0.75), A, "Share of full-service cost a firm spends whatever its revenue (staff contracts, utilities).", bounds=_PROB, group="service"),
    _p("firm_target_margin", 0.12, "share of revenue", (0.0, 0.15), A, "Margin a firm keeps back from expected revenue before spending on service.", bounds=(0.0, 0.9), group="service"),
    _p("firm_revenue_smoothing", 0.3, "weight", (0.1, 0.6), A, "Weight of the latest month in a firm's revenue expectation (exponential smoothing).", bounds=(0.01, 1.0), group="service"),
    _p("infrastructure_commercial", 1.0, "quality factor", (0.9, 1.0), A, "Service quality per unit of effort in commercial estates.", bounds=_PROB, group="service"),
    _p("infrastructure_old", 0.669, "quality factor", (0.65, 0.9), A, "Service quality per unit of effort in old estates (ageing facilities).", bounds=_PROB, group="service"),
    _p("infrastructure_resettlement", 0.88, "quality factor", (0.75, 0.95), A, "Service quality per unit of effort in resettlement estates.", bounds=_PROB, group="service"),
    _p("infrastructure_work_unit", 0.85, "quality factor", (0.7, 0.95), A, "Service quality per unit of effort in work-unit estates.", bounds=_PROB, group="service"),
    _p("failure_prob_max", 0.539, "probability/household/month", (0.3, 0.6), A, "Chance a household meets a service failure in a month when quality is 0.", bounds=_PROB, group="service"),
    _p("failure_prob_min", 0.03, "probability/household/month", (0.01, 0.06), A, "Chance of a service failure in a month when quality is 1.", bounds=_PROB, group="service"),
    _p("failure_quality_exponent", 1.5, "exponent", (1.0, 2.5), A, "Curvature of failure chance in (1 - quality).", bounds=_POS, group="service"),
    _p("self_management_fee_share", 0.5, "share of fee", (0.3, 0.8), A, "Fee an owners' committee charges when it manages its estate itself, as a share of the scenario fee.", bounds=_PROB, group="service"),
    _p("self_management_cost_ratio", 0.6, "share of fee", (0.4, 0.8), A, "Full cost per m2 of self-management as a share of the scenario fee (volunteer labour).", bounds=_POS, group="service"),
    _p("self_management_quality_cap", 0.6, "0-1", (0.4, 0.8), A, "Highest service quality self-management reaches.", bounds=_PROB, group="service"),
    _p("unmanaged_quality", 0.22, "0-1", (0.05, 0.3), f"assumption; old estates with nobody managing ({SEED_LIAOCHENG})", "Service quality in an estate with no management at all.", bounds=_PROB, group="service"),
    # --- complaints -------------------------------------------------------------------
    _p("complaint_propensity", 0.15, "probability", (0.15, 0.5), A, "Chance that a service failure becomes a complaint, for a fully satisfied household.", bounds=_PROB, group="complaints"),
    _p("complaint_dissatisfaction_gain", 1.0, "multiplier", (0.5, 2.0), "assumption; less satisfied owners act more (targets: Beijing survey)", "Complaint propensity rises by this factor times (1 - satisfaction).", group="complaints"),
    _p("firm_complaint_hours_per_household", 0.12, "staff-hours/household/month", (0.05, 0.25), A, "Firm desk hours for complaints per occupied household at full effort.", group="complaints"),
    _p("oc_members", 7, "persons", (5, 11), "POLICY_FACTS: owners' committee 5-11 members", "Members of an owners' committee.", kind="int", bounds=(1, 25), group="complaints"),
    _p("oc_hours_per_member_month", 6.0, "hours/month", (2.0, 15.0), A, "Volunteer hours an owners' committee member gives per month at full activity.", group="complaints"),
    _p("street_hours_per_1000_households", 8.0, "staff-hours/month", (4.0, 16.0), A, "Street office hours for escalated complaints per 1,000 households.", group="complaints"),
    _p("hours_per_complaint_firm", 1.5, "staff-hours", (0.5, 3.0), A, "Hours a firm spends handling one complaint.", bounds=_POS, group="complaints"),
    _p("hours_per_complaint_committee", 2.0, "staff-hours", (1.0, 4.0), A, "Hours an owners' or residents' committee spends on one complaint.", bounds=_POS, group="complaints"),
    _p("hours_per_complaint_community", 3.0, "staff-hours", (1.5, 6.0), A, "Community-worker hours for one complaint at community coordination.", bounds=_POS, group="complaints"),
    _p("hours_per_complaint_street", 4.0, "staff-hours", (2.0, 8.0), A, "Street-office hours for one complaint.", bounds=_POS, group="complaints"),
    _p("hours_per_complaint_hotline", 1.0, "staff-hours", (0.5, 2.0), A, "City hotline hours for one complaint (not community staff).", bounds=_POS, group="complaints"),
    _p("resolve_prob_firm", 0.65, "probability", (0.4, 0.85), A, "Chance a handled complaint is resolved by the firm, at full effort (scales with effort).", bounds=_PROB, group="complaints"),
    _p("resolve_prob_owners_committee", 0.55, "probability", (0.3, 0.75), A, "Chance a handled complaint is resolved by an owners' committee at full activity.", bounds=_PROB, group="complaints"),
    _p("resolve_prob_residents_committee", 0.40, "probability", (0.2, 0.6), f"assumption; the residents' committee acts for a missing owners' committee ({SEED_CANGZHOU}, {SEED_HARBIN} art. 9)", "Chance a handled complaint is resolved by the residents' committee standing in.", bounds=_PROB, group="complaints"),
    _p("resolve_prob_community", 0.55, "probability", (0.35, 0.75), A, "Chance a handled complaint is resolved by community coordination.", bounds=_PROB, group="complaints"),
    _p("resolve_prob_street", 0.65, "probability", (0.45, 0.85), A, "Chance a handled complaint is resolved by the street office.", bounds=_PROB, group="complaints"),
    _p("resolve_prob_hotline", 0.5, "probability", (0.3, 0.7), A, "Chance the city hotline resolves a complaint; otherwise it is abandoned.", bounds=_PROB, group="complaints"),
    _p("escalate_prob", 0.6, "probability", (0.3, 0.9), A, "Chance a household takes an unresolved complaint up a tier (otherwise it gives up).", bounds=_PROB, group="complaints"),
    _p("max_wait_months", 2, "months", (1, 4), A, "Months a complaint waits unhandled at a tier before the household takes it up a tier.", kind="int", bounds=(1, 24), group="complaints"),
    _p("satisfaction_adjust_rate", 0.198, "share/month", (0.05, 0.3), A, "Monthly pull of satisfaction toward the service quality a household sees.", bounds=_PROB, group="complaints"),
    _p("satisfaction_failure_drop", 0.058, "0-1", (0.02, 0.1), A, "Satisfaction lost on meeting a service failure.", bounds=_PROB, group="complaints"),
    _p("satisfaction_wait_drop", 0.02, "0-1 per month", (0.005, 0.04), A, "Satisfaction lost per month a complaint waits.", bounds=_PROB, group="complaints"),
    _p("satisfaction_resolve_gain", 0.06, "0-1", (0.02, 0.1), A, "Satisfaction restored when a complaint is resolved.", bounds=_PROB, group="complaints"),
    _p("satisfaction_abandon_drop", 0.08, "0-1", (0.03, 0.15), A, "Satisfaction lost when a household gives up on a complaint.", bounds=_PROB, group="complaints"),
    _p("trust_adjust_rate", 0.085, "share/month", (0.02, 0.1), A, "Monthly pull of trust in the firm toward its service quality.", bounds=_PROB, group="complaints"),
    _p("trust_failure_drop", 0.03, "0-1", (0.01, 0.06), A, "Trust lost on meeting a service failure.", bounds=_PROB, group="complaints"),
    _p("trust_resolve_gain", 0.05, "0-1", (0.02, 0.1), A, "Trust regained when the firm itself resolves a complaint.", bounds=_PROB, group="complaints"),
    _p("trust_escalation_drop", 0.03, "0-1", (0.01, 0.06), A, "Trust lost each time a complaint has to go above the firm.", bounds=_PROB, group="complaints"),
    _p("trust_abandon_drop", 0.08, "0-1", (0.03, 0.15), A, "Trust lost when a household gives up on a complaint.", bounds=_PROB, group="complaints"),
    # --- payment ----------------------------------------------------------------------
    _p("pay_intercept", 2.22, "logit", (1.2, 2.6), "assumption, calibrated to targets: collection 76.3% (2025), most firms 60-70%", "Log-odds of paying this month for a household at neutral satisfaction, trust, norm and belonging.", bounds=_ANY, group="payment"),
    _p("pay_beta_satisfaction", 2.708, "logit per unit", (1.0, 4.0), "assumption; service quality is the main reason for withholding (targets: Beijing 2007 survey)", "Effect of satisfaction (0-1) on the log-odds of paying.", bounds=_ANY, group="payment"),
    _p("pay_beta_trust", 1.5, "logit per unit", (0.5, 2.5), A, "Effect of trust in the firm on the log-odds of paying.", bounds=_ANY, group="payment"),
    _p("pay_beta_norm", 1.2, "logit per unit", (0.4, 2.5), A, "Effect of the payment norm (share of the reference group paying) on the log-odds of paying.", bounds=_ANY, group="payment"),
    _p("pay_beta_belonging", 1.0, "logit per unit", (0.0, 2.0), A, "Effect of belonging on the log-odds of paying.", bounds=_ANY, group="payment"),
    _p("pay_beta_burden", 25.0, "logit per unit of burden", (10.0, 40.0), f"assumption; high fees burden low-income households ({SEED_SUZHOU})", "Log-odds lost per unit of burden (fee x area / income).", bounds=_NONNEG, group="payment"),
    _p("pay_beta_arrears", 0.35, "logit per month", (0.1, 0.6), A, "Log-odds lost per consecutive unpaid month (habit of not paying).", bounds=_NONNEG, group="payment"),
    _p("pay_arrears_cap_months", 6, "months", (3, 12), A, "Consecutive unpaid months beyond which the habit term stops growing.", kind="int", bounds=(1, 120), group="payment"),
    _p("pay_tenant_shift", -0.3, "logit", (-0.8, 0.0), A, "Log-odds shift for tenant households.", bounds=_ANY, group="payment"),
    _p("pay_absentee_shift", -1.31, "logit", (-1.6, -0.3), f"assumption; absent owners are hard to collect from ({SEED_SUZHOU})", "Log-odds shift for owners of unoccupied units.", bounds=_ANY, group="payment"),
    _p("pay_shift_old", -1.05, "logit", (-1.5, 0.0), "assumption; residents of former welfare housing are used to free service", "Log-odds shift of paying in old estates.", bounds=_ANY, group="payment"),
    _p("pay_shift_resettlement", -0.145, "logit", (-1.2, 0.0), f"assumption; resettled households are new to property fees ({SEED_SUZHOU})", "Log-odds shift of paying in resettlement estates.", bounds=_ANY, group="payment"),
    _p("norm_estate_weight", 0.3, "weight", (0.1, 0.6), A, "Weight of the reference group's collection rate (estate, or wider under a common convention) against ties in the payment norm.", bounds=_PROB, group="payment"),
    # --- participation ----------------------------------------------------------------
    _p("participation_threshold_young", 0.781, "0-1", (0.7, 0.9), f"assumption; the young rarely take part ({SEED_SUZHOU})", "Mean personal threshold of young households (higher = harder to mobilise).", bounds=_PROB, group="participation"),
    _p("participation_threshold_middle", 0.621, "0-1", (0.58, 0.78), A, "Mean personal threshold of middle-aged households.", bounds=_PROB, group="participation"),
    _p("participation_threshold_retired", 0.499, "0-1", (0.42, 0.62), f"assumption; participants are mostly retirees ({SEED_SUZHOU}; targets: 60+ vote more)", "Mean personal threshold of retired households.", bounds=_PROB, group="participation"),
    _p("participation_threshold_concentration", 8.0, "beta concentration", (4.0, 16.0), A, "Concentration of the beta distribution of personal thresholds.", bounds=_POS, group="participation"),
    _p("participation_social_weight", 0.5, "weight", (0.3, 0.8), A, "Weight of the share of ties who took part last month (Granovetter threshold rule).", bounds=_NONNEG, group="participation"),
    _p("participation_belonging_weight", 0.3, "weight", (0.1, 0.5), A, "Weight of belonging in the drive to take part.", bounds=_NONNEG, group="participation"),
    _p("participation_grievance_weight", 0.12, "weight", (0.0, 0.3), "assumption; less satisfied owners take part more (targets: Beijing survey)", "Weight of dissatisfaction (1 - satisfaction) in the drive to take part.", bounds=_NONNEG, group="participation"),
    _p("participation_noise_sd", 0.12, "0-1", (0.05, 0.2), A, "Monthly noise on the social signal (spontaneous participation).", bounds=_NONNEG, group="participation"),
    _p("belonging_participation_gain", 0.02, "0-1 per month", (0.005, 0.04), A, "Belonging gained in a month of taking part.", bounds=_PROB, group="participation"),
    _p("belonging_satisfaction_weight", 0.01, "0-1 per month", (0.0, 0.03), A, "Monthly belonging drift per unit of (satisfaction - 0.5).", bounds=_PROB, group="participation"),
    _p("belonging_relaxation", 0.03, "share/month", (0.01, 0.06), A, "Monthly pull of belonging back to its estate-type baseline.", bounds=_PROB, group="participation"),
    _p("tie_rewire_prob", 0.01, "probability/month", (0.0, 0.03), A, "Monthly chance a household redirects one estate tie: a participant to another participant, anyone else to a random neighbour.", bounds=_PROB, group="participation"),
    # --- governance -------------------------------------------------------------------
    _p("oc_occupancy_threshold", 0.5, "share", (0.5, 0.6), "targets: Shenzhen 50% occupancy, Hangzhou 60% of area", "Occupancy an estate needs before an owners' committee can form.", bounds=_PROB, group="governance"),
    _p("oc_initiators_needed", 21.068, "owners", (3.0, 30.0), "assumption; a preparatory group (筹备组) of owners who take part and feel they belong", "Organisers (3-month mean of occupying owners who take part with belonging >= organiser_belonging_min) at which the chance that a formation drive starts is full; below it the chance falls in proportion.", bounds=_POS, group="governance"),
    _p("oc_formation_hazard", 0.012, "probability/month", (0.005, 0.05), "assumption; decision costs are high (targets: owners' committees)", "Monthly chance that organisers start a drive to form a committee (a preparatory group and a first owners' assembly) once both thresholds are met.", bounds=_PROB, group="governance"),
    _p("oc_formation_factor_old", 0.3, "multiplier", (0.1, 0.6), "assumption; old and mixed estates lag (targets: owners' committees)", "Formation hazard multiplier for old estates (no property records, no first assembly organised by a developer).", bounds=_NONNEG, group="governance"),
    _p("oc_formation_factor_resettlement", 0.5, "multiplier", (0.2, 0.8), A, "Formation hazard multiplier for resettlement estates.", bounds=_NONNEG, group="governance"),
    _p("oc_formation_factor_work_unit", 0.6, "multiplier", (0.3, 1.0), "assumption; work-unit estates stay the unit's responsibility (seeds/003)", "Formation hazard multiplier for work-unit estates.", bounds=_NONNEG, group="governance"),
    _p("oc_dissolution_hazard", 0.01, "probability/month", (0.0, 0.03), A, "Monthly chance a committee lapses when no organiser is left; falls in proportion to organisers / oc_initiators_needed.", bounds=_PROB, group="governance"),
    _p("oc_activity_scale", 0.10, "share", (0.05, 0.2), A, "Participation at which a committee is fully active (activity = participation / scale, capped at 1).", bounds=_POS, group="governance"),
    _p("dismissal_trigger_satisfaction", 0.45, "0-1", (0.35, 0.55), A, "Estate mean satisfaction under which an owners' committee calls a dismissal vote.", bounds=_PROB, group="governance"),
    _p("dismissal_trigger_months", 6, "months", (3, 12), A, "Consecutive months under the trigger before a vote is called.", kind="int", bounds=(1, 120), group="governance"),
    _p("vote_cooldown_months", 12, "months", (6, 24), A, "Months after a vote before another can be called.", kind="int", bounds=(1, 240), group="governance"),
    _p("vote_turnout_intercept", -1.5, "logit", (-2.5, -0.5), f"assumption; strangers and absent owners make the legal share hard to reach ({SEED_SUZHOU})", "Log-odds an occupying owner takes part in an owners' vote (before the shifts below).", bounds=_ANY, group="governance"),
    _p("vote_turnout_retired_shift", 0.8, "logit", (0.3, 1.2), "targets: owners aged 60+ vote more (Beijing survey)", "Turnout log-odds shift for retired owners.", bounds=_ANY, group="governance"),
    _p("vote_turnout_young_shift", -0.5, "logit", (-1.0, 0.0), f"assumption ({SEED_SUZHOU})", "Turnout log-odds shift for young owners.", bounds=_ANY, group="governance"),
    _p("vote_turnout_dissatisfaction", 1.5, "logit per unit", (0.5, 2.5), "targets: less satisfied owners vote more (Beijing survey)", "Turnout log-odds gained per unit of (1 - satisfaction).", bounds=_ANY, group="governance"),
    _p("vote_turnout_absentee_shift", -2.5, "logit", (-3.5, -1.5), f"assumption; low occupancy and strangers block votes ({SEED_SUZHOU})", "Turnout log-odds shift for owners of unoccupied units.", bounds=_ANY, group="governance"),
    _p("vote_consent_steepness", 10.0, "logit per unit", (5.0, 20.0), A, "Steepness of consent to dismiss in (trigger satisfaction - own satisfaction).", bounds=_NONNEG, group="governance"),
    _p("vote_rule", "civil_code_2021", "rule", None, "targets: Civil Code 2021 art. 278; Property Law 2007 art. 76", "Legal thresholds of owners' votes: electing a committee, hiring or dismissing a firm, changing the fee.", kind="choice", bounds=None, choices=("civil_code_2021", "property_law_2007"), group="governance"),
    _p("firm_initial_cash_months", 3.0, "months of full cost", (1.0, 6.0), A, "A firm's cash reserve on entry.", group="governance"),
    _p("firm_exit_loss_months", 12, "months", (6, 24), "assumption; firms withdraw over arrears (targets: 2025 withdrawals)", "Consecutive loss-making months, with negative cash, after which a firm exits.", kind="int", bounds=(1, 240), group="governance"),
    _p("firm_entry_hazard", 0.05, "probability/month", (0.01, 0.15), A, "Monthly chance that the owners (with a committee) of an estate not served by a market firm review the market: a tender among firms, self-management and any option a policy offers.", bounds=_PROB, group="governance"),
    _p("trust_new_firm", 0.5, "0-1", (0.35, 0.65), A, "Trust households give a newly hired firm.", bounds=_PROB, group="governance"),
    # --- community workers and the street ------------------------------------------
    _p("staffing_norm", "liaocheng", "norm", None, f"{SEED_LIAOCHENG}; {SEED_XIAN}; {SEED_CANGZHOU}", "How community-worker headcount is set: Liaocheng 1 per 300 households (at least 5), Xi'an 18 per 10,000 residents, Cangzhou 5 + 1 per 300 above 1,500 households.", kind="choice", bounds=None, choices=("liaocheng", "xian", "cangzhou"), group="staffing"),
    _p("worker_hours_month", 166.0, "hours/worker/month", (150.0, 200.0), "assumption (40-hour week)", "Working hours of a community worker in a month.", bounds=_POS, group="staffing"),
    _p("worker_pay_yuan_month", 3500.0, "yuan/worker/month", (2500.0, 4000.0), f"targets: pay 2,500-4,000 yuan/month; Suzhou 45,500 yuan/year ({SEED_SUZHOU})", "Public cost of one community worker per month.", bounds=_NONNEG, group="staffing"),
    _p("admin_pushed_down_share", 0.5, "share of admin hours", (0.3, 0.7), f"assumption; tasks pushed down by departments, the 'five too many' (牌子多、检查多、考评多、台账多、盖章多) ({SEED_SUZHOU}); statutory duties of government pushed onto committees ({SEED_CANGZHOU} §4(6))", "Share of community workers' administrative hours that are tasks departments push down (plaques, inspections, evaluations, ledgers, stamps, certificates), as against the committee's own statutory work.", bounds=_PROB, group="staffing"),
    _p("worker_turnover_annual", 0.12, "share/year", (0.05, 0.25), "assumption; high turnover among young recruits (targets: community workers)", "Share of community workers leaving in a year at reference pay and normal load (experienced workers).", bounds=(0.0, 0.99), group="staffing"),
    _p("worker_recruit_turnover_multiplier", 2.0, "multiplier", (1.0, 3.5), "assumption; high turnover among young recruits (targets: community workers)", "Turnover of recruits in their first worker_recruit_period_months, relative to experienced workers.", bounds=(0.0, 20.0), group="staffing"),
    _p("worker_recruit_period_months", 24, "months", (12, 36), A, "Months a new community worker counts as a recruit (higher turnover).", kind="int", bounds=(0, 240), group="staffing"),
    _p("worker_pay_reference_yuan_month", 3792.0, "yuan/month", (3000.0, 5000.0), f"{SEED_SUZHOU} (pay not below the previous year's average urban wage: 45,500 yuan/year in 2011)", "Pay at which turnover is at its base rate (the local alternative wage).", bounds=_POS, group="staffing"),
    _p("worker_pay_turnover_elasticity", 1.5, "elasticity", (0.5, 3.0), f"assumption; pay and careers (薪酬待遇) keep workers ({SEED_CANGZHOU}; {SEED_XIAN})", "Turnover scales as (reference pay / pay)^elasticity.", bounds=(0.0, 10.0), group="staffing"),
    _p("worker_load_turnover_gain", 0.5, "per unit of overload", (0.0, 1.5), "assumption; long days (targets: community workers)", "Turnover rises by this share per unit of load above 1 (hours demanded / available).", bounds=(0.0, 10.0), group="staffing"),
    _p("worker_hiring_months", 4.0, "months", (2.0, 9.0), A, "Mean months to fill a vacant post (public recruitment 公开招聘).", bounds=(1.0, 60.0), group="staffing"),
    _p("worker_training_months", 3, "months", (1, 6), "assumption; training (seeds/001 sets 20 hours a year)", "Months a recruit works at reduced productivity.", kind="int", bounds=(0, 24), group="staffing"),
    _p("worker_trainee_productivity", 0.6, "share of hours", (0.4, 0.9), A, "Share of a worker's hours a recruit in training gives to community work.", bounds=_PROB, group="staffing"),
    _p("admin_hours_per_household", 0.51, "hours/household/month", (0.3, 0.6), f"assumption; administrative work crowds out self-governance, the 'five too many' ({SEED_SUZHOU})", "Administrative hours demanded of community workers per household per month; served before complaints.", bounds=_NONNEG, group="staffing"),
]

# === firms, the market, supervision and owners' assemblies (issue 12) ===========================
TARGET_COVERAGE = "targets: committee coverage Beijing 14.5-17.9%, Guangzhou 25%, Shenzhen 41%, Shanghai 68%, Anhui 70.8%; old and mixed estates lag"
FIRMS_GOVERNANCE: list[Param] = [
    # --- submodels (sampled as structural uncertainty) ---------------------------------------
    _p("scale_economies", "fixed_costs", "submodel", None, A, "How a firm's cost depends on its size: fixed costs per firm and per estate shared over its area (bounded scale economies), or none (cost proportional to area).", kind="choice", bounds=None, choices=("fixed_costs", "none"), group="submodel"),
    _p("supervision_channel", "margin", "submodel", None, f"assumption; owners' committees check accounts under the 'four publics' ({SEED_HARBIN}); firms must accept supervision and inspection ({SEED_LIAOCHENG})", "How supervision acts on a firm: it limits the margin the firm keeps (margin), or it raises the chance that shirking on planned effort is caught (detection).", kind="choice", bounds=None, choices=("margin", "detection"), group="submodel"),
    # --- firms: costs and differences ---------------------------------------------------------
    _p("firm_variable_cost_ratio", 0.88, "share of guided fee", (0.75, 0.95), "assumption; staff, cleaning, security and repairs scale with floor area at the estate's service grade", "Variable full-service cost per m2 of an average firm, as a share of the estate's guided fee (scale_economies = fixed_costs).", bounds=_POS, group="firms"),
    _p("firm_estate_fixed_cost_yuan_month", 3000.0, "yuan/estate/month", (1500.0, 8000.0), "assumption; a project office of one to two staff (targets: pay 2,500-4,000 yuan/month) whatever the estate's size", "Fixed cost of serving one estate (project manager, service desk), scale_economies = fixed_costs.", group="firms"),
    _p("firm_fixed_cost_yuan_month", 15000.0, "yuan/firm/month", (5000.0, 40000.0), "assumption; company overhead (management, accounts, qualifications)", "A firm's company overhead, shared over all the floor area it manages, in and outside the street (scale_economies = fixed_costs).", group="firms"),
    _p("firm_portfolio_median_m2", 300000.0, "m2", (100000.0, 1000000.0), "assumption; from local firms with a few estates to city-wide ones", "Median floor area a firm manages outside the street (log-normal across firms).", bounds=_NONNEG, group="firms"),
    _p("firm_portfolio_sd_log", 1.0, "log-units", (0.5, 1.5), A, "Spread of firms' floor area outside the street (sd of its logarithm).", group="firms"),
    _p("firm_efficiency_sd", 0.08, "log-units", (0.0, 0.15), A, "Spread of firms' variable cost per m2 (sd of the log of a firm's cost multiplier).", group="firms"),
    _p("firm_margin_spread", 0.5, "share of target margin", (0.0, 1.0), A, "Firms differ in quality orientation o (uniform 0-1): a firm keeps firm_target_margin x (1 + spread x (1 - 2 o)).", bounds=_PROB, group="firms"),
    _p("firm_shirk_share", 0.15, "share of planned effort", (0.05, 0.3), A, "Under supervision_channel = detection: share of planned effort a firm of quality orientation 0 withholds where it is not deterred (x (1 - orientation)).", bounds=_PROB, group="firms"),
    # --- the market: tenders, choice, reputation -------------------------------------------
    _p("contract_term_months", 36, "months", (12, 60), "assumption; service contracts of one to three years", "Term of a property-service contract; at its end owners with a committee review the market, otherwise the contract continues (Civil Code art. 948).", kind="int", bounds=(1, 600), group="firms"),
    _p("market_entrants", 3, "firms", (1, 6), "assumption; strict market entry and qualification review (seeds/004 reply)", "Firms not yet in the street that bid in a tender, besides the firms already serving estates of the street.", kind="int", bounds=(0, 50), group="firms"),
    _p("owners_price_weight", 0.2, "utility per unit of fee / guided fee", (0.1, 0.4), f"assumption; high fees burden low- and middle-income owners ({SEED_SUZHOU})", "Weight owners (or the residents' committee choosing for them) give to an option's fee, relative to the guided fee, against its expected quality (0-1).", bounds=_NONNEG, group="firms"),
    _p("owners_choice_noise", 0.05, "utility", (0.0, 0.15), A, "Scale of the random (Gumbel) part of owners' scores of options: what the model does not see.", bounds=_NONNEG, group="firms"),
    _p("reputation_prior", 0.6, "effort 0-1", (0.4, 0.8), A, "Expected effort of a firm with no record in the street.", bounds=_PROB, group="firms"),
    _p("reputation_prior_months", 12.0, "months", (6.0, 24.0), A, "Weight of the prior in a firm's reputation, in months of observed service (a published rating counts as six).", bounds=_POS, group="firms"),
    _p("reputation_strike_penalty", 0.1, "effort 0-1", (0.05, 0.2), "assumption; credit records of firms (seeds/004 reply; Xi'an ratings feed the credit record, seeds/003)", "Reputation a firm loses per strike on its street record: dismissed by owners, withdrawn over losses, caught shirking, penalised by a regulator.", bounds=_PROB, group="firms"),
    _p("self_management_min_activity", 0.5, "activity 0-1", (0.3, 1.0), A, "Committee activity an estate's owners need before self-management is one of their options.", bounds=_PROB, group="firms"),
    _p("self_management_reluctance", 0.1, "utility", (0.0, 0.3), f"assumption; taking part costs unpaid time, the young have none ({SEED_SUZHOU})", "Owners' reluctance to run their estate themselves, in the units of their scores of options (expected quality 0-1).", bounds=_NONNEG, group="firms"),
    _p("self_management_volunteer_hours", 30.0, "volunteer hours/estate/month", (10.0, 60.0), A, "Hours committee members give each month to run a self-managed estate (taken from the committee's complaint hours).", group="firms"),
    # --- fees -----------------------------------------------------------------------------
    _p("fee_cap", "none", "rule", None, "targets: Chongqing 2024 caps, with lift 1.0-1.9, without lift 0.6-1.35 yuan/m2/month", "Cap on contract fees: none, or Chongqing 2024 (commercial and resettlement estates as with lifts, at most 1.9; old and work-unit estates as without, at most 1.35 yuan/m2/month). A contract fee above the cap is cut to it.", kind="choice", bounds=None, choices=("none", "chongqing_2024"), group="firms"),
    _p("fee_rise_loss_months", 6, "months", (3, 12), A, "Consecutive loss-making months after which a firm asks the owners for a fee rise.", kind="int", bounds=(1, 240), group="firms"),
    _p("fee_rise_step", 0.15, "share of fee", (0.05, 0.3), A, "Largest fee rise a firm asks for at once (it asks for what covers its cost, at most this).", bounds=_PROB, group="firms"),
    _p("fee_request_cooldown_months", 12, "months", (6, 24), A, "Months after a vote on a fee change before the firm can ask again for the same estate.", kind="int", bounds=(1, 240), group="firms"),
    _p("fee_consent_intercept", -0.5, "logit", (-1.5, 0.5), A, "Log-odds that a voting owner consents to a fee rise, at satisfaction 0.5.", bounds=_ANY, group="firms"),
    _p("fee_consent_satisfaction", 4.0, "logit per unit", (2.0, 8.0), A, "Log-odds of consenting to a fee rise gained per unit of satisfaction.", bounds=_ANY, group="firms"),
    _p("hire_consent_logit", 1.5, "logit", (0.5, 3.0), A, "Log-odds that a voting owner consents to the provider the committee proposes for an estate without one.", bounds=_ANY, group="firms"),
    # --- supervision ----------------------------------------------------------------------
    _p("supervision_hours_scale", 15.0, "hours/estate/month", (8.0, 30.0), A, "Supervision level of an estate = 1 - exp(-hours supplied last month / scale): diminishing returns to supervision hours.", bounds=_POS, group="supervision"),
    _p("supervision_margin_capture", 0.6, "share of margin", (0.2, 1.0), f"assumption; committees check the firm's accounts ({SEED_HARBIN}: 'four publics')", "Under supervision_channel = margin: share of its target margin a firm spends on service at supervision level 1.", bounds=_PROB, group="supervision"),
    _p("detection_deterrence_months", 6, "months", (3, 12), A, "Under supervision_channel = detection: months a firm caught shirking in an estate delivers its planned effort there (and the finding is a strike on its record).", kind="int", bounds=(1, 120), group="supervision"),
    _p("oc_supervision_hours_per_member_month", 3.0, "hours/member/month", (1.0, 6.0), f"assumption; the committee supervises and inspects the firm ({SEED_LIAOCHENG})", "Hours a committee member spends a month supervising the firm (inspections, accounts) at full activity.", group="supervision"),
    # --- owners' assemblies and committees ----------------------------------------------
    _p("organiser_belonging_min", 0.55, "0-1", (0.45, 0.7), f"assumption; those who take part and feel they belong organise ({SEED_SUZHOU})", "Belonging at which an occupying owner who takes part counts as an organiser.", bounds=_PROB, group="governance"),
    _p("assembly_preparation_months", 6, "months", (3, 12), "assumption; preparatory group, owner register, nominations and notice before a first assembly (seeds/004 reply: 筹建)", "Months a formation drive prepares the first owners' assembly.", kind="int", bounds=(1, 60), group="governance"),
    _p("organiser_hours_month", 8.0, "hours/organiser/month", (4.0, 16.0), A, "Volunteer hours each organiser (at most oc_members of them) spends a month preparing an assembly and canvassing owners.", group="governance"),
    _p("assembly_guidance_hours", 4.0, "worker-hours/drive/month", (2.0, 8.0), "assumption; street and community guide the founding of committees (seeds/004 reply: 街道社区主导)", "Community-worker hours a month to guide a formation drive.", group="governance"),
    _p("assembly_cooldown_months", 12, "months", (6, 24), A, "Months after a failed formation drive before organisers try again.", kind="int", bounds=(1, 240), group="governance"),
    _p("canvass_hours_per_owner", 0.25, "hours/owner", (0.15, 0.5), A, "Organiser hours needed to reach one owner (door-to-door ballots); the share of owners reached raises turnout.", bounds=_POS, group="governance"),
    _p("vote_canvass_months", 2, "months", (1, 4), A, "Months of canvassing by an existing committee before a vote it calls (dismissal, hiring, fee change, re-election).", kind="int", bounds=(1, 24), group="governance"),
    _p("vote_turnout_canvass", 3.0, "logit", (1.5, 4.0), A, "Turnout log-odds gained when every owner is reached by canvassing (door-to-door ballots), in proportion to the share reached.", bounds=_ANY, group="governance"),
    _p("vote_turnout_participation", 1.0, "logit", (0.5, 2.0), f"assumption; participants are few and mostly retirees ({SEED_SUZHOU})", "Turnout log-odds shift for owners who took part in community affairs this month.", bounds=_ANY, group="governance"),
    _p("vote_turnout_belonging", 2.0, "logit per unit", (0.5, 3.0), f"assumption; strangers do not act together ({SEED_SUZHOU})", "Turnout log-odds gained per unit of (belonging - 0.5).", bounds=_ANY, group="governance"),
    _p("assembly_consent_logit", 2.0, "logit", (1.0, 3.0), A, "Log-odds that a voting owner consents to electing (or re-electing) the committee.", bounds=_ANY, group="governance"),
    _p("oc_term_months", 60, "months", (36, 60), "assumption; committee terms of at most five years", "Term of an owners' committee; at its end an assembly must re-elect it or it lapses.", kind="int", bounds=(1, 600), group="governance"),
    _p("oc_initial_share_commercial", 0.35, "probability", (0.15, 0.7), TARGET_COVERAGE, "Chance a commercial estate starts with a committee where the scenario does not say.", bounds=_PROB, group="governance"),
    _p("oc_initial_share_old", 0.10, "probability", (0.0, 0.3), TARGET_COVERAGE, "Chance an old estate starts with a committee where the scenario does not say.", bounds=_PROB, group="governance"),
    _p("oc_initial_share_resettlement", 0.20, "probability", (0.05, 0.5), TARGET_COVERAGE, "Chance a resettlement estate starts with a committee where the scenario does not say.", bounds=_PROB, group="governance"),
    _p("oc_initial_share_work_unit", 0.25, "probability", (0.05, 0.5), TARGET_COVERAGE, "Chance a work-unit estate starts with a committee where the scenario does not say.", bounds=_PROB, group="governance"),
]
CORE = CORE + FIRMS_GOVERNANCE
# === end of issue 12 block ======================================================================



# --- households v2 (issue 11): payment stances, organised refusal, collection, value for money,
# complaint heterogeneity. Appended as one block; CORE is extended below. -----------------------
SURVEY_2007 = "targets: Beijing 2007 survey (235 owners, 137 estates)"
SHANGHAI_2018 = ("Shanghai housing bureau, analysis of 2018 12345 complaints (173,000 valid estate complaints, "
                 "12,099 estates; 11% of estates gave 47%)")
HOUSEHOLDS_V2: list[Param] = [
    # submodels (structural alternatives, sampled as structural uncertainty)
    _p("payment_model", "stances", "submodel", None, f"{SURVEY_2007}: half paid in full, 40% paid nothing or planned to stop, 60% had been urged by other owners to refuse", "How households pay: 'stances' = a lasting stance (regular payer, occasional payer, refuser) with hysteresis and organised refusal; 'monthly' = an independent choice every month (the first release's model).", kind="choice", bounds=None, choices=("stances", "monthly"), group="submodel"),
    _p("satisfaction_model", "value_for_money", "submodel", None, f"{SURVEY_2007}: 80% found the fee clearly too high for the service; targets: fee levels by service grade (3-star 2.01, 4-star 2.75, 5-star 3.93 yuan/m2)", "What satisfaction and trust move toward: 'value_for_money' = service quality relative to what the fee leads households to expect; 'absolute' = service quality alone (the first release's model).", kind="choice", bounds=None, choices=("value_for_money", "absolute"), group="submodel"),
    # payment stances
    _p("stance_review_rate", 0.10, "probability/month", (0.03, 0.25), A, "Monthly chance that a regular or occasional payer reconsiders its payment stance.", bounds=_PROB, group="payment"),
    _p("stance_refuser_review_rate", 0.04, "probability/month", (0.01, 0.12), A, "Monthly chance that a refuser reconsiders (refusal is sticky); resolved disputes, mediation and collection actions make it reconsider at once.", bounds=_PROB, group="payment"),
    _p("stance_regular_cut", 0.5, "logit", (0.0, 2.0), A, "A reconsidering household becomes a regular payer with probability logistic(log-odds of paying - this cut).", bounds=_ANY, group="payment"),
    _p("stance_refusal_cut", -2.5, "logit", (-3.5, -1.0), A, "A reconsidering payer becomes a refuser with probability logistic(this cut - log-odds of paying).", bounds=_ANY, group="payment"),
    _p("stance_return_margin", 2.0, "logit", (0.5, 3.0), A, "Hysteresis: a reconsidering refuser stays one with probability logistic(refusal cut + this margin - log-odds of paying); a resolved dispute, mediation or collection action drops the margin.", bounds=_NONNEG, group="payment"),
    _p("pay_regular_lapse", 0.03, "probability/month", (0.0, 0.06), A, "Chance that a regular payer misses a month (away, late).", bounds=_PROB, group="payment"),
    _p("stance_initial_arrears_max_months", 24, "months", (6, 36), A, "Refusers at the start have refused for a uniformly drawn 1 to this many months (their consecutive unpaid months).", kind="int", bounds=(1, 240), group="payment"),
    _p("pay_beta_recruit", 2.0, "logit per unit", (0.0, 4.0), f"assumption; {SURVEY_2007}: 60% had been urged by other owners to refuse", "Log-odds of paying lost per unit of refusal pressure x dissatisfaction (1 - satisfaction): organised refusal recruits the dissatisfied.", bounds=_NONNEG, group="payment"),
    _p("refusal_campaign_weight", 0.5, "weight", (0.0, 1.0), A, "Weight of the estate's organised refusal campaign (its refusers' share, once a group exists) against the household's own refusing ties in refusal pressure.", bounds=_PROB, group="payment"),
    _p("refusal_group_min", 10, "households", (3, 40), A, "Occupied refusers an estate needs before they act as an organised group that canvasses the whole estate.", kind="int", bounds=(1, 10000), group="payment"),
    # satisfaction: value for money
    _p("expectation_reference_fee", 2.52, "yuan/m2/month", (2.0, 3.0), "targets: 20-city average fee 2.52 yuan/m2/month (China Index Academy 2023)", "Fee at which households expect the reference quality.", bounds=_POS, group="satisfaction"),
    _p("expectation_reference_quality", 0.61, "0-1", (0.5, 0.85), A, "Service quality households expect at the reference fee.", bounds=_PROB, group="satisfaction"),
    _p("expectation_fee_elasticity", 0.40, "elasticity", (0.15, 0.75), "assumption; fee grades 2.01 / 2.75 / 3.93 yuan/m2 for 3- to 5-star service (targets) tie what a fee buys to a service level", "Expected quality = reference quality x (fee charged / reference fee)^elasticity (at least the floor).", bounds=(0.0, 2.0), group="satisfaction"),
    _p("expectation_floor", 0.40, "0-1", (0.25, 0.55), A, "Quality households expect whatever the fee, nothing charged included (basic order and cleanliness).", bounds=_PROB, group="satisfaction"),
    _p("expectation_shift_old", 0.0, "0-1", (-0.15, 0.1), "assumption; residents know their ageing buildings (lower), or expect what the work unit once gave free (higher)", "Shift of expected quality in old estates.", bounds=(-1.0, 1.0), group="satisfaction"),
    _p("expectation_shift_resettlement", 0.0, "0-1", (-0.1, 0.05), A, "Shift of expected quality in resettlement estates.", bounds=(-1.0, 1.0), group="satisfaction"),
    _p("expectation_experience_weight", 0.3, "weight", (0.0, 0.6), A, "Weight of experienced quality (adapted level) against the fee-based expectation: expectations adapt to what the estate has had.", bounds=_PROB, group="satisfaction"),
    _p("expectation_adapt_rate", 0.05, "share/month", (0.02, 0.15), A, "Monthly pull of the estate's adapted level toward the quality it gets.", bounds=(0.0, 1.0), group="satisfaction"),
    _p("satisfaction_neutral", 0.56, "0-1", (0.5, 0.68), "assumption, anchored at targets: satisfaction 62.6/100 (CCA 2019)", "Satisfaction toward which a household moves when service meets its expectation (value-for-money model).", bounds=_PROB, group="satisfaction"),
    _p("satisfaction_vfm_sensitivity", 0.85, "0-1 per unit of quality", (0.5, 2.0), A, "Satisfaction gained per unit of quality above expectation (lost below it).", bounds=_NONNEG, group="satisfaction"),
    # complaints: who complains
    _p("complaint_propensity_cv", 1.5, "coefficient of variation", (0.5, 2.5), f"assumption; complaints come from a minority ({SHANGHAI_2018})", "Spread of households' own complaint propensity (a fixed gamma multiplier of mean 1): a minority complains often.", bounds=_NONNEG, group="complaints"),
    _p("complaint_refuser_factor", 1.5, "multiplier", (1.0, 3.0), "assumption; refusal comes with disputes over the service (targets: Beijing 2007 survey)", "Complaint propensity multiplier of households refusing to pay.", bounds=_NONNEG, group="complaints"),
    # collection of arrears
    _p("collection_reminder_months", 3, "months", (1, 6), A, "Consecutive unpaid months after which a firm sends a monthly reminder (催缴).", kind="int", bounds=(1, 240), group="collection"),
    _p("collection_reminder_hours", 0.25, "staff-hours/reminder", (0.2, 1.0), A, "Firm staff time per reminder (notice, call or visit).", bounds=_NONNEG, group="collection"),
    _p("collection_reminder_effect", 0.3, "logit", (0.0, 0.8), A, "Log-odds of paying gained by a reminded occasional payer this month.", bounds=_NONNEG, group="collection"),
    _p("collection_reminder_satisfaction_drop", 0.01, "0-1", (0.0, 0.03), A, "Satisfaction lost on being reminded.", bounds=_PROB, group="collection"),
    _p("collection_legal_months", 12, "months", (6, 24), A, "Consecutive unpaid months after which a firm may sue for the arrears.", kind="int", bounds=(1, 240), group="collection"),
    _p("collection_legal_prob", 0.0015, "probability/month", (0.0005, 0.01), "assumption, sized by targets: court cases over property-service contracts 67,557 (2013) to 354,973 (2017), about 1-2 per 1,000 households a year", "Monthly chance that a firm sues a household past collection_legal_months of arrears.", bounds=_PROB, group="collection"),
    _p("collection_legal_cost_yuan", 800.0, "yuan/case", (300.0, 3000.0), "court fee 50 yuan per case under 10,000 yuan (State Council, Measures on Litigation Costs 2007, art. 13) plus staff or lawyer time (assumption)", "A firm's cost of one suit for arrears.", bounds=_NONNEG, group="collection"),
    _p("collection_legal_hours", 6.0, "staff-hours/case", (3.0, 12.0), A, "Firm staff time per suit.", bounds=_NONNEG, group="collection"),
    _p("collection_legal_return_prob", 0.6, "probability", (0.3, 0.9), "assumption; most such suits are withdrawn or mediated after the owner pays (a district court, 2015-2019: 73-91% withdrawn)", "Chance that a sued refuser goes back to paying (occasionally); every sued household pays its arrears.", bounds=_PROB, group="collection"),
    _p("collection_recovery_cap_months", 36, "months", (24, 36), "Civil Code 2021 art. 188: three-year limitation period (less where a firm claims only recent arrears: assumption)", "Most months of arrears a suit recovers.", kind="int", bounds=(1, 240), group="collection"),
    _p("collection_legal_satisfaction_drop", 0.15, "0-1", (0.05, 0.3), A, "Satisfaction lost by a sued household.", bounds=_PROB, group="collection"),
    _p("collection_legal_trust_drop", 0.2, "0-1", (0.1, 0.4), A, "Trust in the firm lost by a sued household.", bounds=_PROB, group="collection"),
    _p("firm_staff_cost_yuan_hour", 25.0, "yuan/staff-hour", (18.0, 40.0), "assumption; property staff pay about 4,000 yuan/month over 166 hours", "A firm's cost of one staff-hour spent collecting arrears.", bounds=_NONNEG, group="collection"),
]
CORE = CORE + HOUSEHOLDS_V2


#: defaults set by calibration (``commsim calibrate baseline``; calibration/targets.toml, the run
#: and its choice of set are recorded in calibration/results/ and docs/validation.md)
CALIBRATED = frozenset({
    "pay_intercept", "pay_beta_satisfaction", "pay_shift_old", "pay_shift_resettlement",
    "pay_absentee_shift", "satisfaction_adjust_rate", "satisfaction_failure_drop",
    "failure_prob_max", "infrastructure_old", "oc_formation_hazard", "oc_initiators_needed",
    "participation_threshold_young", "participation_threshold_middle",
    "participation_threshold_retired", "admin_hours_per_household",
})
#: defaults set by hand for issue 11 (households v2) with short runs against the same targets
#: (calibration/hand_fit.py; docs/validation.md), pending the joint recalibration
HAND_SET = frozenset({
    "pay_intercept", "pay_shift_old", "pay_absentee_shift", "oc_formation_hazard", "oc_dissolution_hazard",
    "complaint_propensity", "trust_adjust_rate", "trust_initial_mean",
    "expectation_reference_quality", "satisfaction_vfm_sensitivity", "satisfaction_neutral",
    "expectation_fee_elasticity", "stance_refusal_cut", "stance_regular_cut", "stance_return_margin",
    "pay_beta_recruit",
})
#: defaults re-set in the joint recalibration after issues 11 and 12 were merged (short runs of
#: calibration/hand_fit.py over firms' costs, collection, complaints and old estates' payment;
#: docs/validation.md): old estates' firms no longer lose money from the first month
JOINT_SET = frozenset({
    "collection_reminder_hours", "firm_fixed_cost_share", "firm_target_margin", "complaint_propensity",
    "unmanaged_quality", "pay_intercept", "pay_shift_old",
})
HAND_SET = HAND_SET - JOINT_SET
CALIBRATED = CALIBRATED - HAND_SET - JOINT_SET
CORE = [
    replace(p, source=f"{p.source}; default from the first release's ABC calibration (calibration/targets.toml; docs/validation.md)") if p.name in CALIBRATED
    else replace(p, source=f"{p.source}; default set by hand (calibration/hand_fit.py)") if p.name in HAND_SET
    else replace(p, source=f"{p.source}; default set in the joint recalibration of the v2 households and firms (calibration/hand_fit.py; docs/validation.md)")
    if p.name in JOINT_SET else p
    for p in CORE
]


@dataclass
class ParameterTable:
    """A registry of :class:`Param`, keyed by name."""

    params: dict[str, Param] = field(default_factory=dict)

    def add(self, param: Param) -> None:
        """Register ``param``.

        Raises:
            ValueError: a parameter of that name is already registered.
            ParameterError: the default lies outside the parameter's bounds.
        """
        if param.name in self.params:
            raise ValueError(f"parameter {param.name!r} registered twice")
        if param.kind != "choice" and param.bounds is not None:
            param.coerce(param.default)
        self.params[param.name] = param

    def __contains__(self, name: str) -> bool:
        return name in self.params

    def __getitem__(self, name: str) -> Param:
        return self.params[name]

    def __iter__(self):
        return iter(self.params.values())

    def lookup(self, name: str, where: str = "") -> Param:
        """The parameter called ``name``, or a ParameterError that suggests near names."""
        if name in self.params:
            return self.params[name]
        close = difflib.get_close_matches(name, self.params, n=3, cutoff=0.6)
        hint = f"; did you mean {' or '.join(close)}?" if close else ""
        raise ParameterError(f"{where}{name}: unknown parameter{hint}")

    def defaults(self, group_prefix: str | None = None) -> dict[str, Any]:
        """Default values by name; only the names starting with ``group_prefix`` when given."""
        return {
            p.name: p.default
            for p in self
            if group_prefix is None or p.name.startswith(group_prefix)
        }

    def resolve(self, overrides: Mapping[str, Any], where: str = "") -> dict[str, Any]:
        """Defaults updated with validated ``overrides``; raises ParameterError."""
        values = self.defaults()
        for name, value in overrides.items():
            values[name] = self.lookup(name, where).coerce(value, where)
        return values


PARAMETERS = ParameterTable()
for _param in CORE:
    PARAMETERS.add(_param)


def register(params: Iterable[Param]) -> None:
    """Add a policy's (or a user extension's) parameters to the table."""
    for param in params:
        PARAMETERS.add(param)


class Values(Mapping[str, Any]):
    """Resolved parameter values with attribute access (``p.pay_intercept``)."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any]):
        object.__setattr__(self, "_data", MappingProxyType(dict(data)))

    def __getattr__(self, name: str) -> Any:
        try:
            return self._data[name]
        except KeyError:
            raise AttributeError(name) from None

    def __getitem__(self, name: str) -> Any:
        return self._data[name]

    def __iter__(self):
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("parameter values are read-only")

    def __reduce__(self):
        return (Values, (dict(self._data),))
