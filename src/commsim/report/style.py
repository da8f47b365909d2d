"""Figure style shared by every plot: language and fonts, palette, source line, saving.

Scenario colours are the Okabe-Ito palette (Okabe & Ito 2008) without its yellow (faint on
white) and its black (the baseline's), followed by four dark colours (Paul Tol's indigo and wine,
a dark green and a brown) that stay apart from those six and from black under full protanopia,
deuteranopia and tritanopia (CAM02-UCS distance at least 10; checked by a test with
colorspacious): ten distinct colours, then the markers tell scenarios apart. Figures are 6.5 inches wide (a printed page's
text width) and saved as PNG at 300 dpi and as SVG with text as paths (renders without the
font installed). Sizes are fixed (no tight bounding box), so a figure of ``w x h`` inches is
a PNG of ``300 w x 300 h`` pixels.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from commsim.io import atomic_write  # noqa: E402
from commsim.report import fonts  # noqa: E402
from commsim.report.vocab import Lang  # noqa: E402

DPI = 300
WIDTH_IN = 6.5
#: Okabe-Ito colours (yellow is kept for reference only: too faint on white for lines and dots)
BLACK, ORANGE, SKY, GREEN, YELLOW, BLUE, VERMILLION, PURPLE = (
    "#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7",
)
#: dark colours distinct from the Okabe-Ito six and from black (Tol's indigo and wine)
INDIGO, WINE, DARK_GREEN, BROWN = "#332288", "#882255", "#225522", "#8C564B"
GREY = "#8C8C8C"
#: scenario colours after the baseline: ten distinct colours, none faint on white
SCENARIO_COLOURS: tuple[str, ...] = (BLUE, ORANGE, GREEN, VERMILLION, SKY, PURPLE, INDIGO, WINE, BROWN, DARK_GREEN)
#: scenario markers; 8 markers against 10 colours, so the (colour, marker) pair of scenario i
#: repeats only after 40 scenarios, and the 11th scenario differs from the 1st by its marker
SCENARIO_MARKERS: tuple[str, ...] = ("o", "s", "^", "D", "v", "P", "X", "*")
BETTER, WORSE, UNCLEAR = BLUE, VERMILLION, GREY

_BASE_RC = {
    "svg.fonttype": "path",
    "axes.unicode_minus": True,
    "font.size": 8.5,
    "axes.titlesize": 9,
    "axes.labelsize": 8.5,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 7.5,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#E5E5E5",
    "grid.linewidth": 0.6,
    "axes.axisbelow": True,
    "savefig.dpi": DPI,
    "figure.dpi": 100,
}


@contextmanager
def language(lang: Lang) -> Iterator[None]:
    """Fonts for ``lang`` while figures are drawn and saved; ``zh`` needs a CJK font."""
    if lang == "zh":
        families = [fonts.require_cjk_font().family, "DejaVu Sans"]
    else:
        cjk = fonts.find_cjk_font()
        families = ["DejaVu Sans"] + ([cjk.family] if cjk else [])
    rc = {**_BASE_RC, "font.family": "sans-serif", "font.sans-serif": families}
    with matplotlib.rc_context(rc):
        yield


def scenario_colours(scenarios: Sequence[str], baseline: str | None) -> dict[str, str]:
    """A fixed colour per scenario: black for the baseline, then the palette in order."""
    out: dict[str, str] = {}
    i = 0
    for name in scenarios:
        if name == baseline:
            out[name] = BLACK
        else:
            out[name] = SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)]
            i += 1
    return out


def scenario_markers(scenarios: Sequence[str], baseline: str | None) -> dict[str, str]:
    """A fixed marker per scenario, in the order of :func:`scenario_colours` (baseline: "o")."""
    out: dict[str, str] = {}
    i = 0
    for name in scenarios:
        if name == baseline:
            out[name] = "o"
        else:
            out[name] = SCENARIO_MARKERS[i % len(SCENARIO_MARKERS)]
            i += 1
    return out


#: approximate advance of one character of the 6-point source line, inches (wide: CJK)
_CHAR_IN, _WIDE_CHAR_IN = 0.047, 0.085


def wrap_to_width(text: str, width_in: float) -> str:
    """Greedy wrap by estimated printed width (CJK characters count wider), breaking at the
    last space when there is one on the line, else between characters (Chinese)."""
    lines, line, used = [], "", 0.0
    for c in text:
        w = _WIDE_CHAR_IN if ord(c) > 0x2E80 else _CHAR_IN
        if used + w > width_in and line:
            cut = line.rfind(" ")
            if cut > 0:
                lines.append(line[:cut])
                line = line[cut + 1:]
            else:
                lines.append(line)
                line = ""
            used = sum(_WIDE_CHAR_IN if ord(x) > 0x2E80 else _CHAR_IN for x in line)
        line += c
        used += w
    lines.append(line)
    return "\n".join(ln.rstrip() for ln in lines)


#: heights (inches) of one line of the source line and of one legend row
SOURCE_LINE_IN = 0.11
LEGEND_ROW_IN = 0.2


def new_figure(height_in: float) -> Figure:
    """A figure of page width; the bottom is kept for the legend and the source line."""
    fig = plt.figure(figsize=(WIDTH_IN, height_in), layout="constrained")
    fig._commsim_bottom = {"source_lines": 1, "legend_rows": 0, "legend": None}  # type: ignore[attr-defined]
    _relayout(fig)
    return fig


def _relayout(fig: Figure) -> None:
    state = fig._commsim_bottom  # type: ignore[attr-defined]
    h = fig.get_figheight()
    source = 0.07 + SOURCE_LINE_IN * state["source_lines"]
    legend = LEGEND_ROW_IN * state["legend_rows"] + (0.06 if state["legend_rows"] else 0.0)
    fig.get_layout_engine().set(rect=(0, (source + legend) / h, 1, 1 - (source + legend) / h))
    if state["legend"] is not None:
        state["legend"].set_bbox_to_anchor((0.5, source / h), transform=fig.transFigure)


def _fit_columns(handles: Sequence, most: int) -> int:
    """Most legend columns (up to ``most``) whose widest label still fits the page width."""
    labels = [str(h.get_label()) for h in handles]
    widest = max((sum(0.105 if ord(c) > 0x2E80 else 0.058 for c in t) for t in labels), default=0.0)
    for ncols in range(min(most, len(handles)), 1, -1):
        if ncols * (widest + 0.45) <= WIDTH_IN - 0.2:
            return ncols
    return 1


def legend_below(fig: Figure, handles: Sequence, ncols: int) -> None:
    """A legend centred under the plots, above the source line (at most ``ncols`` columns)."""
    ncols = _fit_columns(handles, max(ncols, 1))
    leg = fig.legend(handles=handles, loc="lower center", ncols=ncols, borderaxespad=0.0,
                     handlelength=1.8, columnspacing=1.4)
    state = fig._commsim_bottom  # type: ignore[attr-defined]
    state["legend"], state["legend_rows"] = leg, math.ceil(len(handles) / ncols)
    _relayout(fig)


def source_line(fig: Figure, text: str) -> None:
    """The small grey provenance line at the bottom left of a figure."""
    wrapped = wrap_to_width(text, WIDTH_IN - 0.3)
    fig.text(0.01, 0.025 / fig.get_figheight(), wrapped, fontsize=6, color="#555555", ha="left", va="bottom")
    fig._commsim_bottom["source_lines"] = wrapped.count("\n") + 1  # type: ignore[attr-defined]
    _relayout(fig)


def source_text(
    lang: Lang,
    version: str,
    scenarios: Sequence[str],
    replicates: int | None,
    base_seed: int | None,
    extra: str = "",
) -> str:
    """"Source: commsim 0.1.0 · scenarios baseline, x · 20 replicates each · base seed 1"."""
    names = ", ".join(scenarios)
    if lang == "zh":
        parts = [f"来源：commsim {version}", f"情景 {names}"]
        if replicates:
            parts.append(f"每个情景{replicates}次重复运行")
        if base_seed is not None:
            parts.append(f"基准随机种子{base_seed}")
    else:
        parts = [f"Source: commsim {version}", f"scenarios {names}"]
        if replicates:
            parts.append(f"{replicates} replicates each")
        if base_seed is not None:
            parts.append(f"base seed {base_seed}")
    if extra:
        parts.append(extra)
    return " · ".join(parts)


#: matplotlib's warning when a character is drawn as an empty box
MISSING_GLYPH = r"Glyph \d+ .* missing from font"


def save(fig: Figure, stem: Path, formats: Sequence[str] = ("png", "svg")) -> list[Path]:
    """Write ``stem.png`` (300 dpi) and ``stem.svg`` atomically; closes the figure.

    A character the fonts cannot draw is an error (:class:`~commsim.report.fonts.FontError`),
    never an empty box in a finished figure.
    """
    paths = []
    try:
        for fmt in formats:
            path = stem.with_name(f"{stem.name}.{fmt}")
            meta = {"Date": None} if fmt == "svg" else {"Software": None}
            with warnings.catch_warnings():
                warnings.filterwarnings("error", message=MISSING_GLYPH)
                try:
                    atomic_write(path, lambda tmp, f=fmt, m=meta: fig.savefig(tmp, format=f, dpi=DPI, metadata=m))
                except UserWarning as exc:
                    raise fonts.FontError(
                        f"{path}: {exc} (fonts tried: {', '.join(matplotlib.rcParams['font.sans-serif'][:2])}); "
                        + fonts.INSTALL_HINT) from None
            paths.append(path)
    finally:
        plt.close(fig)
    return paths


def png_size(fig: Figure) -> tuple[int, int]:
    """Pixel size of the figure's PNG at print resolution."""
    w, h = fig.get_size_inches()
    return round(w * DPI), round(h * DPI)
