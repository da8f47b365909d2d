"""ABC-SMC machinery: the distance, resampling, concentration of the posterior on a toy model,
and the same results on any number of workers and after an interruption."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from commsim import calibration_smc as smc
from commsim.calibration import CalibrationSpec, Target, parameter_table, resample
from commsim.cli import cli

from .helpers import DATA, SMALL

TARGETS = DATA / "targets_small.toml"


def test_scaled_distance_is_one_at_the_range_edges_and_zero_at_the_centre():
    t = Target("c", "street_mean", "collection_rate", 0.6, 0.9, "s", central=0.75)
    assert smc.scaled_deviation(t, 0.75) == 0
    assert smc.scaled_deviation(t, 0.6) == pytest.approx(1) and smc.scaled_deviation(t, 0.9) == pytest.approx(1)
    assert smc.scaled_deviation(t, 0.675) == pytest.approx(0.5) and smc.scaled_deviation(t, 1.05) == pytest.approx(2)
    assert smc.scaled_deviation(t, float("nan")) == smc.MISSING
    check = Target("w", "street_mean", "worker_load", 0, 1, "s", fitted=False)
    dist = smc.TargetDistance([t, check])
    assert dist({"c": 0.8, "w": 50.0}) == pytest.approx(1 / 3)  # checks are not fitted


def test_resample_keeps_weights_and_is_reproducible():
    pop = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "weight": [0.5, 0.25, 0.25, 0.0], "within": [True] * 4})
    out = resample(pop, 400, seed=1)
    counts = out["a"].value_counts().to_dict()
    assert counts == {1.0: 200, 2.0: 100, 3.0: 100}
    assert list(out.columns) == ["particle", "a", "accepted"]
    pd.testing.assert_frame_equal(out, resample(pop, 400, seed=1))
    assert not out["a"].head(20).is_monotonic_increasing  # shuffled: r mod n favours no part


def toy_model(pars):
    """Statistic y depends on pay_intercept only; oc_formation_hazard does nothing."""
    return {"y": float(pars["pay_intercept"]) + 0.02 * float(np.random.normal())}


def test_posterior_concentrates_where_the_data_allow(tmp_path):
    from pyabc import ABCSMC
    from pyabc.transition import MultivariateNormalTransition

    spec = CalibrationSpec("toy", "none", ("pay_intercept", "oc_formation_hazard"),
                           (Target("y", "street_mean", "y", 1.8, 2.0, "toy", central=1.9),))
    db = f"sqlite:///{tmp_path / 'abc.db'}"

    def make():
        return ABCSMC(toy_model, smc.priors(spec), smc.TargetDistance(spec.targets), population_size=120,
                      transitions=MultivariateNormalTransition(), eps=smc.floored_epsilon(1.0, 0.5),
                      sampler=smc.make_sampler(seed=4))

    seen = []
    reason = smc.run_generations(make, db, spec, 10, 1.0, 0.01, False, seen.append)
    assert reason == "floor" and seen[-1]["epsilon"] == 1.0 and len(seen) >= 3
    assert [g["epsilon"] for g in seen] == sorted((g["epsilon"] for g in seen), reverse=True)
    from pyabc import History

    h = History(db, _id=1)
    df, w = h.get_distribution(0, h.max_t)
    post = df.assign(weight=w)
    assert post["pay_intercept"].between(1.7, 2.1).all()
    table = parameter_table(spec, post).set_index("parameter")
    assert table.loc["pay_intercept", "identification"] == "narrowed"
    assert table.loc["pay_intercept", "sd_ratio"] < 0.25
    assert table.loc["oc_formation_hazard", "identification"] == "not identified"


def _run(out, *extra):
    args = ["calibrate", str(SMALL), "--targets", str(TARGETS), "--n", "5", "--reps", "1", "--months", "8",
            "--floor", "0.1", "--out", str(out), *extra]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return pd.read_csv(out / "accepted.csv"), pd.read_csv(out / "generations.csv")


def test_same_results_on_any_number_of_workers_and_after_an_interruption(tmp_path):
    one, gens = _run(tmp_path / "one", "--generations", "3", "--workers", "1")
    two, _ = _run(tmp_path / "two", "--generations", "3", "--workers", "2")
    pd.testing.assert_frame_equal(one, two)
    assert len(gens) == 3
    _run(tmp_path / "cut", "--generations", "1", "--workers", "1")  # stopped after one generation...
    resumed, gens_resumed = _run(tmp_path / "cut", "--generations", "3", "--workers", "1")  # ...and continued
    pd.testing.assert_frame_equal(one, resumed)
    pd.testing.assert_frame_equal(gens, gens_resumed)
    other = CliRunner().invoke(cli, ["calibrate", str(SMALL), "--targets", str(TARGETS), "--n", "6", "--reps", "1",
                                     "--months", "8", "--floor", "0.1", "--out", str(tmp_path / "cut")])
    assert other.exit_code == 2 and "holds a calibration with other settings (particles)" in other.output
    again, _ = _run(tmp_path / "cut", "--generations", "3", "--workers", "1", "--overwrite")
    pd.testing.assert_frame_equal(one, again)
