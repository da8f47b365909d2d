"""Commands ``compare``, ``sensitivity`` and ``sweep`` (Monte Carlo experiments).

Each writes to an output folder as runs finish; running the same command again after an
interruption computes only the missing runs (see ``commsim.store``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import click
import pandas as pd

from commsim.cli.options import VARY_HELP, at_least, experiment_options, run_options
from commsim.experiment import RunOptions, default_out
from commsim.metrics import KEY_METRICS
from commsim.uncertainty import load_posterior

METHODS = ("morris", "sobol")  # commsim.sensitivity.METHODS (imported when the command runs)
__all__ = ["run_options", "experiment_options", "print_comparison", "draw_figures", "register"]


def print_comparison(table: pd.DataFrame) -> None:
    """The key metrics' paired differences on stdout, one line each, in the metric's own units
    (shares in percentage points, money in yuan) with the 95% CI; the share of paired runs in
    which the scenario is better, except for outcomes without a better direction; a difference
    that is the same in every run (a cost set by the policy's rules) as a number, not an interval;
    last, the comparison.csv column."""
    from commsim.metrics import direction
    from commsim.report import fmt
    from commsim.report.vocab import metric_label

    rows = table[(table["scenario"] != table["baseline"]) & table["metric"].isin(KEY_METRICS)]
    for scenario, block in rows.groupby("scenario", sort=False):
        click.echo(f"{scenario} - {block['baseline'].iloc[0]} (n = {block['n'].max()} paired replicates):")
        for r in block.itertuples():
            label = metric_label(r.metric, "en")
            d = fmt.change_number(r.metric, r.diff)
            unit = fmt.unit(r.metric, "en", change=True)
            lo, hi = r.diff_ci_low, r.diff_ci_high
            note = ""
            if fmt.is_fixed(lo, hi, r.diff):
                ci = "no change in any run" if r.diff == 0 else "the same in every run"
            else:
                ci = f"[{fmt.change_number(r.metric, lo)}, {fmt.change_number(r.metric, hi)}]"
                if direction(r.metric) == "ambiguous":
                    note = "no better direction"
                elif math.isfinite(r.prob_better):
                    note = f"better in {fmt.probability(r.prob_better)} of runs"
            click.echo(f"  {label:<46} {d:>10} {unit:<33} {ci:<22} {note:<24} {r.metric}")
    ratios = rows["crn_variance_ratio"].dropna()
    if not ratios.empty:
        click.echo(
            f"common random numbers: variance of paired differences / unpaired = {ratios.median():.3g} "
            f"(median over key metrics; {1 / ratios.median():.1f}x fewer replicates for the same precision)"
            if ratios.median() > 0 else "common random numbers: paired differences have zero variance"
        )


def worlds_options(posterior_note: str = "") -> Callable:
    """--worlds, --max-worlds, --target-se and --posterior (how a comparison samples worlds)."""

    def decorate(fn: Callable) -> Callable:
        opts = [
            click.option("--worlds", "n_worlds", type=int, default=100, show_default=True, callback=at_least(2),
                         help="Worlds of the first round (each draws a calibrated set, the assumptions, policy strengths and submodels)."),
            click.option("--max-worlds", type=int, default=400, show_default=True, callback=at_least(2),
                         help="Most worlds: rounds are added while a share's standard error is above --target-se."),
            click.option("--target-se", type=float, default=0.025, show_default=True,
                         help="Standard error every share of worlds must reach (0.025: a 95% interval of about +/-5 points)."),
            click.option("--posterior", default=None, metavar="FILE",
                         help="A calibration's accepted.csv; worlds draw a set from it. Default 'none': calibrated "
                              "parameters keep their (jointly recalibrated) defaults, because the shipped posterior "
                              "(calibration/results/accepted.csv, 'shipped') predates the v2 model: none of its 17 "
                              "sets fits every target now (docs/validation.md)." + posterior_note),
        ]
        for opt in reversed(opts):
            fn = opt(fn)
        return fn

    return decorate


@click.command("compare")
@click.argument("baseline")
@click.argument("others", nargs=-1, required=True)
@experiment_options(default_reps=20)
@click.option("--precision", type=float, default=None, help="Add replicates until the 95% CI half-width of --metric's difference is at most this.")
@click.option("--metric", default="mean_collection_rate", show_default=True,
              help="The lead outcome: of --precision, of the summary across worlds printed, and of the failure-box figures.")
@click.option("--max-reps", type=int, default=None, help="Upper limit for --precision (default 10 x --reps).")
@click.option("--no-crn", is_flag=True, help="Independent seeds per scenario (to see what common random numbers save; with --noise-only).")
@click.option("--noise-only", is_flag=True,
              help="Only the replicates under the default assumptions (intervals cover simulation noise only): no worlds, no robustness.csv or discovery.csv.")
@worlds_options(" With --noise-only, replicate r uses set r mod K.")
@click.option("--street", default=None, metavar="STREET",
              help="Compare the scenarios' policies on this street (a shipped name such as street_old_town, or a file): "
                   "its communities, estates, household mix and parameters replace each scenario's.")
@click.option("--figures/--no-figures", "draw", default=True, show_default=True, help="Draw the standard figures into OUT/figures/.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="en", show_default=True, help="Language of the figures (zh needs a CJK font).")
def compare_cmd(baseline: str, others: tuple[str, ...], opts: RunOptions, precision, metric, max_reps, no_crn, noise_only,
                n_worlds, max_worlds, target_se, posterior, street, draw, lang) -> None:
    """Compare OTHERS with BASELINE (files or shipped scenario names) under common random numbers,
    and across plausible worlds.

    Two parts. REPS replicates of every scenario under the default assumptions give
    OUT/comparison.csv (paired differences with 95% CIs that cover simulation noise, Holm-adjusted
    p-values, effect sizes, CRN variance ratios), OUT/summary.parquet and OUT/monthly/. Then,
    unless --noise-only, every scenario runs in each of --worlds to --max-worlds worlds (the
    same world and seed for every scenario in world r; see docs/experiments.md): OUT/robustness.csv
    (how often each policy beats the status quo and each other, the median effect and its 5-95%
    range across worlds beside the noise-only CI), OUT/discovery.csv (where each policy fails:
    PRIM boxes in plain English and Chinese), OUT/stability.json, OUT/worlds.csv and
    OUT/worlds_summary.parquet. It also writes OUT/manifest.json and the figures in OUT/figures/
    (the ranking across worlds and the failure boxes among them; see 'commsim figures' and
    'commsim brief').
    """
    from commsim.compare import compare
    from commsim.compare_worlds import WorldsOptions

    names = [baseline, *others]
    opts = replace(opts, out=opts.out or default_out("compare", [_stem(n) for n in names]))
    out = opts.out
    worlds = None if noise_only else WorldsOptions(n_worlds, max_worlds, target_se, posterior or "none")
    result = compare(baseline, list(others), opts, precision=precision, metric=metric, max_reps=max_reps,
                     crn=not no_crn, posterior=load_posterior(posterior) if posterior and noise_only and posterior.lower() != "none" else (),
                     worlds=worlds, street=street)
    m = result.manifest
    click.echo(f"{m['runs']} runs ({m['runs_computed']} computed now, {m['runs_reused']} already in {out}) in {m['seconds']:.1f} s", err=True)
    print_comparison(result.comparison)
    if result.worlds is not None:
        print_worlds(result.worlds, metric)
    if draw:
        draw_figures(Path(out), lang, metric)


def print_worlds(wres, metric: str) -> None:
    """Across worlds, on stdout: per policy, how often it beats the status quo on ``metric`` (median
    change and its 5-95% range, share of worlds in which it is the best option) and, from the
    scenario discovery, where it fails; then how stable the shares are."""
    from commsim.report import fmt
    from commsim.report.vocab import metric_label

    table = wres.robustness
    base = table["scenario"].iloc[0]
    rows = table[(table["comparator"] == base) & (table["scenario"] != base) & (table["outcome"] == metric)]
    if rows.empty:
        return
    n = int(rows["n_worlds"].max())
    unit = fmt.unit(metric, "en", change=True)
    click.echo(f"across {n} worlds, {metric_label(metric, 'en').lower()} against {base} ("
               + (f"changes in {unit}; " if unit else "") + "a change that rounds to zero is a tie):")
    for r in rows.itertuples():
        share = fmt.probability(r.share_better) if r.direction != "ambiguous" else "-"
        click.echo(f"  {r.scenario:<26} beats it in {share:>5} of worlds; median {fmt.change_number(metric, r.median_diff)} "
                   f"(5-95%: {fmt.change_number(metric, r.diff_p05)} to {fmt.change_number(metric, r.diff_p95)}); "
                   f"best option in {fmt.probability(r.prob_best)}")
    if wres.discovery is not None:
        disc = wres.discovery
        said = disc[(disc["outcome"] == metric) & (disc["comparator"] == base)].drop_duplicates(["scenario", "box"])
        for r in said.itertuples():
            if r.box <= 1:
                click.echo(f"  - {r.text_en}")
    st = wres.stability
    click.echo(f"stability: largest standard error of a share {st['max_se']:.3f} with {n} worlds (target {st['target_se']:g})"
               + ("" if st["stable"] else f"; not reached: {st['worlds_needed']} worlds would be needed"), err=True)


def _stem(ref: str) -> str:
    return ref.replace("\\", "/").rsplit("/", 1)[-1].removesuffix(".toml")


def draw_figures(folder: Path, lang: str, metric: str) -> None:
    """The standard figures of a finished comparison, sweep or sensitivity run (the folder's kind
    comes from its manifest); the results stay whatever happens here."""
    from commsim.errors import CommsimError
    from commsim.report.figures import write_figures
    from commsim.report.results import load_results

    try:
        written = write_figures(load_results(folder), folder / "figures", lang, primary=metric)  # type: ignore[arg-type]
    except CommsimError as exc:
        raise type(exc)(f"results are complete in {folder}; figures not drawn: {exc}") from None
    click.echo(f"figures: {sum(len(v) for v in written.values())} files in {folder / 'figures'}", err=True)


def figure_options(fn: Callable) -> Callable:
    """--figures/--no-figures and --lang, for the commands that draw their figures when done."""
    fn = click.option("--lang", "fig_lang", type=click.Choice(["zh", "en"]), default="en", show_default=True,
                      help="Language of the figures (zh needs a CJK font).")(fn)
    return click.option("--figures/--no-figures", "draw", default=True, show_default=True,
                        help="Draw the figures into OUT/figures/ (see 'commsim figures').")(fn)


@click.command("sensitivity")
@click.argument("scenario")
@click.option("--method", type=click.Choice(METHODS), default="morris", show_default=True)
@click.option("--n", "n", type=int, default=None, help="Morris trajectories (default 10) or Sobol base samples (a power of 2, default 64).")
@click.option("--outputs", default=",".join(KEY_METRICS), show_default=False, help="Comma-separated summary metrics (default: the key metrics).")
@click.option("--against", default=None, metavar="BASELINE", help="Analyse the paired difference SCENARIO - BASELINE instead.")
@click.option("--levels", type=int, default=4, show_default=True, help="Morris grid levels.")
@experiment_options(default_reps=1, vary_help="Parameters to analyse (default: the scenario's [uncertainty] table, else every parameter with a range). " + VARY_HELP.split(": ", 1)[1])
@figure_options
def sensitivity_cmd(scenario: str, method: str, n: int | None, outputs: str, against: str | None, levels: int,
                    opts: RunOptions, draw: bool, fig_lang: str) -> None:
    """Morris or Sobol sensitivity indices (SALib) of SCENARIO's outputs to its parameters.

    Says how many runs it will start before starting them (more than 20,000 need --yes).
    Writes OUT/sensitivity.csv (method, output, parameter, indices with 95% CIs),
    OUT/samples.parquet, OUT/manifest.json and, per output, a figure of the indices with their
    intervals in OUT/figures/.
    """
    from commsim.sensitivity import sensitivity

    opts = replace(opts, out=opts.out or default_out("sensitivity", [_stem(scenario), method]))
    out = opts.out
    result = sensitivity(scenario, opts, method=method, n=n, outputs=[o.strip() for o in outputs.split(",") if o.strip()],
                         against=against, levels=levels)
    m = result.manifest
    click.echo(f"{method}: {len(m['parameters'])} parameters, {m['design_rows']} design rows, {m['runs']} runs in {m['seconds']:.1f} s -> {out}", err=True)
    key = "mu_star" if method == "morris" else "ST"
    for output, block in result.indices.groupby("output", sort=False):
        top = block.nlargest(5, key)
        click.echo(f"{output}: " + ", ".join(f"{p} {v:.3g}" for p, v in zip(top["parameter"], top[key], strict=True)))
    if m["skipped_outputs"]:
        click.echo(f"no indices for {', '.join(m['skipped_outputs'])} (not finite or constant across the design)", err=True)
    if draw and not result.indices.empty:
        draw_figures(Path(out), fig_lang, "mean_collection_rate")


@click.command("sweep")
@click.argument("scenario")
@click.option("--param", "params", multiple=True, required=True, metavar="NAME=LOW:HIGH:STEPS",
              help="A swept parameter: NAME=LOW:HIGH:STEPS, NAME=a,b,c (choices, e.g. staffing_norm=liaocheng,xian,cangzhou) or NAME=VALUE. Several make a grid.")
@experiment_options(default_reps=10)
@figure_options
def sweep_cmd(scenario: str, params: tuple[str, ...], opts: RunOptions, draw: bool, fig_lang: str) -> None:
    """Run SCENARIO over a grid of parameter values, REPS replicates per point (CRN).

    Writes OUT/sweep.csv (swept parameters, replicate, summary columns), OUT/monthly/,
    OUT/manifest.json and, per swept parameter and key outcome, a figure of the outcome against
    the parameter (median, 50% and 90% bands) in OUT/figures/. A grid of more than 20,000 runs
    needs --yes.
    """
    from commsim.sweep import sweep

    opts = replace(opts, out=opts.out or default_out("sweep", [_stem(scenario), *(p.split("=")[0] for p in params)]))
    out = opts.out
    result = sweep(scenario, list(params), opts)
    m = result.manifest
    names = list(m["swept"])
    click.echo(f"{m['points']} points x {m['reps']} replicates = {m['runs']} runs in {m['seconds']:.1f} s -> {out}", err=True)
    means = result.table.groupby(names, sort=False)[[c for c in KEY_METRICS[:4] if c in result.table]].mean()
    click.echo(means.to_string(float_format=lambda v: f"{v:.4g}"))
    if draw:
        draw_figures(Path(out), fig_lang, "mean_collection_rate")


@click.command("streets")
@click.argument("baseline")
@click.argument("others", nargs=-1, required=True)
@click.option("--streets", "streets", default=None, metavar="A,B,C",
              help="Streets to put the scenarios on (shipped names or files; default: every shipped street_* archetype).")
@click.option("--own/--no-own", default=True, show_default=True, help="Also the scenarios' own street (folder OUT/own).")
@experiment_options(default_reps=20)
@worlds_options()
@click.option("--metric", default="mean_collection_rate", show_default=True, help="The outcome of the figure and the printed ranks.")
@figure_options
def streets_cmd(baseline: str, others: tuple[str, ...], streets: str | None, own: bool, opts: RunOptions, n_worlds: int,
                max_worlds: int, target_se: float, posterior: str | None, metric: str, draw: bool, fig_lang: str) -> None:
    """Does the ranking hold on other streets? Compare OTHERS with BASELINE across worlds on each street.

    Runs 'commsim compare' (worlds and all, the same options) on the scenarios' own street and
    on each of --streets (each scenario's policies on that street's estates and households):
    OUT/<street>/ is a complete comparison folder ('commsim brief OUT/<street>' briefs it).
    Writes OUT/streets.csv (per street, scenario and key outcome: share of worlds beating the
    status quo, median change with its 5-95% range, share of worlds best, rank) and
    OUT/figures/streets_<outcome>_<lang>: the ranks street by street.
    """
    from commsim.compare_worlds import WorldsOptions
    from commsim.metrics import check_metric
    from commsim.streets import rank_changes, run_streets

    metric = check_metric(metric)
    opts = replace(opts, out=opts.out or default_out("streets", [_stem(n) for n in (baseline, *others)]))
    refs = [x.strip() for x in streets.split(",") if x.strip()] if streets is not None else None
    result = run_streets(baseline, list(others), opts, WorldsOptions(n_worlds, max_worlds, target_se, posterior or "none"),
                         refs, own)
    m = result.manifest
    click.echo(f"{m['runs']} runs on {len(result.folders)} streets ({m['runs_computed']} computed now) in {m['seconds']:.1f} s "
               f"-> {opts.out}", err=True)
    ranks = rank_changes(result.table, metric)
    click.echo(f"rank by share of worlds in which each option is best on {metric} (1 = most often best):")
    streets_cols = [c for c in ranks.columns if c != "changes"]
    click.echo("  " + " ".join(f"{c[:16]:>16}" for c in ["", *streets_cols]))
    for scenario, row in ranks.iterrows():
        mark = "  <- changes" if row["changes"] else ""
        click.echo("  " + f"{str(scenario)[:16]:>16} " + " ".join(f"{int(row[c]):>16}" for c in streets_cols) + mark)
    if draw:
        draw_streets(opts.out, result.table, metric, fig_lang, opts.seed, result.manifest)


def draw_streets(out: Path, table: pd.DataFrame, metric: str, lang: str, seed: int, manifest: dict) -> None:
    """OUT/figures/streets_<outcome>_<lang>.png/.svg (in Chinese too when a CJK font is there)."""
    from commsim.report import plots_robustness, style
    from commsim.report.fonts import find_cjk_font
    from commsim.report.results import _scenario_entries
    from commsim.report.vocab import ScenarioTitles
    from commsim.scenario import resolve_path

    entries = _scenario_entries(manifest.get("scenarios"))
    entries.update({label: {"source": str(resolve_path(ref))} for label, ref in manifest.get("streets", {}).items() if ref})
    titles = ScenarioTitles(entries)
    langs = dict.fromkeys([lang, *(["zh"] if find_cjk_font() is not None else [])])
    for code in langs:
        with style.language(code):
            fig = plots_robustness.streets(table, metric, code, titles, base_seed=seed)
            paths = style.save(fig, out / "figures" / f"streets_{metric.removeprefix('mean_')}_{code}")
        click.echo(f"figure: {paths[0]}", err=True)  # each language's


def register(group: click.Group) -> None:
    """Add ``compare``, ``sensitivity``, ``sweep`` and ``streets`` to the ``commsim`` command group.

    Args:
        group: The top-level click group (``commsim.cli.cli``).
    """
    for command in (compare_cmd, sensitivity_cmd, sweep_cmd, streets_cmd):
        group.add_command(command)
