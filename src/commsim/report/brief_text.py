"""The brief's words, generated from ``comparison.csv``: question, three-sentence answer, table.

Every number here is a cell of ``comparison.csv`` passed through :mod:`commsim.report.fmt`;
nothing is typed in or derived (no ratios, no sums), so the test can find each number of the
text among the formatted cells. "Clear" means the paired 95% CI of the difference excludes 0; "small" is defined once,
in :func:`is_small`; a clear change the tables print as zero (:func:`shows_as_zero`) is said to be too small to
show, not an improvement; options whose CIs overlap the best one's are "tied" (:meth:`Answer.tied`).
"""

from __future__ import annotations

import math

import pandas as pd

from commsim.metrics import direction
from commsim.report import fmt
from commsim.report.plots import KEY_METRICS, _verdict, fixed
from commsim.report.results import Results
from commsim.report.vocab import (
    Lang,
    label_in_sentence,
    metric_kind,
    metric_label,
    phrase,
)

#: the outcome the answer leads with, if present (else the first key metric present)
PRIMARY_METRIC = "mean_collection_rate"
#: a change in a share below this (0-1 units: 1 percentage point) is "small"
SMALL_SHARE = 0.01
#: any change below this fraction of the largest change any option makes in that outcome is "small"
SMALL_RELATIVE = 0.1


def shows_as_zero(row: pd.Series) -> bool:
    """A change the tables print as zero (below half their last digit), however sure."""
    return abs(float(row["diff"])) < fmt.resolution(str(row["metric"]))


def is_small(row: pd.Series, largest: float) -> bool:
    """A detectable change is called small (said "detectably but slightly") when it is under
    :data:`SMALL_SHARE` for shares, or under :data:`SMALL_RELATIVE` x ``largest`` (the largest
    absolute change of any option in the same outcome) for any outcome."""
    d = abs(float(row["diff"]))
    if metric_kind(str(row["metric"])) == "share" and d < SMALL_SHARE:
        return True
    return d < SMALL_RELATIVE * largest

W: dict[str, tuple[str, str]] = {
    "and": (" and ", "和"),
    "or": (" or ", "或"),
    "list_sep": (", ", "、"),
    "raises": ("raises", "提高"),
    "lowers": ("lowers", "降低"),
    "ci": ("confidence interval {lo} to {hi}", "置信区间{lo}至{hi}"),
    "fixed_ci": ("the same in every paired run: set by the policy's rules", "各次配对运行均相同：由政策规则决定"),
    "fixed_cell": ("(fixed)", "（固定）"),
    # English sentences never make a scenario's title or a metric's label the subject of a verb:
    # either may be plural ("Joint owners' committees", "complaints") and the verb would not agree
    "lead_either": ("The largest change in {m} comes under {s}: from {a} to {b}, a change of {d} ({ci}).",
                    "{s}对{m}的影响最大：从{a}{verb}到{b}，变化{d}（{ci}）。"),
    "q": ("If the street adopted {policies}, what would change, compared with {base}, for {metrics}?",
          "如果本街道实行{policies}，与{base}相比，{metrics}会有什么变化？"),
    "best": ("Of the policies compared, the largest improvement in {m} comes under {s}: from {a} to {b}, a change "
             "of {d} ({ci}).",
             "在所比较的政策中，{s}对{m}的改善最大：从{a}{verb}到{b}，变化{d}（{ci}）。"),
    "best_one": ("There is an improvement in {m} under {s}: from {a} to {b}, a change of {d} ({ci}).",
                 "{s}改善了{m}：从{a}{verb}到{b}，变化{d}（{ci}）。"),
    "none": ("None of the policies clearly improves {m}: the largest change, under {s}, is {d} ({ci}).",
             "没有一项政策明显改善{m}：变化最大的是{s}，为{d}（{ci}）。"),
    "lead_worse_one": ("There is a deterioration in {m} under {s}: from {a} to {b}, a change of {d} ({ci}).",
                  "{s}使{m}变差：从{a}{verb}到{b}，变化{d}（{ci}）。"),
    "lead_worse_all": ("Every policy compared makes {m} worse; the least harmful is {s}: from {a} to {b}, a change "
                       "of {d} ({ci}).",
                  "所比较的政策都使{m}变差；影响最小的{s}使其从{a}{verb}到{b}，变化{d}（{ci}）。"),
    "tied": ("{names} do about equally well for {m} (their confidence intervals overlap); the cheapest in public "
             "cost is {s}: from {a} to {b}, a change of {d} ({ci}).",
             "{names}对{m}的改善大致相当（置信区间相互重叠）；其中公共支出最低的{s}使其从{a}{verb}到{b}，变化{d}（{ci}）。"),
    "sure_plain": ("the outcome is better under {s} than under {base} in {p} of the {n} paired runs with the "
                   "model's default assumptions",
                   "在默认假设下的{n}次配对模拟中，{s}在{p}的模拟中优于{base}"),
    "sure_either": ("there is no better direction for {m}, so the brief does not count the runs in which the "
                    "outcome is better under {s}",
                    "{m}没有优劣方向，因此本简报不统计{s}在多少次运行中表现更好"),
    "sure_unknown": ("comparison.csv gives no probability that the outcome is better under {s} than under {base}",
                     "comparison.csv 未给出{s}优于{base}的概率"),
    "sure_all": ("the outcome is better under {s} than under {base} in every one of the {n} paired runs with the "
                 "model's default assumptions",
                 "在默认假设下的{n}次配对模拟中，{s}均优于{base}"),
    "also_better": ("under {names} there is also a clear improvement", "{names}也明显改善了这一指标"),
    "also_slight": ("under {names} there is also an improvement, detectable but slight", "{names}也改善了这一指标，但幅度很小"),
    "also_change": ("under {names} there is also a clear change", "{names}也明显改变了这一指标"),
    "also_unseen": ("under {names} the change is detectable but too small to show in the tables",
                    "{names}带来的变化可以检测到，但小到在表中显示为零"),
    "cost_brief": ("Under {s}, public cost changes by {d} ({ci}).", "{s}使公共支出变化{d}（{ci}）。"),
    "cost_brief_none": ("Under {s}, public cost is unchanged.", "{s}不改变公共支出。"),
    "no_diff": ("under {names} there is no clear difference", "{names}没有带来明显差异"),
    "worse": ("under {names} there is a clear deterioration", "{names}使其变差"),
    "side": ("Besides, other key outcomes change under {s}: {changes}", "此外，{s}还使{changes}"),
    "side_none": ("Under {s}, none of the other key outcomes changes clearly", "{s}对其他关键指标没有明显影响"),
    "no_cost": (", with no change in public cost", "，公共支出不变"),
    "cost": (", and public cost changes by {d} ({ci})", "，公共支出变化{d}（{ci}）"),
    "watch": ("; note the changes under {s}: {changes}", "；需注意，{s}使{changes}"),
    "change_item": ("{m} by {d}", "{m}变化{d}"),
}


def _capital(text: str, lang: Lang) -> str:
    return text[0].upper() + text[1:] if (lang == "en" and text) else text


def w(key: str, lang: Lang, **kw: str) -> str:
    """The answer phrase ``key`` in ``lang``, its ``{field}`` slots filled from ``kw``.

    Raises:
        KeyError: ``key`` is not in ``W``, or the phrase has a slot ``kw`` does not fill.
    """
    return phrase(W, key, lang, **kw)


def join(items: list[str], lang: Lang, last: str = "and") -> str:
    """``items`` as one list in running text: "a, b and c" / "a、b和c" (``last="or"``:
    "a, b or c" / "a、b或c")."""
    if len(items) <= 1:
        return "".join(items)
    return w("list_sep", lang).join(items[:-1]) + w(last, lang) + items[-1]


def sentence_end(text: str, lang: Lang) -> str:
    """``text`` with the sentence's full stop ("." in English, "。" in Chinese)."""
    return text + ("。" if lang == "zh" else ".")


class Answer:
    """Sentences about one comparison in one language."""

    def __init__(self, res: Results, lang: Lang, primary: str | None = None):
        self.res, self.lang = res, lang
        metrics = res.metrics()
        self.key = [m for m in KEY_METRICS if m in metrics]
        self.primary = primary or (PRIMARY_METRIC if PRIMARY_METRIC in metrics else (self.key or metrics)[0])
        self.base = str(res.baseline)
        self._index: dict[tuple[str, str], pd.Series] | None = None
        self.others = [s for s in res.scenarios if s != self.base and s in set(res.comparison["scenario"])]

    def t(self, s: str) -> str:
        """Title of scenario ``s`` in the answer's language."""
        return self.res.title(s, self.lang)

    def row(self, metric: str, scenario: str) -> pd.Series | None:
        """The comparison.csv row of ``metric`` and ``scenario`` (indexed once), or None."""
        if self._index is None:
            df = self.res.comparison
            self._index = {(str(m), str(s)): r for (m, s), r in zip(zip(df["metric"], df["scenario"], strict=True),
                                                                   (r for _, r in df.iterrows()), strict=True)}
        return self._index.get((metric, scenario))

    def ci(self, row: pd.Series) -> str:
        """"confidence interval a to b", or, for a difference that is the same in every paired
        run (a cost set by the policy's rules), that fact instead of a degenerate interval."""
        if fixed(row):
            return w("fixed_ci", self.lang)
        lo = fmt.change_number(row["metric"], row["diff_ci_low"])
        hi = fmt.change_number(row["metric"], row["diff_ci_high"])
        return w("ci", self.lang, lo=lo, hi=hi)

    def gain(self, row: pd.Series) -> float:
        """The change in the better direction; for an outcome without one, its size."""
        way = direction(str(row["metric"]))
        d = float(row["diff"])
        return abs(d) if way == "ambiguous" else (d if way == "higher" else -d)

    # --- the parts ----------------------------------------------------------------------
    def question(self) -> str:
        """The question the brief answers: what the compared policies change against the
        baseline in the key outcomes.
        """
        policies = join([self.t(s) for s in self.others], self.lang, "or")  # alternatives, not a package
        metrics = join([label_in_sentence(m, self.lang) for m in self.key], self.lang)
        return w("q", self.lang, policies=policies, base=self.t(self.base), metrics=metrics)

    def lead(self) -> tuple[str, pd.Series, list[str], str]:
        """(lead option, its row in the lead outcome, options tied with it, the lead sentence)."""
        lang, m = self.lang, self.primary
        rows = self._rows()
        base_row = self.row(m, self.base)
        best, brow = max(rows, key=lambda sr: self.gain(sr[1]))
        label = label_in_sentence(m, lang)
        d = fmt.change(m, brow["diff"], lang)
        verdict = _verdict(brow)
        levels = {"a": fmt.level(m, base_row["mean"], lang), "b": fmt.level(m, brow["mean"], lang)}
        tied = self.tied(rows, brow) if verdict == "better" else []
        if len(tied) > 1:
            best, brow = min(tied, key=lambda sr: self.public_cost(sr[0]))
            d = fmt.change(m, brow["diff"], lang)
            levels["b"] = fmt.level(m, brow["mean"], lang)
            key, names = "tied", join([self.t(s) for s, _ in tied], lang)
        elif direction(m) == "ambiguous":
            key, names = "lead_either", ""
        elif verdict == "better":
            key, names = ("best" if len(rows) > 1 else "best_one"), ""
        elif verdict == "worse":
            key, names = ("lead_worse_all" if len(rows) > 1 else "lead_worse_one"), ""
        else:
            key, names = "none", ""
        up = brow["diff"] > 0  # the Chinese sentences' verb (the English ones say "from a to b")
        first = w(key, lang, s=self.t(best), m=label, names=names, d=d, ci=self.ci(brow),
                  verb=w("raises" if up else "lowers", lang), **levels)
        return best, brow, [s for s, _ in tied], _capital(first, lang)

    def _rows(self) -> list[tuple[str, pd.Series]]:
        rows = [(s, self.row(self.primary, s)) for s in self.others]
        return [(s, r) for s, r in rows if r is not None]

    def sentences(self) -> list[str]:
        """Three sentences: the headline, how sure and the others, side effects and cost."""
        best, brow, tied, first = self.lead()
        return [first, self._second(best, brow, self._rows(), tied), self._third(best)]

    def parts(self) -> dict[str, str]:
        """The answer cut by a drafter's questions, each a sentence: ``lead`` (which policy, how
        much), ``sure`` (in how many paired runs), ``others``, ``cost`` (public cost) and ``side``
        (side effects); empty strings where there is nothing to say."""
        lang = self.lang
        best, brow, tied, first = self.lead()
        sep = "；" if lang == "zh" else "; "
        others = sep.join(self.others_parts(best, self._rows(), tied))
        side_metrics, cost = self._side_metrics()
        changes = self._changes(best, side_metrics, ("better", "worse", "neutral"))
        side = w("side", lang, s=self.t(best), changes=join(changes, lang)) if changes else w("side_none", lang, s=self.t(best))
        side += self._worst_side_effect(best, side_metrics)
        return {"lead": first, "sure": _capital(sentence_end(self.sure(best, brow), lang), lang),
                "others": _capital(sentence_end(others, lang), lang) if others else "",
                "cost": self._cost_sentence(best, cost), "side": _capital(sentence_end(side, lang), lang)}

    def _side_metrics(self) -> tuple[list[str], str | None]:
        metrics = self.res.metrics()
        cost = next((m for m in ("mean_public_cost_yuan", "total_public_cost_yuan") if m in metrics), None)
        return [m for m in self.key if m not in (self.primary, cost)], cost

    def _cost_sentence(self, best: str, cost: str | None) -> str:
        crow = self.row(cost, best) if cost else None
        if crow is None:
            return ""
        if fixed(crow) and crow["diff"] == 0:
            return w("cost_brief_none", self.lang, s=self.t(best))
        return w("cost_brief", self.lang, s=self.t(best), d=fmt.change(cost, crow["diff"], self.lang), ci=self.ci(crow))

    def tied(self, rows: list[tuple[str, pd.Series]], brow: pd.Series) -> list[tuple[str, pd.Series]]:
        """Options clearly better than the baseline whose difference CI overlaps the best one's."""
        return [(s, r) for s, r in rows if _verdict(r) == "better"
                and r["diff_ci_low"] <= brow["diff_ci_high"] and r["diff_ci_high"] >= brow["diff_ci_low"]]

    def public_cost(self, scenario: str) -> float:
        """Mean public cost of a scenario (for choosing among tied options); +inf if unknown."""
        metrics = self.res.metrics()
        cost = next((m for m in ("mean_public_cost_yuan", "total_public_cost_yuan") if m in metrics), None)
        r = self.row(cost, scenario) if cost else None
        return math.inf if r is None or not math.isfinite(r["mean"]) else float(r["mean"])

    def sure(self, best: str, brow: pd.Series) -> str:
        """In how many of the paired runs ``best`` beats the baseline (no sentence end)."""
        lang, base = self.lang, self.t(self.base)
        p = brow["prob_better"]
        n = fmt.number(float(brow["n"]), 0) if math.isfinite(float(brow["n"])) else "n/a"
        if direction(str(brow["metric"])) == "ambiguous":
            return w("sure_either", lang, m=label_in_sentence(str(brow["metric"]), lang), s=self.t(best))
        if p is None or not math.isfinite(p):
            return w("sure_unknown", lang, s=self.t(best), base=base)
        if p == 1.0:
            return w("sure_all", lang, s=self.t(best), base=base, n=n)
        return w("sure_plain", lang, s=self.t(best), base=base, p=fmt.probability(p), n=n)

    def _second(self, best: str, brow: pd.Series, rows: list[tuple[str, pd.Series]], tied: list[str]) -> str:
        parts = [self.sure(best, brow), *self.others_parts(best, rows, tied)]
        sep = "；" if self.lang == "zh" else "; "
        text = sep.join(parts)
        return sentence_end(text[0].upper() + text[1:] if self.lang == "en" else text, self.lang)

    def others_parts(self, best: str, rows: list[tuple[str, pd.Series]], tied: list[str]) -> list[str]:
        """What the other options do to the lead outcome, grouped: clearly, slightly, no, worse."""
        lang = self.lang
        parts: list[str] = []
        groups: dict[str, list[str]] = {"better": [], "slight": [], "unclear": [], "worse": [], "neutral": [],
                                        "unseen": []}
        largest = max((abs(float(r["diff"])) for _, r in rows), default=0.0)
        for s, r in rows:
            if s != best and s not in tied:
                v = _verdict(r)
                if v != "unclear" and shows_as_zero(r):  # the table prints 0.0: say so, not "improves"
                    v = "unseen"
                groups["slight" if v == "better" and is_small(r, largest) else v].append(self.t(s))
        for verdict, key in (("better", "also_better"), ("slight", "also_slight"), ("neutral", "also_change"),
                             ("unseen", "also_unseen"), ("unclear", "no_diff"), ("worse", "worse")):
            names = groups[verdict]
            if names:
                parts.append(w(key, lang, names=join(names, lang)))
        return parts

    def _changes(self, scenario: str, metrics: list[str], verdicts: tuple[str, ...]) -> list[str]:
        out = []
        for metric in metrics:
            r = self.row(metric, scenario)
            if r is not None and _verdict(r) in verdicts:
                label = label_in_sentence(metric, self.lang)
                out.append(w("change_item", self.lang, m=label, d=fmt.change(metric, r["diff"], self.lang)))
        return out

    def _third(self, best: str) -> str:
        lang = self.lang
        side_metrics, cost = self._side_metrics()
        changes = self._changes(best, side_metrics, ("better", "worse", "neutral"))
        if changes:
            text = w("side", lang, s=self.t(best), changes=join(changes, lang))
        else:
            text = w("side_none", lang, s=self.t(best))
        crow = self.row(cost, best) if cost else None
        if crow is not None:
            if fixed(crow) and crow["diff"] == 0:
                text += w("no_cost", lang)
            else:
                text += w("cost", lang, d=fmt.change(cost, crow["diff"], lang), ci=self.ci(crow))
        return sentence_end(text + self._worst_side_effect(best, side_metrics), lang)

    def _worst_side_effect(self, best: str, metrics: list[str]) -> str:
        """The scenario (other than ``best``) with the most clearly worsened key outcomes."""
        candidates = []
        for s in self.others:
            if s == best:
                continue
            worse = self._changes(s, metrics, ("worse",))
            if worse:
                candidates.append((len(worse), s, worse))
        if not candidates:
            return ""
        _, s, worse = max(candidates, key=lambda c: c[0])
        return w("watch", self.lang, s=self.t(s), changes=join(worse[:2], self.lang))

    # --- the key table ------------------------------------------------------------------
    def cell(self, metric: str, r: pd.Series) -> str:
        """A change with its CI in brackets, bold when clear; a change that is the same in every
        paired run as a number marked "(fixed)" (no interval), or "0" when there is none."""
        d = fmt.change_number(metric, r["diff"])
        zero = float(d.replace(fmt.MINUS, "-").replace(",", "")) == 0
        d = f"**{d}**" if _verdict(r) in ("better", "worse", "neutral") and not zero else d
        if fixed(r):
            return d if zero else f"{d} {w('fixed_cell', self.lang)}"
        lo, hi = fmt.change_number(metric, r["diff_ci_low"]), fmt.change_number(metric, r["diff_ci_high"])
        return f"{d} [{lo}, {hi}]"

    def table(self) -> tuple[list[str], list[list[str]]]:
        """Header and rows: baseline levels, then each scenario's change [CI]; bold = clear."""
        lang = self.lang
        header = [("情景" if lang == "zh" else "Scenario")]
        for m in self.key:
            u = fmt.unit(m, lang)
            label = metric_label(m, lang)
            header.append(f"{label}（{u}）" if (u and lang == "zh") else (f"{label} ({u})" if u else label))
        rows = []
        for s in [self.base, *self.others]:
            cells = [self.t(s)]
            for m in self.key:
                r = self.row(m, s)
                if r is None:
                    cells.append("")
                elif s == self.base:
                    cells.append(fmt.level_number(m, r["mean"]))
                else:
                    cells.append(self.cell(m, r))
            rows.append(cells)
        return header, rows
