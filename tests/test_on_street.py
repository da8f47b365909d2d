"""The compared policies on another street (compare --street) and across streets (commsim streets):
the street's estates, households and parameters replace each scenario's, its policies and name
stay; clear errors; a per-street table with ranks and one figure."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from commsim.cli import cli
from commsim.errors import ScenarioError
from commsim.experiment import load_setup, on_street
from commsim.scenario import load_scenario
from commsim.store import check_complete
from commsim.streets import COLUMNS, rank_changes, shipped_streets

from .helpers import DATA, SMALL

SUBSIDY = DATA / "small_subsidy.toml"
OTHER = DATA / "small_other_street.toml"


def test_a_street_replaces_estates_households_and_its_parameters_only():
    base, subsidy, street = load_scenario(SMALL), load_scenario(SUBSIDY), load_scenario(OTHER)
    moved = on_street([base, subsidy], street)
    for before, after in zip((base, subsidy), moved, strict=True):
        assert after.name == before.name and after.months == before.months == 36
        assert after.policies == before.policies
        assert after.households == street.households == 700
        assert [e.name for _, _, e in after.estates()] == ["C-old", "C-work-unit", "C-commercial"]
        assert after.spec.household_mix == street.spec.household_mix
        assert after.values["staffing_norm"] == "xian"  # the street's own parameter
        assert after.digest() != before.digest()
    assert moved[1].values["fee_subsidy.start_month"] == subsidy.values["fee_subsidy.start_month"]
    setup = load_setup([SMALL, SUBSIDY], sets={"staffing_norm": "cangzhou"}, street=OTHER)
    assert all(sc.values["staffing_norm"] == "cangzhou" for sc in setup.scenarios.values())  # --set wins
    assert setup.street.name == "small_other_street"


def test_bad_streets_are_one_clear_error(tmp_path):
    with pytest.raises(ScenarioError, match="switches on fee_subsidy; a street describes estates and households only"):
        load_setup([SMALL], street=SUBSIDY)
    with pytest.raises(ScenarioError, match="no_such_street: no such scenario file"):
        load_setup([SMALL], street="no_such_street")
    clash = tmp_path / "clash.toml"
    clash.write_text(OTHER.read_text(encoding="utf-8").replace('staffing_norm = "xian"', "pay_intercept = 2.0"),
                     encoding="utf-8")
    with pytest.raises(ScenarioError, match="parameters.pay_intercept: the compared scenarios set it differently"):
        load_setup([SMALL, DATA / "small_variant.toml"], street=clash)
    res = CliRunner().invoke(cli, ["compare", str(SMALL), str(SUBSIDY), "--street", str(SUBSIDY), "--noise-only",
                                   "--out", str(tmp_path / "o")])
    assert res.exit_code == 2 and res.stderr.count("\n") == 1 and "error: " in res.stderr


def test_compare_on_a_street_records_it(tmp_path):
    out = tmp_path / "cmp"
    res = CliRunner().invoke(cli, ["compare", str(SMALL), str(SUBSIDY), "--street", str(OTHER), "--noise-only",
                                   "--reps", "2", "--months", "4", "--workers", "1", "--no-figures", "--out", str(out)])
    assert res.exit_code == 0, res.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["street"]["name"] == "small_other_street" and manifest["street"]["households"] == 700
    monthly = pd.read_parquet(out / "monthly")
    assert set(monthly["estate"]) == {"C-old", "C-work-unit", "C-commercial", "all"}


def test_streets_writes_a_table_of_ranks_and_one_figure(tmp_path):
    out = tmp_path / "streets"
    res = CliRunner().invoke(cli, ["streets", str(SMALL), str(SUBSIDY), "--streets", str(OTHER), "--reps", "2",
                                   "--months", "4", "--worlds", "3", "--max-worlds", "3", "--posterior", "none",
                                   "--workers", "1", "--lang", "en", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "rank by share of worlds" in res.stdout
    table = pd.read_csv(out / "streets.csv")
    assert list(table.columns) == list(COLUMNS) and set(table["street"]) == {"own", "small_other_street"}
    for (street, outcome), part in table.groupby(["street", "outcome"]):
        assert sorted(part["scenario"]) == ["small", "small_subsidy"]
        assert part["rank"].min() == 1 and abs(part["prob_best"].sum() - 1) < 1e-9, (street, outcome)
        assert part.loc[part["scenario"] == "small", "share_better"].isna().all()
    for street in ("own", "small_other_street"):
        assert check_complete(out / street)["command"] == "compare"
        assert (out / street / "robustness.csv").is_file()
    assert check_complete(out)["command"] == "streets"
    assert (out / "figures" / "streets_collection_rate_en.png").read_bytes()[:4] == b"\x89PNG"
    ranks = rank_changes(table, "mean_collection_rate")
    assert list(ranks.columns) == ["own", "small_other_street", "changes"]


def test_the_shipped_streets_are_the_default():
    assert shipped_streets() == ["street_new_district", "street_old_town", "street_resettlement"]
