"""The app without a browser: its controls follow the parameter table, Mesa accepts them, the
page's model factory builds and steps models (as Mesa's own tests import every app and step
every model), Solara renders the one-run view and its Step button advances the model, and the
explorer builds the same scenarios as the shipped files and compares them."""

from __future__ import annotations

import importlib
import math
import socket
import subprocess
import sys

import pytest
from click.testing import CliRunner

from commsim import CommunityModel, load_scenario
from commsim.app import controls, explorer
from commsim.cli import cli
from commsim.errors import ParameterError
from commsim.params import PARAMETERS


def test_sliders_span_the_documented_ranges_at_the_defaults():
    params = controls.model_params()
    assert params["scenario"]["values"][:4] == controls.streets()
    assert controls.streets()[0] == "baseline" and "suzhou_alliance" in params["scenario"]["values"]
    for name in controls.KEY_PARAMETERS:
        spec, p = params[name], PARAMETERS[name]
        assert (spec["min"], spec["max"]) == p.range, name
        assert spec["min"] <= spec["value"] == p.default <= spec["max"], name
        steps = (spec["max"] - spec["min"]) / spec["step"]
        assert 10 <= steps <= 2000 and steps == pytest.approx(round(steps)), f"{name}: step {spec['step']}"
        on_grid = (spec["value"] - spec["min"]) / spec["step"]  # else the browser moves the default
        assert on_grid == pytest.approx(round(on_grid)), f"{name}: default off the slider's grid"
    for policy in controls.policies():
        strengths = controls.strength_params(policy)
        assert strengths, policy
        assert all(s.range is not None and s.name.startswith(f"{policy}.") for s in strengths)


def test_mesa_accepts_the_model_params():
    from commsim.app import pages  # imports Mesa's visualisation (quietly: see pages)

    check = importlib.import_module("mesa.visualization.solara_viz")._check_model_params
    assert controls.model_params() == pages.MODEL_PARAMS
    check(CommunityModel.__init__, pages.MODEL_PARAMS)  # raises ValueError if SolaraViz would


@pytest.mark.parametrize("scenario", ["baseline", "street_old_town", "liaocheng_four_in_one"])
def test_the_page_model_factory_builds_and_steps_models(scenario):
    from commsim.app import figures, pages

    values = {**controls.initial_values(pages.MODEL_PARAMS), "scenario": scenario, "months": 14, "seed": 5}
    values.update({n: pages.MODEL_PARAMS[n]["max"] for n in controls.KEY_PARAMETERS})  # sliders at their ends
    model = CommunityModel(**values)
    assert model.p["worker_pay_yuan_month"] == PARAMETERS["worker_pay_yuan_month"].range[1]
    while model.running:
        model.step()
    assert model.month == 14
    frame = model.datacollector.get_model_vars_dataframe()
    assert len(frame) == 15 and math.isnan(frame["collection_rate"].iloc[0])
    assert frame["collection_rate"].iloc[1:].between(0, 1).all()
    png = figures.street_series(frame, model.horizon, model.scenario.burn_in_months)
    assert png.startswith(b"\x89PNG")
    estates = model.datacollector.get_estate_vars_dataframe()
    assert figures.estate_series(estates, "satisfaction", model.horizon, 12).startswith(b"\x89PNG")


def test_solara_renders_the_run_view_and_step_advances_the_model():
    import ipyvuetify as v
    import ipywidgets as w
    import solara

    from commsim.app import pages

    _, rc = solara.render(solara.AppLayout(children=[pages.RunView()]), handle_error=False)
    rc.find(v.Btn, children=["Step"]).widget.click()
    rc.find(v.Btn, children=["Step"]).widget.click()
    rc.find(children=["Step: 2"]).assert_single()
    images = rc.find(w.Image).widgets
    assert len(images) == 2 and all(bytes(img.value).startswith(b"\x89PNG") for img in images)


def test_the_explorer_builds_what_the_shipped_files_describe():
    for policy in ("fee_subsidy", "suzhou_alliance"):
        built = explorer.policy_scenario("baseline", [policy], {}, policy)
        assert dict(built.values) == dict(load_scenario(policy).values)
        assert built.policies == load_scenario(policy).policies
    stronger = explorer.policy_scenario("street_old_town", ["fee_subsidy"], {"fee_subsidy.subsidy_share": 0.9}, "x")
    assert stronger.policies["fee_subsidy"]["subsidy_share"] == 0.9
    assert stronger.policies["fee_subsidy"]["scheme"] == "both"  # fee_subsidy.toml's own table
    assert stronger.households == load_scenario("street_old_town").households


@pytest.mark.parametrize("choice, message", [
    (explorer.Choice(policies=()), "at least one policy"),
    (explorer.Choice(policies=("nope",)), "unknown policy"),
    (explorer.Choice(policies=("fee_subsidy",), reps=1), "replicates"),
    (explorer.Choice(policies=("fee_subsidy",), months=6), "months"),
    (explorer.Choice(policies=("fee_subsidy",), strengths={"suzhou_alliance.cross_tie_prob": 0.2}), "not chosen"),
])
def test_the_explorer_refuses_bad_choices(choice, message):
    with pytest.raises(ParameterError, match=message):
        explorer.scenarios(choice)


def test_an_explorer_run_compares_policies_with_the_status_quo(tmp_path):
    from commsim.app import figures

    choice = explorer.Choice("baseline", ("suzhou_alliance", "fee_subsidy"), {"fee_subsidy.take_up": 0.9},
                             combine=True, reps=2, months=18)
    assert choice.runs() == 4
    done = explorer.explore(choice, tmp_path / "run")
    assert done.labels == ["baseline", "suzhou_alliance-fee_subsidy"]
    assert done.results.title(done.labels[1], "en") == "Suzhou alliance of neighbourhoods + Property-fee subsidy"
    table = explorer.table(done)
    assert list(table["outcome"])[0] == "Fee collection rate" and len(table) == len(explorer.EXPLORER_METRICS)
    rows = done.results.comparison.set_index(["metric", "scenario"])
    cost = rows.loc[("mean_public_cost_yuan", "suzhou_alliance-fee_subsidy")]
    assert cost["n"] == 2 and cost["diff_ci_low"] <= cost["diff"] <= cost["diff_ci_high"]
    assert cost["diff"] > 0  # the package spends public money the status quo does not
    for png in (figures.forest(done.results, explorer.EXPLORER_METRICS), figures.street_bands(done.results, "satisfaction"),
                figures.explorer_estates(done.results, "collection_rate")):
        assert png.startswith(b"\x89PNG") and len(png) > 10_000


def test_importing_commsim_and_its_command_line_does_not_import_solara():
    code = "import sys, commsim, commsim.cli; assert 'solara' not in sys.modules and 'mesa.visualization' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_app_reports_a_port_in_use_in_one_line():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli, ["app", "--port", str(port)])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"error: --port {port}: cannot listen on 127.0.0.1:{port} (Address already in use); choose another port"]
