"""The brief and its annex: every number in their text comes from comparison.csv (or, for the
assumptions and the method, from sensitivity.csv, the parameter table and the manifest); the
pages are self-contained; --lang decides brief.html's language; outcomes without a better
direction are never called worse; a change fixed by a policy's rules has no degenerate interval;
the CLI reports bad input and a missing Chinese font in one line."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser

import pandas as pd
import pytest
from click.testing import CliRunner

from commsim.cli import cli
from commsim.metrics import KEY_METRICS as ALL_KEY_METRICS
from commsim.params import PARAMETERS
from commsim.report import fmt, fonts
from commsim.report.plots import KEY_METRICS
from tests.report_fixtures import VARIANTS

HAS_CJK = fonts.find_cjk_font() is not None
LANGS = ["en", pytest.param("zh", marks=pytest.mark.skipif(not HAS_CJK, reason="no CJK font installed"))]


@pytest.fixture(scope="module", params=LANGS)
def brief(request, comparison_dir, tmp_path_factory):
    """(lang, folder, annex .md text, annex .html text) written by `commsim brief`."""
    lang = request.param
    folder = tmp_path_factory.mktemp(f"brief_{lang}") / "cmp"
    shutil.copytree(comparison_dir, folder)
    result = CliRunner().invoke(cli, ["brief", str(folder), "--lang", lang])
    assert result.exit_code == 0, result.output
    return lang, folder, (folder / f"annex_{lang}.md").read_text("utf-8"), (folder / f"annex_{lang}.html").read_text("utf-8")


ANNEX = ["title", "question", "answer", "robustness", "reliability", "table", "outcomes", "figures",
         "assumptions", "costs", "reading", "method"]


def sections(md: str, keys: list[str] = ANNEX) -> dict[str, str]:
    """Section text by heading order (the annex's by default; the page's: title, answer, table)."""
    parts = re.split(r"^## .*$", md, flags=re.M)
    assert len(parts) == len(keys), f"expected {len(keys) - 1} sections"
    return dict(zip(keys, parts, strict=True))


def page(folder, lang: str = "en") -> dict[str, str]:
    """The one-page brief's sections: title (with the line under it), answer, table."""
    return sections((folder / f"brief_{lang}.md").read_text("utf-8"), ["title", "answer", "table"])


def tokens(text: str) -> set[str]:
    text = re.sub(r"`[^`]*`", "", text)  # code spans: parameter names, file digests
    text = re.sub(r"\]\([^)]*\)", "]", text)  # figure links
    return set(fmt.numbers_in(text))


def comparison_tokens(folder) -> set[str]:
    """The cells of comparison.csv for the outcomes a brief shows (key outcomes, policy costs),
    formatted by the same functions the brief uses: levels unsigned, changes signed."""
    df = pd.read_csv(folder / "comparison.csv")
    df = df[df["metric"].isin(KEY_METRICS + ALL_KEY_METRICS) | df["metric"].str.startswith("total_policy_cost_yuan_")]
    out: set[str] = set()
    for _, r in df.iterrows():
        m = r["metric"]
        for col in ("mean", "ci_low", "ci_high"):
            out |= tokens(fmt.level(m, r[col], "en")) | {fmt.level_number(m, r[col])}
        for col in ("diff", "diff_ci_low", "diff_ci_high"):
            out |= {fmt.change_number(m, r[col])}
        out |= tokens(fmt.probability(r["prob_better"])) | tokens(fmt.p_value(r["p_adjusted"]))
        out.add(fmt.number(r["n"], 0))  # "in every one of the N paired runs"
    return out


def households(folder) -> str:
    """The simulated street's dwellings (the baseline's first month), as the brief writes it."""
    monthly = pd.read_parquet(folder / "monthly")
    street = monthly[(monthly["estate"].astype(str) == "all") & (monthly["scenario"].astype(str) == "small")]
    return fmt.number(street.sort_values("month")["households"].iloc[0], 0)


def evaluated_months(folder) -> str:
    entry = json.loads((folder / "manifest.json").read_text("utf-8"))["scenarios"][0]
    return str(entry["months"] - entry["burn_in_months"])


def sensitivity_tokens(folder) -> set[str]:
    """The numbers of the sensitivity sentence: design rows and the range of the analysed output."""
    samples = pd.read_parquet(folder / "samples.parquet")
    rate = samples["mean_collection_rate"]
    return {str(len(samples)), fmt.level_number("mean_collection_rate", rate.min()),
            fmt.level_number("mean_collection_rate", rate.max())}


def test_every_number_in_the_text_is_a_cell_of_comparison_csv(brief):
    lang, folder, md, _ = brief
    parts = sections(md)
    allowed = comparison_tokens(folder)
    for key in ("title", "question", "answer", "table", "outcomes", "figures", "costs"):
        extra = {"costs": {evaluated_months(folder)}, "outcomes": {"95"}}.get(key, set())  # "95% CI"
        stray = tokens(parts[key]) - allowed - extra
        assert not stray, f"{lang} {key}: numbers not in comparison.csv: {sorted(stray)}"
    assert tokens(parts["answer"]) and tokens(parts["table"]) and tokens(parts["costs"]) and tokens(parts["outcomes"])
    one = page(folder, lang)
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert not tokens(one["table"]) - allowed - {"95"}, f"{lang}: page table"
    assert not tokens(one["answer"]) - allowed - sensitivity_tokens(folder), f"{lang}: page answer"
    assert not tokens(one["title"]) - {manifest["commsim"], str(manifest["reps"]), evaluated_months(folder),
                                       households(folder)}
    assert tokens(one["answer"]) and tokens(one["table"])


def test_assumption_and_method_numbers_come_from_sensitivity_parameters_and_manifest(brief):
    lang, folder, md, _ = brief
    parts = sections(md)
    sa = pd.read_csv(folder / "sensitivity.csv")
    allowed = {fmt.level_number(r["output"], r[c]) for _, r in sa.iterrows() for c in ("mu_star", "sigma")}
    allowed |= {fmt.plain(v) for p in PARAMETERS if p.range for v in p.range}
    stray = tokens(parts["assumptions"]) - allowed
    assert not stray and tokens(parts["assumptions"]), sorted(stray)
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    entry = manifest["scenarios"][0]
    allowed = {str(manifest["reps"]), str(manifest["base_seed"]), manifest["commsim"],
               str(entry["months"]), str(entry["burn_in_months"]), "95"}
    assert tokens(parts["method"]) - allowed == set()
    assert {str(manifest["base_seed"]), manifest["commsim"]} <= tokens(parts["method"])


def test_the_answer_is_three_sentences_led_by_the_largest_gain(brief):
    lang, folder, md, _ = brief
    answer = sections(md)["answer"].strip()
    n = answer.count("。") if lang == "zh" else len(re.findall(r"\.(?:\s|$)", answer))
    assert n == 3, answer
    df = pd.read_csv(folder / "comparison.csv")
    rate = df[(df["metric"] == "mean_collection_rate") & (df["scenario"] != df["baseline"])]
    best = rate.loc[rate["diff"].idxmax()]
    assert best["scenario"] == "pay_campaign"  # pay_intercept 1.9 -> 2.4 raises payment: a real effect
    title = "缴费意愿提高" if lang == "zh" else "Higher willingness to pay"
    first = answer.split("。" if lang == "zh" else ". ")[0]
    assert title in first and fmt.change("mean_collection_rate", best["diff"], lang) in first
    ci = fmt.change_interval("mean_collection_rate", best["diff_ci_low"], best["diff_ci_high"], lang)
    assert ci in first


def test_table_shows_baseline_levels_and_paired_differences(brief):
    lang, folder, md, _ = brief
    table = [ln for ln in sections(md)["table"].splitlines() if ln.startswith("|")]
    df = pd.read_csv(folder / "comparison.csv").set_index(["metric", "scenario"])
    base_row, xian_row = table[2], next(ln for ln in table if "Xi" in ln or "西安" in ln)
    assert fmt.level_number("mean_collection_rate", df.loc[("mean_collection_rate", "small"), "mean"]) in base_row
    load = df.loc[("mean_worker_load", "xian_staffing")]
    # Xi'an's norm gives fewer workers to this small street: clearly more load per worker, in bold
    assert load["diff_ci_low"] > 0
    assert f"**{fmt.change_number('mean_worker_load', load['diff'])}**" in xian_row


class _Images(HTMLParser):
    def __init__(self):
        super().__init__()
        self.src: list[str] = []
        self.links: list[str] = []
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img":
            self.src.append(a.get("src", ""))
        if tag in ("link", "script"):
            self.links.append(tag)
        if tag == "a" and "href" in a:
            self.hrefs.append(a["href"])


def test_html_is_self_contained_with_embedded_figures(brief):
    """The annex embeds three figures, the page one; the only links join the two pages."""
    lang, folder, _, html = brief
    for text, figures, other in ((html, 3, f"brief_{lang}.html"),
                                 ((folder / f"brief_{lang}.html").read_text("utf-8"), 1, f"annex_{lang}.html")):
        parser = _Images()
        parser.feed(text)
        assert len(parser.src) == figures
        assert all(s.startswith("data:image/png;base64,") for s in parser.src)
        assert not parser.links and parser.hrefs == [other]
        assert f'lang="{"zh-CN" if lang == "zh" else "en"}"' in text
    for name in ("forest", "headline_collection_rate", "timeseries_collection_rate", "cost_effectiveness_collection_rate"):
        assert (folder / "figures" / f"{name}_{lang}.png").is_file()
        assert (folder / "figures" / f"{name}_{lang}.svg").is_file()


def test_figures_command_writes_every_figure_of_a_folder(sobol_dir):
    result = CliRunner().invoke(cli, ["figures", str(sobol_dir), "--lang", "en"])
    assert result.exit_code == 0, result.output
    pngs = sorted(p.name for p in (sobol_dir / "figures").glob("*.png"))
    assert pngs == [f"sensitivity_sobol_{o}_en.png" for o in sorted(
        ["mean_collection_rate", "mean_complaints_per_1000_households", "mean_worker_load"])]


@pytest.mark.parametrize(("command", "lang"), [("figures", "zh"), ("brief", "zh"), ("brief", "both")])
def test_zh_without_a_cjk_font_fails_with_install_advice(command, lang, comparison_dir, tmp_path, monkeypatch):
    """Nothing is written, not even the English half of --lang both."""
    folder = tmp_path / "cmp"
    shutil.copytree(comparison_dir, folder, ignore=shutil.ignore_patterns("figures", "brief*", "annex*"))
    monkeypatch.setattr(fonts, "find_cjk_font", lambda: None)
    result = CliRunner().invoke(cli, [command, str(folder), "--lang", lang])
    assert result.exit_code == 2
    assert result.output.startswith("error: --lang zh: no font that can draw Chinese")
    assert "apt-get install fonts-noto-cjk" in result.output and "fonts-wqy-microhei" in result.output
    assert "Traceback" not in result.output
    assert not (folder / "figures").exists() and not list(folder.glob("brief*")) and not list(folder.glob("annex*"))


def test_commsim_cjk_font_must_draw_chinese(monkeypatch):
    from matplotlib import font_manager

    latin = font_manager.findfont("DejaVu Sans")
    monkeypatch.setenv("COMMSIM_CJK_FONT", latin)
    fonts._search.cache_clear()
    try:
        with pytest.raises(fonts.FontError, match="cannot draw Chinese"):
            fonts.find_cjk_font()
    finally:
        monkeypatch.delenv("COMMSIM_CJK_FONT")
        fonts._search.cache_clear()


@pytest.mark.skipif(not HAS_CJK, reason="no CJK font installed")
def test_the_font_found_holds_chinese_glyphs():
    from matplotlib.ft2font import FT2Font

    font = fonts.find_cjk_font()
    face = FT2Font(font.path)
    assert all(face.get_char_index(ord(c)) for c in "物业费收缴率社区工作者负荷")


def test_bad_folders_give_one_line_errors(tmp_path, sweep_dir):
    runner = CliRunner()
    result = runner.invoke(cli, ["brief", str(tmp_path / "nowhere")])
    assert result.exit_code == 2 and "no such folder" in result.output
    (tmp_path / "empty").mkdir()
    result = runner.invoke(cli, ["figures", str(tmp_path / "empty")])
    assert result.exit_code == 2 and "commsim compare" in result.output
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "manifest.json").write_text('{"status": "complete"}')
    pd.DataFrame({"metric": ["mean_collection_rate"], "scenario": ["a"]}).to_csv(broken / "comparison.csv", index=False)
    result = runner.invoke(cli, ["brief", str(broken)])
    assert result.exit_code == 2 and "comparison.csv: missing column(s) baseline" in result.output
    result = runner.invoke(cli, ["brief", str(sweep_dir)])
    assert result.exit_code == 2 and "no comparison.csv" in result.output
    assert not (sweep_dir / "brief.html").exists()


def test_a_single_policy_and_another_lead_metric(worse_pair_dir):
    """--metric leads with another outcome; a policy that makes it worse is not called an improvement."""
    pair_dir = worse_pair_dir
    result = CliRunner().invoke(cli, ["brief", str(pair_dir), "--metric", "mean_worker_load"])
    assert result.exit_code == 0, result.output
    md = (pair_dir / "annex_en.md").read_text("utf-8")
    answer = sections(md)["answer"]
    row = pd.read_csv(pair_dir / "comparison.csv").query(
        "metric == 'mean_worker_load' and scenario == 'xian_staffing'").iloc[0]
    assert row["diff_ci_low"] > 0  # half the workers: the load rises
    assert answer.strip().startswith("There is a deterioration in the community-worker load under Xi'an staffing standard: from")
    assert len(re.findall(r"\.(?:\s|$)", answer.strip())) == 3
    assert fmt.change("mean_worker_load", row["diff"], "en") in answer
    assert not tokens(answer) - comparison_tokens(pair_dir)
    assert "**Which policy, how much:** There is a deterioration in the community-worker load under Xi'an staffing standard" in (pair_dir / "brief.md").read_text("utf-8")
    result = CliRunner().invoke(cli, ["brief", str(pair_dir), "--metric", "mean_nothing"])
    assert result.exit_code == 2 and "--metric mean_nothing: not a metric" in result.output


def test_brief_takes_a_separate_sensitivity_folder(comparison_dir, sobol_dir, tmp_path):
    """`--sensitivity DIR` ranks the assumptions from a separate `commsim sensitivity` run, and
    says when that run analysed a difference between two scenarios."""
    folder = tmp_path / "cmp"
    shutil.copytree(comparison_dir, folder)
    (folder / "sensitivity.csv").unlink()
    sens = tmp_path / "sens"
    shutil.copytree(sobol_dir, sens)
    result = CliRunner().invoke(cli, ["brief", str(folder), "--lang", "en", "--sensitivity", str(sens)])
    assert result.exit_code == 0, result.output
    text = (folder / "annex_en.md").read_text(encoding="utf-8")
    assert "A sensitivity analysis (Sobol)" in text and "difference between" not in text
    manifest = json.loads((sens / "manifest.json").read_text())
    manifest["scenarios"][0]["name"], manifest["against"] = "pay_campaign", "small"
    (sens / "manifest.json").write_text(json.dumps(manifest))
    assert CliRunner().invoke(cli, ["brief", str(folder), "--lang", "en", "--sensitivity", str(sens)]).exit_code == 0
    assert "of the difference between" in (folder / "annex_en.md").read_text(encoding="utf-8")
    # an analysis of a pair this comparison does not compare would be cited as if it were its own
    manifest["against"] = "baseline"
    (sens / "manifest.json").write_text(json.dumps(manifest))
    other = CliRunner().invoke(cli, ["brief", str(folder), "--lang", "en", "--sensitivity", str(sens)])
    assert other.exit_code == 2 and len(other.output.strip().splitlines()) == 1
    assert "the sensitivity analysis is of pay_campaign against baseline, but the comparison compares" in other.output
    missing = CliRunner().invoke(cli, ["brief", str(folder), "--sensitivity", str(tmp_path / "nowhere")])
    assert missing.exit_code == 2 and "no sensitivity.csv" in missing.output


def test_reliability_numbers_come_from_manifest_monthly_data_and_sensitivity_samples(brief):
    """"How sure is this": noise only, the simulated street's size (monthly data), the range of
    the analysed output over the sensitivity design (samples.parquet), and a small-run warning."""
    lang, folder, md, _ = brief
    text = sections(md)["reliability"]
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    dwellings = households(folder)
    samples = pd.read_parquet(folder / "samples.parquet")
    rate = samples["mean_collection_rate"]
    allowed = {str(manifest["reps"]), evaluated_months(folder), dwellings, str(len(samples)),
               fmt.level_number("mean_collection_rate", rate.min()), fmt.level_number("mean_collection_rate", rate.max())}
    assert tokens(text) - allowed == set()
    assert {dwellings, fmt.level_number("mean_collection_rate", rate.min())} <= tokens(text)
    if lang == "en":
        assert "simulation noise only" in text and "not a forecast for any real place" in text
        assert "small run (6 paired replicates" in text and "docs/validation.md" in text
    else:
        assert "并非对任何真实地方的预测" in text and "仅供参考" in text


def test_the_answer_states_how_many_paired_runs_not_a_certainty(brief):
    lang, folder, md, _ = brief
    for answer in (sections(md)["answer"], page(folder, lang)["answer"]):
        for overstated in ("probability", "almost certain", "几乎可以肯定", "概率"):
            assert overstated not in answer
        assert ("paired runs with the model's default assumptions" in answer) or ("次配对模拟中" in answer)


def test_no_bold_zero_in_the_table(brief):
    lang, folder, md, _ = brief
    for table in (sections(md)["table"], page(folder, lang)["table"]):
        bold = re.findall(r"\*\*([^*]+)\*\*", table)
        assert bold and all(float(b.replace(fmt.MINUS, "-").replace(",", "").lstrip("+")) != 0 for b in bold)


def test_a_difference_that_can_reverse_is_said_to_reverse(comparison_dir, tmp_path):
    folder = tmp_path / "cmp"
    shutil.copytree(comparison_dir, folder)
    sens = tmp_path / "sens"
    sens.mkdir()
    shutil.copy(folder / "sensitivity.csv", sens / "sensitivity.csv")
    samples = pd.read_parquet(folder / "samples.parquet")
    samples["mean_collection_rate"] = samples["mean_collection_rate"] - samples["mean_collection_rate"].median()
    samples.to_parquet(sens / "samples.parquet")
    (sens / "manifest.json").write_text(json.dumps({"scenarios": [{"name": "pay_campaign"}], "against": "small", "status": "complete"}))
    assert CliRunner().invoke(cli, ["brief", str(folder), "--sensitivity", str(sens)]).exit_code == 0
    text = sections((folder / "annex_en.md").read_text("utf-8"))["reliability"]
    assert "the advantage disappears or reverses" in text
    assert "the advantage disappears or reverses" in page(folder)["answer"]  # "Where it fails"
    lo = fmt.change("mean_collection_rate", samples["mean_collection_rate"].min(), "en")
    assert lo.startswith(fmt.MINUS) and lo in text


def test_brief_says_when_intervals_carry_calibration_uncertainty(comparison_dir, tmp_path):
    folder = tmp_path / "post"
    shutil.copytree(comparison_dir, folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["posterior_sets"] = 3
    (folder / "manifest.json").write_text(json.dumps(manifest))
    assert CliRunner().invoke(cli, ["brief", str(folder), "--lang", "en"]).exit_code == 0
    text = (folder / "annex_en.md").read_text(encoding="utf-8")
    assert "uncertainty left by calibration (3 accepted parameter sets)" in text
    assert "accepted parameter set r mod 3 of a calibration" in text
    assert "cover simulation noise only" not in text
    one = page(folder)["answer"]
    assert "uncertainty left by calibration (3 accepted parameter sets)" in one and "noise only" not in one


def test_without_robustness_the_page_says_its_intervals_cover_noise_only(brief):
    """No robustness.csv: the page leads with the policy and how much; how sure says the intervals
    cover simulation noise only; where it fails comes from the sensitivity analysis, last."""
    lang, folder, _, _ = brief
    items = [ln[2:] for ln in page(folder, lang)["answer"].strip().splitlines() if ln.startswith("- ")]
    lead, sure, fails = (("Which policy, how much", "How sure", "Where it fails") if lang == "en"
                         else ("哪项政策，效果多大", "把握多大", "何时失效"))
    assert items[0].startswith(f"**{lead}") and items[1].startswith(f"**{sure}") and items[-1].startswith(f"**{fails}")
    assert ("cover simulation noise only" in items[1]) or ("只反映模拟中的随机波动" in items[1])
    assert "plausible worlds" not in page(folder, lang)["answer"]


def test_a_sure_change_that_prints_as_zero_is_not_called_an_improvement(comparison_dir, tmp_path):
    """The table shows +0.0 [0.0, 0.0]; the text must not say the option improves the outcome."""
    folder = tmp_path / "cmp"
    shutil.copytree(comparison_dir, folder, ignore=shutil.ignore_patterns("figures", "brief*", "annex*"))
    df = pd.read_csv(folder / "comparison.csv")
    rate = df[(df["metric"] == "mean_collection_rate") & (df["scenario"] != df["baseline"])]
    lead = rate.loc[rate["diff"].idxmax(), "scenario"]
    other = rate[rate["scenario"] != lead]["scenario"].iloc[0]
    at = (df["metric"] == "mean_collection_rate") & (df["scenario"] == other)
    df.loc[at, ["diff", "diff_ci_low", "diff_ci_high"]] = [0.0002, 0.0001, 0.0003]  # sure, and shown as +0.0
    df.to_csv(folder / "comparison.csv", index=False)
    assert CliRunner().invoke(cli, ["brief", str(folder), "--lang", "en"]).exit_code == 0
    answer = page(folder)["answer"]
    title = VARIANTS[other][0]
    assert f"{title} the change is detectable but too small to show in the tables" in answer or \
           f"{title} and " in answer and "too small to show in the tables" in answer
    assert not re.search(re.escape(title) + r"[^.;]*also an improvement", answer)
