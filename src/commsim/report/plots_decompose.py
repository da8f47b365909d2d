"""Figure of a policy's effect taken apart (``commsim decompose``): per key outcome, each
mechanism's contribution (the effect lost when it is switched off) and its effect on its own,
with 95% intervals, beside the full effect."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from commsim.report import style
from commsim.report.plots import wrap
from commsim.report.vocab import UNITS, Lang, metric_kind, metric_label, phrase

T: dict[str, tuple[str, str]] = {
    "drop": ("lost when switched off", "关闭该机制时损失的效果"),
    "alone": ("on its own", "单独开启时的效果"),
    "full": ("whole policy", "政策整体效果"),
    "title": ("{policy}: what each mechanism contributes", "{policy}：各机制的贡献"),
    "note": ("Paired differences over {n} replicates with common random numbers; bars: 95% intervals.",
             "基于{n}次成对重复运行（共同随机数）；误差线为95%区间。"),
}


def tr(key: str, lang: Lang, **kw: object) -> str:
    """The decomposition-figure phrase ``key`` in ``lang``, slots filled from ``kw``.

    Raises:
        KeyError: ``key`` is not in ``T``, or the phrase has a slot ``kw`` does not fill.
    """
    return phrase(T, key, lang, **kw)


def decomposition(table: pd.DataFrame, lang: Lang, title: str, outcomes: Sequence[str] | None = None,
                  version: str = "", base_seed: int | None = None) -> Figure:
    """One panel per outcome (at most four): mechanisms down the side; for each, the effect lost
    when it is switched off (filled) and its effect on its own (open), with 95% intervals; the
    full effect as a dashed line and zero as a solid one."""
    from commsim import __version__

    outcomes = list(outcomes or dict.fromkeys(table["outcome"]))[:4]
    mech = table[table["measure"].isin(["drop", "alone"])]
    names = list(dict.fromkeys(zip(mech["policy"], mech["mechanism"], strict=True)))
    n = int(table["n"].max()) if len(table) else 0
    cols = min(2, len(outcomes))
    rows = int(np.ceil(len(outcomes) / cols))
    fig = style.new_figure(0.9 + rows * (0.55 + 0.32 * len(names)))
    colours = {"drop": style.SCENARIO_COLOURS[0], "alone": style.SCENARIO_COLOURS[1]}
    handles = []
    for k, outcome in enumerate(outcomes):
        ax = fig.add_subplot(rows, cols, k + 1)
        kind = metric_kind(outcome)
        scale = 100.0 if kind == "share" else 1.0  # shares in percentage points
        rows_o = table[table["outcome"] == outcome].copy()
        rows_o[["mean", "ci_low", "ci_high"]] *= scale
        full = rows_o[rows_o["measure"] == "full"]
        if len(full):
            ax.axvline(float(full["mean"].iloc[0]), color=style.GREY, linestyle="--", linewidth=1)
        ax.axvline(0.0, color=style.BLACK, linewidth=0.8)
        for j, (policy, m) in enumerate(names):
            for off, measure in ((-0.15, "drop"), (0.15, "alone")):
                r = rows_o[(rows_o["policy"] == policy) & (rows_o["mechanism"] == m) & (rows_o["measure"] == measure)]
                if r.empty:
                    continue
                mean, lo, hi = (float(r[c].iloc[0]) for c in ("mean", "ci_low", "ci_high"))
                ax.errorbar(mean, j + off, xerr=[[max(mean - lo, 0.0)], [max(hi - mean, 0.0)]], fmt="o",
                            color=colours[measure], mfc=colours[measure] if measure == "drop" else "white",
                            capsize=3, markersize=5, zorder=3)
        ax.set_yticks(np.arange(len(names)), [m.replace("_", " ") for _, m in names], fontsize=7.5)
        ax.invert_yaxis()
        ax.set_title(wrap(metric_label(outcome, lang), lang, 40), fontsize=8.5)
        ax.tick_params(axis="x", labelsize=7.5)
        unit = UNITS.get(kind, ("", "", "", ""))[3 if lang == "zh" else 2]
        if unit:
            ax.set_xlabel(unit, fontsize=7.5)
    from matplotlib.lines import Line2D

    for measure in ("drop", "alone"):
        handles.append(Line2D([], [], marker="o", linestyle="", color=colours[measure],
                              mfc=colours[measure] if measure == "drop" else "white", label=tr(measure, lang)))
    handles.append(Line2D([], [], color=style.GREY, linestyle="--", label=tr("full", lang)))
    fig.suptitle(wrap(tr("title", lang, policy=title), lang, 80), fontsize=9.5)
    style.legend_below(fig, handles, 3)
    style.source_line(fig, tr("note", lang, n=n) + "  " + style.source_text(lang, version or __version__, [title], n, base_seed))
    return fig
