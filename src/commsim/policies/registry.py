"""The registry of policies by name, and loading of user policy modules (plugins)."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path

from commsim.errors import ScenarioError
from commsim.params import PARAMETERS, register
from commsim.policies.base import START_MONTH, Policy

_POLICIES: dict[str, type[Policy]] = {}


def register_policy(cls: type[Policy]) -> type[Policy]:
    """Class decorator: add a policy class and its parameters (``<name>.<param>``)."""
    name = cls.name
    if not name or not name.replace("_", "").isalnum():
        raise ValueError(f"policy {cls.__qualname__} needs a name of letters, digits and _")
    if name in _POLICIES:
        if _POLICIES[name].__qualname__ == cls.__qualname__:  # re-import of the same module
            _POLICIES[name] = cls
            return cls
        raise ValueError(f"policy name {name!r} registered twice")
    own = [p for p in cls.parameters if p.name != "start_month"]
    params = [START_MONTH, *own]
    register(
        type(p)(**{**p.__dict__, "name": f"{name}.{p.name}", "group": f"policy:{name}"})
        for p in params
        if f"{name}.{p.name}" not in PARAMETERS
    )
    _POLICIES[name] = cls
    return cls


def get(name: str, where: str = "") -> type[Policy]:
    try:
        return _POLICIES[name]
    except KeyError:
        known = ", ".join(sorted(_POLICIES)) or "none"
        raise ScenarioError(f"{where}{name}: unknown policy (known: {known})") from None


def available() -> dict[str, type[Policy]]:
    return dict(sorted(_POLICIES.items()))


def load_plugin(ref: str, base_dir: Path | None = None, source: str = "") -> None:
    """Import a user module that registers policies: a dotted module name or a .py path
    (relative paths are taken from ``base_dir``, the scenario file's folder)."""
    where = f"{source}: scenario.plugins: " if source else "plugin "
    if ref.endswith(".py"):
        path = Path(ref)
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        path = path.resolve()
        mod_name = f"commsim_plugin_{abs(hash(str(path))) & 0xFFFFFFFF:x}"
        if mod_name in sys.modules:
            return
        if not path.is_file():
            raise ScenarioError(f"{where}{ref}: no such file")
        spec = importlib.util.spec_from_file_location(mod_name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[mod_name] = module
        try:
            spec.loader.exec_module(module)
        except Exception as exc:
            del sys.modules[mod_name]
            raise ScenarioError(f"{where}{ref}: failed to import: {type(exc).__name__}: {exc}") from None
        return
    try:
        importlib.import_module(ref)
    except Exception as exc:
        raise ScenarioError(f"{where}{ref}: failed to import: {type(exc).__name__}: {exc}") from None
