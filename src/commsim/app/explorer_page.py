"""The policy explorer's Solara view: choose a street, policies and their strengths, run a
small ensemble (:func:`commsim.app.explorer.explore`) in a background thread, and show the
paired differences against the status quo with their 95% intervals, a street series and the
estates' series.

Results go to a folder per run under the app's output folder (``commsim app --out``, else a
temporary folder removed when the app stops); only the latest run of a page is kept there.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from dataclasses import dataclass
from html import escape
from pathlib import Path

import solara
import solara.lab

from commsim.app import OUT_ENV, controls, explorer, figures, ui
from commsim.errors import CommsimError
from commsim.metrics import METRICS
from commsim.params import Param
from commsim.report import fmt, fonts

SERIES_CHOICES: dict[str, str] = {METRICS[m].label_en: m for m in figures.ESTATE_METRICS}
_ROOT: list[Path] = []


def output_root() -> Path:
    """Where explorer runs go: ``$COMMSIM_APP_OUT``, else a temporary folder (removed at exit)."""
    if not _ROOT:
        given = os.environ.get(OUT_ENV)
        if given:
            root = Path(given)
            root.mkdir(parents=True, exist_ok=True)
        else:
            root = Path(tempfile.mkdtemp(prefix="commsim-app-"))
            atexit.register(shutil.rmtree, root, True)
        _ROOT.append(root)
    return _ROOT[0]


@dataclass
class Drawn:
    """The figures of one explorer run, as PNG bytes."""

    forest: bytes
    series: bytes
    estates: bytes


def _run_folder() -> Path:
    root = output_root()
    return Path(tempfile.mkdtemp(prefix="explore-", dir=root))


@solara.component
def StrengthSlider(param: Param, value: float, on_value):
    """A policy parameter's label, value and documented range above a full-width slider."""
    lo, hi = param.range or (0.0, 1.0)
    name = controls.parameter_text(param.name).split(": ", 1)[-1]
    solara.Text(f"{name}: {fmt.plain(value)} (range {fmt.plain(lo)} to {fmt.plain(hi)})",
                style={"font-size": "13px"})
    if param.kind == "int":
        solara.SliderInt("", value=int(value), min=int(lo), max=int(hi), on_value=on_value)
    else:
        solara.SliderFloat("", value=float(value), min=float(lo), max=float(hi),
                           step=controls.slider_step(lo, hi, param.default), on_value=on_value)


@solara.component
def Choices(street, chosen, combine, strengths, reps, months, workers):
    """The sidebar: street, policies with their strengths, and the ensemble's size."""
    with solara.Card("Street (status quo)"):
        solara.Select("Street", value=street, values=controls.streets())
        solara.Text(controls.title(street.value))
    with solara.Card("Policies"):
        for pol in controls.policies():
            def toggle(on: bool, pol: str = pol) -> None:
                now = [p for p in chosen.value if p != pol]
                chosen.set([p for p in controls.policies() if p in now or (on and p == pol)])
                if not on:
                    strengths.set({k: v for k, v in strengths.value.items() if not k.startswith(f"{pol}.")})
            solara.Checkbox(label=controls.title(pol), value=pol in chosen.value, on_value=toggle)
        solara.Checkbox(label="Combine the chosen policies into one package", value=combine,
                        disabled=len(chosen.value) < 2)
    if chosen.value:
        with solara.Card("Strengths"):
            for pol in chosen.value:
                solara.Text(controls.title(pol), style={"font-weight": "600", "margin-top": "8px"})
                for param in controls.strength_params(pol):
                    def set_value(v, name: str = param.name) -> None:
                        strengths.set({**strengths.value, name: v})
                    StrengthSlider(param, strengths.value.get(param.name, param.default), set_value)
    with solara.Card("Ensemble"):
        solara.SliderInt(f"Replicates: {reps.value}", value=reps, min=explorer.REPS_RANGE[0], max=explorer.REPS_RANGE[1])
        solara.SliderInt(f"Months: {months.value}", value=months, min=explorer.MONTHS_RANGE[0],
                         max=explorer.MONTHS_RANGE[1], step=6)
        most = max(1, min(4, os.cpu_count() or 1))
        if most > 1:
            solara.SliderInt(f"Worker processes: {workers.value}", value=workers, min=1, max=most)
            solara.Text("1 runs in the app's own process; a pool takes seconds to start",
                        style={"font-size": "12px", "color": "#666"})


@solara.component
def Results(done: explorer.Explored, drawn: solara.lab.Task, series, lang):
    """A finished run: what ran, the table, the forest plot, a street series, the estates."""
    ch = done.choice
    burn = done.results.burn_in_months
    ui.Html(
        f"<p><b>{len(done.labels)} scenarios x {ch.reps} replicates</b> on {escape(controls.title(ch.street))}, "
        f"{ch.months} months (months 1-{burn} are burn-in and not evaluated; policies start in month "
        f"{burn + 1}); {ch.runs()} runs took {done.seconds:.1f} s. Each policy is compared with the status quo "
        "replicate by replicate (common random numbers); intervals are 95%. "
        f"The comparison is in {ui.code(str(done.results.folder))} ({ui.code('commsim brief')} reads it)."
        + (" With this few replicates the intervals are a first look: they assume near-normal differences."
           if ch.reps < 10 else "") + "</p>"
        + ui.table_html(explorer.table(done), numeric=("status quo", "change", "95% CI", "better in")))
    with solara.Row():
        solara.Select("Series", value=series, values=list(SERIES_CHOICES))
        if fonts.find_cjk_font() is not None:
            solara.ToggleButtonsSingle(value=lang, values=["en", "zh"])
    if drawn.pending:
        solara.ProgressLinear(True)
    if drawn.error:
        solara.Error(f"error: {drawn.exception}")
    if drawn.finished and drawn.value is not None:
        solara.Image(drawn.value.forest, width="100%")
        solara.Image(drawn.value.series, width="100%")
        solara.Image(drawn.value.estates, width="100%")


@solara.component
def ExplorerView():
    """The explorer: choices in the sidebar, results in the main area."""
    street = solara.use_reactive("baseline")
    chosen = solara.use_reactive(["suzhou_alliance"])
    combine = solara.use_reactive(False)
    strengths = solara.use_reactive({})
    reps, months, workers = solara.use_reactive(6), solara.use_reactive(36), solara.use_reactive(1)
    series, lang = solara.use_reactive(next(iter(SERIES_CHOICES))), solara.use_reactive("en")
    previous = solara.use_ref(None)

    def choice() -> explorer.Choice:
        return explorer.Choice(street.value, tuple(chosen.value), dict(strengths.value),
                               combine.value and len(chosen.value) > 1, reps.value, months.value, workers.value)

    def run() -> explorer.Explored:
        out = _run_folder()
        try:
            done = explorer.explore(choice(), out)
        except BaseException:
            shutil.rmtree(out, ignore_errors=True)
            raise
        if previous.current is not None:
            shutil.rmtree(previous.current, ignore_errors=True)
        previous.current = out
        return done

    task = solara.lab.use_task(run, dependencies=None)

    def draw() -> Drawn | None:
        done = task.value if task.finished else None
        if done is None:
            return None
        metric = SERIES_CHOICES[series.value]
        res = done.results
        return Drawn(figures.forest(res, explorer.EXPLORER_METRICS, lang.value),
                     figures.street_bands(res, metric, lang.value), figures.explorer_estates(res, metric, lang.value))

    drawn = solara.lab.use_task(draw, dependencies=[task.value, series.value, lang.value])

    solara.Title("commsim: policy explorer")
    with solara.AppBar():
        solara.AppBarTitle("commsim: policy explorer")
    with solara.Sidebar():
        Choices(street, chosen, combine, strengths, reps, months, workers)
    with solara.Column(style={"padding": "12px", "max-width": "1100px"}):
        ui.Html(
            "<p>Choose a street and one or more policies in the sidebar, set their strengths, and run a small "
            "ensemble: each policy is compared with the street's status quo over the same replicates.</p>")
        n = choice().runs() if chosen.value else 0
        with solara.Row():
            solara.Button(f"Run {n} runs", color="primary", on_click=task, disabled=task.pending or not chosen.value)
            if task.pending:
                solara.Text("running ...")
        if task.pending:
            solara.ProgressLinear(True)
        if task.error:
            exc = task.exception
            text = str(exc) if isinstance(exc, CommsimError) else f"{type(exc).__name__}: {exc}"
            solara.Error(f"error: {text}")
        elif task.finished and task.value is not None:
            Results(task.value, drawn, series, lang)

