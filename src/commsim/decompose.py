"""Each policy's effect taken apart: its mechanisms switched off in turn, and on alone.

A policy declares its mechanisms (``Policy.mechanisms``: a name -> the parameter values that
switch that mechanism off). For a scenario that switches policies on, :func:`decompose` runs,
under common random numbers (and the same parameter draws) as one comparison against the
baseline:

- ``full``: the scenario as it is;
- ``<label>__without__<policy>__<m>``: the scenario with mechanism m switched off (every other
  one on);
- ``<label>__only__<policy>__<m>``: the scenario with every other mechanism of m's policy switched off.

and reports, per mechanism and key outcome, with 95% intervals over the paired replicates:

- ``full`` — the whole effect, scenario − baseline;
- ``drop`` — what is lost when m is switched off, full − without m (m's contribution given the
  others), and its share of the full effect;
- ``alone`` — the effect of m on its own, only m − baseline, and its share of the full effect;
- ``interaction`` — full − the sum of the ``alone`` effects (what the mechanisms do only
  together; negative where they overlap).

Shares are ratios of mean paired differences with percentile-bootstrap intervals (2,000
resamples of replicates). A share is shown only where the full effect's interval excludes 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from commsim.compare import compare, t_interval
from commsim.errors import ParameterError
from commsim.experiment import Manifest, RunOptions, setup_for, writing
from commsim.io import write_csv
from commsim.metrics import KEY_METRICS, check_metric
from commsim.policies import registry
from commsim.scenario import Scenario

COLUMNS: tuple[str, ...] = (
    "scenario", "policy", "mechanism", "outcome", "measure", "n", "mean", "ci_low", "ci_high",
    "share_of_full", "share_ci_low", "share_ci_high",
)
BOOTSTRAP = 2000


@dataclass(frozen=True)
class Variant:
    """One run of the decomposition: its label, the mechanism it concerns and the overrides."""

    label: str
    kind: str  # full | without | only
    policy: str = ""
    mechanism: str = ""
    overrides: tuple[tuple[str, Any], ...] = ()


def mechanisms_of(scenario: Scenario) -> dict[str, dict[str, dict[str, Any]]]:
    """Per switched-on policy: mechanism -> its off-values as scenario overrides (``policy.param``)."""
    out = {}
    for name in scenario.policies:
        declared = registry.get(name).mechanism_switches()
        if declared:
            out[name] = {m: {f"{name}.{k}": v for k, v in off.items()} for m, off in declared.items()}
    return out


def variants(label: str, scenario: Scenario) -> list[Variant]:
    """The runs a decomposition of ``scenario`` needs (besides the baseline)."""
    found = mechanisms_of(scenario)
    if not found:
        raise ParameterError(f"{scenario.source}: none of its policies ({', '.join(scenario.policies) or 'none'}) "
                             "declares mechanisms to take apart")
    out = [Variant(label, "full")]
    for policy, mechs in found.items():
        for m, off in mechs.items():
            out.append(Variant(f"{label}__without__{policy}__{m}", "without", policy, m, tuple(off.items())))
            others = {k: v for other, o in mechs.items() if other != m for k, v in o.items()}
            if len(mechs) > 1:
                out.append(Variant(f"{label}__only__{policy}__{m}", "only", policy, m, tuple(others.items())))
    return out


def _renamed(scenario: Scenario, name: str, overrides: Mapping[str, Any]) -> Scenario:
    meta = scenario.spec.scenario.model_copy(update={"name": name})
    spec = scenario.spec.model_copy(update={"scenario": meta})
    return Scenario(spec, scenario.source, {**scenario.overrides, **overrides})


def _paired(summary: pd.DataFrame, a: str, b: str, metric: str) -> np.ndarray:
    wide = summary.pivot(index="replicate", columns="scenario", values=metric)
    d = (wide[a] - wide[b]).to_numpy(dtype=float)
    return d[np.isfinite(d)]


def _share(num: np.ndarray, den: np.ndarray, rng: np.random.Generator) -> tuple[float, float, float]:
    if num.size < 2 or den.size != num.size or den.mean() == 0:
        return np.nan, np.nan, np.nan
    idx = rng.integers(0, num.size, size=(BOOTSTRAP, num.size))
    dm = den[idx].mean(axis=1)
    ratios = np.divide(num[idx].mean(axis=1), dm, out=np.full(BOOTSTRAP, np.nan), where=dm != 0)
    lo, hi = np.nanpercentile(ratios, [2.5, 97.5])
    return float(num.mean() / den.mean()), float(lo), float(hi)


def decomposition_table(summary: pd.DataFrame, baseline: str, runs: Sequence[Variant],
                        outcomes: Sequence[str], seed: int = 0) -> pd.DataFrame:
    """The decomposition (columns :data:`COLUMNS`) from the summary rows of the comparison."""
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 0xDEC0]))
    full = next(v for v in runs if v.kind == "full")
    rows = []
    for metric in outcomes:
        d_full = _paired(summary, full.label, baseline, metric)
        m, lo, hi = t_interval(d_full)
        significant = d_full.size > 1 and np.isfinite(lo) and (lo > 0 or hi < 0)
        rows.append(dict(scenario=full.label, policy="", mechanism="", outcome=metric, measure="full", n=d_full.size,
                         mean=m, ci_low=lo, ci_high=hi, share_of_full=1.0, share_ci_low=1.0, share_ci_high=1.0))
        alone_sum = np.zeros_like(d_full)
        for v in runs:
            if v.kind == "full":
                continue
            if v.kind == "without":
                d = _paired(summary, full.label, v.label, metric)
                measure = "drop"
            else:
                d = _paired(summary, v.label, baseline, metric)
                measure = "alone"
                if d.size == alone_sum.size:
                    alone_sum += d
            m, lo, hi = t_interval(d)
            share = _share(d, d_full, rng) if significant else (np.nan, np.nan, np.nan)
            rows.append(dict(scenario=full.label, policy=v.policy, mechanism=v.mechanism, outcome=metric, measure=measure,
                             n=d.size, mean=m, ci_low=lo, ci_high=hi, share_of_full=share[0], share_ci_low=share[1],
                             share_ci_high=share[2]))
        if any(v.kind == "only" for v in runs):
            inter = d_full - alone_sum
            m, lo, hi = t_interval(inter)
            share = _share(inter, d_full, rng) if significant else (np.nan, np.nan, np.nan)
            rows.append(dict(scenario=full.label, policy="", mechanism="", outcome=metric, measure="interaction",
                             n=inter.size, mean=m, ci_low=lo, ci_high=hi, share_of_full=share[0],
                             share_ci_low=share[1], share_ci_high=share[2]))
    return pd.DataFrame(rows, columns=list(COLUMNS))


@dataclass
class DecomposeResult:
    """The decomposition table, the underlying comparison's summary and the manifest."""

    table: pd.DataFrame
    summary: pd.DataFrame
    manifest: dict[str, Any]
    out: Path | None


def decompose(scenario: str | Path | Scenario, baseline: str | Path | Scenario = "baseline",
              options: RunOptions | None = None, *, outcomes: Sequence[str] = KEY_METRICS, **run: Any) -> DecomposeResult:
    """Take ``scenario``'s policies apart against ``baseline`` (see the module docstring).

    ``options`` or its fields as keyword arguments (``reps`` default 20, ``seed``, ``out``,
    ``workers``, ...). With ``out``: the underlying comparison (resumable) in ``out/runs/``,
    ``decomposition.csv``, ``manifest.json`` and figures in ``out/figures/``.
    """
    opts = RunOptions.build(options, **run)
    outcomes = [check_metric(o, "--outputs") for o in outcomes]
    setup = setup_for([baseline, scenario], opts)
    base_label, label = list(setup.scenarios)
    sc = setup.scenarios[label]
    runs = variants(label, sc)
    scenarios = [_renamed(sc, v.label, dict(v.overrides)) for v in runs]
    inner = replace(opts, out=opts.out / "runs" if opts.out is not None else None, sets={}, vary=())
    manifest = Manifest("decompose", opts, {base_label: setup.scenarios[base_label], label: sc}, setup.varies,
                        baseline=base_label, variants=[v.label for v in runs],
                        mechanisms={p: list(m) for p, m in mechanisms_of(sc).items()})
    opts.say(f"decompose: {label} against {base_label}: {len(runs)} variants")
    with writing(opts, "commsim decompose"):
        result = compare(setup.scenarios[base_label], scenarios, inner, vary=setup.varies)
        table = decomposition_table(result.summary, base_label, runs, [o for o in outcomes if o in result.summary],
                                    seed=opts.seed)
        data = manifest.data if opts.out is None else manifest.complete(
            len(result.summary), result.manifest.get("runs_computed", 0),
            {"decomposition.csv": lambda p: write_csv(table, p), "runs/": None})
    return DecomposeResult(table, result.summary, data, opts.out)


def write_figures(result: DecomposeResult, lang: str = "en") -> list[Path]:
    """One figure per policy in ``out/figures/decomposition_<policy>_<lang>.png`` (and .svg)."""
    from commsim.report import style
    from commsim.report.plots_decompose import decomposition
    from commsim.report.vocab import ScenarioTitles

    if result.out is None:
        return []
    titles = ScenarioTitles()
    written: list[Path] = []
    table = result.table
    with style.language(lang):  # type: ignore[arg-type]
        for policy in [p for p in dict.fromkeys(table["policy"]) if p]:
            rows = table[(table["policy"] == policy) | (table["policy"] == "")]
            fig = decomposition(rows, lang, titles.title(policy, lang),  # type: ignore[arg-type]
                                base_seed=result.manifest.get("base_seed"))
            (result.out / "figures").mkdir(parents=True, exist_ok=True)
            written += style.save(fig, result.out / "figures" / f"decomposition_{policy}_{lang}")
    return written
