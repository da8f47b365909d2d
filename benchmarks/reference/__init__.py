"""The per-agent reference model of the status-quo street (one ``mesa.Agent`` per household).

Oracle for the vectorised model (tests/test_reference_oracle.py) and its peer in the
benchmarks (benchmarks/run.py). Import with the repository root on ``sys.path``.
"""

from benchmarks.reference.household import Household
from benchmarks.reference.model import RECORDED, ReferenceModel

__all__ = ["Household", "RECORDED", "ReferenceModel"]
