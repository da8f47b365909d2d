"""The bilingual vocabulary covers every metric, summary column, parameter and shipped
scenario; numbers are formatted in one place."""

from __future__ import annotations

import pytest

from commsim.metrics import METRICS, SUMMARY_METRICS, SUMMARY_TOTALS
from commsim.params import PARAMETERS
from commsim.report import fmt, vocab
from commsim.report.vocab_params import PARAM_LABELS, param_label, param_unit
from commsim.scenario import shipped_scenarios


def _cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.mark.parametrize("column", [
    *METRICS, *(f"{p}{m}" for p in ("mean_", "final_") for m in SUMMARY_METRICS),
    *(f"total_{m}" for m in SUMMARY_TOTALS),
])
def test_every_metric_and_summary_column_has_both_labels_and_a_unit_kind(column):
    zh, en = vocab.metric_label(column, "zh"), vocab.metric_label(column, "en")
    assert _cjk(zh) and not _cjk(en)
    assert "_" not in en and vocab.metric_kind(column) in vocab.UNITS


def test_policy_columns_are_labelled_with_the_policy_title():
    assert vocab.metric_label("total_policy_cost_yuan_fee_subsidy", "zh") == "政策支出：物业费补贴（合计）"
    assert vocab.metric_label("total_policy_hours_suzhou_alliance", "en").startswith("Policy staff hours: Suzhou alliance")
    assert vocab.metric_kind("mean_public_cost_yuan") == "yuan_month"
    assert vocab.metric_kind("total_public_cost_yuan") == "yuan"


def test_every_core_parameter_has_short_labels_and_a_chinese_unit():
    missing = [p.name for p in PARAMETERS if "." not in p.name and p.name not in PARAM_LABELS]
    assert not missing
    for p in PARAMETERS:
        if "." not in p.name:
            assert _cjk(param_label(p.name, "zh")), p.name
            u = param_unit(p.name, "zh")
            assert not u or not any(c.isalpha() and c.isascii() for c in u.replace("beta", "")), (p.name, u)


def test_scenario_titles_from_shipped_files_policies_and_manifest():
    titles = vocab.ScenarioTitles({"mine": {"title_en": "My street", "title_zh": "我的街道"}})
    for path in shipped_scenarios():
        assert _cjk(titles.title(path.stem, "zh")) and not _cjk(titles.title(path.stem, "en"))
    assert titles.title("baseline", "zh") == "现状"
    # shipped scenarios' own titles win over the built-in policy names
    expected = {"suzhou_alliance": "苏州小区联盟", "liaocheng_four_in_one": "聊城四位一体小区物业管理",
                "fee_subsidy": "物业费补贴", "cangzhou_six_in_one": "沧州六位一体", "harbin_basic_service": "哈尔滨基本物业",
                "xian_staffing": "西安社区工作者配备标准", "suzhou_classified": "苏州小区分类物业管理"}
    for name, zh in expected.items():
        assert titles.title(name, "zh") == zh and titles.title(name, "en") != name
        assert len(titles.title(name, "en")) <= 45  # short enough for legends
    assert titles.title("mine", "zh") == "我的街道" and titles.title("mine", "en") == "My street"
    assert titles.title("unknown_thing", "zh") == "unknown_thing"


def test_number_formats():
    assert fmt.level("mean_collection_rate", 0.7634, "en") == "76.3%"
    assert fmt.change("mean_collection_rate", 0.0234, "en") == "+2.3 percentage points"
    assert fmt.change("mean_collection_rate", -0.0234, "zh") == "\u22122.3个百分点"
    assert fmt.change_number("mean_collection_rate", -0.0001) == "0.0"  # no "-0.0"
    assert fmt.level("mean_public_cost_yuan", 123456.7, "en") == "123,457 yuan a month"
    assert fmt.level("mean_public_cost_yuan", 123456.7, "zh") == "123,457元/月"
    assert fmt.change("mean_worker_load", 0.4631, "en") == "+0.46 hours demanded per hour available"
    assert fmt.probability(0.974) == "97%" and fmt.p_value(0.0004) == "<0.001"
    assert fmt.level("mean_collection_rate", float("nan"), "en") == "n/a"
    assert fmt.plain(100000.0) == "100,000" and fmt.plain(-0.8) == "\u22120.8"
    assert fmt.numbers_in("from 71.8% to 87.0%, +15.3 [\u221217,500, 0]") == ["71.8", "87.0", "+15.3", "\u221217,500", "0"]
