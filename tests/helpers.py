"""Paths and small helpers shared by the tests."""

from pathlib import Path

DATA = Path(__file__).parent / "data"
SMALL = DATA / "small.toml"


def mechanism_alone(policy: type, mechanism: str | None, **pars) -> dict:
    """A policy's values with every declared mechanism but ``mechanism`` switched off
    (None: all on), then ``pars``."""
    out: dict = {}
    for name, off in policy.mechanisms.items():
        if name != mechanism and mechanism is not None:
            out.update(off)
    out.update(pars)
    return out
