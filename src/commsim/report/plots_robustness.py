"""Figure of robustness across worlds: the probability that each scenario is best, per outcome.

One column per scenario (the status quo first), one row per key outcome; a cell's shade and
number are ``prob_best`` from ``robustness.csv`` (``commsim.robustness``): the share of worlds
(joint draws of calibrated parameters, assumptions, policy strengths and submodels) in which
that scenario does best on that outcome. Outcomes whose direction is a judgement call
("ambiguous", e.g. complaints filed) are marked: there the number is the share of worlds with
the highest value.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from commsim.report import style
from commsim.report.plots import wrap
from commsim.report.vocab import Lang, ScenarioTitles, lower_first, metric_label, phrase

T: dict[str, tuple[str, str]] = {
    "title": ("How often each scenario is best: % of {n} worlds", "各情景表现最好的情形比例（%，共{n}种情形）"),
    "note": ("Share of worlds (calibrated parameters, assumptions, policy strengths and submodels drawn "
             "jointly) in which a scenario does best on the outcome. * no better direction: share with the highest value.",
             "各情形中校准参数、假设参数、政策力度与子模型同时抽样；格中数字为该情景在此指标上表现最好的情形比例。"
             "* 无优劣方向：数值最高的比例。"),
    "worlds": ("{n} worlds", "{n}种情形"),
}


def tr(key: str, lang: Lang, **kw: object) -> str:
    """The robustness-figure phrase ``key`` in ``lang``, its ``{field}`` slots filled from ``kw``.

    Raises:
        KeyError: ``key`` is not in ``T``, or the phrase has a slot ``kw`` does not fill.
    """
    return phrase(T, key, lang, **kw)


def best_matrix(table: pd.DataFrame, scenarios: Sequence[str] | None = None) -> pd.DataFrame:
    """Scenarios x outcomes matrix of ``prob_best`` (rows in ``scenarios`` order, else as they
    first appear in the table)."""
    first = table.drop_duplicates(["scenario", "outcome"])
    m = first.pivot(index="scenario", columns="outcome", values="prob_best")
    rows = list(scenarios) if scenarios else list(dict.fromkeys(first["scenario"]))
    cols = list(dict.fromkeys(first["outcome"]))
    return m.loc[rows, cols]


def ranking(table: pd.DataFrame, lang: Lang, titles: ScenarioTitles | None = None,
            scenarios: Sequence[str] | None = None, version: str = "", base_seed: int | None = None) -> Figure:
    """Table of the probability of being best (rows: outcomes, columns: scenarios).

    Args:
        table: a robustness table (``robustness.csv``).
        lang: ``en`` or ``zh`` (draw and save inside ``style.language(lang)``).
        titles: scenario titles (default: shipped scenarios and policies).
        scenarios: column order (default: the table's, status quo first).
        version: commsim version named in the source line (default: this commsim).
        base_seed: base seed named in the source line (None: not named).
    """
    from commsim import __version__

    titles = titles or ScenarioTitles()
    m = best_matrix(table, scenarios).T  # outcomes x scenarios
    ways = table.drop_duplicates("outcome").set_index("outcome")["direction"]
    n_worlds = int(table["n_worlds"].max()) if len(table) else 0
    rows, cols = m.shape
    fig = style.new_figure(1.5 + 0.27 * rows)
    ax = fig.add_subplot()
    values = m.to_numpy(dtype=float)
    ax.imshow(np.nan_to_num(values, nan=0.0), cmap="Blues", vmin=0.0, vmax=1.0, aspect="auto")
    for i in range(rows):
        for j in range(cols):
            v = values[i, j]
            text = "–" if not np.isfinite(v) else f"{100 * v:.0f}"
            ax.text(j, i, text, ha="center", va="center", fontsize=7.5,
                    color="white" if np.isfinite(v) and v > 0.6 else style.BLACK)
    ylabels = [metric_label(o, lang) + (" *" if ways.get(o) == "ambiguous" else "") for o in m.index]
    ax.set_yticks(np.arange(rows), ylabels, fontsize=7.5)
    ax.set_xticks(np.arange(cols), [wrap(titles.title(s, lang), lang, 22) for s in m.columns], fontsize=7.5)
    ax.xaxis.tick_top()
    ax.tick_params(length=0)
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title(wrap(tr("title", lang, n=n_worlds), lang, 90), fontsize=9)
    names = [str(s) for s in m.columns]
    style.source_line(fig, tr("note", lang) + "  " + style.source_text(lang, version or __version__, names, None, base_seed,
                                                                       tr("worlds", lang, n=n_worlds)))
    return fig


S: dict[str, tuple[str, str]] = {
    "title": ("{m}: does the ranking hold on other streets?", "{m}：排序在其他街道上是否成立？"),
    "best": ("Best option in % of worlds", "成为最优方案的情形比例（%）"),
    "beats": ("Beats the status quo in % of worlds", "优于现状的情形比例（%）"),
    "own": ("Scenarios' own street", "各情景原有街道"),
    "note": ("Each column is a street: the compared scenarios' policies on its estates and households, across "
             "its own sampled worlds. Left: share of worlds in which a scenario is the best option (rank in "
             "brackets); right: share in which it beats the status quo.",
             "每列为一条街道：将各情景的政策用于该街道的小区与住户，并在该街道各自抽样的情形中运行。左：该情景成为最优方案的情形比例"
             "（括号内为排名）；右：优于现状的情形比例。"),
}


def _street_title(street: str, lang: Lang, titles: ScenarioTitles) -> str:
    return S["own"][1 if lang == "zh" else 0] if street == "own" else titles.title(street, lang)


def streets(table: pd.DataFrame, outcome: str, lang: Lang, titles: ScenarioTitles | None = None,
            version: str = "", base_seed: int | None = None) -> Figure:
    """Two tables side by side for ``outcome`` (rows: scenarios, columns: streets): how often
    each scenario is the best option, with its rank, and how often it beats the status quo
    (``streets.csv`` of ``commsim streets``)."""
    from commsim import __version__

    titles = titles or ScenarioTitles()
    part = table[table["outcome"] == outcome]
    scen = list(dict.fromkeys(part["scenario"]))
    cols = list(dict.fromkeys(part["street"]))
    fig = style.new_figure(1.9 + 0.3 * len(scen))
    axes = fig.subplots(1, 2, sharey=True)
    for ax, value, key in ((axes[0], "prob_best", "best"), (axes[1], "share_better", "beats")):
        m = part.pivot(index="scenario", columns="street", values=value).loc[scen, cols].to_numpy(dtype=float)
        ranks = part.pivot(index="scenario", columns="street", values="rank").loc[scen, cols].to_numpy()
        ax.imshow(np.nan_to_num(m, nan=0.0), cmap="Blues", vmin=0.0, vmax=1.0, aspect="auto")
        for i in range(len(scen)):
            for j in range(len(cols)):
                v = m[i, j]
                text = "–" if not np.isfinite(v) else f"{100 * v:.0f}" + (f" ({int(ranks[i, j])})" if value == "prob_best" else "")
                ax.text(j, i, text, ha="center", va="center", fontsize=7,
                        color="white" if np.isfinite(v) and v > 0.6 else style.BLACK)
        ax.set_xticks(np.arange(len(cols)), [wrap(_street_title(c, lang, titles), lang, 14) for c in cols], fontsize=7)
        ax.xaxis.tick_top()
        ax.tick_params(length=0)
        ax.grid(False)
        for spine in ax.spines.values():
            spine.set_visible(False)
        ax.set_title(wrap(S[key][1 if lang == "zh" else 0], lang, 40), fontsize=8)
    axes[0].set_yticks(np.arange(len(scen)), [wrap(titles.title(s, lang), lang, 26) for s in scen], fontsize=7)
    label = lower_first(metric_label(outcome, lang), lang) if lang == "en" else metric_label(outcome, lang)
    title = S["title"][1 if lang == "zh" else 0].format(m=label)
    fig.suptitle(wrap(title[0].upper() + title[1:], lang, 90), fontsize=9)
    n = int(part["n_worlds"].max()) if len(part) else 0
    style.source_line(fig, S["note"][1 if lang == "zh" else 0] + "  " + style.source_text(
        lang, version or __version__, scen, None, base_seed, tr("worlds", lang, n=n)))
    return fig
