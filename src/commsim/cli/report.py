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
    """Draw the standard figures of FOLDER into FOLDER/figures/.

    FOLDER is the output of 'commsim compare', 'sweep' or 'sensitivity' (the kind is read from
    FOLDER/manifest.json): a comparison gets forest, cost-effectiveness, time-series and estate
    plots; a sweep each key outcome against each swept parameter with bands; a sensitivity run
    Morris mu*/sigma or Sobol S1/ST bars with intervals. PNG at 300 dpi and SVG, named
    <figure>_<lang>.png/.svg.
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


BRIEF_LANG = click.option(
    "--lang", type=click.Choice(["en", "zh", "both"]), default="en", show_default=True,
    help="en: brief_en.html, annex_en.html and brief.html in English. zh: brief_zh.html, annex_zh.html and "
         "brief.html in Chinese (needs a CJK font). both: both languages, brief.html in English.")


@click.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@BRIEF_LANG
@METRIC
@click.option("--sensitivity", type=click.Path(path_type=Path), default=None, metavar="PATH",
              help="Output folder (or sensitivity.csv) of 'commsim sensitivity' to rank the assumptions "
                   "(default: FOLDER/sensitivity.csv if present).")
def brief(folder: Path, lang: str, metric: str | None, sensitivity: Path | None) -> None:
    """Write a one-page policy brief of FOLDER (output of 'commsim compare') and its annex.

    FOLDER/brief_<lang>.html is one A4 page: which policy, how much, how sure, at what public
    cost, with what side effects, and where it fails (led by FOLDER/robustness.csv and
    discovery.csv when present). FOLDER/annex_<lang>.html holds the full tables, figures,
    assumptions, method and caveats. FOLDER/brief.html is the brief in the language of --lang
    (English for --lang both). Every page is self-contained (figures embedded); .md copies too.
    """
    from commsim.report.brief import write_brief
    from commsim.report.results import ReportError

    check_complete(folder, sensitivity)  # finished, unmixed folders only (commsim.store)
    res = load_results(folder, sensitivity)
    if metric is not None and (res.comparison is None or metric not in res.metrics()):
        raise ReportError(f"--metric {metric}: not a metric of {folder / 'comparison.csv'}")
    out = write_brief(folder, lang, metric, sensitivity)
    main = "English" if lang in ("en", "both") else "Chinese"
    for code in ("en", "zh"):
        if f"brief_{code}_html" in out:
            click.echo(f"brief ({code}): {out[f'brief_{code}_html']} (one page); annex: {out[f'annex_{code}_html']}")
    click.echo(f"brief.html ({main}): {out['html']}")


def register(group: click.Group) -> None:
    """Add ``figures`` and ``brief`` to the ``commsim`` command group.

    Args:
        group: The top-level click group (``commsim.cli.cli``).
    """
    for command in (figures, brief):
        group.add_command(command)
