"""What a brief says across plausible worlds, from ``robustness.csv`` and ``discovery.csv``.

A robustness analysis runs the compared scenarios in many "worlds" (the assumptions drawn over
their tested ranges) and reports, per scenario, outcome and comparator, the share of worlds in
which the scenario beats the comparator, the spread of the paired difference across worlds, and
how often each scenario is the best of all; a scenario discovery (PRIM) names the region of the
assumptions in which a scenario fails to beat the comparator. When the folder holds them, the
brief leads with these; when not, it says its intervals cover simulation noise only. Every
number here is a cell of those files passed through :mod:`commsim.report.fmt`.
"""

from __future__ import annotations

import math

import pandas as pd

from commsim.report import fmt
from commsim.report.brief_text import Answer, label_in_sentence
from commsim.report.vocab import Lang, phrase

R: dict[str, tuple[str, str]] = {
    # English sentences never make a scenario's title or a metric's label the subject of a verb
    # (either may be plural)
    "worlds": ("On {m}, the outcome is better under {s} than under {c} in {share} of {n} plausible worlds (the "
               "assumptions drawn over their tested ranges): median change {med}, 5–95% range {lo} to {hi}",
               "在{n}种可能情形下（各项假设在其测试范围内取值），{s}在{m}上优于{c}的情形占{share}："
               "变化中位数{med}，5%–95%范围{lo}至{hi}"),
    "worlds_either": ("Over {n} plausible worlds (the assumptions drawn over their tested ranges), the difference "
                      "in {m} between {s} and {c} has a median of {med} (5–95% range {lo} to {hi})",
                      "在{n}种可能情形下（各项假设在其测试范围内取值），{s}与{c}相比使{m}的变化中位数为{med}"
                      "（5%–95%范围{lo}至{hi}）"),
    "precision": (" (with {n} worlds each share is known to within about ±{pp} percentage points)",
                  "（{n}种情形下，各比例的误差约在±{pp}个百分点以内）"),
    "best_self": ("; {p} of the worlds have {s} as the best option", "；在{p}的情形下它是最优方案"),
    "best_other": ("; the option most often best is {o}, in {p} of the worlds ({s}: {q})",
                   "；最常成为最优方案的是{o}，占{p}的情形（{s}为{q}）"),
    # discovery.csv's sentence already gives the box's density and coverage in words
    "fails_box": ("{text}.", "{text}。"),
    "fails_never": ("The outcome is better under {s} than under {c} in every one of the {n} worlds tested.",
                    "在所测试的全部{n}种情形中，它都优于{c}。"),
    "fails_no_box": ("The outcome is better under {s} than under {c} in {share} of the worlds; no simple "
                     "condition on the assumptions marks the worlds where it is not.",
                     "它在{share}的情形下优于{c}；找不到能够区分其失效情形的简单假设条件。"),
    "fails_no_discovery": ("The outcome is better under {s} than under {c} in {share} of the worlds; no "
                           "scenario discovery was run, so the brief cannot say in which.",
                           "它在{share}的情形下优于{c}；未进行情景发现分析，本简报无法说明是哪些情形。"),
    "ties": ("A difference too small to show in the tables (under {margin} here) counts as a tie, not a win, and "
             "a policy is the best option in a world only where it beats {base}.",
             "小到在表中显示为零的差异（此处小于{margin}）视为持平而非胜出；只有在优于{base}的情形下，一项政策才可能成为该情形下的最优方案。"),
    "ties_short": (" A change that shows as zero counts as a tie.", "显示为零的变化视为持平。"),
    "col_beats": ("Beats {c} in plausible worlds", "在可能情形中优于{c}的比例"),
    "col_median": ("Median change across worlds [5–95%]", "各情形变化中位数［5%–95%］"),
    "col_noise": ("Change under default assumptions [95% CI]", "默认假设下的变化［95%置信区间］"),
    "col_best": ("Best option in", "成为最优方案的比例"),
    "box_item": ("{s}, box {b}: {text} (coverage {cov}, density {den}; {k} failing worlds)",
                 "{s}，第{b}个范围：{text}（覆盖率{cov}，密度{den}；未能胜出的情形{k}种）"),
}


def r(key: str, lang: Lang, **kw: str) -> str:
    """The robustness phrase ``key`` in ``lang``, its ``{field}`` slots filled from ``kw``.

    Raises:
        KeyError: ``key`` is not in ``R``, or the phrase has a slot ``kw`` does not fill.
    """
    return phrase(R, key, lang, **kw)


def _cap(text: str, lang: Lang) -> str:
    """First letter in upper case, unless the sentence starts with a name such as ``pay_beta_norm``."""
    if lang != "en" or not text or "_" in text.split(" ", 1)[0]:
        return text
    return text[0].upper() + text[1:]


def robust_row(ans: Answer, scenario: str, outcome: str | None = None, comparator: str | None = None) -> pd.Series | None:
    """The robustness.csv row of ``scenario`` in ``outcome`` (default: the lead outcome) against
    ``comparator`` (default: the baseline), or None."""
    df = ans.res.robustness
    if df is None:
        return None
    hit = df[(df["scenario"] == scenario) & (df["outcome"] == (outcome or ans.primary))
             & (df["comparator"] == (comparator or ans.base))]
    return None if hit.empty else hit.iloc[0]


def has_robustness(ans: Answer) -> bool:
    """Whether robustness.csv speaks about the lead outcome against the baseline."""
    return any(robust_row(ans, s) is not None for s in ans.others)


def worlds_sentence(ans: Answer, best: str) -> str:
    """How often ``best`` beats the baseline across worlds, and which option is most often best."""
    row = robust_row(ans, best)
    if row is None:
        return ""
    lang, m = ans.lang, ans.primary
    kw = {"n": fmt.number(float(row["n_worlds"]), 0), "s": ans.t(best), "c": ans.t(ans.base),
          "m": label_in_sentence(m, lang), "med": fmt.change(m, row["median_diff"], lang),
          "lo": fmt.change_number(m, row["diff_p05"]), "hi": fmt.change_number(m, row["diff_p95"])}
    if row["direction"] == "ambiguous" or not math.isfinite(float(row["share_better"])):
        text = r("worlds_either", lang, **kw)
    else:
        text = r("worlds", lang, share=fmt.probability(float(row["share_better"])), **kw)
    df = ans.res.robustness
    part = df[(df["outcome"] == m) & df["prob_best"].notna()].drop_duplicates("scenario")
    if not part.empty and math.isfinite(float(row["prob_best"])):
        top = part.loc[part["prob_best"].idxmax()]
        if top["scenario"] == best or float(top["prob_best"]) <= float(row["prob_best"]):
            text += r("best_self", lang, s=ans.t(best), p=fmt.probability(float(row["prob_best"])))
        else:
            text += r("best_other", lang, o=ans.t(str(top["scenario"])), p=fmt.probability(float(top["prob_best"])),
                      s=ans.t(best), q=fmt.probability(float(row["prob_best"])))
    return (_cap(text, lang) + precision(ans, float(row["n_worlds"])) + ("。" if lang == "zh" else ".")
            + ties(ans, short=True))


def ties(ans: Answer, short: bool = False) -> str:
    """How ties were counted, when robustness.csv records its margin (files written before
    margins counted any difference as a win: then nothing is said)."""
    row = robust_row(ans, ans.others[0]) if ans.others else None
    by = float(row["margin"]) if row is not None and "margin" in row else math.nan
    if not math.isfinite(by):
        return ""
    if short:
        return r("ties_short", ans.lang)
    return r("ties", ans.lang, margin=fmt.resolution_text(ans.primary, ans.lang), base=ans.t(ans.base))


def precision(ans: Answer, n: float) -> str:
    """How precise the shares of worlds are (``stability.json``: 1.96 x the largest standard
    error of a share), when the analysis says so."""
    st = ans.res.stability
    se = st.get("max_se") if isinstance(st, dict) else None
    if not isinstance(se, int | float) or not math.isfinite(se):
        return ""
    return r("precision", ans.lang, n=fmt.number(n, 0), pp=f"{100 * 1.96 * float(se):.0f}")


def boxes(ans: Answer, scenario: str, outcome: str | None = None, comparator: str | None = None) -> pd.DataFrame:
    """One row per PRIM box (its first row) of ``scenario`` failing against ``comparator``
    (box 0, which says why there is no box, excluded)."""
    part = _discovery_rows(ans, scenario, outcome, comparator)
    return part[part["box"] >= 1].sort_values("box").drop_duplicates("box")


def _discovery_rows(ans: Answer, scenario: str, outcome: str | None, comparator: str | None) -> pd.DataFrame:
    df = ans.res.discovery
    if df is None:
        return pd.DataFrame(columns=["box"])
    return df[(df["scenario"] == scenario) & (df["outcome"] == (outcome or ans.primary))
              & (df["comparator"] == (comparator or ans.base))]


def no_box_text(ans: Answer, scenario: str) -> str:
    """discovery.csv's sentence for ``scenario`` against the baseline in the lead outcome when
    it names no box (box 0: fails always, never, too rarely, or under no simple condition)."""
    part = _discovery_rows(ans, scenario, None, None)
    part = part[part["box"] == 0]
    if part.empty:
        return ""
    text = str(part.iloc[0]["text_zh" if ans.lang == "zh" else "text_en"]).strip()
    return text if text.endswith((".", "。")) else text + ("。" if ans.lang == "zh" else ".")


def fails_sentence(ans: Answer, best: str) -> str:
    """Where ``best`` fails to beat the baseline: the first PRIM box in words, or what is known."""
    row = robust_row(ans, best)
    if row is None:
        return ""
    lang, c = ans.lang, ans.t(ans.base)
    share = float(row["share_better"])
    found = boxes(ans, best)
    if not found.empty:
        first = found.iloc[0]
        text = str(first["text_zh" if lang == "zh" else "text_en"]).rstrip(".。")
        return _cap(r("fails_box", lang, text=text, cov=fmt.probability(float(first["coverage"])),
                      den=fmt.probability(float(first["density"]))), lang)
    if math.isfinite(share) and share == 1.0:
        return r("fails_never", lang, s=ans.t(best), c=c, n=fmt.number(float(row["n_worlds"]), 0))
    said = no_box_text(ans, best)
    if said:
        return _cap(said, lang)
    key = "fails_no_box" if ans.res.discovery is not None else "fails_no_discovery"
    return r(key, lang, s=ans.t(best), c=c, share=fmt.probability(share) if math.isfinite(share) else "n/a")


def beats_column(ans: Answer) -> tuple[str, dict[str, str]] | None:
    """A key-table column: the share of worlds in which each option beats the baseline."""
    if not has_robustness(ans):
        return None
    cells = {}
    for s in ans.others:
        row = robust_row(ans, s)
        ok = row is not None and row["direction"] != "ambiguous" and math.isfinite(float(row["share_better"]))
        cells[s] = fmt.probability(float(row["share_better"])) if ok else ""
    label = label_in_sentence(ans.primary, ans.lang)
    head = r("col_beats", ans.lang, c=ans.t(ans.base))
    return (f"{head}（{label}）" if ans.lang == "zh" else f"{head} ({label})"), cells


def robustness_table(ans: Answer) -> tuple[list[str], list[list[str]]]:
    """Annex table for the lead outcome: each option against the baseline across worlds."""
    lang, m = ans.lang, ans.primary
    header = ["情景" if lang == "zh" else "Scenario", r("col_beats", lang, c=ans.t(ans.base)),
              r("col_median", lang), r("col_noise", lang), r("col_best", lang)]
    rows = []
    for s in ans.others:
        row = robust_row(ans, s)
        if row is None:
            continue
        share = float(row["share_better"])
        rows.append([
            ans.t(s), fmt.probability(share) if math.isfinite(share) else "",
            f"{fmt.change_number(m, row['median_diff'])} [{fmt.change_number(m, row['diff_p05'])}, "
            f"{fmt.change_number(m, row['diff_p95'])}]",
            f"{fmt.change_number(m, row['noise_diff'])} [{fmt.change_number(m, row['noise_ci_low'])}, "
            f"{fmt.change_number(m, row['noise_ci_high'])}]",
            fmt.probability(float(row["prob_best"])),
        ])
    return header, rows


def box_items(ans: Answer) -> list[str]:
    """Every PRIM box of every option failing against the baseline in the lead outcome."""
    items = []
    for s in ans.others:
        for _, b in boxes(ans, s).iterrows():
            items.append(r("box_item", ans.lang, s=ans.t(s), b=str(int(b["box"])),
                           text=str(b["text_zh" if ans.lang == "zh" else "text_en"]).rstrip(".。"),
                           cov=fmt.probability(float(b["coverage"])), den=fmt.probability(float(b["density"])),
                           k=fmt.number(float(b["n_cases"]), 0)))
    return items
