"""What the experiment scripts share: backend options, error handling, and figures.

Figures come from ``commsim.report`` (the same bilingual figures as ``commsim figures``): in
English always, in Chinese too when a CJK font is installed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path


def add_run_options(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--backend", default="local", choices=("local", "dask"))
    ap.add_argument("--scheduler", default=None)


def guarded(run: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """``run(args)``; a commsim error becomes one line on stderr and its exit code."""
    from commsim.errors import CommsimError

    try:
        return run(args)
    except CommsimError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code


def draw(folder: Path) -> list[Path]:
    """The standard figures of a results folder, into FOLDER/figures/ (en, and zh with a font)."""
    from commsim.report.figures import write_figures
    from commsim.report.fonts import find_cjk_font
    from commsim.report.results import load_results

    res = load_results(folder)
    langs = ["en", "zh"] if find_cjk_font() is not None else ["en"]
    return [p for lang in langs for paths in write_figures(res, folder / "figures", lang).values() for p in paths]
