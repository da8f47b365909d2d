"""`commsim app` in a real browser: the command starts the server on a free port and prints
its address; headless chromium (Debian's, driven by Playwright) opens both views, steps the
one-run view and runs the policy explorer, and each shows its plots. Without chromium the
test is skipped, unless COMMSIM_REQUIRE_BROWSER is set (as `make test`, hence CI, does): then
it fails."""

from __future__ import annotations

import os
import re
import selectors
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest

from commsim.params import PARAMETERS
from commsim.report import fmt

BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")
REQUIRED = bool(os.environ.get("COMMSIM_REQUIRE_BROWSER"))
pytestmark = pytest.mark.skipif(BROWSER is None and not REQUIRED,
                                reason="no chromium (scripts/install-browser.sh installs it)")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
#: images the page shows that hold a drawn figure (not icons)
PLOTS = "img[src^='data:image/png'], img[src^='blob:']"


@pytest.fixture(scope="module")
def app_url(tmp_path_factory) -> Iterator[str]:
    """``commsim app --port 0`` running; its address, read from what it prints."""
    out = tmp_path_factory.mktemp("app_runs")
    proc = subprocess.Popen([sys.executable, "-m", "commsim", "app", "--port", "0", "--out", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    url = None
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stderr, selectors.EVENT_READ)
        deadline = time.monotonic() + 90
        while url is None and time.monotonic() < deadline and proc.poll() is None:
            if sel.select(timeout=1):
                line = proc.stderr.readline()
                lines.append(line)
                found = re.search(r"open (http://127\.0\.0\.1:\d+/) ", line)
                url = found.group(1) if found else None
    if url is None:
        proc.kill()
        pytest.fail("commsim app printed no address:\n" + "".join(lines) + proc.stderr.read())
    drain = threading.Thread(target=lambda: lines.extend(proc.stderr), daemon=True)  # keep the pipe flowing
    drain.start()
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    assert not [ln for ln in lines if "Traceback" in ln], "".join(lines)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert BROWSER is not None, "COMMSIM_REQUIRE_BROWSER is set but chromium is not installed"
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=BROWSER, args=CHROMIUM_ARGS)  # a fresh profile each launch
        yield chromium
        chromium.close()


def _plots_drawn(page, at_least: int, timeout_ms: int) -> int:
    page.wait_for_function(
        "([sel, n]) => [...document.querySelectorAll(sel)].filter(i => i.complete && i.naturalWidth > 200).length >= n",
        arg=[PLOTS, at_least], timeout=timeout_ms)
    return page.locator(PLOTS).count()


def test_the_one_run_view_steps_and_plots(app_url, browser, tmp_path):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(app_url)
    step = page.get_by_role("button", name="Step", exact=True)
    step.wait_for(timeout=30_000)
    assert page.get_by_text("Step: 0").is_visible()
    step.click()
    page.get_by_text("Step: 1").wait_for(timeout=20_000)
    assert _plots_drawn(page, 2, 20_000) >= 2  # the street series and the estates' series
    assert page.get_by_text("month 1 of 60").is_visible()  # the run's own table follows the model
    page.get_by_role("button", name="Reset").click()  # rebuilds the model from the sidebar's sliders,
    page.get_by_text("Step: 0").wait_for(timeout=20_000)  # untouched: at the defaults
    row = page.locator("table.commsim-table tr", has_text="Baseline willingness to pay").inner_text()
    default = fmt.plain(PARAMETERS["pay_intercept"].default)
    assert row.count(default) >= 2, row  # this run's value and the default
    page.screenshot(path=tmp_path / "one_run.png")
    page.close()


def test_the_explorer_runs_an_ensemble_and_plots_the_differences(app_url, browser, tmp_path):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(app_url + "explorer")
    page.get_by_text("Ensemble", exact=True).wait_for(timeout=30_000)
    ensemble = page.locator(".v-card", has_text="Ensemble")
    for slider in range(2):  # replicates and months to their least (Home key), to keep the run short
        ensemble.get_by_role("slider").nth(slider).focus()
        page.keyboard.press("Home")
    run = page.get_by_role("button", name=re.compile(r"^Run \d+ runs$"))
    run.filter(has_text="Run 4 runs").wait_for(timeout=10_000)  # 2 replicates of the status quo and 1 policy
    run.click()
    page.get_by_text("Fee collection rate").first.wait_for(timeout=60_000)
    assert _plots_drawn(page, 3, 60_000) >= 3  # forest plot, street series, estates' series
    table = page.locator("table.commsim-table")
    assert table.get_by_text("Suzhou alliance of neighbourhoods").count() == 6  # a row per outcome
    assert page.get_by_text("2 scenarios x 2 replicates").is_visible()
    page.screenshot(path=tmp_path / "explorer.png", full_page=True)
    page.close()
