"""Figures of a comparison: time series, forest plot, cost-effectiveness, estate distributions.

Each function takes the folder's :class:`~commsim.report.results.Results` and a language and
returns a matplotlib Figure (draw and save it inside ``style.language(lang)``). Bands are
quantiles over replicates; intervals are the paired 95% CIs of ``comparison.csv``; shares are
drawn in per cent and their changes in percentage points.
"""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from commsim.metrics import direction
from commsim.report import fmt, style
from commsim.report.results import Results
from commsim.report.vocab import (
    Lang,
    axis_label,
    estate_type_label,
    lower_first,
    metric_kind,
    metric_label,
    phrase,
    unit,
)

#: key outcomes: fee collection, complaints, participation, worker load, public cost
KEY_METRICS: tuple[str, ...] = (
    "mean_collection_rate", "mean_complaints_per_1000_households", "mean_participation_rate",
    "mean_worker_load", "mean_public_cost_yuan",
)
COST_METRICS: tuple[str, ...] = ("mean_public_cost_yuan", "total_public_cost_yuan")
QUANTILES: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)
BURN_IN_STYLE = {"facecolor": "#F4F4F4", "edgecolor": "#D0D0D0", "hatch": "////", "lw": 0, "zorder": 0}
ESTATE_ORDER: tuple[str, ...] = ("commercial", "old", "resettlement", "work_unit")

T = {
    "month": ("Month", "月份"),
    "bands": ("median; shaded: middle 50% and 90% of replicates", "中位数；阴影：50%与90%的重复运行"),
    "band50": ("50% of replicates", "50%的重复运行"),
    "band90": ("90% of replicates", "90%的重复运行"),
    "burn_in": ("burn-in (not evaluated)", "预热期（不计入）"),
    "forest": ("Change against {base}, 95% CI", "与{base}相比的变化（95%置信区间）"),
    "clear": ("filled: the 95% CI excludes zero", "实心：95%置信区间不含零"),
    "unclear": ("open: no clear difference", "空心：无明显差异"),
    "better_right": ("better →", "更好 →"),
    "better_left": ("← better", "← 更好"),
    "either": ("no better direction", "无优劣方向"),
    "paired": ("one dot = one paired replicate", "每点为一次配对重复运行"),
    "cost_title": ("Public cost and {metric}, against {base}", "公共支出与{metric}（与{base}相比）"),
    "win": ("better and cheaper", "更好且更省"),
    "lose": ("worse and dearer", "更差且更贵"),
    "estates": ("{metric} by estate type, after burn-in (estates x replicates)", "按小区类型的{metric}（预热期后，各小区×各次运行）"),
}


def tr(key: str, lang: Lang, **kw: str) -> str:
    """The figure phrase ``key`` in ``lang``, its ``{field}`` slots filled from ``kw``.

    Raises:
        KeyError: ``key`` is not in ``T``, or the phrase has a slot ``kw`` does not fill.
    """
    return phrase(T, key, lang, **kw)


def wrap(text: str, lang: Lang, width: int) -> str:
    """Wrap a label: ``width`` characters in English, half as many in Chinese."""
    if lang == "zh":
        width = max(4, width // 2)
        return "\n".join(text[i:i + width] for i in range(0, len(text), width))
    return textwrap.fill(text, width=width, break_long_words=False)


def scale(metric: str) -> float:
    """Factor from stored values to drawn values: shares in per cent, money in thousands of yuan."""
    kind = metric_kind(metric)
    return 100.0 if kind == "share" else (0.001 if kind in ("yuan", "yuan_month") else 1.0)


def zero_based(metric: str) -> bool:
    """Levels of money (costs, fees, subsidies) are drawn on axes that start at zero."""
    return metric_kind(metric) in ("yuan", "yuan_month")


def axis_unit(metric: str, lang: Lang, change: bool = False) -> str:
    """Unit of the drawn values of ``metric`` (money in thousands of yuan, see :func:`scale`).

    Args:
        metric: Metric or summary column.
        lang: ``en`` or ``zh``.
        change: The unit of a change (percentage points for shares) rather than of a level.
    """
    kind = metric_kind(metric)
    if kind == "yuan_month":
        return "千元/月" if lang == "zh" else "thousand yuan a month"
    if kind == "yuan":
        return "千元" if lang == "zh" else "thousand yuan"
    return unit(metric, lang, change)


def axis_text(metric: str, lang: Lang, change: bool = False) -> str:
    """Axis label with the unit of the drawn values (see :func:`scale`)."""
    return axis_label(metric, lang, change, unit_text=axis_unit(metric, lang, change))


def _source(res: Results, lang: Lang, scenarios: list[str], extra: str = "") -> str:
    return style.source_text(lang, res.version, scenarios, res.replicates, res.base_seed, extra)


def _base_metric(column: str) -> str:
    for prefix in ("mean_", "final_", "total_"):
        if column.startswith(prefix):
            return column[len(prefix):]
    return column


def timeseries(res: Results, metric: str, lang: Lang) -> Figure:
    """A monthly street-wide metric per scenario: median with 50% and 90% bands over replicates."""
    df = res.monthly([metric])
    present = set(df["scenario"])
    names = [s for s in res.scenarios if s in present]
    base = res.baseline if res.baseline in present else None
    colours, markers = style.scenario_colours(names, base), style.scenario_markers(names, base)
    q = df.groupby(["scenario", "month"])[metric].quantile(list(QUANTILES)).unstack() * scale(metric)
    others = [s for s in names if s != base]
    overlay = len(names) <= 3 or base is None
    if overlay:
        fig = style.new_figure(3.6)
        axes = [fig.add_subplot()]
        panels = [names]
    else:
        ncols = 3
        nrows = math.ceil(len(others) / ncols)
        fig = style.new_figure(1.2 + 1.55 * nrows)
        axes = list(np.ravel(fig.subplots(nrows, ncols, sharex=True, sharey=True)))
        for i, ax in enumerate(axes):
            if i >= len(others):
                ax.set_visible(False)
            elif i + ncols >= len(others):  # nothing drawn below: show this panel's months
                ax.xaxis.set_tick_params(labelbottom=True)
        panels = [[base, s] for s in others]
    for ax, group in zip(axes, panels, strict=False):
        if res.burn_in_months:
            ax.axvspan(0.5, res.burn_in_months + 0.5, **BURN_IN_STYLE)
        for s in group:
            d = q.loc[s]
            if s == base and not overlay:
                ax.plot(d.index, d[0.5], color=style.BLACK, lw=1.0, ls="--")
                continue
            c = colours[s]
            ax.fill_between(d.index, d[0.05], d[0.95], color=c, alpha=0.13, lw=0)
            ax.fill_between(d.index, d[0.25], d[0.75], color=c, alpha=0.30, lw=0)
            ax.plot(d.index, d[0.5], color=c, lw=1.5, label=res.title(s, lang), marker=markers[s], ms=3.5,
                    markevery=max(1, len(d.index) // 6))
        if not overlay:  # three panels a row: about 30 characters fit above each
            ax.set_title(wrap(res.title(group[-1], lang), lang, 30), fontsize=8)
        ax.yaxis.set_major_locator(MaxNLocator(5))
    if zero_based(metric):  # money from zero (once every panel is drawn: the y axes are shared)
        axes[0].set_ylim(bottom=0, top=max(axes[0].get_ylim()[1] * 1.06, 1e-9))
    fig.suptitle(f"{metric_label(metric, lang)} · {tr('bands', lang)}", fontsize=9)
    for ax in axes:
        if ax.get_visible() and ax.xaxis.get_tick_params()["labelbottom"]:
            ax.set_xlabel(tr("month", lang))
    fig.supylabel(axis_text(metric, lang), fontsize=8.5)
    handles = []
    if overlay:
        handles += [Line2D([], [], color=colours[s], lw=1.5, marker=markers[s], ms=3.5, label=res.title(s, lang))
                    for s in names]
    else:
        handles.append(Line2D([], [], color=style.BLACK, lw=1.0, ls="--", label=res.title(base, lang)))
    handles += [Patch(color=style.GREY, alpha=0.45, label=tr("band50", lang)),
                Patch(color=style.GREY, alpha=0.2, label=tr("band90", lang))]
    if res.burn_in_months:
        handles.append(Patch(**BURN_IN_STYLE, label=tr("burn_in", lang)))
    style.legend_below(fig, handles, 4)
    style.source_line(fig, _source(res, lang, names))
    return fig


def verdict(metric: str, low: float, high: float) -> str:
    """"better", "worse", "unclear" (the 95% CI holds 0, or is missing) or "neutral" (a clear
    change in an outcome without a better direction, see :func:`commsim.metrics.direction`)."""
    if not (np.isfinite(low) and np.isfinite(high)) or (low <= 0 <= high):
        return "unclear"
    way = direction(metric)
    if way == "ambiguous":
        return "neutral"
    return "better" if (low > 0) == (way == "higher") else "worse"


def _verdict(row: pd.Series) -> str:
    return verdict(str(row["metric"]), row["diff_ci_low"], row["diff_ci_high"])


def fixed(row: pd.Series) -> bool:
    """A difference that is the same in every paired replicate (a zero-width interval): a cost
    set by a policy's rules, say. It is shown as a number, never as a degenerate interval."""
    return fmt.is_fixed(float(row["diff_ci_low"]), float(row["diff_ci_high"]), float(row["diff"]))


def direction_hint(metric: str, lang: Lang) -> str:
    """"better →", "← better" or "no better direction" under a panel of changes."""
    return tr({"higher": "better_right", "lower": "better_left"}.get(direction(metric), "either"), lang)


#: intervals are drawn over the markers, in dark grey with caps, so they show even inside a dot
INTERVAL_COLOUR = "#222222"
MARKER_Z, INTERVAL_Z = 3, 4


def forest(res: Results, lang: Lang, metrics: tuple[str, ...] = KEY_METRICS, row_in: float = 0.3,
           label_width: int = 24, title: bool = True) -> Figure:
    """Paired differences against the baseline with 95% CIs: one row per scenario (its own colour
    and marker, filled when the interval excludes zero), one panel per metric; under each panel
    the better direction (none for complaints filed). ``row_in``: inches per scenario;
    ``label_width``: characters per line of a scenario's title."""
    metrics = tuple(m for m in metrics if m in res.metrics())
    if not metrics:
        raise ValueError("none of the forest plot's metrics is in comparison.csv")
    base = res.baseline
    names = [s for s in res.scenarios if s != base and s in set(res.comparison["scenario"])]
    colours = style.scenario_colours([base, *names], base)
    markers = style.scenario_markers([base, *names], base)
    fig = style.new_figure((1.95 if title else 1.55) + row_in * len(names))
    axes = np.atleast_1d(fig.subplots(1, len(metrics), sharey=True))
    ys = np.arange(len(names))[::-1]
    for ax, metric in zip(axes, metrics, strict=True):
        rows = res.rows(metric).set_index("scenario")
        k = scale(metric)
        for y, s in zip(ys, names, strict=True):
            if s not in rows.index:
                continue
            row = rows.loc[s]
            c = colours[s]
            x, lo, hi = row["diff"] * k, row["diff_ci_low"] * k, row["diff_ci_high"] * k
            clear = _verdict(row) != "unclear"
            ax.plot([x], [y], ls="", marker=markers[s], ms=6, mec=c, mew=1.3, mfc=c if clear else "white",
                    zorder=MARKER_Z)
            if np.isfinite(lo) and np.isfinite(hi):
                ax.errorbar([x], [y], xerr=[[max(x - lo, 0.0)], [max(hi - x, 0.0)]], fmt="none",
                            ecolor=INTERVAL_COLOUR, elinewidth=0.9, capsize=2.2, capthick=0.9, zorder=INTERVAL_Z)
        ax.axvline(0, color=style.BLACK, lw=0.7, zorder=1)
        width = 18 if len(metrics) > 2 else 40
        ax.set_title(wrap(metric_label(metric, lang), lang, width), fontsize=8)
        ax.set_xlabel(wrap(axis_unit(metric, lang, change=True), lang, width) + "\n" + direction_hint(metric, lang),
                      fontsize=7)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=3, steps=[1, 1.5, 2, 2.5, 3, 5, 10], min_n_ticks=3))
        ax.ticklabel_format(axis="x", style="plain", useOffset=False)
        ax.tick_params(axis="x", labelsize=6.5)
        ax.grid(axis="y", visible=False)
        ax.margins(x=0.15)
        lo, hi = ax.get_xlim()
        if hi - lo < 1e-9:  # nothing changed in any scenario: show a plain axis around zero
            ax.set_xlim(-1, 1)
    axes[0].set_yticks(ys, [wrap(res.title(s, lang), lang, label_width) for s in names])
    axes[0].set_ylim(-0.6, len(names) - 0.4)
    if title:
        fig.suptitle(tr("forest", lang, base=res.title(base, lang)), fontsize=9)
    handles = [Line2D([], [], color=style.GREY, marker="o", mfc=style.GREY, ms=5, ls="", label=tr("clear", lang)),
               Line2D([], [], color=style.GREY, marker="o", mfc="white", ms=5, ls="", label=tr("unclear", lang))]
    style.legend_below(fig, handles, 2)
    style.source_line(fig, _source(res, lang, [base, *names]))
    return fig


def headline(res: Results, lang: Lang, metric: str) -> Figure:
    """The forest plot of the brief's page: the lead outcome and public cost, one line a scenario
    (no title: the page's caption says what it shows)."""
    cost = next((m for m in COST_METRICS if m in res.metrics()), None)
    metrics = (metric,) if cost is None or cost == metric else (metric, cost)
    titles = [res.title(s, lang) for s in res.scenarios if s != res.baseline]
    one_line = all("\n" not in wrap(t, lang, 52) for t in titles)
    return forest(res, lang, metrics, row_in=0.22 if one_line else 0.32, label_width=52, title=False)


def _paired(res: Results, column: str, scenario: str) -> np.ndarray | None:
    s = res.summary
    if s is None or column not in s:
        return None
    wide = s.pivot_table(index="replicate", columns="scenario", values=column)
    if scenario not in wide or res.baseline not in wide:
        return None
    return (wide[scenario] - wide[res.baseline]).dropna().to_numpy()


def _zero_inside(ax, share: float = 0.1) -> None:
    """Widen the limits so that zero lies inside both axes with room on each side."""
    for get, set_ in ((ax.get_xlim, ax.set_xlim), (ax.get_ylim, ax.set_ylim)):
        lo, hi = get()
        span = max(hi - lo, 1e-9)
        set_(min(lo, -share * span), max(hi, share * span))


def cost_effectiveness(res: Results, metric: str, lang: Lang, cost_metric: str | None = None) -> Figure:
    """Change in public cost against change in ``metric``, per scenario, with paired CIs and replicates."""
    available = res.metrics()
    cost_metric = cost_metric or next((m for m in COST_METRICS if m in available), None)
    if cost_metric is None or metric not in available:
        raise ValueError(f"comparison.csv needs {metric} and a public-cost metric for this figure")
    base = res.baseline
    a, b = res.rows(metric).set_index("scenario"), res.rows(cost_metric).set_index("scenario")
    names = [s for s in res.scenarios if s != base and s in a.index and s in b.index]
    colours, markers = style.scenario_colours(names, base), style.scenario_markers(names, base)
    ky, kx = scale(metric), scale(cost_metric)
    fig = style.new_figure(4.2)
    ax = fig.add_subplot()
    ax.axhline(0, color=style.BLACK, lw=0.7)
    ax.axvline(0, color=style.BLACK, lw=0.7)
    for s in names:
        c = colours[s]
        dx, dy = _paired(res, cost_metric, s), _paired(res, metric, s)
        if dx is not None and dy is not None and len(dx) == len(dy):
            ax.scatter(dx * kx, dy * ky, s=7, color=c, alpha=0.35, lw=0, marker=markers[s])
        x, y = b.loc[s, "diff"] * kx, a.loc[s, "diff"] * ky
        xerr = [[x - b.loc[s, "diff_ci_low"] * kx], [b.loc[s, "diff_ci_high"] * kx - x]]
        yerr = [[y - a.loc[s, "diff_ci_low"] * ky], [a.loc[s, "diff_ci_high"] * ky - y]]
        ax.errorbar([x], [y], xerr=xerr, yerr=yerr, fmt=markers[s], color=c, ms=5, lw=1.4, capsize=2.5,
                    label=res.title(s, lang), zorder=INTERVAL_Z)
    _zero_inside(ax)
    way = direction(metric)
    if way != "ambiguous":
        up = way == "higher"
        ax.text(0.02, 0.98 if up else 0.02, tr("win", lang), transform=ax.transAxes, color=style.BETTER,
                ha="left", va="top" if up else "bottom", fontsize=7.5)
        ax.text(0.98, 0.02 if up else 0.98, tr("lose", lang), transform=ax.transAxes, color=style.WORSE,
                ha="right", va="bottom" if up else "top", fontsize=7.5)
    ax.set_xlabel(axis_text(cost_metric, lang, change=True))
    ax.set_ylabel(wrap(axis_text(metric, lang, change=True), lang, 48))
    ax.set_title(tr("cost_title", lang, metric=lower_first(metric_label(metric, lang), lang),
                    base=res.title(base, lang)), fontsize=9)
    ax.xaxis.set_major_locator(MaxNLocator(6, min_n_ticks=3))
    ax.yaxis.set_major_locator(MaxNLocator(6, min_n_ticks=3))
    handles, _ = ax.get_legend_handles_labels()
    handles.append(Line2D([], [], color=style.GREY, marker="o", ls="", ms=3, alpha=0.6, label=tr("paired", lang)))
    style.legend_below(fig, handles, 3)
    style.source_line(fig, _source(res, lang, [base, *names]))
    return fig


def estates(res: Results, metric: str, lang: Lang) -> Figure:
    """Distribution of an estate-level metric (mean after burn-in) by estate type and scenario."""
    base_metric = _base_metric(metric)
    df = res.monthly([base_metric], street_only=False)
    df = df[df["month"] > res.burn_in_months]
    per = df.groupby(["scenario", "replicate", "estate", "estate_type"], observed=True)[base_metric].mean().reset_index()
    present = list(per["estate_type"].unique())
    types = [t for t in ESTATE_ORDER if t in present] + sorted(t for t in present if t not in ESTATE_ORDER)
    names = [s for s in res.scenarios if s in set(per["scenario"])]
    colours = style.scenario_colours(names, res.baseline)
    k = scale(base_metric)
    fig = style.new_figure(3.8)
    ax = fig.add_subplot()
    width = 0.8 / len(names)
    rng = np.random.default_rng(0)  # jitter only: fixed so figures are reproducible
    for j, s in enumerate(names):
        for i, t in enumerate(types):
            vals = per.loc[(per["scenario"] == s) & (per["estate_type"] == t), base_metric].dropna().to_numpy() * k
            if len(vals) == 0:
                continue
            pos = i - 0.4 + width * (j + 0.5)
            ax.boxplot([vals], positions=[pos], widths=width * 0.8, patch_artist=True, showfliers=False,
                       boxprops={"facecolor": colours[s], "alpha": 0.35, "edgecolor": colours[s]},
                       medianprops={"color": colours[s], "lw": 1.6},
                       whiskerprops={"color": colours[s]}, capprops={"color": colours[s]})
            ax.scatter(pos + rng.uniform(-0.25, 0.25, len(vals)) * width, vals, s=4, color=colours[s], lw=0, alpha=0.6)
    ax.set_xticks(range(len(types)), [estate_type_label(t, lang) for t in types])
    ax.set_xlim(-0.55, len(types) - 0.45)
    ax.set_ylabel(wrap(axis_text(base_metric, lang), lang, 40))
    ax.grid(axis="x", visible=False)
    ax.set_title(tr("estates", lang, metric=metric_label(base_metric, lang)), fontsize=9)
    handles = [Patch(facecolor=colours[s], alpha=0.5, edgecolor=colours[s], label=res.title(s, lang)) for s in names]
    style.legend_below(fig, handles, 3)
    style.source_line(fig, _source(res, lang, names))
    return fig
