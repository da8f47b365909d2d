"""Parameter uncertainty (Latin hypercube), sweeps and sensitivity analysis."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from commsim.cli import cli
from commsim.compare import compare
from commsim.errors import CommsimError, ParameterError
from commsim.experiment import differing, load_experiment_scenario, load_setup
from commsim.params import PARAMETERS
from commsim.sensitivity import default_parameters, sensitivity
from commsim.sweep import parse_param_option, sweep
from commsim.uncertainty import (
    make_vary,
    parse_vary_option,
    sample_replicates,
)

DATA = Path(__file__).parent / "data"
SMALL = str(DATA / "small.toml")
VARIANT = str(DATA / "small_variant.toml")


def test_latin_hypercube_puts_one_sample_in_each_stratum():
    v = make_vary("pay_intercept")
    lo, hi = PARAMETERS["pay_intercept"].range
    samples = sample_replicates([v, make_vary("staffing_norm")], range(10), seed=3, block_size=10)
    x = np.array([samples[r]["pay_intercept"] for r in range(10)])
    strata = np.floor((x - lo) / (hi - lo) * 10).astype(int)
    assert sorted(strata) == list(range(10))
    norms = [samples[r]["staffing_norm"] for r in range(10)]
    assert set(norms) == {"liaocheng", "xian", "cangzhou"}
    more = sample_replicates([v, make_vary("staffing_norm")], range(25), seed=3, block_size=10)
    assert all(more[r] == samples[r] for r in range(10))  # adding replicates keeps earlier ones


def test_vary_specs_and_their_errors():
    assert parse_vary_option("pay_intercept=1.5:2.0").low == 1.5
    assert parse_vary_option("staffing_norm=xian,cangzhou").values == ("xian", "cangzhou")
    tri = make_vary("pay_beta_norm", {"distribution": "triangular", "low": 0.4, "mode": 1.2, "high": 2.5})
    assert tri.value(0.0) == pytest.approx(0.4) and tri.value(0.5) < 1.45
    assert make_vary("oc_members").value(0.999) == 11  # integer parameter: whole numbers up to high
    for bad in ("no_such", "pay_intercept=2:1", "pay_intercept=a:b", "staffing_norm=beijing"):
        with pytest.raises(ParameterError):
            parse_vary_option(bad)


def test_uncertainty_table_in_a_scenario_file(tmp_path):
    text = Path(SMALL).read_text().replace(
        "[[communities]]", '[uncertainty]\npay_intercept = [1.6, 2.2]\nstaffing_norm = "range"\n\n[[communities]]', 1)
    path = tmp_path / "unc.toml"
    path.write_text(text)
    sc, varies = load_experiment_scenario(path)
    assert sc.name == "small" and [v.name for v in varies] == ["pay_intercept", "staffing_norm"]
    path.write_text(text.replace("[1.6, 2.2]", "[1.6, 9.9, 3]"))
    with pytest.raises(CommsimError, match="uncertainty.pay_intercept"):
        load_experiment_scenario(path)


def test_compare_samples_parameters_identically_across_scenarios():
    res = compare(SMALL, [VARIANT], reps=4, months=12, workers=1, vary=[parse_vary_option("trust_initial_mean")])
    s = res.summary
    by = s.pivot(index="replicate", columns="scenario", values="trust_initial_mean")
    assert (by["small"] == by["small_variant"]).all() and by["small"].nunique() == 4
    assert len(res.manifest["parameter_samples"]) == 4


def test_sweep_of_a_choice_and_a_numeric_parameter(tmp_path):
    out = tmp_path / "sw"
    res = CliRunner().invoke(cli, ["sweep", SMALL, "--param", "staffing_norm=liaocheng,xian,cangzhou",
                                   "--reps", "2", "--months", "12", "--workers", "1", "--out", str(out)])
    assert res.exit_code == 0, res.output
    table = pd.read_csv(out / "sweep.csv")
    assert list(table.columns[:2]) == ["staffing_norm", "replicate"] and len(table) == 6
    assert table["mean_worker_load"].nunique() > 1  # the norm sets the headcount, hence the load
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["swept"] == {"staffing_norm": ["liaocheng", "xian", "cangzhou"]}
    monthly = pd.read_parquet(out / "monthly")
    assert list(monthly.columns[:3]) == ["scenario", "staffing_norm", "replicate"]

    grid = sweep(SMALL, ["pay_intercept=1.4:2.4:3"], reps=2, months=12, workers=1).table
    means = grid.groupby("pay_intercept")["mean_collection_rate"].mean()
    assert list(means.index) == [1.4, 1.9, 2.4] and means.is_monotonic_increasing


def test_sweep_grid_parsing():
    assert parse_param_option("oc_members=5:11:4") == ("oc_members", [5, 7, 9, 11])
    assert parse_param_option("pay_intercept=2.0") == ("pay_intercept", [2.0])
    with pytest.raises(ParameterError, match="STEPS must be"):
        parse_param_option("pay_intercept=1:2:x")


def test_morris_ranks_a_driver_above_an_idle_parameter(tmp_path):
    params = ["pay_intercept", "vote_cooldown_months", "trust_initial_mean"]
    res = sensitivity(SMALL, method="morris", n=4, params=params, outputs=["mean_collection_rate"],
                      months=12, workers=1, out=tmp_path / "m")
    table = pd.read_csv(tmp_path / "m" / "sensitivity.csv")
    assert list(table.columns) == ["method", "output", "parameter", "mu_star", "mu_star_conf", "sigma"]
    mu = table.set_index("parameter")["mu_star"]
    assert mu["pay_intercept"] > 10 * mu["vote_cooldown_months"]
    assert res.manifest["runs"] == 4 * (3 + 1)


def test_sobol_on_a_policy_difference(tmp_path):
    res = sensitivity(VARIANT, method="sobol", n=8, params=["trust_initial_mean", "pay_beta_trust"],
                      outputs=["mean_collection_rate"], against=SMALL, months=12, workers=1, out=tmp_path / "s")
    table = pd.read_csv(tmp_path / "s" / "sensitivity.csv")
    assert list(table.columns) == ["method", "output", "parameter", "S1", "S1_conf", "ST", "ST_conf"]
    assert len(table) == 2 and np.isfinite(table["ST"]).all()
    assert res.manifest["against"] == "small" and res.manifest["runs"] == 8 * (2 + 2) * 2


def test_varying_what_tells_the_scenarios_apart_is_refused_or_skipped():
    with pytest.raises(ParameterError, match="erase"):
        compare(SMALL, [VARIANT], reps=2, months=12, workers=1, vary=[parse_vary_option("pay_intercept")])
    setup = load_setup([VARIANT, SMALL])
    assert differing(setup) == {"pay_intercept"}
    names = {v.name for v in default_parameters(setup.scenarios["small_variant"], differing(setup))}
    assert "pay_intercept" not in names and "pay_beta_trust" in names and "staffing_norm" not in names
