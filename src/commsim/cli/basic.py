"""Commands ``run``, ``check``, ``scenarios`` and ``params``."""

from __future__ import annotations

import math
import warnings
from dataclasses import replace
from pathlib import Path

import click

from commsim.cli.options import SET_HELP, _gigabytes, experiment_options
from commsim.ensemble import Plan, run_plan
from commsim.errors import CommsimWarning, ParameterError
from commsim.experiment import Manifest, RunOptions, writing
from commsim.io import write_csv
from commsim.params import PARAMETERS
from commsim.resources import check_memory, estimate, fmt_bytes, fmt_seconds
from commsim.runner import replicate_seed
from commsim.scenario import Scenario, load_scenario, parse_set_options, shipped_scenarios


def load_with_options(ref: str, sets, months: int | None = None) -> Scenario:
    """Load a scenario with ``--set`` overrides (strings or a parsed mapping) and ``--months``."""
    overrides = sets if isinstance(sets, dict) else parse_set_options(list(sets))
    scenario = load_scenario(ref, overrides)
    scenario = scenario.with_months(months) if months is not None else scenario
    warn_if_unbilled(scenario)
    return scenario


def warn_if_unbilled(sc: Scenario) -> None:
    """A street where no estate is charged a fee has no collection rate (NaN in summaries)."""
    if all(e.management == "none" for _, _, e in sc.estates()):
        warnings.warn(f"{sc.source}: no estate is managed or charged a fee: collection_rate, paying_share and "
                      "arrears are undefined (NaN in the results)", CommsimWarning, stacklevel=2)


@click.command()
@click.argument("scenario")
@experiment_options(default_reps=10, vary_help=None, out_help="Output folder (default: results/<scenario>).")
def run(scenario: str, opts: RunOptions) -> None:
    """Run SCENARIO (a file or a shipped scenario's name) and write its results.

    Writes OUT/monthly.parquet (scenario, replicate, month, estate or "all", metrics),
    OUT/summary.csv (one row per replicate) and OUT/manifest.json (status "running" first,
    "complete" last). Finished replicates are kept as they finish (OUT/runs/, OUT/monthly/):
    after an interruption the same command computes only the missing ones. Results are the
    same for any --workers and --backend.
    """
    sc = load_with_options(scenario, opts.sets, opts.months)
    opts = replace(opts, out=opts.out or Path("results") / sc.name)
    reps = opts.reps_or(10)
    opts.check_size(reps, f"run: {reps:,} replicates")
    opts.check_memory([sc], reps)
    click.echo(f"{sc.name}: {sc.households} households, {sc.months} months, {reps} replicates -> {opts.out}", err=True)
    plan = Plan("run", {sc.name: sc})
    seeds = [replicate_seed(opts.seed, r) for r in range(reps)]
    for r, seed in enumerate(seeds):
        plan.add(sc.name, r, seed)
    manifest = Manifest("run", opts, plan.scenarios, scenario=sc.name, scenario_source=sc.source,
                        scenario_sha256=sc.digest(), overrides=sc.overrides, months=sc.months,
                        burn_in_months=sc.burn_in_months, replicates=reps, seeds=seeds, policies=sorted(sc.policies))
    with writing(opts, "commsim run"):
        done = run_plan(plan, opts, manifest=manifest)
        from commsim.store import RunStore, merge_monthly

        parts = RunStore(opts.out).monthly_parts()
        m = manifest.complete(len(plan.tasks), done.computed, {
            "monthly.parquet": lambda p: merge_monthly(parts, p, "replicate"),
            "summary.csv": lambda p: write_csv(done.summary, p), "monthly/": None, "runs/": None})
    if m["runs_reused"]:
        click.echo(f"{m['runs_reused']} of {m['runs']} replicates were already in {opts.out}", err=True)
    means = done.summary.mean(numeric_only=True)
    click.echo(
        f"collection rate {_pct(means.get('mean_collection_rate'))}, satisfaction {_num(means.get('mean_satisfaction'), '.1f')}/100, "
        f"owners' committees {_pct(means.get('final_owners_committee_coverage'), '.0%')} of estates, "
        f"worker load {_num(means.get('mean_worker_load'), '.2f')} (means over replicates, after burn-in)"
    )


def _num(x, spec: str) -> str:
    return format(x, spec) if x is not None and math.isfinite(x) else "undefined"


def _pct(x, spec: str = ".1%") -> str:
    return _num(x, spec)


@click.command()
@click.argument("scenario")
@click.option("--set", "sets", multiple=True, metavar="NAME=VALUE", help=SET_HELP)
@click.option("--max-memory", type=float, default=None, metavar="GB", callback=_gigabytes,
              help="Memory a run may use (default: what this machine has available now).")
def check(scenario: str, sets: tuple[str, ...], max_memory: float | None) -> None:
    """Validate SCENARIO without running it, and estimate what one run needs.

    Loading a scenario loads the plugin files it names (``[scenario] plugins``), which runs
    their code: check only files you trust. A street whose run would not fit in this
    machine's memory is refused with the estimate (--max-memory for a bigger machine).
    """
    sc = load_with_options(scenario, sets)
    estates = len(sc.estates())
    need = estimate(sc)
    check_memory([sc], 1, max_memory * 1e9 if max_memory is not None else None)
    plugins = sc.plugin_files()
    click.echo(
        f"{sc.source}: ok ({sc.name}: {len(sc.communities)} communities, {estates} estates, "
        f"{sc.households} households, {sc.months} months, policies: {', '.join(sc.policies) or 'none'}; "
        f"one run needs about {fmt_bytes(need.bytes)} and {fmt_seconds(need.seconds)} on one core)"
    )
    if plugins:
        click.echo(f"plugins loaded (their code ran): {', '.join(str(p) for p in plugins)}")


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
        shown = group if group.isprintable() else repr(group)
        raise ParameterError(f"--group {shown}: no such group (groups: {', '.join(groups)})")
    for p in PARAMETERS:
        if group and p.group != group:
            continue
        rng = f"[{p.range[0]:g}, {p.range[1]:g}]" if p.range else "-"
        click.echo(f"{p.name:<44} {p.default!s:<16} {p.unit:<28} {rng:<16} {p.source}")


def register(group: click.Group) -> None:
    """Add ``run``, ``check``, ``scenarios`` and ``params`` to the ``commsim`` command group.

    Args:
        group: The top-level click group (``commsim.cli.cli``).
    """
    for command in (run, check, scenarios, params):
        group.add_command(command)
