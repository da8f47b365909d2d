"""The policy explorer's runs: a street, chosen policies at chosen strengths, a small ensemble
with common random numbers against the street's status quo.

Each policy (or, combined, the package of them) becomes a scenario that is the chosen street
with ``[policies.<name>]`` switched on, exactly as a scenario file with ``base = "<street>"``
would be. :func:`explore` runs them with :func:`commsim.compare.compare` into a folder and
reads it back as the reports do (:func:`commsim.report.results.load_results`), so the tables
and figures are those of ``commsim compare`` and ``commsim brief``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from commsim.app import controls
from commsim.compare import compare
from commsim.errors import ParameterError
from commsim.metrics import direction
from commsim.report import fmt
from commsim.report.plots import verdict
from commsim.report.results import Results, load_results
from commsim.report.vocab import Lang, ScenarioTitles, metric_label, unit
from commsim.scenario import Scenario, parse_scenario, read_scenario_data, resolve_path

#: the outcomes the explorer's table and forest plot show (summary columns, after burn-in)
EXPLORER_METRICS: tuple[str, ...] = (
    "mean_collection_rate", "mean_satisfaction", "mean_complaints_per_1000_households",
    "mean_participation_rate", "mean_worker_load", "mean_public_cost_yuan",
)
#: columns of :func:`table`
TABLE_COLUMNS: tuple[str, ...] = ("outcome", "policy", "status quo", "change", "95% CI", "unit of change",
                                  "better in", "verdict")
#: limits of an explorer run (it runs while the page waits)
REPS_RANGE = (2, 20)
MONTHS_RANGE = (18, 60)


@dataclass(frozen=True)
class Choice:
    """What the explorer runs.

    Attributes:
        street: a status-quo street (a shipped scenario without policies, or a file).
        policies: policies to switch on, each compared on its own against the street.
        strengths: ``policy.param`` -> value, for the chosen policies (others keep defaults).
        combine: compare one package of all the chosen policies instead of each alone.
        reps: replicates per scenario (paired across scenarios: common random numbers).
        months: horizon; the first ``burn_in_months`` of the street are not evaluated.
        workers: worker processes (1: in the app's own process).
        seed: base seed.
    """

    street: str = "baseline"
    policies: tuple[str, ...] = ()
    strengths: Mapping[str, Any] = field(default_factory=dict)
    combine: bool = False
    reps: int = 6
    months: int = 36
    workers: int = 1
    seed: int = 1

    def runs(self) -> int:
        """How many model runs this choice makes."""
        return self.reps * (1 + (1 if self.combine and self.policies else len(self.policies)))


@dataclass
class Explored:
    """A finished explorer run: the comparison folder read back, and what it took."""

    choice: Choice
    results: Results
    seconds: float
    labels: list[str]

    @property
    def baseline(self) -> str:
        """Label of the baseline scenario (the first of ``labels``)."""
        return self.labels[0]


def package_label(policies: Sequence[str]) -> str:
    """Scenario name of a package of policies (``a-b``: scenario names allow ``-``)."""
    return "-".join(policies)


def policy_scenario(street: str | Path, policies: Sequence[str], strengths: Mapping[str, Any],
                    label: str) -> Scenario:
    """``street`` with ``policies`` switched on at ``strengths`` (their own shipped tables,
    e.g. ``fee_subsidy``'s scheme, under the strengths), named ``label``."""
    path = resolve_path(street)
    data = read_scenario_data(path)
    tables: dict[str, dict[str, Any]] = {}
    for pol in policies:
        tables[pol] = {**controls.policy_table(pol),
                       **{k.split(".", 1)[1]: v for k, v in strengths.items() if k.split(".", 1)[0] == pol}}
    data["scenario"] = {**data["scenario"], "name": label}
    data["policies"] = {**(data.get("policies") or {}), **tables}
    return parse_scenario(data, str(path))


def check(choice: Choice) -> None:
    """Raise ParameterError for a choice the explorer does not run."""
    if not choice.policies:
        raise ParameterError("choose at least one policy")
    unknown = sorted(set(choice.policies) - set(controls.policies()))
    if unknown:
        raise ParameterError(f"unknown policy {', '.join(unknown)}")
    lo, hi = REPS_RANGE
    if not lo <= choice.reps <= hi:
        raise ParameterError(f"replicates: {choice.reps} is outside {lo}-{hi}")
    lo, hi = MONTHS_RANGE
    if not lo <= choice.months <= hi:
        raise ParameterError(f"months: {choice.months} is outside {lo}-{hi}")
    stray = sorted(k for k in choice.strengths if k.split(".", 1)[0] not in choice.policies)
    if stray:
        raise ParameterError(f"{stray[0]}: belongs to a policy that is not chosen")


def scenarios(choice: Choice) -> tuple[Scenario, list[Scenario], ScenarioTitles]:
    """The status quo, the policy scenarios and the titles the figures show for them."""
    check(choice)
    base = resolve_path(choice.street)
    status_quo = parse_scenario(read_scenario_data(base), str(base))
    if choice.combine and len(choice.policies) > 1:
        groups = [(package_label(choice.policies), list(choice.policies))]
    else:
        groups = [(pol, [pol]) for pol in choice.policies]
    others = [policy_scenario(choice.street, pols, choice.strengths, label) for label, pols in groups]
    entries = {status_quo.name: {"title_en": controls.title(status_quo.name, "en"),
                                 "title_zh": controls.title(status_quo.name, "zh")}}
    for label, pols in groups:
        entries[label] = {"title_en": " + ".join(controls.title(p, "en") for p in pols),
                          "title_zh": "+".join(controls.title(p, "zh") for p in pols)}
    return status_quo, others, ScenarioTitles(entries)


def explore(choice: Choice, out: str | Path) -> Explored:
    """Run ``choice`` into the folder ``out`` (new or empty) and read the comparison back."""
    status_quo, others, titles = scenarios(choice)
    started = time.monotonic()
    compare(status_quo, others, reps=choice.reps, months=choice.months, workers=choice.workers,
            seed=choice.seed, out=Path(out), yes=True)
    res = load_results(out)
    res.titles = titles
    return Explored(choice, res, time.monotonic() - started, [status_quo.name, *(s.name for s in others)])


def table(explored: Explored, lang: Lang = "en", metrics: Sequence[str] = EXPLORER_METRICS) -> pd.DataFrame:
    """One row per outcome and policy: the status quo's level, the paired difference with its
    95% interval (a number where every pair differs alike), in how many paired replicates the
    policy did better, and the verdict (better / worse when the interval excludes zero)."""
    res = explored.results
    rows = []
    for metric in metrics:
        block = res.rows(metric).set_index("scenario")
        if explored.baseline not in block.index:
            continue
        base = block.loc[explored.baseline]
        for name in explored.labels[1:]:
            if name not in block.index:
                continue
            row = block.loc[name]
            lo, hi, diff = float(row["diff_ci_low"]), float(row["diff_ci_high"]), float(row["diff"])
            ci = fmt.change_number(metric, diff) if fmt.is_fixed(lo, hi, diff) else fmt.change_interval(metric, lo, hi, lang)
            better = "n/a" if direction(metric) == "ambiguous" or not math.isfinite(row["prob_better"]) \
                else f"{round(row['prob_better'] * row['n'])} of {int(row['n'])}"
            rows.append({
                "outcome": metric_label(metric, lang), "policy": res.title(name, lang),
                "status quo": fmt.level(metric, float(base["mean"]), lang),
                "change": fmt.change_number(metric, diff), "95% CI": ci,
                "unit of change": unit(metric, lang, change=True), "better in": better,
                "verdict": verdict(metric, lo, hi),
            })
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)
