"""commsim: agent-based simulation of urban residential community governance in China."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("commsim")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

__all__ = [
    "CommunityModel",
    "Scenario",
    "load_scenario",
    "PARAMETERS",
    "CommsimError",
    "ScenarioError",
    "ParameterError",
    "__version__",
]

#: where each public name lives; imported on first use, so that ``import commsim.x`` does not
#: load the model (and Mesa, ~1.5 s) in processes that never run one (the command's main process)
_LAZY = {
    "CommunityModel": "commsim.model",
    "Scenario": "commsim.scenario",
    "load_scenario": "commsim.scenario",
    "PARAMETERS": "commsim.params",
    "CommsimError": "commsim.errors",
    "ScenarioError": "commsim.errors",
    "ParameterError": "commsim.errors",
}


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'commsim' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
