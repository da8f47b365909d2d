"""Finding and reading scenario files: shipped names, TOML with limits, and extending a base.

A file can extend another with ``[scenario] base = "..."``: the base is found next to the
file that names it (or is a shipped scenario's name; never the working directory), read
first, and the file merged over it (:func:`read_scenario_data`). Plugin paths are made
absolute from the folder of the file that names them, so a base's plugins are found from
the base.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from commsim.errors import ParameterError, ScenarioError


def short(value: Any, limit: int = 60) -> str:
    """``repr(value)``, cut to ``limit`` characters (for one-line messages)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


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
    """The shipped scenario files (``*.toml`` in :func:`shipped_dir`), sorted by name."""
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


#: lists merged entry by entry (matched on ``name``) when a file extends a base, with the
#: lists inside their entries that are merged the same way
NAMED_LISTS = {"communities": {"estates": {}}}
#: the largest scenario file read (a street of thousands of estates is well under 1 MB)
MAX_FILE_BYTES = 16 * 1024 * 1024


def _merge(base: Mapping[str, Any], over: Mapping[str, Any], named: Mapping[str, Any] = NAMED_LISTS) -> dict[str, Any]:
    """``over`` laid on ``base``: tables merge key by key; lists of communities and of their
    estates merge by ``name`` (an entry whose name the base has updates that entry, a new
    name is added at the end); any other value is replaced."""
    out = dict(base)
    for key, value in over.items():
        old = out.get(key)
        if key in named and isinstance(value, list) and isinstance(old, list):
            out[key] = _merge_named(old, value, named[key])
        elif isinstance(value, Mapping) and isinstance(old, Mapping):
            out[key] = _merge(old, value, {})
        else:
            out[key] = value
    return out


def _merge_named(base: list, over: list, named: Mapping[str, Any]) -> list:
    out = list(base)
    index = {e.get("name"): i for i, e in enumerate(out) if isinstance(e, Mapping) and isinstance(e.get("name"), str)}
    for entry in over:
        name = entry.get("name") if isinstance(entry, Mapping) else None
        if isinstance(name, str) and name in index:
            out[index[name]] = _merge(out[index[name]], entry, named)
        else:
            out.append(entry)
    return out


def _read_toml(path: Path) -> dict[str, Any]:
    source = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ScenarioError(f"{source}: (file): {size:,} bytes is larger than a scenario file can be "
                                f"({MAX_FILE_BYTES:,})")
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{source}: (file): cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{source}: not valid TOML: {exc}") from None
    except (RecursionError, MemoryError):
        raise ScenarioError(f"{source}: not valid TOML: nested too deeply or too large to read") from None
    except ValueError as exc:  # e.g. a number too large for Python to convert
        raise ScenarioError(f"{source}: not valid TOML: {exc}") from None


def _base_path(ref: Any, path: Path) -> Path:
    """The file ``[scenario] base`` names: a path relative to the naming file (or absolute),
    or the name of a shipped scenario. Never the working directory."""
    source = str(path)
    if not isinstance(ref, str) or not ref or not ref.isprintable():
        raise ScenarioError(f"{source}: scenario.base: must be a scenario name or a path (got {short(ref)})")
    local = path.parent / ref
    if local.is_file():
        return local
    shipped = shipped_dir() / f"{ref}.toml"
    if "/" not in ref and "\\" not in ref and not Path(ref).suffix and shipped.is_file():
        return shipped
    names = ", ".join(p.stem for p in shipped_scenarios()) or "none found"
    raise ScenarioError(f"{source}: scenario.base: {ref}: no such file next to this one ({local}), "
                        f"and not the name of a shipped scenario ({names})")


def _absolute_plugins(data: dict[str, Any], path: Path) -> None:
    """Make the file's plugin paths absolute, from the file's own folder (so that a base's
    plugins are found from the base, not from the file that extends it)."""
    meta = data.get("scenario")
    plugins = meta.get("plugins") if isinstance(meta, Mapping) else None
    if not isinstance(plugins, list):
        return
    fixed = []
    for ref in plugins:
        if isinstance(ref, str) and ref.endswith(".py") and ref.isprintable() and not Path(ref).is_absolute():
            ref = str((path.parent / ref).resolve())
        fixed.append(ref)
    data["scenario"] = {**meta, "plugins": fixed}


def read_scenario_data(path: Path, _chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The TOML content of a scenario file, with ``[scenario] base = "..."`` resolved.

    The base (a path relative to this file, or a shipped scenario's name) is read first and
    this file is merged over it: tables merge key by key; ``[[communities]]`` and their
    ``[[communities.estates]]`` merge by ``name`` (an entry whose name the base has changes
    only the fields it gives; a new name adds a community or estate); plugin lists add up; a
    base's policy is switched off with ``[policies.NAME] enabled = false``. Plugin paths are
    made absolute from the folder of the file that names them.
    """
    data = _read_toml(path)
    _absolute_plugins(data, path)
    meta = data.get("scenario")
    ref = meta.get("base") if isinstance(meta, Mapping) else None
    if ref is None:
        return data
    base_path = _base_path(ref, path)
    chain = (*_chain, path.resolve())
    if base_path.resolve() in chain:
        raise ScenarioError(f"{path}: scenario.base: {ref} leads back to this file (a cycle)")
    if len(chain) > 20:
        raise ScenarioError(f"{path}: scenario.base: more than 20 files extend one another")
    base = read_scenario_data(base_path, chain)
    merged = _merge(base, data)
    base_meta = base.get("scenario")
    if isinstance(base_meta, Mapping) and isinstance(base_meta.get("plugins"), list) and isinstance(meta.get("plugins"), list):
        plugins = list(dict.fromkeys([*base_meta["plugins"], *meta["plugins"]]))
        merged["scenario"] = {**merged["scenario"], "plugins": plugins}
    return merged


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
        except (tomllib.TOMLDecodeError, RecursionError, ValueError):
            value = raw
        out[name] = value
    return out
