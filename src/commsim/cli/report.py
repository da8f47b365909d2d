"""Commands ``figures`` and ``brief``: from a comparison folder to figures and a policy brief."""

from __future__ import annotations

from pathlib import Path

import click

from commsim.report.results import load_results
from commsim.store import check_complete

LANG = click.option("--lang", type=click.Choice(["zh", "en"]), default="en", show_default=True,
                    help="Language of labels and text; zh needs a Chinese (CJK) font.")
METRIC = click.option("--metric", default=None, metavar="COLUMN",
                      help="Outcome to lead with (a summary column, default mean_collection_rate).")


@click.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@LANG
@METRIC
def figures(folder: Path, lang: str, metric: str | None) -> None:
    """Draw the standard figures of FOLDER (output of 'commsim compare') into FOLDER/figures/.

    PNG at 300 dpi and SVG, named <figure>_<lang>.png/.svg.
    """
    from commsim.report.figures import write_figures
    from commsim.report.results import ReportError

    check_complete(folder)  # a finished, unmixed folder only (commsim.store)
    res = load_results(folder)
    if metric is not None and res.comparison is not None and metric not in res.metrics():
        raise ReportError(f"--metric {metric}: not a metric of {folder / 'comparison.csv'}")
    written = write_figures(res, res.folder / "figures", lang, primary=metric or "mean_collection_rate")  # type: ignore[arg-type]
    if not written:
        raise ReportError(f"{folder}: nothing to draw")
    for name, paths in written.items():
        click.echo(f"{name}: {', '.join(str(p) for p in paths)}")


@click.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@LANG
@METRIC
@click.option("--sensitivity", type=click.Path(path_type=Path), default=None, metavar="PATH",
              help="Output folder (or sensitivity.csv) of 'commsim sensitivity' to rank the assumptions "
                   "(default: FOLDER/sensitivity.csv if present).")
def brief(folder: Path, lang: str, metric: str | None, sensitivity: Path | None) -> None:
    """Write a one-page policy brief of FOLDER: FOLDER/brief.html (self-contained) and brief.md."""
    from commsim.report.brief import write_brief
    from commsim.report.results import ReportError

    check_complete(folder, sensitivity)  # finished, unmixed folders only (commsim.store)
    res = load_results(folder, sensitivity)
    if metric is not None and (res.comparison is None or metric not in res.metrics()):
        raise ReportError(f"--metric {metric}: not a metric of {folder / 'comparison.csv'}")
    out = write_brief(folder, lang, metric, sensitivity)  # type: ignore[arg-type]
    click.echo(f"brief: {out['html']} and {out['md']} (this language: {out['html_lang']} and {out['md_lang']})")


def register(group: click.Group) -> None:
    for command in (figures, brief):
        group.add_command(command)
