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

from commsim.metrics import METRICS

Lang = Literal["zh", "en"]


def phrase(table: Mapping[str, tuple[str, str]], key: str, lang: Lang, **kw: object) -> str:
    """The phrase ``key`` of ``table`` (English, Chinese) in ``lang``, its ``{field}`` slots
    filled from ``kw``.

    Raises:
        KeyError: ``key`` is not in ``table``, or the phrase has a slot ``kw`` does not fill.
    """
    en, zh = table[key]
    return (zh if lang == "zh" else en).format(**kw)
LANGS: tuple[str, ...] = ("zh", "en")

#: metric -> (en label, zh label, kind); ``kind`` sets units and number format (see ``UNITS``);
#: declared with each metric in ``commsim.metrics``
METRIC_LABELS: dict[str, tuple[str, str, str]] = {
    m.name: (m.label_en, m.label_zh, m.kind) for m in METRICS.values()
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
    "fee": ("yuan per m² a month", "元/平方米/月", "yuan per m² a month", "元/平方米/月"),
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

#: what the brief must say about a shipped policy's standing beside its results ({s}: its title);
#: seeds/004: the bureau's reply answers proposal no. 007 point by point but never adopts the alliance
_ALLIANCE_NOTE = ("{s}: the alliance of neighbourhoods is a proposal (Suzhou CPPCC proposal no. 007, 2012); "
                  "the civil-affairs bureau's reply did not adopt it, so no city has put it in force (seeds/004).",
                  "{s}：小区联盟是一项提案（苏州市政协2012年第007号提案），市民政局的答复并未采纳，"
                  "尚无城市实施（seeds/004）。")
POLICY_NOTES: dict[str, tuple[str, str]] = {
    "suzhou_alliance": _ALLIANCE_NOTE,
    "alliance_plus_subsidy": _ALLIANCE_NOTE,
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
    """Label of estate type ``kind`` in ``lang`` (the name itself if unknown)."""
    return _pick(ESTATE_TYPES.get(kind, (kind, kind)), lang)


def group_label(group: str, lang: Lang) -> str:
    """Label of a parameter group in ``lang``; ``policy:<name>`` is the policy group's label
    followed by the policy name. An unknown group is shown by its name.
    """
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
        """Title of scenario ``name`` in ``lang``: from the entries given, the shipped
        scenarios or the shipped policies, in that order; else ``name`` itself.
        """
        for table in (self.known, _shipped_titles(), POLICY_TITLES):
            if name in table:
                en, zh = table[name]
                text = zh if lang == "zh" else en
                if text:
                    return text
        return name


#: metrics named without "the" in English sentences
NO_ARTICLE = ("complaints", "participation", "public_cost", "satisfaction", "trust", "belonging", "firm_", "policy_")


def label_in_sentence(metric: str, lang: Lang) -> str:
    """A metric's label inside a sentence: "the fee collection rate", "complaints"."""
    text = lower_first(metric_label(metric, lang), lang)
    if lang == "zh" or split_metric(metric)[1].startswith(NO_ARTICLE):
        return text
    return "the " + text
