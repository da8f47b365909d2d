"""Does a policy's ranking hold on other streets? The same comparison across sampled worlds, run
on each street archetype.

``commsim streets BASELINE OTHERS... --streets a,b,c`` runs ``commsim compare`` (worlds and
all) once on the scenarios' own street and once on each named street (``--street``:
``experiment.on_street`` puts every compared scenario's policies on that street's estates and
households), each into its own folder ``OUT/<street>/`` (a complete comparison folder: resumable,
and ``commsim brief OUT/<street>`` turns it into a brief). Then:

- ``streets.csv`` (``COLUMNS``): per street, scenario and key outcome, the scenario against the
  status quo across that street's worlds (``share_better``, ``median_diff`` with its 5-95%
  range), how often it is the best option (``prob_best``), and its ``rank`` by ``prob_best``
  among the compared scenarios on that street and outcome (1 = most often best; ties share the
  better rank);
- ``figures/streets_<outcome>_<lang>``: for the lead outcome, the share of worlds in which each
  scenario is the best option and the share in which it beats the status quo, street by street.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from commsim.errors import ParameterError
from commsim.experiment import Manifest, RunOptions, ScenarioRef, load_street, setup_for, writing
from commsim.io import write_csv
from commsim.scenario_files import shipped_scenarios

COLUMNS: tuple[str, ...] = (
    "street", "scenario", "outcome", "direction", "n_worlds", "share_better", "median_diff", "diff_p05", "diff_p95",
    "prob_best", "rank",
)
#: the label of the compared scenarios' own street
OWN = "own"


def shipped_streets() -> list[str]:
    """The shipped street archetypes (``scenarios/street_*.toml``)."""
    return [p.stem for p in shipped_scenarios() if p.stem.startswith("street_")]


@dataclass
class StreetsResult:
    """Per street label: its comparison folder; the streets table; the manifest."""

    folders: dict[str, Path]
    table: pd.DataFrame
    manifest: dict[str, Any]


def street_labels(streets: Sequence[str], own: bool) -> dict[str, str | None]:
    """Label -> street reference (None: the scenarios' own street), checked and unique."""
    out: dict[str, str | None] = {OWN: None} if own else {}
    for ref in streets:
        label = Path(str(ref)).stem
        if label in out:
            raise ParameterError(f"--streets {ref}: named twice (or clashes with {OWN!r}, the scenarios' own street)")
        load_street(ref)  # fails early with the file and the problem
        out[label] = str(ref)
    if not out:
        raise ParameterError("--streets: give at least one street (or keep the scenarios' own)")
    return out


def run_streets(baseline: ScenarioRef, others: Sequence[ScenarioRef], opts: RunOptions, worlds,
                streets: Sequence[str] | None = None, own: bool = True) -> StreetsResult:
    """Compare ``baseline`` and ``others`` across worlds on each street (see the module doc).

    ``opts.out`` is required; ``worlds`` is a ``compare_worlds.WorldsOptions``; ``streets``:
    street references (default: the shipped archetypes); ``own``: the scenarios' own street too.
    """
    from commsim.compare import compare

    if opts.out is None:
        raise ParameterError("streets: give an output folder (--out)")
    labels = street_labels(list(streets) if streets is not None else shipped_streets(), own)
    setup = setup_for([baseline, *others], opts)
    manifest = Manifest.for_setup("streets", opts, setup, baseline=next(iter(setup.scenarios)),
                                  streets={k: v for k, v in labels.items()})
    folders, tables, runs, computed = {}, [], 0, 0
    with writing(opts, "commsim streets"):
        manifest.write("running")
        for label, ref in labels.items():
            opts.say(f"street {label}" + (f" ({ref})" if ref else " (the scenarios' own)"))
            folder = opts.out / label
            try:
                res = compare(baseline, list(others), replace(opts, out=folder), worlds=worlds, street=ref)
            except KeyboardInterrupt:
                manifest.write("interrupted")
                raise
            folders[label] = folder
            runs += res.manifest["runs"]
            computed += res.manifest["runs_computed"]
            tables.append(street_rows(label, res.worlds.robustness))
        table = pd.concat(tables, ignore_index=True)[list(COLUMNS)]
        data = manifest.complete(runs, computed, {"streets.csv": lambda p: write_csv(table, p)},
                                 folders={k: str(v) for k, v in folders.items()})
    return StreetsResult(folders, table, data)


def street_rows(label: str, robustness: pd.DataFrame) -> pd.DataFrame:
    """One street's rows of ``streets.csv`` from its ``robustness.csv`` (every scenario against
    the status quo; the status quo's own row with its ``prob_best`` only)."""
    base = robustness["scenario"].iloc[0]
    against = robustness[(robustness["comparator"] == base) & (robustness["scenario"] != base)]
    own = robustness[robustness["scenario"] == base].drop_duplicates("outcome").assign(
        share_better=float("nan"), median_diff=0.0, diff_p05=0.0, diff_p95=0.0)
    rows = pd.concat([own, against], ignore_index=True).assign(street=label)
    rows["rank"] = rows.groupby("outcome")["prob_best"].rank(method="min", ascending=False).astype(int)
    order = {s: i for i, s in enumerate(dict.fromkeys(robustness["scenario"]))}
    rows = rows.sort_values(["outcome", "scenario"], key=lambda c: c.map(order) if c.name == "scenario" else c,
                            kind="stable")
    outcomes = list(dict.fromkeys(robustness["outcome"]))
    rows = rows.sort_values("outcome", key=lambda c: c.map({m: i for i, m in enumerate(outcomes)}), kind="stable")
    return rows[list(COLUMNS)].reset_index(drop=True)


def rank_changes(table: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """Scenarios x streets of ``rank`` on ``outcome``, with ``changes``: whether the rank differs
    between streets."""
    part = table[table["outcome"] == outcome]
    wide = part.pivot(index="scenario", columns="street", values="rank")
    wide = wide.loc[list(dict.fromkeys(part["scenario"])), list(dict.fromkeys(part["street"]))]
    return wide.assign(changes=wide.nunique(axis=1) > 1)
