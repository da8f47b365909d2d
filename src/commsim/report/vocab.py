"""One bilingual vocabulary (``zh``, ``en``) for every label a figure or a brief shows.

Metric labels and units, estate types, scenario and policy titles. Scenario titles come, in
order, from the comparison's manifest (``title_zh``/``title_en`` of a scenario entry), from
the scenario file the manifest names, from the shipped scenarios' TOML files, from the names
of the shipped policies below, and last from the scenario's own name. Policy names follow the
source documents (seeds/000-004, see POLICY_FACTS.md).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any, Literal

Lang = Literal["zh", "en"]
LANGS: tuple[str, ...] = ("zh", "en")

#: metric -> (en label, zh label, kind); ``kind`` sets units and number format (see ``UNITS``)
METRIC_LABELS: dict[str, tuple[str, str, str]] = {
    "households": ("Dwellings", "住户数", "count"),
    "occupied_households": ("Occupied dwellings", "入住户数", "count"),
    "collection_rate": ("Fee collection rate", "物业费收缴率", "share"),
    "paying_share": ("Households paying", "缴费户比例", "share"),
    "fees_billed_yuan": ("Fees billed", "应收物业费", "yuan"),
    "payments_yuan": ("Fees paid by households", "业主缴费", "yuan"),
    "subsidies_yuan": ("Fee subsidies", "物业费补贴", "yuan"),
    "firm_revenue_yuan": ("Providers' revenue", "物业服务收入", "yuan"),
    "firm_profit_yuan": ("Providers' profit", "物业服务利润", "yuan"),
    "arrears_months_mean": ("Months in arrears", "平均连续欠费月数", "months"),
    "service_quality": ("Service quality", "物业服务质量", "index"),
    "service_effort": ("Providers' effort", "物业服务投入", "index"),
    "satisfaction": ("Satisfaction", "居民满意度", "score"),
    "trust": ("Trust in the provider", "对物业的信任", "index"),
    "belonging": ("Belonging", "社区归属感", "index"),
    "failures_per_1000_households": ("Service failures", "服务故障", "per1000"),
    "complaints_filed": ("Complaints filed", "投诉件数", "count"),
    "complaints_resolved": ("Complaints resolved", "已解决投诉", "count"),
    "complaints_abandoned": ("Complaints given up", "放弃的投诉", "count"),
    "complaints_open": ("Complaints open", "未办结投诉", "count"),
    "complaints_per_1000_households": ("Complaints", "投诉量", "per1000"),
    "complaints_resolved_share": ("Complaints resolved", "投诉解决率", "share"),
    "mean_complaint_wait_months": ("Wait to close a complaint", "投诉办结时间", "months"),
    "complaints_escalated_beyond_estate_share": ("Complaints taken beyond the estate", "越出小区的投诉比例", "share"),
    "participation_rate": ("Participation", "居民参与率", "share"),
    "participation_rate_young": ("Participation, young", "青年居民参与率", "share"),
    "participation_rate_middle": ("Participation, middle-aged", "中年居民参与率", "share"),
    "participation_rate_retired": ("Participation, retired", "退休居民参与率", "share"),
    "owners_committee_coverage": ("Estates with an owners' committee", "业委会覆盖率", "share"),
    "managed_by_firm_share": ("Estates served by a firm", "物业企业服务的小区比例", "share"),
    "self_managed_share": ("Self-managed estates", "业主自管小区比例", "share"),
    "managed_by_other_share": ("Estates served by a station or other provider", "由服务站等其他主体服务的小区比例", "share"),
    "unmanaged_share": ("Estates without management", "无人管理小区比例", "share"),
    "firm_exits": ("Firm exits", "物业企业退出", "count"),
    "firm_dismissals": ("Firm dismissals", "物业企业被解聘", "count"),
    "firm_entries": ("Firms hired", "新聘物业企业", "count"),
    "dismissal_votes": ("Dismissal votes", "解聘表决", "count"),
    "community_workers": ("Community workers", "社区工作者人数", "count"),
    "worker_hours_available": ("Worker hours available", "社区工作者可用工时", "hours"),
    "worker_hours_demanded": ("Worker hours demanded", "社区工作者需求工时", "hours"),
    "worker_load": ("Community-worker load", "社区工作者负荷", "ratio"),
    "hours_firm": ("Complaint hours, firms", "物业处理投诉工时", "hours"),
    "hours_owners_committee": ("Complaint hours, owners' committees", "业委会处理投诉工时", "hours"),
    "hours_community_workers": ("Complaint hours, community workers", "社区工作者处理投诉工时", "hours"),
    "hours_street": ("Complaint hours, street office", "街道处理投诉工时", "hours"),
    "hours_hotline": ("Complaint hours, city hotline", "热线处理投诉工时", "hours"),
    "public_cost_yuan": ("Public cost", "公共支出", "yuan"),
    "cross_estate_tie_share": ("Neighbour ties across estates", "跨小区邻里联系比例", "share"),
    "service_quality_sd_across_estates": ("Spread of quality across estates", "小区间服务质量差异", "index"),
}

#: kind -> (en unit, zh unit, en unit of a change, zh unit of a change); "" = no unit shown
UNITS: dict[str, tuple[str, str, str, str]] = {
    "share": ("%", "%", "percentage points", "个百分点"),
    "score": ("points of 100", "分（满分100）", "points", "分"),
    "index": ("0-1", "0-1", "", ""),
    "per1000": ("per thousand households a month", "件/千户/月", "per thousand households a month", "件/千户/月"),
    "yuan": ("yuan", "元", "yuan", "元"),
    "yuan_month": ("yuan a month", "元/月", "yuan a month", "元/月"),
    "count": ("", "", "", ""),
    "hours": ("hours", "小时", "hours", "小时"),
    "months": ("months", "个月", "months", "个月"),
    "ratio": ("hours demanded per hour available", "需求工时/可用工时", "hours demanded per hour available", "需求工时/可用工时"),
}

#: summary-column prefixes (commsim.runner.summarize) -> (en, zh) qualifier of the label
PREFIXES: dict[str, tuple[str, str]] = {
    "mean_": ("", ""),
    "final_": ("at the end", "期末"),
    "total_": ("total", "合计"),
}

ESTATE_TYPES: dict[str, tuple[str, str]] = {
    "commercial": ("Commercial", "商品房小区"),
    "old": ("Old", "老旧小区"),
    "resettlement": ("Resettlement", "安置小区"),
    "work_unit": ("Work-unit", "单位小区"),
    "all": ("Whole street", "全街道"),
}

#: shipped policies and headline scenarios -> (en, zh); seeds/000-004, POLICY_FACTS.md
POLICY_TITLES: dict[str, tuple[str, str]] = {
    "baseline": ("Status quo", "现状"),
    "suzhou_alliance": ("Alliance of neighbourhoods (Suzhou)", "小区联盟"),
    "liaocheng_four_in_one": ("Four-in-one estate management (Liaocheng)", "四位一体"),
    "fee_subsidy": ("Fee subsidy for low-income households", "物业费补贴"),
    "cangzhou_six_in_one": ("Six-in-one and complaint ladder (Cangzhou)", "六位一体"),
    "harbin_basic_service": ("Basic property service (Harbin)", "基本物业"),
    "xian_staffing": ("Xi'an community-worker staffing standard", "西安社区工作者配备标准"),
    "suzhou_classified": ("Classified property management (Suzhou)", "分类管理"),
    "alliance_plus_subsidy": ("Alliance of neighbourhoods plus fee subsidy", "小区联盟+物业费补贴"),
}

PARAM_GROUPS: dict[str, tuple[str, str]] = {
    "population": ("population", "人口"),
    "service": ("service", "物业服务"),
    "complaints": ("complaints", "投诉"),
    "payment": ("payment", "缴费"),
    "participation": ("participation", "参与"),
    "governance": ("governance", "治理"),
    "staffing": ("staffing", "社区工作者配备"),
    "policy": ("policy", "政策"),
}


def _pick(pair: tuple[str, str], lang: Lang) -> str:
    return pair[1] if lang == "zh" else pair[0]


def split_metric(column: str) -> tuple[str, str]:
    """A summary column -> (prefix, base metric); a monthly metric has prefix ""."""
    for prefix in PREFIXES:
        if column.startswith(prefix) and column[len(prefix):] in METRIC_LABELS:
            return prefix, column[len(prefix):]
    for prefix in PREFIXES:
        if column.startswith(prefix + "policy_"):
            return prefix, column[len(prefix):]
    return "", column


def metric_kind(column: str) -> str:
    """Number kind of a monthly metric or summary column (a key of ``UNITS``)."""
    prefix, base = split_metric(column)
    if base.startswith("policy_cost_yuan_"):
        kind = "yuan"
    elif base.startswith("policy_hours_"):
        kind = "hours"
    else:
        kind = METRIC_LABELS.get(base, ("", "", "count"))[2]
    if kind == "yuan" and prefix != "total_":  # a month's money, or its mean over months
        return "yuan_month"
    return kind


def metric_label(column: str, lang: Lang, titles: ScenarioTitles | None = None) -> str:
    """Short label of a metric or summary column, e.g. ``mean_collection_rate`` -> 物业费收缴率."""
    prefix, base = split_metric(column)
    if base in METRIC_LABELS:
        en, zh, _ = METRIC_LABELS[base]
        label = zh if lang == "zh" else en
    elif base.startswith(("policy_cost_yuan_", "policy_hours_")):
        hours = base.startswith("policy_hours_")
        policy = base.removeprefix("policy_hours_" if hours else "policy_cost_yuan_")
        title = (titles or ScenarioTitles()).title(policy, lang)
        what = ("政策工时", "Policy staff hours") if hours else ("政策支出", "Policy spending")
        label = f"{what[0]}：{title}" if lang == "zh" else f"{what[1]}: {title}"
    else:
        label = base.replace("_", " ")
    qual = _pick(PREFIXES.get(prefix, ("", "")), lang)
    if qual:
        label = f"{label}（{qual}）" if lang == "zh" else f"{label} ({qual})"
    return label


def unit(column: str, lang: Lang, change: bool = False) -> str:
    """Unit of a metric's level (or of a change in it, ``change=True``)."""
    en, zh, den, dzh = UNITS[metric_kind(column)]
    if change:
        return dzh if lang == "zh" else den
    return zh if lang == "zh" else en


def lower_first(text: str, lang: Lang) -> str:
    """A label inside an English sentence: first letter in lower case (not for "Xi'an ...")."""
    if lang == "zh" or not text or (len(text) > 1 and text[1].isupper()) or text.startswith("Xi'an"):
        return text
    return text[0].lower() + text[1:]


def axis_label(column: str, lang: Lang, change: bool = False, unit_text: str | None = None) -> str:
    """Axis label: the metric label with its unit (or ``unit_text``) in brackets."""
    label = metric_label(column, lang)
    if change:
        label = f"{label}变化" if lang == "zh" else f"Change in {lower_first(label, lang)}"
    u = unit(column, lang, change) if unit_text is None else unit_text
    if not u:
        return label
    return f"{label}（{u}）" if lang == "zh" else f"{label} ({u})"


def estate_type_label(kind: str, lang: Lang) -> str:
    return _pick(ESTATE_TYPES.get(kind, (kind, kind)), lang)


def group_label(group: str, lang: Lang) -> str:
    if group.startswith("policy:"):
        return _pick(PARAM_GROUPS["policy"], lang) + " " + group.split(":", 1)[1]
    return _pick(PARAM_GROUPS.get(group, (group, group)), lang)


@cache
def _shipped_titles() -> dict[str, tuple[str, str]]:
    """Titles of the shipped scenarios, read from their TOML files (``[scenario]`` only)."""
    from commsim.scenario import shipped_scenarios

    out: dict[str, tuple[str, str]] = {}
    for path in shipped_scenarios():
        meta = _read_meta(path)
        if meta:
            out[str(meta.get("name", path.stem))] = (str(meta.get("title_en", "")), str(meta.get("title_zh", "")))
    return out


def _read_meta(path: Path) -> dict[str, Any]:
    try:
        return dict(tomllib.loads(path.read_text(encoding="utf-8")).get("scenario", {}))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}


class ScenarioTitles:
    """Scenario names -> titles in each language (see the module docstring for the order)."""

    def __init__(self, entries: Mapping[str, Mapping[str, Any]] | None = None):
        self.known: dict[str, tuple[str, str]] = {}
        for name, entry in (entries or {}).items():
            en, zh = str(entry.get("title_en") or ""), str(entry.get("title_zh") or "")
            source = entry.get("source")
            if (not en or not zh) and source and Path(str(source)).is_file():
                meta = _read_meta(Path(str(source)))
                en = en or str(meta.get("title_en") or "")
                zh = zh or str(meta.get("title_zh") or "")
            if en or zh:
                self.known[name] = (en, zh)

    def title(self, name: str, lang: Lang) -> str:
        for table in (self.known, _shipped_titles(), POLICY_TITLES):
            if name in table:
                en, zh = table[name]
                text = zh if lang == "zh" else en
                if text:
                    return text
        return name
