"""Figure of where a policy fails (``commsim.discovery``): the PRIM peeling trade-off and the
chosen box's limits.

Left: each box on the peeling trajectory as coverage (share of all failures inside the box)
against density (share of worlds in the box that are failures), coloured by how many
parameters it restricts; the chosen box is ringed. Right: the chosen box's limits on each
restricted parameter, drawn within the parameter's documented range (grey), with the numbers.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from commsim.params import PARAMETERS
from commsim.report import style
from commsim.report.plots import wrap
from commsim.report.vocab import Lang, ScenarioTitles, lower_first, metric_label, phrase
from commsim.report.vocab_params import param_label

T: dict[str, tuple[str, str]] = {
    "title": ("{s} on {m}: where it fails (against {c})", "{s}在{m}上不优于{c}的条件"),
    "coverage": ("Coverage: share of all failures in the box", "覆盖率：框内失败占全部失败的比例"),
    "density": ("Density: share of worlds in the box that fail", "密度：框内情形中失败的比例"),
    "dims": ("{k} parameters restricted", "限定{k}个参数"),
    "chosen": ("chosen box {b}", "选定的框{b}"),
    "limits": ("Box {b}: limits within each range", "框{b}：各参数取值范围内的界限"),
    "note": ("{n} worlds of interest; PRIM (ema_workbench), peeling trajectory", "{n}种失败情形；PRIM（ema_workbench）剥离轨迹"),
}


def tr(key: str, lang: Lang, **kw: object) -> str:
    """The discovery-figure phrase ``key`` in ``lang``, its ``{field}`` slots filled from ``kw``.

    Raises:
        KeyError: ``key`` is not in ``T``, or the phrase has a slot ``kw`` does not fill.
    """
    return phrase(T, key, lang, **kw)


def _range(name: str, low: float, high: float) -> tuple[float, float]:
    p = PARAMETERS.params.get(name)
    if p is not None and p.range is not None:
        return float(p.range[0]), float(p.range[1])
    lo = low if math.isfinite(low) else high
    hi = high if math.isfinite(high) else low
    return lo - 1.0, hi + 1.0


def failure_box(discovery: pd.DataFrame, trajectory: pd.DataFrame, scenario: str, outcome: str,
                comparator: str, lang: Lang, box: int = 1, titles: ScenarioTitles | None = None,
                version: str = "") -> Figure:
    """Peeling trade-off and box limits for one (scenario, outcome, comparator) and box."""
    titles = titles or ScenarioTitles()
    key = (discovery["scenario"] == scenario) & (discovery["outcome"] == outcome) & (discovery["comparator"] == comparator)
    rows = discovery[key & (discovery["box"] == box)]
    if rows.empty:
        raise ValueError(f"discovery.csv has no box {box} for {scenario} / {outcome} / {comparator}")
    traj = trajectory[(trajectory["scenario"] == scenario) & (trajectory["outcome"] == outcome)
                      & (trajectory["comparator"] == comparator) & (trajectory["box"] == box)]
    fig = style.new_figure(3.4 + 0.12 * len(rows))
    left, right = fig.subplots(1, 2, width_ratios=[1, 1.25])
    colours = [style.SKY, style.BLUE, style.GREEN, style.ORANGE, style.VERMILLION, style.PURPLE]
    for k, part in traj.groupby("res_dim"):
        left.scatter(part["coverage"], part["density"], s=12, color=colours[min(int(k), len(colours) - 1)],
                     label=tr("dims", lang, k=int(k)), zorder=2)
    sel = traj[traj["selected"].astype(bool)]
    if len(sel):
        left.scatter(sel["coverage"], sel["density"], s=90, facecolors="none", edgecolors=style.BLACK, lw=1.2,
                     label=tr("chosen", lang, b=box), zorder=3)
    left.set_xlabel(wrap(tr("coverage", lang), lang, 40))
    left.set_ylabel(wrap(tr("density", lang), lang, 40))
    left.set_xlim(-0.02, 1.02)
    left.set_ylim(-0.02, 1.02)
    y = np.arange(len(rows))
    labels = []
    for i, row in enumerate(rows.itertuples(index=False)):
        if row.values:
            right.barh(i, 1.0, color="#E5E5E5", height=0.5)
            right.text(0.5, i, str(row.values).replace("|", ", "), ha="center", va="center", fontsize=7)
        else:
            lo_r, hi_r = _range(row.parameter, row.low, row.high)
            lo = row.low if math.isfinite(row.low) else lo_r
            hi = row.high if math.isfinite(row.high) else hi_r
            width = hi_r - lo_r
            a, b = (lo - lo_r) / width, (hi - lo_r) / width
            right.barh(i, 1.0, color="#E5E5E5", height=0.5)
            right.barh(i, b - a, left=a, color=style.VERMILLION, height=0.5, alpha=0.85)
            for value, x, ha in ((row.low, a, "right"), (row.high, b, "left")):
                if math.isfinite(value):
                    right.text(x + (-0.02 if ha == "right" else 0.02), i, f"{value:.3g}", ha=ha, va="center", fontsize=7)
        labels.append(wrap(param_label(row.parameter, lang, titles), lang, 28))
    right.set_yticks(y, labels)
    right.set_xlim(-0.25, 1.25)
    right.set_xticks([0, 1], ["min", "max"] if lang == "en" else ["最小", "最大"])
    right.set_ylim(-0.6, len(rows) - 0.4)
    right.grid(False)
    right.set_title(wrap(tr("limits", lang, b=box), lang, 36), fontsize=8)
    s, c = titles.title(scenario, lang), titles.title(comparator, lang)
    m = lower_first(metric_label(outcome, lang), lang)
    fig.suptitle(wrap(tr("title", lang, s=s, m=m, c=lower_first(c, lang)), lang, 90), fontsize=9)
    style.legend_below(fig, left.get_legend_handles_labels()[0], 4)
    n = int(rows["n_cases"].iloc[0])
    style.source_line(fig, style.source_text(lang, version or "-", [scenario, comparator], None, None,
                                             tr("note", lang, n=n)))
    return fig
