"""Parameter uncertainty: which parameters vary, over what, and Latin hypercube samples.

A varied parameter is a :class:`Vary`: a uniform range (by default the parameter table's
``range``), a distribution (triangular, normal, log-uniform), or a list of values (choice
parameters such as ``staffing_norm``, or discrete numbers). Each maps a uniform number
``u`` in [0, 1) to a value, so one unit hypercube design serves Latin hypercube sampling
(``scipy.stats.qmc``), Morris and Sobol designs (SALib) alike.

Parameters to vary come from the command line (``--vary NAME``, ``--vary NAME=LOW:HIGH``,
``--vary NAME=a,b,c``) or from an ``[uncertainty]`` table in a scenario file::

    [uncertainty]
    pay_intercept = "range"                      # the parameter table's range
    firm_cost_ratio = [0.9, 1.1]                 # a given range (uniform)
    staffing_norm = ["liaocheng", "xian"]        # choices, equally likely
    oc_members = { values = [5, 7, 9] }          # discrete numbers, equally likely
    pay_beta_norm = { distribution = "triangular", low = 0.4, mode = 1.2, high = 2.5 }
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from commsim.errors import ParameterError, ScenarioError
from commsim.params import PARAMETERS, Param

if TYPE_CHECKING:
    from commsim.scenario import Scenario

DISTRIBUTIONS = ("uniform", "triangular", "normal", "loguniform")


@dataclass(frozen=True)
class Vary:
    """How one parameter varies. ``values`` (a list) or ``low``/``high`` with a distribution."""

    name: str
    distribution: str = "uniform"
    low: float | None = None
    high: float | None = None
    mode: float | None = None
    values: tuple[Any, ...] = ()

    @property
    def param(self) -> Param:
        """The parameter table's entry of the varied parameter."""
        return PARAMETERS[self.name]

    def value(self, u: float) -> Any:
        """The parameter value at quantile ``u`` in [0, 1) (coerced to the parameter's kind)."""
        u = min(max(float(u), 0.0), math.nextafter(1.0, 0.0))
        if self.values:
            return self.values[min(int(u * len(self.values)), len(self.values) - 1)]
        lo, hi = float(self.low), float(self.high)
        from scipy import stats  # here: keeps `import commsim.cli` light

        if self.distribution == "triangular":
            c = (float(self.mode) - lo) / (hi - lo) if hi > lo else 0.5
            x = float(stats.triang.ppf(u, c, loc=lo, scale=hi - lo))
        elif self.distribution == "normal":  # mean = mode, sd = (high - low) / 4, cut to [low, high]
            sd = (hi - lo) / 4.0
            a, b = (lo - self.mode) / sd, (hi - self.mode) / sd
            x = float(stats.truncnorm.ppf(u, a, b, loc=self.mode, scale=sd))
        elif self.distribution == "loguniform":
            x = float(math.exp(math.log(lo) + u * (math.log(hi) - math.log(lo))))
        else:
            x = lo + u * (hi - lo)
        if self.param.kind == "int":
            return int(min(math.floor(lo + u * (hi - lo + 1)), hi)) if self.distribution == "uniform" else int(round(x))
        return self.param.coerce(x, "--vary ")

    def describe(self) -> dict[str, Any]:
        """The variation as plain data for the manifest: ``values``, or distribution and range."""
        if self.values:
            return {"name": self.name, "values": list(self.values)}
        out = {"name": self.name, "distribution": self.distribution, "low": self.low, "high": self.high}
        if self.mode is not None:
            out["mode"] = self.mode
        return out


def make_vary(name: str, spec: Any = "range", where: str = "--vary ") -> Vary:
    """Build and validate a :class:`Vary` from a scenario-table or parsed CLI ``spec``."""
    param = PARAMETERS.lookup(name, where)
    label = f"{where}{name}"
    if spec in ("range", True, None):
        if param.kind == "choice":
            return Vary(name, values=tuple(param.choices))
        if param.kind == "bool":
            return Vary(name, values=(False, True))
        if param.range is None:
            raise ParameterError(f"{label}: has no range in the parameter table; give LOW:HIGH")
        return _range(param, param.range[0], param.range[1], where)
    if isinstance(spec, list | tuple) and param.kind not in ("choice", "bool"):
        if len(spec) != 2:
            raise ParameterError(f"{label}: a number takes [LOW, HIGH] or {{ values = [...] }} (got {list(spec)!r})")
        return _range(param, spec[0], spec[1], where)
    if isinstance(spec, Mapping) and "values" in spec or isinstance(spec, list | tuple):
        raw = spec["values"] if isinstance(spec, Mapping) else spec
        if isinstance(spec, Mapping) and set(spec) != {"values"}:
            raise ParameterError(f"{label}: give either values or a range, not both")
        values = tuple(dict.fromkeys(_strict(param, v, where) for v in (raw if isinstance(raw, list | tuple) else [raw])))
        if not values:
            raise ParameterError(f"{label}: needs at least one value")
        return Vary(name, values=values)
    if isinstance(spec, Mapping):
        unknown = set(spec) - {"distribution", "low", "high", "mode"}
        if unknown:
            raise ParameterError(f"{label}: unknown key {sorted(unknown)[0]!r} (use distribution, low, high, mode or values)")
        dist = spec.get("distribution", "uniform")
        if dist not in DISTRIBUTIONS:
            raise ParameterError(f"{label}: distribution must be one of {', '.join(DISTRIBUTIONS)} (got {dist!r})")
        lo, hi = spec.get("low", param.range and param.range[0]), spec.get("high", param.range and param.range[1])
        base = _range(param, lo, hi, where)
        mode = spec.get("mode", param.default if dist in ("triangular", "normal") else None)
        if dist in ("triangular", "normal"):
            mode = _strict(param, mode, where)
            if not base.low <= mode <= base.high:
                raise ParameterError(f"{label}: mode {mode} must lie between low and high")
        if dist == "loguniform" and base.low <= 0:
            raise ParameterError(f"{label}: a log-uniform range needs low > 0")
        return Vary(name, dist, base.low, base.high, mode)
    raise ParameterError(f"{label}: expected \"range\", [LOW, HIGH], a list of values or a table (got {spec!r})")


def _range(param: Param, lo: Any, hi: Any, where: str) -> Vary:
    label = f"{where}{param.name}"
    if param.kind in ("choice", "bool"):
        raise ParameterError(f"{label}: a {param.kind} parameter takes a list of values, not a range")
    lo, hi = _strict(param, lo, where), _strict(param, hi, where)
    if lo > hi:
        raise ParameterError(f"{label}: low ({lo}) is above high ({hi})")
    return Vary(param.name, "uniform", lo, hi)


def _strict(param: Param, value: Any, where: str) -> Any:
    """The value, of the parameter's own type (no text for numbers, no 9.0 for 9)."""
    from commsim.scenario import coerce_strict  # here: scenario imports this module

    return coerce_strict(param, value, where)


def parse_vary_option(item: str) -> Vary:
    """``NAME`` | ``NAME=LOW:HIGH`` | ``NAME=a,b,c`` from the command line."""
    name, _, raw = (s.strip() for s in item.partition("="))
    if not name:
        raise ParameterError(f"--vary {item}: expected NAME, NAME=LOW:HIGH or NAME=a,b,c")
    if not raw:
        return make_vary(name)
    if ":" in raw:
        parts = raw.split(":")
        if len(parts) != 2 or not all(p.strip() for p in parts):
            raise ParameterError(f"--vary {item}: expected NAME=LOW:HIGH")
        return make_vary(name, [parse_scalar(p) for p in parts])
    return make_vary(name, {"values": [parse_scalar(v) for v in raw.split(",")]})


def parse_scalar(text: str) -> Any:
    """A command-line value read as a TOML value (a number, a boolean, a quoted string);
    text that is not one stays text, stripped.
    """
    text = text.strip()
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except (tomllib.TOMLDecodeError, RecursionError, ValueError):
        return text


def merge_varies(groups: Iterable[Iterable[Vary]]) -> list[Vary]:
    """Union of varied parameters; the same name with different specs is an error."""
    out: dict[str, Vary] = {}
    for group in groups:
        for v in group:
            if v.name in out and out[v.name] != v:
                raise ParameterError(f"{v.name}: varied twice with different ranges ({out[v.name].describe()} vs {v.describe()})")
            out[v.name] = v
    return list(out.values())


def applies_to(name: str, scenario: Scenario) -> bool:
    """Whether parameter ``name`` means something in ``scenario`` (a policy's only if switched on)."""
    return "." not in name or name.split(".", 1)[0] in scenario.policies


def lhs_unit(n: int, dims: int, seed: int, block: int = 0) -> np.ndarray:
    """An ``n`` x ``dims`` Latin hypercube in [0, 1), reproducible from (seed, block)."""
    from scipy.stats import qmc

    gen = np.random.default_rng(np.random.SeedSequence([int(seed), 0x4C4853, int(block)]))
    try:
        sampler = qmc.LatinHypercube(d=dims, rng=gen)
    except TypeError:  # scipy < 1.15
        sampler = qmc.LatinHypercube(d=dims, seed=gen)
    return sampler.random(n)


def sample_replicates(varies: list[Vary], replicates: Iterable[int], seed: int, block_size: int) -> dict[int, dict[str, Any]]:
    """Parameter values for each replicate: replicate r takes row ``r % block_size`` of the
    Latin hypercube block ``r // block_size``, so adding replicates never changes earlier ones."""
    out: dict[int, dict[str, Any]] = {}
    if not varies:
        return {int(r): {} for r in replicates}
    blocks: dict[int, np.ndarray] = {}
    for r in replicates:
        b = int(r) // block_size
        if b not in blocks:
            blocks[b] = lhs_unit(block_size, len(varies), seed, b)
        row = blocks[b][int(r) % block_size]
        out[int(r)] = {v.name: v.value(u) for v, u in zip(varies, row, strict=True)}
    return out


def load_posterior(path: str | Path) -> list[dict[str, Any]]:
    """Parameter sets from a calibration's ``accepted.csv`` (one set per row, columns named
    after parameters; other columns such as statistics are ignored). Replicate r of a
    comparison uses set ``r % len(sets)``: the calibration's uncertainty, jointly sampled."""
    import pandas as pd

    path = Path(path)
    try:
        table = pd.read_csv(path)
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no such file (give a calibration's accepted.csv)") from None
    except (OSError, ValueError) as exc:
        raise ScenarioError(f"{path}: cannot read as CSV: {exc}") from None
    columns = [c for c in table.columns if c in PARAMETERS and "." not in c]
    if not columns or table.empty:
        raise ScenarioError(f"{path}: no parameter columns or no rows (give a calibration's accepted.csv)")
    sets = []
    for i, row in enumerate(table[columns].to_dict("records")):
        try:
            sets.append({c: PARAMETERS[c].coerce(row[c].item() if hasattr(row[c], "item") else row[c], f"{path}: row {i + 1}: ") for c in columns})
        except ParameterError as exc:
            raise ScenarioError(str(exc)) from None
    return sets
