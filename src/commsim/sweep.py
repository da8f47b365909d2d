"""Sweeps: one scenario over a grid of parameter values, replicates with common random numbers.

``--param NAME=LOW:HIGH:STEPS`` takes STEPS evenly spaced values (whole numbers for integer
parameters), ``--param NAME=a,b,c`` a list (the way to sweep a choice parameter such as
``staffing_norm=liaocheng,xian,cangzhou``), ``--param NAME=VALUE`` one value. Several
``--param`` options make the full grid. Replicate r at every grid point uses the same seed
(and the same Latin hypercube sample of any ``--vary`` parameters), so differences between
points are not blurred by different draws.

Output: ``sweep.csv`` (swept parameters, ``replicate``, summary columns), the store's
``monthly/`` chunks (with the swept parameters as columns) and ``manifest.json``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from commsim.ensemble import Plan, numeric_metrics, run_plan, seed_for
from commsim.errors import ParameterError, ResourceError
from commsim.experiment import Manifest, RunOptions, ScenarioRef, applicable, setup_for, writing
from commsim.io import write_csv
from commsim.params import PARAMETERS
from commsim.resources import MAX_RUNS
from commsim.uncertainty import applies_to, parse_scalar, sample_replicates


def parse_param_option(item: str) -> tuple[str, list[Any]]:
    """``NAME=LOW:HIGH:STEPS`` | ``NAME=a,b,c`` | ``NAME=VALUE`` -> (name, values)."""
    name, eq, raw = (s.strip() for s in item.partition("="))
    if not name or not eq or not raw:
        raise ParameterError(f"--param {item}: expected NAME=LOW:HIGH:STEPS, NAME=a,b,c or NAME=VALUE")
    param = PARAMETERS.lookup(name, "--param ")
    where = "--param "
    if ":" in raw:
        parts = raw.split(":")
        if len(parts) != 3 or not all(p.strip() for p in parts):
            raise ParameterError(f"--param {item}: expected NAME=LOW:HIGH:STEPS")
        if param.kind in ("choice", "bool"):
            raise ParameterError(f"--param {name}: a {param.kind} parameter takes a list of values, e.g. {name}={','.join(map(str, param.choices or ('true', 'false')))}")
        lo, hi = param.coerce(parse_scalar(parts[0]), where), param.coerce(parse_scalar(parts[1]), where)
        try:
            steps = int(parts[2])
        except ValueError:
            raise ParameterError(f"--param {item}: STEPS must be a whole number (got {parts[2]!r})") from None
        if steps < 1:
            raise ParameterError(f"--param {item}: STEPS must be at least 1")
        if steps > MAX_RUNS:
            raise ResourceError(f"--param {item}: {steps:,} steps is more than commsim plans at once ({MAX_RUNS:,})")
        if lo > hi:
            raise ParameterError(f"--param {item}: LOW ({lo}) is above HIGH ({hi})")
        grid = np.linspace(lo, hi, steps) if steps > 1 else np.array([lo])
        values = [int(round(v)) for v in grid] if param.kind == "int" else [float(v) for v in grid]
    else:
        if raw.count(",") >= MAX_RUNS:
            raise ResourceError(f"--param {name}: more values than commsim plans at once ({MAX_RUNS:,})")
        values = [parse_scalar(v) for v in raw.split(",")]
        if any(v == "" for v in values):
            raise ParameterError(f"--param {item}: empty value in the list")
    values = list(dict.fromkeys(param.coerce(v, where) for v in values))
    return param.name, values


@dataclass
class SweepResult:
    """``table``: one row per grid point x replicate (sweep.csv); ``summary``: all columns."""

    table: pd.DataFrame
    summary: pd.DataFrame
    manifest: dict[str, Any]
    out: Path | None = None


def sweep(
    scenario: ScenarioRef,
    params: Mapping[str, Sequence[Any]] | Sequence[str],
    options: RunOptions | None = None,
    **run: Any,
) -> SweepResult:
    """Run ``scenario`` at every point of the grid ``params`` (a mapping name -> values, or
    ``--param`` strings) for ``reps`` replicates (default 10). ``options`` (a
    :class:`~commsim.experiment.RunOptions`) or its fields as keyword arguments."""
    opts = RunOptions.build(options, **run)
    reps = opts.reps_or(10)
    if isinstance(params, Mapping):
        grid = {PARAMETERS.lookup(k, "--param ").name: [PARAMETERS[k].coerce(v, "--param ") for v in vs] for k, vs in params.items()}
    else:
        grid = dict(parse_param_option(p) for p in params)
    if not grid:
        raise ParameterError("sweep: give at least one --param NAME=LOW:HIGH:STEPS")
    points_n = math.prod(len(v) for v in grid.values())
    opts.check_size(points_n * reps, f"sweep: {points_n:,} points x {reps} replicates")
    setup = setup_for([scenario], opts)
    (label, sc), = setup.scenarios.items()
    for name in grid:
        if not applies_to(name, sc):
            raise ParameterError(f"--param {name}: belongs to policy {name.split('.')[0]!r}, which {sc.source} does not switch on")
        if name in setup.sets or any(v.name == name for v in setup.varies):
            raise ParameterError(f"--param {name}: also given with --set or --vary; drop one")
    opts.check_memory([sc], points_n * reps)
    names = list(grid)
    points = [dict(zip(names, combo, strict=True)) for combo in itertools.product(*grid.values())]
    samples = sample_replicates(setup.varies, range(reps), opts.seed, reps)
    plan = Plan("sweep", setup.scenarios, point_columns=tuple(names), sampled=tuple(v.name for v in setup.varies), samples=samples)
    for r in range(reps):
        for p, point in enumerate(points):
            plan.add(label, r, seed_for(opts.seed, r), {**applicable(samples[r], sc), **point}, point=p)
    manifest = Manifest.for_setup("sweep", opts, setup, swept={n: grid[n] for n in names}, points=len(points), reps=reps)
    opts.say(f"sweep: {label}: {len(points):,} points x {reps} replicates = {len(plan.tasks):,} runs"
             + (f" -> {opts.out}" if opts.out is not None else ""))
    with writing(opts, "commsim sweep"):
        done = run_plan(plan, opts, manifest=manifest)
        table = done.summary[[*names, "replicate", *numeric_metrics(done.summary)]]
        data = manifest.complete(
            len(plan.tasks), done.computed,
            {"sweep.csv": lambda p: write_csv(table, p), "monthly/": None, "runs/": None},
            seeds=[seed_for(opts.seed, r) for r in range(reps)],
            parameter_samples=[{"replicate": r, **samples[r]} for r in range(reps)] if setup.varies else [])
    return SweepResult(table, done.summary, data, opts.out)
