"""Command ``street``: a scenario file from a table of estates (CSV or Excel)."""

from __future__ import annotations

from pathlib import Path

import click

from commsim.cli.options import at_least
from commsim.errors import ParameterError
from commsim.io import OutputError, atomic_write


@click.command()
@click.option("--from", "table", required=True, type=click.Path(dir_okay=False, path_type=Path), metavar="TABLE",
              help="A .csv or .xlsx table, one row per estate (columns: community, name, type, households, fee; "
                   "optional occupancy, management, owners_committee, floor_area).")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), metavar="FILE.toml",
              help="The scenario file to write.")
@click.option("--name", default=None, help="[scenario] name (default: from --out).")
@click.option("--title", default=None, help="[scenario] title_en.")
@click.option("--months", type=int, default=60, show_default=True, callback=at_least(2), help="Months to simulate.")
@click.option("--burn-in", type=int, default=12, show_default=True, callback=at_least(0), help="Months before results count.")
@click.option("--sheet", default=None, help="Sheet of an Excel file (default: the first).")
@click.option("--overwrite", is_flag=True, help="Replace FILE.toml if it exists.")
def street(table: Path, out: Path, name: str | None, title: str | None, months: int, burn_in: int,
           sheet: str | None, overwrite: bool) -> None:
    """Turn a table of estates into a validated scenario file.

    Errors name the table's row (as a spreadsheet numbers it) and column. The file is written
    only when the whole street is valid; `commsim check FILE.toml` then estimates a run.
    """
    from commsim.street import street_from_table

    if burn_in >= months:
        raise ParameterError(f"--burn-in {burn_in}: must be less than --months ({months})")
    if out.suffix != ".toml":
        raise ParameterError(f"--out {out}: a scenario file ends in .toml")
    if out.exists() and not overwrite:
        raise OutputError(f"{out}: exists; give --overwrite to replace it")
    text, sc = street_from_table(table, out, name, months, burn_in, sheet, title)
    atomic_write(out, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    click.echo(f"{out}: {len(sc.communities)} communities, {len(sc.estates())} estates, {sc.households:,} households "
               f"(scenario {sc.name!r}); run it with: commsim run {out}")


def register(group: click.Group) -> None:
    """Add ``commsim street`` to the ``commsim`` command group.

    Args:
        group: The top-level click group (``commsim.cli.cli``).
    """
    group.add_command(street)
