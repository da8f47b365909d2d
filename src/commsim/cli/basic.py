"""Commands ``run``, ``check``, ``scenarios`` and ``params``."""

from __future__ import annotations

import time
from pathlib import Path

import click

from commsim.backends import BACKENDS
from commsim.ensemble import Plan, run_plan
from commsim.errors import ParameterError
from commsim.io import environment, prepare_output_dir, write_csv, write_json, write_parquet
from commsim.params import PARAMETERS
from commsim.runner import replicate_seed
from commsim.scenario import Scenario, load_scenario, parse_set_options, shipped_scenarios

SET_HELP = "Override a model parameter for this run, NAME=VALUE (repeatable); validated like the file."


def load_with_options(ref: str, sets: tuple[str, ...], months: int | None = None) -> Scenario:
    """Load a scenario with ``--set`` overrides and an optional ``--months``."""
    scenario = load_scenario(ref, parse_set_options(list(sets)))
    return scenario.with_months(months) if months is not None else scenario


def _positive(ctx, param, value):
    if value is not None and value < 1:
        raise click.BadParameter("must be at least 1")
    return value


def _nonnegative(ctx, param, value):
    if value is not None and value < 0:
        raise click.BadParameter("must be 0 or more")
    return value


@click.command()
@click.argument("scenario")
@click.option("--reps", default=10, show_default=True, callback=_positive, help="Replicates (Monte Carlo runs).")
@click.option("--months", type=int, default=None, callback=_positive, help="Months to simulate (default: the scenario's).")
@click.option("--seed", type=int, default=1, show_default=True, callback=_nonnegative, help="Base seed; replicate r uses a seed derived from (seed, r).")
@click.option("--out", type=click.Path(file_okay=False), default=None, help="Output folder (default: results/<scenario>).")
@click.option("--set", "sets", multiple=True, metavar="NAME=VALUE", help=SET_HELP)
@click.option("--workers", type=int, default=None, callback=_positive, help="Worker processes (default: all cores; 1 = in this process).")
@click.option("--backend", type=click.Choice(BACKENDS), default="local", show_default=True, help="local process pool, or Dask distributed.")
@click.option("--scheduler", default=None, metavar="ADDRESS", help="Dask scheduler address; without it --backend dask starts a LocalCluster.")
def run(scenario: str, reps: int, months: int | None, seed: int, out: str | None, sets: tuple[str, ...],
        workers: int | None, backend: str, scheduler: str | None) -> None:
    """Run SCENARIO (a file or a shipped scenario's name) and write its results.

    Writes OUT/monthly.parquet (scenario, replicate, month, estate or "all", metrics),
    OUT/summary.csv (one row per replicate) and OUT/manifest.json (written last). Results are
    the same for any --workers and --backend.
    """
    sc = load_with_options(scenario, sets, months)
    out_dir = prepare_output_dir(out or Path("results") / sc.name)
    click.echo(f"{sc.name}: {sc.households} households, {sc.months} months, {reps} replicates -> {out_dir}", err=True)
    started = time.monotonic()
    plan = Plan("run", {sc.name: sc})
    for r in range(reps):
        plan.add(sc.name, r, replicate_seed(seed, r))
    done = run_plan(plan, None, backend, workers, scheduler, progress=True, keep_monthly_in_memory=True)
    monthly = done.monthly.sort_values("replicate", kind="stable").reset_index(drop=True)
    summary = done.summary
    write_parquet(monthly, out_dir / "monthly.parquet")
    write_csv(summary, out_dir / "summary.csv")
    write_json({
        "command": "run",
        "scenario": sc.name,
        "scenario_source": sc.source,
        "scenario_sha256": sc.digest(),
        "overrides": sc.overrides,
        "months": sc.months,
        "burn_in_months": sc.burn_in_months,
        "replicates": reps,
        "base_seed": seed,
        "seeds": [replicate_seed(seed, r) for r in range(reps)],
        "policies": sorted(sc.policies),
        "seconds": round(time.monotonic() - started, 2),
        "files": ["monthly.parquet", "summary.csv"],
        **environment(),
    }, out_dir / "manifest.json")
    means = summary.mean(numeric_only=True)
    click.echo(
        f"collection rate {means['mean_collection_rate']:.1%}, satisfaction {means['mean_satisfaction']:.1f}/100, "
        f"owners' committees {means['final_owners_committee_coverage']:.0%} of estates, "
        f"worker load {means['mean_worker_load']:.2f} (means over replicates, after burn-in)"
    )


@click.command()
@click.argument("scenario")
@click.option("--set", "sets", multiple=True, metavar="NAME=VALUE", help=SET_HELP)
def check(scenario: str, sets: tuple[str, ...]) -> None:
    """Validate SCENARIO without running it."""
    sc = load_with_options(scenario, sets)
    estates = len(sc.estates())
    click.echo(
        f"{sc.source}: ok ({sc.name}: {len(sc.communities)} communities, {estates} estates, "
        f"{sc.households} households, {sc.months} months, policies: {', '.join(sc.policies) or 'none'})"
    )


@click.command()
def scenarios() -> None:
    """List the shipped scenarios with their titles."""
    for path in shipped_scenarios():
        try:
            sc = load_scenario(path)
        except Exception as exc:  # a broken shipped file should not hide the others
            click.echo(f"{path.stem:<24} (invalid: {exc})")
            continue
        meta = sc.spec.scenario
        title = " / ".join(t for t in (meta.title_zh, meta.title_en) if t)
        click.echo(f"{path.stem:<24} {title}")


@click.command()
@click.option("--group", default=None, help="Only parameters of this group (e.g. payment, policy:fee_subsidy).")
@click.option("--markdown", is_flag=True, help="Print the whole table as Markdown (docs/parameters.md).")
def params(group: str | None, markdown: bool) -> None:
    """List model parameters: name, default, unit, range, source."""
    if markdown:
        from commsim.paramdoc import parameters_markdown

        click.echo(parameters_markdown(), nl=False)
        return
    groups = list(dict.fromkeys(p.group for p in PARAMETERS))
    if group is not None and group not in groups:
        raise ParameterError(f"--group {group}: no such group (groups: {', '.join(groups)})")
    for p in PARAMETERS:
        if group and p.group != group:
            continue
        rng = f"[{p.range[0]:g}, {p.range[1]:g}]" if p.range else "-"
        click.echo(f"{p.name:<44} {p.default!s:<16} {p.unit:<28} {rng:<16} {p.source}")


def register(group: click.Group) -> None:
    for command in (run, check, scenarios, params):
        group.add_command(command)
