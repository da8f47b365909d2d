"""The worlds part of ``commsim compare``: joint uncertainty, how often each policy wins, and
where it fails.

Besides its noise-only replicates (``comparison.csv``: every scenario under the default
assumptions, common random numbers), a comparison runs every scenario in each of N *worlds*
(``commsim.worlds``): world r draws a calibrated parameter set from the posterior (by default
the shipped calibration's ``calibration/results/accepted.csv``), the uncalibrated assumptions
and the compared policies' strengths over their documented ranges (Latin hypercube) and the
submodel switches, and every scenario runs in it with the same seed. Then:

- ``robustness.csv`` (``commsim.robustness``): per scenario, key outcome and comparator, the
  share of worlds in which it wins, the median difference and its 5-95% range across worlds,
  beside the noise-only interval of the same difference from the default-assumption runs;
- ``stability.json``: how precise those shares are (``worlds.stability``);
- ``discovery.csv`` and ``discovery_trajectory.csv`` (``commsim.discovery``): where each
  policy fails to beat the status quo, as PRIM boxes in plain words;
- ``worlds.csv`` (the sampled values per world) and ``worlds_summary.parquet`` (one row per
  scenario x world, the sampled values as columns).

How many worlds (adaptive, resumable): ``first`` worlds, then, while ``worlds.stability`` says
a share's standard error is above ``target_se``, as many more as it asks for (at most 4x per
round) up to ``cap``. Worlds come in Latin-hypercube blocks of ``first``, so extending keeps
the earlier worlds, and every run is kept in the output folder as it finishes: a re-run
recomputes nothing it has and takes the same decisions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from commsim.discovery import discover, write_discovery
from commsim.ensemble import Plan, run_plan
from commsim.errors import Interrupted, ParameterError
from commsim.experiment import Manifest, RunOptions, Setup, differing
from commsim.io import write_csv, write_json, write_parquet
from commsim.robustness import robustness, write_robustness
from commsim.uncertainty import Vary, applies_to, load_posterior
from commsim.worlds import TARGET_SE, Worlds, WorldSpec, sample_worlds, stability, world_parameters

#: the shipped calibration's posterior sample (a checkout of the repository)
SHIPPED_POSTERIOR = Path(__file__).resolve().parents[2] / "calibration" / "results" / "accepted.csv"
#: the task ``point`` of world runs (noise-only runs have -1), so the two never share a key
WORLD_POINT = 0
FILES = ("worlds_summary.parquet", "worlds.csv", "robustness.csv", "stability.json", "discovery.csv",
         "discovery_trajectory.csv")


@dataclass(frozen=True)
class WorldsOptions:
    """How many worlds a comparison samples, and from which posterior.

    Attributes:
        first: worlds of the first round (default 100: standard error of a share at most 0.05).
        cap: most worlds (default 400: every share's standard error at most 0.025).
        target_se: the standard error every share must reach for the worlds to be enough.
        posterior: a calibration's ``accepted.csv``; ``"shipped"`` is the shipped
            calibration's; ``"none"`` (default) keeps calibrated parameters at their defaults
            (the shipped posterior predates the v2 model and does not fit it: docs/validation.md).
        discovery: run the scenario discovery (PRIM) too.
    """

    first: int = 100
    cap: int = 400
    target_se: float = TARGET_SE
    posterior: str | Path | None = "none"
    discovery: bool = True

    def __post_init__(self) -> None:
        for name, low in (("first", 2), ("cap", 2)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                flag = "--worlds" if name == "first" else "--max-worlds"
                raise ParameterError(f"{flag} {value!r}: must be a whole number, at least {low}")
        if self.cap < self.first:
            raise ParameterError(f"--max-worlds {self.cap}: must be at least --worlds ({self.first})")
        if not (0 < self.target_se < 0.5):
            raise ParameterError(f"--target-se {self.target_se}: must be above 0 and below 0.5")

    def posterior_path(self) -> Path | None:
        """The posterior file to read (None: no posterior)."""
        if self.posterior is None or str(self.posterior).lower() == "none":
            return None
        return SHIPPED_POSTERIOR if str(self.posterior) == "shipped" else Path(self.posterior)


@dataclass
class WorldsResult:
    """A finished worlds part: the summary (scenario x world), the worlds, the robustness table,
    its stability, the discovery tables, and what was run."""

    summary: pd.DataFrame
    worlds: Worlds
    robustness: pd.DataFrame
    stability: dict[str, Any]
    discovery: pd.DataFrame | None
    trajectory: pd.DataFrame | None
    info: dict[str, Any] = field(default_factory=dict)
    computed: int = 0
    runs: int = 0

    def writers(self) -> dict[str, Any]:
        """Output file name -> writer of that path (for ``Manifest.complete``)."""
        out: dict[str, Any] = {
            "worlds_summary.parquet": lambda p: write_parquet(self.summary, p),
            "worlds.csv": lambda p: write_csv(self.worlds.table[self.worlds.table["replicate"].isin(
                self.summary["replicate"].unique())], p),
            "robustness.csv": lambda p: write_robustness(self.robustness, p),
            "stability.json": lambda p: write_json(self.stability, p),
        }
        if self.discovery is not None:
            out["discovery.csv"] = lambda p: write_discovery(self.discovery, None, p.parent)
            out["discovery_trajectory.csv"] = lambda p: write_csv(self.trajectory, p)
        return out


def posterior_sets(wopts: WorldsOptions, setup: Setup, say=None) -> tuple[list[dict[str, Any]], str | None]:
    """The posterior's parameter sets for a comparison's worlds, and the file they came from.

    Columns that a ``--set`` fixes, or that the compared scenarios set differently (what tells
    them apart), are dropped: those values hold in every world. A shipped posterior that is
    missing (an installed package without the repository) means none."""
    path = wopts.posterior_path()
    if path is None:
        return [], None
    if wopts.posterior == "shipped" and not path.is_file():
        if say is not None:
            say(f"note: no shipped calibration at {path}; calibrated parameters keep their defaults in every world")
        return [], None
    sets = load_posterior(path)
    for names, why in ((set(setup.sets), "--set fixes"), (differing(setup), "the compared scenarios set differently")):
        drop = sorted(set(sets[0]) & names)
        if drop:
            if say is not None:
                say(f"note: {why} {', '.join(drop)}: the posterior's values of {'it' if len(drop) == 1 else 'them'} are not used")
            sets = [{k: v for k, v in s.items() if k not in drop} for s in sets]
    if not sets[0]:
        return [], None
    return sets, str(path)


def world_spec(setup: Setup, posterior: Sequence[Mapping[str, Any]]) -> WorldSpec:
    """What a comparison's worlds sample: ``worlds.world_parameters`` of its scenarios (never a
    ``--set`` parameter), with any ``--vary`` or ``[uncertainty]`` range replacing the table's."""
    scenarios = list(setup.scenarios.values())
    spec = world_parameters(scenarios, posterior, exclude=setup.sets)
    own = {v.name: v for v in setup.varies}
    clash = sorted(set(own) & {n for n, k in spec.kinds.items() if k == "calibrated"})
    if clash:
        raise ParameterError(f"--vary {clash[0]}: the posterior sets it in every world; drop one of the two")
    varies: list[Vary] = [own.pop(v.name, v) for v in spec.varies]
    kinds = dict(spec.kinds)
    for v in own.values():  # a range the table does not sample (a sourced parameter)
        varies.append(v)
        kinds[v.name] = "policy" if "." in v.name else "assumption"
    return WorldSpec(tuple(varies), kinds, spec.posterior)


def world_tasks(setup: Setup, worlds: Worlds, n: int) -> Plan:
    """Every scenario in worlds 0..n-1 (summary rows only: no monthly series are kept)."""
    plan = Plan("compare", dict(setup.scenarios), sampled=tuple(worlds.parameters), samples=worlds.overrides,
                keep_monthly=False)
    for r in sorted(worlds.overrides):
        if r >= n:
            continue
        for label, sc in setup.scenarios.items():
            values = {k: v for k, v in worlds.overrides[r].items() if applies_to(k, sc)}
            plan.add(label, r, worlds.seeds[r], values, point=WORLD_POINT)
    return plan


class WorldsRun:
    """The worlds of one comparison, planned before anything runs (so that the output folder
    knows every run it may hold), then run round by round with :meth:`run`."""

    def __init__(self, setup: Setup, opts: RunOptions, wopts: WorldsOptions):
        self.setup, self.opts, self.wopts = setup, opts, wopts
        posterior, self.posterior_file = posterior_sets(wopts, setup, opts.say)
        try:
            self.spec = world_spec(setup, posterior)
        except ValueError as exc:
            raise ParameterError(str(exc)) from None
        self.worlds = sample_worlds(self.spec, wopts.cap, opts.seed, block_size=wopts.first)
        self.full = world_tasks(setup, self.worlds, wopts.cap)

    @property
    def keys(self) -> set[str]:
        """Keys of every run the worlds may need, up to ``cap`` worlds (for the output folder)."""
        return self.full.keys

    def describe(self) -> dict[str, Any]:
        """What the worlds sample, for the manifest."""
        kinds = {k: sum(1 for v in self.spec.kinds.values() if v == k) for k in ("calibrated", "assumption", "policy", "structural")}
        return {"first": self.wopts.first, "cap": self.wopts.cap, "target_se": self.wopts.target_se,
                "posterior": self.posterior_file, "posterior_sets": len(self.spec.posterior),
                "sampled": kinds, "structural": [n for n, k in self.spec.kinds.items() if k == "structural"],
                "lhs_block": self.wopts.first}

    def run(self, manifest: Manifest, allowed: set[str], noise: pd.DataFrame | None,
            noise_sampled: Sequence[str] = ()) -> WorldsResult:
        """Run rounds of worlds until the shares are stable or ``cap`` is reached, then the
        robustness table (noise-only columns from ``noise``) and the scenario discovery."""
        labels = list(self.setup.scenarios)
        opts, w = self.opts, self.wopts
        n, rounds, computed = w.first, [], 0
        kinds = self.describe()["sampled"]
        opts.say(f"worlds: {', '.join(f'{v} {k}' for k, v in kinds.items() if v)} parameters drawn per world"
                 + (f" (posterior: {self.posterior_file}, {len(self.spec.posterior)} sets)" if self.posterior_file else ""))
        while True:
            plan = replace(self.full, tasks=[t for t in self.full.tasks if t.replicate < n])
            opts.say(f"worlds: {n} worlds x {len(labels)} scenarios")
            done = run_plan(plan, replace(opts, overwrite=False), allowed_keys=allowed, manifest=manifest)
            computed += done.computed
            summary = own_columns(done.summary, plan, noise_sampled)
            table = robustness(summary, labels[0], scenarios=labels, noise=noise, seed=opts.seed)
            st = stability(table, w.target_se)
            rounds.append({"worlds": n, "max_se": st["max_se"], "stable": st["stable"], "worlds_needed": st["worlds_needed"]})
            opts.say(f"{n} worlds: largest standard error of a share {st['max_se']:.3f} (target {w.target_se:g})"
                     + ("" if st["stable"] else f"; {st['worlds_needed']} worlds needed"))
            if st["stable"] or n >= w.cap:
                break
            n = min(w.cap, max(n + 1, st["next_worlds"]))
        st = {**st, "rounds": rounds, "cap": w.cap, "capped": not st["stable"] and n >= w.cap}
        if st["capped"]:
            opts.say(f"warning: the shares are not stable at --max-worlds {w.cap} (largest standard error "
                     f"{st['max_se']:.3f}; {st['worlds_needed']} worlds needed)")
        disc = traj = None
        if w.discovery:
            opts.say("scenario discovery (PRIM): where each policy fails")
            policies = {label: list(sc.policies) for label, sc in self.setup.scenarios.items()}
            from commsim.report.vocab import ScenarioTitles

            titles = ScenarioTitles({label: {"title_en": sc.spec.scenario.title_en, "title_zh": sc.spec.scenario.title_zh}
                                     for label, sc in self.setup.scenarios.items()})
            try:
                disc, traj = discover(summary, self.worlds.table[self.worlds.table["replicate"] < n], labels[0],
                                      scenarios=labels, policies=policies, titles=titles, mapper=backend_map(opts))
            except KeyboardInterrupt:
                manifest.write("interrupted", runs_planned=len(plan.tasks), runs_kept=len(plan.tasks))
                where = f" in {opts.out}" if opts.out is not None else ""
                raise Interrupted(f"interrupted during the scenario discovery: every run is kept{where}; "
                                  "run the same command again to finish") from None
        info = {**self.describe(), "worlds": n, "rounds": rounds, "stable": st["stable"], "max_se": st["max_se"]}
        return WorldsResult(summary, self.worlds, table, st, disc, traj, info, computed, len(plan.tasks))


def backend_map(opts: RunOptions):
    """``mapper(fn, jobs)`` on the options' backend and workers (results in the order of ``jobs``)."""
    from commsim.backends import make_backend

    def mapper(fn, jobs: list) -> list:
        out: dict[int, Any] = {}
        with make_backend(opts.backend, opts.workers, opts.scheduler, len(jobs)) as backend:
            for i, job in enumerate(jobs):
                backend.submit(i, fn, job)
            while len(out) < len(jobs):
                i, value = backend.next_done()
                out[i] = value
        return [out[i] for i in range(len(jobs))]

    return mapper


def clear_stale(out: Path | None, keep: Sequence[str]) -> None:
    """Remove worlds outputs (and their figures) that an earlier command left in ``out`` and this
    one does not write (a ``--noise-only`` run with ``--overwrite`` into a worlds folder), so that
    no report reads a robustness analysis of other runs."""
    if out is None:
        return
    for name in FILES:
        if name not in keep:
            (out / name).unlink(missing_ok=True)
    figures = out / "figures"
    if "robustness.csv" not in keep and figures.is_dir():
        for path in [*figures.glob("ranking_*"), *figures.glob("discovery_*")]:
            path.unlink(missing_ok=True)
    elif "discovery.csv" not in keep and figures.is_dir():
        for path in figures.glob("discovery_*"):
            path.unlink(missing_ok=True)


def own_columns(summary: pd.DataFrame, plan: Plan, other: Sequence[str]) -> pd.DataFrame:
    """A plan's summary rows without the columns ``other`` (another plan's sampled parameters)
    that this plan does not sample: the two parts of a comparison share one output folder, so
    rows read back carry each other's columns (empty)."""
    drop = [c for c in other if c not in plan.sampled and c in summary.columns]
    return summary.drop(columns=drop)
