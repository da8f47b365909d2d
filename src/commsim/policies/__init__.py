"""Policies: interventions from the source documents, as composable mechanisms.

Import ``Policy`` and ``register_policy`` to write your own (see docs/policies.md).
"""

from commsim.policies import registry
from commsim.policies.base import Policy
from commsim.policies.registry import available, register_policy

# Shipped policies register themselves on import (one module each).
POLICY_MODULES: tuple[str, ...] = (
    "suzhou_alliance",
    "liaocheng_four_in_one",
    "fee_subsidy",
    "suzhou_classified",
    "cangzhou_six_in_one",
    "harbin_basic_service",
    "xian_staffing",
    "burden_reduction",
)

for _module in POLICY_MODULES:
    __import__(f"commsim.policies.{_module}")

__all__ = ["Policy", "register_policy", "available", "registry"]
