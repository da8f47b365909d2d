"""commsim: agent-based simulation of urban residential community governance in China."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("commsim")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

from commsim.errors import CommsimError, ParameterError, ScenarioError  # noqa: E402
from commsim.model import CommunityModel  # noqa: E402
from commsim.params import PARAMETERS  # noqa: E402
from commsim.scenario import Scenario, load_scenario  # noqa: E402

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
