"""The outputs, declared once: monthly metrics and the summary columns built from them.

Each monthly metric is a :class:`Metric`: its name, unit, meaning, labels in both languages,
which way is better, and how its value follows from the per-estate quantities the recorder
keeps each month (``commsim.recorder.QUANTITIES``) — for an estate and for the whole street:

- ``sum``: a count or an amount; the street row is the sum over estates;
- ``ratio``: ``scale x numerator / denominator`` of summed quantities; the street row is the
  pooled ratio (not a mean of estate ratios); NaN where the denominator is 0;
- ``weighted``: a per-estate level (quality, effort); the street row averages estates weighted
  by occupied units;
- ``estate_share``: 1 or 0 per estate (has a committee, is self-managed); the street row is the
  share of estates;
- ``community``: a community's quantity (workers, hours, load) repeated on each of its estates;
  the street row is the street's total (load: the pooled ratio);
- ``street``: a street-level figure only; estate rows hold NaN (documented, not a gap).

The recorder, the Parquet schema metadata (:func:`column_metadata`), the summaries
(``final_``/``mean_``/``total_`` columns, see ``runner.summarize``), the reports' labels and
``docs/metrics.md`` (:func:`metrics_markdown`) all follow from these declarations.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from commsim.errors import ParameterError
from commsim.vocabulary import AGE_GROUPS, TIERS

HIGHER, LOWER, EITHER = "higher", "lower", "ambiguous"
STREET_RULES = ("sum", "ratio", "weighted", "estate_share", "community", "street")


@dataclass(frozen=True)
class Metric:
    """One monthly output column.

    Attributes:
        name: column name.
        unit: unit in words (yuan, count, 0-1, ...).
        description: what it measures, one line.
        street: how the street row follows from the estates (see the module docstring).
        direction: ``higher`` / ``lower`` is better, or ``ambiguous`` (neither; reports never
            colour a change in it as harm or gain).
        quantities: the recorder quantities it is built from (numerator terms for ``ratio``).
        denominator: the denominator quantity of a ``ratio``.
        scale: factor of a ``ratio`` (100 for a 0-100 score, 1,000 for per-1,000 rates).
        count: integer-valued (stored as int64).
        summary: summary columns made from it: ``final``/``mean`` (after burn-in) and/or ``total``.
        label_en, label_zh: short labels for figures and briefs.
        kind: number format and unit in reports (share, score, index, per1000, yuan, count,
            hours, months, ratio).
    """

    name: str
    unit: str
    description: str
    street: str
    direction: str
    quantities: tuple[str, ...] = ()
    denominator: str = ""
    scale: float = 1.0
    count: bool = False
    summary: tuple[str, ...] = ()
    label_en: str = ""
    label_zh: str = ""
    kind: str = "index"

    def __post_init__(self) -> None:
        if self.street not in STREET_RULES:
            raise ValueError(f"metric {self.name}: street rule must be one of {STREET_RULES}")
        if self.direction not in (HIGHER, LOWER, EITHER):
            raise ValueError(f"metric {self.name}: direction must be higher, lower or ambiguous")
        if (self.street == "ratio") != bool(self.denominator):
            raise ValueError(f"metric {self.name}: a ratio needs a denominator (and only a ratio has one)")


FM = ("final", "mean")
TOTAL = ("total",)


def _m(name, unit, description, street, direction, quantities=(), *, den="", scale=1.0, count=False,
       summary=(), en="", zh="", kind="index") -> Metric:
    if isinstance(quantities, str):
        quantities = (quantities,)
    return Metric(name, unit, description, street, direction, tuple(quantities), den, scale, count,
                  summary, en, zh, kind)


_CATALOGUE: list[Metric] = [
    _m("households", "count", "dwelling units", "sum", HIGHER, "units", count=True,
       en="Dwellings", zh="住户数", kind="count"),
    _m("occupied_households", "count", "occupied units", "sum", HIGHER, "occupied", count=True,
       en="Occupied dwellings", zh="入住户数", kind="count"),
    _m("collection_rate", "0-1", "fees collected this month (households' payments + fee subsidies) / fees billed; "
       "grants to providers are revenue, not fees, so the rate is at most 1", "ratio", HIGHER,
       ("payments", "subsidies"), den="billed", summary=FM, en="Fee collection rate", zh="物业费收缴率", kind="share"),
    _m("paying_share", "0-1", "share of charged households paying this month", "ratio", HIGHER, "paying",
       den="charged", summary=FM, en="Households paying", zh="缴费户比例", kind="share"),
    _m("fees_billed_yuan", "yuan", "fees billed this month", "sum", HIGHER, "billed",
       en="Fees billed", zh="应收物业费", kind="yuan"),
    _m("payments_yuan", "yuan", "fees paid by households this month", "sum", HIGHER, "payments", summary=TOTAL,
       en="Fees paid by households", zh="业主缴费", kind="yuan"),
    _m("subsidies_yuan", "yuan", "fees paid by public subsidy on households' behalf this month", "sum", LOWER,
       "subsidies", summary=TOTAL, en="Fee subsidies", zh="物业费补贴", kind="yuan"),
    _m("grants_yuan", "yuan", "public top-ups and deficit grants to providers this month", "sum", LOWER, "grants",
       summary=TOTAL, en="Grants to providers", zh="政府补助", kind="yuan"),
    _m("firm_revenue_yuan", "yuan", "providers' revenue = payments + fee subsidies + grants + arrears recovered by "
       "suits", "sum", HIGHER, ("payments", "subsidies", "grants", "recovered"), en="Providers' revenue", zh="物业服务收入", kind="yuan"),
    _m("firm_profit_yuan", "yuan", "providers' revenue - spending - fines, attributed to estates by revenue", "sum",
       HIGHER, "profit", en="Providers' profit", zh="物业服务利润", kind="yuan"),
    _m("arrears_months_mean", "months", "mean consecutive unpaid months, charged households", "ratio", LOWER,
       "arrears", den="charged", summary=FM, en="Months in arrears", zh="平均连续欠费月数", kind="months"),
    _m("service_quality", "0-1", "service quality, weighted by occupied units", "weighted", HIGHER, "quality",
       summary=FM, en="Service quality", zh="物业服务质量"),
    _m("service_effort", "0-1", "providers' effort (0 where unmanaged), weighted by occupied units", "weighted",
       HIGHER, "effort", en="Providers' effort", zh="物业服务投入"),
    _m("satisfaction", "0-100", "mean satisfaction of occupied households", "ratio", HIGHER, "satisfaction",
       den="occupied", scale=100.0, summary=FM, en="Satisfaction", zh="居民满意度", kind="score"),
    _m("trust", "0-1", "mean trust in the provider, occupied households", "ratio", HIGHER, "trust", den="occupied",
       summary=FM, en="Trust in the provider", zh="对物业的信任"),
    _m("belonging", "0-1", "mean belonging, occupied households", "ratio", HIGHER, "belonging", den="occupied",
       summary=FM, en="Belonging", zh="社区归属感"),
    _m("failures_per_1000_households", "per 1,000 occupied households", "service failures met this month",
       "ratio", LOWER, "failures", den="occupied", scale=1000.0, en="Service failures", zh="服务故障", kind="per1000"),
    _m("complaints_filed", "count", "complaints filed this month", "sum", EITHER, "filed", count=True, summary=TOTAL,
       en="Complaints filed", zh="投诉件数", kind="count"),
    _m("complaints_resolved", "count", "complaints resolved this month", "sum", HIGHER, "resolved", count=True,
       en="Complaints resolved", zh="已解决投诉", kind="count"),
    _m("complaints_abandoned", "count", "complaints given up this month", "sum", LOWER, "abandoned", count=True,
       en="Complaints given up", zh="放弃的投诉", kind="count"),
    _m("complaints_open", "count", "complaints open at month end", "sum", LOWER, "open", count=True,
       en="Complaints open", zh="未办结投诉", kind="count"),
    _m("complaints_per_1000_households", "per 1,000 occupied households", "complaints filed this month; more can "
       "mean worse service or less suppressed demand (a household files no new complaint while one is open)",
       "ratio", EITHER, "filed", den="occupied", scale=1000.0, summary=FM, en="Complaints", zh="投诉量", kind="per1000"),
    _m("complaints_resolved_share", "0-1", "complaints resolved / (resolved + given up) this month", "ratio", HIGHER,
       "resolved", den="closed", summary=FM, en="Complaints resolved", zh="投诉解决率", kind="share"),
    _m("complaint_wait_months", "months", "mean months from filing to closing, complaints closed this month",
       "ratio", LOWER, "closed_age", den="closed", summary=FM, en="Wait to close a complaint", zh="投诉办结时间",
       kind="months"),
    _m("complaints_escalated_beyond_estate_share", "0-1", "of the complaints that left the estate's tiers this month "
       "(firm, owners' or residents' committee), the share taken up to the community or above rather than "
       "settled (resolved or given up) there", "ratio", LOWER, "beyond", den="left_estate", summary=FM,
       en="Complaints taken beyond the estate", zh="越出小区的投诉比例", kind="share"),
    _m("early_fixes", "count", "service failures fixed before they reached the household (e.g. building heads' "
       "reports)", "sum", HIGHER, "early_fixes", count=True, en="Failures fixed early", zh="提前处置的故障", kind="count"),
    _m("participation_rate", "0-1", "share of occupied households taking part this month", "ratio", HIGHER,
       "participating", den="occupied", summary=FM, en="Participation", zh="居民参与率", kind="share"),
    *[_m(f"participation_rate_{a}", "0-1", f"participation rate of {a} households", "ratio", HIGHER,
         f"participating_{a}", den=f"occupied_{a}", summary=FM, en=f"Participation, {label_en}", zh=label_zh,
         kind="share")
      for a, label_en, label_zh in zip(AGE_GROUPS, ("young", "middle-aged", "retired"),
                                       ("青年居民参与率", "中年居民参与率", "退休居民参与率"), strict=True)],
    _m("owners_committee_coverage", "0-1", "share of estates with an owners' committee", "estate_share", HIGHER,
       "has_committee", summary=FM, en="Estates with an owners' committee", zh="业委会覆盖率", kind="share"),
    _m("managed_by_firm_share", "0-1", "share of estates served by a market property firm", "estate_share", HIGHER,
       "by_firm", en="Estates served by a firm", zh="物业企业服务的小区比例", kind="share"),
    _m("self_managed_share", "0-1", "share of estates managed by their owners", "estate_share", HIGHER,
       "self_managed", en="Self-managed estates", zh="业主自管小区比例", kind="share"),
    _m("managed_by_other_share", "0-1", "share of estates served by another provider: a basic-service station, "
       "dedicated staff, a guaranteed provider", "estate_share", HIGHER, "by_other",
       en="Estates served by a station or other provider", zh="由服务站等其他主体服务的小区比例", kind="share"),
    _m("unmanaged_share", "0-1", "share of estates with no service provider", "estate_share", LOWER, "unmanaged",
       summary=FM, en="Estates without management", zh="无人管理小区比例", kind="share"),
    _m("firm_exits", "count", "estates whose firm left over losses this month", "sum", LOWER, "exits", count=True,
       summary=TOTAL, en="Firm exits", zh="物业企业退出", kind="count"),
    _m("firm_dismissals", "count", "estates whose owners dismissed their firm by vote this month", "sum", LOWER,
       "dismissals", count=True, summary=TOTAL, en="Firm dismissals", zh="物业企业被解聘", kind="count"),
    _m("firm_replacements", "count", "estates whose provider a regulator replaced this month (blacklist, failed "
       "review)", "sum", LOWER, "replacements", count=True, summary=TOTAL, en="Providers replaced by regulators",
       zh="被监管替换的服务主体", kind="count"),
    _m("firm_entries", "count", "firms hired by estates without one this month", "sum", HIGHER, "entries", count=True,
       summary=TOTAL, en="Firms hired", zh="新聘物业企业", kind="count"),
    _m("dismissal_votes", "count", "owners' votes on dismissal held this month", "sum", LOWER, "votes", count=True,
       summary=TOTAL, en="Dismissal votes", zh="解聘表决", kind="count"),
    _m("committees_formed", "count", "owners' committees formed this month", "sum", HIGHER, "formed", count=True,
       summary=TOTAL, en="Owners' committees formed", zh="新成立业委会", kind="count"),
    _m("committees_lapsed", "count", "owners' committees that lapsed this month", "sum", LOWER, "lapsed", count=True,
       summary=TOTAL, en="Owners' committees lapsed", zh="停止运作的业委会", kind="count"),
    _m("community_workers", "count", "community workers of the estate's community (street row: the street's)",
       "community", HIGHER, "workers", count=True, en="Community workers", zh="社区工作者人数", kind="count"),
    _m("worker_posts", "count", "community-worker posts of the estate's community (its establishment)", "community",
       HIGHER, "posts", count=True, en="Community-worker posts", zh="社区工作者岗位", kind="count"),
    _m("worker_vacancies", "count", "posts without a worker (community)", "community", LOWER, "vacancies", count=True,
       summary=FM, en="Vacant posts", zh="空缺岗位", kind="count"),
    _m("worker_departures", "count", "community workers who left this month (community)", "community", LOWER,
       "departures", count=True, summary=TOTAL, en="Workers leaving", zh="离职社区工作者", kind="count"),
    _m("worker_hires", "count", "community workers recruited this month (community)", "community", HIGHER, "hires",
       count=True, summary=TOTAL, en="Workers recruited", zh="新招社区工作者", kind="count"),
    _m("worker_hours_available", "hours", "community-worker hours available this month (community)", "community",
       HIGHER, "hours_available", en="Worker hours available", zh="社区工作者可用工时", kind="hours"),
    _m("worker_hours_demanded", "hours", "community-worker hours demanded: administration, complaints, policy work "
       "(community)", "community", LOWER, "hours_demanded", en="Worker hours demanded", zh="社区工作者需求工时",
       kind="hours"),
    _m("worker_load", "ratio", "worker hours demanded / available, community (above 1 = overload)", "community",
       LOWER, "load", summary=FM, en="Community-worker load", zh="社区工作者负荷", kind="ratio"),
    _m("hours_firm", "hours", "hours providers spent on this estate's complaints", "sum", LOWER, "hours_firm",
       en="Complaint hours, firms", zh="物业处理投诉工时", kind="hours"),
    _m("hours_owners_committee", "hours", "hours owners' committees spent on this estate's complaints", "sum", LOWER,
       "hours_committee", en="Complaint hours, owners' committees", zh="业委会处理投诉工时", kind="hours"),
    _m("hours_community_workers", "hours", "community-worker hours spent on this estate's complaints (standing in for "
       "a committee, or at community coordination)", "sum", LOWER, "hours_community",
       en="Complaint hours, community workers", zh="社区工作者处理投诉工时", kind="hours"),
    _m("hours_street", "hours", "street-office hours spent on this estate's complaints", "sum", LOWER, "hours_street",
       en="Complaint hours, street office", zh="街道处理投诉工时", kind="hours"),
    _m("hours_hotline", "hours", "city hotline hours spent on this estate's complaints", "sum", LOWER, "hours_hotline",
       en="Complaint hours, city hotline", zh="热线处理投诉工时", kind="hours"),
    _m("public_cost_yuan", "yuan", "public money this month: community workers' pay, subsidies, grants, policy costs",
       "sum", LOWER, "public_cost", summary=(*FM, "total"), en="Public cost", zh="公共支出", kind="yuan"),
    _m("cross_estate_tie_share", "0-1", "share of neighbour ties reaching another estate", "ratio", HIGHER,
       "cross_ties", den="ties", summary=FM, en="Neighbour ties across estates", zh="跨小区邻里联系比例", kind="share"),
    _m("service_quality_sd_across_estates", "0-1", "sd of service quality across managed estates (street-level "
       "only; NaN on estate rows)", "street", LOWER, "quality_sd", summary=FM,
       en="Spread of quality across estates", zh="小区间服务质量差异"),
    # --- firms, the market and owners' assemblies (issue 12) ------------------------------------
    _m("contract_fee", "yuan/m2/month", "contract fee of estates with a provider, weighted by floor area", "ratio",
       EITHER, "fee_area", den="managed_area", summary=FM, en="Contract fee", zh="合同物业费", kind="fee"),
    _m("firm_tenders", "count", "tenders held for an estate this month (vacancy, dismissal, contract end, review)",
       "sum", EITHER, "tenders", count=True, summary=TOTAL, en="Tenders", zh="招标选聘", kind="count"),
    _m("switches_to_self_management", "count", "estates that moved to self-management this month", "sum", EITHER,
       "switches_self", count=True, summary=TOTAL, en="Switches to self-management", zh="转为业主自管", kind="count"),
    _m("fee_changes", "count", "estates whose contract fee changed this month (owners' vote, tender, cap)", "sum",
       EITHER, "fee_changes", count=True, summary=TOTAL, en="Fee changes", zh="物业费调整", kind="count"),
    _m("fee_rise_votes", "count", "owners' votes on a fee rise this month", "sum", EITHER, "fee_votes", count=True,
       summary=TOTAL, en="Votes on fee rises", zh="调价表决", kind="count"),
    _m("owners_votes", "count", "owners' votes of any kind held this month (electing a committee, dismissal, hiring, "
       "fee)", "sum", EITHER, "owner_votes", count=True, summary=TOTAL, en="Owners' votes", zh="业主表决次数", kind="count"),
    _m("owners_votes_quorate", "count", "owners' votes held this month that reached the rule's quorum (the share "
       "reaching it: total_owners_votes_quorate / total_owners_votes)", "sum", EITHER, "owner_votes_quorate", count=True,
       summary=TOTAL, en="Owners' votes reaching quorum", zh="达到法定人数的表决", kind="count"),
    _m("committee_drives_started", "count", "drives to form an owners' committee started this month", "sum", HIGHER,
       "drives", count=True, summary=TOTAL, en="Committee drives started", zh="业委会筹建启动", kind="count"),
    _m("shirking_detected", "count", "firms caught shirking on planned effort this month (supervision_channel = "
       "detection)", "sum", EITHER, "shirking", count=True, summary=TOTAL, en="Shirking detected", zh="查出的偷工减料",
       kind="count"),
    _m("supervision_level", "0-1", "supervision level of the estate's provider (from last month's supervision hours), "
       "weighted by occupied units", "weighted", EITHER, "supervision_level", summary=FM, en="Supervision level",
       zh="监督强度"),
    _m("supervision_hours", "hours", "hours supplied this month to supervising the estate's provider (committees, "
       "meetings, inspections, ratings)", "sum", EITHER, "supervision_hours", summary=FM, en="Supervision hours",
       zh="监督工时", kind="hours"),
    _m("volunteer_hours", "hours", "residents' unpaid hours booked this month (committee members, organisers, meeting "
       "attendees)", "sum", EITHER, "volunteer_hours", summary=FM, en="Volunteer hours", zh="志愿工时", kind="hours"),
    _m("meeting_hours", "hours", "hours consumed by meetings about the estate this month", "sum", EITHER,
       "meeting_hours", en="Meeting hours", zh="会议工时", kind="hours"),
    _m("meetings_lapsed", "count", "meetings about the estate not held this month because the community workers they "
       "need lacked the hours", "sum", LOWER, "meetings_lapsed", count=True, summary=TOTAL, en="Meetings lapsed",
       zh="因人手不足未召开的会议", kind="count"),
    _m("cross_subsidy_received_yuan", "yuan", "owners' fees of other estates that paid for this estate's service "
       "this month (a common firm spending one effort level across estates; the street row is the money moved)",
       "sum", EITHER, "cross_subsidy", summary=TOTAL, en="Cross-subsidy received", zh="跨小区补贴（收到）", kind="yuan"),
    # --- households v2 (issue 11): payment stances, collection, value for money, tiers ---------
    _m("regular_payer_share", "0-1", "share of charged households that are regular payers (stance model; 0 under "
       "the monthly model)", "ratio", HIGHER, "regular", den="charged", summary=FM, en="Regular payers",
       zh="按时缴费户比例", kind="share"),
    _m("occasional_payer_share", "0-1", "share of charged households that pay occasionally (all of them under the "
       "monthly model)", "ratio", EITHER, "occasional", den="charged", en="Occasional payers", zh="间断缴费户比例",
       kind="share"),
    _m("refuser_share", "0-1", "share of charged households refusing to pay (stance model)", "ratio", LOWER,
       "refusers", den="charged", summary=FM, en="Households refusing to pay", zh="拒缴户比例", kind="share"),
    _m("nonpaying_12m_share", "0-1", "share of charged households that paid nothing in the last 12 months (12 or "
       "more consecutive unpaid months)", "ratio", LOWER, "nonpaying_12m", den="charged", summary=FM,
       en="Paid nothing in 12 months", zh="12个月未缴费户比例", kind="share"),
    *[_m(f"complaints_reaching_{t}", "count", f"complaints arriving at the {label} this month (new filings and "
         "escalations)", "sum", EITHER if t == "firm" else LOWER, f"reaching_{t}", count=True, summary=TOTAL,
         en=f"Complaints reaching the {label}", zh=zh, kind="count")
      for t, label, zh in zip(TIERS, ("provider", "owners' or residents' committee", "community",
                                      "street office", "city hotline"),
                              ("到达物业的投诉", "到达业委会或居委会的投诉", "到达社区的投诉", "到达街道的投诉",
                               "到达市民热线的投诉"), strict=True)],
    _m("hotline_complaints_per_100k_m2_year", "per 100,000 m2 a year", "complaints reaching the city hotline, "
       "annualised, per 100,000 m2 of floor area (Shanghai 2018: 22)", "ratio", LOWER, "reaching_hotline",
       den="area", scale=1.2e6, summary=FM, en="Hotline complaints per 100,000 m2", zh="每十万平方米热线投诉量",
       kind="ratio"),
    _m("arrears_reminders", "count", "arrears reminders firms sent this month", "sum", EITHER, "reminders",
       count=True, summary=TOTAL, en="Arrears reminders", zh="催缴通知", kind="count"),
    _m("legal_actions", "count", "suits for arrears firms filed this month", "sum", EITHER, "legal_actions",
       count=True, summary=TOTAL, en="Suits for arrears", zh="物业费诉讼", kind="count"),
    _m("legal_actions_per_1000_households_year", "per 1,000 households a year", "suits for arrears, annualised, "
       "per 1,000 dwellings", "ratio", LOWER, "legal_actions", den="units", scale=12000.0, summary=FM,
       en="Suits per 1,000 households a year", zh="每千户年诉讼量", kind="ratio"),
    _m("collection_cost_yuan", "yuan", "what firms spent collecting arrears (staff time, suits); part of their "
       "spending", "sum", LOWER, "collection_cost", summary=TOTAL, en="Cost of collecting arrears",
       zh="催缴成本", kind="yuan"),
    _m("hours_collection", "hours", "firm staff-hours spent collecting arrears", "sum", LOWER, "collection_hours",
       en="Hours collecting arrears", zh="催缴工时", kind="hours"),
    _m("arrears_recovered_yuan", "yuan", "back fees paid after suits (provider revenue, not this month's "
       "collection)", "sum", HIGHER, "recovered", summary=TOTAL, en="Arrears recovered", zh="追回欠费",
       kind="yuan"),
    _m("expected_quality", "0-1", "service quality households expect (value-for-money model; NaN under the "
       "absolute model), weighted by occupied units", "weighted", EITHER, "expected_quality",
       en="Expected service quality", zh="期望服务质量"),
]

#: every monthly metric by name, in column order
METRICS: dict[str, Metric] = {m.name: m for m in _CATALOGUE}
if len(METRICS) != len(_CATALOGUE):  # pragma: no cover - a declaration error
    raise ValueError("a metric is declared twice")

#: street-wide metrics summarised per replicate as ``final_<m>`` and ``mean_<m>`` (after burn-in)
SUMMARY_METRICS: tuple[str, ...] = tuple(m.name for m in _CATALOGUE if "mean" in m.summary)
#: street-wide counts and money summed over the months after burn-in (``total_<m>``)
SUMMARY_TOTALS: tuple[str, ...] = tuple(m.name for m in _CATALOGUE if "total" in m.summary)

#: the metrics reports lead with (all are summary columns)
KEY_METRICS: tuple[str, ...] = (
    "mean_collection_rate", "mean_satisfaction", "mean_complaints_per_1000_households",
    "mean_complaints_resolved_share", "mean_participation_rate", "final_owners_committee_coverage",
    "mean_worker_load", "total_public_cost_yuan", "mean_service_quality", "mean_belonging",
    "mean_service_quality_sd_across_estates",
)


def base_metric(metric: str) -> str:
    """The monthly metric behind a summary column (``mean_satisfaction`` -> ``satisfaction``)."""
    for prefix in ("final_", "mean_", "total_"):
        if metric.startswith(prefix):
            return metric[len(prefix):]
    return metric


def direction(metric: str) -> str:
    """Which way is better for a summary or monthly metric: ``"higher"``, ``"lower"`` or
    ``"ambiguous"`` (neither: reports show the change without calling it good or bad).

    Policy costs and staff hours are costs (lower is better); unknown names count as higher.
    """
    base = base_metric(metric)
    if base.startswith(("policy_cost_yuan_", "policy_hours_")):
        return LOWER
    declared = METRICS.get(base)
    return declared.direction if declared is not None else HIGHER


def higher_is_better(metric: str) -> bool:
    """Whether more is better (``direction`` is not ``lower``; ambiguous counts as higher)."""
    return direction(metric) != LOWER


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


#: the columns before the metrics in a monthly table, with their meaning
ID_COLUMNS: dict[str, str] = {
    "scenario": "scenario name", "replicate": "replicate number (its seed follows from the base seed)",
    "month": "month of the run, from 1", "estate": "estate name, or 'all' for the street-wide row",
    "estate_type": "estate type, or 'all'", "community": "community name, or 'all'",
}


def column_metadata(columns: list[str]) -> dict[str, dict[str, str]]:
    """Unit, description, street rule and direction of each known column (Parquet field metadata)."""
    out: dict[str, dict[str, str]] = {}
    for col in columns:
        m = METRICS.get(col)
        if m is not None:
            out[col] = {"unit": m.unit, "description": m.description, "street_row": m.street,
                        "direction": m.direction}
        elif col in ID_COLUMNS:
            out[col] = {"description": ID_COLUMNS[col]}
        elif col.startswith("policy_cost_yuan_"):
            out[col] = {"unit": "yuan", "description": f"public money the policy {col[17:]} used this month "
                        "(street row only; NaN on estate rows)", "street_row": "street", "direction": LOWER}
        elif col.startswith("policy_hours_"):
            out[col] = {"unit": "hours", "description": f"community-worker hours the policy {col[13:]} used this "
                        "month (street row only; NaN on estate rows)", "street_row": "street", "direction": LOWER}
    return out


def metrics_markdown() -> str:
    """``docs/metrics.md``: every monthly metric with unit, street rule, direction and meaning."""
    lines = [
        "# Outputs (generated)",
        "",
        "Every monthly metric commsim records, per estate and street-wide (estate `all`), from the",
        "declarations in `src/commsim/metrics.py`. Regenerate with",
        "`.venv/bin/python -c \"from commsim.metrics import metrics_markdown; print(metrics_markdown(), end='')\" > docs/metrics.md`",
        "(a test fails when this page is stale).",
        "",
        "Street row: `sum` over estates; `ratio` pooled over estates; `weighted` by occupied units;",
        "`estate_share` share of estates; `community` the street's total of community figures;",
        "`street` street-level only (NaN on estate rows). Summaries: `final_`/`mean_` (mean after burn-in)",
        "and `total_` (sum after burn-in) columns of `summary.csv` and comparisons.",
        "",
        "| metric | unit | street row | better | summaries | meaning |",
        "|---|---|---|---|---|---|",
    ]
    for m in _CATALOGUE:
        summaries = ", ".join(f"`{s}_`" for s in m.summary) or "-"
        lines.append(f"| `{m.name}` | {m.unit} | {m.street} | {m.direction} | {summaries} | {m.description} |")
    return "\n".join(lines) + "\n"
