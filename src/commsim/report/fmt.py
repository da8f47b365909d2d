"""The one place where numbers become text, for tables, sentences and figure annotations.

Every number a brief prints goes through these functions, so a test can format the cells of
``comparison.csv`` the same way and find each number of the text among them. Shares (0-1) are
shown in per cent and their changes in percentage points; money in whole yuan with thousands
separators; negative numbers with a true minus sign (U+2212).
"""

from __future__ import annotations

import math
import re

from commsim.report.vocab import Lang, metric_kind, unit

MINUS = "\u2212"
#: decimals shown per number kind (after scaling shares to per cent)
DECIMALS: dict[str, int] = {
    "share": 1, "score": 1, "index": 3, "per1000": 1, "yuan": 0, "yuan_month": 0,
    "count": 1, "hours": 0, "months": 2, "ratio": 2,
}
#: a number as it appears in text (sign, digits, thousands separators, decimals)
NUMBER_RE = re.compile(r"[+\u2212-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)*")


def number(value: float, decimals: int, signed: bool = False) -> str:
    """``value`` rounded to ``decimals``, thousands separated, minus as U+2212; "n/a" if missing."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    text = f"{abs(value):,.{decimals}f}"
    if float(text.replace(",", "")) == 0:
        return f"{0:.{decimals}f}"
    if value < 0:
        return MINUS + text
    return ("+" + text) if signed else text


def _scaled(column: str, value: float) -> tuple[float, int]:
    kind = metric_kind(column)
    return (value * 100.0 if kind == "share" else value), DECIMALS.get(kind, 2)


def resolution(column: str) -> float:
    """Half a unit of the last digit the reports print for ``column``, in its own units: a
    difference below it shows as zero (0.0005 for a share printed as 76.3%, 0.5 for yuan)."""
    _, decimals = _scaled(column, 1.0)
    half = 0.5 * 10.0 ** -decimals
    return half / 100.0 if metric_kind(column) == "share" else half


def resolution_text(column: str, lang: Lang) -> str:
    """:func:`resolution` as text with its unit, one digit more than the reports print:
    "0.05 percentage points" for a share."""
    v, d = _scaled(column, resolution(column))
    return _join(number(v, d + 1), unit(column, lang, change=True), lang)


def level_number(column: str, value: float) -> str:
    """The level of a metric, no unit: 0.763 collection rate -> "76.3"."""
    v, d = _scaled(column, value)
    return number(v, d)


def change_number(column: str, value: float) -> str:
    """A change in a metric, signed, no unit: +0.023 collection rate -> "+2.3"."""
    v, d = _scaled(column, value)
    return number(v, d, signed=True)


def _join(num: str, u: str, lang: Lang) -> str:
    if not u or num == "n/a":
        return num
    if u == "%":
        return num + "%"
    return num + u if lang == "zh" else f"{num} {u}"


def level(column: str, value: float, lang: Lang) -> str:
    """Level with its unit: "76.3%", "12,345 yuan a month", "62.5分（满分100）"."""
    return _join(level_number(column, value), unit(column, lang), lang)


def change(column: str, value: float, lang: Lang) -> str:
    """Signed change with its unit: "+2.3 percentage points", "−4.1 件/千户/月"."""
    return _join(change_number(column, value), unit(column, lang, change=True), lang)


def effect(column: str, value: float, lang: Lang) -> str:
    """An unsigned effect size in the units of a change (Morris mu*): "55.2 percentage points"."""
    return _join(level_number(column, value), unit(column, lang, change=True), lang)


def interval(low: str, high: str, lang: Lang) -> str:
    """Two formatted bounds as a range: "+1.1 to +3.5" / "+1.1至+3.5"."""
    return f"{low}至{high}" if lang == "zh" else f"{low} to {high}"


def change_interval(column: str, low: float, high: float, lang: Lang) -> str:
    """A range of two changes, signed, no unit: "+1.1 to +3.5" / "+1.1至+3.5"."""
    return interval(change_number(column, low), change_number(column, high), lang)


def level_interval(column: str, low: float, high: float, lang: Lang) -> str:
    """A range of two levels, no unit: "72.0 to 80.5" / "72.0至80.5"."""
    return interval(level_number(column, low), level_number(column, high), lang)


def is_fixed(low: float, high: float, value: float) -> bool:
    """Whether an interval has zero width: a difference that is the same in every paired run (a
    cost set by a policy's rules), shown as a number, never as a degenerate interval."""
    return bool(math.isfinite(low) and math.isfinite(high) and abs(high - low) <= 1e-9 * max(1.0, abs(value)))


def probability(p: float) -> str:
    """A probability in whole per cent: 0.974 -> "97%"."""
    if p is None or not math.isfinite(p):
        return "n/a"
    return number(100.0 * p, 0) + "%"


def p_value(p: float) -> str:
    """A p-value: "0.012", or "<0.001"."""
    if p is None or not math.isfinite(p):
        return "n/a"
    return "<0.001" if p < 0.001 else number(p, 3)


def sobol_index(value: float) -> str:
    """A Sobol index (share of output variance, 0-1): two decimals."""
    if value is None or not math.isfinite(value):
        return "n/a"
    return number(value, 2)


def plain(value: float) -> str:
    """A parameter value as written in the parameter table: up to six significant digits."""
    if isinstance(value, int) and not isinstance(value, bool):
        return number(value, 0)
    text = f"{abs(value):,.6g}"
    return (MINUS + text) if value < 0 else text


def numbers_in(text: str) -> list[str]:
    """Every number in ``text`` as written (for tests and checks)."""
    return NUMBER_RE.findall(text)
