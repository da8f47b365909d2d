"""No input crashes commsim: mutated scenario files, hostile values, options and --set.

A property-based test (hypothesis) mutates the small test street (types, values, structure)
and asserts that loading it either succeeds, and then a short run works, or fails with one
located line ``<file>: <field>: <problem>``, never another exception.
"""

from __future__ import annotations

import copy
import re
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commsim.cli import cli
from commsim.errors import CommsimError, ScenarioError
from commsim.runner import simulate
from commsim.scenario import load_scenario, parse_set_options
from commsim.street import toml_string

from .helpers import SMALL

BASE = tomllib.loads(SMALL.read_text(encoding="utf-8"))
BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def toml_inline(value) -> str:
    """Any value as inline TOML (tables and arrays nested inline)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "nan" if value != value else ("inf" if value == float("inf") else "-inf" if value == float("-inf") else repr(value))
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_inline(v) for v in value) + "]"
    return "{" + ", ".join(f"{_key(k)} = {toml_inline(v)}" for k, v in value.items()) + "}"


def _key(k: str) -> str:
    return k if BARE.match(k) else toml_string(k)


def dump(data: dict) -> str:
    return "\n".join(f"{_key(k)} = {toml_inline(v)}" for k, v in data.items()) + "\n"


def paths(node, prefix=()):
    """Every path to a value (keys and list indices) in nested dicts and lists."""
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from paths(v, (*prefix, i))


ALL_PATHS = [p for p in paths(BASE) if p]
scalars = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1), st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, 1, -1, 0.0, 1e-300, 1e300, 200_000, 200_001, "1.9", "yes", "24", "all", "", "\x00", "a\nb"]),
    st.booleans(), st.text(max_size=12),
)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                      max_leaves=6)


@st.composite
def mutated(draw):
    data = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(ALL_PATHS))
        parent = data
        try:
            for part in path[:-1]:
                parent = parent[part]
            last = path[-1]
            action = draw(st.sampled_from(["replace", "replace", "delete", "add", "duplicate"]))
            if action == "replace":
                parent[last] = draw(values)
            elif action == "delete":
                del parent[last]
            elif action == "add" and isinstance(parent, dict):
                parent[draw(st.text(min_size=1, max_size=8))] = draw(values)
            elif action == "duplicate" and isinstance(parent, list):
                parent.append(copy.deepcopy(parent[last]))
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or replaced this path
    return data


@settings(max_examples=120, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=mutated())
def test_a_mutated_scenario_loads_or_fails_with_one_located_line(tmp_path, data):
    path = tmp_path / "mutant.toml"
    path.write_text(dump(data), encoding="utf-8")
    try:
        sc = load_scenario(path)
    except CommsimError as exc:
        message = str(exc)
        assert message.startswith(f"{path}: "), message
        located = message[len(f"{path}: "):]
        assert ": " in located and located.split(": ", 1)[0].strip(), message  # a field or row before the problem
        assert "\n" not in message
        return
    if sc.households <= 20_000:
        short = sc.with_months(2)
        monthly = simulate(short, 1)
        assert len(monthly) == 2 * (len(sc.estates()) + 1)


@pytest.mark.parametrize("text, needle", [
    ("a = " + "[" * 5000 + "]" * 5000, "not valid TOML"),
    ('[scenario]\nname = "x"\n' + "[a" * 300 + "]", "not valid TOML"),
    ("x = 1\n" * 3 + "\x00", "not valid TOML"),
    ('scenario = 5\ncommunities = []', "scenario"),
    ('[scenario]\nname = "x"\nplugins = ["this"]\n[[communities]]\nname = "A"\n[[communities.estates]]\n'
     'name = "e"\ntype = "old"\nhouseholds = 10\nfee_yuan_per_m2_month = 1.0', "must be a .py file"),
    ('[scenario]\nname = "x"\nplugins = ["a\\u0000b.py"]\n[[communities]]\nname = "A"\n[[communities.estates]]\n'
     'name = "e"\ntype = "old"\nhouseholds = 10\nfee_yuan_per_m2_month = 1.0', "control characters"),
])
def test_pathological_files_are_one_line_errors(tmp_path, text, needle):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(path)])
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"error: {path}: ") and needle in result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output


STRICT = {
    "households = true": ("households = 400", "households = true", "households: Input should be a valid integer"),
    "fee as text": ("fee_yuan_per_m2_month = 1.9", 'fee_yuan_per_m2_month = "1.9"', "fee_yuan_per_m2_month: Input should be a valid number"),
    "committee as text": ("owners_committee = true", 'owners_committee = "yes"', "owners_committee: Input should be a valid boolean"),
    "committee as 1": ("owners_committee = true", "owners_committee = 1", "owners_committee: Input should be a valid boolean"),
    "months as text": ("months = 36", 'months = "24"', "scenario.months: Input should be a valid integer"),
    "months as float": ("months = 36", "months = 24.0", "scenario.months: Input should be a valid integer"),
    "parameter as text": ("burn_in_months = 6", 'burn_in_months = 6\n[parameters]\npay_intercept = "1.9"', "parameters.pay_intercept: must be a number"),
    "whole number as float": ("burn_in_months = 6", "burn_in_months = 6\n[parameters]\noc_members = 9.0", "parameters.oc_members: must be a whole number"),
    "bool parameter as 1": ("burn_in_months = 6", "burn_in_months = 6\n[policies.suzhou_alliance]\nenabled = 1", "enabled: must be true or false"),
    "tiny floor area": ("fee_yuan_per_m2_month = 1.9\n", "fee_yuan_per_m2_month = 1.9\nfloor_area = { mean = 1e-300, sd = 0, min = 1e-300, max = 1e-300 }\n", "floor_area"),
    "estate named all": ('name = "A-old"', 'name = "all"', "reserved for the street-wide rows"),
    "community named ALL": ('name = "B"', 'name = "ALL"', "reserved for the street-wide rows"),
}


@pytest.mark.parametrize("case", sorted(STRICT))
def test_no_silent_conversion_and_reserved_names(tmp_path, case):
    old, new, expected = STRICT[case]
    text = SMALL.read_text(encoding="utf-8")
    assert old in text, old
    path = tmp_path / "bad.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert str(info.value).startswith(f"{path}: ") and expected in str(info.value), str(info.value)


@pytest.mark.parametrize("setting, expected", [
    ("persons_per_household=inf", "must be a finite number"),
    ("persons_per_household=nan", "must be a finite number"),
    ("oc_members=9.0", "must be a whole number"),
    ("pay_intercept='1.9'", "must be a number"),
    ("staffing_norm=3", "must be one of"),
    ("pay_intercept=[1, 2]", "must be a number"),
    ("pay_intercept=" + "[" * 3000, "must be a number"),
])
def test_set_values_are_strict(setting, expected):
    with pytest.raises(CommsimError, match=re.escape(expected)):
        load_scenario(SMALL, parse_set_options([setting]))


@given(raw=st.text(max_size=30))
@settings(max_examples=60, deadline=None, database=None)
def test_any_set_value_is_accepted_or_one_line(raw):
    try:
        load_scenario(SMALL, parse_set_options([f"pay_intercept={raw}"]))
    except CommsimError as exc:
        assert str(exc).startswith("--set pay_intercept: ") and "\n" not in str(exc)


@pytest.mark.parametrize("args, needle", [
    (["run", str(SMALL), "--reps", "abc"], "Invalid value for '--reps'"),
    (["run", str(SMALL), "--months", "0"], "must be at least 1"),
    (["run", str(SMALL), "--seed", "-1"], "must be at least 0"),
    (["run", str(SMALL), "--out", ""], "--out"),
    (["run", str(SMALL), "--max-memory", "-1"], "must be a positive number"),
    (["run", str(SMALL), "--max-memory", "nan"], "must be a positive number"),
    (["run", str(SMALL), "--scheduler", "tcp://x:1"], "--scheduler needs --backend dask"),
    (["run", str(SMALL), "--bogus"], "No such option"),
    (["compare", str(SMALL)], "Missing argument"),
    (["compare", str(SMALL), str(SMALL)], "used twice"),
    (["compare", str(SMALL), str(SMALL), "--precision", "inf"], "--precision"),
    (["sweep", str(SMALL), "--param", "pay_intercept=1:2:100000000"], "more than commsim plans"),
    (["sweep", str(SMALL), "--param", "pay_intercept=1:2:300", "--reps", "100"], "add --yes"),
    (["sensitivity", str(SMALL), "--reps", "20"], "every parameter with a range"),
    (["sensitivity", str(SMALL), "--n", "1"], "--n 1"),
    (["check", "no\x00such"], "no such scenario file"),
    (["street", "--from", "nowhere.csv", "--out", "x.toml"], "nowhere.csv"),
])
def test_bad_options_give_one_error_line(tmp_path, monkeypatch, args, needle):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0], result.output
    assert not Path("results").exists()
