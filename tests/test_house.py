"""The house of the model: institutions own their changes, hooks are checked, the month's state
and the outputs are declared once, and the model works with Mesa's own tools."""

from __future__ import annotations

import copy
import dataclasses
import pickle
import re
from pathlib import Path

import mesa
import numpy as np
import pandas as pd
import pytest

from commsim import CommunityModel, load_scenario
from commsim.agents import PropertyFirm
from commsim.errors import ScenarioError
from commsim.metrics import METRICS, column_metadata, metrics_markdown
from commsim.policies import Policy
from commsim.policies.base import HOOKS
from commsim.state import MonthState

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "commsim"
DATA = Path(__file__).parent / "data"

# --- institutions own their changes -----------------------------------------------------------
#: writes that only commsim.institutions may make
FORBIDDEN = {
    "an estate's provider": re.compile(r"provider_of\[[^\]]*\]\s*=[^=]"),
    "an estate's committee": re.compile(r"committee_of\[[^\]]*\]\s*=[^=]"),
    "a provider's cash": re.compile(r"\.cash\s*[-+*/]?=[^=]"),
    "the fee subsidies": re.compile(r"subsidies\[[^\]]*\]\s*[-+]?=[^=]"),
    "the grants": re.compile(r"grants\[[^\]]*\]\s*[-+]?=[^=]"),
    "the month's failures": re.compile(r"failure\[[^\]]*\]\s*=[^=]"),
    "an estate's contract fee": re.compile(r"contract_fee\[[^\]]*\]\s*[-+*/]?=[^=]"),
    "an estate's contract term": re.compile(r"contract_end\[[^\]]*\]\s*[-+*/]?=[^=]"),
    "a supervision level (supply hours instead)": re.compile(r"supervision\[[^\]]*\]\s*[-+*/]?=[^=]"),
}


@pytest.mark.parametrize("path", sorted((SRC / "policies").glob("*.py")) + sorted((SRC / "processes").glob("*.py")),
                         ids=lambda p: p.name)
def test_policies_and_processes_never_write_the_institutions_directly(path):
    text = path.read_text(encoding="utf-8")
    found = [what for what, pattern in FORBIDDEN.items() if pattern.search(text)]
    assert not found, f"{path.name} writes {', '.join(found)} directly (use model.institutions)"


def test_assignments_are_read_only_views(small_model):
    with pytest.raises(TypeError):
        small_model.provider_of[0] = None
    with pytest.raises(TypeError):
        small_model.committee_of[0] = None
    assert len(small_model.provider_of) == small_model.estates.n


def test_one_provider_per_estate_is_enforced(small_model):
    with pytest.raises(RuntimeError, match="already has a provider"):
        small_model.institutions.award(PropertyFirm(small_model, [0]))


def test_dismissal_counts_resets_trust_and_keeps_one_provider(small_model):
    model = small_model
    inst, e = model.institutions, 0
    old = model.provider_of[e]
    new = inst.dismiss(old, e, PropertyFirm(model, [e]))
    rows = slice(int(model.estates.start[e]), int(model.estates.stop[e]))
    assert model.provider_of[e] is new and new is not old
    assert model.state.firm_dismissals[e] == 1 and model.state.firm_replacements[e] == 0
    assert np.allclose(model.households.trust[rows], model.p.trust_new_firm)
    inst.dismiss(new, e, PropertyFirm(model, [e]), counted=False)
    assert model.state.firm_replacements[e] == 1
    assert sum(p is not None and e in p.estates for p in model.providers()) == 1


def test_committees_form_and_lapse_only_through_institutions(small_model):
    model = small_model
    e = next(i for i, c in enumerate(model.committee_of) if c is None)
    committee = model.institutions.form_committee(e, 0.05)
    assert model.committee_of[e] is committee and model.state.committees_formed[e] == 1
    with pytest.raises(RuntimeError):
        model.institutions.form_committee(e, 0.05)
    model.institutions.dissolve_committee(e)
    assert model.committee_of[e] is None and model.state.committees_lapsed[e] == 1


def _views_rebuilt(model) -> tuple:
    """The per-estate views as they would be rebuilt from the assignments now."""
    providers = list({id(p): p for p in model.provider_of if p is not None}.values())
    fees = [p.charged_fee(e) if p is not None else 0.0 for e, p in enumerate(model.provider_of)]
    return ([p is not None for p in model.provider_of], [c is not None for c in model.committee_of], providers, fees)


def test_cached_views_follow_every_change_of_the_institutions(small_model):
    """``has_provider``, ``has_committee``, ``providers`` and ``fee_charged`` are cached between
    changes (``Institutions.version``): after awards, dismissals, exits, committees formed and
    dissolved, each equals what the assignments say."""
    model, inst = small_model, small_model.institutions

    def check():
        has_p, has_c, providers, fees = _views_rebuilt(model)
        assert model.has_provider().tolist() == has_p and model.has_committee().tolist() == has_c
        assert model.providers() == providers and model.fee_charged().tolist() == fees

    check()
    inst.dismiss(model.provider_of[0], 0, PropertyFirm(model, [0]))
    check()
    inst.exit(model.provider_of[0])
    check()
    e = next(i for i, c in enumerate(model.committee_of) if c is None)
    inst.form_committee(e, 0.05)
    check()
    inst.dissolve_committee(e)
    check()
    for _ in range(24):  # the month's own tenders, exits and committees
        model.step()
        check()


def test_no_provider_overrides_the_fee_it_charges():
    """The model reads charged fees as the contract fees (``CommunityModel.fee_charged``)."""
    import commsim.policies  # noqa: F401  (every shipped policy's providers)
    from commsim.agents import ServiceProvider

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    overriding = [c.__name__ for c in subclasses(ServiceProvider) if c.charged_fee is not ServiceProvider.charged_fee]
    assert overriding == []


# --- checked hooks ------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["before_servce", "after_month", "befor_payment", "aftr_governance"])
def test_a_misspelt_hook_is_an_error_naming_the_method(name):
    with pytest.raises(TypeError, match=name):
        type("Misspelt", (Policy,), {"name": "misspelt", name: lambda self, model: None})


def test_valid_hooks_are_found_in_stage_order():
    cls = type("Fine", (Policy,), {"name": "fine", "after_payment": lambda self, m: None,
                                    "before_service": lambda self, m: None, "helper": lambda self: None})
    pol = cls.__new__(cls)
    assert list(pol.hooks()) == [("before", "service"), ("after", "payment")]
    assert HOOKS[0] == "before_service" and len(HOOKS) == 12


def test_a_plugin_with_a_misspelt_hook_is_refused_by_name(tmp_path):
    (tmp_path / "bad.py").write_text(
        "from commsim.policies import Policy, register_policy\n"
        "@register_policy\nclass Bad(Policy):\n    name = 'bad_hook_policy'\n"
        "    def before_paymnt(self, model):\n        pass\n", encoding="utf-8")
    text = (DATA / "small.toml").read_text(encoding="utf-8").replace(
        "[scenario]\n", '[scenario]\nplugins = ["bad.py"]\n', 1)
    (tmp_path / "s.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError, match="before_paymnt"):
        load_scenario(tmp_path / "s.toml")


# --- declared state ------------------------------------------------------------------------------
def test_month_state_resets_every_array():
    st = MonthState(3, 10)
    st.failure[:] = True
    st.payments += 5.0
    st.firm_exits += 2
    st.hours_used += 1.0
    st.reset()
    assert not st.failure.any() and not st.payments.any() and not st.firm_exits.any() and not st.hours_used.any()
    assert st.firm_exits.dtype == np.int64 and st.payments.dtype == np.float64
    declared = [f.name for f in dataclasses.fields(MonthState) if not f.init]
    for name in declared:  # every declared array, whatever block holds it, starts the month at zero
        getattr(st, name)[...] = 1
    st.reset()
    assert [name for name in declared if getattr(st, name).any()] == []
    assert {name for name in declared if getattr(st, name).dtype == np.int64} == {
        *MonthState.COUNTS, "complaints_reaching"}
    st.payments += 2.0  # in place: allowed
    st.payments[:] = 1.0
    with pytest.raises(AttributeError, match="payments"):
        st.payments = np.ones(3)  # a new array would be detached from reset() and the recorder
    for copied in (copy.deepcopy(st), pickle.loads(pickle.dumps(st))):  # copies keep the rows in their blocks
        copied.payments[:] = 3.0
        copied.complaints_reaching[:] = 2
        assert (copied.float_block[copied.float_rows["payments"]] == 3.0).all()
        copied.reset()
        assert [name for name in declared if getattr(copied, name).any()] == []


def test_a_subsidy_paid_before_payment_reaches_the_provider(tmp_path):
    """A before_payment hook's subsidy is not wiped by the payment stage."""
    (tmp_path / "early.py").write_text(
        "from commsim.policies import Policy, register_policy\n"
        "@register_policy\nclass Early(Policy):\n    name = 'early_subsidy_probe'\n"
        "    def before_payment(self, model):\n        self.subsidise(0, 100.0)\n", encoding="utf-8")
    text = (DATA / "small.toml").read_text(encoding="utf-8").replace(
        "[scenario]\n", '[scenario]\nplugins = ["early.py"]\n', 1) + "\n[policies.early_subsidy_probe]\nstart_month = 1\n"
    (tmp_path / "s.toml").write_text(text, encoding="utf-8")
    model = CommunityModel(load_scenario(tmp_path / "s.toml"), seed=1)
    model.step()
    assert model.state.subsidies[0] == pytest.approx(100.0)
    assert model.state.revenue_booked[0] == pytest.approx(model.state.payments[0] + 100.0)


# --- declared outputs -----------------------------------------------------------------------------
def test_every_declared_metric_is_a_column_with_metadata(small_run):
    _, df = small_run
    assert list(df.columns[4:4 + len(METRICS)]) == list(METRICS)
    meta = column_metadata(list(df.columns))
    assert set(meta) == set(df.columns)
    assert all(meta[m]["unit"] and meta[m]["description"] for m in METRICS)
    for name, m in METRICS.items():
        if m.count:
            assert df[name].dtype == np.int64, name
    for col in ("estate", "estate_type", "community"):
        assert isinstance(df[col].dtype, pd.CategoricalDtype)
    street_only = [n for n, m in METRICS.items() if m.street == "street"]
    assert df[df.estate != "all"][street_only].isna().all().all()
    assert not df[df.estate != "all"][[n for n in METRICS if n not in street_only]].isna().all().any()


def test_metrics_page_is_current():
    assert (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8") == metrics_markdown()


# --- Mesa-native -------------------------------------------------------------------------------------
def test_keyword_parameters_seed_none_and_running():
    model = CommunityModel(scenario=str(DATA / "small.toml"), pay_intercept=2.0, seed=None, months=3)
    assert model.p.pay_intercept == 2.0 and model.seed_value >= 0
    again = CommunityModel(scenario=str(DATA / "small.toml"), pay_intercept=2.0, seed=model.seed_value, months=3)
    steps = 0
    while model.running:
        model.step()
        again.step()
        steps += 1
    assert steps == 3 and model.month == 3
    pd.testing.assert_frame_equal(model.dataframe(), again.dataframe())
    series = model.datacollector.get_model_vars_dataframe()
    assert len(series) == 4 and np.isnan(series["collection_rate"].iloc[0])
    street = model.dataframe().query("estate == 'all'")
    assert series["satisfaction"].iloc[1:].to_numpy() == pytest.approx(street["satisfaction"].to_numpy())


def test_policy_parameters_as_keywords():
    model = CommunityModel(scenario="liaocheng_four_in_one", seed=1, liaocheng_four_in_one__coordination_hours_per_party=2.5)
    assert model.policies[0].pars.coordination_hours_per_party == 2.5


def test_mesa_batch_run_over_two_parameters_and_two_iterations():
    results = mesa.batch_run(
        CommunityModel,
        parameters={"scenario": str(DATA / "small.toml"), "months": 4, "pay_intercept": [1.0, 2.5],
                    "seed": [11]},
        iterations=2, max_steps=100, number_processes=2, data_collection_period=-1, display_progress=False,
    )
    df = pd.DataFrame(results)
    assert len(df) == 4 and set(df.pay_intercept) == {1.0, 2.5}
    # batch_run reports Step k = the state after k months (Mesa reads model_vars[steps - 1])
    assert (df.Step == 3).all() and df.collection_rate.notna().all()
    by = df.groupby("pay_intercept").collection_rate.mean()
    assert by[2.5] > by[1.0]


def test_parquet_outputs_carry_units_and_descriptions(tmp_path):
    """monthly.parquet and summary files: units and meanings in the schema, categoricals, counts as integers."""
    import pyarrow.parquet as pq
    from click.testing import CliRunner

    from commsim.cli import cli

    out = tmp_path / "r"
    res = CliRunner().invoke(cli, ["run", str(DATA / "small.toml"), "--reps", "2", "--months", "8", "--out", str(out), "--workers", "1"])
    assert res.exit_code == 0, res.output
    schema = pq.read_schema(out / "monthly.parquet")
    meta = schema.field("collection_rate").metadata
    assert meta[b"unit"] == b"0-1" and b"fees collected" in meta[b"description"]
    assert b"street_row" in schema.field("firm_exits").metadata and str(schema.field("firm_exits").type) == "int64"
    monthly = pd.read_parquet(out / "monthly.parquet")
    assert isinstance(monthly["estate"].dtype, pd.CategoricalDtype)
    assert not any(c.startswith("mean_mean_") for c in pd.read_csv(out / "summary.csv").columns)
