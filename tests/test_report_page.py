"""The brief prints on one A4 page from a real browser (Debian's chromium, headless): the widest
brief we support (ten policies, a robustness analysis, a scenario discovery and a sensitivity
analysis, a small-run warning) in English and in Chinese, and a plain one (one policy). The pages are counted
with pypdf. Without chromium the test is skipped, unless COMMSIM_REQUIRE_BROWSER is set (as
`make test`, hence CI, does): then it fails."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from commsim.cli import cli
from commsim.report import fonts

BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")
REQUIRED = bool(os.environ.get("COMMSIM_REQUIRE_BROWSER"))
HAS_CJK = fonts.find_cjk_font() is not None
pytestmark = pytest.mark.skipif(BROWSER is None and not REQUIRED,
                                reason="no chromium (scripts/install-browser.sh installs it)")
#: A4 in PostScript points, and chromium's rounding of it
A4 = (595.0, 842.0)


def print_pages(html: Path, tmp: Path) -> tuple[int, tuple[float, float]]:
    """Print ``html`` to PDF with headless chromium; (number of pages, size of the first page)."""
    from pypdf import PdfReader

    assert BROWSER is not None, "COMMSIM_REQUIRE_BROWSER is set but chromium is not installed"
    pdf = tmp / f"{html.stem}.pdf"
    with tempfile.TemporaryDirectory() as profile:
        cmd = [BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
               "--no-pdf-header-footer", f"--print-to-pdf={pdf}", html.resolve().as_uri()]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert pdf.is_file(), f"chromium wrote no PDF: {done.stderr[-2000:]}"
    reader = PdfReader(pdf)
    box = reader.pages[0].mediabox
    return len(reader.pages), (float(box.width), float(box.height))


@pytest.mark.parametrize("which", ["wide", "plain"])
def test_the_brief_prints_on_one_a4_page(which, wide_dir, pair_dir, tmp_path):
    folder = tmp_path / which
    shutil.copytree(wide_dir if which == "wide" else pair_dir, folder,
                    ignore=shutil.ignore_patterns("figures", "brief*", "annex*"))
    langs = ["en", "zh"] if HAS_CJK and which == "wide" else ["en"]  # the plain page: English will do
    result = CliRunner().invoke(cli, ["brief", str(folder), "--lang", "both" if len(langs) == 2 else "en"])
    assert result.exit_code == 0, result.output
    for lang in langs:
        pages, size = print_pages(folder / f"brief_{lang}.html", tmp_path)
        assert pages == 1, f"{which} brief_{lang}.html prints on {pages} pages"
        assert size == pytest.approx(A4, abs=1.5), "A4 paper"
    if which == "wide":  # the annex holds the rest: longer than a page
        assert print_pages(folder / "annex_en.html", tmp_path)[0] > 1
