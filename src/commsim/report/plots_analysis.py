"""Figures of experiments: sensitivity indices (Morris, Sobol) and parameter sweeps.

Morris: mu* (mean absolute elementary effect, in the output's units per sweep of the
parameter's range) with its bootstrap CI, and sigma (spread of effects: interactions or
non-linearity). Sobol: first-order S1 and total ST shares of output variance with CIs.
Sweeps: the outcome's median and 50% / 90% bands over replicates at each swept value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from commsim.report import fmt, plots, style
from commsim.report.plots import QUANTILES, axis_text, axis_unit, scale, wrap, zero_based
from commsim.report.results import Results, swept_parameters
from commsim.report.vocab import Lang, lower_first, metric_label, phrase
from commsim.report.vocab_params import param_label, param_unit

T: dict[str, tuple[str, str]] = {
    "morris_title": ("What moves {metric} most: Morris screening", "影响{metric}最大的参数：Morris筛选"),
    "difference": ("the difference in {metric} between {a} and {b}", "{a}与{b}之间{metric}的差"),
    "morris_x": ("Effect on {metric} over the parameter's range{unit}", "参数在其取值范围内变化时对{metric}的影响{unit}"),
    "mu_star": ("mu* (mean absolute effect), 95% CI", "mu*（平均绝对效应，95%置信区间）"),
    "sigma": ("sigma (interactions, non-linearity)", "sigma（交互作用与非线性）"),
    "sobol_title": ("What moves {metric} most: Sobol indices", "影响{metric}最大的参数：Sobol指数"),
    "sobol_x": ("Share of the variance of {metric}", "占{metric}方差的比例"),
    "S1": ("S1 (alone), 95% CI", "S1（单独作用，95%置信区间）"),
    "ST": ("ST (with interactions), 95% CI", "ST（含交互作用，95%置信区间）"),
    "sweep_title": ("{metric} as {param} varies", "{metric}随{param}的变化"),
    "median": ("median", "中位数"),
    "other_params": ("{param} = {value}", "{param} = {value}"),
}


def tr(key: str, lang: Lang, **kw: str) -> str:
    """The analysis-figure phrase ``key`` in ``lang``, its ``{field}`` slots filled from ``kw``.

    Phrases not in this module's ``T`` come from :func:`commsim.report.plots.tr`.

    Raises:
        KeyError: ``key`` is in neither table, or the phrase has a slot ``kw`` does not fill.
    """
    if key not in T:
        return plots.tr(key, lang, **kw)
    return phrase(T, key, lang, **kw)

#: most parameters shown in a sensitivity figure
TOP_PARAMETERS = 12


def _unit_suffix(metric: str, lang: Lang) -> str:
    u = axis_unit(metric, lang, change=True)
    if not u:
        return ""
    return f"（{u}）" if lang == "zh" else f" ({u})"


def sensitivity(res: Results, output: str, lang: Lang, method: str | None = None) -> Figure:
    """Bars of Morris mu*/sigma or Sobol S1/ST for one output, largest first, with 95% CIs."""
    df = res.sensitivity
    if df is None:
        raise ValueError("no sensitivity.csv in this folder")
    df = df[df["output"] == output]
    method = method or str(df["method"].iloc[0]) if len(df) else (method or "")
    df = df[df["method"] == method]
    if df.empty:
        raise ValueError(f"sensitivity.csv has no {method or 'rows'} for output {output}")
    key = "mu_star" if method == "morris" else "ST"
    df = df.sort_values(key, ascending=False).head(TOP_PARAMETERS).iloc[::-1]
    n = len(df)
    fig = style.new_figure(1.6 + 0.3 * n)
    ax = fig.add_subplot()
    y = np.arange(n)
    h = 0.38
    label = lower_first(metric_label(output, lang), lang)
    info = res.sensitivity_info
    if info.get("against") and info.get("scenario"):  # the analysed output is a paired difference
        label = tr("difference", lang, metric=label, a=res.title(info["scenario"], lang),
                   b=res.title(info["against"], lang))
    error = {"lw": 0.9, "capsize": 2.5, "capthick": 0.9, "ecolor": style.BLACK, "zorder": 4}
    if method == "morris":
        k = scale(output)
        ax.barh(y + h / 2, df["mu_star"] * k, height=h, xerr=df["mu_star_conf"] * k, color=style.BLUE,
                error_kw=error, label=tr("mu_star", lang))
        ax.barh(y - h / 2, df["sigma"] * k, height=h, color=style.ORANGE, alpha=0.8, label=tr("sigma", lang))
        ax.set_xlabel(wrap(tr("morris_x", lang, metric=label, unit=_unit_suffix(output, lang)), lang, 62))
        ax.set_title(wrap(tr("morris_title", lang, metric=label), lang, 80), fontsize=9)
    else:
        for col, off, colour in (("S1", h / 2, style.BLUE), ("ST", -h / 2, style.ORANGE)):
            ax.barh(y + off, df[col], height=h, xerr=df[f"{col}_conf"], color=colour,
                    error_kw=error, label=tr(col, lang))
        ax.set_xlabel(wrap(tr("sobol_x", lang, metric=label), lang, 62))
        ax.set_title(wrap(tr("sobol_title", lang, metric=label), lang, 80), fontsize=9)
        ax.set_xlim(left=min(0.0, float((df["S1"] - df["S1_conf"]).min())))
    ax.axvline(0, color=style.BLACK, lw=0.7)
    ax.set_xlim(left=min(0.0, ax.get_xlim()[0]))  # bars from zero
    ax.xaxis.set_major_locator(MaxNLocator(6, min_n_ticks=3))
    ax.set_yticks(y, [wrap(param_label(p, lang, res.titles), lang, 44) for p in df["parameter"]])
    ax.set_ylim(-0.6, n - 0.4)
    ax.grid(axis="y", visible=False)
    style.legend_below(fig, ax.get_legend_handles_labels()[0], 2)
    extra = ("Morris" if method == "morris" else "Sobol") + (f" · {output}")
    style.source_line(fig, style.source_text(lang, res.version, res.scenarios[:1] or ["-"], None, res.base_seed, extra))
    return fig


def _param_axis_label(name: str, lang: Lang, res: Results) -> str:
    label, u = param_label(name, lang, res.titles), param_unit(name, lang)
    if not u:
        return label
    return f"{label}（{u}）" if lang == "zh" else f"{label} ({u})"


def sweep(res: Results, outcome: str, lang: Lang, parameter: str | None = None) -> Figure:
    """An outcome against a swept parameter: median and 50% / 90% bands over replicates.

    With a second swept parameter of at most six values, one line per value; other swept
    parameters are pooled.
    """
    df = res.sweep
    if df is None:
        raise ValueError("no sweep.csv in this folder")
    params = swept_parameters(df, res.manifest)
    x = parameter or params[0]
    if x not in params or outcome not in df:
        raise ValueError(f"sweep.csv has no column {x if x not in params else outcome}")
    others = [p for p in params if p != x and df[p].nunique() > 1]
    group = others[0] if others and df[others[0]].nunique() <= 6 else None
    k = scale(outcome)
    fig = style.new_figure(3.6)
    ax = fig.add_subplot()
    groups = [(None, df)] if group is None else list(df.groupby(group, sort=True))
    given = (res.manifest.get("swept") or {}).get(group) if group else None
    if isinstance(given, list):  # the other parameter's values in the order they were given
        groups.sort(key=lambda g: given.index(g[0]) if g[0] in given else len(given))
    colours, markers = style.SCENARIO_COLOURS, style.SCENARIO_MARKERS
    numeric = pd.api.types.is_numeric_dtype(df[x]) and df[x].nunique() > 1
    for i, (value, part) in enumerate(groups):
        c = colours[i % len(colours)]
        q = part.groupby(x)[outcome].quantile(list(QUANTILES)).unstack() * k
        order = (res.manifest.get("swept") or {}).get(x)
        if not numeric and isinstance(order, list):  # choices in the order they were given
            q = q.reindex([v for v in order if v in q.index] + [v for v in q.index if v not in order])
        name = tr("median", lang) if value is None else tr(
            "other_params", lang, param=param_label(group, lang, res.titles), value=str(value))
        if numeric:
            xs = q.index.to_numpy()
            ax.fill_between(xs, q[0.05], q[0.95], color=c, alpha=0.13, lw=0)
            ax.fill_between(xs, q[0.25], q[0.75], color=c, alpha=0.30, lw=0)
            ax.plot(xs, q[0.5], color=c, lw=1.5, marker=markers[i % len(markers)], ms=4, label=name)
        else:  # categories (e.g. staffing norms): separate points with interval bars, no lines between
            xs = np.arange(len(q)) + (i - (len(groups) - 1) / 2) * 0.12
            ax.vlines(xs, q[0.05], q[0.95], color=c, alpha=0.35, lw=6)
            ax.vlines(xs, q[0.25], q[0.75], color=c, alpha=0.8, lw=6)
            ax.plot(xs, q[0.5], color="black", lw=0, marker="_", ms=14, mew=1.5)
            ax.plot(xs, q[0.5], color=c, lw=0, marker=markers[i % len(markers)], ms=4, label=name)
            ax.set_xticks(np.arange(len(q)), [str(v) for v in q.index])
            ax.set_xlim(-0.6, len(q) - 0.4)
    ax.set_xlabel(wrap(_param_axis_label(x, lang, res), lang, 80))
    ax.set_ylabel(wrap(axis_text(outcome, lang), lang, 44))
    ax.yaxis.set_major_locator(MaxNLocator(6, min_n_ticks=3))
    values = np.sort(df[x].unique()) if numeric else []
    if numeric and len(values) <= 10:  # ticks at the swept values
        ax.set_xticks(values, [fmt.plain(float(v)) for v in values])
    elif numeric:
        ax.xaxis.set_major_locator(MaxNLocator(8, min_n_ticks=3))
    if zero_based(outcome):
        ax.set_ylim(bottom=0, top=max(ax.get_ylim()[1] * 1.06, 1e-9))
    title = (f"{tr('sweep_title', lang, metric=metric_label(outcome, lang), param=lower_first(param_label(x, lang, res.titles), lang))}"
             f" · {tr('bands', lang)}")
    ax.set_title(wrap(title, lang, 82), fontsize=8.5)
    style.legend_below(fig, ax.get_legend_handles_labels()[0], 3)
    reps = int(df["replicate"].nunique())
    names = [str(s) for s in df["scenario"].unique()] if "scenario" in df else (res.scenarios[:1] or ["-"])
    style.source_line(fig, style.source_text(lang, res.version, names, reps, res.base_seed))
    return fig
