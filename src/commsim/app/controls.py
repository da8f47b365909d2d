"""The app's controls, from the parameter table: Mesa ``model_params`` for SolaraViz (a scenario
selector, the seed, the horizon and sliders for key parameters over their documented ranges),
the streets and policies the explorer offers, and each policy's strength parameters.

Nothing here imports Solara: the tests check the controls against the parameter table and
build models from them without a browser.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cache
from typing import Any

from commsim.params import PARAMETERS, Param
from commsim.policies import available
from commsim.report.vocab import Lang, ScenarioTitles
from commsim.report.vocab_params import param_label, param_unit
from commsim.scenario import read_scenario_data, shipped_scenarios

#: core parameters the one-run view offers as sliders: willingness to pay and the weight of
#: satisfaction in it, the burden of the fee, the pull of neighbours taking part, how easily
#: owners' committees form, the administrative load on community workers and their pay
KEY_PARAMETERS: tuple[str, ...] = (
    "pay_intercept", "pay_beta_satisfaction", "pay_beta_burden", "participation_social_weight",
    "oc_formation_hazard", "admin_hours_per_household", "worker_pay_yuan_month",
)

#: slider labels of the key parameters (short: the slider shares a line with its label);
#: the one-run view's table gives each with its full label, unit and range
SHORT_LABELS: dict[str, str] = {
    "pay_intercept": "Willingness to pay", "pay_beta_satisfaction": "Satisfaction > paying",
    "pay_beta_burden": "Fee burden > paying", "participation_social_weight": "Neighbours' pull",
    "oc_formation_hazard": "Committees form", "admin_hours_per_household": "Admin hours",
    "worker_pay_yuan_month": "Worker pay",
}

#: the strengths the explorer offers per shipped policy (parameter names without the prefix):
#: how much of the policy there is, in hours, money, coverage or effect; other parameters keep
#: their defaults. A policy not listed here (a plugin's) offers its first numeric parameters.
POLICY_STRENGTHS: dict[str, tuple[str, ...]] = {
    "suzhou_alliance": ("activities_per_year", "activity_participation_drive", "join_vote_worker_hours"),
    "liaocheng_four_in_one": ("meeting_worker_hours", "meeting_resolve_gain", "formation_help_initiators"),
    "fee_subsidy": ("subsidy_share", "take_up", "annual_budget_yuan"),
    "suzhou_classified": ("standard_effort", "deficit_coverage"),
    "cangzhou_six_in_one": ("head_coverage", "head_detection_prob", "manager_resolve_bonus"),
    "harbin_basic_service": ("quality_cap", "satisfaction_line"),
    "xian_staffing": ("workers_per_10000",),
    "burden_reduction": ("admitted_share", "abolished_share"),
}
#: strengths shown for a policy without an entry in POLICY_STRENGTHS
MAX_STRENGTHS = 3

SEED_RANGE = (0, 99)
MONTHS_RANGE = (12, 120)


def nice_step(low: float, high: float, steps: int = 40) -> float:
    """A round slider step (1, 2 or 5 x 10^k) giving about ``steps`` steps over [low, high]."""
    raw = (high - low) / steps
    if raw <= 0:
        return 1.0
    exp = math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if m * 10**exp >= raw:
            return float(m * 10**exp)
    return float(10 ** (exp + 1))  # pragma: no cover - the loop always returns


def _multiple(x: float, step: float) -> bool:
    k = x / step
    return abs(k - round(k)) < 1e-6


def slider_step(low: float, high: float, default: float, steps: int = 40) -> float:
    """A round step (1, 2 or 5 x 10^k; about ``steps`` or more over [low, high]) on whose grid
    from ``low`` both ``default`` and ``high`` lie: the browser's slider snaps its value to
    that grid, and a default off the grid would be moved before anyone touched it."""
    step = nice_step(low, high, steps)
    for _ in range(30):
        if _multiple(default - low, step) and _multiple(high - low, step):
            return step
        exp = math.floor(math.log10(step) + 1e-9)
        mantissa = round(step / 10**exp)
        step = {5: 2, 2: 1, 1: 0.5}[mantissa] * 10**exp
    return step


def parameter_text(name: str, lang: Lang = "en") -> str:
    """Short label of a parameter with its unit: "Worker pay (yuan/worker/month)"."""
    label = param_label(name, lang)
    unit = param_unit(name, lang)
    return f"{label} ({unit})" if unit else label


def slider(param: Param, label: str | None = None) -> dict[str, Any]:
    """A Mesa ``model_params`` slider over ``param``'s documented range, at its default."""
    if param.range is None or param.kind not in ("float", "int"):
        raise ValueError(f"{param.name}: only a number with a documented range makes a slider")
    low, high = param.range
    if param.kind == "int":
        return {"type": "SliderInt", "value": int(param.default), "min": int(low), "max": int(high),
                "step": 1, "label": label or param.name}
    return {"type": "SliderFloat", "value": float(param.default), "min": float(low), "max": float(high),
            "step": slider_step(low, high, param.default), "label": label or param.name}


@cache
def _policy_tables() -> dict[str, dict[str, dict[str, Any]]]:
    """Each shipped scenario's ``[policies]`` tables, by scenario name (bases resolved)."""
    return {path.stem: dict(read_scenario_data(path).get("policies") or {}) for path in shipped_scenarios()}


def streets() -> list[str]:
    """Shipped scenarios that switch no policy on (status quo streets), ``baseline`` first."""
    names = [name for name, pols in _policy_tables().items() if not pols]
    return sorted(names, key=lambda n: (n != "baseline", n))


def run_scenarios() -> list[str]:
    """Every shipped scenario, the streets first, for the one-run view's selector."""
    first = streets()
    return first + [name for name in _policy_tables() if name not in first]


def policies() -> list[str]:
    """Registered policies, in registration order (the shipped ones, then plugins loaded)."""
    return list(available())


def policy_table(policy: str) -> dict[str, Any]:
    """The ``[policies.<policy>]`` table of the shipped scenario named after the policy
    (``fee_subsidy.toml`` sets ``scheme``), or an empty table (the policy's defaults)."""
    table = _policy_tables().get(policy, {}).get(policy)
    return {k: v for k, v in (table or {}).items() if k != "enabled"}


def strength_params(policy: str) -> list[Param]:
    """The strength parameters the explorer offers for ``policy`` (full names in the table)."""
    names = POLICY_STRENGTHS.get(policy)
    if names is None:
        numeric = [p for p in PARAMETERS if p.name.startswith(f"{policy}.") and p.range is not None
                   and p.kind in ("float", "int") and not p.name.endswith(".start_month")]
        return numeric[:MAX_STRENGTHS]
    return [PARAMETERS[f"{policy}.{name}"] for name in names]


def title(name: str, lang: Lang = "en") -> str:
    """Title of a scenario or policy (shipped files, then the reports' policy titles)."""
    return ScenarioTitles().title(name, lang)


def model_params(scenario: str = "baseline", seed: int = 1, months: int = 60,
                 parameters: tuple[str, ...] = KEY_PARAMETERS) -> dict[str, Any]:
    """Mesa ``model_params`` for SolaraViz: what ``CommunityModel(**values)`` is rebuilt from
    when Reset is pressed. Sliders span the documented ranges; their labels are short."""
    out: dict[str, Any] = {
        "scenario": {"type": "Select", "value": scenario, "values": run_scenarios(),
                     "label": "Scenario (a street, or a policy on the baseline street)"},
        "seed": {"type": "SliderInt", "value": seed, "min": SEED_RANGE[0], "max": SEED_RANGE[1], "step": 1,
                 "label": "Seed"},
        "months": {"type": "SliderInt", "value": months, "min": MONTHS_RANGE[0], "max": MONTHS_RANGE[1],
                   "step": 6, "label": "Months"},
    }
    for name in parameters:
        out[name] = slider(PARAMETERS[name], SHORT_LABELS.get(name, name))
    return out


def initial_values(params: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments a ``model_params`` dict starts the model with (as Mesa does)."""
    return {name: (spec["value"] if isinstance(spec, Mapping) and "type" in spec else spec)
            for name, spec in params.items()}
