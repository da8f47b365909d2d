"""What the brief's words and the terminal mean: --lang decides brief.html's language; an outcome
without a better direction (complaints filed) is never called worse or better and is explained;
a change fixed by a policy's rules is a number, not a degenerate interval; `compare` prints
differences in their units with intervals, without p-values."""

from __future__ import annotations

import re
import shutil

import pandas as pd
import pytest
from click.testing import CliRunner

from commsim.cli import cli
from commsim.cli.experiments import print_comparison
from commsim.metrics import direction
from commsim.report import fmt, fonts
from commsim.report.plots import fixed

HAS_CJK = fonts.find_cjk_font() is not None
EITHER = "mean_complaints_per_1000_households"


def _brief(folder, *args: str) -> str:
    result = CliRunner().invoke(cli, ["brief", str(folder), *args])
    assert result.exit_code == 0, result.output
    return result.output


def _make_complaints_rise(folder, scenario: str) -> None:
    """Let ``scenario`` clearly raise complaints filed (as Xi'an's staffing norm does on the real street)."""
    df = pd.read_csv(folder / "comparison.csv")
    hit = (df["metric"] == EITHER) & (df["scenario"] == scenario)
    df.loc[hit, ["diff", "diff_ci_low", "diff_ci_high", "higher_is_better"]] = [8.2, 7.2, 8.8, False]
    df.to_csv(folder / "comparison.csv", index=False)


@pytest.fixture(scope="module")
def english(comparison_dir, tmp_path_factory):
    """A comparison in which Xi'an's norm clearly raises complaints filed, briefed with --lang en."""
    folder = tmp_path_factory.mktemp("meaning") / "cmp"
    shutil.copytree(comparison_dir, folder, ignore=shutil.ignore_patterns("figures", "brief*", "annex*"))
    _make_complaints_rise(folder, "xian_staffing")
    _brief(folder, "--lang", "en")
    return folder


def test_lang_en_writes_english_only_and_brief_html_in_english(english):
    names = {p.name for p in english.iterdir() if p.suffix in (".html", ".md")}
    assert names == {"brief.html", "brief.md", "brief_en.html", "brief_en.md", "annex_en.html", "annex_en.md"}
    assert (english / "brief.html").read_text("utf-8") == (english / "brief_en.html").read_text("utf-8")


@pytest.mark.skipif(not HAS_CJK, reason="no CJK font installed")
def test_lang_zh_and_both_decide_the_language_of_brief_html(comparison_dir, tmp_path):
    folder = tmp_path / "cmp"
    shutil.copytree(comparison_dir, folder, ignore=shutil.ignore_patterns("figures", "brief*", "annex*"))
    _brief(folder, "--lang", "zh")
    assert '<html lang="zh-CN">' in (folder / "brief.html").read_text("utf-8")
    assert not (folder / "brief_en.html").exists()
    assert "住户在已有投诉未办结时不会再提出新投诉" in (folder / "brief_zh.md").read_text("utf-8")
    out = _brief(folder, "--lang", "both")
    for name in ("brief_en.html", "brief_zh.html", "annex_en.html", "annex_zh.html", "brief_en.md", "annex_zh.md"):
        assert (folder / name).is_file(), name
    assert (folder / "brief.html").read_text("utf-8") == (folder / "brief_en.html").read_text("utf-8")
    assert "brief.html (English)" in out


def test_more_complaints_filed_is_not_called_worse_and_is_explained(english):
    assert direction(EITHER) == "ambiguous"
    brief, annex = (english / "brief_en.md").read_text("utf-8"), (english / "annex_en.md").read_text("utf-8")
    for text in (brief, annex):
        assert "a household files no new complaint while one is open" in text
        # before directions came from commsim.metrics: "note that Xi'an ... changes complaints by +8.2"
        assert not re.search(r"note that [^.;]*complaints by \+8\.2", text)
    row = next(ln for ln in brief.splitlines() if ln.startswith("| Xi'an"))
    assert "**+8.2** [+7.2, +8.8]" in row  # shown, bold as a clear change, whatever its direction


def test_a_fixed_change_is_a_number_without_an_interval(english):
    """A cost set by a policy's rules (the same in every paired run) is "+N (fixed)", in the table,
    the sentences and the annex; never "[+N, +N]"."""
    df = pd.read_csv(english / "comparison.csv")
    cost = "mean_public_cost_yuan"
    rows = df[(df["metric"] == cost) & (df["scenario"] != df["baseline"])]
    pinned = rows[[fixed(r) and r["diff"] != 0 for _, r in rows.iterrows()]]
    assert not pinned.empty, "the test street's Xi'an norm changes a fixed staff cost"
    for name in ("brief_en.md", "annex_en.md"):
        text = (english / name).read_text("utf-8")
        for _, r in pinned.iterrows():
            d = fmt.change_number(cost, r["diff"])
            assert f"{d} (fixed)" in text or f"**{d}** (fixed)" in text, name
            assert f"[{d}, {d}]" not in text and f"interval {d} to {d}" not in text, name
    assert "same in every paired run" in (english / "brief_en.md").read_text("utf-8")
    html = (english / "brief_en.html").read_text("utf-8")
    assert '<span class="ci">(fixed)</span>' in html and '<span class="ci">[' in html


def test_compare_prints_changes_in_their_units_without_p_values(comparison_dir, capsys):
    table = pd.read_csv(comparison_dir / "comparison.csv")
    print_comparison(table)
    out = capsys.readouterr().out
    assert "p_adj" not in out and "e-" not in out
    rate = table[(table["metric"] == "mean_collection_rate") & (table["scenario"] == "pay_campaign")].iloc[0]
    line = next(ln for ln in out.splitlines() if "pay_campaign" not in ln and "Fee collection rate" in ln)
    assert fmt.change_number("mean_collection_rate", rate["diff"]) in line and "percentage points" in line
    lo, hi = (fmt.change_number("mean_collection_rate", rate[c]) for c in ("diff_ci_low", "diff_ci_high"))
    assert f"[{lo}, {hi}]" in line
    complaints = [ln for ln in out.splitlines() if re.match(r"^\s+Complaints\s{2,}", ln)]
    # filed complaints have no better direction: never "better in x% of runs"; a variant that
    # leaves them unchanged in every run says so instead
    assert complaints and all("better in" not in ln for ln in complaints)
    assert any("no better direction" in ln for ln in complaints)
    assert "the same in every run" in out  # the fixed staff cost of the Xi'an norm
