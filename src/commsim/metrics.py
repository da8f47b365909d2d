"""Summary metrics: which ones reports lead with, and which direction is better.

Summary metrics are the columns of ``runner.summarize``: ``final_<m>`` and ``mean_<m>`` (after
burn-in) for ``runner.SUMMARY_METRICS``, ``total_<m>`` for ``runner.SUMMARY_TOTALS`` and
``total_policy_cost_yuan_<policy>`` / ``total_policy_hours_<policy>``.
"""

from __future__ import annotations

import difflib

from commsim.errors import ParameterError
from commsim.runner import SUMMARY_METRICS, SUMMARY_TOTALS

#: the metrics reports lead with (all are summary columns)
KEY_METRICS: tuple[str, ...] = (
    "mean_collection_rate", "mean_satisfaction", "mean_complaints_per_1000_households",
    "mean_complaints_resolved_share", "mean_participation_rate", "final_owners_committee_coverage",
    "mean_worker_load", "total_public_cost_yuan", "mean_service_quality", "mean_belonging",
    "mean_service_quality_sd_across_estates",
)

#: base metric names where less is better (everything else: more is better). Judgement calls:
#: firm exits, dismissals and votes count as instability (lower is better); firm entries
#: (a self-managed or abandoned estate hiring a firm) as recovery; public money and policy
#: hours as costs; the sd of quality across estates as inequality.
LOWER_IS_BETTER: frozenset[str] = frozenset({
    "complaints_per_1000_households", "mean_complaint_wait_months",
    "complaints_escalated_beyond_estate_share", "unmanaged_share", "worker_load",
    "public_cost_yuan", "service_quality_sd_across_estates", "arrears_months_mean",
    "firm_exits", "firm_dismissals", "dismissal_votes", "complaints_filed", "subsidies_yuan",
    "failures_per_1000_households", "complaints_open", "complaints_abandoned",
})


#: base metric names whose direction is not a judgement of better or worse. More complaints
#: filed can mean worse service or less suppressed demand (a household files no new complaint
#: while one is open, so clearing a backlog releases waiting complaints): reports never colour
#: a change in them as harm or gain.
AMBIGUOUS: frozenset[str] = frozenset({"complaints_per_1000_households", "complaints_filed"})

HIGHER, LOWER, EITHER = "higher", "lower", "ambiguous"


def direction(metric: str) -> str:
    """Which way is better for a summary or monthly metric: ``"higher"``, ``"lower"`` or
    ``"ambiguous"`` (neither: reports show the change without calling it good or bad)."""
    base = base_metric(metric)
    if base in AMBIGUOUS:
        return EITHER
    return HIGHER if higher_is_better(metric) else LOWER


def base_metric(metric: str) -> str:
    for prefix in ("final_", "mean_", "total_"):
        if metric.startswith(prefix):
            return metric[len(prefix):]
    return metric


def higher_is_better(metric: str) -> bool:
    """Direction of a summary metric (see ``LOWER_IS_BETTER``)."""
    base = base_metric(metric)
    if base.startswith(("policy_cost_yuan_", "policy_hours_")):
        return False
    return base not in LOWER_IS_BETTER


def summary_metric_names() -> set[str]:
    """Every metric name ``runner.summarize`` produces (policy totals aside)."""
    return ({f"{p}_{m}" for m in SUMMARY_METRICS for p in ("final", "mean")}
            | {f"total_{m}" for m in SUMMARY_TOTALS})


def check_metric(metric: str, option: str = "--metric") -> str:
    """``metric`` if it names a summary column, else a ParameterError with near names."""
    if metric in summary_metric_names() or metric.startswith(("total_policy_cost_yuan_", "total_policy_hours_")):
        return metric
    close = difflib.get_close_matches(metric, sorted(summary_metric_names()), n=2, cutoff=0.6)
    hint = f"; did you mean {' or '.join(close)}?" if close else " (e.g. mean_collection_rate)"
    raise ParameterError(f"{option} {metric}: not a summary metric{hint}")
