"""What run, compare, sweep and sensitivity share: the options of a run (:class:`RunOptions`),
loading the scenarios with them, checking a design's size, and the one manifest writer
(:class:`Manifest`)."""

from __future__ import annotations

import os
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from commsim.errors import ParameterError, ScenarioError, StreetWarning
from commsim.io import environment, write_json
from commsim.params import PARAMETERS
from commsim.resources import check_memory, check_runs
from commsim.scenario import Scenario, parse_scenario, read_scenario_data, resolve_path
from commsim.uncertainty import Vary, applies_to, make_vary, merge_varies, parse_vary_option

ScenarioRef = str | os.PathLike[str] | Scenario
BACKENDS = ("local", "dask")  # commsim.backends.BACKENDS (not imported: keeps this module light)


@dataclass(frozen=True)
class RunOptions:
    """How an experiment runs and where its results go: the options that ``run``,
    ``compare``, ``sweep``, ``sensitivity`` (and ``calibrate``) share.

    The command line builds one from its shared options and passes it down; from Python, give
    one as ``options=`` or the same names as keyword arguments (``compare(..., reps=30,
    workers=2)``), which fill one in.

    Attributes:
        reps: replicates per scenario or design point (None: the command's default).
        seed: base seed; replicate r uses the seed derived from (seed, r).
        months: months to simulate (None: each scenario's own).
        workers: worker processes (None: all cores; 1: in this process).
        backend: ``local`` or ``dask``; scheduler: a Dask scheduler address.
        chunk: runs sent to a worker at a time (None: about 3 s of CPU time).
        sets: ``--set`` overrides, parameter name -> value.
        vary: parameters varied across replicates (Vary objects, or ``--vary`` strings).
        out: output folder (None: results stay in memory).
        overwrite: discard runs already in ``out`` instead of resuming.
        progress: show a progress line on stderr; echo: where to say what is starting.
        yes: start a design above ``resources.CONFIRM_RUNS`` runs without asking.
        confirm: asks a yes/no question (the command line's prompt on a terminal).
        max_memory: bytes the runs may use (None: what this machine has available).
        argv: the command line, for the manifest (None: ``sys.argv[1:]``).
    """

    reps: int | None = None
    seed: int = 1
    months: int | None = None
    workers: int | None = None
    backend: str = "local"
    scheduler: str | None = None
    chunk: int | None = None
    sets: Mapping[str, Any] = field(default_factory=dict)
    vary: tuple[Vary, ...] = ()
    out: Path | None = None
    overwrite: bool = False
    progress: bool = False
    echo: Callable[[str], None] | None = field(default=None, compare=False, repr=False)
    yes: bool = False
    confirm: Callable[[str], bool] | None = field(default=None, compare=False, repr=False)
    max_memory: float | None = None
    argv: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        def at_least(name: str, low: int) -> None:
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < low):
                raise ParameterError(f"--{name} {value!r}: must be a whole number, at least {low}")

        for name, low in (("reps", 1), ("seed", 0), ("months", 1), ("workers", 1), ("chunk", 1)):
            at_least(name, low)
        if self.backend not in BACKENDS:
            raise ParameterError(f"--backend {self.backend}: must be one of {', '.join(BACKENDS)}")
        if self.scheduler and self.backend != "dask":
            raise ParameterError("--scheduler needs --backend dask")
        if self.max_memory is not None and not 0 < self.max_memory < float("inf"):
            raise ParameterError(f"--max-memory {self.max_memory!r}: must be a positive amount")
        if self.out is not None and str(self.out).strip() == "":
            raise ParameterError("--out: give a folder name")
        object.__setattr__(self, "out", Path(self.out) if self.out is not None else None)
        object.__setattr__(self, "sets", dict(self.sets or {}))
        varies = (v if isinstance(v, Vary) else parse_vary_option(str(v)) for v in (self.vary or ()))
        object.__setattr__(self, "vary", tuple(varies))
        if self.argv is not None:
            object.__setattr__(self, "argv", tuple(self.argv))

    @classmethod
    def build(cls, options: RunOptions | None = None, **kwargs: Any) -> RunOptions:
        """``options`` (or the defaults) with ``kwargs`` laid over it; unknown names are an error."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(kwargs) - known)
        if unknown:
            raise TypeError(f"unknown run option(s) {', '.join(unknown)} (known: {', '.join(sorted(known))})")
        given = {k: v for k, v in kwargs.items() if v is not None}
        return replace(options, **given) if options is not None else cls(**given)

    def reps_or(self, default: int) -> int:
        """``reps``, or ``default`` when no replicate count was given."""
        return self.reps if self.reps is not None else default

    def say(self, text: str) -> None:
        """Tell the user ``text`` through ``echo`` (nothing when there is no echo)."""
        if self.echo is not None:
            self.echo(text)

    def command_line(self) -> list[str]:
        """The command line recorded in the manifest (``argv``, else ``sys.argv[1:]``)."""
        return list(self.argv) if self.argv is not None else sys.argv[1:]

    def check_size(self, runs: int, what: str) -> None:
        """Refuse or ask before a design of ``runs`` runs (``resources.check_runs``)."""
        check_runs(runs, what, self.yes, self.confirm)

    def check_memory(self, scenarios: Sequence[Scenario], runs: int | None = None) -> None:
        """Refuse scenarios whose runs on this many workers would not fit in memory."""
        from commsim.backends import default_workers

        workers = self.workers or default_workers()
        if runs is not None:
            workers = max(1, min(workers, runs))
        if self.backend == "dask" and self.scheduler:  # runs on other machines
            workers = 1
        check_memory(scenarios, workers, self.max_memory)


# --- scenarios with the options ---------------------------------------------------------------


@dataclass
class Setup:
    """Scenarios (by label, in order) and the parameters varied across replicates."""

    scenarios: dict[str, Scenario]
    varies: list[Vary] = field(default_factory=list)
    sets: dict[str, Any] = field(default_factory=dict)
    street: Scenario | None = None


def check_labels(scenarios: Sequence[Scenario]) -> dict[str, Scenario]:
    """Scenarios by name; two with the same ``[scenario] name`` cannot be told apart."""
    out: dict[str, Scenario] = {}
    for sc in scenarios:
        if sc.name in out:
            raise ParameterError(f"{sc.source}: scenario name {sc.name!r} is used twice in this experiment (give each file its own [scenario] name)")
        out[sc.name] = sc
    return out


def load_setup(
    refs: Sequence[ScenarioRef],
    sets: Mapping[str, Any] | None = None,
    months: int | None = None,
    vary: Sequence[Vary] = (),
    street: ScenarioRef | None = None,
) -> Setup:
    """Load scenarios (names, paths or Scenario objects) with ``--set`` values and ``--months``.

    A ``--set`` of a policy parameter applies to the scenarios that switch the policy on, and
    must apply to at least one. Varied parameters: ``vary`` plus every file's
    ``[uncertainty]`` table (the same parameter with two different ranges is an error).
    ``street``: put every scenario on this street (:func:`on_street`).
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
    street_sc = None
    if street is not None:
        street_sc = load_street(street)
        scenarios = on_street(scenarios, street_sc)
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
    check_streets(scenarios)
    return Setup(check_labels(scenarios), varies, sets, street_sc)


def setup_for(refs: Sequence[ScenarioRef], opts: RunOptions, vary: Sequence[Vary] | None = None,
              street: ScenarioRef | None = None) -> Setup:
    """:func:`load_setup` with the options' ``--set``, ``--months`` and ``--vary``."""
    return load_setup(refs, opts.sets, opts.months, opts.vary if vary is None else vary, street)


# --- the same policies on another street ------------------------------------------------------


def load_street(ref: ScenarioRef) -> Scenario:
    """A street for :func:`on_street`: a scenario (name or file) that switches on no policy and
    loads no plugin, whose communities, estates and household mix are taken."""
    from commsim.scenario import load_scenario

    street = ref if isinstance(ref, Scenario) else load_scenario(ref)
    if street.policies:
        raise ScenarioError(f"{street.source}: --street: switches on {', '.join(sorted(street.policies))}; a street "
                            "describes estates and households only (give a status quo such as street_old_town)")
    if street.spec.scenario.plugins:
        raise ScenarioError(f"{street.source}: --street: loads plugins; a street describes estates and households only")
    return street


def on_street(scenarios: Sequence[Scenario], street: Scenario) -> list[Scenario]:
    """The scenarios with their street replaced by ``street``'s: its communities (estates,
    workers) and household mix, and the model parameters its file sets (the street's staffing
    norm, say). Each scenario keeps its name, horizon, policies, its other parameters and the
    ``--set`` values (which win over the street's). A parameter the street sets that the
    scenarios set differently (what tells them apart) is an error."""
    given = dict(street.spec.parameters)
    apart = sorted(n for n in given if len({repr(sc.spec.parameters.get(n)) for sc in scenarios}) > 1)
    if apart:
        raise ScenarioError(f"{street.source}: parameters.{apart[0]}: the compared scenarios set it differently; "
                            "on one street that difference would be lost (drop it from the street file)")
    out = []
    for sc in scenarios:
        spec = sc.spec.model_copy(update={
            "communities": street.spec.communities, "household_mix": street.spec.household_mix,
            "parameters": {**sc.spec.parameters, **given}})
        try:
            out.append(Scenario(spec, sc.source, sc.overrides))
        except ParameterError as exc:
            raise ScenarioError(f"{sc.source} on street {street.name}: {exc}") from None
    return out


def street_entry(street: Scenario | None) -> dict[str, Any] | None:
    """The manifest's record of the street a comparison was put on (None: the scenarios' own)."""
    if street is None:
        return None
    return {"name": street.name, "source": street.source, "sha256": street.digest(),
            "households": street.households, "estates": len(street.estates())}


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
    policies = data.get("policies", {})
    switched_on = {name for name, t in policies.items() if not (isinstance(t, dict) and t.get("enabled") is False)} \
        if isinstance(policies, dict) else set()
    sets = {k: v for k, v in (overrides or {}).items() if "." not in k or k.split(".", 1)[0] in switched_on}
    scenario = parse_scenario(data, source, sets)
    if months is not None:
        scenario = scenario.with_months(months)
    try:
        varies = [make_vary(str(name), spec, f"{source}: uncertainty.") for name, spec in table.items()]
    except ParameterError as exc:
        raise ScenarioError(str(exc)) from None
    return scenario, varies


def check_streets(scenarios: Sequence[Scenario]) -> None:
    """Compared scenarios should describe the same street (communities, estates, households);
    otherwise their differences are not the policies' alone (a warning). They must run the same
    horizon: means and totals over different months do not compare (an error).

    Raises:
        ScenarioError: two scenarios run different months or burn-ins.
    """
    def street(sc: Scenario) -> dict:
        return sc.spec.model_dump(include={"communities", "household_mix"}, mode="json")

    def horizon(sc: Scenario) -> tuple[int, int]:
        return sc.spec.scenario.months, sc.spec.scenario.burn_in_months

    first = scenarios[0]
    for sc in scenarios[1:]:
        if horizon(sc) != horizon(first):
            (m, b), (m0, b0) = horizon(sc), horizon(first)
            field, fix = (("scenario.months", "give --months, or the same months in both files") if b == b0 else
                          ("scenario.burn_in_months", "give both files the same burn_in_months"))
            raise ScenarioError(
                f"{sc.source}: {field}: runs {m} months (burn-in {b}) where {first.source} runs {m0} "
                f"(burn-in {b0}); compared scenarios need the same horizon, or their means and totals cover "
                f"different months ({fix})")
        if street(sc) != street(first):
            warnings.warn(
                f"{sc.source} describes a different street from {first.source}: its differences include the "
                "street, not only the policies (give both the same base: [scenario] base = ...)",
                StreetWarning, stacklevel=2)


def differing(setup: Setup) -> set[str]:
    """Parameters whose values differ between the setup's scenarios (what tells them apart)."""
    scs = list(setup.scenarios.values())
    return {name for name in scs[0].values if len({repr(sc.values.get(name)) for sc in scs}) > 1}


def applicable(values: Mapping[str, Any], scenario: Scenario) -> dict[str, Any]:
    """The subset of ``values`` that means something in ``scenario``."""
    return {k: v for k, v in values.items() if applies_to(k, scenario)}


# --- the manifest -----------------------------------------------------------------------------


def versions() -> dict[str, str]:
    """Versions of commsim and the libraries that shape results, with machine facts."""
    from importlib.metadata import version

    import scipy

    return {**environment(), "scipy": scipy.__version__, "SALib": version("SALib")}


class Manifest:
    """The one writer of ``manifest.json`` for every command that runs an ensemble.

    Created when the command starts (the head: command line, scenarios, seeds, options,
    versions); ``ensemble.run_plan`` writes it with status "running" before the first run
    and "interrupted" when stopped; :meth:`complete` writes the command's result files, then
    the manifest with status "complete", run counts, timing and a checksum of every result
    file (``commsim.store.check_complete`` compares them), so the manifest is written last.
    """

    def __init__(self, command: str, opts: RunOptions, scenarios: Mapping[str, Scenario], varies: Sequence[Vary] = (), **fields: Any):
        env = versions()
        self.opts = opts
        self.started = time.monotonic()
        self.data: dict[str, Any] = {
            "command": command,
            "argv": opts.command_line(),
            "scenarios": [
                {
                    "name": label, "source": sc.source, "sha256": sc.digest(), "policies": sorted(sc.policies),
                    "overrides": sc.overrides, "months": sc.months, "burn_in_months": sc.burn_in_months,
                }
                for label, sc in scenarios.items()
            ],
            "base_seed": opts.seed,
            "parameter_uncertainty": [v.describe() for v in varies],
            "backend": opts.backend,
            "workers": opts.workers,
            "commsim": env["commsim"],
            "versions": env,
            **fields,
        }

    @classmethod
    def for_setup(cls, command: str, opts: RunOptions, setup: Setup, **fields: Any) -> Manifest:
        """A manifest for ``command`` over a prepared setup's scenarios and varied parameters."""
        return cls(command, opts, setup.scenarios, setup.varies, **fields)

    def update(self, **fields: Any) -> None:
        """Add or replace ``fields`` of the manifest (written at the next :meth:`write`)."""
        self.data.update(fields)

    def with_status(self, status: str, **fields: Any) -> dict[str, Any]:
        """The manifest's content with ``fields`` and ``status``, without writing it."""
        return {**self.data, **fields, "status": status}

    def write(self, status: str, **fields: Any) -> dict[str, Any]:
        """Write the manifest with ``status`` into the output folder (if any); returns it."""
        data = self.with_status(status, **fields)
        if self.opts.out is not None:
            write_json(data, self.opts.out / "manifest.json")
        return data

    def complete(self, runs: int, computed: int, files: Mapping[str, Callable[[Path], Any] | None], **fields: Any) -> dict[str, Any]:
        """Write ``files`` (name -> writer of that path; None for folders the store filled),
        then the manifest with status "complete". Returns the manifest."""
        from commsim.store import describe_outputs

        data = {**fields, "runs": runs, "runs_computed": computed, "runs_reused": runs - computed,
                "seconds": round(time.monotonic() - self.started, 2),
                "files": list(files) if self.opts.out is not None else []}
        if self.opts.out is None:
            return self.with_status("complete", **data)
        for name, writer in files.items():
            if writer is not None:
                writer(self.opts.out / name)
        data["outputs"] = describe_outputs(self.opts.out, files)
        return self.write("complete", **data)


@contextmanager
def writing(opts: RunOptions, command: str) -> Iterator[None]:
    """Hold the output folder's lock (``commsim.store.output_lock``) while a command writes it;
    nothing to hold without an output folder."""
    if opts.out is None:
        yield
        return
    from commsim.store import output_lock

    with output_lock(opts.out, command):
        yield


def default_out(kind: str, names: Sequence[str]) -> Path:
    """Default output folder of a command: ``results/<kind>_<names joined by _>``.

    The joined names are cut to 80 characters.
    """
    stem = "_".join(names)
    return Path("results") / f"{kind}_{stem[:80]}"


