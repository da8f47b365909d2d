"""The brief with a robustness analysis: when the comparison folder holds robustness.csv (and
discovery.csv), the answer leads with how often the policy wins across plausible worlds and where
it fails, every number of it taken from those files; without them it says that its intervals
cover simulation noise only; broken files give one line naming the file and the row."""

from __future__ import annotations

import re
import shutil

import pandas as pd
import pytest
from click.testing import CliRunner

from commsim.cli import cli
from commsim.report import fmt
from tests.report_fixtures import write_robustness
from tests.test_report_brief import comparison_tokens, page, sections, tokens


@pytest.fixture()
def robust(comparison_dir, tmp_path):
    folder = tmp_path / "cmp"
    shutil.copytree(comparison_dir, folder, ignore=shutil.ignore_patterns("figures", "brief*", "annex*"))
    return write_robustness(folder)


@pytest.fixture(scope="module")
def briefed(comparison_dir, tmp_path_factory):
    """A comparison with robustness.csv and discovery.csv, briefed in English."""
    folder = tmp_path_factory.mktemp("robust") / "cmp"
    shutil.copytree(comparison_dir, folder, ignore=shutil.ignore_patterns("figures", "brief*", "annex*"))
    write_robustness(folder)
    result = CliRunner().invoke(cli, ["brief", str(folder), "--lang", "en"])
    assert result.exit_code == 0, result.output
    return folder


def _items(answer: str) -> list[str]:
    return [ln[2:] for ln in answer.strip().splitlines() if ln.startswith("- ")]


def robustness_tokens(folder) -> set[str]:
    """robustness.csv and discovery.csv cells, formatted as the brief formats them."""
    out: set[str] = set()
    df = pd.read_csv(folder / "robustness.csv")
    for _, r in df.iterrows():
        m = r["outcome"]
        out |= {fmt.number(r["n_worlds"], 0), fmt.probability(r["share_better"]).rstrip("%"),
                fmt.probability(r["prob_best"]).rstrip("%")}
        out |= {fmt.change_number(m, r[c]) for c in ("median_diff", "diff_p05", "diff_p95", "noise_diff",
                                                     "noise_ci_low", "noise_ci_high")}
        if "margin" in r and r["margin"] == r["margin"]:  # the tie margin, one digit finer than the tables
            assert r["margin"] == pytest.approx(fmt.resolution(m))
            out |= tokens(fmt.resolution_text(m, "en"))
    boxes = pd.read_csv(folder / "discovery.csv")
    for _, b in boxes.iterrows():
        out |= {fmt.probability(b["coverage"]).rstrip("%"), fmt.probability(b["density"]).rstrip("%"),
                str(int(b["box"])), fmt.number(b["n_cases"], 0)}
        out |= tokens(b["text_en"]) | tokens(b["text_zh"])
    return out


def test_the_answer_leads_with_plausible_worlds_and_where_it_fails(briefed):
    robust = briefed
    items = _items(page(robust)["answer"])
    assert items[0].startswith("**Across plausible worlds:**") and items[1].startswith("**Where it fails:**")
    assert items[2].startswith("**How much, under the default assumptions:**")
    rob = pd.read_csv(robust / "robustness.csv")
    row = rob[(rob["scenario"] == "pay_campaign") & (rob["outcome"] == "mean_collection_rate")
              & (rob["comparator"] == "small")].iloc[0]
    assert f"On the fee collection rate, the outcome is better under Higher willingness to pay than under Status quo (test street) " \
           f"in {fmt.probability(row['share_better'])} of {row['n_worlds']} plausible worlds" in items[0]
    assert f"5–95% range {fmt.change_number('mean_collection_rate', row['diff_p05'])} to " in items[0]
    box = pd.read_csv(robust / "discovery.csv").query("scenario == 'pay_campaign' and box == 1").iloc[0]
    assert box["text_en"].rstrip(".") in items[1] and fmt.probability(box["coverage"]) in items[1]
    assert items[1].count(fmt.probability(box["coverage"])) == 1  # said once, not again after the sentence
    assert "noise only" in items[3]  # the default-assumption intervals say what they cover
    allowed = comparison_tokens(robust) | robustness_tokens(robust)
    stray = tokens("\n".join(items)) - allowed - {"5", "95"}  # "5–95% range"
    assert not stray, sorted(stray)
    table = page(robust)["table"]
    assert "Beats Status quo (test street) in plausible worlds" in table
    assert fmt.probability(row["share_better"]) in next(ln for ln in table.splitlines() if "Higher willingness" in ln)


def test_the_annex_tabulates_the_worlds_and_lists_the_boxes(briefed):
    robust = briefed
    part = sections((robust / "annex_en.md").read_text("utf-8"))["robustness"]
    assert "robustness.csv" in part and "discovery.csv" in part
    assert part.count("box 1:") == 3 and part.count("box 2:") == 3
    assert not tokens(part) - comparison_tokens(robust) - robustness_tokens(robust) - {"5", "95"}


def test_without_discovery_the_brief_says_it_cannot_say_where(robust):
    (robust / "discovery.csv").unlink()
    assert CliRunner().invoke(cli, ["brief", str(robust), "--lang", "en"]).exit_code == 0
    items = _items(page(robust)["answer"])
    assert items[1].startswith("**Where it fails:**") and "no scenario discovery was run" in items[1]


@pytest.mark.parametrize(("file", "edit", "message"), [
    ("robustness.csv", lambda df: df.assign(direction=["up"] + list(df["direction"][1:])),
     "robustness.csv: row 2: direction: expected higher, lower or ambiguous"),
    ("robustness.csv", lambda df: df.assign(share_better=[1.5] + list(df["share_better"][1:])),
     "robustness.csv: row 2: share_better: expected a share from 0 to 1"),
    ("robustness.csv", lambda df: df.drop(columns=["prob_best"]), "robustness.csv: missing column(s) prob_best"),
    ("discovery.csv", lambda df: df.assign(box=[-1] + list(df["box"][1:])),
     "discovery.csv: row 2: box: expected a whole number from 0"),
    ("discovery.csv", lambda df: df.assign(box=[0] + list(df["box"][1:])),
     "discovery.csv: row 2: parameter: box 0 (no box) restricts no parameter"),
])
def test_broken_robustness_files_give_one_line(robust, file, edit, message):
    df = pd.read_csv(robust / file)
    edit(df).to_csv(robust / file, index=False)
    result = CliRunner().invoke(cli, ["brief", str(robust)])
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1 and not list(robust.glob("brief*"))
    assert re.match(r"^error: ", result.output)


def test_a_box_0_sentence_and_the_precision_of_the_shares_reach_the_answer(robust):
    """discovery.csv's box 0 (no condition found) is said in its own words, and stability.json's
    largest standard error becomes the precision of every share (1.96 x, in points)."""
    disc = pd.read_csv(robust / "discovery.csv")
    keep = disc[disc["scenario"] != "pay_campaign"]
    said = "On the fee collection rate, the outcome is no better under Higher willingness to pay than under the " \
           "status quo in 7 of 200 worlds, under no simple condition."
    zero = pd.DataFrame([{"scenario": "pay_campaign", "outcome": "mean_collection_rate", "comparator": "small",
                          "box": 0, "coverage": 1.0, "density": 0.035, "n_cases": 7, "parameter": None,
                          "low": None, "high": None, "values": None, "text_en": said, "text_zh": "无简单条件。"}])
    pd.concat([keep, zero], ignore_index=True).to_csv(robust / "discovery.csv", index=False)
    (robust / "stability.json").write_text('{"max_se": 0.0354, "target_se": 0.025, "stable": false}')
    assert CliRunner().invoke(cli, ["brief", str(robust), "--lang", "en"]).exit_code == 0
    items = _items(page(robust)["answer"])
    assert "each share is known to within about ±7 percentage points" in items[0]
    assert items[1] == f"**Where it fails:** {said}"
    annex = sections((robust / "annex_en.md").read_text("utf-8"))["robustness"]
    assert "Higher willingness to pay, box" not in annex and "box 0" not in annex  # box 0 is no box


#: a singular verb right after a scenario's title: wrong when the title is plural
_AGREES = r"(does|beats|improves|changes|makes|leaves|loses|keeps|is|has|gets|rises|falls)\b"


def test_plural_titles_never_meet_a_singular_verb(comparison_dir, tmp_path):
    """Users name their scenarios; "Joint owners' committees does better" would be wrong. No English
    sentence of the brief or of discovery.csv makes a scenario's title the subject of a verb."""
    import json

    from commsim.discovery_text import box_sentence, no_box_sentence, trivial_sentence
    from commsim.report.vocab import ScenarioTitles

    folder = tmp_path / "cmp"
    shutil.copytree(comparison_dir, folder, ignore=shutil.ignore_patterns("figures", "brief*", "annex*"))
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    plural = {}
    for k, entry in enumerate(manifest["scenarios"]):
        plural[entry["name"]] = entry["title_en"] = f"Joint owners' committees {k + 1}"
        entry["title_zh"] = f"联合业委会{k + 1}"
    (folder / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    write_robustness(folder)
    result = CliRunner().invoke(cli, ["brief", str(folder), "--lang", "en"])
    assert result.exit_code == 0, result.output
    text = (folder / "annex_en.md").read_text("utf-8") + (folder / "brief.md").read_text("utf-8")
    said = [t for t in plural.values() if t in text]
    assert len(said) >= 2  # the titles are used, so the check below is not empty
    for title in said:
        assert not re.search(re.escape(title) + r",? " + _AGREES, text), title
    # a metric's label is never the subject either: "complaints" is plural
    result = CliRunner().invoke(cli, ["brief", str(folder), "--lang", "en", "--metric", "mean_complaints_per_1000_households"])
    assert result.exit_code == 0, result.output
    lead = sections((folder / "annex_en.md").read_text("utf-8"))["answer"]
    assert "complaints" in lead.lower() and not re.search(r"complaints,? (differs|" + _AGREES[1:], lead, re.I)

    names = list(plural)
    titles = ScenarioTitles({n: {"title_en": t, "title_zh": "联合"} for n, t in plural.items()})

    class Box:
        limits = [("pay_beta_norm", float("nan"), 1.0, ())]
        density, coverage = 0.9, 0.8

    for comparator in (names[0], names[2]):
        sentences = [box_sentence(names[1], "mean_collection_rate", comparator, names[0], Box(), 40, titles)[0],
                     no_box_sentence(names[1], "mean_collection_rate", comparator, names[0], 7, 200, titles)[0]]
        sentences += [trivial_sentence(names[1], "mean_collection_rate", comparator, names[0], k, 200, 10, titles)[0]
                      for k in (0, 3, 200)]
        for s in sentences:
            assert plural[names[1]] in s and s[0].isupper()
            assert not re.search(r"(committees \d),? " + _AGREES, s), s


def test_the_tie_rule_is_stated_when_robustness_csv_records_its_margin(robust):
    """robustness.csv records the margin below which a difference is a tie; the brief and annex
    say so. A file written before margins (no column) made its shares by another rule: nothing
    is said of ties then."""
    assert CliRunner().invoke(cli, ["brief", str(robust), "--lang", "en"]).exit_code == 0
    annex = (robust / "annex_en.md").read_text("utf-8")
    assert "too small to show in the tables (under 0.05 percentage points here) counts as a tie" in annex
    assert "A change that shows as zero counts as a tie." in _items(page(robust)["answer"])[0]
    old = pd.read_csv(robust / "robustness.csv").drop(columns="margin")
    old.to_csv(robust / "robustness.csv", index=False)
    assert CliRunner().invoke(cli, ["brief", str(robust), "--lang", "en"]).exit_code == 0
    assert "counts as a tie" not in (robust / "annex_en.md").read_text("utf-8")
    assert "counts as a tie" not in page(robust)["answer"]
