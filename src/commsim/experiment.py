"""What comparisons, sweeps and sensitivity analyses share: loading the scenarios with the
command's options, and the manifest that records what was asked."""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from commsim.ensemble import check_labels
from commsim.errors import ParameterError, ScenarioError, StreetWarning
from commsim.io import environment
from commsim.params import PARAMETERS
from commsim.scenario import Scenario, parse_scenario, read_scenario_data, resolve_path
from commsim.uncertainty import Vary, applies_to, make_vary, merge_varies

ScenarioRef = str | os.PathLike[str] | Scenario


@dataclass
class Setup:
    """Scenarios (by label, in order) and the parameters varied across replicates."""

    scenarios: dict[str, Scenario]
    varies: list[Vary] = field(default_factory=list)
    sets: dict[str, Any] = field(default_factory=dict)


def load_setup(
    refs: Sequence[ScenarioRef],
    sets: Mapping[str, Any] | None = None,
    months: int | None = None,
    vary: Sequence[Vary] = (),
) -> Setup:
    """Load scenarios (names, paths or Scenario objects) with ``--set`` values and ``--months``.

    A ``--set`` of a policy parameter applies to the scenarios that switch the policy on, and
    must apply to at least one. Varied parameters: ``vary`` plus every file's
    ``[uncertainty]`` table (the same parameter with two different ranges is an error).
    """
    sets = dict(sets or {})
    scenarios, groups = [], [list(vary)]
    for ref in refs:
        if isinstance(ref, Scenario):
            sc = ref.with_overrides({k: v for k, v in sets.items() if applies_to(k, ref)}) if sets else ref
            sc = sc.with_months(months) if months is not None else sc
            own: list[Vary] = []
        else:
            sc, own = load_experiment_scenario(ref, sets, months)
        scenarios.append(sc)
        groups.append(own)
    for name in sets:
        PARAMETERS.lookup(name, "--set ")
        if not any(applies_to(name, sc) for sc in scenarios):
            raise ParameterError(f"--set {name}: belongs to policy {name.split('.')[0]!r}, which no scenario here switches on")
    varies = merge_varies(groups)
    for v in varies:
        if len({repr(sc.values[v.name]) for sc in scenarios if applies_to(v.name, sc)}) > 1:
            raise ParameterError(
                f"--vary {v.name}: the scenarios set it differently, so varying it would erase that "
                "difference between them; vary other parameters"
            )
        if v.name in sets:
            raise ParameterError(f"--set {v.name}: the parameter is also varied; drop one of the two")
        if not any(applies_to(v.name, sc) for sc in scenarios):
            raise ParameterError(f"--vary {v.name}: belongs to policy {v.name.split('.')[0]!r}, which no scenario here switches on")
    warn_if_streets_differ(scenarios)
    return Setup(check_labels(scenarios), varies, sets)


def load_experiment_scenario(ref: str | Path, overrides: Mapping[str, Any] | None = None, months: int | None = None) -> tuple[Scenario, list[Vary]]:
    """Load a scenario that may carry an ``[uncertainty]`` table; returns it and its varied
    parameters. ``overrides`` that name a policy the scenario does not switch on are skipped
    (``--set`` on a comparison applies to the scenarios it concerns)."""
    path = resolve_path(ref)
    source = str(path)
    data = read_scenario_data(path)
    table = data.pop("uncertainty", {})
    if not isinstance(table, dict):
        raise ScenarioError(f"{source}: uncertainty: must be a table of parameter = range")
    policies = set(data.get("policies", {}) or {})
    sets = {k: v for k, v in (overrides or {}).items() if "." not in k or k.split(".", 1)[0] in policies}
    scenario = parse_scenario(data, source, sets)
    if months is not None:
        scenario = scenario.with_months(months)
    try:
        varies = [make_vary(name, spec, f"{source}: uncertainty.") for name, spec in table.items()]
    except ParameterError as exc:
        raise ScenarioError(str(exc)) from None
    return scenario, varies


def warn_if_streets_differ(scenarios: Sequence[Scenario]) -> None:
    """Compared scenarios should describe the same street (communities, estates, households,
    horizon); otherwise their differences are not the policies' alone."""
    def street(sc: Scenario) -> tuple:
        spec = sc.spec
        return (spec.model_dump(include={"communities", "household_mix"}, mode="json"),
                spec.scenario.months, spec.scenario.burn_in_months)

    first = scenarios[0]
    for sc in scenarios[1:]:
        if street(sc) != street(first):
            warnings.warn(
                f"{sc.source} describes a different street or horizon from {first.source}: its differences "
                "include the street, not only the policies (give both the same base: [scenario] base = ...)",
                StreetWarning, stacklevel=2)


def differing(setup: Setup) -> set[str]:
    """Parameters whose values differ between the setup's scenarios (what tells them apart)."""
    scs = list(setup.scenarios.values())
    return {name for name in scs[0].values if len({repr(sc.values.get(name)) for sc in scs}) > 1}


def applicable(values: Mapping[str, Any], scenario: Scenario) -> dict[str, Any]:
    """The subset of ``values`` that means something in ``scenario``."""
    return {k: v for k, v in values.items() if applies_to(k, scenario)}


def versions() -> dict[str, str]:
    """Versions of commsim and the libraries that shape results, with machine facts."""
    from importlib.metadata import version

    import scipy

    return {**environment(), "scipy": scipy.__version__, "SALib": version("SALib")}


def manifest_base(command: str, setup: Setup, seed: int, backend: str, workers: int | None, argv: Sequence[str] | None = None) -> dict[str, Any]:
    """The common head of every experiment manifest."""
    env = versions()
    return {
        "command": command,
        "argv": list(argv) if argv is not None else sys.argv[1:],
        "scenarios": [
            {
                "name": label, "source": sc.source, "sha256": sc.digest(), "policies": sorted(sc.policies),
                "overrides": sc.overrides, "months": sc.months, "burn_in_months": sc.burn_in_months,
            }
            for label, sc in setup.scenarios.items()
        ],
        "base_seed": seed,
        "parameter_uncertainty": [v.describe() for v in setup.varies],
        "backend": backend,
        "workers": workers,
        "commsim": env["commsim"],
        "versions": env,
    }


def default_out(kind: str, names: Sequence[str]) -> Path:
    stem = "_".join(names)
    return Path("results") / f"{kind}_{stem[:80]}"
