"""Streets of any size for benchmarks: the baseline street's estates (or a shipped scenario's), copied and scaled.

``street_of(n)`` takes ``scenarios/baseline.toml``, copies its communities ``copies`` times
(about one copy per 9,150 households, so estates keep their realistic sizes and a larger street
has more communities and estates, as a real one would; the copies' community and estate names
get a number) and scales every estate's household
count so that the street has exactly ``n`` households (largest-remainder rounding).
"""

from __future__ import annotations

import copy

import numpy as np

from commsim.scenario import Scenario, parse_scenario, resolve_path
from commsim.scenario_files import read_scenario_data

BASELINE = "baseline"


def _scenario_data(name: str) -> tuple[dict, str]:
    path = resolve_path(name)
    return read_scenario_data(path), str(path)  # a policy scenario with its base merged in


def street_of(n: int, months: int | None = None, copies: int | None = None, scenario: str = BASELINE) -> Scenario:
    """A scenario of exactly ``n`` households built from the baseline street's estates (or,
    with ``scenario``, from a shipped scenario's street, its policies kept)."""
    data, source = street_data(n, months, copies, scenario)
    sc = parse_scenario(data, source)
    if sc.households != n:  # only when n < number of estates (every estate keeps one unit)
        raise ValueError(f"cannot build a street of {n} households from {sum(len(c.estates) for c in sc.communities)} estates")
    return sc


def street_data(n: int, months: int | None = None, copies: int | None = None,
                scenario: str = BASELINE) -> tuple[dict, str]:
    """The scenario file content of :func:`street_of` (and where it came from), unparsed."""
    data, source = _scenario_data(scenario)
    base_total = sum(e["households"] for c in data["communities"] for e in c["estates"])
    if copies is None:
        copies = max(1, round(n / base_total))
    communities = []
    for k in range(copies):
        for c in data["communities"]:
            c2 = copy.deepcopy(c)
            if copies > 1:  # names stay unique street-wide (the recorder labels rows by estate)
                c2["name"] = f"{c['name']} {k + 1}"
                for e in c2["estates"]:
                    e["name"] = f"{e['name']} {k + 1}"
            communities.append(c2)
    estates = [e for c in communities for e in c["estates"]]
    sizes = np.array([e["households"] for e in estates], dtype=float)
    raw = sizes * n / sizes.sum()
    counts = np.floor(raw).astype(np.int64)
    order = np.argsort(-(raw - counts), kind="stable")
    counts[order[: n - int(counts.sum())]] += 1
    counts = np.maximum(counts, 1)
    for e, size in zip(estates, counts, strict=True):
        e["households"] = int(size)
    data = {**data, "communities": communities}
    data["scenario"] = {**data["scenario"], "name": f"street_{n}"}
    if months is not None:
        meta = data["scenario"]
        meta["months"] = months
        meta["burn_in_months"] = min(meta.get("burn_in_months", 12), months - 1)
    return data, f"{source} (scaled to {n} households)"


