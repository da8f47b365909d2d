"""Paired comparison of scenarios against a baseline, run with common random numbers.

For each summary metric (``final_*``, ``mean_*``, ``total_*``; see ``runner.summarize``) and
each scenario, replicate r of the scenario is paired with replicate r of the baseline (same
seed, same parameter sample). ``comparison.csv`` holds, per (metric, scenario):

- ``mean``, ``ci_low``, ``ci_high``: the scenario's mean over replicates with a 95% t interval;
- ``diff``: the mean paired difference scenario - baseline, with a 95% interval
  ``diff_ci_low``/``diff_ci_high`` by the paired t method, or, when the differences are skewed
  (|sample skewness| > 1 with 10 to 5,000 pairs), a BCa bootstrap (9,999 resamples; ``diff_method``);
- ``p_value``: paired t test, or with the bootstrap the two-sided p that inverts the BCa
  interval (so it is below 0.05 exactly when the interval excludes 0); ``p_adjusted``: Holm's correction over the non-baseline
  scenarios, per metric;
- ``effect_size``: Cohen's d of the paired differences (mean / sd);
- ``prob_better``: share of replicates in which the scenario beats the baseline in the metric's
  direction (``higher_is_better``) by more than the metric's margin (``robustness.margin``: half
  the last digit the reports print; a difference shown as zero is a tie, not a win);
- ``direction``: which way is better (``metrics.direction``: ``higher``, ``lower`` or
  ``ambiguous``, where ``prob_better`` is the share of higher values and says nothing about
  better); ``higher_is_better`` is kept for older readers;
- ``crn_variance_ratio``: var(differences) / (var(scenario) + var(baseline)); the second is
  what the variance of a difference would be with independent seeds, so 0.1 means common
  random numbers saved 90% of the replicates needed for the same precision.

The baseline's own row has diff 0 with a zero-width interval, and no test (NaN).

These replicates run every scenario under the default assumptions: the intervals cover
simulation noise (and, with ``--posterior`` in a noise-only comparison, the calibration's
uncertainty). ``commsim compare`` also runs every scenario across sampled worlds unless told
``--noise-only``: see ``commsim.compare_worlds`` (``robustness.csv``, ``discovery.csv``).
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from commsim.ensemble import Plan, numeric_metrics, run_plan, seed_for
from commsim.errors import ParameterError
from commsim.experiment import (
    Manifest,
    RunOptions,
    ScenarioRef,
    Setup,
    applicable,
    differing,
    setup_for,
    street_entry,
    writing,
)
from commsim.io import write_csv, write_parquet
from commsim.metrics import KEY_METRICS, check_metric, direction, higher_is_better
from commsim.report.fmt import resolution
from commsim.uncertainty import sample_replicates

COLUMNS: tuple[str, ...] = (
    "metric", "scenario", "baseline", "n", "mean", "ci_low", "ci_high", "diff", "diff_ci_low",
    "diff_ci_high", "diff_method", "p_value", "p_adjusted", "effect_size", "prob_better",
    "higher_is_better", "direction", "crn_variance_ratio",
)

if TYPE_CHECKING:  # commsim.compare_worlds imports this module (through commsim.robustness)
    from commsim.compare_worlds import WorldsOptions, WorldsResult

SKEW_LIMIT = 1.0
BOOTSTRAP_MIN_N = 10
#: above this many pairs the t interval is used whatever the skew (the mean is near normal,
#: and the BCa jackknife costs n^2)
BOOTSTRAP_MAX_N = 5000
BOOTSTRAP_RESAMPLES = 9999
BOOTSTRAP_BATCH = 200


def holm(p_values: Sequence[float]) -> np.ndarray:
    """Holm's step-down adjusted p-values (NaN stays NaN)."""
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, np.nan)
    idx = np.flatnonzero(np.isfinite(p))
    if idx.size:
        order = idx[np.argsort(p[idx], kind="stable")]
        m = idx.size
        adjusted = np.maximum.accumulate((m - np.arange(m)) * p[order])
        out[order] = np.minimum(adjusted, 1.0)
    return out


def _sd(x: np.ndarray) -> float:
    return float(np.std(x, ddof=1)) if x.size > 1 else math.nan


def t_interval(x: np.ndarray) -> tuple[float, float, float]:
    """Mean and 95% t interval (NaN bounds with fewer than 2 values)."""
    if x.size == 0:
        return math.nan, math.nan, math.nan
    mean = float(np.mean(x))
    if x.size < 2:
        return mean, math.nan, math.nan
    half = float(stats.t.ppf(0.975, x.size - 1)) * _sd(x) / math.sqrt(x.size)
    return mean, mean - half, mean + half


def _constant(x: np.ndarray) -> bool:
    return bool(np.ptp(x) <= 1e-12 * max(1.0, float(np.max(np.abs(x)))))


def skewness(x: np.ndarray) -> float:
    """Adjusted Fisher-Pearson sample skewness (0 for fewer than 3 or constant values)."""
    n = x.size
    if n < 3 or _constant(x):
        return 0.0
    d = x - x.mean()
    m2, m3 = float(np.mean(d**2)), float(np.mean(d**3))
    return m3 / m2**1.5 * math.sqrt(n * (n - 1)) / (n - 2)


def bootstrap_means(d: np.ndarray, rng: np.random.Generator, resamples: int = BOOTSTRAP_RESAMPLES) -> np.ndarray:
    """Means of ``resamples`` resamples of ``d`` (drawn in batches to bound memory)."""
    out = np.empty(resamples)
    for start in range(0, resamples, BOOTSTRAP_BATCH):
        k = min(BOOTSTRAP_BATCH, resamples - start)
        out[start:start + k] = d[rng.integers(0, d.size, (k, d.size))].mean(axis=1)
    return out


def bca_mean(d: np.ndarray, rng: np.random.Generator) -> tuple[float, float, float]:
    """BCa bootstrap 95% interval of the mean of ``d`` and the two-sided p-value of 0 that
    inverts the same interval, so the interval excludes 0 exactly when p < 0.05 (Efron &
    Tibshirani 1993, ch. 14; acceleration from the jackknife, in closed form for a mean)."""
    means = bootstrap_means(d, rng)
    b, n, theta = means.size, d.size, float(np.mean(d))
    clip = (1.0 / (b + 1), b / (b + 1))
    below = (np.count_nonzero(means < theta) + 0.5 * np.count_nonzero(means == theta)) / b
    z0 = float(stats.norm.ppf(np.clip(below, *clip)))
    dev = (d.sum() - d) / (n - 1)
    dev = dev.mean() - dev
    ss = float(np.sum(dev**2))
    acc = float(np.sum(dev**3)) / (6.0 * ss**1.5) if ss > 0 else 0.0

    def level(alpha: float) -> float:  # the bootstrap quantile that BCa uses for level alpha
        w = z0 + float(stats.norm.ppf(alpha))
        return float(stats.norm.cdf(z0 + w / (1.0 - acc * w)))

    lo, hi = (float(q) for q in np.quantile(means, [level(0.025), level(0.975)]))
    at_zero = (np.count_nonzero(means < 0) + 0.5 * np.count_nonzero(means == 0)) / b
    z = float(stats.norm.ppf(np.clip(at_zero, *clip))) - z0  # = w / (1 - a w); solve for w
    one_sided = float(stats.norm.cdf(z / (1.0 + acc * z) - z0))
    return lo, hi, min(1.0, 2.0 * min(one_sided, 1.0 - one_sided))


def paired_difference(d: np.ndarray, seed: int | np.random.SeedSequence = 0) -> tuple[float, float, float, str, float]:
    """(mean, ci_low, ci_high, method, p_value) of paired differences ``d``."""
    n = d.size
    if n == 0:
        return math.nan, math.nan, math.nan, "paired_t", math.nan
    mean = float(np.mean(d))
    if _constant(d):  # every replicate differs by the same amount: no sampling error
        return mean, mean, mean, "paired_t", 1.0 if mean == 0 else 0.0
    if BOOTSTRAP_MIN_N <= n <= BOOTSTRAP_MAX_N and abs(skewness(d)) > SKEW_LIMIT:
        lo, hi, p = bca_mean(d, np.random.default_rng(seed))
        return mean, lo, hi, "bootstrap", p
    _, lo, hi = t_interval(d)
    if n < 2:
        return mean, lo, hi, "paired_t", math.nan
    t = mean / (_sd(d) / math.sqrt(n))
    return mean, lo, hi, "paired_t", float(2 * stats.t.sf(abs(t), n - 1))


def paired_comparison(
    summary: pd.DataFrame,
    baseline: str,
    scenarios: Sequence[str] | None = None,
    metrics: Sequence[str] | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """The comparison table (columns ``COLUMNS``) from summary rows with columns
    ``scenario``, ``replicate`` and metrics; pairs are matched on ``replicate``."""
    scenarios = list(scenarios or dict.fromkeys(summary["scenario"]))
    if baseline not in scenarios:
        scenarios.insert(0, baseline)
    others = [s for s in scenarios if s != baseline]
    metrics = list(metrics or _ordered_metrics(numeric_metrics(summary)))
    wide = {s: summary[summary["scenario"] == s].set_index("replicate") for s in scenarios}
    base = wide[baseline]
    pairs = []  # (metric, position, scenario, x, b, d), in the table's order
    for metric in metrics:
        for pos, s in enumerate(others, start=1):
            pair = wide[s][[metric]].join(base[[metric]].add_suffix("_base"), how="inner")
            x, b = pair[metric].to_numpy(dtype=float), pair[f"{metric}_base"].to_numpy(dtype=float)
            ok = np.isfinite(x) & np.isfinite(b)
            pairs.append((metric, pos, s, x[ok], b[ok], x[ok] - b[ok]))
    diffs = iter(_map(lambda p: paired_difference(p[5], np.random.SeedSequence([seed, zlib.crc32(p[0].encode()), p[1]])),
                      pairs))
    rows, todo = [], iter(pairs)
    for metric in metrics:
        hib, by = higher_is_better(metric), resolution(metric)
        b_all = base[metric].to_numpy(dtype=float)
        b_all = b_all[np.isfinite(b_all)]
        mean, lo, hi = t_interval(b_all)
        rows.append(dict(metric=metric, scenario=baseline, baseline=baseline, n=int(b_all.size), mean=mean,
                         ci_low=lo, ci_high=hi, diff=0.0, diff_ci_low=0.0, diff_ci_high=0.0,
                         diff_method="paired_t", p_value=math.nan, p_adjusted=math.nan,
                         effect_size=math.nan, prob_better=math.nan, higher_is_better=hib,
                         direction=direction(metric), crn_variance_ratio=math.nan))
        block = []
        for _ in others:
            _, _, s, x, b, d = next(todo)
            mean, lo, hi = t_interval(x)
            diff, dlo, dhi, method, p = next(diffs)
            sd_d = _sd(d)
            denom = _sd(x) ** 2 + _sd(b) ** 2 if x.size > 1 else math.nan
            block.append(dict(
                metric=metric, scenario=s, baseline=baseline, n=int(x.size), mean=mean, ci_low=lo,
                ci_high=hi, diff=diff, diff_ci_low=dlo, diff_ci_high=dhi, diff_method=method,
                p_value=p, p_adjusted=math.nan,
                effect_size=diff / sd_d if sd_d and math.isfinite(sd_d) and sd_d > 0 else math.nan,
                prob_better=float(np.mean(d > by) if hib else np.mean(d < -by)) if d.size else math.nan,
                higher_is_better=hib, direction=direction(metric),
                crn_variance_ratio=sd_d**2 / denom if denom and math.isfinite(denom) and denom > 0 else math.nan,
            ))
        for row, adj in zip(block, holm([r["p_value"] for r in block]), strict=True):
            row["p_adjusted"] = float(adj)
        rows.extend(block)
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _map(fn, items: list) -> list:
    """``[fn(item) for item in items]`` on the cores this process may use: the bootstrap's
    draws, gathers and means release the GIL, and each pair has its own seeded generator, so
    the results are the same as in one thread."""
    from commsim.backends import default_workers

    workers = min(default_workers(), 4)
    if workers < 2 or len(items) < 2:
        return [fn(item) for item in items]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(fn, items))


def _ordered_metrics(metrics: Sequence[str]) -> list[str]:
    key = [m for m in KEY_METRICS if m in metrics]
    return key + [m for m in metrics if m not in key]


def half_width(comparison: pd.DataFrame, metric: str) -> float:
    """The widest half-width of the paired-difference 95% CI of ``metric`` over scenarios."""
    rows = comparison[(comparison["metric"] == metric) & (comparison["scenario"] != comparison["baseline"])]
    if rows.empty:
        return math.nan
    return float(((rows["diff_ci_high"] - rows["diff_ci_low"]) / 2).max())


# --- running a comparison ---------------------------------------------------------------------


@dataclass
class CompareResult:
    """A finished comparison: the table, the per-replicate summary rows and the manifest."""

    comparison: pd.DataFrame
    summary: pd.DataFrame
    manifest: dict[str, Any]
    out: Path | None = None
    monthly: pd.DataFrame | None = None
    worlds: WorldsResult | None = None


def replicates_needed(half: float, n: int, target: float) -> int:
    """Replicates for a 95% t interval of half-width ``target``, from one of half-width
    ``half`` with ``n`` replicates (same sd), plus 10% for the sd's own uncertainty."""
    sd = half * math.sqrt(n) / float(stats.t.ppf(0.975, n - 1))
    need = n
    for _ in range(8):
        need = max(2, math.ceil((float(stats.t.ppf(0.975, max(need, 2) - 1)) * sd / target) ** 2))
    return math.ceil(1.1 * need)


def compare_plan(setup: Setup, reps: int, seed: int, crn: bool = True, block: int | None = None,
                 posterior: Sequence[Mapping[str, Any]] = ()) -> Plan:
    """Replicates 0..reps-1 of every scenario; replicate r shares its seed (with ``crn``), its
    Latin hypercube parameter sample and its posterior set (``r % len(posterior)``) across
    scenarios."""
    samples = sample_replicates(setup.varies, range(reps), seed, block or reps)
    sampled = [v.name for v in setup.varies]
    if posterior:
        clash = sorted(set(sampled) & set(posterior[0]))
        if clash:
            raise ParameterError(f"--posterior and --vary both set {', '.join(clash)}")
        apart = sorted(differing(setup) & set(posterior[0]))
        if apart:
            raise ParameterError(
                f"--posterior sets {', '.join(apart)}, which the compared scenarios set differently; "
                "that would erase the difference between them (drop those columns from the file)"
            )
        sampled += list(posterior[0])
        samples = {r: {**posterior[r % len(posterior)], **values} for r, values in samples.items()}
    plan = Plan("compare", setup.scenarios, sampled=tuple(sampled), samples=samples)
    for r in range(reps):
        for pos, (label, sc) in enumerate(setup.scenarios.items()):
            plan.add(label, r, seed_for(seed, r, pos, crn), applicable(samples[r], sc))
    return plan


def compare(
    baseline: ScenarioRef,
    others: Sequence[ScenarioRef],
    options: RunOptions | None = None,
    *,
    crn: bool = True,
    precision: float | None = None,
    metric: str = "mean_collection_rate",
    max_reps: int | None = None,
    keep_monthly: bool = False,
    posterior: Sequence[Mapping[str, Any]] = (),
    worlds: WorldsOptions | None = None,
    street: ScenarioRef | None = None,
    **run: Any,
) -> CompareResult:
    """Run ``baseline`` and ``others`` with common random numbers and compare them.

    ``options`` (a :class:`~commsim.experiment.RunOptions`) or its fields as keyword
    arguments (``reps`` default 20, ``seed``, ``months``, ``sets``, ``vary``, ``out``,
    ``workers``, ``backend``, ...). With ``out``, results go to that folder (resumable; see
    ``commsim.store``) and ``summary.parquet``, ``comparison.csv`` and ``manifest.json`` are
    written; without it everything stays in memory (``keep_monthly`` keeps the monthly rows
    too). ``precision``: add replicates (up to ``max_reps``, default 10 x ``reps``; at most 4x
    per round) until the 95% CI half-width of ``metric``'s paired difference is at most
    ``precision`` for every scenario. ``posterior``: calibrated sets, set ``r % K`` in replicate r.

    ``worlds`` (a :class:`~commsim.compare_worlds.WorldsOptions`; ``commsim compare`` gives one
    unless ``--noise-only``): also run every scenario across sampled worlds and write
    ``robustness.csv``, ``stability.json``, ``discovery.csv`` and the worlds' tables (see
    :mod:`commsim.compare_worlds`); the noise-only replicates above still give
    ``comparison.csv``. ``street``: compare the scenarios' policies on this street instead
    (``experiment.on_street``).
    """
    from commsim.compare_worlds import WorldsRun, clear_stale, own_columns

    opts = RunOptions.build(options, **run)
    reps = opts.reps_or(20)
    if reps < 2:
        raise ParameterError(f"--reps {reps}: a comparison needs at least 2 replicates")
    if not others:
        raise ParameterError("compare: give at least one scenario besides the baseline")
    metric = check_metric(metric)
    if precision is not None and not (precision > 0 and math.isfinite(precision)):
        raise ParameterError(f"--precision {precision}: must be a number above 0")
    if max_reps is not None and max_reps < 2:
        raise ParameterError(f"--max-reps {max_reps}: must be at least 2")
    if worlds is not None and not crn:
        raise ParameterError("--no-crn: only with --noise-only (every scenario runs in the same worlds with the same seeds)")
    if worlds is not None and posterior:
        raise ParameterError("compare: give the posterior to the worlds (WorldsOptions.posterior), not as posterior=")
    setup = setup_for([baseline, *others], opts, street=street)
    labels = list(setup.scenarios)
    limit = max(reps, max_reps or (10 * reps if precision is not None else reps))
    wrun = WorldsRun(setup, opts, worlds) if worlds is not None else None
    most = limit * len(labels) + (len(wrun.full.tasks) if wrun is not None else 0)
    opts.check_size(most, "compare")
    opts.check_memory(list(setup.scenarios.values()), most)
    full = compare_plan(setup, limit, opts.seed, crn, block=reps, posterior=posterior)
    allowed = full.keys | (wrun.keys if wrun is not None else set())
    manifest = Manifest.for_setup(
        "compare", opts, setup, baseline=labels[0], crn=crn, reps_requested=reps, lhs_block=reps,
        precision={"target": precision, "metric": metric, "max_reps": limit} if precision else None,
        street=street_entry(setup.street), worlds=wrun.describe() if wrun is not None else None)
    opts.say(f"compare: {', '.join(labels)}: {reps} replicates each" + (f" -> {opts.out}" if opts.out is not None else ""))
    reps_now, rounds, computed = reps, [], 0
    with writing(opts, "commsim compare"):
        while True:
            plan = replace(full, tasks=[t for t in full.tasks if t.replicate < reps_now])
            manifest.update(reps=reps_now)
            done = run_plan(plan, replace(opts, overwrite=opts.overwrite and not rounds), allowed_keys=allowed,
                            keep_monthly_in_memory=keep_monthly, manifest=manifest)
            if wrun is not None:
                done.summary = own_columns(done.summary, plan, wrun.full.sampled)
            computed += done.computed
            comparison = paired_comparison(done.summary, labels[0], labels, seed=opts.seed)
            if precision is None:
                break
            hw = half_width(comparison, metric)
            rounds.append({"reps": reps_now, "half_width": hw})
            opts.say(f"{reps_now} replicates: 95% CI half-width of the {metric} difference {hw:.4g} (target {precision:g})")
            if not hw > precision or reps_now >= limit:
                if hw > precision:
                    opts.say(f"warning: target not reached at --max-reps {limit}")
                break
            reps_now = min(limit, 4 * reps_now, max(reps_now + 1, replicates_needed(hw, reps_now, precision)))
        extra: dict[str, Any] = {}
        if not crn:
            extra["seeds_by_scenario"] = {lab: [seed_for(opts.seed, r, i, crn) for r in range(reps_now)] for i, lab in enumerate(labels)}
        files: dict[str, Any] = {"summary.parquet": lambda p: write_parquet(done.summary, p),
                                 "comparison.csv": lambda p: write_csv(comparison, p), "monthly/": None, "runs/": None}
        runs, wres = len(plan.tasks), None
        if wrun is not None:
            wres = wrun.run(manifest, allowed, noise=done.summary, noise_sampled=plan.sampled)
            files.update(wres.writers())
            computed += wres.computed
            runs += wres.runs
            extra["worlds"] = wres.info
        clear_stale(opts.out, list(files))
        data = manifest.complete(
            runs, computed, files,
            reps=reps_now, seeds=[seed_for(opts.seed, r) for r in range(reps_now)],
            parameter_samples=[{"replicate": r, **plan.samples[r]} for r in range(reps_now)] if plan.sampled else [],
            posterior_sets=len(posterior), precision_rounds=rounds, **extra)
    return CompareResult(comparison, done.summary, data, opts.out, done.monthly, wres)
