"""Every class of malformed scenario gets one clear message naming file and field, and exit 2."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner

from commsim.cli import cli
from commsim.errors import ScenarioError
from commsim.scenario import load_scenario

from .helpers import SMALL

BASE = SMALL.read_text(encoding="utf-8")


def variant(tmp_path: Path, old: str, new: str, name: str = "bad.toml") -> Path:
    assert old in BASE, old
    path = tmp_path / name
    path.write_text(BASE.replace(old, new, 1), encoding="utf-8")
    return path


CASES = {
    "unknown key": ('occupancy = 0.85', 'occupancy = 0.85\nocupancy = 0.9', "communities[0].estates[0].ocupancy: unknown field"),
    "wrong type": ('households = 400', 'households = "many"', "communities[0].estates[0].households"),
    "out of range": ('occupancy = 0.85', 'occupancy = 1.3', "communities[0].estates[0].occupancy"),
    "negative households": ('households = 400', 'households = -5', "communities[0].estates[0].households"),
    "shares not summing to 1": ('name = "A"\n', 'name = "A"\nhousehold_mix = { age = { young = 0.5, middle = 0.3, retired = 0.1 } }\n', "shares must sum to 1"),
    "unknown estate type": ('type = "commercial"', 'type = "villa"', "communities[0].estates[0].type"),
    "unknown parameter": ('burn_in_months = 6', 'burn_in_months = 6\n\n[parameters]\npay_intercep = 1.0', "parameters.pay_intercep: unknown parameter; did you mean pay_intercept"),
    "parameter out of bounds": ('burn_in_months = 6', 'burn_in_months = 6\n\n[parameters]\nfailure_prob_max = 1.5', "parameters.failure_prob_max: must be between 0 and 1"),
    "bad choice": ('burn_in_months = 6', 'burn_in_months = 6\n\n[parameters]\nstaffing_norm = "beijing"', "parameters.staffing_norm: must be one of"),
    "unknown policy": ('burn_in_months = 6', 'burn_in_months = 6\n\n[policies.magic_fix]\nstrength = 1', "policies.magic_fix: unknown policy"),
    "burn-in too long": ('burn_in_months = 6', 'burn_in_months = 36', "burn_in_months (36) must be less than months (36)"),
    "duplicate estate names": ('name = "A-old"', 'name = "A-commercial"', "estate names must be unique"),
    "missing required field": ('fee_yuan_per_m2_month = 1.9\n', '\n', "fee_yuan_per_m2_month: required field is missing"),
    "not TOML": ('[scenario]', '[scenario', "not valid TOML"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_malformed_scenario_names_file_and_field(tmp_path, case):
    old, new, expected = CASES[case]
    path = variant(tmp_path, old, new)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert str(path) in message
    assert expected in message
    result = CliRunner().invoke(cli, ["check", str(path)])
    assert result.exit_code == 2
    assert result.output.startswith("error: ") or "error: " in result.output
    assert "Traceback" not in result.output
    assert expected in result.output


def test_missing_file_lists_shipped_scenarios():
    result = CliRunner().invoke(cli, ["check", "no_such_scenario"])
    assert result.exit_code == 2
    assert "no_such_scenario: no such scenario file" in result.output
    assert "baseline" in result.output


@pytest.mark.parametrize("setting, expected", [
    ("pay_intercept=abc", "--set pay_intercept: must be a number"),
    ("no_such=1", "--set no_such: unknown parameter"),
    ("oc_members=5.5", "--set oc_members: must be a whole number"),
    ("noequals", "--set noequals: expected NAME=VALUE"),
])
def test_bad_set_option(setting, expected):
    result = CliRunner().invoke(cli, ["check", str(SMALL), "--set", setting])
    assert result.exit_code == 2
    assert expected in result.output


def test_set_option_overrides_parameter():
    from commsim.errors import RangeWarning

    with pytest.warns(RangeWarning):  # 0.5 is below the documented range (allowed, with a warning)
        sc = load_scenario(SMALL, {"pay_intercept": 0.5, "staffing_norm": "xian"})
    assert sc.values.pay_intercept == 0.5 and sc.values.staffing_norm == "xian"
    assert sc.digest() != load_scenario(SMALL).digest()


def commsim_command() -> list[str]:
    """The installed console script if present, else ``python -m commsim``."""
    script = Path(sys.executable).parent / "commsim"
    return [str(script)] if script.exists() else [sys.executable, "-m", "commsim"]


def test_console_script_prints_no_traceback(tmp_path):
    path = variant(tmp_path, 'households = 400', 'households = -5')
    proc = subprocess.run(
        [*commsim_command(), "run", str(path), "--reps", "1", "--out", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "households" in proc.stderr and str(path) in proc.stderr
    assert not (tmp_path / "out").exists()


def test_shipped_scenarios_are_valid():
    from commsim.scenario import shipped_scenarios

    paths = shipped_scenarios()
    assert any(p.stem == "baseline" for p in paths)
    for path in paths:
        assert load_scenario(path).name == path.stem


def test_values_outside_the_documented_range_warn_but_run(tmp_path):
    import warnings

    from commsim.errors import RangeWarning

    with pytest.warns(RangeWarning, match="pay_intercept = 99 is outside its documented range 1.2-2.6"):
        sc = load_scenario(SMALL, {"pay_intercept": 99})
    assert sc.values.pay_intercept == 99
    with warnings.catch_warnings():
        warnings.simplefilter("error", RangeWarning)
        load_scenario(SMALL, {"pay_intercept": 2.0})  # inside the range: silent
    proc = subprocess.run([*commsim_command(), "check", str(SMALL), "--set", "pay_intercept=99"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0
    assert proc.stderr.startswith("warning: --set pay_intercept = 99") and "Traceback" not in proc.stderr


def test_misspelt_key_is_named_before_the_missing_field(tmp_path):
    path = variant(tmp_path, "households = 400", "househods = 400")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert "communities[0].estates[0].househods: unknown field; did you mean households?" in str(info.value)


def test_a_blank_key_and_a_field_in_the_wrong_table_are_named(tmp_path):
    blank = tmp_path / "blank.toml"
    blank.write_text('[scenario]\nbase = "baseline"\n"" = 1\n', encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(blank)
    assert str(info.value).endswith('scenario."": unknown field')
    misplaced = tmp_path / "misplaced.toml"
    misplaced.write_text('base = "baseline"\n', encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(misplaced)
    assert "base: unknown field; base belongs in another table" in str(info.value)


def test_an_estate_name_repeated_in_two_communities_is_refused(tmp_path):
    path = variant(tmp_path, 'name = "B-unmanaged"', 'name = "A-old"')  # community A has one
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert "estate names must be unique in the street (repeated: A-old in A and B)" in str(info.value)


def test_months_shorter_than_the_burn_in_warn_that_the_burn_in_is_cut():
    """`--months 5` on a 12-month burn-in still runs (quick looks), but says what it did: results
    cover one month and the policies start at month 5 instead of 13."""
    from commsim.errors import ShortRunWarning

    sc = load_scenario("suzhou_alliance")
    with pytest.warns(ShortRunWarning, match=r"cut to 4, so results cover only month 5 and policies start at month 5, not 13"):
        short = sc.with_months(5)
    assert (short.months, short.burn_in_months) == (5, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sc.with_months(13).burn_in_months == 12  # one month after the burn-in: no warning
