"""Worlds: one joint draw of everything we do not know, shared by every compared scenario.

A comparison's replicate r runs every compared scenario in the same *world*: the same seed
(``runner.replicate_seed(seed, r)``, common random numbers), the same calibrated parameter set
(a row of a calibration's ``accepted.csv``), the same values of the uncalibrated *assumption*
parameters and of the compared policies' strength parameters (a Latin hypercube over their
documented ranges), and the same structural variant (a choice among alternative submodels).
Across worlds, a policy's advantage then varies with what we do not know, not only with the
dice; ``commsim.robustness`` says how often it wins and ``commsim.discovery`` where it fails.

Which parameters a world samples (:func:`world_parameters`):

- **calibrated**: with a posterior, the columns of ``accepted.csv`` (a row is drawn per world by
  one Latin-hypercube dimension, so rows are used evenly); without one they keep their defaults;
- **assumption**: core parameters whose source says *assumption*, with a numeric range, that
  calibration does not set (``params.CALIBRATED``, or the posterior's columns);
- **policy**: every numeric parameter with a range of a policy that some compared scenario
  switches on (``start_month`` has none), whatever its source: a document fixes what a policy
  does, rarely how strongly it works;
- **structural**: every choice parameter that switches between submodels (group ``submodel``,
  or a name starting ``submodel_``), equally likely choices.

A parameter the compared scenarios set differently is never sampled (that would erase what
tells them apart). Sampling overrides a value a scenario file sets for everyone: the world is
the point. Worlds come in Latin-hypercube blocks of ``block_size`` rows, so adding worlds
never changes the earlier ones (as ``commsim compare --precision`` does with replicates).

How many worlds (:func:`stability`): a share over n worlds has standard error at most
``sqrt(p (1 - p) / n)`` (independent draws; a Latin hypercube does no worse for the smooth
parts of the response), at most ``0.5 / sqrt(n)``. 400 worlds bound every share's standard
error by 0.025 whatever p; fewer suffice when shares are near 0 or 1. Rule used here: run 100
worlds, call :func:`stability` on the robustness table, and if it is not stable extend to the
``worlds_needed`` it reports (at most 4x per round).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from commsim.params import CALIBRATED, PARAMETERS, Param, ParameterTable
from commsim.runner import replicate_seed
from commsim.scenario import Scenario
from commsim.uncertainty import Vary, applies_to, lhs_unit, make_vary

KINDS = ("calibrated", "assumption", "policy", "structural")
SUBMODEL_GROUP = "submodel"
#: standard error of a share (share_better, prob_best) below which a result counts as stable
TARGET_SE = 0.025
#: worlds of a first round (standard error at most 0.05)
FIRST_ROUND = 100


def is_submodel_switch(param: Param) -> bool:
    """Whether ``param`` chooses between alternative submodels (a structural variant)."""
    return param.kind == "choice" and (
        param.group == SUBMODEL_GROUP or param.group.startswith(SUBMODEL_GROUP + ":")
        or param.name.rsplit(".", 1)[-1].startswith("submodel_"))


def is_assumption(param: Param) -> bool:
    """Whether the parameter table gives *assumption* as (part of) the source."""
    return "assumption" in param.source.lower()


@dataclass(frozen=True)
class WorldSpec:
    """What a world samples: ``varies`` by Latin hypercube (with ``kinds`` per name) and,
    optionally, a row of ``posterior`` (calibrated parameter sets)."""

    varies: tuple[Vary, ...]
    kinds: Mapping[str, str]
    posterior: tuple[Mapping[str, Any], ...] = ()

    @property
    def names(self) -> list[str]:
        """Every sampled parameter: the posterior's columns first, then ``varies``."""
        return [*(self.posterior[0] if self.posterior else {}), *(v.name for v in self.varies)]


def _numeric_range(param: Param) -> bool:
    return param.kind in ("float", "int") and param.range is not None and param.range[0] < param.range[1]


def world_parameters(
    scenarios: Sequence[Scenario],
    posterior: Sequence[Mapping[str, Any]] = (),
    *,
    assumptions: bool = True,
    policy: bool = True,
    structural: bool = True,
    exclude: Iterable[str] = (),
    table: ParameterTable = PARAMETERS,
) -> WorldSpec:
    """The parameters that make up a world for comparing ``scenarios`` (see the module doc).

    Args:
        scenarios: the compared scenarios (baseline first; order does not matter here).
        posterior: calibrated parameter sets (``uncertainty.load_posterior``); empty: calibrated
            parameters keep their defaults.
        assumptions: sample the numeric parameters, outside policies, whose source is an
            assumption.
        policy: sample the numeric parameters of the policies the scenarios switch on.
        structural: sample the submodel switches (each over its choices).
        exclude: names never sampled.
        table: the parameter table (a test may pass its own).

    Raises:
        ValueError: the posterior sets name different parameters, or set a parameter that
            the compared scenarios set differently.
    """
    sets = [dict(s) for s in posterior]
    if sets and any(set(s) != set(sets[0]) for s in sets):
        raise ValueError("posterior sets must all name the same parameters")
    apart = {n for n in scenarios[0].values if len({repr(sc.values.get(n)) for sc in scenarios}) > 1} if scenarios else set()
    calibrated = set(sets[0]) if sets else set()
    clash = sorted(calibrated & apart)
    if clash:
        raise ValueError(f"the posterior sets {', '.join(clash)}, which the compared scenarios set differently")
    skip = set(exclude) | apart | calibrated | set(CALIBRATED)
    on = {pol for sc in scenarios for pol in sc.policies}
    varies: list[Vary] = []
    kinds: dict[str, str] = dict.fromkeys(calibrated, "calibrated")
    for p in table:
        if p.name in skip:
            continue
        pol = p.name.split(".", 1)[0] if "." in p.name else None
        if pol is not None and pol not in on:
            continue
        if structural and is_submodel_switch(p):
            kind = "structural"
        elif pol is None and assumptions and is_assumption(p) and _numeric_range(p):
            kind = "assumption"
        elif pol is not None and policy and _numeric_range(p):
            kind = "policy"
        else:
            continue
        varies.append(Vary(p.name, values=tuple(p.choices)) if kind == "structural" else _vary(p))
        kinds[p.name] = kind
    order = {k: i for i, k in enumerate(KINDS)}
    varies.sort(key=lambda v: order[kinds[v.name]])  # stable: table order within a kind
    return WorldSpec(tuple(varies), kinds, tuple(sets))


def _vary(p: Param) -> Vary:
    """Uniform over the documented range, cut to the valid bounds where a table's range reaches
    past them (a value outside the bounds would be refused)."""
    lo, hi = p.range
    if p.bounds is not None:
        lo, hi = max(lo, p.bounds[0]), min(hi, p.bounds[1])
    if p.name in PARAMETERS and (lo, hi) == tuple(p.range):
        return make_vary(p.name)
    return Vary(p.name, "uniform", lo, hi)


@dataclass
class Worlds:
    """Sampled worlds: ``table`` (one row per replicate: ``replicate``, then one column per
    sampled parameter), per-replicate ``overrides`` and ``seeds``, and which accepted.csv row
    each world uses (``posterior_rows``; empty without a posterior)."""

    table: pd.DataFrame
    overrides: dict[int, dict[str, Any]]
    seeds: dict[int, int]
    kinds: dict[str, str]
    posterior_rows: dict[int, int] = field(default_factory=dict)

    def for_scenario(self, replicate: int, scenario: Scenario) -> dict[str, Any]:
        """World ``replicate``'s values that mean something in ``scenario`` (a policy's
        parameters only where it is switched on)."""
        return {k: v for k, v in self.overrides[replicate].items() if applies_to(k, scenario)}

    @property
    def parameters(self) -> list[str]:
        """Names of the sampled parameters (the table's columns after ``replicate``)."""
        return [c for c in self.table.columns if c != "replicate"]


def _coerce(vary: Vary, u: float) -> Any:
    if vary.values or vary.name in PARAMETERS:
        return vary.value(u)
    return vary.low + u * (vary.high - vary.low)


def sample_worlds(
    spec: WorldSpec,
    replicates: int | Iterable[int],
    seed: int,
    block_size: int | None = None,
) -> Worlds:
    """Worlds for ``replicates`` (a count or replicate numbers), reproducible from ``seed``.

    Replicate r takes row ``r % block_size`` of Latin-hypercube block ``r // block_size``
    (``block_size`` defaults to the number of replicates), one dimension per varied parameter
    plus one that picks the posterior row, and seed ``runner.replicate_seed(seed, r)``.
    """
    reps = list(range(replicates)) if isinstance(replicates, int) else [int(r) for r in replicates]
    block_size = int(block_size or max(len(reps), 1))
    dims = len(spec.varies) + (1 if spec.posterior else 0)
    blocks: dict[int, np.ndarray] = {}
    overrides: dict[int, dict[str, Any]] = {}
    rows: dict[int, int] = {}
    for r in reps:
        values: dict[str, Any] = {}
        if dims:
            b = r // block_size
            if b not in blocks:
                blocks[b] = lhs_unit(block_size, dims, seed, b)
            u = blocks[b][r % block_size]
            if spec.posterior:
                k = len(spec.posterior)
                rows[r] = min(int(u[-1] * k), k - 1)
                values.update(spec.posterior[rows[r]])
            values.update({v.name: _coerce(v, x) for v, x in zip(spec.varies, u, strict=False)})
        overrides[r] = values
    table = pd.DataFrame([{"replicate": r, **overrides[r]} for r in reps], columns=["replicate", *spec.names])
    return Worlds(table, overrides, {r: replicate_seed(seed, r) for r in reps}, dict(spec.kinds), rows)


def world_plan(scenarios: Mapping[str, Scenario], worlds: Worlds):
    """An ensemble plan (``commsim.ensemble.Plan``) that runs every scenario in every world;
    run it with ``ensemble.run_plan`` (resumable in an output folder)."""
    from commsim.ensemble import Plan

    plan = Plan("compare", dict(scenarios), sampled=tuple(worlds.parameters), samples=worlds.overrides)
    for r in worlds.overrides:
        for label, sc in scenarios.items():
            plan.add(label, r, worlds.seeds[r], worlds.for_scenario(r, sc))
    return plan


def run_worlds(scenarios: Mapping[str, Scenario], worlds: Worlds, out=None, backend: str = "local",
               workers: int | None = None, progress: bool = False) -> pd.DataFrame:
    """Run every scenario in every world; returns the summary table (one row per scenario x
    replicate, the sampled parameters as columns), as ``commsim.robustness`` takes it.

    With ``out``, runs are kept there as they finish (a re-run resumes) and ``summary.parquet``
    and ``worlds.csv`` (the worlds table) are written at the end."""
    from commsim.ensemble import run_plan
    from commsim.io import write_csv, write_parquet

    summary = run_plan(world_plan(scenarios, worlds), out, backend, workers, progress=progress).summary
    if out is not None:
        write_parquet(summary, Path(out) / "summary.parquet")
        write_csv(worlds.table, Path(out) / "worlds.csv")
    return summary


# --- how many worlds ------------------------------------------------------------------------


def share_se(p: float, n: int) -> float:
    """Standard error of a share ``p`` estimated from ``n`` independent worlds."""
    return math.sqrt(max(p * (1 - p), 0.0) / n) if n > 0 else math.inf


def worlds_needed(p: float, n: int, target_se: float = TARGET_SE) -> int:
    """Worlds for a share's standard error to fall to ``target_se``, with ``p`` shrunk to
    ``(k + 1) / (n + 2)`` so that a share of 0 or 1 seen in few worlds is not taken as certain."""
    k = p * n
    q = (k + 1) / (n + 2)
    return max(1, math.ceil(q * (1 - q) / target_se**2))


def stability(robustness: pd.DataFrame, target_se: float = TARGET_SE) -> dict[str, Any]:
    """Whether a robustness table's shares are stable: the largest standard error of
    ``share_better`` and ``prob_best`` over its rows, and the worlds needed for every one to
    reach ``target_se`` (``worlds_needed``); ``next_worlds`` is that number capped at 4x the
    worlds run (one round of the adaptive rule in the module docstring)."""
    if robustness.empty:
        return {"n_worlds": 0, "max_se": math.nan, "target_se": target_se, "stable": False,
                "worlds_needed": FIRST_ROUND, "next_worlds": FIRST_ROUND, "worst": None}
    rows = []
    for row in robustness.itertuples(index=False):
        n = int(row.n_worlds)
        for col in ("share_better", "prob_best"):
            p = float(getattr(row, col))
            if math.isfinite(p) and n > 0:
                rows.append((share_se(p, n), worlds_needed(p, n, target_se), n, col, row.scenario, row.outcome, row.comparator))
    if not rows:
        return {"n_worlds": 0, "max_se": math.nan, "target_se": target_se, "stable": False,
                "worlds_needed": FIRST_ROUND, "next_worlds": FIRST_ROUND, "worst": None}
    se, need, n, col, scen, outcome, comp = max(rows, key=lambda t: (t[0], t[1]))
    needed = max(t[1] for t in rows)
    n_min = min(t[2] for t in rows)
    stable = all(t[0] <= target_se for t in rows) and needed <= n_min
    return {"n_worlds": n_min, "max_se": se, "target_se": target_se, "stable": stable,
            "worlds_needed": needed, "next_worlds": n_min if stable else min(needed, 4 * n_min),
            "worst": {"column": col, "scenario": scen, "outcome": outcome, "comparator": comp}}
