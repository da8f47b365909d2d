"""Command ``calibrate``: ABC-SMC of assumption parameters against published targets."""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import replace
from pathlib import Path

import click
import pandas as pd

from commsim import calibration
from commsim import calibration_smc as smc
from commsim.backends import make_backend
from commsim.cli.options import experiment_options
from commsim.ensemble import scenario_payload
from commsim.errors import ScenarioError
from commsim.experiment import Manifest, RunOptions, setup_for, writing
from commsim.io import atomic_write, prepare_output_dir, write_csv, write_json, write_parquet
from commsim.runner import replicate_seed

DEFAULT_TARGETS = Path(__file__).resolve().parents[3] / "calibration" / "targets.toml"

def plot_fit(samples, accepted, spec, path: Path) -> None:
    """One panel per target: simulated values of the prior generation (grey) and of the
    posterior sample (blue), with the target's range and central value."""
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
        ax.hist(values, bins=bins, color="#BBBBBB", label="prior sample")
        ax.hist(accepted[f"stat_{t.name}"].dropna(), bins=bins, range=(values.min(), values.max()),
                color="#0072B2", label="posterior")
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
@click.option("--n", "n_sets", default=200, show_default=True, help="Parameter sets (particles) per generation.")
@click.option("--generations", default=10, show_default=True, help="Most generations to run (a re-run may raise it to continue).")
@click.option("--floor", default=1.0, show_default=True, type=float,
              help="Lowest acceptance threshold; 1 = inside every target's range (see docs/validation.md).")
@click.option("--alpha", default=0.5, show_default=True, type=float, help="Quantile of the previous generation's distances used as the next threshold.")
@click.option("--moves", default=3, show_default=True, type=click.IntRange(0, 100),
              help="ABC-MCMC moves of the resampled final generation (spreads out duplicated sets; 0 = none).")
@click.option("--min-acceptance", default=0.02, show_default=True, type=float,
              help="Stop when fewer proposals than this share are accepted (also caps a generation at n / share proposals).")
@experiment_options(default_reps=2, vary_help=None)
def calibrate(scenario: str, targets_path: str | None, n_sets: int, generations: int, floor: float, alpha: float,
              moves: int, min_acceptance: float, opts: RunOptions) -> None:
    """Fit assumption parameters of SCENARIO to the published targets by ABC-SMC.

    Sequential Monte Carlo approximate Bayesian computation (pyabc; see docs/validation.md).
    Every finished generation is stored in OUT/abc.db: the same command run again after an
    interruption continues after the last stored generation (the interrupted one is redone
    with the same results). Results do not depend on --workers or --backend. Writes
    accepted.csv (an equally weighted posterior sample: the final generation resampled by
    weight, then moved --moves times by ABC-MCMC), posterior.csv (the final generation with
    weights), samples.csv (every generation), generations.csv, parameters.csv (prior vs
    posterior spread), fit.csv (per target), best.toml, figures/targets.png and manifest.json
    (status "running" while it works, "interrupted" when stopped, "complete" with a checksum of
    each file at the end, as for the other experiment commands). The size of the search
    (at least --n x (--generations + --moves) x --reps runs) and the memory of a run are checked
    first. Each proposal is one task, so the shared --chunk option has no effect here.
    """
    if n_sets < 2:
        raise click.BadParameter("must be at least 2", param_hint="--n")
    if generations < 1:
        raise click.BadParameter("must be at least 1", param_hint="--generations")
    if not 0 < alpha <= 1:
        raise click.BadParameter("must be in (0, 1]", param_hint="--alpha")
    if not 0 <= min_acceptance < 1:
        raise click.BadParameter("must be in [0, 1)", param_hint="--min-acceptance")
    if not floor >= 0:
        raise click.BadParameter("must be at least 0", param_hint="--floor")
    path = Path(targets_path or DEFAULT_TARGETS)
    spec = calibration.load_targets(path)
    if not spec.parameters:
        raise ScenarioError(f"{path}: calibration.parameters: no parameters to calibrate")
    reps, seed = opts.reps_or(2), opts.seed
    setup = setup_for([scenario], opts, vary=())
    sc = next(iter(setup.scenarios.values()))
    opts = replace(opts, out=Path(opts.out or Path("results") / "calibration"))
    opts.check_size((n_sets * (generations + moves) + 1) * reps, "calibrate (at least)")
    opts.check_memory([sc])
    with writing(opts, "commsim calibrate"):
        _calibrate(opts, setup, sc, path, spec, n_sets, generations, floor, alpha, moves, min_acceptance, reps, seed)


def _calibrate(opts: RunOptions, setup, sc, path: Path, spec, n_sets: int, generations: int, floor: float, alpha: float,
               moves: int, min_acceptance: float, reps: int, seed: int) -> None:
    out_dir = prepare_output_dir(opts.out)
    settings = {"scenario_sha256": sc.digest(), "targets_sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                "parameters": list(spec.parameters), "particles": n_sets, "reps": reps, "seed": seed,
                "floor": floor, "alpha": alpha, "min_acceptance": min_acceptance}
    db, settings_path = out_dir / "abc.db", out_dir / "abc_settings.json"
    resume = db.exists() and not opts.overwrite
    if resume:
        try:
            stored = json.loads(settings_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            stored = None
        if stored != settings:
            changed = sorted(k for k in settings if not stored or stored.get(k) != settings[k])
            raise ScenarioError(f"{out_dir}: holds a calibration with other settings ({', '.join(changed) or 'unreadable'}); "
                                "give --overwrite to start again or another --out")
    else:
        db.unlink(missing_ok=True)
        shutil.rmtree(out_dir / "moves", ignore_errors=True)
        write_json(settings, settings_path)
    click.echo(f"calibrating {sc.name}: {n_sets} sets per generation x {reps} replicates, {len(spec.parameters)} parameters, "
               f"{sum(t.fitted for t in spec.targets)} fitted targets -> {out_dir}" + (" (resuming)" if resume else ""), err=True)
    def report(g: dict) -> None:
        click.echo(f"  generation {g['t']}: threshold {g['epsilon']:.3g}, {g['particles']} of {g['samples']} accepted", err=True)

    from pyabc import History

    manifest = Manifest.for_setup("calibrate", opts, setup, method="ABC-SMC (pyabc)", targets=spec.source, **settings)
    manifest.write("running")
    before = _runs_stored(db, out_dir, reps) if resume else 0
    try:
        with make_backend(opts.backend, opts.workers, opts.scheduler) as be:
            def make():
                return smc.make_abc(spec, scenario_payload(sc), reps, n_sets, seed, floor, alpha, be)

            reason = smc.run_generations(make, f"sqlite:///{db}", spec, generations, floor, min_acceptance, resume, report)
            history = History(f"sqlite:///{db}", _id=1)
            pops = history.get_all_populations()
            last = int(pops["t"].max())
            posterior = calibration.population_table(history.get_population(last).particles, spec)
            accepted, rates = rejuvenate(out_dir, spec, scenario_payload(sc), reps, float(pops["epsilon"].iloc[-1]),
                                         posterior, seed, moves, last, be)
    except KeyboardInterrupt:
        manifest.write("interrupted")
        raise
    fields = write_results(out_dir, spec, sc, history, posterior, accepted, rates, reason, seed, reps)
    manifest.complete(fields["runs"] + fields["runs_moves"], fields["runs"] + fields["runs_moves"] - before,
                      dict.fromkeys(OUTPUTS), **{k: v for k, v in fields.items() if k != "runs"})


#: what a calibration writes (and the manifest checksums)
OUTPUTS = ("accepted.csv", "posterior.csv", "samples.csv", "generations.csv", "parameters.csv", "fit.csv", "best.toml",
           "figures/targets.png")


def _runs_stored(db: Path, out_dir: Path, reps: int) -> int:
    """Runs an interrupted calibration already did: its stored generations' proposals and moves."""
    from pyabc import History

    try:
        pops = History(f"sqlite:///{db}", _id=1).get_all_populations()
        done = int(pops[pops["t"] >= 0]["samples"].sum()) * reps
    except Exception:  # an empty or unreadable database: nothing to reuse
        done = 0
    moved = sum(len(pd.read_parquet(p)) for p in (out_dir / "moves").glob("*.parquet")) * reps
    return done + moved


def rejuvenate(out_dir: Path, spec, payload: dict, reps: int, epsilon: float, posterior: pd.DataFrame, seed: int,
               moves: int, generation: int, backend) -> tuple[pd.DataFrame, list[float]]:
    """Resample the final generation by weight and move every copy ``moves`` times by ABC-MCMC
    at the final threshold (``calibration_smc.move_round``); each round is stored in
    OUT/moves/ (a re-run reuses it). Returns the equally weighted sample and each round's
    share of steps taken."""
    sample = calibration.resample(posterior, len(posterior), seed)
    rates = []
    for k in range(moves):
        path = out_dir / "moves" / f"generation{generation}_round{k + 1}.parquet"
        if path.exists():
            stored = pd.read_parquet(path)
            rates.append(float(stored["round_acceptance"].iloc[0]))
            sample = stored.drop(columns=["round_acceptance"])
            continue
        sample, rate = smc.move_round(sample, spec, payload, reps, epsilon, seed, k, backend)
        click.echo(f"  move {k + 1} of {moves}: {100 * rate:.0f}% of steps taken", err=True)
        write_parquet(sample.assign(round_acceptance=rate), path)
        rates.append(rate)
    return calibration.score(sample, spec), rates


def write_results(out_dir: Path, spec, sc, history, posterior: pd.DataFrame, accepted: pd.DataFrame,
                  rates: list[float], reason: str, seed: int, reps: int) -> dict:
    """The tables and figure of a finished (or stopped) run; returns the manifest's fields."""
    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0]
    prior = calibration.population_table(history.get_population(0).particles, spec)
    samples = pd.concat([calibration.population_table(history.get_population(t).particles, spec).assign(generation=t)
                         for t in pops["t"].astype(int)], ignore_index=True)
    ess = [float(1 / (g["weight"] ** 2).sum()) for _, g in samples.groupby("generation")]
    default_stats = calibration.evaluate(sc, {}, [replicate_seed(seed, r) for r in range(reps)], spec.targets)
    fit = calibration.fit_table(spec, default_stats, accepted, prior)
    gens = pd.DataFrame({"generation": pops["t"].astype(int), "threshold": pops["epsilon"],
                         "particles": pops["particles"].astype(int), "proposals": pops["samples"].astype(int)})
    gens["acceptance"] = gens["particles"] / gens["proposals"]
    gens["ess"] = ess
    write_csv(accepted, out_dir / "accepted.csv")
    write_csv(posterior, out_dir / "posterior.csv")
    write_csv(samples, out_dir / "samples.csv")
    write_csv(gens, out_dir / "generations.csv")
    write_csv(calibration.parameter_table(spec, accepted.assign(weight=1.0 / len(accepted))), out_dir / "parameters.csv")
    write_csv(fit, out_dir / "fit.csv")
    best = accepted.sort_values("centrality", kind="stable").iloc[0]
    lines = ["# posterior set closest to the targets' central values", "[parameters]"]
    lines += [f"{p} = {best[p].item() if hasattr(best[p], 'item') else best[p]!r}" for p in spec.parameters]
    atomic_write(out_dir / "best.toml", lambda tmp: tmp.write_text("\n".join(lines) + "\n", encoding="utf-8"))
    plot_fit(prior, accepted, spec, out_dir / "figures" / "targets.png")
    within = float(accepted["accepted"].mean())
    unique = int(accepted.drop_duplicates(list(spec.parameters)).shape[0])
    fields = {"scenario": sc.name, "generations": len(gens), "stopped": reason, "proposals": int(gens["proposals"].sum()),
              "runs": int(gens["proposals"].sum()) * reps + reps, "thresholds": [float(x) for x in gens["threshold"]],
              "final_ess": ess[-1], "move_acceptance": rates, "unique_sets": unique,
              "runs_moves": len(rates) * len(accepted) * reps, "posterior_share_within_ranges": within}
    click.echo(f"stopped ({reason}) after {len(gens)} generations, {int(gens['proposals'].sum())} proposals; "
               f"final threshold {gens['threshold'].iloc[-1]:.3g}; effective sample size of the last generation {ess[-1]:.1f} "
               f"of {len(posterior)}; after {len(rates)} moves {unique} distinct sets, {100 * within:.0f}% inside every range")
    if ess[-1] < 0.2 * len(posterior) and not rates:
        click.echo("warning: the last generation's weights are uneven; use --moves (or a larger --n) before trusting accepted.csv", err=True)
    for row in fit.itertuples():
        mark = "ok " if row.default_within else "off"
        click.echo(f"  [{mark}] {row.target:<36} defaults {row.default_value:8.3f}  posterior "
                   f"{row.accepted_p05:.3f}-{row.accepted_p95:.3f}  target {row.low:g}-{row.high:g}")
    return fields


def register(group: click.Group) -> None:
    """Add ``commsim calibrate`` to the ``commsim`` command group.

    Args:
        group: The top-level click group (``commsim.cli.cli``).
    """
    group.add_command(calibrate)
