"""``commsim brief``: a comparison folder -> a one-page policy brief and its annex.

The page answers a drafter's questions in order: which policy and how much, how sure, at what
public cost, with what side effects, and where it fails. When the folder holds a robustness
analysis (``robustness.csv``, ``discovery.csv``) the answer leads with it: how often the policy
wins across plausible worlds and where it fails; otherwise it says that its intervals cover
simulation noise only. Then the key table and the forest plot. It prints on one A4 page
(``render.PAGE_CSS``; a test prints it with chromium). Everything else (full tables, figures,
assumptions, costs, method and caveats) goes to the annex (:mod:`commsim.report.annex`).

Files: ``brief_<lang>.html/.md`` and ``annex_<lang>.html/.md`` for each language written, and
``brief.html``/``brief.md`` in the language asked for (English for ``--lang both``).
"""

from __future__ import annotations

from pathlib import Path

from commsim.io import atomic_write
from commsim.metrics import direction
from commsim.report import brief_robust, fonts
from commsim.report.annex import annex_blocks
from commsim.report.brief_sure import scope, sensitivity_sentence, small_run, street
from commsim.report.brief_text import Answer, label_in_sentence
from commsim.report.figures import write_figures
from commsim.report.plots import fixed
from commsim.report.render import Block, to_html, to_markdown
from commsim.report.results import ReportError, Results, load_results
from commsim.report.vocab import Lang, phrase

#: what ``--lang`` may be: one language, or both (brief.html then in English)
LANG_CHOICES = ("en", "zh", "both")

P: dict[str, tuple[str, str]] = {
    "title": ("Policy brief: what the policies would change, against {base}", "政策简报：与{base}相比，各项政策会带来什么变化"),
    "meta": ("commsim {version}, {reps} paired runs per option. {street} Full tables, figures, method and "
             "caveats: [annex_{code}.html](annex_{code}.html).",
             "commsim {version}，每个方案{reps}次配对运行。{street}完整表格、图表、方法与说明见 [annex_{code}.html](annex_{code}.html)。"),
    "answer": ("The answer", "结论"),
    "q_worlds": ("Across plausible worlds", "在各种可能情形下"),
    "q_fails": ("Where it fails", "何时失效"),
    "q_lead": ("Which policy, how much", "哪项政策，效果多大"),
    "q_default": ("How much, under the default assumptions", "默认假设下效果多大"),
    "q_sure": ("How sure", "把握多大"),
    "q_others": ("The other policies", "其他政策"),
    "q_cost": ("At what public cost", "公共支出"),
    "q_side": ("Side effects", "其他影响"),
    "note": ("First row: levels under {base}; other rows: change against it [95% CI], bold where the interval "
             "excludes zero and the change does not round to zero; shares in per cent, their changes in percentage points.",
             "第一行为{base}的水平；其余各行为与之相比的变化［95%置信区间］，区间不含零且变化四舍五入后不为零时以粗体标出；"
             "比例以百分比表示，其变化以百分点表示。"),
    "note_fixed": ("(fixed): the same in every paired run, set by the policy's rules.",
                   "（固定）：各次配对运行均相同，由政策规则决定。"),
    "note_either": ("Complaints filed have no better direction: a household files no new complaint while one is "
                    "open, so more complaints filed can mean less suppressed demand.",
                    "投诉量没有优劣方向：住户在已有投诉未办结时不会再提出新投诉，因此投诉增多也可能意味着被压抑的诉求减少。"),
    "noise_short": ("The table's intervals cover simulation noise only.", "表中置信区间只反映模拟中的随机波动。"),
    "untested": ("Not tested: this comparison comes without a robustness analysis (robustness.csv) or a "
                 "sensitivity analysis, so the brief cannot say under which assumptions the result fails.",
                 "未经检验：本次比较没有稳健性分析（robustness.csv）或敏感性分析，因此本简报无法说明在哪些假设下结论不成立。"),
    "table": ("Key results", "主要结果"),
    "figure": ("Change in {m} and in public cost against {base}, default assumptions, 95% CI (simulation noise "
               "only); every key outcome, and the model's fit to published figures, in the annex.",
               "默认假设下与{base}相比{m}和公共支出的变化及95%置信区间（只反映模拟中的随机波动）；全部关键指标及模型与已发表数据的吻合程度见附件。"),
}


def p(key: str, lang: Lang, **kw: str) -> str:
    """The brief phrase ``key`` in ``lang``, its ``{field}`` slots filled from ``kw``.

    Raises:
        KeyError: ``key`` is not in ``P``, or the phrase has a slot ``kw`` does not fill.
    """
    return phrase(P, key, lang, **kw)


def _item(key: str, text: str, lang: Lang) -> str:
    return f"**{p(key, lang)}{'：' if lang == 'zh' else ':'}** {text}".replace("： ", "：")


def answer_items(ans: Answer, lang: Lang) -> list[str]:
    """The drafter's questions and their answers, robustness first when the folder has it."""
    parts = ans.parts()
    best = ans.lead()[0]
    sep = "" if lang == "zh" else " "
    items: list[str] = []
    if brief_robust.has_robustness(ans):
        worlds, fails = brief_robust.worlds_sentence(ans, best), brief_robust.fails_sentence(ans, best)
        items += [_item("q_worlds", worlds, lang)] if worlds else []
        items += [_item("q_fails", fails, lang)] if fails else []
        items.append(_item("q_default", parts["lead"], lang))
        items.append(_item("q_sure", parts["sure"] + sep + p("noise_short", lang), lang))
    else:
        items.append(_item("q_lead", parts["lead"], lang))
        items.append(_item("q_sure", parts["sure"] + sep + scope(ans.res, lang), lang))
    if parts["others"]:
        items.append(_item("q_others", parts["others"], lang))
    if parts["cost"]:
        items.append(_item("q_cost", parts["cost"], lang))
    items.append(_item("q_side", parts["side"], lang))
    if not brief_robust.has_robustness(ans):
        fails = sensitivity_sentence(ans.res, ans, lang) if ans.res.sensitivity is not None else p("untested", lang)
        items.append(_item("q_fails", fails, lang))
    return items


def page_blocks(res: Results, lang: Lang, figures: dict[str, Path], primary: str | None = None) -> list[Block]:
    """The one-page brief as blocks."""
    ans = Answer(res, lang, primary)
    base = ans.t(ans.base)
    meta = p("meta", lang, version=res.version, reps=str(res.replicates or "?"), code=lang, street=street(res, lang))
    warning = small_run(res, lang)
    blocks = [Block("h1", p("title", lang, base=base)), Block("p", meta, small=True)]
    blocks += [Block("p", warning)] if warning else []
    blocks += [Block("h2", p("answer", lang), key="answer"), Block("ul", items=answer_items(ans, lang), cls="answer")]
    header, rows = ans.table()
    extra = brief_robust.beats_column(ans)
    if extra is not None:
        head, cells = extra
        header = [*header, head]
        rows = [[*row, cells.get(s, "")] for row, s in zip(rows, [ans.base, *ans.others], strict=True)]
    sep = "" if lang == "zh" else " "
    notes = [p("note", lang, base=base)]
    if any(ans.row(m, s) is not None and fixed(ans.row(m, s)) and ans.row(m, s)["diff"] != 0
           for m in ans.key for s in ans.others):
        notes.append(p("note_fixed", lang))
    if any(direction(m) == "ambiguous" for m in ans.key):
        notes.append(p("note_either", lang))
    blocks += [Block("h2", p("table", lang), key="table"), Block("table", header=header, rows=rows),
               Block("p", sep.join(notes), small=True)]
    name = f"headline_{ans.primary.removeprefix('mean_')}"
    if name in figures:
        blocks.append(Block("figure", p("figure", lang, base=base, m=label_in_sentence(ans.primary, lang)),
                            path=figures[name]))
    return blocks


def _check(res: Results) -> None:
    if res.comparison is None:
        raise ReportError(f"{res.folder}: no comparison.csv; a brief needs the output of 'commsim compare'")
    if res.comparison["scenario"].nunique() < 2:
        raise ReportError(f"{res.folder / 'comparison.csv'}: only the baseline; nothing to compare")


def _write(path: Path, text: str) -> Path:
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return path


def write_brief(folder: str | Path, lang: str = "en", primary: str | None = None,
                sensitivity: str | Path | None = None) -> dict[str, Path]:
    """Write the brief and its annex of a comparison folder.

    ``lang``: "en", "zh" or "both". For each language L written: ``figures/*_L.png/.svg`` (the
    forest plot, time series and cost-effectiveness of the lead outcome), ``brief_L.html/.md``
    (one page) and ``annex_L.html/.md``. ``brief.html``/``brief.md`` are the brief in ``lang``
    (in English for "both"). Chinese needs a CJK font: checked before anything is written.
    Returns name -> path ("brief_en_html", "annex_zh_md", "html", "md", ...).
    """
    if lang not in LANG_CHOICES:
        raise ReportError(f"--lang {lang}: expected one of {', '.join(LANG_CHOICES)}")
    langs: list[Lang] = ["en", "zh"] if lang == "both" else [lang]  # type: ignore[list-item]
    if "zh" in langs:
        fonts.require_cjk_font()
    res = load_results(folder, sensitivity)
    _check(res)
    main: Lang = "en" if lang == "both" else langs[0]
    out: dict[str, Path] = {}
    for code in langs:
        ans = Answer(res, code, primary)
        stem = ans.primary.removeprefix("mean_")
        wanted = {"forest", f"headline_{stem}", f"timeseries_{stem}", f"cost_effectiveness_{stem}", "ranking"}
        written = write_figures(res, res.folder / "figures", code, only=wanted, primary=ans.primary)
        pngs = {name: paths[0] for name, paths in written.items()}
        page, annex = page_blocks(res, code, pngs, ans.primary), annex_blocks(res, code, pngs, ans.primary)
        texts = {"brief_md": to_markdown(page, res.folder), "brief_html": to_html(page, code, style="page"),
                 "annex_md": to_markdown(annex, res.folder), "annex_html": to_html(annex, code, style="annex")}
        for key, text in texts.items():
            name, ext = key.split("_")
            out[f"{name}_{code}_{ext}"] = _write(res.folder / f"{name}_{code}.{ext}", text)
            if name == "brief" and code == main:
                out[ext] = _write(res.folder / f"brief.{ext}", text)
    return out
