"""Ensembles: the same results on any backend, resuming after SIGKILL, CRN, the store, the CLI."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from commsim.cli import cli
from commsim.compare import compare
from commsim.ensemble import Plan, run_plan
from commsim.runner import replicate_seed, run_replicates
from commsim.scenario import load_scenario

DATA = Path(__file__).parent / "data"
SMALL = str(DATA / "small.toml")
VARIANT = str(DATA / "small_variant.toml")
COMMSIM = str(Path(sys.executable).with_name("commsim"))


def read_outputs(out: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """summary.parquet, monthly/ (in a canonical order) and comparison.csv of a compare folder."""
    monthly = pd.read_parquet(out / "monthly")
    monthly = monthly.sort_values(["scenario", "replicate", "month", "estate"], kind="stable").reset_index(drop=True)
    return pd.read_parquet(out / "summary.parquet"), monthly, pd.read_csv(out / "comparison.csv")


def assert_same_outputs(a: Path, b: Path) -> None:
    for x, y in zip(read_outputs(a), read_outputs(b), strict=True):
        pd.testing.assert_frame_equal(x, y, check_exact=True)


def test_one_worker_two_workers_and_dask_give_identical_results(tmp_path):
    pytest.importorskip("distributed")
    args = dict(reps=3, months=12, seed=5)
    compare(SMALL, [VARIANT], out=tmp_path / "w1", workers=1, **args)
    compare(SMALL, [VARIANT], out=tmp_path / "w2", workers=2, **args)
    compare(SMALL, [VARIANT], out=tmp_path / "dask", workers=2, backend="dask", **args)
    assert_same_outputs(tmp_path / "w1", tmp_path / "w2")
    assert_same_outputs(tmp_path / "w1", tmp_path / "dask")
    summary = pd.read_parquet(tmp_path / "w1" / "summary.parquet")
    assert len(summary) == 6 and summary.groupby("replicate")["seed"].nunique().eq(1).all()


def test_sigkill_then_rerun_computes_only_missing_runs(tmp_path):
    out = tmp_path / "killed"
    cmd = [COMMSIM, "compare", SMALL, VARIANT, "--reps", "30", "--months", "12", "--workers", "2",
           "--chunk", "1", "--noise-only", "--out", str(out)]
    psutil = pytest.importorskip("psutil")
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    runs = out / "runs"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(runs.glob("part-*.parquet"))) < 5:
        assert proc.poll() is None, "finished before it could be killed"
        time.sleep(0.02)
    children = psutil.Process(proc.pid).children(recursive=True)
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL
    gone, alive = psutil.wait_procs(children, timeout=10)
    assert not alive, "worker processes outlived the killed command"
    before = {p.name: p.stat().st_mtime_ns for p in runs.glob("part-*.parquet")}
    done_before = sum(len(pd.read_parquet(p, columns=["key"])) for p in runs.glob("part-*.parquet"))
    assert len(before) == done_before and 5 <= done_before < 60  # --chunk 1: one run per file

    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import json

    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert manifest["runs_reused"] == done_before
    assert manifest["runs_computed"] == 60 - done_before
    # the finished folder keeps one compacted summary file; the monthly chunks keep their names
    (compacted,) = runs.glob("*.parquet")
    parts = json.loads(pq.read_schema(compacted).metadata[b"commsim.parts"])
    assert set(before) <= set(parts)
    assert sorted(p.name for p in (out / "monthly").glob("part-*")) == sorted(parts)
    assert pd.read_parquet(compacted)["key"].is_unique and len(parts) == 60
    assert not list(out.rglob("*.part"))

    compare(SMALL, [VARIANT], reps=30, months=12, workers=1, out=tmp_path / "whole")
    assert_same_outputs(out, tmp_path / "whole")


def test_common_random_numbers_narrow_the_ci_of_a_paired_difference():
    widths = {}
    for crn in (True, False):
        table = compare(SMALL, [VARIANT], reps=12, months=18, workers=1, crn=crn).comparison
        rows = table[table["scenario"] == "small_variant"].set_index("metric")
        widths[crn] = rows["diff_ci_high"] - rows["diff_ci_low"]
        ratio = rows.loc["mean_complaints_per_1000_households", "crn_variance_ratio"]
        assert (ratio < 0.5) if crn else (ratio > 0.5)
    for metric in ("mean_collection_rate", "mean_satisfaction"):
        assert widths[True][metric] < widths[False][metric]
    for metric in ("mean_complaints_per_1000_households", "mean_worker_load"):
        assert widths[True][metric] < 0.5 * widths[False][metric]


def test_run_command_through_the_pool_matches_the_serial_runner(tmp_path):
    res = CliRunner().invoke(cli, ["run", SMALL, "--reps", "3", "--months", "12", "--workers", "2", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    sc = load_scenario(SMALL).with_months(12)
    monthly, summary = run_replicates(sc, range(3), 1)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "monthly.parquet"), monthly, check_exact=True)
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "summary.csv"), pd.read_csv(_csv(summary, tmp_path)), check_exact=True)
    assert {"manifest.json", "monthly.parquet", "summary.csv"} <= {p.name for p in tmp_path.iterdir()}


def _csv(df: pd.DataFrame, folder: Path) -> Path:
    path = folder / "expected.csv"
    df.to_csv(path, index=False)
    return path


def test_store_resumes_extends_and_refuses_other_experiments(tmp_path):
    sc = load_scenario(SMALL).with_months(12)

    def plan(reps: int, seed: int = 1) -> Plan:
        p = Plan("run", {sc.name: sc})
        for r in range(reps):
            p.add(sc.name, r, replicate_seed(seed, r))
        return p

    first = run_plan(plan(2), tmp_path, workers=1, progress=False)
    assert (first.computed, first.reused) == (2, 0)
    (tmp_path / "monthly" / "part-00000099-orphan.parquet").write_bytes(b"half")
    (tmp_path / "runs" / ".part-x.parquet.abc.part").write_bytes(b"half")
    again = run_plan(plan(3), tmp_path, workers=1, progress=False)
    assert (again.computed, again.reused) == (1, 2)
    assert not (tmp_path / "monthly" / "part-00000099-orphan.parquet").exists()
    assert not list(tmp_path.rglob("*.part"))
    pd.testing.assert_frame_equal(again.summary.iloc[:2], first.summary)
    with pytest.raises(Exception, match="different experiment"):
        run_plan(plan(3, seed=2), tmp_path, workers=1, progress=False)
    fresh = run_plan(plan(1, seed=2), tmp_path, workers=1, progress=False, overwrite=True)
    assert fresh.computed == 1 and len(pd.read_parquet(tmp_path / "monthly")["replicate"].unique()) == 1


def test_compare_writes_the_contract(tmp_path):
    out = tmp_path / "cmp"
    res = CliRunner().invoke(cli, ["compare", SMALL, VARIANT, "--reps", "3", "--months", "12", "--workers", "1",
                                   "--out", str(out), "--set", "oc_members=9", "--noise-only"])
    assert res.exit_code == 0, res.output
    assert "mean_collection_rate" in res.stdout and "common random numbers" in res.stdout
    table = pd.read_csv(out / "comparison.csv")
    assert list(table.columns) == [
        "metric", "scenario", "baseline", "n", "mean", "ci_low", "ci_high", "diff", "diff_ci_low", "diff_ci_high",
        "diff_method", "p_value", "p_adjusted", "effect_size", "prob_better", "higher_is_better", "direction",
        "crn_variance_ratio"]
    assert set(table["direction"]) <= {"higher", "lower", "ambiguous"}
    assert (table["direction"] != "lower").eq(table["higher_is_better"]).all()
    assert not (out / "robustness.csv").exists()  # --noise-only
    assert table.groupby("metric").size().eq(2).all()
    base = table[table["scenario"] == "small"]
    assert (base[["diff", "diff_ci_low", "diff_ci_high"]] == 0).all().all()
    summary = pd.read_parquet(out / "summary.parquet")
    assert list(summary.columns[:3]) == ["scenario", "replicate", "seed"] and len(summary) == 6
    monthly = pd.read_parquet(out / "monthly")
    assert list(monthly.columns[:4]) == ["scenario", "replicate", "month", "estate"]
    assert set(monthly["estate"]) >= {"all"}
    import json

    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["scenarios"][1]["overrides"] == {"oc_members": 9}
    assert len(manifest["scenarios"][0]["sha256"]) == 64 and manifest["base_seed"] == 1 and manifest["reps"] == 3


@pytest.mark.parametrize("args, needle", [
    (["compare", "no_such_scenario", SMALL], "no_such_scenario: no such scenario file"),
    (["compare", SMALL, VARIANT, "--set", "no_such_param=1"], "unknown parameter"),
    (["compare", SMALL, VARIANT, "--vary", "pay_intercep"], "did you mean pay_intercept"),
    (["compare", SMALL, VARIANT, "--metric", "collection", "--precision", "0.01"], "not a summary metric"),
    (["sweep", SMALL, "--param", "pay_intercept=1:2"], "expected NAME=LOW:HIGH:STEPS"),
    (["sweep", SMALL, "--param", "pay_intercept"], "expected NAME=LOW:HIGH:STEPS"),
    (["sweep", SMALL, "--param", "no_such=1,2"], "no_such: unknown parameter"),
    (["sweep", SMALL, "--param", "staffing_norm=liaocheng:xian:2"], "takes a list of values"),
    (["sweep", SMALL, "--param", "staffing_norm=beijing"], "must be one of"),
    (["sensitivity", SMALL, "--method", "sobol", "--n", "10"], "power of 2"),
    (["sensitivity", SMALL, "--vary", "pay_intercept=3:1"], "above high"),
])
def test_bad_arguments_give_one_error_line(tmp_path, args, needle):
    res = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "o"), "--workers", "1"])
    assert res.exit_code == 2, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0], res.stderr
    assert "Traceback" not in res.output
    assert not (tmp_path / "o" / "comparison.csv").exists()


def test_precision_adds_replicates_until_the_ci_is_narrow_enough(tmp_path):
    first = compare(SMALL, [VARIANT], reps=3, months=12, workers=1, out=tmp_path / "first")
    row = first.comparison.query("metric == 'mean_collection_rate' and scenario == 'small_variant'").iloc[0]
    target = 0.6 * (row["diff_ci_high"] - row["diff_ci_low"]) / 2  # needs more than 3 replicates
    res = compare(SMALL, [VARIANT], reps=3, months=12, workers=1, precision=target, max_reps=40, out=tmp_path / "p")
    rounds = res.manifest["precision_rounds"]
    assert len(rounds) >= 2 and rounds[0]["half_width"] > target >= rounds[-1]["half_width"]
    n = res.manifest["reps"]
    assert 3 < n <= 40 and res.summary.groupby("scenario").size().eq(n).all()
    row = res.comparison.query("metric == 'mean_collection_rate' and scenario == 'small_variant'").iloc[0]
    assert (row["diff_ci_high"] - row["diff_ci_low"]) / 2 <= target and row["n"] == n
    again = compare(SMALL, [VARIANT], reps=3, months=12, workers=1, precision=target, max_reps=40, out=tmp_path / "p")
    assert again.manifest["runs_computed"] == 0 and again.manifest["reps"] == n
