"""Scenario files: TOML descriptions of a street, validated on load.

A scenario names the street's communities and estates, the household mix, the horizon,
overrides of model parameters (``[parameters]``) and the policies switched on
(``[policies.<name>]``). Every problem is reported as one :class:`ScenarioError` line that
names the file, the field and what is wrong. Types are strict: a number is not accepted as
text (``"1.9"``), a whole number not as ``24.0``, a true/false not as ``1`` or ``"yes"``.

A file can extend another (``[scenario] base = "..."``): see :func:`read_scenario_data` for
how the two are merged (communities and estates by name, ``enabled = false`` to switch a
base's policy off). Plugin files and the base are found relative to the file that names them.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import os
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from commsim.errors import ParameterError, RangeWarning, ScenarioError, ShortRunWarning
from commsim.params import PARAMETERS, Param, Values
from commsim.policies import registry
from commsim.scenario_files import (  # noqa: F401  (re-exported: commsim.scenario is the public place)
    parse_set_options,
    read_scenario_data,
    resolve_path,
    shipped_dir,
    shipped_scenarios,
    short,
)
from commsim.uncertainty import make_vary
from commsim.vocabulary import ESTATE_TYPES, MANAGEMENT


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


#: the estate and community name of the street-wide rows of every monthly table
STREET_ROW = "all"


def _check_name(name: str) -> str:
    if name.strip().lower() == STREET_ROW:
        raise ValueError(f"{name!r} is reserved for the street-wide rows of the results; choose another name")
    if not name.strip():
        raise ValueError("must not be blank")
    if any(ord(c) < 32 for c in name):
        raise ValueError("must not contain control characters (tabs, new lines)")
    return name


class _Shares(_Strict):
    @model_validator(mode="after")
    def _sum_to_one(self):
        values = list(self.model_dump().values())
        total = sum(values)
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"shares must sum to 1 (they sum to {total:.6g})")
        return self


_Share = Field(ge=0.0, le=1.0)


class IncomeMix(_Shares):
    """Shares of households by income class; minimum = minimum-income (低保) households."""

    minimum: float = Field(0.01, ge=0.0, le=1.0)
    low: float = Field(0.25, ge=0.0, le=1.0)
    middle: float = Field(0.54, ge=0.0, le=1.0)
    high: float = Field(0.20, ge=0.0, le=1.0)


class AgeMix(_Shares):
    """Shares of households by the age group of the person who deals with the estate."""

    young: float = Field(0.30, ge=0.0, le=1.0)
    middle: float = Field(0.42, ge=0.0, le=1.0)
    retired: float = Field(0.28, ge=0.0, le=1.0)


class TenureMix(_Shares):
    """Shares of occupied dwellings lived in by owners and by tenants.

    Unoccupied units always belong to absent owners.
    """
    owner: float = Field(0.82, ge=0.0, le=1.0)
    tenant: float = Field(0.18, ge=0.0, le=1.0)


class HouseholdMix(_Strict):
    """Who lives in an estate: shares by income class, age group and tenure.

    Given for the street, a community or an estate; the most specific one given applies.
    """
    income: IncomeMix = IncomeMix()
    age: AgeMix = AgeMix()
    tenure: TenureMix = TenureMix()


class FloorArea(_Strict):
    """Floor area per dwelling (m2): log-normal with this mean and sd, clipped to [min, max]
    (5 to 2,000 m2: below that it is not a dwelling)."""

    mean: float = Field(92.0, ge=5.0, le=2000.0)
    sd: float = Field(25.0, ge=0.0, le=2000.0)
    min: float = Field(30.0, ge=5.0, le=2000.0)
    max: float = Field(250.0, ge=5.0, le=2000.0)

    @model_validator(mode="after")
    def _ordered(self):
        if not self.min <= self.mean <= self.max:
            raise ValueError(f"need min <= mean <= max (got {self.min}, {self.mean}, {self.max})")
        return self


class Estate(_Strict):
    """One estate (小区) of a community.

    Attributes:
        name: Estate name, unique in the street (not the reserved ``all``).
        type: Estate type (one of ``ESTATE_TYPES``).
        households: Dwelling units, occupied or not.
        occupancy: Share of units lived in.
        floor_area: Distribution of floor area per dwelling.
        fee_yuan_per_m2_month: Property fee, yuan per m2 a month; above 0 for a managed estate.
        management: Who runs the estate: ``firm``, ``self`` (the owners, which needs an owners'
            committee) or ``none``.
        owners_committee: Whether it starts with an owners' committee; absent, drawn by estate
            type (``oc_initial_share_<type>``).
        household_mix: Who lives here (default: the community's, else the street's).
    """
    name: str = Field(min_length=1, max_length=200)
    type: Literal[ESTATE_TYPES]  # type: ignore[valid-type]
    households: int = Field(ge=1, le=200_000, description="dwelling units, occupied or not")
    occupancy: float = Field(0.9, gt=0.0, le=1.0, description="share of units lived in")
    floor_area: FloorArea = FloorArea()
    fee_yuan_per_m2_month: float = Field(ge=0.0, le=50.0)
    management: Literal[MANAGEMENT] = "firm"  # type: ignore[valid-type]
    owners_committee: bool | None = Field(None, description="starts with an owners' committee; absent: drawn by estate type (oc_initial_share_<type>)")
    household_mix: HouseholdMix | None = None

    _name = field_validator("name")(_check_name)

    @model_validator(mode="after")
    def _fee_needs_payer(self):
        if self.management != "none" and self.fee_yuan_per_m2_month <= 0:
            raise ValueError("a managed estate needs fee_yuan_per_m2_month > 0")
        if self.management == "self" and self.owners_committee is False:
            raise ValueError("management = 'self' needs an owners' committee (owners_committee = true or absent)")
        return self


class Community(_Strict):
    """One community (社区): its estates and community workers.

    Attributes:
        name: Community name, unique in the street (not the reserved ``all``).
        estates: The community's estates (at least one; names unique).
        household_mix: Who lives in its estates unless an estate gives its own.
        workers: Community workers; absent, the staffing norm's headcount.
    """
    name: str = Field(min_length=1, max_length=200)
    estates: list[Estate] = Field(min_length=1)
    household_mix: HouseholdMix | None = None
    workers: int | None = Field(None, ge=1, le=10_000, description="community workers; default: the staffing norm")

    _name = field_validator("name")(_check_name)

    @field_validator("estates")
    @classmethod
    def _unique_names(cls, estates: list[Estate]) -> list[Estate]:
        names = [e.name for e in estates]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"estate names must be unique (repeated: {', '.join(dupes)})")
        return estates


class Meta(_Strict):
    """The ``[scenario]`` table: name, titles, what the file extends and how long it runs.

    Attributes:
        name: Scenario name (letters, digits, ``_`` and ``-``); labels its results.
        title_en: English title for figures and briefs.
        title_zh: Chinese title for figures and briefs.
        description: Free text.
        base: A scenario whose content this file extends (a shipped name or a path).
        plugins: User policy files (.py) to load; their code runs.
        months: Months simulated.
        burn_in_months: First months left out of after-burn-in statistics (fewer than ``months``).
    """
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_\-]+$")
    title_en: str = ""
    title_zh: str = ""
    description: str = ""
    base: str | None = Field(None, description="scenario whose content this file extends")
    plugins: list[str] = Field(default_factory=list, description="user policy files (.py) to load; their code runs")
    months: int = Field(60, ge=1, le=1200)
    burn_in_months: int = Field(12, ge=0, le=1200)

    @model_validator(mode="after")
    def _burn_in(self):
        if self.burn_in_months >= self.months:
            raise ValueError(
                f"burn_in_months ({self.burn_in_months}) must be less than months ({self.months})"
            )
        return self


class ScenarioSpec(_Strict):
    """The file's content, validated."""

    scenario: Meta
    household_mix: HouseholdMix = HouseholdMix()
    communities: list[Community] = Field(min_length=1)
    parameters: dict[str, Any] = Field(default_factory=dict)
    policies: dict[str, dict[str, Any]] = Field(default_factory=dict)
    uncertainty: dict[str, Any] = Field(default_factory=dict, description="parameters varied by experiments")

    @field_validator("communities")
    @classmethod
    def _unique_communities(cls, communities: list[Community]) -> list[Community]:
        names = [c.name for c in communities]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"community names must be unique (repeated: {', '.join(dupes)})")
        where: dict[str, list[str]] = {}
        for c in communities:
            for e in c.estates:
                where.setdefault(e.name, []).append(c.name)
        shared = {n: cs for n, cs in where.items() if len(cs) > 1}
        if shared:  # results label estates by name alone
            listed = "; ".join(f"{n} in {' and '.join(cs)}" for n, cs in sorted(shared.items()))
            raise ValueError(f"estate names must be unique in the street (repeated: {listed})")
        return communities


class Scenario:
    """A validated scenario with resolved parameter values.

    ``values`` holds every parameter (defaults, then the file's ``[parameters]``, the policies'
    tables and finally ``overrides``); ``policies`` maps each switched-on policy to its own
    resolved parameters (without the ``<policy>.`` prefix).
    """

    def __init__(self, spec: ScenarioSpec, source: str, overrides: Mapping[str, Any] | None = None):
        self.spec = spec
        self.source = source
        self.overrides = dict(overrides or {})
        self.load_plugins()
        merged: dict[str, Any] = {}
        for key, value in spec.parameters.items():
            param = PARAMETERS.lookup(key, f"{source}: parameters.")
            if "." in param.name:
                raise ParameterError(
                    f"{source}: parameters.{key}: a policy parameter; set it in [policies.{param.name.split('.')[0]}]"
                )
            merged[key] = coerce_strict(param, value, f"{source}: parameters.")
        enabled = []
        for policy_name, table in spec.policies.items():
            registry.get(policy_name, where=f"{source}: policies.")
            if not _enabled(table, f"{source}: policies.{policy_name}."):
                continue
            enabled.append(policy_name)
            for key, value in table.items():
                if key == "enabled":
                    continue
                full = f"{policy_name}.{key}"
                merged[full] = coerce_strict(PARAMETERS.lookup(full, f"{source}: policies."), value, f"{source}: policies.")
        for key, value in self.overrides.items():
            param = PARAMETERS.lookup(key, "--set ")
            policy = key.split(".")[0] if "." in key else None
            if policy is not None and policy not in enabled:
                raise ParameterError(
                    f"--set {key}: belongs to policy {policy!r}, which {source} does not switch on"
                )
            merged[key] = coerce_strict(param, value, "--set ")
        self.values = Values(PARAMETERS.resolve(merged))
        if spec.uncertainty:  # validated here so that run/check reject a bad table too
            for name, value in spec.uncertainty.items():
                make_vary(name, value, f"{source}: uncertainty.")
        self.policies = {
            name: {
                k.split(".", 1)[1]: v
                for k, v in self.values.items()
                if k.startswith(name + ".")
            }
            for name in enabled
        }
        for name, values in self.policies.items():
            registry.get(name).check_values(values, f"{source}: policies.{name}.")

    def load_plugins(self) -> None:
        """Load (run) the user policy files the scenario names (idempotent)."""
        base = Path(self.source).parent if self.source else None
        for ref in self.spec.scenario.plugins:
            registry.load_plugin(ref, base, self.source)

    def plugin_files(self) -> list[Path]:
        """The plugin files this scenario loads (resolved paths)."""
        base = Path(self.source).parent if self.source else None
        return [registry.plugin_path(ref, base, f"{self.source}: scenario.plugins: ") for ref in self.spec.scenario.plugins]

    def range_notes(self) -> list[str]:
        """Values this scenario sets (file, policy tables, overrides) outside the parameter
        table's documented range: allowed, but results then rest on untested values."""
        given = {**self.spec.parameters,
                 **{f"{pol}.{k}": v for pol, table in self.spec.policies.items() for k, v in table.items()},
                 **self.overrides}
        notes = []
        for name in given:
            param = PARAMETERS.params.get(name)
            value = self.values.get(name)
            if param is None or param.range is None or param.kind not in {"float", "int"}:
                continue
            lo, hi = param.range
            if not lo <= value <= hi:
                where = "--set " if name in self.overrides else f"{self.source}: "
                notes.append(f"{where}{name} = {value:g} is outside its documented range {lo:g}-{hi:g} "
                             f"{param.unit}; results rest on an untested value")
        return notes

    # convenient views -----------------------------------------------------------------
    @property
    def name(self) -> str:
        """The scenario's name (``[scenario] name``)."""
        return self.spec.scenario.name

    @property
    def months(self) -> int:
        """Months simulated."""
        return self.spec.scenario.months

    @property
    def burn_in_months(self) -> int:
        """Months at the start left out of after-burn-in statistics."""
        return self.spec.scenario.burn_in_months

    @property
    def communities(self) -> list[Community]:
        """The street's communities, in file order."""
        return self.spec.communities

    def estates(self) -> list[tuple[int, Community, Estate]]:
        """Every estate with its community's index, in file order."""
        return [(ci, c, e) for ci, c in enumerate(self.spec.communities) for e in c.estates]

    @property
    def households(self) -> int:
        """Dwelling units of the whole street (occupied or not)."""
        return sum(e.households for _, _, e in self.estates())

    def with_overrides(self, overrides: Mapping[str, Any]) -> Scenario:
        """The same scenario with ``overrides`` laid over its own (as ``--set`` does).

        Raises:
            ParameterError: An override names an unknown parameter, has a bad value, or belongs to
                a policy the scenario does not switch on.
        """
        return Scenario(self.spec, self.source, {**self.overrides, **overrides})

    def with_months(self, months: int) -> Scenario:
        """The same scenario run for ``months`` months (burn-in cut to leave at least one month,
        with a :class:`ShortRunWarning`: results after such a burn-in are not the scenario's).

        Raises:
            ScenarioError: ``months`` is not a valid length (the message names ``--months``).
        """
        meta = self.spec.scenario
        burn = min(meta.burn_in_months, max(0, months - 1))
        if 0 < months <= meta.burn_in_months:
            warnings.warn(f"{meta.name}: --months {months} is not longer than its burn-in ({meta.burn_in_months} "
                          f"months): the burn-in is cut to {burn}, so results cover only month {months} and "
                          f"policies start at month {burn + 1}, not {meta.burn_in_months + 1}", ShortRunWarning,
                          stacklevel=2)
        try:
            spec = self.spec.model_copy(
                update={"scenario": Meta(**{**meta.model_dump(), "months": months, "burn_in_months": burn})}
            )
        except ValidationError as exc:
            raise ScenarioError(f"--months {months}: {exc.errors()[0]['msg']}") from None
        return Scenario(spec, self.source, self.overrides)

    def to_dict(self) -> dict[str, Any]:
        """Everything that determines a run: the file content plus the overrides."""
        return {"spec": self.spec.model_dump(mode="json"), "overrides": self.overrides}

    def digest(self) -> str:
        """SHA-256 of the resolved scenario (content and parameter values, not the path)."""
        payload = json.dumps(
            {"spec": self.spec.model_dump(mode="json"), "values": dict(self.values)},
            sort_keys=True,
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode()).hexdigest()

    def __repr__(self) -> str:
        return f"Scenario({self.name!r}, households={self.households}, months={self.months})"


def _enabled(table: Mapping[str, Any], where: str) -> bool:
    flag = table.get("enabled", True)
    if not isinstance(flag, bool):
        raise ParameterError(f"{where}enabled: must be true or false (got {flag!r})")
    return flag


def coerce_strict(param: Param, value: Any, where: str = "") -> Any:
    """``param.coerce`` without silent conversion: text is not a number, a true/false is not
    a number and a number not a true/false, ``9.0`` is not a whole number, and numbers must
    be finite."""
    label = f"{where}{param.name}"
    kind = param.kind
    if kind == "bool" and not isinstance(value, bool):
        raise ParameterError(f"{label}: must be true or false (got {short(value)})")
    if kind in ("float", "int"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ParameterError(f"{label}: must be a number (got {short(value)})")
        if isinstance(value, float) and not math.isfinite(value):
            raise ParameterError(f"{label}: must be a finite number (got {value!r})")
        if kind == "int" and not isinstance(value, int):
            raise ParameterError(f"{label}: must be a whole number (got {short(value)})")
    if kind == "choice" and not isinstance(value, str):
        raise ParameterError(f"{label}: must be one of {', '.join(param.choices)} (got {short(value)})")
    return param.coerce(value, where)


def _format_loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            text = str(part)
            text = text if text.isprintable() and len(text) <= 60 else short(text)
            text = text or '""'  # a blank TOML key
            out += ("." if out else "") + text
    return out or "(top level)"


def _named_entry_hint(data: Any, loc: tuple[Any, ...]) -> str:
    """For a field missing from a community or estate: which entry it is, by name, and the
    entry it was probably meant to change (a misspelt name adds a new entry, which needs every
    field, instead of changing the base's)."""
    node, names, hint = data, [], ""
    for i, part in enumerate(loc[:-1]):
        try:
            siblings, node = node, node[part]
        except (KeyError, IndexError, TypeError):
            return ""
        if isinstance(part, int) and isinstance(node, Mapping) and isinstance(node.get("name"), str):
            kind = "estate" if i and loc[i - 1] == "estates" else "community"
            label = node["name"] if node["name"].isprintable() and len(node["name"]) <= 60 else short(node["name"])
            names.append(f'{kind} "{label}"' if label[:1] not in "'\"" else f"{kind} {label}")
            # entries that have what this one lacks (the next key of the path): the ones it was meant to change
            others = [e["name"] for e in siblings if isinstance(e, Mapping) and isinstance(e.get("name"), str)
                      and loc[i + 1] in e and e is not node]
            close = difflib.get_close_matches(node["name"], others, n=1, cutoff=0.75)
            if close:
                hint = (f'; did you mean {kind} "{close[0]}"? (a new name adds {"an" if kind == "estate" else "a"} '
                        f"{kind}, which needs every required field)")
    return (f" ({' of '.join(reversed(names))})" if names else "") + hint


def _clean_msg(error: Mapping[str, Any]) -> str:
    msg = str(error["msg"])
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    kind = error.get("type", "")
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "required field is missing"
    value = error.get("input")
    if kind not in {"model_type"} and not isinstance(value, dict | list) and value is not None:
        msg += f" (got {short(value)})"
    return msg


def parse_scenario(data: Mapping[str, Any], source: str, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Validate already-parsed TOML content; errors name ``source`` and the field."""
    if not isinstance(data, Mapping):
        raise ScenarioError(f"{source}: (top level): must be a table")
    _check_finite(data, source)
    try:
        spec = ScenarioSpec.model_validate(data)
    except ValidationError as exc:
        errors = sorted(exc.errors(), key=lambda e: e.get("type") != "extra_forbidden")  # typos first
        err = errors[0]
        msg = _clean_msg(err)
        if err.get("type") == "extra_forbidden":
            name = str(err["loc"][-1])
            close = difflib.get_close_matches(name, _field_names(), n=1, cutoff=0.7)
            if close and close[0] == name:
                msg += f"; {name} belongs in another table (README: Scenario files)"
            elif close:
                msg += f"; did you mean {close[0]}?"
        elif err.get("type") == "missing":
            msg += _named_entry_hint(data, err["loc"])
        more = len(errors) - 1
        tail = f" ({more} more problem{'s' if more > 1 else ''} after this one)" if more else ""
        raise ScenarioError(f"{source}: {_format_loc(err['loc'])}: {msg}{tail}") from None
    except RecursionError:
        raise ScenarioError(f"{source}: (top level): tables or lists nested too deeply") from None
    try:
        scenario = Scenario(spec, source, overrides)
    except ParameterError as exc:
        raise ScenarioError(str(exc)) from None
    for note in scenario.range_notes():
        warnings.warn(note, RangeWarning, stacklevel=2)
    return scenario


def _field_names() -> set[str]:
    """Every field name of the scenario schema (for did-you-mean suggestions)."""
    models = (ScenarioSpec, Meta, Community, Estate, FloorArea, HouseholdMix, IncomeMix, AgeMix, TenureMix)
    return {name for model in models for name in model.model_fields}


def _check_finite(data: Any, source: str) -> None:
    """Every number finite, and nesting no deeper than a scenario needs (iterative: any depth
    of input is reported, not a crash)."""
    stack: list[tuple[Any, str, int]] = [(data, "", 0)]
    while stack:
        item, loc, depth = stack.pop()
        if depth > 20:
            raise ScenarioError(f"{source}: {loc}: tables or lists nested too deeply")
        if isinstance(item, Mapping):
            stack.extend((v, f"{loc}.{k}" if loc else str(k), depth + 1) for k, v in item.items())
        elif isinstance(item, list):
            stack.extend((v, f"{loc}[{i}]", depth + 1) for i, v in enumerate(item))
        elif isinstance(item, float) and not math.isfinite(item):
            raise ScenarioError(f"{source}: {loc}: must be a finite number (got {item!r})")


def load_scenario(ref: str | os.PathLike[str], overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Load and validate a scenario from a path or a shipped scenario's name."""
    path = resolve_path(ref)
    return parse_scenario(read_scenario_data(path), str(path), overrides)


