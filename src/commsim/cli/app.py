"""Command ``app``: the interactive page (one run month by month, and the policy explorer)."""

from __future__ import annotations

from pathlib import Path

import click

from commsim.errors import stop_signal


@click.command("app")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True,
              help="Port on 127.0.0.1 to serve the page on (0: any free port).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Keep the policy explorer's runs in this folder (default: a temporary folder, "
                   "removed when the app stops).")
def app_cmd(port: int, out: Path | None) -> None:
    """Serve the interactive page on 127.0.0.1 and print its address (Ctrl-C stops it).

    Two views: one run of a scenario month by month in Mesa's SolaraViz (scenario, seed,
    horizon and key parameters as controls; the street's and the estates' monthly series), and
    at /explorer the policy explorer: choose a street, policies and their strengths, run a
    small ensemble with common random numbers and see the paired differences against the
    status quo with 95% intervals, a street series and the estates' series.
    """
    from commsim.app.server import serve

    try:
        serve(port, out, echo=lambda text: click.echo(text, err=True))
    except KeyboardInterrupt:
        click.echo("commsim app: stopped", err=True)
        raise SystemExit(128 + stop_signal()) from None


def register(group: click.Group) -> None:
    """Add ``commsim app`` to the ``commsim`` command group.

    Args:
        group: The top-level click group (``commsim.cli.cli``).
    """
    group.add_command(app_cmd)
