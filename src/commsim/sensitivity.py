"""Global sensitivity analysis with SALib: Morris screening and Sobol indices.

Which parameters: ``--vary``/``params`` or the scenario's ``[uncertainty]`` table, else
every numeric parameter with a range in the parameter table that applies to the scenario.
Each is mapped from the unit interval by its :class:`~commsim.uncertainty.Vary` (uniform
over its range unless a distribution is given), so Morris elementary effects are per full
range of each parameter and comparable across parameters.

Each design row runs ``reps`` replicates whose seeds are shared by all rows (common random
numbers: what changes between rows is the parameters, not the draws); the output is their
mean. With ``against=BASELINE`` the output is the paired difference scenario - baseline at
the same row and seeds: which assumptions decide whether a policy beats the status quo.
Parameters of a policy only the scenario switches on are left at their defaults in the
baseline.

Output: ``sensitivity.csv`` (``method``, ``output``, ``parameter``, then ``mu_star``,
``mu_star_conf``, ``sigma`` for Morris or ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` for Sobol;
95% bootstrap intervals), ``samples.parquet`` (design rows: parameter values and outputs),
``manifest.json``. Runs are stored under ``runs/`` (resumable); monthly rows are not kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from commsim.ensemble import Plan, run_plan, seed_for
from commsim.errors import ParameterError
from commsim.experiment import (
    Manifest,
    RunOptions,
    ScenarioRef,
    applicable,
    differing,
    setup_for,
    writing,
)
from commsim.io import write_csv, write_parquet
from commsim.metrics import KEY_METRICS, check_metric
from commsim.params import PARAMETERS
from commsim.uncertainty import Vary, applies_to, make_vary

METHODS = ("morris", "sobol")
DEFAULT_N = {"morris": 10, "sobol": 64}
MORRIS_COLUMNS = ("mu_star", "mu_star_conf", "sigma")
SOBOL_COLUMNS = ("S1", "S1_conf", "ST", "ST_conf")


@dataclass
class SensitivityResult:
    """``indices``: the sensitivity.csv table; ``samples``: design rows with outputs."""

    indices: pd.DataFrame
    samples: pd.DataFrame
    manifest: dict[str, Any]
    out: Path | None = None


def default_parameters(scenario: Any, exclude: set[str] = frozenset()) -> list[Vary]:
    """Every numeric parameter with a range that applies to ``scenario``, except ``exclude``."""
    return [
        make_vary(p.name) for p in PARAMETERS
        if p.range is not None and p.kind in ("float", "int") and applies_to(p.name, scenario) and p.name not in exclude
    ]


def design(method: str, dims: int, n: int, seed: int, levels: int = 4) -> np.ndarray:
    """The unit-cube design (rows x dims) from SALib."""
    problem = {"num_vars": dims, "names": [f"x{i}" for i in range(dims)], "bounds": [[0.0, 1.0]] * dims}
    if method == "morris":
        from SALib.sample import morris

        return morris.sample(problem, N=n, num_levels=levels, seed=seed)
    from SALib.sample import sobol

    return sobol.sample(problem, N=n, calc_second_order=False, seed=seed)


def analyze(method: str, names: Sequence[str], x: np.ndarray, y: np.ndarray, seed: int, levels: int = 4) -> dict[str, np.ndarray]:
    """SALib indices with 95% confidence intervals for one output ``y``."""
    problem = {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}
    if method == "morris":
        from SALib.analyze import morris

        res = morris.analyze(problem, x, y, num_resamples=1000, conf_level=0.95, num_levels=levels, seed=seed)
        return {c: np.asarray(res[c], dtype=float) for c in MORRIS_COLUMNS}
    from SALib.analyze import sobol

    res = sobol.analyze(problem, y, calc_second_order=False, num_resamples=1000, conf_level=0.95, seed=seed)
    return {c: np.asarray(res[c], dtype=float) for c in SOBOL_COLUMNS}


def design_rows(method: str, dims: int, n: int) -> int:
    """Rows of SALib's design: Morris n (D + 1), Sobol (first and total order) n (D + 2)."""
    return n * (dims + 1) if method == "morris" else n * (dims + 2)


def sensitivity(
    scenario: ScenarioRef,
    options: RunOptions | None = None,
    *,
    method: str = "morris",
    n: int | None = None,
    params: Sequence[Vary | str] | None = None,
    outputs: Sequence[str] = KEY_METRICS,
    against: ScenarioRef | None = None,
    levels: int = 4,
    **run: Any,
) -> SensitivityResult:
    """Morris or Sobol indices of ``outputs`` (summary metrics) of ``scenario``, or of its
    difference from ``against``, over the varied parameters.

    ``params``: the parameters to analyse (Vary objects or ``--vary`` strings; the same as the
    options' ``vary``); default: the scenario's ``[uncertainty]`` table, else every numeric
    parameter with a range. ``options`` (a :class:`~commsim.experiment.RunOptions`) or its
    fields as keyword arguments (``reps`` default 1). The number of runs is said (``echo``)
    before any starts, and a design above ``resources.CONFIRM_RUNS`` runs needs ``yes``.
    """
    opts = RunOptions.build(options, **run)
    reps = opts.reps_or(1)
    if method not in METHODS:
        raise ParameterError(f"--method {method}: must be morris or sobol")
    n = DEFAULT_N[method] if n is None else n
    if isinstance(n, bool) or not isinstance(n, int) or n < 2 or (method == "sobol" and n & (n - 1)):
        raise ParameterError(f"--n {n}: must be at least 2{' and a power of 2 for sobol' if method == 'sobol' else ''}")
    if isinstance(levels, bool) or not isinstance(levels, int) or levels < 2:
        raise ParameterError(f"--levels {levels}: must be a whole number, at least 2")
    outputs = [check_metric(o, "--outputs") for o in outputs]
    if not outputs:
        raise ParameterError("--outputs: give at least one summary metric")
    chosen = [*opts.vary, *(make_vary(p) if isinstance(p, str) else p for p in (params or []))]
    refs = [scenario] if against is None else [scenario, against]
    setup = setup_for(refs, opts, vary=chosen)
    labels = list(setup.scenarios)
    # by default: every ranged parameter, except those that tell the two scenarios apart
    varies = setup.varies or default_parameters(setup.scenarios[labels[0]], differing(setup))
    if not varies:
        raise ParameterError("sensitivity: no parameter to vary (give --vary NAME)")
    names = [v.name for v in varies]
    rows_n = design_rows(method, len(varies), n)
    runs = rows_n * reps * len(labels)
    which = ("every parameter with a range; give --vary to choose" if not setup.varies
             else "the parameters given")
    what = (f"sensitivity: {method} over {len(varies)} parameters ({which}), n = {n}: {rows_n:,} design rows x "
            f"{reps} replicate{'s' if reps > 1 else ''}" + (f" x {len(labels)} scenarios" if len(labels) > 1 else "")
            + f" = {runs:,} runs")
    opts.check_size(runs, what)
    opts.check_memory(list(setup.scenarios.values()), runs)
    opts.say(what + (f" -> {opts.out}" if opts.out is not None else ""))
    x = design(method, len(varies), n, opts.seed, levels)
    rows = [{v.name: v.value(u) for v, u in zip(varies, row, strict=True)} for row in x]
    plan = Plan("sensitivity", setup.scenarios, keep_monthly=False)
    for i, values in enumerate(rows):
        for r in range(reps):
            for label, sc in setup.scenarios.items():
                plan.add(label, r, seed_for(opts.seed, r), applicable(values, sc), point=i)
    manifest = Manifest.for_setup(
        "sensitivity", opts, setup, method=method, n=n, levels=levels if method == "morris" else None, reps=reps,
        against=labels[1] if against is not None else None, outputs=outputs,
        parameters=[v.describe() for v in varies], design_rows=len(rows))
    if not setup.varies:
        manifest.update(parameters_note="all numeric parameters with a range in the parameter table")
    with writing(opts, "commsim sensitivity"):
        done = run_plan(plan, opts, manifest=manifest)
        y = done.summary.groupby(["scenario", "point"])[outputs].mean()
        y = y.loc[labels[0]] - (y.loc[labels[1]] if against is not None else 0.0)
        y = y.reindex(range(len(rows)))
        records, skipped = [], []
        for output in outputs:
            values = y[output].to_numpy(dtype=float)
            if not np.all(np.isfinite(values)) or np.ptp(values) == 0:  # undefined, or no variation
                skipped.append(output)
                continue
            res = analyze(method, names, x, values, opts.seed, levels)
            for j, name in enumerate(names):
                records.append({"method": method, "output": output, "parameter": name, **{c: float(res[c][j]) for c in res}})
        cols = ["method", "output", "parameter", *(MORRIS_COLUMNS if method == "morris" else SOBOL_COLUMNS)]
        indices = pd.DataFrame(records, columns=cols)
        samples = pd.concat([pd.DataFrame(rows).rename_axis("point").reset_index(), y.reset_index(drop=True)], axis=1)
        data = manifest.complete(
            len(plan.tasks), done.computed,
            {"sensitivity.csv": lambda p: write_csv(indices, p), "samples.parquet": lambda p: write_parquet(samples, p),
             "runs/": None},
            seeds=[seed_for(opts.seed, r) for r in range(reps)], skipped_outputs=skipped)
    return SensitivityResult(indices, samples, data, opts.out)
