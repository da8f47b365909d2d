"""The registry of policies by name, and loading of user policy files (plugins).

A plugin is a ``.py`` file that a scenario names in ``[scenario] plugins``; loading it runs
its code (that is how its policies register themselves), so ``commsim check`` runs it too.
Policy names are unique across commsim's own policies and every plugin: a plugin that reuses
a taken name is an error, never a silent replacement.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
import traceback
from pathlib import Path

from commsim.errors import PluginError, ScenarioError
from commsim.params import PARAMETERS, register
from commsim.policies.base import SETUP_MONTHS, START_MONTH, Policy

_POLICIES: dict[str, type[Policy]] = {}
#: plugin files loaded in this process: resolved path -> module name
_PLUGINS: dict[str, str] = {}


def register_policy(cls: type[Policy]) -> type[Policy]:
    """Class decorator: add a policy class and its parameters (``<name>.<param>``)."""
    name = cls.name
    if not isinstance(name, str) or not name or not name.isascii() or not name.replace("_", "").isalnum():
        raise ValueError(f"policy {cls.__qualname__} needs a name of ASCII letters, digits and _ (got {name!r})")
    if name in _POLICIES:
        old = _POLICIES[name]
        if (old.__module__, old.__qualname__) == (cls.__module__, cls.__qualname__):  # the same module re-imported
            _POLICIES[name] = cls
            return cls
        raise ValueError(f"policy name {name!r} is already taken by {_origin(old)}; give this policy another name")
    own = [p for p in cls.parameters if p.name != "start_month"]
    if not any(p.name == "setup_months" for p in own):
        own = [SETUP_MONTHS, *own]
    by_name = {p.name: p for p in own}
    for mechanism, off in cls.mechanism_switches().items():
        for param, value in off.items():
            if param not in by_name:
                raise ValueError(f"policy {name}: mechanism {mechanism!r} switches off {param!r}, not one of its parameters")
            by_name[param].coerce(value, f"policy {name}: mechanism {mechanism!r}: ")
    params = [START_MONTH, *own]
    register(
        type(p)(**{**p.__dict__, "name": f"{name}.{p.name}", "group": f"policy:{name}"})
        for p in params
        if f"{name}.{p.name}" not in PARAMETERS
    )
    _POLICIES[name] = cls
    return cls


def _origin(cls: type[Policy]) -> str:
    """Where a policy class comes from: commsim's module, or the plugin file."""
    for path, module in _PLUGINS.items():
        if module == cls.__module__:
            return f"the plugin {path}"
    return f"{cls.__module__}.{cls.__qualname__}"


def get(name: str, where: str = "") -> type[Policy]:
    """The policy class registered as ``name``.

    Raises:
        ScenarioError: no policy of that name is registered.
    """
    try:
        return _POLICIES[name]
    except KeyError:
        known = ", ".join(sorted(_POLICIES)) or "none"
        raise ScenarioError(f"{where}{name}: unknown policy (known: {known})") from None


def available() -> dict[str, type[Policy]]:
    """Every registered policy class by name, sorted."""
    return dict(sorted(_POLICIES.items()))


def plugin_files() -> list[str]:
    """The plugin files loaded in this process (resolved paths)."""
    return list(_PLUGINS)


def plugin_path(ref: str, base_dir: Path | None, where: str) -> Path:
    """The file a ``plugins`` entry names: a ``.py`` path, relative to ``base_dir`` (the folder
    of the scenario file that names it) unless absolute."""
    if not isinstance(ref, str) or not ref.strip():
        raise ScenarioError(f"{where}{ref!r}: must be the path of a .py file")
    if any(ord(c) < 32 for c in ref):
        raise ScenarioError(f"{where}{ref!r}: a file name cannot contain control characters")
    if not ref.endswith(".py"):
        raise ScenarioError(f"{where}{ref}: must be a .py file (a path relative to the scenario file); "
                            "module names are not accepted")
    path = Path(ref)
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    try:
        return path.resolve()
    except (OSError, ValueError) as exc:
        raise ScenarioError(f"{where}{ref}: not a usable path ({exc})") from None


def load_plugin(ref: str, base_dir: Path | None = None, source: str = "") -> Path:
    """Run a user's plugin file (a ``.py`` path; relative paths are taken from ``base_dir``,
    the folder of the scenario file that names it), which registers its policies. Loading the
    same file again does nothing. Errors name the file and the line."""
    where = f"{source}: scenario.plugins: " if source else "plugin "
    path = plugin_path(ref, base_dir, where)
    if str(path) in _PLUGINS:
        return path
    if not path.is_file():
        raise ScenarioError(f"{where}{ref}: no such file ({path})")
    mod_name = "commsim_plugin_" + hashlib.sha256(str(path).encode()).hexdigest()[:12]
    spec = importlib.util.spec_from_file_location(mod_name, path)
    if spec is None or spec.loader is None:
        raise ScenarioError(f"{where}{ref}: cannot be loaded as a Python file")
    module = importlib.util.module_from_spec(spec)
    before = set(_POLICIES)
    sys.modules[mod_name] = module
    _PLUGINS[str(path)] = mod_name
    try:
        spec.loader.exec_module(module)
    except (Exception, SystemExit) as exc:  # SystemExit too: a plugin must not end the command
        del sys.modules[mod_name]
        del _PLUGINS[str(path)]
        for name in set(_POLICIES) - before:
            del _POLICIES[name]
        raise PluginError(f"{where}{path}{_line(exc, path)}: failed to import: {_describe(exc)}") from None
    return path


def _describe(exc: BaseException) -> str:
    if isinstance(exc, SystemExit):
        return f"it called sys.exit({exc.code!r})"
    if isinstance(exc, SyntaxError):
        return f"SyntaxError: {exc.msg}"
    return f"{type(exc).__name__}: {exc}"


def _line(exc: BaseException, path: Path) -> str:
    """``, line N`` of the innermost frame of ``exc``'s traceback inside ``path``."""
    if isinstance(exc, SyntaxError) and exc.lineno is not None and exc.filename and Path(exc.filename) == path:
        return f", line {exc.lineno}"
    lines = [f.lineno for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename) == path]
    return f", line {lines[-1]}" if lines and lines[-1] is not None else ""


def failure_location(exc: BaseException) -> str:
    """Where a run failed: ``plugin FILE, line N, in FUNC`` when a loaded plugin's code is on
    the traceback (the innermost such frame), else the innermost commsim frame."""
    frames = traceback.extract_tb(exc.__traceback__)
    for frame in reversed(frames):
        if str(Path(frame.filename).resolve()) in _PLUGINS:
            return f"plugin {frame.filename}, line {frame.lineno}, in {frame.name}"
    package = Path(__file__).resolve().parents[1]
    for frame in reversed(frames):
        try:
            rel = Path(frame.filename).resolve().relative_to(package.parent)
        except ValueError:
            continue
        return f"{rel.as_posix()}, line {frame.lineno}, in {frame.name} (an error in commsim, not in the input: please report it)"
    return "outside commsim"
