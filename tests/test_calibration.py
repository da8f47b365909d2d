"""Calibration: statistics, targets file validation, and a tiny end-to-end ABC run."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from click.testing import CliRunner

from commsim.calibration import Target, calibrate, evaluate, lhs_samples, load_targets, statistic
from commsim.cli import cli
from commsim.errors import ScenarioError
from commsim.params import PARAMETERS

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


def test_lhs_samples_stay_in_ranges_and_stratify():
    params = ["pay_intercept", "pay_arrears_cap_months"]
    df = lhs_samples(params, 50, seed=3)
    for name in params:
        lo, hi = PARAMETERS[name].range
        assert df[name].between(lo, hi).all()
    assert df["pay_arrears_cap_months"].dtype.kind == "i"
    # Latin hypercube: one sample in each of the 50 strata of the first parameter
    lo, hi = PARAMETERS["pay_intercept"].range
    strata = ((df["pay_intercept"] - lo) / (hi - lo) * 50).astype(int).clip(0, 49)
    assert strata.nunique() == 50
    pd.testing.assert_frame_equal(df, lhs_samples(params, 50, seed=3))


def test_calibrate_accepts_only_sets_inside_every_fitted_target(small_scenario):
    spec = load_targets(TARGETS)
    sc = small_scenario.with_months(12)

    def evaluate_many(tasks):
        return [evaluate(sc, overrides, seeds, spec.targets) for overrides, seeds in tasks]

    result = calibrate(sc, spec, n=6, reps=1, seed=2, evaluate_many=evaluate_many, min_accepted=1)
    samples = result["samples"]
    assert len(samples) == 6 and {"distance", "accepted", "stat_collection_rate"} <= set(samples.columns)
    inside = samples["stat_collection_rate"].between(0.6, 0.9) & samples["stat_old_below_commercial"].between(0, 0.5)
    assert (samples["accepted"] == inside).all()
    assert set(result["fit"]["target"]) == {"collection_rate", "old_below_commercial", "load"}


def test_calibrate_command_end_to_end(tmp_path):
    out = tmp_path / "cal"
    result = CliRunner().invoke(cli, ["calibrate", str(SMALL), "--targets", str(TARGETS), "--n", "4", "--reps", "1",
                                      "--months", "12", "--workers", "1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    for name in ("samples.csv", "accepted.csv", "fit.csv", "best.toml", "manifest.json", "figures/targets.png"):
        assert (out / name).exists(), name
    assert (out / "figures" / "targets.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    best = (out / "best.toml").read_text()
    assert "[parameters]" in best and "pay_intercept" in best


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


def test_calibrate_resumes_and_is_independent_of_workers(tmp_path):
    args = ["calibrate", str(SMALL), "--targets", str(TARGETS), "--n", "3", "--reps", "1", "--months", "8"]
    one = CliRunner().invoke(cli, [*args, "--workers", "1", "--out", str(tmp_path / "one")])
    two = CliRunner().invoke(cli, [*args, "--workers", "2", "--out", str(tmp_path / "two")])
    assert one.exit_code == 0 and two.exit_code == 0, one.output + two.output
    first = pd.read_csv(tmp_path / "one" / "samples.csv")
    pd.testing.assert_frame_equal(first, pd.read_csv(tmp_path / "two" / "samples.csv"))
    again = CliRunner().invoke(cli, [*args, "--workers", "1", "--out", str(tmp_path / "one")])
    assert again.exit_code == 0
    pd.testing.assert_frame_equal(first, pd.read_csv(tmp_path / "one" / "samples.csv"))


def test_compare_carries_calibration_uncertainty(tmp_path):
    """Replicate r of every compared scenario runs with accepted set r mod K."""
    import json

    accepted = tmp_path / "accepted.csv"
    pd.DataFrame({"pay_beta_norm": [0.5, 2.0], "oc_formation_hazard": [0.01, 0.03], "stat_x": [0, 0]}).to_csv(accepted, index=False)
    out = tmp_path / "cmp"
    result = CliRunner().invoke(cli, ["compare", str(SMALL), str(DATA / "small_variant.toml"), "--reps", "4", "--months", "8",
                                      "--workers", "1", "--posterior", str(accepted), "--no-figures", "--out", str(out)])
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
    erase = CliRunner().invoke(cli, ["compare", str(SMALL), str(DATA / "small_variant.toml"), "--reps", "2", "--posterior", str(accepted)])
    assert erase.exit_code == 2 and "pay_intercept" in erase.output and "erase" in erase.output
