"""Figures of the app: one run's street and estate series (redrawn each month), and the
explorer's figures (the reports' forest plot and time series, and the estates' series).

One-run figures use matplotlib's object interface (no pyplot state); the explorer's reuse
``commsim.report.plots``, which draw with pyplot, so :func:`png` draws under a lock and closes
the figure. Labels are English, with the metric's Chinese label beside it where a CJK font is
installed (``commsim.report.fonts``).
"""

from __future__ import annotations

import io
import math
import threading
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib import pyplot as plt
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from commsim.metrics import METRICS
from commsim.report import fonts, style
from commsim.report.plots import BURN_IN_STYLE, axis_text, axis_unit, scale, timeseries, tr, wrap
from commsim.report.plots import forest as report_forest
from commsim.report.results import Results
from commsim.report.vocab import Lang, estate_type_label, metric_label

#: the street series the one-run view plots (monthly metrics of ``model.datacollector``)
RUN_METRICS: tuple[str, ...] = (
    "collection_rate", "satisfaction", "complaints_per_1000_households",
    "participation_rate", "worker_load", "owners_committee_coverage",
)
#: estate-level metrics offered in the estates' views
ESTATE_METRICS: tuple[str, ...] = (
    "collection_rate", "satisfaction", "complaints_per_1000_households", "participation_rate",
    "service_quality", "trust", "belonging", "worker_load",
)
TYPE_COLOURS: dict[str, str] = {"commercial": style.BLUE, "old": style.ORANGE, "resettlement": style.GREEN,
                                "work_unit": style.VERMILLION}
#: resolution of the one-run figures, redrawn every month (shown at about 500 pixels wide)
RUN_DPI = 90
#: the most estates drawn as panels in the explorer (a shipped street has about ten)
MAX_ESTATE_PANELS = 16
_PYPLOT = threading.Lock()


def bilingual(metric: str, sep: str = " · ") -> str:
    """"Fee collection rate · 物业费收缴率" where a CJK font can draw it, else the English label."""
    m = METRICS[metric]
    return f"{m.label_en}{sep}{m.label_zh}" if m.label_zh and fonts.find_cjk_font() is not None else m.label_en


def _cjk_title() -> dict[str, str]:
    """Font of a title holding Chinese: the CJK font (it draws Latin too; with DejaVu Sans first
    and the CJK font as fallback, matplotlib drew the Chinese as empty boxes). Other text stays
    in DejaVu Sans, which draws faster."""
    cjk = fonts.find_cjk_font()
    return {"fontfamily": cjk.family} if cjk is not None else {}


def png(fig: Figure, dpi: int = 110) -> bytes:
    """The figure as PNG bytes (call it inside ``style.language``: fonts are chosen when the
    figure is drawn); pyplot figures are closed."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    return buf.getvalue()


def _month_axis(ax, horizon: int, burn_in: int) -> None:
    if burn_in:
        ax.axvspan(0.5, burn_in + 0.5, **BURN_IN_STYLE)
    ax.set_xlim(0.5, max(horizon, 1) + 0.5)


def street_series(frame: pd.DataFrame, horizon: int, burn_in: int,
                  metrics: Sequence[str] = RUN_METRICS) -> bytes:
    """One run's street series (``datacollector.get_model_vars_dataframe()``: row 0 is the
    model before its first month), a panel per metric over the whole horizon (PNG)."""
    with style.language("en"):
        fig = Figure(figsize=(6.0, 4.4))  # laid out by hand: a constrained layout took 3x as long to draw
        fig.subplots_adjust(left=0.09, right=0.99, top=0.85, bottom=0.1, wspace=0.5, hspace=0.62)
        ncols = 3
        axes = np.ravel(fig.subplots(math.ceil(len(metrics) / ncols), ncols, sharex=True))
        months = np.arange(len(frame))
        for ax, metric in zip(axes, metrics, strict=False):
            _month_axis(ax, horizon, burn_in)
            if metric in frame:
                ax.plot(months[1:], frame[metric].to_numpy()[1:] * scale(metric), color=style.BLUE, lw=1.6)
            ax.set_title(bilingual(metric, "\n").replace(METRICS[metric].label_en, wrap(METRICS[metric].label_en, "en", 24)),
                         fontsize=8, **_cjk_title())
            ax.set_ylabel(wrap(axis_unit(metric, "en"), "en", 20), fontsize=7)
            ax.tick_params(labelsize=7)
        for ax in axes[len(metrics):]:
            ax.set_visible(False)
        for ax in axes[-ncols:]:
            ax.set_xlabel("Month", fontsize=8)
        step = len(frame) - 1
        fig.suptitle(f"Street series, month {step} of {horizon}"
                     + (f" (hatched: burn-in, months 1-{burn_in})" if burn_in else ""), fontsize=9)
        return png(fig, RUN_DPI)


def estate_series(frame: pd.DataFrame, metric: str, horizon: int, burn_in: int) -> bytes:
    """One run's ``metric`` per estate (``get_estate_vars_dataframe()``), coloured by estate
    type, with the street-wide series in black (PNG)."""
    with style.language("en"):
        fig = Figure(figsize=(6.0, 4.4))
        fig.subplots_adjust(left=0.11, right=0.98, top=0.92, bottom=0.11)
        ax = fig.add_subplot()
        _month_axis(ax, horizon, burn_in)
        k = scale(metric)
        types_seen: list[str] = []
        for estate, rows in frame.groupby("estate", observed=True, sort=False):
            if rows.empty:
                continue
            if estate == "all":
                ax.plot(rows["month"], rows[metric] * k, color=style.BLACK, lw=2.4, zorder=5)
                continue
            kind = str(rows["estate_type"].iloc[0])
            types_seen += [kind] if kind not in types_seen else []
            ax.plot(rows["month"], rows[metric] * k, color=TYPE_COLOURS.get(kind, style.GREY), lw=1.0, alpha=0.85)
        ax.set_xlabel("Month")
        ax.set_ylabel(wrap(axis_text(metric, "en"), "en", 40))
        ax.set_title(f"{bilingual(metric)}, each estate", fontsize=9, **_cjk_title())
        handles = [Line2D([], [], color=style.BLACK, lw=2.4, label="Whole street")]
        handles += [Line2D([], [], color=TYPE_COLOURS.get(t, style.GREY), lw=1.2, label=estate_type_label(t, "en"))
                    for t in types_seen]
        ax.legend(handles=handles, loc="best", fontsize=7.5)
        return png(fig, RUN_DPI)


def forest(res: Results, metrics: Sequence[str], lang: Lang = "en") -> bytes:
    """The reports' forest plot of paired differences with 95% CIs (PNG)."""
    with _PYPLOT, style.language(lang):
        fig = report_forest(res, lang, tuple(metrics))
        fig.set_size_inches(max(style.WIDTH_IN, 1.5 * len(metrics)), fig.get_figheight())  # room for the units
        return png(fig)


def street_bands(res: Results, metric: str, lang: Lang = "en") -> bytes:
    """The reports' monthly street series with bands over replicates (PNG)."""
    with _PYPLOT, style.language(lang):
        return png(timeseries(res, metric, lang))


def explorer_estates(res: Results, metric: str, lang: Lang = "en") -> bytes:
    """Each estate's monthly ``metric`` (mean over replicates), the status quo dashed and each
    policy in its colour: a panel per estate (at most MAX_ESTATE_PANELS)."""
    df = res.monthly([metric], street_only=False)
    mean = df.groupby(["scenario", "estate", "estate_type", "month"], observed=True)[metric].mean().reset_index()
    estates = list(dict.fromkeys(mean["estate"]))[:MAX_ESTATE_PANELS]
    names = [s for s in res.scenarios if s in set(mean["scenario"])]
    base = res.baseline
    colours = style.scenario_colours(names, base)
    k = scale(metric)
    with _PYPLOT, style.language(lang):
        ncols = min(4, len(estates))
        nrows = math.ceil(len(estates) / ncols)
        fig = style.new_figure(1.3 + 1.5 * nrows)
        axes = np.ravel(fig.subplots(nrows, ncols, sharex=True, sharey=True))
        for ax, estate in zip(axes, estates, strict=False):
            rows = mean[mean["estate"] == estate]
            if res.burn_in_months:
                ax.axvspan(0.5, res.burn_in_months + 0.5, **BURN_IN_STYLE)
            for s in names:
                d = rows[rows["scenario"] == s]
                ax.plot(d["month"], d[metric] * k, color=colours[s], lw=1.0 if s == base else 1.4,
                        ls="--" if s == base else "-", zorder=3 if s == base else 2)
            kind = estate_type_label(str(rows["estate_type"].iloc[0]), lang) if len(rows) else ""
            name = str(estate) if len(str(estate)) + len(kind) < 26 else wrap(str(estate), "en", 26) + "\n"
            ax.set_title(f"{name} ({kind})".replace("\n (", "\n("), fontsize=7)
            ax.tick_params(labelsize=6.5)
        for ax in axes[len(estates):]:
            ax.set_visible(False)
        label = metric_label(metric, lang)
        fig.suptitle(f"{label}：各小区，{res.replicates}次重复运行的均值" if lang == "zh"
                     else f"{label}: each estate, mean of {res.replicates} replicates", fontsize=9)
        fig.supylabel(axis_text(metric, lang), fontsize=8)
        for ax in axes[max(0, len(estates) - ncols):len(estates)]:
            ax.set_xlabel(tr("month", lang), fontsize=8)
            ax.xaxis.set_tick_params(labelbottom=True)
        handles = [Line2D([], [], color=colours[s], lw=1.4, ls="--" if s == base else "-", label=res.title(s, lang))
                   for s in names]
        if res.burn_in_months:
            handles.append(Patch(**BURN_IN_STYLE, label=tr("burn_in", lang)))
        style.legend_below(fig, handles, 3)
        return png(fig)
