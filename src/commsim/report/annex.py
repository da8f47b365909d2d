"""The annex to the one-page brief: full results, method and caveats (annex_<lang>.md/.html).

Sections: the question, the answer in three sentences, across plausible worlds (from
``robustness.csv`` and ``discovery.csv`` when present), how sure it is (:mod:`brief_sure`), the
key table, every key outcome in full, figures, the assumptions that matter most (from
``sensitivity.csv`` when present), costs, how to read the numbers, and the method with version
and seeds. Text comes from :mod:`commsim.report.brief_text`; every number from
:mod:`commsim.report.fmt`.
"""

from __future__ import annotations

import math
from pathlib import Path

from commsim.metrics import KEY_METRICS as ALL_KEY_METRICS
from commsim.metrics import direction
from commsim.params import PARAMETERS
from commsim.report import brief_robust, fmt
from commsim.report.brief_sure import evaluated_months, reliability
from commsim.report.brief_text import Answer, join, label_in_sentence, sentence_end
from commsim.report.plots import fixed
from commsim.report.render import Block
from commsim.report.results import Results
from commsim.report.vocab import POLICY_NOTES, Lang, lower_first, metric_label, phrase
from commsim.report.vocab_params import param_label, param_unit

#: section keys, in order (the headings come from ``H``)
SECTIONS = ("question", "answer", "robustness", "reliability", "table", "outcomes", "figures", "assumptions",
            "costs", "reading", "method")
H: dict[str, tuple[str, str]] = {
    "title": ("Annex to the policy brief: full results, method and caveats ({base} and the policies compared)",
              "政策简报附件：完整结果、方法与说明（{base}与所比较的政策）"),
    "back": ("The one-page brief is [brief_{code}.html](brief_{code}.html).", "一页简报见 [brief_{code}.html](brief_{code}.html)。"),
    "question": ("The question", "问题"),
    "answer": ("The answer", "结论"),
    "robustness": ("Across plausible worlds", "在各种可能情形下"),
    "robust_none": ("This folder has no robustness analysis (robustness.csv): the results describe one world, the "
                    "model's default assumptions; what their intervals cover is said under \"How sure is this\".",
                    "本文件夹中没有稳健性分析（robustness.csv）：结果只对应一种情形，即模型的默认假设；"
                    "置信区间反映什么，见“结果的可靠性”一节。"),
    "robust_intro": ("Each option against {base} in {m}, across the worlds of the robustness analysis "
                     "(robustness.csv):", "各方案与{base}相比在{m}上的表现，基于稳健性分析（robustness.csv）的各种情形："),
    "boxes_intro": ("Where each option fails to beat {base} in {m} (scenario discovery, discovery.csv; coverage: "
                    "share of the failing worlds inside the region; density: share of the worlds in the region "
                    "that fail):", "各方案在{m}上未能优于{base}的假设范围（情景发现分析，discovery.csv；覆盖率："
                    "未能胜出的情形落在该范围内的比例；密度：该范围内未能胜出的情形所占比例）："),
    "fig_ranking": ("How often each option is the best of all, outcome by outcome, across the worlds.",
                    "各方案在各指标上成为最优方案的情形比例。"),
    "worlds_method": (" Across plausible worlds: {n} worlds; each drew {parts} (Latin hypercube over the "
                      "documented ranges), and every option ran in every world with the same seed; the largest "
                      "standard error of a share of worlds is {se} percentage points ({target}).",
                      "各种可能情形：共{n}种情形，每种情形抽取{parts}（在文档所列范围内按拉丁超立方抽样），各方案在每种情形中以相同随机种子运行；"
                      "情形比例的最大标准误为{se}个百分点（{target}）。"),
    "boxes_none": ("discovery.csv names no region where an option fails to beat {base} in {m}.",
                   "discovery.csv 未给出任何方案在{m}上未能优于{base}的假设范围。"),
    "outcomes": ("Every key outcome", "全部关键指标"),
    "outcome_note": ("Level: the mean over replicates [95% CI]. Change: against {base}, paired [95% CI]. Better in: "
                     "the share of paired runs in which the option beats {base}. p: paired test, Holm-adjusted "
                     "within the outcome.", "水平：各次重复运行的均值［95%置信区间］。变化：与{base}配对相比［95%置信区间］。"
                     "优于比例：配对运行中该方案优于{base}的比例。p：配对检验，按指标内比较次数做Holm校正。"),
    "reading": ("How to read the numbers", "如何阅读这些数字"),
    "reliability": ("How sure is this", "结果的可靠性"),
    "table": ("Key results", "主要结果"),
    "figures": ("Figures", "图表"),
    "assumptions": ("Assumptions that matter most", "最关键的假设"),
    "costs": ("Costs", "成本"),
    "method": ("Method", "方法"),
    "table_note": (
        "First row: {base}, levels (means over replicates). Other rows: change against {base}, with its "
        "confidence interval in brackets; bold where the interval excludes zero and the change does not round "
        "to zero. Shares are in per cent, "
        "their changes in percentage points.",
        "第一行为{base}的水平（各次重复运行的均值）；其余各行为与{base}相比的变化，方括号内为置信区间；"
        "置信区间不含零且变化四舍五入后不为零时以粗体标出。比例以百分比表示，其变化以百分点表示。",
    ),
    "reading_fixed": ("A change marked (fixed) is the same in every paired run: it is set by the policy's rules "
                      "(a budget, a staffing norm), not by chance, so it has no interval.",
                      "标有（固定）的变化在各次配对运行中均相同：它由政策规则（预算、配备标准）决定，而非随机产生，因此没有置信区间。"),
    "reading_either": ("Complaints filed have no better direction: a household files no new complaint while one is "
                       "open, so more complaints filed can mean less suppressed demand rather than worse service; "
                       "their change is shown without calling it good or bad.",
                       "投诉量没有优劣方向：住户在已有投诉未办结时不会再提出新投诉，因此投诉增多也可能意味着被压抑的诉求减少，"
                       "而非服务变差；其变化只如实列出，不评价好坏。"),
    "fig_forest": ("Changes against {base} in the key outcomes, with confidence intervals.",
                   "与{base}相比主要指标的变化及置信区间。"),
    "fig_timeseries": ("{metric} month by month: median and spread over replicates.",
                       "{metric}的逐月变化：各次重复运行的中位数与分布范围。"),
    "fig_cost": ("Public cost against the change in {metric}; dots are single paired replicates.",
                 "公共支出与{metric}变化的关系；每个点为一次配对重复运行。"),
    "sa_intro": ("A sensitivity analysis ({method}) ranks the parameters by their effect on {metric}:",
                 "敏感性分析（{method}）按对{metric}的影响大小排列参数如下："),
    "sa_intro_diff": ("A sensitivity analysis ({method}) of the difference between {scenario} and {baseline} ranks "
                      "the parameters by their effect on that difference in {metric}:",
                      "针对{scenario}与{baseline}之差的敏感性分析（{method}）按对{metric}之差的影响大小排列参数如下："),
    "sa_item_morris": ("{label} (`{name}`, {source}): mu* = {value}", "{label}（`{name}`，{source}）：mu* = {value}"),
    "sa_item_sobol": ("{label} (`{name}`, {source}): ST = {value}", "{label}（`{name}`，{source}）：ST = {value}"),
    "sa_range": ("; range tested: {lo}–{hi}", "；测试范围：{lo}–{hi}"),
    "sa_explain_morris": ("mu* is the typical size of the change in {metric} when that one parameter moves across "
                          "its tested range (the mean absolute Morris elementary effect).",
                          "mu*表示单独改变该参数、使其在测试范围内变动时，{metric}通常变化多少（Morris基本效应绝对值的均值）。"),
    "sa_explain_sobol": ("ST is the share of the variation in {metric} across the tested ranges that is due to that "
                         "parameter, alone or together with others (total Sobol index, 0–1).",
                         "ST表示在测试范围内{metric}的波动中，由该参数（单独或与其他参数共同）造成的比例（Sobol总效应指数，0–1）。"),
    "assumption": ("an assumption", "假设"),
    "sourced": ("from a source", "有出处"),
    "sa_none": (
        "This folder has no sensitivity analysis, so this brief cannot rank the assumptions. Behavioural "
        "parameters (how satisfaction, trust, neighbours and the fee burden drive payment; how readily "
        "residents take part) are assumptions with ranges, listed by `commsim params`; test them with a "
        "sensitivity analysis before relying on the size of an effect.",
        "本文件夹中没有敏感性分析，因此无法对假设排序。行为参数（满意度、信任、邻里和缴费负担如何影响缴费，"
        "居民参与的难易程度）均为带取值范围的假设，可用 `commsim params` 查看；在依赖效应大小之前，"
        "应先做敏感性分析。",
    ),
    "cost_item": ("{s}: {metric} {level} (change {d}; {ci})", "{s}：{metric}{level}（变化{d}；{ci}）"),
    "cost_item_same": ("{s}: {metric} {level} (no change)", "{s}：{metric}{level}（不变）"),
    "policy_cost_item": ("{s}: policy spending {level} in total{period}", "{s}：政策支出合计{level}{period}"),
    "policy_cost_item_of": ("{s}: spending on {policy} {level} in total{period}", "{s}：{policy}支出合计{level}{period}"),
    "period": (" over the {n} {unit} after burn-in", "（预热期后{n}个月）"),
    "cost_none": ("comparison.csv has no public-cost metric.", "comparison.csv 中没有公共支出指标。"),
    "method_text": (
        "Each scenario was simulated {reps} times with commsim {version}{months}. Replicate r of every "
        "scenario used the same random seed (common random numbers; base seed {seed}, replicate seeds "
        "derived with numpy's SeedSequence and listed in manifest.json), so each difference is paired: "
        "scenario minus {base} on the same seed, method {diff_method}, with 95% confidence intervals and "
        "p-values adjusted for the number of comparisons. Outcomes are street-wide monthly values "
        "averaged over the months after burn-in. Scenario files: {files}.",
        "每个情景用 commsim {version} 模拟{reps}次{months}。各情景的第r次重复运行使用相同的随机种子"
        "（共同随机数；基准种子{seed}，各次种子由 numpy 的 SeedSequence 生成并记录在 manifest.json 中），"
        "因此每个差异都是配对的：同一种子下情景减去{base}，方法为{diff_method}，给出95%置信区间，"
        "p值按比较次数校正。结果指标为预热期之后各月全街道数值的平均。情景文件：{files}。",
    ),
    "months": (" over {months} months, the first {burn} discarded as burn-in", "，每次{months}个月，前{burn}个月为预热期不计入"),
    "posterior": (" Parameter uncertainty from calibration: replicate r of every scenario used accepted "
                  "parameter set r mod {k} of a calibration (--posterior), so the intervals also carry "
                  "what the calibration left uncertain.",
                  "参数不确定性来自校准：各情景的第r次重复运行使用校准所接受的第(r mod {k})组参数（--posterior），"
                  "因此置信区间也包含了校准未能确定的部分。"),
}


def h(key: str, lang: Lang, **kw: str) -> str:
    """The annex phrase ``key`` in ``lang``, its ``{field}`` slots filled from ``kw``.

    Raises:
        KeyError: ``key`` is not in ``H``, or the phrase has a slot ``kw`` does not fill.
    """
    return phrase(H, key, lang, **kw)


def _assumptions(res: Results, ans: Answer, lang: Lang, top: int = 3) -> list[Block]:
    sa = res.sensitivity
    if sa is None:
        return [Block("p", h("sa_none", lang))]
    outputs = list(dict.fromkeys(sa["output"]))
    output = ans.primary if ans.primary in outputs else outputs[0]
    part = sa[sa["output"] == output]
    method = str(part["method"].iloc[0])
    key = "mu_star" if method == "morris" else "ST"
    part = part[part["method"] == method].sort_values(key, ascending=False).head(top)
    items = []
    for _, r in part.iterrows():
        name = str(r["parameter"])
        param = PARAMETERS.params.get(name)
        sourced = param is not None and not param.source.lower().startswith("assumption")
        value = fmt.effect(output, r[key], lang) if method == "morris" else fmt.sobol_index(r[key])
        text = h(f"sa_item_{method}", lang, label=param_label(name, lang, res.titles), name=name,
                 source=h("sourced" if sourced else "assumption", lang), value=value)
        if param is not None and param.range is not None:
            text += h("sa_range", lang, lo=fmt.plain(param.range[0]), hi=fmt.plain(param.range[1]))
            u = param_unit(name, lang)
            if u:
                text += f"（{u}）" if lang == "zh" else f" ({u})"
        items.append(text)
    info = res.sensitivity_info
    method_name = "Morris" if method == "morris" else "Sobol"
    if info.get("against") and info.get("scenario"):
        intro = h("sa_intro_diff", lang, method=method_name, metric=label_in_sentence(output, lang),
                  scenario=res.titles.title(info["scenario"], lang), baseline=res.titles.title(info["against"], lang))
    else:
        intro = h("sa_intro", lang, method=method_name, metric=label_in_sentence(output, lang))
    explain = h(f"sa_explain_{method}", lang, metric=_analysed(res, output, lang))
    return [Block("p", intro), Block("ul", items=items), Block("p", explain, small=True)]


def _analysed(res: Results, output: str, lang: Lang) -> str:
    """The quantity a sensitivity run analysed: the output, or its difference between two scenarios."""
    info = res.sensitivity_info
    label = label_in_sentence(output, lang)
    if info.get("against") and info.get("scenario"):
        a, b = res.titles.title(info["scenario"], lang), res.titles.title(info["against"], lang)
        return f"{a}与{b}之间{label}的差" if lang == "zh" else f"the difference in {label} between {a} and {b}"
    return label


def _costs(res: Results, ans: Answer, lang: Lang) -> list[Block]:
    metrics = res.metrics()
    cost = next((m for m in ("mean_public_cost_yuan", "total_public_cost_yuan") if m in metrics), None)
    if cost is None:
        return [Block("p", h("cost_none", lang))]
    items = []
    for s in ans.others:
        r = ans.row(cost, s)
        if r is None:
            continue
        same = r["diff"] == 0 and r["diff_ci_low"] == 0 and r["diff_ci_high"] == 0
        items.append(h("cost_item_same" if same else "cost_item", lang, s=ans.t(s),
                       metric=lower_first(metric_label(cost, lang), lang), level=fmt.level(cost, r["mean"], lang),
                       d=fmt.change(cost, r["diff"], lang), ci=ans.ci(r)))
        spent = [(m, pr) for m in metrics if m.startswith("total_policy_cost_yuan_")
                 for pr in [ans.row(m, s)] if pr is not None and math.isfinite(pr["mean"]) and pr["mean"] != 0]
        for m, pr in spent:  # name the policy only when the scenario combines several
            policy = res.titles.title(m.removeprefix("total_policy_cost_yuan_"), lang)
            key = "policy_cost_item_of" if len(spent) > 1 else "policy_cost_item"
            items.append(h(key, lang, s=ans.t(s), policy=policy, level=fmt.level(m, pr["mean"], lang),
                           period=_period(res, lang)))
    return [Block("ul", items=items)]


def _period(res: Results, lang: Lang) -> str:
    n = evaluated_months(res)
    return "" if n is None else h("period", lang, n=str(n), unit="month" if n == 1 else "months")


#: comparison.csv's diff_method codes in words
METHOD_WORDS = {"paired_t": ("paired t-test", "配对t检验"), "bootstrap": ("BCa bootstrap", "BCa自助法")}


def _method(res: Results, ans: Answer, lang: Lang) -> str:
    months = ""
    found = [e for e in res.entries.values() if isinstance(e.get("months"), int)]
    if found:
        months = h("months", lang, months=str(found[0]["months"]), burn=str(res.burn_in_months))
    files = join([f"{name} (`{str(e.get('sha256', ''))[:12]}`)" if e.get("sha256") else name
                  for name, e in res.entries.items()] or res.scenarios, lang)
    methods = res.comparison["diff_method"].dropna().astype(str).unique()
    text = h("method_text", lang, reps=str(res.replicates or "?"), version=res.version, months=months,
             seed=str(res.base_seed if res.base_seed is not None else "?"), base=ans.t(ans.base),
             diff_method=join([METHOD_WORDS.get(m, (m, m))[1 if lang == "zh" else 0] for m in methods], lang) or "?", files=files)
    sets = res.manifest.get("posterior_sets")
    if isinstance(sets, int) and sets > 0:
        text += h("posterior", lang, k=str(sets))
    return text + _worlds_method(res, lang)


WORLD_PARTS = {"calibrated": ("a calibrated parameter set of {k}", "从{k}组校准参数中抽取一组"),
               "assumption": ("{k} assumptions", "{k}项假设参数"), "policy": ("{k} policy strengths", "{k}项政策力度参数"),
               "structural": ("{k} submodel switches", "{k}个子模型开关")}


def _worlds_method(res: Results, lang: Lang) -> str:
    """How the worlds were drawn (the manifest's ``worlds``), or nothing for a noise-only folder."""
    w = res.manifest.get("worlds")
    if not isinstance(w, dict) or not isinstance(w.get("sampled"), dict):
        return ""
    parts = []
    for kind, (en, zh) in WORLD_PARTS.items():
        k = w["sampled"].get(kind, 0)
        if k:
            count = w.get("posterior_sets", k) if kind == "calibrated" else k
            parts.append((zh if lang == "zh" else en).format(k=count))
    se = w.get("max_se")
    stable = w.get("stable")
    goal = f"{100 * float(w.get('target_se', 0.025)):.1f}"
    if lang == "zh":
        target = f"目标{goal}个百分点，" + ("已达到" if stable else "未达到")
    else:
        target = f"stable: within the target of {goal}" if stable else f"the target of {goal} was not reached"
    return h("worlds_method", lang, n=str(w.get("worlds", "?")), parts=join(parts, lang),
             se=f"{100 * float(se):.1f}" if isinstance(se, int | float) else "?", target=target)


def _robustness(ans: Answer, lang: Lang, figures: dict[str, Path]) -> list[Block]:
    res, base, m = ans.res, ans.t(ans.base), label_in_sentence(ans.primary, lang)
    if not brief_robust.has_robustness(ans):
        return [Block("p", h("robust_none", lang))]
    header, rows = brief_robust.robustness_table(ans)
    blocks = [Block("p", h("robust_intro", lang, base=base, m=m)), Block("table", header=header, rows=rows)]
    if ties := brief_robust.ties(ans):
        blocks.append(Block("p", ties))
    if "ranking" in figures:
        blocks.append(Block("figure", h("fig_ranking", lang), path=figures["ranking"]))
    if res.discovery is not None:
        items = brief_robust.box_items(ans)
        blocks += ([Block("p", h("boxes_intro", lang, base=base, m=m)), Block("ul", items=items)] if items
                   else [Block("p", h("boxes_none", lang, base=base, m=m))])
    return blocks


def _outcome_tables(ans: Answer, lang: Lang) -> list[Block]:
    """One table per key outcome: each option's level, change, share of runs better, Holm p."""
    res = ans.res
    head = (["情景", "水平", "变化", "优于比例", "p（Holm）"] if lang == "zh"
            else ["Scenario", "Level", "Change", "Better in", "p (Holm)"])
    blocks: list[Block] = []
    for m in [m for m in ALL_KEY_METRICS if m in res.metrics()]:
        u = fmt.unit(m, lang)
        blocks.append(Block("h3", metric_label(m, lang) + (f"（{u}）" if lang == "zh" else f" ({u})") * bool(u)))
        rows = []
        for s in [ans.base, *ans.others]:
            r = ans.row(m, s)
            if r is None:
                continue
            level = f"{fmt.level_number(m, r['mean'])} [{fmt.level_number(m, r['ci_low'])}, {fmt.level_number(m, r['ci_high'])}]"
            if s == ans.base:
                rows.append([ans.t(s), level, "", "", ""])
                continue
            better = "" if direction(m) == "ambiguous" else fmt.probability(r["prob_better"])
            rows.append([ans.t(s), level, ans.cell(m, r), better, fmt.p_value(r["p_adjusted"])])
        blocks.append(Block("table", header=head, rows=rows))
    blocks.append(Block("p", h("outcome_note", lang, base=ans.t(ans.base)), small=True))
    return blocks


def reading_notes(ans: Answer, lang: Lang, metrics: list[str]) -> list[str]:
    """How to read the tables: bold, fixed changes, outcomes without a better direction."""
    notes = [h("table_note", lang, base=ans.t(ans.base))]
    if any(ans.row(m, s) is not None and fixed(ans.row(m, s)) and ans.row(m, s)["diff"] != 0
           for m in metrics for s in ans.others):
        notes.append(h("reading_fixed", lang))
    if any(direction(m) == "ambiguous" for m in metrics):
        notes.append(h("reading_either", lang))
    for s in ans.others:  # policies the documents only propose
        if s in POLICY_NOTES:
            en, zh = POLICY_NOTES[s]
            notes.append((zh if lang == "zh" else en).format(s=ans.t(s)))
    return notes


def annex_blocks(res: Results, lang: Lang, figures: dict[str, Path], primary: str | None = None) -> list[Block]:
    """The annex as blocks (headings, paragraphs, tables, figures, lists), section by section."""
    ans = Answer(res, lang, primary)
    base = ans.t(ans.base)
    blocks = [Block("h1", h("title", lang, base=base)), Block("p", h("back", lang, code=lang), small=True)]
    blocks += [Block("h2", h("question", lang), key="question"), Block("p", ans.question())]
    blocks += [Block("h2", h("answer", lang), key="answer"),
               Block("p", " ".join(s for s in ans.sentences() if s) if lang == "en" else "".join(ans.sentences()))]
    blocks += [Block("h2", h("robustness", lang), key="robustness"), *_robustness(ans, lang, figures)]
    blocks.append(Block("h2", h("reliability", lang), key="reliability"))
    blocks += [Block("p", text) for text in reliability(res, ans, lang)]
    header, rows = ans.table()
    blocks += [Block("h2", h("table", lang), key="table"), Block("table", header=header, rows=rows),
               Block("p", h("table_note", lang, base=base), small=True)]
    blocks += [Block("h2", h("outcomes", lang), key="outcomes"), *_outcome_tables(ans, lang)]
    blocks.append(Block("h2", h("figures", lang), key="figures"))
    for name, caption in (("forest", h("fig_forest", lang, base=base)),
                          (f"timeseries_{ans.primary.removeprefix('mean_')}",
                           h("fig_timeseries", lang, metric=metric_label(ans.primary, lang))),
                          (f"cost_effectiveness_{ans.primary.removeprefix('mean_')}",
                           h("fig_cost", lang, metric=label_in_sentence(ans.primary, lang)))):
        if name in figures:
            blocks.append(Block("figure", caption, path=figures[name]))
    blocks += [Block("h2", h("assumptions", lang), key="assumptions"), *_assumptions(res, ans, lang)]
    blocks += [Block("h2", h("costs", lang), key="costs"), *_costs(res, ans, lang)]
    shown = [m for m in ALL_KEY_METRICS if m in res.metrics()] + ans.key
    blocks += [Block("h2", h("reading", lang), key="reading"),
               Block("ul", items=reading_notes(ans, lang, list(dict.fromkeys(shown))))]
    blocks += [Block("h2", h("method", lang), key="method"), Block("p", sentence_end(_method(res, ans, lang).rstrip(".。"), lang))]
    return blocks
