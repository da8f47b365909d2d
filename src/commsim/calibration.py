"""Calibration by approximate Bayesian computation (rejection) against published figures.

Targets are data (``calibration/targets.toml``): each names a statistic of a run, a range
[low, high] from ``EMPIRICAL_TARGETS.md`` or the seed documents, an optional central value and
its source. ``calibrate`` draws parameter sets by Latin hypercube within the parameter table's
ranges, runs each with a few replicates (common random numbers across sets), and accepts the
sets whose replicate-mean statistics fall inside every fitted target's range: an ABC rejection
sample of the posterior under a uniform prior and a box-shaped tolerance. Rejection was chosen
over SMC or an optimiser because it is embarrassingly parallel, needs no tuning, keeps every
evaluated set for inspection, and yields a sample of parameter sets that ``compare`` can use
as parameter uncertainty.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import qmc

from commsim.errors import ScenarioError
from commsim.params import PARAMETERS
from commsim.runner import replicate_seed, simulate
from commsim.scenario import Scenario
from commsim.vocabulary import ESTATE_TYPES

STATISTICS = {
    "street_mean": "mean over months after burn-in of the street-wide metric",
    "street_final": "street-wide metric in the last month",
    "street_difference": "street mean of metric minus street mean of `minus`",
    "type_difference": "mean over estates of type `higher` minus type `lower` (after burn-in)",
    "type_difference_final": "as type_difference, in the last month",
    "estate_share_above": "share of estates whose after-burn-in mean of metric exceeds `threshold`",
    "estate_top_share": "share of the street's after-burn-in total of metric from the `top` share of estates "
                        "with the largest totals (at least one estate)",
}


@dataclass(frozen=True)
class Target:
    name: str
    statistic: str
    metric: str
    low: float
    high: float
    source: str
    central: float | None = None
    fitted: bool = True
    options: dict[str, Any] = field(default_factory=dict)

    def deviation(self, value: float) -> float:
        """0 inside [low, high]; else the distance to the range in units of its width."""
        if value is None or not math.isfinite(value):
            return math.inf
        width = max(self.high - self.low, 1e-12)
        return max(self.low - value, value - self.high, 0.0) / width

    def centrality(self, value: float) -> float:
        """Squared distance to the central value (or the range's middle), in half-widths."""
        centre = self.central if self.central is not None else (self.low + self.high) / 2
        half = max((self.high - self.low) / 2, 1e-12)
        return ((value - centre) / half) ** 2 if math.isfinite(value) else math.inf


@dataclass(frozen=True)
class CalibrationSpec:
    source: str
    scenario: str
    parameters: tuple[str, ...]
    targets: tuple[Target, ...]


def load_targets(path: str | Path) -> CalibrationSpec:
    """Read and validate a targets file; errors name the file and the field."""
    path = Path(path)
    src = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError(f"{src}: no such targets file") from None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ScenarioError(f"{src}: cannot read: {exc}") from None
    cal = data.get("calibration", {})
    params = tuple(cal.get("parameters", ()))
    for name in params:
        p = PARAMETERS.lookup(name, f"{src}: calibration.parameters: ") if name in PARAMETERS else None
        if p is None:
            raise ScenarioError(f"{src}: calibration.parameters: {name}: unknown parameter")
        if p.range is None or p.kind not in {"float", "int"}:
            raise ScenarioError(f"{src}: calibration.parameters: {name}: has no numeric range to search")
    targets = []
    known = {"name", "statistic", "metric", "low", "high", "central", "source", "fitted"}
    for i, raw in enumerate(data.get("target", [])):
        where = f"{src}: target[{i}]"
        for key in ("name", "statistic", "metric", "low", "high", "source"):
            if key not in raw:
                raise ScenarioError(f"{where}.{key}: required field is missing")
        if raw["statistic"] not in STATISTICS:
            raise ScenarioError(f"{where}.statistic: must be one of {', '.join(STATISTICS)} (got {raw['statistic']!r})")
        if not isinstance(raw["low"], int | float) or not isinstance(raw["high"], int | float) or raw["low"] > raw["high"]:
            raise ScenarioError(f"{where}: need numbers low <= high (got {raw['low']!r}, {raw['high']!r})")
        options = {k: v for k, v in raw.items() if k not in known}
        for key in ("higher", "lower"):
            if key in options and options[key] not in ESTATE_TYPES:
                raise ScenarioError(f"{where}.{key}: must be an estate type ({', '.join(ESTATE_TYPES)})")
        targets.append(Target(raw["name"], raw["statistic"], raw["metric"], float(raw["low"]), float(raw["high"]),
                              raw["source"], raw.get("central"), bool(raw.get("fitted", True)), options))
    if not targets:
        raise ScenarioError(f"{src}: target: no targets defined")
    return CalibrationSpec(src, cal.get("scenario", "baseline"), params, tuple(targets))


def statistic(target: Target, monthly: pd.DataFrame, burn_in: int) -> float:
    """Compute one target's statistic from one run's monthly DataFrame."""
    after = monthly[monthly["month"] > burn_in]
    last = monthly[monthly["month"] == monthly["month"].max()]
    street = after[after["estate"] == "all"]
    estates = after[after["estate"] != "all"]
    kind, m, opt = target.statistic, target.metric, target.options
    if kind == "street_mean":
        return float(street[m].mean())
    if kind == "street_final":
        return float(last.loc[last["estate"] == "all", m].iloc[0])
    if kind == "street_difference":
        return float(street[m].mean() - street[opt["minus"]].mean())
    if kind in {"type_difference", "type_difference_final"}:
        rows = last[last["estate"] != "all"] if kind.endswith("final") else estates
        by_type = rows.groupby("estate_type")[m].mean()
        if opt["higher"] not in by_type or opt["lower"] not in by_type:
            return math.nan
        return float(by_type[opt["higher"]] - by_type[opt["lower"]])
    if kind == "estate_share_above":
        per_estate = estates.groupby("estate")[m].mean().dropna()
        return float((per_estate > opt["threshold"]).mean()) if len(per_estate) else math.nan
    if kind == "estate_top_share":
        per_estate = estates.groupby("estate", observed=True)[m].sum()
        total = float(per_estate.sum())
        if total <= 0:
            return math.nan
        k = max(1, round(float(opt["top"]) * len(per_estate)))
        return float(per_estate.nlargest(k).sum()) / total
    raise ValueError(kind)


def evaluate(scenario: Scenario, overrides: dict[str, Any], seeds: Sequence[int], targets: Sequence[Target]) -> dict[str, float]:
    """Replicate-mean statistic per target for one parameter set (a pure function)."""
    sc = scenario.with_overrides(overrides) if overrides else scenario
    values = {t.name: [] for t in targets}
    for seed in seeds:
        df = simulate(sc, seed)
        for t in targets:
            values[t.name].append(statistic(t, df, sc.burn_in_months))
    return {k: float(np.nanmean(v)) if np.isfinite(v).any() else math.nan for k, v in values.items()}


def lhs_samples(parameters: Sequence[str], n: int, seed: int) -> pd.DataFrame:
    """``n`` Latin-hypercube parameter sets within the parameter table's ranges."""
    unit = qmc.LatinHypercube(d=len(parameters), seed=np.random.default_rng([seed, 2718])).random(n)
    cols = {}
    for j, name in enumerate(parameters):
        p = PARAMETERS[name]
        lo, hi = p.range
        x = lo + unit[:, j] * (hi - lo)
        cols[name] = np.round(x).astype(int) if p.kind == "int" else x
    return pd.DataFrame(cols)


Evaluator = Callable[[list[tuple[dict[str, Any], list[int]]]], list[dict[str, float]]]


def calibrate(scenario: Scenario, spec: CalibrationSpec, n: int, reps: int, seed: int,
              evaluate_many: Evaluator, min_accepted: int = 5) -> dict[str, pd.DataFrame]:
    """Run the ABC rejection; returns samples (all sets), accepted, fit (per target), default."""
    samples = lhs_samples(spec.parameters, n, seed)
    seeds = [replicate_seed(seed, r) for r in range(reps)]
    def typed(rec: dict[str, Any]) -> dict[str, Any]:
        return {k: int(v) if PARAMETERS[k].kind == "int" else float(v) for k, v in rec.items()}

    tasks = [({}, seeds)] + [(typed(rec), seeds) for rec in samples.to_dict("records")]
    results = evaluate_many(tasks)
    default_stats, stats = results[0], pd.DataFrame(results[1:])
    fitted = [t for t in spec.targets if t.fitted]
    dev = pd.DataFrame({t.name: stats[t.name].map(t.deviation) for t in fitted})
    samples = pd.concat([samples, stats.add_prefix("stat_")], axis=1)
    samples["distance"] = dev.max(axis=1)
    samples["centrality"] = sum(stats[t.name].map(t.centrality) for t in fitted) / len(fitted)
    samples["accepted"] = samples["distance"] == 0
    accepted = samples[samples["accepted"]]
    if len(accepted) < min_accepted:  # report honestly: the closest sets, flagged
        accepted = samples.nsmallest(min_accepted, ["distance", "centrality"])
    accepted = accepted.sort_values("centrality")
    fit_rows = []
    for t in spec.targets:
        sim = accepted[f"stat_{t.name}"]
        fit_rows.append({
            "target": t.name, "fitted": t.fitted, "statistic": t.statistic, "metric": t.metric,
            "low": t.low, "high": t.high, "central": t.central,
            "default_value": default_stats[t.name], "default_within": t.deviation(default_stats[t.name]) == 0,
            "accepted_median": float(sim.median()), "accepted_p05": float(sim.quantile(0.05)),
            "accepted_p95": float(sim.quantile(0.95)),
            "share_of_all_sets_within": float((samples[f"stat_{t.name}"].map(t.deviation) == 0).mean()),
            "source": t.source,
        })
    default = pd.DataFrame([{"parameter": "(defaults)", **default_stats}])
    return {"samples": samples, "accepted": accepted, "fit": pd.DataFrame(fit_rows), "default": default}
