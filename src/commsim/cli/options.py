"""The options every ensemble command shares, turned into one :class:`RunOptions`.

``@experiment_options(default_reps)`` adds ``--reps --months --seed --out --workers --backend
--scheduler --set --overwrite --chunk --yes --max-memory`` (and ``--vary``) to a command and
hands the command a single ``opts`` argument built from them. ``@run_options`` adds the
first ten as separate arguments (for commands not yet moved to ``opts``).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable

import click

from commsim.experiment import BACKENDS, RunOptions
from commsim.scenario import parse_set_options
from commsim.uncertainty import parse_vary_option

SET_HELP = "Override a parameter in every scenario it concerns, NAME=VALUE (repeatable); validated like the file."
VARY_HELP = ("Vary a parameter across replicates (Latin hypercube, the same sample for every "
             "scenario): NAME (its range in the parameter table), NAME=LOW:HIGH or NAME=a,b,c. Repeatable.")
#: the options ``run_options`` adds, by their parameter names
SHARED = ("reps", "months", "seed", "out", "workers", "backend", "scheduler", "sets", "overwrite", "chunk")


def at_least(low: int) -> Callable:
    """A click callback that rejects a value below ``low``.

    Args:
        low: Smallest value the option accepts; ``None`` (option not given) passes.

    Returns:
        The callback; it raises ``click.BadParameter`` ("must be at least ``low``").
    """
    def check(ctx, param, value):
        if value is not None and value < low:
            raise click.BadParameter(f"must be at least {low}")
        return value

    return check


def run_options(default_reps: int) -> Callable:
    """Options shared by the ensemble commands, as separate arguments of the command."""

    def decorate(fn: Callable) -> Callable:
        opts = [
            click.option("--reps", default=default_reps, show_default=True, callback=at_least(1), help="Replicates (Monte Carlo runs) per scenario or design point."),
            click.option("--months", type=int, default=None, callback=at_least(1), help="Months to simulate (default: each scenario's)."),
            click.option("--seed", type=int, default=1, show_default=True, callback=at_least(0), help="Base seed; replicate r of every scenario uses the seed derived from (seed, r)."),
            click.option("--out", type=click.Path(file_okay=False), default=None, help="Output folder (default: results/<command>_<scenarios>)."),
            click.option("--workers", type=int, default=None, callback=at_least(1), help="Worker processes (default: all cores; 1 = in this process)."),
            click.option("--backend", type=click.Choice(BACKENDS), default="local", show_default=True, help="local process pool, or Dask distributed."),
            click.option("--scheduler", default=None, metavar="ADDRESS", help="Dask scheduler address (tcp://host:8786); without it --backend dask starts a LocalCluster."),
            click.option("--set", "sets", multiple=True, metavar="NAME=VALUE", help=SET_HELP),
            click.option("--overwrite", is_flag=True, help="Discard runs already in the output folder instead of resuming."),
            click.option("--chunk", type=int, default=None, callback=at_least(1), help="Runs sent to a worker at a time (default: about 3 s of CPU time)."),
        ]
        for opt in reversed(opts):
            fn = opt(fn)
        return fn

    return decorate


def _gigabytes(ctx, param, value):
    if value is not None and not 0 < value < float("inf"):
        raise click.BadParameter("must be a positive number of gigabytes")
    return value


def options_from_cli(values: dict, vary: tuple[str, ...] = (), yes: bool = False, max_memory: float | None = None) -> RunOptions:
    """A RunOptions from the parsed shared options (``--set`` and ``--vary`` parsed here)."""
    interactive = sys.stdin is not None and sys.stdin.isatty()
    return RunOptions(
        reps=values["reps"], months=values["months"], seed=values["seed"], out=values["out"],
        workers=values["workers"], backend=values["backend"], scheduler=values["scheduler"],
        sets=parse_set_options(list(values["sets"])), overwrite=values["overwrite"], chunk=values["chunk"],
        vary=tuple(parse_vary_option(v) for v in vary), yes=yes,
        max_memory=max_memory * 1e9 if max_memory is not None else None,
        progress=True, argv=tuple(sys.argv[1:]), echo=lambda s: click.echo(s, err=True),
        confirm=(lambda q: click.confirm(q, default=False, err=True)) if interactive else None,
    )


def experiment_options(default_reps: int, vary_help: str | None = VARY_HELP, out_help: str | None = None) -> Callable:
    """The shared options (``run_options`` plus ``--yes``, ``--max-memory`` and, unless
    ``vary_help`` is None, ``--vary``), handed to the command as one ``opts: RunOptions``."""

    def decorate(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def command(*args, **kwargs):
            values = {name: kwargs.pop(name) for name in SHARED}
            extra = {"vary": kwargs.pop("vary", ()), "yes": kwargs.pop("yes"), "max_memory": kwargs.pop("max_memory")}
            return fn(*args, opts=options_from_cli(values, **extra), **kwargs)

        opts = [
            click.option("--yes", is_flag=True, help="Start a design of more than 20,000 runs without asking."),
            click.option("--max-memory", type=float, default=None, metavar="GB", callback=_gigabytes,
                         help="Memory the runs may use (default: what this machine has available); runs that need more are refused."),
        ]
        if vary_help is not None:
            opts.append(click.option("--vary", multiple=True, metavar="SPEC", help=vary_help))
        for opt in reversed(opts):
            command = opt(command)
        command = run_options(default_reps)(command)
        if out_help is not None:
            for param in command.__click_params__:
                if param.name == "out":
                    param.help = out_help
        return command

    return decorate
