"""Robustness: how often a policy wins across worlds, not only how sure the mean is.

Input: a summary table with one row per scenario x replicate (columns ``scenario``,
``replicate`` and summary metrics such as ``mean_collection_rate``), where replicate r of
every scenario ran in the same world (``commsim.worlds``: same seed, same calibrated set,
same assumptions and policy strengths). For every ordered pair of scenarios (scenario,
comparator) and key outcome (``metrics.KEY_METRICS``), ``robustness.csv`` holds:

- ``direction``: ``higher``/``lower`` is better, or ``ambiguous`` (``metrics.direction``);
- ``n_worlds``: worlds with a finite value for both;
- ``share_better``: share of worlds in which the scenario beats the comparator in the outcome's
  direction by more than the outcome's *margin* (:func:`margin`: half a unit of the last digit
  the reports print, e.g. 0.05 percentage points for a rate shown as 81.6%): a difference the
  tables would show as zero is a tie, not a win. For an ambiguous outcome it is the share of
  worlds with a *higher* value (by more than the margin), no judgement implied;
- ``median_diff``, ``diff_p05``, ``diff_p95``: median and 5-95% range of the paired difference
  scenario - comparator across worlds (what the assumptions do to the advantage);
- ``noise_diff``, ``noise_ci_low``, ``noise_ci_high``: the noise-only reading beside it: the mean
  paired difference and its paired-t 95% interval over the replicates of a separate noise-only
  comparison under the default assumptions when one is given (``noise=``; ``commsim compare``
  gives its own, so these are ``comparison.csv``'s ``diff`` and its t interval), else over the
  worlds themselves. Either way it shrinks as replicates are added; the 5-95% range does not;
- ``prob_best``: share of worlds in which the scenario is best among all scenarios of the table
  (the status quo included) on this outcome. Only a policy that beats the status quo by more
  than the margin can be best in a world: the best of those, with any of them within the margin
  of it sharing the world equally; a world where no policy beats the status quo is the status
  quo's. For an ambiguous outcome, the share with the highest value (values within the margin
  shared). It depends on the scenario and outcome only, and is repeated on each of the
  scenario's rows;
- ``margin``: the outcome's margin, in its own units (recorded so that a reader of the file
  knows which rule made the shares).

Rows with ``comparator`` = the baseline answer "does it beat the status quo"; rows between
two policies "does it beat the other"; the baseline's own rows (``scenario`` = baseline) give
its ``prob_best`` and how often the status quo beats each policy.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from commsim.compare import paired_difference, t_interval
from commsim.io import write_csv
from commsim.metrics import EITHER, HIGHER, KEY_METRICS, direction

COLUMNS: tuple[str, ...] = (
    "scenario", "outcome", "comparator", "direction", "n_worlds", "share_better", "median_diff",
    "diff_p05", "diff_p95", "noise_diff", "noise_ci_low", "noise_ci_high", "prob_best", "margin",
)
#: relative size below which a paired difference is a tie
TIE = 1e-12


def _tie_tol(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return TIE * np.maximum(1.0, np.maximum(np.abs(a), np.abs(b)))


def margin(outcome: str) -> float:
    """The smallest difference in ``outcome`` that counts as a win across worlds: half a unit
    of the last digit the reports print for it (``report.fmt.resolution``)."""
    from commsim.report.fmt import resolution

    return resolution(outcome)


def better(a: np.ndarray, b: np.ndarray, way: str, by: float = 0.0) -> np.ndarray:
    """Element-wise: does ``a`` beat ``b`` in direction ``way`` (ambiguous: is it higher) by
    more than ``by`` (and by more than rounding)."""
    d = a - b
    tol = np.maximum(_tie_tol(a, b), by)
    return d < -tol if way not in (HIGHER, EITHER) else d > tol


def wide(summary: pd.DataFrame, outcome: str, scenarios: Sequence[str]) -> pd.DataFrame:
    """Replicates x scenarios table of one outcome (replicates missing a scenario dropped)."""
    table = summary.pivot_table(index="replicate", columns="scenario", values=outcome, aggfunc="first", dropna=False)
    missing = [s for s in scenarios if s not in table.columns]
    if missing:
        raise ValueError(f"no rows for scenario {missing[0]!r} in the summary table")
    return table[list(scenarios)].sort_index()


def prob_best(values: pd.DataFrame, way: str, by: float = 0.0, baseline: str | None = None) -> pd.Series:
    """Share of rows (worlds) in which each column is best, over rows where every column is
    finite. Columns within ``by`` of the best value are tied, ties split equally. With a
    ``baseline`` column (not for an ambiguous ``way``) only columns that beat it by more than
    ``by`` can be best; a row where none does counts for the baseline."""
    x = values.to_numpy(dtype=float)
    x = x[np.isfinite(x).all(axis=1)]
    if not len(x):
        return pd.Series(np.nan, index=values.columns)
    top = (x.max if way in (HIGHER, EITHER) else x.min)(axis=1, keepdims=True)
    if baseline is None or way == EITHER:
        tied = np.abs(x - top) <= np.maximum(_tie_tol(x, top), by)
        return pd.Series((tied / tied.sum(axis=1, keepdims=True)).mean(axis=0), index=values.columns)
    # only a policy that beats the status quo by more than the margin can be best: the best of
    # those, and any of them within the margin of it; a world where none does is the status quo's
    k = list(values.columns).index(baseline)
    eligible = better(x, x[:, [k]], way, by)
    eligible[:, k] = False
    top = np.where(eligible, x, -np.inf if way == HIGHER else np.inf)
    top = (top.max if way == HIGHER else top.min)(axis=1, keepdims=True)
    tied = eligible & (np.abs(x - top) <= np.maximum(_tie_tol(x, top), by))
    tied[~eligible.any(axis=1), k] = True
    return pd.Series((tied / tied.sum(axis=1, keepdims=True)).mean(axis=0), index=values.columns)


def pair_row(a: np.ndarray, b: np.ndarray, way: str, by: float = 0.0) -> dict[str, float]:
    """The statistics of one (scenario, comparator) pair over paired worlds (a win is a
    difference of more than ``by``)."""
    ok = np.isfinite(a) & np.isfinite(b)
    a, b = a[ok], b[ok]
    n = int(a.size)
    if n == 0:
        return {"n_worlds": 0, **dict.fromkeys(COLUMNS[5:12], math.nan)}
    d = a - b
    mean, lo, hi = t_interval(d)
    return {
        "n_worlds": n, "share_better": float(better(a, b, way, by).mean()),
        "median_diff": float(np.median(d)), "diff_p05": float(np.quantile(d, 0.05)),
        "diff_p95": float(np.quantile(d, 0.95)), "noise_diff": mean, "noise_ci_low": lo, "noise_ci_high": hi,
    }


NOISE = ("noise_diff", "noise_ci_low", "noise_ci_high")


def noise_row(a: np.ndarray, b: np.ndarray, seed: np.random.SeedSequence) -> dict[str, float]:
    """Mean paired difference ``a - b`` over finite pairs and its 95% interval, computed as
    ``comparison.csv`` computes it (``compare.paired_difference``: paired t, or BCa bootstrap
    when the differences are skewed)."""
    ok = np.isfinite(a) & np.isfinite(b)
    mean, lo, hi, _, _ = paired_difference(a[ok] - b[ok], seed)
    return dict(zip(NOISE, (mean, lo, hi), strict=True))


def noise_seed(seed: int, outcome: str, names: Sequence[str], scenario: str, comparator: str) -> np.random.SeedSequence:
    """The bootstrap seed of a pair: ``compare.paired_comparison``'s for a scenario against the
    baseline (``names[0]``) in either order, so those rows repeat ``comparison.csv``'s interval."""
    i, j = names.index(scenario), names.index(comparator)
    pos = max(i, j) if min(i, j) == 0 else 1000 + min(i, j) * len(names) + max(i, j)
    return np.random.SeedSequence([seed, zlib.crc32(outcome.encode()), pos])


def robustness(summary: pd.DataFrame, baseline: str, outcomes: Sequence[str] | None = None,
               scenarios: Sequence[str] | None = None, noise: pd.DataFrame | None = None,
               seed: int = 0) -> pd.DataFrame:
    """The robustness table (``COLUMNS``; see the module docstring).

    Args:
        summary: one row per scenario x replicate (replicate r of every scenario in world r).
        baseline: the status quo's label (must be in ``summary``).
        outcomes: summary columns to assess (default: the key metrics present).
        scenarios: scenarios in order (default: as they first appear, baseline first).
        noise: a noise-only summary (the same scenarios under the default assumptions, paired
            by replicate) for the ``noise_*`` columns; default: the worlds themselves (t interval).
        seed: the comparison's base seed (bootstrap intervals of ``noise``, as in ``comparison.csv``).
    """
    for col in ("scenario", "replicate"):
        if col not in summary.columns:
            raise ValueError(f"summary table: no column {col!r}")
    names = list(scenarios or dict.fromkeys(summary["scenario"]))
    if baseline not in names:
        raise ValueError(f"baseline {baseline!r} is not among the scenarios ({', '.join(names)})")
    names = [baseline, *[s for s in names if s != baseline]]
    if len(names) < 2:
        raise ValueError("robustness needs the baseline and at least one other scenario")
    outcomes = [m for m in (outcomes or KEY_METRICS) if m in summary.columns]
    rows = []
    for m in outcomes:
        way, by = direction(m), margin(m)
        table = wide(summary, m, names)
        best = prob_best(table, way, by, baseline)
        quiet = wide(noise, m, names) if noise is not None and m in noise.columns else None
        for s in names:
            for c in names:
                if c == s:
                    continue
                stats = pair_row(table[s].to_numpy(float), table[c].to_numpy(float), way, by)
                if quiet is not None:
                    stats.update(noise_row(quiet[s].to_numpy(float), quiet[c].to_numpy(float),
                                           noise_seed(seed, m, names, s, c)))
                elif noise is not None:
                    stats.update(dict.fromkeys(NOISE, math.nan))
                rows.append({"scenario": s, "outcome": m, "comparator": c, "direction": way, **stats,
                             "prob_best": float(best[s]), "margin": by})
    return pd.DataFrame(rows, columns=list(COLUMNS))


def write_robustness(table: pd.DataFrame, path: str | Path) -> Path:
    """Write ``robustness.csv`` (exactly ``COLUMNS``), atomically."""
    if list(table.columns) != list(COLUMNS):
        raise ValueError(f"robustness table columns must be {', '.join(COLUMNS)}")
    return write_csv(table, path)


def leader(table: pd.DataFrame, outcome: str) -> tuple[str, str | None]:
    """The scenario most often best on ``outcome`` and the runner-up (None with one scenario)."""
    best = table[table["outcome"] == outcome].drop_duplicates("scenario").sort_values(
        ["prob_best", "scenario"], ascending=[False, True], kind="stable")
    names = list(best["scenario"])
    return names[0], (names[1] if len(names) > 1 else None)
