"""The standard figures of a results folder, written to ``DIR/figures/<name>_<lang>.{png,svg}``.

The folder's kind is its manifest's ``command``: a ``sweep`` folder gets an outcome-against-
parameter plot (median and 50% / 90% bands over replicates; choices as categories) for every
swept parameter and key outcome; a ``sensitivity`` folder gets Morris mu*/sigma or Sobol S1/ST
bars with their intervals for every analysed output; any other folder (``compare``) gets what
its files allow: a forest plot, the lead outcome against public cost and cost-effectiveness
plots from ``comparison.csv``; time series and estate distributions from ``monthly/``;
sensitivity bars from ``sensitivity.csv``; sweep plots from ``sweep.csv``; the ranking across
worlds from ``robustness.csv`` and the failure boxes of the lead outcome from ``discovery.csv``
with ``discovery_trajectory.csv``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from pathlib import Path

from matplotlib.figure import Figure

from commsim.report import plots, plots_analysis, plots_discovery, plots_robustness, style
from commsim.report.results import Results, outcome_columns, swept_parameters
from commsim.report.vocab import Lang

#: monthly metrics drawn as estate distributions
ESTATE_METRICS: tuple[str, ...] = ("service_quality", "collection_rate")


def figure_makers(
    res: Results, lang: Lang, primary: str = "mean_collection_rate"
) -> dict[str, Callable[[], Figure]]:
    """Name -> function drawing the figure, for every figure the folder's kind and data allow."""
    if res.command == "sweep" and res.sweep is not None:
        return sweep_makers(res, lang, primary, every_parameter=True)
    if res.command == "sensitivity" and res.sensitivity is not None:
        return sensitivity_makers(res, lang)
    makers: dict[str, Callable[[], Figure]] = {}
    metrics = res.metrics()
    if any(m in metrics for m in plots.KEY_METRICS):
        makers["forest"] = lambda: plots.forest(res, lang)
    if primary in metrics:
        makers[f"headline_{primary.removeprefix('mean_')}"] = lambda: plots.headline(res, lang, primary)
    gains = [primary] + [m for m in plots.KEY_METRICS if m != primary and m not in plots.COST_METRICS]
    if any(c in metrics for c in plots.COST_METRICS):
        for m in gains:
            if m in metrics:
                makers[f"cost_effectiveness_{m.removeprefix('mean_')}"] = lambda m=m: plots.cost_effectiveness(res, m, lang)
    if res.has_monthly:
        for m in dict.fromkeys([primary, *plots.KEY_METRICS]):
            base = m.removeprefix("mean_")
            makers[f"timeseries_{base}"] = lambda b=base: plots.timeseries(res, b, lang)
        for base in ESTATE_METRICS:
            makers[f"estates_{base}"] = lambda b=base: plots.estates(res, b, lang)
    if res.sensitivity is not None:
        makers.update(sensitivity_makers(res, lang))
    if res.sweep is not None:
        makers.update(sweep_makers(res, lang, primary))
    makers.update(worlds_makers(res, lang, primary))
    return makers


def worlds_makers(res: Results, lang: Lang, primary: str = "mean_collection_rate") -> dict[str, Callable[[], Figure]]:
    """From a robustness analysis: ``ranking`` (how often each scenario is best, per outcome)
    and, from its scenario discovery, ``discovery_<scenario>_<outcome>_<comparator>`` for the
    first box of every failure on the lead outcome."""
    makers: dict[str, Callable[[], Figure]] = {}
    if res.robustness is not None:
        makers["ranking"] = lambda: plots_robustness.ranking(
            res.robustness, lang, res.titles, [s for s in res.scenarios if s in set(res.robustness["scenario"])],
            res.version, res.base_seed)
    if res.discovery is not None and res.trajectory is not None:
        first = res.discovery[(res.discovery["box"] == 1) & (res.discovery["outcome"] == primary)]
        for s, m, c in first[["scenario", "outcome", "comparator"]].drop_duplicates().itertuples(index=False):
            makers[f"discovery_{s}_{m.removeprefix('mean_')}_{c}"] = lambda s=s, m=m, c=c: plots_discovery.failure_box(
                res.discovery, res.trajectory, s, m, c, lang, titles=res.titles, version=res.version)
    return makers


def sensitivity_makers(res: Results, lang: Lang) -> dict[str, Callable[[], Figure]]:
    """Morris mu*/sigma or Sobol S1/ST bars, one figure per (method, output) of sensitivity.csv."""
    makers: dict[str, Callable[[], Figure]] = {}
    pairs = res.sensitivity[["method", "output"]].drop_duplicates().itertuples(index=False)
    for method, output in pairs:
        makers[f"sensitivity_{method}_{output}"] = (
            lambda o=output, mt=method: plots_analysis.sensitivity(res, o, lang, mt))
    return makers


def sweep_makers(res: Results, lang: Lang, primary: str = "mean_collection_rate",
                 every_parameter: bool = False) -> dict[str, Callable[[], Figure]]:
    """Outcome against swept parameter: the lead and key outcomes, for the first (or every)
    swept parameter."""
    outcomes = outcome_columns(res.sweep)
    chosen = [m for m in dict.fromkeys([primary, *plots.KEY_METRICS]) if m in outcomes] or outcomes[:1]
    params = swept_parameters(res.sweep, res.manifest)
    makers: dict[str, Callable[[], Figure]] = {}
    for param in params if every_parameter else params[:1]:
        for m in chosen:
            makers[f"sweep_{param}_{m}"] = lambda m=m, p=param: plots_analysis.sweep(res, m, lang, p)
    return makers


def write_figures(
    res: Results,
    out_dir: Path,
    lang: Lang,
    only: Collection[str] | None = None,
    primary: str = "mean_collection_rate",
) -> dict[str, list[Path]]:
    """Draw and save the figures (all, or those named in ``only``); returns name -> [png, svg]."""
    makers = figure_makers(res, lang, primary)
    written: dict[str, list[Path]] = {}
    with style.language(lang):
        for name, make in makers.items():
            if only is not None and name not in only:
                continue
            written[name] = style.save(make(), out_dir / f"{name}_{lang}")
    return written
