"""Scenario files: TOML descriptions of a street, validated on load.

A scenario names the street's communities and estates, the household mix, the horizon,
overrides of model parameters (``[parameters]``) and the policies switched on
(``[policies.<name>]``). Every problem is reported as one :class:`ScenarioError` line that
names the file, the field and what is wrong.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import os
import tomllib
import warnings
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from commsim.errors import ParameterError, RangeWarning, ScenarioError
from commsim.params import PARAMETERS, Values
from commsim.policies import registry
from commsim.uncertainty import make_vary
from commsim.vocabulary import ESTATE_TYPES, MANAGEMENT


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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
    owner: float = Field(0.82, ge=0.0, le=1.0)
    tenant: float = Field(0.18, ge=0.0, le=1.0)


class HouseholdMix(_Strict):
    income: IncomeMix = IncomeMix()
    age: AgeMix = AgeMix()
    tenure: TenureMix = TenureMix()


class FloorArea(_Strict):
    """Floor area per dwelling (m2): log-normal with this mean and sd, clipped to [min, max]."""

    mean: float = Field(92.0, gt=0.0, le=1000.0)
    sd: float = Field(25.0, ge=0.0, le=1000.0)
    min: float = Field(30.0, gt=0.0)
    max: float = Field(250.0, gt=0.0)

    @model_validator(mode="after")
    def _ordered(self):
        if not self.min <= self.mean <= self.max:
            raise ValueError(f"need min <= mean <= max (got {self.min}, {self.mean}, {self.max})")
        return self


class Estate(_Strict):
    name: str = Field(min_length=1)
    type: Literal[ESTATE_TYPES]  # type: ignore[valid-type]
    households: int = Field(ge=1, le=200_000, description="dwelling units, occupied or not")
    occupancy: float = Field(0.9, gt=0.0, le=1.0, description="share of units lived in")
    floor_area: FloorArea = FloorArea()
    fee_yuan_per_m2_month: float = Field(ge=0.0, le=50.0)
    management: Literal[MANAGEMENT] = "firm"  # type: ignore[valid-type]
    owners_committee: bool | None = Field(None, description="starts with an owners' committee; absent: drawn by estate type (oc_initial_share_<type>)")
    household_mix: HouseholdMix | None = None

    @model_validator(mode="after")
    def _fee_needs_payer(self):
        if self.management != "none" and self.fee_yuan_per_m2_month <= 0:
            raise ValueError("a managed estate needs fee_yuan_per_m2_month > 0")
        if self.management == "self" and self.owners_committee is False:
            raise ValueError("management = 'self' needs an owners' committee (owners_committee = true or absent)")
        return self


class Community(_Strict):
    name: str = Field(min_length=1)
    estates: list[Estate] = Field(min_length=1)
    household_mix: HouseholdMix | None = None
    workers: int | None = Field(None, ge=1, le=10_000, description="community workers; default: the staffing norm")

    @field_validator("estates")
    @classmethod
    def _unique_names(cls, estates: list[Estate]) -> list[Estate]:
        names = [e.name for e in estates]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"estate names must be unique (repeated: {', '.join(dupes)})")
        return estates


class Meta(_Strict):
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_\-]+$")
    title_en: str = ""
    title_zh: str = ""
    description: str = ""
    base: str | None = Field(None, description="scenario whose content this file extends")
    plugins: list[str] = Field(default_factory=list, description="user policy modules to import")
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
            merged[key] = param.coerce(value, f"{source}: parameters.")
        for policy_name, table in spec.policies.items():
            cls = registry.get(policy_name, where=f"{source}: policies.")
            for key, value in table.items():
                full = f"{policy_name}.{key}"
                merged[full] = PARAMETERS.lookup(full, f"{source}: policies.").coerce(
                    value, f"{source}: policies."
                )
            del cls
        for key, value in self.overrides.items():
            param = PARAMETERS.lookup(key, "--set ")
            policy = key.split(".")[0] if "." in key else None
            if policy is not None and policy not in spec.policies:
                raise ParameterError(
                    f"--set {key}: belongs to policy {policy!r}, which {source} does not switch on"
                )
            merged[key] = param.coerce(value, "--set ")
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
            for name in spec.policies
        }
        for name, values in self.policies.items():
            registry.get(name).check_values(values, f"{source}: policies.{name}.")

    def load_plugins(self) -> None:
        """Import the user policy modules the file names (idempotent)."""
        base = Path(self.source).parent if self.source else None
        for ref in self.spec.scenario.plugins:
            registry.load_plugin(ref, base, self.source)

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
        return self.spec.scenario.name

    @property
    def months(self) -> int:
        return self.spec.scenario.months

    @property
    def burn_in_months(self) -> int:
        return self.spec.scenario.burn_in_months

    @property
    def communities(self) -> list[Community]:
        return self.spec.communities

    def estates(self) -> list[tuple[int, Community, Estate]]:
        """Every estate with its community's index, in file order."""
        return [(ci, c, e) for ci, c in enumerate(self.spec.communities) for e in c.estates]

    @property
    def households(self) -> int:
        return sum(e.households for _, _, e in self.estates())

    def with_overrides(self, overrides: Mapping[str, Any]) -> Scenario:
        return Scenario(self.spec, self.source, {**self.overrides, **overrides})

    def with_months(self, months: int) -> Scenario:
        meta = self.spec.scenario
        burn = min(meta.burn_in_months, max(0, months - 1))
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


# --- finding and loading files --------------------------------------------------------


def shipped_dir() -> Path:
    """The folder of shipped scenarios (repository ``scenarios/``, or the wheel's copy)."""
    env = os.environ.get("COMMSIM_SCENARIOS")
    if env:
        return Path(env)
    repo = Path(__file__).resolve().parents[2] / "scenarios"
    if repo.is_dir():
        return repo
    return Path(str(resources.files("commsim") / "_scenarios"))


def shipped_scenarios() -> list[Path]:
    folder = shipped_dir()
    return sorted(folder.glob("*.toml")) if folder.is_dir() else []


def resolve_path(ref: str | os.PathLike[str]) -> Path:
    """A scenario path from a path or the name of a shipped scenario."""
    path = Path(ref)
    if path.is_file():
        return path
    candidate = shipped_dir() / f"{ref}.toml"
    if not path.suffix and candidate.is_file():
        return candidate
    names = ", ".join(p.stem for p in shipped_scenarios()) or "none found"
    raise ScenarioError(
        f"{ref}: no such scenario file, and not the name of a shipped scenario ({names})"
    )


def _format_loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


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
        msg += f" (got {value!r})"
    return msg


def parse_scenario(data: Mapping[str, Any], source: str, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Validate already-parsed TOML content; errors name ``source`` and the field."""
    try:
        spec = ScenarioSpec.model_validate(data)
    except ValidationError as exc:
        errors = sorted(exc.errors(), key=lambda e: e.get("type") != "extra_forbidden")  # typos first
        err = errors[0]
        msg = _clean_msg(err)
        if err.get("type") == "extra_forbidden":
            close = difflib.get_close_matches(str(err["loc"][-1]), _field_names(), n=1, cutoff=0.7)
            msg += f"; did you mean {close[0]}?" if close else ""
        more = len(errors) - 1
        tail = f" ({more} more problem{'s' if more > 1 else ''} after this one)" if more else ""
        raise ScenarioError(f"{source}: {_format_loc(err['loc'])}: {msg}{tail}") from None
    _check_finite(data, source)
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


def _check_finite(data: Any, source: str, loc: str = "") -> None:
    if isinstance(data, Mapping):
        for k, v in data.items():
            _check_finite(v, source, f"{loc}.{k}" if loc else str(k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            _check_finite(v, source, f"{loc}[{i}]")
    elif isinstance(data, float) and not math.isfinite(data):
        raise ScenarioError(f"{source}: {loc}: must be a finite number (got {data!r})")


def _merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """``over`` laid on ``base``: tables merge key by key, anything else (lists of communities
    included) is replaced."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def read_scenario_data(path: Path, _chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The TOML content of a scenario file, with ``[scenario] base = "..."`` resolved: the base
    (a shipped scenario's name, or a path relative to this file) is read first and this file's
    tables are merged over it, so a policy scenario need only say what differs."""
    source = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{source}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{source}: not valid TOML: {exc}") from None
    meta = data.get("scenario")
    ref = meta.get("base") if isinstance(meta, Mapping) else None
    if ref is None:
        return data
    if not isinstance(ref, str) or not ref:
        raise ScenarioError(f"{source}: scenario.base: must be a scenario name or a path (got {ref!r})")
    local = path.parent / ref
    base_path = local if local.is_file() else resolve_path(ref)
    chain = (*_chain, path.resolve())
    if base_path.resolve() in chain:
        raise ScenarioError(f"{source}: scenario.base: {ref} leads back to this file (a cycle)")
    base = read_scenario_data(base_path, chain)
    return _merge(base, data)


def load_scenario(ref: str | os.PathLike[str], overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Load and validate a scenario from a path or a shipped scenario's name."""
    path = resolve_path(ref)
    return parse_scenario(read_scenario_data(path), str(path), overrides)


def parse_set_options(items: list[str]) -> dict[str, Any]:
    """``NAME=VALUE`` strings from ``--set`` into a dict (values parsed as TOML, else text)."""
    out: dict[str, Any] = {}
    for item in items:
        if "=" not in item:
            raise ParameterError(f"--set {item}: expected NAME=VALUE")
        name, raw = (s.strip() for s in item.split("=", 1))
        if not name:
            raise ParameterError(f"--set {item}: missing parameter name")
        try:
            value = tomllib.loads(f"v = {raw}")["v"]
        except tomllib.TOMLDecodeError:
            value = raw
        out[name] = value
    return out
