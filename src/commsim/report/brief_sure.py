"""The brief's "How sure is this" section, generated from the folder's files.

It says what the intervals cover (simulation noise under the default assumptions only), that
the street is the simulated scenario (with its number of households from the monthly data),
how far the analysed result moved across a sensitivity analysis's design rows (from the
sensitivity run's ``samples.parquet``), whether the run is small, and where the model's fit
to published figures is documented. Every number comes from those files via :mod:`fmt`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from commsim.report import fmt
from commsim.report.brief_text import Answer, label_in_sentence
from commsim.report.results import ReportError, Results
from commsim.report.vocab import Lang, phrase

#: below this many paired replicates, or this many months after burn-in, a run is "small"
MIN_REPLICATES = 20
MIN_EVALUATED_MONTHS = 24

S: dict[str, tuple[str, str]] = {
    "noise": ("The confidence intervals and the counts of paired runs cover simulation noise only (chance "
              "variation between runs under the model's default assumptions), not uncertainty in those "
              "assumptions themselves.",
              "置信区间和配对模拟次数只反映模拟中的随机波动（默认假设下各次运行之间的偶然差异），"
              "不反映模型假设本身的不确定性。"),
    "noise_posterior": ("The confidence intervals and the counts of paired runs cover simulation noise and the "
                        "uncertainty left by calibration ({k} accepted parameter sets), not uncertainty in the "
                        "assumptions the calibration did not vary.",
                        "置信区间和配对模拟次数反映模拟中的随机波动以及校准后仍存在的参数不确定性（{k}组被接受的参数），"
                        "不反映校准未涉及的其他假设的不确定性。"),
    "street_n": ("The street is the simulated scenario ({n} households), not a forecast for any real place.",
                 "所模拟的街道是情景设定（{n}户），并非对任何真实地方的预测。"),
    "street": ("The street is the simulated scenario, not a forecast for any real place.",
               "所模拟的街道是情景设定，并非对任何真实地方的预测。"),
    "sa_range": ("Across the {k} assumption settings of the sensitivity analysis, {what} ranged from {lo} to {hi}",
                 "在敏感性分析的{k}组假设取值下，{what}的变化范围为{lo}至{hi}"),
    "sa_flip": ("; under some assumptions in the tested ranges the advantage disappears or reverses.",
                "；在测试范围内的某些假设下，这一优势会消失甚至反转。"),
    "sa_same": ("; it kept the same sign throughout the tested ranges.", "；在测试范围内其正负方向始终不变。"),
    "sa_level": (".", "。"),
    "sa_no_samples": ("The sensitivity run has no samples.parquet, so how far the result moved across its "
                      "assumption settings cannot be shown.",
                      "敏感性分析结果中没有 samples.parquet，因此无法显示结果随假设取值变化的范围。"),
    "sa_none": ("No sensitivity analysis was given, so this brief does not show how far the result moves when "
                "the assumptions change.",
                "未提供敏感性分析，因此本简报无法说明假设改变时结果会变化多少。"),
    "small": ("This is a small run ({reps} paired replicates, {months} {unit} after burn-in); the results are "
              "indicative only.",
              "本次运行规模较小（{reps}次配对重复运行，预热期后{months}个月），结果仅供参考。"),
    "validation": ("How well the model reproduces published figures is documented in `docs/validation.md`.",
                   "模型与已发表数据的吻合程度见 `docs/validation.md`。"),
}


def s(key: str, lang: Lang, **kw: str) -> str:
    """The reliability phrase ``key`` in ``lang``, its ``{field}`` slots filled from ``kw``.

    Raises:
        KeyError: ``key`` is not in ``S``, or the phrase has a slot ``kw`` does not fill.
    """
    return phrase(S, key, lang, **kw)


def households(res: Results) -> float | None:
    """Dwelling units of the baseline street (monthly ``households``, first month), if recorded."""
    if not res.has_monthly:
        return None
    try:
        df = res.monthly(["households"])
    except ReportError:
        return None
    part = df[df["scenario"] == str(res.baseline)] if res.baseline in set(df["scenario"]) else df
    if part.empty:
        return None
    value = float(part.sort_values("month")["households"].iloc[0])
    return value if math.isfinite(value) else None


def sensitivity_range(res: Results, output: str) -> tuple[str, float, float, int] | None:
    """(column, min, max, design rows) of the analysed output across the sensitivity design."""
    samples = res.sensitivity_info.get("samples")
    if not isinstance(samples, pd.DataFrame) or samples.empty:
        return None
    outputs = [o for o in dict.fromkeys(res.sensitivity["output"]) if o in samples]
    if not outputs:
        return None
    col = output if output in outputs else outputs[0]
    values = samples[col].to_numpy(dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return None
    return col, float(values.min()), float(values.max()), int(values.size)


def evaluated_months(res: Results) -> int | None:
    """Months after burn-in (from the manifest), or None when the manifest does not say."""
    found = [e["months"] for e in res.entries.values() if isinstance(e.get("months"), int)]
    return found[0] - res.burn_in_months if found else None


def scope(res: Results, lang: Lang) -> str:
    """What the confidence intervals cover: simulation noise (and calibration uncertainty)."""
    sets = res.manifest.get("posterior_sets")
    return s("noise_posterior", lang, k=str(sets)) if isinstance(sets, int) and sets > 0 else s("noise", lang)


def sensitivity_sentence(res: Results, ans: Answer, lang: Lang) -> str:
    """How far the analysed result moved across a sensitivity analysis's design rows."""
    if res.sensitivity is None:
        return s("sa_none", lang)
    found = sensitivity_range(res, ans.primary)
    if found is None:
        return s("sa_no_samples", lang)
    col, lo, hi, k = found
    info = res.sensitivity_info
    if info.get("against") and info.get("scenario"):
        a, b = res.titles.title(info["scenario"], lang), res.titles.title(info["against"], lang)
        label = label_in_sentence(col, lang)
        what = f"{a}与{b}之间{label}的差" if lang == "zh" else f"the difference in {label} between {a} and {b}"
        lo_t, hi_t = fmt.change(col, lo, lang), fmt.change(col, hi, lang)
        tail = "sa_flip" if lo <= 0 <= hi else "sa_same"
    else:
        what = label_in_sentence(col, lang)
        lo_t, hi_t, tail = fmt.level(col, lo, lang), fmt.level(col, hi, lang), "sa_level"
    text = s("sa_range", lang, k=str(k), what=what, lo=lo_t, hi=hi_t) + s(tail, lang)
    return text[0].upper() + text[1:] if lang == "en" else text


def street(res: Results, lang: Lang) -> str:
    """The sentence saying the street is the simulated scenario, with its household count
    when the folder records it.
    """
    n = households(res)
    return s("street_n", lang, n=fmt.number(n, 0)) if n else s("street", lang)


def small_run(res: Results, lang: Lang) -> str | None:
    """A warning (bold) when the run has few replicates or few evaluated months, else None."""
    reps, months = res.replicates, evaluated_months(res)
    if (reps is not None and reps < MIN_REPLICATES) or (months is not None and months < MIN_EVALUATED_MONTHS):
        return "**" + s("small", lang, reps=str(reps if reps is not None else "?"),
                        months=str(months if months is not None else "?"),
                        unit="month" if months == 1 else "months") + "**"
    return None


def reliability(res: Results, ans: Answer, lang: Lang) -> list[str]:
    """The section's paragraphs, in order."""
    paras = [scope(res, lang), street(res, lang), sensitivity_sentence(res, ans, lang), s("validation", lang)]
    warning = small_run(res, lang)
    return ([warning] if warning else []) + paras
