"""Finding a font that can draw Chinese labels, at run time, from the system.

Matplotlib's bundled DejaVu Sans has no Chinese glyphs: without a CJK font every Chinese
character is drawn as an empty box. :func:`find_cjk_font` looks, in order, at
``COMMSIM_CJK_FONT`` (a font file or a family name), at the fonts matplotlib knows (Noto Sans
CJK, Source Han Sans, WenQuanYi, ... preferred in that order) and at ``fc-list :lang=zh``
(fonts installed after matplotlib built its cache), and accepts a font only if it really
holds the glyphs of a Chinese sample. :func:`require_cjk_font` turns "none found" into a
:class:`FontError` that says how to install one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from commsim.errors import CommsimError

#: preferred families, best first (simplified-Chinese faces before the others)
PREFERRED_FAMILIES: tuple[str, ...] = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
    "Noto Sans CJK", "Source Han Sans", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei",
    "Noto Sans CJK JP", "Noto Sans CJK TC", "Noto Serif CJK SC", "Source Han Serif SC",
    "Droid Sans Fallback", "AR PL UMing CN", "AR PL UKai CN",
)
#: characters a font must hold to be used (common words of the figures)
SAMPLE = "中文物业费收缴率投诉社区工作者负荷现状来源"

INSTALL_HINT = (
    "install one and try again: on Debian/Ubuntu 'sudo apt-get install fonts-noto-cjk' "
    "(or 'fonts-wqy-microhei'), on Fedora 'sudo dnf install google-noto-sans-cjk-fonts', "
    "on macOS/Windows a Chinese system font is usually present; 'make fonts' tries this for you. "
    "Or point COMMSIM_CJK_FONT at a font file, or use --lang en"
)


class FontError(CommsimError):
    """No font can draw Chinese text (``--lang zh``)."""


@dataclass(frozen=True)
class CJKFont:
    """A usable CJK font: the family name matplotlib knows it by, and its file."""

    family: str
    path: str


def _has_glyphs(path: str) -> bool:
    from matplotlib.ft2font import FT2Font

    try:
        face = FT2Font(path)
    except (OSError, RuntimeError, ValueError):
        return False
    return all(face.get_char_index(ord(ch)) != 0 for ch in SAMPLE)


def _register(path: str) -> CJKFont | None:
    """Add a font file to matplotlib and return it if it draws Chinese."""
    from matplotlib import font_manager

    if not Path(path).is_file() or not _has_glyphs(path):
        return None
    try:
        font_manager.fontManager.addfont(path)
        family = font_manager.FontProperties(fname=path).get_name()
    except (OSError, RuntimeError, ValueError):
        return None
    return CJKFont(family, path)


def _from_matplotlib() -> CJKFont | None:
    from matplotlib import font_manager

    by_name: dict[str, str] = {}
    for entry in font_manager.fontManager.ttflist:
        by_name.setdefault(entry.name, entry.fname)
    for family in PREFERRED_FAMILIES:
        path = by_name.get(family)
        if path and _has_glyphs(path):
            return CJKFont(family, path)
    return None


def _from_fontconfig() -> CJKFont | None:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    try:
        out = subprocess.run(
            [fc_list, ":lang=zh", "file"], capture_output=True, text=True, timeout=20, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    paths = sorted({line.split(":", 1)[0].strip() for line in out.splitlines() if line.strip()})
    for path in paths:
        font = _register(path)
        if font is not None:
            return font
    return None


def _from_environment() -> CJKFont | None:
    ref = os.environ.get("COMMSIM_CJK_FONT", "").strip()
    if not ref:
        return None
    if Path(ref).is_file():
        font = _register(ref)
        if font is None:
            raise FontError(f"COMMSIM_CJK_FONT={ref}: this font cannot draw Chinese characters")
        return font
    from matplotlib import font_manager

    for entry in font_manager.fontManager.ttflist:
        if entry.name == ref and _has_glyphs(entry.fname):
            return CJKFont(entry.name, entry.fname)
    raise FontError(f"COMMSIM_CJK_FONT={ref}: no such font file or font family with Chinese glyphs")


@cache
def _search() -> CJKFont | None:
    return _from_environment() or _from_matplotlib() or _from_fontconfig()


def find_cjk_font() -> CJKFont | None:
    """The system's best CJK font, or ``None`` (searched once per process)."""
    return _search()


def require_cjk_font() -> CJKFont:
    """The CJK font for ``--lang zh``; raises :class:`FontError` with install advice if none."""
    font = find_cjk_font()
    if font is None:
        raise FontError(
            "--lang zh: no font that can draw Chinese characters was found on this system; "
            + INSTALL_HINT
        )
    return font
