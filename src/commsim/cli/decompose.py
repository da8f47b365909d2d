"""Command ``decompose``: each policy's effect taken apart, mechanism by mechanism."""

from __future__ import annotations

from dataclasses import replace

import click

from commsim.cli.options import experiment_options
from commsim.experiment import RunOptions, default_out
from commsim.metrics import KEY_METRICS


@click.command("decompose")
@click.argument("scenario")
@click.option("--against", "baseline", default="baseline", show_default=True, metavar="BASELINE",
              help="The status quo the effects are measured against.")
@click.option("--outputs", default=",".join(KEY_METRICS), show_default=False,
              help="Comma-separated summary metrics (default: the key metrics).")
@click.option("--figures/--no-figures", "draw", default=True, show_default=True,
              help="Draw a figure per policy into OUT/figures/.")
@click.option("--lang", "fig_lang", type=click.Choice(["zh", "en"]), default="en", show_default=True,
              help="Language of the figures (zh needs a CJK font).")
@experiment_options(default_reps=20)
def decompose_cmd(scenario: str, baseline: str, outputs: str, draw: bool, fig_lang: str, opts: RunOptions) -> None:
    """Take SCENARIO's policies apart: each mechanism switched off in turn, and on alone.

    Runs the scenario, a variant without each mechanism and (for policies of several
    mechanisms) a variant with only that mechanism, against BASELINE under common random
    numbers. Writes OUT/decomposition.csv (per mechanism and outcome: the effect lost when it
    is switched off, its effect on its own, their shares of the full effect with 95%
    intervals, and the interaction), OUT/runs/ (the underlying comparison, resumable),
    OUT/manifest.json and a figure per policy in OUT/figures/.
    """
    from commsim.decompose import decompose, write_figures
    from commsim.report import fmt

    stem = scenario.replace("\\", "/").rsplit("/", 1)[-1].removesuffix(".toml")
    opts = replace(opts, out=opts.out or default_out("decompose", [stem]))
    result = decompose(scenario, baseline, opts, outcomes=[o.strip() for o in outputs.split(",") if o.strip()])
    table = result.table
    for outcome, block in table.groupby("outcome", sort=False):
        full = block[block["measure"] == "full"].iloc[0]
        num = lambda v, o=outcome: fmt.change_number(o, v)  # noqa: E731  (as comparison tables print it)
        click.echo(f"{outcome}: full effect {num(full['mean'])} [{num(full['ci_low'])}, {num(full['ci_high'])}]"
                   + (f" {u}" if (u := fmt.unit(outcome, "en", change=True)) else ""))
        for r in block[block["measure"].isin(["drop", "alone", "interaction"])].itertuples():
            # shares of an effect that prints as zero are noise over noise
            shown = r.share_of_full == r.share_of_full and abs(full["mean"]) >= fmt.resolution(outcome)
            share = f"  ({r.share_of_full:.0%} of the effect)" if shown else ""
            who = f"{r.mechanism}" if r.mechanism else "(together)"
            click.echo(f"  {who:<24} {r.measure:<11} {num(r.mean)} [{num(r.ci_low)}, {num(r.ci_high)}]{share}")
    click.echo(f"-> {opts.out}", err=True)
    if draw:
        written = write_figures(result, fig_lang)
        click.echo(f"figures: {len(written)} files in {opts.out / 'figures'}", err=True)


def register(group: click.Group) -> None:
    """Add ``commsim decompose`` to the ``commsim`` command group.

    Args:
        group: The top-level click group (``commsim.cli.cli``).
    """
    group.add_command(decompose_cmd)
