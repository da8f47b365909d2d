"""Calibration: statistics, targets file validation and the command end to end (the ABC-SMC
machinery: tests/test_calibration_smc.py)."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from click.testing import CliRunner

from commsim.calibration import Target, load_targets, statistic
from commsim.cli import cli
from commsim.errors import ScenarioError
from commsim.params import PARAMETERS
from commsim.store import check_complete
from commsim.uncertainty import load_posterior

from .helpers import DATA, SMALL

TARGETS = DATA / "targets_small.toml"


def frame():
    rows = []
    for month in (1, 2, 3):
        rows += [
            {"month": month, "estate": "a", "estate_type": "commercial", "x": 0.9, "y": 0.1},
            {"month": month, "estate": "b", "estate_type": "old", "x": 0.5 + month / 10, "y": 0.2},
            {"month": month, "estate": "all", "estate_type": "all", "x": 0.7, "y": 0.05 * month},
        ]
    return pd.DataFrame(rows)


def test_statistics_on_a_known_frame():
    df = frame()
    t = lambda kind, **opt: Target("t", kind, "x", 0, 1, "s", options=opt)  # noqa: E731
    assert statistic(t("street_mean"), df, burn_in=1) == pytest.approx(0.7)
    assert statistic(Target("t", "street_final", "y", 0, 1, "s"), df, 0) == pytest.approx(0.15)
    assert statistic(t("type_difference", higher="commercial", lower="old"), df, 1) == pytest.approx(0.9 - 0.75)
    assert statistic(t("type_difference_final", higher="commercial", lower="old"), df, 1) == pytest.approx(0.9 - 0.8)
    assert statistic(t("estate_share_above", threshold=0.8), df, 0) == pytest.approx(0.5)
    assert statistic(t("street_difference", minus="y"), df, 2) == pytest.approx(0.7 - 0.15)


def test_deviation_is_zero_inside_and_grows_outside():
    t = Target("t", "street_mean", "x", 0.6, 0.9, "s", central=0.76)
    assert t.deviation(0.75) == 0 and t.deviation(0.6) == 0
    assert t.deviation(0.45) == pytest.approx(0.5)
    assert t.deviation(math.nan) == math.inf
    assert t.centrality(0.76) == 0 < t.centrality(0.8)


def test_calibrate_command_end_to_end(tmp_path):
    out = tmp_path / "cal"
    result = CliRunner().invoke(cli, ["calibrate", str(SMALL), "--targets", str(TARGETS), "--n", "6", "--reps", "1",
                                      "--months", "12", "--generations", "3", "--floor", "0.2", "--workers", "1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    for name in ("samples.csv", "accepted.csv", "posterior.csv", "generations.csv", "parameters.csv", "fit.csv",
                 "best.toml", "manifest.json", "figures/targets.png", "abc.db"):
        assert (out / name).exists(), name
    assert (out / "figures" / "targets.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    best = (out / "best.toml").read_text()
    assert "[parameters]" in best and "pay_intercept" in best
    sets = load_posterior(out / "accepted.csv")  # what compare --posterior and worlds read
    assert len(sets) == 6 and set(sets[0]) == {"pay_intercept", "oc_formation_hazard", "pay_arrears_cap_months"}
    assert all(isinstance(s["pay_arrears_cap_months"], int) for s in sets)
    gens = pd.read_csv(out / "generations.csv")
    assert list(gens["generation"]) == [0, 1, 2] and gens["threshold"].is_monotonic_decreasing
    assert (gens["particles"] == 6).all() and (gens["proposals"] >= 6).all()
    params = pd.read_csv(out / "parameters.csv")
    assert set(params["parameter"]) == set(sets[0]) and (params["prior_sd"] > 0).all()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["method"].startswith("ABC-SMC") and manifest["generations"] == 3 and manifest["stopped"] == "generations"
    # the moved sample stays within the final threshold and the prior's ranges
    accepted = pd.read_csv(out / "accepted.csv")
    assert (accepted["distance"] <= gens["threshold"].iloc[-1] + 1e-12).all()
    for name in sets[0]:
        lo, hi = PARAMETERS[name].range
        assert accepted[name].between(lo, hi).all()
    assert len(manifest["move_acceptance"]) == 3 and manifest["unique_sets"] >= 1
    assert "ess" in gens.columns and gens["ess"].iloc[0] == pytest.approx(6)
    # the manifest of every experiment command: status, checksums, runs
    assert check_complete(out)["command"] == "calibrate" and "accepted.csv" in manifest["outputs"]
    assert manifest["runs"] == manifest["runs_computed"] > manifest["proposals"] and manifest["runs_reused"] == 0
    assert manifest["scenarios"][0]["name"] == "small" and manifest["base_seed"] == 1


def test_calibrate_checks_size_and_memory_as_the_other_commands(tmp_path):
    common = ["calibrate", str(SMALL), "--targets", str(TARGETS), "--out", str(tmp_path / "c")]
    big = CliRunner().invoke(cli, [*common, "--n", "2000", "--generations", "10"])
    assert big.exit_code == 2 and "calibrate (at least): 52,002 runs" in big.output and "--yes" in big.output
    small_memory = CliRunner().invoke(cli, [*common, "--n", "2", "--max-memory", "0.001"])
    assert small_memory.exit_code == 2 and "give --max-memory GB on a bigger machine" in small_memory.output
    assert not (tmp_path / "c" / "manifest.json").exists()


@pytest.mark.parametrize("text, expected", [
    ('[[target]]\nname = "x"\nstatistic = "median"\nmetric = "m"\nlow = 0\nhigh = 1\nsource = "s"', "target[0].statistic: must be one of"),
    ('[[target]]\nname = "x"\nstatistic = "street_mean"\nmetric = "m"\nlow = 2\nhigh = 1\nsource = "s"', "need numbers low <= high"),
    ('[[target]]\nname = "x"\nmetric = "m"\nlow = 0\nhigh = 1\nsource = "s"', "target[0].statistic: required field is missing"),
    ('[calibration]\nparameters = ["nope"]\n[[target]]\nname = "x"\nstatistic = "street_mean"\nmetric = "m"\nlow = 0\nhigh = 1\nsource = "s"', "calibration.parameters: nope: unknown parameter"),
])
def test_bad_targets_file(tmp_path, text, expected):
    path = tmp_path / "t.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError, match="t.toml"):
        load_targets(path)
    result = CliRunner().invoke(cli, ["calibrate", str(SMALL), "--targets", str(path), "--n", "2"])
    assert result.exit_code == 2 and expected in result.output


def test_compare_carries_calibration_uncertainty(tmp_path):
    """Replicate r of every compared scenario runs with accepted set r mod K."""
    accepted = tmp_path / "accepted.csv"
    pd.DataFrame({"pay_beta_norm": [0.5, 2.0], "oc_formation_hazard": [0.01, 0.03], "stat_x": [0, 0]}).to_csv(accepted, index=False)
    out = tmp_path / "cmp"
    result = CliRunner().invoke(cli, ["compare", str(SMALL), str(DATA / "small_variant.toml"), "--reps", "4", "--months", "8",
                                      "--workers", "1", "--posterior", str(accepted), "--no-figures", "--noise-only", "--out", str(out)])
    assert result.exit_code == 0, result.output
    summary = pd.read_parquet(out / "summary.parquet")
    for _, rows in summary.groupby("replicate"):
        assert rows["pay_beta_norm"].nunique() == 1  # the same set in every scenario
    by_rep = summary.groupby("replicate")["pay_beta_norm"].first()
    assert list(by_rep) == [0.5, 2.0, 0.5, 2.0]
    assert json.loads((out / "manifest.json").read_text())["posterior_sets"] == 2
    bad = CliRunner().invoke(cli, ["compare", str(SMALL), str(DATA / "small_variant.toml"), "--posterior", str(tmp_path / "none.csv")])
    assert bad.exit_code == 2 and "none.csv: no such file" in bad.output
    pd.DataFrame({"pay_intercept": [1.5]}).to_csv(accepted, index=False)  # the variant's own difference
    erase = CliRunner().invoke(cli, ["compare", str(SMALL), str(DATA / "small_variant.toml"), "--reps", "2", "--posterior", str(accepted), "--noise-only"])
    assert erase.exit_code == 2 and "pay_intercept" in erase.output and "erase" in erase.output
