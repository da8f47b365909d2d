"""Ensembles: tasks = scenario x replicate x parameter values, run by a backend, kept as they finish.

The unit of work is the pure function :func:`run_one` ``(scenario, parameter values, seed)
-> (monthly, summary)``, built on :func:`commsim.runner.simulate` and
:func:`commsim.runner.summarize`. Common random numbers: replicate ``r`` of every scenario
(and of every sweep point or parameter sample) runs with ``runner.replicate_seed(base, r)``,
so compared runs meet the same draws in every decision stream.

A :class:`Plan` lists the tasks; :func:`run_plan` skips those already in the output folder,
sends the rest in chunks to a backend (:mod:`commsim.backends`) and writes each finished
chunk at once (:mod:`commsim.store`). Results do not depend on the backend, the number of
workers, the chunking or the order in which runs finish.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from commsim.backends import make_backend
from commsim.errors import CommsimError, Interrupted, RunError
from commsim.experiment import RunOptions
from commsim.policies import registry
from commsim.progress import Progress
from commsim.runner import replicate_seed, simulate, summarize
from commsim.scenario import Scenario, ScenarioSpec

if TYPE_CHECKING:
    from commsim.experiment import Manifest

#: CPU seconds of work per chunk sent to a worker once run times are known (a killed command
#: loses at most about this much finished work per worker). CPU time, not wall time: on a
#: busy machine a run takes longer, but the main process's cost per chunk (Arrow tables, two
#: files) grows alike, so sizing chunks by wall time made them smaller exactly when the
#: main process could least afford more of them
CHUNK_SECONDS = 3.0
MAX_CHUNK = 200


# --- the pure function -----------------------------------------------------------------------


def run_one(scenario: Scenario, values: Mapping[str, Any], seed: int) -> tuple[pd.DataFrame, dict[str, float]]:
    """One run: ``scenario`` with parameter ``values`` and ``seed`` -> (monthly, summary)."""
    sc = scenario.with_overrides(dict(values)) if values else scenario
    monthly = simulate(sc, int(seed))
    return monthly, summarize(monthly, sc.burn_in_months)


def scenario_payload(scenario: Scenario) -> dict[str, Any]:
    """What a worker needs to rebuild ``scenario`` (plain data: picklable, no files needed
    except user plugin modules)."""
    return {
        "source": scenario.source,
        "spec": scenario.spec.model_dump(mode="json"),
        "overrides": dict(scenario.overrides),
        "digest": scenario.digest(),
    }


_SCENARIOS: dict[str, Scenario] = {}


def scenario_from_payload(payload: Mapping[str, Any]) -> Scenario:
    """Rebuild (once per worker process) a scenario sent by :func:`scenario_payload`."""
    sc = _SCENARIOS.get(payload["digest"])
    if sc is None:
        if len(_SCENARIOS) > 64:
            _SCENARIOS.clear()
        spec = ScenarioSpec.model_validate(payload["spec"])
        sc = _SCENARIOS[payload["digest"]] = Scenario(spec, payload["source"], payload["overrides"])
    return sc


def run_chunk(payloads: Mapping[str, Mapping[str, Any]], items: Sequence[tuple], keep_monthly: bool = True) -> tuple[list[tuple], float]:
    """Worker entry point: run ``items`` = [(task index, scenario label, seed, values)].

    Returns ([(task index, monthly or None, summary)], CPU seconds spent).
    """
    start = time.process_time()
    out = []
    for index, label, seed, values in items:
        try:
            monthly, summary = run_one(scenario_from_payload(payloads[label]), dict(values), seed)
        except CommsimError:
            raise
        except (Exception, SystemExit) as exc:  # a plugin's error, or commsim's: say where
            what = "it called sys.exit" if isinstance(exc, SystemExit) else f"{type(exc).__name__}: {exc}"
            raise RunError(f"scenario {label}, seed {seed}: {registry.failure_location(exc)}: {what}") from None
        out.append((index, monthly if keep_monthly else None, summary))
    return out, time.process_time() - start


# --- tasks and plans --------------------------------------------------------------------------


@dataclass(frozen=True)
class Task:
    """One run: a scenario (by label), a replicate and its seed, parameter values, a point
    (sweep point or sensitivity sample row; -1 for none) and a content key for the store."""

    index: int
    scenario: str
    replicate: int
    seed: int
    values: tuple[tuple[str, Any], ...] = ()
    point: int = -1
    key: str = ""


def task_key(label: str, digest: str, seed: int, values: Iterable[tuple[str, Any]], point: int) -> str:
    """Content key of one run: a hash of scenario label, scenario digest, seed, values and point."""
    payload = json.dumps([label, digest, int(seed), sorted(values), int(point)], default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:24]


def seed_for(base_seed: int, replicate: int, position: int = 0, crn: bool = True) -> int:
    """Replicate ``replicate``'s seed; with ``crn=False`` scenario ``position`` gets its own."""
    if crn or position == 0:
        return replicate_seed(base_seed, replicate)
    return replicate_seed(replicate_seed(base_seed, 1_000_003 + position), replicate)


@dataclass
class Plan:
    """Everything to run: scenarios by label, tasks, and the columns that label results.

    ``point_columns`` (sweeps) go into monthly and summary rows; ``sampled`` (Latin
    hypercube parameters, values per replicate in ``samples``) into summary rows.
    """

    kind: str
    scenarios: dict[str, Scenario]
    tasks: list[Task] = field(default_factory=list)
    point_columns: tuple[str, ...] = ()
    sampled: tuple[str, ...] = ()
    samples: dict[int, dict[str, Any]] = field(default_factory=dict)
    keep_monthly: bool = True
    _digests: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def add(self, label: str, replicate: int, seed: int, values: Mapping[str, Any] | None = None, point: int = -1) -> Task:
        """Append a task for scenario ``label`` (keyed by its content) and return it."""
        items = tuple(sorted((values or {}).items()))
        key = task_key(label, self.digest(label), seed, items, point)
        task = Task(len(self.tasks), label, int(replicate), int(seed), items, point, key)
        self.tasks.append(task)
        return task

    def digest(self, label: str) -> str:
        """The digest of scenario ``label`` (computed once and cached)."""
        if label not in self._digests:
            self._digests[label] = self.scenarios[label].digest()
        return self._digests[label]

    def payloads(self) -> dict[str, dict[str, Any]]:
        """Each scenario as a plain payload, by label."""
        return {label: scenario_payload(sc) for label, sc in self.scenarios.items()}

    @property
    def keys(self) -> set[str]:
        """The content keys of every task."""
        return {t.key for t in self.tasks}

    @property
    def policy_columns(self) -> list[str]:
        """Per-policy cost (yuan) and hours columns of the summary, for every policy in the plan."""
        names = list(dict.fromkeys(p for sc in self.scenarios.values() for p in sc.policies))
        return [f"policy_{what}_{p}" for what in ("cost_yuan", "hours") for p in names]

    def order(self) -> dict[str, int]:
        """Scenario label -> its position in the plan (the order of the summary)."""
        return {label: i for i, label in enumerate(self.scenarios)}


# --- turning results into rows ----------------------------------------------------------------


def result_frames(plan: Plan, results: Sequence[tuple[Task, pd.DataFrame | None, dict]]) -> tuple[pd.DataFrame | None, pd.DataFrame]:
    """(monthly rows, summary rows) of finished runs, with the plan's labelling columns."""
    policy_cols = plan.policy_columns
    total_policy = [f"total_{c}" for c in policy_cols]
    rows, frames = [], []
    for task, monthly, summary in results:
        values = dict(task.values)
        point = {c: values.get(c) for c in plan.point_columns}
        row = {"task": task.index, "key": task.key, "point": task.point, "scenario": task.scenario,
               **point, "replicate": task.replicate, "seed": task.seed}
        row.update(summary)
        for c in total_policy:
            row.setdefault(c, 0.0)
        sample = plan.samples.get(task.replicate, {})
        row.update({c: sample.get(c) for c in plan.sampled})
        rows.append(row)
        if monthly is not None and plan.keep_monthly:
            base = [c for c in monthly.columns if not c.startswith("policy_")]
            extra = [c for c in monthly.columns if c.startswith("policy_") and c not in policy_cols]
            df = monthly.reindex(columns=base + policy_cols + extra, fill_value=0.0)
            front = pd.DataFrame({"scenario": task.scenario, **point, "replicate": task.replicate}, index=df.index)
            frames.append(pd.concat([front, df], axis=1))
    monthly_df = pd.concat(frames, ignore_index=True) if frames else None
    return monthly_df, pd.DataFrame(rows)


def finish_summary(plan: Plan, runs: pd.DataFrame) -> pd.DataFrame:
    """Sorted public summary (one row per task in plan order of scenario, point, replicate)."""
    if runs.empty:
        return runs
    runs = runs[runs["key"].isin(plan.keys)].drop_duplicates("key").copy()  # one block per dtype: no fragmentation
    order = plan.order()
    runs = runs.assign(_s=runs["scenario"].map(order)).sort_values(["_s", "point", "replicate"], kind="stable")
    drop = ["_s", "task", "key"] + (["point"] if plan.kind != "sensitivity" else [])
    return runs.drop(columns=drop).reset_index(drop=True)


class MemorySink:
    """Keeps results in memory (Python API without an output folder)."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.summaries: list[pd.DataFrame] = []
        self.monthly: list[pd.DataFrame] = []

    def write(self, results: Sequence[tuple[Task, pd.DataFrame | None, dict]]) -> None:
        """Keep the monthly and summary rows of finished ``results``."""
        monthly, summary = result_frames(self.plan, results)
        self.summaries.append(summary)
        if monthly is not None:
            self.monthly.append(monthly)

    def runs(self) -> pd.DataFrame:
        """Every summary row kept so far (an empty frame before any)."""
        return pd.concat(self.summaries, ignore_index=True) if self.summaries else pd.DataFrame()


# --- execution -------------------------------------------------------------------------------


class _ChunkSizer:
    """Runs per chunk: 1 until run times are known, then about CHUNK_SECONDS of CPU time,
    never so many that a worker would sit idle at the end."""

    def __init__(self, workers: int, fixed: int | None = None):
        self.workers = max(workers, 1)
        self.fixed = fixed
        self.runs = 0
        self.seconds = 0.0

    def observe(self, runs: int, seconds: float) -> None:
        self.runs += runs
        self.seconds += seconds

    def size(self, remaining: int) -> int:
        if self.fixed:
            return self.fixed
        if self.runs == 0:
            return 1
        per_run = max(self.seconds / self.runs, 1e-4)
        fair = math.ceil(remaining / (2 * self.workers))
        return max(1, min(int(CHUNK_SECONDS / per_run), fair, MAX_CHUNK))


def execute(plan: Plan, tasks: Sequence[Task], backend, sink, progress: Progress | None = None, chunk: int | None = None) -> None:
    """Run ``tasks`` on ``backend``; each finished chunk goes to ``sink.write`` at once."""
    pending = deque(tasks)
    payloads = plan.payloads()
    with backend:
        sizer = _ChunkSizer(backend.workers, chunk)
        in_flight = 0
        while pending or in_flight:
            while pending and in_flight < backend.window:
                n = min(sizer.size(len(pending)), len(pending))
                part = [pending.popleft() for _ in range(n)]
                items = [(t.index, t.scenario, t.seed, t.values) for t in part]
                needed = {t.scenario: payloads[t.scenario] for t in part}
                backend.submit(part, run_chunk, needed, items, plan.keep_monthly)
                in_flight += 1
            part, (results, seconds) = backend.next_done()
            in_flight -= 1
            sizer.observe(len(part), seconds)
            by_index = {t.index: t for t in part}
            sink.write([(by_index[i], monthly, summary) for i, monthly, summary in results])
            if progress is not None:
                progress.advance(len(part))


@dataclass
class Outcome:
    """What :func:`run_plan` did: the summary rows, runs computed now and reused."""

    summary: pd.DataFrame
    computed: int
    reused: int
    seconds: float
    monthly: pd.DataFrame | None = None


def run_plan(
    plan: Plan,
    options: RunOptions | str | Path | None = None,
    backend: str | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool | None = None,
    overwrite: bool | None = None,
    chunk: int | None = None,
    *,
    allowed_keys: set[str] | None = None,
    keep_monthly_in_memory: bool = False,
    manifest: Manifest | None = None,
) -> Outcome:
    """Run what of ``plan`` is not yet in ``options.out`` (or everything, in memory, without it).

    ``options``: a :class:`~commsim.experiment.RunOptions` (out, backend, workers, scheduler,
    progress, overwrite, chunk). Older callers may pass the output folder instead, with the
    rest as separate arguments. ``allowed_keys``: runs the folder may already hold (default:
    the plan's); ``manifest``: written to the folder with status "running" before any run
    starts, and "interrupted" if the command is stopped. The folder is locked meanwhile, and
    runs stored by other code are refused (``commsim.store``).
    """
    if isinstance(options, RunOptions):
        opts = options
    else:
        opts = RunOptions.build(out=options, backend=backend, workers=workers, scheduler=scheduler,
                                progress=progress, overwrite=overwrite, chunk=chunk)
    if opts.out is None:
        return _run(plan, opts, None, None, keep_monthly_in_memory, manifest)
    from commsim.store import RunStore, fingerprint, output_lock

    with output_lock(opts.out, _command(manifest)):
        store = RunStore(opts.out, plan.keep_monthly)
        code = fingerprint(p for sc in plan.scenarios.values() for p in sc.plugin_files())
        done = store.open(allowed_keys or plan.keys, opts.overwrite, code)
        return _run(plan, opts, store, done, keep_monthly_in_memory, manifest)


def _command(manifest: Manifest | None) -> str:
    return f"commsim {manifest.data.get('command', '')}".strip() if manifest is not None else "commsim"


def _run(plan: Plan, opts: RunOptions, store, done: set[str] | None, keep_monthly_in_memory: bool,
         manifest: Manifest | None) -> Outcome:
    started = time.monotonic()
    todo = [t for t in plan.tasks if t.key not in (done or set())]
    sink = store if store is not None else MemorySink(plan)
    if store is not None:
        store.plan = plan
        if manifest is not None:
            manifest.write("running", runs_planned=len(plan.tasks))
    if todo:
        bar = Progress(len(todo), "runs") if opts.progress else None
        try:
            execute(plan, todo, make_backend(opts.backend, opts.workers, opts.scheduler, len(todo)), sink, bar, opts.chunk)
        except KeyboardInterrupt:
            raise _interrupted(plan, store, manifest) from None
        finally:
            if bar is not None:
                bar.close()
    if store is not None:
        store.compact(everything=True)  # a finished folder keeps one summary file
    runs = store.runs() if store is not None else sink.runs()
    monthly = None
    if store is None and keep_monthly_in_memory and sink.monthly:
        monthly = pd.concat(sink.monthly, ignore_index=True)
    summary = finish_summary(plan, runs)
    return Outcome(summary, len(todo), len(plan.tasks) - len(todo), time.monotonic() - started, monthly)


def _interrupted(plan: Plan, store, manifest: Manifest | None) -> Interrupted:
    """The error that says truthfully what an interrupted command kept."""
    total = len(plan.tasks)
    if store is None:
        return Interrupted("interrupted: nothing was written (the runs were kept in memory only)")
    kept = len(store.keys & plan.keys)  # the folder may hold other runs of the command (worlds)
    if manifest is not None:
        manifest.write("interrupted", runs_planned=total, runs_kept=kept)
    if kept == 0:
        return Interrupted(f"interrupted before any run finished: nothing was kept in {store.out}")
    return Interrupted(
        f"interrupted: {kept} of {total} runs are finished and kept in {store.out}; "
        f"run the same command again to compute the other {total - kept}"
    )


def numeric_metrics(summary: pd.DataFrame) -> list[str]:
    """Summary columns (``final_*``, ``mean_*``, ``total_*``) in their order."""
    return [c for c in summary.columns if c.startswith(("final_", "mean_", "total_")) and np.issubdtype(summary[c].dtype, np.number)]
