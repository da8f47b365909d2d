"""Where a policy fails: scenario discovery with PRIM over the worlds (``commsim.worlds``).

For each policy and key outcome (directions ``higher``/``lower``; ambiguous outcomes have no
failure), a world is a *case of interest* when the policy does not beat the comparator there:

- comparator = the status quo: the policy does not beat it (a tie is not a win, and a difference
  within the outcome's margin, ``robustness.margin``, is a tie);
- comparator = the runner-up: on outcomes where a policy is most often best
  (``robustness.prob_best``), the leader does not beat the second most often best scenario
  (when that is not the status quo, already covered).

PRIM (Friedman & Fisher 1999; ema_workbench 2.5's ``prim`` as used in scenario discovery,
Bryant & Lempert 2010) peels the box of sampled parameter values towards the worlds of
interest. A world samples a hundred or more parameters; PRIM's greedy peeling then restricts
parameters that only happen to correlate with the failures in a few hundred worlds, and is
slow. So PRIM is offered only the parameters that matter most for telling failures apart, by
extra-trees feature scores (ema_workbench's ``get_ex_feature_scores``, fixed random state;
Jaxa-Rozen & Kwakkel 2018): the top 2, the top 4 and the top ``max_inputs`` (default 8) in
turn, and the first box that is best by the rule below wins (dense boxes by coverage, else the
densest; a tie goes to fewer inputs). The quasi-p test below still has to support every
restriction. From the peeling trajectory a box is chosen with at most ``max_dims`` restricted
parameters: the one with the highest coverage among those with density >= ``min_density``, else
the densest; then restrictions the data do not support (quasi-p value above ``qp_max``, a
one-sided binomial test of the restriction) are dropped one at a time. Coverage = share of all failures inside the box; density = share of worlds
inside the box that are failures. Up to ``max_boxes`` boxes are found, each after removing the
worlds inside the previous ones.

``discovery.csv`` (``COLUMNS``): one row per restricted parameter of a box, with ``low`` and
``high`` (numbers; the unrestricted side is the lowest or highest value sampled) or ``values``
(choices, joined by ``|``), the box's ``coverage``, ``density``, ``n_cases`` (worlds of interest
in all) and a plain sentence in English and Chinese repeated on its rows. ``box`` 0 with an
empty ``parameter`` means no box: the policy fails in every world, in fewer than ``min_cases``
worlds, or its failures follow no condition that PRIM can support on the sampled parameters
(the sentence says which).
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from commsim.discovery_text import box_sentence, no_box_sentence, trivial_sentence
from commsim.io import write_csv
from commsim.metrics import EITHER, KEY_METRICS, direction
from commsim.robustness import better, margin, prob_best, wide

COLUMNS: tuple[str, ...] = (
    "scenario", "outcome", "comparator", "box", "coverage", "density", "n_cases", "parameter",
    "low", "high", "values", "text_en", "text_zh",
)
TRAJECTORY_COLUMNS: tuple[str, ...] = (
    "scenario", "outcome", "comparator", "box", "step", "coverage", "density", "mass", "res_dim", "selected",
)


def _prim_module():
    """ema_workbench's PRIM, imported quietly (its package warns about optional extras)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim
        from ema_workbench.analysis import scenario_discovery_util as sdutil
    logging.getLogger("EMA").setLevel(logging.WARNING)
    return prim, sdutil


@dataclass
class Box:
    """A chosen PRIM box: its statistics, its limits per restricted parameter
    (``(parameter, low, high, values)``) and the peeling trajectory it was chosen from."""

    index: int
    coverage: float
    density: float
    limits: list[tuple[str, float, float, tuple[Any, ...]]]
    trajectory: pd.DataFrame
    selected: int


def prepare_inputs(x: pd.DataFrame) -> pd.DataFrame:
    """Columns PRIM can peel: numbers as floats, everything else as text; constant columns dropped."""
    out = {}
    for col in x.columns:
        s = x[col]
        if s.nunique(dropna=False) < 2:
            continue
        if pd.api.types.is_bool_dtype(s) or not pd.api.types.is_numeric_dtype(s):
            out[col] = s.astype(str).astype(object)
        else:
            out[col] = s.astype(float)
    return pd.DataFrame(out, index=x.index).reset_index(drop=True)


def choose(trajectory: pd.DataFrame, min_density: float, max_dims: int) -> int:
    """Index of the chosen box on a peeling trajectory (see the module docstring)."""
    ok = trajectory[(trajectory["res_dim"] <= max_dims) & (trajectory["res_dim"] > 0)]
    if ok.empty:
        return -1
    dense = ok[ok["density"] >= min_density]
    pick = dense.sort_values(["coverage", "density"], ascending=False, kind="stable") if len(dense) else \
        ok.sort_values(["density", "coverage"], ascending=False, kind="stable")
    return int(pick.index[0])


def prune(box, i: int, sdutil, box_init: pd.DataFrame, qp_max: float) -> int:
    """Drop, one at a time, the restriction least supported by the data (largest quasi-p value,
    Bryant & Lempert 2010) while it is above ``qp_max``; returns the index of the final box
    (each drop adds a box to the trajectory)."""
    while True:
        restricted = list(sdutil._determine_restricted_dims(box.box_lims[i], box_init))
        if len(restricted) <= 1:
            return i
        qp = box.qp[i]
        worst = max(restricted, key=lambda n: max(qp.get(n, [0.0])))
        if max(qp.get(worst, [0.0])) <= qp_max:
            return i
        box.drop_restriction(worst, i)
        i = len(box.peeling_trajectory) - 1
        box.select(i)


def rank_inputs(x: pd.DataFrame, y: np.ndarray) -> list[str]:
    """The columns of ``x`` (prepared) from the highest extra-trees feature score for ``y`` down
    (ties in the input's order)."""
    from ema_workbench.analysis.feature_scoring import get_ex_feature_scores

    if x.shape[1] <= 2:
        return list(x.columns)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scores = get_ex_feature_scores(x, y, random_state=0)[0].iloc[:, 0]
    order = {c: i for i, c in enumerate(x.columns)}
    return sorted(x.columns, key=lambda c: (-float(scores.get(c, 0.0)), order[c]))


def prim_boxes(x: pd.DataFrame, y: np.ndarray, *, max_boxes: int = 2, min_density: float = 0.8,
               max_dims: int = 3, mass_min: float = 0.05, peel_alpha: float = 0.05,
               min_cases: int = 5, qp_max: float = 0.05, max_inputs: int = 8) -> list[Box]:
    """PRIM boxes around the worlds where ``y`` is true (see the module docstring)."""
    prim, sdutil = _prim_module()
    x = prepare_inputs(x)
    y = np.asarray(y, dtype=int)
    if x.empty or y.sum() < min_cases or y.sum() == len(y):
        return []
    best: tuple[tuple[bool, float], list[Box]] | None = None
    ranked = rank_inputs(x, y)
    for k in sorted({min(k, x.shape[1]) for k in (2, 4, max(max_inputs, 1))}):
        top = set(ranked[:k])
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", module="ema_workbench")  # pandas deprecations inside it
            found = _find(prim, sdutil, x[[c for c in x.columns if c in top]], y, max_boxes, min_density, max_dims,
                          mass_min, peel_alpha, min_cases, qp_max)
        if found:
            first = found[0]
            dense = first.density >= min_density
            score = (dense, first.coverage if dense else first.density)
            if best is None or score > best[0]:
                best = (score, found)
    return best[1] if best is not None else []


def _find(prim, sdutil, x, y, max_boxes, min_density, max_dims, mass_min, peel_alpha, min_cases, qp_max) -> list[Box]:
    base_rate = y.mean()
    # threshold: cases of interest are y >= threshold (y = 1), and a peeled box is kept when its
    # density reaches it; a tiny positive threshold keeps every box so that `choose` decides
    p = prim.Prim(x, y, threshold=1e-9, peel_alpha=peel_alpha, mass_min=mass_min)
    boxes: list[Box] = []
    for b in range(max_boxes):
        remaining = y[p.yi_remaining] if hasattr(p, "yi_remaining") else y
        if b and remaining.sum() < min_cases:
            break
        box = p.find_box()
        if box is None:
            break
        traj = box.peeling_trajectory.reset_index(drop=True)
        i = choose(traj, min_density, max_dims)
        if i < 0 or traj.loc[i, "density"] <= base_rate:
            break
        box.select(i)
        i = prune(box, i, sdutil, p.box_init, qp_max)
        traj = box.peeling_trajectory.reset_index(drop=True)
        lims = box.box_lims[i]
        restricted = sdutil._determine_restricted_dims(lims, p.box_init)
        if any(max(box.qp[i].get(n, [0.0])) > qp_max for n in restricted):
            break  # even its last restriction is not supported by the data: no condition found
        limits = []
        for name in restricted:
            lo, hi = lims.loc[0, name], lims.loc[1, name]
            if isinstance(lo, set):
                limits.append((str(name), math.nan, math.nan, tuple(sorted(lo))))
            else:
                init_lo, init_hi = p.box_init.loc[0, name], p.box_init.loc[1, name]
                limits.append((str(name), float(lo) if lo > init_lo else math.nan,
                               float(hi) if hi < init_hi else math.nan, ()))
        boxes.append(Box(b + 1, float(traj.loc[i, "coverage"]), float(traj.loc[i, "density"]), limits, traj, i))
        if traj.loc[i, "density"] < min_density:
            break
    return boxes


def cases(summary: pd.DataFrame, baseline: str, outcomes: Sequence[str] | None = None,
          scenarios: Sequence[str] | None = None) -> list[tuple[str, str, str, pd.Series]]:
    """Every (scenario, outcome, comparator, failure per replicate) analysed (module docstring)."""
    names = list(scenarios or dict.fromkeys(summary["scenario"]))
    names = [baseline, *[s for s in names if s != baseline]]
    out = []
    for m in [m for m in (outcomes or KEY_METRICS) if m in summary.columns]:
        way = direction(m)
        if way == EITHER:
            continue
        table, by = wide(summary, m, names).dropna(), margin(m)
        for s in names[1:]:
            fails = ~better(table[s].to_numpy(), table[baseline].to_numpy(), way, by)
            out.append((s, m, baseline, pd.Series(fails, index=table.index)))
        ranked = prob_best(table, way, by, baseline).sort_values(ascending=False, kind="stable")
        lead, runner = ranked.index[0], ranked.index[1]
        if lead != baseline and runner != baseline:
            fails = ~better(table[lead].to_numpy(), table[runner].to_numpy(), way, by)
            out.append((lead, m, runner, pd.Series(fails, index=table.index)))
    return out


def discover(summary: pd.DataFrame, worlds: pd.DataFrame, baseline: str, *,
             outcomes: Sequence[str] | None = None, scenarios: Sequence[str] | None = None,
             policies: Mapping[str, Iterable[str]] | None = None, titles=None,
             mapper: Callable[[Callable, list], list] | None = None,
             **prim_options: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Failure boxes of every policy and key outcome; returns (discovery, trajectories).

    Args:
        summary: one row per scenario x replicate (``commsim.worlds.run_worlds``).
        worlds: the worlds table (``replicate`` and one column per sampled parameter).
        baseline: the status quo's label.
        outcomes: metrics analysed (default ``KEY_METRICS``); those not in ``summary`` are
            skipped, and so are metrics with no better direction.
        scenarios: scenario labels analysed (default: every scenario in ``summary``); the
            baseline is always included.
        policies: scenario label -> its policies; a policy's parameters are then offered to
            PRIM only for scenarios (and comparators) that switch it on.
        titles: ``report.vocab.ScenarioTitles`` for the sentences (default: shipped titles).
        mapper: ``mapper(fn, jobs)`` -> ``[fn(job) for job in jobs]``, in order, anywhere (a
            process pool, say); each case is analysed on its own, so the tables do not
            depend on where.
        prim_options: passed to :func:`prim_boxes`.
    """
    params = worlds.set_index("replicate")
    jobs = []
    for s, m, c, fails in cases(summary, baseline, outcomes, scenarios):
        x = params.loc[fails.index]
        if policies is not None:
            on = set(policies.get(s, ())) | set(policies.get(c, ()))
            x = x[[p for p in x.columns if "." not in p or p.split(".", 1)[0] in on]]
        jobs.append((s, m, c, baseline, x, fails.to_numpy(), titles, dict(prim_options)))
    results = mapper(discover_case, jobs) if mapper is not None and jobs else [discover_case(j) for j in jobs]
    rows = [row for case_rows, _ in results for row in case_rows]
    trajs = [t for _, case_trajs in results for t in case_trajs]
    disc = pd.DataFrame(rows, columns=list(COLUMNS))
    traj = pd.concat(trajs, ignore_index=True) if trajs else pd.DataFrame(columns=list(TRAJECTORY_COLUMNS))
    return disc, traj[list(TRAJECTORY_COLUMNS)]


def discover_case(job: tuple) -> tuple[list[dict[str, Any]], list[pd.DataFrame]]:
    """One (scenario, outcome, comparator): its discovery.csv rows and box trajectories."""
    s, m, c, baseline, x, fails, titles, prim_options = job
    min_cases = int(prim_options.get("min_cases", 5))
    n_cases, n = int(fails.sum()), len(fails)
    boxes = prim_boxes(x, fails, **prim_options)
    head = {"scenario": s, "outcome": m, "comparator": c, "n_cases": n_cases}
    if not boxes:
        en, zh = trivial_sentence(s, m, c, baseline, n_cases, n, min_cases, titles)
        if min_cases <= n_cases < n:
            en, zh = no_box_sentence(s, m, c, baseline, n_cases, n, titles)
        return [{**head, "box": 0, "coverage": 1.0 if n_cases else math.nan, "density": n_cases / n if n else math.nan,
                 "parameter": "", "low": math.nan, "high": math.nan, "values": "", "text_en": en, "text_zh": zh}], []
    rows, trajs = [], []
    for box in boxes:
        en, zh = box_sentence(s, m, c, baseline, box, n_cases, titles)
        for name, lo, hi, values in box.limits:
            rows.append({**head, "box": box.index, "coverage": box.coverage, "density": box.density,
                         "parameter": name, "low": lo, "high": hi, "values": "|".join(map(str, values)),
                         "text_en": en, "text_zh": zh})
        t = box.trajectory
        trajs.append(pd.DataFrame({"scenario": s, "outcome": m, "comparator": c, "box": box.index,
                                   "step": np.arange(len(t)), "coverage": t["coverage"].astype(float),
                                   "density": t["density"].astype(float), "mass": t["mass"].astype(float),
                                   "res_dim": t["res_dim"].astype(int), "selected": np.arange(len(t)) == box.selected}))
    return rows, trajs


def write_discovery(discovery: pd.DataFrame, trajectories: pd.DataFrame | None, folder: str | Path) -> list[Path]:
    """Write ``discovery.csv`` (exactly ``COLUMNS``) and ``discovery_trajectory.csv``."""
    if list(discovery.columns) != list(COLUMNS):
        raise ValueError(f"discovery table columns must be {', '.join(COLUMNS)}")
    folder = Path(folder)
    paths = [write_csv(discovery, folder / "discovery.csv")]
    if trajectories is not None:
        paths.append(write_csv(trajectories, folder / "discovery_trajectory.csv"))
    return paths
