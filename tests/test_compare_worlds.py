"""compare across worlds: the same world for every compared scenario in a stored run, the noise-only
columns of robustness.csv are comparison.csv's, the same results on 1 or 2 workers and on Dask,
and a comparison interrupted among its worlds resumes to what an uninterrupted one gives."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
from click.testing import CliRunner

from commsim.cli import cli
from commsim.compare import compare
from commsim.compare_worlds import WorldsOptions
from commsim.errors import Interrupted
from commsim.runner import replicate_seed
from commsim.store import check_complete

from .helpers import DATA, SMALL

VARIANT = DATA / "small_variant.toml"
OUTPUTS = ("comparison.csv", "robustness.csv", "discovery.csv", "worlds.csv")


@pytest.fixture(scope="module")
def posterior(tmp_path_factory):
    path = tmp_path_factory.mktemp("posterior") / "accepted.csv"
    pd.DataFrame({"pay_beta_norm": [0.6, 1.4, 2.2], "oc_formation_hazard": [0.01, 0.02, 0.03],
                  "pay_intercept": [1.5, 1.7, 1.9], "distance": [0.1, 0.2, 0.3]}).to_csv(path, index=False)
    return path


def run(out, posterior, **kw):
    args = dict(reps=2, months=5, seed=3, workers=1, worlds=WorldsOptions(4, 8, posterior=posterior))
    return compare(SMALL, [VARIANT], out=out, **{**args, **kw})


def same_folders(a, b) -> None:
    for name in OUTPUTS:
        pd.testing.assert_frame_equal(pd.read_csv(a / name), pd.read_csv(b / name), check_exact=True, obj=name)
    for name in ("summary.parquet", "worlds_summary.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(a / name), pd.read_parquet(b / name), check_exact=True, obj=name)
    assert json.loads((a / "stability.json").read_text()) == json.loads((b / "stability.json").read_text())


@pytest.fixture(scope="module")
def whole(tmp_path_factory, posterior):
    out = tmp_path_factory.mktemp("worlds") / "whole"
    return run(out, posterior), out


def test_every_scenario_runs_in_the_same_world(whole, posterior):
    res, out = whole
    summary = pd.read_parquet(out / "worlds_summary.parquet")
    worlds = pd.read_csv(out / "worlds.csv").set_index("replicate")
    n = res.manifest["worlds"]["worlds"]
    assert n == 8 and len(worlds) == 8  # 4 worlds were not enough: a second round up to the cap
    assert summary.groupby("scenario").size().eq(n).all()
    sampled = [c for c in worlds.columns if c in summary.columns]
    assert "firm_cost_ratio" in sampled and "pay_beta_norm" in sampled  # an assumption, a calibrated one
    for r, rows in summary.groupby("replicate"):
        assert rows["seed"].nunique() == 1 and rows["seed"].iloc[0] == replicate_seed(3, r)
        for col in sampled:
            assert rows[col].nunique() == 1, (r, col)
            assert rows[col].iloc[0] == pytest.approx(worlds.loc[r, col]), (r, col)
    assert set(worlds["pay_beta_norm"]) <= {0.6, 1.4, 2.2}  # whole posterior sets
    assert "pay_intercept" not in worlds  # the variant sets it: never drawn, its posterior column dropped
    info = res.manifest["worlds"]
    assert info["sampled"]["calibrated"] == 2 and info["posterior_sets"] == 3
    assert [r["worlds"] for r in info["rounds"]] == [4, 8] and info["stable"] is False
    assert check_complete(out)["status"] == "complete"
    assert {"worlds.csv", "robustness.csv", "discovery.csv"} <= set(res.manifest["outputs"])


def test_noise_columns_repeat_comparison_csv(whole):
    _, out = whole
    comp = pd.read_csv(out / "comparison.csv").set_index(["metric", "scenario"])
    rob = pd.read_csv(out / "robustness.csv")
    rows = rob[(rob["comparator"] == "small") & (rob["scenario"] == "small_variant")]
    assert len(rows) >= 8
    for r in rows.itertuples():
        c = comp.loc[(r.outcome, "small_variant")]
        assert (r.noise_diff, r.noise_ci_low, r.noise_ci_high) == pytest.approx(
            (c["diff"], c["diff_ci_low"], c["diff_ci_high"]), rel=1e-12, abs=1e-15, nan_ok=True), r.outcome
    assert set(rob["n_worlds"]) == {8}


def test_one_worker_two_workers_and_dask_give_the_same_worlds(tmp_path, posterior):
    pytest.importorskip("distributed")
    small = dict(months=4, worlds=WorldsOptions(3, 3, posterior=posterior))
    run(tmp_path / "w1", posterior, **small)
    run(tmp_path / "w2", posterior, workers=2, **small)
    run(tmp_path / "dask", posterior, workers=2, backend="dask", **small)
    same_folders(tmp_path / "w1", tmp_path / "w2")
    same_folders(tmp_path / "w1", tmp_path / "dask")


def test_interrupted_among_the_worlds_resumes_to_the_same_result(whole, tmp_path, monkeypatch, posterior):
    import commsim.store as store

    _, out = whole
    written, real = [], store.RunStore.write

    def write_then_stop(self, results):
        real(self, results)
        written.append(len(results))
        if len(written) == 15:  # 4 noise-only runs, 8 of the first round, 3 of the second
            raise KeyboardInterrupt

    monkeypatch.setattr(store.RunStore, "write", write_then_stop)
    resumed = tmp_path / "resumed"
    with pytest.raises(Interrupted, match="11 of 16 runs are finished .* the other 5"):  # the worlds' round
        run(resumed, posterior, chunk=1)
    assert json.loads((resumed / "manifest.json").read_text())["status"] == "interrupted"
    monkeypatch.undo()
    again = run(resumed, posterior, chunk=1)
    assert again.manifest["runs_reused"] == 15 and again.manifest["runs_computed"] == 5
    same_folders(out, resumed)


def test_noise_only_and_worlds_options_on_the_command_line(tmp_path, posterior):
    out = tmp_path / "cli"
    args = ["compare", str(SMALL), str(VARIANT), "--reps", "2", "--months", "5", "--workers", "1", "--no-figures",
            "--out", str(out)]
    res = CliRunner().invoke(cli, [*args, "--worlds", "3", "--max-worlds", "3", "--posterior", str(posterior)])
    assert res.exit_code == 0, res.output
    assert "across 3 worlds" in res.stdout and "beats it in" in res.stdout
    assert "not reached" in res.stderr and "pay_intercept" in res.stderr  # dropped from the posterior, said
    bad = CliRunner().invoke(cli, [*args, "--worlds", "5", "--max-worlds", "3"])
    assert bad.exit_code == 2 and "--max-worlds 3: must be at least --worlds (5)" in bad.output
    crn = CliRunner().invoke(cli, [*args, "--no-crn"])
    assert crn.exit_code == 2 and "--no-crn: only with --noise-only" in crn.output
    quiet = CliRunner().invoke(cli, [*args, "--noise-only", "--overwrite"])
    assert quiet.exit_code == 0, quiet.output
    assert not (out / "robustness.csv").exists() and "across 3 worlds" not in quiet.stdout


def test_worlds_that_the_folder_does_not_hold_are_refused_not_mixed(whole, tmp_path, posterior):
    _, out = whole
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    with pytest.raises(Exception, match="different experiment"):
        run(copy, posterior, worlds=WorldsOptions(5, 8, posterior=posterior))  # other Latin-hypercube blocks
