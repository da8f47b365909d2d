"""Command ``calibrate``: ABC rejection of assumption parameters against published targets."""

from __future__ import annotations

import time
from pathlib import Path

import click
import numpy as np
import pandas as pd

from commsim import calibration
from commsim.cli.experiments import run_options
from commsim.io import atomic_write, environment, prepare_output_dir, write_csv, write_json
from commsim.params import PARAMETERS
from commsim.scenario import Scenario, load_scenario, parse_set_options

DEFAULT_TARGETS = Path(__file__).resolve().parents[3] / "calibration" / "targets.toml"

def ensemble_evaluator(scenario: Scenario, spec, out: Path, backend: str, workers: int | None,
                       scheduler: str | None, overwrite: bool, chunk: int | None):
    """Evaluate parameter sets with the ensemble runner: every run is kept in OUT as it
    finishes (a re-run resumes), then the targets' statistics are computed from the stored
    monthly rows of each (set, replicate)."""
    from commsim.ensemble import Plan, run_plan

    params = tuple(spec.parameters)
    defaults = {name: PARAMETERS[name].default for name in params}

    def evaluate_many(tasks):
        plan = Plan("calibration", {scenario.name: scenario}, point_columns=params)
        keys = []
        for i, (overrides, seeds) in enumerate(tasks):
            values = {**defaults, **overrides}
            keys.append(tuple(values[p] for p in params))
            for r, seed in enumerate(seeds):
                plan.add(scenario.name, r, seed, values, point=i)
        run_plan(plan, out, backend, workers, scheduler, progress=True, overwrite=overwrite, chunk=chunk)
        metrics = {t.metric for t in spec.targets} | {t.options["minus"] for t in spec.targets if "minus" in t.options}
        columns = [*params, "replicate", "month", "estate", "estate_type", *sorted(metrics)]
        monthly = pd.read_parquet(out / "monthly", columns=columns)
        stats: dict[tuple, list[dict[str, float]]] = {}
        for key, runs in monthly.groupby(list(params), sort=False):
            for _, run in runs.groupby("replicate", sort=False):
                run = run.sort_values(["month", "estate"], kind="stable")
                stats.setdefault(key, []).append(
                    {t.name: calibration.statistic(t, run, scenario.burn_in_months) for t in spec.targets})
        return [{t.name: float(np.nanmean([s[t.name] for s in stats[key]])) for t in spec.targets} for key in keys]

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
@run_options(default_reps=2)
def calibrate(scenario: str, targets_path: str | None, n_sets: int, reps: int, months: int | None, seed: int,
              out: str | None, workers: int | None, backend: str, scheduler: str | None, sets: tuple[str, ...],
              overwrite: bool, chunk: int | None) -> None:
    """Search assumption parameters of SCENARIO for sets that fit the published targets.

    Approximate Bayesian computation by rejection (see docs/validation.md). Every run is kept
    in OUT as it finishes, so re-running the same command after an interruption resumes.
    Writes samples.csv (every set, its statistics and distance), accepted.csv (the posterior
    sample, best first), fit.csv (per target), best.toml ([parameters] of the best set),
    figures/targets.png and manifest.json.
    """
    if n_sets < 1:
        raise click.BadParameter("must be at least 1", param_hint="--n")
    spec = calibration.load_targets(targets_path or DEFAULT_TARGETS)
    sc = load_scenario(scenario, parse_set_options(list(sets)))
    if months is not None:
        sc = sc.with_months(months)
    out_dir = prepare_output_dir(out or Path("results") / "calibration")
    click.echo(f"calibrating {sc.name}: {n_sets} sets x {reps} replicates, {len(spec.parameters)} parameters, "
               f"{sum(t.fitted for t in spec.targets)} fitted targets -> {out_dir}", err=True)
    started = time.monotonic()
    evaluator = ensemble_evaluator(sc, spec, out_dir, backend, workers, scheduler, overwrite, chunk)
    result = calibration.calibrate(sc, spec, n_sets, reps, seed, evaluator)
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
    label = "accepted" if n_acc else "closest "
    for row in fit.itertuples():
        mark = "ok " if row.default_within else "off"
        click.echo(f"  [{mark}] {row.target:<36} defaults {row.default_value:8.3f}  {label} "
                   f"{row.accepted_p05:.3f}-{row.accepted_p95:.3f}  target {row.low:g}-{row.high:g}")


def register(group: click.Group) -> None:
    group.add_command(calibrate)
