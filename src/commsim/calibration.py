"""Calibration against published figures: targets, the statistics of a run, and result tables.

Targets are data (``calibration/targets.toml``): each names a statistic of a run, a range
[low, high] from ``EMPIRICAL_TARGETS.md`` or the seed documents, an optional central value and
its source. The search itself is sequential Monte Carlo ABC (``commsim.calibration_smc``);
this module turns its final generation into the tables ``commsim calibrate`` writes: an
equally weighted posterior sample (``accepted.csv``, read by ``compare --posterior`` and
``commsim.worlds``), the fit per target and each parameter's prior and posterior spread.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from commsim.errors import ScenarioError
from commsim.params import PARAMETERS
from commsim.runner import simulate
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
    """One published figure a calibrated run should reproduce (a ``[[target]]`` of the file).

    Attributes:
        name: Name of the target; the column of its statistic in the result tables.
        statistic: How the figure is computed from a run (a key of ``STATISTICS``).
        metric: The monthly metric the statistic reads.
        low: Lower end of the published range.
        high: Upper end of the published range.
        source: Where the range comes from (EMPIRICAL_TARGETS.md or a seed document).
        central: Central value when the source gives one; otherwise the range's middle is used.
        fitted: Whether the search fits the target; an unfitted target is only reported.
        options: The statistic's further fields (``minus``, ``higher``, ``lower``, ``threshold``,
            ``top``).
    """
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
    """A validated targets file (``load_targets``).

    Attributes:
        source: Path of the targets file, as named in error messages.
        scenario: Scenario the calibration runs (``calibration.scenario``, default ``baseline``).
        parameters: Names of the parameters searched, each with a numeric range in the table.
        targets: The targets, in file order.
    """
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


def population_table(particles: Sequence[Any], spec: CalibrationSpec) -> pd.DataFrame:
    """One row per particle of a pyabc population: parameters (as the table's kinds), weight,
    ``stat_<target>``, ``distance`` (``calibration_smc.TargetDistance``), ``centrality`` (mean
    squared distance to the central values, in half-widths) and ``within`` (every fitted target
    inside its range)."""
    from commsim.calibration_smc import typed


    rows = []
    for p in particles:
        stats = {t.name: float(p.sum_stat.get(t.name, math.nan)) for t in spec.targets}
        rows.append({**typed({k: p.parameter[k] for k in spec.parameters}), "weight": float(p.weight),
                     **{f"stat_{k}": v for k, v in stats.items()}})
    table = score(pd.DataFrame(rows), spec, "within")
    table["weight"] /= table["weight"].sum()
    return table


def score(table: pd.DataFrame, spec: CalibrationSpec, flag: str = "accepted") -> pd.DataFrame:
    """(Re)compute ``distance``, ``centrality`` and the inside-every-range flag from the
    ``stat_<target>`` columns."""
    from commsim.calibration_smc import TargetDistance

    dist, fitted = TargetDistance(spec.targets), [t for t in spec.targets if t.fitted]
    out = table.copy()
    stats = [{t.name: float(row[f"stat_{t.name}"]) for t in spec.targets} for _, row in out.iterrows()]
    out["distance"] = [dist(s) for s in stats]
    out["centrality"] = [sum(t.centrality(s[t.name]) for t in fitted) / len(fitted) for s in stats]
    out[flag] = [all(t.deviation(s[t.name]) == 0 for t in fitted) for s in stats]
    return out


def resample(population: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    """``n`` rows drawn by systematic resampling in proportion to ``weight``, in a random order
    (reproducible from ``seed``): an equally weighted posterior sample, so that replicate r of a
    comparison can take row ``r mod n`` (``--posterior``) without favouring any part of it.
    ``accepted`` marks rows inside every fitted target's range."""
    rng = np.random.default_rng([int(seed), 0x5EED])
    w = population["weight"].to_numpy(float)
    positions = (rng.uniform() + np.arange(n)) / n
    idx = np.minimum(np.searchsorted(np.cumsum(w / w.sum()), positions, side="right"), len(w) - 1)
    out = population.iloc[idx].drop(columns=["weight"]).rename(columns={"within": "accepted"})
    out.insert(0, "particle", population.index[idx])
    return out.iloc[rng.permutation(n)].reset_index(drop=True)


def _wquantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    cum = (np.cumsum(w) - 0.5 * w) / w.sum()
    return float(np.interp(q, cum, x))


def parameter_table(spec: CalibrationSpec, posterior: pd.DataFrame) -> pd.DataFrame:
    """Prior (uniform over the table's range) against posterior spread per parameter.

    ``sd_ratio`` = posterior sd / prior sd; ``identification``: ``narrowed`` (ratio below 0.5),
    ``weak`` (0.5-0.8) or ``not identified`` (0.8 and above: the targets leave the parameter
    about as uncertain as its range)."""
    rows = []
    w = posterior["weight"].to_numpy(float)
    for name in spec.parameters:
        lo, hi = PARAMETERS[name].range
        x = posterior[name].to_numpy(float)
        mean = float(np.average(x, weights=w))
        sd = float(np.sqrt(np.average((x - mean) ** 2, weights=w)))
        prior_sd = (hi - lo) / math.sqrt(12)
        ratio = sd / prior_sd if prior_sd > 0 else math.nan
        rows.append({"parameter": name, "prior_low": lo, "prior_high": hi, "prior_mean": (lo + hi) / 2,
                     "prior_sd": prior_sd, "posterior_mean": mean, "posterior_sd": sd,
                     "posterior_p05": _wquantile(x, w, 0.05), "posterior_median": _wquantile(x, w, 0.5),
                     "posterior_p95": _wquantile(x, w, 0.95), "sd_ratio": ratio,
                     "identification": "narrowed" if ratio < 0.5 else "weak" if ratio < 0.8 else "not identified"})
    return pd.DataFrame(rows)


def fit_table(spec: CalibrationSpec, default_stats: Mapping[str, float], accepted: pd.DataFrame,
              prior_sample: pd.DataFrame) -> pd.DataFrame:
    """Per target: its range, the value under the current defaults, the posterior 5-95% range,
    and the share of the first (prior) generation inside the range."""
    rows = []
    for t in spec.targets:
        sim = accepted[f"stat_{t.name}"]
        rows.append({
            "target": t.name, "fitted": t.fitted, "statistic": t.statistic, "metric": t.metric,
            "low": t.low, "high": t.high, "central": t.central,
            "default_value": default_stats[t.name], "default_within": t.deviation(default_stats[t.name]) == 0,
            "accepted_median": float(sim.median()), "accepted_p05": float(sim.quantile(0.05)),
            "accepted_p95": float(sim.quantile(0.95)), "accepted_within": float((sim.map(t.deviation) == 0).mean()),
            "prior_share_within": float((prior_sample[f"stat_{t.name}"].map(t.deviation) == 0).mean()),
            "source": t.source,
        })
    return pd.DataFrame(rows)
