"""Plain matplotlib figures for the experiment scripts (English labels, PNG at 200 dpi).

The bilingual, styled figures of the briefing outputs live elsewhere in commsim; these are
working figures that read the same tables.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def forest(table: pd.DataFrame, metrics: list[str], path: Path, source: str) -> Path:
    """Paired differences against the baseline with 95% CIs: one panel per metric."""
    plt = _plt()
    rows = table[(table["scenario"] != table["baseline"]) & table["metric"].isin(metrics)]
    scenarios = list(dict.fromkeys(rows["scenario"]))
    fig, axes = plt.subplots(1, len(metrics), figsize=(3.2 * len(metrics), 0.5 * len(scenarios) + 1.6), sharey=True, squeeze=False)
    for ax, metric in zip(axes[0], metrics, strict=True):
        m = rows[rows["metric"] == metric].set_index("scenario").reindex(scenarios)
        y = range(len(scenarios))
        gain = m["diff"].where(m["higher_is_better"], -m["diff"])
        colors = ["#0072B2" if g > 0 else "#D55E00" if g < 0 else "grey" for g in gain]
        ax.errorbar(m["diff"], y, xerr=[m["diff"] - m["diff_ci_low"], m["diff_ci_high"] - m["diff"]], fmt="none", ecolor="grey")
        ax.scatter(m["diff"], y, c=colors, zorder=3)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_title(metric.replace("_", " "), fontsize=8)
        ax.tick_params(labelsize=7)
    axes[0][0].set_yticks(range(len(scenarios)), scenarios)
    axes[0][0].invert_yaxis()
    fig.suptitle(f"Difference from {rows['baseline'].iloc[0]} (95% CI; blue = better, orange = worse)", fontsize=9)
    fig.text(0.01, 0.01, source, fontsize=6, color="grey")
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    fig.savefig(path, dpi=200)
    plt.close(fig)
    return path


def sensitivity_bars(indices: pd.DataFrame, path: Path, source: str, top: int = 12) -> Path:
    """Morris mu* (or Sobol ST) with 95% CIs, the ``top`` parameters per output."""
    plt = _plt()
    morris = indices["method"].iloc[0] == "morris"
    key, conf = ("mu_star", "mu_star_conf") if morris else ("ST", "ST_conf")
    outputs = list(dict.fromkeys(indices["output"]))
    fig, axes = plt.subplots(1, len(outputs), figsize=(3.6 * len(outputs), 0.28 * top + 1.4), squeeze=False)
    for ax, output in zip(axes[0], outputs, strict=True):
        block = indices[indices["output"] == output].nlargest(top, key)[::-1]
        ax.barh(block["parameter"], block[key], xerr=block[conf], color="#56B4E9", ecolor="grey")
        ax.set_title(output.replace("_", " "), fontsize=8)
        ax.tick_params(labelsize=6)
    fig.suptitle(("Morris mu* (effect of moving a parameter across its range)" if morris else "Sobol total-order index ST") + ", 95% CI", fontsize=9)
    fig.text(0.01, 0.01, source, fontsize=6, color="grey")
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    fig.savefig(path, dpi=200)
    plt.close(fig)
    return path


def sweep_bands(table: pd.DataFrame, param: str, metrics: list[str], path: Path, source: str) -> Path:
    """Mean of each metric against the swept parameter with a 95% CI band (bars for choices)."""
    from scipy import stats

    plt = _plt()
    fig, axes = plt.subplots(1, len(metrics), figsize=(3.2 * len(metrics), 3.0), squeeze=False)
    for ax, metric in zip(axes[0], metrics, strict=True):
        g = table.groupby(param, sort=False)[metric]
        mean, sem, n = g.mean(), g.sem(), g.count()
        half = sem * stats.t.ppf(0.975, (n - 1).clip(lower=1))
        x = list(mean.index)
        if pd.api.types.is_numeric_dtype(table[param]):
            ax.plot(x, mean, color="#0072B2")
            ax.fill_between(x, mean - half, mean + half, color="#0072B2", alpha=0.25)
        else:
            ax.errorbar(range(len(x)), mean, yerr=half, fmt="o", color="#0072B2", capsize=3)
            ax.set_xticks(range(len(x)), x)
        ax.set_title(metric.replace("_", " "), fontsize=8)
        ax.set_xlabel(param, fontsize=7)
        ax.tick_params(labelsize=7)
    fig.suptitle(f"Outcomes against {param} (mean, 95% CI over replicates)", fontsize=9)
    fig.text(0.01, 0.01, source, fontsize=6, color="grey")
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    fig.savefig(path, dpi=200)
    plt.close(fig)
    return path
