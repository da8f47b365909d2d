"""The Solara page of ``commsim app``: two views, one route each.

- ``/``: one run month by month in Mesa's SolaraViz (its Reset / play / Step controls, the
  model parameters of :func:`commsim.app.controls.model_params`, and three panels: the street
  series, the estates' series, and the values this run uses);
- ``/explorer``: the policy explorer (:mod:`commsim.app.explorer`).

Served by ``commsim app`` (:mod:`commsim.app.server`); Solara finds ``routes`` here.
"""

from __future__ import annotations

import warnings
from html import escape

import pandas as pd
import solara

from commsim.app import controls, explorer_page, figures, ui
from commsim.metrics import METRICS
from commsim.model import CommunityModel
from commsim.params import PARAMETERS
from commsim.report import fmt

with warnings.catch_warnings():  # Mesa 3.3's own ComponentsView trips Solara's hook check
    warnings.filterwarnings("ignore", category=UserWarning, module="solara.validate_hooks")
    from mesa.visualization import SolaraViz
    from mesa.visualization.utils import update_counter

#: what SolaraViz rebuilds the model from when Reset is pressed
MODEL_PARAMS = controls.model_params()
ESTATE_CHOICES: dict[str, str] = {METRICS[m].label_en: m for m in figures.ESTATE_METRICS}


@solara.component
def StreetSeries(model: CommunityModel):
    """The street's monthly series of the run so far (redrawn each month)."""
    update_counter.get()
    frame = model.datacollector.get_model_vars_dataframe()
    solara.Image(figures.street_series(frame, model.horizon, model.scenario.burn_in_months), width="100%")


@solara.component
def EstateSeries(model: CommunityModel):
    """One metric per estate, with a selector for the metric."""
    update_counter.get()
    label, set_label = solara.use_state(next(iter(ESTATE_CHOICES)))
    solara.Select("Estates' series of", value=label, values=list(ESTATE_CHOICES), on_value=set_label)
    frame = model.datacollector.get_estate_vars_dataframe()
    metric = ESTATE_CHOICES[label]
    solara.Image(figures.estate_series(frame, metric, model.horizon, model.scenario.burn_in_months), width="100%")


@solara.component
def ThisRun(model: CommunityModel):
    """The scenario, seed and parameter values the displayed run uses (sliders apply on Reset)."""
    update_counter.get()
    sc = model.scenario
    rows = []
    for name in controls.KEY_PARAMETERS:
        p = PARAMETERS[name]
        lo, hi = p.range or (float("nan"), float("nan"))
        rows.append({"parameter": controls.parameter_text(name), "slider": controls.SHORT_LABELS.get(name, name),
                     "this run": fmt.plain(model.p[name]), "default": fmt.plain(p.default),
                     "range": f"{fmt.plain(lo)} to {fmt.plain(hi)}"})
    policies = ", ".join(controls.title(p) for p in sc.policies)
    ui.Html(
        f"<p><b>{escape(controls.title(sc.name))}</b> ({ui.code(sc.name)}): {sc.households:,} households in "
        f"{len(sc.estates())} estates; seed {model.seed_value}; month {model.month} of {model.horizon} "
        f"(months 1-{sc.burn_in_months} are burn-in)."
        + (f" Policies switched on: {escape(policies)}." if policies else "")
        + "</p><p>The sidebar's values apply when <b>Reset</b> is pressed; then &#9654; plays and "
        "<b>Step</b> advances one month. Drawing takes most of a month's time: a render interval "
        "of a few steps plays faster.</p>"
        + ui.table_html(pd.DataFrame(rows), numeric=("this run", "default", "range")))


@solara.component
def RunView():
    """Mesa's SolaraViz over one CommunityModel."""
    model = solara.use_memo(lambda: CommunityModel(**controls.initial_values(MODEL_PARAMS)), [])
    SolaraViz(model, components=[(StreetSeries, 0), (EstateSeries, 0), (ThisRun, 0)],
              model_params=MODEL_PARAMS, name="commsim: one run, month by month", play_interval=150)


routes = [
    solara.Route(path="/", component=RunView, label="One run, month by month"),
    solara.Route(path="explorer", component=explorer_page.ExplorerView, label="Policy explorer"),
]
