"""Command ``calibrate``: ABC rejection of assumption parameters against published targets."""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing as mp
import os
import time
from pathlib import Path
from typing import Any

import click

from commsim import calibration
from commsim.io import atomic_write, environment, prepare_output_dir, write_csv, write_json
from commsim.progress import Progress
from commsim.scenario import Scenario, load_scenario

DEFAULT_TARGETS = Path(__file__).resolve().parents[3] / "calibration" / "targets.toml"

_WORKER: dict[str, Any] = {}


def _init(scenario: Scenario, targets) -> None:
    _WORKER["scenario"], _WORKER["targets"] = scenario, targets


def _run(task):
    overrides, seeds = task
    return calibration.evaluate(_WORKER["scenario"], overrides, seeds, _WORKER["targets"])


def local_evaluator(scenario: Scenario, targets, workers: int, progress: Progress):
    """Evaluate tasks in this process (1 worker) or a pool of spawned worker processes."""

    def evaluate_many(tasks):
        if workers <= 1:
            _init(scenario, targets)
            out = []
            for task in tasks:
                out.append(_run(task))
                progress.advance()
            return out
        ctx = mp.get_context("spawn")  # Mesa forces spawn anyway; say so explicitly
        results: list[Any] = [None] * len(tasks)
        with cf.ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init, initargs=(scenario, targets)) as pool:
            futures = {pool.submit(_run, task): i for i, task in enumerate(tasks)}
            for fut in cf.as_completed(futures):
                results[futures[fut]] = fut.result()
                progress.advance()
        return results

    return evaluate_many


def plot_fit(samples, accepted, spec, path: Path) -> None:
    """One panel per target: simulated values of all sets and of accepted sets, target band."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(spec.targets)
    cols = 3
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 2.8 * rows), squeeze=False)
    for ax, t in zip(axes.ravel(), spec.targets, strict=False):
        values = samples[f"stat_{t.name}"].dropna()
        bins = 25
        ax.hist(values, bins=bins, color="#BBBBBB", label="all sets")
        ax.hist(accepted[f"stat_{t.name}"].dropna(), bins=bins, range=(values.min(), values.max()),
                color="#0072B2", label="accepted")
        ax.axvspan(t.low, t.high, color="#009E73", alpha=0.15, label="target range")
        if t.central is not None:
            ax.axvline(t.central, color="#009E73", lw=1.5)
        ax.set_title(t.name + ("" if t.fitted else " (check)"), fontsize=9)
        ax.tick_params(labelsize=7)
    for ax in axes.ravel()[n:]:
        ax.axis("off")
    axes[0, 0].legend(fontsize=7)
    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=150, format="png"))
    plt.close(fig)


@click.command()
@click.argument("scenario")
@click.option("--targets", "targets_path", type=click.Path(dir_okay=False), default=None,
              help="Targets file (default: calibration/targets.toml of the repository).")
@click.option("--n", "n_sets", default=200, show_default=True, help="Parameter sets to draw (Latin hypercube).")
@click.option("--reps", default=2, show_default=True, help="Replicates per set (common random numbers across sets).")
@click.option("--months", type=int, default=None, help="Months per run (default: the scenario's).")
@click.option("--seed", default=1, show_default=True)
@click.option("--workers", default=os.cpu_count() or 1, show_default=True)
@click.option("--out", type=click.Path(file_okay=False), default=None, help="Output folder (default: results/calibration).")
def calibrate(scenario: str, targets_path: str | None, n_sets: int, reps: int, months: int | None, seed: int,
              workers: int, out: str | None) -> None:
    """Search assumption parameters of SCENARIO for sets that fit the published targets.

    Writes samples.csv (every set, its statistics and distance), accepted.csv (the posterior
    sample, best first), fit.csv (per target), best.toml ([parameters] of the best set),
    figures/targets.png and manifest.json.
    """
    for name, value in (("--n", n_sets), ("--reps", reps), ("--workers", workers)):
        if value < 1:
            raise click.BadParameter("must be at least 1", param_hint=name)
    spec = calibration.load_targets(targets_path or DEFAULT_TARGETS)
    sc = load_scenario(scenario)
    if months is not None:
        sc = sc.with_months(months)
    out_dir = prepare_output_dir(out or Path("results") / "calibration")
    click.echo(f"calibrating {sc.name}: {n_sets} sets x {reps} replicates, {len(spec.parameters)} parameters, "
               f"{sum(t.fitted for t in spec.targets)} fitted targets, {workers} worker(s) -> {out_dir}", err=True)
    started = time.monotonic()
    progress = Progress(n_sets + 1, "parameter sets")
    result = calibration.calibrate(sc, spec, n_sets, reps, seed, local_evaluator(sc, spec.targets, workers, progress))
    progress.close()
    samples, accepted, fit = result["samples"], result["accepted"], result["fit"]
    write_csv(samples, out_dir / "samples.csv")
    write_csv(accepted, out_dir / "accepted.csv")
    write_csv(fit, out_dir / "fit.csv")
    best = accepted.iloc[0]
    lines = ["# best accepted parameter set (closest to the targets' central values)", "[parameters]"]
    lines += [f"{p} = {best[p]!r}" for p in spec.parameters]
    atomic_write(out_dir / "best.toml", lambda tmp: tmp.write_text("\n".join(lines) + "\n", encoding="utf-8"))
    plot_fit(samples, accepted, spec, out_dir / "figures" / "targets.png")
    n_acc = int(samples["accepted"].sum())
    write_json({"command": "calibrate", "scenario": sc.name, "scenario_sha256": sc.digest(),
                "targets": spec.source, "parameters": list(spec.parameters), "sets": n_sets, "reps": reps,
                "seed": seed, "accepted": n_acc, "seconds": round(time.monotonic() - started, 1),
                **environment()}, out_dir / "manifest.json")
    click.echo(f"{n_acc} of {n_sets} sets fit every target"
               + ("" if n_acc >= 5 else " (too few: accepted.csv holds the closest sets, flagged accepted=False)"))
    for row in fit.itertuples():
        mark = "ok " if row.default_within else "off"
        click.echo(f"  [{mark}] {row.target:<36} defaults {row.default_value:8.3f}  accepted "
                   f"{row.accepted_p05:.3f}-{row.accepted_p95:.3f}  target {row.low:g}-{row.high:g}")


def register(group: click.Group) -> None:
    group.add_command(calibrate)
