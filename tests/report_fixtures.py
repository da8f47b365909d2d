"""Comparison folders for the report tests, built from REAL model runs of tests/data/small.toml.

Until ``commsim compare`` lands, :func:`compare_rows` writes ``comparison.csv`` following the
agreed output contract (one row per metric and scenario incl. the baseline; paired t CIs of
scenario - baseline on the same replicate seeds; Holm-adjusted p-values within a metric). It
lives here, not in the package: the real comparison code comes from ``commsim compare``.
Morris and Sobol sensitivity indices and the sweep are real too (SALib on short runs of the
small street); only their sizes are tiny, so their numbers are noisy.
"""

from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from commsim.io import environment, write_csv, write_json, write_parquet
from commsim.params import PARAMETERS
from commsim.runner import replicate_seed, run_replicates, simulate, summarize
from commsim.scenario import Scenario, load_scenario

DATA = Path(__file__).parent / "data"
SMALL = DATA / "small.toml"
BASE_SEED = 11
REPS = 6
#: direction of improvement of the metrics the fixture knows (others: None)
HIGHER_IS_BETTER = {
    "collection_rate": True, "paying_share": True, "service_quality": True, "satisfaction": True,
    "trust": True, "belonging": True, "complaints_per_1000_households": False,
    "complaints_resolved_share": True, "participation_rate": True, "worker_load": False,
    "public_cost_yuan": False, "owners_committee_coverage": True, "unmanaged_share": False,
}
#: in every variant community workers never leave, so staff costs are set by the norm alone
#: (the Xi'an variant's extra pay is then the same in every paired run: a fixed change)
STAFF_STAY = {"worker_turnover_annual": 0.0}
#: the test street's variants: name -> (title_en, title_zh, [parameters])
VARIANTS: dict[str, tuple[str, str, dict]] = {
    "small": ("Status quo (test street)", "现状（测试街道）", {**STAFF_STAY}),
    "pay_campaign": ("Higher willingness to pay", "缴费意愿提高", {"pay_intercept": 2.6, **STAFF_STAY}),
    "xian_staffing": ("Xi'an staffing standard", "西安社区工作者配备标准", {"staffing_norm": "xian", **STAFF_STAY}),
    "committee_support": ("Easier owners' committees", "业委会组建便利化", {"oc_formation_hazard": 0.06, **STAFF_STAY}),
}


def _toml_value(v) -> str:
    return f'"{v}"' if isinstance(v, str) else repr(v)


def write_variant(folder: Path, name: str) -> Path:
    """A copy of small.toml with another name, titles and ``[parameters]``."""
    title_en, title_zh, params = VARIANTS[name]
    text = SMALL.read_text(encoding="utf-8")
    text = text.replace('name = "small"', f'name = "{name}"', 1)
    text = text.replace('title_en = "Small test street"', f'title_en = "{title_en}"', 1)
    text = text.replace('title_zh = "测试街道"', f'title_zh = "{title_zh}"', 1)
    if params:
        lines = "\n".join(f"{k} = {_toml_value(v)}" for k, v in params.items())
        text = text.replace("\n[[communities]]", f"\n[parameters]\n{lines}\n\n[[communities]]", 1)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    assert tomllib.loads(text)["scenario"]["name"] == name
    return path


def _t_interval(x: np.ndarray) -> tuple[float, float]:
    n = len(x)
    sd = float(np.std(x, ddof=1)) if n > 1 else 0.0
    half = float(stats.t.ppf(0.975, n - 1)) * sd / np.sqrt(n) if n > 1 else 0.0
    m = float(np.mean(x))
    return m - half, m + half


def _holm(p: list[float]) -> list[float]:
    arr = np.array(p, dtype=float)
    out = np.full(len(arr), np.nan)
    ok = np.flatnonzero(np.isfinite(arr))
    order = ok[np.argsort(arr[ok])]
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(order) - rank) * arr[i]))
        out[i] = running
    return list(out)


def compare_rows(summary: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """comparison.csv by the contract: paired t statistics of each scenario against ``baseline``."""
    metrics = [c for c in summary.columns if c.startswith(("final_", "mean_", "total_"))]
    scenarios = list(dict.fromkeys(summary["scenario"]))
    rows = []
    for metric in metrics:
        wide = summary.pivot(index="replicate", columns="scenario", values=metric)
        base = wide[baseline].to_numpy()
        hib = HIGHER_IS_BETTER.get(metric.split("_", 1)[1])
        block = []
        for s in scenarios:
            x = wide[s].to_numpy()
            d = x - base
            lo, hi = _t_interval(x)
            row = {"metric": metric, "scenario": s, "baseline": baseline, "n": len(x),
                   "mean": float(x.mean()), "ci_low": lo, "ci_high": hi}
            if s == baseline:
                row.update(diff=0.0, diff_ci_low=0.0, diff_ci_high=0.0, p_value=np.nan,
                           effect_size=np.nan, prob_better=np.nan, crn_variance_ratio=np.nan)
            else:
                dlo, dhi = _t_interval(d)
                sd = float(np.std(d, ddof=1))
                if sd > 0:
                    p = float(stats.ttest_rel(x, base).pvalue)
                else:
                    p = 1.0 if float(d.mean()) == 0 else 0.0
                sign = 0.0 if hib is None else (1.0 if hib else -1.0)
                better = np.mean((sign * d > 0) + 0.5 * (d == 0)) if hib is not None else np.nan
                indep = float(np.var(x, ddof=1) + np.var(base, ddof=1))
                row.update(diff=float(d.mean()), diff_ci_low=dlo, diff_ci_high=dhi, p_value=p,
                           effect_size=float(d.mean()) / sd if sd > 0 else np.nan,
                           prob_better=float(better),
                           crn_variance_ratio=float(np.var(d, ddof=1)) / indep if indep > 0 else np.nan)
            row.update(diff_method="paired_t", higher_is_better=hib)
            block.append(row)
        for row, adj in zip(block, _holm([r["p_value"] for r in block]), strict=True):
            row["p_adjusted"] = adj
        rows += block
    cols = ["metric", "scenario", "baseline", "n", "mean", "ci_low", "ci_high", "diff", "diff_ci_low",
            "diff_ci_high", "diff_method", "p_value", "p_adjusted", "effect_size", "prob_better",
            "higher_is_better", "crn_variance_ratio"]
    return pd.DataFrame(rows)[cols]


def _manifest(scenarios: list[Scenario], reps: int, command: str = "compare", **extra) -> dict:
    return {
        "command": command,
        "scenarios": [{"name": s.name, "source": s.source, "sha256": s.digest(),
                       "months": s.months, "burn_in_months": s.burn_in_months} for s in scenarios],
        "baseline": scenarios[0].name,
        "reps": reps,
        "status": "complete",
        "base_seed": BASE_SEED,
        "seeds": [replicate_seed(BASE_SEED, r) for r in range(reps)],
        **extra,
        **environment(),
    }


def build_comparison(folder: Path, names: tuple[str, ...] = tuple(VARIANTS), reps: int = REPS) -> Path:
    """A comparison folder of real runs: manifest, summary, monthly/, comparison.csv."""
    folder.mkdir(parents=True, exist_ok=True)
    scenarios = [load_scenario(write_variant(folder / "scenarios", n)) for n in names]
    summaries = []
    for sc in scenarios:
        monthly, summary = run_replicates(sc, range(reps), BASE_SEED)
        write_parquet(monthly, folder / "monthly" / f"{sc.name}.parquet")
        summaries.append(summary)
    summary = pd.concat(summaries, ignore_index=True)
    write_parquet(summary, folder / "summary.parquet")
    write_csv(compare_rows(summary, scenarios[0].name), folder / "comparison.csv")
    write_json(_manifest(scenarios, reps), folder / "manifest.json")
    return folder


def _problem(names: list[str]) -> dict:
    return {"num_vars": len(names), "names": names, "bounds": [list(PARAMETERS[n].range) for n in names]}


def _evaluate(sc: Scenario, names: list[str], X: np.ndarray, outputs: list[str]) -> np.ndarray:
    Y = np.empty((len(X), len(outputs)))
    for i, row in enumerate(X):
        values = {n: (int(round(v)) if PARAMETERS[n].kind == "int" else float(v)) for n, v in zip(names, row, strict=True)}
        s = summarize(simulate(sc.with_overrides(values), replicate_seed(BASE_SEED, i)), sc.burn_in_months)
        Y[i] = [s[o] for o in outputs]
    return Y


SA_OUTPUTS = ["mean_collection_rate", "mean_complaints_per_1000_households", "mean_worker_load"]


def sensitivity_rows(method: str, names: list[str], n: int, months: int = 12) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Real (tiny) Morris or Sobol indices of the small street with SALib, and the design rows."""
    from SALib.analyze import morris as morris_a
    from SALib.analyze import sobol as sobol_a
    from SALib.sample import morris as morris_s
    from SALib.sample import sobol as sobol_s

    sc = load_scenario(SMALL).with_months(months)
    problem = _problem(names)
    if method == "morris":
        X = morris_s.sample(problem, n, num_levels=4, seed=3)
    else:
        X = sobol_s.sample(problem, n, calc_second_order=False, seed=3)
    Y = _evaluate(sc, names, X, SA_OUTPUTS)
    samples = pd.concat([pd.DataFrame(X, columns=names), pd.DataFrame(Y, columns=SA_OUTPUTS)], axis=1)
    rows = []
    for j, out in enumerate(SA_OUTPUTS):
        if method == "morris":
            r = morris_a.analyze(problem, X, Y[:, j], num_resamples=50, num_levels=4, seed=3)
            for i, p in enumerate(names):
                rows.append({"method": "morris", "output": out, "parameter": p, "mu_star": r["mu_star"][i],
                             "mu_star_conf": r["mu_star_conf"][i], "sigma": r["sigma"][i]})
        else:
            r = sobol_a.analyze(problem, Y[:, j], calc_second_order=False, num_resamples=50, seed=3)
            for i, p in enumerate(names):
                rows.append({"method": "sobol", "output": out, "parameter": p, "S1": r["S1"][i],
                             "S1_conf": r["S1_conf"][i], "ST": r["ST"][i], "ST_conf": r["ST_conf"][i]})
    return pd.DataFrame(rows), samples.rename_axis("point").reset_index()


MORRIS_PARAMS = ["pay_intercept", "pay_beta_satisfaction", "complaint_propensity", "admin_hours_per_household"]
SOBOL_PARAMS = ["pay_intercept", "admin_hours_per_household"]


def build_sensitivity(folder: Path, method: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    names = MORRIS_PARAMS if method == "morris" else SOBOL_PARAMS
    df, samples = sensitivity_rows(method, names, 4)
    write_csv(df, folder / "sensitivity.csv")
    write_parquet(samples, folder / "samples.parquet")  # design rows, as `commsim sensitivity` writes
    sc = load_scenario(SMALL)
    if not (folder / "manifest.json").is_file():
        write_json(_manifest([sc], len(df), command="sensitivity", method=method), folder / "manifest.json")
    return folder


def build_sweep(folder: Path, values: tuple[float, ...] = (1.4, 1.9, 2.4), reps: int = 3) -> Path:
    """A real sweep of pay_intercept on the small street (18 months)."""
    folder.mkdir(parents=True, exist_ok=True)
    sc = load_scenario(SMALL).with_months(18)
    rows = []
    for v in values:
        for r in range(reps):
            seed = replicate_seed(BASE_SEED, r)
            s = summarize(simulate(sc.with_overrides({"pay_intercept": v}), seed), sc.burn_in_months)
            rows.append({"pay_intercept": v, "scenario": sc.name, "replicate": r, "seed": seed, **s})
    write_csv(pd.DataFrame(rows), folder / "sweep.csv")
    write_json(_manifest([sc], reps, command="sweep", parameter="pay_intercept"), folder / "manifest.json")
    return folder


# --- pytest fixtures (session-wide: each folder is built once) -----------------------------
@pytest.fixture(scope="session")
def comparison_dir(tmp_path_factory) -> Path:
    """A real comparison of four variants of the small street, with a real Morris sensitivity.csv."""
    folder = build_comparison(tmp_path_factory.mktemp("report") / "compare")
    build_sensitivity(folder, "morris")
    return folder


@pytest.fixture(scope="session")
def sobol_dir(tmp_path_factory) -> Path:
    return build_sensitivity(tmp_path_factory.mktemp("report") / "sobol", "sobol")


@pytest.fixture(scope="session")
def sweep_dir(tmp_path_factory) -> Path:
    return build_sweep(tmp_path_factory.mktemp("report") / "sweep")


@pytest.fixture(scope="session")
def worse_pair_dir(tmp_path_factory) -> Path:
    """The test street and a variant that clearly worsens one outcome (Xi'an's norm staffs the small
    street's communities with fewer workers: 3 and 2 instead of 5 and 5), three replicates."""
    return build_comparison(tmp_path_factory.mktemp("report") / "worse", names=("small", "xian_staffing"), reps=3)


@pytest.fixture(scope="session")
def pair_dir(tmp_path_factory) -> Path:
    """The smallest comparison: the test street and one variant, three replicates."""
    return build_comparison(tmp_path_factory.mktemp("report") / "pair", names=("small", "pay_campaign"), reps=3)


# --- a comparison of ten policies, and a robustness analysis (synthetic, for the page tests) --
#: the shipped policies (their long titles come from scenarios/*.toml) and two more
WIDE_NAMES = ("suzhou_alliance", "liaocheng_four_in_one", "fee_subsidy", "alliance_plus_subsidy",
              "cangzhou_six_in_one", "harbin_basic_service", "xian_staffing", "suzhou_classified",
              "street_office_hotline", "volunteer_stewards")
WIDE_TITLES = {
    "street_office_hotline": ("Street-office hotline with a 48-hour reply rule", "街道热线48小时答复制度"),
    "volunteer_stewards": ("Volunteer building stewards with a small allowance", "楼栋志愿管家及少量补贴"),
}


def build_wide(folder: Path, source: Path) -> Path:
    """A comparison.csv and manifest of ten policies against the test street's baseline, made from
    the rows of a real comparison (each policy a copy of one real variant, its differences scaled),
    without monthly data: the widest brief the page must hold."""
    folder.mkdir(parents=True, exist_ok=True)
    df = pd.read_csv(source / "comparison.csv")
    base = str(df["baseline"].iloc[0])
    real = [s for s in dict.fromkeys(df["scenario"]) if s != base]
    parts = [df[df["scenario"] == base]]
    for i, name in enumerate(WIDE_NAMES):
        part = df[df["scenario"] == real[i % len(real)]].copy()
        k = 1.0 + 0.15 * i
        part["scenario"] = name
        for col in ("diff", "diff_ci_low", "diff_ci_high"):
            part[col] = part[col] * k
        part["mean"] = part["mean"] - df[df["scenario"] == real[i % len(real)]]["diff"].to_numpy() + part["diff"]
        parts.append(part)
    write_csv(pd.concat(parts, ignore_index=True), folder / "comparison.csv")
    manifest = json.loads((source / "manifest.json").read_text(encoding="utf-8"))
    entries = [e for e in manifest["scenarios"] if e["name"] == base]
    for name in WIDE_NAMES:
        en, zh = WIDE_TITLES.get(name, ("", ""))
        entries.append({"name": name, "months": entries[0]["months"], "burn_in_months": entries[0]["burn_in_months"],
                        **({"title_en": en, "title_zh": zh} if en else {})})
    manifest["scenarios"] = entries
    write_json(manifest, folder / "manifest.json")
    return folder


ROBUST_OUTCOMES = ("mean_collection_rate", "mean_complaints_per_1000_households", "mean_worker_load")


def write_robustness(folder: Path, n_worlds: int = 200, seed: int = 5, discovery: bool = True) -> Path:
    """A synthetic robustness.csv (and discovery.csv) by the agreed schema for a comparison folder:
    each scenario against the baseline and against the first policy, in three outcomes. The
    noise-only columns are the comparison's own; shares and spreads are drawn (fixed seed)."""
    from commsim.metrics import direction
    from commsim.robustness import margin

    rng = np.random.default_rng(seed)
    df = pd.read_csv(folder / "comparison.csv")
    base = str(df["baseline"].iloc[0])
    scenarios = list(dict.fromkeys(df["scenario"]))
    others = [s for s in scenarios if s != base]
    rows = []
    for outcome in ROBUST_OUTCOMES:
        best = dict(zip(scenarios, rng.dirichlet(np.ones(len(scenarios))), strict=True))
        part = df[df["metric"] == outcome].set_index("scenario")
        for s in others:
            for comparator in dict.fromkeys([base, others[0]]):
                if comparator == s:
                    continue
                d = float(part.loc[s, "diff"] - part.loc[comparator, "diff"])
                spread = abs(d) + 0.02
                rows.append({
                    "scenario": s, "outcome": outcome, "comparator": comparator, "direction": direction(outcome),
                    "n_worlds": n_worlds, "share_better": round(float(rng.uniform(0.3, 1.0)), 3),
                    "median_diff": d, "diff_p05": d - spread, "diff_p95": d + spread,
                    "noise_diff": d, "noise_ci_low": float(part.loc[s, "diff_ci_low"]) if comparator == base else d,
                    "noise_ci_high": float(part.loc[s, "diff_ci_high"]) if comparator == base else d,
                    "prob_best": round(best[s], 3), "margin": margin(outcome),
                })
    write_csv(pd.DataFrame(rows), folder / "robustness.csv")
    if discovery:
        boxes = []
        for s in others:
            # as discovery_text words a box: its density and coverage in the sentence
            text_en = (f"On the fee collection rate, the outcome is no better under {s} than under the status quo when pay_beta_burden is "
                       "above 30 and firm_cost_ratio is above 1.05 (true in 81% of such worlds, which hold 72% of the "
                       "46 worlds where it is so).")
            text_zh = f"{s}在缴费负担影响高于30且物业成本占收费比例高于1.05时未能优于现状（此类情形中81%不优于对照，占全部46次的72%）。"
            for parameter, low, high in (("pay_beta_burden", 30.0, 40.0), ("firm_cost_ratio", 1.05, 1.15)):
                boxes.append({"scenario": s, "outcome": "mean_collection_rate", "comparator": base, "box": 1,
                              "coverage": 0.72, "density": 0.81, "n_cases": 46, "parameter": parameter,
                              "low": low, "high": high, "values": "", "text_en": text_en, "text_zh": text_zh})
            boxes.append({"scenario": s, "outcome": "mean_collection_rate", "comparator": base, "box": 2,
                          "coverage": 0.2, "density": 0.55, "n_cases": 46, "parameter": "staffing_norm",
                          "low": np.nan, "high": np.nan, "values": "xian;cangzhou",
                          "text_en": f"On the fee collection rate, the outcome is no better under {s} than under the status quo when "
                                     "staffing_norm is xian or cangzhou",
                          "text_zh": f"{s}在社区工作者配备标准为西安或沧州时未能优于现状"})
        write_csv(pd.DataFrame(boxes), folder / "discovery.csv")
    return folder


@pytest.fixture(scope="session")
def wide_dir(tmp_path_factory, comparison_dir) -> Path:
    """Ten policies with a robustness analysis, a scenario discovery and a sensitivity analysis."""
    folder = build_wide(tmp_path_factory.mktemp("report") / "wide", comparison_dir)
    for name in ("sensitivity.csv", "samples.parquet"):
        shutil.copy(comparison_dir / name, folder / name)
    return write_robustness(folder)
