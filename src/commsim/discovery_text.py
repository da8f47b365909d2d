"""Plain sentences for scenario-discovery boxes, in English and Chinese.

"On the fee collection rate, the outcome is no better under Suzhou alliance of neighbourhoods
than under the status quo when the firm's fixed cost share (firm_fixed_cost_share) is below
0.52 and ... (true in 91% of such worlds, which hold 80% of the 40 worlds where it is so)."

No sentence makes a scenario's title or a metric's label the subject of a verb: users name
their scenarios, and a plural title ("Joint owners' committees") would not agree with it.
"""

from __future__ import annotations

import math
from typing import Any

from commsim.report.vocab import ScenarioTitles, label_in_sentence, lower_first, metric_label
from commsim.report.vocab_params import param_label, param_unit


def _num(x: float) -> str:
    return f"{x:.3g}"


#: units that read badly after a number in a sentence (shares, log-odds, indices)
_UNITLESS = ("share", "logit", "0-1", "probability", "weight", "multiplier", "quality", "exponent",
             "elasticity", "beta", "effort", "log-units", "rule", "norm")


def _unit(name: str, lang: str) -> str:
    u = param_unit(name, lang)
    if not u or param_unit(name, "en").startswith(_UNITLESS):
        return ""
    return f" {u}" if lang == "en" else u


def condition(name: str, low: float, high: float, values: tuple[Any, ...], lang: str, titles=None) -> str:
    """One restriction in words: below / above / between / one of."""
    label = param_label(name, lang, titles)
    u = _unit(name, lang)
    if lang == "zh":
        who = f"{label}（{name}）"
        if values:
            return f"{who}为{'、'.join(map(str, values))}" + ("" if len(values) == 1 else "之一")
        if math.isnan(low):
            return f"{who}低于{_num(high)}{u}"
        if math.isnan(high):
            return f"{who}高于{_num(low)}{u}"
        return f"{who}介于{_num(low)}与{_num(high)}{u}之间"
    who = f"{lower_first(label, 'en')} ({name})"
    if values:
        return f"{who} is {values[0]}" if len(values) == 1 else f"{who} is one of {', '.join(map(str, values))}"
    if math.isnan(low):
        return f"{who} is below {_num(high)}{u}"
    if math.isnan(high):
        return f"{who} is above {_num(low)}{u}"
    return f"{who} is between {_num(low)} and {_num(high)}{u}"


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _lead(scenario: str, outcome: str, comparator: str, baseline: str, lang: str, titles) -> str:
    t = titles or ScenarioTitles()
    s, c = t.title(scenario, lang), t.title(comparator, lang)
    m = metric_label(outcome, lang)
    m_in = label_in_sentence(outcome, "en")
    if lang == "zh":
        if comparator == baseline:
            return f"{s}在{m}上不优于{c}"
        return f"{s}在{m}上失去对{c}的领先"
    # never a title or a metric's label as the subject of a verb: either may be plural
    # ("Joint owners' committees", "complaints")
    if comparator == baseline:
        return f"on {m_in}, the outcome is no better under {s} than under the {lower_first(c, 'en')}"
    return f"the lead of {s} over {c} on {m_in} is lost"


def box_sentence(scenario: str, outcome: str, comparator: str, baseline: str, box, n_cases: int,
                 titles=None) -> tuple[str, str]:
    """(English, Chinese) sentence for one box (``discovery.Box``)."""
    out = []
    for lang in ("en", "zh"):
        conds = [condition(n, lo, hi, v, lang, titles) for n, lo, hi, v in box.limits]
        lead = _lead(scenario, outcome, comparator, baseline, lang, titles)
        d, cov = f"{100 * box.density:.0f}%", f"{100 * box.coverage:.0f}%"
        if lang == "zh":
            out.append(f"当{'，且'.join(conds)}时，{lead}（此类情形中{d}不优于对照，占全部{n_cases}次的{cov}）。")
        else:
            out.append(_first_upper(f"{lead} when {' and '.join(conds)} (true in {d} of such worlds, "
                                    f"which hold {cov} of the {n_cases} worlds where it is so)."))
    return out[0], out[1]


def trivial_sentence(scenario: str, outcome: str, comparator: str, baseline: str, n_cases: int, n: int,
                     min_cases: int, titles=None) -> tuple[str, str]:
    """(English, Chinese) sentence when no box was sought (fails always, never, or too rarely)."""
    en_lead = _lead(scenario, outcome, comparator, baseline, "en", titles)
    zh_lead = _lead(scenario, outcome, comparator, baseline, "zh", titles)
    if n_cases == n:
        return (_first_upper(f"{en_lead} in any of the {n} worlds, whatever the assumptions."),
                f"在全部{n}种情形中，{zh_lead}，与假设无关。")
    if n_cases == 0:
        t = titles or ScenarioTitles()
        sc, co = t.title(scenario, "en"), t.title(comparator, "en")
        s_zh, c_zh, m_zh = t.title(scenario, "zh"), t.title(comparator, "zh"), metric_label(outcome, "zh")
        m = label_in_sentence(outcome, "en")
        en = (f"On {m}, the outcome is better under {sc} than under the {lower_first(co, 'en')} in all {n} worlds."
              if comparator == baseline else f"The lead of {sc} over {co} on {m} holds in all {n} worlds.")
        zh = (f"在全部{n}种情形中，{s_zh}在{m_zh}上都优于{c_zh}。" if comparator == baseline
              else f"在全部{n}种情形中，{s_zh}在{m_zh}上都保持对{c_zh}的领先。")  # not a double negative
        return en, zh
    return (_first_upper(f"{en_lead} in only {n_cases} of {n} worlds: too few (under {min_cases}) to say under "
                         "which conditions."),
            f"仅在{n}种情形中的{n_cases}种{zh_lead}：次数太少（少于{min_cases}），无法判断条件。")


def no_box_sentence(scenario: str, outcome: str, comparator: str, baseline: str, n_cases: int, n: int,
                    titles=None) -> tuple[str, str]:
    """(English, Chinese) sentence when PRIM found no supported box around the failures."""
    en_lead = _lead(scenario, outcome, comparator, baseline, "en", titles)
    zh_lead = _lead(scenario, outcome, comparator, baseline, "zh", titles)
    return (_first_upper(f"{en_lead} in {n_cases} of {n} worlds, under no simple condition on the sampled "
                         "assumptions (none that the data support separates those worlds from the rest)."),
            f"在{n}种情形中有{n_cases}种{zh_lead}，但找不到由抽样假设构成、有数据支持的简单条件来区分这些情形。")
